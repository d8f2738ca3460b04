/* Certification of the double closed forms against their MPFR twins.
 *
 * For every function of refit/theory.h: random and extreme parameters
 * (sample sizes 2 .. 1e12, n 0 .. 1e7, r across its domain), the double
 * result against the twin at 256 bits, and the worst error kept per
 * function.  Targets (issue 2): <= 4 ulp for single-generation quantities,
 * <= 1e-13 relative for n-generation compounds (and for the logarithms
 * returned by the _log variants where the value leaves double's range).
 *
 * The table of worst errors is printed, and written as Markdown to the
 * file named by REFIT_ACCURACY_MD (ci/accuracy.sh -> docs/accuracy.md).
 * REFIT_TEST_SCALE multiplies the number of random samples.
 */
#include <check.h>
#include <float.h>
#include <math.h>
#include <mpfr.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refit/theory.h"
#include "refit/theory_mp.h"
#include "test_ulp.h"

#define REF_BITS 256
#define TARGET_ULP 4.0
#define TARGET_REL 1e-13

/* ---- worst-error table ------------------------------------------------------ */

typedef struct {
    char name[48];
    int in_ulp; /* 1: error in ulp; 0: relative error */
    double target, worst;
    char where[200];
    long count;
} acc_row;

#define MAX_ROWS 64
static acc_row rows[MAX_ROWS];
static int nrows;

static acc_row *row_for(const char *name, int in_ulp)
{
    for (int i = 0; i < nrows; i++)
        if (strcmp(rows[i].name, name) == 0) return &rows[i];
    ck_assert(nrows < MAX_ROWS);
    acc_row *r = &rows[nrows++];
    snprintf(r->name, sizeof r->name, "%s", name);
    r->in_ulp = in_ulp;
    r->target = in_ulp ? TARGET_ULP : TARGET_REL;
    r->worst = 0.0;
    r->where[0] = '\0';
    r->count = 0;
    return r;
}

static void record(const char *name, int in_ulp, double err, const char *where)
{
    acc_row *r = row_for(name, in_ulp);
    r->count++;
    if (err > r->worst || (isnan(err) && !isnan(r->worst))) {
        r->worst = err;
        snprintf(r->where, sizeof r->where, "%s", where);
    }
}

/* ---- parameters ----------------------------------------------------------------- */

static uint64_t rng_state = 0x5eed2026c0ffee01ULL;
static double uniform01(void) /* splitmix64 -> [0, 1) */
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return (double)(z >> 11) * 0x1p-53;
}

static double log_uniform(double lo, double hi)
{
    return exp(log(lo) + (log(hi) - log(lo)) * uniform01());
}

/* Extreme and boundary sample sizes: the smallest ones, the switch to the
 * asymptotic series (a = 32 <=> M = 65), and the largest tested. */
static const double EXTREME_M[] = {2, 3, 4, 5, 6, 64, 65, 66, 67, 1e3, 1e6, 1e9, 1e12, 999999999989.0,
                                   4503599627370497.0, 9007199254740992.0 /* 2^52+1, 2^53 */};
#define N_EXTREME_M (sizeof EXTREME_M / sizeof EXTREME_M[0])

static double random_M(void)
{
    return floor(log_uniform(2.0, 1.0000001e12));
}

static const char *est_name(refit_estimator e) { return e == REFIT_ESTIMATOR_MLE ? "mle" : "unbiased"; }

/* ---- comparison helpers ------------------------------------------------------------ */

static mpfr_t ref, tmp;

/* Error of a logarithm lv against ln_ref: |lv - ln_ref| / max(1, |ln_ref|),
 * i.e. the relative error of the value itself while |ln| <= 1 (where a
 * relative error of the log would be meaningless) and of the log beyond. */
static double log_error(double lv, const mpfr_t ln_ref)
{
    double e = refit_test_rel_error(lv, ln_ref);
    double mag = fabs(mpfr_get_d(ln_ref, MPFR_RNDN));
    return mag < 1.0 ? e * mag : e;
}

/* Compares a plain double result (status st) with ref; on REFIT_ERANGE,
 * checks that ref is indeed outside [DBL_MIN, DBL_MAX] and compares the
 * log variant instead (row "<name> (log)"). */
static void compare_value(const char *name, int in_ulp, refit_status st, double v, double lv,
                          refit_status lst, const char *where)
{
    char logname[64];
    snprintf(logname, sizeof logname, "%s (log)", name);
    if (st == REFIT_ERANGE) {
        mpfr_abs(tmp, ref, MPFR_RNDN);
        int outside = mpfr_cmp_d(tmp, DBL_MAX) > 0 || mpfr_cmp_d(tmp, DBL_MIN) < 0;
        ck_assert_msg(outside, "%s: ERANGE for a representable value at %s", name, where);
        ck_assert_msg(lst == REFIT_OK, "%s: log variant failed at %s", name, where);
        mpfr_log(tmp, tmp, MPFR_RNDN);
        record(logname, 0, log_error(lv, tmp), where);
        return;
    }
    ck_assert_msg(st == REFIT_OK, "%s: %s at %s", name, refit_strerror(st), where);
    record(name, in_ulp, in_ulp ? refit_test_ulp_error(v, ref) : refit_test_rel_error(v, ref), where);
    if (lst == REFIT_OK && mpfr_sgn(ref) > 0) {
        mpfr_log(tmp, ref, MPFR_RNDN);
        record(logname, 0, log_error(lv, tmp), where);
    }
}

/* ---- single generation -------------------------------------------------------------- */

static void check_factor(double M, refit_estimator est, double r)
{
    char where[200];
    double v, lv;
    snprintf(where, sizeof where, "M=%.17g %s r=%.17g", M, est_name(est), r);
    refit_status st = refit_theory_factor_moment(M, est, r, &v);
    refit_status lst = refit_theory_factor_moment_log(M, est, r, &lv);
    refit_status mst = refit_mp_factor_moment(ref, M, est, r);
    ck_assert_msg(mst == REFIT_OK, "twin factor_moment: %s at %s", refit_strerror(mst), where);
    compare_value("factor_moment m(r)", 1, st, v, lv, lst, where);
    /* the log itself is a single-generation quantity: ulp target */
    ck_assert(refit_mp_factor_moment_log(ref, M, est, r) == REFIT_OK);
    ck_assert(lst == REFIT_OK);
    if (!mpfr_zero_p(ref)) record("factor_moment_log ln m(r)", 1, refit_test_ulp_error(lv, ref), where);
}

static void check_single_M(double M)
{
    char where[96];
    double v;
    snprintf(where, sizeof where, "M=%.17g", M);
    ck_assert(refit_theory_c4(M, &v) == REFIT_OK);
    ck_assert(refit_mp_c4(ref, M) == REFIT_OK);
    record("c4", 1, refit_test_ulp_error(v, ref), where);
    static const char *const names[] = {"", "drift psi(a)+ln(2/D)", "trigamma psi'(a)",
                                        "psi''(a)", "psi'''(a)"};
    for (int e = 0; e < 2; e++)
        for (int j = 1; j <= 4; j++) {
            snprintf(where, sizeof where, "M=%.17g %s", M, est_name((refit_estimator)e));
            ck_assert(refit_theory_factor_log_cumulant(M, (refit_estimator)e, j, &v) == REFIT_OK);
            ck_assert(refit_mp_factor_log_cumulant(ref, M, (refit_estimator)e, j) == REFIT_OK);
            record(names[j], 1, refit_test_ulp_error(v, ref), where);
        }
    snprintf(where, sizeof where, "M=%.17g", M);
    ck_assert(refit_theory_mix_lambda_star(M, REFIT_ESTIMATOR_UNBIASED, &v) == REFIT_OK);
    ck_assert(refit_mp_mix_lambda_star(ref, M, REFIT_ESTIMATOR_UNBIASED) == REFIT_OK);
    record("mix lambda*", 1, refit_test_ulp_error(v, ref), where);
    for (int e = 0; e < 2; e++) {
        /* ... and far beyond a: the shifted product must not overflow */
        static const double rs[] = {0.5, 1.0, 1.5, 2.0, -0.25, 3.7, 50.0, 1e4, 1e9, 1e12};
        for (unsigned i = 0; i < sizeof rs / sizeof rs[0]; i++)
            if (rs[i] > -(M - 1.0) / 2.0) check_factor(M, (refit_estimator)e, rs[i]);
        /* near the zeros r = 0 and r = 1 of ln m(r) (unbiased), where the
         * log variant must keep relative accuracy */
        static const double near0[] = {0x1p-52, 1e-9, 1e-20, -1e-20, 1e-300, -0x1p-60};
        for (unsigned i = 0; i < sizeof near0 / sizeof near0[0]; i++) {
            check_factor(M, (refit_estimator)e, near0[i]);
            check_factor(M, (refit_estimator)e, 1.0 + (fabs(near0[i]) < 1e-17 ? copysign(0x1p-52, near0[i]) : near0[i]));
        }
        /* random r in the domain, and close to its lower end -a */
        double a = (M - 1.0) / 2.0;
        check_factor(M, (refit_estimator)e, -fmin(a, 8.0) * 0.999 + uniform01() * 20.0);
        check_factor(M, (refit_estimator)e, -a * (1.0 - 1e-3 * uniform01()));
    }
}

START_TEST(single_generation)
{
    int scale = refit_test_scale();
    for (unsigned i = 0; i < N_EXTREME_M; i++) check_single_M(EXTREME_M[i]);
    for (int i = 0; i < 600 * scale; i++) check_single_M(random_M());
}
END_TEST

/* ---- n generations ---------------------------------------------------------------------- */

static void check_model(const refit_model *m, uint64_t n, const char *label)
{
    char where[200];
    for (int q = 0; q < REFIT_Q_COUNT; q++) {
        if (!refit_theory_has(m, (refit_quantity)q)) continue;
        double v, lv = NAN;
        refit_status st = refit_theory_quantity(m, n, (refit_quantity)q, &v);
        refit_status lst = refit_quantity_signed((refit_quantity)q)
                               ? REFIT_EINVAL
                               : refit_theory_quantity_log(m, n, (refit_quantity)q, &lv);
        refit_status mst = refit_mp_quantity(ref, m, n, (refit_quantity)q);
        snprintf(where, sizeof where, "%s %s n=%llu sigma=%g", label, est_name(m->estimator),
                 (unsigned long long)n, m->sigma);
        ck_assert_msg(mst == REFIT_OK, "twin of %s failed at %s", refit_quantity_name((refit_quantity)q),
                      where);
        if (mpfr_zero_p(ref)) { /* n = 0: exact zeros */
            ck_assert_msg(st == REFIT_OK && v == 0.0, "%s should be 0 at %s",
                          refit_quantity_name((refit_quantity)q), where);
            continue;
        }
        char name[64];
        snprintf(name, sizeof name, "%s%s", refit_quantity_name((refit_quantity)q),
                 m->regime == REFIT_REGIME_ACCUMULATE ? " [accumulate]"
                 : m->regime == REFIT_REGIME_MIX      ? " [mix]"
                                                      : "");
        compare_value(name, 0, st, v, lv, lst, where);
    }
    if (m->regime == REFIT_REGIME_REPLACE) {
        double rs[3] = {0.5 + 3.0 * uniform01(), -0.4 * uniform01(), 1.0 + 40.0 * uniform01()};
        for (int i = 0; i < 3; i++) {
            double v, lv;
            refit_status st = refit_theory_var_moment(m, n, rs[i], &v);
            refit_status lst = refit_theory_var_moment_log(m, n, rs[i], &lv);
            snprintf(where, sizeof where, "%s %s n=%llu r=%.17g", label, est_name(m->estimator),
                     (unsigned long long)n, rs[i]);
            refit_status mst = refit_mp_var_moment(ref, m, n, rs[i]);
            ck_assert_msg(mst == REFIT_OK, "twin var_moment: %s at %s", refit_strerror(mst), where);
            compare_value("var_moment E sigma_n^{2r}", 0, st, v, lv, lst, where);
        }
    }
}

static uint64_t random_n(double hi)
{
    return (uint64_t)floor(log_uniform(1.0, hi));
}

START_TEST(n_generations_constant)
{
    int scale = refit_test_scale();
    static const uint64_t ns[] = {0, 1, 2, 3, 10, 1000, 10000000};
    char label[64];
    for (int e = 0; e < 2; e++) {
        for (unsigned i = 0; i < N_EXTREME_M; i++)
            for (unsigned j = 0; j < sizeof ns / sizeof ns[0]; j++) {
                refit_model m = refit_model_default();
                m.schedule = refit_schedule_const(EXTREME_M[i]);
                m.estimator = (refit_estimator)e;
                snprintf(label, sizeof label, "const M=%.17g", EXTREME_M[i]);
                check_model(&m, ns[j], label);
            }
        for (int k = 0; k < 150 * scale; k++) {
            refit_model m = refit_model_default();
            m.schedule = refit_schedule_const(random_M());
            m.estimator = (refit_estimator)e;
            m.sigma = log_uniform(1e-3, 1e3);
            m.mu = uniform01() - 0.5;
            snprintf(label, sizeof label, "const M=%.17g", m.schedule.M);
            check_model(&m, random_n(1.0000001e7), label);
        }
    }
}
END_TEST

START_TEST(n_generations_schedules)
{
    int scale = refit_test_scale();
    char label[96];
    static const double list[] = {2, 7, 3, 1e6, 40, 40, 5};
    for (int e = 0; e < 2; e++) {
        for (int k = 0; k < 40 * scale; k++) {
            refit_model m = refit_model_default();
            m.estimator = (refit_estimator)e;
            double M0 = floor(log_uniform(2.0, 1e6)), alpha = 3.0 * uniform01();
            m.schedule = (refit_schedule){REFIT_SCHEDULE_POLY, M0, alpha, NULL, 0};
            snprintf(label, sizeof label, "poly M0=%.17g alpha=%.6g", M0, alpha);
            check_model(&m, random_n(2000.0), label);
        }
        refit_model m = refit_model_default();
        m.estimator = (refit_estimator)e;
        m.schedule = (refit_schedule){REFIT_SCHEDULE_LIST, 0, 0, list, 7};
        static const uint64_t ns[] = {1, 3, 6, 7, 8, 100, 1000000};
        for (unsigned j = 0; j < 7; j++) check_model(&m, ns[j], "list 2,7,3,1e6,40,40,5");
    }
}
END_TEST

START_TEST(other_regimes)
{
    int scale = refit_test_scale();
    char label[96];
    for (int e = 0; e < 2; e++) {
        for (unsigned i = 0; i < N_EXTREME_M; i++) {
            refit_model m = refit_model_default();
            m.schedule = refit_schedule_const(EXTREME_M[i]);
            m.estimator = (refit_estimator)e;
            m.regime = REFIT_REGIME_ACCUMULATE;
            snprintf(label, sizeof label, "accumulate M=%.17g", EXTREME_M[i]);
            check_model(&m, 1, label);
            check_model(&m, 2, label);
            check_model(&m, random_n(2e4), label);
            m.regime = REFIT_REGIME_MIX;
            double ls;
            ck_assert(refit_theory_mix_lambda_star(EXTREME_M[i], m.estimator, &ls) == REFIT_OK);
            double lambdas[4] = {1.0, 0.5, ls * (1.0 + uniform01()), ls * uniform01()};
            for (int l = 0; l < 4; l++) {
                m.lambda = lambdas[l];
                if (!(m.lambda > 0.0 && m.lambda <= 1.0)) continue;
                snprintf(label, sizeof label, "mix:%.6g M=%.17g", m.lambda, EXTREME_M[i]);
                check_model(&m, 1, label);
                check_model(&m, random_n(1e7), label);
                double fv, fe;
                if (refit_theory_mix_fixed_point(&m, &fv, &fe) == REFIT_OK) {
                    mpfr_t fe_ref;
                    mpfr_init2(fe_ref, REF_BITS);
                    ck_assert(refit_mp_mix_fixed_point(ref, fe_ref, &m) == REFIT_OK);
                    record("mix fixed point var_mean", 0, refit_test_rel_error(fv, ref), label);
                    record("mix fixed point mean_mse", 0, refit_test_rel_error(fe, fe_ref), label);
                    mpfr_clear(fe_ref);
                }
            }
        }
        for (int k = 0; k < 30 * scale; k++) {
            refit_model m = refit_model_default();
            m.estimator = (refit_estimator)e;
            m.regime = REFIT_REGIME_MIX;
            m.lambda = uniform01() * 0.999 + 0.001;
            m.schedule = (refit_schedule){REFIT_SCHEDULE_POLY, floor(log_uniform(2, 1e4)), uniform01(), NULL, 0};
            snprintf(label, sizeof label, "mix:%.6g poly M0=%.17g alpha=%.6g", m.lambda, m.schedule.M,
                     m.schedule.alpha);
            check_model(&m, random_n(1000.0), label);
        }
    }
}
END_TEST

/* The comparison itself can fail: a result off by a few ulp in a
 * single-generation quantity, or by 1e-12 in a compound, exceeds target. */
START_TEST(comparison_detects_perturbation)
{
    double v;
    ck_assert(refit_theory_c4(10, &v) == REFIT_OK);
    ck_assert(refit_mp_c4(ref, 10) == REFIT_OK);
    ck_assert(refit_test_ulp_error(v, ref) <= TARGET_ULP);
    ck_assert(refit_test_ulp_error(nextafter(nextafter(nextafter(nextafter(nextafter(v, 2), 2), 2), 2), 2), ref) > TARGET_ULP);
    refit_model m = refit_model_default();
    m.schedule = refit_schedule_const(1e6);
    ck_assert(refit_theory_w2sq_var(&m, 3, &v) == REFIT_OK);
    ck_assert(refit_mp_quantity(ref, &m, 3, REFIT_Q_W2SQ_VAR) == REFIT_OK);
    ck_assert(refit_test_rel_error(v, ref) <= TARGET_REL);
    ck_assert(refit_test_rel_error(v * (1.0 + 1e-12), ref) > TARGET_REL);
    /* "M where M-1 belongs": the twin at the size one larger is far off */
    ck_assert(refit_mp_quantity(ref, &m, 3, REFIT_Q_W2SQ_VAR) == REFIT_OK);
    m.schedule = refit_schedule_const(1e6 + 1);
    ck_assert(refit_theory_w2sq_var(&m, 3, &v) == REFIT_OK);
    ck_assert(refit_test_rel_error(v, ref) > 1e3 * TARGET_REL);
}
END_TEST

/* ---- report ---------------------------------------------------------------------------------- */

static void write_table(FILE *f, int markdown)
{
    if (markdown) {
        fprintf(f, "| function | metric | target | worst measured | samples | worst at |\n");
        fprintf(f, "|---|---|---|---|---|---|\n");
    }
    for (int i = 0; i < nrows; i++) {
        acc_row *r = &rows[i];
        const char *ok = r->worst <= r->target ? "ok" : "OVER TARGET";
        if (markdown)
            fprintf(f, "| `%s` | %s | %s %g | %.3g | %ld | %s |\n", r->name,
                    r->in_ulp ? "ulp" : "relative", r->in_ulp ? "<=" : "<=", r->target, r->worst,
                    r->count, r->where);
        else
            fprintf(f, "%-34s %-8s worst %-10.3g (target %g, %ld samples, %s) at %s\n", r->name,
                    r->in_ulp ? "ulp" : "rel", r->worst, r->target, r->count, ok, r->where);
    }
}

START_TEST(all_within_target)
{
    /* runs last: fails if any recorded worst error exceeds its target */
    printf("\nWorst errors of the double closed forms against their MPFR twins (%d bits):\n",
           REF_BITS);
    write_table(stdout, 0);
    const char *md = getenv("REFIT_ACCURACY_MD");
    if (md && *md) {
        FILE *f = fopen(md, "w");
        ck_assert_msg(f != NULL, "cannot write %s", md);
        fprintf(f, "# Accuracy of refit's double-precision closed forms\n\n");
        fprintf(f, "Generated by `ci/accuracy.sh` (the `check_accuracy` suite with REFIT_TEST_SCALE=%d): each\n"
                   "double function of `include/refit/theory.h` against its independent MPFR twin\n"
                   "(`include/refit/theory_mp.h`) at %d bits, over random and extreme parameters: sample\n"
                   "sizes 2 to 1e12 at random plus extremes up to 2^53 (constant, polynomial and list\n"
                   "schedules), n from 0 to 1e7, both\n"
                   "estimators, the replace, accumulate and mix regimes, r across its domain.\n"
                   "Targets: <= %g ulp for single-generation quantities, <= %g relative error for\n"
                   "n-generation compounds.  Rows marked (log) compare the `_log` variants, including where\n"
                   "the plain value leaves double's range, by |error of ln| / max(1, |ln|): the relative\n"
                   "error of the value while |ln| <= 1, the relative error of the logarithm beyond.\n\n",
                refit_test_scale(), REF_BITS, TARGET_ULP, TARGET_REL);
        write_table(f, 1);
        fclose(f);
    }
    for (int i = 0; i < nrows; i++)
        ck_assert_msg(rows[i].worst <= rows[i].target, "%s: worst %.3g > target %g at %s",
                      rows[i].name, rows[i].worst, rows[i].target, rows[i].where);
}
END_TEST

int main(void)
{
    /* The widest exponent range MPFR allows (about 2^+-2^62): the twins then
     * represent every moment tested, however far outside double's range. */
    mpfr_set_emin(mpfr_get_emin_min());
    mpfr_set_emax(mpfr_get_emax_max());
    mpfr_inits2(REF_BITS, ref, tmp, (mpfr_ptr)0);
    printf("check_accuracy: seed %#llx, scale %d\n", (unsigned long long)rng_state, refit_test_scale());
    Suite *s = suite_create("accuracy");
    TCase *tc = tcase_create("double_vs_mpfr");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, single_generation);
    tcase_add_test(tc, n_generations_constant);
    tcase_add_test(tc, n_generations_schedules);
    tcase_add_test(tc, other_regimes);
    tcase_add_test(tc, comparison_detects_perturbation);
    tcase_add_test(tc, all_within_target);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    /* one process: the worst-error table accumulates across the tests */
    srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    mpfr_clears(ref, tmp, (mpfr_ptr)0);
    mpfr_free_cache();
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
