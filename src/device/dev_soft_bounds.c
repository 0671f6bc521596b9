/* dev_soft_bounds.c - aihwkit SoftBoundsDevice (the paper's soft-bounds device,
 * App. C: q+ = 1 - w/b_max, q- = 1 - w/b_min) and SoftBoundsReferenceDevice
 * (the same on g = w + reference_mean, additive c2c by default; device.ref_std:
 * per-device references reference_mean + ref_std xi, aihwkit reference_std). */
#include "device_ops.h"

/* soft_bounds: step = s (1 - w / b) = s + a w, a = -s / b */
static float coef(const xbar_device_params *p, int up, float s, float b)
{
    (void)p, (void)up;
    return -s / b;
}

static float step(const xbar_devices *d, size_t i, float g, int up, float nz)
{
    return xbar_device_slope_step(d, i, g, up, nz);
}

const xbar_device_ops xbar_device_ops_soft_bounds = {
    .name = "soft_bounds",
    .summary = "aihwkit SoftBoundsDevice, the paper's soft bounds: q+ = 1 - w/w_max, q- = 1 - w/w_min",
    .flags = XBAR_DEVF_STRICT,
    .coef = coef,
    .step = step,
    .slope = XBAR_SLOPE_ARRAY,
    .shape = "its slope follows from device.w_max / device.w_min",
};

/* soft_bounds_ref: the bounds bound g = w + reference_mean */
static void ref_defaults(xbar_device_params *p) { p->mult_noise = 0; /* additive c2c, as aihwkit */ }

static void ref_reference(const xbar_device_params *p, float *gmax, float *gmin, float *ref)
{
    (void)gmax, (void)gmin;
    *ref = p->reference_mean;
}

static float ref_step(const xbar_devices *d, size_t i, float g, int up, float nz)
{
    return xbar_device_bound_step(d, i, g, up, nz);
}

static const xbar_key key_reference_mean =
    XBAR_DEVICE_FLOAT_KEY(reference_mean, 0, "soft_bounds_ref only: reference offset");
static const xbar_key *const ref_keys[] = {&key_reference_mean, NULL};

const xbar_device_ops xbar_device_ops_soft_bounds_ref = {
    .name = "soft_bounds_ref",
    .summary = "aihwkit SoftBoundsReferenceDevice: soft bounds on w + reference_mean, additive c2c noise "
               "(the paper's toy device)",
    .flags = XBAR_DEVF_STRICT,
    .defaults = ref_defaults,
    .reference = ref_reference,
    .step = ref_step,
    .slope = XBAR_SLOPE_BOUND,
    .keys = ref_keys,
    .shape = "its slope follows from device.w_max / device.w_min",
    .ref_sign = 1, /* r_i = reference_mean + ref_std xi_i (aihwkit w_reference_) */
};
