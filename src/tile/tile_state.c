/* tile_state.c - checkpoints of tiles (xbar.h, "Checkpoints"). Record:
 *   "XBTL" u32 version, u32 device model, u64 rows, u64 cols,
 *   f32 w[rows*cols], u64 n_updates, n_reads, n_pulses
 * (little-endian, src/core/ckpt.h). Device-to-device draws are a pure
 * function of the configuration and are not stored. A tile loads
 * atomically. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt.h"
#include "tile_internal.h"

xbar_status xbar_tile_save(const xbar_tile *t, FILE *f)
{
    XBAR_NONNULL(t);
    XBAR_NONNULL(f);
    XBAR_CK_TRY(xbar_ck_put_tag(f, "XBTL"));
    XBAR_CK_TRY(xbar_ck_put_u32(f, (uint32_t)t->c.device.model));
    XBAR_CK_TRY(xbar_ck_put_u64(f, t->c.rows));
    XBAR_CK_TRY(xbar_ck_put_u64(f, t->c.cols));
    XBAR_CK_TRY(xbar_ck_put_f32s(f, t->w, t->c.rows * t->c.cols));
    XBAR_CK_TRY(xbar_ck_put_u64(f, t->n_updates));
    XBAR_CK_TRY(xbar_ck_put_u64(f, t->n_reads));
    return xbar_ck_put_u64(f, t->n_pulses);
}

xbar_status xbar_tile_load(xbar_tile *t, FILE *f)
{
    XBAR_NONNULL(t);
    XBAR_NONNULL(f);
    const unsigned id = t->c.id;
    uint32_t model;
    uint64_t rows, cols, cnt[3];
    xbar_status s = xbar_ck_get_tag(f, "XBTL", "tile");
    if (!s) s = xbar_ck_get_u32(f, &model);
    if (!s) s = xbar_ck_get_u64(f, &rows);
    if (!s) s = xbar_ck_get_u64(f, &cols);
    if (s) return xbar_ck_context(s, "tile", id);
    if (rows != t->c.rows || cols != t->c.cols)
        return xbar_fail(XBAR_EFORMAT, "checkpoint: tile %u: size %llux%llu, expected %zux%zu", id,
                         (unsigned long long)rows, (unsigned long long)cols, t->c.rows, t->c.cols);
    if (model != (uint32_t)t->c.device.model)
        return xbar_fail(XBAR_EFORMAT, "checkpoint: tile %u: device %s, expected %s", id,
                         xbar_device_model_name((xbar_device_model)model),
                         xbar_device_model_name(t->c.device.model));
    const size_t n = t->c.rows * t->c.cols;
    float *w = malloc(n * sizeof(float));
    if (!w) return xbar_fail(XBAR_ENOMEM, "checkpoint: tile %u: out of memory", id);
    s = xbar_ck_get_f32s(f, w, n);
    for (int k = 0; !s && k < 3; k++) s = xbar_ck_get_u64(f, &cnt[k]);
    size_t bad = n;
    for (size_t k = 0; !s && k < n && bad == n; k++) /* a device weight is a finite conductance */
        if (!isfinite(w[k])) bad = k;
    if (!s && bad < n) {
        s = xbar_fail(XBAR_EFORMAT, "checkpoint: tile %u: weight %zu is %g (not finite)", id, bad, (double)w[bad]);
    } else if (!s) {
        memcpy(t->w, w, n * sizeof(float));
        t->n_updates = cnt[0];
        t->n_reads = cnt[1];
        t->n_pulses = cnt[2];
    } else {
        xbar_fail(s, "checkpoint: tile %u: truncated", id);
    }
    free(w);
    return s;
}
