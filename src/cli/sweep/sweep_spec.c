/* sweep_spec.c - the sweep file, its axes and points, and the two commands a point runs
 * (see sweep_spec.h). */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "args.h"
#include "file_read.h"
#include "outdir.h"
#include "text.h"
#include "lsq_exec.h"
#include "sweep_spec.h"
#include "train_data.h"
#include "train_exec.h"
#include "train_mem.h"

/* ------------------------------------------------------------ the commands */

struct sweep_target {
    const char *name;
    const cfg_key *(*keys)(void);
    size_t size;
    void (*defaults)(void *obj);
    const char *seed_key;
    cfg_used_fn *uses;
    /* every check before computing; given: the keys set explicitly ("section.key") */
    int (*check)(const void *obj, const char *const *given, int ngiven, char *err, size_t n);
    int (*run)(const void *obj, const char *out, char *err, size_t n);
};

static void lsq_defaults(void *obj) { *(lsq_cfg *)obj = lsq_cfg_defaults(); }

static int lsq_check(const void *obj, const char *const *given, int ngiven, char *err, size_t n)
{
    if (lsq_cfg_check_given(obj, NULL, given, ngiven, err, n)) return -1;
    lsq_curve *cv = malloc(LSQ_MAX_CURVES * sizeof *cv);
    if (!cv) return snprintf(err, n, "out of memory"), -1;
    const int nc = lsq_cfg_curves(obj, cv, LSQ_MAX_CURVES, err, n);
    free(cv);
    return nc < 0 ? -1 : 0;
}

static int lsq_run(const void *obj, const char *out, char *err, size_t n)
{
    return lsq_execute(obj, out, 0, 1, NULL, err, n);
}

static void train_defaults(void *obj) { *(train_cfg *)obj = train_cfg_defaults(); }

static int train_check(const void *obj, const char *const *given, int ngiven, char *err, size_t n)
{
    const train_cfg *c = obj;
    if (train_cfg_check_given(c, NULL, given, ngiven, err, n)) return -1;
    xbar_layer_spec specs[TRAIN_MAX_LAYERS];
    const int nl = train_cfg_layers(c, specs, TRAIN_MAX_LAYERS, err, n);
    if (nl < 0) return -1;
    train_data_shape d;
    if (train_data_peek(train_data_dir(c), c->train_limit, c->test_limit, &d)) {
        train_split tr, te; /* the loader names what is wrong */
        memset(&tr, 0, sizeof tr), memset(&te, 0, sizeof te);
        if (train_data_load(&tr, &te, train_data_dir(c), c->train_limit, c->test_limit, err, n) == 0) {
            d = (train_data_shape){tr.n, te.n, tr.rows, tr.cols};
            train_split_free(&tr), train_split_free(&te);
        } else {
            return -1;
        }
    }
    return train_mem_check(c, specs, nl, &d, NULL, NULL, NULL, err, n);
}

static int train_run(const void *obj, const char *out, char *err, size_t n)
{
    char run[OUT_PATH_MAX + 16];
    struct stat st;
    /* an interrupted run of this point (OUT.run/): continue it, bit-identically */
    const int resume = !train_run_dir(out, run, sizeof run - 12) && strcat(run, "/config.ini") && stat(run, &st) == 0;
    train_opts opt = {.force = 0, .quiet = 1, .resume = resume, .stop_after = 0};
    return train_execute(obj, out, &opt, NULL, err, n);
}

static const sweep_target targets[] = {
    {"lsq", lsq_keys, sizeof(lsq_cfg), lsq_defaults, "lsq.seed", lsq_cfg_uses, lsq_check, lsq_run},
    {"train", train_keys, sizeof(train_cfg), train_defaults, "train.seed", train_cfg_uses, train_check, train_run},
};
#define NTARGETS ((int)(sizeof targets / sizeof *targets))

const char *sweep_command_name(const sweep_spec *s) { return s->target->name; }

/* ------------------------------------------------------------------ lines */

typedef struct {
    char *text;
    size_t len, pos;
    int line;
} line_reader;

/* The next line (NUL-terminated in place, CR dropped), or NULL at the end. */
static char *next_line(line_reader *r)
{
    if (r->pos >= r->len) return NULL;
    char *s = r->text + r->pos, *nl = memchr(s, '\n', r->len - r->pos);
    if (nl) *nl = 0, r->pos = (size_t)(nl - r->text) + 1;
    else r->pos = r->len;
    size_t k = strlen(s);
    if (k && s[k - 1] == '\r') s[k - 1] = 0;
    r->line++;
    return s;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s)) s++;
    size_t k = strlen(s);
    while (k && isspace((unsigned char)s[k - 1])) s[--k] = 0;
    return s;
}

/* Cut an inline comment (';' after a blank), as the INI reader of --config does. */
static void cut_comment(char *v)
{
    for (char *p = v; *p; p++)
        if (*p == ';' && p > v && isspace((unsigned char)p[-1])) {
            *p = 0;
            break;
        }
}

/* ------------------------------------------------------------------- axes */


/* Split s at `sep` outside double quotes into parts (pointers into s, modified). */
static int split_quoted(char *s, char sep, char **part, int max)
{
    int np = 0, q = 0;
    part[np++] = s;
    for (char *p = s; *p; p++) {
        if (*p == '"') q = !q;
        else if (*p == sep && !q) {
            *p = 0;
            if (np == max) return -1;
            part[np++] = p + 1;
        }
    }
    return np;
}

static int parse_i64(const char *s, long long *v)
{
    char *end;
    errno = 0;
    if (!*s) return -1;
    *v = strtoll(s, &end, 10);
    return *end || errno == ERANGE || !(isdigit((unsigned char)*s) || *s == '-' || *s == '+') ? -1 : 0;
}

static int add_value(sweep_key *k, const char *v, int *cap)
{
    if (k->nval == *cap) {
        int nc = *cap ? 2 * *cap : 8;
        char **nv = realloc(k->val, (size_t)nc * sizeof *nv);
        if (!nv) return -1;
        k->val = nv, *cap = nc;
    }
    if (!(k->val[k->nval] = strdup(v))) return -1;
    k->nval++;
    return 0;
}

/* One "KEY: v1, v2, A..B" item of a grid or zip line into a new key of s on axis `axis`. */
static int parse_item(sweep_spec *s, char *item, int axis, const char *what, int line, char *err, size_t n)
{
    char *colon = strchr(item, ':');
    char *raw = trim(item);
    if (!colon || colon == raw)
        return cli_errf(err, n, "%s:%d: sweep.%s: '%s': expected KEY: VALUE, VALUE, ... (or A..B)", s->path, line, what,
                    raw);
    *colon = 0;
    char *key = trim(raw), *vals = trim(colon + 1);
    const cfg_key *tab = s->target->keys();
    const char *full = !strcmp(key, "seed") ? s->target->seed_key : key;
    const cfg_key *row = cfg_find(tab, full);
    if (!row) return cli_errf(err, n, "%s:%d: sweep.%s: unknown key %s (a key of xbar %s, or seed)", s->path, line, what,
                          key, s->target->name);
    if (!strncmp(full, "sweep.", 6) || !strcmp(full, "lsq.sweep_key") || !strcmp(full, "lsq.preset"))
        return cli_errf(err, n, "%s:%d: sweep.%s: %s cannot be swept", s->path, line, what, key);
    for (int j = 0; j < s->nkeys; j++)
        if (s->key[j].row == row)
            return cli_errf(err, n, "%s:%d: sweep.%s: %s is swept twice (it is already an axis)", s->path, line, what, key);
    if (s->nkeys == SWEEP_MAX_KEYS) return cli_errf(err, n, "%s:%d: more than %d swept keys", s->path, line, SWEEP_MAX_KEYS);
    sweep_key *k = &s->key[s->nkeys++];
    memset(k, 0, sizeof *k);
    snprintf(k->key, sizeof k->key, "%s", key);
    k->row = row;
    k->axis = axis;
    if (row == cfg_find(tab, s->target->seed_key)) s->seed_swept = 1;
    if (!*vals) return cli_errf(err, n, "%s:%d: sweep.%s: %s has no values", s->path, line, what, key);
    char *tok[SWEEP_MAX_VALUES];
    int nt = split_quoted(vals, ',', tok, SWEEP_MAX_VALUES), cap = 0;
    if (nt < 0) return cli_errf(err, n, "%s:%d: sweep.%s: %s: more than %d values", s->path, line, what, key,
                            SWEEP_MAX_VALUES);
    void *scratch = malloc(s->target->size);
    if (!scratch) return cli_errf(err, n, "out of memory");
    s->target->defaults(scratch);
    int rc = 0;
    for (int t = 0; t < nt && !rc; t++) {
        char *v = trim(tok[t]), *dots = strstr(v, "..");
        size_t lv = strlen(v);
        long long a = 0, b = -1;
        if (lv >= 2 && v[0] == '"' && v[lv - 1] == '"') {
            v[lv - 1] = 0, v++;
            if (strchr(v, '"')) rc = cli_errf(err, n, "%s:%d: sweep.%s: %s: value \"%s\": a quote inside quotes", s->path,
                                          line, what, key, v);
            else if (add_value(k, v, &cap)) rc = cli_errf(err, n, "out of memory");
        } else if (!*v) {
            rc = cli_errf(err, n, "%s:%d: sweep.%s: %s: an empty value (values are a comma list)", s->path, line, what, key);
        } else if (strchr(v, '"')) {
            rc = cli_errf(err, n, "%s:%d: sweep.%s: %s: value %s: unbalanced quotes (quote a whole value: \"a,b\")",
                      s->path, line, what, key, v);
        } else if (dots) {
            *dots = 0;
            if (parse_i64(trim(v), &a) || parse_i64(trim(dots + 2), &b) || a > b)
                rc = cli_errf(err, n, "%s:%d: sweep.%s: %s: range %s..%s: expected A..B, integers A <= B", s->path, line,
                          what, key, trim(v), trim(dots + 2));
            else if (b - a >= SWEEP_MAX_VALUES || k->nval + (b - a) >= SWEEP_MAX_VALUES)
                rc = cli_errf(err, n, "%s:%d: sweep.%s: %s: range %lld..%lld: more than %d values", s->path, line, what,
                          key, a, b, SWEEP_MAX_VALUES);
            for (long long x = a; !rc && x <= b; x++) {
                char num[32];
                snprintf(num, sizeof num, "%lld", x);
                if (add_value(k, num, &cap)) rc = cli_errf(err, n, "out of memory");
            }
        } else if (add_value(k, v, &cap)) {
            rc = cli_errf(err, n, "out of memory");
        }
        if (!rc && k->nval > SWEEP_MAX_VALUES)
            rc = cli_errf(err, n, "%s:%d: sweep.%s: %s: more than %d values", s->path, line, what, key, SWEEP_MAX_VALUES);
    }
    /* every value must be one the key accepts */
    for (int j = 0; j < k->nval && !rc; j++) {
        char why[512];
        if (cfg_set_value(row, scratch, k->val[j], why, sizeof why))
            rc = cli_errf(err, n, "%s:%d: sweep.%s: %s = %s: %s", s->path, line, what, key, k->val[j], why);
        for (int i = 0; i < j && !rc && strcmp(what, "zip"); i++) /* a zip: its tuples (parse_axes) */
            if (!strcmp(k->val[i], k->val[j]))
                rc = cli_errf(err, n, "%s:%d: sweep.%s: %s: value %s is listed twice", s->path, line, what, key, k->val[j]);
    }
    free(scratch);
    return rc;
}

/* A grid line (each item its own axis) or a zip line (its items one axis, equal lengths). */
static int parse_axes(sweep_spec *s, char *v, int zip, int line, char *err, size_t n)
{
    const char *what = zip ? "zip" : "grid";
    char *item[SWEEP_MAX_KEYS + 1];
    int ni = split_quoted(v, ';', item, SWEEP_MAX_KEYS + 1);
    if (ni < 0) return cli_errf(err, n, "%s:%d: sweep.%s: more than %d keys", s->path, line, what, SWEEP_MAX_KEYS);
    const int first = s->nkeys;
    for (int i = 0; i < ni; i++) {
        if (!*trim(item[i]) && ni > 1 && i == ni - 1) break; /* a trailing ';' */
        if (s->naxes == SWEEP_MAX_AXES) return cli_errf(err, n, "%s:%d: more than %d axes", s->path, line, SWEEP_MAX_AXES);
        const int axis = zip ? s->naxes : s->naxes++;
        if (parse_item(s, item[i], axis, what, line, err, n)) return -1;
        if (!zip) s->axis_len[axis] = s->key[s->nkeys - 1].nval;
    }
    if (zip) {
        const int axis = s->naxes++;
        s->axis_len[axis] = s->key[first].nval;
        for (int j = first + 1; j < s->nkeys; j++)
            if (s->key[j].nval != s->key[first].nval)
                return cli_errf(err, n, "%s:%d: sweep.zip: %s has %d values, %s %d (the lists of a zip have one length)",
                            s->path, line, s->key[first].key, s->key[first].nval, s->key[j].key, s->key[j].nval);
        /* a value may repeat in a zip, a whole tuple may not (it would be the same points twice) */
        for (int b = 1; b < s->key[first].nval; b++)
            for (int a = 0; a < b; a++) {
                int same = 1;
                for (int j = first; j < s->nkeys && same; j++) same = !strcmp(s->key[j].val[a], s->key[j].val[b]);
                if (same)
                    return cli_errf(err, n, "%s:%d: sweep.zip: values %d and %d are the same (%s = %s%s): each position "
                                "of a zip must differ in some key", s->path, line, a + 1, b + 1, s->key[first].key,
                                s->key[first].val[b], s->nkeys - first > 1 ? ", ..." : "");
            }
    }
    return 0;
}

/* ------------------------------------------------------------------- file */

static int add_base(sweep_spec *s, const char *sec, const char *key, const char *val, int line, char *err, size_t n)
{
    if (s->nbase == SWEEP_MAX_BASE) return cli_errf(err, n, "%s: more than %d settings", s->path, SWEEP_MAX_BASE);
    size_t len = strlen(sec) + strlen(key) + strlen(val) + 3;
    char *a = malloc(len);
    if (!a) return cli_errf(err, n, "out of memory");
    snprintf(a, len, "%s.%s=%s", sec, key, val);
    s->base_line[s->nbase] = line;
    s->base[s->nbase++] = a;
    return 0;
}

/* The [sweep] section's keys (and the command) from the file text, before the rest is read. */
static int read_sweep_section(sweep_spec *s, char *text, size_t len, char *err, size_t n)
{
    line_reader r = {text, len, 0, 0};
    char sec[128] = "", *l;
    int have_cmd = 0, have_seed = 0, have_tim = 0;
    /* grid and zip lines are parsed once the command (and so its key table) is known */
    struct { char *v; int line, zip; } ax[SWEEP_MAX_AXES];
    int nax = 0;
    s->seed = 1;
    s->timings = 1;
    while ((l = next_line(&r))) {
        char *t = trim(l);
        if (!*t || *t == ';' || *t == '#') continue;
        if (*t == '[') {
            char *e = strchr(t, ']');
            if (!e || e[1]) return cli_errf(err, n, "%s:%d: syntax error (expected [section] or key = value)", s->path, r.line);
            *e = 0;
            snprintf(sec, sizeof sec, "%s", trim(t + 1));
            continue;
        }
        char *eq = strchr(t, '=');
        if (!eq) return cli_errf(err, n, "%s:%d: syntax error (expected [section] or key = value)", s->path, r.line);
        if (strcmp(sec, "sweep")) continue;
        *eq = 0;
        char *key = trim(t), *val = trim(eq + 1);
        if (!strcmp(key, "grid") || !strcmp(key, "zip")) {
            if (nax == SWEEP_MAX_AXES) return cli_errf(err, n, "%s:%d: more than %d grid / zip lines", s->path, r.line,
                                                   SWEEP_MAX_AXES);
            ax[nax].v = val, ax[nax].line = r.line, ax[nax++].zip = key[0] == 'z';
            continue;
        }
        cut_comment(val);
        val = trim(val);
        if (!strcmp(key, "command")) {
            if (have_cmd++) return cli_errf(err, n, "%s:%d: duplicate key sweep.command", s->path, r.line);
            for (int i = 0; i < NTARGETS; i++)
                if (!strcmp(val, targets[i].name)) s->target = &targets[i];
            if (!s->target) return cli_errf(err, n, "%s:%d: [sweep] command = %s: must be lsq or train", s->path, r.line, val);
        } else if (!strcmp(key, "seed")) {
            if (have_seed++) return cli_errf(err, n, "%s:%d: duplicate key sweep.seed", s->path, r.line);
            char *end;
            errno = 0;
            unsigned long long u = strtoull(val, &end, 10);
            if (!isdigit((unsigned char)*val) || *end || errno == ERANGE)
                return cli_errf(err, n, "%s:%d: [sweep] seed = %s: must be a non-negative integer (unsigned 64-bit)",
                            s->path, r.line, val);
            s->seed = (uint64_t)u;
        } else if (!strcmp(key, "timings")) {
            if (have_tim++) return cli_errf(err, n, "%s:%d: duplicate key sweep.timings", s->path, r.line);
            if (!strcmp(val, "true") || !strcmp(val, "yes") || !strcmp(val, "on") || !strcmp(val, "1")) s->timings = 1;
            else if (!strcmp(val, "false") || !strcmp(val, "no") || !strcmp(val, "off") || !strcmp(val, "0"))
                s->timings = 0;
            else return cli_errf(err, n, "%s:%d: [sweep] timings = %s: must be true or false", s->path, r.line, val);
        } else {
            return cli_errf(err, n, "%s:%d: unknown key sweep.%s (keys of [sweep]: command, seed, timings, grid, zip)",
                        s->path, r.line, key);
        }
    }
    if (!s->target) return cli_errf(err, n, "%s: no [sweep] command (give command = lsq or command = train)", s->path);
    for (int i = 0; i < nax; i++)
        if (parse_axes(s, ax[i].v, ax[i].zip, ax[i].line, err, n)) return -1;
    return 0;
}

/* Every other section: the command's keys, checked as --config checks them. */
static int read_base(sweep_spec *s, char *text, size_t len, void *obj, char *err, size_t n)
{
    line_reader r = {text, len, 0, 0};
    const cfg_key *tab = s->target->keys();
    size_t nk = 0;
    while (tab[nk].section) nk++;
    unsigned char *seen = calloc(nk + 1, 1);
    if (!seen) return cli_errf(err, n, "out of memory");
    char sec[128] = "", *l;
    int rc = 0;
    while (!rc && (l = next_line(&r))) {
        char *t = trim(l);
        if (!*t || *t == ';' || *t == '#') continue;
        if (*t == '[') {
            *strchr(t, ']') = 0; /* read_sweep_section checked the line */
            snprintf(sec, sizeof sec, "%s", trim(t + 1));
            continue;
        }
        if (!strcmp(sec, "sweep")) continue;
        char *eq = strchr(t, '=');
        *eq = 0;
        char *key = trim(t), *val = eq + 1;
        cut_comment(val);
        val = trim(val);
        if (!sec[0]) {
            rc = cli_errf(err, n, "%s:%d: key %s is outside any [section]", s->path, r.line, key);
            break;
        }
        const cfg_key *k = cfg_get_key(tab, sec, key);
        char why[512];
        if (!k) rc = cli_errf(err, n, "%s:%d: unknown key %s.%s (not a key of xbar %s; see xbar %s --help)", s->path,
                          r.line, sec, key, s->target->name, s->target->name);
        else if (seen[k - tab]) rc = cli_errf(err, n, "%s:%d: duplicate key %s.%s", s->path, r.line, sec, key);
        else if (cfg_set_value(k, obj, val, why, sizeof why))
            rc = cli_errf(err, n, "%s:%d: [%s] %s = %s: %s", s->path, r.line, sec, key, val, why);
        else if (!s->seed_swept && k == cfg_find(tab, s->target->seed_key))
            rc = cli_errf(err, n, "%s:%d: %s.%s = %s: a sweep gives each point the seed derived from sweep.seed and its "
                      "index; set [sweep] seed, or sweep it (grid = seed: 1..3)", s->path, r.line, sec, key, val);
        else {
            seen[k - tab] = 1;
            rc = add_base(s, sec, key, val, r.line, err, n);
        }
    }
    free(seen);
    return rc;
}

static int count_points(sweep_spec *s, char *err, size_t n)
{
    s->npoints = 1;
    for (int a = 0; a < s->naxes; a++) {
        if (s->axis_len[a] <= 0) return cli_errf(err, n, "%s: an axis without values", s->path);
        if (s->npoints * (size_t)s->axis_len[a] > SWEEP_MAX_POINTS)
            return cli_errf(err, n, "%s: the grid has more than %d points", s->path, SWEEP_MAX_POINTS);
        s->npoints *= (size_t)s->axis_len[a];
    }
    s->width = 4;
    for (size_t m = 10000; m < s->npoints; m *= 10) s->width++;
    return 0;
}

int sweep_spec_read(sweep_spec *s, const char *path, const char *const *sets, int nsets, const uint64_t *seed_flag,
                    char *err, size_t n)
{
    memset(s, 0, sizeof *s);
    snprintf(s->path, sizeof s->path, "%s", path);
    char *text, why[XBAR_FILE_WHY_MAX];
    size_t len, line;
    xbar_status st = xbar_file_read_all(path, CFG_FILE_MAX, "a sweep file", &text, &len, why, sizeof why);
    if (st == XBAR_EIO) return cli_errf(err, n, "cannot read sweep file %s: %s", path, why);
    if (st) return cli_errf(err, n, "%s: %s", path, why);
    if (xbar_text_check(text, len, &line, why, sizeof why)) {
        free(text);
        return cli_errf(err, n, "%s:%zu: %s (a sweep file is UTF-8 text)", path, line, why);
    }
    char *copy = malloc(len + 1);
    void *obj = NULL;
    int rc = copy ? 0 : cli_errf(err, n, "out of memory");
    if (!rc) memcpy(copy, text, len + 1);
    if (!rc) rc = read_sweep_section(s, copy, len, err, n);
    if (!rc && !(obj = malloc(s->target->size))) rc = cli_errf(err, n, "out of memory");
    if (!rc) {
        s->target->defaults(obj);
        rc = read_base(s, text, len, obj, err, n);
    }
    for (int i = 0; i < nsets && !rc; i++) {
        const char *a = sets[i], *eq = strchr(a, '=');
        char key[160];
        if (!strncmp(a, "sweep.", 6)) {
            rc = cli_errf(err, n, "--set %s: the [sweep] section is read from the sweep file only (--seed sets sweep.seed)",
                      a);
            break;
        }
        rc = cfg_set(s->target->keys(), obj, a, err, n);
        xbar_text_trim(key, sizeof key, a, eq ? (size_t)(eq - a) : strlen(a));
        if (!rc && !s->seed_swept && !strcmp(key, s->target->seed_key))
            rc = cli_errf(err, n, "--set %s: a sweep gives each point the seed derived from sweep.seed and its index; use "
                      "--seed, or sweep it (grid = seed: 1..3)", a);
        if (!rc) {
            const char *dot = strchr(key, '.');
            char sec[160];
            snprintf(sec, sizeof sec, "%.*s", (int)(dot - key), key);
            rc = add_base(s, sec, dot + 1, eq + 1, 0, err, n);
        }
    }
    if (!rc && seed_flag) s->seed = *seed_flag;
    if (!rc) rc = count_points(s, err, n);
    free(obj);
    free(copy);
    free(text);
    if (rc) sweep_spec_free(s);
    return rc;
}

void sweep_spec_free(sweep_spec *s)
{
    for (int k = 0; k < s->nkeys; k++) {
        for (int j = 0; j < s->key[k].nval; j++) free(s->key[k].val[j]);
        free(s->key[k].val);
    }
    for (int i = 0; i < s->nbase; i++) free(s->base[i]);
    s->nkeys = s->nbase = 0;
}

/* ----------------------------------------------------------------- points */

uint64_t sweep_point_seed(uint64_t sweep_seed, size_t i)
{
    uint64_t z = sweep_seed + (uint64_t)(i + 1) * 0x9E3779B97F4A7C15ull; /* splitmix64 */
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

int sweep_value_index(const sweep_spec *s, int k, size_t i)
{
    size_t stride = 1;
    for (int a = s->naxes - 1; a > s->key[k].axis; a--) stride *= (size_t)s->axis_len[a];
    return (int)(i / stride % (size_t)s->axis_len[s->key[k].axis]);
}

/* The name of key k in folder names: the part after the dot, unless another swept key shares it. */
static const char *short_key(const sweep_spec *s, int k)
{
    const char *dot = strchr(s->key[k].key, '.'), *sh = dot ? dot + 1 : s->key[k].key;
    for (int j = 0; j < s->nkeys; j++) {
        const char *d2 = strchr(s->key[j].key, '.');
        if (j != k && !strcmp(d2 ? d2 + 1 : s->key[j].key, sh)) return s->key[k].key;
    }
    return sh;
}

void sweep_point_name(const sweep_spec *s, size_t i, char *buf, size_t cap)
{
    char name[160];
    size_t len = (size_t)snprintf(name, sizeof name, "%0*zu-", s->width, i);
    for (int k = 0; k < s->nkeys && len < 120; k++) {
        const char *v = s->key[k].val[sweep_value_index(s, k, i)];
        len += (size_t)snprintf(name + len, sizeof name - len, "%s%s=", k ? "_" : "", short_key(s, k));
        for (; *v && len < 120; v++) name[len++] = isalnum((unsigned char)*v) || strchr(".+-", *v) ? *v : '_';
        name[len] = 0;
    }
    if (!s->nkeys) snprintf(name + len, sizeof name - len, "base");
    snprintf(buf, cap, "%s", name);
}

int sweep_resolve(const sweep_spec *s, size_t i, sweep_point *p, char *err, size_t n)
{
    memset(p, 0, sizeof *p);
    const sweep_target *t = s->target;
    const cfg_key *tab = t->keys();
    char name[160], why[1024];
    sweep_point_name(s, i, name, sizeof name);
    const char *given[SWEEP_MAX_BASE + SWEEP_MAX_KEYS];
    char gbuf[SWEEP_MAX_KEYS][96];
    int ng = 0;
    if (!(p->cfg = malloc(t->size))) return cli_errf(err, n, "out of memory");
    t->defaults(p->cfg);
    for (int b = 0; b < s->nbase; b++) {
        if (cfg_set(tab, p->cfg, s->base[b], why, sizeof why)) return cli_errf(err, n, "%s", why);
        given[ng++] = s->base[b];
    }
    for (int k = 0; k < s->nkeys; k++) {
        const char *v = s->key[k].val[sweep_value_index(s, k, i)];
        if (cfg_set_value(s->key[k].row, p->cfg, v, why, sizeof why))
            return cli_errf(err, n, "point %zu (%s): %s = %s: %s", i, name, s->key[k].key, v, why);
        snprintf(gbuf[k], sizeof gbuf[k], "%s.%s", s->key[k].row->section, s->key[k].row->key);
        given[ng++] = gbuf[k];
    }
    const cfg_key *sk = cfg_find(tab, t->seed_key);
    if (!s->seed_swept) {
        char num[32];
        snprintf(num, sizeof num, "%llu", (unsigned long long)sweep_point_seed(s->seed, i));
        if (cfg_set_value(sk, p->cfg, num, why, sizeof why)) return cli_errf(err, n, "%s: %s", t->seed_key, why);
    }
    p->seed = *(const uint64_t *)((const char *)p->cfg + sk->offset);
    if (t->check(p->cfg, given, ng, why, sizeof why)) return cli_errf(err, n, "point %zu (%s): %s", i, name, why);
    FILE *f = open_memstream(&p->ini, &p->ini_len);
    int bad = !f || cfg_write_ini_if(tab, p->cfg, f, t->uses);
    if (f) bad |= fclose(f);
    if (bad) return cli_errf(err, n, "out of memory");
    return 0;
}

void sweep_point_free(sweep_point *p)
{
    free(p->cfg);
    free(p->ini);
    p->cfg = NULL, p->ini = NULL;
}

int sweep_run_point(const sweep_spec *s, const sweep_point *p, const char *out, char *err, size_t n)
{
    return s->target->run(p->cfg, out, err, n);
}
