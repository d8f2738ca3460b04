/* Double-double arithmetic: a value is hi + lo with |lo| <= ulp(hi)/2,
 * about 106 significant bits.  Internal to theory/.
 *
 * Why: the n-generation closed forms are exp() of sums of n logarithms and
 * alternating combinations of moments whose O(1) parts cancel.  Working in
 * double-double and rounding once at the end keeps 1e-13 relative accuracy
 * where plain double would lose n*eps or all digits.
 *
 * Error-free transformations (Knuth two_sum, fma two_prod) are exact; the
 * compound operations below are the "accurate" variants (relative error a
 * small multiple of 2^-104).  Compiled with -ffp-contract=off so that no
 * expression is silently fused: fma() is called where one is meant.
 */
#ifndef REFIT_THEORY_DD_H
#define REFIT_THEORY_DD_H

#include <math.h>

typedef struct dd {
    double hi, lo;
} dd;

static inline dd dd_make(double hi, double lo)
{
    dd r;
    r.hi = hi;
    r.lo = lo;
    return r;
}

static inline dd dd_d(double x) { return dd_make(x, 0.0); }

/* s + e == a + b exactly (any a, b). */
static inline dd dd_two_sum(double a, double b)
{
    double s = a + b;
    double bb = s - a;
    double e = (a - (s - bb)) + (b - bb);
    return dd_make(s, e);
}

/* s + e == a + b exactly, provided |a| >= |b| or a == 0. */
static inline dd dd_fast_two_sum(double a, double b)
{
    double s = a + b;
    double e = b - (s - a);
    return dd_make(s, e);
}

/* p + e == a * b exactly (barring underflow). */
static inline dd dd_two_prod(double a, double b)
{
    double p = a * b;
    double e = fma(a, b, -p);
    return dd_make(p, e);
}

static inline dd dd_neg(dd a) { return dd_make(-a.hi, -a.lo); }

static inline dd dd_add(dd a, dd b)
{
    dd s = dd_two_sum(a.hi, b.hi);
    dd t = dd_two_sum(a.lo, b.lo);
    s.lo += t.hi;
    s = dd_fast_two_sum(s.hi, s.lo);
    s.lo += t.lo;
    return dd_fast_two_sum(s.hi, s.lo);
}

static inline dd dd_sub(dd a, dd b) { return dd_add(a, dd_neg(b)); }

static inline dd dd_add_d(dd a, double b)
{
    dd s = dd_two_sum(a.hi, b);
    s.lo += a.lo;
    return dd_fast_two_sum(s.hi, s.lo);
}

static inline dd dd_mul(dd a, dd b)
{
    dd p = dd_two_prod(a.hi, b.hi);
    p.lo += a.hi * b.lo + a.lo * b.hi;
    return dd_fast_two_sum(p.hi, p.lo);
}

static inline dd dd_mul_d(dd a, double b)
{
    dd p = dd_two_prod(a.hi, b);
    p.lo += a.lo * b;
    return dd_fast_two_sum(p.hi, p.lo);
}

static inline dd dd_sqr(dd a) { return dd_mul(a, a); }

/* Scale by 2^e exactly (barring under/overflow). */
static inline dd dd_ldexp(dd a, int e) { return dd_make(ldexp(a.hi, e), ldexp(a.lo, e)); }

static inline dd dd_div(dd a, dd b)
{
    double q1 = a.hi / b.hi;
    dd r = dd_sub(a, dd_mul_d(b, q1));
    double q2 = r.hi / b.hi;
    r = dd_sub(r, dd_mul_d(b, q2));
    double q3 = r.hi / b.hi;
    return dd_add_d(dd_fast_two_sum(q1, q2), q3);
}

static inline dd dd_div_d(dd a, double b) { return dd_div(a, dd_d(b)); }

/* 1 / b */
static inline dd dd_inv_d(double b) { return dd_div(dd_d(1.0), dd_d(b)); }

static inline double dd_to_d(dd a) { return a.hi + a.lo; }

/* The elementary functions (theory/dd.c).  Relative error about 2^-100 on
 * their whole range; dd_exp/dd_expm1 return hi = +inf above ~709.78. */
dd refit_dd_exp(dd x);
dd refit_dd_expm1(dd x); /* exp(x) - 1 without cancellation for small |x| */
dd refit_dd_log(dd x);   /* x > 0 */
dd refit_dd_log1p(dd x); /* x > -1, relative accuracy kept for small |x| */
dd refit_dd_sqrt(dd x);  /* x >= 0 */

#endif /* REFIT_THEORY_DD_H */
