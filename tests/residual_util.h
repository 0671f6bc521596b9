/* residual_util.h - what the residual-learning and calibration tests share (test_rl.c,
 * test_rider.c, test_tf_zs.c): the ALD with dw_min 1e-4 and the perturbed linear response of
 * asymmetry c, on a 1 x n tile updated by the expected update (eq. 7); a fixed normal stream;
 * a mean; T6's bias closed form. Header-only. */
#ifndef XBAR_TEST_RESIDUAL_UTIL_H
#define XBAR_TEST_RESIDUAL_UTIL_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xbar.h"

static inline xbar_device_params xt_ald(float tau, float c)
{
    xbar_device_params d = xbar_device_defaults(XBAR_DEV_ALD);
    d.tau = tau, d.dw_min = 1e-4f, d.resp_c = c;
    return d;
}

static inline xbar_tile_config xt_expected_tile(size_t n, xbar_device_params dev, uint64_t seed)
{
    xbar_tile_config tc = xbar_tile_config_defaults(1, n);
    tc.device = dev;
    tc.update.scheme = XBAR_SCHEME_EXPECTED;
    tc.seed = seed;
    return tc;
}

/* standard normal number k of the test stream (seed, stream) */
static inline double xt_normal(uint64_t seed, uint32_t stream, uint64_t k)
{
    double z[2];
    xbar_rng_normal2d(z, seed, stream, k / 2);
    return z[k & 1];
}

static inline double xt_mean(const float *x, size_t n)
{
    double m = 0;
    for (size_t j = 0; j < n; j++) m += x[j];
    return m / (double)n;
}

/* T6's bias b = c E|L b + eps| / L, eps ~ N(0, s^2), by fixed-point iteration (a contraction for
 * |c| < 1): where residual learning with Q = 0 (and TT-v2 without a reference) settles on the
 * perturbed linear device. */
static inline double xt_t6_bias(double c, double L, double s)
{
    double b = 0;
    for (int k = 0; k < 200; k++) {
        const double mu = L * b;
        const double e = s * sqrt(2 / 3.14159265358979323846) * exp(-mu * mu / (2 * s * s)) + mu * erf(mu / (s * sqrt(2)));
        b = c * e / L;
    }
    return b;
}

/* T11's quadratic: f = (1/2)(w - 0.2)^2 on each of the n weights of a, gradient noise N(0, 0.1^2)
 * (normals k n + j + offset of the test stream (31, stream)), K dense steps at lr 0.01; the mean of
 * W - w* over the weights and the last quarter of the steps (NAN when out of memory). */
static inline double xt_bias_run(xbar_aw *a, size_t n, int K, uint32_t stream, uint64_t offset)
{
    const double L = 1.0, s = 0.1, wstar = 0.2;
    float *G = malloc(n * sizeof *G), *W = malloc(n * sizeof *W);
    double sum = 0;
    long cnt = 0;
    for (int k = 0; k < K && G && W; k++) {
        xbar_aw_get_weights(a, W);
        const double m = xt_mean(W, n) - wstar;
        if (k >= 3 * K / 4) sum += m, cnt++;
        for (size_t j = 0; j < n; j++)
            G[j] = (float)(L * (W[j] - wstar) + s * xt_normal(31, stream, (uint64_t)k * n + j + offset));
        if (xbar_aw_step_dense(a, G, 0.01f) != XBAR_OK) break;
    }
    free(G), free(W);
    return cnt ? sum / cnt : NAN;
}

/* Resumption: 2K dense steps of a with gradients 0.5 N(0, 1) (normals k n + j + 9000000 of the
 * test stream (31, stream)) at lr 0.05; after K of them a is saved and b loaded from those bytes,
 * then b takes the same steps. 1 when b follows a bit for bit (the weights after every step and
 * the final pulse counts), 0 when it departs, -1 when the save, load or memory failed (the
 * message in xbar_last_error()). *bytes (if not NULL): the checkpoint's size. */
static inline int xt_resume_same(xbar_aw *a, xbar_aw *b, size_t n, int K, uint32_t stream, long *bytes)
{
    float *G = malloc(3 * n * sizeof *G), *Wa = G + n, *Wb = G + 2 * n;
    int same = G != NULL, rc = 0;
    for (int k = 0; k < 2 * K && same && !rc; k++) {
        if (k == K) {
            FILE *f = tmpfile();
            rc = !f || xbar_aw_save(a, f) != XBAR_OK;
            if (bytes) *bytes = f ? ftell(f) : -1;
            if (f) rewind(f);
            rc = rc || xbar_aw_load(b, f) != XBAR_OK;
            if (f) fclose(f);
        }
        for (size_t j = 0; j < n; j++) G[j] = (float)(0.5 * xt_normal(31, stream, (uint64_t)k * n + j + 9000000));
        xbar_aw_step_dense(a, G, 0.05f);
        if (k >= K && !rc) {
            xbar_aw_step_dense(b, G, 0.05f);
            xbar_aw_get_weights(a, Wa), xbar_aw_get_weights(b, Wb);
            same = !memcmp(Wa, Wb, n * sizeof *Wa);
        }
    }
    free(G);
    if (rc || !G) return -1;
    xbar_pulse_counts pa, pb;
    xbar_aw_pulse_counts(a, &pa), xbar_aw_pulse_counts(b, &pb);
    return same && !memcmp(&pa, &pb, sizeof pa);
}

#endif
