/* Internal interfaces of theory/: special functions in double-double and
 * the per-generation building blocks shared by the regimes. */
#ifndef REFIT_THEORY_INTERNAL_H
#define REFIT_THEORY_INTERNAL_H

#include <stdint.h>

#include "refit/model.h"
#include "refit/status.h"
#include "theory/dd.h"

/* Below this argument the special functions first shift x up by the
 * recurrence; above it the asymptotic series converge to ~2^-110. */
#define REFIT_ASYMPTOTIC_MIN 32.0

/* excess(a, r) = lnGamma(a + r) - lnGamma(a) - r ln a, for a > 0, a + r > 0.
 * Relative accuracy better than 1e-20 (measured; the leading terms are in
 * double-double, the small series tails in double), also near its zeros
 * r = 0 and r = 1. */
dd refit_lgamma_excess(double a, double r);

/* psi(a) - ln a, a > 0 (negative for every a). */
dd refit_digamma_minus_log(double a);

/* psi^{(k)}(x), k = 1, 2, 3, x > 0. */
dd refit_polygamma_dd(int k, double x);

/* One generation of size M under an estimator. */
typedef struct refit_gen {
    double M, k, a, D;
    dd ln_k_over_D; /* ln(k/D): 0 (unbiased) or log1p(-1/M) (MLE) */
} refit_gen;

refit_gen refit_gen_make(double M, refit_estimator estimator);

/* ln m(r) = r ln(k/D) + excess(a, r); requires r > -a. */
dd refit_gen_log_moment(const refit_gen *g, double r);

/* 1 if M is a valid sample size (whole number in [2, REFIT_SIZE_MAX]). */
int refit_size_ok(double M);

/* Runs of equal sample sizes in generations [0, n): the n-generation
 * closed forms work one run at a time, so constant schedules cost O(1)
 * and lists O(count). */
typedef struct refit_runs {
    const refit_schedule *schedule;
    uint64_t next; /* first generation not yet returned */
    uint64_t n;
} refit_runs;

refit_runs refit_runs_begin(const refit_schedule *schedule, uint64_t n);
/* 1 and (*M, *len) for the next run; 0 when exhausted (or on error, with
 * *status set to the error; *status is REFIT_OK otherwise). */
int refit_runs_next(refit_runs *runs, double *M, uint64_t *len, refit_status *status);

/* Convert a log-scale result to a plain double: REFIT_ERANGE when exp(ln)
 * overflows or falls below DBL_MIN (a subnormal would lose precision). */
refit_status refit_exp_result(dd ln, double *out);

#endif /* REFIT_THEORY_INTERNAL_H */
