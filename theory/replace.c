/* n-generation closed forms of the replace regime (the paper's setting).
 *
 * Everything is computed for sigma = 1 as sums over runs of equal sample
 * size of per-generation logarithms, in double-double, and only then
 * scaled by sigma in log space.  Derivations: proofs/03, 04, 05.
 */
#include <math.h>

#include "theory/internal.h"
#include "theory/regimes.h"

refit_status refit_replace_sums_compute(const refit_model *model, uint64_t n, unsigned need,
                                        refit_replace_sums *s)
{
    double M;
    uint64_t len;
    refit_status st;
    dd zero = dd_d(0.0);
    s->n = n;
    s->ln_k_over_D = s->excess_half = s->inv_M = s->log1p_inv_a = s->log1p_inv_2a = zero;
    for (int j = 0; j < 5; j++) s->kappa[j] = zero;
    refit_runs runs = refit_runs_begin(&model->schedule, n);
    while (refit_runs_next(&runs, &M, &len, &st)) {
        refit_gen g = refit_gen_make(M, model->estimator);
        double w = (double)len; /* exact: len <= 2^53 */
        s->ln_k_over_D = dd_add(s->ln_k_over_D, dd_mul_d(g.ln_k_over_D, w));
        s->inv_M = dd_add(s->inv_M, dd_mul_d(dd_inv_d(M), w));
        if (need & REFIT_NEED_HALF)
            s->excess_half = dd_add(s->excess_half, dd_mul_d(refit_lgamma_excess(g.a, 0.5), w));
        if (need & REFIT_NEED_W2VAR) {
            /* m_U(2) = 1 + 1/a and m_U(3/2) = (1 + 1/(2a)) m_U(1/2) exactly. */
            s->log1p_inv_a = dd_add(s->log1p_inv_a, dd_mul_d(refit_dd_log1p(dd_inv_d(g.a)), w));
            s->log1p_inv_2a = dd_add(s->log1p_inv_2a, dd_mul_d(refit_dd_log1p(dd_inv_d(g.k)), w));
        }
        if (need & REFIT_NEED_CUMULANTS) {
            dd k1 = dd_add(refit_digamma_minus_log(g.a), g.ln_k_over_D);
            s->kappa[1] = dd_add(s->kappa[1], dd_mul_d(k1, w));
            for (int j = 2; j <= 4; j++)
                s->kappa[j] = dd_add(s->kappa[j], dd_mul_d(refit_polygamma_dd(j - 1, g.a), w));
        }
    }
    return st;
}

refit_status refit_replace_log_moment(const refit_model *model, uint64_t n, double r, dd *ln)
{
    double M;
    uint64_t len;
    refit_status st;
    dd sum = dd_d(0.0);
    refit_runs runs = refit_runs_begin(&model->schedule, n);
    while (refit_runs_next(&runs, &M, &len, &st)) {
        refit_gen g = refit_gen_make(M, model->estimator);
        if (!(r > -g.a)) return REFIT_EDOM; /* E q^r is infinite */
        sum = dd_add(sum, dd_mul_d(refit_gen_log_moment(&g, r), (double)len));
    }
    if (st != REFIT_OK) return st;
    /* sigma^{2r} prod m_i(r) */
    *ln = dd_add(dd_mul_d(refit_dd_log(dd_d(model->sigma)), 2.0 * r), sum);
    return REFIT_OK;
}

/* ---- Var W2^2 ------------------------------------------------------------
 * State (E X^2, E X^3, E X^4, E V, E V X, E V X^2, E V^2) with X = sigma_i /
 * sigma and V = sum_{l<i} X_l^2 / M_l; one generation maps it linearly with
 * nonnegative coefficients (so powers of the map never cancel). */
enum { S_X2, S_X3, S_X4, S_V, S_VX, S_VX2, S_V2, S_DIM };
typedef struct {
    dd a[S_DIM][S_DIM];
} mat7;

static void mat7_step(const refit_gen *g, int scaled, mat7 *T)
{
    /* mu_t = E x^t = m(t/2).  Only m(1/2) needs the log-gamma excess; from
     * Gamma(a+1) = a Gamma(a) with 2a = k: m(1) = k/D, m(3/2) = m(1/2) m(1)
     * (1 + 1/k), m(2) = m(1)^2 (1 + 2/k)  (proofs/05). */
    dd mu[5];
    dd inv_k = dd_inv_d(g->k);
    mu[1] = refit_dd_exp(refit_gen_log_moment(g, 0.5));
    mu[2] = dd_div(dd_d(g->k), dd_d(g->D));
    mu[3] = dd_mul(dd_mul(mu[1], mu[2]), dd_add_d(inv_k, 1.0));
    mu[4] = dd_mul(dd_sqr(mu[2]), dd_add_d(dd_ldexp(inv_k, 1), 1.0));
    dd inv_g = scaled ? dd_div(dd_d(1.0), mu[4]) : dd_d(1.0); /* divide by E x^4 */
    dd invM = dd_inv_d(g->M);
    for (int i = 0; i < S_DIM; i++)
        for (int j = 0; j < S_DIM; j++) T->a[i][j] = dd_d(0.0);
    T->a[S_X2][S_X2] = mu[2];
    T->a[S_X3][S_X3] = mu[3];
    T->a[S_X4][S_X4] = mu[4];
    T->a[S_V][S_V] = dd_d(1.0);
    T->a[S_V][S_X2] = invM;
    T->a[S_VX][S_VX] = mu[1];
    T->a[S_VX][S_X3] = dd_mul(mu[1], invM);
    T->a[S_VX2][S_VX2] = mu[2];
    T->a[S_VX2][S_X4] = dd_mul(mu[2], invM);
    T->a[S_V2][S_V2] = dd_d(1.0);
    T->a[S_V2][S_VX2] = dd_ldexp(invM, 1);
    T->a[S_V2][S_X4] = dd_sqr(invM);
    if (scaled)
        for (int i = 0; i < S_DIM; i++)
            for (int j = 0; j < S_DIM; j++) T->a[i][j] = dd_mul(T->a[i][j], inv_g);
}

static void mat7_apply(const mat7 *T, dd v[S_DIM])
{
    dd out[S_DIM];
    for (int i = 0; i < S_DIM; i++) {
        out[i] = dd_d(0.0);
        for (int j = 0; j < S_DIM; j++)
            if (T->a[i][j].hi != 0.0) out[i] = dd_add(out[i], dd_mul(T->a[i][j], v[j]));
    }
    for (int i = 0; i < S_DIM; i++) v[i] = out[i];
}

static void mat7_square(mat7 *T)
{
    mat7 R;
    for (int i = 0; i < S_DIM; i++)
        for (int j = 0; j < S_DIM; j++) {
            dd acc = dd_d(0.0);
            for (int k = 0; k < S_DIM; k++)
                if (T->a[i][k].hi != 0.0 && T->a[k][j].hi != 0.0)
                    acc = dd_add(acc, dd_mul(T->a[i][k], T->a[k][j]));
            R.a[i][j] = acc;
        }
    *T = R;
}

/* ln Var W2^2 (sigma = 1), *zero set when it is exactly 0 (n = 0); the sums
 * must include REFIT_NEED_HALF | REFIT_NEED_W2VAR. */
static refit_status w2sq_var_log(const refit_model *model, const refit_replace_sums *sums,
                                 int *zero, dd *ln)
{
    const refit_replace_sums s = *sums;
    uint64_t n = s.n;
    refit_status st = REFIT_OK;
    *zero = (n == 0);
    if (n == 0) return REFIT_OK;
    /* Under the unbiased estimator E X^4 = prod (1 + 1/a_i) grows without
     * bound: when it might overflow, every term is divided by G = E X^4
     * (ln G = sum log1p(1/a_i)) and ln G is added back at the end. */
    int scaled = model->estimator == REFIT_ESTIMATOR_UNBIASED && s.log1p_inv_a.hi > 200.0;
    dd lnG = scaled ? s.log1p_inv_a : dd_d(0.0);
    dd inv_G = refit_dd_exp(dd_neg(lnG));

    dd state[S_DIM];
    for (int i = 0; i < S_DIM; i++) state[i] = dd_d(i <= S_X4 ? 1.0 : 0.0);
    double M;
    uint64_t len;
    refit_runs runs = refit_runs_begin(&model->schedule, n);
    while (refit_runs_next(&runs, &M, &len, &st)) {
        refit_gen g = refit_gen_make(M, model->estimator);
        mat7 T;
        mat7_step(&g, scaled, &T);
        for (; len; len >>= 1) { /* binary powering applied to the state */
            if (len & 1) mat7_apply(&T, state);
            if (len > 1) mat7_square(&T);
        }
    }
    if (st != REFIT_OK) return st;

    /* Moments of Y = X / s with s = prod sqrt(k_i/D_i): E Y = 1 - gamma,
     * E Y^2 = 1, E Y^3 = (1 - gamma)(1 + p3), E Y^4 = 1 + p4, so that the
     * central-about-1 moments e_j = E (Y-1)^j lose their O(1) parts exactly. */
    dd gamma = dd_neg(refit_dd_expm1(s.excess_half));
    dd p3 = refit_dd_expm1(s.log1p_inv_2a);
    dd e2 = dd_ldexp(gamma, 1);
    dd e1 = dd_neg(gamma);
    dd e3 = dd_sub(dd_sub(p3, dd_ldexp(gamma, 2)), dd_mul(gamma, p3));
    dd eX2, eX4_G, EV;
    if (scaled) {
        /* s = 1.  e4 / G with each term formed as a product (no cancellation). */
        dd p4_G = dd_neg(refit_dd_expm1(dd_neg(lnG)));
        dd p3_G = s.log1p_inv_2a.hi < 700.0
                      ? dd_mul(p3, inv_G)
                      : dd_sub(refit_dd_exp(dd_sub(s.log1p_inv_2a, lnG)), inv_G);
        dd gamma_G = dd_mul(gamma, inv_G);
        eX4_G = dd_add(dd_sub(p4_G, dd_ldexp(p3_G, 2)),
                       dd_add(dd_ldexp(gamma_G, 3), dd_ldexp(dd_mul(gamma, p3_G), 2)));
        eX2 = e2;
        EV = s.inv_M;
    } else if (model->estimator == REFIT_ESTIMATOR_MLE && s.log1p_inv_a.hi > 1.0) {
        /* MLE far from the start: E Y^4 grows like prod (1 + 1/a_i) while
         * s^4 shrinks, so the e_j route would overflow; but with sum 1/a_i > 1
         * the raw moments E X^t = exp(sum ln m_i(t/2)) <= 1 cancel little. */
        dd L = s.ln_k_over_D;
        dd EX1 = refit_dd_exp(dd_add(dd_ldexp(L, -1), s.excess_half));
        dd EX2 = refit_dd_exp(L);
        dd EX3 = refit_dd_exp(dd_add(dd_mul_d(L, 1.5), dd_add(s.excess_half, s.log1p_inv_2a)));
        dd EX4 = refit_dd_exp(dd_add(dd_ldexp(L, 1), s.log1p_inv_a));
        eX2 = dd_add_d(dd_sub(EX2, dd_ldexp(EX1, 1)), 1.0);
        eX4_G = dd_add(dd_sub(EX4, dd_ldexp(EX3, 2)), dd_mul_d(EX2, 6.0));
        eX4_G = dd_add_d(dd_sub(eX4_G, dd_ldexp(EX1, 2)), 1.0);
        EV = state[S_V];
    } else {
        dd p4 = refit_dd_expm1(s.log1p_inv_a);
        dd e4 = dd_add(dd_sub(p4, dd_ldexp(p3, 2)), dd_add(dd_ldexp(gamma, 3), dd_ldexp(dd_mul(gamma, p3), 2)));
        dd ln_s = dd_ldexp(s.ln_k_over_D, -1);
        dd sv = refit_dd_exp(ln_s), sm1 = refit_dd_expm1(ln_s);
        /* E (X-1)^j = sum_i C(j,i) s^i e_i (s-1)^{j-i},  X - 1 = s (Y-1) + (s-1). */
        dd s2 = dd_sqr(sv), sm1_2 = dd_sqr(sm1);
        eX2 = dd_add(dd_add(dd_mul(s2, e2), dd_ldexp(dd_mul(dd_mul(sv, e1), sm1), 1)), sm1_2);
        dd t4 = dd_mul(dd_sqr(s2), e4);
        dd t3 = dd_mul_d(dd_mul(dd_mul(dd_mul(s2, sv), e3), sm1), 4.0);
        dd t2 = dd_mul_d(dd_mul(dd_mul(s2, e2), sm1_2), 6.0);
        dd t1 = dd_mul_d(dd_mul(dd_mul(sv, e1), dd_mul(sm1_2, sm1)), 4.0);
        eX4_G = dd_add(dd_add(dd_add(t4, t3), dd_add(t2, t1)), dd_sqr(sm1_2));
        EV = state[S_V];
    }
    /* E V (X-1)^2 = E V X^2 - 2 E V X + E V: loses log10(1/sum 1/M) of ~32 digits. */
    dd EV_X1sq = dd_add(dd_sub(state[S_VX2], dd_ldexp(state[S_VX], 1)), state[S_V]);
    dd EW2_G = dd_add(dd_add(dd_mul_d(state[S_V2], 3.0), dd_ldexp(EV_X1sq, 1)), eX4_G);
    dd EW = dd_add(EV, eX2);
    dd var_G = dd_sub(EW2_G, dd_mul(dd_sqr(EW), inv_G));
    if (!(var_G.hi > 0.0)) return REFIT_ERANGE; /* cannot happen mathematically */
    *ln = dd_add(refit_dd_log(var_G), lnG);
    return REFIT_OK;
}

/* The sums quantity q needs. */
static unsigned needs_of(refit_quantity q)
{
    unsigned need = 0;
    if (q == REFIT_Q_SD_MEAN || q == REFIT_Q_W2SQ_MEAN || q == REFIT_Q_W2SQ_VAR) need |= REFIT_NEED_HALF;
    if (q == REFIT_Q_VAR_VAR || q == REFIT_Q_W2SQ_VAR) need |= REFIT_NEED_W2VAR;
    if (q >= REFIT_Q_LOGVAR_MEAN && q <= REFIT_Q_LOGVAR_K4) need |= REFIT_NEED_CUMULANTS;
    return need;
}

/* Quantity q from sums holding (at least) needs_of(q). */
static refit_status replace_value(const refit_model *model, const refit_replace_sums *sums,
                                  refit_quantity q, refit_qval *out)
{
    const refit_replace_sums s = *sums;
    uint64_t n = s.n;
    dd ln_sigma = refit_dd_log(dd_d(model->sigma));
    dd ln_sigma2 = dd_ldexp(ln_sigma, 1);
    int mle = model->estimator == REFIT_ESTIMATOR_MLE;
    out->is_log = 1;
    out->zero = 0;
    if (q == REFIT_Q_W2SQ_VAR) {
        refit_status st = w2sq_var_log(model, sums, &out->zero, &out->v);
        out->v = dd_add(out->v, dd_ldexp(ln_sigma2, 1));
        return st;
    }
    /* Mean squared drift for sigma = 1: sum 1/M_i (unbiased) or
     * 1 - prod (1 - 1/M_i) (MLE, by telescoping). */
    dd mse = mle ? dd_neg(refit_dd_expm1(s.ln_k_over_D)) : s.inv_M;
    switch (q) {
    case REFIT_Q_VAR_MEAN: out->v = dd_add(ln_sigma2, s.ln_k_over_D); break;
    case REFIT_Q_VAR_VAR:
        /* (E sigma_n^2)^2 (prod (1 + 2/k_i) - 1) */
        out->zero = (n == 0);
        if (!out->zero) {
            dd T = s.log1p_inv_a;
            dd ln_expm1 = T.hi > 30.0 ? dd_add(T, refit_dd_log1p(dd_neg(refit_dd_exp(dd_neg(T)))))
                                      : refit_dd_log(refit_dd_expm1(T));
            out->v = dd_add(dd_ldexp(dd_add(ln_sigma2, s.ln_k_over_D), 1), ln_expm1);
        }
        break;
    case REFIT_Q_SD_MEAN:
        out->v = dd_add(ln_sigma, dd_add(dd_ldexp(s.ln_k_over_D, -1), s.excess_half));
        break;
    case REFIT_Q_LOGVAR_MEAN:
        out->is_log = 0;
        out->v = dd_add(ln_sigma2, s.kappa[1]);
        break;
    case REFIT_Q_LOGVAR_VAR:
    case REFIT_Q_LOGVAR_K3:
    case REFIT_Q_LOGVAR_K4:
        out->is_log = 0;
        out->v = s.kappa[2 + (q - REFIT_Q_LOGVAR_VAR)];
        /* the j-th cumulant scales with sigma^0: ln sigma^2 only shifts the mean */
        break;
    case REFIT_Q_MEAN_MSE:
    case REFIT_Q_W2SQ_LOWER:
        out->zero = (n == 0);
        if (!out->zero) out->v = dd_add(ln_sigma2, refit_dd_log(mse));
        break;
    case REFIT_Q_MARGINAL_VAR:
        out->v = dd_add(ln_sigma2, refit_dd_log(dd_add(refit_dd_exp(s.ln_k_over_D), mse)));
        break;
    case REFIT_Q_W2SQ_MEAN: {
        /* (marginal_var - sigma^2) - 2 sigma^2 expm1(ln c): marginal_var - sigma^2
         * is sigma^2 sum 1/M_i (unbiased) and exactly 0 (MLE); both terms >= 0. */
        out->zero = (n == 0);
        if (out->zero) break;
        dd half = dd_add(dd_ldexp(s.ln_k_over_D, -1), s.excess_half);
        dd w = dd_neg(dd_ldexp(refit_dd_expm1(half), 1));
        if (!mle) w = dd_add(w, s.inv_M);
        out->v = dd_add(ln_sigma2, refit_dd_log(w));
        break;
    }
    default: return REFIT_EINVAL;
    }
    return REFIT_OK;
}

refit_status refit_replace_eval(const refit_model *model, uint64_t n, refit_quantity q,
                                refit_qval *out)
{
    refit_replace_sums s;
    refit_status st = refit_replace_sums_compute(model, n, needs_of(q), &s);
    return st != REFIT_OK ? st : replace_value(model, &s, q, out);
}

refit_status refit_replace_eval_row(const refit_model *model, uint64_t n,
                                    refit_qval out[REFIT_Q_COUNT], refit_status status[REFIT_Q_COUNT])
{
    refit_replace_sums s;
    refit_status st = refit_replace_sums_compute(
        model, n, REFIT_NEED_HALF | REFIT_NEED_W2VAR | REFIT_NEED_CUMULANTS, &s);
    if (st != REFIT_OK) return st;
    for (int q = 0; q < REFIT_Q_COUNT; q++) status[q] = replace_value(model, &s, (refit_quantity)q, &out[q]);
    return REFIT_OK;
}
