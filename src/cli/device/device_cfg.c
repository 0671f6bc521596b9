/* device_cfg.c - key table, defaults and checks of `xbar device` (see device_cfg.h). */
#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "device_cfg.h"
#include "hw_keys.h"

#define C(f) offsetof(device_tool_cfg, f)

static const cfg_key own_keys[] = {
    {"device_tool", "pulses", CFG_INT, C(pulses), .min = 1, .max = DT_MAX_PULSES, .flags = CFG_MIN | CFG_MAX,
     .doc = "n: each trace is n up pulses, then n down pulses"},
    {"device_tool", "start", CFG_FLOAT_LIST, C(start), .flags = CFG_NONEMPTY, .list_max = DT_MAX_START,
     .doc = "start weights (weight units), one trace per device and start, each clipped to the device's bounds"},
    {"device_tool", "devices", CFG_INT, C(devices), .min = 1, .max = DT_MAX_DEVICES, .flags = CFG_MIN | CFG_MAX,
     .doc = "devices of the drawn array to trace (drawn with device.construction_seed and the [device] spreads)"},
    {"device_tool", "grid", CFG_INT, C(grid), .min = 2, .max = DT_MAX_GRID, .flags = CFG_MIN | CFG_MAX,
     .doc = "points of the q+- / F / G grid over each device's range (qf.csv)"},
    {"device_tool", "seed", CFG_U64, C(seed), .doc = "seed of the cycle-to-cycle noise of the noisy traces (--seed)"},
    CFG_END};

const cfg_key *device_tool_keys(void)
{
    static hw_table t;
    if (t.n) return t.k;
    hw_keys_own(&t, own_keys);
    hw_keys_add(&t, xbar_device_keys(), 0, HW_ALL, "device", C(device));
    return t.k;
}

device_tool_cfg device_tool_defaults(void)
{
    device_tool_cfg c;
    memset(&c, 0, sizeof c);
    c.pulses = 500;
    c.start.n = 1;
    c.start.v[0] = 0.0;
    c.devices = 1;
    c.grid = 201;
    c.seed = 1;
    c.device = xbar_device_defaults(XBAR_DEV_SOFT_BOUNDS);
    return c;
}

int device_tool_uses(const cfg_key *k, const void *obj, char *why, size_t n)
{
    const device_tool_cfg *c = obj;
    return hw_device_key_used(k, c->device.model, why, n);
}

int device_tool_check(const device_tool_cfg *c, const char *config, const char *const *sets, int nsets,
                      xbar_device_params *dev, char *err, size_t n)
{
    const cfg_key *tab = device_tool_keys();
    hw_key_marks m;
    if (hw_keys_mark(tab, &m, config, sets, nsets, err, n)) return -1;
    if (hw_device_unused(tab, c, C(device), &m, err, n)) return -1;
    for (int i = 0; i < c->start.n; i++)
        if (!(fabs(c->start.v[i]) <= FLT_MAX)) {
            snprintf(err, n, "device_tool.start = %g: outside the float32 range of a weight", c->start.v[i]);
            return -1;
        }
    *dev = c->device;
    if (xbar_device_load_nodes(dev)) return snprintf(err, n, "%s", xbar_last_error()), -1;
    return hw_device_check(dev, err, n);
}
