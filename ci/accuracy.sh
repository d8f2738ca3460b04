#!/usr/bin/env bash
# Regenerate docs/accuracy.md, the table of measured worst errors of the
# double-precision closed forms against their MPFR twins.  Builds
# tests/check_accuracy in build/ first if needed (REFIT_BUILD_DIR overrides).
# REFIT_TEST_SCALE (default 1) multiplies the sweep sizes, as in ctest.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${REFIT_BUILD_DIR:-$root/build}
doc=$root/docs/accuracy.md

if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" -DREFIT_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
cmake --build "$build" -j2 --target check_accuracy

# Outside ctest, Check's 4 s default timeout would cut the sweeps short.
export CK_DEFAULT_TIMEOUT=${CK_DEFAULT_TIMEOUT:-300}
mkdir -p "$root/docs"
# Write beside the table and move it in only on success: a failed or
# interrupted run leaves the committed table as it was.
tmp=$doc.tmp
rm -f "$tmp"
trap 'rm -f "$tmp"' EXIT
REFIT_ACCURACY_MD="$tmp" "$build/tests/check_accuracy"
if [ ! -s "$tmp" ]; then
  echo "accuracy: check_accuracy passed but wrote no table to REFIT_ACCURACY_MD" >&2
  exit 1
fi
mv "$tmp" "$doc"
echo "accuracy: wrote $doc"
