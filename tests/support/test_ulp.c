#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "test_ulp.h"

double refit_test_ulp_error(double x, const mpfr_t ref)
{
    if (mpfr_nan_p(ref)) return isnan(x) ? 0.0 : INFINITY;
    if (mpfr_inf_p(ref)) return (isinf(x) && (x > 0) == (mpfr_sgn(ref) > 0)) ? 0.0 : INFINITY;
    if (!isfinite(x)) return INFINITY;
    mpfr_t d;
    mpfr_init2(d, mpfr_get_prec(ref) + 64);
    mpfr_sub_d(d, ref, x, MPFR_RNDN);
    mpfr_abs(d, d, MPFR_RNDN);
    double r = fabs(mpfr_get_d(ref, MPFR_RNDN));
    double ulp;
    if (r < DBL_MIN) {
        ulp = ldexp(1.0, -1074);
    } else {
        int e;
        frexp(r, &e); /* r = f 2^e, f in [0.5, 1): ulp = 2^(e-53) */
        ulp = ldexp(1.0, e - 53);
    }
    double err = mpfr_get_d(d, MPFR_RNDU) / ulp;
    mpfr_clear(d);
    return err;
}

double refit_test_rel_error(double x, const mpfr_t ref)
{
    if (!isfinite(x)) return INFINITY;
    mpfr_t d;
    mpfr_init2(d, mpfr_get_prec(ref) + 64);
    mpfr_sub_d(d, ref, x, MPFR_RNDN);
    if (!mpfr_zero_p(ref)) mpfr_div(d, d, ref, MPFR_RNDN);
    double err = fabs(mpfr_get_d(d, MPFR_RNDU));
    mpfr_clear(d);
    return err;
}

int refit_test_scale(void)
{
    const char *s = getenv("REFIT_TEST_SCALE");
    if (!s || !*s) return 1;
    char *end;
    long v = strtol(s, &end, 10);
    return (*end == '\0' && v >= 1 && v <= 1000) ? (int)v : 1;
}
