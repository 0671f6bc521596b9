/* calibrate_cfg.c - key table, defaults and checks of `xbar calibrate` (see calibrate_cfg.h). */
#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calibrate_cfg.h"
#include "hw_keys.h"

#define C(f) offsetof(calibrate_cfg, f)

static const cfg_key own_keys[] = {
    {"calibrate", "rows", CFG_INT, C(rows), .min = 1, .max = 1 << 26, .flags = CFG_MIN | CFG_MAX,
     .doc = "tile rows (devices = rows * cols, at most 2^26 = 67108864)"},
    {"calibrate", "cols", CFG_INT, C(cols), .min = 1, .max = 1 << 26, .flags = CFG_MIN | CFG_MAX,
     .doc = "tile columns"},
    {"calibrate", "pulses", CFG_STRING, C(pulses), .flags = CFG_NONEMPTY,
     .doc = "pulse counts per device N, one run each: comma list of strictly increasing integers in [1, 2^32] "
            "(at most 64)"},
    {"calibrate", "cyclic", CFG_BOOL, C(cyclic),
     .doc = "true: alternating up / down pulses, up first (Kim et al.); false: random directions"},
    {"calibrate", "init", CFG_DOUBLE, C(init),
     .doc = "weight of every device before each run (weight units; clipped to each device's bounds)"},
    {"calibrate", "seed", CFG_U64, C(seed),
     .doc = "seed of the pulse draws: directions and cycle-to-cycle noise (--seed)"},
    CFG_END};

const cfg_key *calibrate_keys(void)
{
    static hw_table t;
    if (t.n) return t.k;
    hw_keys_own(&t, own_keys);
    hw_keys_add(&t, xbar_device_keys(), 0, HW_ALL, "device", C(device));
    return t.k;
}

calibrate_cfg calibrate_cfg_defaults(void)
{
    calibrate_cfg c;
    memset(&c, 0, sizeof c);
    c.rows = c.cols = 512;
    strcpy(c.pulses, "500,1000,2000,4000,8000");
    c.cyclic = 1;
    c.init = 0.0;
    c.seed = 1;
    c.device = xbar_device_defaults(XBAR_DEV_SOFT_BOUNDS);
    return c;
}

int calibrate_cfg_uses(const cfg_key *k, const void *obj, char *why, size_t n)
{
    const calibrate_cfg *c = obj;
    return hw_device_key_used(k, c->device.model, why, n);
}

/* calibrate.pulses into p->N: integers in [1, CAL_MAX_PULSES], strictly increasing. */
static int parse_pulses(const char *s, calibrate_plan *p, char *err, size_t n)
{
    p->n = 0;
    for (const char *at = s;;) {
        while (*at == ' ' || *at == '\t') at++;
        const char *start = at;
        while (*at && *at != ',') at++;
        size_t len = (size_t)(at - start);
        while (len && (start[len - 1] == ' ' || start[len - 1] == '\t')) len--;
        char tok[64];
        if (len >= sizeof tok) len = sizeof tok - 1;
        memcpy(tok, start, len);
        tok[len] = 0;
        if (!len) {
            snprintf(err, n, "calibrate.pulses = %s: an empty entry (give a comma list of pulse counts, e.g. "
                     "500,1000,2000)", s);
            return -1;
        }
        int digits = 1;
        for (size_t i = 0; i < len; i++) digits &= isdigit((unsigned char)tok[i]) != 0;
        errno = 0;
        unsigned long long v = digits ? strtoull(tok, NULL, 10) : 0;
        if (!digits || errno == ERANGE || v < 1 || v > CAL_MAX_PULSES) {
            snprintf(err, n, "calibrate.pulses = %s: entry %s: must be an integer in [1, 2^32] (pulses per device)", s,
                     tok);
            return -1;
        }
        if (p->n == CAL_MAX_N) {
            snprintf(err, n, "calibrate.pulses = %s: more than %d pulse counts", s, CAL_MAX_N);
            return -1;
        }
        if (p->n && v <= p->N[p->n - 1]) {
            snprintf(err, n, "calibrate.pulses = %s: %llu is not above %llu (must be strictly increasing)", s, v,
                     (unsigned long long)p->N[p->n - 1]);
            return -1;
        }
        p->N[p->n++] = (uint64_t)v;
        if (!*at) break;
        at++; /* past the comma */
    }
    return 0;
}

int calibrate_cfg_check(const calibrate_cfg *c, const char *config, const char *const *sets, int nsets,
                        calibrate_plan *p, char *err, size_t n)
{
    const cfg_key *tab = calibrate_keys();
    hw_key_marks m;
    if (hw_keys_mark(tab, &m, config, sets, nsets, err, n)) return -1;
    if (hw_device_unused(tab, c, C(device), &m, err, n)) return -1;
    if ((uint64_t)c->rows * (uint64_t)c->cols > CAL_MAX_DEVICES) {
        snprintf(err, n, "calibrate.rows = %d, calibrate.cols = %d: %llu devices, more than 2^26 = %llu", c->rows,
                 c->cols, (unsigned long long)c->rows * (unsigned long long)c->cols,
                 (unsigned long long)CAL_MAX_DEVICES);
        return -1;
    }
    if (!(c->init >= -FLT_MAX && c->init <= FLT_MAX)) {
        snprintf(err, n, "calibrate.init = %g: outside the float32 range of a weight", c->init);
        return -1;
    }
    if (parse_pulses(c->pulses, p, err, n)) return -1;
    p->device = c->device;
    /* the node tables of device.piecewise_file, read now so that a bad file is refused before computing */
    if (xbar_device_load_nodes(&p->device)) return snprintf(err, n, "%s", xbar_last_error()), -1;
    return hw_device_check(&p->device, err, n);
}
