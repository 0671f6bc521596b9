/* ckpt.h - the checkpoint primitives (ckpt.c): explicit little-endian
 * encoding of integers and floats, and the tagged records of tiles
 * (src/tile/tile_state.c), optimizers (src/optim/optim.c and the
 * optimizers' own save / load) and networks (src/nn/nn.c). Not part of the
 * public API. Every value is written byte by byte in little-endian order. */
#ifndef XBAR_CKPT_H
#define XBAR_CKPT_H

#include <stdio.h>

#include "internal.h"

#define XBAR_CK_VERSION 1u /* version of the "XBTL" and "XBAW" records */

/* The writers return XBAR_EIO ("checkpoint: write failed") on a write error; the
 * readers XBAR_EFORMAT ("checkpoint: truncated") on a short read. */
xbar_status xbar_ck_put_u32(FILE *f, uint32_t v);
xbar_status xbar_ck_put_u64(FILE *f, uint64_t v);
xbar_status xbar_ck_put_f32s(FILE *f, const float *v, size_t n);
xbar_status xbar_ck_get_u32(FILE *f, uint32_t *v);
xbar_status xbar_ck_get_u64(FILE *f, uint64_t *v);
xbar_status xbar_ck_get_f32s(FILE *f, float *v, size_t n);

/* A record's start: its 4-byte tag, then u32 XBAR_CK_VERSION. get_tag fails with
 * "checkpoint: expected a <what> record" or "... <what> record version v, expected 1". */
xbar_status xbar_ck_put_tag(FILE *f, const char *tag);
xbar_status xbar_ck_get_tag(FILE *f, const char *tag, const char *what);

/* Re-fail with status s and "checkpoint: <what> <id>: <the last message without its "checkpoint: ">". */
xbar_status xbar_ck_context(xbar_status s, const char *what, unsigned id);

/* Return the status of x unless it is XBAR_OK. */
#define XBAR_CK_TRY(x)                                                                                           \
    do {                                                                                                         \
        xbar_status s_ = (x);                                                                                    \
        if (s_) return s_;                                                                                       \
    } while (0)

#endif
