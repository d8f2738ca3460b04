/* The exact sufficient-statistic sampler: Gamma variates (Marsaglia-Tsang
 * with the small-shape boost) and one O(1) refit per chain.  This file is
 * the scalar reference -- the specification that gamma_avx2.c and
 * gamma_avx512.c reproduce bit for bit -- plus argument checks and dispatch.
 * Counter layout and algorithm: kernels/gamma_impl.h and kernels/GAMMA.md. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "gamma_impl.h"
#include "isa_scalar.h"
#include "refit/kernels.h"

#define GAMMA_SHAPE_MIN 0x1p-10
#define GAMMA_SHAPE_MAX 0x1p40
#define GAMMA_M_MAX (UINT64_C(1) << 53)

/* h(y) = x^2/2 + d (1 - v + ln v) with y = c x, w = 1 + y, v = w^3, rewritten
 * as 3d (ln w - y + y^2/2 - y^3/3), by its series 3d y^4 P(y) for
 * |y| <= 1/8: the textbook form cancels to O(d 2^-53)
 * absolute error, which is O(1) for the shapes near 2^52 that
 * suffstat_fit reaches; this form keeps the error below ~1e-11. */
/* P(y) = sum_j refit_gamma_series[j] y^j by Estrin's scheme: pairs
 * q_i = c_{2i} + c_{2i+1} y, then r_i = q_{2i} + q_{2i+1} y^2,
 * s_i = r_{2i} + r_{2i+1} y^4, and s_0 + s_1 y^8 + q_8 y^16. */
static double gamma_series(double y, double y2, double y4)
{
    const double *c = refit_gamma_series;
    double q[9], r[4];
    for (int i = 0; i < 9; i++) q[i] = fma(c[2 * i + 1], y, c[2 * i]);
    for (int i = 0; i < 4; i++) r[i] = fma(q[2 * i + 1], y2, q[2 * i]);
    double y8 = y4 * y4;
    double s0 = fma(r[1], y4, r[0]);
    double s1 = fma(r[3], y4, r[2]);
    return fma(q[8], y8 * y8, fma(s1, y8, s0));
}

double refit_gamma_log_accept(const refit_gamma_plan *plan, double y, double w)
{
    double y2 = y * y;
    if (fabs(y) <= REFIT_GAMMA_SERIES_MAX) {
        double y4 = y2 * y2;
        return plan->d3 * (y4 * gamma_series(y, y2, y4));
    }
    double t = ((refit_isa1_log(w) - y) + 0.5 * y2) - (y2 * y) * REFIT_GAMMA_THIRD;
    return plan->d3 * t;
}

/* One attempt: 1 and *v = w^3 if the proposal x is accepted with u_acc.
 * Accept iff ln u_acc < h; since 1 + h <= e^h <= 1 + h + h^2/2 for h <= 0,
 * the logarithm is needed only between those bounds (rarely, for large
 * shapes).  Rounding the bounds moves the decision by at most ~2^-53 in
 * probability. */
static int gamma_accept(const refit_gamma_plan *plan, double x, double u_acc, double *v)
{
    double y = plan->c * x;
    double w = 1.0 + y;
    *v = (w * w) * w;
    if (!(w > 0.0)) return 0;
    double x2 = x * x;
    if (u_acc < 1.0 - REFIT_GAMMA_SQUEEZE * (x2 * x2)) return 1;
    double h = refit_gamma_log_accept(plan, y, w);
    double lo = 1.0 + h;
    if (u_acc < lo) return 1;
    if (!(u_acc < lo + (0.5 * h) * h)) return 0;
    return refit_isa1_log(u_acc) < h;
}

/* The reference for one chain: Z (block 0 cos part), d v and u_boost of the
 * accepted attempt.  Attempt t uses x_t (block 0 sin part for t = 0, block
 * 2t cos part after) and the uniforms of block 2t+1.  The block counter is
 * 32 bits: the loop would only wrap after 2^31 rejections in a row, each
 * with probability below 0.05. */
static void gamma_chain(const refit_gamma_plan *plan, const refit_gamma_job *job, uint32_t chain,
                        double *z, double *dv, double *ub)
{
    double u1, u2, x, unused, ua, v;
    refit_isa1_block_uniforms(job->k0, job->k1, 0, job->generation, chain, job->stream, &u1, &u2);
    refit_isa1_boxmuller(u1, u2, z, &x);
    if (plan->half) { /* shape 1/2: chi^2_1 = x_0^2 exactly, no rejection loop */
        *dv = (x * x) * 0.5;
        *ub = 1.0;
        return;
    }
    for (uint32_t t = 0;; t++) {
        if (t > 0)
            refit_isa1_block_normals(job->k0, job->k1, 2 * t, job->generation, chain, job->stream,
                                     &x, &unused);
        refit_isa1_block_uniforms(job->k0, job->k1, 2 * t + 1, job->generation, chain, job->stream,
                                  &ua, ub);
        if (gamma_accept(plan, x, ua, &v)) break;
    }
    *dv = plan->d * v;
}

void refit_gamma_run_scalar(const refit_gamma_plan *plan, const refit_gamma_job *job, size_t begin,
                            size_t end)
{
    for (size_t i = begin; i < end; i++) {
        double z, dv, ub;
        gamma_chain(plan, job, job->first_chain + (uint32_t)i, &z, &dv, &ub);
        if (!job->suffstat) {
            double lg = refit_isa1_log(dv);
            if (plan->boost) lg = lg + refit_isa1_log(ub) / plan->a;
            job->log_out[i] = lg;
            if (job->mean != NULL) job->mean[i] = z; /* normal_log_gamma: Z as drawn */
            if (job->g_out != NULL && !plan->boost) job->g_out[i] = dv;
            continue;
        }
        if (job->mean != NULL) job->mean[i] = z / job->sqrt_M;
        /* Shapes (M-1)/2 are 1/2 or >= 1: suffstat never boosts. */
        double G = dv;
        double var = (G * 2.0) / job->D;
        if (job->var != NULL) job->var[i] = var;
        if (job->log_var != NULL) job->log_var[i] = refit_isa1_log(var);
    }
}

static refit_gamma_plan gamma_plan(double shape)
{
    refit_gamma_plan p;
    p.a = shape;
    p.half = shape == 0.5;
    p.boost = shape < 1.0 && !p.half;
    double a1 = p.boost ? shape + 1.0 : shape;
    p.d = a1 - REFIT_GAMMA_THIRD;
    p.c = 1.0 / sqrt(9.0 * p.d);
    p.d3 = 3.0 * p.d;
    return p;
}

static int gamma_isa_ok(refit_isa isa)
{
    return (isa == REFIT_ISA_SCALAR || isa == REFIT_ISA_AVX2 || isa == REFIT_ISA_AVX512) &&
           refit_isa_supported(isa);
}

static void gamma_fill_nan(double *out, size_t count)
{
    if (out == NULL) return;
    for (size_t i = 0; i < count; i++) out[i] = NAN;
}

/* Chains first_chain .. first_chain + count - 1 must be 32-bit counter words. */
static int gamma_chains_ok(uint32_t first_chain, size_t count)
{
    return count == 0 || (uint64_t)count - 1 <= (uint64_t)(UINT32_MAX - first_chain);
}

static void gamma_run(refit_isa isa, const refit_gamma_plan *plan, const refit_gamma_job *job,
                      size_t count)
{
#if REFIT_GAMMA_X86
    if (isa == REFIT_ISA_AVX512) {
        refit_gamma_run_avx512(plan, job, count);
        return;
    }
    if (isa == REFIT_ISA_AVX2) {
        refit_gamma_run_avx2(plan, job, count);
        return;
    }
#else
    (void)isa;
#endif
    refit_gamma_run_scalar(plan, job, 0, count);
}

refit_status refit_kernel_log_gamma_variates(refit_isa isa, uint64_t seed, refit_stream stream,
                                             uint32_t first_chain, size_t count,
                                             uint32_t generation, double shape, double *log_out)
{
    if (count > 0 && log_out == NULL) return REFIT_EINVAL;
    if (!gamma_isa_ok(isa) || (unsigned)stream > (unsigned)REFIT_STREAM_AUX) {
        gamma_fill_nan(log_out, count);
        return REFIT_EINVAL;
    }
    if (!(shape >= GAMMA_SHAPE_MIN && shape <= GAMMA_SHAPE_MAX) ||
        !gamma_chains_ok(first_chain, count)) {
        gamma_fill_nan(log_out, count);
        return REFIT_EDOM;
    }
    if (count == 0) return REFIT_OK;
    refit_gamma_plan plan = gamma_plan(shape);
    refit_gamma_job job = {(uint32_t)seed, (uint32_t)(seed >> 32), (uint32_t)stream, generation,
                           first_chain, 0, log_out, NAN, NAN, NULL, NULL, NULL, NULL};
    gamma_run(isa, &plan, &job, count);
    return REFIT_OK;
}

refit_status refit_kernel_normal_log_gamma(refit_isa isa, uint64_t seed, refit_stream stream,
                                           uint32_t first_chain, size_t count, uint32_t generation,
                                           double shape, double *z_out, double *log_out)
{
    return refit_kernel_normal_gamma(isa, seed, stream, first_chain, count, generation, shape, z_out,
                                     NULL, log_out);
}

refit_status refit_kernel_normal_gamma(refit_isa isa, uint64_t seed, refit_stream stream,
                                       uint32_t first_chain, size_t count, uint32_t generation,
                                       double shape, double *z_out, double *g_out, double *log_out)
{
    if (count > 0 && (log_out == NULL || z_out == NULL)) return REFIT_EINVAL;
    if (!gamma_isa_ok(isa) || (unsigned)stream > (unsigned)REFIT_STREAM_AUX) {
        gamma_fill_nan(z_out, count);
        gamma_fill_nan(g_out, count);
        gamma_fill_nan(log_out, count);
        return REFIT_EINVAL;
    }
    /* Up to the shapes suffstat_fit reaches ((2^53 - 1) / 2), plus room for a tilt. */
    if (!(shape >= GAMMA_SHAPE_MIN && shape <= 0x1p52) || !gamma_chains_ok(first_chain, count)) {
        gamma_fill_nan(z_out, count);
        gamma_fill_nan(g_out, count);
        gamma_fill_nan(log_out, count);
        return REFIT_EDOM;
    }
    if (count == 0) return REFIT_OK;
    refit_gamma_plan plan = gamma_plan(shape);
    refit_gamma_job job = {(uint32_t)seed, (uint32_t)(seed >> 32), (uint32_t)stream, generation,
                           first_chain, 0, log_out, NAN, NAN, z_out, NULL, NULL, g_out};
    gamma_run(isa, &plan, &job, count);
    /* Boosted shapes (< 1, not 1/2): G = e^{ln G}, computed once here (the
     * same scalar code for every ISA). */
    if (g_out != NULL && plan.boost)
        for (size_t i = 0; i < count; i++) g_out[i] = exp(log_out[i]);
    return REFIT_OK;
}

refit_status refit_kernel_suffstat_fit(refit_isa isa, uint64_t seed, uint32_t first_chain,
                                       size_t count, uint32_t generation, uint64_t M,
                                       refit_estimator estimator, double *mean, double *var,
                                       double *log_var)
{
    if (!gamma_isa_ok(isa) ||
        (estimator != REFIT_ESTIMATOR_UNBIASED && estimator != REFIT_ESTIMATOR_MLE)) {
        gamma_fill_nan(mean, count);
        gamma_fill_nan(var, count);
        gamma_fill_nan(log_var, count);
        return REFIT_EINVAL;
    }
    if (M < 2 || M > GAMMA_M_MAX || !gamma_chains_ok(first_chain, count)) {
        gamma_fill_nan(mean, count);
        gamma_fill_nan(var, count);
        gamma_fill_nan(log_var, count);
        return REFIT_EDOM;
    }
    if (count == 0 || (mean == NULL && var == NULL && log_var == NULL)) return REFIT_OK;
    double Md = (double)M; /* exact: M <= 2^53 */
    refit_gamma_plan plan = gamma_plan((Md - 1.0) * 0.5);
    double D = estimator == REFIT_ESTIMATOR_MLE ? Md : Md - 1.0;
    refit_gamma_job job = {(uint32_t)seed, (uint32_t)(seed >> 32), (uint32_t)REFIT_STREAM_SUFFSTAT,
                           generation, first_chain, 1, NULL, sqrt(Md), D, mean, var, log_var, NULL};
    gamma_run(isa, &plan, &job, count);
    return REFIT_OK;
}
