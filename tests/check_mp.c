/* Self-test of the MPFR twins (refit/theory_mp.h).
 *
 * The twins are the reference for the double code, so they are checked
 * here against things that do not share their algebra: known constants,
 * finite differences of MPFR's own digamma, direct Gamma-function ratios,
 * the same twin at a higher precision, exact identities of the model, the
 * recursions of theory-notes sec. 5 iterated directly, and the
 * generation-by-generation path against the closed-form path.  Agreement
 * is measured in bits, -log2 |a - b| / max(|a|, |b|); each test prints its
 * worst case.  Random parameters come from a fixed seed (printed on
 * failure).
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <mpfr.h>

#include "refit/model.h"
#include "refit/theory_mp.h"

#define RND MPFR_RNDN
#define P 256   /* precision of the results under test */
#define PHI 512 /* precision of the references */
#define SEED UINT64_C(0x5eed2024c0ffee11)

/* ---- helpers --------------------------------------------------------------- */

static uint64_t rng_state = SEED;

static uint64_t rng_next(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * UINT64_C(2685821657736338717);
}

static double rng_unif(void) /* [0, 1) */
{
    return (double)(rng_next() >> 11) * 0x1.0p-53;
}

/* A whole number log-uniform in [lo, hi]. */
static double rng_size(double lo, double hi)
{
    return floor(exp(log(lo) + rng_unif() * (log(hi + 1.0) - log(lo))));
}

/* Bits of agreement: -log2(|a-b| / max(|a|,|b|)); 1e6 when equal, -1 if
 * either is NaN. */
static double agree(const mpfr_t a, const mpfr_t b)
{
    mpfr_prec_t p = mpfr_get_prec(a) > mpfr_get_prec(b) ? mpfr_get_prec(a) : mpfr_get_prec(b);
    mpfr_t d, s;
    double bits;
    if (mpfr_nan_p(a) || mpfr_nan_p(b)) return -1.0;
    if (mpfr_equal_p(a, b)) return 1e6;
    mpfr_inits2(p + 16, d, s, (mpfr_ptr)0);
    mpfr_sub(d, a, b, RND);
    mpfr_abs(d, d, RND);
    if (mpfr_cmpabs(a, b) >= 0)
        mpfr_abs(s, a, RND);
    else
        mpfr_abs(s, b, RND);
    mpfr_div(d, d, s, RND);
    mpfr_log2(d, d, RND);
    bits = -mpfr_get_d(d, RND);
    mpfr_clears(d, s, (mpfr_ptr)0);
    return bits;
}

/* Worst agreement seen in the current test (each test runs in its own
 * process under Check's fork mode, so this is per test). */
static double worst_bits = 1e6;
static char worst_where[200] = "";

static double track(double bits, const char *where)
{
    if (bits < worst_bits) {
        worst_bits = bits;
        snprintf(worst_where, sizeof worst_where, "%s", where);
    }
    return bits;
}

static void reset_worst(void)
{
    rng_state = SEED; /* the same parameters with or without CK_FORK */
    worst_bits = 1e6;
    worst_where[0] = '\0';
}

static void report(const char *test)
{
    if (worst_bits >= 1e6)
        printf("check_mp: %-24s worst agreement: exact\n", test);
    else
        printf("check_mp: %-24s worst agreement %.1f bits (%s)\n", test, worst_bits, worst_where);
    fflush(stdout);
}

#define EXPECT_AGREE(a, b, minbits, ...)                                                       \
    do {                                                                                       \
        char where_[200];                                                                      \
        snprintf(where_, sizeof where_, __VA_ARGS__);                                          \
        double bits_ = track(agree(a, b), where_);                                             \
        ck_assert_msg(bits_ >= (minbits), "%s: %.1f bits < %d (%.17g vs %.17g), seed %#llx",   \
                      where_, bits_, (int)(minbits), mpfr_get_d(a, RND), mpfr_get_d(b, RND),   \
                      (unsigned long long)SEED);                                               \
    } while (0)

#define EXPECT_OK(call)                                                                        \
    do {                                                                                       \
        refit_status st_ = (call);                                                             \
        ck_assert_msg(st_ == REFIT_OK, "%s returned %d", #call, (int)st_);                     \
    } while (0)

/* out = sigma^2, exactly (sigma * sigma in double is rounded). */
static void set_sq(mpfr_t out, double sigma)
{
    mpfr_set_d(out, sigma, RND);
    mpfr_sqr(out, out, RND);
}

static refit_model model_const(double M, refit_estimator e, refit_regime rg, double lambda,
                               double sigma)
{
    refit_model m = refit_model_default();
    m.schedule = refit_schedule_const(M);
    m.estimator = e;
    m.regime = rg;
    m.lambda = lambda;
    m.sigma = sigma;
    return m;
}

static int has(refit_regime rg, int q)
{
    return rg == REFIT_REGIME_REPLACE || q == REFIT_Q_VAR_MEAN || q == REFIT_Q_MEAN_MSE ||
           q == REFIT_Q_MARGINAL_VAR || q == REFIT_Q_W2SQ_LOWER;
}

/* ---- polygamma ------------------------------------------------------------- */

START_TEST(test_polygamma_known)
{
    static const mpfr_prec_t precs[] = {P, PHI};
    for (int pi = 0; pi < 2; pi++) {
        mpfr_prec_t p = precs[pi];
        mpfr_t x, out, ref, t;
        mpfr_inits2(p, out, (mpfr_ptr)0);
        mpfr_inits2(p + 64, x, ref, t, (mpfr_ptr)0);
        mpfr_set_ui(x, 1, RND);
        /* psi(1) = -gamma */
        EXPECT_OK(refit_mp_polygamma(out, 0, x));
        mpfr_const_euler(ref, RND);
        mpfr_neg(ref, ref, RND);
        EXPECT_AGREE(out, ref, p - 2, "psi(1) at %ld bits", (long)p);
        /* psi'(1) = pi^2/6 */
        EXPECT_OK(refit_mp_polygamma(out, 1, x));
        mpfr_const_pi(ref, RND);
        mpfr_sqr(ref, ref, RND);
        mpfr_div_ui(ref, ref, 6, RND);
        EXPECT_AGREE(out, ref, p - 2, "psi'(1) at %ld bits", (long)p);
        /* psi''(1) = -2 zeta(3) */
        EXPECT_OK(refit_mp_polygamma(out, 2, x));
        mpfr_zeta_ui(ref, 3, RND);
        mpfr_mul_si(ref, ref, -2, RND);
        EXPECT_AGREE(out, ref, p - 2, "psi''(1) at %ld bits", (long)p);
        /* psi'''(1) = pi^4/15 */
        EXPECT_OK(refit_mp_polygamma(out, 3, x));
        mpfr_const_pi(ref, RND);
        mpfr_pow_ui(ref, ref, 4, RND);
        mpfr_div_ui(ref, ref, 15, RND);
        EXPECT_AGREE(out, ref, p - 2, "psi'''(1) at %ld bits", (long)p);
        /* at 1/2: psi' = pi^2/2, psi'' = -14 zeta(3), psi''' = pi^4 */
        mpfr_set_d(x, 0.5, RND);
        EXPECT_OK(refit_mp_polygamma(out, 1, x));
        mpfr_const_pi(ref, RND);
        mpfr_sqr(ref, ref, RND);
        mpfr_div_2ui(ref, ref, 1, RND);
        EXPECT_AGREE(out, ref, p - 2, "psi'(1/2) at %ld bits", (long)p);
        EXPECT_OK(refit_mp_polygamma(out, 2, x));
        mpfr_zeta_ui(ref, 3, RND);
        mpfr_mul_si(ref, ref, -14, RND);
        EXPECT_AGREE(out, ref, p - 2, "psi''(1/2) at %ld bits", (long)p);
        EXPECT_OK(refit_mp_polygamma(out, 3, x));
        mpfr_const_pi(ref, RND);
        mpfr_pow_ui(ref, ref, 4, RND);
        EXPECT_AGREE(out, ref, p - 2, "psi'''(1/2) at %ld bits", (long)p);
        /* Huge x = 2^(p/2+20): psi'(x) = 1/x + 1/(2x^2) + 1/(6x^3) + O(x^-5). */
        mpfr_set_ui(x, 1, RND);
        mpfr_mul_2ui(x, x, (unsigned long)(p / 2 + 20), RND);
        EXPECT_OK(refit_mp_polygamma(out, 1, x));
        mpfr_ui_div(ref, 1, x, RND); /* 1/x */
        mpfr_div(t, ref, x, RND);
        mpfr_div_2ui(t, t, 1, RND); /* 1/(2x^2) */
        mpfr_add(ref, ref, t, RND);
        mpfr_div(t, t, x, RND);
        mpfr_mul_2ui(t, t, 1, RND);
        mpfr_div_ui(t, t, 6, RND); /* 1/(6x^3) */
        mpfr_add(ref, ref, t, RND);
        EXPECT_AGREE(out, ref, p - 2, "psi'(2^%ld)", (long)(p / 2 + 20));
        mpfr_clears(x, out, ref, t, (mpfr_ptr)0);
    }
    report("polygamma_known");
}
END_TEST

/* psi^{(k)} against central differences of mpfr_digamma at 1536 bits with
 * h = x 2^-120: truncation O((h/x)^2) = 2^-240 relative, cancellation at
 * most 3*120 bits. */
START_TEST(test_polygamma_fd)
{
    const mpfr_prec_t hp = 1536;
    for (int it = 0; it < 12; it++) {
        double xd = exp(log(1e-3) + rng_unif() * (log(1e6) - log(1e-3)));
        mpfr_t x, h, xs, f[5], d, out;
        mpfr_inits2(hp, x, h, xs, d, f[0], f[1], f[2], f[3], f[4], (mpfr_ptr)0);
        mpfr_init2(out, P);
        mpfr_set_d(x, xd, RND);
        mpfr_mul_2si(h, x, -120, RND);
        for (int j = -2; j <= 2; j++) {
            mpfr_mul_si(xs, h, j, RND);
            mpfr_add(xs, xs, x, RND);
            mpfr_digamma(f[j + 2], xs, RND);
        }
        /* psi' ~ (f1 - f-1) / 2h */
        mpfr_sub(d, f[3], f[1], RND);
        mpfr_div(d, d, h, RND);
        mpfr_div_2ui(d, d, 1, RND);
        EXPECT_OK(refit_mp_polygamma(out, 1, x));
        EXPECT_AGREE(out, d, 200, "psi'(%.17g) vs differences", xd);
        /* psi'' ~ (f1 - 2 f0 + f-1) / h^2 */
        mpfr_mul_2ui(d, f[2], 1, RND);
        mpfr_sub(d, f[3], d, RND);
        mpfr_add(d, d, f[1], RND);
        mpfr_div(d, d, h, RND);
        mpfr_div(d, d, h, RND);
        EXPECT_OK(refit_mp_polygamma(out, 2, x));
        EXPECT_AGREE(out, d, 200, "psi''(%.17g) vs differences", xd);
        /* psi''' ~ (f2 - 2 f1 + 2 f-1 - f-2) / (2 h^3) */
        mpfr_sub(d, f[4], f[0], RND);
        mpfr_sub(xs, f[3], f[1], RND);
        mpfr_mul_2ui(xs, xs, 1, RND);
        mpfr_sub(d, d, xs, RND);
        mpfr_div(d, d, h, RND);
        mpfr_div(d, d, h, RND);
        mpfr_div(d, d, h, RND);
        mpfr_div_2ui(d, d, 1, RND);
        EXPECT_OK(refit_mp_polygamma(out, 3, x));
        EXPECT_AGREE(out, d, 200, "psi'''(%.17g) vs differences", xd);
        mpfr_clears(x, h, xs, d, f[0], f[1], f[2], f[3], f[4], out, (mpfr_ptr)0);
    }
    report("polygamma_fd");
}
END_TEST

START_TEST(test_polygamma_precision)
{
    static const double xs[] = {1e-300, 1e-9, 0.25, 3.0, 47.5, 133.3, 1e4, 1e12, 4.5e15, 1e300};
    for (size_t i = 0; i < sizeof xs / sizeof xs[0] + 10; i++) {
        double xd = i < sizeof xs / sizeof xs[0] ? xs[i] : exp(-5.0 + 40.0 * rng_unif());
        mpfr_t x, lo, hi;
        mpfr_init2(x, 64);
        mpfr_init2(lo, P);
        mpfr_init2(hi, PHI);
        mpfr_set_d(x, xd, RND);
        for (int k = 0; k <= 3; k++) {
            EXPECT_OK(refit_mp_polygamma(lo, k, x));
            EXPECT_OK(refit_mp_polygamma(hi, k, x));
            EXPECT_AGREE(lo, hi, P - 2, "psi^(%d)(%.17g) at 256 vs 512 bits", k, xd);
        }
        mpfr_clears(x, lo, hi, (mpfr_ptr)0);
    }
    /* out may be the argument itself */
    {
        mpfr_t x, ref;
        mpfr_inits2(P, x, ref, (mpfr_ptr)0);
        for (int k = 0; k <= 3; k++) {
            mpfr_set_d(x, 2.75, RND);
            EXPECT_OK(refit_mp_polygamma(ref, k, x));
            EXPECT_OK(refit_mp_polygamma(x, k, x));
            ck_assert_msg(mpfr_equal_p(x, ref), "polygamma(x, %d, x) differs", k);
        }
        mpfr_clears(x, ref, (mpfr_ptr)0);
    }
    report("polygamma_precision");
}
END_TEST

START_TEST(test_polygamma_domain)
{
    mpfr_t x, out;
    mpfr_init2(x, 64);
    mpfr_init2(out, P);
    mpfr_set_ui(x, 2, RND);
    ck_assert_int_eq(refit_mp_polygamma(out, 4, x), REFIT_EINVAL);
    ck_assert(mpfr_nan_p(out));
    ck_assert_int_eq(refit_mp_polygamma(out, -1, x), REFIT_EINVAL);
    mpfr_set_zero(x, 1);
    ck_assert_int_eq(refit_mp_polygamma(out, 1, x), REFIT_EDOM);
    ck_assert(mpfr_nan_p(out));
    mpfr_set_si(x, -3, RND);
    ck_assert_int_eq(refit_mp_polygamma(out, 0, x), REFIT_EDOM);
    mpfr_set_inf(x, 1);
    ck_assert_int_eq(refit_mp_polygamma(out, 2, x), REFIT_EDOM);
    mpfr_set_nan(x);
    ck_assert_int_eq(refit_mp_polygamma(out, 3, x), REFIT_EDOM);
    ck_assert(mpfr_nan_p(out));
    mpfr_clears(x, out, (mpfr_ptr)0);
}
END_TEST

/* ---- one generation ---------------------------------------------------------- */

static const double sizes[] = {2, 3, 4, 7, 10, 31, 100, 1e4, 1e6, 123456789, 1e12, 9007199254740992.0};
#define NSIZES (sizeof sizes / sizeof sizes[0])

START_TEST(test_factor_known)
{
    mpfr_t out, ref, t;
    mpfr_init2(out, P);
    mpfr_inits2(PHI, ref, t, (mpfr_ptr)0);
    /* c4(2) = sqrt(2/pi) */
    EXPECT_OK(refit_mp_c4(out, 2.0));
    mpfr_const_pi(ref, RND);
    mpfr_ui_div(ref, 2, ref, RND);
    mpfr_sqrt(ref, ref, RND);
    EXPECT_AGREE(out, ref, P - 2, "c4(2)");
    for (size_t i = 0; i < NSIZES; i++)
        for (int e = 0; e < 2; e++) {
            double M = sizes[i], k = M - 1.0, D = e ? M : M - 1.0;
            /* m(1) = k/D */
            EXPECT_OK(refit_mp_factor_moment(out, M, (refit_estimator)e, 1.0));
            mpfr_set_d(ref, k, RND);
            mpfr_div_d(ref, ref, D, RND);
            EXPECT_AGREE(out, ref, P - 2, "m(1), M=%.17g est %d", M, e);
            /* m(2) = (k/D)^2 (1 + 2/k) */
            EXPECT_OK(refit_mp_factor_moment(out, M, (refit_estimator)e, 2.0));
            mpfr_sqr(ref, ref, RND);
            mpfr_set_d(t, k, RND);
            mpfr_ui_div(t, 2, t, RND);
            mpfr_add_ui(t, t, 1, RND);
            mpfr_mul(ref, ref, t, RND);
            EXPECT_AGREE(out, ref, P - 2, "m(2), M=%.17g est %d", M, e);
            /* m(3/2) = m(1/2) (k+1)/D */
            EXPECT_OK(refit_mp_factor_moment(out, M, (refit_estimator)e, 1.5));
            {
                mpfr_t h;
                mpfr_init2(h, PHI);
                EXPECT_OK(refit_mp_factor_moment(h, M, (refit_estimator)e, 0.5));
                mpfr_mul_d(h, h, k + 1.0, RND);
                mpfr_div_d(h, h, D, RND);
                EXPECT_AGREE(out, h, P - 2, "m(3/2) vs m(1/2)(k+1)/D, M=%.17g est %d", M, e);
                /* c4 = m(1/2) under U */
                if (e == 0) {
                    EXPECT_OK(refit_mp_factor_moment(h, M, REFIT_ESTIMATOR_UNBIASED, 0.5));
                    EXPECT_OK(refit_mp_c4(out, M));
                    EXPECT_AGREE(out, h, P - 2, "c4 vs m(1/2), M=%.17g", M);
                }
                mpfr_clear(h);
            }
        }
    /* m(r) = (2/D)^r Gamma(a+r)/Gamma(a) with mpfr_gamma, small M, random r. */
    for (int it = 0; it < 40; it++) {
        double M = rng_size(2, 150), a = 0.5 * (M - 1.0);
        double r = -a + (a + 6.0) * rng_unif();
        int e = (int)(rng_next() & 1u);
        double D = e ? M : M - 1.0;
        mpfr_t g1, g2;
        if (!(r > -a)) continue;
        mpfr_inits2(PHI, g1, g2, (mpfr_ptr)0);
        mpfr_set_d(t, a, RND);
        mpfr_add_d(t, t, r, RND);
        mpfr_gamma(g1, t, RND);
        mpfr_set_d(t, a, RND);
        mpfr_gamma(g2, t, RND);
        mpfr_div(ref, g1, g2, RND);
        mpfr_set_d(t, 2.0, RND);
        mpfr_div_d(t, t, D, RND);
        mpfr_set_d(g1, r, RND);
        mpfr_pow(t, t, g1, RND);
        mpfr_mul(ref, ref, t, RND);
        EXPECT_OK(refit_mp_factor_moment(out, M, (refit_estimator)e, r));
        EXPECT_AGREE(out, ref, P - 2, "m(%.17g) vs Gamma ratio, M=%g est %d", r, M, e);
        /* the log variant */
        EXPECT_OK(refit_mp_factor_moment_log(out, M, (refit_estimator)e, r));
        mpfr_log(ref, ref, RND);
        EXPECT_AGREE(out, ref, P - 4, "ln m(%.17g), M=%g est %d", r, M, e);
        mpfr_clears(g1, g2, (mpfr_ptr)0);
    }
    mpfr_clears(out, ref, t, (mpfr_ptr)0);
    report("factor_known");
}
END_TEST

/* ln m(r) where it cancels: exact zeros, ln(1 - 1/M), tiny r. */
START_TEST(test_factor_log_cancellation)
{
    mpfr_t out, ref, t, k1, k2;
    mpfr_init2(out, P);
    mpfr_inits2(PHI, ref, t, k1, k2, (mpfr_ptr)0);
    for (size_t i = 0; i < NSIZES; i++) {
        double M = sizes[i];
        EXPECT_OK(refit_mp_factor_moment_log(out, M, REFIT_ESTIMATOR_UNBIASED, 1.0));
        ck_assert_msg(mpfr_zero_p(out), "ln m(1) under U must be exactly 0 (M=%g)", M);
        EXPECT_OK(refit_mp_factor_moment_log(out, M, REFIT_ESTIMATOR_MLE, 0.0));
        ck_assert(mpfr_zero_p(out));
        /* MLE: ln m(1) = log1p(-1/M) */
        EXPECT_OK(refit_mp_factor_moment_log(out, M, REFIT_ESTIMATOR_MLE, 1.0));
        mpfr_set_d(ref, M, RND);
        mpfr_ui_div(ref, 1, ref, RND);
        mpfr_neg(ref, ref, RND);
        mpfr_log1p(ref, ref, RND);
        EXPECT_AGREE(out, ref, P - 4, "ln m(1) MLE, M=%.17g", M);
        /* tiny r = 2^-100: ln m(r) = r k1 + r^2 k2 / 2 + O(r^3) */
        for (int e = 0; e < 2; e++) {
            double r = 0x1.0p-100;
            EXPECT_OK(refit_mp_factor_log_cumulant(k1, M, (refit_estimator)e, 1));
            EXPECT_OK(refit_mp_factor_log_cumulant(k2, M, (refit_estimator)e, 2));
            mpfr_mul_d(ref, k1, r, RND);
            mpfr_mul_d(t, k2, r * r * 0.5, RND);
            mpfr_add(ref, ref, t, RND);
            EXPECT_OK(refit_mp_factor_moment_log(out, M, (refit_estimator)e, r));
            EXPECT_AGREE(out, ref, 170, "ln m(2^-100), M=%.17g est %d", M, e);
        }
    }
    mpfr_clears(out, ref, t, k1, k2, (mpfr_ptr)0);
    report("factor_log_cancellation");
}
END_TEST

/* kappa_1 and kappa_2 as derivatives of ln m(r) at 0 (central differences,
 * h = 2^-40: error about h^2 = 2^-80 relative), and kappa_j at 256 vs 512. */
START_TEST(test_cumulants)
{
    const double h = 0x1.0p-40;
    mpfr_t out, hi, lp, lm, d;
    mpfr_init2(out, P);
    mpfr_inits2(PHI, hi, lp, lm, d, (mpfr_ptr)0);
    for (size_t i = 0; i < NSIZES; i++)
        for (int e = 0; e < 2; e++) {
            double M = sizes[i];
            refit_estimator est = (refit_estimator)e;
            EXPECT_OK(refit_mp_factor_moment_log(lp, M, est, h));
            EXPECT_OK(refit_mp_factor_moment_log(lm, M, est, -h));
            mpfr_sub(d, lp, lm, RND);
            mpfr_div_d(d, d, 2.0 * h, RND);
            EXPECT_OK(refit_mp_factor_log_cumulant(out, M, est, 1));
            EXPECT_AGREE(out, d, 70, "kappa_1 vs d/dr ln m, M=%.17g est %d", M, e);
            mpfr_add(d, lp, lm, RND);
            mpfr_div_d(d, d, h * h, RND);
            EXPECT_OK(refit_mp_factor_log_cumulant(out, M, est, 2));
            EXPECT_AGREE(out, d, 70, "kappa_2 vs d2/dr2 ln m, M=%.17g est %d", M, e);
            for (int j = 1; j <= 4; j++) {
                EXPECT_OK(refit_mp_factor_log_cumulant(out, M, est, j));
                EXPECT_OK(refit_mp_factor_log_cumulant(hi, M, est, j));
                EXPECT_AGREE(out, hi, P - 2, "kappa_%d at 256 vs 512, M=%.17g est %d", j, M, e);
            }
            /* kappa_1 < 0 always (the drift) */
            EXPECT_OK(refit_mp_factor_log_cumulant(out, M, est, 1));
            ck_assert_msg(mpfr_sgn(out) < 0, "kappa_1 >= 0 at M=%g", M);
        }
    ck_assert_int_eq(refit_mp_factor_log_cumulant(out, 10, REFIT_ESTIMATOR_MLE, 0), REFIT_EINVAL);
    ck_assert(mpfr_nan_p(out));
    ck_assert_int_eq(refit_mp_factor_log_cumulant(out, 10, REFIT_ESTIMATOR_MLE, 5), REFIT_EINVAL);
    mpfr_clears(out, hi, lp, lm, d, (mpfr_ptr)0);
    report("cumulants");
}
END_TEST

START_TEST(test_factor_domain)
{
    static const double bad[] = {1.0, 1.5, 0.0, -2.0, 9007199254740994.0, 1e300};
    mpfr_t out;
    mpfr_init2(out, P);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_int_eq(refit_mp_factor_moment(out, bad[i], REFIT_ESTIMATOR_MLE, 1.0), REFIT_EDOM);
        ck_assert(mpfr_nan_p(out));
        ck_assert_int_eq(refit_mp_factor_moment_log(out, bad[i], REFIT_ESTIMATOR_MLE, 1.0),
                         REFIT_EDOM);
        ck_assert_int_eq(refit_mp_c4(out, bad[i]), REFIT_EDOM);
        ck_assert_int_eq(refit_mp_factor_log_cumulant(out, bad[i], REFIT_ESTIMATOR_MLE, 2),
                         REFIT_EDOM);
        ck_assert_int_eq(refit_mp_mix_lambda_star(out, bad[i], REFIT_ESTIMATOR_UNBIASED),
                         REFIT_EDOM);
        ck_assert(mpfr_nan_p(out));
    }
    ck_assert_int_eq(refit_mp_factor_moment(out, NAN, REFIT_ESTIMATOR_MLE, 1.0), REFIT_EDOM);
    ck_assert_int_eq(refit_mp_c4(out, INFINITY), REFIT_EDOM);
    ck_assert_int_eq(refit_mp_factor_moment(out, 10, (refit_estimator)7, 1.0), REFIT_EINVAL);
    ck_assert(mpfr_nan_p(out));
    /* r > -a = -(M-1)/2 */
    ck_assert_int_eq(refit_mp_factor_moment(out, 10, REFIT_ESTIMATOR_MLE, -4.5), REFIT_EDOM);
    ck_assert(mpfr_nan_p(out));
    ck_assert_int_eq(refit_mp_factor_moment_log(out, 10, REFIT_ESTIMATOR_MLE, -5.0), REFIT_EDOM);
    EXPECT_OK(refit_mp_factor_moment(out, 10, REFIT_ESTIMATOR_MLE, -4.4999999));
    ck_assert(mpfr_sgn(out) > 0);
    ck_assert_int_eq(refit_mp_factor_moment(out, 10, REFIT_ESTIMATOR_MLE, NAN), REFIT_EDOM);
    ck_assert_int_eq(refit_mp_factor_moment(out, 10, REFIT_ESTIMATOR_MLE, INFINITY), REFIT_EDOM);
    ck_assert_int_eq(refit_mp_factor_moment(NULL, 10, REFIT_ESTIMATOR_MLE, 1.0), REFIT_EINVAL);
    mpfr_clear(out);
}
END_TEST

/* ---- n generations: 256 vs 512 bits --------------------------------------------- */

START_TEST(test_self_consistency)
{
    mpfr_t lo, hi;
    mpfr_init2(lo, P);
    mpfr_init2(hi, PHI);
    for (int it = 0; it < 150; it++) {
        double M = rng_size(2, 1e12);
        int e = (int)(rng_next() & 1u);
        refit_regime rg = (refit_regime)(rng_next() % 3u);
        double lambda = 0.001 + 0.999 * rng_unif();
        double sigma = exp(-3.0 + 6.0 * rng_unif());
        uint64_t n;
        switch (it % 4) {
        case 0: n = (uint64_t)(rng_next() % 3u); break;
        case 1: n = (uint64_t)rng_size(1, 1e7); break;
        case 2: n = (uint64_t)rng_size(1, 2000); break;
        default: n = UINT64_C(1) << (rng_next() % 54u); break;
        }
        refit_model m = model_const(M, (refit_estimator)e, rg, lambda, sigma);
        for (int q = 0; q < REFIT_Q_COUNT; q++) {
            refit_status s1, s2;
            if (!has(rg, q)) continue;
            /* accumulate's mean_mse is O(n) */
            if (rg == REFIT_REGIME_ACCUMULATE && q != REFIT_Q_VAR_MEAN && n > 20000) continue;
            s1 = refit_mp_quantity(lo, &m, n, (refit_quantity)q);
            s2 = refit_mp_quantity(hi, &m, n, (refit_quantity)q);
            ck_assert_msg(s1 == s2, "status %d vs %d: q %d M %g n %llu", s1, s2, q, M,
                          (unsigned long long)n);
            if (s1 != REFIT_OK) {
                ck_assert_int_eq(s1, REFIT_ERANGE); /* beyond MPFR's exponent range */
                continue;
            }
            if (mpfr_zero_p(hi) && mpfr_zero_p(lo)) continue;
            EXPECT_AGREE(lo, hi, P - 2, "q%d regime %d est %d M=%.17g n=%llu sigma=%g lambda=%g",
                         q, (int)rg, e, M, (unsigned long long)n, sigma, lambda);
        }
        if (rg == REFIT_REGIME_REPLACE) {
            double r = -0.45 * (M - 1.0) + 4.0 * rng_unif();
            refit_status s1 = refit_mp_var_moment(lo, &m, n, r);
            refit_status s2 = refit_mp_var_moment(hi, &m, n, r);
            ck_assert_int_eq(s1, s2);
            if (s1 == REFIT_OK)
                EXPECT_AGREE(lo, hi, P - 2, "var_moment r=%g M=%.17g n=%llu", r, M,
                             (unsigned long long)n);
        }
    }
    /* one-generation twins at random sizes */
    for (int it = 0; it < 60; it++) {
        double M = rng_size(2, 9e15);
        int e = (int)(rng_next() & 1u);
        double r = -0.49 * (M - 1.0 < 100.0 ? M - 1.0 : 100.0) + 10.0 * rng_unif();
        EXPECT_OK(refit_mp_factor_moment(lo, M, (refit_estimator)e, r));
        EXPECT_OK(refit_mp_factor_moment(hi, M, (refit_estimator)e, r));
        EXPECT_AGREE(lo, hi, P - 2, "m(%g) M=%.17g", r, M);
        EXPECT_OK(refit_mp_factor_moment_log(lo, M, (refit_estimator)e, r));
        EXPECT_OK(refit_mp_factor_moment_log(hi, M, (refit_estimator)e, r));
        EXPECT_AGREE(lo, hi, P - 2, "ln m(%g) M=%.17g", r, M);
        EXPECT_OK(refit_mp_mix_lambda_star(lo, M, (refit_estimator)e));
        EXPECT_OK(refit_mp_mix_lambda_star(hi, M, (refit_estimator)e));
        if (!mpfr_zero_p(hi)) EXPECT_AGREE(lo, hi, P - 2, "lambda* M=%.17g", M);
    }
    mpfr_clears(lo, hi, (mpfr_ptr)0);
    report("self_consistency");
}
END_TEST

/* ---- identities and independent formulas ------------------------------------------ */

static refit_status q_at(mpfr_t out, double M, int e, double sigma, uint64_t n, int q)
{
    refit_model m = model_const(M, (refit_estimator)e, REFIT_REGIME_REPLACE, 0.5, sigma);
    return refit_mp_quantity(out, &m, n, (refit_quantity)q);
}

START_TEST(test_identities)
{
    static const uint64_t ns[] = {1, 2, 3, 10, 1000, 123457, 10000000};
    const double sigma = 1.75; /* sigma^2 = 49/16 and sigma^4 are exact doubles */
    mpfr_t out, ref, t, c4;
    mpfr_init2(out, P);
    mpfr_inits2(PHI, ref, t, c4, (mpfr_ptr)0);
    for (size_t i = 0; i < NSIZES; i++) {
        double M = sizes[i];
        /* n = 0 is the truth. */
        for (int e = 0; e < 2; e++) {
            for (int q = 0; q < REFIT_Q_COUNT; q++) {
                EXPECT_OK(q_at(out, M, e, sigma, 0, q));
                switch (q) {
                case REFIT_Q_VAR_MEAN:
                case REFIT_Q_MARGINAL_VAR:
                    ck_assert(mpfr_cmp_d(out, sigma * sigma) == 0);
                    break;
                case REFIT_Q_SD_MEAN: ck_assert(mpfr_cmp_d(out, sigma) == 0); break;
                case REFIT_Q_LOGVAR_MEAN:
                    mpfr_set_d(ref, sigma, RND);
                    mpfr_sqr(ref, ref, RND);
                    mpfr_log(ref, ref, RND);
                    EXPECT_AGREE(out, ref, P - 2, "logvar_mean(0)");
                    break;
                default:
                    ck_assert_msg(mpfr_zero_p(out), "quantity %d at n = 0 is not 0", q);
                    break;
                }
            }
        }
        for (size_t j = 0; j < sizeof ns / sizeof ns[0]; j++) {
            uint64_t n = ns[j];
            refit_status st;
            /* U: E sigma_n^2 = sigma^2 exactly (a martingale) */
            EXPECT_OK(q_at(out, M, 0, sigma, n, REFIT_Q_VAR_MEAN));
            ck_assert_msg(mpfr_cmp_d(out, sigma * sigma) == 0, "U var_mean != sigma^2");
            /* MLE: Var X^n = sigma^2 */
            EXPECT_OK(q_at(out, M, 1, sigma, n, REFIT_Q_MARGINAL_VAR));
            mpfr_set_d(ref, sigma * sigma, RND);
            EXPECT_AGREE(out, ref, P - 4, "MLE marginal_var, M=%.17g n=%llu", M,
                         (unsigned long long)n);
            /* U: Var sigma_n^2 = sigma^4 [((M+1)/(M-1))^n - 1] = sigma^4 expm1(n log1p(2/(M-1))) */
            st = q_at(out, M, 0, sigma, n, REFIT_Q_VAR_VAR);
            if (st == REFIT_OK) {
                mpfr_set_d(t, M - 1.0, RND);
                mpfr_ui_div(t, 2, t, RND);
                mpfr_log1p(t, t, RND);
                mpfr_mul_d(t, t, (double)n, RND);
                mpfr_expm1(ref, t, RND);
                mpfr_mul_d(ref, ref, sigma * sigma, RND);
                mpfr_mul_d(ref, ref, sigma * sigma, RND);
                EXPECT_AGREE(out, ref, P - 4, "U var_var, M=%.17g n=%llu", M, (unsigned long long)n);
            } else {
                ck_assert_int_eq(st, REFIT_ERANGE);
            }
            /* mean drift: U sigma^2 n/M; MLE sigma^2 (1 - (1-1/M)^n) */
            EXPECT_OK(q_at(out, M, 0, sigma, n, REFIT_Q_MEAN_MSE));
            mpfr_set_d(ref, sigma * sigma, RND);
            mpfr_mul_d(ref, ref, (double)n, RND);
            mpfr_div_d(ref, ref, M, RND);
            EXPECT_AGREE(out, ref, P - 2, "U mean_mse, M=%.17g n=%llu", M, (unsigned long long)n);
            EXPECT_OK(q_at(out, M, 1, sigma, n, REFIT_Q_MEAN_MSE));
            mpfr_set_d(t, -1.0, RND);
            mpfr_div_d(t, t, M, RND);
            mpfr_log1p(t, t, RND);
            mpfr_mul_d(t, t, (double)n, RND);
            mpfr_expm1(ref, t, RND);
            mpfr_mul_d(ref, ref, -sigma * sigma, RND);
            EXPECT_AGREE(out, ref, P - 4, "MLE mean_mse, M=%.17g n=%llu", M, (unsigned long long)n);
            /* U: E sigma_n = sigma c4^n and E W2^2 = sigma^2 (n/M + 2 - 2 c4^n) */
            EXPECT_OK(refit_mp_c4(c4, M));
            mpfr_set_d(t, (double)n, RND);
            mpfr_pow(c4, c4, t, RND);
            EXPECT_OK(q_at(out, M, 0, sigma, n, REFIT_Q_SD_MEAN));
            mpfr_mul_d(ref, c4, sigma, RND);
            EXPECT_AGREE(out, ref, P - 4, "U sd_mean, M=%.17g n=%llu", M, (unsigned long long)n);
            EXPECT_OK(q_at(out, M, 0, sigma, n, REFIT_Q_W2SQ_MEAN));
            mpfr_ui_sub(ref, 1, c4, RND);
            mpfr_mul_2ui(ref, ref, 1, RND);
            mpfr_set_d(t, (double)n, RND);
            mpfr_div_d(t, t, M, RND);
            mpfr_add(ref, ref, t, RND);
            mpfr_mul_d(ref, ref, sigma * sigma, RND);
            EXPECT_AGREE(out, ref, P - 4, "U w2sq_mean, M=%.17g n=%llu", M, (unsigned long long)n);
            /* log-cumulants add up: n kappa_j, logvar_mean = ln sigma^2 + n kappa_1 */
            for (int e = 0; e < 2; e++)
                for (int c = 1; c <= 4; c++) {
                    EXPECT_OK(refit_mp_factor_log_cumulant(ref, M, (refit_estimator)e, c));
                    mpfr_mul_d(ref, ref, (double)n, RND);
                    if (c == 1) {
                        mpfr_set_d(t, sigma * sigma, RND);
                        mpfr_log(t, t, RND);
                        mpfr_add(ref, ref, t, RND);
                    }
                    EXPECT_OK(q_at(out, M, e, sigma, n, REFIT_Q_LOGVAR_MEAN + c - 1));
                    EXPECT_AGREE(out, ref, P - 4, "logvar cumulant %d, M=%.17g n=%llu est %d", c,
                                 M, (unsigned long long)n, e);
                }
            /* w2sq_lower = mean_mse; marginal = var_mean + mean_mse */
            for (int e = 0; e < 2; e++) {
                EXPECT_OK(q_at(out, M, e, sigma, n, REFIT_Q_W2SQ_LOWER));
                EXPECT_OK(q_at(ref, M, e, sigma, n, REFIT_Q_MEAN_MSE));
                ck_assert(mpfr_equal_p(out, ref) || agree(out, ref) >= P - 2);
            }
        }
    }
    mpfr_clears(out, ref, t, c4, (mpfr_ptr)0);
    report("identities");
}
END_TEST

/* Var W2^2 after one refit, arranged differently: V = 1/M is fixed, so
 * Var W/sigma^4 = Var(Z^2)/M^2 + Var((X-1)^2) = 2/M^2 + E(X-1)^4 - (E(X-1)^2)^2
 * with E X^j = m(j/2).  And the leading order (5/2)(n/M)^2 for n << M. */
START_TEST(test_w2sq_var)
{
    const mpfr_prec_t rp = 1024;
    mpfr_t out, mom[5], x2, x4, ref, t;
    mpfr_init2(out, P);
    mpfr_inits2(rp, mom[0], mom[1], mom[2], mom[3], mom[4], x2, x4, ref, t, (mpfr_ptr)0);
    for (size_t i = 0; i < NSIZES; i++)
        for (int e = 0; e < 2; e++) {
            double M = sizes[i], sigma = 0.6;
            mpfr_set_ui(mom[0], 1, RND);
            for (int j = 1; j <= 4; j++)
                EXPECT_OK(refit_mp_factor_moment(mom[j], M, (refit_estimator)e, 0.5 * j));
            /* E(X-1)^2 = m(1) - 2 m(1/2) + 1 */
            mpfr_mul_2ui(t, mom[1], 1, RND);
            mpfr_sub(x2, mom[2], t, RND);
            mpfr_add_ui(x2, x2, 1, RND);
            /* E(X-1)^4 = m(2) - 4 m(3/2) + 6 m(1) - 4 m(1/2) + 1 */
            mpfr_mul_2ui(t, mom[3], 2, RND);
            mpfr_sub(x4, mom[4], t, RND);
            mpfr_mul_ui(t, mom[2], 6, RND);
            mpfr_add(x4, x4, t, RND);
            mpfr_mul_2ui(t, mom[1], 2, RND);
            mpfr_sub(x4, x4, t, RND);
            mpfr_add_ui(x4, x4, 1, RND);
            mpfr_sqr(t, x2, RND);
            mpfr_sub(ref, x4, t, RND);
            mpfr_set_d(t, M, RND);
            mpfr_sqr(t, t, RND);
            mpfr_ui_div(t, 2, t, RND);
            mpfr_add(ref, ref, t, RND);
            set_sq(t, sigma);
            mpfr_mul(ref, ref, t, RND);
            mpfr_mul(ref, ref, t, RND);
            EXPECT_OK(q_at(out, M, e, sigma, 1, REFIT_Q_W2SQ_VAR));
            EXPECT_AGREE(out, ref, P - 4, "w2sq_var(1) vs Var(Z^2/M + (X-1)^2), M=%.17g est %d",
                         M, e);
        }
    /* leading order: corrections are O(n/M) relative */
    for (int e = 0; e < 2; e++) {
        double M = 1e12, n = 100.0, rel;
        EXPECT_OK(q_at(out, M, e, 1.0, 100, REFIT_Q_W2SQ_VAR));
        rel = mpfr_get_d(out, RND) / (2.5 * (n / M) * (n / M)) - 1.0;
        ck_assert_msg(fabs(rel) < 1e-8, "w2sq_var leading order off by %g", rel);
        EXPECT_OK(q_at(out, M, e, 1.0, 100, REFIT_Q_W2SQ_MEAN));
        rel = mpfr_get_d(out, RND) / (1.5 * n / M) - 1.0;
        ck_assert_msg(fabs(rel) < 1e-8, "w2sq_mean leading order off by %g", rel);
    }
    mpfr_clears(out, mom[0], mom[1], mom[2], mom[3], mom[4], x2, x4, ref, t, (mpfr_ptr)0);
    report("w2sq_var");
}
END_TEST

/* ---- closed forms vs the generation-by-generation path ------------------------------ */

static double *list_of(double M, size_t count)
{
    double *s = malloc(count * sizeof *s);
    ck_assert_ptr_nonnull(s);
    for (size_t i = 0; i < count; i++) s[i] = M;
    return s;
}

START_TEST(test_closed_vs_loop)
{
    static const double Ms[] = {2, 3, 17, 1000, 1e9};
    static const uint64_t ns[] = {1, 2, 7, 100, 2000};
    static const double lambdas[] = {0.05, 0.5, 1.0};
    mpfr_t a, b;
    mpfr_inits2(P, a, b, (mpfr_ptr)0);
    for (size_t i = 0; i < sizeof Ms / sizeof Ms[0]; i++)
        for (size_t j = 0; j < sizeof ns / sizeof ns[0]; j++) {
            uint64_t n = ns[j];
            /* A LIST longer than n is never constant: the loop runs all n. */
            double *sz = list_of(Ms[i], (size_t)n + 1);
            for (int e = 0; e < 2; e++)
                for (int rg = 0; rg < 3; rg += 2)
                    for (size_t l = 0; l < (rg ? 3u : 1u); l++) {
                        refit_model mc =
                            model_const(Ms[i], (refit_estimator)e, (refit_regime)rg, lambdas[l], 1.3);
                        refit_model ml = mc;
                        ml.schedule.kind = REFIT_SCHEDULE_LIST;
                        ml.schedule.sizes = sz;
                        ml.schedule.count = (size_t)n + 1;
                        for (int q = 0; q < REFIT_Q_COUNT; q++) {
                            refit_status s1, s2;
                            if (!has((refit_regime)rg, q)) continue;
                            s1 = refit_mp_quantity(a, &mc, n, (refit_quantity)q);
                            s2 = refit_mp_quantity(b, &ml, n, (refit_quantity)q);
                            ck_assert_int_eq(s1, s2);
                            if (s1 != REFIT_OK) continue;
                            EXPECT_AGREE(a, b, P - 8, "q%d closed vs loop, regime %d est %d M=%g n=%llu lambda=%g",
                                         q, rg, e, Ms[i], (unsigned long long)n, lambdas[l]);
                        }
                        if (rg == 0) {
                            EXPECT_OK(refit_mp_var_moment(a, &mc, n, 0.75));
                            EXPECT_OK(refit_mp_var_moment(b, &ml, n, 0.75));
                            EXPECT_AGREE(a, b, P - 8, "var_moment closed vs loop M=%g n=%llu", Ms[i],
                                         (unsigned long long)n);
                        }
                    }
            free(sz);
        }
    mpfr_clears(a, b, (mpfr_ptr)0);
    report("closed_vs_loop");
}
END_TEST

/* A LIST's repeating last size (summed in closed form) against the same
 * sizes written out (looped). */
START_TEST(test_list_tail)
{
    static const double head[] = {5, 9, 4, 2, 300};
    const uint64_t n = 1500;
    double *full = list_of(41.0, (size_t)n + 1);
    mpfr_t a, b;
    mpfr_inits2(P, a, b, (mpfr_ptr)0);
    for (size_t i = 0; i < 5; i++) full[i] = head[i];
    for (int e = 0; e < 2; e++)
        for (int rg = 0; rg < 3; rg += 2) {
            refit_model m1 = model_const(41, (refit_estimator)e, (refit_regime)rg, 0.2, 0.9);
            refit_model m2;
            m1.schedule.kind = REFIT_SCHEDULE_LIST;
            m1.schedule.sizes = full;
            m1.schedule.count = 6; /* 5 heads, then 41 repeats */
            m2 = m1;
            m2.schedule.count = (size_t)n + 1;
            for (uint64_t nn = 3; nn <= n; nn += 499)
                for (int q = 0; q < REFIT_Q_COUNT; q++) {
                    if (!has((refit_regime)rg, q)) continue;
                    EXPECT_OK(refit_mp_quantity(a, &m1, nn, (refit_quantity)q));
                    EXPECT_OK(refit_mp_quantity(b, &m2, nn, (refit_quantity)q));
                    EXPECT_AGREE(a, b, P - 8, "q%d list tail vs loop, regime %d est %d n=%llu", q,
                                 rg, e, (unsigned long long)nn);
                }
            if (rg == 0) {
                EXPECT_OK(refit_mp_var_moment(a, &m1, n, -0.4)); /* > -a = -1/2 at M = 2 */
                EXPECT_OK(refit_mp_var_moment(b, &m2, n, -0.4));
                EXPECT_AGREE(a, b, P - 8, "var_moment list tail");
            }
        }
    free(full);
    mpfr_clears(a, b, (mpfr_ptr)0);
    report("list_tail");
}
END_TEST

/* POLY schedules: products and sums of the one-generation twins, formed
 * here from refit_schedule_size. */
START_TEST(test_poly_products)
{
    static const double alphas[] = {0.5, 1.0, 2.0};
    const uint64_t n = 300;
    mpfr_t out, ref, t;
    mpfr_init2(out, P);
    mpfr_inits2(PHI, ref, t, (mpfr_ptr)0);
    for (size_t ai = 0; ai < 3; ai++)
        for (int e = 0; e < 2; e++) {
            refit_model m = model_const(2, (refit_estimator)e, REFIT_REGIME_REPLACE, 0.5, 1.1);
            m.schedule.kind = REFIT_SCHEDULE_POLY;
            m.schedule.M = 2.0 + (double)ai;
            m.schedule.alpha = alphas[ai];
            /* sd_mean = sigma prod m_i(1/2) */
            mpfr_set_d(ref, m.sigma, RND);
            for (uint64_t i = 0; i < n; i++) {
                double M;
                EXPECT_OK(refit_schedule_size(&m.schedule, i, &M));
                EXPECT_OK(refit_mp_factor_moment(t, M, (refit_estimator)e, 0.5));
                mpfr_mul(ref, ref, t, RND);
            }
            EXPECT_OK(refit_mp_quantity(out, &m, n, REFIT_Q_SD_MEAN));
            EXPECT_AGREE(out, ref, P - 8, "POLY sd_mean alpha %g est %d", alphas[ai], e);
            /* logvar_mean = ln sigma^2 + sum kappa_1; k4 = sum kappa_4 */
            for (int j = 1; j <= 4; j += 3) {
                mpfr_set_zero(ref, 1);
                if (j == 1) {
                    set_sq(ref, m.sigma);
                    mpfr_log(ref, ref, RND);
                }
                for (uint64_t i = 0; i < n; i++) {
                    double M;
                    EXPECT_OK(refit_schedule_size(&m.schedule, i, &M));
                    EXPECT_OK(refit_mp_factor_log_cumulant(t, M, (refit_estimator)e, j));
                    mpfr_add(ref, ref, t, RND);
                }
                EXPECT_OK(refit_mp_quantity(out, &m, n, j == 1 ? REFIT_Q_LOGVAR_MEAN : REFIT_Q_LOGVAR_K4));
                EXPECT_AGREE(out, ref, P - 8, "POLY log cumulant %d alpha %g est %d", j, alphas[ai], e);
            }
            /* var_moment(r) = sigma^2r prod m_i(r) */
            set_sq(ref, m.sigma);
            mpfr_set_d(t, -0.3, RND);
            mpfr_pow(ref, ref, t, RND);
            for (uint64_t i = 0; i < n; i++) {
                double M;
                EXPECT_OK(refit_schedule_size(&m.schedule, i, &M));
                EXPECT_OK(refit_mp_factor_moment(t, M, (refit_estimator)e, -0.3));
                mpfr_mul(ref, ref, t, RND);
            }
            EXPECT_OK(refit_mp_var_moment(out, &m, n, -0.3));
            EXPECT_AGREE(out, ref, P - 8, "POLY var_moment alpha %g est %d", alphas[ai], e);
        }
    mpfr_clears(out, ref, t, (mpfr_ptr)0);
    report("poly_products");
}
END_TEST

/* ---- accumulate ----------------------------------------------------------------------- */

/* theory-notes sec. 5, iterated as written: v_{t+1} from v_t, and
 * E(mu_n - mu)^2 = (1/M) sum_{m=1}^{n} v_{m-1}/m^2. */
static void accumulate_direct(mpfr_t v, mpfr_t e, double M, int mle, double sigma, uint64_t n)
{
    mpfr_prec_t p = mpfr_get_prec(v);
    mpfr_t f, t, sum;
    mpfr_inits2(p, f, t, sum, (mpfr_ptr)0);
    mpfr_set_d(v, sigma, RND);
    mpfr_sqr(v, v, RND);
    mpfr_set_zero(sum, 1);
    for (uint64_t tt = 0; tt < n; tt++) {
        double u = (double)(tt + 1);
        mpfr_div_d(t, v, u, RND);
        mpfr_div_d(t, t, u, RND);
        mpfr_add(sum, sum, t, RND);
        if (mle) {
            mpfr_set_d(f, u, RND);
            mpfr_mul_d(f, f, u, RND);
            mpfr_mul_d(f, f, M, RND); /* (t+1)^2 M */
        } else {
            if (tt == 0) continue; /* v_1 = sigma^2 */
            mpfr_set_d(f, u, RND);
            mpfr_mul_d(f, f, M, RND);
            mpfr_sub_ui(f, f, 1, RND);
            mpfr_mul_d(f, f, u, RND); /* (t+1)((t+1)M - 1) */
        }
        mpfr_ui_div(f, 1, f, RND);
        mpfr_ui_sub(f, 1, f, RND);
        mpfr_mul(v, v, f, RND);
    }
    mpfr_div_d(e, sum, M, RND);
    mpfr_clears(f, t, sum, (mpfr_ptr)0);
}

START_TEST(test_accumulate)
{
    static const double Ms[] = {2, 3, 10, 1e6, 1e12};
    static const uint64_t ns[] = {0, 1, 2, 3, 10, 1000, 20000};
    mpfr_t out, v, e, t;
    mpfr_init2(out, P);
    mpfr_inits2(PHI, v, e, t, (mpfr_ptr)0);
    for (size_t i = 0; i < 5; i++)
        for (int mle = 0; mle < 2; mle++)
            for (size_t j = 0; j < 7; j++) {
                double M = Ms[i], sigma = 1.4;
                uint64_t n = ns[j];
                refit_model m = model_const(M, (refit_estimator)mle, REFIT_REGIME_ACCUMULATE, 0.5, sigma);
                accumulate_direct(v, e, M, mle, sigma, n);
                EXPECT_OK(refit_mp_quantity(out, &m, n, REFIT_Q_VAR_MEAN));
                EXPECT_AGREE(out, v, P - 8, "accumulate var_mean Gamma form vs recursion M=%g n=%llu est %d",
                             M, (unsigned long long)n, mle);
                if (n == 0) {
                    EXPECT_OK(refit_mp_quantity(out, &m, n, REFIT_Q_MEAN_MSE));
                    ck_assert(mpfr_zero_p(out));
                    continue;
                }
                EXPECT_OK(refit_mp_quantity(out, &m, n, REFIT_Q_MEAN_MSE));
                EXPECT_AGREE(out, e, P - 8, "accumulate mean_mse M=%g n=%llu est %d", M,
                             (unsigned long long)n, mle);
                /* bounded: < (pi^2/6) sigma^2 / M */
                mpfr_const_pi(t, RND);
                mpfr_sqr(t, t, RND);
                mpfr_mul_d(t, t, sigma * sigma / 6.0, RND);
                mpfr_div_d(t, t, M, RND);
                ck_assert(mpfr_less_p(out, t));
                mpfr_add(v, v, e, RND);
                EXPECT_OK(refit_mp_quantity(out, &m, n, REFIT_Q_MARGINAL_VAR));
                EXPECT_AGREE(out, v, P - 8, "accumulate marginal_var M=%g n=%llu", M,
                             (unsigned long long)n);
                EXPECT_OK(refit_mp_quantity(out, &m, n, REFIT_Q_W2SQ_LOWER));
                EXPECT_AGREE(out, e, P - 8, "accumulate w2sq_lower M=%g", M);
            }
    /* MLE limit: v_inf = sigma^2 sin(pi s)/(pi s), s = 1/sqrt(M), and
     * ln(v_n / v_inf) = -sum_{u>n} ln(1 - 1/(u^2 M)) lies in (1/((n+1)M), 1/(nM) (1 + 1/n)). */
    for (size_t i = 0; i < 5; i++) {
        double M = Ms[i], n = 0x1.0p20, scaled;
        refit_model m = model_const(M, REFIT_ESTIMATOR_MLE, REFIT_REGIME_ACCUMULATE, 0.5, 1.0);
        EXPECT_OK(refit_mp_quantity(out, &m, (uint64_t)n, REFIT_Q_VAR_MEAN));
        mpfr_set_d(t, M, RND);
        mpfr_rec_sqrt(t, t, RND);
        mpfr_const_pi(e, RND);
        mpfr_mul(t, t, e, RND);
        mpfr_sin(v, t, RND);
        mpfr_div(v, v, t, RND);
        mpfr_div(v, out, v, RND);
        mpfr_log(v, v, RND);
        scaled = mpfr_get_d(v, RND) * n * M; /* in (n/(n+1), 1 + 1/n) */
        ck_assert_msg(scaled > n / (n + 1.0) && scaled < 1.0 + 1.0 / n,
                      "MLE ln(v_n/v_inf) n M = %.17g, M = %g", scaled, M);
    }
    /* regime limits */
    {
        refit_model m = model_const(10, REFIT_ESTIMATOR_MLE, REFIT_REGIME_ACCUMULATE, 0.5, 1.0);
        ck_assert_int_eq(refit_mp_quantity(out, &m, 3, REFIT_Q_VAR_VAR), REFIT_EINVAL);
        ck_assert(mpfr_nan_p(out));
        ck_assert_int_eq(refit_mp_quantity(out, &m, 3, REFIT_Q_W2SQ_MEAN), REFIT_EINVAL);
        ck_assert_int_eq(refit_mp_var_moment(out, &m, 3, 1.0), REFIT_EINVAL);
        double L[] = {10, 20};
        m.schedule.kind = REFIT_SCHEDULE_LIST;
        m.schedule.sizes = L;
        m.schedule.count = 2;
        ck_assert_int_eq(refit_mp_quantity(out, &m, 3, REFIT_Q_VAR_MEAN), REFIT_EINVAL);
    }
    mpfr_clears(out, v, e, t, (mpfr_ptr)0);
    report("accumulate");
}
END_TEST

/* ---- mix -------------------------------------------------------------------------------- */

/* theory-notes sec. 5, iterated as written. */
static void mix_direct(mpfr_t e, mpfr_t v, double M, int mle, double l, double sigma, uint64_t n)
{
    mpfr_prec_t p = mpfr_get_prec(v);
    mpfr_t s2, en, vn, t, om;
    mpfr_inits2(p, s2, en, vn, t, om, (mpfr_ptr)0);
    mpfr_set_d(s2, sigma, RND);
    mpfr_sqr(s2, s2, RND);
    mpfr_set_ui(om, 1, RND);
    mpfr_sub_d(om, om, l, RND);
    mpfr_set_zero(e, 1);
    mpfr_set(v, s2, RND);
    for (uint64_t i = 0; i < n; i++) {
        /* e' = (1-l)^2 e + l s2/M + (1-l) v/M */
        mpfr_sqr(en, om, RND);
        mpfr_mul(en, en, e, RND);
        mpfr_mul_d(t, s2, l, RND);
        mpfr_div_d(t, t, M, RND);
        mpfr_add(en, en, t, RND);
        mpfr_mul(t, om, v, RND);
        mpfr_div_d(t, t, M, RND);
        mpfr_add(en, en, t, RND);
        /* v' */
        mpfr_mul_d(vn, s2, l, RND);
        mpfr_mul(t, om, v, RND);
        mpfr_add(vn, vn, t, RND);
        if (mle) {
            mpfr_mul_d(vn, vn, M - 1.0, RND);
            mpfr_div_d(vn, vn, M, RND);
        }
        mpfr_mul(t, om, e, RND);
        mpfr_mul_d(t, t, l, RND);
        if (!mle) {
            mpfr_mul_d(t, t, M, RND);
            mpfr_div_d(t, t, M - 1.0, RND);
        }
        mpfr_add(vn, vn, t, RND);
        mpfr_set(e, en, RND);
        mpfr_set(v, vn, RND);
    }
    mpfr_clears(s2, en, vn, t, om, (mpfr_ptr)0);
}

START_TEST(test_mix)
{
    static const double Ms[] = {2, 5, 100, 1e8};
    static const double ls[] = {0.01, 0.3, 1.0};
    static const uint64_t ns[] = {1, 2, 17, 3000};
    mpfr_t out, e, v, fv, fe, t, s;
    mpfr_init2(out, P);
    mpfr_inits2(P, fv, fe, (mpfr_ptr)0);
    mpfr_inits2(PHI, e, v, t, s, (mpfr_ptr)0);
    for (size_t i = 0; i < 4; i++)
        for (int mle = 0; mle < 2; mle++)
            for (size_t li = 0; li < 3; li++) {
                double M = Ms[i], l = ls[li], sigma = 0.8;
                refit_model m = model_const(M, (refit_estimator)mle, REFIT_REGIME_MIX, l, sigma);
                refit_status st;
                for (size_t j = 0; j < 4; j++) {
                    uint64_t n = ns[j];
                    mix_direct(e, v, M, mle, l, sigma, n);
                    EXPECT_OK(refit_mp_quantity(out, &m, n, REFIT_Q_VAR_MEAN));
                    EXPECT_AGREE(out, v, P - 8, "mix var_mean M=%g l=%g n=%llu est %d", M, l,
                                 (unsigned long long)n, mle);
                    EXPECT_OK(refit_mp_quantity(out, &m, n, REFIT_Q_MEAN_MSE));
                    EXPECT_AGREE(out, e, P - 8, "mix mean_mse M=%g l=%g n=%llu est %d", M, l,
                                 (unsigned long long)n, mle);
                    mpfr_add(t, e, v, RND);
                    EXPECT_OK(refit_mp_quantity(out, &m, n, REFIT_Q_MARGINAL_VAR));
                    EXPECT_AGREE(out, t, P - 8, "mix marginal_var M=%g", M);
                }
                /* the fixed point: x* = A x* + b, and the limit of x_n */
                st = refit_mp_mix_fixed_point(fv, fe, &m);
                EXPECT_OK(refit_mp_mix_lambda_star(t, M, (refit_estimator)mle));
                if (mpfr_cmp_d(t, l) >= 0) {
                    ck_assert_int_eq(st, REFIT_EDOM);
                    ck_assert(mpfr_nan_p(fv) && mpfr_nan_p(fe));
                    continue;
                }
                EXPECT_OK(st);
                /* one step from the fixed point returns to it */
                {
                    {
                        mpfr_t e1, v1;
                        mpfr_inits2(PHI, e1, v1, (mpfr_ptr)0);
                        /* e' */
                        mpfr_set_ui(s, 1, RND);
                        mpfr_sub_d(s, s, l, RND);
                        mpfr_sqr(e1, s, RND);
                        mpfr_mul(e1, e1, fe, RND);
                        mpfr_set_d(t, sigma, RND);
                        mpfr_sqr(t, t, RND);
                        mpfr_mul_d(t, t, l, RND);
                        mpfr_div_d(t, t, M, RND);
                        mpfr_add(e1, e1, t, RND);
                        mpfr_mul(t, s, fv, RND);
                        mpfr_div_d(t, t, M, RND);
                        mpfr_add(e1, e1, t, RND);
                        EXPECT_AGREE(e1, fe, P - 8, "mix fixed point e residual M=%g l=%g est %d",
                                     M, l, mle);
                        /* v' */
                        mpfr_set_d(v1, sigma, RND);
                        mpfr_sqr(v1, v1, RND);
                        mpfr_mul_d(v1, v1, l, RND);
                        mpfr_mul(t, s, fv, RND);
                        mpfr_add(v1, v1, t, RND);
                        if (mle) {
                            mpfr_mul_d(v1, v1, M - 1.0, RND);
                            mpfr_div_d(v1, v1, M, RND);
                        }
                        mpfr_mul(t, s, fe, RND);
                        mpfr_mul_d(t, t, l, RND);
                        if (!mle) {
                            mpfr_mul_d(t, t, M, RND);
                            mpfr_div_d(t, t, M - 1.0, RND);
                        }
                        mpfr_add(v1, v1, t, RND);
                        EXPECT_AGREE(v1, fv, P - 8, "mix fixed point v residual M=%g l=%g est %d",
                                     M, l, mle);
                        mpfr_clears(e1, v1, (mpfr_ptr)0);
                    }
                }
                /* far generations reach it (spectral radius < 1) */
                EXPECT_OK(refit_mp_quantity(out, &m, UINT64_C(1) << 52, REFIT_Q_VAR_MEAN));
                EXPECT_AGREE(out, fv, P - 12, "mix var_mean(2^52) vs fixed point M=%g l=%g", M, l);
                EXPECT_OK(refit_mp_quantity(out, &m, UINT64_C(1) << 52, REFIT_Q_MEAN_MSE));
                EXPECT_AGREE(out, fe, P - 12, "mix mean_mse(2^52) vs fixed point M=%g l=%g", M, l);
            }
    /* lambda* = 1 - sqrt(1 - 1/M) (U), 0 (MLE); the fixed point exists just above it */
    for (size_t i = 0; i < NSIZES; i++) {
        double M = sizes[i], ls_d;
        mpfr_t hi;
        mpfr_init2(hi, 1024 + 64);
        mpfr_set_d(hi, M, RND);
        mpfr_ui_div(hi, 1, hi, RND);
        mpfr_ui_sub(hi, 1, hi, RND);
        mpfr_sqrt(hi, hi, RND);
        mpfr_ui_sub(hi, 1, hi, RND);
        EXPECT_OK(refit_mp_mix_lambda_star(out, M, REFIT_ESTIMATOR_UNBIASED));
        EXPECT_AGREE(out, hi, P - 2, "lambda* M=%.17g", M);
        EXPECT_OK(refit_mp_mix_lambda_star(out, M, REFIT_ESTIMATOR_MLE));
        ck_assert(mpfr_zero_p(out));
        ls_d = mpfr_get_d(hi, RND);
        {
            refit_model m = model_const(M, REFIT_ESTIMATOR_UNBIASED, REFIT_REGIME_MIX,
                                        nextafter(ls_d, 0.0), 1.0);
            if (mpfr_cmp_d(hi, m.lambda) > 0)
                ck_assert_int_eq(refit_mp_mix_fixed_point(fv, fe, &m), REFIT_EDOM);
            m.lambda = nextafter(nextafter(ls_d, 1.0), 1.0);
            EXPECT_OK(refit_mp_mix_fixed_point(fv, fe, &m));
            ck_assert(mpfr_sgn(fv) > 0 && mpfr_sgn(fe) > 0);
            m.estimator = REFIT_ESTIMATOR_MLE;
            m.lambda = 1e-300;
            EXPECT_OK(refit_mp_mix_fixed_point(fv, fe, &m));
        }
        mpfr_clear(hi);
    }
    /* not a constant-size mix model */
    {
        refit_model m = model_const(10, REFIT_ESTIMATOR_UNBIASED, REFIT_REGIME_REPLACE, 0.5, 1.0);
        double L[] = {10, 20};
        ck_assert_int_eq(refit_mp_mix_fixed_point(fv, fe, &m), REFIT_EINVAL);
        m.regime = REFIT_REGIME_MIX;
        m.schedule.kind = REFIT_SCHEDULE_LIST;
        m.schedule.sizes = L;
        m.schedule.count = 2;
        ck_assert_int_eq(refit_mp_mix_fixed_point(fv, fe, &m), REFIT_EINVAL);
        ck_assert(mpfr_nan_p(fv) && mpfr_nan_p(fe));
        m.lambda = 0.0;
        ck_assert_int_eq(refit_mp_mix_fixed_point(fv, fe, &m), REFIT_EDOM);
    }
    mpfr_clears(out, e, v, fv, fe, t, s, (mpfr_ptr)0);
    report("mix");
}
END_TEST

/* ---- var_moment and domains ---------------------------------------------------------- */

START_TEST(test_var_moment)
{
    static const double L[] = {10, 3, 50};
    mpfr_t out, ref, t;
    mpfr_init2(out, P);
    mpfr_inits2(PHI, ref, t, (mpfr_ptr)0);
    for (size_t i = 0; i < NSIZES; i++)
        for (int e = 0; e < 2; e++) {
            double M = sizes[i];
            uint64_t n = 37;
            refit_model m = model_const(M, (refit_estimator)e, REFIT_REGIME_REPLACE, 0.5, 2.5);
            /* r = 1, 1/2, 2 are var_mean, sd_mean, var_var + var_mean^2 */
            EXPECT_OK(refit_mp_var_moment(out, &m, n, 1.0));
            EXPECT_OK(refit_mp_quantity(ref, &m, n, REFIT_Q_VAR_MEAN));
            EXPECT_AGREE(out, ref, P - 4, "var_moment(1) M=%.17g", M);
            EXPECT_OK(refit_mp_var_moment(out, &m, n, 0.5));
            EXPECT_OK(refit_mp_quantity(ref, &m, n, REFIT_Q_SD_MEAN));
            EXPECT_AGREE(out, ref, P - 4, "var_moment(1/2) M=%.17g", M);
            EXPECT_OK(refit_mp_var_moment(out, &m, n, 2.0));
            EXPECT_OK(refit_mp_quantity(ref, &m, n, REFIT_Q_VAR_VAR));
            EXPECT_OK(refit_mp_quantity(t, &m, n, REFIT_Q_VAR_MEAN));
            mpfr_sqr(t, t, RND);
            mpfr_add(ref, ref, t, RND);
            EXPECT_AGREE(out, ref, P - 4, "var_moment(2) M=%.17g", M);
        }
    {
        refit_model m = model_const(10, REFIT_ESTIMATOR_UNBIASED, REFIT_REGIME_REPLACE, 0.5, 2.0);
        m.schedule.kind = REFIT_SCHEDULE_LIST;
        m.schedule.sizes = L;
        m.schedule.count = 3;
        /* min a_i over i < n: a = 4.5, 1, 24.5 */
        EXPECT_OK(refit_mp_var_moment(out, &m, 1, -1.0));
        ck_assert_int_eq(refit_mp_var_moment(out, &m, 2, -1.0), REFIT_EDOM);
        ck_assert(mpfr_nan_p(out));
        EXPECT_OK(refit_mp_var_moment(out, &m, 5, -0.99));
        /* n = 0: sigma^{2r} for any r */
        EXPECT_OK(refit_mp_var_moment(out, &m, 0, -100.0));
        ck_assert(mpfr_cmp_d(out, pow(2.0, -200.0)) == 0);
        ck_assert_int_eq(refit_mp_var_moment(out, &m, 2, NAN), REFIT_EDOM);
        m.regime = REFIT_REGIME_MIX;
        ck_assert_int_eq(refit_mp_var_moment(out, &m, 2, 1.0), REFIT_EINVAL);
    }
    mpfr_clears(out, ref, t, (mpfr_ptr)0);
    report("var_moment");
}
END_TEST

START_TEST(test_quantity_domain)
{
    mpfr_t out;
    refit_model m = refit_model_default();
    mpfr_init2(out, P);
    ck_assert_int_eq(refit_mp_quantity(out, NULL, 1, REFIT_Q_VAR_MEAN), REFIT_EINVAL);
    ck_assert(mpfr_nan_p(out));
    ck_assert_int_eq(refit_mp_quantity(out, &m, 1, REFIT_Q_COUNT), REFIT_EINVAL);
    ck_assert_int_eq(refit_mp_quantity(out, &m, 1, (refit_quantity)-1), REFIT_EINVAL);
    ck_assert_int_eq(refit_mp_quantity(NULL, &m, 1, REFIT_Q_VAR_MEAN), REFIT_EINVAL);
    m.sigma = 0.0;
    ck_assert_int_eq(refit_mp_quantity(out, &m, 1, REFIT_Q_VAR_MEAN), REFIT_EDOM);
    ck_assert(mpfr_nan_p(out));
    m = refit_model_default();
    m.schedule.M = 2.5;
    ck_assert_int_eq(refit_mp_quantity(out, &m, 1, REFIT_Q_W2SQ_VAR), REFIT_EDOM);
    m = refit_model_default();
    m.regime = REFIT_REGIME_MIX;
    m.lambda = 1.5;
    ck_assert_int_eq(refit_mp_quantity(out, &m, 1, REFIT_Q_VAR_MEAN), REFIT_EDOM);
    m.lambda = 0.5;
    ck_assert_int_eq(refit_mp_quantity(out, &m, 1, REFIT_Q_LOGVAR_VAR), REFIT_EINVAL);
    ck_assert(mpfr_nan_p(out));
    /* a POLY size beyond 2^53 is reported by the call that reaches it */
    m = refit_model_default();
    m.schedule.kind = REFIT_SCHEDULE_POLY;
    m.schedule.M = 2.0;
    m.schedule.alpha = 60.0;
    EXPECT_OK(refit_mp_quantity(out, &m, 1, REFIT_Q_W2SQ_VAR));
    ck_assert_int_eq(refit_mp_quantity(out, &m, 2, REFIT_Q_W2SQ_VAR), REFIT_EDOM);
    ck_assert(mpfr_nan_p(out));
    ck_assert_int_eq(refit_mp_var_moment(out, &m, 2, 1.0), REFIT_EDOM);
    /* n beyond 2^53, as the double API */
    m = refit_model_default();
    ck_assert_int_eq(refit_mp_quantity(out, &m, UINT64_C(1) << 54, REFIT_Q_VAR_MEAN),
                     REFIT_EDOM);
    EXPECT_OK(refit_mp_quantity(out, &m, UINT64_C(1) << 53, REFIT_Q_MEAN_MSE));
    /* beyond MPFR's exponent range: 3^(2^40) and 2^-(2^50) */
    m = model_const(2, REFIT_ESTIMATOR_UNBIASED, REFIT_REGIME_REPLACE, 0.5, 1.0);
    ck_assert_int_eq(refit_mp_quantity(out, &m, UINT64_C(1) << 40, REFIT_Q_VAR_VAR), REFIT_ERANGE);
    ck_assert(mpfr_nan_p(out));
    m.estimator = REFIT_ESTIMATOR_MLE;
    ck_assert_int_eq(refit_mp_quantity(out, &m, UINT64_C(1) << 50, REFIT_Q_VAR_MEAN), REFIT_ERANGE);
    EXPECT_OK(refit_mp_quantity(out, &m, UINT64_C(1) << 50, REFIT_Q_W2SQ_MEAN));
    mpfr_clear(out);
}
END_TEST

/* ---- the checks can fail -------------------------------------------------------------- */

START_TEST(test_perturbation_detected)
{
    mpfr_t out, ref, t;
    double *sz;
    const uint64_t n = 200;
    mpfr_init2(out, P);
    mpfr_inits2(PHI, ref, t, (mpfr_ptr)0);
    /* a constant off by 2^-200 is seen */
    EXPECT_OK(refit_mp_c4(out, 2.0));
    mpfr_const_pi(ref, RND);
    mpfr_ui_div(ref, 2, ref, RND);
    mpfr_sqrt(ref, ref, RND);
    mpfr_mul_2si(t, ref, -200, RND);
    mpfr_add(ref, ref, t, RND);
    ck_assert_msg(agree(out, ref) < P - 2, "a 2^-200 error in sqrt(2/pi) went unnoticed");
    /* one generation of a different size changes w2sq_var visibly */
    sz = list_of(1000.0, (size_t)n + 1);
    sz[n / 2] = 1001.0;
    {
        refit_model mc = model_const(1000, REFIT_ESTIMATOR_UNBIASED, REFIT_REGIME_REPLACE, 0.5, 1.0);
        refit_model ml = mc;
        ml.schedule.kind = REFIT_SCHEDULE_LIST;
        ml.schedule.sizes = sz;
        ml.schedule.count = (size_t)n + 1;
        EXPECT_OK(refit_mp_quantity(out, &mc, n, REFIT_Q_W2SQ_VAR));
        EXPECT_OK(refit_mp_quantity(ref, &ml, n, REFIT_Q_W2SQ_VAR));
        ck_assert_msg(agree(out, ref) < 30, "a changed size went unnoticed");
        /* and the U var_var identity with M off by one */
        EXPECT_OK(refit_mp_quantity(out, &mc, n, REFIT_Q_VAR_VAR));
        mpfr_set_d(t, 1000.0, RND); /* M - 1 would be 999 */
        mpfr_ui_div(t, 2, t, RND);
        mpfr_log1p(t, t, RND);
        mpfr_mul_d(t, t, (double)n, RND);
        mpfr_expm1(ref, t, RND);
        ck_assert_msg(agree(out, ref) < 20, "var_var with the wrong divisor went unnoticed");
    }
    free(sz);
    mpfr_clears(out, ref, t, (mpfr_ptr)0);
}
END_TEST

static Suite *mp_suite(void)
{
    Suite *s = suite_create("mp");
    TCase *tc = tcase_create("twins");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, reset_worst, NULL); /* also right with CK_FORK=no */
    tcase_add_test(tc, test_polygamma_known);
    tcase_add_test(tc, test_polygamma_fd);
    tcase_add_test(tc, test_polygamma_precision);
    tcase_add_test(tc, test_polygamma_domain);
    tcase_add_test(tc, test_factor_known);
    tcase_add_test(tc, test_factor_log_cancellation);
    tcase_add_test(tc, test_cumulants);
    tcase_add_test(tc, test_factor_domain);
    tcase_add_test(tc, test_self_consistency);
    tcase_add_test(tc, test_identities);
    tcase_add_test(tc, test_w2sq_var);
    tcase_add_test(tc, test_closed_vs_loop);
    tcase_add_test(tc, test_list_tail);
    tcase_add_test(tc, test_poly_products);
    tcase_add_test(tc, test_accumulate);
    tcase_add_test(tc, test_mix);
    tcase_add_test(tc, test_var_moment);
    tcase_add_test(tc, test_quantity_domain);
    tcase_add_test(tc, test_perturbation_detected);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(mp_suite());
    int failed;
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
