/* Double-double elementary functions: exp, expm1, log, log1p, sqrt.
 * Constants come from dd_constants.h (generated with MPFR). */
#include <float.h>
#include <math.h>

#include "theory/dd.h"
#include "theory/dd_constants.h"

#define DD_C(table, i) dd_make(table[i][0], table[i][1])

/* expm1(r) for |r| <= ~0.35: reduce by 2^-10, Taylor to degree 9 (the
 * remainder is below 2^-130 relative), then undo the reduction with
 * expm1(2y) = expm1(y) (2 + expm1(y)), which keeps relative accuracy. */
static dd expm1_reduced(dd r)
{
    dd y = dd_ldexp(r, -10);
    dd p = DD_C(REFIT_DD_INV_FACT, 9);
    for (int j = 8; j >= 1; j--) p = dd_add(DD_C(REFIT_DD_INV_FACT, j), dd_mul(p, y));
    p = dd_mul(p, y);
    for (int i = 0; i < 10; i++) p = dd_mul(p, dd_add_d(p, 2.0));
    return p;
}

dd refit_dd_exp(dd x)
{
    if (isnan(x.hi)) return x;
    if (x.hi > 709.79) return dd_d(INFINITY);
    if (x.hi < -745.2) return dd_d(0.0);
    const dd ln2 = dd_make(REFIT_DD_LN2[0], REFIT_DD_LN2[1]);
    double k = nearbyint(x.hi / REFIT_DD_LN2[0]);
    dd r = dd_sub(x, dd_mul_d(ln2, k));
    dd p = dd_add_d(expm1_reduced(r), 1.0);
    /* Two steps so that 2^k never overflows an intermediate when k = 1024. */
    int ki = (int)k;
    return dd_ldexp(dd_ldexp(p, ki / 2), ki - ki / 2);
}

dd refit_dd_expm1(dd x)
{
    if (fabs(x.hi) < 0.34) return expm1_reduced(x);
    return dd_add_d(refit_dd_exp(x), -1.0);
}

dd refit_dd_log(dd x)
{
    if (!(x.hi > 0.0)) return dd_d(x.hi == 0.0 ? -INFINITY : NAN);
    if (isinf(x.hi)) return x;
    /* One Newton step on exp(y) = x from the libm guess doubles its ~53
     * correct bits: y1 = y0 + x exp(-y0) - 1. */
    double y0 = log(x.hi);
    dd t = dd_mul(x, refit_dd_exp(dd_d(-y0)));
    return dd_add(dd_d(y0), dd_add_d(t, -1.0));
}

dd refit_dd_log1p(dd x)
{
    if (fabs(x.hi) < 0.25) {
        /* log1p(x) = 2 atanh(s), s = x / (2 + x), |s| < 1/7: the series
         * 2 (s + s^3/3 + s^5/5 + ...) has no cancellation. */
        dd s = dd_div(x, dd_add_d(x, 2.0));
        dd s2 = dd_sqr(s);
        dd term = s, sum = s;
        for (int j = 1; j <= 30; j++) {
            term = dd_mul(term, s2);
            dd t = dd_mul(term, DD_C(REFIT_DD_INV_ODD, j));
            sum = dd_add(sum, t);
            if (fabs(t.hi) <= 0x1p-110 * fabs(sum.hi)) break;
        }
        return dd_ldexp(sum, 1);
    }
    return refit_dd_log(dd_add_d(x, 1.0));
}

dd refit_dd_sqrt(dd x)
{
    if (x.hi <= 0.0) return dd_d(x.hi == 0.0 ? 0.0 : NAN);
    /* Newton correction of the libm root: y + (x - y^2) / (2y). */
    double y = sqrt(x.hi);
    dd r = dd_sub(x, dd_two_prod(y, y));
    return dd_add_d(dd_d(y), r.hi / (2.0 * y));
}
