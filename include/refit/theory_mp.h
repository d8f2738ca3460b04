/* refit: MPFR twins of the closed forms in refit/theory.h.
 *
 * Each twin is written independently of its double counterpart: from the
 * product and sum definitions, raw (non-rearranged) moment formulas and
 * MPFR's own special functions, evaluated with enough working precision
 * that their cancellations do not matter.  They are the reference the
 * double functions are certified against (tests/check_accuracy.c).
 *
 * Conventions: the result is written to `out` rounded to out's precision
 * (callers use >= 256 bits); internally a twin works with extra guard bits.
 * Domain errors return the same status as the double function and set out
 * to NaN.  A value beyond MPFR's exponent range (callers can widen it with
 * mpfr_set_emax(mpfr_get_emax_max()), as the tests do) gives REFIT_ERANGE.
 * Cost: twins loop over generations where the double code uses closed forms
 * for non-constant schedules; keep n <= 1e5 for POLY schedules in tests.
 */
#ifndef REFIT_THEORY_MP_H
#define REFIT_THEORY_MP_H

#include <stdint.h>

#include <mpfr.h>

#include "refit/model.h"
#include "refit/status.h"
#include "refit/theory.h"

#ifdef __cplusplus
extern "C" {
#endif

/* psi^{(k)}(x), k = 0..3, x > 0: digamma, trigamma, tetragamma, pentagamma
 * (MPFR has only digamma: the others come from the recurrence and the
 * asymptotic series with Bernoulli numbers). */
REFIT_WUR refit_status refit_mp_polygamma(mpfr_t out, int k, const mpfr_t x);

/* Twins of refit_theory_factor_moment / _log / c4 / factor_log_cumulant. */
REFIT_WUR refit_status refit_mp_factor_moment(mpfr_t out, double M, refit_estimator estimator,
                                              double r);
REFIT_WUR refit_status refit_mp_factor_moment_log(mpfr_t out, double M,
                                                  refit_estimator estimator, double r);
REFIT_WUR refit_status refit_mp_c4(mpfr_t out, double M);
REFIT_WUR refit_status refit_mp_factor_log_cumulant(mpfr_t out, double M,
                                                    refit_estimator estimator, int j);

/* Twin of refit_theory_quantity (the value itself, never a log: MPFR does
 * not overflow).  REFIT_EINVAL where refit_theory_has() is 0. */
REFIT_WUR refit_status refit_mp_quantity(mpfr_t out, const refit_model *model, uint64_t n,
                                         refit_quantity quantity);

/* Twin of refit_theory_var_moment. */
REFIT_WUR refit_status refit_mp_var_moment(mpfr_t out, const refit_model *model, uint64_t n,
                                           double r);

/* Twins of the mix regime's threshold and fixed point. */
REFIT_WUR refit_status refit_mp_mix_lambda_star(mpfr_t out, double M, refit_estimator estimator);
REFIT_WUR refit_status refit_mp_mix_fixed_point(mpfr_t var_mean, mpfr_t mean_mse,
                                                const refit_model *model);

#ifdef __cplusplus
}
#endif

#endif /* REFIT_THEORY_MP_H */
