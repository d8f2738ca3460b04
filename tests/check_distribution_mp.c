/* Self-test of the MPFR twins of the distribution module
 * (refit/distribution_mp.h).
 *
 * The references share no algebra with the twins: exact identities of the
 * Gamma function on vertical lines (|Gamma(1/2+it)|^2 = pi/cosh(pi t), ...),
 * MPFR's own real lgamma, the recurrence, reflection and duplication
 * formulas; the n = 1 law from MPFR's incomplete gamma (P(L_1 <= x) =
 * P(chi^2_k <= D e^x)), or from the positive series of the lower incomplete
 * gamma where mpfr_gamma_inc is too slow (a >= 5e4); ln E sigma_n^{2r} from
 * the theory twin (refit_mp_var_moment, a different file and route); and
 * the same twin at 256 bits against 128 bits.  Agreement is in bits,
 * -log2(|a - b| / max(1, |a|, |b|)) for logarithms and phases (an absolute
 * error where the value is small), -log2(|a - b| / max(|a|, |b|)) otherwise.
 * REFIT_TEST_SCALE adds random points.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <mpfr.h>

#include "refit/distribution_mp.h"
#include "refit/model.h"
#include "refit/theory_mp.h"
#include "test_mp.h"
#include "test_ulp.h"

#define RND MPFR_RNDN
#define SEED UINT64_C(0x5eed2024d157b001)

/* ---- helpers ------------------------------------------------------------------ */

static uint64_t rng_state = SEED;

static double rng_unif(void) /* splitmix64 -> [0, 1) */
{
    uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    z ^= z >> 31;
    return (double)(z >> 11) * 0x1.0p-53;
}

/* bits of agreement; floor = 1 measures |a-b| / max(1, |a|, |b|), floor = 0
 * the plain relative difference.  1e6 when equal, -1 for NaN. */
static double agree_f(const mpfr_t a, const mpfr_t b, int floor1)
{
    mpfr_prec_t p = mpfr_get_prec(a) > mpfr_get_prec(b) ? mpfr_get_prec(a) : mpfr_get_prec(b);
    mpfr_t d, s;
    double bits;
    if (mpfr_nan_p(a) || mpfr_nan_p(b)) return -1.0;
    if (mpfr_equal_p(a, b)) return 1e6;
    if (mpfr_inf_p(a) || mpfr_inf_p(b)) return -1.0;
    mpfr_inits2(p + 16, d, s, (mpfr_ptr)0);
    mpfr_sub(d, a, b, RND);
    mpfr_abs(d, d, RND);
    if (mpfr_cmpabs(a, b) >= 0)
        mpfr_abs(s, a, RND);
    else
        mpfr_abs(s, b, RND);
    if (floor1 && mpfr_cmp_ui(s, 1) < 0) mpfr_set_ui(s, 1, RND);
    mpfr_div(d, d, s, RND);
    mpfr_log2(d, d, RND);
    bits = -mpfr_get_d(d, RND);
    mpfr_clears(d, s, (mpfr_ptr)0);
    return bits;
}

static double worst_bits = 1e6;
static char worst_where[240] = "";

static clock_t test_start;

static void reset_worst(void)
{
    test_start = clock();
    rng_state = SEED;
    worst_bits = 1e6;
    worst_where[0] = '\0';
}

static void report(const char *test)
{
    if (worst_bits >= 1e6)
        printf("check_distribution_mp: %-26s worst agreement: exact\n", test);
    else
        printf("check_distribution_mp: %-26s worst agreement %.1f bits (%s), %.1f s\n", test,
               worst_bits, worst_where, (double)(clock() - test_start) / CLOCKS_PER_SEC);
    fflush(stdout);
}

#define EXPECT_AGREE_F(a, b, floor1, minbits, ...)                                              \
    do {                                                                                       \
        char where_[240];                                                                      \
        snprintf(where_, sizeof where_, __VA_ARGS__);                                          \
        double bits_ = agree_f(a, b, floor1);                                                  \
        if (bits_ < worst_bits) {                                                              \
            worst_bits = bits_;                                                                \
            snprintf(worst_where, sizeof worst_where, "%s", where_);                           \
        }                                                                                      \
        ck_assert_msg(bits_ >= (minbits), "%s: %.1f bits < %d (%.17g vs %.17g), seed %#llx",   \
                      where_, bits_, (int)(minbits), mpfr_get_d(a, RND), mpfr_get_d(b, RND),   \
                      (unsigned long long)SEED);                                               \
    } while (0)
#define EXPECT_AGREE(a, b, minbits, ...) EXPECT_AGREE_F(a, b, 0, minbits, __VA_ARGS__)
#define EXPECT_AGREE_ABS1(a, b, minbits, ...) EXPECT_AGREE_F(a, b, 1, minbits, __VA_ARGS__)

#define EXPECT_OK(call)                                                                        \
    do {                                                                                       \
        refit_status st_ = (call);                                                             \
        ck_assert_msg(st_ == REFIT_OK, "%s returned %d", #call, (int)st_);                     \
    } while (0)

static refit_model model_const(double M, refit_estimator e)
{
    refit_model m = refit_model_default();
    m.schedule = refit_schedule_const(M);
    m.estimator = e;
    return m;
}

static const char *est_name(refit_estimator e) { return e == REFIT_ESTIMATOR_MLE ? "mle" : "unb"; }

/* ---- complex log-gamma --------------------------------------------------------- */

static void clg(mpfr_t r, mpfr_t i, double re, double im)
{
    mpfr_t zr, zi;
    mpfr_inits2(64, zr, zi, (mpfr_ptr)0);
    mpfr_set_d(zr, re, RND);
    mpfr_set_d(zi, im, RND);
    EXPECT_OK(refit_mp_complex_lgamma(r, i, zr, zi));
    mpfr_clears(zr, zi, (mpfr_ptr)0);
}

START_TEST(complex_lgamma_vertical_lines)
{
    /* 2 Re lnGamma(1/2+it) = ln(pi / cosh(pi t)); 2 Re lnGamma(it) = ln(pi / (t sinh(pi t)));
     * 2 Re lnGamma(1+it) = ln(pi t / sinh(pi t)) */
    static const double ts[] = {1e-8, 0.01, 0.3, 1.0, 2.5, 10.0, 47.0, 300.0, 12345.678};
    mpfr_t r, i, ref, t, pt;
    reset_worst();
    mpfr_inits2(256, r, i, (mpfr_ptr)0);
    mpfr_inits2(512, ref, t, pt, (mpfr_ptr)0);
    for (unsigned k = 0; k < sizeof ts / sizeof ts[0] + 6; k++) {
        double tt = k < sizeof ts / sizeof ts[0] ? ts[k] : exp(-5.0 + 12.0 * rng_unif());
        for (int line = 0; line < 3; line++) {
            mpfr_const_pi(pt, RND);
            mpfr_mul_d(pt, pt, tt, RND); /* pi t */
            mpfr_const_pi(ref, RND);
            if (line == 0) {
                mpfr_cosh(t, pt, RND);
                mpfr_div(ref, ref, t, RND);
            } else if (line == 1) {
                mpfr_sinh(t, pt, RND);
                mpfr_mul_d(t, t, tt, RND);
                mpfr_div(ref, ref, t, RND);
            } else {
                mpfr_sinh(t, pt, RND);
                mpfr_mul_d(ref, ref, tt, RND);
                mpfr_div(ref, ref, t, RND);
            }
            mpfr_log(ref, ref, RND);
            mpfr_div_2ui(ref, ref, 1, RND);
            static const double re_of_line[3] = {0.5, 0.0, 1.0};
            clg(r, i, re_of_line[line], tt);
            EXPECT_AGREE(r, ref, 245, "Re lnGamma(%g + i %.17g)", re_of_line[line], tt);
        }
    }
    mpfr_clears(r, i, ref, t, pt, (mpfr_ptr)0);
    report("lgamma vertical lines");
}
END_TEST

START_TEST(complex_lgamma_real_axis)
{
    static const double xs[] = {1e-20, 0.001, 0.5, 0.9999, 1.0, 1.5, 2.0, 3.7, 31.5, 1e3,
                                1e9 + 0.5, 4.5e15, -0.5, -2.25, -7.9};
    mpfr_t r, i, ref, x;
    int sg;
    reset_worst();
    mpfr_inits2(256, r, i, (mpfr_ptr)0);
    mpfr_inits2(512, ref, x, (mpfr_ptr)0);
    for (unsigned k = 0; k < sizeof xs / sizeof xs[0]; k++) {
        clg(r, i, xs[k], 0.0);
        mpfr_set_d(x, xs[k], RND);
        mpfr_lgamma(ref, &sg, x, RND); /* ln |Gamma(x)| */
        EXPECT_AGREE(r, ref, 248, "Re lnGamma(%.17g)", xs[k]);
        /* Im: 0 for x > 0; -pi * (number of negative factors) from above (+0 im) */
        if (xs[k] > 0) {
            ck_assert_msg(mpfr_zero_p(i), "Im lnGamma(%g) = %g, not 0", xs[k], mpfr_get_d(i, RND));
        } else {
            mpfr_const_pi(ref, RND);
            mpfr_mul_si(ref, ref, -(long)ceil(-xs[k]), RND);
            EXPECT_AGREE(i, ref, 250, "Im lnGamma(%.17g + 0i)", xs[k]);
        }
    }
    /* poles */
    mpfr_set_si(x, -3, RND);
    mpfr_set_zero(ref, 1);
    ck_assert(refit_mp_complex_lgamma(r, i, x, ref) == REFIT_EDOM);
    ck_assert(mpfr_nan_p(r) && mpfr_nan_p(i));
    mpfr_set_zero(x, 1);
    ck_assert(refit_mp_complex_lgamma(r, i, x, ref) == REFIT_EDOM);
    mpfr_clears(r, i, ref, x, (mpfr_ptr)0);
    report("lgamma real axis");
}
END_TEST

/* Log z, principal, at 512 bits */
static void cx_log(mpfr_t lr, mpfr_t li, double re, double im)
{
    mpfr_t a, b;
    mpfr_inits2(600, a, b, (mpfr_ptr)0);
    mpfr_set_d(a, re, RND);
    mpfr_set_d(b, im, RND);
    mpfr_atan2(li, b, a, RND);
    mpfr_hypot(a, a, b, RND);
    mpfr_log(lr, a, RND);
    mpfr_clears(a, b, (mpfr_ptr)0);
}

START_TEST(complex_lgamma_functional_equations)
{
    /* random z in a box, both half planes */
    mpfr_t r0, i0, r1, i1, lr, li, t, u;
    reset_worst();
    mpfr_inits2(256, r0, i0, r1, i1, (mpfr_ptr)0);
    mpfr_inits2(512, lr, li, t, u, (mpfr_ptr)0);
    int count = 60 * refit_test_scale();
    for (int k = 0; k < count; k++) {
        double re = -30.0 + 90.0 * rng_unif(), im = (rng_unif() - 0.5) * exp(8.0 * rng_unif());
        if (k % 5 == 0) re = 1e6 * rng_unif();
        /* recurrence: lnGamma(z+1) = lnGamma(z) + Log z, exact off the cut */
        clg(r0, i0, re, im);
        clg(r1, i1, re + 1.0, im);
        cx_log(lr, li, re, im);
        mpfr_add(t, r0, lr, RND);
        EXPECT_AGREE_ABS1(r1, t, 240, "Re recurrence z = %.17g %+.17gi", re, im);
        mpfr_add(t, i0, li, RND);
        EXPECT_AGREE_ABS1(i1, t, 240, "Im recurrence z = %.17g %+.17gi", re, im);
        /* reflection: lnGamma(z) + lnGamma(1-z) = ln pi - ln sin(pi z) (mod 2 pi i):
         * |sin(pi(x+iy))|^2 = sin^2(pi x) + sinh^2(pi y) */
        if (fabs(re) < 40.0) {
            clg(r1, i1, 1.0 - re, -im);
            mpfr_add(t, r0, r1, RND);
            mpfr_const_pi(u, RND);
            mpfr_mul_d(lr, u, re, RND);
            mpfr_sin(lr, lr, RND);
            mpfr_sqr(lr, lr, RND);
            mpfr_mul_d(li, u, im, RND);
            mpfr_sinh(li, li, RND);
            mpfr_sqr(li, li, RND);
            mpfr_add(lr, lr, li, RND);
            mpfr_log(lr, lr, RND);
            mpfr_div_2ui(lr, lr, 1, RND);
            mpfr_log(u, u, RND);
            mpfr_sub(u, u, lr, RND);
            EXPECT_AGREE_ABS1(t, u, 238, "reflection |.| z = %.17g %+.17gi", re, im);
        }
        /* Legendre duplication, exact for Re z > 0:
         * lnGamma(2z) = lnGamma(z) + lnGamma(z + 1/2) + (2z - 1) ln 2 - ln(pi)/2 */
        if (re > 0.0) {
            clg(r1, i1, re + 0.5, im);
            mpfr_add(r1, r1, r0, RND);
            mpfr_add(i1, i1, i0, RND);
            mpfr_const_log2(u, RND);
            mpfr_mul_d(t, u, 2.0 * re - 1.0, RND);
            mpfr_add(r1, r1, t, RND);
            mpfr_mul_d(t, u, 2.0 * im, RND);
            mpfr_add(i1, i1, t, RND);
            mpfr_const_pi(u, RND);
            mpfr_log(u, u, RND);
            mpfr_div_2ui(u, u, 1, RND);
            mpfr_sub(r1, r1, u, RND);
            clg(r0, i0, 2.0 * re, 2.0 * im);
            EXPECT_AGREE_ABS1(r0, r1, 236, "duplication Re z = %.17g %+.17gi", re, im);
            EXPECT_AGREE_ABS1(i0, i1, 236, "duplication Im z = %.17g %+.17gi", re, im);
        }
    }
    mpfr_clears(r0, i0, r1, i1, lr, li, t, u, (mpfr_ptr)0);
    report("lgamma functional eqs");
}
END_TEST

START_TEST(complex_lgamma_precision)
{
    /* 128 vs 256 vs 512 bits: each agrees with the next to its own precision */
    mpfr_t r[3], i[3], zr, zi;
    static const mpfr_prec_t ps[3] = {128, 256, 512};
    reset_worst();
    mpfr_inits2(64, zr, zi, (mpfr_ptr)0);
    for (int j = 0; j < 3; j++) mpfr_inits2(ps[j], r[j], i[j], (mpfr_ptr)0);
    for (int k = 0; k < 30 * refit_test_scale(); k++) {
        double re = -20.0 + 60.0 * rng_unif(), im = (rng_unif() - 0.5) * exp(10.0 * rng_unif());
        mpfr_set_d(zr, re, RND);
        mpfr_set_d(zi, im, RND);
        for (int j = 0; j < 3; j++) EXPECT_OK(refit_mp_complex_lgamma(r[j], i[j], zr, zi));
        for (int j = 0; j < 2; j++) {
            EXPECT_AGREE(r[j], r[j + 1], ps[j] - 3, "Re %ld vs %ld bits z = %.17g %+.17gi", (long)ps[j],
                         (long)ps[j + 1], re, im);
            EXPECT_AGREE(i[j], i[j + 1], ps[j] - 3, "Im %ld vs %ld bits z = %.17g %+.17gi", (long)ps[j],
                         (long)ps[j + 1], re, im);
        }
    }
    for (int j = 0; j < 3; j++) mpfr_clears(r[j], i[j], (mpfr_ptr)0);
    mpfr_clears(zr, zi, (mpfr_ptr)0);
    report("lgamma 128/256/512");
}
END_TEST

/* ---- the CGF -------------------------------------------------------------------- */

START_TEST(cgf_vs_moments)
{
    /* K(r) = ln E[sigma_n^{2r}] / sigma^{2r}: the theory twin's product of
     * one-generation moments (sigma = 1) */
    static const double Ms[] = {2, 3, 10, 1000, 1e6, 1e9};
    static const uint64_t ns[] = {1, 7, 1000, 1000000};
    static const double rs[] = {-0.49, -0.1, 1e-25, 0.5, 1.0, 2.0, 37.5};
    mpfr_t K, ref, s, K2;
    reset_worst();
    mpfr_inits2(256, K, ref, s, (mpfr_ptr)0);
    mpfr_init2(K2, 128);
    for (unsigned a = 0; a < sizeof Ms / sizeof Ms[0]; a++)
        for (int e = 0; e < 2; e++)
            for (unsigned b = 0; b < sizeof ns / sizeof ns[0]; b++)
                for (unsigned c = 0; c < sizeof rs / sizeof rs[0]; c++) {
                    refit_model m = model_const(Ms[a], (refit_estimator)e);
                    mpfr_set_d(s, rs[c], RND);
                    EXPECT_OK(refit_mp_dist_cgf(K, &m, ns[b], s));
                    /* n ln m(r): the log twin keeps relative precision near r = 0 */
                    EXPECT_OK(refit_mp_factor_moment_log(ref, Ms[a], (refit_estimator)e, rs[c]));
                    mpfr_mul_ui(ref, ref, (unsigned long)ns[b], RND);
                    if (e == 0 && rs[c] == 1.0) {
                        ck_assert_msg(mpfr_zero_p(K), "K(1) under U must be 0 exactly");
                        continue;
                    }
                    EXPECT_AGREE(K, ref, 240, "K(%g) M=%g %s n=%llu", rs[c], Ms[a],
                                 est_name((refit_estimator)e), (unsigned long long)ns[b]);
                    EXPECT_OK(refit_mp_dist_cgf(K2, &m, ns[b], s));
                    EXPECT_AGREE(K2, K, 125, "K(%g) 128 vs 256 bits M=%g %s n=%llu", rs[c], Ms[a],
                                 est_name((refit_estimator)e), (unsigned long long)ns[b]);
                }
    /* a list schedule: runs of sizes */
    static const double list[] = {2, 7, 3, 1e6, 40, 40, 5};
    refit_model m = refit_model_default();
    m.schedule = (refit_schedule){REFIT_SCHEDULE_LIST, 0, 0, list, 7};
    mpfr_set_d(s, 0.75, RND);
    EXPECT_OK(refit_mp_dist_cgf(K, &m, 100, s));
    EXPECT_OK(refit_mp_var_moment(ref, &m, 100, 0.75));
    mpfr_log(ref, ref, RND);
    EXPECT_AGREE(K, ref, 240, "K(0.75) list n=100");
    /* domain */
    m = model_const(10, REFIT_ESTIMATOR_UNBIASED);
    mpfr_set_d(s, -4.5, RND); /* = -a */
    ck_assert(refit_mp_dist_cgf(K, &m, 3, s) == REFIT_EDOM);
    ck_assert(mpfr_nan_p(K));
    m.regime = REFIT_REGIME_ACCUMULATE;
    mpfr_set_d(s, 0.5, RND);
    ck_assert(refit_mp_dist_cgf(K, &m, 3, s) == REFIT_EINVAL);
    mpfr_clears(K, ref, s, K2, (mpfr_ptr)0);
    report("cgf vs moments");
}
END_TEST

/* ---- n = 1 against the incomplete gamma ------------------------------------------- */

/* ln P(L_1 <= x) and ln P(L_1 > x), t = D e^x / 2, at 128 + 1200 bits:
 * mpfr_gamma_inc gives Gamma(a, t) (the upper tail, to its own relative
 * precision); the lower tail is Gamma(a) - Gamma(a, t) with 1200 guard bits
 * (enough down to 1e-360), or the series where a is large. */
static void ref_n1(mpfr_t lcdf, mpfr_t lsf, double M, refit_estimator e, const mpfr_t x)
{
    mpfr_prec_t prec = 128 + 1200;
    double D = e == REFIT_ESTIMATOR_MLE ? M : M - 1.0, a = 0.5 * (M - 1.0);
    mpfr_t t, A, G, U;
    mpfr_inits2(prec, t, A, G, U, (mpfr_ptr)0);
    mpfr_exp(t, x, RND);
    mpfr_mul_d(t, t, D / 2.0, RND);
    mpfr_set_d(A, a, RND);
    if (a < 5e4) {
        mpfr_gamma_inc(U, A, t, RND);
        mpfr_gamma(G, A, RND);
        mpfr_div(U, U, G, RND); /* Q(a, t) */
        mpfr_log(lsf, U, RND);
        if (mpfr_cmp(t, A) < 0) {
            refit_test_mp_log_lower_gamma(lcdf, A, t); /* deep lower tails */
        } else {
            mpfr_ui_sub(U, 1, U, RND);
            mpfr_log(lcdf, U, RND);
        }
    } else {
        refit_test_mp_log_lower_gamma(lcdf, A, t);
        mpfr_exp(U, lcdf, RND);
        mpfr_ui_sub(U, 1, U, RND);
        mpfr_log(lsf, U, RND);
    }
    mpfr_clears(t, A, G, U, (mpfr_ptr)0);
}

/* x with P(L_1 <= x) roughly e^lp (lower) or P(L_1 > x) roughly e^lp (upper),
 * from the leading asymptotics of the incomplete gamma (or the normal law
 * for large a); only the order of magnitude matters. */
static double x_at(double M, refit_estimator e, double lp, int upper)
{
    double D = e == REFIT_ESTIMATOR_MLE ? M : M - 1.0, a = 0.5 * (M - 1.0), t;
    if (lp > -5.0 && a <= 200.0) {
        t = upper ? 2.0 * a + 1.0 : 0.4 * a; /* the bulk */
    } else if (a > 200.0) {
        double z = sqrt(-2.0 * lp); /* ~ normal tail */
        t = a + (upper ? z : -z) * sqrt(a) + (upper ? 0.3 * z * z : 0.0);
        if (t < 1e-3 * a) t = 1e-3 * a;
    } else if (!upper) {
        /* a ln t - lgamma(a+1) = lp for small t (ln t itself: t may underflow) */
        return log(2.0 / D) + (lp + lgamma(a + 1.0)) / a;
    } else {
        /* (a-1) ln t - t - lgamma(a) = lp for large t */
        t = a + 1.0 - lp;
        for (int it = 0; it < 50; it++) t = fmax(a + 1.0, (a - 1.0) * log(t) - lgamma(a) - lp);
    }
    return log(2.0 * t / D);
}

START_TEST(n1_vs_incomplete_gamma)
{
    static const double Ms[] = {2, 3, 5, 30, 1000, 1e5, 1e9};
    static const double lps[] = {-700.0, -30.0, -2.3, -0.7};
    mpfr_t x, v, lcdf, lsf, c;
    reset_worst();
    mpfr_init2(x, 128);
    mpfr_inits2(128, v, c, (mpfr_ptr)0);
    mpfr_inits2(1400, lcdf, lsf, (mpfr_ptr)0);
    for (unsigned a = 0; a < sizeof Ms / sizeof Ms[0]; a++)
        for (int e = 0; e < 2; e++)
            for (unsigned k = 0; k < sizeof lps / sizeof lps[0]; k++)
                for (int upper = 0; upper < 2; upper++) {
                    refit_model m = model_const(Ms[a], (refit_estimator)e);
                    double xd = x_at(Ms[a], (refit_estimator)e, lps[k], upper);
                    if (Ms[a] >= 1e9 && upper && lps[k] < -100.0 && refit_test_scale() < 2)
                        continue; /* the series reference needs ~1e6 terms at 1300 bits there */
                    ck_assert_msg(isfinite(xd), "x_at M=%g lp=%g upper=%d", Ms[a], lps[k], upper);
                    mpfr_set_d(x, xd, RND);
                    ref_n1(lcdf, lsf, Ms[a], (refit_estimator)e, x);
                    if (upper) {
                        EXPECT_OK(refit_mp_dist_log_sf(v, &m, 1, x));
                        EXPECT_AGREE_ABS1(v, lsf, 122, "log_sf n=1 M=%g %s x=%.17g (ln P ~ %.4g)",
                                          Ms[a], est_name((refit_estimator)e), xd,
                                          mpfr_get_d(lsf, RND));
                    } else {
                        EXPECT_OK(refit_mp_dist_log_cdf(v, &m, 1, x));
                        EXPECT_AGREE_ABS1(v, lcdf, 122, "log_cdf n=1 M=%g %s x=%.17g (ln P ~ %.4g)",
                                          Ms[a], est_name((refit_estimator)e), xd,
                                          mpfr_get_d(lcdf, RND));
                    }
                    if (lps[k] > -5.0) { /* the CDF itself, both sides */
                        EXPECT_OK(refit_mp_dist_cdf(c, &m, 1, x));
                        mpfr_exp(lcdf, lcdf, RND);
                        EXPECT_AGREE(c, lcdf, 122, "cdf n=1 M=%g %s x=%.17g", Ms[a],
                                     est_name((refit_estimator)e), xd);
                    }
                }
    mpfr_clears(x, v, c, lcdf, lsf, (mpfr_ptr)0);
    report("n=1 vs incomplete gamma");
}
END_TEST

START_TEST(n1_quantile_vs_incomplete_gamma)
{
    /* CDF(quantile(p)) = p by the reference, and the quantile is where the
     * reference crosses p: |x - x*| ~ |ref(x) - p| / density */
    static const double Ms[] = {2, 10, 1000};
    static const double ps[] = {1e-300, 0.05, 0.5, 0.975};
    mpfr_t p, x, lc, ls, t;
    reset_worst();
    mpfr_inits2(128, p, x, (mpfr_ptr)0);
    mpfr_inits2(1400, lc, ls, t, (mpfr_ptr)0);
    for (unsigned a = 0; a < sizeof Ms / sizeof Ms[0]; a++)
        for (unsigned k = 0; k < sizeof ps / sizeof ps[0]; k++) {
            refit_estimator e = (refit_estimator)((a + k) % 2);
            refit_model m = model_const(Ms[a], e);
            mpfr_set_d(p, ps[k], RND);
            EXPECT_OK(refit_mp_dist_quantile(x, &m, 1, p));
            ref_n1(lc, ls, Ms[a], e, x);
            mpfr_exp(t, ps[k] > 0.5 ? ls : lc, RND);
            mpfr_set_d(lc, ps[k] > 0.5 ? 1.0 - ps[k] : ps[k], RND);
            /* the quantile is rounded to 128 bits: the tail moves by
             * density * ulp(x), i.e. <= ~2^-120 relative here */
            EXPECT_AGREE(t, lc, 110, "tail at quantile(%g) M=%g %s", ps[k], Ms[a], est_name(e));
        }
    mpfr_clears(p, x, lc, ls, t, (mpfr_ptr)0);
    report("n=1 quantile");
}
END_TEST

/* ---- precision: 128 vs 256 bits --------------------------------------------------- */

typedef struct prec_case {
    refit_model m;
    uint64_t n;
    double x, p;
} prec_case;

START_TEST(twins_128_vs_256)
{
    static const double list[] = {3, 50, 2, 1e4};
    prec_case cases[5];
    int nc = 0;
    refit_model m = model_const(2, REFIT_ESTIMATOR_UNBIASED);
    cases[nc++] = (prec_case){m, 3, -4.0, 0.01};
    m = model_const(1e9, REFIT_ESTIMATOR_MLE);
    cases[nc++] = (prec_case){m, 1000000, -1.0e-3, 0.9};
    m = model_const(100, REFIT_ESTIMATOR_UNBIASED);
    cases[nc++] = (prec_case){m, 40, 0.3, 0.5};
    m = refit_model_default();
    m.schedule = (refit_schedule){REFIT_SCHEDULE_POLY, 5, 1.0, NULL, 0};
    cases[nc++] = (prec_case){m, 6, -1.5, 0.3};
    m = refit_model_default();
    m.estimator = REFIT_ESTIMATOR_MLE;
    m.schedule = (refit_schedule){REFIT_SCHEDULE_LIST, 0, 0, list, 4};
    cases[nc++] = (prec_case){m, 9, -2.0, 1e-20};
    mpfr_t x, p, a, b;
    reset_worst();
    mpfr_inits2(128, x, p, a, (mpfr_ptr)0);
    mpfr_init2(b, 256);
    for (int k = 0; k < nc; k++) {
        mpfr_set_d(x, cases[k].x, RND);
        mpfr_set_d(p, cases[k].p, RND);
        EXPECT_OK(refit_mp_dist_cdf(a, &cases[k].m, cases[k].n, x));
        EXPECT_OK(refit_mp_dist_cdf(b, &cases[k].m, cases[k].n, x));
        EXPECT_AGREE(a, b, 124, "cdf case %d", k);
        EXPECT_OK(refit_mp_dist_log_cdf(a, &cases[k].m, cases[k].n, x));
        EXPECT_OK(refit_mp_dist_log_cdf(b, &cases[k].m, cases[k].n, x));
        EXPECT_AGREE_ABS1(a, b, 124, "log_cdf case %d", k);
        EXPECT_OK(refit_mp_dist_log_sf(a, &cases[k].m, cases[k].n, x));
        EXPECT_OK(refit_mp_dist_log_sf(b, &cases[k].m, cases[k].n, x));
        EXPECT_AGREE_ABS1(a, b, 124, "log_sf case %d", k);
        EXPECT_OK(refit_mp_dist_quantile(a, &cases[k].m, cases[k].n, p));
        EXPECT_OK(refit_mp_dist_quantile(b, &cases[k].m, cases[k].n, p));
        EXPECT_AGREE_ABS1(a, b, 120, "quantile(%g) case %d", cases[k].p, k);
    }
    mpfr_clears(x, p, a, b, (mpfr_ptr)0);
    report("128 vs 256 bits");
}
END_TEST

START_TEST(special_cases)
{
    refit_model m = model_const(10, REFIT_ESTIMATOR_UNBIASED);
    mpfr_t x, v;
    mpfr_inits2(128, x, v, (mpfr_ptr)0);
    /* n = 0: a point mass at 0 */
    mpfr_set_d(x, -0.5, RND);
    EXPECT_OK(refit_mp_dist_cdf(v, &m, 0, x));
    ck_assert(mpfr_zero_p(v));
    EXPECT_OK(refit_mp_dist_log_sf(v, &m, 0, x));
    ck_assert(mpfr_zero_p(v));
    mpfr_set_d(x, 0.0, RND);
    EXPECT_OK(refit_mp_dist_cdf(v, &m, 0, x));
    ck_assert(mpfr_cmp_ui(v, 1) == 0);
    EXPECT_OK(refit_mp_dist_log_sf(v, &m, 0, x));
    ck_assert(mpfr_inf_p(v) && mpfr_sgn(v) < 0);
    mpfr_set_d(x, 0.5, RND);
    EXPECT_OK(refit_mp_dist_quantile(v, &m, 0, x));
    ck_assert(mpfr_zero_p(v));
    /* domain */
    mpfr_set_d(x, 1.0, RND);
    ck_assert(refit_mp_dist_quantile(v, &m, 3, x) == REFIT_EDOM);
    ck_assert(mpfr_nan_p(v));
    mpfr_set_nan(x);
    ck_assert(refit_mp_dist_cdf(v, &m, 3, x) == REFIT_EDOM);
    m.regime = REFIT_REGIME_MIX;
    m.lambda = 0.5;
    mpfr_set_d(x, -0.1, RND);
    ck_assert(refit_mp_dist_log_cdf(v, &m, 3, x) == REFIT_EINVAL);
    m = model_const(1, REFIT_ESTIMATOR_UNBIASED);
    ck_assert(refit_mp_dist_cdf(v, &m, 3, x) == REFIT_EDOM);
    /* infinite x */
    m = model_const(10, REFIT_ESTIMATOR_UNBIASED);
    mpfr_set_inf(x, -1);
    EXPECT_OK(refit_mp_dist_cdf(v, &m, 3, x));
    ck_assert(mpfr_zero_p(v));
    mpfr_clears(x, v, (mpfr_ptr)0);
}
END_TEST

int main(void)
{
    mpfr_set_emin(mpfr_get_emin_min());
    mpfr_set_emax(mpfr_get_emax_max());
    printf("check_distribution_mp: seed %#llx, scale %d\n", (unsigned long long)SEED,
           refit_test_scale());
    Suite *s = suite_create("distribution_mp");
    TCase *tc = tcase_create("twins");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, complex_lgamma_vertical_lines);
    tcase_add_test(tc, complex_lgamma_real_axis);
    tcase_add_test(tc, complex_lgamma_functional_equations);
    tcase_add_test(tc, complex_lgamma_precision);
    tcase_add_test(tc, cgf_vs_moments);
    tcase_add_test(tc, n1_vs_incomplete_gamma);
    tcase_add_test(tc, n1_quantile_vs_incomplete_gamma);
    tcase_add_test(tc, twins_128_vs_256);
    tcase_add_test(tc, special_cases);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    mpfr_free_cache();
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
