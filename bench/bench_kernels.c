/* refit_bench: throughput of the Monte Carlo kernels (refit/kernels.h), one
 * core, for every instruction set this CPU can run.
 *
 * A benchmark, not a test: it asserts nothing about time and exits 0 whatever
 * the figures are (1 when a kernel reports an error, 2 for a malformed
 * argument).  Each workload is run once untimed (warm-up), then timed
 * `reps` times on the monotonic clock; the best repetition is reported, since
 * on a shared machine noise only ever adds time.  The thread's CPU time of
 * each repetition is measured too: wall >> CPU means the core was shared.
 *
 * Output: one line per (workload, ISA), space-separated key=value pairs after
 * the word "refit-bench", parsed by bench/run.sh.  The same workloads, sizes
 * and line format are produced for NumPy by bench/numpy_peer.py. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "refit/kernels.h"

#define BENCH_SEED UINT64_C(20240724)

/* Normals: chunks of 2^16 doubles (512 KiB, resident in L2) written into one
 * reused buffer, so the figure is the generator's and not memory bandwidth. */
#define NORMAL_CHUNK ((size_t)1 << 16)
#define NORMAL_CALLS 2u

/* Sufficient-statistic sampler: chains per call, as the engine would batch. */
#define SUFF_CHAINS 4096u

typedef struct bench_opts {
    unsigned reps;
    int quick; /* smaller workloads: a smoke run, not a measurement */
    int only_isa; /* -1: every supported ISA */
    const char *only_workload; /* NULL: every workload */
    uint64_t only_M;           /* 0: every M */
} bench_opts;

/* One workload's timing and its result checksum (printed so the compiler
 * cannot drop the work). */
typedef struct bench_result {
    double best_s;     /* best wall time (monotonic clock): the figure reported */
    double best_cpu_s; /* best CPU time of this thread: when wall >> CPU, the core was shared */
    double checksum;
} bench_result;

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* A kernel error is reported and the other rows still run. */
static int fail(const char *what, uint64_t M, refit_isa isa, refit_status st)
{
    fprintf(stderr, "refit_bench: %s M=%llu (%s) failed: %s\n", what, (unsigned long long)M,
            refit_isa_name(isa), refit_strerror(st));
    printf("refit-bench error workload=%s M=%llu isa=%s status=%d\n", what, (unsigned long long)M,
           refit_isa_name(isa), (int)st);
    return 1;
}

/* ---- workloads: each returns a status and adds its outputs to *sum ---- */

static refit_status work_normals(refit_isa isa, unsigned calls, double *buf, double *sum)
{
    unsigned c;
    for (c = 0; c < calls; ++c) {
        /* consecutive indices of one stream: no chunk is generated twice */
        refit_status st = refit_kernel_normals(isa, BENCH_SEED, REFIT_STREAM_SAMPLE, 0, 0,
                                               (uint64_t)c * NORMAL_CHUNK, NORMAL_CHUNK, buf);
        if (st != REFIT_OK) return st;
        *sum += buf[c % NORMAL_CHUNK];
    }
    return REFIT_OK;
}

/* The literal recursion in standardised coordinates: per chain and
 * generation, fit M fresh draws, then mu += sigma * mean, sigma *= sqrt(var). */
static refit_status work_fused(refit_isa isa, uint64_t M, uint32_t chains, uint32_t gens,
                               double *mu, double *sigma, double *sum)
{
    uint32_t g, k;
    for (k = 0; k < chains; ++k) {
        mu[k] = 0.0;
        sigma[k] = 1.0;
    }
    for (g = 0; g < gens; ++g) {
        for (k = 0; k < chains; ++k) {
            double m, v;
            refit_status st =
                refit_kernel_sample_fit(isa, BENCH_SEED, k, g, M, REFIT_ESTIMATOR_UNBIASED, &m, &v);
            if (st != REFIT_OK) return st;
            mu[k] += sigma[k] * m;
            sigma[k] *= sqrt(v);
        }
    }
    for (k = 0; k < chains; ++k) *sum += mu[k] + sigma[k];
    return REFIT_OK;
}

/* The same recursion through the sufficient-statistic sampler, SUFF_CHAINS
 * chains per call.  update = 0 times the sampler alone. */
static refit_status work_suffstat(refit_isa isa, uint64_t M, uint32_t gens, int update,
                                  double *mean, double *var, double *mu, double *sigma,
                                  double *sum)
{
    uint32_t g, k;
    for (k = 0; k < SUFF_CHAINS; ++k) {
        mu[k] = 0.0;
        sigma[k] = 1.0;
    }
    for (g = 0; g < gens; ++g) {
        refit_status st = refit_kernel_suffstat_fit(isa, BENCH_SEED, 0, SUFF_CHAINS, g, M,
                                                    REFIT_ESTIMATOR_UNBIASED, mean, var, NULL);
        if (st != REFIT_OK) return st;
        if (update) {
            for (k = 0; k < SUFF_CHAINS; ++k) {
                mu[k] += sigma[k] * mean[k];
                sigma[k] *= sqrt(var[k]);
            }
        } else {
            *sum += mean[g % SUFF_CHAINS] + var[g % SUFF_CHAINS];
        }
    }
    for (k = 0; k < SUFF_CHAINS; ++k) *sum += mu[k] + sigma[k];
    return REFIT_OK;
}

/* ---- the driver ---- */

typedef enum workload_kind { W_NORMALS, W_FUSED, W_SUFFSTAT, W_SUFFSTAT_KERNEL } workload_kind;

typedef struct workload {
    workload_kind kind;
    const char *name;
    const char *unit; /* what one "unit" of work is: a sample or a chain-generation */
    uint64_t M;
    uint32_t chains, gens; /* normals: chains = 1, gens = number of calls */
} workload;

typedef struct buffers {
    double *normals, *mean, *var, *mu, *sigma;
} buffers;

static double units_of(const workload *w)
{
    if (w->kind == W_NORMALS) return (double)w->gens * (double)NORMAL_CHUNK;
    if (w->kind == W_FUSED) return (double)w->chains * (double)w->gens * (double)w->M;
    return (double)w->chains * (double)w->gens;
}

static refit_status run_once(const workload *w, refit_isa isa, buffers *b, double *sum)
{
    switch (w->kind) {
    case W_NORMALS:
        return work_normals(isa, w->gens, b->normals, sum);
    case W_FUSED:
        return work_fused(isa, w->M, w->chains, w->gens, b->mu, b->sigma, sum);
    case W_SUFFSTAT:
        return work_suffstat(isa, w->M, w->gens, 1, b->mean, b->var, b->mu, b->sigma, sum);
    case W_SUFFSTAT_KERNEL:
        return work_suffstat(isa, w->M, w->gens, 0, b->mean, b->var, b->mu, b->sigma, sum);
    }
    return REFIT_EINVAL;
}

static refit_status measure(const workload *w, refit_isa isa, unsigned reps, buffers *b,
                            bench_result *r)
{
    unsigned i;
    double sum = 0.0;
    refit_status st = run_once(w, isa, b, &sum); /* warm-up: caches, page faults, clocks */
    if (st != REFIT_OK) return st;
    r->best_s = INFINITY;
    r->best_cpu_s = INFINITY;
    for (i = 0; i < reps; ++i) {
        double t0, t1, c0, c1;
        sum = 0.0;
        c0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
        t0 = clock_s(CLOCK_MONOTONIC);
        st = run_once(w, isa, b, &sum);
        t1 = clock_s(CLOCK_MONOTONIC);
        c1 = clock_s(CLOCK_THREAD_CPUTIME_ID);
        if (st != REFIT_OK) return st;
        if (t1 - t0 < r->best_s) r->best_s = t1 - t0;
        if (c1 - c0 < r->best_cpu_s) r->best_cpu_s = c1 - c0;
    }
    r->checksum = sum;
    return REFIT_OK;
}

static void print_line(const workload *w, refit_isa isa, unsigned reps, const bench_result *r)
{
    double units = units_of(w);
    printf("refit-bench workload=%s impl=refit isa=%s unit=%s M=%llu chains=%lu generations=%lu "
           "units=%.17g reps=%u best_s=%.17g best_cpu_s=%.17g ns_per_unit=%.17g units_per_s=%.17g "
           "checksum=%.17g\n",
           w->name, refit_isa_name(isa), w->unit, (unsigned long long)w->M,
           (unsigned long)w->chains, (unsigned long)w->gens, units, reps, r->best_s, r->best_cpu_s,
           1e9 * r->best_s / units, units / r->best_s, r->checksum);
    fflush(stdout);
}

static const char usage[] =
    "usage: refit_bench [--reps N] [--quick] [--isa scalar|avx2|avx512] [--workload NAME] [--M M]\n"
    "Times refit's kernels on one core for each supported ISA; best of N (default 100).\n"
    "--quick: small workloads, 1 repetition (checks the program runs; figures are noise).\n"
    "--workload (normals|fused|suffstat_kernel|suffstat) and --M keep only those rows.\n";

static int parse(int argc, char **argv, bench_opts *o)
{
    int i;
    o->reps = 100;
    o->quick = 0;
    o->only_isa = -1;
    o->only_workload = NULL;
    o->only_M = 0;
    for (i = 1; i < argc; ++i) {
        if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc) {
            char *end;
            unsigned long v = strtoul(argv[++i], &end, 10);
            if (*end != '\0' || v < 1 || v > 1000) {
                fprintf(stderr, "refit_bench: --reps wants an integer in [1, 1000]\n");
                return 2;
            }
            o->reps = (unsigned)v;
        } else if (strcmp(argv[i], "--quick") == 0) {
            o->quick = 1;
            o->reps = 1;
        } else if (strcmp(argv[i], "--isa") == 0 && i + 1 < argc) {
            int k, found = 0;
            ++i;
            for (k = 0; k < REFIT_ISA_COUNT; ++k)
                if (strcmp(argv[i], refit_isa_name((refit_isa)k)) == 0) {
                    o->only_isa = k;
                    found = 1;
                }
            if (!found) {
                fprintf(stderr, "refit_bench: unknown ISA '%s'\n", argv[i]);
                return 2;
            }
        } else if (strcmp(argv[i], "--workload") == 0 && i + 1 < argc) {
            o->only_workload = argv[++i];
        } else if (strcmp(argv[i], "--M") == 0 && i + 1 < argc) {
            char *end;
            unsigned long long v = strtoull(argv[++i], &end, 10);
            if (*end != '\0' || v < 2) {
                fprintf(stderr, "refit_bench: --M wants an integer >= 2\n");
                return 2;
            }
            o->only_M = (uint64_t)v;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage, stdout);
            return -1;
        } else {
            fprintf(stderr, "refit_bench: unknown argument '%s'\n%s", argv[i], usage);
            return 2;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    /* Sizes: a timed repetition is short (0.13-0.2 M samples or 65536
     * chain-generations: well under a millisecond with SIMD, a few
     * milliseconds in scalar code or NumPy) and there are many
     * of them, so that on a shared machine some repetitions run without being
     * descheduled and the best one measures the code, not the neighbours.
     * --quick divides the work by about 4 and times one repetition. */
    workload ws[] = {
        {W_NORMALS, "normals", "sample", 0, 1, NORMAL_CALLS},
        {W_FUSED, "fused", "sample", 1000, 64, 2},
        {W_FUSED, "fused", "sample", 100000, 2, 1},
        {W_SUFFSTAT_KERNEL, "suffstat_kernel", "chain_gen", 2, SUFF_CHAINS, 16},
        {W_SUFFSTAT_KERNEL, "suffstat_kernel", "chain_gen", 1000, SUFF_CHAINS, 16},
        {W_SUFFSTAT, "suffstat", "chain_gen", 2, SUFF_CHAINS, 16},
        {W_SUFFSTAT, "suffstat", "chain_gen", 1000, SUFF_CHAINS, 16},
        {W_SUFFSTAT, "suffstat", "chain_gen", 100000, SUFF_CHAINS, 16},
    };
    const size_t nw = sizeof ws / sizeof ws[0];
    bench_opts o;
    buffers b;
    size_t i;
    int k, have_buffers, rc = parse(argc, argv, &o);
    if (rc != 0) return rc < 0 ? 0 : rc;
    if (o.quick)
        for (i = 0; i < nw; ++i) {
            if (ws[i].kind == W_FUSED && ws[i].chains > 2) ws[i].chains /= 4;
            ws[i].gens = ws[i].gens / 4 > 0 ? ws[i].gens / 4 : 1;
        }

    b.normals = malloc(NORMAL_CHUNK * sizeof(double));
    b.mean = malloc(SUFF_CHAINS * sizeof(double));
    b.var = malloc(SUFF_CHAINS * sizeof(double));
    b.mu = malloc(SUFF_CHAINS * sizeof(double));
    b.sigma = malloc(SUFF_CHAINS * sizeof(double));
    have_buffers = b.normals && b.mean && b.var && b.mu && b.sigma;
    if (!have_buffers) {
        fprintf(stderr, "refit_bench: out of memory\n");
        rc = 1;
    }

    for (k = 0; k < REFIT_ISA_COUNT && have_buffers; ++k) {
        refit_isa isa = (refit_isa)k;
        if (o.only_isa >= 0 && k != o.only_isa) continue;
        if (!refit_isa_supported(isa)) {
            printf("refit-bench skipped isa=%s reason=unsupported\n", refit_isa_name(isa));
            continue;
        }
        for (i = 0; i < nw; ++i) {
            bench_result r;
            refit_status st;
            if (o.only_workload && strcmp(o.only_workload, ws[i].name) != 0) continue;
            if (o.only_M && o.only_M != ws[i].M) continue;
            st = measure(&ws[i], isa, o.reps, &b, &r);
            if (st != REFIT_OK)
                rc = fail(ws[i].name, ws[i].M, isa, st);
            else
                print_line(&ws[i], isa, o.reps, &r);
        }
    }
    free(b.normals);
    free(b.mean);
    free(b.var);
    free(b.mu);
    free(b.sigma);
    return rc;
}
