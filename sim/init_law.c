/* Generation-0 laws of the simulation engine (SAMPLE mode): validation,
 * the truth (mean, sd), standardised draws, the standardised CDF and the
 * W2 coupling constant c = E[Z G^{-1}(Phi(Z))].
 *
 * docs/init-laws.md has the laws, the counter layout of the draws, the
 * measured c values and the accuracy.  In short:
 *   NORMAL    kernel normal j (refit_kernel_normals, stream INIT)
 *   UNIFORM   kernel uniform j: sqrt3 (2u - 1)
 *   LAPLACE   kernel uniform j: inverse CDF with scale 1/sqrt2 (own log)
 *   DATA      kernel uniform j: value floor(u N), standardised
 *   MIX2      kernel normal j for the component's normal, kernel uniform
 *             2^26 + j for the component choice
 *   STUDENT   Bailey's polar method; attempt t of sample j uses Philox
 *             block t 2^26 + j (t < 64), U from its first 64-bit word and
 *             V from the second
 * so every draw is a pure function of (law, seed, chain, generation, index)
 * and bitwise the same for every isa (the kernels guarantee it for the
 * uniforms and normals; the rest is scalar code).
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "refit/sim.h"
#include "sim/sim_internal.h"

/* Draw indices: first + count <= 2^26 (sim.h). */
#define INIT_INDEX_LIMIT (UINT64_C(1) << 26)
/* Draws transformed per kernel call (a stack buffer: no allocation). */
#define INIT_CHUNK 256
/* Student: attempts per sample before the documented fallback. */
#define STUDENT_ATTEMPTS 64

#define INIT_SQRT3 1.7320508075688772935274463
#define INIT_SQRT1_2 0.70710678118654752440084436
#define INIT_SQRT_3_OVER_PI 0.97720502380583984317276925
#define INIT_INV_SQRT_2PI 0.39894228040143267793994606
#define INIT_LN_SQRT_PI 0.57236494292470008707171367

/* ---- validation and moments --------------------------------------------- */

/* Data moments in scaled form: value x is standardised as
 * (ldexp(x, -k) - mean_s) / sd_s, so that nothing overflows whatever the
 * magnitude of the data (mean = mean_s 2^k, sd = sd_s 2^k). */
typedef struct data_stats {
    int k;
    double mean_s, sd_s;
} data_stats;

/* Neumaier's compensated sum. */
typedef struct csum {
    double s, c;
} csum;

static void csum_add(csum *a, double x)
{
    double t = a->s + x;
    if (fabs(a->s) >= fabs(x))
        a->c += (a->s - t) + x;
    else
        a->c += (x - t) + a->s;
    a->s = t;
}

/* Mean and population sd (divisor N) of the data: two passes with
 * compensated sums on values scaled by a power of two (exact), so the mean
 * is right to about an ulp and the sd to a few ulps even when the mean is
 * far larger than the spread. */
static refit_status data_moments(const double *x, size_t n, data_stats *out)
{
    double maxabs = 0.0, dn = (double)n;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i])) return REFIT_EDOM;
        if (fabs(x[i]) > maxabs) maxabs = fabs(x[i]);
    }
    if (maxabs == 0.0) return REFIT_EDOM; /* all zero: all equal */
    int k = ilogb(maxabs);
    csum s0 = {0.0, 0.0}, s1 = {0.0, 0.0}, s2 = {0.0, 0.0};
    for (size_t i = 0; i < n; i++) csum_add(&s0, ldexp(x[i], -k));
    double m0 = (s0.s + s0.c) / dn;
    for (size_t i = 0; i < n; i++) {
        double d = ldexp(x[i], -k) - m0;
        csum_add(&s1, d);
        csum_add(&s2, d * d);
    }
    double d1 = s1.s + s1.c;
    double m2 = (s2.s + s2.c) - d1 * (d1 / dn);
    if (!(m2 > 0.0)) return REFIT_EDOM; /* all equal */
    out->k = k;
    out->mean_s = m0 + d1 / dn;
    out->sd_s = sqrt(m2 / dn);
    /* sd = sd_s 2^k must be a positive normal number for the standardised
     * values to carry full precision. */
    if (!(ldexp(out->sd_s, k) >= DBL_MIN)) return REFIT_EDOM;
    return REFIT_OK;
}

static double data_standardise(const data_stats *st, double x)
{
    return (ldexp(x, -st->k) - st->mean_s) / st->sd_s;
}

/* MIX2 in standardised form: component i has centre c_i and sd t_i, with
 * mixture mean 0 and sd 1.  The centres come from the difference of the
 * means (mu1 - m = (1-w)(mu1-mu2)), never from mu_i - m, so they keep full
 * relative precision when the means are large. */
typedef struct mix_std {
    double w, c1, c2, t1, t2;
    double mean, sd; /* of the raw mixture */
} mix_std;

static refit_status mix_prepare(const refit_init_law *law, mix_std *m)
{
    double w = law->w;
    if (!(w > 0.0 && w < 1.0) || !isfinite(law->mu1) || !isfinite(law->mu2) ||
        !(law->sd1 > 0.0 && law->sd1 <= DBL_MAX) || !(law->sd2 > 0.0 && law->sd2 <= DBL_MAX))
        return REFIT_EDOM;
    /* everything scaled by 2^-k (exact) so that no square overflows */
    double big = fmax(fmax(fabs(law->mu1), fabs(law->mu2)), fmax(law->sd1, law->sd2));
    int k = ilogb(big);
    double mu1 = ldexp(law->mu1, -k), mu2 = ldexp(law->mu2, -k);
    double sd1 = ldexp(law->sd1, -k), sd2 = ldexp(law->sd2, -k);
    double v = 1.0 - w, delta = mu1 - mu2;
    double var = w * (sd1 * sd1) + v * (sd2 * sd2) + (w * v) * delta * delta;
    double sd = sqrt(var);
    m->w = w;
    m->mean = ldexp(w * mu1 + v * mu2, k);
    m->sd = ldexp(sd, k);
    m->c1 = (v * delta) / sd;
    m->c2 = -(w * delta) / sd;
    m->t1 = sd1 / sd;
    m->t2 = sd2 / sd;
    if (!isfinite(m->mean) || !(m->sd > 0.0 && m->sd <= DBL_MAX) || !(m->t1 > 0.0) ||
        !(m->t2 > 0.0))
        return REFIT_EDOM;
    return REFIT_OK;
}

refit_init_law refit_init_law_normal(void)
{
    refit_init_law law;
    memset(&law, 0, sizeof law);
    law.kind = REFIT_INIT_NORMAL;
    law.data = NULL;
    return law;
}

refit_status refit_init_law_validate(const refit_init_law *law)
{
    if (law == NULL) return REFIT_EINVAL;
    switch (law->kind) {
    case REFIT_INIT_NORMAL:
    case REFIT_INIT_LAPLACE:
    case REFIT_INIT_UNIFORM: return REFIT_OK;
    case REFIT_INIT_STUDENT:
        return (law->nu > 2.0 && law->nu <= DBL_MAX) ? REFIT_OK : REFIT_EDOM;
    case REFIT_INIT_MIX2: {
        mix_std m;
        return mix_prepare(law, &m);
    }
    case REFIT_INIT_DATA: {
        data_stats st;
        if (law->data == NULL) return REFIT_EINVAL;
        if (law->count < 2) return REFIT_EDOM;
        return data_moments(law->data, law->count, &st);
    }
    }
    return REFIT_EINVAL;
}

/* Validation that also returns the data moments for DATA (one pass over
 * the data instead of two); *ds is untouched for the other laws. */
static refit_status law_prepare(const refit_init_law *law, data_stats *ds)
{
    if (law == NULL) return REFIT_EINVAL;
    if (law->kind != REFIT_INIT_DATA) return refit_init_law_validate(law);
    if (law->data == NULL) return REFIT_EINVAL;
    if (law->count < 2) return REFIT_EDOM;
    return data_moments(law->data, law->count, ds);
}

refit_status refit_init_law_truth(const refit_init_law *law, const refit_model *model,
                                  double *mean, double *sd)
{
    if (mean != NULL) *mean = NAN;
    if (sd != NULL) *sd = NAN;
    if (mean == NULL || sd == NULL) return REFIT_EINVAL;
    data_stats ds = {0, 0.0, 0.0};
    refit_status st = law_prepare(law, &ds);
    if (st != REFIT_OK) return st;
    switch (law->kind) {
    case REFIT_INIT_MIX2: {
        mix_std m;
        st = mix_prepare(law, &m);
        if (st != REFIT_OK) return st;
        *mean = m.mean;
        *sd = m.sd;
        return REFIT_OK;
    }
    case REFIT_INIT_DATA: {
        *mean = ldexp(ds.mean_s, ds.k);
        *sd = ldexp(ds.sd_s, ds.k);
        return REFIT_OK;
    }
    default:
        if (model == NULL) return REFIT_EINVAL;
        if (!isfinite(model->mu) || !(model->sigma > 0.0 && model->sigma <= DBL_MAX))
            return REFIT_EDOM;
        *mean = model->mu;
        *sd = model->sigma;
        return REFIT_OK;
    }
}

/* ---- normal helpers ------------------------------------------------------ */

static double norm_pdf(double z)
{
    return INIT_INV_SQRT_2PI * exp(-0.5 * (z * z));
}

/* P(Z <= z), relative accuracy in the lower tail (erfc). */
static double norm_lower(double z)
{
    return 0.5 * erfc(-z * INIT_SQRT1_2);
}

/* The z <= 0 with Phi(z) = p, 0 < p <= 1/2: Newton on ln Phi, which is
 * concave, so from the start z0 = -sqrt(-2 ln p) (left of the root) the
 * iterates rise monotonically to the root; quadratic at the end. */
static double norm_quantile_lower(double p)
{
    if (p >= 0.5) return 0.0;
    double lp = log(p), z = -sqrt(-2.0 * lp);
    for (int it = 0; it < 100; it++) {
        double P = norm_lower(z);
        double step = (log(P) - lp) * (P / norm_pdf(z));
        z -= step;
        if (fabs(step) <= 1e-17 + 2e-16 * fabs(z)) break;
    }
    return z;
}

/* ---- Student t: the regularised incomplete beta -------------------------- */

/* Stirling's remainder lnGamma(z) - [(z - 1/2) ln z - z + ln sqrt(2 pi)]
 * for z >= 20: the Bernoulli series to z^-13 (next term < 1e-19). */
static double stirling_tail(double z)
{
    double r = 1.0 / z, r2 = r * r;
    double s = 1.0 / 156.0;
    s = s * r2 - 691.0 / 360360.0;
    s = s * r2 + 1.0 / 1188.0;
    s = s * r2 - 1.0 / 1680.0;
    s = s * r2 + 1.0 / 1260.0;
    s = s * r2 - 1.0 / 360.0;
    s = s * r2 + 1.0 / 12.0;
    return s * r;
}

/* ln Gamma(a + 1/2) - ln Gamma(a) for a > 0, without lgamma (not
 * thread-safe: signgam) and without the cancellation of two large
 * lgammas: for a >= 20
 *   a log1p(1/(2a)) - 1/2 + ln(a)/2 + tail(a + 1/2) - tail(a),
 * where a log1p(1/(2a)) - 1/2 = -1/(8a) + ... loses nothing absolute;
 * below 20 the recurrence Gamma(a+1) = a Gamma(a) shifts a up. */
static double lgamma_half_ratio(double a)
{
    double shift = 0.0;
    while (a < 20.0) {
        shift += log1p(0.5 / a);
        a += 1.0;
    }
    double r = (a * log1p(0.5 / a) - 0.5) + 0.5 * log(a) +
               (stirling_tail(a + 0.5) - stirling_tail(a));
    return r - shift;
}

/* The continued fraction of I_x(a, b) (DLMF 8.17.22), for x below
 * (a+1)/(a+b+2) where it converges fast, by the modified Lentz method:
 *   I = x^a y^b / (a B(a,b)) / (1 + d1/(1 + d2/(1 + ...))),
 *   d_{2m+1} = -(a+m)(a+b+m) x / ((a+2m)(a+2m+1)),
 *   d_{2m}   = m (b-m) x / ((a+2m-1)(a+2m)).
 * lnx, lny: ln x and ln(1-x), passed in so that callers can compute them
 * without cancellation.  NaN if it does not converge. */
static double ibeta_cf(double a, double b, double x, double lnx, double lny, double lnB)
{
    const double tiny = 1e-300;
    double pre = exp((a * lnx + b * lny) - lnB) / a;
    if (pre == 0.0) return 0.0;
    double f = 1.0, C = 1.0, D = 0.0;
    for (int m2 = 1; m2 <= 2000000; m2++) {
        int mm = m2 / 2;
        double d;
        if (m2 % 2) {
            d = -((a + mm) * (a + b + mm) * x) / ((a + 2 * mm) * (a + 2 * mm + 1.0));
        } else {
            d = (mm * (b - mm) * x) / ((a + 2 * mm - 1.0) * (a + 2 * mm));
        }
        D = 1.0 + d * D;
        if (fabs(D) < tiny) D = tiny;
        C = 1.0 + d / C;
        if (fabs(C) < tiny) C = tiny;
        D = 1.0 / D;
        double delta = C * D;
        f *= delta;
        if (fabs(delta - 1.0) < 4e-16) return pre / f; /* 1 or its neighbours */
    }
    return NAN;
}

/* ln(1 + r) / r, r >= 0 (1 - r/2 below 1e-8, where that is exact to rounding). */
static double log1p_ratio(double r)
{
    return r < 1e-8 ? 1.0 - 0.5 * r : log1p(r) / r;
}

/* Student t with nu degrees of freedom, standardised: X = s T with
 * s = sqrt((nu-2)/nu).  a = nu/2; lnB = ln B(a, 1/2). */
typedef struct student_std {
    double nu, a, s, lnB;
} student_std;

static void student_prepare(double nu, student_std *t)
{
    t->nu = nu;
    t->a = 0.5 * nu;
    t->s = sqrt((nu - 2.0) / nu);
    t->lnB = INIT_LN_SQRT_PI - lgamma_half_ratio(t->a);
}

/* I_x(a, 1/2) for large a (>= 500) and W = -ln x < 1, where the continued
 * fraction's leading 1 + d1/(...) cancels to O(1/a).  With 1 - s = e^-w
 * in the integral of B(a, 1/2) I_x(a, 1/2) over s in (1-x, 1),
 *   B(a, 1/2) I_x(a, 1/2) = int_W^inf w^(-1/2) e^(-T w) h(w) dw,
 *   T = a - 1/4,  h(w) = (sinh(w/2) / (w/2))^(-1/2) = sum_k c_k w^(2k),
 * and term by term (h converges for |w| < 2 pi)
 *   I_x(a, 1/2) = T^(-1/2) / B(a, 1/2) sum_k c_k T^(-2k) Gamma(1/2 + 2k, T W),
 * with Gamma(1/2, u) = sqrt(pi) erfc(sqrt u) and the upward recurrence
 * Gamma(s+1, u) = s Gamma(s, u) + u^s e^-u (all terms positive).  Term k is
 * about (W / 2 pi)^(2k) + (2k)! / (2 pi T)^(2k) of the first: 1e-17 within
 * 16 terms.  The c_k come from the power of a series (J. C. P. Miller's
 * recurrence) for S^(-1/2), S(V) = sinh(v)/v = sum V^j / (2j+1)!, V = v^2,
 * c_k = h_k / 4^k. */
#define STUDENT_LARGE_A 500.0
#define LARGE_A_TERMS 18
static double ibeta_half_large_a(const student_std *P, double t2)
{
    double s[LARGE_A_TERMS], h[LARGE_A_TERMS];
    double f = 1.0;
    for (int j = 0; j < LARGE_A_TERMS; j++) {
        s[j] = 1.0 / f; /* 1 / (2j+1)! */
        f *= (2.0 * j + 2.0) * (2.0 * j + 3.0);
    }
    h[0] = 1.0;
    for (int n = 1; n < LARGE_A_TERMS; n++) {
        double acc = 0.0;
        for (int k = 1; k <= n; k++) acc += (0.5 * k - n) * s[k] * h[n - k];
        h[n] = acc / n;
    }
    /* u = T W = T ln(1 + t^2/nu), kept accurate when t^2/nu underflows */
    double T = P->a - 0.25, u = (T / P->nu) * t2 * log1p_ratio(t2 / P->nu);
    double sq = sqrt(u);
    double g = 1.772453850905516027298167 * erfc(sq); /* Gamma(1/2, u) */
    double lnu = log(u), sv = 0.5, tpow = 1.0, q = 1.0;
    csum sum = {0.0, 0.0};
    for (int k = 0; k < LARGE_A_TERMS; k++) {
        double term = h[k] * q * g / tpow;
        csum_add(&sum, term);
        if (k > 2 && fabs(term) < 1e-18 * fabs(sum.s)) break;
        /* two steps of the recurrence: Gamma(sv + 2, u) */
        for (int r = 0; r < 2; r++) {
            g = sv * g + exp(sv * lnu - u);
            sv += 1.0;
        }
        tpow *= T * T;
        q *= 0.25; /* V^k = w^(2k) / 4^k */
    }
    return exp(-P->lnB) / sqrt(T) * (sum.s + sum.c);
}

/* P(X > x) for x >= 0: (1/2) I_{nu/(nu+t^2)}(nu/2, 1/2) with t = x/s, with
 * ln of both arguments from r = t^2/nu (log1p: no cancellation); the
 * continued fraction runs on whichever side converges, or for large nu
 * (where it cancels) the incomplete-gamma expansion above. */
static double student_upper_nonneg(const student_std *P, double x)
{
    if (x == 0.0) return 0.5;
    double t = x / P->s;
    double r = (t * t) / P->nu;
    if (r > DBL_MAX) return 0.0; /* t^2 overflows: the tail is below 1e-300 */
    double X = 1.0 / (1.0 + r), Y = r / (1.0 + r);
    double lnX = -log1p(r), lnY = log(r) - log1p(r);
    double a = P->a, b = 0.5;
    if (a >= STUDENT_LARGE_A && -lnX < 1.0) return 0.5 * ibeta_half_large_a(P, t * t);
    if (X < (a + 1.0) / (a + b + 2.0)) return 0.5 * ibeta_cf(a, b, X, lnX, lnY, P->lnB);
    return 0.5 * (1.0 - ibeta_cf(b, a, Y, lnY, lnX, P->lnB));
}

static double student_cdf(const student_std *P, double x)
{
    return x <= 0.0 ? student_upper_nonneg(P, -x) : 1.0 - student_upper_nonneg(P, x);
}

static double student_pdf(const student_std *P, double x)
{
    double t = x / P->s, t2 = t * t;
    /* (nu+1)/2 ln(1 + t^2/nu) = (1 + 1/nu) t^2/2 log1p(r)/r: no underflow of r */
    double e = 0.5 * (1.0 + 1.0 / P->nu) * t2 * log1p_ratio(t2 / P->nu);
    return exp(-0.5 * log(P->nu) - P->lnB - e) / P->s;
}

/* ---- the standardised laws as functions ------------------------------- */

static double laplace_cdf(double x)
{
    /* b = 1/sqrt2: P(X <= x) = exp(x/b)/2 for x < 0 */
    return x < 0.0 ? 0.5 * exp(x / INIT_SQRT1_2) : 1.0 - 0.5 * exp(-x / INIT_SQRT1_2);
}

static double mix_lower(const mix_std *m, double x)
{
    return m->w * norm_lower((x - m->c1) / m->t1) + (1.0 - m->w) * norm_lower((x - m->c2) / m->t2);
}

static double mix_upper(const mix_std *m, double x)
{
    return m->w * norm_lower((m->c1 - x) / m->t1) + (1.0 - m->w) * norm_lower((m->c2 - x) / m->t2);
}

static double mix_pdf(const mix_std *m, double x)
{
    return m->w * norm_pdf((x - m->c1) / m->t1) / m->t1 +
           (1.0 - m->w) * norm_pdf((x - m->c2) / m->t2) / m->t2;
}

refit_status refit_init_law_cdf(const refit_init_law *law, double x, double *out)
{
    if (out != NULL) *out = NAN;
    if (out == NULL) return REFIT_EINVAL;
    data_stats ds = {0, 0.0, 0.0};
    refit_status st = law_prepare(law, &ds);
    if (st != REFIT_OK) return st;
    if (isnan(x)) return REFIT_EDOM;
    switch (law->kind) {
    case REFIT_INIT_NORMAL: *out = norm_lower(x); break;
    case REFIT_INIT_UNIFORM:
        *out = x <= -INIT_SQRT3 ? 0.0 : x >= INIT_SQRT3 ? 1.0 : 0.5 + x / (2.0 * INIT_SQRT3);
        break;
    case REFIT_INIT_LAPLACE: *out = laplace_cdf(x); break;
    case REFIT_INIT_STUDENT: {
        student_std P;
        student_prepare(law->nu, &P);
        *out = student_cdf(&P, x);
        break;
    }
    case REFIT_INIT_MIX2: {
        mix_std m;
        st = mix_prepare(law, &m);
        if (st != REFIT_OK) return st;
        *out = mix_lower(&m, x);
        break;
    }
    case REFIT_INIT_DATA: {
        size_t below = 0;
        /* the same standardisation as the draws, so the CDF is that of
         * exactly the values refit_init_law_draw returns */
        for (size_t i = 0; i < law->count; i++)
            if (data_standardise(&ds, law->data[i]) <= x) below++;
        *out = (double)below / (double)law->count;
        break;
    }
    }
    return isnan(*out) ? REFIT_ERANGE : REFIT_OK;
}

/* ---- the coupling constant c --------------------------------------------- */

/* A continuous law's tails for the quantile solver: side 0 the lower tail
 * G(x) (increasing), side 1 the upper tail S(x) (decreasing), each
 * computed directly (relative accuracy far out), and the density. */
typedef struct cont_law {
    int kind; /* REFIT_INIT_STUDENT or REFIT_INIT_MIX2 */
    student_std t;
    mix_std m;
} cont_law;

static double cont_tail(const cont_law *L, int upper, double x)
{
    if (L->kind == REFIT_INIT_STUDENT) {
        /* the tail beyond |x| on x's side, else its complement */
        double e = student_upper_nonneg(&L->t, fabs(x));
        return (upper ? x >= 0.0 : x <= 0.0) ? e : 1.0 - e;
    }
    return upper ? mix_upper(&L->m, x) : mix_lower(&L->m, x);
}

static double cont_pdf(const cont_law *L, double x)
{
    return L->kind == REFIT_INIT_STUDENT ? student_pdf(&L->t, x) : mix_pdf(&L->m, x);
}

/* The x with tail(x) = p (0 < p <= 1/2): in y = +-x the tail is increasing,
 * L(y) = p; safeguarded Newton on ln L (bisection whenever a step leaves
 * the bracket), from guess y0.  Converges to a few ulps of x. */
static double cont_quantile(const cont_law *L, int upper, double p, double y0)
{
    double sg = upper ? -1.0 : 1.0, lp = log(p);
    double lo = y0 - 1.0, hi = y0 + 1.0, w = 1.0;
    /* bracket: L(lo) < p <= L(hi) */
    for (int i = 0; i < 2100 && !(cont_tail(L, upper, sg * lo) < p); i++) {
        hi = lo;
        w *= 2.0;
        lo -= w;
    }
    w = 1.0;
    for (int i = 0; i < 2100 && cont_tail(L, upper, sg * hi) < p; i++) {
        lo = hi;
        w *= 2.0;
        hi += w;
    }
    double y = (y0 > lo && y0 < hi) ? y0 : 0.5 * (lo + hi);
    for (int it = 0; it < 300; it++) {
        double T = cont_tail(L, upper, sg * y);
        if (T < p)
            lo = y;
        else
            hi = y;
        double d = cont_pdf(L, sg * y);
        double yn = y - (log(T) - lp) * (T / d);
        if (!(yn > lo && yn < hi)) yn = 0.5 * (lo + hi);
        double change = fabs(yn - y);
        y = yn;
        if (change <= 4e-16 * fabs(y) || hi - lo <= 4e-16 * fabs(y) || change == 0.0) break;
    }
    return sg * y;
}

/* Nodes and weights of n-point Gauss-Legendre on [-1, 1] (Newton on P_n
 * from the Chebyshev-like guesses; n <= 32). */
#define GL_N 20
static void gauss_legendre(double *node, double *weight)
{
    const double pi = 3.14159265358979323846;
    for (int i = 0; i < GL_N; i++) {
        double x = cos(pi * (i + 0.75) / (GL_N + 0.5)), dp = 1.0;
        for (int it = 0; it < 100; it++) {
            double p0 = 1.0, p1 = x;
            for (int k = 2; k <= GL_N; k++) {
                double p2 = ((2.0 * k - 1.0) * x * p1 - (k - 1.0) * p0) / k;
                p0 = p1;
                p1 = p2;
            }
            dp = GL_N * (x * p1 - p0) / (x * x - 1.0);
            double dx = p1 / dp;
            x -= dx;
            if (fabs(dx) < 1e-17) break;
        }
        node[i] = x;
        weight[i] = 2.0 / ((1.0 - x * x) * dp * dp);
    }
}

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

/* The integrand of c.  Symmetric laws (Laplace, Student), folded onto
 * z > 0: 2 z phi(z) q_up(Q(z)), Q(z) = Phi(-z), the upper quantile taken in
 * its own tail.  The mixture, on the whole line: z phi(z) q(Phi(z)), from
 * the lower tail for z < 0 and the upper one for z > 0. */
static double coupling_integrand(int kind, const cont_law *L, double z)
{
    double Q = norm_lower(-fabs(z)), x;
    if (kind == REFIT_INIT_LAPLACE)
        x = -2.0 * INIT_SQRT1_2 * log(2.0 * Q); /* 2 q_up = -2 b ln(2Q) */
    else if (kind == REFIT_INIT_STUDENT)
        x = 2.0 * cont_quantile(L, 1, Q, z);
    else
        x = cont_quantile(L, z > 0.0, Q, z);
    return z * x * norm_pdf(z);
}

typedef struct gl_rule {
    double node[GL_N], weight[GL_N];
} gl_rule;

static double gl_panel(int kind, const cont_law *L, const gl_rule *g, double a, double b)
{
    double h = 0.5 * (b - a), mid = a + h;
    csum s = {0.0, 0.0};
    for (int i = 0; i < GL_N; i++)
        csum_add(&s, g->weight[i] * coupling_integrand(kind, L, mid + h * g->node[i]));
    return h * (s.s + s.c);
}

/* Adaptive bisection: the two halves replace the whole panel until they
 * agree with it to 2e-16 per unit of z plus 1e-19 (the floor keeps the
 * tiny pieces around a mixture's gap from recursing on rounding noise;
 * depth <= 8). */
static double gl_adaptive(int kind, const cont_law *L, const gl_rule *g, double a, double b,
                          double whole, int depth)
{
    double m = 0.5 * (a + b);
    double left = gl_panel(kind, L, g, a, m), right = gl_panel(kind, L, g, m, b);
    if (depth >= 8 || fabs((left + right) - whole) <= 2e-16 * (b - a) + 1e-19) return left + right;
    return gl_adaptive(kind, L, g, a, m, left, depth + 1) +
           gl_adaptive(kind, L, g, m, b, right, depth + 1);
}

/* int_a^b in base panels of width <= 1/2, each adaptive. */
static double gl_piece(int kind, const cont_law *L, const gl_rule *g, double a, double b,
                       csum *sum)
{
    int n = (int)ceil((b - a) / 0.5);
    double last = 0.0;
    for (int k = 0; k < n; k++) {
        double pa = a + (b - a) * k / n, pb = k + 1 == n ? b : a + (b - a) * (k + 1) / n;
        last = gl_adaptive(kind, L, g, pa, pb, gl_panel(kind, L, g, pa, pb), 0);
        csum_add(sum, last);
    }
    return last;
}

#define COUPLING_ZMAX 37.0 /* Q(37) = 6e-300: still a normal double */
#define MIX_BREAKS 12      /* breakpoints c_i + k t_i, |k| <= MIX_BREAKS */

/* z at which the mixture's quantile reaches x: Phi^{-1}(G(x)) from the
 * smaller tail, clipped to +-COUPLING_ZMAX. */
static double mix_z_of(const mix_std *m, double x)
{
    double G = mix_lower(m, x), S = mix_upper(m, x);
    double z = G <= S ? (G > 1e-300 ? norm_quantile_lower(G) : -COUPLING_ZMAX)
                      : (S > 1e-300 ? -norm_quantile_lower(S) : COUPLING_ZMAX);
    return fmax(-COUPLING_ZMAX, fmin(COUPLING_ZMAX, z));
}

/* c = E[Z q(Phi(Z))] = int z q(Phi(z)) phi(z) dz by adaptive 20-point
 * Gauss-Legendre.  Laplace and Student: folded onto [0, 37]; the integrand
 * is analytic for z > 0 and falls like exp(-z^2 (1 - 1/nu)/2) at worst, so
 * the panels stop once one adds below 1e-18 of the sum.  Mixture: over
 * [-37, 37] cut at 0 and at the z where the quantile passes c_i + k t_i
 * (each component at its own scale): between well separated components
 * q(Phi(z)) jumps across the gap within a tiny z range, which no rule
 * resolves; with the cut there the piece that holds the jump has width
 * ~ the probability of the gap and contributes nothing. */
static double coupling_quadrature(int kind, const cont_law *L)
{
    gl_rule g;
    csum sum = {0.0, 0.0};
    gauss_legendre(g.node, g.weight);
    if (kind != REFIT_INIT_MIX2) {
        for (int k = 0; k < (int)(2 * COUPLING_ZMAX); k++) {
            double a = 0.5 * k;
            double pv = gl_piece(kind, L, &g, a, a + 0.5, &sum);
            if (k >= 16 && fabs(pv) < 1e-18 * fabs(sum.s)) break;
        }
        return sum.s + sum.c;
    }
    double cut[4 * MIX_BREAKS + 5];
    int n = 0;
    cut[n++] = -COUPLING_ZMAX;
    cut[n++] = 0.0;
    cut[n++] = COUPLING_ZMAX;
    for (int k = -MIX_BREAKS; k <= MIX_BREAKS; k++) {
        cut[n++] = mix_z_of(&L->m, L->m.c1 + k * L->m.t1);
        cut[n++] = mix_z_of(&L->m, L->m.c2 + k * L->m.t2);
    }
    qsort(cut, (size_t)n, sizeof cut[0], cmp_double);
    for (int i = 0; i + 1 < n; i++)
        if (cut[i + 1] > cut[i]) gl_piece(kind, L, &g, cut[i], cut[i + 1], &sum);
    return sum.s + sum.c;
}

/* DATA: c = sum_{j=1}^{N-1} (x_(j+1) - x_(j)) phi(z_j), z_j = Phi^{-1}(j/N),
 * the summation by parts of sum_j x_(j) [phi(z_{j-1}) - phi(z_j)]: every
 * term is >= 0, so nothing cancels. */
static refit_status coupling_data(const refit_init_law *law, const data_stats *ds, double *c)
{
    size_t n = law->count;
    double *s = malloc(n * sizeof *s);
    if (s == NULL) return REFIT_ENOMEM;
    for (size_t i = 0; i < n; i++) s[i] = data_standardise(ds, law->data[i]);
    qsort(s, n, sizeof *s, cmp_double);
    csum sum = {0.0, 0.0};
    for (size_t j = 1; j < n; j++) {
        double gap = s[j] - s[j - 1];
        if (gap == 0.0) continue;
        size_t jj = j <= n - j ? j : n - j; /* phi is even: Phi^{-1}(j/N) = -Phi^{-1}(1 - j/N) */
        csum_add(&sum, gap * norm_pdf(norm_quantile_lower((double)jj / (double)n)));
    }
    free(s);
    *c = sum.s + sum.c;
    return REFIT_OK;
}

refit_status refit_init_law_w2_coupling(const refit_init_law *law, double *c)
{
    if (c != NULL) *c = NAN;
    if (c == NULL) return REFIT_EINVAL;
    data_stats ds = {0, 0.0, 0.0};
    refit_status st = law_prepare(law, &ds);
    if (st != REFIT_OK) return st;
    cont_law L;
    memset(&L, 0, sizeof L);
    L.kind = (int)law->kind;
    double v;
    switch (law->kind) {
    case REFIT_INIT_NORMAL: v = 1.0; break;
    case REFIT_INIT_UNIFORM: v = INIT_SQRT_3_OVER_PI; break;
    case REFIT_INIT_LAPLACE: v = coupling_quadrature(REFIT_INIT_LAPLACE, &L); break;
    case REFIT_INIT_STUDENT:
        student_prepare(law->nu, &L.t);
        v = coupling_quadrature(REFIT_INIT_STUDENT, &L);
        break;
    case REFIT_INIT_MIX2:
        st = mix_prepare(law, &L.m);
        if (st != REFIT_OK) return st;
        v = coupling_quadrature(REFIT_INIT_MIX2, &L);
        break;
    case REFIT_INIT_DATA:
        st = coupling_data(law, &ds, &v);
        if (st != REFIT_OK) return st;
        break;
    default: return REFIT_EINVAL;
    }
    if (!isfinite(v)) return REFIT_ERANGE;
    /* 0 < c <= 1 (Cauchy-Schwarz); rounding may put a value a few ulps
     * above 1 for laws very close to the normal. */
    *c = v > 1.0 ? 1.0 : v;
    return REFIT_OK;
}

/* ---- draws ---------------------------------------------------------------- */

/* u = ((w >> 12) + 1/2) 2^-52 from the 64-bit word (hi:lo), as in the kernels. */
static double u01_words(uint32_t lo, uint32_t hi)
{
    uint64_t w = ((uint64_t)hi << 32) | lo;
    return ((double)(w >> 12) + 0.5) * 0x1p-52;
}

/* One Student t draw, standardised, for sample index j (< 2^26).  Bailey's
 * polar method: (U, V) uniform on the square (-1,1)^2 until W = U^2 + V^2
 * < 1, then T = U sqrt(nu (W^(-2/nu) - 1) / W) is t_nu.  Standardised:
 * X = sqrt((nu-2)/nu) T = U sqrt((nu-2)/nu g / W), g = nu expm1(-2 ln W / nu).
 * U = 2u - 1 is exact and never 0 (u is an odd multiple of 2^-53), so W > 0. */
static double student_draw(double nu, const uint32_t key[2], uint32_t chain,
                           uint32_t generation, uint64_t j)
{
    double scale = (nu - 2.0) / nu;
    for (uint64_t t = 0; t < STUDENT_ATTEMPTS; t++) {
        uint32_t ctr[4] = {(uint32_t)(t * INIT_INDEX_LIMIT + j), generation, chain,
                           (uint32_t)REFIT_STREAM_INIT};
        uint32_t x[4];
        refit_philox4x32_10(ctr, key, x);
        double U = 2.0 * u01_words(x[0], x[1]) - 1.0;
        double V = 2.0 * u01_words(x[2], x[3]) - 1.0;
        double W = U * U + V * V;
        if (!(W < 1.0)) continue;
        double e = -2.0 * refit_kernel_log(W) / nu; /* > 0 */
        /* nu expm1(e) = -2 ln W expm1(e)/e; the ratio stays accurate when
         * e underflows towards 0 for enormous nu */
        double g = e < 0x1p-30 ? -2.0 * refit_kernel_log(W) * (1.0 + 0.5 * e)
                               : nu * expm1(e);
        return U * sqrt(scale * g / W);
    }
    /* 64 rejections in a row: probability (1 - pi/4)^64 < 1e-42.  The
     * sample is then 0 (the median), deterministically. */
    return 0.0;
}

static int isa_valid(refit_isa isa)
{
    return (isa == REFIT_ISA_SCALAR || isa == REFIT_ISA_AVX2 || isa == REFIT_ISA_AVX512) &&
           refit_isa_supported(isa);
}

size_t sim_data_index(double u, size_t count)
{
    /* floor(u N); u N can round up to N only when N is near 2^52 */
    size_t idx = (size_t)(u * (double)count);
    return idx < count ? idx : count - 1;
}

refit_status sim_init_data_standardised(const refit_init_law *law, double *out)
{
    if (law == NULL || out == NULL || law->kind != REFIT_INIT_DATA) return REFIT_EINVAL;
    data_stats ds = {0, 0.0, 0.0};
    refit_status st = law_prepare(law, &ds);
    if (st != REFIT_OK) return st;
    for (size_t i = 0; i < law->count; i++) out[i] = data_standardise(&ds, law->data[i]);
    return REFIT_OK;
}

static void fill_nan(double *out, size_t count)
{
    if (out == NULL) return;
    for (size_t i = 0; i < count; i++) out[i] = NAN;
}

refit_status refit_init_law_draw(const refit_init_law *law, refit_isa isa, uint64_t seed,
                                 uint32_t chain, uint32_t generation, uint64_t first,
                                 size_t count, double *out)
{
    if (count > 0 && out == NULL) return REFIT_EINVAL;
    if (!isa_valid(isa)) {
        fill_nan(out, count);
        return REFIT_EINVAL;
    }
    data_stats ds = {0, 0.0, 0.0};
    refit_status st = law_prepare(law, &ds);
    if (st != REFIT_OK) {
        fill_nan(out, count);
        return st;
    }
    if (first > INIT_INDEX_LIMIT || (uint64_t)count > INIT_INDEX_LIMIT - first) {
        fill_nan(out, count);
        return REFIT_EDOM;
    }
    if (count == 0) return REFIT_OK;
    const refit_stream stream = REFIT_STREAM_INIT;
    if (law->kind == REFIT_INIT_NORMAL)
        return refit_kernel_normals(isa, seed, stream, chain, generation, first, count, out);
    if (law->kind == REFIT_INIT_STUDENT) {
        uint32_t key[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
        for (size_t i = 0; i < count; i++)
            out[i] = student_draw(law->nu, key, chain, generation, first + i);
        return REFIT_OK;
    }
    mix_std m;
    memset(&m, 0, sizeof m);
    if (law->kind == REFIT_INIT_MIX2) st = mix_prepare(law, &m);
    if (st != REFIT_OK) {
        fill_nan(out, count);
        return st;
    }
    double u[INIT_CHUNK];
    for (size_t done = 0; done < count;) {
        size_t c = count - done < INIT_CHUNK ? count - done : INIT_CHUNK;
        uint64_t j0 = first + done;
        double *o = out + done;
        if (law->kind == REFIT_INIT_MIX2) {
            /* the component's normal: kernel normal j; the choice: kernel
             * uniform 2^26 + j (blocks no normal index below 2^26 uses) */
            st = refit_kernel_normals(isa, seed, stream, chain, generation, j0, c, o);
            if (st == REFIT_OK)
                st = refit_kernel_uniforms(isa, seed, stream, chain, generation,
                                           INIT_INDEX_LIMIT + j0, c, u);
        } else {
            st = refit_kernel_uniforms(isa, seed, stream, chain, generation, j0, c, u);
        }
        if (st != REFIT_OK) {
            fill_nan(out, count);
            return st;
        }
        for (size_t i = 0; i < c; i++) {
            double ui = u[i];
            switch (law->kind) {
            case REFIT_INIT_UNIFORM:
                /* 2u - 1 is exact: the draws are symmetric about 0 bit for bit */
                o[i] = (2.0 * ui - 1.0) * INIT_SQRT3;
                break;
            case REFIT_INIT_LAPLACE: {
                /* inverse CDF with scale b = 1/sqrt2; 2u and 2(1 - u) are exact */
                double v = ui < 0.5 ? refit_kernel_log(2.0 * ui)
                                    : -refit_kernel_log(2.0 * (1.0 - ui));
                o[i] = INIT_SQRT1_2 * v;
                break;
            }
            case REFIT_INIT_MIX2:
                o[i] = ui < m.w ? m.c1 + m.t1 * o[i] : m.c2 + m.t2 * o[i];
                break;
            case REFIT_INIT_DATA:
                o[i] = data_standardise(&ds, law->data[sim_data_index(ui, law->count)]);
                break;
            default: break;
            }
        }
        done += c;
    }
    return REFIT_OK;
}
