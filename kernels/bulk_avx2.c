/* AVX2 + FMA bulk kernels (kernels/bulk_algo.inc with W = 4). */
#include "kernels_internal.h"
#if REFIT_KERNELS_X86
#include "isa_avx2.h"
#include "isa_scalar.h"

#define REFIT_FUSED_SCALAR_SHIFT 1 /* see bulk_algo.inc: sample_fit */
#define RVD refit_vd2
#define RW REFIT_ISA2_W
#define RF_(name) refit_isa2_##name
#define RV_(op) refit_v2_##op
#define RVX refit_vd2x
#define RUX REFIT_ISA2X_U
#define RFX_(name) refit_isa2x_##name
#define RVX_PART(x, j) ((x).v[j])
#define KF_(name) refit_kern_##name##_avx2
#include "bulk_algo.inc"
#endif
