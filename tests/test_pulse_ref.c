/* test_pulse_ref.c - speed does not change results, and the composed step is
 * the right distribution.
 *
 * (a) The optimised per-sample update (pulse.c: bit-packed streams, active
 *     columns, rows in parallel, composed slots in vectorised passes) gives
 *     bit-identical weights and pulse counts to the readable reference loop
 *     (pulse_ref.c), for every device model (aihwkit defaults, with and
 *     without c2c noise, multiplicative and additive), the stochastic and
 *     implicit schemes, pulses composed or one by one, in the dense regime
 *     (many pulses per slot) and the MNIST-like one (about one), at 1 and 2
 *     threads, and at bit lengths of 100 and 700 (several words per line, lines
 *     longer than one batched fill). The tile is large enough that the parallel
 *     loop runs.
 * (b) xbar_device_pulses_composed against n pulses applied one by one, for
 *     every linear model and both noise kinds: with xi = 0 it is the noise-free
 *     closed form; mean and variance over 40,000 one-by-one draws match the
 *     composed mean and variance within 4.5 standard errors (n = 1, 2, 7, 31);
 *     it refuses near a bound, where clipping would act, and for non-linear
 *     models. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tile_internal.h"
#include "util.h"
#include "xbar.h"

enum { ROWS = 48, COLS = 70, BATCH = 24, STEPS = 3 };

static void inputs(float *X, float *D, int regime, uint64_t seed)
{
    float u[4];
    for (size_t k = 0; k < (size_t)BATCH * COLS; k++) {
        xbar_rng_uniform4(u, seed, 1, k);
        X[k] = regime == 0 ? 2 * u[0] - 1 : u[0];
        if (k % 17 == 3 || k / COLS == 5) X[k] = 0.0f; /* zero inputs never fire; sample 5 updates nothing */
    }
    for (size_t k = 0; k < (size_t)BATCH * ROWS; k++) {
        xbar_rng_uniform4(u, seed, 2, k);
        D[k] = regime == 0 ? 2 * u[0] - 1 : 0.02f * u[0] - 0.01f;
    }
}

/* bl > 0: that many bits per line, without bit-length management; bl < 0: at most -bl bits
 * with it (lines of several words, mostly unused); 0: the defaults. */
static xbar_tile *tile_for(const xbar_device_params *dev, xbar_scheme scheme, int compose, int bl)
{
    xbar_tile_config c = xbar_tile_config_defaults(ROWS, COLS);
    c.device = *dev;
    c.update.scheme = scheme;
    c.update.compose_pulses = compose;
    if (bl > 0) c.update.desired_bl = bl, c.update.update_bl_management = 0;
    if (bl < 0) c.update.desired_bl = -bl, c.update.update_bl_management = 1;
    c.seed = 99;
    c.id = 3;
    xbar_tile *t = xbar_tile_new(&c);
    CHECK(t != NULL, "tile: %s", xbar_last_error());
    /* spread the weights over the range, some at the bounds */
    const xbar_devices *d = xbar_tile_devices(t);
    float *W = malloc(sizeof(float) * ROWS * COLS), u[4];
    for (size_t k = 0; k < (size_t)ROWS * COLS; k++) {
        xbar_rng_uniform4(u, 5, 6, k);
        const double lo = d->b_min[k] - d->ref, hi = d->b_max[k] - d->ref;
        W[k] = (float)(k % 29 == 0 ? hi : (k % 31 == 0 ? lo : lo + (hi - lo) * u[0]));
    }
    xbar_tile_set_weights(t, W, COLS);
    free(W);
    return t;
}

static int same_bits(const float *a, const float *b, size_t n, size_t *first)
{
    for (size_t k = 0; k < n; k++)
        if (memcmp(&a[k], &b[k], sizeof(float))) {
            *first = k;
            return 0;
        }
    return 1;
}

/* (a) one configuration: reference vs optimised at 1 and 2 threads. */
static void check_ref(const char *name, const xbar_device_params *dev, xbar_scheme scheme, int compose, int regime,
                      int bl)
{
    static float X[BATCH * COLS], D[BATCH * ROWS];
    const float lr = regime == 0 ? 0.1f : 0.01f;
    xbar_tile *ref = tile_for(dev, scheme, compose, bl);
    for (int s = 0; s < STEPS; s++) {
        inputs(X, D, regime, (uint64_t)s);
        CHECK(xbar_pulse_rank1_ref(ref, X, D, BATCH, lr) == XBAR_OK, "reference update");
    }
    const size_t nw = (size_t)ROWS * COLS;
    for (int threads = 1; threads <= 2; threads++) {
        xbar_set_threads(threads);
        xbar_tile *t = tile_for(dev, scheme, compose, bl);
        for (int s = 0; s < STEPS; s++) {
            inputs(X, D, regime, (uint64_t)s);
            CHECK(xbar_tile_update(t, X, D, BATCH, lr) == XBAR_OK, "update: %s", xbar_last_error());
        }
        size_t k = 0;
        const int same = same_bits(xbar_tile_weights(t), xbar_tile_weights(ref), nw, &k);
        CHECK(same, "%s scheme %d compose %d regime %d threads %d: weight %zu %.9g vs reference %.9g", name, (int)scheme,
              compose, regime, threads, k, xbar_tile_weights(t)[k], xbar_tile_weights(ref)[k]);
        CHECK(xbar_tile_pulse_count(t) == xbar_tile_pulse_count(ref), "%s: pulses %llu vs reference %llu", name,
              (unsigned long long)xbar_tile_pulse_count(t), (unsigned long long)xbar_tile_pulse_count(ref));
        xbar_tile_free(t);
    }
    xbar_set_threads(1);
    CHECK(xbar_tile_pulse_count(ref) > (regime == 0 ? 100000u : 1000u), "%s: too few pulses (%llu) to test anything",
          name, (unsigned long long)xbar_tile_pulse_count(ref));
    xbar_tile_free(ref);
}

static void test_reference(void)
{
    int configs = 0;
    for (int m = 0; m < XBAR_DEV_COUNT_; m++) {
        xbar_device_params variants[3];
        variants[0] = xbar_device_defaults((xbar_device_model)m);
        variants[1] = variants[0];
        variants[1].dw_min_std = variants[0].dw_min_std > 0 ? 0.0f : 0.3f; /* noise toggled */
        variants[2] = variants[0];
        variants[2].dw_min_std = 0.3f;
        variants[2].mult_noise = !variants[0].mult_noise; /* the other noise kind */
        for (int v = 0; v < 3; v++)
            for (int regime = 0; regime < 2; regime++) {
                const char *name = xbar_device_model_name((xbar_device_model)m);
                check_ref(name, &variants[v], XBAR_SCHEME_STOCHASTIC, 1, regime, 0);
                if (v != 1) check_ref(name, &variants[v], XBAR_SCHEME_STOCHASTIC, 0, regime, 0);
                if (regime == 0) check_ref(name, &variants[v], XBAR_SCHEME_IMPLICIT, 1, regime, 0);
                configs++;
            }
    }
    /* bit streams of several words per line, and lines longer than one batched fill (512 bits) */
    const xbar_device_params sb = xbar_device_defaults(XBAR_DEV_SOFT_BOUNDS);
    for (int regime = 0; regime < 2; regime++) {
        check_ref("soft bounds, BL 100", &sb, XBAR_SCHEME_STOCHASTIC, 1, regime, 100);
        check_ref("soft bounds, BL 700", &sb, XBAR_SCHEME_STOCHASTIC, 1, regime, 700);
        check_ref("soft bounds, BL <= 200, managed", &sb, XBAR_SCHEME_STOCHASTIC, 1, regime, -200);
        configs += 3;
    }
    printf("(a) %d device/noise/regime configurations: optimised == reference at 1 and 2 threads\n", configs);
}

/* (b) composed vs one by one for one device state. */
static void check_compose(const char *name, xbar_device_params p, double w_frac, int up, unsigned n)
{
    xbar_devices d;
    CHECK(xbar_devices_init(&d, &p, 1, 0) == XBAR_OK, "devices: %s", xbar_last_error());
    const double lo = d.b_min[0] - d.ref, hi = d.b_max[0] - d.ref;
    const float w0 = (float)(lo + (hi - lo) * w_frac);
    float mean_f, plus_f;
    const int ok0 = xbar_device_pulses_composed(&d, 0, w0, up, n, 0.0f, &mean_f);
    const int ok1 = xbar_device_pulses_composed(&d, 0, w0, up, n, 1.0f, &plus_f);
    CHECK(ok0 && ok1, "%s w %.3f n %u: composed form refused in the middle of the range", name, w0, n);
    if (!(ok0 && ok1)) {
        xbar_devices_free(&d);
        return;
    }
    /* xi = 0: the noise-free closed form */
    xbar_device_params q = p;
    q.dw_min_std = 0.0f;
    xbar_devices dq;
    CHECK(xbar_devices_init(&dq, &q, 1, 0) == XBAR_OK, "devices");
    const float nf = xbar_device_pulses(&dq, 0, w0, up, n);
    CHECK(fabsf(nf - mean_f) <= 2e-7f * fmaxf(1.0f, fabsf(nf)), "%s: composed mean %.9g vs noise-free %.9g", name,
          mean_f, nf);
    xbar_devices_free(&dq);
    /* one by one: mean and variance over independent draws */
    enum { DRAWS = 40000 };
    xt_stat st = {0};
    float z[4];
    for (int r = 0; r < DRAWS; r++) {
        float w = w0;
        for (unsigned k = 0; k < n; k++) {
            if ((k & 3) == 0) xbar_rng_znormal4(z, 77, (uint64_t)r, k >> 2);
            w = xbar_device_pulse(&d, 0, w, up, z[k & 3]);
        }
        xt_stat_add(&st, w);
    }
    const double sd = (double)plus_f - mean_f, var = xt_stat_var(&st);
    const double se_mean = sqrt(var / DRAWS), se_var = var * sqrt(2.0 / (DRAWS - 1));
    /* float rounding of the weights: a few ulp of |w| on the mean */
    const double round = 4e-7 * fmax(fabs(w0), 1e-3) * n;
    CHECK(fabs(st.mean - mean_f) <= 4.5 * se_mean + round, "%s n %u up %d: mean %.9g one by one vs %.9g composed (SE %.2g)",
          name, n, up, st.mean, mean_f, se_mean);
    CHECK(fabs(var - sd * sd) <= 4.5 * se_var + 1e-13, "%s n %u up %d: var %.4g one by one vs %.4g composed (SE %.2g)",
          name, n, up, var, sd * sd, se_var);
    xbar_devices_free(&d);
}

static void test_compose(void)
{
    const xbar_device_model linear[] = {XBAR_DEV_CONSTANT_STEP, XBAR_DEV_LINEAR_STEP, XBAR_DEV_SOFT_BOUNDS,
                                        XBAR_DEV_SOFT_BOUNDS_REF, XBAR_DEV_ALD};
    const unsigned counts[] = {1, 2, 7, 31};
    int n_checked = 0;
    for (size_t m = 0; m < sizeof linear / sizeof linear[0]; m++)
        for (int mult = 0; mult < 2; mult++) {
            xbar_device_params p = xbar_device_ideal(linear[m]);
            p.dw_min_std = 0.3f;
            p.mult_noise = mult;
            p.dw_min = 0.01f; /* large steps: the multiplicative composition is least Gaussian */
            p.gamma_up = p.gamma_down = 1.0f;
            char name[64];
            snprintf(name, sizeof name, "%s %s", xbar_device_model_name(linear[m]), mult ? "mult" : "additive");
            for (size_t c = 0; c < 4; c++)
                for (int up = 0; up < 2; up++) {
                    check_compose(name, p, up ? 0.35 : 0.65, up, counts[c]);
                    n_checked++;
                }
        }
    /* refusals: near the approached bound, and non-linear models */
    xbar_device_params p = xbar_device_ideal(XBAR_DEV_ALD);
    p.dw_min_std = 0.3f;
    p.dw_min = 0.01f;
    xbar_devices d;
    CHECK(xbar_devices_init(&d, &p, 1, 0) == XBAR_OK, "devices");
    float out;
    CHECK(!xbar_device_pulses_composed(&d, 0, d.b_max[0] - d.ref - 0.02f, 1, 31, 0.0f, &out),
          "ALD: composed form accepted 0.02 below the bound with 31 pulses of 0.01");
    CHECK(xbar_device_pulses_composed(&d, 0, 0.0f, 1, 31, 0.0f, &out), "ALD: composed form refused at w = 0");
    xbar_devices_free(&d);
    p = xbar_device_ideal(XBAR_DEV_EXP_STEP);
    p.dw_min_std = 0.3f;
    CHECK(xbar_devices_init(&d, &p, 1, 0) == XBAR_OK, "devices");
    CHECK(!xbar_device_pulses_composed(&d, 0, 0.0f, 1, 5, 0.0f, &out), "exp_step has no composed form");
    xbar_devices_free(&d);
    printf("(b) %d composed steps match n pulses one by one (mean, variance)\n", n_checked);
}

int main(void)
{
    test_compose();
    test_reference();
    return xt_done("test_pulse_ref");
}
