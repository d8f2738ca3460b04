# The distribution of sigma_n^2 in `refit theory`: var_median, --quantiles,
# --eps (collapse_prob), --collapse-time, their --log forms, formats and
# errors.  Expected values come from facts independent of refit's code:
# n = 1 is a scaled chi-square (closed forms for k = 2 and k = 4, and the
# chi^2_1 median), n = 2 at M = 3 is a product of two Exp(1) variables
# (numerical integration here), the drift has closed forms at M = 3 and 10,
# and the collapse time is simulated (fixed seed).
. "$(dirname "$0")/helpers.bash"

csv() { # csv FILE ARGS...: refit theory --format csv ARGS > FILE, must succeed silently
    local file=$1
    shift
    run theory --format csv "$@"
    expect_rc 0 "$*"
    [ -z "$ERR" ] || fail "refit theory --format csv $*: unexpected stderr: $ERR"
    printf '%s\n' "$OUT" >"$file"
}

PY_LIB='
import csv, json, math, random, sys
bad = []
def table(path):
    return {int(r["n"]): {k: (float(v) if v != "" else None) for k, v in r.items() if k != "n"}
            for r in csv.DictReader(open(path))}
def close(what, got, want, tol):
    if got is None or not abs(got - want) <= tol * max(1.0, abs(want)):
        bad.append("%s: got %r, expected %r (tolerance %g)" % (what, got, want, tol))
def done():
    if bad:
        print("\n".join(bad)); sys.exit(1)
EULER = 0.57721566490153286060651209008240243
'

# ---- columns: var_median by default (replace only), then var_q<p> as typed, collapse_prob
run theory --format csv --at 1 --quantiles 0.05,0.5,.95,1e-3 --eps 0.25 --moments 2
expect_rc 0 "distribution columns"
want="n,$(echo "$QUANTITIES_REPLACE" | tr ' ' ','),var_q0.05,var_q0.5,var_q.95,var_q1e-3,collapse_prob,var_pow2"
got=$(printf '%s\n' "$OUT" | head -n 1)
[ "$got" = "$want" ] || fail "csv header is '$got', expected '$want'"
case " $QUANTITIES_REPLACE " in *" var_median "*) ;; *) fail "var_median is not a default column" ;; esac
for regime in accumulate mix:0.5; do
    run theory --format csv --at 1 --regime $regime
    case "$OUT" in *var_median*) fail "regime $regime: var_median must be absent: $(printf '%s' "$OUT" | head -n 1)" ;; esac
done

# ---- n = 1 is a scaled chi-square --------------------------------------------
# M = 2, unbiased: sigma_1^2 = sigma^2 chi^2_1; its median is 0.454936423119572...
csv "$TMP/m2.csv" --M 2 --sigma 3 --at 0,1
csv "$TMP/m2mle.csv" --M 2 --estimator mle --at 1
pycheck "n = 1, M = 2: the chi^2_1 median" "$PY_LIB"'
CHI2_1_MEDIAN = 0.45493642311957275  # the root of erf(sqrt(x/2)) = 1/2
t = table(sys.argv[1])
close("n=0 var_median = sigma^2", t[0]["var_median"], 9.0, 0)
close("n=1 var_median = sigma^2 chi2_1 median (U)", t[1]["var_median"], 9 * CHI2_1_MEDIAN, 1e-10)
close("n=1 var_median = chi2_1 median / 2 (MLE)", table(sys.argv[2])[1]["var_median"], CHI2_1_MEDIAN / 2, 1e-10)
# the constant is what it claims to be
close("erf(sqrt(median/2)) = 1/2", math.erf(math.sqrt(CHI2_1_MEDIAN / 2)), 0.5, 1e-16)
done()
' "$TMP/m2.csv" "$TMP/m2mle.csv"

# M = 3: k = 2, sigma_1^2 / sigma^2 = Q/2 ~ Exp(1) (U) or Q/3 (MLE): quantile
# -ln(1-p) (D = 2) and P(q <= eps) = 1 - exp(-D eps / 2).  M = 5: k = 4,
# P(Q <= x) = 1 - exp(-x/2)(1 + x/2).
Q=0.001,0.05,0.5,0.95,0.999
csv "$TMP/e.csv" --M 3 --at 1 --quantiles $Q --eps 0.3
csv "$TMP/el.csv" --M 3 --at 1 --quantiles $Q --eps 0.3 --log
csv "$TMP/emle.csv" --M 3 --estimator mle --at 1 --quantiles $Q --eps 0.3
csv "$TMP/f.csv" --M 5 --sigma 0.5 --at 1 --quantiles $Q --eps 0.125
pycheck "n = 1 quantiles and collapse_prob in closed form" "$PY_LIB"'
ps = [float(p) for p in sys.argv[5].split(",")]
for path, D, log in ((sys.argv[1], 2.0, False), (sys.argv[2], 2.0, True), (sys.argv[3], 3.0, False)):
    r = table(path)[1]
    pre = "ln_" if log else ""
    for p in ps:
        want = -math.log1p(-p) * 2 / D
        close("M=3 D=%g %svar_q%g" % (D, pre, p), r[pre + "var_q%s" % ("%g" % p)], math.log(want) if log else want, 1e-10)
    close("M=3 D=%g %svar_median = (2/D) ln 2" % (D, pre), r[pre + "var_median"], math.log(2 * math.log(2) / D) if log else 2 * math.log(2) / D, 1e-10)
    want = -math.expm1(-D * 0.3 / 2)
    close("M=3 D=%g %scollapse_prob" % (D, pre), r[pre + "collapse_prob"], math.log(want) if log else want, 1e-12)
r = table(sys.argv[4])[1]
F = lambda x: -math.expm1(-x / 2) - math.exp(-x / 2) * x / 2
close("M=5 collapse_prob = P(chi2_4 <= 4 eps)", r["collapse_prob"], F(4 * 0.125), 1e-12)
for p in ps:
    v = r["var_q%g" % p]
    # the p-quantile of sigma^2 chi2_4 / 4: F(4 v / sigma^2) = p
    close("M=5 var_q%g: P(chi2_4 <= 4 v / sigma^2) = p" % p, F(16 * v), p, 1e-9)
done()
' "$TMP/e.csv" "$TMP/el.csv" "$TMP/emle.csv" "$TMP/f.csv" "$Q"

# ---- n = 2, M = 3: sigma_2^2 = X Y with X, Y ~ Exp(1) --------------------------
# P(XY <= t) = 1 - int_0^inf exp(-x - t/x) dx, integrated here with the
# trapezoidal rule in u = ln x (a doubly exponentially decaying integrand).
csv "$TMP/n2.csv" --M 3 --at 2 --quantiles 0.01,0.3,0.9 --eps 0.05
pycheck "n = 2, M = 3 against numerical integration" "$PY_LIB"'
def cdf(t):
    h, s = 1.0 / 64, 0.0
    for j in range(-64 * 60, 64 * 6):
        x = math.exp(j * h)
        s += math.exp(-x - t / x) * x
    return 1.0 - h * s
r = table(sys.argv[1])[2]
close("collapse_prob", r["collapse_prob"], cdf(0.05), 1e-12)
for p in (0.01, 0.3, 0.9):
    close("P(XY <= var_q%g) = p" % p, cdf(r["var_q%g" % p]), p, 1e-9)
close("P(XY <= var_median) = 1/2", cdf(r["var_median"]), 0.5, 1e-9)
done()
' "$TMP/n2.csv"

# ---- shape: quantiles increase, collapse_prob at the median is 1/2, sigma scales
P=0.001,0.01,0.1,0.25,0.5,0.75,0.9,0.99,0.999
csv "$TMP/s1.csv" --M 10 --at 1,7,100,2000 --quantiles $P
csv "$TMP/s2.csv" --M 10 --at 1,7,100,2000 --quantiles $P --sigma 2
csv "$TMP/s3.csv" --M 10 --at 1,7,100,2000 --quantiles $P --log --estimator mle
pycheck "quantiles increase; var_q0.5 = var_median; sigma^2 scales them" "$PY_LIB"'
ps = sys.argv[4].split(",")
a, b, c = table(sys.argv[1]), table(sys.argv[2]), table(sys.argv[3])
for n in a:
    qs = [a[n]["var_q" + p] for p in ps]
    if not all(x < y for x, y in zip(qs, qs[1:])):
        bad.append("n=%d quantiles not increasing: %r" % (n, qs))
    lq = [c[n]["ln_var_q" + p] for p in ps]
    if not all(x < y for x, y in zip(lq, lq[1:])):
        bad.append("n=%d mle ln quantiles not increasing: %r" % (n, lq))
    close("n=%d var_q0.5 = var_median" % n, a[n]["var_q0.5"], a[n]["var_median"], 1e-14)
    for k in ["var_median"] + ["var_q" + p for p in ps]:
        close("n=%d %s(sigma=2) = 4 %s(sigma=1)" % (n, k, k), b[n][k], 4 * a[n][k], 1e-14)
    # median below the mean sigma^2 = 1 (U: the mean is carried by rare paths)
    if not a[n]["var_median"] < 1.0:
        bad.append("n=%d var_median = %r, expected < 1 = E sigma_n^2" % (n, a[n]["var_median"]))
done()
' "$TMP/s1.csv" "$TMP/s2.csv" "$TMP/s3.csv" "$P"

for n in 7 300; do
    run theory --format json --M 10 --at $n
    med=$(python3 -c 'import json,sys; print(repr(json.loads(sys.argv[1])["rows"][0]["var_median"]))' "$OUT")
    csv "$TMP/half.csv" --M 10 --at $n --eps "$med"
    pycheck "n=$n: collapse_prob at eps = var_median is 1/2" "$PY_LIB"'
close("collapse_prob at the median", table(sys.argv[1])[int(sys.argv[2])]["collapse_prob"], 0.5, 1e-9)
done()
' "$TMP/half.csv" $n
done

# ---- log scale: consistency, underflow, deep tails -------------------------------
csv "$TMP/p.csv" --M 7 --sigma 1.5 --at 1,5,60 --quantiles 0.01,0.99 --eps 0.2
csv "$TMP/l.csv" --M 7 --sigma 1.5 --at 1,5,60 --quantiles 0.01,0.99 --eps 0.2 --log
pycheck "ln_ distribution columns are logs of the plain ones" "$PY_LIB"'
p, l = table(sys.argv[1]), table(sys.argv[2])
for n in p:
    for k in ("var_median", "var_q0.01", "var_q0.99", "collapse_prob"):
        close("n=%d ln_%s" % (n, k), l[n]["ln_" + k], math.log(p[n][k]), 1e-13)
done()
' "$TMP/p.csv" "$TMP/l.csv"

# M = 3, n = 10^5: the median of sigma_n^2 underflows (out-of-range and the
# note), its log is n kappa_1 - kappa_3 / (6 kappa_2) + O(n^-1/2) with
# kappa_1 = -gamma, kappa_2 = pi^2/6, kappa_3 = -2 zeta(3).
run theory --format csv --M 3 --at 100000
expect_rc 0 "underflowing median"
[ "$ERR" = "refit: note: some values are outside the double range; rerun with --log" ] ||
    fail "underflowing median: stderr should be the note, got: $ERR"
[ "$(printf '%s\n' "$OUT" | sed 1d | awk -F, '{print $NF}')" = "" ] ||
    fail "underflowing median: var_median cell should be empty: $OUT"
csv "$TMP/big.csv" --M 3 --at 100000 --log --quantiles 0.001,0.999
pycheck "ln_var_median at n = 1e5" "$PY_LIB"'
r = table(sys.argv[1])[100000]
n, k1, k2, k3 = 1e5, -EULER, math.pi**2 / 6, -2 * 1.2020569031595942854
close("ln_var_median ~ n k1 - k3/(6 k2)", r["ln_var_median"], n * k1 - k3 / (6 * k2), 0.05 / (n * EULER))
sd = math.sqrt(n * k2)
for p, z in (("0.001", -3.090232306167813), ("0.999", 3.090232306167813)):
    # normal approximation: within 0.1 sd of the exact quantile at this n
    close("ln_var_q%s ~ mean + z sd" % p, r["ln_var_q" + p], n * k1 + z * sd, 0.1 * sd / (n * EULER))
done()
' "$TMP/big.csv"

# Deep lower tail at n = 1, M = 5: P(chi2_4 / 4 <= eps) = 1 - e^{-2 eps}(1 + 2 eps)
# ~ 2 eps^2: about 2e-400 at eps = 1e-200 (out of range; its log is finite).
run theory --format csv --M 5 --at 1 --eps 1e-200
[ "$(printf '%s\n' "$OUT" | sed 1d | awk -F, '{print $NF}')" = "" ] ||
    fail "collapse_prob ~ 2e-400 should be an out-of-range cell: $OUT"
csv "$TMP/deep.csv" --M 5 --at 1 --eps 1e-200 --log
csv "$TMP/deep2.csv" --M 3 --at 1 --eps 1e-300 --log
pycheck "ln_collapse_prob in the deep tail" "$PY_LIB"'
e = 1e-200
# ln(1 - e^{-2e}(1+2e)) = ln(2 e^2 (1 - 4e/3 + ...)): the correction is far below 1e-16
close("M=5 ln_collapse_prob", table(sys.argv[1])[1]["ln_collapse_prob"], math.log(2) + 2 * math.log(e), 1e-12)
close("M=3 ln_collapse_prob = ln(1 - e^-eps)", table(sys.argv[2])[1]["ln_collapse_prob"], math.log(1e-300), 1e-12)
done()
' "$TMP/deep.csv" "$TMP/deep2.csv"

# ---- collapse time -------------------------------------------------------------
# Wald: E tau >= ln(1/eps) / |kappa_1|, kappa_1 = psi(a) + ln(2/D):
# M = 3 U: -gamma;  M = 10 U: psi(9/2) + ln(2/9) = -gamma - 2 ln 2 + 2 + 2/3 + 2/5 + 2/7 + ln(2/9).
K1_M10=$(python3 -c 'import math; print(repr(-0.57721566490153286 - 2*math.log(2) + 2 + 2/3 + 2/5 + 2/7 + math.log(2/9)))')
for fmt in table csv json; do
    run theory --collapse-time --eps 0.01 --M 3 --at 0,1,3,10,40 --format $fmt
    expect_rc 0 "--collapse-time $fmt"
    [ -z "$ERR" ] || fail "--collapse-time $fmt: stderr: $ERR"
    printf '%s\n' "$OUT" >"$TMP/ct.$fmt"
done
run theory --collapse-time --eps 0.01 --M 3 --at 0,1,3,10,40 --format json --log
printf '%s\n' "$OUT" >"$TMP/ctl.json"
csv "$TMP/ctp.csv" --eps 0.01 --M 3 --at 0,1,3,10,40
pycheck "collapse time: formats, Wald bound, P(tau <= n) bound, simulation" "$PY_LIB"'
d = json.load(open(sys.argv[1]))
p = d["params"]
assert p["eps"] == 0.01 and p["collapse_time"] is True and p["quantiles"] == [], p
s = d["summary"]
rows = d["rows"]
assert [list(r) for r in rows] == [["n", "tau_cdf_lower"]] * 5, rows
b = math.log(100.0)
close("drift = -gamma", s["drift"], -EULER, 1e-15)
close("tau_mean_lower = ln(1/eps)/gamma", s["tau_mean_lower"], b / EULER, 1e-14)
lo, hi = s["tau_mean_lower"], s["tau_mean_upper"]
# Lorden: E tau <= (b + E[(X+)^2]/mu)/mu, X = -ln q; E[(X+)^2] <= E X^2 = k2 + k1^2.
if not (lo < hi <= (b + (math.pi**2 / 6 + EULER**2) / EULER) / EULER):
    bad.append("tau_mean_upper = %r outside (%r, Lorden with E X^2]" % (hi, lo))
# Lorden exactly: E[(X+)^2] = int_0^1 (ln x)^2 e^{-x} dx = sum_j (-1)^j 2 / (j! (j+1)^3)
# = 1.7824255962226048 (proofs/check/distribution.py, 110 digits).
close("tau_mean_upper = (b + E[(X+)^2]/gamma)/gamma", hi, b / EULER + 1.7824255962226048 / EULER**2, 1e-11)
c = table(sys.argv[2])
t = {l.split()[0]: l.split()[1:] for l in open(sys.argv[3]).read().split("\n") if l.strip()}
plain = table(sys.argv[5])
for i, r in enumerate(rows):
    n = r["n"]
    close("n=%d csv tau_cdf_lower" % n, c[n]["tau_cdf_lower"], r["tau_cdf_lower"], 0)
    close("n=%d csv tau_mean_lower" % n, c[n]["tau_mean_lower"], lo, 0)
    close("n=%d csv tau_mean_upper" % n, c[n]["tau_mean_upper"], hi, 0)
    close("n=%d table tau_cdf_lower" % n, float(t["tau_cdf_lower"][i]), r["tau_cdf_lower"], 0)
    close("n=%d tau_cdf_lower = collapse_prob" % n, r["tau_cdf_lower"], plain[n]["collapse_prob"], 0)
    l = json.load(open(sys.argv[4]))["rows"][i]["ln_tau_cdf_lower"]
    if n == 0:
        if r["tau_cdf_lower"] != 0 or l is not None:
            bad.append("n=0: P(tau <= 0) = 0 (json null for ln 0), got %r, %r" % (r["tau_cdf_lower"], l))
    else:
        close("n=%d ln_tau_cdf_lower" % n, l, math.log(r["tau_cdf_lower"]), 1e-13)
close("n=1 tau_cdf_lower = 1 - exp(-eps)", rows[1]["tau_cdf_lower"], -math.expm1(-0.01), 1e-12)
if not any("tau_mean_lower" in x and "tau_mean_upper" in x for x in open(sys.argv[3])):
    bad.append("table: the summary line with tau_mean_lower and tau_mean_upper is missing")
# Simulation: 40000 walks of ln q, q ~ Exp(1) (M = 3, U), fixed seed.  E tau
# must lie in [lo - 5 se, hi + 5 se] and P(tau <= n) >= tau_cdf_lower - 5 se
# (false alarm < 1e-6 per comparison for these bounded or light-tailed counts).
rng = random.Random(20240611)
N, taus = 40000, []
for _ in range(N):
    L, k = 0.0, 0
    while L > -b:
        L += math.log(rng.expovariate(1.0))
        k += 1
    taus.append(k)
m = sum(taus) / N
se = math.sqrt(sum((x - m) ** 2 for x in taus) / (N - 1) / N)
if not (lo - 5 * se <= m <= hi + 5 * se):
    bad.append("simulated E tau = %r +- %r outside [%r, %r]" % (m, se, lo, hi))
for r in rows[1:]:
    f = sum(1 for x in taus if x <= r["n"]) / N
    if f < r["tau_cdf_lower"] - 5 * math.sqrt(max(f * (1 - f), 1 / N) / N):
        bad.append("n=%d simulated P(tau <= n) = %r below the bound %r" % (r["n"], f, r["tau_cdf_lower"]))
done()
' "$TMP/ct.json" "$TMP/ct.csv" "$TMP/ct.table" "$TMP/ctl.json" "$TMP/ctp.csv"

run theory --collapse-time --eps 1e-6 --M 10 --at 1 --format json
printf '%s' "$OUT" >"$TMP/ct10.json"
pycheck "collapse time at M = 10" "$PY_LIB"'
s = json.load(open(sys.argv[1]))["summary"]
k1 = float(sys.argv[2])
close("drift = psi(9/2) + ln(2/9)", s["drift"], k1, 1e-14)
close("tau_mean_lower", s["tau_mean_lower"], math.log(1e6) / -k1, 1e-14)
if not s["tau_mean_lower"] < s["tau_mean_upper"]:
    bad.append("tau_mean_upper %r <= tau_mean_lower %r" % (s["tau_mean_upper"], s["tau_mean_lower"]))
done()
' "$TMP/ct10.json" "$K1_M10"

# ---- JSON params ---------------------------------------------------------------
run theory --format json --at 0,2 --quantiles 0.1,0.9 --eps 0.5
expect_rc 0 "json with --quantiles and --eps"
printf '%s' "$OUT" >"$TMP/j.json"
pycheck "json params and rows" '
import json, sys
d = json.load(open(sys.argv[1]))
p = d["params"]
assert p["quantiles"] == [0.1, 0.9] and p["eps"] == 0.5 and p["collapse_time"] is False, p
for r in d["rows"]:
    for k in ("var_median", "var_q0.1", "var_q0.9", "collapse_prob"):
        assert isinstance(r[k], float) or isinstance(r[k], int), (k, r)
assert d["rows"][0]["collapse_prob"] == 0 and d["rows"][0]["var_q0.1"] == 1, d["rows"][0]
' "$TMP/j.json"
run theory --format json --at 1
printf '%s' "$OUT" >"$TMP/j0.json"
pycheck "json params without distribution options" '
import json, sys
p = json.load(open(sys.argv[1]))["params"]
assert p["quantiles"] == [] and p["eps"] is None and p["collapse_time"] is False, p
' "$TMP/j0.json"

# ---- errors: one line, exit 2, nothing on stdout ----------------------------------
for e in 0 1 1.5 -0.1 abc 0.5x "" 1e-400 inf nan; do
    expect_usage_error --eps theory --eps "$e"
done
run theory --eps 2
[ "$ERR" = "refit theory: --eps: got '2'; expected a number in (0, 1)" ] ||
    fail "--eps 2: message is '$ERR'"
for q in 0 1 -0.5 0.5,0.5 0.5,5e-1 "" 0.1,,0.2 0.1, x 2e-400; do
    expect_usage_error --quantiles theory --quantiles "$q"
done
expect_usage_error --eps theory --eps 0.1 --eps 0.2
expect_usage_error --quantiles theory --quantiles 0.1 --quantiles 0.2
expect_usage_error --collapse-time theory --collapse-time --collapse-time --eps 0.1
expect_usage_error --collapse-time theory --collapse-time=1 --eps 0.1
expect_usage_error --collapse-time theory --collapse-time
expect_usage_error --collapse-time theory --collapse-time --eps 0.1 --schedule poly:10,1
expect_usage_error --collapse-time theory --collapse-time --eps 0.1 --moments 2
expect_usage_error --collapse-time theory --collapse-time --eps 0.1 --quantiles 0.5
expect_usage_error --quantiles theory --regime mix:0.5 --quantiles 0.5
expect_usage_error --eps theory --regime accumulate --eps 0.5
expect_usage_error --collapse-time theory --regime mix:0.5 --collapse-time --eps 0.5
run theory --regime accumulate --eps 0.5
[ "$ERR" = "refit theory: --eps: the distribution of sigma_n^2 is not available under regime accumulate; expected --regime replace" ] ||
    fail "accumulate --eps: message is '$ERR'"
# A constant schedule written another way is accepted.
run theory --collapse-time --eps 0.1 --schedule poly:10,0 --at 5
expect_rc 0 "--collapse-time with poly:10,0"

finish
