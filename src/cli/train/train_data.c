/* train_data.c - find and load the IDX files of a data set; check their
 * headers against their sizes before anything is allocated. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "file_read.h"
#include "train_data.h"
#include "xbar.h"

/* DIR/stem.gz if it exists, else DIR/stem if it exists, else "" (missing). */
static void find_file(char *path, size_t cap, const char *dir, const char *stem)
{
    snprintf(path, cap, "%s/%s.gz", dir, stem);
    if (access(path, F_OK) == 0) return;
    snprintf(path, cap, "%s/%s", dir, stem);
    if (access(path, F_OK) == 0) return;
    path[0] = 0;
}

/* ---- the header against the file's size ------------------------------------------ */

static uint32_t be32(const unsigned char *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* a*b, UINT64_MAX when it overflows */
static uint64_t mul_sat(uint64_t a, uint64_t b) { return a && b > UINT64_MAX / a ? UINT64_MAX : a * b; }

int train_idx_header(const char *path, int ndim, uint32_t dims[3], char *err, size_t n)
{
    unsigned char h[16], magic[2] = {0, 0};
    const size_t hn = 4 + 4 * (size_t)ndim;
    struct stat st;
    /* only a regular file is opened, never blocking: a FIFO or a device is left to the loader, which says why */
    const int fd = xbar_file_open_regular(path, NULL, NULL, 0);
    if (fd < 0) return 1;
    if (fstat(fd, &st) || pread(fd, magic, 2, 0) != 2) {
        close(fd);
        return 1;
    }
    gzFile g = gzdopen(fd, "rb"); /* reads plain files as they are; gzclose closes fd */
    if (!g) {
        close(fd);
        return 1;
    }
    int got = gzread(g, h, (unsigned)hn);
    gzclose(g);
    if (got != (int)hn || h[0] || h[1] || h[2] != 0x08 || h[3] != ndim) return 1;
    uint64_t total = 1;
    for (int k = 0; k < ndim; k++) {
        dims[k] = be32(h + 4 + 4 * k);
        if (!dims[k]) return 1;
        total = mul_sat(total, dims[k]);
    }
    char what[96], bytes[32];
    if (ndim == 3) snprintf(what, sizeof what, "%u images of %ux%u", dims[0], dims[1], dims[2]);
    else snprintf(what, sizeof what, "%u labels", dims[0]);
    if (total == UINT64_MAX) snprintf(bytes, sizeof bytes, "over 2^64 bytes");
    else snprintf(bytes, sizeof bytes, "%llu bytes", (unsigned long long)total);
    const uint64_t size = (uint64_t)st.st_size;
    if (size < hn) return 1;
    if (magic[0] == 0x1f && magic[1] == 0x8b) { /* gzip: at most the largest deflate ratio */
        const uint64_t most = mul_sat(size, TRAIN_DEFLATE_MAX_RATIO);
        if (total > most || most - total < hn) {
            snprintf(err, n, "%s: header announces %s (%s), more than its %llu bytes of gzip can hold (at most "
                     "%llu bytes at deflate's largest ratio, %d:1)", path, what, bytes, (unsigned long long)size,
                     (unsigned long long)most, TRAIN_DEFLATE_MAX_RATIO);
            return -1;
        }
        return 0;
    }
    const uint64_t held = size - hn, item = ndim == 3 ? (uint64_t)dims[1] * dims[2] : 1;
    if (held != total) {
        char whole[64] = "";
        const unsigned long long k = (unsigned long long)(held / item);
        if (held < total)
            snprintf(whole, sizeof whole, " (%llu %s%s)", k, ndim == 3 ? "image" : "label", k == 1 ? "" : "s");
        snprintf(err, n, "%s: header announces %s (%s) but the file holds %llu bytes after its %zu-byte header%s",
                 path, what, bytes, (unsigned long long)held, hn, whole);
        return -1;
    }
    return 0;
}

/* ---- loading ------------------------------------------------------------------------ */

static int load_split(train_split *s, const char *dir, const char *prefix, int limit, char *err, size_t n)
{
    char img[4096], lab[4096], stem[64];
    snprintf(stem, sizeof stem, "%s-images-idx3-ubyte", prefix);
    find_file(img, sizeof img, dir, stem);
    if (!img[0]) {
        snprintf(err, n, "data: %s/%s.gz not found (install the data sets with: bash scripts/data.sh)", dir, stem);
        return -1;
    }
    snprintf(stem, sizeof stem, "%s-labels-idx1-ubyte", prefix);
    find_file(lab, sizeof lab, dir, stem);
    if (!lab[0]) {
        snprintf(err, n, "data: %s/%s.gz not found (install the data sets with: bash scripts/data.sh)", dir, stem);
        return -1;
    }
    uint32_t dims[3];
    char why[1024];
    if (train_idx_header(img, 3, dims, why, sizeof why) < 0 || train_idx_header(lab, 1, dims, why, sizeof why) < 0) {
        snprintf(err, n, "data: %s", why);
        return -1;
    }
    xbar_idx_set raw;
    if (xbar_idx_load(&raw, img, lab, 10) != XBAR_OK) {
        snprintf(err, n, "data: %s", xbar_last_error());
        return -1;
    }
    size_t count = limit > 0 && (size_t)limit < raw.n ? (size_t)limit : raw.n, pix = raw.rows * raw.cols;
    s->n = count;
    s->rows = raw.rows;
    s->cols = raw.cols;
    s->x = malloc(count * pix * sizeof(float));
    s->y = malloc(count ? count : 1);
    if (!s->x || !s->y) {
        xbar_idx_free(&raw);
        train_split_free(s);
        snprintf(err, n, "data: out of memory for %zu images", count);
        return -1;
    }
    for (size_t k = 0; k < count * pix; k++) s->x[k] = raw.images[k] / 255.0f;
    memcpy(s->y, raw.labels, count);
    xbar_idx_free(&raw);
    return 0;
}

int train_data_load(train_split *train, train_split *test, const char *dir, int train_limit, int test_limit,
                    char *err, size_t n)
{
    memset(train, 0, sizeof *train);
    memset(test, 0, sizeof *test);
    if (load_split(train, dir, "train", train_limit, err, n)) return -1;
    if (load_split(test, dir, "t10k", test_limit, err, n)) {
        train_split_free(train);
        return -1;
    }
    if (train->rows != test->rows || train->cols != test->cols || train->n == 0 || test->n == 0) {
        snprintf(err, n, "data: %s: training images are %zux%zu (%zu), test images %zux%zu (%zu)", dir, train->rows,
                 train->cols, train->n, test->rows, test->cols, test->n);
        train_split_free(train);
        train_split_free(test);
        return -1;
    }
    return 0;
}

void train_split_free(train_split *s)
{
    free(s->x);
    free(s->y);
    memset(s, 0, sizeof *s);
}
