/* fit_exec.h - run `xbar fit` on read data into its output directory, written whole or not at
 * all (outdir.h, outlock.h):
 *   fit.ini         the [device] section of the best model (by fit.criterion), ready for
 *                   `xbar train --config` (or lsq, calibrate, device): no device-to-device
 *                   variation, dw_min_std = the c2c noise its residuals imply
 *   fit_MODEL.ini   the same for every model that fitted and is a valid library device
 *   nodes.csv       piecewise_step's node table ("up,down", one node per line from the lower
 *                   bound up; device.piecewise_file of fit_piecewise_step.ini names it, by its
 *                   absolute path)
 *   models.csv      model,parameters,steps,rss,rmse,r2,aic,bic,delta,c2c_std,rmse_library,selected,note
 *                   (delta: the criterion minus the best one's; rmse_library: the residuals
 *                   through the library device of the INI file, fit_library_rmse)
 *   params.csv      model,parameter,value,std_error
 *   summary.json    {"command": "fit", "config", "input": {...}, "criterion", "best", "models": [...]}
 *   config.ini      the [fit] settings (`xbar fit CSV --config DIR/config.ini` re-runs)
 *   fit.png         step per pulse against the weight: the data (bin means) and the three best fits
 *   fit_curve.png   the measured weight against the pulse index and the best fit's noise-free
 *                   prediction of the same pulse sequence from the first reading
 */
#ifndef XBAR_CLI_FIT_EXEC_H
#define XBAR_CLI_FIT_EXEC_H

#include "fit_cfg.h"
#include "fit_lm.h"

typedef struct {
    int used[FIT_NMODELS];     /* fitted (fit.models) */
    int ok[FIT_NMODELS];       /* fitted and a valid library device: a candidate */
    char note[FIT_NMODELS][640];
    fit_result res[FIT_NMODELS];
    xbar_device_params dev[FIT_NMODELS];
    double crit[FIT_NMODELS], lib_rmse[FIT_NMODELS];
    int best;                  /* -1 if none */
} fit_outcome;

/**
 * Fit the models of `use` to d (read from csv) and write out (fresh; replaced only with force).
 * out is checked before computing and locked for the run. @return 0, 2 for bad input (the
 * output directory, or no model fitted: err says why) or 1 for a runtime failure. o receives the
 * results.
 */
int fit_execute(const fit_cfg *c, const int *use, const char *csv, const fit_data *d, const char *out, int force,
                fit_outcome *o, char *err, size_t n);

#endif
