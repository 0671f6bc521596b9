/* dev_exp_paper.c - the paper's exponential step (App. C, Fig. 6):
 * q+ = 1 - exp(-gamma_up (b_max - w)/R), q- = 1 - exp(-gamma_down (w - b_min)/R),
 * the exponents as pow_step's (pow_gamma, pow_up_down). */
#include <math.h>

#include "device_ops.h"

static const char *check(const xbar_device_params *p)
{
    if (p->pow_gamma <= 0) XBAR_DEVICE_BAD("pow_gamma", p->pow_gamma, "must be > 0");
    return NULL;
}

static float step(const xbar_devices *d, size_t i, float g, int up, float nz)
{
    const float s = up ? d->s_up[i] : d->s_dn[i], a = up ? d->a_up[i] : d->a_dn[i];
    float R;
    const float dist = xbar_device_dist(d, i, g, up, &R);
    return xbar_device_q_step(&d->p, s, 1.0f - expf(-a * (dist / R)), nz);
}

static const xbar_key *const keys[] = {&xbar_device_key_pow_gamma, &xbar_device_key_pow_up_down, NULL};

const xbar_device_ops xbar_device_ops_exp_paper = {
    .name = "exp_paper",
    .summary = "the paper's exponential step: q+- = 1 - exp(-pow_gamma (distance to the bound / range)); "
               "no variation by default",
    .flags = XBAR_DEVF_IDEAL,
    .check = check,
    .coef = xbar_device_pow_coef,
    .step = step,
    .keys = keys,
    .shape = "its exponent is set by device.pow_gamma / device.pow_up_down",
};
