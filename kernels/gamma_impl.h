/* Internal to kernels/: the exact sufficient-statistic (Gamma) sampler.
 *
 * The specification is the scalar reference in kernels/gamma.c; the layout
 * and the algorithm are documented in kernels/GAMMA.md.  In short, for one
 * chain (key = seed, ctr = {block, generation, chain, stream}):
 *
 *   block 0        Box-Muller pair of (u1, u2): cos part = Z (the sample
 *                  mean's normal), sin part = x_0 (first proposal)
 *   block 2t+1     u_acc_t = u1, u_boost_t = u2 (attempt t)
 *   block 2t, t>0  cos part of its Box-Muller pair = x_t (attempt t)
 *
 * Attempt t (Marsaglia-Tsang for shape a' = a, or a + 1 when a < 1):
 * y = c x_t, w = 1 + y, reject if w <= 0; v = (w w) w; accept if
 * u_acc < 1 - 0.0331 (x^2)^2 or ln u_acc < h(y) (decided by u_acc < 1 + h,
 * else rejected if u_acc >= 1 + h + h^2/2, else by the logarithm), where
 * h = x^2/2 + d (1 - v + ln v) is evaluated without cancellation as
 * h = 3d (ln(1+y) - y + y^2/2 - y^3/3)  (exact when 9 d c^2 = 1): by its
 * Taylor series 3d y^4 P(y) for |y| <= 1/8, directly otherwise.
 * The accepted attempt gives d v ~ Gamma(a'); the boost multiplies by
 * u_boost^(1/a).  Shape exactly 1/2 (M = 2, the commonest small shape) skips
 * all of this: G = x_0^2 / 2 with x_0 the sin part of block 0 is exactly
 * Gamma(1/2) (chi^2_1 = Z^2), independent of Z, and costs no rejections.
 *
 * The second half of this file (after the include guard) is the SIMD
 * algorithm, written once against kernels/isa_algo.inc's helper layer plus
 * a mask layer, and instantiated by gamma_avx2.c and gamma_avx512.c.
 */
#ifndef REFIT_KERNELS_GAMMA_IMPL_H
#define REFIT_KERNELS_GAMMA_IMPL_H

#include <stddef.h>
#include <stdint.h>

/* Marsaglia and Tsang's squeeze constant (ACM TOMS 26(3), 2000). */
#define REFIT_GAMMA_SQUEEZE 0.0331
#define REFIT_GAMMA_THIRD (1.0 / 3.0)
/* |y| at or below which h(y) is taken from its series. */
#define REFIT_GAMMA_SERIES_MAX 0.125
/* h = 3d y^4 P(y), P(y) = sum_j (-1)^(j+1) y^j / (j + 4), j = 0..17: the
 * first omitted term is below 2^-56 |P(0)| for |y| <= 1/8. */
#define REFIT_GAMMA_P0 (-1.0 / 4.0)
#define REFIT_GAMMA_P1 (1.0 / 5.0)
#define REFIT_GAMMA_P2 (-1.0 / 6.0)
#define REFIT_GAMMA_P3 (1.0 / 7.0)
#define REFIT_GAMMA_P4 (-1.0 / 8.0)
#define REFIT_GAMMA_P5 (1.0 / 9.0)
#define REFIT_GAMMA_P6 (-1.0 / 10.0)
#define REFIT_GAMMA_P7 (1.0 / 11.0)
#define REFIT_GAMMA_P8 (-1.0 / 12.0)
#define REFIT_GAMMA_P9 (1.0 / 13.0)
#define REFIT_GAMMA_P10 (-1.0 / 14.0)
#define REFIT_GAMMA_P11 (1.0 / 15.0)
#define REFIT_GAMMA_P12 (-1.0 / 16.0)
#define REFIT_GAMMA_P13 (1.0 / 17.0)
#define REFIT_GAMMA_P14 (-1.0 / 18.0)
#define REFIT_GAMMA_P15 (1.0 / 19.0)
#define REFIT_GAMMA_P16 (-1.0 / 20.0)
#define REFIT_GAMMA_P17 (1.0 / 21.0)
#define REFIT_GAMMA_NP 18
static const double refit_gamma_series[REFIT_GAMMA_NP] = {
    REFIT_GAMMA_P0,  REFIT_GAMMA_P1,  REFIT_GAMMA_P2,  REFIT_GAMMA_P3,  REFIT_GAMMA_P4,
    REFIT_GAMMA_P5,  REFIT_GAMMA_P6,  REFIT_GAMMA_P7,  REFIT_GAMMA_P8,  REFIT_GAMMA_P9,
    REFIT_GAMMA_P10, REFIT_GAMMA_P11, REFIT_GAMMA_P12, REFIT_GAMMA_P13, REFIT_GAMMA_P14,
    REFIT_GAMMA_P15, REFIT_GAMMA_P16, REFIT_GAMMA_P17};

/* Constants of one call, computed once by gamma.c (every ISA reads them). */
typedef struct refit_gamma_plan {
    double d;   /* a' - 1/3 */
    double c;   /* 1 / sqrt(9 d) */
    double d3;  /* 3 d */
    double a;   /* the shape: the boost divides ln u_boost by it */
    int boost;  /* a < 1 and a != 1/2 */
    int half;   /* a = 1/2 exactly (M = 2): G = x_0^2 / 2, no rejection loop */
} refit_gamma_plan;

/* One call: which chains, and what to write for chain first_chain + i. */
typedef struct refit_gamma_job {
    uint32_t k0, k1; /* Philox key: seed low, high 32 bits */
    uint32_t stream, generation, first_chain;
    int suffstat;    /* 0: log_out[i] = ln G (and mean[i] = Z if mean != NULL);  1: mean/var/log_var */
    double *log_out;
    double sqrt_M, D; /* suffstat: mean = Z / sqrt_M, var = 2 G / D */
    double *mean, *var, *log_var; /* each may be NULL */
    double *g_out;    /* suffstat 0: G itself where no boost applies (may be NULL) */
} refit_gamma_job;

/* Chains begin .. end-1 of the job, scalar reference (kernels/gamma.c). */
void refit_gamma_run_scalar(const refit_gamma_plan *plan, const refit_gamma_job *job,
                            size_t begin, size_t end);
#if defined(__x86_64__) || defined(__i386__)
#define REFIT_GAMMA_X86 1
void refit_gamma_run_avx2(const refit_gamma_plan *plan, const refit_gamma_job *job, size_t count);
void refit_gamma_run_avx512(const refit_gamma_plan *plan, const refit_gamma_job *job, size_t count);
#else
#define REFIT_GAMMA_X86 0
#endif

/* h(y) as an internal entry point for tests (scalar reference). */
double refit_gamma_log_accept(const refit_gamma_plan *plan, double y, double w);

#endif /* REFIT_KERNELS_GAMMA_IMPL_H */

/* ---- the SIMD algorithm (instantiated when REFIT_GAMMA_TEMPLATE is defined) ----
 * The includer has included its isa_*.h and defines, besides RVD, RVU, RW,
 * RF_, RV_ (kernels/isa_algo.inc):
 *   GM                   a lane mask
 *   GM_(lt|le|gt)(a, b)  ordered comparisons of RVD (false on NaN, as in C)
 *   GM_(and|or)(a, b), GM_(andnot)(a, b) = a & ~b, GM_(bits)(m) lane bits
 *   GM_(blend)(m, a, b)  m ? a : b per lane,  GM_(ones)() all lanes set
 *   GF_(name)            the instantiated name                              */
#ifdef REFIT_GAMMA_TEMPLATE

/* Counters {block, generation, chain0 + lane, stream}: one chain per lane. */
static REFIT_KINLINE void GF_(uniforms)(const refit_gamma_job *job, uint32_t block, uint32_t chain0,
                                        RVD *u1, RVD *u2)
{
    RVU x[4];
    x[0] = RV_(bcast64)(block);
    x[1] = RV_(bcast64)(job->generation);
    x[2] = RV_(add64)(RV_(bcast64)(chain0), RV_(iota)());
    x[3] = RV_(bcast64)(job->stream);
    RF_(philox_raw)(x, job->k0, job->k1);
    *u1 = RF_(u01)(x[0], x[1]);
    *u2 = RF_(u01)(x[2], x[3]);
}

/* P(y) by Estrin's scheme (short latency), in gamma.c's gamma_series order. */
static REFIT_KINLINE RVD GF_(series)(RVD y, RVD y2, RVD y4)
{
    const double *c = refit_gamma_series;
    RVD q[9], r[4];
    for (int i = 0; i < 9; i++) q[i] = RV_(fma)(RV_(bcastd)(c[2 * i + 1]), y, RV_(bcastd)(c[2 * i]));
    for (int i = 0; i < 4; i++) r[i] = RV_(fma)(q[2 * i + 1], y2, q[2 * i]);
    RVD y8 = RV_(mul)(y4, y4);
    RVD s0 = RV_(fma)(r[1], y4, r[0]);
    RVD s1 = RV_(fma)(r[3], y4, r[2]);
    return RV_(fma)(q[8], RV_(mul)(y8, y8), RV_(fma)(s1, y8, s0));
}

/* One Marsaglia-Tsang attempt for every lane (the scalar gamma_accept):
 * the squeeze, then e^h's bounds 1 + h <= e^h <= 1 + h + h^2/2 (h <= 0),
 * and ln u_acc only for lanes of `live` left between the bounds.  Returns
 * the accepting lanes. */
static REFIT_KINLINE GM GF_(accept)(const refit_gamma_plan *p, RVD x, RVD ua, GM live, RVD *v_out)
{
    const RVD one = RV_(bcastd)(1.0);
    RVD y = RV_(mul)(RV_(bcastd)(p->c), x);
    RVD w = RV_(add)(one, y);
    *v_out = RV_(mul)(RV_(mul)(w, w), w);
    RVD x2 = RV_(mul)(x, x);
    RVD sq = RV_(sub)(one, RV_(mul)(RV_(bcastd)(REFIT_GAMMA_SQUEEZE), RV_(mul)(x2, x2)));
    GM pos = GM_(gt)(w, RV_(bcastd)(0.0));
    GM acc = GM_(and)(pos, GM_(lt)(ua, sq));
    GM need = GM_(and)(GM_(andnot)(pos, acc), live);
    /* No early exit when no lane needs h: that branch is unpredictable and
     * waits on a long dependency chain; the series is cheap. */
    /* h(y): series where |y| <= 1/8, the direct form elsewhere */
    RVD ay = RV_(u2d)(RV_(and)(RV_(d2u)(y), RV_(bcast64)(UINT64_C(0x7FFFFFFFFFFFFFFF))));
    GM small = GM_(le)(ay, RV_(bcastd)(REFIT_GAMMA_SERIES_MAX));
    RVD y2 = RV_(mul)(y, y);
    RVD y4 = RV_(mul)(y2, y2);
    RVD P = GF_(series)(y, y2, y4);
    RVD h = RV_(mul)(RV_(bcastd)(p->d3), RV_(mul)(y4, P));
    if (GM_(bits)(GM_(andnot)(need, small)) != 0) {
        RVD lw = RF_(log)(w);
        RVD t = RV_(sub)(RV_(add)(RV_(sub)(lw, y), RV_(mul)(RV_(bcastd)(0.5), y2)),
                         RV_(mul)(RV_(mul)(y2, y), RV_(bcastd)(REFIT_GAMMA_THIRD)));
        h = GM_(blend)(small, h, RV_(mul)(RV_(bcastd)(p->d3), t));
    }
    RVD lo = RV_(add)(one, h);
    GM below = GM_(lt)(ua, lo);
    acc = GM_(or)(acc, GM_(and)(need, below));
    RVD hi = RV_(add)(lo, RV_(mul)(RV_(mul)(RV_(bcastd)(0.5), h), h));
    GM band = GM_(and)(GM_(andnot)(need, below), GM_(lt)(ua, hi));
    if (GM_(bits)(band) == 0) return acc;
    return GM_(or)(acc, GM_(and)(band, GM_(lt)(RF_(log)(ua), h)));
}

/* W chains chain0 .. chain0+W-1: Z, d v and u_boost of the accepted attempt.
 * Attempts advance in lockstep: a lane stops counting once it accepts, so
 * every still-pending lane is at the same attempt t. */
static REFIT_KINLINE void GF_(draw)(const refit_gamma_plan *p, const refit_gamma_job *job,
                                    uint32_t chain0, RVD *z, RVD *dv, RVD *ub)
{
    const RVD d = RV_(bcastd)(p->d);
    RVD u1, u2, x, ua, v;
    GF_(uniforms)(job, 0, chain0, &u1, &u2);
    RF_(boxmuller)(u1, u2, z, &x);
    if (p->half) { /* chi^2_1 = x_0^2: the exact law, no attempts */
        *dv = RV_(mul)(RV_(mul)(x, x), RV_(bcastd)(0.5));
        *ub = RV_(bcastd)(1.0);
        return;
    }
    GF_(uniforms)(job, 1, chain0, &ua, ub);
    GM pending = GM_(andnot)(GM_(ones)(), GF_(accept)(p, x, ua, GM_(ones)(), &v));
    *dv = RV_(mul)(d, v);
    for (uint32_t t = 1; GM_(bits)(pending) != 0; t++) {
        RVD unused, ub_t;
        GF_(uniforms)(job, 2 * t, chain0, &u1, &u2);
        RF_(boxmuller)(u1, u2, &x, &unused);
        GF_(uniforms)(job, 2 * t + 1, chain0, &ua, &ub_t);
        GM newly = GM_(and)(pending, GF_(accept)(p, x, ua, pending, &v));
        *dv = GM_(blend)(newly, RV_(mul)(d, v), *dv);
        *ub = GM_(blend)(newly, ub_t, *ub);
        pending = GM_(andnot)(pending, newly);
    }
}

/* Whole vectors of W chains; the remainder goes to the scalar reference. */
void GF_(run)(const refit_gamma_plan *p, const refit_gamma_job *job, size_t count)
{
    size_t i = 0;
    for (; count - i >= RW; i += RW) {
        RVD z, dv, ub;
        GF_(draw)(p, job, job->first_chain + (uint32_t)i, &z, &dv, &ub);
        if (!job->suffstat) {
            RVD lg = RF_(log)(dv);
            if (p->boost) lg = RV_(add)(lg, RV_(div)(RF_(log)(ub), RV_(bcastd)(p->a)));
            RV_(store)(job->log_out + i, lg);
            if (job->mean != NULL) RV_(store)(job->mean + i, z); /* normal_log_gamma */
            if (job->g_out != NULL && !p->boost) RV_(store)(job->g_out + i, dv);
            continue;
        }
        if (job->mean != NULL) RV_(store)(job->mean + i, RV_(div)(z, RV_(bcastd)(job->sqrt_M)));
        if (job->var == NULL && job->log_var == NULL) continue;
        RVD G = dv; /* shapes (M-1)/2 are 1/2 or >= 1: suffstat never boosts */
        RVD var = RV_(div)(RV_(mul)(G, RV_(bcastd)(2.0)), RV_(bcastd)(job->D));
        if (job->var != NULL) RV_(store)(job->var + i, var);
        if (job->log_var != NULL) RV_(store)(job->log_var + i, RF_(log)(var));
    }
    if (i < count) refit_gamma_run_scalar(p, job, i, count);
}

#endif /* REFIT_GAMMA_TEMPLATE */
