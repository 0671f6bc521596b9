/* train_ckpt.c - checkpoint file of `xbar train` (format in train_ckpt.h). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "outdir.h"
#include "train_ckpt.h"

#define MAGIC "XBARCKP1"
#define VERSION 1u
#define NREC 8

static double **fields(train_history *h, double **f)
{
    f[0] = h->train_loss, f[1] = h->train_acc, f[2] = h->test_loss, f[3] = h->test_acc;
    f[4] = h->lr, f[5] = h->seconds, f[6] = h->samples_per_s, f[7] = h->pulses;
    return f;
}

int history_reserve(train_history *h, int epochs)
{
    double **p[NREC] = {&h->train_loss, &h->train_acc, &h->test_loss, &h->test_acc,
                        &h->lr, &h->seconds, &h->samples_per_s, &h->pulses};
    for (int k = 0; k < NREC; k++) {
        double *q = realloc(*p[k], (size_t)(epochs > 0 ? epochs : 1) * sizeof(double));
        if (!q) return -1;
        for (int e = h->epochs; e < epochs; e++) q[e] = 0;
        *p[k] = q;
    }
    return 0;
}

void history_free(train_history *h)
{
    double *f[NREC];
    fields(h, f);
    for (int k = 0; k < NREC; k++) free(f[k]);
    memset(h, 0, sizeof *h);
}

static void put_u32(unsigned char *b, uint32_t v) { for (int i = 0; i < 4; i++) b[i] = (unsigned char)(v >> (8 * i)); }
static void put_u64(unsigned char *b, uint64_t v) { for (int i = 0; i < 8; i++) b[i] = (unsigned char)(v >> (8 * i)); }
static uint32_t get_u32(const unsigned char *b) { uint32_t v = 0; for (int i = 0; i < 4; i++) v |= (uint32_t)b[i] << (8 * i); return v; }
static uint64_t get_u64(const unsigned char *b) { uint64_t v = 0; for (int i = 0; i < 8; i++) v |= (uint64_t)b[i] << (8 * i); return v; }

/* The network's state bytes (malloc'd into *buf). */
static int net_bytes(const xbar_net *net, char **buf, size_t *len, char *err, size_t n)
{
    *buf = NULL;
    *len = 0;
    FILE *f = open_memstream(buf, len);
    if (!f) return snprintf(err, n, "checkpoint: out of memory"), -1;
    xbar_status s = xbar_net_save(net, f);
    if (fclose(f) || s != XBAR_OK) {
        snprintf(err, n, "%s", s != XBAR_OK ? xbar_last_error() : "checkpoint: cannot serialise the network");
        free(*buf);
        *buf = NULL;
        return -1;
    }
    return 0;
}

int ckpt_write(const char *path, const train_history *h, const xbar_net *net, uint32_t *state_crc, char *err,
               size_t n)
{
    char *nb;
    size_t nlen;
    if (net_bytes(net, &nb, &nlen, err, n)) return -1;
    size_t len = 8 + 4 + 4 + (size_t)h->epochs * NREC * 8 + 8 + nlen + 4;
    unsigned char *b = malloc(len), *p = b;
    if (!b) {
        free(nb);
        return snprintf(err, n, "checkpoint: out of memory"), -1;
    }
    memcpy(p, MAGIC, 8), p += 8;
    put_u32(p, VERSION), p += 4;
    put_u32(p, (uint32_t)h->epochs), p += 4;
    double *f[NREC];
    fields((train_history *)h, f);
    for (int e = 0; e < h->epochs; e++)
        for (int k = 0; k < NREC; k++) {
            uint64_t bits;
            memcpy(&bits, &f[k][e], 8);
            put_u64(p, bits), p += 8;
        }
    put_u64(p, nlen), p += 8;
    memcpy(p, nb, nlen), p += nlen;
    put_u32(p, (uint32_t)crc32(0L, b, (uInt)(len - 4)));
    if (state_crc) *state_crc = (uint32_t)crc32(0L, (const Bytef *)nb, (uInt)nlen);
    free(nb);
    int rc = out_write_atomic(path, b, len, err, n);
    free(b);
    return rc;
}

int ckpt_read(const char *path, train_history *h, xbar_net *net, char *err, size_t n)
{
    char *text;
    size_t len;
    if (out_read_file(path, &text, &len, err, n)) return -1;
    unsigned char *b = (unsigned char *)text;
    int rc = -1;
    if (len < 8 + 4 + 4 + 8 + 4 || memcmp(b, MAGIC, 8)) {
        snprintf(err, n, "checkpoint %s: not an xbar training checkpoint", path);
        goto done;
    }
    if (get_u32(b + len - 4) != (uint32_t)crc32(0L, b, (uInt)(len - 4))) {
        snprintf(err, n, "checkpoint %s: corrupt (CRC mismatch)", path);
        goto done;
    }
    if (get_u32(b + 8) != VERSION) {
        snprintf(err, n, "checkpoint %s: format version %u, this xbar reads %u", path, get_u32(b + 8), VERSION);
        goto done;
    }
    uint32_t epochs = get_u32(b + 12);
    size_t off = 16 + (size_t)epochs * NREC * 8;
    if (epochs > 1000000 || off + 8 + 4 > len || off + 8 + get_u64(b + off) + 4 != len) {
        snprintf(err, n, "checkpoint %s: corrupt (sizes do not add up)", path);
        goto done;
    }
    if (history_reserve(h, (int)epochs)) {
        snprintf(err, n, "checkpoint %s: out of memory", path);
        goto done;
    }
    h->epochs = (int)epochs;
    double *f[NREC];
    fields(h, f);
    for (uint32_t e = 0; e < epochs; e++)
        for (int k = 0; k < NREC; k++) {
            uint64_t bits = get_u64(b + 16 + ((size_t)e * NREC + (size_t)k) * 8);
            memcpy(&f[k][e], &bits, 8);
        }
    size_t nlen = (size_t)get_u64(b + off);
    FILE *m = fmemopen(b + off + 8, nlen, "rb");
    if (!m) {
        snprintf(err, n, "checkpoint %s: out of memory", path);
        goto done;
    }
    xbar_status s = xbar_net_load(net, m);
    fclose(m);
    if (s != XBAR_OK) {
        snprintf(err, n, "%s: %s", path, xbar_last_error());
        goto done;
    }
    rc = 0;
done:
    free(b);
    return rc;
}
