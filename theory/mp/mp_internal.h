/* refit: private helpers shared by the MPFR twins (the files in theory/mp/).
 *
 * Nothing here is installed or part of the API.  Every helper works on
 * caller-owned MPFR variables; there is no static mutable state, so the
 * twins are as thread-safe as MPFR itself.
 */
#ifndef REFIT_THEORY_MP_INTERNAL_H
#define REFIT_THEORY_MP_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <mpfr.h>

#include "refit/model.h"
#include "refit/status.h"

#if defined(__GNUC__) || defined(__clang__)
#define REFIT_MP_HIDDEN __attribute__((visibility("hidden")))
#else
#define REFIT_MP_HIDDEN
#endif

/* Guard bits for an n-generation twin whose largest sample size is Mmax.
 * 64 + 3 log2(Mmax + n + 2): the worst cancellations are the raw
 * Var W2^2 = E W^2 - (E W)^2 (terms O(1), result O((n/M)^2): 2 log2 M bits),
 * the divided difference of geometric sums in E V^2 (log2 M bits) and the
 * relative error n u of n-fold products and sums (log2 n bits). */
REFIT_MP_HIDDEN mpfr_prec_t refit_mpi_guard(double Mmax, uint64_t n);

/* 1 if M is a whole number in [2, REFIT_SIZE_MAX]. */
REFIT_MP_HIDDEN int refit_mpi_size_ok(double M);

/* ---- Bernoulli numbers and the polygamma asymptotic series ---------------
 * B_2, B_4, ..., B_{2J}: exact rationals from the integer tangent numbers
 * (T_j, Brent-Harvey recurrence), B_{2j} = (-1)^{j-1} 2j T_j / (4^j (4^j-1)),
 * then rounded to prec bits.  x0 is the argument from which J terms of the
 * asymptotic series of psi^{(k)}, k <= 3, reach 2^-(prec+8) relative. */
typedef struct refit_mpi_bern {
    size_t count; /* J */
    mpfr_t *b;    /* b[j-1] = B_{2j} */
    mpfr_prec_t prec;
    double x0;
} refit_mpi_bern;

/* The number of terms J the table needs for prec bits (the default
 * x0(J) is then about 0.22 prec). */
REFIT_MP_HIDDEN size_t refit_mpi_bern_default_terms(mpfr_prec_t prec);
/* Smallest J such that the series at x >= xmin is accurate to prec bits,
 * or 0 if more than jmax terms would be needed. */
REFIT_MP_HIDDEN size_t refit_mpi_bern_terms_at(double xmin, mpfr_prec_t prec, size_t jmax);
REFIT_MP_HIDDEN refit_status refit_mpi_bern_init(refit_mpi_bern *bern, size_t J, mpfr_prec_t prec);
REFIT_MP_HIDDEN void refit_mpi_bern_clear(refit_mpi_bern *bern);

/* out = psi^{(k)}(x) for k = 1..3, or psi(x) - ln x for k = 0 (no
 * cancellation against ln x), for finite x > 0, using the recurrence up to
 * bern->x0 and the asymptotic series.  Accurate to about prec(out) bits
 * provided bern->prec >= prec(out) + 16. */
REFIT_MP_HIDDEN void refit_mpi_polygamma_series(mpfr_t out, int k, const mpfr_t x,
                                                const refit_mpi_bern *bern);

/* out = Gamma(a + 1/2) / Gamma(a) from the asymptotic series of its
 * logarithm, for a >= bern->x0 (same reach as the polygamma series). */
REFIT_MP_HIDDEN void refit_mpi_half_ratio_series(mpfr_t out, const mpfr_t a,
                                                 const refit_mpi_bern *bern);

/* ---- geometric sums --------------------------------------------------------
 * out = sum_{i<n} (1 + eps)^i = expm1(n log1p(eps)) / eps (n when eps = 0),
 * for eps > -1.  eps is passed as q - 1 computed without cancellation (the
 * ratios here are exact rationals), so no digits are lost near q = 1. */
REFIT_MP_HIDDEN void refit_mpi_geom(mpfr_t out, const mpfr_t eps, uint64_t n);

/* out = x^n for a 64-bit n (correctly rounded from x). */
REFIT_MP_HIDDEN void refit_mpi_pow_u64(mpfr_t out, const mpfr_t x, uint64_t n);

/* ---- one-generation moments --------------------------------------------------
 * out = m(r) = (2/D)^r Gamma(a+r)/Gamma(a) for a valid M, estimator and
 * finite r > -a, to about prec(out) bits: the exponent
 * r ln(2/D) + lgamma(a+r) - lgamma(a) is formed with absolute error below
 * 2^-(prec(out)+16), which is the relative error of its exponential. */
REFIT_MP_HIDDEN void refit_mpi_factor_moment(mpfr_t out, double M, refit_estimator estimator,
                                             double r);

/* out = kappa_1 = psi(a) + ln(2/D) from mpfr_digamma, with enough guard bits
 * for the cancellation between psi(a) ~ ln a and ln(2/D) ~ -ln a. */
REFIT_MP_HIDDEN void refit_mpi_log_drift(mpfr_t out, double M, refit_estimator estimator);

/* D = M - 1 (unbiased) or M (MLE). */
REFIT_MP_HIDDEN double refit_mpi_divisor(double M, refit_estimator estimator);

#endif /* REFIT_THEORY_MP_INTERNAL_H */
