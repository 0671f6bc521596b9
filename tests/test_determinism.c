/* test_determinism.c - results are a pure function of the seeds: the pulse-
 * level least-squares curves (Analog SGD and Tiki-Taka with per-sample
 * stochastic pulse trains, c2c noise, device-to-device variation and noisy
 * reads) are bit-identical for 1 and 2 threads and on a rerun, and change
 * with the seed. A dense COUNT update of a tile large enough for the
 * parallel loop is checked the same way, and so is training of the paper's
 * FCN shape (784-256-10, batch 64: products large enough that a threaded BLAS
 * would change their last bits) with digital SGD, Analog SGD and Tiki-Taka. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "xbar.h"

static xbar_lsq_setup small_setup(uint64_t seed)
{
    xbar_lsq_setup s = xbar_lsq_setup_defaults();
    s.problem = XBAR_LSQ_PROBLEM_LSQ;
    s.dim = 20;
    s.rows = 50;
    s.iterations = 200;
    s.w_star_scale = 0.2;
    s.noise = 0.02; /* weight-read noise of the forward pass */
    s.lr = 0.1;
    /* soft bounds with aihwkit's variation: d2d on steps and bounds, 30% c2c */
    s.device = xbar_device_defaults(XBAR_DEV_SOFT_BOUNDS);
    s.device.dw_min_std = 0.3f;
    s.device.construction_seed = 10;
    s.update = xbar_update_defaults();
    s.update.scheme = XBAR_SCHEME_STOCHASTIC;
    s.update.desired_bl = 31;
    s.opt = xbar_opt_defaults(XBAR_OPT_TIKI_TAKA);
    s.seed = seed;
    return s;
}

static xbar_lsq_result run(xbar_lsq_kind kind, int threads, uint64_t seed)
{
    xbar_set_threads(threads);
    xbar_lsq_setup s = small_setup(seed);
    xbar_lsq_result r;
    xbar_status st = xbar_lsq_run(&s, kind, &r);
    CHECK(st == XBAR_OK, "xbar_lsq_run %s: %s", xbar_lsq_kind_name(kind), xbar_last_error());
    xbar_set_threads(1);
    return r;
}

static int same(const xbar_lsq_result *a, const xbar_lsq_result *b)
{
    size_t n = (size_t)a->n * sizeof(float);
    return a->n == b->n && a->pulses == b->pulses && !memcmp(a->loss, b->loss, n) && !memcmp(a->grad2, b->grad2, n) &&
           !memcmp(a->winf, b->winf, n) && !memcmp(a->pinf, b->pinf, n);
}

static void test_lsq(xbar_lsq_kind kind)
{
    const char *name = xbar_lsq_kind_name(kind);
    xbar_lsq_result t1 = run(kind, 1, 618), t2 = run(kind, 2, 618);
    xbar_lsq_result again = run(kind, 1, 618), other = run(kind, 2, 619);
    if (!t1.loss || !t2.loss || !again.loss || !other.loss) return;
    CHECK(t1.n == 200, "%s: %d iterations recorded", name, t1.n);
    CHECK(t1.pulses > 1000, "%s: only %llu pulses fired: the test would be vacuous", name,
          (unsigned long long)t1.pulses);
    CHECK(t1.loss[t1.n - 1] < t1.loss[0], "%s: the loss did not decrease (%g -> %g)", name, t1.loss[0],
          t1.loss[t1.n - 1]);
    CHECK(same(&t1, &t2), "%s: 1 and 2 threads differ", name);
    CHECK(same(&t1, &again), "%s: rerun with the same seed differs", name);
    CHECK(memcmp(t1.loss, other.loss, (size_t)t1.n * sizeof(float)) != 0, "%s: seed 619 gives the same losses", name);
    printf("%s: final loss %.6e, %llu pulses; threads 1 vs 2 identical: %s, rerun identical: %s, seed 619 final loss "
           "%.6e\n",
           name, t1.loss[t1.n - 1], (unsigned long long)t1.pulses, same(&t1, &t2) ? "yes" : "NO",
           same(&t1, &again) ? "yes" : "NO", other.loss[other.n - 1]);
    xbar_lsq_result_free(&t1);
    xbar_lsq_result_free(&t2);
    xbar_lsq_result_free(&again);
    xbar_lsq_result_free(&other);
}

/* Dense COUNT updates of a 80x80 tile (> 4096 elements: the parallel loop). */
static void count_run(int threads, uint64_t seed, float *W)
{
    enum { M = 80, N = 80 };
    xbar_set_threads(threads);
    xbar_tile_config c = xbar_tile_config_defaults(M, N);
    c.device = xbar_device_defaults(XBAR_DEV_SOFT_BOUNDS);
    c.update.scheme = XBAR_SCHEME_COUNT;
    c.seed = seed;
    xbar_tile *t = xbar_tile_new(&c);
    CHECK(t != NULL, "tile: %s", xbar_last_error());
    if (!t) return;
    static float dW[M * N];
    for (uint32_t step = 0; step < 5; step++) {
        xbar_rng_normal_fill(dW, M * N, 3, xbar_stream(XBAR_RNG_USER, 9, step), 0);
        for (int k = 0; k < M * N; k++) dW[k] *= 0.01f;
        xbar_tile_apply_delta(t, dW);
    }
    xbar_tile_get_weights(t, W, N);
    xbar_tile_free(t);
    xbar_set_threads(1);
}

static void test_count_threads(void)
{
    static float a[6400], b[6400], c[6400];
    count_run(1, 5, a);
    count_run(2, 5, b);
    count_run(2, 6, c);
    CHECK(!memcmp(a, b, sizeof a), "COUNT 80x80: 1 and 2 threads differ");
    CHECK(memcmp(a, c, sizeof a) != 0, "COUNT 80x80: seed 6 gives the same weights");
}

/* Weights of every layer after three batches of the 784-256-10 net at `threads`. */
static float *train_fcn(xbar_opt_kind kind, int threads, size_t *n_out)
{
    xbar_set_threads(threads);
    xbar_layer_spec s[3];
    const size_t outs[2] = {256, 10};
    for (int k = 0; k < 2; k++) {
        xbar_layer_spec *L = &s[2 * k];
        *L = xbar_layer_defaults(XBAR_LAYER_LINEAR);
        L->out = outs[k];
        L->opt = xbar_opt_defaults(kind);
        L->tile = xbar_tile_config_defaults(1, 1);
        L->tile.device = xbar_device_defaults(XBAR_DEV_SOFT_BOUNDS);
        if (k == 0) s[1] = xbar_layer_defaults(XBAR_LAYER_SIGMOID);
    }
    xbar_net *net = xbar_net_new(s, 3, 1, 28, 28, 1);
    CHECK(net != NULL, "net: %s", xbar_last_error());
    if (!net) return NULL;
    float *X = malloc(sizeof(float) * 64 * 784), *W = malloc(sizeof(float) * (256 * 784 + 10 * 256));
    uint8_t y[64];
    xbar_rng_uniform_fill(X, 64 * 784, 3, 4, 0);
    for (int i = 0; i < 64; i++) y[i] = (uint8_t)(i % 10);
    double loss;
    for (int b = 0; b < 3; b++) CHECK(xbar_net_train_batch(net, X, y, 64, 0.05f, &loss, NULL) == XBAR_OK, "train");
    const size_t layer[2] = {0, 2}, off[2] = {0, 256 * 784};
    for (int k = 0; k < 2; k++) {
        const xbar_aw *aw = xbar_net_layer_aw(net, layer[k]);
        float *v = NULL;
        size_t n = 0;
        if (aw)
            xbar_aw_get_weights(aw, W + off[k]);
        else if (xbar_net_param(net, layer[k], XBAR_PARAM_WEIGHT, &v, NULL, &n) == XBAR_OK && v)
            memcpy(W + off[k], v, n * sizeof(float));
    }
    *n_out = 256 * 784 + 10 * 256;
    xbar_net_free(net);
    free(X);
    xbar_set_threads(1);
    return W;
}

static void test_fcn_threads(void)
{
    const xbar_opt_kind kinds[3] = {XBAR_OPT_DIGITAL, XBAR_OPT_ANALOG_SGD, XBAR_OPT_TIKI_TAKA};
    for (int k = 0; k < 3; k++) {
        size_t n1 = 0, n2 = 0;
        float *a = train_fcn(kinds[k], 1, &n1), *b = train_fcn(kinds[k], 2, &n2);
        CHECK(a && b && n1 == n2 && !memcmp(a, b, n1 * sizeof(float)),
              "FCN 784-256-10 %s: weights differ between 1 and 2 threads", xbar_opt_kind_name(kinds[k]));
        free(a);
        free(b);
    }
    printf("FCN 784-256-10, batch 64, 3 batches: digital, Analog SGD, Tiki-Taka bit-identical at 1 and 2 threads\n");
}

int main(void)
{
    test_lsq(XBAR_LSQ_ANALOG_PULSE);
    test_lsq(XBAR_LSQ_TT_PULSE);
    test_count_threads();
    test_fcn_threads();
    return xt_done("test_determinism");
}
