#!/usr/bin/env bash
# Line coverage: build an instrumented tree in build-coverage/, run the whole
# ctest suite, then report with gcovr:
#   - a text summary of all project sources (tests/ excluded) on stdout,
#   - an HTML report in build-coverage/coverage/index.html,
#   - a gate: line coverage of the library's double-precision code, theory/*.c
#     (theory/mp/ excluded: the MPFR twins are reported separately, ungated),
#     kernels/, sim/ and verify/, must be at least REFIT_COVERAGE_MIN percent (default 90), else exit 1.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$root/build-coverage
out=$build/coverage
min=${REFIT_COVERAGE_MIN:-90}

cmake -S "$root" -B "$build" -DREFIT_COVERAGE=ON -DREFIT_WERROR=ON -DCMAKE_BUILD_TYPE=Debug
cmake --build "$build" -j2
# Counts from an earlier run would inflate this one.
find "$build" -name '*.gcda' -delete
# A failing test fails this script too, but only after the report is written.
test_rc=0
ctest --test-dir "$build" --output-on-failure -j2 || test_rc=$?

# gcovr's filters are regular expressions on paths relative to the cwd.
cd "$root"
rm -rf "$out"
mkdir -p "$out"
# Run gcov once into a JSON tracefile; every report below reads that.
gcovr --root "$root" -j 2 --exclude 'tests/' --exclude 'examples/' --exclude 'build[^/]*/' \
      --json "$out/coverage.json" "$build"

echo "== coverage: all sources (tests excluded)"
gcovr --root "$root" --add-tracefile "$out/coverage.json" \
      --txt --html-details "$out/index.html" --html-title "refit coverage"

echo "== coverage: theory/mp/ (MPFR twins; reported, not gated)"
gcovr --root "$root" --add-tracefile "$out/coverage.json" --filter 'theory/mp/' --txt

echo "== coverage: theory/ without theory/mp/, kernels/, sim/ and verify/ (gate: lines >= $min%)"
rc=0
gcovr --root "$root" --add-tracefile "$out/coverage.json" --filter 'theory/' --filter 'kernels/' \
      --filter 'sim/' --filter 'verify/' --exclude 'theory/mp/' --txt --fail-under-line "$min" ||
  rc=$?
echo "HTML report: $out/index.html"
status=0
if [ "$rc" -ne 0 ]; then
  echo "coverage: FAIL: line coverage of theory/ (excluding theory/mp/), kernels/, sim/ and verify/ is below $min%" >&2
  status=1
fi
if [ "$test_rc" -ne 0 ]; then
  echo "coverage: FAIL: ctest failed (exit status $test_rc); the figures above may be low" >&2
  status=1
fi
[ "$status" -eq 0 ] && echo "coverage: ok"
exit "$status"
