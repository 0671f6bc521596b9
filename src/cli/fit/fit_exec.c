/* fit_exec.c - see fit_exec.h. */
#define _XOPEN_SOURCE 700
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csvout.h"
#include "fit_exec.h"
#include "hw_keys.h"
#include "jsonout.h"
#include "outdir.h"
#include "outlock.h"
#include "pathname.h"
#include "plot.h"

#define PLOT_FITS 3  /* fits drawn in fit.png */
#define PLOT_BINS 40 /* bins of the data's bin means */
#define PLOT_GRID 200

/* ------------------------------------------------------------ [device] INI */

static const cfg_key *device_table(void)
{
    static hw_table t;
    if (!t.n) hw_keys_add(&t, xbar_device_keys(), 0, HW_ALL, "device", 0);
    return t.k;
}

static int device_used(const cfg_key *k, const void *obj, char *why, size_t n)
{
    return hw_device_key_used(k, ((const xbar_device_params *)obj)->model, why, n);
}

static int write_ini(out_ctx *od, const char *name, const fit_outcome *o, int k, const fit_cfg *c, const char *csv,
                     char *err, size_t n)
{
    FILE *f = out_fopen(od, name, err, n);
    if (!f) return -1;
    const fit_result *r = &o->res[k];
    fprintf(f, "; xbar fit: the %s model fitted to %s (%zu steps): rmse %.6g, r2 %.6g, %s %.6g%s\n",
            fit_model_name(k), path_show(csv), r->steps, r->rmse, r->r2, c->criterion == FIT_BIC ? "bic" : "aic",
            o->crit[k], k == o->best ? " (the best)" : "");
    fprintf(f, "; no device-to-device variation; dw_min_std: the cycle-to-cycle noise of the residuals\n");
    int rc = cfg_write_ini_if(device_table(), &o->dev[k], f, device_used);
    if (fclose(f) || rc) return snprintf(err, n, "cannot write %s", name), -1;
    return 0;
}

/* ------------------------------------------------------------- tables */

static int write_models(const fit_outcome *o, const char *path, char *err, size_t n)
{
    static const char *const cols[] = {"model", "parameters", "steps", "rss", "rmse", "r2", "aic", "bic", "delta",
                                       "c2c_std", "rmse_library", "selected", "note", NULL};
    csv_writer *w = csv_open(path, cols, err, n);
    if (!w) return -1;
    for (int k = 0; k < FIT_NMODELS; k++) {
        if (!o->used[k]) continue;
        const fit_result *r = &o->res[k];
        csv_str(w, fit_model_name(k));
        csv_i64(w, r->m.np);
        csv_i64(w, (int64_t)r->steps);
        const double v[] = {r->rss, r->rmse, r->r2, r->aic, r->bic,
                            o->best >= 0 && o->ok[k] ? o->crit[k] - o->crit[o->best] : NAN, r->c2c_std, o->lib_rmse[k]};
        for (size_t j = 0; j < sizeof v / sizeof *v; j++) {
            if (isfinite(v[j])) csv_num(w, v[j]);
            else csv_str(w, "");
        }
        csv_i64(w, k == o->best);
        csv_str(w, o->note[k]);
        csv_end_row(w);
    }
    return csv_close(w, err, n);
}

static int write_params(const fit_outcome *o, const char *path, char *err, size_t n)
{
    static const char *const cols[] = {"model", "parameter", "value", "std_error", NULL};
    csv_writer *w = csv_open(path, cols, err, n);
    if (!w) return -1;
    for (int k = 0; k < FIT_NMODELS; k++) {
        if (!o->used[k] || !o->res[k].steps) continue;
        const fit_result *r = &o->res[k];
        for (int j = 0; j < r->m.np; j++) {
            char name[32];
            csv_str(w, fit_model_name(k));
            csv_str(w, fit_param_name(&r->m, j, name, sizeof name));
            csv_num(w, r->th[j]);
            if (isfinite(r->se[j])) csv_num(w, r->se[j]);
            else csv_str(w, "");
            csv_end_row(w);
        }
    }
    return csv_close(w, err, n);
}

static int write_nodes(const xbar_device_params *p, const char *path, char *err, size_t n)
{
    static const char *const cols[] = {"up", "down", NULL};
    csv_writer *w = csv_open(path, cols, err, n);
    if (!w) return -1;
    for (int k = 0; k < p->piecewise_n; k++) {
        csv_num(w, p->piecewise_up[k]);
        csv_num(w, p->piecewise_down[k]);
        csv_end_row(w);
    }
    return csv_close(w, err, n);
}

static cJSON *num(double v) { return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull(); }

static int write_summary(const fit_cfg *c, const fit_outcome *o, const char *csv, const fit_data *d, const char *path,
                         char *err, size_t n)
{
    cJSON *s = json_summary_new("fit");
    if (!s) return snprintf(err, n, "out of memory"), -1;
    json_add_config(s, "config", fit_keys(), c);
    cJSON *in = cJSON_AddObjectToObject(s, "input");
    cJSON_AddStringToObject(in, "file", csv);
    cJSON_AddNumberToObject(in, "readings", (double)d->n);
    cJSON_AddNumberToObject(in, "steps_up", (double)d->steps_up);
    cJSON_AddNumberToObject(in, "steps_down", (double)d->steps_dn);
    cJSON_AddNumberToObject(in, "pulses_up", (double)d->pulses_up);
    cJSON_AddNumberToObject(in, "pulses_down", (double)d->pulses_dn);
    cJSON_AddNumberToObject(in, "w_min", d->wlo);
    cJSON_AddNumberToObject(in, "w_max", d->whi);
    cJSON_AddStringToObject(s, "criterion", c->criterion == FIT_BIC ? "bic" : "aic");
    if (o->best >= 0) cJSON_AddStringToObject(s, "best", fit_model_name(o->best));
    else cJSON_AddNullToObject(s, "best");
    cJSON *arr = cJSON_AddArrayToObject(s, "models");
    for (int k = 0; arr && k < FIT_NMODELS; k++) {
        if (!o->used[k]) continue;
        const fit_result *r = &o->res[k];
        cJSON *m = cJSON_CreateObject();
        cJSON_AddItemToArray(arr, m);
        cJSON_AddStringToObject(m, "model", fit_model_name(k));
        cJSON *pv = cJSON_AddObjectToObject(m, "parameters"), *pe = cJSON_AddObjectToObject(m, "std_errors");
        for (int j = 0; r->steps && j < r->m.np; j++) {
            char name[32];
            fit_param_name(&r->m, j, name, sizeof name);
            cJSON_AddItemToObject(pv, name, num(r->th[j]));
            cJSON_AddItemToObject(pe, name, num(r->se[j]));
        }
        cJSON_AddNumberToObject(m, "k", r->m.np);
        cJSON_AddNumberToObject(m, "steps", (double)r->steps);
        cJSON_AddItemToObject(m, "rss", num(r->rss));
        cJSON_AddItemToObject(m, "rmse", num(r->rmse));
        cJSON_AddItemToObject(m, "r2", num(r->r2));
        cJSON_AddItemToObject(m, "aic", num(r->aic));
        cJSON_AddItemToObject(m, "bic", num(r->bic));
        cJSON_AddItemToObject(m, "delta", num(o->best >= 0 && o->ok[k] ? o->crit[k] - o->crit[o->best] : NAN));
        cJSON_AddItemToObject(m, "c2c_std", num(r->c2c_std));
        cJSON_AddItemToObject(m, "rmse_library", num(o->lib_rmse[k]));
        cJSON_AddBoolToObject(m, "candidate", o->ok[k]);
        cJSON_AddBoolToObject(m, "selected", k == o->best);
        cJSON_AddStringToObject(m, "note", o->note[k]);
    }
    int rc = json_write_file(s, path, err, n);
    cJSON_Delete(s);
    return rc;
}

/* -------------------------------------------------------------- plots */

static int order_cmp_ctx_crit(const double *crit, int a, int b) { return (crit[a] > crit[b]) - (crit[a] < crit[b]); }

/* candidates by criterion, best first, into idx; returns how many */
static int ranked(const fit_outcome *o, int *idx)
{
    int n = 0;
    for (int k = 0; k < FIT_NMODELS; k++)
        if (o->ok[k]) idx[n++] = k;
    for (int i = 1; i < n; i++) /* insertion sort: eight entries */
        for (int j = i; j > 0 && order_cmp_ctx_crit(o->crit, idx[j - 1], idx[j]) > 0; j--) {
            const int t = idx[j];
            idx[j] = idx[j - 1], idx[j - 1] = t;
        }
    return n;
}

static int plot_steps(const fit_cfg *c, const fit_outcome *o, const fit_data *d, const char *path, char *err, size_t n)
{
    double xb[PLOT_BINS], yb[2][PLOT_BINS], sb[2][PLOT_BINS] = {{0}}, nb[2][PLOT_BINS] = {{0}};
    const double R = d->whi - d->wlo;
    for (size_t i = 1; i < d->n; i++) {
        if (!d->cnt[i]) continue;
        int b = (int)((d->w[i - 1] - d->wlo) / R * PLOT_BINS);
        if (b >= PLOT_BINS) b = PLOT_BINS - 1;
        const int up = d->cnt[i] > 0;
        sb[up][b] += (d->w[i] - d->w[i - 1]) / abs(d->cnt[i]), nb[up][b] += 1;
    }
    for (int b = 0; b < PLOT_BINS; b++) {
        xb[b] = d->wlo + R * (b + 0.5) / PLOT_BINS;
        for (int u = 0; u < 2; u++) yb[u][b] = nb[u][b] ? sb[u][b] / nb[u][b] : NAN;
    }
    int idx[FIT_NMODELS];
    int nr = ranked(o, idx);
    if (nr > PLOT_FITS) nr = PLOT_FITS;
    static double xg[PLOT_GRID], yg[PLOT_FITS][2][PLOT_GRID];
    for (int g = 0; g < PLOT_GRID; g++) xg[g] = d->wlo + R * g / (PLOT_GRID - 1);
    plot_series ser[2 + 2 * PLOT_FITS];
    char names[2 * PLOT_FITS][64];
    ser[0] = (plot_series){.name = "data, up (bin mean)", .x = xb, .y = yb[1], .n = PLOT_BINS};
    ser[1] = (plot_series){.name = "data, down (bin mean)", .x = xb, .y = yb[0], .n = PLOT_BINS};
    int ns = 2;
    for (int j = 0; j < nr; j++)
        for (int u = 1; u >= 0; u--, ns++) {
            const fit_result *r = &o->res[idx[j]];
            for (int g = 0; g < PLOT_GRID; g++) yg[j][u][g] = (u ? 1 : -1) * fit_step(&r->m, r->th, xg[g], u);
            snprintf(names[ns - 2], sizeof names[ns - 2], "%s, %s", fit_model_name(idx[j]), u ? "up" : "down");
            ser[ns] = (plot_series){.name = names[ns - 2], .x = xg, .y = yg[j][u], .n = PLOT_GRID};
        }
    char title[200];
    snprintf(title, sizeof title, "Step per pulse vs weight: data and the %d best fits by %s", nr,
             c->criterion == FIT_BIC ? "BIC" : "AIC");
    plot_spec sp = {.title = title, .xlabel = "weight w before the pulse", .ylabel = "step per pulse (weight units)",
                    .key_outside = 1, .series = ser, .nseries = ns};
    return plot_lines(path, &sp, err, n);
}

static int plot_curve(const fit_outcome *o, const fit_data *d, const char *path, char *err, size_t n)
{
    double *y = malloc(sizeof(double) * d->n);
    if (!y) return snprintf(err, n, "out of memory"), -1;
    const fit_result *r = &o->res[o->best];
    y[0] = d->w[0];
    for (size_t i = 1; i < d->n; i++) y[i] = fit_predict(&r->m, r->th, y[i - 1], d->cnt[i]);
    char name[96], title[200];
    snprintf(name, sizeof name, "%s fit, noise-free", fit_model_name(o->best));
    snprintf(title, sizeof title, "Measured weight and the %s fit's prediction of the same pulses", fit_model_name(o->best));
    const plot_series ser[] = {{.name = "measured", .x = d->idx, .y = d->w, .n = d->n},
                               {.name = name, .x = d->idx, .y = y, .n = d->n}};
    plot_spec sp = {.title = title, .xlabel = "pulse index (column 1)", .ylabel = "weight w", .key_outside = 1,
                    .series = ser, .nseries = 2};
    int rc = plot_lines(path, &sp, err, n);
    free(y);
    return rc;
}

/* ------------------------------------------------------------- run */

/* The absolute path DIR/nodes.csv will have once DIR is in place (as given if that fails). */
static void nodes_path(const char *out, char *buf, size_t cap)
{
    char parent[PATH_MAX], real[PATH_MAX];
    path_parent(out, parent, sizeof parent);
    if (realpath(parent, real) && snprintf(buf, cap, "%s/%s/nodes.csv", strcmp(real, "/") ? real : "",
                                           path_base(out)) < (int)cap)
        return;
    snprintf(buf, cap, "%s/nodes.csv", out);
}

int fit_execute(const fit_cfg *c, const int *use, const char *csv, const fit_data *d, const char *out, int force,
                fit_outcome *o, char *err, size_t n)
{
    memset(o, 0, sizeof *o);
    o->best = -1;
    if (out_check(out, force ? OUT_FORCE : 0, err, n)) return 2;
    char nodes[CFG_STR_MAX + 64];
    nodes_path(out, nodes, sizeof nodes);
    /* fit every model (before the output folder exists: nothing to clean up on failure) */
    for (int k = 0; k < FIT_NMODELS; k++) {
        o->lib_rmse[k] = NAN;
        if (!use[k]) continue;
        o->used[k] = 1;
        const fit_model m = fit_model_make(k, c->nodes, d);
        char why[256];
        if (fit_run(&m, d, &o->res[k], why, sizeof why)) {
            snprintf(o->note[k], sizeof o->note[k], "not fitted: %s", why);
            continue;
        }
        const char *bad = fit_to_device(&m, o->res[k].th, &o->dev[k]);
        if (!bad && isfinite(o->res[k].c2c_std)) o->dev[k].dw_min_std = (float)o->res[k].c2c_std;
        if (!bad && k == FIT_PIECEWISE) {
            if (strlen(nodes) >= CFG_STR_MAX) bad = "the path of nodes.csv is too long for device.piecewise_file";
            else snprintf(o->dev[k].piecewise_file, sizeof o->dev[k].piecewise_file, "%s", nodes);
        }
        char hw[512];
        if (!bad && hw_device_check(&o->dev[k], hw, sizeof hw)) bad = hw;
        if (bad) {
            snprintf(o->note[k], sizeof o->note[k], "not a valid library device: %s", bad);
            continue;
        }
        xbar_device_params quiet = o->dev[k];
        quiet.dw_min_std = 0.0f;
        o->lib_rmse[k] = fit_library_rmse(&quiet, d);
        o->crit[k] = c->criterion == FIT_BIC ? o->res[k].bic : o->res[k].aic;
        o->ok[k] = isfinite(o->crit[k]);
        if (!o->ok[k]) snprintf(o->note[k], sizeof o->note[k], "no finite criterion");
        if (o->ok[k] && (o->best < 0 || o->crit[k] < o->crit[o->best])) o->best = k;
    }
    for (int k = 0; k < FIT_NMODELS; k++)
        if (o->ok[k] && !o->note[k][0]) snprintf(o->note[k], sizeof o->note[k], "%s", k == o->best ? "best" : "");
    if (o->best < 0) {
        int k = 0;
        while (k < FIT_NMODELS - 1 && !o->used[k]) k++;
        snprintf(err, n, "%s: no model of fit.models = %s fitted as a valid library device (%s: %s)", path_show(csv),
                 c->models, fit_model_name(k), o->note[k]);
        return 2;
    }
    out_ctx od;
    out_lock lk;
    if (out_lock_take(out, &lk, err, n) || out_begin(out, force, &od, err, n)) {
        out_lock_release(&lk);
        return 2;
    }
    int rc = 0;
    FILE *f = out_fopen(&od, "config.ini", err, n);
    if (!f) rc = 1;
    else if (cfg_write_ini(fit_keys(), c, f) | fclose(f)) { /* both run */
        snprintf(err, n, "cannot write %s", out_path(&od, "config.ini"));
        rc = 1;
    }
    if (!rc && write_ini(&od, "fit.ini", o, o->best, c, csv, err, n)) rc = 1;
    for (int k = 0; k < FIT_NMODELS && !rc; k++) {
        if (!o->ok[k]) continue;
        char name[64];
        snprintf(name, sizeof name, "fit_%s.ini", fit_model_name(k));
        if (write_ini(&od, name, o, k, c, csv, err, n)) rc = 1;
    }
    if (!rc && o->ok[FIT_PIECEWISE] && write_nodes(&o->dev[FIT_PIECEWISE], out_path(&od, "nodes.csv"), err, n)) rc = 1;
    if (!rc && write_models(o, out_path(&od, "models.csv"), err, n)) rc = 1;
    if (!rc && write_params(o, out_path(&od, "params.csv"), err, n)) rc = 1;
    if (!rc && write_summary(c, o, csv, d, out_path(&od, "summary.json"), err, n)) rc = 1;
    if (!rc && plot_available()) {
        char why[1024];
        if (plot_steps(c, o, d, out_path(&od, "fit.png"), why, sizeof why))
            fprintf(stderr, "xbar fit: warning: no fit.png (the data files are written): %s\n", why);
        if (plot_curve(o, d, out_path(&od, "fit_curve.png"), why, sizeof why))
            fprintf(stderr, "xbar fit: warning: no fit_curve.png (the data files are written): %s\n", why);
    }
    if (!rc && out_commit(&od, err, n)) rc = 1;
    if (rc) out_abort(&od);
    out_lock_release(&lk);
    return rc;
}
