/* dev_ald.c - the paper's asymmetric linear device (ALD): soft bounds on
 * g = w - sym_point at +-tau, q± = 1 ∓ (w - sym_point)/tau (paper.md §2);
 * device.ref_std: per-device symmetric points sym_point + ref_std xi;
 * device.resp_c: the perturbed linear response q± = (1 ± c)(1 ∓ (w - sym_point)/tau). */
#include "device_ops.h"

static void defaults(xbar_device_params *p) { p->mult_noise = 0; /* additive c2c, as aihwkit */ }

static const char *check(const xbar_device_params *p)
{
    if (!(p->resp_c > -1.0f && p->resp_c < 1.0f)) XBAR_DEVICE_BAD("resp_c", p->resp_c, "must be in (-1, 1)");
    return NULL;
}

/* the perturbed linear response: up steps (1 + c), down steps (1 - c) */
static void step_scale(const xbar_device_params *p, float *up, float *dn)
{
    *up = 1.0f + p->resp_c;
    *dn = 1.0f - p->resp_c;
}

static const xbar_key key_resp_c =
    XBAR_DEVICE_FLOAT_KEY(resp_c, 0, "ald only: asymmetry c of the perturbed linear response, q+ = (1 + c)(1 - u/tau), "
                                     "q- = (1 - c)(1 + u/tau), u = w - sym_point: symmetric point sym_point + c*tau "
                                     "(in (-1, 1); 0: the ALD)");
static const xbar_key *const keys[] = {&key_resp_c, NULL};

/* g = w - sym_point within [-tau, tau] */
static void reference(const xbar_device_params *p, float *gmax, float *gmin, float *ref)
{
    *gmax = p->tau;
    *gmin = -p->tau;
    *ref = -p->sym_point;
}

static float step(const xbar_devices *d, size_t i, float g, int up, float nz)
{
    return xbar_device_bound_step(d, i, g, up, nz);
}

static const char *const instead[] = {"reference_mean", "its offset is device.sym_point", NULL};

const xbar_device_ops xbar_device_ops_ald = {
    .name = "ald",
    .summary = "the paper's asymmetric linear device: q+- = 1 -+ (w - sym_point)/tau on "
               "[sym_point - tau, sym_point + tau]; no variation by default",
    .flags = XBAR_DEVF_IDEAL | XBAR_DEVF_TAU,
    .defaults = defaults,
    .check = check,
    .reference = reference,
    .step_scale = step_scale,
    .step = step,
    .slope = XBAR_SLOPE_BOUND,
    .shape = "its slope follows from device.tau",
    .keys = keys,
    .instead = instead,
    .ref_sign = -1, /* w⋄_i = sym_point + ref_std xi_i = -r_i */
};
