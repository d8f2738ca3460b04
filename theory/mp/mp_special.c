/* MPFR special functions for the twins: Bernoulli numbers, polygamma,
 * geometric sums and the one-generation moments.
 *
 * MPFR has digamma and lgamma but no trigamma or higher: psi^{(k)} comes
 * from the recurrence psi^{(k)}(x) = psi^{(k)}(x+1) - (-1)^k k!/x^{k+1},
 * which moves x above a threshold x0, and the asymptotic series
 *   psi^{(k)}(x) ~ (-1)^{k+1} [ (k-1)!/x^k + k!/(2x^{k+1})
 *                   + sum_{j>=1} B_{2j} (2j+k-1)! / ((2j)! x^{2j+k}) ]
 * whose remainder is bounded by the first omitted term (psi^{(k)} is
 * completely monotone up to sign), so the loop stops once a term drops
 * below 2^-prec of the sum.  The recurrence adds terms of one sign: no
 * cancellation.  The Bernoulli numbers are exact rationals, built per call
 * (no cached tables: the library keeps no mutable static state).
 */
#include <limits.h>
#include <math.h>
#include <stdlib.h>

#include <gmp.h>
#include <mpfr.h>

#include "refit/model.h"
#include "refit/theory_mp.h"
#include "theory/mp/mp_internal.h"

#define RND MPFR_RNDN

int refit_mpi_size_ok(double M)
{
    return isfinite(M) && M >= 2.0 && M <= REFIT_SIZE_MAX && M == floor(M);
}

double refit_mpi_divisor(double M, refit_estimator estimator)
{
    return estimator == REFIT_ESTIMATOR_MLE ? M : M - 1.0;
}

mpfr_prec_t refit_mpi_guard(double Mmax, uint64_t n)
{
    double t = Mmax + (double)n + 2.0; /* < 2^65: log2 is at most 65 */
    return 64 + 3 * (mpfr_prec_t)ceil(log2(t));
}

/* ---- Bernoulli numbers and the series' reach ------------------------------ */

/* log2(m!), by summation (lgamma() writes the global signgam: not used). */
static double log2_factorial(size_t m)
{
    double s = 0.0;
    for (size_t i = 2; i <= m; i++) s += log2((double)i);
    return s;
}

/* log2 of a bound on |term_J| / |leading term| of the series at x, for the
 * worst k in 0..3: |B_2J| <= 4 (2J)!/(2 pi)^2J, times (2J+2)!/((2J)! 2) for
 * k = 3, or x/J for k = 0 (whose leading term is only 1/(2x)). */
static double series_bound_log2(size_t J, double x, double lfact)
{
    double tj = 2.0 * (double)J;
    return 2.0 + log2(x + 1.0) + lfact - 1.0 - tj * log2(2.0 * 3.141592653589793 * x);
}

size_t refit_mpi_bern_default_terms(mpfr_prec_t prec)
{
    return (size_t)(prec / 8) + 8;
}

size_t refit_mpi_bern_terms_at(double xmin, mpfr_prec_t prec, size_t jmax)
{
    double lfact = log2_factorial(4); /* (2J+2)! for J = 1 */
    if (!(xmin > 1.0)) return 0;
    for (size_t J = 1; J <= jmax; J++) {
        if (J > 1) lfact += log2((double)(2 * J + 1)) + log2((double)(2 * J + 2));
        if (series_bound_log2(J, xmin, lfact) <= -(double)(prec + 8)) return J;
    }
    return 0;
}

/* Smallest x (roughly) where J terms reach prec + 8 bits: fixed-point
 * iteration of log2(2 pi x) = (prec + 8 + 1 + log2(x+1) + lfact)/(2J),
 * a contraction for J >= 1. */
static double series_threshold(size_t J, mpfr_prec_t prec)
{
    double lfact = log2_factorial(2 * J + 2);
    double tj = 2.0 * (double)J, x = 1.0;
    for (int it = 0; it < 60; it++) {
        double l2 = ((double)prec + 8.0 + 1.0 + log2(x + 1.0) + lfact) / tj;
        if (l2 > 1000.0) return HUGE_VAL;
        x = exp2(l2) / (2.0 * 3.141592653589793);
    }
    return ceil(x) + 1.0;
}

/* Tangent numbers T_1..T_J by the integer recurrence of Brent and Harvey
 * (2011), then B_2j = (-1)^{j-1} 2j T_j / (4^j (4^j - 1)) exactly. */
refit_status refit_mpi_bern_init(refit_mpi_bern *bern, size_t J, mpfr_prec_t prec)
{
    mpz_t *T;
    mpz_t den;
    mpq_t q;
    bern->count = 0;
    bern->b = NULL;
    bern->prec = prec;
    bern->x0 = series_threshold(J, prec);
    if (J == 0) return REFIT_OK;
    T = malloc(J * sizeof *T);
    bern->b = malloc(J * sizeof *bern->b);
    if (!T || !bern->b) {
        free(T);
        free(bern->b);
        bern->b = NULL;
        return REFIT_ENOMEM;
    }
    for (size_t i = 0; i < J; i++) mpz_init(T[i]);
    /* T[i] holds T_{i+1}. */
    mpz_set_ui(T[0], 1);
    for (size_t k = 2; k <= J; k++) mpz_mul_ui(T[k - 1], T[k - 2], (unsigned long)(k - 1));
    for (size_t k = 2; k <= J; k++)
        for (size_t j = k; j <= J; j++) {
            mpz_mul_ui(T[j - 1], T[j - 1], (unsigned long)(j - k + 2));
            mpz_addmul_ui(T[j - 1], T[j - 2], (unsigned long)(j - k));
        }
    mpz_init(den);
    mpq_init(q);
    for (size_t j = 1; j <= J; j++) {
        /* den = 4^j (4^j - 1) */
        mpz_set_ui(den, 1);
        mpz_mul_2exp(den, den, (mp_bitcnt_t)(2 * j));
        mpz_sub_ui(den, den, 1);
        mpz_mul_2exp(den, den, (mp_bitcnt_t)(2 * j));
        mpz_mul_ui(mpq_numref(q), T[j - 1], (unsigned long)(2 * j));
        if (j % 2 == 0) mpz_neg(mpq_numref(q), mpq_numref(q));
        mpz_set(mpq_denref(q), den);
        mpq_canonicalize(q);
        mpfr_init2(bern->b[j - 1], prec);
        mpfr_set_q(bern->b[j - 1], q, RND);
    }
    mpq_clear(q);
    mpz_clear(den);
    for (size_t i = 0; i < J; i++) mpz_clear(T[i]);
    free(T);
    bern->count = J;
    return REFIT_OK;
}

void refit_mpi_bern_clear(refit_mpi_bern *bern)
{
    if (!bern->b) return;
    for (size_t j = 0; j < bern->count; j++) mpfr_clear(bern->b[j]);
    free(bern->b);
    bern->b = NULL;
    bern->count = 0;
}

/* ---- polygamma ------------------------------------------------------------ */

/* (2j+k-1)!/(2j)! for k = 1..3. */
static unsigned long series_coef(int k, size_t j)
{
    unsigned long tj = (unsigned long)(2 * j);
    switch (k) {
    case 1: return 1;
    case 2: return tj + 1;
    default: return (tj + 1) * (tj + 2);
    }
}

void refit_mpi_polygamma_series(mpfr_t out, int k, const mpfr_t x, const refit_mpi_bern *bern)
{
    /* 16 more bits than the table: the shift sums up to ~x0 terms. */
    mpfr_prec_t wp = bern->prec + 16;
    mpfr_t xs, acc, t, y, pw, term, sum;
    unsigned long kfact = (k == 3) ? 6 : (k == 2 ? 2 : 1); /* k! */
    int shifted = 0;

    mpfr_inits2(wp, xs, acc, t, y, pw, term, sum, (mpfr_ptr)0);
    mpfr_set(xs, x, RND);
    mpfr_set_zero(acc, 1);
    /* (x0 is finite and below a few thousand for the default table.) */
    if (isfinite(bern->x0) && mpfr_cmp_d(x, bern->x0) < 0) {
        /* x0 - x < x0 <= a few thousand: the step count fits easily. */
        double gap = bern->x0 - mpfr_get_d(x, MPFR_RNDD);
        unsigned long N = (unsigned long)ceil(gap);
        shifted = 1;
        for (unsigned long i = 0; i < N; i++) {
            if (k == 0) {
                mpfr_ui_div(t, 1, xs, RND);
            } else {
                mpfr_pow_ui(t, xs, (unsigned long)(k + 1), RND);
                mpfr_ui_div(t, 1, t, RND);
            }
            mpfr_add(acc, acc, t, RND);
            mpfr_add_ui(xs, xs, 1, RND);
        }
    }

    mpfr_ui_div(y, 1, xs, RND);
    mpfr_sqr(y, y, RND); /* 1/xs^2 */
    if (k == 0) {
        /* psi(xs) - ln xs ~ -1/(2xs) - sum B_2j / (2j xs^2j) */
        mpfr_ui_div(sum, 1, xs, RND);
        mpfr_div_2ui(sum, sum, 1, RND);
        mpfr_neg(sum, sum, RND);
        mpfr_set_ui(pw, 1, RND);
        for (size_t j = 1; j <= bern->count; j++) {
            mpfr_mul(pw, pw, y, RND);
            mpfr_mul(term, bern->b[j - 1], pw, RND);
            mpfr_div_ui(term, term, (unsigned long)(2 * j), RND);
            mpfr_sub(sum, sum, term, RND);
            if (mpfr_zero_p(term) || mpfr_get_exp(term) < mpfr_get_exp(sum) - wp - 2) break;
        }
        /* psi(x) - ln x = [psi(xs) - ln xs] + ln(xs/x) - sum 1/(x+i) */
        if (shifted) {
            mpfr_div(t, xs, x, RND);
            mpfr_log(t, t, RND);
            mpfr_add(sum, sum, t, RND);
            mpfr_sub(sum, sum, acc, RND);
        }
        mpfr_set(out, sum, RND);
    } else {
        unsigned long km1fact = (k == 3) ? 2 : 1; /* (k-1)! */
        mpfr_pow_ui(pw, xs, (unsigned long)k, RND);
        mpfr_ui_div(pw, 1, pw, RND); /* xs^-k */
        mpfr_mul_ui(sum, pw, km1fact, RND);
        mpfr_div(t, pw, xs, RND);
        mpfr_mul_ui(t, t, kfact, RND);
        mpfr_div_2ui(t, t, 1, RND);
        mpfr_add(sum, sum, t, RND);
        for (size_t j = 1; j <= bern->count; j++) {
            mpfr_mul(pw, pw, y, RND);
            mpfr_mul(term, bern->b[j - 1], pw, RND);
            mpfr_mul_ui(term, term, series_coef(k, j), RND);
            mpfr_add(sum, sum, term, RND);
            if (mpfr_zero_p(term) || mpfr_get_exp(term) < mpfr_get_exp(sum) - wp - 2) break;
        }
        /* psi^{(k)}(x) = (-1)^{k+1} [series + k! sum 1/(x+i)^{k+1}] */
        mpfr_mul_ui(acc, acc, kfact, RND);
        mpfr_add(sum, sum, acc, RND);
        if (k % 2 == 0) mpfr_neg(sum, sum, RND);
        mpfr_set(out, sum, RND);
    }
    mpfr_clears(xs, acc, t, y, pw, term, sum, (mpfr_ptr)0);
}

void refit_mpi_half_ratio_series(mpfr_t out, const mpfr_t a, const refit_mpi_bern *bern)
{
    /* ln Gamma(a+1/2) - ln Gamma(a) ~ (1/2) ln a
     *     + sum_{j>=1} (2^{1-2j} - 2) B_2j / (2j (2j-1) a^{2j-1}),
     * from B_n(1/2) = (2^{1-n} - 1) B_n in the Stirling series of
     * ln Gamma(a + h); the terms shrink like those of psi's series. */
    mpfr_prec_t wp = bern->prec + 16;
    mpfr_t y, pw, term, sum, c;
    mpfr_inits2(wp, y, pw, term, sum, c, (mpfr_ptr)0);
    mpfr_log(sum, a, RND);
    mpfr_div_2ui(sum, sum, 1, RND);
    mpfr_ui_div(pw, 1, a, RND); /* a^-(2j-1), starting at j = 1 */
    mpfr_sqr(y, pw, RND);
    for (size_t j = 1; j <= bern->count; j++) {
        if (j > 1) mpfr_mul(pw, pw, y, RND);
        /* c = 2^{1-2j} - 2, exact */
        mpfr_set_ui(c, 1, RND);
        mpfr_div_2ui(c, c, (unsigned long)(2 * j - 1), RND);
        mpfr_sub_ui(c, c, 2, RND);
        mpfr_mul(term, bern->b[j - 1], c, RND);
        mpfr_div_ui(term, term, (unsigned long)(2 * j), RND);
        mpfr_div_ui(term, term, (unsigned long)(2 * j - 1), RND);
        mpfr_mul(term, term, pw, RND);
        mpfr_add(sum, sum, term, RND);
        if (mpfr_zero_p(term) || mpfr_get_exp(term) < mpfr_get_exp(sum) - wp - 2) break;
    }
    mpfr_exp(out, sum, RND);
    mpfr_clears(y, pw, term, sum, c, (mpfr_ptr)0);
}

refit_status refit_mp_polygamma(mpfr_t out, int k, const mpfr_t x)
{
    refit_mpi_bern bern;
    refit_status st;
    mpfr_prec_t bp;
    size_t J, Jdef;
    double xd, x0def;

    /* out may be x itself: write it only after x has been read. */
    if (!out) return REFIT_EINVAL;
    if (!x || k < 0 || k > 3) {
        mpfr_set_nan(out);
        return REFIT_EINVAL;
    }
    if (!mpfr_number_p(x) || mpfr_sgn(x) <= 0) {
        mpfr_set_nan(out);
        return REFIT_EDOM;
    }
    if (k == 0) {
        mpfr_digamma(out, x, RND);
        return REFIT_OK;
    }
    /* 24 guard bits: the table and the series lose a few bits each. */
    bp = mpfr_get_prec(out) + 24;
    Jdef = refit_mpi_bern_default_terms(bp);
    x0def = series_threshold(Jdef, bp);
    xd = mpfr_get_d(x, MPFR_RNDD);
    J = Jdef;
    if (xd >= x0def) {
        /* Large x needs fewer terms (and no shift). */
        size_t Jx = refit_mpi_bern_terms_at(xd, bp, Jdef);
        if (Jx > 0) J = Jx;
    }
    st = refit_mpi_bern_init(&bern, J, bp);
    if (st == REFIT_OK && J != Jdef && !(bern.x0 <= xd + 4.0)) {
        /* Should not happen (x0(J) <= xd by the choice of J); be safe. */
        refit_mpi_bern_clear(&bern);
        st = refit_mpi_bern_init(&bern, Jdef, bp);
    }
    if (st != REFIT_OK) {
        mpfr_set_nan(out);
        return st;
    }
    refit_mpi_polygamma_series(out, k, x, &bern); /* reads x before writing out */
    refit_mpi_bern_clear(&bern);
    return REFIT_OK;
}

/* ---- geometric sums and powers --------------------------------------------- */

void refit_mpi_pow_u64(mpfr_t out, const mpfr_t x, uint64_t n)
{
    mpfr_t nn;
    mpfr_init2(nn, 64);
    mpfr_set_uj(nn, (uintmax_t)n, RND);
    mpfr_pow(out, x, nn, RND);
    mpfr_clear(nn);
}

void refit_mpi_geom(mpfr_t out, const mpfr_t eps, uint64_t n)
{
    /* expm1(L) with L = n log1p(eps) loses log2|L| <= 66 bits relative:
     * 80 extra bits cover any 64-bit n. */
    mpfr_prec_t wp = mpfr_get_prec(out) + 80;
    mpfr_t L, nn;
    if (mpfr_zero_p(eps)) {
        mpfr_set_uj(out, (uintmax_t)n, RND);
        return;
    }
    mpfr_inits2(wp, L, nn, (mpfr_ptr)0);
    mpfr_set_uj(nn, (uintmax_t)n, RND);
    mpfr_log1p(L, eps, RND);
    mpfr_mul(L, L, nn, RND);
    mpfr_expm1(L, L, RND);
    mpfr_div(out, L, eps, RND);
    mpfr_clears(L, nn, (mpfr_ptr)0);
}

/* ---- one-generation moments ------------------------------------------------- */

/* log2 of a bound on |lnGamma(x)|, x > 0. */
static double log2_lgamma_bound(double x)
{
    if (x >= 1.0) return log2(x) + log2(log(x) + 2.0);
    return log2(2.0 - log(x));
}

/* log2 of a bound on the three terms of r ln(2/D) + lgamma(a+r) - lgamma(a). */
static double moment_terms_log2(double M, refit_estimator estimator, double r)
{
    double D = refit_mpi_divisor(M, estimator), a = 0.5 * (M - 1.0);
    double l1 = log2_lgamma_bound(a), l2 = log2_lgamma_bound(a + r), l3 = -1100.0;
    if (r != 0.0) l3 = log2(fabs(r)) + log2(fabs(log(2.0 / D)) + 1.0);
    return fmax(fmax(l1, l2), fmax(l3, 0.0)) + 2.0;
}

/* E = r ln(2/D) + lgamma(a+r) - lgamma(a) at precision wp. */
static void moment_exponent(mpfr_t E, double M, refit_estimator estimator, double r)
{
    mpfr_prec_t wp = mpfr_get_prec(E);
    double D = refit_mpi_divisor(M, estimator);
    mpfr_t a, t, u;
    int sgn;
    mpfr_inits2(wp, a, t, u, (mpfr_ptr)0);
    mpfr_set_d(a, M - 1.0, RND);
    mpfr_div_2ui(a, a, 1, RND); /* exact */
    /* r ln(2/D) = r (ln 2 - ln D) */
    mpfr_set_d(t, D, RND);
    mpfr_log(t, t, RND);
    mpfr_const_log2(u, RND);
    mpfr_sub(t, u, t, RND);
    mpfr_mul_d(E, t, r, RND);
    mpfr_add_d(t, a, r, RND);
    mpfr_lgamma(u, &sgn, t, RND); /* a + r > 0: Gamma > 0 */
    mpfr_add(E, E, u, RND);
    mpfr_lgamma(u, &sgn, a, RND);
    mpfr_sub(E, E, u, RND);
    mpfr_clears(a, t, u, (mpfr_ptr)0);
}

void refit_mpi_factor_moment(mpfr_t out, double M, refit_estimator estimator, double r)
{
    /* exp(E) has relative error = absolute error of E, which is about
     * 2^-wp times the largest term: add its bit length. */
    mpfr_prec_t wp =
        mpfr_get_prec(out) + 24 + (mpfr_prec_t)ceil(moment_terms_log2(M, estimator, r));
    mpfr_t E;
    mpfr_init2(E, wp);
    moment_exponent(E, M, estimator, r);
    mpfr_exp(out, E, RND);
    mpfr_clear(E);
}

/* ln m(r) to relative precision: E can be far smaller than its terms (it
 * vanishes at r = 0, at r = 1 under U, and near one irrational r under MLE),
 * so raise the precision until the bits lost to cancellation are covered. */
static void factor_moment_log(mpfr_t out, double M, refit_estimator estimator, double r)
{
    mpfr_prec_t p = mpfr_get_prec(out);
    double tl = moment_terms_log2(M, estimator, r);
    mpfr_prec_t base = p + 24 + (mpfr_prec_t)ceil(tl), extra = 0;
    mpfr_t E;
    if (r == 0.0 || (estimator == REFIT_ESTIMATOR_UNBIASED && r == 1.0)) {
        mpfr_set_zero(out, 1); /* exactly: m(0) = 1, and m(1) = k/D = 1 under U */
        return;
    }
    mpfr_init2(E, base);
    for (;;) {
        mpfr_prec_t need;
        mpfr_set_prec(E, base + extra);
        moment_exponent(E, M, estimator, r);
        /* The terms are below 2^tl, so the absolute error is about
         * 2^-(p + 24 + extra); it must stay below 2^(exp(E) - p - 8). */
        if (mpfr_zero_p(E))
            need = extra + 64;
        else if (mpfr_get_exp(E) >= 0)
            break;
        else
            need = (mpfr_prec_t)(-mpfr_get_exp(E)) - 16;
        if (need <= extra || extra > 8192) break;
        extra = need + 16;
    }
    mpfr_set(out, E, RND);
    mpfr_clear(E);
}

void refit_mpi_log_drift(mpfr_t out, double M, refit_estimator estimator)
{
    /* psi(a) ~ ln a - 1/(2a) against ln(2/D) ~ -ln a: the result is about
     * 1/M, so log2(M ln M) <= log2 M + 6 bits cancel. */
    mpfr_prec_t wp = mpfr_get_prec(out) + 32 + (mpfr_prec_t)ceil(log2(M)) + 6;
    double D = refit_mpi_divisor(M, estimator);
    mpfr_t a, t, u;
    mpfr_inits2(wp, a, t, u, (mpfr_ptr)0);
    mpfr_set_d(a, M - 1.0, RND);
    mpfr_div_2ui(a, a, 1, RND);
    mpfr_digamma(t, a, RND);
    mpfr_set_d(u, D, RND);
    mpfr_ui_div(u, 2, u, RND);
    mpfr_log(u, u, RND);
    mpfr_add(out, t, u, RND);
    mpfr_clears(a, t, u, (mpfr_ptr)0);
}

/* ---- the public one-generation twins ------------------------------------------ */

static refit_status check_factor_args(mpfr_t out, double M, refit_estimator estimator)
{
    if (!out) return REFIT_EINVAL;
    mpfr_set_nan(out);
    if (estimator != REFIT_ESTIMATOR_UNBIASED && estimator != REFIT_ESTIMATOR_MLE)
        return REFIT_EINVAL;
    if (!refit_mpi_size_ok(M)) return REFIT_EDOM;
    return REFIT_OK;
}

/* r must be finite with a + r > 0. */
static int moment_r_ok(double M, double r)
{
    return isfinite(r) && r > -0.5 * (M - 1.0);
}

static refit_status finish(mpfr_t out)
{
    if (!mpfr_number_p(out) || mpfr_zero_p(out)) {
        mpfr_set_nan(out);
        return REFIT_ERANGE; /* beyond MPFR's exponent range */
    }
    return REFIT_OK;
}

refit_status refit_mp_factor_moment(mpfr_t out, double M, refit_estimator estimator, double r)
{
    refit_status st = check_factor_args(out, M, estimator);
    if (st != REFIT_OK) return st;
    if (!moment_r_ok(M, r)) return REFIT_EDOM;
    refit_mpi_factor_moment(out, M, estimator, r);
    return finish(out);
}

refit_status refit_mp_factor_moment_log(mpfr_t out, double M, refit_estimator estimator, double r)
{
    refit_status st = check_factor_args(out, M, estimator);
    if (st != REFIT_OK) return st;
    if (!moment_r_ok(M, r)) return REFIT_EDOM;
    factor_moment_log(out, M, estimator, r);
    if (!mpfr_number_p(out)) {
        mpfr_set_nan(out);
        return REFIT_ERANGE;
    }
    return REFIT_OK;
}

refit_status refit_mp_c4(mpfr_t out, double M)
{
    refit_status st = check_factor_args(out, M, REFIT_ESTIMATOR_UNBIASED);
    if (st != REFIT_OK) return st;
    refit_mpi_factor_moment(out, M, REFIT_ESTIMATOR_UNBIASED, 0.5);
    return finish(out);
}

refit_status refit_mp_factor_log_cumulant(mpfr_t out, double M, refit_estimator estimator, int j)
{
    refit_status st = check_factor_args(out, M, estimator);
    mpfr_t a;
    if (st != REFIT_OK) return st;
    if (j < 1 || j > 4) return REFIT_EINVAL;
    if (j == 1) {
        refit_mpi_log_drift(out, M, estimator);
        return REFIT_OK;
    }
    mpfr_init2(a, 64);
    mpfr_set_d(a, 0.5 * (M - 1.0), RND); /* exact: 53 bits */
    st = refit_mp_polygamma(out, j - 1, a);
    mpfr_clear(a);
    return st;
}

refit_status refit_mp_mix_lambda_star(mpfr_t out, double M, refit_estimator estimator)
{
    refit_status st = check_factor_args(out, M, estimator);
    mpfr_t t;
    if (st != REFIT_OK) return st;
    if (estimator == REFIT_ESTIMATOR_MLE) {
        mpfr_set_zero(out, 1);
        return REFIT_OK;
    }
    /* 1 - sqrt(1 - 1/M) = 1 / (M + sqrt(M (M-1))): no cancellation. */
    mpfr_init2(t, mpfr_get_prec(out) + 16);
    mpfr_set_d(t, M, RND);
    mpfr_mul_d(t, t, M - 1.0, RND);
    mpfr_sqrt(t, t, RND);
    mpfr_add_d(t, t, M, RND);
    mpfr_ui_div(out, 1, t, RND);
    mpfr_clear(t);
    return REFIT_OK;
}
