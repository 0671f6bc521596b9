/* io_internal.h - the analog read (IO) pipeline of io.c, used by tile.c.
 * Not part of the public API. The model: include/xbar.h (xbar_io_params) and
 * docs/model.md, section (h). */
#ifndef XBAR_IO_INTERNAL_H
#define XBAR_IO_INTERNAL_H

#include "internal.h"

/* Work space of the pipeline, grown on demand (owned by a tile; zero-initialise). */
typedef struct {
    float *v;             /* batch*n_in: DAC outputs (the inputs as the array sees them) */
    float *z;             /* threads x (max(n_in, n_out) + 3, padded): one sample's normals per thread */
    float *zo;            /* batch*n_out + 4*threads: the output normals of the first pass, one fill
                             per thread's chunk of samples */
    float *nm;            /* batch: noise-management value max|x| of each sample */
    unsigned char *state; /* batch: IO_DONE, IO_RERUN or IO_ZERO (see io.c) */
    size_t v_cap, z_cap, zo_cap, b_cap;
} xbar_io_work;

/* One read of a weight matrix. */
typedef struct {
    const float *w;   /* rows x cols, row-major */
    size_t rows, cols;
    int backward;     /* 0: out[b] = W in[b] (n_in = cols); 1: out[b] = W^T in[b] (n_in = rows),
                         bound management forced off (as aihwkit) */
    uint64_t seed;    /* RNG key */
    uint64_t stream;  /* RNG stream of this read: xbar_stream(XBAR_RNG_READ, tile id, read index) */
    size_t onehot;    /* forward of the one-hot e_onehot (a column read): the product is one column
                         times v[onehot] (same bits as the sgemm); SIZE_MAX for any other input */
} xbar_io_read;

/*
 * out[batch][n_out] = IO(W in[b]) for every sample: one sgemm on the whole
 * batch, then per-sample output processing (samples split over the library's
 * threads); only samples that clipped are re-run (bound management), one GEMV
 * per pass. Every random draw is a ziggurat normal (xbar_rng_znormal4) and a
 * pure function of (seed, stream, kind, pass, sample, element), layout in
 * io.c: results do not depend on the thread count or on which other samples
 * were re-run. Plain IO with no noise is the exact sgemm. XBAR_ENOMEM if the
 * work space cannot grow.
 */
xbar_status xbar_io_mvm(xbar_io_work *ws, const xbar_io_read *r, const xbar_io_params *io, float *out,
                        const float *in, size_t batch);
void xbar_io_work_free(xbar_io_work *ws);

#endif
