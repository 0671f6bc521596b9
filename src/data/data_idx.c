/* data_idx.c - IDX reader (the MNIST / Fashion-MNIST file format: big-endian
 * magic 0x000008DD with DD = number of dimensions, the dimensions as 32-bit
 * big-endian integers, then unsigned bytes). gzip (one or more members, with
 * nothing after them) or plain. Only a regular file is opened (file_read.h);
 * no more is read than the header announces (and one byte to see the end), and
 * a plain file whose size differs from it is refused before any allocation.
 * gzip is inflated here rather than by gzread, which ignores bytes after the
 * gzip stream. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "file_read.h"
#include "internal.h"

/* ------------------------------------------------------------------ input */

enum { IN_EIO = -1, IN_ENOMEM = -2, IN_ECORRUPT = -3, IN_ETRUNC = -4, IN_ETRAIL = -5 };

typedef struct {
    int fd;
    int gz;                    /* 1: a gzip stream, inflated through z */
    int members;               /* gzip: members ended so far */
    int member_out;            /* gzip: the current member gave bytes */
    int ended;                 /* gzip: the last member ended at the end of the file */
    int zr;                    /* gzip: the last inflate result (for the message) */
    z_stream z;                /* plain files too: next_in / avail_in is the buffer */
    unsigned char in[1 << 16];
} idx_in;

/* Refill the input buffer: 1, 0 at the end of the file, IN_EIO. */
static int fill(idx_in *r)
{
    ssize_t k;
    do k = read(r->fd, r->in, sizeof r->in);
    while (k < 0 && errno == EINTR);
    if (k < 0) return IN_EIO;
    r->z.next_in = r->in;
    r->z.avail_in = (uInt)k;
    return k > 0;
}

/* Up to n bytes of the content into out: the count (< n only at its end) or an IN_ code. */
static long in_read(idx_in *r, uint8_t *out, size_t n)
{
    size_t got = 0;
    while (got < n) {
        if (!r->z.avail_in) {
            if (r->ended) break;
            if (!r->gz && n - got >= sizeof r->in) { /* large plain reads go straight to out */
                const size_t want = n - got < ((size_t)1 << 30) ? n - got : ((size_t)1 << 30);
                ssize_t k = read(r->fd, out + got, want);
                if (k < 0 && errno == EINTR) continue;
                if (k < 0) return IN_EIO;
                if (k == 0) break;
                got += (size_t)k;
                continue;
            }
            const int f = fill(r);
            if (f < 0) return f;
            if (!f) { /* inside a member: the end of a partial one, or a few bytes after the stream */
                if (r->gz) return r->members && !r->member_out ? IN_ETRAIL : IN_ETRUNC;
                break;
            }
        }
        if (!r->gz) {
            const size_t k = r->z.avail_in < n - got ? r->z.avail_in : n - got;
            memcpy(out + got, r->z.next_in, k);
            r->z.next_in += k, r->z.avail_in -= (uInt)k, got += k;
            continue;
        }
        const uInt chunk = n - got < (1u << 30) ? (uInt)(n - got) : (1u << 30);
        r->z.next_out = out + got;
        r->z.avail_out = chunk;
        r->zr = inflate(&r->z, Z_NO_FLUSH);
        const size_t made = chunk - r->z.avail_out;
        got += made;
        if (made) r->member_out = 1;
        if (r->zr == Z_STREAM_END) { /* another member, or the end of the file */
            const int f = r->z.avail_in ? 1 : fill(r);
            if (f < 0) return f;
            r->members++, r->member_out = 0;
            if (!f) r->ended = 1;
            else if (inflateReset(&r->z) != Z_OK) return IN_ECORRUPT;
        } else if (r->zr == Z_MEM_ERROR) {
            return IN_ENOMEM;
        } else if (r->zr != Z_OK && r->zr != Z_BUF_ERROR) {
            /* no valid member after a complete one: bytes after the gzip stream */
            return r->members && !r->member_out ? IN_ETRAIL : IN_ECORRUPT;
        }
    }
    return (long)got;
}

/* Read the `total` data bytes into *data (malloc'ed), a buffer that grows as bytes
 * arrive (from 1 MiB, doubling up to total), so that a header claiming more than the
 * file holds costs no more memory than the file. Returns the count read (< total:
 * truncated) or an IN_ code; *data is set in every case. */
static long read_data(idx_in *r, uint8_t **data, size_t total)
{
    size_t cap = total < ((size_t)1 << 20) ? total : ((size_t)1 << 20), got = 0;
    uint8_t *b = malloc(cap ? cap : 1);
    *data = b;
    if (!b) return IN_ENOMEM;
    for (;;) {
        long k = in_read(r, b + got, cap - got);
        if (k < 0) return k;
        got += (size_t)k;
        if (got < cap || cap == total) return (long)got;
        cap = cap > total / 2 ? total : 2 * cap;
        b = realloc(*data, cap);
        if (!b) return IN_ENOMEM;
        *data = b;
    }
}

/* The message of an IN_ code for path. */
static xbar_status in_fail(const idx_in *r, long code, const char *path, size_t total)
{
    switch (code) {
    case IN_EIO: return xbar_fail(XBAR_EIO, "cannot read %s: %s", path, strerror(errno));
    case IN_ENOMEM: return xbar_fail(XBAR_ENOMEM, "%s: out of memory (%zu bytes)", path, total);
    case IN_ETRUNC: return xbar_fail(XBAR_EFORMAT, "%s: truncated gzip stream", path);
    case IN_ETRAIL: return xbar_fail(XBAR_EFORMAT, "%s: trailing bytes after the gzip stream", path);
    default:
        return xbar_fail(XBAR_EFORMAT, "%s: corrupt gzip stream (%s)", path,
                         r->z.msg ? r->z.msg : zError(r->zr));
    }
}

/* ------------------------------------------------------------------- load */

/* Load one IDX file of `ndim` dimensions into *data (malloc'ed) and dims. */
static xbar_status load(const char *path, int ndim, uint32_t dims[3], uint8_t **data)
{
    *data = NULL;
    char why[XBAR_FILE_WHY_MAX];
    uint64_t size;
    const int fd = xbar_file_open_regular(path, &size, why, sizeof why);
    if (fd < 0) return xbar_fail(XBAR_EIO, "cannot read %s: %s", path, why);
    idx_in *r = calloc(1, sizeof *r);
    if (!r) return close(fd), xbar_fail(XBAR_ENOMEM, "%s: out of memory", path);
    r->fd = fd;
    xbar_status st = XBAR_OK;
    const int f = fill(r);
    if (f < 0) st = in_fail(r, IN_EIO, path, 0);
    if (!st && r->z.avail_in >= 2 && r->in[0] == 0x1f && r->in[1] == 0x8b) {
        r->gz = 1;
        if (inflateInit2(&r->z, 15 + 16) != Z_OK) st = xbar_fail(XBAR_ENOMEM, "%s: out of memory (zlib)", path);
    }
    unsigned char hdr[16];
    const size_t hn = 4 + 4 * (size_t)ndim;
    long got = st ? 0 : in_read(r, hdr, hn);
    if (st) {
    } else if (got < 0) st = in_fail(r, got, path, hn);
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
    if (st == XBAR_OK && !r->gz && size != hn + total) /* a plain file: its size is known */
        st = xbar_fail(XBAR_EFORMAT, "%s: %s (%llu bytes; its header announces %zu: %zu header and %zu data bytes)",
                       path, size < hn + total ? "truncated" : "trailing bytes", (unsigned long long)size,
                       hn + total, hn, total);
    if (st == XBAR_OK) {
        got = read_data(r, data, total);
        uint8_t extra;
        long more = got >= 0 && (size_t)got == total ? in_read(r, &extra, 1) : 0;
        if (got < 0) st = in_fail(r, got, path, total);
        else if ((size_t)got < total)
            st = xbar_fail(XBAR_EFORMAT, "%s: truncated (%ld of %zu data bytes)", path, got, total);
        else if (more < 0) st = in_fail(r, more, path, total);
        else if (more) st = xbar_fail(XBAR_EFORMAT, "%s: trailing bytes after %zu data bytes", path, total);
    }
    if (r->gz) inflateEnd(&r->z);
    close(fd);
    free(r);
    if (st != XBAR_OK) {
        free(*data);
        *data = NULL;
    }
    return st;
}

xbar_status xbar_idx_load(xbar_idx_set *s, const char *images_path, const char *labels_path, int n_classes)
{
    XBAR_NONNULL(s);
    memset(s, 0, sizeof *s);
    XBAR_NONNULL(images_path);
    XBAR_NONNULL(labels_path);
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
