#!/usr/bin/env bash
# Build refit_bench and refit_bench_sim (Release), run them and NumPy's peers
# in the same run, and print two Markdown tables: the kernels per ISA against
# NumPy, and the simulation engine end to end (issue 5's workloads A and B)
# against NumPy's recursion, each with the ratio.
#
#   bash bench/run.sh [--quick] [--reps N] [--passes P] [--sim-reps R]
#                     [--kernels-only | --sim-only] [BUILD_DIR]   (BUILD_DIR: build-bench/)
#
# Kernels: both programs run P times (default 3), alternating, and each row
# keeps its fastest pass.  Simulation: each row is the best of R timed
# repetitions (default 3; a run under a second gets an untimed warm-up).
# A benchmark, not a test: the exit status never depends on a timing.  It is
# 1 only when the build fails or a kernel or the engine reports an error; a missing NumPy
# gives "n/a" in the NumPy columns.  Environment: REFIT_BENCH_PYTHON picks the
# interpreter for the peer (default: /usr/bin/python3, Debian's python3-numpy).
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
reps=100
passes=3
sim_reps=3
do_kernels=1
do_sim=1
quick=()
build=""
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick=(--quick); shift ;;
        --reps)
            [ $# -ge 2 ] || { echo "run.sh: --reps wants a number" >&2; exit 2; }
            reps=$2; shift 2 ;;
        --passes)
            [ $# -ge 2 ] || { echo "run.sh: --passes wants a number" >&2; exit 2; }
            passes=$2; shift 2 ;;
        --sim-reps)
            [ $# -ge 2 ] || { echo "run.sh: --sim-reps wants a number" >&2; exit 2; }
            sim_reps=$2; shift 2 ;;
        --kernels-only) do_sim=0; shift ;;
        --sim-only) do_kernels=0; shift ;;
        -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
        *) build=$1; shift ;;
    esac
done
build=${build:-$root/build-bench}
for n in "$reps" "$passes" "$sim_reps"; do
    case "$n" in ''|*[!0-9]*|0) echo "run.sh: --reps, --passes and --sim-reps want positive integers" >&2; exit 2 ;; esac
done
[ "$sim_reps" -le 64 ] || { echo "run.sh: --sim-reps is at most 64" >&2; exit 2; }
[ $do_kernels -eq 1 ] || [ $do_sim -eq 1 ] || { echo "run.sh: --kernels-only and --sim-only exclude each other" >&2; exit 2; }
[ ${#quick[@]} -eq 0 ] || passes=1

# A fresh build dir skips the test suites (faster, no Check needed); an
# existing one keeps its settings apart from the build type.
extra=()
[ -f "$build/CMakeCache.txt" ] || extra=(-DREFIT_BUILD_TESTS=OFF)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release "${extra[@]}" >"$log" 2>&1 \
    || ! cmake --build "$build" -j2 --target refit_bench refit_bench_sim >>"$log" 2>&1; then
    cat "$log" >&2
    echo "run.sh: build failed (log above)" >&2
    exit 1
fi

python=${REFIT_BENCH_PYTHON:-}
if [ -z "$python" ]; then
    for p in /usr/bin/python3 python3; do
        if "$p" -c 'import numpy' >/dev/null 2>&1; then python=$p; break; fi
    done
fi

cpu=$(awk -F': ' '/^model name/ {m = $2} /^cpu family/ {f = $2} /^model\t/ {n = $2}
    END { if (m != "") printf "%s (family %s, model %s)", m, f, n }' /proc/cpuinfo 2>/dev/null)
cc=$(awk -F= '/^CMAKE_C_COMPILER:/ {print $2}' "$build/CMakeCache.txt")
# read-only queries (--no-optional-locks: not even the index's stat cache is refreshed)
rev=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$root" --no-optional-locks status --porcelain 2>/dev/null | head -1)" ]; then
    rev="$rev (with local changes)"
fi

# The raw lines with, for each timed row, only its fastest pass (in the order
# first seen); other lines once each.
fastest_lines() {
    awk '
    /^refit-bench workload=/ {
        key = $2 " " $3 " " $4 " " $6
        for (i = 2; i <= NF; ++i) if ($i ~ /^best_s=/) t = substr($i, 8) + 0
        if (!(key in best)) { order[++n] = key; best[key] = t; line[key] = $0 }
        else if (t < best[key]) { best[key] = t; line[key] = $0 }
        next
    }
    !seen[$0]++ { order[++n] = "\001" $0 }
    END { for (i = 1; i <= n; ++i) print (substr(order[i], 1, 1) == "\001") ? substr(order[i], 2) : line[order[i]] }
    ' "$1"
}

status=0

# ---- the kernels (issue 4) ----
kernel_section() {
    raw="$build/bench-results.txt"
    {
        for ((pass = 1; pass <= passes; ++pass)); do
            "$build/bench/refit_bench" --reps "$reps" "${quick[@]}" || status=1
            if [ -n "$python" ]; then
                "$python" "$here/numpy_peer.py" --reps "$reps" "${quick[@]}" \
                    || echo "refit-bench peer=numpy error=failed"
            else
                echo "refit-bench peer=numpy error=numpy-not-found"
            fi
        done
    } >"$raw"
    [ $status -eq 0 ] || echo "run.sh: refit_bench reported an error (see stderr above)" >&2

    echo "## refit kernels vs NumPy"
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "- CPU: ${cpu:-unknown}; $(nproc) logical CPUs; every figure is one thread on one core"
    echo "- refit: git $rev, $("${cc:-cc}" --version 2>/dev/null | head -1), Release"
    echo "- $(awk '/^refit-bench peer=numpy/ {sub(/^refit-bench peer=numpy /, ""); print "NumPy: " $0; exit}' "$raw")"
    if [ ${#quick[@]} -gt 0 ]; then
        echo "- QUICK RUN: small workloads, one repetition; the figures are noise"
    else
        echo "- per row: the best of $reps timed repetitions after one untimed warm-up, best of $passes passes"
    fi
    echo
    awk '
    function field(line, key,    n, i, kv, a) {
        n = split(line, a, " ")
        for (i = 2; i <= n; ++i) {
            split(a[i], kv, "=")
            if (kv[1] == key) return substr(a[i], length(key) + 2)
        }
        return ""
    }
    function label(w, M, ch, g) {
        if (w == "normals") return "normal generation (2^16 per call)"
        if (w == "fused") return sprintf("fused sample-and-fit, M=%s (%s chains x %s gens)", M, ch, g)
        if (w == "suffstat_kernel") return sprintf("suffstat sampler alone, M=%s (%s chains x %s gens)", M, ch, g)
        return sprintf("suffstat recursion, M=%s (%s chains x %s gens)", M, ch, g)
    }
    function rate(x) { return x >= 1e9 ? sprintf("%.2f G/s", x / 1e9) : sprintf("%.1f M/s", x / 1e6) }
    function target(w, isa, ups, nsu) {
        if (w == "fused" && isa == "avx512") return ups >= 6e8 ? ">= 600 M/s: met" : ">= 600 M/s: NOT met"
        if (w == "fused" && isa == "avx2") return ups >= 3e8 ? ">= 300 M/s: met" : ">= 300 M/s: NOT met"
        # the issue sets the bound on the sampler; the recursion rows add the
        # benchmark'"'"'s own update loop, so they carry no target
        if (w == "suffstat_kernel") return nsu <= 10 ? "<= 10 ns: met" : "<= 10 ns: NOT met"
        return "-"
    }
    /^refit-bench workload=/ {
        w = field($0, "workload"); M = field($0, "M"); key = w SUBSEP M
        if (field($0, "impl") == "numpy") {
            np[key] = field($0, "units_per_s") + 0
            wall = field($0, "best_s") + 0; cpu = field($0, "best_cpu_s") + 0
            if (cpu > 0 && wall > 1.1 * cpu) busy = busy sprintf("\n- %s, M=%s (numpy): wall %.3g s, CPU %.3g s", w, M, wall, cpu)
            next
        }
        if (!(key in seen)) { seen[key] = 1; order[++nk] = key }
        n++; rkey[n] = key; rw[n] = w; rM[n] = M; risa[n] = field($0, "isa"); runit[n] = field($0, "unit")
        rch[n] = field($0, "chains"); rg[n] = field($0, "generations")
        rns[n] = field($0, "ns_per_unit") + 0; rups[n] = field($0, "units_per_s") + 0
        rcpu[n] = 1e9 * field($0, "best_cpu_s") / field($0, "units")
        wall = field($0, "best_s") + 0; cpu = field($0, "best_cpu_s") + 0
        if (cpu > 0 && wall > 1.1 * cpu) busy = busy sprintf("\n- %s, M=%s (%s): wall %.3g s, CPU %.3g s", w, M, field($0, "isa"), wall, cpu)
        sum = field($0, "checksum")
        if (!(key in ref)) ref[key] = sum
        else if (ref[key] != sum) mismatch[key] = 1
    }
    /^refit-bench skipped/ { skipped = skipped " " field($0, "isa") }
    /^refit-bench error workload=/ {
        errors = errors sprintf("\n- %s, M=%s (%s): kernel status %s", field($0, "workload"), field($0, "M"), field($0, "isa"), field($0, "status"))
    }
    END {
        print "| workload | ISA | ns per unit | per second, one core | NumPy, one core | refit / NumPy | issue-4 target | ns per unit, CPU time |"
        print "|---|---|---|---|---|---|---|---|"
        # grouped by workload (in the order run), the ISAs of each together
        for (j = 1; j <= nk; ++j) for (i = 1; i <= n; ++i) {
            if (rkey[i] != order[j]) continue
            key = rkey[i]
            u = runit[i] == "sample" ? "sample" : "chain-gen"
            npf = (key in np) ? rate(np[key]) : "n/a"
            ratio = (key in np && np[key] > 0) ? sprintf("%.2fx", rups[i] / np[key]) : "n/a"
            printf "| %s | %s | %.2f ns/%s | %s | %s | %s | %s | %.2f |\n", label(rw[i], rM[i], rch[i], rg[i]),
                   risa[i], rns[i], u, rate(rups[i]), npf, ratio, target(rw[i], risa[i], rups[i], rns[i]), rcpu[i]
        }
        print ""
        print "Wall-clock figures (monotonic clock) unless marked CPU time; the targets are judged on wall clock."
        print ""
        if (skipped != "") print "ISAs this CPU cannot run (skipped):" skipped
        if (busy != "") print "Rows whose best wall time exceeds their CPU time by over 10% (the core was shared: the figure understates the speed; rerun on a quiet machine):" busy "\n"
        if (errors != "") print "KERNEL ERRORS (no figure for these rows):" errors "\n"
        nm = 0
        for (k in mismatch) nm++
        if (n == 0) print "No refit figures: refit_bench printed nothing."
        else if (nm == 0) print "Output checksums are identical across the ISAs run (the kernels are meant to be bitwise identical)."
        else print "WARNING: output checksums differ between ISAs for " nm " workload(s); the kernels should be bitwise identical."
    }' <(fastest_lines "$raw")
    echo
    echo "Raw lines (every pass): $raw"
}

# ---- the simulation engine end to end (issue 5) ----
sim_section() {
    local raw_sim="$build/bench-sim-results.txt" load0 load1 sim_status=0
    load0=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)
    {
        "$build/bench/refit_bench_sim" --floor --reps "$sim_reps" "${quick[@]}" || sim_status=1
        if [ -n "$python" ]; then
            "$python" "$here/numpy_sim_peer.py" --reps "$sim_reps" "${quick[@]}" \
                || echo "refit-bench-sim peer=numpy error=failed"
        else
            echo "refit-bench-sim peer=numpy error=numpy-not-found"
        fi
    } >"$raw_sim"
    load1=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)
    if [ $sim_status -ne 0 ]; then
        status=1
        echo "run.sh: refit_bench_sim reported an error (see stderr above)" >&2
    fi

    echo "## refit simulation engine vs NumPy"
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "- CPU: ${cpu:-unknown}; $(nproc) logical CPUs"
    echo "- refit: git $rev, $("${cc:-cc}" --version 2>/dev/null | head -1), Release, ISA $(awk '/^refit-bench-sim workload=/ && / impl=refit / { for (i = 2; i <= NF; ++i) if ($i ~ /^isa=/) { print substr($i, 5); exit } }' "$raw_sim")"
    echo "- $(awk '/^refit-bench-sim peer=numpy/ {sub(/^refit-bench-sim peer=numpy /, ""); print "NumPy: " $0; exit}' "$raw_sim") (single-threaded, as NumPy is)"
    echo "- load average (1, 5, 15 min) before: ${load0:-?}; after: ${load1:-?}"
    if [ ${#quick[@]} -gt 0 ]; then
        echo "- QUICK RUN: workloads / 10 in chains and generations, one repetition; the figures are noise"
    else
        echo "- per row: the best of $sim_reps timed repetitions (a row whose run takes under 1 s gets one untimed warm-up first)"
    fi
    echo "- workloads: A = 1000 chains x 1000 generations x M = 100, B = 10000 chains x 100 generations x M = 1000;"
    echo "  replace regime, unbiased estimator, constant M, one reported generation (at = {generations}), no quantiles, eps = 0;"
    echo "  exact = sufficient statistics (\`REFIT_SIM_EXACT\`), sample = every sample drawn (\`REFIT_SIM_SAMPLE\`, normal D0)"
    echo
    awk '
function field(line, key,    n, i, a) {
    n = split(line, a, " ")
    for (i = 2; i <= n; ++i) if (index(a[i], key "=") == 1) return substr(a[i], length(key) + 2)
    return ""
}
function secs(x) { return x >= 1 ? sprintf("%.2f s", x) : x >= 1e-3 ? sprintf("%.1f ms", 1e3 * x) : sprintf("%.0f us", 1e6 * x) }
function rate(x) { return x >= 1e9 ? sprintf("%.2f G/s", x / 1e9) : sprintf("%.1f M/s", x / 1e6) }
/^refit-bench-sim workload=/ {
    w = field($0, "workload"); m = field($0, "mode"); impl = field($0, "impl")
    th = field($0, "threads"); imp = field($0, "importance")
    key = w SUBSEP m
    run = field($0, "run_s") + 0; cpu = field($0, "cpu_s") + 0
    if (cpu > 0 && cpu < 0.9 * th * run)
        busy = busy sprintf("\n- %s %s, %s, %s thread(s), importance %s: wall %.3g s x %s thread(s), CPU %.3g s", w, m, impl, th, imp, run, th, cpu)
    if (impl == "numpy") {
        np[key] = run; nplv[key] = field($0, "logvar_mean"); npse[key] = field($0, "logvar_se")
        next
    }
    if (impl == "kernel_floor") {
        fl[key] = run; flcg[key] = field($0, "ns_per_chain_gen") + 0
        ks = field($0, "kernel_s"); flk[key] = (ks ~ /^[0-9]/) ? 1e9 * ks / field($0, "chain_gens") : -1
        next
    }
    n++; rw[n] = w; rm[n] = m; rth[n] = th + 0; rimp[n] = imp + 0; rrun[n] = run
    rtot[n] = field($0, "total_s") + 0; rget[n] = field($0, "get_s") + 0
    rcg[n] = field($0, "ns_per_chain_gen") + 0; rsps[n] = field($0, "samples_per_s") + 0
    rcpu[n] = cpu; rreps[n] = field($0, "reps")
    off[w SUBSEP m SUBSEP th SUBSEP imp] = run
    if (th == 1 && imp == 0) {
        if (!(key in seenkey)) { seenkey[key] = 1; keys[++nk] = key }
        lv[key] = field($0, "logvar_mean"); lvse[key] = field($0, "logvar_se"); truth[key] = field($0, "logvar_truth")
        eng1[key] = rcg[n]
    }
}
/^refit-bench-sim error / {
    errors = errors sprintf("\n- %s %s, %s thread(s), importance %s: %s failed, status %s", field($0, "workload"), field($0, "mode"), field($0, "threads"), field($0, "importance"), field($0, "step"), field($0, "status"))
}
/^refit-bench-sim peer=numpy error=/ { nperr = field($0, "error") }
END {
    print "| workload | mode | threads | importance | refit run | ns per chain-gen | samples/s | total (create + run + result_get + free) | result_get | NumPy, 1 thread | refit / NumPy, run | refit / NumPy, total | issue-5 target (run, importance off) | importance cost |"
    print "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    for (i = 1; i <= n; ++i) {
        key = rw[i] SUBSEP rm[i]
        npf = (key in np) ? secs(np[key]) : "n/a"
        r = (key in np && rrun[i] > 0) ? np[key] / rrun[i] : -1
        rt = (key in np && rtot[i] > 0) ? np[key] / rtot[i] : -1
        want = rm[i] == "sample" ? 10 : 5
        tgt = "-"
        if (rimp[i] == 0 && r >= 0) tgt = sprintf(">= %dx: %s", want, r >= want ? "met" : "NOT met")
        cost = "-"
        ok = rw[i] SUBSEP rm[i] SUBSEP rth[i] SUBSEP 0
        if (rimp[i] == 1 && (ok in off) && off[ok] > 0) cost = sprintf("%.2fx the run without", rrun[i] / off[ok])
        rs = (r >= 0) ? sprintf("%.2fx", r) : "n/a"
        rts = (rt >= 0) ? sprintf("%.2fx", rt) : "n/a"
        sps = (rm[i] == "sample") ? rate(rsps[i]) : "-"
        imps = rimp[i] ? "on (4 replicas)" : "off"
        printf "| %s | %s | %s | %s | %s | %.2f ns | %s | %s | %s | %s | %s | %s | %s | %s |\n", \
            rw[i], rm[i], rth[i], imps, secs(rrun[i]), rcg[i], sps, secs(rtot[i]), secs(rget[i]), npf, rs, rts, tgt, cost
    }
    print ""
    print "Wall-clock figures (monotonic clock). refit / NumPy = NumPy time / refit time on the same work; at 2 threads refit uses two cores against single-threaded NumPy. The targets are judged on the run (`refit_sim_run`) with importance sampling off, the like-for-like rows (NumPy runs the plain recursion)."
    print ""
    print "Kernel floor (the same recursion by hand on the kernels, one thread, no engine) and the same work done (mean of ln sigma_n^2 over the chains, against the closed form):"
    print ""
    print "| workload | mode | kernel floor | of which in the kernel | engine, 1 thread | engine / floor | NumPy / floor | E ln sigma_n^2: closed form | refit (importance off, 1 thread) | NumPy |"
    print "|---|---|---|---|---|---|---|---|---|---|"
    for (j = 1; j <= nk; ++j) {
        key = keys[j]; split(key, kp, SUBSEP)
        f = (key in fl) ? sprintf("%.2f ns/chain-gen", flcg[key]) : "n/a"
        ef = (key in fl && flcg[key] > 0) ? sprintf("%.2fx", eng1[key] / flcg[key]) : "n/a"
        nf = (key in fl && (key in np) && fl[key] > 0) ? sprintf("%.2fx", np[key] / fl[key]) : "n/a"
        kf = (key in flk && flk[key] >= 0) ? sprintf("%.2f ns", flk[key]) : "-"
        nps = (key in np) ? sprintf("%.4f +- %.4f", nplv[key], npse[key]) : "n/a"
        printf "| %s | %s | %s | %s | %.2f ns/chain-gen | %s | %s | %.4f | %.4f +- %.4f | %s |\n", kp[1], kp[2], f, kf, eng1[key], ef, nf,
            truth[key], lv[key], lvse[key], nps
    }
    print ""
    if (nperr != "") print "NumPy peer: " nperr " (no NumPy figures).\n"
    if (busy != "") print "Rows whose CPU time is under 90% of wall x threads (the cores were shared, or a thread waited on the other: rerun on a quiet machine):" busy "\n"
    if (errors != "") print "ENGINE ERRORS (no figure for these rows):" errors "\n"
    if (n == 0) print "No refit figures: refit_bench_sim printed nothing."
}' "$raw_sim"
    echo
    echo "Raw lines: $raw_sim"
}

if [ $do_kernels -eq 1 ]; then
    kernel_section
fi
if [ $do_sim -eq 1 ]; then
    [ $do_kernels -eq 0 ] || echo
    sim_section
fi
exit $status
