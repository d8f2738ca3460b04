/* Special functions in double-double: the log-gamma ratio excess(a, r),
 * psi(a) - ln a, and psi', psi'', psi'''.
 *
 * All three use the same plan: for x >= REFIT_ASYMPTOTIC_MIN an asymptotic
 * (Stirling) series whose leading terms are summed in double-double and
 * whose small tail is summed in double (its contribution is below 2^-18
 * relative, so double's 2^-53 there costs nothing); for smaller x a shift
 * x -> x + N by the recurrence of Gamma.  Derivation: proofs/01, proofs/02.
 */
#include <math.h>

#include "theory/dd_constants.h"
#include "theory/internal.h"

#define DD_C(table, i) dd_make(table[i][0], table[i][1])

/* excess(x, r) for x >= 32 and x + r >= 32 (x in double-double). */
static dd excess_asymptotic(dd x, double r)
{
    dd t = dd_div(dd_d(r), x); /* r / x */
    dd l1p = refit_dd_log1p(t);
    dd main;
    if (fabs(t.hi) < 0.0625) {
        /* (x + r - 1/2) log1p(t) - r = x g(t) - log1p(t)/2 with
         * g(t) = (1+t) log1p(t) - t = sum_{j>=2} (-1)^j t^j / (j (j-1)):
         * the O(r) parts cancel analytically, so no digits are lost. */
        dd head = dd_sub(DD_C(REFIT_DD_INV_JJ1, 2), dd_mul(t, DD_C(REFIT_DD_INV_JJ1, 3)));
        head = dd_add(head, dd_mul(dd_sqr(t), DD_C(REFIT_DD_INV_JJ1, 4)));
        double tail = 0.0, tp = t.hi * t.hi * t.hi; /* t^(j-2) for j = 5 */
        for (int j = 5; j <= 40 && fabs(tp) > 1e-40; j++) {
            double term = tp * REFIT_DD_INV_JJ1[j][0];
            tail += (j % 2) ? -term : term;
            tp *= t.hi;
        }
        dd g_over_t2 = dd_add_d(head, tail);
        dd xg = dd_mul(dd_mul_d(t, r), g_over_t2); /* x t^2 = r t */
        main = dd_sub(xg, dd_ldexp(l1p, -1));
    } else {
        /* |t| >= 1/16: the cancellation costs at most ~5 bits of 106. */
        dd coef = dd_add_d(dd_add_d(x, r), -0.5);
        main = dd_add_d(dd_mul(coef, l1p), -r);
    }
    /* Stirling terms: sum_k c_k [(x+r)^{1-2k} - x^{1-2k}], c_k = B_2k/(2k(2k-1)).
     * k = 1 exactly: (1/12)(1/(x+r) - 1/x) = -(1/12) r / (x (x+r)). */
    dd xr = dd_add_d(x, r);
    dd b1 = dd_mul(dd_div(dd_d(-r), dd_mul(x, xr)), DD_C(REFIT_DD_STIRLING, 1));
    /* k >= 2 in double: (x+r)^{1-2k} - x^{1-2k} = x^{1-2k} expm1((1-2k) log1p(t)). */
    double xinv = 1.0 / x.hi, xinv2 = xinv * xinv, xp = xinv, rest = 0.0;
    for (int k = 2; k <= 20; k++) {
        xp *= xinv2;
        double ck = REFIT_DD_STIRLING[k][0] * xp;
        if (fabs(ck) < 1e-40) break;
        rest += ck * expm1((1.0 - 2.0 * k) * l1p.hi);
    }
    return dd_add_d(dd_add(main, b1), rest);
}

dd refit_lgamma_excess(double a, double r)
{
    /* Gamma(a+1) = a Gamma(a): excess(a, 1) = 0 exactly, as is excess(a, 0). */
    if (r == 0.0 || r == 1.0) return dd_d(0.0);
    if (fabs(r - 1.0) < 0.25) {
        /* Near its zero r = 1 the terms below would cancel to (r-1)/(2a);
         * excess(a, r) = excess(a+1, r-1) + (r-1) log1p(1/a) has both parts
         * proportional to r - 1 (exact here by Sterbenz). */
        double rm1 = r - 1.0;
        return dd_add(refit_lgamma_excess(a + 1.0, rm1), dd_mul_d(refit_dd_log1p(dd_inv_d(a)), rm1));
    }
    double lowest = fmin(a, a + r);
    if (lowest >= REFIT_ASYMPTOTIC_MIN) return excess_asymptotic(dd_d(a), r);
    /* Shift: excess(a, r) = excess(x, r) + r ln(x/a) - ln prod_{j<N} (a+r+j)/(a+j),
     * with x = a + N large enough for the series. */
    double N = ceil(REFIT_ASYMPTOTIC_MIN - lowest);
    dd x = dd_two_sum(a, N);
    dd log_ratio; /* ln prod_{j<N} (a+r+j)/(a+j) */
    if (fabs(r) >= 0.25) {
        /* The ratio can reach (r/a)^N: rescale by powers of two on the way
         * (exact) so a huge r cannot overflow it. */
        dd ratio = dd_d(1.0);
        int scale = 0;
        for (double j = 0.0; j < N; j += 1.0) {
            dd aj = dd_two_sum(a, j);
            ratio = dd_div(dd_mul(ratio, dd_add_d(aj, r)), aj);
            if (ratio.hi > 0x1p400 || ratio.hi < 0x1p-400) {
                int e = ilogb(ratio.hi);
                ratio = dd_ldexp(ratio, -e);
                scale += e;
            }
        }
        log_ratio = dd_add(refit_dd_log(ratio), dd_mul_d(dd_make(REFIT_DD_LN2[0], REFIT_DD_LN2[1]), (double)scale));
    } else {
        /* Small |r|: the product is 1 + O(r) and its log would keep only
         * absolute accuracy; summing log1p(r/(a+j)) keeps relative accuracy. */
        log_ratio = dd_d(0.0);
        for (double j = 0.0; j < N; j += 1.0)
            log_ratio = dd_add(log_ratio, refit_dd_log1p(dd_div(dd_d(r), dd_two_sum(a, j))));
    }
    dd shift = dd_sub(dd_mul_d(refit_dd_log(dd_div_d(x, a)), r), log_ratio);
    return dd_add(excess_asymptotic(x, r), shift);
}

dd refit_digamma_minus_log(double a)
{
    dd x = dd_d(a), shift = dd_d(0.0);
    if (a < REFIT_ASYMPTOTIC_MIN) {
        /* psi(a) = psi(a+N) - sum_{j<N} 1/(a+j);  ln a = ln(a+N) - ln((a+N)/a). */
        double N = ceil(REFIT_ASYMPTOTIC_MIN - a);
        x = dd_two_sum(a, N);
        dd harm = dd_d(0.0);
        for (double j = 0.0; j < N; j += 1.0) harm = dd_add(harm, dd_div(dd_d(1.0), dd_two_sum(a, j)));
        shift = dd_sub(refit_dd_log(dd_div_d(x, a)), harm);
    }
    /* psi(x) - ln x ~ -1/(2x) - sum_{k>=1} B_2k / (2k x^2k). */
    dd xinv = dd_div(dd_d(1.0), x);
    dd xinv2 = dd_sqr(xinv);
    dd s = dd_add(dd_ldexp(xinv, -1), dd_mul(xinv2, DD_C(REFIT_DD_INV_JJ1, 4))); /* B_2/2 = 1/12 */
    double xp = xinv2.hi, rest = 0.0;
    for (int k = 2; k <= 20; k++) {
        xp *= xinv2.hi;
        double term = REFIT_DD_BERNOULLI[k][0] / (2.0 * k) * xp;
        if (fabs(term) < 1e-40) break;
        rest += term;
    }
    return dd_add(dd_neg(dd_add_d(s, rest)), shift);
}

dd refit_polygamma_dd(int k, double a)
{
    /* psi^{(k)}(x) = (-1)^{k+1} [ (k-1)!/x^k + k!/(2 x^{k+1})
     *                 + sum_{j>=1} B_2j (2j+k-1)! / ((2j)! x^{2j+k}) ],
     * and psi^{(k)}(a) = psi^{(k)}(a+N) + (-1)^{k+1} k! sum_{j<N} 1/(a+j)^{k+1}:
     * every term has the same sign, so nothing cancels. */
    double kfact = (k == 1) ? 1.0 : (k == 2) ? 2.0 : 6.0, km1fact = (k == 3) ? 2.0 : 1.0;
    dd x = dd_d(a), shift = dd_d(0.0);
    if (a < REFIT_ASYMPTOTIC_MIN) {
        double N = ceil(REFIT_ASYMPTOTIC_MIN - a);
        x = dd_two_sum(a, N);
        for (double j = 0.0; j < N; j += 1.0) {
            dd inv = dd_div(dd_d(1.0), dd_two_sum(a, j)), p = inv;
            for (int e = 0; e < k; e++) p = dd_mul(p, inv);
            shift = dd_add(shift, p);
        }
        shift = dd_mul_d(shift, kfact);
    }
    dd xinv = dd_div(dd_d(1.0), x);
    dd xk = xinv;
    for (int e = 1; e < k; e++) xk = dd_mul(xk, xinv); /* x^-k */
    dd lead = dd_add(dd_mul_d(xk, km1fact), dd_mul_d(dd_mul(xk, xinv), kfact / 2.0));
    /* Series in double: coef_j = B_2j (2j+k-1)!/(2j)!, times x^-(2j+k). */
    double xi2 = xinv.hi * xinv.hi, xp = xk.hi, rest = 0.0;
    for (int j = 1; j <= 20; j++) {
        xp *= xi2;
        double ratio = 1.0; /* (2j+k-1)! / (2j)! */
        for (int m = 2 * j + 1; m <= 2 * j + k - 1; m++) ratio *= m;
        double term = REFIT_DD_BERNOULLI[j][0] * ratio * xp;
        if (fabs(term) < 1e-40) break;
        rest += term;
    }
    dd total = dd_add(dd_add_d(lead, rest), shift);
    return (k % 2) ? total : dd_neg(total);
}
