/* residual_util.h - the devices and tiles of the residual-learning tests (test_rl.c, test_rider.c):
 * the ALD with dw_min 1e-4 and the perturbed linear response of asymmetry c, on a 1 x n tile
 * updated by the expected update (eq. 7). Header-only. */
#ifndef XBAR_TEST_RESIDUAL_UTIL_H
#define XBAR_TEST_RESIDUAL_UTIL_H

#include "xbar.h"

static inline xbar_device_params xt_ald(float tau, float c)
{
    xbar_device_params d = xbar_device_defaults(XBAR_DEV_ALD);
    d.tau = tau, d.dw_min = 1e-4f, d.resp_c = c;
    return d;
}

static inline xbar_tile_config xt_expected_tile(size_t n, xbar_device_params dev, uint64_t seed)
{
    xbar_tile_config tc = xbar_tile_config_defaults(1, n);
    tc.device = dev;
    tc.update.scheme = XBAR_SCHEME_EXPECTED;
    tc.seed = seed;
    return tc;
}

#endif
