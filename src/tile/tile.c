/* tile.c - crossbar tile: weights + per-device arrays, set/get with clipping,
 * forward / backward reads and column reads (through the IO pipeline of
 * io.c), updates. The pulse schemes live in pulse.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tile_internal.h"

xbar_update_params xbar_update_defaults(void)
{
    xbar_update_params u = {.scheme = XBAR_SCHEME_STOCHASTIC,
                            .desired_bl = 31,
                            .update_bl_management = 1,
                            .update_management = 1,
                            .count_cap = 0,
                            .count_stochastic_round = 1,
                            .compose_pulses = 1};
    return u;
}

xbar_tile_config xbar_tile_config_defaults(size_t rows, size_t cols)
{
    xbar_tile_config c = {.rows = rows,
                          .cols = cols,
                          .device = xbar_device_defaults(XBAR_DEV_ALD),
                          .update = xbar_update_defaults(),
                          .forward = xbar_io_defaults(),
                          .backward = xbar_io_defaults(),
                          .seed = 0,
                          .id = 0};
    return c;
}

const char *xbar_tile_config_check(const xbar_tile_config *c)
{
    if (!c) return "tile config: NULL";
    if (c->rows == 0 || c->cols == 0) return xbar_msg("tile size %zux%zu: must be positive", c->rows, c->cols);
    if (c->rows > SIZE_MAX / 64 / c->cols)
        return xbar_msg("tile size %zux%zu: too large to address", c->rows, c->cols);
    const char *why = xbar_device_check(&c->device);
    if (why) return why;
    const xbar_update_params *u = &c->update;
    if ((unsigned)u->scheme > XBAR_SCHEME_IMPLICIT) return xbar_msg("update.scheme = %d: unknown", (int)u->scheme);
    if (u->desired_bl < 1) return xbar_msg("update.desired_bl = %d: must be >= 1", u->desired_bl);
    if (u->count_cap < 0) return xbar_msg("update.count_cap = %d: must be >= 0", u->count_cap);
    why = xbar_io_check(&c->forward, "forward");
    return why ? why : xbar_io_check(&c->backward, "backward");
}

xbar_tile *xbar_tile_new(const xbar_tile_config *c)
{
    const char *why = xbar_tile_config_check(c);
    if (why) return xbar_fail_null(XBAR_EINVAL, "%s", why);
    xbar_tile *t = calloc(1, sizeof *t);
    if (!t) return xbar_fail_null(XBAR_ENOMEM, "tile: out of memory");
    t->c = *c;
    size_t n = c->rows * c->cols;
    t->w = calloc(n, sizeof(float));
    if (!t->w) {
        xbar_tile_free(t);
        return xbar_fail_null(XBAR_ENOMEM, "tile %zux%zu: out of memory for its weights", c->rows, c->cols);
    }
    if (xbar_devices_init_unchecked(&t->dev, &c->device, n, c->id) != XBAR_OK) { /* c checked above */
        xbar_tile_free(t);
        return NULL;
    }
    for (size_t k = 0; k < n; k++) t->w[k] = xbar_device_clip_unchecked(&t->dev, k, 0.0f);
    return t;
}

/* Mirrors xbar_tile_new and the scheme's first update: the object, the weights, the six
 * per-device float arrays of xbar_devices (b_max, b_min, s_up, s_dn, a_up, a_dn; one block,
 * xbar_devices_init) and, for a dense scheme, the increment scratch (rows*cols floats). */
size_t xbar_tile_memory_bytes(const xbar_tile_config *c)
{
    XBAR_NONNULL_OR(0, c);
    if (c->rows && c->cols && c->rows > SIZE_MAX / 64 / c->cols) return SIZE_MAX;
    const size_t n = c->rows * c->cols;
    const int dense = c->update.scheme == XBAR_SCHEME_EXPECTED || c->update.scheme == XBAR_SCHEME_COUNT;
    return sizeof(xbar_tile) + n * sizeof(float) + 6 * n * sizeof(float) + (dense ? n * sizeof(float) : 0);
}

void xbar_tile_free(xbar_tile *t)
{
    if (!t) return;
    xbar_devices_free(&t->dev);
    xbar_io_work_free(&t->io);
    free(t->w);
    free(t->scratch);
    free(t->bits);
    free(t->px);
    free(t->bl);
    free(t->act);
    free(t->nact);
    free(t->xsign);
    free(t->rmask);
    free(t->smask);
    free(t->rw);
    free(t->rw_mem);
    free(t);
}

const xbar_tile_config *xbar_tile_get_config(const xbar_tile *t)
{
    XBAR_NONNULL_OR(NULL, t);
    return &t->c;
}

const xbar_devices *xbar_tile_devices(const xbar_tile *t)
{
    XBAR_NONNULL_OR(NULL, t);
    return &t->dev;
}

float *xbar_tile_weights(xbar_tile *t)
{
    XBAR_NONNULL_OR(NULL, t);
    return t->w;
}

uint64_t xbar_tile_pulse_count(const xbar_tile *t) { return t ? t->n_pulses : 0; }
uint64_t xbar_tile_update_count(const xbar_tile *t) { return t ? t->n_updates : 0; }

/* XBAR_EINVAL unless ldw >= cols (a row-major matrix with rows of ldw floats). */
static xbar_status check_ld(const xbar_tile *t, size_t ldw, const char *fn)
{
    if (ldw >= t->c.cols) return XBAR_OK;
    return xbar_fail(XBAR_EINVAL, "%s: ldw = %zu: must be >= cols = %zu", fn, ldw, t->c.cols);
}

void xbar_tile_set_weights_unchecked(xbar_tile *t, const float *W, size_t ldw)
{
    for (size_t i = 0; i < t->c.rows; i++)
        for (size_t j = 0; j < t->c.cols; j++) {
            size_t k = i * t->c.cols + j;
            t->w[k] = xbar_device_clip_unchecked(&t->dev, k, W[i * ldw + j]);
        }
}

xbar_status xbar_tile_set_weights(xbar_tile *t, const float *W, size_t ldw)
{
    XBAR_NONNULL(t);
    XBAR_NONNULL(W);
    xbar_status s = check_ld(t, ldw, __func__);
    if (s) return s;
    for (size_t i = 0; i < t->c.rows; i++) {
        const size_t j = xbar_first_nonfinite(W + i * ldw, t->c.cols);
        if (j < t->c.cols)
            return xbar_fail(XBAR_EINVAL, "%s: W row %zu column %zu = %g: must be finite", __func__, i, j,
                             (double)W[i * ldw + j]);
    }
    xbar_tile_set_weights_unchecked(t, W, ldw);
    return XBAR_OK;
}

xbar_status xbar_tile_get_weights(const xbar_tile *t, float *W, size_t ldw)
{
    XBAR_NONNULL(t);
    XBAR_NONNULL(W);
    xbar_status s = check_ld(t, ldw, __func__);
    if (s) return s;
    for (size_t i = 0; i < t->c.rows; i++) memcpy(W + i * ldw, t->w + i * t->c.cols, t->c.cols * sizeof(float));
    return XBAR_OK;
}

/* The tile's scratch with room for n floats (NULL and an error when out of memory). */
static float *scratch(xbar_tile *t, size_t n)
{
    if (n > t->scratch_cap) {
        float *p = realloc(t->scratch, n * sizeof(float));
        if (!p) return xbar_fail_null(XBAR_ENOMEM, "tile %zux%zu: no memory for %zu scratch floats", t->c.rows,
                                      t->c.cols, n);
        t->scratch = p;
        t->scratch_cap = n;
    }
    return t->scratch;
}

/* ---- reads --------------------------------------------------------------- */

/* One read of W (backward: W^T) through `io`; counts the read (its RNG stream index). */
static xbar_status tile_read(xbar_tile *t, const xbar_io_params *io, int backward, float *out, const float *in,
                             size_t batch, size_t onehot)
{
    const xbar_io_read r = {.w = t->w,
                            .rows = t->c.rows,
                            .cols = t->c.cols,
                            .backward = backward,
                            .seed = t->c.seed,
                            .stream = xbar_stream(XBAR_RNG_READ, t->c.id, (uint32_t)t->n_reads),
                            .onehot = onehot};
    xbar_status s = xbar_io_mvm(&t->io, &r, io, out, in, batch);
    t->n_reads++;
    return s;
}

/* XBAR_EINVAL if batch samples of rows + cols floats cannot be addressed. */
static xbar_status check_batch(const xbar_tile *t, size_t batch, const char *fn)
{
    if (batch <= SIZE_MAX / 64 / (t->c.rows + t->c.cols)) return XBAR_OK;
    return xbar_fail(XBAR_EINVAL, "%s: batch %zu: too large for a %zux%zu tile", fn, batch, t->c.rows, t->c.cols);
}

xbar_status xbar_tile_forward(xbar_tile *t, float *Y, const float *X, size_t batch)
{
    XBAR_NONNULL(t);
    XBAR_NONNULL(Y);
    XBAR_NONNULL(X);
    xbar_status s = check_batch(t, batch, __func__);
    return s ? s : tile_read(t, &t->c.forward, 0, Y, X, batch, SIZE_MAX);
}

xbar_status xbar_tile_backward(xbar_tile *t, float *Z, const float *D, size_t batch)
{
    XBAR_NONNULL(t);
    XBAR_NONNULL(Z);
    XBAR_NONNULL(D);
    xbar_status s = check_batch(t, batch, __func__);
    return s ? s : tile_read(t, &t->c.backward, 1, Z, D, batch, SIZE_MAX);
}

xbar_status xbar_tile_read_col(xbar_tile *t, float *y, size_t j, float read_noise)
{
    XBAR_NONNULL(t);
    XBAR_NONNULL(y);
    if (j >= t->c.cols) return xbar_fail(XBAR_EINVAL, "read_col: column %zu >= %zu", j, t->c.cols);
    if (!(read_noise >= 0.0f) || !isfinite(read_noise))
        return xbar_fail(XBAR_EINVAL, "read_col: read_noise = %g: must be finite and >= 0", (double)read_noise);
    const size_t m = t->c.rows, n = t->c.cols;
    for (size_t i = 0; i < m; i++) y[i] = t->w[i * n + j];
    if (read_noise > 0.0f) {
        uint64_t stream = xbar_stream(XBAR_RNG_READ, t->c.id, (uint32_t)t->n_reads);
        float z[4];
        for (size_t i = 0; i < m; i++) {
            if ((i & 3) == 0) xbar_rng_normal4(z, t->c.seed, stream, i >> 2);
            y[i] += read_noise * z[i & 3];
        }
    }
    t->n_reads++;
    return XBAR_OK;
}

xbar_status xbar_tile_read_col_io(xbar_tile *t, float *y, size_t j, const xbar_io_params *io)
{
    XBAR_NONNULL(t);
    XBAR_NONNULL(y);
    XBAR_NONNULL(io);
    if (j >= t->c.cols) return xbar_fail(XBAR_EINVAL, "read_col_io: column %zu >= %zu", j, t->c.cols);
    const char *why = xbar_io_check(io, "read_col_io");
    if (why) return xbar_fail(XBAR_EINVAL, "%s", why);
    float *e = scratch(t, t->c.cols);
    if (!e) return XBAR_ENOMEM;
    memset(e, 0, t->c.cols * sizeof *e);
    e[j] = 1.0f;
    return tile_read(t, io, 0, y, e, 1, j);
}

/* ---- updates ------------------------------------------------------------- */

xbar_status xbar_tile_update(xbar_tile *t, const float *X, const float *D, size_t batch, float lr)
{
    XBAR_NONNULL(t);
    XBAR_NONNULL(X);
    XBAR_NONNULL(D);
    xbar_status s = xbar_check_lr(__func__, lr);
    if (!s) s = check_batch(t, batch, __func__);
    if (!s) s = xbar_check_finite(__func__, "X", X, batch * t->c.cols);
    if (!s) s = xbar_check_finite(__func__, "D", D, batch * t->c.rows);
    return s ? s : xbar_tile_update_unchecked(t, X, D, batch, lr);
}

xbar_status xbar_tile_update_unchecked(xbar_tile *t, const float *X, const float *D, size_t batch, float lr)
{
    if (batch == 0 || lr == 0.0f) {
        t->n_updates++;
        return XBAR_OK;
    }
    xbar_scheme s = t->c.update.scheme;
    if (s == XBAR_SCHEME_STOCHASTIC || s == XBAR_SCHEME_IMPLICIT) return xbar_pulse_rank1(t, X, D, batch, lr);
    const size_t m = t->c.rows, n = t->c.cols;
    if (!scratch(t, m * n)) return XBAR_ENOMEM;
    /* scratch = -lr * D^T X  (rows x cols) */
    xbar_sgemm(1, 0, m, n, batch, -lr, D, m, X, n, 0.0f, t->scratch, n);
    return xbar_pulse_dense(t, t->scratch, s);
}

xbar_status xbar_tile_apply_delta(xbar_tile *t, const float *dW)
{
    XBAR_NONNULL(t);
    XBAR_NONNULL(dW);
    xbar_status s = xbar_check_finite(__func__, "dW", dW, t->c.rows * t->c.cols);
    return s ? s : xbar_tile_apply_delta_unchecked(t, dW);
}

xbar_status xbar_tile_apply_delta_unchecked(xbar_tile *t, const float *dW)
{
    xbar_scheme s = t->c.update.scheme == XBAR_SCHEME_EXPECTED ? XBAR_SCHEME_EXPECTED : XBAR_SCHEME_COUNT;
    return xbar_pulse_dense(t, dW, s);
}
