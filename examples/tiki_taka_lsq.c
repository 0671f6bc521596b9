/*
 * tiki_taka_lsq.c - a crossbar tile trained with Tiki-Taka on a small least-squares problem,
 * through libxbar's public API (xbar.h) alone; Analog SGD on the same tile beside it.
 *
 * Problem: find W (8 x 32) from samples (x, y), x ~ N(0, I), y = W* x + 0.1 n, n ~ N(0, I),
 * minimising the mean squared error 1/2 ||W x - y||^2 by mini-batch steps of 8 samples: the
 * tile reads y' = W x (exact reads) and is updated with the gradient's factors X and D = y' - y
 * (xbar_aw_update: W moves by -lr * D^T X in expectation, as pulses). The devices are the
 * paper's asymmetric linear device (ALD, tau = 1, dw_min = 0.001): each pulse's step shrinks
 * as the weight approaches the bound it moves towards, so Analog SGD drifts towards the
 * devices' symmetric point and stalls away from W*, while Tiki-Taka (a fast tile A that takes
 * the gradient, transferred column by column into the slow tile C) keeps converging.
 *
 * Prints every 250 steps: the step and, for each optimizer, the weight error
 * ||W - W*||_F^2 / ||W*||_F^2 (1 at W = 0). Exit code 0 if Tiki-Taka's error fell
 * below a tenth of its start, 1 otherwise or on a library error (the message of
 * xbar_last_error on stderr). Deterministic: the same numbers on every run.
 *
 * Build (docs/install.md):  cc tiki_taka_lsq.c $(pkg-config --cflags --libs xbar) -o tiki_taka_lsq
 */
#include <stdio.h>
#include <stdlib.h>

#include <xbar.h>

enum { ROWS = 8, COLS = 32, BATCH = 8, STEPS = 2000, EVERY = 250 };

/* The tile and optimizer settings, as `xbar lsq --set` would take them (xbar_aw_new_kv). */
static const char *const tile_keys[] = {
    "device.model=ald",         "device.tau=1",        "device.dw_min=0.001", /* the asymmetric linear device */
    "update.scheme=stochastic", "update.desired_bl=100",                      /* aihwkit's pulse trains */
    "forward.perfect=true",     "backward.perfect=true",                      /* exact reads */
    "tile.seed=7",
};
static const char *const tt_keys[] = {
    "optimizer.kind=tiki_taka",   "optimizer.fast_lr=0.1",        /* A learns at rate 0.1 */
    "optimizer.transfer_every=1", "optimizer.transfer_columns=1", /* one column of A into C per step */
    "transfer.scheme=stochastic", "transfer.desired_bl=100",      /* the transfer's pulse trains */
};

/* Analog SGD or Tiki-Taka on a ROWS x COLS tile; NULL (message on stderr) on error. */
static xbar_aw *make(int tiki_taka)
{
    const char *keys[sizeof tile_keys / sizeof *tile_keys + sizeof tt_keys / sizeof *tt_keys];
    size_t n = 0;
    for (size_t i = 0; i < sizeof tile_keys / sizeof *tile_keys; i++) keys[n++] = tile_keys[i];
    for (size_t i = 0; tiki_taka && i < sizeof tt_keys / sizeof *tt_keys; i++) keys[n++] = tt_keys[i];
    xbar_aw *a = xbar_aw_new_kv(ROWS, COLS, keys, n);
    if (!a) fprintf(stderr, "tiki_taka_lsq: %s\n", xbar_last_error());
    return a;
}

/* ||W - W*||^2 / ||W*||^2 */
static double weight_error(const xbar_aw *a, const float *w_star)
{
    float w[ROWS * COLS];
    if (xbar_aw_get_weights(a, w)) return -1;
    double e = 0, s = 0;
    for (int k = 0; k < ROWS * COLS; k++) e += (double)(w[k] - w_star[k]) * (w[k] - w_star[k]);
    for (int k = 0; k < ROWS * COLS; k++) s += (double)w_star[k] * w_star[k];
    return e / s;
}

/* One step of mini-batch least squares on a: D = W X - Y, then the pulsed update. */
static int step(xbar_aw *a, const float *x, const float *y, float lr)
{
    float d[BATCH * ROWS];
    if (xbar_aw_forward(a, d, x, BATCH)) return -1;
    for (int k = 0; k < BATCH * ROWS; k++) d[k] -= y[k];
    return xbar_aw_update(a, x, d, BATCH, lr) ? -1 : 0;
}

int main(void)
{
    /* W* = 0.3 N(0, 1), from the library's counter-based generator (stream purpose >= 128: the caller's) */
    float w_star[ROWS * COLS], x[BATCH * COLS], y[BATCH * ROWS], noise[BATCH * ROWS];
    const uint64_t seed = 2024;
    xbar_rng_normal_fill(w_star, ROWS * COLS, seed, xbar_stream(XBAR_RNG_USER, 0, 0), 0);
    for (int k = 0; k < ROWS * COLS; k++) w_star[k] *= 0.3f;

    xbar_aw *tt = make(1), *sgd = make(0);
    int rc = tt && sgd ? 0 : 1;
    const float lr = 0.1f; /* Analog SGD's rate; Tiki-Taka's transfer rate (A uses fast_lr) */
    double first = weight_error(tt, w_star), last = first;
    printf("%6s %12s %12s   (weight error ||W - W*||^2 / ||W*||^2)\n", "step", "tiki_taka", "analog_sgd");
    for (int s = 0; !rc && s <= STEPS; s++) {
        if (s % EVERY == 0) {
            last = weight_error(tt, w_star);
            printf("%6d %12.6f %12.6f\n", s, last, weight_error(sgd, w_star));
        }
        if (s == STEPS) break;
        /* the batch of step s: x ~ N(0, I), y = W* x + 0.1 n */
        xbar_rng_normal_fill(x, BATCH * COLS, seed, xbar_stream(XBAR_RNG_USER + 1, 0, (uint32_t)s), 0);
        xbar_rng_normal_fill(noise, BATCH * ROWS, seed, xbar_stream(XBAR_RNG_USER + 2, 0, (uint32_t)s), 0);
        for (int b = 0; b < BATCH; b++)
            for (int i = 0; i < ROWS; i++) {
                double v = 0.1 * noise[b * ROWS + i];
                for (int j = 0; j < COLS; j++) v += (double)w_star[i * COLS + j] * x[b * COLS + j];
                y[b * ROWS + i] = (float)v;
            }
        if (step(tt, x, y, lr) || step(sgd, x, y, lr)) {
            fprintf(stderr, "tiki_taka_lsq: step %d: %s\n", s, xbar_last_error());
            rc = 1;
        }
    }
    if (!rc) {
        printf("tiki_taka: weight error %.6f -> %.6f, %llu pulses\n", first, last,
               (unsigned long long)xbar_aw_pulse_count(tt));
        if (!(last < 0.1 * first)) rc = 1;
    }
    xbar_aw_free(tt);
    xbar_aw_free(sgd);
    return rc;
}
