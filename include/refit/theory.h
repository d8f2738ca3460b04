/* refit: closed forms for the recursively refitted Gaussian, in double.
 *
 * Notation (see proofs/ and ../shared/theory-notes.md): generation i draws
 * M_i samples, k_i = M_i - 1, a_i = k_i / 2, D_i = k_i (unbiased) or M_i
 * (MLE).  sigma_{i+1}^2 = sigma_i^2 q_i with q_i = Q_i / D_i, Q_i ~ chi^2_{k_i};
 * m_i(r) = E[q_i^r] = (2/D_i)^r Gamma(a_i + r) / Gamma(a_i).
 * "After n refits" means generation n; n = 0 is the truth.
 *
 * Accuracy (measured, see docs/accuracy.md): single-generation functions are
 * within 4 ulp of the exact value; n-generation compounds within 1e-13
 * relative error, for sample sizes 2 .. 1e12 and n up to 1e7 and beyond.
 * They achieve this by working in double-double arithmetic internally, with
 * every difference of nearly equal quantities rewritten as a series or an
 * expm1/log1p form (the derivations say which).
 *
 * Every function returns a status and writes its result through the last
 * pointer; on failure the result is NaN.  Quantities that can overflow or
 * underflow double have a _log variant returning the natural logarithm; the
 * plain function then returns REFIT_ERANGE instead of inf or 0.
 *
 * Generation counts n range over 0 .. 2^53 (REFIT_EDOM beyond).
 * Cost: O(1) (or O(log n)) for constant schedules, O(n) for polynomial ones,
 * O(count + log n) for lists; when O(n), about 0.2-1.5 us per generation per
 * quantity (refit_theory_row shares that work across quantities).
 */
#ifndef REFIT_THEORY_H
#define REFIT_THEORY_H

#include <stdint.h>

#include "refit/model.h"
#include "refit/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- one generation, sample size M (a whole number >= 2) -------------- */

/* m(r) = E[q^r], r > -a = -(M-1)/2.  log variant: ln m(r). */
REFIT_WUR refit_status refit_theory_factor_moment(double M, refit_estimator estimator, double r,
                                                  double *out);
REFIT_WUR refit_status refit_theory_factor_moment_log(double M, refit_estimator estimator,
                                                      double r, double *out);

/* c4(M) = E[s] / sigma for the unbiased sample standard deviation s,
 * = m(1/2) under the unbiased estimator. */
REFIT_WUR refit_status refit_theory_c4(double M, double *out);

/* j-th cumulant of ln q, j = 1..4: kappa_1 = psi(a) + ln(2/D) (the drift,
 * always < 0), kappa_j = psi^{(j-1)}(a) for j >= 2. */
REFIT_WUR refit_status refit_theory_factor_log_cumulant(double M, refit_estimator estimator,
                                                        int j, double *out);

/* ---- n generations ------------------------------------------------------
 * The quantities of DESIGN.md section 5, in the order the CLI prints them. */
typedef enum refit_quantity {
    REFIT_Q_VAR_MEAN = 0, /* E[sigma_n^2]                                      */
    REFIT_Q_VAR_VAR,      /* Var[sigma_n^2]                                    */
    REFIT_Q_SD_MEAN,      /* E[sigma_n]                                        */
    REFIT_Q_LOGVAR_MEAN,  /* E[ln sigma_n^2]                                   */
    REFIT_Q_LOGVAR_VAR,   /* Var[ln sigma_n^2]                                 */
    REFIT_Q_LOGVAR_K3,    /* third cumulant of ln sigma_n^2                    */
    REFIT_Q_LOGVAR_K4,    /* fourth cumulant of ln sigma_n^2                   */
    REFIT_Q_MEAN_MSE,     /* E[(mu_n - mu)^2]                                  */
    REFIT_Q_MARGINAL_VAR, /* Var[X^n_j], a generation-n sample                 */
    REFIT_Q_W2SQ_MEAN,    /* E[W2^2(N(mu_n, sigma_n^2), N(mu, sigma^2))]        */
    REFIT_Q_W2SQ_VAR,     /* Var of the same                                   */
    REFIT_Q_W2SQ_LOWER,   /* E[(mu_n - mu)^2], a lower bound on E W2^2 for any D0 */
    REFIT_Q_COUNT
} refit_quantity;

/* "var_mean", "var_var", ... (NULL for an unknown quantity). */
const char *refit_quantity_name(refit_quantity quantity);

/* 1 if the quantity has a closed form for this model's regime, else 0.
 * replace: all; accumulate and mix: var_mean, mean_mse, marginal_var,
 * w2sq_lower. */
int refit_theory_has(const refit_model *model, refit_quantity quantity);

/* 1 if the quantity can be negative (the _log variant does not apply):
 * logvar_mean and logvar_k3. */
int refit_quantity_signed(refit_quantity quantity);

/* The quantity after n refits.  REFIT_EINVAL if the regime has no closed
 * form for it, REFIT_ERANGE if it is not representable (use _log). */
REFIT_WUR refit_status refit_theory_quantity(const refit_model *model, uint64_t n,
                                             refit_quantity quantity, double *out);
/* ln of the quantity; REFIT_EINVAL for the signed quantities. */
REFIT_WUR refit_status refit_theory_quantity_log(const refit_model *model, uint64_t n,
                                                 refit_quantity quantity, double *out);

/* Every quantity after n refits in one pass over the generations (the sums
 * over generations are shared: on O(n) schedules this is several times
 * faster than one refit_theory_quantity call per quantity).  values[q] and
 * status[q] are what refit_theory_quantity would give -- or, with want_log,
 * refit_theory_quantity_log for the unsigned quantities and the plain value
 * for the signed ones; status[q] = REFIT_EINVAL where the regime has no
 * closed form.  Returns REFIT_OK, or the error that stopped the whole row
 * (invalid model or n, a schedule size out of range: every status set to it). */
REFIT_WUR refit_status refit_theory_row(const refit_model *model, uint64_t n, int want_log,
                                        double values[REFIT_Q_COUNT],
                                        refit_status status[REFIT_Q_COUNT]);

/* E[sigma_n^{2r}] for any real r > -min_i a_i (REFIT_EDOM otherwise). */
REFIT_WUR refit_status refit_theory_var_moment(const refit_model *model, uint64_t n, double r,
                                               double *out);
REFIT_WUR refit_status refit_theory_var_moment_log(const refit_model *model, uint64_t n, double r,
                                                   double *out);

/* Named shorthands for refit_theory_quantity / _log. */
REFIT_WUR refit_status refit_theory_var_mean(const refit_model *model, uint64_t n, double *out);
REFIT_WUR refit_status refit_theory_var_var(const refit_model *model, uint64_t n, double *out);
REFIT_WUR refit_status refit_theory_sd_mean(const refit_model *model, uint64_t n, double *out);
REFIT_WUR refit_status refit_theory_logvar_mean(const refit_model *model, uint64_t n, double *out);
REFIT_WUR refit_status refit_theory_logvar_var(const refit_model *model, uint64_t n, double *out);
REFIT_WUR refit_status refit_theory_mean_mse(const refit_model *model, uint64_t n, double *out);
REFIT_WUR refit_status refit_theory_marginal_var(const refit_model *model, uint64_t n,
                                                 double *out);
REFIT_WUR refit_status refit_theory_w2sq_mean(const refit_model *model, uint64_t n, double *out);
REFIT_WUR refit_status refit_theory_w2sq_var(const refit_model *model, uint64_t n, double *out);
REFIT_WUR refit_status refit_theory_w2sq_lower(const refit_model *model, uint64_t n, double *out);

/* ---- the mix regime's long-run behaviour ---------------------------------
 * Stability threshold: the recursion for (E (mu_t-mu)^2, E sigma_t^2)
 * converges iff lambda > lambda*.  Unbiased: lambda* = 1 - sqrt(1 - 1/M);
 * MLE: lambda* = 0 (every lambda in (0,1] converges). */
REFIT_WUR refit_status refit_theory_mix_lambda_star(double M, refit_estimator estimator,
                                                    double *out);
/* The fixed point (var_mean, mean_mse) of a mix model with a constant
 * schedule; REFIT_EDOM if lambda <= lambda* (no fixed point is reached). */
REFIT_WUR refit_status refit_theory_mix_fixed_point(const refit_model *model, double *var_mean,
                                                    double *mean_mse);

#ifdef __cplusplus
}
#endif

#endif /* REFIT_THEORY_H */
