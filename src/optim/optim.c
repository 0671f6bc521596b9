/* optim.c - "analog weights": the generic optimizer object. The checked
 * public entry points (xbar.h, "Optimizers") dispatch to the kind's ops
 * record (optim_ops.h, one file per optimizer: opt_digital.c,
 * opt_analog_sgd.c, opt_tiki_taka.c); the "XBAW" checkpoint record's header.
 * Every argument is checked here, once; the ops and the *_unchecked entry
 * points check nothing. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt.h"
#include "optim_ops.h"

xbar_opt_params xbar_opt_defaults(xbar_opt_kind kind)
{
    xbar_opt_params o = {.kind = kind};
    for (int k = 0; k < XBAR_OPT_COUNT_; k++)
        if (xbar_opt_table[k]->defaults) xbar_opt_table[k]->defaults(&o);
    return o;
}

const char *xbar_opt_check(const xbar_opt_params *o)
{
    if (!o) return "optimizer: NULL parameters";
    if ((unsigned)o->kind >= XBAR_OPT_COUNT_) return xbar_msg("optimizer.kind = %d: unknown", (int)o->kind);
    for (int k = 0; k < XBAR_OPT_COUNT_; k++) {
        const char *why = xbar_opt_table[k]->check ? xbar_opt_table[k]->check(o) : NULL;
        if (why) return why;
    }
    return NULL;
}

/* NULL, or why xbar_aw_new (fn) refuses (o, tc); *huge: only because rows*cols is not addressable. */
static const char *check_new(const xbar_opt_params *o, const xbar_tile_config *tc, const char *fn, int *huge)
{
    *huge = 0;
    const char *why = xbar_opt_check(o);
    if (why) return why;
    if (!tc) return xbar_msg("%s: tile is NULL", fn);
    if (tc->rows && tc->cols && tc->rows > SIZE_MAX / 64 / tc->cols) *huge = 1;
    if (!tc->rows || !tc->cols || *huge)
        return xbar_msg("optimizer: size %zux%zu: must be positive and addressable", tc->rows, tc->cols);
    return NULL;
}

xbar_aw *xbar_aw_new(const xbar_opt_params *o, const xbar_tile_config *tc)
{
    int huge;
    const char *why = check_new(o, tc, __func__, &huge);
    if (why) return xbar_fail_null(XBAR_EINVAL, "%s", why);
    xbar_aw *a = calloc(1, sizeof *a);
    if (!a) return xbar_fail_null(XBAR_ENOMEM, "optimizer: out of memory");
    a->ops = xbar_opt_table[o->kind];
    a->o = *o;
    a->rows = tc->rows;
    a->cols = tc->cols;
    if (a->ops->create(a, tc) == XBAR_OK) return a;
    xbar_aw_free(a);
    return NULL;
}

void xbar_aw_free(xbar_aw *a)
{
    if (!a) return;
    a->ops->free(a->st);
    free(a);
}

size_t xbar_aw_memory_bytes(const xbar_opt_params *o, const xbar_tile_config *tc)
{
    int huge;
    const char *why = check_new(o, tc, __func__, &huge);
    if (why) {
        xbar_fail(XBAR_EINVAL, "%s", why);
        return huge ? SIZE_MAX : 0;
    }
    const size_t b = xbar_opt_table[o->kind]->memory(o, tc);
    return b > SIZE_MAX - sizeof(xbar_aw) ? SIZE_MAX : b + sizeof(xbar_aw);
}

xbar_tile *xbar_aw_fast_tile(xbar_aw *a)
{
    XBAR_NONNULL_OR(NULL, a);
    return a->ops->fast_tile ? a->ops->fast_tile(a) : NULL;
}

xbar_tile *xbar_aw_slow_tile(xbar_aw *a)
{
    XBAR_NONNULL_OR(NULL, a);
    return a->ops->slow_tile ? a->ops->slow_tile(a) : NULL;
}

uint64_t xbar_aw_pulse_count(const xbar_aw *a)
{
    if (!a || !a->ops->pulse_count) return 0;
    return a->ops->pulse_count(a);
}

xbar_status xbar_aw_pulse_counts(const xbar_aw *a, xbar_pulse_counts *pc)
{
    XBAR_NONNULL(a);
    XBAR_NONNULL(pc);
    memset(pc, 0, sizeof *pc);
    if (a->ops->pulse_counts) a->ops->pulse_counts(a, pc);
    else pc->grad_pulses = xbar_aw_pulse_count(a);
    return XBAR_OK;
}

xbar_status xbar_aw_observe_loss(xbar_aw *a, double loss)
{
    XBAR_NONNULL(a);
    if (!isfinite(loss)) return xbar_fail(XBAR_EINVAL, "xbar_aw_observe_loss: loss %g is not finite", loss);
    if (a->ops->observe_loss) a->ops->observe_loss(a, loss);
    return XBAR_OK;
}

float *xbar_aw_digital_weights(xbar_aw *a)
{
    if (!a) return NULL;
    return a->ops->float_weights ? a->ops->float_weights(a) : NULL;
}

size_t xbar_aw_n_arrays(const xbar_aw *a)
{
    if (!a) return 0;
    size_t k = 0, n;
    const char *what;
    while (a->ops->array(a, k, &what, &n)) k++;
    return k;
}

const float *xbar_aw_array(const xbar_aw *a, size_t k, const char **what, size_t *n)
{
    XBAR_NONNULL_OR(NULL, a);
    const char *w;
    size_t len;
    const float *v = a->ops->array(a, k, &w, &len);
    if (!v) return xbar_fail_null(XBAR_EINVAL, "%s: array %zu >= %zu arrays", __func__, k, xbar_aw_n_arrays(a));
    if (what) *what = w;
    if (n) *n = len;
    return v;
}

xbar_status xbar_aw_get_weights(const xbar_aw *a, float *W)
{
    XBAR_NONNULL(a);
    XBAR_NONNULL(W);
    a->ops->get_weights(a, W);
    return XBAR_OK;
}

xbar_status xbar_aw_set_weights(xbar_aw *a, const float *W)
{
    XBAR_NONNULL(a);
    XBAR_NONNULL(W);
    xbar_status s = xbar_check_finite(__func__, "W", W, a->rows * a->cols);
    if (s) return s;
    a->ops->set_weights(a, W);
    return XBAR_OK;
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
    return s ? s : a->ops->mvm(a, Y, X, batch, 0);
}

xbar_status xbar_aw_backward(xbar_aw *a, float *Z, const float *D, size_t batch)
{
    XBAR_NONNULL(a);
    XBAR_NONNULL(Z);
    XBAR_NONNULL(D);
    xbar_status s = check_batch(a, batch, __func__);
    return s ? s : a->ops->mvm(a, Z, D, batch, 1);
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
    return s ? s : a->ops->update(a, X, D, batch, lr);
}

xbar_status xbar_aw_update_unchecked(xbar_aw *a, const float *X, const float *D, size_t batch, float lr)
{
    return a->ops->update(a, X, D, batch, lr);
}

xbar_status xbar_aw_step_dense(xbar_aw *a, const float *G, float lr)
{
    XBAR_NONNULL(a);
    XBAR_NONNULL(G);
    xbar_status s = xbar_check_lr(__func__, lr);
    if (!s) s = xbar_check_finite(__func__, "G", G, a->rows * a->cols);
    return s ? s : a->ops->step_dense(a, G, lr);
}

xbar_status xbar_aw_step_dense_unchecked(xbar_aw *a, const float *G, float lr)
{
    return a->ops->step_dense(a, G, lr);
}

/* ---- checkpoints: "XBAW" u32 version, u32 kind, u64 rows, u64 cols, u64 n_updates,
 * u64 next_col (the kind's counters, ops->counters), then the kind's payload ---- */

xbar_status xbar_aw_save(const xbar_aw *a, FILE *f)
{
    XBAR_NONNULL(a);
    XBAR_NONNULL(f);
    uint64_t c[2] = {0, 0};
    if (a->ops->counters) a->ops->counters(a, c);
    XBAR_CK_TRY(xbar_ck_put_tag(f, "XBAW"));
    XBAR_CK_TRY(xbar_ck_put_u32(f, (uint32_t)a->o.kind));
    XBAR_CK_TRY(xbar_ck_put_u64(f, a->rows));
    XBAR_CK_TRY(xbar_ck_put_u64(f, a->cols));
    XBAR_CK_TRY(xbar_ck_put_u64(f, c[0]));
    XBAR_CK_TRY(xbar_ck_put_u64(f, c[1]));
    return a->ops->save(a, f);
}

xbar_status xbar_aw_load(xbar_aw *a, FILE *f)
{
    XBAR_NONNULL(a);
    XBAR_NONNULL(f);
    uint32_t kind;
    uint64_t rows, cols, c[2];
    xbar_status s = xbar_ck_get_tag(f, "XBAW", "optimizer");
    if (!s) s = xbar_ck_get_u32(f, &kind);
    if (!s) s = xbar_ck_get_u64(f, &rows);
    if (!s) s = xbar_ck_get_u64(f, &cols);
    if (!s) s = xbar_ck_get_u64(f, &c[0]);
    if (!s) s = xbar_ck_get_u64(f, &c[1]);
    if (s) return s;
    if (kind != (uint32_t)a->o.kind)
        return xbar_fail(XBAR_EFORMAT, "checkpoint: optimizer %s, expected %s", xbar_opt_kind_name((xbar_opt_kind)kind),
                         xbar_opt_kind_name(a->o.kind));
    if (rows != a->rows || cols != a->cols)
        return xbar_fail(XBAR_EFORMAT, "checkpoint: optimizer size %llux%llu, expected %zux%zu",
                         (unsigned long long)rows, (unsigned long long)cols, a->rows, a->cols);
    if (!a->ops->counters && (c[0] || c[1])) /* what it would not save back: refused, not dropped */
        return xbar_fail(XBAR_EFORMAT, "checkpoint: optimizer %s keeps no update counters; the record has %llu, %llu",
                         a->ops->name, (unsigned long long)c[0], (unsigned long long)c[1]);
    if (c[1] >= a->cols)
        return xbar_fail(XBAR_EFORMAT, "checkpoint: optimizer transfer column %llu >= %zu", (unsigned long long)c[1],
                         a->cols);
    return a->ops->load(a, f, c);
}
