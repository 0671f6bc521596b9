/* case3.c - aihwkit parity case 3: one pulsed rank-1 update of a 4 x 3
 * ConstantStep tile (no bounds reached) under three update-management regimes.
 * Stochastic entries: per weight, mean and std of dW and of the signed pulse
 * count within k combined standard errors over n repetitions, plus a
 * chi-square comparison of the pulse-count histograms. Deterministic
 * (DeterministicImplicit) entries: pulse counts equal, dW within 1e-6. Every
 * entry also checks BL, A and B of xbar_update_management against `expected`. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parity.h"
#include "util.h"

#ifndef CASE3_SEED
#define CASE3_SEED 20240612u
#endif
#define CASE3_MAXW 64 /* weights per tile */

/* Two-sample chi-square homogeneity test of two histograms over the same nb
 * bins: adjacent bins are merged left to right until each merged bin holds at
 * least 10 counts of both together (a short last one joins its left
 * neighbour). Returns the Wilson-Hilferty normal score of the statistic with
 * (merged bins - 1) degrees of freedom; 0 with fewer than two merged bins. */
static double chi2_z(const double *a, const double *b, int nb, double na, double nbt)
{
    double *ma = malloc(2 * (size_t)nb * sizeof(double)), *mb = ma ? ma + nb : NULL;
    if (!ma) return INFINITY;
    int bins = 0;
    double sa = 0, sb = 0;
    for (int c = 0; c < nb; c++) {
        sa += a[c];
        sb += b[c];
        if (sa + sb >= 10) {
            ma[bins] = sa;
            mb[bins++] = sb;
            sa = sb = 0;
        }
    }
    if (sa + sb > 0) {
        if (bins) {
            ma[bins - 1] += sa;
            mb[bins - 1] += sb;
        } else {
            ma[0] = sa;
            mb[bins++] = sb;
        }
    }
    const double ra = sqrt(nbt / na), rb = sqrt(na / nbt);
    double x2 = 0;
    for (int c = 0; c < bins; c++) {
        const double e = ma[c] * ra - mb[c] * rb;
        x2 += e * e / (ma[c] + mb[c]);
    }
    free(ma);
    const int k = bins - 1;
    if (k < 1) return 0.0;
    const double v = 2.0 / (9.0 * k);
    return (cbrt(x2 / k) - (1.0 - v)) / sqrt(v);
}

/* BL, A, B of xbar_update_management against the entry's `expected`. */
static void check_um(const char *name, const xbar_update_params *u, double lr, const float *x, size_t n,
                     const float *d, size_t m, double g, const cJSON *exp)
{
    double xmax = 0, dmax = 0;
    for (size_t j = 0; j < n; j++) xmax = fmax(xmax, fabs((double)x[j]));
    for (size_t i = 0; i < m; i++) dmax = fmax(dmax, fabs((double)d[i]));
    const xbar_um um = xbar_update_management(u, lr, xmax, dmax, g);
    const double bl = parity_num(exp, "BL", NAN), A = parity_num(exp, "A_scale_d", NAN),
                 B = parity_num(exp, "B_scale_x", NAN);
    CHECK(um.bl == bl, "case3 %s: BL %d, aihwkit formula %g", name, um.bl, bl);
    CHECK(fabs(um.A - A) <= 1e-6 * A, "case3 %s: A (d scale) %.9g vs %.9g", name, um.A, A);
    CHECK(fabs(um.B - B) <= 1e-6 * B, "case3 %s: B (x scale) %.9g vs %.9g", name, um.B, B);
    printf("case3 %-22s BL %d A %.8g B %.8g (expected %g %.8g %.8g)\n", name, um.bl, um.A, um.B, bl, A, B);
}

/* Stochastic entry: n = n_tiles x reps_per_tile repetitions. */
static void run_stochastic(const char *name, xbar_tile_config tc, const cJSON *e, const float *x, const float *d,
                           const float *w0, float lr, double k_se, double floor)
{
    const size_t m = tc.rows, n = tc.cols, nw = m * n;
    const cJSON *res = cJSON_GetObjectItemCaseSensitive(e, "results");
    const int n_tiles = (int)parity_num(e, "n_tiles", 40), reps = (int)parity_num(e, "reps_per_tile", 1000);
    const size_t N = (size_t)n_tiles * (size_t)reps;
    const float s = tc.device.dw_min;
    double *dw = malloc(2 * nw * (N ? N : 1) * sizeof(double)), *pc = dw ? dw + nw * N : NULL;
    if (!dw || N < 4) {
        CHECK(0, "case3 %s: no repetitions or out of memory", name);
        free(dw);
        return;
    }
    double int_dev = 0;
    int max_abs = 0;
    for (int k = 0; k < n_tiles; k++) {
        tc.id = (uint32_t)k;
        xbar_tile *t = xbar_tile_new(&tc);
        if (!t) {
            CHECK(0, "case3 %s: tile: %s", name, xbar_last_error());
            break;
        }
        const float *w = xbar_tile_weights(t);
        for (int r = 0; r < reps; r++) {
            const size_t rep = (size_t)k * (size_t)reps + (size_t)r;
            xbar_tile_set_weights(t, w0, n);
            if (xbar_tile_update(t, x, d, 1, lr) != XBAR_OK) {
                CHECK(0, "case3 %s: update: %s", name, xbar_last_error());
                break;
            }
            for (size_t q = 0; q < nw; q++) {
                const double dv = (double)w[q] - (double)w0[q], p = dv / s;
                dw[q * N + rep] = dv;
                pc[q * N + rep] = rint(p);
                int_dev = fmax(int_dev, fabs(p - rint(p)));
                if (abs((int)rint(p)) > max_abs) max_abs = abs((int)rint(p));
            }
        }
        xbar_tile_free(t);
    }
    CHECK(int_dev < 1e-3, "case3 %s: pulse counts not integer (off by %.3g)", name, int_dev);
    const double obs_max = parity_num(res, "observed_max_abs_pulses", NAN);
    CHECK(max_abs == obs_max, "case3 %s: largest |pulse count| %d, aihwkit %g", name, max_abs, obs_max);

    /* means and stds of dW (the tolerance rule) and of the pulse counts */
    const cJSON *rdw = cJSON_GetObjectItemCaseSensitive(res, "dW"), *rpc = cJSON_GetObjectItemCaseSensitive(res, "pulses_signed");
    double z_dw = 0, z_pc = 0;
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) {
            const int idx[2] = {(int)i, (int)j};
            const size_t q = i * n + j;
            const parity_stat mine = parity_stat_of(dw + q * N, N), ref = parity_stat_json_at(rdw, 2, idx);
            double z = 0;
            CHECK(ref.n == (double)N, "case3 %s: aihwkit n %g, mine %zu", name, ref.n, N);
            CHECK(parity_stat_ok(&mine, &ref, k_se, floor, &z),
                  "case3 %s: dW[%zu][%zu] mean %.8g (aihwkit %.8g) std %.8g (aihwkit %.8g) z %.2f > %g", name, i, j,
                  mine.mean, ref.mean, mine.std, ref.std, z, k_se);
            z_dw = fmax(z_dw, z);
            const parity_stat pm = parity_stat_of(pc + q * N, N), pr = parity_stat_json_at(rpc, 2, idx);
            z = 0;
            CHECK(parity_stat_ok(&pm, &pr, k_se, floor, &z),
                  "case3 %s: pulses[%zu][%zu] mean %.6g (aihwkit %.6g) std %.6g (aihwkit %.6g) z %.2f > %g", name, i,
                  j, pm.mean, pr.mean, pm.std, pr.std, z, k_se);
            z_pc = fmax(z_pc, z);
        }

    /* histograms of the signed pulse counts */
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(res, "histogram");
    const int lo = (int)parity_num(h, "min_count", 0), hi = (int)parity_num(h, "max_count", -1);
    const int nb = hi - lo + 1;
    double zh = 0;
    int mine_out = 0;
    if (nb > 0) {
        double *ha = calloc(2 * (size_t)nb, sizeof(double)), *hb = ha ? ha + nb : NULL;
        for (size_t q = 0; ha && q < nw; q++) {
            const int idx[3] = {(int)(q / n), (int)(q % n), 0};
            const cJSON *cnt = cJSON_GetArrayItem(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(h, "counts"), idx[0]), idx[1]);
            memset(ha, 0, 2 * (size_t)nb * sizeof(double));
            for (size_t r = 0; r < N; r++) {
                const int c = (int)pc[q * N + r] - lo;
                if (c < 0 || c >= nb) mine_out++;
                else ha[c]++;
            }
            double tot = 0;
            for (int c = 0; c < nb; c++) tot += hb[c] = parity_at(cnt, 1, &c);
            CHECK(tot == (double)N, "case3 %s: histogram of w[%d][%d] holds %g counts, not %zu", name, idx[0], idx[1],
                  tot, N);
            const double z = chi2_z(ha, hb, nb, (double)N, tot);
            CHECK(z <= 5.0, "case3 %s: pulse-count histogram of w[%d][%d] differs (chi-square z %.2f)", name, idx[0],
                  idx[1], z);
            zh = fmax(zh, z);
        }
        free(ha);
    }
    CHECK(nb > 0 && mine_out == 0, "case3 %s: %d pulse counts outside aihwkit's range [%d, %d]", name, mine_out, lo, hi);
    printf("case3 %-22s max |z| dW %.2f, pulses %.2f (k = %g, n = %zu); histogram chi-square max z %.2f; "
           "max |pulses| %d\n",
           name, z_dw, z_pc, k_se, N, zh, max_abs);
    free(dw);
}

/* Deterministic entry: n_calls_checked identical calls from w0. */
static void run_deterministic(const char *name, xbar_tile_config tc, const cJSON *e, const float *x, const float *d,
                              const float *w0, float lr, double tol)
{
    const size_t m = tc.rows, n = tc.cols;
    const cJSON *res = cJSON_GetObjectItemCaseSensitive(e, "results");
    const int calls = (int)parity_num(res, "n_calls_checked", 6);
    const float s = tc.device.dw_min;
    size_t r1, c1, r2, c2;
    float *rdw = parity_matrix(cJSON_GetObjectItemCaseSensitive(res, "dW"), &r1, &c1);
    float *rpc = parity_matrix(cJSON_GetObjectItemCaseSensitive(res, "pulses_signed"), &r2, &c2);
    xbar_tile *t = xbar_tile_new(&tc);
    if (!rdw || !rpc || !t || r1 != m || c1 != n || r2 != m || c2 != n) {
        CHECK(0, "case3 %s: bad results or tile (%s)", name, t ? "shape" : xbar_last_error());
    } else {
        double dev = 0;
        int bad_counts = 0;
        for (int c = 0; c < (calls > 0 ? calls : 1); c++) {
            xbar_tile_set_weights(t, w0, n);
            CHECK(xbar_tile_update(t, x, d, 1, lr) == XBAR_OK, "case3 %s: %s", name, xbar_last_error());
            const float *w = xbar_tile_weights(t);
            for (size_t q = 0; q < m * n; q++) {
                const double dv = (double)w[q] - (double)w0[q];
                dev = fmax(dev, fabs(dv - rdw[q]));
                if (rint(dv / s) != rpc[q]) {
                    if (!bad_counts++)
                        fprintf(stderr, "case3 %s: w[%zu][%zu] got %g pulses, aihwkit %g\n", name, q / n, q % n,
                                rint(dv / s), (double)rpc[q]);
                }
            }
        }
        CHECK(bad_counts == 0, "case3 %s: %d pulse counts differ from aihwkit's", name, bad_counts);
        CHECK(dev <= tol, "case3 %s: dW deviates by %.3g > %.3g", name, dev, tol);
        printf("case3 %-22s pulse counts %s, max |dW - aihwkit| %.3g over %d calls\n", name,
               bad_counts ? "DIFFER" : "equal", dev, calls);
    }
    xbar_tile_free(t);
    free(rdw);
    free(rpc);
}

int parity_case3(const char *dir)
{
    cJSON *root;
    int rc = parity_load(dir, "case3_pulsed_update.json", &root);
    if (rc != PARITY_PASS) return rc;
    const int fails0 = xt_failures;
    double k_se, floor, tol_det;
    parity_tolerances(root, &k_se, &floor, &tol_det);
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(root, "entries")) {
        const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "name"));
        const char *cls = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "device_class"));
        const cJSON *dev = cJSON_GetObjectItemCaseSensitive(e, "device");
        const cJSON *tile = cJSON_GetObjectItemCaseSensitive(e, "tile");
        const size_t m = (size_t)parity_num(tile, "out_size", 0), n = (size_t)parity_num(tile, "in_size", 0);
        const float lr = (float)parity_num(e, "lr", NAN);
        float x[CASE3_MAXW], d[CASE3_MAXW];
        size_t wr = 0, wc = 0;
        float *w0 = parity_matrix(cJSON_GetObjectItemCaseSensitive(e, "w0"), &wr, &wc);
        xbar_tile_config tc = xbar_tile_config_defaults(m ? m : 1, n ? n : 1);
        const char *why = NULL;
        if (!name || !cls || strcmp(cls, "ConstantStepDevice") || m * n == 0 || m * n > CASE3_MAXW || !w0 ||
            wr != m || wc != n || parity_floats(cJSON_GetObjectItemCaseSensitive(e, "x"), x, CASE3_MAXW) != (int)n ||
            parity_floats(cJSON_GetObjectItemCaseSensitive(e, "d"), d, CASE3_MAXW) != (int)m || !(lr > 0) ||
            !parity_update(cJSON_GetObjectItemCaseSensitive(e, "update"), &tc.update, &why)) {
            CHECK(0, "case3: bad entry %s (%s)", name ? name : "?", why ? why : "shape, class or lr");
            free(w0);
            continue;
        }
        /* ConstantStep, no variation; the bounds are never reached */
        tc.device = xbar_device_ideal(XBAR_DEV_CONSTANT_STEP);
        tc.device.dw_min = (float)parity_num(dev, "dw_min", 0.01);
        tc.device.w_min = (float)parity_num(dev, "w_min", -10);
        tc.device.w_max = (float)parity_num(dev, "w_max", 10);
        tc.device.up_down = (float)parity_num(dev, "up_down", 0);
        tc.seed = CASE3_SEED;
        xbar_tile *probe = xbar_tile_new(&tc);
        if (!probe) {
            CHECK(0, "case3 %s: %s", name, xbar_last_error());
            free(w0);
            continue;
        }
        const double g = xbar_tile_devices(probe)->granularity, gref = parity_num(e, "weight_granularity", NAN);
        xbar_tile_free(probe);
        CHECK(fabs(g - gref) <= 1e-6 * gref, "case3 %s: granularity %.9g vs %.9g", name, g, gref);
        check_um(name, &tc.update, lr, x, n, d, m, g, cJSON_GetObjectItemCaseSensitive(e, "expected"));

        const int det = (int)parity_num(cJSON_GetObjectItemCaseSensitive(e, "results"), "deterministic", 0);
        CHECK(det == (tc.update.scheme == XBAR_SCHEME_IMPLICIT), "case3 %s: deterministic flag vs pulse type", name);
        if (det) run_deterministic(name, tc, e, x, d, w0, lr, tol_det);
        else run_stochastic(name, tc, e, x, d, w0, lr, k_se, floor);
        free(w0);
    }
    cJSON_Delete(root);
    return xt_failures > fails0 ? PARITY_FAIL : PARITY_PASS;
}
