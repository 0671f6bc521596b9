/* test_rl.c - residual learning, optimizers rl and rlv2 (spec successors §5.3, §5.4, T6, T7), driven by
 * xbar_aw_step_dense with the expected update (eq. 7) on both tiles and the whole residual
 * transferred at every step (transfer_columns 0); A is F25's residual P, C its W:
 *   T7  gamma = 0 on the ALD is the paper's Tiki-Taka recursion (TT-P, TT-W of paper.md §3.3,
 *       with P = -A): A' = A - beta g - (beta/tau)|g| A, C' = C + alpha A' - (alpha/tau)|A'| C,
 *       step by step against a double-precision recursion (float rounding only), and rl with
 *       gamma 0 gives the bits of tiki_taka;
 *   T6  on f = (L/2)(w - w*)^2 with gradient noise N(0, sigma^2), the residual on the perturbed
 *       linear device (device.resp_c = c: F_P(0) = 1, G_P(0) = -c) and the weight on an ideal
 *       one ([slow_device]): the mixed read W̄ = C + gamma A settles at the fixed point
 *       W̄ - w* = b with b = c E|L b + eps| / L (about c sigma sqrt(2/pi) / L), for both signs of
 *       c, within 0.1 |b| (the O(alpha + beta) of the statement plus 5 standard errors), and
 *       c = 0 settles at w* (|mean| below 0.1 of the c = 0.2 bias);
 *   rlv2  the buffer H = (1 - beta) H + beta A and the dead-zone write C += beta H where |H| >=
 *       dw_min(C) (spec successors §5.4, the recommended reading), against a recursion; an EMA
 *       rate transfer_lr*lr above 1 is refused;
 *   T13 multi_tile_rl: the composite error of N + 1 quantised tiles is O(delta gamma^N) and each
 *       added tile lowers the loss by about gamma^2 (below). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "residual_util.h"
#include "util.h"
#include "xbar.h"

static xbar_device_params ald(float tau, float c) { return xt_ald(tau, c); }

static xbar_tile_config tile(size_t n, xbar_device_params dev) { return xt_expected_tile(n, dev, 5); }

static xbar_opt_params rl(xbar_opt_kind kind, float beta, float gamma)
{
    xbar_opt_params o = xbar_opt_defaults(kind);
    o.fast_lr = beta, o.transfer_lr = 1.0f, o.transfer_every = 1, o.transfer_columns = 0, o.gamma = gamma;
    o.transfer_update.scheme = XBAR_SCHEME_EXPECTED;
    return o;
}

static void t7(void)
{
    enum { N = 16, K = 300 };
    const float tau = 1.0f, beta = 0.05f, alpha = 0.02f;
    xbar_opt_params o = rl(XBAR_OPT_RL, beta, 0.0f), ot = rl(XBAR_OPT_TIKI_TAKA, beta, 0.0f);
    xbar_tile_config tc = tile(N, ald(tau, 0.0f));
    xbar_aw *a = xbar_aw_new(&o, &tc), *t = xbar_aw_new(&ot, &tc);
    CHECK(a && t, "T7: rl or tiki_taka refused: %s", xbar_last_error());
    if (!a || !t) return;
    double A[N] = {0}, C[N] = {0}, worst = 0;
    float G[N], W[N], Wt[N];
    int same = 1;
    for (int k = 0; k < K; k++) {
        for (int j = 0; j < N; j++) G[j] = (float)(0.5 * xt_normal(99, 7, (uint64_t)k * N + j) + 0.1 * (j % 3 - 1));
        CHECK(xbar_aw_step_dense(a, G, alpha) == XBAR_OK && xbar_aw_step_dense(t, G, alpha) == XBAR_OK,
              "T7: step %d: %s", k, xbar_last_error());
        for (int j = 0; j < N; j++) { /* TT-P with P = -A, then TT-W */
            const double g = G[j];
            A[j] = A[j] - beta * g - beta / tau * fabs(g) * A[j];
            C[j] = C[j] + alpha * A[j] - alpha / tau * fabs(A[j]) * C[j];
        }
        xbar_aw_get_weights(a, W);
        xbar_aw_get_weights(t, Wt);
        same &= !memcmp(W, Wt, sizeof W);
        const float *wa = xbar_tile_weights(xbar_aw_fast_tile(a));
        for (int j = 0; j < N; j++) worst = fmax(worst, fmax(fabs(W[j] - C[j]), fabs(wa[j] - A[j])));
    }
    CHECK(worst <= 2e-6, "T7: rl (gamma 0) departs from the TT-P / TT-W recursion by %.3g", worst);
    CHECK(same, "T7: rl with gamma 0 is not tiki_taka bit for bit");
    printf("T7: %d steps of %d weights: largest difference from the recursion %.2g\n", K, N, worst);
    xbar_aw_free(a), xbar_aw_free(t);
}

/* The mean of W̄ - w* over the weights and the second half of the steps. */
static double t6_run(float c, double *se)
{
    enum { N = 4000, K = 3000 };
    const double L = 1.0, s = 0.1, wstar = 0.2;
    const float beta = 0.01f, alpha = 0.01f, gamma = 0.4f;
    xbar_opt_params o = rl(XBAR_OPT_RL, beta, gamma);
    o.slow_device_own = 1, o.slow_device = ald(10.0f, 0.0f); /* W: nearly symmetric, G_W = W/10 */
    xbar_tile_config tc = tile(N, ald(1.0f, c));
    xbar_aw *a = xbar_aw_new(&o, &tc);
    CHECK(a != NULL, "T6: rl refused: %s", xbar_last_error());
    if (!a) return NAN;
    float *G = malloc(N * sizeof *G), *W = malloc(N * sizeof *W);
    double sum = 0, sum2 = 0;
    long cnt = 0;
    for (int k = 0; k < K && G && W; k++) {
        xbar_aw_get_weights(a, W); /* W̄ = C + gamma A: the gradient is taken at the mix */
        double m = 0;
        for (int j = 0; j < N; j++) m += W[j] - wstar;
        if (k >= K / 2) sum += m / N, sum2 += (m / N) * (m / N), cnt++;
        for (int j = 0; j < N; j++) G[j] = (float)(L * (W[j] - wstar) + s * xt_normal(99, 7, (uint64_t)k * N + j + 1000000));
        if (xbar_aw_step_dense(a, G, alpha) != XBAR_OK) break;
    }
    free(G), free(W);
    xbar_aw_free(a);
    const double mean = sum / cnt;
    /* the per-step means are correlated: a generous standard error, 5x the naive one */
    *se = 5 * sqrt(fmax(sum2 / cnt - mean * mean, 0) / cnt);
    return mean;
}

static void t6(void)
{
    const float cs[] = {0.2f, -0.2f, 0.0f};
    const double ref = xt_t6_bias(0.2, 1.0, 0.1);
    for (int k = 0; k < 3; k++) {
        double se;
        const double got = t6_run(cs[k], &se), want = xt_t6_bias(cs[k], 1.0, 0.1);
        if (cs[k] != 0.0f)
            CHECK(fabs(got - want) <= 0.1 * fabs(want) + se, "T6: c = %g: W̄ - w* = %.5f, fixed point %.5f (se %.2g)",
                  cs[k], got, want, se);
        else
            CHECK(fabs(got) <= 0.1 * ref + se, "T6: c = 0: W̄ - w* = %.5f, expected 0 (se %.2g)", got, se);
        printf("T6: c = %+.1f: W̄ - w* = %+.5f, fixed point c E|L b + eps|/L = %+.5f\n", cs[k], got, want);
    }
}

/* rlv2: H = (1 - beta) H + beta A (the exact column reads), C moves by beta H where |H| >= dw_min(C)
 * (else not at all), every step, against a double-precision recursion; beta = transfer_lr*lr. */
static void rlv2(void)
{
    enum { N = 12, K = 200 };
    const double tau = 1.0, bf = 0.05, beta = 0.1, gamma = 0.4, gC = 1e-3;
    xbar_opt_params o = rl(XBAR_OPT_RLV2, (float)bf, (float)gamma);
    xbar_device_params dev = ald((float)tau, 0.0f);
    dev.dw_min = (float)gC;
    xbar_tile_config tc = tile(N, dev);
    xbar_aw *a = xbar_aw_new(&o, &tc);
    CHECK(a != NULL, "rlv2: %s", xbar_last_error());
    if (!a) return;
    double A[N] = {0}, H[N] = {0}, C[N] = {0}, worst = 0;
    float G[N], W[N];
    int masked = 0, passed = 0;
    for (int k = 0; k < K; k++) {
        for (int j = 0; j < N; j++) G[j] = (float)(0.02 * xt_normal(99, 7, (uint64_t)k * N + j + 5000000) + 0.01 * (j % 4 - 1.5));
        CHECK(xbar_aw_step_dense(a, G, (float)beta) == XBAR_OK, "rlv2: step %d: %s", k, xbar_last_error());
        for (int j = 0; j < N; j++) {
            const double g = G[j];
            A[j] = A[j] - bf * g - bf / tau * fabs(g) * A[j];
            H[j] = (1 - beta) * H[j] + beta * A[j];
            const double y = fabs(H[j]) >= gC ? H[j] : 0;
            masked += y == 0, passed += y != 0;
            C[j] = C[j] + beta * y - beta / tau * fabs(y) * C[j];
        }
        xbar_aw_get_weights(a, W);
        size_t nh = 0;
        const float *h = xbar_aw_array(a, 2, NULL, &nh);
        CHECK(h && nh == N, "rlv2: no buffer array");
        if (!h) break;
        for (int j = 0; j < N; j++)
            worst = fmax(worst, fmax(fabs(W[j] - (C[j] + gamma * A[j])), fabs(h[j] - H[j])));
    }
    CHECK(worst <= 2e-6, "rlv2 departs from its recursion by %.3g", worst);
    CHECK(masked > 0 && passed > 0, "rlv2: the dead zone was not exercised (%d masked, %d written)", masked, passed);
    printf("rlv2: %d steps of %d weights (%d buffer entries below dw_min(C), %d written): largest difference %.2g\n",
           K, N, masked, passed, worst);
    CHECK(xbar_aw_step_dense(a, G, 20.0f) == XBAR_EINVAL && strstr(xbar_last_error(), "rlv2"),
          "rlv2: an EMA rate above 1 accepted");
    xbar_aw_free(a);
}

/* T13: multi_tile_rl on 200 scalar problems (w - b_j)^2, exact gradients, ideal symmetric tiles of
 * step delta = 0.01 whose updates are rounded to whole pulses (constant_step, count scheme without
 * stochastic rounding: nothing random), gamma 0.2, fast_lr 0.25/gamma^N, transfer_lr 0.1,
 * transfer_every 5, mt_growth 5, 20,000 steps, N + 1 = 2 .. 5 tiles: the composite rms error is
 * at most 1.5 delta gamma^N, it falls with every added tile, and the loss falls by about gamma^2 a
 * tile (geometric mean of the three ratios within a factor 4 of gamma^2). */
static void t13(void)
{
    enum { M = 200, K = 20000 };
    const double delta = 0.01, gamma = 0.2;
    double loss[6] = {0};
    for (int nt = 2; nt <= 5; nt++) {
        xbar_tile_config tc = xbar_tile_config_defaults(1, M);
        tc.device = xbar_device_ideal(XBAR_DEV_CONSTANT_STEP);
        tc.device.dw_min = (float)delta, tc.device.w_max = 1.0f, tc.device.w_min = -1.0f;
        tc.update.scheme = XBAR_SCHEME_COUNT;
        tc.update.count_stochastic_round = 0;
        xbar_opt_params o = xbar_opt_defaults(XBAR_OPT_MULTI_TILE_RL);
        o.mt_tiles = nt, o.mt_gamma = (float)gamma, o.mt_growth = 5;
        o.fast_lr = (float)(0.25 / pow(gamma, nt - 1)), o.transfer_lr = 0.1f;
        o.transfer_columns = 0, o.transfer_every = 5;
        o.transfer_update = tc.update;
        xbar_aw *a = xbar_aw_new(&o, &tc);
        CHECK(a != NULL, "T13: multi_tile_rl with %d tiles: %s", nt, xbar_last_error());
        if (!a) return;
        static float W[M], G[M], b[M];
        for (int j = 0; j < M; j++) b[j] = (float)(0.8 * ((j * 7919 % M) / (double)M - 0.5));
        for (int k = 0; k < K; k++) {
            xbar_aw_get_weights(a, W);
            for (int j = 0; j < M; j++) G[j] = 2 * (W[j] - b[j]);
            if (xbar_aw_step_dense(a, G, 1.0f) != XBAR_OK) break;
        }
        xbar_aw_get_weights(a, W);
        for (int j = 0; j < M; j++) loss[nt] += ((double)W[j] - b[j]) * ((double)W[j] - b[j]) / M;
        const double bound = 1.5 * delta * pow(gamma, nt - 1);
        CHECK(sqrt(loss[nt]) <= bound, "T13: %d tiles: rms error %.3g > 1.5 delta gamma^N = %.3g", nt, sqrt(loss[nt]),
              bound);
        if (nt > 2) CHECK(loss[nt] < loss[nt - 1], "T13: %d tiles do not improve on %d", nt, nt - 1);
        printf("T13: %d tiles: rms error %.3g (delta gamma^N = %.3g)\n", nt, sqrt(loss[nt]), delta * pow(gamma, nt - 1));
        xbar_aw_free(a);
    }
    const double per = pow(loss[5] / loss[2], 1.0 / 3);
    CHECK(per >= gamma * gamma / 4 && per <= 4 * gamma * gamma, "T13: loss ratio per added tile %.3g, gamma^2 = %.3g",
          per, gamma * gamma);
    printf("T13: loss ratio per added tile %.3g (gamma^2 = %.3g)\n", per, gamma * gamma);
}

/* rlv2's pulse reading (rlv2_pulse 1, spec §5.4's option): H = (1 - beta) H + beta A (A read
 * exactly), then where |H| >= g = dw_min(C): one pulse of sign(H) into C (the device's own pulse,
 * xbar_device_pulse, no c2c noise) and H -= sign(H) g; elsewhere nothing. Against that recursion
 * in float, step by step; the pulses counted as transfer pulses are the fires. */
static void rlv2_pulse(void)
{
    enum { N = 12, K = 300 };
    const float bf = 0.05f, beta = 0.1f, gamma = 0.4f, gC = 2e-3f;
    xbar_opt_params o = rl(XBAR_OPT_RLV2, bf, gamma);
    o.rlv2_pulse = 1;
    xbar_device_params dev = ald(1.0f, 0.0f);
    dev.dw_min = gC;
    xbar_tile_config tc = tile(N, dev);
    xbar_aw *a = xbar_aw_new(&o, &tc);
    CHECK(a != NULL, "rlv2 pulse: %s", xbar_last_error());
    if (!a) return;
    const xbar_devices *dc = xbar_tile_devices(xbar_aw_slow_tile(a));
    float H[N] = {0}, C[N] = {0}, G[N];
    double worst = 0;
    uint64_t fired = 0;
    for (int k = 0; k < K; k++) {
        for (int j = 0; j < N; j++) G[j] = (float)(0.02 * xt_normal(99, 8, (uint64_t)k * N + j) + 0.01 * (j % 4 - 1.5));
        CHECK(xbar_aw_step_dense(a, G, beta) == XBAR_OK, "rlv2 pulse: step %d: %s", k, xbar_last_error());
        size_t na;
        const float *A = xbar_aw_array(a, 1, NULL, &na), *Ct = xbar_aw_array(a, 0, NULL, &na),
                    *h = xbar_aw_array(a, 2, NULL, &na);
        for (int j = 0; j < N; j++) {
            H[j] = (1.0f - beta) * H[j] + beta * A[j];
            if (fabsf(H[j]) >= dc->granularity) {
                const int up = H[j] > 0.0f;
                C[j] = xbar_device_pulse(dc, (size_t)j, C[j], up, 0.0f);
                H[j] -= (up ? 1.0f : -1.0f) * dc->granularity;
                fired++;
            }
            worst = fmax(worst, fmax(fabs(Ct[j] - C[j]), fabs(h[j] - H[j])));
        }
    }
    xbar_pulse_counts pc;
    xbar_aw_pulse_counts(a, &pc);
    CHECK(worst <= 1e-6, "rlv2 pulse: departs from its recursion by %.3g", worst);
    CHECK(fired > 0 && pc.transfer_pulses == fired, "rlv2 pulse: %llu pulses fired by the recursion, %llu counted",
          (unsigned long long)fired, (unsigned long long)pc.transfer_pulses);
    printf("rlv2 pulse: %d steps of %d weights, %llu single pulses into C: largest difference %.2g\n", K, N,
           (unsigned long long)fired, worst);
    xbar_aw_free(a);
}

/* multi_tile_rl's per-pair rates ([MT25]'s 0.1*1.2^k): 3 tiles on the ALD (tau 1), expected
 * updates, every pair transferred at every step (transfer_every 1, mt_growth 1, all columns), so
 * W(2) += step, W(1) += beta W(2), W(0) += beta g W(1) with the ALD's response (w' = w + d -
 * |d| w / tau), finest pair first: the tiles follow that recursion to float rounding at g =
 * mt_lr_growth 1.5; with 2 tiles (one pair) g changes no bit. */
static void mt_rates(void)
{
    enum { N = 12, K = 200 };
    const float fast = 0.05f, tlr = 0.2f, lr = 0.5f, g = 1.5f;
    xbar_tile_config tc = tile(N, ald(1.0f, 0.0f));
    xbar_opt_params o = xbar_opt_defaults(XBAR_OPT_MULTI_TILE_RL);
    o.mt_tiles = 3, o.mt_gamma = 0.5f, o.mt_growth = 1, o.mt_lr_growth = g;
    o.fast_lr = fast, o.transfer_lr = tlr, o.transfer_every = 1, o.transfer_columns = 0;
    o.transfer_update.scheme = XBAR_SCHEME_EXPECTED;
    xbar_opt_params o2 = o, o2g = o;
    o2.mt_tiles = o2g.mt_tiles = 2, o2.mt_lr_growth = 1.0f;
    xbar_aw *a = xbar_aw_new(&o, &tc), *b = xbar_aw_new(&o2, &tc), *c = xbar_aw_new(&o2g, &tc);
    CHECK(a && b && c, "mt rates: refused: %s", xbar_last_error());
    if (!a || !b || !c) return;
    double T[3][N] = {{0}}, worst = 0;
    float G[N], Wb[N], Wc[N];
    int same = 1;
    for (int k = 0; k < K; k++) {
        for (int j = 0; j < N; j++) G[j] = (float)(0.5 * xt_normal(17, 3, (uint64_t)k * N + j) + 0.2 * (j % 3 - 1));
        CHECK(xbar_aw_step_dense(a, G, lr) == XBAR_OK && xbar_aw_step_dense(b, G, lr) == XBAR_OK &&
                  xbar_aw_step_dense(c, G, lr) == XBAR_OK,
              "mt rates: step %d: %s", k, xbar_last_error());
        const double beta[2] = {(double)tlr * lr * g, (double)tlr * lr}; /* into tile 0, into tile 1 */
        for (int j = 0; j < N; j++) {
            const double d2 = -(double)fast * G[j];
            T[2][j] += d2 - fabs(d2) * T[2][j];
            for (int n = 1; n >= 0; n--) {
                const double d = beta[n] * T[n + 1][j];
                T[n][j] += d - fabs(d) * T[n][j];
            }
        }
        for (int n = 0; n < 3; n++) {
            const char *what;
            size_t cnt;
            const float *w = xbar_aw_array(a, (size_t)n, &what, &cnt); /* "weights" (tile 0), "tile 1", "tile 2" */
            CHECK(w != NULL, "mt rates: no array %d", n);
            for (int j = 0; w && j < N; j++) worst = fmax(worst, fabs(w[j] - T[n][j]));
        }
        xbar_aw_get_weights(b, Wb);
        xbar_aw_get_weights(c, Wc);
        same &= !memcmp(Wb, Wc, sizeof Wb);
    }
    CHECK(worst <= 2e-6, "mt rates: the tiles depart from the per-pair-rate recursion by %.3g", worst);
    CHECK(same, "mt rates: with 2 tiles mt_lr_growth changed the weights");
    printf("mt rates: %d steps, 3 tiles, mt_lr_growth %.1f: largest difference from the recursion %.2g\n", K,
           (double)g, worst);
    xbar_aw_free(a), xbar_aw_free(b), xbar_aw_free(c);
}

/* Which tiles of a changed by K dense steps (bit n set: tile n's array differs). */
static unsigned moved_tiles(xbar_aw *a, int nt, int K, uint64_t salt)
{
    enum { N = 8 };
    float before[8][N], G[N];
    size_t cnt;
    const char *what;
    for (int t = 0; t < nt; t++) memcpy(before[t], xbar_aw_array(a, (size_t)t, &what, &cnt), sizeof before[t]);
    for (int k = 0; k < K; k++) {
        for (int j = 0; j < N; j++) G[j] = (float)(0.5 * xt_normal(23, 4, salt + (uint64_t)k * N + j) + 0.3);
        CHECK(xbar_aw_step_dense(a, G, 1.0f) == XBAR_OK, "warm start: step: %s", xbar_last_error());
    }
    unsigned bits = 0;
    for (int t = 0; t < nt; t++)
        if (memcmp(before[t], xbar_aw_array(a, (size_t)t, &what, &cnt), sizeof before[t])) bits |= 1u << t;
    return bits;
}

/* Two multi_tile_rl optimizers with the warm start (6 tiles on the ALD, 8 weights, expected
 * updates, every column per transfer), the first set to fixed weights; 0 if they cannot be made. */
static int warm_pair(int growth, int rule, xbar_aw **a, xbar_aw **b)
{
    enum { N = 8 };
    xbar_tile_config tc = tile(N, ald(1.0f, 0.0f));
    xbar_opt_params o = xbar_opt_defaults(XBAR_OPT_MULTI_TILE_RL);
    o.mt_tiles = 6, o.mt_gamma = 0.5f, o.mt_growth = growth, o.mt_warm_start = 1, o.mt_warm_rule = rule;
    o.fast_lr = 0.05f, o.transfer_lr = 0.2f, o.transfer_every = 1, o.transfer_columns = 0;
    o.transfer_update.scheme = XBAR_SCHEME_EXPECTED;
    *a = xbar_aw_new(&o, &tc), *b = xbar_aw_new(&o, &tc);
    CHECK(*a && *b, "warm start (rule %d): %s", rule, xbar_last_error());
    if (!*a || !*b) return xbar_aw_free(*a), xbar_aw_free(*b), 0;
    float W0[N];
    for (int j = 0; j < N; j++) W0[j] = 0.1f * (float)(j - 3);
    xbar_aw_set_weights(*a, W0);
    return 1;
}

/* multi_tile_rl's warm start ([MT25] Alg. 1): after set_weights the gradient tile W(N) goes
 * straight into W(0), then W(1), ..., moving on at a loss plateau (a rise, for the first 4
 * moves; then 2 rises among the last 5 differences), and the cascade runs once k = N; a
 * save / load in the middle continues bit for bit. */
static void mt_warm(void)
{
    enum { N = 8 };
    xbar_aw *a, *b;
    if (!warm_pair(1, 0, &a, &b)) return;
    const unsigned grad = 1u << 5;
    unsigned m = moved_tiles(a, 6, 10, 0);
    CHECK(m == (grad | 1u), "warm start: before any plateau the steps moved tiles %#x, expected W(5) and W(0)", m);
    const double fall[] = {1.0, 0.9, 0.8};
    for (int i = 0; i < 3; i++) xbar_aw_observe_loss(a, fall[i]);
    m = moved_tiles(a, 6, 10, 1000);
    CHECK(m == (grad | 1u), "warm start: a falling loss moved k (tiles %#x)", m);
    for (int k = 1; k <= 4; k++) { /* moves 1..4: a single rise each */
        xbar_aw_observe_loss(a, 0.5), xbar_aw_observe_loss(a, 0.6);
        m = moved_tiles(a, 6, 10, 2000 + 100 * (uint64_t)k);
        CHECK(m == (grad | 1u << k), "warm start: after move %d the steps moved tiles %#x, expected W(5) and W(%d)",
              k, m, k);
    }
    /* k = 4: now 2 rises among the last 5 differences of >= 6 losses */
    const double one_rise[] = {1.0, 0.9, 0.95, 0.8, 0.7, 0.6};
    for (int i = 0; i < 6; i++) xbar_aw_observe_loss(a, one_rise[i]);
    m = moved_tiles(a, 6, 10, 3000);
    CHECK(m == (grad | 1u << 4), "warm start: one rise in 5 moved k at move 5 (tiles %#x)", m);
    /* save / load here (k = 4, six losses held); then the same inputs into both */
    FILE *f = tmpfile();
    CHECK(f && xbar_aw_save(a, f) == XBAR_OK && !fseek(f, 0, SEEK_SET) && xbar_aw_load(b, f) == XBAR_OK,
          "warm start: save / load: %s", xbar_last_error());
    if (f) fclose(f);
    /* windows of the newest 6: 0.55 -> +,-,-,-,- and 0.58 -> -,-,-,-,+ (one rise each: k stays);
     * 0.6 -> -,-,-,+,+ (two rises: k = 5 = N, the cascade) */
    const double tail[] = {0.55, 0.58, 0.6};
    for (int i = 0; i < 3; i++) {
        xbar_aw_observe_loss(a, tail[i]), xbar_aw_observe_loss(b, tail[i]);
        m = moved_tiles(a, 6, 5, 4000 + 100 * (uint64_t)i);
        moved_tiles(b, 6, 5, 4000 + 100 * (uint64_t)i);
        const unsigned want = i < 2 ? grad | 1u << 4 : 0x3fu;
        CHECK(m == want, "warm start: after loss %g the steps moved tiles %#x, expected %#x", tail[i], m, want);
    }
    float Wa[N], Wb[N];
    xbar_aw_get_weights(a, Wa), xbar_aw_get_weights(b, Wb);
    CHECK(!memcmp(Wa, Wb, sizeof Wa), "warm start: the loaded copy departs");
    xbar_pulse_counts pa, pb;
    xbar_aw_pulse_counts(a, &pa), xbar_aw_pulse_counts(b, &pb);
    /* 80 warm steps of one pair, then 5 cascade steps of 5 pairs, all N columns each */
    const uint64_t reads = (80 + 5 * 5) * (uint64_t)N;
    CHECK(pa.reads == reads && pb.reads == reads, "warm start: %llu column reads (copy %llu), expected %llu",
          (unsigned long long)pa.reads, (unsigned long long)pb.reads, (unsigned long long)reads);
    printf("warm start: W(0) .. W(4) filled in turn on plateaus, then the cascade; save / load continues bit for bit\n");
    xbar_aw_free(a), xbar_aw_free(b);
}

/* The warm start by [MT25]'s published code (mt_warm_rule 1): a rise counts for the first 4 moves
 * only above 1e-4; afterwards a fall of less than 0.01 counts, 2 of the last 5 differences move k;
 * W(N) goes into tile k every transfer_every*mt_growth updates; after W(N-1) an idle phase (only
 * W(N) moves) until the next plateau, then the cascade; a save / load there continues bit for bit. */
static void mt_warm_code(void)
{
    enum { N = 8 };
    xbar_aw *a, *b;
    if (!warm_pair(3, 1, &a, &b)) return;
    const unsigned grad = 1u << 5;
    xbar_pulse_counts pc;
    unsigned m = moved_tiles(a, 6, 2, 0);
    CHECK(m == grad, "warm start (code): 2 steps moved tiles %#x, expected W(5) alone (period 3)", m);
    m = moved_tiles(a, 6, 1, 10);
    xbar_aw_pulse_counts(a, &pc);
    CHECK(m == (grad | 1u) && pc.reads == N, "warm start (code): step 3 moved tiles %#x with %llu reads, expected "
          "W(5) and W(0), %d", m, (unsigned long long)pc.reads, N);
    xbar_aw_observe_loss(a, 0.5), xbar_aw_observe_loss(a, 0.50005); /* a rise of 5e-5: no move */
    m = moved_tiles(a, 6, 3, 20);
    CHECK(m == (grad | 1u), "warm start (code): a rise of 5e-5 moved k (tiles %#x)", m);
    xbar_aw_observe_loss(a, 0.5002); /* 1.5e-4 */
    m = moved_tiles(a, 6, 3, 30);
    CHECK(m == (grad | 2u), "warm start (code): a rise of 1.5e-4 left k (tiles %#x, expected W(5), W(1))", m);
    for (int k = 2; k <= 4; k++) xbar_aw_observe_loss(a, 0.5), xbar_aw_observe_loss(a, 0.6);
    m = moved_tiles(a, 6, 3, 40);
    CHECK(m == (grad | 1u << 4), "warm start (code): after 4 moves the steps moved tiles %#x, expected W(5), W(4)", m);
    /* afterwards: falls of 0.02 do not count, falls of 0.005 do (2 of the last 5 move k) */
    const double one_small[] = {1.0, 0.98, 0.96, 0.94, 0.92, 0.915};
    for (int i = 0; i < 6; i++) xbar_aw_observe_loss(a, one_small[i]);
    m = moved_tiles(a, 6, 3, 50);
    CHECK(m == (grad | 1u << 4), "warm start (code): one small fall in 5 moved k (tiles %#x)", m);
    xbar_aw_observe_loss(a, 0.91); /* two small falls among the last 5: k = 5, the idle phase */
    m = moved_tiles(a, 6, 6, 60);
    CHECK(m == grad, "warm start (code): the idle phase moved tiles %#x, expected W(5) alone", m);
    const double two_small[] = {1.0, 0.995, 0.99, 0.97, 0.95, 0.93};
    for (int i = 0; i < 6; i++) xbar_aw_observe_loss(a, two_small[i]);
    FILE *f = tmpfile(); /* in the cascade (phase N + 1): the record must load */
    CHECK(f && xbar_aw_save(a, f) == XBAR_OK && !fseek(f, 0, SEEK_SET) && xbar_aw_load(b, f) == XBAR_OK,
          "warm start (code): save / load in the cascade: %s", xbar_last_error());
    if (f) fclose(f);
    m = moved_tiles(a, 6, 81, 70); /* 81 = 3^4: the coarsest pair's period */
    moved_tiles(b, 6, 81, 70);
    CHECK(m == 0x3fu, "warm start (code): after the idle phase's plateau the steps moved tiles %#x, expected all", m);
    float Wa[N], Wb[N];
    xbar_aw_get_weights(a, Wa), xbar_aw_get_weights(b, Wb);
    CHECK(!memcmp(Wa, Wb, sizeof Wa), "warm start (code): the loaded copy departs");
    printf("warm start (MT25's code): thresholds 1e-4 and -0.01, period transfer_every*mt_growth, the idle phase, "
           "then the cascade\n");
    xbar_aw_free(a), xbar_aw_free(b);
}

int main(void)
{
    t7();
    t13();
    mt_rates();
    rlv2_pulse();
    mt_warm();
    mt_warm_code();
    rlv2();
    t6();
    return xt_done("test_rl");
}
