/* collect.c - see collect.h. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "args.h"
#include "collect.h"
#include "csvout.h"
#include "jsonout.h"
#include "outdir.h"
#include "outlock.h"
#include "pathname.h"
#include "plot.h"

#define MAX_KEYS 48
#define MAX_METRICS 256
#define MAX_SERIES 40 /* lines of one plot */

enum { ST_PENDING, ST_DONE, ST_FAILED };
static const char *const status_name[] = {"pending", "done", "failed"};

typedef struct {
    char folder[320];
    int status;
    char *par[MAX_KEYS]; /* the swept keys' values (strings of the JSON document) */
} cpoint;

typedef struct {
    cJSON *doc;
    int train, timings;
    int nkeys, seed_k; /* seed_k: the swept seed key, or -1 */
    const char *key[MAX_KEYS];
    size_t np;
    cpoint *p;
    int nm;
    char mname[MAX_METRICS][128];
    double *v; /* np * MAX_METRICS, NaN when missing */
    double **acc; /* train: per point its summary.json test_acc (per epoch, %), NULL when missing */
    int *nacc;    /* its length */
    double target; /* train: > 0: the training loss of the *_to_target metrics (--target-loss) */
} csweep;

#define VAL(c, i, m) ((c)->v[(size_t)(i) * MAX_METRICS + (size_t)(m)])


static int metric_index(csweep *c, const char *name)
{
    for (int m = 0; m < c->nm; m++)
        if (!strcmp(c->mname[m], name)) return m;
    if (c->nm == MAX_METRICS - 4) return -1; /* lsq keeps its sums in the last two slots (order_lsq_metrics) */
    snprintf(c->mname[c->nm], sizeof c->mname[0], "%s", name);
    return c->nm++;
}

static double num(const cJSON *o, const char *k)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(x) ? x->valuedouble : NAN;
}

/* ------------------------------------------------------------------ read */

static int read_sweep(csweep *c, const char *dir, char *err, size_t n)
{
    char path[OUT_PATH_MAX + 32], *text, why[1024];
    size_t len;
    snprintf(path, sizeof path, "%s/sweep.json", dir);
    struct stat st;
    if (stat(dir, &st) || !S_ISDIR(st.st_mode))
        return cli_errf(err, n, "%s: not a folder (%s)", path_show(dir), stat(dir, &st) ? strerror(errno) : "a file");
    if (out_read_file(path, &text, &len, why, sizeof why))
        return cli_errf(err, n, "%s (is %s a folder written by xbar sweep?)", why, path_show(dir));
    c->doc = cJSON_Parse(text);
    free(text);
    const cJSON *cmd = cJSON_GetObjectItemCaseSensitive(c->doc, "sweep_command");
    const cJSON *keys = cJSON_GetObjectItemCaseSensitive(c->doc, "keys");
    const cJSON *pts = cJSON_GetObjectItemCaseSensitive(c->doc, "points");
    const cJSON *tim = cJSON_GetObjectItemCaseSensitive(c->doc, "timings");
    if (!cJSON_IsString(cmd) || !cJSON_IsArray(keys) || !cJSON_IsArray(pts) || !cJSON_IsBool(tim) ||
        (strcmp(cmd->valuestring, "lsq") && strcmp(cmd->valuestring, "train")))
        return cli_errf(err, n, "%s: not a sweep.json of xbar sweep (sweep_command, keys, points, timings)", path_show(path));
    c->train = !strcmp(cmd->valuestring, "train");
    c->timings = cJSON_IsTrue(tim);
    c->seed_k = -1;
    for (const cJSON *k = keys->child; k; k = k->next) {
        if (!cJSON_IsString(k) || c->nkeys == MAX_KEYS) return cli_errf(err, n, "%s: bad keys", path_show(path));
        if (!strcmp(k->valuestring, "seed") || !strcmp(k->valuestring, c->train ? "train.seed" : "lsq.seed"))
            c->seed_k = c->nkeys;
        c->key[c->nkeys++] = k->valuestring;
    }
    c->np = (size_t)cJSON_GetArraySize(pts);
    c->p = calloc(c->np ? c->np : 1, sizeof *c->p);
    c->v = malloc((c->np ? c->np : 1) * MAX_METRICS * sizeof *c->v);
    c->acc = calloc(c->np ? c->np : 1, sizeof *c->acc);
    c->nacc = calloc(c->np ? c->np : 1, sizeof *c->nacc);
    if (!c->p || !c->v || !c->acc || !c->nacc) return cli_errf(err, n, "out of memory");
    for (size_t i = 0; i < c->np * MAX_METRICS; i++) c->v[i] = NAN;
    size_t i = 0;
    for (const cJSON *p = pts->child; p; p = p->next, i++) {
        const cJSON *f = cJSON_GetObjectItemCaseSensitive(p, "folder");
        const cJSON *par = cJSON_GetObjectItemCaseSensitive(p, "params");
        const cJSON *idx = cJSON_GetObjectItemCaseSensitive(p, "index");
        if (!cJSON_IsString(f) || !cJSON_IsObject(par) || !cJSON_IsNumber(idx) || idx->valuedouble != (double)i ||
            strstr(f->valuestring, "..") || f->valuestring[0] == '/')
            return cli_errf(err, n, "%s: point %zu: bad entry", path_show(path), i);
        snprintf(c->p[i].folder, sizeof c->p[i].folder, "%s", f->valuestring);
        for (int k = 0; k < c->nkeys; k++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(par, c->key[k]);
            if (!cJSON_IsString(v)) return cli_errf(err, n, "%s: point %zu: no value of %s", path_show(path), i, c->key[k]);
            c->p[i].par[k] = v->valuestring;
        }
    }
    return 0;
}

/* train with --target-loss: from the point's metrics.csv, the first epoch whose train_loss is <= the
 * target and the pulses fired up to its end (NaN, NaN when never reached or unreadable). */
static void to_target(const csweep *c, const char *pd, double *epochs, double *pulses)
{
    char path[OUT_PATH_MAX + 420], *line = NULL;
    size_t cap = 0;
    *epochs = *pulses = NAN;
    snprintf(path, sizeof path, "%s/metrics.csv", pd);
    FILE *f = fopen(path, "r");
    if (!f) return;
    int c_loss = -1, c_pulses = -1;
    double cum = 0;
    for (int row = 0; getline(&line, &cap, f) > 0; row++) {
        const char *p = line;
        char v[64];
        double loss = NAN, pl = NAN;
        for (int col = 0; *p && *p != '\n'; col++) {
            csv_next_field(&p, v, sizeof v);
            if (!row && !strcmp(v, "train_loss")) c_loss = col;
            if (!row && !strcmp(v, "pulses")) c_pulses = col;
            if (row && col == c_loss) loss = strtod(v, NULL);
            if (row && col == c_pulses) pl = strtod(v, NULL);
        }
        if (!row && (c_loss < 0 || c_pulses < 0)) break;
        if (!row) continue;
        cum += pl;
        if (loss <= c->target) {
            *epochs = row, *pulses = cum;
            break;
        }
    }
    free(line);
    fclose(f);
}

/* The status and metrics of point i from its folder (what is on disk, not sweep.json's snapshot). */
static int read_point(csweep *c, const char *dir, size_t i, char *err, size_t n)
{
    char pd[OUT_PATH_MAX + 400], path[OUT_PATH_MAX + 420], why[1024];
    snprintf(pd, sizeof pd, "%s/%s", dir, c->p[i].folder);
    cpoint *p = &c->p[i];
    snprintf(path, sizeof path, "%s/summary.json", pd);
    if (access(path, F_OK)) {
        snprintf(path, sizeof path, "%s.failed", pd);
        p->status = access(path, F_OK) ? ST_PENDING : ST_FAILED;
        return 0;
    }
    cJSON *s = json_read_summary(pd, why, sizeof why);
    if (!s) return cli_errf(err, n, "%s", why);
    p->status = ST_DONE;
    if (c->train) {
        static const char *const names[] = {"final_test_acc", "last5_test_acc", "final_train_loss", "pulses", "wall_s"};
        for (int m = 0; m < 5 - !c->timings; m++) VAL(c, i, metric_index(c, names[m])) = num(s, names[m]);
        if (c->target > 0) {
            double e, pl;
            to_target(c, pd, &e, &pl);
            VAL(c, i, metric_index(c, "epochs_to_target")) = e;
            VAL(c, i, metric_index(c, "pulses_to_target")) = pl;
        }
        /* the per-epoch test accuracies, for the paper's statistic (paper_stat); left out unless all numbers */
        const cJSON *ta = cJSON_GetObjectItemCaseSensitive(s, "test_acc");
        const int ne = cJSON_IsArray(ta) ? cJSON_GetArraySize(ta) : 0;
        if (ne > 0 && (c->acc[i] = malloc((size_t)ne * sizeof *c->acc[i]))) {
            int e = 0;
            for (const cJSON *x = ta->child; x && cJSON_IsNumber(x); x = x->next) c->acc[i][e++] = x->valuedouble;
            c->nacc[i] = e == ne ? ne : 0;
        }
    } else {
        const cJSON *cv = cJSON_GetObjectItemCaseSensitive(s, "curves");
        double pulses = 0, secs = 0;
        for (const cJSON *e = cJSON_IsArray(cv) ? cv->child : NULL; e; e = e->next) {
            const cJSON *nm = cJSON_GetObjectItemCaseSensitive(e, "name");
            if (!cJSON_IsString(nm)) continue;
            char col[128];
            int k = snprintf(col, sizeof col, "final_error.");
            for (const char *q = nm->valuestring; *q && k < (int)sizeof col - 1; q++) col[k++] = *q == ' ' ? '_' : *q;
            col[k] = 0;
            const int m = metric_index(c, col);
            if (m < 0) {
                cJSON_Delete(s);
                return cli_errf(err, n, "%s: more than %d metrics", path_show(dir), MAX_METRICS);
            }
            VAL(c, i, m) = num(e, "final_error");
            pulses += num(e, "pulses");
            secs += num(e, "seconds");
        }
        p->status = ST_DONE;
        VAL(c, i, MAX_METRICS - 2) = pulses; /* placed by order_lsq_metrics */
        VAL(c, i, MAX_METRICS - 1) = secs;
    }
    cJSON_Delete(s);
    return 0;
}

/* lsq: pulses and seconds after the curves' columns. */
static void order_lsq_metrics(csweep *c)
{
    if (c->train) return;
    const int mp = metric_index(c, "pulses"), ms = c->timings ? metric_index(c, "seconds") : -1;
    for (size_t i = 0; i < c->np; i++) {
        if (c->p[i].status != ST_DONE) continue;
        VAL(c, i, mp) = VAL(c, i, MAX_METRICS - 2);
        if (ms >= 0) VAL(c, i, ms) = VAL(c, i, MAX_METRICS - 1);
    }
}

/* ----------------------------------------------------------------- tables */

/* Write through PATH.tmp-PID, renamed to PATH by csv_done. */
static csv_writer *csv_begin(const char *path, const char *const *cols, char *tmp, size_t cap, char *err, size_t n)
{
    snprintf(tmp, cap, "%s.tmp-%ld", path, (long)getpid());
    return csv_open(tmp, cols, err, n);
}

static int csv_done(csv_writer *w, const char *tmp, const char *path, char *err, size_t n)
{
    if (csv_close(w, err, n)) return unlink(tmp), -1;
    if (rename(tmp, path)) return unlink(tmp), cli_errf(err, n, "cannot write %s: %s", path_show(path), strerror(errno));
    return 0;
}

static int write_results(const csweep *c, const char *path, char *err, size_t n)
{
    const char *cols[3 + MAX_KEYS + MAX_METRICS + 1];
    int nc = 0;
    cols[nc++] = "index", cols[nc++] = "folder", cols[nc++] = "status";
    for (int k = 0; k < c->nkeys; k++) cols[nc++] = c->key[k];
    for (int m = 0; m < c->nm; m++) cols[nc++] = c->mname[m];
    cols[nc] = NULL;
    char tmp[OUT_PATH_MAX + 400];
    csv_writer *w = csv_begin(path, cols, tmp, sizeof tmp, err, n);
    if (!w) return -1;
    for (size_t i = 0; i < c->np; i++) {
        csv_i64(w, (int64_t)i);
        csv_str(w, c->p[i].folder);
        csv_str(w, status_name[c->p[i].status]);
        for (int k = 0; k < c->nkeys; k++) csv_str(w, c->p[i].par[k]);
        for (int m = 0; m < c->nm; m++) {
            if (isnan(VAL(c, i, m)) && c->p[i].status != ST_DONE) csv_str(w, "");
            else csv_num(w, VAL(c, i, m));
        }
        csv_end_row(w);
    }
    return csv_done(w, tmp, path, err, n);
}

/* Points i and j have the same values of every swept key but the seed (and skip). */
static int same_setting(const csweep *c, size_t i, size_t j, int skip)
{
    for (int k = 0; k < c->nkeys; k++)
        if (k != c->seed_k && k != skip && strcmp(c->p[i].par[k], c->p[j].par[k])) return 0;
    return 1;
}

/* group[i]: the first point of i's setting (over the keys but the seed and skip). @return the count of groups. */
static size_t make_groups(const csweep *c, size_t *group, int skip)
{
    size_t ng = 0;
    for (size_t i = 0; i < c->np; i++) {
        group[i] = i;
        for (size_t j = 0; j < i; j++)
            if (group[j] == j && same_setting(c, i, j, skip)) {
                group[i] = j;
                break;
            }
        ng += group[i] == i;
    }
    return ng;
}

/* Mean, sample std (NaN for fewer than 2) and count of metric m over the done points of group g. */
static void stats(const csweep *c, const size_t *group, size_t g, int m, double *mean, double *sd, int *cnt)
{
    double s = 0, ss = 0;
    int k = 0;
    for (size_t i = 0; i < c->np; i++)
        if (group[i] == g && c->p[i].status == ST_DONE && !isnan(VAL(c, i, m))) s += VAL(c, i, m), k++;
    *mean = k ? s / k : NAN;
    for (size_t i = 0; i < c->np; i++)
        if (group[i] == g && c->p[i].status == ST_DONE && !isnan(VAL(c, i, m))) {
            const double d = VAL(c, i, m) - *mean;
            ss += d * d;
        }
    *sd = k > 1 ? sqrt(ss / (k - 1)) : NAN;
    *cnt = k;
}

/* The paper's statistic of group g (train; reproduce_full.c's): over its done points with test_acc
 * (cnt of them), per epoch of the epochs all of them have, the mean and the sample std over those
 * points; then the mean of each over the last 5 of those epochs (all of them if fewer). sd is NaN
 * for fewer than 2 points, both NaN for none. */
static void paper_stat(const csweep *c, const size_t *group, size_t g, double *mean, double *sd, int *cnt)
{
    int k = 0, ne = 0;
    for (size_t i = 0; i < c->np; i++)
        if (group[i] == g && c->p[i].status == ST_DONE && c->nacc[i] > 0)
            ne = k++ ? (c->nacc[i] < ne ? c->nacc[i] : ne) : c->nacc[i];
    *cnt = k;
    *mean = *sd = NAN;
    if (!k) return;
    const int e0 = ne > 5 ? ne - 5 : 0;
    double sm = 0, ss = 0;
    for (int e = e0; e < ne; e++) {
        double m = 0, v = 0;
        for (size_t i = 0; i < c->np; i++)
            if (group[i] == g && c->p[i].status == ST_DONE && c->nacc[i] > 0) m += c->acc[i][e] / k;
        for (size_t i = 0; i < c->np; i++)
            if (group[i] == g && c->p[i].status == ST_DONE && c->nacc[i] > 0)
                v += (c->acc[i][e] - m) * (c->acc[i][e] - m);
        sm += m;
        ss += k > 1 ? sqrt(v / (k - 1)) : 0;
    }
    *mean = sm / (ne - e0);
    if (k > 1) *sd = ss / (ne - e0);
}

static int write_summary(const csweep *c, const size_t *group, const char *path, char *err, size_t n)
{
    static char names[3 * MAX_METRICS][160];
    const char *cols[MAX_KEYS + 1 + 3 * MAX_METRICS + 2 + 1];
    int nc = 0;
    for (int k = 0; k < c->nkeys; k++)
        if (k != c->seed_k) cols[nc++] = c->key[k];
    cols[nc++] = "n";
    for (int m = 0; m < c->nm; m++) {
        static const char *const suf[] = {"_mean", "_std", "_n"};
        for (int t = 0; t < 3; t++) {
            snprintf(names[3 * m + t], sizeof names[0], "%s%s", c->mname[m], suf[t]);
            cols[nc++] = names[3 * m + t];
        }
    }
    if (c->train) cols[nc++] = "paper_acc_mean", cols[nc++] = "paper_acc_std";
    cols[nc] = NULL;
    char tmp[OUT_PATH_MAX + 400];
    csv_writer *w = csv_begin(path, cols, tmp, sizeof tmp, err, n);
    if (!w) return -1;
    for (size_t g = 0; g < c->np; g++) {
        if (group[g] != g) continue;
        int done = 0;
        for (size_t i = 0; i < c->np; i++) done += group[i] == g && c->p[i].status == ST_DONE;
        for (int k = 0; k < c->nkeys; k++)
            if (k != c->seed_k) csv_str(w, c->p[g].par[k]);
        csv_i64(w, done);
        for (int m = 0; m < c->nm; m++) {
            double mean, sd;
            int cnt;
            stats(c, group, g, m, &mean, &sd, &cnt);
            if (cnt) csv_num(w, mean);
            else csv_str(w, "");
            if (cnt > 1) csv_num(w, sd);
            else csv_str(w, "");
            csv_i64(w, cnt);
        }
        if (c->train) {
            double mean, sd;
            int cnt;
            paper_stat(c, group, g, &mean, &sd, &cnt);
            if (cnt) csv_num(w, mean);
            else csv_str(w, "");
            if (cnt > 1) csv_num(w, sd);
            else csv_str(w, "");
        }
        csv_end_row(w);
    }
    return csv_done(w, tmp, path, err, n);
}

/* ------------------------------------------------------------------ plots */

static int numeric(const char *s, double *x)
{
    char *end;
    errno = 0;
    *x = strtod(s, &end);
    return end != s && !*end && isfinite(*x);
}

/* The swept key that names the algorithm (train: optimizer.kind), or -1. */
static int algo_key(const csweep *c)
{
    for (int k = 0; c->train && k < c->nkeys; k++)
        if (!strcmp(c->key[k], "optimizer.kind")) return k;
    return -1;
}

/* Points i and j: the same value of key `only` (only >= 0), else of every swept key but the seed, a and b. */
static int same_class(const csweep *c, size_t i, size_t j, int a, int b, int only)
{
    if (only >= 0) return !strcmp(c->p[i].par[only], c->p[j].par[only]);
    for (int k = 0; k < c->nkeys; k++)
        if (k != c->seed_k && k != a && k != b && strcmp(c->p[i].par[k], c->p[j].par[k])) return 0;
    return 1;
}

/* ord[i]: the class of point i (same_class) as an ordinal from 1, in order of first appearance. @return the
 * count of classes. */
static int class_ordinals(const csweep *c, int *ord, int a, int b, int only)
{
    int n = 0;
    for (size_t i = 0; i < c->np; i++) {
        size_t j = 0;
        while (j < i && !same_class(c, i, j, a, b, only)) j++;
        ord[i] = j < i ? ord[j] : ++n;
    }
    return n;
}

/* The main metric against swept key kx: one line per setting of the other keys (and per
 * metric of ms[0..nms)), y the mean over the seeds. Dash by algorithm (the lsq curve of the metric, or
 * optimizer.kind), colour by the setting of the other keys (by algorithm where there is one setting). */
static int plot_against(const csweep *c, int kx, const int *ms, int nms, const char *mlabel, int logy,
                        const char *path, char *err, size_t n)
{
    size_t *group = malloc(c->np * sizeof *group);
    double *xs = malloc(c->np * sizeof *xs), *buf = malloc((size_t)MAX_SERIES * c->np * 2 * sizeof *buf);
    int *col = malloc(c->np * 2 * sizeof *col);
    plot_series ser[MAX_SERIES];
    static char lname[MAX_SERIES][256];
    int ns = 0, rc = 0;
    if (!group || !xs || !buf || !col) {
        free(group), free(xs), free(buf), free(col);
        return cli_errf(err, n, "out of memory");
    }
    make_groups(c, group, kx); /* lines: the settings of the keys other than kx and the seed */
    int *alg = col + c->np;
    const int ak = algo_key(c) == kx ? -1 : algo_key(c);
    const int ncol = class_ordinals(c, col, kx, ak, -1); /* colours: the settings but the algorithm's */
    const int nalg = ak >= 0 ? class_ordinals(c, alg, -1, -1, ak) : nms;
    for (size_t i = 0; i < c->np; i++) numeric(c->p[i].par[kx], &xs[i]);
    for (int mi = 0; mi < nms; mi++)
        for (size_t g = 0; g < c->np && ns < MAX_SERIES; g++) {
            if (group[g] != g) continue;
            /* the distinct x of the line, ascending, each the mean over the points at it */
            double *x = buf + (size_t)ns * 2 * c->np, *y = x + c->np;
            size_t np = 0;
            for (size_t i = 0; i < c->np; i++) {
                if (group[i] != g || c->p[i].status != ST_DONE || isnan(VAL(c, i, ms[mi]))) continue;
                size_t at = 0;
                while (at < np && x[at] < xs[i]) at++;
                if (at < np && x[at] == xs[i]) continue; /* counted with its first point below */
                double s = 0;
                int k = 0;
                for (size_t j = i; j < c->np; j++)
                    if (group[j] == g && xs[j] == xs[i] && c->p[j].status == ST_DONE && !isnan(VAL(c, j, ms[mi])))
                        s += VAL(c, j, ms[mi]), k++;
                memmove(x + at + 1, x + at, (np - at) * sizeof *x);
                memmove(y + at + 1, y + at, (np - at) * sizeof *y);
                x[at] = xs[i], y[at] = s / k;
                np++;
            }
            if (!np) continue;
            size_t len = 0;
            lname[ns][0] = 0;
            if (nms > 1) len += (size_t)snprintf(lname[ns], sizeof lname[0], "%s", c->mname[ms[mi]] + 12);
            if (ak >= 0) len += (size_t)snprintf(lname[ns] + len, sizeof lname[0] - len, "%s", c->p[g].par[ak]);
            for (int k = 0; k < c->nkeys && len < sizeof lname[0]; k++)
                if (k != kx && k != c->seed_k && k != ak) {
                    char lab[200];
                    plot_setting_label(c->key[k], c->p[g].par[k], lab, sizeof lab);
                    len += (size_t)snprintf(lname[ns] + len, sizeof lname[0] - len, "%s%s", len ? ", " : "", lab);
                }
            const int a = ak >= 0 ? alg[g] - 1 : mi;
            ser[ns] = (plot_series){.name = lname[ns], .x = x, .y = y, .n = np,
                                    .colour = ncol > 1 || nalg < 2 ? col[g] : a + 1, .dash = a};
            ns++;
        }
    char title[512], xlab[200];
    plot_axis_label(c->key[kx], xlab, sizeof xlab);
    snprintf(title, sizeof title, "xbar sweep: %s against %s (mean over seeds)", mlabel, xlab);
    plot_spec sp = {.title = title, .xlabel = xlab, .ylabel = mlabel, .logy = logy, .key_outside = 1,
                    .ymax = c->train ? 100 : 0, .series = ser, .nseries = ns};
    if (ns) rc = plot_lines(path, &sp, err, n);
    free(group), free(xs), free(buf), free(col);
    return rc;
}

/* Point i's swept settings as a paper writes them ("3: τ = 5, seed = 1") into buf. */
static void point_label(const csweep *c, size_t i, char *buf, size_t cap)
{
    size_t len = (size_t)snprintf(buf, cap, "%zu:", i);
    for (int k = 0; k < c->nkeys && len < cap; k++) {
        char lab[200];
        plot_setting_label(c->key[k], c->p[i].par[k], lab, sizeof lab);
        len += (size_t)snprintf(buf + len, cap - len, "%s %s", k ? "," : "", lab);
    }
}

/* The ordinal from 1 of name among names[0..*n) (appended if new, up to MAX_SERIES). */
static int name_ordinal(char names[][64], int *n, const char *name)
{
    for (int k = 0; k < *n; k++)
        if (!strcmp(names[k], name)) return k + 1;
    if (*n == MAX_SERIES) return 1;
    snprintf(names[*n], sizeof names[0], "%s", name);
    return ++*n;
}

/* The learning curves of the chosen points into path: colour by point, dash by algorithm (the lsq curve's
 * kind, or optimizer.kind); one point's curves are told apart by colour too. */
static int plot_curves(const csweep *c, const collect_opts *o, const char *path, char *err, size_t n)
{
    plot_series ser[MAX_SERIES];
    static char lname[MAX_SERIES][512];
    static char algos[MAX_SERIES][64];
    double *arrays[MAX_SERIES * 2] = {0};
    int ns = 0, rc = 0, nalgo = 0;
    const int ak = algo_key(c);
    for (int q = 0; q < o->ncurves && ns < MAX_SERIES && !rc; q++) {
        const size_t i = (size_t)o->curves[q];
        char pd[OUT_PATH_MAX + 400], why[1024], plab[240];
        snprintf(pd, sizeof pd, "%s/%s", o->dir, c->p[i].folder);
        point_label(c, i, plab, sizeof plab);
        if (c->train) {
            cJSON *s = json_read_summary(pd, why, sizeof why);
            const cJSON *acc = cJSON_GetObjectItemCaseSensitive(s, "test_acc");
            const int ne = cJSON_GetArraySize(acc);
            double *x = malloc(((size_t)ne + 1) * sizeof *x), *y = malloc(((size_t)ne + 1) * sizeof *y);
            int e = 0;
            for (const cJSON *v = cJSON_IsArray(acc) ? acc->child : NULL; v && x && y; v = v->next, e++)
                x[e] = e + 1, y[e] = cJSON_IsNumber(v) ? v->valuedouble : NAN;
            cJSON_Delete(s);
            arrays[2 * ns] = x, arrays[2 * ns + 1] = y;
            snprintf(lname[ns], sizeof lname[0], "%s", plab);
            const int a = ak >= 0 ? name_ordinal(algos, &nalgo, c->p[i].par[ak]) : 1;
            ser[ns] = (plot_series){.name = lname[ns], .x = x, .y = y, .n = x && y ? (size_t)e : 0,
                                    .colour = q + 1, .dash = a - 1};
            ns++;
            continue;
        }
        char mp[OUT_PATH_MAX + 420], *text;
        size_t len;
        snprintf(mp, sizeof mp, "%s/metrics.csv", pd);
        if (out_read_file(mp, &text, &len, why, sizeof why)) {
            rc = cli_errf(err, n, "%s", why);
            break;
        }
        /* curve,kind,value,iteration,loss,...: one series per curve, in file order */
        const char *p = strchr(text, '\n');
        char cur[256] = "", f[256];
        double *x = NULL, *y = NULL;
        size_t cnt = 0, cap = 0;
        while (p && *++p) {
            char curve[256], kind[64];
            csv_next_field(&p, curve, sizeof curve);
            csv_next_field(&p, kind, sizeof kind);
            for (int k = 0; k < 2; k++) csv_next_field(&p, f, sizeof f);
            const double it = atof(f);
            csv_next_field(&p, f, sizeof f);
            const double loss = atof(f);
            p = strchr(p, '\n');
            if (strcmp(curve, cur) || !x) {
                if (ns == MAX_SERIES) break;
                snprintf(cur, sizeof cur, "%s", curve);
                cnt = 0, cap = 1024;
                x = malloc(cap * sizeof *x), y = malloc(cap * sizeof *y);
                arrays[2 * ns] = x, arrays[2 * ns + 1] = y;
                snprintf(lname[ns], sizeof lname[0], "%s: %s", plab, curve);
                const int a = name_ordinal(algos, &nalgo, kind);
                ser[ns++] = (plot_series){.name = lname[ns - 1], .x = x, .y = y, .n = 0,
                                          .colour = o->ncurves > 1 ? q + 1 : a, .dash = a - 1};
            }
            if (!x || !y) break;
            if (cnt == cap) {
                cap *= 2;
                double *nx = realloc(x, cap * sizeof *x), *ny = nx ? realloc(y, cap * sizeof *y) : NULL;
                if (nx) x = arrays[2 * (ns - 1)] = nx;
                if (!nx || !ny) break;
                y = arrays[2 * (ns - 1) + 1] = ny;
                ser[ns - 1].x = x, ser[ns - 1].y = y;
            }
            x[cnt] = it, y[cnt] = loss, ser[ns - 1].n = ++cnt;
        }
        free(text);
    }
    if (!rc && ns) {
        plot_spec sp = {.title = "xbar sweep: learning curves", .xlabel = c->train ? "epoch" : "iteration",
                        .ylabel = c->train ? "test accuracy (%)" : "loss", .logy = !c->train, .key_outside = 1,
                        .ymax = c->train ? 100 : 0, .series = ser, .nseries = ns};
        rc = plot_lines(path, &sp, err, n);
    }
    for (int k = 0; k < 2 * MAX_SERIES; k++) free(arrays[k]);
    return rc;
}

/* ------------------------------------------------------------------- run */

int collect_run(const collect_opts *o, char *err, size_t n)
{
    csweep *c = calloc(1, sizeof *c);
    if (!c) return cli_errf(err, n, "out of memory"), 1;
    c->target = o->target_loss;
    int rc = read_sweep(c, o->dir, err, n) ? 2 : 0;
    for (size_t i = 0; i < c->np && !rc; i++) rc = read_point(c, o->dir, i, err, n) ? 2 : 0;
    if (!rc) order_lsq_metrics(c);
    for (int q = 0; q < o->ncurves && !rc; q++)
        if (o->curves[q] < 0 || (size_t)o->curves[q] >= c->np || c->p[o->curves[q]].status != ST_DONE) {
            cli_errf(err, n, "--curves: point %ld: %s", o->curves[q],
                 o->curves[q] < 0 || (size_t)o->curves[q] >= c->np ? "no such point" : "not done");
            if (o->curves[q] >= 0 && (size_t)o->curves[q] >= c->np)
                snprintf(err + strlen(err), n - strlen(err), " (the sweep has %zu points, 0..%zu)", c->np,
                         c->np ? c->np - 1 : 0);
            rc = 2;
        }
    const char *out = o->out ? o->out : o->dir;
    if (!rc && o->out && (out_check(out, OUT_MAY_EXIST, err, n) || path_mkdirs(out))) {
        if (!err[0] || errno) cli_errf(err, n, "--out %s: cannot create it: %s", path_show(out), strerror(errno));
        rc = 2;
    }
    char path[OUT_PATH_MAX + 300];
    size_t *group = rc ? NULL : malloc((c->np ? c->np : 1) * sizeof *group);
    if (!rc && !group) rc = 1, cli_errf(err, n, "out of memory");
    if (!rc) {
        make_groups(c, group, -1);
        snprintf(path, sizeof path, "%s/results.csv", out);
        if (write_results(c, path, err, n)) rc = 1;
        snprintf(path, sizeof path, "%s/summary.csv", out);
        if (!rc && write_summary(c, group, path, err, n)) rc = 1;
    }
    int plots = 0;
    if (!rc && plot_available()) {
        int ms[MAX_METRICS], nms = 0;
        for (int m = 0; m < c->nm; m++)
            if (c->train ? !strcmp(c->mname[m], "last5_test_acc") : !strncmp(c->mname[m], "final_error.", 12))
                ms[nms++] = m;
        for (int k = 0; k < c->nkeys && nms; k++) {
            double x;
            int all = c->np > 0 && k != c->seed_k;
            for (size_t i = 0; i < c->np && all; i++) all = numeric(c->p[i].par[k], &x);
            if (!all) continue;
            char why[1024];
            snprintf(path, sizeof path, "%s/plot-%s-vs-%s.png", out, c->train ? "last5_test_acc" : "final_error",
                     c->key[k]);
            if (plot_against(c, k, ms, nms, c->train ? "last-5-epoch test accuracy (%)" : "final error f(W_K) - f*",
                             !c->train, path, why, sizeof why))
                fprintf(stderr, "xbar collect: warning: no %s: %s\n", path_show(path), why);
            else plots++;
        }
        if (o->ncurves) {
            char why[1024];
            snprintf(path, sizeof path, "%s/curves.png", out);
            if (plot_curves(c, o, path, why, sizeof why))
                fprintf(stderr, "xbar collect: warning: no %s: %s\n", path_show(path), why);
            else plots++;
        }
    }
    if (!rc) {
        size_t cnt[3] = {0, 0, 0};
        for (size_t i = 0; i < c->np; i++) cnt[c->p[i].status]++;
        printf("%zu points: %zu done, %zu failed, %zu pending; wrote %s/results.csv, summary.csv and %d plot%s\n", c->np,
               cnt[ST_DONE], cnt[ST_FAILED], cnt[ST_PENDING], path_show(out), plots, plots == 1 ? "" : "s");
    }
    free(group);
    cJSON_Delete(c->doc);
    free(c->p);
    free(c->v);
    for (size_t i = 0; c->acc && i < c->np; i++) free(c->acc[i]);
    free(c->acc);
    free(c->nacc);
    free(c);
    return rc;
}
