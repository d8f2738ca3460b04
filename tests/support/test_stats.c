/* Test support: reference distribution functions (see test_stats.h). */
#include "test_stats.h"

#include <math.h>
#include <mpfr.h>

#define STATS_PREC 128

double refit_test_two_sided_tail(double z)
{
    mpfr_t t;
    double p;
    mpfr_init2(t, STATS_PREC);
    mpfr_set_d(t, fabs(z), MPFR_RNDN);
    mpfr_div_d(t, t, sqrt(2.0), MPFR_RNDN);
    mpfr_erfc(t, t, MPFR_RNDN);
    p = mpfr_get_d(t, MPFR_RNDN);
    mpfr_clear(t);
    return p;
}

double refit_test_z_star(double alpha)
{
    double lo = 0.0, hi = 40.0;
    for (int it = 0; it < 100; it++) {
        double mid = 0.5 * (lo + hi);
        if (refit_test_two_sided_tail(mid) > alpha)
            lo = mid;
        else
            hi = mid;
    }
    return hi;
}

double refit_test_chisq_sf(double df, double x)
{
    mpfr_t a, t, g;
    double p;
    if (!(x > 0.0)) return 1.0;
    if (x > df) {
        double log_bound = 0.5 * df * log(x / df) - 0.5 * (x - df);
        if (log_bound < -690.0) return exp(log_bound);
    }
    mpfr_inits2(STATS_PREC, a, t, g, (mpfr_ptr)0);
    mpfr_set_d(a, df / 2.0, MPFR_RNDN);
    mpfr_set_d(t, x / 2.0, MPFR_RNDN);
    mpfr_gamma_inc(t, a, t, MPFR_RNDN);
    mpfr_gamma(g, a, MPFR_RNDN);
    mpfr_div(t, t, g, MPFR_RNDN);
    p = mpfr_get_d(t, MPFR_RNDN);
    mpfr_clears(a, t, g, (mpfr_ptr)0);
    return p;
}

double refit_test_kolmogorov_sf(double t)
{
    double s = 0.0;
    if (t < 0.2) return 1.0;
    for (int k = 1; k <= 100; k++) {
        double term = 2.0 * exp(-2.0 * k * k * t * t);
        s += (k % 2) ? term : -term;
        if (term < 1e-300) break;
    }
    return s;
}

void refit_test_csum_add(refit_test_csum *a, double x)
{
    double t = a->s + x;
    if (fabs(a->s) >= fabs(x))
        a->c += (a->s - t) + x;
    else
        a->c += (x - t) + a->s;
    a->s = t;
}

double refit_test_csum_get(const refit_test_csum *a) { return a->s + a->c; }
