/* The public n-generation API of refit/theory.h: argument checks, dispatch
 * to the regime, and conversion of the log-scale result to what was asked. */
#include <math.h>

#include "theory/regimes.h"

static const char *const quantity_names[REFIT_Q_COUNT] = {
    "var_mean",    "var_var",      "sd_mean",   "logvar_mean", "logvar_var", "logvar_k3",
    "logvar_k4",   "mean_mse",     "marginal_var", "w2sq_mean", "w2sq_var",  "w2sq_lower",
};

const char *refit_quantity_name(refit_quantity q)
{
    return ((unsigned)q < REFIT_Q_COUNT) ? quantity_names[q] : NULL;
}

int refit_quantity_signed(refit_quantity q)
{
    return q == REFIT_Q_LOGVAR_MEAN || q == REFIT_Q_LOGVAR_K3;
}

int refit_theory_has(const refit_model *model, refit_quantity q)
{
    if (!model || (unsigned)q >= REFIT_Q_COUNT) return 0;
    if (model->regime == REFIT_REGIME_REPLACE) return 1;
    return q == REFIT_Q_VAR_MEAN || q == REFIT_Q_MEAN_MSE || q == REFIT_Q_MARGINAL_VAR ||
           q == REFIT_Q_W2SQ_LOWER;
}

/* n is a generation count: beyond 2^53 it is no longer exact in double. */
static refit_status check_request(const refit_model *model, uint64_t n, double *out)
{
    if (!out) return REFIT_EINVAL;
    *out = NAN;
    refit_status st = refit_model_validate(model);
    if (st != REFIT_OK) return st;
    return n <= ((uint64_t)1 << 53) ? REFIT_OK : REFIT_EDOM;
}

static refit_status evaluate(const refit_model *model, uint64_t n, refit_quantity q,
                             refit_qval *val, double *out)
{
    refit_status st = check_request(model, n, out);
    if (st != REFIT_OK) return st;
    if (!refit_theory_has(model, q)) return REFIT_EINVAL;
    return model->regime == REFIT_REGIME_REPLACE ? refit_replace_eval(model, n, q, val)
                                                 : refit_pair_regime_eval(model, n, q, val);
}

/* The double (value or ln) a caller asked for, from a computed quantity. */
static refit_status deliver(const refit_qval *val, int want_log, double *out)
{
    if (val->zero) {
        *out = want_log ? -INFINITY : 0.0;
        return REFIT_OK;
    }
    if (!want_log) {
        if (!val->is_log) {
            *out = dd_to_d(val->v);
            return REFIT_OK;
        }
        return refit_exp_result(val->v, out);
    }
    *out = val->is_log ? dd_to_d(val->v) : dd_to_d(refit_dd_log(val->v));
    return REFIT_OK;
}

refit_status refit_theory_quantity(const refit_model *model, uint64_t n, refit_quantity q,
                                   double *out)
{
    refit_qval val;
    refit_status st = evaluate(model, n, q, &val, out);
    return st != REFIT_OK ? st : deliver(&val, 0, out);
}

refit_status refit_theory_quantity_log(const refit_model *model, uint64_t n, refit_quantity q,
                                       double *out)
{
    refit_qval val;
    if (refit_quantity_signed(q)) {
        if (out) *out = NAN;
        return REFIT_EINVAL;
    }
    refit_status st = evaluate(model, n, q, &val, out);
    return st != REFIT_OK ? st : deliver(&val, 1, out);
}

refit_status refit_theory_row(const refit_model *model, uint64_t n, int want_log,
                              double values[REFIT_Q_COUNT], refit_status status[REFIT_Q_COUNT])
{
    refit_qval row[REFIT_Q_COUNT];
    double first;
    if (!values || !status) return REFIT_EINVAL;
    for (int q = 0; q < REFIT_Q_COUNT; q++) {
        values[q] = NAN;
        status[q] = REFIT_EINVAL;
    }
    refit_status st = check_request(model, n, &first);
    if (st == REFIT_OK)
        st = model->regime == REFIT_REGIME_REPLACE ? refit_replace_eval_row(model, n, row, status)
                                                   : refit_pair_regime_row(model, n, row, status);
    if (st != REFIT_OK) {
        for (int q = 0; q < REFIT_Q_COUNT; q++) status[q] = st;
        return st;
    }
    for (int q = 0; q < REFIT_Q_COUNT; q++) {
        if (!refit_theory_has(model, (refit_quantity)q)) {
            status[q] = REFIT_EINVAL;
            continue;
        }
        if (status[q] == REFIT_OK)
            status[q] = deliver(&row[q], want_log && !refit_quantity_signed((refit_quantity)q), &values[q]);
    }
    return REFIT_OK;
}

static refit_status moment_ln(const refit_model *model, uint64_t n, double r, dd *ln,
                              double *out)
{
    refit_status st = check_request(model, n, out);
    if (st != REFIT_OK) return st;
    if (model->regime != REFIT_REGIME_REPLACE) return REFIT_EINVAL;
    if (!isfinite(r)) return REFIT_EDOM;
    return refit_replace_log_moment(model, n, r, ln);
}

refit_status refit_theory_var_moment(const refit_model *model, uint64_t n, double r, double *out)
{
    dd ln;
    refit_status st = moment_ln(model, n, r, &ln, out);
    return st != REFIT_OK ? st : refit_exp_result(ln, out);
}

refit_status refit_theory_var_moment_log(const refit_model *model, uint64_t n, double r,
                                         double *out)
{
    dd ln;
    refit_status st = moment_ln(model, n, r, &ln, out);
    if (st == REFIT_OK) *out = dd_to_d(ln);
    return st;
}

#define REFIT_SHORTHAND(fn, Q)                                                                 \
    refit_status fn(const refit_model *model, uint64_t n, double *out)                         \
    {                                                                                          \
        return refit_theory_quantity(model, n, Q, out);                                        \
    }
REFIT_SHORTHAND(refit_theory_var_mean, REFIT_Q_VAR_MEAN)
REFIT_SHORTHAND(refit_theory_var_var, REFIT_Q_VAR_VAR)
REFIT_SHORTHAND(refit_theory_sd_mean, REFIT_Q_SD_MEAN)
REFIT_SHORTHAND(refit_theory_logvar_mean, REFIT_Q_LOGVAR_MEAN)
REFIT_SHORTHAND(refit_theory_logvar_var, REFIT_Q_LOGVAR_VAR)
REFIT_SHORTHAND(refit_theory_mean_mse, REFIT_Q_MEAN_MSE)
REFIT_SHORTHAND(refit_theory_marginal_var, REFIT_Q_MARGINAL_VAR)
REFIT_SHORTHAND(refit_theory_w2sq_mean, REFIT_Q_W2SQ_MEAN)
REFIT_SHORTHAND(refit_theory_w2sq_var, REFIT_Q_W2SQ_VAR)
REFIT_SHORTHAND(refit_theory_w2sq_lower, REFIT_Q_W2SQ_LOWER)
