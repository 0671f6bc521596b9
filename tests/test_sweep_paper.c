/* test_sweep_paper.c - the paper's Figure 5 sweep files and collect's paper statistic (argv[1] =
 * the program's path; without it, the xbar beside this test's folder):
 *   fig5   every point of configs/sweeps/fig5-mnist-fcn.ini, fig5-mnist-cnn.ini and
 *          fig5-fashion-fcn.ini writes the config.ini that `xbar reproduce --full` writes for the
 *          same configuration of configs/paper/ and seed, byte for byte; each of the 21
 *          (configuration, seed) pairs is one point. Both run 2 epochs (--set train.epochs=2,
 *          --epochs 2) on a synthetic 28x28 set (40 / 20 images: data/mnist in the scratch folder,
 *          the working folder); the Fashion-MNIST part reads it through data.dir, given to both
 *          (reproduce: copies of configs/paper/fcn-*.ini with that one key added). Then collect's
 *          paper_acc_mean / paper_acc_std equal reproduce's table.md (mean ± std, 2 decimals);
 *   paper  a hand-made train sweep folder: paper_acc_mean / paper_acc_std of summary.csv equal the
 *          per-epoch mean and sample std over the seeds, averaged over the last 5 epochs, computed
 *          here (the epochs all points of a setting have; a failed point left out; one point: no
 *          std);
 *   zip    a value may repeat in a zip (its positions differ in another key), a whole position
 *          may not; a grid still refuses a repeated value. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli_util.h"
#include "util.h"

static char tmp[256], root[512];

/* Column `name` of CSV header line `head` (0-based), or -1. */
static int column(const char *head, const char *name)
{
    int c = 0;
    size_t len = strlen(name);
    for (const char *p = head; p && *p && *p != '\n'; c++) {
        if (!strncmp(p, name, len) && (p[len] == ',' || p[len] == '\n' || !p[len])) return c;
        p = strpbrk(p, ",\n");
        if (!p || *p == '\n') break;
        p++;
    }
    return -1;
}

/* Field c of the CSV line at p (no quoted fields here) as a number; NaN if empty. */
static double field(const char *p, int c)
{
    for (int k = 0; k < c && p; k++) {
        p = strpbrk(p, ",\n");
        if (p && *p == ',') p++;
        else p = NULL;
    }
    if (!p || *p == ',' || *p == '\n' || !*p) return NAN;
    return atof(p);
}

/* The config files of one part and the reproduce --full folder stem of a point's params. */
typedef struct {
    const char *part, *net, *taus[3];
    int fashion;
} part;

static int stem_of(const part *pt, const cJSON *params, char *stem, size_t cap, int *seed)
{
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(params, "optimizer.kind");
    const cJSON *w = cJSON_GetObjectItemCaseSensitive(params, "device.w_max");
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(params, "seed");
    if (!cJSON_IsString(k) || !cJSON_IsString(w) || !cJSON_IsString(s)) return -1;
    *seed = atoi(s->valuestring);
    if (!strcmp(k->valuestring, "digital")) snprintf(stem, cap, "%s-digital", pt->net);
    else if (!strcmp(k->valuestring, "analog_sgd")) snprintf(stem, cap, "%s-analog-sgd-tau%s", pt->net, w->valuestring);
    else if (!strcmp(k->valuestring, "tiki_taka")) snprintf(stem, cap, "%s-tiki-taka-tau%s", pt->net, w->valuestring);
    else return -1;
    return 0;
}

/* Copies of configs/paper/NET-*.ini into dst with `dir = DATA` in [data] (after its set line). */
static void copy_configs(const part *pt, const char *dst, const char *data)
{
    mkdir(dst, 0700);
    static const char *const algos[] = {"analog-sgd", "tiki-taka"};
    for (int i = 0; i < 7; i++) {
        char name[64], src[800], out[800];
        if (!i) snprintf(name, sizeof name, "%s-digital", pt->net);
        else snprintf(name, sizeof name, "%s-%s-tau%s", pt->net, algos[(i - 1) / 3], pt->taus[(i - 1) % 3]);
        snprintf(src, sizeof src, "%s/configs/paper/%s.ini", root, name);
        snprintf(out, sizeof out, "%s/%s.ini", dst, name);
        char *t = xt_slurp(src, NULL), *at = t ? strstr(t, "\nset = mnist\n") : NULL;
        CHECK(at != NULL, "%s: no [data] set = mnist line", src);
        if (!at) {
            free(t);
            continue;
        }
        at += strlen("\nset = mnist\n");
        FILE *f = fopen(out, "w");
        CHECK(f != NULL, "cannot write %s", out);
        if (f) fprintf(f, "%.*sdir = %s\n%s", (int)(at - t), t, data, at), fclose(f);
        free(t);
    }
}

/* The k-th table row of part `name` in table.md: mean and std of "| ... | M ± S |". */
static int table_row(const char *table, const char *name, int k, double *m, double *s)
{
    char head[64];
    snprintf(head, sizeof head, "## %s (", name);
    const char *p = table ? strstr(table, head) : NULL;
    p = p ? strstr(p, "|---") : NULL;
    for (int i = 0; p && i <= k; i++) {
        p = strchr(p, '\n');
        if (p) p++;
    }
    if (!p || *p != '|') return -1;
    /* the third cell: | algorithm | tau | mean ± std | */
    for (int c = 0; c < 2 && p; c++) p = strchr(p + 1, '|');
    return p && sscanf(p + 1, " %lf ± %lf", m, s) == 2 ? 0 : -1;
}

static void test_fig5(void)
{
    static const part parts[] = {{"mnist-fcn", "fcn", {"0.70", "0.78", "0.80"}, 0},
                                 {"mnist-cnn", "cnn", {"0.6", "0.7", "0.8"}, 0},
                                 {"fashion-fcn", "fcn", {"0.70", "0.78", "0.80"}, 1}};
    char a[4096], p[1200], q[1200], data[400], fdata[400], fconf[400];
    snprintf(p, sizeof p, "%s/configs/sweeps/fig5-mnist-fcn.ini", root);
    if (!xt_exists(p)) {
        fprintf(stderr, "test_sweep_paper: %s not found (not built from the source tree): fig5 skipped\n", p);
        return;
    }
    /* reproduce --full and train read data/mnist from the working folder */
    CHECK(chdir(tmp) == 0, "cannot enter %s", tmp);
    snprintf(data, sizeof data, "%s/data", tmp);
    mkdir(data, 0700);
    strcat(data, "/mnist");
    mkdir(data, 0700);
    xt_write_idx_set(data, "train", 40, 0, 0);
    xt_write_idx_set(data, "t10k", 20, 1, 0);
    snprintf(fdata, sizeof fdata, "%s/fashion", tmp);
    mkdir(fdata, 0700);
    xt_write_idx_set(fdata, "train", 40, 2, 0);
    xt_write_idx_set(fdata, "t10k", 20, 3, 0);
    snprintf(fconf, sizeof fconf, "%s/fconf", tmp);
    copy_configs(&parts[2], fconf, fdata);
    /* no plots (gnuplot off PATH): the configurations and tables are what is checked */
    const char *path = getenv("PATH");
    char saved[4096];
    snprintf(saved, sizeof saved, "%s", path ? path : "/usr/bin:/bin");
    setenv("PATH", "/nonexistent", 1);
    /* reproduce's claims fail on this data (exit 1); every run is done */
    snprintf(a, sizeof a, "reproduce --full --quiet --parts mnist-fcn,mnist-cnn --seeds 3 --epochs 2 --jobs 2 "
                          "--configs %s/configs/paper --out %s/rep", root, tmp);
    int rc = xt_run(a);
    CHECK(rc == 0 || rc == 1, "xbar %s: exit %d", a, rc);
    snprintf(a, sizeof a, "reproduce --full --quiet --parts fashion-fcn --seeds 3 --epochs 2 --jobs 2 --configs %s "
                          "--out %s/repf", fconf, tmp);
    rc = xt_run(a);
    CHECK(rc == 0 || rc == 1, "xbar %s: exit %d", a, rc);
    for (int i = 0; i < 3; i++) {
        const part *pt = &parts[i];
        char dir[600], extra[600] = "";
        snprintf(dir, sizeof dir, "%s/sw-%s", tmp, pt->part);
        if (pt->fashion) snprintf(extra, sizeof extra, "--set data.dir=%s", fdata);
        snprintf(a, sizeof a, "sweep --quiet --jobs 2 --config %s/configs/sweeps/fig5-%s.ini --set train.epochs=2 %s --out %s",
                 root, pt->part, extra, dir);
        CHECK(xt_run(a) == 0, "xbar %s failed", a);
        snprintf(p, sizeof p, "%s/sweep.json", dir);
        char *sj = xt_slurp(p, NULL);
        cJSON *j = sj ? cJSON_Parse(sj) : NULL;
        free(sj);
        const cJSON *pts = cJSON_GetObjectItemCaseSensitive(j, "points");
        CHECK(cJSON_GetArraySize(pts) == 21, "%s: %d points, not 21", p, cJSON_GetArraySize(pts));
        int seen[7][3] = {{0}};
        for (const cJSON *e = cJSON_IsArray(pts) ? pts->child : NULL; e; e = e->next) {
            const cJSON *fo = cJSON_GetObjectItemCaseSensitive(e, "folder");
            char stem[96];
            int seed = 0;
            if (!cJSON_IsString(fo) || stem_of(pt, cJSON_GetObjectItemCaseSensitive(e, "params"), stem, sizeof stem, &seed)) {
                CHECK(0, "%s: a point without folder or params", p);
                continue;
            }
            snprintf(p, sizeof p, "%s/%s/config.ini", dir, fo->valuestring);
            snprintf(q, sizeof q, "%s/%s/%s/%s-s%d/config.ini", tmp, pt->fashion ? "repf" : "rep", pt->part, stem, seed);
            CHECK(xt_exists(q), "%s: point %s is no configuration of reproduce --full (no %s)", pt->part,
                  fo->valuestring, q);
            CHECK(xt_same_file(p, q), "%s differs from %s", p, q);
            for (int c = 0; c < 7; c++) {
                char want[96];
                static const char *const algos[] = {"analog-sgd", "tiki-taka"};
                if (!c) snprintf(want, sizeof want, "%s-digital", pt->net);
                else snprintf(want, sizeof want, "%s-%s-tau%s", pt->net, algos[(c - 1) / 3], pt->taus[(c - 1) % 3]);
                if (!strcmp(want, stem) && seed >= 1 && seed <= 3) seen[c][seed - 1]++;
            }
        }
        for (int c = 0; c < 7; c++)
            for (int s = 0; s < 3; s++)
                CHECK(seen[c][s] == 1, "%s: configuration %d seed %d is %d points, not 1", pt->part, c, s + 1, seen[c][s]);
        cJSON_Delete(j);
        /* collect's paper statistic against reproduce's table, row by row (the configurations' order) */
        snprintf(a, sizeof a, "collect --quiet %s", dir);
        CHECK(xt_run(a) == 0, "xbar %s failed", a);
        snprintf(p, sizeof p, "%s/summary.csv", dir);
        snprintf(q, sizeof q, "%s/%s/table.md", tmp, pt->fashion ? "repf" : "rep");
        char *sum = xt_slurp(p, NULL), *table = xt_slurp(q, NULL);
        const int cm = sum ? column(sum, "paper_acc_mean") : -1, cs = sum ? column(sum, "paper_acc_std") : -1;
        CHECK(cm >= 0 && cs == cm + 1, "%s: no paper_acc_mean, paper_acc_std columns", p);
        const char *row = sum ? strchr(sum, '\n') : NULL;
        for (int r = 0; r < 7 && cm >= 0; r++) {
            double tm = NAN, ts = NAN;
            CHECK(row && row[1] && !table_row(table, pt->part, r, &tm, &ts), "%s / %s: row %d missing", p, q, r);
            if (!row || !row[1]) break;
            row++;
            const double m = field(row, cm), s = field(row, cs);
            CHECK(fabs(m - tm) <= 0.005 + 1e-9 && fabs(s - ts) <= 0.005 + 1e-9,
                  "%s row %d: paper_acc %g ± %g, reproduce's table %.2f ± %.2f", pt->part, r, m, s, tm, ts);
            row = strchr(row, '\n');
        }
        free(sum);
        free(table);
    }
    setenv("PATH", saved, 1);
}

/* The test's own accuracy of point (group g, seed s) at epoch e. */
static double acc_of(int g, int s, int e) { return 50 + 20 * sin(1.7 * g + 2.3 * s + 0.9 * e) + 3 * e; }

/* A hand-made sweep folder tmp/NAME with its points/ into d; p gets the path of its sweep.json. */
static void hand_sweep(const char *name, char *d, size_t dcap, char *p, size_t pcap)
{
    snprintf(d, dcap, "%s/%s", tmp, name);
    mkdir(d, 0700);
    snprintf(p, pcap, "%s/points", d);
    mkdir(p, 0700);
    snprintf(p, pcap, "%s/sweep.json", d);
}

static void test_paper_stat(void)
{
    /* settings: a (3 seeds, 7 epochs), b (3 seeds, the third failed), c (1 seed, 4 epochs),
     * d (3 seeds of 8, 6 and 9 epochs: the statistic over the first 6) */
    static const char *const names[] = {"a", "b", "c", "d"};
    static const int nseeds[] = {3, 3, 1, 3};
    static const int epochs[4][3] = {{7, 7, 7}, {7, 7, 7}, {4, 0, 0}, {8, 6, 9}};
    char d[400], p[600], a[1024];
    hand_sweep("hand", d, sizeof d, p, sizeof p);
    FILE *f = fopen(p, "w");
    CHECK(f != NULL, "cannot write %s", p);
    if (!f) return;
    fprintf(f, "{\"sweep_command\": \"train\", \"timings\": false, \"keys\": [\"optimizer.kind\", \"seed\"], \"points\": [");
    int idx = 0;
    for (int g = 0; g < 4; g++)
        for (int s = 0; s < nseeds[g]; s++, idx++)
            fprintf(f, "%s{\"index\": %d, \"folder\": \"points/%d\", \"params\": {\"optimizer.kind\": \"%s\", \"seed\": "
                       "\"%d\"}}", idx ? ", " : "", idx, idx, names[g], s + 1);
    fprintf(f, "]}\n");
    fclose(f);
    idx = 0;
    for (int g = 0; g < 4; g++)
        for (int s = 0; s < nseeds[g]; s++, idx++) {
            snprintf(p, sizeof p, "%s/points/%d", d, idx);
            if (g == 1 && s == 2) {
                strcat(p, ".failed");
                xt_write_text(p, "exit 3: diverged\n");
                continue;
            }
            mkdir(p, 0700);
            strcat(p, "/summary.json");
            f = fopen(p, "w");
            if (!f) continue;
            fprintf(f, "{\"final_test_acc\": 1, \"last5_test_acc\": 2, \"final_train_loss\": 0.5, \"pulses\": 100, "
                       "\"test_acc\": [");
            for (int e = 0; e < epochs[g][s]; e++) fprintf(f, "%s%.17g", e ? ", " : "", acc_of(g, s, e));
            fprintf(f, "]}\n");
            fclose(f);
        }
    snprintf(a, sizeof a, "collect --quiet %s", d);
    CHECK(xt_run(a) == 0, "xbar %s failed", a);
    snprintf(p, sizeof p, "%s/summary.csv", d);
    char *sum = xt_slurp(p, NULL);
    const int cm = sum ? column(sum, "paper_acc_mean") : -1, cs = sum ? column(sum, "paper_acc_std") : -1;
    CHECK(cm >= 0 && cs == cm + 1, "%s: no paper_acc_mean, paper_acc_std columns: %s", p, sum ? sum : "");
    for (int g = 0; g < 4 && cm >= 0; g++) {
        /* the formula: seeds done, the epochs all of them have, the last 5 of those */
        const int k = g == 1 ? 2 : nseeds[g];
        int ne = epochs[g][0];
        for (int s = 1; s < k; s++) ne = epochs[g][s] < ne ? epochs[g][s] : ne;
        const int e0 = ne > 5 ? ne - 5 : 0;
        double want_m = 0, want_s = 0;
        for (int e = e0; e < ne; e++) {
            double m = 0, v = 0;
            for (int s = 0; s < k; s++) m += acc_of(g, s, e);
            m /= k;
            for (int s = 0; s < k; s++) v += (acc_of(g, s, e) - m) * (acc_of(g, s, e) - m);
            want_m += m / (ne - e0);
            want_s += (k > 1 ? sqrt(v / (k - 1)) : 0) / (ne - e0);
        }
        char head[16];
        snprintf(head, sizeof head, "\n%s,", names[g]);
        const char *row = sum ? strstr(sum, head) : NULL;
        CHECK(row != NULL, "summary.csv: no row %s", names[g]);
        if (!row) continue;
        row++;
        const double m = field(row, cm), s = field(row, cs);
        CHECK(fabs(m - want_m) <= 1e-6, "setting %s: paper_acc_mean %.9g, want %.9g", names[g], m, want_m);
        if (k > 1) CHECK(fabs(s - want_s) <= 1e-6, "setting %s: paper_acc_std %.9g, want %.9g", names[g], s, want_s);
        else CHECK(isnan(s), "setting %s (one point): paper_acc_std %g, want empty", names[g], s);
    }
    free(sum);
}

/* collect --target-loss: per point, the first epoch whose train_loss (metrics.csv) is <= L and
 * the pulses of the epochs up to it; empty when never reached; refusals of bad values. */
static void test_target(void)
{
    static const double loss[3][5] = {{0.9, 0.5, 0.25, 0.1, 0.3}, {0.8, 0.6, 0.4, 0.3, 0.26}, {0.2, 0.1, 0.1, 0.1, 0.1}};
    char d[400], p[600], a[1024];
    hand_sweep("target", d, sizeof d, p, sizeof p);
    xt_write_text(p, "{\"sweep_command\": \"train\", \"timings\": false, \"keys\": [\"seed\"], \"points\": ["
                     "{\"index\": 0, \"folder\": \"points/0\", \"params\": {\"seed\": \"1\"}}, "
                     "{\"index\": 1, \"folder\": \"points/1\", \"params\": {\"seed\": \"2\"}}, "
                     "{\"index\": 2, \"folder\": \"points/2\", \"params\": {\"seed\": \"3\"}}]}\n");
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/points/%d", d, i);
        mkdir(p, 0700);
        snprintf(p, sizeof p, "%s/points/%d/summary.json", d, i);
        xt_write_text(p, "{\"final_test_acc\": 1, \"last5_test_acc\": 2, \"final_train_loss\": 0.5, \"pulses\": 1}\n");
        char text[1024];
        int len = snprintf(text, sizeof text, "epoch,lr,train_loss,train_acc,pulses\n");
        for (int e = 0; e < 5; e++)
            len += snprintf(text + len, sizeof text - (size_t)len, "%d,0.1,%g,50,%d\n", e + 1, loss[i][e], 1000 * (e + 1) + i);
        snprintf(p, sizeof p, "%s/points/%d/metrics.csv", d, i);
        xt_write_text(p, text);
    }
    snprintf(a, sizeof a, "collect --quiet --target-loss 0.25 %s", d);
    CHECK(xt_run(a) == 0, "xbar %s failed", a);
    snprintf(p, sizeof p, "%s/results.csv", d);
    char *res = xt_slurp(p, NULL);
    const int ce = res ? column(res, "epochs_to_target") : -1, cp = res ? column(res, "pulses_to_target") : -1;
    CHECK(ce >= 0 && cp == ce + 1, "results.csv: no epochs_to_target, pulses_to_target: %s", res ? res : "");
    /* point 0 reaches 0.25 at epoch 3 (1000 + 2000 + 3000 pulses), point 1 never, point 2 at epoch 1 (1002) */
    const double want_e[3] = {3, NAN, 1}, want_p[3] = {6000, NAN, 1002};
    const char *row = res ? strchr(res, '\n') : NULL;
    for (int i = 0; i < 3 && row && ce >= 0; i++, row = strchr(row, '\n')) {
        row++;
        const double e = field(row, ce), pl = field(row, cp);
        CHECK(isnan(want_e[i]) ? isnan(e) && isnan(pl) : e == want_e[i] && pl == want_p[i],
              "point %d: epochs_to_target %g, pulses_to_target %g; want %g, %g", i, e, pl, want_e[i], want_p[i]);
    }
    free(res);
    snprintf(a, sizeof a, "collect --quiet --target-loss -1 %s", d);
    xt_bad(a, "--target-loss -1", "> 0", NULL);
    snprintf(a, sizeof a, "collect --quiet --target-loss 0.2x %s", d);
    xt_bad(a, "--target-loss 0.2x", NULL, NULL);
}

static void test_zip(void)
{
    char a[1024], ini[400], out[400];
    snprintf(ini, sizeof ini, "%s/zip.ini", tmp);
    snprintf(out, sizeof out, "%s/zipout", tmp);
    const char *base = "[lsq]\nkinds = analog_pulse\ndim = 6\nrows = 12\niterations = 20\n[device]\nmodel = ald\n"
                       "dw_min = 0.01\n";
    char text[1024];
    snprintf(text, sizeof text, "[sweep]\ncommand = lsq\nzip = lsq.lr: 0.1, 0.1, 0.05 ; device.tau: 1, 2, 1\n%s", base);
    xt_write_text(ini, text);
    snprintf(a, sizeof a, "sweep --config %s --out %s --emit-slurm %s/zip.sh", ini, out, tmp);
    CHECK(xt_run(a) == 0, "xbar %s: a zip with a repeated value (other positions) refused", a);
    snprintf(text, sizeof text, "[sweep]\ncommand = lsq\nzip = lsq.lr: 0.1, 0.05, 0.1 ; device.tau: 1, 2, 1\n%s", base);
    xt_write_text(ini, text);
    snprintf(a, sizeof a, "sweep --config %s --out %s", ini, out);
    xt_bad(a, "zip.ini:3", "values 1 and 3 are the same", out);
    snprintf(text, sizeof text, "[sweep]\ncommand = lsq\ngrid = lsq.lr: 0.1, 0.05, 0.1\n%s", base);
    xt_write_text(ini, text);
    xt_bad(a, "zip.ini:3", "value 0.1 is listed twice", out);
}

int main(int argc, char **argv)
{
    xt_cli_start(argc, argv, "sweep-paper", tmp, sizeof tmp);
    const char *src = __FILE__, *slash = strrchr(src, '/');
    snprintf(root, sizeof root, "%.*s/..", slash ? (int)(slash - src) : 1, slash ? src : ".");
    if (root[0] != '/') { /* made absolute: the test works in its scratch folder */
        char cwd[256];
        if (getcwd(cwd, sizeof cwd)) {
            char r[512];
            snprintf(r, sizeof r, "%s/%s", cwd, root);
            snprintf(root, sizeof root, "%s", r);
        }
    }
    unsetenv("SLURM_ARRAY_TASK_ID");
    unsetenv("SLURM_ARRAY_TASK_COUNT");
    test_zip();
    test_paper_stat();
    test_target();
    test_fig5();
    xt_cli_done();
    return xt_done("test_sweep_paper");
}
