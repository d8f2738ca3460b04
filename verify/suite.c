/* refit verify: the suite -- configuration, the list of checks, items,
 * certification records, the Bonferroni verdicts and the certify check.
 *
 * A run goes in two passes: every selected check appends its items (the
 * CERTIFY and EXACT verdicts are decided at once); then the MONTE_CARLO and
 * MC_PROPERTY items of the whole run are counted (N), z_crit =
 * Phi^{-1}(1 - alpha / (2N)) is computed and their verdicts decided.  So
 * the family-wise false-alarm probability of a run is at most alpha, however
 * many checks are selected.
 */
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mpfr.h>

#include "refit/distribution_mp.h"
#include "refit/theory_mp.h"
#include "refit/verify.h"
#include "verify/verify_internal.h"

#define VERIFY_DEFAULT_SEED UINT64_C(20240724)
#define VERIFY_DEFAULT_ALPHA 1e-3
#define TWIN_PREC 256
#define TWIN_PREC_DIST 128 /* the distribution twins: >= 128 bits (distribution_mp.h) */

/* Stated bounds (docs/accuracy.md, include/refit/distribution.h). */
#define TOL_SINGLE (4.0 * DBL_EPSILON) /* single-generation functions: 4 ulp */
#define TOL_COMPOUND 1e-13             /* n-generation compounds, relative */
#define TOL_CDF 1e-12                  /* absolute */
#define TOL_LOG_TAIL 1e-12             /* relative to max(1, |ln P|) */
#define TOL_QUANTILE 1e-10             /* relative (absolute when |x| < 1) */
#define CERTIFY_NUDGE 1e-9             /* the certify check's perturbation */

typedef struct vdef {
    const char *id, *title, *source, *claim, *rule, *perturbation;
    void (*fn)(vctx *c);
} vdef;

static const vdef VDEFS[] = {
    {"collapse-as", "sigma_n^2 -> 0 almost surely (both estimators)",
     "Shumailov et al., Nature 631 (2024), Theorem 3.1, second claim (1-D)",
     "ln sigma_n^2 is a random walk with negative drift, so sigma_n^2 -> 0 a.s. and "
     "P(sigma_n^2 <= eps sigma^2) -> 1, under the unbiased and the MLE variance.",
     "EXACT: drift kappa_1 < 0; exact P(collapse) increasing in n and > 0.999 at the largest n. "
     "MONTE_CARLO: E ln sigma_n^2 and P(collapse) within z_crit of the exact values.",
     "the variance refitted as S/(M-2): drift ln(D/(M-2)) higher (positive), in the exact "
     "drift, the exact collapse law and the simulated ln sigma_n^2",
     refit_vcheck_collapse_as},
    {"w2-diverges", "E W2^2 -> infinity under the unbiased estimator; bounded under MLE",
     "Shumailov et al., Nature 631 (2024), Theorem 3.1, first claim; theory-notes section 3",
     "E W2^2(N(mu_n, sigma_n^2), D0) grows like sigma^2 n/M under the unbiased estimator; "
     "for any D0 it is at least E(mu_n - mu)^2; under MLE it stays below 2 sigma^2.",
     "EXACT: M E W2^2 / n within 2% of 1 at the largest n and E W2^2 increasing; MLE: "
     "E W2^2 <= 2 sigma^2 on the grid. MONTE_CARLO: estimates within z_crit. MC_PROPERTY: "
     "(E(mu_n-mu)^2 - E W2^2)/se <= z_crit for Student-t, Laplace and a mixture D0.",
     "the growth compared with sigma^2 n/(2M) (half the true rate)", refit_vcheck_w2_diverges},
    {"marginal-var", "Var X^n = sigma^2 (1 + sum_{i<n} 1/M_i): the random-walk growth",
     "Shumailov et al., arXiv 2305.17493, Section 4 (1-D Gaussian); theory-notes section 3",
     "The variance of a generation-n sample grows like a random walk under the unbiased "
     "estimator: sigma^2 (1 + sum_{i<n} 1/M_i); under MLE it is exactly sigma^2.",
     "EXACT: the closed form equals the sum computed term by term (relative 1e-13). CERTIFY "
     "against the MPFR twin. MONTE_CARLO (SAMPLE mode, constant and polynomial schedules) "
     "within z_crit.",
     "the claimed value drops the 1 +: sigma^2 sum 1/M_i", refit_vcheck_marginal_var},
    {"superlinear", "Superlinear sample sizes stop the error; linear growth does not",
     "Shumailov et al., arXiv 2305.17493, Section 4 (sum 1/M_i < infinity)",
     "With M_i proportional to (i+1)^2 the mean error and E ln sigma_n^2 converge; with linear "
     "growth the error grows like ln n and sigma_n^2 still collapses.",
     "EXACT: Cauchy differences over decades below the tail bound 2/(M0 n) (alpha = 2); "
     "|M0 E(mu_n-mu)^2 - ln n| <= 1 and E ln sigma_n^2 and P(collapse) monotone (alpha = 1). "
     "MONTE_CARLO: a point of each schedule within z_crit.",
     "the converging schedule's exponent 2 replaced by 1", refit_vcheck_superlinear},
    {"martingale", "E sigma_n^2 = sigma^2 while the median collapses",
     "Shumailov et al., Nature 631 (2024), Theorem 3.1 (remark); theory-notes section 1",
     "Under the unbiased estimator sigma_n^2 is a martingale: E sigma_n^2 = sigma^2 for every n, "
     "while its median collapses; a plain Monte Carlo mean falls below with a tight-looking "
     "interval.",
     "EXACT: E sigma_n^2 = sigma^2 (1e-13) and the exact median < 1e-4 sigma^2. MC_PROPERTY: "
     "the plain mean is flagged unreliable or excludes sigma^2. MONTE_CARLO: refit's "
     "importance estimate is reliable and within z_crit of sigma^2.",
     "the plain mean reported as the estimate", refit_vcheck_martingale},
    {"accumulate", "Accumulating data: no collapse, error below (pi^2/6) sigma^2 / M",
     "Gerstgrasser et al., arXiv 2404.01413 (accumulate); theory-notes section 5",
     "When every batch is kept, E sigma_t^2 decreases to a positive limit and "
     "E(mu_t - mu)^2 < (pi^2/6) sigma^2 / M for all t.",
     "EXACT: E sigma_t^2 decreasing, within the tail bound of its Gamma-product limit (> 0); "
     "E(mu_t-mu)^2 below the bound on the grid. MONTE_CARLO: plain means within z_crit.",
     "the bound pi^2/6 replaced by 1", refit_vcheck_accumulate},
    {"mix", "Fresh data: a fixed point, and lambda* below one sample per generation",
     "Bertrand et al., arXiv 2310.00429; Briesch et al., arXiv 2311.16822; theory-notes section 5",
     "With a fraction lambda of fresh samples the moments converge to a fixed point iff "
     "lambda > lambda* = 1 - sqrt(1 - 1/M) (unbiased); lambda = 1/M (one fresh sample) exceeds it.",
     "CERTIFY lambda* and the fixed point. EXACT: 1/M > lambda*; the exact moments at large t "
     "within 1e-9 of the fixed point. MONTE_CARLO: plain means within z_crit.",
     "the fixed point moved by 5%", refit_vcheck_mix},
    {"tail-bounds", "Rigorous tail bounds and the collapse-time bracket",
     "theory-notes section 4 (Chernoff, Markov, Wald's identity, Lorden's inequality)",
     "Chernoff bounds hold on both tails of ln sigma_n^2; Markov's bound holds for sigma_n; "
     "E tau_eps lies between Wald's lower and Lorden's upper bound.",
     "EXACT: ln bound - ln P >= 0 at mean +- 2 and 5 sd for several (M, n); Markov bound - P >= 0. "
     "MC_PROPERTY: (Wald - mean tau)/se <= z_crit and (mean tau - Lorden)/se <= z_crit.",
     "the Gaussian tail exp(-z^2/2) used as the bound", refit_vcheck_tail_bounds},
    {"certify", "Every double closed form used agrees with its MPFR twin",
     "refit's accuracy contract (docs/accuracy.md, include/refit/distribution.h)",
     "Each double closed form the other checks used is within its stated bound of the "
     "independent MPFR twin at the parameters used.",
     "CERTIFY: |double - twin| <= 4 ulp (single generation), 1e-13 relative (n generations), "
     "1e-12 absolute (CDF), 1e-12 relative to max(1,|ln P|) (log tails), 1e-10 (quantiles).",
     "one double value nudged by 1e-9 relative", NULL},
};
#define VCOUNT (sizeof VDEFS / sizeof VDEFS[0])

static const char *const VIDS[] = {"collapse-as", "w2-diverges", "marginal-var", "superlinear",
                                   "martingale",  "accumulate",  "mix",          "tail-bounds",
                                   "certify"};

refit_verify_config refit_verify_config_default(void)
{
    refit_verify_config c;
    memset(&c, 0, sizeof c);
    c.level = REFIT_VERIFY_DEFAULT;
    c.seed = VERIFY_DEFAULT_SEED;
    c.threads = 1;
    c.isa = refit_isa_best();
    c.alpha = VERIFY_DEFAULT_ALPHA;
    c.only = NULL;
    c.only_count = 0;
    c.perturb = NULL;
    return c;
}

const char *const *refit_verify_ids(size_t *count)
{
    if (count) *count = VCOUNT;
    return VIDS;
}

vlevel refit_vlevel_of(refit_verify_level level)
{
    vlevel l;
    memset(&l, 0, sizeof l);
    switch (level) {
    case REFIT_VERIFY_QUICK:
        l.K = 4000, l.K_sample = 2000, l.K_tau = 4000, l.quick = 1;
        break;
    case REFIT_VERIFY_FULL:
        l.K = 200000, l.K_sample = 100000, l.K_tau = 200000, l.full = 1;
        break;
    default:
        l.K = 20000, l.K_sample = 10000, l.K_tau = 20000;
        break;
    }
    return l;
}

/* ---- small tools ----------------------------------------------------------- */

double refit_vz_upper(double p)
{
    double lo = 0.0, hi = 40.0;
    if (!(p > 0.0)) return INFINITY;
    if (!(p < 0.5)) return 0.0;
    for (int it = 0; it < 200; it++) {
        double mid = 0.5 * (lo + hi);
        if (0.5 * erfc(mid / sqrt(2.0)) > p)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

static uint64_t splitmix64(uint64_t x)
{
    x += UINT64_C(0x9e3779b97f4a7c15);
    x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
    return x ^ (x >> 31);
}

uint64_t refit_vseed(const vctx *c, uint64_t salt)
{
    uint64_t h = UINT64_C(1469598103934665603); /* FNV-1a of the check id */
    for (const char *s = c->id; s && *s; s++) {
        h ^= (unsigned char)*s;
        h *= UINT64_C(1099511628211);
    }
    return splitmix64(c->config->seed ^ splitmix64(h ^ splitmix64(salt)));
}

refit_model refit_vmodel_const(double M, refit_estimator e)
{
    refit_model m = refit_model_default();
    m.schedule = refit_schedule_const(M);
    m.estimator = e;
    return m;
}

refit_model refit_vmodel_poly(double M0, double alpha, refit_estimator e)
{
    refit_model m = refit_model_default();
    m.schedule.kind = REFIT_SCHEDULE_POLY;
    m.schedule.M = M0;
    m.schedule.alpha = alpha;
    m.estimator = e;
    return m;
}

const char *refit_vest_name(refit_estimator e)
{
    return e == REFIT_ESTIMATOR_MLE ? "MLE" : "U";
}

/* ---- items ----------------------------------------------------------------- */

static refit_verify_item *item_new(vctx *c, refit_verify_kind kind, vrule rule, uint64_t n,
                                   const char *fmt, va_list ap)
{
    refit_verify_item *it;
    if (c->err != REFIT_OK) return NULL;
    if (c->count == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 32;
        refit_verify_item *items = realloc(c->items, cap * sizeof *items);
        if (!items) {
            c->err = REFIT_ENOMEM;
            return NULL;
        }
        c->items = items;
        vrule *rules = realloc(c->rules, cap * sizeof *rules);
        if (!rules) {
            c->err = REFIT_ENOMEM;
            return NULL;
        }
        c->rules = rules;
        c->cap = cap;
    }
    it = &c->items[c->count];
    c->rules[c->count] = rule;
    c->count++;
    memset(it, 0, sizeof *it);
    vsnprintf(it->what, sizeof it->what, fmt, ap);
    it->kind = kind;
    it->n = n;
    it->exact = it->exact_mp = it->estimate = NAN;
    it->se = it->lo = it->hi = it->bound = it->score = it->tolerance = NAN;
    it->reliable = 1;
    return it;
}

void refit_vitem_certify(vctx *c, uint64_t n, double value, double twin, double tol, int rel,
                   const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    refit_verify_item *it = item_new(c, REFIT_VERIFY_CERTIFY, VR_FIXED, n, fmt, ap);
    va_end(ap);
    if (!it) return;
    double err = fabs(value - twin);
    if (rel == 1)
        err = twin != 0.0 ? err / fabs(twin) : err;
    else if (rel == 2)
        err /= fmax(1.0, fabs(twin));
    it->exact = value;
    it->exact_mp = twin;
    it->score = err;
    it->tolerance = tol;
    it->pass = err <= tol; /* NaN fails */
}

void refit_vitem_exact(vctx *c, uint64_t n, double exact, double bound, double margin,
                 double tolerance, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    refit_verify_item *it = item_new(c, REFIT_VERIFY_EXACT, VR_FIXED, n, fmt, ap);
    va_end(ap);
    if (!it) return;
    it->exact = exact;
    it->bound = bound;
    it->score = margin;
    it->tolerance = tolerance;
    it->pass = margin >= 0.0; /* NaN fails */
}

void refit_vitem_error(vctx *c, refit_status st, const char *fmt, ...)
{
    char buf[REFIT_VERIFY_TEXT];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (c->record_only) return;
    refit_vitem_exact(c, UINT64_MAX, NAN, NAN, NAN, 0.0, "%.120s: %s", buf, refit_strerror(st));
}

void refit_vitem_mc(vctx *c, uint64_t n, const refit_sim_estimate *e, double exact, double exact_mp,
              double se_override, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    refit_verify_item *it = item_new(c, REFIT_VERIFY_MONTE_CARLO, VR_TWO_SIDED, n, fmt, ap);
    va_end(ap);
    if (!it) return;
    it->exact = exact;
    it->exact_mp = exact_mp;
    if (e->status != REFIT_OK) {
        it->reliable = 0;
        it->score = NAN;
        return;
    }
    double se = se_override > 0.0 ? se_override : e->se;
    it->estimate = e->value;
    it->se = se;
    it->lo = e->lo;
    it->hi = e->hi;
    it->reliable = e->reliable;
    double d = e->value - exact;
    it->score = d == 0.0 ? 0.0 : d / se;
}

void refit_vitem_property(vctx *c, uint64_t n, vrule rule, double estimate, double se, double lo,
                    double hi, int reliable, double bound, double score, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    refit_verify_item *it = item_new(c, REFIT_VERIFY_MC_PROPERTY, rule, n, fmt, ap);
    va_end(ap);
    if (!it) return;
    it->estimate = estimate;
    it->se = se;
    it->lo = lo;
    it->hi = hi;
    it->reliable = reliable;
    it->bound = bound;
    it->score = score;
}

void refit_vparams(vctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->params, sizeof c->params, fmt, ap);
    va_end(ap);
}

/* ---- certification records -------------------------------------------------- */

static int model_same(const refit_model *a, const refit_model *b)
{
    return a->schedule.kind == b->schedule.kind && a->schedule.M == b->schedule.M &&
           a->schedule.alpha == b->schedule.alpha && a->estimator == b->estimator &&
           a->regime == b->regime && a->lambda == b->lambda && a->mu == b->mu &&
           a->sigma == b->sigma;
}

void refit_vrec_add(vctx *c, vrec_kind kind, const refit_model *model, uint64_t n, double arg,
              double value)
{
    if (c->err != REFIT_OK || model->schedule.kind == REFIT_SCHEDULE_LIST) return;
    for (size_t i = 0; i < c->rec_count; i++) {
        const vrec *r = &c->recs[i];
        if (r->kind == kind && r->n == n && r->arg == arg && model_same(&r->model, model))
            return; /* the same closed form at the same point: certified once */
    }
    if (c->rec_count == c->rec_cap) {
        size_t cap = c->rec_cap ? 2 * c->rec_cap : 64;
        vrec *recs = realloc(c->recs, cap * sizeof *recs);
        if (!recs) {
            c->err = REFIT_ENOMEM;
            return;
        }
        c->recs = recs;
        c->rec_cap = cap;
    }
    vrec *r = &c->recs[c->rec_count++];
    r->kind = kind;
    r->model = *model;
    r->model.schedule.sizes = NULL;
    r->model.schedule.count = 0;
    r->n = n;
    r->arg = arg;
    r->value = value;
    r->check = c->id;
}

refit_status refit_vq(vctx *c, const refit_model *m, uint64_t n, refit_quantity q, double *out)
{
    refit_status st = refit_theory_quantity(m, n, q, out);
    if (st == REFIT_OK) refit_vrec_add(c, VREC_QUANTITY, m, n, (double)q, *out);
    return st;
}

refit_status refit_vcdf(vctx *c, const refit_model *m, uint64_t n, double x, double *out)
{
    refit_status st = refit_dist_cdf(m, n, x, out);
    /* polynomial schedules: the twin costs minutes (O(n) MPFR complex
     * log-gammas per node); they are certified on constant schedules only */
    if (st == REFIT_OK && refit_schedule_is_constant(&m->schedule))
        refit_vrec_add(c, VREC_CDF, m, n, x, *out);
    return st;
}

refit_status refit_vlog_sf(vctx *c, const refit_model *m, uint64_t n, double x, double *out)
{
    refit_status st = refit_dist_log_sf(m, n, x, out);
    if (st == REFIT_OK && refit_schedule_is_constant(&m->schedule))
        refit_vrec_add(c, VREC_LOG_SF, m, n, x, *out);
    return st;
}

refit_status refit_vlog_cdf(vctx *c, const refit_model *m, uint64_t n, double x, double *out)
{
    refit_status st = refit_dist_log_cdf(m, n, x, out);
    if (st == REFIT_OK && refit_schedule_is_constant(&m->schedule))
        refit_vrec_add(c, VREC_LOG_CDF, m, n, x, *out);
    return st;
}

refit_status refit_vquantile(vctx *c, const refit_model *m, uint64_t n, double p, double *out)
{
    refit_status st = refit_dist_quantile(m, n, p, out);
    if (st == REFIT_OK && refit_schedule_is_constant(&m->schedule))
        refit_vrec_add(c, VREC_QUANTILE, m, n, p, *out);
    return st;
}

refit_status refit_vcumulant(vctx *c, double M, refit_estimator e, int j, double *out)
{
    refit_status st = refit_theory_factor_log_cumulant(M, e, j, out);
    if (st == REFIT_OK) {
        refit_model m = refit_vmodel_const(M, e);
        refit_vrec_add(c, VREC_CUMULANT, &m, 1, (double)j, *out);
    }
    return st;
}

refit_status refit_vrec_twin(const vrec *r, double *twin, double *tol, int *rel)
{
    mpfr_t o, o2, x;
    refit_status st;
    int dist = r->kind == VREC_CDF || r->kind == VREC_LOG_SF || r->kind == VREC_LOG_CDF ||
               r->kind == VREC_QUANTILE;
    mpfr_prec_t prec = dist ? TWIN_PREC_DIST : TWIN_PREC;
    mpfr_inits2(prec, o, o2, x, (mpfr_ptr)0);
    mpfr_set_d(x, r->arg, MPFR_RNDN);
    *rel = 1;
    *tol = TOL_COMPOUND;
    switch (r->kind) {
    case VREC_QUANTITY:
        st = refit_mp_quantity(o, &r->model, r->n, (refit_quantity)(int)r->arg);
        break;
    case VREC_CUMULANT:
        *tol = TOL_SINGLE;
        st = refit_mp_factor_log_cumulant(o, r->model.schedule.M, r->model.estimator,
                                          (int)r->arg);
        break;
    case VREC_LAMBDA_STAR:
        *tol = TOL_SINGLE;
        st = refit_mp_mix_lambda_star(o, r->model.schedule.M, r->model.estimator);
        break;
    case VREC_FIXED_VAR:
        st = refit_mp_mix_fixed_point(o, o2, &r->model);
        break;
    case VREC_FIXED_MSE:
        st = refit_mp_mix_fixed_point(o2, o, &r->model);
        break;
    case VREC_CDF:
        *tol = TOL_CDF;
        *rel = 0;
        st = refit_mp_dist_cdf(o, &r->model, r->n, x);
        break;
    case VREC_LOG_SF:
        *tol = TOL_LOG_TAIL;
        *rel = 2;
        st = refit_mp_dist_log_sf(o, &r->model, r->n, x);
        break;
    case VREC_LOG_CDF:
        *tol = TOL_LOG_TAIL;
        *rel = 2;
        st = refit_mp_dist_log_cdf(o, &r->model, r->n, x);
        break;
    case VREC_QUANTILE:
        *tol = TOL_QUANTILE;
        *rel = 2;
        st = refit_mp_dist_quantile(o, &r->model, r->n, x);
        break;
    default:
        st = REFIT_EINVAL;
        break;
    }
    *twin = st == REFIT_OK ? mpfr_get_d(o, MPFR_RNDN) : NAN;
    mpfr_clears(o, o2, x, (mpfr_ptr)0);
    return st;
}

static const char *rec_name(const vrec *r)
{
    switch (r->kind) {
    case VREC_QUANTITY: return refit_quantity_name((refit_quantity)(int)r->arg);
    case VREC_CUMULANT: return "log-cumulant kappa_j";
    case VREC_LAMBDA_STAR: return "mix lambda*";
    case VREC_FIXED_VAR: return "mix fixed point var_mean";
    case VREC_FIXED_MSE: return "mix fixed point mean_mse";
    case VREC_CDF: return "P(L_n <= x)";
    case VREC_LOG_SF: return "ln P(L_n > x)";
    case VREC_LOG_CDF: return "ln P(L_n <= x)";
    case VREC_QUANTILE: return "quantile of L_n";
    }
    return "?";
}

static void model_text(const refit_model *m, char *buf, size_t size)
{
    const char *reg = m->regime == REFIT_REGIME_ACCUMULATE ? " accumulate"
                      : m->regime == REFIT_REGIME_MIX      ? " mix"
                                                           : "";
    if (m->schedule.kind == REFIT_SCHEDULE_POLY)
        snprintf(buf, size, "poly:%g,%g %s%s", m->schedule.M, m->schedule.alpha,
                 refit_vest_name(m->estimator), reg);
    else
        snprintf(buf, size, "M = %g %s%s", m->schedule.M, refit_vest_name(m->estimator), reg);
    if (m->regime == REFIT_REGIME_MIX) {
        size_t len = strlen(buf);
        snprintf(buf + len, size - len, ":%g", m->lambda);
    }
}

/* One CERTIFY item for a record whose twin is known (also used by the
 * checks for their own headline values). */
static void certify_item(vctx *c, const vrec *r, double nudge, refit_status st, double twin,
                         double tol, int rel)
{
    char mt[80];
    model_text(&r->model, mt, sizeof mt);
    if (st != REFIT_OK) {
        refit_vitem_error(c, st, "twin of %s (%s, n = %llu)", rec_name(r), mt,
                    (unsigned long long)r->n);
        return;
    }
    if (r->kind == VREC_CUMULANT || r->kind == VREC_QUANTITY)
        refit_vitem_certify(c, r->n, r->value * nudge, twin, tol, rel, "%s [%s] %s, n = %llu%s%s",
                      rec_name(r), r->check, mt, (unsigned long long)r->n,
                      r->kind == VREC_CUMULANT ? ", j = " : "",
                      r->kind == VREC_CUMULANT ? (r->arg == 1.0 ? "1" : "2+") : "");
    else
        refit_vitem_certify(c, r->n, r->value * nudge, twin, tol, rel, "%s [%s] %s, n = %llu, at %.6g",
                      rec_name(r), r->check, mt, (unsigned long long)r->n, r->arg);
}

void refit_vcertify_last(vctx *c)
{
    double twin, tol;
    int rel;
    if (c->record_only || c->rec_count == 0) return;
    const vrec *r = &c->recs[c->rec_count - 1];
    refit_status st = refit_vrec_twin(r, &twin, &tol, &rel);
    certify_item(c, r, 1.0, st, twin, tol, rel);
}

refit_status refit_vsim(vctx *c, refit_sim_config *sc, refit_sim_result *res)
{
    memset(res, 0, sizeof *res);
    if (c->record_only) return REFIT_ECANCELED;
    sc->threads = c->config->threads;
    sc->isa = c->config->isa;
    sc->seed = refit_vseed(c, c->sim_count++);
    return refit_sim_estimate_all(sc, res);
}

/* ---- the suite ---------------------------------------------------------------- */

static int known_id(const char *id)
{
    if (!id) return 0;
    for (size_t i = 0; i < VCOUNT; i++)
        if (strcmp(id, VDEFS[i].id) == 0) return 1;
    return 0;
}

static int selected(const refit_verify_config *cfg, const char *id)
{
    if (!cfg->only) return 1;
    for (size_t i = 0; i < cfg->only_count; i++)
        if (strcmp(cfg->only[i], id) == 0) return 1;
    return 0;
}

static void ctx_reset_items(vctx *c)
{
    free(c->items);
    free(c->rules);
    c->items = NULL;
    c->rules = NULL;
    c->count = c->cap = 0;
    c->params[0] = '\0';
    c->sim_count = 0;
}

static void run_certify(vctx *c)
{
    double nudge_first = c->perturbed ? 1.0 + CERTIFY_NUDGE : 1.0;
    refit_vparams(c, "%zu closed forms recorded by the checks at this level (each once); twins at "
               "%d bits (distribution: %d)",
            c->rec_count, TWIN_PREC, TWIN_PREC_DIST);
    typedef struct twin_out {
        refit_status st;
        double twin, tol;
        int rel;
    } twin_out;
    twin_out *tw = calloc(c->rec_count ? c->rec_count : 1, sizeof *tw);
    if (!tw) {
        c->err = REFIT_ENOMEM;
        return;
    }
    /* the twins are independent (MPFR keeps its state per thread): in
     * parallel, then the items in record order */
    long nrec = (long)c->rec_count;
#pragma omp parallel for schedule(dynamic) num_threads(c->config->threads)
    for (long i = 0; i < nrec; i++)
        tw[i].st = refit_vrec_twin(&c->recs[i], &tw[i].twin, &tw[i].tol, &tw[i].rel);
    /* perturbed: the first n-generation closed form (bound 1e-13) is nudged */
    size_t nudged = c->rec_count;
    for (size_t i = 0; i < c->rec_count && nudged == c->rec_count; i++)
        if (c->recs[i].kind == VREC_QUANTITY) nudged = i;
    for (size_t i = 0; i < c->rec_count && c->err == REFIT_OK; i++)
        certify_item(c, &c->recs[i], i == nudged ? nudge_first : 1.0, tw[i].st, tw[i].twin,
                     tw[i].tol, tw[i].rel);
    free(tw);
}

refit_status refit_verify_run(const refit_verify_config *config,
                              refit_verify_progress_fn progress, void *user,
                              refit_verify_result *out)
{
    vctx c;
    size_t nsel = 0, done = 0;
    if (!out) return REFIT_EINVAL;
    memset(out, 0, sizeof *out);
    out->z_crit = NAN;
    if (!config || config->threads < 1 || !(config->alpha > 0.0 && config->alpha < 1.0) ||
        (int)config->level < REFIT_VERIFY_QUICK || (int)config->level > REFIT_VERIFY_FULL ||
        (config->only_count > 0 && !config->only) || !refit_isa_supported(config->isa))
        return REFIT_EINVAL;
    if (config->perturb && !known_id(config->perturb)) return REFIT_EINVAL;
    for (size_t i = 0; config->only && i < config->only_count; i++)
        if (!known_id(config->only[i])) return REFIT_EINVAL;
    for (size_t i = 0; i < VCOUNT; i++) nsel += selected(config, VDEFS[i].id) ? 1u : 0u;
    out->checks = calloc(nsel ? nsel : 1, sizeof *out->checks);
    if (!out->checks) return REFIT_ENOMEM;

    memset(&c, 0, sizeof c);
    c.config = config;
    c.level = refit_vlevel_of(config->level);
    for (size_t i = 0; i < VCOUNT; i++) {
        const vdef *d = &VDEFS[i];
        refit_verify_check *ck;
        if (!selected(config, d->id)) continue;
        ck = &out->checks[out->check_count++];
        ck->id = d->id;
        ck->title = d->title;
        ck->source = d->source;
        ck->claim = d->claim;
        ck->rule = d->rule;
        ck->perturbation = d->perturbation;
        ck->perturbed = config->perturb && strcmp(config->perturb, d->id) == 0;
        ctx_reset_items(&c);
        if (d->fn) {
            c.id = d->id;
            c.perturbed = ck->perturbed;
            c.record_only = 0;
            d->fn(&c);
        } else {
            /* certify: the closed forms of the checks not run are recorded
             * by a dry run of their exact parts (same parameters) */
            for (size_t j = 0; j < VCOUNT && c.err == REFIT_OK; j++) {
                if (!VDEFS[j].fn || selected(config, VDEFS[j].id)) continue;
                c.id = VDEFS[j].id;
                c.perturbed = 0;
                c.record_only = 1;
                VDEFS[j].fn(&c);
                ctx_reset_items(&c);
            }
            c.id = d->id;
            c.perturbed = ck->perturbed;
            c.record_only = 0;
            run_certify(&c);
        }
        if (c.err != REFIT_OK) {
            ck->status = c.err;
            break;
        }
        memcpy(ck->params, c.params, sizeof ck->params);
        ck->items = c.items;
        ck->item_count = c.count;
        /* the deferred rules travel in the items' tolerance slot until
         * z_crit is known: remember them by kind (see below) */
        for (size_t k = 0; k < c.count; k++)
            if (c.rules[k] != VR_FIXED) ck->items[k].tolerance = (double)c.rules[k];
        free(c.rules);
        c.items = NULL;
        c.rules = NULL;
        c.count = c.cap = 0;
        done++;
        if (progress) progress(user, done, nsel, d->id);
    }
    ctx_reset_items(&c);
    free(c.recs);
    if (c.err != REFIT_OK) {
        refit_verify_result_free(out);
        return c.err;
    }

    /* Bonferroni over every Monte Carlo item of the run. */
    size_t N = 0;
    for (size_t i = 0; i < out->check_count; i++)
        for (size_t k = 0; k < out->checks[i].item_count; k++) {
            refit_verify_kind kd = out->checks[i].items[k].kind;
            N += kd == REFIT_VERIFY_MONTE_CARLO || kd == REFIT_VERIFY_MC_PROPERTY;
        }
    out->mc_items = N;
    out->z_crit = N ? refit_vz_upper(config->alpha / (2.0 * (double)N)) : NAN;
    out->all_pass = 1;
    for (size_t i = 0; i < out->check_count; i++) {
        refit_verify_check *ck = &out->checks[i];
        int pass = ck->status == REFIT_OK && ck->item_count > 0;
        for (size_t k = 0; k < ck->item_count; k++) {
            refit_verify_item *it = &ck->items[k];
            if (it->kind == REFIT_VERIFY_MONTE_CARLO || it->kind == REFIT_VERIFY_MC_PROPERTY) {
                vrule rule = (vrule)(int)it->tolerance;
                double z = out->z_crit;
                it->tolerance = z;
                if (rule == VR_TWO_SIDED)
                    it->pass = it->reliable && fabs(it->score) <= z;
                else if (rule == VR_ONE_SIDED)
                    it->pass = it->reliable && it->score <= z;
                else
                    it->pass = !it->reliable || fabs(it->score) > z;
            }
            pass = pass && it->pass;
        }
        ck->pass = pass;
        out->all_pass = out->all_pass && pass;
    }
    return REFIT_OK;
}

void refit_verify_result_free(refit_verify_result *result)
{
    if (!result) return;
    for (size_t i = 0; result->checks && i < result->check_count; i++)
        free(result->checks[i].items);
    free(result->checks);
    memset(result, 0, sizeof *result);
}
