/* A program outside the refit tree, built against an installed refit (with
 * find_package(refit) or pkg-config).  It checks three facts that hold for
 * every model, whatever the sample size:
 *
 *   1. the unbiased estimator makes sigma_n^2 a martingale, so
 *      E[sigma_n^2] = sigma^2 for every n;
 *   2. before any refit (n = 0) the model is the truth: E[W2^2] = 0;
 *   3. the MPFR twin (refit/theory_mp.h) gives the same E[sigma_n^2].
 *
 * It exits 0 when all hold and 1 otherwise, printing what it found. */
#include <math.h>
#include <stdio.h>

#include <mpfr.h>

#include "refit/refit.h"
#include "refit/theory_mp.h"

/* Closed forms are accurate to 1e-13 relative (refit/theory.h); a loose
 * tolerance keeps this an installation check, not an accuracy test. */
#define TOL 1e-12

static int fail(const char *what, refit_status st)
{
    fprintf(stderr, "downstream: %s: %s\n", what, refit_strerror(st));
    return 1;
}

int main(void)
{
    refit_model model = refit_model_default();
    const double sigma = 1.5;
    const uint64_t n = 1000;
    double var_mean, w2sq0, mp_var_mean;
    refit_status st;
    mpfr_t v;

    model.schedule = refit_schedule_const(20.0);
    model.estimator = REFIT_ESTIMATOR_UNBIASED;
    model.sigma = sigma;
    st = refit_model_validate(&model);
    if (st != REFIT_OK) return fail("refit_model_validate", st);

    st = refit_theory_var_mean(&model, n, &var_mean);
    if (st != REFIT_OK) return fail("refit_theory_var_mean", st);
    st = refit_theory_w2sq_mean(&model, 0, &w2sq0);
    if (st != REFIT_OK) return fail("refit_theory_w2sq_mean", st);

    mpfr_init2(v, 256);
    st = refit_mp_quantity(v, &model, n, REFIT_Q_VAR_MEAN);
    mp_var_mean = mpfr_get_d(v, MPFR_RNDN);
    mpfr_clear(v);
    if (st != REFIT_OK) return fail("refit_mp_quantity", st);

    printf("refit %s: M = 20, unbiased, sigma = %g\n", REFIT_VERSION_STRING, sigma);
    printf("  var_mean(n=%llu) = %.17g  (sigma^2 = %.17g)\n", (unsigned long long)n, var_mean,
           sigma * sigma);
    printf("  var_mean(n=%llu) = %.17g  (MPFR twin)\n", (unsigned long long)n, mp_var_mean);
    printf("  w2sq_mean(n=0)   = %.17g\n", w2sq0);

    if (!(fabs(var_mean - sigma * sigma) <= TOL * sigma * sigma)) {
        fprintf(stderr, "downstream: var_mean is not sigma^2 under the unbiased estimator\n");
        return 1;
    }
    if (!(fabs(mp_var_mean - sigma * sigma) <= TOL * sigma * sigma)) {
        fprintf(stderr, "downstream: the MPFR twin's var_mean is not sigma^2\n");
        return 1;
    }
    if (!(w2sq0 == 0.0)) {
        fprintf(stderr, "downstream: w2sq_mean(0) is not 0\n");
        return 1;
    }
    printf("downstream: ok\n");
    return 0;
}
