/* test_pulse.c - the pulse schemes against the paper's update model
 * (spec paper.md §2.1-2.5): for a desired increment Δ, every scheme moves a
 * weight by Δ F(w) − |Δ| G(w) = Δ q_s(w) in expectation, to first order in
 * Δw_min.
 *   EXPECTED    exact (float rounding only);
 *   COUNT       stochastic rounding of |Δ|/g: mean over many independent draws
 *               equals the exact mixture of the two pulse counts, and the
 *               first-order model within 4 SE + the second-order term;
 *   STOCHASTIC  rank-1 bit streams: per-weight mean equals the exact
 *               expectation over cnt ~ Binomial(BL, p_x p_d), and Δ q_s(w)
 *               within 4 SE + the second-order term;
 *   IMPLICIT    deterministic count rint(lr |x d| / g), checked exactly.
 * Plus update management (BL, A, B) by hand, the COUNT cap / nearest rounding,
 * and bit-identical STOCHASTIC updates for 1 and 2 threads.
 * Devices: the ALD (tau 1, dw_min 1e-3) and the paper's exponential step
 * (EXP_PAPER, gamma 2, bounds ±0.6), both without variation or noise. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "xbar.h"

/* ------------------------------------------------------------------------ */
/* helpers                                                                  */
/* ------------------------------------------------------------------------ */

static xbar_device_params dev_ald(void)
{
    xbar_device_params p = xbar_device_ideal(XBAR_DEV_ALD);
    p.tau = 1.0f;
    p.dw_min = 1e-3f;
    return p;
}

static xbar_device_params dev_exp(void)
{
    xbar_device_params p = xbar_device_ideal(XBAR_DEV_EXP_PAPER);
    p.pow_gamma = 2.0f; /* q+(w) = 1 - exp(-2 (0.6 - w)/1.2): clearly curved */
    p.dw_min = 1e-3f;
    return p;
}

static xbar_tile *make_tile(size_t rows, size_t cols, xbar_device_params dev, xbar_scheme s, uint64_t seed)
{
    xbar_tile_config c = xbar_tile_config_defaults(rows, cols);
    c.device = dev;
    c.update.scheme = s;
    c.seed = seed;
    xbar_tile *t = xbar_tile_new(&c);
    CHECK(t != NULL, "xbar_tile_new: %s", xbar_last_error());
    if (!t) exit(1);
    return t;
}

static double ulpf(double w) { return fmax(fabs(w), 1e-3) * 1.2e-7; }

/* First-order model: w + Δ F(w) − |Δ| G(w). */
static double model_fo(const xbar_devices *d, size_t k, double w, double delta)
{
    double F, G;
    xbar_device_FG(d, k, w, &F, &G);
    return w + delta * F - fabs(delta) * G;
}

/* n noise-free single pulses, one by one through the device (reference for
 * the composition: the library uses its closed form when there is no noise). */
static double compose(const xbar_devices *d, size_t k, float w, int up, unsigned n)
{
    for (unsigned i = 0; i < n; i++) w = xbar_device_pulse(d, k, w, up, 0.0f);
    return w;
}

/* |q_s(w) q_s'(w)| for the direction of the pulses (central difference):
 * n pulses give w + nδq + n(n-1)/2 δ² q q' + O(n³δ³). */
static double qqprime(const xbar_devices *d, size_t k, double w, int up)
{
    const double h = 2e-3;
    double a, b, c, e, q0, q1;
    xbar_device_q(d, k, w - h, &a, &b);
    xbar_device_q(d, k, w + h, &c, &e);
    xbar_device_q(d, k, w, &q0, &q1);
    double dq = up ? (c - a) / (2 * h) : (e - b) / (2 * h);
    /* a down pulse moves by -δ q-, so its second-order term carries q- q-' too */
    return fabs((up ? q0 : q1) * dq);
}

/* ------------------------------------------------------------------------ */
/* EXPECTED                                                                 */
/* ------------------------------------------------------------------------ */

static void test_expected(xbar_device_params dev, const char *name, double wscale)
{
    enum { R = 4, C = 6 };
    xbar_tile *t = make_tile(R, C, dev, XBAR_SCHEME_EXPECTED, 1);
    const xbar_devices *d = xbar_tile_devices(t);
    float W0[R * C], dW[R * C], W1[R * C];
    for (int k = 0; k < R * C; k++) {
        W0[k] = (float)(wscale * (-0.8 + 1.6 * k / (R * C - 1)));
        dW[k] = (float)((k % 3 == 0 ? 1 : -1) * 0.004 * (1 + k % 5)); /* ±0.004..0.02 */
    }
    dW[7] = 0.0f;
    xbar_tile_set_weights(t, W0, C);
    CHECK(xbar_tile_apply_delta(t, dW) == XBAR_OK, "apply_delta");
    xbar_tile_get_weights(t, W1, C);
    double maxerr = 0;
    for (int k = 0; k < R * C; k++) {
        double ref = model_fo(d, (size_t)k, W0[k], dW[k]);
        maxerr = fmax(maxerr, fabs(W1[k] - ref) / ulpf(ref));
        CHECK(fabs(W1[k] - ref) <= ulpf(ref), "%s EXPECTED w0 %g dW %g: %.9g vs %.9g", name, W0[k], dW[k], W1[k], ref);
        if (dev.model == XBAR_DEV_ALD) { /* the paper's eq. 8 by hand: w + Δ - |Δ| w / tau */
            double ald = W0[k] + (double)dW[k] - fabs((double)dW[k]) * W0[k] / dev.tau;
            CHECK(fabs(W1[k] - ald) <= ulpf(ald) + 1e-7 * fabs(dW[k]), "ALD eq. 8 w0 %g dW %g: %.9g vs %.9g", W0[k], dW[k], W1[k], ald);
        }
    }
    CHECK(W1[7] == W0[7], "EXPECTED with Δ = 0 must leave w unchanged");
    printf("%s EXPECTED apply_delta: max error %.2f float ulps\n", name, maxerr);

    /* through xbar_tile_update: desired ΔW = -lr Σ_b d_b x_b^T (batch 3) */
    const float X[3 * C] = {0.9f, -0.3f, 0.5f, 0.1f, -0.7f, 0.2f, -0.4f, 0.6f, 0.05f, 0.3f, 0.2f, -0.9f,
                            0.25f, 0.25f, -0.5f, 0.8f, 0.4f, 0.1f};
    const float D[3 * R] = {0.5f, -0.2f, 0.7f, -0.9f, 0.1f, 0.4f, -0.3f, 0.6f, -0.8f, 0.2f, 0.35f, -0.15f};
    const float lr = 0.02f;
    xbar_tile_set_weights(t, W0, C);
    CHECK(xbar_tile_update(t, X, D, 3, lr) == XBAR_OK, "update");
    xbar_tile_get_weights(t, W1, C);
    for (int i = 0; i < R; i++)
        for (int j = 0; j < C; j++) {
            double g = 0;
            for (int b = 0; b < 3; b++) g += (double)D[b * R + i] * X[b * C + j];
            double delta = -(double)lr * g, ref = model_fo(d, (size_t)(i * C + j), W0[i * C + j], delta);
            double tol = ulpf(ref) + 1e-6 * fabs(delta);
            CHECK(fabs(W1[i * C + j] - ref) <= tol, "%s EXPECTED update (%d,%d): %.9g vs %.9g", name, i, j,
                  W1[i * C + j], ref);
        }

    /* a step past the bound is clipped to it */
    float big[R * C];
    memset(big, 0, sizeof big);
    float wtop = (float)(0.5 * wscale);
    float one[R * C];
    for (int k = 0; k < R * C; k++) one[k] = wtop;
    xbar_tile_set_weights(t, one, C);
    big[0] = 100.0f;
    big[1] = -100.0f;
    xbar_tile_apply_delta(t, big);
    xbar_tile_get_weights(t, W1, C);
    CHECK(W1[0] == d->b_max[0] - d->ref, "%s EXPECTED clip at the upper bound: %g", name, W1[0]);
    CHECK(W1[1] == d->b_min[1] - d->ref, "%s EXPECTED clip at the lower bound: %g", name, W1[1]);
    xbar_tile_free(t);
}

/* ------------------------------------------------------------------------ */
/* COUNT                                                                    */
/* ------------------------------------------------------------------------ */

static void test_count(xbar_device_params dev, const char *name, double wscale)
{
    enum { NCFG = 6, NREP = 4096, TRIALS = 24 };
    /* (w0, Δ) per configuration (tile row); NREP replicate columns. */
    const double w0s[NCFG] = {0.5, 0.5, -0.3, -0.3, 0.0, 0.8};
    const float deltas[NCFG] = {2.3e-3f, -2.3e-3f, 3.7e-3f, -3.7e-3f, 1.5e-3f, -4.4e-3f};
    xbar_tile *t = make_tile(NCFG, NREP, dev, XBAR_SCHEME_COUNT, 11);
    const xbar_devices *d = xbar_tile_devices(t);
    CHECK(d->granularity == dev.dw_min, "%s granularity %g != dw_min %g", name, d->granularity, dev.dw_min);
    const double g = d->granularity;
    float *W0 = malloc(sizeof(float) * NCFG * NREP), *dW = malloc(sizeof(float) * NCFG * NREP);
    float *W1 = malloc(sizeof(float) * NCFG * NREP);
    for (int r = 0; r < NCFG; r++)
        for (int j = 0; j < NREP; j++) {
            W0[r * NREP + j] = (float)(wscale * w0s[r]);
            dW[r * NREP + j] = deltas[r];
        }
    xt_stat st[NCFG];
    memset(st, 0, sizeof st);
    uint64_t pulses = 0;
    int bad = 0;
    for (int trial = 0; trial < TRIALS; trial++) {
        xbar_tile_set_weights(t, W0, NREP);
        uint64_t p0 = xbar_tile_pulse_count(t);
        bad += xbar_tile_apply_delta(t, dW) != XBAR_OK;
        pulses += xbar_tile_pulse_count(t) - p0;
        xbar_tile_get_weights(t, W1, NREP);
        for (int r = 0; r < NCFG; r++)
            for (int j = 0; j < NREP; j++) xt_stat_add(&st[r], W1[r * NREP + j]);
    }
    CHECK(bad == 0, "%s COUNT: %d failed updates", name, bad);
    double n_expect = 0;
    for (int r = 0; r < NCFG; r++) {
        const float w = W0[r * NREP];
        const int up = deltas[r] > 0;
        const double x = fabs((double)deltas[r]) / g, fl = floor(x), f = x - fl;
        n_expect += x * NREP * TRIALS;
        const double lo = compose(d, (size_t)r * NREP, w, up, (unsigned)fl);
        const double hi = compose(d, (size_t)r * NREP, w, up, (unsigned)fl + 1);
        const double exact = (1 - f) * lo + f * hi;
        const double fo = model_fo(d, (size_t)r * NREP, w, deltas[r]);
        const double se = xt_stat_se(&st[r]);
        const double round = (fl + 2) * ulpf(w);
        /* E[n(n-1)]/2 δ² |q q'|: the second-order term the first-order model omits */
        const double en2 = (1 - f) * fl * (fl - 1) + f * (fl + 1) * fl;
        const double second = 0.5 * en2 * (double)dev.dw_min * dev.dw_min * qqprime(d, (size_t)r * NREP, w, up);
        printf("%s COUNT w0 %+.3f Δ %+.4f: mean dw %+.7e exact %+.7e first-order %+.7e (SE %.1e, 2nd-order %.1e)\n",
               name, w, deltas[r], st[r].mean - w, exact - w, fo - w, se, second);
        CHECK(fabs(st[r].mean - exact) <= 4 * se + round, "%s COUNT exact mixture w0 %g Δ %g: %.9g vs %.9g (SE %.2g)",
              name, w, deltas[r], st[r].mean, exact, se);
        CHECK(fabs(st[r].mean - fo) <= 4 * se + 1.5 * second + round,
              "%s COUNT first order w0 %g Δ %g: %.9g vs %.9g (SE %.2g, 2nd %.2g)", name, w, deltas[r], st[r].mean, fo,
              se, second);
        /* the asymmetric part |Δ| G(w) is what is tested: far larger than the tolerance */
    }
    /* total pulses: E = Σ |Δ|/g; the count is a sum of independent Bernoulli fractions */
    double var_n = 0;
    for (int r = 0; r < NCFG; r++) {
        double x = fabs((double)deltas[r]) / g, f = x - floor(x);
        var_n += f * (1 - f) * NREP * TRIALS;
    }
    CHECK(fabs((double)pulses - n_expect) <= 4 * sqrt(var_n) + 1, "%s COUNT pulse total %llu vs %.1f", name,
          (unsigned long long)pulses, n_expect);
    free(W0);
    free(dW);
    free(W1);
    xbar_tile_free(t);
}

/* COUNT with round-to-nearest and a cap: exact pulse numbers. */
static void test_count_cap(void)
{
    xbar_device_params dev = dev_ald();
    xbar_tile_config c = xbar_tile_config_defaults(1, 4);
    c.device = dev;
    c.update.scheme = XBAR_SCHEME_COUNT;
    c.update.count_stochastic_round = 0;
    c.update.count_cap = 5;
    xbar_tile *t = xbar_tile_new(&c);
    CHECK(t != NULL, "tile");
    if (!t) return;
    const xbar_devices *d = xbar_tile_devices(t);
    const float W0[4] = {0.2f, -0.4f, 0.6f, 0.0f};
    const float dW[4] = {2.4e-3f, -2.6e-3f, 12.2e-3f, -0.4e-3f};
    const unsigned n[4] = {2, 3, 5 /* 12 capped */, 0};
    xbar_tile_set_weights(t, W0, 4);
    xbar_tile_apply_delta(t, dW);
    float W1[4];
    xbar_tile_get_weights(t, W1, 4);
    CHECK(xbar_tile_pulse_count(t) == 10, "COUNT nearest+cap: %llu pulses, expected 10",
          (unsigned long long)xbar_tile_pulse_count(t));
    for (int k = 0; k < 4; k++) {
        double ref = compose(d, (size_t)k, W0[k], dW[k] > 0, n[k]);
        CHECK(fabs(W1[k] - ref) <= 2 * n[k] * ulpf(ref), "COUNT nearest+cap w %d: %.9g vs %.9g (%u pulses)", k,
              W1[k], ref, n[k]);
    }
    xbar_tile_free(t);
}

/* ------------------------------------------------------------------------ */
/* STOCHASTIC (rank-1 bit streams)                                          */
/* ------------------------------------------------------------------------ */

static double binom_pmf(int n, int k, double p)
{
    return exp(lgamma(n + 1.0) - lgamma(k + 1.0) - lgamma(n - k + 1.0) + k * log(p) + (n - k) * log1p(-p));
}

static void test_stochastic(xbar_device_params dev, const char *name, double wscale, int ublm)
{
    enum { M = 3, N = 4, TRIALS = 40000 };
    const float x[N] = {0.9f, -0.45f, 0.3f, -0.7f};
    const float dd[M] = {0.8f, -0.5f, 0.35f};
    const float lr = 0.008f; /* largest desired |Δ| = 0.008*0.9*0.8 = 5.76 dw_min */
    const double w0s[M * N] = {0.5, -0.3, 0.1, -0.6, 0.7, 0.0, -0.2, 0.35, -0.45, 0.25, 0.6, -0.1};
    xbar_tile_config c = xbar_tile_config_defaults(M, N);
    c.device = dev;
    c.update.scheme = XBAR_SCHEME_STOCHASTIC;
    c.update.update_bl_management = ublm;
    c.update.update_management = 1;
    c.seed = 5;
    xbar_tile *t = xbar_tile_new(&c);
    CHECK(t != NULL, "tile: %s", xbar_last_error());
    if (!t) return;
    const xbar_devices *d = xbar_tile_devices(t);
    float W0[M * N], W1[M * N];
    for (int k = 0; k < M * N; k++) W0[k] = (float)(wscale * w0s[k]);
    xt_stat st[M * N];
    memset(st, 0, sizeof st);
    uint64_t pulses = 0;
    int bad = 0;
    for (int trial = 0; trial < TRIALS; trial++) {
        xbar_tile_set_weights(t, W0, N);
        uint64_t p0 = xbar_tile_pulse_count(t);
        bad += xbar_tile_update(t, x, dd, 1, lr) != XBAR_OK;
        pulses += xbar_tile_pulse_count(t) - p0;
        xbar_tile_get_weights(t, W1, N);
        for (int k = 0; k < M * N; k++) xt_stat_add(&st[k], W1[k]);
    }
    CHECK(bad == 0, "%s STOCHASTIC: %d failed updates", name, bad);
    /* line probabilities as the update management sets them */
    double xmax = 0, dmax = 0;
    for (int j = 0; j < N; j++) xmax = fmax(xmax, fabs(x[j]));
    for (int i = 0; i < M; i++) dmax = fmax(dmax, fabs(dd[i]));
    xbar_um um = xbar_update_management(&c.update, lr, xmax, dmax, d->granularity);
    const float A = (float)um.A, B = (float)um.B;
    printf("%s STOCHASTIC (UBLM %d): BL %d A %.6f B %.6f\n", name, ublm, um.bl, um.A, um.B);
    double n_expect = 0, worst = 0;
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            const int k = i * N + j;
            const double px = fmin(fabsf(B * x[j]), 1.0), pd = fmin(fabsf(A * dd[i]), 1.0), p = px * pd;
            const double delta = -(double)lr * dd[i] * x[j];
            const int up = delta > 0;
            /* no clipping: E[cnt] g = BL p g equals the desired |Δ| */
            CHECK(fabs(um.bl * p * d->granularity - fabs(delta)) <= 1e-6 * fabs(delta),
                  "%s E[cnt] g = %.9g vs |Δ| = %.9g", name, um.bl * p * d->granularity, fabs(delta));
            n_expect += um.bl * p * TRIALS;
            double exact = 0, en2 = 0;
            for (int n = 0; n <= um.bl; n++) {
                double pk = binom_pmf(um.bl, n, p);
                exact += pk * compose(d, (size_t)k, W0[k], up, (unsigned)n);
                en2 += pk * n * (n - 1.0);
            }
            const double fo = model_fo(d, (size_t)k, W0[k], delta);
            const double se = xt_stat_se(&st[k]), round = (um.bl + 2) * ulpf(W0[k]);
            const double second = 0.5 * en2 * (double)dev.dw_min * dev.dw_min * qqprime(d, (size_t)k, W0[k], up);
            worst = fmax(worst, fabs(st[k].mean - fo) / se);
            CHECK(fabs(st[k].mean - exact) <= 4 * se + round,
                  "%s STOCHASTIC exact (%d,%d) w0 %g Δ %g: mean %.9g vs %.9g (SE %.2g)", name, i, j, W0[k], delta,
                  st[k].mean, exact, se);
            CHECK(fabs(st[k].mean - fo) <= 4 * se + 1.5 * second + round,
                  "%s STOCHASTIC first order (%d,%d) w0 %g Δ %g: mean %.9g vs %.9g (SE %.2g, 2nd %.2g)", name, i, j,
                  W0[k], delta, st[k].mean, fo, se, second);
            if (k < 4)
                printf("%s STOCHASTIC (%d,%d) w0 %+.3f Δ %+.5f: mean dw %+.6e exact %+.6e Δq %+.6e (SE %.1e)\n", name,
                       i, j, W0[k], delta, st[k].mean - W0[k], exact - W0[k], fo - W0[k], se);
        }
    printf("%s STOCHASTIC: worst |mean - Δq_s|/SE over %d weights = %.2f\n", name, M * N, worst);
    /* pulses: a sum of Binomial(BL, p) counts; variance ≤ mean */
    CHECK(fabs((double)pulses - n_expect) <= 4 * sqrt(n_expect) + 1, "%s STOCHASTIC pulse total %llu vs %.1f", name,
          (unsigned long long)pulses, n_expect);
    xbar_tile_free(t);
}

/* ------------------------------------------------------------------------ */
/* IMPLICIT: deterministic counts rint(BL dh xh) = rint(lr |x d| / g)        */
/* ------------------------------------------------------------------------ */

static void test_implicit(xbar_device_params dev, const char *name, double wscale)
{
    enum { M = 3, N = 4 };
    const float x[N] = {0.9f, -0.45f, 0.3f, -0.7f};
    const float dd[M] = {0.86f, -0.52f, 0.37f};
    const float lr = 0.01f;
    xbar_tile *t = make_tile(M, N, dev, XBAR_SCHEME_IMPLICIT, 3);
    const xbar_devices *d = xbar_tile_devices(t);
    float W0[M * N], W1[M * N];
    for (int k = 0; k < M * N; k++) W0[k] = (float)(wscale * (-0.55 + 0.1 * k));
    xbar_tile_set_weights(t, W0, N);
    CHECK(xbar_tile_update(t, x, dd, 1, lr) == XBAR_OK, "update");
    xbar_tile_get_weights(t, W1, N);
    unsigned total = 0;
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            const int k = i * N + j;
            const double v = (double)lr * fabs((double)x[j] * dd[i]) / d->granularity;
            CHECK(fabs(v - floor(v) - 0.5) > 0.01, "test setup: count %.4f too close to a tie", v);
            const unsigned n = (unsigned)floor(v + 0.5);
            const int up = x[j] * dd[i] < 0;
            total += n;
            const double ref = compose(d, (size_t)k, W0[k], up, n);
            const double tol = (n + 2) * ulpf(ref);
            CHECK(fabs(W1[k] - ref) <= tol, "%s IMPLICIT (%d,%d): w %.9g vs %u pulses %.9g", name, i, j, W1[k], n, ref);
            /* and not one pulse more or fewer: neighbours differ by ~dw_min q */
            if (n > 0) {
                double alt = compose(d, (size_t)k, W0[k], up, n - 1);
                CHECK(fabs(W1[k] - alt) > 10 * tol, "%s IMPLICIT (%d,%d) indistinguishable from %u pulses", name, i, j,
                      n - 1);
            }
        }
    CHECK(xbar_tile_pulse_count(t) == total, "%s IMPLICIT pulse count %llu vs %u", name,
          (unsigned long long)xbar_tile_pulse_count(t), total);
    printf("%s IMPLICIT: %u pulses, all counts exact\n", name, total);
    xbar_tile_free(t);
}

/* ------------------------------------------------------------------------ */
/* update management by hand                                                */
/* ------------------------------------------------------------------------ */

static void check_um(const char *what, xbar_um um, int bl, double A, double B)
{
    CHECK(um.bl == bl, "%s: BL %d, expected %d", what, um.bl, bl);
    CHECK(fabs(um.A - A) <= 1e-6 * A, "%s: A %.9g, expected %.9g", what, um.A, A);
    CHECK(fabs(um.B - B) <= 1e-6 * B, "%s: B %.9g, expected %.9g", what, um.B, B);
}

static void test_management(void)
{
    xbar_update_params u = xbar_update_defaults();
    const double g = 1e-3;
    /* UBLM + UM, lr 0.01, max|x| 0.7, max|d| 0.5: k = lr xmax dmax / g = 3.5, BL = ceil = 4,
     * s = sqrt(lr/(g BL)) = sqrt(2.5); A = s sqrt(xmax/dmax) = sqrt(3.5), B = s sqrt(dmax/xmax) = sqrt(1.25/0.7) */
    u.update_bl_management = 1;
    u.update_management = 1;
    check_um("UBLM on", xbar_update_management(&u, 0.01, 0.7, 0.5, g), 4, 1.8708287, 1.3363062);
    /* lr 0.002, xmax 0.1, dmax 1: k = 0.2 -> BL = ceil = 1; s = sqrt(0.002/0.001) = sqrt(2);
     * A = s sqrt(0.1/1) = sqrt(0.2), B = s sqrt(1/0.1) = sqrt(20) */
    check_um("UBLM tiny k", xbar_update_management(&u, 0.002, 0.1, 1.0, g), 1, sqrt(2.0 * 0.1), sqrt(2.0 / 0.1));
    /* capped: lr 0.1, xmax = dmax = 1: k = 100 > 31 -> BL 31, d_max reduced to 31/100
     * so that B xmax = 1: A = sqrt(0.1/0.031) sqrt(1/0.31) = 100/31, B = sqrt(0.1/0.031 * 0.31) = 1 */
    check_um("UBLM capped", xbar_update_management(&u, 0.1, 1.0, 1.0, g), 31, 100.0 / 31.0, 1.0);
    /* UBLM off, UM on: BL = desired 31 (k = 3.5 <= 31); s = sqrt(0.01/0.031) */
    u.update_bl_management = 0;
    check_um("UBLM off, UM on", xbar_update_management(&u, 0.01, 0.7, 0.5, g), 31, sqrt(0.01 / 0.031 * 1.4),
             sqrt(0.01 / 0.031 / 1.4));
    /* both off: A = B = sqrt(lr/(g BL)) */
    u.update_management = 0;
    check_um("UBLM off, UM off", xbar_update_management(&u, 0.01, 0.7, 0.5, g), 31, sqrt(0.01 / 0.031),
             sqrt(0.01 / 0.031));
    /* nothing to do */
    u = xbar_update_defaults();
    CHECK(xbar_update_management(&u, 0.01, 0.0, 0.5, g).bl == 0, "max|x| = 0 must skip (BL 0)");
    CHECK(xbar_update_management(&u, 0.01, 0.7, 0.0, g).bl == 0, "max|d| = 0 must skip (BL 0)");
    /* properties: A B BL g = lr; balanced lines A dmax = B xmax (uncapped) */
    xbar_um um = xbar_update_management(&u, 0.0123, 0.83, 0.41, g);
    CHECK(fabs(um.A * um.B * um.bl * g - 0.0123) <= 1e-9, "A B BL g = lr");
    CHECK(fabs(um.A * 0.41 - um.B * 0.83) <= 1e-9, "A dmax = B xmax");
    CHECK(um.A * 0.41 <= 1 + 1e-12, "max probability <= 1");
}

/* ------------------------------------------------------------------------ */
/* threads: the same bits with 1 and 2 threads                              */
/* ------------------------------------------------------------------------ */

static void run_threads(int threads, xbar_scheme s, float *W, uint64_t *pulses)
{
    enum { M = 64, N = 128, BATCH = 16 };
    xbar_set_threads(threads);
    xbar_device_params dev = dev_ald();
    dev.dw_min_std = 0.3f; /* cycle-to-cycle noise: the c2c draws must not depend on threads */
    xbar_tile *t = make_tile(M, N, dev, s, 77);
    float *X = malloc(sizeof(float) * BATCH * N), *D = malloc(sizeof(float) * BATCH * M);
    float *dW = malloc(sizeof(float) * M * N);
    for (int step = 0; step < 3; step++) {
        xbar_rng_normal_fill(X, BATCH * N, 9, xbar_stream(XBAR_RNG_USER, 1, (uint32_t)step), 0);
        xbar_rng_normal_fill(D, BATCH * M, 9, xbar_stream(XBAR_RNG_USER, 2, (uint32_t)step), 0);
        if (s == XBAR_SCHEME_STOCHASTIC) {
            CHECK(xbar_tile_update(t, X, D, BATCH, 0.01f) == XBAR_OK, "update");
        } else {
            xbar_rng_normal_fill(dW, M * N, 9, xbar_stream(XBAR_RNG_USER, 3, (uint32_t)step), 0);
            for (int k = 0; k < M * N; k++) dW[k] *= 0.01f;
            CHECK(xbar_tile_apply_delta(t, dW) == XBAR_OK, "apply_delta");
        }
    }
    xbar_tile_get_weights(t, W, N);
    *pulses = xbar_tile_pulse_count(t);
    free(X);
    free(D);
    free(dW);
    xbar_tile_free(t);
}

static void test_threads(void)
{
    enum { M = 64, N = 128 };
    static float W1[M * N], W2[M * N];
    const xbar_scheme schemes[2] = {XBAR_SCHEME_STOCHASTIC, XBAR_SCHEME_COUNT};
    for (int s = 0; s < 2; s++) {
        uint64_t p1, p2;
        run_threads(1, schemes[s], W1, &p1);
        run_threads(2, schemes[s], W2, &p2);
        CHECK(xbar_get_threads() == 2, "xbar_get_threads");
        xbar_set_threads(1);
        CHECK(p1 > 1000, "threads test fired only %llu pulses", (unsigned long long)p1);
        CHECK(p1 == p2, "scheme %d: pulses differ with 1 / 2 threads: %llu vs %llu", (int)schemes[s],
              (unsigned long long)p1, (unsigned long long)p2);
        CHECK(memcmp(W1, W2, sizeof W1) == 0, "scheme %d: weights differ with 1 / 2 threads", (int)schemes[s]);
        printf("threads: scheme %d, 64x128 tile, %llu pulses, bit-identical for 1 and 2 threads: %s\n",
               (int)schemes[s], (unsigned long long)p1, memcmp(W1, W2, sizeof W1) == 0 ? "yes" : "NO");
    }
}

int main(void)
{
    /* response factors of the ALD (paper §2.3): q± = 1 ∓ w/tau, F = 1, G = w/tau */
    {
        xbar_tile *t = make_tile(1, 1, dev_ald(), XBAR_SCHEME_EXPECTED, 0);
        const xbar_devices *d = xbar_tile_devices(t);
        for (double w = -0.9; w < 0.95; w += 0.3) {
            double qu, qd, F, G;
            xbar_device_q(d, 0, w, &qu, &qd);
            xbar_device_FG(d, 0, w, &F, &G);
            CHECK(fabs(qu - (1 - w)) < 1e-6 && fabs(qd - (1 + w)) < 1e-6, "ALD q at %g: %g %g", w, qu, qd);
            CHECK(fabs(F - 1) < 1e-6 && fabs(G - w) < 1e-6, "ALD F, G at %g: %g %g", w, F, G);
        }
        xbar_tile_free(t);
    }
    test_expected(dev_ald(), "ALD", 1.0);
    test_expected(dev_exp(), "EXP", 0.6);
    test_count(dev_ald(), "ALD", 1.0);
    test_count(dev_exp(), "EXP", 0.6);
    test_count_cap();
    test_stochastic(dev_ald(), "ALD", 1.0, 1);
    test_stochastic(dev_exp(), "EXP", 0.6, 0);
    test_implicit(dev_ald(), "ALD", 1.0);
    test_implicit(dev_exp(), "EXP", 0.6);
    test_management();
    test_threads();
    return xt_done("test_pulse");
}
