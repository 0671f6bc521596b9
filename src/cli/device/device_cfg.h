/* device_cfg.h - configuration of `xbar device`: the INI key table ([device_tool] and the
 * library's [device] rows), defaults, and the checks run before anything is computed.
 *
 * [device_tool] (units in brackets):
 *   pulses   n: every trace is n up pulses, then n down pulses                       default 500
 *   start    comma list of start weights [weight units], one trace per device and start,
 *            each clipped to the device's bounds (at most DT_MAX_START)                default 0
 *   devices  how many devices of the drawn array to trace (device.construction_seed and the
 *            [device] spreads draw them; at most DT_MAX_DEVICES)                       default 1
 *   grid     points of the q± / F / G grid over each device's range (>= 2)           default 201
 *   seed     seed of the cycle-to-cycle noise of the noisy traces (--seed)              default 1
 * [device] is the library's table (hw_keys.h); the defaults are the soft_bounds model's
 * (xbar_device_defaults: aihwkit's SoftBoundsDevice, with device-to-device and cycle-to-cycle
 * variation). A [device] key the chosen model does not read is refused when given.
 */
#ifndef XBAR_CLI_DEVICE_CFG_H
#define XBAR_CLI_DEVICE_CFG_H

#include <stdint.h>

#include "cfg.h"
#include "xbar.h"

#define DT_MAX_START 8        /* most start weights */
#define DT_MAX_DEVICES 64     /* most devices traced */
#define DT_MAX_PULSES 1000000 /* most pulses per direction */
#define DT_MAX_GRID 100001    /* most grid points per device */

typedef struct {
    int pulses;     /* n up, then n down */
    cfg_list start; /* start weights */
    int devices;    /* devices traced */
    int grid;       /* grid points of qf.csv per device */
    uint64_t seed;  /* seed of the c2c draws */
    xbar_device_params device;
} device_tool_cfg;

/** The key table (built on the first call). */
const cfg_key *device_tool_keys(void);

/** Defaults (listed above). */
device_tool_cfg device_tool_defaults(void);

/**
 * Check c after --config and --set, before anything is computed or created: [device] keys given
 * explicitly (in the file `config`, NULL: none, and in sets[0..nsets)) that the model does not
 * read, the device itself (hw_device_check; device.piecewise_file is read into *dev here), the
 * start weights (finite, within the float range). *dev receives the device to draw.
 * @return 0, or -1 with err naming the key and its value.
 */
int device_tool_check(const device_tool_cfg *c, const char *config, const char *const *sets, int nsets,
                      xbar_device_params *dev, char *err, size_t n);

/** cfg_used_fn of device_tool_keys: 0 for a [device] key the model does not read. */
int device_tool_uses(const cfg_key *k, const void *obj, char *why, size_t n);

#endif
