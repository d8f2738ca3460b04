/* refit: the paper's theorems checked numerically.
 *
 * A suite of checks, each tied to a claim of the sources (Shumailov et al.,
 * Nature 2024, Theorem 3.1, and the papers on accumulate and mix regimes).
 * A check is a list of items; every item compares something computed with
 * something claimed, by a stated rule, and the check passes when all its
 * items pass.  Item kinds:
 *   CERTIFY      a double closed form against its MPFR twin (theory/mp/):
 *                |double - mp| <= tolerance (relative unless stated)
 *   EXACT        a property of exact values: a sign, a monotone sequence, a
 *                limit, a bound that must hold (tolerance stated per item)
 *   MONTE_CARLO  a Monte Carlo estimate (sim.h) against its exact value:
 *                reliable and |z| <= z_crit, where z_crit = Phi^{-1}(1 -
 *                alpha / (2 N)) over the N Monte Carlo items of the whole run
 *                (Bonferroni: the family-wise false-alarm probability of the
 *                suite is at most alpha)
 *   MC_PROPERTY  a property of Monte Carlo output with no exact value to
 *                compare with (e.g. E W2^2 to a non-Gaussian D0 is at least
 *                the mean error: lower bound of the interval test at z_crit)
 * Perturbation: each check has one deliberate fault (a wrong estimator or
 * constant, documented in docs/verify.md) that `perturb` switches on; the
 * check must then fail.  The library never prints; results are plain data.
 * Runs are reproducible: the same config gives the same result bitwise.
 */
#ifndef REFIT_VERIFY_H
#define REFIT_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "refit/kernels.h"
#include "refit/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum refit_verify_level {
    REFIT_VERIFY_QUICK = 0,   /* smoke test: small K, few n (seconds) */
    REFIT_VERIFY_DEFAULT = 1, /* the default suite: under 60 s on 2 cores */
    REFIT_VERIFY_FULL = 2     /* larger grids and K (minutes) */
} refit_verify_level;

typedef enum refit_verify_kind {
    REFIT_VERIFY_CERTIFY = 0,
    REFIT_VERIFY_EXACT = 1,
    REFIT_VERIFY_MONTE_CARLO = 2,
    REFIT_VERIFY_MC_PROPERTY = 3
} refit_verify_kind;

#define REFIT_VERIFY_TEXT 192

typedef struct refit_verify_item {
    char what[REFIT_VERIFY_TEXT]; /* "E ln q < 0, M = 10, unbiased" */
    refit_verify_kind kind;
    uint64_t n;          /* the generation it concerns, or UINT64_MAX */
    double exact;        /* the double closed form (NaN if none) */
    double exact_mp;     /* its MPFR twin, rounded to double (NaN if none) */
    double estimate;     /* Monte Carlo estimate (NaN if none) */
    double se, lo, hi;   /* its standard error and 95% interval */
    int reliable;        /* the estimate's reliability flag (1 if no estimate) */
    double bound;        /* a bound the item compares with (NaN if none) */
    double score;        /* MONTE_CARLO: z = (estimate - exact) / se; CERTIFY: the
                            error; EXACT: the margin by which it holds (< 0: fails) */
    double tolerance;    /* what score is compared with (z_crit for MONTE_CARLO) */
    int pass;
} refit_verify_item;

typedef struct refit_verify_check {
    const char *id;      /* "collapse-as": stable, used by --perturb and --only */
    const char *title;   /* one line */
    const char *source;  /* "Shumailov et al., Nature 631 (2024), Theorem 3.1, second claim" */
    const char *claim;   /* what the source claims, one or two sentences */
    const char *rule;    /* how the verdict is decided */
    const char *perturbation; /* what --perturb ID breaks */
    char params[REFIT_VERIFY_TEXT * 2]; /* the parameters used at this level */
    refit_verify_item *items; /* owned */
    size_t item_count;
    refit_status status; /* REFIT_OK, or what stopped the check (then pass = 0) */
    int perturbed;       /* 1 if this run broke it on purpose */
    int pass;
} refit_verify_check;

typedef struct refit_verify_config {
    refit_verify_level level;
    uint64_t seed;       /* Monte Carlo seed (default 20240724) */
    int threads;         /* OpenMP threads for the simulations (>= 1) */
    refit_isa isa;
    double alpha;        /* family-wise false-alarm probability (default 1e-3) */
    const char *const *only; /* run only these check ids (NULL: all) */
    size_t only_count;
    const char *perturb; /* id of the check to break on purpose, or NULL */
} refit_verify_config;

refit_verify_config refit_verify_config_default(void);

/* The ids of every check, in suite order (static storage). */
const char *const *refit_verify_ids(size_t *count);

typedef struct refit_verify_result {
    refit_verify_check *checks; /* owned, suite order (those selected) */
    size_t check_count;
    size_t mc_items;     /* N of the Bonferroni correction */
    double z_crit;
    int all_pass;
} refit_verify_result;

/* Progress: check index done of total (called between checks). */
typedef void (*refit_verify_progress_fn)(void *user, size_t done, size_t total, const char *id);

/* Run the suite.  REFIT_EINVAL for an unknown id in only/perturb or a bad
 * config; otherwise REFIT_OK even when checks fail (see all_pass). */
REFIT_WUR refit_status refit_verify_run(const refit_verify_config *config,
                                        refit_verify_progress_fn progress, void *user,
                                        refit_verify_result *out);
void refit_verify_result_free(refit_verify_result *result);

/* ---- data for the report's figures ------------------------------------ */

typedef struct refit_verify_series {
    char name[64];       /* "mc_q0.05", "exact_median", ... */
    size_t count;
    double *x, *y, *lo, *hi; /* owned; lo/hi NULL where there is no interval */
} refit_verify_series;

typedef struct refit_verify_figure {
    char id[32];         /* "fan", "w2", "histogram", "regimes" (file stem) */
    char title[128];
    char xlabel[64], ylabel[64];
    int logx, logy;
    char caption[REFIT_VERIFY_TEXT * 2]; /* what the reader should see */
    refit_verify_series *series; /* owned */
    size_t series_count;
} refit_verify_figure;

typedef struct refit_verify_figures {
    refit_verify_figure *figures;
    size_t count;
} refit_verify_figures;

/* The figures' data at the config's level (the same simulations as the
 * checks would use where they coincide):
 *   fan        sigma_n quantiles (5, 25, 50, 75, 95%) from Monte Carlo over n,
 *              with the exact quantiles, log scale
 *   w2         E W2^2 exact against Monte Carlo (importance sampling, with
 *              intervals) over n, unbiased and MLE
 *   histogram  ln sigma_n^2 / sigma^2 at one n: Monte Carlo bin frequencies
 *              against the exact bin probabilities (from the exact CDF)
 *   regimes    E sigma_n^2 and E (mu_n - mu)^2 under replace, accumulate and mix,
 *              exact and Monte Carlo */
REFIT_WUR refit_status refit_verify_figures_compute(const refit_verify_config *config,
                                                    refit_verify_figures *out);
void refit_verify_figures_free(refit_verify_figures *figures);

#ifdef __cplusplus
}
#endif

#endif /* REFIT_VERIFY_H */
