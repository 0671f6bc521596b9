/*
 * zs_ref.h - the zero-shifting reference of a two-tile optimizer's fast tile A (spec successors
 * §7.1; [SP26] Alg. 4's first stage), shared by tiki_taka, rl, rlv2 (opt_tiki_taka.c) and ttv2,
 * c_ttv2, agad (transfer_family.c); optimizer.zs_pulses / zs_cyclic.
 *
 * Before the first update after set_weights, A gets zs_pulses pulses per device
 * (xbar_tile_zero_shift: alternating up/down when zs_cyclic, else random directions), which
 * drive each device towards its symmetric point; A's weights then are the reference Z, and the
 * optimizer reads A - Z wherever it reads A (transfers, and the visible weight's gamma*A term
 * where it has one), so that A's zero is where its device is symmetric. Calibration pulses are
 * counted apart (calib_pulses) and in the total.
 *
 *   xbar_zs_ref z;                       in the optimizer's state
 *   xbar_zs_init(&z, &a->o, rows*cols)   in create: Z allocated only when zs_pulses > 0
 *   xbar_zs_ensure(&z, A, &a->o, cols)   at the top of every update / dense step
 *   xbar_zs_restart(&z)                  in set_weights: the next update calibrates again
 *   xbar_zs_save / xbar_zs_load          the "XBZS" record, only when zs_pulses > 0 (so every
 *                                        checkpoint without calibration keeps its layout):
 *                                        tag, u64 calibrated (0/1), u64 pulses, f32 Z[rows*cols]
 */
#ifndef XBAR_OPTIM_ZS_REF_H
#define XBAR_OPTIM_ZS_REF_H

#include <stdint.h>
#include <stdio.h>

#include "internal.h"

typedef struct {
    float *Z;       /* rows*cols (row-major, as the tile's weights), or NULL without calibration */
    size_t mn;      /* rows*cols */
    int calibrated; /* this start's calibration is done (or none is asked for) */
    uint64_t pulses; /* calibration pulses so far */
} xbar_zs_ref;

/** Z zeroed (allocated when o->zs_pulses > 0). @return XBAR_OK or XBAR_ENOMEM (message set). */
xbar_status xbar_zs_init(xbar_zs_ref *z, const xbar_opt_params *o, size_t mn);
void xbar_zs_free(xbar_zs_ref *z);

/** Calibrate A once per start (nothing when zs_pulses is 0). @return the tile's status. */
xbar_status xbar_zs_ensure(xbar_zs_ref *z, xbar_tile *A, const xbar_opt_params *o, size_t cols);

/** After set_weights: the next xbar_zs_ensure calibrates again (pulses keep counting). */
static inline void xbar_zs_restart(xbar_zs_ref *z) { z->calibrated = 0; }

/** y[i] -= Z[i, j] for the m rows of column j of an m x n reference (nothing without Z). */
void xbar_zs_sub_col(const xbar_zs_ref *z, float *y, size_t m, size_t n, size_t j);

xbar_status xbar_zs_save(const xbar_zs_ref *z, FILE *f);
/** Reads the record when Z exists; refuses a bad flag or a value that is not finite. */
xbar_status xbar_zs_load(xbar_zs_ref *z, FILE *f);

#endif
