/* nn_batch.c - time one training batch of the paper's MNIST FCN (784-256-128-10,
 * sigmoid, batch 10, lr 0.05), all layers Tiki-Taka on soft_bounds_ref
 * (w_max 0.7, w_min -0.7, dw_min 0.001, aihwkit default IO) vs digital.
 * Build (not built by default): make bench_nn_batch   (in a build folder)
 * Run:   ./bench_nn_batch [batches] [threads] */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "xbar.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

static double run(xbar_opt_kind kind, int batches, float *X, uint8_t *y)
{
    xbar_layer_spec s[5];
    const size_t outs[3] = {256, 128, 10};
    for (int k = 0; k < 3; k++) {
        xbar_layer_spec *L = &s[2 * k];
        *L = xbar_layer_defaults(XBAR_LAYER_LINEAR);
        L->out = outs[k];
        L->opt = xbar_opt_defaults(kind);
        L->opt.transfer_io = xbar_io_defaults();
        L->opt.transfer_io.noise_management = XBAR_NM_NONE;
        L->opt.transfer_io.bound_management = XBAR_BM_NONE;
        L->tile = xbar_tile_config_defaults(1, 1);
        L->tile.device = xbar_device_defaults(XBAR_DEV_SOFT_BOUNDS_REF);
        L->tile.device.w_max = 0.7f, L->tile.device.w_min = -0.7f, L->tile.device.dw_min = 0.001f;
        if (k < 2) s[2 * k + 1] = xbar_layer_defaults(XBAR_LAYER_SIGMOID);
    }
    xbar_net *net = xbar_net_new(s, 5, 1, 28, 28, 1);
    if (!net) {
        fprintf(stderr, "%s\n", xbar_last_error());
        exit(1);
    }
    double loss;
    xbar_net_train_batch(net, X, y, 10, 0.05f, &loss, NULL); /* warm-up: buffers */
    double t0 = now();
    for (int b = 0; b < batches; b++) xbar_net_train_batch(net, X + (b % 10) * 7840, y + (b % 10) * 10, 10, 0.05f, &loss, NULL);
    double dt = (now() - t0) / batches;
    printf("%-10s %8.3f ms/batch  (%llu pulses)\n", xbar_opt_kind_name(kind), 1e3 * dt,
           (unsigned long long)xbar_net_pulse_count(net));
    xbar_net_free(net);
    return dt;
}

int main(int argc, char **argv)
{
    int batches = argc > 1 ? atoi(argv[1]) : 200;
    xbar_set_threads(argc > 2 ? atoi(argv[2]) : 1);
    static float X[100 * 784];
    static uint8_t y[100];
    xbar_rng_uniform_fill(X, 100 * 784, 1, 2, 0);
    for (int i = 0; i < 100; i++) y[i] = (uint8_t)(i % 10);
    double a = run(XBAR_OPT_TIKI_TAKA, batches, X, y), d = run(XBAR_OPT_DIGITAL, batches, X, y);
    printf("ratio tiki_taka / digital: %.1f\n", a / d);
    return 0;
}
