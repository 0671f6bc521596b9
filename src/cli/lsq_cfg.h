/* lsq_cfg.h - configuration of `xbar lsq`: the INI key table, the paper's
 * presets, and the expansion of a configuration into curves (kinds x sweep). */
#ifndef XBAR_CLI_LSQ_CFG_H
#define XBAR_CLI_LSQ_CFG_H

#include "cfg.h"
#include "exp_lsq.h"

typedef struct {
    char preset[CFG_STR_MAX];       /* name of the preset it started from ("" none) */
    char kinds[CFG_STR_MAX];        /* comma list of curve kinds */
    char sweep_key[CFG_STR_MAX];    /* "section.key" varied across curves ("" none) */
    char sweep_values[CFG_STR_MAX]; /* comma list of values of sweep_key */
    double ema;                     /* plot smoothing s = ema*s + (1-ema)*loss */
    lsq_setup s;
} lsq_cfg;

/** One curve: its name, kind, sweep value and fully resolved setup. */
typedef struct {
    char name[160];
    char value[64];
    lsq_kind kind;
    lsq_setup s;
} lsq_curve;

extern const cfg_key lsq_keys[];

/** Defaults (the fig1 setting without sweeps). */
lsq_cfg lsq_cfg_defaults(void);
/** Names of the presets, NULL-terminated. */
extern const char *const lsq_preset_names[];
/** Apply preset `name` onto c. -1 with err if unknown. */
int lsq_cfg_preset(lsq_cfg *c, const char *name, char *err, size_t n);
/** Expand into curves (at most max); returns the count or -1 with err (invalid
 *  kind, sweep key or value, or a curve whose setup fails its check). */
int lsq_cfg_curves(const lsq_cfg *c, lsq_curve *out, int max, char *err, size_t n);

#endif
