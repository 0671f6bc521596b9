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

#define HW_DV(B, f) ((B) + offsetof(xbar_device_params, f))
#define HW_DEVICE_KEYS(B)                                                                                          \
    {"device", "model", CFG_ENUM, HW_DV(B, model), .choices = hw_device_models, .doc = "device model (docs/model.md)"}, \
    {"device", "tau", CFG_FLOAT, HW_DV(B, tau), .flags = CFG_POS,                                                  \
     .doc = "ALD / zero-shifted models: asymmetry tau, weights in [sym_point - tau, sym_point + tau] (weight units)"}, \
    {"device", "sym_point", CFG_FLOAT, HW_DV(B, sym_point), .doc = "ALD symmetric point (weight units)"},           \
    {"device", "dw_min", CFG_FLOAT, HW_DV(B, dw_min), .flags = CFG_POS,                                            \
     .doc = "response granularity dw_min (weight units per pulse)"},                                               \
    {"device", "w_max", CFG_FLOAT, HW_DV(B, w_max), .doc = "upper bound (non-ALD models, weight units)"},           \
    {"device", "w_min", CFG_FLOAT, HW_DV(B, w_min), .doc = "lower bound (non-ALD models, weight units)"},           \
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
    {"device", "mult_noise", CFG_BOOL, HW_DV(B, mult_noise), .doc = "c2c noise multiplicative (1) or additive (0)"}, \
    {"device", "gamma_up", CFG_FLOAT, HW_DV(B, gamma_up), .doc = "linear_step / exp_step up gamma"},                \
    {"device", "gamma_down", CFG_FLOAT, HW_DV(B, gamma_down), .doc = "linear_step / exp_step down gamma"},          \
    {"device", "pow_gamma", CFG_FLOAT, HW_DV(B, pow_gamma), .flags = CFG_POS, .doc = "pow_step / exp_paper exponent"}, \
    {"device", "pow_up_down", CFG_FLOAT, HW_DV(B, pow_up_down), .doc = "pow_step / exp_paper exponent skew"},       \
    {"device", "gamma_res", CFG_FLOAT, HW_DV(B, gamma_res), .flags = CFG_POS, .doc = "pow_zs / exp_zs exponent"},   \
    {"device", "reference_mean", CFG_FLOAT, HW_DV(B, reference_mean), .doc = "soft_bounds_ref reference offset"},   \
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
