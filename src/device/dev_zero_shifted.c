/* dev_zero_shifted.c - the zero-shifted responses of the 2025 follow-up (F25 K.1)
 * on [sym_point - tau, sym_point + tau]: power q± = (1 ∓ w/tau)^gamma_res and
 * exponential q+- = (exp(gamma_res (1 -+ w/tau)) - 1)/(exp(gamma_res) - 1). */
#include <math.h>

#include "device_ops.h"

static void own_defaults(xbar_device_params *p) { p->gamma_res = 2.0f; }

static const char *check(const xbar_device_params *p)
{
    if (fabsf(p->sym_point) > p->tau)
        return xbar_msg("device.sym_point = %g: |sym_point| must be <= device.tau = %g", p->sym_point, p->tau);
    if (p->gamma_res <= 0) XBAR_DEVICE_BAD("gamma_res", p->gamma_res, "must be > 0");
    return NULL;
}

static float coef(const xbar_device_params *p, int up, float s, float b)
{
    (void)up, (void)s, (void)b;
    return p->gamma_res;
}

/* (1 -+ w/tau)^gamma_res */
static float pow_step(const xbar_devices *d, size_t i, float g, int up, float nz)
{
    const float s = up ? d->s_up[i] : d->s_dn[i], a = up ? d->a_up[i] : d->a_dn[i];
    float R;
    const float dist = xbar_device_dist(d, i, g, up, &R);
    return xbar_device_q_step(&d->p, s, powf(2.0f * dist / R, a), nz);
}

static float exp_step(const xbar_devices *d, size_t i, float g, int up, float nz)
{
    const float s = up ? d->s_up[i] : d->s_dn[i], a = up ? d->a_up[i] : d->a_dn[i];
    float R;
    const float dist = xbar_device_dist(d, i, g, up, &R);
    return xbar_device_q_step(&d->p, s, expm1f(a * (2.0f * dist / R)) / expm1f(a), nz);
}

/* pow_step and exp_step in double precision (xbar_device_response) */
static double dist_exact(const xbar_devices *d, size_t i, double g, int up, double *R)
{
    const double hi = d->b_max[i], lo = d->b_min[i];
    *R = hi - lo;
    return fmax(up ? hi - g : g - lo, 0.0);
}

static double pow_exact(const xbar_devices *d, size_t i, double g, int up)
{
    double R;
    const double dist = dist_exact(d, i, g, up, &R);
    return (up ? d->s_up[i] : d->s_dn[i]) * pow(2.0 * dist / R, up ? d->a_up[i] : d->a_dn[i]);
}

static double exp_exact(const xbar_devices *d, size_t i, double g, int up)
{
    double R;
    const double dist = dist_exact(d, i, g, up, &R), a = up ? d->a_up[i] : d->a_dn[i];
    return (up ? d->s_up[i] : d->s_dn[i]) * expm1(a * (2.0 * dist / R)) / expm1(a);
}

static const xbar_key key_gamma_res = XBAR_DEVICE_FLOAT_KEY(gamma_res, XBAR_KEY_POS, "pow_zs / exp_zs only: exponent");
static const xbar_key *const keys[] = {&key_gamma_res, NULL};

const xbar_device_ops xbar_device_ops_pow_zs = {
    .own_defaults = own_defaults, /* for both: one setting of the same field */
    .name = "pow_zs",
    .summary = "zero-shifted power response: q+- = (1 -+ (w - sym_point)/tau)^gamma_res; no variation by default",
    .flags = XBAR_DEVF_IDEAL | XBAR_DEVF_TAU,
    .check = check,
    .coef = coef,
    .step = pow_step,
    .step_exact = pow_exact,
    .keys = keys,
    .shape = "its exponent is set by device.gamma_res",
};

const xbar_device_ops xbar_device_ops_exp_zs = {
    .name = "exp_zs",
    .summary = "zero-shifted exponential response: q+- = (exp(gamma_res (1 -+ (w - sym_point)/tau)) - 1)/"
               "(exp(gamma_res) - 1); no variation by default",
    .flags = XBAR_DEVF_IDEAL | XBAR_DEVF_TAU,
    .check = check,
    .coef = coef,
    .step = exp_step,
    .step_exact = exp_exact,
    .keys = keys,
    .shape = "its exponent is set by device.gamma_res",
};
