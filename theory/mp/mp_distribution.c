/* MPFR twins of refit/distribution.h: the CGF of L_n = ln(sigma_n^2/sigma^2),
 * its CDF, log-CDF, log-survival function and quantiles (replace regime).
 *
 * Written independently of theory/distribution.c:
 *  - K(s) = sum_i [ s ln(2/D_i) + lnGamma(a_i + s) - lnGamma(a_i) ] by the RAW
 *    formula with mpfr_lgamma, at a precision that absorbs the cancellation
 *    between terms of size a ln a (raised until the result's own exponent is
 *    covered, so K keeps relative precision near its zeros s = 0, and s = 1
 *    under the unbiased estimator where K(1) = 0 exactly).
 *  - The tails by inverting the Laplace transform on the line Re s = c:
 *      c > 0:  P(L > x)  =  (1/pi) int_0^inf Re[ e^{K(c+iy) - (c+iy)x} / (c+iy) ] dy
 *      c < 0:  P(L <= x) = -(1/pi) int_0^inf Re[ e^{K(c+iy) - (c+iy)x} / (c+iy) ] dy
 *    ((1/2 pi i) int e^{s t}/s ds over Re s = c is the step 1{t > 0} for c > 0
 *    and -1{t < 0} for c < 0; the y < 0 half is the complex conjugate), and
 *    the density f(x) = (1/pi) int_0^inf Re e^{K(c+iy) - (c+iy)x} dy.
 *    For the lower tail the line is bent into two rays s = c + t e^{+-i(pi/2 +
 *    phi)}, phi = pi/6, leaning left (P = (1/pi) Im int_0^inf F(c + t u) u dt,
 *    u = e^{i(pi/2+phi)}): they never meet the real axis again, so no Gamma
 *    pole is crossed, and e^{-sx} (x < mean < 0 there) decays along them --
 *    the vertical line oscillates like e^{-iyx} for ~75/n units of y when a
 *    is small, e.g. 3e5 nodes instead of 1.4e3 for ln P = -690 at M = 2.
 *    K(c+iy) - K(c) comes from the complex log-gamma of mp_complex.c (shifts
 *    plus Stirling with exact Bernoulli numbers); e^{K(c) - cx} is factored
 *    out and kept as a logarithm, so a tail of 1e-300 or 1e-10^6 keeps its
 *    relative precision.  c is the saddlepoint (K'(c) = x) unless that is
 *    within one standard deviation of 0, then +-1/sqrt(K''(0)) on the side of
 *    the smaller tail; the other tail is 1 minus it (no cancellation: it is
 *    then >= about 1/2).
 *  - Quadrature: adaptive Gauss-Legendre on panels (not a trapezoid): panel
 *    widths start at half the distance to the nearest singularity (the pole
 *    of 1/s at y = i c, the Gamma poles at y = i (c + a + j)) and grow
 *    geometrically but never beyond the distance y to them; each panel is
 *    accepted when the rule on it and on its two halves agree to the
 *    tolerance, else halved.  |e^{K(c+iy)}| decreases in y (|Gamma(u+iy)|^2 =
 *    Gamma(u)^2 prod_k (1 + y^2/(u+k)^2)^-1), so the integrand's size at the
 *    last node bounds it beyond; the integral stops where that size times
 *    (y + w), w = 1/sqrt(K''(c)) (the Gaussian width; beyond y ~ a the decay
 *    is exponential, rate >= pi/2), is below the tolerance.
 *    Tolerance: 2^-(p+24) of the integral (re-run once with a tolerance
 *    relative to the computed value if it is much smaller than the integral
 *    of |integrand|).
 *  - Quantiles: Newton on ln CDF(x) - ln p (p <= 1/2) or ln(1-p) - ln SF(x),
 *    with the density from the same nodes, first at 64 bits then at the
 *    target precision, inside a bracket once one is known.
 * Working precision: p + 48 + log2 of the largest magnitude in the phase
 * and real part of K (n (|z| + N) ln(|z| + N) + y |x|): K(c+iy) - (c+iy)x is
 * formed with absolute error below 2^-(p+32).  Cost: O(runs of equal sizes)
 * complex log-gammas per node, a few hundred nodes per tail.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include <mpfr.h>

#include "refit/distribution_mp.h"
#include "refit/model.h"
#include "theory/mp/mp_complex.h"
#include "theory/mp/mp_internal.h"

#define RND MPFR_RNDN
#define PI_D 3.141592653589793

/* ---- runs of equal sample sizes ----------------------------------------------- */

typedef struct dist_run {
    double M, D, a;
    uint64_t len;
} dist_run;

typedef struct dist_runs {
    dist_run *r;
    size_t count, cap;
    uint64_t n;
    double amin, amax, Dmax;
} dist_runs;

static refit_status runs_push(dist_runs *rs, double M, const refit_model *m, uint64_t len)
{
    if (rs->count > 0 && rs->r[rs->count - 1].M == M) {
        rs->r[rs->count - 1].len += len;
        return REFIT_OK;
    }
    if (rs->count == rs->cap) {
        size_t nc = rs->cap ? 2 * rs->cap : 16;
        dist_run *nr = realloc(rs->r, nc * sizeof *nr);
        if (!nr) return REFIT_ENOMEM;
        rs->r = nr;
        rs->cap = nc;
    }
    dist_run *r = &rs->r[rs->count++];
    r->M = M;
    r->D = refit_mpi_divisor(M, m->estimator);
    r->a = 0.5 * (M - 1.0); /* exact */
    r->len = len;
    if (rs->count == 1 || r->a < rs->amin) rs->amin = r->a;
    if (rs->count == 1 || r->a > rs->amax) rs->amax = r->a;
    if (rs->count == 1 || r->D > rs->Dmax) rs->Dmax = r->D;
    return REFIT_OK;
}

static void runs_free(dist_runs *rs)
{
    free(rs->r);
    rs->r = NULL;
    rs->count = rs->cap = 0;
}

/* Validates the model (replace regime only) and lists generations 0..n-1
 * as runs of equal sizes. */
static refit_status runs_build(const refit_model *m, uint64_t n, dist_runs *rs)
{
    refit_status st;
    double M;
    rs->r = NULL;
    rs->count = rs->cap = 0;
    rs->n = n;
    rs->amin = rs->amax = rs->Dmax = 0.0;
    if (!m) return REFIT_EINVAL;
    st = refit_model_validate(m);
    if (st != REFIT_OK) return st;
    if (m->regime != REFIT_REGIME_REPLACE) return REFIT_EINVAL;
    if (n == 0) return REFIT_OK;
    if (refit_schedule_is_constant(&m->schedule)) {
        st = refit_schedule_size(&m->schedule, 0, &M);
        return st == REFIT_OK ? runs_push(rs, M, m, n) : st;
    }
    for (uint64_t i = 0; i < n; i++) {
        if (m->schedule.kind == REFIT_SCHEDULE_LIST && i + 1 >= (uint64_t)m->schedule.count) {
            /* the last size repeats for the remaining generations */
            st = refit_schedule_size(&m->schedule, i, &M);
            if (st == REFIT_OK) st = runs_push(rs, M, m, n - i);
            break;
        }
        st = refit_schedule_size(&m->schedule, i, &M);
        if (st == REFIT_OK) st = runs_push(rs, M, m, 1);
        if (st != REFIT_OK) break;
    }
    if (st != REFIT_OK) runs_free(rs);
    return st;
}

static mpfr_prec_t bitlen(double v) /* ceil(log2(v + 1)) for v >= 0 */
{
    return (mpfr_prec_t)ceil(log2(v + 1.0));
}

/* A bound on |lnGamma(u)|, u > 0. */
static double lgamma_bound(double u)
{
    return (u + 1.0) * (fabs(log(u)) + 1.0) + 2.0;
}

/* ---- K(s), real s, raw formula ---------------------------------------------------- */

/* out = sum len [ s ln(2/D) + lnGamma(a+s) - lnGamma(a) ] at prec(out). */
static void cgf_raw(mpfr_t out, const dist_runs *rs, const mpfr_t s)
{
    mpfr_prec_t wp = mpfr_get_prec(out);
    mpfr_t acc, t, u, v, ln2;
    int sgn;
    mpfr_inits2(wp, acc, t, u, v, ln2, (mpfr_ptr)0);
    mpfr_set_zero(acc, 1);
    mpfr_const_log2(ln2, RND);
    for (size_t i = 0; i < rs->count; i++) {
        const dist_run *r = &rs->r[i];
        mpfr_set_d(t, r->D, RND);
        mpfr_log(t, t, RND);
        mpfr_sub(t, ln2, t, RND);
        mpfr_mul(t, t, s, RND); /* s ln(2/D) */
        mpfr_set_d(u, r->a, RND);
        mpfr_add(u, u, s, RND);
        mpfr_lgamma(v, &sgn, u, RND);
        mpfr_add(t, t, v, RND);
        mpfr_set_d(u, r->a, RND);
        mpfr_lgamma(v, &sgn, u, RND);
        mpfr_sub(t, t, v, RND);
        mpfr_set_uj(u, (uintmax_t)r->len, RND);
        mpfr_mul(t, t, u, RND);
        mpfr_add(acc, acc, t, RND);
    }
    mpfr_set(out, acc, RND);
    mpfr_clears(acc, t, u, v, ln2, (mpfr_ptr)0);
}

/* log2 of a bound on the terms of K(s). */
static double cgf_terms_log2(const dist_runs *rs, double s)
{
    double mag = 1.0;
    for (size_t i = 0; i < rs->count; i++) {
        const dist_run *r = &rs->r[i];
        mag += (double)r->len * (fabs(s) * (fabs(log(2.0 / r->D)) + 1.0) + lgamma_bound(r->a + s) +
                                 lgamma_bound(r->a));
    }
    return log2(mag);
}

refit_status refit_mp_dist_cgf(mpfr_t out, const refit_model *model, uint64_t n, const mpfr_t s)
{
    dist_runs rs;
    refit_status st;
    mpfr_prec_t p, L, extra = 0;
    mpfr_t K;
    double sd;
    if (!out) return REFIT_EINVAL;
    if (!s) {
        mpfr_set_nan(out);
        return REFIT_EINVAL;
    }
    st = runs_build(model, n, &rs);
    if (st != REFIT_OK) {
        mpfr_set_nan(out);
        return st;
    }
    if (!mpfr_number_p(s)) {
        runs_free(&rs);
        mpfr_set_nan(out);
        return REFIT_EDOM;
    }
    sd = mpfr_get_d(s, RND);
    if (n == 0 || mpfr_zero_p(s) ||
        (model->estimator == REFIT_ESTIMATOR_UNBIASED && mpfr_cmp_ui(s, 1) == 0)) {
        /* K = 0 exactly: no generations; K(0) = 0; K(1) = sum ln(k/D) = 0 under U */
        int dom = n == 0 || mpfr_cmp_d(s, -rs.amin) > 0;
        runs_free(&rs);
        if (!dom) {
            mpfr_set_nan(out);
            return REFIT_EDOM;
        }
        mpfr_set_zero(out, 1);
        return REFIT_OK;
    }
    if (mpfr_cmp_d(s, -rs.amin) <= 0) {
        runs_free(&rs);
        mpfr_set_nan(out);
        return REFIT_EDOM;
    }
    p = mpfr_get_prec(out);
    L = (mpfr_prec_t)ceil(cgf_terms_log2(&rs, sd)) + bitlen((double)rs.count);
    mpfr_init2(K, p + 24 + L);
    for (;;) {
        mpfr_prec_t need;
        mpfr_set_prec(K, p + 24 + L + extra);
        cgf_raw(K, &rs, s);
        /* absolute error ~ 2^(L - wp + 4); relative 2^-(p+4) needs wp >= L + p + 8 - exp */
        if (mpfr_zero_p(K))
            need = extra + 128;
        else if (-mpfr_get_exp(K) - 12 <= extra)
            break;
        else
            need = -mpfr_get_exp(K) + 8;
        if (need <= extra || extra > 16384) break;
        extra = need;
    }
    mpfr_set(out, K, RND);
    mpfr_clear(K);
    runs_free(&rs);
    return REFIT_OK;
}

/* ---- double-precision guides: saddlepoint and scale -------------------------------- */

/* psi'(u), u > 0, to ~1e-12: recurrence to u >= 8, then the asymptotic series. */
static double trigamma_d(double u)
{
    double acc = 0.0, y;
    while (u < 8.0) {
        acc += 1.0 / (u * u);
        u += 1.0;
    }
    y = 1.0 / (u * u);
    return acc + 1.0 / u + y / 2.0 +
           y / u * (1.0 / 6.0 - y * (1.0 / 30.0 - y * (1.0 / 42.0 - y / 30.0)));
}

static double cgf2_d(const dist_runs *rs, double s)
{
    double K2 = 0.0;
    for (size_t i = 0; i < rs->count; i++)
        K2 += (double)rs->r[i].len * trigamma_d(rs->r[i].a + s);
    return K2;
}

/* K'(s) - x in MPFR (digamma), rounded to double. */
static double cgf1_minus_x(const dist_runs *rs, double s, const mpfr_t x)
{
    double mag = fabs(mpfr_get_d(x, RND)) + 1.0;
    mpfr_prec_t wp;
    mpfr_t acc, t, u;
    double r;
    for (size_t i = 0; i < rs->count; i++)
        mag += (double)rs->r[i].len * (fabs(log(rs->r[i].D)) + fabs(log(rs->r[i].a + s)) + 4.0 +
                                       1.0 / (rs->r[i].a + s));
    wp = 96 + bitlen(mag);
    mpfr_inits2(wp, acc, t, u, (mpfr_ptr)0);
    mpfr_neg(acc, x, RND);
    for (size_t i = 0; i < rs->count; i++) {
        const dist_run *q = &rs->r[i];
        mpfr_set_d(t, q->a, RND);
        mpfr_add_d(t, t, s, RND);
        mpfr_digamma(t, t, RND);
        mpfr_set_d(u, 2.0, RND);
        mpfr_div_d(u, u, q->D, RND);
        mpfr_log(u, u, RND);
        mpfr_add(t, t, u, RND);
        mpfr_set_uj(u, (uintmax_t)q->len, RND);
        mpfr_mul(t, t, u, RND);
        mpfr_add(acc, acc, t, RND);
    }
    r = mpfr_get_d(acc, RND);
    mpfr_clears(acc, t, u, (mpfr_ptr)0);
    return r;
}

/* The saddlepoint K'(s) = x, s > -amin, roughly (it only places the
 * contour).  K' increases and is concave (K''' = sum psi'' < 0), so Newton
 * from the left of the root climbs monotonically to it. */
static double saddlepoint(const dist_runs *rs, const mpfr_t x)
{
    double f0 = cgf1_minus_x(rs, 0.0, x), s, lo, hi;
    if (f0 == 0.0) return 0.0;
    if (f0 < 0.0) {
        lo = 0.0;
        hi = 1.0;
        while (cgf1_minus_x(rs, hi, x) < 0.0 && hi < 1e300) {
            lo = hi;
            hi *= 4.0;
        }
        s = lo;
    } else {
        lo = -rs->amin;
        hi = 0.0;
        s = 0.0;
        /* a left point: Newton from 0 lands left of the root (concavity) */
        for (int it = 0; it < 2000; it++) {
            double t = s - f0 / cgf2_d(rs, s);
            if (!(t > lo)) t = lo + 0.0625 * (s - lo);
            s = t;
            f0 = cgf1_minus_x(rs, s, x);
            if (f0 <= 0.0) break;
            hi = s;
        }
    }
    for (int it = 0; it < 200; it++) {
        double f = cgf1_minus_x(rs, s, x), t;
        if (f == 0.0) break;
        if (f < 0.0 && s > lo) lo = s;
        if (f > 0.0 && s < hi) hi = s;
        t = s - f / cgf2_d(rs, s);
        if (!(t > lo && t < hi)) t = 0.5 * (lo + hi);
        if (fabs(t - s) <= 1e-13 * fmax(fabs(s), s + rs->amin)) {
            s = t;
            break;
        }
        s = t;
    }
    return s;
}

/* ---- the inversion integral ------------------------------------------------------------ */

typedef struct quad_ctx {
    const dist_runs *rs;
    refit_mpi_lgamma_ctx lg;
    mpfr_prec_t W;
    int N;
    mpfr_t *xs, *ws;           /* Gauss-Legendre nodes/weights on [-1,1] */
    mpfr_t *zre, *lg0, *lnd2, *lens; /* per run: a + c, lnGamma(a+c), ln(2/D), len */
    mpfr_t c, x, tol_panel, phi, sphi, cphi, tre, tim;
    mpfr_t y, vr, vi, Kr, Ki, t1, t2, m, sn, cs, den; /* scratch */
    long evals, max_evals;
    int failed;
    double last_width; /* width of the last panel accepted (whose halves agreed) */
} quad_ctx;

typedef struct quad_sums {
    mpfr_t val, dens, absv, lastmag;
} quad_sums;

static void sums_init(quad_sums *q, mpfr_prec_t W)
{
    mpfr_inits2(W, q->val, q->dens, q->absv, q->lastmag, (mpfr_ptr)0);
    mpfr_set_zero(q->val, 1);
    mpfr_set_zero(q->dens, 1);
    mpfr_set_zero(q->absv, 1);
    mpfr_set_zero(q->lastmag, 1);
}

static void sums_clear(quad_sums *q)
{
    mpfr_clears(q->val, q->dens, q->absv, q->lastmag, (mpfr_ptr)0);
}

/* Legendre P_N(x) and P_N'(x). */
static void legendre(mpfr_t pn, mpfr_t dpn, const mpfr_t x, int N, mpfr_t p0, mpfr_t p1, mpfr_t t)
{
    mpfr_set_ui(p0, 1, RND);
    mpfr_set(p1, x, RND);
    for (int k = 1; k < N; k++) {
        /* p2 = ((2k+1) x p1 - k p0) / (k+1) */
        mpfr_mul(t, x, p1, RND);
        mpfr_mul_ui(t, t, (unsigned long)(2 * k + 1), RND);
        mpfr_mul_ui(p0, p0, (unsigned long)k, RND);
        mpfr_sub(t, t, p0, RND);
        mpfr_div_ui(t, t, (unsigned long)(k + 1), RND);
        mpfr_set(p0, p1, RND);
        mpfr_set(p1, t, RND);
    }
    mpfr_set(pn, p1, RND);
    /* P_N' = N (x P_N - P_{N-1}) / (x^2 - 1) */
    mpfr_mul(t, x, p1, RND);
    mpfr_sub(t, t, p0, RND);
    mpfr_mul_ui(t, t, (unsigned long)N, RND);
    mpfr_sqr(p0, x, RND);
    mpfr_sub_ui(p0, p0, 1, RND);
    mpfr_div(dpn, t, p0, RND);
}

static void gl_rule(quad_ctx *q)
{
    int N = q->N;
    mpfr_prec_t W = q->W;
    mpfr_t x, pn, dpn, p0, p1, t;
    mpfr_inits2(W + 16, x, pn, dpn, p0, p1, t, (mpfr_ptr)0);
    for (int i = 0; i < (N + 1) / 2; i++) {
        /* root i+1 counted from x = 1: cos(pi (i + 3/4) / (N + 1/2)) to O(N^-2) */
        double xd = cos(PI_D * ((double)i + 0.75) / ((double)N + 0.5));
        if (N % 2 == 1 && i == N / 2) xd = 0.0;
        mpfr_set_d(x, xd, RND);
        for (int it = 0; it < 40; it++) {
            legendre(pn, dpn, x, N, p0, p1, t);
            mpfr_div(t, pn, dpn, RND);
            mpfr_sub(x, x, t, RND);
            if (mpfr_zero_p(t) || mpfr_get_exp(t) < mpfr_get_exp(x) - W - 8) break;
        }
        legendre(pn, dpn, x, N, p0, p1, t);
        /* w = 2 / ((1 - x^2) P_N'(x)^2) */
        mpfr_sqr(t, x, RND);
        mpfr_ui_sub(t, 1, t, RND);
        mpfr_sqr(p0, dpn, RND);
        mpfr_mul(t, t, p0, RND);
        mpfr_ui_div(t, 2, t, RND);
        mpfr_set(q->xs[N - 1 - i], x, RND);
        mpfr_set(q->ws[N - 1 - i], t, RND);
        mpfr_neg(q->xs[i], x, RND);
        mpfr_set(q->ws[i], t, RND);
    }
    mpfr_clears(x, pn, dpn, p0, p1, t, (mpfr_ptr)0);
}

/* Integrand at t (q->y) on the ray s = c + t u, u = e^{i(pi/2 + phi)}:
 * g = Im[e^E u / s], h = Im[e^E u] = |e^E| cos(Im E + phi), mag = |e^E| / |s|,
 * E = K(s) - K(c) - (s - c) x. */
static void integrand(quad_ctx *q, mpfr_t g, mpfr_t h, mpfr_t mag)
{
    const dist_runs *rs = q->rs;
    q->evals++;
    /* s - c = tre + i tim */
    mpfr_mul(q->tre, q->y, q->sphi, RND);
    mpfr_neg(q->tre, q->tre, RND);
    mpfr_mul(q->tim, q->y, q->cphi, RND);
    mpfr_mul(q->Kr, q->tre, q->x, RND);
    mpfr_neg(q->Kr, q->Kr, RND);
    mpfr_mul(q->Ki, q->tim, q->x, RND);
    mpfr_neg(q->Ki, q->Ki, RND);
    for (size_t i = 0; i < rs->count; i++) {
        mpfr_add(q->t2, q->zre[i], q->tre, RND); /* Re(a + s) */
        if (refit_mpi_clgamma(q->vr, q->vi, q->t2, q->tim, &q->lg) != REFIT_OK) {
            q->failed = 1;
            mpfr_set_zero(g, 1);
            mpfr_set_zero(h, 1);
            mpfr_set_zero(mag, 1);
            return;
        }
        /* len [ (s - c) ln(2/D) + lnGamma(a+s) - lnGamma(a+c) ] */
        mpfr_sub(q->vr, q->vr, q->lg0[i], RND);
        mpfr_mul(q->t1, q->tre, q->lnd2[i], RND);
        mpfr_add(q->vr, q->vr, q->t1, RND);
        mpfr_mul(q->vr, q->vr, q->lens[i], RND);
        mpfr_add(q->Kr, q->Kr, q->vr, RND);
        mpfr_mul(q->t1, q->tim, q->lnd2[i], RND);
        mpfr_add(q->vi, q->vi, q->t1, RND);
        mpfr_mul(q->vi, q->vi, q->lens[i], RND);
        mpfr_add(q->Ki, q->Ki, q->vi, RND);
    }
    mpfr_exp(q->m, q->Kr, RND);
    mpfr_add(q->Ki, q->Ki, q->phi, RND);
    mpfr_sin_cos(q->sn, q->cs, q->Ki, RND);
    /* e^E u = A + iB: A = -m sin(Ki + phi), B = m cos(Ki + phi) */
    mpfr_mul(h, q->m, q->cs, RND); /* B */
    mpfr_mul(q->sn, q->sn, q->m, RND);
    mpfr_neg(q->sn, q->sn, RND); /* A */
    /* s = sr + i si; Im[(A + iB)/s] = (B sr - A si) / |s|^2 */
    mpfr_add(q->t2, q->c, q->tre, RND); /* sr */
    mpfr_sqr(q->den, q->t2, RND);
    mpfr_sqr(q->t1, q->tim, RND);
    mpfr_add(q->den, q->den, q->t1, RND);
    mpfr_mul(q->t1, h, q->t2, RND);
    mpfr_mul(q->t2, q->sn, q->tim, RND);
    mpfr_sub(q->t1, q->t1, q->t2, RND);
    mpfr_div(g, q->t1, q->den, RND);
    mpfr_sqrt(q->t1, q->den, RND);
    mpfr_div(mag, q->m, q->t1, RND);
}

/* Gauss-Legendre on [A, B]. */
static void gl_panel(quad_ctx *q, const mpfr_t A, const mpfr_t B, quad_sums *out)
{
    mpfr_t mid, half, g, h, mag;
    mpfr_inits2(q->W, mid, half, g, h, mag, (mpfr_ptr)0);
    mpfr_add(mid, A, B, RND);
    mpfr_div_2ui(mid, mid, 1, RND);
    mpfr_sub(half, B, A, RND);
    mpfr_div_2ui(half, half, 1, RND);
    mpfr_set_zero(out->val, 1);
    mpfr_set_zero(out->dens, 1);
    mpfr_set_zero(out->absv, 1);
    for (int i = 0; i < q->N; i++) {
        mpfr_mul(q->y, half, q->xs[i], RND);
        mpfr_add(q->y, q->y, mid, RND);
        integrand(q, g, h, mag);
        mpfr_mul(g, g, q->ws[i], RND);
        mpfr_add(out->val, out->val, g, RND);
        mpfr_mul(h, h, q->ws[i], RND);
        mpfr_add(out->dens, out->dens, h, RND);
        if (i == q->N - 1) mpfr_set(out->lastmag, mag, RND); /* the largest node */
        mpfr_mul(mag, mag, q->ws[i], RND);
        mpfr_add(out->absv, out->absv, mag, RND);
    }
    mpfr_mul(out->val, out->val, half, RND);
    mpfr_mul(out->dens, out->dens, half, RND);
    mpfr_mul(out->absv, out->absv, half, RND);
    mpfr_clears(mid, half, g, h, mag, (mpfr_ptr)0);
}

static void sums_add(quad_sums *acc, const quad_sums *a)
{
    mpfr_add(acc->val, acc->val, a->val, RND);
    mpfr_add(acc->dens, acc->dens, a->dens, RND);
    mpfr_add(acc->absv, acc->absv, a->absv, RND);
    mpfr_set(acc->lastmag, a->lastmag, RND);
}

/* Accepts coarse's panel [A, B] when its halves agree with it, else recurses. */
static void adapt(quad_ctx *q, const mpfr_t A, const mpfr_t B, const quad_sums *coarse, int depth,
                  quad_sums *total)
{
    quad_sums l, r;
    mpfr_t mid, d;
    sums_init(&l, q->W);
    sums_init(&r, q->W);
    mpfr_inits2(q->W, mid, d, (mpfr_ptr)0);
    mpfr_add(mid, A, B, RND);
    mpfr_div_2ui(mid, mid, 1, RND);
    gl_panel(q, A, mid, &l);
    gl_panel(q, mid, B, &r);
    mpfr_add(d, l.val, r.val, RND);
    mpfr_sub(d, d, coarse->val, RND);
    mpfr_abs(d, d, RND);
    if (mpfr_cmp(d, q->tol_panel) <= 0 || depth >= 60 || q->evals > q->max_evals || q->failed) {
        if (mpfr_cmp(d, q->tol_panel) > 0) q->failed = 1;
        mpfr_sub(d, B, A, RND);
        q->last_width = mpfr_get_d(d, RND);
        sums_add(total, &l);
        sums_add(total, &r);
    } else {
        adapt(q, A, mid, &l, depth + 1, total);
        adapt(q, mid, B, &r, depth + 1, total);
    }
    mpfr_clears(mid, d, (mpfr_ptr)0);
    sums_clear(&l);
    sums_clear(&r);
}

/* total = int_0^inf of (g, h, |g|) with panels from y = 0; h0 is the first
 * width, w the Gaussian width. */
static void integrate(quad_ctx *q, double h0, double w, double Ycap, quad_sums *total)
{
    quad_sums coarse;
    mpfr_t A, B, bound;
    double h = h0;
    sums_init(&coarse, q->W);
    mpfr_inits2(q->W, A, B, bound, (mpfr_ptr)0);
    mpfr_set_zero(A, 1);
    mpfr_set_zero(total->val, 1);
    mpfr_set_zero(total->dens, 1);
    mpfr_set_zero(total->absv, 1);
    for (;;) {
        double y0;
        mpfr_add_d(B, A, h, RND);
        gl_panel(q, A, B, &coarse);
        adapt(q, A, B, &coarse, 0, total);
        mpfr_set(A, B, RND);
        if (q->failed) break;
        /* tail beyond A <= |integrand(A)| (A + w) <= lastmag (A + w) */
        mpfr_add_d(bound, A, w, RND);
        mpfr_mul(bound, bound, total->lastmag, RND);
        if (mpfr_cmp(bound, q->tol_panel) <= 0) break;
        y0 = mpfr_get_d(A, RND);
        if (y0 > Ycap || q->evals > q->max_evals) {
            q->failed = 1;
            break;
        }
        /* next width: twice the last accepted one, at most the distance y0
         * to the singularities on the imaginary axis */
        h = fmin(2.0 * q->last_width, fmax(h0, y0));
    }
    mpfr_clears(A, B, bound, (mpfr_ptr)0);
    sums_clear(&coarse);
}

/* The smaller tail at x: *lower = 1 for ln P(L <= x), 0 for ln P(L > x),
 * written to lntail; ln of the density to lndens (NULL: not wanted), both to
 * about p bits (their precisions are set here to p + 16). */
static refit_status tail_core(const dist_runs *rs, const mpfr_t x, mpfr_prec_t p, int *lower,
                              mpfr_t lntail, mpfr_t lndens)
{
    quad_ctx q;
    quad_sums total;
    refit_status st = REFIT_OK;
    double shat, K2, c, w, h0, d, Ycap, zmax, lgm, Bmag, xd = mpfr_get_d(x, RND), n = (double)rs->n;
    mpfr_t Kc, t;
    int sgn, attempt;

    shat = saddlepoint(rs, x);
    K2 = cgf2_d(rs, shat);
    if (fabs(shat) * sqrt(K2) >= 1.0) {
        c = shat;
    } else {
        double side = shat < 0.0 || (shat == 0.0) ? -1.0 : 1.0;
        c = side / sqrt(cgf2_d(rs, 0.0));
        if (c < -0.5 * rs->amin) c = -0.5 * rs->amin;
    }
    *lower = c < 0.0;
    w = 1.0 / sqrt(cgf2_d(rs, c));
    /* nearest singularity: the pole of 1/s at 0, the Gamma pole at -amin
     * (seen from the leaning ray at cos(pi/6) of its distance) */
    d = c > 0.0 ? c : 0.8 * fmin(-c, c + rs->amin);
    h0 = 0.5 * fmin(w, d);
    Ycap = 1e6 * (w + 1.0);

    /* working precision: K(c+iy) - (c+iy) x to absolute 2^-(p+32) */
    zmax = rs->amax + fabs(c) + Ycap + 0.2 * (double)(p + 64) + 8.0;
    lgm = zmax * (log(zmax) + 4.0);
    Bmag = n * (lgm + (Ycap + fabs(c)) * (log(rs->Dmax) + 2.0)) + (Ycap + fabs(c)) * (fabs(xd) + 1.0);
    q.W = p + 48 + bitlen(Bmag);
    q.rs = rs;
    q.N = (int)ceil((double)(p + 40) / 4.5);
    if (q.N < 20) q.N = 20;
    q.evals = 0;
    q.max_evals = 400000;
    q.failed = 0;
    st = refit_mpi_lgamma_ctx_init(&q.lg, p + 40 + bitlen(n), q.W + 16);
    if (st != REFIT_OK) return st;

    q.xs = malloc((size_t)q.N * sizeof *q.xs);
    q.ws = malloc((size_t)q.N * sizeof *q.ws);
    q.zre = malloc(rs->count * sizeof *q.zre);
    q.lg0 = malloc(rs->count * sizeof *q.lg0);
    q.lnd2 = malloc(rs->count * sizeof *q.lnd2);
    q.lens = malloc(rs->count * sizeof *q.lens);
    if (!q.xs || !q.ws || !q.zre || !q.lg0 || !q.lnd2 || !q.lens) {
        free(q.xs);
        free(q.ws);
        free(q.zre);
        free(q.lg0);
        free(q.lnd2);
        free(q.lens);
        refit_mpi_lgamma_ctx_clear(&q.lg);
        return REFIT_ENOMEM;
    }
    for (int i = 0; i < q.N; i++) mpfr_inits2(q.W, q.xs[i], q.ws[i], (mpfr_ptr)0);
    gl_rule(&q);
    mpfr_inits2(q.W, q.c, q.x, q.tol_panel, q.phi, q.sphi, q.cphi, q.tre, q.tim, q.y, q.vr, q.vi, q.Kr, q.Ki, q.t1, q.t2, q.m,
                q.sn, q.cs, q.den, Kc, t, (mpfr_ptr)0);
    mpfr_set_d(q.c, c, RND);
    mpfr_set(q.x, x, RND);
    /* lower tail: the ray leans left by phi = pi/6 (see the header) */
    mpfr_set_zero(q.phi, 1);
    if (*lower) {
        mpfr_const_pi(q.phi, RND);
        mpfr_div_ui(q.phi, q.phi, 6, RND);
    }
    mpfr_sin_cos(q.sphi, q.cphi, q.phi, RND);
    for (size_t i = 0; i < rs->count; i++) {
        const dist_run *r = &rs->r[i];
        mpfr_inits2(q.W, q.zre[i], q.lg0[i], q.lnd2[i], q.lens[i], (mpfr_ptr)0);
        mpfr_set_d(q.zre[i], r->a, RND);
        mpfr_add_d(q.zre[i], q.zre[i], c, RND);
        mpfr_lgamma(q.lg0[i], &sgn, q.zre[i], RND);
        mpfr_set_d(q.lnd2[i], 2.0, RND);
        mpfr_div_d(q.lnd2[i], q.lnd2[i], r->D, RND);
        mpfr_log(q.lnd2[i], q.lnd2[i], RND);
        mpfr_set_uj(q.lens[i], (uintmax_t)r->len, RND);
    }

    sums_init(&total, q.W);
    /* first tolerance: relative to the expected size of int |g|,
     * about w / max(|c|, w) */
    mpfr_set_d(q.tol_panel, w / fmax(fabs(c), w), RND);
    mpfr_mul_2si(q.tol_panel, q.tol_panel, -(long)(p + 24 + 8), RND);
    for (attempt = 0; attempt < 3; attempt++) {
        q.failed = 0;
        integrate(&q, h0, w, Ycap, &total);
        if (q.failed) break;
        /* |value| far below int |g| (cancellation): tighten once */
        mpfr_abs(t, total.val, RND);
        mpfr_mul_2si(t, t, -(long)(p + 24 + 8), RND);
        if (mpfr_cmp(t, q.tol_panel) >= 0) break;
        mpfr_set(q.tol_panel, t, RND);
    }
    if (q.failed || (*lower ? mpfr_sgn(total.val) >= 0 : mpfr_sgn(total.val) <= 0)) {
        st = REFIT_ERANGE; /* quadrature did not converge (or a tail beyond precision) */
        mpfr_set_nan(lntail);
        if (lndens) mpfr_set_nan(lndens);
    } else {
        /* ln tail = K(c) - c x + ln|T|,  T = (1/pi) int g */
        mpfr_set_prec(Kc, q.W);
        cgf_raw(Kc, rs, q.c);
        mpfr_mul(t, q.c, q.x, RND);
        mpfr_sub(Kc, Kc, t, RND);
        mpfr_const_pi(t, RND);
        mpfr_set_prec(lntail, p + 16);
        mpfr_abs(total.val, total.val, RND);
        mpfr_div(total.val, total.val, t, RND);
        mpfr_log(total.val, total.val, RND);
        mpfr_add(lntail, Kc, total.val, RND);
        if (lndens) {
            mpfr_set_prec(lndens, p + 16);
            if (mpfr_sgn(total.dens) > 0) {
                mpfr_div(total.dens, total.dens, t, RND);
                mpfr_log(total.dens, total.dens, RND);
                mpfr_add(lndens, Kc, total.dens, RND);
            } else {
                mpfr_set_nan(lndens);
            }
        }
    }
    sums_clear(&total);
    for (size_t i = 0; i < rs->count; i++)
        mpfr_clears(q.zre[i], q.lg0[i], q.lnd2[i], q.lens[i], (mpfr_ptr)0);
    for (int i = 0; i < q.N; i++) mpfr_clears(q.xs[i], q.ws[i], (mpfr_ptr)0);
    mpfr_clears(q.c, q.x, q.tol_panel, q.phi, q.sphi, q.cphi, q.tre, q.tim, q.y, q.vr, q.vi, q.Kr, q.Ki, q.t1, q.t2, q.m, q.sn,
                q.cs, q.den, Kc, t, (mpfr_ptr)0);
    free(q.xs);
    free(q.ws);
    free(q.zre);
    free(q.lg0);
    free(q.lnd2);
    free(q.lens);
    refit_mpi_lgamma_ctx_clear(&q.lg);
    return st;
}

/* ---- CDF, log-CDF, log-SF ------------------------------------------------------------ */

enum { WANT_CDF, WANT_LOG_CDF, WANT_LOG_SF };

/* ln(1 - e^v), v < 0 */
static void log1m_exp(mpfr_t out, const mpfr_t v)
{
    mpfr_t t;
    mpfr_init2(t, mpfr_get_prec(out) + 16);
    mpfr_exp(t, v, RND);
    mpfr_neg(t, t, RND);
    mpfr_log1p(out, t, RND);
    mpfr_clear(t);
}

static refit_status dist_eval(mpfr_t out, const refit_model *model, uint64_t n, const mpfr_t x,
                              int want)
{
    dist_runs rs;
    refit_status st;
    mpfr_t lt;
    int lower, below;
    if (!out) return REFIT_EINVAL;
    if (!x) {
        mpfr_set_nan(out);
        return REFIT_EINVAL;
    }
    st = runs_build(model, n, &rs);
    if (st != REFIT_OK) {
        mpfr_set_nan(out);
        return st;
    }
    if (mpfr_nan_p(x)) {
        runs_free(&rs);
        mpfr_set_nan(out);
        return REFIT_EDOM;
    }
    if (n == 0 || mpfr_inf_p(x)) {
        /* L_0 = 0: a point mass; x = -inf / +inf: CDF 0 / 1 */
        below = n == 0 ? mpfr_sgn(x) < 0 : mpfr_sgn(x) < 0;
        runs_free(&rs);
        if (want == WANT_CDF)
            mpfr_set_ui(out, below ? 0 : 1, RND);
        else if ((want == WANT_LOG_CDF) == (below != 0))
            mpfr_set_inf(out, -1);
        else
            mpfr_set_zero(out, 1);
        return REFIT_OK;
    }
    mpfr_init2(lt, mpfr_get_prec(out) + 16);
    st = tail_core(&rs, x, mpfr_get_prec(out) < 64 ? 64 : mpfr_get_prec(out), &lower, lt, NULL);
    runs_free(&rs);
    if (st != REFIT_OK) {
        mpfr_clear(lt);
        mpfr_set_nan(out);
        return st;
    }
    if (want == WANT_CDF) {
        if (lower) {
            mpfr_exp(out, lt, RND);
        } else {
            mpfr_expm1(lt, lt, RND);
            mpfr_neg(out, lt, RND);
        }
    } else if ((want == WANT_LOG_CDF) == (lower != 0)) {
        mpfr_set(out, lt, RND);
    } else {
        log1m_exp(out, lt);
    }
    mpfr_clear(lt);
    return REFIT_OK;
}

refit_status refit_mp_dist_cdf(mpfr_t out, const refit_model *model, uint64_t n, const mpfr_t x)
{
    return dist_eval(out, model, n, x, WANT_CDF);
}

refit_status refit_mp_dist_log_cdf(mpfr_t out, const refit_model *model, uint64_t n,
                                   const mpfr_t x)
{
    return dist_eval(out, model, n, x, WANT_LOG_CDF);
}

refit_status refit_mp_dist_log_sf(mpfr_t out, const refit_model *model, uint64_t n, const mpfr_t x)
{
    return dist_eval(out, model, n, x, WANT_LOG_SF);
}

/* ---- quantiles -------------------------------------------------------------------------- */

/* Phi^-1(P) for P = e^lp in (0, 1/2], double: bisection on erfc. */
static double normal_quantile_lower(double lp)
{
    double lo = -40.0, hi = 0.0;
    if (lp < -700.0) return -sqrt(-2.0 * lp); /* beyond erfc's range: leading order */
    for (int it = 0; it < 80; it++) {
        double mid = 0.5 * (lo + hi);
        if (log(0.5 * erfc(-mid / sqrt(2.0))) < lp)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

/* phi(x) and phi'(x) of the increasing function phi = ln F(x) - lp (upper = 0) or
 * lp - ln S(x) (upper = 1), at p bits. */
static refit_status quantile_residual(const dist_runs *rs, const mpfr_t x, const mpfr_t lp,
                                      int upper, mpfr_prec_t p, mpfr_t phi, mpfr_t dphi)
{
    mpfr_t lt, ld, lF;
    int lower;
    refit_status st;
    mpfr_inits2(p + 16, lt, ld, lF, (mpfr_ptr)0);
    st = tail_core(rs, x, p, &lower, lt, ld);
    if (st == REFIT_OK && mpfr_nan_p(ld)) st = REFIT_ERANGE;
    if (st == REFIT_OK) {
        /* lF = ln of the tail that phi uses */
        if (lower == !upper)
            mpfr_set(lF, lt, RND);
        else
            log1m_exp(lF, lt);
        if (upper)
            mpfr_sub(phi, lp, lF, RND);
        else
            mpfr_sub(phi, lF, lp, RND);
        mpfr_sub(dphi, ld, lF, RND);
        mpfr_exp(dphi, dphi, RND); /* f/F or f/S: both make phi' > 0 */
    }
    mpfr_clears(lt, ld, lF, (mpfr_ptr)0);
    return st;
}

refit_status refit_mp_dist_quantile(mpfr_t out, const refit_model *model, uint64_t n,
                                    const mpfr_t p)
{
    dist_runs rs;
    refit_status st;
    mpfr_prec_t po, W;
    mpfr_t lp, x, phi, dphi, step, lo, hi;
    int upper, have_lo = 0, have_hi = 0;
    double k1, k2, z, sd;
    if (!out) return REFIT_EINVAL;
    if (!p) {
        mpfr_set_nan(out);
        return REFIT_EINVAL;
    }
    st = runs_build(model, n, &rs);
    if (st != REFIT_OK) {
        mpfr_set_nan(out);
        return st;
    }
    if (!mpfr_number_p(p) || mpfr_sgn(p) <= 0 || mpfr_cmp_ui(p, 1) >= 0) {
        runs_free(&rs);
        mpfr_set_nan(out);
        return REFIT_EDOM;
    }
    if (n == 0) {
        runs_free(&rs);
        mpfr_set_zero(out, 1); /* L_0 = 0 */
        return REFIT_OK;
    }
    po = mpfr_get_prec(out) < 64 ? 64 : mpfr_get_prec(out);
    W = po + 32;
    mpfr_inits2(W, lp, x, phi, dphi, step, lo, hi, (mpfr_ptr)0);
    upper = mpfr_cmp_d(p, 0.5) > 0;
    if (upper) {
        mpfr_prec_t pp = mpfr_get_prec(p) + 2;
        mpfr_t q1;
        mpfr_init2(q1, pp > W ? pp : W);
        mpfr_ui_sub(q1, 1, p, RND); /* exact: p in (1/2, 1) */
        mpfr_log(lp, q1, RND);
        mpfr_clear(q1);
    } else {
        mpfr_log(lp, p, RND);
    }
    /* start: the normal approximation */
    mpfr_set_zero(x, 1);
    k1 = -cgf1_minus_x(&rs, 0.0, x);
    k2 = cgf2_d(&rs, 0.0);
    sd = sqrt(k2);
    z = normal_quantile_lower(mpfr_get_d(lp, RND));
    if (upper) z = -z;
    mpfr_set_d(x, k1 + sd * z, RND);

    /* Newton, 64-bit evaluations, then target precision */
    for (int phase = 0; phase < 2 && st == REFIT_OK; phase++) {
        mpfr_prec_t pe = phase == 0 ? 64 : po;
        double stop = phase == 0 ? 0x1p-40 : ldexp(1.0, -(int)(po + 4));
        for (int it = 0; it < 100; it++) {
            double ax, ad;
            st = quantile_residual(&rs, x, lp, upper, pe, phi, dphi);
            if (st != REFIT_OK) break;
            if (mpfr_zero_p(phi)) break;
            if (mpfr_sgn(phi) < 0) {
                mpfr_set(lo, x, RND);
                have_lo = 1;
            } else {
                mpfr_set(hi, x, RND);
                have_hi = 1;
            }
            mpfr_div(step, phi, dphi, RND);
            /* damp: at most 8 sd + |x - mean| per step */
            ad = fabs(mpfr_get_d(step, RND));
            ax = fabs(mpfr_get_d(x, RND));
            if (ad > 8.0 * sd + fabs(ax - k1) + 1.0)
                mpfr_mul_d(step, step, (8.0 * sd + fabs(ax - k1) + 1.0) / ad, RND);
            mpfr_sub(step, x, step, RND); /* the Newton point */
            if (have_lo && have_hi && (mpfr_cmp(step, lo) <= 0 || mpfr_cmp(step, hi) >= 0)) {
                mpfr_add(step, lo, hi, RND);
                mpfr_div_2ui(step, step, 1, RND);
            }
            mpfr_sub(phi, step, x, RND);
            mpfr_set(x, step, RND);
            if (mpfr_zero_p(phi) || fabs(mpfr_get_d(phi, RND)) <= stop * fmax(1.0, ax)) break;
            if (it == 99) st = REFIT_ERANGE;
        }
    }
    if (st == REFIT_OK)
        mpfr_set(out, x, RND);
    else
        mpfr_set_nan(out);
    mpfr_clears(lp, x, phi, dphi, step, lo, hi, (mpfr_ptr)0);
    runs_free(&rs);
    return st;
}
