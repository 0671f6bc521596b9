/*
 * fuzz_idx.c - fuzz target: the IDX reader xbar_idx_load (src/data/data_idx.c), on plain
 * and gzip files.
 *
 * Input: byte 0 = flags, bytes 1-2 = split point k (little-endian, taken modulo the
 * payload length + 1), then the payload: its first k bytes are the images file, the
 * rest the labels file. Flag bit 0 / bit 1: gzip-compress the images / labels file
 * here (else the bytes are written as they are, so gzip streams in the input are
 * read as such too); bits 2-5: the number of classes - 1.
 * Properties checked beyond memory safety: a set that loads has n, rows, cols > 0
 * and every label below the number of classes; a failed load leaves the set empty.
 * Run: scripts/fuzz.sh, or ./build-fuzz/fuzz/fuzz_idx fuzz/corpus/fuzz_idx
 */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "harness.h"
#include "xbar.h"

/* gzip (RFC 1952) of src into a malloc'ed buffer; NULL if out of memory. */
static unsigned char *gzip(const uint8_t *src, size_t n, size_t *out_len)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return NULL;
    size_t cap = deflateBound(&z, (uLong)n) + 32;
    unsigned char *dst = malloc(cap);
    if (!dst) return deflateEnd(&z), NULL;
    z.next_in = (Bytef *)src;
    z.avail_in = (uInt)n;
    z.next_out = dst;
    z.avail_out = (uInt)cap;
    if (deflate(&z, Z_FINISH) != Z_STREAM_END) fuzz_fail("deflate did not finish");
    *out_len = z.total_out;
    deflateEnd(&z);
    return dst;
}

/* The bytes as file `slot`, gzip-compressed if gz. */
static const char *as_file(int slot, const uint8_t *p, size_t n, int gz)
{
    if (!gz) return fuzz_file(slot, p, n);
    size_t len;
    unsigned char *z = gzip(p, n, &len);
    if (!z) fuzz_fail("out of memory");
    const char *path = fuzz_file(slot, z, len);
    free(z);
    return path;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3 || size > (1u << 20)) return 0;
    unsigned flags = data[0];
    const uint8_t *payload = data + 3;
    size_t n = size - 3, k = ((size_t)data[1] | (size_t)data[2] << 8) % (n + 1);
    int classes = 1 + (int)((flags >> 2) & 15);
    const char *img = as_file(0, payload, k, flags & 1);
    const char *lab = as_file(1, payload + k, n - k, flags & 2);
    xbar_idx_set s;
    if (xbar_idx_load(&s, img, lab, classes) != XBAR_OK) {
        if (s.images || s.labels || s.n) fuzz_fail("failed load left a non-empty set");
        return 0;
    }
    if (!s.n || !s.rows || !s.cols) fuzz_fail("loaded set of %zu x %zu x %zu", s.n, s.rows, s.cols);
    for (size_t i = 0; i < s.n; i++)
        if (s.labels[i] >= classes) fuzz_fail("label %u of item %zu is not below %d", s.labels[i], i, classes);
    /* touch every image byte, so a short buffer shows */
    unsigned sum = 0;
    for (size_t i = 0; i < s.n * s.rows * s.cols; i++) sum += s.images[i];
    if (sum == 0xFFFFFFFFu) fuzz_fail("unreachable");
    xbar_idx_free(&s);
    return 0;
}
