/* AVX-512 Gamma / sufficient-statistic sampler: 8 chains per vector
 * (kernels/gamma_impl.h's algorithm with W = 8), bitwise equal to the
 * scalar reference in kernels/gamma.c. */
#include "gamma_impl.h"
#if REFIT_GAMMA_X86
#include "isa_avx512.h"

#define RVD refit_vd512
#define RVU refit_vu512
#define RW REFIT_ISA512_W
#define RF_(name) refit_isa512_##name
#define RV_(op) refit_v512_##op

typedef __mmask8 refit_gm512;
static REFIT_KINLINE refit_gm512 refit_gm512_lt(__m512d a, __m512d b) { return _mm512_cmp_pd_mask(a, b, _CMP_LT_OQ); }
static REFIT_KINLINE refit_gm512 refit_gm512_le(__m512d a, __m512d b) { return _mm512_cmp_pd_mask(a, b, _CMP_LE_OQ); }
static REFIT_KINLINE refit_gm512 refit_gm512_gt(__m512d a, __m512d b) { return _mm512_cmp_pd_mask(a, b, _CMP_GT_OQ); }
static REFIT_KINLINE refit_gm512 refit_gm512_and(refit_gm512 a, refit_gm512 b) { return (refit_gm512)(a & b); }
static REFIT_KINLINE refit_gm512 refit_gm512_or(refit_gm512 a, refit_gm512 b) { return (refit_gm512)(a | b); }
static REFIT_KINLINE refit_gm512 refit_gm512_andnot(refit_gm512 a, refit_gm512 b) { return (refit_gm512)(a & ~b); }
static REFIT_KINLINE unsigned refit_gm512_bits(refit_gm512 m) { return (unsigned)m; }
static REFIT_KINLINE refit_gm512 refit_gm512_ones(void) { return (refit_gm512)0xFF; }
static REFIT_KINLINE __m512d refit_gm512_blend(refit_gm512 m, __m512d a, __m512d b) { return _mm512_mask_blend_pd(m, b, a); }

#define GM refit_gm512
#define GM_(op) refit_gm512_##op
#define GF_(name) refit_gamma512_##name
#define refit_gamma512_run refit_gamma_run_avx512
#define REFIT_GAMMA_TEMPLATE
#include "gamma_impl.h"
#endif
