/* Internal to kernels/: the streaming-moments block arithmetic shared by
 * every ISA (one scalar copy, so the combine order cannot differ), and the
 * per-ISA entry points that kernels/dispatch.c chooses between.
 *
 * Moments layout (the canonical order, see kernels/README.md): a chunk is
 * cut into blocks of REFIT_MOM_BLOCK = 1024 values from its start; value j of
 * a block goes to lane j mod 16.  Per block the shift c is the running mean
 * (the chunk's first value when nothing has been seen); each lane keeps
 * S += d and Q = fma(d, d, Q) with d = x - c, in value order.  At the end of
 * a block the lanes are summed by a fixed tree and the block is merged into
 * the running (count, mean, m2) by Chan's formula, the mean and m2 carried
 * as unevaluated sums hi + lo (TwoSum) until the call returns.
 */
#ifndef REFIT_KERNELS_INTERNAL_H
#define REFIT_KERNELS_INTERNAL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "refit/kernels.h"

#define REFIT_MOM_LANES 16
#define REFIT_MOM_BLOCK 1024

/* The running state of one call: count, mean = mh + ml, m2 = qh + ql. */
typedef struct refit_mom_run {
    double n, mh, ml, qh, ql;
} refit_mom_run;

static inline void refit_mom_two_sum(double a, double b, double *s, double *e)
{
    double t = a + b;
    double bb = t - a;
    *e = (a - (t - bb)) + (b - bb);
    *s = t;
}

/* Start from *acc; an empty acc takes the chunk's first value as shift. */
static inline void refit_mom_start(refit_mom_run *r, const refit_moments *acc, double first)
{
    r->n = acc->count;
    r->mh = acc->count > 0 ? acc->mean : first;
    r->ml = 0.0;
    r->qh = acc->count > 0 ? acc->m2 : 0.0;
    r->ql = 0.0;
}

/* ((v0+v8)+(v4+v12)) + ((v2+v10)+(v6+v14)) + ...: lanes l and l+8 first,
 * then l and l+4, l and l+2, l and l+1. */
static inline double refit_mom_tree16(const double v[REFIT_MOM_LANES])
{
    double a[8], b[4], c[2];
    for (int i = 0; i < 8; i++) a[i] = v[i] + v[i + 8];
    for (int i = 0; i < 4; i++) b[i] = a[i] + a[i + 4];
    for (int i = 0; i < 2; i++) c[i] = b[i] + b[i + 2];
    return c[0] + c[1];
}

/* Merge one block (lane sums S, Q of d = x - r->mh; nb values) into *r. */
static inline void refit_mom_block(refit_mom_run *r, const double S[REFIT_MOM_LANES],
                                   const double Q[REFIT_MOM_LANES], double nb)
{
    double ss = refit_mom_tree16(S);
    double qq = refit_mom_tree16(Q);
    double d = ss / nb;            /* block mean - shift */
    double m2b = fma(-ss, d, qq);  /* sum (x - block mean)^2 = Q - S^2/nb */
    if (!(m2b > 0.0)) m2b = m2b < 0.0 ? 0.0 : m2b; /* rounding can dip below 0 */
    double na = r->n, n = na + nb;
    double delta = d - r->ml;      /* block mean - running mean */
    double inc = fma(delta, nb / n, r->ml);
    refit_mom_two_sum(r->mh, inc, &r->mh, &r->ml);
    double term = fma(delta * delta, na * (nb / n), m2b) + r->ql;
    refit_mom_two_sum(r->qh, term, &r->qh, &r->ql);
    r->n = n;
}

static inline void refit_mom_finish(const refit_mom_run *r, refit_moments *acc)
{
    acc->count = r->n;
    acc->mean = r->mh + r->ml;
    acc->m2 = r->qh + r->ql;
}

/* Per-ISA kernels (suffix scalar, avx2, avx512); arguments already checked.
 * k0, k1: the Philox key (seed low and high 32 bits). */
#define REFIT_KERNEL_DECLS(sfx)                                                                   \
    void refit_kern_uniforms_##sfx(uint32_t k0, uint32_t k1, uint32_t stream, uint32_t chain,     \
                                   uint32_t generation, uint64_t first, size_t count,             \
                                   double *out);                                                  \
    void refit_kern_normals_##sfx(uint32_t k0, uint32_t k1, uint32_t stream, uint32_t chain,      \
                                  uint32_t generation, uint64_t first, size_t count, double *out); \
    void refit_kern_moments_##sfx(const double *x, size_t count, refit_moments *acc);             \
    void refit_kern_sample_fit_##sfx(uint32_t k0, uint32_t k1, uint32_t chain,                    \
                                     uint32_t generation, uint64_t M, refit_moments *out);

REFIT_KERNEL_DECLS(scalar)
#if defined(__x86_64__) || defined(__i386__)
#define REFIT_KERNELS_X86 1
REFIT_KERNEL_DECLS(avx2)
REFIT_KERNEL_DECLS(avx512)
#else
#define REFIT_KERNELS_X86 0
#endif

#endif /* REFIT_KERNELS_INTERNAL_H */
