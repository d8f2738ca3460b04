/* refit: the Monte Carlo hot loops.
 *
 * Counter-based Gaussian sampling, streaming moments, fused sample-and-fit
 * and the exact sufficient-statistic (chi-square / Gamma) sampler.
 *
 * Reproducibility contract: every random number is a pure function of
 * (seed, stream, chain, generation, index) through Philox4x32-10, and every
 * ISA variant (scalar, AVX2, AVX-512) performs the same IEEE operations in the
 * same order as the scalar reference, so all variants give bitwise identical
 * output for any thread count, ISA or restart point.
 *
 * No function here allocates, prints or keeps hidden state; the ISA is an
 * explicit argument (pick it once with refit_isa_select()).
 */
#ifndef REFIT_KERNELS_H
#define REFIT_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "refit/model.h"
#include "refit/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- instruction sets and dispatch ---- */

typedef enum refit_isa {
    REFIT_ISA_SCALAR = 0, /* the reference: the specification of every kernel */
    REFIT_ISA_AVX2 = 1,   /* AVX2 + FMA */
    REFIT_ISA_AVX512 = 2  /* AVX-512 F/DQ/VL */
} refit_isa;

#define REFIT_ISA_COUNT 3

/* "scalar", "avx2", "avx512"; "unknown" otherwise (never NULL). */
const char *refit_isa_name(refit_isa isa);

/* 1 if the variant is compiled in and this CPU can run it. */
int refit_isa_supported(refit_isa isa);

/* The fastest supported variant. */
refit_isa refit_isa_best(void);

/* The variant to use: the environment variable REFIT_ISA
 * (scalar|avx2|avx512) if set, else refit_isa_best().  REFIT_EINVAL for an
 * unknown name, REFIT_EDOM for a variant this CPU cannot run; *isa is then
 * left unchanged. */
REFIT_WUR refit_status refit_isa_select(refit_isa *isa);

/* ---- addressing the random numbers ---- */

/* Independent purposes draw from disjoint counter ranges. */
typedef enum refit_stream {
    REFIT_STREAM_SAMPLE = 0,   /* the M draws of one chain-generation (fused kernel) */
    REFIT_STREAM_SUFFSTAT = 1, /* sufficient-statistic sampler: sample mean and sum of squares */
    REFIT_STREAM_INIT = 2,     /* generation-0 data from a non-Gaussian law (simulation engine) */
    REFIT_STREAM_AUX = 3       /* further per-chain draws (regimes, importance sampling) */
} refit_stream;

/* Philox4x32-10 (Salmon et al., SC'11): out = bijection_key(ctr).
 * Addressing used by every kernel: key = {seed low 32 bits, seed high 32
 * bits}, ctr = {block, generation, chain, stream}.  Block b's words x0..x3
 * give two 64-bit words (x1:x0) and (x3:x2); a word w becomes the uniform
 * u = ((w >> 12) + 1/2) 2^-52, a point of the lattice (k + 1/2) 2^-52, so
 * 2^-53 <= u <= 1 - 2^-53 (never 0 or 1).  Uniform and normal index j come
 * from block j / 2: normals 2b and 2b+1 are the Box-Muller pair
 * sqrt(-2 ln u1) (cos 2 pi u2, sin 2 pi u2).  Details: kernels/README.md;
 * the Gamma sampler's blocks: kernels/GAMMA.md. */
void refit_philox4x32_10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]);

/* ---- elementary functions used by the kernels (own polynomials, not libm) ---- */

/* ln x for positive normal x.  Measured against MPFR (tests/check_kernels.c,
 * 600 000 points incl. the kernels' own u values): at most 0.75 ulp. */
double refit_kernel_log(double x);

/* sin(2 pi u) and cos(2 pi u) for u in [0, 1).  Measured against MPFR:
 * at most 1.03 ulp (sin) and 1.05 ulp (cos); a whole Box-Muller normal is
 * within 2.05 ulp of the correctly rounded pair (target 4). */
void refit_kernel_sincos2pi(double u, double *s, double *c);

/* ---- bulk generators ---- */

/* Uniform doubles in the open interval (0, 1) and standard normals with
 * index first, first+1, ..., first+count-1 of (seed, stream, chain,
 * generation).  Index j comes from Philox block j / 2. */
REFIT_WUR refit_status refit_kernel_uniforms(refit_isa isa, uint64_t seed, refit_stream stream,
                                             uint32_t chain, uint32_t generation, uint64_t first,
                                             size_t count, double *out);
REFIT_WUR refit_status refit_kernel_normals(refit_isa isa, uint64_t seed, refit_stream stream,
                                            uint32_t chain, uint32_t generation, uint64_t first,
                                            size_t count, double *out);

/* ---- streaming moments (canonical lane count, fixed combine order) ---- */

typedef struct refit_moments {
    double count; /* number of values seen */
    double mean;  /* their mean */
    double m2;    /* sum of squared deviations from the mean */
} refit_moments;

/* Fold x[0..count) into *acc (start from {0, 0, 0}).  The result depends only
 * on the sequence of chunks, not on the ISA. */
REFIT_WUR refit_status refit_kernel_moments(refit_isa isa, const double *x, size_t count,
                                            refit_moments *acc);

/* Chan et al.'s pairwise combination: *a <- a merged with b. */
void refit_moments_merge(refit_moments *a, const refit_moments *b);

/* ---- one refit of one chain ---- */

/* Fused sample-and-fit: draw the M standard normals of (seed,
 * REFIT_STREAM_SAMPLE, chain, generation) and return their sample mean and
 * variance (sum of squared deviations / D, D = M-1 or M), without a buffer.
 * Bitwise equal to refit_kernel_normals() followed by refit_kernel_moments()
 * on one chunk.  M in [2, 2^32]. */
REFIT_WUR refit_status refit_kernel_sample_fit(refit_isa isa, uint64_t seed, uint32_t chain,
                                               uint32_t generation, uint64_t M,
                                               refit_estimator estimator, double *mean,
                                               double *var);

/* ---- exact sufficient-statistic sampler, vectorised across chains ---- */

/* Gamma(shape, 1) variates for chains first_chain .. first_chain+count-1
 * (Marsaglia-Tsang; shape < 1 by the boost Gamma(a) = Gamma(a+1) U^(1/a)).
 * shape in [2^-10, 2^40].  Written as log values (ln G) because the boost
 * can go below DBL_MIN for tiny shapes. */
REFIT_WUR refit_status refit_kernel_log_gamma_variates(refit_isa isa, uint64_t seed,
                                                       refit_stream stream, uint32_t first_chain,
                                                       size_t count, uint32_t generation,
                                                       double shape, double *log_out);

/* The pair behind one exact refit, for chains first_chain .. +count-1 of
 * (seed, stream, generation): z_out[i] = Z, the standard normal of block 0's
 * cos part, and log_out[i] = ln G with G ~ Gamma(shape, 1) drawn as in
 * refit_kernel_log_gamma_variates (so log_out is bitwise what that function
 * gives for the same arguments).  With stream REFIT_STREAM_SUFFSTAT and
 * shape (M-1)/2 these are the Z and G of refit_kernel_suffstat_fit.  Z and G
 * are independent.  shape in [2^-10, 2^52] (room for the importance-sampling
 * tilts of the simulation engine, which draw shape (M-1)/2 + r). */
REFIT_WUR refit_status refit_kernel_normal_log_gamma(refit_isa isa, uint64_t seed,
                                                     refit_stream stream, uint32_t first_chain,
                                                     size_t count, uint32_t generation,
                                                     double shape, double *z_out,
                                                     double *log_out);

/* The same draws with G itself as well: g_out[i] = G (may be NULL; G may
 * underflow to 0 for shapes below 1), z_out and log_out as above.  Lets a
 * caller keep e^{lv/2} as a running product sqrt(2G/D) without exp(). */
REFIT_WUR refit_status refit_kernel_normal_gamma(refit_isa isa, uint64_t seed, refit_stream stream,
                                                 uint32_t first_chain, size_t count,
                                                 uint32_t generation, double shape, double *z_out,
                                                 double *g_out, double *log_out);

/* One standardised refit per chain, O(1) per chain: the sample mean of M
 * standard normals, mean = Z / sqrt(M), and the sample variance
 * var = Q / D with Q ~ chi^2_{M-1}, drawn directly (stream
 * REFIT_STREAM_SUFFSTAT).  log_var = ln(var), from the same draw.  Any of
 * mean, var, log_var may be NULL.  M in [2, 2^53]. */
REFIT_WUR refit_status refit_kernel_suffstat_fit(refit_isa isa, uint64_t seed, uint32_t first_chain,
                                                 size_t count, uint32_t generation, uint64_t M,
                                                 refit_estimator estimator, double *mean,
                                                 double *var, double *log_var);

#ifdef __cplusplus
}
#endif

#endif /* REFIT_KERNELS_H */
