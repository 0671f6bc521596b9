/* lsq_exec.c - see lsq_exec.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "csvout.h"
#include "jsonout.h"
#include "lsq_exec.h"
#include "outdir.h"
#include "outlock.h"
#include "plot.h"

void lsq_outcome_free(lsq_outcome *o)
{
    if (!o) return;
    for (int i = 0; i < o->n; i++) xbar_lsq_result_free(&o->res[i]);
    o->n = 0;
}

static int write_metrics(const lsq_outcome *o, const char *path, char *err, size_t n)
{
    static const char *const cols[] = {"curve", "kind", "value", "iteration", "loss", "grad_norm2", "winf_over_tau",
                                       "pinf_over_tau", NULL};
    csv_writer *w = csv_open(path, cols, err, n);
    if (!w) return -1;
    for (int c = 0; c < o->n; c++) {
        const xbar_lsq_result *r = &o->res[c];
        for (int k = 0; k < r->n; k++) {
            csv_str(w, o->curve[c].name);
            csv_str(w, xbar_lsq_kind_name(o->curve[c].kind));
            csv_str(w, o->curve[c].value);
            csv_i64(w, k);
            csv_num(w, r->loss[k]);
            csv_num(w, r->grad2[k]);
            csv_num(w, r->winf[k]);
            csv_num(w, r->pinf[k]);
            csv_end_row(w);
        }
    }
    return csv_close(w, err, n);
}

static int write_summary(const lsq_cfg *c, const lsq_outcome *o, const char *path, char *err, size_t n)
{
    cJSON *s = json_summary_new("lsq");
    if (!s) return snprintf(err, n, "out of memory"), -1;
    cJSON_AddStringToObject(s, "preset", c->preset);
    json_add_config(s, "config", lsq_keys(), c);
    cJSON *arr = cJSON_AddArrayToObject(s, "curves");
    for (int i = 0; i < o->n; i++) {
        const xbar_lsq_result *r = &o->res[i];
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "name", o->curve[i].name);
        cJSON_AddStringToObject(e, "kind", xbar_lsq_kind_name(o->curve[i].kind));
        cJSON_AddStringToObject(e, "value", o->curve[i].value);
        cJSON_AddNumberToObject(e, "final_error", r->final_error);
        cJSON_AddNumberToObject(e, "w_err", r->w_err);
        cJSON_AddNumberToObject(e, "S_K", r->S_K);
        cJSON_AddNumberToObject(e, "sigma2", r->sigma2);
        cJSON_AddNumberToObject(e, "bound_4sigma2_SK", r->bound_4sigma2_SK);
        cJSON_AddNumberToObject(e, "grad2_mean", r->grad2_mean);
        cJSON_AddNumberToObject(e, "ratio", r->ratio);
        cJSON_AddNumberToObject(e, "ratio_paper", r->ratio_paper);
        cJSON_AddNumberToObject(e, "winf_max", r->winf_max);
        cJSON_AddNumberToObject(e, "w_noise", r->w_noise);
        cJSON_AddNumberToObject(e, "pulses", (double)r->pulses);
        cJSON_AddNumberToObject(e, "iterations", r->n);
        cJSON_AddNumberToObject(e, "seconds", r->seconds);
        cJSON_AddItemToArray(arr, e);
    }
    int rc = json_write_file(s, path, err, n);
    cJSON_Delete(s);
    return rc;
}

static int same_key(const lsq_outcome *o, int i, int j, int by_kind)
{
    return by_kind ? o->curve[i].kind == o->curve[j].kind : !strcmp(o->curve[i].value, o->curve[j].value);
}

/* Curve cv's kind (by_kind) or sweep value as an ordinal from 1, in the order of first appearance; 0 for a
 * curve without a sweep value. */
static int ordinal(const lsq_outcome *o, int cv, int by_kind)
{
    if (!by_kind && !o->curve[cv].value[0]) return 0;
    int ord = 0;
    for (int i = 0; i < o->n; i++) {
        if (!by_kind && !o->curve[i].value[0]) continue;
        int first = 1;
        for (int j = 0; j < i && first; j++) first = !same_key(o, i, j, by_kind);
        ord += first;
        if (same_key(o, i, cv, by_kind)) return ord;
    }
    return ord;
}

/* One PNG against iteration, log-y: the smoothed loss per curve, or (thm3) per curve the running mean of
 * ||grad f(W_k)||^2 over k' <= k with the theorem's level sigma^2 S_K as a dashed line in its colour.
 * Colour by the sweep's value (curves without one after those), dash by kind; names as a paper writes
 * the setting ("analog_pulse, τ = 2"). */
static int write_plot(const lsq_cfg *c, const lsq_outcome *o, const char *path, char *err, size_t n)
{
    int K = o->res[0].n, stride = K > 2000 ? K / 2000 : 1, np = (K + stride - 1) / stride;
    int thm3 = c->s.problem == XBAR_LSQ_PROBLEM_THM3, nser = o->n * (thm3 ? 2 : 1);
    double *buf = malloc(sizeof(double) * (size_t)(np * (o->n + 1) + 4 * o->n));
    plot_series *ser = calloc((size_t)nser, sizeof *ser);
    char(*names)[200] = calloc((size_t)nser, sizeof *names);
    if (!buf || !ser || !names) {
        free(buf);
        free(ser);
        free(names);
        return snprintf(err, n, "out of memory"), -1;
    }
    double *x = buf, *ref = buf + (size_t)np * (o->n + 1);
    for (int i = 0; i < np; i++) x[i] = (double)i * stride;
    int nvals = 0;
    for (int cv = 0; cv < o->n; cv++) nvals = ordinal(o, cv, 0) > nvals ? ordinal(o, cv, 0) : nvals;
    for (int cv = 0; cv < o->n; cv++) {
        const xbar_lsq_result *r = &o->res[cv];
        const float *v = thm3 ? r->grad2 : r->loss;
        double *y = buf + (size_t)np * (cv + 1), s = v[0];
        for (int k = 0, i = 0; k < K; k++) {
            s = thm3 ? s + ((double)v[k] - s) / (k + 1) : c->ema * s + (1 - c->ema) * v[k];
            if (k % stride == 0) y[i++] = s;
        }
        char setting[160] = "";
        if (o->curve[cv].value[0]) plot_setting_label(c->sweep_key, o->curve[cv].value, setting, sizeof setting);
        plot_series *e = &ser[thm3 ? 2 * cv : cv];
        int ov = ordinal(o, cv, 0);
        e->colour = ov ? ov : nvals + ordinal(o, cv, 1);
        e->dash = ordinal(o, cv, 1) - 1;
        snprintf(names[e - ser], sizeof names[0], "%s%s%s",
                 thm3 ? "running mean" : xbar_lsq_kind_name(o->curve[cv].kind), setting[0] ? ", " : "", setting);
        e->name = names[e - ser], e->x = x, e->y = y, e->n = (size_t)np;
        if (thm3) { /* the level sigma^2 S_K, a two-point line over the whole run */
            double *rx = ref + 4 * cv, *ry = rx + 2;
            rx[0] = 0, rx[1] = x[np - 1], ry[0] = ry[1] = r->sigma2 * r->S_K;
            snprintf(names[e - ser + 1], sizeof names[0], "σ² S_K%s%s%s", setting[0] ? " (" : "", setting,
                     setting[0] ? ")" : "");
            e[1] = (plot_series){.name = names[e - ser + 1], .x = rx, .y = ry, .n = 2, .colour = e->colour,
                                 .dash = e->dash + 1, .points = -1};
        }
    }
    char title[CFG_STR_MAX + 128];
    snprintf(title, sizeof title, "xbar lsq %s%s", c->preset[0] ? c->preset : "",
             thm3 ? ": running mean of ‖∇f‖² against Theorem 3's level σ² S_K" : "");
    plot_spec sp = {.title = title,
                    .xlabel = "iteration k",
                    .ylabel = thm3 ? "‖∇f(W_k)‖², running mean over k' ≤ k" : "f(W_k) - f*",
                    .logy = 1,
                    .key_outside = 1,
                    .series = ser,
                    .nseries = nser};
    int rc = plot_lines(path, &sp, err, n);
    free(buf);
    free(ser);
    free(names);
    return rc;
}

int lsq_execute(const lsq_cfg *c, const char *out, int force, int quiet, lsq_outcome *res, char *err, size_t n)
{
    if (out_check(out, force ? OUT_FORCE : 0, err, n)) return 2;
    lsq_outcome *o = calloc(1, sizeof *o);
    if (!o) return snprintf(err, n, "out of memory"), 1;
    int nc = lsq_cfg_curves(c, o->curve, LSQ_MAX_CURVES, err, n);
    if (nc < 0) {
        free(o);
        return 2;
    }
    out_ctx od;
    out_lock lk;
    if (out_lock_take(out, &lk, err, n) || out_begin(out, force, &od, err, n)) {
        out_lock_release(&lk);
        free(o);
        return 2;
    }
    int rc = 0;
    for (int i = 0; i < nc && !rc; i++) {
        if (!quiet) fprintf(stderr, "  lsq %s: curve %d/%d %s ...", c->preset, i + 1, nc, o->curve[i].name);
        xbar_status st = xbar_lsq_run(&o->curve[i].s, o->curve[i].kind, &o->res[i]);
        o->n = i + 1;
        if (st != XBAR_OK) {
            snprintf(err, n, "curve %s: %s", o->curve[i].name, xbar_last_error());
            rc = st == XBAR_EINVAL ? 2 : 1;
            break;
        }
        if (!quiet) fprintf(stderr, " final %.3g (%.1f s)\n", o->res[i].final_error, o->res[i].seconds);
    }
    if (!rc) {
        FILE *f = out_fopen(&od, "config.ini", err, n);
        if (!f) rc = 1;
        else if (cfg_write_ini_if(lsq_keys(), c, f, lsq_cfg_uses) | fclose(f)) { /* both run: the file is closed either way */
            snprintf(err, n, "cannot write %s", out_path(&od, "config.ini"));
            rc = 1;
        }
    }
    if (!rc && write_metrics(o, out_path(&od, "metrics.csv"), err, n)) rc = 1;
    if (!rc && write_summary(c, o, out_path(&od, "summary.json"), err, n)) rc = 1;
    if (!rc) {
        char png[CFG_STR_MAX + 16];
        snprintf(png, sizeof png, "%s.png", c->preset[0] ? c->preset : "lsq");
        char why[1024];
        if (write_plot(c, o, out_path(&od, png), why, sizeof why))
            fprintf(stderr, "xbar lsq: warning: no %s (the data files are written): %s\n", png, why);
    }
    if (!rc && out_commit(&od, err, n)) rc = 1;
    if (rc) out_abort(&od);
    out_lock_release(&lk);
    if (res && !rc) {
        *res = *o;
    } else {
        lsq_outcome_free(o);
    }
    free(o);
    return rc;
}
