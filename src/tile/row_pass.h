/* row_pass.h - two per-slot passes of one row of the stochastic update
 * (pulse.c), around the composed-step kernel (compose.h):
 *
 *   counts  C[c] = popcount(x bits of slot c & the row's d bits), with the
 *           number of pulsed slots (C > 0) and of pulses (sum of C);
 *   expand  the row's normals, drawn for its pulsed slots only (z[o] belongs
 *           to the o-th pulsed slot), spread to every slot: zc[c] = z[o(c)],
 *           o(c) = the pulsed slots before c (an unpulsed slot gets the next
 *           pulsed slot's normal, which the kernel ignores).
 *
 * Both have an AVX2 version for the contiguous walk (every column of the row,
 * act NULL), picked at run time where the CPU has AVX2 and popcnt; each gives
 * the same values as the portable code. */
#ifndef XBAR_ROW_PASS_H
#define XBAR_ROW_PASS_H

#include <stddef.h>
#include <stdint.h>

/* C[c] = popcount(xb[j] & d), j = act ? act[c] : c, for c < na (one 64-bit word per line);
 * *nq = the c with C[c] > 0, *np = the sum of C; returns the largest C (0 if na = 0). */
int32_t xbar_row_counts(int32_t *C, const uint64_t *xb, const uint32_t *act, size_t na, uint64_t d, size_t *nq,
                        uint64_t *np);

/* Bits set in v (SWAR: the portable x86-64 baseline has no popcnt instruction). */
static inline int xbar_popcount64(uint64_t v)
{
    v = v - ((v >> 1) & 0x5555555555555555ull);
    v = (v & 0x3333333333333333ull) + ((v >> 2) & 0x3333333333333333ull);
    v = (v + (v >> 4)) & 0x0f0f0f0f0f0f0f0full;
    return (int)((v * 0x0101010101010101ull) >> 56);
}

/* zc[c] = z[o(c)] for c < na (C[c] >= 0). z must be readable up to index q + 7, q = the
 * pulsed slots (values past q - 1 are only copied to unpulsed slots). */
void xbar_row_expand(float *zc, const float *z, const int32_t *C, size_t na);

/* For tests: use the code of `level` (0 portable, 1 popcnt, 2 AVX2 and popcnt; never above
 * what the CPU has) or, with -1, the best the CPU has (the default). Returns the level used. */
int xbar_row_pass_level(int level);

#endif
