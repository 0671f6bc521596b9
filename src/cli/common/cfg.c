/* cfg.c - table-driven INI configuration (see cfg.h). File parsing by inih. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include "cfg.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <ini.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "file_read.h"

/* ---------------------------------------------------------------- helpers */

static void seterr(char *err, size_t n, const char *fmt, ...)
{
    if (!err || !n) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, n, fmt, ap);
    va_end(ap);
}

static void *field(const cfg_key *k, void *obj) { return (char *)obj + k->offset; }
static const void *cfield(const cfg_key *k, const void *obj) { return (const char *)obj + k->offset; }

/* Copy s without leading/trailing blanks into buf (truncating); returns buf. */
static char *trim_copy(char *buf, size_t n, const char *s, size_t len)
{
    while (len && isspace((unsigned char)*s)) s++, len--;
    while (len && isspace((unsigned char)s[len - 1])) len--;
    if (len >= n) len = n - 1;
    memcpy(buf, s, len);
    buf[len] = 0;
    return buf;
}

static int list_cap(const cfg_key *k)
{
    return k->list_max > 0 && k->list_max < CFG_LIST_MAX ? k->list_max : CFG_LIST_MAX;
}

/* Longest line cfg_load_file reads (inih's buffer, less the newline and its '\r'). */
#define CFG_LINE_MAX (INI_MAX_LINE - 3)

/* A value is accepted only if cfg_write_ini can write it so that cfg_load_file reads
 * it back: its line "key = value" fits CFG_LINE_MAX, it is text of one line (UTF-8, no
 * control byte but tab: xbar_text_check), and a string has no ';' first or after a
 * blank (after the blank of " = ", inih reads the rest as a comment).
 * Otherwise -1 with the reason in err. */
static int check_writable(const cfg_key *k, const char *text, char *err, size_t n)
{
    size_t key = strlen(k->key) + 3, len = strlen(text), line;
    char why[XBAR_FILE_WHY_MAX];
    const char *cr = strpbrk(text, "\r\n");
    if (cr) return seterr(err, n, "control byte 0x%02x at column %zu (a config file is UTF-8 text)",
                          (unsigned)*cr, (size_t)(cr - text) + 1), -1;
    if (xbar_text_check(text, len, &line, why, sizeof why))
        return seterr(err, n, "%s (a config file is UTF-8 text)", why), -1;
    if (key + len > CFG_LINE_MAX)
        return seterr(err, n, "too long for a line of a config file (at most %zu characters)",
                      CFG_LINE_MAX > key ? (size_t)CFG_LINE_MAX - key : 0), -1;
    if (k->type == CFG_STRING)
        for (const char *p = strchr(text, ';'); p; p = strchr(p + 1, ';'))
            if (p == text || isspace((unsigned char)p[-1]))
                return seterr(err, n, "';' first or after a blank starts a comment in a config file"), -1;
    return 0;
}

/* ------------------------------------------------------------------ lookup */

const cfg_key *cfg_get_key(const cfg_key *tab, const char *section, const char *key)
{
    for (; tab->section; tab++)
        if (!strcmp(tab->section, section) && !strcmp(tab->key, key)) return tab;
    return NULL;
}

const cfg_key *cfg_find(const cfg_key *tab, const char *dotted)
{
    const char *dot = strchr(dotted, '.');
    if (!dot) return NULL;
    for (; tab->section; tab++) {
        size_t ls = strlen(tab->section);
        if (ls == (size_t)(dot - dotted) && !strncmp(tab->section, dotted, ls) &&
            !strcmp(tab->key, dot + 1))
            return tab;
    }
    return NULL;
}

/* " (keys of [sec]: a, b)" or " (sections: a, b)" to help with a typo. */
static void known_keys(const cfg_key *tab, const char *section, char *buf, size_t n)
{
    size_t len = 0;
    int have_sec = 0;
    for (const cfg_key *k = tab; k->section; k++) have_sec |= !strcmp(k->section, section);
    len += (size_t)snprintf(buf, n, have_sec ? " (keys of [%s]: " : " (sections: ", section);
    int first = 1;
    for (const cfg_key *k = tab; k->section && len < n; k++) {
        const char *name;
        if (have_sec) {
            if (strcmp(k->section, section)) continue;
            name = k->key;
        } else {
            const cfg_key *p = tab;
            while (p < k && strcmp(p->section, k->section)) p++;
            if (p != k) continue; /* section already listed */
            name = k->section;
        }
        len += (size_t)snprintf(buf + len, n - len, "%s%s", first ? "" : ", ", name);
        first = 0;
    }
    if (len < n) snprintf(buf + len, n - len, ")");
}

/* ------------------------------------------------------------------- rules */

void cfg_describe_rule(const cfg_key *k, char *buf, size_t n)
{
    buf[0] = 0;
    if (k->type == CFG_ENUM && k->choices) {
        size_t len = (size_t)snprintf(buf, n, "one of:");
        for (int i = 0; k->choices[i] && len < n; i++)
            len += (size_t)snprintf(buf + len, n - len, "%s %s", i ? "," : "", k->choices[i]);
        return;
    }
    if (k->type == CFG_BOOL || k->type == CFG_STRING) {
        if (k->flags & CFG_NONEMPTY) snprintf(buf, n, "not empty");
        return;
    }
    unsigned f = k->flags;
    int has_lo = (f & (CFG_MIN | CFG_MIN_EXCL | CFG_NONNEG | CFG_POS)) != 0;
    int lo_ex = (f & (CFG_MIN_EXCL | CFG_POS)) != 0;
    double lo = (f & (CFG_NONNEG | CFG_POS)) ? 0.0 : k->min;
    int has_hi = (f & (CFG_MAX | CFG_MAX_EXCL)) != 0;
    int hi_ex = (f & CFG_MAX_EXCL) != 0;
    if (has_lo && has_hi)
        snprintf(buf, n, "in %c%.9g, %.9g%c", lo_ex ? '(' : '[', lo, k->max, hi_ex ? ')' : ']');
    else if (has_lo)
        snprintf(buf, n, "%s %.9g", lo_ex ? ">" : ">=", lo);
    else if (has_hi)
        snprintf(buf, n, "%s %.9g", hi_ex ? "<" : "<=", k->max);
}

/* 0 if v satisfies the bounds of k, else -1 with "must be ..." in err. */
static int check_range(const cfg_key *k, double v, char *err, size_t n)
{
    unsigned f = k->flags;
    double lo = (f & (CFG_NONNEG | CFG_POS)) ? 0.0 : k->min;
    int ok = 1;
    if (f & (CFG_MIN_EXCL | CFG_POS)) ok &= v > lo;
    else if (f & (CFG_MIN | CFG_NONNEG)) ok &= v >= lo;
    if (f & CFG_MAX_EXCL) ok &= v < k->max;
    else if (f & CFG_MAX) ok &= v <= k->max;
    if (ok) return 0;
    char rule[128];
    cfg_describe_rule(k, rule, sizeof rule);
    seterr(err, n, "must be %s", rule);
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
static void format_list(const cfg_list *l, char *b, size_t n)
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

/* ----------------------------------------------------------------- parsing */

/* Finite double from the whole of s. */
static int parse_double(const char *s, double *out, char *err, size_t n)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end) return seterr(err, n, "not a number"), -1;
    if (errno == ERANGE && fabs(v) > 1.0) return seterr(err, n, "out of range"), -1;
    if (!isfinite(v)) return seterr(err, n, "must be a finite number"), -1;
    *out = v;
    return 0;
}

/* The float a text reads as (the same conversion when writing and reading). */
static int parse_float(const char *s, float *out, char *err, size_t n)
{
    double d;
    if (parse_double(s, &d, err, n)) return -1;
    if (fabs(d) > FLT_MAX) return seterr(err, n, "out of float range"), -1;
    *out = (float)d;
    return 0;
}

static int parse_int(const char *s, long long lo, long long hi, long long *out, char *err, size_t n)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end) return seterr(err, n, "not an integer"), -1;
    if (errno == ERANGE || v < lo || v > hi) return seterr(err, n, "integer out of range"), -1;
    *out = v;
    return 0;
}

static int parse_u64(const char *s, uint64_t *out, char *err, size_t n)
{
    char *end;
    if (!isdigit((unsigned char)s[s[0] == '+'])) return seterr(err, n, "not a non-negative integer"), -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end) return seterr(err, n, "not a non-negative integer"), -1;
    if (errno == ERANGE) return seterr(err, n, "integer out of range"), -1;
    *out = (uint64_t)v;
    return 0;
}

static int parse_bool(const char *s, int *out)
{
    static const char *const yes[] = { "true", "yes", "on", "1" }, *const no[] = { "false", "no", "off", "0" };
    for (int i = 0; i < 4; i++) {
        if (!strcmp(s, yes[i])) return *out = 1, 0;
        if (!strcmp(s, no[i])) return *out = 0, 0;
    }
    return -1;
}

static int parse_list(const cfg_key *k, const char *s, cfg_list *out, char *err, size_t n)
{
    cfg_list l = { 0 };
    const char *p = s;
    while (isspace((unsigned char)*p)) p++;
    while (*p) {
        size_t len = strcspn(p, ", \t");
        char tok[64];
        if (len == 0) return seterr(err, n, "empty list element"), -1;
        if (len >= sizeof tok) return seterr(err, n, "list element too long"), -1;
        memcpy(tok, p, len);
        tok[len] = 0;
        if (l.n == list_cap(k)) return seterr(err, n, "at most %d values", list_cap(k)), -1;
        double v;
        char why[128];
        if (parse_double(tok, &v, why, sizeof why))
            return seterr(err, n, "value %d '%s': %s", l.n + 1, tok, why), -1;
        if (check_range(k, v, why, sizeof why))
            return seterr(err, n, "each value %s (%s is not)", why, tok), -1;
        l.v[l.n++] = v;
        p += len;
        while (isspace((unsigned char)*p)) p++;
        if (*p == ',') {
            p++;
            while (isspace((unsigned char)*p)) p++;
            if (!*p) return seterr(err, n, "empty list element"), -1;
        }
    }
    if (l.n == 0 && (k->flags & CFG_NONEMPTY)) return seterr(err, n, "must not be empty"), -1;
    char text[1024];
    format_list(&l, text, sizeof text);
    if (check_writable(k, text, err, n)) return -1;
    *out = l;
    return 0;
}

int cfg_set_value(const cfg_key *k, void *obj, const char *value, char *err, size_t n)
{
    char s[1024];
    size_t len = strlen(value);
    if (len >= sizeof s) return seterr(err, n, "value too long"), -1;
    trim_copy(s, sizeof s, value, len);
    void *p = field(k, obj);
    switch (k->type) {
    case CFG_FLOAT: {
        float v;
        if (parse_float(s, &v, err, n) || check_range(k, v, err, n)) return -1;
        *(float *)p = v;
        return 0;
    }
    case CFG_DOUBLE: {
        double v;
        if (parse_double(s, &v, err, n) || check_range(k, v, err, n)) return -1;
        *(double *)p = v;
        return 0;
    }
    case CFG_INT: {
        long long v;
        if (parse_int(s, INT_MIN, INT_MAX, &v, err, n) || check_range(k, (double)v, err, n)) return -1;
        *(int *)p = (int)v;
        return 0;
    }
    case CFG_U64: {
        uint64_t v;
        if (parse_u64(s, &v, err, n) || check_range(k, (double)v, err, n)) return -1;
        *(uint64_t *)p = v;
        return 0;
    }
    case CFG_BOOL:
        if (parse_bool(s, (int *)p)) return seterr(err, n, "must be true or false"), -1;
        return 0;
    case CFG_STRING:
        if (!s[0] && (k->flags & CFG_NONEMPTY)) return seterr(err, n, "must not be empty"), -1;
        if (strlen(s) >= CFG_STR_MAX)
            return seterr(err, n, "too long (at most %d characters)", CFG_STR_MAX - 1), -1;
        if (check_writable(k, s, err, n)) return -1;
        memcpy(p, s, strlen(s) + 1);
        return 0;
    case CFG_ENUM:
        for (int i = 0; k->choices && k->choices[i]; i++)
            if (!strcmp(s, k->choices[i])) return *(int *)p = i, 0;
        {
            char rule[256];
            cfg_describe_rule(k, rule, sizeof rule);
            seterr(err, n, "must be %s", rule);
        }
        return -1;
    case CFG_FLOAT_LIST:
        return parse_list(k, s, (cfg_list *)p, err, n);
    }
    return seterr(err, n, "bad key type"), -1;
}

int cfg_set(const cfg_key *tab, void *obj, const char *as, char *err, size_t n)
{
    const char *eq = strchr(as, '=');
    const char *dot = eq ? memchr(as, '.', (size_t)(eq - as)) : NULL;
    if (!eq || !dot) return seterr(err, n, "--set %s: expected section.key=value", as), -1;
    char sec[128], key[128], why[512];
    trim_copy(sec, sizeof sec, as, (size_t)(dot - as));
    trim_copy(key, sizeof key, dot + 1, (size_t)(eq - dot - 1));
    const cfg_key *k = cfg_get_key(tab, sec, key);
    if (!k) {
        known_keys(tab, sec, why, sizeof why);
        return seterr(err, n, "--set %s: unknown key %s.%s%s", as, sec, key, why), -1;
    }
    if (cfg_set_value(k, obj, eq + 1, why, sizeof why)) return seterr(err, n, "--set %s: %s", as, why), -1;
    return 0;
}

/* ------------------------------------------------------------ file loading */

typedef struct {
    const cfg_key *tab;
    void *obj;
    const char *path;
    const char *text; /* the whole file, checked by xbar_text_check */
    size_t len, pos;  /* its length, the next line's offset */
    int line;         /* lines read so far (the line being parsed) */
    int indented;     /* current line starts with a blank          */
    int failed;       /* an error was recorded; stop reading       */
    int err_line;
    unsigned char *seen;
    char *err;
    size_t errlen;
} load_ctx;

static void load_fail(load_ctx *c, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    seterr(c->err, c->errlen, "%s:%d: %s", c->path, c->line, msg);
    c->failed = 1;
    c->err_line = c->line;
}

/* fgets over the text for inih: counts lines, refuses over-long ones (but a comment line
 * may be of any length: its end is dropped), stops after an error. */
static char *load_reader(char *str, int num, void *stream)
{
    load_ctx *c = stream;
    if (c->failed || c->pos >= c->len || num < 2) return NULL;
    const char *p = c->text + c->pos;
    const size_t avail = c->len - c->pos, room = (size_t)num - 1, k0 = avail < room ? avail : room;
    const char *nl = memchr(p, '\n', k0);
    const size_t k = nl ? (size_t)(nl - p) + 1 : k0;
    memcpy(str, p, k);
    str[k] = 0;
    c->pos += k;
    c->line++;
    if (!nl && c->pos < c->len) { /* the buffer is full: fits only if the newline is next */
        const char *first = str + strspn(str, " \t");
        if (*first == ';' || *first == '#') {
            const char *end = memchr(c->text + c->pos, '\n', c->len - c->pos);
            c->pos = end ? (size_t)(end - c->text) : c->len;
        } else if (c->text[c->pos] != '\n') {
            load_fail(c, "line too long (at most %d characters)", num - 3);
            return NULL;
        }
        c->pos += c->pos < c->len;
    }
    c->indented = str[0] == ' ' || str[0] == '\t';
    return str;
}

static int load_handler(void *user, const char *section, const char *name, const char *value)
{
    load_ctx *c = user;
    if (c->failed) return 0;
    if (!section[0]) return load_fail(c, "key %s is outside any [section]", name), 0;
    const cfg_key *k = cfg_get_key(c->tab, section, name);
    if (!k) {
        char why[512];
        known_keys(c->tab, section, why, sizeof why);
        return load_fail(c, "unknown key %s.%s%s", section, name, why), 0;
    }
    size_t i = (size_t)(k - c->tab);
    if (c->seen[i])
        return load_fail(c, "duplicate key %s.%s%s", section, name,
                         c->indented ? " (an indented line continues the previous key)" : ""), 0;
    c->seen[i] = 1;
    char why[512];
    if (c->obj && cfg_set_value(k, c->obj, value, why, sizeof why))
        return load_fail(c, "[%s] %s = %s: %s", section, name, value, why), 0;
    return 1;
}

/* cfg_load_file into obj, or (obj NULL) cfg_file_keys into seen_out. */
static int load_file(const cfg_key *tab, void *obj, unsigned char *seen_out, const char *path, char *err, size_t n)
{
    char *text, why[XBAR_FILE_WHY_MAX];
    size_t len, line;
    xbar_status st = xbar_file_read_all(path, CFG_FILE_MAX, "a config file", &text, &len, why, sizeof why);
    if (st == XBAR_EIO) return seterr(err, n, "cannot read config %s: %s", path, why), -1;
    if (st) return seterr(err, n, "%s: %s", path, why), -1;
    if (xbar_text_check(text, len, &line, why, sizeof why)) {
        free(text);
        return seterr(err, n, "%s:%zu: %s (a config file is UTF-8 text)", path, line, why), -1;
    }
    size_t nk = 0;
    while (tab[nk].section) nk++;
    load_ctx c = { .tab = tab, .obj = obj, .path = path, .text = text, .len = len, .err = err, .errlen = n };
    c.seen = calloc(nk + 1, 1);
    if (!c.seen) {
        free(text);
        return seterr(err, n, "out of memory reading %s", path), -1;
    }
    int rc = ini_parse_stream(load_reader, &c, load_handler, &c);
    free(text);
    if (seen_out) memcpy(seen_out, c.seen, nk);
    free(c.seen);
    if (rc == -2) return seterr(err, n, "out of memory reading %s", path), -1;
    if (rc > 0 && (!c.failed || rc < c.err_line))
        return seterr(err, n, "%s:%d: syntax error (expected [section] or key = value)", path, rc), -1;
    return c.failed ? -1 : 0;
}

int cfg_load_file(const cfg_key *tab, void *obj, const char *path, char *err, size_t n)
{
    return load_file(tab, obj, NULL, path, err, n);
}

int cfg_file_keys(const cfg_key *tab, const char *path, unsigned char *seen, char *err, size_t n)
{
    return load_file(tab, NULL, seen, path, err, n);
}

/* ----------------------------------------------------------------- writing */


void cfg_format_value(const cfg_key *k, const void *obj, char *b, size_t n)
{
    const void *p = cfield(k, obj);
    if (!n) return;
    b[0] = 0;
    switch (k->type) {
    case CFG_FLOAT: fmt_float(b, n, *(const float *)p); break;
    case CFG_DOUBLE: fmt_double(b, n, *(const double *)p); break;
    case CFG_INT: snprintf(b, n, "%d", *(const int *)p); break;
    case CFG_U64: snprintf(b, n, "%llu", (unsigned long long)*(const uint64_t *)p); break;
    case CFG_BOOL: snprintf(b, n, "%s", *(const int *)p ? "true" : "false"); break;
    case CFG_STRING: snprintf(b, n, "%s", (const char *)p); break;
    case CFG_ENUM: {
        int i = *(const int *)p, m = 0;
        while (k->choices && k->choices[m]) m++;
        snprintf(b, n, "%s", i >= 0 && i < m ? k->choices[i] : "?");
        break;
    }
    case CFG_FLOAT_LIST: format_list(p, b, n); break;
    }
}

/* "doc (rule)", "doc", "rule" or "". */
static void key_comment(const cfg_key *k, char *b, size_t n)
{
    char rule[256];
    cfg_describe_rule(k, rule, sizeof rule);
    const char *doc = k->doc ? k->doc : "";
    if (doc[0] && rule[0]) snprintf(b, n, "%s (%s)", doc, rule);
    else snprintf(b, n, "%s%s", doc, rule);
}

int cfg_write_ini_if(const cfg_key *tab, const void *obj, FILE *f, cfg_used_fn *used)
{
    char val[1024], com[512], why[256];
    int first = 1;
    for (const cfg_key *s = tab; s->section; s++) {
        const cfg_key *p = tab;
        while (p < s && strcmp(p->section, s->section)) p++;
        if (p != s) continue; /* section already written */
        fprintf(f, "%s[%s]\n", first ? "" : "\n", s->section);
        first = 0;
        for (const cfg_key *k = s; k->section; k++) {
            if (strcmp(k->section, s->section)) continue;
            key_comment(k, com, sizeof com);
            if (com[0]) fprintf(f, "; %s\n", com);
            cfg_format_value(k, obj, val, sizeof val);
            why[0] = 0;
            if (!used || used(k, obj, why, sizeof why)) fprintf(f, "%s = %s\n", k->key, val);
            else fprintf(f, "; [%s: giving it is refused]\n; %s = %s\n", why[0] ? why : "not used", k->key, val);
        }
    }
    return ferror(f) ? -1 : 0;
}

int cfg_write_ini(const cfg_key *tab, const void *obj, FILE *f) { return cfg_write_ini_if(tab, obj, f, NULL); }

void cfg_print_help(const cfg_key *tab, const void *obj, FILE *f)
{
    char name[160], val[1024], com[512];
    for (const cfg_key *k = tab; k->section; k++) {
        snprintf(name, sizeof name, "%s.%s", k->section, k->key);
        cfg_format_value(k, obj, val, sizeof val);
        key_comment(k, com, sizeof com);
        fprintf(f, "  %-24s = %-10s  %s\n", name, val, com);
    }
}
