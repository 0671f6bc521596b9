/* zero_shift.c - zero-shifting calibration of a tile (xbar_tile_zero_shift, xbar.h;
 * spec successors §7.1): n single pulses per device, random or alternating directions. */
#include "internal.h"
#include "tile_internal.h"

xbar_status xbar_tile_zero_shift(xbar_tile *t, uint64_t n, int cyclic, uint64_t *pulses)
{
    XBAR_NONNULL(t);
    if (n > ((uint64_t)1 << 32)) return xbar_fail(XBAR_EINVAL, "zero_shift: n = %llu pulses: at most 2^32",
                                                  (unsigned long long)n);
    if (cyclic != 0 && cyclic != 1) return xbar_fail(XBAR_EINVAL, "zero_shift: cyclic = %d: must be 0 or 1", cyclic);
    const size_t nd = t->c.rows * t->c.cols;
    const uint32_t step = (uint32_t)t->n_updates;
    const uint64_t seed = t->c.seed, dir_s = xbar_stream(XBAR_RNG_ZS, t->c.id, 2 * step),
                   c2c_s = xbar_stream(XBAR_RNG_ZS, t->c.id, 2 * step + 1);
    const int noisy = t->dev.p.dw_min_std != 0.0f;
    /* device k's numbers: counters k 2^31 + p/4 (four per block: n <= 2^32 fits in 2^30 blocks) */
    XBAR_PAR_FOR(
        nd * n > 65536, schedule(static), for (size_t k = 0; k < nd; k++) {
            float w = t->w[k], u[4] = {0}, z[4] = {0};
            const uint64_t base = (uint64_t)k << 31;
            for (uint64_t p = 0; p < n; p++) {
                if ((p & 3) == 0) {
                    if (!cyclic) xbar_rng_uniform4(u, seed, dir_s, base + (p >> 2));
                    if (noisy) xbar_rng_znormal4(z, seed, c2c_s, base + (p >> 2));
                }
                const int up = cyclic ? (p & 1) == 0 : u[p & 3] < 0.5f;
                w = xbar_device_pulse_unchecked(&t->dev, k, w, up, z[p & 3]);
            }
            t->w[k] = w;
        });
    t->n_updates++;
    if (pulses) *pulses = n * (uint64_t)nd;
    return XBAR_OK;
}
