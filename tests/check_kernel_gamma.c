/* The exact sufficient-statistic sampler (kernels/gamma*.c): Gamma variates
 * and the O(1) refit per chain.
 *
 * 1. Cross-ISA identity: every supported variant gives the scalar
 *    reference's bits (FNV-1a hashes and a bytewise comparison of long
 *    outputs: many chains, odd counts, chains at the top of the counter
 *    range, shapes from 2^-10 to 2^40, M from 2 to 2^53, NULL outputs).
 *    An ISA this CPU lacks is skipped with a message.
 * 2. Goodness of fit of ln G against the exact Gamma CDF.  The reference
 *    P(a, x) = x^a e^-x / Gamma(a+1) sum_n x^n / ((a+1)...(a+n)) is summed
 *    in MPFR (160 bits; all terms positive, truncated once below 2^-170 of
 *    the sum); it is checked against mpfr_gamma_inc (the upper incomplete
 *    gamma) where that is fast, and used everywhere because mpfr_gamma_inc
 *    takes minutes at a = 1e6.  Per shape, 128 bins in ln G with edges near
 *    equiprobable quantiles (Wilson-Hilferty or the small-x law, refined by
 *    Newton steps on the exact CDF) and exact bin probabilities from MPFR:
 *    a chi-square test (127 df, p-value from mpfr_gamma_inc) and a
 *    Kolmogorov-Smirnov test on the 127 edges, whose statistic is at most
 *    the full KS statistic, so the Dvoretzky-Kiefer-Wolfowitz-Massart bound
 *    P(D > e) <= 2 exp(-2 N e^2) is a valid (conservative) finite-N
 *    threshold.  Shapes 2^-10, 0.01, 0.1, 0.5, 1, 1.5, 2.5, 7.3, 30, 1e3,
 *    1e6; suffstat's G for M = 2, 3, 10.  Shape 2^40 and M = 2^53 (shape
 *    2^52 - 1/2), where no series is practical, are tested on the
 *    standardised value against the Edgeworth-corrected normal CDF
 *    Phi(z) - (skew/6)(z^2 - 1) phi(z), whose error is O(1/a) < 1e-12.
 * 3. suffstat moments, per M in {2,3,4,10,100,1e6,2^53} and both
 *    estimators (each with its own generation): E var = k/D (exact se
 *    sqrt(2k)/D/sqrt(N)), Var var = 2k/D^2 (M >= 4), E[M mean^2] = 1,
 *    corr(mean, var) = corr(mean^2, var) = 0 (z = r sqrt(N)), and
 *    E log_var = psi(k/2) + ln(2/D) (MPFR digamma); log_var = ln var and
 *    suffstat's G = exp(log_gamma_variates(stream SUFFSTAT)) to rounding.
 * 4. h(y) of the acceptance test against MPFR, large shapes included.
 * 5. Domain and argument errors.
 *
 * Multiple testing: the C statistical checks (printed) share a family-wise
 * false-alarm probability of 1e-4 by Bonferroni: chi-square and z-tests at
 * 1e-4 / C each, KS by the DKW bound at 1e-4 / C.  Seeds are fixed
 * (REFIT_TEST_SEED overrides) and printed on failure; REFIT_TEST_SCALE
 * multiplies the sample sizes.  The statistics use the scalar reference
 * (the specification); the other ISAs are bitwise equal to it by (1).
 * Power: tests/mutants/kernels_gamma.txt.  (Per-element checks use
 * ck_abort_msg: ck_assert writes to Check's pipe on every call.)
 */
#include <check.h>
#include <float.h>
#include <math.h>
#include <mpfr.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../kernels/gamma_impl.h"
#include "refit/kernels.h"
#include "test_mp.h"
#include "test_rng.h"
#include "test_ulp.h"

#define G_FAMILY_ALPHA 1e-4
#define G_BINS 128
#define G_PREC 160
#define G_DEFAULT_SEED UINT64_C(0x6a3e5eed0b00575e)
#define G_N_GOF 400000
#define G_N_MOM 200000

static uint64_t g_seed(void) { return refit_test_env_u64("REFIT_TEST_SEED", G_DEFAULT_SEED); }
static size_t g_n(size_t base) { return base * (size_t)refit_test_scale(); }

static const double LGV_SHAPES[] = {0x1p-10, 0.01, 0.1, 0.5, 1.0, 1.5, 2.5, 7.3, 30.0, 1e3, 1e6};
#define N_LGV_SHAPES (sizeof LGV_SHAPES / sizeof LGV_SHAPES[0])
static const uint64_t SUFF_GOF_M[] = {2, 3, 10};
#define N_SUFF_GOF 3
static const uint64_t MOM_M[] = {2, 3, 4, 10, 100, 1000000, UINT64_C(1) << 53};
#define N_MOM_M 7
#define N_MOM_CHECKS 6
/* normal-approximation GOF: shape 2^40, suffstat var at M = 2^53, the mean */
#define N_NORMAL_GOF 3

static int family_size(void)
{
    return 2 * (int)N_LGV_SHAPES + 2 * N_SUFF_GOF + 2 * N_NORMAL_GOF +
           N_MOM_M * 2 * N_MOM_CHECKS;
}
static double alpha_each(void) { return G_FAMILY_ALPHA / family_size(); }

/* Two-sided normal critical value: P(|Z| > z) = alpha (bisection on erfc). */
static double z_crit(double alpha)
{
    double lo = 0.0, hi = 40.0;
    for (int i = 0; i < 200; i++) {
        double mid = 0.5 * (lo + hi);
        if (erfc(mid / sqrt(2.0)) > alpha) lo = mid;
        else hi = mid;
    }
    return hi;
}

static double phi_cdf(double z) { return 0.5 * erfc(-z / sqrt(2.0)); }
static double phi_inv(double p)
{
    double lo = -40.0, hi = 40.0;
    for (int i = 0; i < 200; i++) {
        double mid = 0.5 * (lo + hi);
        if (phi_cdf(mid) < p) lo = mid;
        else hi = mid;
    }
    return 0.5 * (lo + hi);
}

/* ---- the exact Gamma CDF of ln G in MPFR ---- */

/* F(t) = P(a, e^t), regularised lower incomplete gamma, by the positive
 * series (tests/support/test_mp.c); rop at G_PREC bits. */
static void gamma_cdf_log(mpfr_t rop, double a, double t)
{
    mpfr_t A, x;
    mpfr_inits2(G_PREC, A, x, (mpfr_ptr)0);
    mpfr_set_d(A, a, MPFR_RNDN);
    mpfr_set_d(x, t, MPFR_RNDN);
    mpfr_exp(x, x, MPFR_RNDN); /* x = e^t */
    refit_test_mp_log_lower_gamma(rop, A, x);
    mpfr_exp(rop, rop, MPFR_RNDN);
    mpfr_clears(A, x, (mpfr_ptr)0);
}

/* Density of ln G at t: exp(a t - e^t - lgamma(a)), in double (Newton only). */
static double gamma_pdf_log(double a, double t)
{
    return exp(a * t - exp(t) - lgamma(a));
}

/* A binned reference: edges e[1..B-1] (e[0] = -inf, e[B] = +inf) and the
 * exact cumulative probabilities cum[k] = F(e[k]) and bin probabilities. */
typedef struct binned {
    double edge[G_BINS + 1];
    double cum[G_BINS + 1];
    double prob[G_BINS];
} binned;

/* Edges for ln G ~ ln Gamma(a) and their exact probabilities. */
static void gamma_bins(double a, binned *b)
{
    mpfr_t F, prev, diff;
    mpfr_inits2(G_PREC, F, prev, diff, (mpfr_ptr)0);
    for (int k = 1; k < G_BINS; k++) {
        double p = (double)k / G_BINS, t;
        if (a >= 1.0) { /* Wilson-Hilferty */
            double z = phi_inv(p), s = 1.0 / (9.0 * a);
            double c = 1.0 - s + z * sqrt(s);
            t = log(a) + 3.0 * log(c > 0.05 ? c : 0.05);
        } else { /* P(a, x) ~ x^a / Gamma(a+1) for small x */
            t = (log(p) + lgamma(a + 1.0)) / a;
            if (t > 2.0) t = 2.0;
        }
        if (a <= 1e3) { /* Newton steps on the exact CDF */
            for (int it = 0; it < 4; it++) {
                gamma_cdf_log(F, a, t);
                double f = gamma_pdf_log(a, t);
                if (!(f > 0.0)) break;
                double step = (mpfr_get_d(F, MPFR_RNDN) - p) / f;
                if (step > 2.0) step = 2.0;
                if (step < -2.0 / a) step = -2.0 / a > -50.0 ? -2.0 / a : -50.0;
                t -= step;
            }
        }
        b->edge[k] = t;
    }
    b->edge[0] = -INFINITY;
    b->edge[G_BINS] = INFINITY;
    mpfr_set_ui(prev, 0, MPFR_RNDN);
    b->cum[0] = 0.0;
    for (int k = 1; k <= G_BINS; k++) {
        if (k < G_BINS) {
            ck_assert_msg(b->edge[k] > b->edge[k - 1], "edges not increasing at a = %g", a);
            gamma_cdf_log(F, a, b->edge[k]);
        } else {
            mpfr_set_ui(F, 1, MPFR_RNDN);
        }
        mpfr_sub(diff, F, prev, MPFR_RNDN);
        b->prob[k - 1] = mpfr_get_d(diff, MPFR_RNDN);
        b->cum[k] = mpfr_get_d(F, MPFR_RNDN);
        mpfr_set(prev, F, MPFR_RNDN);
    }
    mpfr_clears(F, prev, diff, (mpfr_ptr)0);
}

/* Edges at Phi^-1(k/B) for a standardised value with skewness `skew`:
 * F(z) = Phi(z) - (skew/6)(z^2 - 1) phi(z). */
static void normal_bins(double skew, binned *b)
{
    b->edge[0] = -INFINITY;
    b->edge[G_BINS] = INFINITY;
    b->cum[0] = 0.0;
    b->cum[G_BINS] = 1.0;
    for (int k = 1; k < G_BINS; k++) {
        double z = phi_inv((double)k / G_BINS);
        b->edge[k] = z;
        b->cum[k] = phi_cdf(z) - skew / 6.0 * (z * z - 1.0) * exp(-0.5 * z * z) / sqrt(2.0 * M_PI);
    }
    for (int k = 0; k < G_BINS; k++) b->prob[k] = b->cum[k + 1] - b->cum[k];
}

/* Upper tail of chi-square with df degrees of freedom, in MPFR. */
static double chi2_upper(double x, int df)
{
    /* far in the tail (mpfr_gamma_inc is slow there): for df = 127,
     * P(X > 1000) < 1e-150, far below any threshold used here */
    if (x > 1000.0 && df <= 200) return 0.0;
    mpfr_t a, X, r, g;
    mpfr_inits2(80, a, X, r, g, (mpfr_ptr)0);
    mpfr_set_d(a, 0.5 * df, MPFR_RNDN);
    mpfr_set_d(X, 0.5 * x, MPFR_RNDN);
    mpfr_gamma_inc(r, a, X, MPFR_RNDN);
    mpfr_gamma(g, a, MPFR_RNDN);
    mpfr_div(r, r, g, MPFR_RNDN);
    double p = mpfr_get_d(r, MPFR_RNDN);
    mpfr_clears(a, X, r, g, (mpfr_ptr)0);
    return p;
}

/* Chi-square and KS of samples x[0..n) against b; fails with `what`. */
static void binned_tests(const double *x, size_t n, const binned *b, const char *what)
{
    static long count[G_BINS];
    memset(count, 0, sizeof count);
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i])) ck_abort_msg("%s: sample %zu is %g", what, i, x[i]);
        int lo = 0, hi = G_BINS; /* find k with edge[k] <= x < edge[k+1] */
        while (hi - lo > 1) {
            int mid = (lo + hi) / 2;
            if (x[i] >= b->edge[mid]) lo = mid;
            else hi = mid;
        }
        count[lo]++;
    }
    double X2 = 0.0, D = 0.0, minE = INFINITY;
    long run = 0;
    for (int k = 0; k < G_BINS; k++) {
        double E = b->prob[k] * (double)n;
        if (E < minE) minE = E;
        X2 += ((double)count[k] - E) * ((double)count[k] - E) / E;
        run += count[k];
        double dk = fabs((double)run / (double)n - b->cum[k + 1]);
        if (k + 1 < G_BINS && dk > D) D = dk;
    }
    ck_assert_msg(minE >= 20.0, "%s: smallest expected bin count %g", what, minE);
    double p = chi2_upper(X2, G_BINS - 1);
    double eps = sqrt(log(2.0 / alpha_each()) / (2.0 * (double)n));
    if (getenv("REFIT_TEST_VERBOSE"))
        printf("%-34s n=%zu chi2=%.1f p=%.3g  KS D=%.3g (limit %.3g)\n", what, n, X2, p, D, eps);
    ck_assert_msg(p > alpha_each(), "%s: chi-square %.2f on %d df, p = %.3g <= %.3g (seed 0x%016llx)",
                  what, X2, G_BINS - 1, p, alpha_each(), (unsigned long long)g_seed());
    ck_assert_msg(D <= eps, "%s: KS (binned) D = %.4g > %.4g (seed 0x%016llx)", what, D, eps,
                  (unsigned long long)g_seed());
}

/* ---- 1. cross-ISA identity ---- */

static uint64_t fnv1a(const double *x, size_t n, uint64_t h)
{
    const unsigned char *p = (const unsigned char *)x;
    for (size_t i = 0; i < n * sizeof(double); i++) h = (h ^ p[i]) * UINT64_C(0x100000001b3);
    return h;
}

static void compare_isa(const double *ref, const double *got, size_t n, const char *what,
                        refit_isa isa)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t a, b;
        memcpy(&a, &ref[i], 8);
        memcpy(&b, &got[i], 8);
        if (a != b)
            ck_abort_msg("%s, %s: element %zu differs: %.17g (scalar) vs %.17g", what,
                         refit_isa_name(isa), i, ref[i], got[i]);
    }
}

#define XN 1037 /* not a multiple of 4 or 8 */
static const double X_SHAPES[] = {0x1p-10, 0.01, 0.3, 0.5, 0.999, 1.0, 1.5, 2.0, 7.3, 1e3, 1e6, 0x1p40};
#define N_X_SHAPES (sizeof X_SHAPES / sizeof X_SHAPES[0])
static const uint64_t X_M[] = {2, 3, 4, 5, 10, 100, 1000000, UINT64_C(1) << 40, UINT64_C(1) << 53};
#define N_X_M (sizeof X_M / sizeof X_M[0])

START_TEST(test_cross_isa_gamma)
{
    static double ref[XN], got[XN];
    const uint32_t firsts[] = {0, 12345, UINT32_MAX - XN + 1};
    for (size_t s = 0; s < N_X_SHAPES; s++) {
        for (int f = 0; f < 3; f++) {
            uint64_t seed = g_seed() + s;
            refit_stream stream = (refit_stream)(s % 4);
            ck_assert_int_eq(refit_kernel_log_gamma_variates(REFIT_ISA_SCALAR, seed, stream, firsts[f],
                                                             XN, 7u * (uint32_t)s, X_SHAPES[s], ref),
                             REFIT_OK);
            uint64_t h = fnv1a(ref, XN, UINT64_C(0xcbf29ce484222325));
            for (int isa = 1; isa < REFIT_ISA_COUNT; isa++) {
                if (!refit_isa_supported((refit_isa)isa)) {
                    if (s == 0 && f == 0)
                        printf("skipped: this CPU cannot run %s\n", refit_isa_name((refit_isa)isa));
                    continue;
                }
                ck_assert_int_eq(refit_kernel_log_gamma_variates((refit_isa)isa, seed, stream,
                                                                 firsts[f], XN, 7u * (uint32_t)s,
                                                                 X_SHAPES[s], got),
                                 REFIT_OK);
                char what[96];
                snprintf(what, sizeof what, "log_gamma_variates shape %g first %u", X_SHAPES[s],
                         firsts[f]);
                if (fnv1a(got, XN, UINT64_C(0xcbf29ce484222325)) != h)
                    compare_isa(ref, got, XN, what, (refit_isa)isa);
            }
        }
    }
}
END_TEST

START_TEST(test_cross_isa_suffstat)
{
    static double ref[3][XN], got[3][XN];
    for (size_t m = 0; m < N_X_M; m++) {
        for (int e = 0; e < 2; e++) {
            for (int mask = 1; mask < 8; mask++) { /* which outputs are non-NULL */
                double *r[3], *g[3];
                for (int j = 0; j < 3; j++) {
                    r[j] = (mask >> j & 1) ? ref[j] : NULL;
                    g[j] = (mask >> j & 1) ? got[j] : NULL;
                }
                uint32_t first = (uint32_t)(m * 100000u + (unsigned)mask);
                ck_assert_int_eq(refit_kernel_suffstat_fit(REFIT_ISA_SCALAR, g_seed(), first, XN,
                                                           (uint32_t)e, X_M[m], (refit_estimator)e,
                                                           r[0], r[1], r[2]),
                                 REFIT_OK);
                for (int isa = 1; isa < REFIT_ISA_COUNT; isa++) {
                    if (!refit_isa_supported((refit_isa)isa)) continue;
                    ck_assert_int_eq(refit_kernel_suffstat_fit((refit_isa)isa, g_seed(), first, XN,
                                                               (uint32_t)e, X_M[m],
                                                               (refit_estimator)e, g[0], g[1], g[2]),
                                     REFIT_OK);
                    for (int j = 0; j < 3; j++) {
                        if (r[j] == NULL) continue;
                        char what[96];
                        snprintf(what, sizeof what, "suffstat M=%llu est %d output %d",
                                 (unsigned long long)X_M[m], e, j);
                        compare_isa(r[j], g[j], XN, what, (refit_isa)isa);
                    }
                }
            }
        }
    }
}
END_TEST

/* refit_kernel_normal_gamma / _normal_log_gamma are the draws behind the
 * other two kernels: ln G bitwise that of log_gamma_variates, Z / sqrt(M)
 * bitwise suffstat's mean, G = e^{ln G} to rounding (G is the variate the
 * log was taken of), and every output bitwise equal across ISAs. */
START_TEST(test_normal_gamma_pair)
{
    static double z[XN], g[XN], lg[XN], ref[XN], zr[XN], gr[XN], lgr[XN];
    for (size_t s = 0; s < N_X_SHAPES; s++) {
        uint64_t seed = g_seed() + 31 * s;
        refit_stream stream = (refit_stream)((s + 1) % 4);
        uint32_t first = (uint32_t)(s * 7919u), gen = 3u * (uint32_t)s;
        double shape = X_SHAPES[s] <= 0x1p40 ? X_SHAPES[s] : 0x1p40;
        ck_assert_int_eq(refit_kernel_normal_gamma(REFIT_ISA_SCALAR, seed, stream, first, XN, gen,
                                                   shape, zr, gr, lgr),
                         REFIT_OK);
        ck_assert_int_eq(refit_kernel_log_gamma_variates(REFIT_ISA_SCALAR, seed, stream, first, XN,
                                                         gen, shape, ref),
                         REFIT_OK);
        compare_isa(ref, lgr, XN, "normal_gamma ln G vs log_gamma_variates", REFIT_ISA_SCALAR);
        for (size_t i = 0; i < XN; i++) {
            double e = exp(lgr[i]);
            /* ln G carries ~1 ulp of |ln G| absolute: e^{ln G} is G to (|ln G| + 2) ulp */
            ck_assert_msg(fabs(gr[i] - e) <= (fabs(lgr[i]) + 2.0) * 0x1p-52 * e + 1e-300,
                          "shape %g chain %zu: G %.17g vs e^lnG %.17g", shape, i, gr[i], e);
        }
        ck_assert_int_eq(refit_kernel_normal_log_gamma(REFIT_ISA_SCALAR, seed, stream, first, XN,
                                                       gen, shape, z, lg),
                         REFIT_OK);
        compare_isa(zr, z, XN, "normal_log_gamma Z vs normal_gamma Z", REFIT_ISA_SCALAR);
        compare_isa(lgr, lg, XN, "normal_log_gamma ln G vs normal_gamma", REFIT_ISA_SCALAR);
        for (int isa = 1; isa < REFIT_ISA_COUNT; isa++) {
            if (!refit_isa_supported((refit_isa)isa)) continue;
            ck_assert_int_eq(refit_kernel_normal_gamma((refit_isa)isa, seed, stream, first, XN, gen,
                                                       shape, z, g, lg),
                             REFIT_OK);
            compare_isa(zr, z, XN, "normal_gamma Z", (refit_isa)isa);
            compare_isa(gr, g, XN, "normal_gamma G", (refit_isa)isa);
            compare_isa(lgr, lg, XN, "normal_gamma ln G", (refit_isa)isa);
        }
    }
    /* Z against suffstat: mean = Z / sqrt(M) with the same stream and shape (M-1)/2 */
    const uint64_t Ms[] = {2, 3, 100, 1000001};
    for (size_t m = 0; m < 4; m++) {
        double Md = (double)Ms[m];
        ck_assert_int_eq(refit_kernel_normal_gamma(REFIT_ISA_SCALAR, g_seed(), REFIT_STREAM_SUFFSTAT,
                                                   11, XN, 5, (Md - 1.0) * 0.5, zr, gr, lgr),
                         REFIT_OK);
        ck_assert_int_eq(refit_kernel_suffstat_fit(REFIT_ISA_SCALAR, g_seed(), 11, XN, 5, Ms[m],
                                                   REFIT_ESTIMATOR_UNBIASED, ref, g, NULL),
                         REFIT_OK);
        for (size_t i = 0; i < XN; i++) {
            ck_assert_msg(zr[i] / sqrt(Md) == ref[i], "M %g chain %zu: Z / sqrt M differs", Md, i);
            ck_assert_msg(gr[i] * 2.0 / (Md - 1.0) == g[i], "M %g chain %zu: 2G/D differs", Md, i);
        }
    }
    /* argument errors: NaN outputs */
    ck_assert_int_eq(refit_kernel_normal_gamma(REFIT_ISA_SCALAR, 1, REFIT_STREAM_AUX, 0, 4, 0, 0x1p53,
                                               z, g, lg),
                     REFIT_EDOM);
    ck_assert(isnan(z[0]) && isnan(g[3]) && isnan(lg[2]));
    ck_assert_int_eq(refit_kernel_normal_gamma(REFIT_ISA_SCALAR, 1, (refit_stream)7, 0, 4, 0, 2.0,
                                               z, g, lg),
                     REFIT_EINVAL);
    ck_assert_int_eq(refit_kernel_normal_gamma(REFIT_ISA_SCALAR, 1, REFIT_STREAM_AUX, 0, 4, 0, 2.0,
                                               NULL, g, lg),
                     REFIT_EINVAL);
    ck_assert_int_eq(refit_kernel_normal_gamma(REFIT_ISA_SCALAR, 1, REFIT_STREAM_AUX, 0, 4, 0, 2.0,
                                               z, NULL, lg),
                     REFIT_OK); /* G is optional */
}
END_TEST

/* A chain's output does not depend on the batch it is drawn in. */
START_TEST(test_batch_independence)
{
    static double all[XN];
    for (int isa = 0; isa < REFIT_ISA_COUNT; isa++) {
        if (!refit_isa_supported((refit_isa)isa)) continue;
        ck_assert_int_eq(refit_kernel_log_gamma_variates((refit_isa)isa, g_seed(), REFIT_STREAM_AUX,
                                                         1000, XN, 3, 0.5, all),
                         REFIT_OK);
        for (size_t i = 0; i < XN; i += 97) {
            double one;
            ck_assert_int_eq(refit_kernel_log_gamma_variates(REFIT_ISA_SCALAR, g_seed(),
                                                             REFIT_STREAM_AUX, 1000 + (uint32_t)i, 1,
                                                             3, 0.5, &one),
                             REFIT_OK);
            ck_assert_msg(memcmp(&one, &all[i], 8) == 0, "chain %zu: %.17g vs %.17g", i, one, all[i]);
        }
    }
}
END_TEST

/* ---- 2. goodness of fit ---- */

START_TEST(test_reference_cdf_two_ways)
{
    /* the series against mpfr_gamma_inc: P = 1 - Gamma(a, x) / Gamma(a) */
    const double pts[][2] = {{0x1p-10, -3.0}, {0.01, 0.5}, {0.5, -1.0}, {0.5, 2.0}, {1.0, 0.0},
                             {1.5, 1.3},      {7.3, 2.0},  {7.3, 2.6},  {30.0, 3.5}};
    mpfr_t F, x, a, Q, g;
    mpfr_inits2(G_PREC, F, x, a, Q, g, (mpfr_ptr)0);
    for (size_t i = 0; i < sizeof pts / sizeof pts[0]; i++) {
        gamma_cdf_log(F, pts[i][0], pts[i][1]);
        mpfr_set_d(a, pts[i][0], MPFR_RNDN);
        mpfr_set_d(x, pts[i][1], MPFR_RNDN);
        mpfr_exp(x, x, MPFR_RNDN);
        mpfr_gamma_inc(Q, a, x, MPFR_RNDN);
        mpfr_gamma(g, a, MPFR_RNDN);
        mpfr_div(Q, Q, g, MPFR_RNDN);
        mpfr_ui_sub(Q, 1, Q, MPFR_RNDN);
        mpfr_sub(Q, Q, F, MPFR_RNDN);
        double err = fabs(mpfr_get_d(Q, MPFR_RNDN));
        ck_assert_msg(err < 1e-35, "series CDF at a=%g t=%g differs from mpfr_gamma_inc by %g",
                      pts[i][0], pts[i][1], err);
    }
    /* a = 1: P(1, x) = 1 - e^-x exactly */
    gamma_cdf_log(F, 1.0, 1.0);
    double p = mpfr_get_d(F, MPFR_RNDN);
    ck_assert_msg(fabs(p - (1.0 - exp(-exp(1.0)))) < 1e-15, "P(1, e) = %.17g", p);
    mpfr_clears(F, x, a, Q, g, (mpfr_ptr)0);
}
END_TEST

START_TEST(test_gof_log_gamma)
{
    double a = LGV_SHAPES[_i];
    size_t n = g_n(G_N_GOF);
    double *x = malloc(n * sizeof *x);
    ck_assert_ptr_nonnull(x);
    ck_assert_int_eq(refit_kernel_log_gamma_variates(REFIT_ISA_SCALAR, g_seed(), REFIT_STREAM_AUX, 0,
                                                     n, 100u + (uint32_t)_i, a, x),
                     REFIT_OK);
    binned b;
    gamma_bins(a, &b);
    char what[64];
    snprintf(what, sizeof what, "ln Gamma(%g)", a);
    binned_tests(x, n, &b, what);
    free(x);
}
END_TEST

START_TEST(test_gof_suffstat_gamma)
{
    uint64_t M = SUFF_GOF_M[_i];
    size_t n = g_n(G_N_GOF);
    double *lv = malloc(n * sizeof *lv);
    ck_assert_ptr_nonnull(lv);
    refit_estimator est = _i == 1 ? REFIT_ESTIMATOR_MLE : REFIT_ESTIMATOR_UNBIASED;
    ck_assert_int_eq(refit_kernel_suffstat_fit(REFIT_ISA_SCALAR, g_seed(), 0, n, 200u + (uint32_t)_i,
                                               M, est, NULL, NULL, lv),
                     REFIT_OK);
    double D = est == REFIT_ESTIMATOR_MLE ? (double)M : (double)M - 1.0;
    for (size_t i = 0; i < n; i++) lv[i] += log(D / 2.0); /* ln G = ln var + ln(D/2) */
    binned b;
    gamma_bins(((double)M - 1.0) / 2.0, &b);
    char what[64];
    snprintf(what, sizeof what, "suffstat M=%llu ln G", (unsigned long long)M);
    binned_tests(lv, n, &b, what);
    free(lv);
}
END_TEST

START_TEST(test_gof_normal_limits)
{
    size_t n = g_n(G_N_GOF);
    double *x = malloc(n * sizeof *x);
    ck_assert_ptr_nonnull(x);
    binned b;
    if (_i == 0) { /* shape 2^40: (G - a) / sqrt(a), skewness 2 / sqrt(a) */
        double a = 0x1p40;
        ck_assert_int_eq(refit_kernel_log_gamma_variates(REFIT_ISA_SCALAR, g_seed(), REFIT_STREAM_AUX,
                                                         0, n, 300, a, x),
                         REFIT_OK);
        for (size_t i = 0; i < n; i++) x[i] = (exp(x[i]) - a) / sqrt(a);
        normal_bins(2.0 / sqrt(a), &b);
        binned_tests(x, n, &b, "Gamma(2^40) standardised");
    } else if (_i == 1) { /* M = 2^53: (var - 1) sqrt(k/2), k = D = M - 1 */
        double k = 0x1p53 - 1.0;
        ck_assert_int_eq(refit_kernel_suffstat_fit(REFIT_ISA_SCALAR, g_seed(), 0, n, 301,
                                                   UINT64_C(1) << 53, REFIT_ESTIMATOR_UNBIASED,
                                                   NULL, x, NULL),
                         REFIT_OK);
        for (size_t i = 0; i < n; i++) x[i] = (x[i] - 1.0) * sqrt(k / 2.0);
        normal_bins(sqrt(8.0 / k), &b);
        binned_tests(x, n, &b, "suffstat M=2^53 var standardised");
    } else { /* the mean: mean sqrt(M) ~ N(0, 1) exactly */
        ck_assert_int_eq(refit_kernel_suffstat_fit(REFIT_ISA_SCALAR, g_seed(), 0, n, 302, 100,
                                                   REFIT_ESTIMATOR_UNBIASED, x, NULL, NULL),
                         REFIT_OK);
        for (size_t i = 0; i < n; i++) x[i] *= 10.0;
        normal_bins(0.0, &b);
        binned_tests(x, n, &b, "suffstat M=100 mean sqrt(M)");
    }
    free(x);
}
END_TEST

/* ---- 3. suffstat moments ---- */

/* E ln var = psi(k/2) + ln 2 - ln D, in MPFR (the terms cancel to ~1/k). */
static double expected_log_var(double k, double D)
{
    mpfr_t r, t;
    mpfr_inits2(200, r, t, (mpfr_ptr)0);
    mpfr_set_d(r, k / 2.0, MPFR_RNDN);
    mpfr_digamma(r, r, MPFR_RNDN);
    mpfr_const_log2(t, MPFR_RNDN);
    mpfr_add(r, r, t, MPFR_RNDN);
    mpfr_set_d(t, D, MPFR_RNDN);
    mpfr_log(t, t, MPFR_RNDN);
    mpfr_sub(r, r, t, MPFR_RNDN);
    double v = mpfr_get_d(r, MPFR_RNDN);
    mpfr_clears(r, t, (mpfr_ptr)0);
    return v;
}

START_TEST(test_suffstat_moments)
{
    int mi = _i / 2, e = _i % 2;
    uint64_t M = MOM_M[mi];
    refit_estimator est = (refit_estimator)e;
    size_t n = g_n(G_N_MOM);
    double *mean = malloc(n * sizeof *mean), *var = malloc(n * sizeof *var),
           *lv = malloc(n * sizeof *lv), *lg = malloc(n * sizeof *lg);
    ck_assert(mean && var && lv && lg);
    uint32_t gen = 1000u + (uint32_t)_i;
    ck_assert_int_eq(refit_kernel_suffstat_fit(REFIT_ISA_SCALAR, g_seed(), 0, n, gen, M, est, mean,
                                               var, lv),
                     REFIT_OK);
    double Md = (double)M, k = Md - 1.0, D = est == REFIT_ESTIMATOR_MLE ? Md : k;
    double Ev = k / D, sdv = sqrt(2.0 * k) / D;
    double Elv = expected_log_var(k, D);
    double s_v = 0, s_v2 = 0, s_z2 = 0, s_mv = 0, s_m2v = 0, s_lv = 0, s_lv2 = 0;
    for (size_t i = 0; i < n; i++) {
        double dv = (var[i] - Ev) / sdv; /* standardised */
        double z = mean[i] * sqrt(Md);
        double dl = lv[i] - Elv;
        s_v += dv;
        s_v2 += dv * dv;
        s_z2 += z * z - 1.0;
        s_mv += z * dv;
        s_m2v += (z * z - 1.0) * dv;
        s_lv += dl;
        s_lv2 += dl * dl;
        /* log_var = ln var to rounding (libm as the independent reference) */
        double ref = log(var[i]);
        if (!(fabs(lv[i] - ref) <= 4.0 * DBL_EPSILON * fmax(1.0, fabs(ref))))
            ck_abort_msg("chain %zu: log_var %.17g vs ln var %.17g", i, lv[i], ref);
    }
    double N = (double)n, zc = z_crit(alpha_each());
    double zs[N_MOM_CHECKS];
    const char *names[N_MOM_CHECKS] = {"E var", "Var var", "E M mean^2", "corr(mean,var)",
                                       "corr(mean^2,var)", "E log_var"};
    zs[0] = s_v / sqrt(N);
    /* s^2 of the standardised var: E = 1 (up to the mean's O(1/N)), Var of
     * (dv^2) = kurtosis - 1 = 2 + 12/k for a chi-square */
    double mv = s_v / N;
    zs[1] = M >= 4 ? ((s_v2 / N - mv * mv) - 1.0) / sqrt((2.0 + 12.0 / k) / N) : 0.0;
    zs[2] = s_z2 / sqrt(2.0 * N);
    zs[3] = s_mv / sqrt(N);
    zs[4] = s_m2v / sqrt(2.0 * N);
    double ml = s_lv / N, sl = sqrt(s_lv2 / N - ml * ml);
    zs[5] = ml / (sl / sqrt(N));
    for (int c = 0; c < N_MOM_CHECKS; c++) {
        if (getenv("REFIT_TEST_VERBOSE"))
            printf("M=%llu est %d %-18s z = %+.3f\n", (unsigned long long)M, e, names[c], zs[c]);
        ck_assert_msg(fabs(zs[c]) <= zc, "M=%llu estimator %d: %s z = %.3f beyond %.3f (seed 0x%016llx)",
                      (unsigned long long)M, e, names[c], zs[c], zc, (unsigned long long)g_seed());
    }
    /* the same draw as log_gamma_variates on stream SUFFSTAT */
    double a = k / 2.0;
    if (a <= 0x1p40) {
        ck_assert_int_eq(refit_kernel_log_gamma_variates(REFIT_ISA_SCALAR, g_seed(),
                                                         REFIT_STREAM_SUFFSTAT, 0, n, gen, a, lg),
                         REFIT_OK);
        for (size_t i = 0; i < n; i++) {
            double lG = log(var[i] * (D / 2.0));
            if (!(fabs(lg[i] - lG) <= 1e-14 * fmax(1.0, fabs(lG))))
                ck_abort_msg("chain %zu: ln G %.17g from suffstat, %.17g from log_gamma_variates",
                             i, lG, lg[i]);
        }
    }
    free(mean);
    free(var);
    free(lv);
    free(lg);
}
END_TEST

/* ---- 4. h(y) against MPFR ---- */

START_TEST(test_log_accept_accuracy)
{
    refit_test_rng rng;
    refit_test_rng_seed(&rng, g_seed(), 77);
    const double shapes[] = {1.0, 1.5, 4.5, 49.5, 1e4, 1e8, 0x1p40, 0x1p52 - 0.5};
    mpfr_t y, r, t, u;
    mpfr_inits2(300, y, r, t, u, (mpfr_ptr)0);
    double worst = 0.0;
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        refit_gamma_plan p;
        p.a = shapes[s];
        p.boost = 0;
        p.d = shapes[s] - 1.0 / 3.0;
        p.c = 1.0 / sqrt(9.0 * p.d);
        p.d3 = 3.0 * p.d;
        for (int i = 0; i < 4000; i++) {
            double x = 6.0 * (2.0 * refit_test_rng_uniform(&rng) - 1.0); /* the proposal */
            double yd = p.c * x, w = 1.0 + yd;
            if (!(w > 0.0)) continue;
            double h = refit_gamma_log_accept(&p, yd, w);
            /* exact: 3d (ln w - y + y^2/2 - y^3/3) with the rounded w for
             * the direct form, 1 + y exact for the series (what each uses) */
            mpfr_set_d(y, yd, MPFR_RNDN);
            if (fabs(yd) <= REFIT_GAMMA_SERIES_MAX) mpfr_log1p(r, y, MPFR_RNDN);
            else {
                mpfr_set_d(r, w, MPFR_RNDN);
                mpfr_log(r, r, MPFR_RNDN);
            }
            mpfr_sub(r, r, y, MPFR_RNDN);
            mpfr_sqr(t, y, MPFR_RNDN);
            mpfr_div_2ui(u, t, 1, MPFR_RNDN);
            mpfr_add(r, r, u, MPFR_RNDN);
            mpfr_mul(t, t, y, MPFR_RNDN);
            mpfr_div_ui(t, t, 3, MPFR_RNDN);
            mpfr_sub(r, r, t, MPFR_RNDN);
            mpfr_mul_d(r, r, p.d3, MPFR_RNDN);
            double ref = mpfr_get_d(r, MPFR_RNDN);
            /* absolute error that matters against ln u: tolerance 1e-12 + 1e-13 |h| */
            double err = fabs(h - ref) / (1e-12 + 1e-13 * fabs(ref));
            if (err > worst) worst = err;
            if (!(err <= 1.0))
                ck_abort_msg("h(y) at a=%g x=%.17g: %.17g vs exact %.17g", shapes[s], x, h, ref);
        }
    }
    if (getenv("REFIT_TEST_VERBOSE")) printf("h(y): worst error %.3g of tolerance\n", worst);
    mpfr_clears(y, r, t, u, (mpfr_ptr)0);
}
END_TEST

/* ---- 5. domain and argument errors ---- */

START_TEST(test_errors)
{
    double out[4];
    const double bad[] = {0x1p-11, 0x1p41, 0.0, -1.0, NAN, INFINITY};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        out[0] = 0.0;
        ck_assert_int_eq(refit_kernel_log_gamma_variates(REFIT_ISA_SCALAR, 1, REFIT_STREAM_AUX, 0, 4,
                                                         0, bad[i], out),
                         REFIT_EDOM);
        ck_assert(isnan(out[0]) && isnan(out[3]));
    }
    ck_assert_int_eq(refit_kernel_log_gamma_variates(REFIT_ISA_SCALAR, 1, REFIT_STREAM_AUX, 0, 4, 0,
                                                     0x1p-10, out),
                     REFIT_OK);
    ck_assert(isfinite(out[0]) && isfinite(out[3]));
    ck_assert_int_eq(refit_kernel_log_gamma_variates(REFIT_ISA_SCALAR, 1, REFIT_STREAM_AUX, 0, 4, 0,
                                                     0x1p40, out),
                     REFIT_OK);
    ck_assert(isfinite(out[0]) && isfinite(out[3]));
    ck_assert_int_eq(refit_kernel_log_gamma_variates(REFIT_ISA_SCALAR, 1, REFIT_STREAM_AUX, 0, 1, 0,
                                                     1.0, NULL),
                     REFIT_EINVAL);
    ck_assert_int_eq(refit_kernel_log_gamma_variates(REFIT_ISA_SCALAR, 1, REFIT_STREAM_AUX, 0, 0, 0,
                                                     1.0, NULL),
                     REFIT_OK);
    ck_assert_int_eq(refit_kernel_log_gamma_variates(REFIT_ISA_SCALAR, 1, (refit_stream)4, 0, 4, 0,
                                                     1.0, out),
                     REFIT_EINVAL);
    ck_assert(isnan(out[0]));
    ck_assert_int_eq(refit_kernel_log_gamma_variates((refit_isa)7, 1, REFIT_STREAM_AUX, 0, 4, 0, 1.0,
                                                     out),
                     REFIT_EINVAL);
    /* chains must stay 32-bit counter words */
    ck_assert_int_eq(refit_kernel_log_gamma_variates(REFIT_ISA_SCALAR, 1, REFIT_STREAM_AUX,
                                                     UINT32_MAX, 2, 0, 1.0, out),
                     REFIT_EDOM);
    ck_assert_int_eq(refit_kernel_log_gamma_variates(REFIT_ISA_SCALAR, 1, REFIT_STREAM_AUX,
                                                     UINT32_MAX, 1, 0, 1.0, out),
                     REFIT_OK);
    ck_assert(isfinite(out[0]));

    double m[4], v[4], l[4];
    const uint64_t badM[] = {0, 1, (UINT64_C(1) << 53) + 1, UINT64_MAX};
    for (size_t i = 0; i < 4; i++) {
        m[0] = v[0] = l[0] = 0.0;
        ck_assert_int_eq(refit_kernel_suffstat_fit(REFIT_ISA_SCALAR, 1, 0, 4, 0, badM[i],
                                                   REFIT_ESTIMATOR_UNBIASED, m, v, l),
                         REFIT_EDOM);
        ck_assert(isnan(m[0]) && isnan(v[0]) && isnan(l[3]));
    }
    ck_assert_int_eq(refit_kernel_suffstat_fit(REFIT_ISA_SCALAR, 1, 0, 4, 0, 10, (refit_estimator)2,
                                               m, v, l),
                     REFIT_EINVAL);
    ck_assert(isnan(m[0]) && isnan(v[0]) && isnan(l[0]));
    ck_assert_int_eq(refit_kernel_suffstat_fit((refit_isa)9, 1, 0, 4, 0, 10, REFIT_ESTIMATOR_MLE, m,
                                               v, l),
                     REFIT_EINVAL);
    ck_assert_int_eq(refit_kernel_suffstat_fit(REFIT_ISA_SCALAR, 1, UINT32_MAX - 2, 4, 0, 10,
                                               REFIT_ESTIMATOR_MLE, m, v, l),
                     REFIT_EDOM);
    ck_assert_int_eq(refit_kernel_suffstat_fit(REFIT_ISA_SCALAR, 1, 0, 4, 0, 10, REFIT_ESTIMATOR_MLE,
                                               NULL, NULL, NULL),
                     REFIT_OK);
    ck_assert_int_eq(refit_kernel_suffstat_fit(REFIT_ISA_SCALAR, 1, 0, 4, 0, UINT64_C(1) << 53,
                                               REFIT_ESTIMATOR_MLE, m, v, l),
                     REFIT_OK);
    ck_assert(isfinite(m[3]) && v[3] > 0.0 && isfinite(l[3]));
    ck_assert_int_eq(refit_kernel_suffstat_fit(REFIT_ISA_SCALAR, 1, 0, 4, 0, 2,
                                               REFIT_ESTIMATOR_UNBIASED, m, v, l),
                     REFIT_OK);
    ck_assert(isfinite(m[3]) && v[3] > 0.0 && isfinite(l[3]));
}
END_TEST

static Suite *gamma_suite(void)
{
    Suite *s = suite_create("kernel_gamma");
    TCase *tc_isa = tcase_create("cross_isa");
    TCase *tc_gof = tcase_create("goodness_of_fit");
    TCase *tc_mom = tcase_create("suffstat_moments");
    TCase *tc_misc = tcase_create("accuracy_and_errors");
    double timeout = 600.0;
    tcase_set_timeout(tc_isa, timeout);
    tcase_set_timeout(tc_gof, timeout);
    tcase_set_timeout(tc_mom, timeout);
    tcase_set_timeout(tc_misc, timeout);
    tcase_add_test(tc_isa, test_cross_isa_gamma);
    tcase_add_test(tc_isa, test_cross_isa_suffstat);
    tcase_add_test(tc_isa, test_batch_independence);
    tcase_add_test(tc_isa, test_normal_gamma_pair);
    tcase_add_test(tc_gof, test_reference_cdf_two_ways);
    tcase_add_loop_test(tc_gof, test_gof_log_gamma, 0, (int)N_LGV_SHAPES);
    tcase_add_loop_test(tc_gof, test_gof_suffstat_gamma, 0, N_SUFF_GOF);
    tcase_add_loop_test(tc_gof, test_gof_normal_limits, 0, N_NORMAL_GOF);
    tcase_add_loop_test(tc_mom, test_suffstat_moments, 0, 2 * N_MOM_M);
    tcase_add_test(tc_misc, test_log_accept_accuracy);
    tcase_add_test(tc_misc, test_errors);
    suite_add_tcase(s, tc_isa);
    suite_add_tcase(s, tc_gof);
    suite_add_tcase(s, tc_mom);
    suite_add_tcase(s, tc_misc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(gamma_suite());
    printf("kernel_gamma: C = %d statistical checks, family-wise false alarm %g (Bonferroni), "
           "%g each, z* = %.3f; seed 0x%016llx, scale %d\n",
           family_size(), G_FAMILY_ALPHA, alpha_each(), z_crit(alpha_each()),
           (unsigned long long)g_seed(), refit_test_scale());
    fflush(stdout);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
