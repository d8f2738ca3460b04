/* MPFR reference functions shared by the test suites (independent of the
 * library code they check). */
#ifndef REFIT_TEST_MP_H
#define REFIT_TEST_MP_H

#include <mpfr.h>

/* out = ln P(a, z), the log of the regularised lower incomplete gamma
 * function, a > 0, z > 0, by the positive series
 *   P(a, z) = z^a e^-z / Gamma(a+1) sum_{k>=0} z^k / ((a+1)...(a+k)),
 * summed until the geometric bound on the remaining terms is below
 * 2^-(prec+8) of the sum (prec = out's precision; 32 guard bits inside).
 * Accurate in the deep lower tail; it needs about z terms, so callers use
 * it where z is not much beyond a (or accept the cost). */
void refit_test_mp_log_lower_gamma(mpfr_t out, const mpfr_t a, const mpfr_t z);

#endif /* REFIT_TEST_MP_H */
