/* reproduce_sweeps.c - the MNIST frontier experiments as sweeps (see reproduce_sweeps.h). */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "args.h"
#include "collect.h"
#include "csvout.h"
#include "outdir.h"
#include "pathname.h"
#include "reproduce_sweeps.h"
#include "sweep_run.h"
#include "sweep_spec.h"

#define STEM_MAX 128

typedef struct {
    int n;
    char stem[REPRO_SWEEPS_MAX_FILES][STEM_MAX]; /* file names without .ini, in strcmp order */
} sweep_files;

static int by_name(const void *a, const void *b) { return strcmp(a, b); }

/* The *.ini of REPRO_SWEEPS_DIR. @return 0, or -1 with err (unreadable, empty, too many, a name too long). */
static int list_files(sweep_files *f, char *err, size_t n)
{
    DIR *d = opendir(REPRO_SWEEPS_DIR);
    if (!d)
        return cli_errf(err, n, "%s: %s (run from the source tree)", REPRO_SWEEPS_DIR, strerror(errno));
    f->n = 0;
    int rc = 0;
    for (struct dirent *e; !rc && (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] == '.' || len < 5 || strcmp(e->d_name + len - 4, ".ini")) continue;
        if (len - 4 >= STEM_MAX) rc = cli_errf(err, n, "%s/%s: file name too long", REPRO_SWEEPS_DIR, e->d_name);
        else if (f->n == REPRO_SWEEPS_MAX_FILES)
            rc = cli_errf(err, n, "%s: more than %d sweep files", REPRO_SWEEPS_DIR, REPRO_SWEEPS_MAX_FILES);
        else snprintf(f->stem[f->n++], STEM_MAX, "%.*s", (int)(len - 4), e->d_name);
    }
    closedir(d);
    if (!rc && !f->n) rc = cli_errf(err, n, "%s: no sweep files (*.ini)", REPRO_SWEEPS_DIR);
    if (!rc) qsort(f->stem, (size_t)f->n, STEM_MAX, by_name);
    return rc;
}

/* Read sweep file STEM into s with --epochs as a --set on its base; it must sweep `xbar train`. */
static int load(sweep_spec *s, const char *stem, int epochs, char *err, size_t n)
{
    char path[STEM_MAX + 64], set[64], why[2048];
    snprintf(path, sizeof path, "%s/%s.ini", REPRO_SWEEPS_DIR, stem);
    snprintf(set, sizeof set, "train.epochs=%d", epochs);
    const char *sets[1] = {set};
    if (sweep_spec_read(s, path, sets, epochs > 0 ? 1 : 0, NULL, why, sizeof why))
        return cli_errf(err, n, "%s", why);
    if (strcmp(sweep_command_name(s), "train")) {
        sweep_spec_free(s);
        return cli_errf(err, n, "%s: sweep.command = %s: the frontier-mnist sweeps run xbar train", path,
                        sweep_command_name(s));
    }
    return 0;
}

int repro_sweeps_check(int epochs, char *err, size_t n)
{
    sweep_files *f = malloc(sizeof *f);
    sweep_spec *s = malloc(sizeof *s);
    int rc = f && s ? list_files(f, err, n) : cli_errf(err, n, "out of memory");
    for (int i = 0; !rc && i < f->n; i++) {
        char why[2048];
        if (load(s, f->stem[i], epochs, err, n)) rc = -1;
        else {
            if (sweep_check_all(s, why, sizeof why))
                rc = cli_errf(err, n, "%s/%s.ini: %s", REPRO_SWEEPS_DIR, f->stem[i], why);
            sweep_spec_free(s);
        }
    }
    free(f);
    free(s);
    return rc;
}

#define MAX_COLS 256

/* X9 ([SP26] Fig. 4) measures the pulses to reach a training loss: its files are collected with
 * this target (collect's pulses_to_target) and their table has that column. */
#define X9_TARGET_LOSS 0.2
static int has_target(const char *stem) { return !strncmp(stem, "x9-", 3); }

/* The rows of sub/summary.csv as markdown: | STEM | key=value, ... | mean ± std | [pulses to the
 * target: mean ± std (points that reached it) |] n |. @return 0 or -1 (err). */
static int table_rows(const char *sub, const char *stem, FILE *md, char *err, size_t n)
{
    char path[OUT_PATH_MAX + STEM_MAX + 32];
    snprintf(path, sizeof path, "%s/summary.csv", sub);
    char *text = NULL;
    FILE *in = fopen(path, "r");
    size_t cap = 0;
    if (!in) return cli_errf(err, n, "cannot read %s: %s", path_show(path), strerror(errno));
    static char head[MAX_COLS][160];
    int ncols = 0, c_n = -1, c_mean = -1, c_std = -1, c_pm = -1, c_ps = -1, c_pn = -1;
    int rc = 0;
    for (int line = 0; !rc && getline(&text, &cap, in) > 0; line++) {
        const char *p = text;
        char val[MAX_COLS][160];
        int nv = 0;
        while (*p && *p != '\n' && nv < MAX_COLS) csv_next_field(&p, val[nv++], sizeof val[0]);
        if (!line) {
            ncols = nv;
            for (int c = 0; c < nv; c++) {
                snprintf(head[c], sizeof head[c], "%s", val[c]);
                if (!strcmp(val[c], "n") && c_n < 0) c_n = c;
                if (!strcmp(val[c], "last5_test_acc_mean")) c_mean = c;
                if (!strcmp(val[c], "last5_test_acc_std")) c_std = c;
                if (!strcmp(val[c], "pulses_to_target_mean")) c_pm = c;
                if (!strcmp(val[c], "pulses_to_target_std")) c_ps = c;
                if (!strcmp(val[c], "pulses_to_target_n")) c_pn = c;
            }
            if (c_n < 0 || c_mean < 0 || c_std < 0 || (has_target(stem) && (c_pm < 0 || c_ps < 0 || c_pn < 0)))
                rc = cli_errf(err, n, "%s: no columns n, last5_test_acc_mean, last5_test_acc_std%s", path_show(path),
                              has_target(stem) ? ", pulses_to_target_mean, _std, _n" : "");
            continue;
        }
        if (nv != ncols) {
            rc = cli_errf(err, n, "%s:%d: %d fields, the header has %d", path_show(path), line + 1, nv, ncols);
            break;
        }
        fprintf(md, "| %s | ", stem);
        for (int c = 0; c < c_n; c++) fprintf(md, "%s%s = %s", c ? ", " : "", head[c], val[c]);
        if (!c_n) fprintf(md, "–");
        if (!val[c_mean][0]) fprintf(md, " | no point done");
        else if (!val[c_std][0]) fprintf(md, " | %.2f", atof(val[c_mean]));
        else fprintf(md, " | %.2f ± %.2f", atof(val[c_mean]), atof(val[c_std]));
        if (has_target(stem)) {
            if (!val[c_pm][0]) fprintf(md, " | not reached");
            else if (!val[c_ps][0]) fprintf(md, " | %.3g (%s)", atof(val[c_pm]), val[c_pn]);
            else fprintf(md, " | %.3g ± %.2g (%s)", atof(val[c_pm]), atof(val[c_ps]), val[c_pn]);
        }
        fprintf(md, " | %s |\n", val[c_n]);
    }
    free(text);
    fclose(in);
    return rc;
}

/* The experiment of a file: its name up to the first '-' ("x2" of "x2-fcn-digital"). */
static size_t exp_len(const char *stem) { return strcspn(stem, "-"); }

int repro_sweeps_run(const char *dir, int epochs, int jobs, int quiet, FILE *md, int *failed, char *err, size_t n)
{
    *failed = 0;
    sweep_files *f = malloc(sizeof *f);
    sweep_spec *s = malloc(sizeof *s);
    int rc = f && s ? list_files(f, err, n) : cli_errf(err, n, "out of memory");
    if (rc) return free(f), free(s), 2;
    char top[OUT_PATH_MAX];
    snprintf(top, sizeof top, "%.4000s/frontier-mnist", dir);
    if (mkdir(top, 0777) && errno != EEXIST) {
        cli_errf(err, n, "cannot create %s: %s", path_show(top), strerror(errno));
        return free(f), free(s), 1;
    }
    for (int i = 0; !rc && i < f->n; i++) {
        char sub[OUT_PATH_MAX + STEM_MAX], why[2048];
        snprintf(sub, sizeof sub, "%s/%s", top, f->stem[i]);
        if (load(s, f->stem[i], epochs, err, n)) {
            rc = 2;
            break;
        }
        if (!quiet) fprintf(stderr, "  [%d/%d] frontier-mnist/%s: %zu points\n", i + 1, f->n, f->stem[i], s->npoints);
        sweep_opts o = {.out = sub, .shard_i = 0, .shard_n = 1,
                        .jobs = jobs > REPRO_SWEEPS_MAX_JOBS ? REPRO_SWEEPS_MAX_JOBS : jobs, .quiet = quiet};
        int r = sweep_execute(s, &o, why, sizeof why);
        sweep_spec_free(s);
        if (r == 1) { /* a point failed (recorded): the rest ran, the table says what is done */
            *failed = 1;
            cli_error("reproduce", "%s/%s.ini: %s", REPRO_SWEEPS_DIR, f->stem[i], why);
        } else if (r) {
            rc = r;
            cli_errf(err, n, "%s/%s.ini: %s", REPRO_SWEEPS_DIR, f->stem[i], why);
            break;
        }
        collect_opts co = {.dir = sub, .out = NULL, .ncurves = 0, .quiet = 1,
                           .target_loss = has_target(f->stem[i]) ? X9_TARGET_LOSS : 0};
        if ((r = collect_run(&co, why, sizeof why))) rc = r, cli_errf(err, n, "collect %s: %s", path_show(sub), why);
    }
    fprintf(md, "\n## The frontier on MNIST: the sweeps of %s/\n\nLast-5-epoch test accuracy (%%), mean ± sample "
                "std over the seeds, n = points done; each file's runs, results.csv, summary.csv and plots are in "
                "frontier-mnist/FILE/ (xbar collect). What each experiment claims and what was measured: "
                "docs/results.md.\n",
            REPRO_SWEEPS_DIR);
    for (int i = 0; !rc && i < f->n; i++) {
        const size_t el = exp_len(f->stem[i]);
        if (!i || el != exp_len(f->stem[i - 1]) || strncmp(f->stem[i], f->stem[i - 1], el)) {
            if (has_target(f->stem[i]))
                fprintf(md, "\n### %.*s\n\n| sweep file | setting | last 5 (%%) | pulses to train loss %g: mean ± std "
                            "(points that reached it) | n |\n|---|---|---|---|---|\n", (int)el, f->stem[i],
                        X9_TARGET_LOSS);
            else
                fprintf(md, "\n### %.*s\n\n| sweep file | setting | last 5 (%%) | n |\n|---|---|---|---|\n", (int)el,
                        f->stem[i]);
        }
        char sub[OUT_PATH_MAX + STEM_MAX];
        snprintf(sub, sizeof sub, "%s/%s", top, f->stem[i]);
        if (table_rows(sub, f->stem[i], md, err, n)) rc = 1;
    }
    free(f);
    free(s);
    return rc;
}
