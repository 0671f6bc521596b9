/* hw_keys.c - the value names used by the rows of hw_keys.h. */
#include "hw_keys.h"

const char *const hw_device_models[] = {"ald",      "constant_step",  "linear_step", "soft_bounds",
                                        "soft_bounds_ref", "pow_step", "exp_step",    "piecewise_step",
                                        "exp_paper", "pow_zs",         "exp_zs",      NULL};
const char *const hw_schemes[] = {"expected", "count", "stochastic", "implicit", NULL};
const char *const hw_nm_names[] = {"none", "abs_max", NULL};
const char *const hw_bm_names[] = {"none", "iterative", NULL};
const char *const hw_opt_kinds[] = {"digital", "analog_sgd", "tiki_taka", NULL};
