/* AVX2 + FMA (W = 4) instance of the kernels' building blocks; include only
 * from files compiled with -mavx2 -mfma (kernels/ files named *_avx2.c).
 *
 * API for K1b -- the same functions as kernels/isa_scalar.h with prefix
 * refit_isa2_ and types refit_vd2 (__m256d) / refit_vu2 (__m256i), W = 4:
 *   refit_isa2_philox(x[4], k0, k1)          Philox4x32-10 on 4 counters, in place
 *   refit_isa2_philox_raw(x[4], k0, k1)      the same, output upper halves unspecified
 *   refit_philox_round_keys(rk[20], k0, k1)  the 10 round keys, once per call (shared by all ISAs)
 *   refit_isa2_philox_rk(x[4], rk)         Philox (raw output) from precomputed round keys
 *   refit_isa2_block_uniforms_rk / refit_isa2_block_normals_rk(rk, b, ...)  the same as below, with rk
 *   refit_isa2_counters(x, b, gen, chain, stream)   ctr = {b + lane, gen, chain, stream}
 *   refit_isa2_u01(lo, hi)                   exact uniform in (0, 1) from two words
 *   refit_isa2_log(x)                        ln x
 *   refit_isa2_sincos2pi(u, &s, &c)          sin, cos of 2 pi u
 *   refit_isa2_boxmuller(u1, u2, &n0, &n1)   the normal pair
 *   refit_isa2_block_uniforms / refit_isa2_block_normals   blocks b .. b+3
 *   refit_v2_<op>                            the helper layer
 *   refit_isa2x_<name>, refit_v2x_<op>  the same on REFIT_ISA2X_U vectors in lock-step
 *                                            (types refit_vd2x / refit_vu2x, vector j = .v[j])
 * Every function gives, lane by lane, the bits of the refit_isa1_ one.
 */
#ifndef REFIT_KERNELS_ISA_AVX2_H
#define REFIT_KERNELS_ISA_AVX2_H

#include <immintrin.h>
#include <stdint.h>

/* The building blocks must inline into the loops to keep values in registers. */
#ifndef REFIT_KINLINE
#if defined(__GNUC__) || defined(__clang__)
#define REFIT_KINLINE inline __attribute__((always_inline))
#else
#define REFIT_KINLINE inline
#endif
#endif

typedef __m256d refit_vd2;
typedef __m256i refit_vu2;
#define REFIT_ISA2_W 4

static REFIT_KINLINE refit_vd2 refit_v2_bcastd(double a) { return _mm256_set1_pd(a); }
static REFIT_KINLINE refit_vu2 refit_v2_bcast64(uint64_t a) { return _mm256_set1_epi64x((long long)a); }
static REFIT_KINLINE refit_vu2 refit_v2_iota(void) { return _mm256_set_epi64x(3, 2, 1, 0); }
static REFIT_KINLINE refit_vd2 refit_v2_add(refit_vd2 a, refit_vd2 b) { return _mm256_add_pd(a, b); }
static REFIT_KINLINE refit_vd2 refit_v2_sub(refit_vd2 a, refit_vd2 b) { return _mm256_sub_pd(a, b); }
static REFIT_KINLINE refit_vd2 refit_v2_mul(refit_vd2 a, refit_vd2 b) { return _mm256_mul_pd(a, b); }
static REFIT_KINLINE refit_vd2 refit_v2_div(refit_vd2 a, refit_vd2 b) { return _mm256_div_pd(a, b); }
static REFIT_KINLINE refit_vd2 refit_v2_sqrt(refit_vd2 a) { return _mm256_sqrt_pd(a); }
static REFIT_KINLINE refit_vd2 refit_v2_fma(refit_vd2 a, refit_vd2 b, refit_vd2 c)
{
    return _mm256_fmadd_pd(a, b, c);
}
static REFIT_KINLINE refit_vu2 refit_v2_add64(refit_vu2 a, refit_vu2 b) { return _mm256_add_epi64(a, b); }
static REFIT_KINLINE refit_vu2 refit_v2_and(refit_vu2 a, refit_vu2 b) { return _mm256_and_si256(a, b); }
static REFIT_KINLINE refit_vu2 refit_v2_or(refit_vu2 a, refit_vu2 b) { return _mm256_or_si256(a, b); }
static REFIT_KINLINE refit_vu2 refit_v2_xor(refit_vu2 a, refit_vu2 b) { return _mm256_xor_si256(a, b); }
static REFIT_KINLINE refit_vu2 refit_v2_mul32(refit_vu2 a, refit_vu2 b) { return _mm256_mul_epu32(a, b); }
static REFIT_KINLINE refit_vu2 refit_v2_d2u(refit_vd2 a) { return _mm256_castpd_si256(a); }
static REFIT_KINLINE refit_vd2 refit_v2_u2d(refit_vu2 a) { return _mm256_castsi256_pd(a); }
static REFIT_KINLINE refit_vd2 refit_v2_sel_lsb(refit_vu2 q, refit_vd2 a, refit_vd2 b)
{
    return _mm256_blendv_pd(b, a, _mm256_castsi256_pd(_mm256_slli_epi64(q, 63)));
}
static REFIT_KINLINE refit_vu2 refit_v2_pack64(refit_vu2 lo, refit_vu2 hi)
{
    return _mm256_blend_epi32(lo, _mm256_slli_epi64(hi, 32), 0xAA);
}
static REFIT_KINLINE refit_vd2 refit_v2_load(const double *p) { return _mm256_loadu_pd(p); }
static REFIT_KINLINE void refit_v2_store(double *p, refit_vd2 a) { _mm256_storeu_pd(p, a); }
static REFIT_KINLINE void refit_v2_store2(double *p, refit_vd2 a, refit_vd2 b)
{
    __m256d lo = _mm256_unpacklo_pd(a, b); /* a0 b0 a2 b2 */
    __m256d hi = _mm256_unpackhi_pd(a, b); /* a1 b1 a3 b3 */
    _mm256_storeu_pd(p, _mm256_permute2f128_pd(lo, hi, 0x20));
    _mm256_storeu_pd(p + 4, _mm256_permute2f128_pd(lo, hi, 0x31));
}
#define REFIT_V2_SRL(a, n) _mm256_srli_epi64((a), (int)(n))
#define REFIT_V2_SLL(a, n) _mm256_slli_epi64((a), (int)(n))

#define RVD refit_vd2
#define RVU refit_vu2
#define RW REFIT_ISA2_W
#define RF_(name) refit_isa2_##name
#define RV_(op) refit_v2_##op
#define RV_SRL REFIT_V2_SRL
#define RV_SLL REFIT_V2_SLL
#include "isa_algo.inc"
#undef RVD
#undef RVU
#undef RW
#undef RF_
#undef RV_
#undef RV_SRL
#undef RV_SLL

/* The wide instance: REFIT_ISA2X_U vectors in lock-step (kernels/isa_wide.h),
 * prefix refit_isa2x_, types refit_vd2x / refit_vu2x (member v[j] holds
 * lanes 4j .. 4j+3); the bulk kernels' main loops use it.  8 measured best on
 * Zen 4 (kernels/README.md). */
#define REFIT_ISA2X_U 8
#define RWX_U REFIT_ISA2X_U
#define RWN_D refit_vd2
#define RWN_U refit_vu2
#define RWN_W REFIT_ISA2_W
#define RWN_(op) refit_v2_##op
#define RWN_SRL REFIT_V2_SRL
#define RWN_SLL REFIT_V2_SLL
#define RWX_D refit_vd2x
#define RWX_U_T refit_vu2x
#define RWX_(op) refit_v2x_##op
#include "isa_wide.h"
#undef RWX_U
#undef RWN_D
#undef RWN_U
#undef RWN_W
#undef RWN_
#undef RWN_SRL
#undef RWN_SLL
#undef RWX_D
#undef RWX_U_T
#undef RWX_

#define RVD refit_vd2x
#define RVU refit_vu2x
#define RW (REFIT_ISA2_W * REFIT_ISA2X_U)
#define RF_(name) refit_isa2x_##name
#define RV_(op) refit_v2x_##op
#define RV_SRL refit_v2x_srl
#define RV_SLL refit_v2x_sll
#include "isa_algo.inc"
#undef RVD
#undef RVU
#undef RW
#undef RF_
#undef RV_
#undef RV_SRL
#undef RV_SLL

#endif /* REFIT_KERNELS_ISA_AVX2_H */
