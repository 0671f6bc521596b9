/* hw_keys.c - the value names used by the rows of hw_keys.h, the device keys
 * each model reads, and the checks of explicitly given device keys. */
#include "hw_keys.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

const char *const hw_device_models[] = {"ald",      "constant_step",  "linear_step", "soft_bounds",
                                        "soft_bounds_ref", "pow_step", "exp_step",    "piecewise_step",
                                        "exp_paper", "pow_zs",         "exp_zs",      NULL};
const char *const hw_schemes[] = {"expected", "count", "stochastic", "implicit", NULL};
const char *const hw_nm_names[] = {"none", "abs_max", NULL};
const char *const hw_bm_names[] = {"none", "iterative", NULL};
const char *const hw_opt_kinds[] = {"digital", "analog_sgd", "tiki_taka", NULL};

/* ---- which model reads which device key (src/device/device.c) ------------------------ */

#define M_(x) (1u << XBAR_DEV_##x)
#define ALL_MODELS ((1u << XBAR_DEV_COUNT_) - 1u)
#define TAU_MODELS (M_(ALD) | M_(POW_ZS) | M_(EXP_ZS)) /* bounds from tau and sym_point */
#define MULT_ONLY (M_(CONSTANT_STEP) | M_(POW_STEP) | M_(EXP_STEP) | M_(PIECEWISE_STEP)) /* c2c always multiplicative */

/* Keys read by some models only; every other device key is read by all. */
static const struct {
    const char *key;
    unsigned models;
    const char *who; /* for the message */
} partial[] = {
    {"tau", TAU_MODELS, "only ald, pow_zs and exp_zs use it"},
    {"sym_point", TAU_MODELS, "only ald, pow_zs and exp_zs use it"},
    {"w_max", ALL_MODELS & ~TAU_MODELS, "every model but ald, pow_zs and exp_zs uses it"},
    {"w_min", ALL_MODELS & ~TAU_MODELS, "every model but ald, pow_zs and exp_zs uses it"},
    {"gamma_up", M_(LINEAR_STEP) | M_(EXP_STEP), "only linear_step and exp_step use it"},
    {"gamma_down", M_(LINEAR_STEP) | M_(EXP_STEP), "only linear_step and exp_step use it"},
    {"pow_gamma", M_(POW_STEP) | M_(EXP_PAPER), "only pow_step and exp_paper use it"},
    {"pow_up_down", M_(POW_STEP) | M_(EXP_PAPER), "only pow_step and exp_paper use it"},
    {"gamma_res", M_(POW_ZS) | M_(EXP_ZS), "only pow_zs and exp_zs use it"},
    {"reference_mean", M_(SOFT_BOUNDS_REF), "only soft_bounds_ref uses it"},
    {"mult_noise", ALL_MODELS & ~MULT_ONLY, "it has no additive noise form"},
};
#define NPARTIAL (sizeof partial / sizeof partial[0])

static int is_tau_model(xbar_device_model m) { return (unsigned)m < XBAR_DEV_COUNT_ && (TAU_MODELS >> m & 1u); }

static const char *model_name(xbar_device_model m)
{
    return (unsigned)m < XBAR_DEV_COUNT_ ? hw_device_models[m] : "unknown";
}

int hw_device_uses(xbar_device_model model, const char *key)
{
    for (size_t i = 0; i < NPARTIAL; i++)
        if (!strcmp(partial[i].key, key)) return (unsigned)model < XBAR_DEV_COUNT_ && (partial[i].models >> model & 1u);
    return 1;
}

/* What model m reads in place of key (the tail of the message). */
static const char *instead(xbar_device_model m, const char *key)
{
    const int tau = is_tau_model(m);
    if (!strcmp(key, "tau") || !strcmp(key, "sym_point") || !strcmp(key, "w_max") || !strcmp(key, "w_min"))
        return tau ? "its range is set by device.tau and device.sym_point: [sym_point - tau, sym_point + tau]"
                   : "its range is set by device.w_max / device.w_min";
    if (!strcmp(key, "mult_noise"))
        return "its cycle-to-cycle noise is always multiplicative, step*(1 + dw_min_std*xi): set its size with "
               "device.dw_min_std";
    if (!strcmp(key, "reference_mean") && m == XBAR_DEV_ALD) return "its offset is device.sym_point";
    switch (m) { /* the shape keys: gammas, exponents, reference */
    case XBAR_DEV_LINEAR_STEP:
    case XBAR_DEV_EXP_STEP: return "its shape is set by device.gamma_up / device.gamma_down";
    case XBAR_DEV_POW_STEP:
    case XBAR_DEV_EXP_PAPER: return "its exponent is set by device.pow_gamma / device.pow_up_down";
    case XBAR_DEV_POW_ZS:
    case XBAR_DEV_EXP_ZS: return "its exponent is set by device.gamma_res";
    case XBAR_DEV_ALD: return "its slope follows from device.tau";
    case XBAR_DEV_SOFT_BOUNDS:
    case XBAR_DEV_SOFT_BOUNDS_REF: return "its slope follows from device.w_max / device.w_min";
    case XBAR_DEV_CONSTANT_STEP: return "its step is constant, device.dw_min";
    default: return "its shape is set by its node tables (library API only)";
    }
}

void hw_device_unused_msg(const xbar_device_params *d, const char *key, const char *value, char *err, size_t n)
{
    const char *who = "";
    for (size_t i = 0; i < NPARTIAL; i++)
        if (!strcmp(partial[i].key, key)) who = partial[i].who;
    snprintf(err, n, "device.%s = %s: the %s model does not use %s (%s); %s", key, value, model_name(d->model), key,
             who, instead(d->model, key));
}

/* ---- explicitly given keys ------------------------------------------------------ */

static size_t count_keys(const cfg_key *tab)
{
    size_t k = 0;
    while (tab[k].section) k++;
    return k;
}

/* Copy s[0..len) without surrounding blanks into buf (as cfg_set reads "section.key"). */
static void trim(char *buf, size_t cap, const char *s, size_t len)
{
    while (len && isspace((unsigned char)*s)) s++, len--;
    while (len && isspace((unsigned char)s[len - 1])) len--;
    if (len >= cap) len = cap - 1;
    memcpy(buf, s, len);
    buf[len] = 0;
}

void hw_keys_mark_one(const cfg_key *tab, hw_key_marks *m, const char *as)
{
    const char *eq = strchr(as, '='), *end = eq ? eq : as + strlen(as);
    const char *dot = memchr(as, '.', (size_t)(end - as));
    if (!dot) return;
    char sec[128], key[128];
    trim(sec, sizeof sec, as, (size_t)(dot - as));
    trim(key, sizeof key, dot + 1, (size_t)(end - dot - 1));
    const cfg_key *k = cfg_get_key(tab, sec, key);
    if (k && (size_t)(k - tab) < HW_MAX_KEYS) m->set[k - tab] = 1;
}

int hw_keys_mark(const cfg_key *tab, hw_key_marks *m, const char *config, const char *const *sets, int nsets,
                 char *err, size_t n)
{
    memset(m, 0, sizeof *m);
    const size_t nk = count_keys(tab);
    if (nk > HW_MAX_KEYS) return snprintf(err, n, "key table of %zu rows: more than %d", nk, HW_MAX_KEYS), -1;
    /* the reader of cfg_load_file, which accepted the file: the same keys */
    if (config && cfg_file_keys(tab, config, m->set, err, n)) return -1;
    for (int i = 0; i < nsets; i++) hw_keys_mark_one(tab, m, sets[i]);
    return 0;
}

int hw_device_key_used(const cfg_key *k, xbar_device_model model, char *why, size_t n)
{
    if (strcmp(k->section, "device") || hw_device_uses(model, k->key)) return 1;
    snprintf(why, n, "not used by the %s model", model_name(model));
    return 0;
}

int hw_device_unused(const cfg_key *tab, const void *obj, size_t dev, const hw_key_marks *m, char *err, size_t n)
{
    const xbar_device_params *d = (const xbar_device_params *)((const char *)obj + dev);
    for (size_t i = 0; tab[i].section && i < HW_MAX_KEYS; i++) {
        if (!m->set[i] || strcmp(tab[i].section, "device") || hw_device_uses(d->model, tab[i].key)) continue;
        char val[256];
        cfg_format_value(&tab[i], obj, val, sizeof val);
        hw_device_unused_msg(d, tab[i].key, val, err, n);
        return -1;
    }
    return 0;
}

/* ---- one pulse against the range -------------------------------------------------- */

int hw_device_check(const xbar_device_params *d, char *err, size_t n)
{
    const float dw = d->dw_min;
    if ((unsigned)d->model < XBAR_DEV_COUNT_ && isfinite(dw) && dw > 0) {
        if (is_tau_model(d->model)) {
            if (isfinite(d->tau) && d->tau > 0 && dw >= d->tau) {
                snprintf(err, n, "device.dw_min = %g: must be < device.tau = %g, the distance from the %s model's "
                         "symmetric point to either bound (weights in [sym_point - tau, sym_point + tau]): one pulse "
                         "may not cross it", (double)dw, (double)d->tau, model_name(d->model));
                return -1;
            }
        } else if (isfinite(d->w_max) && isfinite(d->w_min) && d->w_max > d->w_min) {
            const double range = (double)d->w_max - (double)d->w_min;
            if ((double)dw >= range) {
                snprintf(err, n, "device.dw_min = %g: must be < %g, the range w_max - w_min of the %s model "
                         "(device.w_min = %g, device.w_max = %g): one pulse may not cross it", (double)dw, range,
                         model_name(d->model), (double)d->w_min, (double)d->w_max);
                return -1;
            }
        }
    }
    const char *why = xbar_device_check(d);
    if (why) return snprintf(err, n, "%s", why), -1;
    return 0;
}
