/* Internal interfaces of the distribution module (theory/distribution.c,
 * theory/complex_gamma.c).  The tests call these to check the pieces of the
 * inversion on their own (the remainder function against MPFR, the step
 * control by refining h). */
#ifndef REFIT_DISTRIBUTION_INTERNAL_H
#define REFIT_DISTRIBUTION_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "refit/model.h"
#include "refit/status.h"
#include "dd.h" /* same folder: the tests include this header by relative path */

/* The second-order remainder of lnGamma along a vertical line:
 *     R(z, y) = lnGamma(z + iy) - lnGamma(z) - iy psi(z),   z > 0, y real,
 * the continuous branch (R(z, 0) = 0).  Both parts are computed without
 * cancellation of their O(y) terms, so the ABSOLUTE error is about
 * 1e-16 * (|R| + |y|^3 psi''(z)) -- in particular it is relative for small
 * |y| (R ~ -y^2 psi'(z)/2).  theory/complex_gamma.c. */
void refit_lgamma_remainder(double z, double y, double *re, double *im);

/* One run of equal sample sizes. */
typedef struct refit_dist_run {
    double a;       /* (M-1)/2 */
    double len;     /* generations in the run (exact, <= 2^53) */
    dd ln_k_over_D; /* 0 (unbiased) or ln(1 - 1/M) (MLE) */
} refit_dist_run;

/* The law of L_n as a list of runs. */
typedef struct refit_dist_law {
    refit_dist_run *runs; /* malloc'ed; NULL when n = 0 */
    size_t count;
    double a_min; /* min a_i (+inf when n = 0) */
    double a_max;
} refit_dist_law;

/* Validates the model (replace regime only, else REFIT_EINVAL) and lists
 * the runs of generations [0, n). */
refit_status refit_dist_law_make(const refit_model *model, uint64_t n, refit_dist_law *law);
void refit_dist_law_free(refit_dist_law *law);

/* K(s), K'(s), K''(s) in double-double, s > -a_min (any pointer may be NULL). */
void refit_dist_law_cgf(const refit_dist_law *law, double s, dd *K, dd *K1, dd *K2);

/* Result of one inversion on the line Re s = c. */
typedef struct refit_dist_inversion {
    double c;       /* the line; c > 0: P(L > x), c < 0: P(L <= x) */
    double log_p;   /* ln of that probability */
    double h;       /* final trapezoid step */
    double y_max;   /* truncation point */
    double bound;   /* proven discretisation + truncation bound, relative to p */
    long nodes;     /* integrand evaluations */
    int refinements; /* times h was halved after the a-posteriori check */
} refit_dist_inversion;

/* The tail probability on the side of c by the trapezoidal rule (see the
 * comment at its definition for the error control).  h_scale multiplies the
 * chosen step (1 in production; the tests use 0.5 to confirm convergence). */
refit_status refit_dist_invert(const refit_dist_law *law, double x, double c, double h_scale,
                               refit_dist_inversion *out);

/* The line the public functions use for x: the saddlepoint when it is at
 * least one standard deviation from 0, else +-1/sqrt(K'') on the side of
 * the smaller tail. */
double refit_dist_choose_line(const refit_dist_law *law, double x);

#endif /* REFIT_DISTRIBUTION_INTERNAL_H */
