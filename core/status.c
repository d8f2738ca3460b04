#include "refit/status.h"

const char *refit_strerror(refit_status status)
{
    switch (status) {
    case REFIT_OK: return "success";
    case REFIT_EDOM: return "argument outside the mathematical domain";
    case REFIT_ERANGE: return "result not representable as a double (use the log-scale variant)";
    case REFIT_EINVAL: return "invalid request";
    case REFIT_ENOMEM: return "out of memory";
    case REFIT_EIO: return "input/output error";
    case REFIT_ECANCELED: return "stopped on request before finishing";
    }
    return "unknown status";
}
