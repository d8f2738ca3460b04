/* ISA selection and the public bulk kernels: argument checks, then the
 * chosen variant (kernels/bulk_*.c).  No caches: every call asks the CPU
 * (cheap) or takes the ISA the caller picked. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels_internal.h"

const char *refit_isa_name(refit_isa isa)
{
    switch (isa) {
    case REFIT_ISA_SCALAR: return "scalar";
    case REFIT_ISA_AVX2: return "avx2";
    case REFIT_ISA_AVX512: return "avx512";
    }
    return "unknown";
}

int refit_isa_supported(refit_isa isa)
{
    switch (isa) {
    case REFIT_ISA_SCALAR: return 1;
#if REFIT_KERNELS_X86
    case REFIT_ISA_AVX2:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case REFIT_ISA_AVX512:
        __builtin_cpu_init();
        /* the flags kernels/ files named *_avx512.c are compiled with */
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
               __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    case REFIT_ISA_AVX2:
    case REFIT_ISA_AVX512: return 0;
#endif
    }
    return 0;
}

refit_isa refit_isa_best(void)
{
    if (refit_isa_supported(REFIT_ISA_AVX512)) return REFIT_ISA_AVX512;
    if (refit_isa_supported(REFIT_ISA_AVX2)) return REFIT_ISA_AVX2;
    return REFIT_ISA_SCALAR;
}

refit_status refit_isa_select(refit_isa *isa)
{
    if (isa == NULL) return REFIT_EINVAL;
    const char *env = getenv("REFIT_ISA");
    if (env == NULL || env[0] == '\0') {
        *isa = refit_isa_best();
        return REFIT_OK;
    }
    for (int i = 0; i < REFIT_ISA_COUNT; i++) {
        if (strcmp(env, refit_isa_name((refit_isa)i)) == 0) {
            if (!refit_isa_supported((refit_isa)i)) return REFIT_EDOM;
            *isa = (refit_isa)i;
            return REFIT_OK;
        }
    }
    return REFIT_EINVAL;
}

static int isa_ok(refit_isa isa)
{
    return (isa == REFIT_ISA_SCALAR || isa == REFIT_ISA_AVX2 || isa == REFIT_ISA_AVX512) &&
           refit_isa_supported(isa);
}

static void fill_nan(double *out, size_t count)
{
    if (out == NULL) return;
    for (size_t i = 0; i < count; i++) out[i] = NAN;
}

/* Index j comes from Philox block j / 2, a 32-bit counter word: j < 2^33. */
#define REFIT_INDEX_LIMIT (UINT64_C(1) << 33)

typedef void (*bulk_fn)(uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, uint64_t, size_t,
                        double *);

static refit_status bulk(refit_isa isa, int normals, uint64_t seed, refit_stream stream,
                         uint32_t chain, uint32_t generation, uint64_t first, size_t count,
                         double *out)
{
    if (count > 0 && out == NULL) return REFIT_EINVAL;
    if (!isa_ok(isa) || (unsigned)stream > (unsigned)REFIT_STREAM_AUX) {
        fill_nan(out, count);
        return REFIT_EINVAL;
    }
    if (first > REFIT_INDEX_LIMIT || (uint64_t)count > REFIT_INDEX_LIMIT - first) {
        fill_nan(out, count);
        return REFIT_EDOM;
    }
    if (count == 0) return REFIT_OK;
    bulk_fn fn = normals ? refit_kern_normals_scalar : refit_kern_uniforms_scalar;
#if REFIT_KERNELS_X86
    if (isa == REFIT_ISA_AVX2) fn = normals ? refit_kern_normals_avx2 : refit_kern_uniforms_avx2;
    if (isa == REFIT_ISA_AVX512)
        fn = normals ? refit_kern_normals_avx512 : refit_kern_uniforms_avx512;
#endif
    fn((uint32_t)seed, (uint32_t)(seed >> 32), (uint32_t)stream, chain, generation, first, count,
       out);
    return REFIT_OK;
}

refit_status refit_kernel_uniforms(refit_isa isa, uint64_t seed, refit_stream stream,
                                   uint32_t chain, uint32_t generation, uint64_t first,
                                   size_t count, double *out)
{
    return bulk(isa, 0, seed, stream, chain, generation, first, count, out);
}

refit_status refit_kernel_normals(refit_isa isa, uint64_t seed, refit_stream stream,
                                  uint32_t chain, uint32_t generation, uint64_t first,
                                  size_t count, double *out)
{
    return bulk(isa, 1, seed, stream, chain, generation, first, count, out);
}

refit_status refit_kernel_moments(refit_isa isa, const double *x, size_t count,
                                  refit_moments *acc)
{
    if (acc == NULL || (count > 0 && x == NULL) || !isa_ok(isa)) return REFIT_EINVAL;
    if (!(acc->count >= 0.0) || acc->count > 0x1p53) return REFIT_EDOM;
#if REFIT_KERNELS_X86
    if (isa == REFIT_ISA_AVX512) {
        refit_kern_moments_avx512(x, count, acc);
        return REFIT_OK;
    }
    if (isa == REFIT_ISA_AVX2) {
        refit_kern_moments_avx2(x, count, acc);
        return REFIT_OK;
    }
#endif
    refit_kern_moments_scalar(x, count, acc);
    return REFIT_OK;
}

void refit_moments_merge(refit_moments *a, const refit_moments *b)
{
    if (a == NULL || b == NULL || !(b->count > 0.0)) return;
    if (!(a->count > 0.0)) {
        *a = *b;
        return;
    }
    double n = a->count + b->count;
    double delta = b->mean - a->mean;
    double wb = b->count / n;
    double mean = fma(delta, wb, a->mean);
    a->m2 = fma(delta * delta, a->count * wb, a->m2 + b->m2);
    a->mean = mean;
    a->count = n;
}

refit_status refit_kernel_sample_fit(refit_isa isa, uint64_t seed, uint32_t chain,
                                     uint32_t generation, uint64_t M, refit_estimator estimator,
                                     double *mean, double *var)
{
    if (mean != NULL) *mean = NAN;
    if (var != NULL) *var = NAN;
    if (mean == NULL || var == NULL || !isa_ok(isa) ||
        (estimator != REFIT_ESTIMATOR_UNBIASED && estimator != REFIT_ESTIMATOR_MLE))
        return REFIT_EINVAL;
    if (M < 2 || M > (UINT64_C(1) << 32)) return REFIT_EDOM;
    uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
    refit_moments m;
#if REFIT_KERNELS_X86
    if (isa == REFIT_ISA_AVX512)
        refit_kern_sample_fit_avx512(k0, k1, chain, generation, M, &m);
    else if (isa == REFIT_ISA_AVX2)
        refit_kern_sample_fit_avx2(k0, k1, chain, generation, M, &m);
    else
#endif
        refit_kern_sample_fit_scalar(k0, k1, chain, generation, M, &m);
    double D = estimator == REFIT_ESTIMATOR_MLE ? (double)M : (double)(M - 1);
    *mean = m.mean;
    *var = m.m2 / D;
    return REFIT_OK;
}
