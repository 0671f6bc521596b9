/* case2.c - aihwkit parity case 2: cycle-to-cycle step statistics (one up
 * step, one down step, weight after 10 up pulses), n samples each, xbar's
 * Philox normals; means and stds within k combined standard errors. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parity.h"
#include "util.h"

#define CASE2_SEED 20240611u

static const struct {
    const char *key;
    int up, pulses, absolute; /* absolute: the weight itself, else the change */
} quantities[] = {{"step_up_1", 1, 1, 0}, {"step_down_1", 0, 1, 0}, {"weight_after_10_up", 1, 10, 1}};

int parity_case2(const char *dir)
{
    cJSON *root;
    int rc = parity_load(dir, "case2_c2c.json", &root);
    if (rc != PARITY_PASS) return rc;
    const int fails0 = xt_failures;
    const cJSON *tol = cJSON_GetObjectItemCaseSensitive(root, "tolerance");
    const double k_se = parity_num(tol, "n_se", 4), floor = parity_num(tol, "abs_floor", 1e-6);
    const cJSON *e;
    uint32_t entry = 0;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(root, "entries")) {
        const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "name"));
        const char *cls = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "device_class"));
        const cJSON *results = cJSON_GetObjectItemCaseSensitive(e, "results");
        const size_t n = (size_t)(parity_num(e, "n_tiles", 0) * parity_num(e, "weights_per_tile", 0));
        const float w0 = (float)parity_num(e, "start_weight", 0);
        xbar_device_params p;
        xbar_devices d;
        double *x = malloc((n ? n : 1) * sizeof(double));
        if (!name || !x || n < 4 || !parity_device(cJSON_GetObjectItemCaseSensitive(e, "device"), cls, &p) ||
            xbar_devices_init(&d, &p, n, entry) != XBAR_OK) {
            CHECK(0, "case2: bad entry %s (%s) %s", name ? name : "?", cls ? cls : "?", xbar_last_error());
            free(x);
            break;
        }
        CHECK(parity_set_hidden(&d, cJSON_GetObjectItemCaseSensitive(e, "hidden_parameters")) >= 4,
              "case2 %s: hidden_parameters incomplete", name);
        double zmax = 0;
        for (uint32_t q = 0; q < sizeof quantities / sizeof quantities[0]; q++) {
            const uint64_t stream = xbar_stream(XBAR_RNG_USER, entry, q);
            for (size_t i = 0; i < n; i++) {
                float xi[12], w = xbar_device_clip(&d, i, w0);
                xbar_rng_normal_fill(xi, 12, CASE2_SEED, stream, 3 * (uint64_t)i);
                for (int k = 0; k < quantities[q].pulses; k++) w = xbar_device_pulse(&d, i, w, quantities[q].up, xi[k]);
                x[i] = quantities[q].absolute ? (double)w : (double)w - (double)w0;
            }
            const cJSON *r = cJSON_GetObjectItemCaseSensitive(results, quantities[q].key);
            const parity_stat mine = parity_stat_of(x, n), ref = parity_stat_json(r);
            double z = 0;
            const int ok = parity_stat_ok(&mine, &ref, k_se, floor, &z);
            printf("case2 %-14s %-19s mean %.8g (ref %.8g) std %.8g (ref %.8g) z %.2f\n", name, quantities[q].key,
                   mine.mean, ref.mean, mine.std, ref.std, z);
            CHECK(ok, "case2 %s %s: beyond %g combined SE (z = %.2f)", name, quantities[q].key, k_se, z);
            zmax = fmax(zmax, z);
        }
        printf("case2 %-14s max z %.2f over %zu samples per statistic\n", name, zmax, n);
        xbar_devices_free(&d);
        free(x);
        entry++;
    }
    cJSON_Delete(root);
    return xt_failures > fails0 ? PARITY_FAIL : PARITY_PASS;
}
