/* The accumulate and mix regimes (theory-notes sec. 5; proofs/06, 07).
 * Both are exact linear recursions for (E (mu_t - mu)^2, E sigma_t^2) with
 * nonnegative coefficients, iterated (accumulate) or matrix-powered (mix) in
 * double-double for sigma = 1, then scaled by sigma^2 in log space. */
#include <float.h>
#include <limits.h>
#include <math.h>

#include "theory/dd_constants.h"
#include "theory/regimes.h"

/* Writes the requested quantity from (var_mean, mean_mse) * 2^scale2 for
 * sigma = 1. */
static refit_status from_pair(const refit_model *model, refit_quantity q, dd var, dd mse,
                              int64_t scale2, refit_qval *out)
{
    dd ln_sigma2 = dd_ldexp(refit_dd_log(dd_d(model->sigma)), 1);
    ln_sigma2 = dd_add(ln_sigma2, dd_mul_d(dd_make(REFIT_DD_LN2[0], REFIT_DD_LN2[1]), (double)scale2));
    dd v;
    out->is_log = 1;
    out->zero = 0;
    switch (q) {
    case REFIT_Q_VAR_MEAN: v = var; break;
    case REFIT_Q_MEAN_MSE:
    case REFIT_Q_W2SQ_LOWER: v = mse; break;
    case REFIT_Q_MARGINAL_VAR: v = dd_add(var, mse); break;
    default: return REFIT_EINVAL;
    }
    if (v.hi == 0.0) {
        out->zero = 1;
        return REFIT_OK;
    }
    out->v = dd_add(ln_sigma2, refit_dd_log(v));
    return REFIT_OK;
}

/* (E sigma_n^2, E (mu_n - mu)^2) for sigma = 1. */
static refit_status accumulate_pair(const refit_model *model, uint64_t n, dd *var, dd *mse)
{
    double M;
    refit_status st = refit_schedule_size(&model->schedule, 0, &M);
    if (st != REFIT_OK) return st;
    int mle = model->estimator == REFIT_ESTIMATOR_MLE;
    dd v = dd_d(1.0), e = dd_d(0.0); /* v_0 = sigma^2, e_0 = 0 */
    for (uint64_t t = 0; t < n; t++) {
        double tp1 = (double)t + 1.0;
        dd tp1_sq = dd_two_prod(tp1, tp1);
        /* e_{t+1} = e_t + v_t / ((t+1)^2 M) */
        e = dd_add(e, dd_div(v, dd_mul_d(tp1_sq, M)));
        /* v_{t+1} = v_t (1 - 1/den): den = (t+1)((t+1)M - 1) (U, t >= 1;
         * model 1 sees only real data, so v_1 = sigma^2) or (t+1)^2 M (MLE). */
        if (mle)
            v = dd_sub(v, dd_div(v, dd_mul_d(tp1_sq, M)));
        else if (t >= 1)
            v = dd_sub(v, dd_div(v, dd_mul_d(dd_add_d(dd_two_prod(tp1, M), -1.0), tp1)));
    }
    *var = v;
    *mse = e;
    return REFIT_OK;
}

/* (e, v, 1) -> (e', v', 1) for one mix generation of size M, sigma = 1. */
typedef struct {
    dd a[3][3];
} mat3;

static void mix_matrix(double M, double lambda, int mle, mat3 *A)
{
    dd u = dd_two_sum(1.0, -lambda), lam = dd_d(lambda), invM = dd_inv_d(M);
    dd k_over_M = dd_div_d(dd_d(M - 1.0), M);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) A->a[i][j] = dd_d(0.0);
    /* e' = (1-l)^2 e + (1-l) v / M + l / M */
    A->a[0][0] = dd_sqr(u);
    A->a[0][1] = dd_mul(u, invM);
    A->a[0][2] = dd_mul(lam, invM);
    if (mle) { /* v' = ((M-1)/M) [l + (1-l) v] + l (1-l) e */
        A->a[1][0] = dd_mul(lam, u);
        A->a[1][1] = dd_mul(k_over_M, u);
        A->a[1][2] = dd_mul(k_over_M, lam);
    } else { /* v' = l + (1-l) v + (M/(M-1)) l (1-l) e */
        A->a[1][0] = dd_div_d(dd_mul_d(dd_mul(lam, u), M), M - 1.0);
        A->a[1][1] = u;
        A->a[1][2] = lam;
    }
    A->a[2][2] = dd_d(1.0);
}

/* The binary exponent e of the largest |v[i]|, or INT_MIN if no entry is
 * finite and nonzero: dividing by 2^e is exact, so a diverging recursion
 * can be kept in range with its scale tracked separately. */
static int scale_exponent(const dd *v, int count)
{
    double big = 0.0;
    int e;
    for (int i = 0; i < count; i++) big = fmax(big, fabs(v[i].hi));
    if (big == 0.0 || !isfinite(big)) return INT_MIN;
    frexp(big, &e);
    return e;
}

static int64_t renormalize(dd *v, int count)
{
    int e = scale_exponent(v, count);
    if (e == INT_MIN) return 0;
    for (int i = 0; i < count; i++) v[i] = dd_ldexp(v[i], -e);
    return e;
}

static void mat3_apply(const mat3 *A, dd x[3])
{
    dd y[3];
    for (int i = 0; i < 3; i++) {
        y[i] = dd_d(0.0);
        for (int j = 0; j < 3; j++) y[i] = dd_add(y[i], dd_mul(A->a[i][j], x[j]));
    }
    for (int i = 0; i < 3; i++) x[i] = y[i];
}

static int64_t mat3_renormalize(mat3 *A)
{
    int e = INT_MIN;
    for (int i = 0; i < 3; i++) {
        int ei = scale_exponent(A->a[i], 3);
        if (ei > e) e = ei;
    }
    if (e == INT_MIN) return 0;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) A->a[i][j] = dd_ldexp(A->a[i][j], -e);
    return e;
}

static void mat3_square(mat3 *A)
{
    mat3 R;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            R.a[i][j] = dd_d(0.0);
            for (int k = 0; k < 3; k++) R.a[i][j] = dd_add(R.a[i][j], dd_mul(A->a[i][k], A->a[k][j]));
        }
    *A = R;
}

/* (E sigma_n^2, E (mu_n - mu)^2) * 2^-scale2 for sigma = 1. */
static refit_status mix_pair(const refit_model *model, uint64_t n, dd *var, dd *mse,
                             int64_t *scale2)
{
    double M;
    uint64_t len;
    refit_status st;
    dd x[3] = {dd_d(0.0), dd_d(1.0), dd_d(1.0)}; /* e_0 = 0, v_0 = sigma^2 */
    int64_t x_scale = 0;                         /* true state = x 2^x_scale */
    refit_runs runs = refit_runs_begin(&model->schedule, n);
    while (refit_runs_next(&runs, &M, &len, &st)) {
        mat3 A;
        int64_t a_scale = 0; /* true power of the matrix = A 2^a_scale */
        mix_matrix(M, model->lambda, model->estimator == REFIT_ESTIMATOR_MLE, &A);
        for (; len; len >>= 1) {
            if (len & 1) {
                mat3_apply(&A, x);
                x_scale += a_scale + renormalize(x, 3);
            }
            if (len > 1) {
                mat3_square(&A);
                a_scale = 2 * a_scale + mat3_renormalize(&A);
            }
        }
    }
    if (st != REFIT_OK) return st;
    *var = x[1];
    *mse = x[0];
    *scale2 = x_scale;
    return REFIT_OK;
}

/* The four quantities of the accumulate and mix regimes, from one pass. */
refit_status refit_pair_regime_row(const refit_model *model, uint64_t n,
                                   refit_qval out[REFIT_Q_COUNT], refit_status status[REFIT_Q_COUNT])
{
    dd var, mse;
    int64_t scale2 = 0;
    refit_status st = model->regime == REFIT_REGIME_MIX ? mix_pair(model, n, &var, &mse, &scale2)
                                                        : accumulate_pair(model, n, &var, &mse);
    if (st != REFIT_OK) return st;
    for (int q = 0; q < REFIT_Q_COUNT; q++) status[q] = from_pair(model, (refit_quantity)q, var, mse, scale2, &out[q]);
    return REFIT_OK;
}

refit_status refit_pair_regime_eval(const refit_model *model, uint64_t n, refit_quantity q,
                                    refit_qval *out)
{
    refit_qval row[REFIT_Q_COUNT];
    refit_status status[REFIT_Q_COUNT];
    refit_status st = refit_pair_regime_row(model, n, row, status);
    if (st != REFIT_OK) return st;
    *out = row[q];
    return status[q];
}

static dd lambda_star_dd(double M, refit_estimator est)
{
    if (est == REFIT_ESTIMATOR_MLE) return dd_d(0.0);
    /* 1 - sqrt(1 - 1/M) = (1/M) / (1 + sqrt(1 - 1/M)), free of cancellation. */
    dd invM = dd_inv_d(M);
    dd root = refit_dd_sqrt(dd_sub(dd_d(1.0), invM));
    return dd_div(invM, dd_add_d(root, 1.0));
}

refit_status refit_theory_mix_lambda_star(double M, refit_estimator est, double *out)
{
    if (!out) return REFIT_EINVAL;
    *out = NAN;
    if (est != REFIT_ESTIMATOR_UNBIASED && est != REFIT_ESTIMATOR_MLE) return REFIT_EINVAL;
    if (!refit_size_ok(M)) return REFIT_EDOM;
    *out = dd_to_d(lambda_star_dd(M, est));
    return REFIT_OK;
}

refit_status refit_theory_mix_fixed_point(const refit_model *model, double *var_mean,
                                          double *mean_mse)
{
    double M;
    if (!var_mean || !mean_mse) return REFIT_EINVAL;
    *var_mean = *mean_mse = NAN;
    refit_status st = refit_model_validate(model);
    if (st != REFIT_OK) return st;
    if (model->regime != REFIT_REGIME_MIX || !refit_schedule_is_constant(&model->schedule))
        return REFIT_EINVAL;
    st = refit_schedule_size(&model->schedule, 0, &M);
    if (st != REFIT_OK) return st;
    if (!(dd_sub(dd_d(model->lambda), lambda_star_dd(M, model->estimator)).hi > 0.0))
        return REFIT_EDOM; /* at or below the threshold the recursion diverges */
    mat3 A;
    mix_matrix(M, model->lambda, model->estimator == REFIT_ESTIMATOR_MLE, &A);
    /* (I - A) x = b on the 2x2 block, by Cramer's rule. */
    dd one = dd_d(1.0);
    dd i00 = dd_sub(one, A.a[0][0]), i11 = dd_sub(one, A.a[1][1]);
    dd det = dd_sub(dd_mul(i00, i11), dd_mul(A.a[0][1], A.a[1][0]));
    dd e = dd_div(dd_add(dd_mul(A.a[0][2], i11), dd_mul(A.a[0][1], A.a[1][2])), det);
    dd v = dd_div(dd_add(dd_mul(i00, A.a[1][2]), dd_mul(A.a[1][0], A.a[0][2])), det);
    dd s2 = dd_two_prod(model->sigma, model->sigma);
    double vm = dd_to_d(dd_mul(v, s2)), em = dd_to_d(dd_mul(e, s2));
    if (!isfinite(vm) || !isfinite(em) || vm < DBL_MIN || em < DBL_MIN) return REFIT_ERANGE;
    *var_mean = vm;
    *mean_mse = em;
    return REFIT_OK;
}
