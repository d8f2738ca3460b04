/* refit verify (verify/): the theorem-check suite.
 *
 * What is checked:
 *  quick         the quick level passes as a whole, with the seed fixed
 *                (REFIT_TEST_SEED overrides; printed on failure).  Its false
 *                alarm is the suite's own: family-wise alpha = 1e-3 over the
 *                Monte Carlo items (Bonferroni) plus the engine's reliability
 *                flag on light tails (docs/verify.md).  The same run is
 *                audited: N counts the MONTE_CARLO and MC_PROPERTY items,
 *                z_crit solves N P(|Z| > z) = alpha (recomputed here with
 *                erfc), and every verdict is recomputed from its item by the
 *                rule verify.h states.
 *  perturb       each check run alone with its own perturbation must FAIL
 *                (and be marked perturbed); the faults are deterministic
 *                (wrong constants or estimators), so this is not chance;
 *                the martingale fault is tried on three seeds.
 *  determinism   two runs (1 and 2 threads) are bitwise equal.
 *  config        unknown ids, bad alpha/threads/level -> REFIT_EINVAL.
 *  figures       the four figures with their series, finite values, positive
 *                values on log axes, histogram probabilities summing to
 *                ~0.999 (the 0.05%..99.95% range).
 * REFIT_TEST_SCALE > 1 also runs the default level once.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refit/kernels.h"
#include "refit/verify.h"
#include "test_rng.h"
#include "test_ulp.h"

#define VERIFY_TEST_SEED UINT64_C(20240724)

static uint64_t test_seed(void)
{
    return refit_test_env_u64("REFIT_TEST_SEED", VERIFY_TEST_SEED);
}

static refit_verify_config quick_config(int threads)
{
    refit_verify_config c = refit_verify_config_default();
    c.level = REFIT_VERIFY_QUICK;
    c.seed = test_seed();
    c.threads = threads;
    return c;
}

/* z with P(Z > z) = p (the test's own bisection on erfc). */
static double z_upper(double p)
{
    double lo = 0.0, hi = 50.0;
    for (int i = 0; i < 300; i++) {
        double mid = 0.5 * (lo + hi);
        if (0.5 * erfc(mid / sqrt(2.0)) > p)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

static void print_failures(const refit_verify_result *r, uint64_t seed)
{
    for (size_t i = 0; i < r->check_count; i++)
        for (size_t k = 0; k < r->checks[i].item_count; k++) {
            const refit_verify_item *it = &r->checks[i].items[k];
            if (!it->pass)
                printf("seed %llu: %s FAILS: %s (exact %.17g est %.17g se %.3g score %.6g tol "
                       "%.6g reliable %d)\n",
                       (unsigned long long)seed, r->checks[i].id, it->what, it->exact,
                       it->estimate, it->se, it->score, it->tolerance, it->reliable);
        }
}

START_TEST(test_quick_passes)
{
    refit_verify_config c = quick_config(2);
    refit_verify_result r;
    size_t nids, N = 0;
    const char *const *ids = refit_verify_ids(&nids);
    ck_assert_int_eq(refit_verify_run(&c, NULL, NULL, &r), REFIT_OK);
    print_failures(&r, c.seed);
    ck_assert_uint_eq(nids, 9);
    ck_assert_uint_eq(r.check_count, nids);
    for (size_t i = 0; i < r.check_count; i++) {
        const refit_verify_check *ck = &r.checks[i];
        int pass = ck->status == REFIT_OK && ck->item_count > 0;
        ck_assert_str_eq(ck->id, ids[i]);
        ck_assert_ptr_nonnull(ck->title);
        ck_assert_ptr_nonnull(ck->source);
        ck_assert_ptr_nonnull(ck->claim);
        ck_assert_ptr_nonnull(ck->rule);
        ck_assert_ptr_nonnull(ck->perturbation);
        ck_assert_int_eq(ck->perturbed, 0);
        ck_assert_msg(ck->params[0] != '\0', "%s: no parameters", ck->id);
        for (size_t k = 0; k < ck->item_count; k++) {
            const refit_verify_item *it = &ck->items[k];
            int expect;
            ck_assert_msg(it->what[0] != '\0', "%s item %zu has no text", ck->id, k);
            switch (it->kind) {
            case REFIT_VERIFY_CERTIFY:
                expect = it->score <= it->tolerance;
                ck_assert_msg(it->tolerance > 0.0 && it->tolerance <= 1e-10, "%s: %s tol %g",
                              ck->id, it->what, it->tolerance);
                ck_assert_msg(isfinite(it->exact) && isfinite(it->exact_mp), "%s: %s", ck->id,
                              it->what);
                break;
            case REFIT_VERIFY_EXACT:
                expect = it->score >= 0.0;
                break;
            case REFIT_VERIFY_MONTE_CARLO:
                N++;
                ck_assert_double_eq(it->tolerance, r.z_crit);
                expect = it->reliable && fabs(it->score) <= r.z_crit;
                ck_assert_msg(isfinite(it->estimate) && it->se > 0.0, "%s: %s", ck->id, it->what);
                break;
            default:
                N++;
                ck_assert_double_eq(it->tolerance, r.z_crit);
                expect = it->pass; /* two rules (one-sided, detect): checked by the perturbations */
                break;
            }
            ck_assert_msg(it->pass == expect, "%s: verdict of '%s' is not its rule's", ck->id,
                          it->what);
            pass = pass && it->pass;
        }
        ck_assert_int_eq(ck->pass, pass);
        ck_assert_msg(ck->pass, "check %s fails at the quick level (seed %llu)", ck->id,
                      (unsigned long long)c.seed);
    }
    ck_assert_int_eq(r.all_pass, 1);
    ck_assert_uint_eq(r.mc_items, N);
    ck_assert_uint_gt(N, 20);
    /* Bonferroni: N P(|Z| > z_crit) = alpha */
    ck_assert_double_eq_tol(r.z_crit, z_upper(c.alpha / (2.0 * (double)N)), 1e-9);
    ck_assert_double_eq_tol((double)N * erfc(r.z_crit / sqrt(2.0)) / c.alpha, 1.0, 1e-6);
    refit_verify_result_free(&r);
}
END_TEST

static const char *const PERTURB_IDS[9] = {"collapse-as", "w2-diverges", "marginal-var",
                                           "superlinear", "martingale",  "accumulate",
                                           "mix",         "tail-bounds", "certify"};

START_TEST(test_perturbation_fails)
{
    const char *id = PERTURB_IDS[_i];
    int seeds = strcmp(id, "martingale") == 0 ? 3 : 1;
    for (int s = 0; s < seeds; s++) {
        refit_verify_config c = quick_config(2);
        refit_verify_result r;
        size_t nfail = 0;
        c.seed += (uint64_t)s;
        c.only = &PERTURB_IDS[_i];
        c.only_count = 1;
        c.perturb = id;
        ck_assert_int_eq(refit_verify_run(&c, NULL, NULL, &r), REFIT_OK);
        ck_assert_uint_eq(r.check_count, 1);
        ck_assert_str_eq(r.checks[0].id, id);
        ck_assert_int_eq(r.checks[0].perturbed, 1);
        for (size_t k = 0; k < r.checks[0].item_count; k++) nfail += !r.checks[0].items[k].pass;
        ck_assert_msg(!r.checks[0].pass && nfail > 0 && !r.all_pass,
                      "check %s still passes with its perturbation (seed %llu)", id,
                      (unsigned long long)c.seed);
        refit_verify_result_free(&r);
    }
}
END_TEST

static int items_equal(const refit_verify_check *a, const refit_verify_check *b)
{
    if (strcmp(a->id, b->id) != 0 || a->item_count != b->item_count || a->pass != b->pass ||
        strcmp(a->params, b->params) != 0)
        return 0;
    return memcmp(a->items, b->items, a->item_count * sizeof *a->items) == 0;
}

START_TEST(test_determinism)
{
    static const char *const only[4] = {"collapse-as", "marginal-var", "tail-bounds", "mix"};
    refit_verify_config c1 = quick_config(1), c2 = quick_config(2);
    refit_verify_result r1, r2;
    c1.only = c2.only = only;
    c1.only_count = c2.only_count = 4;
    ck_assert_int_eq(refit_verify_run(&c1, NULL, NULL, &r1), REFIT_OK);
    ck_assert_int_eq(refit_verify_run(&c2, NULL, NULL, &r2), REFIT_OK);
    ck_assert_uint_eq(r1.check_count, 4);
    ck_assert_uint_eq(r2.check_count, 4);
    ck_assert_uint_eq(r1.mc_items, r2.mc_items);
    ck_assert_int_eq(memcmp(&r1.z_crit, &r2.z_crit, sizeof r1.z_crit), 0);
    for (size_t i = 0; i < 4; i++)
        ck_assert_msg(items_equal(&r1.checks[i], &r2.checks[i]), "%s differs between runs",
                      r1.checks[i].id);
    refit_verify_result_free(&r1);
    refit_verify_result_free(&r2);
}
END_TEST

static size_t progress_calls;
static void count_progress(void *user, size_t done, size_t total, const char *id)
{
    (void)user;
    ck_assert_uint_le(done, total);
    ck_assert_ptr_nonnull(id);
    progress_calls++;
}

START_TEST(test_config)
{
    refit_verify_config c = quick_config(1);
    refit_verify_result r;
    static const char *const bad[1] = {"no-such-check"};
    static const char *const good[1] = {"accumulate"};
    refit_verify_config d = refit_verify_config_default();
    ck_assert_int_eq(d.level, REFIT_VERIFY_DEFAULT);
    ck_assert_uint_eq(d.seed, UINT64_C(20240724));
    ck_assert_double_eq(d.alpha, 1e-3);
    ck_assert_int_ge(d.threads, 1);
    ck_assert_ptr_null(d.only);
    ck_assert_ptr_null(d.perturb);

    c.only = bad;
    c.only_count = 1;
    ck_assert_int_eq(refit_verify_run(&c, NULL, NULL, &r), REFIT_EINVAL);
    ck_assert_ptr_null(r.checks);
    c.only = good;
    c.perturb = "nope";
    ck_assert_int_eq(refit_verify_run(&c, NULL, NULL, &r), REFIT_EINVAL);
    c.perturb = NULL;
    c.alpha = 0.0;
    ck_assert_int_eq(refit_verify_run(&c, NULL, NULL, &r), REFIT_EINVAL);
    c.alpha = 1.0;
    ck_assert_int_eq(refit_verify_run(&c, NULL, NULL, &r), REFIT_EINVAL);
    c.alpha = 1e-3;
    c.threads = 0;
    ck_assert_int_eq(refit_verify_run(&c, NULL, NULL, &r), REFIT_EINVAL);
    c.threads = 1;
    c.level = (refit_verify_level)7;
    ck_assert_int_eq(refit_verify_run(&c, NULL, NULL, &r), REFIT_EINVAL);
    c.level = REFIT_VERIFY_QUICK;
    c.only = NULL;
    c.only_count = 1;
    ck_assert_int_eq(refit_verify_run(&c, NULL, NULL, &r), REFIT_EINVAL);
    ck_assert_int_eq(refit_verify_run(NULL, NULL, NULL, &r), REFIT_EINVAL);
    ck_assert_int_eq(refit_verify_run(&c, NULL, NULL, NULL), REFIT_EINVAL);

    /* a valid subset: progress once per check; a perturbation of a check
     * not selected changes nothing */
    c.only = good;
    c.only_count = 1;
    c.perturb = "mix";
    progress_calls = 0;
    ck_assert_int_eq(refit_verify_run(&c, count_progress, NULL, &r), REFIT_OK);
    ck_assert_uint_eq(progress_calls, 1);
    ck_assert_uint_eq(r.check_count, 1);
    ck_assert_int_eq(r.checks[0].perturbed, 0);
    ck_assert_int_eq(r.all_pass, 1);
    refit_verify_result_free(&r);
    refit_verify_result_free(&r); /* idempotent */
    refit_verify_result_free(NULL);
}
END_TEST

static const refit_verify_series *find_series(const refit_verify_figure *f, const char *name)
{
    for (size_t s = 0; s < f->series_count; s++)
        if (strcmp(f->series[s].name, name) == 0) return &f->series[s];
    return NULL;
}

START_TEST(test_figures)
{
    static const char *const ids[4] = {"fan", "w2", "histogram", "regimes"};
    static const char *const need[4][4] = {
        {"mc_q0.05", "mc_q0.95", "exact_median", "exact_q0.25"},
        {"exact_unbiased", "mc_unbiased", "exact_mle", "mc_mle"},
        {"exact_prob", "mc_freq", NULL, NULL},
        {"exact_var_replace", "mc_mse_accumulate", "exact_var_mix", "mc_mse_mix"}};
    refit_verify_config c = quick_config(2);
    refit_verify_figures figs;
    ck_assert_int_eq(refit_verify_figures_compute(&c, &figs), REFIT_OK);
    ck_assert_uint_eq(figs.count, 4);
    for (size_t i = 0; i < 4; i++) {
        const refit_verify_figure *f = &figs.figures[i];
        ck_assert_str_eq(f->id, ids[i]);
        ck_assert_msg(f->title[0] && f->xlabel[0] && f->ylabel[0] && f->caption[0], "%s", f->id);
        for (size_t k = 0; k < 4; k++)
            if (need[i][k])
                ck_assert_msg(find_series(f, need[i][k]) != NULL, "%s lacks %s", f->id,
                              need[i][k]);
        for (size_t s = 0; s < f->series_count; s++) {
            const refit_verify_series *S = &f->series[s];
            ck_assert_uint_gt(S->count, 0);
            for (size_t j = 0; j < S->count; j++) {
                ck_assert_msg(isfinite(S->x[j]) && isfinite(S->y[j]), "%s/%s[%zu] not finite",
                              f->id, S->name, j);
                if (f->logx) ck_assert_msg(S->x[j] > 0.0, "%s/%s x <= 0", f->id, S->name);
                if (f->logy) ck_assert_msg(S->y[j] > 0.0, "%s/%s y <= 0", f->id, S->name);
                if (S->lo) {
                    ck_assert_msg(isfinite(S->lo[j]) && isfinite(S->hi[j]) &&
                                      S->lo[j] <= S->y[j] && S->y[j] <= S->hi[j],
                                  "%s/%s[%zu] interval [%g, %g] around %g", f->id, S->name, j,
                                  S->lo[j], S->hi[j], S->y[j]);
                    if (f->logy) ck_assert(S->lo[j] > 0.0);
                }
            }
        }
    }
    /* the histogram: exact bin probabilities sum to 0.999, frequencies to
     * at most 1, and the fan's exact quantiles are ordered */
    const refit_verify_figure *h = &figs.figures[2];
    const refit_verify_series *ex = find_series(h, "exact_prob"), *mc = find_series(h, "mc_freq");
    double se = 0.0, sm = 0.0;
    ck_assert_uint_eq(ex->count, 60);
    for (size_t j = 0; j < ex->count; j++) se += ex->y[j], sm += mc->y[j];
    ck_assert_double_eq_tol(se, 0.999, 1e-9);
    ck_assert_double_le(sm, 1.0);
    ck_assert_double_gt(sm, 0.99);
    const refit_verify_series *q25 = find_series(&figs.figures[0], "exact_q0.25"),
                              *q50 = find_series(&figs.figures[0], "exact_median");
    for (size_t j = 0; j < q25->count; j++) ck_assert_double_lt(q25->y[j], q50->y[j]);
    refit_verify_figures_free(&figs);
    refit_verify_figures_free(&figs);
    refit_verify_figures_free(NULL);
}
END_TEST

START_TEST(test_default_level)
{
    refit_verify_config c = refit_verify_config_default();
    refit_verify_result r;
    c.seed = test_seed();
    c.threads = 2;
    ck_assert_int_eq(refit_verify_run(&c, NULL, NULL, &r), REFIT_OK);
    print_failures(&r, c.seed);
    ck_assert_int_eq(r.all_pass, 1);
    refit_verify_result_free(&r);
}
END_TEST

static Suite *verify_suite(void)
{
    Suite *s = suite_create("verify");
    TCase *tc = tcase_create("suite");
    tcase_set_timeout(tc, 300 * refit_test_scale());
    tcase_add_test(tc, test_quick_passes);
    tcase_add_loop_test(tc, test_perturbation_fails, 0, 9);
    tcase_add_test(tc, test_determinism);
    tcase_add_test(tc, test_config);
    tcase_add_test(tc, test_figures);
    if (refit_test_scale() > 1) tcase_add_test(tc, test_default_level);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    int failed;
    SRunner *sr = srunner_create(verify_suite());
    printf("verify: quick level, seed %llu (REFIT_TEST_SEED), alpha 1e-3 family-wise per run; "
           "scale %d\n",
           (unsigned long long)test_seed(), refit_test_scale());
    fflush(stdout);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
