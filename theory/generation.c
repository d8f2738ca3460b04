/* One generation's building blocks, runs of equal sizes, and the
 * single-generation public functions of refit/theory.h. */
#include <float.h>
#include <math.h>

#include "refit/theory.h"
#include "theory/internal.h"

int refit_size_ok(double M)
{
    return isfinite(M) && M >= 2.0 && M <= REFIT_SIZE_MAX && M == floor(M);
}

refit_gen refit_gen_make(double M, refit_estimator estimator)
{
    refit_gen g;
    g.M = M;
    g.k = M - 1.0;
    g.a = 0.5 * g.k;
    if (estimator == REFIT_ESTIMATOR_MLE) {
        g.D = M;
        g.ln_k_over_D = refit_dd_log1p(dd_neg(dd_inv_d(M))); /* ln(1 - 1/M) */
    } else {
        g.D = g.k;
        g.ln_k_over_D = dd_d(0.0);
    }
    return g;
}

dd refit_gen_log_moment(const refit_gen *g, double r)
{
    /* (2/D)^r Gamma(a+r)/Gamma(a) = (k/D)^r exp(excess(a, r)), as 2a = k. */
    return dd_add(dd_mul_d(g->ln_k_over_D, r), refit_lgamma_excess(g->a, r));
}

refit_status refit_exp_result(dd ln, double *out)
{
    *out = NAN;
    if (isnan(ln.hi)) return REFIT_EDOM;
    if (ln.hi == -INFINITY) {
        *out = 0.0;
        return REFIT_OK;
    }
    /* ln(DBL_MAX) = 709.78..., ln(DBL_MIN) = -708.39... */
    if (ln.hi > 709.8 || ln.hi < -708.3) return REFIT_ERANGE;
    double v = dd_to_d(refit_dd_exp(ln));
    if (!isfinite(v) || v < DBL_MIN) return REFIT_ERANGE;
    *out = v;
    return REFIT_OK;
}

/* ---- runs of equal sizes -------------------------------------------- */

refit_runs refit_runs_begin(const refit_schedule *schedule, uint64_t n)
{
    refit_runs runs = {schedule, 0, n};
    return runs;
}

/* Last generation j in [i, n) with M_j == M_i for a POLY schedule: sizes
 * are non-decreasing, so estimate the boundary from the inverse of
 * M0 (j+1)^alpha = M + 1/2 and then correct it against the definition. */
static uint64_t poly_run_end(const refit_schedule *s, uint64_t i, uint64_t n, double M)
{
    double Mj;
    if (s->alpha == 0.0) return n - 1;
    double est = floor(pow((M + 0.5) / s->M, 1.0 / s->alpha)) - 1.0;
    uint64_t j = i;
    if (est > (double)i) j = est >= (double)(n - 1) ? n - 1 : (uint64_t)est;
    while (j > i && (refit_schedule_size(s, j, &Mj) != REFIT_OK || Mj != M)) j--;
    while (j + 1 < n && refit_schedule_size(s, j + 1, &Mj) == REFIT_OK && Mj == M) j++;
    return j;
}

int refit_runs_next(refit_runs *runs, double *M, uint64_t *len, refit_status *status)
{
    const refit_schedule *s = runs->schedule;
    uint64_t i = runs->next, end;
    *status = REFIT_OK;
    if (i >= runs->n) return 0;
    *status = refit_schedule_size(s, i, M);
    if (*status != REFIT_OK) return 0;
    switch (s->kind) {
    case REFIT_SCHEDULE_CONST: end = runs->n - 1; break;
    case REFIT_SCHEDULE_LIST:
        end = i;
        if (i >= s->count - 1) {
            end = runs->n - 1; /* the last size repeats */
        } else {
            while (end + 1 < runs->n && end + 1 < s->count && s->sizes[end + 1] == *M) end++;
            if (end + 1 == s->count) end = runs->n - 1; /* ran into the repeating tail */
        }
        break;
    default: end = poly_run_end(s, i, runs->n, *M); break;
    }
    *len = end - i + 1;
    runs->next = end + 1;
    return 1;
}

/* ---- single-generation public functions ------------------------------- */

static refit_status factor_args(double M, refit_estimator est, double *out)
{
    if (!out) return REFIT_EINVAL;
    *out = NAN;
    if (est != REFIT_ESTIMATOR_UNBIASED && est != REFIT_ESTIMATOR_MLE) return REFIT_EINVAL;
    return refit_size_ok(M) ? REFIT_OK : REFIT_EDOM;
}

refit_status refit_theory_factor_moment_log(double M, refit_estimator est, double r, double *out)
{
    refit_status st = factor_args(M, est, out);
    if (st != REFIT_OK) return st;
    refit_gen g = refit_gen_make(M, est);
    if (!isfinite(r) || !(r > -g.a)) return REFIT_EDOM;
    *out = dd_to_d(refit_gen_log_moment(&g, r));
    return REFIT_OK;
}

refit_status refit_theory_factor_moment(double M, refit_estimator est, double r, double *out)
{
    refit_status st = factor_args(M, est, out);
    if (st != REFIT_OK) return st;
    refit_gen g = refit_gen_make(M, est);
    if (!isfinite(r) || !(r > -g.a)) return REFIT_EDOM;
    return refit_exp_result(refit_gen_log_moment(&g, r), out);
}

refit_status refit_theory_c4(double M, double *out)
{
    refit_status st = factor_args(M, REFIT_ESTIMATOR_UNBIASED, out);
    if (st != REFIT_OK) return st;
    *out = dd_to_d(refit_dd_exp(refit_lgamma_excess(0.5 * (M - 1.0), 0.5)));
    return REFIT_OK;
}

refit_status refit_theory_factor_log_cumulant(double M, refit_estimator est, int j, double *out)
{
    refit_status st = factor_args(M, est, out);
    if (st != REFIT_OK) return st;
    if (j < 1 || j > 4) return REFIT_EINVAL;
    refit_gen g = refit_gen_make(M, est);
    if (j == 1)
        *out = dd_to_d(dd_add(refit_digamma_minus_log(g.a), g.ln_k_over_D));
    else
        *out = dd_to_d(refit_polygamma_dd(j - 1, g.a));
    return REFIT_OK;
}
