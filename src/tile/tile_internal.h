/* tile_internal.h - the tile object, shared by tile.c (storage, reads) and
 * pulse.c (the pulse schemes). Not part of the public API. */
#ifndef XBAR_TILE_INTERNAL_H
#define XBAR_TILE_INTERNAL_H

#include "compose.h"
#include "internal.h"
#include "io_internal.h"

/* Work space of one thread for one row of a per-sample update (arrays of cols + 8
 * entries, indexed by active column): coincidence counts, directions, the row's c2c
 * normals (in pulsed-slot order) and the normal of each column, new weights, where the
 * closed form applied. */
typedef struct {
    int32_t *cnt, *up;
    const int32_t *ones, *zeros; /* constant rows: every count 1, every direction up / down */
    float *z, *zc, *wc;
    float *ok;
} xbar_row_work;

struct xbar_tile {
    xbar_tile_config c;
    xbar_devices dev;
    float um_granularity; /* > 0: the granularity update management uses in the per-sample schemes (a
                             compound's, set by the transfer family); 0: the device's own */
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
    int *xsign;           /* batch: 0 if no x < 0, 1 if every x < 0, else -1 */
    size_t act_cap, nact_cap, xsign_cap;
    uint64_t *rmask;      /* rows*2*mw (mw = ceil(batch/64)): per row, the samples whose d line
                             fired, then those whose d is negative (bit s%64 of word s/64) */
    size_t rmask_cap;
    uint64_t *smask;      /* batch*(2*mr + mc) (mr, mc = ceil(rows/64), ceil(cols/64)): per
                             sample, the rows whose d line fired, those whose d is negative, and
                             the columns whose x line fired (bit i%64 of word i/64) */
    size_t smask_cap;
    xbar_row_work *rw;    /* one per thread, rw_cols columns each (rw_threads of them) */
    void *rw_mem;
    size_t rw_cols;
    int rw_threads;
    xbar_io_work io;      /* read-pipeline work space (io.c), grown on demand */
};

/* Counter layouts of the update draws (all counter-based, so no result depends on the
 * thread count or on the loop order):
 *   bit streams      bit b of line l (x: column j, d: row i) of sample s, at bit length bl:
 *                    uniform u = l*bl + b of sample s, lane u%4 of block (s << 32) + u/4
 *   COUNT rounding   element k: lane k%4 of uniform block k/4
 *   c2c, first pulse dense: lane k%4 of normal block k/4; per-sample schemes: the o-th pulsed
 *                    slot of row i in sample s (column order) takes lane o%4 of normal block
 *                    ((s*rows + i) << SLOT_SHIFT) + o/4
 *   c2c, pulses 2..n (when pulsed one by one): block EACH_COUNTER + (p-1)/4 of XBAR_RNG_C2C_EACH */
#define XBAR_SLOT_SHIFT 20
#define XBAR_BITS_COUNTER(s, u) (((uint64_t)(s) << 32) + ((u) >> 2))
#define XBAR_EACH_COUNTER(s, mn, k) ((uint64_t)((s) * (mn) + (k)) << XBAR_SLOT_SHIFT)

/* The c2c normals of one (sample, row) of a per-sample update, handed out in order. */
typedef struct {
    float z[4];
    uint64_t seed, stream, base;
    unsigned o;
    int noisy;
} xbar_row_noise;

static inline xbar_row_noise xbar_row_noise_at(uint64_t seed, uint64_t stream, size_t rows, size_t s,
                                               size_t i, int noisy)
{
    xbar_row_noise r = {{0, 0, 0, 0}, seed, stream, (uint64_t)(s * rows + i) << XBAR_SLOT_SHIFT, 0, noisy};
    return r;
}

static inline float xbar_row_noise_next(xbar_row_noise *r)
{
    if (!r->noisy) return 0.0f;
    if ((r->o & 3) == 0) xbar_rng_znormal4(r->z, r->seed, r->stream, r->base + (r->o >> 2));
    return r->z[r->o++ & 3];
}

/* Weight k after n same-direction pulses of one slot: xi is the slot's c2c normal (first
 * pulse, or the composed step); pulses 2..n one by one draw from each_stream at
 * each_counter. No draws without c2c noise. */
float xbar_tile_slot_pulses(const struct xbar_tile *t, size_t k, float w, int up, unsigned n, float xi,
                            uint64_t each_stream, uint64_t each_counter);

/* xbar_update_management without its argument checks (the per-sample loops of the update). */
xbar_um xbar_update_management_unchecked(const xbar_update_params *u, double lr, double xmax, double dmax,
                                         double granularity);

/* The dense schemes (EXPECTED, COUNT) on the summed increment in t->scratch. */
xbar_status xbar_pulse_dense(struct xbar_tile *t, const float *dW, xbar_scheme scheme);
/* The per-sample schemes (STOCHASTIC, IMPLICIT); _ref is the readable reference
 * (pulse_ref.c) that must give the same bits. */
xbar_status xbar_pulse_rank1(struct xbar_tile *t, const float *X, const float *D, size_t batch,
                             float lr);
xbar_status xbar_pulse_rank1_ref(struct xbar_tile *t, const float *X, const float *D, size_t batch,
                                 float lr);

#endif
