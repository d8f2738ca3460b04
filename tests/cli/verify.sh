# `refit verify`: the quick suite passes (exit 0) in every format; each
# check's --perturb flips it to fail (exit 1); bad input exits 2 with one
# stderr line and nothing on stdout; --report writes report.md, the figures'
# data and scripts and (with gnuplot) the pictures it links; stdout is the
# same for two runs and for --threads 1 and 2.  Seeds: the suite's default
# (printed in every output).  About 30-60 s on 2 cores.
. "$(dirname "$0")/helpers.bash"

IDS="collapse-as w2-diverges marginal-var superlinear martingale accumulate mix tail-bounds certify"

# expect_verify_error OPTION ARGS...: exit 2, nothing on stdout, one stderr
# line "refit verify: OPTION: ... expected ...".
expect_verify_error() {
    local option=$1
    shift
    run verify "$@"
    [ "$RC" -eq 2 ] || fail "refit verify $*: exit status $RC, expected 2 (bad $option; stderr: $ERR)"
    [ -z "$OUT" ] || fail "refit verify $*: wrote to stdout on bad input: $(printf '%s' "$OUT" | head -c 200)"
    [ "$(count_lines "$ERR")" -eq 1 ] ||
        fail "refit verify $*: expected exactly one stderr line, got $(count_lines "$ERR"): $ERR"
    case "$ERR" in
    "refit verify: $option: "*"expected"*) ;;
    *) fail "refit verify $*: stderr should read 'refit verify: $option: ... expected ...', got: $ERR" ;;
    esac
}

# ---- help ----------------------------------------------------------------------
run verify --help
expect_rc 0 "verify --help"
expect_out_contains "usage: refit verify"
for word in --quick --full --format --report --only --perturb --seed --threads --quiet $IDS; do
    expect_out_contains "$word"
done
run --help
expect_out_contains "verify"
verify_line=$(printf '%s\n' "$OUT" | grep '^  verify ')
[ -n "$verify_line" ] || fail "refit --help has no verify line"
case "$verify_line" in *"not implemented"*) fail "refit --help: $verify_line" ;; esac

# ---- bad input (parsed before any work: instant) ------------------------------------
printf 'not a folder\n' >"$TMP/afile"
expect_verify_error --full --quick --full
expect_verify_error --quick --full --quick
expect_verify_error --quick --quick --quick
for v in xml csv "" TABLE; do expect_verify_error --format --format "$v"; done
for v in nosuch "" "collapse-as,,mix" "collapse-as,nosuch" "collapse-as,collapse-as" ","; do
    expect_verify_error --only --only "$v"
done
for v in nosuch "" "collapse-as,mix"; do expect_verify_error --perturb --perturb "$v"; done
expect_verify_error --perturb --only certify --perturb mix
for v in -1 x 1.5 18446744073709551616 ""; do expect_verify_error --seed --seed "$v"; done
for v in 0 1025 -2 x ""; do expect_verify_error --threads --threads "$v"; done
expect_verify_error --report --report ""
expect_verify_error --report --report "$TMP/afile"
expect_verify_error --report --report "$TMP/afile/sub"
expect_verify_error --seed --seed 1 --seed 2
expect_verify_error --quiet --quiet --quiet
expect_verify_error --M --M 10
run verify --only nosuch
case "$ERR" in *"collapse-as"*"certify"*) ;; *) fail "--only nosuch: the message should list the ids: $ERR" ;; esac
run verify extra
[ "$RC" -eq 2 ] && [ -z "$OUT" ] && [ "$(count_lines "$ERR")" -eq 1 ] ||
    fail "refit verify extra (a positional argument): rc $RC, stderr '$ERR'"
# A failed --report leaves nothing behind it created.
[ ! -e "$TMP/afile/sub" ] || fail "--report under a file created something"

# ---- the quick suite: table ---------------------------------------------------------
run verify --quick
expect_rc 0 "verify --quick (every check should pass at the default seed)"
[ -z "$ERR" ] || fail "verify --quick wrote to stderr (no terminal, so no progress expected): $ERR"
table_out=$OUT
for id in $IDS; do
    printf '%s\n' "$OUT" | grep -q -- "^---- [0-9]*/9 $id -* PASS$" ||
        fail "verify --quick: no PASS block header for $id"
done
for word in "title" "source" "claim" "params" "rule" "summary:" "z_crit" "alpha" "9 checks, 9 passed, 0 failed"; do
    expect_out_contains "$word"
done
long=$(printf '%s\n' "$OUT" | awk 'length($0) > 100' | head -3)
[ -z "$long" ] || fail "verify --quick: table lines wider than 100 columns: $long"

# --threads 1 prints the same bytes as the default (2 threads).
run verify --quick --threads 1
expect_rc 0 "verify --quick --threads 1"
[ "$OUT" = "$table_out" ] || fail "verify --quick: stdout differs between --threads 1 and 2"

# ---- json: valid, 9 checks, all pass; two runs identical ------------------------------
run verify --quick --format json
expect_rc 0 "verify --quick --format json"
json_out=$OUT
printf '%s\n' "$OUT" >"$TMP/v.json"
python3 -m json.tool "$TMP/v.json" >/dev/null 2>"$TMP/jerr" || fail "verify json is not valid JSON: $(cat "$TMP/jerr")"
pycheck "verify --quick json content" '
import json, math, sys
d = json.load(open(sys.argv[1]))
ids = sys.argv[2].split()
bad = []
checks = d["checks"]
if [c["id"] for c in checks] != ids:
    bad.append("ids %s, expected %s" % ([c["id"] for c in checks], ids))
item_keys = {"what", "kind", "n", "exact", "exact_mp", "estimate", "se", "lo", "hi",
             "reliable", "bound", "score", "tolerance", "pass"}
for c in checks:
    if c["verdict"] != "pass": bad.append("%s: verdict %s" % (c["id"], c["verdict"]))
    if c["perturbed"] is not False: bad.append("%s: perturbed" % c["id"])
    for k in ("title", "source", "claim", "params", "rule"):
        if not isinstance(c.get(k), str) or not c[k]: bad.append("%s: empty %s" % (c["id"], k))
    if not c["items"]: bad.append("%s: no items" % c["id"])
    for it in c["items"]:
        if set(it) != item_keys: bad.append("%s: item keys %s" % (c["id"], sorted(it)))
        if it["pass"] is not True: bad.append("%s: item %r fails" % (c["id"], it["what"]))
        if it["kind"] not in ("certify", "exact", "monte_carlo", "mc_property"):
            bad.append("%s: kind %r" % (c["id"], it["kind"]))
        if it["kind"] == "monte_carlo":
            if it["estimate"] is None or it["exact"] is None or it["se"] is None:
                bad.append("%s: MC item %r lacks estimate/exact/se" % (c["id"], it["what"]))
            elif abs(it["score"]) > it["tolerance"]:
                bad.append("%s: MC item %r passes with |z| > z_crit" % (c["id"], it["what"]))
s = d["summary"]
if (s["checks"], s["passed"], s["failed"], s["all_pass"]) != (9, 9, 0, True):
    bad.append("summary %r" % s)
n_mc = sum(1 for c in checks for it in c["items"] if it["kind"] in ("monte_carlo", "mc_property"))
if s["mc_items"] < 1: bad.append("no Monte Carlo items")
# Bonferroni: z_crit = Phi^{-1}(1 - alpha/(2N)), checked with the inverse of erfc.
a = s["alpha"] / (2 * s["mc_items"])
lo, hi = 0.0, 40.0
for _ in range(200):
    mid = 0.5 * (lo + hi)
    if 0.5 * math.erfc(mid / math.sqrt(2)) > a: lo = mid
    else: hi = mid
if abs(s["z_crit"] - lo) > 1e-6 * lo: bad.append("z_crit %r, expected %r" % (s["z_crit"], lo))
if bad: sys.exit("\n".join(bad))
' "$TMP/v.json" "$IDS"
run verify --quick --format json
[ "$OUT" = "$json_out" ] || fail "verify --quick --format json: two runs print different stdout"

# ---- markdown ---------------------------------------------------------------------
run verify --quick --only certify,mix --format markdown
expect_rc 0 "verify --only certify,mix --format markdown"
case "$OUT" in "# refit verify: 2 of 2 checks pass"*) ;; *) fail "markdown: first line is '$(printf '%s\n' "$OUT" | head -1)'" ;; esac
expect_out_contains "## \`mix\`: PASS"
expect_out_contains "## \`certify\`: PASS"
expect_out_contains "|---|"

# ---- each check fails when its premise is broken ---------------------------------
for id in $IDS; do
    run verify --quick --only "$id" --perturb "$id" --format json
    expect_rc 1 "verify --quick --only $id --perturb $id (the broken check must fail)"
    printf '%s\n' "$OUT" >"$TMP/p.json"
    pycheck "--perturb $id" '
import json, sys
d = json.load(open(sys.argv[1]))
c = d["checks"]
if len(c) != 1 or c[0]["id"] != sys.argv[2]: sys.exit("checks %r" % [x["id"] for x in c])
if c[0]["verdict"] != "fail" or c[0]["perturbed"] is not True:
    sys.exit("verdict %r perturbed %r" % (c[0]["verdict"], c[0]["perturbed"]))
if d["summary"]["all_pass"] is not False or d["params"]["perturb"] != sys.argv[2]:
    sys.exit("summary %r params %r" % (d["summary"], d["params"]))
' "$TMP/p.json" "$id"
done
# The table says loudly that the failure was on purpose.
run verify --quick --only mix --perturb mix
expect_rc 1 "verify --quick --only mix --perturb mix (table)"
expect_out_contains "ON PURPOSE"
expect_out_contains "BROKEN ON PURPOSE (--perturb mix)"
printf '%s\n' "$OUT" | grep -q -- "^---- 1/1 mix -* FAIL$" || fail "--perturb mix: no FAIL header"

# ---- --report ------------------------------------------------------------------------
# check_report DIR PICTURES: report.md, and per figure a .dat and a .gp; with
# PICTURES=1 every figure drawn (non-empty PNG/SVG) and linked from report.md.
check_report() {
    pycheck "--report $1" '
import os, re, sys
d, pictures = sys.argv[1], sys.argv[2] == "1"
bad = []
md = open(os.path.join(d, "report.md")).read()
if not md.startswith("# refit verify: "): bad.append("report.md does not start with the title")
if "## Figures" not in md: bad.append("report.md has no figures section")
for fig in ("fan", "w2", "histogram", "regimes"):
    for ext in (".dat", ".gp"):
        p = os.path.join(d, fig + ext)
        if not os.path.isfile(p) or os.path.getsize(p) == 0: bad.append("missing or empty " + p)
    dat = open(os.path.join(d, fig + ".dat")).read().splitlines()
    if not dat or not dat[0].startswith("#"): bad.append(fig + ".dat has no header comment")
    rows = [l.split() for l in dat if l.strip() and not l.startswith("#")]
    # x y, x y lo hi, or a band: x lo hi; every field a number or nan.
    if not rows or any(len(r) not in (2, 3, 4) for r in rows): bad.append(fig + ".dat: bad rows")
    for r in rows:
        try: [float(v) for v in r]
        except ValueError: bad.append(fig + ".dat: not a number in %r" % r); break
    drawn = [fig + e for e in (".png", ".svg") if os.path.isfile(os.path.join(d, fig + e))]
    if pictures:
        if not drawn: bad.append("no picture for " + fig)
        for name in drawn:
            data = open(os.path.join(d, name), "rb").read()
            if name.endswith(".png") and not data.startswith(b"\x89PNG"): bad.append(name + " is not a PNG")
            if name.endswith(".svg") and b"<svg" not in data[:2000]: bad.append(name + " is not an SVG")
            if "](%s)" % name not in md: bad.append("report.md does not link " + name)
    elif drawn: bad.append("pictures without gnuplot: %s" % drawn)
for link in re.findall(r"\]\(([^)#]+)\)", md):
    if not os.path.isfile(os.path.join(d, link)): bad.append("report.md links a missing file " + link)
if bad: sys.exit("\n".join(bad))
' "$1" "$2"
}

if command -v gnuplot >/dev/null 2>&1; then
    run verify --quick --only certify --report "$TMP/rep/a/b" --format json
    expect_rc 0 "verify --report (gnuplot on PATH)"
    [ -z "$ERR" ] || fail "verify --report with gnuplot wrote to stderr: $ERR"
    python3 -m json.tool "$TMP/out" >/dev/null 2>&1 || fail "--report: stdout is not the JSON output"
    check_report "$TMP/rep/a/b" 1
else
    echo "note: gnuplot not on PATH; the pictures of --report are not checked" >&2
fi
# Without gnuplot: everything else is written, one warning line, exit by the verdicts.
mkdir -p "$TMP/nognuplot"
CHECKS=$((CHECKS + 1))
PATH="$TMP/nognuplot" "$REFIT" verify --quick --only certify --report "$TMP/rep2" >"$TMP/out" 2>"$TMP/err"
RC=$?
ERR=$(cat "$TMP/err")
[ "$RC" -eq 0 ] || fail "verify --report without gnuplot: exit $RC (stderr: $ERR)"
[ "$(count_lines "$ERR")" -eq 1 ] && case "$ERR" in *gnuplot*) true ;; *) false ;; esac ||
    fail "verify --report without gnuplot: expected one warning line naming gnuplot, got: $ERR"
check_report "$TMP/rep2" 0

finish
