/* AVX-512 F/DQ (W = 8) instance of the kernels' building blocks; include
 * only from files compiled with the AVX-512 flags (kernels/ files named *_avx512.c).
 *
 * API for K1b -- the same functions as kernels/isa_scalar.h with prefix
 * refit_isa512_ and types refit_vd512 (__m512d) / refit_vu512 (__m512i), W = 8:
 *   refit_isa512_philox(x[4], k0, k1)        Philox4x32-10 on 8 counters, in place
 *   refit_isa512_philox_raw(x[4], k0, k1)    the same, output upper halves unspecified
 *   refit_philox_round_keys(rk[20], k0, k1)  the 10 round keys, once per call (shared by all ISAs)
 *   refit_isa512_philox_rk(x[4], rk)       Philox (raw output) from precomputed round keys
 *   refit_isa512_block_uniforms_rk / refit_isa512_block_normals_rk(rk, b, ...)  the same as below, with rk
 *   refit_isa512_counters(x, b, gen, chain, stream) ctr = {b + lane, gen, chain, stream}
 *   refit_isa512_u01(lo, hi)                 exact uniform in (0, 1) from two words
 *   refit_isa512_log(x)                      ln x
 *   refit_isa512_sincos2pi(u, &s, &c)        sin, cos of 2 pi u
 *   refit_isa512_boxmuller(u1, u2, &n0, &n1) the normal pair
 *   refit_isa512_block_uniforms / refit_isa512_block_normals   blocks b .. b+7
 *   refit_v512_<op>                          the helper layer
 *   refit_isa512x_<name>, refit_v512x_<op>  the same on REFIT_ISA512X_U vectors in lock-step
 *                                            (types refit_vd512x / refit_vu512x, vector j = .v[j])
 * Every function gives, lane by lane, the bits of the refit_isa1_ one.
 */
#ifndef REFIT_KERNELS_ISA_AVX512_H
#define REFIT_KERNELS_ISA_AVX512_H

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

typedef __m512d refit_vd512;
typedef __m512i refit_vu512;
#define REFIT_ISA512_W 8

static REFIT_KINLINE refit_vd512 refit_v512_bcastd(double a) { return _mm512_set1_pd(a); }
static REFIT_KINLINE refit_vu512 refit_v512_bcast64(uint64_t a) { return _mm512_set1_epi64((long long)a); }
static REFIT_KINLINE refit_vu512 refit_v512_iota(void) { return _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0); }
static REFIT_KINLINE refit_vd512 refit_v512_add(refit_vd512 a, refit_vd512 b) { return _mm512_add_pd(a, b); }
static REFIT_KINLINE refit_vd512 refit_v512_sub(refit_vd512 a, refit_vd512 b) { return _mm512_sub_pd(a, b); }
static REFIT_KINLINE refit_vd512 refit_v512_mul(refit_vd512 a, refit_vd512 b) { return _mm512_mul_pd(a, b); }
static REFIT_KINLINE refit_vd512 refit_v512_div(refit_vd512 a, refit_vd512 b) { return _mm512_div_pd(a, b); }
static REFIT_KINLINE refit_vd512 refit_v512_sqrt(refit_vd512 a) { return _mm512_sqrt_pd(a); }
static REFIT_KINLINE refit_vd512 refit_v512_fma(refit_vd512 a, refit_vd512 b, refit_vd512 c)
{
    return _mm512_fmadd_pd(a, b, c);
}
static REFIT_KINLINE refit_vu512 refit_v512_add64(refit_vu512 a, refit_vu512 b) { return _mm512_add_epi64(a, b); }
static REFIT_KINLINE refit_vu512 refit_v512_and(refit_vu512 a, refit_vu512 b) { return _mm512_and_si512(a, b); }
static REFIT_KINLINE refit_vu512 refit_v512_or(refit_vu512 a, refit_vu512 b) { return _mm512_or_si512(a, b); }
static REFIT_KINLINE refit_vu512 refit_v512_xor(refit_vu512 a, refit_vu512 b) { return _mm512_xor_si512(a, b); }
static REFIT_KINLINE refit_vu512 refit_v512_mul32(refit_vu512 a, refit_vu512 b) { return _mm512_mul_epu32(a, b); }
static REFIT_KINLINE refit_vu512 refit_v512_d2u(refit_vd512 a) { return _mm512_castpd_si512(a); }
static REFIT_KINLINE refit_vd512 refit_v512_u2d(refit_vu512 a) { return _mm512_castsi512_pd(a); }
static REFIT_KINLINE refit_vd512 refit_v512_sel_lsb(refit_vu512 q, refit_vd512 a, refit_vd512 b)
{
    __mmask8 odd = _mm512_test_epi64_mask(q, _mm512_set1_epi64(1));
    return _mm512_mask_blend_pd(odd, b, a);
}
static REFIT_KINLINE refit_vu512 refit_v512_pack64(refit_vu512 lo, refit_vu512 hi)
{
    /* one two-source dword permute: dword 2i from lo, dword 2i+1 = hi's dword 2i */
    const __m512i idx = _mm512_set_epi32(30, 14, 28, 12, 26, 10, 24, 8, 22, 6, 20, 4, 18, 2, 16, 0);
    return _mm512_permutex2var_epi32(lo, idx, hi);
}
static REFIT_KINLINE refit_vd512 refit_v512_load(const double *p) { return _mm512_loadu_pd(p); }
static REFIT_KINLINE void refit_v512_store(double *p, refit_vd512 a) { _mm512_storeu_pd(p, a); }
static REFIT_KINLINE void refit_v512_store2(double *p, refit_vd512 a, refit_vd512 b)
{
    const __m512i lo = _mm512_set_epi64(11, 3, 10, 2, 9, 1, 8, 0);
    const __m512i hi = _mm512_set_epi64(15, 7, 14, 6, 13, 5, 12, 4);
    _mm512_storeu_pd(p, _mm512_permutex2var_pd(a, lo, b));
    _mm512_storeu_pd(p + 8, _mm512_permutex2var_pd(a, hi, b));
}
#define REFIT_V512_SRL(a, n) _mm512_srli_epi64((a), (unsigned)(n))
#define REFIT_V512_SLL(a, n) _mm512_slli_epi64((a), (unsigned)(n))

#define RVD refit_vd512
#define RVU refit_vu512
#define RW REFIT_ISA512_W
#define RF_(name) refit_isa512_##name
#define RV_(op) refit_v512_##op
#define RV_SRL REFIT_V512_SRL
#define RV_SLL REFIT_V512_SLL
#include "isa_algo.inc"
#undef RVD
#undef RVU
#undef RW
#undef RF_
#undef RV_
#undef RV_SRL
#undef RV_SLL

/* The wide instance: REFIT_ISA512X_U vectors in lock-step (kernels/isa_wide.h),
 * prefix refit_isa512x_, types refit_vd512x / refit_vu512x (member v[j] holds
 * lanes 8j .. 8j+7); the bulk kernels' main loops use it.  4 measured best on
 * Zen 4 (kernels/README.md). */
#define REFIT_ISA512X_U 4
#define RWX_U REFIT_ISA512X_U
#define RWN_D refit_vd512
#define RWN_U refit_vu512
#define RWN_W REFIT_ISA512_W
#define RWN_(op) refit_v512_##op
#define RWN_SRL REFIT_V512_SRL
#define RWN_SLL REFIT_V512_SLL
#define RWX_D refit_vd512x
#define RWX_U_T refit_vu512x
#define RWX_(op) refit_v512x_##op
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

#define RVD refit_vd512x
#define RVU refit_vu512x
#define RW (REFIT_ISA512_W * REFIT_ISA512X_U)
#define RF_(name) refit_isa512x_##name
#define RV_(op) refit_v512x_##op
#define RV_SRL refit_v512x_srl
#define RV_SLL refit_v512x_sll
#include "isa_algo.inc"
#undef RVD
#undef RVU
#undef RW
#undef RF_
#undef RV_
#undef RV_SRL
#undef RV_SLL

#endif /* REFIT_KERNELS_ISA_AVX512_H */
