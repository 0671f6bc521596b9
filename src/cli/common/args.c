/* args.c - common subcommand flags (see args.h). */
#include "args.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "roff.h"
#include "xbar.h"

int cli_errf(char *err, size_t n, const char *fmt, ...)
{
    if (err && n) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, n, fmt, ap);
        va_end(ap);
    }
    return -1;
}

void cli_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "xbar %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* ----------------------------------------------------------------- values */

static int to_u64(const char *s, uint64_t *v)
{
    char *end;
    if (!isdigit((unsigned char)s[0])) return -1;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10);
    if (*end || errno == ERANGE) return -1;
    *v = (uint64_t)x;
    return 0;
}

static int to_int(const char *s, int *v)
{
    char *end;
    errno = 0;
    long x = strtol(s, &end, 10);
    if (end == s || *end || errno == ERANGE || x < INT_MIN || x > INT_MAX) return -1;
    *v = (int)x;
    return 0;
}

static int to_double(const char *s, double *v)
{
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    if (end == s || *end || !isfinite(x) || (errno == ERANGE && fabs(x) > 1)) return -1;
    *v = x;
    return 0;
}

/* Store value into an extra flag. */
static int set_extra(const arg_extra *e, const char *val, char *err, size_t n)
{
    switch (e->kind) {
    case ARG_FLAG: *(int *)e->ptr = 1; return 0;
    case ARG_STRING: *(const char **)e->ptr = val; return 0;
    case ARG_INT:
        if (to_int(val, e->ptr)) return cli_errf(err, n, "--%s %s: not an integer", e->name, val);
        return 0;
    case ARG_U64:
        if (to_u64(val, e->ptr)) return cli_errf(err, n, "--%s %s: not a non-negative integer", e->name, val);
        return 0;
    case ARG_DOUBLE:
        if (to_double(val, e->ptr)) return cli_errf(err, n, "--%s %s: not a finite number", e->name, val);
        return 0;
    }
    return cli_errf(err, n, "--%s: bad flag kind", e->name);
}

/* ---------------------------------------------------------------- parsing */

enum { F_CONFIG, F_SET, F_SEED, F_OUT, F_FORCE, F_THREADS, F_QUIET, F_HELP, F_NCOMMON };
static const struct { const char *name, *metavar, *help; } common[F_NCOMMON] = {
    [F_CONFIG] = { "config", "FILE", "read settings from an INI file" },
    [F_SET] = { "set", "S.K=V", "override one setting (repeatable, after --config)" },
    [F_SEED] = { "seed", "N", "random seed (unsigned 64-bit integer)" },
    [F_OUT] = { "out", "DIR", "output directory (config.ini, metrics.csv, summary.json, plots)" },
    [F_FORCE] = { "force", NULL, "replace an existing output directory" },
    [F_THREADS] = { "threads", "N", "worker threads (results do not depend on it)" },
    [F_QUIET] = { "quiet", NULL, "no progress output" },
    [F_HELP] = { "help", NULL, "show this help" },
};

int args_parse(cli_args *a, const char *cmd, int argc, char **argv, const arg_extra *extra, char *err, size_t n)
{
    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (!strcmp(arg, "-h")) arg = "--help";
        if (strncmp(arg, "--", 2) || !arg[2])
            return cli_errf(err, n, "unexpected argument '%s' (see xbar %s --help)", arg, cmd);
        const char *name = arg + 2, *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        int c = -1;
        const arg_extra *e = NULL;
        for (int k = 0; k < F_NCOMMON && c < 0; k++)
            if (strlen(common[k].name) == len && !strncmp(common[k].name, name, len)) c = k;
        for (const arg_extra *x = extra; c < 0 && x && x->name && !e; x++)
            if (strlen(x->name) == len && !strncmp(x->name, name, len)) e = x;
        if (c < 0 && !e) return cli_errf(err, n, "unknown flag --%.*s (see xbar %s --help)", (int)len, name, cmd);
        int takes = e ? e->kind != ARG_FLAG : common[c].metavar != NULL;
        const char *val = NULL;
        if (takes) {
            if (eq) val = eq + 1;
            else if (i + 1 < argc) val = argv[++i];
            else return cli_errf(err, n, "--%.*s: missing value", (int)len, name);
        } else if (eq) {
            return cli_errf(err, n, "--%.*s takes no value", (int)len, name);
        }
        if (e) {
            if (set_extra(e, val, err, n)) return -1;
            continue;
        }
        switch (c) {
        case F_CONFIG:
            if (a->config) return cli_errf(err, n, "--config given twice (use --set for overrides)");
            a->config = val;
            break;
        case F_SET:
            if (a->nsets == ARGS_SET_MAX) return cli_errf(err, n, "more than %d --set flags", ARGS_SET_MAX);
            a->sets[a->nsets++] = val;
            break;
        case F_SEED:
            if (to_u64(val, &a->seed)) return cli_errf(err, n, "--seed %s: not a non-negative integer", val);
            a->seed_set = 1;
            break;
        case F_OUT:
            if (!val[0]) return cli_errf(err, n, "--out: empty directory name");
            a->out = val;
            break;
        case F_FORCE: a->force = 1; break;
        case F_THREADS:
            if (to_int(val, &a->threads) || a->threads < 1)
                return cli_errf(err, n, "--threads %s: not a positive integer", val);
            break;
        case F_QUIET: a->quiet = 1; break;
        case F_HELP: a->help = 1; return 0;
        }
    }
    return 0;
}

int args_apply_config(const cli_args *a, const cfg_key *tab, void *obj, char *err, size_t n)
{
    if (a->config && cfg_load_file(tab, obj, a->config, err, n)) return -1;
    for (int i = 0; i < a->nsets; i++)
        if (cfg_set(tab, obj, a->sets[i], err, n)) return -1;
    return 0;
}

/* ------------------------------------------------------------------ usage */

/* The program's one output setting: plain --help text, or the manual page's roff (manpage.c). */
static usage_style style = USAGE_TEXT;

void args_usage_style(usage_style s) { style = s; }

static const char *const metavars[] = { [ARG_FLAG] = NULL, [ARG_STRING] = "S", [ARG_INT] = "N",
                                        [ARG_U64] = "N", [ARG_DOUBLE] = "X" };

static void flag_line(FILE *f, const char *name, const char *metavar, const char *help)
{
    char left[64];
    snprintf(left, sizeof left, "--%s%s%s", name, metavar ? " " : "", metavar ? metavar : "");
    if (style == USAGE_ROFF) {
        snprintf(left, sizeof left, "--%s", name);
        roff_item(f, left, metavar, NULL, help);
        return;
    }
    fprintf(f, "  %-20s %s\n", left, help ? help : "");
}

void args_common_roff(FILE *f)
{
    const usage_style was = style;
    char threads[192]; /* --help prints this machine's count; the page says where it comes from */
    snprintf(threads, sizeof threads, "%s; default: the CPUs this process may use (affinity mask capped by the "
             "cgroup CPU quota)", common[F_THREADS].help);
    style = USAGE_ROFF;
    for (int k = 0; k < F_NCOMMON; k++)
        flag_line(f, common[k].name, common[k].metavar, k == F_THREADS ? threads : common[k].help);
    style = was;
}

void args_usage_text(FILE *f, const char *cmd, const char *text)
{
    if (style == USAGE_TEXT) {
        fputs(text, f);
        return;
    }
    fprintf(f, ".SS \"xbar %s\"\n", cmd);
    roff_verbatim(f, text);
}

/* The library's device and optimizer tables, one entry each, if tab has their key. */
static void model_lists(FILE *f, const cfg_key *tab)
{
    const int roff = style == USAGE_ROFF;
    if (cfg_get_key(tab, "device", "model")) {
        if (roff) roff_paragraph(f, "Device models (device.model; docs/model.md):");
        else fprintf(f, "\ndevice models (device.model; docs/model.md):\n");
        for (int m = 0; m < XBAR_DEV_COUNT_; m++) {
            const char *name = xbar_device_model_name((xbar_device_model)m);
            const char *doc = xbar_device_model_summary((xbar_device_model)m);
            if (roff) roff_item(f, name, NULL, NULL, doc);
            else fprintf(f, "  %-20s %s\n", name, doc);
        }
    }
    if (cfg_get_key(tab, "optimizer", "kind")) {
        if (roff) roff_paragraph(f, "Optimizers (optimizer.kind):");
        else fprintf(f, "\noptimizers (optimizer.kind):\n");
        for (int k = 0; k < XBAR_OPT_COUNT_; k++) {
            const char *name = xbar_opt_kind_name((xbar_opt_kind)k), *doc = xbar_opt_kind_summary((xbar_opt_kind)k);
            if (roff) roff_item(f, name, NULL, NULL, doc);
            else fprintf(f, "  %-20s %s\n", name, doc);
        }
    }
}

/* args_usage in the roff style: the subsection "xbar CMD" of the manual page. */
static void usage_roff(FILE *f, const char *cmd, const char *summary, const arg_extra *extra, const cfg_key *tab,
                       const void *defaults)
{
    fprintf(f, ".SS \"xbar %s\"\n.PP\n\\fBxbar %s\\fR [\\fIflags\\fR]\n", cmd, cmd);
    if (summary) roff_paragraph(f, summary);
    if (extra && extra->name) {
        fprintf(f, ".PP\nFlags of %s (and the common flags, see COMMON FLAGS):\n", cmd);
        for (const arg_extra *e = extra; e->name; e++)
            flag_line(f, e->name, e->kind == ARG_FLAG ? NULL : e->metavar ? e->metavar : metavars[e->kind], e->help);
    }
    if (tab && tab->section) {
        roff_paragraph(f, "Settings (--set section.key=value, or [section] key = value in --config; defaults shown):");
        cfg_print_roff(tab, defaults, f);
        model_lists(f, tab);
    }
}

void args_usage(FILE *f, const char *cmd, const char *summary, const arg_extra *extra, const cfg_key *tab,
                const void *defaults)
{
    if (style == USAGE_ROFF) {
        usage_roff(f, cmd, summary, extra, tab, defaults);
        return;
    }
    fprintf(f, "usage: xbar %s [flags]\n", cmd);
    if (summary) fprintf(f, "%s\n", summary);
    if (extra && extra->name) {
        fprintf(f, "\nflags of %s:\n", cmd);
        for (const arg_extra *e = extra; e->name; e++)
            flag_line(f, e->name, e->kind == ARG_FLAG ? NULL : e->metavar ? e->metavar : metavars[e->kind], e->help);
    }
    fprintf(f, "\ncommon flags:\n");
    char threads[128];
    snprintf(threads, sizeof threads, "%s; default: the CPUs this process may use, %d here", common[F_THREADS].help,
             xbar_get_threads()); /* main.c's default (cpus.h), as no --threads is applied yet */
    for (int k = 0; k < F_NCOMMON; k++)
        flag_line(f, common[k].name, common[k].metavar, k == F_THREADS ? threads : common[k].help);
    if (tab && tab->section) {
        fprintf(f, "\nsettings (--set section.key=value, or [section] key = value in --config; defaults shown):\n");
        cfg_print_help(tab, defaults, f);
        model_lists(f, tab);
    }
}
