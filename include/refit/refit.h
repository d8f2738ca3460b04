/* refit: umbrella header (the double-precision API; refit/theory_mp.h adds
 * the MPFR twins and needs <mpfr.h>). */
#ifndef REFIT_REFIT_H
#define REFIT_REFIT_H

#include "refit/status.h"
#include "refit/model.h"
#include "refit/theory.h"
#include "refit/version.h"

#endif /* REFIT_REFIT_H */
