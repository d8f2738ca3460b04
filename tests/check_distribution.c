/* The distribution of L_n = ln(sigma_n^2/sigma^2) (refit/distribution.h).
 *
 * Expected values never come from the code under test:
 *  - n = 1: L_1 = ln(Q/D), Q ~ chi^2_k, so P(L_1 <= x) = P(a, D e^x / 2), the
 *    regularised incomplete gamma, computed here in MPFR (256 bits) by its
 *    power series (below the mean) or Legendre's continued fraction (above),
 *    each of which has relative accuracy in its own tail;
 *  - n = 2: a direct quadrature of the convolution of two n = 1 laws in long
 *    double (no transform, no inversion);
 *  - bounds are checked against the exact CDF (itself checked above);
 *  - the mean collapse time against a Monte Carlo of the walk.
 * When REFIT_DIST_MD names a file, the tests write the measured tables of
 * docs/distribution.md there. */
#include <check.h>
#include <float.h>
#include <math.h>
#include <mpfr.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refit/distribution.h"
#include "test_rng.h"
#include "test_mp.h"
#include "test_ulp.h"
#include "../theory/distribution_internal.h"

static refit_model model_const(double M, refit_estimator est)
{
    refit_model m = refit_model_default();
    m.schedule = refit_schedule_const(M);
    m.estimator = est;
    return m;
}

static double Dof(double M, refit_estimator est) { return est == REFIT_ESTIMATOR_MLE ? M : M - 1.0; }

static FILE *md_open(const char *mode)
{
    const char *path = getenv("REFIT_DIST_MD");
    return (path && *path) ? fopen(path, mode) : NULL;
}

static void mean_sd(const refit_model *m, uint64_t n, double *mean, double *sd)
{
    double var;
    ck_assert(refit_dist_cgf(m, n, 0.0, NULL, mean, &var) == REFIT_OK);
    *sd = sqrt(var);
}

/* ---- n = 1 reference: regularised incomplete gamma in MPFR ------------- */

#define RP 256

/* ln P(a, z) and ln Q(a, z), a > 0, z > 0. */
static void mp_gamma_pq(double a, const mpfr_t z, double *lnP, double *lnQ)
{
    mpfr_t A, pre, s, t, b, c, d, del, h, an;
    mpfr_inits2(RP, A, pre, s, t, b, c, d, del, h, an, (mpfr_ptr)0);
    mpfr_set_d(A, a, MPFR_RNDN);
    /* pre = a ln z - z - lnGamma(a) */
    mpfr_log(pre, z, MPFR_RNDN);
    mpfr_mul(pre, pre, A, MPFR_RNDN);
    mpfr_sub(pre, pre, z, MPFR_RNDN);
    mpfr_lngamma(t, A, MPFR_RNDN);
    mpfr_sub(pre, pre, t, MPFR_RNDN);
    int lower = mpfr_cmp_d(z, a + 1.0) < 0;
    if (lower) {
        refit_test_mp_log_lower_gamma(t, A, z); /* ln P */
    } else {
        /* Q = e^pre * CF, CF = 1/(z+1-a- 1(1-a)/(z+3-a- 2(2-a)/(z+5-a- ...))) (modified Lentz) */
        mpfr_set_d(b, 1.0 - a, MPFR_RNDN);
        mpfr_add(b, b, z, MPFR_RNDN); /* z + 1 - a */
        mpfr_set_d(c, 1e300, MPFR_RNDN);
        mpfr_ui_div(d, 1, b, MPFR_RNDN);
        mpfr_set(h, d, MPFR_RNDN);
        for (long i = 1; i < 50000000; i++) {
            mpfr_set_d(an, -(double)i, MPFR_RNDN);
            mpfr_mul_d(an, an, (double)i - a, MPFR_RNDN);
            mpfr_add_ui(b, b, 2, MPFR_RNDN);
            mpfr_mul(d, d, an, MPFR_RNDN);
            mpfr_add(d, d, b, MPFR_RNDN);
            mpfr_ui_div(d, 1, d, MPFR_RNDN);
            mpfr_div(c, an, c, MPFR_RNDN);
            mpfr_add(c, c, b, MPFR_RNDN);
            mpfr_mul(del, d, c, MPFR_RNDN);
            mpfr_mul(h, h, del, MPFR_RNDN);
            mpfr_sub_ui(del, del, 1, MPFR_RNDN);
            if (mpfr_zero_p(del) || mpfr_get_exp(del) < -RP + 4) break;
        }
        mpfr_log(h, h, MPFR_RNDN);
        mpfr_add(t, pre, h, MPFR_RNDN); /* ln Q */
    }
    /* the other one: ln(1 - e^t) */
    mpfr_exp(s, t, MPFR_RNDN);
    mpfr_neg(s, s, MPFR_RNDN);
    mpfr_log1p(s, s, MPFR_RNDN);
    double first = mpfr_get_d(t, MPFR_RNDN), second = mpfr_get_d(s, MPFR_RNDN);
    *lnP = lower ? first : second;
    *lnQ = lower ? second : first;
    mpfr_clears(A, pre, s, t, b, c, d, del, h, an, (mpfr_ptr)0);
}

/* ln P(L_1 <= x), ln P(L_1 > x) at z = D e^x / 2. */
static void ref_n1(double M, refit_estimator est, double x, double *lcdf, double *lsf)
{
    mpfr_t z;
    mpfr_init2(z, RP);
    mpfr_set_d(z, x, MPFR_RNDN);
    mpfr_exp(z, z, MPFR_RNDN);
    mpfr_mul_d(z, z, 0.5 * Dof(M, est), MPFR_RNDN);
    mp_gamma_pq(0.5 * (M - 1.0), z, lcdf, lsf);
    mpfr_clear(z);
}

static double rel(double v, double ref) { return v == ref ? 0.0 : fabs(v - ref) / fabs(ref); }

static const double N1_MS[] = {2, 3, 5, 10, 100, 1e4, 1e6, 1e9};
#define N1_NM (sizeof N1_MS / sizeof N1_MS[0])

START_TEST(n1_matches_incomplete_gamma)
{
    static const double rs[] = {-30, -12, -6, -3, -1.5, -0.5, 0, 0.5, 1.5, 3, 6, 12, 30};
    double worst_cdf = 0, worst_lcdf = 0, worst_lsf = 0;
    FILE *md = md_open("a");
    if (md) fprintf(md, "\n## n = 1 against the MPFR incomplete gamma\n\n| M | estimator | worst abs CDF error | worst rel log-CDF error | worst rel log-SF error | smallest probability checked |\n|---|---|---|---|---|---|\n");
    for (unsigned i = 0; i < N1_NM; i++)
        for (int e = 0; e < 2; e++) {
            double M = N1_MS[i], a = 0.5 * (M - 1.0), D = Dof(M, (refit_estimator)e);
            refit_model m = model_const(M, (refit_estimator)e);
            double mean, sd, wc = 0, wl = 0, ws = 0, pmin = 1;
            mean_sd(&m, 1, &mean, &sd);
            double xs[sizeof rs / sizeof rs[0] + 2];
            unsigned nx = 0;
            for (unsigned r = 0; r < sizeof rs / sizeof rs[0]; r++) xs[nx++] = mean + rs[r] * sd;
            /* deep tails: ln P ~ -200 (lower: z^a/Gamma(a+1) = e^-200; upper: z ~ a + sqrt(400 a) + 200) */
            xs[nx++] = log(2.0 / D) + (-200.0 + lgamma(a + 1.0)) / a;
            xs[nx++] = log(2.0 * (a + sqrt(400.0 * a) + 200.0) / D);
            for (unsigned j = 0; j < nx; j++) {
                double x = xs[j], lc, ls, c, rlc, rls;
                ck_assert(refit_dist_cdf(&m, 1, x, &c) == REFIT_OK);
                ck_assert(refit_dist_log_cdf(&m, 1, x, &lc) == REFIT_OK);
                ck_assert(refit_dist_log_sf(&m, 1, x, &ls) == REFIT_OK);
                ref_n1(M, (refit_estimator)e, x, &rlc, &rls);
                double ec = fabs(c - exp(rlc)), el = rel(lc, rlc), es = rel(ls, rls);
                ck_assert_msg(ec <= 1e-12 && el <= 1e-12 && es <= 1e-12,
                              "M=%g est=%d x=%.17g: cdf %.17g (err %.2e) log-cdf %.17g vs %.17g (%.2e) "
                              "log-sf %.17g vs %.17g (%.2e)",
                              M, e, x, c, ec, lc, rlc, el, ls, rls, es);
                wc = fmax(wc, ec);
                wl = fmax(wl, el);
                ws = fmax(ws, es);
                pmin = fmin(pmin, fmin(rlc, rls));
            }
            if (md) fprintf(md, "| %g | %s | %.1e | %.1e | %.1e | e^%.0f |\n", M, e ? "MLE" : "unbiased", wc, wl, ws, pmin);
            worst_cdf = fmax(worst_cdf, wc);
            worst_lcdf = fmax(worst_lcdf, wl);
            worst_lsf = fmax(worst_lsf, ws);
        }
    printf("n=1 vs MPFR: worst abs cdf %.2e, rel log-cdf %.2e, rel log-sf %.2e\n", worst_cdf, worst_lcdf, worst_lsf);
    if (md) fclose(md);
}
END_TEST

/* The deepest tails (probabilities near 1e-300), both sides, small and large M. */
START_TEST(n1_deep_tails)
{
    static const double Ms[] = {2, 3, 1000, 1e9};
    for (unsigned i = 0; i < 4; i++)
        for (int e = 0; e < 2; e++) {
            double M = Ms[i], a = 0.5 * (M - 1.0), D = Dof(M, (refit_estimator)e);
            refit_model m = model_const(M, (refit_estimator)e);
            double xs[2] = {log(2.0 / D) + (-690.0 + lgamma(a + 1.0)) / a,
                            log(2.0 * (a + sqrt(1380.0 * a) + 690.0) / D)};
            for (int j = 0; j < 2; j++) {
                double l, rlc, rls;
                ref_n1(M, (refit_estimator)e, xs[j], &rlc, &rls);
                if (j == 0)
                    ck_assert(refit_dist_log_cdf(&m, 1, xs[j], &l) == REFIT_OK);
                else
                    ck_assert(refit_dist_log_sf(&m, 1, xs[j], &l) == REFIT_OK);
                double r = j == 0 ? rlc : rls;
                ck_assert_msg(r < -600.0 && rel(l, r) <= 1e-12, "M=%g est=%d x=%.17g: %.17g vs %.17g", M, e,
                              xs[j], l, r);
            }
        }
}
END_TEST

/* ---- n = 2: direct quadrature of the convolution (long double) ---------- */

/* ln P(a, z) and ln Q(a, z) in long double (series / continued fraction). */
static void ld_gamma_pq(long double a, long double z, long double *lnP, long double *lnQ)
{
    long double pre = a * logl(z) - z - lgammal(a);
    if (z < a + 1.0L) {
        long double s = 0.0L, term = 1.0L;
        for (int j = 1; j < 100000; j++) {
            s += term;
            term *= z / (a + j);
            if (term < 1e-21L * s) break;
        }
        *lnP = pre + logl(s / a);
        *lnQ = log1pl(-expl(*lnP));
    } else {
        long double b = z + 1.0L - a, c = 1e4000L, d = 1.0L / b, h = d;
        for (int i = 1; i < 100000; i++) {
            long double an = -i * (i - a);
            b += 2.0L;
            d = 1.0L / (an * d + b);
            c = b + an / c;
            long double del = d * c;
            h *= del;
            if (fabsl(del - 1.0L) < 1e-20L) break;
        }
        *lnQ = pre + logl(h);
        *lnP = log1pl(-expl(*lnQ));
    }
}

/* ln of P(G1 G2 <= t) (upper = 0) or P(G1 G2 > t) (upper = 1), G_i ~ Gamma(a_i),
 * as int f_{G1}(e^u) e^u P_or_Q(a2, t e^-u) du, trapezoid in u around the
 * peak, h halved until two sums agree to 1e-17. */
static long double ld_log_integrand(long double a1, long double a2, long double lt, long double u,
                                    int upper)
{
    long double P, Q;
    ld_gamma_pq(a2, expl(lt - u), &P, &Q);
    return a1 * u - expl(u) - lgammal(a1) + (upper ? Q : P);
}

static long double ld_conv_log(double a1, double a2, long double lt, int upper)
{
    long double upk = 0.0L, lpk = -INFINITY;
    for (long double u = -80.0L; u <= 8.0L; u += 0.25L) {
        long double l = ld_log_integrand(a1, a2, lt, u, upper);
        if (l > lpk) {
            lpk = l;
            upk = u;
        }
    }
    long double prev = NAN;
    for (long double h = 0.125L; h > 1e-3L; h *= 0.5L) {
        long double sum = 0.0L;
        for (int dir = -1; dir <= 1; dir += 2)
            for (int k = dir < 0 ? 1 : 0; k < 200000; k++) {
                long double term = expl(ld_log_integrand(a1, a2, lt, upk + dir * k * h, upper) - lpk);
                sum += term;
                if (term < 1e-24L * sum && k * h > 2.0L) break;
            }
        long double val = logl(h * sum) + lpk;
        if (fabsl(val - prev) <= 1e-17L * fmaxl(1.0L, fabsl(val))) return val;
        prev = val;
    }
    return prev;
}

START_TEST(n2_matches_convolution)
{
    static const double rs[] = {-12, -6, -3, -1, 0, 1, 3, 6};
    static const double pairs[][2] = {{2, 2}, {3, 3}, {7, 7}, {30, 30}, {2, 5}, {40, 3}};
    double worst_c = 0, worst_l = 0;
    FILE *md = md_open("a");
    for (unsigned p = 0; p < 6; p++)
        for (int e = 0; e < 2; e++) {
            refit_model m = model_const(pairs[p][0], (refit_estimator)e);
            if (pairs[p][0] != pairs[p][1]) {
                m.schedule.kind = REFIT_SCHEDULE_LIST;
                m.schedule.sizes = pairs[p];
                m.schedule.count = 2;
            }
            double D1 = Dof(pairs[p][0], (refit_estimator)e), D2 = Dof(pairs[p][1], (refit_estimator)e);
            double a1 = 0.5 * (pairs[p][0] - 1), a2 = 0.5 * (pairs[p][1] - 1), mean, sd;
            mean_sd(&m, 2, &mean, &sd);
            for (unsigned r = 0; r < sizeof rs / sizeof rs[0]; r++) {
                double x = mean + rs[r] * sd, c, lc, ls;
                /* P(L_2 <= x) = P(G1 G2 <= D1 D2 e^x / 4) */
                long double lt = logl((long double)D1 * D2 / 4.0L) + x;
                double rlc = (double)ld_conv_log(a1, a2, lt, 0), rls = (double)ld_conv_log(a1, a2, lt, 1);
                ck_assert(refit_dist_cdf(&m, 2, x, &c) == REFIT_OK);
                ck_assert(refit_dist_log_cdf(&m, 2, x, &lc) == REFIT_OK);
                ck_assert(refit_dist_log_sf(&m, 2, x, &ls) == REFIT_OK);
                /* the reference carries long double's absolute 1e-19 in the larger
                 * probability: compare the log of the smaller tail relatively and
                 * the other log absolutely */
                double ec = fabs(c - exp(rlc));
                double el = rlc < rls ? fmax(rel(lc, rlc), fabs(ls - rls) / 1e3) : fmax(rel(ls, rls), fabs(lc - rlc) / 1e3);
                ck_assert_msg(ec <= 1e-12 && el <= 1e-12,
                              "M=(%g,%g) est=%d x=%.17g: log-cdf %.17g vs %.17g, log-sf %.17g vs %.17g",
                              pairs[p][0], pairs[p][1], e, x, lc, rlc, ls, rls);
                worst_c = fmax(worst_c, ec);
                worst_l = fmax(worst_l, el);
            }
        }
    printf("n=2 vs convolution: worst abs cdf %.2e, rel log %.2e\n", worst_c, worst_l);
    if (md) {
        fprintf(md, "\n## n = 2 against a direct quadrature of the convolution (long double)\n\n"
                    "Sizes (2,2) (3,3) (7,7) (30,30) and the lists (2,5) (40,3), both estimators, x = mean + r sd "
                    "for r in -12..6: worst absolute CDF error %.1e, worst relative error of log-CDF/log-SF %.1e.\n",
                worst_c, worst_l);
        fclose(md);
    }
}
END_TEST

/* ---- the inversion's own error control ----------------------------------- */

START_TEST(step_control)
{
    /* The a-priori step passes its own a-posteriori bound (no refinement), and
     * halving it changes the result by rounding only. */
    static const double Ms[] = {2, 3, 10, 1000, 1e9};
    static const uint64_t ns[] = {1, 2, 50, 1000000};
    static const double rs[] = {-20, -4, -1, -0.2, 0.2, 1, 4, 20};
    double worst = 0;
    for (unsigned i = 0; i < 5; i++)
        for (unsigned k = 0; k < 4; k++)
            for (unsigned r = 0; r < 8; r++) {
                refit_model m = model_const(Ms[i], REFIT_ESTIMATOR_UNBIASED);
                double mean, sd;
                mean_sd(&m, ns[k], &mean, &sd);
                double x = mean + rs[r] * sd;
                refit_dist_law law;
                ck_assert(refit_dist_law_make(&m, ns[k], &law) == REFIT_OK);
                double c = refit_dist_choose_line(&law, x);
                refit_dist_inversion a, b;
                ck_assert(refit_dist_invert(&law, x, c, 1.0, &a) == REFIT_OK);
                ck_assert(refit_dist_invert(&law, x, c, 0.5, &b) == REFIT_OK);
                refit_dist_law_free(&law);
                double d = rel(a.log_p, b.log_p);
                ck_assert_msg(a.refinements == 0 && a.bound <= 1e-15 && d <= 1e-13,
                              "M=%g n=%llu x=%.17g: refinements %d bound %.2e, h vs h/2 %.2e", Ms[i],
                              (unsigned long long)ns[k], x, a.refinements, a.bound, d);
                worst = fmax(worst, d);
            }
    printf("h vs h/2: worst relative change of ln p %.2e\n", worst);
}
END_TEST

/* ---- quantiles ------------------------------------------------------------ */

START_TEST(median_n1_matches_mpfr)
{
    for (unsigned i = 0; i < N1_NM; i++)
        for (int e = 0; e < 2; e++) {
            double M = N1_MS[i], a = 0.5 * (M - 1.0);
            refit_model m = model_const(M, (refit_estimator)e);
            /* Newton on P(a, z) = 1/2 in MPFR: dP/dz = z^(a-1) e^-z / Gamma(a) */
            mpfr_t z, t, g;
            mpfr_inits2(RP, z, t, g, (mpfr_ptr)0);
            mpfr_set_d(z, fmax(a - 1.0 / 3.0, 0.2), MPFR_RNDN);
            for (int it = 0; it < 60; it++) {
                double lp, lq;
                mp_gamma_pq(a, z, &lp, &lq);
                /* the step in double is enough: it converges quadratically to z's double neighbourhood,
                 * and the last iterations refine in MPFR arithmetic */
                mpfr_log(t, z, MPFR_RNDN);
                mpfr_mul_d(t, t, a - 1.0, MPFR_RNDN);
                mpfr_sub(t, t, z, MPFR_RNDN);
                mpfr_set_d(g, a, MPFR_RNDN);
                mpfr_lngamma(g, g, MPFR_RNDN);
                mpfr_sub(t, t, g, MPFR_RNDN);
                double dens = exp(mpfr_get_d(t, MPFR_RNDN));
                double step = (exp(lp) - 0.5) / dens; /* |P - 1/2| carried in double: 1e-17 abs */
                mpfr_sub_d(z, z, step, MPFR_RNDN);
                if (fabs(step) <= 1e-18 * mpfr_get_d(z, MPFR_RNDN)) break;
            }
            mpfr_mul_d(z, z, 2.0 / Dof(M, (refit_estimator)e), MPFR_RNDN);
            mpfr_log(z, z, MPFR_RNDN);
            double ref = mpfr_get_d(z, MPFR_RNDN), q;
            mpfr_clears(z, t, g, (mpfr_ptr)0);
            ck_assert(refit_dist_quantile(&m, 1, 0.5, &q) == REFIT_OK);
            double err = fabs(q - ref) / fmax(1.0, fabs(ref));
            ck_assert_msg(err <= 1e-10, "M=%g est=%d median %.17g vs %.17g", M, e, q, ref);
        }
}
END_TEST

START_TEST(quantile_round_trip)
{
    static const double ps[] = {1e-300, 1e-50, 1e-8, 0.01, 0.25, 0.5, 0.75, 0.99, 1 - 1e-8};
    static const double Ms[] = {2, 5, 1000, 1e9};
    static const uint64_t ns[] = {1, 3, 100, 1000000};
    double worst = 0;
    for (unsigned i = 0; i < 4; i++)
        for (unsigned k = 0; k < 4; k++)
            for (unsigned j = 0; j < sizeof ps / sizeof ps[0]; j++) {
                if (Ms[i] == 2 && ns[k] == 1 && ps[j] < 1e-100) continue; /* slow (see docs) */
                refit_model m = model_const(Ms[i], REFIT_ESTIMATOR_MLE);
                double q, l, prev;
                ck_assert(refit_dist_quantile(&m, ns[k], ps[j], &q) == REFIT_OK);
                double target = ps[j] <= 0.5 ? log(ps[j]) : log1p(-ps[j]);
                if (ps[j] <= 0.5)
                    ck_assert(refit_dist_log_cdf(&m, ns[k], q, &l) == REFIT_OK);
                else
                    ck_assert(refit_dist_log_sf(&m, ns[k], q, &l) == REFIT_OK);
                /* 1e-12 relative in x moves ln F by at most 1e-12 |x| |d ln F/dx| */
                double err = fabs(l - target) / fmax(1.0, fabs(target));
                ck_assert_msg(err <= 1e-9, "M=%g n=%llu p=%g: q=%.17g, ln F(q)=%.17g vs %.17g", Ms[i],
                              (unsigned long long)ns[k], ps[j], q, l, target);
                worst = fmax(worst, err);
                (void)prev;
            }
    printf("quantile round trip: worst %.2e\n", worst);
}
END_TEST

START_TEST(monotone)
{
    refit_model m = model_const(3, REFIT_ESTIMATOR_UNBIASED);
    double mean, sd, prev = -1, prevl = -INFINITY;
    mean_sd(&m, 7, &mean, &sd);
    for (int i = -300; i <= 200; i++) {
        double x = mean + 0.04 * i * sd, c, l;
        ck_assert(refit_dist_cdf(&m, 7, x, &c) == REFIT_OK);
        ck_assert(refit_dist_log_cdf(&m, 7, x, &l) == REFIT_OK);
        ck_assert_msg(c >= prev && l >= prevl && c >= 0 && c <= 1, "x=%.17g", x);
        prev = c;
        prevl = l;
    }
}
END_TEST

/* ---- saddlepoint approximation ------------------------------------------- */

START_TEST(saddlepoint_error_table)
{
    static const double Ms[] = {2, 10, 100, 10000};
    static const uint64_t ns[] = {1, 10, 100, 10000};
    static const double rs[] = {-6, -3, -1, 0, 1, 3, 6};
    FILE *md = md_open("a");
    if (md) fprintf(md, "\n## Lugannani-Rice saddlepoint approximation against the exact CDF\n\n"
                        "Unbiased estimator, x = mean + r sd. Columns: worst absolute error of the CDF over r in "
                        "{-6,-3,-1,0,1,3,6}, and the worst relative error of the smaller tail probability.\n\n"
                        "| M | n | worst abs error | worst rel tail error |\n|---|---|---|---|\n");
    for (unsigned i = 0; i < 4; i++)
        for (unsigned k = 0; k < 4; k++) {
            refit_model m = model_const(Ms[i], REFIT_ESTIMATOR_UNBIASED);
            double mean, sd, wa = 0, wr = 0;
            mean_sd(&m, ns[k], &mean, &sd);
            for (unsigned r = 0; r < 7; r++) {
                double x = mean + rs[r] * sd, lr, c;
                ck_assert(refit_dist_saddlepoint_cdf(&m, ns[k], x, &lr) == REFIT_OK);
                ck_assert(refit_dist_cdf(&m, ns[k], x, &c) == REFIT_OK);
                double tail = c < 0.5 ? c : 1 - c, lrt = c < 0.5 ? lr : 1 - lr;
                wa = fmax(wa, fabs(lr - c));
                wr = fmax(wr, fabs(lrt - tail) / tail);
            }
            /* a sanity bound, far above the measured (tabulated) errors */
            ck_assert_msg(wa < 0.02 && wr < 0.2, "M=%g n=%llu: abs %.3g rel %.3g", Ms[i],
                          (unsigned long long)ns[k], wa, wr);
            if (md) fprintf(md, "| %g | %llu | %.1e | %.1e |\n", Ms[i], (unsigned long long)ns[k], wa, wr);
        }
    if (md) fclose(md);
}
END_TEST

/* ---- bounds --------------------------------------------------------------- */

START_TEST(bounds_hold)
{
    static const double Ms[] = {2, 3, 10, 1000, 1e6, 1e9};
    static const uint64_t ns[] = {1, 10, 1000, 1000000};
    static const double rs[] = {-20, -5, -2, -0.5, 0.5, 2, 5, 20};
    FILE *md = md_open("a");
    if (md) fprintf(md, "\n## Rigorous bounds against the exact tails\n\n"
                        "ln(bound / exact) at x = mean + r sd (unbiased; MLE is similar). Chernoff: the "
                        "tail on the side of x; Markov: P(sigma_n >= t sigma) with 2 ln t = x.\n\n"
                        "| M | n | Chernoff r=-5 | r=-2 | r=2 | r=5 | Markov r=2 | r=5 |\n|---|---|---|---|---|---|---|---|\n");
    for (unsigned i = 0; i < 6; i++)
        for (unsigned k = 0; k < 4; k++)
            for (int e = 0; e < 2; e++) {
                refit_model m = model_const(Ms[i], (refit_estimator)e);
                double mean, sd, row[6];
                int col = 0;
                mean_sd(&m, ns[k], &mean, &sd);
                for (unsigned r = 0; r < 8; r++) {
                    double x = mean + rs[r] * sd, lc, ls, cu, cl, mk;
                    ck_assert(refit_dist_log_cdf(&m, ns[k], x, &lc) == REFIT_OK);
                    ck_assert(refit_dist_log_sf(&m, ns[k], x, &ls) == REFIT_OK);
                    ck_assert(refit_dist_chernoff_upper_log(&m, ns[k], x, &cu) == REFIT_OK);
                    ck_assert(refit_dist_chernoff_lower_log(&m, ns[k], x, &cl) == REFIT_OK);
                    double t = exp(0.5 * x); /* sigma_n >= t sigma  <=>  L_n >= x */
                    if (t > 0.0 && isfinite(t))
                        ck_assert(refit_dist_markov_sd(&m, ns[k], t, &mk) == REFIT_OK);
                    else
                        mk = t > 0.0 ? 0.0 : 1.0; /* beyond double: the bound is trivially 1 or 0 */
                    double tol = 1e-12;
                    ck_assert_msg(cu >= ls - tol * fabs(ls) && cl >= lc - tol * fabs(lc) && cu <= 0 && cl <= 0,
                                  "M=%g n=%llu est=%d x=%.17g: chernoff %.17g/%.17g vs %.17g/%.17g", Ms[i],
                                  (unsigned long long)ns[k], e, x, cu, cl, ls, lc);
                    ck_assert_msg(!(t > 0.0 && isfinite(t)) || (log(mk) >= ls - tol * fabs(ls) && mk <= 1.0),
                                  "M=%g n=%llu x=%.17g: markov %.17g vs sf %.17g", Ms[i],
                                  (unsigned long long)ns[k], x, mk, exp(ls));
                    /* the optimised Chernoff bound is never above Markov (s = 1/2 is one member) */
                    if (x > mean && t > 0.0 && isfinite(t)) ck_assert(cu <= log(mk) + 1e-12 * fabs(cu) + 1e-300);
                    if (rs[r] == -5 || rs[r] == -2) row[col++] = cl - lc;
                    if (rs[r] == 2 || rs[r] == 5) row[col++] = cu - ls;
                    if (rs[r] == 2 || rs[r] == 5) row[4 + (rs[r] == 5)] = log(mk) - ls;
                }
                if (md && e == 0)
                    fprintf(md, "| %g | %llu | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f |\n", Ms[i],
                            (unsigned long long)ns[k], row[0], row[1], row[2], row[3], row[4], row[5]);
            }
    if (md) fclose(md);
}
END_TEST

/* ---- collapse time -------------------------------------------------------- */

START_TEST(collapse_time_bounds_and_monte_carlo)
{
    /* Each configuration: 20000 walks (x REFIT_TEST_SCALE); z = 4.5 per side and
     * 18 configurations: false alarm < 18 * 2 * 3.4e-6 = 1.2e-4. */
    const uint64_t seed = 20240611;
    int paths = 20000 * refit_test_scale();
    const double eps = 0.05;
    FILE *md = md_open("a");
    if (md) fprintf(md, "\n## Mean collapse time, eps = %g: bounds against Monte Carlo (%d walks)\n\n"
                        "| M | estimator | Wald lower | Lorden upper | Monte Carlo E tau | s.e. |\n|---|---|---|---|---|---|\n",
                    eps, paths);
    for (int e = 0; e < 2; e++)
        for (int M = 2; M <= 10; M++) {
            refit_model m = model_const(M, (refit_estimator)e);
            double lo, hi;
            ck_assert(refit_dist_collapse_time(&m, eps, &lo, &hi) == REFIT_OK);
            ck_assert(lo <= hi);
            refit_test_rng rng;
            refit_test_rng_seed(&rng, seed, (uint64_t)(100 * e + M));
            double k = M - 1, D = Dof(M, (refit_estimator)e), le = log(eps), s1 = 0, s2 = 0;
            for (int p = 0; p < paths; p++) {
                double L = 0;
                long tau = 0;
                while (L > le) {
                    double Q = 0;
                    for (int j = 0; j < (int)k; j++) {
                        double z = refit_test_rng_normal(&rng);
                        Q += z * z;
                    }
                    L += log(Q / D);
                    tau++;
                }
                s1 += (double)tau;
                s2 += (double)tau * (double)tau;
            }
            double mean = s1 / paths, se = sqrt((s2 / paths - mean * mean) / (paths - 1));
            ck_assert_msg(mean >= lo - 4.5 * se && mean <= hi + 4.5 * se,
                          "seed %llu M=%d est=%d: E tau in [%.6g, %.6g], Monte Carlo %.6g +- %.3g",
                          (unsigned long long)seed, M, e, lo, hi, mean, se);
            if (md) fprintf(md, "| %d | %s | %.4f | %.4f | %.4f | %.4f |\n", M, e ? "MLE" : "unbiased", lo, hi, mean, se);
        }
    if (md) fclose(md);
    /* M = 3, unbiased: delta = psi(1) = -Euler's gamma exactly */
    refit_model m = model_const(3, REFIT_ESTIMATOR_UNBIASED);
    double lo, hi;
    ck_assert(refit_dist_collapse_time(&m, 1e-3, &lo, &hi) == REFIT_OK);
    ck_assert(rel(lo, log(1e3) / 0.57721566490153286061) <= 1e-14);
}
END_TEST

/* ---- domains and special cases ------------------------------------------- */

START_TEST(domains)
{
    refit_model m = model_const(10, REFIT_ESTIMATOR_UNBIASED);
    double v, lo, hi;
    /* n = 0: L_0 = 0, a point mass */
    ck_assert(refit_dist_cdf(&m, 0, -1e-300, &v) == REFIT_OK && v == 0.0);
    ck_assert(refit_dist_cdf(&m, 0, 0.0, &v) == REFIT_OK && v == 1.0);
    ck_assert(refit_dist_log_cdf(&m, 0, -1.0, &v) == REFIT_OK && v == -INFINITY);
    ck_assert(refit_dist_log_sf(&m, 0, -1.0, &v) == REFIT_OK && v == 0.0);
    ck_assert(refit_dist_quantile(&m, 0, 0.3, &v) == REFIT_OK && v == 0.0);
    ck_assert(refit_dist_cgf(&m, 0, 2.0, &v, NULL, NULL) == REFIT_OK && v == 0.0);
    /* p outside (0,1) */
    ck_assert(refit_dist_quantile(&m, 3, 0.0, &v) == REFIT_EDOM && isnan(v));
    ck_assert(refit_dist_quantile(&m, 3, 1.0, &v) == REFIT_EDOM);
    ck_assert(refit_dist_quantile(&m, 3, NAN, &v) == REFIT_EDOM);
    ck_assert(refit_dist_quantile(&m, 3, -0.5, &v) == REFIT_EDOM);
    /* x = +-inf, NaN */
    ck_assert(refit_dist_cdf(&m, 3, INFINITY, &v) == REFIT_OK && v == 1.0);
    ck_assert(refit_dist_cdf(&m, 3, -INFINITY, &v) == REFIT_OK && v == 0.0);
    ck_assert(refit_dist_cdf(&m, 3, NAN, &v) == REFIT_EDOM && isnan(v));
    /* cgf outside its domain s > -a_min = -4.5 */
    ck_assert(refit_dist_cgf(&m, 3, -4.5, &v, NULL, NULL) == REFIT_EDOM);
    ck_assert(refit_dist_cgf(&m, 3, -4.4, &v, NULL, NULL) == REFIT_OK);
    /* Markov, collapse time domains */
    ck_assert(refit_dist_markov_sd(&m, 3, 0.0, &v) == REFIT_EDOM);
    ck_assert(refit_dist_markov_sd(&m, 3, 1e-9, &v) == REFIT_OK && v == 1.0);
    ck_assert(refit_dist_collapse_time(&m, 0.0, &lo, &hi) == REFIT_EDOM);
    ck_assert(refit_dist_collapse_time(&m, 1.0, &lo, &hi) == REFIT_EDOM);
    refit_model p = m;
    p.schedule = (refit_schedule){REFIT_SCHEDULE_POLY, 3.0, 1.0, NULL, 0};
    ck_assert(refit_dist_collapse_time(&p, 0.1, &lo, &hi) == REFIT_EINVAL && isnan(lo) && isnan(hi));
    ck_assert(refit_dist_cdf(&p, 50, -1.0, &v) == REFIT_OK && v > 0 && v < 1);
    /* accumulate and mix: not a product of independent factors */
    for (int r = 1; r <= 2; r++) {
        refit_model q = m;
        q.regime = (refit_regime)r;
        q.lambda = 0.5;
        ck_assert(refit_dist_cdf(&q, 3, 0.0, &v) == REFIT_EINVAL && isnan(v));
        ck_assert(refit_dist_log_cdf(&q, 3, 0.0, &v) == REFIT_EINVAL);
        ck_assert(refit_dist_log_sf(&q, 3, 0.0, &v) == REFIT_EINVAL);
        ck_assert(refit_dist_quantile(&q, 3, 0.5, &v) == REFIT_EINVAL);
        ck_assert(refit_dist_saddlepoint_cdf(&q, 3, 0.0, &v) == REFIT_EINVAL);
        ck_assert(refit_dist_chernoff_upper_log(&q, 3, 0.0, &v) == REFIT_EINVAL);
        ck_assert(refit_dist_chernoff_lower_log(&q, 3, 0.0, &v) == REFIT_EINVAL);
        ck_assert(refit_dist_markov_sd(&q, 3, 2.0, &v) == REFIT_EINVAL);
        ck_assert(refit_dist_cgf(&q, 3, 0.5, &v, NULL, NULL) == REFIT_EINVAL);
        ck_assert(refit_dist_collapse_time(&q, 0.1, &lo, &hi) == REFIT_EINVAL);
    }
    ck_assert(refit_dist_cdf(NULL, 3, 0.0, &v) == REFIT_EINVAL);
    ck_assert(refit_dist_cdf(&m, 3, 0.0, NULL) == REFIT_EINVAL);
}
END_TEST

START_TEST(md_header)
{
    FILE *md = md_open("w");
    if (!md) return;
    fprintf(md, "# Distribution of the fitted variance: measured accuracy\n\n"
                "Generated by `tests/check_distribution.c` (`REFIT_DIST_MD=docs/distribution.md "
                "build/tests/check_distribution`); do not edit by hand. L_n = ln(sigma_n^2/sigma^2); "
                "method in `theory/distribution.c` and proofs/09.\n\n"
                "Method in one line: Gil-Pelaez/Bromwich inversion on the line Re s = c through the "
                "saddlepoint, trapezoidal rule with a proven discretisation bound (Poisson summation + "
                "Chernoff) and a proven truncation bound; relative accuracy in both tails.\n\n"
                "Cost: O(runs of equal sizes) per node. Typical CDFs take 20-120 nodes (under 0.3 ms for a "
                "constant schedule); the deep LOWER tail of very few generations of small size is the "
                "expensive case, since the first Gamma pole approaches the line (n = 1, M = 2: 3000 nodes "
                "at P = 1e-5, 15000 at 1e-20, 260000 (~0.2 s) at 1e-300).\n");
    fclose(md);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("distribution");
    {
        TCase *tc = tcase_create("md_header");
        tcase_set_timeout(tc, 600);
        tcase_add_test(tc, md_header);
        suite_add_tcase(s, tc);
    }
    {
        TCase *tc = tcase_create("domains");
        tcase_set_timeout(tc, 600);
        tcase_add_test(tc, domains);
        suite_add_tcase(s, tc);
    }
    {
        TCase *tc = tcase_create("n1_matches_incomplete_gamma");
        tcase_set_timeout(tc, 600);
        tcase_add_test(tc, n1_matches_incomplete_gamma);
        suite_add_tcase(s, tc);
    }
    {
        TCase *tc = tcase_create("n1_deep_tails");
        tcase_set_timeout(tc, 600);
        tcase_add_test(tc, n1_deep_tails);
        suite_add_tcase(s, tc);
    }
    {
        TCase *tc = tcase_create("n2_matches_convolution");
        tcase_set_timeout(tc, 600);
        tcase_add_test(tc, n2_matches_convolution);
        suite_add_tcase(s, tc);
    }
    {
        TCase *tc = tcase_create("step_control");
        tcase_set_timeout(tc, 600);
        tcase_add_test(tc, step_control);
        suite_add_tcase(s, tc);
    }
    {
        TCase *tc = tcase_create("median_n1_matches_mpfr");
        tcase_set_timeout(tc, 600);
        tcase_add_test(tc, median_n1_matches_mpfr);
        suite_add_tcase(s, tc);
    }
    {
        TCase *tc = tcase_create("quantile_round_trip");
        tcase_set_timeout(tc, 600);
        tcase_add_test(tc, quantile_round_trip);
        suite_add_tcase(s, tc);
    }
    {
        TCase *tc = tcase_create("monotone");
        tcase_set_timeout(tc, 600);
        tcase_add_test(tc, monotone);
        suite_add_tcase(s, tc);
    }
    {
        TCase *tc = tcase_create("saddlepoint_error_table");
        tcase_set_timeout(tc, 600);
        tcase_add_test(tc, saddlepoint_error_table);
        suite_add_tcase(s, tc);
    }
    {
        TCase *tc = tcase_create("bounds_hold");
        tcase_set_timeout(tc, 600);
        tcase_add_test(tc, bounds_hold);
        suite_add_tcase(s, tc);
    }
    {
        TCase *tc = tcase_create("collapse_time_bounds_and_monte_carlo");
        tcase_set_timeout(tc, 600);
        tcase_add_test(tc, collapse_time_bounds_and_monte_carlo);
        suite_add_tcase(s, tc);
    }
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
