/* An independent Monte Carlo check of the closed forms' derivations.
 *
 * The double closed forms (theory/) are certified against their MPFR twins,
 * but both implement the same formulas; if a formula is itself wrong (the
 * accumulate or mix recursions, Var W2^2, ...) only a simulation of the
 * literal process catches it.  This suite simulates that process sample by
 * sample (1-D, n = 1..6, both estimators, the three regimes, M from 2 to 50)
 * with the test-only generator of tests/support/test_rng.h, and compares
 * sample statistics with refit_theory_quantity() by z-scores.  Nothing here
 * uses the library except the model constructors and the exact values.
 *
 * Statistics.  Each check is z = (estimate - exact) / se, se = sqrt(E[IF^2]
 * / N) with the estimator's influence function IF (delta method): y - m for
 * a mean, d^2 - m2 for a variance, d^3 - 3 m2 d - m3 for a third cumulant
 * (d = y - m).  The moments are accumulated in one pass about a pilot mean,
 * so memory does not grow with the chain count.
 *
 * Heavy tails.  The z-scores are close to N(0,1) only when the summand is
 * not too skewed: the Edgeworth correction to the tail of a studentised mean
 * grows like skew / sqrt(N).  Under replace, E sigma_n^{2r} grows like
 * m(r)^n, so for small M and large n the mean of sigma_n^2 is carried by
 * rare paths and the sample's error bar looks tight but is wrong.  A replace
 * check therefore runs only if the exact skewness of its summand (computed
 * below from chi-square moments, not from the code under test) satisfies
 * skew / sqrt(N) <= 0.05, which keeps the tail probability at z* close to
 * nominal.  Fourth-order quantities (var_var, w2sq_var) need E sigma_n^12
 * for that: at the default scale they run for M = 3 and 5 only at n = 1 and
 * for M = 10, 20, 50 up to n = 2, 3-4 and 6; for M = 3 beyond n = 1 the
 * variance of their estimator is dominated by paths too rare to sample and
 * the error bar itself cannot be trusted.  REFIT_TEST_VERBOSE=2 lists the
 * skipped checks.  Log-variance moments are light tailed and always run.
 * The fourth cumulant of ln sigma_n^2 is not checked: its error bar needs
 * eighth moments, and in 60 seeded runs its z-scores had visibly heavy
 * tails (|z| > 3.5 seven times as often as N(0,1)).  Accumulate and mix put
 * real data into every fit, their summands are light tailed, and all their
 * checks run.  Calibration: 90 runs with other seeds (82,000 z-scores) gave
 * mean -0.01, sd 1.00, |z| > 3.5 49 times (38 expected) and max |z| 4.5;
 * none failed.
 *
 * Multiple testing: the C checks (counted from the grid before anything
 * runs: 908 at the default scale; more run at larger scales) share a
 * family-wise false-alarm probability of 1e-3 by Bonferroni: each passes
 * when |z| <= z* with P(|Z| > z*) = 1e-3 / C, z* = 4.87 for C = 908.  The
 * run prints C and z*.
 *
 * Power: a second test case compares the same kind of simulation with
 * deliberately wrong formulas (D = M where M - 1 belongs, M - 1 where M
 * belongs, tM for tM - 1 in the accumulate recursion, (1 - lambda) for
 * (1 - lambda)^2 in the mix recursion, Var W2^2 off by 5%) and requires
 * |z| >= 2 z* for each.
 *
 * Seeds are fixed (REFIT_TEST_SEED overrides; every configuration uses its
 * own stream of that seed) and printed on failure.  REFIT_TEST_SCALE
 * (default 1) multiplies the chain counts; REFIT_TEST_VERBOSE=1 prints every
 * check.  The default run takes about 11 s at -O2 on one core.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refit/model.h"
#include "refit/status.h"
#include "refit/theory.h"
#include "test_rng.h"
#include "test_ulp.h"

#define MC_NMAX 6
#define MC_MMAX 64
#define MC_MARG_DRAWS 5 /* draws per model for the marginal variance */
#define MC_FAMILY_ALPHA 1e-3
#define MC_SKEW_LIMIT 0.05
#define MC_DEFAULT_SEED UINT64_C(0x2024c011a95e0001)

/* A truth away from (0, 1), so that the closed forms' scaling in mu and
 * sigma is checked too. */
static const double MC_MU = 0.7;
static const double MC_SIGMA = 1.3;

typedef struct mc_config {
    const char *name;
    refit_regime regime;
    refit_estimator estimator;
    int M;
    double lambda; /* MIX only; lambda M must be a whole number */
    int nmax;      /* models 1..nmax are recorded */
    long chains;   /* at REFIT_TEST_SCALE = 1 */
} mc_config;

#define EST_U REFIT_ESTIMATOR_UNBIASED
#define EST_MLE REFIT_ESTIMATOR_MLE
#define REPL REFIT_REGIME_REPLACE
#define ACC REFIT_REGIME_ACCUMULATE
#define MIX REFIT_REGIME_MIX

static const mc_config CONFIGS[] = {
    {"replace U M=3", REPL, EST_U, 3, 0.0, MC_NMAX, 400000},
    {"replace MLE M=3", REPL, EST_MLE, 3, 0.0, MC_NMAX, 400000},
    {"replace U M=5", REPL, EST_U, 5, 0.0, MC_NMAX, 200000},
    {"replace MLE M=5", REPL, EST_MLE, 5, 0.0, MC_NMAX, 200000},
    {"replace U M=10", REPL, EST_U, 10, 0.0, MC_NMAX, 200000},
    {"replace MLE M=10", REPL, EST_MLE, 10, 0.0, MC_NMAX, 200000},
    {"replace U M=20", REPL, EST_U, 20, 0.0, MC_NMAX, 200000},
    {"replace MLE M=20", REPL, EST_MLE, 20, 0.0, MC_NMAX, 200000},
    {"replace U M=50", REPL, EST_U, 50, 0.0, MC_NMAX, 200000},
    {"replace MLE M=50", REPL, EST_MLE, 50, 0.0, MC_NMAX, 200000},
    {"accumulate U M=3", ACC, EST_U, 3, 0.0, MC_NMAX, 200000},
    {"accumulate MLE M=3", ACC, EST_MLE, 3, 0.0, MC_NMAX, 200000},
    {"accumulate U M=5", ACC, EST_U, 5, 0.0, MC_NMAX, 200000},
    {"accumulate MLE M=5", ACC, EST_MLE, 5, 0.0, MC_NMAX, 200000},
    {"accumulate U M=10", ACC, EST_U, 10, 0.0, MC_NMAX, 200000},
    {"accumulate MLE M=10", ACC, EST_MLE, 10, 0.0, MC_NMAX, 200000},
    {"mix:0.5 U M=2", MIX, EST_U, 2, 0.5, MC_NMAX, 200000},
    {"mix:0.5 MLE M=2", MIX, EST_MLE, 2, 0.5, MC_NMAX, 200000},
    {"mix:0.5 U M=4", MIX, EST_U, 4, 0.5, MC_NMAX, 200000},
    {"mix:0.5 MLE M=4", MIX, EST_MLE, 4, 0.5, MC_NMAX, 200000},
    {"mix:0.2 U M=5", MIX, EST_U, 5, 0.2, MC_NMAX, 200000},
    {"mix:0.2 MLE M=5", MIX, EST_MLE, 5, 0.2, MC_NMAX, 200000},
    {"mix:0.3 U M=10", MIX, EST_U, 10, 0.3, MC_NMAX, 200000},
    {"mix:0.3 MLE M=10", MIX, EST_MLE, 10, 0.3, MC_NMAX, 200000},
};
#define N_CONFIGS ((int)(sizeof CONFIGS / sizeof CONFIGS[0]))

/* The quantities every regime has in closed form, and the replace-only ones. */
static const refit_quantity Q_ALL[] = {REFIT_Q_VAR_MEAN, REFIT_Q_MEAN_MSE, REFIT_Q_MARGINAL_VAR,
                                       REFIT_Q_W2SQ_LOWER};
static const refit_quantity Q_REPLACE[] = {
    REFIT_Q_VAR_MEAN,   REFIT_Q_VAR_VAR,      REFIT_Q_SD_MEAN,   REFIT_Q_LOGVAR_MEAN,
    REFIT_Q_LOGVAR_VAR, REFIT_Q_LOGVAR_K3,    REFIT_Q_MEAN_MSE,  REFIT_Q_MARGINAL_VAR,
    REFIT_Q_W2SQ_MEAN,  REFIT_Q_W2SQ_VAR,     REFIT_Q_W2SQ_LOWER};

/* ---- run-wide settings ---------------------------------------------------- */

static uint64_t mc_seed(void)
{
    return refit_test_env_u64("REFIT_TEST_SEED", MC_DEFAULT_SEED);
}

/* REFIT_TEST_SCALE, read by the shared helper. */
static uint64_t mc_scale(void)
{
    return (uint64_t)refit_test_scale();
}

static size_t mc_chains(const mc_config *cfg)
{
    return (size_t)cfg->chains * (size_t)mc_scale();
}

/* ---- the literal process ---------------------------------------------------- */

/* One chain's models n = 1..nmax (index n - 1). */
typedef struct mc_chain {
    double mu[MC_NMAX];   /* mu_n */
    double s2[MC_NMAX];   /* sigma_n^2 */
    double marg[MC_NMAX]; /* mean of (x - mu)^2 over MC_MARG_DRAWS draws x from model n */
} mc_chain;

/* Mean and sum of squared deviations of x[0..m-1], two passes. */
static void fit(const double *x, int m, double *mean, double *ss)
{
    double sum = 0.0, acc = 0.0;
    for (int j = 0; j < m; j++) sum += x[j];
    *mean = sum / m;
    for (int j = 0; j < m; j++) {
        double d = x[j] - *mean;
        acc += d * d;
    }
    *ss = acc;
}

/* Fill x[lo..hi-1] with draws from N(mu, sd^2). */
static void draw(refit_test_rng *rng, double *x, int lo, int hi, double mu, double sd)
{
    for (int j = lo; j < hi; j++) x[j] = mu + sd * refit_test_rng_normal(rng);
}

/* Record model n = (mu, s2), with MC_MARG_DRAWS draws from it for the
 * marginal variance: each draw x is a generation-n sample and
 * E (x - mu)^2 = Var x because E x = mu; averaging a few of them only lowers
 * the noise.  The draws are not fed back into the process. */
static void record(mc_chain *ch, refit_test_rng *rng, int n, double mu, double s2)
{
    double sd = sqrt(s2), acc = 0.0;
    for (int j = 0; j < MC_MARG_DRAWS; j++) {
        double d = mu + sd * refit_test_rng_normal(rng) - MC_MU;
        acc += d * d;
    }
    ch->mu[n - 1] = mu;
    ch->s2[n - 1] = s2;
    ch->marg[n - 1] = acc / MC_MARG_DRAWS;
}

/* Replace: generation g draws M samples from model g (model 0 = truth);
 * model g+1 is their mean and SS / D. */
static void chain_replace(const mc_config *cfg, refit_test_rng *rng, mc_chain *ch)
{
    double x[MC_MMAX], mu = MC_MU, sd = MC_SIGMA, mean, ss;
    int M = cfg->M;
    double D = cfg->estimator == EST_U ? M - 1.0 : (double)M;
    for (int g = 0; g < cfg->nmax; g++) {
        draw(rng, x, 0, M, mu, sd);
        fit(x, M, &mean, &ss);
        mu = mean;
        sd = sqrt(ss / D);
        record(ch, rng, g + 1, mu, ss / D);
    }
}

/* Accumulate: batch 0 is M real samples; model t >= 1 is fitted on batches
 * 0..t-1 pooled (t M points, SS / (tM - 1) or SS / (tM)); batch t is drawn
 * from model t.  The pool is kept as (count, mean, SS) and merged exactly. */
static void chain_accumulate(const mc_config *cfg, refit_test_rng *rng, mc_chain *ch)
{
    double x[MC_MMAX], count = 0.0, pmean = 0.0, pss = 0.0, bmean, bss;
    double mu = MC_MU, sd = MC_SIGMA;
    int M = cfg->M;
    for (int t = 1; t <= cfg->nmax; t++) {
        double delta, total, D, s2;
        draw(rng, x, 0, M, mu, sd); /* batch t-1, from model t-1 */
        fit(x, M, &bmean, &bss);
        delta = bmean - pmean;
        total = count + M;
        pmean += delta * M / total;
        pss += bss + delta * delta * count * M / total;
        count = total;
        D = cfg->estimator == EST_U ? count - 1.0 : count;
        s2 = pss / D;
        mu = pmean;
        sd = sqrt(s2);
        record(ch, rng, t, mu, s2);
    }
}

/* Mix: model g+1 is fitted on r = lambda M fresh draws from the truth plus
 * M - r draws from model g (model 0 = truth). */
static void chain_mix(const mc_config *cfg, refit_test_rng *rng, mc_chain *ch)
{
    double x[MC_MMAX], mu = MC_MU, sd = MC_SIGMA, mean, ss;
    int M = cfg->M;
    int r = (int)lround(cfg->lambda * M);
    double D = cfg->estimator == EST_U ? M - 1.0 : (double)M;
    for (int g = 0; g < cfg->nmax; g++) {
        draw(rng, x, 0, r, MC_MU, MC_SIGMA);
        draw(rng, x, r, M, mu, sd);
        fit(x, M, &mean, &ss);
        mu = mean;
        sd = sqrt(ss / D);
        record(ch, rng, g + 1, mu, ss / D);
    }
}

static void simulate_chain(const mc_config *cfg, refit_test_rng *rng, mc_chain *ch)
{
    switch (cfg->regime) {
    case REPL: chain_replace(cfg, rng, ch); break;
    case ACC: chain_accumulate(cfg, rng, ch); break;
    case MIX: chain_mix(cfg, rng, ch); break;
    }
}

/* ---- streaming moments ------------------------------------------------------ */

/* The per-chain values the checks average. */
typedef enum mc_var {
    V_S2,   /* sigma_n^2 */
    V_SD,   /* sigma_n */
    V_LOG,  /* ln sigma_n^2 */
    V_D2,   /* (mu_n - mu)^2 */
    V_MARG, /* (x - mu)^2, x a generation-n draw (averaged over M draws) */
    V_W,    /* W2^2 = (mu_n - mu)^2 + (sigma_n - sigma)^2 */
    V_COUNT
} mc_var;

static double chain_value(const mc_chain *ch, int n, mc_var v)
{
    double dm = ch->mu[n - 1] - MC_MU, s2 = ch->s2[n - 1], ds = sqrt(s2) - MC_SIGMA;
    switch (v) {
    case V_S2: return s2;
    case V_SD: return sqrt(s2);
    case V_LOG: return log(s2);
    case V_D2: return dm * dm;
    case V_MARG: return ch->marg[n - 1];
    case V_W: return dm * dm + ds * ds;
    default: return NAN;
    }
}

/* Power sums of (y - shift) up to order 6, enough for the standard error of
 * a third cumulant.  The shift is a pilot estimate of the mean, so the
 * conversion to central moments below does not cancel. */
#define MC_ORDER 6
typedef struct mc_moments {
    double count, shift, sum[MC_ORDER + 1];
} mc_moments;

static void moments_init(mc_moments *m, double shift)
{
    memset(m, 0, sizeof *m);
    m->shift = shift;
}

static void moments_add(mc_moments *m, double y)
{
    double d = y - m->shift, p = 1.0;
    m->count += 1.0;
    for (int k = 1; k <= MC_ORDER; k++) {
        p *= d;
        m->sum[k] += p;
    }
}

/* Sums of b into a (same shift): blocks are summed apart, then added, which
 * keeps the rounding error of long sums small. */
static void moments_merge(mc_moments *a, const mc_moments *b)
{
    a->count += b->count;
    for (int k = 1; k <= MC_ORDER; k++) a->sum[k] += b->sum[k];
}

/* Which functional of the per-chain values a check estimates. */
typedef enum mc_stat { STAT_MEAN, STAT_VAR, STAT_K3 } mc_stat;

/* The estimate of E y, Var y or the third cumulant of y, and its standard
 * error sqrt(E[IF^2] / N) from the estimator's influence function IF:
 * mean: y - m;  variance: d^2 - m2;  k3: d^3 - 3 m2 d - m3  (d = y - m). */
static void moments_estimate(const mc_moments *m, mc_stat stat, double *est, double *se)
{
    static const double binom[MC_ORDER + 1][MC_ORDER + 1] = {
        {1, 0, 0, 0, 0, 0, 0},  {1, 1, 0, 0, 0, 0, 0},   {1, 2, 1, 0, 0, 0, 0},
        {1, 3, 3, 1, 0, 0, 0},  {1, 4, 6, 4, 1, 0, 0},   {1, 5, 10, 10, 5, 1, 0},
        {1, 6, 15, 20, 15, 6, 1}};
    double N = m->count, delta = m->sum[1] / N, c[MC_ORDER + 1];
    for (int p = 0; p <= MC_ORDER; p++) {
        c[p] = 0.0;
        for (int k = 0; k <= p; k++)
            c[p] += binom[p][k] * (k == 0 ? 1.0 : m->sum[k] / N) * pow(-delta, p - k);
    }
    switch (stat) {
    case STAT_MEAN:
        *est = m->shift + delta;
        *se = sqrt(c[2] / (N - 1.0));
        return;
    case STAT_VAR:
        *est = c[2] * N / (N - 1.0);
        *se = sqrt(fmax(c[4] - c[2] * c[2], 0.0) / N);
        return;
    case STAT_K3:
        *est = c[3] * N * N / ((N - 1.0) * (N - 2.0));
        *se = sqrt(fmax(c[6] - 6.0 * c[2] * c[4] + 9.0 * c[2] * c[2] * c[2] - c[3] * c[3], 0.0) /
                   N);
        return;
    }
}

/* ---- a simulation: moments of every value at every generation ------------- */

#define MC_BLOCK 4096

typedef struct mc_run {
    int nmax;
    size_t chains;
    mc_moments acc[MC_NMAX][V_COUNT];
} mc_run;

/* Simulate `chains` chains in blocks; the first block's means become the
 * shifts.  0 if the configuration is malformed or memory runs out. */
static int simulate(const mc_config *cfg, size_t chains, uint64_t seed, uint64_t stream,
                    mc_run *run)
{
    refit_test_rng rng;
    mc_chain *block;
    size_t done = 0;
    if (cfg->M < 2 || cfg->M > MC_MMAX || cfg->nmax < 1 || cfg->nmax > MC_NMAX || chains < 3)
        return 0;
    if (cfg->regime == MIX) {
        double r = cfg->lambda * cfg->M;
        if (!(fabs(r - round(r)) < 1e-9) || r < 1.0 || r > cfg->M) return 0;
    }
    block = malloc(MC_BLOCK * sizeof *block);
    if (!block) return 0;
    run->nmax = cfg->nmax;
    run->chains = chains;
    refit_test_rng_seed(&rng, seed, stream);
    while (done < chains) {
        size_t b = chains - done < MC_BLOCK ? chains - done : MC_BLOCK;
        for (size_t c = 0; c < b; c++) simulate_chain(cfg, &rng, &block[c]);
        for (int n = 1; n <= cfg->nmax; n++) {
            for (int v = 0; v < V_COUNT; v++) {
                mc_moments part;
                if (done == 0) {
                    double pilot = 0.0;
                    for (size_t c = 0; c < b; c++) pilot += chain_value(&block[c], n, (mc_var)v);
                    moments_init(&run->acc[n - 1][v], pilot / (double)b);
                }
                moments_init(&part, run->acc[n - 1][v].shift);
                for (size_t c = 0; c < b; c++)
                    moments_add(&part, chain_value(&block[c], n, (mc_var)v));
                moments_merge(&run->acc[n - 1][v], &part);
            }
        }
        done += b;
    }
    free(block);
    return 1;
}

/* The value and functional a quantity is estimated from. */
static int quantity_source(refit_quantity q, mc_var *v, mc_stat *stat)
{
    *stat = STAT_MEAN;
    switch (q) {
    case REFIT_Q_VAR_MEAN: *v = V_S2; return 1;
    case REFIT_Q_VAR_VAR: *v = V_S2; *stat = STAT_VAR; return 1;
    case REFIT_Q_SD_MEAN: *v = V_SD; return 1;
    case REFIT_Q_LOGVAR_MEAN: *v = V_LOG; return 1;
    case REFIT_Q_LOGVAR_VAR: *v = V_LOG; *stat = STAT_VAR; return 1;
    case REFIT_Q_LOGVAR_K3: *v = V_LOG; *stat = STAT_K3; return 1;
    case REFIT_Q_MEAN_MSE:
    case REFIT_Q_W2SQ_LOWER: *v = V_D2; return 1;
    case REFIT_Q_MARGINAL_VAR: *v = V_MARG; return 1;
    case REFIT_Q_W2SQ_MEAN: *v = V_W; return 1;
    case REFIT_Q_W2SQ_VAR: *v = V_W; *stat = STAT_VAR; return 1;
    default: return 0;
    }
}

/* The Monte Carlo estimate of quantity q after n refits, and its standard error. */
static int run_estimate(const mc_run *run, int n, refit_quantity q, double *est, double *se)
{
    mc_var v;
    mc_stat stat;
    *est = *se = NAN;
    if (n < 1 || n > run->nmax || !quantity_source(q, &v, &stat)) return 0;
    moments_estimate(&run->acc[n - 1][v], stat, est, se);
    return 1;
}

/* ---- which checks to run: the skewness rule ------------------------------ */

/* The skewness rule needs exact raw moments E[X^r], r = 0..6, of the
 * dominant part X of a summand under the replace regime (scale-free, sigma
 * = 1).  Two kinds, both from q = chi^2_{M-1} / D with
 * E[q^r] = (2/D)^r a (a+1) .. (a+r-1):
 *   sigma_n^2 chi^2_K / K:  E[q^r]^n E[(chi^2_K / K)^r]  (K = 0: no factor);
 *   (mu_n - mu)^2 = (T_n / M) Z^2 with T_n = sum_{i<n} sigma_i^2, because
 *   given the path of variances mu_n - mu ~ N(0, T_n / M); and
 *   T_{n+1} = 1 + q T'_n with T'_n an independent copy of T_n, so
 *   E[T_{n+1}^r] = sum_j C(r,j) E[q^j] E[T_n^j], T_1 = 1.  (Scale drops out.) */
#define MC_RAW 7
static const double BINOM[MC_RAW][MC_RAW] = {
    {1, 0, 0, 0, 0, 0, 0},  {1, 1, 0, 0, 0, 0, 0},   {1, 2, 1, 0, 0, 0, 0},
    {1, 3, 3, 1, 0, 0, 0},  {1, 4, 6, 4, 1, 0, 0},   {1, 5, 10, 10, 5, 1, 0},
    {1, 6, 15, 20, 15, 6, 1}};

static double factor_raw(int M, refit_estimator e, int r)
{
    double a = (M - 1) / 2.0, D = e == EST_U ? M - 1.0 : (double)M, p = 1.0;
    for (int j = 0; j < r; j++) p *= (a + j) * 2.0 / D;
    return p;
}

static void raw_var(int M, refit_estimator e, int n, int K, double raw[MC_RAW])
{
    for (int r = 0; r < MC_RAW; r++) {
        double chi = 1.0;
        for (int j = 0; K > 0 && j < r; j++) chi *= (K + 2.0 * j) / K;
        raw[r] = pow(factor_raw(M, e, r), n) * chi;
    }
}

static void raw_drift(int M, refit_estimator e, int n, double raw[MC_RAW])
{
    double t[MC_RAW], next[MC_RAW];
    for (int r = 0; r < MC_RAW; r++) t[r] = 1.0;
    for (int m = 1; m < n; m++) {
        for (int r = 0; r < MC_RAW; r++) {
            next[r] = 0.0;
            for (int j = 0; j <= r; j++) next[r] += BINOM[r][j] * factor_raw(M, e, j) * t[j];
        }
        memcpy(t, next, sizeof t);
    }
    for (int r = 0; r < MC_RAW; r++) {
        double z = 1.0; /* E Z^{2r} = (2r-1)!! */
        for (int j = 0; j < r; j++) z *= 2.0 * j + 1.0;
        raw[r] = t[r] * z;
    }
}

/* Skewness of X (order 2: the summand of a mean) or of (X - E X)^2
 * (order 4: the summand of a variance), from raw moments. */
static double skew_from_raw(const double raw[MC_RAW], int order)
{
    double cm[MC_RAW], m = raw[1], v4;
    for (int k = 0; k < MC_RAW; k++) {
        cm[k] = 0.0;
        for (int j = 0; j <= k; j++) cm[k] += BINOM[k][j] * raw[j] * pow(-m, k - j);
    }
    if (order == 2) return cm[2] > 0.0 ? cm[3] / pow(cm[2], 1.5) : 0.0;
    v4 = cm[4] - cm[2] * cm[2];
    return v4 > 0.0 ? (cm[6] - 3.0 * cm[4] * cm[2] + 2.0 * pow(cm[2], 3)) / pow(v4, 1.5) : 0.0;
}

static double skew_var(int M, refit_estimator e, int n, int K, int order)
{
    double raw[MC_RAW];
    raw_var(M, e, n, K, raw);
    return skew_from_raw(raw, order);
}

static double skew_drift(int M, refit_estimator e, int n, int order)
{
    double raw[MC_RAW];
    raw_drift(M, e, n, raw);
    return skew_from_raw(raw, order);
}

/* Whether the check (quantity q at model n) runs for this configuration:
 * see the rule at the top of the file.  A summand made of two parts (W2^2,
 * a marginal draw) is judged by the more skewed part. */
static int check_enabled(const mc_config *cfg, size_t N, int n, refit_quantity q)
{
    int M = cfg->M;
    refit_estimator e = cfg->estimator;
    double skew = 0.0;
    if (cfg->regime != REPL) return 1;
    switch (q) {
    case REFIT_Q_LOGVAR_MEAN:
    case REFIT_Q_LOGVAR_VAR:
    case REFIT_Q_LOGVAR_K3: return 1;
    case REFIT_Q_VAR_MEAN:
    case REFIT_Q_SD_MEAN: skew = skew_var(M, e, n, 0, 2); break;
    case REFIT_Q_MEAN_MSE:
    case REFIT_Q_W2SQ_LOWER: skew = skew_drift(M, e, n, 2); break;
    case REFIT_Q_MARGINAL_VAR:
        skew = fmax(skew_var(M, e, n, MC_MARG_DRAWS, 2), skew_drift(M, e, n, 2));
        break;
    case REFIT_Q_W2SQ_MEAN: skew = fmax(skew_var(M, e, n, 0, 2), skew_drift(M, e, n, 2)); break;
    case REFIT_Q_VAR_VAR: skew = skew_var(M, e, n, 0, 4); break;
    case REFIT_Q_W2SQ_VAR: skew = fmax(skew_var(M, e, n, 0, 4), skew_drift(M, e, n, 4)); break;
    default: return 0;
    }
    return isfinite(skew) && skew / sqrt((double)N) <= MC_SKEW_LIMIT;
}

static void config_quantities(const mc_config *cfg, const refit_quantity **qs, int *count)
{
    if (cfg->regime == REPL) {
        *qs = Q_REPLACE;
        *count = (int)(sizeof Q_REPLACE / sizeof Q_REPLACE[0]);
    } else {
        *qs = Q_ALL;
        *count = (int)(sizeof Q_ALL / sizeof Q_ALL[0]);
    }
}

/* C, the number of checks in the family. */
static int count_checks(void)
{
    int total = 0;
    for (int i = 0; i < N_CONFIGS; i++) {
        const refit_quantity *qs;
        int nq;
        config_quantities(&CONFIGS[i], &qs, &nq);
        for (int n = 1; n <= CONFIGS[i].nmax; n++)
            for (int k = 0; k < nq; k++)
                total += check_enabled(&CONFIGS[i], mc_chains(&CONFIGS[i]), n, qs[k]);
    }
    return total;
}

/* z* with P(|Z| > z*) = alpha for a standard normal Z, by bisection. */
static double two_sided_quantile(double alpha)
{
    double lo = 0.0, hi = 40.0;
    for (int it = 0; it < 200; it++) {
        double mid = 0.5 * (lo + hi);
        if (erfc(mid / sqrt(2.0)) > alpha)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

static double z_star(int C)
{
    return two_sided_quantile(MC_FAMILY_ALPHA / (C > 0 ? C : 1));
}

/* ---- exact values -------------------------------------------------------- */

static refit_model config_model(const mc_config *cfg)
{
    refit_model m = refit_model_default();
    m.schedule = refit_schedule_const((double)cfg->M);
    m.estimator = cfg->estimator;
    m.regime = cfg->regime;
    if (cfg->regime == MIX) m.lambda = cfg->lambda;
    m.mu = MC_MU;
    m.sigma = MC_SIGMA;
    return m;
}

static const char *qname(refit_quantity q)
{
    const char *s = refit_quantity_name(q);
    return s ? s : "?";
}

/* ---- the test: every enabled check of one configuration ----------------- */

START_TEST(test_closed_form_vs_simulation)
{
    const mc_config *cfg = &CONFIGS[_i];
    size_t N = mc_chains(cfg);
    uint64_t seed = mc_seed();
    int C = count_checks(), nfail = 0, nrun = 0;
    int verbose = (int)refit_test_env_u64("REFIT_TEST_VERBOSE", 0);
    double zs = z_star(C), zmax = 0.0;
    char worst[160] = "";
    refit_model model = config_model(cfg);
    const refit_quantity *qs;
    int nq;
    mc_run *run = malloc(sizeof *run);

    ck_assert_ptr_nonnull(run);
    ck_assert_msg(simulate(cfg, N, seed, (uint64_t)_i, run), "simulation of %s failed to start",
                  cfg->name);
    config_quantities(cfg, &qs, &nq);
    for (int n = 1; n <= cfg->nmax; n++) {
        for (int k = 0; k < nq; k++) {
            refit_quantity q = qs[k];
            double exact = NAN, est, se, z;
            refit_status st;
            if (!check_enabled(cfg, N, n, q)) {
                if (verbose >= 2) printf("skip %s n=%d %s\n", cfg->name, n, qname(q));
                continue;
            }
            nrun++;
            run_estimate(run, n, q, &est, &se);
            st = refit_theory_quantity(&model, (uint64_t)n, q, &exact);
            z = (est - exact) / se;
            if (st != REFIT_OK || !isfinite(z) || fabs(z) > zs) {
                nfail++;
                printf("FAIL %s n=%d %s: exact=%.10g (%s) MC=%.10g se=%.3g z=%.2f "
                       "(z*=%.2f, seed=0x%016llx stream=%d, chains=%zu)\n",
                       cfg->name, n, qname(q), exact, refit_strerror(st), est, se, z, zs,
                       (unsigned long long)seed, _i, N);
            } else if (verbose) {
                printf("  ok %s n=%d %s: exact=%.10g MC=%.10g se=%.3g z=%+.2f\n", cfg->name, n,
                       qname(q), exact, est, se, z);
            }
            if (isfinite(z) && fabs(z) >= zmax) {
                zmax = fabs(z);
                snprintf(worst, sizeof worst, "%s n=%d", qname(q), n);
            }
        }
    }
    printf("%-20s %3d checks, %8zu chains, max |z| = %.2f (%s), z* = %.2f\n", cfg->name, nrun, N,
           zmax, worst, zs);
    fflush(stdout);
    free(run);
    ck_assert_msg(nfail == 0,
                  "%s: %d of %d checks beyond z* = %.2f (C = %d, seed 0x%016llx stream %d)",
                  cfg->name, nfail, nrun, zs, C, (unsigned long long)seed, _i);
}
END_TEST

/* ---- power: the same simulations must reject wrong formulas ------------- */

/* Wrong formulas, each a plausible slip in a derivation. */

/* Replace U: E sigma_n^2 with D = M where M - 1 belongs: sigma^2 ((M-1)/M)^n. */
static double wrong_var_mean_D(const mc_config *cfg, int n)
{
    return MC_SIGMA * MC_SIGMA * pow((cfg->M - 1.0) / cfg->M, n);
}

/* Replace U: E (mu_n - mu)^2 with M - 1 where M belongs: sigma^2 n / (M-1). */
static double wrong_mean_mse(const mc_config *cfg, int n)
{
    return MC_SIGMA * MC_SIGMA * n / (cfg->M - 1.0);
}

/* Accumulate U: v_{t+1} = v_t (1 - 1/((t+1)^2 M)), tM in place of tM - 1. */
static double wrong_accumulate_var(const mc_config *cfg, int n)
{
    double v = MC_SIGMA * MC_SIGMA;
    for (int t = 1; t < n; t++) v *= 1.0 - 1.0 / ((t + 1.0) * (t + 1.0) * cfg->M);
    return v;
}

/* Mix U: e_{t+1} = (1-lambda) e_t + ... instead of (1-lambda)^2 e_t. */
static double wrong_mix_mse(const mc_config *cfg, int n)
{
    double l = cfg->lambda, M = cfg->M, s2 = MC_SIGMA * MC_SIGMA, e = 0.0, v = s2;
    for (int t = 0; t < n; t++) {
        double e1 = (1.0 - l) * e + l * s2 / M + (1.0 - l) * v / M;
        double v1 = l * s2 + (1.0 - l) * v + M / (M - 1.0) * l * (1.0 - l) * e;
        e = e1;
        v = v1;
    }
    return e;
}

typedef struct power_case {
    const char *what;
    mc_config cfg;
    int n;
    refit_quantity q;
    double (*wrong)(const mc_config *, int); /* NULL: the exact value times `factor` */
    double factor;
} power_case;

static const power_case POWER[] = {
    {"var_mean with D = M under U", {"replace U M=5", REPL, EST_U, 5, 0.0, 6, 100000}, 6,
     REFIT_Q_VAR_MEAN, wrong_var_mean_D, 0.0},
    {"mean_mse with M-1 for M", {"replace U M=5", REPL, EST_U, 5, 0.0, 6, 100000}, 6,
     REFIT_Q_MEAN_MSE, wrong_mean_mse, 0.0},
    {"accumulate var_mean with tM for tM-1",
     {"accumulate U M=3", ACC, EST_U, 3, 0.0, 6, 1000000}, 6, REFIT_Q_VAR_MEAN,
     wrong_accumulate_var, 0.0},
    {"mix mean_mse with (1-lambda) for (1-lambda)^2",
     {"mix:0.5 U M=4", MIX, EST_U, 4, 0.5, 6, 100000}, 6, REFIT_Q_MEAN_MSE, wrong_mix_mse, 0.0},
    {"w2sq_var off by 5%", {"replace U M=20", REPL, EST_U, 20, 0.0, 1, 1000000}, 1,
     REFIT_Q_W2SQ_VAR, NULL, 1.05},
};
#define N_POWER ((int)(sizeof POWER / sizeof POWER[0]))

START_TEST(test_power_against_wrong_formulas)
{
    const power_case *pc = &POWER[_i];
    size_t N = mc_chains(&pc->cfg);
    uint64_t seed = mc_seed();
    double zs = z_star(count_checks()), exact = NAN, wrong, est, se, z_ok, z_wrong;
    refit_model model = config_model(&pc->cfg);
    refit_status st;
    mc_run *run = malloc(sizeof *run);

    ck_assert_ptr_nonnull(run);
    ck_assert_msg(simulate(&pc->cfg, N, seed, (uint64_t)(1000 + _i), run),
                  "simulation of %s failed to start", pc->cfg.name);
    run_estimate(run, pc->n, pc->q, &est, &se);
    free(run);
    st = refit_theory_quantity(&model, (uint64_t)pc->n, pc->q, &exact);
    wrong = pc->wrong ? pc->wrong(&pc->cfg, pc->n) : exact * pc->factor;
    z_ok = (est - exact) / se;
    z_wrong = (est - wrong) / se;
    printf("power: %s (%s n=%d %s): MC=%.8g se=%.3g; exact=%.8g (%s) z=%+.2f; "
           "wrong=%.8g z=%+.2f; need |z| >= %.2f\n",
           pc->what, pc->cfg.name, pc->n, qname(pc->q), est, se, exact, refit_strerror(st), z_ok,
           wrong, z_wrong, 2.0 * zs);
    fflush(stdout);
    ck_assert_msg(isfinite(z_wrong) && fabs(z_wrong) >= 2.0 * zs,
                  "power: %s not rejected: |z| = %.2f < 2 z* = %.2f (seed 0x%016llx stream %d)",
                  pc->what, fabs(z_wrong), 2.0 * zs, (unsigned long long)seed, 1000 + _i);
}
END_TEST

/* ---- the tools themselves ------------------------------------------------- */

/* The generator and the moment machinery on N(1000, 1) draws (a shift far
 * from zero, as the pilot gives): mean, variance and third cumulant must
 * come out right, so that a failure above is not the test's own doing. */
START_TEST(test_generator_moments)
{
    refit_test_rng rng;
    size_t N = 400000 * (size_t)mc_scale();
    double est, se, zs = two_sided_quantile(MC_FAMILY_ALPHA / 4.0), hits = 0.0;
    static const mc_stat stats[3] = {STAT_MEAN, STAT_VAR, STAT_K3};
    static const double expect[3] = {1000.0, 1.0, 0.0};
    mc_moments m;
    moments_init(&m, 999.99);
    refit_test_rng_seed(&rng, mc_seed(), 999);
    for (size_t c = 0; c < N; c++) moments_add(&m, 1000.0 + refit_test_rng_normal(&rng));
    for (int k = 0; k < 3; k++) {
        moments_estimate(&m, stats[k], &est, &se);
        ck_assert_msg(fabs(est - expect[k]) <= zs * se, "N(1000,1) cumulant %d: %.9g +- %.3g",
                      k + 1, est, se);
    }
    /* The standard errors themselves: sqrt(2/N) and sqrt(6/N) for N(0,1), within
     * about 6 of their own sampling sd. */
    moments_estimate(&m, STAT_K3, &est, &se);
    ck_assert_double_eq_tol(se * sqrt((double)N), sqrt(6.0), 0.12);
    moments_estimate(&m, STAT_VAR, &est, &se);
    ck_assert_double_eq_tol(se * sqrt((double)N), sqrt(2.0), 0.03);
    /* Uniforms: the open interval, and P(u < 1/4). */
    for (size_t c = 0; c < N; c++) {
        double u = refit_test_rng_uniform(&rng);
        ck_assert(u > 0.0 && u < 1.0);
        hits += u < 0.25;
    }
    ck_assert_msg(fabs(hits / (double)N - 0.25) <= zs * sqrt(0.25 * 0.75 / (double)N),
                  "uniform: P(u < 1/4) = %g", hits / (double)N);
    ck_assert_double_eq_tol(two_sided_quantile(0.05), 1.959963984540054, 1e-9);
}
END_TEST

static Suite *closed_forms_mc_suite(void)
{
    Suite *s = suite_create("closed_forms_mc");
    int timeout = (int)(120 * mc_scale());
    TCase *tc_tools = tcase_create("tools");
    TCase *tc_mc = tcase_create("closed_form_vs_simulation");
    TCase *tc_power = tcase_create("power");
    tcase_set_timeout(tc_tools, timeout);
    tcase_set_timeout(tc_mc, timeout);
    tcase_set_timeout(tc_power, timeout);
    tcase_add_test(tc_tools, test_generator_moments);
    tcase_add_loop_test(tc_mc, test_closed_form_vs_simulation, 0, N_CONFIGS);
    tcase_add_loop_test(tc_power, test_power_against_wrong_formulas, 0, N_POWER);
    suite_add_tcase(s, tc_tools);
    suite_add_tcase(s, tc_mc);
    suite_add_tcase(s, tc_power);
    return s;
}

int main(void)
{
    int C = count_checks(), failed;
    SRunner *sr = srunner_create(closed_forms_mc_suite());
    printf("closed_forms_mc: C = %d checks, family-wise false-alarm 1e-3 (Bonferroni), "
           "z* = %.3f; seed 0x%016llx, scale %llu\n",
           C, z_star(C), (unsigned long long)mc_seed(), (unsigned long long)mc_scale());
    fflush(stdout);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
