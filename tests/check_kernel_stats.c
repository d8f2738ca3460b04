/* Statistical quality of the Gaussian kernels (issue 4).
 *
 * refit_kernel_normals, refit_kernel_uniforms and refit_kernel_sample_fit on
 * the dispatched ISA (refit_isa_select; REFIT_ISA forces one).  That every
 * ISA gives the same bits is check_kernels' business; here the question is
 * whether those bits are a good sample of the law they claim.  Every
 * expected value comes from exact mathematics (MPFR at 128 bits, or exact
 * sampling moments of normal data), never from the library.
 *
 * Multiple testing.  The file runs C_TOTAL statistical checks (counted from
 * the tables below; printed at start) sharing one family-wise false-alarm
 * probability of 1e-6 by Bonferroni: each check fails only if its p-value is
 * below alpha = 1e-6 / C_TOTAL (z-tests: |z| > z*, P(|Z| > z*) = alpha).  The
 * seeds are fixed, so the outcome is deterministic; the probability says
 * that a generator with the claimed law would fail this file for at most a
 * 1e-6 fraction of seeds, so a failure is a real defect.  REFIT_TEST_SEED
 * (default 0) shifts every seed, to re-run the file on other samples;
 * REFIT_TEST_SCALE (default 1) multiplies every sample size.
 *
 * The checks (sizes at scale 1; docs/kernel-statistics.md has a run):
 *  1. normals, 2^27 draws: Pearson chi-square on 194 cells (width 1/16 on
 *     [-6, 6] and two tails, cell probabilities from mpfr_erfc; cells merged
 *     from the outside in until each expects >= 1000, so that the chi-square
 *     law of the statistic holds far into its tail), p-value from
 *     mpfr_gamma_inc; counts of |x| > 4.5, 5, 5.5 against their exact binomial
 *     laws (two-sided p-values summed in MPFR); every |x| finite and below
 *     the largest value the uniform lattice allows.
 *  2. normals, 2^22 draws (at most 2^26 at any scale): Kolmogorov-Smirnov
 *     against Phi (libm erfc).
 *  3. normals, 2^29 draws: z-scores of the sample mean, variance, skewness
 *     and excess kurtosis with their exact means and variances for normal
 *     samples, for all draws and separately for the cosine (even index) and
 *     sine (odd index) halves of the Box-Muller pairs.
 *  4. uniforms, 2^25 draws: chi-square on 1024 equal cells; every value on
 *     the documented lattice (k + 1/2) 2^-52, hence in [2^-53, 1 - 2^-53]
 *     (not statistical: a value 0 has probability 2^-52 and would never be
 *     seen, but without the +1/2 every value leaves the lattice); the 52
 *     bits of k balanced (chi-square, 52 df, on 2^22 draws).
 *  5. independence, seeds 0 and 1, 2^22 pairs each: z = sqrt(n) r with the
 *     Pearson correlation r of (x, y) and of (x^2, y^2) (the squares see a
 *     shared radius, a dependence with no linear correlation), for
 *     neighbouring chains, generations, seeds, the cos/sin pair of one
 *     Box-Muller block, the
 *     neighbours across blocks (2b+1, 2b+2), and the streams SAMPLE/SUFFSTAT,
 *     SUFFSTAT/INIT, INIT/AUX; a 64 x 64 chi-square on pairs of uniforms
 *     (u_2b, u_2b+1) and (u_2b+1, u_2b+2).
 *  6. sample_fit, M in {2, 3, 5, 16, 17, 100, 1000}: t = mean sqrt(M) ~ N(0,1)
 *     and Q = (M-1) var ~ chi^2_{M-1}: z-scores of E t, E t^2, E Q, E Q^2,
 *     E t (Q - k) (mean and variance independent) and E t_c t_c+1 (chains
 *     independent); the MLE's E[M var] = M-1 at M = 2 and 100.
 *
 * Normal approximation of the z-tests.  Every z is a standardised sum of
 * many uncorrelated terms with exactly known mean and variance, so only its
 * tail shape is approximate.  All tests are two-sided, so the first-order
 * (skewness) Edgeworth term cancels; the worst remaining correction (Q^2 at
 * M = 2, skewness 10.1 per term, K = 2^20 terms) changes the tail
 * probability at z* by well under 10%, which the Bonferroni budget absorbs.
 * The correlation checks use sqrt(n) r, asymptotically N(0, 1) under
 * independence whatever the marginal law (given the moments it needs).
 * The sample skewness and kurtosis use the exact moments of Fisher (1930):
 * Var g1 = 6(n-2)/((n+1)(n+3)), E g2 = -6/(n+1),
 * Var g2 = 24 n (n-2)(n-3) / ((n+1)^2 (n+3)(n+5)).
 *
 * Power: tests/mutants/kernels_stats.txt lists broken kernels that this file
 * must reject (bash tests/mutation.sh <numbers>).
 */
#include <check.h>
#include <math.h>
#include <mpfr.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refit/kernels.h"
#include "refit/model.h"
#include "refit/status.h"
#include "test_stats.h"
#include "test_rng.h"
#include "test_ulp.h"

#define KS_FAMILY_ALPHA 1e-6
#define KS_PREC 128
#define KS_CHUNK 65536 /* draws per kernel call */

/* ---- the checks, counted before anything runs --------------------------- */

/* Sample-fit configurations: M and the number of chains at scale 1. */
typedef struct fit_config {
    uint64_t M;
    size_t chains;
} fit_config;

static const fit_config FITS[] = {{2, 1u << 20},  {3, 1u << 20},   {5, 1u << 20},
                                  {16, 1u << 20}, {17, 1u << 20}, {100, 1u << 19},
                                  {1000, 1u << 17}};
#define N_FITS ((int)(sizeof FITS / sizeof FITS[0]))
#define FIT_CHECKS 6 /* E t, E t^2, E Q, E Q^2, E t(Q-k), E t_c t_c+1 */
static const uint64_t MLE_M[] = {2, 100};
#define N_MLE ((int)(sizeof MLE_M / sizeof MLE_M[0]))

/* Pairs for the independence tests. */
typedef enum pair_kind {
    PAIR_CHAIN,      /* (chain c, chain c+1), same generation and index */
    PAIR_GENERATION, /* (generation g, g+1) */
    PAIR_SEED,       /* (seed s, s+1) */
    PAIR_COS_SIN,    /* (index 2b, 2b+1): the two outputs of one Box-Muller block */
    PAIR_ACROSS,     /* (index 2b+1, 2b+2): neighbours in different blocks */
    PAIR_STREAM_01,  /* SAMPLE vs SUFFSTAT */
    PAIR_STREAM_12,  /* SUFFSTAT vs INIT */
    PAIR_STREAM_23,  /* INIT vs AUX */
    N_PAIR_KINDS
} pair_kind;

static const char *const PAIR_NAMES[N_PAIR_KINDS] = {
    "chains (c, c+1)",         "generations (g, g+1)",  "seeds (s, s+1)",
    "cos/sin of one block",    "indices (2b+1, 2b+2)",  "streams SAMPLE/SUFFSTAT",
    "streams SUFFSTAT/INIT",   "streams INIT/AUX"};
#define N_INDEP_SEEDS 2

#define C_NORMAL_CHISQ 4 /* chi-square and three tail counts */
#define C_NORMAL_KS 1
#define C_NORMAL_MOMENTS 12
#define C_UNIFORM 2 /* chi-square on cells, balance of the 52 lattice bits */
#define C_UNIFORM_PAIRS (2 * N_INDEP_SEEDS)
#define C_INDEP (2 * N_PAIR_KINDS * N_INDEP_SEEDS)
#define C_FITS (FIT_CHECKS * N_FITS + N_MLE)
#define C_TOTAL                                                                                    \
    (C_NORMAL_CHISQ + C_NORMAL_KS + C_NORMAL_MOMENTS + C_UNIFORM + C_UNIFORM_PAIRS + C_INDEP +     \
     C_FITS)

static const double ALPHA = KS_FAMILY_ALPHA / C_TOTAL;

/* ---- run-wide settings ------------------------------------------------------ */

static uint64_t seed_base(void)
{
    return refit_test_env_u64("REFIT_TEST_SEED", 0);
}

static size_t scaled(size_t n)
{
    return n * (size_t)refit_test_scale();
}

static refit_isa test_isa(void)
{
    refit_isa isa = REFIT_ISA_SCALAR;
    refit_status st = refit_isa_select(&isa);
    ck_assert_msg(st == REFIT_OK, "refit_isa_select: %s", refit_strerror(st));
    return isa;
}

/* ---- exact distributions in MPFR ---------------------------------------- */

/* Phi(x) = erfc(-x / sqrt 2) / 2 into r. */
static void mp_phi(mpfr_t r, double x)
{
    mpfr_t t;
    mpfr_init2(t, KS_PREC);
    mpfr_sqrt_ui(t, 2, MPFR_RNDN);
    mpfr_d_div(t, -x, t, MPFR_RNDN);
    mpfr_erfc(r, t, MPFR_RNDN);
    mpfr_div_2ui(r, r, 1, MPFR_RNDN);
    mpfr_clear(t);
}

/* The x with P(chi^2_df > x) = alpha (bisection; for the printout). */
static double chisq_critical(double df, double alpha)
{
    double lo = 0.0, hi = df + 40.0 * sqrt(2.0 * df) + 200.0;
    for (int it = 0; it < 80; it++) {
        double mid = 0.5 * (lo + hi);
        if (refit_test_chisq_sf(df, mid) > alpha)
            lo = mid;
        else
            hi = mid;
    }
    return hi;
}

/* Two-sided p-value of a Binomial(n, p) count k: twice the probability of
 * the tail on k's side of the mean (P(N >= k) if k >= np, else P(N <= k)),
 * capped at 1.  The tail is summed in MPFR from P(N = k) outwards with the
 * ratio of neighbouring terms; away from the mean the terms fall
 * geometrically, so the loop stops once they no longer matter. */
static double binomial_two_sided(uint64_t n, double p, uint64_t k)
{
    mpfr_t lt, term, sum, q, ratio, tmp;
    double res;
    int upper = (double)k >= (double)n * p;
    mpfr_inits2(KS_PREC, lt, term, sum, q, ratio, tmp, (mpfr_ptr)0);
    mpfr_set_d(q, p, MPFR_RNDN);
    mpfr_ui_sub(q, 1, q, MPFR_RNDN); /* q = 1 - p */
    /* ln P(N = k) = ln C(n,k) + k ln p + (n-k) ln q */
    mpfr_set_d(lt, (double)n + 1.0, MPFR_RNDN);
    mpfr_lngamma(lt, lt, MPFR_RNDN);
    mpfr_set_d(tmp, (double)k + 1.0, MPFR_RNDN);
    mpfr_lngamma(tmp, tmp, MPFR_RNDN);
    mpfr_sub(lt, lt, tmp, MPFR_RNDN);
    mpfr_set_d(tmp, (double)(n - k) + 1.0, MPFR_RNDN);
    mpfr_lngamma(tmp, tmp, MPFR_RNDN);
    mpfr_sub(lt, lt, tmp, MPFR_RNDN);
    mpfr_set_d(tmp, p, MPFR_RNDN);
    mpfr_log(tmp, tmp, MPFR_RNDN);
    mpfr_mul_d(tmp, tmp, (double)k, MPFR_RNDN);
    mpfr_add(lt, lt, tmp, MPFR_RNDN);
    mpfr_log(tmp, q, MPFR_RNDN);
    mpfr_mul_d(tmp, tmp, (double)(n - k), MPFR_RNDN);
    mpfr_add(lt, lt, tmp, MPFR_RNDN);
    mpfr_exp(term, lt, MPFR_RNDN);
    mpfr_set(sum, term, MPFR_RNDN);
    for (uint64_t i = k; upper ? i < n : i > 0; upper ? i++ : i--) {
        /* term_{i+1} / term_i = (n-i)/(i+1) p/q;  term_{i-1} / term_i = i/(n-i+1) q/p */
        if (upper) {
            mpfr_set_d(ratio, p, MPFR_RNDN);
            mpfr_div(ratio, ratio, q, MPFR_RNDN);
            mpfr_mul_d(ratio, ratio, (double)(n - i) / ((double)i + 1.0), MPFR_RNDN);
        } else {
            mpfr_set_d(ratio, p, MPFR_RNDN);
            mpfr_div(ratio, q, ratio, MPFR_RNDN);
            mpfr_mul_d(ratio, ratio, (double)i / ((double)(n - i) + 1.0), MPFR_RNDN);
        }
        mpfr_mul(term, term, ratio, MPFR_RNDN);
        mpfr_add(sum, sum, term, MPFR_RNDN);
        if (mpfr_cmp_d(ratio, 0.5) < 0 &&
            mpfr_get_d(term, MPFR_RNDN) < 1e-40 * mpfr_get_d(sum, MPFR_RNDN))
            break;
    }
    mpfr_mul_2ui(sum, sum, 1, MPFR_RNDN);
    res = mpfr_get_d(sum, MPFR_RNDN);
    mpfr_clears(lt, term, sum, q, ratio, tmp, (mpfr_ptr)0);
    return res < 1.0 ? res : 1.0;
}

static double kolmogorov_critical(double alpha)
{
    double lo = 0.5, hi = 10.0;
    for (int it = 0; it < 100; it++) {
        double mid = 0.5 * (lo + hi);
        if (refit_test_kolmogorov_sf(mid) > alpha)
            lo = mid;
        else
            hi = mid;
    }
    return hi;
}

/* ---- bookkeeping ----------------------------------------------------------- */

/* One z-check: prints a line, returns 1 if it failed. */
static int check_z(const char *what, double z, double n, uint64_t seed)
{
    double zs = refit_test_z_star(ALPHA);
    int fail = !(fabs(z) <= zs);
    printf("  %s %-62s z = %+8.3f  (|z| <= %.3f, n = %.0f, seed %llu)\n", fail ? "FAIL" : "ok  ",
           what, z, zs, n, (unsigned long long)seed);
    fflush(stdout);
    return fail;
}

/* One p-value check: prints a line, returns 1 if it failed. */
static int check_p(const char *what, double stat, double p, const char *detail, uint64_t seed)
{
    int fail = !(p >= ALPHA);
    printf("  %s %-62s stat = %.6g  p = %.3g  (p >= %.3g; %s, seed %llu)\n",
           fail ? "FAIL" : "ok  ", what, stat, p, ALPHA, detail, (unsigned long long)seed);
    fflush(stdout);
    return fail;
}

static double *xalloc(size_t n)
{
    double *p = malloc(n * sizeof *p);
    ck_assert_ptr_nonnull(p);
    return p;
}

static void normals_or_fail(refit_isa isa, uint64_t seed, refit_stream stream, uint32_t chain,
                            uint32_t gen, uint64_t first, size_t count, double *out)
{
    refit_status st = refit_kernel_normals(isa, seed, stream, chain, gen, first, count, out);
    if (st != REFIT_OK)
        ck_abort_msg("refit_kernel_normals(seed %llu, stream %d, chain %u, gen %u, "
                     "first %llu, count %zu): %s",
                     (unsigned long long)seed, (int)stream, chain, gen,
                     (unsigned long long)first, count, refit_strerror(st));
}

static void uniforms_or_fail(refit_isa isa, uint64_t seed, refit_stream stream, uint32_t chain,
                             uint32_t gen, uint64_t first, size_t count, double *out)
{
    refit_status st = refit_kernel_uniforms(isa, seed, stream, chain, gen, first, count, out);
    if (st != REFIT_OK)
        ck_abort_msg("refit_kernel_uniforms(seed %llu, stream %d, chain %u, gen %u, "
                     "first %llu, count %zu): %s",
                     (unsigned long long)seed, (int)stream, chain, gen,
                     (unsigned long long)first, count, refit_strerror(st));
}

/* Where chunk i of a long normal sample comes from: spread over chains,
 * generations and starting indices of both parities (half the chunks start
 * on a sine output, mid-block). */
static void chunk_address(size_t i, uint32_t *chain, uint32_t *gen, uint64_t *first)
{
    *chain = (uint32_t)(i % 61u) * 70368743u; /* spread over the 32-bit range */
    *gen = (uint32_t)(i / 61u);
    *first = 1u + (uint64_t)(i % 7u) * 1000003u;
}

/* ---- 1. chi-square and deep tails of the normal output -------------------- */

#define NB_FINE 192 /* cells of width 1/16 on [-6, 6] */
#define NB_RAW (NB_FINE + 2)
#define CHISQ_MIN_EXPECTED 1000.0

/* Largest |x| the transform can give: sqrt(-2 ln 2^-53) (the smallest
 * uniform), with room for the polynomials' rounding. */
#define NORMAL_ABS_MAX 8.58

static int raw_cell(double x)
{
    int k;
    if (x < -6.0) return 0;
    if (x >= 6.0) return NB_RAW - 1;
    k = (int)floor((x + 6.0) * 16.0); /* x + 6 may round: fix up against exact edges */
    if (k < 0) k = 0;
    if (k > NB_FINE - 1) k = NB_FINE - 1;
    while (k > 0 && x < -6.0 + k / 16.0) k--;
    while (k < NB_FINE - 1 && x >= -6.0 + (k + 1) / 16.0) k++;
    return k + 1;
}

START_TEST(test_normal_chisq_and_tails)
{
    refit_isa isa = test_isa();
    uint64_t seed = seed_base() + 11;
    size_t n_chunks = scaled(2048), n = n_chunks * KS_CHUNK;
    double *buf = xalloc(KS_CHUNK), prob[NB_RAW];
    uint64_t counts[NB_RAW] = {0}, tail[3] = {0}, bad = 0;
    static const double TAIL_Z[3] = {4.5, 5.0, 5.5};
    double maxabs = 0.0;
    int nfail = 0;

    for (size_t i = 0; i < n_chunks; i++) {
        uint32_t chain, gen;
        uint64_t first;
        chunk_address(i, &chain, &gen, &first);
        normals_or_fail(isa, seed, REFIT_STREAM_SAMPLE, chain, gen, first, KS_CHUNK, buf);
        for (size_t k = 0; k < KS_CHUNK; k++) {
            double x = buf[k], a = fabs(x);
            if (!(a <= NORMAL_ABS_MAX)) {
                if (bad++ < 5)
                    printf("  bad normal %.17g at chunk %zu (chain %u, gen %u, index %llu)\n", x,
                           i, chain, gen, (unsigned long long)(first + k));
                continue;
            }
            counts[raw_cell(x)]++;
            maxabs = a > maxabs ? a : maxabs;
            tail[0] += a > TAIL_Z[0];
            tail[1] += a > TAIL_Z[1];
            tail[2] += a > TAIL_Z[2];
        }
    }
    free(buf);
    printf("normal chi-square: n = %zu, max |x| = %.17g, %llu values non-finite or beyond %.2f\n",
           n, maxabs, (unsigned long long)bad, NORMAL_ABS_MAX);
    nfail += bad != 0;

    /* Cell probabilities at 128 bits. */
    {
        mpfr_t lo, hi, d;
        mpfr_inits2(KS_PREC, lo, hi, d, (mpfr_ptr)0);
        mpfr_set_zero(lo, 1);
        for (int c = 0; c < NB_RAW; c++) {
            if (c == NB_RAW - 1)
                mpfr_set_ui(hi, 1, MPFR_RNDN);
            else
                mp_phi(hi, -6.0 + c / 16.0);
            mpfr_sub(d, hi, lo, MPFR_RNDN);
            prob[c] = mpfr_get_d(d, MPFR_RNDN);
            mpfr_set(lo, hi, MPFR_RNDN);
        }
        mpfr_clears(lo, hi, d, (mpfr_ptr)0);
    }

    /* Merge from both ends inwards until every cell expects >= 1000. */
    {
        double x2 = 0.0, e_min = 1e300;
        int cells = 0, left = 0, right = NB_RAW - 1;
        char detail[160];
        while (left <= right) {
            /* grow the outermost remaining cell on the side with fewer expected */
            int from_left = prob[left] <= prob[right];
            double e = 0.0, o = 0.0;
            if (from_left) {
                while (left <= right && e < CHISQ_MIN_EXPECTED) {
                    e += (double)n * prob[left];
                    o += (double)counts[left];
                    left++;
                }
            } else {
                while (left <= right && e < CHISQ_MIN_EXPECTED) {
                    e += (double)n * prob[right];
                    o += (double)counts[right];
                    right--;
                }
            }
            /* A central leftover below the minimum cannot happen at these
             * sizes (central cells expect ~ n/40); it would only lower df. */
            x2 += (o - e) * (o - e) / e;
            e_min = e < e_min ? e : e_min;
            cells++;
        }
        snprintf(detail, sizeof detail, "%d cells, df %d, min expected %.0f, critical %.2f", cells,
                 cells - 1, e_min, chisq_critical(cells - 1.0, ALPHA));
        nfail += check_p("normal: Pearson chi-square vs MPFR cells", x2,
                         refit_test_chisq_sf(cells - 1.0, x2), detail, seed);
    }

    /* Deep tails against the exact binomial law of the counts. */
    for (int t = 0; t < 3; t++) {
        char what[80], detail[160];
        double p_tail = refit_test_two_sided_tail(TAIL_Z[t]);
        snprintf(what, sizeof what, "normal: count of |x| > %.1f", TAIL_Z[t]);
        snprintf(detail, sizeof detail, "expected %.2f, exact binomial two-sided",
                 (double)n * p_tail);
        nfail += check_p(what, (double)tail[t],
                         binomial_two_sided((uint64_t)n, p_tail, tail[t]), detail, seed);
    }
    ck_assert_msg(nfail == 0, "normal chi-square/tails: %d failure(s), seed %llu, isa %s", nfail,
                  (unsigned long long)seed, refit_isa_name(isa));
}
END_TEST

/* ---- 2. Kolmogorov-Smirnov ----------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

START_TEST(test_normal_ks)
{
    refit_isa isa = test_isa();
    uint64_t seed = seed_base() + 12;
    /* at most 2^26 draws (512 MB) whatever the scale */
    size_t n_chunks = scaled(64) < 1024 ? scaled(64) : 1024, n = n_chunks * KS_CHUNK;
    double *x = xalloc(n), d = 0.0, t, tcrit = kolmogorov_critical(ALPHA), p;
    char detail[160];
    int fail;

    for (size_t i = 0; i < n_chunks; i++) {
        uint32_t chain, gen;
        uint64_t first;
        chunk_address(i, &chain, &gen, &first);
        normals_or_fail(isa, seed, REFIT_STREAM_SAMPLE, chain, gen, first, KS_CHUNK,
                        x + i * KS_CHUNK);
    }
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            ck_abort_msg("non-finite normal %g at %zu (seed %llu)", x[i], i,
                         (unsigned long long)seed);
    qsort(x, n, sizeof *x, cmp_double);
    for (size_t i = 0; i < n; i++) {
        double F = 0.5 * erfc(-x[i] / sqrt(2.0));
        double up = (double)(i + 1) / (double)n - F, down = F - (double)i / (double)n;
        d = up > d ? up : d;
        d = down > d ? down : d;
    }
    free(x);
    t = sqrt((double)n) * d;
    p = refit_test_kolmogorov_sf(t);
    /* Massart's DKW bound P(sqrt(n) D > t) <= 2 exp(-2 t^2) holds for every n
     * and equals the Kolmogorov tail to 1e-20 relative at these t: the
     * asymptotic critical value is exact enough for the finite sample. */
    snprintf(detail, sizeof detail, "D = %.4g, critical sqrt(n) D = %.4f", d, tcrit);
    fail = check_p("normal: Kolmogorov-Smirnov sqrt(n) D", t, p, detail, seed);
    ck_assert_msg(!fail, "KS: sqrt(n) D = %.4f > %.4f (n = %zu, seed %llu, isa %s)", t, tcrit, n,
                  (unsigned long long)seed, refit_isa_name(isa));
}
END_TEST

/* ---- 3. the first four moments ------------------------------------------- */

typedef struct power_sums {
    refit_test_csum s[5]; /* s[k] = sum x^k, s[0] = count */
} power_sums;

/* z-scores of mean, variance, skewness and excess kurtosis of one sample. */
static int check_moments(const char *label, const power_sums *ps, uint64_t seed)
{
    double n = refit_test_csum_get(&ps->s[0]), a1 = refit_test_csum_get(&ps->s[1]) / n,
           a2 = refit_test_csum_get(&ps->s[2]) / n, a3 = refit_test_csum_get(&ps->s[3]) / n,
           a4 = refit_test_csum_get(&ps->s[4]) / n;
    double m = a1, m2 = a2 - m * m, m3 = a3 - 3.0 * m * a2 + 2.0 * m * m * m,
           m4 = a4 - 4.0 * m * a3 + 6.0 * m * m * a2 - 3.0 * m * m * m * m;
    double s2 = m2 * n / (n - 1.0), g1 = m3 / pow(m2, 1.5), g2 = m4 / (m2 * m2) - 3.0;
    double var_g1 = 6.0 * (n - 2.0) / ((n + 1.0) * (n + 3.0));
    double mean_g2 = -6.0 / (n + 1.0);
    double var_g2 =
        24.0 * n * (n - 2.0) * (n - 3.0) / ((n + 1.0) * (n + 1.0) * (n + 3.0) * (n + 5.0));
    char what[4][96];
    int nfail = 0;
    snprintf(what[0], sizeof what[0], "%s: mean %.3g", label, m);
    snprintf(what[1], sizeof what[1], "%s: variance %.8f", label, s2);
    snprintf(what[2], sizeof what[2], "%s: skewness %.3g", label, g1);
    snprintf(what[3], sizeof what[3], "%s: excess kurtosis %.3g", label, g2);
    nfail += check_z(what[0], m * sqrt(n), n, seed);
    nfail += check_z(what[1], (s2 - 1.0) / sqrt(2.0 / (n - 1.0)), n, seed);
    nfail += check_z(what[2], g1 / sqrt(var_g1), n, seed);
    nfail += check_z(what[3], (g2 - mean_g2) / sqrt(var_g2), n, seed);
    return nfail;
}

START_TEST(test_normal_moments)
{
    refit_isa isa = test_isa();
    uint64_t seed = seed_base() + 13;
    size_t n_chunks = scaled(8192);
    double *buf = xalloc(KS_CHUNK);
    power_sums all, half[2]; /* half[0]: even index (cos), half[1]: odd (sin) */
    int nfail = 0;
    memset(&all, 0, sizeof all);
    memset(half, 0, sizeof half);

    for (size_t i = 0; i < n_chunks; i++) {
        uint32_t chain, gen;
        uint64_t first;
        double s[2][4] = {{0}};
        chunk_address(i, &chain, &gen, &first);
        normals_or_fail(isa, seed, REFIT_STREAM_SAMPLE, chain, gen, first, KS_CHUNK, buf);
        for (size_t k = 0; k < KS_CHUNK; k++) {
            double x = buf[k], x2 = x * x;
            double *h = s[(first + k) & 1u];
            h[0] += x;
            h[1] += x2;
            h[2] += x2 * x;
            h[3] += x2 * x2;
        }
        for (int p = 0; p < 2; p++) {
            refit_test_csum_add(&half[p].s[0], KS_CHUNK / 2);
            refit_test_csum_add(&all.s[0], KS_CHUNK / 2);
            for (int j = 0; j < 4; j++) {
                refit_test_csum_add(&half[p].s[j + 1], s[p][j]);
                refit_test_csum_add(&all.s[j + 1], s[p][j]);
            }
        }
    }
    free(buf);
    nfail += check_moments("normal, all", &all, seed);
    nfail += check_moments("normal, even index (cos)", &half[0], seed);
    nfail += check_moments("normal, odd index (sin)", &half[1], seed);
    ck_assert_msg(nfail == 0, "normal moments: %d failure(s), seed %llu, isa %s", nfail,
                  (unsigned long long)seed, refit_isa_name(isa));
}
END_TEST

/* ---- 4. uniforms: chi-square, lattice, range ------------------------------ */

#define NB_UNIFORM 1024
#define BIT_CHUNKS 64 /* chunks whose lattice bits are counted */

START_TEST(test_uniform_chisq_and_lattice)
{
    refit_isa isa = test_isa();
    uint64_t seed = seed_base() + 14;
    size_t n_chunks = scaled(512), n = n_chunks * KS_CHUNK;
    double *buf = xalloc(KS_CHUNK), umin = 1.0, umax = 0.0, x2 = 0.0, e;
    uint64_t *counts = calloc(NB_UNIFORM, sizeof *counts), off_lattice = 0, ones[52] = {0};
    size_t n_bits = 0;
    char detail[160];
    int nfail = 0;
    ck_assert_ptr_nonnull(counts);

    for (size_t i = 0; i < n_chunks; i++) {
        uint32_t chain, gen;
        uint64_t first;
        chunk_address(i, &chain, &gen, &first);
        uniforms_or_fail(isa, seed, (refit_stream)(i % 4u), chain, gen, first, KS_CHUNK, buf);
        for (size_t k = 0; k < KS_CHUNK; k++) {
            double u = buf[k], v = u * 0x1p53; /* exact: a power-of-two scaling */
            /* documented lattice: u = (k + 1/2) 2^-52, so u 2^53 is an odd
             * integer in [1, 2^53 - 1]; this implies 0 < u < 1 */
            int on_lattice = v >= 1.0 && v <= 0x1p53 - 1.0 && (double)(uint64_t)v == v &&
                             ((uint64_t)v & 1u);
            if (!on_lattice && off_lattice++ < 5)
                printf("  uniform %.17g (u 2^53 = %.17g) off the lattice: chunk %zu, "
                       "index %llu\n",
                       u, v, i, (unsigned long long)(first + k));
            if (!(u >= 0.0 && u < 1.0)) continue; /* counted as off the lattice */
            umin = u < umin ? u : umin;
            umax = u > umax ? u : umax;
            counts[(size_t)(u * NB_UNIFORM)]++;
            if (i < BIT_CHUNKS && on_lattice) { /* the 52 bits of the index (v - 1) / 2 */
                uint64_t w = (uint64_t)v >> 1;
                for (int b = 0; b < 52; b++) ones[b] += (w >> b) & 1u;
                n_bits++;
            }
        }
    }
    free(buf);
    printf("uniforms: n = %zu, min %.17g, max %.17g (lattice bounds 2^-53 = %.17g, 1 - 2^-53)\n",
           n, umin, umax, 0x1p-53);
    if (off_lattice)
        printf("  FAIL %llu uniforms off the lattice (k + 1/2) 2^-52 or outside (0, 1)\n",
               (unsigned long long)off_lattice);
    nfail += off_lattice != 0;
    e = (double)n / NB_UNIFORM;
    for (int c = 0; c < NB_UNIFORM; c++) {
        double o = (double)counts[c];
        x2 += (o - e) * (o - e) / e;
    }
    free(counts);
    snprintf(detail, sizeof detail, "%d cells, df %d, critical %.2f", NB_UNIFORM, NB_UNIFORM - 1,
             chisq_critical(NB_UNIFORM - 1.0, ALPHA));
    nfail += check_p("uniform: chi-square, 1024 equal cells", x2,
                     refit_test_chisq_sf(NB_UNIFORM - 1.0, x2), detail, seed);
    /* Each bit of a uniform index on [0, 2^52) is an independent fair coin:
     * sum over bits of z_b^2, z_b = (2 ones_b - n) / sqrt(n), is chi^2_52. */
    {
        double xb = 0.0, zmax = 0.0;
        int bmax = 0;
        for (int b = 0; b < 52; b++) {
            double z = (2.0 * (double)ones[b] - (double)n_bits) / sqrt((double)n_bits);
            xb += z * z;
            if (fabs(z) > zmax) {
                zmax = fabs(z);
                bmax = b;
            }
        }
        snprintf(detail, sizeof detail, "n = %zu, df 52, worst bit %d with |z| = %.2f", n_bits,
                 bmax, zmax);
        nfail += check_p("uniform: balance of the 52 lattice bits", xb,
                         refit_test_chisq_sf(52.0, xb), detail, seed);
    }
    ck_assert_msg(nfail == 0, "uniforms: %d failure(s), seed %llu, isa %s", nfail,
                  (unsigned long long)seed, refit_isa_name(isa));
}
END_TEST

/* ---- 5. independence ----------------------------------------------------- */

#define NB_PAIR 64

/* 2-D chi-square on (u_2b, u_2b+1) and (u_2b+1, u_2b+2). */
START_TEST(test_uniform_pairs)
{
    refit_isa isa = test_isa();
    uint64_t seed = seed_base() + (uint64_t)_i; /* seeds 0 and 1 */
    size_t n_chunks = scaled(512), n_pairs[2] = {0, 0};
    double *buf = xalloc(KS_CHUNK + 1);
    uint64_t *counts = calloc(2 * NB_PAIR * NB_PAIR, sizeof *counts);
    int nfail = 0;
    ck_assert_ptr_nonnull(counts);

    for (size_t i = 0; i < n_chunks; i++) {
        uint32_t chain = (uint32_t)i, gen = 9;
        /* chunk starts on an even index: buf[2b], buf[2b+1] share a block */
        uniforms_or_fail(isa, seed, REFIT_STREAM_SAMPLE, chain, gen, 0, KS_CHUNK + 1, buf);
        for (size_t k = 0; k + 1 < KS_CHUNK + 1; k++) {
            int kind = (int)(k & 1u);
            size_t a = (size_t)(buf[k] * NB_PAIR), b = (size_t)(buf[k + 1] * NB_PAIR);
            if (a >= NB_PAIR || b >= NB_PAIR) continue; /* the lattice test reports these */
            counts[(size_t)kind * NB_PAIR * NB_PAIR + a * NB_PAIR + b]++;
            n_pairs[kind]++;
        }
    }
    free(buf);
    for (int kind = 0; kind < 2; kind++) {
        double e = (double)n_pairs[kind] / (NB_PAIR * NB_PAIR), x2 = 0.0;
        char what[96], detail[160];
        for (int c = 0; c < NB_PAIR * NB_PAIR; c++) {
            double o = (double)counts[(size_t)kind * NB_PAIR * NB_PAIR + (size_t)c];
            x2 += (o - e) * (o - e) / e;
        }
        snprintf(what, sizeof what, "uniform pairs %s: 64x64 chi-square",
                 kind ? "(u_2b+1, u_2b+2)" : "(u_2b, u_2b+1)");
        snprintf(detail, sizeof detail, "n = %zu pairs, df %d, critical %.1f", n_pairs[kind],
                 NB_PAIR * NB_PAIR - 1, chisq_critical(NB_PAIR * NB_PAIR - 1.0, ALPHA));
        nfail += check_p(what, x2, refit_test_chisq_sf(NB_PAIR * NB_PAIR - 1.0, x2), detail, seed);
    }
    free(counts);
    ck_assert_msg(nfail == 0, "uniform pairs: %d failure(s), seed %llu, isa %s", nfail,
                  (unsigned long long)seed, refit_isa_name(isa));
}
END_TEST

/* Sums for the Pearson correlations of (x, y) and of (x^2, y^2).  Under
 * independence sqrt(n) r -> N(0, 1) whatever the marginal law (Var of the
 * centred product is Var x Var y), so these checks see dependence only,
 * not a wrong marginal (the tests above see that). */
typedef struct pair_sums {
    refit_test_csum s[2][5]; /* [linear, squares][sum a, sum b, sum a^2, sum b^2, sum a b] */
    double n;
} pair_sums;

static void pair_add(pair_sums *ps, const double *x, const double *y, size_t count, size_t stride)
{
    double t[2][5] = {{0}};
    for (size_t k = 0; k < count; k++) {
        double a = x[k * stride], b = y[k * stride], a2 = a * a, b2 = b * b;
        t[0][0] += a;
        t[0][1] += b;
        t[0][2] += a2;
        t[0][3] += b2;
        t[0][4] += a * b;
        t[1][0] += a2;
        t[1][1] += b2;
        t[1][2] += a2 * a2;
        t[1][3] += b2 * b2;
        t[1][4] += a2 * b2;
    }
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 5; j++) refit_test_csum_add(&ps->s[i][j], t[i][j]);
    ps->n += (double)count;
}

/* Pearson r of the pair sums: which = 0 for (x, y), 1 for (x^2, y^2). */
static double pair_r(const pair_sums *ps, int which)
{
    double n = ps->n, ma = refit_test_csum_get(&ps->s[which][0]) / n,
           mb = refit_test_csum_get(&ps->s[which][1]) / n;
    double va = refit_test_csum_get(&ps->s[which][2]) / n - ma * ma;
    double vb = refit_test_csum_get(&ps->s[which][3]) / n - mb * mb;
    double cab = refit_test_csum_get(&ps->s[which][4]) / n - ma * mb;
    return cab / sqrt(va * vb);
}

#define PAIR_LEN 4096 /* draws per chain for the chain/generation/seed/stream pairs */

START_TEST(test_independence)
{
    refit_isa isa = test_isa();
    pair_kind kind = (pair_kind)(_i % N_PAIR_KINDS);
    uint64_t seed = seed_base() + (uint64_t)(_i / N_PAIR_KINDS); /* seeds 0 and 1 */
    size_t rounds = scaled(1024);
    double *x = xalloc(2 * PAIR_LEN + 1), *y = xalloc(PAIR_LEN);
    pair_sums ps;
    char what[2][96];
    int nfail = 0;
    memset(&ps, 0, sizeof ps);

    for (size_t r = 0; r < rounds; r++) {
        uint32_t c = (uint32_t)r, g = 3;
        switch (kind) {
        case PAIR_CHAIN:
            /* a walk along chains: y of round r is x of round r+1 */
            if (r == 0) normals_or_fail(isa, seed, REFIT_STREAM_SAMPLE, c, g, 0, PAIR_LEN, x);
            normals_or_fail(isa, seed, REFIT_STREAM_SAMPLE, c + 1, g, 0, PAIR_LEN, y);
            pair_add(&ps, x, y, PAIR_LEN, 1);
            memcpy(x, y, PAIR_LEN * sizeof *x);
            break;
        case PAIR_GENERATION:
            if (r == 0) normals_or_fail(isa, seed, REFIT_STREAM_SAMPLE, 5, g, 0, PAIR_LEN, x);
            normals_or_fail(isa, seed, REFIT_STREAM_SAMPLE, 5, g + (uint32_t)r + 1, 0, PAIR_LEN,
                            y);
            pair_add(&ps, x, y, PAIR_LEN, 1);
            memcpy(x, y, PAIR_LEN * sizeof *x);
            break;
        case PAIR_SEED:
            normals_or_fail(isa, seed, REFIT_STREAM_SAMPLE, c, g, 0, PAIR_LEN, x);
            normals_or_fail(isa, seed + 1, REFIT_STREAM_SAMPLE, c, g, 0, PAIR_LEN, y);
            pair_add(&ps, x, y, PAIR_LEN, 1);
            break;
        case PAIR_COS_SIN: /* x[2b] with x[2b+1] */
            normals_or_fail(isa, seed, REFIT_STREAM_SAMPLE, c, g, 0, 2 * PAIR_LEN, x);
            pair_add(&ps, x, x + 1, PAIR_LEN, 2);
            break;
        case PAIR_ACROSS: /* x[2b+1] with x[2b+2] */
            normals_or_fail(isa, seed, REFIT_STREAM_SAMPLE, c, g, 0, 2 * PAIR_LEN + 1, x);
            pair_add(&ps, x + 1, x + 2, PAIR_LEN, 2);
            break;
        case PAIR_STREAM_01: /* stream s with stream s+1 */
        case PAIR_STREAM_12:
        case PAIR_STREAM_23: {
            refit_stream s0 = (refit_stream)(kind - PAIR_STREAM_01);
            normals_or_fail(isa, seed, s0, c, g, 0, PAIR_LEN, x);
            normals_or_fail(isa, seed, (refit_stream)(s0 + 1), c, g, 0, PAIR_LEN, y);
            pair_add(&ps, x, y, PAIR_LEN, 1);
            break;
        }
        case N_PAIR_KINDS:
            break;
        }
    }
    free(x);
    free(y);
    snprintf(what[0], sizeof what[0], "independence, %s: r(x, y) %+.2e", PAIR_NAMES[kind],
             pair_r(&ps, 0));
    snprintf(what[1], sizeof what[1], "independence, %s: r(x^2, y^2) %+.2e", PAIR_NAMES[kind],
             pair_r(&ps, 1));
    nfail += check_z(what[0], sqrt(ps.n) * pair_r(&ps, 0), ps.n, seed);
    nfail += check_z(what[1], sqrt(ps.n) * pair_r(&ps, 1), ps.n, seed);
    ck_assert_msg(nfail == 0, "independence of %s: %d failure(s), seed %llu, isa %s",
                  PAIR_NAMES[kind], nfail, (unsigned long long)seed, refit_isa_name(isa));
}
END_TEST

/* ---- 6. the fused sample-and-fit ------------------------------------------ */

START_TEST(test_sample_fit)
{
    refit_isa isa = test_isa();
    const fit_config *fc = &FITS[_i];
    uint64_t seed = seed_base() + 21, M = fc->M;
    uint32_t gen = 100 + (uint32_t)_i;
    size_t K = scaled(fc->chains);
    double k = (double)M - 1.0, sqM = sqrt((double)M), prev_t = 0.0;
    refit_test_csum st = {0, 0}, st2 = {0, 0}, sq = {0, 0}, sq2 = {0, 0}, stq = {0, 0},
                    snb = {0, 0};
    double var_q2 = 8.0 * k * (k + 2.0) * (k + 3.0); /* Var chi^2_k squared */
    char what[6][96];
    int nfail = 0;

    for (size_t c = 0; c < K; c++) {
        double mean = NAN, var = NAN, t, q;
        refit_status s = refit_kernel_sample_fit(isa, seed, (uint32_t)c, gen, M,
                                                 REFIT_ESTIMATOR_UNBIASED, &mean, &var);
        if (!(s == REFIT_OK && isfinite(mean) && var >= 0.0))
            ck_abort_msg("sample_fit(seed %llu, chain %zu, gen %u, M %llu): %s, mean %g var %g",
                         (unsigned long long)seed, c, gen, (unsigned long long)M,
                         refit_strerror(s), mean, var);
        t = mean * sqM;
        q = k * var;
        refit_test_csum_add(&st, t);
        refit_test_csum_add(&st2, t * t - 1.0);
        refit_test_csum_add(&sq, q - k);
        refit_test_csum_add(&sq2, q * q - k * (k + 2.0));
        refit_test_csum_add(&stq, t * (q - k));
        if (c > 0) refit_test_csum_add(&snb, t * prev_t);
        prev_t = t;
    }
    snprintf(what[0], sizeof what[0], "sample_fit M=%llu: E t = 0, t = mean sqrt(M)",
             (unsigned long long)M);
    snprintf(what[1], sizeof what[1], "sample_fit M=%llu: E t^2 = 1", (unsigned long long)M);
    snprintf(what[2], sizeof what[2], "sample_fit M=%llu: E Q = M-1, Q = (M-1) var",
             (unsigned long long)M);
    snprintf(what[3], sizeof what[3], "sample_fit M=%llu: E Q^2 = (M-1)(M+1)",
             (unsigned long long)M);
    snprintf(what[4], sizeof what[4], "sample_fit M=%llu: E t (Q - (M-1)) = 0",
             (unsigned long long)M);
    snprintf(what[5], sizeof what[5], "sample_fit M=%llu: E t_c t_c+1 = 0", (unsigned long long)M);
    nfail += check_z(what[0], refit_test_csum_get(&st) / sqrt((double)K), (double)K, seed);
    nfail += check_z(what[1], refit_test_csum_get(&st2) / sqrt(2.0 * (double)K), (double)K, seed);
    nfail +=
        check_z(what[2], refit_test_csum_get(&sq) / sqrt(2.0 * k * (double)K), (double)K, seed);
    nfail +=
        check_z(what[3], refit_test_csum_get(&sq2) / sqrt(var_q2 * (double)K), (double)K, seed);
    nfail +=
        check_z(what[4], refit_test_csum_get(&stq) / sqrt(2.0 * k * (double)K), (double)K, seed);
    nfail +=
        check_z(what[5], refit_test_csum_get(&snb) / sqrt((double)K - 1.0), (double)K - 1.0, seed);
    ck_assert_msg(nfail == 0, "sample_fit M=%llu: %d failure(s), seed %llu, gen %u, isa %s",
                  (unsigned long long)M, nfail, (unsigned long long)seed, gen,
                  refit_isa_name(isa));
}
END_TEST

/* MLE: M var ~ chi^2_{M-1}, so E[M var] = M - 1 (D = M, not M - 1). */
START_TEST(test_sample_fit_mle)
{
    refit_isa isa = test_isa();
    uint64_t seed = seed_base() + 22, M = MLE_M[_i];
    uint32_t gen = 200 + (uint32_t)_i;
    size_t K = scaled(M <= 10 ? (size_t)1 << 20 : (size_t)1 << 19);
    double k = (double)M - 1.0;
    refit_test_csum sq = {0, 0};
    char what[96];
    int fail;
    for (size_t c = 0; c < K; c++) {
        double mean = NAN, var = NAN;
        refit_status s = refit_kernel_sample_fit(isa, seed, (uint32_t)c, gen, M,
                                                 REFIT_ESTIMATOR_MLE, &mean, &var);
        if (!(s == REFIT_OK && var >= 0.0))
            ck_abort_msg("sample_fit MLE(chain %zu, M %llu): %s", c, (unsigned long long)M,
                         refit_strerror(s));
        refit_test_csum_add(&sq, (double)M * var - k);
    }
    snprintf(what, sizeof what, "sample_fit MLE M=%llu: E[M var] = M-1", (unsigned long long)M);
    fail = check_z(what, refit_test_csum_get(&sq) / sqrt(2.0 * k * (double)K), (double)K, seed);
    ck_assert_msg(!fail, "sample_fit MLE M=%llu failed (seed %llu, gen %u, isa %s)",
                  (unsigned long long)M, (unsigned long long)seed, gen, refit_isa_name(isa));
}
END_TEST

/* ---- the tools themselves ------------------------------------------------ */

/* The exact distributions used above, against known values. */
START_TEST(test_tools)
{
    /* P(chi^2_1 > x) = erfc(sqrt(x/2)); P(chi^2_2 > x) = exp(-x/2) */
    ck_assert_double_eq_tol(refit_test_chisq_sf(1.0, 30.0) / erfc(sqrt(15.0)), 1.0, 1e-14);
    ck_assert_double_eq_tol(refit_test_chisq_sf(2.0, 10.0) / exp(-5.0), 1.0, 1e-14);
    ck_assert_double_eq_tol(chisq_critical(1.0, 0.05), 3.841458820694124, 1e-9);
    ck_assert(refit_test_chisq_sf(133.0, 1e8) < 1e-300 &&
              refit_test_chisq_sf(133.0, 3000.0) < 1e-300);
    ck_assert(refit_test_chisq_sf(133.0, 1500.0) > 0.0); /* Chernoff bound e^-522: MPFR path */
    ck_assert_double_eq_tol(refit_test_z_star(0.05), 1.959963984540054, 1e-9);
    /* Kolmogorov: P(K > 1.3580986) = 0.05 (the classical 5% point) */
    ck_assert_double_eq_tol(kolmogorov_critical(0.05), 1.3580986393225507, 1e-6);
    /* binomial(10, 1/2): P(N <= 1) = 11/1024, two-sided 22/1024 */
    ck_assert_double_eq_tol(binomial_two_sided(10, 0.5, 1), 22.0 / 1024.0, 1e-15);
    ck_assert_double_eq_tol(binomial_two_sided(10, 0.5, 9), 22.0 / 1024.0, 1e-15);
    ck_assert(binomial_two_sided(10, 0.5, 5) == 1.0);
    /* Poisson-like: n large, p small, k far above the mean */
    /* 2 P(N >= 40) for Binomial(1e8, 1e-7), summed exactly in Python's decimal */
    ck_assert_double_eq_tol(binomial_two_sided(100000000, 1e-7, 40) / 1.4683208083433148e-12, 1.0,
                            1e-12);
    ck_assert_double_eq_tol(binomial_two_sided(100000000, 1e-7, 0) /
                                (2.0 * exp(1e8 * log1p(-1e-7))), 1.0, 1e-12);
    /* raw cells: edges exact, tails outside */
    ck_assert_int_eq(raw_cell(-7.0), 0);
    ck_assert_int_eq(raw_cell(-6.0), 1);
    ck_assert_int_eq(raw_cell(-0x1p-60), NB_FINE / 2);
    ck_assert_int_eq(raw_cell(0.0), NB_FINE / 2 + 1);
    ck_assert_int_eq(raw_cell(nextafter(6.0, 0.0)), NB_FINE);
    ck_assert_int_eq(raw_cell(6.0), NB_RAW - 1);
}
END_TEST

static Suite *kernel_stats_suite(void)
{
    Suite *s = suite_create("kernel_stats");
    int timeout = 300 * refit_test_scale();
    TCase *tc_tools = tcase_create("tools");
    TCase *tc_normal = tcase_create("normal");
    TCase *tc_uniform = tcase_create("uniform");
    TCase *tc_indep = tcase_create("independence");
    TCase *tc_fit = tcase_create("sample_fit");
    TCase *all[5] = {tc_tools, tc_normal, tc_uniform, tc_indep, tc_fit};
    for (int i = 0; i < 5; i++) {
        tcase_set_timeout(all[i], timeout);
        suite_add_tcase(s, all[i]);
    }
    tcase_add_test(tc_tools, test_tools);
    tcase_add_test(tc_normal, test_normal_chisq_and_tails);
    tcase_add_test(tc_normal, test_normal_ks);
    tcase_add_test(tc_normal, test_normal_moments);
    tcase_add_test(tc_uniform, test_uniform_chisq_and_lattice);
    tcase_add_loop_test(tc_indep, test_uniform_pairs, 0, N_INDEP_SEEDS);
    tcase_add_loop_test(tc_indep, test_independence, 0, N_PAIR_KINDS * N_INDEP_SEEDS);
    tcase_add_loop_test(tc_fit, test_sample_fit, 0, N_FITS);
    tcase_add_loop_test(tc_fit, test_sample_fit_mle, 0, N_MLE);
    return s;
}

int main(void)
{
    refit_isa isa = REFIT_ISA_SCALAR;
    refit_status st = refit_isa_select(&isa);
    int failed;
    SRunner *sr = srunner_create(kernel_stats_suite());
    printf("kernel_stats: isa %s (%s), %d checks, family-wise false-alarm %.0e (Bonferroni): "
           "alpha = %.3g each, z* = %.3f; seed base %llu, scale %d\n",
           refit_isa_name(isa), refit_strerror(st), C_TOTAL, KS_FAMILY_ALPHA, ALPHA,
           refit_test_z_star(ALPHA), (unsigned long long)seed_base(), refit_test_scale());
    fflush(stdout);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
