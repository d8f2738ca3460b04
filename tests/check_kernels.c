/* Check suite of the Gaussian kernels (refit/kernels.h, kernels/).
 *
 * Expected values never come from the code under test: Philox against
 * Random123's published known-answer vectors, uniforms against the integer
 * formula applied to refit_philox4x32_10's words (itself checked by the
 * KAT), log and sincos2pi against MPFR (worst ulp printed), the SIMD
 * variants against the scalar reference by hashes of long output streams,
 * the fused kernel against normals() + moments(), and the moments against
 * exact MPFR sums or analytically known moments.  Random inputs come from
 * tests/support's generator with fixed seeds (printed with any failure).
 * REFIT_TEST_SCALE multiplies the sweep sizes.
 */
#include <check.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mpfr.h>

#include "refit/kernels.h"
#include "test_rng.h"
#include "test_ulp.h"

/* The scalar building blocks, for the u01 edge cases (words the generator
 * cannot be steered to). */
#include "../kernels/isa_scalar.h"

#define SEED UINT64_C(0x6b31615f6b65726e)

/* ---- helpers ---- */

static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}
#define FNV0 UINT64_C(0xcbf29ce484222325)

static double *xmalloc(size_t n)
{
    double *p = malloc(n * sizeof *p + 1);
    ck_assert_ptr_nonnull(p);
    return p;
}

/* ---- Philox ---- */

/* Known-answer vectors of Philox4x32-10 from Random123's tests/kat_vectors
 * (github.com/DEShawResearch/random123, commit 9545ff6413f2, lines
 * "philox4x32 10 ..."): counter[4], key[2], expected output[4]. */
static const uint32_t kat[3][10] = {
    {0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x6627e8d5,
     0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
    {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0x408f276d,
     0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
    {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, 0xd16cfe09,
     0x94fdcceb, 0x5001e420, 0x24126ea1},
};

START_TEST(philox_known_answers)
{
    for (int v = 0; v < 3; v++) {
        uint32_t out[4];
        refit_philox4x32_10(kat[v], kat[v] + 4, out);
        for (int i = 0; i < 4; i++)
            ck_assert_msg(out[i] == kat[v][6 + i], "KAT %d word %d: %08x, expected %08x", v, i,
                          out[i], kat[v][6 + i]);
    }
}
END_TEST

/* ---- uniforms ---- */

static double u01_reference(uint32_t lo, uint32_t hi)
{
    uint64_t w = ((uint64_t)hi << 32) | lo;
    return ldexp((double)(2 * (w >> 12) + 1), -53); /* 2(w>>12)+1 < 2^53: exact */
}

START_TEST(u01_edges_are_exact)
{
    ck_assert(refit_isa1_u01(0, 0) == 0x1p-53);
    ck_assert(refit_isa1_u01(0xFFFFFFFFu, 0xFFFFFFFFu) == 1.0 - 0x1p-53);
    ck_assert(refit_isa1_u01(0xFFFu, 0) == 0x1p-53);     /* low 12 bits dropped */
    ck_assert(refit_isa1_u01(0x1000u, 0) == 3 * 0x1p-53);
    ck_assert(refit_isa1_u01(0, 0x80000000u) == 0.5 + 0x1p-53);
    /* upper halves of the 64-bit lanes are ignored */
    ck_assert(refit_isa1_u01(UINT64_C(0xABCD00000000) | 7u, UINT64_C(0x1234500000000) | 9u) ==
              u01_reference(7u, 9u));
}
END_TEST

START_TEST(uniforms_follow_the_counter_layout)
{
    const uint64_t seed = UINT64_C(0x0123456789abcdef);
    const uint32_t chain = 77, gen = 5;
    const uint64_t first = 1001; /* odd: starts with the second uniform of block 500 */
    const size_t n = 600;
    double *u = xmalloc(n);
    for (int isa = 0; isa < REFIT_ISA_COUNT; isa++) {
        if (!refit_isa_supported((refit_isa)isa)) continue;
        ck_assert_int_eq(refit_kernel_uniforms((refit_isa)isa, seed, REFIT_STREAM_AUX, chain, gen,
                                               first, n, u),
                         REFIT_OK);
        for (size_t k = 0; k < n; k++) {
            uint64_t j = first + k;
            uint32_t ctr[4] = {(uint32_t)(j / 2), gen, chain, (uint32_t)REFIT_STREAM_AUX};
            uint32_t key[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)}, x[4];
            refit_philox4x32_10(ctr, key, x);
            double ref = (j % 2 == 0) ? u01_reference(x[0], x[1]) : u01_reference(x[2], x[3]);
            ck_assert_msg(u[k] == ref, "%s uniform %llu: %.17g, expected %.17g",
                          refit_isa_name((refit_isa)isa), (unsigned long long)j, u[k], ref);
            ck_assert(u[k] > 0.0 && u[k] < 1.0);
            double odd = u[k] * 0x1p53; /* an odd integer */
            ck_assert(odd == floor(odd) && fmod(odd, 2.0) == 1.0);
        }
    }
    free(u);
}
END_TEST

/* ---- log and sincos2pi against MPFR ---- */

static double worst_log = 0.0;

static void log_check(double x, double *worst, double *worst_x)
{
    mpfr_t r;
    mpfr_init2(r, 200);
    mpfr_set_d(r, x, MPFR_RNDN);
    mpfr_log(r, r, MPFR_RNDN);
    double e = refit_test_ulp_error(refit_kernel_log(x), r);
    if (e > *worst) {
        *worst = e;
        *worst_x = x;
    }
    mpfr_clear(r);
}

START_TEST(log_ulp_against_mpfr)
{
    refit_test_rng rng;
    refit_test_rng_seed(&rng, SEED, 1);
    double worst = 0.0, wx = 0.0, worst_u = 0.0, wu = 0.0;
    const long n = 200000L * refit_test_scale();
    for (long i = 0; i < n; i++) {
        /* the kernel's domain: u = (2j+1) 2^-53, with j spread over all scales */
        uint64_t w = refit_test_rng_next(&rng) >> (refit_test_rng_next(&rng) % 64);
        log_check(ldexp((double)(2 * (w >> 12) + 1), -53), &worst_u, &wu);
        /* all positive normals */
        int e = (int)(refit_test_rng_next(&rng) % 2046) - 1022;
        log_check(ldexp(1.0 + refit_test_rng_uniform(&rng), e), &worst, &wx);
        /* near 1, where cancellation would show */
        log_check(1.0 + ldexp(refit_test_rng_uniform(&rng) - 0.5, -(int)(i % 50)), &worst, &wx);
    }
    const double edges[] = {0x1p-53, 1.0 - 0x1p-53, 1.0 - 0x1p-52, 1.0, 1.0 + 0x1p-52, 2.0, 0.5,
                            M_SQRT2, M_SQRT1_2, nextafter(M_SQRT2, 0.0), nextafter(M_SQRT1_2, 1.0),
                            DBL_MIN, DBL_MAX, 0x1.6a09e667f3bcdp+0, 3.0, 10.0, 1e-300, 1e300};
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) {
        log_check(edges[i], &worst, &wx);
        log_check(edges[i], &worst_u, &wu);
    }
    printf("log: worst %.3f ulp at %a (all normals, %ld points); %.3f ulp at %a (kernel's u)\n",
           worst, wx, 2 * n, worst_u, wu);
    worst_log = worst > worst_u ? worst : worst_u;
    ck_assert_msg(refit_kernel_log(1.0) == 0.0, "log 1 = %a", refit_kernel_log(1.0));
    ck_assert_msg(worst_log <= 1.5, "log error %.3f ulp (seed %llx)", worst_log,
                  (unsigned long long)SEED);
}
END_TEST

static void sincos_check(double u, double *ws, double *wc, double *wxs, double *wxc)
{
    mpfr_t r, x;
    mpfr_inits2(200, r, x, (mpfr_ptr)0);
    mpfr_set_d(x, u, MPFR_RNDN);
    double s, c;
    refit_kernel_sincos2pi(u, &s, &c);
    mpfr_sinu(r, x, 1, MPFR_RNDN); /* sin(2 pi u) */
    double e = refit_test_ulp_error(s, r);
    if (e > *ws) {
        *ws = e;
        *wxs = u;
    }
    mpfr_cosu(r, x, 1, MPFR_RNDN);
    e = refit_test_ulp_error(c, r);
    if (e > *wc) {
        *wc = e;
        *wxc = u;
    }
    mpfr_clears(r, x, (mpfr_ptr)0);
}

START_TEST(sincos2pi_ulp_against_mpfr)
{
    refit_test_rng rng;
    refit_test_rng_seed(&rng, SEED, 2);
    double ws = 0, wc = 0, xs = 0, xc = 0;
    const long n = 200000L * refit_test_scale();
    for (long i = 0; i < n; i++) {
        uint64_t w = refit_test_rng_next(&rng);
        sincos_check(ldexp((double)(2 * (w >> 12) + 1), -53), &ws, &wc, &xs, &xc);
        /* near the quadrant points k/8 and near 0 */
        double k = (double)(refit_test_rng_next(&rng) % 8) / 8.0;
        double v = k + ldexp(refit_test_rng_uniform(&rng), -(int)(i % 60) - 1);
        if (v < 1.0) sincos_check(v, &ws, &wc, &xs, &xc);
        double tiny = ldexp(refit_test_rng_uniform(&rng), -(int)(refit_test_rng_next(&rng) % 900));
        sincos_check(tiny, &ws, &wc, &xs, &xc);
    }
    for (int k = 0; k < 64; k++) {
        sincos_check(k / 64.0, &ws, &wc, &xs, &xc);
        sincos_check(nextafter(k / 64.0, 1.0), &ws, &wc, &xs, &xc);
        if (k > 0) sincos_check(nextafter(k / 64.0, 0.0), &ws, &wc, &xs, &xc);
    }
    sincos_check(0x1p-53, &ws, &wc, &xs, &xc);
    sincos_check(1.0 - 0x1p-53, &ws, &wc, &xs, &xc);
    printf("sincos2pi: worst sin %.3f ulp at %a, worst cos %.3f ulp at %a (%ld points)\n", ws, xs,
           wc, xc, 3 * n);
    ck_assert_msg(ws <= 1.5 && wc <= 1.5, "sin %.3f cos %.3f ulp (seed %llx)", ws, wc,
                  (unsigned long long)SEED);
}
END_TEST

/* The normals' relative error against MPFR's Box-Muller of the same
 * uniforms: sqrt, products and the two functions together. */
START_TEST(normals_against_mpfr_box_muller)
{
    const size_t n = 20000;
    double *u = xmalloc(n), *z = xmalloc(n);
    ck_assert_int_eq(refit_kernel_uniforms(REFIT_ISA_SCALAR, 9, REFIT_STREAM_SAMPLE, 1, 2, 0, n, u),
                     REFIT_OK);
    ck_assert_int_eq(refit_kernel_normals(REFIT_ISA_SCALAR, 9, REFIT_STREAM_SAMPLE, 1, 2, 0, n, z),
                     REFIT_OK);
    mpfr_t r, t;
    mpfr_inits2(200, r, t, (mpfr_ptr)0);
    double worst = 0.0;
    for (size_t b = 0; b < n / 2; b++) {
        mpfr_set_d(r, u[2 * b], MPFR_RNDN);
        mpfr_log(r, r, MPFR_RNDN);
        mpfr_mul_si(r, r, -2, MPFR_RNDN);
        mpfr_sqrt(r, r, MPFR_RNDN);
        for (int k = 0; k < 2; k++) {
            mpfr_set_d(t, u[2 * b + 1], MPFR_RNDN);
            if (k == 0) mpfr_cosu(t, t, 1, MPFR_RNDN);
            else mpfr_sinu(t, t, 1, MPFR_RNDN);
            mpfr_mul(t, t, r, MPFR_RNDN);
            double e = refit_test_ulp_error(z[2 * b + (size_t)k], t);
            if (e > worst) worst = e;
        }
    }
    printf("normals: worst %.3f ulp against MPFR Box-Muller of the same uniforms\n", worst);
    ck_assert_msg(worst <= 4.0, "normal error %.3f ulp", worst);
    mpfr_clears(r, t, (mpfr_ptr)0);
    free(u);
    free(z);
}
END_TEST

/* ---- cross-ISA bitwise identity ---- */

typedef struct stream_hashes {
    uint64_t uniforms, normals, moments, fits;
} stream_hashes;

static stream_hashes hash_streams(refit_isa isa)
{
    stream_hashes h = {FNV0, FNV0, FNV0, FNV0};
    const size_t cap = 70000;
    double *buf = xmalloc(cap);
    /* uniforms and normals: every count 1..40 from odd and even starts,
     * then long runs, over seeds, streams, chains and generations */
    for (int cfg = 0; cfg < 6; cfg++) {
        uint64_t seed = UINT64_C(0x9e3779b97f4a7c15) * (uint64_t)(cfg + 1);
        refit_stream st = (refit_stream)(cfg % 4);
        uint32_t chain = (uint32_t)cfg * 1234567u, gen = (uint32_t)cfg * 7u + 1u;
        for (size_t count = 1; count <= 40; count++) {
            for (uint64_t first = 0; first < 3; first++) {
                ck_assert_int_eq(refit_kernel_uniforms(isa, seed, st, chain, gen, first * 17 + count,
                                                       count, buf),
                                 REFIT_OK);
                h.uniforms = fnv1a(h.uniforms, buf, count * sizeof *buf);
                ck_assert_int_eq(refit_kernel_normals(isa, seed, st, chain, gen, first * 17 + count,
                                                      count, buf),
                                 REFIT_OK);
                h.normals = fnv1a(h.normals, buf, count * sizeof *buf);
            }
        }
        size_t count = 65537 + (size_t)cfg;
        uint64_t first = cfg == 5 ? (UINT64_C(1) << 33) - count : (uint64_t)cfg * 1000003u;
        ck_assert_int_eq(refit_kernel_uniforms(isa, seed, st, chain, gen, first, count, buf), REFIT_OK);
        h.uniforms = fnv1a(h.uniforms, buf, count * sizeof *buf);
        ck_assert_int_eq(refit_kernel_normals(isa, seed, st, chain, gen, first, count, buf), REFIT_OK);
        h.normals = fnv1a(h.normals, buf, count * sizeof *buf);
        /* moments over chunks of many lengths, folded into one accumulator */
        refit_moments acc = {0, 0, 0};
        size_t pos = 0;
        for (size_t len = 1; pos + len <= count; len = len < 40 ? len + 1 : len * 3 + 7) {
            ck_assert_int_eq(refit_kernel_moments(isa, buf + pos, len, &acc), REFIT_OK);
            h.moments = fnv1a(h.moments, &acc, sizeof acc);
            pos += len;
        }
        refit_moments one = {0, 0, 0};
        for (size_t k = 0; k < count; k++) buf[k] = buf[k] * 3.0 + 1e6; /* shifted data */
        ck_assert_int_eq(refit_kernel_moments(isa, buf, count, &one), REFIT_OK);
        h.moments = fnv1a(h.moments, &one, sizeof one);
    }
    /* fused fits over chains, generations and M */
    const uint64_t Ms[] = {2, 3, 5, 15, 16, 17, 31, 33, 1000, 1023, 1024, 1025, 4099, 65537};
    for (size_t m = 0; m < sizeof Ms / sizeof Ms[0]; m++) {
        for (uint32_t chain = 0; chain < 6; chain++) {
            double mean, var;
            ck_assert_int_eq(refit_kernel_sample_fit(isa, 42 + m, chain * 1000u, chain + 3u, Ms[m],
                                                     (refit_estimator)(chain % 2), &mean, &var),
                             REFIT_OK);
            h.fits = fnv1a(h.fits, &mean, sizeof mean);
            h.fits = fnv1a(h.fits, &var, sizeof var);
        }
    }
    free(buf);
    return h;
}

START_TEST(simd_variants_hash_like_scalar)
{
    stream_hashes ref = hash_streams(REFIT_ISA_SCALAR);
    printf("scalar hashes: uniforms %016llx normals %016llx moments %016llx fits %016llx\n",
           (unsigned long long)ref.uniforms, (unsigned long long)ref.normals,
           (unsigned long long)ref.moments, (unsigned long long)ref.fits);
    for (int isa = 1; isa < REFIT_ISA_COUNT; isa++) {
        if (!refit_isa_supported((refit_isa)isa)) {
            printf("skipped: this CPU cannot run %s\n", refit_isa_name((refit_isa)isa));
            continue;
        }
        stream_hashes h = hash_streams((refit_isa)isa);
        const char *name = refit_isa_name((refit_isa)isa);
        ck_assert_msg(h.uniforms == ref.uniforms, "%s uniforms differ from scalar", name);
        ck_assert_msg(h.normals == ref.normals, "%s normals differ from scalar", name);
        ck_assert_msg(h.moments == ref.moments, "%s moments differ from scalar", name);
        ck_assert_msg(h.fits == ref.fits, "%s fused fits differ from scalar", name);
    }
}
END_TEST

/* One long fused fit per ISA (a few blocks of 1024 and a ragged end). */
START_TEST(fused_equals_normals_then_moments)
{
    const uint64_t Ms[] = {2, 3, 5, 16, 17, 1000, 1024, 2047, 65537, 100001};
    double *x = xmalloc(100001);
    for (int isa = 0; isa < REFIT_ISA_COUNT; isa++) {
        if (!refit_isa_supported((refit_isa)isa)) {
            printf("skipped: this CPU cannot run %s\n", refit_isa_name((refit_isa)isa));
            continue;
        }
        for (size_t m = 0; m < sizeof Ms / sizeof Ms[0]; m++) {
            uint64_t seed = 1000 + m;
            uint32_t chain = 5u + (uint32_t)m, gen = 99u;
            ck_assert_int_eq(refit_kernel_normals(REFIT_ISA_SCALAR, seed, REFIT_STREAM_SAMPLE, chain,
                                                  gen, 0, Ms[m], x),
                             REFIT_OK);
            refit_moments acc = {0, 0, 0};
            ck_assert_int_eq(refit_kernel_moments(REFIT_ISA_SCALAR, x, Ms[m], &acc), REFIT_OK);
            for (int est = 0; est < 2; est++) {
                double mean, var;
                ck_assert_int_eq(refit_kernel_sample_fit((refit_isa)isa, seed, chain, gen, Ms[m],
                                                         (refit_estimator)est, &mean, &var),
                                 REFIT_OK);
                double D = est == REFIT_ESTIMATOR_MLE ? (double)Ms[m] : (double)(Ms[m] - 1);
                ck_assert_msg(mean == acc.mean && var == acc.m2 / D,
                              "%s M=%llu: fused (%.17g, %.17g) vs (%.17g, %.17g)",
                              refit_isa_name((refit_isa)isa), (unsigned long long)Ms[m], mean, var,
                              acc.mean, acc.m2 / D);
            }
        }
    }
    free(x);
}
END_TEST

/* ---- moments against exact sums ---- */

/* Exact mean and m2 of x[0..n) in MPFR (sums of doubles at 2400 bits are
 * exact for these inputs), then the ISA's result, with errors printed. */
static void moments_vs_exact(const char *what, const double *x, size_t n, double mean_tol_sd,
                             double m2_tol)
{
    mpfr_t s, q, t, mean, m2;
    mpfr_inits2(2400, s, q, t, mean, m2, (mpfr_ptr)0);
    mpfr_set_ui(s, 0, MPFR_RNDN);
    mpfr_set_ui(q, 0, MPFR_RNDN);
    for (size_t i = 0; i < n; i++) {
        mpfr_add_d(s, s, x[i], MPFR_RNDN);
        mpfr_set_d(t, x[i], MPFR_RNDN);
        mpfr_sqr(t, t, MPFR_RNDN);
        mpfr_add(q, q, t, MPFR_RNDN);
    }
    mpfr_div_ui(mean, s, (unsigned long)n, MPFR_RNDN);
    mpfr_mul(t, s, mean, MPFR_RNDN);
    mpfr_sub(m2, q, t, MPFR_RNDN);
    double sd = sqrt(mpfr_get_d(m2, MPFR_RNDN) / (double)n);
    for (int isa = 0; isa < REFIT_ISA_COUNT; isa++) {
        if (!refit_isa_supported((refit_isa)isa)) continue;
        refit_moments acc = {0, 0, 0};
        ck_assert_int_eq(refit_kernel_moments((refit_isa)isa, x, n, &acc), REFIT_OK);
        ck_assert(acc.count == (double)n);
        mpfr_sub_d(t, mean, acc.mean, MPFR_RNDN);
        double emean = fabs(mpfr_get_d(t, MPFR_RNDN)) / sd;
        double em2 = refit_test_rel_error(acc.m2, m2);
        if (isa == 0)
            printf("moments %s (n=%zu): mean error %.3g sd, m2 relative error %.3g\n", what, n,
                   emean, em2);
        ck_assert_msg(emean <= mean_tol_sd && em2 <= m2_tol,
                      "%s %s: mean error %.3g sd, m2 error %.3g", refit_isa_name((refit_isa)isa),
                      what, emean, em2);
    }
    mpfr_clears(s, q, t, mean, m2, (mpfr_ptr)0);
}

START_TEST(moments_match_exact_sums)
{
    refit_test_rng rng;
    refit_test_rng_seed(&rng, SEED, 3);
    const size_t n = 300000;
    double *x = xmalloc(n);
    /* mean far from 0 relative to sd */
    for (size_t i = 0; i < n; i++) x[i] = 1e8 + refit_test_rng_normal(&rng);
    /* 1.5e-8 sd = 1 ulp of 1e8: needs the compensated running mean */
    moments_vs_exact("mean 1e8, sd 1", x, n, 1.5e-8, 1e-12);
    /* values that cancel: +-1e10 with small noise, first value an outlier */
    for (size_t i = 0; i < n; i++) x[i] = (i % 2 ? 1e10 : -1e10) + refit_test_rng_normal(&rng);
    x[0] = 5e12;
    moments_vs_exact("+-1e10 alternating", x, n, 1e-12, 1e-12);
    /* standard normals (the fused kernel's data), mean tiny against sd */
    for (size_t i = 0; i < n; i++) x[i] = refit_test_rng_normal(&rng);
    moments_vs_exact("N(0,1)", x, n, 1e-14, 1e-13);
    /* mixed scales */
    for (size_t i = 0; i < n; i++)
        x[i] = ldexp(refit_test_rng_normal(&rng), (int)(refit_test_rng_next(&rng) % 40) - 20);
    moments_vs_exact("scales 2^-20..2^20", x, n, 1e-13, 1e-13);
    free(x);
}
END_TEST

/* Huge counts with analytically known moments: x_i = A + d(i mod 8),
 * d = {-3,-1,0,2,5,-4,1,0}/4 (sum 0, sum of squares 56/16), A = 2^26 + 1/4:
 * mean = A, m2 = n 56/(16 8) for n a multiple of 8.  2^22 values by
 * default, 2^22 x REFIT_TEST_SCALE (2^30 ~ 1e9 at scale 256); chunks of 2^16. */
START_TEST(moments_at_huge_counts)
{
    const double d[8] = {-0.75, -0.25, 0.0, 0.5, 1.25, -1.0, 0.25, 0.0};
    const double A = 0x1p26 + 0.25;
    const size_t chunk = (size_t)1 << 16;
    double *x = xmalloc(chunk);
    for (size_t i = 0; i < chunk; i++) x[i] = A + d[i % 8];
    const uint64_t n = (UINT64_C(1) << 22) * (uint64_t)refit_test_scale();
    for (int isa = 0; isa < REFIT_ISA_COUNT; isa++) {
        if (!refit_isa_supported((refit_isa)isa)) continue;
        refit_moments acc = {0, 0, 0};
        for (uint64_t done = 0; done < n; done += chunk)
            ck_assert_int_eq(refit_kernel_moments((refit_isa)isa, x, chunk, &acc), REFIT_OK);
        double m2 = (double)n * 56.0 / 128.0;
        double em = fabs(acc.mean - A), e2 = fabs(acc.m2 - m2) / m2;
        if (isa == 0)
            printf("moments n=%llu, mean 2^26: mean error %.3g (ulp %.3g), m2 relative error %.3g\n",
                   (unsigned long long)n, em, 0x1p-26, e2);
        ck_assert_msg(em <= 0x1p-26 && e2 <= 1e-12, "%s: mean error %.3g, m2 error %.3g",
                      refit_isa_name((refit_isa)isa), em, e2);
    }
    free(x);
}
END_TEST

START_TEST(moments_merge_is_chan)
{
    refit_moments a = {3, 2.0, 8.0}, b = {1, 6.0, 0.0}; /* {0,2,4} and {6} */
    refit_moments_merge(&a, &b);
    /* {0,2,4,6}: mean 3, m2 = 9+1+1+9 = 20 */
    ck_assert(a.count == 4 && a.mean == 3.0 && a.m2 == 20.0);
    refit_moments e = {0, 0, 0};
    refit_moments_merge(&e, &b);
    ck_assert(e.count == 1 && e.mean == 6.0 && e.m2 == 0.0);
}
END_TEST

START_TEST(fused_fit_is_standard_normal)
{
    /* |mean| sqrt(M) and (var - 1) sqrt(M/2) are ~N(0,1): |z| > 6 has
     * probability 2e-9 per check (4 checks). */
    const uint64_t M = 1000000;
    for (uint32_t chain = 0; chain < 2; chain++) {
        double mean, var;
        ck_assert_int_eq(refit_kernel_sample_fit(refit_isa_best(), 7, chain, 0, M,
                                                 REFIT_ESTIMATOR_UNBIASED, &mean, &var),
                         REFIT_OK);
        double z1 = mean * sqrt((double)M), z2 = (var - 1.0) * sqrt((double)M / 2.0);
        ck_assert_msg(fabs(z1) < 6 && fabs(z2) < 6, "chain %u: z %.3g %.3g", chain, z1, z2);
    }
}
END_TEST

/* ---- arguments and dispatch ---- */

START_TEST(bad_arguments)
{
    double v[4], mean, var;
    refit_moments acc = {0, 0, 0};
    ck_assert_int_eq(refit_kernel_normals(REFIT_ISA_SCALAR, 1, REFIT_STREAM_SAMPLE, 0, 0, 0, 4, NULL),
                     REFIT_EINVAL);
    ck_assert_int_eq(refit_kernel_uniforms(REFIT_ISA_SCALAR, 1, REFIT_STREAM_SAMPLE, 0, 0, 0, 4, NULL),
                     REFIT_EINVAL);
    ck_assert_int_eq(refit_kernel_normals(REFIT_ISA_SCALAR, 1, (refit_stream)9, 0, 0, 0, 4, v),
                     REFIT_EINVAL);
    ck_assert(isnan(v[0]));
    ck_assert_int_eq(refit_kernel_normals((refit_isa)7, 1, REFIT_STREAM_SAMPLE, 0, 0, 0, 4, v),
                     REFIT_EINVAL);
    ck_assert_int_eq(refit_kernel_normals(REFIT_ISA_SCALAR, 1, REFIT_STREAM_SAMPLE, 0, 0,
                                          (UINT64_C(1) << 33) - 3, 4, v),
                     REFIT_EDOM);
    ck_assert_int_eq(refit_kernel_normals(REFIT_ISA_SCALAR, 1, REFIT_STREAM_SAMPLE, 0, 0,
                                          (UINT64_C(1) << 33) - 4, 4, v),
                     REFIT_OK);
    ck_assert_int_eq(refit_kernel_normals(REFIT_ISA_SCALAR, 1, REFIT_STREAM_SAMPLE, 0, 0, 0, 0, NULL),
                     REFIT_OK);
    ck_assert_int_eq(refit_kernel_moments(REFIT_ISA_SCALAR, NULL, 3, &acc), REFIT_EINVAL);
    ck_assert_int_eq(refit_kernel_moments(REFIT_ISA_SCALAR, v, 3, NULL), REFIT_EINVAL);
    refit_moments badacc = {-1, 0, 0};
    ck_assert_int_eq(refit_kernel_moments(REFIT_ISA_SCALAR, v, 3, &badacc), REFIT_EDOM);
    ck_assert_int_eq(refit_kernel_moments(REFIT_ISA_SCALAR, NULL, 0, &acc), REFIT_OK);
    ck_assert(acc.count == 0);
    ck_assert_int_eq(refit_kernel_sample_fit(REFIT_ISA_SCALAR, 1, 0, 0, 1, REFIT_ESTIMATOR_MLE, &mean,
                                             &var),
                     REFIT_EDOM);
    ck_assert(isnan(mean) && isnan(var));
    ck_assert_int_eq(refit_kernel_sample_fit(REFIT_ISA_SCALAR, 1, 0, 0, (UINT64_C(1) << 32) + 1,
                                             REFIT_ESTIMATOR_MLE, &mean, &var),
                     REFIT_EDOM);
    ck_assert_int_eq(refit_kernel_sample_fit(REFIT_ISA_SCALAR, 1, 0, 0, 10, REFIT_ESTIMATOR_MLE, NULL,
                                             &var),
                     REFIT_EINVAL);
    ck_assert_int_eq(refit_kernel_sample_fit(REFIT_ISA_SCALAR, 1, 0, 0, 10, (refit_estimator)5, &mean,
                                             &var),
                     REFIT_EINVAL);
    ck_assert_int_eq(refit_kernel_sample_fit(REFIT_ISA_SCALAR, 1, 0, 0, 2, REFIT_ESTIMATOR_UNBIASED,
                                             &mean, &var),
                     REFIT_OK);
    ck_assert(isfinite(mean) && var >= 0.0);
}
END_TEST

START_TEST(isa_selection)
{
    refit_isa isa = REFIT_ISA_AVX2;
    ck_assert_str_eq(refit_isa_name(REFIT_ISA_SCALAR), "scalar");
    ck_assert_str_eq(refit_isa_name(REFIT_ISA_AVX512), "avx512");
    ck_assert_str_eq(refit_isa_name((refit_isa)42), "unknown");
    ck_assert(refit_isa_supported(REFIT_ISA_SCALAR));
    ck_assert(refit_isa_supported(refit_isa_best()));
    setenv("REFIT_ISA", "scalar", 1);
    ck_assert_int_eq(refit_isa_select(&isa), REFIT_OK);
    ck_assert_int_eq(isa, REFIT_ISA_SCALAR);
    setenv("REFIT_ISA", "sse9", 1);
    ck_assert_int_eq(refit_isa_select(&isa), REFIT_EINVAL);
    ck_assert_int_eq(isa, REFIT_ISA_SCALAR);
    for (int i = 1; i < REFIT_ISA_COUNT; i++) {
        setenv("REFIT_ISA", refit_isa_name((refit_isa)i), 1);
        refit_status st = refit_isa_select(&isa);
        ck_assert_int_eq(st, refit_isa_supported((refit_isa)i) ? REFIT_OK : REFIT_EDOM);
    }
    unsetenv("REFIT_ISA");
    ck_assert_int_eq(refit_isa_select(&isa), REFIT_OK);
    ck_assert_int_eq(isa, refit_isa_best());
    ck_assert_int_eq(refit_isa_select(NULL), REFIT_EINVAL);
}
END_TEST

static Suite *kernels_suite(void)
{
    Suite *s = suite_create("kernels");
    TCase *tc = tcase_create("kernels");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, philox_known_answers);
    tcase_add_test(tc, u01_edges_are_exact);
    tcase_add_test(tc, uniforms_follow_the_counter_layout);
    tcase_add_test(tc, log_ulp_against_mpfr);
    tcase_add_test(tc, sincos2pi_ulp_against_mpfr);
    tcase_add_test(tc, normals_against_mpfr_box_muller);
    tcase_add_test(tc, simd_variants_hash_like_scalar);
    tcase_add_test(tc, fused_equals_normals_then_moments);
    tcase_add_test(tc, moments_match_exact_sums);
    tcase_add_test(tc, moments_at_huge_counts);
    tcase_add_test(tc, moments_merge_is_chan);
    tcase_add_test(tc, fused_fit_is_standard_normal);
    tcase_add_test(tc, bad_arguments);
    tcase_add_test(tc, isa_selection);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(kernels_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
