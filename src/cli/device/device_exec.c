/* device_exec.c - see device_exec.h. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csvout.h"
#include "device_exec.h"
#include "jsonout.h"
#include "outdir.h"
#include "outlock.h"
#include "plot.h"

#define PLOT_TRACES 4 /* traces drawn in response.png (noise-free and noisy each) */

/* The traces: t = i * starts + j holds 2n + 1 weights, noise-free in w, noisy in wc. */
typedef struct {
    xbar_devices d;
    int nt, len;
    float *w, *wc;
} traces;

static int run_traces(const device_tool_cfg *c, traces *t, char *err, size_t n)
{
    const int np = c->pulses, len = 2 * np + 1;
    t->nt = c->devices * c->start.n;
    t->len = len;
    t->w = malloc(sizeof(float) * (size_t)t->nt * (size_t)len);
    t->wc = malloc(sizeof(float) * (size_t)t->nt * (size_t)len);
    if (!t->w || !t->wc) return snprintf(err, n, "out of memory (%d traces of %d points)", t->nt, len), -1;
    const int noisy = t->d.p.dw_min_std != 0.0f;
    for (int i = 0; i < c->devices; i++)
        for (int j = 0; j < c->start.n; j++) {
            float *w = t->w + (size_t)(i * c->start.n + j) * (size_t)len;
            float *wc = t->wc + (size_t)(i * c->start.n + j) * (size_t)len;
            w[0] = wc[0] = xbar_device_clip(&t->d, (size_t)i, (float)c->start.v[j]);
            const uint64_t stream = xbar_stream(XBAR_RNG_USER, (uint32_t)i, (uint32_t)j);
            float z[4] = {0, 0, 0, 0};
            for (int k = 1; k < len; k++) {
                const int up = k <= np;
                if (noisy && (k - 1) % 4 == 0) xbar_rng_normal4(z, c->seed, stream, (uint64_t)(k - 1) / 4);
                w[k] = xbar_device_pulse(&t->d, (size_t)i, w[k - 1], up, 0.0f);
                wc[k] = noisy ? xbar_device_pulse(&t->d, (size_t)i, wc[k - 1], up, z[(k - 1) % 4]) : w[k];
                if (!isfinite(w[k]) || !isfinite(wc[k]))
                    return snprintf(err, n, "device %d: pulse %d gave %g: %s", i, k, (double)w[k], xbar_last_error()), -1;
            }
        }
    return 0;
}

static int write_response(const device_tool_cfg *c, const traces *t, const char *path, char *err, size_t n)
{
    static const char *const cols[] = {"device", "start_index", "start", "pulse", "direction", "w", "w_c2c", NULL};
    csv_writer *cw = csv_open(path, cols, err, n);
    if (!cw) return -1;
    for (int i = 0; i < c->devices; i++)
        for (int j = 0; j < c->start.n; j++) {
            const size_t off = (size_t)(i * c->start.n + j) * (size_t)t->len;
            for (int k = 0; k < t->len; k++) {
                csv_i64(cw, i);
                csv_i64(cw, j);
                csv_num(cw, t->w[off]);
                csv_i64(cw, k);
                csv_i64(cw, k == 0 ? 0 : k <= c->pulses ? 1 : -1);
                csv_num(cw, t->w[off + (size_t)k]);
                csv_num(cw, t->wc[off + (size_t)k]);
                csv_end_row(cw);
            }
        }
    return csv_close(cw, err, n);
}

/* grid point k of device i's range */
static double grid_w(const device_tool_result *r, int i, int k, int grid)
{
    return k == grid - 1 ? r->hi[i] : r->lo[i] + (r->hi[i] - r->lo[i]) * (double)k / (double)(grid - 1);
}

static int write_qf(const device_tool_cfg *c, const traces *t, const device_tool_result *r, const char *path,
                    char *err, size_t n)
{
    static const char *const cols[] = {"device", "w", "q_up", "q_dn", "F", "G", NULL};
    csv_writer *cw = csv_open(path, cols, err, n);
    if (!cw) return -1;
    int rc = 0;
    for (int i = 0; i < c->devices && !rc; i++)
        for (int k = 0; k < c->grid && !rc; k++) {
            const double w = grid_w(r, i, k, c->grid);
            double qu, qd, F, G;
            if (xbar_device_q(&t->d, (size_t)i, w, &qu, &qd) || xbar_device_FG(&t->d, (size_t)i, w, &F, &G)) {
                snprintf(err, n, "device %d at w = %g: %s", i, w, xbar_last_error());
                rc = -1;
                break;
            }
            const double v[] = {i, w, qu, qd, F, G};
            csv_row(cw, v);
        }
    char cerr[512];
    if (csv_close(cw, cerr, sizeof cerr) && !rc) return snprintf(err, n, "%s", cerr), -1;
    return rc;
}

static cJSON *num_or_null(double v) { return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull(); }

static int write_summary(const device_tool_cfg *c, const traces *t, const device_tool_result *r, const char *path,
                         char *err, size_t n)
{
    cJSON *s = json_summary_new("device");
    if (!s) return snprintf(err, n, "out of memory"), -1;
    json_add_config(s, "config", device_tool_keys(), c);
    cJSON_AddStringToObject(s, "model", xbar_device_model_name(c->device.model));
    cJSON_AddNumberToObject(s, "granularity", t->d.granularity);
    cJSON_AddNumberToObject(s, "pulses", c->pulses);
    cJSON *devs = cJSON_AddArrayToObject(s, "devices");
    double sum = 0;
    int nsp = 0;
    for (int i = 0; devs && i < c->devices; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToArray(devs, o);
        cJSON_AddNumberToObject(o, "index", i);
        cJSON_AddNumberToObject(o, "w_min", r->lo[i]);
        cJSON_AddNumberToObject(o, "w_max", r->hi[i]);
        cJSON_AddNumberToObject(o, "s_up", t->d.s_up[i]);
        cJSON_AddNumberToObject(o, "s_dn", t->d.s_dn[i]);
        cJSON_AddItemToObject(o, "symmetric_point", num_or_null(r->sp[i]));
        double F = NAN;
        if (isfinite(r->sp[i]) && xbar_device_FG(&t->d, (size_t)i, r->sp[i], &F, NULL)) F = NAN;
        cJSON_AddItemToObject(o, "F_at_symmetric_point", num_or_null(F));
        if (isfinite(r->sp[i])) sum += r->sp[i], nsp++;
        cJSON *tr = cJSON_AddArrayToObject(o, "traces");
        for (int j = 0; tr && j < c->start.n; j++) {
            const float *w = t->w + (size_t)(i * c->start.n + j) * (size_t)t->len;
            const float *wc = t->wc + (size_t)(i * c->start.n + j) * (size_t)t->len;
            cJSON *e = cJSON_CreateObject();
            cJSON_AddItemToArray(tr, e);
            cJSON_AddNumberToObject(e, "start", w[0]);
            cJSON_AddNumberToObject(e, "after_up", w[c->pulses]);
            cJSON_AddNumberToObject(e, "after_down", w[2 * c->pulses]);
            cJSON_AddNumberToObject(e, "after_up_c2c", wc[c->pulses]);
            cJSON_AddNumberToObject(e, "after_down_c2c", wc[2 * c->pulses]);
        }
    }
    cJSON_AddItemToObject(s, "mean_symmetric_point", num_or_null(nsp ? sum / nsp : NAN));
    int rc = json_write_file(s, path, err, n);
    cJSON_Delete(s);
    return rc;
}

static int plot_response(const device_tool_cfg *c, const traces *t, const char *path, char *err, size_t n)
{
    const int nt = t->nt < PLOT_TRACES ? t->nt : PLOT_TRACES, noisy = t->d.p.dw_min_std != 0.0f;
    double *x = malloc(sizeof(double) * (size_t)t->len * (size_t)(1 + 2 * nt));
    if (!x) return snprintf(err, n, "out of memory"), -1;
    for (int k = 0; k < t->len; k++) x[k] = k;
    plot_series ser[2 * PLOT_TRACES];
    char names[2 * PLOT_TRACES][96];
    int ns = 0;
    for (int m = 0; m <= noisy; m++)
        for (int q = 0; q < nt; q++, ns++) {
            double *y = x + (size_t)t->len * (size_t)(1 + ns);
            const float *src = (m ? t->wc : t->w) + (size_t)q * (size_t)t->len;
            for (int k = 0; k < t->len; k++) y[k] = src[k];
            snprintf(names[ns], sizeof names[ns], "dev %d, w0 %.3g%s", q / c->start.n, (double)src[0],
                     m ? ", c2c" : "");
            ser[ns] = (plot_series){.name = names[ns], .x = x, .y = y, .n = (size_t)t->len, .colour = q + 1, .dash = m};
        }
    char title[256];
    snprintf(title, sizeof title, "%s: %d up, then %d down pulses%s", xbar_device_model_name(c->device.model),
             c->pulses, c->pulses, noisy ? " (noise-free, and with c2c noise)" : " (no c2c noise)");
    plot_spec sp = {.title = title, .xlabel = "pulse number", .ylabel = "weight w", .key_outside = 1,
                    .series = ser, .nseries = ns};
    int rc = plot_lines(path, &sp, err, n);
    free(x);
    return rc;
}

static int plot_qf(const device_tool_cfg *c, const traces *t, const device_tool_result *r, const char *path,
                   char *err, size_t n)
{
    const int g = c->grid;
    double *v = malloc(sizeof(double) * (size_t)g * 5);
    if (!v) return snprintf(err, n, "out of memory"), -1;
    double lo = 0, hi = 0;
    for (int k = 0; k < g; k++) {
        double *w = v, *qu = v + g, *qd = v + 2 * g, *F = v + 3 * g, *G = v + 4 * g;
        w[k] = grid_w(r, 0, k, g);
        xbar_device_q(&t->d, 0, w[k], &qu[k], &qd[k]);
        xbar_device_FG(&t->d, 0, w[k], &F[k], &G[k]);
        for (int m = 1; m < 5; m++)
            if (isfinite(v[m * g + k])) lo = fmin(lo, v[m * g + k]), hi = fmax(hi, v[m * g + k]);
    }
    const double pad = 0.05 * (hi - lo > 0 ? hi - lo : 1);
    char spname[96];
    double spx[2] = {r->sp[0], r->sp[0]}, spy[2] = {lo - pad, hi + pad};
    snprintf(spname, sizeof spname, "w_sp %.4g", r->sp[0]);
    plot_series ser[5] = {{.name = "q+", .x = v, .y = v + g, .n = (size_t)g},
                          {.name = "q-", .x = v, .y = v + 2 * (size_t)g, .n = (size_t)g},
                          {.name = "F", .x = v, .y = v + 3 * (size_t)g, .n = (size_t)g},
                          {.name = "G", .x = v, .y = v + 4 * (size_t)g, .n = (size_t)g},
                          {.name = spname, .x = spx, .y = spy, .n = 2, .dash = 1, .points = -1}};
    char title[256];
    snprintf(title, sizeof title, "%s, device 0 of %d: q+-, F, G and %s", xbar_device_model_name(c->device.model),
             c->devices, isfinite(r->sp[0]) ? "the symmetric point w_sp" : "no symmetric point (G keeps its sign)");
    plot_spec sp = {.title = title, .xlabel = "weight w", .ylabel = "q+, q-, F, G (step / granularity)",
                    .key_outside = 1, .ymin = lo - pad, .ymax = hi + pad, .series = ser,
                    .nseries = isfinite(r->sp[0]) ? 5 : 4};
    int rc = plot_lines(path, &sp, err, n);
    free(v);
    return rc;
}

int device_tool_execute(const device_tool_cfg *c, const xbar_device_params *dev, const char *out, int force,
                        device_tool_result *res, char *err, size_t n)
{
    const size_t points = (size_t)c->devices * (size_t)c->start.n * (size_t)(2 * c->pulses + 1);
    if (points > DT_MAX_POINTS) {
        snprintf(err, n, "device_tool.pulses = %d, device_tool.devices = %d, %d start weights: %zu trace points, "
                 "more than 2^22 = %zu", c->pulses, c->devices, c->start.n, points, DT_MAX_POINTS);
        return 2;
    }
    if (out_check(out, force ? OUT_FORCE : 0, err, n)) return 2;
    traces t;
    memset(&t, 0, sizeof t);
    device_tool_result *r = calloc(1, sizeof *r);
    if (!r) return snprintf(err, n, "out of memory"), 1;
    if (xbar_devices_init(&t.d, dev, (size_t)c->devices, 0) != XBAR_OK) {
        snprintf(err, n, "%s", xbar_last_error());
        free(r);
        return 2;
    }
    out_ctx od;
    out_lock lk;
    if (out_lock_take(out, &lk, err, n) || out_begin(out, force, &od, err, n)) {
        out_lock_release(&lk);
        xbar_devices_free(&t.d);
        free(r);
        return 2;
    }
    r->devices = c->devices;
    r->starts = c->start.n;
    r->granularity = t.d.granularity;
    for (int i = 0; i < c->devices; i++) {
        r->lo[i] = xbar_device_clip(&t.d, (size_t)i, -FLT_MAX);
        r->hi[i] = xbar_device_clip(&t.d, (size_t)i, FLT_MAX);
        r->sp[i] = xbar_device_symmetric_point(&t.d, (size_t)i);
    }
    int rc = run_traces(c, &t, err, n) ? 1 : 0;
    for (int i = 0; !rc && i < c->devices; i++)
        for (int j = 0; j < c->start.n; j++) {
            const float *w = t.w + (size_t)(i * c->start.n + j) * (size_t)t.len;
            r->after_up[i][j] = w[c->pulses];
            r->after_down[i][j] = w[2 * c->pulses];
        }
    if (!rc) {
        FILE *f = out_fopen(&od, "config.ini", err, n);
        if (!f) rc = 1;
        else if (cfg_write_ini_if(device_tool_keys(), c, f, device_tool_uses) | fclose(f)) { /* both run */
            snprintf(err, n, "cannot write %s", out_path(&od, "config.ini"));
            rc = 1;
        }
    }
    if (!rc && write_response(c, &t, out_path(&od, "response.csv"), err, n)) rc = 1;
    if (!rc && write_qf(c, &t, r, out_path(&od, "qf.csv"), err, n)) rc = 1;
    if (!rc && write_summary(c, &t, r, out_path(&od, "summary.json"), err, n)) rc = 1;
    if (!rc && plot_available()) {
        char why[1024];
        if (plot_response(c, &t, out_path(&od, "response.png"), why, sizeof why))
            fprintf(stderr, "xbar device: warning: no response.png (the data files are written): %s\n", why);
        if (plot_qf(c, &t, r, out_path(&od, "qf.png"), why, sizeof why))
            fprintf(stderr, "xbar device: warning: no qf.png (the data files are written): %s\n", why);
    }
    if (!rc && out_commit(&od, err, n)) rc = 1;
    if (rc) out_abort(&od);
    out_lock_release(&lk);
    if (res && !rc) *res = *r;
    free(r);
    free(t.w);
    free(t.wc);
    xbar_devices_free(&t.d);
    return rc;
}
