"""Monte Carlo of the literal processes behind proofs/01-07 (optional, ~1 min).

Simulates the processes sample by sample (Python's Mersenne Twister, fixed
seed) and compares sample statistics with the closed forms derived in the
proofs, computed here from hp.py.  Each comparison is a z-score: mean
(estimate - exact) / se with se from the sample (means) or from the
influence function (X - m)^2 - v (variances).  A check passes when
|z| <= 4.5; with about 40 checks the family-wise false-alarm probability is
about 3e-4.  Exit status 1 if any check fails.
"""
import math
import random
import sys

sys.dont_write_bytecode = True  # keep proofs/check free of __pycache__

from hp import D, Dm, divisor, lnm, m, polygamma, route_notes

Z = 4.5
FAILS = []


def stat_mean(xs):
    n = len(xs)
    mu = sum(xs) / n
    var = sum((x - mu) ** 2 for x in xs) / (n - 1)
    return mu, math.sqrt(var / n)


def stat_var(xs):
    n = len(xs)
    mu = sum(xs) / n
    v = sum((x - mu) ** 2 for x in xs) / n
    inf = [(x - mu) ** 2 - v for x in xs]
    return v, math.sqrt(sum(t * t for t in inf) / (n - 1) / n)


def check(name, est, se, exact):
    z = (est - float(exact)) / se if se > 0 else 0.0
    ok = abs(z) <= Z
    print('%s %-46s est %.6g  exact %.6g  z %+.2f' % ('ok  ' if ok else 'FAIL', name, est, float(exact), z))
    if not ok:
        FAILS.append(name)


rng = random.Random(20240611)

# ---- 01/02: one factor q = Q/D ---------------------------------------------------
print('== one factor (01, 02)')
M, N = 6, 200000
k = M - 1
for est in ('U', 'MLE'):
    Dd = float(divisor(M, est))
    qs = [rng.gammavariate(k / 2, 2.0) / Dd for _ in range(N)]
    for r in (0.5, -1.0, 1.5):
        check('%s m(%g), M=%d' % (est, r, M), *stat_mean([q ** r for q in qs]), m(M, est, D(r)))
    lq = [math.log(q) for q in qs]
    check('%s kappa_1, M=%d' % (est, M), *stat_mean(lq), polygamma(0, D(k) / 2) + (2 / divisor(M, est)).ln())
    check('%s kappa_2, M=%d' % (est, M), *stat_var(lq), polygamma(1, D(k) / 2))

# ---- 03/04/05: the replace chain ---------------------------------------------------
print('== replace chain (03, 04, 05)')


M, n, N = 4, 3, 150000
for est in ('U', 'MLE'):
    Dd = float(divisor(M, est))
    s2, sd, dm, marg, w = [], [], [], [], []
    for _ in range(N):
        mu, sg = 0.0, 1.0
        for _ in range(n):
            x = [rng.gauss(mu, sg) for _ in range(M)]
            mu = sum(x) / M
            sg = math.sqrt(sum((t - mu) ** 2 for t in x) / Dd)
        s2.append(sg * sg)
        sd.append(sg)
        dm.append(mu * mu)
        marg.append(rng.gauss(mu, sg))
        w.append(mu * mu + (sg - 1) ** 2)
    kk, Dn = D(M - 1), divisor(M, est)
    P = (kk / Dn) ** n
    mse = sum((kk / Dn) ** i for i in range(n)) / M
    check('%s var_mean' % est, *stat_mean(s2), P)
    check('%s var_var' % est, *stat_var(s2), P ** 2 * ((1 + 2 / kk) ** n - 1))
    check('%s sd_mean' % est, *stat_mean(sd), m(M, est, Dm('0.5')) ** n)
    check('%s mean_mse' % est, *stat_mean(dm), mse)
    check('%s marginal_var' % est, *stat_var(marg), P + mse)
    EW, VW = route_notes(M, est, n)
    check('%s w2sq_mean' % est, *stat_mean(w), EW)
    check('%s w2sq_var' % est, *stat_var(w), VW)

# mean_mse and marginal for an exponential truth (mean 1, variance 1): 04 sec. 4
Ms, N = [3, 4, 6], 150000
for est in ('U', 'MLE'):
    dm, marg = [], []
    for _ in range(N):
        x = [rng.expovariate(1.0) for _ in range(Ms[0])]
        for i, M in enumerate(Ms):
            if i > 0:
                x = [rng.gauss(mu, sg) for _ in range(M)]
            mu = sum(x) / M
            sg = math.sqrt(sum((t - mu) ** 2 for t in x) / float(divisor(M, est)))
        dm.append((mu - 1) ** 2)
        marg.append(rng.gauss(mu, sg))
    th, P = Dm(0), Dm(1)
    for M in Ms:
        th += P / M
        P *= D(M - 1) / divisor(M, est)
    check('%s mean_mse, exponential truth' % est, *stat_mean(dm), th)
    check('%s marginal_var, exponential truth' % est, *stat_var(marg), th + P)

# ---- 06: accumulate -------------------------------------------------------------------
print('== accumulate (06)')
M, T, N = 3, 4, 100000
for est in ('U', 'MLE'):
    v = [Dm(1)]
    for t in range(T):
        if est == 'U':
            v.append(Dm(1) if t == 0 else v[-1] * (1 - Dm(1) / ((t + 1) * ((t + 1) * M - 1))))
        else:
            v.append(v[-1] * (1 - Dm(1) / ((t + 1) ** 2 * M)))
    e = [sum((v[j - 1] / j ** 2 for j in range(1, t + 1)), Dm(0)) / M for t in range(T + 1)]
    sv = [[] for _ in range(T + 1)]
    se = [[] for _ in range(T + 1)]
    for _ in range(N):
        data = [rng.gauss(0, 1) for _ in range(M)]
        for t in range(1, T + 1):
            nn = len(data)
            mu = sum(data) / nn
            var = sum((x - mu) ** 2 for x in data) / ((nn - 1) if est == 'U' else nn)
            sv[t].append(var)
            se[t].append(mu * mu)
            data += [rng.gauss(mu, math.sqrt(var)) for _ in range(M)]
    for t in (1, 2, T):
        check('%s accumulate var_mean t=%d' % (est, t), *stat_mean(sv[t]), v[t])
        check('%s accumulate mean_mse t=%d' % (est, t), *stat_mean(se[t]), e[t])

# ---- 07: mix ------------------------------------------------------------------------------
print('== mix (07)')
M, r, T, N = 5, 2, 3, 150000
lam = Dm(r) / M
u = 1 - lam
for est in ('U', 'MLE'):
    e, v = Dm(0), Dm(1)
    ex = [(e, v)]
    for t in range(T):
        if est == 'U':
            e, v = u * u * e + lam / M + u * v / M, lam + u * v + Dm(M) / (M - 1) * lam * u * e
        else:
            e, v = u * u * e + lam / M + u * v / M, Dm(M - 1) / M * (lam + u * v) + lam * u * e
        ex.append((e, v))
    sv = [[] for _ in range(T + 1)]
    se = [[] for _ in range(T + 1)]
    for _ in range(N):
        mu, sg = 0.0, 1.0
        for t in range(1, T + 1):
            x = [rng.gauss(0, 1) for _ in range(r)] + [rng.gauss(mu, sg) for _ in range(M - r)]
            mu = sum(x) / M
            sg = math.sqrt(sum((y - mu) ** 2 for y in x) / float(divisor(M, est)))
            sv[t].append(sg * sg)
            se[t].append(mu * mu)
    for t in (1, T):
        check('%s mix mean_mse t=%d' % (est, t), *stat_mean(se[t]), ex[t][0])
        check('%s mix var_mean t=%d' % (est, t), *stat_mean(sv[t]), ex[t][1])

print()
if FAILS:
    print('%d check(s) FAILED: %s' % (len(FAILS), '; '.join(FAILS)))
    sys.exit(1)
print('all checks passed')
