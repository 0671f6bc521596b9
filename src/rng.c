/* rng.c - Philox4x32-10 counter-based generator (Salmon, Moraes, Dror, Shaw,
 * "Parallel random numbers: as easy as 1, 2, 3", SC'11). Every draw is a
 * pure function of (seed, stream, counter); there is no state. */
#include <math.h>

#include "internal.h"

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

static inline void mulhilo(uint32_t a, uint32_t b, uint32_t *hi, uint32_t *lo)
{
    uint64_t p = (uint64_t)a * b;
    *hi = (uint32_t)(p >> 32);
    *lo = (uint32_t)p;
}

void xbar_philox4x32_10(uint32_t out[4], const uint32_t ctr[4], const uint32_t key[2])
{
    uint32_t c0 = ctr[0], c1 = ctr[1], c2 = ctr[2], c3 = ctr[3];
    uint32_t k0 = key[0], k1 = key[1];
    for (int r = 0; r < 10; r++) {
        uint32_t hi0, lo0, hi1, lo1;
        mulhilo(PHILOX_M0, c0, &hi0, &lo0);
        mulhilo(PHILOX_M1, c2, &hi1, &lo1);
        uint32_t n0 = hi1 ^ c1 ^ k0, n1 = lo1, n2 = hi0 ^ c3 ^ k1, n3 = lo0;
        c0 = n0; c1 = n1; c2 = n2; c3 = n3;
        k0 += PHILOX_W0;
        k1 += PHILOX_W1;
    }
    out[0] = c0; out[1] = c1; out[2] = c2; out[3] = c3;
}

static inline void block(uint32_t out[4], uint64_t seed, uint64_t stream, uint64_t counter)
{
    const uint32_t ctr[4] = {(uint32_t)counter, (uint32_t)(counter >> 32), (uint32_t)stream,
                             (uint32_t)(stream >> 32)};
    const uint32_t key[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
    xbar_philox4x32_10(out, ctr, key);
}

/* 24-bit uniform in (0,1): (k + 0.5) / 2^24, exact in float32. */
static inline float u24(uint32_t r) { return ((float)(r >> 8) + 0.5f) * (1.0f / 16777216.0f); }

void xbar_rng_uniform4(float u[4], uint64_t seed, uint64_t stream, uint64_t counter)
{
    uint32_t r[4];
    block(r, seed, stream, counter);
    for (int i = 0; i < 4; i++) u[i] = u24(r[i]);
}

void xbar_rng_normal4(float z[4], uint64_t seed, uint64_t stream, uint64_t counter)
{
    uint32_t r[4];
    block(r, seed, stream, counter);
    for (int i = 0; i < 4; i += 2) {
        /* Box-Muller in double for accuracy, 32-bit uniforms in (0,1). */
        double u1 = ((double)r[i] + 0.5) * (1.0 / 4294967296.0);
        double u2 = ((double)r[i + 1] + 0.5) * (1.0 / 4294967296.0);
        double rad = sqrt(-2.0 * log(u1)), th = 6.283185307179586 * u2;
        z[i] = (float)(rad * cos(th));
        z[i + 1] = (float)(rad * sin(th));
    }
}

float xbar_rng_normal_first(uint64_t seed, uint64_t stream, uint64_t counter)
{
    uint32_t r[4];
    block(r, seed, stream, counter);
    double u1 = ((double)r[0] + 0.5) * (1.0 / 4294967296.0);
    double u2 = ((double)r[1] + 0.5) * (1.0 / 4294967296.0);
    return (float)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
}

void xbar_rng_normal2d(double z[2], uint64_t seed, uint64_t stream, uint64_t counter)
{
    uint32_t r[4];
    block(r, seed, stream, counter);
    uint64_t a = ((uint64_t)r[0] << 21) ^ (r[1] >> 11), b = ((uint64_t)r[2] << 21) ^ (r[3] >> 11);
    double u1 = ((double)(a & ((1ull << 53) - 1)) + 0.5) * (1.0 / 9007199254740992.0);
    double u2 = ((double)(b & ((1ull << 53) - 1)) + 0.5) * (1.0 / 9007199254740992.0);
    double rad = sqrt(-2.0 * log(u1)), th = 6.283185307179586 * u2;
    z[0] = rad * cos(th);
    z[1] = rad * sin(th);
}

void xbar_rng_uniform_fill(float *u, size_t n, uint64_t seed, uint64_t stream, uint64_t counter0)
{
    float b[4];
    for (size_t k = 0; k < n; k += 4) {
        xbar_rng_uniform4(b, seed, stream, counter0 + k / 4);
        for (size_t i = 0; i < 4 && k + i < n; i++) u[k + i] = b[i];
    }
}

void xbar_rng_normal_fill(float *z, size_t n, uint64_t seed, uint64_t stream, uint64_t counter0)
{
    float b[4];
    for (size_t k = 0; k < n; k += 4) {
        xbar_rng_normal4(b, seed, stream, counter0 + k / 4);
        for (size_t i = 0; i < 4 && k + i < n; i++) z[k + i] = b[i];
    }
}

/* TEMPORARY: Box-Muller stand-in until the ziggurat lands. */
void xbar_rng_znormal4(float z[4], uint64_t seed, uint64_t stream, uint64_t counter)
{
    xbar_rng_normal4(z, seed, stream, counter);
}

void xbar_rng_znormal_fill(float *z, size_t n, uint64_t seed, uint64_t stream, uint64_t counter0)
{
    xbar_rng_normal_fill(z, n, seed, stream, counter0);
}
