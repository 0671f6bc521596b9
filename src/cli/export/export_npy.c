/* export_npy.c - see export_npy.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "export_npy.h"

void npy_buf_free(npy_buf *b)
{
    free(b->p);
    *b = (npy_buf){0};
}

static int grow(npy_buf *b, size_t add)
{
    if (b->oom) return -1;
    if (b->len + add <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + add) cap *= 2;
    unsigned char *p = realloc(b->p, cap);
    if (!p) return b->oom = 1, -1;
    b->p = p, b->cap = cap;
    return 0;
}

static void put(npy_buf *b, const void *src, size_t n)
{
    if (grow(b, n)) return;
    memcpy(b->p + b->len, src, n);
    b->len += n;
}

static void put_u16(npy_buf *b, uint32_t v) { unsigned char c[2] = {(unsigned char)v, (unsigned char)(v >> 8)}; put(b, c, 2); }
static void put_u32(npy_buf *b, uint32_t v)
{
    unsigned char c[4];
    for (int i = 0; i < 4; i++) c[i] = (unsigned char)(v >> (8 * i));
    put(b, c, 4);
}

/* ---- .npy ---- */

/* The header dict, unpadded, into s (cap >= 128). */
static int dict(char *s, size_t cap, const npy_array *a)
{
    char shape[64];
    if (a->ndim == 1) snprintf(shape, sizeof shape, "(%zu,)", a->shape[0]);
    else snprintf(shape, sizeof shape, "(%zu, %zu)", a->shape[0], a->shape[1]);
    return snprintf(s, cap, "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }", shape);
}

size_t npy_header_len(const npy_array *a)
{
    char s[160];
    const size_t raw = 10 + (size_t)dict(s, sizeof s, a) + 1; /* magic..length, dict, '\n' */
    return (raw + 63) / 64 * 64;
}

int npy_append(npy_buf *b, const npy_array *a)
{
    char s[160];
    const size_t d = (size_t)dict(s, sizeof s, a), total = npy_header_len(a);
    if (grow(b, total + 4 * a->n)) return -1;
    put(b, "\x93NUMPY\x01\x00", 8);
    put_u16(b, (uint32_t)(total - 10));
    put(b, s, d);
    for (size_t k = 10 + d; k < total - 1; k++) put(b, " ", 1);
    put(b, "\n", 1);
    for (size_t k = 0; k < a->n; k++) {
        uint32_t u;
        memcpy(&u, &a->data[k], 4);
        put_u32(b, u);
    }
    return b->oom ? -1 : 0;
}

/* ---- .npz: a stored zip ---- */

#define ZIP_MAX 0xffffffffu
#define DOS_DATE 0x0021u /* 1980-01-01 */
#define DOS_TIME 0u

typedef struct {
    uint32_t crc, size, offset;
} member;

int npz_build(npy_buf *b, const char *const *names, const npy_array *arrays, size_t count)
{
    if (count > 0xffff) return -2;
    member *m = calloc(count ? count : 1, sizeof *m);
    npy_buf one = {0};
    if (!m) return -1;
    const size_t start = b->len;
    int rc = 0;
    for (size_t i = 0; i < count && !rc; i++) {
        one.len = 0;
        if (npy_append(&one, &arrays[i])) rc = -1;
        const size_t nl = strlen(names[i]) + 4;
        if (!rc && (one.len > ZIP_MAX || b->len - start + 30 + nl + one.len > ZIP_MAX || nl > 0xffff)) rc = -2;
        if (rc) break;
        m[i].crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), one.p, (uInt)one.len);
        m[i].size = (uint32_t)one.len;
        m[i].offset = (uint32_t)(b->len - start);
        put_u32(b, 0x04034b50u);
        put_u16(b, 20), put_u16(b, 0), put_u16(b, 0); /* version needed, flags, method stored */
        put_u16(b, DOS_TIME), put_u16(b, DOS_DATE);
        put_u32(b, m[i].crc), put_u32(b, m[i].size), put_u32(b, m[i].size);
        put_u16(b, (uint32_t)nl), put_u16(b, 0);
        put(b, names[i], nl - 4), put(b, ".npy", 4);
        put(b, one.p, one.len);
        if (b->oom) rc = -1;
    }
    const size_t cd = b->len - start;
    for (size_t i = 0; i < count && !rc; i++) {
        const size_t nl = strlen(names[i]) + 4;
        put_u32(b, 0x02014b50u);
        put_u16(b, 20), put_u16(b, 20), put_u16(b, 0), put_u16(b, 0); /* made by, needed, flags, method */
        put_u16(b, DOS_TIME), put_u16(b, DOS_DATE);
        put_u32(b, m[i].crc), put_u32(b, m[i].size), put_u32(b, m[i].size);
        put_u16(b, (uint32_t)nl), put_u16(b, 0), put_u16(b, 0); /* name, extra, comment lengths */
        put_u16(b, 0), put_u16(b, 0), put_u32(b, 0);             /* disk, internal, external attributes */
        put_u32(b, m[i].offset);
        put(b, names[i], nl - 4), put(b, ".npy", 4);
    }
    const size_t end = b->len - start;
    if (!rc && end > ZIP_MAX) rc = -2;
    if (!rc) {
        put_u32(b, 0x06054b50u);
        put_u16(b, 0), put_u16(b, 0), put_u16(b, (uint32_t)count), put_u16(b, (uint32_t)count);
        put_u32(b, (uint32_t)(end - cd)), put_u32(b, (uint32_t)cd), put_u16(b, 0);
        if (b->oom) rc = -1;
    }
    npy_buf_free(&one);
    free(m);
    return rc;
}
