/*
 * device_ops.h - the device table: what one device model is, as one ops record
 * (private to the library).
 *
 * Each model (or small family) lives in one file src/device/dev_NAME.c that
 * defines `const xbar_device_ops xbar_device_ops_NAME` (NAME as in the
 * XBAR_DEVICE_MODELS line of xbar.h). device_table.c declares the records and
 * indexes them by model from that one list; device.c runs the parts every model
 * shares (defaults, checks, construction draws, pulse loop, q, F, G, symmetric
 * point) and calls the record for the rest; compose.[ch] read its slope source;
 * device_keys.c assembles the [device] key rows from the records.
 *
 * Adding a model: a file dev_NAME.c with its record, the line X(UPPER, NAME) at
 * the end of XBAR_DEVICE_MODELS, and its parameter fields in xbar_device_params.
 * tests/test_device_contract.c then runs the generic tests on it.
 */
#ifndef XBAR_DEVICE_OPS_H
#define XBAR_DEVICE_OPS_H

#include <math.h>
#include <stddef.h>

#include "internal.h"
#include "xbar.h"

/** Flags of a model. */
enum {
    XBAR_DEVF_IDEAL = 1u << 0,    /* the paper's ideal form: no variation by default (defaults = ideal) */
    XBAR_DEVF_TAU = 1u << 1,      /* bounds from tau / sym_point (w_max = sym_point + tau, ...): reads
                                     device.tau / sym_point, not w_max / w_min; checks tau > 0, dw_min < tau */
    XBAR_DEVF_STRICT = 1u << 2,   /* w_max > 0 > w_min strictly (a step divides by a bound) */
    XBAR_DEVF_MULT_ONLY = 1u << 3 /* c2c noise always multiplicative: does not read device.mult_noise */
};

/** Where the closed form of n pulses (compose.h) finds the slope a of a linear model's
 *  noise-free step s + a g; NONE: no closed form (pulse one by one). */
typedef enum {
    XBAR_SLOPE_NONE = 0,
    XBAR_SLOPE_ZERO,  /* a = 0: constant step */
    XBAR_SLOPE_ARRAY, /* a = a_up / a_dn of the device (the record's coef) */
    XBAR_SLOPE_BOUND  /* a = -s / b, b the bound approached (step s (1 - g / b)) */
} xbar_slope;

/** Magnitude (>= 0 before noise) of one up / down pulse of device i at g = w + ref, with
 *  the c2c term nz = dw_min_std xi (exactly 0 without noise). Float32, in aihwkit's order. */
typedef float (*xbar_device_step_fn)(const xbar_devices *d, size_t i, float g, int up, float nz);

typedef struct {
    const char *name;    /* the X-macro's lower-case name, e.g. "soft_bounds" */
    const char *summary; /* one line for --help */
    unsigned flags;      /* XBAR_DEVF_* */
    /* defaults of the fields only this model (family) reads, set by xbar_device_defaults
     * whatever the model, so that a config that switches device.model finds them set;
     * NULL: none */
    void (*own_defaults)(xbar_device_params *p);
    /* the chosen model's defaults over the shared ones (xbar_device_defaults); NULL: none */
    void (*defaults)(xbar_device_params *p);
    /* the model's checks, after the shared ones (finite fields, bounds); NULL: none */
    const char *(*check)(const xbar_device_params *p);
    /* bounds of g (*gmax, *gmin: w_max, w_min on entry) and the offset ref of g = w + ref
     * (0 on entry); NULL: g = w */
    void (*reference)(const xbar_device_params *p, float *gmax, float *gmin, float *ref);
    /* factors of every device's drawn up and down steps (*up, *dn: 1 on entry); NULL: none */
    void (*step_scale)(const xbar_device_params *p, float *up, float *dn);
    /* a_up (up = 1) / a_dn of a device with step s and bound b approached; NULL: 0 */
    float (*coef)(const xbar_device_params *p, int up, float s, float b);
    /* weight granularity (update management, pulse counts); NULL or <= 0: dw_min */
    float (*granularity)(const xbar_device_params *p);
    xbar_device_step_fn step; /* one pulse */
    /* the noise-free step of device i at g in double precision (xbar_device_response);
     * NULL: the linear form of `slope` where there is one, else `step` in float32 */
    double (*step_exact)(const xbar_devices *d, size_t i, double g, int up);
    xbar_slope slope;         /* closed form of n pulses */
    /* the model's own [device] keys beyond the shared ones, NULL-terminated (NULL: none);
     * the shared optional keys it reads follow from flags (tau / sym_point or w_max /
     * w_min; mult_noise unless MULT_ONLY) */
    const xbar_key *const *keys;
    /* what sets the model's shape, for a key it does not read (xbar_device_key_unused) */
    const char *shape;
    /* pairs {key, text} replacing `shape` for those keys, NULL-terminated; NULL: none */
    const char *const *instead;
    /* reads device.ref_std: the reference of device i is r_i = ref + ref_sign ref_std xi_i
     * (1: the reference itself, soft_bounds_ref; -1: the symmetric point -ref, ald); 0: the
     * model has no reference offset (device.c folds it into the arrays for XBAR_SLOPE_BOUND
     * models, else keeps xbar_devices.ref_dev) */
    int ref_sign;
} xbar_device_ops;

/** The records, indexed by model (device_table.c). */
extern const xbar_device_ops *const xbar_device_table[XBAR_DEV_COUNT_];

/** The record of a valid model. */
static inline const xbar_device_ops *xbar_device_ops_of(xbar_device_model m) { return xbar_device_table[m]; }

/** The reference r of device i (g = w + r): its own where the set keeps one per device. */
static inline float xbar_device_ref_at(const xbar_devices *d, size_t i) { return d->ref_dev ? d->ref_dev[i] : d->ref; }

/** One pulse on device i at weight w with the model's step (fetched once by callers that
 *  loop): the new weight, clipped. As xbar_device_pulse_unchecked. */
static inline float xbar_device_pulse_with(xbar_device_step_fn step, const xbar_devices *d, size_t i, float w, int up,
                                           float xi)
{
    const float nz = d->p.dw_min_std != 0.0f ? d->p.dw_min_std * xi : 0.0f, r = xbar_device_ref_at(d, i);
    float g = w + r;
    const float dg = step(d, i, g, up != 0, nz);
    g = up ? g + dg : g - dg;
    return xbar_clampf(g, d->b_min[i], d->b_max[i]) - r;
}

/** The step s q of a response q with c2c term nz: multiplicative s q (1 + nz) or additive
 *  s (q + nz) by device.mult_noise (the models that read it). */
static inline float xbar_device_q_step(const xbar_device_params *p, float s, float q, float nz)
{
    return p->mult_noise ? s * q * (1.0f + nz) : s * (q + nz);
}

/* Steps shared by families (each model's step calls one; inlined there). */

/** Linear in g with the per-device slope a: a g + s (LINEAR_STEP, SOFT_BOUNDS). */
static inline float xbar_device_slope_step(const xbar_devices *d, size_t i, float g, int up, float nz)
{
    const float s = up ? d->s_up[i] : d->s_dn[i], a = up ? d->a_up[i] : d->a_dn[i];
    return d->p.mult_noise ? (a * g + s) * (1.0f + nz) : a * g + s * (1.0f + nz);
}

/** Soft bounds on g: s (1 - g / b), b the bound approached (ALD, SOFT_BOUNDS_REF). */
static inline float xbar_device_bound_step(const xbar_devices *d, size_t i, float g, int up, float nz)
{
    const float s = up ? d->s_up[i] : d->s_dn[i];
    const float q = 1.0f - g / (up ? d->b_max[i] : d->b_min[i]);
    return xbar_device_q_step(&d->p, s, q, nz);
}

/** dist / R: the distance of g to the bound approached (>= 0) over the range R of device i. */
static inline float xbar_device_dist(const xbar_devices *d, size_t i, float g, int up, float *R)
{
    const float hi = d->b_max[i], lo = d->b_min[i];
    *R = hi - lo;
    return fmaxf(up ? hi - g : g - lo, 0.0f);
}

/* Rows and parts shared between models' files. */
extern const xbar_key xbar_device_key_gamma_up, xbar_device_key_gamma_down;   /* dev_linear_step.c */
extern const xbar_key xbar_device_key_pow_gamma, xbar_device_key_pow_up_down; /* dev_pow_step.c */
/** The exponents of pow_step and exp_paper from pow_gamma / pow_up_down (dev_pow_step.c). */
float xbar_device_pow_coef(const xbar_device_params *p, int up, float s, float b);

/** "device.KEY = V: WHY" for the checks (a thread-local message, xbar_msg). */
#define XBAR_DEVICE_BAD(key, v, why) return xbar_msg("device.%s = %g: %s", key, (double)(v), why)

/** A float row of [device] (offset into xbar_device_params). */
#define XBAR_DEVICE_FLOAT_KEY(field, fl, text)                                                                         \
    {                                                                                                                  \
        "device", #field, XBAR_KEY_FLOAT, offsetof(xbar_device_params, field), .flags = (fl), .doc = text              \
    }

#endif
