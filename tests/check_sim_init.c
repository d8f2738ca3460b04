/* Generation-0 laws of the simulation engine (sim/init_law.c).
 *
 * Every expected value comes from outside the code under test:
 *  - validation: each bad parameter named in include/refit/sim.h;
 *  - truth: MPFR sums (DATA), MPFR moments of the mixture (MIX2);
 *  - CDF: MPFR (erfc, exp) for the closed forms; Student t against the
 *    hypergeometric series of the incomplete beta function in MPFR (DLMF
 *    8.17.8: a different route from the library's continued fraction and
 *    large-nu expansion), and against the closed form for nu = 3;
 *  - c = E[Z G^{-1}(Phi(Z))]: NORMAL 1, UNIFORM sqrt(3/pi) (MPFR); LAPLACE,
 *    STUDENT, MIX2 by a long-double quadrature in x space,
 *        c = int phi(Phi^{-1}(G(x))) dx   (integration by parts),
 *    with the test's own G (long double: closed forms, the series above for
 *    Student) and Phi^{-1} (bisection on erfcl), double-exponential
 *    trapezoid; the library integrates over z with quantiles instead.  Large
 *    nu: 1 - c = 3/(16 nu^2) + O(nu^-3).  DATA: sqrt(2/pi) for two values,
 *    else the z-space integral of z x(z) phi(z) piece by piece (tanh-sinh on
 *    each piece between the test's own breakpoints Phi^{-1}(j/N));
 *  - the W2 identity W2^2(N(m, s^2), D0) = (m - mean)^2 + s^2 + sd^2 -
 *    2 s sd c, checked against a long-double quadrature of
 *    E[(m + s Z - mean - sd G^{-1}(Phi(Z)))^2] (uniform, Laplace, mixture);
 *  - draws: reproducible, chunk-invariant, the same for every supported ISA,
 *    and statistically the law they claim (below).
 *
 * Statistics.  For each of N_STAT_CASES laws, n = 2^20 draws (times
 * REFIT_TEST_SCALE) spread over 16 (chain, generation, first) addresses:
 * Kolmogorov-Smirnov against refit_init_law_cdf (itself checked against
 * MPFR above; for DATA, a discrete law, the Kolmogorov bound is
 * conservative), Pearson chi-square on cells (lo, hi] of width 1/8 on
 * [-8, 8] plus two tails, merged until each expects >= 1000 draws, cell
 * probabilities from the CDF, p-value from mpfr_gamma_inc), and z-scores of
 * the raw moments m_k = mean(x^k), k = 1..K, against the exact moments mu_k
 * of the standardised law with variance (mu_2k - mu_k^2)/n.  K is chosen
 * per law so that mu_2k is finite AND the z-score's tail is close to
 * normal at the Bonferroni level: a single huge draw can push a sum of
 * heavy-tailed terms past z* with probability n P(|x|^k > z* sqrt(n Var))
 * which must stay below alpha: Student nu = 2.5 gets no moment check,
 * nu = 5 the mean only (n P(|x| > 6000) = 7e-13), nu = 30 all four
 * (m4: n P(|x| > 16.6) = 5e-11); the Laplace m4 has 4e-9 (|x| > 23.5),
 * within alpha = 2.1e-8.  C_TOTAL checks share a family-wise false-alarm
 * probability of 1e-6 (Bonferroni: each check at alpha = 1e-6 / C_TOTAL).
 * Seeds are fixed (REFIT_TEST_SEED shifts them) and printed with every
 * check.  Power: tests/mutants/sim_init.txt.
 */
#include <check.h>
#include <float.h>
#include <math.h>
#include <mpfr.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refit/sim.h"
#include "test_stats.h"
#include "test_rng.h"
#include "test_ulp.h"

#define FAMILY_ALPHA 1e-6
#define PREC 256
#define LD_PI 3.141592653589793238462643383279502884L

/* ---- the laws ------------------------------------------------------------ */

static const double DATA7[] = {3.0, -1.5, 2.0, 2.0, 10.0, 0.25, -4.0}; /* a tie, skewed */
#define DATA7_N (sizeof DATA7 / sizeof DATA7[0])

static refit_init_law law_of(refit_init_kind kind)
{
    refit_init_law law = refit_init_law_normal();
    law.kind = kind;
    return law;
}

static refit_init_law law_student(double nu)
{
    refit_init_law law = law_of(REFIT_INIT_STUDENT);
    law.nu = nu;
    return law;
}

static refit_init_law law_mix(double w, double mu1, double sd1, double mu2, double sd2)
{
    refit_init_law law = law_of(REFIT_INIT_MIX2);
    law.w = w;
    law.mu1 = mu1;
    law.sd1 = sd1;
    law.mu2 = mu2;
    law.sd2 = sd2;
    return law;
}

static refit_init_law law_data(const double *x, size_t n)
{
    refit_init_law law = law_of(REFIT_INIT_DATA);
    law.data = x;
    law.count = n;
    return law;
}

/* The laws of the statistical checks, with the number of raw moments. */
typedef struct stat_case {
    const char *name;
    refit_init_kind kind;
    double nu, w, mu1, sd1, mu2, sd2;
    int moments;
} stat_case;

static const stat_case CASES[] = {
    {"normal", REFIT_INIT_NORMAL, 0, 0, 0, 0, 0, 0, 4},
    {"student nu=2.5", REFIT_INIT_STUDENT, 2.5, 0, 0, 0, 0, 0, 0},
    {"student nu=5", REFIT_INIT_STUDENT, 5.0, 0, 0, 0, 0, 0, 1},
    {"student nu=30", REFIT_INIT_STUDENT, 30.0, 0, 0, 0, 0, 0, 4},
    {"laplace", REFIT_INIT_LAPLACE, 0, 0, 0, 0, 0, 0, 4},
    {"uniform", REFIT_INIT_UNIFORM, 0, 0, 0, 0, 0, 0, 4},
    {"mix2 0.3,-1,0.5,2,1", REFIT_INIT_MIX2, 0, 0.3, -1.0, 0.5, 2.0, 1.0, 4},
    {"mix2 0.9,0,1,0,5", REFIT_INIT_MIX2, 0, 0.9, 0.0, 1.0, 0.0, 5.0, 4},
    {"data (7 values)", REFIT_INIT_DATA, 0, 0, 0, 0, 0, 0, 4},
};
#define N_STAT_CASES ((int)(sizeof CASES / sizeof CASES[0]))

static refit_init_law case_law(const stat_case *c)
{
    switch (c->kind) {
    case REFIT_INIT_STUDENT: return law_student(c->nu);
    case REFIT_INIT_MIX2: return law_mix(c->w, c->mu1, c->sd1, c->mu2, c->sd2);
    case REFIT_INIT_DATA: return law_data(DATA7, DATA7_N);
    default: return law_of(c->kind);
    }
}

/* 9 KS + 9 chi-square + the moments (4+0+1+4+4+4+4+4+4). */
#define C_TOTAL (2 * 9 + 29)

static double alpha_each(void)
{
    return FAMILY_ALPHA / C_TOTAL;
}

static uint64_t seed_base(void)
{
    return refit_test_env_u64("REFIT_TEST_SEED", 0);
}

static double *xalloc(size_t n)
{
    double *p = malloc(n * sizeof *p);
    ck_assert_ptr_nonnull(p);
    return p;
}

/* ---- compensated sums ---------------------------------------------------- */

/* ---- long-double references ---------------------------------------------- */

/* P(Z <= z) */
static long double ld_Phi(long double z)
{
    return 0.5L * erfcl(-z / sqrtl(2.0L));
}

static long double ld_phi(long double z)
{
    return expl(-0.5L * z * z) / sqrtl(2.0L * LD_PI);
}

/* The z <= 0 with Phi(z) = p (0 < p <= 1/2): bisection on erfcl over
 * [-110, 0] to 1e-4, then Newton on ln Phi (concave: no overshoot past a
 * bracket end matters) to the precision of long double. */
static long double ld_Phi_inv_lower(long double p)
{
    long double lo = -110.0L, hi = 0.0L;
    while (hi - lo > 1e-4L) {
        long double mid = 0.5L * (lo + hi);
        if (ld_Phi(mid) < p)
            lo = mid;
        else
            hi = mid;
    }
    long double z = 0.5L * (lo + hi), lp = logl(p);
    for (int i = 0; i < 8; i++) {
        long double P = ld_Phi(z);
        if (!(P > 0.0L)) break;
        long double step = (logl(P) - lp) * P / ld_phi(z);
        if (!(z - step >= lo && z - step <= hi)) break;
        z -= step;
    }
    return z;
}

/* phi(Phi^{-1}(p)) for a tail probability p in [0, 1/2] */
static long double ld_phi_of_tail(long double p)
{
    if (p <= 0.0L) return 0.0L;
    return ld_phi(ld_Phi_inv_lower(p));
}

/* A standardised law for the references: the lower tail G(x) and the
 * upper tail S(x), each computed directly. */
typedef struct ref_law {
    refit_init_kind kind;
    long double nu, s, lnB;                 /* Student: x = s t, B(nu/2, 1/2) */
    long double w, c1, c2, t1, t2;          /* mixture, standardised */
} ref_law;

/* I_z(p, q) by the hypergeometric series (1/B) sum_n (1-q)_n / n! z^(p+n) / (p+n),
 * z <= 1/2 (geometric convergence); long double. */
static long double ld_ibeta_series(long double z, long double p, long double q, long double lnB)
{
    long double coef = 1.0L, zn = powl(z, p), sum = 0.0L;
    for (int n = 0; n < 5000; n++) {
        long double term = coef * zn / (p + n);
        sum += term;
        if (n > 8 && fabsl(term) < 1e-22L * fabsl(sum)) break;
        coef *= (1.0L - q + n) / (n + 1.0L);
        zn *= z;
    }
    return sum * expl(-lnB);
}

/* P(T > t), t >= 0, Student t with nu = 2a: (1/2) I_X(a, 1/2), X = nu/(nu+t^2). */
static long double ld_student_upper(const ref_law *L, long double x)
{
    long double t = x / L->s, r = t * t / L->nu;
    long double X = 1.0L / (1.0L + r), Y = r / (1.0L + r), a = 0.5L * L->nu;
    if (X <= 0.5L) return 0.5L * ld_ibeta_series(X, a, 0.5L, L->lnB);
    return 0.5L * (1.0L - ld_ibeta_series(Y, 0.5L, a, L->lnB));
}

static long double ref_tail(const ref_law *L, int upper, long double x)
{
    switch (L->kind) {
    case REFIT_INIT_LAPLACE: {
        long double e = 0.5L * expl(-sqrtl(2.0L) * fabsl(x));
        return (upper ? x >= 0 : x <= 0) ? e : 1.0L - e;
    }
    case REFIT_INIT_STUDENT: {
        long double e = ld_student_upper(L, fabsl(x));
        return (upper ? x >= 0 : x <= 0) ? e : 1.0L - e;
    }
    case REFIT_INIT_MIX2:
        if (upper)
            return L->w * ld_Phi((L->c1 - x) / L->t1) + (1.0L - L->w) * ld_Phi((L->c2 - x) / L->t2);
        return L->w * ld_Phi((x - L->c1) / L->t1) + (1.0L - L->w) * ld_Phi((x - L->c2) / L->t2);
    default: return NAN;
    }
}

static ref_law ref_law_make(const refit_init_law *law)
{
    ref_law L;
    memset(&L, 0, sizeof L);
    L.kind = law->kind;
    if (law->kind == REFIT_INIT_STUDENT) {
        long double a = 0.5L * law->nu;
        L.nu = law->nu;
        L.s = sqrtl((L.nu - 2.0L) / L.nu);
        L.lnB = lgammal(a) + 0.5L * logl(LD_PI) - lgammal(a + 0.5L);
    } else if (law->kind == REFIT_INIT_MIX2) {
        long double w = law->w, m = w * law->mu1 + (1.0L - w) * law->mu2;
        long double e2 = w * ((long double)law->sd1 * law->sd1 + (long double)law->mu1 * law->mu1) +
                         (1.0L - w) * ((long double)law->sd2 * law->sd2 +
                                       (long double)law->mu2 * law->mu2);
        long double sd = sqrtl(e2 - m * m);
        L.w = w;
        L.c1 = (law->mu1 - m) / sd;
        L.c2 = (law->mu2 - m) / sd;
        L.t1 = law->sd1 / sd;
        L.t2 = law->sd2 / sd;
    }
    return L;
}

/* phi(Phi^{-1}(G(x))) = phi(Phi^{-1}(min(G, S))): the integrand of c in x. */
static long double c_integrand(const ref_law *L, long double x)
{
    long double G = ref_tail(L, 0, x), S = ref_tail(L, 1, x);
    return ld_phi_of_tail(G < S ? G : S);
}

/* int_0^inf c_integrand(x0 + sg y) dy, y = exp((pi/2) sinh t): trapezoid in
 * t with step h (double-exponential decay at both ends for algebraic or
 * faster tails). */
static long double de_half_line(const ref_law *L, long double x0, long double sg, long double h)
{
    long double sum = 0.0L;
    int K = (int)(4.6L / h);
    for (int k = -K; k <= K; k++) {
        long double t = k * h, y = expl(0.5L * LD_PI * sinhl(t));
        long double dy = y * 0.5L * LD_PI * coshl(t);
        sum += c_integrand(L, x0 + sg * y) * dy;
    }
    return sum * h;
}

/* int_a^b c_integrand by tanh-sinh with step h. */
static long double ts_piece(const ref_law *L, long double a, long double b, long double h)
{
    long double mid = 0.5L * (a + b), half = 0.5L * (b - a), sum = 0.0L;
    int K = (int)(4.0L / h);
    for (int k = -K; k <= K; k++) {
        long double t = k * h, u = 0.5L * LD_PI * sinhl(t);
        long double x = tanhl(u), ch = coshl(u);
        if (fabsl(x) >= 1.0L) continue;
        sum += c_integrand(L, mid + half * x) * (0.5L * LD_PI * coshl(t) / (ch * ch));
    }
    return sum * h * half;
}

static int cmp_ld(const void *a, const void *b)
{
    long double x = *(const long double *)a, y = *(const long double *)b;
    return (x > y) - (x < y);
}

/* c = int phi(Phi^{-1}(G(x))) dx at step h: for a mixture, tanh-sinh
 * between breakpoints c_i + k t_i (|k| <= 12, each component resolved at
 * its own scale) and double-exponential half lines beyond; otherwise the
 * two half lines from 0 (the Laplace cusp). */
static long double c_quadrature(const ref_law *L, long double h)
{
    if (L->kind != REFIT_INIT_MIX2)
        return de_half_line(L, 0.0L, 1.0L, h) + de_half_line(L, 0.0L, -1.0L, h);
    long double bp[50];
    int nb = 0;
    for (int k = -12; k <= 12; k++) {
        bp[nb++] = L->c1 + k * L->t1;
        bp[nb++] = L->c2 + k * L->t2;
    }
    qsort(bp, (size_t)nb, sizeof bp[0], cmp_ld);
    long double sum = de_half_line(L, bp[0], -1.0L, h) + de_half_line(L, bp[nb - 1], 1.0L, h);
    for (int i = 0; i + 1 < nb; i++)
        if (bp[i + 1] > bp[i]) sum += ts_piece(L, bp[i], bp[i + 1], h);
    return sum;
}

/* c by the x-space quadrature, at step h and h/2 (the difference bounds
 * the quadrature error: returned in *err). */
static long double c_reference(const refit_init_law *law, long double *err)
{
    ref_law L = ref_law_make(law);
    long double a = c_quadrature(&L, 1.0L / 32), b = c_quadrature(&L, 1.0L / 64);
    *err = fabsl(a - b);
    return b;
}

/* int_a^b f by tanh-sinh, f given by a callback. */
typedef long double (*ld_fn)(long double, const void *);
static long double tanh_sinh(ld_fn f, const void *ctx, long double a, long double b)
{
    long double h = 1.0L / 64, mid = 0.5L * (a + b), half = 0.5L * (b - a), sum = 0.0L;
    for (int k = -256; k <= 256; k++) {
        long double t = k * h, u = 0.5L * LD_PI * sinhl(t);
        long double x = tanhl(u), ch = coshl(u);
        long double w = 0.5L * LD_PI * coshl(t) / (ch * ch);
        if (fabsl(x) >= 1.0L) continue;
        sum += f(mid + half * x, ctx) * w;
    }
    return sum * h * half;
}

static long double z_phi(long double z, const void *ctx)
{
    (void)ctx;
    return z * ld_phi(z);
}

/* ---- MPFR helpers ---------------------------------------------------------- */

/* Standardised data values in MPFR (exact mean and population sd). */
static void mp_standardise(const double *x, size_t n, long double *out)
{
    mpfr_t m, v, d;
    mpfr_inits2(PREC + 2200, m, v, d, (mpfr_ptr)0); /* sums of doubles are exact */
    mpfr_set_ui(m, 0, MPFR_RNDN);
    for (size_t i = 0; i < n; i++) mpfr_add_d(m, m, x[i], MPFR_RNDN);
    mpfr_div_ui(m, m, (unsigned long)n, MPFR_RNDN);
    mpfr_set_ui(v, 0, MPFR_RNDN);
    for (size_t i = 0; i < n; i++) {
        mpfr_sub_d(d, m, x[i], MPFR_RNDN);
        mpfr_sqr(d, d, MPFR_RNDN);
        mpfr_add(v, v, d, MPFR_RNDN);
    }
    mpfr_div_ui(v, v, (unsigned long)n, MPFR_RNDN);
    mpfr_sqrt(v, v, MPFR_RNDN);
    for (size_t i = 0; i < n; i++) {
        mpfr_set_d(d, x[i], MPFR_RNDN);
        mpfr_sub(d, d, m, MPFR_RNDN);
        mpfr_div(d, d, v, MPFR_RNDN);
        out[i] = mpfr_get_ld(d, MPFR_RNDN);
    }
    mpfr_clears(m, v, d, (mpfr_ptr)0);
}

/* Mean and population sd of doubles, in MPFR, rounded to double. */
static void mp_data_truth(const double *x, size_t n, double *mean, double *sd)
{
    mpfr_t m, v, d;
    mpfr_inits2(PREC + 2200, m, v, d, (mpfr_ptr)0);
    mpfr_set_ui(m, 0, MPFR_RNDN);
    for (size_t i = 0; i < n; i++) mpfr_add_d(m, m, x[i], MPFR_RNDN);
    mpfr_div_ui(m, m, (unsigned long)n, MPFR_RNDN);
    mpfr_set_ui(v, 0, MPFR_RNDN);
    for (size_t i = 0; i < n; i++) {
        mpfr_sub_d(d, m, x[i], MPFR_RNDN);
        mpfr_sqr(d, d, MPFR_RNDN);
        mpfr_add(v, v, d, MPFR_RNDN);
    }
    mpfr_div_ui(v, v, (unsigned long)n, MPFR_RNDN);
    mpfr_sqrt(v, v, MPFR_RNDN);
    *mean = mpfr_get_d(m, MPFR_RNDN);
    *sd = mpfr_get_d(v, MPFR_RNDN);
    mpfr_clears(m, v, d, (mpfr_ptr)0);
}

/* Student t's standardised lower tail P(X <= x), x < 0, in MPFR: (1/2)
 * I_X(a, 1/2) with X = nu/(nu+t^2) by the series in X when X <= 1/2, else
 * (1/2)(1 - I_Y(1/2, a)) by the series in Y = 1 - X.  The Y series
 * alternates with terms up to ~e^(aY) and its sum is 1 - (a tail ~e^-aY):
 * the precision grows with aY. */
static double mp_student_lower(double nu, double x)
{
    /* the alternating Y series (X > 1/2, i.e. t^2 < nu) has terms up to
     * ~e^(aY): carry 2 aY extra bits; where aY > 720 the tail is below
     * e^-720 and reported as 0 */
    double tt = x * x * nu / (nu - 2.0);
    double ay = tt < nu ? 0.5 * nu * tt / (nu + tt) : 0.0;
    if (ay > 720.0) return 0.0;
    /* + ~log2(e) aY more to resolve the tail from 1 */
    mpfr_prec_t prec = (mpfr_prec_t)(PREC + 3.0 * ay);
    mpfr_t t, X, Y, a, p, q, z, coef, zn, term, sum, lnB, g;
    double res;
    mpfr_inits2(prec, t, X, Y, a, p, q, z, coef, zn, term, sum, lnB, g, (mpfr_ptr)0);
    /* t = x / sqrt((nu-2)/nu) */
    mpfr_set_d(t, nu, MPFR_RNDN);
    mpfr_sub_ui(t, t, 2, MPFR_RNDN);
    mpfr_div_d(t, t, nu, MPFR_RNDN);
    mpfr_sqrt(t, t, MPFR_RNDN);
    mpfr_d_div(t, x, t, MPFR_RNDN);
    mpfr_sqr(t, t, MPFR_RNDN); /* t^2 */
    mpfr_set_d(X, nu, MPFR_RNDN);
    mpfr_add(Y, X, t, MPFR_RNDN);
    mpfr_div(X, X, Y, MPFR_RNDN); /* nu / (nu + t^2) */
    mpfr_ui_sub(Y, 1, X, MPFR_RNDN);
    mpfr_set_d(a, 0.5 * nu, MPFR_RNDN);
    /* ln B(a, 1/2) */
    mpfr_lngamma(lnB, a, MPFR_RNDN);
    mpfr_set_d(g, 0.5, MPFR_RNDN);
    mpfr_lngamma(g, g, MPFR_RNDN);
    mpfr_add(lnB, lnB, g, MPFR_RNDN);
    mpfr_set_d(g, 0.5, MPFR_RNDN);
    mpfr_add(g, g, a, MPFR_RNDN);
    mpfr_lngamma(g, g, MPFR_RNDN);
    mpfr_sub(lnB, lnB, g, MPFR_RNDN);
    int upper_series = mpfr_cmp_d(X, 0.5) > 0;
    if (upper_series) {
        mpfr_set(z, Y, MPFR_RNDN);
        mpfr_set_d(p, 0.5, MPFR_RNDN);
        mpfr_set(q, a, MPFR_RNDN);
    } else {
        mpfr_set(z, X, MPFR_RNDN);
        mpfr_set(p, a, MPFR_RNDN);
        mpfr_set_d(q, 0.5, MPFR_RNDN);
    }
    mpfr_set_ui(coef, 1, MPFR_RNDN);
    mpfr_pow(zn, z, p, MPFR_RNDN);
    mpfr_set_ui(sum, 0, MPFR_RNDN);
    for (long n = 0; n < 200000; n++) {
        mpfr_add_si(g, p, n, MPFR_RNDN);
        mpfr_div(term, zn, g, MPFR_RNDN);
        mpfr_mul(term, term, coef, MPFR_RNDN);
        mpfr_add(sum, sum, term, MPFR_RNDN);
        if (n > 10 && !mpfr_zero_p(sum) &&
            (mpfr_zero_p(term) || mpfr_get_exp(term) < mpfr_get_exp(sum) - (mpfr_exp_t)prec) &&
            mpfr_cmp_d(g, 3.0 * ay) > 0)
            break;
        mpfr_ui_sub(g, 1, q, MPFR_RNDN);
        mpfr_add_si(g, g, n, MPFR_RNDN);
        mpfr_mul(coef, coef, g, MPFR_RNDN);
        mpfr_div_si(coef, coef, n + 1, MPFR_RNDN);
        mpfr_mul(zn, zn, z, MPFR_RNDN);
    }
    mpfr_neg(lnB, lnB, MPFR_RNDN);
    mpfr_exp(lnB, lnB, MPFR_RNDN);
    mpfr_mul(sum, sum, lnB, MPFR_RNDN); /* I_z(p, q) */
    if (upper_series) mpfr_ui_sub(sum, 1, sum, MPFR_RNDN);
    mpfr_div_2ui(sum, sum, 1, MPFR_RNDN);
    res = mpfr_get_d(sum, MPFR_RNDN);
    mpfr_clears(t, X, Y, a, p, q, z, coef, zn, term, sum, lnB, g, (mpfr_ptr)0);
    return res;
}

/* ---- statistics tools -------------------------------------------------------- */

static int check_p(const char *what, double stat, double p, const char *detail, uint64_t seed)
{
    int fail = !(p >= alpha_each());
    printf("  %s %-44s stat = %-10.6g p = %-9.3g (p >= %.3g; %s, seed %llu)\n",
           fail ? "FAIL" : "ok  ", what, stat, p, alpha_each(), detail,
           (unsigned long long)seed);
    fflush(stdout);
    return fail;
}

static int check_z(const char *what, double z, uint64_t seed)
{
    double zs = refit_test_z_star(alpha_each());
    int fail = !(fabs(z) <= zs);
    printf("  %s %-44s z = %+8.3f  (|z| <= %.3f, seed %llu)\n", fail ? "FAIL" : "ok  ", what, z,
           zs, (unsigned long long)seed);
    fflush(stdout);
    return fail;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* ---- 1. validation -------------------------------------------------------- */

static void expect_status(refit_init_law law, refit_status want, const char *what)
{
    refit_status st = refit_init_law_validate(&law);
    ck_assert_msg(st == want, "validate %s: %s, want %s", what, refit_strerror(st),
                  refit_strerror(want));
    if (want == REFIT_OK) return;
    /* every entry point reports the same status and NaN */
    refit_model model = refit_model_default();
    double m = 0.0, s = 0.0, c = 0.0, F = 0.0, x[3] = {0.0, 0.0, 0.0};
    ck_assert_int_eq(refit_init_law_truth(&law, &model, &m, &s), want);
    ck_assert(isnan(m) && isnan(s));
    ck_assert_int_eq(refit_init_law_w2_coupling(&law, &c), want);
    ck_assert(isnan(c));
    ck_assert_int_eq(refit_init_law_cdf(&law, 0.5, &F), want);
    ck_assert(isnan(F));
    ck_assert_int_eq(refit_init_law_draw(&law, REFIT_ISA_SCALAR, 1, 0, 0, 0, 3, x), want);
    ck_assert(isnan(x[0]) && isnan(x[2]));
}

START_TEST(test_validate)
{
    const double inf = INFINITY, nan = NAN;
    static const double ok2[] = {1.0, 2.0}, same[] = {3.0, 3.0, 3.0}, zeros[] = {0.0, 0.0};
    static const double with_nan[] = {1.0, NAN, 2.0}, with_inf[] = {1.0, -INFINITY, 2.0};
    static const double one[] = {1.0};
    refit_init_law law;

    ck_assert_int_eq(refit_init_law_validate(NULL), REFIT_EINVAL);
    law = refit_init_law_normal();
    ck_assert_int_eq(law.kind, REFIT_INIT_NORMAL);
    expect_status(law, REFIT_OK, "normal");
    expect_status(law_of(REFIT_INIT_LAPLACE), REFIT_OK, "laplace");
    expect_status(law_of(REFIT_INIT_UNIFORM), REFIT_OK, "uniform");
    law = law_of(REFIT_INIT_NORMAL);
    law.kind = (refit_init_kind)6;
    expect_status(law, REFIT_EINVAL, "kind 6");
    law.kind = (refit_init_kind)-1;
    expect_status(law, REFIT_EINVAL, "kind -1");

    /* Student: nu finite and > 2 */
    expect_status(law_student(2.0000001), REFIT_OK, "nu = 2.0000001");
    expect_status(law_student(1e300), REFIT_OK, "nu = 1e300");
    const double bad_nu[] = {2.0, 1.5, 0.0, -3.0, inf, -inf, nan};
    for (size_t i = 0; i < sizeof bad_nu / sizeof bad_nu[0]; i++)
        expect_status(law_student(bad_nu[i]), REFIT_EDOM, "bad nu");

    /* MIX2: 0 < w < 1, finite means, sd > 0 finite, finite mixture sd */
    expect_status(law_mix(0.3, -1, 0.5, 2, 1), REFIT_OK, "mix");
    const double bad_w[] = {0.0, 1.0, -0.1, 1.1, nan, inf};
    for (size_t i = 0; i < sizeof bad_w / sizeof bad_w[0]; i++)
        expect_status(law_mix(bad_w[i], -1, 0.5, 2, 1), REFIT_EDOM, "bad w");
    const double bad_mu[] = {nan, inf, -inf};
    for (size_t i = 0; i < 3; i++) {
        expect_status(law_mix(0.3, bad_mu[i], 0.5, 2, 1), REFIT_EDOM, "bad mu1");
        expect_status(law_mix(0.3, -1, 0.5, bad_mu[i], 1), REFIT_EDOM, "bad mu2");
    }
    const double bad_sd[] = {0.0, -1.0, nan, inf};
    for (size_t i = 0; i < 4; i++) {
        expect_status(law_mix(0.3, -1, bad_sd[i], 2, 1), REFIT_EDOM, "bad sd1");
        expect_status(law_mix(0.3, -1, 0.5, 2, bad_sd[i]), REFIT_EDOM, "bad sd2");
    }
    expect_status(law_mix(0.5, 1.7e308, 1.7e308, -1.7e308, 1.7e308), REFIT_EDOM,
                  "mixture sd overflows");
    expect_status(law_mix(0.5, 1e308, 1, -1e308, 1), REFIT_OK, "huge means, sd 1e308");
    expect_status(law_mix(0.5, 0, 1e200, 0, 1e200), REFIT_OK, "huge sds");

    /* DATA */
    expect_status(law_data(ok2, 2), REFIT_OK, "two values");
    expect_status(law_data(NULL, 5), REFIT_EINVAL, "NULL data");
    expect_status(law_data(one, 1), REFIT_EDOM, "one value");
    expect_status(law_data(ok2, 0), REFIT_EDOM, "no values");
    expect_status(law_data(same, 3), REFIT_EDOM, "all equal");
    expect_status(law_data(zeros, 2), REFIT_EDOM, "all zero");
    expect_status(law_data(with_nan, 3), REFIT_EDOM, "a NaN");
    expect_status(law_data(with_inf, 3), REFIT_EDOM, "an infinity");

    /* NULL outputs, missing model, bad isa and index range */
    double m, s, F, x[4];
    law = law_of(REFIT_INIT_LAPLACE);
    ck_assert_int_eq(refit_init_law_truth(&law, NULL, &m, &s), REFIT_EINVAL);
    ck_assert(isnan(m) && isnan(s));
    refit_model model = refit_model_default();
    ck_assert_int_eq(refit_init_law_truth(&law, &model, NULL, &s), REFIT_EINVAL);
    ck_assert_int_eq(refit_init_law_truth(&law, &model, &m, NULL), REFIT_EINVAL);
    model.sigma = -1.0;
    ck_assert_int_eq(refit_init_law_truth(&law, &model, &m, &s), REFIT_EDOM);
    model = refit_model_default();
    model.mu = NAN;
    ck_assert_int_eq(refit_init_law_truth(&law, &model, &m, &s), REFIT_EDOM);
    ck_assert_int_eq(refit_init_law_w2_coupling(&law, NULL), REFIT_EINVAL);
    ck_assert_int_eq(refit_init_law_cdf(&law, 0.0, NULL), REFIT_EINVAL);
    ck_assert_int_eq(refit_init_law_cdf(&law, NAN, &F), REFIT_EDOM);
    ck_assert(isnan(F));
    ck_assert_int_eq(refit_init_law_draw(&law, REFIT_ISA_SCALAR, 1, 0, 0, 0, 4, NULL),
                     REFIT_EINVAL);
    ck_assert_int_eq(refit_init_law_draw(&law, REFIT_ISA_SCALAR, 1, 0, 0, 0, 0, NULL), REFIT_OK);
    ck_assert_int_eq(refit_init_law_draw(&law, (refit_isa)9, 1, 0, 0, 0, 4, x), REFIT_EINVAL);
    ck_assert(isnan(x[0]));
    const uint64_t limit = UINT64_C(1) << 26;
    for (int k = 0; k < (int)(sizeof CASES / sizeof CASES[0]); k++) {
        refit_init_law cl = case_law(&CASES[k]);
        ck_assert_int_eq(refit_init_law_draw(&cl, REFIT_ISA_SCALAR, 1, 0, 0, limit - 4, 4, x),
                         REFIT_OK);
        for (int i = 0; i < 4; i++) ck_assert(isfinite(x[i]));
        ck_assert_int_eq(refit_init_law_draw(&cl, REFIT_ISA_SCALAR, 1, 0, 0, limit - 3, 4, x),
                         REFIT_EDOM);
        ck_assert(isnan(x[0]) && isnan(x[3]));
        ck_assert_int_eq(refit_init_law_draw(&cl, REFIT_ISA_SCALAR, 1, 0, 0, limit, 0, x),
                         REFIT_OK);
        ck_assert_int_eq(refit_init_law_draw(&cl, REFIT_ISA_SCALAR, 1, 0, 0, UINT64_MAX, 1, x),
                         REFIT_EDOM);
    }
}
END_TEST

/* ---- 2. the truth --------------------------------------------------------- */

START_TEST(test_truth)
{
    refit_model model = refit_model_default();
    model.mu = -2.5;
    model.sigma = 3.25;
    const refit_init_kind kinds[] = {REFIT_INIT_NORMAL, REFIT_INIT_STUDENT, REFIT_INIT_LAPLACE,
                                     REFIT_INIT_UNIFORM};
    for (int i = 0; i < 4; i++) {
        refit_init_law law = kinds[i] == REFIT_INIT_STUDENT ? law_student(4.5) : law_of(kinds[i]);
        double m, s;
        ck_assert_int_eq(refit_init_law_truth(&law, &model, &m, &s), REFIT_OK);
        ck_assert(m == -2.5 && s == 3.25);
    }

    /* MIX2 against MPFR: mean w mu1 + (1-w) mu2, variance E X^2 - mean^2 */
    const double mixes[][5] = {{0.3, -1.0, 0.5, 2.0, 1.0},
                               {0.9, 0.0, 1.0, 0.0, 5.0},
                               {0.5, 1e6, 1e-3, 1e6 + 1.0, 2e-3},
                               {1e-9, -3.0, 0.1, 4.0, 7.0}};
    for (size_t i = 0; i < sizeof mixes / sizeof mixes[0]; i++) {
        const double *p = mixes[i];
        refit_init_law law = law_mix(p[0], p[1], p[2], p[3], p[4]);
        double m, s;
        ck_assert_int_eq(refit_init_law_truth(&law, NULL, &m, &s), REFIT_OK);
        mpfr_t w, v, mean, e2, t;
        mpfr_inits2(PREC, w, v, mean, e2, t, (mpfr_ptr)0);
        mpfr_set_d(w, p[0], MPFR_RNDN);
        mpfr_ui_sub(v, 1, w, MPFR_RNDN);
        mpfr_mul_d(mean, w, p[1], MPFR_RNDN);
        mpfr_mul_d(t, v, p[3], MPFR_RNDN);
        mpfr_add(mean, mean, t, MPFR_RNDN);
        mpfr_set_d(t, p[1], MPFR_RNDN);
        mpfr_sqr(t, t, MPFR_RNDN);
        mpfr_set_d(e2, p[2], MPFR_RNDN);
        mpfr_sqr(e2, e2, MPFR_RNDN);
        mpfr_add(e2, e2, t, MPFR_RNDN);
        mpfr_mul(e2, e2, w, MPFR_RNDN); /* w (sd1^2 + mu1^2) */
        mpfr_set_d(t, p[3], MPFR_RNDN);
        mpfr_sqr(t, t, MPFR_RNDN);
        mpfr_set_d(w, p[4], MPFR_RNDN);
        mpfr_sqr(w, w, MPFR_RNDN);
        mpfr_add(t, t, w, MPFR_RNDN);
        mpfr_mul(t, t, v, MPFR_RNDN);
        mpfr_add(e2, e2, t, MPFR_RNDN);
        mpfr_sqr(t, mean, MPFR_RNDN);
        mpfr_sub(e2, e2, t, MPFR_RNDN);
        mpfr_sqrt(e2, e2, MPFR_RNDN);
        double em = refit_test_ulp_error(m, mean), es = refit_test_ulp_error(s, e2);
        printf("  mix2 %g,%g,%g,%g,%g: mean %.17g (%.2f ulp), sd %.17g (%.2f ulp)\n", p[0], p[1],
               p[2], p[3], p[4], m, em, s, es);
        ck_assert_msg(em <= 2.0 && es <= 4.0, "mix2 truth %zu: %.2f / %.2f ulp", i, em, es);
        mpfr_clears(w, v, mean, e2, t, (mpfr_ptr)0);
    }

    /* DATA against exact MPFR sums: a large mean with a small spread, huge
     * and tiny magnitudes, random normal data */
    static double big[1000], pattern[5] = {1e9 + 0.1, 1e9 + 0.2, 1e9 + 0.3, 1e9 + 0.4, 1e9 + 0.5};
    const double huge[] = {1e300, -1e300, 5e299, 1.7e308}, tiny[] = {1e-300, 3e-300, -2e-301};
    refit_test_rng rng;
    refit_test_rng_seed(&rng, seed_base(), 11);
    for (int i = 0; i < 1000; i++) big[i] = 1e8 + refit_test_rng_normal(&rng);
    struct {
        const double *x;
        size_t n;
    } sets[] = {{DATA7, DATA7_N}, {pattern, 5}, {huge, 4}, {tiny, 3}, {big, 1000}};
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) {
        refit_init_law law = law_data(sets[i].x, sets[i].n);
        double m, s, rm, rs;
        ck_assert_int_eq(refit_init_law_truth(&law, NULL, &m, &s), REFIT_OK);
        mp_data_truth(sets[i].x, sets[i].n, &rm, &rs);
        /* the mean to an ulp of the largest |value| scale, the sd to 4 ulps */
        double em = fabs(m - rm) / (DBL_EPSILON * fabs(rs)), es = fabs(s - rs) / (DBL_EPSILON * rs);
        printf("  data set %zu (n = %zu): mean %.17g (err %.2f eps sd), sd %.17g (%.2f eps)\n", i,
               sets[i].n, m, em, s, es);
        ck_assert_msg(fabs(m - rm) <= 2.0 * DBL_EPSILON * fabs(rm) + 8.0 * DBL_EPSILON * rs,
                      "data set %zu mean %.17g vs %.17g", i, m, rm);
        ck_assert_msg(es <= 8.0, "data set %zu sd %.17g vs %.17g (%.2f eps)", i, s, rs, es);
    }
}
END_TEST

/* ---- 3. the CDF ---------------------------------------------------------------- */

START_TEST(test_cdf_closed_forms)
{
    const double xs[] = {-40.0, -9.0, -3.0, -1.7320508075688772, -1.0, -0.25, -1e-9, 0.0,
                         1e-9,  0.3,  1.0,  1.7,                 2.0,  5.0,   12.0, 37.0};
    mpfr_t r, t;
    mpfr_inits2(PREC, r, t, (mpfr_ptr)0);
    double worst[5] = {0, 0, 0, 0, 0};
    for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) {
        double x = xs[i], F;
        /* NORMAL: erfc(-x/sqrt2)/2 */
        refit_init_law law = law_of(REFIT_INIT_NORMAL);
        ck_assert_int_eq(refit_init_law_cdf(&law, x, &F), REFIT_OK);
        mpfr_sqrt_ui(t, 2, MPFR_RNDN);
        mpfr_d_div(t, -x, t, MPFR_RNDN);
        mpfr_erfc(r, t, MPFR_RNDN);
        mpfr_div_2ui(r, r, 1, MPFR_RNDN);
        double e = refit_test_rel_error(F, r);
        if (mpfr_get_d(r, MPFR_RNDN) < 1e-300) /* underflow */
            e = fabs(F - mpfr_get_d(r, MPFR_RNDN));
        worst[0] = fmax(worst[0], e);
        ck_assert_msg(e <= 1e-14 * fmax(1.0, x * x), "normal cdf(%g) = %.17g rel err %.3g", x, F,
                      e);
        /* LAPLACE, b = 1/sqrt2: exp(sqrt2 x)/2 below 0 */
        law = law_of(REFIT_INIT_LAPLACE);
        ck_assert_int_eq(refit_init_law_cdf(&law, x, &F), REFIT_OK);
        mpfr_sqrt_ui(t, 2, MPFR_RNDN);
        mpfr_mul_d(t, t, -fabs(x), MPFR_RNDN);
        mpfr_exp(r, t, MPFR_RNDN);
        mpfr_div_2ui(r, r, 1, MPFR_RNDN);
        if (x > 0) mpfr_ui_sub(r, 1, r, MPFR_RNDN);
        e = refit_test_rel_error(F, r);
        worst[1] = fmax(worst[1], e);
        ck_assert_msg(e <= 4e-16 * fmax(1.0, fabs(x)), "laplace cdf(%g) = %.17g rel err %.3g",
                      x, F, e);
        /* UNIFORM on [-sqrt3, sqrt3] */
        law = law_of(REFIT_INIT_UNIFORM);
        ck_assert_int_eq(refit_init_law_cdf(&law, x, &F), REFIT_OK);
        mpfr_sqrt_ui(t, 3, MPFR_RNDN);
        mpfr_add_d(r, t, x, MPFR_RNDN);
        mpfr_div(r, r, t, MPFR_RNDN);
        mpfr_div_2ui(r, r, 1, MPFR_RNDN);
        if (mpfr_cmp_ui(r, 1) > 0) mpfr_set_ui(r, 1, MPFR_RNDN);
        if (mpfr_sgn(r) < 0) mpfr_set_ui(r, 0, MPFR_RNDN);
        e = fabs(F - mpfr_get_d(r, MPFR_RNDN));
        worst[2] = fmax(worst[2], e);
        ck_assert_msg(e <= 4e-16, "uniform cdf(%g) = %.17g abs err %.3g", x, F, e);
        /* MIX2 via erfc in MPFR, mean and sd in MPFR */
        law = law_mix(0.3, -1.0, 0.5, 2.0, 1.0);
        ck_assert_int_eq(refit_init_law_cdf(&law, x, &F), REFIT_OK);
        {
            /* mean 1.1, variance 2.665 exactly */
            mpfr_t sd, acc, z;
            mpfr_inits2(PREC, sd, acc, z, (mpfr_ptr)0);
            mpfr_set_str(sd, "2.665", 10, MPFR_RNDN);
            mpfr_sqrt(sd, sd, MPFR_RNDN);
            mpfr_set_ui(acc, 0, MPFR_RNDN);
            const double mk[2] = {-1.0, 2.0}, sk[2] = {0.5, 1.0};
            for (int k = 0; k < 2; k++) {
                /* w_k Phi((1.1 + sd x - mu_k) / sd_k) */
                mpfr_set_str(t, "1.1", 10, MPFR_RNDN);
                mpfr_mul_d(z, sd, x, MPFR_RNDN);
                mpfr_add(z, z, t, MPFR_RNDN);
                mpfr_sub_d(z, z, mk[k], MPFR_RNDN);
                mpfr_div_d(z, z, sk[k], MPFR_RNDN);
                mpfr_sqrt_ui(t, 2, MPFR_RNDN);
                mpfr_div(z, z, t, MPFR_RNDN);
                mpfr_neg(z, z, MPFR_RNDN);
                mpfr_erfc(z, z, MPFR_RNDN);
                mpfr_div_2ui(z, z, 1, MPFR_RNDN);
                mpfr_set_str(t, k == 0 ? "0.3" : "0.7", 10, MPFR_RNDN);
                mpfr_mul(z, z, t, MPFR_RNDN);
                mpfr_add(acc, acc, z, MPFR_RNDN);
            }
            e = refit_test_rel_error(F, acc);
            if (mpfr_get_d(acc, MPFR_RNDN) < 1e-300) e = fabs(F - mpfr_get_d(acc, MPFR_RNDN));
            worst[3] = fmax(worst[3], e);
            ck_assert_msg(e <= 2e-14 * fmax(1.0, x * x), "mix2 cdf(%g) = %.17g rel err %.3g", x,
                          F, e);
            mpfr_clears(sd, acc, z, (mpfr_ptr)0);
        }
        /* DATA: the empirical CDF of the standardised values (MPFR) */
        law = law_data(DATA7, DATA7_N);
        ck_assert_int_eq(refit_init_law_cdf(&law, x, &F), REFIT_OK);
        long double sv[DATA7_N];
        mp_standardise(DATA7, DATA7_N, sv);
        int below = 0;
        for (size_t j = 0; j < DATA7_N; j++) below += sv[j] <= (long double)x;
        ck_assert_msg(F == below / (double)DATA7_N, "data cdf(%g) = %g, want %d/7", x, F, below);
    }
    /* the data CDF jumps exactly at the standardised values */
    {
        refit_init_law law = law_data(DATA7, DATA7_N);
        long double sv[DATA7_N];
        mp_standardise(DATA7, DATA7_N, sv);
        double F1, F0;
        ck_assert_int_eq(refit_init_law_cdf(&law, (double)sv[4] * (1 + 1e-12), &F1), REFIT_OK);
        ck_assert_int_eq(refit_init_law_cdf(&law, (double)sv[4] * (1 - 1e-12), &F0), REFIT_OK);
        ck_assert_msg(F1 == 1.0 && F0 == 6.0 / 7.0, "data cdf around the largest value: %g %g", F0,
                      F1);
    }
    printf("  closed-form CDFs, worst relative error: normal %.3g, laplace %.3g, uniform (abs) "
           "%.3g, mix2 %.3g\n",
           worst[0], worst[1], worst[2], worst[3]);
    mpfr_clears(r, t, (mpfr_ptr)0);
}
END_TEST

START_TEST(test_cdf_student)
{
    /* nu across the continued fraction (nu < 1000) and the large-nu
     * expansion, both sides of the switch; x from the centre to the tail */
    const double nus[] = {2.0001, 2.5, 3.0, 4.5, 7.3, 30.0, 250.0, 999.0, 1001.0, 1e4, 1e6, 1e9};
    const double xs[] = {-1e-7, -0.3, -1.0, -2.5, -6.0, -15.0, -37.0, -300.0, -1e4, -1e8};
    double worst = 0.0, worst_nu = 0.0, worst_x = 0.0;
    int points = 0;
    for (size_t i = 0; i < sizeof nus / sizeof nus[0]; i++) {
        refit_init_law law = law_student(nus[i]);
        for (size_t k = 0; k < sizeof xs / sizeof xs[0]; k++) {
            double x = xs[k], F, Fu;
            double ref = mp_student_lower(nus[i], x);
            ck_assert_int_eq(refit_init_law_cdf(&law, x, &F), REFIT_OK);
            ck_assert_int_eq(refit_init_law_cdf(&law, -x, &Fu), REFIT_OK);
            /* symmetry, and 1 - F(-x) to the absolute accuracy of doubles */
            ck_assert_msg(fabs(Fu - (1.0 - F)) <= 2.2e-16, "nu %g: F(%g) + F(%g) = 1 + %.3g",
                          nus[i], x, -x, Fu + F - 1.0);
            if (ref < 1e-300) {
                ck_assert_msg(F < 1e-290, "nu %g: F(%g) = %g, reference %g", nus[i], x, F, ref);
                continue;
            }
            double rel = fabs(F - ref) / ref;
            /* erfc / exp of arguments up to ~700: their conditioning */
            double tol = 2e-14 + 4e-16 * fmin(x * x, 1500.0);
            points++;
            if (rel > worst) {
                worst = rel;
                worst_nu = nus[i];
                worst_x = x;
            }
            ck_assert_msg(rel <= tol,
                          "student nu %g: F(%g) = %.17g, MPFR %.17g, rel err %.3g > %.3g",
                          nus[i], x, F, ref, rel, tol);
        }
    }
    printf("  student CDF vs MPFR series: %d points, worst relative error %.3g (nu %g, x %g)\n",
           points, worst, worst_nu, worst_x);

    /* enormous nu, where t^2/nu underflows: the normal CDF (t_nu - Phi = O(1/nu)) */
    const double huge_nu[] = {1e300, DBL_MAX};
    mpfr_t phi, arg;
    mpfr_inits2(PREC, phi, arg, (mpfr_ptr)0);
    for (int i = 0; i < 2; i++) {
        refit_init_law law = law_student(huge_nu[i]);
        const double xh[] = {-1e-30, -1e-5, -0.5, -2.0, -8.0, -30.0};
        for (int k = 0; k < 6; k++) {
            double F;
            ck_assert_int_eq(refit_init_law_cdf(&law, xh[k], &F), REFIT_OK);
            mpfr_sqrt_ui(arg, 2, MPFR_RNDN);
            mpfr_d_div(arg, -xh[k], arg, MPFR_RNDN);
            mpfr_erfc(phi, arg, MPFR_RNDN);
            mpfr_div_2ui(phi, phi, 1, MPFR_RNDN);
            double e = refit_test_rel_error(F, phi);
            ck_assert_msg(e <= 1e-14 + 4e-16 * xh[k] * xh[k],
                          "student nu %g: F(%g) = %.17g, Phi %.17g",
                          huge_nu[i], xh[k], F, mpfr_get_d(phi, MPFR_RNDN));
        }
    }
    mpfr_clears(phi, arg, (mpfr_ptr)0);

    /* nu = 3 closed form: F(t) = 1/2 + (theta + sin theta cos theta)/pi,
     * theta = atan(t / sqrt 3), t = x / sqrt(1/3) */
    refit_init_law law = law_student(3.0);
    mpfr_t th, r, t;
    mpfr_inits2(PREC, th, r, t, (mpfr_ptr)0);
    for (double x = -50.0; x <= 50.0; x += 0.37) {
        double F;
        ck_assert_int_eq(refit_init_law_cdf(&law, x, &F), REFIT_OK);
        mpfr_set_d(th, x, MPFR_RNDN); /* t / sqrt 3 = x sqrt 3 / sqrt 3 = x */
        mpfr_atan(th, th, MPFR_RNDN);
        mpfr_sin_cos(r, t, th, MPFR_RNDN);
        mpfr_mul(r, r, t, MPFR_RNDN);
        mpfr_add(r, r, th, MPFR_RNDN);
        mpfr_const_pi(t, MPFR_RNDN);
        mpfr_div(r, r, t, MPFR_RNDN);
        mpfr_add_d(r, r, 0.5, MPFR_RNDN);
        double e = refit_test_rel_error(F, r);
        ck_assert_msg(e <= 1e-14, "student nu=3 closed form: F(%g) = %.17g, rel err %.3g", x, F, e);
    }
    mpfr_clears(th, r, t, (mpfr_ptr)0);
}
END_TEST

/* ---- 4. the coupling constant c ---------------------------------------- */

typedef struct c_case {
    const char *name;
    refit_init_law law;
} c_case;

START_TEST(test_coupling_exact)
{
    double c;
    refit_init_law law = law_of(REFIT_INIT_NORMAL);
    ck_assert_int_eq(refit_init_law_w2_coupling(&law, &c), REFIT_OK);
    ck_assert(c == 1.0);
    law = law_of(REFIT_INIT_UNIFORM);
    ck_assert_int_eq(refit_init_law_w2_coupling(&law, &c), REFIT_OK);
    mpfr_t r, p;
    mpfr_inits2(PREC, r, p, (mpfr_ptr)0);
    mpfr_const_pi(p, MPFR_RNDN);
    mpfr_ui_div(r, 3, p, MPFR_RNDN);
    mpfr_sqrt(r, r, MPFR_RNDN);
    ck_assert_msg(refit_test_ulp_error(c, r) <= 0.5, "uniform c = %.17g", c);
    /* two values: sqrt(2/pi) whatever they are */
    const double two[] = {-7.0, 1e6};
    law = law_data(two, 2);
    ck_assert_int_eq(refit_init_law_w2_coupling(&law, &c), REFIT_OK);
    mpfr_ui_div(r, 2, p, MPFR_RNDN);
    mpfr_sqrt(r, r, MPFR_RNDN);
    ck_assert_msg(refit_test_ulp_error(c, r) <= 2.0, "two-point c = %.17g", c);
    mpfr_clears(r, p, (mpfr_ptr)0);
    /* large nu: 1 - c = 3/(16 nu^2) + O(nu^-3) (|O| ~ 0.7 nu^-3) */
    const double big_nu[] = {1e5, 1e7, 1e12};
    for (int i = 0; i < 3; i++) {
        law = law_student(big_nu[i]);
        ck_assert_int_eq(refit_init_law_w2_coupling(&law, &c), REFIT_OK);
        double want = 1.0 - 3.0 / (16.0 * big_nu[i] * big_nu[i]);
        printf("  student nu=%g: c = %.17g, 1 - 3/(16 nu^2) = %.17g, diff %.3g\n", big_nu[i], c,
               want, c - want);
        ck_assert_msg(fabs(c - want) <= 3e-15, "student nu %g: c = %.17g, want %.17g", big_nu[i],
                      c, want);
    }
}
END_TEST

START_TEST(test_coupling_quadrature)
{
    const c_case cases[] = {
        {"laplace", law_of(REFIT_INIT_LAPLACE)},
        {"student nu=2.05", law_student(2.05)},
        {"student nu=2.5", law_student(2.5)},
        {"student nu=3", law_student(3.0)},
        {"student nu=4.5", law_student(4.5)},
        {"student nu=10", law_student(10.0)},
        {"student nu=30", law_student(30.0)},
        {"mix2 0.3,-1,0.5,2,1", law_mix(0.3, -1.0, 0.5, 2.0, 1.0)},
        {"mix2 0.9,0,1,0,5", law_mix(0.9, 0.0, 1.0, 0.0, 5.0)},
        {"mix2 0.5,-5,1,5,1", law_mix(0.5, -5.0, 1.0, 5.0, 1.0)},
        {"mix2 0.02,0,1,30,0.1", law_mix(0.02, 0.0, 1.0, 30.0, 0.1)},
        {"mix2 0.5,0,1,1e6,1", law_mix(0.5, 0.0, 1.0, 1e6, 1.0)},
        {"mix2 1e-6,0,1,0,1e3", law_mix(1e-6, 0.0, 1.0, 0.0, 1e3)},
        {"mix2 0.999,0,1,3,0.01", law_mix(0.999, 0.0, 1.0, 3.0, 0.01)},
    };
    double worst = 0.0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double c;
        long double qerr;
        ck_assert_int_eq(refit_init_law_w2_coupling(&cases[i].law, &c), REFIT_OK);
        long double ref = c_reference(&cases[i].law, &qerr);
        double diff = (double)((long double)c - ref);
        printf("  c %-22s = %.17g  reference %.19Lf  diff %+.3g  (reference h vs h/2: %.2Lg)\n",
               cases[i].name, c, ref, diff, qerr);
        fflush(stdout);
        worst = fmax(worst, fabs(diff));
        ck_assert_msg(qerr < 1e-16L, "%s: reference quadrature not converged (%Lg)", cases[i].name,
                      qerr);
        ck_assert_msg(fabs(diff) <= 1e-13, "%s: c = %.17g vs %.19Lf", cases[i].name, c, ref);
        ck_assert(c > 0.0 && c <= 1.0);
    }
    printf("  c by quadrature: worst |c - reference| = %.3g\n", worst);
}
END_TEST

/* DATA: c = int z x(z) phi(z) dz with x(z) = x_(j) on (z_{j-1}, z_j],
 * z_j = Phi^{-1}(j/N), integrated numerically piece by piece. */
static long double c_data_reference(const double *x, size_t n)
{
    long double *s = malloc(n * sizeof *s);
    ck_assert_ptr_nonnull(s);
    mp_standardise(x, n, s);
    /* sort (insertion: n is small) */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && s[j] < s[j - 1]; j--) {
            long double t = s[j];
            s[j] = s[j - 1];
            s[j - 1] = t;
        }
    long double sum = 0.0L, zlo = -40.0L;
    for (size_t j = 1; j <= n; j++) {
        long double zhi;
        if (j == n)
            zhi = 40.0L;
        else if (2 * j <= n)
            zhi = ld_Phi_inv_lower((long double)j / (long double)n);
        else
            zhi = -ld_Phi_inv_lower((long double)(n - j) / (long double)n);
        sum += s[j - 1] * tanh_sinh(z_phi, NULL, zlo, zhi);
        zlo = zhi;
    }
    free(s);
    return sum;
}

START_TEST(test_coupling_data)
{
    static double normal_data[301], skewed[64];
    refit_test_rng rng;
    refit_test_rng_seed(&rng, seed_base(), 21);
    for (int i = 0; i < 301; i++) normal_data[i] = 5.0 + 2.0 * refit_test_rng_normal(&rng);
    for (int i = 0; i < 64; i++) skewed[i] = exp(refit_test_rng_normal(&rng)); /* lognormal */
    const double ties[] = {1.0, 1.0, 1.0, 2.0, 2.0, 9.0};
    struct {
        const char *name;
        const double *x;
        size_t n;
    } sets[] = {{"data7", DATA7, DATA7_N},
                {"ties", ties, 6},
                {"normal 301", normal_data, 301},
                {"lognormal 64", skewed, 64}};
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) {
        refit_init_law law = law_data(sets[i].x, sets[i].n);
        double c;
        ck_assert_int_eq(refit_init_law_w2_coupling(&law, &c), REFIT_OK);
        long double ref = c_data_reference(sets[i].x, sets[i].n);
        double diff = (double)((long double)c - ref);
        printf("  c %-22s = %.17g  reference %.19Lf  diff %+.3g\n", sets[i].name, c, ref, diff);
        ck_assert_msg(fabs(diff) <= 1e-14, "%s: c = %.17g vs %.19Lf", sets[i].name, c, ref);
    }
}
END_TEST

/* ---- 5. the W2 identity ---------------------------------------------------- */

/* W2^2 by quadrature over z: E[(m + s Z - mean - sd q(Phi(Z)))^2], q the
 * standardised quantile computed by the test (closed forms; the mixture by
 * bisection on its own CDF). */
typedef struct w2_ctx {
    const ref_law *L;
    refit_init_kind kind;
    long double m, s, mean, sd, sign;
} w2_ctx;

static long double ref_quantile_tail(const ref_law *L, int upper, long double p)
{
    /* the x with tail(x) = p; tails are monotone */
    long double lo = -60.0L, hi = 60.0L;
    for (int i = 0; i < 100; i++) {
        long double mid = 0.5L * (lo + hi);
        long double T = ref_tail(L, upper, mid);
        if (upper ? T > p : T < p)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5L * (lo + hi);
}

static long double w2_integrand(long double z, const void *vctx)
{
    const w2_ctx *c = vctx;
    long double zz = c->sign * z, Q = ld_Phi(-fabsl(zz)), q; /* Q = tail prob of |zz| */
    switch (c->kind) {
    case REFIT_INIT_UNIFORM: q = sqrtl(3.0L) * (2.0L * ld_Phi(zz) - 1.0L); break;
    case REFIT_INIT_LAPLACE:
        q = -logl(2.0L * Q) / sqrtl(2.0L);
        if (zz < 0) q = -q;
        break;
    default: q = zz >= 0 ? ref_quantile_tail(c->L, 1, Q) : ref_quantile_tail(c->L, 0, Q); break;
    }
    long double d = c->m + c->s * zz - c->mean - c->sd * q;
    return d * d * ld_phi(zz);
}

START_TEST(test_w2_identity)
{
    refit_model model = refit_model_default();
    model.mu = 0.75;
    model.sigma = 2.0;
    const refit_init_law laws[] = {law_of(REFIT_INIT_UNIFORM), law_of(REFIT_INIT_LAPLACE),
                                   law_mix(0.3, -1.0, 0.5, 2.0, 1.0)};
    const double ms[][2] = {{0.75, 2.0}, {0.3, 0.7}, {-2.0, 1.5}, {5.0, 0.01}};
    double worst = 0.0;
    for (int i = 0; i < 3; i++) {
        double mean, sd, c;
        ck_assert_int_eq(refit_init_law_truth(&laws[i], &model, &mean, &sd), REFIT_OK);
        ck_assert_int_eq(refit_init_law_w2_coupling(&laws[i], &c), REFIT_OK);
        ref_law L = ref_law_make(&laws[i]);
        for (int k = 0; k < 4; k++) {
            double m = ms[k][0], s = ms[k][1];
            w2_ctx ctx = {&L, laws[i].kind, m, s, mean, sd, 1.0L};
            /* z in (0, 40) and (-40, 0), the integrand smooth on each; unit
             * pieces up to 10 (the mixture's quantile has complex
             * singularities near the real axis: keep the nodes dense) */
            long double num = 0.0L;
            for (int sg = 0; sg < 2; sg++) {
                ctx.sign = sg ? -1.0L : 1.0L;
                for (int piece = 0; piece < 10; piece++)
                    num += tanh_sinh(w2_integrand, &ctx, piece, piece + 1.0L);
                num += tanh_sinh(w2_integrand, &ctx, 10.0L, 40.0L);
            }
            double formula = (m - mean) * (m - mean) + s * s + sd * sd - 2.0 * s * sd * c;
            double rel = fabs((double)(((long double)formula - num) / num));
            worst = fmax(worst, rel);
            printf("  W2^2(N(%g, %g^2), %s D0): formula %.17g, quadrature %.17Lg, rel %.3g\n", m,
                   s, i == 0 ? "uniform" : i == 1 ? "laplace" : "mix2", formula, num, rel);
            ck_assert_msg(rel <= 1e-12, "W2 identity law %d (m %g, s %g): %.17g vs %.17Lg", i, m,
                          s, formula, num);
        }
    }
    printf("  W2 identity: worst relative difference %.3g\n", worst);
}
END_TEST

/* ---- 6. draws: reproducibility, chunking, ISA, layout --------------------- */

START_TEST(test_draw_reproducible)
{
    const size_t n = 1100;
    const uint64_t seed = seed_base() + 5, first = 77;
    double *a = xalloc(n), *b = xalloc(n), *c = xalloc(n);
    int k = _i;
    refit_init_law law = case_law(&CASES[k]);
    ck_assert_int_eq(refit_init_law_draw(&law, REFIT_ISA_SCALAR, seed, 3, 9, first, n, a),
                     REFIT_OK);
    ck_assert_int_eq(refit_init_law_draw(&law, REFIT_ISA_SCALAR, seed, 3, 9, first, n, b),
                     REFIT_OK);
    ck_assert_msg(memcmp(a, b, n * sizeof *a) == 0, "%s: not reproducible", CASES[k].name);
    for (size_t i = 0; i < n; i++)
        if (!isfinite(a[i])) ck_abort_msg("%s: draw %zu = %g", CASES[k].name, i, a[i]);
    /* chunked: boundaries inside and across the library's 256-draw chunks */
    const size_t cuts[] = {0, 1, 2, 255, 256, 257, 600, 1099, 1100};
    for (size_t i = 0; i + 1 < sizeof cuts / sizeof cuts[0]; i++)
        ck_assert_int_eq(refit_init_law_draw(&law, REFIT_ISA_SCALAR, seed, 3, 9, first + cuts[i],
                                             cuts[i + 1] - cuts[i], c + cuts[i]),
                         REFIT_OK);
    ck_assert_msg(memcmp(a, c, n * sizeof *a) == 0, "%s: chunked draws differ", CASES[k].name);
    /* every supported ISA */
    for (int isa = 0; isa < REFIT_ISA_COUNT; isa++) {
        if (!refit_isa_supported((refit_isa)isa)) continue;
        ck_assert_int_eq(refit_init_law_draw(&law, (refit_isa)isa, seed, 3, 9, first, n, c),
                         REFIT_OK);
        ck_assert_msg(memcmp(a, c, n * sizeof *a) == 0, "%s: isa %s differs", CASES[k].name,
                      refit_isa_name((refit_isa)isa));
    }
    /* another seed, chain or generation: another sample (the DATA law has
     * 6 distinct values, so some draws agree by chance) */
    const uint64_t other[3][3] = {{seed + 1, 3, 9}, {seed, 4, 9}, {seed, 3, 10}};
    for (int j = 0; j < 3; j++) {
        ck_assert_int_eq(refit_init_law_draw(&law, REFIT_ISA_SCALAR, other[j][0],
                                             (uint32_t)other[j][1], (uint32_t)other[j][2], first,
                                             n, c),
                         REFIT_OK);
        size_t same = 0;
        for (size_t i = 0; i < n; i++) same += a[i] == c[i];
        ck_assert_msg(same < n / 3, "%s: address change %d leaves %zu of %zu draws equal",
                      CASES[k].name, j, same, n);
    }
    free(a);
    free(b);
    free(c);
}
END_TEST

START_TEST(test_draw_layout)
{
    /* NORMAL is the kernel's normal j of the INIT stream; UNIFORM, LAPLACE,
     * DATA map the kernel's uniform j (docs/init-laws.md) */
    const size_t n = 300;
    double x[300], u[300];
    refit_init_law law = law_of(REFIT_INIT_NORMAL);
    ck_assert_int_eq(refit_init_law_draw(&law, REFIT_ISA_SCALAR, 42, 7, 1, 11, n, x), REFIT_OK);
    ck_assert_int_eq(refit_kernel_normals(REFIT_ISA_SCALAR, 42, REFIT_STREAM_INIT, 7, 1, 11, n, u),
                     REFIT_OK);
    ck_assert(memcmp(x, u, sizeof x) == 0);
    ck_assert_int_eq(refit_kernel_uniforms(REFIT_ISA_SCALAR, 42, REFIT_STREAM_INIT, 7, 1, 11, n,
                                           u),
                     REFIT_OK);
    law = law_of(REFIT_INIT_UNIFORM);
    ck_assert_int_eq(refit_init_law_draw(&law, REFIT_ISA_SCALAR, 42, 7, 1, 11, n, x), REFIT_OK);
    for (size_t i = 0; i < n; i++) {
        long double want = sqrtl(3.0L) * (2.0L * u[i] - 1.0L);
        ck_assert_msg(fabsl(x[i] - want) <= 4e-16L, "uniform %zu: %.17g vs %.17Lg", i, x[i], want);
    }
    law = law_of(REFIT_INIT_LAPLACE);
    ck_assert_int_eq(refit_init_law_draw(&law, REFIT_ISA_SCALAR, 42, 7, 1, 11, n, x), REFIT_OK);
    for (size_t i = 0; i < n; i++) {
        long double v = u[i] < 0.5 ? logl(2.0L * u[i]) : -logl(2.0L * (1.0L - u[i]));
        long double want = v / sqrtl(2.0L);
        ck_assert_msg(fabsl(x[i] - want) <= 4e-16L * (1.0L + fabsl(want)), "laplace %zu", i);
    }
    law = law_data(DATA7, DATA7_N);
    long double sv[DATA7_N];
    mp_standardise(DATA7, DATA7_N, sv);
    ck_assert_int_eq(refit_init_law_draw(&law, REFIT_ISA_SCALAR, 42, 7, 1, 11, n, x), REFIT_OK);
    for (size_t i = 0; i < n; i++) {
        size_t idx = (size_t)(u[i] * DATA7_N);
        ck_assert_msg(fabsl(x[i] - sv[idx]) <= 4e-15L, "data %zu: %.17g vs value %zu", i, x[i],
                      idx);
    }
}
END_TEST

/* ---- 7. draws: the law ------------------------------------------------- */

/* Exact raw moments mu_0..mu_8 of the standardised law (MPFR). */
static void exact_moments(const stat_case *sc, double mu[9])
{
    mpfr_t r, t, g;
    mpfr_inits2(PREC, r, t, g, (mpfr_ptr)0);
    for (int k = 0; k <= 8; k++) mu[k] = (k % 2 == 0) ? NAN : 0.0;
    mu[0] = 1.0;
    switch (sc->kind) {
    case REFIT_INIT_NORMAL:
        mu[2] = 1, mu[4] = 3, mu[6] = 15, mu[8] = 105;
        break;
    case REFIT_INIT_LAPLACE: /* (2k)! b^(2k), b^2 = 1/2 */
        mu[2] = 1, mu[4] = 6, mu[6] = 90, mu[8] = 2520;
        break;
    case REFIT_INIT_UNIFORM: /* 3^k / (2k+1) */
        mu[2] = 1, mu[4] = 9.0 / 5.0, mu[6] = 27.0 / 7.0, mu[8] = 9.0;
        break;
    case REFIT_INIT_STUDENT:
        /* mu_2k = (nu-2)^k Gamma(k+1/2) Gamma(nu/2-k) / (sqrt(pi) Gamma(nu/2)), 2k < nu */
        for (int k = 1; 2 * k < sc->nu && k <= 4; k++) {
            mpfr_set_d(r, sc->nu - 2.0, MPFR_RNDN);
            mpfr_pow_ui(r, r, (unsigned long)k, MPFR_RNDN);
            mpfr_set_d(t, k + 0.5, MPFR_RNDN);
            mpfr_gamma(t, t, MPFR_RNDN);
            mpfr_mul(r, r, t, MPFR_RNDN);
            mpfr_set_d(t, 0.5 * sc->nu - k, MPFR_RNDN);
            mpfr_gamma(t, t, MPFR_RNDN);
            mpfr_mul(r, r, t, MPFR_RNDN);
            mpfr_set_d(t, 0.5 * sc->nu, MPFR_RNDN);
            mpfr_gamma(t, t, MPFR_RNDN);
            mpfr_const_pi(g, MPFR_RNDN);
            mpfr_sqrt(g, g, MPFR_RNDN);
            mpfr_mul(t, t, g, MPFR_RNDN);
            mpfr_div(r, r, t, MPFR_RNDN);
            mu[2 * k] = mpfr_get_d(r, MPFR_RNDN);
        }
        break;
    case REFIT_INIT_MIX2: {
        /* standardised components c_i + t_i Z: E (c + tZ)^k = sum_j C(k,j) c^(k-j) t^j E Z^j */
        mpfr_t m, v, ci, ti, acc, term;
        mpfr_inits2(PREC, m, v, ci, ti, acc, term, (mpfr_ptr)0);
        const double w[2] = {sc->w, 1.0 - sc->w}, mus[2] = {sc->mu1, sc->mu2},
                     sds[2] = {sc->sd1, sc->sd2};
        mpfr_set_ui(m, 0, MPFR_RNDN);
        mpfr_set_ui(v, 0, MPFR_RNDN);
        for (int i = 0; i < 2; i++) {
            mpfr_set_d(t, mus[i], MPFR_RNDN);
            mpfr_mul_d(t, t, w[i], MPFR_RNDN);
            mpfr_add(m, m, t, MPFR_RNDN);
            mpfr_set_d(t, mus[i], MPFR_RNDN);
            mpfr_sqr(t, t, MPFR_RNDN);
            mpfr_set_d(g, sds[i], MPFR_RNDN);
            mpfr_sqr(g, g, MPFR_RNDN);
            mpfr_add(t, t, g, MPFR_RNDN);
            mpfr_mul_d(t, t, w[i], MPFR_RNDN);
            mpfr_add(v, v, t, MPFR_RNDN);
        }
        mpfr_sqr(t, m, MPFR_RNDN);
        mpfr_sub(v, v, t, MPFR_RNDN);
        mpfr_sqrt(v, v, MPFR_RNDN);
        const double zmom[9] = {1, 0, 1, 0, 3, 0, 15, 0, 105};
        for (int k = 1; k <= 8; k++) {
            mpfr_set_ui(acc, 0, MPFR_RNDN);
            for (int i = 0; i < 2; i++) {
                mpfr_set_d(ci, mus[i], MPFR_RNDN);
                mpfr_sub(ci, ci, m, MPFR_RNDN);
                mpfr_div(ci, ci, v, MPFR_RNDN);
                mpfr_set_d(ti, sds[i], MPFR_RNDN);
                mpfr_div(ti, ti, v, MPFR_RNDN);
                double binom = 1.0;
                for (int j = 0; j <= k; j++) {
                    if (j > 0) binom = binom * (k - j + 1) / j;
                    if (zmom[j] == 0.0) continue;
                    mpfr_pow_ui(term, ci, (unsigned long)(k - j), MPFR_RNDN);
                    mpfr_pow_ui(t, ti, (unsigned long)j, MPFR_RNDN);
                    mpfr_mul(term, term, t, MPFR_RNDN);
                    mpfr_mul_d(term, term, binom * zmom[j] * w[i], MPFR_RNDN);
                    mpfr_add(acc, acc, term, MPFR_RNDN);
                }
            }
            mu[k] = mpfr_get_d(acc, MPFR_RNDN);
        }
        mpfr_clears(m, v, ci, ti, acc, term, (mpfr_ptr)0);
        break;
    }
    case REFIT_INIT_DATA: {
        long double sv[DATA7_N];
        mp_standardise(DATA7, DATA7_N, sv);
        for (int k = 1; k <= 8; k++) {
            long double acc = 0.0L;
            for (size_t i = 0; i < DATA7_N; i++) acc += powl(sv[i], k);
            mu[k] = (double)(acc / DATA7_N);
        }
        break;
    }
    }
    mpfr_clears(r, t, g, (mpfr_ptr)0);
}

#define NB_EDGES 129 /* edges -8, -7.875, ..., 8: cells (lo, hi] */
#define CELL_MIN_EXPECTED 1000.0

static int cell_of(double x)
{
    if (x <= -8.0) return 0;
    if (x > 8.0) return NB_EDGES;
    int k = (int)ceil((x + 8.0) * 8.0);
    if (k < 1) k = 1;
    if (k > NB_EDGES - 1) k = NB_EDGES - 1;
    while (k > 1 && x <= -8.0 + (k - 1) / 8.0) k--;
    while (k < NB_EDGES - 1 && x > -8.0 + k / 8.0) k++;
    return k;
}

START_TEST(test_draw_law)
{
    const int k = _i;
    const stat_case *sc = &CASES[k];
    refit_init_law law = case_law(sc);
    const uint64_t seed = seed_base() + 100 + (uint64_t)k;
    const size_t chunks = 16, per = ((size_t)1 << 16) * (size_t)refit_test_scale();
    const size_t n = chunks * per;
    double *x = xalloc(n);
    int nfail = 0;
    char what[128], detail[160];

    printf("%s (n = %zu):\n", sc->name, n);
    for (size_t i = 0; i < chunks; i++) {
        uint32_t chain = (uint32_t)(1000003u * i + 7u), gen = (uint32_t)(3u * i);
        uint64_t first = (i % 4) * 5000u;
        refit_status st = refit_init_law_draw(&law, refit_isa_best(), seed, chain, gen, first, per,
                                              x + i * per);
        ck_assert_msg(st == REFIT_OK, "%s: draw: %s", sc->name, refit_strerror(st));
    }

    /* moments */
    double mu[9];
    exact_moments(sc, mu);
    for (int m = 1; m <= sc->moments; m++) {
        refit_test_csum s = {0.0, 0.0};
        for (size_t i = 0; i < n; i++) {
            double p = x[i];
            for (int j = 1; j < m; j++) p *= x[i];
            refit_test_csum_add(&s, p);
        }
        double mk = refit_test_csum_get(&s) / (double)n;
        double var = mu[2 * m] - mu[m] * mu[m];
        ck_assert_msg(isfinite(var) && var > 0, "%s: moment %d variance %g", sc->name, m, var);
        snprintf(what, sizeof what, "%s: m%d = %.6f (exact %.6f)", sc->name, m, mk, mu[m]);
        nfail += check_z(what, (mk - mu[m]) / sqrt(var / (double)n), seed);
    }

    /* chi-square on cells (lo, hi] */
    double edgeF[NB_EDGES], prob[NB_EDGES + 1];
    double count[NB_EDGES + 1];
    for (int e = 0; e < NB_EDGES; e++)
        ck_assert_int_eq(refit_init_law_cdf(&law, -8.0 + e / 8.0, &edgeF[e]), REFIT_OK);
    prob[0] = edgeF[0];
    for (int e = 1; e < NB_EDGES; e++) prob[e] = edgeF[e] - edgeF[e - 1];
    prob[NB_EDGES] = 1.0 - edgeF[NB_EDGES - 1];
    memset(count, 0, sizeof count);
    for (size_t i = 0; i < n; i++) count[cell_of(x[i])] += 1.0;
    double chi = 0.0, pg = 0.0, cg = 0.0;
    int groups = 0;
    for (int e = 0; e <= NB_EDGES; e++) {
        pg += prob[e];
        cg += count[e];
        /* close a group once it expects enough (the rest joins the last) */
        double rest = 0.0;
        for (int f = e + 1; f <= NB_EDGES; f++) rest += prob[f];
        if ((pg * (double)n >= CELL_MIN_EXPECTED && rest * (double)n >= CELL_MIN_EXPECTED) ||
            e == NB_EDGES) {
            double ex = pg * (double)n;
            ck_assert_msg(ex > 0.0 || cg == 0.0, "%s: %g draws where the law has none", sc->name,
                          cg);
            if (ex > 0.0) {
                chi += (cg - ex) * (cg - ex) / ex;
                groups++;
            }
            pg = cg = 0.0;
        }
    }
    double df = groups - 1;
    snprintf(what, sizeof what, "%s: chi-square", sc->name);
    snprintf(detail, sizeof detail, "%d cells", groups);
    nfail += check_p(what, chi, refit_test_chisq_sf(df, chi), detail, seed);

    /* Kolmogorov-Smirnov against the library CDF */
    qsort(x, n, sizeof *x, cmp_double);
    double d = 0.0;
    for (size_t i = 0; i < n;) {
        /* ties (DATA): compare once at the end of a run of equal values */
        size_t j = i;
        while (j + 1 < n && x[j + 1] == x[i]) j++;
        /* (no ck_assert in the hot loops: Check reports every passing
         * assertion to its parent process) */
        double F, Fminus;
        if (refit_init_law_cdf(&law, x[i], &F) != REFIT_OK) ck_abort_msg("cdf(%g) failed", x[i]);
        Fminus = F;
        /* DATA: the CDF just below the atom too, so that the empirical
         * step is compared on both sides of it */
        if (sc->kind == REFIT_INIT_DATA &&
            refit_init_law_cdf(&law, nextafter(x[i], -INFINITY), &Fminus) != REFIT_OK)
            ck_abort_msg("cdf below %g failed", x[i]);
        double up = (double)(j + 1) / (double)n - F, down = Fminus - (double)i / (double)n;
        d = fmax(d, fmax(up, down));
        i = j + 1;
    }
    double t = sqrt((double)n) * d;
    snprintf(what, sizeof what, "%s: Kolmogorov-Smirnov sqrt(n) D", sc->name);
    snprintf(detail, sizeof detail, "D = %.3g", d);
    nfail += check_p(what, t, refit_test_kolmogorov_sf(t), detail, seed);
    free(x);
    ck_assert_msg(nfail == 0, "%s: %d statistical check(s) failed (seed %llu)", sc->name, nfail,
                  (unsigned long long)seed);
}
END_TEST

START_TEST(test_student_fallback_unlikely)
{
    /* Bailey's polar method rejects 21% of attempts, so retries happen all
     * the time; the documented fallback after 64 rejections in a row (the
     * value 0, probability < 1e-42 per draw) must never be seen, and no
     * accepted draw is 0 (U is never 0).  A retry that reused the rejected
     * block would reject forever and give 0 for 21% of the draws. */
    refit_init_law law = law_student(3.5);
    const size_t n = (size_t)1 << 16;
    double *x = xalloc(n);
    ck_assert_int_eq(refit_init_law_draw(&law, REFIT_ISA_SCALAR, seed_base() + 9, 1, 2, 0, n, x),
                     REFIT_OK);
    for (size_t i = 0; i < n; i++)
        if (x[i] == 0.0) ck_abort_msg("student draw %zu is 0", i);
    free(x);
}
END_TEST

static Suite *sim_init_suite(void)
{
    Suite *s = suite_create("sim_init");
    int timeout = 300 * refit_test_scale();
    TCase *tc_api = tcase_create("api");
    TCase *tc_cdf = tcase_create("cdf");
    TCase *tc_c = tcase_create("coupling");
    TCase *tc_draw = tcase_create("draws");
    TCase *all[4] = {tc_api, tc_cdf, tc_c, tc_draw};
    for (int i = 0; i < 4; i++) {
        tcase_set_timeout(all[i], timeout);
        suite_add_tcase(s, all[i]);
    }
    tcase_add_test(tc_api, test_validate);
    tcase_add_test(tc_api, test_truth);
    tcase_add_test(tc_cdf, test_cdf_closed_forms);
    tcase_add_test(tc_cdf, test_cdf_student);
    tcase_add_test(tc_c, test_coupling_exact);
    tcase_add_test(tc_c, test_coupling_quadrature);
    tcase_add_test(tc_c, test_coupling_data);
    tcase_add_test(tc_c, test_w2_identity);
    tcase_add_loop_test(tc_draw, test_draw_reproducible, 0, N_STAT_CASES);
    tcase_add_test(tc_draw, test_draw_layout);
    tcase_add_test(tc_draw, test_student_fallback_unlikely);
    tcase_add_loop_test(tc_draw, test_draw_law, 0, N_STAT_CASES);
    return s;
}

int main(void)
{
    int failed;
    SRunner *sr = srunner_create(sim_init_suite());
    printf("sim_init: %d statistical checks, family-wise false-alarm %.0e (Bonferroni): alpha = "
           "%.3g each, z* = %.3f; seed base %llu, scale %d, isa for the statistics %s\n",
           C_TOTAL, FAMILY_ALPHA, alpha_each(), refit_test_z_star(alpha_each()),
           (unsigned long long)seed_base(), refit_test_scale(), refit_isa_name(refit_isa_best()));
    fflush(stdout);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
