/* calibrate_run.c - see calibrate_run.h. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "calibrate_run.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* A fresh tile of c's devices and seed, every weight init (clipped to the device's bounds). */
static xbar_tile *fresh_tile(const calibrate_cfg *c, const calibrate_plan *p, float *w, char *err, size_t n)
{
    xbar_tile_config tc = xbar_tile_config_defaults((size_t)c->rows, (size_t)c->cols);
    tc.device = p->device;
    tc.seed = c->seed;
    xbar_tile *t = xbar_tile_new(&tc);
    if (!t) return snprintf(err, n, "%s", xbar_last_error()), NULL;
    const size_t nd = (size_t)c->rows * (size_t)c->cols;
    for (size_t k = 0; k < nd; k++) w[k] = (float)c->init;
    if (xbar_tile_set_weights(t, w, (size_t)c->cols) != XBAR_OK) {
        snprintf(err, n, "%s", xbar_last_error());
        xbar_tile_free(t);
        return NULL;
    }
    return t;
}

/* Mean and sample standard deviation of v[0..n), two passes in device order. */
static void mean_std(const double *v, size_t n, double *mean, double *std)
{
    double s = 0, ss = 0;
    for (size_t k = 0; k < n; k++) s += v[k];
    *mean = s / (double)n;
    for (size_t k = 0; k < n; k++) ss += (v[k] - *mean) * (v[k] - *mean);
    *std = n > 1 ? sqrt(ss / (double)(n - 1)) : 0.0;
}

/* The row of N from the estimates W and the true symmetric points sp. */
static void row_stats(const float *W, const double *sp, size_t nd, double mean_sp, calibrate_row *row)
{
    double se = 0, se2 = 0, sw = 0;
    for (size_t k = 0; k < nd; k++) {
        const double e = sp[k] - (double)W[k];
        se += e, se2 += e * e, sw += (double)W[k];
    }
    row->mean_err = se / (double)nd;
    row->rms_err = sqrt(se2 / (double)nd);
    double ss = 0;
    for (size_t k = 0; k < nd; k++) {
        const double d = sp[k] - (double)W[k] - row->mean_err;
        ss += d * d;
    }
    row->std_err = nd > 1 ? sqrt(ss / (double)(nd - 1)) : 0.0;
    row->rel_mean_err = fabs(mean_sp) < CAL_REL_MIN ? NAN : fabs(sw / (double)nd - mean_sp) / fabs(mean_sp);
}

int calibrate_run(const calibrate_cfg *c, const calibrate_plan *p, int quiet, calibrate_result *r, char *err,
                  size_t n)
{
    const size_t nd = (size_t)c->rows * (size_t)c->cols;
    float *w = malloc(nd * sizeof *w);
    double *sp = malloc(nd * sizeof *sp);
    if (!w || !sp) {
        free(w);
        free(sp);
        return snprintf(err, n, "out of memory (%zu devices)", nd), 1;
    }
    r->devices = nd;
    r->n = 0;
    int rc = 0;
    for (int i = 0; i < p->n && !rc; i++) {
        xbar_tile *t = fresh_tile(c, p, w, err, n);
        if (!t) {
            rc = 1;
            break;
        }
        if (i == 0) { /* the same devices in every tile: their symmetric points once */
            const xbar_devices *d = xbar_tile_devices(t);
            for (size_t k = 0; k < nd && !rc; k++) {
                sp[k] = xbar_device_symmetric_point(d, k);
                if (!isfinite(sp[k])) rc = 1, snprintf(err, n, "device %zu: symmetric point: %s", k, xbar_last_error());
            }
            if (!rc) mean_std(sp, nd, &r->mean_sp, &r->sp_std);
        }
        calibrate_row *row = &r->row[i];
        row->pulses = p->N[i];
        const double t0 = now();
        if (!rc && xbar_tile_zero_shift(t, p->N[i], c->cyclic, &row->total_pulses) != XBAR_OK)
            rc = 1, snprintf(err, n, "N = %llu: %s", (unsigned long long)p->N[i], xbar_last_error());
        row->seconds = now() - t0;
        if (!rc) {
            row_stats(xbar_tile_weights(t), sp, nd, r->mean_sp, row);
            r->n = i + 1;
            if (!quiet)
                fprintf(stderr, "  calibrate: N = %llu (%d/%d): rms_err %.4g, mean_err %.4g (%.2f s)\n",
                        (unsigned long long)row->pulses, i + 1, p->n, row->rms_err, row->mean_err, row->seconds);
        }
        xbar_tile_free(t);
    }
    free(w);
    free(sp);
    return rc;
}
