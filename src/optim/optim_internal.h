/* optim_internal.h - the optimizer object (optim.c) shared with the
 * checkpoint code (state.c) and the networks (nn.c), plus the little-endian
 * checkpoint primitives of state.c. Not part of the public API. */
#ifndef XBAR_OPTIM_INTERNAL_H
#define XBAR_OPTIM_INTERNAL_H

#include "internal.h"

struct xbar_aw {
    xbar_opt_params o;
    size_t rows, cols;
    float *w;         /* DIGITAL weights */
    xbar_tile *A, *C; /* ANALOG_SGD: A only; TIKI_TAKA: both */
    float *buf;       /* rows*cols (dense transfer) + rows (column) + cols (one-hot) */
    uint64_t n_updates;
    size_t next_col;
    float *mix;       /* gamma != 0: second read of A, grown on demand */
    size_t mix_cap;
};

/* Checkpoint primitives (state.c): explicit little-endian encoding. The
 * writers return XBAR_EIO on a write error; the readers XBAR_EFORMAT
 * ("checkpoint: truncated ...") on a short read. */
xbar_status xbar_ck_put_u32(FILE *f, uint32_t v);
xbar_status xbar_ck_put_u64(FILE *f, uint64_t v);
xbar_status xbar_ck_put_f32s(FILE *f, const float *v, size_t n);
xbar_status xbar_ck_get_u32(FILE *f, uint32_t *v);
xbar_status xbar_ck_get_u64(FILE *f, uint64_t *v);
xbar_status xbar_ck_get_f32s(FILE *f, float *v, size_t n);

#endif
