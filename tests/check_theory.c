/* Identities, limits, special values, schedules, domains and range
 * behaviour of the double closed forms (refit/theory.h).
 *
 * Expected values here never come from refit: they are exact identities
 * of the derivations (proofs/), classical constants (pi, Euler's gamma,
 * zeta), or sums computed independently in long double / MPFR. */
#include <check.h>
#include <float.h>
#include <math.h>
#include <mpfr.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refit/theory.h"
#include "test_ulp.h"

static const double PI = 3.14159265358979323846;

static refit_model model_const(double M, refit_estimator est, double sigma)
{
    refit_model m = refit_model_default();
    m.schedule = refit_schedule_const(M);
    m.estimator = est;
    m.sigma = sigma;
    return m;
}

static double q_of(const refit_model *m, uint64_t n, refit_quantity q)
{
    double v;
    refit_status st = refit_theory_quantity(m, n, q, &v);
    ck_assert_msg(st == REFIT_OK, "%s(n=%llu) failed: %s", refit_quantity_name(q),
                  (unsigned long long)n, refit_strerror(st));
    return v;
}

/* |x - y| in ulps of y. */
static double ulp_diff(double x, double y)
{
    int e;
    if (x == y) return 0.0;
    frexp(fabs(y), &e);
    return fabs(x - y) / ldexp(1.0, e - 53);
}

static const uint64_t NS[] = {0, 1, 2, 3, 7, 10, 100, 1000, 12345, 100000, 1000000, 10000000};
#define NN (sizeof NS / sizeof NS[0])
static const double SIGMAS[] = {1.0, 0.3, 2.5, 1e-3, 7e5};

/* ---- identities -------------------------------------------------------- */

START_TEST(unbiased_var_mean_is_sigma2_for_every_schedule)
{
    static const double list[] = {2, 5, 3, 1000, 17};
    refit_schedule scheds[4];
    scheds[0] = refit_schedule_const(7);
    scheds[1] = (refit_schedule){REFIT_SCHEDULE_POLY, 3.0, 1.0, NULL, 0};
    scheds[2] = (refit_schedule){REFIT_SCHEDULE_POLY, 2.0, 2.0, NULL, 0};
    scheds[3] = (refit_schedule){REFIT_SCHEDULE_LIST, 0, 0, list, 5};
    for (int s = 0; s < 4; s++)
        for (unsigned i = 0; i < 5; i++)
            for (unsigned j = 0; j < NN && NS[j] <= 100000; j++) {
                refit_model m = model_const(2, REFIT_ESTIMATOR_UNBIASED, SIGMAS[i]);
                m.schedule = scheds[s];
                double v = q_of(&m, NS[j], REFIT_Q_VAR_MEAN);
                double s2 = SIGMAS[i] * SIGMAS[i]; /* correctly rounded */
                ck_assert_msg(ulp_diff(v, s2) <= 1.0, "schedule %d sigma %g n %llu: %.17g vs %.17g", s,
                              SIGMAS[i], (unsigned long long)NS[j], v, s2);
            }
}
END_TEST

START_TEST(mle_marginal_var_is_sigma2)
{
    static const double Ms[] = {2, 3, 10, 1000, 1e6, 1e12};
    for (unsigned i = 0; i < 6; i++)
        for (unsigned s = 0; s < 5; s++)
            for (unsigned j = 0; j < NN; j++) {
                refit_model m = model_const(Ms[i], REFIT_ESTIMATOR_MLE, SIGMAS[s]);
                double v = q_of(&m, NS[j], REFIT_Q_MARGINAL_VAR);
                double s2 = SIGMAS[s] * SIGMAS[s];
                ck_assert_msg(ulp_diff(v, s2) <= 2.0, "M %g n %llu: %.17g vs %.17g", Ms[i],
                              (unsigned long long)NS[j], v, s2);
            }
}
END_TEST

START_TEST(generation_zero_is_the_truth)
{
    for (int est = 0; est < 2; est++)
        for (unsigned s = 0; s < 5; s++) {
            refit_model m = model_const(5, (refit_estimator)est, SIGMAS[s]);
            double sg = SIGMAS[s];
            ck_assert(q_of(&m, 0, REFIT_Q_W2SQ_MEAN) == 0.0);
            ck_assert(q_of(&m, 0, REFIT_Q_W2SQ_VAR) == 0.0);
            ck_assert(q_of(&m, 0, REFIT_Q_VAR_VAR) == 0.0);
            ck_assert(q_of(&m, 0, REFIT_Q_MEAN_MSE) == 0.0);
            ck_assert(q_of(&m, 0, REFIT_Q_LOGVAR_VAR) == 0.0);
            ck_assert(ulp_diff(q_of(&m, 0, REFIT_Q_SD_MEAN), sg) <= 1.0);
            ck_assert(ulp_diff(q_of(&m, 0, REFIT_Q_VAR_MEAN), sg * sg) <= 1.0);
            ck_assert(ulp_diff(q_of(&m, 0, REFIT_Q_LOGVAR_MEAN), 2.0 * log(sg)) <= 2.0);
            double lw;
            ck_assert(refit_theory_quantity_log(&m, 0, REFIT_Q_W2SQ_MEAN, &lw) == REFIT_OK);
            ck_assert(lw == -INFINITY);
        }
}
END_TEST

/* Constant M, unbiased: mean_mse = sigma^2 n / M (one rounding of n/M, one
 * of the product with sigma^2); marginal_var = sigma^2 (1 + n/M). */
START_TEST(unbiased_drift_is_linear)
{
    static const double Ms[] = {2, 3, 10, 99, 1e6, 1e12};
    for (unsigned i = 0; i < 6; i++)
        for (unsigned j = 1; j < NN; j++) {
            refit_model m = model_const(Ms[i], REFIT_ESTIMATOR_UNBIASED, 1.0);
            double n = (double)NS[j];
            ck_assert_msg(ulp_diff(q_of(&m, NS[j], REFIT_Q_MEAN_MSE), n / Ms[i]) <= 1.0,
                          "M %g n %g", Ms[i], n);
            ck_assert(q_of(&m, NS[j], REFIT_Q_W2SQ_LOWER) == q_of(&m, NS[j], REFIT_Q_MEAN_MSE));
            long double want = 1.0L + (long double)n / (long double)Ms[i];
            ck_assert(ulp_diff(q_of(&m, NS[j], REFIT_Q_MARGINAL_VAR), (double)want) <= 1.0);
        }
}
END_TEST

/* Unbiased, constant M: Var sigma_n^2 = sigma^4 [((M+1)/(M-1))^n - 1],
 * evaluated here by MPFR's pow at 256 bits. */
START_TEST(unbiased_var_var_closed_form)
{
    static const double Ms[] = {2, 3, 11, 1000, 1e9};
    mpfr_t r, t;
    mpfr_inits2(256, r, t, (mpfr_ptr)0);
    for (unsigned i = 0; i < 5; i++)
        for (unsigned j = 1; j < 9; j++) {
            refit_model m = model_const(Ms[i], REFIT_ESTIMATOR_UNBIASED, 1.0);
            double v;
            refit_status st = refit_theory_var_var(&m, NS[j], &v);
            mpfr_set_d(r, Ms[i] + 1.0, MPFR_RNDN);
            mpfr_div_d(r, r, Ms[i] - 1.0, MPFR_RNDN);
            mpfr_pow_ui(r, r, (unsigned long)NS[j], MPFR_RNDN);
            mpfr_sub_ui(r, r, 1, MPFR_RNDN);
            if (mpfr_cmp_d(r, DBL_MAX) > 0) {
                ck_assert_int_eq(st, REFIT_ERANGE);
                double lv;
                ck_assert(refit_theory_quantity_log(&m, NS[j], REFIT_Q_VAR_VAR, &lv) == REFIT_OK);
                mpfr_log(t, r, MPFR_RNDN);
                ck_assert(refit_test_rel_error(lv, t) < 1e-15);
                continue;
            }
            ck_assert_int_eq(st, REFIT_OK);
            ck_assert_msg(refit_test_ulp_error(v, r) <= 2.0, "M %g n %llu: %.17g", Ms[i],
                          (unsigned long long)NS[j], v);
        }
    mpfr_clears(r, t, (mpfr_ptr)0);
}
END_TEST

/* ---- classical constants -------------------------------------------------- */

START_TEST(classical_values)
{
    double v;
    /* c4(2) = sqrt(2/pi), c4(3) = sqrt(pi)/2 */
    ck_assert(refit_theory_c4(2, &v) == REFIT_OK);
    ck_assert(ulp_diff(v, sqrt(2.0 / PI)) <= 2.0);
    ck_assert(refit_theory_c4(3, &v) == REFIT_OK);
    ck_assert(ulp_diff(v, sqrt(PI) / 2.0) <= 2.0);
    /* M = 3 unbiased: a = 1, D = 2: kappa_1 = psi(1) = -Euler gamma,
     * kappa_2 = psi'(1) = pi^2/6, kappa_3 = -2 zeta(3), kappa_4 = pi^4/15. */
    ck_assert(refit_theory_factor_log_cumulant(3, REFIT_ESTIMATOR_UNBIASED, 1, &v) == REFIT_OK);
    ck_assert(ulp_diff(v, -0.57721566490153286061) <= 2.0);
    ck_assert(refit_theory_factor_log_cumulant(3, REFIT_ESTIMATOR_UNBIASED, 2, &v) == REFIT_OK);
    ck_assert(ulp_diff(v, PI * PI / 6.0) <= 2.0);
    ck_assert(refit_theory_factor_log_cumulant(3, REFIT_ESTIMATOR_UNBIASED, 3, &v) == REFIT_OK);
    ck_assert(ulp_diff(v, -2.0 * 1.2020569031595942854) <= 2.0);
    ck_assert(refit_theory_factor_log_cumulant(3, REFIT_ESTIMATOR_UNBIASED, 4, &v) == REFIT_OK);
    ck_assert(ulp_diff(v, PI * PI * PI * PI / 15.0) <= 4.0);
    /* M = 2: a = 1/2: psi'(1/2) = pi^2/2; MLE drift psi(1/2) + ln(2/2) = -gamma - 2 ln 2 */
    ck_assert(refit_theory_factor_log_cumulant(2, REFIT_ESTIMATOR_UNBIASED, 2, &v) == REFIT_OK);
    ck_assert(ulp_diff(v, PI * PI / 2.0) <= 2.0);
    ck_assert(refit_theory_factor_log_cumulant(2, REFIT_ESTIMATOR_MLE, 1, &v) == REFIT_OK);
    ck_assert(ulp_diff(v, -0.57721566490153286061 - 2.0 * 0.69314718055994530942) <= 2.0);
    /* m(1) = k/D, m(2) = (k/D)^2 (1 + 2/k): exact rationals */
    ck_assert(refit_theory_factor_moment(10, REFIT_ESTIMATOR_MLE, 1.0, &v) == REFIT_OK);
    ck_assert(ulp_diff(v, 0.9) <= 1.0);
    ck_assert(refit_theory_factor_moment(10, REFIT_ESTIMATOR_MLE, 2.0, &v) == REFIT_OK);
    ck_assert(ulp_diff(v, 0.99) <= 1.0); /* 0.81 * 11/9 */
    ck_assert(refit_theory_factor_moment(5, REFIT_ESTIMATOR_UNBIASED, 1.0, &v) == REFIT_OK);
    ck_assert(v == 1.0);
}
END_TEST

/* ---- schedules ------------------------------------------------------------ */

START_TEST(schedules_agree_with_direct_sums)
{
    /* POLY M0 = 10, alpha = 1: unbiased mean_mse(n) = sum_{i<n} 1/round(10 (i+1)),
     * summed here in long double.  MLE: 1 - prod (1 - 1/M_i). */
    refit_model m = model_const(2, REFIT_ESTIMATOR_UNBIASED, 1.0);
    m.schedule = (refit_schedule){REFIT_SCHEDULE_POLY, 10.0, 1.0, NULL, 0};
    long double sum = 0.0L, prod = 1.0L;
    uint64_t next = 1;
    for (uint64_t i = 0; i < 200000; i++) {
        double Mi;
        ck_assert(refit_schedule_size(&m.schedule, i, &Mi) == REFIT_OK);
        ck_assert(Mi == 10.0 * (double)(i + 1));
        sum += 1.0L / (long double)Mi;
        prod *= 1.0L - 1.0L / (long double)Mi;
        if (i + 1 == next) {
            m.estimator = REFIT_ESTIMATOR_UNBIASED;
            ck_assert(ulp_diff(q_of(&m, i + 1, REFIT_Q_MEAN_MSE), (double)sum) <= 2.0);
            m.estimator = REFIT_ESTIMATOR_MLE;
            ck_assert(fabs(q_of(&m, i + 1, REFIT_Q_MEAN_MSE) - (double)(1.0L - prod)) <=
                      1e-14 * (double)(1.0L - prod));
            next *= 3;
        }
    }
    /* LIST 5, 7, 9 (the last repeats); POLY with alpha = 0 and a one-entry LIST
     * are the constant schedule. */
    static const double list[] = {5, 7, 9};
    m.estimator = REFIT_ESTIMATOR_UNBIASED;
    m.schedule = (refit_schedule){REFIT_SCHEDULE_LIST, 0, 0, list, 3};
    ck_assert(ulp_diff(q_of(&m, 5, REFIT_Q_MEAN_MSE), (double)(1.0L / 5 + 1.0L / 7 + 3.0L / 9)) <= 1.0);
    static const double one[] = {12};
    refit_model c = model_const(12, REFIT_ESTIMATOR_MLE, 1.3);
    refit_model p = c, l = c;
    p.schedule = (refit_schedule){REFIT_SCHEDULE_POLY, 12.0, 0.0, NULL, 0};
    l.schedule = (refit_schedule){REFIT_SCHEDULE_LIST, 0, 0, one, 1};
    for (int q = 0; q < REFIT_Q_COUNT; q++)
        for (unsigned j = 0; j < NN; j++) {
            double vc, vp, vl;
            refit_status sc = refit_theory_quantity(&c, NS[j], (refit_quantity)q, &vc);
            ck_assert(sc == refit_theory_quantity(&p, NS[j], (refit_quantity)q, &vp));
            ck_assert(sc == refit_theory_quantity(&l, NS[j], (refit_quantity)q, &vl));
            ck_assert(sc == REFIT_OK || sc == REFIT_ERANGE);
            if (sc == REFIT_OK) ck_assert(vc == vp && vc == vl);
        }
}
END_TEST

/* sum 1/M_i < inf (M_i ~ (i+1)^2): the drift converges; linear growth: it
 * grows like ln n / M0 while the log-variance still drifts to -inf. */
START_TEST(superlinear_condition)
{
    refit_model m = model_const(2, REFIT_ESTIMATOR_UNBIASED, 1.0);
    m.schedule = (refit_schedule){REFIT_SCHEDULE_POLY, 4.0, 2.0, NULL, 0};
    double a = q_of(&m, 100000, REFIT_Q_MEAN_MSE), b = q_of(&m, 1000000, REFIT_Q_MEAN_MSE);
    /* tail sum_{i >= 1e5} 1/(4 (i+1)^2) < 1/(4 * 1e5) */
    ck_assert(b > a && b - a < 1.0 / 4e5);
    ck_assert(b < PI * PI / 24.0 + 1e-12); /* sum 1/(4 i^2) = pi^2/24 bounds it */
    m.schedule = (refit_schedule){REFIT_SCHEDULE_POLY, 4.0, 1.0, NULL, 0};
    double c = q_of(&m, 1000, REFIT_Q_MEAN_MSE), d = q_of(&m, 1000000, REFIT_Q_MEAN_MSE);
    ck_assert(fabs((d - c) - log(1000.0) / 4.0) < 1e-3); /* H_n difference ~ ln(1e6/1e3) */
    double l1 = q_of(&m, 1000, REFIT_Q_LOGVAR_MEAN), l2 = q_of(&m, 1000000, REFIT_Q_LOGVAR_MEAN);
    ck_assert(l2 < l1 && l1 < 0.0);
}
END_TEST

/* ---- other regimes ----------------------------------------------------------- */

START_TEST(accumulate_drift_bound)
{
    static const double Ms[] = {2, 3, 10, 100, 1e6};
    static const uint64_t ns[] = {1, 2, 5, 50, 1000, 100000};
    for (int est = 0; est < 2; est++)
        for (unsigned i = 0; i < 5; i++) {
            refit_model m = model_const(Ms[i], (refit_estimator)est, 1.7);
            m.regime = REFIT_REGIME_ACCUMULATE;
            double bound = PI * PI / 6.0 * 1.7 * 1.7 / Ms[i], prev = 0.0;
            /* e_1 = sigma^2 / M exactly (one real batch) */
            ck_assert(ulp_diff(q_of(&m, 1, REFIT_Q_MEAN_MSE), 1.7 * 1.7 / Ms[i]) <= 2.0);
            for (unsigned j = 0; j < 6; j++) {
                double e = q_of(&m, ns[j], REFIT_Q_MEAN_MSE);
                ck_assert_msg(e < bound && e > prev, "M %g n %llu e %.17g bound %.17g", Ms[i],
                              (unsigned long long)ns[j], e, bound);
                prev = e;
            }
            /* no collapse: the variance settles at a positive limit (the
             * factors left after t = 1000 multiply to 1 - O(1/(1000 M))) */
            double v3 = q_of(&m, 1000, REFIT_Q_VAR_MEAN), v5 = q_of(&m, 100000, REFIT_Q_VAR_MEAN);
            ck_assert(v5 > 0.3 * 1.7 * 1.7 && v5 < v3 && v3 <= 1.7 * 1.7);
            ck_assert(v3 - v5 < 1e-3 * 1.7 * 1.7 / Ms[i]);
        }
    /* MLE limit: prod_{t>=1} (1 - 1/(t^2 M)) = sin(pi/sqrt M) / (pi/sqrt M) (Euler). */
    refit_model m = model_const(10, REFIT_ESTIMATOR_MLE, 1.0);
    m.regime = REFIT_REGIME_ACCUMULATE;
    double z = PI / sqrt(10.0), lim = sin(z) / z;
    double v = q_of(&m, 1000000, REFIT_Q_VAR_MEAN);
    ck_assert(v > lim && v - lim < 1e-6); /* remaining factors: 1 - O(1/(n M)) */
}
END_TEST

START_TEST(mix_threshold)
{
    static const double Ms[] = {2, 3, 10, 100, 1e4};
    for (unsigned i = 0; i < 5; i++) {
        double ls, ls_mle;
        ck_assert(refit_theory_mix_lambda_star(Ms[i], REFIT_ESTIMATOR_UNBIASED, &ls) == REFIT_OK);
        ck_assert(refit_theory_mix_lambda_star(Ms[i], REFIT_ESTIMATOR_MLE, &ls_mle) == REFIT_OK);
        ck_assert(ls_mle == 0.0);
        ck_assert(fabs(ls - (1.0 - sqrt(1.0 - 1.0 / Ms[i]))) <= 1e-12 * ls);
        ck_assert(ls < 1.0 / Ms[i]); /* one fresh sample per generation suffices */
        refit_model m = model_const(Ms[i], REFIT_ESTIMATOR_UNBIASED, 1.0);
        m.regime = REFIT_REGIME_MIX;
        /* above the threshold: converges to the fixed point */
        m.lambda = 1.5 * ls;
        double fv, fe;
        ck_assert(refit_theory_mix_fixed_point(&m, &fv, &fe) == REFIT_OK);
        double e = q_of(&m, 10000000, REFIT_Q_MEAN_MSE), v = q_of(&m, 10000000, REFIT_Q_VAR_MEAN);
        ck_assert_msg(fabs(e - fe) < 1e-9 * fe && fabs(v - fv) < 1e-9 * fv, "M %g: %g %g vs %g %g",
                      Ms[i], e, v, fe, fv);
        /* below it: no fixed point, and the error grows without bound */
        m.lambda = 0.5 * ls;
        ck_assert(refit_theory_mix_fixed_point(&m, &fv, &fe) == REFIT_EDOM);
        double ln1, ln2;
        ck_assert(refit_theory_quantity_log(&m, 100000, REFIT_Q_MEAN_MSE, &ln1) == REFIT_OK);
        ck_assert(refit_theory_quantity_log(&m, 1000000000000, REFIT_Q_MEAN_MSE, &ln2) == REFIT_OK);
        ck_assert(ln2 > ln1 + 10.0);
        /* MLE: every lambda in (0, 1] converges */
        m.estimator = REFIT_ESTIMATOR_MLE;
        m.lambda = 1e-3;
        ck_assert(refit_theory_mix_fixed_point(&m, &fv, &fe) == REFIT_OK);
    }
    /* lambda = 1: every generation is fitted on fresh data only. */
    refit_model m = model_const(8, REFIT_ESTIMATOR_UNBIASED, 1.0);
    m.regime = REFIT_REGIME_MIX;
    m.lambda = 1.0;
    ck_assert(ulp_diff(q_of(&m, 5, REFIT_Q_VAR_MEAN), 1.0) <= 1.0);
    ck_assert(ulp_diff(q_of(&m, 5, REFIT_Q_MEAN_MSE), 1.0 / 8.0) <= 1.0);
}
END_TEST

/* ---- log scale and range ---------------------------------------------------- */

START_TEST(log_variants_agree_and_erange_is_reported)
{
    static const double Ms[] = {2, 3, 10, 1000};
    for (int est = 0; est < 2; est++)
        for (unsigned i = 0; i < 4; i++)
            for (unsigned j = 1; j < NN; j++) {
                refit_model m = model_const(Ms[i], (refit_estimator)est, 1.5);
                for (int q = 0; q < REFIT_Q_COUNT; q++) {
                    if (refit_quantity_signed((refit_quantity)q)) continue;
                    double v, lv;
                    refit_status st = refit_theory_quantity(&m, NS[j], (refit_quantity)q, &v);
                    ck_assert(refit_theory_quantity_log(&m, NS[j], (refit_quantity)q, &lv) == REFIT_OK);
                    ck_assert(isfinite(lv));
                    if (st == REFIT_ERANGE) {
                        ck_assert(isnan(v));
                        ck_assert(lv > 709.0 || lv < -708.0);
                    } else {
                        ck_assert_int_eq(st, REFIT_OK);
                        ck_assert_msg(fabs(log(v) - lv) <= 4e-16 * fmax(1.0, fabs(lv)),
                                      "%s M %g n %llu", refit_quantity_name((refit_quantity)q), Ms[i],
                                      (unsigned long long)NS[j]);
                    }
                }
            }
    /* MLE, M = 2: E sigma_n^2 = sigma^2 2^-n underflows at n = 1100. */
    refit_model m = model_const(2, REFIT_ESTIMATOR_MLE, 1.0);
    double v, lv;
    ck_assert(refit_theory_var_mean(&m, 1100, &v) == REFIT_ERANGE);
    ck_assert(isnan(v));
    ck_assert(refit_theory_quantity_log(&m, 1100, REFIT_Q_VAR_MEAN, &lv) == REFIT_OK);
    ck_assert(ulp_diff(lv, -1100.0 * 0.69314718055994530942) <= 2.0);
    ck_assert(refit_theory_var_moment(&m, 10, -0.25, &v) == REFIT_OK);
    ck_assert(refit_theory_var_moment(&m, 10, -0.5, &v) == REFIT_EDOM); /* r > -a = -1/2 */
}
END_TEST

/* ---- domains ------------------------------------------------------------------ */

START_TEST(domain_errors)
{
    double v;
    refit_model m = model_const(10, REFIT_ESTIMATOR_UNBIASED, 1.0);
    ck_assert(refit_theory_var_mean(NULL, 1, &v) == REFIT_EINVAL);
    ck_assert(refit_theory_var_mean(&m, 1, NULL) == REFIT_EINVAL);
    static const double bad_M[] = {1.0, 1.5, 0.0, -3.0, 2.5, 1e300};
    for (unsigned i = 0; i < 6; i++) {
        m.schedule = refit_schedule_const(bad_M[i]);
        ck_assert(refit_theory_var_mean(&m, 1, &v) == REFIT_EDOM);
        ck_assert(isnan(v));
        ck_assert(refit_theory_factor_moment(bad_M[i], REFIT_ESTIMATOR_MLE, 1.0, &v) == REFIT_EDOM);
    }
    m.schedule = refit_schedule_const(NAN);
    ck_assert(refit_theory_var_mean(&m, 1, &v) == REFIT_EDOM);
    m = model_const(10, REFIT_ESTIMATOR_UNBIASED, 0.0);
    ck_assert(refit_theory_sd_mean(&m, 1, &v) == REFIT_EDOM);
    m.sigma = -1.0;
    ck_assert(refit_theory_sd_mean(&m, 1, &v) == REFIT_EDOM);
    m.sigma = INFINITY;
    ck_assert(refit_theory_sd_mean(&m, 1, &v) == REFIT_EDOM);
    m = model_const(10, REFIT_ESTIMATOR_UNBIASED, 1.0);
    m.regime = REFIT_REGIME_MIX;
    m.lambda = 0.0;
    ck_assert(refit_theory_var_mean(&m, 1, &v) == REFIT_EDOM);
    m.lambda = 1.0000001;
    ck_assert(refit_theory_var_mean(&m, 1, &v) == REFIT_EDOM);
    m.lambda = 0.5;
    ck_assert(refit_theory_var_var(&m, 1, &v) == REFIT_EINVAL); /* no closed form here */
    ck_assert(refit_theory_var_moment(&m, 1, 2.0, &v) == REFIT_EINVAL);
    m.regime = REFIT_REGIME_ACCUMULATE;
    m.schedule = (refit_schedule){REFIT_SCHEDULE_POLY, 10.0, 1.0, NULL, 0};
    ck_assert(refit_theory_var_mean(&m, 1, &v) == REFIT_EINVAL); /* needs equal batches */
    m = model_const(10, REFIT_ESTIMATOR_UNBIASED, 1.0);
    ck_assert(refit_theory_var_mean(&m, (uint64_t)1 << 54, &v) == REFIT_EDOM);
    m.estimator = (refit_estimator)7;
    ck_assert(refit_theory_var_mean(&m, 1, &v) == REFIT_EINVAL);
    ck_assert(refit_theory_factor_log_cumulant(10, REFIT_ESTIMATOR_MLE, 5, &v) == REFIT_EINVAL);
    ck_assert(refit_theory_factor_moment(10, REFIT_ESTIMATOR_MLE, -4.5, &v) == REFIT_EDOM);
    ck_assert(refit_theory_quantity_log(&m, 1, REFIT_Q_LOGVAR_MEAN, &v) == REFIT_EINVAL);
    /* a POLY schedule whose sizes pass 2^53 fails where it gets there */
    m = model_const(10, REFIT_ESTIMATOR_UNBIASED, 1.0);
    m.schedule = (refit_schedule){REFIT_SCHEDULE_POLY, 1e6, 3.0, NULL, 0};
    ck_assert(refit_theory_mean_mse(&m, 100, &v) == REFIT_OK);
    ck_assert(refit_theory_mean_mse(&m, 1000000, &v) == REFIT_EDOM);
    ck_assert(refit_quantity_name(REFIT_Q_COUNT) == NULL);
    ck_assert_str_eq(refit_quantity_name(REFIT_Q_W2SQ_LOWER), "w2sq_lower");
    for (int s = 0; s <= 6; s++) ck_assert(refit_strerror((refit_status)s) != NULL);
}
END_TEST

/* refit_theory_row gives, bit for bit, what the per-quantity calls give. */
START_TEST(row_matches_single_calls)
{
    static const double list[] = {3, 50, 7};
    refit_model models[6];
    for (int i = 0; i < 6; i++) models[i] = model_const(9, (refit_estimator)(i % 2), 1.7);
    models[2].schedule = (refit_schedule){REFIT_SCHEDULE_POLY, 5.0, 1.3, NULL, 0};
    models[3].schedule = (refit_schedule){REFIT_SCHEDULE_LIST, 0, 0, list, 3};
    models[4].regime = REFIT_REGIME_ACCUMULATE;
    models[5].regime = REFIT_REGIME_MIX;
    models[5].lambda = 0.01;
    for (int i = 0; i < 6; i++)
        for (unsigned j = 0; j < NN && NS[j] <= 100000; j++)
            for (int want_log = 0; want_log < 2; want_log++) {
                double row[REFIT_Q_COUNT];
                refit_status rst[REFIT_Q_COUNT];
                ck_assert(refit_theory_row(&models[i], NS[j], want_log, row, rst) == REFIT_OK);
                for (int q = 0; q < REFIT_Q_COUNT; q++) {
                    double v;
                    int as_log = want_log && !refit_quantity_signed((refit_quantity)q);
                    refit_status st = as_log ? refit_theory_quantity_log(&models[i], NS[j], (refit_quantity)q, &v)
                                             : refit_theory_quantity(&models[i], NS[j], (refit_quantity)q, &v);
                    ck_assert_msg(st == rst[q], "model %d n %llu %s: status %d vs %d", i,
                                  (unsigned long long)NS[j], refit_quantity_name((refit_quantity)q), st, rst[q]);
                    if (st == REFIT_OK) ck_assert(memcmp(&v, &row[q], sizeof v) == 0);
                }
            }
    double row[REFIT_Q_COUNT];
    refit_status rst[REFIT_Q_COUNT];
    refit_model bad = model_const(1, REFIT_ESTIMATOR_MLE, 1.0);
    ck_assert(refit_theory_row(&bad, 3, 0, row, rst) == REFIT_EDOM);
    ck_assert(rst[0] == REFIT_EDOM && isnan(row[0]));
}
END_TEST

static Suite *theory_suite(void)
{
    Suite *s = suite_create("theory");
    TCase *tc = tcase_create("identities");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, unbiased_var_mean_is_sigma2_for_every_schedule);
    tcase_add_test(tc, mle_marginal_var_is_sigma2);
    tcase_add_test(tc, generation_zero_is_the_truth);
    tcase_add_test(tc, unbiased_drift_is_linear);
    tcase_add_test(tc, unbiased_var_var_closed_form);
    tcase_add_test(tc, classical_values);
    tcase_add_test(tc, schedules_agree_with_direct_sums);
    tcase_add_test(tc, superlinear_condition);
    tcase_add_test(tc, accumulate_drift_bound);
    tcase_add_test(tc, mix_threshold);
    tcase_add_test(tc, log_variants_agree_and_erange_is_reported);
    tcase_add_test(tc, domain_errors);
    tcase_add_test(tc, row_matches_single_calls);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(theory_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
