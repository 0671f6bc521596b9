/*
 * device.c - the response of one resistive element to one pulse (xbar.h,
 * "Devices"; spec: paper.md §2, aihwkit.md §1a): what every model shares.
 * Each model's own parts (defaults, checks, coefficients, granularity, the
 * per-pulse step, its keys) are in its ops record (device_ops.h, dev_*.c).
 *
 * Per-device parameters are drawn with aihwkit's construction formulas (four
 * Philox normals per device: upper bound, lower bound, gain, asymmetry). One
 * pulse is evaluated in float32 in aihwkit's order, so that noise-free
 * response curves reproduce aihwkit's to the last bit. Every model works on
 * g = w + ref (ref = 0 except SOFT_BOUNDS_REF and the ALD, whose bounds are
 * given in g), so b_max / b_min bound g; xbar_device_clip() bounds w.
 *
 * A per-device reference (device.ref_std > 0, the models whose record has a
 * ref_sign) is drawn after the four normals, from its own stream (index 1), so
 * that no other draw changes: r_i = ref + δ_i. It is folded into the arrays
 * where that is exact (spread_reference below), else kept in ref_dev, which the
 * pulse arithmetic then reads instead of ref (xbar_device_ref_at).
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compose.h"
#include "device_ops.h"

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
    p.mult_noise = 1;
    for (int m = 0; m < XBAR_DEV_COUNT_; m++)
        if (xbar_device_table[m]->own_defaults) xbar_device_table[m]->own_defaults(&p);
    if ((unsigned)model >= XBAR_DEV_COUNT_) return p; /* refused by xbar_device_check */
    const xbar_device_ops *o = xbar_device_ops_of(model);
    if (o->defaults) o->defaults(&p);
    if (o->flags & XBAR_DEVF_TAU) {
        p.w_max = p.sym_point + p.tau;
        p.w_min = p.sym_point - p.tau;
    }
    if (o->flags & XBAR_DEVF_IDEAL) p.dw_min_dtod = p.up_down_dtod = p.w_max_dtod = p.w_min_dtod = p.dw_min_std = 0.0f;
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

const char *xbar_device_check(const xbar_device_params *p)
{
    if (!p) return "device: NULL parameters";
    const xbar_device_model m = p->model;
    if ((unsigned)m >= XBAR_DEV_COUNT_) XBAR_DEVICE_BAD("model", (int)m, "unknown device model");
    const xbar_device_ops *o = xbar_device_ops_of(m);
    /* every float of a key row finite (whether m reads it or not), >= 0 where the row says so */
    for (const xbar_key *k = xbar_device_keys(); k->section; k++) {
        if (k->type != XBAR_KEY_FLOAT) continue;
        const float v = *(const float *)((const char *)p + k->offset);
        if (!isfinite(v)) XBAR_DEVICE_BAD(k->key, v, "must be finite");
        if ((k->flags & XBAR_KEY_NONNEG) && v < 0) XBAR_DEVICE_BAD(k->key, v, "must be >= 0");
    }
    if (!memchr(p->piecewise_file, 0, sizeof p->piecewise_file))
        return xbar_msg("device.piecewise_file: not terminated within %d bytes", XBAR_KEY_STR_MAX);
    if (p->dw_min <= 0) XBAR_DEVICE_BAD("dw_min", p->dw_min, "must be > 0");
    if (o->flags & XBAR_DEVF_TAU) {
        if (p->tau <= 0) XBAR_DEVICE_BAD("tau", p->tau, "must be > 0");
        if (p->dw_min >= p->tau)
            return xbar_msg("device.dw_min = %g: must be < device.tau = %g", p->dw_min, p->tau);
    } else {
        /* aihwkit: [w_min, w_max] contains 0; strictly where a step divides by a bound */
        const int strict = (o->flags & XBAR_DEVF_STRICT) != 0;
        if (p->w_max < 0 || (strict && p->w_max == 0))
            XBAR_DEVICE_BAD("w_max", p->w_max, strict ? "must be > 0" : "must be >= 0");
        if (p->w_min > 0 || (strict && p->w_min == 0))
            XBAR_DEVICE_BAD("w_min", p->w_min, strict ? "must be < 0" : "must be <= 0");
        if (p->w_min >= p->w_max) XBAR_DEVICE_BAD("w_min", p->w_min, "must be < device.w_max");
    }
    return o->check ? o->check(p) : NULL;
}

/* ------------------------------------------------------------------------ */
/* Construction                                                             */
/* ------------------------------------------------------------------------ */

/* Weight granularity used by update management (aihwkit's per model). */
static float granularity(const xbar_device_ops *o, const xbar_device_params *p)
{
    const float g = o->granularity ? o->granularity(p) : p->dw_min;
    return g > 0 ? g : p->dw_min;
}

xbar_status xbar_devices_init(xbar_devices *d, const xbar_device_params *p, size_t n, uint32_t object)
{
    XBAR_NONNULL(d);
    memset(d, 0, sizeof *d);
    XBAR_NONNULL(p);
    const char *err = xbar_device_check(p);
    if (err) return xbar_fail(XBAR_EINVAL, "%s", err);
    return xbar_devices_init_unchecked(d, p, n, object);
}

/* The per-device reference offsets δ_i = ref_sign ref_std ξ_i (xbar.h, xbar_devices), four per
 * block of stream (XBAR_RNG_DTOD, object, 1). */
typedef struct {
    uint64_t seed, stream;
    float sd, z[4];
} ref_draws;

static float ref_delta(ref_draws *r, size_t i)
{
    if ((i & 3) == 0) xbar_rng_normal4(r->z, r->seed, r->stream, i >> 2);
    return r->sd * r->z[i & 3];
}

/* The per-device reference of a set drawn with ref_std > 0 (a model with a ref_sign).
 *
 * Fold: a BOUND model steps g = w + ref + δ by s (1 - g/b) (1 + σξ) (multiplicative) or s (1 - g/b)
 * (noise-free); with g' = w + ref that is s' (1 - g'/b') (1 + σξ), s' = s (1 - δ/b), b' = b - δ, and
 * the clip to [b_min, b_max] in g is the clip to [b_min', b_max'] in g': the same device in real
 * arithmetic, in the six arrays, so the kernels, the checkpoint check and the symmetric point need
 * nothing new. Additive noise, s (1 - g/b + σξ), would become s' (1 - g'/b' + σξ): its size s σ
 * scaled by 1 - δ/b, which no choice of the arrays undoes (the constant and the noise of the step
 * share s); there, and where some |δ_i| exceeds half the bound it moves towards (b' near 0: the
 * fold loses precision and b_min' <= 0 <= b_max' could fail), the arrays stay as drawn and ref_dev
 * holds r_i = ref + δ_i (aihwkit's reference array: g = w + r_i, step, clip, g - r_i). */
static xbar_status spread_reference(xbar_devices *d, const xbar_device_ops *o, uint32_t object)
{
    const size_t n = d->n;
    const xbar_device_params *q = &d->p;
    ref_draws rd = {q->construction_seed, xbar_stream(XBAR_RNG_DTOD, object, 1), (float)o->ref_sign * q->ref_std, {0}};
    int fold = o->slope == XBAR_SLOPE_BOUND && (q->dw_min_std == 0.0f || q->mult_noise);
    for (size_t i = 0; i < n && fold; i++) {
        const float dl = ref_delta(&rd, i);
        fold = dl == 0.0f || (dl >= 0.5f * d->b_min[i] && dl <= 0.5f * d->b_max[i]);
    }
    if (fold) {
        for (size_t i = 0; i < n; i++) {
            const float dl = ref_delta(&rd, i), bx = d->b_max[i], bn = d->b_min[i];
            if (dl == 0.0f) continue; /* the device as drawn, to the bit */
            d->s_up[i] *= 1.0f - dl / bx;
            d->s_dn[i] *= 1.0f - dl / bn;
            d->b_max[i] = bx - dl;
            d->b_min[i] = bn - dl;
        }
        return XBAR_OK;
    }
    float *blk = n <= SIZE_MAX / (7 * sizeof(float)) ? realloc(d->b_max, 7 * n * sizeof(float)) : NULL;
    if (!blk) {
        xbar_devices_free(d);
        return xbar_fail(XBAR_ENOMEM, "devices: cannot allocate the references of %zu devices", n);
    }
    float **arrays[7] = {&d->b_max, &d->b_min, &d->s_up, &d->s_dn, &d->a_up, &d->a_dn, &d->ref_dev};
    for (int k = 0; k < 7; k++) *arrays[k] = blk + (size_t)k * n;
    for (size_t i = 0; i < n; i++) d->ref_dev[i] = d->ref + ref_delta(&rd, i);
    return XBAR_OK;
}

xbar_status xbar_devices_init_unchecked(xbar_devices *d, const xbar_device_params *p, size_t n, uint32_t object)
{
    memset(d, 0, sizeof *d);
    if (n == 0 || n > SIZE_MAX / (6 * sizeof(float)))
        return xbar_fail(XBAR_EINVAL, "devices: n = %zu: must be > 0 and addressable", n);
    float *blk = malloc(6 * n * sizeof(float));
    if (!blk) return xbar_fail(XBAR_ENOMEM, "devices: cannot allocate %zu devices", n);
    float **arrays[6] = {&d->b_max, &d->b_min, &d->s_up, &d->s_dn, &d->a_up, &d->a_dn};
    for (int k = 0; k < 6; k++) *arrays[k] = blk + (size_t)k * n;
    d->p = *p;
    d->n = n;

    xbar_device_params *q = &d->p;
    const xbar_device_ops *o = xbar_device_ops_of(q->model);
    if (o->flags & XBAR_DEVF_TAU) {
        q->w_max = q->sym_point + q->tau;
        q->w_min = q->sym_point - q->tau;
    }
    float wmax = q->w_max, wmin = q->w_min, ref = 0.0f; /* bounds of g, reference */
    if (o->reference) o->reference(q, &wmax, &wmin, &ref);

    const float up_bias = fminf(q->up_down, 0.0f), down_bias = -fmaxf(q->up_down, 0.0f);
    float su = 1.0f, sd = 1.0f; /* the model's step factors (ALD's resp_c) */
    if (o->step_scale) o->step_scale(q, &su, &sd);
    const uint64_t stream = xbar_stream(XBAR_RNG_DTOD, object, 0);
    for (size_t i = 0; i < n; i++) {
        float z[4];
        xbar_rng_normal4(z, q->construction_seed, stream, i);
        float bu = wmax * (1.0f + q->w_max_dtod * z[0]), bl = wmin * (1.0f + q->w_min_dtod * z[1]);
        const float gain = 1.0f + q->dw_min_dtod * z[2], r = q->up_down_dtod * z[3];
        /* enforce_consistency: positive steps, ordered bounds around 0 */
        d->s_up[i] = fabsf((up_bias + gain + r) * q->dw_min);
        d->s_dn[i] = fabsf((down_bias + gain - r) * q->dw_min);
        if (o->step_scale) d->s_up[i] *= su, d->s_dn[i] *= sd;
        if (bl > bu) {
            const float t = bl;
            bl = bu;
            bu = t;
        }
        d->b_max[i] = fabsf(bu);
        d->b_min[i] = -fabsf(bl);
        for (int up = 0; up < 2; up++) { /* model coefficients a_dn, a_up: slopes or exponents */
            const float s = up ? d->s_up[i] : d->s_dn[i], b = up ? d->b_max[i] : d->b_min[i];
            *(up ? &d->a_up[i] : &d->a_dn[i]) = o->coef ? o->coef(q, up, s, b) : 0.0f;
        }
    }
    d->ref = ref;
    d->granularity = granularity(o, q);
    if (o->ref_sign && q->ref_std > 0.0f) return spread_reference(d, o, object);
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

float xbar_device_pulse_unchecked(const xbar_devices *d, size_t i, float w, int up, float xi)
{
    return xbar_device_pulse_with(xbar_device_ops_of(d->p.model)->step, d, i, w, up, xi);
}

float xbar_device_clip_unchecked(const xbar_devices *d, size_t i, float w)
{
    const float r = xbar_device_ref_at(d, i), g = w + r;
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
        const double sg = up ? 1.0 : -1.0, f = 1.0 + sg * a, r = xbar_device_ref_at(d, i);
        double g = (double)w + r;
        if (f >= 0.0) {
            if (a == 0.0) g += sg * s * n;
            else g = -s / a + xbar_powu(f, n) * (g + s / a);
            g = g < d->b_min[i] ? d->b_min[i] : (g > d->b_max[i] ? d->b_max[i] : g);
            return (float)(g - r);
        }
    }
    const xbar_device_step_fn step = xbar_device_ops_of(d->p.model)->step;
    for (unsigned k = 0; k < n; k++) w = xbar_device_pulse_with(step, d, i, w, up, 0.0f);
    return w;
}

int xbar_device_pulses_composed_unchecked(const xbar_devices *d, size_t i, float w, int up, unsigned n, float xi,
                                          float *out)
{
    return compose_one(d, i, w, up, n, d->p.dw_min_std != 0.0f ? &xi : NULL, out);
}

void xbar_device_q_unchecked(const xbar_devices *d, size_t i, double w, double *q_up, double *q_dn)
{
    const xbar_device_step_fn step = xbar_device_ops_of(d->p.model)->step;
    const float g = (float)(w + xbar_device_ref_at(d, i));
    *q_up = step(d, i, g, 1, 0.0f) / (double)d->granularity;
    *q_dn = step(d, i, g, 0, 0.0f) / (double)d->granularity;
}

/* The noise-free step of device i at g in double precision (device_ops.h step_exact). */
static double step_exact(const xbar_devices *d, size_t i, double g, int up)
{
    const xbar_device_ops *o = xbar_device_ops_of(d->p.model);
    double s, a;
    if (o->step_exact) return o->step_exact(d, i, g, up);
    if (xbar_linear_step(d, i, up, &s, &a)) return s + a * g;
    return o->step(d, i, (float)g, up, 0.0f);
}

/* q+, q- of device i at w from step_exact */
static void q_exact(const xbar_devices *d, size_t i, double w, double *qu, double *qd)
{
    const double g = w + xbar_device_ref_at(d, i);
    *qu = step_exact(d, i, g, 1) / d->granularity;
    *qd = step_exact(d, i, g, 0) / d->granularity;
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
    const double r = xbar_device_ref_at(d, i), lo = d->b_min[i] - r, hi = d->b_max[i] - r;
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

xbar_status xbar_device_response(const xbar_devices *d, size_t i, double w, xbar_response *r)
{
    XBAR_NONNULL(r);
    if (!device_ok(d, i, __func__)) return XBAR_EINVAL;
    if (!isfinite(w)) return xbar_fail(XBAR_EINVAL, "%s: w = %g: must be finite", __func__, w);
    /* central differences of the double-precision step: h = 1e-6 of the range */
    const double h = 1e-6 * ((double)d->b_max[i] - (double)d->b_min[i]);
    double qu, qd, ua, da, ub, db;
    q_exact(d, i, w, &qu, &qd);
    q_exact(d, i, w + h, &ua, &da);
    q_exact(d, i, w - h, &ub, &db);
    r->q_up = qu, r->q_dn = qd;
    r->F = 0.5 * (qd + qu), r->G = 0.5 * (qd - qu);
    r->dF = 0.5 * ((da + ua) - (db + ub)) / (2 * h);
    r->dG = 0.5 * ((da - ua) - (db - ub)) / (2 * h);
    return XBAR_OK;
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
