/* calibrate_exec.c - see calibrate_exec.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calibrate_exec.h"
#include "csvout.h"
#include "jsonout.h"
#include "outdir.h"
#include "outlock.h"
#include "plot.h"

uint64_t calibrate_smallest_n(const calibrate_result *r)
{
    for (int i = 0; i < r->n; i++)
        if (r->row[i].rel_mean_err <= CAL_REL_TARGET) return r->row[i].pulses; /* NaN: never */
    return 0;
}

static int write_results(const calibrate_result *r, const char *path, char *err, size_t n)
{
    static const char *const cols[] = {"pulses", "total_pulses", "mean_err", "std_err", "rms_err", "rel_mean_err",
                                       "mean_sp", "sp_std", "seconds", NULL};
    csv_writer *w = csv_open(path, cols, err, n);
    if (!w) return -1;
    for (int i = 0; i < r->n; i++) {
        const calibrate_row *row = &r->row[i];
        csv_i64(w, (int64_t)row->pulses);
        csv_i64(w, (int64_t)row->total_pulses);
        csv_num(w, row->mean_err);
        csv_num(w, row->std_err);
        csv_num(w, row->rms_err);
        if (isnan(row->rel_mean_err)) csv_str(w, "");
        else csv_num(w, row->rel_mean_err);
        csv_num(w, r->mean_sp);
        csv_num(w, r->sp_std);
        csv_num(w, row->seconds);
        csv_end_row(w);
    }
    return csv_close(w, err, n);
}

static int write_summary(const calibrate_cfg *c, const calibrate_result *r, const char *path, char *err, size_t n)
{
    cJSON *s = json_summary_new("calibrate");
    if (!s) return snprintf(err, n, "out of memory"), -1;
    json_add_config(s, "config", calibrate_keys(), c);
    cJSON_AddNumberToObject(s, "devices", (double)r->devices);
    cJSON_AddNumberToObject(s, "mean_sp", r->mean_sp);
    cJSON_AddNumberToObject(s, "sp_std", r->sp_std);
    double *v = malloc(sizeof(double) * (size_t)(r->n > 0 ? r->n : 1));
    cJSON *res = cJSON_AddObjectToObject(s, "results");
    if (!v || !res) {
        free(v);
        cJSON_Delete(s);
        return snprintf(err, n, "out of memory"), -1;
    }
    /* one array per column of results.csv; a NaN rel_mean_err is written as null (cJSON's rule) */
    static const char *const names[] = {"pulses", "total_pulses", "mean_err", "std_err", "rms_err", "rel_mean_err",
                                        "seconds"};
    double seconds = 0;
    for (size_t col = 0; col < sizeof names / sizeof *names; col++) {
        for (int i = 0; i < r->n; i++) {
            const calibrate_row *row = &r->row[i];
            const double x[] = {(double)row->pulses, (double)row->total_pulses, row->mean_err, row->std_err,
                                row->rms_err, row->rel_mean_err, row->seconds};
            v[i] = x[col];
            if (col == 0) seconds += row->seconds;
        }
        json_add_array(res, names[col], v, (size_t)r->n);
    }
    free(v);
    const uint64_t nmin = calibrate_smallest_n(r);
    if (nmin) cJSON_AddNumberToObject(s, "smallest_n_1pct", (double)nmin);
    else cJSON_AddNullToObject(s, "smallest_n_1pct");
    cJSON_AddNumberToObject(s, "seconds", seconds);
    int rc = json_write_file(s, path, err, n);
    cJSON_Delete(s);
    return rc;
}

/* rms_err and |mean_err| against N, log-log. */
static int write_plot(const calibrate_cfg *c, const calibrate_result *r, const char *path, char *err, size_t n)
{
    double x[CAL_MAX_N], rms[CAL_MAX_N], mean[CAL_MAX_N];
    for (int i = 0; i < r->n; i++) {
        x[i] = (double)r->row[i].pulses;
        rms[i] = r->row[i].rms_err;
        mean[i] = fabs(r->row[i].mean_err);
    }
    const plot_series ser[] = {{.name = "rms error", .x = x, .y = rms, .n = (size_t)r->n},
                               {.name = "|mean error|", .x = x, .y = mean, .n = (size_t)r->n}};
    char title[256];
    snprintf(title, sizeof title, "ZS estimate of the symmetric points vs N (%s, %s, dw_min %g, %dx%d)",
             xbar_device_model_name(c->device.model), c->cyclic ? "alternating" : "random", (double)c->device.dw_min,
             c->rows, c->cols);
    plot_spec sp = {.title = title,
                    .xlabel = "pulses per device N",
                    .ylabel = "error w_sp - W_N (weight units)",
                    .logx = 1,
                    .logy = 1,
                    .series = ser,
                    .nseries = 2};
    return plot_lines(path, &sp, err, n);
}

int calibrate_execute(const calibrate_cfg *c, const calibrate_plan *p, const char *out, int force, int quiet,
                      calibrate_result *res, char *err, size_t n)
{
    if (out_check(out, force ? OUT_FORCE : 0, err, n)) return 2;
    calibrate_result *r = calloc(1, sizeof *r);
    if (!r) return snprintf(err, n, "out of memory"), 1;
    out_ctx od;
    out_lock lk;
    if (out_lock_take(out, &lk, err, n) || out_begin(out, force, &od, err, n)) {
        out_lock_release(&lk);
        free(r);
        return 2;
    }
    int rc = calibrate_run(c, p, quiet, r, err, n);
    if (!rc) {
        FILE *f = out_fopen(&od, "config.ini", err, n);
        if (!f) rc = 1;
        else if (cfg_write_ini_if(calibrate_keys(), c, f, calibrate_cfg_uses) | fclose(f)) { /* both run */
            snprintf(err, n, "cannot write %s", out_path(&od, "config.ini"));
            rc = 1;
        }
    }
    if (!rc && write_results(r, out_path(&od, "results.csv"), err, n)) rc = 1;
    if (!rc && write_summary(c, r, out_path(&od, "summary.json"), err, n)) rc = 1;
    if (!rc && plot_available()) {
        char why[1024];
        if (write_plot(c, r, out_path(&od, "calibrate.png"), why, sizeof why))
            fprintf(stderr, "xbar calibrate: warning: no calibrate.png (the data files are written): %s\n", why);
    }
    if (!rc && out_commit(&od, err, n)) rc = 1;
    if (rc) out_abort(&od);
    out_lock_release(&lk);
    if (res && !rc) *res = *r;
    free(r);
    return rc;
}
