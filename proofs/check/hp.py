"""High-precision special functions for checking the derivations in proofs/.

Plain Python 3 (decimal + fractions), independent of refit's C code and of
its MPFR twins.  Working precision: 110 significant digits.

lngamma / polygamma: shift the argument above 80 with the recurrence, then
the Stirling / polygamma asymptotic series with exact Bernoulli numbers (30
terms: the first omitted term is far below 1e-100 at x >= 80).
"""
import math
from decimal import Decimal as Dm, getcontext
from fractions import Fraction as F

getcontext().prec = 110


def bernoulli(nmax):
    """B_0..B_nmax as Fractions (Akiyama-Tanigawa; B_1 = +1/2, unused)."""
    out, A = [], [F(0)] * (nmax + 1)
    for m in range(nmax + 1):
        A[m] = F(1, m + 1)
        for j in range(m, 0, -1):
            A[j - 1] = j * (A[j - 1] - A[j])
        out.append(A[0])
    return out


BN = bernoulli(80)


def fd(fr):
    return Dm(fr.numerator) / Dm(fr.denominator)


def D(x):
    """Exact conversion to Decimal (floats are converted exactly)."""
    if isinstance(x, Dm):
        return x
    if isinstance(x, F):
        return Dm(x.numerator) / Dm(x.denominator)
    return Dm(x)


def _atan_inv(n):
    x = Dm(1) / n
    x2, s, t, k = x * x, Dm(0), x, 0
    eps = Dm(10) ** (-getcontext().prec - 5)
    while True:
        term = t / (2 * k + 1)
        if term < eps:
            return s
        s += term if k % 2 == 0 else -term
        t *= x2
        k += 1


PI = 16 * _atan_inv(5) - 4 * _atan_inv(239)  # Machin
LN2PI = (2 * PI).ln()


def lngamma(x, K=30, shift=80):
    x, s = D(x), Dm(0)
    while x < shift:
        s -= x.ln()
        x += 1
    r = (x - Dm('0.5')) * x.ln() - x + LN2PI / 2
    for k in range(1, K + 1):
        r += fd(BN[2 * k]) / (2 * k * (2 * k - 1) * x ** (2 * k - 1))
    return r + s


def polygamma(m, x, K=30, shift=80):
    """psi^{(m)}(x), m >= 0, x > 0."""
    x, s = D(x), Dm(0)
    fm = math.factorial(m)
    while x < shift:
        s += -1 / x if m == 0 else (-1) ** (m + 1) * Dm(fm) / x ** (m + 1)
        x += 1
    if m == 0:
        r = x.ln() - 1 / (2 * x)
        for k in range(1, K + 1):
            r -= fd(BN[2 * k]) / (2 * k * x ** (2 * k))
    else:
        r = Dm(math.factorial(m - 1)) / x ** m + Dm(fm) / (2 * x ** (m + 1))
        for k in range(1, K + 1):
            r += fd(BN[2 * k]) * Dm(math.factorial(2 * k + m - 1)) / (
                Dm(math.factorial(2 * k)) * x ** (2 * k + m))
        r *= (-1) ** (m + 1)
    return r + s


def log1p(t):
    return (1 + D(t)).ln()


def expm1(t):
    t = D(t)
    if abs(t) < Dm('1e-5'):
        s, term, k = Dm(0), t, 1
        eps = Dm(10) ** (-getcontext().prec - 5)
        while abs(term) > eps:
            s += term
            k += 1
            term = term * t / k
        return s
    return t.exp() - 1


def sin(x):
    x = D(x)
    s, term, k = Dm(0), x, 1
    eps = Dm(10) ** (-getcontext().prec - 5)
    while abs(term) > eps:
        s += term
        term *= -x * x / ((k + 1) * (k + 2))
        k += 2
    return s


def divisor(M, est):
    M = D(M)
    return M - 1 if est == 'U' else M


def lnm(M, est, r):
    """ln m(r) = r ln(2/D) + lnGamma(a+r) - lnGamma(a), straight from the definition."""
    M, r = D(M), D(r)
    a = (M - 1) / 2
    return r * (2 / divisor(M, est)).ln() + lngamma(a + r) - lngamma(a)


def m(M, est, r):
    return lnm(M, est, r).exp()


def excess(a, r):
    a, r = D(a), D(r)
    return lngamma(a + r) - lngamma(a) - r * a.ln()


# Var W2^2 by the raw sums of theory-notes sec. 3 (constant M): returns (E W2^2, Var W2^2)
# for sigma = 1.  Shared by identities.py and montecarlo.py.
def route_notes(M, est, n):
    mm = {r: m(M, est, r) for r in ('0.5', '1', '1.5', '2')}
    Mi = D(M)
    EV = sum(mm['1'] ** i for i in range(n)) / Mi
    EV2 = sum(mm['2'] ** i * (1 + 2 * sum(mm['1'] ** (l - i) for l in range(i + 1, n)))
              for i in range(n)) / Mi ** 2
    EVX2 = sum(mm['2'] ** i * mm['1'] ** (n - i) for i in range(n)) / Mi
    EVX = sum(mm['1.5'] ** i * mm['0.5'] ** (n - i) for i in range(n)) / Mi
    EX4m = mm['2'] ** n - 4 * mm['1.5'] ** n + 6 * mm['1'] ** n - 4 * mm['0.5'] ** n + 1
    EX2m = mm['1'] ** n - 2 * mm['0.5'] ** n + 1
    EW = EV + EX2m
    return EW, 3 * EV2 + 2 * (EVX2 - 2 * EVX + EV) + EX4m - EW ** 2
