# The mix regime: rows from the linear recursion of theory-notes section 5
# (re-derived and solved here independently), the summary with lambda* and
# the fixed point or its absence, in table and JSON; CSV holds rows only.
. "$(dirname "$0")/helpers.bash"

# Rows: iterate (e_t, v_t) here and compare.
for est in unbiased mle; do
    run theory --format json --regime mix:0.3 --estimator $est --M 20 --sigma 1.5 --at 0,1,2,3,25,400
    expect_rc 0 "mix $est"
    printf '%s' "$OUT" >"$TMP/mix.json"
    pycheck "mix $est rows and summary" '
import json, math, sys
d = json.load(open(sys.argv[1]))
mle = sys.argv[2] == "mle"
M, lam, s2 = 20.0, 0.3, 2.25
def step(e, v):
    e2 = (1 - lam)**2 * e + lam * s2 / M + (1 - lam) * v / M
    if mle:
        v2 = (M - 1) / M * (lam * s2 + (1 - lam) * v) + lam * (1 - lam) * e
    else:
        v2 = lam * s2 + (1 - lam) * v + M / (M - 1) * lam * (1 - lam) * e
    return e2, v2
bad = []
for r in d["rows"]:
    e, v = 0.0, s2
    for _ in range(r["n"]):
        e, v = step(e, v)
    for k, want in (("var_mean", v), ("mean_mse", e), ("marginal_var", v + e), ("w2sq_lower", e)):
        if not abs(r[k] - want) <= 1e-12 * abs(want) + 1e-300:
            bad.append("n=%d %s = %r, recursion gives %r" % (r["n"], k, r[k], want))
# The fixed point solves e = step(e, v)[0], v = step(e, v)[1]: a 2x2 linear
# system A (e, v) = b, solved by Cramer.
if mle:
    A = [[1 - (1 - lam)**2, -(1 - lam) / M], [-lam * (1 - lam), 1 - (M - 1) / M * (1 - lam)]]
    b = [lam * s2 / M, (M - 1) / M * lam * s2]
else:
    A = [[1 - (1 - lam)**2, -(1 - lam) / M], [-M / (M - 1) * lam * (1 - lam), lam]]
    b = [lam * s2 / M, lam * s2]
det = A[0][0] * A[1][1] - A[0][1] * A[1][0]
e_star = (b[0] * A[1][1] - A[0][1] * b[1]) / det
v_star = (A[0][0] * b[1] - A[1][0] * b[0]) / det
s = d["summary"]
lstar = 0.0 if mle else 1 - math.sqrt(1 - 1 / M)
if not abs(s["lambda_star"] - lstar) <= 1e-14:
    bad.append("lambda_star = %r, expected %r" % (s["lambda_star"], lstar))
if s["lambda"] != lam:
    bad.append("summary lambda = %r" % s["lambda"])
fp = s.get("fixed_point")
if not isinstance(fp, dict):
    bad.append("fixed_point missing for lambda %g > lambda* %g: %r" % (lam, lstar, s))
else:
    for k, want in (("var_mean", v_star), ("mean_mse", e_star), ("marginal_var", v_star + e_star)):
        if not abs(fp[k] - want) <= 1e-12 * want:
            bad.append("fixed point %s = %r, expected %r" % (k, fp[k], want))
if bad:
    print("\n".join(bad)); sys.exit(1)
' "$TMP/mix.json" $est
done

# Table: the summary follows the rows.
run theory --regime mix:0.3 --M 20 --at 0,5
expect_rc 0 "mix table"
expect_out_contains "lambda_star"
expect_out_contains "fixed point"
tail=$(printf '%s\n' "$OUT" | tail -n 2)
case "$tail" in
*lambda_star*var_mean*mean_mse*marginal_var*) ;;
*) fail "mix table: the last two lines should be the summary, got: $tail" ;;
esac
# CSV: rows only.
run theory --regime mix:0.3 --M 20 --at 0,5 --format csv
[ "$(count_lines "$OUT")" -eq 3 ] || fail "mix csv should hold the header and 2 rows only, got: $OUT"

# Unbiased, M = 100: lambda* = 1 - sqrt(0.99) ~ 0.005; lambda = 0.004 diverges.
run theory --regime mix:0.004 --M 100 --at 0,10
expect_rc 0 "mix below lambda*"
expect_out_contains "diverges"
run theory --regime mix:0.004 --M 100 --at 0,10 --format json
printf '%s' "$OUT" >"$TMP/div.json"
pycheck "diverging mix json" '
import json, sys
s = json.load(open(sys.argv[1]))["summary"]
assert s["fixed_point"] is None, s
assert s["converges"] is False, s
assert abs(s["lambda_star"] - 0.0050125628933800) < 1e-15, s
' "$TMP/div.json"
# MLE: lambda* = 0, so even a tiny lambda converges.
run theory --regime mix:0.004 --M 100 --estimator mle --at 1 --format json
printf '%s' "$OUT" >"$TMP/mle.json"
pycheck "mle mix converges" '
import json, sys
s = json.load(open(sys.argv[1]))["summary"]
assert s["lambda_star"] == 0 and s["converges"] is True and s["fixed_point"]["var_mean"] > 0, s
' "$TMP/mle.json"

# A non-constant schedule: lambda* for M_0, no fixed point claimed.
run theory --regime mix:0.5 --schedule poly:10,1 --at 0,3 --format json
expect_rc 0 "mix with a poly schedule"
printf '%s' "$OUT" >"$TMP/poly.json"
pycheck "mix with a poly schedule" '
import json, math, sys
s = json.load(open(sys.argv[1]))["summary"]
assert abs(s["lambda_star"] - (1 - math.sqrt(1 - 1 / 10))) < 1e-15, s
assert s["fixed_point"] is None, s
' "$TMP/poly.json"

finish
