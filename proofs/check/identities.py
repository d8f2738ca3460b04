"""Numerical checks of every identity stated in proofs/01..08.

Deterministic, exact (fractions) or 110-digit (decimal) arithmetic, no
third-party packages, independent of refit's code.  Exit status 1 if any
check fails.  Run: python3 proofs/check/identities.py
"""
import math
import random
import sys

sys.dont_write_bytecode = True  # keep proofs/check free of __pycache__
from fractions import Fraction as F

from hp import (BN, Dm, D, PI, route_notes, divisor, excess, expm1, fd, getcontext, lngamma, lnm, log1p, m,
                polygamma, sin)

FAILS = []


def check(name, ok, detail=''):
    print(('ok    ' if ok else 'FAIL  ') + name + (('  ' + detail) if detail else ''))
    if not ok:
        FAILS.append(name)


def rel(x, y):
    return abs(x - y) / abs(y) if y != 0 else abs(x)


TINY = Dm(10) ** -90   # exact algebra on 110-digit numbers
TOL = Dm(10) ** -78    # results that go through lngamma (accurate to ~1e-84)

# ---------------------------------------------------------------- 01
print('== 01 factor moments')
worst = Dm(0)
for M in (2, 3, 4, 7, 10, 1001):
    for est in ('U', 'MLE'):
        k, Dd = D(M - 1), divisor(M, est)
        worst = max(worst, abs(m(M, est, 0) - 1), rel(m(M, est, 1), k / Dd),
                    rel(m(M, est, 2), k * (k + 2) / Dd ** 2))
        for r in ('0.5', '2', '-0.25', '1.5', '7.3'):
            a = k / 2
            worst = max(worst, abs(lnm(M, est, r) - (D(r) * (k / Dd).ln() + excess(a, r))))
    if M > 3:
        worst = max(worst, rel(m(M, 'U', -1), D(M - 1) / (M - 3)))
check('m(0)=1, m(1)=k/D, m(2)=k(k+2)/D^2, m_U(-1)=k/(k-2), ln m = r ln(k/D) + E(a,r)',
      worst < TINY, '%.1e' % worst)
check('c4(2)=sqrt(2/pi), c4(3)=sqrt(pi)/2',
      rel(m(2, 'U', '0.5'), (2 / PI).sqrt()) < TOL and rel(m(3, 'U', '0.5'), PI.sqrt() / 2) < TOL)
# shape of ln m
okU = all(lnm(M, 'U', r) < 0 for M in (2, 5, 100) for r in ('0.1', '0.5', '0.9')) and \
    all(lnm(M, 'U', r) > 0 for M in (2, 5, 100) for r in ('-0.3', '1.1', '2', '5'))
okM = all(lnm(M, 'MLE', 2) < 0 and abs(lnm(M, 'MLE', 2) - log1p(-D(1) / M ** 2)) < TINY
          and lnm(M, 'MLE', '2.5' if M < 10 else 3) > 0 for M in (2, 5, 100))
check('ln m_U < 0 on (0,1), > 0 outside; ln m_MLE(2) = ln(1-1/M^2) < 0, zero r0 > 2', okU and okM)


def stirling_excess(a, r, K):
    """The boxed large-a form of 01 sec. 4 with K Stirling terms."""
    a, r = D(a), D(r)
    t = r / a
    if abs(t) <= Dm('0.5'):
        g, j, tp = Dm(0), 2, t * t
        while abs(tp) > Dm(10) ** -105:
            g += (tp if j % 2 == 0 else -tp) / (j * (j - 1))
            j += 1
            tp *= t
    else:
        g = (1 + t) * log1p(t) - t
    L = log1p(t)
    e = a * g - L / 2
    for k in range(1, K + 1):
        mm = 2 * k - 1
        e += fd(BN[2 * k]) / (2 * k * mm) * a ** (-mm) * expm1(-mm * L)
    return e


worst_rel, bound_ok = Dm(0), True
for a, r in ((40, 0.5), (40, -7), (1e6, 0.5), (1e12, 2), (1e12, 1.5), (33, 1e-3), (50, -17.5),
             (4.5e15, 0.5), (32, 40), (100, -60), (35, -3), (32, 1e3)):
    ex = excess(a, r)
    worst_rel = max(worst_rel, rel(stirling_excess(a, r, 25), ex))
    for K in range(1, 10):
        mm = 2 * K + 1
        nxt = abs(fd(BN[2 * K + 2]) / ((2 * K + 2) * (2 * K + 1)) * (D(a + r) ** -mm - D(a) ** -mm))
        if abs(stirling_excess(a, r, K) - ex) > nxt + Dm(10) ** -88:
            bound_ok = False
check('Stirling difference rewrite of E(a,r) (a, a+r >= 32)', worst_rel < Dm(10) ** -50,
      '%.1e' % worst_rel)
check('truncation error <= first omitted term of the difference series (K = 1..9)', bound_ok)
a = D(32)
K12 = abs(fd(BN[26]) / (26 * 25) * ((a + Dm('0.5')) ** -25 - a ** -25)) / abs(excess(32, 0.5))
check('12 Stirling terms reach 2^-106 relative at a = 32, r = 1/2', K12 < Dm(2) ** -106)
ok = True
for t in ('0.3', '-0.4', '1e-8', '0.0625'):
    t = Dm(t)
    ok &= abs((1 + t) * log1p(t) - t - sum((-1) ** j * t ** j / (j * (j - 1))
                                           for j in range(2, 400))) < Dm(10) ** -100
check('(1+t)log1p(t)-t = sum_{j>=2} (-1)^j t^j/(j(j-1))', ok)
worst = Dm(0)
for a, r in ((0.5, 0.5), (0.5, 3), (1.5, -1.2), (3, 7.25), (2.5, 1e-12)):
    a_, r_ = D(a), D(r)
    N = 40
    sh = excess(a_ + N, r_) + r_ * ((a_ + N) / a_).ln() - sum(log1p(r_ / (a_ + j)) for j in range(N))
    worst = max(worst, rel(sh, excess(a_, r_)))
check('shift recurrence E(a,r) = E(a+N,r) + r ln((a+N)/a) - sum log1p(r/(a+j))', worst < TINY,
      '%.1e' % worst)
ok = all(abs(excess(a, 1)) < TOL for a in (0.5, 3, 1e6)) and \
    all(rel(excess(a, 0.5), D(-0.125) / D(a)) < 2 / D(a) for a in (1e3, 1e6))
check('E(a,1) = 0, E(a,r) = r(r-1)/(2a) (1 + O(1/a))', ok)
worst = Dm(0)
for a in (0.5, 32, 1e6):
    for r in (1 + 2.0 ** -52, 1 - 2.0 ** -53, 1.3, 0.6):
        a_, r_ = D(a), D(r)
        worst = max(worst, rel(excess(a_ + 1, r_ - 1) + (r_ - 1) * log1p(1 / a_), excess(a_, r_)))
check('near r = 1: E(a,r) = E(a+1, r-1) + (r-1) log1p(1/a)', worst < Dm(10) ** -60,
      '%.1e' % worst)

# ---------------------------------------------------------------- 02
print('== 02 log cumulants')
ok = True
for x in ('0.5', '1', '1.5', '3', '10.5', '1000', '1e9'):
    x = Dm(x)
    p = polygamma(0, x)
    ok &= x.ln() - 1 / x < p < x.ln() - 1 / (2 * x)
    ok &= 1 / x < polygamma(1, x) < 1 / x + 1 / x ** 2
check('ln x - 1/x < psi(x) < ln x - 1/(2x),  1/x < psi\'(x) < 1/x + 1/x^2', ok)
ok = True
for M in (2, 3, 4, 7, 100, 10 ** 6, 10 ** 12):
    for est in ('U', 'MLE'):
        M_ = D(M)
        k = M_ - 1
        k1 = polygamma(0, k / 2) + (2 / divisor(M, est)).ln()
        lo, hi = (-2 / k, -1 / k) if est == 'U' else (-3 / k, -1 / k - 1 / M_)
        ok &= lo < k1 < hi and 1 / M_ < -k1 < 6 / M_
        ok &= polygamma(1, k / 2) < 6 * (-k1)
check('kappa_1 bounds (U, MLE), 1/M < |kappa_1| < 6/M, kappa_2 < 6|kappa_1|', ok)
EG = Dm('0.57721566490153286060651209008240243104215933593992359880576723488486772677766467')
Z3 = Dm('1.20205690315959428539973816151144999076498629234049888179227155534183820578631309')
checks = [(polygamma(0, 1), -EG), (polygamma(1, 1), PI ** 2 / 6), (polygamma(2, 1), -2 * Z3),
          (polygamma(3, 1), PI ** 4 / 15), (polygamma(1, Dm('0.5')), PI ** 2 / 2),
          (polygamma(0, Dm('0.5')), -EG - 2 * Dm(2).ln())]
check('classical values psi(1), psi\'(1), psi\'\'(1), psi\'\'\'(1), psi\'(1/2), psi(1/2)',
      all(rel(x, y) < Dm(10) ** -75 for x, y in checks))
x = Dm(1000)
ser = -1 / (2 * x) - sum(fd(BN[2 * k]) / (2 * k * x ** (2 * k)) for k in range(1, 6))
nxt = abs(fd(BN[12]) / (12 * x ** 12))
ok = abs(polygamma(0, x) - x.ln() - ser) <= nxt
for mm in (1, 2, 3):
    r = Dm(math.factorial(mm - 1)) / x ** mm + Dm(math.factorial(mm)) / (2 * x ** (mm + 1)) + sum(
        fd(BN[2 * k]) * Dm(math.factorial(2 * k + mm - 1)) / (Dm(math.factorial(2 * k)) * x ** (2 * k + mm))
        for k in range(1, 6))
    r *= (-1) ** (mm + 1)
    nxt = abs(fd(BN[12]) * Dm(math.factorial(12 + mm - 1)) / (Dm(math.factorial(12)) * x ** (12 + mm)))
    ok &= abs(polygamma(mm, x) - r) <= nxt
check('asymptotic series of psi - ln x and psi^(m), m = 1..3 (error <= first omitted term)', ok)
a, h = Dm('2.5'), Dm('1e-25')
K = lambda t: lngamma(a + t) - lngamma(a)
ok = abs((K(h) - K(-h)) / (2 * h) - polygamma(0, a)) < Dm(10) ** -40 and \
    abs((K(h) - 2 * K(0) + K(-h)) / h ** 2 - polygamma(1, a)) < Dm(10) ** -40
check('CGF derivatives: K\'(0) = psi(a), K\'\'(0) = psi\'(a)', ok)

# ---------------------------------------------------------------- 03
print('== 03 variance moments')
ok = all(abs((lnm(M, est, 2) - 2 * lnm(M, est, 1)).exp() - (1 + D(2) / (M - 1))) < TINY
         for M in (2, 3, 10, 12345) for est in ('U', 'MLE'))
check('m(2)/m(1)^2 = 1 + 2/k', ok)
ok = True
for M in (2, 5, 9):
    k = M - 1
    for est in ('U', 'MLE'):
        Dd = k if est == 'U' else M
        m1, m2 = F(k, Dd), F(k * (k + 2), Dd * Dd)
        for n in (1, 3, 7):
            vv = m2 ** n - m1 ** (2 * n)
            ok &= vv == m1 ** (2 * n) * (F(k + 2, k) ** n - 1)
            if est == 'U':
                ok &= vv == F(M + 1, M - 1) ** n - 1
            else:
                ok &= vv == F(M - 1, M) ** (2 * n) * (F(M + 1, M - 1) ** n - 1)
for est in ('U', 'MLE'):
    E2 = E4 = L = F(1)
    for M in (2, 3, 7, 4, 100):
        k = M - 1
        Dd = k if est == 'U' else M
        E2 *= F(k, Dd)
        E4 *= F(k * (k + 2), Dd * Dd)
        L *= 1 + F(2, k)
    ok &= E4 - E2 ** 2 == E2 ** 2 * (L - 1)
check('Var sigma_n^2 = (E sigma_n^2)^2 (prod(1+2/k_i) - 1); constant-M forms (exact)', ok)
ths = [math.log(1.7976931348623157e308) / math.log1p(2 / (M - 1)) for M in (2, 10, 100, 1e4)]
check('overflow thresholds n* = 646, 3537, 35488, 3548914',
      [int(t) for t in ths] == [646, 3537, 35487, 3548913], ' '.join('%.1f' % t for t in ths))

# ---------------------------------------------------------------- 04
print('== 04 mean drift and marginal')
rng = random.Random(3)
ok = True
for _ in range(200):
    Ms = [rng.randint(2, 50) for _ in range(rng.randint(1, 12))]
    s, P = F(0), F(1)
    for M in Ms:
        s += P / M
        P *= 1 - F(1, M)
    ok &= s == 1 - P and P + (1 - P) == 1
check('sum_i (1/M_i) prod_{l<i}(1-1/M_l) = 1 - prod_{l<n}(1-1/M_l); MLE marginal = sigma^2', ok)

# ---------------------------------------------------------------- 05
print('== 05 Wasserstein')


def route_state(Ms, est):
    X2 = X3 = X4 = EX = Dm(1)
    V = VX = VX2 = V2 = Dm(0)
    for M in Ms:
        mu = {t: m(M, est, D(t) / 2) for t in (1, 2, 3, 4)}
        Mi = D(M)
        V, VX, VX2, V2 = (V + X2 / Mi, mu[1] * (VX + X3 / Mi), mu[2] * (VX2 + X4 / Mi),
                          V2 + 2 * VX2 / Mi + X4 / Mi ** 2)
        X2, X3, X4, EX = mu[2] * X2, mu[3] * X3, mu[4] * X4, mu[1] * EX
    EX2m = X2 - 2 * EX + 1
    EX4m = X4 - 4 * X3 + 6 * X2 - 4 * EX + 1
    EW = V + EX2m
    return EW, 3 * V2 + 2 * (VX2 - 2 * VX + V) + EX4m - EW ** 2, dict(
        EV=V, EVX=VX, EVX2=VX2, EV2=V2, EX2m=EX2m, EX4m=EX4m)


def route_ej(Ms, est):
    sx = L3 = L4 = lns = Dm(0)
    for M in Ms:
        Mi = D(M)
        k = Mi - 1
        sx += lnm(M, 'U', '0.5')
        L3 += log1p(1 / k)
        L4 += log1p(2 / k)
        lns += (k / divisor(M, est)).ln() / 2
    g, p3, p4, s = -expm1(sx), expm1(L3), expm1(L4), lns.exp()
    e = [Dm(1), -g, 2 * g, p3 - 4 * g - g * p3, p4 - 4 * p3 + 8 * g + 4 * g * p3]
    EY, EY3, EY4 = 1 - g, (1 - g) * (1 + p3), 1 + p4
    raw = abs(e[3] - (EY3 - 3 + 3 * EY - 1)) < TINY and abs(e[4] - (EY4 - 4 * EY3 + 6 - 4 * EY + 1)) < TINY
    C = [[1], [1, 1], [1, 2, 1], [1, 3, 3, 1], [1, 4, 6, 4, 1]]
    EXm = lambda j: sum(C[j][i] * s ** i * e[i] * ((s - 1) ** (j - i) if j > i else 1)
                        for i in range(j + 1))
    return EXm(2), EXm(4), raw


worst, rawok = Dm(0), True
for est in ('U', 'MLE'):
    for M, n in ((2, 1), (3, 4), (10, 6), (7, 1)):
        a_ = route_notes(M, est, n)
        b_ = route_state([M] * n, est)
        c2, c4, raw = route_ej([M] * n, est)
        rawok &= raw
        worst = max(worst, rel(a_[0], b_[0]), rel(a_[1], b_[1]), rel(c2, b_[2]['EX2m']),
                    rel(c4, b_[2]['EX4m']))
    Ms = [3, 5, 2, 9, 4]
    b_ = route_state(Ms, est)
    c2, c4, raw = route_ej(Ms, est)
    rawok &= raw
    worst = max(worst, rel(c2, b_[2]['EX2m']), rel(c4, b_[2]['EX4m']))
    # schedule: state recursion against the general raw sums
    n = len(Ms)
    ln = [{r: lnm(M, est, r) for r in ('0.5', '1', '1.5', '2')} for M in Ms]
    P = lambda r, i, j: sum((ln[t][r] for t in range(i, j)), Dm(0)).exp()
    EV = sum(P('1', 0, i) / Ms[i] for i in range(n))
    EV2 = sum(P('2', 0, i) / D(Ms[i]) ** 2 for i in range(n)) + 2 * sum(
        P('2', 0, i) * P('1', i, l) / (D(Ms[i]) * Ms[l]) for i in range(n) for l in range(i + 1, n))
    EVX = sum(P('1.5', 0, i) * P('0.5', i, n) / Ms[i] for i in range(n))
    EVX2 = sum(P('2', 0, i) * P('1', i, n) / Ms[i] for i in range(n))
    d = b_[2]
    worst = max(worst, rel(EV, d['EV']), rel(EV2, d['EV2']), rel(EVX, d['EVX']), rel(EVX2, d['EVX2']))
check('W2 variance: raw sums = state recursion = e_j route (constant M and a schedule)',
      worst < Dm(10) ** -95, '%.1e' % worst)
check('e_3 = p3 - 4g - g p3, e_4 = p4 - 4 p3 + 8 g + 4 g p3 from raw moments of Y', rawok)
ok = True
for est in ('U', 'MLE'):
    Ms = [3, 5, 2, 9]
    EW = route_state(Ms, est)[0]
    S = sum(1 / D(M) for M in Ms)
    S12 = sum(lnm(M, est, '0.5') for M in Ms)
    ok &= abs(EW - ((S if est == 'U' else 0) - 2 * expm1(S12))) < TINY
check('E W2^2 = [marginal - sigma^2] - 2 sigma^2 expm1(sum ln m_i(1/2))', ok)
ok = True
for est in ('U', 'MLE'):
    for M in (10 ** 6, 10 ** 8):
        EW, VW, _ = route_state([M] * 5, est)
        S = D(5) / M
        ok &= abs(EW / S - Dm('1.5')) < 20 * S and abs(VW / S ** 2 - Dm('2.5')) < 2000 * S
check('leading orders E W2^2 ~ (3/2) sigma^2 S, Var ~ (5/2) sigma^4 S^2', ok)

# ---------------------------------------------------------------- 06
print('== 06 accumulate')
ok = True
for M in (2, 3, 10, 1000):
    for t in range(1, 30):
        for est, Dt, Dt1 in (('U', t * M - 1, (t + 1) * M - 1), ('MLE', t * M, (t + 1) * M)):
            gen = (Dt + M - F(1, t + 1)) / Dt1
            spec = 1 - F(1, (t + 1) * ((t + 1) * M - 1)) if est == 'U' else 1 - F(1, (t + 1) ** 2 * M)
            ok &= gen == spec
    ok &= (0 + M - 1) / F(M) == 1 - F(1, M)           # MLE at t = 0
    ok &= (-1 + M - 1) / F(M - 1) != 1                # U at t = 0 would be wrong
    ok &= F(t * M * M, (t + 1) * M) == F(t * M, t + 1)
check('accumulate: (D_t + M - 1/(t+1))/D_{t+1} gives the U and MLE factors; U not at t = 0', ok)
ok = True
for M in (2, 3, 10, 1000, 10 ** 6):
    T, Mi = 3000, D(M)
    v, vU, e = Dm(1), Dm(1), Dm(0)
    for t in range(T):
        e += v / ((t + 1) ** 2 * Mi)
        v *= 1 - 1 / ((t + 1) ** 2 * Mi)
        if t >= 1:
            vU *= 1 - 1 / ((t + 1) * ((t + 1) * Mi - 1))
    c = 1 / Mi.sqrt()
    G = lngamma
    cl = (G(T + 1 - c) + G(T + 1 + c) - G(1 - c) - G(1 + c) - 2 * G(T + 1)).exp()
    sq = (1 + 4 * Mi).sqrt()
    rp, rm = (1 + sq) / (2 * Mi), (1 - sq) / (2 * Mi)
    clU = (G(T + 1 - rp) + G(T + 1 - rm) - G(2 - rp) - G(2 - rm) - G(T + 1) - G(T + 1 - 1 / Mi)
           + G(2) + G(2 - 1 / Mi)).exp()
    limM = (-G(1 - c) - G(1 + c)).exp()
    limU = (G(2 - 1 / Mi) - G(2 - rp) - G(2 - rm)).exp()
    ok &= rel(cl, v) < Dm(10) ** -80 and rel(clU, vU) < Dm(10) ** -80
    ok &= rel(limM, sin(PI * c) / (PI * c)) < Dm(10) ** -80
    ok &= 0 < limM < v and 0 < limU < vU and rel(limM, v) < 1 / (D(T) * M) and rel(limU, vU) < 1 / (D(T) * M)
    ok &= e < PI ** 2 / 6 / Mi
    if M == 2:
        ok &= abs(limU - D(2) / 3) < TOL
check('accumulate Gamma closed forms, limits (Euler sine product; U Gamma form; 2/3 at M=2), '
      'e_t < (pi^2/6) sigma^2/M', ok)

# ---------------------------------------------------------------- 07
print('== 07 mix')


def A_b(M, lam, est):
    u = 1 - lam
    if est == 'U':
        return [[u * u, u / M], [F(M, M - 1) * lam * u, u]], [lam / M, lam]
    return [[u * u, u / M], [lam * u, F(M - 1, M) * u]], [lam / M, F(M - 1, M) * lam]


ok = True
for M in (2, 3, 5, 10, 1000):
    for r in range(1, M + 1):
        lam = F(r, M)
        s = M - r
        ok &= r - 1 + F(s, M) == lam * (M - 1) and s - 1 + F(r, M) == (1 - lam) * (M - 1) \
            and F(r * s, M) == lam * (1 - lam) * M
check('mix: r-1+s/M = lambda(M-1), s-1+r/M = (1-lambda)(M-1), rs/M = lambda(1-lambda)M', ok)
ok = True
for M in (2, 3, 10, 1000):
    c = math.sqrt(1 - 1 / M)
    ls = 1 - c
    for lam in (F(1, M), F(1, 2), F(1, M * M), F(1), F(3, 7), F(1, 4 * M)):
        for est in ('U', 'MLE'):
            A, b = A_b(M, lam, est)
            u = 1 - lam
            d = (1 - A[0][0]) * (1 - A[1][1]) - A[0][1] * A[1][0]
            tr = A[0][0] + A[1][1]
            det = A[0][0] * A[1][1] - A[0][1] * A[1][0]
            ok &= d == 1 - tr + det and tr < 2
            ok &= d == (lam * (1 - u * u * F(M, M - 1)) if est == 'U' else lam * ((1 + u) * lam + u / M))
            rho = (float(tr) + math.sqrt(float(tr * tr - 4 * det))) / 2
            ok &= (rho < 1) == (float(lam) > ls if est == 'U' else True)
            if rho < 1:
                if est == 'U':
                    es = F(M - 1, M) / (M - 1 - u * u * M)
                    vs = 1 + F(M, M - 1) * u * es
                else:
                    es = 1 / (lam * M * (1 + u) + u)
                    vs = lam * (F(M - 1, M) + u * es) / (lam + u / M)
                ok &= (A[0][0] * es + A[0][1] * vs + b[0], A[1][0] * es + A[1][1] * vs + b[1]) == (es, vs)
    ok &= abs(ls - (1 / M) / (1 + c)) < 1e-15 and 1 / M > (1 / M) / (1 + c)
check('mix: det(I-A) formulas, stable <=> lambda > lambda*, fixed points, lambda = 1/M > lambda*', ok)

# ---------------------------------------------------------------- 08
print('== 08 numerics')


def two_sum(a, b):
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def split(a):
    c = 134217729.0 * a
    hi = c - (c - a)
    return hi, a - hi


def two_prod(a, b):
    p = a * b
    ah, al = split(a)
    bh, bl = split(b)
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


rng = random.Random(17)
ok = True
for _ in range(100000):
    a = rng.uniform(-1, 1) * 2.0 ** rng.randint(-60, 60)
    b = rng.uniform(-1, 1) * 2.0 ** rng.randint(-60, 60)
    s, e = two_sum(a, b)
    ok &= F(s) + F(e) == F(a) + F(b)
    p, e = two_prod(a, b)
    ok &= F(p) + F(e) == F(a) * F(b)
check('TwoSum and TwoProd are exact (1e5 random pairs)', ok)
n = 10 ** 6
xs = [-math.log1p(-1.0 / rng.randint(2, 10 ** 6)) for _ in range(n)]
hi = lo = naive = 0.0
for x in xs:
    s, e = two_sum(hi, x)
    e += lo
    hi = s + e
    lo = e - (hi - s)
    naive += x
getcontext().prec = 60
ref = sum((Dm(x) for x in xs), Dm(0))
edd = float(abs(Dm(hi) + Dm(lo) - ref) / ref)
ena = float(abs(Dm(naive) - ref) / ref)
getcontext().prec = 110
check('dd sum of 1e6 same-sign terms keeps < 1e-25 relative (double sum: ~1e-13)',
      edd < 1e-25 and ena > 1e-15, 'dd %.1e, double %.1e' % (edd, ena))

print()
if FAILS:
    print('%d check(s) FAILED: %s' % (len(FAILS), '; '.join(FAILS)))
    sys.exit(1)
print('all checks passed')
