/* Internal: per-regime evaluators behind refit_theory_quantity. */
#ifndef REFIT_THEORY_REGIMES_H
#define REFIT_THEORY_REGIMES_H

#include "refit/theory.h"
#include "theory/internal.h"

/* A quantity as computed: either its value (is_log = 0), or the natural
 * log of a positive value (is_log = 1); zero = 1 when it is exactly 0. */
typedef struct refit_qval {
    int is_log, zero;
    dd v;
} refit_qval;

/* Sums over generations i < n (sigma = 1) for the replace regime. */
enum { REFIT_NEED_HALF = 1u, REFIT_NEED_W2VAR = 2u, REFIT_NEED_CUMULANTS = 4u };
typedef struct refit_replace_sums {
    uint64_t n;
    dd ln_k_over_D;  /* sum ln(k_i/D_i) = ln(E sigma_n^2 / sigma^2)        */
    dd excess_half;  /* sum excess(a_i, 1/2)                   (NEED_HALF) */
    dd inv_M;        /* sum 1/M_i                                          */
    dd log1p_inv_a;  /* sum log1p(1/a_i)                      (NEED_W2VAR) */
    dd log1p_inv_2a; /* sum log1p(1/(2 a_i))                  (NEED_W2VAR) */
    dd kappa[5];     /* kappa[j] = sum of j-th cumulants of ln q_i, j = 1..4 */
} refit_replace_sums;

refit_status refit_replace_sums_compute(const refit_model *model, uint64_t n, unsigned need,
                                        refit_replace_sums *sums);
/* ln E sigma_n^{2r}. */
refit_status refit_replace_log_moment(const refit_model *model, uint64_t n, double r, dd *ln);
/* One quantity, or every quantity of a row from one pass over the
 * generations (status[q] per quantity; the return value is a failure of
 * the pass itself).  "pair regimes": accumulate and mix, whose closed forms
 * all derive from the pair (E sigma_n^2, E (mu_n - mu)^2). */
refit_status refit_replace_eval(const refit_model *model, uint64_t n, refit_quantity q,
                                refit_qval *out);
refit_status refit_replace_eval_row(const refit_model *model, uint64_t n,
                                    refit_qval out[REFIT_Q_COUNT], refit_status status[REFIT_Q_COUNT]);
refit_status refit_pair_regime_eval(const refit_model *model, uint64_t n, refit_quantity q,
                                    refit_qval *out);
refit_status refit_pair_regime_row(const refit_model *model, uint64_t n,
                                   refit_qval out[REFIT_Q_COUNT], refit_status status[REFIT_Q_COUNT]);

#endif /* REFIT_THEORY_REGIMES_H */
