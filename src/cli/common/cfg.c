/* cfg.c - table-driven INI configuration (see cfg.h): reading and writing files (inih), --set;
 * the values themselves are read and written by the library (xbar_key_set, xbar_key_format). */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include "cfg.h"

#include <ctype.h>
#include <ini.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "file_read.h"
#include "roff.h"
#include "text.h"

/* ---------------------------------------------------------------- helpers */

/* The values the library accepts (xbar_key_set) fit a line that cfg_load_file reads
 * (inih's buffer, less the newline, its '\r' and the terminator). */
_Static_assert(INI_MAX_LINE - 3 == XBAR_KEY_LINE_MAX, "XBAR_KEY_LINE_MAX is not inih's line limit");

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

/* ----------------------------------------------------- values (xbar_key_*) */

void cfg_describe_rule(const cfg_key *k, char *buf, size_t n) { xbar_key_rule(k, buf, n); }

int cfg_set_value(const cfg_key *k, void *obj, const char *value, char *err, size_t n)
{
    if (xbar_key_set(k, obj, value)) return xbar_text_err(err, n, "%s", xbar_last_error()), -1;
    return 0;
}

int cfg_set(const cfg_key *tab, void *obj, const char *as, char *err, size_t n)
{
    const char *eq = strchr(as, '=');
    const char *dot = eq ? memchr(as, '.', (size_t)(eq - as)) : NULL;
    if (!eq || !dot) return xbar_text_err(err, n, "--set %s: expected section.key=value", as), -1;
    char sec[128], key[128], why[512];
    xbar_text_trim(sec, sizeof sec, as, (size_t)(dot - as));
    xbar_text_trim(key, sizeof key, dot + 1, (size_t)(eq - dot - 1));
    const cfg_key *k = cfg_get_key(tab, sec, key);
    if (!k) {
        known_keys(tab, sec, why, sizeof why);
        return xbar_text_err(err, n, "--set %s: unknown key %s.%s%s", as, sec, key, why), -1;
    }
    if (cfg_set_value(k, obj, eq + 1, why, sizeof why)) return xbar_text_err(err, n, "--set %s: %s", as, why), -1;
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
    xbar_text_err(c->err, c->errlen, "%s:%d: %s", c->path, c->line, msg);
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
    if (st == XBAR_EIO) return xbar_text_err(err, n, "cannot read config %s: %s", path, why), -1;
    if (st) return xbar_text_err(err, n, "%s: %s", path, why), -1;
    if (xbar_text_check(text, len, &line, why, sizeof why)) {
        free(text);
        return xbar_text_err(err, n, "%s:%zu: %s (a config file is UTF-8 text)", path, line, why), -1;
    }
    size_t nk = 0;
    while (tab[nk].section) nk++;
    load_ctx c = { .tab = tab, .obj = obj, .path = path, .text = text, .len = len, .err = err, .errlen = n };
    c.seen = calloc(nk + 1, 1);
    if (!c.seen) {
        free(text);
        return xbar_text_err(err, n, "out of memory reading %s", path), -1;
    }
    int rc = ini_parse_stream(load_reader, &c, load_handler, &c);
    free(text);
    if (seen_out) memcpy(seen_out, c.seen, nk);
    free(c.seen);
    if (rc == -2) return xbar_text_err(err, n, "out of memory reading %s", path), -1;
    if (rc > 0 && (!c.failed || rc < c.err_line))
        return xbar_text_err(err, n, "%s:%d: syntax error (expected [section] or key = value)", path, rc), -1;
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


void cfg_format_value(const cfg_key *k, const void *obj, char *b, size_t n) { xbar_key_format(k, obj, b, n); }

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

void cfg_print_roff(const cfg_key *tab, const void *obj, FILE *f)
{
    char name[160], val[1024], com[512], eq[1040];
    for (const cfg_key *k = tab; k->section; k++) {
        snprintf(name, sizeof name, "%s.%s", k->section, k->key);
        cfg_format_value(k, obj, val, sizeof val);
        key_comment(k, com, sizeof com);
        snprintf(eq, sizeof eq, " = %s", val[0] ? val : "\"\"");
        roff_item(f, name, NULL, eq, com);
    }
}
