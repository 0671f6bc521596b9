/* test_determinism.c - results are a pure function of the seeds: the pulse-
 * level least-squares curves (Analog SGD and Tiki-Taka with per-sample
 * stochastic pulse trains, c2c noise, device-to-device variation and noisy
 * reads) are bit-identical for 1 and 2 threads and on a rerun, and change
 * with the seed. A dense COUNT update of a tile large enough for the
 * parallel loop is checked the same way. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exp_lsq.h"
#include "util.h"
#include "xbar.h"

static lsq_setup small_setup(uint64_t seed)
{
    lsq_setup s = lsq_setup_defaults();
    s.problem = LSQ_PROBLEM_LSQ;
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

static lsq_result run(lsq_kind kind, int threads, uint64_t seed)
{
    xbar_set_threads(threads);
    lsq_setup s = small_setup(seed);
    lsq_result r;
    xbar_status st = lsq_run(&s, kind, &r);
    CHECK(st == XBAR_OK, "lsq_run %s: %s", lsq_kind_name(kind), xbar_last_error());
    xbar_set_threads(1);
    return r;
}

static int same(const lsq_result *a, const lsq_result *b)
{
    size_t n = (size_t)a->n * sizeof(float);
    return a->n == b->n && a->pulses == b->pulses && !memcmp(a->loss, b->loss, n) && !memcmp(a->grad2, b->grad2, n) &&
           !memcmp(a->winf, b->winf, n) && !memcmp(a->pinf, b->pinf, n);
}

static void test_lsq(lsq_kind kind)
{
    const char *name = lsq_kind_name(kind);
    lsq_result t1 = run(kind, 1, 618), t2 = run(kind, 2, 618), again = run(kind, 1, 618), other = run(kind, 2, 619);
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
    lsq_result_free(&t1);
    lsq_result_free(&t2);
    lsq_result_free(&again);
    lsq_result_free(&other);
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

int main(void)
{
    test_lsq(LSQ_ANALOG_PULSE);
    test_lsq(LSQ_TT_PULSE);
    test_count_threads();
    return xt_done("test_determinism");
}
