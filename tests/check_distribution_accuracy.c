/* Certification of the double distribution functions (refit/distribution.h)
 * against their MPFR twins (refit/distribution_mp.h, 128 bits).
 *
 * Models: constant sizes 2 .. 1e9 with n 1 .. 1e6, both estimators, plus
 * polynomial and list schedules with small n (the twin is O(n) there), and
 * random constant models (more under REFIT_TEST_SCALE).  Points x: the median
 * region, both tails at probabilities ~e^-20 and ~e^-690 (1e-300), placed
 * with the double Chernoff bound (placement only: every expected value comes
 * from the twin).  One twin log-CDF per point gives all three references: the
 * twin computes the smaller tail and its complement at 128 bits, so
 * ln SF = ln(1 - e^{ln CDF}) and CDF = e^{ln CDF} keep 128-bit relative
 * precision.  Quantiles: p in {1e-300, 1e-10, 0.05, 0.5, 0.95, 1 - 1e-10};
 * the error of x_q = refit_dist_quantile(p) is measured by the twin, to first
 * order, as |ln F(x_q) - ln p| / |d ln F/dx| (ln S and 1-p above the median),
 * the slope from a twin difference quotient (independent of the twin's own
 * quantile routine, which check_distribution_mp tests).
 *
 * Targets (issue 3): CDF absolute error <= 1e-12; log-CDF and log-SF relative
 * error <= 1e-12; quantile relative error <= 1e-10 (absolute when |x| < 1).
 * The table of worst errors is printed; every row must be within target.
 */
#include <check.h>
#include <float.h>
#include <math.h>
#include <mpfr.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "refit/distribution.h"
#include "refit/distribution_mp.h"
#include "refit/theory.h"
#include "test_ulp.h"

#define REF_BITS 128
#define SEED UINT64_C(0x5eed2026d15ac001)

/* ---- worst-error table ------------------------------------------------------- */

typedef struct {
    const char *name;
    double target, worst;
    char where[220];
    long count;
} acc_row;

enum { ROW_CDF, ROW_LCDF, ROW_LSF, ROW_Q, ROW_COUNT };
static acc_row rows[ROW_COUNT] = {
    {"cdf (absolute)", 1e-12, 0, "", 0},
    {"log_cdf (relative)", 1e-12, 0, "", 0},
    {"log_sf (relative)", 1e-12, 0, "", 0},
    {"quantile (rel; abs if |x|<1)", 1e-10, 0, "", 0},
};

static void record(int r, double err, const char *where)
{
    rows[r].count++;
    if (err > rows[r].worst || (isnan(err) && !isnan(rows[r].worst))) {
        rows[r].worst = err;
        snprintf(rows[r].where, sizeof rows[r].where, "%s", where);
    }
}

/* ---- parameters -------------------------------------------------------------- */

static uint64_t rng_state = SEED;
static double uniform01(void)
{
    uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    z ^= z >> 31;
    return (double)(z >> 11) * 0x1p-53;
}

static double log_uniform(double lo, double hi)
{
    return exp(log(lo) + (log(hi) - log(lo)) * uniform01());
}

static const char *est_name(refit_estimator e) { return e == REFIT_ESTIMATOR_MLE ? "mle" : "unb"; }

static mpfr_t mx, mlc, mtmp, mref;

/* relative error of v against ref (absolute when ref = 0) */
static double rel_err(double v, const mpfr_t ref)
{
    return refit_test_rel_error(v, ref);
}

/* x where the double Chernoff bound on the lower (upper) tail is e^L, by
 * bisection between the mean and mean -+ span (placement only). */
static double place_x(const refit_model *m, uint64_t n, double L, int upper, double mean, double sd)
{
    double lo = mean, hi = mean, v;
    double step = sd;
    for (int it = 0; it < 200; it++) {
        double xt = upper ? mean + step : mean - step;
        refit_status st = upper ? refit_dist_chernoff_upper_log(m, n, xt, &v)
                                : refit_dist_chernoff_lower_log(m, n, xt, &v);
        if (st != REFIT_OK) return upper ? mean + 5.0 * sd : mean - 5.0 * sd;
        if (v < L) break;
        step *= 2.0;
    }
    if (upper)
        hi = mean + step;
    else
        lo = mean - step;
    for (int it = 0; it < 80; it++) {
        double mid = 0.5 * (lo + hi);
        refit_status st = upper ? refit_dist_chernoff_upper_log(m, n, mid, &v)
                                : refit_dist_chernoff_lower_log(m, n, mid, &v);
        if (st != REFIT_OK) break;
        if ((v < L) == (upper != 0))
            hi = mid;
        else
            lo = mid;
    }
    return 0.5 * (lo + hi);
}

/* twin ln CDF at x into mlc; 0 on failure */
static int twin_lcdf(const refit_model *m, uint64_t n, double x, const char *where)
{
    mpfr_set_d(mx, x, MPFR_RNDN);
    refit_status st = refit_mp_dist_log_cdf(mlc, m, n, mx);
    ck_assert_msg(st == REFIT_OK, "twin log_cdf: %s at %s", refit_strerror(st), where);
    return 1;
}

static void check_point(const refit_model *m, uint64_t n, double x, const char *label)
{
    char where[220];
    double c, lc, ls;
    snprintf(where, sizeof where, "%s n=%llu x=%.17g", label, (unsigned long long)n, x);
    twin_lcdf(m, n, x, where);
    refit_status s1 = refit_dist_cdf(m, n, x, &c);
    refit_status s2 = refit_dist_log_cdf(m, n, x, &lc);
    refit_status s3 = refit_dist_log_sf(m, n, x, &ls);
    if (s1 != REFIT_OK) c = NAN; /* NaN errors are reported as such */
    if (s2 != REFIT_OK) lc = NAN;
    if (s3 != REFIT_OK) ls = NAN;
    /* CDF = e^lc (absolute), ln SF = ln(1 - e^lc) */
    mpfr_exp(mref, mlc, MPFR_RNDN);
    mpfr_sub_d(mtmp, mref, c, MPFR_RNDN);
    record(ROW_CDF, fabs(mpfr_get_d(mtmp, MPFR_RNDN)), where);
    record(ROW_LCDF, rel_err(lc, mlc), where);
    /* ln(-expm1(lc)): lc carries 128-bit relative precision even when it
     * is -1e-300 (the twin forms it as log1p(-SF)), so this does too */
    mpfr_expm1(mref, mlc, MPFR_RNDN);
    mpfr_neg(mref, mref, MPFR_RNDN);
    mpfr_log(mref, mref, MPFR_RNDN);
    record(ROW_LSF, rel_err(ls, mref), where);
}

/* quantile error of the double code at p (see the header) */
static void check_quantile(const refit_model *m, uint64_t n, double p, const char *label)
{
    char where[220];
    double xq, h, e;
    int upper = p > 0.5;
    mpfr_t l1, l2, target;
    snprintf(where, sizeof where, "%s n=%llu p=%.17g", label, (unsigned long long)n, p);
    refit_status st = refit_dist_quantile(m, n, p, &xq);
    if (st != REFIT_OK || !isfinite(xq)) {
        /* a failure is an infinite error in the table (reported, then asserted) */
        (void)st; /* the status is in the failure message of all_within_target */
        record(ROW_Q, HUGE_VAL, where);
        return;
    }
    mpfr_inits2(2 * REF_BITS, l1, l2, target, (mpfr_ptr)0);
    /* ln F or ln S at xq and xq + h */
    h = 1e-7 * fmax(fabs(xq), 1e-3);
    for (int k = 0; k < 2; k++) {
        twin_lcdf(m, n, k == 0 ? xq : xq + h, where);
        if (upper) {
            mpfr_expm1(mtmp, mlc, MPFR_RNDN);
            mpfr_neg(mtmp, mtmp, MPFR_RNDN);
            mpfr_log(k == 0 ? l1 : l2, mtmp, MPFR_RNDN);
        } else {
            mpfr_set(k == 0 ? l1 : l2, mlc, MPFR_RNDN);
        }
    }
    /* target: ln p or ln(1-p), 1 - p exact in double for p > 1/2 */
    mpfr_set_d(target, upper ? 1.0 - p : p, MPFR_RNDN);
    mpfr_log(target, target, MPFR_RNDN);
    mpfr_sub(l2, l2, l1, MPFR_RNDN);  /* slope * h */
    mpfr_sub(l1, l1, target, MPFR_RNDN);
    mpfr_div(l1, l1, l2, MPFR_RNDN);
    e = fabs(mpfr_get_d(l1, MPFR_RNDN)) * h / fmax(1.0, fabs(xq));
    record(ROW_Q, e, where);
    mpfr_clears(l1, l2, target, (mpfr_ptr)0);
}

static void check_model(const refit_model *m, uint64_t n, const char *label, int with_quantiles)
{
    double mean, var;
    ck_assert(refit_theory_quantity(m, n, REFIT_Q_LOGVAR_MEAN, &mean) == REFIT_OK);
    ck_assert(refit_theory_quantity(m, n, REFIT_Q_LOGVAR_VAR, &var) == REFIT_OK);
    double sd = sqrt(var);
    static const double Ls[] = {-690.0, -20.0};
    for (int upper = 0; upper < 2; upper++)
        for (int k = 0; k < 2; k++) check_point(m, n, place_x(m, n, Ls[k], upper, mean, sd), label);
    check_point(m, n, mean, label);
    check_point(m, n, mean - 0.7 * sd, label);
    if (with_quantiles) {
        static const double ps[] = {1e-300, 1e-10, 0.05, 0.5, 0.95, 1.0 - 1e-10};
        for (unsigned k = 0; k < sizeof ps / sizeof ps[0]; k++)
            if (with_quantiles > 1 || k % 2 == 1) check_quantile(m, n, ps[k], label);
    }
}

START_TEST(constant_schedules)
{
    static const struct {
        double M;
        int e;
        uint64_t n;
    } cs[] = {{2, 0, 1},         {2, 1, 10},       {3, 0, 1000},      {10, 1, 1},
              {100, 0, 100},     {1000, 1, 1000000}, {1e6, 0, 1},     {1e9, 1, 1000000},
              {1e9, 0, 1},       {5, 0, 1000000}};
    char label[96];
    for (unsigned i = 0; i < sizeof cs / sizeof cs[0]; i++) {
        refit_model m = refit_model_default();
        m.schedule = refit_schedule_const(cs[i].M);
        m.estimator = (refit_estimator)cs[i].e;
        snprintf(label, sizeof label, "const M=%.17g %s", cs[i].M, est_name(m.estimator));
        check_model(&m, cs[i].n, label, i % 3 == 0 ? 2 : 1);
    }
    int extra = 2 * refit_test_scale() - 2 + 2;
    for (int k = 0; k < extra; k++) {
        refit_model m = refit_model_default();
        m.schedule = refit_schedule_const(floor(log_uniform(2.0, 1.0000001e9)));
        m.estimator = uniform01() < 0.5 ? REFIT_ESTIMATOR_UNBIASED : REFIT_ESTIMATOR_MLE;
        uint64_t n = (uint64_t)floor(log_uniform(1.0, 1.0000001e6));
        snprintf(label, sizeof label, "const M=%.17g %s (random)", m.schedule.M, est_name(m.estimator));
        check_model(&m, n, label, 1);
    }
}
END_TEST

START_TEST(other_schedules)
{
    static const double list[] = {2, 7, 3, 1e6, 40};
    refit_model m = refit_model_default();
    m.schedule = (refit_schedule){REFIT_SCHEDULE_POLY, 4, 1.0, NULL, 0};
    check_model(&m, 5, "poly M0=4 alpha=1 unb", 1);
    m.estimator = REFIT_ESTIMATOR_MLE;
    m.schedule = (refit_schedule){REFIT_SCHEDULE_LIST, 0, 0, list, 5};
    check_model(&m, 9, "list 2,7,3,1e6,40 mle", 1);
    if (refit_test_scale() > 1) {
        m.estimator = REFIT_ESTIMATOR_UNBIASED;
        m.schedule = (refit_schedule){REFIT_SCHEDULE_POLY, 20, 0.5, NULL, 0};
        check_model(&m, 30, "poly M0=20 alpha=0.5 unb", 2);
    }
}
END_TEST

/* The comparison can fail: a CDF off by 2e-12 or a log-CDF off by 2e-12
 * relative exceeds the target. */
START_TEST(comparison_detects_perturbation)
{
    refit_model m = refit_model_default();
    m.schedule = refit_schedule_const(10);
    double c;
    mpfr_set_d(mx, -0.3, MPFR_RNDN);
    ck_assert(refit_mp_dist_log_cdf(mlc, &m, 3, mx) == REFIT_OK);
    mpfr_exp(mref, mlc, MPFR_RNDN);
    ck_assert(refit_dist_cdf(&m, 3, -0.3, &c) == REFIT_OK);
    mpfr_sub_d(mtmp, mref, c + 2e-12, MPFR_RNDN);
    ck_assert(fabs(mpfr_get_d(mtmp, MPFR_RNDN)) > rows[ROW_CDF].target);
    ck_assert(rel_err(mpfr_get_d(mlc, MPFR_RNDN) * (1.0 + 2e-12), mlc) > rows[ROW_LCDF].target);
}
END_TEST

START_TEST(all_within_target)
{
    printf("\nWorst errors of the double distribution functions against the MPFR twin (%d bits):\n",
           REF_BITS);
    for (int i = 0; i < ROW_COUNT; i++)
        printf("%-30s worst %-10.3g (target %g, %ld points, %s) at %s\n", rows[i].name, rows[i].worst,
               rows[i].target, rows[i].count, rows[i].worst <= rows[i].target ? "ok" : "OVER TARGET",
               rows[i].where);
    fflush(stdout);
    for (int i = 0; i < ROW_COUNT; i++)
        ck_assert_msg(rows[i].worst <= rows[i].target, "%s: worst %.3g > target %g at %s (seed %#llx)",
                      rows[i].name, rows[i].worst, rows[i].target, rows[i].where,
                      (unsigned long long)SEED);
}
END_TEST

int main(void)
{
    mpfr_set_emin(mpfr_get_emin_min());
    mpfr_set_emax(mpfr_get_emax_max());
    mpfr_init2(mx, 64);
    mpfr_inits2(REF_BITS, mlc, (mpfr_ptr)0);
    mpfr_inits2(2 * REF_BITS, mtmp, mref, (mpfr_ptr)0);
    printf("check_distribution_accuracy: seed %#llx, scale %d\n", (unsigned long long)SEED,
           refit_test_scale());
    Suite *s = suite_create("distribution_accuracy");
    TCase *tc = tcase_create("double_vs_twin");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, constant_schedules);
    tcase_add_test(tc, other_schedules);
    tcase_add_test(tc, comparison_detects_perturbation);
    tcase_add_test(tc, all_within_target);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_set_fork_status(sr, CK_NOFORK); /* the table accumulates across tests */
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    mpfr_clears(mx, mlc, mtmp, mref, (mpfr_ptr)0);
    mpfr_free_cache();
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
