/* AVX-512 bulk kernels (kernels/bulk_algo.inc with W = 8). */
#include "kernels_internal.h"
#if REFIT_KERNELS_X86
#include "isa_avx512.h"
#include "isa_scalar.h"

#define RVD refit_vd512
#define RW REFIT_ISA512_W
#define RF_(name) refit_isa512_##name
#define RV_(op) refit_v512_##op
#define RVX refit_vd512x
#define RUX REFIT_ISA512X_U
#define RFX_(name) refit_isa512x_##name
#define RVX_PART(x, j) ((x).v[j])
#define KF_(name) refit_kern_##name##_avx512
#include "bulk_algo.inc"
#endif
