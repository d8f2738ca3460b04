#!/usr/bin/env python3
"""NumPy doing the work refit_bench times, for the side-by-side table.

Same workloads, sizes and output line format as bench/bench_kernels.c:
  normals          Generator(PCG64).standard_normal into a reused 2^16 buffer
  fused            the literal recursion, vectorised over chains: per generation
                   draw (K, M) standard normals, mean and var (ddof=1) along
                   axis 1, then mu += sigma * mean, sigma *= sqrt(var)
  suffstat_kernel  per generation, for 4096 chains: Z ~ N(0,1) and
                   Q ~ chisquare(M-1); mean = Z / sqrt(M), var = Q / (M-1)
  suffstat         the same plus the mu/sigma update (the recursion)
Single-threaded (thread counts pinned to 1 before NumPy is imported); best of
N short repetitions after one untimed warm-up, on the monotonic perf counter (the
thread's CPU time is printed too: wall >> CPU means the core was shared).
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
NORMAL_CHUNK = 1 << 16
NORMAL_CALLS = 2
SUFF_CHAINS = 4096


def work_normals(rng, calls, buf):
    s = 0.0
    for c in range(calls):
        rng.standard_normal(out=buf)
        s += buf[c % NORMAL_CHUNK]
    return s


def work_fused(rng, M, chains, gens, z):
    mu = np.zeros(chains)
    sigma = np.ones(chains)
    for _ in range(gens):
        rng.standard_normal(out=z)
        m = z.mean(axis=1)
        v = z.var(axis=1, ddof=1)
        mu += sigma * m
        sigma *= np.sqrt(v)
    return float(mu.sum() + sigma.sum())


def work_suffstat(rng, M, gens, update):
    mu = np.zeros(SUFF_CHAINS)
    sigma = np.ones(SUFF_CHAINS)
    rsqrt_m = 1.0 / np.sqrt(M)
    inv_d = 1.0 / (M - 1)
    s = 0.0
    for g in range(gens):
        mean = rng.standard_normal(SUFF_CHAINS) * rsqrt_m
        var = rng.chisquare(M - 1, SUFF_CHAINS) * inv_d
        if update:
            mu += sigma * mean
            sigma *= np.sqrt(var)
        else:
            s += mean[g % SUFF_CHAINS] + var[g % SUFF_CHAINS]
    return s + float(mu.sum() + sigma.sum())


WORKLOADS = [
    # (name, unit, M, chains, generations)
    ("normals", "sample", 0, 1, NORMAL_CALLS),
    ("fused", "sample", 1000, 64, 2),
    ("fused", "sample", 100000, 2, 1),
    ("suffstat_kernel", "chain_gen", 2, SUFF_CHAINS, 16),
    ("suffstat_kernel", "chain_gen", 1000, SUFF_CHAINS, 16),
    ("suffstat", "chain_gen", 2, SUFF_CHAINS, 16),
    ("suffstat", "chain_gen", 1000, SUFF_CHAINS, 16),
    ("suffstat", "chain_gen", 100000, SUFF_CHAINS, 16),
]


def units_of(name, M, chains, gens):
    if name == "normals":
        return gens * NORMAL_CHUNK
    if name == "fused":
        return chains * gens * M
    return chains * gens


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=100, help="timed repetitions, best kept (default 100)")
    ap.add_argument("--quick", action="store_true", help="small workloads, 1 repetition (smoke run)")
    ap.add_argument("--workload", choices=sorted({w[0] for w in WORKLOADS}),
                    help="keep only this workload")
    ap.add_argument("--M", type=int, help="keep only rows with this M")
    args = ap.parse_args()
    reps = 1 if args.quick else max(1, args.reps)
    rng = np.random.Generator(np.random.PCG64(SEED))
    buf = np.empty(NORMAL_CHUNK)
    print(f"refit-bench peer=numpy version={np.__version__} python={sys.version.split()[0]}",
          flush=True)
    for name, unit, M, chains, gens in WORKLOADS:
        if (args.workload and name != args.workload) or (args.M and M != args.M):
            continue
        if args.quick:
            if name == "fused" and chains > 2:
                chains //= 4
            gens = max(1, gens // 4)
        if name == "normals":
            run = lambda: work_normals(rng, gens, buf)  # noqa: E731
        elif name == "fused":
            z = np.empty((chains, M))
            run = lambda: work_fused(rng, M, chains, gens, z)  # noqa: E731
        else:
            upd = name == "suffstat"
            run = lambda: work_suffstat(rng, M, gens, upd)  # noqa: E731
        run()  # warm-up
        best = best_cpu = float("inf")
        checksum = 0.0
        for _ in range(reps):
            c0 = time.thread_time_ns()
            t0 = time.perf_counter_ns()
            checksum = run()
            t1 = time.perf_counter_ns()
            c1 = time.thread_time_ns()
            best = min(best, (t1 - t0) * 1e-9)
            best_cpu = min(best_cpu, (c1 - c0) * 1e-9)
        units = units_of(name, M, chains, gens)
        print(f"refit-bench workload={name} impl=numpy isa=numpy unit={unit} M={M} chains={chains} "
              f"generations={gens} units={units} reps={reps} best_s={best:.17g} best_cpu_s={best_cpu:.17g} "
              f"ns_per_unit={1e9 * best / units:.17g} units_per_s={units / best:.17g} "
              f"checksum={checksum:.17g}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
