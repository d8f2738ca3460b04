#!/usr/bin/env python3
"""NumPy running the recursion that refit_bench_sim times, for the side-by-side table.

Same workloads and output line format as bench/bench_sim.c (issue 5):
  A   1000 chains x 1000 generations, M = 100
  B  10000 chains x  100 generations, M = 1000
replace regime, unbiased estimator, mu = 0, sigma = 1, all chains at once:
  sample  NumPy's vectorised recursion, as public notebooks write it:
            x = rng.standard_normal((K, M)) * sd[:, None] + mu[:, None]
            mu = x.mean(1); sd = x.std(1, ddof=1)
  exact   NumPy's own chi-square shortcut on the same work:
            z = rng.standard_normal(K); q = rng.chisquare(M - 1, K)
            mu += sd * z / sqrt(M); var = var * q / (M - 1)   (sd = sqrt(var))
Generator(PCG64); single-threaded (thread counts pinned to 1 before NumPy is
imported).  A row whose first repetition takes under a second gets it
discarded as a warm-up; the best of N timed repetitions (default 3) is
reported, the median too.  The process CPU time of the best repetition is
printed: wall well above it means the core was shared.  Each line also carries
the mean of ln sigma_n^2 over the chains and its standard error, to set beside
refit's estimate and the closed form (the same work was done).
A benchmark, not a test: exits 0 whatever the figures are.
"""
import argparse
import os
import sys
import time

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
    os.environ[_var] = "1"

import numpy as np  # noqa: E402  (after the thread settings, on purpose)

SEED = 20240724

WORKLOADS = [
    # (name, chains, generations, M)
    ("A", 1000, 1000, 100),
    ("B", 10000, 100, 1000),
]


def run_sample(rng, K, n, M):
    mu = np.zeros(K)
    sd = np.ones(K)
    for _ in range(n):
        x = rng.standard_normal((K, M)) * sd[:, None] + mu[:, None]
        mu = x.mean(1)
        sd = x.std(1, ddof=1)
    return np.log(sd * sd)


def run_exact(rng, K, n, M):
    mu = np.zeros(K)
    var = np.ones(K)
    rsqrt_m = 1.0 / np.sqrt(M)
    for _ in range(n):
        z = rng.standard_normal(K)
        q = rng.chisquare(M - 1, K)
        mu += np.sqrt(var) * z * rsqrt_m
        var = var * q / (M - 1)
    return np.log(var)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=3, help="timed repetitions, best kept (default 3)")
    ap.add_argument("--quick", action="store_true",
                    help="workloads / 10 in chains and generations, 1 repetition (smoke run)")
    ap.add_argument("--workload", choices=["A", "B"], help="keep only this workload")
    ap.add_argument("--mode", choices=["exact", "sample"], help="keep only this mode")
    args = ap.parse_args()
    reps = 1 if args.quick else max(1, args.reps)
    rng = np.random.Generator(np.random.PCG64(SEED))
    print(f"refit-bench-sim peer=numpy version={np.__version__} python={sys.version.split()[0]}",
          flush=True)
    for name, K, n, M in WORKLOADS:
        if args.workload and name != args.workload:
            continue
        if args.quick:
            K //= 10
            n //= 10
        for mode, fn in (("exact", run_exact), ("sample", run_sample)):
            if args.mode and mode != args.mode:
                continue
            runs = []
            best = best_cpu = float("inf")
            logvar = None
            warm = False
            while len(runs) < reps:
                c0 = time.process_time_ns()
                t0 = time.perf_counter_ns()
                logvar = fn(rng, K, n, M)
                t1 = time.perf_counter_ns()
                c1 = time.process_time_ns()
                wall = (t1 - t0) * 1e-9
                if not warm:
                    warm = True
                    if wall < 1.0 and not args.quick:
                        continue  # a warm-up
                runs.append(wall)
                if wall < best:
                    best, best_cpu = wall, (c1 - c0) * 1e-9
            runs.sort()
            median = runs[len(runs) // 2] if len(runs) % 2 else 0.5 * (runs[len(runs) // 2 - 1] + runs[len(runs) // 2])
            cg = K * n
            samples = cg * M
            lv_mean = float(logvar.mean())
            lv_se = float(logvar.std(ddof=1) / np.sqrt(K))
            print(f"refit-bench-sim workload={name} impl=numpy mode={mode} threads=1 importance=0 "
                  f"isa=numpy M={M} chains={K} generations={n} chain_gens={cg} samples={samples} "
                  f"reps={len(runs)} run_s={best:.17g} median_run_s={median:.17g} create_s=0 get_s=0 "
                  f"free_s=0 total_s={best:.17g} cpu_s={best_cpu:.17g} "
                  f"ns_per_chain_gen={1e9 * best / cg:.17g} samples_per_s={samples / best:.17g} "
                  f"logvar_mean={lv_mean:.17g} logvar_se={lv_se:.17g} logvar_truth=nan", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
