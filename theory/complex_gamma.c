/* The complex log-gamma function on vertical lines, in the centred form
 * the inversion of the distribution needs:
 *
 *     R(z, y) = lnGamma(z + iy) - lnGamma(z) - iy psi(z)      (z > 0, y real).
 *
 * Why centred: the inversion integrand is exp(K(c+iy) - (c+iy)x) with
 * K = sum over generations of such log-gammas.  Its phase contains n y times
 * the drift (up to ~1e6 rad at the extremes), which cancels against y x; a
 * direct complex log-gamma would carry an error of 1e-16 times that phase.
 * Taking out the exact linear term (iy psi(z), summed into the real K'(c)
 * in double-double by the caller) leaves R = O(y^2 psi'(z)), which is what
 * the integrand really depends on, and every formula below computes it with
 * its O(y) parts cancelled analytically.
 *
 * Method.  For z >= 32, Stirling's series with t = iy/z, tau = y/z:
 *   lnGamma(z+iy) - lnGamma(z) - iy ln z = z g(t) - log1p(t)/2
 *                                          + sum_k c_k [(z+iy)^{1-2k} - z^{1-2k}],
 *   g(t) = (1+t) log1p(t) - t,   c_k = B_2k / (2k (2k-1)),
 * and psi(z) - ln z = -1/(2z) - sum_k c_k (2k-1) z^{-2k}; so
 *   R = z g(t) - (log1p(t) - t)/2 + sum_k c_k z^{1-2k} [(1+t)^{1-2k} - 1 + (2k-1) t].
 * With t = i tau: log1p(i tau) = A + iB, A = log1p(tau^2)/2, B = atan(tau), so
 *   z g(t)              = z (A - tau B) + i z (B - tau + tau A),
 *   (log1p(t) - t)/2    = A/2 + i (B - tau)/2,
 *   k = 1: c_1 t^2/(z (1+t)) = -(c_1/z) tau^2 (1 - i tau)/(1 + tau^2)   (exact),
 * and atan(tau) - tau by its series for small tau (the only cancelling
 * difference).  The k >= 2 terms are below 8e-8 |...| and are summed plainly.
 * Truncation: Re(z+iy) >= 32 keeps |arg| < pi/2, where the Stirling
 * remainder is bounded by the first omitted term times sec^{2K}(arg/2) <= 2^K;
 * with terms up to k = 12 that is below 1e-25.
 *
 * For z < 32, shift by the recurrence lnGamma(w) = lnGamma(w+N) - sum ln(w+j)
 * and psi(z) = psi(z+N) - sum 1/(z+j):
 *   R(z, y) = R(z+N, y) - sum_{j<N} [ log1p(w_j^2)/2 + i (atan(w_j) - w_j) ],
 *   w_j = y/(z+j):
 * terms of one sign, no cancellation.  (This is the principal branch of each
 * log(1 + i w_j), whose real part 1 keeps it continuous in y.)
 */
#include <math.h>

#include "theory/dd_constants.h"
#include "theory/distribution_internal.h"
#include "theory/internal.h"

/* atan(w) - w, w >= 0, with relative accuracy. */
static double atan_minus_id(double w)
{
    if (w < 0.125) {
        /* -w^3/3 + w^5/5 - ...: |w^2| < 1/64, 9 terms reach 2^-54. */
        double w2 = w * w, term = w * w2, sum = 0.0;
        for (int j = 1; j <= 12; j++) {
            double t = term / (2.0 * j + 1.0);
            sum += (j % 2) ? -t : t;
            if (t < 1e-18 * fabs(sum)) break;
            term *= w2;
        }
        return sum;
    }
    return atan(w) - w;
}

static void remainder_asymptotic(double z, double y, double *re, double *im)
{
    double tau = y / z;
    double tau2 = tau * tau;
    double A = 0.5 * log1p(tau2);
    double Bm = atan_minus_id(tau); /* B - tau */
    /* A - tau B = (A - tau^2) - tau Bm;  B - tau + tau A = Bm + tau A. */
    double r = z * ((A - tau2) - tau * Bm) - 0.5 * A;
    double i = z * (Bm + tau * A) - 0.5 * Bm;
    /* k = 1 */
    double c1z = REFIT_DD_STIRLING[1][0] / z;
    double q = tau2 / (1.0 + tau2);
    r -= c1z * q;
    i += c1z * q * tau;
    /* k >= 2: c_k z^{1-2k} [p^{2k-1} - 1 + (2k-1) i tau], p = 1/(1 + i tau). */
    double pr = 1.0 / (1.0 + tau2), pi = -tau / (1.0 + tau2);
    double p2r = pr * pr - pi * pi, p2i = 2.0 * pr * pi;
    double powr = pr, powi = pi; /* p^(2k-1), starting at k = 1 */
    double zinv2 = 1.0 / (z * z), zp = 1.0 / z; /* z^{1-2k} */
    for (int k = 2; k <= 12; k++) {
        double nr = powr * p2r - powi * p2i;
        powi = powr * p2i + powi * p2r;
        powr = nr;
        zp *= zinv2;
        double ck = REFIT_DD_STIRLING[k][0] * zp;
        double m = 2.0 * k - 1.0;
        r += ck * (powr - 1.0);
        i += ck * (powi + m * tau);
        if (fabs(ck) * (2.0 + m * tau) < 1e-30) break;
    }
    *re = r;
    *im = i;
}

void refit_lgamma_remainder(double z, double y, double *re, double *im)
{
    double sgn = y < 0.0 ? -1.0 : 1.0; /* R(z, -y) = conj R(z, y) */
    double ay = fabs(y);
    if (ay == 0.0) {
        *re = *im = 0.0;
        return;
    }
    if (z >= REFIT_ASYMPTOTIC_MIN) {
        remainder_asymptotic(z, ay, re, im);
        *im *= sgn;
        return;
    }
    double N = ceil(REFIT_ASYMPTOTIC_MIN - z);
    double r, i, sr = 0.0, si = 0.0;
    remainder_asymptotic(z + N, ay, &r, &i);
    for (double j = 0.0; j < N; j += 1.0) {
        double w = ay / (z + j);
        sr += 0.5 * log1p(w * w);
        si += atan_minus_id(w);
    }
    *re = r - sr;
    *im = sgn * (i - si);
}
