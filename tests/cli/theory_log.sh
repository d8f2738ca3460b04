# --log and values outside the double range: out-of-range cells, the one
# stderr note, ln_ columns, and -inf for ln 0.
. "$(dirname "$0")/helpers.bash"

# Under the unbiased estimator with M = 3, Var sigma_n^2 = sigma^4 (2^n - 1)
# and E sigma_n^4 = 2^n sigma^4 overflow double long before n = 100000.
NOTE="refit: note: some values are outside the double range; rerun with --log"
for fmt in table csv json; do
    run theory --M 3 --at 0,100000 --moments 2 --format $fmt
    expect_rc 0 "out of range, $fmt"
    [ "$ERR" = "$NOTE" ] || fail "out of range, $fmt: stderr should be exactly the note line, got: $ERR"
    printf '%s\n' "$OUT" >"$TMP/o.$fmt"
done
grep -q '^var_var  *0  *out-of-range$' "$TMP/o.table" ||
    fail "table: var_var at n=100000 should print out-of-range: $(grep '^var_var' "$TMP/o.table")"
grep -q '^var_pow2  *1  *out-of-range$' "$TMP/o.table" ||
    fail "table: var_pow2 at n=100000 should print out-of-range: $(grep '^var_pow2' "$TMP/o.table")"
pycheck "out-of-range cells in csv and json" '
import csv, json, sys
c = list(csv.DictReader(open(sys.argv[1])))
j = json.load(open(sys.argv[2]))["rows"]
assert c[1]["n"] == "100000" and j[1]["n"] == 100000
for k in ("var_var", "var_pow2"):
    assert c[1][k] == "", ("csv cell should be empty", k, c[1][k])
    assert j[1][k] is None, ("json cell should be null", k, j[1][k])
    assert float(c[0][k]) == j[0][k], (k, c[0][k], j[0][k])
# Columns that fit stay numbers: var_mean is sigma^2 = 1 at every n.
assert float(c[1]["var_mean"]) == 1.0 and j[1]["var_mean"] == 1.0, (c[1]["var_mean"], j[1]["var_mean"])
' "$TMP/o.csv" "$TMP/o.json"

# No note when everything fits.
run theory --M 3 --at 0,10
[ -z "$ERR" ] || fail "values in range: stderr should be empty, got: $ERR"

# --log: non-signed quantities become ln_<name>, the signed ones
# (logvar_mean, logvar_k3) keep their names and plain values.
run theory --log --format csv --at 1 --moments 2
want="n,ln_var_mean,ln_var_var,ln_sd_mean,logvar_mean,ln_logvar_var,logvar_k3,ln_logvar_k4,ln_mean_mse,ln_marginal_var,ln_w2sq_mean,ln_w2sq_var,ln_w2sq_lower,ln_var_median,ln_var_pow2"
got=$(printf '%s\n' "$OUT" | head -n 1)
[ "$got" = "$want" ] || fail "--log csv header is '$got', expected '$want'"
run theory --log --regime mix:0.5 --format csv --at 1
got=$(printf '%s\n' "$OUT" | head -n 1)
[ "$got" = "n,ln_var_mean,ln_mean_mse,ln_marginal_var,ln_w2sq_lower" ] ||
    fail "--log mix csv header is '$got'"

# ln values equal the logs of the plain values where those fit.
run theory --format csv --M 7 --sigma 3 --at 1,5,60 --moments 2,-1.5
printf '%s\n' "$OUT" >"$TMP/plain.csv"
run theory --format csv --M 7 --sigma 3 --at 1,5,60 --moments 2,-1.5 --log
expect_rc 0 "--log"
[ -z "$ERR" ] || fail "--log: unexpected stderr: $ERR"
printf '%s\n' "$OUT" >"$TMP/log.csv"
pycheck "ln_ columns are logs of the plain ones" '
import csv, math, sys
p = list(csv.DictReader(open(sys.argv[1])))
l = list(csv.DictReader(open(sys.argv[2])))
bad = []
for a, b in zip(p, l):
    for k, v in a.items():
        if k == "n":
            continue
        if k in ("logvar_mean", "logvar_k3"):
            if b[k] != v:
                bad.append("n=%s %s: %s with --log, %s without" % (a["n"], k, b[k], v))
            continue
        x, y = float(v), float(b["ln_" + k])
        if not abs(y - math.log(x)) <= 1e-13 * max(1.0, abs(y)):
            bad.append("n=%s ln_%s = %r, log(%s) = %r" % (a["n"], k, y, k, math.log(x)))
if bad:
    print("\n".join(bad)); sys.exit(1)
' "$TMP/plain.csv" "$TMP/log.csv"

# --log reaches what overflows: ln Var sigma_n^2 = ln(2^n - 1) ~ n ln 2 at M = 3,
# ln E sigma_n^4 = n ln 2, and no note.
run theory --M 3 --at 100000 --moments 2 --log --format json
expect_rc 0 "--log at n=100000"
[ -z "$ERR" ] || fail "--log at n=100000: stderr should be empty, got: $ERR"
printf '%s' "$OUT" >"$TMP/big.json"
pycheck "ln values beyond the double range" '
import json, math, sys
r = json.load(open(sys.argv[1]))["rows"][0]
want = 100000 * math.log(2)
for k in ("ln_var_var", "ln_var_pow2"):
    assert abs(r[k] - want) <= 1e-12 * want, (k, r[k], want)
assert r["ln_var_mean"] == 0.0, r["ln_var_mean"]
assert json.load(open(sys.argv[1]))["params"]["log"] is True
' "$TMP/big.json"

# ln 0: at n = 0 the spreads and errors are 0; their logs print -inf in
# table and csv, null in json.
run theory --log --at 0 --format csv
printf '%s\n' "$OUT" >"$TMP/z.csv"
run theory --log --at 0 --format json
printf '%s' "$OUT" >"$TMP/z.json"
run theory --log --at 0
printf '%s\n' "$OUT" >"$TMP/z.table"
pycheck "ln 0 prints -inf / null" '
import csv, json, sys
c = list(csv.DictReader(open(sys.argv[1])))[0]
j = json.load(open(sys.argv[2]))["rows"][0]
t = {l.split()[0]: l.split()[1:] for l in open(sys.argv[3]).read().split("\n")[2:] if l.strip()}
zero = ["ln_var_var", "ln_logvar_var", "ln_logvar_k4", "ln_mean_mse", "ln_w2sq_mean", "ln_w2sq_var", "ln_w2sq_lower"]
for k in zero:
    assert c[k] == "-inf", ("csv", k, c[k])
    assert j[k] is None, ("json", k, j[k])
    assert t[k] == ["-inf"], ("table", k, t[k])
for k in ("ln_var_mean", "ln_sd_mean", "ln_marginal_var"):
    assert float(c[k]) == 0.0 and j[k] == 0.0, (k, c[k], j[k])
' "$TMP/z.csv" "$TMP/z.json" "$TMP/z.table"

finish
