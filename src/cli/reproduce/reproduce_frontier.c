/* reproduce_frontier.c - the least-squares experiments of the frontier part (see reproduce_frontier.h). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "calibrate_cfg.h"
#include "calibrate_exec.h"
#include "outdir.h"
#include "xbar.h"
#include "plot.h"
#include "reproduce_frontier.h"
#include "reproduce_full.h"
#include "reproduce_lsq.h"

#define X1_DIR "configs/frontier/x1"
#define NX1 5

static const char *const x1_kinds[NX1] = {"analog_sgd", "tiki_taka", "rl", "rlv2", "rider"};
static const char *const x1_titles[NX1] = {"Analog SGD", "Tiki-Taka (RL, gamma 0)", "RL, gamma 0.4",
                                           "RLv2, gamma 0.4", "RIDER, gamma 0.4"};

/* ---- X7: the pulse cost of zero-shifting ([SP26] Fig. 1), through `xbar calibrate` ---- */

#define X7_DIR "configs/frontier/x7"
#define NX7B 5
static const char *const x7b_dw[NX7B] = {"0.001", "0.0005", "0.00025", "0.000125", "0.0000625"};

/* ini with at most one assignment, checked as `xbar calibrate --config INI --set ...` checks it. */
static int x7_load(const char *ini, const char *set, calibrate_cfg *c, calibrate_plan *p, char *err, size_t n)
{
    char why[1024];
    const char *sets[1] = {set};
    *c = calibrate_cfg_defaults();
    if (cfg_load_file(calibrate_keys(), c, ini, why, sizeof why)) return snprintf(err, n, "%s", why), -1;
    if (set && cfg_set(calibrate_keys(), c, set, why, sizeof why)) return snprintf(err, n, "%s: %s", ini, why), -1;
    if (calibrate_cfg_check(c, ini, sets, set ? 1 : 0, p, why, sizeof why)) return snprintf(err, n, "%s", why), -1;
    return 0;
}

static int x7(const char *sub, int quiet, FILE *md, char *err, size_t n)
{
    calibrate_cfg c;
    calibrate_plan p;
    static calibrate_result r;
    char out[OUT_PATH_MAX], set[64];
    snprintf(out, sizeof out, "%.3000s/x7/a", sub);
    if (!quiet) fprintf(stderr, "  frontier/x7/a: zero-shifting on 512 x 512 devices\n");
    if (x7_load(X7_DIR "/x7a.ini", NULL, &c, &p, err, n)) return 2;
    if (calibrate_execute(&c, &p, out, 1, 1, &r, err, n)) return 1;
    fprintf(md, "\n## frontier X7: the pulse cost of zero-shifting (%s/x7a.ini, x7b.ini)\n\n(a) %zu soft-bounds "
                "devices, 2,000 states, alternating pulses: error e = w⋄ - W_N of the per-device estimates (mean "
                "symmetric point %.3g, spread %.3g).\n\n| N | mean e | std e | rms e |\n|---|---|---|---|",
            X7_DIR, r.devices, r.mean_sp, r.sp_std);
    for (int i = 0; i < r.n; i++)
        fprintf(md, "\n| %llu | %.3g | %.4g | %.4g |", (unsigned long long)r.row[i].pulses, r.row[i].mean_err,
                r.row[i].std_err, r.row[i].rms_err);
    fprintf(md, "\n\n(b) The smallest N whose mean estimate is within 1 %% of the mean symmetric point (0.1), "
                "against dw_min: [SP26] finds N proportional to 1/dw_min.\n\n| dw_min | smallest N (1 %%) | "
                "N·dw_min |\n|---|---|---|");
    for (int k = 0; k < NX7B; k++) {
        snprintf(set, sizeof set, "device.dw_min=%s", x7b_dw[k]);
        snprintf(out, sizeof out, "%.3000s/x7/b-dw%s", sub, x7b_dw[k]);
        if (!quiet) fprintf(stderr, "  frontier/x7/b: dw_min %s\n", x7b_dw[k]);
        if (x7_load(X7_DIR "/x7b.ini", set, &c, &p, err, n)) return 2;
        if (calibrate_execute(&c, &p, out, 1, 1, &r, err, n)) return 1;
        const uint64_t nn = calibrate_smallest_n(&r);
        if (nn) fprintf(md, "\n| %s | %llu | %.1f |", x7b_dw[k], (unsigned long long)nn, (double)nn * atof(x7b_dw[k]));
        else fprintf(md, "\n| %s | above %llu | – |", x7b_dw[k], (unsigned long long)p.N[p.n - 1]);
    }
    fprintf(md, "\n");
    return 0;
}


/* The asymmetries of X1: the comma list lsq.sweep_values of x1-analog_sgd.ini (every x1 file has the
 * same). @return their number (0..REPRO_LSQ_MAX_CURVES), or -1 with err. */
static int x1_cvals(lsq_cfg *c, char cv[REPRO_LSQ_MAX_CURVES][32], char *err, size_t n)
{
    if (repro_lsq_load(X1_DIR "/x1-analog_sgd.ini", NULL, 0, c, err, n)) return -1;
    int m = 0;
    char list[sizeof c->sweep_values];
    snprintf(list, sizeof list, "%s", c->sweep_values);
    for (char *save = NULL, *t = strtok_r(list, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
        if (m == REPRO_LSQ_MAX_CURVES)
            return snprintf(err, n, X1_DIR "/x1-analog_sgd.ini: lsq.sweep_values: more than %d values",
                            REPRO_LSQ_MAX_CURVES), -1;
        snprintf(cv[m++], 32, "%s", t);
    }
    return m;
}

#define X1_MAX_SETS 8

/* The --set lines of one X1 run of kind k and seed s. With cv (the shifted variant): the one
 * asymmetry cv, the P tile's symmetric point c*tau moved back to 0 (device.sym_point = -cv*tau)
 * and W on a device of its own with the same response, not shifted (Analog SGD: its one tile
 * shifted). tau and dw_min are those of c (the x1 files'). */
static int x1_sets(int k, int s, const char *cv, const lsq_cfg *c, char buf[X1_MAX_SETS][64], const char **sets)
{
    int m = 0;
    snprintf(buf[m++], 64, "lsq.seed=%d", s);
    if (cv) {
        snprintf(buf[m++], 64, "lsq.sweep_values=%s", cv);
        snprintf(buf[m++], 64, "device.sym_point=%.9g", -atof(cv) * c->s.device.tau);
        if (strcmp(x1_kinds[k], "analog_sgd")) {
            snprintf(buf[m++], 64, "optimizer.slow_device_own=1");
            snprintf(buf[m++], 64, "slow_device.model=ald");
            snprintf(buf[m++], 64, "slow_device.tau=%.9g", c->s.device.tau);
            snprintf(buf[m++], 64, "slow_device.dw_min=%.9g", c->s.device.dw_min);
            snprintf(buf[m++], 64, "slow_device.resp_c=%s", cv);
        }
    }
    for (int i = 0; i < m; i++) sets[i] = buf[i];
    return m;
}

int repro_frontier_check(char *err, size_t n)
{
    char ini[256], buf[X1_MAX_SETS][64], cv[REPRO_LSQ_MAX_CURVES][32];
    const char *sets[X1_MAX_SETS];
    lsq_cfg c, x;
    const int ncv = x1_cvals(&c, cv, err, n);
    if (ncv < 0) return -1;
    for (int k = 0; k < NX1; k++) {
        snprintf(ini, sizeof ini, X1_DIR "/x1-%s.ini", x1_kinds[k]);
        if (repro_lsq_load(ini, NULL, 0, &x, err, n)) return -1;
        for (int i = 0; i < ncv; i++)
            if (repro_lsq_load(ini, sets, x1_sets(k, 1, cv[i], &c, buf, sets), &x, err, n)) return -1;
    }
    calibrate_cfg cc;
    calibrate_plan p;
    char set[64];
    if (x7_load(X7_DIR "/x7a.ini", NULL, &cc, &p, err, n)) return -1;
    for (int k = 0; k < NX7B; k++) {
        snprintf(set, sizeof set, "device.dw_min=%s", x7b_dw[k]);
        if (x7_load(X7_DIR "/x7b.ini", set, &cc, &p, err, n)) return -1;
    }
    return 0;
}

static void x1_plot(const char *dir, const char *png, const char *title, const double *x,
                    double y[NX1][REPRO_LSQ_MAX_CURVES], int nc, FILE *md)
{
    char path[OUT_PATH_MAX + 32], err[512];
    plot_series s[NX1];
    for (int k = 0; k < NX1; k++) s[k] = (plot_series){.name = x1_titles[k], .x = x, .y = y[k], .n = (size_t)nc};
    snprintf(path, sizeof path, "%.3000s/%s", dir, png);
    plot_spec ps = {.title = title,
                    .xlabel = "asymmetry c of q+- = (1 +- c)(1 -+ w/tau)",
                    .ylabel = "final error f(W) - f*, mean over seeds",
                    .logy = 1,
                    .key_outside = 1,
                    .series = s,
                    .nseries = NX1};
    if (!plot_available() || plot_lines(path, &ps, err, sizeof err)) return;
    fprintf(md, "\n![%s](%s)\n", title, png);
}

/* The X1 runs, as the files give them (zs 0: one run per kind and seed, a curve per c) or with P
 * shifted (zs 1: one run per kind, c and seed, x1_sets), then their table and plot. */
static int x1(const char *dir, const char *sub, int seeds, int zs, int quiet, FILE *md, char *err, size_t n)
{
    char ini[256], out[OUT_PATH_MAX], rel[128], buf[X1_MAX_SETS][64], cv[REPRO_LSQ_MAX_CURVES][32];
    const char *sets[X1_MAX_SETS];
    static double fe[NX1][REPRO_LSQ_MAX_CURVES][REPRO_MAX_SEEDS];
    curve_res r[REPRO_LSQ_MAX_CURVES];
    lsq_cfg c;
    const int nc = x1_cvals(&c, cv, err, n); /* the values of c: columns of the table */
    if (nc < 0) return 2;
    const int runs_per = zs ? nc : 1, want = zs ? 1 : nc; /* runs per kind and seed, curves per run */
    int done = 0;
    for (int k = 0; k < NX1; k++)
        for (int s = 1; s <= seeds; s++)
            for (int i = 0; i < runs_per; i++) {
                snprintf(ini, sizeof ini, X1_DIR "/x1-%s.ini", x1_kinds[k]);
                if (zs) snprintf(rel, sizeof rel, "x1-zs/%.40s-c%.31s-s%d", x1_kinds[k], cv[i], s);
                else snprintf(rel, sizeof rel, "x1/%.40s-s%d", x1_kinds[k], s);
                snprintf(out, sizeof out, "%.3000s/%s", sub, rel);
                const int ns = x1_sets(k, s, zs ? cv[i] : NULL, &c, buf, sets);
                if (!quiet) fprintf(stderr, "  [%d/%d] frontier/%s\n", ++done, NX1 * seeds * runs_per, rel);
                int rc = repro_lsq_run_one(ini, sets, ns, out, err, n);
                if (rc) return rc;
                const int m = repro_lsq_read_curves(out, r, err, n);
                if (m < 0) return 1;
                if (m != want) return snprintf(err, n, "%s: %d curves, expected %d", out, m, want), 1;
                for (int j = 0; j < m; j++) fe[k][zs ? i : j][s - 1] = r[j].final_error;
            }
    if (zs)
        fprintf(md, "\n## frontier X1 with the residual tile's symmetric point at 0 (%s/x1-*.ini)\n\nThe same runs "
                    "with P's symmetric point c·tau shifted back to 0 (device.sym_point = -c·tau: [F25]'s "
                    "Assumption 5, G(0) = 0) and W on a device of its own with the same response, not shifted "
                    "(Analog SGD: its one tile shifted). Final error, mean ± std over %d seed%s.\n\n| optimizer |",
                X1_DIR, seeds, seeds > 1 ? "s" : "");
    else
        fprintf(md, "\n## frontier X1: least squares, perturbed linear response (%s/x1-*.ini)\n\nFinal error f(W) - "
                    "f*, mean over the last 10 %% of 1000 iterations, mean ± std over %d seed%s (pulses and reads; "
                    "the problem is fixed), per asymmetry c (symmetric point c·tau, tau 3.5).\n\n| optimizer |",
                X1_DIR, seeds, seeds > 1 ? "s" : "");
    double x[REPRO_LSQ_MAX_CURVES], y[NX1][REPRO_LSQ_MAX_CURVES];
    for (int i = 0; i < nc; i++) {
        fprintf(md, " c = %s |", cv[i]);
        x[i] = atof(cv[i]);
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
    if (zs)
        x1_plot(dir, "frontier-x1-zs.png", "X1 with P's symmetric point at 0: final error against c", x, y, nc, md);
    else x1_plot(dir, "frontier-x1.png", "X1, least squares: final error against the asymmetry c", x, y, nc, md);
    return 0;
}

/* ---- X6: multi-tile residual learning on scalar least squares ([MT25] Fig. 7 right) ---- */

#define X6_N 256          /* independent scalar problems: a 256 x 1 tile */
#define X6_STEPS 20000    /* updates */
#define X6_EVERY 200      /* loss recorded every X6_EVERY updates */
#define X6_CASES 5
static const int x6_tiles[X6_CASES] = {1, 2, 3, 4, 6};

/* The two schedules run: the spec's reading of [MT25] Fig. 7 (gamma 0.1, transfers every 2*2^n
 * updates, transfer rate 0.01) and [MT25] Table 1's LeNet schedule (gamma 0.5, every 2*5^n) with a
 * transfer rate of 0.001; both with fast_lr 0.01 and Analog SGD at lr 0.001 as the one tile. */
typedef struct {
    const char *name, *png;
    float gamma, rate;
    int growth;
} x6_schedule;
static const x6_schedule x6_sched[2] = {
    {"spec schedule (γ 0.1, every 2·2^n, rate 0.01)", "frontier-x6.png", 0.1f, 0.01f, 2},
    {"LeNet schedule (γ 0.5, every 2·5^n, rate 0.001)", "frontier-x6-lenet.png", 0.5f, 0.001f, 5},
};

/* The configuration of one case: the 4-state soft-bounds device of [MT25] Fig. 7 (w in [-1, 1],
 * dw_min 0.5, no spread or cycle noise), stochastic pulses without update or bit-length management;
 * 1 tile: Analog SGD; more: multi_tile_rl with the schedule's gamma, transfers every 2 * growth^n
 * updates, fast_lr 0.01 and the schedule's unscaled transfer rate (transfer_lr = rate / 0.001). */
static void x6_config(const x6_schedule *sc, int tiles, uint64_t seed, xbar_opt_params *o, xbar_tile_config *tc)
{
    *tc = xbar_tile_config_defaults(X6_N, 1);
    tc->device = xbar_device_defaults(XBAR_DEV_SOFT_BOUNDS);
    tc->device.w_max = 1.0f, tc->device.w_min = -1.0f, tc->device.dw_min = 0.5f;
    tc->device.dw_min_dtod = tc->device.up_down_dtod = tc->device.w_max_dtod = tc->device.w_min_dtod = 0.0f;
    tc->device.dw_min_std = 0.0f;
    tc->update.scheme = XBAR_SCHEME_STOCHASTIC;
    tc->update.update_management = tc->update.update_bl_management = 0;
    tc->forward = tc->backward = xbar_io_plain();
    tc->seed = seed;
    *o = xbar_opt_defaults(tiles == 1 ? XBAR_OPT_ANALOG_SGD : XBAR_OPT_MULTI_TILE_RL);
    o->mt_tiles = tiles > 1 ? tiles : 2;
    o->mt_gamma = sc->gamma, o->mt_growth = sc->growth;
    o->transfer_every = 2, o->transfer_columns = 0;
    o->fast_lr = 0.01f, o->transfer_lr = sc->rate / 0.001f;
    o->transfer_update = tc->update;
}

/* One run: loss[k] = mean (W - b)^2 after k * X6_EVERY updates (k = 0 .. X6_STEPS / X6_EVERY). */
static int x6_run(const x6_schedule *sc, int tiles, uint64_t seed, double *loss, char *err, size_t n)
{
    xbar_opt_params o;
    xbar_tile_config tc;
    x6_config(sc, tiles, seed, &o, &tc);
    xbar_aw *a = xbar_aw_new(&o, &tc);
    if (!a) return snprintf(err, n, "X6, %d tiles: %s", tiles, xbar_last_error()), 1;
    float b[X6_N], w[X6_N], d[X6_N], x[1] = {1.0f}, u[4];
    for (int i = 0; i < X6_N; i++) { /* the targets: the 16-bit grid of [-1, 1] */
        if ((i & 3) == 0) xbar_rng_uniform4(u, seed, xbar_stream(XBAR_RNG_USER, 6, 0), (uint64_t)i >> 2);
        b[i] = (float)(-1.0 + 2.0 * floor(u[i & 3] * 65536.0) / 65535.0);
    }
    int rc = 0;
    for (int k = 0; k <= X6_STEPS && !rc; k++) {
        xbar_aw_get_weights(a, w);
        double l = 0;
        for (int i = 0; i < X6_N; i++) l += (w[i] - b[i]) * (w[i] - b[i]), d[i] = 2.0f * (w[i] - b[i]);
        if (k % X6_EVERY == 0) loss[k / X6_EVERY] = l / X6_N;
        if (k < X6_STEPS && xbar_aw_update(a, x, d, 1, 0.001f) != XBAR_OK)
            rc = 1, snprintf(err, n, "X6, %d tiles, update %d: %s", tiles, k, xbar_last_error());
    }
    xbar_aw_free(a);
    return rc;
}

static int x6(const char *dir, int seeds, FILE *md, char *err, size_t n)
{
    enum { NP = X6_STEPS / X6_EVERY + 1, NS = 2 };
    static double loss[NS][X6_CASES][REPRO_MAX_SEEDS][NP], mean[X6_CASES][NP], x[NP];
    for (int c = 0; c < NS; c++)
        for (int t = 0; t < X6_CASES; t++)
            for (int s = 0; s < seeds; s++)
                if ((t > 0 || c == 0) && x6_run(&x6_sched[c], x6_tiles[t], (uint64_t)s + 1, loss[c][t][s], err, n))
                    return 1;
    memcpy(loss[1][0], loss[0][0], sizeof loss[0][0]); /* one tile: Analog SGD, the same runs */
    fprintf(md, "\n## frontier X6: multi-tile residual learning on scalar least squares\n\n%d problems (w - b)^2, b on "
                "the 16-bit grid of [-1, 1], a 4-state soft-bounds device (w in [-1, 1], dw_min 0.5, no spread, no cycle "
                "noise), stochastic pulses without management, lr 0.001; 1 tile: Analog SGD; N tiles: multi_tile_rl with "
                "fast_lr 0.01 and the schedule of the column. Mean loss after %d updates, mean ± std over %d seed%s "
                "(targets and pulses):\n\n| tiles | %s | %s |\n|---|---|---|",
            X6_N, X6_STEPS, seeds, seeds > 1 ? "s" : "", x6_sched[0].name, x6_sched[1].name);
    for (int t = 0; t < X6_CASES; t++) {
        fprintf(md, "\n| %d%s |", x6_tiles[t], x6_tiles[t] == 1 ? " (Analog SGD)" : "");
        for (int c = 0; c < NS; c++) {
            double f[REPRO_MAX_SEEDS], m, sd;
            for (int s = 0; s < seeds; s++) f[s] = loss[c][t][s][NP - 1];
            repro_mean_sd(f, seeds, &m, &sd);
            fprintf(md, " %.3e ± %.1e |", m, sd);
        }
    }
    fprintf(md, "\n");
    for (int k = 0; k < NP; k++) x[k] = (double)k * X6_EVERY;
    for (int c = 0; c < NS && plot_available(); c++) {
        plot_series ps[X6_CASES];
        char names[X6_CASES][32], path[OUT_PATH_MAX + 32], perr[512], title[160];
        for (int t = 0; t < X6_CASES; t++) {
            for (int k = 0; k < NP; k++) {
                mean[t][k] = 0;
                for (int s = 0; s < seeds; s++) mean[t][k] += loss[c][t][s][k] / seeds;
            }
            snprintf(names[t], sizeof names[t], x6_tiles[t] == 1 ? "1 tile (Analog SGD)" : "%d tiles", x6_tiles[t]);
            ps[t] = (plot_series){.name = names[t], .x = x, .y = mean[t], .n = NP};
        }
        snprintf(path, sizeof path, "%.3000s/%s", dir, x6_sched[c].png);
        snprintf(title, sizeof title, "X6, 4-state device: %s", x6_sched[c].name);
        plot_spec sp = {.title = title, .xlabel = "updates", .ylabel = "mean (w - b)^2, mean over seeds", .logy = 1,
                        .key_outside = 1, .series = ps, .nseries = X6_CASES};
        if (!plot_lines(path, &sp, perr, sizeof perr)) fprintf(md, "\n![frontier X6, %s](%s)\n", x6_sched[c].name,
                                                                 x6_sched[c].png);
    }
    return 0;
}

int repro_frontier_run(const char *dir, int seeds, int quiet, FILE *md, char *err, size_t n)
{
    char sub[OUT_PATH_MAX + 32], d[OUT_PATH_MAX + 48];
    snprintf(sub, sizeof sub, "%.3000s/frontier", dir);
    mkdir(sub, 0777);
    snprintf(d, sizeof d, "%s/x1", sub);
    mkdir(d, 0777);
    int rc = x1(dir, sub, seeds, 0, quiet, md, err, n);
    if (!rc) {
        snprintf(d, sizeof d, "%s/x1-zs", sub);
        mkdir(d, 0777);
        rc = x1(dir, sub, seeds, 1, quiet, md, err, n);
    }
    if (!rc && !quiet) fprintf(stderr, "  frontier/x6: %d tile counts x %d seed%s (in memory)\n", X6_CASES, seeds,
                               seeds > 1 ? "s" : "");
    if (!rc) rc = x6(dir, seeds, md, err, n);
    if (!rc) {
        snprintf(d, sizeof d, "%s/x7", sub);
        mkdir(d, 0777);
        rc = x7(sub, quiet, md, err, n);
    }
    return rc;
}
