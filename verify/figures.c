/* refit verify: the data of the report's four figures (verify.h).
 *
 *   fan        M = 10, U: sigma_n / sigma quantiles 5, 25, 50, 75, 95% from
 *              the order statistics of K chains (binomial intervals) and the
 *              exact quantiles exp(x_p / 2), x_p = refit_dist_quantile;
 *              n = 1 .. 1000 log spaced
 *   w2         E W2^2, M = 10, U and MLE: exact on a dense log grid, Monte
 *              Carlo (importance sampling, intervals) at a few n
 *   histogram  ln sigma_n^2 at n = 50, M = 10, U: 60 bins between the exact
 *              0.05% and 99.95% quantiles; exact bin probabilities from CDF
 *              differences, Monte Carlo frequencies with binomial error bars
 *   regimes    E sigma_t^2 and E(mu_t - mu)^2, M = 10, U, under replace,
 *              accumulate and mix (lambda = 1/M): exact and Monte Carlo
 *              (importance sampling under replace, plain means otherwise)
 * Chains: the level's K (EXACT mode); seeds derived from the config's.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refit/distribution.h"
#include "refit/sim.h"
#include "refit/theory.h"
#include "refit/verify.h"
#include "verify/verify_internal.h"

#define FIG_M 10.0
#define HIST_BINS 60
#define HIST_N 50

static const double FAN_P[5] = {0.05, 0.25, 0.5, 0.75, 0.95};
static const uint64_t FAN_N[18] = {1,  2,   3,   5,   7,   10,  15,  20,  30,
                                   50, 70,  100, 150, 200, 300, 500, 700, 1000};
static const uint64_t MC_N[7] = {1, 3, 10, 30, 100, 300, 1000};

static refit_verify_series *series_add(refit_verify_figure *f, size_t count, int interval,
                                       const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static refit_verify_series *series_add(refit_verify_figure *f, size_t count, int interval,
                                       const char *fmt, ...)
{
    refit_verify_series *s, *all = realloc(f->series, (f->series_count + 1) * sizeof *all);
    va_list ap;
    if (!all) return NULL;
    f->series = all;
    s = &all[f->series_count];
    memset(s, 0, sizeof *s);
    va_start(ap, fmt);
    vsnprintf(s->name, sizeof s->name, fmt, ap);
    va_end(ap);
    s->count = count;
    s->x = calloc(count ? count : 1, sizeof *s->x);
    s->y = calloc(count ? count : 1, sizeof *s->y);
    if (interval) {
        s->lo = calloc(count ? count : 1, sizeof *s->lo);
        s->hi = calloc(count ? count : 1, sizeof *s->hi);
    }
    f->series_count++; /* counted before the checks below, so free() sees it */
    if (!s->x || !s->y || (interval && (!s->lo || !s->hi))) return NULL;
    return s;
}

static void figure_head(refit_verify_figure *f, const char *id, const char *title,
                        const char *xl, const char *yl, int logx, int logy, const char *caption)
{
    memset(f, 0, sizeof *f);
    snprintf(f->id, sizeof f->id, "%s", id);
    snprintf(f->title, sizeof f->title, "%s", title);
    snprintf(f->xlabel, sizeof f->xlabel, "%s", xl);
    snprintf(f->ylabel, sizeof f->ylabel, "%s", yl);
    f->logx = logx;
    f->logy = logy;
    snprintf(f->caption, sizeof f->caption, "%s", caption);
}

static uint64_t fig_seed(const refit_verify_config *cfg, uint64_t salt)
{
    vctx c;
    memset(&c, 0, sizeof c);
    c.config = cfg;
    c.id = "figures";
    return refit_vseed(&c, salt);
}

static refit_status run_sim(const refit_verify_config *cfg, refit_sim_config *sc, uint64_t salt,
                            refit_sim_result *res)
{
    sc->threads = cfg->threads;
    sc->isa = cfg->isa;
    sc->seed = fig_seed(cfg, salt);
    return refit_sim_estimate_all(sc, res);
}

static refit_status fig_fan(const refit_verify_config *cfg, uint64_t K, refit_verify_figure *f)
{
    refit_model m = refit_vmodel_const(FIG_M, REFIT_ESTIMATOR_UNBIASED);
    refit_sim_config sc = refit_sim_config_default();
    refit_sim_result res;
    refit_status st;
    char cap[REFIT_VERIFY_TEXT * 2];
    snprintf(cap, sizeof cap,
             "Quantiles 5/25/50/75/95%% of sigma_n/sigma, M = 10, unbiased: %llu chains (points, "
             "95%% intervals) over the exact quantiles (lines). The whole fan sinks: collapse.",
             (unsigned long long)K);
    figure_head(f, "fan", "sigma_n quantile fan (M = 10, unbiased)", "generation n",
                "sigma_n / sigma", 1, 1, cap);
    sc.model = m;
    sc.chains = K;
    sc.at = FAN_N;
    sc.at_count = 18;
    sc.quantiles = FAN_P;
    sc.quantile_count = 5;
    sc.importance = 0;
    st = run_sim(cfg, &sc, 1, &res);
    if (st != REFIT_OK) return st;
    for (size_t q = 0; q < 5 && st == REFIT_OK; q++) {
        refit_verify_series *mc = series_add(f, 18, 1, "mc_q%g", FAN_P[q]);
        if (!mc) st = REFIT_ENOMEM;
        for (size_t i = 0; mc && i < 18; i++) {
            const refit_sim_estimate *e = &res.rows[i].quantile[q];
            mc->x[i] = (double)FAN_N[i];
            mc->y[i] = sqrt(e->value);
            mc->lo[i] = sqrt(e->lo);
            mc->hi[i] = sqrt(e->hi);
        }
    }
    refit_sim_result_free(&res);
    for (size_t q = 0; q < 5 && st == REFIT_OK; q++) {
        refit_verify_series *ex = series_add(f, 18, 0, q == 2 ? "exact_median" : "exact_q%g",
                                             FAN_P[q]);
        if (!ex) return REFIT_ENOMEM;
        for (size_t i = 0; i < 18 && st == REFIT_OK; i++) {
            double x;
            st = refit_dist_quantile(&m, FAN_N[i], FAN_P[q], &x);
            ex->x[i] = (double)FAN_N[i];
            ex->y[i] = exp(0.5 * x);
        }
    }
    return st;
}

static refit_status fig_w2(const refit_verify_config *cfg, uint64_t K, refit_verify_figure *f)
{
    const size_t ngrid = 41; /* 1 .. 1e4, ten points a decade */
    refit_status st = REFIT_OK;
    figure_head(f, "w2", "E W2^2 to the truth (M = 10)", "generation n", "E W2^2 / sigma^2", 1, 1,
                "E W2^2 exact (lines) and by Monte Carlo with importance sampling (points, 95% "
                "intervals): it grows like n/M under the unbiased estimator and stays below 2 "
                "under MLE.");
    for (int ie = 0; ie < 2 && st == REFIT_OK; ie++) {
        refit_estimator e = ie ? REFIT_ESTIMATOR_MLE : REFIT_ESTIMATOR_UNBIASED;
        refit_model m = refit_vmodel_const(FIG_M, e);
        refit_verify_series *ex = series_add(f, ngrid, 0, "exact_%s", ie ? "mle" : "unbiased");
        if (!ex) return REFIT_ENOMEM;
        for (size_t i = 0; i < ngrid && st == REFIT_OK; i++) {
            double n = floor(pow(10.0, (double)i / 10.0) + 0.5);
            ex->x[i] = n;
            st = refit_theory_w2sq_mean(&m, (uint64_t)n, &ex->y[i]);
        }
        if (st != REFIT_OK) break;
        refit_sim_config sc = refit_sim_config_default();
        refit_sim_result res;
        sc.model = m;
        sc.chains = K;
        sc.at = MC_N;
        sc.at_count = 7;
        st = run_sim(cfg, &sc, 10 + (uint64_t)ie, &res);
        if (st != REFIT_OK) break;
        refit_verify_series *mc = series_add(f, 7, 1, "mc_%s", ie ? "mle" : "unbiased");
        for (size_t i = 0; mc && i < 7; i++) {
            const refit_sim_estimate *es = &res.rows[i].quantity[REFIT_Q_W2SQ_MEAN];
            mc->x[i] = (double)MC_N[i];
            mc->y[i] = es->value;
            mc->lo[i] = es->lo;
            mc->hi[i] = es->hi;
        }
        refit_sim_result_free(&res);
        if (!mc) st = REFIT_ENOMEM;
    }
    return st;
}

static refit_status fig_histogram(const refit_verify_config *cfg, uint64_t K,
                                  refit_verify_figure *f)
{
    refit_model m = refit_vmodel_const(FIG_M, REFIT_ESTIMATOR_UNBIASED);
    refit_sim_config sc = refit_sim_config_default();
    refit_sim *sim = NULL;
    uint64_t at[1] = {HIST_N};
    double lo, hi, *vals = NULL, edges[HIST_BINS + 1], cdf[HIST_BINS + 1];
    refit_status st;
    figure_head(f, "histogram", "ln(sigma_n^2 / sigma^2) at n = 50 (M = 10, unbiased)",
                "ln(sigma_n^2 / sigma^2)", "probability of the bin", 0, 0,
                "Monte Carlo bin frequencies (bars, 95% binomial error bars) against the exact "
                "bin probabilities from the exact CDF (line): the law of the log-variance, "
                "centred near n kappa_1 = -5.8.");
    st = refit_dist_quantile(&m, HIST_N, 5e-4, &lo);
    if (st == REFIT_OK) st = refit_dist_quantile(&m, HIST_N, 1.0 - 5e-4, &hi);
    for (int i = 0; i <= HIST_BINS && st == REFIT_OK; i++) {
        edges[i] = lo + (hi - lo) * (double)i / HIST_BINS;
        st = refit_dist_cdf(&m, HIST_N, edges[i], &cdf[i]);
    }
    if (st != REFIT_OK) return st;
    sc.model = m;
    sc.chains = K;
    sc.at = at;
    sc.at_count = 1;
    sc.importance = 0;
    sc.threads = cfg->threads;
    sc.isa = cfg->isa;
    sc.seed = fig_seed(cfg, 20);
    st = refit_sim_create(&sc, &sim);
    if (st == REFIT_OK) st = refit_sim_run(sim, NULL, NULL, NULL);
    if (st == REFIT_OK) {
        vals = malloc((size_t)K * sizeof *vals);
        st = vals ? refit_sim_log_var_values(sim, 0, vals) : REFIT_ENOMEM;
    }
    refit_sim_free(sim);
    refit_verify_series *ex = NULL, *mc = NULL;
    if (st == REFIT_OK && (!series_add(f, HIST_BINS, 0, "exact_prob") ||
                           !series_add(f, HIST_BINS, 1, "mc_freq")))
        st = REFIT_ENOMEM;
    if (st == REFIT_OK) {
        ex = &f->series[0]; /* after both additions: series_add may move the array */
        mc = &f->series[1];
        double counts[HIST_BINS] = {0};
        double w = (hi - lo) / HIST_BINS;
        for (uint64_t i = 0; i < K; i++) {
            double b = floor((vals[i] - lo) / w);
            if (b >= 0.0 && b < HIST_BINS) counts[(int)b] += 1.0;
        }
        for (int b = 0; b < HIST_BINS; b++) {
            double fr = counts[b] / (double)K, h = 1.96 * sqrt(fr * (1.0 - fr) / (double)K);
            ex->x[b] = mc->x[b] = 0.5 * (edges[b] + edges[b + 1]);
            ex->y[b] = cdf[b + 1] - cdf[b];
            mc->y[b] = fr;
            mc->lo[b] = fmax(0.0, fr - h);
            mc->hi[b] = fr + h;
        }
    }
    free(vals);
    return st;
}

static refit_status fig_regimes(const refit_verify_config *cfg, uint64_t K,
                                refit_verify_figure *f)
{
    static const char *const RN[3] = {"replace", "accumulate", "mix"};
    static const uint64_t RMC[5] = {1, 3, 10, 30, 100};
    const size_t ngrid = 31; /* 1 .. 1000 */
    refit_status st = REFIT_OK;
    figure_head(f, "regimes", "Replace vs accumulate vs mix (M = 10, unbiased)", "generation t",
                "moment / sigma^2", 1, 1,
                "E sigma_t^2 (var) and E(mu_t - mu)^2 (mse): exact (lines) and Monte Carlo (points; "
                "importance sampling under replace, plain means otherwise). Replace: var stays 1 (martingale) while mse grows like t/M; "
                "accumulate: both settle (mse < (pi^2/6)/M); mix with one fresh sample: a fixed "
                "point.");
    for (int r = 0; r < 3 && st == REFIT_OK; r++) {
        refit_model m = refit_vmodel_const(FIG_M, REFIT_ESTIMATOR_UNBIASED);
        m.regime = r == 0 ? REFIT_REGIME_REPLACE : r == 1 ? REFIT_REGIME_ACCUMULATE
                                                         : REFIT_REGIME_MIX;
        m.lambda = r == 2 ? 1.0 / FIG_M : 0.0;
        if (r != 2) m.lambda = 1.0; /* unused outside mix; a valid value */
        refit_sim_config sc = refit_sim_config_default();
        refit_sim_result res;
        sc.model = m;
        sc.chains = K;
        sc.at = RMC;
        sc.at_count = 5; /* importance sampling under replace (plain means would sink) */
        st = run_sim(cfg, &sc, 30 + (uint64_t)r, &res);
        if (st != REFIT_OK) break;
        for (int q = 0; q < 2 && st == REFIT_OK; q++) {
            refit_quantity Q = q ? REFIT_Q_MEAN_MSE : REFIT_Q_VAR_MEAN;
            refit_verify_series *ex =
                series_add(f, ngrid, 0, "exact_%s_%s", q ? "mse" : "var", RN[r]);
            if (!ex) {
                st = REFIT_ENOMEM;
                break;
            }
            for (size_t i = 0; i < ngrid && st == REFIT_OK; i++) {
                double t = floor(pow(10.0, (double)i / 10.0) + 0.5);
                ex->x[i] = t;
                st = refit_theory_quantity(&m, (uint64_t)t, Q, &ex->y[i]);
            }
            refit_verify_series *mc = st == REFIT_OK ? series_add(f, 5, 1, "mc_%s_%s",
                                                                  q ? "mse" : "var", RN[r])
                                                     : NULL;
            if (st == REFIT_OK && !mc) st = REFIT_ENOMEM;
            for (size_t i = 0; mc && i < 5; i++) {
                const refit_sim_estimate *e = &res.rows[i].quantity[Q];
                mc->x[i] = (double)RMC[i];
                mc->y[i] = e->value;
                mc->lo[i] = fmax(e->lo, 1e-300); /* a log axis: clip a bound at 0 */
                mc->hi[i] = e->hi;
            }
        }
        refit_sim_result_free(&res);
    }
    return st;
}

refit_status refit_verify_figures_compute(const refit_verify_config *config,
                                          refit_verify_figures *out)
{
    refit_status st;
    vlevel lv;
    if (!out) return REFIT_EINVAL;
    memset(out, 0, sizeof *out);
    if (!config || config->threads < 1 || (int)config->level < REFIT_VERIFY_QUICK ||
        (int)config->level > REFIT_VERIFY_FULL || !refit_isa_supported(config->isa))
        return REFIT_EINVAL;
    lv = refit_vlevel_of(config->level);
    out->figures = calloc(4, sizeof *out->figures);
    if (!out->figures) return REFIT_ENOMEM;
    out->count = 4;
    st = fig_fan(config, lv.K, &out->figures[0]);
    if (st == REFIT_OK) st = fig_w2(config, lv.K, &out->figures[1]);
    if (st == REFIT_OK) st = fig_histogram(config, lv.K, &out->figures[2]);
    if (st == REFIT_OK) st = fig_regimes(config, lv.K, &out->figures[3]);
    if (st != REFIT_OK) refit_verify_figures_free(out);
    return st;
}

void refit_verify_figures_free(refit_verify_figures *figures)
{
    if (!figures) return;
    for (size_t i = 0; figures->figures && i < figures->count; i++) {
        refit_verify_figure *f = &figures->figures[i];
        for (size_t s = 0; f->series && s < f->series_count; s++) {
            free(f->series[s].x);
            free(f->series[s].y);
            free(f->series[s].lo);
            free(f->series[s].hi);
        }
        free(f->series);
    }
    free(figures->figures);
    memset(figures, 0, sizeof *figures);
}
