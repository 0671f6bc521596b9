/*
 * device.c - the response of one resistive element to one pulse (xbar.h,
 * "Devices"; spec: paper.md §2, aihwkit.md §1a).
 *
 * Per-device parameters are drawn with aihwkit's construction formulas (four
 * Philox normals per device: upper bound, lower bound, gain, asymmetry). One
 * pulse is evaluated in float32 in aihwkit's order, so that noise-free
 * response curves reproduce aihwkit's to the last bit. Every model works on
 * g = w + ref (ref = 0 except SOFT_BOUNDS_REF and the ALD, whose bounds are
 * given in g), so b_max / b_min bound g; xbar_device_clip() bounds w.
 *
 * One formula per model, parametrised by the direction: s, a and the bound
 * approached are picked for "up" or "down" once, then the same code runs.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compose.h"
#include "internal.h"

/* ------------------------------------------------------------------------ */
/* Names                                                                    */
/* ------------------------------------------------------------------------ */

static const char *const model_names[XBAR_DEV_COUNT_] = {
    "ald",     "constant_step", "linear_step",    "soft_bounds", "soft_bounds_ref", "pow_step",
    "exp_step", "piecewise_step", "exp_paper", "pow_zs",      "exp_zs"};

const char *xbar_device_model_name(xbar_device_model m)
{
    return (unsigned)m < XBAR_DEV_COUNT_ ? model_names[m] : "unknown";
}

int xbar_device_model_from_name(const char *name)
{
    return xbar_name_index(model_names, XBAR_DEV_COUNT_, name);
}

/* The paper's ideal devices: no variation by default. */
static int paper_form(xbar_device_model m) { return m == XBAR_DEV_ALD || m >= XBAR_DEV_EXP_PAPER; }
/* Models parametrised by tau / sym_point instead of w_max / w_min. */
static int tau_form(xbar_device_model m)
{
    return m == XBAR_DEV_ALD || m == XBAR_DEV_POW_ZS || m == XBAR_DEV_EXP_ZS;
}

/* ------------------------------------------------------------------------ */
/* Defaults                                                                 */
/* ------------------------------------------------------------------------ */

xbar_device_params xbar_device_defaults(xbar_device_model model)
{
    xbar_device_params p;
    memset(&p, 0, sizeof p);
    p.model = model;
    p.dw_min = 0.001f;
    p.w_max = 0.6f;
    p.w_min = -0.6f;
    p.tau = 1.0f;
    p.dw_min_dtod = 0.3f;
    p.up_down_dtod = 0.01f;
    p.w_max_dtod = p.w_min_dtod = 0.3f;
    p.dw_min_std = 0.3f;
    p.mult_noise = !(model == XBAR_DEV_SOFT_BOUNDS_REF || model == XBAR_DEV_ALD);
    p.mean_bound_reference = 1;
    p.pow_gamma = 1.0f;
    p.exp_A_up = 0.00081f;
    p.exp_A_down = 0.36833f;
    p.exp_a = 0.244f;
    p.exp_b = 0.2425f;
    p.gamma_res = 2.0f;
    p.piecewise_n = 2;
    for (int k = 0; k < XBAR_PIECEWISE_MAX; k++) p.piecewise_up[k] = p.piecewise_down[k] = 1.0f;
    if (model == XBAR_DEV_EXP_STEP) {
        p.gamma_up = 12.44625f;
        p.gamma_down = 12.78785f;
    }
    if (tau_form(model)) {
        p.w_max = p.sym_point + p.tau;
        p.w_min = p.sym_point - p.tau;
    }
    if (paper_form(model)) p.dw_min_dtod = p.up_down_dtod = p.w_max_dtod = p.w_min_dtod = p.dw_min_std = 0.0f;
    return p;
}

xbar_device_params xbar_device_ideal(xbar_device_model model)
{
    xbar_device_params p = xbar_device_defaults(model);
    p.dw_min_dtod = p.up_down_dtod = p.w_max_dtod = p.w_min_dtod = p.dw_min_std = 0.0f;
    return p;
}

/* ------------------------------------------------------------------------ */
/* Validation                                                               */
/* ------------------------------------------------------------------------ */

#define F_(name, nonneg) {#name, offsetof(xbar_device_params, name), nonneg}
static const struct {
    const char *key;
    size_t off;
    int nonneg;
} float_fields[] = {
    F_(dw_min, 0),       F_(w_max, 0),      F_(w_min, 0),      F_(tau, 0),        F_(sym_point, 0),
    F_(up_down, 0),      F_(dw_min_dtod, 1), F_(up_down_dtod, 1), F_(w_max_dtod, 1), F_(w_min_dtod, 1),
    F_(dw_min_std, 1),   F_(gamma_up, 0),   F_(gamma_down, 0), F_(pow_gamma, 0),  F_(pow_up_down, 0),
    F_(exp_A_up, 0),     F_(exp_A_down, 0), F_(exp_a, 0),      F_(exp_b, 0),      F_(reference_mean, 0),
    F_(gamma_res, 0)};
#undef F_

#define BAD(key, v, why) return xbar_msg("device.%s = %g: %s", key, (double)(v), why)

const char *xbar_device_check(const xbar_device_params *p)
{
    if (!p) return "device: NULL parameters";
    const xbar_device_model m = p->model;
    if ((unsigned)m >= XBAR_DEV_COUNT_) BAD("model", (int)m, "unknown device model");
    for (size_t k = 0; k < sizeof float_fields / sizeof float_fields[0]; k++) {
        const float v = *(const float *)((const char *)p + float_fields[k].off);
        if (!isfinite(v)) BAD(float_fields[k].key, v, "must be finite");
        if (float_fields[k].nonneg && v < 0) BAD(float_fields[k].key, v, "must be >= 0");
    }
    if (p->dw_min <= 0) BAD("dw_min", p->dw_min, "must be > 0");
    if (tau_form(m)) {
        if (p->tau <= 0) BAD("tau", p->tau, "must be > 0");
        if (p->dw_min >= p->tau)
            return xbar_msg("device.dw_min = %g: must be < device.tau = %g", p->dw_min, p->tau);
        if (m != XBAR_DEV_ALD && fabsf(p->sym_point) > p->tau)
            return xbar_msg("device.sym_point = %g: |sym_point| must be <= device.tau = %g", p->sym_point,
                            p->tau);
        if (m != XBAR_DEV_ALD && p->gamma_res <= 0) BAD("gamma_res", p->gamma_res, "must be > 0");
    } else {
        /* aihwkit: [w_min, w_max] contains 0; strictly where a step divides by a bound */
        const int strict = m == XBAR_DEV_LINEAR_STEP || m == XBAR_DEV_SOFT_BOUNDS || m == XBAR_DEV_SOFT_BOUNDS_REF;
        if (p->w_max < 0 || (strict && p->w_max == 0)) BAD("w_max", p->w_max, strict ? "must be > 0" : "must be >= 0");
        if (p->w_min > 0 || (strict && p->w_min == 0)) BAD("w_min", p->w_min, strict ? "must be < 0" : "must be <= 0");
        if (p->w_min >= p->w_max) BAD("w_min", p->w_min, "must be < device.w_max");
    }
    if (m == XBAR_DEV_EXP_PAPER && p->pow_gamma <= 0) BAD("pow_gamma", p->pow_gamma, "must be > 0");
    if (m == XBAR_DEV_PIECEWISE_STEP) {
        if (p->piecewise_n < 2 || p->piecewise_n > XBAR_PIECEWISE_MAX)
            return xbar_msg("device.piecewise_n = %d: must be in [2, %d]", p->piecewise_n, XBAR_PIECEWISE_MAX);
        for (int k = 0; k < p->piecewise_n; k++) {
            if (!isfinite(p->piecewise_up[k]) || p->piecewise_up[k] < 0)
                return xbar_msg("device.piecewise_up[%d] = %g: must be finite and >= 0", k, p->piecewise_up[k]);
            if (!isfinite(p->piecewise_down[k]) || p->piecewise_down[k] < 0)
                return xbar_msg("device.piecewise_down[%d] = %g: must be finite and >= 0", k,
                                p->piecewise_down[k]);
        }
    }
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* Construction                                                             */
/* ------------------------------------------------------------------------ */

/* Model coefficients a_up / a_dn of device i (slopes or exponents). */
static void set_coefs(xbar_devices *d, size_t i)
{
    const xbar_device_params *p = &d->p;
    for (int up = 0; up < 2; up++) {
        const float s = up ? d->s_up[i] : d->s_dn[i], b = up ? d->b_max[i] : d->b_min[i];
        float a = 0.0f;
        switch (p->model) {
        case XBAR_DEV_LINEAR_STEP: /* step = s (1 - gamma w / W), W = configured or per-device bound */
            a = -fabsf(up ? p->gamma_up : p->gamma_down) * s /
                (p->mean_bound_reference ? (up ? p->w_max : p->w_min) : b);
            break;
        case XBAR_DEV_SOFT_BOUNDS: a = -s / b; break;
        case XBAR_DEV_POW_STEP:
        case XBAR_DEV_EXP_PAPER:
            a = up ? p->pow_gamma * (1.0f + fminf(p->pow_up_down, 0.0f))
                   : p->pow_gamma * (1.0f - fmaxf(p->pow_up_down, 0.0f));
            break;
        case XBAR_DEV_POW_ZS:
        case XBAR_DEV_EXP_ZS: a = p->gamma_res; break;
        default: break;
        }
        *(up ? &d->a_up[i] : &d->a_dn[i]) = a;
    }
}

/* Weight granularity used by update management (aihwkit's per model). */
static float granularity(const xbar_device_params *p)
{
    float g = p->dw_min;
    switch (p->model) {
    case XBAR_DEV_POW_STEP: g = p->dw_min * powf(0.5f, p->pow_gamma); break;
    case XBAR_DEV_PIECEWISE_STEP: g = p->dw_min * p->piecewise_up[p->piecewise_n / 2]; break;
    case XBAR_DEV_EXP_STEP: /* nominal down step at w = 0, where z = b */
        g = ((1.0f - fmaxf(p->up_down, 0.0f)) * p->dw_min) *
            fmaxf(1.0f - p->exp_A_down * expf(p->gamma_down * -p->exp_b), 0.0f);
        break;
    default: break;
    }
    return g > 0 ? g : p->dw_min;
}

xbar_status xbar_devices_init(xbar_devices *d, const xbar_device_params *p, size_t n, uint32_t object)
{
    XBAR_NONNULL(d);
    memset(d, 0, sizeof *d);
    XBAR_NONNULL(p);
    const char *err = xbar_device_check(p);
    if (err) return xbar_fail(XBAR_EINVAL, "%s", err);
    if (n == 0 || n > SIZE_MAX / (6 * sizeof(float)))
        return xbar_fail(XBAR_EINVAL, "devices: n = %zu: must be > 0 and addressable", n);
    float *blk = malloc(6 * n * sizeof(float));
    if (!blk) return xbar_fail(XBAR_ENOMEM, "devices: cannot allocate %zu devices", n);
    float **arrays[6] = {&d->b_max, &d->b_min, &d->s_up, &d->s_dn, &d->a_up, &d->a_dn};
    for (int k = 0; k < 6; k++) *arrays[k] = blk + (size_t)k * n;
    d->p = *p;
    d->n = n;

    xbar_device_params *q = &d->p;
    float wmax = q->w_max, wmin = q->w_min, ref = 0.0f; /* bounds of g, reference */
    if (tau_form(q->model)) {
        q->w_max = q->sym_point + q->tau;
        q->w_min = q->sym_point - q->tau;
        wmax = q->model == XBAR_DEV_ALD ? q->tau : q->w_max;
        wmin = q->model == XBAR_DEV_ALD ? -q->tau : q->w_min;
        if (q->model == XBAR_DEV_ALD) ref = -q->sym_point;
    }
    if (q->model == XBAR_DEV_SOFT_BOUNDS_REF) ref = q->reference_mean;

    const float up_bias = fminf(q->up_down, 0.0f), down_bias = -fmaxf(q->up_down, 0.0f);
    const uint64_t stream = xbar_stream(XBAR_RNG_DTOD, object, 0);
    for (size_t i = 0; i < n; i++) {
        float z[4];
        xbar_rng_normal4(z, q->construction_seed, stream, i);
        float bu = wmax * (1.0f + q->w_max_dtod * z[0]), bl = wmin * (1.0f + q->w_min_dtod * z[1]);
        const float gain = 1.0f + q->dw_min_dtod * z[2], r = q->up_down_dtod * z[3];
        /* enforce_consistency: positive steps, ordered bounds around 0 */
        d->s_up[i] = fabsf((up_bias + gain + r) * q->dw_min);
        d->s_dn[i] = fabsf((down_bias + gain - r) * q->dw_min);
        if (bl > bu) {
            const float t = bl;
            bl = bu;
            bu = t;
        }
        d->b_max[i] = fabsf(bu);
        d->b_min[i] = -fabsf(bl);
        set_coefs(d, i);
    }
    d->ref = ref;
    d->granularity = granularity(q);
    return XBAR_OK;
}

void xbar_devices_free(xbar_devices *d)
{
    if (!d) return;
    free(d->b_max); /* the one block holding every array */
    memset(d, 0, sizeof *d);
}

/* ------------------------------------------------------------------------ */
/* One pulse                                                                */
/* ------------------------------------------------------------------------ */

/*
 * Magnitude of one up / down pulse of device i at g = w + ref, with the c2c
 * term nz = dw_min_std * xi (exactly 0 without noise, so every (1 + nz) is 1).
 * Float32, evaluated in aihwkit's order (fixture README, "Per-pulse formulas").
 */
static float step(const xbar_devices *d, size_t i, float g, int up, float nz)
{
    const xbar_device_params *p = &d->p;
    const float s = up ? d->s_up[i] : d->s_dn[i], a = up ? d->a_up[i] : d->a_dn[i];
    const float hi = d->b_max[i], lo = d->b_min[i], R = hi - lo;
    const float dist = fmaxf(up ? hi - g : g - lo, 0.0f); /* to the bound approached */
    float q;
    switch (p->model) {
    case XBAR_DEV_CONSTANT_STEP: return s * (1.0f + nz);
    case XBAR_DEV_LINEAR_STEP:
    case XBAR_DEV_SOFT_BOUNDS: return p->mult_noise ? (a * g + s) * (1.0f + nz) : a * g + s * (1.0f + nz);
    case XBAR_DEV_ALD:
    case XBAR_DEV_SOFT_BOUNDS_REF: q = 1.0f - g / (up ? hi : lo); break;
    case XBAR_DEV_EXP_STEP: {
        const float z = ((2.0f * g) / R) * p->exp_a + p->exp_b;
        const float y = up ? 1.0f - p->exp_A_up * expf(p->gamma_up * z)
                           : 1.0f - p->exp_A_down * expf(p->gamma_down * -z);
        return (fmaxf(y, 0.0f) * (1.0f + nz)) * s;
    }
    case XBAR_DEV_POW_STEP: return s * powf(dist / R, a) * (1.0f + nz);
    case XBAR_DEV_PIECEWISE_STEP: {
        const int n = p->piecewise_n - 1;
        const float *t = up ? p->piecewise_up : p->piecewise_down;
        const float x = fmaxf(((g - lo) / R) * (float)n, 0.0f);
        const int k = (int)fminf(floorf(x), (float)(n - 1));
        const float f = fminf(x - (float)k, 1.0f);
        return (s * ((1.0f - f) * t[k] + f * t[k + 1])) * (1.0f + nz);
    }
    case XBAR_DEV_EXP_PAPER: q = 1.0f - expf(-a * (dist / R)); break;
    case XBAR_DEV_POW_ZS: q = powf(2.0f * dist / R, a); break;       /* (1 -+ w/tau)^gamma */
    case XBAR_DEV_EXP_ZS: q = expm1f(a * (2.0f * dist / R)) / expm1f(a); break;
    default: return 0.0f;
    }
    return p->mult_noise ? s * q * (1.0f + nz) : s * (q + nz);
}

float xbar_device_pulse_unchecked(const xbar_devices *d, size_t i, float w, int up, float xi)
{
    const float nz = d->p.dw_min_std != 0.0f ? d->p.dw_min_std * xi : 0.0f, r = d->ref;
    float g = w + r;
    const float dg = step(d, i, g, up != 0, nz);
    g = up ? g + dg : g - dg;
    return xbar_clampf(g, d->b_min[i], d->b_max[i]) - r;
}

float xbar_device_clip_unchecked(const xbar_devices *d, size_t i, float w)
{
    const float r = d->ref, g = w + r;
    return g > d->b_max[i] ? d->b_max[i] - r : (g < d->b_min[i] ? d->b_min[i] - r : w);
}

/* ------------------------------------------------------------------------ */
/* Many pulses, response factors, symmetric point                           */
/* ------------------------------------------------------------------------ */

/* The closed form of compose.c for one slot (xi NULL: noise-free); 0 where it does not apply. */
static int compose_one(const xbar_devices *d, size_t i, float w, int up, unsigned n, const float *xi, float *out)
{
    const int32_t col = 0, dir = up != 0, cnt = (int32_t)n;
    float ok = 0.0f, res;
    if (n == 0 || n > INT32_MAX || xbar_compose_slots(d, i, &w, 1, &col, &dir, &cnt, xi, &res, &ok, cnt, dir) != 1)
        return 0;
    *out = res;
    return 1;
}

float xbar_device_pulses_unchecked(const xbar_devices *d, size_t i, float w, int up, unsigned n)
{
    float out;
    /* strictly inside the bounds: the single-precision form, the bits of the row kernels */
    if (compose_one(d, i, w, up, n, NULL, &out)) return out;
    double s, a;
    up = up != 0;
    if (xbar_linear_step(d, i, up, &s, &a)) {
        /* g' = g + sg (s + a g) = f g + sg s: geometric towards the fixed point -s/a,
         * e.g. ALD: tau - w_n = (1 - dw/tau)^n (tau - w_0). Monotone, so clip once. */
        const double sg = up ? 1.0 : -1.0, f = 1.0 + sg * a, r = d->ref;
        double g = (double)w + r;
        if (f >= 0.0) {
            if (a == 0.0) g += sg * s * n;
            else g = -s / a + xbar_powu(f, n) * (g + s / a);
            g = g < d->b_min[i] ? d->b_min[i] : (g > d->b_max[i] ? d->b_max[i] : g);
            return (float)(g - r);
        }
    }
    for (unsigned k = 0; k < n; k++) w = xbar_device_pulse_unchecked(d, i, w, up, 0.0f);
    return w;
}

int xbar_device_pulses_composed_unchecked(const xbar_devices *d, size_t i, float w, int up, unsigned n, float xi,
                                          float *out)
{
    return compose_one(d, i, w, up, n, d->p.dw_min_std != 0.0f ? &xi : NULL, out);
}

void xbar_device_q_unchecked(const xbar_devices *d, size_t i, double w, double *q_up, double *q_dn)
{
    const float g = (float)(w + d->ref);
    *q_up = step(d, i, g, 1, 0.0f) / (double)d->granularity;
    *q_dn = step(d, i, g, 0, 0.0f) / (double)d->granularity;
}

static void device_FG(const xbar_devices *d, size_t i, double w, double *F, double *G)
{
    double qu, qd;
    xbar_device_q_unchecked(d, i, w, &qu, &qd);
    *F = 0.5 * (qd + qu);
    *G = 0.5 * (qd - qu);
}

static double symmetric_point(const xbar_devices *d, size_t i)
{
    const double r = d->ref, lo = d->b_min[i] - r, hi = d->b_max[i] - r;
    double su, au, sd, ad, F, G;
    if (xbar_linear_step(d, i, 1, &su, &au) && xbar_linear_step(d, i, 0, &sd, &ad)) {
        /* G = 0 where su + au g = sd + ad g; G increases with w (ad >= 0 >= au). */
        const double g = au != ad ? (sd - su) / (au - ad) : (su == sd ? r : (sd > su ? -HUGE_VAL : HUGE_VAL));
        return fmin(fmax(g - r, lo), hi);
    }
    /* Bisection on G (increasing in w); a bound if G keeps its sign. */
    device_FG(d, i, lo, &F, &G);
    if (G >= 0) return lo;
    device_FG(d, i, hi, &F, &G);
    if (G <= 0) return hi;
    double a = lo, b = hi;
    for (int k = 0; k < 100 && b - a > 1e-12 * (hi - lo); k++) {
        const double m = 0.5 * (a + b);
        device_FG(d, i, m, &F, &G);
        *(G > 0 ? &b : &a) = m;
    }
    return 0.5 * (a + b);
}

/* ------------------------------------------------------------------------ */
/* Checked entry points (xbar.h, "Argument contract")                       */
/* ------------------------------------------------------------------------ */

/* 1 if d is an initialised set and i one of its devices, else 0 with the error set. */
static int device_ok(const xbar_devices *d, size_t i, const char *fn)
{
    if (!d) return !xbar_fail(XBAR_EINVAL, "%s: d is NULL", fn);
    if (!d->b_max || !d->n) return !xbar_fail(XBAR_EINVAL, "%s: d is not initialised (xbar_devices_init)", fn);
    if (i >= d->n) return !xbar_fail(XBAR_EINVAL, "%s: device %zu >= %zu devices", fn, i, d->n);
    return 1;
}

float xbar_device_pulse(const xbar_devices *d, size_t i, float w, int up, float xi)
{
    return device_ok(d, i, __func__) ? xbar_device_pulse_unchecked(d, i, w, up, xi) : NAN;
}

float xbar_device_pulses(const xbar_devices *d, size_t i, float w, int up, unsigned n)
{
    return device_ok(d, i, __func__) ? xbar_device_pulses_unchecked(d, i, w, up, n) : NAN;
}

int xbar_device_pulses_composed(const xbar_devices *d, size_t i, float w, int up, unsigned n, float xi,
                                float *out)
{
    XBAR_NONNULL_OR(0, out);
    return device_ok(d, i, __func__) ? xbar_device_pulses_composed_unchecked(d, i, w, up, n, xi, out) : 0;
}

xbar_status xbar_device_q(const xbar_devices *d, size_t i, double w, double *q_up, double *q_dn)
{
    if (!device_ok(d, i, __func__)) return XBAR_EINVAL;
    double qu, qd;
    xbar_device_q_unchecked(d, i, w, &qu, &qd);
    if (q_up) *q_up = qu;
    if (q_dn) *q_dn = qd;
    return XBAR_OK;
}

xbar_status xbar_device_FG(const xbar_devices *d, size_t i, double w, double *F, double *G)
{
    if (!device_ok(d, i, __func__)) return XBAR_EINVAL;
    double f, g;
    device_FG(d, i, w, &f, &g);
    if (F) *F = f;
    if (G) *G = g;
    return XBAR_OK;
}

double xbar_device_symmetric_point(const xbar_devices *d, size_t i)
{
    return device_ok(d, i, __func__) ? symmetric_point(d, i) : NAN;
}

float xbar_device_clip(const xbar_devices *d, size_t i, float w)
{
    return device_ok(d, i, __func__) ? xbar_device_clip_unchecked(d, i, w) : NAN;
}
