/* Complex arithmetic on pairs of mpfr_t and the complex log-gamma of the
 * MPFR twins (refit_mp_complex_lgamma).
 *
 * lnGamma(z) = lnGamma(z + N) - sum_{j<N} Log(z + j)      (recurrence)
 * lnGamma(w) = (w - 1/2) Log w - w + ln(2 pi)/2
 *              + sum_{j=1}^{J-1} B_2j / (2j (2j-1) w^(2j-1)) + R_J(w)   (Stirling)
 * with N chosen so that Re w = Re z + N >= R.  DLMF 5.11(ii): for
 * |ph w| < pi, |R_J(w)| <= |term_J| sec^(2J)(ph w / 2).  For Re w >= R this
 * bound is largest on the real axis (|w|^-(2j-1) sec^(2j)(theta/2) <=
 * R^-(2j-1) when Re w = R), so one table of J terms sized at w = R serves
 * every w; the loop itself stops at the first term whose bound is below
 * 2^-bits.  B_2j are exact rationals (refit_mpi_bern_init) rounded once.
 *
 * Branch: every Log is principal and Re(z + j) > 0 after enough shifts is
 * not needed: the sum of principal logs of the shift factors is the analytic
 * continuation of lnGamma from the positive real axis in the plane cut along
 * (-inf, 0] (both sides are analytic there and agree on the positive axis,
 * and lnGamma(w+1) = lnGamma(w) + Log w holds off the cut).  So Im lnGamma is
 * continuous along every horizontal line off the real axis.  The N logs are
 * not taken one by one: their sum is Log of the product P plus 2 pi k, with k
 * the integer that matches a double-precision sum of the N arguments (each
 * off by < 1e-15, far from the spacing 2 pi).
 */
#include <math.h>
#include <stddef.h>

#include <mpfr.h>

#include "refit/distribution_mp.h"
#include "theory/mp/mp_complex.h"
#include "theory/mp/mp_internal.h"

#define RND MPFR_RNDN
#define MAX_SHIFT 4194304.0 /* 2^22 */

/* ---- complex arithmetic ------------------------------------------------------ */

void refit_mpi_cx_init2(refit_mpi_cx *z, mpfr_prec_t prec)
{
    mpfr_inits2(prec, z->re, z->im, (mpfr_ptr)0);
}

void refit_mpi_cx_clear(refit_mpi_cx *z)
{
    mpfr_clears(z->re, z->im, (mpfr_ptr)0);
}

void refit_mpi_cx_set(refit_mpi_cx *r, const refit_mpi_cx *z)
{
    mpfr_set(r->re, z->re, RND);
    mpfr_set(r->im, z->im, RND);
}

static mpfr_prec_t cx_prec(const refit_mpi_cx *z)
{
    mpfr_prec_t a = mpfr_get_prec(z->re), b = mpfr_get_prec(z->im);
    return a > b ? a : b;
}

void refit_mpi_cx_mul(refit_mpi_cx *r, const refit_mpi_cx *x, const refit_mpi_cx *y)
{
    mpfr_t t1, t2, t3;
    mpfr_inits2(cx_prec(r) + 8, t1, t2, t3, (mpfr_ptr)0);
    mpfr_mul(t1, x->re, y->re, RND);
    mpfr_mul(t2, x->im, y->im, RND);
    mpfr_sub(t3, t1, t2, RND);
    mpfr_mul(t1, x->re, y->im, RND);
    mpfr_mul(t2, x->im, y->re, RND);
    mpfr_add(r->im, t1, t2, RND);
    mpfr_set(r->re, t3, RND);
    mpfr_clears(t1, t2, t3, (mpfr_ptr)0);
}

void refit_mpi_cx_div(refit_mpi_cx *r, const refit_mpi_cx *x, const refit_mpi_cx *y)
{
    /* x conj(y) / |y|^2 */
    mpfr_t d, t1, t2, t3;
    mpfr_inits2(cx_prec(r) + 8, d, t1, t2, t3, (mpfr_ptr)0);
    mpfr_sqr(d, y->re, RND);
    mpfr_sqr(t1, y->im, RND);
    mpfr_add(d, d, t1, RND);
    mpfr_mul(t1, x->re, y->re, RND);
    mpfr_mul(t2, x->im, y->im, RND);
    mpfr_add(t3, t1, t2, RND);
    mpfr_mul(t1, x->im, y->re, RND);
    mpfr_mul(t2, x->re, y->im, RND);
    mpfr_sub(t1, t1, t2, RND);
    mpfr_div(r->im, t1, d, RND);
    mpfr_div(r->re, t3, d, RND);
    mpfr_clears(d, t1, t2, t3, (mpfr_ptr)0);
}

void refit_mpi_cx_exp(refit_mpi_cx *r, const refit_mpi_cx *z)
{
    mpfr_t m, s, c;
    mpfr_inits2(cx_prec(r) + 8, m, s, c, (mpfr_ptr)0);
    mpfr_exp(m, z->re, RND);
    mpfr_sin_cos(s, c, z->im, RND);
    mpfr_mul(r->re, m, c, RND);
    mpfr_mul(r->im, m, s, RND);
    mpfr_clears(m, s, c, (mpfr_ptr)0);
}

void refit_mpi_cx_log(refit_mpi_cx *r, const refit_mpi_cx *z)
{
    mpfr_t h, a;
    mpfr_inits2(cx_prec(r) + 8, h, a, (mpfr_ptr)0);
    mpfr_hypot(h, z->re, z->im, RND);
    mpfr_atan2(a, z->im, z->re, RND);
    mpfr_log(r->re, h, RND);
    mpfr_set(r->im, a, RND);
    mpfr_clears(h, a, (mpfr_ptr)0);
}

/* ---- the log-gamma context ------------------------------------------------------ */

/* log2 of a bound on the Stirling term j at w = R (real): |B_2j| <=
 * 2 zeta(2) (2j)! / (2 pi)^(2j), lf = log2((2j)!). */
static double term_bound_log2(size_t j, double R, double lf)
{
    double tj = 2.0 * (double)j;
    return log2(2.0 * 1.6449340668482264) + lf - tj * log2(2.0 * 3.141592653589793) -
           log2(tj * (tj - 1.0)) - (tj - 1.0) * log2(R);
}

refit_status refit_mpi_lgamma_ctx_init(refit_mpi_lgamma_ctx *ctx, mpfr_prec_t bits,
                                       mpfr_prec_t table_prec)
{
    /* The smallest term is about e^(-2 pi R): R ~ 0.11 bits suffices; 0.2
     * bits + 4 halves the number of terms for a few more shifts. */
    double R = 0.2 * (double)bits + 4.0;
    size_t J = 0;
    ctx->bern.b = NULL;
    ctx->bern.count = 0;
    ctx->bits = bits;
    for (int attempt = 0; attempt < 40 && J == 0; attempt++) {
        double lf = 1.0; /* log2(2!) */
        double prev = HUGE_VAL;
        for (size_t j = 1;; j++) {
            double b;
            if (j > 1) lf += log2((double)(2 * j - 1)) + log2((double)(2 * j));
            b = term_bound_log2(j, R, lf);
            if (b <= -(double)bits - 2.0) {
                J = j;
                break;
            }
            if (b > prev) break; /* past the smallest term: R too small */
            prev = b;
        }
        if (J == 0) R *= 1.25;
    }
    if (J == 0) return REFIT_ERANGE;
    ctx->R = R;
    mpfr_init2(ctx->half_ln2pi, table_prec);
    mpfr_const_pi(ctx->half_ln2pi, RND);
    mpfr_mul_2ui(ctx->half_ln2pi, ctx->half_ln2pi, 1, RND);
    mpfr_log(ctx->half_ln2pi, ctx->half_ln2pi, RND);
    mpfr_div_2ui(ctx->half_ln2pi, ctx->half_ln2pi, 1, RND);
    {
        refit_status st = refit_mpi_bern_init(&ctx->bern, J, table_prec);
        if (st != REFIT_OK) mpfr_clear(ctx->half_ln2pi);
        return st;
    }
}

void refit_mpi_lgamma_ctx_clear(refit_mpi_lgamma_ctx *ctx)
{
    refit_mpi_bern_clear(&ctx->bern);
    mpfr_clear(ctx->half_ln2pi);
}

/* ---- lnGamma ------------------------------------------------------------------- */

static mpfr_prec_t bit_length(double v) /* ceil(log2(v + 1)), v >= 0 */
{
    return (mpfr_prec_t)ceil(log2(v + 1.0));
}

refit_status refit_mpi_clgamma(mpfr_t out_re, mpfr_t out_im, const mpfr_t re, const mpfr_t im,
                               const refit_mpi_lgamma_ctx *ctx)
{
    double red = mpfr_get_d(re, MPFR_RNDD), S = 0.0, secf, lw;
    unsigned long N = 0;
    mpfr_prec_t po = mpfr_get_prec(out_re) > mpfr_get_prec(out_im) ? mpfr_get_prec(out_re)
                                                                      : mpfr_get_prec(out_im);
    mpfr_prec_t wp;
    refit_mpi_cx w, P, L, u, u2, pw;
    mpfr_t t1, t2, t3, h, arg;
    refit_status st = REFIT_OK;
    int converged = 0;

    if (!mpfr_number_p(re) || !mpfr_number_p(im)) return REFIT_EDOM;
    if (mpfr_zero_p(im) && mpfr_integer_p(re) && mpfr_sgn(re) <= 0) return REFIT_EDOM; /* pole */
    if (red < ctx->R) {
        double gap = ceil(ctx->R - red);
        if (!(gap <= MAX_SHIFT)) return REFIT_EDOM;
        N = (unsigned long)gap;
    }
    wp = po + 8 + bit_length((double)N + 2.0);
    refit_mpi_cx_init2(&w, wp);
    refit_mpi_cx_init2(&P, wp);
    refit_mpi_cx_init2(&L, wp);
    refit_mpi_cx_init2(&u, wp);
    refit_mpi_cx_init2(&u2, wp);
    refit_mpi_cx_init2(&pw, wp);
    mpfr_inits2(wp, t1, t2, t3, h, arg, (mpfr_ptr)0);

    mpfr_set(w.im, im, RND);
    if (N > 0) {
        /* P = prod_{j<N} (z + j), S = sum of their arguments (double). */
        double imd = mpfr_get_d(im, RND);
        mpfr_set_ui(P.re, 1, RND);
        mpfr_set_zero(P.im, 1);
        for (unsigned long j = 0; j < N; j++) {
            mpfr_add_ui(w.re, re, j, RND); /* one rounding of z + j */
            S += atan2(imd, mpfr_get_d(w.re, RND));
            /* P *= w */
            mpfr_mul(t1, P.re, w.re, RND);
            mpfr_mul(t2, P.im, w.im, RND);
            mpfr_sub(t3, t1, t2, RND);
            mpfr_mul(t1, P.re, w.im, RND);
            mpfr_mul(t2, P.im, w.re, RND);
            mpfr_add(P.im, t1, t2, RND);
            mpfr_set(P.re, t3, RND);
        }
        mpfr_add_ui(w.re, re, N, RND);
    } else {
        mpfr_set(w.re, re, RND);
    }

    /* Stirling at w: A = (w - 1/2) Log w - w + ln(2 pi)/2. */
    refit_mpi_cx_log(&L, &w);
    mpfr_sub_d(t1, w.re, 0.5, RND); /* Re(w - 1/2) */
    mpfr_mul(t2, t1, L.re, RND);
    mpfr_mul(t3, w.im, L.im, RND);
    mpfr_sub(t2, t2, t3, RND);
    mpfr_sub(t2, t2, w.re, RND);
    mpfr_add(t2, t2, ctx->half_ln2pi, RND); /* Re A */
    mpfr_mul(t3, t1, L.im, RND);
    mpfr_mul(t1, w.im, L.re, RND);
    mpfr_add(t3, t3, t1, RND);
    mpfr_sub(t3, t3, w.im, RND); /* Im A */
    mpfr_set(L.re, t2, RND);
    mpfr_set(L.im, t3, RND); /* L = A from here on */

    /* Series in u = 1/w: terms B_2j/(2j(2j-1)) u^(2j-1). */
    mpfr_hypot(h, w.re, w.im, RND);
    mpfr_log2(t1, h, RND);
    lw = mpfr_get_d(t1, RND);
    mpfr_add(t1, h, w.re, RND);
    mpfr_div(t1, h, t1, RND);
    mpfr_mul_2ui(t1, t1, 1, RND);
    mpfr_log2(t1, t1, RND);
    secf = mpfr_get_d(t1, RND); /* log2 sec^2(theta/2) = log2(2|w|/(|w| + Re w)) */
    mpfr_sqr(t1, h, RND);
    mpfr_div(u.re, w.re, t1, RND);
    mpfr_div(u.im, w.im, t1, RND);
    mpfr_neg(u.im, u.im, RND);
    refit_mpi_cx_mul(&u2, &u, &u);
    refit_mpi_cx_set(&pw, &u);
    for (size_t j = 1; j <= ctx->bern.count; j++) {
        double tj = 2.0 * (double)j;
        const mpfr_t *B = &ctx->bern.b[j - 1];
        double bound = (double)mpfr_get_exp(*B) - log2(tj * (tj - 1.0)) - (tj - 1.0) * lw +
                       (double)j * secf;
        if (bound <= -(double)ctx->bits) {
            converged = 1;
            break;
        }
        mpfr_div_ui(t1, *B, (unsigned long)(2 * j * (2 * j - 1)), RND);
        mpfr_mul(t2, t1, pw.re, RND);
        mpfr_add(L.re, L.re, t2, RND);
        mpfr_mul(t2, t1, pw.im, RND);
        mpfr_add(L.im, L.im, t2, RND);
        /* pw *= u2 */
        mpfr_mul(t1, pw.re, u2.re, RND);
        mpfr_mul(t2, pw.im, u2.im, RND);
        mpfr_sub(t3, t1, t2, RND);
        mpfr_mul(t1, pw.re, u2.im, RND);
        mpfr_mul(t2, pw.im, u2.re, RND);
        mpfr_add(pw.im, t1, t2, RND);
        mpfr_set(pw.re, t3, RND);
    }
    if (!converged) {
        st = REFIT_ERANGE; /* table too short for this w: cannot happen for Re w >= R */
        mpfr_set_nan(out_re);
        mpfr_set_nan(out_im);
        goto done;
    }

    if (N > 0) {
        /* subtract Log P + 2 pi k i, k matching the summed arguments */
        double k;
        mpfr_hypot(h, P.re, P.im, RND);
        mpfr_log(h, h, RND);
        mpfr_atan2(arg, P.im, P.re, RND);
        k = nearbyint((S - mpfr_get_d(arg, RND)) / (2.0 * 3.141592653589793));
        mpfr_const_pi(t1, RND);
        mpfr_mul_2ui(t1, t1, 1, RND);
        mpfr_mul_d(t1, t1, k, RND);
        mpfr_add(arg, arg, t1, RND);
        mpfr_sub(L.re, L.re, h, RND);
        mpfr_sub(L.im, L.im, arg, RND);
    }
    mpfr_set(out_re, L.re, RND);
    mpfr_set(out_im, L.im, RND);
done:
    refit_mpi_cx_clear(&w);
    refit_mpi_cx_clear(&P);
    refit_mpi_cx_clear(&L);
    refit_mpi_cx_clear(&u);
    refit_mpi_cx_clear(&u2);
    refit_mpi_cx_clear(&pw);
    mpfr_clears(t1, t2, t3, h, arg, (mpfr_ptr)0);
    return st;
}

/* ---- the public function ----------------------------------------------------------- */

refit_status refit_mp_complex_lgamma(mpfr_t out_re, mpfr_t out_im, const mpfr_t re,
                                     const mpfr_t im)
{
    mpfr_prec_t p, extra = 0;
    mpfr_t zr, zi, vr, vi;
    refit_status st = REFIT_OK;
    if (!out_re || !out_im) return REFIT_EINVAL;
    if (!re || !im || out_re == out_im) {
        mpfr_set_nan(out_re);
        mpfr_set_nan(out_im);
        return REFIT_EINVAL;
    }
    p = mpfr_get_prec(out_re) > mpfr_get_prec(out_im) ? mpfr_get_prec(out_re)
                                                        : mpfr_get_prec(out_im);
    /* Copy the argument: the outputs may alias it. */
    mpfr_init2(zr, mpfr_get_prec(re));
    mpfr_init2(zi, mpfr_get_prec(im));
    mpfr_set(zr, re, RND);
    mpfr_set(zi, im, RND);
    if (!mpfr_number_p(zr) || !mpfr_number_p(zi) ||
        (mpfr_zero_p(zi) && mpfr_integer_p(zr) && mpfr_sgn(zr) <= 0)) {
        st = REFIT_EDOM;
        mpfr_set_nan(out_re);
        mpfr_set_nan(out_im);
        goto out;
    }
    if (mpfr_zero_p(zi) && (mpfr_cmp_ui(zr, 1) == 0 || mpfr_cmp_ui(zr, 2) == 0)) {
        mpfr_set_zero(out_re, 1); /* lnGamma(1) = lnGamma(2) = 0 exactly */
        mpfr_set(out_im, zi, RND);
        goto out;
    }
    mpfr_inits2(p, vr, vi, (mpfr_ptr)0);
    for (;;) {
        /* Absolute error 2^-bits: relative precision p needs bits >= p + 8 -
         * log2|component|; raise extra until that holds (once, usually). */
        refit_mpi_lgamma_ctx ctx;
        mpfr_prec_t bits = p + 16 + extra, need = extra, wp;
        double az = fabs(mpfr_get_d(zr, RND)) + fabs(mpfr_get_d(zi, RND)), nsh;
        st = refit_mpi_lgamma_ctx_init(&ctx, bits, bits + 64);
        if (st != REFIT_OK) break;
        nsh = ctx.R + 1.0 + fabs(mpfr_get_d(zr, RND));
        /* magnitudes: |(w - 1/2) Log w| and |Log P| <= (|z| + N) (ln(|z| + N) + 4) */
        wp = bits + 16 + (mpfr_prec_t)ceil(log2((az + nsh + 2.0) * (log(az + nsh + 2.0) + 4.0)));
        mpfr_set_prec(vr, wp);
        mpfr_set_prec(vi, wp);
        st = refit_mpi_clgamma(vr, vi, zr, zi, &ctx);
        refit_mpi_lgamma_ctx_clear(&ctx);
        if (st != REFIT_OK) break;
        if (!mpfr_zero_p(vr) && -mpfr_get_exp(vr) - 9 > need) need = -mpfr_get_exp(vr) + 16;
        if (!mpfr_zero_p(vi) && -mpfr_get_exp(vi) - 9 > need) need = -mpfr_get_exp(vi) + 16;
        if (need <= extra || extra > 2 * p + 256) break;
        extra = need;
    }
    if (st == REFIT_OK) {
        mpfr_set(out_re, vr, RND);
        mpfr_set(out_im, vi, RND);
    } else {
        mpfr_set_nan(out_re);
        mpfr_set_nan(out_im);
    }
    mpfr_clears(vr, vi, (mpfr_ptr)0);
out:
    mpfr_clears(zr, zi, (mpfr_ptr)0);
    return st;
}
