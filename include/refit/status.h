/* refit: status codes shared by every module.
 *
 * Library functions never print, abort or exit.  Every fallible function
 * returns a refit_status and delivers its result through a pointer; on
 * failure that result is NaN (or left untouched for non-double outputs).
 */
#ifndef REFIT_STATUS_H
#define REFIT_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum refit_status {
    REFIT_OK = 0,
    REFIT_EDOM = 1,   /* an argument lies outside the mathematical domain */
    REFIT_ERANGE = 2, /* the result is not representable as a double: call the _log variant */
    REFIT_EINVAL = 3, /* malformed request: NULL pointer, unsupported combination */
    REFIT_ENOMEM = 4, /* allocation failed */
    REFIT_EIO = 5,    /* reading or writing a file failed */
    REFIT_ECANCELED = 6 /* stopped on request before finishing; the work done so far is kept */
} refit_status;

#if defined(__GNUC__) || defined(__clang__)
#define REFIT_WUR __attribute__((warn_unused_result))
#else
#define REFIT_WUR
#endif

/* A short, constant, human-readable message for a status (never NULL). */
const char *refit_strerror(refit_status status);

#ifdef __cplusplus
}
#endif

#endif /* REFIT_STATUS_H */
