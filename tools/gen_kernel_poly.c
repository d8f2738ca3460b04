/* Generates kernels/poly_coeffs.h: the polynomial coefficients and split
 * constants of the kernels' own log and sincos2pi (kernels/isa_algo.inc).
 *
 *   cc -O1 tools/gen_kernel_poly.c -o gen -lmpfr -lgmp && ./gen > kernels/poly_coeffs.h
 *
 * Each polynomial interpolates its target at the Chebyshev nodes of its
 * interval (a near-minimax fit), solved exactly enough at 600 bits; the
 * coefficients are then rounded to double and the maximum error of the
 * rounded polynomial, relative to the quantity it feeds, is measured on a
 * fine grid and printed in the header.  Targets (series summed in MPFR):
 *
 *   log:  ln(1+f) = 2s + s R(z), s = f/(2+f), z = s^2, |s| <= 3 - 2 sqrt 2;
 *         R(z) = z P(z), P(z) = sum_{k>=1} 2 z^(k-1) / (2k+1).
 *   sin:  sin(pi f / 2) = f (pi/2 + z Q(z)), z = f^2 <= 1/4;
 *         Q(z) = sum_{k>=1} (-1)^k (pi/2)^(2k+1) z^(k-1) / (2k+1)!.
 *   cos:  cos(pi f / 2) = 1 + z C(z);
 *         C(z) = sum_{k>=1} (-1)^k (pi/2)^(2k) z^(k-1) / (2k)!.
 */
#include <gmp.h>
#include <mpfr.h>
#include <stdio.h>

#define BITS 600
#define MAXDEG 16
#define GRID 20000

enum target { T_LOG, T_SIN, T_COS };

/* The series of the chosen target at z (z >= 0, small). */
static void series(mpfr_t out, const mpfr_t z, enum target t)
{
    mpfr_t term, pio2sq, acc;
    mpfr_inits2(BITS, term, pio2sq, acc, (mpfr_ptr)0);
    mpfr_set_ui(acc, 0, MPFR_RNDN);
    mpfr_const_pi(pio2sq, MPFR_RNDN);
    mpfr_div_2ui(pio2sq, pio2sq, 1, MPFR_RNDN);
    if (t == T_LOG) {
        mpfr_set_ui(term, 2, MPFR_RNDN); /* 2 z^(k-1) */
        for (unsigned long k = 1; k < 2000; k++) {
            mpfr_t q;
            mpfr_init2(q, BITS);
            mpfr_div_ui(q, term, 2 * k + 1, MPFR_RNDN);
            mpfr_add(acc, acc, q, MPFR_RNDN);
            mpfr_clear(q);
            mpfr_mul(term, term, z, MPFR_RNDN);
            if (mpfr_zero_p(term) || mpfr_get_exp(term) < -BITS - 20) break;
        }
    } else {
        /* term_k = (-1)^k (pi/2)^e z^(k-1) / e!, e = 2k+1 (sin) or 2k (cos) */
        unsigned long e0 = (t == T_SIN) ? 3 : 2;
        mpfr_set(term, pio2sq, MPFR_RNDN);
        for (unsigned long j = 1; j < e0; j++) mpfr_mul(term, term, pio2sq, MPFR_RNDN);
        for (unsigned long j = 2; j <= e0; j++) mpfr_div_ui(term, term, j, MPFR_RNDN);
        mpfr_neg(term, term, MPFR_RNDN);
        mpfr_mul(pio2sq, pio2sq, pio2sq, MPFR_RNDN);
        for (unsigned long e = e0; e < 4000; e += 2) {
            mpfr_add(acc, acc, term, MPFR_RNDN);
            /* next: * -(pi/2)^2 z / ((e+1)(e+2)) */
            mpfr_mul(term, term, pio2sq, MPFR_RNDN);
            mpfr_mul(term, term, z, MPFR_RNDN);
            mpfr_div_ui(term, term, (e + 1) * (e + 2), MPFR_RNDN);
            mpfr_neg(term, term, MPFR_RNDN);
            if (mpfr_zero_p(term) || mpfr_get_exp(term) < -BITS - 20) break;
        }
    }
    mpfr_set(out, acc, MPFR_RNDN);
    mpfr_clears(term, pio2sq, acc, (mpfr_ptr)0);
}

/* Interpolate the target at deg+1 Chebyshev nodes of [0, zmax]; coefficients
 * rounded to double into c[0..deg] (c[i] multiplies z^i). */
static void fit(enum target t, double zmax, int deg, double *c)
{
    int n = deg + 1;
    mpfr_t A[MAXDEG + 1][MAXDEG + 2], x, tmp, pi;
    mpfr_inits2(BITS, x, tmp, pi, (mpfr_ptr)0);
    mpfr_const_pi(pi, MPFR_RNDN);
    for (int i = 0; i < n; i++)
        for (int j = 0; j <= n; j++) mpfr_init2(A[i][j], BITS);
    for (int i = 0; i < n; i++) {
        /* node = zmax (1 + cos(pi (2i+1) / (2n))) / 2 */
        mpfr_mul_ui(x, pi, (unsigned long)(2 * i + 1), MPFR_RNDN);
        mpfr_div_ui(x, x, (unsigned long)(2 * n), MPFR_RNDN);
        mpfr_cos(x, x, MPFR_RNDN);
        mpfr_add_ui(x, x, 1, MPFR_RNDN);
        mpfr_mul_d(x, x, zmax / 2.0, MPFR_RNDN);
        mpfr_set_ui(tmp, 1, MPFR_RNDN);
        for (int j = 0; j < n; j++) {
            mpfr_set(A[i][j], tmp, MPFR_RNDN);
            mpfr_mul(tmp, tmp, x, MPFR_RNDN);
        }
        series(A[i][n], x, t);
    }
    /* Gaussian elimination with partial pivoting. */
    for (int col = 0; col < n; col++) {
        int piv = col;
        for (int r = col + 1; r < n; r++)
            if (mpfr_cmpabs(A[r][col], A[piv][col]) > 0) piv = r;
        if (piv != col)
            for (int j = 0; j <= n; j++) mpfr_swap(A[piv][j], A[col][j]);
        for (int r = 0; r < n; r++) {
            if (r == col) continue;
            mpfr_div(tmp, A[r][col], A[col][col], MPFR_RNDN);
            for (int j = col; j <= n; j++) {
                mpfr_mul(x, tmp, A[col][j], MPFR_RNDN);
                mpfr_sub(A[r][j], A[r][j], x, MPFR_RNDN);
            }
        }
    }
    for (int i = 0; i < n; i++) {
        mpfr_div(tmp, A[i][n], A[i][i], MPFR_RNDN);
        c[i] = mpfr_get_d(tmp, MPFR_RNDN);
    }
    for (int i = 0; i < n; i++)
        for (int j = 0; j <= n; j++) mpfr_clear(A[i][j]);
    mpfr_clears(x, tmp, pi, (mpfr_ptr)0);
}

/* Max over a grid of |z (poly(z) - target(z))| / scale(z): the error the
 * rounded polynomial adds to the final function, in units of its value
 * (scale = 2 for log's 2s, pi/2 for sin's f pi/2, cos(pi sqrt z / 2) for cos). */
static double fit_error(enum target t, double zmax, int deg, const double *c)
{
    mpfr_t z, p, ref, err, worst;
    mpfr_inits2(BITS, z, p, ref, err, worst, (mpfr_ptr)0);
    mpfr_set_ui(worst, 0, MPFR_RNDN);
    for (int g = 1; g <= GRID; g++) {
        mpfr_set_d(z, zmax * g / GRID, MPFR_RNDN);
        mpfr_set_d(p, c[deg], MPFR_RNDN);
        for (int i = deg - 1; i >= 0; i--) {
            mpfr_mul(p, p, z, MPFR_RNDN);
            mpfr_add_d(p, p, c[i], MPFR_RNDN);
        }
        series(ref, z, t);
        mpfr_sub(err, p, ref, MPFR_RNDN);
        mpfr_mul(err, err, z, MPFR_RNDN);
        if (t == T_LOG) {
            mpfr_div_ui(err, err, 2, MPFR_RNDN);
        } else if (t == T_SIN) {
            mpfr_const_pi(ref, MPFR_RNDN);
            mpfr_div_2ui(ref, ref, 1, MPFR_RNDN);
            mpfr_div(err, err, ref, MPFR_RNDN);
        } else {
            mpfr_mul(ref, ref, z, MPFR_RNDN);
            mpfr_add_ui(ref, ref, 1, MPFR_RNDN);
            mpfr_div(err, err, ref, MPFR_RNDN);
        }
        mpfr_abs(err, err, MPFR_RNDN);
        if (mpfr_cmp(err, worst) > 0) mpfr_set(worst, err, MPFR_RNDN);
    }
    double w = mpfr_get_d(worst, MPFR_RNDU);
    mpfr_clears(z, p, ref, err, worst, (mpfr_ptr)0);
    return w;
}

static void emit(const char *name, const char *what, enum target t, double zmax, int deg)
{
    double c[MAXDEG + 1];
    fit(t, zmax, deg, c);
    double e = fit_error(t, zmax, deg, c);
    printf("/* %s: degree %d on z in [0, %a]; fit error relative to the result <= %.3g (2^%.1f) */\n",
           what, deg, zmax, e, e > 0 ? __builtin_log2(e) : -999.0);
    for (int i = 0; i <= deg; i++) printf("#define %s%d %a\n", name, i, c[i]);
    printf("\n");
}

static void split(const char *name, mpfr_t x, int hibits)
{
    mpfr_t hi, lo;
    mpfr_init2(hi, hibits);
    mpfr_init2(lo, BITS);
    mpfr_set(hi, x, MPFR_RNDN);
    mpfr_sub(lo, x, hi, MPFR_RNDN);
    printf("#define %s_HI %a\n#define %s_LO %a\n", name, mpfr_get_d(hi, MPFR_RNDN), name,
           mpfr_get_d(lo, MPFR_RNDN));
    mpfr_clears(hi, lo, (mpfr_ptr)0);
}

int main(void)
{
    mpfr_t x;
    mpfr_init2(x, BITS);
    printf("/* Generated by tools/gen_kernel_poly.c (MPFR, %d bits): do not edit.\n", BITS);
    printf(" * Coefficients of the kernels' log and sincos2pi; c_i multiplies z^i.\n");
    printf(" * Used by kernels/isa_algo.inc. */\n");
    printf("#ifndef REFIT_KERNELS_POLY_COEFFS_H\n#define REFIT_KERNELS_POLY_COEFFS_H\n\n");

    printf("/* ln 2 = LN2_HI + LN2_LO; LN2_HI has 42 bits, so k LN2_HI is exact for |k| < 2^11. */\n");
    mpfr_const_log2(x, MPFR_RNDN);
    split("REFIT_KP_LN2", x, 42);
    printf("/* pi/2 = PIO2_HI + PIO2_LO, PIO2_HI = RN(pi/2). */\n");
    mpfr_const_pi(x, MPFR_RNDN);
    mpfr_div_2ui(x, x, 1, MPFR_RNDN);
    split("REFIT_KP_PIO2", x, 53);
    printf("\n");

    /* |s| <= (sqrt2 - 1)/(sqrt2 + 1) = 3 - 2 sqrt 2; z = s^2 (a hair wider). */
    mpfr_sqrt_ui(x, 2, MPFR_RNDN);
    mpfr_mul_ui(x, x, 2, MPFR_RNDN);
    mpfr_ui_sub(x, 3, x, MPFR_RNDN);
    mpfr_sqr(x, x, MPFR_RNDN);
    double zlog = mpfr_get_d(x, MPFR_RNDU) * (1.0 + 0x1p-20);
    emit("REFIT_KP_LOG", "log: P(z), ln(1+f) = f - f^2/2 + s (f^2/2 + z P(z))", T_LOG, zlog, 6);
    emit("REFIT_KP_SIN", "sin: Q(z), sin(pi f/2) = f (pi/2 + z Q(z))", T_SIN, 0.25, 6);
    emit("REFIT_KP_COS", "cos: C(z), cos(pi f/2) = 1 + z C(z)", T_COS, 0.25, 6);
    printf("#endif /* REFIT_KERNELS_POLY_COEFFS_H */\n");
    mpfr_clear(x);
    return 0;
}
