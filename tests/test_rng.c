/* test_rng.c - Philox4x32-10 known-answer vectors (Random123 kat_vectors) and
 * the moments of the uniform and normal draws. */
#include <stdint.h>
#include "util.h"
#include "xbar.h"

int main(void)
{
    /* Random123 kat_vectors: philox4x32 10 rounds. */
    static const uint32_t kat[3][10] = {
        {0, 0, 0, 0, 0, 0, 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
        {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff,
         0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
        {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0,
         0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}};
    for (int t = 0; t < 3; t++) {
        uint32_t out[4];
        xbar_philox4x32_10(out, kat[t], kat[t] + 4);
        for (int i = 0; i < 4; i++)
            CHECK(out[i] == kat[t][6 + i], "kat %d word %d: %08x != %08x", t, i, out[i], kat[t][6 + i]);
    }
    /* Pure function of (seed, stream, counter). */
    float a[4], b[4];
    xbar_rng_uniform4(a, 7, 3, 11);
    xbar_rng_uniform4(b, 7, 3, 11);
    for (int i = 0; i < 4; i++) CHECK(a[i] == b[i], "uniform not reproducible");
    xbar_rng_uniform4(b, 7, 4, 11);
    CHECK(a[0] != b[0], "streams 3 and 4 collide");

    /* Moments: uniform mean 1/2, var 1/12; normal mean 0, var 1, 4th moment 3. */
    xt_stat su = {0}, sn = {0}, sn4 = {0};
    const int N = 400000;
    float buf[4];
    for (int k = 0; k < N / 4; k++) {
        xbar_rng_uniform4(buf, 1, 2, (uint64_t)k);
        for (int i = 0; i < 4; i++) {
            CHECK(buf[i] > 0.0f && buf[i] < 1.0f, "uniform out of (0,1): %g", buf[i]);
            xt_stat_add(&su, buf[i]);
        }
        xbar_rng_normal4(buf, 1, 5, (uint64_t)k);
        for (int i = 0; i < 4; i++) {
            xt_stat_add(&sn, buf[i]);
            xt_stat_add(&sn4, (double)buf[i] * buf[i] * buf[i] * buf[i]);
        }
    }
    CHECK_NEAR(su.mean, 0.5, 4 * sqrt(1.0 / 12 / N), "uniform mean");
    CHECK_NEAR(xt_stat_var(&su), 1.0 / 12, 4 * sqrt(1.0 / 180.0 / N), "uniform var");
    CHECK_NEAR(sn.mean, 0.0, 4 / sqrt((double)N), "normal mean");
    CHECK_NEAR(xt_stat_var(&sn), 1.0, 4 * sqrt(2.0 / N), "normal var");
    CHECK_NEAR(sn4.mean, 3.0, 4 * sqrt(96.0 / N), "normal 4th moment");
    return xt_done("test_rng");
}
