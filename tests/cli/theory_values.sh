# Values printed by `refit theory`, checked against facts computed here,
# independently of refit (exact gamma/polygamma values at integers and
# half-integers, the regimes' recursions, hand-solved fixed points).
. "$(dirname "$0")/helpers.bash"

# csv FILE ARGS...: run refit theory --format csv ARGS into FILE.
csv() {
    local file=$1
    shift
    run theory --format csv "$@"
    expect_rc 0 "theory --format csv $*" || return 1
    [ -z "$ERR" ] || fail "refit theory $*: unexpected stderr: $ERR"
    printf '%s\n' "$OUT" >"$file"
}

# Python helpers shared by the checks below (prepended to each script).
PY_LIB='
import csv, math, sys
def table(path):
    out = {}
    for r in csv.DictReader(open(path)):
        out[int(r["n"])] = {k: (float(v) if v != "" else None) for k, v in r.items() if k != "n"}
    return out
bad = []
def close(what, got, want, rel):
    if got is None or not (abs(got - want) <= rel * abs(want) or got == want):
        bad.append("%s: got %r, want %r (rel %.3g)" % (what, got, want,
                   abs(got - want) / abs(want) if got is not None and want else float("nan")))
def done():
    if bad:
        print("\n".join(bad[:20]))
        sys.exit(1)
ZETA3 = 1.2020569031595942854
EULER = 0.57721566490153286061
# ln[Gamma(a + 1/2) / Gamma(a)] for a whole or half-whole a >= 1/2, from the
# recurrence Gamma(x + 1) = x Gamma(x) down to Gamma(3/2)/Gamma(1) = sqrt(pi)/2
# or Gamma(1)/Gamma(1/2) = 1/sqrt(pi); a sum of log1p terms keeps it accurate.
def ln_gamma_ratio_half(a):
    x, terms = a, []
    while x > 1:
        x -= 1
        terms.append(math.log1p(0.5 / x))
    terms.append(math.log(math.sqrt(math.pi) / 2) if x == 1 else -0.5 * math.log(math.pi))
    return math.fsum(terms)
# psi^(k)(a), k = 0..3, for a whole or half-whole a, from the values at 1 and 1/2
# and psi^(k)(x + 1) = psi^(k)(x) + (-1)^k k! / x^(k+1).
def polygamma(k, a):
    x = 1.0 if a == math.floor(a) else 0.5
    base = {1.0: [-EULER, math.pi**2 / 6, -2 * ZETA3, math.pi**4 / 15],
            0.5: [-EULER - 2 * math.log(2), math.pi**2 / 2, -14 * ZETA3, math.pi**4]}[x][k]
    s = 0.0
    while x < a:
        s += (-1)**k * math.factorial(k) / x**(k + 1)
        x += 1
    return base + s
'

# ---- unbiased, constant M: the martingale and its companions ---------------
for M in 10 101; do
    for sigma in 1 2 1.5; do
        csv "$TMP/u.csv" --M $M --sigma $sigma --mu 3 --at 0,1,2,7,100,1000
        pycheck "unbiased M=$M sigma=$sigma" "$PY_LIB"'
M, s = float(sys.argv[2]), float(sys.argv[3])
a = (M - 1) / 2
lnc4 = 0.5 * math.log(2 / (M - 1)) + ln_gamma_ratio_half(a)  # ln c4(M) = ln E[s]/sigma, one step
for n, r in table(sys.argv[1]).items():
    # E sigma_n^2 = sigma^2 exactly: the unbiased estimator makes it a martingale.
    if r["var_mean"] != s * s:
        bad.append("n=%d var_mean %r != sigma^2 = %r exactly" % (n, r["var_mean"], s * s))
    close("n=%d mean_mse = sigma^2 n/M" % n, r["mean_mse"], s * s * n / M, 1e-13)
    close("n=%d marginal_var = sigma^2 (1 + n/M)" % n, r["marginal_var"], s * s * (1 + n / M), 1e-13)
    close("n=%d w2sq_lower = mean_mse" % n, r["w2sq_lower"], s * s * n / M, 1e-13)
    close("n=%d var_var = sigma^4 [((M+1)/(M-1))^n - 1]" % n, r["var_var"],
          s**4 * math.expm1(n * math.log1p(2 / (M - 1))), 1e-12)
    close("n=%d sd_mean = sigma c4^n" % n, r["sd_mean"], s * math.exp(n * lnc4), 1e-12)
    close("n=%d w2sq_mean = sigma^2 (n/M + 2 - 2 c4^n)" % n, r["w2sq_mean"],
          s * s * (n / M - 2 * math.expm1(n * lnc4)), 1e-11)
    drift = polygamma(0, a) + math.log(2 / (M - 1))
    close("n=%d logvar_mean = ln sigma^2 + n (psi(a) + ln(2/D))" % n, r["logvar_mean"],
          math.log(s * s) + n * drift, 1e-11)
    close("n=%d logvar_var = n psi1(a)" % n, r["logvar_var"], n * polygamma(1, a), 1e-11)
    close("n=%d logvar_k3 = n psi2(a)" % n, r["logvar_k3"], n * polygamma(2, a), 1e-9)
    close("n=%d logvar_k4 = n psi3(a)" % n, r["logvar_k4"], n * polygamma(3, a), 1e-8)
    if n == 0:
        for k in ("var_var", "mean_mse", "logvar_var", "logvar_k3", "logvar_k4", "w2sq_mean", "w2sq_var", "w2sq_lower"):
            if r[k] != 0:
                bad.append("n=0 %s = %r, expected 0 (generation 0 is the truth)" % (k, r[k]))
    elif not r["w2sq_var"] > 0:
        bad.append("n=%d w2sq_var = %r, expected > 0" % (n, r["w2sq_var"]))
done()
' "$TMP/u.csv" $M $sigma
    done
done

# ---- MLE, constant M ---------------------------------------------------------
csv "$TMP/m.csv" --M 7 --estimator mle --sigma 0.5 --at 0,1,3,50,2000
pycheck "mle M=7" "$PY_LIB"'
M, s = 7.0, 0.5
for n, r in table(sys.argv[1]).items():
    p = math.exp(n * math.log1p(-1 / M))  # (1-1/M)^n without the rounding of 1-1/M
    close("n=%d var_mean = sigma^2 (1-1/M)^n" % n, r["var_mean"], s * s * p, 1e-13)
    close("n=%d mean_mse = sigma^2 (1 - (1-1/M)^n)" % n, r["mean_mse"], -s * s * math.expm1(n * math.log1p(-1 / M)), 1e-13)
    close("n=%d marginal_var = sigma^2" % n, r["marginal_var"], s * s, 1e-14)
    # E sigma_n^4 = sigma^4 ((M^2-1)/M^2)^n: m(2) = (2/M)^2 (a+1) a.
    close("n=%d var_var" % n, r["var_var"], s**4 * (math.exp(n * math.log1p(-1 / (M * M))) - p * p), 1e-11)
done()
' "$TMP/m.csv"

# ---- sigma scales, mu shifts nothing ------------------------------------------
csv "$TMP/s1.csv" --M 7 --estimator mle --at 0,1,5,50
csv "$TMP/s2.csv" --M 7 --estimator mle --at 0,1,5,50 --sigma 2
pycheck "--sigma 2 scales by powers of 2" "$PY_LIB"'
a, b = table(sys.argv[1]), table(sys.argv[2])
scale = {"var_mean": 4, "var_var": 16, "sd_mean": 2, "mean_mse": 4, "marginal_var": 4,
         "w2sq_mean": 4, "w2sq_var": 16, "w2sq_lower": 4, "logvar_var": 1, "logvar_k3": 1, "logvar_k4": 1}
for n in a:
    for k, f in scale.items():
        close("n=%d %s(sigma=2) = %d %s(sigma=1)" % (n, k, f, k), b[n][k], f * a[n][k], 1e-14)
    close("n=%d logvar_mean shifts by ln 4" % n, b[n]["logvar_mean"], a[n]["logvar_mean"] + math.log(4), 1e-13)
done()
' "$TMP/s1.csv" "$TMP/s2.csv"
csv "$TMP/mu.csv" --M 7 --estimator mle --at 0,1,5,50 --mu -1e6
cmp -s "$TMP/s1.csv" "$TMP/mu.csv" || fail "--mu changed a value: no quantity depends on mu"

# ---- moments E[(sigma_n^2)^r] ---------------------------------------------------
csv "$TMP/r.csv" --M 12 --sigma 1.5 --moments 1,2,3,0.5,-1 --at 0,1,4,40
pycheck "var_pow moments" "$PY_LIB"'
M, s = 12.0, 1.5
D, a = M - 1, (M - 1) / 2
m = {"1": 1.0, "2": (2 / D)**2 * a * (a + 1), "3": (2 / D)**3 * a * (a + 1) * (a + 2),
     "0.5": math.sqrt(2 / D) * math.exp(ln_gamma_ratio_half(a)), "-1": (D / 2) / (a - 1)}
for n, r in table(sys.argv[1]).items():
    for k, f in m.items():
        close("n=%d var_pow%s = sigma^(2r) m(r)^n" % (n, k), r["var_pow" + k], s**(2 * float(k)) * f**n, 1e-12)
    close("n=%d var_pow1 = var_mean" % n, r["var_pow1"], r["var_mean"], 1e-15)
    close("n=%d var_pow0.5 = sd_mean" % n, r["var_pow0.5"], r["sd_mean"], 1e-14)
done()
' "$TMP/r.csv"

# ---- poly and list schedules (unbiased: mean_mse = sigma^2 sum 1/M_i) ------------
csv "$TMP/p.csv" --schedule poly:3.7,1.3 --at 0,1,2,10,300
pycheck "poly schedule" "$PY_LIB"'
def size(i):  # round(M0 (i+1)^alpha), ties away from zero
    x = 3.7 * math.pow(i + 1, 1.3)
    return math.floor(x) + (1 if x - math.floor(x) >= 0.5 else 0)
for n, r in table(sys.argv[1]).items():
    sizes = [size(i) for i in range(n)]
    close("n=%d var_mean = 1 (unbiased)" % n, r["var_mean"], 1.0, 1e-15)
    close("n=%d mean_mse = sum 1/M_i" % n, r["mean_mse"], math.fsum(1 / M for M in sizes), 1e-12)
    close("n=%d logvar_var = sum psi1(a_i)" % n, r["logvar_var"],
          math.fsum(polygamma(1, (M - 1) / 2) for M in sizes), 1e-11)
done()
' "$TMP/p.csv"
csv "$TMP/pm.csv" --schedule poly:5,0.5 --estimator mle --at 0,1,2,10,300
pycheck "poly schedule, mle" "$PY_LIB"'
def size(i):
    x = 5 * math.pow(i + 1, 0.5)
    return math.floor(x) + (1 if x - math.floor(x) >= 0.5 else 0)
for n, r in table(sys.argv[1]).items():
    lnv = [0.0]  # ln prod_{l<i} (M_l - 1)/M_l, summed exactly by fsum
    for i in range(n):
        lnv.append(math.log1p(-1 / size(i)))
    v = math.exp(math.fsum(lnv))
    # E (mu_n - mu)^2 = sum_i (1/M_i) prod_{l<i} (M_l-1)/M_l telescopes to 1 - prod.
    e = -math.expm1(math.fsum(lnv))
    close("n=%d var_mean = prod (M_i-1)/M_i" % n, r["var_mean"], v, 1e-12)
    close("n=%d mean_mse = 1 - prod (M_i-1)/M_i" % n, r["mean_mse"], e, 1e-12)
done()
' "$TMP/pm.csv"
printf '# generation sizes\n4\n\n9   # nine\n  25\n6\n' >"$TMP/sizes"
csv "$TMP/l.csv" --schedule "list:$TMP/sizes" --sigma 3 --at 0,1,2,3,4,5,60
pycheck "list schedule" "$PY_LIB"'
sizes = [4, 9, 25, 6]
for n, r in table(sys.argv[1]).items():
    used = [sizes[min(i, len(sizes) - 1)] for i in range(n)]  # the last size repeats
    close("n=%d mean_mse = 9 sum 1/M_i" % n, r["mean_mse"], 9 * math.fsum(1 / M for M in used), 1e-12)
    close("n=%d var_mean = 9" % n, r["var_mean"], 9.0, 1e-15)
    close("n=%d logvar_k3 = sum psi2(a_i)" % n, r["logvar_k3"],
          math.fsum(polygamma(2, (M - 1) / 2) for M in used), 1e-9)
done()
' "$TMP/l.csv"

# ---- accumulate: the recursion of theory-notes section 5 --------------------------
for est in unbiased mle; do
    csv "$TMP/a.csv" --regime accumulate --estimator $est --M 5 --sigma 2 --at 0,1,2,3,10,200
    pycheck "accumulate $est" "$PY_LIB"'
M, s2, mle = 5.0, 4.0, sys.argv[2] == "mle"
for n, r in table(sys.argv[1]).items():
    v = [s2]  # v_0: the truth
    for t in range(n):
        if t == 0:
            v.append(s2 * (1 - 1 / M) if mle else s2)
        else:
            v.append(v[t] * (1 - 1 / ((t + 1)**2 * M) if mle else 1 - 1 / ((t + 1) * ((t + 1) * M - 1))))
    e = math.fsum(v[m - 1] / (m * m) for m in range(1, n + 1)) / M
    close("n=%d var_mean" % n, r["var_mean"], v[n], 1e-12)
    close("n=%d mean_mse" % n, r["mean_mse"], e, 1e-12)
    close("n=%d marginal_var = var_mean + mean_mse" % n, r["marginal_var"], v[n] + e, 1e-12)
    if not r["mean_mse"] < math.pi**2 / 6 * s2 / M:
        bad.append("n=%d mean_mse %r not below (pi^2/6) sigma^2/M" % (n, r["mean_mse"]))
done()
' "$TMP/a.csv" $est
done

finish
