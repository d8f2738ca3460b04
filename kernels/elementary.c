/* The public scalar entry points of the building blocks: Philox4x32-10 and
 * the own log and sincos2pi (kernels/isa_algo.inc, scalar instance). */
#include "isa_scalar.h"
#include "kernels_internal.h"

void refit_philox4x32_10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4])
{
    refit_vu1 x[4] = {ctr[0], ctr[1], ctr[2], ctr[3]};
    refit_isa1_philox(x, key[0], key[1]);
    for (int i = 0; i < 4; i++) out[i] = (uint32_t)x[i];
}

double refit_kernel_log(double x)
{
    return refit_isa1_log(x);
}

void refit_kernel_sincos2pi(double u, double *s, double *c)
{
    refit_isa1_sincos2pi(u, s, c);
}
