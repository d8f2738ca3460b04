/* Coverage of the engine's 95% intervals over repeated seeds.
 *
 * S = 2000 independent runs (seeds base + s * stride) of K = 400 chains,
 * M = 10, reported at n = 2 and n = 10.  For each quantity with a
 * non-degenerate estimator, the fraction of runs whose interval [lo, hi]
 * holds the closed form (theory.h, distribution.h) must lie in the band
 * [93%, 97%] (the 95% +- 2%):
 *   replace, EXACT, importance off:  logvar_mean, logvar_var (plain mean and
 *       variance), var_mean (plain mean), mean_mse (plain mean of the
 *       Rao-Blackwell sums sum_i sigma_i^2 / M_i), var_median and var_q0.25
 *       (order statistics, binomial interval), collapse_prob with eps at the
 *       median of sigma_10^2 (Wilson);
 *   mix:0.5 and accumulate, EXACT:  var_mean, mean_mse, marginal_var (the
 *       engine uses plain means there, importance or not);
 *   replace, SAMPLE, importance on:  var_mean, sd_mean, mean_mse,
 *       marginal_var, w2sq_mean (scaled-sample importance sampling: not exact,
 *       unlike EXACT mode's Gamma tilt, where these estimates are exact up to
 *       rounding and there is nothing to cover).
 * The order statistics and the proportion have exactly computable coverage
 * (c*, computed below: 95.98% for the median at K = 400, Wilson's depends on
 * p); their band is [min(93%, c* - 2%), max(97%, c* + 2%)].  An item is
 * asserted when at least half of its runs call the interval reliable; the
 * others (the plain mean of sigma_10^2, reliable in ~7% of runs) are
 * reported only.
 *
 * False alarm: at true coverage c* the count of covering runs is
 * Bin(2000, c*), sd ~0.49%, so P(outside the band) ~4.5e-5 per item (printed
 * per item, and summed over the asserted ones: ~1.3e-3).  An interval whose
 * true coverage is 94% or 96% still passes with probability > 0.98; one at
 * 93.5% fails about one seed base in five (see docs/simulate-tests.md on
 * logvar_var).  The seeds are fixed, so the run is deterministic;
 * REFIT_TEST_SEED moves it, REFIT_TEST_SCALE multiplies S.  About 10 s.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refit/distribution.h"
#include "refit/model.h"
#include "refit/sim.h"
#include "refit/status.h"
#include "refit/theory.h"
#include "test_rng.h"
#include "test_ulp.h"

#define COV_DEFAULT_SEED UINT64_C(0xc0de0005a11ce000)
#define COV_RUNS 2000
/* Runs s = 0, 1, ... use seeds base + s * stride (mod 2^64): bases a few apart
 * share no run. */
#define COV_SEED_STRIDE UINT64_C(0x9e3779b97f4a7c15)
#define COV_CHAINS 400
#define COV_M 10.0
#define COV_LO 0.93
#define COV_HI 0.97

static const double COV_MU = 0.7;
static const double COV_SIGMA = 1.3;
static const uint64_t COV_AT[] = {2, 10};
#define COV_NAT 2

static uint64_t cov_seed(void)
{
    return refit_test_env_u64("REFIT_TEST_SEED", COV_DEFAULT_SEED);
}

static uint64_t cov_runs(void)
{
    return COV_RUNS * (uint64_t)refit_test_scale();
}

/* P(lo <= X <= hi), X ~ Bin(K, p), in log space. */
static double binom_range(uint64_t K, uint64_t lo, uint64_t hi, double p)
{
    double sum = 0.0, k = (double)K;
    for (uint64_t x = lo; x <= hi && x <= K; x++) {
        double xx = (double)x;
        sum += exp(lgamma(k + 1.0) - lgamma(xx + 1.0) - lgamma(k - xx + 1.0) + xx * log(p) +
                   (k - xx) * log1p(-p));
    }
    return sum;
}

/* Exact coverage of [X_(l), X_(u)] for the p-quantile of K continuous
 * draws, with the equal-tailed binomial ranks: l the largest rank with
 * P(B <= l - 1) <= 2.5%, u the smallest with P(B <= u - 1) >= 97.5%,
 * B ~ Bin(K, p); the coverage is P(l <= B <= u - 1). */
static double order_coverage(uint64_t K, double p)
{
    uint64_t l = 0, u = K + 1;
    double F = 0.0;
    int have_u = 0;
    for (uint64_t i = 0; i <= K; i++) {
        F += binom_range(K, i, i, p);
        if (F <= 0.025) l = i + 1;
        if (!have_u && F >= 0.975) {
            u = i + 1;
            have_u = 1;
        }
    }
    return binom_range(K, l, u - 1, p);
}

/* Exact coverage of the 95% Wilson interval for a proportion p from K trials. */
static double wilson_coverage(uint64_t K, double p)
{
    const double z = 1.959963984540054;
    double k = (double)K, cov = 0.0;
    for (uint64_t x = 0; x <= K; x++) {
        double ph = (double)x / k, den = 1.0 + z * z / k;
        double centre = (ph + z * z / (2.0 * k)) / den;
        double half = z / den * sqrt(ph * (1.0 - ph) / k + z * z / (4.0 * k * k));
        double lo = x == 0 ? 0.0 : centre - half, hi = x == K ? 1.0 : centre + half;
        if (lo <= p && p <= hi) cov += binom_range(K, x, x, p);
    }
    return cov;
}

/* One coverage counter. */
typedef struct cov_item {
    const char *run;  /* which configuration */
    int slot;         /* refit_quantity, or one of the extra slots */
    size_t at;        /* index into COV_AT */
    int asserted;     /* 0: reported only */
    double exact;
    uint64_t covered, ok, reliable;
} cov_item;

enum { SLOT_MEDIAN = REFIT_Q_COUNT, SLOT_Q25, SLOT_COLLAPSE };

static const char *slot_name(int slot)
{
    if (slot < REFIT_Q_COUNT) return refit_quantity_name((refit_quantity)slot);
    return slot == SLOT_MEDIAN ? "var_median" : slot == SLOT_Q25 ? "var_q0.25" : "collapse_prob";
}

static refit_model cov_model(refit_regime regime)
{
    refit_model m = refit_model_default();
    m.schedule = refit_schedule_const(COV_M);
    m.estimator = REFIT_ESTIMATOR_UNBIASED;
    m.regime = regime;
    m.lambda = regime == REFIT_REGIME_MIX ? 0.5 : 1.0;
    m.mu = COV_MU;
    m.sigma = COV_SIGMA;
    return m;
}

/* eps at the median of sigma_10^2 / sigma^2 (replace): P = 1/2 there. */
static double cov_eps(void)
{
    refit_model m = cov_model(REFIT_REGIME_REPLACE);
    double x = NAN;
    ck_assert_int_eq(refit_dist_quantile(&m, 10, 0.5, &x), REFIT_OK);
    return exp(x);
}

static double exact_value(const refit_model *m, int slot, uint64_t n, double eps)
{
    double v = NAN, x = NAN;
    if (slot < REFIT_Q_COUNT) {
        ck_assert_int_eq(refit_theory_quantity(m, n, (refit_quantity)slot, &v), REFIT_OK);
    } else if (slot == SLOT_COLLAPSE) {
        ck_assert_int_eq(refit_dist_cdf(m, n, log(eps), &v), REFIT_OK);
    } else {
        ck_assert_int_eq(refit_dist_quantile(m, n, slot == SLOT_MEDIAN ? 0.5 : 0.25, &x),
                         REFIT_OK);
        v = m->sigma * m->sigma * exp(x);
    }
    return v;
}

static const refit_sim_estimate *pick(const refit_sim_row *row, int slot)
{
    if (slot < REFIT_Q_COUNT) return &row->quantity[slot];
    if (slot == SLOT_MEDIAN) return &row->median;
    if (slot == SLOT_Q25) return &row->quantile[0];
    return &row->collapse_prob;
}

static void tally_run(cov_item *items, size_t count, const char *run,
                      const refit_sim_result *res)
{
    for (size_t i = 0; i < count; i++) {
        cov_item *it = &items[i];
        if (strcmp(it->run, run) != 0) continue;
        const refit_sim_estimate *e = pick(&res->rows[it->at], it->slot);
        if (e->status != REFIT_OK) continue;
        it->ok++;
        it->reliable += e->reliable == 1;
        it->covered += e->lo <= it->exact && it->exact <= e->hi;
    }
}

START_TEST(test_coverage)
{
    static const double q25[] = {0.25};
    static const char *runs[] = {"replace, plain", "mix:0.5 (plain)", "accumulate (plain)",
                                 "replace SAMPLE, importance"};
    static const refit_regime regimes[] = {REFIT_REGIME_REPLACE, REFIT_REGIME_MIX,
                                           REFIT_REGIME_ACCUMULATE, REFIT_REGIME_REPLACE};
#define COV_CONFIGS 4
    cov_item items[48];
    size_t count = 0;
    double eps = cov_eps();
    uint64_t S = cov_runs();

    /* What is covered, with its exact value. */
    for (size_t a = 0; a < COV_NAT; a++) {
        static const int replace_slots[] = {REFIT_Q_LOGVAR_MEAN, REFIT_Q_LOGVAR_VAR,
                                            REFIT_Q_VAR_MEAN,    REFIT_Q_MEAN_MSE,
                                            SLOT_MEDIAN,         SLOT_Q25,
                                            SLOT_COLLAPSE};
        static const int pooled_slots[] = {REFIT_Q_VAR_MEAN, REFIT_Q_MEAN_MSE,
                                           REFIT_Q_MARGINAL_VAR};
        static const int is_slots[] = {REFIT_Q_VAR_MEAN, REFIT_Q_SD_MEAN, REFIT_Q_MEAN_MSE,
                                       REFIT_Q_MARGINAL_VAR, REFIT_Q_W2SQ_MEAN};
        refit_model m = cov_model(REFIT_REGIME_REPLACE);
        for (size_t k = 0; k < sizeof replace_slots / sizeof replace_slots[0]; k++) {
            cov_item it = {runs[0], replace_slots[k], a, 1, NAN, 0, 0, 0};
            /* The plain mean of sigma_10^2 (ln-sd 1.6) is reported, not asserted. */
            if (replace_slots[k] == REFIT_Q_VAR_MEAN && COV_AT[a] == 10) it.asserted = 0;
            it.exact = exact_value(&m, it.slot, COV_AT[a], eps);
            ck_assert_uint_lt(count, sizeof items / sizeof items[0]);
            items[count++] = it;
        }
        for (int r = 1; r < COV_CONFIGS; r++) {
            refit_model mr = cov_model(regimes[r]);
            const int *slots = r < 3 ? pooled_slots : is_slots;
            size_t ns = r < 3 ? 3 : 5;
            for (size_t k = 0; k < ns; k++) {
                cov_item it = {runs[r], slots[k], a, 1, NAN, 0, 0, 0};
                it.exact = exact_value(&mr, it.slot, COV_AT[a], eps);
                ck_assert_uint_lt(count, sizeof items / sizeof items[0]);
                items[count++] = it;
            }
        }
    }

    for (uint64_t s = 0; s < S; s++) {
        for (int r = 0; r < COV_CONFIGS; r++) {
            refit_sim_config c = refit_sim_config_default();
            refit_sim_result res;
            c.model = cov_model(regimes[r]);
            c.chains = COV_CHAINS;
            c.seed = cov_seed() + s * COV_SEED_STRIDE;
            c.at = COV_AT;
            c.at_count = COV_NAT;
            c.importance = r == 3;
            c.mode = r == 3 ? REFIT_SIM_SAMPLE : REFIT_SIM_EXACT;
            if (r == 0) {
                c.eps = eps;
                c.quantiles = q25;
                c.quantile_count = 1;
            }
            refit_status st = refit_sim_estimate_all(&c, &res);
            ck_assert_msg(st == REFIT_OK, "%s seed %llu: %s", runs[r],
                          (unsigned long long)c.seed, refit_strerror(st));
            tally_run(items, count, runs[r], &res);
            refit_sim_result_free(&res);
        }
    }

    /* The check's own false-alarm probability at true coverage 0.95. */
    /* Each item's target coverage c*: 0.95 for the normal-theory intervals;
     * for the order statistics and the proportion their exact coverage,
     * computed here (distribution free / binomial), which the designs keep at
     * or above 95%.  Band: [min(93%, c* - 2%), max(97%, c* + 2%)] of S runs.
     * Asserted where at least half the runs call the interval reliable. */
    size_t asserted = 0, bad = 0;
    double fa_total = 0.0;
    printf("coverage: %llu runs x K = %d chains, M = %g (exact mode; one SAMPLE configuration)\n",
           (unsigned long long)S, COV_CHAINS, COV_M);
    printf("  %-28s %-14s %4s %9s %8s %9s %17s %9s %s\n", "configuration", "quantity", "n",
           "coverage", "target", "reliable", "band", "false-al", "asserted");
    for (size_t i = 0; i < count; i++) {
        cov_item *it = &items[i];
        double target = 0.95;
        if (it->slot == SLOT_MEDIAN || it->slot == SLOT_Q25)
            target = order_coverage(COV_CHAINS, it->slot == SLOT_MEDIAN ? 0.5 : 0.25);
        else if (it->slot == SLOT_COLLAPSE)
            target = wilson_coverage(COV_CHAINS, it->exact);
        double blo = fmin(COV_LO, target - 0.02), bhi = fmax(COV_HI, target + 0.02);
        uint64_t lo = (uint64_t)ceil(blo * (double)S - 1e-9);
        uint64_t hi = (uint64_t)fmin((double)S, floor(bhi * (double)S + 1e-9));
        double fa = 1.0 - binom_range(S, lo, hi, target);
        double cov = it->ok ? (double)it->covered / (double)it->ok : NAN;
        double rel = (double)it->reliable / (double)(it->ok ? it->ok : 1);
        int assert_it = it->asserted && rel >= 0.5;
        int pass = it->ok == S && it->covered >= lo && it->covered <= hi;
        printf("  %-28s %-14s %4llu %8.2f%% %7.2f%% %8.1f%% [%6.2f%%, %6.2f%%] %9.2g %s%s\n",
               it->run, slot_name(it->slot), (unsigned long long)COV_AT[it->at], 100.0 * cov,
               100.0 * target, 100.0 * rel, 100.0 * blo, 100.0 * bhi, fa,
               assert_it ? "yes" : "no", assert_it && !pass ? "  <-- FAIL" : "");
        if (assert_it) {
            asserted++;
            fa_total += fa;
            if (!pass) bad++;
        }
    }
    printf("coverage: %zu asserted; false-alarm probability of the whole check (each at its "
           "target coverage, union bound) %.3g\n", asserted, fa_total);
    fflush(stdout);
    ck_assert_msg(bad == 0, "%zu coverage(s) outside their band (seed base %llu)", bad,
                  (unsigned long long)cov_seed());
}
END_TEST

/* The band itself: a binomial false-alarm figure computed two ways. */
START_TEST(test_band)
{
    /* P(Bin(2000, 0.95) outside [1860, 1940]) against the normal tail with a
     * continuity correction: the two agree to within a factor 2 (the normal
     * tail misjudges the skewed lower tail). */
    double exact = 1.0 - binom_range(2000, 1860, 1940, 0.95);
    double sd = sqrt(2000 * 0.95 * 0.05);
    double normal = 0.5 * erfc((1940.5 - 1900.0) / sd / sqrt(2.0)) +
                    0.5 * erfc((1900.0 - 1859.5) / sd / sqrt(2.0));
    ck_assert_msg(exact > 0.0 && exact < 1e-3 && exact / normal < 2.0 && normal / exact < 2.0,
                  "band false alarm %g vs normal %g", exact, normal);
    ck_assert_double_eq_tol(binom_range(10, 0, 10, 0.3), 1.0, 1e-13);
}
END_TEST

static Suite *coverage_suite(void)
{
    Suite *s = suite_create("sim_coverage");
    TCase *tc = tcase_create("coverage");
    tcase_set_timeout(tc, 300 * refit_test_scale());
    tcase_add_test(tc, test_band);
    tcase_add_test(tc, test_coverage);
    suite_add_tcase(s, tc);
    return s;
}

/* The engine (OpenMP) runs only in Check's forked children. */
int main(void)
{
    int failed;
    SRunner *sr = srunner_create(coverage_suite());
    printf("sim_coverage: seed base 0x%016llx, scale %d\n", (unsigned long long)cov_seed(),
           refit_test_scale());
    fflush(stdout);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
