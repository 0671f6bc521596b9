/* test_rider.c - RIDER and E-RIDER (spec successors §7.2-7.3, T11, T12), driven by
 * xbar_aw_step_dense with the expected update (eq. 7) on both tiles, the whole residual read at
 * every step (transfer_columns 0); A is [SP26]'s P, C its W, xbar_aw_array 2 and 3 are Q and Q~:
 *   T11 null  zero-mean gradients only: P wanders around its symmetric point p⋄ = c tau (device.resp_c
 *             = c), Q settles at p⋄ within 5 standard errors, and W̄ - W = gamma (P - Q) has mean 0;
 *   T11 bias  f = (L/2)(w - w*)^2, gradient noise N(0, sigma^2), the residual on the perturbed linear
 *             device, W on an ideal one: rl (Q = 0) keeps T6's bias b = c E|L b + eps|/L, rider
 *             brings the mean error W̄ - w* below 0.15 |b|, and zero-shifting calibration followed
 *             by rider_eta 0 ([SP26] Alg. 4) too, with its pulses counted (zs_pulses x devices);
 *   T11 EMA   A held at sin(omega k) (fast_lr 0, weights set): Q's gain at omega is eq. 16's,
 *             |H|^2 = eta^2 / (1 + (1 - eta)^2 - 2 (1 - eta) cos omega), within 0.5 %;
 *   T12 flips e_rider: a programming event (Q~ <- Q) exactly at each chopper flip: the steps at
 *             which Q~ changed equal xbar_pulse_counts.prog_events; random flips number p K within
 *             3.5 binomial standard deviations, regular ones exactly K / ceil(1/p);
 *   T12 sign  with gamma > 0 and a large gradient, c (P - Q~) = (W̄ - C)/gamma points along -grad f
 *             on most steps, flips included;
 *   resume    a save / load after calibration and flips continues bit for bit. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "residual_util.h"
#include "util.h"
#include "xbar.h"

static xbar_device_params ald(float tau, float c) { return xt_ald(tau, c); }

static xbar_tile_config tile(size_t n, xbar_device_params dev) { return xt_expected_tile(n, dev, 7); }

static xbar_opt_params rider(xbar_opt_kind kind, float fast_lr, float gamma, float eta)
{
    xbar_opt_params o = xbar_opt_defaults(kind);
    o.fast_lr = fast_lr, o.transfer_lr = 1.0f, o.transfer_every = 1, o.transfer_columns = 0, o.gamma = gamma;
    o.rider_eta = eta;
    o.transfer_update.scheme = XBAR_SCHEME_EXPECTED;
    o.slow_device_own = 1, o.slow_device = ald(10.0f, 0.0f); /* W: nearly symmetric */
    return o;
}

/* T11, zero-mean gradients: Q -> p⋄ = c tau, mean gamma (P - Q) -> 0. */
static void t11_null(void)
{
    enum { N = 4000, K = 4000 };
    const float c = 0.2f, gamma = 0.4f;
    xbar_opt_params o = rider(XBAR_OPT_RIDER, 0.05f, gamma, 0.01f);
    xbar_tile_config tc = tile(N, ald(1.0f, c));
    xbar_aw *a = xbar_aw_new(&o, &tc);
    CHECK(a != NULL, "T11: rider refused: %s", xbar_last_error());
    if (!a) return;
    float *G = malloc(N * sizeof *G), *W = malloc(N * sizeof *W);
    double mix = 0;
    int cnt = 0;
    for (int k = 0; k < K && G && W; k++) {
        for (int j = 0; j < N; j++) G[j] = (float)(0.1 * xt_normal(31, 3, (uint64_t)k * N + j));
        if (xbar_aw_step_dense(a, G, 0.01f) != XBAR_OK) break;
        if (k >= K / 2) {
            xbar_aw_get_weights(a, W);
            mix += xt_mean(W, N) - xt_mean(xbar_tile_weights(xbar_aw_slow_tile(a)), N), cnt++;
        }
    }
    size_t n;
    const float *Q = xbar_aw_array(a, 2, NULL, &n);
    double m = 0, v = 0;
    for (int j = 0; j < N; j++) m += Q[j];
    m /= N;
    for (int j = 0; j < N; j++) v += (Q[j] - m) * (Q[j] - m);
    const double se = sqrt(v / (N - 1) / N), want = c * 1.0;
    CHECK(fabs(m - want) <= 5 * se + 2e-3, "T11: zero-mean gradients: mean Q = %.5f, symmetric point %.5f (se %.2g)", m,
          want, se);
    mix /= cnt;
    CHECK(fabs(mix) <= 5e-4, "T11: zero-mean gradients: mean of W̄ - W = %.3g, expected 0", mix);
    printf("T11 null: mean Q %.5f (symmetric point %.3f, se %.2g), mean W̄ - W %.2g\n", m, want, se, mix);
    free(G), free(W);
    xbar_aw_free(a);
}

/* Mean W̄ - w* over weights and the last quarter of the steps. */
static double bias_run(xbar_opt_params o, float c, xbar_pulse_counts *pc)
{
    enum { N = 4000, K = 8000 };
    xbar_tile_config tc = tile(N, ald(1.0f, c));
    xbar_aw *a = xbar_aw_new(&o, &tc);
    CHECK(a != NULL, "T11: refused: %s", xbar_last_error());
    if (!a) return NAN;
    const double bias = xt_bias_run(a, N, K, 3, 99000000);
    if (pc) xbar_aw_pulse_counts(a, pc);
    xbar_aw_free(a);
    return bias;
}

static void t11_bias(void)
{
    const float c = 0.2f, gamma = 0.4f;
    const double b = xt_t6_bias(c, 1.0, 0.1);
    const double rl = bias_run(rider(XBAR_OPT_RIDER, 0.05f, gamma, 0.0f), c, NULL);
    const double rd = bias_run(rider(XBAR_OPT_RIDER, 0.05f, gamma, 0.01f), c, NULL);
    xbar_opt_params zs = rider(XBAR_OPT_RIDER, 0.05f, gamma, 0.0f);
    zs.zs_pulses = 50000, zs.zs_cyclic = 0;
    xbar_pulse_counts pc;
    const double two = bias_run(zs, c, &pc);
    CHECK(fabs(rl - b) <= 0.15 * fabs(b), "T11: rl (Q = 0): W̄ - w* = %.5f, T6 bias %.5f", rl, b);
    CHECK(fabs(rd) <= 0.15 * fabs(b), "T11: rider: W̄ - w* = %.5f, should be below 0.15 |%.5f|", rd, b);
    CHECK(fabs(two) <= 0.15 * fabs(b), "T11: zero-shifting then rider_eta 0: W̄ - w* = %.5f, should be below 0.15 |%.5f|",
          two, b);
    CHECK(pc.calib_pulses == 50000ull * 4000, "T11: calibration pulses %llu, expected 50000 x 4000",
          (unsigned long long)pc.calib_pulses);
    printf("T11 bias (c = %.1f): W̄ - w*: rl %+.5f (T6 bias %+.5f), rider %+.5f, ZS + rider_eta 0 %+.5f "
           "(%llu calibration pulses)\n",
           c, rl, b, rd, two, (unsigned long long)pc.calib_pulses);
}

/* T11, eq. 16: the EMA's gain at omega. */
static void t11_ema(void)
{
    enum { N = 1, K = 4000 };
    const double eta = 0.05, w = 2 * 3.14159265358979323846 / 50; /* 50 steps a period */
    xbar_opt_params o = rider(XBAR_OPT_RIDER, 0.0f, 0.0f, (float)eta);
    xbar_tile_config tc = tile(N, ald(1.0f, 0.0f));
    xbar_aw *a = xbar_aw_new(&o, &tc);
    CHECK(a != NULL, "T11 EMA: %s", xbar_last_error());
    if (!a) return;
    float G[N] = {0};
    double sa = 0, ca = 0;
    int cnt = 0;
    for (int k = 0; k < K; k++) {
        const float y = (float)(0.3 * sin(w * k));
        xbar_tile_set_weights(xbar_aw_fast_tile(a), &y, 1);
        CHECK(xbar_aw_step_dense(a, G, 0.0f) == XBAR_OK, "T11 EMA: step: %s", xbar_last_error());
        const float *Q = xbar_aw_array(a, 2, NULL, NULL);
        if (k >= 1000) sa += Q[0] * sin(w * k), ca += Q[0] * cos(w * k), cnt++; /* 60 whole periods */
    }
    const double gain = 2 * sqrt(sa * sa + ca * ca) / cnt / 0.3;
    const double want = sqrt(eta * eta / (1 + (1 - eta) * (1 - eta) - 2 * (1 - eta) * cos(w)));
    CHECK(fabs(gain / want - 1) <= 5e-3, "T11 EMA: gain %.5f at omega %.4f, eq. 16 gives %.5f", gain, w, want);
    printf("T11 EMA: gain %.5f at omega = 2 pi / 50, eq. 16: %.5f\n", gain, want);
    xbar_aw_free(a);
}

/* T12: a programming event exactly at each flip; their number. */
static void t12_flips(int random)
{
    enum { N = 8, K = 4000 };
    const float p = 0.05f;
    xbar_opt_params o = rider(XBAR_OPT_E_RIDER, 0.05f, 0.4f, 0.2f);
    o.in_chop_prob = p, o.in_chop_random = random;
    xbar_tile_config tc = tile(N, ald(1.0f, 0.1f));
    xbar_aw *a = xbar_aw_new(&o, &tc);
    CHECK(a != NULL, "T12: e_rider refused: %s", xbar_last_error());
    if (!a) return;
    float G[N], prev[N];
    memcpy(prev, xbar_aw_array(a, 3, NULL, NULL), sizeof prev);
    int changed = 0;
    for (int k = 0; k < K; k++) {
        for (int j = 0; j < N; j++) G[j] = (float)(0.3 + 0.1 * xt_normal(31, 3, (uint64_t)k * N + j + 7000000));
        if (xbar_aw_step_dense(a, G, 0.01f) != XBAR_OK) break;
        const float *qt = xbar_aw_array(a, 3, NULL, NULL);
        changed += memcmp(qt, prev, sizeof prev) != 0;
        memcpy(prev, qt, sizeof prev);
    }
    xbar_pulse_counts pc;
    xbar_aw_pulse_counts(a, &pc);
    CHECK(pc.prog_events == (uint64_t)changed, "T12: %llu programming events, Q~ changed at %d steps",
          (unsigned long long)pc.prog_events, changed);
    if (random) {
        const double sd = sqrt(K * p * (1 - p));
        CHECK(fabs((double)pc.prog_events - K * p) <= 3.5 * sd, "T12: %llu random flips in %d steps, expected %.0f +- %.1f",
              (unsigned long long)pc.prog_events, K, K * p, sd);
    } else {
        CHECK(pc.prog_events == K / 20, "T12: %llu regular flips in %d steps, expected %d",
              (unsigned long long)pc.prog_events, K, K / 20);
    }
    printf("T12 %s flips: %llu in %d steps (p K = %.0f), Q~ changed at %d steps\n", random ? "random" : "regular",
           (unsigned long long)pc.prog_events, K, K * p, changed);
    xbar_aw_free(a);
}

/* T12: c (P - Q~) = (W̄ - C)/gamma points along -grad f while the gradient is large. */
static void t12_sign(void)
{
    enum { N = 200, K = 600 };
    const float gamma = 0.4f;
    xbar_opt_params o = rider(XBAR_OPT_E_RIDER, 0.05f, gamma, 0.25f);
    o.in_chop_prob = 0.05f, o.in_chop_random = 1;
    xbar_tile_config tc = tile(N, ald(1.0f, 0.1f));
    xbar_aw *a = xbar_aw_new(&o, &tc);
    CHECK(a != NULL, "T12: e_rider refused: %s", xbar_last_error());
    if (!a) return;
    float G[N], W[N];
    int agree = 0, steps = 0;
    for (int k = 0; k < K; k++) {
        xbar_aw_get_weights(a, W);
        const float *C = xbar_tile_weights(xbar_aw_slow_tile(a));
        double v = 0, g = 0;
        for (int j = 0; j < N; j++) v += (W[j] - C[j]) / gamma, g += W[j] - 1.0;
        if (k > 0) agree += v * g < 0, steps++;
        for (int j = 0; j < N; j++) G[j] = (float)(W[j] - 1.0 + 0.1 * xt_normal(31, 3, (uint64_t)k * N + j + 8000000));
        if (xbar_aw_step_dense(a, G, 0.002f) != XBAR_OK) break;
    }
    xbar_pulse_counts pc;
    xbar_aw_pulse_counts(a, &pc);
    CHECK(agree >= 0.8 * steps && pc.prog_events >= 10,
          "T12: c (P - Q~) along -grad f at %d of %d steps (%llu flips)", agree, steps,
          (unsigned long long)pc.prog_events);
    printf("T12 sign: c (P - Q~) along -grad f at %d of %d steps, %llu flips\n", agree, steps,
           (unsigned long long)pc.prog_events);
    xbar_aw_free(a);
}

/* A save / load after calibration and flips continues bit for bit. */
static void resume(void)
{
    enum { N = 24, K = 200 };
    xbar_opt_params o = rider(XBAR_OPT_E_RIDER, 0.05f, 0.4f, 0.2f);
    o.zs_pulses = 50, o.in_chop_prob = 0.1f;
    o.transfer_columns = 2, o.transfer_update.scheme = XBAR_SCHEME_STOCHASTIC;
    xbar_tile_config tc = tile(N, ald(1.0f, 0.1f));
    tc.update.scheme = XBAR_SCHEME_STOCHASTIC;
    tc.rows = 3, tc.cols = N / 3;
    xbar_aw *a = xbar_aw_new(&o, &tc), *b = xbar_aw_new(&o, &tc);
    CHECK(a && b, "resume: %s", xbar_last_error());
    if (!a || !b) return;
    const int same = xt_resume_same(a, b, N, K, 3, NULL);
    CHECK(same >= 0, "resume: save / load: %s", xbar_last_error());
    CHECK(same == 1, "resume: the loaded copy departs");
    xbar_pulse_counts pa;
    xbar_aw_pulse_counts(a, &pa);
    CHECK(pa.calib_pulses == 50ull * N && pa.prog_events > 0, "resume: %llu calibration pulses, %llu flips",
          (unsigned long long)pa.calib_pulses, (unsigned long long)pa.prog_events);
    xbar_aw_free(a), xbar_aw_free(b);
}

int main(void)
{
    t11_null();
    t11_bias();
    t11_ema();
    t12_flips(1);
    t12_flips(0);
    t12_sign();
    resume();
    return xt_done("test_rider");
}
