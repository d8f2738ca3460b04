/* Test support: reference distribution functions for the statistical
 * checks, in MPFR where cancellation matters, and a compensated sum.
 * Shared by the suites that test random numbers (kernels, init laws). */
#ifndef REFIT_TEST_STATS_H
#define REFIT_TEST_STATS_H

/* P(|Z| > z) for a standard normal (MPFR erfc at 128 bits: no cancellation). */
double refit_test_two_sided_tail(double z);
/* z* with P(|Z| > z*) = alpha, by bisection on the exact tail. */
double refit_test_z_star(double alpha);
/* P(chi^2_df > x) = Gamma(df/2, x/2) / Gamma(df/2) at 128 bits; far in the
 * tail (where mpfr_gamma_inc is slow) the Chernoff bound
 * (x/df)^(df/2) e^{-(x-df)/2} once it is below e^-690. */
double refit_test_chisq_sf(double df, double x);
/* The asymptotic Kolmogorov tail P(K > t) = 2 sum_k (-1)^(k-1) e^{-2 k^2 t^2}
 * (1 for t < 0.2, where P(K <= 0.2) = 5e-13 and the series converges slowly). */
double refit_test_kolmogorov_sf(double t);

/* Compensated (Neumaier) summation. */
typedef struct refit_test_csum {
    double s, c;
} refit_test_csum;
void refit_test_csum_add(refit_test_csum *a, double x);
double refit_test_csum_get(const refit_test_csum *a);

#endif /* REFIT_TEST_STATS_H */
