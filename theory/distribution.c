/* The distribution of L_n = ln(sigma_n^2 / sigma^2) in the replace regime:
 * CGF, exact CDF by inversion, quantiles, the Lugannani-Rice approximation,
 * Chernoff and Markov bounds, and bounds on the mean collapse time.
 *
 * CGF.  L_n = sum_{i<n} ln q_i, q_i = Q_i/D_i, Q_i ~ chi^2_{k_i}, so
 *   K(s) = sum_i [ s ln(k_i/D_i) + excess(a_i, s) ],
 *   excess(a, s) = lnGamma(a+s) - lnGamma(a) - s ln a
 * (s ln(2/D) + s ln a = s ln(k/D) as 2a = k), analytic for Re s > -min a_i.
 * K, K', K'' at real s come from the double-double special functions of
 * theory/special.c, one run of equal sizes at a time.
 *
 * INVERSION.  For c > 0 (Bromwich integral of the Laplace transform, with
 * (1/2 pi i) int_{c-i inf}^{c+i inf} e^{su}/s ds = 1{u > 0}):
 *     P(L > x)  =  (1/2pi) int_R F(y) dy,   F(y) = exp(K(c+iy) - (c+iy)x) / (c+iy);
 * for -a_min < c < 0 the contour passes left of the pole of 1/s, which
 * subtracts its residue 1:  P(L <= x) = -(1/2pi) int_R F(y) dy.
 * F(-y) = conj F(y), so both are (1/pi) int_0^inf Re F.  We factor out
 * exp(Phi), Phi = K(c) - c x, and write the rest with the centred remainder
 * R of theory/complex_gamma.c:
 *     K(c+iy) - (c+iy)x = Phi + i y (K'(c) - x) + sum_i len_i R(a_i + c, y),
 * (K'(c) - x is formed in double-double; R has no O(y) part), so that the
 * phase is accurate to ~1e-16 absolute however large n y times the drift is.
 *
 * Quadrature: the trapezoidal rule with step h on R,
 *     T_h = (h / 2pi) sum_{k in Z} F(kh)  =  (h/pi) [1/(2c) + sum_{k>=1} Re F(kh)].
 * Error control (proofs/09; this is what the code enforces):
 * (1) Discretisation, exactly.  Poisson summation, (h/2pi) sum_k e^{ikhu} =
 *     sum_m delta(u - 2 pi m/h), applied inside the expectation gives for c > 0
 *       T_h = sum_{m in Z} e^{2 pi m c/h} P(L > x + 2 pi m/h),
 *     so  T_h - P(L > x) = sum_{m>=1} [ e^{2pi m c/h} P(L > x + 2pi m/h)
 *                                       + e^{-2pi m c/h} P(L > x - 2pi m/h) ]  >= 0.
 *     With P <= 1 in the second sum and the Chernoff bound at c + v (any
 *     v > 0) in the first, e^{2pi m c/h} P(L > x + 2pi m/h) <= e^{K(c+v)-(c+v)x} e^{-2pi m v/h}:
 *       0 <= T_h - P <= E1 + E2,   E1 = q1/(1-q1),  q1 = e^{-2pi|c|/h},
 *                                  E2 = e^{K(c+v)-(c+v)x} q2/(1-q2), q2 = e^{-2pi v/h}.
 *     For c < 0 the mirror image: the same with P(L <= .), and c - v
 *     (v < c + a_min) in E2.  h is chosen so that E1 + E2 <= 1e-16 p (with a
 *     predicted p), and the bound is re-checked with the computed p; if it
 *     fails, h is halved.
 * (2) Truncation.  |F(y)| e^{-Phi} = |phi_c(y)| / |c+iy| with phi_c the
 *     characteristic function of the tilted law,
 *       |phi_c(y)|^2 = prod_i prod_{j>=0} (1 + y^2/(z_i+j)^2)^{-len_i},  z_i = a_i + c,
 *     decreasing in y.  For y > Y the ratio |phi_c(y)/phi_c(Y)| is at most
 *     exp(-sum_i len_i [B(z_i, y) - B(z_i, Y)]), where (comparing the sum over j
 *     with an integral, the summand being decreasing in j)
 *       2 B(z, y) = int_z^inf ln(1 + y^2/t^2) dt = pi y - z ln(1 + y^2/z^2) - 2 y atan(z/y),
 *     which is convex in y with dB/dy = atan(y/z).  Hence
 *       int_Y^inf |F| dy <= |F(Y)| / Lambda(Y),   Lambda(Y) = sum_i len_i atan(Y/z_i),
 *     and, |F| being decreasing, the trapezoid tail h sum_{k>K} |F(kh)| obeys
 *     the same bound with Y = K h.  Summation stops at the first node where
 *     this is below 1e-16 of the partial sum.
 * (3) Rounding: the terms carry relative error ~1e-16 (|Phi| and the phase
 *     are formed without cancellation); c at the saddlepoint keeps the sum
 *     free of cancellation (sum |F| h / (pi p e^{-Phi}) = O(1)).
 * The line: the saddlepoint s^ (K'(s^) = x) when |s^| sqrt(K''(s^)) >= 1,
 * which gives relative accuracy in both tails; otherwise +-1/sqrt(K''(0)) on
 * the side of s^ (kept inside (-a_min/2, 0) on the left).
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "refit/distribution.h"
#include "refit/theory.h"
#include "theory/distribution_internal.h"
#include "theory/internal.h"

static const double PI = 3.14159265358979323846;
static const double LN_2PI = 1.8378770664093454836;

/* Target relative error of discretisation and truncation; the a-posteriori
 * check allows 10x more before refining h. */
#define INV_TOL 1e-16
#define INV_CHECK 1e-15
/* Integrand evaluations allowed per inversion (a deep lower tail of a
 * single generation of size 2 needs ~1e6; beyond, REFIT_ERANGE). */
#define INV_MAX_NODES 4000000L

/* ---- the law as runs ---------------------------------------------------- */

refit_status refit_dist_law_make(const refit_model *model, uint64_t n, refit_dist_law *law)
{
    double M;
    uint64_t len;
    refit_status st;
    size_t cap = 0;
    law->runs = NULL;
    law->count = 0;
    law->a_min = INFINITY;
    law->a_max = 0.0;
    st = refit_model_validate(model);
    if (st != REFIT_OK) return st;
    if (model->regime != REFIT_REGIME_REPLACE) return REFIT_EINVAL;
    if (n > ((uint64_t)1 << 53)) return REFIT_EDOM;
    refit_runs runs = refit_runs_begin(&model->schedule, n);
    while (refit_runs_next(&runs, &M, &len, &st)) {
        if (law->count == cap) {
            size_t ncap = cap ? 2 * cap : 8;
            refit_dist_run *p = realloc(law->runs, ncap * sizeof *p);
            if (!p) {
                refit_dist_law_free(law);
                return REFIT_ENOMEM;
            }
            law->runs = p;
            cap = ncap;
        }
        refit_gen g = refit_gen_make(M, model->estimator);
        refit_dist_run *r = &law->runs[law->count++];
        r->a = g.a;
        r->len = (double)len;
        r->ln_k_over_D = g.ln_k_over_D;
        law->a_min = fmin(law->a_min, g.a);
        law->a_max = fmax(law->a_max, g.a);
    }
    if (st != REFIT_OK) refit_dist_law_free(law);
    return st;
}

void refit_dist_law_free(refit_dist_law *law)
{
    free(law->runs);
    law->runs = NULL;
    law->count = 0;
}

/* excess(a, s) for any s > -a.  refit_lgamma_excess shifts a < 32 up by a
 * product of N ~ 32 ratios (a+s+j)/(a+j), which overflows once s/a is
 * beyond ~1e9 (far upper tails); there the logs are summed one by one:
 * excess(a, s) = excess(a+N, s) + s ln((a+N)/a) - sum_{j<N} ln((a+s+j)/(a+j)). */
static dd excess_any(double a, double s)
{
    if (s < 1e8 || a >= REFIT_ASYMPTOTIC_MIN) return refit_lgamma_excess(a, s);
    double N = ceil(REFIT_ASYMPTOTIC_MIN - a);
    dd sum = dd_mul_d(refit_dd_log(dd_div_d(dd_two_sum(a, N), a)), s);
    for (double j = 0.0; j < N; j += 1.0) {
        dd aj = dd_two_sum(a, j);
        sum = dd_sub(sum, refit_dd_log(dd_div(dd_add_d(aj, s), aj)));
    }
    return dd_add(refit_lgamma_excess(a + N, s), sum);
}

void refit_dist_law_cgf(const refit_dist_law *law, double s, dd *K, dd *K1, dd *K2)
{
    dd k0 = dd_d(0.0), k1 = dd_d(0.0), k2 = dd_d(0.0);
    for (size_t i = 0; i < law->count; i++) {
        const refit_dist_run *r = &law->runs[i];
        if (K) {
            dd t = dd_add(dd_mul_d(r->ln_k_over_D, s), excess_any(r->a, s));
            k0 = dd_add(k0, dd_mul_d(t, r->len));
        }
        if (K1) {
            /* psi(a+s) - ln a = [psi(a+s) - ln(a+s)] + log1p(s/a) */
            dd t = dd_add(r->ln_k_over_D, refit_digamma_minus_log(r->a + s));
            if (s != 0.0) t = dd_add(t, refit_dd_log1p(dd_div_d(dd_d(s), r->a)));
            k1 = dd_add(k1, dd_mul_d(t, r->len));
        }
        if (K2) k2 = dd_add(k2, dd_mul_d(refit_polygamma_dd(1, r->a + s), r->len));
    }
    if (K) *K = k0;
    if (K1) *K1 = k1;
    if (K2) *K2 = k2;
}

/* ---- monotone root finding ---------------------------------------------- */

typedef struct root_ctx {
    const refit_dist_law *law;
    double x;   /* K'(s) = x */
    double w2;  /* or s K'(s) - K(s) = w2 */
    int kind;   /* 0: K' - x;  1: +-(s K' - K - w2) */
    double sgn; /* kind 1: the side of s */
} root_ctx;

/* f increasing in s on the bracket, and f'. */
static void root_eval(const root_ctx *ctx, double s, double *f, double *df)
{
    dd K, K1, K2;
    if (ctx->kind == 0) {
        refit_dist_law_cgf(ctx->law, s, NULL, &K1, &K2);
        *f = dd_to_d(dd_add_d(K1, -ctx->x));
        *df = dd_to_d(K2);
    } else {
        refit_dist_law_cgf(ctx->law, s, &K, &K1, &K2);
        dd g = dd_sub(dd_sub(dd_mul_d(K1, s), K), dd_d(ctx->w2));
        *f = ctx->sgn * dd_to_d(g);
        *df = ctx->sgn * s * dd_to_d(K2);
    }
}

/* Safeguarded Newton for an increasing f with f(lo) < 0 < f(hi) (lo may be
 * the pole -a_min, never evaluated).  Newton steps that leave the bracket
 * are replaced by bisection. */
static double solve_increasing(const root_ctx *ctx, double lo, double hi, double s)
{
    for (int it = 0; it < 400; it++) {
        double f, df;
        root_eval(ctx, s, &f, &df);
        if (f == 0.0 || isnan(f)) return s;
        if (f < 0.0)
            lo = s;
        else
            hi = s;
        double next = s - f / df;
        if (!(next > lo && next < hi) || !isfinite(next)) next = lo + 0.5 * (hi - lo);
        if (fabs(next - s) <= 4e-16 * fabs(s) || next == lo || next == hi) return next;
        if (hi - lo <= 4e-16 * fmax(fabs(lo), fabs(hi))) return next;
        s = next;
    }
    return s;
}

/* Upper end of a bracket for an increasing f with f(from) < 0: doubling. */
static double expand_up(const root_ctx *ctx, double from, double step)
{
    for (int it = 0; it < 2100; it++) {
        double hi = from + step, f, df;
        if (!isfinite(hi)) return INFINITY;
        root_eval(ctx, hi, &f, &df);
        if (f > 0.0 || isnan(f)) return hi;
        from = hi;
        step *= 2.0;
    }
    return INFINITY;
}

/* The saddlepoint K'(s) = x; +inf if it overflows (x beyond every scale). */
static double saddlepoint(const refit_dist_law *law, double x, double mean, double K2_0)
{
    root_ctx ctx = {law, x, 0.0, 0, 1.0};
    if (x == mean) return 0.0;
    if (x > mean) {
        double hi = expand_up(&ctx, 0.0, 1.0 / sqrt(K2_0));
        if (!isfinite(hi)) return INFINITY;
        return solve_increasing(&ctx, 0.0, hi, 0.0);
    }
    double s = solve_increasing(&ctx, -law->a_min, 0.0, 0.0);
    /* keep s inside the domain when the root is closer to the pole than ulp */
    if (!(s > -law->a_min)) s = nextafter(-law->a_min, 0.0);
    return s;
}

static void mean_and_var(const refit_dist_law *law, double *mean, double *K2_0)
{
    dd K1, K2;
    refit_dist_law_cgf(law, 0.0, NULL, &K1, &K2);
    *mean = dd_to_d(K1);
    *K2_0 = dd_to_d(K2);
}

double refit_dist_choose_line(const refit_dist_law *law, double x)
{
    double mean, K2_0;
    mean_and_var(law, &mean, &K2_0);
    double s = saddlepoint(law, x, mean, K2_0);
    if (!isfinite(s)) return s;
    dd K2;
    refit_dist_law_cgf(law, s, NULL, NULL, &K2);
    if (fabs(s) * sqrt(dd_to_d(K2)) >= 1.0) return s;
    double sd0 = 1.0 / sqrt(K2_0);
    return s >= 0.0 ? sd0 : -fmin(sd0, 0.5 * law->a_min);
}

/* ---- the inversion ------------------------------------------------------ */

/* Strip widths for the discretisation bound, on both sides of the line:
 * side 0 ("out", away from 0): c + sgn v, any v > 0 (v < c + a_min if c < 0);
 * side 1 ("in", towards 0): c - sgn v, 0 < v <= |c| (v = |c| is the plain
 * bound P <= 1, as K(0) = 0).  dphi = K(c') - c' x - Phi at the shifted c'. */
typedef struct strip {
    double v[2][26];
    double dphi[2][26];
    int count[2];
} strip;

static void strip_add(const refit_dist_law *law, double x, dd Phi, double cv, double v, strip *st,
                      int side)
{
    dd Kv;
    refit_dist_law_cgf(law, cv, &Kv, NULL, NULL);
    double dv = dd_to_d(dd_sub(dd_sub(Kv, dd_two_prod(cv, x)), Phi));
    if (!isfinite(dv) || st->count[side] >= 26) return;
    st->v[side][st->count[side]] = v;
    st->dphi[side][st->count[side]] = dv;
    st->count[side]++;
}

static void strip_make(const refit_dist_law *law, double x, double c, dd Phi, double K2c, strip *st)
{
    double sgn = c > 0.0 ? 1.0 : -1.0;
    double v0 = 1.0 / sqrt(K2c);
    st->count[0] = st->count[1] = 0;
    for (int j = -8; j <= 14; j++) {
        double v = v0 * pow(2.0, 0.5 * j);
        if (sgn > 0.0 || v < c + law->a_min) strip_add(law, x, Phi, c + sgn * v, v, st, 0);
        if (v < fabs(c)) strip_add(law, x, Phi, c - sgn * v, v, st, 1);
    }
    if (sgn < 0.0) strip_add(law, x, Phi, c - 0.5 * (c + law->a_min), 0.5 * (c + law->a_min), st, 0);
    strip_add(law, x, Phi, 0.0, fabs(c), st, 1); /* dphi = -Phi */
}

/* Upper bound of (E1 + E2) e^{-Phi} (the tilted scale) for step h: on each
 * side sum_m e^{dphi - 2 pi m v/h}, minimised over the candidate v. */
static double discretisation_bound(const strip *st, double h)
{
    double total = 0.0;
    for (int side = 0; side < 2; side++) {
        double e = INFINITY;
        for (int i = 0; i < st->count[side]; i++) {
            double q = 2.0 * PI * st->v[side][i] / h;
            e = fmin(e, exp(st->dphi[side][i] - q) / -expm1(-q));
        }
        total += e;
    }
    return total;
}

/* The largest h with predicted bound <= tol * J (half for each side). */
static double choose_step(const strip *st, double lnJ)
{
    double lt = log(INV_TOL) + lnJ - 0.7;
    double h = INFINITY;
    for (int side = 0; side < 2; side++) {
        double best = 0.0;
        for (int i = 0; i < st->count[side]; i++)
            best = fmax(best, 2.0 * PI * st->v[side][i] / fmax(st->dphi[side][i] - lt + 0.05, 1.0));
        h = fmin(h, best);
    }
    return h;
}

typedef struct node_sum {
    double S;      /* 1/(2c) + sum Re F(kh) e^{-Phi} */
    double y_max;  /* last node */
    double tail;   /* truncation bound on int_{y_max}^inf |F| e^{-Phi} */
    long nodes;
} node_sum;

/* The trapezoid sum with step h, truncated by the bound (2). */
static refit_status trapezoid(const refit_dist_law *law, double c, double delta, double h,
                              long *budget, node_sum *out)
{
    double S = 0.5 / c;
    for (long k = 1;; k++) {
        if (--*budget < 0) return REFIT_ERANGE;
        double y = (double)k * h, rho = 0.0, theta = y * delta, lambda = 0.0;
        for (size_t i = 0; i < law->count; i++) {
            const refit_dist_run *r = &law->runs[i];
            double z = r->a + c, re, im;
            refit_lgamma_remainder(z, y, &re, &im);
            rho += r->len * re;
            theta += r->len * im;
            lambda += r->len * atan(y / z);
        }
        double e = exp(rho), d2 = c * c + y * y;
        S += e * (c * cos(theta) + y * sin(theta)) / d2;
        double tail = e / sqrt(d2) / lambda;
        if (tail <= INV_TOL * h * fabs(S) || e == 0.0) {
            out->S = S;
            out->y_max = y;
            out->tail = tail;
            out->nodes = k;
            return REFIT_OK;
        }
    }
}

refit_status refit_dist_invert(const refit_dist_law *law, double x, double c, double h_scale,
                               refit_dist_inversion *out)
{
    dd Kc, K1c, K2c;
    out->c = c;
    out->log_p = NAN;
    out->nodes = 0;
    out->refinements = 0;
    if (!(c != 0.0) || !(c > -law->a_min) || !isfinite(c) || law->count == 0) return REFIT_EDOM;
    refit_dist_law_cgf(law, c, &Kc, &K1c, &K2c);
    dd Phi_dd = dd_sub(Kc, dd_two_prod(c, x));
    double Phi = dd_to_d(Phi_dd), delta = dd_to_d(dd_add_d(K1c, -x)), K2 = dd_to_d(K2c);
    double sgn = c > 0.0 ? 1.0 : -1.0;
    strip st;
    strip_make(law, x, c, Phi_dd, K2, &st);
    /* Predicted tilted integral J = p e^{-Phi}: the saddlepoint value
     * 1/(|c| sqrt(2 pi K'')), never above e^{-Phi} (p <= 1). */
    double lnJ = fmin(-log(fabs(c)) - 0.5 * (LN_2PI + log(K2)), -Phi);
    double h = choose_step(&st, lnJ) * h_scale;
    long budget = INV_MAX_NODES;
    for (int refine = 0; refine < 8; refine++, h *= 0.5) {
        node_sum ns;
        refit_status status = trapezoid(law, c, delta, h, &budget, &ns);
        if (status != REFIT_OK) return status;
        double J = sgn * h / PI * ns.S;
        double bound = (discretisation_bound(&st, h) + ns.tail / PI) / J;
        out->nodes += ns.nodes;
        if (J > 0.0 && bound <= INV_CHECK) {
            out->log_p = Phi + log(J);
            out->h = h;
            out->y_max = ns.y_max;
            out->bound = bound;
            out->refinements = refine;
            return REFIT_OK;
        }
    }
    return REFIT_ERANGE;
}

/* ---- public API --------------------------------------------------------- */

static refit_status begin(const refit_model *model, uint64_t n, double *out, refit_dist_law *law)
{
    law->runs = NULL;
    law->count = 0;
    if (!out) return REFIT_EINVAL;
    *out = NAN;
    return refit_dist_law_make(model, n, law);
}

refit_status refit_dist_cgf(const refit_model *model, uint64_t n, double s, double *K, double *K1,
                            double *K2)
{
    refit_dist_law law;
    double dummy;
    if (K) *K = NAN;
    if (K1) *K1 = NAN;
    if (K2) *K2 = NAN;
    refit_status st = begin(model, n, &dummy, &law);
    if (st != REFIT_OK) return st;
    if (isnan(s) || !(s > -law.a_min) || isinf(s)) {
        refit_dist_law_free(&law);
        return REFIT_EDOM;
    }
    dd k0, k1, k2;
    refit_dist_law_cgf(&law, s, &k0, &k1, &k2);
    if (K) *K = dd_to_d(k0);
    if (K1) *K1 = dd_to_d(k1);
    if (K2) *K2 = dd_to_d(k2);
    refit_dist_law_free(&law);
    return REFIT_OK;
}

/* ln(1 - e^q), q <= 0, without cancellation. */
static double log1mexp(double q)
{
    if (q == 0.0) return -INFINITY;
    return q > -0.6931471805599453 ? log(-expm1(q)) : log1p(-exp(q));
}

/* ln P(L <= x) and ln P(L > x) from one inversion (n >= 1, x finite). */
static refit_status both_logs(const refit_dist_law *law, double x, double *lcdf, double *lsf)
{
    double c = refit_dist_choose_line(law, x);
    if (isinf(c)) { /* x beyond the range where K'(s) = x is representable */
        *lcdf = 0.0;
        *lsf = -INFINITY;
        return REFIT_OK;
    }
    refit_dist_inversion inv;
    refit_status st = refit_dist_invert(law, x, c, 1.0, &inv);
    if (st != REFIT_OK) return st;
    if (c > 0.0) {
        *lsf = inv.log_p;
        *lcdf = log1mexp(inv.log_p);
    } else {
        *lcdf = inv.log_p;
        *lsf = log1mexp(inv.log_p);
    }
    return REFIT_OK;
}

/* which: 0 cdf, 1 log cdf, 2 log sf */
static refit_status cdf_family(const refit_model *model, uint64_t n, double x, double *out, int which)
{
    refit_dist_law law;
    refit_status st = begin(model, n, out, &law);
    if (st != REFIT_OK) return st;
    if (isnan(x)) {
        refit_dist_law_free(&law);
        return REFIT_EDOM;
    }
    double lcdf, lsf;
    if (law.count == 0 || isinf(x)) {
        /* L_0 = 0 (a point mass); or x = +-inf */
        int below = law.count == 0 ? x >= 0.0 : x > 0.0;
        lcdf = below ? 0.0 : -INFINITY;
        lsf = below ? -INFINITY : 0.0;
    } else {
        st = both_logs(&law, x, &lcdf, &lsf);
    }
    refit_dist_law_free(&law);
    if (st != REFIT_OK) return st;
    *out = which == 0 ? (lcdf > lsf ? -expm1(lsf) : exp(lcdf)) : which == 1 ? lcdf : lsf;
    return REFIT_OK;
}

refit_status refit_dist_cdf(const refit_model *model, uint64_t n, double x, double *out)
{
    return cdf_family(model, n, x, out, 0);
}

refit_status refit_dist_log_cdf(const refit_model *model, uint64_t n, double x, double *out)
{
    return cdf_family(model, n, x, out, 1);
}

refit_status refit_dist_log_sf(const refit_model *model, uint64_t n, double x, double *out)
{
    return cdf_family(model, n, x, out, 2);
}

/* ---- normal distribution helpers (saddlepoint, quantile start) ----------- */

static double norm_cdf(double w) { return 0.5 * erfc(-w / 1.4142135623730950488); }

static double norm_pdf(double w) { return exp(-0.5 * w * w - 0.5 * LN_2PI); }

/* ln Phi(w) for any w (asymptotic series below -30, where erfc underflows). */
static double norm_log_cdf(double w)
{
    if (w > -30.0) return log(norm_cdf(w));
    double r = 1.0 / (w * w);
    double series = 1.0 - r * (1.0 - r * (3.0 - r * (15.0 - r * 105.0)));
    return -0.5 * w * w - log(-w) - 0.5 * LN_2PI + log(series);
}

/* Phi^{-1}(p): Newton on ln Phi (only a starting point for the quantile). */
static double norm_quantile(double p)
{
    int upper = p > 0.5;
    double q = upper ? 1.0 - p : p; /* exact for p >= 1/2 */
    double lq = log(q), w;
    if (q > 0.1)
        w = sqrt(2.0 * PI) * (q - 0.5);
    else {
        double t = -2.0 * lq;
        w = -sqrt(fmax(t - log(t) - LN_2PI, 1.0));
    }
    for (int it = 0; it < 60; it++) {
        double lphi = norm_log_cdf(w);
        double ratio = exp(-0.5 * w * w - 0.5 * LN_2PI - lphi); /* phi/Phi */
        double step = (lphi - lq) / ratio;
        w -= step;
        if (fabs(step) < 1e-13 * fmax(1.0, fabs(w))) break;
    }
    return upper ? -w : w;
}

refit_status refit_dist_saddlepoint_cdf(const refit_model *model, uint64_t n, double x, double *out)
{
    refit_dist_law law;
    refit_status st = begin(model, n, out, &law);
    if (st != REFIT_OK) return st;
    if (isnan(x)) {
        refit_dist_law_free(&law);
        return REFIT_EDOM;
    }
    if (law.count == 0 || isinf(x)) {
        *out = (law.count == 0 ? x >= 0.0 : x > 0.0) ? 1.0 : 0.0;
        refit_dist_law_free(&law);
        return REFIT_OK;
    }
    double mean, K2_0;
    mean_and_var(&law, &mean, &K2_0);
    double s = saddlepoint(&law, x, mean, K2_0);
    if (isinf(s)) {
        *out = 1.0;
        refit_dist_law_free(&law);
        return REFIT_OK;
    }
    dd K, K2;
    refit_dist_law_cgf(&law, s, &K, NULL, &K2);
    double k2 = dd_to_d(K2);
    double u = s * sqrt(k2);
    double F;
    if (fabs(u) < 1e-5) {
        /* x at the mean: 1/w - 1/u -> kappa3 / (6 kappa2^{3/2}) (Edgeworth at z = 0) */
        dd k3 = dd_d(0.0);
        for (size_t i = 0; i < law.count; i++)
            k3 = dd_add(k3, dd_mul_d(refit_polygamma_dd(2, law.runs[i].a + s), law.runs[i].len));
        F = 0.5 + dd_to_d(k3) / (6.0 * k2 * sqrt(k2)) * norm_pdf(0.0);
    } else {
        double I = fmax(dd_to_d(dd_sub(dd_two_prod(s, x), K)), 0.0);
        double w = copysign(sqrt(2.0 * I), s);
        double corr = norm_pdf(w) * (1.0 / w - 1.0 / u);
        F = s < 0.0 ? norm_cdf(w) + corr : 1.0 - (norm_cdf(-w) - corr);
    }
    *out = fmin(1.0, fmax(0.0, F));
    refit_dist_law_free(&law);
    return REFIT_OK;
}

/* ---- quantiles ---------------------------------------------------------- */

/* g(x) increasing, root at the p-quantile: ln F(x) - ln p (lower half) or
 * ln(1-p) - ln S(x) (upper half). */
static refit_status quantile_g(const refit_dist_law *law, double x, int upper, double lt,
                               double *g)
{
    double lcdf, lsf;
    refit_status st = both_logs(law, x, &lcdf, &lsf);
    *g = upper ? lt - lsf : lcdf - lt;
    return st;
}

refit_status refit_dist_quantile(const refit_model *model, uint64_t n, double p, double *x)
{
    refit_dist_law law;
    refit_status st = begin(model, n, x, &law);
    if (st != REFIT_OK) return st;
    if (!(p > 0.0 && p < 1.0)) {
        refit_dist_law_free(&law);
        return REFIT_EDOM;
    }
    if (law.count == 0) { /* L_0 = 0 */
        *x = 0.0;
        return REFIT_OK;
    }
    int upper = p > 0.5;
    double lt = upper ? log1p(-p) : log(p);
    /* Start: the first-order saddlepoint quantile, s K'(s) - K(s) = w^2/2 with
     * w = Phi^{-1}(p) on the side of w, x0 = K'(s). */
    double w = norm_quantile(p), mean, K2_0, s = 0.0;
    mean_and_var(&law, &mean, &K2_0);
    if (w != 0.0) {
        root_ctx ctx = {&law, 0.0, 0.5 * w * w, 1, w > 0.0 ? 1.0 : -1.0};
        if (w > 0.0) {
            double hi = expand_up(&ctx, 0.0, fabs(w) / sqrt(K2_0));
            s = isfinite(hi) ? solve_increasing(&ctx, 0.0, hi, 0.5 * hi) : 0.0;
        } else {
            s = solve_increasing(&ctx, -law.a_min, 0.0, -0.5 * fmin(law.a_min, -w / sqrt(K2_0)));
            if (!(s > -law.a_min)) s = nextafter(-law.a_min, 0.0);
        }
    }
    dd K1, K2;
    refit_dist_law_cgf(&law, s, NULL, &K1, &K2);
    double x0 = dd_to_d(K1), step = 0.02 * sqrt(dd_to_d(K2)); /* 2% of the tilted sd */
    /* Bracket by doubling steps, then Illinois (regula falsi that halves
     * the retained end's value): superlinear, never leaves the bracket. */
    double xa = x0, ga, xb, gb;
    st = quantile_g(&law, xa, upper, lt, &ga);
    for (int it = 0; st == REFIT_OK && it < 200; it++) {
        xb = ga < 0.0 ? xa + step : xa - step;
        st = quantile_g(&law, xb, upper, lt, &gb);
        if (st != REFIT_OK || (ga < 0.0) != (gb < 0.0) || ga == 0.0) break;
        xa = xb;
        ga = gb;
        step *= 2.0;
    }
    if (st == REFIT_OK && ga != 0.0 && (ga < 0.0) == (gb < 0.0)) st = REFIT_ERANGE;
    double result = xa;
    int side = 0;
    for (int it = 0; st == REFIT_OK && ga != 0.0 && it < 200; it++) {
        double xc = xb - gb * (xb - xa) / (gb - ga), gc;
        if (!(xc > fmin(xa, xb) && xc < fmax(xa, xb))) xc = 0.5 * (xa + xb);
        st = quantile_g(&law, xc, upper, lt, &gc);
        if (st != REFIT_OK) break;
        result = xc;
        if (gc == 0.0) break;
        if ((gc < 0.0) == (gb < 0.0)) {
            xb = xc;
            gb = gc;
            if (side == -1) ga *= 0.5;
            side = -1;
        } else {
            xa = xc;
            ga = gc;
            if (side == 1) gb *= 0.5;
            side = 1;
        }
        /* stop when the bracket is below 2e-13 relative (1e-12 is the target) */
        if (fabs(xb - xa) <= 2e-13 * fmax(1.0, fabs(xc))) break;
    }
    if (ga == 0.0) result = xa;
    refit_dist_law_free(&law);
    if (st != REFIT_OK) return st;
    *x = result;
    return REFIT_OK;
}

/* ---- rigorous bounds ---------------------------------------------------- */

/* inf over s on the side `sgn` of K(s) - s x, 0 if trivial. */
static refit_status chernoff(const refit_model *model, uint64_t n, double x, double *out, double sgn)
{
    refit_dist_law law;
    refit_status st = begin(model, n, out, &law);
    if (st != REFIT_OK) return st;
    if (isnan(x)) {
        refit_dist_law_free(&law);
        return REFIT_EDOM;
    }
    if (law.count == 0) { /* K = 0: inf_s (-s x) */
        *out = (sgn * x > 0.0) ? -INFINITY : 0.0;
        return REFIT_OK;
    }
    double mean, K2_0;
    mean_and_var(&law, &mean, &K2_0);
    if (sgn * (x - mean) <= 0.0) {
        *out = 0.0;
    } else if (isinf(x)) {
        *out = -INFINITY;
    } else {
        double s = saddlepoint(&law, x, mean, K2_0);
        if (isinf(s)) {
            *out = -INFINITY;
        } else {
            /* Any s on the right side gives a valid bound: the root's accuracy
             * affects tightness only. */
            dd K;
            refit_dist_law_cgf(&law, s, &K, NULL, NULL);
            *out = fmin(0.0, dd_to_d(dd_sub(K, dd_two_prod(s, x))));
        }
    }
    refit_dist_law_free(&law);
    return REFIT_OK;
}

refit_status refit_dist_chernoff_upper_log(const refit_model *model, uint64_t n, double x,
                                           double *out)
{
    return chernoff(model, n, x, out, 1.0);
}

refit_status refit_dist_chernoff_lower_log(const refit_model *model, uint64_t n, double x,
                                           double *out)
{
    return chernoff(model, n, x, out, -1.0);
}

refit_status refit_dist_markov_sd(const refit_model *model, uint64_t n, double t, double *out)
{
    refit_dist_law law;
    refit_status st = begin(model, n, out, &law);
    refit_dist_law_free(&law);
    if (st != REFIT_OK) return st;
    if (!(t > 0.0) || isnan(t)) return REFIT_EDOM;
    if (isinf(t)) {
        *out = 0.0;
        return REFIT_OK;
    }
    refit_model unit = *model;
    unit.sigma = 1.0;
    double ln_sd;
    st = refit_theory_quantity_log(&unit, n, REFIT_Q_SD_MEAN, &ln_sd);
    if (st != REFIT_OK) return st;
    *out = exp(fmin(0.0, ln_sd - log(t)));
    return REFIT_OK;
}

/* ---- collapse time ------------------------------------------------------ */

/* -(lnGamma(a) - a ln a + a), the a-dependent normaliser of the Gamma(a)
 * density in the variable G / a. */
static double gamma_norm(double a)
{
    if (a < 16.0) return a * log(a) - a - lgamma(a);
    /* Stirling: lnGamma(a) = (a - 1/2) ln a - a + ln(2 pi)/2 + 1/(12a) - 1/(360 a^3)
     * + 1/(1260 a^5) - 1/(1680 a^7) + ..., error < 1/(1188 a^9) ~ 1e-14 at a = 16. */
    double r = 1.0 / a, r2 = r * r;
    double S = r * (1.0 / 12.0 - r2 * (1.0 / 360.0 - r2 * (1.0 / 1260.0 - r2 / 1680.0)));
    return 0.5 * (log(a) - LN_2PI) - S;
}

/* ln of the integrand of E[(ln q)^2; q < 1] in t = ln u (q = e^{-u}):
 * with G = Q/2 ~ Gamma(a), beta = D/2 = a rho (rho = D/k), G = beta e^{-u}:
 *   density in u: exp(gamma_norm(a) + a [ln rho - (rho-1)] - a [u + rho expm1(-u)]),
 * times u^2 and du = u dt. */
static double partial_log_integrand(double a, double rho_m1, double t)
{
    double u = exp(t);
    double em1 = expm1(-u), upe; /* u + expm1(-u) = u^2/2 - u^3/6 + ... */
    if (u < 0.1) {
        double term = 0.5 * u * u, sum = 0.0;
        for (int j = 2; j < 30 && fabs(term) > 1e-18 * fabs(sum); j++) {
            sum += term;
            term *= -u / (j + 1.0);
        }
        upe = sum;
    } else {
        upe = u + em1;
    }
    double lr = rho_m1 == 0.0 ? 0.0 : log1p(rho_m1) - rho_m1;
    return 3.0 * t + gamma_norm(a) + a * lr - a * (upe + rho_m1 * em1);
}

/* E[(ln q)^2 1{q < 1}] by the trapezoidal rule in t = ln u (the integrand
 * decays like e^{3t} on the left and doubly exponentially on the right, so
 * the rule converges geometrically in 1/h); h is halved until two
 * successive sums agree to 1e-14. */
static double partial_second_moment(double a, double rho_m1)
{
    double t_peak = -40.0, l_peak = -INFINITY;
    for (double t = -40.0; t <= 8.0; t += 0.125) {
        double l = partial_log_integrand(a, rho_m1, t);
        if (l > l_peak) {
            l_peak = l;
            t_peak = t;
        }
    }
    double prev = NAN;
    for (double h = 0.25; h > 1e-3; h *= 0.5) {
        double sum = 0.0;
        for (int dir = -1; dir <= 1; dir += 2)
            for (int k = (dir < 0) ? 1 : 0; k < 100000; k++) {
                double term = exp(partial_log_integrand(a, rho_m1, t_peak + dir * k * h) - l_peak);
                sum += term;
                if (term < 1e-20 * sum && k * h > 1.0) break;
            }
        double val = h * sum * exp(l_peak);
        if (fabs(val - prev) <= 1e-14 * val) return val;
        prev = val;
    }
    return prev;
}

refit_status refit_dist_collapse_time(const refit_model *model, double eps, double *lower,
                                      double *upper)
{
    if (!lower || !upper) return REFIT_EINVAL;
    *lower = *upper = NAN;
    refit_status st = refit_model_validate(model);
    if (st != REFIT_OK) return st;
    if (model->regime != REFIT_REGIME_REPLACE || !refit_schedule_is_constant(&model->schedule))
        return REFIT_EINVAL;
    if (!(eps > 0.0 && eps < 1.0)) return REFIT_EDOM;
    double M;
    st = refit_schedule_size(&model->schedule, 0, &M);
    if (st != REFIT_OK) return st;
    refit_gen g = refit_gen_make(M, model->estimator);
    /* delta = E ln q = psi(a) + ln(2/D) = [psi(a) - ln a] + ln(k/D) < 0 */
    double delta = dd_to_d(dd_add(refit_digamma_minus_log(g.a), g.ln_k_over_D));
    double b = eps > 0.5 ? -log1p(eps - 1.0) : -log(eps);
    double mu = -delta;
    /* Wald: E tau = (b + E R)/mu with the overshoot R >= 0.  Lorden (1970,
     * Ann. Math. Statist. 41, 520-527, Thm 1): sup_b E R_b <= E[(X^+)^2]/E X
     * for i.i.d. steps X = -ln q with E X = mu > 0; here
     * E[(X^+)^2] = E[(ln q)^2; q < 1] (quadrature, plus a 1e-12 margin),
     * never above E X^2 = psi'(a) + delta^2. */
    double ex2 = dd_to_d(refit_polygamma_dd(1, g.a)) + delta * delta;
    double rho_m1 = model->estimator == REFIT_ESTIMATOR_MLE ? 1.0 / g.k : 0.0;
    double part = partial_second_moment(g.a, rho_m1) * (1.0 + 1e-12);
    double ex2p = isfinite(part) ? fmin(part, ex2) : ex2;
    *lower = b / mu;
    *upper = b / mu + ex2p / (mu * mu);
    return REFIT_OK;
}
