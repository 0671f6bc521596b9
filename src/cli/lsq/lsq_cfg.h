/* lsq_cfg.h - configuration of `xbar lsq`: the INI key table, the paper's
 * presets, and the expansion of a configuration into curves (kinds x sweep). */
#ifndef XBAR_CLI_LSQ_CFG_H
#define XBAR_CLI_LSQ_CFG_H

#include "cfg.h"
#include "xbar.h"

typedef struct {
    char preset[CFG_STR_MAX];       /* name of the preset it started from ("" none) */
    char kinds[CFG_STR_MAX];        /* comma list of curve kinds */
    char sweep_key[CFG_STR_MAX];    /* "section.key" varied across curves ("" none) */
    char sweep_values[CFG_STR_MAX]; /* comma list of values of sweep_key */
    double ema;                     /* plot smoothing s = ema*s + (1-ema)*loss */
    xbar_lsq_setup s;
} lsq_cfg;

/** One curve: its name, kind, sweep value and fully resolved setup. */
typedef struct {
    char name[160];
    char value[64];
    xbar_lsq_kind kind;
    xbar_lsq_setup s;
} lsq_curve;

/** The key table of lsq_cfg (built from the library's rows on the first call). */
const cfg_key *lsq_keys(void);

/** Defaults (the fig1 setting without sweeps). */
lsq_cfg lsq_cfg_defaults(void);
/** Names of the presets, NULL-terminated. */
extern const char *const lsq_preset_names[];
/** Apply preset `name` onto c (and check it as lsq_cfg_check_given). -1 with err if unknown. */
int lsq_cfg_preset(lsq_cfg *c, const char *name, char *err, size_t n);
/**
 * Refuse keys given explicitly (in the file `config` (NULL: none) and the
 * --set assignments sets[0..nsets)) that c does not use: a device key its
 * model does not read (hw_device_unused: "device.tau = 0.5: the soft_bounds
 * model does not use tau (...); its range is set by device.w_max /
 * device.w_min"), and device.dw_min while lsq.states > 0 sets it: the keys
 * lsq_cfg_uses finds unused. A preset's keys count as defaults here
 * (lsq_cfg_preset checks the preset alone). Call it after --config and --set
 * are applied, before computing.
 * @return 0 or -1 with err.
 */
int lsq_cfg_check_given(const lsq_cfg *c, const char *config, const char *const *sets, int nsets, char *err, size_t n);
/**
 * cfg_used_fn of lsq_keys for the lsq_cfg obj: 0 for a [device] key that no
 * curve reads, else 1. The curves' device models and lsq.states are taken
 * over every value of the sweep (lsq.sweep_key = device.model sweeps the
 * model): a key is unused if no model of the curves reads it (xbar_device_uses_key),
 * and device.dw_min if every curve has lsq.states > 0. DIR/config.ini is
 * written with it (cfg_write_ini_if), so that `--config DIR/config.ini`
 * re-runs the run.
 */
int lsq_cfg_uses(const cfg_key *k, const void *obj, char *why, size_t n);
/** Expand into curves (at most max); returns the count or -1 with err (invalid
 *  kind, sweep key or value, a device sweep key the model does not use, dw_min
 *  not below the model's range (hw_device_check), or a curve whose setup fails
 *  its check). */
int lsq_cfg_curves(const lsq_cfg *c, lsq_curve *out, int max, char *err, size_t n);

#endif
