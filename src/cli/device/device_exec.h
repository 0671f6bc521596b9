/* device_exec.h - run an `xbar device` configuration into its output directory, written whole
 * or not at all (outdir.h, outlock.h). The devices are drawn once (xbar_devices_init, stream
 * object 0 of device.construction_seed), then for each traced device i and start weight s:
 *   noise-free trace  w_0 = clip_i(s), w_k = xbar_device_pulse(w_{k-1}, up = k <= n, xi = 0)
 *   noisy trace       the same pulses with the cycle-to-cycle normal xi_k of the device (the
 *                     [device] noise: dw_min_std, mult_noise): lane k%4 of
 *                     xbar_rng_normal4(seed, xbar_stream(XBAR_RNG_USER, i, start index), k/4)
 * Files:
 *   config.ini     the resolved configuration (`xbar device --config DIR/config.ini` re-runs it)
 *   response.csv   device,start_index,start,pulse,direction,w,w_c2c: one row per pulse k = 0..2n
 *                  of every trace (k = 0 the clipped start, direction 0; then +1 up, -1 down)
 *   qf.csv         device,w,q_up,q_dn,F,G: per traced device, `grid` points evenly over its range
 *                  [clip(-inf), clip(+inf)] (xbar_device_q, xbar_device_FG: noise-free, per device)
 *   summary.json   {"command": "device", "config", "model", "granularity", "pulses",
 *                  "devices": [{"index", "w_min", "w_max", "s_up", "s_dn", "symmetric_point"
 *                  (xbar_device_symmetric_point of that device; null if it has none), "F_at_symmetric_point",
 *                  "traces": [{"start", "after_up", "after_down", "after_up_c2c", "after_down_c2c"}]}],
 *                  "mean_symmetric_point"}
 *   response.png   w against the pulse number, the first traces, noise-free and noisy
 *   qf.png         q+, q-, F and G of device 0 against w, its symmetric point marked
 * (the PNGs with gnuplot; left out silently without it, with a warning if gnuplot fails).
 */
#ifndef XBAR_CLI_DEVICE_EXEC_H
#define XBAR_CLI_DEVICE_EXEC_H

#include <stddef.h>

#include "device_cfg.h"

#define DT_MAX_POINTS ((size_t)1 << 22) /* most trace points (devices x starts x (2 pulses + 1)) */

/** What the command prints: per traced device its range, symmetric point, and per start the
 *  weights after the n up and after the n down pulses (noise-free). */
typedef struct {
    int devices, starts;
    float granularity;
    double lo[DT_MAX_DEVICES], hi[DT_MAX_DEVICES], sp[DT_MAX_DEVICES];
    double after_up[DT_MAX_DEVICES][DT_MAX_START], after_down[DT_MAX_DEVICES][DT_MAX_START];
} device_tool_result;

/**
 * Run c (dev from device_tool_check) into directory out (created fresh; replaced only with
 * force, and only an xbar output or an empty folder). out is checked before computing and
 * locked for the run; on failure nothing is left at out. Returns 0, 2 for bad input (err names
 * it) or 1 for a runtime failure. r (may be NULL) receives the summary.
 */
int device_tool_execute(const device_tool_cfg *c, const xbar_device_params *dev, const char *out, int force,
                        device_tool_result *r, char *err, size_t n);

#endif
