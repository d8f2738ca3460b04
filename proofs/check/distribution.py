"""Numerical checks of the facts stated in proofs/09-distribution.md and
proofs/10-bounds-and-collapse-time.md.

Deterministic 110-digit decimal arithmetic (hp.py), no third-party packages,
independent of refit's code.  Exit status 1 if any check fails.
Run: python3 proofs/check/distribution.py   (about 1 s)
"""
import math
import sys

sys.dont_write_bytecode = True  # keep proofs/check free of __pycache__

from hp import Dm, PI, D, divisor, lngamma, polygamma

FAILS = []


def check(name, ok, detail=''):
    print(('ok    ' if ok else 'FAIL  ') + name + (('  ' + detail) if detail else ''))
    if not ok:
        FAILS.append(name)


def erf(z):
    """erf by its Taylor series (fine for |z| < 3 at 110 digits)."""
    z = D(z)
    s, term, n = Dm(0), z, 0
    eps = Dm(10) ** -120
    while abs(term) > eps:
        s += term / (2 * n + 1)
        n += 1
        term *= -z * z / n
    return 2 * s / PI.sqrt()


# ---------------------------------------------------------------- 09 sec. 8
print('== 09 the chi^2_1 median (n = 1, M = 2, unbiased)')
lo, hi = Dm('0.4'), Dm('0.5')
for _ in range(370):  # bisection to below 1e-110
    mid = (lo + hi) / 2
    if erf((mid / 2).sqrt()) < Dm('0.5'):
        lo = mid
    else:
        hi = mid
median = (lo + hi) / 2
check('chi^2_1 median = 0.4549364231195727519...', abs(median - Dm('0.4549364231195727519')) < Dm('1e-19'),
      str(median)[:40])
check('the double the CLI test uses (0.45493642311957275) is the nearest',
      float(median) == 0.45493642311957275)

# ---------------------------------------------------------------- 09 sec. 6
print('== 09 the Lugannani-Rice limit at the mean: F(E L) ~ 1/2 + lambda3 / (6 sqrt(2 pi))')


def K_derivs(M, est, n, s):
    """K, K', K'', K''' of L_n (constant M) at real s, 110 digits."""
    M, s = D(M), D(s)
    a = (M - 1) / 2
    l2 = (2 / divisor(M, est)).ln()
    return (n * (s * l2 + lngamma(a + s) - lngamma(a)), n * (l2 + polygamma(0, a + s)),
            n * polygamma(1, a + s), n * polygamma(2, a + s))


def Phi(w):
    return (1 + erf(w / Dm(2).sqrt())) / 2


def lr_cdf(M, est, n, s):
    """Lugannani-Rice at the x whose saddlepoint is s (s != 0)."""
    K, K1, K2, _ = K_derivs(M, est, n, s)
    x = K1
    w = (2 * (s * x - K)).sqrt() * (1 if s > 0 else -1)
    u = s * K2.sqrt()
    phi = (-w * w / 2).exp() / (2 * PI).sqrt()
    return Phi(w) + phi * (1 / w - 1 / u)


for M, est, n in ((3, 'U', 1), (10, 'MLE', 7), (1000, 'U', 100)):
    _, _, k2, k3 = K_derivs(M, est, n, 0)
    lam3 = k3 / k2 ** Dm('1.5')
    limit = Dm('0.5') + lam3 / (6 * (2 * PI).sqrt())
    s = Dm('1e-12')  # small enough for O(s^2) = 1e-24, large enough that 1/w - 1/u keeps ~50 digits
    got = (lr_cdf(M, est, n, s) + lr_cdf(M, est, n, -s)) / 2  # symmetric: the O(s) terms cancel
    check('M=%d %s n=%d: limit %.17g' % (M, est, n, float(limit)), abs(got - limit) < Dm('1e-20'),
          'LR at s=+-1e-12: %.3g off' % float(abs(got - limit)))
    check('M=%d %s n=%d: lambda3 < 0, so F(E L) < 1/2 (median above the mean)' % (M, est, n), limit < Dm('0.5'))

# ---------------------------------------------------------------- 10 sec. 6
print('== 10 Wald bound asymptotics: 1/|delta| = M - 4/3 + O(1/M) (U), M/2 - 11/24 + O(1/M) (MLE)')


def drift(M, est):
    M = D(M)
    a = (M - 1) / 2
    return polygamma(0, a) + (2 / divisor(M, est)).ln()


prev = None
for e in range(2, 9):
    M = Dm(10) ** e
    dU, dM = -drift(M, 'U'), -drift(M, 'MLE')
    rU = (M - Dm(4) / 3) * dU - 1      # should be O(M^-2)
    rM = (M / 2 - Dm(11) / 24) * dM - 1
    check('M=1e%d: (M - 4/3)|delta_U| - 1 = %.3g, M^2 times it bounded' % (e, float(rU)), abs(rU) * M * M < 2)
    check('M=1e%d: (M/2 - 11/24)|delta_MLE| - 1 = %.3g, M^2 times it bounded' % (e, float(rM)), abs(rM) * M * M < 2)
    check('M=1e%d: the notes\' leading orders: M |delta_U| -> 1, (M/2) |delta_MLE| -> 1' % e,
          abs(M * dU - 1) < 2 / M and abs(M / 2 * dM - 1) < 2 / M)

# The notes' "(M - 1)" is not the next-order constant: (M - 1)|delta_U| - 1 ~ +1/(3M) is O(1/M), not O(1/M^2).
M = Dm(10) ** 6
r = (M - 1) * (-drift(M, 'U')) - 1
check('(M-1)|delta_U| - 1 = %.4g ~ 1/(3M): M - 1 is right only to leading order' % float(r),
      abs(r * 3 * M - 1) < Dm('1e-5'))

# ---------------------------------------------------------------- 10 sec. 4
print('== 10 Lorden constant at M = 3 (U): E[(ln q)^2; q < 1], q ~ Exp(1)')
# int_0^1 (ln x)^2 e^{-x} dx = sum_j (-1)^j / j! * 2 / (j+1)^3 (termwise: int_0^1 x^j ln^2 x dx = 2/(j+1)^3)
E2 = Dm(0)
fact = Dm(1)
for j in range(0, 120):
    if j:
        fact *= j
    E2 += (-1) ** j * 2 / (fact * (j + 1) ** 3)
gamma = -polygamma(0, 1)
EX2 = polygamma(1, 1) + gamma * gamma  # E (ln q)^2 = psi'(1) + psi(1)^2
check('E[(X+)^2] = %.17g < E X^2 = %.17g' % (float(E2), float(EX2)), 0 < E2 < EX2)
b = Dm(100).ln()
print('      eps = 0.01: Wald %.17g <= E tau <= Lorden %.17g' % (float(b / gamma), float(b / gamma + E2 / gamma ** 2)))

if FAILS:
    print('%d check(s) failed: %s' % (len(FAILS), ', '.join(FAILS)))
    sys.exit(1)
print('all distribution checks passed')
