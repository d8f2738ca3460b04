/* refit: MPFR twins of refit/distribution.h.
 *
 * Written independently of the double code: the complex log-gamma is built
 * from the recurrence (shifts) and the Stirling series with exact Bernoulli
 * numbers on pairs of mpfr_t, and the inversion integral uses a different
 * quadrature.  Results are rounded to out's precision (callers use >= 128
 * bits); the working precision carries guard bits and the tests confirm it by
 * recomputing at a higher one.
 */
#ifndef REFIT_DISTRIBUTION_MP_H
#define REFIT_DISTRIBUTION_MP_H

#include <stdint.h>

#include <mpfr.h>

#include "refit/model.h"
#include "refit/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* lnGamma(z) for complex z = (re, im) off the poles (the analytic
 * continuation from the positive real axis; im part continuous along
 * horizontal lines).  Results rounded to the precision of out_re/out_im. */
REFIT_WUR refit_status refit_mp_complex_lgamma(mpfr_t out_re, mpfr_t out_im, const mpfr_t re,
                                               const mpfr_t im);

/* Twins of refit_dist_cgf (K only), refit_dist_cdf, refit_dist_log_cdf,
 * refit_dist_log_sf and refit_dist_quantile. */
REFIT_WUR refit_status refit_mp_dist_cgf(mpfr_t out, const refit_model *model, uint64_t n,
                                         const mpfr_t s);
REFIT_WUR refit_status refit_mp_dist_cdf(mpfr_t out, const refit_model *model, uint64_t n,
                                         const mpfr_t x);
REFIT_WUR refit_status refit_mp_dist_log_cdf(mpfr_t out, const refit_model *model, uint64_t n,
                                             const mpfr_t x);
REFIT_WUR refit_status refit_mp_dist_log_sf(mpfr_t out, const refit_model *model, uint64_t n,
                                            const mpfr_t x);
REFIT_WUR refit_status refit_mp_dist_quantile(mpfr_t out, const refit_model *model, uint64_t n,
                                              const mpfr_t p);

#ifdef __cplusplus
}
#endif

#endif /* REFIT_DISTRIBUTION_MP_H */
