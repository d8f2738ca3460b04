#!/usr/bin/env bash
# Mutation check: each mutant is a deliberately wrong variant of library code
# (a constant slightly off, M where M-1 belongs, a broken kernel, ...).  The
# suites named with it must FAIL on every mutant; a mutant that survives
# means a test is too weak.  Run by .ci/run; about 15 s per mutant.
#
#   bash tests/mutation.sh            # all mutants
#   bash tests/mutation.sh 2 5        # only mutants 2 and 5
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d /tmp/refit-mutation.XXXXXX)
trap 'rm -rf "$work"' EXIT

# Mutant lists: tests/mutants/*.txt, one mutant per line:
#   file|exact text (occurs once)|replacement|what it breaks|test targets
# Every listed test target must be built; the mutant is caught when at least
# one of them fails.
mutants=()
for list in "$root"/tests/mutants/*.txt; do
  while IFS= read -r line; do
    case "$line" in ''|'#'*) continue ;; esac
    mutants+=("$line")
  done <"$list"
done

selected=("$@")
# One scratch copy and one build: each mutant edits a file, rebuilds
# incrementally (one object and the links), runs its suites, then the file
# is restored before the next mutant.
src="$work/src"
mkdir -p "$src"
(cd "$root" && tar --exclude='./build*' --exclude='./.git' -cf - .) | tar -xf - -C "$src"
cmake -S "$src" -B "$src/build" -DCMAKE_BUILD_TYPE=Release >/dev/null
survivors=0
for i in "${!mutants[@]}"; do
  num=$((i + 1))
  if [ ${#selected[@]} -gt 0 ] && [[ ! " ${selected[*]} " =~ " $num " ]]; then continue; fi
  IFS='|' read -r file from to what targets <<<"${mutants[$i]}"
  cp "$src/$file" "$work/original"
  python3 - "$src/$file" "$from" "$to" <<'PY'
import sys
path, old, new = sys.argv[1:4]
text = open(path).read()
if text.count(old) != 1:
    sys.exit("mutation site not found exactly once in %s: %s" % (path, old))
open(path, "w").write(text.replace(old, new))
PY
  read -r -a target_list <<<"$targets"
  if ! cmake --build "$src/build" -j2 --target "${target_list[@]}" >"$work/log$num" 2>&1; then
    # A mutant must compile: one that does not tests nothing.
    echo "mutant $num DOES NOT BUILD (fix the list): $what"
    survivors=$((survivors + 1))
  else
    all_passed=1
    for t in "${target_list[@]}"; do
      if ! "$src/build/tests/$t" >>"$work/log$num" 2>&1; then all_passed=0; break; fi
    done
    if [ "$all_passed" -eq 1 ]; then
      echo "mutant $num SURVIVED: $what"
      survivors=$((survivors + 1))
    else
      caught=$(grep -E -m1 "F:|Failures" "$work/log$num" | cut -c1-160)
      echo "mutant $num caught: $what -- $caught"
    fi
  fi
  cp "$work/original" "$src/$file"
done
if [ "$survivors" -ne 0 ]; then
  echo "mutation check: $survivors mutant(s) survived or did not build"
  exit 1
fi
echo "mutation check: every mutant was caught"
