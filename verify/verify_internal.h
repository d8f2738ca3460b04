/* refit verify: the internal interface shared by the suite (suite.c), the
 * checks (checks_*.c) and the figures (figures.c).
 *
 * A check is a function that appends items to a context.  Items whose
 * verdict depends on the Bonferroni z_crit (MONTE_CARLO and MC_PROPERTY)
 * carry a deferred rule; suite.c counts them over the whole run, computes
 * z_crit and only then decides every verdict.  Every closed form a check
 * uses in double precision is also recorded (vrec_*) so that the certify
 * check can compare it with its MPFR twin.
 */
#ifndef REFIT_VERIFY_INTERNAL_H
#define REFIT_VERIFY_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "refit/distribution.h"
#include "refit/model.h"
#include "refit/sim.h"
#include "refit/status.h"
#include "refit/theory.h"
#include "refit/verify.h"

/* How an item's verdict is decided once z_crit is known. */
typedef enum vrule {
    VR_FIXED = 0,    /* CERTIFY and EXACT: decided when the item is made */
    VR_TWO_SIDED,    /* MONTE_CARLO: reliable and |score| <= z_crit */
    VR_ONE_SIDED,    /* MC_PROPERTY: reliable and score <= z_crit (score: z of a violation) */
    VR_DETECT        /* MC_PROPERTY: not reliable, or |score| > z_crit (a failure seen) */
} vrule;

/* What a certification record refers to (its MPFR twin). */
typedef enum vrec_kind {
    VREC_QUANTITY = 0, /* refit_theory_quantity (arg: the quantity)          */
    VREC_CUMULANT,     /* refit_theory_factor_log_cumulant (arg: j; model: M) */
    VREC_LAMBDA_STAR,  /* refit_theory_mix_lambda_star (model: M, estimator)  */
    VREC_FIXED_VAR,    /* refit_theory_mix_fixed_point, var_mean             */
    VREC_FIXED_MSE,    /* refit_theory_mix_fixed_point, mean_mse             */
    VREC_CDF,          /* refit_dist_cdf (arg: x)                            */
    VREC_LOG_SF,       /* refit_dist_log_sf (arg: x)                         */
    VREC_LOG_CDF,      /* refit_dist_log_cdf (arg: x)                        */
    VREC_QUANTILE      /* refit_dist_quantile (arg: p)                       */
} vrec_kind;

typedef struct vrec {
    vrec_kind kind;
    refit_model model; /* schedule copied by value: CONST and POLY only */
    uint64_t n;
    double arg;
    double value;      /* the double closed form as the check used it */
    const char *check; /* id of the check that used it */
} vrec;

typedef struct vlevel {
    uint64_t K;        /* chains of the EXACT-mode simulations */
    uint64_t K_sample; /* chains of the SAMPLE-mode simulations */
    uint64_t K_tau;    /* chains of the collapse-time simulation */
    int full;          /* larger grids */
    int quick;         /* smaller grids */
} vlevel;

typedef struct vctx {
    const refit_verify_config *config;
    vlevel level;
    const char *id;    /* the check being run */
    int perturbed;     /* this check is broken on purpose */
    int record_only;   /* certify's dry run: exact parts only, items dropped */
    uint64_t sim_count; /* simulations so far in this check (seed derivation) */
    /* the current check's items */
    refit_verify_item *items;
    vrule *rules;
    size_t count, cap;
    char params[REFIT_VERIFY_TEXT * 2];
    /* certification records of the whole run */
    vrec *recs;
    size_t rec_count, rec_cap;
    refit_status err; /* first allocation failure */
} vctx;

/* ---- items (suite.c) ---- */

/* A CERTIFY item: |value - twin| <= tol (relative to |twin| when rel, else
 * absolute). */
void refit_vitem_certify(vctx *c, uint64_t n, double value, double twin, double tol, int rel,
                   const char *fmt, ...) __attribute__((format(printf, 7, 8)));
/* An EXACT item: holds when margin >= 0 (tolerance: the stated tolerance
 * that enters the margin, 0 if none). */
void refit_vitem_exact(vctx *c, uint64_t n, double exact, double bound, double margin,
                 double tolerance, const char *fmt, ...) __attribute__((format(printf, 7, 8)));
/* A MONTE_CARLO item from an estimate and its exact value; se_override > 0
 * replaces the estimate's standard error in z (proportions: the exact
 * binomial sd).  exact_mp may be NaN. */
void refit_vitem_mc(vctx *c, uint64_t n, const refit_sim_estimate *e, double exact, double exact_mp,
              double se_override, const char *fmt, ...) __attribute__((format(printf, 7, 8)));
/* An MC_PROPERTY item with its deferred rule (VR_ONE_SIDED or VR_DETECT). */
void refit_vitem_property(vctx *c, uint64_t n, vrule rule, double estimate, double se, double lo,
                    double hi, int reliable, double bound, double score, const char *fmt, ...)
    __attribute__((format(printf, 11, 12)));
/* A failed step (a status other than REFIT_OK from a closed form or a
 * simulation): an EXACT item that fails, naming the status. */
void refit_vitem_error(vctx *c, refit_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void refit_vparams(vctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- certification records ---- */
void refit_vrec_add(vctx *c, vrec_kind kind, const refit_model *model, uint64_t n, double arg,
              double value);
/* The twin of a record at 256 bits, rounded to double, and the stated
 * bound: *tol with *rel (1 relative, 0 absolute). */
refit_status refit_vrec_twin(const vrec *r, double *twin, double *tol, int *rel);
/* A CERTIFY item for the latest record (a check's headline value). */
void refit_vcertify_last(vctx *c);

/* Recorded closed forms (value through *out; status as the library's). */
refit_status refit_vq(vctx *c, const refit_model *m, uint64_t n, refit_quantity q, double *out);
refit_status refit_vcdf(vctx *c, const refit_model *m, uint64_t n, double x, double *out);
refit_status refit_vlog_sf(vctx *c, const refit_model *m, uint64_t n, double x, double *out);
refit_status refit_vlog_cdf(vctx *c, const refit_model *m, uint64_t n, double x, double *out);
refit_status refit_vquantile(vctx *c, const refit_model *m, uint64_t n, double p, double *out);
refit_status refit_vcumulant(vctx *c, double M, refit_estimator e, int j, double *out);

/* ---- simulation ---- */

/* Runs the engine with the run's threads and ISA and a seed derived from
 * (config seed, check id, simulation index).  REFIT_ECANCELED (nothing
 * run) in record-only mode. */
refit_status refit_vsim(vctx *c, refit_sim_config *sc, refit_sim_result *res);
uint64_t refit_vseed(const vctx *c, uint64_t salt);

/* ---- models ---- */
refit_model refit_vmodel_const(double M, refit_estimator e);
refit_model refit_vmodel_poly(double M0, double alpha, refit_estimator e);
const char *refit_vest_name(refit_estimator e); /* "U" or "MLE" */

/* ---- the checks (checks_*.c) ---- */
void refit_vcheck_collapse_as(vctx *c);
void refit_vcheck_w2_diverges(vctx *c);
void refit_vcheck_marginal_var(vctx *c);
void refit_vcheck_superlinear(vctx *c);
void refit_vcheck_martingale(vctx *c);
void refit_vcheck_accumulate(vctx *c);
void refit_vcheck_mix(vctx *c);
void refit_vcheck_tail_bounds(vctx *c);

/* Collapse time tau_eps of K chains of a constant-size replace model
 * (EXACT draws): the mean and its standard error. */
refit_status refit_vsim_collapse_time(const vctx *c, double M, refit_estimator e, double eps,
                                uint64_t K, uint64_t seed, double *mean, double *se);

/* Phi^{-1}(1 - p) for 0 < p < 1/2 (bisection on erfc: deterministic). */
double refit_vz_upper(double p);

vlevel refit_vlevel_of(refit_verify_level level);

#endif /* REFIT_VERIFY_INTERNAL_H */
