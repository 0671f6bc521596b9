/* fit_cfg.h - configuration of `xbar fit`: the [fit] keys, defaults and checks.
 *
 * [fit] (units in brackets):
 *   models     comma list of the models to fit, each a name of fit_models.h        default all eight
 *   criterion  aic or bic: the information criterion that picks the best model         default bic
 *   nodes      nodes of the piecewise_step fit, evenly spaced over the data's range
 *              (2 to XBAR_PIECEWISE_MAX)                                               default 8
 *   offset     weight = (column 3 - offset) * scale [units of column 3]                default 0
 *   scale      [weight units per unit of column 3], > 0                                default 1
 * The library's device models bound weights around 0 (w_min <= 0 <= w_max): a conductance
 * column in siemens is mapped to weights with offset and scale.
 */
#ifndef XBAR_CLI_FIT_CFG_H
#define XBAR_CLI_FIT_CFG_H

#include "cfg.h"

enum { FIT_AIC = 0, FIT_BIC = 1 };

typedef struct {
    char models[CFG_STR_MAX]; /* comma list, as given */
    int criterion;            /* FIT_AIC or FIT_BIC */
    int nodes;                /* piecewise_step nodes */
    double offset, scale;     /* weight = (value - offset) * scale */
} fit_cfg;

/** The key table. */
const cfg_key *fit_keys(void);

/** Defaults (listed above). */
fit_cfg fit_cfg_defaults(void);

/**
 * Check c after --config and --set: fit.models (known names, no repeats, not empty), offset and
 * scale finite. Fills use[k] = 1 for each model k of fit_models.h named (use holds FIT_NMODELS
 * entries). @return 0, or -1 with err naming the key and value.
 */
int fit_cfg_check(const fit_cfg *c, int *use, char *err, size_t n);

#endif
