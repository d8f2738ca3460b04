/* The scalar reference of the bulk kernels: the specification the SIMD
 * variants reproduce bit for bit (kernels/bulk_algo.inc with W = 1). */
#include "isa_scalar.h"
#include "kernels_internal.h"

#define RVD refit_vd1
#define RW REFIT_ISA1_W
#define RF_(name) refit_isa1_##name
#define RV_(op) refit_v1_##op
#define RVX refit_vd1
#define RUX 1
#define RFX_(name) refit_isa1_##name
#define RVX_PART(x, j) (x)
#define KF_(name) refit_kern_##name##_scalar
#include "bulk_algo.inc"
