/* calibrate_exec.h - run an `xbar calibrate` configuration (calibrate_run.h) into its output
 * directory, written whole or not at all (outdir.h, outlock.h):
 *   config.ini     the resolved configuration; `xbar calibrate --config DIR/config.ini` re-runs it
 *                  (keys the device model does not read are written as comments)
 *   results.csv    one row per N: pulses, total_pulses, mean_err, std_err, rms_err, rel_mean_err
 *                  (empty when |mean_sp| < 1e-12), mean_sp, sp_std, seconds
 *   summary.json   {"command": "calibrate", "config": {...}, "devices", "mean_sp", "sp_std",
 *                  "results": {column: [one value per N], ...} (rel_mean_err null where empty),
 *                  "smallest_n_1pct": the smallest N with rel_mean_err <= 0.01, or null, "seconds"}
 *   calibrate.png  rms_err and |mean_err| against N, log-log (gnuplot; left out silently without
 *                  it, and with a warning on stderr if gnuplot fails)
 */
#ifndef XBAR_CLI_CALIBRATE_EXEC_H
#define XBAR_CLI_CALIBRATE_EXEC_H

#include "calibrate_run.h"

#define CAL_REL_TARGET 0.01 /* smallest_n_1pct: rel_mean_err at most 1 % */

/**
 * Run c (checked: p from calibrate_cfg_check) into directory out (created fresh; replaced only
 * with force, and only an xbar output or an empty folder). out is checked before computing and
 * locked for the run. On failure nothing is left at out. Returns 0, 2 for bad input (the
 * output directory: err names it) or 1 for a runtime failure. r receives the results (may be
 * NULL).
 */
int calibrate_execute(const calibrate_cfg *c, const calibrate_plan *p, const char *out, int force, int quiet,
                      calibrate_result *r, char *err, size_t n);

/** The smallest N of r whose rel_mean_err <= CAL_REL_TARGET, or 0 if none. */
uint64_t calibrate_smallest_n(const calibrate_result *r);

#endif
