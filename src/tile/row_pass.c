/* row_pass.c - the counts and expand passes of row_pass.h: portable loops,
 * the popcnt instruction where the CPU has it, and AVX2 versions of the
 * contiguous walk (eight slots per step: nibble-table popcounts summed by
 * psadbw; an exclusive prefix sum of the pulsed flags as a permutation).
 * The CPU is checked once (a benign race: every thread computes the same). */
#include "row_pass.h"

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#define XBAR_ROW_X86 1
#endif

static int32_t sums(const int32_t *C, size_t na, size_t *nq, uint64_t *np)
{
    uint32_t q = 0; /* plain integer sums (na < 2^31 columns), so the loop vectorises */
    uint64_t p = 0;
    int32_t most = 0;
    for (size_t c = 0; c < na; c++) q += C[c] != 0, p += (uint32_t)C[c], most = C[c] > most ? C[c] : most;
    *nq = q, *np = p;
    return most;
}

static void counts_portable(int32_t *C, const uint64_t *xb, const uint32_t *act, size_t na, uint64_t d)
{
    if (!act)
        for (size_t c = 0; c < na; c++) C[c] = xbar_popcount64(xb[c] & d);
    else
        for (size_t c = 0; c < na; c++) C[c] = xbar_popcount64(xb[act[c]] & d);
}

static void expand_portable(float *zc, const float *z, const int32_t *C, size_t na, size_t c, size_t o)
{
    for (; c < na; c++) {
        zc[c] = z[o];
        o += C[c] != 0;
    }
}

#ifdef XBAR_ROW_X86
static int forced = -1; /* xbar_row_pass_level */

/* 2: AVX2 and popcnt, 1: popcnt only, 0: neither; capped by xbar_row_pass_level. */
static int cpu_level(void)
{
    static int level = -1;
    if (level < 0)
        level = !__builtin_cpu_supports("popcnt") ? 0 : (__builtin_cpu_supports("avx2") ? 2 : 1);
    return forced >= 0 && forced < level ? forced : level;
}

__attribute__((target("popcnt"))) static void counts_popcnt(int32_t *C, const uint64_t *xb, const uint32_t *act,
                                                             size_t na, uint64_t d)
{
    if (!act)
        for (size_t c = 0; c < na; c++) C[c] = __builtin_popcountll(xb[c] & d);
    else
        for (size_t c = 0; c < na; c++) C[c] = __builtin_popcountll(xb[act[c]] & d);
}

/* Bits set in each 64-bit lane of v: a 4-bit table look-up per nibble, bytes summed by psadbw. */
__attribute__((target("avx2"))) static inline __m256i popcount4(__m256i v)
{
    const __m256i lut = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2, 3, 1,
                                         2, 2, 3, 2, 3, 3, 4);
    const __m256i low = _mm256_set1_epi8(0x0f);
    const __m256i lo = _mm256_and_si256(v, low), hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), low);
    return _mm256_sad_epu8(_mm256_add_epi8(_mm256_shuffle_epi8(lut, lo), _mm256_shuffle_epi8(lut, hi)),
                           _mm256_setzero_si256());
}

__attribute__((target("avx2,popcnt"))) static int32_t counts_avx2(int32_t *C, const uint64_t *xb, size_t na,
                                                                  uint64_t d, size_t *nq, uint64_t *np)
{
    const __m256i dv = _mm256_set1_epi64x((long long)d), zero = _mm256_setzero_si256();
    const __m256i pick = _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6); /* the low words of the four lanes */
    __m256i acc = zero, top = zero;
    size_t q = 0, c = 0;
    for (; c + 8 <= na; c += 8) {
        const __m256i a = popcount4(_mm256_and_si256(_mm256_loadu_si256((const __m256i *)(const void *)(xb + c)), dv));
        const __m256i b =
            popcount4(_mm256_and_si256(_mm256_loadu_si256((const __m256i *)(const void *)(xb + c + 4)), dv));
        acc = _mm256_add_epi64(acc, _mm256_add_epi64(a, b));
        const __m256i cv = _mm256_blend_epi32(_mm256_permutevar8x32_epi32(a, pick),
                                              _mm256_permutevar8x32_epi32(b, pick), 0xf0);
        _mm256_storeu_si256((__m256i *)(void *)(C + c), cv);
        top = _mm256_max_epi32(top, cv);
        q += (size_t)__builtin_popcount((unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpgt_epi32(cv, zero))));
    }
    uint64_t lane[4];
    int32_t tops[8], most = 0;
    _mm256_storeu_si256((__m256i *)(void *)lane, acc);
    _mm256_storeu_si256((__m256i *)(void *)tops, top);
    for (int k = 0; k < 8; k++) most = tops[k] > most ? tops[k] : most;
    uint64_t p = lane[0] + lane[1] + lane[2] + lane[3];
    for (; c < na; c++) {
        const int k = __builtin_popcountll(xb[c] & d);
        C[c] = k;
        q += k != 0, p += (uint64_t)k, most = k > most ? k : most;
    }
    *nq = q, *np = p;
    return most;
}

/* Eight slots per step: the exclusive prefix sum of the pulsed flags (within each 128-bit half,
 * then the low half's total carried into the high one) indexes the eight normals from z + o. */
__attribute__((target("avx2,popcnt"))) static void expand_avx2(float *zc, const float *z, const int32_t *C, size_t na)
{
    const __m256i zero = _mm256_setzero_si256(), three = _mm256_set1_epi32(3);
    size_t o = 0, c = 0;
    for (; c + 8 <= na; c += 8) {
        const __m256i pm = _mm256_cmpgt_epi32(_mm256_loadu_si256((const __m256i *)(const void *)(C + c)), zero);
        const __m256i b = _mm256_sub_epi32(zero, pm); /* 1 where pulsed */
        __m256i p = _mm256_add_epi32(b, _mm256_slli_si256(b, 4));
        p = _mm256_add_epi32(p, _mm256_slli_si256(p, 8));
        p = _mm256_add_epi32(p, _mm256_blend_epi32(zero, _mm256_permutevar8x32_epi32(p, three), 0xf0));
        const __m256i idx = _mm256_sub_epi32(p, b);
        _mm256_storeu_ps(zc + c, _mm256_permutevar8x32_ps(_mm256_loadu_ps(z + o), idx));
        o += (size_t)__builtin_popcount((unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(pm)));
    }
    expand_portable(zc, z, C, na, c, o);
}
#endif

int32_t xbar_row_counts(int32_t *C, const uint64_t *xb, const uint32_t *act, size_t na, uint64_t d, size_t *nq,
                        uint64_t *np)
{
#ifdef XBAR_ROW_X86
    const int level = cpu_level();
    if (level == 2 && !act) return counts_avx2(C, xb, na, d, nq, np);
    if (level >= 1) counts_popcnt(C, xb, act, na, d);
    else counts_portable(C, xb, act, na, d);
#else
    counts_portable(C, xb, act, na, d);
#endif
    return sums(C, na, nq, np);
}

void xbar_row_expand(float *zc, const float *z, const int32_t *C, size_t na)
{
#ifdef XBAR_ROW_X86
    if (cpu_level() == 2) {
        expand_avx2(zc, z, C, na);
        return;
    }
#endif
    expand_portable(zc, z, C, na, 0, 0);
}

int xbar_row_pass_level(int level)
{
#ifdef XBAR_ROW_X86
    forced = level;
    return cpu_level();
#else
    (void)level;
    return 0;
#endif
}
