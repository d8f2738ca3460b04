/* Test helpers: errors in ulps against an MPFR reference, and the sweep
 * scale factor.  Shared by the Check suites. */
#ifndef REFIT_TEST_ULP_H
#define REFIT_TEST_ULP_H

#include <mpfr.h>

/* |x - ref| in units of the last place of ref rounded to double (the
 * spacing of doubles at |ref|; subnormal spacing below DBL_MIN).  Returns
 * +inf if x is NaN/inf while ref is finite, 0 if both are the same inf. */
double refit_test_ulp_error(double x, const mpfr_t ref);

/* |x - ref| / |ref| (absolute error when ref == 0). */
double refit_test_rel_error(double x, const mpfr_t ref);

/* REFIT_TEST_SCALE from the environment (a whole number >= 1, default 1):
 * multiplies sweep sizes for heavier runs. */
int refit_test_scale(void);

#endif
