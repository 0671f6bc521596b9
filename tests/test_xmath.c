/* test_xmath.c - the float tanh of src/core/xmath.c (xbar_tanhf, xbar_tanh_fill):
 *   accuracy   at most MAX_ULP (2) ulp from the correctly rounded tanh, (float)tanh((double)x),
 *              on every 131st positive float up to +inf, and on every float of windows of
 *              2^17 floats around the boundary zones: 0 and the subnormals, the smallest
 *              normal, 2^-20, where tanh(x) stops rounding to x (2^-11.5), the polynomial's
 *              branch point 0.55, each point where the exp reduction changes k
 *              (2|x| = (k + 1/2) ln2), where tanh rounds to 1 (9.0109) and the clamp 9.5;
 *   odd        tanh(-x) = -tanh(x) bit for bit at all those points;
 *   monotone   non-decreasing along the sweep and within each window (consecutive floats);
 *   specials   +-0 keep their sign, +-inf -> +-1, NaNs -> NaN, large |x| -> +-1 (the first
 *              float giving 1 is that of the correctly rounded tanh), subnormals -> x;
 *   fill       xbar_tanh_fill equals xbar_tanhf bit for bit on all the points above and on
 *              100k random values (N(0, 2^2), random bit patterns: NaNs, infinities,
 *              subnormals) at lengths that are not multiples of 8 or 16 and unaligned starts,
 *              writes nothing past n, and gives the same bits in place (y == x). */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "util.h"
#include "xbar.h"

#define MAX_ULP 2
#define CHUNK 4096

static uint32_t bits_of(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static float float_of(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* The worst case over every run, for the summary line. */
static int64_t g_max_ulp = 0;
static float g_worst_x = 0.0f;
static long g_points = 0;

/* The floats with bit patterns lo, lo + stride, ... <= hi (non-negative, increasing): accuracy,
 * odd symmetry, monotonicity along the run, and the fill against the scalar function. */
static void check_run(const char *what, uint32_t lo, uint32_t hi, uint32_t stride)
{
    static float x[CHUNK], y[CHUNK];
    int64_t max_ulp = 0;
    float worst = 0.0f, prev = -1.0f;
    long bad_odd = 0, bad_mono = 0, bad_fill = 0;
    uint64_t u = lo;
    while (u <= hi) {
        size_t n = 0;
        for (; n < CHUNK && u <= hi; n++, u += stride) x[n] = float_of((uint32_t)u);
        xbar_tanh_fill(y, x, n);
        for (size_t i = 0; i < n; i++) {
            const float r = xbar_tanhf(x[i]), cr = (float)tanh((double)x[i]);
            int64_t d = (int64_t)bits_of(r) - (int64_t)bits_of(cr);
            d = d < 0 ? -d : d;
            if (d > max_ulp) max_ulp = d, worst = x[i];
            bad_odd += bits_of(xbar_tanhf(-x[i])) != (bits_of(r) ^ 0x80000000u);
            bad_mono += r < prev;
            bad_fill += bits_of(y[i]) != bits_of(r);
            prev = r;
        }
        g_points += (long)n;
    }
    CHECK(max_ulp <= MAX_ULP, "%s: %lld ulp from the correctly rounded tanh at x = %a", what, (long long)max_ulp,
          (double)worst);
    CHECK(bad_odd == 0, "%s: tanh(-x) != -tanh(x) at %ld points", what, bad_odd);
    CHECK(bad_mono == 0, "%s: decreases at %ld points", what, bad_mono);
    CHECK(bad_fill == 0, "%s: xbar_tanh_fill differs from xbar_tanhf at %ld points", what, bad_fill);
    if (max_ulp > g_max_ulp) g_max_ulp = max_ulp, g_worst_x = worst;
}

/* Every float within 2^16 bit patterns of c (c > 0, clipped at 0 and +inf). */
static void check_window(const char *what, float c)
{
    const uint32_t uc = bits_of(c), half = 1u << 16;
    const uint32_t lo = uc > half ? uc - half : 0, hi = uc + half < 0x7f800000u ? uc + half : 0x7f800000u;
    check_run(what, lo, hi, 1);
}

static void test_sweep_and_windows(void)
{
    /* 131: odd, so the sweep meets every residue of the mantissa's low bits */
    check_run("sweep of every 131st positive float", 0, 0x7f800000u, 131);
    check_run("0 and the smallest subnormals", 0, 1u << 17, 1);
    check_window("the smallest normal", FLT_MIN);
    check_window("2^-20", 0x1p-20f);
    check_window("2^-11.5 (tanh(x) rounds to x below)", 0x1.7137p-12f);
    check_window("the branch point 0.55", 0.55f);
    for (int k = 2; k <= 26; k++) {
        char what[64];
        snprintf(what, sizeof what, "the exp reduction's k = %d | %d", k, k + 1);
        check_window(what, (float)((k + 0.5) * log(2.0) / 2));
    }
    check_window("tanh rounds to 1 (9.0109)", 9.0109f);
    check_window("the clamp 9.5", 9.5f);
    printf("sweep and windows: %ld points, at most %lld ulp from the correctly rounded tanh (at x = %a)\n", g_points,
           (long long)g_max_ulp, (double)g_worst_x);
}

static void test_specials(void)
{
    CHECK(bits_of(xbar_tanhf(0.0f)) == 0u, "tanh(+0) = %a", (double)xbar_tanhf(0.0f));
    CHECK(bits_of(xbar_tanhf(-0.0f)) == 0x80000000u, "tanh(-0) = %a", (double)xbar_tanhf(-0.0f));
    CHECK(xbar_tanhf(INFINITY) == 1.0f, "tanh(inf) = %a", (double)xbar_tanhf(INFINITY));
    CHECK(xbar_tanhf(-INFINITY) == -1.0f, "tanh(-inf) = %a", (double)xbar_tanhf(-INFINITY));
    const uint32_t nans[] = {0x7fc00000u, 0xffc00000u, 0x7f800001u, 0xff800001u, 0x7fffffffu, 0xffffffffu};
    for (size_t i = 0; i < sizeof nans / sizeof nans[0]; i++) {
        const float r = xbar_tanhf(float_of(nans[i]));
        CHECK(isnan(r), "tanh(NaN 0x%08x) = %a", nans[i], (double)r);
    }
    const float big[] = {9.5f, 10.0f, 20.0f, 88.8f, 1e10f, 1e30f, FLT_MAX};
    for (size_t i = 0; i < sizeof big / sizeof big[0]; i++) {
        CHECK(xbar_tanhf(big[i]) == 1.0f, "tanh(%g) = %a", (double)big[i], (double)xbar_tanhf(big[i]));
        CHECK(xbar_tanhf(-big[i]) == -1.0f, "tanh(%g) = %a", (double)-big[i], (double)xbar_tanhf(-big[i]));
    }
    /* the saturation point: the first float whose correctly rounded tanh is 1 */
    const float sat = 0x1.205968p+3f, below = nextafterf(sat, 0.0f);
    CHECK((float)tanh((double)sat) == 1.0f && (float)tanh((double)below) < 1.0f, "reference saturation point moved");
    CHECK(xbar_tanhf(sat) == 1.0f, "tanh(%a) = %a", (double)sat, (double)xbar_tanhf(sat));
    CHECK(xbar_tanhf(below) == 0x1.fffffep-1f, "tanh(%a) = %a", (double)below, (double)xbar_tanhf(below));
    const float tiny[] = {FLT_TRUE_MIN, 0x1p-140f, FLT_MIN, 1e-20f, 0x1p-13f};
    for (size_t i = 0; i < sizeof tiny / sizeof tiny[0]; i++) {
        CHECK(xbar_tanhf(tiny[i]) == tiny[i], "tanh(%a) = %a", (double)tiny[i], (double)xbar_tanhf(tiny[i]));
        CHECK(xbar_tanhf(-tiny[i]) == -tiny[i], "tanh(%a) = %a", (double)-tiny[i], (double)xbar_tanhf(-tiny[i]));
    }
    CHECK(xbar_tanhf(1.0f) == (float)tanh(1.0), "tanh(1) = %a", (double)xbar_tanhf(1.0f));
}

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void test_fill(void)
{
    enum { N = 100000, PAD = 8 };
    float *x = malloc((N + PAD) * sizeof *x), *y = malloc((N + PAD) * sizeof *y), *z = malloc((N + PAD) * sizeof *z);
    if (!x || !y || !z) {
        CHECK(0, "out of memory");
        free(x), free(y), free(z);
        return;
    }
    uint64_t s = 20240611u;
    for (size_t i = 0; i < N + PAD; i++) {
        if (i % 7 == 3) { /* any bit pattern: NaNs, infinities, subnormals included */
            x[i] = float_of((uint32_t)(splitmix(&s) >> 32));
        } else { /* N(0, 2^2), Box-Muller */
            const double u1 = ((double)(splitmix(&s) >> 11) + 0.5) * 0x1p-53;
            const double u2 = (double)(splitmix(&s) >> 11) * 0x1p-53;
            x[i] = (float)(2.0 * sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
        }
    }
    const float specials[] = {0.0f, -0.0f, INFINITY, -INFINITY, NAN, -NAN, 0.55f, -0.55f, 9.5f, FLT_TRUE_MIN};
    for (size_t i = 0; i < sizeof specials / sizeof specials[0]; i++) x[100 + 37 * i] = specials[i];

    /* lengths: not multiples of 8 or 16 but the first, starts unaligned */
    const size_t starts[] = {0, 0, 3, 1, 5, 2, 7, 0, 9};
    const size_t lens[] = {N, N - 1, N - 9, 4097, 31, 17, 15, 1, 0};
    for (size_t c = 0; c < sizeof lens / sizeof lens[0]; c++) {
        const size_t o = starts[c], n = lens[c];
        const float guard = -12345.0f;
        for (size_t i = 0; i < N + PAD; i++) y[i] = guard;
        xbar_tanh_fill(y + o, x + o, n);
        long bad = 0, out = 0;
        for (size_t i = 0; i < N + PAD; i++) {
            if (i >= o && i < o + n)
                bad += bits_of(y[i]) != bits_of(xbar_tanhf(x[i]));
            else
                out += y[i] != guard;
        }
        CHECK(bad == 0, "fill of %zu at offset %zu: %ld values differ from xbar_tanhf", n, o, bad);
        CHECK(out == 0, "fill of %zu at offset %zu: %ld values written outside [0, n)", n, o, out);
        /* in place */
        memcpy(z, x, (N + PAD) * sizeof *z);
        xbar_tanh_fill(z + o, z + o, n);
        long bad_in = 0;
        for (size_t i = 0; i < N + PAD; i++)
            bad_in += bits_of(z[i]) != (i >= o && i < o + n ? bits_of(y[i]) : bits_of(x[i]));
        CHECK(bad_in == 0, "in-place fill of %zu at offset %zu: %ld values differ", n, o, bad_in);
    }
    /* NaN lanes of the vector path stay NaN, the others are in [-1, 1] */
    xbar_tanh_fill(y, x, N);
    long bad_range = 0;
    for (size_t i = 0; i < N; i++) bad_range += isnan(x[i]) ? !isnan(y[i]) : !(y[i] >= -1.0f && y[i] <= 1.0f);
    CHECK(bad_range == 0, "fill: %ld values out of range or NaN mismatch", bad_range);
    free(x), free(y), free(z);
}

int main(void)
{
    test_specials();
    test_fill();
    test_sweep_and_windows();
    return xt_done("test_xmath");
}
