/*
 * golden.c - fingerprints of xbar's numerical results, for the bit-identity test
 * of tests/golden/check.sh (tests/golden/expected.txt holds the fingerprints of the
 * code before the architecture change; every later change must keep them).
 *
 *   golden tiles        one line per device model, pulse scheme and composition
 *                       setting: "tile.MODEL.SCHEME.cK HASH" of the weights after
 *                       pulsed updates, plus "device.MODEL HASH" of the per-device
 *                       functions (q, F, G, symmetric point, n pulses) on a grid
 *   golden json FILE    HASH of every number and string of a summary.json except
 *                       the resolved config, the version and wall-clock figures
 *   golden csv FILE     HASH of a metrics.csv without its timing columns
 *
 * HASH is FNV-1a (64 bit) of the exact bits (floats) or the text. Public API only.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "xbar.h"

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}
#define FNV0 0xcbf29ce484222325ull

static const char *const schemes[] = {"expected", "count", "stochastic", "implicit"};

static int tiles(void)
{
    for (int m = 0; strcmp(xbar_device_model_name((xbar_device_model)m), "unknown"); m++) {
        const char *name = xbar_device_model_name((xbar_device_model)m);
        xbar_device_params dp = xbar_device_defaults((xbar_device_model)m);
        dp.construction_seed = 7;
        if (!strcmp(name, "piecewise_step")) {
            dp.piecewise_n = 5;
            const float up[5] = {1.4f, 1.1f, 1.0f, 0.7f, 0.3f}, dn[5] = {0.2f, 0.6f, 1.0f, 1.2f, 1.5f};
            memcpy(dp.piecewise_up, up, sizeof up), memcpy(dp.piecewise_down, dn, sizeof dn);
        }
        for (int s = 0; s < 4; s++)
            for (int comp = 0; comp < 2; comp++) {
                const size_t R = 16, C = 24, B = 4;
                xbar_tile_config tc = xbar_tile_config_defaults(R, C);
                tc.device = dp;
                tc.update.scheme = (xbar_scheme)s;
                tc.update.compose_pulses = comp;
                tc.seed = 11;
                tc.id = (uint32_t)m;
                xbar_tile *t = xbar_tile_new(&tc);
                if (!t) return fprintf(stderr, "golden: %s: %s\n", name, xbar_last_error()), 1;
                float W[16 * 24], X[4 * 24], D[4 * 16];
                xbar_rng_uniform_fill(W, R * C, 3, 1, 0);
                for (size_t k = 0; k < R * C; k++) W[k] = 0.4f * (2.0f * W[k] - 1.0f);
                xbar_tile_set_weights(t, W, C);
                for (int step = 0; step < 10; step++) {
                    xbar_rng_normal_fill(X, B * C, 5, 2, (uint64_t)step * 100);
                    xbar_rng_normal_fill(D, B * R, 5, 3, (uint64_t)step * 100);
                    if (xbar_tile_update(t, X, D, B, 0.05f))
                        return fprintf(stderr, "golden: %s: %s\n", name, xbar_last_error()), 1;
                }
                xbar_tile_get_weights(t, W, C);
                uint64_t h = fnv(FNV0, W, sizeof W), p = xbar_tile_pulse_count(t);
                h = fnv(h, &p, sizeof p);
                printf("tile.%s.%s.c%d %016llx\n", name, schemes[s], comp, (unsigned long long)h);
                xbar_tile_free(t);
            }
        xbar_devices d;
        if (xbar_devices_init(&d, &dp, 4, 9)) return fprintf(stderr, "golden: %s: %s\n", name, xbar_last_error()), 1;
        uint64_t h = FNV0;
        for (size_t i = 0; i < 4; i++) {
            double sp = xbar_device_symmetric_point(&d, i);
            h = fnv(h, &sp, sizeof sp);
            for (int k = -8; k <= 8; k++) {
                const double w = 0.07 * k;
                double v[4];
                xbar_device_q(&d, i, w, &v[0], &v[1]);
                xbar_device_FG(&d, i, w, &v[2], &v[3]);
                h = fnv(h, v, sizeof v);
                const float c = xbar_device_clip(&d, i, (float)w);
                float o[4] = {xbar_device_pulses(&d, i, c, 1, 7), xbar_device_pulses(&d, i, c, 0, 70),
                              xbar_device_pulse(&d, i, c, 1, 0.3f), 0};
                if (!xbar_device_pulses_composed(&d, i, c, 0, 5, -0.4f, &o[3])) o[3] = -99.0f;
                h = fnv(h, o, sizeof o);
            }
        }
        printf("device.%s %016llx\n", name, (unsigned long long)h);
        xbar_devices_free(&d);
    }
    return 0;
}

static int skip_key(const char *k)
{
    /* not results (config, version, timings, paths), or fields added to summary.json after
     * expected.txt was recorded (epoch_samples, updates: train's epoch size and update count;
     * pulses_by_phase) */
    static const char *const skip[] = {"config",        "xbar_version",   "wall_s",  "samples_per_s",
                                       "seconds",       "dir",            "epoch_samples", "updates",
                                       "pulses_by_phase", NULL};
    for (int i = 0; k && skip[i]; i++)
        if (!strcmp(k, skip[i])) return 1;
    return 0;
}

static uint64_t walk(uint64_t h, const cJSON *j)
{
    for (const cJSON *c = j->child; c; c = c->next) {
        if (skip_key(c->string)) continue;
        if (c->string) h = fnv(h, c->string, strlen(c->string) + 1);
        if (cJSON_IsNumber(c)) h = fnv(h, &c->valuedouble, sizeof c->valuedouble);
        else if (cJSON_IsString(c)) h = fnv(h, c->valuestring, strlen(c->valuestring) + 1);
        else if (cJSON_IsBool(c)) h = fnv(h, cJSON_IsTrue(c) ? "t" : "f", 1);
        else h = walk(h, c);
    }
    return h;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *b = malloc(1 << 24);
    size_t n = b ? fread(b, 1, (1 << 24) - 1, f) : 0;
    fclose(f);
    if (b) b[n] = 0;
    return b;
}

int main(int argc, char **argv)
{
    xbar_set_threads(1);
    if (argc == 2 && !strcmp(argv[1], "tiles")) return tiles();
    if (argc != 3) return fprintf(stderr, "usage: golden tiles | json FILE | csv FILE\n"), 2;
    char *text = slurp(argv[2]);
    if (!text) return fprintf(stderr, "golden: cannot read %s\n", argv[2]), 2;
    uint64_t h = FNV0;
    if (!strcmp(argv[1], "json")) {
        cJSON *j = cJSON_Parse(text);
        if (!j) return fprintf(stderr, "golden: %s: not JSON\n", argv[2]), 2;
        h = walk(h, j);
        cJSON_Delete(j);
    } else { /* csv: drop the timing columns and the columns added after expected.txt was
              * recorded (the pulses and events by phase of train's metrics.csv) */
        static const char *const gone[] = {"seconds", "samples_per_s", "grad_pulses",  "transfer_pulses",
                                           "reads",   "writes",        "calib_pulses", "prog_events", NULL};
        int drop[64] = {0}, col = 0, line = 0;
        for (char *l = strtok(text, "\n"); l; l = strtok(NULL, "\n"), line++) {
            col = 0;
            for (char *p = l; p; col++) {
                char *e = strchr(p, ',');
                size_t n = e ? (size_t)(e - p) : strlen(p);
                for (int k = 0; line == 0 && col < 64 && gone[k]; k++)
                    drop[col] |= n == strlen(gone[k]) && !strncmp(p, gone[k], n);
                if (col >= 64 || !drop[col]) h = fnv(fnv(h, p, n), ",", 1);
                p = e ? e + 1 : NULL;
            }
            h = fnv(h, "\n", 1);
        }
    }
    printf("%016llx\n", (unsigned long long)h);
    free(text);
    return 0;
}
