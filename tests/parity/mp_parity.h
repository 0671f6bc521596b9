/*
 * mp_parity.h - mixed_precision seen from its checkpoint, for parity case 9
 * (tests/parity/case9.c) and tests/test_mixed_precision.c: the update index k and the row
 * pointer are not in the public API; the payload that src/optim/opt_mixed_precision.c
 * documents starts after the "XBAW" header (tag, u32 version, u32 kind, u64 rows, u64 cols,
 * u64 k at byte 28, u64 next_col = 0), with the u64 row pointer at byte 44 (little-endian).
 */
#ifndef XBAR_MP_PARITY_H
#define XBAR_MP_PARITY_H
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "xbar.h"

/* k and the row pointer of a; 0 (both 0) if it cannot be saved or is not a record of it. */
static inline int mp_state(const xbar_aw *a, uint64_t *k, uint64_t *row)
{
    unsigned char b[52];
    FILE *f = tmpfile();
    int ok = f && xbar_aw_save(a, f) == XBAR_OK;
    if (ok) rewind(f);
    ok = ok && fread(b, 1, sizeof b, f) == sizeof b && !memcmp(b, "XBAW", 4);
    if (f) fclose(f);
    *k = *row = 0;
    for (int i = 7; ok && i >= 0; i--) {
        *k = *k << 8 | b[28 + i];
        *row = *row << 8 | b[44 + i];
    }
    return ok;
}

#endif
