/* test_harden_input.c - bad input is refused before anything is computed
 * (argv[1] = the xbar program): exit code 2, one line naming the flag or key
 * and its value, no output folder. One group per rule:
 *   1. flag ranges: --stop-after 0 (an explicit 0 is not "not given"), past
 *      the last epoch; reproduce --full --epochs 0;
 *   2. device.dw_min not below the model's range (train and lsq);
 *   3. a device key the model does not use (--set, --config, the default
 *      value given explicitly); configs/paper/ and the lsq presets still pass;
 *   3b. xbar's own config.ini (train and lsq) lists those keys as comments:
 *      it re-runs with identical metrics, and a copy with one of them
 *      un-commented is refused, naming it;
 *   4. `xbar data mnist-json` with an OUT_DIR that is a file: 2, not 1;
 *   5. an IDX header announcing 2^32-1 images: the data file is named, not
 *      the model's memory (plain and gzip). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "cli_util.h"
#include "util.h"

static char tmp[256], data[320], D[1024], bad[320];

static char *err_text(void)
{
    char path[400];
    snprintf(path, sizeof path, "%s/err.txt", tmp);
    char *e = xt_slurp(path, NULL);
    return e ? e : calloc(1, 1);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL, "cannot write %s", path);
    if (f) fputs(text, f), fclose(f);
}

static void be32(unsigned char *b, unsigned v)
{
    for (int k = 0; k < 4; k++) b[k] = (unsigned char)(v >> (24 - 8 * k));
}

/* DIR/train-* announcing 2^32-1 images of 28x28 over 100 images of data (gz or plain), labels for 100. */
static void write_lying_idx(const char *dir, int gz)
{
    char path[512];
    unsigned char h[16], img[784] = {0}, lab[100];
    snprintf(path, sizeof path, "%s/train-images-idx3-ubyte%s", dir, gz ? ".gz" : "");
    gzFile g = gzopen(path, gz ? "wb" : "wbT"); /* T: plain */
    be32(h, 0x803), be32(h + 4, 0xFFFFFFFFu), be32(h + 8, 28), be32(h + 12, 28);
    gzwrite(g, h, 16);
    for (int i = 0; i < 100; i++) img[i] = (unsigned char)i, gzwrite(g, img, 784);
    gzclose(g);
    for (int i = 0; i < 100; i++) lab[i] = (unsigned char)(i % 10);
    snprintf(path, sizeof path, "%s/train-labels-idx1-ubyte%s", dir, gz ? ".gz" : "");
    g = gzopen(path, gz ? "wb" : "wbT");
    be32(h, 0x801), be32(h + 4, 100);
    gzwrite(g, h, 8);
    gzwrite(g, lab, 100);
    gzclose(g);
    xt_write_idx_set(dir, "t10k", 50, 1, 0);
}

/* PKG/src/digits/0..9.json: 1,000 all-zero images each (a valid package). */
static void write_package(const char *pkg)
{
    char path[512];
    snprintf(path, sizeof path, "mkdir -p %s/src/digits", pkg);
    CHECK(system(path) == 0, "%s", path);
    size_t n = 784 * 1000;
    char *text = malloc(2 * n + 16), *p = text;
    p += sprintf(p, "{\"data\":[");
    for (size_t i = 0; i < n; i++) *p++ = '0', *p++ = ',';
    strcpy(p - 1, "]}");
    for (int d = 0; d < 10; d++) {
        snprintf(path, sizeof path, "%s/src/digits/%d.json", pkg, d);
        write_text(path, text);
    }
    free(text);
}

static void ranges(void)
{
    char a[4096];
    snprintf(a, sizeof a, "train %s --stop-after 0 --out %s", D, bad);
    xt_bad(a, "--stop-after 0", "[1, ", bad);
    snprintf(a, sizeof a, "train %s --set train.epochs=3 --stop-after 3 --out %s", D, bad);
    xt_bad(a, "--stop-after 3", "[1, 2]", bad);
    snprintf(a, sizeof a, "train %s --set train.epochs=3 --stop-after x --out %s", D, bad);
    xt_bad(a, "--stop-after x", "integer", bad);
    snprintf(a, sizeof a, "reproduce --full --quiet --epochs 0 --configs %s/none --out %s", tmp, bad);
    xt_bad(a, "--epochs 0", "[1, 1000]", bad);
    snprintf(a, sizeof a, "reproduce --full --quiet --budget paperz --out %s", bad);
    xt_bad(a, "--budget paperz", "epochs or paper", bad);
    snprintf(a, sizeof a, "reproduce --full --quiet --budget paper --configs %s/none --out %s", tmp, bad);
    xt_bad(a, "--budget and --configs", "choose one", bad);
    snprintf(a, sizeof a, "reproduce --full --quiet --seeds 11 --configs %s/none --out %s", tmp, bad);
    xt_bad(a, "--seeds 11", "[1, 10]", bad);
}

static void dw_min_range(void)
{
    char a[4096];
    /* soft_bounds_ref with w in [-0.78, 0.78]: one pulse of 5 crosses the range 1.56 */
    snprintf(a, sizeof a, "train %s --set device.dw_min=5 --out %s", D, bad);
    xt_bad(a, "device.dw_min = 5", "1.56", bad);
    snprintf(a, sizeof a, "train %s --set device.model=exp_step --set device.dw_min=2 --out %s", D, bad);
    xt_bad(a, "device.dw_min = 2", "exp_step", bad);
    snprintf(a, sizeof a, "train %s --set device.model=pow_zs --set device.tau=0.5 --set device.dw_min=0.5 --out %s", D,
             bad);
    xt_bad(a, "device.dw_min = 0.5", "device.tau = 0.5", bad);
    snprintf(a, sizeof a, "lsq --quiet --set lsq.iterations=5 --set device.model=constant_step --set device.w_max=0.5 "
             "--set device.w_min=-0.5 --set device.dw_min=1 --out %s", bad);
    xt_bad(a, "device.dw_min = 1", "range", bad);
}

/* device.piecewise_file is read before computing, by both commands that build tiles */
static void node_file(void)
{
    char a[4096], csv[600];
    snprintf(csv, sizeof csv, "%s/nodes.csv", tmp);
    write_text(csv, "up,down\n1.2,0.8\n0.7,-1\n");
    snprintf(a, sizeof a, "train %s --set device.model=piecewise_step --set device.piecewise_file=%s --out %s", D, csv,
             bad);
    xt_bad(a, "nodes.csv, line 3", "-1", bad);
    snprintf(a, sizeof a, "lsq --quiet --set device.model=piecewise_step --set device.piecewise_file=%s/none.csv --out %s",
             tmp, bad);
    xt_bad(a, "none.csv", "No such file", bad);
}

static void unused_keys(void)
{
    char a[4096], cfg[700], ok[400];
    snprintf(a, sizeof a, "train %s --set device.model=soft_bounds --set device.tau=0.5 --out %s", D, bad);
    xt_bad(a, "device.tau = 0.5: the soft_bounds model does not use tau", "device.w_max / device.w_min", bad);
    /* the default value, given explicitly, is still given */
    snprintf(a, sizeof a, "train %s --set device.tau=1 --out %s", D, bad);
    xt_bad(a, "device.tau = 1", "soft_bounds_ref", bad);
    snprintf(a, sizeof a, "train %s --set device.model=ald --set device.w_max=0.5 --out %s", D, bad);
    xt_bad(a, "device.w_max = 0.5", "device.tau", bad);
    snprintf(cfg, sizeof cfg, "%s/unused.ini", tmp);
    write_text(cfg, "[device]\nmodel = soft_bounds_ref\ngamma_res = 2\n");
    snprintf(a, sizeof a, "train %s --config %s --out %s", D, cfg, bad);
    xt_bad(a, "device.gamma_res = 2", "soft_bounds_ref", bad);
    /* the model set after the key: the final model decides */
    snprintf(a, sizeof a, "train %s --set device.gamma_up=0.5 --set device.model=constant_step --out %s", D, bad);
    xt_bad(a, "device.gamma_up = 0.5", "constant_step", bad);

    /* still accepted: a key the model uses, configs/paper/ and the lsq presets. Runs that pass every check
     * stop at the data (a folder without it), before computing. */
    snprintf(ok, sizeof ok, "%s/ok", tmp);
    snprintf(a, sizeof a, "train %s --set device.model=soft_bounds --set device.w_max=0.5 --out %s", D, ok);
    CHECK(xt_run(a) == 0, "train with device.w_max on soft_bounds failed: %s", err_text());
    const char *src = __FILE__, *slash = strrchr(src, '/');
    char root[512];
    snprintf(root, sizeof root, "%.*s/..", slash ? (int)(slash - src) : 1, slash ? src : ".");
    static const char *const paper[] = {
        "cnn-analog-sgd-tau0.6", "cnn-analog-sgd-tau0.7",  "cnn-analog-sgd-tau0.8",  "cnn-digital",
        "cnn-tiki-taka-tau0.6",  "cnn-tiki-taka-tau0.7",   "cnn-tiki-taka-tau0.8",   "fcn-analog-sgd-tau0.70",
        "fcn-analog-sgd-tau0.78", "fcn-analog-sgd-tau0.80", "fcn-digital",          "fcn-tiki-taka-tau0.70",
        "fcn-tiki-taka-tau0.78", "fcn-tiki-taka-tau0.80"};
    for (size_t i = 0; i < sizeof paper / sizeof paper[0]; i++) {
        snprintf(cfg, sizeof cfg, "%s/configs/paper/%s.ini", root, paper[i]);
        if (!xt_exists(cfg)) continue; /* not built from the source tree */
        snprintf(a, sizeof a, "train --quiet --config %s --set data.dir=%s/nodata --out %s/paper", cfg, tmp, tmp);
        xt_bad(a, "nodata", "not found", NULL);
    }
    /* lsq: the preset's own check, then each curve's (dw_min), then the kind is refused (xbar_lsq_setup_check) */
    static const char *const presets[] = {"fig1", "fig3", "fig4-tau", "fig4-sigma", "fig4-init", "thm3", "tt"};
    for (int i = 0; i < 7; i++) {
        snprintf(a, sizeof a, "lsq --quiet --preset %s --set lsq.problem=thm3 --set lsq.kinds=tt_pulse --out %s/preset",
                 presets[i], tmp);
        xt_bad(a, "lsq.kinds = tt_pulse", "thm3", NULL);
    }
}

/* Copy src to dst with the first line starting with `commented` ("; tau = ") un-commented; 0 if none. */
static int uncomment(const char *src, const char *dst, const char *commented)
{
    char *t = xt_slurp(src, NULL), *p = t;
    size_t len = strlen(commented);
    while (p && strncmp(p, commented, len)) {
        p = strchr(p, '\n');
        if (p) p++;
    }
    if (p) memmove(p, p + 2, strlen(p + 2) + 1); /* drop "; " */
    if (p) write_text(dst, t);
    free(t);
    return p != NULL;
}

/* `xbar CMD --config RUN/config.ini` re-runs RUN (RUN2: the same metrics.csv); RUN/config.ini with the
 * row `; KEY = ` un-commented is refused (exit 2) naming device.KEY and `why`. */
static void rerun_and_uncomment(const char *cmd, const char *run, const char *key, const char *why)
{
    char a[4096], p1[512], p2[512], edited[512], row[64], name[64];
    snprintf(p1, sizeof p1, "%s/config.ini", run);
    snprintf(a, sizeof a, "%s --quiet --config %s --out %s2", cmd, p1, run);
    CHECK(xt_run(a) == 0, "xbar %s: its own config.ini is refused: %s", a, err_text());
    snprintf(p1, sizeof p1, "%s/metrics.csv", run);
    snprintf(p2, sizeof p2, "%s2/metrics.csv", run);
    CHECK(xt_same_file(p1, p2), "%s: metrics.csv differs when re-run from config.ini", run);
    snprintf(p1, sizeof p1, "%s/config.ini", run);
    snprintf(edited, sizeof edited, "%s-edited.ini", run);
    snprintf(row, sizeof row, "; %s = ", key);
    CHECK(uncomment(p1, edited, row), "%s: no commented row '%s'", p1, row);
    snprintf(a, sizeof a, "%s --quiet --config %s --out %s3", cmd, edited, run);
    snprintf(name, sizeof name, "device.%s = ", key);
    snprintf(p2, sizeof p2, "%s3", run);
    xt_bad(a, name, why, p2);
}

static void own_config(void)
{
    char a[4096], run[400];
    /* train, soft_bounds: tau, sym_point, the gammas, gamma_res and reference_mean are comments */
    snprintf(run, sizeof run, "%s/own", tmp);
    snprintf(a, sizeof a, "train %s --set train.timings=false --set device.model=soft_bounds --set device.w_max=0.5 "
             "--out %s", D, run);
    CHECK(xt_run(a) == 0, "train on soft_bounds failed: %s", err_text());
    char path[512];
    snprintf(path, sizeof path, "%s/config.ini", run);
    char *t = xt_slurp(path, NULL);
    CHECK(t && strstr(t, "\nmodel = soft_bounds\n") && strstr(t, "\nw_max = 0.5\n") && strstr(t, "\nw_min = "),
          "%s: the keys soft_bounds uses are not rows", path);
    static const char *const unused[] = {"tau", "sym_point", "gamma_up", "gamma_down", "pow_gamma", "pow_up_down",
                                         "gamma_res", "reference_mean"};
    for (size_t i = 0; t && i < sizeof unused / sizeof unused[0]; i++) {
        char row[160];
        snprintf(row, sizeof row, "; [not used by the soft_bounds model: giving it is refused]\n; %s = ", unused[i]);
        CHECK(strstr(t, row) != NULL, "%s: no commented row for device.%s", path, unused[i]);
        snprintf(row, sizeof row, "\n%s = ", unused[i]);
        CHECK(strstr(t, row) == NULL, "%s: device.%s is a row", path, unused[i]);
    }
    free(t);
    rerun_and_uncomment("train", run, "tau", "the soft_bounds model does not use tau");
    /* the run folder's config.ini (written first, kept by --resume) is written the same way */
    snprintf(run, sizeof run, "%s/own-resume", tmp);
    snprintf(a, sizeof a, "train %s --set train.timings=false --set train.epochs=2 --stop-after 1 "
             "--set device.model=soft_bounds --out %s", D, run);
    CHECK(xt_run(a) == 0, "train --stop-after 1 failed: %s", err_text());
    snprintf(path, sizeof path, "%s.run/config.ini", run);
    t = xt_slurp(path, NULL);
    CHECK(t && strstr(t, "\n; tau = ") && !strstr(t, "\ntau = "), "%s: tau is not a comment", path);
    free(t);
    snprintf(a, sizeof a, "train --quiet --resume --out %s", run);
    CHECK(xt_run(a) == 0, "train --resume failed: %s", err_text());
    snprintf(a, sizeof a, "train %s --set train.timings=false --set train.epochs=2 --set device.model=soft_bounds "
             "--out %s-whole", D, run);
    CHECK(xt_run(a) == 0, "train (2 epochs) failed: %s", err_text());
    char p2[512];
    snprintf(path, sizeof path, "%s/metrics.csv", run);
    snprintf(p2, sizeof p2, "%s-whole/metrics.csv", run);
    CHECK(xt_same_file(path, p2), "resumed run differs from the whole run");

    /* lsq: lsq.states > 0 leaves device.dw_min unused */
    snprintf(run, sizeof run, "%s/own-lsq", tmp);
    snprintf(a, sizeof a, "lsq --quiet --preset fig3 --set lsq.iterations=20 --out %s", run);
    CHECK(xt_run(a) == 0, "lsq fig3 failed: %s", err_text());
    rerun_and_uncomment("lsq", run, "dw_min", "lsq.states = 300");
    /* lsq sweeping device.model: a key is a comment only if no curve's model reads it */
    snprintf(run, sizeof run, "%s/own-sweep", tmp);
    snprintf(a, sizeof a, "lsq --quiet --set lsq.iterations=20 --set device.model=soft_bounds --set "
             "lsq.sweep_key=device.model --set lsq.sweep_values=ald,linear_step --out %s", run);
    CHECK(xt_run(a) == 0, "lsq sweeping device.model failed: %s", err_text());
    snprintf(path, sizeof path, "%s/config.ini", run);
    t = xt_slurp(path, NULL);
    CHECK(t && strstr(t, "\ntau = ") && strstr(t, "\nw_max = ") && strstr(t, "\ngamma_up = "),
          "%s: a key read by one of the swept models is a comment", path);
    free(t);
    rerun_and_uncomment("lsq", run, "reference_mean", "no curve's device model uses reference_mean");
}

static void mnist_json(void)
{
    char a[4096], pkg[400], file[512];
    snprintf(pkg, sizeof pkg, "%s/pkg", tmp);
    write_package(pkg);
    snprintf(file, sizeof file, "%s/afile", tmp);
    write_text(file, "x\n");
    snprintf(a, sizeof a, "data mnist-json --quiet %s %s", pkg, file);
    xt_bad(a, "afile", "not a folder", NULL);
    snprintf(a, sizeof a, "data mnist-json --quiet %s %s/sub", pkg, file);
    xt_bad(a, "afile", "not a folder", NULL);
    snprintf(a, sizeof a, "data mnist-json --quiet %s/nowhere %s/mj", tmp, tmp);
    xt_bad(a, "nowhere", "0.json", NULL);
    snprintf(file, sizeof file, "%s/src/digits/0.json", pkg);
    write_text(file, "{\"data\": [0.5,");
    snprintf(a, sizeof a, "data mnist-json --quiet %s %s/mj", pkg, tmp);
    xt_bad(a, "0.json", "JSON", NULL);
}

static void lying_header(void)
{
    char a[4096], dir[400];
    for (int gz = 0; gz < 2; gz++) {
        snprintf(dir, sizeof dir, "%s/lying%d", tmp, gz);
        mkdir(dir, 0700);
        write_lying_idx(dir, gz);
        snprintf(a, sizeof a, "train %s --set data.dir=%s --out %s", D, dir, bad);
        xt_bad(a, gz ? "train-images-idx3-ubyte.gz: header announces 4294967295 images of 28x28"
                     : "train-images-idx3-ubyte: header announces 4294967295 images of 28x28",
               gz ? "deflate" : "(100 images)", bad);
        char *e = err_text();
        CHECK(!strstr(e, "model.layers") && !strstr(e, "budget"), "blames the model, not the data: %s", e);
        free(e);
    }
}

int main(int argc, char **argv)
{
    snprintf(tmp, sizeof tmp, "/tmp/xbar-test-harden-input-%d", (int)getpid());
    xt_cli_init(argc > 1 ? argv[1] : "./xbar", tmp);
    snprintf(data, sizeof data, "%s/data", tmp);
    snprintf(bad, sizeof bad, "%s/bad", tmp);
    mkdir(data, 0700);
    xt_write_idx_set(data, "train", 100, 0, 0);
    xt_write_idx_set(data, "t10k", 50, 1, 0);
    snprintf(D, sizeof D,
             "--set data.dir=%s --set data.train_limit=100 --set train.epochs=1 --set model.layers=linear:10 --quiet",
             data);
    ranges();
    dw_min_range();
    node_file();
    unused_keys();
    own_config();
    mnist_json();
    lying_header();
    xt_cli_done();
    return xt_done("test_harden_input");
}
