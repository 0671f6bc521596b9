/* test_row_pass.c - the row passes of src/tile/row_pass.h against their
 * definitions, at every code level the CPU has (portable, popcnt, AVX2):
 *   counts  C[c] = popcount(xb[j] & d), j = act[c] or c, with the pulsed
 *           slots, the pulses and the largest count;
 *   expand  zc[c] = z[number of pulsed slots before c].
 * Row lengths 0..70 and 512 (every tail of the eight-slot steps), random
 * bits (dense, sparse and empty d), random active-column lists. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "row_pass.h"
#include "util.h"
#include "xbar.h"

#define NMAX 512

static uint64_t next(uint64_t *s) /* splitmix64 */
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static int naive_popcount(uint64_t v)
{
    int k = 0;
    for (; v; v >>= 1) k += (int)(v & 1u);
    return k;
}

static void check_counts(int level, size_t na, uint64_t *seed)
{
    uint64_t xb[NMAX];
    uint32_t act[NMAX];
    int32_t C[NMAX + 8];
    for (size_t j = 0; j < NMAX; j++) xb[j] = next(seed) & next(seed); /* a quarter of the bits */
    const uint64_t ds[3] = {next(seed), next(seed) & next(seed) & next(seed), 0};
    for (int use_act = 0; use_act < 2; use_act++)
        for (int k = 0; k < 3; k++) {
            for (size_t c = 0; c < na; c++) act[c] = (uint32_t)(next(seed) % NMAX);
            size_t nq = 7777;
            uint64_t np = 7777;
            const int32_t most = xbar_row_counts(C, xb, use_act ? act : NULL, na, ds[k], &nq, &np);
            size_t q = 0;
            uint64_t p = 0;
            int32_t top = 0, same = 1;
            for (size_t c = 0; c < na; c++) {
                const int32_t v = naive_popcount(xb[use_act ? act[c] : c] & ds[k]);
                same &= C[c] == v;
                q += v != 0, p += (uint64_t)v, top = v > top ? v : top;
            }
            CHECK(same, "level %d, na %zu, act %d, d %d: counts differ from popcount(x & d)", level, na, use_act, k);
            CHECK(nq == q && np == p && most == top,
                  "level %d, na %zu, act %d, d %d: sums %zu %llu %d, expected %zu %llu %d", level, na, use_act, k, nq,
                  (unsigned long long)np, (int)most, q, (unsigned long long)p, (int)top);
        }
}

static void check_expand(int level, size_t na, uint64_t *seed)
{
    float z[NMAX + 8], zc[NMAX], want[NMAX];
    int32_t C[NMAX];
    const unsigned density = (unsigned)(next(seed) % 4); /* 0: no slot pulsed ... 3: most */
    size_t q = 0;
    for (size_t c = 0; c < na; c++) {
        const unsigned r = (unsigned)(next(seed) % 4);
        C[c] = r < density ? (int32_t)(1 + next(seed) % 31) : 0;
        q += C[c] != 0;
    }
    for (size_t o = 0; o < NMAX + 8; o++) z[o] = o < q ? (float)(o + 1) : 0.0f; /* 8 past q readable */
    for (size_t c = 0, o = 0; c < na; c++) {
        want[c] = z[o];
        o += C[c] != 0;
    }
    xbar_row_expand(zc, z, C, na);
    CHECK(na == 0 || memcmp(zc, want, na * sizeof *zc) == 0, "level %d, na %zu, %zu pulsed: expansion differs", level,
          na, q);
}

int main(void)
{
    uint64_t seed = 12345;
    for (int want = 0; want <= 2; want++) {
        const int level = xbar_row_pass_level(want);
        if (level != want) {
            printf("level %d: not on this CPU (level %d used); skipped\n", want, level);
            continue;
        }
        for (size_t na = 0; na <= 70; na++)
            for (int rep = 0; rep < 4; rep++) check_counts(level, na, &seed), check_expand(level, na, &seed);
        for (int rep = 0; rep < 20; rep++) check_counts(level, NMAX, &seed), check_expand(level, NMAX, &seed);
    }
    xbar_row_pass_level(-1);
    return xt_done("test_row_pass");
}
