/* refit sim/: configuration defaults and checks, creating and freeing an
 * engine, and the configuration's fingerprint (checkpoints refuse to load
 * into another configuration). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_internal.h"

refit_sim_config refit_sim_config_default(void)
{
    refit_sim_config c;
    memset(&c, 0, sizeof c);
    c.model = refit_model_default();
    c.mode = REFIT_SIM_EXACT;
    c.init = refit_init_law_normal();
    c.chains = 1000;
    c.seed = 1;
    c.threads = 1;
    c.isa = refit_isa_best();
    c.at = NULL;
    c.at_count = 0;
    c.eps = 0.0;
    c.quantiles = NULL;
    c.quantile_count = 0;
    c.importance = 1;
    return c;
}

double sim_tilt_r(int rho)
{
    static const double r[SIM_REPLICAS_MAX] = {0.0, 1.0, 2.0, 0.5};
    return (rho >= 0 && rho < SIM_REPLICAS_MAX) ? r[rho] : 0.0;
}

/* The number of fresh samples per generation under MIX: lambda M, which must
 * be whole (to 1e-9 relative, so 0.3 * 10 counts as 3). */
static int mix_fresh_count(double lambda, double M, double *r)
{
    double x = lambda * M, w = nearbyint(x);
    if (!(fabs(x - w) <= 1e-9 * M) || w < 1.0 || w > M) return -1;
    *r = w;
    return 0;
}

refit_status refit_sim_config_validate(const refit_sim_config *c)
{
    if (c == NULL) return REFIT_EINVAL;
    refit_status st = refit_model_validate(&c->model);
    if (st != REFIT_OK) return st;
    if (c->mode != REFIT_SIM_EXACT && c->mode != REFIT_SIM_SAMPLE) return REFIT_EINVAL;
    st = refit_init_law_validate(&c->init);
    if (st != REFIT_OK) return st;
    if (c->mode == REFIT_SIM_EXACT && c->init.kind != REFIT_INIT_NORMAL) return REFIT_EINVAL;
    if (c->chains < 2 || c->chains > REFIT_SIM_CHAINS_MAX) return REFIT_EDOM;
    if (c->threads < 1 || c->threads > 4096) return REFIT_EDOM;
    if ((unsigned)c->isa >= REFIT_ISA_COUNT) return REFIT_EINVAL;
    if (!refit_isa_supported(c->isa)) return REFIT_EDOM;
    if (c->at == NULL || c->at_count == 0) return REFIT_EINVAL;
    for (size_t i = 0; i < c->at_count; i++) {
        if (c->at[i] > REFIT_SIM_GENERATION_MAX) return REFIT_EDOM;
        if (i > 0 && !(c->at[i] > c->at[i - 1])) return REFIT_EDOM;
    }
    if (!(c->eps == 0.0 || (c->eps > 0.0 && c->eps < 1.0))) return REFIT_EDOM;
    if (c->quantile_count > REFIT_SIM_QUANTILES_MAX) return REFIT_EDOM;
    if (c->quantile_count > 0 && c->quantiles == NULL) return REFIT_EINVAL;
    for (size_t i = 0; i < c->quantile_count; i++) {
        if (!(c->quantiles[i] > 0.0 && c->quantiles[i] < 1.0)) return REFIT_EDOM;
        for (size_t j = 0; j < i; j++)
            if (c->quantiles[j] == c->quantiles[i]) return REFIT_EDOM;
    }
    if (c->importance != 0 && c->importance != 1) return REFIT_EINVAL;
    if (c->model.regime == REFIT_REGIME_MIX) {
        double r;
        if (!refit_schedule_is_constant(&c->model.schedule)) return REFIT_EINVAL;
        double M;
        st = refit_schedule_size(&c->model.schedule, 0, &M);
        if (st != REFIT_OK) return st;
        if (mix_fresh_count(c->model.lambda, M, &r) != 0) return REFIT_EDOM;
    }
    /* Every size up to the last generation must exist (POLY grows; LIST is
     * all checked by refit_model_validate), and SAMPLE's fused kernel takes
     * M <= 2^32.  Sizes never decrease under POLY (alpha >= 0). */
    uint64_t last = c->at[c->at_count - 1];
    if (last > 0) {
        double M;
        st = refit_schedule_size(&c->model.schedule, last - 1, &M);
        if (st != REFIT_OK) return st;
        if (c->mode == REFIT_SIM_SAMPLE) {
            if (c->model.schedule.kind == REFIT_SCHEDULE_LIST) {
                for (size_t i = 0; i < c->model.schedule.count; i++)
                    if (c->model.schedule.sizes[i] > REFIT_SIM_SAMPLE_SIZE_MAX) return REFIT_EDOM;
            } else if (M > REFIT_SIM_SAMPLE_SIZE_MAX) {
                return REFIT_EDOM;
            }
        }
    }
    if (c->mode == REFIT_SIM_SAMPLE && c->init.kind == REFIT_INIT_DATA &&
        (double)c->init.count > 67108864.0)
        return REFIT_EDOM; /* 2^26 values of generation 0 */
    return REFIT_OK;
}

uint64_t sim_fnv1a(uint64_t h, const void *data, size_t size)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < size; i++) {
        h ^= p[i];
        h *= UINT64_C(1099511628211);
    }
    return h;
}

static uint64_t mix_u64(uint64_t h, uint64_t x) { return sim_fnv1a(h, &x, sizeof x); }
static uint64_t mix_d(uint64_t h, double x) { return sim_fnv1a(h, &x, sizeof x); }

uint64_t sim_config_fingerprint(const refit_sim *sim)
{
    const refit_sim_config *c = &sim->config;
    uint64_t h = sim_fnv1a(SIM_FNV_OFFSET, "refit-sim-records-v1", 20);
    const refit_schedule *s = &c->model.schedule;
    h = mix_u64(h, (uint64_t)s->kind);
    h = mix_d(h, s->M);
    h = mix_d(h, s->alpha);
    h = mix_u64(h, (uint64_t)s->count);
    if (s->kind == REFIT_SCHEDULE_LIST)
        for (size_t i = 0; i < s->count; i++) h = mix_d(h, sim->sizes[i]);
    h = mix_u64(h, (uint64_t)c->model.estimator);
    h = mix_u64(h, (uint64_t)c->model.regime);
    h = mix_d(h, c->model.regime == REFIT_REGIME_MIX ? c->model.lambda : 0.0);
    h = mix_d(h, c->model.mu);
    h = mix_d(h, c->model.sigma);
    h = mix_u64(h, (uint64_t)c->mode);
    h = mix_u64(h, (uint64_t)c->init.kind);
    h = mix_d(h, c->init.nu);
    h = mix_d(h, c->init.w);
    h = mix_d(h, c->init.mu1);
    h = mix_d(h, c->init.sd1);
    h = mix_d(h, c->init.mu2);
    h = mix_d(h, c->init.sd2);
    h = mix_u64(h, (uint64_t)c->init.count);
    if (c->init.kind == REFIT_INIT_DATA)
        for (size_t i = 0; i < c->init.count; i++) h = mix_d(h, sim->init_data[i]);
    h = mix_u64(h, c->chains);
    h = mix_u64(h, c->seed);
    h = mix_u64(h, (uint64_t)c->at_count);
    for (size_t i = 0; i < c->at_count; i++) h = mix_u64(h, sim->at[i]);
    h = mix_d(h, c->eps);
    h = mix_u64(h, (uint64_t)c->quantile_count);
    for (size_t i = 0; i < c->quantile_count; i++) h = mix_d(h, sim->quantiles[i]);
    h = mix_u64(h, (uint64_t)c->importance);
    h = mix_u64(h, sim->block_size);
    return h;
}

static void *dup_array(const void *src, size_t count, size_t size)
{
    if (count == 0 || src == NULL) return NULL;
    void *p = malloc(count * size);
    if (p != NULL) memcpy(p, src, count * size);
    return p;
}

refit_status refit_sim_create(const refit_sim_config *config, refit_sim **out)
{
    if (out == NULL) return REFIT_EINVAL;
    *out = NULL;
    refit_status st = refit_sim_config_validate(config);
    if (st != REFIT_OK) return st;
    refit_sim *sim = calloc(1, sizeof *sim);
    if (sim == NULL) return REFIT_ENOMEM;
    sim->config = *config;
    sim->chains = config->chains;
    sim->at_count = config->at_count;
    /* Importance sampling tilts the multiplicative factors of sigma_n^2: the
     * replace regime.  Under accumulate and mix (no collapse) the tilted
     * chains drift away from the bulk and the weights degenerate, while
     * plain means behave: those regimes always use plain means. */
    sim->replicas =
        config->importance && config->model.regime == REFIT_REGIME_REPLACE ? SIM_REPLICAS_MAX : 1;
    /* Blocks only set the granularity of scheduling, progress and
     * checkpoints: no result depends on them (each chain is computed alone,
     * and estimates reduce over chains in order). */
    /* ~32 blocks, each a multiple of 64 chains, at most 2048, and in EXACT
     * mode at least 128 (the sampler's vectors stay full and its per-call
     * cost small). */
    uint64_t B = (sim->chains + 31) / 32;
    B = (B + 63) / 64 * 64;
    uint64_t Bmin = config->mode == REFIT_SIM_EXACT ? 128 : 64;
    if (B < Bmin) B = Bmin;
    if (B > 2048) B = 2048;
    sim->block_size = B;
    sim->block_count = (sim->chains + B - 1) / B;

    sim->at = dup_array(config->at, config->at_count, sizeof *sim->at);
    sim->quantiles = dup_array(config->quantiles, config->quantile_count, sizeof(double));
    if (config->model.schedule.kind == REFIT_SCHEDULE_LIST) {
        sim->sizes = dup_array(config->model.schedule.sizes, config->model.schedule.count,
                               sizeof(double));
        sim->config.model.schedule.sizes = sim->sizes;
    }
    if (config->init.kind == REFIT_INIT_DATA) {
        sim->init_data = dup_array(config->init.data, config->init.count, sizeof(double));
        sim->config.init.data = sim->init_data;
    }
    sim->config.at = sim->at;
    sim->config.quantiles = sim->quantiles;
    int fail = sim->at == NULL || (config->quantile_count > 0 && sim->quantiles == NULL) ||
               (config->model.schedule.kind == REFIT_SCHEDULE_LIST && sim->sizes == NULL) ||
               (config->init.kind == REFIT_INIT_DATA && sim->init_data == NULL);

    /* Records: T R F K doubles, checked for overflow of size_t. */
    size_t per = (size_t)sim->at_count * (size_t)sim->replicas * SIM_FIELDS;
    if (!fail && (size_t)sim->chains > SIZE_MAX / sizeof(double) / per) {
        refit_sim_free(sim);
        return REFIT_ENOMEM;
    }
    sim->rec_count = per * (size_t)sim->chains;
    if (!fail) sim->rec = calloc(sim->rec_count, sizeof(double));
    if (!fail) sim->done = calloc((size_t)sim->block_count, 1);
    if (fail || sim->rec == NULL || sim->done == NULL) {
        refit_sim_free(sim);
        return REFIT_ENOMEM;
    }

    st = refit_init_law_truth(&sim->config.init, &sim->config.model, &sim->truth_mean,
                              &sim->truth_sd);
    if (st == REFIT_OK) st = refit_init_law_w2_coupling(&sim->config.init, &sim->coupling);
    if (st != REFIT_OK) {
        refit_sim_free(sim);
        return st;
    }
    if (config->init.kind == REFIT_INIT_DATA) {
        /* Generation 0 is the data itself: its standardised mean is 0 and its
         * sum of squares is count (population sd 1), up to rounding; computed
         * from the values so the chains see exactly the data's fit. */
        size_t n = config->init.count;
        sim->init_std = malloc(n * sizeof *sim->init_std);
        if (sim->init_std == NULL) {
            refit_sim_free(sim);
            return REFIT_ENOMEM;
        }
        st = sim_init_data_standardised(&sim->config.init, sim->init_std);
        if (st != REFIT_OK) {
            refit_sim_free(sim);
            return st;
        }
        refit_moments acc = {0.0, 0.0, 0.0};
        st = refit_kernel_moments(config->isa, sim->init_std, n, &acc);
        if (st != REFIT_OK) {
            refit_sim_free(sim);
            return st;
        }
        sim->data_mean0 = acc.mean;
        sim->data_ss0 = acc.m2;
    }
    /* E(mu_n - mu)^2 = sum_i E[sigma_i^2] / M_i holds under replace for any D0
     * (martingale increments), so both modes may use its conditional form. */
    sim->rb_valid = config->model.regime == REFIT_REGIME_REPLACE;
    sim->fingerprint = sim_config_fingerprint(sim);
    *out = sim;
    return REFIT_OK;
}

void refit_sim_free(refit_sim *sim)
{
    if (sim == NULL) return;
    free(sim->at);
    free(sim->quantiles);
    free(sim->sizes);
    free(sim->init_data);
    free(sim->init_std);
    free(sim->done);
    free(sim->rec);
    free(sim);
}

uint64_t refit_sim_chains_done(const refit_sim *sim)
{
    if (sim == NULL) return 0;
    uint64_t n = 0;
    for (uint64_t b = 0; b < sim->block_count; b++) {
        if (!sim->done[b]) continue;
        uint64_t end = (b + 1) * sim->block_size;
        n += (end > sim->chains ? sim->chains : end) - b * sim->block_size;
    }
    return n;
}

refit_status refit_sim_estimate_all(const refit_sim_config *config, refit_sim_result *out)
{
    if (out == NULL) return REFIT_EINVAL;
    memset(out, 0, sizeof *out);
    refit_sim *sim;
    refit_status st = refit_sim_create(config, &sim);
    if (st != REFIT_OK) return st;
    st = refit_sim_run(sim, NULL, NULL, NULL);
    if (st == REFIT_OK) st = refit_sim_result_get(sim, out);
    refit_sim_free(sim);
    return st;
}
