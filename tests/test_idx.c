/* test_idx.c - the IDX reader on small files made here: gzip and plain files
 * load exactly; a bad magic, a truncated file, trailing bytes, mismatched
 * counts, an out-of-range label and a missing file give errors naming the file. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "util.h"
#include "xbar.h"

static char dir[128];

static void be32(unsigned char *b, uint32_t v)
{
    b[0] = (unsigned char)(v >> 24), b[1] = (unsigned char)(v >> 16), b[2] = (unsigned char)(v >> 8), b[3] = (unsigned char)v;
}

/* Write an IDX file: magic, dims, then `len` data bytes (gzip when gz). */
static const char *write_idx(const char *name, int gz, uint32_t magic, int ndim, const uint32_t *dims,
                             const unsigned char *data, size_t len)
{
    static char path[4][256];
    static int next;
    char *p = path[next++ & 3];
    snprintf(p, 256, "%s/%s", dir, name);
    unsigned char hdr[16];
    be32(hdr, magic);
    for (int k = 0; k < ndim; k++) be32(hdr + 4 + 4 * k, dims[k]);
    if (gz) {
        gzFile f = gzopen(p, "wb");
        gzwrite(f, hdr, (unsigned)(4 + 4 * ndim));
        if (len) gzwrite(f, data, (unsigned)len);
        gzclose(f);
    } else {
        FILE *f = fopen(p, "wb");
        fwrite(hdr, 1, (size_t)(4 + 4 * ndim), f);
        if (len) fwrite(data, 1, len, f);
        fclose(f);
    }
    return p;
}

static void expect_error(const char *img, const char *lab, const char *needle, const char *what)
{
    xbar_idx_set s;
    xbar_status st = xbar_idx_load(&s, img, lab, 10);
    CHECK(st != XBAR_OK, "%s: loaded", what);
    CHECK(strstr(xbar_last_error(), needle) != NULL, "%s: message '%s' lacks '%s'", what, xbar_last_error(), needle);
    CHECK(s.images == NULL && s.labels == NULL && s.n == 0, "%s: set not cleared", what);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/xbar-test-idx-%d", (int)getpid());
    char cmd[200];
    snprintf(cmd, sizeof cmd, "mkdir -p %s", dir);
    if (system(cmd)) return 1;
    enum { N = 5, R = 3, C = 4 };
    unsigned char img[N * R * C], lab[N];
    for (int i = 0; i < N * R * C; i++) img[i] = (unsigned char)(i * 37 + 11);
    for (int i = 0; i < N; i++) lab[i] = (unsigned char)(i * 3 % 10);
    const uint32_t di[3] = {N, R, C}, dl[1] = {N};

    for (int gz = 0; gz < 2; gz++) {
        const char *pi = write_idx(gz ? "i.gz" : "i.idx", gz, 0x803, 3, di, img, sizeof img);
        const char *pl = write_idx(gz ? "l.gz" : "l.idx", gz, 0x801, 1, dl, lab, sizeof lab);
        xbar_idx_set s;
        CHECK(xbar_idx_load(&s, pi, pl, 10) == XBAR_OK, "load (gz %d): %s", gz, xbar_last_error());
        CHECK(s.n == N && s.rows == R && s.cols == C, "dims (gz %d)", gz);
        CHECK(s.images && !memcmp(s.images, img, sizeof img), "image bytes (gz %d)", gz);
        CHECK(s.labels && !memcmp(s.labels, lab, sizeof lab), "label bytes (gz %d)", gz);
        xbar_idx_free(&s);
    }
    char good_i[256], good_l[256]; /* write_idx returns a ring of 4 buffers: keep copies */
    snprintf(good_i, sizeof good_i, "%s", write_idx("gi.gz", 1, 0x803, 3, di, img, sizeof img));
    snprintf(good_l, sizeof good_l, "%s", write_idx("gl.gz", 1, 0x801, 1, dl, lab, sizeof lab));
    expect_error(write_idx("bm.gz", 1, 0x804, 3, di, img, sizeof img), good_l, "bad magic", "bad image magic");
    expect_error(good_i, write_idx("bl.gz", 1, 0x803, 1, dl, lab, sizeof lab), "bad magic", "bad label magic");
    expect_error(write_idx("tr.gz", 1, 0x803, 3, di, img, sizeof img - 7), good_l, "truncated", "truncated images");
    expect_error(write_idx("th.idx", 0, 0x803, 0, di, img, 0), good_l, "truncated header", "truncated header");
    unsigned char big[N * R * C + 3];
    memcpy(big, img, sizeof img);
    expect_error(write_idx("tb.gz", 1, 0x803, 3, di, big, sizeof big), good_l, "trailing", "trailing bytes");
    const uint32_t d4[1] = {N - 1};
    expect_error(good_i, write_idx("cn.gz", 1, 0x801, 1, d4, lab, N - 1), "labels", "count mismatch");
    unsigned char badlab[N];
    memcpy(badlab, lab, N);
    badlab[2] = 12;
    expect_error(good_i, write_idx("lr.gz", 1, 0x801, 1, dl, badlab, N), "label 12", "label out of range");
    char missing[256];
    snprintf(missing, sizeof missing, "%s/none.gz", dir);
    expect_error(missing, good_l, "none.gz", "missing file");
    const uint32_t dz[3] = {N, 0, C};
    expect_error(write_idx("dz.gz", 1, 0x803, 3, dz, img, 0), good_l, "dimension 1", "zero dimension");

    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd)) fprintf(stderr, "cannot remove %s\n", dir);
    return xt_done("test_idx");
}
