/* calibrate_cfg.h - configuration of `xbar calibrate`: the INI key table ([calibrate] and the
 * library's [device] rows), defaults, and the checks run before anything is computed.
 *
 * [calibrate] (units in brackets):
 *   rows, cols  tile size (devices = rows * cols, at most CAL_MAX_DEVICES)       default 512, 512
 *   pulses      comma list of pulse counts per device N, strictly increasing integers in
 *               [1, 2^32], at most CAL_MAX_N of them                 default 500,1000,2000,4000,8000
 *   cyclic      true: alternating up / down pulses, up first (Kim et al.); false: random
 *               directions (the analysed version of [SP26] Alg. 1)                   default true
 *   init        weight of every device before each run [weight units], clipped by the tile to
 *               each device's bounds                                                    default 0
 *   seed        seed of the pulse draws (directions, cycle-to-cycle noise; --seed)      default 1
 * [device] is the library's table (hw_keys.h), as `xbar lsq` and `xbar train` read it; the
 * defaults are the soft_bounds model's (xbar_device_defaults: aihwkit's SoftBoundsDevice, with
 * device-to-device and cycle-to-cycle variation), the device of [SP26] Fig. 1. A [device] key
 * the chosen model does not read is refused when given (hw_device_unused).
 *
 *   calibrate_cfg c = calibrate_cfg_defaults();
 *   args_apply_config(&a, calibrate_keys(), &c, err, n);
 *   calibrate_plan p;
 *   if (calibrate_cfg_check(&c, a.config, a.sets, a.nsets, &p, err, n)) ...exit 2
 */
#ifndef XBAR_CLI_CALIBRATE_CFG_H
#define XBAR_CLI_CALIBRATE_CFG_H

#include <stdint.h>

#include "cfg.h"
#include "xbar.h"

#define CAL_MAX_N 64                        /* most pulse counts in calibrate.pulses */
#define CAL_MAX_DEVICES ((uint64_t)1 << 26) /* most devices (rows * cols) */
#define CAL_MAX_PULSES ((uint64_t)1 << 32)  /* most pulses per device (xbar_tile_zero_shift) */

typedef struct {
    int rows, cols;           /* tile size */
    char pulses[CFG_STR_MAX]; /* comma list of N, as given */
    int cyclic;               /* 1 alternating, 0 random */
    double init;              /* initial weight, weight units */
    uint64_t seed;            /* seed of the pulse draws */
    xbar_device_params device;
} calibrate_cfg;

/** What a checked configuration runs: the pulse counts of calibrate.pulses, parsed. */
typedef struct {
    int n;                     /* number of pulse counts (1..CAL_MAX_N) */
    uint64_t N[CAL_MAX_N];     /* strictly increasing, in [1, CAL_MAX_PULSES] */
    xbar_device_params device; /* the device, its node file (device.piecewise_file) read */
} calibrate_plan;

/** The key table (built from the library's rows on the first call). */
const cfg_key *calibrate_keys(void);

/** Defaults (listed above). */
calibrate_cfg calibrate_cfg_defaults(void);

/**
 * Check c after --config and --set are applied, before anything is computed or created:
 * [device] keys given explicitly (in the file `config`, NULL: none, and in sets[0..nsets)) that
 * the model does not read, the device itself (hw_device_check, and its node file read),
 * calibrate.pulses ("calibrate.pulses = 500,250: 250 is not above 500 (must be strictly
 * increasing)", "calibrate.pulses = 0,100: 0: must be an integer in [1, 2^32]"), rows * cols
 * over CAL_MAX_DEVICES, init outside the float range. Fills *p.
 * @return 0, or -1 with err naming the key and its value.
 */
int calibrate_cfg_check(const calibrate_cfg *c, const char *config, const char *const *sets, int nsets,
                        calibrate_plan *p, char *err, size_t n);

/** cfg_used_fn of calibrate_keys: 0 for a [device] key the model does not read (DIR/config.ini
 *  writes those as comments, so that `--config DIR/config.ini` re-runs the run). */
int calibrate_cfg_uses(const cfg_key *k, const void *obj, char *why, size_t n);

#endif
