/* dev_linear_step.c - aihwkit LinearStepDevice: step_up = s_up (1 - gamma_up w / W_max),
 * step_dn = s_dn (1 - gamma_down w / W_min), W the configured bound (mean_bound_reference)
 * or the device's own. The gamma rows are shared with exp_step. */
#include <math.h>

#include "device_ops.h"

const xbar_key xbar_device_key_gamma_up = XBAR_DEVICE_FLOAT_KEY(gamma_up, 0, "linear_step / exp_step only: up gamma");
const xbar_key xbar_device_key_gamma_down =
    XBAR_DEVICE_FLOAT_KEY(gamma_down, 0, "linear_step / exp_step only: down gamma");
static const xbar_key key_mean_bound_reference = {
    "device", "mean_bound_reference", XBAR_KEY_BOOL, offsetof(xbar_device_params, mean_bound_reference),
    .doc = "linear_step only: slopes relative to the configured w_max / w_min (1) or to each device's drawn "
           "bounds (0)"};

/* step = s (1 - gamma w / W) = s + a w */
static void own_defaults(xbar_device_params *p) { p->mean_bound_reference = 1; }

static float coef(const xbar_device_params *p, int up, float s, float b)
{
    return -fabsf(up ? p->gamma_up : p->gamma_down) * s / (p->mean_bound_reference ? (up ? p->w_max : p->w_min) : b);
}

static float step(const xbar_devices *d, size_t i, float g, int up, float nz)
{
    return xbar_device_slope_step(d, i, g, up, nz);
}

static const xbar_key *const keys[] = {&xbar_device_key_gamma_up, &xbar_device_key_gamma_down,
                                       &key_mean_bound_reference, NULL};

const xbar_device_ops xbar_device_ops_linear_step = {
    .own_defaults = own_defaults,
    .name = "linear_step",
    .summary = "aihwkit LinearStepDevice: step s (1 - gamma w / w_bound), slopes gamma_up / gamma_down",
    .flags = XBAR_DEVF_STRICT,
    .coef = coef,
    .step = step,
    .slope = XBAR_SLOPE_ARRAY,
    .keys = keys,
    .shape = "its shape is set by device.gamma_up / device.gamma_down",
};
