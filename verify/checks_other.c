/* refit verify: martingale, accumulate, mix and tail-bounds, and the
 * collapse-time simulation (docs/verify.md states each item). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refit/kernels.h"
#include "verify/verify_internal.h"

#define VPI 3.14159265358979323846

/* ---- 5. martingale --------------------------------------------------------------- */

void refit_vcheck_martingale(vctx *c)
{
    const double M = 100.0;
    const uint64_t n = 1000;
    const uint64_t K_plain = 1000; /* the example: a plain mean over 1000 chains */
    refit_model m = refit_vmodel_const(M, REFIT_ESTIMATOR_UNBIASED);
    double v, x;
    refit_vparams(c, "M = 100, U, n = 1000; plain Monte Carlo K = %llu (importance off); importance "
               "sampling K = %llu; EXACT mode",
            (unsigned long long)K_plain, (unsigned long long)c->level.K);
    refit_status st = refit_vq(c, &m, n, REFIT_Q_VAR_MEAN, &v);
    if (st != REFIT_OK) {
        refit_vitem_error(c, st, "var_mean");
    } else {
        refit_vitem_exact(c, n, v, 1.0, 1e-13 - fabs(v - 1.0), 1e-13,
                    "E sigma_n^2 = sigma^2 (the martingale), M = 100, U");
        refit_vcertify_last(c);
    }
    st = refit_vquantile(c, &m, n, 0.5, &x);
    if (st != REFIT_OK)
        refit_vitem_error(c, st, "median");
    else
        refit_vitem_exact(c, n, exp(x), 1e-4, log(1e-4) - x, 0.0,
                    "median of sigma_n^2 < 1e-4 sigma^2 (exact; margin in ln)");

    uint64_t at[1] = {n};
    refit_sim_config sc = refit_sim_config_default();
    refit_sim_result plain, imp;
    sc.model = m;
    sc.chains = K_plain;
    sc.at = at;
    sc.at_count = 1;
    sc.importance = 0;
    st = refit_vsim(c, &sc, &plain);
    if (st != REFIT_OK) {
        refit_vitem_error(c, st, "plain simulation");
        return;
    }
    const refit_sim_estimate *pe = &plain.rows[0].quantity[REFIT_Q_VAR_MEAN];
    refit_vitem_property(c, n, VR_DETECT, pe->value, pe->se, pe->lo, pe->hi, pe->reliable, 1.0,
                   (pe->value - 1.0) / pe->se,
                   "the plain mean of sigma_n^2 is flagged unreliable or its interval excludes "
                   "sigma^2 (refit sees the failure)");
    sc.chains = c->level.K;
    sc.importance = 1;
    st = refit_vsim(c, &sc, &imp);
    if (st != REFIT_OK) {
        refit_vitem_error(c, st, "importance simulation");
    } else {
        /* perturbed: the plain mean reported as the estimate */
        const refit_sim_estimate *e =
            c->perturbed ? pe : &imp.rows[0].quantity[REFIT_Q_VAR_MEAN];
        refit_vitem_mc(c, n, e, 1.0, 1.0, 0.0, "E sigma_n^2 by %s: reliable, covers sigma^2",
                 c->perturbed ? "the plain mean (perturbed)" : "importance sampling");
        double lv;
        st = refit_vq(c, &m, n, REFIT_Q_LOGVAR_MEAN, &lv);
        if (st == REFIT_OK)
            refit_vitem_mc(c, n, &plain.rows[0].quantity[REFIT_Q_LOGVAR_MEAN], lv, NAN, 0.0,
                     "E ln sigma_n^2 (plain chains: the bulk is right)");
        refit_sim_result_free(&imp);
    }
    refit_sim_result_free(&plain);
}

/* ---- 6. accumulate ---------------------------------------------------------------- */

/* lim_t E sigma_t^2 / sigma^2 (theory-notes section 5, our own telescoping):
 * MLE: prod_{t>=1} (1 - x^2/t^2) = sin(pi x)/(pi x), x = 1/sqrt(M);
 * U:   prod_{s>=2} (1 - 1/(s(sM-1))) = (M-1)/(M-2) Gamma(1-1/M) / (Gamma(1-r1) Gamma(1-r2)),
 *      r1,2 = (1 +- sqrt(1+4M)) / (2M) the roots of M s^2 - s - 1 (M >= 3). */
static double accumulate_limit(double M, refit_estimator e)
{
    if (e == REFIT_ESTIMATOR_MLE) {
        double x = 1.0 / sqrt(M);
        return sin(VPI * x) / (VPI * x);
    }
    double q = sqrt(1.0 + 4.0 * M), r1 = (1.0 + q) / (2.0 * M), r2 = (1.0 - q) / (2.0 * M);
    return (M - 1.0) / (M - 2.0) * exp(lgamma(1.0 - 1.0 / M) - lgamma(1.0 - r1) - lgamma(1.0 - r2));
}

void refit_vcheck_accumulate(vctx *c)
{
    const double M = 10.0;
    const uint64_t grid[9] = {1, 2, 5, 10, 100, 1000, 10000, 100000, 1000000};
    const size_t ng = c->level.full ? 9 : c->level.quick ? 7 : 8;
    const double bound = (c->perturbed ? 1.0 : VPI * VPI / 6.0) / M;
    const refit_estimator ests[2] = {REFIT_ESTIMATOR_UNBIASED, REFIT_ESTIMATOR_MLE};
    refit_vparams(c, "M = 10, U and MLE; exact t = 1 .. %llu; Monte Carlo: EXACT mode, K = %llu, "
               "t = 10, 100 (plain means)",
            (unsigned long long)grid[ng - 1], (unsigned long long)c->level.K);
    for (size_t ie = 0; ie < 2; ie++) {
        refit_model m = refit_vmodel_const(M, ests[ie]);
        const char *en = refit_vest_name(ests[ie]);
        double v = NAN, vprev = NAN, mse, worst = -INFINITY, minstep = INFINITY;
        uint64_t worst_t = 0;
        refit_status st = REFIT_OK;
        m.regime = REFIT_REGIME_ACCUMULATE;
        for (size_t i = 0; i < ng; i++) {
            st = refit_vq(c, &m, grid[i], REFIT_Q_VAR_MEAN, &v);
            if (st == REFIT_OK) st = refit_vq(c, &m, grid[i], REFIT_Q_MEAN_MSE, &mse);
            if (st != REFIT_OK) {
                refit_vitem_error(c, st, "accumulate closed forms %s t = %llu", en,
                            (unsigned long long)grid[i]);
                break;
            }
            if (i > 0 && vprev - v < minstep) minstep = vprev - v;
            if (mse > worst) worst = mse, worst_t = grid[i];
            vprev = v;
        }
        if (st != REFIT_OK) continue;
        uint64_t T = grid[ng - 1];
        double lim = accumulate_limit(M, ests[ie]);
        double tail = v / ((double)T * (M - 1.0)); /* v_T - v_inf <= v_T sum_{s>T} 1/(s^2 (M-1)) */
        refit_vitem_exact(c, T, v, vprev, minstep, 0.0,
                    "E sigma_t^2 decreasing on the grid t = 1 .. %llu, %s (smallest step)",
                    (unsigned long long)T, en);
        refit_vitem_exact(c, T, v, lim, fmin(v - lim + 1e-15, tail - (v - lim)), tail,
                    "0 <= E sigma_T^2 - v_inf <= v_T/(T(M-1)), v_inf = %s, %s",
                    ests[ie] == REFIT_ESTIMATOR_MLE ? "sin(pi/sqrt M)/(pi/sqrt M)"
                                                    : "Gamma-product limit",
                    en);
        refit_vitem_exact(c, UINT64_MAX, lim, 0.0, lim, 0.0, "the limit v_inf > 0 (no collapse), %s",
                    en);
        refit_vitem_exact(c, worst_t, worst, bound, bound - worst, 0.0,
                    "E(mu_t - mu)^2 < %s sigma^2 / M for t = 1 .. %llu, %s (the largest)",
                    c->perturbed ? "1" : "(pi^2/6)", (unsigned long long)T, en);

        uint64_t at[2] = {10, 100};
        refit_sim_config sc = refit_sim_config_default();
        refit_sim_result res;
        sc.model = m;
        sc.chains = c->level.K;
        sc.at = at;
        sc.at_count = 2;
        st = refit_vsim(c, &sc, &res);
        if (st != REFIT_OK) {
            refit_vitem_error(c, st, "accumulate simulation %s", en);
            continue;
        }
        for (size_t t = 0; t < 2; t++) {
            double ev, em;
            if (refit_vq(c, &m, at[t], REFIT_Q_VAR_MEAN, &ev) != REFIT_OK ||
                refit_vq(c, &m, at[t], REFIT_Q_MEAN_MSE, &em) != REFIT_OK) {
                refit_vitem_error(c, REFIT_EDOM, "accumulate closed forms");
                continue;
            }
            refit_vitem_mc(c, at[t], &res.rows[t].quantity[REFIT_Q_VAR_MEAN], ev, NAN, 0.0,
                     "E sigma_t^2, accumulate, M = 10, %s", en);
            refit_vitem_mc(c, at[t], &res.rows[t].quantity[REFIT_Q_MEAN_MSE], em, NAN, 0.0,
                     "E(mu_t - mu)^2, accumulate, M = 10, %s", en);
        }
        refit_sim_result_free(&res);
    }
}

/* ---- 7. mix ---------------------------------------------------------------------- */

void refit_vcheck_mix(vctx *c)
{
    const double M = 10.0;
    const double lambdas[2] = {0.1, 0.5}; /* one fresh sample, half fresh */
    const uint64_t T = 10000;
    const double fp_tol = 1e-9; /* relative distance to the fixed point at t = T */
    /* plain means: with one fresh sample Var sigma_t^2 grows (spectral
     * radius 1.08 at M = 10) and the means' tails thicken with t; at K =
     * 2e4 they are reliable to t ~ 10 */
    const uint64_t at_mc[2] = {c->level.quick ? UINT64_C(2) : UINT64_C(3),
                               c->level.quick ? UINT64_C(3) : UINT64_C(10)};
    double ls;
    refit_vparams(c, "M = 10, U; lambda = 1/M and 1/2; exact t = %llu; Monte Carlo: EXACT mode, "
               "K = %llu, t = %llu, %llu (plain means)",
            (unsigned long long)T, (unsigned long long)c->level.K,
            (unsigned long long)at_mc[0], (unsigned long long)at_mc[1]);
    refit_status st = refit_theory_mix_lambda_star(M, REFIT_ESTIMATOR_UNBIASED, &ls);
    if (st != REFIT_OK) {
        refit_vitem_error(c, st, "lambda*");
        return;
    }
    refit_model m0 = refit_vmodel_const(M, REFIT_ESTIMATOR_UNBIASED);
    refit_vrec_add(c, VREC_LAMBDA_STAR, &m0, 1, 0.0, ls);
    refit_vcertify_last(c);
    refit_vitem_exact(c, UINT64_MAX, 1.0 / M, ls, 1.0 / M - ls, 0.0,
                "one fresh sample per generation: lambda = 1/M > lambda* = 1 - sqrt(1 - 1/M)");
    for (size_t il = 0; il < 2; il++) {
        refit_model m = m0;
        double fv, fm, v, e;
        m.regime = REFIT_REGIME_MIX;
        m.lambda = lambdas[il];
        st = refit_theory_mix_fixed_point(&m, &fv, &fm);
        if (st != REFIT_OK) {
            refit_vitem_error(c, st, "fixed point lambda = %g", lambdas[il]);
            continue;
        }
        refit_vrec_add(c, VREC_FIXED_VAR, &m, 0, 0.0, fv);
        refit_vcertify_last(c);
        refit_vrec_add(c, VREC_FIXED_MSE, &m, 0, 0.0, fm);
        refit_vcertify_last(c);
        if (c->perturbed) fv *= 1.05, fm *= 1.05; /* the fixed point moved by 5% */
        st = refit_vq(c, &m, T, REFIT_Q_VAR_MEAN, &v);
        if (st == REFIT_OK) st = refit_vq(c, &m, T, REFIT_Q_MEAN_MSE, &e);
        if (st != REFIT_OK) {
            refit_vitem_error(c, st, "mix closed forms");
            continue;
        }
        refit_vitem_exact(c, T, v, fv, fp_tol - fabs(v / fv - 1.0), fp_tol,
                    "E sigma_t^2 -> the fixed point (relative 1e-9 at t = %llu), lambda = %g",
                    (unsigned long long)T, lambdas[il]);
        refit_vitem_exact(c, T, e, fm, fp_tol - fabs(e / fm - 1.0), fp_tol,
                    "E(mu_t - mu)^2 -> the fixed point (relative 1e-9 at t = %llu), lambda = %g",
                    (unsigned long long)T, lambdas[il]);

        refit_sim_config sc = refit_sim_config_default();
        refit_sim_result res;
        sc.model = m;
        sc.chains = c->level.K;
        sc.at = at_mc;
        sc.at_count = 2;
        st = refit_vsim(c, &sc, &res);
        if (st != REFIT_OK) {
            refit_vitem_error(c, st, "mix simulation lambda = %g", lambdas[il]);
            continue;
        }
        for (size_t t = 0; t < 2; t++) {
            double ev, em;
            if (refit_vq(c, &m, at_mc[t], REFIT_Q_VAR_MEAN, &ev) != REFIT_OK ||
                refit_vq(c, &m, at_mc[t], REFIT_Q_MEAN_MSE, &em) != REFIT_OK) {
                refit_vitem_error(c, REFIT_EDOM, "mix closed forms");
                continue;
            }
            refit_vitem_mc(c, at_mc[t], &res.rows[t].quantity[REFIT_Q_VAR_MEAN], ev, NAN, 0.0,
                     "E sigma_t^2, mix lambda = %g, M = 10, U", lambdas[il]);
            refit_vitem_mc(c, at_mc[t], &res.rows[t].quantity[REFIT_Q_MEAN_MSE], em, NAN, 0.0,
                     "E(mu_t - mu)^2, mix lambda = %g, M = 10, U", lambdas[il]);
        }
        refit_sim_result_free(&res);
    }
}

/* ---- 8. tail-bounds --------------------------------------------------------------- */

#define TAU_BLOCK 256
#define TAU_MAX_GENERATIONS UINT32_C(100000000)

/* tau_eps = min{n : ln(sigma_n^2/sigma^2) <= ln eps} of chains first ..
 * first+count-1: one exact refit per generation (Z and G of
 * refit_kernel_normal_gamma, stream SUFFSTAT: q = 2G/D). */
static refit_status tau_block(refit_isa isa, uint64_t seed, uint32_t first, size_t count,
                              double shape, double ln2D, double leps, double *tau)
{
    double z[TAU_BLOCK], lg[TAU_BLOCK], lv[TAU_BLOCK];
    size_t left = count;
    for (size_t i = 0; i < count; i++) lv[i] = 0.0, tau[i] = 0.0;
    for (uint32_t g = 0; left > 0; g++) {
        if (g >= TAU_MAX_GENERATIONS) return REFIT_ERANGE;
        refit_status st =
            refit_kernel_normal_gamma(isa, seed, REFIT_STREAM_SUFFSTAT, first, count, g, shape, z,
                                      NULL, lg);
        if (st != REFIT_OK) return st;
        for (size_t i = 0; i < count; i++) {
            if (tau[i] > 0.0) continue;
            lv[i] += lg[i] + ln2D;
            if (lv[i] <= leps) {
                tau[i] = (double)g + 1.0;
                left--;
            }
        }
    }
    return REFIT_OK;
}

refit_status refit_vsim_collapse_time(const vctx *c, double M, refit_estimator e, double eps,
                                uint64_t K, uint64_t seed, double *mean, double *se)
{
    double D = e == REFIT_ESTIMATOR_MLE ? M : M - 1.0;
    double shape = 0.5 * (M - 1.0), ln2D = log(2.0 / D), leps = log(eps);
    double *tau;
    refit_status status = REFIT_OK;
    long nblocks;
    if (K < 2 || K > UINT32_MAX) return REFIT_EINVAL;
    tau = malloc((size_t)K * sizeof *tau);
    if (!tau) return REFIT_ENOMEM;
    nblocks = (long)((K + TAU_BLOCK - 1) / TAU_BLOCK);
#pragma omp parallel for schedule(dynamic) num_threads(c->config->threads)
    for (long b = 0; b < nblocks; b++) {
        uint64_t first = (uint64_t)b * TAU_BLOCK;
        size_t count = (size_t)(K - first < TAU_BLOCK ? K - first : TAU_BLOCK);
        refit_status st = tau_block(c->config->isa, seed, (uint32_t)first, count, shape, ln2D,
                                    leps, tau + first);
        if (st != REFIT_OK) {
#pragma omp critical(vtau)
            status = st;
        }
    }
    if (status == REFIT_OK) {
        double s = 0.0, ss = 0.0, mu;
        for (uint64_t i = 0; i < K; i++) s += tau[i]; /* chain order: deterministic */
        mu = s / (double)K;
        for (uint64_t i = 0; i < K; i++) ss += (tau[i] - mu) * (tau[i] - mu);
        *mean = mu;
        *se = sqrt(ss / ((double)K - 1.0) / (double)K);
    } else {
        *mean = *se = NAN;
    }
    free(tau);
    return status;
}

void refit_vcheck_tail_bounds(vctx *c)
{
    const double Ms[4] = {2.0, 10.0, 10.0, 100.0};
    const uint64_t ns[4] = {10, 10, 100, 1000};
    const double ks[2] = {2.0, 5.0};
    const double tau_M[4] = {2.0, 3.0, 5.0, 10.0};
    const double eps = 0.01;
    refit_vparams(c, "U; Chernoff at mean +- 2, 5 sd of ln sigma_n^2 for (M, n) = (2, 10), (10, 10)%s; "
               "Markov at t = 0.5, 2 for (10, 10), (10, 100); collapse time eps = %g, M = 2, 3, "
               "5, 10 (U) and 10 (MLE), K = %llu chains",
            c->level.quick ? "" : ", (10, 100), (100, 1000)", eps,
            (unsigned long long)c->level.K_tau);
    const size_t npairs = c->level.quick ? 2 : 4; /* quick: (2, 10) and (10, 10) */
    for (size_t i = 0; i < npairs; i++) {
        refit_model m = refit_vmodel_const(Ms[i], REFIT_ESTIMATOR_UNBIASED);
        double k1, k2;
        refit_status st = refit_vcumulant(c, Ms[i], REFIT_ESTIMATOR_UNBIASED, 1, &k1);
        if (st == REFIT_OK) st = refit_vcumulant(c, Ms[i], REFIT_ESTIMATOR_UNBIASED, 2, &k2);
        if (st != REFIT_OK) {
            refit_vitem_error(c, st, "cumulants M = %g", Ms[i]);
            continue;
        }
        double mean = (double)ns[i] * k1, sd = sqrt((double)ns[i] * k2);
        for (size_t j = 0; j < 2; j++) {
            double xu = mean + ks[j] * sd, xl = mean - ks[j] * sd, bu, bl, pu, pl;
            st = refit_dist_chernoff_upper_log(&m, ns[i], xu, &bu);
            if (st == REFIT_OK) st = refit_dist_chernoff_lower_log(&m, ns[i], xl, &bl);
            if (st == REFIT_OK) st = refit_vlog_sf(c, &m, ns[i], xu, &pu);
            if (st == REFIT_OK) st = refit_vlog_cdf(c, &m, ns[i], xl, &pl);
            if (st != REFIT_OK) {
                refit_vitem_error(c, st, "tails M = %g n = %llu", Ms[i], (unsigned long long)ns[i]);
                continue;
            }
            if (c->perturbed) bu = bl = -0.5 * ks[j] * ks[j]; /* the Gaussian tail */
            refit_vitem_exact(c, ns[i], pu, bu, bu - pu, 0.0,
                        "Chernoff: ln P(L_n >= mean + %g sd) <= bound, M = %g (margin in ln)",
                        ks[j], Ms[i]);
            refit_vitem_exact(c, ns[i], pl, bl, bl - pl, 0.0,
                        "Chernoff: ln P(L_n <= mean - %g sd) <= bound, M = %g (margin in ln)",
                        ks[j], Ms[i]);
        }
    }
    for (size_t i = 1; i < 3; i++) {
        refit_model m = refit_vmodel_const(Ms[i], REFIT_ESTIMATOR_UNBIASED);
        const double ts[2] = {0.5, 2.0};
        for (size_t j = 0; j < 2; j++) {
            double b, lsf;
            refit_status st = refit_dist_markov_sd(&m, ns[i], ts[j], &b);
            if (st == REFIT_OK) st = refit_vlog_sf(c, &m, ns[i], 2.0 * log(ts[j]), &lsf);
            if (st != REFIT_OK) {
                refit_vitem_error(c, st, "Markov M = %g", Ms[i]);
                continue;
            }
            refit_vitem_exact(c, ns[i], exp(lsf), b, b - exp(lsf), 0.0,
                        "Markov: P(sigma_n >= %g sigma) <= E sigma_n / (%g sigma), M = %g",
                        ts[j], ts[j], Ms[i]);
        }
    }
    for (size_t i = 0; i < 5; i++) {
        double M = i < 4 ? tau_M[i] : 10.0, lo, hi, mean, se;
        refit_estimator e = i < 4 ? REFIT_ESTIMATOR_UNBIASED : REFIT_ESTIMATOR_MLE;
        refit_model m = refit_vmodel_const(M, e);
        refit_status st = refit_dist_collapse_time(&m, eps, &lo, &hi);
        if (st != REFIT_OK) {
            refit_vitem_error(c, st, "collapse-time bounds M = %g", M);
            continue;
        }
        if (c->record_only) continue;
        st = refit_vsim_collapse_time(c, M, e, eps, c->level.K_tau, refit_vseed(c, 1000 + i), &mean, &se);
        if (st != REFIT_OK) {
            refit_vitem_error(c, st, "collapse-time simulation M = %g", M);
            continue;
        }
        refit_vitem_property(c, UINT64_MAX, VR_ONE_SIDED, mean, se, mean - 1.96 * se,
                       mean + 1.96 * se, 1, lo, (lo - mean) / se,
                       "Wald: E tau_eps >= ln(1/eps)/|delta|, M = %g, %s (score: z of a "
                       "violation)",
                       M, refit_vest_name(e));
        refit_vitem_property(c, UINT64_MAX, VR_ONE_SIDED, mean, se, mean - 1.96 * se,
                       mean + 1.96 * se, 1, hi, (mean - hi) / se,
                       "Lorden: E tau_eps <= upper bound, M = %g, %s (score: z of a violation)",
                       M, refit_vest_name(e));
    }
}
