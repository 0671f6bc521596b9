/* dev_constant_step.c - aihwkit ConstantStepDevice: a constant step per device
 * (s_up, s_dn), hard bounds; c2c noise multiplicative. */
#include "device_ops.h"

static float step(const xbar_devices *d, size_t i, float g, int up, float nz)
{
    (void)g;
    return (up ? d->s_up[i] : d->s_dn[i]) * (1.0f + nz);
}

const xbar_device_ops xbar_device_ops_constant_step = {
    .name = "constant_step",
    .summary = "aihwkit ConstantStepDevice: constant steps dw_min, hard bounds w_min / w_max",
    .flags = XBAR_DEVF_MULT_ONLY,
    .step = step,
    .slope = XBAR_SLOPE_ZERO,
    .shape = "its step is constant, device.dw_min",
};
