/* rng.c - single-thread throughput of the random-number generators, in numbers
 * per second: xbar_rng_normal_fill (Box-Muller), xbar_rng_znormal_fill
 * (ziggurat), xbar_rng_znormal4 called once per block of 4 (as the hot loops
 * do), and xbar_rng_uniform_fill. Each figure is the best of 30 timed passes
 * over a buffer of N numbers (default 256K, 1 MiB: cache-resident); the best
 * pass is the one least disturbed by other work on the machine. A timing
 * program, not a test; `xbar bench` will absorb it.
 * Build (not built by default; it sees src/core): make bench_rng   (in a build folder)
 * Run:   ./bench_rng [N] */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "internal.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

enum { NORMAL_FILL, ZNORMAL_FILL, ZNORMAL4, UNIFORM_FILL };

/* One pass: n numbers into buf, with a new counter range each pass. */
static void pass(int which, float *buf, size_t n, uint64_t counter0)
{
    switch (which) {
    case NORMAL_FILL: xbar_rng_normal_fill(buf, n, 1, 2, counter0); break;
    case ZNORMAL_FILL: xbar_rng_znormal_fill(buf, n, 1, 2, counter0); break;
    case ZNORMAL4:
        for (size_t k = 0; k + 4 <= n; k += 4) xbar_rng_znormal4(buf + k, 1, 2, counter0 + k / 4);
        break;
    default: xbar_rng_uniform_fill(buf, n, 1, 2, counter0); break;
    }
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? (size_t)atol(argv[1]) : (size_t)1 << 18;
    n &= ~(size_t)3;
    if (n == 0) return 1;
    float *buf = malloc(n * sizeof *buf);
    if (!buf) return 1;
    static const char *name[] = {"normal_fill (Box-Muller)", "znormal_fill (ziggurat)",
                                 "znormal4 per block", "uniform_fill"};
    double check = 0;
    for (int which = 0; which < 4; which++) {
        double best = 1e30;
        pass(which, buf, n, 0); /* warm up */
        for (int r = 1; r <= 30; r++) {
            double t0 = now();
            pass(which, buf, n, (uint64_t)r * n);
            double dt = now() - t0;
            if (dt < best) best = dt;
            check += buf[r % n];
        }
        printf("%-26s %8.3g numbers/s  (%.2f ns each)\n", name[which], n / best, 1e9 * best / n);
    }
    printf("(checksum %g, N = %zu)\n", check, n);
    free(buf);
    return 0;
}
