/* rng.c - Philox4x32-10 counter-based generator (Salmon, Moraes, Dror, Shaw,
 * "Parallel random numbers: as easy as 1, 2, 3", SC'11). Every draw is a
 * pure function of (seed, stream, counter); there is no state.
 *
 * Block (seed, stream, counter): key = {seed lo, seed hi}, ctr = {counter lo,
 * counter hi, stream lo, stream hi}; four 32-bit words r[0..3].
 *
 * Ziggurat normals (xbar_rng_znormal4, xbar_rng_znormal_fill). Marsaglia &
 * Tsang's ziggurat with 256 layers of equal area; tables and their method in
 * zig_tables.h. Lane j of block (seed, stream, counter) draws one normal from
 * the word w = r[j]:
 *   i = w & 255 (layer), m = (w >> 8) & 0x7fffff (23 magnitude bits), sign = w >> 31.
 * The candidate is x = (2m+1) x_i / 2^24, uniform on [0, x_i].
 *   Fast path (98.51% of words): m < zig_kw[i].k, i.e. x < x_{i+1}; then
 *     z = +-(float)(2m+1) * zig_kw[i].w, one float multiply.
 *   Otherwise (layer 0, x >= r: the tail): Marsaglia's tail method, repeated
 *     until it accepts: a = -ln(u1) / r, b = -ln(u2), accept if 2b > a^2; z = +-(r + a).
 *   Otherwise (a wedge of layer i >= 1): accept z = +-x if
 *     f(x_i) + u (f(x_{i+1}) - f(x_i)) < exp(-x^2/2); else restart the whole draw
 *     (new layer, sign, magnitude) from the next word.
 * So z is exactly N(0,1) up to the 2^-23 grid of x and float32 rounding.
 * The extra words of lane j (uniforms u = (word + 0.5) / 2^32 in double, and
 * restart words) are taken in order from secondary blocks b = 0, 1, 2, ...:
 *   Philox4x32-10 with ctr = the primary block's ctr and
 *   key = {seed lo ^ (4b + j), seed hi ^ 0xB7E15162} (32 fractional bits of e),
 * all four words of block b before any of block b+1; each wedge test takes one
 * word, each restart one, each tail try two (u1 then u2). Nearly every
 * rejection needs only secondary block 0.
 *
 * Speed: the fill functions (uniform, normal, znormal) compute 8 blocks at a
 * time with SSE2 (two groups of 4 blocks, one block per 32-bit lane,
 * _mm_mul_epu32 for the 32x32->64 products) or, with AVX2, 8 blocks per
 * vector and (uniform, znormal) 16 per call in two interleaved groups, so one
 * group's multiplies run while the other waits; the ziggurat's fast path
 * runs 4 words at a time in SSE2, or 8 with AVX2 (one 8-byte load per word
 * fetches its layer's {k, w}: zig_tables.h); without SSE2 the same bits come from the
 * scalar code, so results never depend on the path, and every fill equals the
 * lanes of its one-block function. The rejection path is out of line; a
 * fill's rejected words wait in groups of eight, and one AVX2 call computes
 * their secondary blocks 0 (a counter and a key per lane). */
#include <math.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "internal.h"
#include "zig_tables.h"

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u
#define ZIG_SALT 0xB7E15162u
#define BATCH 8 /* blocks per batched Philox call */

static inline void mulhilo(uint32_t a, uint32_t b, uint32_t *hi, uint32_t *lo)
{
    uint64_t p = (uint64_t)a * b;
    *hi = (uint32_t)(p >> 32);
    *lo = (uint32_t)p;
}

static inline void philox(uint32_t out[4], const uint32_t ctr[4], const uint32_t key[2])
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
    philox(out, ctr, key);
}

/* The generators below return void (test_rng and callers use them through function pointers
 * shared with the internal ziggurat variants): a NULL argument writes nothing and sets the error. */
void xbar_philox4x32_10(uint32_t out[4], const uint32_t ctr[4], const uint32_t key[2])
{
    XBAR_NONNULL_VOID(out);
    XBAR_NONNULL_VOID(ctr);
    XBAR_NONNULL_VOID(key);
    philox(out, ctr, key);
}

#if defined(__SSE2__)
/* hi and lo halves of the four 32x32 products a[k] * m (m in every lane). */
static inline __m128i mulhilo4(__m128i a, __m128i m, __m128i *lo)
{
    __m128i even = _mm_mul_epu32(a, m);                     /* lanes 0, 2 as 64-bit */
    __m128i odd = _mm_mul_epu32(_mm_srli_epi64(a, 32), m);  /* lanes 1, 3 */
    even = _mm_shuffle_epi32(even, _MM_SHUFFLE(3, 1, 2, 0)); /* lo0 lo2 hi0 hi2 */
    odd = _mm_shuffle_epi32(odd, _MM_SHUFFLE(3, 1, 2, 0));   /* lo1 lo3 hi1 hi3 */
    *lo = _mm_unpacklo_epi32(even, odd);
    return _mm_unpackhi_epi32(even, odd);
}

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#define XBAR_HAVE_AVX2_PHILOX 1
/* Philox rounds with AVX2 on G groups of eight blocks (G = 1 or 2; the groups' rounds
 * interleave, so the multiply latency of one hides behind the other): c[g][w] holds word w of
 * the counters of the group's eight blocks, k0 and k1 the keys' words per block (lane). One
 * vector holds word w of the eight blocks of a group (blocks 0-3 in the low 128-bit lane,
 * 4-7 in the high one); every step is the SSE2 step per lane, so the bits are the same.
 * Block b of group g goes to out[32 g + 4 b + w]. */
__attribute__((target("avx2"), always_inline)) static inline void philox_core_avx2(uint32_t *out, __m256i c[][4],
                                                                                 int G, __m256i k0, __m256i k1)
{
    const __m256i m0 = _mm256_set1_epi32((int)PHILOX_M0), m1 = _mm256_set1_epi32((int)PHILOX_M1);
    const __m256i w0 = _mm256_set1_epi32((int)PHILOX_W0), w1 = _mm256_set1_epi32((int)PHILOX_W1);
    for (int r = 0; r < 10; r++) {
        for (int g = 0; g < G; g++) {
            __m256i *v = c[g];
            __m256i e0 = _mm256_shuffle_epi32(_mm256_mul_epu32(v[0], m0), _MM_SHUFFLE(3, 1, 2, 0));
            __m256i o0 =
                _mm256_shuffle_epi32(_mm256_mul_epu32(_mm256_srli_epi64(v[0], 32), m0), _MM_SHUFFLE(3, 1, 2, 0));
            __m256i e1 = _mm256_shuffle_epi32(_mm256_mul_epu32(v[2], m1), _MM_SHUFFLE(3, 1, 2, 0));
            __m256i o1 =
                _mm256_shuffle_epi32(_mm256_mul_epu32(_mm256_srli_epi64(v[2], 32), m1), _MM_SHUFFLE(3, 1, 2, 0));
            const __m256i lo0 = _mm256_unpacklo_epi32(e0, o0), hi0 = _mm256_unpackhi_epi32(e0, o0);
            const __m256i lo1 = _mm256_unpacklo_epi32(e1, o1), hi1 = _mm256_unpackhi_epi32(e1, o1);
            v[0] = _mm256_xor_si256(_mm256_xor_si256(hi1, v[1]), k0);
            v[1] = lo1;
            v[2] = _mm256_xor_si256(_mm256_xor_si256(hi0, v[3]), k1);
            v[3] = lo0;
        }
        k0 = _mm256_add_epi32(k0, w0);
        k1 = _mm256_add_epi32(k1, w1);
    }
    for (int g = 0; g < G; g++) {
        const __m256i *v = c[g];
        const __m256i t0 = _mm256_unpacklo_epi32(v[0], v[1]), t1 = _mm256_unpacklo_epi32(v[2], v[3]);
        const __m256i t2 = _mm256_unpackhi_epi32(v[0], v[1]), t3 = _mm256_unpackhi_epi32(v[2], v[3]);
        const __m256i w[4] = {_mm256_unpacklo_epi64(t0, t1), _mm256_unpackhi_epi64(t0, t1),
                              _mm256_unpacklo_epi64(t2, t3), _mm256_unpackhi_epi64(t2, t3)};
        uint32_t *o = out + 32 * g;
        for (int b = 0; b < 4; b++) { /* w[b]: block b (low lane) and block b + 4 (high lane) */
            _mm_storeu_si128((__m128i *)(void *)(o + 4 * b), _mm256_castsi256_si128(w[b]));
            _mm_storeu_si128((__m128i *)(void *)(o + 4 * (b + 4)), _mm256_extracti128_si256(w[b], 1));
        }
    }
}

/* c[w]: word w of the counters of eight blocks, block b with counter[b] and `stream`. */
__attribute__((target("avx2"), always_inline)) static inline void philox_ctr_avx2(__m256i c[4],
                                                                                const uint64_t counter[8],
                                                                                uint64_t stream)
{
    int lo[8], hi[8];
    for (int b = 0; b < 8; b++) {
        lo[b] = (int)(uint32_t)counter[b];
        hi[b] = (int)(uint32_t)(counter[b] >> 32);
    }
    c[0] = _mm256_setr_epi32(lo[0], lo[1], lo[2], lo[3], lo[4], lo[5], lo[6], lo[7]);
    c[1] = _mm256_setr_epi32(hi[0], hi[1], hi[2], hi[3], hi[4], hi[5], hi[6], hi[7]);
    c[2] = _mm256_set1_epi32((int)(uint32_t)stream);
    c[3] = _mm256_set1_epi32((int)(uint32_t)(stream >> 32));
}

/* Blocks counter0 .. counter0 + 8G - 1 of (seed, stream), G = 1 or 2. */
__attribute__((target("avx2"), always_inline)) static inline void philox_groups_avx2(uint32_t *out, uint64_t seed,
                                                                                   uint64_t stream,
                                                                                   uint64_t counter0, int G)
{
    __m256i c[2][4];
    for (int g = 0; g < G; g++) {
        uint64_t k[8];
        for (int b = 0; b < 8; b++) k[b] = counter0 + (uint64_t)(8 * g + b);
        philox_ctr_avx2(c[g], k, stream);
    }
    philox_core_avx2(out, c, G, _mm256_set1_epi32((int)(uint32_t)seed), _mm256_set1_epi32((int)(uint32_t)(seed >> 32)));
}

/* Eight blocks of (stream) with a counter and a first key word of their own each (lane b:
 * counter[b], key {key0[b], key1}), into out[4 b + w]. */
__attribute__((target("avx2"))) static void philox_lanes_avx2(uint32_t out[32], const uint64_t counter[8],
                                                             const uint32_t key0[8], uint32_t key1, uint64_t stream)
{
    __m256i c[1][4];
    philox_ctr_avx2(c[0], counter, stream);
    philox_core_avx2(out, c, 1, _mm256_loadu_si256((const __m256i *)(const void *)key0), _mm256_set1_epi32((int)key1));
}

__attribute__((target("avx2"))) static void philox_batch_avx2(uint32_t out[4 * BATCH], uint64_t seed, uint64_t stream,
                                                             uint64_t counter0)
{
    philox_groups_avx2(out, seed, stream, counter0, 1);
}

__attribute__((target("avx2"))) static void philox_batch2_avx2(uint32_t out[8 * BATCH], uint64_t seed,
                                                              uint64_t stream, uint64_t counter0)
{
    philox_groups_avx2(out, seed, stream, counter0, 2);
}

static int have_avx2(void)
{
    static int have = -1; /* benign race: every thread computes the same value */
    if (have < 0) have = __builtin_cpu_supports("avx2") ? 1 : 0;
    return have;
}
#endif

/* Blocks counter0 .. counter0 + 7 into out[4 * block + word]: two groups of
 * four blocks, word w of each group in one vector c[g][w]. */
static void philox_batch(uint32_t out[4 * BATCH], uint64_t seed, uint64_t stream, uint64_t counter0)
{
#ifdef XBAR_HAVE_AVX2_PHILOX
    if (have_avx2()) {
        philox_batch_avx2(out, seed, stream, counter0);
        return;
    }
#endif
    __m128i c[2][4];
    for (int g = 0; g < 2; g++) {
        uint64_t k = counter0 + 4 * (uint64_t)g;
        c[g][0] = _mm_setr_epi32((int)(uint32_t)k, (int)(uint32_t)(k + 1), (int)(uint32_t)(k + 2),
                                 (int)(uint32_t)(k + 3));
        c[g][1] = _mm_setr_epi32((int)(uint32_t)(k >> 32), (int)(uint32_t)((k + 1) >> 32),
                                 (int)(uint32_t)((k + 2) >> 32), (int)(uint32_t)((k + 3) >> 32));
        c[g][2] = _mm_set1_epi32((int)(uint32_t)stream);
        c[g][3] = _mm_set1_epi32((int)(uint32_t)(stream >> 32));
    }
    const __m128i m0 = _mm_set1_epi32((int)PHILOX_M0), m1 = _mm_set1_epi32((int)PHILOX_M1);
    uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
    for (int r = 0; r < 10; r++) {
        const __m128i key0 = _mm_set1_epi32((int)k0), key1 = _mm_set1_epi32((int)k1);
        for (int g = 0; g < 2; g++) {
            __m128i lo0, lo1;
            __m128i hi0 = mulhilo4(c[g][0], m0, &lo0), hi1 = mulhilo4(c[g][2], m1, &lo1);
            c[g][0] = _mm_xor_si128(_mm_xor_si128(hi1, c[g][1]), key0);
            c[g][1] = lo1;
            c[g][2] = _mm_xor_si128(_mm_xor_si128(hi0, c[g][3]), key1);
            c[g][3] = lo0;
        }
        k0 += PHILOX_W0;
        k1 += PHILOX_W1;
    }
    for (int g = 0; g < 2; g++) { /* transpose: one block per vector */
        __m128i t0 = _mm_unpacklo_epi32(c[g][0], c[g][1]), t1 = _mm_unpacklo_epi32(c[g][2], c[g][3]);
        __m128i t2 = _mm_unpackhi_epi32(c[g][0], c[g][1]), t3 = _mm_unpackhi_epi32(c[g][2], c[g][3]);
        __m128i *o = (__m128i *)(void *)(out + 16 * g);
        _mm_storeu_si128(o + 0, _mm_unpacklo_epi64(t0, t1));
        _mm_storeu_si128(o + 1, _mm_unpackhi_epi64(t0, t1));
        _mm_storeu_si128(o + 2, _mm_unpacklo_epi64(t2, t3));
        _mm_storeu_si128(o + 3, _mm_unpackhi_epi64(t2, t3));
    }
}
#else
static void philox_batch(uint32_t out[4 * BATCH], uint64_t seed, uint64_t stream, uint64_t counter0)
{
    for (int b = 0; b < BATCH; b++) block(out + 4 * b, seed, stream, counter0 + (uint64_t)b);
}
#endif

/* The words for n (> 0) numbers from counter0 on: batched when a full batch,
 * else one block at a time (the same bits either way). */
static inline void blocks_for(uint32_t out[4 * BATCH], size_t n, uint64_t seed, uint64_t stream,
                              uint64_t counter0)
{
    if (n > 12) { /* four or more blocks: the batch (eight, the rest unused) is cheaper */
        philox_batch(out, seed, stream, counter0);
        return;
    }
    for (size_t b = 0; 4 * b < n; b++) block(out + 4 * b, seed, stream, counter0 + b);
}

/* blocks_for for n <= 64 numbers (sixteen blocks): two interleaved batches in one AVX2 call
 * where the CPU has it and more than 44 words are wanted. */
static inline void blocks_for2(uint32_t out[8 * BATCH], size_t n, uint64_t seed, uint64_t stream,
                               uint64_t counter0)
{
#ifdef XBAR_HAVE_AVX2_PHILOX
    if (n > 44 && have_avx2()) {
        philox_batch2_avx2(out, seed, stream, counter0);
        return;
    }
#endif
    blocks_for(out, n < 4 * BATCH ? n : 4 * BATCH, seed, stream, counter0);
    if (n > 4 * BATCH) blocks_for(out + 4 * BATCH, n - 4 * BATCH, seed, stream, counter0 + BATCH);
}

/* 24-bit uniform in (0,1): (k + 0.5) / 2^24, exact in float32. */
static inline float u24(uint32_t r) { return ((float)(r >> 8) + 0.5f) * (1.0f / 16777216.0f); }

void xbar_rng_uniform4(float u[4], uint64_t seed, uint64_t stream, uint64_t counter)
{
    XBAR_NONNULL_VOID(u);
    uint32_t r[4];
    block(r, seed, stream, counter);
    for (int i = 0; i < 4; i++) u[i] = u24(r[i]);
}

/* Box-Muller in double for accuracy, 32-bit uniforms in (0,1). */
static inline void box_muller4(float z[4], const uint32_t r[4])
{
    for (int i = 0; i < 4; i += 2) {
        double u1 = ((double)r[i] + 0.5) * (1.0 / 4294967296.0);
        double u2 = ((double)r[i + 1] + 0.5) * (1.0 / 4294967296.0);
        double rad = sqrt(-2.0 * log(u1)), th = 6.283185307179586 * u2;
        z[i] = (float)(rad * cos(th));
        z[i + 1] = (float)(rad * sin(th));
    }
}

void xbar_rng_normal4(float z[4], uint64_t seed, uint64_t stream, uint64_t counter)
{
    XBAR_NONNULL_VOID(z);
    uint32_t r[4];
    block(r, seed, stream, counter);
    box_muller4(z, r);
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
    XBAR_NONNULL_VOID(z);
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
    XBAR_NONNULL_VOID(u);
    uint32_t r[8 * BATCH];
    for (size_t k = 0; k < n; k += 8 * BATCH) {
        const size_t m = n - k < 8 * BATCH ? n - k : 8 * BATCH;
        blocks_for2(r, m, seed, stream, counter0 + k / 4);
        for (size_t j = 0; j < m; j++) u[k + j] = u24(r[j]);
    }
}

void xbar_rng_normal_fill(float *z, size_t n, uint64_t seed, uint64_t stream, uint64_t counter0)
{
    XBAR_NONNULL_VOID(z);
    uint32_t r[4 * BATCH];
    float b[4];
    for (size_t k = 0; k < n; k += 4 * BATCH) {
        size_t m = n - k < 4 * BATCH ? n - k : 4 * BATCH;
        blocks_for(r, m, seed, stream, counter0 + k / 4);
        for (size_t j = 0; j < m; j += 4) {
            box_muller4(b, r + j);
            for (size_t i = 0; i < 4 && j + i < m; i++) z[k + j + i] = b[i];
        }
    }
}

/* ------------------------------------------------------------------------ */
/* Ziggurat                                                                 */
/* ------------------------------------------------------------------------ */

/* The fast-path value of word w (see the header comment) into *z; 1 if the
 * fast path accepts w, else 0 (then *z is meaningless). */
static inline uint32_t zig_fast(uint32_t w, float *z)
{
    uint32_t i = w & 255, m = (w >> 8) & 0x7fffff;
    float x = (float)(int32_t)(2 * m + 1) * zig_kw[i].w;
    uint32_t bits;
    memcpy(&bits, &x, sizeof bits);
    bits |= w & 0x80000000u;
    memcpy(z, &bits, sizeof bits);
    return m < zig_kw[i].k;
}

/* Fast-path values of the n (<= 32) words w into z, without branches; bit j
 * of the result is set when word j needs the slow path. */
static inline uint32_t zig_fast_n(float *z, const uint32_t *w, size_t n)
{
    uint32_t reject = 0;
    for (size_t j = 0; j < n; j++) reject |= (zig_fast(w[j], z + j) ^ 1u) << j;
    return reject;
}

/* zig_fast_n for n = 4: the same bits, four lanes at a time with SSE2 (the
 * table look-ups stay scalar: SSE2 has no gather). */
static inline uint32_t zig_fast4(float z[4], const uint32_t w[4])
{
#if defined(__SSE2__)
    const __m128i v = _mm_loadu_si128((const __m128i *)(const void *)w);
    const __m128i m = _mm_and_si128(_mm_srli_epi32(v, 8), _mm_set1_epi32(0x7fffff));
    const __m128i k = _mm_setr_epi32((int)zig_kw[w[0] & 255].k, (int)zig_kw[w[1] & 255].k,
                                     (int)zig_kw[w[2] & 255].k, (int)zig_kw[w[3] & 255].k);
    const __m128 scale =
        _mm_setr_ps(zig_kw[w[0] & 255].w, zig_kw[w[1] & 255].w, zig_kw[w[2] & 255].w, zig_kw[w[3] & 255].w);
    __m128 x = _mm_cvtepi32_ps(_mm_or_si128(_mm_slli_epi32(m, 1), _mm_set1_epi32(1)));
    x = _mm_mul_ps(x, scale);
    x = _mm_or_ps(x, _mm_castsi128_ps(_mm_and_si128(v, _mm_set1_epi32((int)0x80000000u))));
    _mm_storeu_ps(z, x);
    return (uint32_t)_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpgt_epi32(k, m))) ^ 15u;
#else
    return zig_fast_n(z, w, 4);
#endif
}

/* The key of secondary block b of lane `lane` (see the header comment), as a seed. */
static inline uint64_t zig_key(uint64_t seed, uint32_t lane, uint32_t b)
{
    return seed ^ ((uint64_t)ZIG_SALT << 32 | (4 * b + lane));
}

/* Secondary block b of lane `lane` of primary block (seed, stream, counter). */
static void zig_secondary(uint32_t out[4], uint64_t seed, uint64_t stream, uint64_t counter, uint32_t lane,
                          uint32_t b)
{
    block(out, zig_key(seed, lane, b), stream, counter);
}

/* The secondary words of one lane, in order (see the header comment). */
typedef struct {
    uint64_t seed, stream, counter;
    uint32_t w[4], lane, b, used;
} zig_extra;

static inline uint32_t zig_next(zig_extra *e)
{
    if (e->used == 4) {
        zig_secondary(e->w, e->seed, e->stream, e->counter, e->lane, e->b++);
        e->used = 0;
    }
    return e->w[e->used++];
}

static double zig_uniform(zig_extra *e) { return ((double)zig_next(e) + 0.5) * (1.0 / 4294967296.0); }

/* The draw of word w of lane `lane` when its fast path rejects; first: its secondary block 0
 * if already computed, else NULL. */
__attribute__((noinline, cold)) static float zig_slow(uint32_t w, uint64_t seed, uint64_t stream,
                                                     uint64_t counter, uint32_t lane, const uint32_t *first)
{
    zig_extra e = {.seed = seed, .stream = stream, .counter = counter, .lane = lane, .b = 0, .used = 4};
    if (first) { /* block 0 given */
        memcpy(e.w, first, sizeof e.w);
        e.b = 1;
        e.used = 0;
    }
    for (;;) {
        float z;
        if (zig_fast(w, &z)) return z; /* (a restart's fast path) */
        uint32_t i = w & 255, m = (w >> 8) & 0x7fffff;
        double x;
        if (i == 0) { /* beyond r: Marsaglia's tail method */
            double a, b;
            do {
                a = -log(zig_uniform(&e)) / ZIG_R;
                b = -log(zig_uniform(&e));
            } while (!(2 * b > a * a));
            x = ZIG_R + a;
        } else { /* wedge of layer i */
            x = (double)(2 * m + 1) * zig_x[i] * 0x1p-24;
            double y = zig_f[i] + zig_uniform(&e) * (zig_f[i + 1] - zig_f[i]);
            if (!(y < exp(-0.5 * x * x))) {
                w = zig_next(&e);
                continue;
            }
        }
        return (float)(w >> 31 ? -x : x);
    }
}

void xbar_rng_znormal4(float z[4], uint64_t seed, uint64_t stream, uint64_t counter)
{
    uint32_t r[4];
    block(r, seed, stream, counter);
    uint32_t reject = zig_fast4(z, r);
    if (__builtin_expect(reject != 0, 0))
        for (uint32_t j = 0; j < 4; j++)
            if (reject >> j & 1) z[j] = zig_slow(r[j], seed, stream, counter, j, NULL);
}

#ifdef XBAR_HAVE_AVX2_PHILOX
/* Layer w & 255's {k, w} as one 64-bit load into the low half of a vector. */
static inline __m128i zig_layer_of(uint32_t w)
{
    return _mm_loadl_epi64((const __m128i *)(const void *)&zig_kw[w & 255]);
}

/* zig_fast_n for the m (1..64) words w, eight at a time with AVX2: one 8-byte load per word
 * fetches its layer's {k, w} (scalar loads: Zen 3's gathers are slower), and two shuffles
 * split them into k and w vectors. The words past m up to the next multiple of 8 are read
 * (they must be initialised) but neither stored nor flagged. The same bits. */
__attribute__((target("avx2"))) static uint64_t zig_fast_avx2(float *z, const uint32_t *w, size_t m)
{
    const __m256i mag = _mm256_set1_epi32(0x7fffff), one = _mm256_set1_epi32(1),
                  sign = _mm256_set1_epi32((int)0x80000000u);
    uint64_t reject = 0;
    for (size_t j = 0; j < m; j += 8) {
        const uint32_t *v = w + j;
        /* p = layers {0 1 | 4 5}, q = {2 3 | 6 7}: the even floats of (p, q) per 128-bit lane are
         * k of words 0-3 | 4-7, the odd ones w */
        const __m128i p0 = _mm_unpacklo_epi64(zig_layer_of(v[0]), zig_layer_of(v[1]));
        const __m128i p1 = _mm_unpacklo_epi64(zig_layer_of(v[4]), zig_layer_of(v[5]));
        const __m128i q0 = _mm_unpacklo_epi64(zig_layer_of(v[2]), zig_layer_of(v[3]));
        const __m128i q1 = _mm_unpacklo_epi64(zig_layer_of(v[6]), zig_layer_of(v[7]));
        const __m256 p = _mm256_castsi256_ps(_mm256_inserti128_si256(_mm256_castsi128_si256(p0), p1, 1));
        const __m256 q = _mm256_castsi256_ps(_mm256_inserti128_si256(_mm256_castsi128_si256(q0), q1, 1));
        const __m256i k = _mm256_castps_si256(_mm256_shuffle_ps(p, q, _MM_SHUFFLE(2, 0, 2, 0)));
        const __m256 scale = _mm256_shuffle_ps(p, q, _MM_SHUFFLE(3, 1, 3, 1));
        const __m256i x = _mm256_loadu_si256((const __m256i *)(const void *)v);
        const __m256i mm = _mm256_and_si256(_mm256_srli_epi32(x, 8), mag);
        __m256 f = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_or_si256(_mm256_slli_epi32(mm, 1), one)), scale);
        f = _mm256_or_ps(f, _mm256_castsi256_ps(_mm256_and_si256(x, sign)));
        uint32_t rej = (uint32_t)_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpgt_epi32(k, mm))) ^ 255u;
        if (m - j >= 8)
            _mm256_storeu_ps(z + j, f);
        else {
            float t[8];
            _mm256_storeu_ps(t, f);
            memcpy(z + j, t, (m - j) * sizeof(float));
            rej &= (1u << (m - j)) - 1u;
        }
        reject |= (uint64_t)rej << j;
    }
    return reject;
}
#endif

/* The fast paths of the m (1..64) words r into z; bit j set where word j needs the slow path.
 * r has room for 64 words; those past m may be overwritten. */
static inline uint64_t zig_fast_words(float *z, uint32_t *r, size_t m)
{
#ifdef XBAR_HAVE_AVX2_PHILOX
    if (have_avx2()) {
        for (size_t j = m; j % 8; j++) r[j] = 0;
        return zig_fast_avx2(z, r, m);
    }
#endif
    uint64_t reject = 0;
    size_t b = 0;
    for (; 4 * b + 4 <= m; b++) reject |= (uint64_t)zig_fast4(z + 4 * b, r + 4 * b) << (4 * b);
    if (4 * b < m) reject |= (uint64_t)zig_fast_n(z + 4 * b, r + 4 * b, m - 4 * b) << (4 * b);
    return reject;
}

/* Rejected words waiting for their slow path: the word, its block's counter, its lane and
 * where its normal goes. */
typedef struct {
    uint32_t w, lane;
    uint64_t counter;
    size_t at;
} zig_pending;

/* The slow paths of the np (<= 8) pending words. Their secondary blocks 0 (which nearly
 * every rejection needs, and needs alone) come from one AVX2 call where the CPU has it and
 * np >= 2; each draw is a pure function of its word, so the order does not matter. */
static void zig_flush(float *z, const zig_pending *p, size_t np, uint64_t seed, uint64_t stream)
{
    uint32_t first[8 * 4];
#ifdef XBAR_HAVE_AVX2_PHILOX
    if (np >= 2 && have_avx2()) {
        uint64_t ctr[8];
        uint32_t key0[8];
        for (size_t b = 0; b < 8; b++) { /* lanes past np repeat the first one */
            const zig_pending *q = &p[b < np ? b : 0];
            ctr[b] = q->counter;
            key0[b] = (uint32_t)zig_key(seed, q->lane, 0);
        }
        philox_lanes_avx2(first, ctr, key0, (uint32_t)(zig_key(seed, 0, 0) >> 32), stream);
    } else
#endif
        for (size_t b = 0; b < np; b++) zig_secondary(first + 4 * b, seed, stream, p[b].counter, p[b].lane, 0);
    for (size_t b = 0; b < np; b++) z[p[b].at] = zig_slow(p[b].w, seed, stream, p[b].counter, p[b].lane, first + 4 * b);
}

void xbar_rng_znormal_first(float *z, const uint64_t *counter, size_t n, uint64_t seed, uint64_t stream)
{
    uint32_t r[64], out[32];
    zig_pending pend[8];
    size_t np = 0;
    for (size_t k = 0; k < n; k += 64) {
        const size_t m = n - k < 64 ? n - k : 64;
        for (size_t b = 0; b < m; b += 8) { /* word 0 of eight blocks, each at its own counter */
            const size_t e = m - b < 8 ? m - b : 8;
#ifdef XBAR_HAVE_AVX2_PHILOX
            if (e > 1 && have_avx2()) {
                uint64_t ctr[8];
                uint32_t key0[8];
                for (size_t l = 0; l < 8; l++) ctr[l] = counter[k + b + (l < e ? l : 0)], key0[l] = (uint32_t)seed;
                philox_lanes_avx2(out, ctr, key0, (uint32_t)(seed >> 32), stream);
                for (size_t l = 0; l < e; l++) r[b + l] = out[4 * l];
                continue;
            }
#endif
            for (size_t l = 0; l < e; l++) {
                block(out, seed, stream, counter[k + b + l]);
                r[b + l] = out[0];
            }
        }
        uint64_t reject = zig_fast_words(z + k, r, m);
        while (reject) {
            const uint32_t j = (uint32_t)__builtin_ctzll(reject);
            reject &= reject - 1;
            pend[np++] = (zig_pending){r[j], 0, counter[k + j], k + j};
            if (np == 8) zig_flush(z, pend, np, seed, stream), np = 0;
        }
    }
    zig_flush(z, pend, np, seed, stream);
}

void xbar_rng_znormal_fill(float *z, size_t n, uint64_t seed, uint64_t stream, uint64_t counter0)
{
    uint32_t r[8 * BATCH];
    zig_pending pend[8];
    size_t np = 0;
    for (size_t k = 0; k < n; k += 8 * BATCH) { /* up to 64 words (sixteen blocks) per step */
        const size_t m = n - k < 8 * BATCH ? n - k : 8 * BATCH;
        const uint64_t c = counter0 + k / 4;
        blocks_for2(r, m, seed, stream, c);
        uint64_t reject = zig_fast_words(z + k, r, m);
        while (reject) {
            const uint32_t j = (uint32_t)__builtin_ctzll(reject);
            reject &= reject - 1;
            pend[np++] = (zig_pending){r[j], j % 4, c + j / 4, k + j};
            if (np == 8) zig_flush(z, pend, np, seed, stream), np = 0;
        }
    }
    zig_flush(z, pend, np, seed, stream);
}
