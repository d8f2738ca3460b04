#include "test_mp.h"

void refit_test_mp_log_lower_gamma(mpfr_t out, const mpfr_t a, const mpfr_t z)
{
    mpfr_prec_t prec = mpfr_get_prec(out), wp = prec + 32;
    mpfr_t sum, term, u, bound;
    mpfr_inits2(wp, sum, term, u, bound, (mpfr_ptr)0);
    mpfr_set_ui(sum, 1, MPFR_RNDN);
    mpfr_set_ui(term, 1, MPFR_RNDN);
    for (unsigned long k = 1;; k++) {
        mpfr_add_ui(u, a, k, MPFR_RNDN); /* a + k */
        mpfr_mul(term, term, z, MPFR_RNDN);
        mpfr_div(term, term, u, MPFR_RNDN);
        mpfr_add(sum, sum, term, MPFR_RNDN);
        /* Once a + k + 1 > z the rest is below term q / (1 - q),
         * q = z / (a + k + 1) < 1. */
        mpfr_add_ui(u, u, 1, MPFR_RNDN);
        if (mpfr_cmp(u, z) > 0) {
            mpfr_sub(bound, u, z, MPFR_RNDN);    /* a + k + 1 - z */
            mpfr_div(bound, z, bound, MPFR_RNDN); /* q / (1 - q) */
            mpfr_mul(bound, bound, term, MPFR_RNDN);
            if (mpfr_zero_p(bound) ||
                mpfr_get_exp(bound) < mpfr_get_exp(sum) - (mpfr_exp_t)prec - 8)
                break;
        }
    }
    /* ln P = ln(sum) + a ln z - z - lnGamma(a + 1) */
    int sign;
    mpfr_log(sum, sum, MPFR_RNDN);
    mpfr_log(u, z, MPFR_RNDN);
    mpfr_mul(u, u, a, MPFR_RNDN);
    mpfr_add(sum, sum, u, MPFR_RNDN);
    mpfr_sub(sum, sum, z, MPFR_RNDN);
    mpfr_add_ui(u, a, 1, MPFR_RNDN);
    mpfr_lgamma(bound, &sign, u, MPFR_RNDN);
    mpfr_sub(out, sum, bound, MPFR_RNDN);
    mpfr_clears(sum, term, u, bound, (mpfr_ptr)0);
}
