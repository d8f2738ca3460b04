/* refit sim/: running the chains.
 *
 * Work is cut into blocks of B consecutive chains; a block runs every
 * replica through every generation and writes its chains' records.  Blocks
 * go to OpenMP threads in waves; between waves (on the calling thread) the
 * progress callback runs and the cancel flag is read.  A chain's records
 * depend only on (config, chain): never on the block, the thread or the ISA.
 *
 * One generation of one chain, in standardised form (proofs/11-monte-carlo.md):
 *   replace    d' = d + e^{lv/2} zbar,  lv' = lv + ln(SS / D)
 *              EXACT: zbar = Z / sqrt(M), SS = 2 G, G ~ Gamma((M-1)/2)
 *              SAMPLE: zbar, SS from the M standard normals of the fused kernel
 *   accumulate the batch (mean_b, SS_b) from model g merged into the pooled
 *              (P, S) of batches 0..g-1 (Chan); model g+1 = (P, ln(S / D_pooled))
 *   mix        r fresh samples from D0 plus m = M - r from model g, pooled
 * Importance replicas (rho >= 1, tilt r): EXACT draws G ~ Gamma(a + r) and
 * adds ln[Gamma(a+r)/Gamma(a)] - r ln G to ln W; SAMPLE scales the model's
 * samples by sqrt(tau), tau = 1 + 2r/(m-1), and adds
 * (m/2) ln tau - (tau-1)/2 sum z^2.  Only draws from a Gaussian model are
 * tilted (fresh samples and a non-Gaussian generation 0 are not).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "sim/sim_internal.h"

#define SIM_CHUNK 4096
#define SIM_REPLICA_STRIDE (UINT32_C(1) << 30)

typedef struct block_work {
    size_t n;           /* chains in the block */
    uint32_t chain0;    /* counter chain word of the block's first chain */
    double *d, *lv, *logw, *P, *S;
    double *rbo, *rbs;  /* Rao-Blackwell sum = e^{rbo} rbs (a running offset keeps it finite) */
    double *z, *lg, *zf, *lgf;
    double *buf;        /* SIM_CHUNK draws */
    double tilt_m, tilt_r, tilt_dlg; /* cache of tilt_log_ratio (constant schedules call it once) */
} block_work;

/* Add the term e^t to the chain's Rao-Blackwell sum e^{rbo} rbs. */
static void rb_add(block_work *w, size_t i, double t)
{
    if (t > w->rbo[i]) {
        w->rbs[i] = w->rbs[i] * exp(w->rbo[i] - t) + 1.0;
        w->rbo[i] = t;
    } else {
        w->rbs[i] += exp(t - w->rbo[i]);
    }
}

static double divisor(refit_estimator e, double m)
{
    return e == REFIT_ESTIMATOR_MLE ? m : m - 1.0;
}

/* ln[Gamma(a + r) / Gamma(a)], a = (m-1)/2, without the cancellation of
 * two lgamma calls (theory's factor moment is accurate for any m); cached
 * per block for the last (m, r). */
static refit_status tilt_log_ratio(block_work *w, double m, double r, double *out)
{
    if (r == 0.0) {
        *out = 0.0;
        return REFIT_OK;
    }
    if (w->tilt_m == m && w->tilt_r == r) {
        *out = w->tilt_dlg;
        return REFIT_OK;
    }
    double lm;
    refit_status st = refit_theory_factor_moment_log(m, REFIT_ESTIMATOR_UNBIASED, r, &lm);
    if (st != REFIT_OK) return st;
    *out = lm - r * log(2.0 / (m - 1.0));
    w->tilt_m = m;
    w->tilt_r = r;
    w->tilt_dlg = *out;
    return REFIT_OK;
}

/* The mean and sum of squared deviations of count standardised draws from
 * D0 (chunked through the streaming-moments kernel). */
static refit_status init_moments(const refit_sim *sim, block_work *w, uint32_t chain,
                                 uint32_t generation, uint64_t count, double *mean, double *ss)
{
    const refit_sim_config *c = &sim->config;
    refit_moments acc = {0.0, 0.0, 0.0};
    for (uint64_t first = 0; first < count; first += SIM_CHUNK) {
        size_t k = (size_t)(count - first < SIM_CHUNK ? count - first : SIM_CHUNK);
        refit_status st;
        if (c->init.kind == REFIT_INIT_DATA) {
            /* resampling, as refit_init_law_draw does it, from the values
             * standardised once (sim_init_data_standardised) */
            st = refit_kernel_uniforms(c->isa, c->seed, REFIT_STREAM_INIT, chain, generation,
                                       first, k, w->buf);
            size_t N = c->init.count;
            for (size_t i = 0; i < k && st == REFIT_OK; i++)
                w->buf[i] = sim->init_std[sim_data_index(w->buf[i], N)];
        } else {
            st = refit_init_law_draw(&c->init, c->isa, c->seed, chain, generation, first, k,
                                     w->buf);
        }
        if (st == REFIT_OK) st = refit_kernel_moments(c->isa, w->buf, k, &acc);
        if (st != REFIT_OK) return st;
    }
    *mean = acc.mean;
    *ss = acc.m2;
    return REFIT_OK;
}

/* Pool a batch into (P, S) holding N points; returns the new state. */
static void pool(double *P, double *S, double N, double m, double mean_b, double ss_b)
{
    double delta = mean_b - *P;
    double tot = N + m;
    *P = *P + delta * (m / tot);
    *S = *S + ss_b + (delta * delta) * (N * m / tot);
}

/* The plain replica of EXACT replace keeps s = e^{lv/2} in S and its
 * Rao-Blackwell sum in rbs at the fixed offset rbo = 0 (its terms only shrink). */
static int plain_exact_replace(const refit_sim *sim, int rho)
{
    return rho == 0 && sim->config.mode == REFIT_SIM_EXACT &&
           sim->config.model.regime == REFIT_REGIME_REPLACE;
}

/* An importance replica of EXACT replace keeps ln W + r lv in logw. */
static int tilted_exact_replace(const refit_sim *sim, int rho)
{
    return rho != 0 && sim->config.mode == REFIT_SIM_EXACT &&
           sim->config.model.regime == REFIT_REGIME_REPLACE;
}

static void record(const refit_sim *sim, const block_work *w, size_t t, int rho, uint64_t chain)
{
    double r = tilted_exact_replace(sim, rho) ? sim_tilt_r(rho) : 0.0;
    double *lv = sim_field(sim, t, rho, SIM_LV) + chain;
    double *d = sim_field(sim, t, rho, SIM_D) + chain;
    double *lw = sim_field(sim, t, rho, SIM_LOGW) + chain;
    double *rb = sim_field(sim, t, rho, SIM_LRB) + chain;
    for (size_t i = 0; i < w->n; i++) {
        lv[i] = w->lv[i];
        d[i] = w->d[i];
        lw[i] = w->logw[i] - r * w->lv[i];
        rb[i] = sim->rb_valid ? w->rbo[i] + log(w->rbs[i]) : NAN;
    }
}

/* One generation g of every chain of the block, EXACT mode. */
static refit_status exact_generation(const refit_sim *sim, block_work *w, uint64_t g, double M,
                                     double r)
{
    const refit_sim_config *c = &sim->config;
    const refit_model *mo = &c->model;
    uint32_t gen = (uint32_t)g;
    refit_status st;
    if (mo->regime == REFIT_REGIME_MIX) {
        double rf = nearbyint(mo->lambda * M), m = M - rf, Dm = divisor(mo->estimator, M);
        if (m >= 1.0) {
            double shape = m >= 2.0 ? (m - 1.0) * 0.5 + r : 0.5;
            st = refit_kernel_normal_log_gamma(c->isa, c->seed, REFIT_STREAM_SUFFSTAT, w->chain0,
                                               w->n, gen, shape, w->z, w->lg);
            if (st != REFIT_OK) return st;
        }
        st = refit_kernel_normal_log_gamma(c->isa, c->seed, REFIT_STREAM_AUX, w->chain0, w->n, gen,
                                           rf >= 2.0 ? (rf - 1.0) * 0.5 : 0.5, w->zf, w->lgf);
        if (st != REFIT_OK) return st;
        double dlg = 0.0;
        if (m >= 2.0 && (st = tilt_log_ratio(w, m, r, &dlg)) != REFIT_OK) return st;
        double isr = 1.0 / sqrt(rf), ism = m >= 1.0 ? 1.0 / sqrt(m) : 0.0, between = rf * m / M;
        for (size_t i = 0; i < w->n; i++) {
            double mean_f = w->zf[i] * isr;
            double ss_f = rf >= 2.0 ? 2.0 * exp(w->lgf[i]) : 0.0;
            double mean = mean_f, ss = ss_f;
            if (m >= 1.0) {
                double mean_m = w->d[i] + exp(0.5 * w->lv[i]) * (w->z[i] * ism);
                double ss_m = m >= 2.0 ? exp(w->lv[i] + M_LN2 + w->lg[i]) : 0.0;
                double dm = mean_f - mean_m;
                mean = (rf * mean_f + m * mean_m) / M;
                ss = ss_f + ss_m + between * (dm * dm);
                if (m >= 2.0 && r != 0.0) w->logw[i] += dlg - r * w->lg[i];
            }
            w->d[i] = mean;
            w->lv[i] = log(ss / Dm);
        }
        return REFIT_OK;
    }
    double a = (M - 1.0) * 0.5;
    int plain_replace = r == 0.0 && mo->regime == REFIT_REGIME_REPLACE;
    st = refit_kernel_normal_gamma(c->isa, c->seed, REFIT_STREAM_SUFFSTAT, w->chain0, w->n, gen,
                                   a + r, w->z, plain_replace ? w->zf : NULL, w->lg);
    if (st != REFIT_OK) return st;
    double dlg;
    if ((st = tilt_log_ratio(w, M, r, &dlg)) != REFIT_OK) return st;
    double ism = 1.0 / sqrt(M);
    if (plain_replace) {
        /* The hot path: s = e^{lv/2} kept as a running product of sqrt(2G/D)
         * (no exp; s underflows harmlessly to 0 once sigma_n has collapsed),
         * lv summed from ln G exactly; the Rao-Blackwell sum in linear scale
         * (its terms only shrink on this replica). */
        double ln2D = log(2.0 / divisor(mo->estimator, M)), twoD = 2.0 / divisor(mo->estimator, M);
        double invM = 1.0 / M;
        const double *G = w->zf;
        for (size_t i = 0; i < w->n; i++) {
            double s = w->S[i];
            w->rbs[i] += (s * s) * invM;
            w->d[i] += s * (w->z[i] * ism);
            w->S[i] = s * sqrt(G[i] * twoD);
            w->lv[i] += w->lg[i] + ln2D;
        }
        return REFIT_OK;
    }
    if (mo->regime == REFIT_REGIME_REPLACE) {
        /* Importance replica.  Only lv, ln W and the Rao-Blackwell sum are
         * used (the mean error comes from the latter), so d is not updated.
         * logw holds lt = ln W + r lv, whose increment ln m(r) = dlg + r ln(2/D)
         * does not depend on the draw: summed with compensation it stays exact
         * to rounding over 1e6 generations, and so do the estimates of
         * E sigma_n^{2r} and the Rao-Blackwell terms (lt - ln M for r = 1)
         * built from it.  record() stores ln W = lt - r lv. */
        double ln2D = log(2.0 / divisor(mo->estimator, M)), lnM = log(M);
        double inc = dlg + r * ln2D;
        for (size_t i = 0; i < w->n; i++) {
            rb_add(w, i, w->logw[i] + (1.0 - r) * w->lv[i] - lnM);
            w->lv[i] += w->lg[i] + ln2D;
            double y = inc - w->P[i], t = w->logw[i] + y; /* Kahan: P holds the compensation */
            w->P[i] = (t - w->logw[i]) - y;
            w->logw[i] = t;
        }
        return REFIT_OK;
    }
    /* accumulate: batch g from model g, pooled with batches 0..g-1 */
    double N = (double)g * M, Dp = divisor(mo->estimator, N + M);
    for (size_t i = 0; i < w->n; i++) {
        double mean_b = w->d[i] + exp(0.5 * w->lv[i]) * (w->z[i] * ism);
        double ss_b = exp(w->lv[i] + M_LN2 + w->lg[i]);
        pool(&w->P[i], &w->S[i], N, M, mean_b, ss_b);
        w->d[i] = w->P[i];
        w->lv[i] = log(w->S[i] / Dp);
        if (r != 0.0) w->logw[i] += dlg - r * w->lg[i];
    }
    return REFIT_OK;
}

/* One chain's draw of m samples from its Gaussian model (SAMPLE mode),
 * tilted by tau: returns the batch mean and SS in standardised units and
 * adds the log weight. */
static refit_status model_batch(const refit_sim *sim, uint32_t chain, uint32_t gen, double m,
                                double r, double d, double lv, double *mean, double *ss,
                                double *log_ss, double *logw)
{
    const refit_sim_config *c = &sim->config;
    double zbar, ssz;
    refit_status st;
    if (m >= 2.0) {
        double var;
        st = refit_kernel_sample_fit(c->isa, c->seed, chain, gen, (uint64_t)m,
                                     REFIT_ESTIMATOR_UNBIASED, &zbar, &var);
        if (st != REFIT_OK) return st;
        ssz = var * (m - 1.0);
    } else {
        st = refit_kernel_normals(c->isa, c->seed, REFIT_STREAM_SAMPLE, chain, gen, 0, 1, &zbar);
        if (st != REFIT_OK) return st;
        ssz = 0.0;
    }
    double tau = (r != 0.0 && m >= 2.0) ? 1.0 + 2.0 * r / (m - 1.0) : 1.0;
    double s = exp(0.5 * lv);
    *mean = d + s * (sqrt(tau) * zbar);
    *ss = exp(lv) * (tau * ssz);
    *log_ss = lv + log(tau * ssz); /* replace: no overflow where a tilted lv has drifted up */
    if (tau != 1.0) *logw += (0.5 * m) * log(tau) - (0.5 * (tau - 1.0)) * (ssz + m * (zbar * zbar));
    return REFIT_OK;
}

/* Generation 0 of one chain in SAMPLE mode: M0 draws from D0 (the data
 * themselves for DATA), tilted only when D0 is Gaussian. */
static refit_status sample_generation0(const refit_sim *sim, block_work *w, size_t i,
                                       uint32_t chain, double M0, double r)
{
    const refit_sim_config *c = &sim->config;
    const refit_model *mo = &c->model;
    double mean, ss;
    if (c->init.kind == REFIT_INIT_DATA) {
        mean = sim->data_mean0;
        ss = sim->data_ss0;
    } else {
        refit_status st = init_moments(sim, w, chain, 0, (uint64_t)M0, &mean, &ss);
        if (st != REFIT_OK) return st;
        if (c->init.kind == REFIT_INIT_NORMAL && r != 0.0 && M0 >= 2.0) {
            double tau = 1.0 + 2.0 * r / (M0 - 1.0);
            w->logw[i] += (0.5 * M0) * log(tau) - (0.5 * (tau - 1.0)) * (ss + M0 * (mean * mean));
            mean *= sqrt(tau);
            ss *= tau;
        }
    }
    w->P[i] = mean;
    w->S[i] = ss;
    w->d[i] = mean;
    w->lv[i] = log(ss / divisor(mo->estimator, M0));
    return REFIT_OK;
}

static refit_status sample_generation(const refit_sim *sim, block_work *w, uint64_t g, double M,
                                      double r)
{
    const refit_sim_config *c = &sim->config;
    const refit_model *mo = &c->model;
    uint32_t gen = (uint32_t)g;
    refit_status st;
    /* per generation, not per chain: ln M (Rao-Blackwell terms), ln D */
    double lnM = log(M), lnD = log(divisor(mo->estimator, M));
    for (size_t i = 0; i < w->n; i++) {
        uint32_t chain = w->chain0 + (uint32_t)i;
        if (g == 0) {
            double M0 = c->init.kind == REFIT_INIT_DATA ? (double)c->init.count : M;
            /* Var(mean of gen 0) = sigma^2 / M0 for any D0 drawn at random;
             * DATA's generation 0 is the data themselves: mu_1 = mu exactly */
            if (sim->rb_valid && c->init.kind != REFIT_INIT_DATA) {
                w->rbo[i] = -log(M0);
                w->rbs[i] = 1.0;
            }
            st = sample_generation0(sim, w, i, chain, M0, r);
            if (st != REFIT_OK) return st;
            continue;
        }
        double mean, ss, lss;
        if (sim->rb_valid) rb_add(w, i, w->logw[i] + w->lv[i] - lnM);
        switch (mo->regime) {
        case REFIT_REGIME_REPLACE:
            st = model_batch(sim, chain, gen, M, r, w->d[i], w->lv[i], &mean, &ss, &lss,
                             &w->logw[i]);
            if (st != REFIT_OK) return st;
            w->d[i] = mean;
            w->lv[i] = lss - lnD;
            break;
        case REFIT_REGIME_ACCUMULATE: {
            st = model_batch(sim, chain, gen, M, r, w->d[i], w->lv[i], &mean, &ss, &lss,
                             &w->logw[i]);
            if (st != REFIT_OK) return st;
            double N = (double)g * M;
            pool(&w->P[i], &w->S[i], N, M, mean, ss);
            w->d[i] = w->P[i];
            w->lv[i] = log(w->S[i] / divisor(mo->estimator, N + M));
            break;
        }
        case REFIT_REGIME_MIX: {
            double rf = nearbyint(mo->lambda * M), m = M - rf;
            double mean_f, ss_f;
            st = init_moments(sim, w, chain, gen, (uint64_t)rf, &mean_f, &ss_f);
            if (st != REFIT_OK) return st;
            mean = mean_f;
            ss = ss_f;
            if (m >= 1.0) {
                double mean_m, ss_m;
                st = model_batch(sim, chain, gen, m, r, w->d[i], w->lv[i], &mean_m, &ss_m, &lss,
                                 &w->logw[i]);
                if (st != REFIT_OK) return st;
                double dm = mean_f - mean_m;
                mean = (rf * mean_f + m * mean_m) / M;
                ss = ss_f + ss_m + (rf * m / M) * (dm * dm);
            }
            w->d[i] = mean;
            w->lv[i] = log(ss / divisor(mo->estimator, M));
            break;
        }
        }
    }
    return REFIT_OK;
}

/* Every generation of one replica of one block.  Returns 1 if cancelled. */
static int run_replica(const refit_sim *sim, block_work *w, uint64_t first_chain, int rho,
                       const volatile int *cancel, refit_status *status)
{
    const refit_sim_config *c = &sim->config;
    double r = sim_tilt_r(rho);
    w->chain0 = (uint32_t)rho * SIM_REPLICA_STRIDE + (uint32_t)first_chain;
    for (size_t i = 0; i < w->n; i++) {
        w->d[i] = 0.0;
        w->lv[i] = 0.0;
        w->logw[i] = 0.0;
        w->rbo[i] = plain_exact_replace(sim, rho) ? 0.0 : -INFINITY;
        w->rbs[i] = 0.0;
        w->P[i] = 0.0;
        w->S[i] = plain_exact_replace(sim, rho) ? 1.0 : 0.0; /* s = e^{lv/2} */
    }
    uint64_t last = c->at[c->at_count - 1];
    size_t t = 0;
    int constant = refit_schedule_is_constant(&c->model.schedule);
    double M = 0.0;
    for (uint64_t g = 0;; g++) {
        while (t < c->at_count && c->at[t] == g) record(sim, w, t++, rho, first_chain);
        if (g == last) break;
        if (cancel != NULL && *cancel) return 1;
        if (g == 0 || !constant) {
            refit_status st = refit_schedule_size(&c->model.schedule, g, &M);
            if (st != REFIT_OK) {
                *status = st;
                return 0;
            }
        }
        refit_status st = c->mode == REFIT_SIM_EXACT ? exact_generation(sim, w, g, M, r)
                                                     : sample_generation(sim, w, g, M, r);
        if (st != REFIT_OK) {
            *status = st;
            return 0;
        }
    }
    return 0;
}

/* One block: every replica.  0 done, 1 cancelled, -1 error (*status). */
static int run_block(const refit_sim *sim, uint64_t b, const volatile int *cancel,
                     refit_status *status)
{
    uint64_t first = b * sim->block_size;
    uint64_t end = first + sim->block_size;
    if (end > sim->chains) end = sim->chains;
    size_t n = (size_t)(end - first);
    block_work w;
    memset(&w, 0, sizeof w);
    w.n = n;
    double *mem = malloc((11 * n + SIM_CHUNK) * sizeof(double));
    if (mem == NULL) {
        *status = REFIT_ENOMEM;
        return -1;
    }
    w.d = mem;
    w.lv = w.d + n;
    w.logw = w.lv + n;
    w.rbo = w.logw + n;
    w.rbs = w.rbo + n;
    w.P = w.rbs + n;
    w.S = w.P + n;
    w.z = w.S + n;
    w.lg = w.z + n;
    w.zf = w.lg + n;
    w.lgf = w.zf + n;
    w.buf = w.lgf + n;
    w.tilt_m = NAN; /* nothing cached */
    int result = 0;
    *status = REFIT_OK;
    for (int rho = 0; rho < sim->replicas && result == 0; rho++) {
        if (run_replica(sim, &w, first, rho, cancel, status)) result = 1;
        else if (*status != REFIT_OK) result = -1;
    }
    free(mem);
    return result;
}

refit_status refit_sim_run(refit_sim *sim, refit_sim_progress_fn progress, void *user,
                           const volatile int *cancel)
{
    if (sim == NULL) return REFIT_EINVAL;
    uint64_t *todo = malloc((size_t)sim->block_count * sizeof *todo);
    if (todo == NULL) return REFIT_ENOMEM;
    uint64_t ntodo = 0;
    for (uint64_t b = 0; b < sim->block_count; b++)
        if (!sim->done[b]) todo[ntodo++] = b;
    int threads = sim->config.threads;
    /* Waves of one block per thread when someone watches the progress;
     * otherwise a single wave (no barriers: the cancel flag is still polled
     * inside every block). */
    uint64_t wave = progress != NULL ? (uint64_t)threads : (ntodo > 0 ? ntodo : 1);
    refit_status result = REFIT_OK;
    for (uint64_t w0 = 0; w0 < ntodo && result == REFIT_OK; w0 += wave) {
        if (cancel != NULL && *cancel) {
            result = REFIT_ECANCELED;
            break;
        }
        uint64_t w1 = w0 + wave < ntodo ? w0 + wave : ntodo;
        int failed = 0, cancelled = 0;
        refit_status first_error = REFIT_OK;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
        for (uint64_t k = w0; k < w1; k++) {
            refit_status st = REFIT_OK;
            int r = run_block(sim, todo[k], cancel, &st);
            if (r == 0) {
                sim->done[todo[k]] = 1;
            } else if (r > 0) {
#pragma omp atomic write
                cancelled = 1;
            } else {
#pragma omp critical(refit_sim_error)
                {
                    if (!failed) first_error = st;
                    failed = 1;
                }
            }
        }
        if (failed) result = first_error;
        else if (cancelled) result = REFIT_ECANCELED;
        else if (progress != NULL &&
                 progress(user, refit_sim_chains_done(sim), sim->chains) != 0 && w1 < ntodo)
            result = REFIT_ECANCELED;
    }
    free(todo);
    return result;
}
