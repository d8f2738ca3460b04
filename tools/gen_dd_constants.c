#include <stdio.h>
#include <mpfr.h>
#include <gmp.h>
/* Prints double-double (hi, lo) constants for theory/dd_constants.h */
static void dd_print(const char *name, mpfr_t x) {
  mpfr_t r; mpfr_init2(r, 400);
  double hi = mpfr_get_d(x, MPFR_RNDN);
  mpfr_sub_d(r, x, hi, MPFR_RNDN);
  double lo = mpfr_get_d(r, MPFR_RNDN);
  printf("    {%a, %a}, /* %s */\n", hi, lo, name);
  mpfr_clear(r);
}
int main(void) {
  mpfr_t x; mpfr_init2(x, 400);
  char nm[64];
  printf("/* ln 2 */\n"); mpfr_const_log2(x, MPFR_RNDN); dd_print("ln2", x);
  printf("/* 1/j!, j = 0..12 */\n");
  for (int j = 0; j <= 12; j++) { mpfr_set_ui(x,1,MPFR_RNDN); for (int i=2;i<=j;i++) mpfr_div_ui(x,x,(unsigned long)i,MPFR_RNDN); sprintf(nm,"1/%d!",j); dd_print(nm,x);}  
  printf("/* 1/(2j+1), j = 0..30 */\n");
  for (int j = 0; j <= 30; j++) { mpfr_set_ui(x,1,MPFR_RNDN); mpfr_div_ui(x,x,(unsigned long)(2*j+1),MPFR_RNDN); sprintf(nm,"1/%d",2*j+1); dd_print(nm,x);}  
  printf("/* 1/(j(j-1)), j = 0..40 (0 for j < 2) */\n");
  for (int j = 0; j <= 40; j++) { if (j<2) mpfr_set_ui(x,0,MPFR_RNDN); else {mpfr_set_ui(x,1,MPFR_RNDN); mpfr_div_ui(x,x,(unsigned long)(j*(j-1)),MPFR_RNDN);} sprintf(nm,"1/(%d*%d)",j,j-1); dd_print(nm,x);}  
  /* Bernoulli numbers B_2k via mpq recurrence */
  int K = 20; mpq_t B[2*20+2]; for (int i=0;i<=2*K;i++) mpq_init(B[i]);
  mpq_set_ui(B[0],1,1);
  for (int m=1;m<=2*K;m++){ mpq_t s,t; mpq_init(s); mpq_init(t); mpz_t c; mpz_init(c);
    for (int k=0;k<m;k++){ mpz_bin_uiui(c,(unsigned long)m+1,(unsigned long)k); mpq_set_z(t,c); mpq_mul(t,t,B[k]); mpq_add(s,s,t);} 
    mpq_set_si(t,-1,(unsigned long)m+1); mpq_mul(B[m],s,t); mpq_clear(s); mpq_clear(t); mpz_clear(c);} 
  printf("/* B_2k/(2k(2k-1)), k = 0..20 (0 for k = 0): Stirling series of lnGamma */\n");
  for (int k=0;k<=K;k++){ if(k==0){mpfr_set_ui(x,0,MPFR_RNDN);} else { mpq_t t; mpq_init(t); mpq_set_ui(t,1,(unsigned long)(2*k*(2*k-1))); mpq_mul(t,t,B[2*k]); mpfr_set_q(x,t,MPFR_RNDN); mpq_clear(t);} sprintf(nm,"B_%d/(%d*%d)",2*k,2*k,2*k-1); dd_print(nm,x);}  
  printf("/* B_2k, k = 0..20 */\n");
  for (int k=0;k<=K;k++){ mpfr_set_q(x,B[2*k],MPFR_RNDN); sprintf(nm,"B_%d",2*k); dd_print(nm,x);}  
  return 0;
}
