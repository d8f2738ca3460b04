/* The Monte Carlo engine (sim/) against the closed forms.
 *
 * What is checked (docs/simulate-tests.md has the measured figures):
 *
 *  grid        every estimate the engine marks reliable, over a grid of
 *              (mode, M, n, estimator, regime, schedule, D0), against its
 *              closed form: theory.h for the moments, distribution.h for the
 *              quantiles and the collapse probability.  Expected values never
 *              come from the engine.
 *  power       the same comparison with the closed form moved by 5% must
 *              reject wherever the error bar is small enough to see 5%.
 *  tails       estimates in light-tailed settings (replace, n <= M/4) must all
 *              be reliable; the issue's example (U, M = 100, n = 1000,
 *              K = 1000) must be flagged unreliable with importance sampling
 *              off, and covered and reliable with it on.
 *  invariance  threads 1, 2, 3 and every supported ISA give bitwise the same
 *              result (each field of each estimate compared as bits).
 *  checkpoint  cancel after the first wave, save, load into a fresh engine,
 *              finish: bitwise the uninterrupted result; another config's
 *              checkpoint, a truncated or flipped file, an unwritable path.
 *  config      every rejection of refit_sim_config_validate.
 *  horizon     1e6 generations at M = 2, 5, 10: no NaN or inf in what comes
 *              from the state, ln sigma_n^2 moments on their closed forms.
 *
 * Statistics of the grid.  Each comparison gives a two-sided p-value:
 *   moments (plain or importance means):  z = (est - exact) / se with the
 *     engine's se (inflated by 1e-10 |exact| in quadrature: where an
 *     importance estimator is exact its se is a rounding residue);
 *   collapse_prob (a proportion x / K):   the exact binomial two-sided tail
 *     of x under Bin(K, p_exact) -- valid however small p is;
 *   quantiles and the median (order statistics):  u = F(est) with F the exact
 *     CDF of sigma_n^2; if est lies between the order statistics of ranks r1 <=
 *     r2 then P(u <= t) <= P(Bin(K, t) >= r1) and P(u >= t) <= P(Bin(K, t) <
 *     r2) whatever the interpolation (r1 = floor(Kp), r2 = ceil(Kp) + 1 cover
 *     the usual definitions), so the p-value is conservative and distribution
 *     free.
 * Multiple testing: Bonferroni over the N comparisons of each grid, family-wise
 * false alarm 5e-4 for the exact-mode grid and 5e-4 for the sample-mode grid
 * (1e-3 in all); a comparison fails when p < 5e-4 / N, i.e. |z| > z* with
 * P(|Z| > z*) = 5e-4 / N.  Each run prints N, z* and the largest |z| (p-values
 * are shown as the equivalent normal |z|).  The z-tests of the moments assume
 * the studentised mean is close to normal out to z*: that is exactly what
 * `reliable` promises, so a reliable estimate beyond z* is a failure of the
 * engine (of its estimate or of its flag), not of the test.
 *
 * Seeds are fixed (REFIT_TEST_SEED overrides; configuration i uses seed
 * base + i) and printed on failure.  REFIT_TEST_SCALE multiplies the chain
 * counts of the grids.  REFIT_TEST_VERBOSE=1 prints every comparison.
 */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "refit/distribution.h"
#include "refit/kernels.h"
#include "refit/model.h"
#include "refit/sim.h"
#include "refit/status.h"
#include "refit/theory.h"
#include "test_rng.h"
#include "test_ulp.h"

#define SIM_DEFAULT_SEED UINT64_C(0x5eed0005c0ffee01)
#define GRID_FAMILY_ALPHA 5e-4 /* per grid; two grids: 1e-3 in all */
#define SE_FLOOR_REL 1e-10     /* closed forms and log-weight sums: ~1e-13 relative */
#define SE_FLOOR_ABS 1e-14     /* in the quantity's unit: an exact 0 against rounding */
#define POWER_SHIFT 0.05       /* the perturbation of the power check */

static const double TRUTH_MU = 0.7;
static const double TRUTH_SIGMA = 1.3;
static const double GRID_EPS = 0.5;
static const double GRID_Q[] = {0.1, 0.9};
#define GRID_NQ 2
static const uint64_t AT_EXACT[] = {1, 2, 10, 100, 1000};
static const uint64_t AT_SAMPLE[] = {1, 2, 10, 100};

/* ---- run-wide settings ------------------------------------------------------ */

static uint64_t sim_seed(void)
{
    return refit_test_env_u64("REFIT_TEST_SEED", SIM_DEFAULT_SEED);
}

static uint64_t sim_scale(void)
{
    return (uint64_t)refit_test_scale();
}

static int sim_verbose(void)
{
    return (int)refit_test_env_u64("REFIT_TEST_VERBOSE", 0);
}

/* ---- small numerical tools (independent of the library) --------------------- */

/* z with P(|Z| > z) = p, 0 < p <= 1. */
static double z_two_sided(double p)
{
    double lo = 0.0, hi = 40.0;
    if (!(p < 1.0)) return 0.0;
    if (!(p > 0.0)) return INFINITY;
    for (int it = 0; it < 200; it++) {
        double mid = 0.5 * (lo + hi);
        if (erfc(mid / sqrt(2.0)) > p)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

static double binom_log_pmf(uint64_t K, uint64_t x, double p)
{
    double k = (double)K, xx = (double)x;
    if (p <= 0.0) return x == 0 ? 0.0 : -INFINITY;
    if (p >= 1.0) return x == K ? 0.0 : -INFINITY;
    return lgamma(k + 1.0) - lgamma(xx + 1.0) - lgamma(k - xx + 1.0) + xx * log(p) +
           (k - xx) * log1p(-p);
}

/* P(lo <= X <= hi), X ~ Bin(K, p), summed in log space from the largest term. */
static double binom_range(uint64_t K, uint64_t lo, uint64_t hi, double p)
{
    double mx = -INFINITY, sum = 0.0;
    if (hi > K) hi = K;
    if (lo > hi) return 0.0;
    for (uint64_t x = lo; x <= hi; x++) {
        double l = binom_log_pmf(K, x, p);
        if (l > mx) mx = l;
    }
    if (mx == -INFINITY) return 0.0;
    for (uint64_t x = lo; x <= hi; x++) sum += exp(binom_log_pmf(K, x, p) - mx);
    return fmin(1.0, sum * exp(mx));
}

static double binom_cdf(uint64_t K, uint64_t x, double p) /* P(X <= x) */
{
    return binom_range(K, 0, x, p);
}

static double binom_sf(uint64_t K, uint64_t x, double p) /* P(X >= x) */
{
    return x == 0 ? 1.0 : binom_range(K, x, K, p);
}

static int same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

/* ---- configurations ------------------------------------------------------------ */

/* The quantities compared.  Slots 0..REFIT_Q_COUNT-1 are refit_quantity;
 * then the median, the quantiles and the collapse probability. */
enum { SLOT_MEDIAN = REFIT_Q_COUNT, SLOT_QUANTILE, SLOT_COLLAPSE, SLOT_COUNT };

static const char *slot_name(int slot)
{
    if (slot < REFIT_Q_COUNT) return refit_quantity_name((refit_quantity)slot);
    if (slot == SLOT_MEDIAN) return "var_median";
    if (slot == SLOT_QUANTILE) return "var_q";
    return "collapse_prob";
}

/* Quantities that depend on D0 only through its mean and variance: second
 * moments of the data, so every regime's recursion for them starts from
 * (mu, sigma^2) alone (docs/simulate-tests.md). */
static int d0_free(int slot)
{
    return slot == REFIT_Q_VAR_MEAN || slot == REFIT_Q_MEAN_MSE ||
           slot == REFIT_Q_MARGINAL_VAR || slot == REFIT_Q_W2SQ_LOWER;
}

typedef enum sched_kind { SCHED_CONST = 0, SCHED_POLY = 1, SCHED_LIST = 2 } sched_kind;

typedef struct grid_case {
    refit_sim_mode mode;
    double M;
    refit_estimator est;
    refit_regime regime;
    double lambda;
    sched_kind sched;
    refit_init_kind init;
    uint64_t K;
    const uint64_t *at;
    size_t at_count;
    int importance;
} grid_case;

/* Storage a configuration points into (schedule sizes, the D0 data). */
typedef struct case_store {
    double sizes[3];
    double data[64];
} case_store;

static const char *sched_name(sched_kind s)
{
    return s == SCHED_CONST ? "const" : s == SCHED_POLY ? "poly:M,1" : "list:2M,M,3M";
}

static const char *init_name(refit_init_kind k)
{
    static const char *names[] = {"normal", "student:6", "laplace", "uniform", "mix2", "data"};
    return (unsigned)k < 6 ? names[k] : "?";
}

static void case_name(const grid_case *g, char *buf, size_t size)
{
    char reg[32];
    if (g->regime == REFIT_REGIME_MIX)
        snprintf(reg, sizeof reg, "mix:%.4g", g->lambda);
    else
        snprintf(reg, sizeof reg, "%s",
                 g->regime == REFIT_REGIME_REPLACE ? "replace" : "accumulate");
    snprintf(buf, size, "%s M=%g %s %s %s init=%s K=%llu%s",
             g->mode == REFIT_SIM_EXACT ? "exact" : "sample", g->M,
             g->est == REFIT_ESTIMATOR_UNBIASED ? "U" : "MLE", reg, sched_name(g->sched),
             init_name(g->init), (unsigned long long)g->K, g->importance ? "" : " importance=off");
}

/* The D0 of the DATA law: 40 skewed values (exponential), fixed. */
static void fill_data(double *data, size_t count)
{
    refit_test_rng rng;
    refit_test_rng_seed(&rng, 20240701, 7);
    for (size_t i = 0; i < count; i++) data[i] = -log(refit_test_rng_uniform(&rng));
}
#define DATA_COUNT 40

static refit_init_law make_law(refit_init_kind kind, case_store *st)
{
    refit_init_law law = refit_init_law_normal();
    law.kind = kind;
    switch (kind) {
    case REFIT_INIT_STUDENT: law.nu = 6.0; break;
    case REFIT_INIT_MIX2:
        law.w = 0.3;
        law.mu1 = -1.0;
        law.sd1 = 0.5;
        law.mu2 = 2.0;
        law.sd2 = 1.5;
        break;
    case REFIT_INIT_DATA:
        fill_data(st->data, DATA_COUNT);
        law.data = st->data;
        law.count = DATA_COUNT;
        break;
    default: break;
    }
    return law;
}

/* Mean and sd of D0, computed here (not by the engine). */
static void law_truth(const refit_init_law *law, double *mean, double *sd)
{
    *mean = TRUTH_MU;
    *sd = TRUTH_SIGMA;
    if (law->kind == REFIT_INIT_MIX2) {
        double m = law->w * law->mu1 + (1.0 - law->w) * law->mu2;
        double s2 = law->w * (law->sd1 * law->sd1 + law->mu1 * law->mu1) +
                    (1.0 - law->w) * (law->sd2 * law->sd2 + law->mu2 * law->mu2) - m * m;
        *mean = m;
        *sd = sqrt(s2);
    } else if (law->kind == REFIT_INIT_DATA) {
        double s = 0.0, ss = 0.0;
        for (size_t i = 0; i < law->count; i++) s += law->data[i];
        s /= (double)law->count;
        for (size_t i = 0; i < law->count; i++) ss += (law->data[i] - s) * (law->data[i] - s);
        *mean = s;
        *sd = sqrt(ss / (double)law->count);
    }
}

static refit_sim_config make_config(const grid_case *g, case_store *st, uint64_t seed)
{
    refit_sim_config c = refit_sim_config_default();
    c.model.estimator = g->est;
    c.model.regime = g->regime;
    c.model.lambda = g->regime == REFIT_REGIME_MIX ? g->lambda : 1.0;
    c.model.mu = TRUTH_MU;
    c.model.sigma = TRUTH_SIGMA;
    if (g->sched == SCHED_CONST) {
        c.model.schedule = refit_schedule_const(g->M);
    } else if (g->sched == SCHED_POLY) {
        c.model.schedule.kind = REFIT_SCHEDULE_POLY;
        c.model.schedule.M = g->M;
        c.model.schedule.alpha = 1.0;
    } else {
        st->sizes[0] = 2.0 * g->M;
        st->sizes[1] = g->M;
        st->sizes[2] = 3.0 * g->M;
        c.model.schedule.kind = REFIT_SCHEDULE_LIST;
        c.model.schedule.sizes = st->sizes;
        c.model.schedule.count = 3;
    }
    c.mode = g->mode;
    c.init = make_law(g->init, st);
    c.chains = g->K;
    c.seed = seed;
    c.threads = 1;
    c.at = g->at;
    c.at_count = g->at_count;
    c.eps = GRID_EPS;
    c.quantiles = GRID_Q;
    c.quantile_count = GRID_NQ;
    c.importance = g->importance;
    return c;
}

/* The model the closed forms see: the config's, with D0's mean and sd. */
static refit_model truth_model(const refit_sim_config *c)
{
    refit_model m = c->model;
    law_truth(&c->init, &m.mu, &m.sigma);
    return m;
}

/* DATA: generation 0 is the data themselves (count values), so generation 1
 * is fixed: mu_1 = their mean, sigma_1^2 = SS / D(count); from there on the
 * chain is the Gaussian recursion started at (mu_1, sigma_1) and n - 1
 * generations.  This is that model (replace, constant schedule). */
static refit_model data_model(const refit_sim_config *c)
{
    refit_model m = c->model;
    double mean, sd, n = (double)c->init.count;
    law_truth(&c->init, &mean, &sd);
    m.mu = mean;
    m.sigma = sd * sqrt(n / (c->model.estimator == REFIT_ESTIMATOR_UNBIASED ? n - 1.0 : n));
    return m;
}

/* ---- comparisons and their tally ------------------------------------------------- */

typedef struct zrec {
    double z;  /* signed z (moments) or the equivalent normal z of the p-value */
    double p;  /* two-sided p-value */
    int slot;
    int moment; /* a z-test of a mean: the power check applies */
    double value, exact, se_eff;
    char what[400];
} zrec;

typedef struct tally {
    const char *grid;
    zrec *rec;
    size_t n, cap;
    size_t tested[SLOT_COUNT], unreliable[SLOT_COUNT], no_form[SLOT_COUNT];
    size_t not_estimated[SLOT_COUNT], unrepresentable[SLOT_COUNT];
    size_t light_bad, bad, configs;
    size_t light4, light4_unreliable; /* var_var, w2sq_var where the tails are light */
    size_t pooled, pooled_unreliable;  /* accumulate and mix: the D0-free moments */
    char light_msg[320], bad_msg[320];
} tally;

static void tally_push(tally *t, const zrec *r)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 1024;
        t->rec = realloc(t->rec, t->cap * sizeof *t->rec);
        ck_assert_ptr_nonnull(t->rec);
    }
    t->rec[t->n++] = *r;
    t->tested[r->slot]++;
    if (sim_verbose())
        printf("  %-100s z=%+.3f p=%.3g\n", r->what, r->z, r->p);
}

static void tally_bad(tally *t, const char *what, const char *why)
{
    if (t->bad++ == 0) snprintf(t->bad_msg, sizeof t->bad_msg, "%s: %s", what, why);
    printf("BAD %s: %s\n", what, why);
}

/* Variances of sigma_n^2 and of W2^2: their terms are squares of
 * chi-square-like variables (stretched-exponential tails), where a GPD fit to
 * K <= 2000 terms often gives k-hat a little above the 1/4 the engine asks of
 * variances even when every moment is finite. */
static int fourth_order(int slot)
{
    return slot == REFIT_Q_VAR_VAR || slot == REFIT_Q_W2SQ_VAR;
}

/* Sanity of any estimate with status OK; 1 if it can be compared. */
static int estimate_usable(tally *t, const refit_sim_estimate *e, int slot, int has_form,
                           int light, int pooled, const char *what)
{
    if (e->status != REFIT_OK) {
        t->not_estimated[slot]++;
        if (e->method != REFIT_SIM_METHOD_NONE) tally_bad(t, what, "status not OK but method set");
        return 0;
    }
    if (e->method == REFIT_SIM_METHOD_NONE) tally_bad(t, what, "status OK with method NONE");
    if (e->reliable != 0 && e->reliable != 1) tally_bad(t, what, "reliable is neither 0 nor 1");
    if (isfinite(e->value) && isfinite(e->lo) && isfinite(e->hi) &&
        !(e->lo <= e->value && e->value <= e->hi)) {
        char why[160];
        snprintf(why, sizeof why, "value %.17g outside [%.17g, %.17g]", e->value, e->lo, e->hi);
        tally_bad(t, what, why);
    }
    if (!has_form) {
        t->no_form[slot]++;
        return 0;
    }
    if (light && fourth_order(slot)) t->light4++;
    /* Accumulate and mix put real data into every fit: their moments are
     * light tailed, so most of them must be trusted. */
    if (pooled && d0_free(slot)) {
        t->pooled++;
        t->pooled_unreliable += e->reliable != 1;
    }
    if (!e->reliable) {
        t->unreliable[slot]++;
        if (light && fourth_order(slot)) {
            t->light4_unreliable++;
        } else if (light) {
            if (t->light_bad++ == 0)
                snprintf(t->light_msg, sizeof t->light_msg, "%s (k-hat %.3g)", what,
                         e->tail_shape);
            printf("UNRELIABLE in a light-tailed setting: %s k-hat=%.3g\n", what, e->tail_shape);
        }
        return 0;
    }
    return 1;
}

static void compare_moment(tally *t, const refit_sim_estimate *e, int slot, double exact,
                           refit_status exact_status, double sigma, int light, int pooled,
                           const char *what)
{
    zrec r;
    /* The quantity's unit: sigma^4 for the variances, sigma for sd_mean, 1 on the log scale. */
    double unit = fourth_order(slot) ? pow(sigma, 4.0)
                  : slot == REFIT_Q_SD_MEAN ? sigma
                  : (slot == REFIT_Q_LOGVAR_MEAN || slot == REFIT_Q_LOGVAR_VAR) ? 1.0
                                                                                 : sigma * sigma;
    if (!estimate_usable(t, e, slot, 1, light, pooled, what)) return;
    if (exact_status != REFIT_OK || !isfinite(exact) ||
        (exact != 0.0 && (fabs(exact) < 1e-250 || fabs(exact) > 1e250))) {
        t->unrepresentable[slot]++;
        return;
    }
    if (!isfinite(e->value) || !isfinite(e->se) || e->se < 0.0) {
        tally_bad(t, what, "reliable estimate with a non-finite value or se");
        return;
    }
    memset(&r, 0, sizeof r);
    r.slot = slot;
    r.moment = 1;
    r.value = e->value;
    r.exact = exact;
    r.se_eff = hypot(e->se, SE_FLOOR_REL * fabs(exact) + SE_FLOOR_ABS * unit);
    r.z = r.se_eff > 0.0 ? (e->value - exact) / r.se_eff : (e->value == exact ? 0.0 : INFINITY);
    r.p = erfc(fabs(r.z) / sqrt(2.0));
    snprintf(r.what, sizeof r.what, "%s: est %.10g se %.3g exact %.10g (%s)", what, e->value,
             e->se, exact, e->method == REFIT_SIM_METHOD_IMPORTANCE ? "importance" : "mean");
    tally_push(t, &r);
}

/* A proportion x / K against p: the exact binomial two-sided p-value. */
static void compare_proportion(tally *t, const refit_sim_estimate *e, double p, uint64_t K,
                               int light, const char *what)
{
    zrec r;
    if (!estimate_usable(t, e, SLOT_COLLAPSE, 1, light, 0, what)) return;
    double x = e->value * (double)K, xr = nearbyint(x);
    if (!(fabs(x - xr) <= 1e-6) || xr < 0.0 || xr > (double)K) {
        tally_bad(t, what, "collapse_prob is not a count over K");
        return;
    }
    uint64_t xi = (uint64_t)xr;
    double pl = binom_cdf(K, xi, p), pu = binom_sf(K, xi, p);
    memset(&r, 0, sizeof r);
    r.slot = SLOT_COLLAPSE;
    r.p = fmin(1.0, 2.0 * fmin(pl, pu));
    r.z = (pl < pu ? -1.0 : 1.0) * z_two_sided(r.p);
    r.value = e->value;
    r.exact = p;
    snprintf(r.what, sizeof r.what, "%s: %llu/%llu, exact p %.6g", what, (unsigned long long)xi,
             (unsigned long long)K, p);
    tally_push(t, &r);
}

/* An order statistic for the p-quantile against the exact CDF of sigma_n^2
 * (L_n of `model` at generation n, shifted by ln(sigma_ref^2)). */
static void compare_order(tally *t, const refit_sim_estimate *e, int slot, double p,
                          const refit_model *model, uint64_t n, double log_ref, uint64_t K,
                          int light, const char *what)
{
    zrec r;
    double u = NAN;
    if (!estimate_usable(t, e, slot, 1, light, 0, what)) return;
    if (!isfinite(e->log_value)) {
        tally_bad(t, what, "reliable order statistic with a non-finite log_value");
        return;
    }
    refit_status st = refit_dist_cdf(model, n, e->log_value - log_ref, &u);
    if (st != REFIT_OK) {
        t->unrepresentable[slot]++;
        return;
    }
    double Kp = (double)K * p;
    uint64_t r1 = (uint64_t)fmax(1.0, floor(Kp)), r2 = (uint64_t)fmin((double)K, ceil(Kp) + 1.0);
    double pl = binom_sf(K, r1, u);     /* >= P(F(est) <= u) */
    double pu = binom_cdf(K, r2 - 1, u); /* >= P(F(est) >= u) */
    memset(&r, 0, sizeof r);
    r.slot = slot;
    r.p = fmin(1.0, 2.0 * fmin(pl, pu));
    r.z = (pl < pu ? -1.0 : 1.0) * z_two_sided(r.p);
    r.value = e->value;
    snprintf(r.what, sizeof r.what, "%s: est %.10g, exact CDF there %.6g (p = %g)", what,
             e->value, u, p);
    tally_push(t, &r);
}

/* Every estimate of one finished configuration against its closed form. */
static void compare_case(tally *t, const grid_case *g, const refit_sim_config *c,
                         const refit_sim_result *res, const char *name, uint64_t seed)
{
    int normal = c->init.kind == REFIT_INIT_NORMAL, data = c->init.kind == REFIT_INIT_DATA;
    refit_model model = data ? data_model(c) : truth_model(c);
    double tm, tsd, log_ref;
    law_truth(&c->init, &tm, &tsd);
    log_ref = 2.0 * log(model.sigma);
    if (!(fabs(res->truth_mean - tm) <= 1e-12 * (1.0 + fabs(tm)) &&
          fabs(res->truth_sd - tsd) <= 1e-12 * tsd))
        tally_bad(t, name, "truth_mean / truth_sd differ from D0's");
    if (res->chains != c->chains || res->row_count != c->at_count) {
        tally_bad(t, name, "chains or row_count wrong");
        return;
    }
    t->configs++;
    for (size_t i = 0; i < c->at_count; i++) {
        const refit_sim_row *row = &res->rows[i];
        uint64_t n = c->at[i];
        /* DATA: generation 1 is fixed, the Gaussian model runs n - 1 more. */
        uint64_t nm = data ? n - 1 : n;
        double values[REFIT_Q_COUNT], minM = g->M;
        refit_status status[REFIT_Q_COUNT];
        char what[200];
        int replace = c->model.regime == REFIT_REGIME_REPLACE;
        /* Light tails: replace with n <= M_min / 4 and a Gaussian D0. */
        int light = replace && normal && (double)n <= minM / 4.0;
        if (row->n != n) {
            tally_bad(t, name, "row n differs from at");
            continue;
        }
        if (refit_theory_row(&model, nm, 0, values, status) != REFIT_OK) {
            tally_bad(t, name, "refit_theory_row failed (the test's model)");
            continue;
        }
        for (int q = 0; q < REFIT_Q_COUNT; q++) {
            if (q == REFIT_Q_LOGVAR_K3 || q == REFIT_Q_LOGVAR_K4) continue;
            /* Closed forms: the regime's; for a non-Gaussian D0 only the
             * D0-free ones; DATA (replace only) everything but W2 (whose
             * reference is D0, not N(mu_1, sigma_1^2)). */
            int has = refit_theory_has(&model, (refit_quantity)q) &&
                      (normal || (data ? replace && q != REFIT_Q_W2SQ_MEAN &&
                                             q != REFIT_Q_W2SQ_VAR
                                       : d0_free(q)));
            snprintf(what, sizeof what, "%s seed %llu n=%llu %s", name, (unsigned long long)seed,
                     (unsigned long long)n, slot_name(q));
            if (!has) {
                (void)estimate_usable(t, &row->quantity[q], q, 0, 0, 0, what);
                continue;
            }
            compare_moment(t, &row->quantity[q], q, values[q], status[q], tsd, light, !replace,
                           what);
        }
        /* Order statistics and the proportion: replace only (distribution.h);
         * DATA needs n >= 2 (sigma_1 is a point mass). */
        int dist = replace && (normal || (data && n >= 2));
        snprintf(what, sizeof what, "%s seed %llu n=%llu var_median", name,
                 (unsigned long long)seed, (unsigned long long)n);
        if (dist)
            compare_order(t, &row->median, SLOT_MEDIAN, 0.5, &model, nm, log_ref, c->chains,
                          light, what);
        else
            (void)estimate_usable(t, &row->median, SLOT_MEDIAN, 0, 0, 0, what);
        for (size_t k = 0; k < c->quantile_count; k++) {
            snprintf(what, sizeof what, "%s seed %llu n=%llu var_q%g", name,
                     (unsigned long long)seed, (unsigned long long)n, c->quantiles[k]);
            if (dist)
                compare_order(t, &row->quantile[k], SLOT_QUANTILE, c->quantiles[k], &model, nm,
                              log_ref, c->chains, light, what);
            else
                (void)estimate_usable(t, &row->quantile[k], SLOT_QUANTILE, 0, 0, 0, what);
        }
        snprintf(what, sizeof what, "%s seed %llu n=%llu collapse_prob", name,
                 (unsigned long long)seed, (unsigned long long)n);
        if (dist) {
            /* P(sigma_n^2 <= eps sd^2), sd the truth: L of the test model below
             * ln(eps sd^2 / model.sigma^2). */
            double pc = NAN;
            if (refit_dist_cdf(&model, nm, log(c->eps) + 2.0 * log(tsd) - log_ref, &pc) ==
                REFIT_OK)
                compare_proportion(t, &row->collapse_prob, pc, c->chains, light, what);
            else
                t->unrepresentable[SLOT_COLLAPSE]++;
        } else {
            (void)estimate_usable(t, &row->collapse_prob, SLOT_COLLAPSE, 0, 0, 0, what);
        }
    }
}

static void run_case(tally *t, const grid_case *g, uint64_t seed)
{
    case_store st;
    refit_sim_result res;
    char name[160];
    memset(&res, 0, sizeof res);
    refit_sim_config c = make_config(g, &st, seed);
    case_name(g, name, sizeof name);
    refit_status s = refit_sim_estimate_all(&c, &res);
    ck_assert_msg(s == REFIT_OK, "%s seed %llu: refit_sim_estimate_all: %s", name,
                  (unsigned long long)seed, refit_strerror(s));
    compare_case(t, g, &c, &res, name, seed);
    refit_sim_result_free(&res);
}

/* Bonferroni over the grid, the power of a 5% shift, and the reports. */
static void finish_grid(tally *t)
{
    double thr = GRID_FAMILY_ALPHA / (double)(t->n > 0 ? t->n : 1), zs = z_two_sided(thr);
    size_t fails = 0, powered[SLOT_COUNT] = {0}, power_missed = 0, worst = 0;
    double maxz = 0.0;
    for (size_t i = 0; i < t->n; i++) {
        const zrec *r = &t->rec[i];
        if (fabs(r->z) > maxz) {
            maxz = fabs(r->z);
            worst = i;
        }
        if (r->p < thr) {
            if (fails++ < 20) printf("FAIL |z| = %.2f > %.2f: %s\n", fabs(r->z), zs, r->what);
        }
        /* Power: where 5% of the exact value is at least 2 z* error bars, the
         * shifted closed form must be rejected. */
        if (r->moment && r->exact != 0.0 && POWER_SHIFT * fabs(r->exact) >= 2.0 * zs * r->se_eff) {
            double zp = (r->value - r->exact * (1.0 + POWER_SHIFT)) / r->se_eff;
            powered[r->slot]++;
            if (!(fabs(zp) > zs)) {
                if (power_missed++ < 5)
                    printf("POWER MISSED (|z| %.2f with exact*1.05): %s\n", fabs(zp), r->what);
            }
        }
    }
    printf("%s grid: %zu configurations, N = %zu comparisons, family-wise false alarm %g "
           "(Bonferroni: p < %.3g, |z| > z* = %.3f); max |z| = %.3f at %s\n",
           t->grid, t->configs, t->n, GRID_FAMILY_ALPHA, thr, zs, maxz,
           t->n ? t->rec[worst].what : "-");
    printf("  %-14s %7s %10s %8s %10s %8s %9s\n", "quantity", "tested", "unreliable",
           "no-form", "not-estim", "unrepr", "5%-power");
    for (int s = 0; s < SLOT_COUNT; s++) {
        if (s == REFIT_Q_LOGVAR_K3 || s == REFIT_Q_LOGVAR_K4) continue;
        printf("  %-14s %7zu %10zu %8zu %10zu %8zu %9zu\n", slot_name(s), t->tested[s],
               t->unreliable[s], t->no_form[s], t->not_estimated[s], t->unrepresentable[s],
               powered[s]);
    }
    fflush(stdout);
    ck_assert_msg(t->bad == 0, "%s grid: %zu malformed estimates, first: %s", t->grid, t->bad,
                  t->bad_msg);
    ck_assert_msg(fails == 0,
                  "%s grid: %zu of %zu comparisons beyond z* = %.2f; max |z| %.2f at %s",
                  t->grid, fails, t->n, zs, maxz, t->rec[worst].what);
    ck_assert_msg(t->light_bad == 0,
                  "%s grid: %zu estimates unreliable where the tails are light, first: %s",
                  t->grid, t->light_bad, t->light_msg);
    printf("  light tails (replace, n <= M/4): var_var and w2sq_var unreliable %zu of %zu\n",
           t->light4_unreliable, t->light4);
    printf("  accumulate and mix: var_mean, mean_mse, marginal_var, w2sq_lower unreliable %zu "
           "of %zu\n", t->pooled_unreliable, t->pooled);
    ck_assert_msg(2 * t->pooled_unreliable < t->pooled || t->pooled == 0,
                  "%s grid: accumulate / mix moments unreliable at %zu of %zu points", t->grid,
                  t->pooled_unreliable, t->pooled);
    ck_assert_msg(2 * t->light4_unreliable < t->light4 || t->light4 == 0,
                  "%s grid: var_var / w2sq_var unreliable at %zu of %zu light-tailed points",
                  t->grid, t->light4_unreliable, t->light4);
    ck_assert_msg(power_missed == 0, "%s grid: a 5%% shift went unseen at %zu powered points",
                  t->grid, power_missed);
    /* The grid must be able to see a 5% error in the main moments at all. */
    ck_assert_msg(powered[REFIT_Q_VAR_MEAN] > 0 && powered[REFIT_Q_MEAN_MSE] > 0 &&
                      powered[REFIT_Q_LOGVAR_MEAN] > 0,
                  "%s grid: no point with the power to see a 5%% error in var_mean, mean_mse "
                  "or logvar_mean", t->grid);
    free(t->rec);
    t->rec = NULL;
}

/* ---- the grids -------------------------------------------------------------------- */

static size_t add_case(grid_case *cases, size_t n, size_t cap, grid_case g)
{
    ck_assert_uint_lt(n, cap);
    cases[n] = g;
    return n + 1;
}

/* Gaussian D0: M in {2, 3, 10, 100}, U and MLE, replace on three schedules,
 * accumulate, mix:0.5 (M even) and mix:1/M (one fresh sample; M >= 3, as
 * M = 2 is mix:0.5 again).  Mix and accumulate take constant schedules
 * (sim/config.c). */
static size_t build_gaussian_grid(grid_case *cases, size_t cap, refit_sim_mode mode, uint64_t K)
{
    static const double Ms[] = {2.0, 3.0, 10.0, 100.0};
    size_t n = 0;
    for (int mi = 0; mi < 4; mi++) {
        for (int e = 0; e < 2; e++) {
            grid_case g;
            memset(&g, 0, sizeof g);
            g.mode = mode;
            g.M = Ms[mi];
            g.est = e ? REFIT_ESTIMATOR_MLE : REFIT_ESTIMATOR_UNBIASED;
            g.init = REFIT_INIT_NORMAL;
            g.K = K;
            g.importance = 1;
            g.at = mode == REFIT_SIM_EXACT ? AT_EXACT : AT_SAMPLE;
            g.at_count = mode == REFIT_SIM_EXACT ? 5 : 4;
            g.regime = REFIT_REGIME_REPLACE;
            for (int s = 0; s < 3; s++) {
                g.sched = (sched_kind)s;
                /* SAMPLE: poly grows to 100 M samples a generation; keep M <= 10. */
                if (mode == REFIT_SIM_SAMPLE && g.sched == SCHED_POLY && g.M > 10.0) continue;
                n = add_case(cases, n, cap, g);
            }
            g.sched = SCHED_CONST;
            g.regime = REFIT_REGIME_ACCUMULATE;
            n = add_case(cases, n, cap, g);
            g.regime = REFIT_REGIME_MIX;
            if (fmod(g.M, 2.0) == 0.0) {
                g.lambda = 0.5;
                n = add_case(cases, n, cap, g);
            }
            if (g.M >= 3.0) {
                g.lambda = 1.0 / g.M;
                n = add_case(cases, n, cap, g);
            }
        }
    }
    return n;
}

/* Non-Gaussian D0 (SAMPLE): Student t6, Laplace, uniform, a two-component
 * mixture under the three regimes (the D0-free quantities), and DATA under
 * replace (every quantity but W2, from generation 1 on). */
static size_t build_init_grid(grid_case *cases, size_t n, size_t cap, uint64_t K)
{
    static const refit_init_kind kinds[] = {REFIT_INIT_STUDENT, REFIT_INIT_LAPLACE,
                                            REFIT_INIT_UNIFORM, REFIT_INIT_MIX2};
    static const double Ms[] = {4.0, 10.0};
    for (int mi = 0; mi < 2; mi++) {
        grid_case g;
        memset(&g, 0, sizeof g);
        g.mode = REFIT_SIM_SAMPLE;
        g.M = Ms[mi];
        g.est = REFIT_ESTIMATOR_UNBIASED;
        g.sched = SCHED_CONST;
        g.K = K;
        g.importance = 1;
        g.at = AT_SAMPLE;
        g.at_count = 4;
        for (int k = 0; k < 4; k++) {
            g.init = kinds[k];
            g.est = (k & 1) ? REFIT_ESTIMATOR_MLE : REFIT_ESTIMATOR_UNBIASED;
            g.regime = REFIT_REGIME_REPLACE;
            n = add_case(cases, n, cap, g);
            g.regime = REFIT_REGIME_ACCUMULATE;
            n = add_case(cases, n, cap, g);
            g.regime = REFIT_REGIME_MIX;
            g.lambda = 0.5;
            n = add_case(cases, n, cap, g);
        }
        g.init = REFIT_INIT_DATA;
        g.regime = REFIT_REGIME_REPLACE;
        for (int e = 0; e < 2; e++) {
            g.est = e ? REFIT_ESTIMATOR_MLE : REFIT_ESTIMATOR_UNBIASED;
            n = add_case(cases, n, cap, g);
        }
    }
    return n;
}

#define GRID_CAP 128

START_TEST(test_grid_exact)
{
    grid_case *cases = calloc(GRID_CAP, sizeof *cases);
    tally t;
    ck_assert_ptr_nonnull(cases);
    memset(&t, 0, sizeof t);
    t.grid = "exact-mode";
    size_t n = build_gaussian_grid(cases, GRID_CAP, REFIT_SIM_EXACT, 2000 * sim_scale());
    for (size_t i = 0; i < n; i++) run_case(&t, &cases[i], sim_seed() + 1000 + i);
    free(cases);
    finish_grid(&t);
}
END_TEST

START_TEST(test_grid_sample)
{
    grid_case *cases = calloc(GRID_CAP, sizeof *cases);
    tally t;
    ck_assert_ptr_nonnull(cases);
    memset(&t, 0, sizeof t);
    t.grid = "sample-mode";
    size_t n = build_gaussian_grid(cases, GRID_CAP, REFIT_SIM_SAMPLE, 1000 * sim_scale());
    n = build_init_grid(cases, n, GRID_CAP, 1000 * sim_scale());
    for (size_t i = 0; i < n; i++) run_case(&t, &cases[i], sim_seed() + 2000 + i);
    free(cases);
    finish_grid(&t);
}
END_TEST

/* ---- heavy tails: the issue's example ---------------------------------------------- */

/* Unbiased, M = 100, n = 1000, K = 1000: E sigma_n^2 = 1, but the mean is
 * carried by paths too rare for 1000 chains (ln sigma_n^2 has sd ~ 4.5 and
 * mean ~ -10), so the plain mean comes out far below 1 with a tight-looking
 * error bar.  Importance off: var_mean must be flagged unreliable.
 * Importance on: the interval must cover 1 and be reliable (EXACT mode, where
 * the tilt by q^1 is exact for E sigma_n^2); SAMPLE: cover 1 or say
 * unreliable (the issue's wording). */
static void issue_example(refit_sim_mode mode, int importance, refit_sim_estimate *out)
{
    static const uint64_t at[] = {1000};
    refit_sim_config c = refit_sim_config_default();
    refit_sim_result res;
    c.model.schedule = refit_schedule_const(100.0);
    c.mode = mode;
    c.chains = 1000;
    c.seed = sim_seed() + 3;
    c.at = at;
    c.at_count = 1;
    c.importance = importance;
    refit_status st = refit_sim_estimate_all(&c, &res);
    ck_assert_msg(st == REFIT_OK, "issue example: %s", refit_strerror(st));
    *out = res.rows[0].quantity[REFIT_Q_VAR_MEAN];
    printf("issue example (%s, importance %s): var_mean %.6g se %.3g [%.6g, %.6g] reliable %d "
           "k-hat %.3g method %d\n",
           mode == REFIT_SIM_EXACT ? "exact" : "sample", importance ? "on" : "off", out->value,
           out->se, out->lo, out->hi, out->reliable, out->tail_shape, (int)out->method);
    fflush(stdout);
    refit_sim_result_free(&res);
}

START_TEST(test_issue_example)
{
    refit_sim_estimate e;
    issue_example(REFIT_SIM_EXACT, 0, &e);
    ck_assert_int_eq(e.status, REFIT_OK);
    ck_assert_int_eq(e.method, REFIT_SIM_METHOD_MEAN);
    ck_assert_msg(e.reliable == 0,
                  "plain mean at U M=100 n=1000 K=1000 marked reliable: %.6g [%.6g, %.6g], "
                  "k-hat %.3g (the truth is 1)", e.value, e.lo, e.hi, e.tail_shape);
    issue_example(REFIT_SIM_EXACT, 1, &e);
    ck_assert_int_eq(e.method, REFIT_SIM_METHOD_IMPORTANCE);
    ck_assert_msg(e.reliable == 1 && e.lo <= 1.0 && 1.0 <= e.hi,
                  "importance at U M=100 n=1000: %.6g [%.6g, %.6g] reliable %d", e.value, e.lo,
                  e.hi, e.reliable);
    issue_example(REFIT_SIM_SAMPLE, 0, &e);
    ck_assert_msg(e.reliable == 0 || (e.lo <= 1.0 && 1.0 <= e.hi),
                  "sample mode, plain: %.6g [%.6g, %.6g] reliable", e.value, e.lo, e.hi);
    issue_example(REFIT_SIM_SAMPLE, 1, &e);
    ck_assert_msg(e.reliable == 0 || (e.lo <= 1.0 && 1.0 <= e.hi),
                  "sample mode, importance: %.6g [%.6g, %.6g] reliable", e.value, e.lo, e.hi);
}
END_TEST

/* ---- bitwise invariance ------------------------------------------------------------- */

static int estimate_same(const refit_sim_estimate *a, const refit_sim_estimate *b)
{
    return a->status == b->status && a->method == b->method && same_bits(a->value, b->value) &&
           same_bits(a->se, b->se) && same_bits(a->lo, b->lo) && same_bits(a->hi, b->hi) &&
           same_bits(a->log_value, b->log_value) && same_bits(a->log_lo, b->log_lo) &&
           same_bits(a->log_hi, b->log_hi) && a->reliable == b->reliable &&
           same_bits(a->tail_shape, b->tail_shape);
}

/* 1 if bitwise equal; otherwise 0 and where in `why`. */
static int result_same(const refit_sim_result *a, const refit_sim_result *b, size_t nq,
                       char *why, size_t size)
{
    if (a->row_count != b->row_count || a->chains != b->chains ||
        !same_bits(a->truth_mean, b->truth_mean) || !same_bits(a->truth_sd, b->truth_sd) ||
        !same_bits(a->w2_coupling, b->w2_coupling)) {
        snprintf(why, size, "result header");
        return 0;
    }
    for (size_t i = 0; i < a->row_count; i++) {
        const refit_sim_row *x = &a->rows[i], *y = &b->rows[i];
        if (x->n != y->n) {
            snprintf(why, size, "row %zu: n", i);
            return 0;
        }
        for (int q = 0; q < REFIT_Q_COUNT; q++)
            if (!estimate_same(&x->quantity[q], &y->quantity[q])) {
                snprintf(why, size, "row %zu (n=%llu): %s (%.17g vs %.17g)", i,
                         (unsigned long long)x->n, slot_name(q), x->quantity[q].value,
                         y->quantity[q].value);
                return 0;
            }
        if (!estimate_same(&x->median, &y->median)) {
            snprintf(why, size, "row %zu: var_median", i);
            return 0;
        }
        for (size_t k = 0; k < nq; k++)
            if (!estimate_same(&x->quantile[k], &y->quantile[k])) {
                snprintf(why, size, "row %zu: quantile %zu", i, k);
                return 0;
            }
        if (!estimate_same(&x->collapse_prob, &y->collapse_prob)) {
            snprintf(why, size, "row %zu: collapse_prob", i);
            return 0;
        }
    }
    return 1;
}

/* Configurations for the invariance checks: each mode and regime, importance
 * on, K = 1037 (not a multiple of any block size), a non-Gaussian D0 in SAMPLE. */
static const uint64_t AT_INV[] = {1, 7, 60};
#define N_INV 9

static refit_sim_config invariance_config(int i, case_store *st)
{
    grid_case g;
    memset(&g, 0, sizeof g);
    g.mode = i < 5 ? REFIT_SIM_EXACT : REFIT_SIM_SAMPLE;
    g.M = 10.0;
    g.est = (i & 1) ? REFIT_ESTIMATOR_MLE : REFIT_ESTIMATOR_UNBIASED;
    g.init = REFIT_INIT_NORMAL;
    g.K = 1037;
    g.importance = 1;
    g.at = AT_INV;
    g.at_count = 3;
    switch (i) {
    case 0: g.regime = REFIT_REGIME_REPLACE; break;
    case 1: g.regime = REFIT_REGIME_REPLACE; g.sched = SCHED_POLY; break;
    case 2: g.regime = REFIT_REGIME_ACCUMULATE; break;
    case 3: g.regime = REFIT_REGIME_MIX; g.lambda = 0.5; break;
    case 4: g.regime = REFIT_REGIME_MIX; g.lambda = 0.1; break;
    case 5: g.regime = REFIT_REGIME_REPLACE; g.sched = SCHED_LIST; break;
    case 6: g.regime = REFIT_REGIME_ACCUMULATE; g.init = REFIT_INIT_STUDENT; break;
    case 7: g.regime = REFIT_REGIME_MIX; g.lambda = 0.3; g.init = REFIT_INIT_MIX2; break;
    default: g.regime = REFIT_REGIME_REPLACE; g.init = REFIT_INIT_DATA; break;
    }
    return make_config(&g, st, sim_seed() + 4000 + (uint64_t)i);
}

static void run_or_fail(const refit_sim_config *c, refit_sim_result *res, const char *what)
{
    refit_status st = refit_sim_estimate_all(c, res);
    ck_assert_msg(st == REFIT_OK, "%s: %s", what, refit_strerror(st));
}

START_TEST(test_thread_invariance)
{
    case_store st;
    refit_sim_config c = invariance_config(_i, &st);
    refit_sim_result ref, other;
    char why[160], name[160];
    grid_case dummy;
    memset(&dummy, 0, sizeof dummy);
    snprintf(name, sizeof name, "invariance config %d seed %llu", _i, (unsigned long long)c.seed);
    run_or_fail(&c, &ref, name);
    for (int threads = 2; threads <= 3; threads++) {
        c.threads = threads;
        run_or_fail(&c, &other, name);
        ck_assert_msg(result_same(&ref, &other, c.quantile_count, why, sizeof why),
                      "%s: threads 1 vs %d differ at %s", name, threads, why);
        refit_sim_result_free(&other);
    }
    /* The comparison can fail: another seed differs. */
    c.threads = 1;
    c.seed += 1;
    run_or_fail(&c, &other, name);
    ck_assert_msg(!result_same(&ref, &other, c.quantile_count, why, sizeof why),
                  "%s: seeds s and s+1 gave identical results", name);
    refit_sim_result_free(&other);
    refit_sim_result_free(&ref);
}
END_TEST

START_TEST(test_isa_invariance)
{
    case_store st;
    refit_sim_config c = invariance_config(_i, &st);
    refit_sim_result ref, other;
    char why[160], name[160];
    int compared = 0;
    snprintf(name, sizeof name, "invariance config %d seed %llu", _i, (unsigned long long)c.seed);
    ck_assert(refit_isa_supported(REFIT_ISA_SCALAR));
    c.isa = REFIT_ISA_SCALAR;
    c.threads = 2;
    run_or_fail(&c, &ref, name);
    for (int isa = 1; isa < REFIT_ISA_COUNT; isa++) {
        if (!refit_isa_supported((refit_isa)isa)) continue;
        c.isa = (refit_isa)isa;
        run_or_fail(&c, &other, name);
        ck_assert_msg(result_same(&ref, &other, c.quantile_count, why, sizeof why),
                      "%s: scalar vs %s differ at %s", name, refit_isa_name((refit_isa)isa), why);
        refit_sim_result_free(&other);
        compared++;
    }
    if (_i == 0) printf("isa invariance: scalar compared with %d other ISA(s)\n", compared);
    refit_sim_result_free(&ref);
}
END_TEST

/* ---- checkpoints ----------------------------------------------------------------------- */

typedef struct cancel_ctx {
    volatile int *flag;
    int calls;
    uint64_t first_done;
} cancel_ctx;

/* Sets the cancel flag at the first report of chains done (after the first wave). */
static int cancel_after_first_wave(void *user, uint64_t done, uint64_t total)
{
    cancel_ctx *ctx = user;
    (void)total;
    ctx->calls++;
    if (done > 0 && ctx->first_done == 0) {
        ctx->first_done = done;
        *ctx->flag = 1;
    }
    return 0;
}

static unsigned char *read_all(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    long len;
    ck_assert_msg(f != NULL, "cannot open %s", path);
    ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
    len = ftell(f);
    ck_assert_int_ge(len, 1);
    rewind(f);
    buf = malloc((size_t)len);
    ck_assert_ptr_nonnull(buf);
    ck_assert_uint_eq(fread(buf, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    *size = (size_t)len;
    return buf;
}

static void write_all(const char *path, const unsigned char *buf, size_t size)
{
    FILE *f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "cannot create %s", path);
    if (size > 0) ck_assert_uint_eq(fwrite(buf, 1, size, f), size);
    ck_assert_int_eq(fclose(f), 0);
}

static refit_status load_into_fresh(const refit_sim_config *c, const char *path)
{
    refit_sim *sim = NULL;
    ck_assert_int_eq(refit_sim_create(c, &sim), REFIT_OK);
    refit_status st = refit_sim_checkpoint_load(sim, path);
    refit_sim_free(sim);
    return st;
}

static refit_sim_config checkpoint_config(int i, case_store *st)
{
    static const uint64_t at[] = {1, 10, 100};
    grid_case g;
    memset(&g, 0, sizeof g);
    g.mode = i == 0 ? REFIT_SIM_EXACT : REFIT_SIM_SAMPLE;
    g.M = 10.0;
    g.est = REFIT_ESTIMATOR_UNBIASED;
    g.regime = i == 0 ? REFIT_REGIME_REPLACE : REFIT_REGIME_MIX;
    g.lambda = 0.5;
    g.init = i == 0 ? REFIT_INIT_NORMAL : REFIT_INIT_LAPLACE;
    g.K = i == 0 ? 20000 : 5000;
    g.importance = 1;
    g.at = at;
    g.at_count = 3;
    refit_sim_config c = make_config(&g, st, sim_seed() + 5000 + (uint64_t)i);
    c.threads = 2;
    return c;
}

START_TEST(test_checkpoint_resume)
{
    case_store st;
    refit_sim_config c = checkpoint_config(_i, &st);
    refit_sim_result ref, got;
    refit_sim *sim = NULL, *sim2 = NULL;
    volatile int flag = 0;
    cancel_ctx ctx = {&flag, 0, 0};
    char dir[] = "/tmp/refit-check-sim.XXXXXX", path[256], why[160];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/ck", dir);

    run_or_fail(&c, &ref, "uninterrupted run");
    /* Cancelled after the first wave. */
    ck_assert_int_eq(refit_sim_create(&c, &sim), REFIT_OK);
    ck_assert_int_eq(refit_sim_run(sim, cancel_after_first_wave, &ctx, &flag), REFIT_ECANCELED);
    uint64_t done = refit_sim_chains_done(sim);
    printf("checkpoint %d: cancelled after %llu of %llu chains (%d progress calls)\n", _i,
           (unsigned long long)done, (unsigned long long)c.chains, ctx.calls);
    ck_assert_msg(done > 0 && done < c.chains, "chains done after cancel: %llu of %llu",
                  (unsigned long long)done, (unsigned long long)c.chains);
    ck_assert_int_eq(refit_sim_result_get(sim, &got), REFIT_EINVAL); /* not finished */
    ck_assert_int_eq(refit_sim_checkpoint_save(sim, path), REFIT_OK);
    /* Resumed in a fresh engine. */
    ck_assert_int_eq(refit_sim_create(&c, &sim2), REFIT_OK);
    ck_assert_int_eq(refit_sim_checkpoint_load(sim2, path), REFIT_OK);
    ck_assert_uint_eq(refit_sim_chains_done(sim2), done);
    ck_assert_int_eq(refit_sim_run(sim2, NULL, NULL, NULL), REFIT_OK);
    ck_assert_uint_eq(refit_sim_chains_done(sim2), c.chains);
    ck_assert_int_eq(refit_sim_result_get(sim2, &got), REFIT_OK);
    ck_assert_msg(result_same(&ref, &got, c.quantile_count, why, sizeof why),
                  "resumed from a checkpoint: differs from the uninterrupted run at %s", why);
    refit_sim_result_free(&got);
    /* Continued in the same engine after the cancel (flag cleared). */
    flag = 0;
    ck_assert_int_eq(refit_sim_run(sim, NULL, NULL, &flag), REFIT_OK);
    ck_assert_int_eq(refit_sim_result_get(sim, &got), REFIT_OK);
    ck_assert_msg(result_same(&ref, &got, c.quantile_count, why, sizeof why),
                  "continued after a cancel: differs at %s", why);
    refit_sim_result_free(&got);
    /* A finished engine's checkpoint gives the result without running. */
    ck_assert_int_eq(refit_sim_checkpoint_save(sim2, path), REFIT_OK);
    refit_sim_free(sim2);
    ck_assert_int_eq(refit_sim_create(&c, &sim2), REFIT_OK);
    ck_assert_int_eq(refit_sim_checkpoint_load(sim2, path), REFIT_OK);
    ck_assert_int_eq(refit_sim_result_get(sim2, &got), REFIT_OK);
    ck_assert_msg(result_same(&ref, &got, c.quantile_count, why, sizeof why),
                  "loaded finished checkpoint differs at %s", why);
    refit_sim_result_free(&got);
    refit_sim_free(sim2);
    refit_sim_free(sim);
    refit_sim_result_free(&ref);
    unlink(path);
    rmdir(dir);
}
END_TEST

START_TEST(test_checkpoint_errors)
{
    case_store st;
    refit_sim_config c = checkpoint_config(0, &st), other;
    refit_sim *sim = NULL;
    volatile int flag = 0;
    cancel_ctx ctx = {&flag, 0, 0};
    char dir[] = "/tmp/refit-check-sim.XXXXXX", path[256], bad[300], tmp[300];
    unsigned char *orig, *copy, *after;
    size_t size, size_after;
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/ck", dir);
    snprintf(bad, sizeof bad, "%s/bad", dir);
    ck_assert_int_eq(refit_sim_create(&c, &sim), REFIT_OK);
    ck_assert_int_eq(refit_sim_run(sim, cancel_after_first_wave, &ctx, &flag), REFIT_ECANCELED);
    ck_assert_int_eq(refit_sim_checkpoint_save(sim, path), REFIT_OK);
    ck_assert_int_eq(load_into_fresh(&c, path), REFIT_OK);
    orig = read_all(path, &size);

    /* Another configuration: seed, chain count, M, importance, at. */
    other = c;
    other.seed += 1;
    ck_assert_int_eq(load_into_fresh(&other, path), REFIT_EINVAL);
    other = c;
    other.chains += 64;
    ck_assert_int_eq(load_into_fresh(&other, path), REFIT_EINVAL);
    other = c;
    other.model.schedule.M = 11.0;
    ck_assert_int_eq(load_into_fresh(&other, path), REFIT_EINVAL);
    other = c;
    other.importance = 0;
    ck_assert_int_eq(load_into_fresh(&other, path), REFIT_EINVAL);
    other = c;
    other.at_count = 2;
    ck_assert_int_eq(load_into_fresh(&other, path), REFIT_EINVAL);

    /* Unreadable, empty, truncated (at several lengths), flipped bytes. */
    ck_assert_int_eq(load_into_fresh(&c, "/nonexistent/refit/ck"), REFIT_EIO);
    write_all(bad, orig, 0);
    ck_assert_int_eq(load_into_fresh(&c, bad), REFIT_EIO);
    size_t cuts[] = {1, 8, size / 2, size - 8, size - 1};
    for (size_t k = 0; k < sizeof cuts / sizeof cuts[0]; k++) {
        write_all(bad, orig, cuts[k]);
        ck_assert_msg(load_into_fresh(&c, bad) == REFIT_EIO, "truncated to %zu of %zu bytes",
                      cuts[k], size);
    }
    copy = malloc(size + 1);
    ck_assert_ptr_nonnull(copy);
    size_t flips[] = {size / 3, size / 2, size - 1};
    for (size_t k = 0; k < sizeof flips / sizeof flips[0]; k++) {
        memcpy(copy, orig, size);
        copy[flips[k]] ^= 0x10;
        write_all(bad, copy, size);
        ck_assert_msg(load_into_fresh(&c, bad) == REFIT_EIO, "byte %zu of %zu flipped", flips[k],
                      size);
    }
    /* A flip in the header may read as another configuration: never OK. */
    for (size_t k = 0; k < 64 && k < size; k += 7) {
        memcpy(copy, orig, size);
        copy[k] ^= 0x01;
        write_all(bad, copy, size);
        refit_status s = load_into_fresh(&c, bad);
        ck_assert_msg(s == REFIT_EIO || s == REFIT_EINVAL, "header byte %zu flipped: %s", k,
                      refit_strerror(s));
    }
    /* A trailing extra byte. */
    memcpy(copy, orig, size);
    copy[size] = 0;
    write_all(bad, copy, size + 1);
    ck_assert_int_eq(load_into_fresh(&c, bad), REFIT_EIO);

    /* Unwritable: path.tmp is a directory (refused even to root); the old
     * file must stay as it was and still load. */
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    ck_assert_int_eq(mkdir(tmp, 0700), 0);
    ck_assert_int_eq(refit_sim_checkpoint_save(sim, path), REFIT_EIO);
    after = read_all(path, &size_after);
    ck_assert_msg(size_after == size && memcmp(after, orig, size) == 0,
                  "a failed save changed the old checkpoint");
    ck_assert_int_eq(load_into_fresh(&c, path), REFIT_OK);
    ck_assert_int_eq(rmdir(tmp), 0);
    ck_assert_int_eq(refit_sim_checkpoint_save(sim, "/nonexistent/refit/ck"), REFIT_EIO);

    free(after);
    free(copy);
    free(orig);
    refit_sim_free(sim);
    unlink(bad);
    unlink(path);
    rmdir(dir);
}
END_TEST

/* ---- configuration checks ------------------------------------------------------------- */

static const uint64_t AT_OK[] = {1, 10};

static refit_sim_config valid_config(void)
{
    static const double q[] = {0.25, 0.75};
    refit_sim_config c = refit_sim_config_default();
    c.model.schedule = refit_schedule_const(10.0);
    c.chains = 100;
    c.at = AT_OK;
    c.at_count = 2;
    c.eps = 0.5;
    c.quantiles = q;
    c.quantile_count = 2;
    return c;
}

/* Rejected by validate and by create (which must leave *out NULL). */
static void expect_rejected(const refit_sim_config *c, const char *what)
{
    refit_sim *sim = (refit_sim *)&sim; /* any non-NULL value */
    refit_status st = refit_sim_config_validate(c);
    ck_assert_msg(st == REFIT_EDOM || st == REFIT_EINVAL, "%s: validate gave %s", what,
                  refit_strerror(st));
    ck_assert_msg(refit_sim_create(c, &sim) != REFIT_OK && sim == NULL,
                  "%s: create accepted it", what);
}

static void reject_quantiles(const double *q, size_t count, const char *what)
{
    refit_sim_config c = valid_config();
    c.quantiles = q;
    c.quantile_count = count;
    expect_rejected(&c, what);
}

static void expect_valid(const refit_sim_config *c, const char *what)
{
    refit_status st = refit_sim_config_validate(c);
    ck_assert_msg(st == REFIT_OK, "%s: validate gave %s", what, refit_strerror(st));
}

START_TEST(test_config_rejections)
{
    refit_sim_config c;
    static const uint64_t at_equal[] = {5, 5}, at_down[] = {10, 5};
    static const uint64_t at_big[] = {1, UINT64_C(4294967296)}, at_max[] = {UINT64_C(4294967295)};
    static const double q0[] = {0.0}, q1[] = {1.0}, qneg[] = {-0.25}, qnan[] = {NAN},
                        qdup[] = {0.3, 0.7, 0.3}, qbig[] = {1.5};
    double many[REFIT_SIM_QUANTILES_MAX + 1], data1[] = {1.0}, data_eq[] = {2.0, 2.0, 2.0};

    c = valid_config();
    expect_valid(&c, "the valid baseline");
    ck_assert_int_eq(refit_sim_config_validate(NULL), REFIT_EINVAL);

    /* Chains. */
    c = valid_config(); c.chains = 0; expect_rejected(&c, "K = 0");
    c = valid_config(); c.chains = 1; expect_rejected(&c, "K = 1");
    c = valid_config(); c.chains = REFIT_SIM_CHAINS_MAX + 1; expect_rejected(&c, "K = 2^30 + 1");
    c = valid_config(); c.chains = 2; expect_valid(&c, "K = 2");
    c = valid_config(); c.chains = REFIT_SIM_CHAINS_MAX; expect_valid(&c, "K = 2^30");
    /* Generations. */
    c = valid_config(); c.at = NULL; expect_rejected(&c, "at NULL");
    c = valid_config(); c.at_count = 0; expect_rejected(&c, "at_count 0");
    c = valid_config(); c.at = at_equal; expect_rejected(&c, "at repeated");
    c = valid_config(); c.at = at_down; expect_rejected(&c, "at decreasing");
    c = valid_config(); c.at = at_big; expect_rejected(&c, "at 2^32");
    c = valid_config(); c.at = at_max; c.at_count = 1; expect_valid(&c, "at 2^32 - 1");
    /* eps: 0 (off) or inside (0, 1). */
    c = valid_config(); c.eps = 1.0; expect_rejected(&c, "eps 1");
    c = valid_config(); c.eps = 1.5; expect_rejected(&c, "eps 1.5");
    c = valid_config(); c.eps = -0.1; expect_rejected(&c, "eps -0.1");
    c = valid_config(); c.eps = NAN; expect_rejected(&c, "eps NaN");
    c = valid_config(); c.eps = INFINITY; expect_rejected(&c, "eps inf");
    c = valid_config(); c.eps = 0.0; expect_valid(&c, "eps 0");
    c = valid_config(); c.eps = 1e-300; expect_valid(&c, "eps 1e-300");
    /* Quantiles. */
    reject_quantiles(q0, 1, "quantile 0");
    reject_quantiles(q1, 1, "quantile 1");
    reject_quantiles(qneg, 1, "quantile -0.25");
    reject_quantiles(qbig, 1, "quantile 1.5");
    reject_quantiles(qnan, 1, "quantile NaN");
    reject_quantiles(qdup, 3, "quantile repeated");
    reject_quantiles(NULL, 1, "quantiles NULL");
    for (int i = 0; i <= REFIT_SIM_QUANTILES_MAX; i++)
        many[i] = (i + 0.5) / (REFIT_SIM_QUANTILES_MAX + 1);
    c = valid_config(); c.quantiles = many; c.quantile_count = REFIT_SIM_QUANTILES_MAX + 1;
    expect_rejected(&c, "65 quantiles");
    c.quantile_count = REFIT_SIM_QUANTILES_MAX;
    expect_valid(&c, "64 quantiles");
    /* Mix: lambda M whole. */
    c = valid_config(); c.model.regime = REFIT_REGIME_MIX; c.model.lambda = 0.25;
    expect_rejected(&c, "mix:0.25 at M = 10");
    c.model.lambda = 0.3;
    expect_valid(&c, "mix:0.3 at M = 10");
    c.model.lambda = 0.1;
    expect_valid(&c, "mix:0.1 at M = 10 (one fresh sample)");
    c.model.lambda = 1.0;
    expect_valid(&c, "mix:1 at M = 10");
    c.model.lambda = 0.05;
    expect_rejected(&c, "mix:0.05 at M = 10 (half a sample)");
    c.model.lambda = 0.0;
    expect_rejected(&c, "mix:0");
    /* Modes and D0. */
    c = valid_config(); c.init.kind = REFIT_INIT_STUDENT; c.init.nu = 5.0;
    expect_rejected(&c, "EXACT with a Student D0");
    c.mode = REFIT_SIM_SAMPLE;
    expect_valid(&c, "SAMPLE with a Student D0");
    c.init.nu = 2.0;
    expect_rejected(&c, "SAMPLE with Student nu = 2");
    c = valid_config(); c.mode = REFIT_SIM_SAMPLE; c.init.kind = REFIT_INIT_MIX2;
    c.init.w = 1.0; c.init.sd1 = 1.0; c.init.sd2 = 1.0;
    expect_rejected(&c, "mix2 with w = 1");
    c = valid_config(); c.mode = REFIT_SIM_SAMPLE; c.init.kind = REFIT_INIT_DATA;
    c.init.data = data1; c.init.count = 1;
    expect_rejected(&c, "DATA with one value");
    c.init.data = data_eq; c.init.count = 3;
    expect_rejected(&c, "DATA all equal");
    c.init.data = NULL;
    expect_rejected(&c, "DATA NULL");
    c = valid_config(); c.mode = (refit_sim_mode)7; expect_rejected(&c, "mode 7");
    c = valid_config(); c.mode = REFIT_SIM_SAMPLE;
    c.model.schedule = refit_schedule_const(4294967297.0);
    expect_rejected(&c, "SAMPLE with M = 2^32 + 1");
    c.model.schedule = refit_schedule_const(4294967296.0);
    expect_valid(&c, "SAMPLE with M = 2^32");
    c.mode = REFIT_SIM_EXACT;
    c.model.schedule = refit_schedule_const(1e15);
    expect_valid(&c, "EXACT with M = 1e15");
    c = valid_config(); c.mode = REFIT_SIM_SAMPLE;
    c.model.schedule.kind = REFIT_SCHEDULE_POLY;
    c.model.schedule.M = 2147483648.0;
    c.model.schedule.alpha = 1.0;
    static const uint64_t at2[] = {2}, at3[] = {3};
    c.at = at2; c.at_count = 1;
    expect_valid(&c, "SAMPLE poly 2^31 (i+1) to n = 2"); /* M_1 = 2^32 */
    c.at = at3; c.at_count = 1;
    expect_rejected(&c, "SAMPLE poly 2^31 (i+1) to n = 3"); /* M_2 = 3 2^31 */
    /* Threads, ISA, importance, the model. */
    c = valid_config(); c.threads = 0; expect_rejected(&c, "threads 0");
    c = valid_config(); c.threads = -1; expect_rejected(&c, "threads -1");
    c = valid_config(); c.isa = (refit_isa)REFIT_ISA_COUNT; expect_rejected(&c, "isa out of range");
    c = valid_config(); c.importance = 2; expect_rejected(&c, "importance 2");
    c = valid_config(); c.model.sigma = 0.0; expect_rejected(&c, "sigma 0");
    c = valid_config(); c.model.schedule = refit_schedule_const(1.0);
    expect_rejected(&c, "M = 1");
    c = valid_config(); c.model.schedule = refit_schedule_const(2.5);
    expect_rejected(&c, "M = 2.5");
    c = valid_config(); c.model.regime = REFIT_REGIME_ACCUMULATE;
    c.model.schedule.kind = REFIT_SCHEDULE_POLY; c.model.schedule.alpha = 1.0;
    expect_rejected(&c, "accumulate with a growing schedule");
}
END_TEST

/* sim.h: mix needs a constant schedule (the engine's fresh/model split is
 * fixed) with lambda M whole: growing schedules are refused even where every
 * lambda M_i would be whole, and so is a constant M with lambda M fractional. */
START_TEST(test_config_mix_growing_schedule)
{
    static const double sizes[] = {4.0, 8.0, 12.0};
    refit_sim_config c = valid_config();
    c.model.regime = REFIT_REGIME_MIX;
    c.model.lambda = 0.5;
    c.model.schedule.kind = REFIT_SCHEDULE_LIST;
    c.model.schedule.sizes = sizes;
    c.model.schedule.count = 3;
    expect_rejected(&c, "mix:0.5 on list:4,8,12 (not constant)");
    c.model.schedule.kind = REFIT_SCHEDULE_POLY;
    c.model.schedule.M = 4.0;
    c.model.schedule.alpha = 1.0;
    expect_rejected(&c, "mix:0.5 on poly:4,1 (not constant)");
    c.model.schedule = refit_schedule_const(4.0);
    expect_valid(&c, "mix:0.5 on const:4");
    c.model.schedule = refit_schedule_const(5.0);
    expect_rejected(&c, "mix:0.5 on const:5 (lambda M = 2.5)");
}
END_TEST

/* ---- a long horizon ------------------------------------------------------------------------ */

/* 1e6 generations: ln sigma_n^2 ~ -1e6 |drift| (sigma_n^2 itself is far below
 * the smallest double).  Everything derived from the state must stay finite,
 * and the ln sigma_n^2 moments must sit on their closed forms (z-tests, 8 of
 * them at family-wise 1e-4).  M = 2, 5, 10 with 128 plain chains, and M = 10
 * once more with the importance replicas (their log weights summed over 1e6
 * steps) on 32 chains. */
START_TEST(test_long_horizon)
{
    static const double Ms[] = {2.0, 5.0, 10.0, 10.0};
    static const uint64_t Ks[] = {128, 128, 128, 32};
    static const uint64_t at[] = {1000, 1000000};
    static const double q[] = {0.05, 0.95};
    double zs = z_two_sided(1e-4 / 8.0);
    for (int i = 0; i < 4; i++) {
        refit_sim_config c = refit_sim_config_default();
        refit_sim_result res;
        double exact[REFIT_Q_COUNT];
        refit_status est[REFIT_Q_COUNT];
        c.model.schedule = refit_schedule_const(Ms[i]);
        c.model.mu = TRUTH_MU;
        c.model.sigma = TRUTH_SIGMA;
        c.chains = Ks[i] * sim_scale();
        c.seed = sim_seed() + 6000 + (uint64_t)i;
        c.at = at;
        c.at_count = 2;
        c.eps = 1e-300;
        c.quantiles = q;
        c.quantile_count = 2;
        c.importance = i == 3;
        run_or_fail(&c, &res, "long horizon");
        const refit_sim_row *row = &res.rows[1];
        ck_assert_int_eq(refit_theory_row(&c.model, at[1], 0, exact, est), REFIT_OK);
        for (int k = 0; k < 2; k++) {
            refit_quantity qq = k == 0 ? REFIT_Q_LOGVAR_MEAN : REFIT_Q_LOGVAR_VAR;
            const refit_sim_estimate *e = &row->quantity[qq];
            double z = (e->value - exact[qq]) / e->se;
            printf("long horizon M=%g K=%llu%s n=1e6: %s %.10g se %.4g exact %.10g z %+.2f "
                   "(z* %.2f)\n",
                   Ms[i], (unsigned long long)c.chains, c.importance ? " importance" : "",
                   slot_name(qq), e->value, e->se, exact[qq], z, zs);
            ck_assert_msg(e->status == REFIT_OK && isfinite(e->value) && isfinite(e->se) &&
                              isfinite(e->lo) && isfinite(e->hi) && fabs(z) <= zs,
                          "M=%g n=1e6 %s: %.10g se %.4g vs %.10g (seed %llu)", Ms[i],
                          slot_name(qq), e->value, e->se, exact[qq], (unsigned long long)c.seed);
        }
        /* Finite where the state carries them: mean error, the order
         * statistics (on the log scale), the proportion. */
        const refit_sim_estimate *fin[] = {&row->quantity[REFIT_Q_MEAN_MSE],
                                           &row->quantity[REFIT_Q_MARGINAL_VAR],
                                           &row->quantity[REFIT_Q_W2SQ_LOWER],
                                           &row->median, &row->quantile[0], &row->quantile[1],
                                           &row->collapse_prob};
        for (size_t k = 0; k < sizeof fin / sizeof fin[0]; k++) {
            /* An interval may be open (+-inf) only where it is flagged unreliable
             * (the 0.95 quantile's upper rank exceeds K = 32). */
            ck_assert_msg(fin[k]->status == REFIT_OK && isfinite(fin[k]->value) &&
                              !isnan(fin[k]->lo) && !isnan(fin[k]->hi) && !isnan(fin[k]->se) &&
                              (!fin[k]->reliable || (isfinite(fin[k]->lo) && isfinite(fin[k]->hi))),
                          "M=%g n=1e6: estimate %zu: %g [%g, %g] reliable %d", Ms[i], k,
                          fin[k]->value, fin[k]->lo, fin[k]->hi, fin[k]->reliable);
        }
        for (size_t k = 3; k < 6; k++)
            ck_assert_msg(isfinite(fin[k]->log_value), "M=%g n=1e6: order statistic %zu: log %g",
                          Ms[i], k, fin[k]->log_value);
        /* The moments of sigma_n^2 underflow; their logs must not be NaN. */
        static const refit_quantity logq[] = {REFIT_Q_VAR_MEAN, REFIT_Q_SD_MEAN, REFIT_Q_VAR_VAR};
        for (int k = 0; k < 3; k++) {
            const refit_sim_estimate *e = &row->quantity[logq[k]];
            ck_assert_msg(e->status == REFIT_OK && !isnan(e->log_value) && !isnan(e->value),
                          "M=%g n=1e6 %s: value %g log %g", Ms[i], slot_name(logq[k]), e->value,
                          e->log_value);
        }
        /* Importance on: E sigma_n^2 = sigma^2 exactly under U (the tilt is exact). */
        if (c.importance) {
            const refit_sim_estimate *e = &row->quantity[REFIT_Q_VAR_MEAN];
            ck_assert_msg(fabs(e->log_value - 2.0 * log(TRUTH_SIGMA)) <= 1e-6,
                          "M=10 n=1e6 importance var_mean: log %.17g, exact %.17g", e->log_value,
                          2.0 * log(TRUTH_SIGMA));
        }
        /* sigma_n^2 <= 1e-300 sigma^2 on every path by n = 1e6 (P(not) < 1e-1000). */
        ck_assert_double_eq(row->collapse_prob.value, 1.0);
        refit_sim_result_free(&res);
    }
}
END_TEST

/* ---- the runner ------------------------------------------------------------------------------ */

static Suite *sim_suite(void)
{
    Suite *s = suite_create("sim");
    int timeout = (int)(300 * sim_scale());
    TCase *tc_grid = tcase_create("grid");
    TCase *tc_tail = tcase_create("tails");
    TCase *tc_inv = tcase_create("invariance");
    TCase *tc_ck = tcase_create("checkpoint");
    TCase *tc_cfg = tcase_create("config");
    TCase *tc_long = tcase_create("horizon");
    TCase *all[] = {tc_grid, tc_tail, tc_inv, tc_ck, tc_cfg, tc_long};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) tcase_set_timeout(all[i], timeout);
    tcase_add_test(tc_grid, test_grid_exact);
    tcase_add_test(tc_grid, test_grid_sample);
    tcase_add_test(tc_tail, test_issue_example);
    tcase_add_loop_test(tc_inv, test_thread_invariance, 0, N_INV);
    tcase_add_loop_test(tc_inv, test_isa_invariance, 0, N_INV);
    tcase_add_loop_test(tc_ck, test_checkpoint_resume, 0, 2);
    tcase_add_test(tc_ck, test_checkpoint_errors);
    tcase_add_test(tc_cfg, test_config_rejections);
    tcase_add_test(tc_cfg, test_config_mix_growing_schedule);
    tcase_add_test(tc_long, test_long_horizon);
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) suite_add_tcase(s, all[i]);
    return s;
}

/* The engine (and so OpenMP) runs only in Check's forked children. */
int main(void)
{
    int failed;
    SRunner *sr = srunner_create(sim_suite());
    printf("sim: seed 0x%016llx, scale %llu\n", (unsigned long long)sim_seed(),
           (unsigned long long)sim_scale());
    fflush(stdout);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
