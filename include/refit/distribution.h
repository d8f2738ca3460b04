/* refit: the distribution of the fitted variance (replace regime).
 *
 * L_n = ln(sigma_n^2 / sigma^2) = sum_{i<n} ln q_i is a sum of independent
 * log-scaled chi-square variables with cumulant generating function
 *     K(s) = sum_{i<n} [ s ln(k_i/D_i) + lnGamma(a_i + s) - lnGamma(a_i) - s ln a_i ]
 * (a_i = k_i/2; proofs/09-distribution.md), analytic for Re s > -min a_i.
 * The CDF comes from inverting the characteristic function exp(K(it)):
 * Gil-Pelaez's formula applied to the exponentially tilted law (the
 * integration line moved to Re s = c, c near the saddlepoint), which keeps
 * relative accuracy in the tails; a trapezoidal rule with a proven
 * discretisation bound evaluates it.
 *
 * Scope: replace regime, any schedule, both estimators.  Accumulate and mix
 * give REFIT_EINVAL (sigma_n^2 is not a product of independent factors
 * there).  n = 0 is the truth (L_0 = 0, a point mass).  Cost O(number of
 * runs of equal sizes) per evaluation of K, times a few hundred nodes.
 *
 * Accuracy targets (measured by tests/check_distribution.c against the MPFR
 * twin in refit/distribution_mp.h): CDF absolute error <= 1e-12; log-CDF and
 * log-survival relative error <= 1e-12 down to probabilities of 1e-300;
 * quantiles of L_n to 1e-10 relative (absolute when |x| < 1).
 */
#ifndef REFIT_DISTRIBUTION_H
#define REFIT_DISTRIBUTION_H

#include <stdint.h>

#include "refit/model.h"
#include "refit/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* K(s), K'(s), K''(s) at real s > -min a_i (any pointer may be NULL). */
REFIT_WUR refit_status refit_dist_cgf(const refit_model *model, uint64_t n, double s, double *K,
                                      double *K1, double *K2);

/* P(L_n <= x), its logarithm, and ln P(L_n > x).  For n = 0, L_0 = 0. */
REFIT_WUR refit_status refit_dist_cdf(const refit_model *model, uint64_t n, double x, double *out);
REFIT_WUR refit_status refit_dist_log_cdf(const refit_model *model, uint64_t n, double x,
                                          double *out);
REFIT_WUR refit_status refit_dist_log_sf(const refit_model *model, uint64_t n, double x,
                                         double *out);

/* The p-quantile of L_n, 0 < p < 1 (REFIT_EDOM otherwise); n >= 1. */
REFIT_WUR refit_status refit_dist_quantile(const refit_model *model, uint64_t n, double p,
                                           double *x);

/* Lugannani-Rice saddlepoint approximation of P(L_n <= x): a fast
 * alternative (its error is tabulated in docs/distribution.md). */
REFIT_WUR refit_status refit_dist_saddlepoint_cdf(const refit_model *model, uint64_t n, double x,
                                                  double *out);

/* Rigorous Chernoff bounds, optimised over the tilt s (proofs/10-bounds-and-collapse-time.md):
 *   ln P(L_n >= x) <= inf_{s>0} [K(s) - s x]     (x above the mean of L_n)
 *   ln P(L_n <= x) <= inf_{s<0} [K(s) - s x]     (x below the mean)
 * The log of the bound is written (0 where the bound is trivial). */
REFIT_WUR refit_status refit_dist_chernoff_upper_log(const refit_model *model, uint64_t n,
                                                     double x, double *out);
REFIT_WUR refit_status refit_dist_chernoff_lower_log(const refit_model *model, uint64_t n,
                                                     double x, double *out);

/* Markov: P(sigma_n >= t sigma) <= E[sigma_n] / (t sigma), t > 0 (capped at 1). */
REFIT_WUR refit_status refit_dist_markov_sd(const refit_model *model, uint64_t n, double t,
                                            double *out);

/* Collapse time tau_eps = min{n : sigma_n^2 <= eps sigma^2}, 0 < eps < 1,
 * constant schedule (REFIT_EINVAL otherwise).  Bounds on E tau_eps:
 * Wald's identity gives lower = ln(1/eps) / |delta| (delta = E ln q < 0);
 * an overshoot bound (Lorden's inequality) gives upper.
 * P(tau_eps <= n) >= P(L_n <= ln eps) = refit_dist_cdf(.., ln eps, ..). */
REFIT_WUR refit_status refit_dist_collapse_time(const refit_model *model, double eps,
                                                double *lower, double *upper);

#ifdef __cplusplus
}
#endif

#endif /* REFIT_DISTRIBUTION_H */
