/* pulse_ref.c - the readable reference of the per-sample pulse schemes.
 *
 * xbar_pulse_rank1_ref() computes what xbar_pulse_rank1() (pulse.c) computes,
 * in the most direct order: sample by sample, row by row, column by column,
 * each coincidence count summed bit by bit from freshly drawn uniforms. It
 * shares only the definitions with the fast path: update management, the
 * counter layouts of tile_internal.h and the device step of one slot
 * (xbar_tile_slot_pulses). The fast path's bit packing, active-column lists,
 * row-parallel element-outer order and popcounts must give the same bits;
 * tests/test_pulse_ref.c checks that for every device model, both schemes and
 * 1 and 2 threads. Serial and slow (one byte per stream bit, a Philox block
 * per 4 bits): for tests and for reading, not for training. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tile_internal.h"

/* Bit b of line l of sample s with probability p: p > u (so p >= 1 always fires), u the
 * uniform l*bl + b of the sample (tile_internal.h). */
static int line_bit(float p, uint64_t seed, uint64_t stream, size_t s, size_t l, int bl, int b)
{
    float u[4];
    const uint64_t k = (uint64_t)l * (uint64_t)bl + (uint64_t)b;
    xbar_rng_uniform4(u, seed, stream, XBAR_BITS_COUNTER(s, k));
    return fabsf(p) > u[k & 3];
}

/* bits[l * bl + b] = bit b of line l < count of sample s, probabilities p[l]. */
static void line_bits(unsigned char *bits, const float *p, size_t count, int bl, uint64_t seed, uint64_t stream,
                      size_t s)
{
    for (size_t l = 0; l < count; l++)
        for (int b = 0; b < bl; b++)
            bits[l * (size_t)bl + (size_t)b] = (unsigned char)line_bit(p[l], seed, stream, s, l, bl, b);
}

xbar_status xbar_pulse_rank1_ref(struct xbar_tile *t, const float *X, const float *D, size_t batch, float lr)
{
    const size_t m = t->c.rows, n = t->c.cols;
    const xbar_update_params *u = &t->c.update;
    const int implicit = u->scheme == XBAR_SCHEME_IMPLICIT;
    const uint32_t step = (uint32_t)t->n_updates;
    const uint64_t seed = t->c.seed;
    const uint64_t xs = xbar_stream(XBAR_RNG_BITS_X, t->c.id, step), ds = xbar_stream(XBAR_RNG_BITS_D, t->c.id, step);
    const uint64_t cs = xbar_stream(XBAR_RNG_C2C, t->c.id, step), es = xbar_stream(XBAR_RNG_C2C_EACH, t->c.id, step);
    const int noisy = t->dev.p.dw_min_std != 0.0f;
    uint64_t pulses = 0;
    float *pxs = malloc(n * sizeof(float)), *pds = malloc(m * sizeof(float));
    unsigned char *xbit = malloc(n * (size_t)u->desired_bl), *dbit = malloc(m * (size_t)u->desired_bl);
    if (!pxs || !pds || !xbit || !dbit) {
        free(pxs), free(pds), free(xbit), free(dbit);
        return xbar_fail(XBAR_ENOMEM, "reference update: out of memory");
    }
    for (size_t s = 0; s < batch; s++) {
        const float *x = X + s * n, *d = D + s * m;
        const xbar_um um =
            xbar_update_management_unchecked(u, lr, xbar_abs_max(x, n), xbar_abs_max(d, m), t->dev.granularity);
        if (!um.bl) continue;
        const float A = (float)um.A, B = (float)um.B;
        for (size_t j = 0; j < n; j++) pxs[j] = B * x[j];
        for (size_t i = 0; i < m; i++) pds[i] = A * d[i];
        if (!implicit) {
            line_bits(xbit, pxs, n, um.bl, seed, xs, s);
            line_bits(dbit, pds, m, um.bl, seed, ds, s);
        }
        for (size_t i = 0; i < m; i++) {
            const float pd = pds[i];
            xbar_row_noise rn = xbar_row_noise_at(seed, cs, m, s, i, noisy);
            for (size_t j = 0; j < n; j++) {
                const float px = pxs[j];
                int cnt = 0;
                if (implicit) {
                    if (pd != 0.0f && px != 0.0f)
                        cnt = (int)rintf((fminf(fabsf(pd), 1.0f) * (float)um.bl) * fminf(fabsf(px), 1.0f));
                } else {
                    for (int b = 0; b < um.bl; b++) cnt += xbit[j * (size_t)um.bl + (size_t)b] & dbit[i * (size_t)um.bl + (size_t)b];
                }
                if (!cnt) continue;
                const size_t k = i * n + j;
                t->w[k] = xbar_tile_slot_pulses(t, k, t->w[k], (px < 0.0f) != (pd < 0.0f), (unsigned)cnt,
                                                xbar_row_noise_next(&rn), es, XBAR_EACH_COUNTER(s, m * n, k));
                pulses += (uint64_t)cnt;
            }
        }
    }
    free(pxs), free(pds), free(xbit), free(dbit);
    t->n_pulses += pulses;
    t->n_updates++;
    return XBAR_OK;
}
