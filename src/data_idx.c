/* data_idx.c - IDX reader (the MNIST / Fashion-MNIST file format: big-endian
 * magic 0x000008DD with DD = number of dimensions, the dimensions as 32-bit
 * big-endian integers, then unsigned bytes). gzip or plain, through zlib. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "internal.h"

/* Read exactly n bytes; -1 on a read error, else the count read (< n: truncated). */
static long read_all(gzFile f, void *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        unsigned chunk = n - got > (1u << 30) ? (1u << 30) : (unsigned)(n - got);
        int r = gzread(f, (char *)buf + got, chunk);
        if (r < 0) return -1;
        if (r == 0) break;
        got += (size_t)r;
    }
    return (long)got;
}

/* Read the `total` data bytes into *data (malloc'ed), a buffer that grows as bytes
 * arrive (from 1 MiB, doubling up to total), so that a header claiming more than the
 * file holds costs no more memory than the file. Returns the count read (< total:
 * truncated), -1 on a read error, -2 out of memory; *data is set in every case. */
static long read_data(gzFile f, uint8_t **data, size_t total)
{
    size_t cap = total < ((size_t)1 << 20) ? total : ((size_t)1 << 20), got = 0;
    uint8_t *b = malloc(cap);
    *data = b;
    if (!b) return -2;
    for (;;) {
        long r = read_all(f, b + got, cap - got);
        if (r < 0) return -1;
        got += (size_t)r;
        if (got < cap || cap == total) return (long)got;
        cap = cap > total / 2 ? total : 2 * cap;
        b = realloc(*data, cap);
        if (!b) return -2;
        *data = b;
    }
}

/* Load one IDX file of `ndim` dimensions into *data (malloc'ed) and dims. */
static xbar_status load(const char *path, int ndim, uint32_t dims[3], uint8_t **data)
{
    *data = NULL;
    gzFile f = gzopen(path, "rb");
    if (!f) return xbar_fail(XBAR_EIO, "cannot read %s: %s", path, strerror(errno ? errno : ENOENT));
    unsigned char hdr[16];
    size_t hn = 4 + 4 * (size_t)ndim;
    long got = read_all(f, hdr, hn);
    xbar_status st = XBAR_OK;
    if (got < 0) st = xbar_fail(XBAR_EIO, "cannot read %s: corrupt gzip stream", path);
    else if ((size_t)got < hn) st = xbar_fail(XBAR_EFORMAT, "%s: truncated header (%ld of %zu bytes)", path, got, hn);
    else if (hdr[0] || hdr[1] || hdr[2] != 0x08 || hdr[3] != ndim)
        st = xbar_fail(XBAR_EFORMAT, "%s: bad magic %02x%02x%02x%02x (expected 000008%02x: unsigned bytes, %d dimensions)",
                       path, hdr[0], hdr[1], hdr[2], hdr[3], ndim, ndim);
    size_t total = 1;
    for (int k = 0; st == XBAR_OK && k < ndim; k++) {
        const unsigned char *b = hdr + 4 + 4 * k;
        dims[k] = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
        if (dims[k] == 0 || dims[k] > (1u << 28) || total > ((size_t)1 << 34) / dims[k])
            st = xbar_fail(XBAR_EFORMAT, "%s: dimension %d = %u is out of range", path, k, dims[k]);
        else total *= dims[k];
    }
    if (st == XBAR_OK) {
        got = read_data(f, data, total);
        unsigned char extra;
        if (got == -2) st = xbar_fail(XBAR_ENOMEM, "%s: out of memory (%zu bytes)", path, total);
        else if (got < 0) st = xbar_fail(XBAR_EIO, "cannot read %s: corrupt gzip stream", path);
        else if ((size_t)got < total)
            st = xbar_fail(XBAR_EFORMAT, "%s: truncated (%ld of %zu data bytes)", path, got, total);
        else if (read_all(f, &extra, 1) != 0) st = xbar_fail(XBAR_EFORMAT, "%s: trailing bytes after %zu data bytes", path, total);
    }
    gzclose(f);
    if (st != XBAR_OK) {
        free(*data);
        *data = NULL;
    }
    return st;
}

xbar_status xbar_idx_load(xbar_idx_set *s, const char *images_path, const char *labels_path, int n_classes)
{
    memset(s, 0, sizeof *s);
    uint32_t di[3] = {0}, dl[3] = {0};
    xbar_status st = load(images_path, 3, di, &s->images);
    if (st == XBAR_OK) st = load(labels_path, 1, dl, &s->labels);
    if (st == XBAR_OK && di[0] != dl[0])
        st = xbar_fail(XBAR_EFORMAT, "%s holds %u images but %s holds %u labels", images_path, di[0], labels_path, dl[0]);
    for (size_t i = 0; st == XBAR_OK && i < dl[0]; i++)
        if (s->labels[i] >= n_classes)
            st = xbar_fail(XBAR_EFORMAT, "%s: label %u of item %zu is not below %d", labels_path, s->labels[i], i, n_classes);
    if (st != XBAR_OK) {
        xbar_idx_free(s);
        return st;
    }
    s->n = di[0];
    s->rows = di[1];
    s->cols = di[2];
    return XBAR_OK;
}

void xbar_idx_free(xbar_idx_set *s)
{
    if (!s) return;
    free(s->images);
    free(s->labels);
    memset(s, 0, sizeof *s);
}
