/* lsq_exec.h - run every curve of an `xbar lsq` configuration and write the
 * output directory (config.ini, metrics.csv, summary.json, a PNG). Shared by
 * `xbar lsq` and `xbar reproduce`. */
#ifndef XBAR_CLI_LSQ_EXEC_H
#define XBAR_CLI_LSQ_EXEC_H

#include "lsq_cfg.h"

#define LSQ_MAX_CURVES 32

typedef struct {
    int n;
    lsq_curve curve[LSQ_MAX_CURVES];
    xbar_lsq_result res[LSQ_MAX_CURVES];
} lsq_outcome;

/**
 * Run c into directory out (created fresh; replaced only with force). out is
 * checked before computing and locked for the run (outlock.h). On failure
 * nothing is left at out; a failed plot is a warning (stderr), not a failure. Returns 0, 2 for bad input (err names the
 * key and value) or 1 for a runtime failure. o receives the results (free with
 * lsq_outcome_free) and may be NULL.
 */
int lsq_execute(const lsq_cfg *c, const char *out, int force, int quiet, lsq_outcome *o, char *err, size_t n);
void lsq_outcome_free(lsq_outcome *o);

#endif
