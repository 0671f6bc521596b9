/* case1.c - aihwkit parity case 1: noise-free pulse response curves of seven
 * device models, every value within the fixture's absolute tolerance. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parity.h"
#include "util.h"

/* Largest |x - y| over the arrays built by xbar and the ones aihwkit reports. */
static double hidden_dev(const xbar_devices *d, const cJSON *hp)
{
    float buf[6][8];
    xbar_devices h = *d;
    float *const mine[6] = {d->b_max, d->b_min, d->s_up, d->s_dn, d->a_up, d->a_dn};
    float **theirs[6] = {&h.b_max, &h.b_min, &h.s_up, &h.s_dn, &h.a_up, &h.a_dn};
    for (int k = 0; k < 6; k++) {
        memcpy(buf[k], mine[k], d->n * sizeof(float));
        *theirs[k] = buf[k];
    }
    parity_set_hidden(&h, hp);
    double dev = fabs((double)d->ref - h.ref);
    for (int k = 0; k < 6; k++)
        for (size_t i = 0; i < d->n; i++) dev = fmax(dev, fabs((double)mine[k][i] - buf[k][i]));
    return dev;
}

int parity_case1(const char *dir)
{
    cJSON *root;
    int rc = parity_load(dir, "case1_response_curves.json", &root);
    if (rc != PARITY_PASS) return rc;
    const int fails0 = xt_failures;
    const double tol = parity_num(cJSON_GetObjectItemCaseSensitive(root, "tolerance"), "abs", 1e-6);
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(root, "entries")) {
        const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "name"));
        const char *cls = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "device_class"));
        const cJSON *hp = cJSON_GetObjectItemCaseSensitive(e, "hidden_parameters");
        const cJSON *curves = cJSON_GetObjectItemCaseSensitive(e, "curves");
        const int nw = cJSON_GetArraySize(curves), n_up = (int)parity_num(e, "n_up", 0),
                  n_dn = (int)parity_num(e, "n_down", 0);
        xbar_device_params p;
        xbar_devices d;
        CHECK(name && nw >= 1 && nw <= 8 && parity_device(cJSON_GetObjectItemCaseSensitive(e, "device"), cls, &p),
              "case1: bad entry %s (%s)", name ? name : "?", cls ? cls : "?");
        if (xt_failures > fails0 || xbar_devices_init(&d, &p, (size_t)nw, 0) != XBAR_OK) {
            CHECK(0, "case1 %s: %s", name ? name : "?", xbar_last_error());
            break;
        }
        /* xbar's own construction must already give aihwkit's per-weight values */
        const double hdev = hidden_dev(&d, hp);
        CHECK(hdev <= 1e-9, "case1 %s: constructed parameters differ from aihwkit's by %.3g", name, hdev);
        const double gref = parity_num(e, "weight_granularity", NAN);
        CHECK(fabs(d.granularity - gref) <= 1e-6 * gref, "case1 %s: granularity %.9g vs %.9g", name,
              (double)d.granularity, gref);
        CHECK(parity_set_hidden(&d, hp) >= 4, "case1 %s: hidden_parameters incomplete", name);

        double dev = 0, dev_n = 0;
        float *ref = malloc((size_t)(n_up + n_dn + 1) * sizeof(float));
        for (int c = 0; ref && c < nw; c++) {
            const cJSON *cv = cJSON_GetArrayItem(curves, c);
            CHECK(parity_floats(cJSON_GetObjectItemCaseSensitive(cv, "w"), ref, n_up + n_dn + 1) == n_up + n_dn + 1,
                  "case1 %s: curve %d has the wrong length", name, c);
            float w = xbar_device_clip(&d, (size_t)c, (float)parity_num(cv, "start", 0));
            dev = fmax(dev, fabs((double)w - ref[0]));
            for (int k = 1; k <= n_up + n_dn; k++) {
                w = xbar_device_pulse(&d, (size_t)c, w, k <= n_up, 0.0f);
                dev = fmax(dev, fabs((double)w - ref[k]));
            }
            /* the multi-pulse path (closed form where one exists, computed in float64) */
            const float wu = xbar_device_pulses(&d, (size_t)c, ref[0], 1, (unsigned)n_up);
            const float wd = xbar_device_pulses(&d, (size_t)c, ref[n_up], 0, (unsigned)n_dn);
            dev_n = fmax(dev_n, fmax(fabs((double)wu - ref[n_up]), fabs((double)wd - ref[n_up + n_dn])));
        }
        free(ref);
        printf("case1 %-22s max |dev| %.3g (pulse), %.3g (pulses), params %.3g\n", name, dev, dev_n, hdev);
        CHECK(dev <= tol, "case1 %s: max deviation %.3g > %.3g", name, dev, tol);
        CHECK(dev_n <= 2e-6, "case1 %s: xbar_device_pulses deviates by %.3g", name, dev_n);
        xbar_devices_free(&d);
    }
    cJSON_Delete(root);
    return xt_failures > fails0 ? PARITY_FAIL : PARITY_PASS;
}
