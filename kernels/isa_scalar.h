/* Scalar (W = 1) instance of the kernels' building blocks: the reference.
 *
 * API for K1b (and the bulk kernels) -- every name below is stable:
 *   refit_vd1 / refit_vu1          one double / one 64-bit lane (uint64_t)
 *   REFIT_ISA1_W                   lanes per vector (1)
 *   refit_isa1_philox(x[4], k0, k1)          Philox4x32-10 in place: x = ctr in, out out
 *   refit_isa1_philox_raw(x[4], k0, k1)      the same, output upper halves unspecified
 *   refit_philox_round_keys(rk[20], k0, k1)  the 10 round keys, once per call (shared by all ISAs)
 *   refit_isa1_philox_rk(x[4], rk)         Philox (raw output) from precomputed round keys
 *   refit_isa1_block_uniforms_rk / refit_isa1_block_normals_rk(rk, b, ...)  the same as below, with rk
 *                                            (32-bit words zero-extended in 64-bit lanes)
 *   refit_isa1_counters(x, b, gen, chain, stream)   ctr = {b + lane, gen, chain, stream}
 *   refit_isa1_u01(lo, hi)                   ((hi 2^32 + lo) >> 12 + 1/2) 2^-52, in (0, 1);
 *                                            reads only the low 32 bits of lo and hi
 *   refit_isa1_log(x)                        ln x, x positive normal
 *   refit_isa1_sincos2pi(u, &s, &c)          sin, cos of 2 pi u, u in [0, 1)
 *   refit_isa1_boxmuller(u1, u2, &n0, &n1)   sqrt(-2 ln u1) (cos, sin)(2 pi u2)
 *   refit_isa1_block_uniforms(k0, k1, b, gen, chain, stream, &u1, &u2)
 *   refit_isa1_block_normals (k0, k1, b, gen, chain, stream, &n0, &n1)
 *                                            uniform/normal index 2b (u1, n0) and 2b+1 (u2, n1)
 *   refit_v1_<op>                            the helper layer (see kernels/isa_algo.inc)
 * Key words: k0 = seed & 0xFFFFFFFF, k1 = seed >> 32.  The algorithms are in
 * kernels/isa_algo.inc, shared by all three ISAs.
 */
#ifndef REFIT_KERNELS_ISA_SCALAR_H
#define REFIT_KERNELS_ISA_SCALAR_H

#include <math.h>
#include <stdint.h>

/* The building blocks must inline into the loops to keep values in registers. */
#ifndef REFIT_KINLINE
#if defined(__GNUC__) || defined(__clang__)
#define REFIT_KINLINE inline __attribute__((always_inline))
#else
#define REFIT_KINLINE inline
#endif
#endif
#include <string.h>

typedef double refit_vd1;
typedef uint64_t refit_vu1;
#define REFIT_ISA1_W 1

static REFIT_KINLINE refit_vd1 refit_v1_bcastd(double a) { return a; }
static REFIT_KINLINE refit_vu1 refit_v1_bcast64(uint64_t a) { return a; }
static REFIT_KINLINE refit_vu1 refit_v1_iota(void) { return 0; }
static REFIT_KINLINE refit_vd1 refit_v1_add(refit_vd1 a, refit_vd1 b) { return a + b; }
static REFIT_KINLINE refit_vd1 refit_v1_sub(refit_vd1 a, refit_vd1 b) { return a - b; }
static REFIT_KINLINE refit_vd1 refit_v1_mul(refit_vd1 a, refit_vd1 b) { return a * b; }
static REFIT_KINLINE refit_vd1 refit_v1_div(refit_vd1 a, refit_vd1 b) { return a / b; }
static REFIT_KINLINE refit_vd1 refit_v1_sqrt(refit_vd1 a) { return sqrt(a); }
static REFIT_KINLINE refit_vd1 refit_v1_fma(refit_vd1 a, refit_vd1 b, refit_vd1 c) { return fma(a, b, c); }
static REFIT_KINLINE refit_vu1 refit_v1_add64(refit_vu1 a, refit_vu1 b) { return a + b; }
static REFIT_KINLINE refit_vu1 refit_v1_and(refit_vu1 a, refit_vu1 b) { return a & b; }
static REFIT_KINLINE refit_vu1 refit_v1_or(refit_vu1 a, refit_vu1 b) { return a | b; }
static REFIT_KINLINE refit_vu1 refit_v1_xor(refit_vu1 a, refit_vu1 b) { return a ^ b; }
/* low 32 bits of a times low 32 bits of b, the full 64-bit product */
static REFIT_KINLINE refit_vu1 refit_v1_mul32(refit_vu1 a, refit_vu1 b)
{
    return (a & 0xFFFFFFFFu) * (b & 0xFFFFFFFFu);
}
static REFIT_KINLINE refit_vu1 refit_v1_d2u(refit_vd1 a)
{
    uint64_t u;
    memcpy(&u, &a, sizeof u);
    return u;
}
static REFIT_KINLINE refit_vd1 refit_v1_u2d(refit_vu1 a)
{
    double d;
    memcpy(&d, &a, sizeof d);
    return d;
}
/* lane-wise (q & 1) ? a : b */
static REFIT_KINLINE refit_vd1 refit_v1_sel_lsb(refit_vu1 q, refit_vd1 a, refit_vd1 b)
{
    return (q & 1u) ? a : b;
}
/* (hi << 32) | (lo & 0xFFFFFFFF): ignores the upper half of lo */
static REFIT_KINLINE refit_vu1 refit_v1_pack64(refit_vu1 lo, refit_vu1 hi)
{
    return (hi << 32) | (lo & 0xFFFFFFFFu);
}
static REFIT_KINLINE refit_vd1 refit_v1_load(const double *p) { return *p; }
static REFIT_KINLINE void refit_v1_store(double *p, refit_vd1 a) { *p = a; }
/* p[2i] = a[i], p[2i+1] = b[i] */
static REFIT_KINLINE void refit_v1_store2(double *p, refit_vd1 a, refit_vd1 b)
{
    p[0] = a;
    p[1] = b;
}
#define REFIT_V1_SRL(a, n) ((refit_vu1)(a) >> (n))
#define REFIT_V1_SLL(a, n) ((refit_vu1)(a) << (n))

#define RVD refit_vd1
#define RVU refit_vu1
#define RW REFIT_ISA1_W
#define RF_(name) refit_isa1_##name
#define RV_(op) refit_v1_##op
#define RV_SRL REFIT_V1_SRL
#define RV_SLL REFIT_V1_SLL
#include "isa_algo.inc"
#undef RVD
#undef RVU
#undef RW
#undef RF_
#undef RV_
#undef RV_SRL
#undef RV_SLL

#endif /* REFIT_KERNELS_ISA_SCALAR_H */
