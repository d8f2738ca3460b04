/* MPFR twins of the n-generation closed forms (refit_theory_quantity,
 * refit_theory_var_moment and the mix regime's fixed point).
 *
 * Replace regime.  Write rho_i = sigma_i^2 / sigma^2, X = sqrt(rho_n) and
 * V = sum_{i<n} rho_i / M_i.  Given the path of variances, mu_n - mu is
 * N(0, sigma^2 V) and independent of sigma_n, so
 *   W2^2 = sigma^2 [V Z^2 + (X - 1)^2]  in law,  Z ~ N(0,1) independent,
 * and every quantity is a polynomial in the raw moments
 *   P_s = E rho_n^s = prod m_i(s) (s = 1/2, 1, 3/2, 2), EV = E V,
 *   S = E[V rho_n], T1 = E[V sqrt(rho_n)], Q = E V^2,
 * and the sums K_j of the log-cumulants.  They obey a linear recursion over
 * generations with non-negative coefficients (no cancellation):
 *   Q += P_2/M^2 + 2 S/M,  S = (S + P_2/M) m(1),  T1 = (T1 + P_{3/2}/M) m(1/2),
 *   EV += P_1/M,  P_s *= m(s),  K_j += kappa_j.
 * For a constant size the recursion is summed in closed form with
 * geometric sums G(q, T) = sum_{i<T} q^i (expm1/log1p of the exact
 * rational q - 1) and the double sum
 *   sum_{0<=i<j<T} m(2)^i m(1)^{j-i} = (G(m(2), T) - G(m(1), T)) / (r_2 - 1),
 * with r_2 = m(2)/m(1) = (k+2)/D; the ratios m(s+1)/m(s) = (k+2s)/D are
 * exact rationals, so m(3/2) = m(1/2) (k+1)/D.  Non-constant schedules run
 * the recursion generation by generation (a LIST's repeating last size is
 * again summed in closed form).  The quantities are then formed raw, e.g.
 *   Var W2^2 / sigma^4 = 3Q + 2S - 4T1 + 2EV + P_2 - 4P_{3/2} + 6P_1 - 4P_{1/2} + 1
 *                        - (EV + P_1 - 2P_{1/2} + 1)^2,
 * at prec(out) + refit_mpi_guard() bits, which covers the cancellations.
 *
 * Accumulate: var_mean from the telescoped Gamma-function product, mean_mse
 * by summing the recursion (O(n)).  Mix: the 2x2 linear recursion, by
 * powering its (affine) matrix for a constant size (non-negative entries: no
 * cancellation), directly otherwise.
 */
#include <math.h>
#include <stdlib.h>

#include <mpfr.h>

#include "refit/model.h"
#include "refit/theory.h"
#include "refit/theory_mp.h"
#include "theory/mp/mp_internal.h"

#define RND MPFR_RNDN

/* ---- schedule helpers ---------------------------------------------------- */

/* The largest size among generations 0..n-1 (generation 0 when n = 0),
 * for the guard bits; REFIT_EDOM if a size is out of range.  POLY sizes
 * never decrease (alpha >= 0), so its last generation is the largest. */
static refit_status schedule_max(const refit_schedule *s, uint64_t n, double *Mmax)
{
    double M;
    refit_status st = refit_schedule_size(s, 0, &M);
    if (st != REFIT_OK) return st;
    *Mmax = M;
    if (n <= 1 || refit_schedule_is_constant(s)) return REFIT_OK;
    if (s->kind == REFIT_SCHEDULE_LIST) {
        uint64_t lim = n < (uint64_t)s->count ? n : (uint64_t)s->count;
        for (uint64_t i = 1; i < lim; i++) {
            st = refit_schedule_size(s, i, &M);
            if (st != REFIT_OK) return st;
            if (M > *Mmax) *Mmax = M;
        }
        return REFIT_OK;
    }
    st = refit_schedule_size(s, n - 1, &M);
    if (st != REFIT_OK) return st;
    if (M > *Mmax) *Mmax = M;
    return REFIT_OK;
}

/* Generations before a LIST's last size starts repeating (all n for POLY). */
static uint64_t schedule_head(const refit_schedule *s, uint64_t n)
{
    if (s->kind == REFIT_SCHEDULE_LIST && (uint64_t)(s->count - 1) < n)
        return (uint64_t)(s->count - 1);
    return n;
}

static mpfr_prec_t working_prec(mpfr_prec_t p, double Mmax, uint64_t n)
{
    /* At least 64 bits of payload so that products of two doubles are exact. */
    return (p < 64 ? 64 : p) + refit_mpi_guard(Mmax, n);
}

static int regime_has(refit_regime regime, refit_quantity q)
{
    if (regime == REFIT_REGIME_REPLACE) return 1;
    return q == REFIT_Q_VAR_MEAN || q == REFIT_Q_MEAN_MSE || q == REFIT_Q_MARGINAL_VAR ||
           q == REFIT_Q_W2SQ_LOWER;
}

/* ---- replace: per-size coefficients ----------------------------------------- */

enum { X_PH, X_P1, X_P3H, X_P2, X_EV, X_S, X_T1, X_Q, X_K1, X_K2, X_K3, X_K4, X_COUNT };

#define NEED_C 1u                  /* m(1/2): P_{1/2}, P_{3/2}, T1 */
#define NEED_K(j) (1u << (j))      /* kappa_j, j = 1..4 */
#define NEED_ANY_K (NEED_K(1) | NEED_K(2) | NEED_K(3) | NEED_K(4))

static unsigned replace_needs(refit_quantity q)
{
    switch (q) {
    case REFIT_Q_SD_MEAN:
    case REFIT_Q_W2SQ_MEAN:
    case REFIT_Q_W2SQ_VAR: return NEED_C;
    case REFIT_Q_LOGVAR_MEAN: return NEED_K(1);
    case REFIT_Q_LOGVAR_VAR: return NEED_K(2);
    case REFIT_Q_LOGVAR_K3: return NEED_K(3);
    case REFIT_Q_LOGVAR_K4: return NEED_K(4);
    default: return 0;
    }
}

typedef struct gen_coef {
    double M;
    mpfr_t invM, g, h2, c, c3, r1;          /* 1/M, m(1), m(2), m(1/2), m(3/2), (k+1)/D */
    mpfr_t eps_g, eps_h2, eps_r1, eps_r2;   /* m(1)-1, m(2)-1, r_1-1, r_2-1 (exact forms) */
    mpfr_t kap[4];
} gen_coef;

/* Gamma(a+1/2)/Gamma(a) carried across generations: R(x+1/2) = x / R(x). */
typedef struct half_ratio {
    int have;
    double M;
    mpfr_t R;
} half_ratio;

static void coef_init(gen_coef *cf, mpfr_prec_t wp)
{
    cf->M = 0.0;
    mpfr_inits2(wp, cf->invM, cf->g, cf->h2, cf->c, cf->c3, cf->r1, cf->eps_g, cf->eps_h2,
                cf->eps_r1, cf->eps_r2, cf->kap[0], cf->kap[1], cf->kap[2], cf->kap[3],
                (mpfr_ptr)0);
}

static void coef_clear(gen_coef *cf)
{
    mpfr_clears(cf->invM, cf->g, cf->h2, cf->c, cf->c3, cf->r1, cf->eps_g, cf->eps_h2, cf->eps_r1,
                cf->eps_r2, cf->kap[0], cf->kap[1], cf->kap[2], cf->kap[3], (mpfr_ptr)0);
}

/* m(1/2) = sqrt(2/D) Gamma(a+1/2)/Gamma(a) for the generation-by-generation
 * path: the ratio R stepped up from the previous size when that grew a
 * little (R(x+1/2) = x/R(x), 32 steps at most: a chain of at most 32 n
 * roundings, covered by the guard), else from its asymptotic series above
 * the table's threshold, else from lgamma. */
static void half_moment_loop(mpfr_t c, double M, refit_estimator est, const refit_mpi_bern *bern,
                             half_ratio *hr)
{
    mpfr_prec_t wp = mpfr_get_prec(c);
    double D = refit_mpi_divisor(M, est), a = 0.5 * (M - 1.0);
    mpfr_t t, x;
    mpfr_inits2(wp, t, x, (mpfr_ptr)0);
    if (hr->have && M > hr->M && M - hr->M <= 32.0) {
        double steps = M - hr->M;
        mpfr_set_d(x, 0.5 * (hr->M - 1.0), RND); /* a of the previous size */
        for (double i = 0; i < steps; i += 1.0) {
            mpfr_div(hr->R, x, hr->R, RND);
            mpfr_add_d(x, x, 0.5, RND);
        }
    } else if (bern->count > 0 && a >= bern->x0) {
        mpfr_set_d(x, a, RND);
        refit_mpi_half_ratio_series(hr->R, x, bern);
    } else {
        refit_mpi_factor_moment(c, M, est, 0.5);
        mpfr_set_d(t, D, RND);
        mpfr_div_2ui(t, t, 1, RND);
        mpfr_sqrt(t, t, RND);
        mpfr_mul(hr->R, c, t, RND); /* R = m(1/2) sqrt(D/2) */
    }
    mpfr_set_d(t, D, RND);
    mpfr_ui_div(t, 2, t, RND);
    mpfr_sqrt(t, t, RND);
    mpfr_mul(c, hr->R, t, RND);
    hr->have = 1;
    hr->M = M;
    mpfr_clears(t, x, (mpfr_ptr)0);
}

/* Fill the coefficients of size M.  closed != 0: the closed-form path
 * (m(1/2) from lgamma, kappa_1 from mpfr_digamma); else the loop path
 * (m(1/2) from the series or steps of the half-ratio, kappa_1 from the
 * psi - ln series), so
 * that comparing the two paths also compares these computations. */
static void coef_fill(gen_coef *cf, double M, refit_estimator est, unsigned needs, int closed,
                      const refit_mpi_bern *bern, half_ratio *hr)
{
    double k = M - 1.0, D = refit_mpi_divisor(M, est);
    int mle = est == REFIT_ESTIMATOR_MLE;
    mpfr_prec_t wp = mpfr_get_prec(cf->g);
    cf->M = M;
    mpfr_set_d(cf->invM, M, RND);
    mpfr_ui_div(cf->invM, 1, cf->invM, RND);
    mpfr_set_d(cf->g, k, RND);
    mpfr_div_d(cf->g, cf->g, D, RND);
    mpfr_set_d(cf->r1, M, RND); /* k + 1 */
    mpfr_div_d(cf->r1, cf->r1, D, RND);
    /* m(2) = (k/D) (k+2)/D */
    mpfr_set_d(cf->h2, M, RND);
    mpfr_add_ui(cf->h2, cf->h2, 1, RND); /* k + 2 in MPFR: 2^53 + 1 is not a double */
    mpfr_div_d(cf->h2, cf->h2, D, RND);
    mpfr_mul(cf->h2, cf->h2, cf->g, RND);
    /* q - 1 for the ratios, simplified exactly:
     * U:   m(1)-1 = 0,    m(2)-1 = 2/k,      r1-1 = 1/k, r2-1 = 2/k;
     * MLE: m(1)-1 = -1/M, m(2)-1 = -1/M^2,   r1-1 = 0,   r2-1 = 1/M. */
    if (mle) {
        mpfr_neg(cf->eps_g, cf->invM, RND);
        mpfr_sqr(cf->eps_h2, cf->invM, RND);
        mpfr_neg(cf->eps_h2, cf->eps_h2, RND);
        mpfr_set_zero(cf->eps_r1, 1);
        mpfr_set(cf->eps_r2, cf->invM, RND);
    } else {
        mpfr_set_zero(cf->eps_g, 1);
        mpfr_set_d(cf->eps_r1, k, RND);
        mpfr_ui_div(cf->eps_r1, 1, cf->eps_r1, RND);
        mpfr_mul_2ui(cf->eps_r2, cf->eps_r1, 1, RND);
        mpfr_set(cf->eps_h2, cf->eps_r2, RND);
    }
    if (needs & NEED_C) {
        if (closed)
            refit_mpi_factor_moment(cf->c, M, est, 0.5);
        else
            half_moment_loop(cf->c, M, est, bern, hr);
        mpfr_mul(cf->c3, cf->c, cf->r1, RND);
    }
    if (needs & NEED_ANY_K) {
        mpfr_t a;
        mpfr_init2(a, wp);
        mpfr_set_d(a, 0.5 * k, RND);
        if (needs & NEED_K(1)) {
            if (closed) {
                refit_mpi_log_drift(cf->kap[0], M, est);
            } else {
                /* kappa_1 = [psi(a) - ln a] + ln(2a/D), ln(2a/D) = 0 or log1p(-1/M) */
                refit_mpi_polygamma_series(cf->kap[0], 0, a, bern);
                if (mle) {
                    mpfr_t t;
                    mpfr_init2(t, wp);
                    mpfr_neg(t, cf->invM, RND);
                    mpfr_log1p(t, t, RND);
                    mpfr_add(cf->kap[0], cf->kap[0], t, RND);
                    mpfr_clear(t);
                }
            }
        }
        for (int j = 2; j <= 4; j++)
            if (needs & NEED_K(j)) refit_mpi_polygamma_series(cf->kap[j - 1], j - 1, a, bern);
        mpfr_clear(a);
    }
}

/* ---- replace: the recursion and its closed-form sum ---------------------------- */

static void replace_step(mpfr_t *x, const gen_coef *cf, unsigned needs, mpfr_t t)
{
    /* Q += P2/M^2 + 2 S/M   (old S, P2) */
    mpfr_mul(t, x[X_P2], cf->invM, RND);
    mpfr_mul(t, t, cf->invM, RND);
    mpfr_add(x[X_Q], x[X_Q], t, RND);
    mpfr_mul(t, x[X_S], cf->invM, RND);
    mpfr_mul_2ui(t, t, 1, RND);
    mpfr_add(x[X_Q], x[X_Q], t, RND);
    /* S = (S + P2/M) m(1) */
    mpfr_mul(t, x[X_P2], cf->invM, RND);
    mpfr_add(x[X_S], x[X_S], t, RND);
    mpfr_mul(x[X_S], x[X_S], cf->g, RND);
    /* EV += P1/M */
    mpfr_mul(t, x[X_P1], cf->invM, RND);
    mpfr_add(x[X_EV], x[X_EV], t, RND);
    if (needs & NEED_C) {
        /* T1 = (T1 + P3h/M) m(1/2) */
        mpfr_mul(t, x[X_P3H], cf->invM, RND);
        mpfr_add(x[X_T1], x[X_T1], t, RND);
        mpfr_mul(x[X_T1], x[X_T1], cf->c, RND);
        mpfr_mul(x[X_PH], x[X_PH], cf->c, RND);
        mpfr_mul(x[X_P3H], x[X_P3H], cf->c3, RND);
    }
    mpfr_mul(x[X_P1], x[X_P1], cf->g, RND);
    mpfr_mul(x[X_P2], x[X_P2], cf->h2, RND);
    for (int j = 1; j <= 4; j++)
        if (needs & NEED_K(j)) mpfr_add(x[X_K1 + j - 1], x[X_K1 + j - 1], cf->kap[j - 1], RND);
}

/* T generations of one size at once. */
static void replace_advance(mpfr_t *x, const gen_coef *cf, uint64_t T, unsigned needs)
{
    mpfr_prec_t wp = mpfr_get_prec(x[X_P1]);
    mpfr_t pg, ph2, Gg, Gh2, Gr2, D2, t, u;
    if (T == 0) return;
    mpfr_inits2(wp, pg, ph2, Gg, Gh2, Gr2, D2, t, u, (mpfr_ptr)0);
    refit_mpi_pow_u64(pg, cf->g, T);
    refit_mpi_pow_u64(ph2, cf->h2, T);
    refit_mpi_geom(Gg, cf->eps_g, T);
    refit_mpi_geom(Gh2, cf->eps_h2, T);
    refit_mpi_geom(Gr2, cf->eps_r2, T);
    /* sum_{0<=i<j<T} m(2)^i m(1)^{j-i} */
    mpfr_sub(D2, Gh2, Gg, RND);
    mpfr_div(D2, D2, cf->eps_r2, RND);
    /* Q += P2 G(m2)/M^2 + (2/M) [S G(m1) + (P2/M) D2] */
    mpfr_mul(t, x[X_P2], Gh2, RND);
    mpfr_mul(t, t, cf->invM, RND);
    mpfr_mul(t, t, cf->invM, RND);
    mpfr_add(x[X_Q], x[X_Q], t, RND);
    mpfr_mul(t, x[X_S], Gg, RND);
    mpfr_mul(u, x[X_P2], cf->invM, RND);
    mpfr_mul(u, u, D2, RND);
    mpfr_add(t, t, u, RND);
    mpfr_mul(t, t, cf->invM, RND);
    mpfr_mul_2ui(t, t, 1, RND);
    mpfr_add(x[X_Q], x[X_Q], t, RND);
    /* S = (S + (P2/M) G(r2)) m(1)^T */
    mpfr_mul(t, x[X_P2], cf->invM, RND);
    mpfr_mul(t, t, Gr2, RND);
    mpfr_add(x[X_S], x[X_S], t, RND);
    mpfr_mul(x[X_S], x[X_S], pg, RND);
    /* EV += P1 G(m1) / M */
    mpfr_mul(t, x[X_P1], Gg, RND);
    mpfr_mul(t, t, cf->invM, RND);
    mpfr_add(x[X_EV], x[X_EV], t, RND);
    if (needs & NEED_C) {
        mpfr_t pc, Gr1;
        mpfr_inits2(wp, pc, Gr1, (mpfr_ptr)0);
        refit_mpi_pow_u64(pc, cf->c, T);
        refit_mpi_geom(Gr1, cf->eps_r1, T);
        /* T1 = (T1 + (P3h/M) G(r1)) m(1/2)^T */
        mpfr_mul(t, x[X_P3H], cf->invM, RND);
        mpfr_mul(t, t, Gr1, RND);
        mpfr_add(x[X_T1], x[X_T1], t, RND);
        mpfr_mul(x[X_T1], x[X_T1], pc, RND);
        mpfr_mul(x[X_PH], x[X_PH], pc, RND);
        /* m(3/2)^T = m(1/2)^T r1^T */
        refit_mpi_pow_u64(t, cf->r1, T);
        mpfr_mul(t, t, pc, RND);
        mpfr_mul(x[X_P3H], x[X_P3H], t, RND);
        mpfr_clears(pc, Gr1, (mpfr_ptr)0);
    }
    mpfr_mul(x[X_P1], x[X_P1], pg, RND);
    mpfr_mul(x[X_P2], x[X_P2], ph2, RND);
    if (needs & NEED_ANY_K) {
        mpfr_set_uj(u, (uintmax_t)T, RND);
        for (int j = 1; j <= 4; j++)
            if (needs & NEED_K(j)) {
                mpfr_mul(t, cf->kap[j - 1], u, RND);
                mpfr_add(x[X_K1 + j - 1], x[X_K1 + j - 1], t, RND);
            }
    }
    mpfr_clears(pg, ph2, Gg, Gh2, Gr2, D2, t, u, (mpfr_ptr)0);
}

/* The state after n generations, at the precision of x. */
static refit_status replace_state(mpfr_t *x, const refit_model *m, uint64_t n, unsigned needs)
{
    const refit_schedule *s = &m->schedule;
    mpfr_prec_t wp = mpfr_get_prec(x[0]);
    refit_mpi_bern bern = {0, NULL, 0, 0.0};
    refit_status st = REFIT_OK;
    gen_coef cf;
    half_ratio hr;
    double M;
    uint64_t head;

    for (int i = 0; i < X_COUNT; i++) mpfr_set_zero(x[i], 1);
    mpfr_set_ui(x[X_PH], 1, RND);
    mpfr_set_ui(x[X_P1], 1, RND);
    mpfr_set_ui(x[X_P3H], 1, RND);
    mpfr_set_ui(x[X_P2], 1, RND);
    if (n == 0) return REFIT_OK;
    if ((needs & NEED_ANY_K) ||
        ((needs & NEED_C) && !refit_schedule_is_constant(s) && schedule_head(s, n) > 0)) {
        st = refit_mpi_bern_init(&bern, refit_mpi_bern_default_terms(wp + 16), wp + 16);
        if (st != REFIT_OK) return st;
    }
    coef_init(&cf, wp);
    hr.have = 0;
    hr.M = 0.0;
    mpfr_init2(hr.R, wp);

    if (refit_schedule_is_constant(s)) {
        st = refit_schedule_size(s, 0, &M);
        if (st != REFIT_OK) goto done;
        coef_fill(&cf, M, m->estimator, needs, 1, &bern, &hr);
        replace_advance(x, &cf, n, needs);
        goto done;
    }
    head = schedule_head(s, n);
    {
        mpfr_t t;
        mpfr_init2(t, wp);
        for (uint64_t i = 0; i < head; i++) {
            st = refit_schedule_size(s, i, &M);
            if (st != REFIT_OK) break;
            if (i == 0 || M != cf.M) coef_fill(&cf, M, m->estimator, needs, 0, &bern, &hr);
            replace_step(x, &cf, needs, t);
        }
        mpfr_clear(t);
    }
    if (st == REFIT_OK && head < n) {
        /* A LIST's last size repeats from generation head on. */
        st = refit_schedule_size(s, head, &M);
        if (st != REFIT_OK) goto done;
        coef_fill(&cf, M, m->estimator, needs, 1, &bern, &hr);
        replace_advance(x, &cf, n - head, needs);
    }
done:
    mpfr_clear(hr.R);
    coef_clear(&cf);
    refit_mpi_bern_clear(&bern);
    return st;
}

/* The quantity from the state, at the precision of v. */
static void replace_value(mpfr_t v, mpfr_t *x, const refit_model *m, refit_quantity q)
{
    mpfr_prec_t wp = mpfr_get_prec(v);
    mpfr_t s2, w, t;
    mpfr_inits2(wp, s2, w, t, (mpfr_ptr)0);
    mpfr_set_d(s2, m->sigma, RND);
    mpfr_sqr(s2, s2, RND); /* exact */
    /* w = E W / sigma^2 = EV + P1 - 2 P_{1/2} + 1 */
    mpfr_add(w, x[X_EV], x[X_P1], RND);
    mpfr_mul_2ui(t, x[X_PH], 1, RND);
    mpfr_sub(w, w, t, RND);
    mpfr_add_ui(w, w, 1, RND);
    switch (q) {
    case REFIT_Q_VAR_MEAN: mpfr_mul(v, s2, x[X_P1], RND); break;
    case REFIT_Q_VAR_VAR:
        mpfr_sqr(t, x[X_P1], RND);
        mpfr_sub(v, x[X_P2], t, RND);
        mpfr_mul(v, v, s2, RND);
        mpfr_mul(v, v, s2, RND);
        break;
    case REFIT_Q_SD_MEAN: mpfr_mul_d(v, x[X_PH], m->sigma, RND); break;
    case REFIT_Q_LOGVAR_MEAN:
        mpfr_log(t, s2, RND);
        mpfr_add(v, t, x[X_K1], RND);
        break;
    case REFIT_Q_LOGVAR_VAR: mpfr_set(v, x[X_K2], RND); break;
    case REFIT_Q_LOGVAR_K3: mpfr_set(v, x[X_K3], RND); break;
    case REFIT_Q_LOGVAR_K4: mpfr_set(v, x[X_K4], RND); break;
    case REFIT_Q_MEAN_MSE:
    case REFIT_Q_W2SQ_LOWER: mpfr_mul(v, s2, x[X_EV], RND); break;
    case REFIT_Q_MARGINAL_VAR:
        mpfr_add(v, x[X_P1], x[X_EV], RND);
        mpfr_mul(v, v, s2, RND);
        break;
    case REFIT_Q_W2SQ_MEAN: mpfr_mul(v, w, s2, RND); break;
    case REFIT_Q_W2SQ_VAR:
        /* E W^2/sigma^4 = 3Q + 2S - 4T1 + 2EV + E(X-1)^4, raw. */
        mpfr_mul_ui(v, x[X_Q], 3, RND);
        mpfr_mul_2ui(t, x[X_S], 1, RND);
        mpfr_add(v, v, t, RND);
        mpfr_mul_2ui(t, x[X_T1], 2, RND);
        mpfr_sub(v, v, t, RND);
        mpfr_mul_2ui(t, x[X_EV], 1, RND);
        mpfr_add(v, v, t, RND);
        mpfr_add(v, v, x[X_P2], RND);
        mpfr_mul_2ui(t, x[X_P3H], 2, RND);
        mpfr_sub(v, v, t, RND);
        mpfr_mul_ui(t, x[X_P1], 6, RND);
        mpfr_add(v, v, t, RND);
        mpfr_mul_2ui(t, x[X_PH], 2, RND);
        mpfr_sub(v, v, t, RND);
        mpfr_add_ui(v, v, 1, RND);
        mpfr_sqr(t, w, RND);
        mpfr_sub(v, v, t, RND);
        mpfr_mul(v, v, s2, RND);
        mpfr_mul(v, v, s2, RND);
        break;
    default: mpfr_set_nan(v); break;
    }
    mpfr_clears(s2, w, t, (mpfr_ptr)0);
}

static refit_status replace_quantity(mpfr_t out, const refit_model *m, uint64_t n,
                                     refit_quantity q)
{
    mpfr_prec_t p = mpfr_get_prec(out), guard, extra = 0;
    double Mmax;
    refit_status st = schedule_max(&m->schedule, n, &Mmax);
    mpfr_t x[X_COUNT], v;
    if (st != REFIT_OK) return st;
    guard = working_prec(p, Mmax, n) - p;
    for (;;) {
        mpfr_prec_t wp = p + guard + extra;
        for (int i = 0; i < X_COUNT; i++) mpfr_init2(x[i], wp);
        mpfr_init2(v, wp);
        st = replace_state(x, m, n, replace_needs(q));
        if (st == REFIT_OK) replace_value(v, x, m, q);
        if (st == REFIT_OK && q == REFIT_Q_LOGVAR_MEAN && !mpfr_zero_p(v) && extra < 16384) {
            /* ln sigma^2 + sum kappa_1 may cancel to any depth: check. */
            mpfr_exp_t big = mpfr_get_exp(x[X_K1]), lost;
            mpfr_t l;
            mpfr_init2(l, 64);
            mpfr_set_d(l, m->sigma * m->sigma, RND);
            mpfr_log(l, l, RND);
            if (!mpfr_zero_p(l) && mpfr_get_exp(l) > big) big = mpfr_get_exp(l);
            mpfr_clear(l);
            lost = big - mpfr_get_exp(v);
            if (lost > (mpfr_exp_t)(guard + extra) - 32) {
                extra += (mpfr_prec_t)lost + 32;
                for (int i = 0; i < X_COUNT; i++) mpfr_clear(x[i]);
                mpfr_clear(v);
                continue;
            }
        }
        break;
    }
    if (st == REFIT_OK) mpfr_set(out, v, RND);
    for (int i = 0; i < X_COUNT; i++) mpfr_clear(x[i]);
    mpfr_clear(v);
    return st;
}

/* ---- accumulate ------------------------------------------------------------------ */

static void lgamma_add(mpfr_t acc, const mpfr_t arg, int sign, mpfr_t tmp)
{
    int sg;
    mpfr_lgamma(tmp, &sg, arg, RND); /* every argument here is > 0 */
    if (sign > 0)
        mpfr_add(acc, acc, tmp, RND);
    else
        mpfr_sub(acc, acc, tmp, RND);
}

/* v_n = E sigma_n^2 from the telescoped product.
 * U (n >= 1):  prod_{u=2}^{n} (u - x+)(u - x-) / (u (u - 1/M)),
 *              x+- = (1 +- sqrt(1+4M)) / (2M) the roots of M u^2 - u - 1;
 * MLE:         prod_{u=1}^{n} (u - s)(u + s) / u^2,  s = 1/sqrt(M);
 * each product of (u - alpha) is Gamma(n+1-alpha)/Gamma(u0-alpha). */
static void accumulate_var_mean(mpfr_t v, const refit_model *m, double M, uint64_t n)
{
    /* The lgamma terms reach (n+1) ln(n+1); exp needs the sum to absolute
     * precision 2^-wp, so add their bit length. */
    double big = ((double)n + 2.0) * (log((double)n + 2.0) + 1.0) * 8.0;
    mpfr_prec_t wp = mpfr_get_prec(v) + 16 + (mpfr_prec_t)ceil(log2(big));
    mpfr_t L, N1, r, arg, tmp;
    mpfr_inits2(wp, L, N1, r, arg, tmp, (mpfr_ptr)0);
    mpfr_set_zero(L, 1);
    mpfr_set_uj(N1, (uintmax_t)n, RND);
    mpfr_add_ui(N1, N1, 1, RND); /* n + 1, exact */
    if (m->estimator == REFIT_ESTIMATOR_UNBIASED) {
        if (n >= 1) {
            mpfr_t sq, xr;
            mpfr_inits2(wp, sq, xr, (mpfr_ptr)0);
            mpfr_set_d(sq, M, RND);
            mpfr_mul_2ui(sq, sq, 2, RND);
            mpfr_add_ui(sq, sq, 1, RND);
            mpfr_sqrt(sq, sq, RND);
            for (int root = 0; root < 2; root++) {
                /* x+ = (1 + sq)/(2M), x- = -(sq - 1)/(2M) */
                if (root == 0)
                    mpfr_add_ui(xr, sq, 1, RND);
                else {
                    mpfr_sub_ui(xr, sq, 1, RND);
                    mpfr_neg(xr, xr, RND);
                }
                mpfr_div_d(xr, xr, 2.0 * M, RND);
                mpfr_sub(arg, N1, xr, RND);
                lgamma_add(L, arg, +1, tmp);
                mpfr_ui_sub(arg, 2, xr, RND);
                lgamma_add(L, arg, -1, tmp);
            }
            lgamma_add(L, N1, -1, tmp); /* Gamma(n+1)/Gamma(2) */
            mpfr_set_d(r, M, RND);
            mpfr_ui_div(r, 1, r, RND); /* 1/M */
            mpfr_sub(arg, N1, r, RND);
            lgamma_add(L, arg, -1, tmp);
            mpfr_ui_sub(arg, 2, r, RND);
            lgamma_add(L, arg, +1, tmp);
            mpfr_clears(sq, xr, (mpfr_ptr)0);
        }
    } else {
        mpfr_set_d(r, M, RND);
        mpfr_rec_sqrt(r, r, RND); /* s */
        mpfr_sub(arg, N1, r, RND);
        lgamma_add(L, arg, +1, tmp);
        mpfr_add(arg, N1, r, RND);
        lgamma_add(L, arg, +1, tmp);
        mpfr_ui_sub(arg, 1, r, RND);
        lgamma_add(L, arg, -1, tmp);
        mpfr_add_ui(arg, r, 1, RND);
        lgamma_add(L, arg, -1, tmp);
        lgamma_add(L, N1, -1, tmp);
        lgamma_add(L, N1, -1, tmp);
    }
    mpfr_exp(L, L, RND);
    mpfr_mul_d(L, L, m->sigma, RND);
    mpfr_mul_d(v, L, m->sigma, RND);
    mpfr_clears(L, N1, r, arg, tmp, (mpfr_ptr)0);
}

/* E(mu_n - mu)^2 = (1/M) sum_{t=1}^{n} v_{t-1} / t^2, summing the recursion
 * for v_t (O(n)). */
static void accumulate_mean_mse(mpfr_t e, const refit_model *m, double M, uint64_t n)
{
    mpfr_prec_t wp = mpfr_get_prec(e);
    int mle = m->estimator == REFIT_ESTIMATOR_MLE;
    mpfr_t v, sum, tt, den, t, MM;
    mpfr_inits2(wp, v, sum, tt, den, t, MM, (mpfr_ptr)0);
    mpfr_set_d(v, m->sigma, RND);
    mpfr_sqr(v, v, RND);
    mpfr_set_zero(sum, 1);
    mpfr_set_d(MM, M, RND);
    mpfr_set_ui(tt, 0, RND);
    for (uint64_t i = 1; i <= n; i++) {
        mpfr_add_ui(tt, tt, 1, RND); /* t = i, exact */
        mpfr_sqr(den, tt, RND);
        mpfr_div(t, v, den, RND);
        mpfr_add(sum, sum, t, RND);
        if (i == n) break;
        /* v_i from v_{i-1} */
        if (mle) {
            /* v_i = v_{i-1} (1 - 1/(i^2 M)) */
            mpfr_mul(den, den, MM, RND);
        } else {
            /* v_1 = v_0; v_i = v_{i-1} (1 - 1/(i (i M - 1))) for i >= 2 */
            if (i == 1) continue;
            mpfr_mul(den, tt, MM, RND);
            mpfr_sub_ui(den, den, 1, RND);
            mpfr_mul(den, den, tt, RND);
        }
        mpfr_div(t, v, den, RND);
        mpfr_sub(v, v, t, RND);
    }
    mpfr_div(e, sum, MM, RND);
    mpfr_clears(v, sum, tt, den, t, MM, (mpfr_ptr)0);
}

static refit_status accumulate_quantity(mpfr_t out, const refit_model *m, uint64_t n,
                                        refit_quantity q)
{
    double M;
    refit_status st = refit_schedule_size(&m->schedule, 0, &M);
    mpfr_prec_t wp;
    mpfr_t a, b;
    if (st != REFIT_OK) return st;
    wp = working_prec(mpfr_get_prec(out), M, n);
    mpfr_inits2(wp, a, b, (mpfr_ptr)0);
    switch (q) {
    case REFIT_Q_VAR_MEAN: accumulate_var_mean(a, m, M, n); break;
    case REFIT_Q_MEAN_MSE:
    case REFIT_Q_W2SQ_LOWER: accumulate_mean_mse(a, m, M, n); break;
    default: /* marginal_var */
        accumulate_var_mean(a, m, M, n);
        accumulate_mean_mse(b, m, M, n);
        mpfr_add(a, a, b, RND);
        break;
    }
    mpfr_set(out, a, RND);
    mpfr_clears(a, b, (mpfr_ptr)0);
    return REFIT_OK;
}

/* ---- mix ---------------------------------------------------------------------------- */

/* (e, v) -> A (e, v) + b for one size. */
typedef struct mix_coef {
    double M;
    mpfr_t a11, a12, a21, a22, b1, b2;
} mix_coef;

static void mix_coef_init(mix_coef *c, mpfr_prec_t wp)
{
    c->M = 0.0;
    mpfr_inits2(wp, c->a11, c->a12, c->a21, c->a22, c->b1, c->b2, (mpfr_ptr)0);
}

static void mix_coef_clear(mix_coef *c)
{
    mpfr_clears(c->a11, c->a12, c->a21, c->a22, c->b1, c->b2, (mpfr_ptr)0);
}

/* e' = (1-l)^2 e + (1-l)/M v + l s2/M
 * U:   v' = M/(M-1) l(1-l) e + (1-l) v + l s2
 * MLE: v' = l(1-l) e + (M-1)/M (1-l) v + (M-1)/M l s2 */
static void mix_coef_fill(mix_coef *c, double M, const refit_model *m)
{
    mpfr_prec_t wp = mpfr_get_prec(c->a11);
    double l = m->lambda;
    mpfr_t om, s2, t;
    mpfr_inits2(wp, om, s2, t, (mpfr_ptr)0);
    c->M = M;
    mpfr_set_d(om, 1.0, RND);
    mpfr_sub_d(om, om, l, RND); /* 1 - l */
    mpfr_set_d(s2, m->sigma, RND);
    mpfr_sqr(s2, s2, RND);
    mpfr_sqr(c->a11, om, RND);
    mpfr_div_d(c->a12, om, M, RND);
    mpfr_mul_d(c->b1, s2, l, RND);
    mpfr_div_d(c->b1, c->b1, M, RND);
    mpfr_mul_d(t, om, l, RND); /* l (1-l) */
    if (m->estimator == REFIT_ESTIMATOR_UNBIASED) {
        mpfr_mul_d(c->a21, t, M, RND);
        mpfr_div_d(c->a21, c->a21, M - 1.0, RND);
        mpfr_set(c->a22, om, RND);
        mpfr_mul_d(c->b2, s2, l, RND);
    } else {
        mpfr_set(c->a21, t, RND);
        mpfr_mul_d(c->a22, om, M - 1.0, RND);
        mpfr_div_d(c->a22, c->a22, M, RND);
        mpfr_mul_d(c->b2, s2, l, RND);
        mpfr_mul_d(c->b2, c->b2, M - 1.0, RND);
        mpfr_div_d(c->b2, c->b2, M, RND);
    }
    mpfr_clears(om, s2, t, (mpfr_ptr)0);
}

/* (e, v) <- A (e, v) + b, with t1, t2 scratch. */
static void mix_apply(mpfr_t e, mpfr_t v, mpfr_srcptr a11, mpfr_srcptr a12, mpfr_srcptr a21,
                      mpfr_srcptr a22, mpfr_srcptr b1, mpfr_srcptr b2, mpfr_t t1, mpfr_t t2)
{
    mpfr_mul(t1, a11, e, RND);
    mpfr_mul(t2, a12, v, RND);
    mpfr_add(t1, t1, t2, RND);
    mpfr_add(t1, t1, b1, RND);
    mpfr_mul(t2, a21, e, RND);
    mpfr_mul(v, a22, v, RND);
    mpfr_add(v, v, t2, RND);
    mpfr_add(v, v, b2, RND);
    mpfr_set(e, t1, RND);
}

/* T steps of one size: binary powering of the affine map x -> A x + b,
 * whose square is x -> A^2 x + (A b + b).  All entries are >= 0. */
static void mix_advance(mpfr_t e, mpfr_t v, const mix_coef *c, uint64_t T)
{
    mpfr_prec_t wp = mpfr_get_prec(e);
    mpfr_t a11, a12, a21, a22, b1, b2, n11, n12, n21, n22, t1, t2;
    mpfr_inits2(wp, a11, a12, a21, a22, b1, b2, n11, n12, n21, n22, t1, t2, (mpfr_ptr)0);
    mpfr_set(a11, c->a11, RND);
    mpfr_set(a12, c->a12, RND);
    mpfr_set(a21, c->a21, RND);
    mpfr_set(a22, c->a22, RND);
    mpfr_set(b1, c->b1, RND);
    mpfr_set(b2, c->b2, RND);
    while (T) {
        if (T & 1u) mix_apply(e, v, a11, a12, a21, a22, b1, b2, t1, t2);
        T >>= 1;
        if (!T) break;
        /* b <- A b + b (before A changes) */
        mpfr_mul(t1, a11, b1, RND);
        mpfr_mul(t2, a12, b2, RND);
        mpfr_add(t1, t1, t2, RND);
        mpfr_mul(t2, a21, b1, RND);
        mpfr_add(b1, b1, t1, RND);
        mpfr_mul(t1, a22, b2, RND);
        mpfr_add(t1, t1, t2, RND);
        mpfr_add(b2, b2, t1, RND);
        /* A <- A^2 */
        mpfr_mul(n11, a11, a11, RND);
        mpfr_mul(t1, a12, a21, RND);
        mpfr_add(n11, n11, t1, RND);
        mpfr_mul(n12, a11, a12, RND);
        mpfr_mul(t1, a12, a22, RND);
        mpfr_add(n12, n12, t1, RND);
        mpfr_mul(n21, a21, a11, RND);
        mpfr_mul(t1, a22, a21, RND);
        mpfr_add(n21, n21, t1, RND);
        mpfr_mul(n22, a22, a22, RND);
        mpfr_mul(t1, a21, a12, RND);
        mpfr_add(n22, n22, t1, RND);
        mpfr_swap(a11, n11);
        mpfr_swap(a12, n12);
        mpfr_swap(a21, n21);
        mpfr_swap(a22, n22);
    }
    mpfr_clears(a11, a12, a21, a22, b1, b2, n11, n12, n21, n22, t1, t2, (mpfr_ptr)0);
}

static refit_status mix_state(mpfr_t e, mpfr_t v, const refit_model *m, uint64_t n)
{
    const refit_schedule *s = &m->schedule;
    mpfr_prec_t wp = mpfr_get_prec(e);
    refit_status st = REFIT_OK;
    mix_coef c;
    double M;
    uint64_t head;
    mpfr_set_zero(e, 1);
    mpfr_set_d(v, m->sigma, RND);
    mpfr_sqr(v, v, RND);
    if (n == 0) return REFIT_OK;
    mix_coef_init(&c, wp);
    if (refit_schedule_is_constant(s)) {
        st = refit_schedule_size(s, 0, &M);
        if (st == REFIT_OK) {
            mix_coef_fill(&c, M, m);
            mix_advance(e, v, &c, n);
        }
        mix_coef_clear(&c);
        return st;
    }
    head = schedule_head(s, n);
    {
        mpfr_t t1, t2;
        mpfr_inits2(wp, t1, t2, (mpfr_ptr)0);
        for (uint64_t i = 0; i < head; i++) {
            st = refit_schedule_size(s, i, &M);
            if (st != REFIT_OK) break;
            if (i == 0 || M != c.M) mix_coef_fill(&c, M, m);
            mix_apply(e, v, c.a11, c.a12, c.a21, c.a22, c.b1, c.b2, t1, t2);
        }
        mpfr_clears(t1, t2, (mpfr_ptr)0);
    }
    if (st == REFIT_OK && head < n) {
        st = refit_schedule_size(s, head, &M);
        if (st == REFIT_OK) {
            mix_coef_fill(&c, M, m);
            mix_advance(e, v, &c, n - head);
        }
    }
    mix_coef_clear(&c);
    return st;
}

static refit_status mix_quantity(mpfr_t out, const refit_model *m, uint64_t n, refit_quantity q)
{
    double Mmax;
    refit_status st = schedule_max(&m->schedule, n, &Mmax);
    mpfr_prec_t wp;
    mpfr_t e, v;
    if (st != REFIT_OK) return st;
    wp = working_prec(mpfr_get_prec(out), Mmax, n);
    mpfr_inits2(wp, e, v, (mpfr_ptr)0);
    st = mix_state(e, v, m, n);
    if (st == REFIT_OK) {
        switch (q) {
        case REFIT_Q_VAR_MEAN: mpfr_set(out, v, RND); break;
        case REFIT_Q_MARGINAL_VAR: mpfr_add(out, v, e, RND); break;
        default: mpfr_set(out, e, RND); break; /* mean_mse, w2sq_lower */
        }
    }
    mpfr_clears(e, v, (mpfr_ptr)0);
    return st;
}

/* ---- public entry points ---------------------------------------------------------------- */

/* A result outside MPFR's exponent range: overflow gives inf (or NaN from
 * inf - inf), underflow gives 0 where the value is non-zero for n >= 1. */
static refit_status check_result(mpfr_t out, uint64_t n, refit_quantity q)
{
    if (!mpfr_number_p(out) || (n > 0 && mpfr_zero_p(out) && q != REFIT_Q_LOGVAR_MEAN)) {
        mpfr_set_nan(out);
        return REFIT_ERANGE;
    }
    return REFIT_OK;
}

refit_status refit_mp_quantity(mpfr_t out, const refit_model *model, uint64_t n,
                               refit_quantity quantity)
{
    refit_status st;
    if (!out) return REFIT_EINVAL;
    mpfr_set_nan(out);
    st = refit_model_validate(model);
    if (st != REFIT_OK) return st;
    /* As the double API: n beyond 2^53 is not an exact double. */
    if ((double)n > REFIT_SIZE_MAX) return REFIT_EDOM;
    if ((int)quantity < 0 || quantity >= REFIT_Q_COUNT) return REFIT_EINVAL;
    if (!regime_has(model->regime, quantity)) return REFIT_EINVAL;
    switch (model->regime) {
    case REFIT_REGIME_REPLACE: st = replace_quantity(out, model, n, quantity); break;
    case REFIT_REGIME_ACCUMULATE: st = accumulate_quantity(out, model, n, quantity); break;
    default: st = mix_quantity(out, model, n, quantity); break;
    }
    if (st != REFIT_OK) {
        mpfr_set_nan(out);
        return st;
    }
    return check_result(out, n, quantity);
}

refit_status refit_mp_var_moment(mpfr_t out, const refit_model *model, uint64_t n, double r)
{
    const refit_schedule *s;
    refit_status st;
    mpfr_prec_t wp;
    double Mmax, M, Mprev = 0.0;
    uint64_t head;
    mpfr_t acc, mr, t;
    if (!out) return REFIT_EINVAL;
    mpfr_set_nan(out);
    st = refit_model_validate(model);
    if (st != REFIT_OK) return st;
    if ((double)n > REFIT_SIZE_MAX) return REFIT_EDOM; /* as the double API */
    if (model->regime != REFIT_REGIME_REPLACE) return REFIT_EINVAL;
    if (!isfinite(r)) return REFIT_EDOM;
    s = &model->schedule;
    st = schedule_max(s, n, &Mmax);
    if (st != REFIT_OK) return st;
    wp = working_prec(mpfr_get_prec(out), Mmax, n);
    mpfr_inits2(wp, acc, mr, t, (mpfr_ptr)0);
    /* sigma^{2r} */
    mpfr_set_d(t, model->sigma, RND);
    mpfr_sqr(t, t, RND);
    mpfr_set_d(mr, r, RND);
    mpfr_pow(acc, t, mr, RND);
    head = refit_schedule_is_constant(s) ? 0 : schedule_head(s, n);
    for (uint64_t i = 0; i < head && st == REFIT_OK; i++) {
        st = refit_schedule_size(s, i, &M);
        if (st != REFIT_OK) break;
        if (!(r > -0.5 * (M - 1.0))) {
            st = REFIT_EDOM;
            break;
        }
        if (i == 0 || M != Mprev) refit_mpi_factor_moment(mr, M, model->estimator, r);
        Mprev = M;
        mpfr_mul(acc, acc, mr, RND);
    }
    if (st == REFIT_OK && head < n) {
        /* constant size, or a LIST's repeating last size: m(r)^T */
        st = refit_schedule_size(s, head, &M);
        if (st == REFIT_OK && !(r > -0.5 * (M - 1.0))) st = REFIT_EDOM;
        if (st == REFIT_OK) {
            refit_mpi_factor_moment(mr, M, model->estimator, r);
            refit_mpi_pow_u64(t, mr, n - head);
            mpfr_mul(acc, acc, t, RND);
        }
    }
    if (st == REFIT_OK) mpfr_set(out, acc, RND);
    mpfr_clears(acc, mr, t, (mpfr_ptr)0);
    if (st != REFIT_OK) {
        mpfr_set_nan(out);
        return st;
    }
    if (!mpfr_number_p(out) || mpfr_zero_p(out)) {
        mpfr_set_nan(out);
        return REFIT_ERANGE;
    }
    return REFIT_OK;
}

refit_status refit_mp_mix_fixed_point(mpfr_t var_mean, mpfr_t mean_mse, const refit_model *model)
{
    refit_status st;
    mpfr_prec_t p, wp;
    double M, l;
    int mle;
    mpfr_t B, det, om, u1, u2, s2, b1, b2, t;
    if (!var_mean || !mean_mse) return REFIT_EINVAL;
    mpfr_set_nan(var_mean);
    mpfr_set_nan(mean_mse);
    st = refit_model_validate(model);
    if (st != REFIT_OK) return st;
    if (model->regime != REFIT_REGIME_MIX || !refit_schedule_is_constant(&model->schedule))
        return REFIT_EINVAL;
    st = refit_schedule_size(&model->schedule, 0, &M);
    if (st != REFIT_OK) return st;
    l = model->lambda;
    mle = model->estimator == REFIT_ESTIMATOR_MLE;
    /* lambda* = 1 - sqrt(1-1/M) > 1/(2M) under U: a smaller lambda is out. */
    if (!mle && l <= 0.25 / M) return REFIT_EDOM;
    p = mpfr_get_prec(var_mean) > mpfr_get_prec(mean_mse) ? mpfr_get_prec(var_mean)
                                                          : mpfr_get_prec(mean_mse);
    /* >= 512 bits: the bracket below is then computed exactly (lambda has
     * 53 bits and exponent >= -56, M - 1 has 53 bits: < 300 bits in all). */
    wp = (p < 448 ? 448 : p) + 64;
    mpfr_inits2(wp, B, det, om, u1, u2, s2, b1, b2, t, (mpfr_ptr)0);
    mpfr_set_ui(om, 1, RND);
    mpfr_sub_d(om, om, l, RND); /* 1 - l */
    mpfr_set_d(s2, model->sigma, RND);
    mpfr_sqr(s2, s2, RND);
    /* u1 = 1 - A11 = l (2 - l) */
    mpfr_set_ui(u1, 2, RND);
    mpfr_sub_d(u1, u1, l, RND);
    mpfr_mul_d(u1, u1, l, RND);
    /* b1 = l s2 / M */
    mpfr_mul_d(b1, s2, l, RND);
    mpfr_div_d(b1, b1, M, RND);
    if (!mle) {
        /* det(I - A) = l B/(M-1), B = l(2-l)(M-1) - (1-l)^2 (exact): > 0 iff l > lambda* */
        mpfr_mul_d(B, u1, M - 1.0, RND);
        mpfr_sqr(t, om, RND);
        mpfr_sub(B, B, t, RND);
        if (mpfr_sgn(B) <= 0) {
            st = REFIT_EDOM;
            goto done;
        }
        mpfr_mul_d(det, B, l, RND);
        mpfr_div_d(det, det, M - 1.0, RND);
        mpfr_set_d(u2, l, RND);           /* 1 - A22 = l */
        mpfr_mul_d(b2, s2, l, RND);       /* b2 = l s2 */
        /* A21 = M l (1-l) / (M-1) */
        mpfr_mul_d(t, om, l, RND);
        mpfr_mul_d(t, t, M, RND);
        mpfr_div_d(t, t, M - 1.0, RND);
    } else {
        /* det = (l/M) (1 + l (2M - 1 - M l)), every term positive */
        mpfr_set_d(B, M, RND);
        mpfr_mul_2ui(B, B, 1, RND);
        mpfr_sub_ui(B, B, 1, RND); /* 2M - 1 (not a double when M > 2^52) */
        mpfr_set_d(t, M, RND);
        mpfr_mul_d(t, t, l, RND);
        mpfr_sub(B, B, t, RND);
        mpfr_mul_d(B, B, l, RND);
        mpfr_add_ui(B, B, 1, RND);
        mpfr_mul_d(det, B, l, RND);
        mpfr_div_d(det, det, M, RND);
        /* 1 - A22 = (1 + (M-1) l) / M */
        mpfr_set_d(u2, M - 1.0, RND);
        mpfr_mul_d(u2, u2, l, RND);
        mpfr_add_ui(u2, u2, 1, RND);
        mpfr_div_d(u2, u2, M, RND);
        /* b2 = (M-1) l s2 / M */
        mpfr_mul_d(b2, s2, l, RND);
        mpfr_mul_d(b2, b2, M - 1.0, RND);
        mpfr_div_d(b2, b2, M, RND);
        mpfr_mul_d(t, om, l, RND); /* A21 = l (1-l) */
    }
    /* (I - A)^{-1} = [[1-A22, A12], [A21, 1-A11]] / det, all entries >= 0:
     * e* = ((1-A22) b1 + A12 b2)/det, v* = (A21 b1 + (1-A11) b2)/det. */
    {
        mpfr_t e, v, a12;
        mpfr_inits2(wp, e, v, a12, (mpfr_ptr)0);
        mpfr_div_d(a12, om, M, RND);
        mpfr_mul(e, u2, b1, RND);
        mpfr_mul(a12, a12, b2, RND);
        mpfr_add(e, e, a12, RND);
        mpfr_div(e, e, det, RND);
        mpfr_mul(v, t, b1, RND);
        mpfr_mul(a12, u1, b2, RND);
        mpfr_add(v, v, a12, RND);
        mpfr_div(v, v, det, RND);
        mpfr_set(var_mean, v, RND);
        mpfr_set(mean_mse, e, RND);
        mpfr_clears(e, v, a12, (mpfr_ptr)0);
    }
done:
    mpfr_clears(B, det, om, u1, u2, s2, b1, b2, t, (mpfr_ptr)0);
    if (st != REFIT_OK) {
        mpfr_set_nan(var_mean);
        mpfr_set_nan(mean_mse);
    }
    return st;
}
