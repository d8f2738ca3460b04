/* refit: complex arithmetic on pairs of mpfr_t and the complex log-gamma
 * for the MPFR twins (theory/mp/mp_complex.c).  Private to the library.
 *
 * No MPC dependency: a complex number is two mpfr_t.  The log-gamma uses the
 * recurrence to shift Re z up to R and the Stirling series with exact
 * Bernoulli numbers (refit_mpi_bern); the context below carries the table,
 * built once by a caller that evaluates many log-gammas.
 */
#ifndef REFIT_THEORY_MP_COMPLEX_H
#define REFIT_THEORY_MP_COMPLEX_H

#include <mpfr.h>

#include "refit/status.h"
#include "theory/mp/mp_internal.h"

typedef struct refit_mpi_cx {
    mpfr_t re, im;
} refit_mpi_cx;

REFIT_MP_HIDDEN void refit_mpi_cx_init2(refit_mpi_cx *z, mpfr_prec_t prec);
REFIT_MP_HIDDEN void refit_mpi_cx_clear(refit_mpi_cx *z);
REFIT_MP_HIDDEN void refit_mpi_cx_set(refit_mpi_cx *r, const refit_mpi_cx *z);
/* r = x * y and r = x / y; r may alias x or y. */
REFIT_MP_HIDDEN void refit_mpi_cx_mul(refit_mpi_cx *r, const refit_mpi_cx *x, const refit_mpi_cx *y);
REFIT_MP_HIDDEN void refit_mpi_cx_div(refit_mpi_cx *r, const refit_mpi_cx *x, const refit_mpi_cx *y);
/* r = exp(z); r = Log z (principal: Im in (-pi, pi]); r may alias z. */
REFIT_MP_HIDDEN void refit_mpi_cx_exp(refit_mpi_cx *r, const refit_mpi_cx *z);
REFIT_MP_HIDDEN void refit_mpi_cx_log(refit_mpi_cx *r, const refit_mpi_cx *z);

/* Log-gamma context for a fixed absolute accuracy of 2^-bits. */
typedef struct refit_mpi_lgamma_ctx {
    refit_mpi_bern bern; /* B_2 .. B_2J at >= the working precision */
    mpfr_prec_t bits;    /* truncation error of the Stirling series <= 2^-bits */
    double R;            /* shift target: the series is used at Re w >= R */
    mpfr_t half_ln2pi;   /* ln(2 pi)/2 at table_prec */
} refit_mpi_lgamma_ctx;

/* A context whose series reaches 2^-bits for every w with Re w >= R, with
 * the Bernoulli numbers rounded to table_prec bits (use at least the
 * precision of the outputs that will be computed with it). */
REFIT_MP_HIDDEN refit_status refit_mpi_lgamma_ctx_init(refit_mpi_lgamma_ctx *ctx, mpfr_prec_t bits,
                                                       mpfr_prec_t table_prec);
/* (Only after a successful init.) */
REFIT_MP_HIDDEN void refit_mpi_lgamma_ctx_clear(refit_mpi_lgamma_ctx *ctx);

/* lnGamma(z), z = (re, im) off the poles, principal branch (the analytic
 * continuation from the positive real axis in the plane cut along
 * (-inf, 0]; on the cut the side is the sign of im's zero).  Absolute error
 * about 2^-ctx->bits + 2^-prec(out) (N + 2) (|z| + N) ln(|z| + N), N the
 * number of shifts (< R - Re z + 1): callers size prec(out) for it.
 * REFIT_EDOM at a pole or when Re z < -2^22 (too many shifts). */
REFIT_MP_HIDDEN refit_status refit_mpi_clgamma(mpfr_t out_re, mpfr_t out_im, const mpfr_t re,
                                               const mpfr_t im, const refit_mpi_lgamma_ctx *ctx);

#endif /* REFIT_THEORY_MP_COMPLEX_H */
