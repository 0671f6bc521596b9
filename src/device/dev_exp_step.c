/* dev_exp_step.c - aihwkit ExpStepDevice: z = 2 a g/R + b,
 * step_up = s_up max(1 - A_up e^(gamma_up z), 0), step_dn = s_dn max(1 - A_down e^(-gamma_down z), 0). */
#include <math.h>

#include "device_ops.h"

static void own_defaults(xbar_device_params *p)
{
    p->exp_A_up = 0.00081f;
    p->exp_A_down = 0.36833f;
    p->exp_a = 0.244f;
    p->exp_b = 0.2425f;
}

static void defaults(xbar_device_params *p)
{
    p->gamma_up = 12.44625f;
    p->gamma_down = 12.78785f;
}

/* the nominal down step at w = 0, where z = b */
static float granularity(const xbar_device_params *p)
{
    return ((1.0f - fmaxf(p->up_down, 0.0f)) * p->dw_min) *
           fmaxf(1.0f - p->exp_A_down * expf(p->gamma_down * -p->exp_b), 0.0f);
}

static float step(const xbar_devices *d, size_t i, float g, int up, float nz)
{
    const xbar_device_params *p = &d->p;
    const float s = up ? d->s_up[i] : d->s_dn[i], R = d->b_max[i] - d->b_min[i];
    const float z = ((2.0f * g) / R) * p->exp_a + p->exp_b;
    const float y = up ? 1.0f - p->exp_A_up * expf(p->gamma_up * z) : 1.0f - p->exp_A_down * expf(p->gamma_down * -z);
    return (fmaxf(y, 0.0f) * (1.0f + nz)) * s;
}

static const xbar_key key_A_up = XBAR_DEVICE_FLOAT_KEY(
    exp_A_up, 0, "exp_step only: up amplitude A_up, step_up = s_up max(1 - A_up e^(gamma_up z), 0) (dimensionless)");
static const xbar_key key_A_down = XBAR_DEVICE_FLOAT_KEY(
    exp_A_down, 0,
    "exp_step only: down amplitude A_down, step_dn = s_dn max(1 - A_down e^(-gamma_down z), 0) (dimensionless)");
static const xbar_key key_a =
    XBAR_DEVICE_FLOAT_KEY(exp_a, 0, "exp_step only: slope a of z = 2 a w/R + b, R = w_max - w_min (dimensionless)");
static const xbar_key key_b =
    XBAR_DEVICE_FLOAT_KEY(exp_b, 0, "exp_step only: offset b of z = 2 a w/R + b (dimensionless)");
static const xbar_key *const keys[] = {
    &xbar_device_key_gamma_up, &xbar_device_key_gamma_down, &key_A_up, &key_A_down, &key_a, &key_b, NULL};

const xbar_device_ops xbar_device_ops_exp_step = {
    .name = "exp_step",
    .summary = "aihwkit ExpStepDevice: step s max(1 - A exp(+-gamma z), 0), z = 2 exp_a w/R + exp_b",
    .flags = XBAR_DEVF_MULT_ONLY,
    .own_defaults = own_defaults,
    .defaults = defaults,
    .granularity = granularity,
    .step = step,
    .keys = keys,
    .shape = "its shape is set by device.gamma_up / device.gamma_down",
};
