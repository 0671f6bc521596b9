/* reproduce_lsq.c - the least-squares experiments of the tt-family part (see reproduce_lsq.h). */
#define _POSIX_C_SOURCE 200809L
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jsonout.h"
#include "lsq_exec.h"
#include "outdir.h"
#include "pathname.h"
#include "plot.h"
#include "reproduce_full.h"
#include "reproduce_lsq.h"

#define CONFIGS "configs/tt-family"
#define NKIND 4
#define NSTATES 8
#define NLR 3
#define NSIG REPRO_LSQ_MAX_CURVES /* sigma_r values a configuration may sweep */

static const char *const offset_kinds[NKIND] = {"tiki_taka", "ttv2", "c_ttv2", "agad"};
static const char *const offset_titles[NKIND] = {"tiki_taka (TT-v1)", "ttv2 (buffered)", "c_ttv2 (chopped)",
                                                 "agad (dynamic reference)"};
static const char *const wp_kinds[NKIND] = {"analog_sgd", "ttv2", "c_ttv2", "agad"};
static const char *const wp_titles[NKIND] = {"in-memory SGD", "TTv2 (buffered)", "c-TTv2", "AGAD"};
static const int wp_states[NSTATES] = {5, 10, 20, 50, 100, 200, 500, 1000};
static const char *const wp_lrs[NLR] = {"0.01", "0.003", "0.001"};


/* The "--set" assignments of a weight-programming run (kind k, n states, lr, seed); returns their number. */
static int wp_sets(int k, int states, const char *lr, int seed, char buf[6][96], const char *sets[6])
{
    const double dw = 2.0 / states;
    int ns = 0;
    snprintf(buf[ns++], 96, "device.dw_min=%.9g", dw);
    snprintf(buf[ns++], 96, "device.construction_seed=%d", seed);
    if (strcmp(wp_kinds[k], "analog_sgd")) { /* the slow tile's own device: the same states, no spread */
        snprintf(buf[ns++], 96, "slow_device.dw_min=%.9g", dw);
        snprintf(buf[ns++], 96, "slow_device.construction_seed=%d", seed);
    }
    snprintf(buf[ns++], 96, "lsq.lr=%s", lr);
    snprintf(buf[ns++], 96, "lsq.seed=%d", seed);
    for (int i = 0; i < ns; i++) sets[i] = buf[i];
    return ns;
}

int repro_lsq_load(const char *ini, const char *const *sets, int nsets, lsq_cfg *c, char *err, size_t n)
{
    char why[1024];
    *c = lsq_cfg_defaults();
    if (cfg_load_file(lsq_keys(), c, ini, why, sizeof why)) return snprintf(err, n, "%s", why), -1;
    for (int i = 0; i < nsets; i++)
        if (cfg_set(lsq_keys(), c, sets[i], why, sizeof why)) return snprintf(err, n, "%s: %s", ini, why), -1;
    if (lsq_cfg_check_given(c, ini, sets, nsets, why, sizeof why)) return snprintf(err, n, "%s: %s", ini, why), -1;
    static lsq_curve cv[LSQ_MAX_CURVES];
    if (lsq_cfg_curves(c, cv, LSQ_MAX_CURVES, why, sizeof why) < 0) return snprintf(err, n, "%s: %s", ini, why), -1;
    return 0;
}

int repro_lsq_check(char *err, size_t n)
{
    char ini[256], buf[6][96];
    const char *sets[6];
    lsq_cfg c;
    for (int k = 0; k < NKIND; k++) {
        snprintf(ini, sizeof ini, CONFIGS "/lsq-ref-offset-%s.ini", offset_kinds[k]);
        if (repro_lsq_load(ini, NULL, 0, &c, err, n)) return -1;
        snprintf(ini, sizeof ini, CONFIGS "/wp/wp-%s.ini", wp_kinds[k]);
        for (int s = 0; s < NSTATES; s++) { /* the extremes of the grid's assignments */
            const int ns = wp_sets(k, wp_states[s], wp_lrs[0], 1, buf, sets);
            if (repro_lsq_load(ini, sets, ns, &c, err, n)) return -1;
        }
    }
    return 0;
}

int repro_lsq_run_one(const char *ini, const char *const *sets, int nsets, const char *out, char *err, size_t n)
{
    char path[OUT_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/summary.json", out);
    if (access(path, F_OK) == 0) return 0;
    lsq_cfg c;
    if (repro_lsq_load(ini, sets, nsets, &c, err, n)) return 2;
    /* force: a folder left by an interrupted run of this command is replaced */
    return lsq_execute(&c, out, 1, 1, NULL, err, n);
}

int repro_lsq_read_curves(const char *out, curve_res *r, char *err, size_t n)
{
    cJSON *j = json_read_summary(out, err, n);
    if (!j) return -1;
    const cJSON *cs = cJSON_GetObjectItemCaseSensitive(j, "curves"), *c;
    int k = 0;
    cJSON_ArrayForEach(c, cs)
    {
        if (k == REPRO_LSQ_MAX_CURVES) break;
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(c, "value");
        snprintf(r[k].value, sizeof r[k].value, "%s", cJSON_IsString(v) ? v->valuestring : "");
        r[k].final_error = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(c, "final_error"));
        r[k].w_err = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(c, "w_err"));
        k++;
    }
    cJSON_Delete(j);
    if (k == 0) return snprintf(err, n, "%s/summary.json: no curves", path_show(out)), -1;
    return k;
}

static int offset_sweep(const char *sub, int quiet, FILE *md, char *err, size_t n)
{
    char ini[256], out[OUT_PATH_MAX];
    curve_res r[NKIND][NSIG];
    int nc[NKIND];
    for (int k = 0; k < NKIND; k++) {
        snprintf(ini, sizeof ini, CONFIGS "/lsq-ref-offset-%s.ini", offset_kinds[k]);
        snprintf(out, sizeof out, "%.3000s/lsq-offset/%s", sub, offset_kinds[k]);
        if (!quiet) fprintf(stderr, "  [%d/%d] tt-family/lsq-offset/%s\n", k + 1, NKIND, offset_kinds[k]);
        int rc = repro_lsq_run_one(ini, NULL, 0, out, err, n);
        if (rc) return rc;
        if ((nc[k] = repro_lsq_read_curves(out, r[k], err, n)) < 0) return 1;
    }
    fprintf(md, "\n## tt-family: least squares with offset references (%s/lsq-ref-offset-*.ini)\n\nFinal error "
                "f(W) - f*, mean over the last 10 %% of the steps, per spread sigma_r of the fast tile's references "
                "(one seed per cell).\n\n| optimizer |", CONFIGS);
    for (int i = 0; i < nc[0]; i++) fprintf(md, " sigma_r = %s |", r[0][i].value);
    fprintf(md, "\n|---|");
    for (int i = 0; i < nc[0]; i++) fprintf(md, "---|");
    for (int k = 0; k < NKIND; k++) {
        fprintf(md, "\n| %s |", offset_titles[k]);
        for (int i = 0; i < nc[k]; i++) fprintf(md, " %.2e |", r[k][i].final_error);
    }
    fprintf(md, "\n");
    return 0;
}

void repro_mean_sd(const double *v, int k, double *m, double *sd)
{
    double s = 0, q = 0;
    for (int i = 0; i < k; i++) s += v[i];
    *m = s / k;
    for (int i = 0; i < k; i++) q += (v[i] - *m) * (v[i] - *m);
    *sd = k > 1 ? sqrt(q / (k - 1)) : 0;
}

static void wp_plot(const char *dir, int k, char sig[NSIG][32], int nsig, double y[NSIG][NSTATES], FILE *md)
{
    static double x[NSTATES];
    char names[NSIG][48], path[OUT_PATH_MAX + 64], title[160], err[512];
    plot_series s[NSIG];
    for (int i = 0; i < NSTATES; i++) x[i] = wp_states[i];
    for (int i = 0; i < nsig; i++) {
        snprintf(names[i], sizeof names[i], sig[i][0] ? "sigma_r = %s" : "no reference%s", sig[i]);
        s[i] = (plot_series){.name = names[i], .x = x, .y = y[i], .n = NSTATES};
    }
    snprintf(path, sizeof path, "%.3000s/tt-family-wp-%s.png", dir, wp_kinds[k]);
    snprintf(title, sizeof title, "Weight programming, %s: std of W - W* after training, mean over seeds",
             wp_titles[k]);
    plot_spec ps = {.title = title, .xlabel = "device states n_states = 2 / dw_min",
                    .ylabel = "w_err = std(W - W*)", .logx = 1, .logy = 1, .key_outside = 1, .ymin = 0.005, .ymax = 1,
                    .series = s, .nseries = nsig};
    if (!plot_available() || plot_lines(path, &ps, err, sizeof err)) return;
    fprintf(md, "\n![%s](tt-family-wp-%s.png)\n", wp_kinds[k], wp_kinds[k]);
}

static int weight_programming(const char *dir, const char *sub, int seeds, int quiet, FILE *md, char *err, size_t n)
{
    char ini[256], out[OUT_PATH_MAX], buf[6][96];
    const char *sets[6];
    const int total = NKIND * NSTATES * NLR * seeds;
    int done = 0;
    fprintf(md, "\n## tt-family: weight programming, n_states x sigma_r (%s/wp/wp-*.ini)\n\nw_err = std over the "
                "weights of W - W*, mean over the last 10 %% of the steps; mean ± std over %d seed%s (device "
                "construction, pulses, reads). Per optimizer and n_states, the lr of %s, %s, %s with the lowest "
                "mean w_err at sigma_r = 0, held for every sigma_r.\n", CONFIGS, seeds, seeds > 1 ? "s" : "", wp_lrs[0], wp_lrs[1], wp_lrs[2]);
    for (int k = 0; k < NKIND; k++) {
        snprintf(ini, sizeof ini, CONFIGS "/wp/wp-%s.ini", wp_kinds[k]);
        static double w[NSTATES][NLR][NSIG][REPRO_MAX_SEEDS];
        char sig[NSIG][32];
        int nsig = 0;
        for (int s = 0; s < NSTATES; s++)
            for (int l = 0; l < NLR; l++)
                for (int seed = 1; seed <= seeds; seed++) {
                    snprintf(out, sizeof out, "%.3000s/wp/%s-n%d-lr%s-s%d", sub, wp_kinds[k], wp_states[s], wp_lrs[l],
                             seed);
                    if (!quiet)
                        fprintf(stderr, "  [%d/%d] tt-family/wp/%s-n%d-lr%s-s%d\n", ++done, total, wp_kinds[k],
                                wp_states[s], wp_lrs[l], seed);
                    const int ns = wp_sets(k, wp_states[s], wp_lrs[l], seed, buf, sets);
                    int rc = repro_lsq_run_one(ini, sets, ns, out, err, n);
                    if (rc) return rc;
                    curve_res r[NSIG];
                    const int nc = repro_lsq_read_curves(out, r, err, n);
                    if (nc < 0) return 1;
                    nsig = nc;
                    for (int i = 0; i < nc; i++) {
                        snprintf(sig[i], sizeof sig[i], "%s", r[i].value);
                        w[s][l][i][seed - 1] = r[i].w_err;
                    }
                }
        fprintf(md, "\n%s:\n\n| n_states | lr |", wp_titles[k]);
        for (int i = 0; i < nsig; i++) fprintf(md, sig[i][0] ? " sigma_r = %s |" : " (no reference)%s |", sig[i]);
        fprintf(md, "\n|---|---|");
        for (int i = 0; i < nsig; i++) fprintf(md, "---|");
        double y[NSIG][NSTATES];
        for (int s = 0; s < NSTATES; s++) {
            int best = 0;
            double bm = INFINITY, m, sd;
            for (int l = 0; l < NLR; l++) {
                repro_mean_sd(w[s][l][0], seeds, &m, &sd);
                if (m < bm) bm = m, best = l;
            }
            fprintf(md, "\n| %d | %s |", wp_states[s], wp_lrs[best]);
            for (int i = 0; i < nsig; i++) {
                repro_mean_sd(w[s][best][i], seeds, &m, &sd);
                y[i][s] = m;
                fprintf(md, " %.3f ± %.3f |", m, sd);
            }
        }
        fprintf(md, "\n");
        wp_plot(dir, k, sig, nsig, y, md);
    }
    return 0;
}

int repro_lsq_run(const char *dir, int seeds, int quiet, FILE *md, char *err, size_t n)
{
    char sub[OUT_PATH_MAX + 32], d[OUT_PATH_MAX + 48];
    snprintf(sub, sizeof sub, "%.3000s/tt-family", dir);
    mkdir(sub, 0777);
    snprintf(d, sizeof d, "%s/lsq-offset", sub);
    mkdir(d, 0777);
    snprintf(d, sizeof d, "%s/wp", sub);
    mkdir(d, 0777);
    int rc = offset_sweep(sub, quiet, md, err, n);
    return rc ? rc : weight_programming(dir, sub, seeds, quiet, md, err, n);
}
