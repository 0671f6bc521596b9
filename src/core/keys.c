/* keys.c - reading and writing the values of parameter keys (xbar.h, "Key/value
 * configuration"), and assignments "section.key=value" over the sections of a struct
 * (keys_internal.h). */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file_read.h"
#include "text.h"
#include "internal.h"
#include "keys_internal.h"

/* ---------------------------------------------------------------- helpers */

static int list_cap(const xbar_key *k)
{
    return k->list_max > 0 && k->list_max < XBAR_KEY_LIST_MAX ? k->list_max : XBAR_KEY_LIST_MAX;
}

/* A value is accepted only if a config file can hold it so that it reads back: its line
 * "key = value" fits XBAR_KEY_LINE_MAX, it is text of one line (UTF-8, no control byte
 * but tab: xbar_text_check), and a string has no ';' first or after a blank (after the
 * blank of " = ", an INI reader reads the rest as a comment). Otherwise -1 with err. */
static int check_writable(const xbar_key *k, const char *text, char *err, size_t n)
{
    size_t key = strlen(k->key) + 3, len = strlen(text), line;
    char why[XBAR_FILE_WHY_MAX];
    const char *cr = strpbrk(text, "\r\n");
    if (cr)
        return xbar_text_err(err, n, "control byte 0x%02x at column %zu (a config file is UTF-8 text)", (unsigned)*cr,
                      (size_t)(cr - text) + 1), -1;
    if (xbar_text_check(text, len, &line, why, sizeof why))
        return xbar_text_err(err, n, "%s (a config file is UTF-8 text)", why), -1;
    if (key + len > XBAR_KEY_LINE_MAX)
        return xbar_text_err(err, n, "too long for a line of a config file (at most %zu characters)",
                      XBAR_KEY_LINE_MAX > key ? (size_t)XBAR_KEY_LINE_MAX - key : 0), -1;
    if (k->type == XBAR_KEY_STRING)
        for (const char *p = strchr(text, ';'); p; p = strchr(p + 1, ';'))
            if (p == text || isspace((unsigned char)p[-1]))
                return xbar_text_err(err, n, "';' first or after a blank starts a comment in a config file"), -1;
    return 0;
}

/* ------------------------------------------------------------------ lookup */

const xbar_key *xbar_key_find(const xbar_key *tab, const char *section, const char *key)
{
    XBAR_NONNULL_OR(NULL, tab);
    XBAR_NONNULL_OR(NULL, section);
    XBAR_NONNULL_OR(NULL, key);
    for (; tab->section; tab++)
        if (!strcmp(tab->section, section) && !strcmp(tab->key, key)) return tab;
    return NULL;
}

/* ------------------------------------------------------------------- rules */

void xbar_key_rule(const xbar_key *k, char *buf, size_t n)
{
    XBAR_NONNULL_VOID(k);
    XBAR_NONNULL_VOID(buf);
    if (!n) return;
    buf[0] = 0;
    if (k->type == XBAR_KEY_ENUM && k->choices) {
        size_t len = (size_t)snprintf(buf, n, "one of:");
        for (int i = 0; k->choices[i] && len < n; i++)
            len += (size_t)snprintf(buf + len, n - len, "%s %s", i ? "," : "", k->choices[i]);
        return;
    }
    if (k->type == XBAR_KEY_BOOL || k->type == XBAR_KEY_STRING) {
        if (k->flags & XBAR_KEY_NONEMPTY) snprintf(buf, n, "not empty");
        return;
    }
    unsigned f = k->flags;
    int has_lo = (f & (XBAR_KEY_MIN | XBAR_KEY_MIN_EXCL | XBAR_KEY_NONNEG | XBAR_KEY_POS)) != 0;
    int lo_ex = (f & (XBAR_KEY_MIN_EXCL | XBAR_KEY_POS)) != 0;
    double lo = (f & (XBAR_KEY_NONNEG | XBAR_KEY_POS)) ? 0.0 : k->min;
    int has_hi = (f & (XBAR_KEY_MAX | XBAR_KEY_MAX_EXCL)) != 0;
    int hi_ex = (f & XBAR_KEY_MAX_EXCL) != 0;
    if (has_lo && has_hi)
        snprintf(buf, n, "in %c%.9g, %.9g%c", lo_ex ? '(' : '[', lo, k->max, hi_ex ? ')' : ']');
    else if (has_lo)
        snprintf(buf, n, "%s %.9g", lo_ex ? ">" : ">=", lo);
    else if (has_hi)
        snprintf(buf, n, "%s %.9g", hi_ex ? "<" : "<=", k->max);
}

/* 0 if v satisfies the bounds of k, else -1 with "must be ..." in err. */
static int check_range(const xbar_key *k, double v, char *err, size_t n)
{
    unsigned f = k->flags;
    double lo = (f & (XBAR_KEY_NONNEG | XBAR_KEY_POS)) ? 0.0 : k->min;
    int ok = 1;
    if (f & (XBAR_KEY_MIN_EXCL | XBAR_KEY_POS)) ok &= v > lo;
    else if (f & (XBAR_KEY_MIN | XBAR_KEY_NONNEG)) ok &= v >= lo;
    if (f & XBAR_KEY_MAX_EXCL) ok &= v < k->max;
    else if (f & XBAR_KEY_MAX) ok &= v <= k->max;
    if (ok) return 0;
    char rule[128];
    xbar_key_rule(k, rule, sizeof rule);
    xbar_text_err(err, n, "must be %s", rule);
    return -1;
}

/* -------------------------------------------------------------- formatting */

/* Shortest %g form that reads back to exactly v. */
static void fmt_double(char *b, size_t n, double v)
{
    for (int p = 1; p <= 17; p++) {
        snprintf(b, n, "%.*g", p, v);
        if (strtod(b, NULL) == v) return;
    }
}

static void fmt_float(char *b, size_t n, float v)
{
    for (int p = 1; p <= 9; p++) {
        snprintf(b, n, "%.*g", p, (double)v);
        if ((float)strtod(b, NULL) == v) return;
    }
}

/* "v0, v1, ..." in the shortest exact forms, truncated to n. */
static void format_list(const xbar_key_list *l, char *b, size_t n)
{
    size_t len = 0;
    b[0] = 0;
    for (int i = 0; i < l->n; i++) {
        if (i) len += (size_t)snprintf(b + len, n - len, ", ");
        if (len + 1 >= n) break;
        fmt_double(b + len, n - len, l->v[i]);
        len += strlen(b + len);
    }
}

void xbar_key_format(const xbar_key *k, const void *obj, char *b, size_t n)
{
    XBAR_NONNULL_VOID(k);
    XBAR_NONNULL_VOID(obj);
    XBAR_NONNULL_VOID(b);
    const void *p = (const char *)obj + k->offset;
    if (!n) return;
    b[0] = 0;
    switch (k->type) {
    case XBAR_KEY_FLOAT: fmt_float(b, n, *(const float *)p); break;
    case XBAR_KEY_DOUBLE: fmt_double(b, n, *(const double *)p); break;
    case XBAR_KEY_INT: snprintf(b, n, "%d", *(const int *)p); break;
    case XBAR_KEY_U64: snprintf(b, n, "%llu", (unsigned long long)*(const uint64_t *)p); break;
    case XBAR_KEY_BOOL: snprintf(b, n, "%s", *(const int *)p ? "true" : "false"); break;
    case XBAR_KEY_STRING: snprintf(b, n, "%s", (const char *)p); break;
    case XBAR_KEY_ENUM: {
        int i = *(const int *)p, m = 0;
        while (k->choices && k->choices[m]) m++;
        snprintf(b, n, "%s", i >= 0 && i < m ? k->choices[i] : "?");
        break;
    }
    case XBAR_KEY_FLOAT_LIST: format_list(p, b, n); break;
    }
}

/* ----------------------------------------------------------------- parsing */

/* Finite double from the whole of s. */
static int parse_double(const char *s, double *out, char *err, size_t n)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end) return xbar_text_err(err, n, "not a number"), -1;
    if (errno == ERANGE && fabs(v) > 1.0) return xbar_text_err(err, n, "out of range"), -1;
    if (!isfinite(v)) return xbar_text_err(err, n, "must be a finite number"), -1;
    *out = v;
    return 0;
}

/* The float a text reads as (the same conversion when writing and reading). */
static int parse_float(const char *s, float *out, char *err, size_t n)
{
    double d;
    if (parse_double(s, &d, err, n)) return -1;
    if (fabs(d) > FLT_MAX) return xbar_text_err(err, n, "out of float range"), -1;
    *out = (float)d;
    return 0;
}

static int parse_int(const char *s, long long lo, long long hi, long long *out, char *err, size_t n)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end) return xbar_text_err(err, n, "not an integer"), -1;
    if (errno == ERANGE || v < lo || v > hi) return xbar_text_err(err, n, "integer out of range"), -1;
    *out = v;
    return 0;
}

static int parse_u64(const char *s, uint64_t *out, char *err, size_t n)
{
    char *end;
    if (!isdigit((unsigned char)s[s[0] == '+'])) return xbar_text_err(err, n, "not a non-negative integer"), -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end) return xbar_text_err(err, n, "not a non-negative integer"), -1;
    if (errno == ERANGE) return xbar_text_err(err, n, "integer out of range"), -1;
    *out = (uint64_t)v;
    return 0;
}

static int parse_bool(const char *s, int *out)
{
    static const char *const yes[] = {"true", "yes", "on", "1"}, *const no[] = {"false", "no", "off", "0"};
    for (int i = 0; i < 4; i++) {
        if (!strcmp(s, yes[i])) return *out = 1, 0;
        if (!strcmp(s, no[i])) return *out = 0, 0;
    }
    return -1;
}

static int parse_list(const xbar_key *k, const char *s, xbar_key_list *out, char *err, size_t n)
{
    xbar_key_list l = {0};
    const char *p = s;
    while (isspace((unsigned char)*p)) p++;
    while (*p) {
        size_t len = strcspn(p, ", \t");
        char tok[64];
        if (len == 0) return xbar_text_err(err, n, "empty list element"), -1;
        if (len >= sizeof tok) return xbar_text_err(err, n, "list element too long"), -1;
        memcpy(tok, p, len);
        tok[len] = 0;
        if (l.n == list_cap(k)) return xbar_text_err(err, n, "at most %d values", list_cap(k)), -1;
        double v;
        char why[128];
        if (parse_double(tok, &v, why, sizeof why)) return xbar_text_err(err, n, "value %d '%s': %s", l.n + 1, tok, why), -1;
        if (check_range(k, v, why, sizeof why)) return xbar_text_err(err, n, "each value %s (%s is not)", why, tok), -1;
        l.v[l.n++] = v;
        p += len;
        while (isspace((unsigned char)*p)) p++;
        if (*p == ',') {
            p++;
            while (isspace((unsigned char)*p)) p++;
            if (!*p) return xbar_text_err(err, n, "empty list element"), -1;
        }
    }
    if (l.n == 0 && (k->flags & XBAR_KEY_NONEMPTY)) return xbar_text_err(err, n, "must not be empty"), -1;
    char text[1024];
    format_list(&l, text, sizeof text);
    if (check_writable(k, text, err, n)) return -1;
    *out = l;
    return 0;
}

/* xbar_key_set with the reason in err instead of xbar_last_error(). */
static int set_value(const xbar_key *k, void *obj, const char *value, char *err, size_t n)
{
    char s[1024];
    size_t len = strlen(value);
    if (len >= sizeof s) return xbar_text_err(err, n, "value too long"), -1;
    xbar_text_trim(s, sizeof s, value, len);
    void *p = (char *)obj + k->offset;
    switch (k->type) {
    case XBAR_KEY_FLOAT: {
        float v;
        if (parse_float(s, &v, err, n) || check_range(k, v, err, n)) return -1;
        *(float *)p = v;
        return 0;
    }
    case XBAR_KEY_DOUBLE: {
        double v;
        if (parse_double(s, &v, err, n) || check_range(k, v, err, n)) return -1;
        *(double *)p = v;
        return 0;
    }
    case XBAR_KEY_INT: {
        long long v;
        if (parse_int(s, INT_MIN, INT_MAX, &v, err, n) || check_range(k, (double)v, err, n)) return -1;
        *(int *)p = (int)v;
        return 0;
    }
    case XBAR_KEY_U64: {
        uint64_t v;
        if (parse_u64(s, &v, err, n) || check_range(k, (double)v, err, n)) return -1;
        *(uint64_t *)p = v;
        return 0;
    }
    case XBAR_KEY_BOOL:
        if (parse_bool(s, (int *)p)) return xbar_text_err(err, n, "must be true or false"), -1;
        return 0;
    case XBAR_KEY_STRING:
        if (!s[0] && (k->flags & XBAR_KEY_NONEMPTY)) return xbar_text_err(err, n, "must not be empty"), -1;
        if (strlen(s) >= XBAR_KEY_STR_MAX)
            return xbar_text_err(err, n, "too long (at most %d characters)", XBAR_KEY_STR_MAX - 1), -1;
        if (check_writable(k, s, err, n)) return -1;
        memcpy(p, s, strlen(s) + 1);
        return 0;
    case XBAR_KEY_ENUM:
        for (int i = 0; k->choices && k->choices[i]; i++)
            if (!strcmp(s, k->choices[i])) return *(int *)p = i, 0;
        {
            char rule[256];
            xbar_key_rule(k, rule, sizeof rule);
            xbar_text_err(err, n, "must be %s", rule);
        }
        return -1;
    case XBAR_KEY_FLOAT_LIST: return parse_list(k, s, (xbar_key_list *)p, err, n);
    }
    return xbar_text_err(err, n, "bad key type"), -1;
}

xbar_status xbar_key_set(const xbar_key *k, void *obj, const char *value)
{
    XBAR_NONNULL(k);
    XBAR_NONNULL(obj);
    XBAR_NONNULL(value);
    char why[512];
    if (set_value(k, obj, value, why, sizeof why)) return xbar_fail(XBAR_EINVAL, "%s", why);
    return XBAR_OK;
}

/* ------------------------------------------------------ assignments over parts */

/* The part holding section sec (NULL if none). */
static const xbar_key_part *find_part(const xbar_key_part *parts, size_t np, const char *sec)
{
    for (size_t i = 0; i < np; i++)
        if (!strcmp(parts[i].section, sec)) return &parts[i];
    return NULL;
}

/* Row `key` of part p (NULL if none). */
static const xbar_key *part_row(const xbar_key_part *p, const char *key)
{
    for (size_t i = 0; p->rows[i].section && (!p->count || i < p->count); i++)
        if (!strcmp(p->rows[i].key, key)) return &p->rows[i];
    return NULL;
}

/* " (keys of [sec]: a, b)" or " (sections: a, b)" to help with a typo. */
static void known_keys(const xbar_key_part *parts, size_t np, const char *sec, char *buf, size_t n)
{
    const xbar_key_part *p = find_part(parts, np, sec);
    size_t len = (size_t)snprintf(buf, n, p ? " (keys of [%s]: " : " (sections: ", sec);
    if (p)
        for (size_t i = 0; p->rows[i].section && (!p->count || i < p->count) && len < n; i++)
            len += (size_t)snprintf(buf + len, n - len, "%s%s", i ? ", " : "", p->rows[i].key);
    else
        for (size_t i = 0; i < np && len < n; i++)
            len += (size_t)snprintf(buf + len, n - len, "%s%s", i ? ", " : "", parts[i].section);
    if (len < n) snprintf(buf + len, n - len, ")");
}

xbar_status xbar_key_assign(const xbar_key_part *parts, size_t np, void *obj, const char *as)
{
    XBAR_NONNULL(as);
    const char *eq = strchr(as, '=');
    const char *dot = eq ? memchr(as, '.', (size_t)(eq - as)) : NULL;
    if (!eq || !dot) return xbar_fail(XBAR_EINVAL, "'%s': expected section.key=value", as);
    char sec[128], key[128], val[256], why[400];
    xbar_text_trim(sec, sizeof sec, as, (size_t)(dot - as));
    xbar_text_trim(key, sizeof key, dot + 1, (size_t)(eq - dot - 1));
    xbar_text_trim(val, sizeof val, eq + 1, strlen(eq + 1));
    const xbar_key_part *p = find_part(parts, np, sec);
    const xbar_key *k = p ? part_row(p, key) : NULL;
    if (!k) {
        known_keys(parts, np, sec, why, sizeof why);
        return xbar_fail(XBAR_EINVAL, "%s.%s = %s: unknown key%s", sec, key, val, why);
    }
    if (set_value(k, (char *)obj + p->base, eq + 1, why, sizeof why))
        return xbar_fail(XBAR_EINVAL, "%s.%s = %s: %s", sec, key, val, why);
    return XBAR_OK;
}

xbar_status xbar_key_lookup(const xbar_key_part *parts, size_t np, const void *obj, const char *key, char *buf,
                            size_t cap, const char *who)
{
    XBAR_NONNULL(key);
    XBAR_NONNULL(buf);
    const char *dot = strchr(key, '.');
    char sec[128];
    if (dot && (size_t)(dot - key) < sizeof sec) {
        memcpy(sec, key, (size_t)(dot - key));
        sec[dot - key] = '\0';
        const xbar_key_part *p = find_part(parts, np, sec);
        const xbar_key *k = p ? part_row(p, dot + 1) : NULL;
        if (k) {
            xbar_key_format(k, (const char *)obj + p->base, buf, cap);
            return XBAR_OK;
        }
    }
    return xbar_fail(XBAR_EINVAL, "%s: %s: unknown key", who, key);
}
