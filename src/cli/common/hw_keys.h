/*
 * hw_keys.h - config-table rows for the hardware structs of include/xbar.h,
 * shared by every command that builds tiles (`lsq`, `train`).
 *
 * Each macro expands to a comma-separated list of cfg_key rows (no trailing
 * comma) for a struct embedded at byte offset BASE of the command's config:
 *   static const cfg_key keys[] = {
 *       {"train", "epochs", CFG_INT, offsetof(my_cfg, epochs)},
 *       HW_DEVICE_KEYS(offsetof(my_cfg, device)),
 *       HW_UPDATE_KEYS("update", offsetof(my_cfg, update)),
 *       HW_IO_KEYS("forward", offsetof(my_cfg, forward)),
 *       CFG_END};
 * Units: weights and bounds in weight units; dw_min in weight units per pulse;
 * IO inputs / outputs in the units of x and W x.
 *
 * Device keys and models. Each device model reads only some [device] keys
 * (hw_device_uses); a key given explicitly (--config, --set, an lsq preset
 * on its own) that the chosen model does not read is refused, naming what the
 * model uses instead (hw_device_unused), and dw_min must be below the model's
 * range (hw_device_check). Commands call them before computing anything.
 */
#ifndef XBAR_CLI_HW_KEYS_H
#define XBAR_CLI_HW_KEYS_H

#include <stddef.h>

#include "cfg.h"
#include "xbar.h"

extern const char *const hw_device_models[]; /* "ald", ... (xbar_device_model order) */
extern const char *const hw_schemes[];       /* "expected", "count", "stochastic", "implicit" */
extern const char *const hw_nm_names[];      /* "none", "abs_max" */
extern const char *const hw_bm_names[];      /* "none", "iterative" */
extern const char *const hw_opt_kinds[];     /* "digital", "analog_sgd", "tiki_taka" */

/* ---- explicitly given keys, and the device keys each model reads ---------- */

#define HW_MAX_KEYS 256 /* most rows of a key table (train_keys, lsq_keys) */

/** Which rows of a key table were given explicitly: set[i] for tab[i]. */
typedef struct {
    unsigned char set[HW_MAX_KEYS];
} hw_key_marks;

/**
 * Mark the keys of tab given explicitly: those in the INI file `config` (NULL:
 * none; call it after cfg_load_file accepted the file) and in the --set
 * assignments sets[0..nsets) ("section.key=value"; unknown keys are skipped,
 * cfg_set refused them before). Every key the file sets counts, whatever the
 * file: xbar's own DIR/config.ini lists the keys its model does not use as
 * comments (cfg_write_ini_if with hw_device_key_used), so it passes as it is.
 * @return 0, or -1 with err ("cannot read config FILE: ...", a table of more
 * than HW_MAX_KEYS rows).
 */
int hw_keys_mark(const cfg_key *tab, hw_key_marks *m, const char *config, const char *const *sets, int nsets,
                 char *err, size_t n);

/** Mark the key of one "section.key=value" assignment (or a plain "section.key"). */
void hw_keys_mark_one(const cfg_key *tab, hw_key_marks *m, const char *assignment);

/** 1 if device model `model` reads the [device] key `key` (e.g. "tau"), else 0. */
int hw_device_uses(xbar_device_model model, const char *key);

/**
 * The cfg_used_fn test of one row under device model `model`: 1 if k is not
 * in [device] or the model reads it, else 0 with why = "not used by the
 * soft_bounds model" (the rows hw_device_unused refuses when given).
 */
int hw_device_key_used(const cfg_key *k, xbar_device_model model, char *why, size_t n);

/**
 * Refuse a [device] key marked in m that the device's model does not read;
 * the device is the xbar_device_params at byte offset `dev` of obj. @return 0,
 * or -1 with err, e.g. "device.tau = 0.5: the soft_bounds model does not use
 * tau (only ald, pow_zs and exp_zs use it); its range is set by
 * device.w_max / device.w_min".
 */
int hw_device_unused(const cfg_key *tab, const void *obj, size_t dev, const hw_key_marks *m, char *err, size_t n);

/** The "does not use" message of hw_device_unused for key = value under model d->model. */
void hw_device_unused_msg(const xbar_device_params *d, const char *key, const char *value, char *err, size_t n);

/**
 * xbar_device_check, after refusing one pulse as large as the model's range:
 * dw_min must be < w_max - w_min, and < tau for ald / pow_zs / exp_zs (the
 * distance from the symmetric point to either bound; weights lie in
 * [sym_point - tau, sym_point + tau]). @return 0, or -1 with err, e.g.
 * "device.dw_min = 5: must be < 1.56, the range w_max - w_min of the
 * soft_bounds_ref model (device.w_min = -0.78, device.w_max = 0.78): one
 * pulse may not cross it".
 */
int hw_device_check(const xbar_device_params *d, char *err, size_t n);

#define HW_DV(B, f) ((B) + offsetof(xbar_device_params, f))
#define HW_DEVICE_KEYS(B)                                                                                          \
    {"device", "model", CFG_ENUM, HW_DV(B, model), .choices = hw_device_models,                                    \
     .doc = "device model (docs/model.md; keys it ignores are refused)"},                                         \
    {"device", "tau", CFG_FLOAT, HW_DV(B, tau), .flags = CFG_POS,                                                  \
     .doc = "ald / pow_zs / exp_zs only: asymmetry tau, weights in [sym_point - tau, sym_point + tau] "              \
            "(weight units)"},                                                                                     \
    {"device", "sym_point", CFG_FLOAT, HW_DV(B, sym_point),                                                        \
     .doc = "ald / pow_zs / exp_zs only: symmetric point (weight units)"},                                         \
    {"device", "dw_min", CFG_FLOAT, HW_DV(B, dw_min), .flags = CFG_POS,                                            \
     .doc = "response granularity dw_min (weight units per pulse); below the model's range: w_max - w_min, "       \
            "ald / pow_zs / exp_zs: tau"},                                                                         \
    {"device", "w_max", CFG_FLOAT, HW_DV(B, w_max),                                                                \
     .doc = "upper bound (all but ald / pow_zs / exp_zs, weight units)"},                                          \
    {"device", "w_min", CFG_FLOAT, HW_DV(B, w_min),                                                                \
     .doc = "lower bound (all but ald / pow_zs / exp_zs, weight units)"},                                          \
    {"device", "up_down", CFG_FLOAT, HW_DV(B, up_down), .doc = "systematic up/down step asymmetry"},                \
    {"device", "dw_min_dtod", CFG_FLOAT, HW_DV(B, dw_min_dtod), .flags = CFG_NONNEG,                               \
     .doc = "device-to-device step spread (relative)"},                                                            \
    {"device", "up_down_dtod", CFG_FLOAT, HW_DV(B, up_down_dtod), .flags = CFG_NONNEG,                             \
     .doc = "device-to-device asymmetry spread"},                                                                  \
    {"device", "w_max_dtod", CFG_FLOAT, HW_DV(B, w_max_dtod), .flags = CFG_NONNEG,                                 \
     .doc = "device-to-device upper-bound spread"},                                                                \
    {"device", "w_min_dtod", CFG_FLOAT, HW_DV(B, w_min_dtod), .flags = CFG_NONNEG,                                 \
     .doc = "device-to-device lower-bound spread"},                                                                \
    {"device", "dw_min_std", CFG_FLOAT, HW_DV(B, dw_min_std), .flags = CFG_NONNEG,                                 \
     .doc = "cycle-to-cycle step noise (relative std)"},                                                           \
    {"device", "mult_noise", CFG_BOOL, HW_DV(B, mult_noise),                                                       \
     .doc = "c2c noise multiplicative (1) or additive (0); not constant_step / pow_step / exp_step / piecewise_step "\
            "(always multiplicative)"},                                                                            \
    {"device", "gamma_up", CFG_FLOAT, HW_DV(B, gamma_up), .doc = "linear_step / exp_step only: up gamma"},          \
    {"device", "gamma_down", CFG_FLOAT, HW_DV(B, gamma_down), .doc = "linear_step / exp_step only: down gamma"},    \
    {"device", "pow_gamma", CFG_FLOAT, HW_DV(B, pow_gamma), .flags = CFG_POS,                                      \
     .doc = "pow_step / exp_paper only: exponent"},                                                                \
    {"device", "pow_up_down", CFG_FLOAT, HW_DV(B, pow_up_down), .doc = "pow_step / exp_paper only: exponent skew"}, \
    {"device", "gamma_res", CFG_FLOAT, HW_DV(B, gamma_res), .flags = CFG_POS,                                      \
     .doc = "pow_zs / exp_zs only: exponent"},                                                                     \
    {"device", "reference_mean", CFG_FLOAT, HW_DV(B, reference_mean),                                              \
     .doc = "soft_bounds_ref only: reference offset"},                                                             \
    {"device", "construction_seed", CFG_U64, HW_DV(B, construction_seed), .doc = "seed of device-to-device draws"}

#define HW_UP(B, f) ((B) + offsetof(xbar_update_params, f))
/* SEC "update": all keys; SEC "transfer": the keys that matter for writing C. */
#define HW_UPDATE_KEYS(SEC, B, WHAT)                                                                               \
    {SEC, "scheme", CFG_ENUM, HW_UP(B, scheme), .choices = hw_schemes,                                             \
     .doc = "pulse scheme " WHAT ": expected (eq. 7), count, stochastic (aihwkit), implicit"},                    \
    {SEC, "desired_bl", CFG_INT, HW_UP(B, desired_bl), .min = 1, .max = 1 << 20, .flags = CFG_MIN | CFG_MAX,       \
     .doc = "maximal bit length BL of a pulse train " WHAT},                                                       \
    {SEC, "bl_management", CFG_BOOL, HW_UP(B, update_bl_management), .doc = "update BL management " WHAT},         \
    {SEC, "update_management", CFG_BOOL, HW_UP(B, update_management), .doc = "update management (x/d balancing) " WHAT}, \
    {SEC, "compose_pulses", CFG_BOOL, HW_UP(B, compose_pulses),                                                    \
     .doc = "draw a weight's n noisy pulses of one sample as one composed step (linear devices) " WHAT}
#define HW_COUNT_KEYS(SEC, B)                                                                                      \
    {SEC, "count_cap", CFG_INT, HW_UP(B, count_cap), .flags = CFG_NONNEG,                                          \
     .doc = "count scheme: max pulses per element and update (0 none)"},                                           \
    {SEC, "stochastic_round", CFG_BOOL, HW_UP(B, count_stochastic_round),                                          \
     .doc = "count scheme: stochastic rounding of |dW|/dw_min"}

#define HW_IO(B, f) ((B) + offsetof(xbar_io_params, f))
#define HW_IO_KEYS(SEC, B)                                                                                         \
    {SEC, "perfect", CFG_BOOL, HW_IO(B, perfect), .doc = "exact W x, every setting below ignored"},               \
    {SEC, "inp_bound", CFG_FLOAT, HW_IO(B, inp_bound), .flags = CFG_NONNEG, .doc = "DAC range +-inp_bound (0 unbounded)"}, \
    {SEC, "inp_res", CFG_FLOAT, HW_IO(B, inp_res), .flags = CFG_NONNEG,                                            \
     .doc = "DAC step relative to 2*inp_bound (0 no quantisation; 1/126 = 7 bit)"},                                \
    {SEC, "inp_noise", CFG_FLOAT, HW_IO(B, inp_noise), .flags = CFG_NONNEG, .doc = "input noise std (input units)"}, \
    {SEC, "out_bound", CFG_FLOAT, HW_IO(B, out_bound), .flags = CFG_NONNEG, .doc = "ADC range +-out_bound (0 unbounded)"}, \
    {SEC, "out_res", CFG_FLOAT, HW_IO(B, out_res), .flags = CFG_NONNEG,                                            \
     .doc = "ADC step relative to 2*out_bound (0 none; 1/510 = 9 bit)"},                                           \
    {SEC, "out_noise", CFG_FLOAT, HW_IO(B, out_noise), .flags = CFG_NONNEG, .doc = "output noise std (output units)"}, \
    {SEC, "w_noise", CFG_FLOAT, HW_IO(B, w_noise), .flags = CFG_NONNEG,                                            \
     .doc = "additive weight-read noise: output += w_noise*||x||*N(0,1)"},                                         \
    {SEC, "noise_management", CFG_ENUM, HW_IO(B, noise_management), .choices = hw_nm_names,                        \
     .doc = "input scaling before the DAC: none or abs_max (x / max|x|)"},                                         \
    {SEC, "bound_management", CFG_ENUM, HW_IO(B, bound_management), .choices = hw_bm_names,                        \
     .doc = "on ADC saturation: none (clip) or iterative (halve the input, redo; forward only)"},                  \
    {SEC, "max_bm_factor", CFG_FLOAT, HW_IO(B, max_bm_factor), .flags = CFG_POS, .doc = "largest bound-management factor"}, \
    {SEC, "max_bm_res", CFG_FLOAT, HW_IO(B, max_bm_res), .flags = CFG_POS,                                         \
     .doc = "bound management stops when the factor exceeds max_bm_res / DAC step"}

#define HW_OP(B, f) ((B) + offsetof(xbar_opt_params, f))
#define HW_OPT_KEYS(B)                                                                                             \
    {"optimizer", "fast_lr", CFG_FLOAT, HW_OP(B, fast_lr), .flags = CFG_NONNEG,                                    \
     .doc = "Tiki-Taka beta: learning rate of the fast tile A = -P (not scheduled)"},                              \
    {"optimizer", "transfer_lr", CFG_FLOAT, HW_OP(B, transfer_lr), .flags = CFG_NONNEG,                            \
     .doc = "Tiki-Taka: C += transfer_lr*lr*A[:,j]"},                                                              \
    {"optimizer", "transfer_every", CFG_INT, HW_OP(B, transfer_every), .min = 1, .flags = CFG_MIN,                 \
     .doc = "transfer after every n updates"},                                                                     \
    {"optimizer", "transfer_columns", CFG_INT, HW_OP(B, transfer_columns), .flags = CFG_NONNEG,                    \
     .doc = "columns per transfer, cyclic (0 = all: the paper's analysis)"},                                       \
    {"optimizer", "transfer_read_noise", CFG_FLOAT, HW_OP(B, transfer_read_noise), .flags = CFG_NONNEG,            \
     .doc = "std of the noisy read of A's columns (weight units; needs transfer_io.perfect)"},                    \
    {"optimizer", "gamma", CFG_FLOAT, HW_OP(B, gamma), .doc = "visible weight W = C + gamma*A"}

#endif
