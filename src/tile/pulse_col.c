/* pulse_col.c - single pulses into chosen devices of one column (xbar_tile_pulse_col_unchecked,
 * internal.h): the write of RLv2's "pulse" reading (src/optim/opt_tiki_taka.c). */
#include "internal.h"
#include "tile_internal.h"

xbar_status xbar_tile_pulse_col_unchecked(xbar_tile *t, size_t j, const float *s)
{
    const size_t m = t->c.rows, n = t->c.cols;
    const uint64_t stream = xbar_stream(XBAR_RNG_SINGLE, t->c.id, (uint32_t)t->n_updates);
    const int noisy = t->dev.p.dw_min_std != 0.0f;
    float z[4] = {0};
    uint64_t fired = 0;
    for (size_t i = 0; i < m; i++) {
        if (noisy && (i & 3) == 0) xbar_rng_znormal4(z, t->c.seed, stream, i >> 2);
        if (s[i] == 0.0f) continue;
        const size_t k = i * n + j;
        t->w[k] = xbar_device_pulse_unchecked(&t->dev, k, t->w[k], s[i] > 0.0f, z[i & 3]);
        fired++;
    }
    t->n_updates++;
    t->n_pulses += fired;
    return XBAR_OK;
}
