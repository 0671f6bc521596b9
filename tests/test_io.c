/* test_io.c - the analog read (IO) pipeline of a tile (src/tile/io.c, docs/model.md (h)):
 *   noise      output / weight / input noise have the configured mean and
 *              variance (within 4 standard errors, fixed seeds), scaled by NM;
 *   grids      ADC outputs on the q_out grid, DAC inputs on the q_in grid,
 *              both clipped to their bounds (noise off, exact values);
 *   NM         scaling x by 2^k scales y by 2^k exactly; max|x| = 0 gives 0;
 *   BM         saturating inputs give the expected factor f and output, with
 *              aihwkit's limits (max_bm_res / q_in, max_bm_factor);
 *   backward   ignores bound management;
 *   perfect    exact W x; plain + w_noise / out_noise / inp_noise use the
 *              documented draw layout (xbar_rng_znormal4, kind, k = b n + e),
 *              bit for bit, at sizes that are not multiples of 4;
 *   read_col_io equals the column up to the configured noise;
 *   determinism 1, 2 and 3 threads bit-identical (odd batch), a sample's
 *              output does not depend on the other samples of the batch
 *              (re-runs included); noise-free, every row of a batch with
 *              re-runs and zero rows equals that sample read alone;
 *   checks     bad parameters rejected with a message naming the key. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "util.h"
#include "xbar.h"

/* ------------------------------------------------------------------------ */
/* helpers                                                                  */
/* ------------------------------------------------------------------------ */

/* A tile holding W (rows x cols, |w| <= 20) with forward IO fwd, backward IO bwd. */
static xbar_tile *mk_tile(size_t rows, size_t cols, const float *W, const xbar_io_params *fwd,
                          const xbar_io_params *bwd, uint64_t seed)
{
    xbar_tile_config c = xbar_tile_config_defaults(rows, cols);
    c.device = xbar_device_ideal(XBAR_DEV_CONSTANT_STEP);
    c.device.w_max = 20.0f;
    c.device.w_min = -20.0f;
    c.forward = *fwd;
    c.backward = bwd ? *bwd : *fwd;
    c.seed = seed;
    xbar_tile *t = xbar_tile_new(&c);
    CHECK(t != NULL, "xbar_tile_new: %s", xbar_last_error());
    if (!t) exit(1);
    if (W) xbar_tile_set_weights(t, W, cols);
    return t;
}

/* Noise-free IO with the default quantisation and bounds, management as given. */
static xbar_io_params io_quiet(xbar_noise_management nm, xbar_bound_management bm)
{
    xbar_io_params io = xbar_io_defaults();
    io.out_noise = 0.0f;
    io.noise_management = nm;
    io.bound_management = bm;
    return io;
}

/* Uniform(-a, a) matrix from a user stream. */
static void fill_uniform(float *x, size_t n, float a, uint32_t tag)
{
    xbar_rng_uniform_fill(x, n, 99, xbar_stream(XBAR_RNG_USER, tag, 0), 0);
    for (size_t k = 0; k < n; k++) x[k] = a * (2.0f * x[k] - 1.0f);
}

/* Mean within 4 SE of mu and unbiased variance within 4 SE (normal: var sqrt(2/(n-1))) of var. */
static void check_moments(const xt_stat *s, double mu, double var, const char *what)
{
    const double se_m = sqrt(var / s->n), se_v = var * sqrt(2.0 / (s->n - 1));
    CHECK(fabs(s->mean - mu) <= 4 * se_m, "%s: mean %.6g vs %.6g (4 SE = %.3g)", what, s->mean, mu, 4 * se_m);
    CHECK(fabs(xt_stat_var(s) - var) <= 4 * se_v, "%s: variance %.6g vs %.6g (4 SE = %.3g)", what,
          xt_stat_var(s), var, 4 * se_v);
}

/* ------------------------------------------------------------------------ */
/* noise statistics                                                         */
/* ------------------------------------------------------------------------ */

enum { NB = 20000 };

/* Forward NB copies of x through io; per output, compare mean and variance. */
static void noise_case(const char *what, const float *W, const float *x, const xbar_io_params *io,
                       const double *mu, const double *var)
{
    enum { R = 3, C = 4 };
    xbar_tile *t = mk_tile(R, C, W, io, NULL, 7);
    float *X = malloc(sizeof(float) * NB * C), *Y = malloc(sizeof(float) * NB * R);
    for (size_t b = 0; b < NB; b++) memcpy(X + b * C, x, sizeof(float) * C);
    CHECK(xbar_tile_forward(t, Y, X, NB) == XBAR_OK, "%s: forward", what);
    for (int i = 0; i < R; i++) {
        xt_stat s = {0};
        for (size_t b = 0; b < NB; b++) xt_stat_add(&s, Y[b * R + i]);
        char name[96];
        snprintf(name, sizeof name, "%s, output %d", what, i);
        check_moments(&s, mu[i], var[i], name);
    }
    free(X);
    free(Y);
    xbar_tile_free(t);
}

static void test_noise(void)
{
    /* exactly representable W and x: W x is exact in float32 */
    const float W[12] = {0.5f, -0.25f, 1.0f, 0.0f, -1.0f, 0.75f, 0.125f, 2.0f, 0.0f, 0.0f, 0.0f, 0.0f};
    const float x[4] = {1.0f, -0.5f, 0.25f, 0.5f};
    double mu[3], v[3];
    for (int i = 0; i < 3; i++) {
        mu[i] = 0;
        for (int j = 0; j < 4; j++) mu[i] += W[i * 4 + j] * x[j];
    }
    /* output noise alone (NM none, no quantisation, unbounded) */
    xbar_io_params io = xbar_io_plain();
    io.out_noise = 0.1f;
    for (int i = 0; i < 3; i++) v[i] = 0.01;
    noise_case("out_noise 0.1", W, x, &io, mu, v);
    /* NM abs-max: the noise is added to W v with v = x / max|x|, then scaled back by max|x| = 2 */
    const float x2[4] = {2.0f, -1.0f, 0.5f, 1.0f};
    io.noise_management = XBAR_NM_ABS_MAX;
    for (int i = 0; i < 3; i++) mu[i] *= 2, v[i] = 0.01 * 4;
    noise_case("out_noise 0.1 with NM (max|x| = 2)", W, x2, &io, mu, v);
    /* weight noise: std w_noise ||v||_2 = 0.05 * sqrt(1 + 0.25 + 0.0625 + 0.25) */
    io = xbar_io_plain();
    io.w_noise = 0.05f;
    for (int i = 0; i < 3; i++) mu[i] /= 2, v[i] = 0.0025 * 1.5625;
    noise_case("w_noise 0.05", W, x, &io, mu, v);
    /* input noise: std inp_noise per input, so var = inp_noise^2 sum_j W_ij^2 */
    io = xbar_io_plain();
    io.inp_noise = 0.2f;
    for (int i = 0; i < 3; i++) {
        v[i] = 0;
        for (int j = 0; j < 4; j++) v[i] += 0.04 * W[i * 4 + j] * W[i * 4 + j];
    }
    noise_case("inp_noise 0.2", W, x, &io, mu, v);
}

/* ------------------------------------------------------------------------ */
/* quantisation and bounds                                                  */
/* ------------------------------------------------------------------------ */

static void test_grids(void)
{
    enum { N = 8, B = 64 };
    float W[N * N] = {0}, X[B * N], Y[B * N];
    for (int j = 0; j < N; j++) W[j * N + j] = 1.0f; /* identity: y = DAC(x) */
    fill_uniform(X, B * N, 1.5f, 1);                 /* beyond ±inp_bound too */
    xbar_io_params io = io_quiet(XBAR_NM_NONE, XBAR_BM_NONE);
    io.out_res = 0.0f;
    io.out_bound = 0.0f;
    xbar_tile *t = mk_tile(N, N, W, &io, NULL, 1);
    CHECK(xbar_tile_forward(t, Y, X, B) == XBAR_OK, "forward");
    const float q_in = io.inp_res * (2.0f * io.inp_bound);
    int bad = 0, clipped = 0;
    for (int k = 0; k < B * N; k++) {
        float v = rintf(X[k] / q_in) * q_in;
        v = v > 1.0f ? 1.0f : (v < -1.0f ? -1.0f : v);
        bad += Y[k] != v;
        clipped += fabsf(Y[k]) == 1.0f;
    }
    CHECK(bad == 0, "DAC: %d of %d inputs off the q_in grid / bounds", bad, B * N);
    CHECK(clipped > 0, "DAC: no input was clipped (test needs some)");
    xbar_tile_free(t);

    /* ADC: random W, outputs on the q_out grid within ±out_bound (set small to clip) */
    fill_uniform(W, N * N, 1.0f, 2);
    fill_uniform(X, B * N, 1.0f, 3);
    io = io_quiet(XBAR_NM_NONE, XBAR_BM_NONE);
    io.out_bound = 1.5f;
    t = mk_tile(N, N, W, &io, NULL, 1);
    CHECK(xbar_tile_forward(t, Y, X, B) == XBAR_OK, "forward");
    const float q_out = io.out_res * (2.0f * io.out_bound);
    bad = clipped = 0;
    for (int k = 0; k < B * N; k++) {
        bad += rintf(Y[k] / q_out) * q_out != Y[k] && fabsf(Y[k]) != 1.5f;
        bad += fabsf(Y[k]) > 1.5f;
        clipped += fabsf(Y[k]) == 1.5f;
    }
    CHECK(bad == 0, "ADC: %d of %d outputs off the q_out grid or beyond the bound", bad, B * N);
    CHECK(clipped > 0, "ADC: no output was clipped (test needs some)");
    xbar_tile_free(t);
}

/* ------------------------------------------------------------------------ */
/* noise management                                                         */
/* ------------------------------------------------------------------------ */

static void test_nm(void)
{
    enum { R = 6, C = 10, B = 16 };
    float W[R * C], X[B * C], Xs[B * C], Y[B * R], Ys[B * R];
    fill_uniform(W, R * C, 0.8f, 4);
    fill_uniform(X, B * C, 1.0f, 5);
    const int k2[4] = {3, -4, 7, 1};
    for (int m = 0; m < 4; m++) {
        const float s = ldexpf(1.0f, k2[m]);
        for (int k = 0; k < B * C; k++) Xs[k] = X[k] * s;
        xbar_io_params io = io_quiet(XBAR_NM_ABS_MAX, XBAR_BM_ITERATIVE);
        xbar_tile *t = mk_tile(R, C, W, &io, NULL, 3);
        xbar_tile_forward(t, Y, X, B);
        xbar_tile_forward(t, Ys, Xs, B);
        int bad = 0;
        for (int k = 0; k < B * R; k++) bad += Ys[k] != Y[k] * s;
        CHECK(bad == 0, "NM: x * 2^%d gives %d outputs != y * 2^%d", k2[m], bad, k2[m]);
        xbar_tile_free(t);
    }
    /* max|x| = 0: exactly 0 without output noise, forward and backward (aihwkit short cut) */
    xbar_io_params io = xbar_io_defaults();
    xbar_tile *t = mk_tile(R, C, W, &io, NULL, 3);
    float Z[C];
    memset(X, 0, sizeof X);
    xbar_tile_forward(t, Y, X, 2);
    xbar_tile_backward(t, Z, X, 1);
    int nz = 0;
    for (int k = 0; k < 2 * R; k++) nz += Y[k] != 0.0f;
    for (int k = 0; k < C; k++) nz += Z[k] != 0.0f;
    CHECK(nz == 0, "NM: zero input gave %d non-zero outputs", nz);
    /* a subnormal max (1/max overflows float: the scale would be inf and 0 * inf NaN) reads as 0 */
    for (int k = 0; k < C; k++) X[k] = k % 3 ? 0.0f : 5e-40f;
    xbar_tile_forward(t, Y, X, 1);
    xbar_tile_backward(t, Z, X, 1);
    nz = 0;
    for (int k = 0; k < R; k++) nz += Y[k] != 0.0f;
    for (int k = 0; k < C; k++) nz += Z[k] != 0.0f;
    CHECK(nz == 0, "NM: a subnormal input gave %d non-zero (or NaN) outputs", nz);
    xbar_tile_free(t);
    /* ...but forward with input noise proceeds (scale 1) and is noisy */
    io.inp_noise = 0.1f;
    t = mk_tile(R, C, W, &io, NULL, 3);
    xbar_tile_forward(t, Y, X, 1);
    nz = 0;
    for (int k = 0; k < R; k++) nz += Y[k] != 0.0f;
    CHECK(nz > 0, "NM: zero input with inp_noise gave an exact 0");
    xbar_tile_free(t);
}

/* ------------------------------------------------------------------------ */
/* bound management                                                         */
/* ------------------------------------------------------------------------ */

/* One forward of x = 1 (16 inputs) on rows w0 * 1 and w1 * 1: output of row 0 and 1. */
static void bm_run(float w0, float w1, const xbar_io_params *io, float *y)
{
    enum { C = 16 };
    float W[2 * C], x[C];
    for (int j = 0; j < C; j++) W[j] = w0, W[C + j] = w1, x[j] = 1.0f;
    xbar_tile *t = mk_tile(2, C, W, io, NULL, 5);
    CHECK(xbar_tile_forward(t, y, x, 1) == XBAR_OK, "forward");
    xbar_tile_free(t);
}

static void test_bm(void)
{
    float y[2];
    /* no quantisation: W x = 64, -8; f = 8 is the first factor that fits ±12 */
    xbar_io_params io = io_quiet(XBAR_NM_ABS_MAX, XBAR_BM_ITERATIVE);
    io.inp_res = io.out_res = 0.0f;
    bm_run(4.0f, -0.5f, &io, y);
    CHECK(y[0] == 64.0f && y[1] == -8.0f, "BM: got %g %g, want 64 -8 (f = 8)", (double)y[0], (double)y[1]);
    /* a negative saturation triggers it too */
    bm_run(-4.0f, 0.5f, &io, y);
    CHECK(y[0] == -64.0f && y[1] == 8.0f, "BM negative: got %g %g, want -64 8", (double)y[0], (double)y[1]);
    /* no BM: clipped at ±12 */
    io.bound_management = XBAR_BM_NONE;
    bm_run(4.0f, -0.5f, &io, y);
    CHECK(y[0] == 12.0f && y[1] == -8.0f, "no BM: got %g %g, want 12 -8", (double)y[0], (double)y[1]);
    /* max_bm_factor 4: f = 1, 2, 4 and one more (4 <= 4), so f = 8; W x = 240 stays clipped: 12 * 8 */
    io.bound_management = XBAR_BM_ITERATIVE;
    io.max_bm_factor = 4.0f;
    bm_run(15.0f, 0.5f, &io, y);
    CHECK(y[0] == 96.0f && y[1] == 8.0f, "BM max_bm_factor 4: got %g %g, want 96 8", (double)y[0], (double)y[1]);
    /* DAC on: max_bm_res / q_in = 0.25 / (2/126) = 15.75 stops at f = 16: 12 * 16 */
    io = io_quiet(XBAR_NM_ABS_MAX, XBAR_BM_ITERATIVE);
    io.out_res = 0.0f;
    bm_run(15.0f, 0.0f, &io, y);
    CHECK(y[0] == 192.0f, "BM max_bm_res: got %g, want 192 (f = 16)", (double)y[0]);
    /* without the DAC only max_bm_factor limits: f = 32 fits (240 / 32 = 7.5) */
    io.inp_res = 0.0f;
    bm_run(15.0f, 0.0f, &io, y);
    CHECK(y[0] == 240.0f, "BM without DAC: got %g, want 240 (f = 32)", (double)y[0]);

    /* backward ignores BM: W^T d with column 0 = 4 (16 rows) clips at 12 */
    enum { R = 16 };
    float W[R * 2], d[R], z[2];
    for (int i = 0; i < R; i++) W[i * 2] = 4.0f, W[i * 2 + 1] = 0.5f, d[i] = 1.0f;
    io = io_quiet(XBAR_NM_ABS_MAX, XBAR_BM_ITERATIVE);
    io.inp_res = io.out_res = 0.0f;
    xbar_tile *t = mk_tile(R, 2, W, &io, &io, 5);
    xbar_tile_backward(t, z, d, 1);
    CHECK(z[0] == 12.0f && z[1] == 8.0f, "backward BM ignored: got %g %g, want 12 8", (double)z[0], (double)z[1]);
    xbar_tile_free(t);
}

/* ------------------------------------------------------------------------ */
/* perfect, plain, read_col_io                                              */
/* ------------------------------------------------------------------------ */

static void test_perfect_plain(void)
{
    enum { R = 5, C = 7, B = 9 };
    float W[R * C], X[B * C], Y[B * R], Yp[B * R];
    fill_uniform(W, R * C, 1.0f, 6);
    fill_uniform(X, B * C, 3.0f, 7);
    xbar_io_params io = xbar_io_defaults();
    io.perfect = 1;
    xbar_tile *t = mk_tile(R, C, W, &io, NULL, 1);
    xbar_tile_forward(t, Y, X, B);
    double err = 0;
    for (int b = 0; b < B; b++)
        for (int i = 0; i < R; i++) {
            double acc = 0;
            for (int j = 0; j < C; j++) acc += (double)W[i * C + j] * X[b * C + j];
            err = fmax(err, fabs(acc - Y[b * R + i]));
        }
    CHECK(err < 1e-5, "perfect: max |y - W x| = %g", err);
    xbar_tile_free(t);
    io = xbar_io_plain();
    t = mk_tile(R, C, W, &io, NULL, 1);
    xbar_tile_forward(t, Yp, X, B);
    CHECK(memcmp(Y, Yp, sizeof Y) == 0, "plain without noise differs from perfect");
    xbar_tile_free(t);

    /* plain + noise: y = W x + sd z, z = lane k & 3 of znormal4 block (kind << 56) | (k >> 2) of
       the read stream, k = b n + e (R = 5 outputs, B = 9 samples: blocks straddle samples) */
    for (unsigned kind = 0; kind < 2; kind++) {
        io = xbar_io_plain();
        if (kind == 0) io.w_noise = 0.03f;
        else io.out_noise = 0.07f;
        t = mk_tile(R, C, W, &io, NULL, 11);
        xbar_tile_forward(t, Y, X, B); /* read 0 */
        xbar_tile_forward(t, Y, X, B); /* read 1 */
        const uint64_t stream = xbar_stream(XBAR_RNG_READ, 0, 1);
        int bad = 0;
        float z[4];
        for (int b = 0; b < B; b++) {
            double s2 = 0;
            for (int j = 0; j < C; j++) s2 += (double)X[b * C + j] * X[b * C + j];
            const float sd = kind == 0 ? 0.03f * (float)sqrt(s2) : 0.07f;
            for (int i = 0; i < R; i++) {
                const uint64_t k = (uint64_t)b * R + i;
                xbar_rng_znormal4(z, 11, stream, ((uint64_t)kind << 56) | (k >> 2));
                bad += Y[k] != Yp[k] + sd * z[k & 3];
            }
        }
        CHECK(bad == 0, "plain + %s: %d outputs differ from the documented draws", kind ? "out_noise" : "w_noise",
              bad);
        xbar_tile_free(t);
    }
    /* input noise (kind 2, n = inputs): with W = I the output is the DAC output itself */
    enum { N = 7 };
    float I[N * N] = {0}, Xi[B * N], Yi[B * N];
    for (int j = 0; j < N; j++) I[j * N + j] = 1.0f;
    fill_uniform(Xi, B * N, 1.0f, 12);
    io = xbar_io_plain();
    io.inp_noise = 0.05f;
    t = mk_tile(N, N, I, &io, NULL, 13);
    xbar_tile_forward(t, Yi, Xi, B); /* read 0 */
    int bad = 0;
    float z[4];
    for (uint64_t k = 0; k < B * N; k++) {
        xbar_rng_znormal4(z, 13, xbar_stream(XBAR_RNG_READ, 0, 0), (2ull << 56) | (k >> 2));
        bad += Yi[k] != Xi[k] + 0.05f * z[k & 3];
    }
    CHECK(bad == 0, "plain + inp_noise: %d outputs differ from the documented draws", bad);
    xbar_tile_free(t);
}

static void test_read_col(void)
{
    enum { R = 6, C = 5, N = 4000 };
    float W[R * C], y[R];
    fill_uniform(W, R * C, 0.9f, 8);
    xbar_io_params plain = xbar_io_plain();
    xbar_tile *t = mk_tile(R, C, W, &plain, NULL, 2);
    /* plain: the exact column */
    CHECK(xbar_tile_read_col_io(t, y, 3, &plain) == XBAR_OK, "read_col_io");
    int bad = 0;
    for (int i = 0; i < R; i++) bad += y[i] != W[i * C + 3];
    CHECK(bad == 0, "read_col_io plain: %d entries differ from the column", bad);
    /* NM, BM off, noise 0.02, no quantisation: mean = column, std = 0.02 */
    xbar_io_params io = xbar_io_defaults();
    io.noise_management = XBAR_NM_NONE;
    io.bound_management = XBAR_BM_NONE;
    io.inp_res = io.out_res = 0.0f;
    io.out_noise = 0.02f;
    xt_stat s[R] = {{0}};
    for (int n = 0; n < N; n++) {
        xbar_tile_read_col_io(t, y, 1, &io);
        for (int i = 0; i < R; i++) xt_stat_add(&s[i], y[i]);
    }
    for (int i = 0; i < R; i++) check_moments(&s[i], W[i * C + 1], 0.0004, "read_col_io noisy");
    /* noise 0 with quantisation: within half an ADC step of the column */
    io = io_quiet(XBAR_NM_NONE, XBAR_BM_NONE);
    xbar_tile_read_col_io(t, y, 2, &io);
    const float q_out = io.out_res * 2.0f * io.out_bound;
    for (int i = 0; i < R; i++)
        CHECK_NEAR(y[i], W[i * C + 2], 0.5 * q_out + 1e-6, "read_col_io quantised");
    CHECK(xbar_tile_read_col_io(t, y, C, &io) == XBAR_EINVAL, "read_col_io: column out of range accepted");
    io.out_noise = -1.0f;
    CHECK(xbar_tile_read_col_io(t, y, 0, &io) == XBAR_EINVAL && strstr(xbar_last_error(), "out_noise"),
          "read_col_io: bad io accepted (%s)", xbar_last_error());
    xbar_tile_free(t);
}

/* ------------------------------------------------------------------------ */
/* determinism                                                              */
/* ------------------------------------------------------------------------ */

/* > 65536 elements: the parallel loops (io.c runs them in parallel where 2 threads - 1 <= cores,
 * so only on machines with 3+ cores); odd batch */
enum { DR = 96, DC = 96, DB = 801 };

/* Default IO (noise, NM, BM) forward + backward of a batch that partly saturates. */
static void det_run(int threads, const float *W, const float *X, float *Y, float *Z)
{
    xbar_set_threads(threads);
    xbar_io_params io = xbar_io_defaults();
    xbar_tile *t = mk_tile(DR, DC, W, &io, &io, 21);
    xbar_tile_forward(t, Y, X, DB);
    xbar_tile_backward(t, Z, Y, DB);
    xbar_tile_free(t);
    xbar_set_threads(1);
}

static void test_determinism(void)
{
    float *W = malloc(sizeof(float) * DR * DC), *X = malloc(sizeof(float) * DB * DC);
    float *Y1 = malloc(sizeof(float) * DB * DR), *Y2 = malloc(sizeof(float) * DB * DR);
    float *Z1 = malloc(sizeof(float) * DB * DC), *Z2 = malloc(sizeof(float) * DB * DC);
    fill_uniform(W, DR * DC, 0.5f, 9);
    fill_uniform(X, DB * DC, 1.0f, 10);
    for (int b = 0; b < DB; b += 3)
        for (int j = 0; j < DC; j++) X[b * DC + j] = W[(b % DR) * DC + j] > 0 ? 1.0f : -1.0f; /* saturates */
    det_run(1, W, X, Y1, Z1);
    for (int threads = 2; threads <= 3; threads++) {
        det_run(threads, W, X, Y2, Z2);
        CHECK(memcmp(Y1, Y2, sizeof(float) * DB * DR) == 0, "forward differs for 1 and %d threads", threads);
        CHECK(memcmp(Z1, Z2, sizeof(float) * DB * DC) == 0, "backward differs for 1 and %d threads", threads);
    }
    int big = 0;
    for (int k = 0; k < DB * DR; k++) big += fabsf(Y1[k]) > 12.0f;
    CHECK(big > 0, "determinism: no output beyond 12 (bound management not exercised)");
    /* sample 1 alone in a batch whose other samples all differ (and re-run): same bits */
    memcpy(Y2, Y1, sizeof(float) * DB * DR);
    for (int b = 0; b < DB; b++)
        if (b != 1)
            for (int j = 0; j < DC; j++) X[b * DC + j] = W[j] > 0 ? 1.0f : -1.0f;
    det_run(1, W, X, Y1, Z1);
    CHECK(memcmp(Y1 + DR, Y2 + DR, sizeof(float) * DR) == 0, "sample 1 depends on the other samples");
    free(W), free(X), free(Y1), free(Y2), free(Z1), free(Z2);
}

/* Noise-free default quantisation, NM and BM, but no DAC rounding: W and x are
 * dyadic, so every W v is exact and the summation order of the product (a batch
 * sgemm, a single-sample one, a re-run GEMV) cannot matter. A batch of odd size
 * mixing re-runs at different factors, zero rows and ordinary rows must give,
 * row by row, what each sample gives read alone. */
static void test_bm_alone(void)
{
    enum { R = 7, C = 11, B = 13 };
    float W[R * C], X[B * C], Y[B * R], y1[R];
    for (int k = 0; k < R * C; k++) W[k] = (float)((k * 37) % 17 - 8) / 8.0f; /* in [-1, 1], steps 1/8 */
    for (int b = 0; b < B; b++)
        for (int j = 0; j < C; j++) {
            const int kind = b % 4; /* 0 ordinary, 1 saturating, 2 zero, 3 strongly saturating */
            float x = (float)((b * 5 + j * 3) % 9 - 4) / 4.0f;
            if (kind == 1) x = W[(b % R) * C + j] >= 0 ? 1.0f : -1.0f;
            if (kind == 2) x = 0.0f;
            if (kind == 3) x = W[(b % R) * C + j] >= 0 ? 0.5f : -0.5f;
            X[b * C + j] = x;
        }
    xbar_io_params io = io_quiet(XBAR_NM_ABS_MAX, XBAR_BM_ITERATIVE);
    io.inp_res = 0.0f;
    io.out_bound = 1.5f; /* rows of |W x| up to 11 re-run up to f = 8 */
    xbar_tile *t = mk_tile(R, C, W, &io, NULL, 17);
    CHECK(xbar_tile_forward(t, Y, X, B) == XBAR_OK, "forward");
    int bad = 0, big = 0;
    for (int b = 0; b < B; b++) {
        xbar_tile_forward(t, y1, X + b * C, 1);
        bad += memcmp(y1, Y + b * R, sizeof y1) != 0;
        for (int i = 0; i < R; i++) big += fabsf(Y[b * R + i]) > 1.5f;
    }
    CHECK(bad == 0, "BM: %d of %d rows differ from the sample read alone", bad, B);
    CHECK(big > 0, "BM alone: no output beyond out_bound (re-runs not exercised)");
    xbar_tile_free(t);
}

/* ------------------------------------------------------------------------ */
/* parameter checks                                                         */
/* ------------------------------------------------------------------------ */

static void expect_bad(const xbar_tile_config *c, const char *key)
{
    const char *why = xbar_tile_config_check(c);
    CHECK(why && strstr(why, key), "config check: want a message naming %s, got %s", key, why ? why : "NULL");
    xbar_tile *t = xbar_tile_new(c);
    CHECK(!t && strstr(xbar_last_error(), key), "tile_new accepted bad %s (%s)", key, xbar_last_error());
    xbar_tile_free(t);
}

static void test_checks(void)
{
    const xbar_io_params d = xbar_io_defaults(), p = xbar_io_plain();
    CHECK(d.inp_bound == 1.0f && d.inp_res == (float)(1.0 / 126) && d.out_bound == 12.0f &&
              d.out_res == (float)(1.0 / 510) && d.out_noise == 0.06f && d.w_noise == 0.0f && d.inp_noise == 0.0f &&
              d.noise_management == XBAR_NM_ABS_MAX && d.bound_management == XBAR_BM_ITERATIVE &&
              d.max_bm_factor == 1000.0f && d.max_bm_res == 0.25f && d.perfect == 0,
          "xbar_io_defaults: not aihwkit's");
    CHECK(p.inp_res == 0 && p.out_res == 0 && p.inp_bound == 0 && p.out_bound == 0 && p.out_noise == 0 &&
              p.noise_management == XBAR_NM_NONE && p.bound_management == XBAR_BM_NONE && !p.perfect,
          "xbar_io_plain: not plain");
    CHECK(xbar_io_check(&d, "forward") == NULL && xbar_io_check(&p, "forward") == NULL, "defaults rejected");
    const char *why;
    xbar_io_params io = d;
    io.out_noise = -1.0f;
    why = xbar_io_check(&io, "forward");
    CHECK(why && strcmp(why, "forward.out_noise = -1: must be >= 0") == 0, "message: %s", why ? why : "NULL");
    xbar_tile_config c = xbar_tile_config_defaults(2, 2);
    c.forward.out_noise = -1.0f;
    expect_bad(&c, "forward.out_noise");
    c = xbar_tile_config_defaults(2, 2);
    c.backward.inp_res = 2.0f;
    expect_bad(&c, "backward.inp_res");
    c = xbar_tile_config_defaults(2, 2);
    c.forward.w_noise = NAN;
    expect_bad(&c, "forward.w_noise");
    c = xbar_tile_config_defaults(2, 2);
    c.forward.out_bound = INFINITY;
    expect_bad(&c, "forward.out_bound");
    c = xbar_tile_config_defaults(2, 2);
    c.backward.noise_management = (xbar_noise_management)5;
    expect_bad(&c, "backward.noise_management");
    c = xbar_tile_config_defaults(2, 2);
    c.forward.bound_management = (xbar_bound_management)-1;
    expect_bad(&c, "forward.bound_management");
    c = xbar_tile_config_defaults(2, 2);
    c.forward.max_bm_factor = 0.5f;
    expect_bad(&c, "forward.max_bm_factor");
    c = xbar_tile_config_defaults(2, 2);
    c.backward.perfect = 2;
    expect_bad(&c, "backward.perfect");
}

int main(void)
{
    test_noise();
    test_grids();
    test_nm();
    test_bm();
    test_perfect_plain();
    test_read_col();
    test_determinism();
    test_bm_alone();
    test_checks();
    return xt_done("test_io");
}
