/* optim.c - "analog weights": how a logical weight matrix is stored and
 * learned. DIGITAL (float SGD), ANALOG_SGD (one tile, paper eq. 3 at the
 * chosen pulse fidelity) and TIKI_TAKA (fast tile A = −P, slow tile C, column
 * transfer A → C, visible W = C + γA; paper §3.3–3.4, aihwkit
 * TransferCompound). In the paper's symbols β = fast_lr, α = transfer_lr·lr. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "optim_internal.h"

static const char *const kind_names[] = {"digital", "analog_sgd", "tiki_taka"};

const char *xbar_opt_kind_name(xbar_opt_kind k) { return (unsigned)k < 3 ? kind_names[k] : "?"; }

int xbar_opt_kind_from_name(const char *name)
{
    return xbar_name_index(kind_names, 3, name);
}

xbar_opt_params xbar_opt_defaults(xbar_opt_kind kind)
{
    xbar_opt_params o = {.kind = kind,
                         .fast_lr = 0.01f,
                         .transfer_lr = 1.0f,
                         .transfer_every = 1,
                         .transfer_columns = 1,
                         .transfer_read_noise = 0.0f,
                         .transfer_io = xbar_io_plain(),
                         .gamma = 0.0f,
                         .transfer_update = xbar_update_defaults()};
    o.transfer_io.perfect = 1;
    return o;
}

const char *xbar_opt_check(const xbar_opt_params *o)
{
    if (!o) return "optimizer: NULL parameters";
    if ((unsigned)o->kind > XBAR_OPT_TIKI_TAKA) return xbar_msg("optimizer.kind = %d: unknown", (int)o->kind);
    if (!(o->fast_lr >= 0.0f) || !isfinite(o->fast_lr)) return xbar_msg("optimizer.fast_lr = %g: must be >= 0", (double)o->fast_lr);
    if (!(o->transfer_lr >= 0.0f) || !isfinite(o->transfer_lr))
        return xbar_msg("optimizer.transfer_lr = %g: must be >= 0", (double)o->transfer_lr);
    if (o->transfer_every < 1) return xbar_msg("optimizer.transfer_every = %d: must be >= 1", o->transfer_every);
    if (o->transfer_columns < 0) return xbar_msg("optimizer.transfer_columns = %d: must be >= 0", o->transfer_columns);
    if (!(o->transfer_read_noise >= 0.0f) || !isfinite(o->transfer_read_noise))
        return xbar_msg("optimizer.transfer_read_noise = %g: must be >= 0", (double)o->transfer_read_noise);
    const char *io = xbar_io_check(&o->transfer_io, "transfer_io");
    if (io) return io;
    if (!o->transfer_io.perfect && o->transfer_read_noise > 0.0f)
        return xbar_msg("optimizer.transfer_read_noise = %g: only with a perfect transfer_io (use its out_noise)",
                        (double)o->transfer_read_noise);
    if (!isfinite(o->gamma)) return xbar_msg("optimizer.gamma = %g: must be finite", (double)o->gamma);
    if (o->transfer_update.desired_bl < 1)
        return xbar_msg("transfer.desired_bl = %d: must be >= 1", o->transfer_update.desired_bl);
    return NULL;
}

xbar_aw *xbar_aw_new(const xbar_opt_params *o, const xbar_tile_config *tc)
{
    const char *why = xbar_opt_check(o);
    if (why) return xbar_fail_null(XBAR_EINVAL, "%s", why);
    if (!tc) return xbar_fail_null(XBAR_EINVAL, "%s: tile is NULL", __func__);
    if (!tc->rows || !tc->cols || tc->rows > SIZE_MAX / 64 / tc->cols)
        return xbar_fail_null(XBAR_EINVAL, "optimizer: size %zux%zu: must be positive and addressable", tc->rows,
                              tc->cols);
    xbar_aw *a = calloc(1, sizeof *a);
    if (!a) return xbar_fail_null(XBAR_ENOMEM, "optimizer: out of memory");
    a->o = *o;
    a->rows = tc->rows;
    a->cols = tc->cols;
    size_t n = tc->rows * tc->cols;
    a->buf = calloc(n + tc->rows + tc->cols, sizeof(float));
    if (!a->buf) goto fail;
    if (o->kind == XBAR_OPT_DIGITAL) {
        a->w = calloc(n, sizeof(float));
        if (!a->w) goto fail;
        return a;
    }
    a->A = xbar_tile_new(tc);
    if (!a->A) goto fail;
    if (o->kind == XBAR_OPT_TIKI_TAKA) {
        xbar_tile_config cc = *tc;
        cc.update = o->transfer_update;
        cc.id = tc->id + 1;
        a->C = xbar_tile_new(&cc);
        if (!a->C) goto fail;
    }
    return a;
fail:
    xbar_aw_free(a);
    return NULL;
}

void xbar_aw_free(xbar_aw *a)
{
    if (!a) return;
    xbar_tile_free(a->A);
    xbar_tile_free(a->C);
    free(a->w);
    free(a->buf);
    free(a->mix);
    free(a);
}

xbar_tile *xbar_aw_fast_tile(xbar_aw *a)
{
    XBAR_NONNULL_OR(NULL, a);
    return a->A;
}

xbar_tile *xbar_aw_slow_tile(xbar_aw *a)
{
    XBAR_NONNULL_OR(NULL, a);
    return a->C ? a->C : a->A;
}

uint64_t xbar_aw_pulse_count(const xbar_aw *a)
{
    if (!a) return 0;
    return (a->A ? xbar_tile_pulse_count(a->A) : 0) + (a->C ? xbar_tile_pulse_count(a->C) : 0);
}

xbar_status xbar_aw_get_weights(const xbar_aw *a, float *W)
{
    XBAR_NONNULL(a);
    XBAR_NONNULL(W);
    size_t n = a->rows * a->cols;
    if (a->o.kind == XBAR_OPT_DIGITAL) {
        memcpy(W, a->w, n * sizeof(float));
    } else if (a->o.kind == XBAR_OPT_ANALOG_SGD) {
        xbar_tile_get_weights(a->A, W, a->cols);
    } else {
        xbar_tile_get_weights(a->C, W, a->cols);
        if (a->o.gamma != 0.0f) {
            const float *wa = xbar_tile_weights(a->A);
            for (size_t k = 0; k < n; k++) W[k] += a->o.gamma * wa[k];
        }
    }
    return XBAR_OK;
}

/* Digital: W set as is. Analog SGD: the tile. Tiki-Taka: C = W, A = 0 (as aihwkit). */
xbar_status xbar_aw_set_weights(xbar_aw *a, const float *W)
{
    XBAR_NONNULL(a);
    XBAR_NONNULL(W);
    xbar_status s = xbar_check_finite(__func__, "W", W, a->rows * a->cols);
    if (s) return s;
    if (a->o.kind == XBAR_OPT_DIGITAL) {
        memcpy(a->w, W, a->rows * a->cols * sizeof(float));
        return XBAR_OK;
    }
    xbar_tile *vis = a->C ? a->C : a->A;
    xbar_tile_set_weights_unchecked(vis, W, a->cols);
    if (a->C) {
        memset(a->buf, 0, a->rows * a->cols * sizeof(float));
        xbar_tile_set_weights_unchecked(a->A, a->buf, a->cols);
        a->next_col = 0;
        a->n_updates = 0;
    }
    return XBAR_OK;
}

/* Forward / backward through W̄ = C + γA: one read of each tile. */
static xbar_status mvm(xbar_aw *a, float *out, const float *in, size_t batch, int back)
{
    const size_t n_out = back ? a->cols : a->rows, n_in = back ? a->rows : a->cols;
    if (a->o.kind == XBAR_OPT_DIGITAL) {
        xbar_sgemm(0, !back, batch, n_out, n_in, 1.0f, in, n_in, a->w, a->cols, 0.0f, out, n_out);
        return XBAR_OK;
    }
    xbar_tile *vis = a->C ? a->C : a->A;
    xbar_status s = back ? xbar_tile_backward(vis, out, in, batch) : xbar_tile_forward(vis, out, in, batch);
    if (s != XBAR_OK || !a->C || a->o.gamma == 0.0f) return s;
    if (batch * n_out > a->mix_cap) {
        float *m = realloc(a->mix, batch * n_out * sizeof(float));
        if (!m) return xbar_fail(XBAR_ENOMEM, "forward: out of memory");
        a->mix = m;
        a->mix_cap = batch * n_out;
    }
    s = back ? xbar_tile_backward(a->A, a->mix, in, batch) : xbar_tile_forward(a->A, a->mix, in, batch);
    for (size_t k = 0; k < batch * n_out; k++) out[k] += a->o.gamma * a->mix[k];
    return s;
}

/* XBAR_EINVAL if batch samples of rows + cols floats cannot be addressed. */
static xbar_status check_batch(const xbar_aw *a, size_t batch, const char *fn)
{
    if (batch <= SIZE_MAX / 64 / (a->rows + a->cols)) return XBAR_OK;
    return xbar_fail(XBAR_EINVAL, "%s: batch %zu: too large for %zux%zu weights", fn, batch, a->rows, a->cols);
}

xbar_status xbar_aw_forward(xbar_aw *a, float *Y, const float *X, size_t batch)
{
    XBAR_NONNULL(a);
    XBAR_NONNULL(Y);
    XBAR_NONNULL(X);
    xbar_status s = check_batch(a, batch, __func__);
    return s ? s : mvm(a, Y, X, batch, 0);
}

xbar_status xbar_aw_backward(xbar_aw *a, float *Z, const float *D, size_t batch)
{
    XBAR_NONNULL(a);
    XBAR_NONNULL(Z);
    XBAR_NONNULL(D);
    xbar_status s = check_batch(a, batch, __func__);
    return s ? s : mvm(a, Z, D, batch, 1);
}

/* Read column j of A: exact plus transfer_read_noise, or through transfer_io. */
static xbar_status read_fast_col(xbar_aw *a, float *y, size_t j)
{
    if (a->o.transfer_io.perfect) return xbar_tile_read_col(a->A, y, j, a->o.transfer_read_noise);
    return xbar_tile_read_col_io(a->A, y, j, &a->o.transfer_io);
}

/* Transfer: read k columns of A (noisy) and write C[:,j] += transfer_lr*lr*A[:,j]. */
static xbar_status transfer(xbar_aw *a, float lr)
{
    const size_t m = a->rows, n = a->cols;
    const float tlr = a->o.transfer_lr * lr;
    xbar_scheme cs = a->o.transfer_update.scheme;
    size_t k = a->o.transfer_columns == 0 ? n : (size_t)a->o.transfer_columns;
    if (k > n) k = n;
    if (k == n && (cs == XBAR_SCHEME_EXPECTED || cs == XBAR_SCHEME_COUNT)) {
        /* whole P at once (the paper's analysed Tiki-Taka): ΔC = tlr * A */
        float *col = a->buf + m * n;
        for (size_t j = 0; j < n; j++) {
            xbar_status s = read_fast_col(a, col, j);
            if (s) return s;
            for (size_t i = 0; i < m; i++) a->buf[i * n + j] = tlr * col[i];
        }
        a->next_col = 0;
        return xbar_tile_apply_delta_unchecked(a->C, a->buf);
    }
    float *y = a->buf + m * n, *e = y + m;
    for (size_t c = 0; c < k; c++) {
        size_t j = a->next_col;
        a->next_col = (a->next_col + 1) % n;
        xbar_status s = read_fast_col(a, y, j);
        if (s) return s;
        for (size_t i = 0; i < m; i++) y[i] = -y[i]; /* d = -A[:,j] so that C moves by +tlr*A[:,j] */
        memset(e, 0, n * sizeof(float));
        e[j] = 1.0f;
        s = xbar_tile_update_unchecked(a->C, e, y, 1, tlr);
        if (s) return s;
    }
    return XBAR_OK;
}

static xbar_status after_fast_update(xbar_aw *a, float lr)
{
    a->n_updates++;
    if (a->n_updates % (uint64_t)a->o.transfer_every) return XBAR_OK;
    return transfer(a, lr);
}

xbar_status xbar_aw_update(xbar_aw *a, const float *X, const float *D, size_t batch, float lr)
{
    XBAR_NONNULL(a);
    XBAR_NONNULL(X);
    XBAR_NONNULL(D);
    xbar_status s = xbar_check_lr(__func__, lr);
    if (!s) s = check_batch(a, batch, __func__);
    if (!s) s = xbar_check_finite(__func__, "X", X, batch * a->cols);
    if (!s) s = xbar_check_finite(__func__, "D", D, batch * a->rows);
    return s ? s : xbar_aw_update_unchecked(a, X, D, batch, lr);
}

xbar_status xbar_aw_update_unchecked(xbar_aw *a, const float *X, const float *D, size_t batch, float lr)
{
    if (!(lr >= 0.0f) || !isfinite(lr)) return xbar_fail(XBAR_EINVAL, "learning rate %g: must be >= 0", (double)lr);
    switch (a->o.kind) {
    case XBAR_OPT_DIGITAL:
        xbar_sgemm(1, 0, a->rows, a->cols, batch, -lr, D, a->rows, X, a->cols, 1.0f, a->w, a->cols);
        return XBAR_OK;
    case XBAR_OPT_ANALOG_SGD:
        return xbar_tile_update_unchecked(a->A, X, D, batch, lr);
    case XBAR_OPT_TIKI_TAKA: {
        xbar_status s = xbar_tile_update_unchecked(a->A, X, D, batch, a->o.fast_lr);
        return s ? s : after_fast_update(a, lr);
    }
    }
    return xbar_fail(XBAR_EINVAL, "optimizer kind %d unknown", (int)a->o.kind);
}

xbar_status xbar_aw_step_dense(xbar_aw *a, const float *G, float lr)
{
    XBAR_NONNULL(a);
    XBAR_NONNULL(G);
    xbar_status s = xbar_check_lr(__func__, lr);
    if (!s) s = xbar_check_finite(__func__, "G", G, a->rows * a->cols);
    return s ? s : xbar_aw_step_dense_unchecked(a, G, lr);
}

xbar_status xbar_aw_step_dense_unchecked(xbar_aw *a, const float *G, float lr)
{
    if (!(lr >= 0.0f) || !isfinite(lr)) return xbar_fail(XBAR_EINVAL, "learning rate %g: must be >= 0", (double)lr);
    const size_t n = a->rows * a->cols;
    if (a->o.kind == XBAR_OPT_DIGITAL) {
        for (size_t k = 0; k < n; k++) a->w[k] -= lr * G[k];
        return XBAR_OK;
    }
    float step = a->o.kind == XBAR_OPT_TIKI_TAKA ? a->o.fast_lr : lr;
    for (size_t k = 0; k < n; k++) a->buf[k] = -step * G[k];
    xbar_status s = xbar_tile_apply_delta_unchecked(a->A, a->buf);
    if (s || a->o.kind != XBAR_OPT_TIKI_TAKA) return s;
    return after_fast_update(a, lr);
}
