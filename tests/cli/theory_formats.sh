# The three output formats of `refit theory`: CSV header and shape, valid
# JSON with command/params/rows, and the same numbers in table, CSV and JSON.
. "$(dirname "$0")/helpers.bash"

csv_header() { printf 'n,%s' "$(echo "$1" | tr ' ' ',')"; }

# CSV: header exactly "n," + names in enum order, one line per n.
run theory --format csv --at 0,3,7
expect_rc 0 "csv"
want=$(csv_header "$QUANTITIES_REPLACE")
got=$(printf '%s\n' "$OUT" | head -n 1)
[ "$got" = "$want" ] || fail "csv header is '$got', expected '$want'"
[ "$(count_lines "$OUT")" -eq 4 ] || fail "csv: expected 4 lines (header + 3 rows), got $(count_lines "$OUT")"
col1=$(printf '%s\n' "$OUT" | sed 1d | cut -d, -f1 | tr '\n' ' ')
[ "$col1" = "0 3 7 " ] || fail "csv: first column is '$col1', expected '0 3 7 '"
bad=$(printf '%s\n' "$OUT" | awk -F, 'NF != 14')
[ -z "$bad" ] || fail "csv: lines without 14 fields: $bad"
csv_out=$OUT

# Other regimes name only the quantities they have; --moments adds var_pow<r>
# columns named as typed.
run theory --format csv --regime accumulate --at 1
want=$(csv_header "$QUANTITIES_OTHER")
got=$(printf '%s\n' "$OUT" | head -n 1)
[ "$got" = "$want" ] || fail "accumulate csv header is '$got', expected '$want'"
run theory --format csv --regime mix:0.25 --at 1
got=$(printf '%s\n' "$OUT" | head -n 1)
[ "$got" = "$want" ] || fail "mix csv header is '$got', expected '$want'"
[ "$(count_lines "$OUT")" -eq 2 ] || fail "mix csv must hold rows only (no summary), got: $OUT"
run theory --format csv --moments 2,0.5,-0.25,1e0 --at 1
want="$(csv_header "$QUANTITIES_REPLACE"),var_pow2,var_pow0.5,var_pow-0.25,var_pow1e0"
got=$(printf '%s\n' "$OUT" | head -n 1)
[ "$got" = "$want" ] || fail "csv header with --moments is '$got', expected '$want'"

# JSON: parses; command, params (every model parameter) and one row per n
# with every quantity as a number.
run theory --format json --at 0,3,7 --M 50 --mu 1.5 --sigma 2 --estimator mle
expect_rc 0 "json"
printf '%s' "$OUT" >"$TMP/a.json"
pycheck "json structure" '
import json, sys
d = json.load(open(sys.argv[1]))
names = sys.argv[2].split()
assert d["command"] == "theory", d["command"]
p = d["params"]
assert p["schedule"] == {"kind": "const", "M": 50}, p["schedule"]
assert p["estimator"] == "mle" and p["regime"] == "replace", p
assert p["mu"] == 1.5 and p["sigma"] == 2, p
assert p["at"] == [0, 3, 7], p["at"]
assert [r["n"] for r in d["rows"]] == [0, 3, 7], d["rows"]
for r in d["rows"]:
    assert list(r) == ["n"] + names, list(r)
    for k in names:
        assert isinstance(r[k], (int, float)), (k, r[k])
' "$TMP/a.json" "$QUANTITIES_REPLACE"

# The same numbers in all three formats (17 significant digits round-trip).
run theory --format table --at 0,3,7 --M 50 --mu 1.5 --sigma 2 --estimator mle
printf '%s\n' "$OUT" >"$TMP/a.table"
run theory --format csv --at 0,3,7 --M 50 --mu 1.5 --sigma 2 --estimator mle
printf '%s\n' "$OUT" >"$TMP/a.csv"
pycheck "table, csv and json agree" '
import csv, json, sys
rows = json.load(open(sys.argv[1]))["rows"]
c = list(csv.DictReader(open(sys.argv[2])))
lines = open(sys.argv[3]).read().split("\n")
header = lines[1].split()
assert header == ["n", "0", "3", "7"], header
table = {l.split()[0]: l.split()[1:] for l in lines[2:] if l.strip()}
for i, r in enumerate(rows):
    for k, v in r.items():
        assert float(c[i][k]) == v, ("csv", k, c[i][k], v)
        if k != "n":
            assert float(table[k][i]) == v, ("table", k, table[k][i], v)
' "$TMP/a.json" "$TMP/a.csv" "$TMP/a.table"

# Doubles are printed with 17 significant digits: a value that is not a
# short decimal (mean_mse = n/M = 1/3 here) shows all 17.
run theory --format csv --M 3 --at 1
v=$(printf '%s\n' "$OUT" | sed 1d | cut -d, -f9)
case "$v" in
0.33333333333333331 | 0.33333333333333337 | 0.33333333333333326) ;;
*) fail "mean_mse at M=3, n=1 printed as '$v', expected 1/3 with 17 significant digits" ;;
esac

# JSON for the mix regime carries a summary; other formats' shapes hold.
run theory --format json --regime mix:0.5 --at 0,10
printf '%s' "$OUT" >"$TMP/m.json"
pycheck "mix json" '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["params"]["regime"] == "mix" and d["params"]["lambda"] == 0.5, d["params"]
s = d["summary"]
for k in ("lambda", "lambda_star", "fixed_point"):
    assert k in s, (k, s)
' "$TMP/m.json"

# JSON with a list schedule names the file and the sizes; the file name is escaped.
f="$TMP/we\"ird\\name.txt"
printf '5\n7\n' >"$f"
run theory --format json --schedule "list:$f" --at 0,1,5
expect_rc 0 "json with an odd list file name"
printf '%s' "$OUT" >"$TMP/l.json"
pycheck "list json" '
import json, sys
d = json.load(open(sys.argv[1]))
s = d["params"]["schedule"]
assert s == {"kind": "list", "file": sys.argv[2], "sizes": [5, 7]}, s
' "$TMP/l.json" "$f"

finish
