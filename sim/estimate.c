/* refit sim/: estimates with standard errors, 95% intervals and the
 * reliability flag, from the chains' records (sim_internal.h).
 *
 * Every reduction runs over the chains in chain order (the moments kernel
 * on one chunk, or a plain loop), so estimates are bitwise independent of
 * threads, ISA and restarts.  The rules are derived in
 * proofs/11-monte-carlo.md and summarised in docs/simulate.md.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_internal.h"

#define Z95 1.959963984540054 /* Phi^{-1}(0.975) */
#define RELIABLE_MIN_CHAINS 30
/* An interval is trusted only if the tail fit excludes an infinite variance
 * of the terms (k >= 1/2; for variance estimates an infinite fourth moment,
 * k >= 1/4) with a margin of two standard errors of k-hat, (1 + k)/sqrt(m)
 * (the asymptotic sd of the GPD shape estimate from m exceedances): at
 * K = 1000 a mean needs k-hat < ~0.24, at K = 1e5 < ~0.41. */
#define TAIL_SHAPE_MEAN 0.5
#define TAIL_SHAPE_VARIANCE 0.25
#define TAIL_SHAPE_MARGIN_SE 2.0

typedef struct est_ctx {
    const refit_sim *sim;
    size_t K;
    double *buf, *sorted; /* K doubles each */
    double fp_rel;        /* floating-point allowance, relative: (n + 1) 2^-48 */
} est_ctx;

static void est_none(refit_sim_estimate *e)
{
    e->status = REFIT_EINVAL;
    e->method = REFIT_SIM_METHOD_NONE;
    e->value = e->se = e->lo = e->hi = NAN;
    e->log_value = e->log_lo = e->log_hi = NAN;
    e->reliable = 0;
    e->tail_shape = NAN;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Rearrange a[0..n) so that a[k] is the value a sort would put there, with
 * a[0..k) <= a[k] <= a[k+1..n) (Hoare's selection, median-of-three pivots;
 * deterministic, O(n) expected).  NaNs are not expected here. */
static void select_kth(double *a, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (hi > lo) {
        size_t mid = lo + (hi - lo) / 2;
        double x = a[lo], y = a[mid], z = a[hi];
        double pivot = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
        size_t i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot) i++;
            while (a[j] > pivot) j--;
            if (i <= j) {
                double t = a[i];
                a[i] = a[j];
                a[j] = t;
                i++;
                if (j == 0) break;
                j--;
            }
        }
        if (k <= j) hi = j;
        else if (k >= i) lo = i;
        else return;
    }
}

/* The number of exceedances the tail fit uses. */
static double tail_count(size_t K) { return floor(fmin((double)K / 5.0, 3.0 * sqrt((double)K))); }

/* The generalized Pareto shape of the upper tail of v[0..K) (v >= 0), by
 * Zhang & Stephens' (2009) posterior-mean estimator over the largest
 * m = min(K/5, 3 sqrt K) values, as in Pareto-smoothed importance sampling.
 * -inf when the tail is flat to rounding (constant terms), NaN if m < 5. */
static double tail_shape(est_ctx *x, const double *v)
{
    size_t K = x->K;
    size_t m = (size_t)tail_count(K);
    if (m < 5) return NAN;
    /* the m + 1 largest values, sorted: a selection then a small sort */
    memcpy(x->sorted, v, K * sizeof *v);
    select_kth(x->sorted, K, K - m - 1);
    qsort(x->sorted + (K - m - 1), m + 1, sizeof *x->sorted, cmp_double);
    const double *top = x->sorted + (K - m);
    double u = x->sorted[K - m - 1], vmax = top[m - 1];
    if (!(vmax - u > 1e-12 * fabs(vmax))) return -INFINITY;
    if (!isfinite(vmax)) return INFINITY;
    /* exceedances y_i = top_i - u, ascending */
    double *y = x->buf; /* K >= m: reuse (the caller is done with buf) */
    for (size_t i = 0; i < m; i++) y[i] = top[i] - u;
    size_t grid = 30 + (size_t)sqrt((double)m);
    size_t iq = (size_t)floor((double)m / 4.0 + 0.5);
    double ystar = y[iq > 0 ? iq - 1 : 0];
    if (!(ystar > 0.0)) {
        for (size_t i = 0; i < m; i++)
            if (y[i] > 0.0) {
                ystar = y[i];
                break;
            }
    }
    double lmax = -INFINITY, theta[128], ll[128];
    if (grid > 128) grid = 128;
    for (size_t j = 0; j < grid; j++) {
        double th = 1.0 / y[m - 1] + (1.0 - sqrt((double)grid / ((double)j + 0.5))) / (3.0 * ystar);
        double k = 0.0;
        for (size_t i = 0; i < m; i++) k += log1p(-th * y[i]);
        k /= (double)m;
        theta[j] = th;
        ll[j] = (th != 0.0 && k != 0.0) ? (double)m * (log(-th / k) - k - 1.0) : -INFINITY;
        if (ll[j] > lmax) lmax = ll[j];
    }
    double sw = 0.0, st = 0.0;
    for (size_t j = 0; j < grid; j++) {
        double wj = exp(ll[j] - lmax);
        sw += wj;
        st += wj * theta[j];
    }
    double th = st / sw, k = 0.0;
    for (size_t i = 0; i < m; i++) k += log1p(-th * y[i]);
    return k / (double)m;
}

/* Fill a positive estimate from ln value and its relative standard error. */
static void set_positive(refit_sim_estimate *e, refit_sim_method method, double log_value,
                         double rel_se, double scale_log)
{
    e->status = REFIT_OK;
    e->method = method;
    e->log_value = log_value + scale_log;
    e->value = exp(e->log_value);
    e->se = e->value * rel_se;
    double h = Z95 * rel_se;
    /* a positive quantity: the interval is clipped at 0 (coverage only grows) */
    e->lo = h < 1.0 ? e->value * (1.0 - h) : 0.0;
    e->hi = e->value * (1.0 + h);
    e->log_lo = h < 1.0 ? e->log_value + log1p(-h) : -INFINITY;
    e->log_hi = e->log_value + log1p(h);
    if (log_value == -INFINITY) { /* every term zero */
        e->value = e->se = e->lo = e->hi = 0.0;
        e->log_lo = e->log_hi = -INFINITY;
    }
}

/* A positive quantity estimated as exactly 0 (n = 0), with its se. */
static void set_zero(refit_sim_estimate *e, refit_sim_method method, double se)
{
    set_positive(e, method, -INFINITY, 0.0, 0.0);
    e->se = se;
    e->hi = Z95 * se;
    e->log_hi = log(e->hi);
}

/* A sample variance: the interval on the log scale, v e^{+-1.96 rel}
 * (its law is skewed to the right; the symmetric interval under-covers). */
static void set_variance(refit_sim_estimate *e, double log_value, double rel_se, double scale_log)
{
    set_positive(e, REFIT_SIM_METHOD_MEAN, log_value, rel_se, scale_log);
    if (log_value == -INFINITY) return;
    double h = Z95 * rel_se;
    e->log_lo = e->log_value - h;
    e->log_hi = e->log_value + h;
    e->lo = exp(e->log_lo);
    e->hi = exp(e->log_hi);
}

static void set_signed(refit_sim_estimate *e, refit_sim_method method, double value, double se)
{
    e->status = REFIT_OK;
    e->method = method;
    e->value = value;
    e->se = se;
    e->lo = value - Z95 * se;
    e->hi = value + Z95 * se;
    e->log_value = e->log_lo = e->log_hi = NAN;
}

/* Mean of the terms e^{lt_j} >= 0, in the log domain (no overflow):
 * *log_mean, *rel_se (statistical and floating-point), *shape (k-hat). */
static refit_status log_mean(est_ctx *x, const double *lt, double *log_mean_out, double *rel_se,
                             double *shape)
{
    size_t K = x->K;
    double off = -INFINITY;
    for (size_t j = 0; j < K; j++)
        if (lt[j] > off) off = lt[j];
    if (off == -INFINITY) {
        *log_mean_out = -INFINITY;
        *rel_se = 0.0;
        *shape = -INFINITY;
        return REFIT_OK;
    }
    if (!isfinite(off)) { /* +inf or NaN: a term not representable even in logs */
        *log_mean_out = off;
        *rel_se = INFINITY;
        *shape = INFINITY;
        return REFIT_OK;
    }
    for (size_t j = 0; j < K; j++) x->buf[j] = exp(lt[j] - off);
    refit_moments acc = {0.0, 0.0, 0.0};
    refit_status st = refit_kernel_moments(x->sim->config.isa, x->buf, K, &acc);
    if (st != REFIT_OK) return st;
    double var = acc.m2 / (double)(K - 1);
    double rel = sqrt(var / (double)K) / acc.mean;
    *log_mean_out = off + log(acc.mean);
    *rel_se = sqrt(rel * rel + x->fp_rel * x->fp_rel);
    *shape = tail_shape(x, x->buf);
    return REFIT_OK;
}

/* k-hat plus its margin is below the limit (constant terms: -inf passes). */
static int tail_ok(const est_ctx *x, double shape, double limit)
{
    if (shape == -INFINITY) return 1;
    double se = (1.0 + fmax(shape, 0.0)) / sqrt(tail_count(x->K));
    return shape + TAIL_SHAPE_MARGIN_SE * se < limit;
}

static int reliable_mean(const est_ctx *x, double shape, double log_value)
{
    return x->K >= RELIABLE_MIN_CHAINS && tail_ok(x, shape, TAIL_SHAPE_MEAN) &&
           !isnan(log_value) && log_value < INFINITY;
}

/* e = mean of e^{lt}, times e^{scale_log}. */
static refit_status est_log_mean(est_ctx *x, refit_sim_estimate *e, refit_sim_method method,
                                 const double *lt, double scale_log)
{
    double lm, rel, k;
    refit_status st = log_mean(x, lt, &lm, &rel, &k);
    if (st != REFIT_OK) return st;
    set_positive(e, method, lm, rel, scale_log);
    e->tail_shape = k;
    e->reliable = reliable_mean(x, k, lm);
    return REFIT_OK;
}

/* Sample variance of v[0..K) (linear values) with the delta-method se
 * sqrt((m4 - s^4) / K); the caller sets reliability. */
static void sample_variance(const est_ctx *x, const double *v, double *var, double *se)
{
    size_t K = x->K;
    double s = 0.0;
    for (size_t j = 0; j < K; j++) s += v[j];
    double mean = s / (double)K, m2 = 0.0, m4 = 0.0;
    for (size_t j = 0; j < K; j++) {
        double c = v[j] - mean, c2 = c * c;
        m2 += c2;
        m4 += c2 * c2;
    }
    double s2 = m2 / (double)(K - 1), mu2 = m2 / (double)K, mu4 = m4 / (double)K;
    *var = s2;
    double v4 = mu4 - mu2 * mu2;
    *se = sqrt((v4 > 0.0 ? v4 : 0.0) / (double)K);
}

/* Variance of e^{lt_j} in the log domain: e = Var, scaled by e^{scale_log}. */
static void est_log_variance(est_ctx *x, refit_sim_estimate *e, const double *lt, double scale_log)
{
    size_t K = x->K;
    double off = -INFINITY;
    for (size_t j = 0; j < K; j++)
        if (lt[j] > off) off = lt[j];
    if (!isfinite(off)) {
        if (off == -INFINITY) {
            set_positive(e, REFIT_SIM_METHOD_MEAN, -INFINITY, 0.0, scale_log);
            e->tail_shape = -INFINITY;
            e->reliable = K >= RELIABLE_MIN_CHAINS;
        } else {
            est_none(e);
        }
        return;
    }
    for (size_t j = 0; j < K; j++) x->buf[j] = exp(lt[j] - off);
    double var, se;
    sample_variance(x, x->buf, &var, &se);
    double k = tail_shape(x, x->buf);
    double rel = var > 0.0 ? se / var : 0.0;
    rel = sqrt(rel * rel + x->fp_rel * x->fp_rel);
    set_variance(e, var > 0.0 ? 2.0 * off + log(var) : -INFINITY, rel,
                 scale_log);
    e->tail_shape = k;
    e->reliable = K >= RELIABLE_MIN_CHAINS && tail_ok(x, k, TAIL_SHAPE_VARIANCE);
}

/* Ranks l, u (1-based; 0 / K+1 when the interval is open on that side) with
 * P(Bin(K, p) <= l - 1) <= 0.025 and P(Bin(K, p) >= u) <= 0.025, so that
 * [X_(l), X_(u)] covers the p-quantile with probability >= 95%. */
static void binomial_ranks(size_t K, double p, size_t *l, size_t *u)
{
    double Kd = (double)K, mean = Kd * p, sd = sqrt(Kd * p * (1.0 - p));
    double lo = floor(mean - 40.0 * sd - 10.0), hi = ceil(mean + 40.0 * sd + 10.0);
    size_t i0 = lo < 0.0 ? 0 : (size_t)lo, i1 = hi > Kd ? K : (size_t)hi;
    double lgK = lgamma(Kd + 1.0), lp = log(p), lq = log1p(-p), F = 0.0;
    *l = 0;
    *u = K + 1;
    int have_u = 0;
    for (size_t i = i0; i <= i1; i++) {
        double id = (double)i;
        F += exp(lgK - lgamma(id + 1.0) - lgamma(Kd - id + 1.0) + id * lp + (Kd - id) * lq);
        if (F <= 0.025) *l = i + 1;
        if (!have_u && F >= 0.975) {
            *u = i + 1;
            have_u = 1;
        }
    }
}

static void est_quantile(est_ctx *x, refit_sim_estimate *e, const double *sorted_lv, double p,
                         double scale_log)
{
    size_t K = x->K, l, u;
    binomial_ranks(K, p, &l, &u);
    size_t k = (size_t)ceil((double)K * p);
    if (k < 1) k = 1;
    if (k > K) k = K;
    e->status = REFIT_OK;
    e->method = REFIT_SIM_METHOD_ORDER;
    e->log_value = sorted_lv[k - 1] + scale_log;
    e->log_lo = l >= 1 ? sorted_lv[l - 1] + scale_log : -INFINITY;
    e->log_hi = u <= K ? sorted_lv[u - 1] + scale_log : INFINITY;
    e->value = exp(e->log_value);
    e->lo = exp(e->log_lo);
    e->hi = exp(e->log_hi);
    e->se = (e->hi - e->lo) / (2.0 * Z95);
    e->reliable = K >= RELIABLE_MIN_CHAINS && l >= 1 && u <= K;
    e->tail_shape = NAN;
}

static void est_proportion(est_ctx *x, refit_sim_estimate *e, const double *lv, double log_eps)
{
    size_t K = x->K, c = 0;
    for (size_t j = 0; j < K; j++) c += lv[j] <= log_eps;
    double Kd = (double)K, ph = (double)c / Kd, z2 = Z95 * Z95;
    double den = 1.0 + z2 / Kd, centre = (ph + z2 / (2.0 * Kd)) / den;
    double half = Z95 / den * sqrt(ph * (1.0 - ph) / Kd + z2 / (4.0 * Kd * Kd));
    e->status = REFIT_OK;
    e->method = REFIT_SIM_METHOD_PROPORTION;
    e->value = ph;
    e->se = sqrt(ph * (1.0 - ph) / Kd);
    /* Wilson's bounds, closed at 0 and 1 when no chain (every chain) collapsed */
    e->lo = c == 0 ? 0.0 : fmax(0.0, centre - half);
    e->hi = c == K ? 1.0 : fmin(1.0, centre + half);
    e->log_value = log(e->value);
    e->log_lo = log(e->lo);
    e->log_hi = log(e->hi);
    e->reliable = K >= RELIABLE_MIN_CHAINS;
    e->tail_shape = NAN;
}

/* Per-chain W2^2 / sigma^2 to D0 (actual d, or its conditional mean). */
static double w2_term(double lv, double m2, double c)
{
    double s = exp(0.5 * lv) - c;
    return m2 + s * s + (1.0 - c * c);
}

static refit_status row_estimates(est_ctx *x, size_t t, refit_sim_row *row)
{
    const refit_sim *sim = x->sim;
    size_t K = x->K;
    double sig = sim->truth_sd, l2s = 2.0 * log(sig), c = sim->coupling;
    double *lt = malloc(2 * K * sizeof *lt);
    if (lt == NULL) return REFIT_ENOMEM;
    double *lt2 = lt + K;
    refit_status st = REFIT_OK;
    for (int q = 0; q < REFIT_Q_COUNT; q++) est_none(&row->quantity[q]);
    est_none(&row->median);
    for (size_t i = 0; i < REFIT_SIM_QUANTILES_MAX; i++) est_none(&row->quantile[i]);
    est_none(&row->collapse_prob);

    const double *lv = sim_field(sim, t, 0, SIM_LV), *d = sim_field(sim, t, 0, SIM_D);
    const double *rb = sim_field(sim, t, 0, SIM_LRB);

    /* log scale: plain mean and variance of lv */
    {
        double var, se;
        sample_variance(x, lv, &var, &se);
        double s = 0.0;
        for (size_t j = 0; j < K; j++) s += lv[j];
        double mean = s / (double)K;
        refit_sim_estimate *e = &row->quantity[REFIT_Q_LOGVAR_MEAN];
        set_signed(e, REFIT_SIM_METHOD_MEAN, mean + l2s, sqrt(var / (double)K));
        e->reliable = K >= RELIABLE_MIN_CHAINS;
        e = &row->quantity[REFIT_Q_LOGVAR_VAR];
        double rel = var > 0.0 ? se / var : 0.0;
        set_variance(e, var > 0.0 ? log(var) : -INFINITY, rel, 0.0);
        e->reliable = K >= RELIABLE_MIN_CHAINS;
    }
    /* order statistics and the proportion */
    memcpy(x->sorted, lv, K * sizeof *lv);
    qsort(x->sorted, K, sizeof *x->sorted, cmp_double);
    double *sorted_lv = lt2; /* keep a copy: tail_shape reuses x->sorted */
    memcpy(sorted_lv, x->sorted, K * sizeof *lv);
    est_quantile(x, &row->median, sorted_lv, 0.5, l2s);
    for (size_t i = 0; i < sim->config.quantile_count; i++)
        est_quantile(x, &row->quantile[i], sorted_lv, sim->quantiles[i], l2s);
    if (sim->config.eps > 0.0) est_proportion(x, &row->collapse_prob, lv, log(sim->config.eps));

    /* w2sq_var: plain, from the actual d (not the conditional mean) */
    {
        double *w2 = lt;
        for (size_t j = 0; j < K; j++) w2[j] = w2_term(lv[j], d[j] * d[j], c);
        double var, se;
        sample_variance(x, w2, &var, &se);
        /* the tail of the W2^2 terms decides whether the variance is trustworthy */
        double k = tail_shape(x, w2);
        refit_sim_estimate *e = &row->quantity[REFIT_Q_W2SQ_VAR];
        double rel = var > 0.0 ? se / var : 0.0;
        set_variance(e, var > 0.0 ? log(var) : -INFINITY,
                     sqrt(rel * rel + x->fp_rel * x->fp_rel), 2.0 * l2s);
        e->tail_shape = k;
        e->reliable = K >= RELIABLE_MIN_CHAINS && tail_ok(x, k, TAIL_SHAPE_VARIANCE) && isfinite(var);
    }

    if (sim->replicas == 1) {
        /* plain means, judged by the tail of their terms */
        if ((st = est_log_mean(x, &row->quantity[REFIT_Q_VAR_MEAN], REFIT_SIM_METHOD_MEAN, lv,
                               l2s)) != REFIT_OK)
            goto out;
        for (size_t j = 0; j < K; j++) lt[j] = 0.5 * lv[j];
        if ((st = est_log_mean(x, &row->quantity[REFIT_Q_SD_MEAN], REFIT_SIM_METHOD_MEAN, lt,
                               0.5 * l2s)) != REFIT_OK)
            goto out;
        est_log_variance(x, &row->quantity[REFIT_Q_VAR_VAR], lv, 2.0 * l2s);
        for (size_t j = 0; j < K; j++) lt[j] = sim->rb_valid ? rb[j] : log(d[j] * d[j]);
        if ((st = est_log_mean(x, &row->quantity[REFIT_Q_MEAN_MSE], REFIT_SIM_METHOD_MEAN, lt,
                               l2s)) != REFIT_OK)
            goto out;
        for (size_t j = 0; j < K; j++)
            lt[j] = sim->rb_valid ? (lv[j] > rb[j] ? lv[j] + log1p(exp(rb[j] - lv[j]))
                                                   : rb[j] + log1p(exp(lv[j] - rb[j])))
                                  : log(exp(lv[j]) + d[j] * d[j]);
        if ((st = est_log_mean(x, &row->quantity[REFIT_Q_MARGINAL_VAR], REFIT_SIM_METHOD_MEAN, lt,
                               l2s)) != REFIT_OK)
            goto out;
        for (size_t j = 0; j < K; j++)
            lt[j] = log(w2_term(lv[j], sim->rb_valid ? exp(rb[j]) : d[j] * d[j], c));
        if ((st = est_log_mean(x, &row->quantity[REFIT_Q_W2SQ_MEAN], REFIT_SIM_METHOD_MEAN, lt,
                               l2s)) != REFIT_OK)
            goto out;
    } else {
        /* importance replicas: rho 1 (r = 1), 2 (r = 2), 3 (r = 1/2) */
        const double *lv1 = sim_field(sim, t, 1, SIM_LV), *d1 = sim_field(sim, t, 1, SIM_D);
        const double *w1 = sim_field(sim, t, 1, SIM_LOGW), *rb1 = sim_field(sim, t, 1, SIM_LRB);
        const double *lv2 = sim_field(sim, t, 2, SIM_LV), *w2 = sim_field(sim, t, 2, SIM_LOGW);
        const double *lv3 = sim_field(sim, t, 3, SIM_LV), *w3 = sim_field(sim, t, 3, SIM_LOGW);
        const refit_sim_method IS = REFIT_SIM_METHOD_IMPORTANCE;
        double lmA, relA, kA, lm2, rel2, k2, lm4, rel4, k4, lmB, relB, kB;

        for (size_t j = 0; j < K; j++) lt[j] = w1[j] + lv1[j];
        if ((st = log_mean(x, lt, &lm2, &rel2, &k2)) != REFIT_OK) goto out;
        set_positive(&row->quantity[REFIT_Q_VAR_MEAN], IS, lm2, rel2, l2s);
        row->quantity[REFIT_Q_VAR_MEAN].tail_shape = k2;
        row->quantity[REFIT_Q_VAR_MEAN].reliable = reliable_mean(x, k2, lm2);

        for (size_t j = 0; j < K; j++) lt[j] = sim->rb_valid ? rb1[j] : w1[j] + log(d1[j] * d1[j]);
        if ((st = est_log_mean(x, &row->quantity[REFIT_Q_MEAN_MSE], IS, lt, l2s)) != REFIT_OK)
            goto out;

        for (size_t j = 0; j < K; j++) {
            double a = w1[j] + lv1[j], b = sim->rb_valid ? rb1[j] : w1[j] + log(d1[j] * d1[j]);
            lt[j] = b == -INFINITY ? a : (a > b ? a + log1p(exp(b - a)) : b + log1p(exp(a - b)));
        }
        if ((st = log_mean(x, lt, &lmA, &relA, &kA)) != REFIT_OK) goto out;
        set_positive(&row->quantity[REFIT_Q_MARGINAL_VAR], IS, lmA, relA, l2s);
        row->quantity[REFIT_Q_MARGINAL_VAR].tail_shape = kA;
        row->quantity[REFIT_Q_MARGINAL_VAR].reliable = reliable_mean(x, kA, lmA);

        for (size_t j = 0; j < K; j++) lt[j] = w3[j] + 0.5 * lv3[j];
        if ((st = log_mean(x, lt, &lmB, &relB, &kB)) != REFIT_OK) goto out;
        set_positive(&row->quantity[REFIT_Q_SD_MEAN], IS, lmB, relB, 0.5 * l2s);
        row->quantity[REFIT_Q_SD_MEAN].tail_shape = kB;
        row->quantity[REFIT_Q_SD_MEAN].reliable = reliable_mean(x, kB, lmB);

        for (size_t j = 0; j < K; j++) lt[j] = w2[j] + 2.0 * lv2[j];
        if ((st = log_mean(x, lt, &lm4, &rel4, &k4)) != REFIT_OK) goto out;
        {
            /* Var = E s^4 - (E s^2)^2 from two independent replicas (delta method) */
            refit_sim_estimate *e = &row->quantity[REFIT_Q_VAR_VAR];
            double rho = exp(2.0 * lm2 - lm4), one_m = -expm1(2.0 * lm2 - lm4);
            double rel = sqrt(rel4 * rel4 + 4.0 * rho * rho * rel2 * rel2);
            if (one_m > 0.0) {
                set_positive(e, IS, lm4 + log(one_m), rel / one_m, 2.0 * l2s);
            } else if (one_m == 0.0) { /* n = 0: every chain at the truth */
                set_zero(e, IS, exp(lm4 + 2.0 * l2s) * rel);
            } else {
                set_signed(e, IS, exp(lm4 + 2.0 * l2s) * one_m, exp(lm4 + 2.0 * l2s) * rel);
            }
            e->tail_shape = fmax(k2, k4);
            e->reliable = one_m > 0.0 && reliable_mean(x, k2, lm2) && reliable_mean(x, k4, lm4);
        }
        {
            /* E W2^2 / sigma^2 = A - 2 c B + 1, A = E[s^2 + (mu-err)^2], B = E s */
            refit_sim_estimate *e = &row->quantity[REFIT_Q_W2SQ_MEAN];
            double A = exp(lmA), B = exp(lmB), v = A - 2.0 * c * B + 1.0;
            double se = sqrt(A * relA * A * relA + 4.0 * c * c * B * relB * B * relB);
            if (v > 0.0) {
                set_positive(e, IS, log(v), se / v, l2s);
            } else if (v == 0.0) {
                set_zero(e, IS, se * sig * sig);
            } else {
                set_signed(e, IS, v * sig * sig, se * sig * sig);
            }
            e->tail_shape = fmax(kA, kB);
            e->reliable = v > 0.0 && reliable_mean(x, kA, lmA) && reliable_mean(x, kB, lmB);
        }
    }
    row->quantity[REFIT_Q_W2SQ_LOWER] = row->quantity[REFIT_Q_MEAN_MSE];
out:
    free(lt);
    return st;
}

refit_status refit_sim_result_get(const refit_sim *sim, refit_sim_result *out)
{
    if (sim == NULL || out == NULL) return REFIT_EINVAL;
    memset(out, 0, sizeof *out);
    for (uint64_t b = 0; b < sim->block_count; b++)
        if (!sim->done[b]) return REFIT_EINVAL;
    size_t K = (size_t)sim->chains;
    est_ctx x;
    x.sim = sim;
    x.K = K;
    x.buf = malloc(2 * K * sizeof(double));
    if (x.buf == NULL) return REFIT_ENOMEM;
    x.sorted = x.buf + K;
    out->rows = calloc(sim->at_count, sizeof *out->rows);
    if (out->rows == NULL) {
        free(x.buf);
        return REFIT_ENOMEM;
    }
    out->row_count = sim->at_count;
    out->truth_mean = sim->truth_mean;
    out->truth_sd = sim->truth_sd;
    out->w2_coupling = sim->coupling;
    out->chains = sim->chains;
    refit_status st = REFIT_OK;
    for (size_t t = 0; t < sim->at_count && st == REFIT_OK; t++) {
        out->rows[t].n = sim->at[t];
        x.fp_rel = ((double)sim->at[t] + 1.0) * 0x1p-48;
        st = row_estimates(&x, t, &out->rows[t]);
    }
    free(x.buf);
    if (st != REFIT_OK) refit_sim_result_free(out);
    return st;
}

void refit_sim_result_free(refit_sim_result *result)
{
    if (result == NULL) return;
    free(result->rows);
    result->rows = NULL;
    result->row_count = 0;
}

refit_status refit_sim_log_var_values(const refit_sim *sim, size_t t, double *out)
{
    if (sim == NULL || out == NULL || t >= sim->at_count) return REFIT_EINVAL;
    for (uint64_t b = 0; b < sim->block_count; b++)
        if (!sim->done[b]) return REFIT_EINVAL;
    memcpy(out, sim_field(sim, t, 0, SIM_LV), (size_t)sim->chains * sizeof *out);
    return REFIT_OK;
}
