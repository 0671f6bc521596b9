/* reproduce_frontier.c - the least-squares experiments of the frontier part (see reproduce_frontier.h). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "outdir.h"
#include "plot.h"
#include "reproduce_frontier.h"
#include "reproduce_full.h"
#include "reproduce_lsq.h"

#define X1_DIR "configs/frontier/x1"
#define NX1 5

static const char *const x1_kinds[NX1] = {"analog_sgd", "tiki_taka", "rl", "rlv2", "rider"};
static const char *const x1_titles[NX1] = {"Analog SGD", "Tiki-Taka (RL, gamma 0)", "RL, gamma 0.4",
                                           "RLv2, gamma 0.4", "RIDER, gamma 0.4"};

int repro_frontier_check(char *err, size_t n)
{
    char ini[256];
    lsq_cfg c;
    for (int k = 0; k < NX1; k++) {
        snprintf(ini, sizeof ini, X1_DIR "/x1-%s.ini", x1_kinds[k]);
        if (repro_lsq_load(ini, NULL, 0, &c, err, n)) return -1;
    }
    return 0;
}

static void x1_plot(const char *dir, const double *x, double y[NX1][REPRO_LSQ_MAX_CURVES], int nc, FILE *md)
{
    char path[OUT_PATH_MAX + 32], err[512];
    plot_series s[NX1];
    for (int k = 0; k < NX1; k++) s[k] = (plot_series){x1_titles[k], x, y[k], (size_t)nc};
    snprintf(path, sizeof path, "%.3000s/frontier-x1.png", dir);
    plot_spec ps = {.title = "X1, least squares: final error against the asymmetry c",
                    .xlabel = "asymmetry c of q+- = (1 +- c)(1 -+ w/tau)",
                    .ylabel = "final error f(W) - f*, mean over seeds",
                    .logy = 1,
                    .key_outside = 1,
                    .series = s,
                    .nseries = NX1};
    if (!plot_available() || plot_lines(path, &ps, err, sizeof err)) return;
    fprintf(md, "\n![frontier X1](frontier-x1.png)\n");
}

static int x1(const char *dir, const char *sub, int seeds, int quiet, FILE *md, char *err, size_t n)
{
    char ini[256], out[OUT_PATH_MAX], buf[32];
    static double fe[NX1][REPRO_LSQ_MAX_CURVES][REPRO_MAX_SEEDS];
    curve_res r[REPRO_LSQ_MAX_CURVES];
    int nc = 0, done = 0;
    for (int k = 0; k < NX1; k++)
        for (int s = 1; s <= seeds; s++) {
            snprintf(ini, sizeof ini, X1_DIR "/x1-%s.ini", x1_kinds[k]);
            snprintf(out, sizeof out, "%.3000s/x1/%s-s%d", sub, x1_kinds[k], s);
            snprintf(buf, sizeof buf, "lsq.seed=%d", s);
            const char *sets[1] = {buf};
            if (!quiet) fprintf(stderr, "  [%d/%d] frontier/x1/%s-s%d\n", ++done, NX1 * seeds, x1_kinds[k], s);
            int rc = repro_lsq_run_one(ini, sets, 1, out, err, n);
            if (rc) return rc;
            const int m = repro_lsq_read_curves(out, r, err, n);
            if (m < 0) return 1;
            if (nc && m != nc) return snprintf(err, n, "%s: %d curves, expected %d", ini, m, nc), 1;
            nc = m;
            for (int i = 0; i < m; i++) fe[k][i][s - 1] = r[i].final_error;
        }
    fprintf(md, "\n## frontier X1: least squares, perturbed linear response (%s/x1-*.ini)\n\nFinal error f(W) - f*, "
                "mean over the last 10 %% of 1000 iterations, mean ± std over %d seed%s (pulses and reads; the "
                "problem is fixed), per asymmetry c (symmetric point c·tau, tau 3.5).\n\n| optimizer |",
            X1_DIR, seeds, seeds > 1 ? "s" : "");
    double x[REPRO_LSQ_MAX_CURVES], y[NX1][REPRO_LSQ_MAX_CURVES];
    for (int i = 0; i < nc; i++) {
        fprintf(md, " c = %s |", r[i].value);
        x[i] = atof(r[i].value);
    }
    fprintf(md, "\n|---|");
    for (int i = 0; i < nc; i++) fprintf(md, "---|");
    for (int k = 0; k < NX1; k++) {
        fprintf(md, "\n| %s |", x1_titles[k]);
        for (int i = 0; i < nc; i++) {
            double m, sd;
            repro_mean_sd(fe[k][i], seeds, &m, &sd);
            y[k][i] = m;
            fprintf(md, " %.2e ± %.1e |", m, sd);
        }
    }
    fprintf(md, "\n");
    x1_plot(dir, x, y, nc, md);
    return 0;
}

int repro_frontier_run(const char *dir, int seeds, int quiet, FILE *md, char *err, size_t n)
{
    char sub[OUT_PATH_MAX + 32], d[OUT_PATH_MAX + 48];
    snprintf(sub, sizeof sub, "%.3000s/frontier", dir);
    mkdir(sub, 0777);
    snprintf(d, sizeof d, "%s/x1", sub);
    mkdir(d, 0777);
    return x1(dir, sub, seeds, quiet, md, err, n);
}
