/* refit verify: the checks of the replace regime -- collapse-as,
 * w2-diverges, marginal-var, superlinear (docs/verify.md states each item). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "verify/verify_internal.h"

#define EPS_COLLAPSE 0.01

static const refit_estimator BOTH[2] = {REFIT_ESTIMATOR_UNBIASED, REFIT_ESTIMATOR_MLE};

/* An estimate shifted by a constant (the perturbed estimator's output). */
static refit_sim_estimate shifted(const refit_sim_estimate *e, double by)
{
    refit_sim_estimate s = *e;
    s.value += by;
    s.lo += by;
    s.hi += by;
    return s;
}

/* ---- 1. collapse-as ------------------------------------------------------------ */

void refit_vcheck_collapse_as(vctx *c)
{
    const double Ms[2] = {10.0, 100.0};
    const size_t nM = c->level.full ? 2 : 1;
    const uint64_t ns[4] = {10, 100, 1000, 10000};
    const size_t nn = c->level.quick ? 3 : 4;
    refit_vparams(c, "M = 10%s; U and MLE; eps = %g; exact n = 10 .. %s; Monte Carlo: "
               "EXACT mode, K = %llu, n = 3M, 10M, 100M",
            nM > 1 ? ", 100" : "", EPS_COLLAPSE, c->level.quick ? "1e3" : "1e4",
            (unsigned long long)c->level.K);
    for (size_t im = 0; im < nM; im++)
        for (size_t ie = 0; ie < 2; ie++) {
            double M = Ms[im], k1, lsf_prev = NAN, lsf = NAN;
            refit_estimator est = BOTH[ie];
            const char *en = refit_vest_name(est);
            refit_model m = refit_vmodel_const(M, est);
            double D = est == REFIT_ESTIMATOR_MLE ? M : M - 1.0;
            /* perturbed: sigma^2 refitted as S/(M-2), ln q moved by ln(D/(M-2)) */
            double shift = c->perturbed ? log(D / (M - 2.0)) : 0.0;
            refit_status st = refit_vcumulant(c, M, est, 1, &k1);
            if (st != REFIT_OK) {
                refit_vitem_error(c, st, "kappa_1, M = %g %s", M, en);
                continue;
            }
            refit_vcertify_last(c);
            refit_vitem_exact(c, UINT64_MAX, k1 + shift, 0.0, -(k1 + shift), 0.0,
                        "drift E ln q = kappa_1 < 0, M = %g, %s", M, en);
            for (size_t i = 0; i < nn; i++) {
                st = refit_vlog_sf(c, &m, ns[i], log(EPS_COLLAPSE) - (double)ns[i] * shift, &lsf);
                if (st != REFIT_OK) {
                    refit_vitem_error(c, st, "exact P(collapse), M = %g %s n = %llu", M, en,
                                (unsigned long long)ns[i]);
                    break;
                }
                if (i > 0)
                    refit_vitem_exact(c, ns[i], lsf, lsf_prev, lsf_prev - lsf, 0.0,
                                "ln P(sigma_n^2 > eps) decreasing: n = %llu vs %llu, M = %g, %s",
                                (unsigned long long)ns[i], (unsigned long long)ns[i - 1], M, en);
                lsf_prev = lsf;
            }
            if (st == REFIT_OK)
                refit_vitem_exact(c, ns[nn - 1], -expm1(lsf), 0.999, log(1e-3) - lsf, 0.0,
                            "P(sigma_n^2 <= eps) > 0.999 at n = %llu, M = %g, %s",
                            (unsigned long long)ns[nn - 1], M, en);

            /* Monte Carlo: ln sigma_n^2 and the collapse probability */
            uint64_t at[3] = {(uint64_t)(3.0 * M), (uint64_t)(10.0 * M), (uint64_t)(100.0 * M)};
            refit_sim_config sc = refit_sim_config_default();
            refit_sim_result res;
            sc.model = m;
            sc.chains = c->level.K;
            sc.at = at;
            sc.at_count = 3;
            sc.eps = EPS_COLLAPSE;
            sc.importance = 0; /* only log-scale quantities and a proportion */
            st = refit_vsim(c, &sc, &res);
            if (st != REFIT_OK) {
                refit_vitem_error(c, st, "simulation M = %g %s", M, en);
                continue;
            }
            for (size_t t = 0; t < 3; t++) {
                double ex;
                refit_sim_estimate e =
                    shifted(&res.rows[t].quantity[REFIT_Q_LOGVAR_MEAN], (double)at[t] * shift);
                st = refit_vq(c, &m, at[t], REFIT_Q_LOGVAR_MEAN, &ex);
                if (st != REFIT_OK) {
                    refit_vitem_error(c, st, "logvar_mean M = %g %s", M, en);
                    continue;
                }
                refit_vitem_mc(c, at[t], &e, ex, NAN, 0.0, "E ln sigma_n^2, M = %g, %s", M, en);
            }
            for (size_t t = 0; t < 2; t++) {
                double p;
                st = refit_vcdf(c, &m, at[t], log(EPS_COLLAPSE), &p);
                if (st != REFIT_OK) {
                    refit_vitem_error(c, st, "collapse_prob M = %g %s", M, en);
                    continue;
                }
                refit_vitem_mc(c, at[t], &res.rows[t].collapse_prob, p, NAN,
                         sqrt(p * (1.0 - p) / (double)sc.chains),
                         "P(sigma_n^2 <= %g sigma^2), M = %g, %s (binomial sd at the exact p)",
                         EPS_COLLAPSE, M, en);
            }
            refit_sim_result_free(&res);
        }
}

/* ---- 2. w2-diverges -------------------------------------------------------------- */

static void w2_nongaussian(vctx *c, const refit_init_law *law, const char *name)
{
    const double M = 10.0;
    /* n <= M: beyond, the SAMPLE-mode importance weights of a heavy D0 are
     * themselves heavy-tailed and the estimates are (rightly) flagged */
    uint64_t at[2] = {3, 10};
    const size_t nat = c->level.quick ? 1 : 2;
    refit_model m = refit_vmodel_const(M, REFIT_ESTIMATOR_UNBIASED);
    refit_sim_config sc = refit_sim_config_default();
    refit_sim_result res;
    double tmean, tsd;
    refit_status st = refit_init_law_truth(law, &m, &tmean, &tsd);
    if (st != REFIT_OK) {
        refit_vitem_error(c, st, "truth of %s", name);
        return;
    }
    sc.model = m;
    sc.mode = REFIT_SIM_SAMPLE;
    sc.init = *law;
    sc.chains = c->level.K_sample;
    sc.at = at;
    sc.at_count = nat;
    st = refit_vsim(c, &sc, &res);
    if (st != REFIT_OK) {
        refit_vitem_error(c, st, "SAMPLE simulation, D0 = %s", name);
        /* the closed form of the lower bound is still used */
    }
    refit_model mt = m; /* the closed form with D0's own mean and sd */
    mt.mu = tmean;
    mt.sigma = tsd;
    for (size_t t = 0; t < nat; t++) {
        double lower;
        refit_status sq = refit_vq(c, &mt, at[t], REFIT_Q_W2SQ_LOWER, &lower);
        if (st != REFIT_OK) continue;
        if (sq != REFIT_OK) {
            refit_vitem_error(c, sq, "w2sq_lower closed form");
            continue;
        }
        const refit_sim_estimate *w = &res.rows[t].quantity[REFIT_Q_W2SQ_MEAN];
        const refit_sim_estimate *l = &res.rows[t].quantity[REFIT_Q_W2SQ_LOWER];
        double se = sqrt(w->se * w->se + l->se * l->se);
        refit_vitem_property(c, at[t], VR_ONE_SIDED, w->value, w->se, w->lo, w->hi,
                       w->status == REFIT_OK && l->status == REFIT_OK && w->reliable &&
                           l->reliable,
                       l->value, (l->value - w->value) / se,
                       "E W2^2 >= E(mu_n - mu)^2, D0 = %s, M = 10 U (score: z of the excess)",
                       name);
        refit_vitem_mc(c, at[t], l, lower, NAN, 0.0,
                 "E(mu_n - mu)^2 = sigma^2 sum E[rho_i]/M_i, D0 = %s, M = 10 U", name);
    }
    if (st == REFIT_OK) refit_sim_result_free(&res);
}

void refit_vcheck_w2_diverges(vctx *c)
{
    const double M = 10.0;
    const uint64_t grid[7] = {1, 10, 100, 1000, 10000, 100000, 1000000};
    const size_t ng = c->level.quick ? 5 : c->level.full ? 7 : 6;
    const uint64_t nbig = grid[ng - 1];
    /* the claimed growth rate E W2^2 ~ sigma^2 n / M (perturbed: n/(2M)) */
    const double rate = c->perturbed ? 1.0 / (2.0 * M) : 1.0 / M;
    refit_model mu = refit_vmodel_const(M, REFIT_ESTIMATOR_UNBIASED);
    refit_model mm = refit_vmodel_const(M, REFIT_ESTIMATOR_MLE);
    double prev = NAN, w2 = NAN, worst = -INFINITY;
    uint64_t worst_n = 0;
    refit_status st = REFIT_OK;
    refit_vparams(c, "M = 10; exact n = 1 .. %llu (decades); Monte Carlo: EXACT mode K = %llu at n = "
               "100, 1000 (importance); SAMPLE mode K = %llu, n = 3%s, D0 = Student-t(8), "
               "Laplace, 0.3 N(-1, 0.5^2) + 0.7 N(1, 1)",
            (unsigned long long)nbig, (unsigned long long)c->level.K,
            (unsigned long long)c->level.K_sample, c->level.quick ? "" : ", 10");
    for (size_t i = 0; i < ng; i++) {
        st = refit_vq(c, &mu, grid[i], REFIT_Q_W2SQ_MEAN, &w2);
        if (st != REFIT_OK) {
            refit_vitem_error(c, st, "w2sq_mean U n = %llu", (unsigned long long)grid[i]);
            break;
        }
        if (i > 0)
            refit_vitem_exact(c, grid[i], w2, prev, w2 - prev, 0.0,
                        "E W2^2 increasing (U, M = 10): n = %llu vs %llu",
                        (unsigned long long)grid[i], (unsigned long long)grid[i - 1]);
        prev = w2;
    }
    if (st == REFIT_OK) {
        double ratio = w2 / (rate * (double)nbig);
        refit_vitem_exact(c, nbig, ratio, 1.0, 0.02 - fabs(ratio - 1.0), 0.02,
                    "E W2^2 / (sigma^2 n/M) within 2%% of 1 at n = %llu (U, M = 10)",
                    (unsigned long long)nbig);
    }
    for (size_t i = 0; i < ng; i++) {
        st = refit_vq(c, &mm, grid[i], REFIT_Q_W2SQ_MEAN, &w2);
        if (st != REFIT_OK) {
            refit_vitem_error(c, st, "w2sq_mean MLE n = %llu", (unsigned long long)grid[i]);
            break;
        }
        if (w2 > worst) worst = w2, worst_n = grid[i];
    }
    /* E W2^2 -> 2 sigma^2 from below; at large n the double value is 2
     * exactly, so the bound carries the closed form's 1e-13 accuracy */
    if (st == REFIT_OK)
        refit_vitem_exact(c, worst_n, worst, 2.0, 2.0 * (1.0 + 1e-13) - worst, 2e-13,
                    "E W2^2 <= 2 sigma^2 (+1e-13 rel.) on the grid n = 1 .. %llu (MLE, M = 10; "
                    "the largest)",
                    (unsigned long long)nbig);

    /* Monte Carlo, Gaussian D0: importance sampling */
    for (size_t ie = 0; ie < 2; ie++) {
        uint64_t at[2] = {100, 1000};
        refit_model m = ie ? mm : mu;
        refit_sim_config sc = refit_sim_config_default();
        refit_sim_result res;
        sc.model = m;
        sc.chains = c->level.K;
        sc.at = at;
        sc.at_count = 2;
        st = refit_vsim(c, &sc, &res);
        if (st != REFIT_OK) {
            refit_vitem_error(c, st, "simulation %s", refit_vest_name(m.estimator));
            continue;
        }
        for (size_t t = 0; t < 2; t++) {
            double ex;
            st = refit_vq(c, &m, at[t], REFIT_Q_W2SQ_MEAN, &ex);
            if (st != REFIT_OK) {
                refit_vitem_error(c, st, "w2sq_mean");
                continue;
            }
            refit_vitem_mc(c, at[t], &res.rows[t].quantity[REFIT_Q_W2SQ_MEAN], ex, NAN, 0.0,
                     "E W2^2, M = 10, %s (importance sampling)", refit_vest_name(m.estimator));
        }
        refit_sim_result_free(&res);
    }

    /* non-Gaussian D0: the lower bound E W2^2 >= E(mu_n - mu)^2 */
    refit_init_law law = refit_init_law_normal();
    law.kind = REFIT_INIT_STUDENT;
    law.nu = 8.0; /* t(5): s^2 has a Pareto tail of index 2.5, too heavy to trust */
    w2_nongaussian(c, &law, "Student-t(8)");
    law = refit_init_law_normal();
    law.kind = REFIT_INIT_LAPLACE;
    w2_nongaussian(c, &law, "Laplace");
    law = refit_init_law_normal();
    law.kind = REFIT_INIT_MIX2;
    law.w = 0.3, law.mu1 = -1.0, law.sd1 = 0.5, law.mu2 = 1.0, law.sd2 = 1.0;
    w2_nongaussian(c, &law, "mix2");
}

/* ---- 3. marginal-var ------------------------------------------------------------- */

/* sigma^2 (1 + sum_{i<n} 1/M_i) (U) or sigma^2 (MLE), term by term with
 * Neumaier's compensated sum; perturbed: without the 1 +. */
static refit_status marginal_direct(const refit_model *m, uint64_t n, int drop_one, double *out)
{
    double s = 0.0, comp = 0.0;
    const double one = drop_one ? 0.0 : 1.0;
    if (m->estimator == REFIT_ESTIMATOR_MLE) {
        *out = m->sigma * m->sigma * one;
        return REFIT_OK;
    }
    for (uint64_t i = 0; i < n; i++) {
        double Mi, term, t;
        refit_status st = refit_schedule_size(&m->schedule, i, &Mi);
        if (st != REFIT_OK) return st;
        term = 1.0 / Mi;
        t = s + term;
        comp += fabs(s) >= fabs(term) ? (s - t) + term : (term - t) + s;
        s = t;
    }
    *out = m->sigma * m->sigma * (one + (s + comp));
    return REFIT_OK;
}

void refit_vcheck_marginal_var(vctx *c)
{
    refit_model models[3];
    const char *names[3] = {"M = 10 U", "M = 10 MLE", "poly:10,1 U"};
    const uint64_t ns[4] = {1, 10, 100, 1000};
    models[0] = refit_vmodel_const(10.0, REFIT_ESTIMATOR_UNBIASED);
    models[1] = refit_vmodel_const(10.0, REFIT_ESTIMATOR_MLE);
    models[2] = refit_vmodel_poly(10.0, 1.0, REFIT_ESTIMATOR_UNBIASED);
    refit_vparams(c, "M = 10 (U, MLE) and poly:10,1 (U); exact n = 1, 10, 100, 1000; Monte Carlo: "
               "SAMPLE mode, K = %llu, n = 3, 10; EXACT mode (M = 10 U), K = %llu, n = 100, 1000",
            (unsigned long long)c->level.K_sample, (unsigned long long)c->level.K);
    for (size_t im = 0; im < 3; im++) {
        const refit_model *m = &models[im];
        for (size_t i = 0; i < 4; i++) {
            double th, direct;
            refit_status st = refit_vq(c, m, ns[i], REFIT_Q_MARGINAL_VAR, &th);
            if (st == REFIT_OK) st = marginal_direct(m, ns[i], c->perturbed, &direct);
            if (st != REFIT_OK) {
                refit_vitem_error(c, st, "marginal_var %s n = %llu", names[im],
                            (unsigned long long)ns[i]);
                continue;
            }
            refit_vitem_exact(c, ns[i], th, direct, 1e-13 - fabs(th - direct) / fabs(direct), 1e-13,
                        "Var X^n = sigma^2 (1 + sum 1/M_i) (MLE: sigma^2), %s, term by term",
                        names[im]);
            refit_vcertify_last(c);
        }
        /* Monte Carlo in SAMPLE mode: every sample drawn (n <= M: see
         * w2_nongaussian), and in EXACT mode at n >> M (constant U) */
        uint64_t at[2] = {3, 10};
        refit_sim_config sc = refit_sim_config_default();
        refit_sim_result res;
        sc.model = *m;
        sc.mode = REFIT_SIM_SAMPLE;
        sc.chains = c->level.K_sample;
        sc.at = at;
        sc.at_count = 2;
        refit_status st = refit_vsim(c, &sc, &res);
        if (st != REFIT_OK) {
            refit_vitem_error(c, st, "SAMPLE simulation %s", names[im]);
            continue;
        }
        for (size_t t = 0; t < 2; t++) {
            double ex;
            st = refit_vq(c, m, at[t], REFIT_Q_MARGINAL_VAR, &ex);
            if (st != REFIT_OK) {
                refit_vitem_error(c, st, "marginal_var");
                continue;
            }
            refit_vitem_mc(c, at[t], &res.rows[t].quantity[REFIT_Q_MARGINAL_VAR], ex, NAN, 0.0,
                     "Var X^n, %s (SAMPLE mode)", names[im]);
        }
        refit_sim_result_free(&res);
        if (im != 0) continue;
        uint64_t atx[2] = {100, 1000};
        sc = refit_sim_config_default();
        sc.model = *m;
        sc.chains = c->level.K;
        sc.at = atx;
        sc.at_count = 2;
        st = refit_vsim(c, &sc, &res);
        if (st != REFIT_OK) {
            refit_vitem_error(c, st, "EXACT simulation %s", names[im]);
            continue;
        }
        for (size_t t = 0; t < 2; t++) {
            double ex;
            st = refit_vq(c, m, atx[t], REFIT_Q_MARGINAL_VAR, &ex);
            if (st != REFIT_OK) {
                refit_vitem_error(c, st, "marginal_var");
                continue;
            }
            refit_vitem_mc(c, atx[t], &res.rows[t].quantity[REFIT_Q_MARGINAL_VAR], ex, NAN, 0.0,
                     "Var X^n, %s (EXACT mode, importance sampling)", names[im]);
        }
        refit_sim_result_free(&res);
    }
}

/* ---- 4. superlinear ------------------------------------------------------------- */

static refit_status row_values(vctx *c, const refit_model *m, uint64_t n, double *mse,
                               double *lv)
{
    double v[REFIT_Q_COUNT];
    refit_status s[REFIT_Q_COUNT];
    refit_status st = refit_theory_row(m, n, 0, v, s);
    if (st != REFIT_OK) return st;
    if (s[REFIT_Q_MEAN_MSE] != REFIT_OK) return s[REFIT_Q_MEAN_MSE];
    if (s[REFIT_Q_LOGVAR_MEAN] != REFIT_OK) return s[REFIT_Q_LOGVAR_MEAN];
    *mse = v[REFIT_Q_MEAN_MSE];
    *lv = v[REFIT_Q_LOGVAR_MEAN];
    refit_vrec_add(c, VREC_QUANTITY, m, n, (double)REFIT_Q_MEAN_MSE, *mse);
    refit_vrec_add(c, VREC_QUANTITY, m, n, (double)REFIT_Q_LOGVAR_MEAN, *lv);
    return REFIT_OK;
}

static void superlinear_mc(vctx *c, const refit_model *m, const char *name)
{
    uint64_t at[2] = {c->level.quick ? UINT64_C(10) : UINT64_C(100),
                      c->level.quick ? UINT64_C(100) : UINT64_C(1000)};
    refit_sim_config sc = refit_sim_config_default();
    refit_sim_result res;
    sc.model = *m;
    sc.chains = c->level.K;
    sc.at = at;
    sc.at_count = 2;
    refit_status st = refit_vsim(c, &sc, &res);
    if (st != REFIT_OK) {
        refit_vitem_error(c, st, "simulation %s", name);
        return;
    }
    for (size_t t = 0; t < 2; t++) {
        double mse, lv;
        st = row_values(c, m, at[t], &mse, &lv);
        if (st != REFIT_OK) {
            refit_vitem_error(c, st, "closed forms %s", name);
            continue;
        }
        refit_vitem_mc(c, at[t], &res.rows[t].quantity[REFIT_Q_MEAN_MSE], mse, NAN, 0.0,
                 "E(mu_n - mu)^2, %s", name);
        refit_vitem_mc(c, at[t], &res.rows[t].quantity[REFIT_Q_LOGVAR_MEAN], lv, NAN, 0.0,
                 "E ln sigma_n^2, %s", name);
    }
    refit_sim_result_free(&res);
}

void refit_vcheck_superlinear(vctx *c)
{
    const double M0 = 10.0;
    /* perturbed: the "converging" schedule grows linearly */
    const double alpha_conv = c->perturbed ? 1.0 : 2.0;
    const uint64_t dec[3] = {c->level.quick ? UINT64_C(100) : UINT64_C(1000),
                             c->level.quick ? UINT64_C(1000) : UINT64_C(10000),
                             c->level.quick ? UINT64_C(10000) : UINT64_C(100000)};
    const uint64_t cdf_n[4] = {10, 100, 1000, 10000};
    const size_t ncdf = c->level.full ? 4 : 3;
    refit_model conv = refit_vmodel_poly(M0, alpha_conv, REFIT_ESTIMATOR_UNBIASED);
    refit_model lin = refit_vmodel_poly(M0, 1.0, REFIT_ESTIMATOR_UNBIASED);
    double mse[3], lv[3];
    refit_status st = REFIT_OK;
    refit_vparams(c, "M_i = round(10 (i+1)^2) and round(10 (i+1)), U; exact n = %llu, %llu, %llu; "
               "P(sigma_n^2 <= 0.5 sigma^2) at n = 10 .. %llu; Monte Carlo: EXACT mode, K = "
               "%llu, n = %s",
            (unsigned long long)dec[0], (unsigned long long)dec[1], (unsigned long long)dec[2],
            (unsigned long long)cdf_n[ncdf - 1], (unsigned long long)c->level.K,
            c->level.quick ? "10, 100" : "100, 1000");

    /* alpha = 2: Cauchy differences below the tail bounds.
     * sum_{i>=n} 1/M_i <= 1/(M0 n) and |kappa_1(M)| < 2/(M-1) <= 2.5/M (M >= 5). */
    for (size_t i = 0; i < 3 && st == REFIT_OK; i++) st = row_values(c, &conv, dec[i], &mse[i], &lv[i]);
    if (st != REFIT_OK) {
        refit_vitem_error(c, st, "closed forms poly:10,2");
    } else {
        for (size_t i = 1; i < 3; i++) {
            double tm = 1.0 / (M0 * (double)dec[i - 1]), tl = 2.5 / (M0 * (double)dec[i - 1]);
            refit_vitem_exact(c, dec[i], mse[i], tm, tm - fabs(mse[i] - mse[i - 1]), tm,
                        "|E(mu_n-mu)^2 change| <= 1/(M0 n) from n = %llu to %llu (poly:10,2)",
                        (unsigned long long)dec[i - 1], (unsigned long long)dec[i]);
            refit_vitem_exact(c, dec[i], lv[i], tl, tl - fabs(lv[i] - lv[i - 1]), tl,
                        "|E ln sigma_n^2 change| <= 2.5/(M0 n) from n = %llu to %llu (poly:10,2)",
                        (unsigned long long)dec[i - 1], (unsigned long long)dec[i]);
        }
    }

    /* alpha = 1: the error grows like ln n, ln sigma_n^2 drifts to -infinity */
    st = REFIT_OK;
    for (size_t i = 0; i < 3 && st == REFIT_OK; i++) st = row_values(c, &lin, dec[i], &mse[i], &lv[i]);
    if (st != REFIT_OK) {
        refit_vitem_error(c, st, "closed forms poly:10,1");
    } else {
        for (size_t i = 0; i < 3; i++) {
            double d = M0 * mse[i] - log((double)dec[i]);
            refit_vitem_exact(c, dec[i], mse[i], log((double)dec[i]) / M0, 1.0 - fabs(d), 1.0,
                        "|M0 E(mu_n-mu)^2 / sigma^2 - ln n| <= 1 (poly:10,1)");
        }
        for (size_t i = 1; i < 3; i++) {
            double r1 = mse[i - 1] / log((double)dec[i - 1]), r2 = mse[i] / log((double)dec[i]);
            refit_vitem_exact(c, dec[i], r2, r1, 0.05 - fabs(r2 / r1 - 1.0), 0.05,
                        "E(mu_n-mu)^2 / ln n changes < 5%% from n = %llu to %llu (poly:10,1)",
                        (unsigned long long)dec[i - 1], (unsigned long long)dec[i]);
            refit_vitem_exact(c, dec[i], lv[i], lv[i - 1], lv[i - 1] - lv[i], 0.0,
                        "E ln sigma_n^2 decreasing from n = %llu to %llu (poly:10,1)",
                        (unsigned long long)dec[i - 1], (unsigned long long)dec[i]);
        }
        double pprev = NAN, p;
        for (size_t i = 0; i < ncdf; i++) {
            st = refit_vcdf(c, &lin, cdf_n[i], log(0.5), &p);
            if (st != REFIT_OK) {
                refit_vitem_error(c, st, "collapse_prob poly:10,1");
                break;
            }
            if (i > 0)
                refit_vitem_exact(c, cdf_n[i], p, pprev, p - pprev, 0.0,
                            "P(sigma_n^2 <= 0.5 sigma^2) increasing: n = %llu vs %llu (poly:10,1)",
                            (unsigned long long)cdf_n[i], (unsigned long long)cdf_n[i - 1]);
            pprev = p;
        }
    }
    superlinear_mc(c, &conv, alpha_conv == 2.0 ? "poly:10,2" : "poly:10,1 (as 10,2)");
    superlinear_mc(c, &lin, "poly:10,1");
}
