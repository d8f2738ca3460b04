/* Model defaults, validation and the sample-size schedule. */
#include <math.h>

#include "refit/model.h"

refit_schedule refit_schedule_const(double M)
{
    refit_schedule s = {REFIT_SCHEDULE_CONST, M, 0.0, NULL, 0};
    return s;
}

refit_model refit_model_default(void)
{
    refit_model m;
    m.schedule = refit_schedule_const(100.0);
    m.estimator = REFIT_ESTIMATOR_UNBIASED;
    m.regime = REFIT_REGIME_REPLACE;
    m.lambda = 0.5;
    m.mu = 0.0;
    m.sigma = 1.0;
    return m;
}

static int size_ok(double M)
{
    return isfinite(M) && M >= 2.0 && M <= REFIT_SIZE_MAX && M == floor(M);
}

int refit_schedule_is_constant(const refit_schedule *s)
{
    switch (s->kind) {
    case REFIT_SCHEDULE_CONST: return 1;
    case REFIT_SCHEDULE_POLY: return s->alpha == 0.0;
    case REFIT_SCHEDULE_LIST: return s->count == 1;
    }
    return 0;
}

refit_status refit_schedule_size(const refit_schedule *s, uint64_t i, double *size)
{
    double M;
    if (!s || !size) return REFIT_EINVAL;
    *size = NAN;
    switch (s->kind) {
    case REFIT_SCHEDULE_CONST:
        M = s->M;
        break;
    case REFIT_SCHEDULE_POLY:
        /* The definition of the schedule: round(M0 * pow(i+1, alpha)) in
         * double arithmetic, ties away from zero.  Every twin and simulator
         * calls this function, so all agree on the sizes. */
        M = round(s->M * pow((double)i + 1.0, s->alpha));
        break;
    case REFIT_SCHEDULE_LIST:
        if (!s->sizes || s->count == 0) return REFIT_EINVAL;
        M = s->sizes[i < s->count ? i : s->count - 1];
        break;
    default:
        return REFIT_EINVAL;
    }
    if (!size_ok(M)) return REFIT_EDOM;
    *size = M;
    return REFIT_OK;
}

static refit_status schedule_validate(const refit_schedule *s)
{
    switch (s->kind) {
    case REFIT_SCHEDULE_CONST:
        return size_ok(s->M) ? REFIT_OK : REFIT_EDOM;
    case REFIT_SCHEDULE_POLY:
        /* alpha >= 0 keeps the sizes non-decreasing, so M_0 >= 2 suffices
         * for every generation (large sizes are checked when reached). */
        if (!isfinite(s->M) || !isfinite(s->alpha) || s->alpha < 0.0) return REFIT_EDOM;
        return size_ok(round(s->M)) ? REFIT_OK : REFIT_EDOM;
    case REFIT_SCHEDULE_LIST:
        if (!s->sizes || s->count == 0) return REFIT_EINVAL;
        for (size_t i = 0; i < s->count; i++)
            if (!size_ok(s->sizes[i])) return REFIT_EDOM;
        return REFIT_OK;
    }
    return REFIT_EINVAL;
}

refit_status refit_model_validate(const refit_model *m)
{
    refit_status st;
    if (!m) return REFIT_EINVAL;
    if (m->estimator != REFIT_ESTIMATOR_UNBIASED && m->estimator != REFIT_ESTIMATOR_MLE)
        return REFIT_EINVAL;
    st = schedule_validate(&m->schedule);
    if (st != REFIT_OK) return st;
    if (!isfinite(m->mu) || !isfinite(m->sigma) || !(m->sigma > 0.0)) return REFIT_EDOM;
    switch (m->regime) {
    case REFIT_REGIME_REPLACE: return REFIT_OK;
    case REFIT_REGIME_ACCUMULATE:
        /* The accumulate closed form assumes equal batch sizes. */
        return refit_schedule_is_constant(&m->schedule) ? REFIT_OK : REFIT_EINVAL;
    case REFIT_REGIME_MIX:
        return (m->lambda > 0.0 && m->lambda <= 1.0) ? REFIT_OK : REFIT_EDOM;
    }
    return REFIT_EINVAL;
}
