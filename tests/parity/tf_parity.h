/*
 * tf_parity.h - the transfer family (ttv2, c_ttv2, agad) seen from its checkpoint, for the
 * parity cases 6-8 (tests/parity/case7.c runs all three) and tests/test_tt_family.c.
 *
 * The optimizer's digital state (buffers, choppers, counters, EMAs) is not in the public API
 * except through xbar_aw_array (H, M, R) and the checkpoint, whose layout
 * src/optim/transfer_family.c documents: the "XBAW" header (tag, u32 version, u32 kind, u64
 * rows, u64 cols, u64 k, u64 column pointer), then the "XBTF" record (tag, u32 version, u32
 * kind, u64 sweeps, u64 reads, u64 writes, f32 m_x, m_d, lr_A, f32 c_in[cols], c_out[rows],
 * switched[cols], H[rows*cols], agad: M, R), then the tiles. tf_view_get saves the optimizer
 * into a temporary file (one per program, rewritten) and decodes that prefix (little-endian).
 */
#ifndef XBAR_TF_PARITY_H
#define XBAR_TF_PARITY_H
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xbar.h"

typedef struct {
    uint64_t k, next_col; /* vector updates since set_weights, column pointer */
    uint64_t sweeps, reads, writes;
    float m_x, m_d, lr_a;   /* auto_scale EMAs, A's lr of the last vector update */
    float *cin, *cout, *sw; /* choppers (+-1) and agad's switched flags (0/1) */
    float *H, *M, *R;       /* rows*cols each; M, R NULL unless agad */
    unsigned char *buf;     /* the saved bytes (owned) */
    float *vals;            /* decoded floats (owned) */
} tf_view;

static inline uint64_t tf_le(const unsigned char *p, int bytes)
{
    uint64_t v = 0;
    for (int b = bytes - 1; b >= 0; b--) v = v << 8 | p[b];
    return v;
}

static inline float tf_lef(const unsigned char *p)
{
    const uint32_t u = (uint32_t)tf_le(p, 4);
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static inline void tf_view_free(tf_view *v)
{
    free(v->buf);
    free(v->vals);
    memset(v, 0, sizeof *v);
}

/* 1 and *v filled (free with tf_view_free), or 0 (save failed or an unexpected layout). */
static inline int tf_view_get(const xbar_aw *a, size_t rows, size_t cols, tf_view *v)
{
    memset(v, 0, sizeof *v);
    static FILE *f; /* one temporary file, rewritten from its start each time (its length: ftell) */
    if (!f && !(f = tmpfile())) return 0;
    rewind(f);
    if (xbar_aw_save(a, f) != XBAR_OK || fflush(f)) return 0;
    const long end = ftell(f);
    rewind(f);
    v->buf = end > 0 ? malloc((size_t)end) : NULL;
    const size_t len = v->buf ? fread(v->buf, 1, (size_t)end, f) : 0;
    const unsigned char *p = v->buf;
    const size_t hdr = 44, rec = hdr + 48; /* XBAW header; XBTF tag .. lr_A */
    if (!p || len < rec || memcmp(p, "XBAW", 4) || memcmp(p + hdr, "XBTF", 4)) {
        tf_view_free(v);
        return 0;
    }
    const uint32_t kind = (uint32_t)tf_le(p + hdr + 8, 4);
    const int agad = kind == (uint32_t)XBAR_OPT_AGAD;
    const size_t nf = 2 * cols + rows + rows * cols * (agad ? 3 : 1);
    v->vals = malloc(nf * sizeof(float));
    if (!v->vals || len < rec + 4 * nf) {
        tf_view_free(v);
        return 0;
    }
    v->k = tf_le(p + 28, 8), v->next_col = tf_le(p + 36, 8);
    v->sweeps = tf_le(p + hdr + 12, 8), v->reads = tf_le(p + hdr + 20, 8), v->writes = tf_le(p + hdr + 28, 8);
    v->m_x = tf_lef(p + hdr + 36), v->m_d = tf_lef(p + hdr + 40), v->lr_a = tf_lef(p + hdr + 44);
    for (size_t q = 0; q < nf; q++) v->vals[q] = tf_lef(p + rec + 4 * q);
    v->cin = v->vals, v->cout = v->cin + cols, v->sw = v->cout + rows, v->H = v->sw + cols;
    if (agad) v->M = v->H + rows * cols, v->R = v->M + rows * cols;
    return 1;
}

/* The parity case of one fixture file of the family (tests/parity/case7.c): every entry,
 * deterministic (every recorded value within the fixture's absolute tolerance, chopper
 * states and counters equal) or statistical (final state mean and std within k combined
 * standard errors over the fixture's n_runs, fresh object and seed per run). */
int tf_parity_case(const char *dir, const char *file, xbar_opt_kind kind);

#endif
