/* text.h - two small string helpers shared by the library's key engine (src/core/keys.c)
 * and the program's INI reader (src/cli/common/cfg.c, hw_keys.c). Header-only. */
#ifndef XBAR_UTIL_TEXT_H
#define XBAR_UTIL_TEXT_H

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/** printf into err[0..n) (nothing when err is NULL or n is 0). */
static inline void xbar_text_err(char *err, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static inline void xbar_text_err(char *err, size_t n, const char *fmt, ...)
{
    if (!err || !n) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, n, fmt, ap);
    va_end(ap);
}

/** Copy s[0..len) without leading / trailing blanks into buf (n > 0 bytes, truncating);
 *  returns buf. */
static inline char *xbar_text_trim(char *buf, size_t n, const char *s, size_t len)
{
    while (len && isspace((unsigned char)*s)) s++, len--;
    while (len && isspace((unsigned char)s[len - 1])) len--;
    if (len >= n) len = n - 1;
    memcpy(buf, s, len);
    buf[len] = 0;
    return buf;
}

#endif
