/* dev_pow_step.c - aihwkit PowStepDevice, the paper's power step (App. C):
 * q+ = ((b_max - w)/R)^gamma_up, q- = ((w - b_min)/R)^gamma_down, the exponents
 * from pow_gamma / pow_up_down (shared with exp_paper). */
#include <math.h>

#include "device_ops.h"

const xbar_key xbar_device_key_pow_gamma =
    XBAR_DEVICE_FLOAT_KEY(pow_gamma, XBAR_KEY_POS, "pow_step / exp_paper only: exponent");
const xbar_key xbar_device_key_pow_up_down =
    XBAR_DEVICE_FLOAT_KEY(pow_up_down, 0, "pow_step / exp_paper only: exponent skew");

float xbar_device_pow_coef(const xbar_device_params *p, int up, float s, float b)
{
    (void)s, (void)b;
    return up ? p->pow_gamma * (1.0f + fminf(p->pow_up_down, 0.0f))
              : p->pow_gamma * (1.0f - fmaxf(p->pow_up_down, 0.0f));
}

/* the step at the middle of the range, where dist / R = 1/2 */
static void own_defaults(xbar_device_params *p) { p->pow_gamma = 1.0f; /* shared with exp_paper */ }

static float granularity(const xbar_device_params *p) { return p->dw_min * powf(0.5f, p->pow_gamma); }

static float step(const xbar_devices *d, size_t i, float g, int up, float nz)
{
    const float s = up ? d->s_up[i] : d->s_dn[i], a = up ? d->a_up[i] : d->a_dn[i];
    float R;
    const float dist = xbar_device_dist(d, i, g, up, &R);
    return s * powf(dist / R, a) * (1.0f + nz);
}

static const xbar_key *const keys[] = {&xbar_device_key_pow_gamma, &xbar_device_key_pow_up_down, NULL};

const xbar_device_ops xbar_device_ops_pow_step = {
    .name = "pow_step",
    .summary = "aihwkit PowStepDevice, the paper's power step: q+- = (distance to the bound / range)^pow_gamma",
    .flags = XBAR_DEVF_MULT_ONLY,
    .coef = xbar_device_pow_coef,
    .granularity = granularity,
    .step = step,
    .keys = keys,
    .own_defaults = own_defaults,
    .shape = "its exponent is set by device.pow_gamma / device.pow_up_down",
};
