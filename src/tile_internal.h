/* tile_internal.h - the tile object, shared by tile.c (storage, reads) and
 * pulse.c (the pulse schemes). Not part of the public API. */
#ifndef XBAR_TILE_INTERNAL_H
#define XBAR_TILE_INTERNAL_H

#include "io_internal.h"

struct xbar_tile {
    xbar_tile_config c;
    xbar_devices dev;
    float *w;             /* rows*cols weights, row-major */
    float *scratch;       /* grown on demand: summed desired increment (rows*cols, dense updates),
                             one-hot input (cols, read_col_io) */
    size_t scratch_cap;
    uint64_t n_updates;   /* update calls so far (RNG step index) */
    uint64_t n_reads;     /* read calls so far (RNG step index) */
    uint64_t n_pulses;    /* device pulses fired so far */
    /* stochastic-scheme work space, grown on demand (never in the per-pulse loop) */
    uint64_t *bits;       /* batch*(rows+cols)*words bit streams */
    float *px, *pd;       /* batch*cols, batch*rows line probabilities */
    int *bl;              /* batch: bit length of each sample (0 = skip) */
    size_t bits_cap, p_cap, bl_cap;
    uint32_t *act;        /* batch*cols: per sample, the columns whose x line fired at least once */
    size_t *nact;         /* batch: how many */
    size_t act_cap, nact_cap;
    xbar_io_work io;      /* read-pipeline work space (io.c), grown on demand */
};

/* Apply n noise-aware pulses in one direction to weight idx; counter0 is the
 * c2c normal counter base of this (update, element). Returns the new weight. */
float xbar_tile_pulse_n(const struct xbar_tile *t, size_t idx, float w, int up, unsigned n,
                        uint64_t stream, uint64_t counter0);

/* The dense schemes (EXPECTED, COUNT) on the summed increment in t->scratch. */
xbar_status xbar_pulse_dense(struct xbar_tile *t, const float *dW, xbar_scheme scheme);
/* The per-sample schemes (STOCHASTIC, IMPLICIT). */
xbar_status xbar_pulse_rank1(struct xbar_tile *t, const float *X, const float *D, size_t batch,
                             float lr);

#endif
