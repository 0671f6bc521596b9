/* calibrate_run.h - the runs of `xbar calibrate`: zero-shifting calibration ([SP26] Alg. 1,
 * spec successors §7.1) of one tile for each pulse count N, and how far its estimates are from
 * the devices' true symmetric points. Computing only: no files (calibrate_exec.h writes them).
 *
 * The devices are drawn once (device.construction_seed); their symmetric points w⋄_i come from
 * the library (xbar_device_symmetric_point: closed form for the linear models, else bisection on
 * G). For each N: a fresh tile of the same devices and the same seed (so that every run gives
 * the same bits, whatever ran before), every weight set to calibrate.init (clipped), then
 * xbar_tile_zero_shift with N pulses per device; the weights are the estimates W_N. With
 * e_i = w⋄_i - W_N,i (ground truth minus estimate), over the devices:
 *   mean_err      mean of e
 *   std_err       sample standard deviation of e (n - 1; 0 for one device)
 *   rms_err       sqrt(mean of e^2)
 *   rel_mean_err  |mean(W_N) - mean(w⋄)| / |mean(w⋄)|; NaN when |mean(w⋄)| < 1e-12
 * and once: mean_sp = mean(w⋄), sp_std = its sample standard deviation. Sums in double, in
 * device order, on one thread: the same bits at any --threads (the pulses run on every thread).
 */
#ifndef XBAR_CLI_CALIBRATE_RUN_H
#define XBAR_CLI_CALIBRATE_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "calibrate_cfg.h"

#define CAL_REL_MIN 1e-12 /* |mean(w⋄)| below this: no relative error */

/** One pulse count N. */
typedef struct {
    uint64_t pulses;        /* N, pulses per device */
    uint64_t total_pulses;  /* N * devices */
    double mean_err, std_err, rms_err;
    double rel_mean_err;    /* NaN when |mean_sp| < CAL_REL_MIN */
    double seconds;         /* wall time of the zero-shifting call */
} calibrate_row;

typedef struct {
    size_t devices;
    double mean_sp, sp_std;  /* over the devices' true symmetric points */
    int n;                   /* rows filled */
    calibrate_row row[CAL_MAX_N];
} calibrate_result;

/**
 * Run every N of p (calibrate_cfg_check made it) on the tile of c. Unless quiet, one line per N
 * on stderr ("  calibrate: N = 500 (1/5): rms_err 0.0123, mean_err -0.00456 (0.81 s)").
 * @return 0, or 1 with err (out of memory, a library call failed: its message).
 */
int calibrate_run(const calibrate_cfg *c, const calibrate_plan *p, int quiet, calibrate_result *r, char *err,
                  size_t n);

#endif
