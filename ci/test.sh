#!/usr/bin/env bash
# The test command: configure build/ as CI does (warnings are errors), build,
# and run the whole ctest suite.  Runs from any directory.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$root/build

cmake -S "$root" -B "$build" -DREFIT_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$build" -j2
ctest --test-dir "$build" --output-on-failure -j2
