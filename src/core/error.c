/* error.c - thread-local error messages, the version query and the shared argument checks
 * of the public entry points (internal.h). */
#include <float.h>
#include <stdarg.h>
#include <stdio.h>

#include "internal.h"

static _Thread_local char last_error[512];
static _Thread_local char msg_buf[512];

int xbar_version(void) { return XBAR_VERSION_MAJOR * 10000 + XBAR_VERSION_MINOR * 100 + XBAR_VERSION_PATCH; }

const char *xbar_last_error(void) { return last_error; }

const char *xbar_strerror(xbar_status s)
{
    switch (s) {
    case XBAR_OK: return "ok";
    case XBAR_EINVAL: return "invalid argument";
    case XBAR_ENOMEM: return "out of memory";
    case XBAR_EIO: return "input/output error";
    case XBAR_EFORMAT: return "malformed file";
    }
    return "unknown error";
}

xbar_status xbar_fail(xbar_status s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    return s;
}

void *xbar_fail_null(xbar_status s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    (void)s;
    return NULL;
}

const char *xbar_msg(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg_buf, sizeof msg_buf, fmt, ap);
    va_end(ap);
    return msg_buf;
}

xbar_status xbar_check_finite(const char *fn, const char *what, const float *x, size_t n)
{
    const size_t k = xbar_first_nonfinite(x, n);
    if (k == n) return XBAR_OK;
    return xbar_fail(XBAR_EINVAL, "%s: %s[%zu] = %g: must be finite", fn, what, k, (double)x[k]);
}

xbar_status xbar_check_lr(const char *fn, float lr)
{
    if (lr >= 0.0f && lr <= FLT_MAX) return XBAR_OK; /* not NaN, not +inf */
    return xbar_fail(XBAR_EINVAL, "%s: learning rate %g: must be finite and >= 0", fn, (double)lr);
}
