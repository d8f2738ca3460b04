/* AVX2 + FMA Gamma / sufficient-statistic sampler: 4 chains per vector
 * (kernels/gamma_impl.h's algorithm with W = 4), bitwise equal to the
 * scalar reference in kernels/gamma.c. */
#include "gamma_impl.h"
#if REFIT_GAMMA_X86
#include "isa_avx2.h"

#define RVD refit_vd2
#define RVU refit_vu2
#define RW REFIT_ISA2_W
#define RF_(name) refit_isa2_##name
#define RV_(op) refit_v2_##op

/* A mask is a vector of all-ones / all-zeros lanes (the compare result). */
typedef __m256d refit_gm2;
static REFIT_KINLINE refit_gm2 refit_gm2_lt(__m256d a, __m256d b) { return _mm256_cmp_pd(a, b, _CMP_LT_OQ); }
static REFIT_KINLINE refit_gm2 refit_gm2_le(__m256d a, __m256d b) { return _mm256_cmp_pd(a, b, _CMP_LE_OQ); }
static REFIT_KINLINE refit_gm2 refit_gm2_gt(__m256d a, __m256d b) { return _mm256_cmp_pd(a, b, _CMP_GT_OQ); }
static REFIT_KINLINE refit_gm2 refit_gm2_and(refit_gm2 a, refit_gm2 b) { return _mm256_and_pd(a, b); }
static REFIT_KINLINE refit_gm2 refit_gm2_or(refit_gm2 a, refit_gm2 b) { return _mm256_or_pd(a, b); }
static REFIT_KINLINE refit_gm2 refit_gm2_andnot(refit_gm2 a, refit_gm2 b) { return _mm256_andnot_pd(b, a); }
static REFIT_KINLINE unsigned refit_gm2_bits(refit_gm2 m) { return (unsigned)_mm256_movemask_pd(m); }
static REFIT_KINLINE refit_gm2 refit_gm2_ones(void) { return _mm256_castsi256_pd(_mm256_set1_epi64x(-1)); }
static REFIT_KINLINE __m256d refit_gm2_blend(refit_gm2 m, __m256d a, __m256d b) { return _mm256_blendv_pd(b, a, m); }

#define GM refit_gm2
#define GM_(op) refit_gm2_##op
#define GF_(name) refit_gamma2_##name
#define refit_gamma2_run refit_gamma_run_avx2
#define REFIT_GAMMA_TEMPLATE
#include "gamma_impl.h"
#endif
