/* lsq_cfg.c - key table, presets and curve expansion of `xbar lsq`.
 * Preset settings follow the authors' released scripts where they differ from
 * the paper text (spec paper.md §5.8); docs/results.md lists them. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "hw_keys.h"
#include "lsq_cfg.h"

#define S(f) offsetof(lsq_cfg, s.f)

static const char *const problems[] = {"lsq", "thm3", NULL};

static const cfg_key own_keys[] = {
    {"lsq", "preset", CFG_STRING, offsetof(lsq_cfg, preset), .doc = "preset this configuration started from (informational)"},
    {"lsq", "kinds", CFG_STRING, offsetof(lsq_cfg, kinds), .flags = CFG_NONEMPTY,
     .doc = "curves: comma list of digital, analog_dynamic, analog_pulse, tt_dynamic, tt_pulse (tt_pulse: the "
            "transfer optimizer optimizer.kind, Tiki-Taka unless it names another: ttv2, c_ttv2, agad, "
            "mixed_precision)"},
    {"lsq", "sweep_key", CFG_STRING, offsetof(lsq_cfg, sweep_key), .doc = "section.key varied across curves (empty: none)"},
    {"lsq", "sweep_values", CFG_STRING, offsetof(lsq_cfg, sweep_values), .doc = "comma list of values of sweep_key"},
    {"lsq", "ema", CFG_DOUBLE, offsetof(lsq_cfg, ema), .min = 0, .max = 1, .flags = CFG_MIN | CFG_MAX_EXCL,
     .doc = "plot smoothing factor c of s = c*s + (1-c)*loss (plots only)"},
    {"lsq", "problem", CFG_ENUM, S(problem), .choices = problems,
     .doc = "lsq: f = MSE(A w + c, b); thm3: Theorem 3 instance f = L/2 ||W - W*||^2 with two-point noise"},
    {"lsq", "dim", CFG_INT, S(dim), .min = 1, .max = 1000000, .flags = CFG_MIN | CFG_MAX, .doc = "D: number of weights"},
    {"lsq", "rows", CFG_INT, S(rows), .min = 1, .max = 1000000, .flags = CFG_MIN | CFG_MAX, .doc = "D_out: rows of A"},
    {"lsq", "w_star_scale", CFG_DOUBLE, S(w_star_scale), .doc = "W* = w_star_scale*N(0,1) (thm3: the value w*)"},
    {"lsq", "a_scale", CFG_DOUBLE, S(a_scale), .flags = CFG_POS, .doc = "A = a_scale*N(0,1)"},
    {"lsq", "bias_true", CFG_DOUBLE, S(bias_true), .doc = "b = A W* + bias_true"},
    {"lsq", "half", CFG_BOOL, S(half), .doc = "training loss MSE/2 (1) or MSE (0); plotted f = loss/D"},
    {"lsq", "iterations", CFG_INT, S(iterations), .min = 1, .max = 100000000, .flags = CFG_MIN | CFG_MAX,
     .doc = "K: gradient steps (full batch)"},
    {"lsq", "init", CFG_STRING, S(init), .flags = CFG_NONEMPTY,
     .doc = "initial point: zero, const:X (weights and bias = X, tile clips), gd:N (N noise-free GD steps)"},
    {"lsq", "noise", CFG_DOUBLE, S(noise), .flags = CFG_NONNEG,
     .doc = "noise std: gradient noise per parameter (dynamic), weight-read noise w_noise (pulse), sigma (thm3)"},
    {"lsq", "noise_correction", CFG_BOOL, S(noise_correction), .doc = "pulse: w_noise = noise / mean singular value of A"},
    {"lsq", "lr", CFG_DOUBLE, S(lr), .flags = CFG_NONNEG, .doc = "alpha: learning rate (Tiki-Taka: transfer rate scale)"},
    {"lsq", "L", CFG_DOUBLE, S(L), .flags = CFG_POS, .doc = "thm3: smoothness constant L"},
    {"lsq", "states", CFG_INT, S(states), .flags = CFG_NONNEG,
     .doc = "> 0: dw_min = tau/states (bounded models: tau = (w_max - w_min)/2); device.dw_min is then not given"},
    {"lsq", "data_seed", CFG_U64, S(data_seed), .doc = "seed of A and W*"},
    {"lsq", "seed", CFG_U64, S(seed), .doc = "seed of gradient noise, reads and pulses (--seed)"},
    CFG_END};

const cfg_key *lsq_keys(void)
{
    static hw_table t;
    if (t.n) return t.k;
    const xbar_key *opt = xbar_opt_keys();
    hw_keys_own(&t, own_keys);
    hw_keys_add(&t, xbar_device_keys(), 0, HW_ALL, "device", offsetof(lsq_cfg, s.device));
    hw_keys_add(&t, xbar_update_keys(), 0, HW_ALL, "update", offsetof(lsq_cfg, s.update));
    /* each curve sets the optimizer's kind; optimizer.kind picks the transfer optimizer of
     * the tt_pulse curves (xbar_lsq_run) */
    hw_keys_add(&t, opt, 0, HW_ALL, "optimizer", offsetof(lsq_cfg, s.opt));
    hw_keys_add(&t, xbar_update_keys(), 0, 5, "transfer", offsetof(lsq_cfg, s.opt.transfer_update));
    /* the slow tile's own device (the Tiki-Taka successors, optimizer.slow_device_own) */
    hw_keys_add(&t, xbar_device_keys(), 0, HW_ALL, "slow_device", offsetof(lsq_cfg, s.opt.slow_device));
    return t.k;
}

lsq_cfg lsq_cfg_defaults(void)
{
    lsq_cfg c;
    memset(&c, 0, sizeof c);
    strcpy(c.kinds, "digital,analog_pulse");
    c.ema = 0.0;
    c.s = xbar_lsq_setup_defaults();
    c.s.opt.slow_device = c.s.device; /* [slow_device] starts as [device]'s defaults */
    return c;
}

/* Presets: assignments applied in order over the defaults (spec paper.md §5). */
typedef struct {
    const char *name;
    const char *const *set;
} preset;

static const char *const p_fig1[] = {
    "lsq.kinds=digital,analog_pulse", "lsq.sweep_key=lsq.lr", "lsq.sweep_values=0.2,0.1,0.05,0.03",
    "lsq.dim=40", "lsq.rows=100", "lsq.w_star_scale=0.45", "lsq.a_scale=1", "lsq.half=0",
    "lsq.iterations=2500", "lsq.noise=0.0015811388", "device.model=ald", "device.tau=3",
    "device.dw_min=1e-4", "update.scheme=stochastic", "update.desired_bl=800", "lsq.ema=0.9", NULL};
static const char *const p_fig3[] = {
    "lsq.kinds=digital,analog_dynamic,analog_pulse", "lsq.sweep_key=device.tau", "lsq.sweep_values=1,1.5,2,2.5",
    "lsq.dim=40", "lsq.rows=100", "lsq.w_star_scale=0.3", "lsq.a_scale=0.5", "lsq.half=1", "lsq.lr=0.03",
    "lsq.iterations=2500", "lsq.noise=0.1", "lsq.noise_correction=1", "lsq.states=300", "device.model=ald",
    "update.scheme=stochastic", "update.desired_bl=5000", "lsq.ema=0.8", NULL};
static const char *const p_fig4_tau[] = {
    "lsq.kinds=digital,analog_pulse", "lsq.sweep_key=device.tau", "lsq.sweep_values=2,3,5,10,20,50",
    "lsq.dim=50", "lsq.rows=100", "lsq.w_star_scale=0.5", "lsq.a_scale=1", "lsq.half=1", "lsq.lr=0.1",
    "lsq.iterations=400", "lsq.noise=0.028284271", "device.model=ald", "device.dw_min=1e-4",
    "update.scheme=stochastic", "update.desired_bl=5000", "lsq.ema=0.8", NULL};
static const char *const p_fig4_sigma[] = {
    "lsq.kinds=analog_pulse", "lsq.sweep_key=lsq.noise", "lsq.sweep_values=0.031622777,0.1,0.31622777,1",
    "lsq.dim=50", "lsq.rows=100", "lsq.w_star_scale=0.5", "lsq.a_scale=1", "lsq.half=1", "lsq.lr=0.1",
    "lsq.iterations=200", "device.model=ald", "device.tau=2", "device.dw_min=1e-4", "update.scheme=stochastic",
    "update.desired_bl=5000", "lsq.ema=0.8", NULL};
static const char *const p_fig4_init[] = {
    "lsq.kinds=analog_pulse", "lsq.sweep_key=lsq.init",
    "lsq.sweep_values=const:1000,const:100,const:10,const:1,const:0.01,gd:10,gd:20,gd:30", "lsq.dim=50",
    "lsq.rows=100", "lsq.w_star_scale=0.5", "lsq.a_scale=1", "lsq.bias_true=0.1", "lsq.half=0", "lsq.lr=0.1",
    "lsq.iterations=50", "lsq.noise=0.0014142136", "device.model=ald", "device.tau=1", "device.dw_min=1e-4",
    "update.scheme=stochastic", "update.desired_bl=400", "lsq.ema=0", NULL};
static const char *const p_thm3[] = {
    "lsq.problem=thm3", "lsq.kinds=analog_dynamic", "lsq.sweep_key=lsq.lr", "lsq.sweep_values=0.02,0.01,0.005",
    "lsq.dim=100", "lsq.L=1", "lsq.w_star_scale=0.2", "lsq.noise=1", "lsq.iterations=200000", "device.model=ald",
    "device.tau=1", "device.dw_min=1e-4", "update.scheme=expected", "lsq.ema=0", NULL};
static const char *const p_tt[] = {
    "lsq.kinds=digital,analog_pulse,tt_pulse", "lsq.sweep_key=lsq.lr", "lsq.sweep_values=0.1,0.03,0.01",
    "lsq.dim=40", "lsq.rows=100", "lsq.w_star_scale=0.3", "lsq.a_scale=1", "lsq.half=1", "lsq.iterations=3000",
    "lsq.noise=0.02", "device.model=ald", "device.tau=1", "device.dw_min=1e-3", "update.scheme=stochastic",
    "update.desired_bl=100", "optimizer.fast_lr=0.1", "optimizer.transfer_lr=1", "optimizer.transfer_every=1",
    "optimizer.transfer_columns=0", "transfer.scheme=stochastic", "transfer.desired_bl=100", "lsq.ema=0.9", NULL};

static const preset presets[] = {{"fig1", p_fig1},         {"fig3", p_fig3},           {"fig4-tau", p_fig4_tau},
                                 {"fig4-sigma", p_fig4_sigma}, {"fig4-init", p_fig4_init}, {"thm3", p_thm3},
                                 {"tt", p_tt},             {NULL, NULL}};

const char *const lsq_preset_names[] = {"fig1", "fig3", "fig4-tau", "fig4-sigma", "fig4-init", "thm3", "tt", NULL};

static const preset *find_preset(const char *name)
{
    for (const preset *p = presets; name && p->name; p++)
        if (!strcmp(p->name, name)) return p;
    return NULL;
}

/* Next comma-separated token of *p into buf (trimmed); 0 at the end. */
static int next_token(const char **p, char *buf, size_t n)
{
    const char *s = *p;
    while (*s == ' ' || *s == ',') s++;
    if (!*s) return 0;
    size_t k = 0;
    while (*s && *s != ',') {
        if (k + 1 < n) buf[k++] = *s;
        s++;
    }
    while (k && buf[k - 1] == ' ') k--;
    buf[k] = 0;
    *p = s;
    return 1;
}

/* What the curves of c read, over the values of its sweep (any key: device.model and lsq.states change
 * it): the bit of each device model, and whether one has lsq.states = 0 (reads device.dw_min). Values
 * that do not apply are skipped (lsq_cfg_curves refuses them); without any, c itself. */
static unsigned curves_read(const lsq_cfg *c, int *dw_min)
{
    unsigned models = 0;
    *dw_min = 0;
    if (c->sweep_key[0] && strncmp(c->sweep_key, "lsq.sweep", 9) && cfg_find(lsq_keys(), c->sweep_key)) {
        const char *vp = c->sweep_values;
        char val[64], as[CFG_STR_MAX + 80], why[256];
        while (next_token(&vp, val, sizeof val)) {
            lsq_cfg tmp = *c;
            snprintf(as, sizeof as, "%s=%s", c->sweep_key, val);
            if (cfg_set(lsq_keys(), &tmp, as, why, sizeof why) || (unsigned)tmp.s.device.model >= XBAR_DEV_COUNT_)
                continue;
            models |= 1u << tmp.s.device.model;
            *dw_min |= tmp.s.states == 0;
        }
    }
    if (!models) models = 1u << c->s.device.model, *dw_min = c->s.states == 0;
    return models;
}

/* The model of models if it holds one, else -1. */
static int only_model(unsigned models)
{
    if (!models || (models & (models - 1u))) return -1;
    int m = 0;
    while (!(models >> m & 1u)) m++;
    return m;
}

int lsq_cfg_uses(const cfg_key *k, const void *obj, char *why, size_t n)
{
    const lsq_cfg *c = obj;
    if (!strcmp(k->section, "slow_device"))
        return hw_slow_device_key_used(k, c->s.opt.slow_device_own, c->s.opt.slow_device.model, why, n);
    if (strcmp(k->section, "device")) return 1;
    int dw_min;
    const unsigned models = curves_read(c, &dw_min);
    if (!strcmp(k->key, "dw_min") && !dw_min) {
        snprintf(why, n, "not used while lsq.states > 0 sets dw_min = tau / states");
        return 0;
    }
    for (int m = 0; m < XBAR_DEV_COUNT_; m++)
        if ((models >> m & 1u) && xbar_device_uses_key((xbar_device_model)m, k->key)) return 1;
    const int one = only_model(models);
    if (one >= 0) return hw_device_key_used(k, (xbar_device_model)one, why, n);
    snprintf(why, n, "not used by any model of lsq.sweep_values = %s", c->sweep_values);
    return 0;
}

/* Keys given explicitly (marked in m) that the configuration does not use (lsq_cfg_uses). */
static int check_marked(const lsq_cfg *c, const hw_key_marks *m, char *err, size_t n)
{
    const cfg_key *keys = lsq_keys();
    for (size_t i = 0; keys[i].section && i < HW_MAX_KEYS; i++) {
        const cfg_key *k = &keys[i];
        char why[CFG_STR_MAX + 80], val[64];
        if (!m->set[i] || !strcmp(k->section, "slow_device") || lsq_cfg_uses(k, c, why, sizeof why)) continue;
        cfg_format_value(k, c, val, sizeof val);
        int dw_min;
        const int one = only_model(curves_read(c, &dw_min));
        if (!strcmp(k->key, "dw_min") && !dw_min && strcmp(c->sweep_key, "lsq.states"))
            snprintf(err, n, "device.dw_min = %s: not used while lsq.states = %d sets dw_min = tau / states (bounded "
                     "models: (w_max - w_min) / 2 / states); give one of the two", val, c->s.states);
        else if (!strcmp(k->key, "dw_min") && !dw_min)
            snprintf(err, n, "device.dw_min = %s: not used while every lsq.states of lsq.sweep_values = %s is > 0, "
                     "which sets dw_min = tau / states; give one of the two", val, c->sweep_values);
        else if (one >= 0) {
            xbar_device_params d = c->s.device;
            d.model = (xbar_device_model)one;
            hw_device_unused_msg(&d, k->key, val, err, n);
        } else
            snprintf(err, n, "device.%s = %s: no curve's device model uses %s (lsq.sweep_key = %s, lsq.sweep_values "
                     "= %s)", k->key, val, k->key, c->sweep_key, c->sweep_values);
        return -1;
    }
    return hw_slow_device_given(keys, c, offsetof(lsq_cfg, s.opt.slow_device), c->s.opt.slow_device_own, m, err, n);
}

int lsq_cfg_check_given(const lsq_cfg *c, const char *config, const char *const *sets, int nsets, char *err, size_t n)
{
    hw_key_marks m;
    if (hw_keys_mark(lsq_keys(), &m, config, sets, nsets, err, n)) return -1;
    return check_marked(c, &m, err, n);
}

int lsq_cfg_preset(lsq_cfg *c, const char *name, char *err, size_t n)
{
    const preset *p = find_preset(name);
    if (p) {
        *c = lsq_cfg_defaults();
        snprintf(c->preset, sizeof c->preset, "%s", name);
        for (const char *const *a = p->set; *a; a++)
            if (cfg_set(lsq_keys(), c, *a, err, n)) return -1;
        /* a preset uses every key it sets (keys it sets count as defaults for --config / --set) */
        hw_key_marks m;
        if (hw_keys_mark(lsq_keys(), &m, NULL, NULL, 0, err, n)) return -1;
        for (const char *const *a = p->set; *a; a++) hw_keys_mark_one(lsq_keys(), &m, *a);
        return check_marked(c, &m, err, n);
    }
    snprintf(err, n, "unknown preset %s (one of: fig1, fig3, fig4-tau, fig4-sigma, fig4-init, thm3, tt)", name);
    return -1;
}

/* Does the sweep key change a digital curve? Device and pulse keys do not. */
static int affects_digital(const char *key)
{
    return strncmp(key, "device.", 7) && strncmp(key, "update.", 7) && strncmp(key, "optimizer.", 10) &&
           strncmp(key, "transfer.", 9) && strcmp(key, "lsq.states") && strcmp(key, "lsq.noise_correction");
}

int lsq_cfg_curves(const lsq_cfg *c, lsq_curve *out, int max, char *err, size_t n)
{
    char kind[64], val[64];
    const char *kp = c->kinds;
    int count = 0, sweep = c->sweep_key[0] != 0;
    if (sweep && !cfg_find(lsq_keys(), c->sweep_key)) {
        snprintf(err, n, "lsq.sweep_key = %s: unknown key", c->sweep_key);
        return -1;
    }
    if (sweep && !strncmp(c->sweep_key, "lsq.sweep", 9)) {
        snprintf(err, n, "lsq.sweep_key = %s: cannot sweep the sweep", c->sweep_key);
        return -1;
    }
    while (next_token(&kp, kind, sizeof kind)) {
        int k = xbar_lsq_kind_from_name(kind);
        if (k < 0) {
            snprintf(err, n, "lsq.kinds = %s: unknown kind %s (digital, analog_dynamic, analog_pulse, tt_dynamic, tt_pulse)",
                     c->kinds, kind);
            return -1;
        }
        const char *vp = c->sweep_values;
        int nv = 0;
        do {
            int have = sweep && next_token(&vp, val, sizeof val);
            if (sweep && !have) {
                if (nv == 0) {
                    snprintf(err, n, "lsq.sweep_values = %s: empty while lsq.sweep_key = %s", c->sweep_values, c->sweep_key);
                    return -1;
                }
                break;
            }
            if (count >= max) {
                snprintf(err, n, "too many curves (at most %d)", max);
                return -1;
            }
            lsq_cfg tmp = *c;
            lsq_curve *cv = &out[count];
            cv->kind = (xbar_lsq_kind)k;
            cv->value[0] = 0;
            if (have) {
                char as[CFG_STR_MAX + 80], why[256];
                snprintf(as, sizeof as, "%s=%s", c->sweep_key, val);
                if (cfg_set(lsq_keys(), &tmp, as, why, sizeof why)) {
                    snprintf(err, n, "lsq.sweep_values: %s", why);
                    return -1;
                }
                snprintf(cv->value, sizeof cv->value, "%s", val);
            }
            cv->s = tmp.s;
            char msg[768];
            const char *dev_key = sweep && !strncmp(c->sweep_key, "device.", 7) ? c->sweep_key + 7 : NULL;
            if (dev_key && !xbar_device_uses_key(cv->s.device.model, dev_key)) {
                hw_device_unused_msg(&cv->s.device, dev_key, val, msg, sizeof msg);
                snprintf(err, n, "lsq.sweep_key = %s: %s", c->sweep_key, msg);
                return -1;
            }
            /* the node tables of device.piecewise_file, read now so a bad file is refused before computing */
            if (xbar_device_load_nodes(&cv->s.device)) {
                snprintf(err, n, "%s%s%s%s", xbar_last_error(), have ? " (curve " : "", have ? val : "", have ? ")" : "");
                return -1;
            }
            /* one pulse below the model's range (lsq.states > 0: dw_min = tau/states, xbar_lsq_setup_check) */
            if (cv->s.states == 0 && hw_device_check(&cv->s.device, err, n)) {
                if (have) snprintf(err + strlen(err), n - strlen(err), " (curve %s)", val);
                return -1;
            }
            if (cv->s.opt.slow_device_own && hw_device_check(&cv->s.opt.slow_device, msg, sizeof msg)) {
                snprintf(err, n, "slow_device (optimizer.slow_device_own = true): %s%s%s%s", msg,
                         have ? " (curve " : "", have ? val : "", have ? ")" : "");
                return -1;
            }
            const char *bad = xbar_lsq_setup_check(&cv->s, cv->kind);
            if (bad) {
                snprintf(err, n, "%s%s%s", bad, have ? " (curve " : "", have ? val : "");
                if (have) strncat(err, ")", n - strlen(err) - 1);
                return -1;
            }
            const char *short_key = sweep ? strchr(c->sweep_key, '.') + 1 : "";
            if (have) snprintf(cv->name, sizeof cv->name, "%s %s=%s", kind, short_key, val);
            else snprintf(cv->name, sizeof cv->name, "%s", kind);
            count++;
            nv++;
            if (have && k == XBAR_LSQ_DIGITAL && !affects_digital(c->sweep_key)) {
                snprintf(cv->name, sizeof cv->name, "%s", kind);
                cv->value[0] = 0;
                break;
            }
        } while (sweep);
    }
    return count;
}
