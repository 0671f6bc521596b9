/* ckpt.c - the checkpoint primitives (ckpt.h): little-endian integers and
 * floats, record tags and error context. */
#include <stdio.h>
#include <string.h>

#include "ckpt.h"

xbar_status xbar_ck_put_u32(FILE *f, uint32_t v)
{
    unsigned char b[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    return fwrite(b, 1, 4, f) == 4 ? XBAR_OK : xbar_fail(XBAR_EIO, "checkpoint: write failed");
}

xbar_status xbar_ck_put_u64(FILE *f, uint64_t v)
{
    xbar_status s = xbar_ck_put_u32(f, (uint32_t)v);
    return s ? s : xbar_ck_put_u32(f, (uint32_t)(v >> 32));
}

xbar_status xbar_ck_put_f32s(FILE *f, const float *v, size_t n)
{
    unsigned char b[4096];
    size_t k = 0;
    while (k < n) {
        size_t m = n - k < sizeof b / 4 ? n - k : sizeof b / 4;
        for (size_t i = 0; i < m; i++) {
            uint32_t u;
            memcpy(&u, v + k + i, 4);
            for (int j = 0; j < 4; j++) b[4 * i + j] = (unsigned char)(u >> (8 * j));
        }
        if (fwrite(b, 1, 4 * m, f) != 4 * m) return xbar_fail(XBAR_EIO, "checkpoint: write failed");
        k += m;
    }
    return XBAR_OK;
}

static xbar_status truncated(void) { return xbar_fail(XBAR_EFORMAT, "checkpoint: truncated"); }

xbar_status xbar_ck_get_u32(FILE *f, uint32_t *v)
{
    unsigned char b[4];
    if (fread(b, 1, 4, f) != 4) return truncated();
    *v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    return XBAR_OK;
}

xbar_status xbar_ck_get_u64(FILE *f, uint64_t *v)
{
    uint32_t lo, hi;
    xbar_status s = xbar_ck_get_u32(f, &lo);
    if (!s) s = xbar_ck_get_u32(f, &hi);
    if (!s) *v = (uint64_t)hi << 32 | lo;
    return s;
}

xbar_status xbar_ck_get_f32s(FILE *f, float *v, size_t n)
{
    unsigned char b[4096];
    size_t k = 0;
    while (k < n) {
        size_t m = n - k < sizeof b / 4 ? n - k : sizeof b / 4;
        if (fread(b, 1, 4 * m, f) != 4 * m) return truncated();
        for (size_t i = 0; i < m; i++) {
            uint32_t u = (uint32_t)b[4 * i] | (uint32_t)b[4 * i + 1] << 8 | (uint32_t)b[4 * i + 2] << 16 |
                         (uint32_t)b[4 * i + 3] << 24;
            memcpy(v + k + i, &u, 4);
        }
        k += m;
    }
    return XBAR_OK;
}

xbar_status xbar_ck_get_tag(FILE *f, const char *tag, const char *what)
{
    char b[4];
    if (fread(b, 1, 4, f) != 4) return truncated();
    if (memcmp(b, tag, 4)) return xbar_fail(XBAR_EFORMAT, "checkpoint: expected a %s record", what);
    uint32_t v;
    xbar_status s = xbar_ck_get_u32(f, &v);
    if (!s && v != XBAR_CK_VERSION)
        return xbar_fail(XBAR_EFORMAT, "checkpoint: %s record version %u, expected %u", what, v, XBAR_CK_VERSION);
    return s;
}

xbar_status xbar_ck_put_tag(FILE *f, const char *tag)
{
    if (fwrite(tag, 1, 4, f) != 4) return xbar_fail(XBAR_EIO, "checkpoint: write failed");
    return xbar_ck_put_u32(f, XBAR_CK_VERSION);
}

xbar_status xbar_ck_context(xbar_status s, const char *what, unsigned id)
{
    char m[512];
    const char *e = xbar_last_error();
    snprintf(m, sizeof m, "%s", strncmp(e, "checkpoint: ", 12) ? e : e + 12);
    return xbar_fail(s, "checkpoint: %s %u: %s", what, id, m);
}
