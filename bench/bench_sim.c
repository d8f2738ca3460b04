/* refit_bench_sim: the Monte Carlo engine end to end (refit/sim.h) on the
 * workloads of issue 5, against NumPy doing the same recursion
 * (bench/numpy_sim_peer.py, run side by side by bench/run.sh).
 *
 *   A   1000 chains x 1000 generations, M = 100
 *   B  10000 chains x  100 generations, M = 1000
 * replace regime, unbiased estimator, constant M, mu = 0, sigma = 1, one
 * reported generation (at = {generations}) so that the estimators' cost stays
 * small; both modes (EXACT, SAMPLE with a normal D0), 1 and 2 threads,
 * importance sampling off (the like-for-like rows: NumPy runs the plain
 * recursion) and on (4 replicas of the chains: its cost, reported apart).
 *
 * Each repetition times refit_sim_create, refit_sim_run, refit_sim_result_get
 * and refit_sim_free separately on the monotonic clock; the figure is the run,
 * the total (all four) is printed beside it.  A row whose first repetition
 * takes under a second gets that repetition discarded as a warm-up; the best
 * of the N timed repetitions is reported (the median too).  The process CPU
 * time of the best run is printed: wall x threads well above it means the
 * cores were shared.
 *
 * Also, with --floor (bench/run.sh passes it): "kernel floor" rows, the same
 * recursion written by hand on one thread straight on the kernels, with the
 * state kept as the engine keeps it (d, ln sigma^2; EXACT also sigma_n as a
 * running product) -- what the engine would cost with no overhead at all, so
 * that run - floor is the engine's own time.  EXACT floor rows also time the
 * kernel calls alone (kernel_s).
 *
 * A benchmark, not a test: it asserts nothing about time and exits 0 whatever
 * the figures are (1 when the library reports an error, 2 for a malformed
 * argument).  Output: one "refit-bench-sim key=value ..." line per row. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "refit/kernels.h"
#include "refit/model.h"
#include "refit/sim.h"
#include "refit/theory.h"

#define BENCH_SEED UINT64_C(20240724)
#define FLOOR_BLOCK 1024u /* chains per sufficient-statistic call in the floor rows */

typedef struct sim_workload {
    const char *name;
    uint64_t chains, gens, M;
} sim_workload;

typedef struct bench_opts {
    unsigned reps;
    int quick;
    int floor_rows;
    int isa_set;
    refit_isa isa;
    const char *only_workload; /* NULL: A and B */
    int only_mode;             /* -1: both */
    int only_threads;          /* 0: 1 and 2 */
    int only_importance;       /* -1: off and on */
} bench_opts;

/* One repetition's clock readings (kernel_s: floor rows, EXACT: the time
 * inside the kernel calls; NaN elsewhere). */
typedef struct sim_times {
    double create_s, run_s, get_s, free_s, cpu_s, kernel_s;
} sim_times;

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int fail(const char *what, const char *w, const char *mode, int threads, int imp,
                refit_status st)
{
    fprintf(stderr, "refit_bench_sim: %s (workload %s, %s, %d threads, importance %d) failed: %s\n",
            what, w, mode, threads, imp, refit_strerror(st));
    printf("refit-bench-sim error workload=%s mode=%s threads=%d importance=%d step=%s status=%d\n",
           w, mode, threads, imp, what, (int)st);
    fflush(stdout);
    return 1;
}

/* ---- the engine, end to end ---- */

/* One repetition: create, run, get the estimates, free.  *logvar, *logvar_se:
 * the estimate of E ln sigma_n^2 (the check that the work was done). */
static refit_status engine_once(const refit_sim_config *c, sim_times *t, double *logvar,
                                double *logvar_se, const char **step)
{
    refit_sim *sim = NULL;
    refit_sim_result res;
    refit_status st;
    double t0, t1, t2, t3, t4, c0, c1;
    memset(&res, 0, sizeof res);
    t0 = clock_s(CLOCK_MONOTONIC);
    *step = "create";
    st = refit_sim_create(c, &sim);
    if (st != REFIT_OK) return st;
    t1 = clock_s(CLOCK_MONOTONIC);
    c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    *step = "run";
    st = refit_sim_run(sim, NULL, NULL, NULL);
    c1 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    t2 = clock_s(CLOCK_MONOTONIC);
    if (st == REFIT_OK) {
        *step = "result_get";
        st = refit_sim_result_get(sim, &res);
    }
    t3 = clock_s(CLOCK_MONOTONIC);
    refit_sim_free(sim);
    t4 = clock_s(CLOCK_MONOTONIC);
    if (st != REFIT_OK) return st;
    if (res.row_count >= 1) {
        const refit_sim_estimate *e = &res.rows[0].quantity[REFIT_Q_LOGVAR_MEAN];
        *logvar = e->value;
        *logvar_se = e->se;
    }
    refit_sim_result_free(&res);
    t->create_s = t1 - t0;
    t->run_s = t2 - t1;
    t->get_s = t3 - t2;
    t->free_s = t4 - t3;
    t->cpu_s = c1 - c0;
    t->kernel_s = NAN;
    return REFIT_OK;
}

/* ---- the kernel floor: the same recursion by hand, one thread ---- */

/* SAMPLE: per chain and generation the fused kernel, then the standardised
 * update d += sigma_n * mean, ln sigma^2 += ln var. */
static refit_status floor_sample(refit_isa isa, const sim_workload *w, double *logvar_sum,
                                 double *logvar_sq)
{
    uint64_t k, g;
    for (k = 0; k < w->chains; ++k) {
        double d = 0.0, lv = 0.0;
        for (g = 0; g < w->gens; ++g) {
            double m, v;
            refit_status st = refit_kernel_sample_fit(isa, BENCH_SEED, (uint32_t)k, (uint32_t)g,
                                                      w->M, REFIT_ESTIMATOR_UNBIASED, &m, &v);
            if (st != REFIT_OK) return st;
            d += exp(0.5 * lv) * m;
            lv += log(v);
        }
        *logvar_sum += lv + 0.0 * d; /* 0 * d keeps d's updates alive (d may be inf) */
        *logvar_sq += lv * lv;
    }
    return REFIT_OK;
}

/* EXACT: blocks of FLOOR_BLOCK chains; per generation Z, G and ln G from the
 * kernel (shape (M-1)/2), then d += s Z / sqrt(M), s *= sqrt(2 G / (M-1))
 * (s = sigma_n as a running product: no exp), ln sigma^2 += ln G + ln(2 / (M-1)). */
static refit_status floor_exact(refit_isa isa, const sim_workload *w, double *buf,
                                double *logvar_sum, double *logvar_sq, double *kernel_s)
{
    double *z = buf, *gam = buf + FLOOR_BLOCK, *lg = buf + 2 * FLOOR_BLOCK,
           *d = buf + 3 * FLOOR_BLOCK, *sd = buf + 4 * FLOOR_BLOCK, *lv = buf + 5 * FLOOR_BLOCK;
    double rsqrt_m = 1.0 / sqrt((double)w->M), shape = 0.5 * (double)(w->M - 1),
           two_d = 2.0 / (double)(w->M - 1), lscale = log(two_d);
    uint64_t first, g;
    for (first = 0; first < w->chains; first += FLOOR_BLOCK) {
        size_t n = (size_t)(w->chains - first < FLOOR_BLOCK ? w->chains - first : FLOOR_BLOCK), i;
        for (i = 0; i < n; ++i) {
            d[i] = lv[i] = 0.0;
            sd[i] = 1.0;
        }
        for (g = 0; g < w->gens; ++g) {
            double k0 = clock_s(CLOCK_MONOTONIC), k1;
            refit_status st = refit_kernel_normal_gamma(isa, BENCH_SEED, REFIT_STREAM_SUFFSTAT,
                                                        (uint32_t)first, n, (uint32_t)g, shape, z,
                                                        gam, lg);
            k1 = clock_s(CLOCK_MONOTONIC);
            *kernel_s += k1 - k0; /* a clock read per call of FLOOR_BLOCK chains: noise */
            if (st != REFIT_OK) return st;
            for (i = 0; i < n; ++i) {
                d[i] += sd[i] * (z[i] * rsqrt_m);
                sd[i] *= sqrt(gam[i] * two_d);
                lv[i] += lg[i] + lscale;
            }
        }
        for (i = 0; i < n; ++i) {
            *logvar_sum += lv[i] + 0.0 * d[i]; /* 0 * d keeps d's updates alive */
            *logvar_sq += lv[i] * lv[i];
        }
    }
    return REFIT_OK;
}

/* ---- rows ---- */

static void print_row(const char *impl, const sim_workload *w, const char *mode, int threads,
                      int imp, refit_isa isa, unsigned reps, const sim_times *best, double median_run,
                      double logvar, double logvar_se, double truth)
{
    double cg = (double)w->chains * (double)w->gens, samples = cg * (double)w->M;
    double total = best->create_s + best->run_s + best->get_s + best->free_s;
    printf("refit-bench-sim workload=%s impl=%s mode=%s threads=%d importance=%d isa=%s M=%llu "
           "chains=%llu generations=%llu chain_gens=%.17g samples=%.17g reps=%u run_s=%.17g "
           "median_run_s=%.17g create_s=%.17g get_s=%.17g free_s=%.17g total_s=%.17g "
           "cpu_s=%.17g kernel_s=%.17g ns_per_chain_gen=%.17g samples_per_s=%.17g "
           "logvar_mean=%.17g logvar_se=%.17g logvar_truth=%.17g\n",
           w->name, impl, mode, threads, imp, refit_isa_name(isa), (unsigned long long)w->M,
           (unsigned long long)w->chains, (unsigned long long)w->gens, cg, samples, reps,
           best->run_s, median_run, best->create_s, best->get_s, best->free_s, total, best->cpu_s,
           best->kernel_s, 1e9 * best->run_s / cg, samples / best->run_s, logvar, logvar_se, truth);
    fflush(stdout);
}

/* Repetitions of one row: the first is a warm-up when under a second. */
static int engine_row(const sim_workload *w, refit_sim_mode mode, int threads, int imp,
                      const bench_opts *o)
{
    const char *mname = mode == REFIT_SIM_EXACT ? "exact" : "sample";
    refit_sim_config c = refit_sim_config_default();
    uint64_t at = w->gens;
    sim_times t, best;
    double runs[64], logvar = NAN, logvar_se = NAN, truth = NAN;
    const char *step = "config";
    unsigned done = 0;
    int warm = 0;
    refit_status st;
    c.model = refit_model_default();
    c.model.schedule = refit_schedule_const((double)w->M);
    c.model.estimator = REFIT_ESTIMATOR_UNBIASED;
    c.model.regime = REFIT_REGIME_REPLACE;
    c.mode = mode;
    c.init = refit_init_law_normal();
    c.chains = w->chains;
    c.seed = BENCH_SEED;
    c.threads = threads;
    c.isa = o->isa;
    c.at = &at;
    c.at_count = 1;
    c.eps = 0.0;
    c.quantiles = NULL;
    c.quantile_count = 0;
    c.importance = imp;
    st = refit_sim_config_validate(&c);
    if (st != REFIT_OK) return fail("config_validate", w->name, mname, threads, imp, st);
    if (refit_theory_logvar_mean(&c.model, w->gens, &truth) != REFIT_OK) truth = NAN;
    best.run_s = INFINITY;
    best.create_s = best.get_s = best.free_s = best.cpu_s = best.kernel_s = NAN;
    while (done < o->reps) {
        st = engine_once(&c, &t, &logvar, &logvar_se, &step);
        if (st != REFIT_OK) return fail(step, w->name, mname, threads, imp, st);
        if (!warm) {
            warm = 1;
            if (t.run_s < 1.0 && !o->quick) continue; /* a warm-up: caches, page faults, threads */
        }
        runs[done++] = t.run_s;
        if (t.run_s < best.run_s) best = t;
    }
    qsort(runs, done, sizeof runs[0], cmp_double);
    print_row("refit", w, mname, threads, imp, o->isa, done, &best,
              done % 2 ? runs[done / 2] : 0.5 * (runs[done / 2 - 1] + runs[done / 2]), logvar,
              logvar_se, truth);
    return 0;
}

static int floor_row(const sim_workload *w, refit_sim_mode mode, const bench_opts *o)
{
    const char *mname = mode == REFIT_SIM_EXACT ? "exact" : "sample";
    refit_model model = refit_model_default();
    double buf[6 * FLOOR_BLOCK], runs[64], truth = NAN, mean = NAN, se = NAN;
    sim_times best;
    unsigned done = 0;
    int warm = 0;
    model.schedule = refit_schedule_const((double)w->M);
    if (refit_theory_logvar_mean(&model, w->gens, &truth) != REFIT_OK) truth = NAN;
    memset(&best, 0, sizeof best);
    best.run_s = INFINITY;
    best.kernel_s = NAN;
    while (done < o->reps) {
        double s = 0.0, s2 = 0.0, ks = 0.0, t0, t1, c0, c1, k = (double)w->chains;
        refit_status st;
        c0 = clock_s(CLOCK_THREAD_CPUTIME_ID); /* not the process: OpenMP workers may still spin */
        t0 = clock_s(CLOCK_MONOTONIC);
        st = mode == REFIT_SIM_EXACT ? floor_exact(o->isa, w, buf, &s, &s2, &ks)
                                     : floor_sample(o->isa, w, &s, &s2);
        t1 = clock_s(CLOCK_MONOTONIC);
        c1 = clock_s(CLOCK_THREAD_CPUTIME_ID);
        if (st != REFIT_OK) return fail("kernel_floor", w->name, mname, 1, 0, st);
        mean = s / k;
        se = sqrt(fmax(s2 / k - mean * mean, 0.0) / (k - 1.0));
        if (!warm) {
            warm = 1;
            if (t1 - t0 < 1.0 && !o->quick) continue;
        }
        runs[done++] = t1 - t0;
        if (t1 - t0 < best.run_s) {
            best.run_s = t1 - t0;
            best.cpu_s = c1 - c0;
            best.kernel_s = mode == REFIT_SIM_EXACT ? ks : NAN;
        }
    }
    qsort(runs, done, sizeof runs[0], cmp_double);
    print_row("kernel_floor", w, mname, 1, 0, o->isa, done, &best,
              done % 2 ? runs[done / 2] : 0.5 * (runs[done / 2 - 1] + runs[done / 2]), mean, se,
              truth);
    return 0;
}

static const char usage[] =
    "usage: refit_bench_sim [--reps N] [--quick] [--floor] [--isa scalar|avx2|avx512]\n"
    "                       [--workload A|B] [--mode exact|sample] [--threads 1|2] [--importance 0|1]\n"
    "Times refit_sim_run (and create/result_get/free) on issue 5's workloads; best of N\n"
    "(default 3, at most 64).  --quick: workloads / 10 in chains and generations, 1 repetition.\n"
    "--floor: add the kernel-floor rows (the recursion by hand on the kernels, one thread).\n";

static int parse_int(const char *s, long lo, long hi, long *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < lo || v > hi) return 0;
    *out = v;
    return 1;
}

static int parse(int argc, char **argv, bench_opts *o)
{
    int i;
    long v;
    memset(o, 0, sizeof *o);
    o->reps = 3;
    o->only_mode = -1;
    o->only_importance = -1;
    for (i = 1; i < argc; ++i) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--quick") == 0) {
            o->quick = 1;
        } else if (strcmp(a, "--floor") == 0) {
            o->floor_rows = 1;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage, stdout);
            return -1;
        } else if (val == NULL) {
            fprintf(stderr, "refit_bench_sim: unknown argument '%s' (or its value is missing)\n%s",
                    a, usage);
            return 2;
        } else if (strcmp(a, "--reps") == 0) {
            if (!parse_int(val, 1, 64, &v)) {
                fprintf(stderr, "refit_bench_sim: --reps wants an integer in [1, 64]\n");
                return 2;
            }
            o->reps = (unsigned)v;
            ++i;
        } else if (strcmp(a, "--isa") == 0) {
            int k, found = 0;
            for (k = 0; k < REFIT_ISA_COUNT; ++k)
                if (strcmp(val, refit_isa_name((refit_isa)k)) == 0) {
                    o->isa = (refit_isa)k;
                    found = 1;
                }
            if (!found || !refit_isa_supported(o->isa)) {
                fprintf(stderr, "refit_bench_sim: ISA '%s' unknown or not supported here\n", val);
                return 2;
            }
            o->isa_set = 1;
            ++i;
        } else if (strcmp(a, "--workload") == 0) {
            if (strcmp(val, "A") != 0 && strcmp(val, "B") != 0) {
                fprintf(stderr, "refit_bench_sim: --workload wants A or B\n");
                return 2;
            }
            o->only_workload = val;
            ++i;
        } else if (strcmp(a, "--mode") == 0) {
            if (strcmp(val, "exact") == 0)
                o->only_mode = REFIT_SIM_EXACT;
            else if (strcmp(val, "sample") == 0)
                o->only_mode = REFIT_SIM_SAMPLE;
            else {
                fprintf(stderr, "refit_bench_sim: --mode wants exact or sample\n");
                return 2;
            }
            ++i;
        } else if (strcmp(a, "--threads") == 0) {
            if (!parse_int(val, 1, 256, &v)) {
                fprintf(stderr, "refit_bench_sim: --threads wants an integer in [1, 256]\n");
                return 2;
            }
            o->only_threads = (int)v;
            ++i;
        } else if (strcmp(a, "--importance") == 0) {
            if (!parse_int(val, 0, 1, &v)) {
                fprintf(stderr, "refit_bench_sim: --importance wants 0 or 1\n");
                return 2;
            }
            o->only_importance = (int)v;
            ++i;
        } else {
            fprintf(stderr, "refit_bench_sim: unknown argument '%s'\n%s", a, usage);
            return 2;
        }
    }
    if (o->quick) o->reps = 1;
    return 0;
}

int main(int argc, char **argv)
{
    sim_workload ws[] = {
        {"A", 1000, 1000, 100},
        {"B", 10000, 100, 1000},
    };
    const refit_sim_mode modes[] = {REFIT_SIM_EXACT, REFIT_SIM_SAMPLE};
    const int thread_counts[] = {1, 2};
    bench_opts o;
    size_t i, m, t;
    int imp, rc = parse(argc, argv, &o);
    if (rc != 0) return rc < 0 ? 0 : rc;
    if (!o.isa_set) {
        refit_status st = refit_isa_select(&o.isa); /* REFIT_ISA, else the best */
        if (st != REFIT_OK) {
            fprintf(stderr, "refit_bench_sim: REFIT_ISA: %s\n", refit_strerror(st));
            return 2;
        }
    }
    if (o.quick)
        for (i = 0; i < sizeof ws / sizeof ws[0]; ++i) {
            ws[i].chains /= 10;
            ws[i].gens /= 10;
        }
    for (i = 0; i < sizeof ws / sizeof ws[0]; ++i) {
        if (o.only_workload && strcmp(o.only_workload, ws[i].name) != 0) continue;
        for (m = 0; m < 2; ++m) {
            if (o.only_mode >= 0 && (int)modes[m] != o.only_mode) continue;
            if (o.floor_rows) rc |= floor_row(&ws[i], modes[m], &o);
            for (imp = 0; imp <= 1; ++imp) {
                if (o.only_importance >= 0 && imp != o.only_importance) continue;
                for (t = 0; t < 2; ++t) {
                    int th = o.only_threads ? o.only_threads : thread_counts[t];
                    if (o.only_threads && t > 0) break;
                    rc |= engine_row(&ws[i], modes[m], th, imp, &o);
                }
            }
        }
    }
    return rc;
}
