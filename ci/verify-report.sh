#!/usr/bin/env bash
# The theorem checks as a report: build (as ci/test.sh does), run the default
# suite of `refit verify`, and write build/verify-report/report.md with its
# figures (drawn by gnuplot when it is installed: ci/install-deps.sh).
# Exit status: that of refit verify (0 every check passes, 1 some fail).
# Usage: bash ci/verify-report.sh [extra refit verify options, e.g. --full]
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$root/build
out=$build/verify-report

cmake -S "$root" -B "$build" -DREFIT_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j2 --target refit_cli
status=0
"$build/refit" verify --report "$out" "$@" || status=$?
echo "verify-report: $out/report.md (exit status $status)"
exit "$status"
