/* refit: the Monte Carlo engine.
 *
 * K independent chains of the recursion (any schedule, estimator and regime
 * of refit_model), and for each reported generation n an estimate of every
 * quantity `refit theory` computes, each with a standard error, a 95%
 * interval and a flag that says whether the interval can be trusted.
 *
 * Two ways to draw a generation (refit_sim_mode):
 *   EXACT   the sufficient statistics (sample mean, sum of squares) drawn
 *           directly: O(1) per chain and generation; Gaussian D0 only.
 *   SAMPLE  every sample drawn (the fused SIMD kernel); generation 0 may
 *           come from a non-Gaussian D0 (refit_init_law).
 *
 * Chain state, in standardised form so that 1e6 generations never underflow:
 *   d  = (mu_n - mu) / sigma,   lv = ln(sigma_n^2 / sigma^2)
 * (accumulate adds the pooled mean and sum of squares of all batches).
 * For d-dimensional chains (a later issue) the state becomes (d vector,
 * log-Cholesky factor) behind the same per-chain record interface; the
 * engine's loops over blocks, generations and replicas do not change.
 *
 * Estimators (docs/simulate.md, proofs/11-monte-carlo.md):
 *   log-scale quantities   plain means and variances
 *   quantiles, median      order statistics, distribution-free binomial intervals
 *   collapse_prob          a proportion, Wilson interval
 *   moments of sigma_n^2, the mean error and W2  (heavy-tailed at n >~ M)
 *                          importance sampling (default): separate replicas of
 *                          the chains whose chi-square draws are tilted by
 *                          q^r (EXACT: exact for E sigma_n^{2r} under replace)
 *                          or whose samples are scaled (SAMPLE), weighted by
 *                          the likelihood ratio (replace regime); plain means
 *                          under accumulate and mix (no collapse: the tilted
 *                          chains would drift off) or with importance off.
 *   reliability            a generalized Pareto fit to the largest terms of
 *                          each mean (k-hat); an interval is trusted only if
 *                          k-hat + 2 se(k-hat) < 1/2 (< 1/4 for variances)
 *                          and K >= 30.
 *
 * Reproducibility: every random number is a pure function of (seed, stream,
 * chain, generation, index) (kernels.h), per-chain results never depend on
 * the thread or the ISA, and every reduction runs in chain order, so the
 * result is bitwise the same for any thread count, ISA and restart point.
 * Replica rho (0 plain, 1..3 importance) uses counter chain word
 * rho 2^30 + chain, hence K <= 2^30.
 */
#ifndef REFIT_SIM_H
#define REFIT_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "refit/kernels.h"
#include "refit/model.h"
#include "refit/status.h"
#include "refit/theory.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- generation-0 laws (SAMPLE mode) ------------------------------------ */

typedef enum refit_init_kind {
    REFIT_INIT_NORMAL = 0,  /* N(mu, sigma^2) */
    REFIT_INIT_STUDENT = 1, /* Student t with nu > 2 degrees of freedom, scaled to sd sigma */
    REFIT_INIT_LAPLACE = 2, /* Laplace with sd sigma */
    REFIT_INIT_UNIFORM = 3, /* uniform on mu +- sigma sqrt(3) */
    REFIT_INIT_MIX2 = 4,    /* w N(mu1, sd1^2) + (1-w) N(mu2, sd2^2): its own mean and sd */
    REFIT_INIT_DATA = 5     /* given values: generation 0 is exactly these data; D0 is
                               their empirical law (its own mean and sd) */
} refit_init_kind;

typedef struct refit_init_law {
    refit_init_kind kind;
    double nu;                         /* STUDENT: finite, > 2 */
    double w, mu1, sd1, mu2, sd2;      /* MIX2: 0 < w < 1, finite means, sd > 0 */
    const double *data;                /* DATA: borrowed, count >= 2 finite values, not all equal */
    size_t count;
} refit_init_law;

/* The Gaussian law (the default). */
refit_init_law refit_init_law_normal(void);

/* REFIT_OK, REFIT_EDOM (a parameter outside its range) or REFIT_EINVAL. */
REFIT_WUR refit_status refit_init_law_validate(const refit_init_law *law);

/* The truth: mean and standard deviation of D0.  NORMAL, STUDENT, LAPLACE
 * and UNIFORM take them from model->mu and model->sigma; MIX2 and DATA
 * define their own (population sd of the data: divisor count). */
REFIT_WUR refit_status refit_init_law_truth(const refit_init_law *law, const refit_model *model,
                                            double *mean, double *sd);

/* c = E[Z G^{-1}(Phi(Z))], Z ~ N(0,1), G the standardised law of D0
 * (mean 0, sd 1): the comonotone coupling constant of W2, so that
 *   W2^2(N(m, s^2), D0) = (m - mean)^2 + s^2 + sd^2 - 2 s sd c.
 * c = 1 for NORMAL, sqrt(3/pi) for UNIFORM; 0 < c <= 1. */
REFIT_WUR refit_status refit_init_law_w2_coupling(const refit_init_law *law, double *c);

/* count iid standardised draws (x - mean) / sd from D0, index first ..
 * first+count-1 of (seed, REFIT_STREAM_INIT, chain, generation); DATA draws
 * uniformly from the data (with replacement).  A pure function of its
 * arguments (bitwise identical for every isa).  first + count <= 2^26. */
REFIT_WUR refit_status refit_init_law_draw(const refit_init_law *law, refit_isa isa,
                                           uint64_t seed, uint32_t chain, uint32_t generation,
                                           uint64_t first, size_t count, double *out);

/* The standardised CDF of D0 at x (for tests). */
REFIT_WUR refit_status refit_init_law_cdf(const refit_init_law *law, double x, double *out);

/* ---- configuration ------------------------------------------------------ */

typedef enum refit_sim_mode {
    REFIT_SIM_EXACT = 0, /* sufficient statistics drawn directly (Gaussian D0) */
    REFIT_SIM_SAMPLE = 1 /* every sample drawn */
} refit_sim_mode;

/* Limits. */
#define REFIT_SIM_CHAINS_MAX (UINT64_C(1) << 30)
#define REFIT_SIM_GENERATION_MAX UINT64_C(4294967295) /* a 32-bit counter word */
#define REFIT_SIM_SAMPLE_SIZE_MAX 4294967296.0        /* SAMPLE mode: the fused kernel's M */
#define REFIT_SIM_QUANTILES_MAX 64

typedef struct refit_sim_config {
    refit_model model;
    refit_sim_mode mode;
    refit_init_law init;      /* SAMPLE: any law; EXACT: NORMAL only */
    uint64_t chains;          /* K, 2 .. REFIT_SIM_CHAINS_MAX */
    uint64_t seed;
    int threads;              /* OpenMP threads, >= 1 (results do not depend on it) */
    refit_isa isa;            /* kernels' ISA (results do not depend on it) */
    const uint64_t *at;       /* reported generations, strictly increasing, <= GENERATION_MAX */
    size_t at_count;          /* >= 1 */
    double eps;               /* collapse_prob: P(sigma_n^2 <= eps sigma^2); 0 = not wanted */
    const double *quantiles;  /* p in (0, 1), distinct, at most REFIT_SIM_QUANTILES_MAX */
    size_t quantile_count;
    int importance;           /* 1 (default): importance-sampling replicas for the moments
                                 (replace regime; ignored under accumulate and mix) */
} refit_sim_config;

/* Defaults: refit_model_default(), EXACT, normal D0, K = 1000, seed 1,
 * 1 thread, refit_isa_best(), no generations (at must be set), importance on. */
refit_sim_config refit_sim_config_default(void);

/* REFIT_OK, or REFIT_EDOM / REFIT_EINVAL naming no field (the CLI checks
 * each option itself and says which). Mix needs a constant schedule with
 * lambda M whole (to 1e-9 M); SAMPLE needs M_i <= REFIT_SIM_SAMPLE_SIZE_MAX. */
REFIT_WUR refit_status refit_sim_config_validate(const refit_sim_config *config);

/* ---- estimates ---------------------------------------------------------- */

typedef enum refit_sim_method {
    REFIT_SIM_METHOD_NONE = 0,       /* not estimated (status != REFIT_OK) */
    REFIT_SIM_METHOD_MEAN = 1,       /* plain mean / variance over chains */
    REFIT_SIM_METHOD_IMPORTANCE = 2, /* importance-sampling replicas */
    REFIT_SIM_METHOD_ORDER = 3,      /* order statistic, binomial interval */
    REFIT_SIM_METHOD_PROPORTION = 4  /* proportion, Wilson interval */
} refit_sim_method;

typedef struct refit_sim_estimate {
    refit_status status;     /* REFIT_OK, or REFIT_EINVAL: not estimated for this config */
    refit_sim_method method;
    double value;            /* in the model's units (sigma^2 for var_*, ...) */
    double se;               /* standard error */
    double lo, hi;           /* 95% interval */
    double log_value, log_lo, log_hi; /* ln of the above (NaN for signed quantities;
                                         -inf for a bound <= 0); finite even where
                                         value overflows or underflows */
    int reliable;            /* 1 if the interval can be trusted (see the top comment) */
    double tail_shape;       /* k-hat of the terms (the largest of those combined); NaN if none */
} refit_sim_estimate;

typedef struct refit_sim_row {
    uint64_t n;
    refit_sim_estimate quantity[REFIT_Q_COUNT]; /* LOGVAR_K3, LOGVAR_K4: not estimated */
    refit_sim_estimate median;                  /* var_median */
    refit_sim_estimate quantile[REFIT_SIM_QUANTILES_MAX]; /* var_q<p>, config order */
    refit_sim_estimate collapse_prob;           /* when eps > 0 */
} refit_sim_row;

typedef struct refit_sim_result {
    size_t row_count;      /* = at_count */
    refit_sim_row *rows;   /* owned */
    double truth_mean, truth_sd; /* of D0 */
    double w2_coupling;    /* c of refit_init_law_w2_coupling */
    uint64_t chains;
} refit_sim_result;

void refit_sim_result_free(refit_sim_result *result);

/* ---- running ------------------------------------------------------------ */

typedef struct refit_sim refit_sim; /* opaque: a copy of the config and the per-chain records */

/* Allocates everything up front: REFIT_ENOMEM if the records
 * (K x at_count x replicas x 32 bytes) do not fit. */
REFIT_WUR refit_status refit_sim_create(const refit_sim_config *config, refit_sim **out);
void refit_sim_free(refit_sim *sim);

/* Called between waves of chain blocks, from the calling thread: chains
 * done so far of the total.  Return nonzero to stop (like *cancel). */
typedef int (*refit_sim_progress_fn)(void *user, uint64_t chains_done, uint64_t chains_total);

/* Simulate every chain block not yet done.  progress may be NULL; cancel
 * may be NULL, else it is polled between waves and inside long blocks (a
 * signal handler may set it).  Returns REFIT_OK when every chain is done,
 * REFIT_ECANCELED when stopped early (the blocks finished so far are kept:
 * save a checkpoint, or call again to continue). */
REFIT_WUR refit_status refit_sim_run(refit_sim *sim, refit_sim_progress_fn progress, void *user,
                                     const volatile int *cancel);

/* Chains done so far. */
uint64_t refit_sim_chains_done(const refit_sim *sim);

/* The estimates; REFIT_EINVAL until every chain is done. */
REFIT_WUR refit_status refit_sim_result_get(const refit_sim *sim, refit_sim_result *out);

/* The K values ln(sigma_n^2 / sigma^2) of the plain chains at reported
 * generation at[t], in chain order (for histograms); REFIT_EINVAL until
 * every chain is done or for t >= at_count. */
REFIT_WUR refit_status refit_sim_log_var_values(const refit_sim *sim, size_t t, double *out);

/* Checkpoints: the finished blocks' records plus a fingerprint of the
 * config, written to path.tmp, fsync'ed and renamed over path (atomic: a
 * kill at any moment leaves the old file or the new one, never a torn one).
 * load: REFIT_EIO (unreadable, truncated, corrupt: checksum), REFIT_EINVAL
 * (a checkpoint of another configuration). */
REFIT_WUR refit_status refit_sim_checkpoint_save(const refit_sim *sim, const char *path);
REFIT_WUR refit_status refit_sim_checkpoint_load(refit_sim *sim, const char *path);

/* One-call convenience: create, run to the end, get the result, free. */
REFIT_WUR refit_status refit_sim_estimate_all(const refit_sim_config *config,
                                              refit_sim_result *out);

#ifdef __cplusplus
}
#endif

#endif /* REFIT_SIM_H */
