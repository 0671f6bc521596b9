/* test_zero_shift.c - zero-shifting calibration, xbar_tile_zero_shift (spec successors §7.1, T10),
 * on ALD devices with symmetric point w⋄ = 0.3, tau = 1, step delta = dw_min, no noise, so that
 * every pulse is exact: e = w - w⋄ follows e' = a e + delta (up) or a e - delta (down), a = 1 -
 * delta/tau.
 *   random  over 20,000 devices from e0 = 0.5: E e_n = a^n e0 and E e_n^2 = a^(2n) e0^2 +
 *           delta^2 (1 - a^(2n)) / (1 - a^2), within 4 standard errors, for n = 10, 50, 200,
 *           and the floor delta tau / (2 - delta/tau) at n = 3,000; for two step sizes, so that
 *           the pulses to shrink the mean error by e scale as tau/delta;
 *   cyclic  up, down, ...: every device follows the recursion step for step (float rounding),
 *           and after an even count settles at -delta/(2 - delta/tau);
 *   and: the same bits at 1 and 2 threads, *pulses = n rows cols, n > 2^32 and cyclic = 2
 *   refused. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "xbar.h"

#define ROWS 100
#define COLS 200
#define ND (ROWS * COLS)

static const double SP = 0.3, E0 = 0.5, TAU = 1.0;

static xbar_tile *make(double delta)
{
    xbar_tile_config tc = xbar_tile_config_defaults(ROWS, COLS);
    tc.device = xbar_device_defaults(XBAR_DEV_ALD);
    tc.device.tau = (float)TAU, tc.device.sym_point = (float)SP, tc.device.dw_min = (float)delta;
    tc.seed = 17;
    xbar_tile *t = xbar_tile_new(&tc);
    CHECK(t != NULL, "tile: %s", xbar_last_error());
    if (!t) return NULL;
    static float w[ND];
    for (size_t k = 0; k < ND; k++) w[k] = (float)(SP + E0);
    CHECK(xbar_tile_set_weights(t, w, COLS) == XBAR_OK, "set weights: %s", xbar_last_error());
    return t;
}

/* mean and variance-of-the-mean of e and e^2 over the devices */
static void moments(xbar_tile *t, double *m1, double *se1, double *m2, double *se2)
{
    const float *w = xbar_tile_weights(t);
    double s1 = 0, s2 = 0, s3 = 0, s4 = 0;
    for (size_t k = 0; k < ND; k++) {
        const double e = (double)w[k] - SP, e2 = e * e;
        s1 += e, s2 += e2, s3 += e2, s4 += e2 * e2;
    }
    *m1 = s1 / ND, *m2 = s3 / ND;
    *se1 = sqrt(fmax(s2 / ND - *m1 * *m1, 0) / ND);
    *se2 = sqrt(fmax(s4 / ND - *m2 * *m2, 0) / ND);
}

static void random_zs(double delta)
{
    const double a = 1 - delta / TAU;
    const uint64_t ns[] = {10, 50, 200, 3000};
    for (int k = 0; k < 4; k++) {
        xbar_tile *t = make(delta);
        if (!t) return;
        uint64_t pulses = 0;
        CHECK(xbar_tile_zero_shift(t, ns[k], 0, &pulses) == XBAR_OK && pulses == ns[k] * ND, "zero_shift: %s",
              xbar_last_error());
        double m1, se1, m2, se2;
        moments(t, &m1, &se1, &m2, &se2);
        const double an = pow(a, (double)ns[k]), a2n = an * an;
        const double want1 = an * E0, want2 = a2n * E0 * E0 + delta * delta * (1 - a2n) / (1 - a * a);
        CHECK(fabs(m1 - want1) <= 4 * se1 + 1e-6, "random ZS, delta %g, n %llu: E e = %.6g, closed form %.6g (se %.2g)",
              delta, (unsigned long long)ns[k], m1, want1, se1);
        CHECK(fabs(m2 - want2) <= 4 * se2 + 1e-9, "random ZS, delta %g, n %llu: E e^2 = %.6g, closed form %.6g (se %.2g)",
              delta, (unsigned long long)ns[k], m2, want2, se2);
        if (ns[k] == 3000) {
            const double floor = delta * TAU / (2 - delta / TAU);
            CHECK(fabs(m2 - floor) <= 4 * se2, "random ZS, delta %g: floor E e^2 = %.6g, delta tau/(2 - delta/tau) = %.6g",
                  delta, m2, floor);
            printf("random ZS, delta %g: E e^2 after 3000 pulses %.4g (floor %.4g); pulses to shrink the mean error by "
                   "e: %.1f = tau/delta\n", delta, m2, floor, -1 / log(a));
        }
        xbar_tile_free(t);
    }
}

static void cyclic_zs(void)
{
    const double delta = 0.02, a = 1 - delta / TAU;
    xbar_tile *t = make(delta);
    if (!t) return;
    double e = E0, worst = 0;
    for (int p = 0; p < 400; p++) { /* 400 calls of 2 pulses: each call alternates up first, so up, down */
        CHECK(xbar_tile_zero_shift(t, 2, 1, NULL) == XBAR_OK, "cyclic zero_shift: %s", xbar_last_error());
        e = a * (a * e + delta) - delta;
        const float *w = xbar_tile_weights(t);
        for (size_t k = 0; k < ND; k += 997) worst = fmax(worst, fabs(((double)w[k] - SP) - e));
    }
    CHECK(worst <= 1e-5, "cyclic ZS departs from e' = a(a e + delta) - delta by %.3g", worst);
    const double lim = -delta / (2 - delta / TAU);
    CHECK(fabs(e - lim) <= 1e-6 && fabs((double)xbar_tile_weights(t)[0] - SP - lim) <= 1e-5,
          "cyclic ZS: e after 800 pulses %.7g, limit -delta/(2 - delta/tau) = %.7g", (double)xbar_tile_weights(t)[0] - SP,
          lim);
    xbar_tile_free(t);
}

static void threads_and_refusals(void)
{
    xbar_tile *t1 = make(0.02), *t2 = make(0.02);
    if (!t1 || !t2) return;
    xbar_set_threads(1);
    CHECK(xbar_tile_zero_shift(t1, 100, 0, NULL) == XBAR_OK, "zero_shift 1 thread");
    xbar_set_threads(2);
    CHECK(xbar_tile_zero_shift(t2, 100, 0, NULL) == XBAR_OK, "zero_shift 2 threads");
    xbar_set_threads(1);
    CHECK(!memcmp(xbar_tile_weights(t1), xbar_tile_weights(t2), ND * sizeof(float)),
          "zero_shift: 1 and 2 threads differ");
    CHECK(xbar_tile_zero_shift(t1, ((uint64_t)1 << 32) + 1, 0, NULL) == XBAR_EINVAL &&
              strstr(xbar_last_error(), "2^32"),
          "n > 2^32 accepted");
    CHECK(xbar_tile_zero_shift(t1, 1, 2, NULL) == XBAR_EINVAL && strstr(xbar_last_error(), "cyclic = 2"),
          "cyclic = 2 accepted");
    CHECK(xbar_tile_zero_shift(NULL, 1, 0, NULL) == XBAR_EINVAL, "NULL tile accepted");
    xbar_tile_free(t1), xbar_tile_free(t2);
}

int main(void)
{
    random_zs(0.02);
    random_zs(0.01);
    cyclic_zs();
    threads_and_refusals();
    return xt_done("test_zero_shift");
}
