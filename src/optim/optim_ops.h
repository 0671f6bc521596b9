/* optim_ops.h - the optimizer table: the ops record each optimizer fills
 * (src/optim/opt_NAME.c) and the generic object that dispatches to it
 * (optim.c). Not part of the public API; only src/optim includes it.
 *
 * Adding an optimizer: one file src/optim/opt_NAME.c defining
 * `const xbar_opt_ops xbar_opt_NAME_ops`, one line X(NAME, name) in
 * XBAR_OPTIMIZERS (include/xbar.h), its parameter fields in xbar_opt_params.
 * The enum, the name table, the config keys, checkpoints, the memory
 * estimate and tests/test_optim_contract.c follow from the table. */
#ifndef XBAR_OPTIM_OPS_H
#define XBAR_OPTIM_OPS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef struct xbar_opt_ops xbar_opt_ops;

/* The generic object: the kind's ops and its own state (opaque, opt_NAME.c). */
struct xbar_aw {
    const xbar_opt_ops *ops;
    xbar_opt_params o;
    size_t rows, cols;
    void *st;
};

/*
 * One optimizer. The generic entry points (optim.c) check every argument
 * (xbar.h, "Argument contract") before they call an op; ops check nothing
 * again. Entries marked "may be NULL" fall back as stated.
 */
struct xbar_opt_ops {
    const char *name;     /* config value and checkpoint name ("tiki_taka"); must match XBAR_OPTIMIZERS */
    const char *summary;  /* one line for --help */
    int tiles;            /* analog tiles it holds (0: float weights) */
    /* the tiles when they depend on o (then `tiles` is the least); NULL: `tiles` */
    size_t (*tiles_of)(const xbar_opt_params *o);
    const xbar_key *keys; /* the [optimizer] rows of the fields it reads (section "optimizer", offsets
                             into xbar_opt_params), ended by a row whose section is NULL; NULL: none */
    /* Defaults of its own fields of o (called for every kind: each field of
     * xbar_opt_params must be valid whatever the kind). May be NULL. */
    void (*defaults)(xbar_opt_params *o);
    /* NULL, or a message naming its first invalid field (called for every kind). May be NULL. */
    const char *(*check)(const xbar_opt_params *o);

    /* a->o, rows and cols are set: allocate a->st (tiles from tc). XBAR_OK, or an
     * error set (then free(a->st) runs on whatever was built). */
    xbar_status (*create)(xbar_aw *a, const xbar_tile_config *tc);
    void (*free)(void *st);
    /* Bytes create allocates plus what update grows in proportion to rows*cols
     * (not the work space proportional to the batch); tc: valid, o: valid. */
    size_t (*memory)(const xbar_opt_params *o, const xbar_tile_config *tc);

    /* One step from per-sample factors (X batch x cols, D batch x rows); one from a
     * dense gradient G (rows x cols). lr >= 0 and finite. */
    xbar_status (*update)(xbar_aw *a, const float *X, const float *D, size_t batch, float lr);
    xbar_status (*step_dense)(xbar_aw *a, const float *G, float lr);

    /* The effective weight the forward pass reads: W (rows x cols) out and in
     * (finite), and reads through it (back: out = W^T in). */
    void (*get_weights)(const xbar_aw *a, float *W);
    void (*set_weights)(xbar_aw *a, const float *W);
    xbar_status (*mvm)(xbar_aw *a, float *out, const float *in, size_t batch, int back);
    /* Stored float weights the caller may read and write in place (digital), else NULL. May be NULL. */
    float *(*float_weights)(xbar_aw *a);

    /* The fast (written by update) and the slow (visible) tile; NULL without tiles. May be NULL. */
    xbar_tile *(*fast_tile)(const xbar_aw *a);
    xbar_tile *(*slow_tile)(const xbar_aw *a);
    /* Device pulses fired on its tiles. May be NULL (0). */
    uint64_t (*pulse_count)(const xbar_aw *a);
    /* The counts by phase into pc (zeroed before the call). May be NULL: every pulse of
     * pulse_count is counted as a gradient pulse. */
    void (*pulse_counts)(const xbar_aw *a, xbar_pulse_counts *pc);
    /* The caller's training loss (finite), for a loss-driven schedule. May be NULL (ignored). */
    void (*observe_loss)(xbar_aw *a, double loss);

    /* Stored array k (k = 0, 1, ... until NULL) for a non-finite scan, the visible
     * weights first: its name ("weights", "fast tile A") and length. */
    const float *(*array)(const xbar_aw *a, size_t k, const char **what, size_t *n);

    /* Checkpoint (the "XBAW" record, ckpt.h): the two u64 header counters it
     * keeps (n_updates, next_col), then its payload after the header. load gets
     * the counters read and checked (next_col < cols). counters NULL: it keeps
     * none; they are written as 0, 0, and a record with others is refused (a
     * load must save back to the same bytes). */
    void (*counters)(const xbar_aw *a, uint64_t c[2]);
    xbar_status (*save)(const xbar_aw *a, FILE *f);
    xbar_status (*load)(xbar_aw *a, FILE *f, const uint64_t c[2]);
};

/* The table (optim_table.c), in xbar_opt_kind order: xbar_opt_table[k] for k < XBAR_OPT_COUNT_. */
extern const xbar_opt_ops *const xbar_opt_table[XBAR_OPT_COUNT_];

#define XBAR_OPT_DECLARE_(E, name) extern const xbar_opt_ops xbar_opt_##name##_ops;
XBAR_OPTIMIZERS(XBAR_OPT_DECLARE_)
#undef XBAR_OPT_DECLARE_

/* A buffer of n floats allocated on first use (kept): *p, or NULL with the error set. */
static inline float *xbar_opt_buffer(float **p, size_t n, const char *what)
{
    if (!*p && !(*p = malloc(n * sizeof(float))))
        return xbar_fail_null(XBAR_ENOMEM, "optimizer: out of memory for %s (%zu floats)", what, n);
    return *p;
}

/* *p grown to at least n floats (*cap: its size; contents not kept); NULL with the error set
 * when out of memory (*p and *cap unchanged). Work space that depends on the batch. */
static inline float *xbar_opt_grow(float **p, size_t *cap, size_t n)
{
    if (n > *cap) {
        float *q = realloc(*p, n * sizeof(float));
        if (!q) return xbar_fail_null(XBAR_ENOMEM, "optimizer: out of memory for %zu work floats", n);
        *p = q;
        *cap = n;
    }
    return *p;
}

/* Columns per transfer of the column-transfer optimizers: transfer_columns, 0 = all, at most n. */
static inline size_t xbar_opt_transfer_k(const xbar_opt_params *o, size_t n)
{
    const size_t k = o->transfer_columns == 0 ? n : (size_t)o->transfer_columns;
    return k > n ? n : k;
}

/* A transfer of every column at once as one dense step of the slow tile (the paper's analysed
 * Tiki-Taka): all columns with an expected or count transfer scheme. */
static inline int xbar_opt_whole_transfer(const xbar_opt_params *o, size_t n)
{
    const xbar_scheme cs = o->transfer_update.scheme;
    return xbar_opt_transfer_k(o, n) == n && (cs == XBAR_SCHEME_EXPECTED || cs == XBAR_SCHEME_COUNT);
}

/* The slow tile C of a two-tile compound: tc with the transfer's update scheme, its own device
 * when slow_device_own, and the next stream id. */
static inline xbar_tile_config xbar_opt_slow_config(const xbar_opt_params *o, const xbar_tile_config *tc)
{
    xbar_tile_config cc = *tc;
    if (o->slow_device_own) cc.device = o->slow_device;
    cc.update = o->transfer_update;
    cc.id = tc->id + 1;
    return cc;
}

/* The transfer's read of column j of t into y (rows): exact plus transfer_read_noise, or
 * through transfer_io. */
static inline xbar_status xbar_opt_read_col(const xbar_opt_params *o, xbar_tile *t, float *y, size_t j)
{
    if (o->transfer_io.perfect) return xbar_tile_read_col(t, y, j, o->transfer_read_noise);
    return xbar_tile_read_col_io(t, y, j, &o->transfer_io);
}

/* t[:,j] += lr y by t's pulsed update of one sample (x = e_j, d = -y; y is negated in place,
 * e holds the tile's cols floats). */
static inline xbar_status xbar_opt_write_col(xbar_tile *t, float *y, float *e, size_t rows, size_t cols, size_t j,
                                             float lr)
{
    for (size_t i = 0; i < rows; i++) y[i] = -y[i];
    memset(e, 0, cols * sizeof(float));
    e[j] = 1.0f;
    return xbar_tile_update_unchecked(t, e, y, 1, lr);
}

#endif
