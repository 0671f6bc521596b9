/* state.c - checkpoints of tiles and optimizers (xbar.h, "Checkpoints").
 * Every value is written byte by byte in little-endian order. Records:
 *   tile: "XBTL" u32 version, u32 device model, u64 rows, u64 cols,
 *         f32 w[rows*cols], u64 n_updates, n_reads, n_pulses
 *   aw:   "XBAW" u32 version, u32 kind, u64 rows, u64 cols, u64 n_updates,
 *         u64 next_col, then f32 w[rows*cols] (DIGITAL) or tile A [, tile C]
 * Device-to-device draws are a pure function of the configuration and are
 * not stored. A tile loads atomically; an optimizer may be left partly
 * loaded when its second tile fails. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "optim_internal.h"
#include "tile_internal.h"

#define CK_VERSION 1u

xbar_status xbar_ck_put_u32(FILE *f, uint32_t v)
{
    unsigned char b[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    return fwrite(b, 1, 4, f) == 4 ? XBAR_OK : xbar_fail(XBAR_EIO, "checkpoint: write failed");
}

xbar_status xbar_ck_put_u64(FILE *f, uint64_t v)
{
    xbar_status s = xbar_ck_put_u32(f, (uint32_t)v);
    return s ? s : xbar_ck_put_u32(f, (uint32_t)(v >> 32));
}

xbar_status xbar_ck_put_f32s(FILE *f, const float *v, size_t n)
{
    unsigned char b[4096];
    size_t k = 0;
    while (k < n) {
        size_t m = n - k < sizeof b / 4 ? n - k : sizeof b / 4;
        for (size_t i = 0; i < m; i++) {
            uint32_t u;
            memcpy(&u, v + k + i, 4);
            for (int j = 0; j < 4; j++) b[4 * i + j] = (unsigned char)(u >> (8 * j));
        }
        if (fwrite(b, 1, 4 * m, f) != 4 * m) return xbar_fail(XBAR_EIO, "checkpoint: write failed");
        k += m;
    }
    return XBAR_OK;
}

static xbar_status truncated(void) { return xbar_fail(XBAR_EFORMAT, "checkpoint: truncated"); }

xbar_status xbar_ck_get_u32(FILE *f, uint32_t *v)
{
    unsigned char b[4];
    if (fread(b, 1, 4, f) != 4) return truncated();
    *v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    return XBAR_OK;
}

xbar_status xbar_ck_get_u64(FILE *f, uint64_t *v)
{
    uint32_t lo, hi;
    xbar_status s = xbar_ck_get_u32(f, &lo);
    if (!s) s = xbar_ck_get_u32(f, &hi);
    if (!s) *v = (uint64_t)hi << 32 | lo;
    return s;
}

xbar_status xbar_ck_get_f32s(FILE *f, float *v, size_t n)
{
    unsigned char b[4096];
    size_t k = 0;
    while (k < n) {
        size_t m = n - k < sizeof b / 4 ? n - k : sizeof b / 4;
        if (fread(b, 1, 4 * m, f) != 4 * m) return truncated();
        for (size_t i = 0; i < m; i++) {
            uint32_t u = (uint32_t)b[4 * i] | (uint32_t)b[4 * i + 1] << 8 | (uint32_t)b[4 * i + 2] << 16 |
                         (uint32_t)b[4 * i + 3] << 24;
            memcpy(v + k + i, &u, 4);
        }
        k += m;
    }
    return XBAR_OK;
}

/* Tag check: 4 bytes then the version. */
static xbar_status get_tag(FILE *f, const char *tag, const char *what)
{
    char b[4];
    if (fread(b, 1, 4, f) != 4) return truncated();
    if (memcmp(b, tag, 4)) return xbar_fail(XBAR_EFORMAT, "checkpoint: expected a %s record", what);
    uint32_t v;
    xbar_status s = xbar_ck_get_u32(f, &v);
    if (!s && v != CK_VERSION)
        return xbar_fail(XBAR_EFORMAT, "checkpoint: %s record version %u, expected %u", what, v, CK_VERSION);
    return s;
}

static xbar_status put_tag(FILE *f, const char *tag)
{
    if (fwrite(tag, 1, 4, f) != 4) return xbar_fail(XBAR_EIO, "checkpoint: write failed");
    return xbar_ck_put_u32(f, CK_VERSION);
}

/* Re-fail with "checkpoint: <what> <id>: <rest of the last message>". */
static xbar_status with_context(xbar_status s, const char *what, unsigned id)
{
    char m[512];
    const char *e = xbar_last_error();
    snprintf(m, sizeof m, "%s", strncmp(e, "checkpoint: ", 12) ? e : e + 12);
    return xbar_fail(s, "checkpoint: %s %u: %s", what, id, m);
}

#define TRY(x)                                                                                                   \
    do {                                                                                                         \
        xbar_status s_ = (x);                                                                                    \
        if (s_) return s_;                                                                                       \
    } while (0)

/* ---- tiles ---------------------------------------------------------------- */

xbar_status xbar_tile_save(const xbar_tile *t, FILE *f)
{
    XBAR_NONNULL(t);
    XBAR_NONNULL(f);
    TRY(put_tag(f, "XBTL"));
    TRY(xbar_ck_put_u32(f, (uint32_t)t->c.device.model));
    TRY(xbar_ck_put_u64(f, t->c.rows));
    TRY(xbar_ck_put_u64(f, t->c.cols));
    TRY(xbar_ck_put_f32s(f, t->w, t->c.rows * t->c.cols));
    TRY(xbar_ck_put_u64(f, t->n_updates));
    TRY(xbar_ck_put_u64(f, t->n_reads));
    return xbar_ck_put_u64(f, t->n_pulses);
}

xbar_status xbar_tile_load(xbar_tile *t, FILE *f)
{
    XBAR_NONNULL(t);
    XBAR_NONNULL(f);
    const unsigned id = t->c.id;
    uint32_t model;
    uint64_t rows, cols, cnt[3];
    xbar_status s = get_tag(f, "XBTL", "tile");
    if (!s) s = xbar_ck_get_u32(f, &model);
    if (!s) s = xbar_ck_get_u64(f, &rows);
    if (!s) s = xbar_ck_get_u64(f, &cols);
    if (s) return with_context(s, "tile", id);
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

/* ---- optimizers ----------------------------------------------------------- */

xbar_status xbar_aw_save(const xbar_aw *a, FILE *f)
{
    XBAR_NONNULL(a);
    XBAR_NONNULL(f);
    TRY(put_tag(f, "XBAW"));
    TRY(xbar_ck_put_u32(f, (uint32_t)a->o.kind));
    TRY(xbar_ck_put_u64(f, a->rows));
    TRY(xbar_ck_put_u64(f, a->cols));
    TRY(xbar_ck_put_u64(f, a->n_updates));
    TRY(xbar_ck_put_u64(f, a->next_col));
    if (a->o.kind == XBAR_OPT_DIGITAL) return xbar_ck_put_f32s(f, a->w, a->rows * a->cols);
    TRY(xbar_tile_save(a->A, f));
    return a->C ? xbar_tile_save(a->C, f) : XBAR_OK;
}

xbar_status xbar_aw_load(xbar_aw *a, FILE *f)
{
    XBAR_NONNULL(a);
    XBAR_NONNULL(f);
    uint32_t kind;
    uint64_t rows, cols, n_updates, next_col;
    xbar_status s = get_tag(f, "XBAW", "optimizer");
    if (!s) s = xbar_ck_get_u32(f, &kind);
    if (!s) s = xbar_ck_get_u64(f, &rows);
    if (!s) s = xbar_ck_get_u64(f, &cols);
    if (!s) s = xbar_ck_get_u64(f, &n_updates);
    if (!s) s = xbar_ck_get_u64(f, &next_col);
    if (s) return s;
    if (kind != (uint32_t)a->o.kind)
        return xbar_fail(XBAR_EFORMAT, "checkpoint: optimizer %s, expected %s", xbar_opt_kind_name((xbar_opt_kind)kind),
                         xbar_opt_kind_name(a->o.kind));
    if (rows != a->rows || cols != a->cols)
        return xbar_fail(XBAR_EFORMAT, "checkpoint: optimizer size %llux%llu, expected %zux%zu",
                         (unsigned long long)rows, (unsigned long long)cols, a->rows, a->cols);
    if (next_col >= a->cols)
        return xbar_fail(XBAR_EFORMAT, "checkpoint: optimizer transfer column %llu >= %zu",
                         (unsigned long long)next_col, a->cols);
    if (a->o.kind == XBAR_OPT_DIGITAL) {
        const size_t n = a->rows * a->cols;
        float *w = malloc(n * sizeof(float));
        if (!w) return xbar_fail(XBAR_ENOMEM, "checkpoint: optimizer: out of memory");
        s = xbar_ck_get_f32s(f, w, n);
        const size_t bad = s ? n : xbar_first_nonfinite(w, n); /* as a tile's: finite weights only */
        if (bad < n)
            s = xbar_fail(XBAR_EFORMAT, "checkpoint: optimizer: weight %zu is %g (not finite)", bad, (double)w[bad]);
        if (!s) memcpy(a->w, w, n * sizeof(float));
        free(w);
        if (s) return s;
    } else {
        TRY(xbar_tile_load(a->A, f));
        if (a->C) TRY(xbar_tile_load(a->C, f));
    }
    a->n_updates = n_updates;
    a->next_col = (size_t)next_col;
    return XBAR_OK;
}
