#!/usr/bin/env bash
# Mutation check: each mutant is a deliberately wrong variant of the double
# closed forms (a constant slightly off, M where M-1 belongs, ...).  The
# accuracy and identity suites must FAIL on every mutant; a mutant that
# survives means a test is too weak.  Run by .ci/run; about 4 minutes.
#
#   bash tests/mutation.sh            # all mutants
#   bash tests/mutation.sh 2 5        # only mutants 2 and 5
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d /tmp/refit-mutation.XXXXXX)
trap 'rm -rf "$work"' EXIT

# file | exact text | replacement | what the mutant breaks
mutants=(
  "theory/generation.c|g.k = M - 1.0;|g.k = M;|M where M-1 belongs (k = M)"
  "theory/special.c|dd b1 = dd_mul(dd_div(dd_d(-r), dd_mul(x, xr)), DD_C(REFIT_DD_STIRLING, 1));|dd b1 = dd_mul_d(dd_mul(dd_div(dd_d(-r), dd_mul(x, xr)), DD_C(REFIT_DD_STIRLING, 1)), 1.0 + 1e-10);|Stirling constant 1/12 off by 1e-10"
  "theory/special.c|dd lead = dd_add(dd_mul_d(xk, km1fact), dd_mul_d(dd_mul(xk, xinv), kfact / 2.0));|dd lead = dd_add(dd_mul_d(xk, km1fact), dd_mul_d(dd_mul(xk, xinv), kfact / 2.0000001));|polygamma series constant k!/2 off by 5e-8"
  "theory/regimes.c|A->a[1][0] = dd_div_d(dd_mul_d(dd_mul(lam, u), M), M - 1.0);|A->a[1][0] = dd_div_d(dd_mul_d(dd_mul(lam, u), M), M);|mix: M/(M-1) replaced by 1"
  "theory/regimes.c|dd_add_d(dd_two_prod(tp1, M), -1.0)|dd_two_prod(tp1, M)|accumulate: (t+1)M - 1 replaced by (t+1)M"
  "theory/replace.c|dd e3 = dd_sub(dd_sub(p3, dd_ldexp(gamma, 2)), dd_mul(gamma, p3));|dd e3 = dd_sub(dd_sub(p3, dd_ldexp(gamma, 2)), dd_mul_d(dd_mul(gamma, p3), 1.001));|Var W2^2: third moment term off by 0.1%"
  "theory/replace.c|dd mse = mle ? dd_neg(refit_dd_expm1(s.ln_k_over_D)) : s.inv_M;|dd mse = mle ? dd_neg(refit_dd_expm1(s.ln_k_over_D)) : dd_mul_d(s.inv_M, 1.0 + 1e-12);|mean drift off by 1e-12 relative"
)

selected=("$@")
survivors=0
for i in "${!mutants[@]}"; do
  num=$((i + 1))
  if [ ${#selected[@]} -gt 0 ] && [[ ! " ${selected[*]} " =~ " $num " ]]; then continue; fi
  IFS='|' read -r file from to what <<<"${mutants[$i]}"
  src="$work/src$num"
  mkdir -p "$src"
  (cd "$root" && tar --exclude='./build*' --exclude='./.git' -cf - .) | tar -xf - -C "$src"
  python3 - "$src/$file" "$from" "$to" <<'PY'
import sys
path, old, new = sys.argv[1:4]
text = open(path).read()
if text.count(old) != 1:
    sys.exit("mutation site not found exactly once in %s: %s" % (path, old))
open(path, "w").write(text.replace(old, new))
PY
  cmake -S "$src" -B "$src/build" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$src/build" -j2 --target check_accuracy check_theory >/dev/null
  if "$src/build/tests/check_accuracy" >"$work/log$num" 2>&1 && \
     "$src/build/tests/check_theory" >>"$work/log$num" 2>&1; then
    echo "mutant $num SURVIVED: $what"
    survivors=$((survivors + 1))
  else
    caught=$(grep -E -m1 "F:|Failures" "$work/log$num" | cut -c1-160)
    echo "mutant $num caught: $what -- $caught"
  fi
  rm -rf "$src"
done
if [ "$survivors" -ne 0 ]; then
  echo "mutation check: $survivors mutant(s) survived"
  exit 1
fi
echo "mutation check: every mutant was caught"
