/* refit sim/: the engine's private layout, shared by engine.c (simulation),
 * estimate.c (estimators) and checkpoint.c (save / load).
 *
 * Records: for reported generation t (index into at), replica rho and chain
 * j, four doubles, stored field-major so each estimator reads one contiguous
 * array of K values:
 *     rec[((t * R + rho) * SIM_FIELDS + f) * K + j]
 * f = SIM_LV   ln(sigma_n^2 / sigma^2)
 *     SIM_D    (mu_n - mu) / sigma
 *     SIM_LOGW ln of the importance weight of the path so far (0 for rho = 0)
 *     SIM_LRB  ln of the Rao-Blackwell mean-error term sum_i W_i e^{lv_i} / M_i
 *              (replace only; NaN elsewhere)
 * Replicas: rho = 0 the plain chains; with importance on, rho = 1, 2, 3 tilt
 * by r = 1, 2, 1/2 (sim_tilt_r).  Counter chain word: rho 2^30 + j.
 */
#ifndef REFIT_SIM_INTERNAL_H
#define REFIT_SIM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "refit/sim.h"

enum { SIM_LV = 0, SIM_D = 1, SIM_LOGW = 2, SIM_LRB = 3, SIM_FIELDS = 4 };
enum { SIM_REPLICAS_MAX = 4 };

/* The tilt exponent r of replica rho (0 for the plain replica). */
double sim_tilt_r(int rho);

struct refit_sim {
    refit_sim_config config; /* copy; the arrays below are owned copies */
    uint64_t *at;
    double *quantiles;
    double *sizes;           /* LIST schedule sizes (owned copy), or NULL */
    double *init_data;       /* DATA law values (owned copy), or NULL */
    double *init_std;        /* DATA: the values standardised (owned), or NULL */
    uint64_t chains;         /* K */
    size_t at_count;         /* T */
    int replicas;            /* R: 1 or 4 */
    uint64_t block_size;     /* B chains per block (a multiple of 64) */
    uint64_t block_count;
    unsigned char *done;     /* block_count flags */
    double *rec;             /* T * R * SIM_FIELDS * K doubles */
    size_t rec_count;
    uint64_t fingerprint;    /* of everything that determines the records and output */
    /* Derived once. */
    double truth_mean, truth_sd, coupling;
    double data_mean0, data_ss0; /* DATA: generation 0's standardised mean and SS */
    int rb_valid;            /* replace: the Rao-Blackwell mean-error term */
};

static inline double *sim_field(const refit_sim *sim, size_t t, int rho, int field)
{
    return sim->rec + ((t * (size_t)sim->replicas + (size_t)rho) * SIM_FIELDS + (size_t)field) *
                          (size_t)sim->chains;
}

/* DATA: the standardised values (x - mean) / sd, computed exactly as
 * refit_init_law_draw computes them (sim/init_law.c), so the engine can
 * resample them itself (uniform j of REFIT_STREAM_INIT -> index floor(u N))
 * without re-deriving the data's moments on every call. */
refit_status sim_init_data_standardised(const refit_init_law *law, double *out);
/* DATA resampling: the index of uniform u among count values (shared by
 * refit_init_law_draw and the engine, so the tests of one cover both). */
size_t sim_data_index(double u, size_t count);

/* FNV-1a 64 over bytes, continuing from h. */
uint64_t sim_fnv1a(uint64_t h, const void *data, size_t size);
#define SIM_FNV_OFFSET UINT64_C(14695981039346656037)

/* The configuration's fingerprint (sim->config and its owned copies). */
uint64_t sim_config_fingerprint(const refit_sim *sim);

#endif /* REFIT_SIM_INTERNAL_H */
