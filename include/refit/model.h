/* refit: the model of a recursively refitted Gaussian (1-D).
 *
 * Generation i = 0, 1, ... draws M_i samples from N(mu_i, sigma_i^2), with
 * (mu_0, sigma_0) = (mu, sigma) the truth, and refits the next generation's
 * mean and variance from them.  The model below says how many samples each
 * generation draws (the schedule), how the variance is refitted (the
 * estimator) and what data the fit sees (the regime).
 */
#ifndef REFIT_MODEL_H
#define REFIT_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "refit/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Variance estimator: the sum of squared deviations divided by D. */
typedef enum refit_estimator {
    REFIT_ESTIMATOR_UNBIASED = 0, /* D = M - 1 */
    REFIT_ESTIMATOR_MLE = 1       /* D = M     */
} refit_estimator;

/* Which data generation n+1 is fitted on. */
typedef enum refit_regime {
    REFIT_REGIME_REPLACE = 0,    /* only the M_n samples drawn from model n (the paper's setting) */
    REFIT_REGIME_ACCUMULATE = 1, /* all batches 0..n, batch 0 real (Gerstgrasser et al.) */
    REFIT_REGIME_MIX = 2         /* lambda M fresh real samples plus (1-lambda) M from model n */
} refit_regime;

typedef enum refit_schedule_kind {
    REFIT_SCHEDULE_CONST = 0, /* M_i = M                                    */
    REFIT_SCHEDULE_POLY = 1,  /* M_i = round(M0 (i+1)^alpha), ties away from 0 */
    REFIT_SCHEDULE_LIST = 2   /* M_i = sizes[min(i, count-1)]: the last size repeats */
} refit_schedule_kind;

/* Sample sizes are whole numbers in [2, REFIT_SIZE_MAX]: beyond 2^53 the
 * integers M and M-1 are no longer distinct doubles. */
#define REFIT_SIZE_MAX 9007199254740992.0

typedef struct refit_schedule {
    refit_schedule_kind kind;
    double M;            /* CONST: the sample size; POLY: M0 (> 0) */
    double alpha;        /* POLY: the growth exponent (finite, >= 0) */
    const double *sizes; /* LIST: borrowed array of count >= 1 whole numbers */
    size_t count;
} refit_schedule;

typedef struct refit_model {
    refit_schedule schedule;
    refit_estimator estimator;
    refit_regime regime;
    double lambda; /* MIX only: fraction of fresh samples per generation, in (0, 1] */
    double mu;     /* true mean, finite */
    double sigma;  /* true standard deviation, finite and > 0 */
} refit_model;

/* M = 100 constant, unbiased estimator, replace regime, mu = 0, sigma = 1. */
refit_model refit_model_default(void);

/* A constant schedule of size M (not validated; see refit_model_validate). */
refit_schedule refit_schedule_const(double M);

/* REFIT_OK when every field is in its domain, REFIT_EDOM otherwise (a size
 * that is not a whole number in [2, REFIT_SIZE_MAX], sigma <= 0, lambda
 * outside (0,1], a non-finite value), REFIT_EINVAL for a NULL pointer, an
 * unknown enum value, or a regime that needs a constant schedule
 * (accumulate).  POLY schedules are checked lazily: a size above
 * REFIT_SIZE_MAX at generation i is reported by the call that reaches i. */
REFIT_WUR refit_status refit_model_validate(const refit_model *model);

/* M_i, the sample size generation i draws. REFIT_EDOM if it falls outside
 * [2, REFIT_SIZE_MAX]. */
REFIT_WUR refit_status refit_schedule_size(const refit_schedule *schedule, uint64_t i, double *size);

/* 1 when every generation has the same size (CONST, POLY with alpha = 0,
 * LIST of one value), 0 otherwise. */
int refit_schedule_is_constant(const refit_schedule *schedule);

#ifdef __cplusplus
}
#endif

#endif /* REFIT_MODEL_H */
