/* train_ckpt.c - checkpoint files of `xbar train` (format in train_ckpt.h). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "file_read.h"
#include "outdir.h"
#include "train_ckpt.h"

#define MAGIC "XBARCKP1"
#define NREC 14    /* per-epoch history records of format 4 */
#define NREC_V3 12 /* of format 3 (no calibration pulses, no programming events) */
#define NREC_V2 8  /* and of format 2 (no pulses by phase) */
#define HEADER 64
#define NARR 6 /* per-device arrays of xbar_devices */

/* ---- history ------------------------------------------------------------------ */

static double **fields(train_history *h, double **f)
{
    f[0] = h->train_loss, f[1] = h->train_acc, f[2] = h->test_loss, f[3] = h->test_acc;
    f[4] = h->lr, f[5] = h->seconds, f[6] = h->samples_per_s, f[7] = h->pulses;
    f[8] = h->grad_pulses, f[9] = h->transfer_pulses, f[10] = h->reads, f[11] = h->writes;
    f[12] = h->calib_pulses, f[13] = h->prog_events;
    return f;
}

int history_reserve(train_history *h, int epochs)
{
    double **p[NREC] = {&h->train_loss,   &h->train_acc,       &h->test_loss,     &h->test_acc,
                        &h->lr,           &h->seconds,         &h->samples_per_s, &h->pulses,
                        &h->grad_pulses,  &h->transfer_pulses, &h->reads,         &h->writes,
                        &h->calib_pulses, &h->prog_events};
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

/* ---- encoding ------------------------------------------------------------------ */

static void put_u32(unsigned char *b, uint32_t v) { for (int i = 0; i < 4; i++) b[i] = (unsigned char)(v >> (8 * i)); }
static void put_u64(unsigned char *b, uint64_t v) { for (int i = 0; i < 8; i++) b[i] = (unsigned char)(v >> (8 * i)); }
static uint32_t get_u32(const unsigned char *b) { uint32_t v = 0; for (int i = 0; i < 4; i++) v |= (uint32_t)b[i] << (8 * i); return v; }
static uint64_t get_u64(const unsigned char *b) { uint64_t v = 0; for (int i = 0; i < 8; i++) v |= (uint64_t)b[i] << (8 * i); return v; }
static void put_f32(unsigned char *b, float v) { uint32_t u; memcpy(&u, &v, 4); put_u32(b, u); }

uint64_t ckpt_config_hash(const train_cfg *c)
{
    uint64_t h = 14695981039346656037ull;
    char line[CFG_STR_MAX + 1200], val[1024], dval[1024];
    const train_cfg def = train_cfg_defaults();
    for (const cfg_key *k = train_keys(); k->section; k++) {
        if (!strcmp(k->section, "train") && (!strcmp(k->key, "memory_budget_mib") || !strcmp(k->key, "epochs")))
            continue; /* neither changes the state reached after a given epoch */
        cfg_format_value(k, c, val, sizeof val);
        cfg_format_value(k, &def, dval, sizeof dval);
        if (!strcmp(val, dval)) continue; /* at its default: a key added by a later xbar leaves the hash alone */
        int len = snprintf(line, sizeof line, "%s.%s=%s\n", k->section, k->key, val);
        for (int i = 0; i < len && i < (int)sizeof line; i++) h = (h ^ (unsigned char)line[i]) * 1099511628211ull;
    }
    return h ? h : 1;
}

/* The analog tiles in checkpoint order: per layer A (or the only tile), then C. */
typedef struct {
    uint32_t layer, which;
    const xbar_devices *d;
} tile_ref;

static size_t list_tiles(xbar_net *net, tile_ref *t, size_t cap)
{
    size_t k = 0;
    for (size_t l = 0; l < xbar_net_n_layers(net); l++) {
        xbar_aw *aw = xbar_net_layer_aw(net, l);
        if (!aw) continue;
        xbar_tile *A = xbar_aw_fast_tile(aw), *C = xbar_aw_slow_tile(aw);
        if (k < cap) t[k] = (tile_ref){(uint32_t)l, 0, xbar_tile_devices(A)};
        k++;
        if (C != A) {
            if (k < cap) t[k] = (tile_ref){(uint32_t)l, 1, xbar_tile_devices(C)};
            k++;
        }
    }
    return k;
}

static const float *dev_array(const xbar_devices *d, int a)
{
    const float *arr[NARR] = {d->b_max, d->b_min, d->s_up, d->s_dn, d->a_up, d->a_dn};
    return arr[a];
}

/* ---- writing ------------------------------------------------------------------- */

#define CHUNK 65536

/* CRC-32 of bytes [from, to) of f (read back; the file was just written, so from the page
 * cache); *part (may be NULL) receives the CRC of [part_from, to). @return 0 or -1. */
static int crc_file(FILE *f, uint64_t from, uint64_t to, uint64_t part_from, uint32_t *crc, uint32_t *part)
{
    unsigned char buf[CHUNK];
    uLong c = crc32(0L, Z_NULL, 0), q = crc32(0L, Z_NULL, 0);
    if (fseeko(f, (off_t)from, SEEK_SET)) return -1;
    for (uint64_t pos = from; pos < to;) {
        const size_t k = to - pos < CHUNK ? (size_t)(to - pos) : CHUNK;
        if (fread(buf, 1, k, f) != k) return -1;
        c = crc32(c, buf, (uInt)k);
        if (pos + k > part_from) {
            const size_t skip = pos >= part_from ? 0 : (size_t)(part_from - pos);
            q = crc32(q, buf + skip, (uInt)(k - skip));
        }
        pos += k;
    }
    *crc = (uint32_t)c;
    if (part) *part = (uint32_t)q;
    return 0;
}

/* Every section of the format into f, streamed (no copy of the state in memory). */
static int write_body(FILE *f, const ckpt_meta *m, const train_history *h, xbar_net *net, uint64_t *net_at,
                      const char **why)
{
    unsigned char b[CHUNK];
    memset(b, 0, HEADER);
    memcpy(b, MAGIC, 8);
    put_u32(b + 8, CKPT_VERSION);
    put_u64(b + 24, m->config_hash);
    snprintf((char *)b + 32, 16, "%d.%d.%d", XBAR_VERSION_MAJOR, XBAR_VERSION_MINOR, XBAR_VERSION_PATCH);
    put_u32(b + 48, (uint32_t)h->epochs);
    put_u64(b + 56, m->steps);
    if (fwrite(b, 1, HEADER, f) != HEADER) return -1;
    double *fl[NREC];
    fields((train_history *)h, fl);
    for (int e = 0; e < h->epochs; e++)
        for (int k = 0; k < NREC; k++) {
            uint64_t bits;
            memcpy(&bits, &fl[k][e], 8);
            put_u64(b, bits);
            if (fwrite(b, 1, 8, f) != 8) return -1;
        }
    const size_t nt = list_tiles(net, NULL, 0);
    tile_ref *tiles = malloc((nt ? nt : 1) * sizeof *tiles);
    if (!tiles) return *why = "out of memory", -1;
    list_tiles(net, tiles, nt);
    put_u32(b, (uint32_t)nt);
    int bad = fwrite(b, 1, 4, f) != 4;
    for (size_t t = 0; t < nt && !bad; t++) {
        const xbar_devices *d = tiles[t].d;
        put_u32(b, tiles[t].layer), put_u32(b + 4, tiles[t].which), put_u64(b + 8, d->n);
        put_f32(b + 16, d->ref), put_f32(b + 20, d->granularity);
        bad = fwrite(b, 1, 24, f) != 24;
        for (int a = 0; a < NARR && !bad; a++)
            for (size_t i = 0; i < d->n && !bad;) {
                const size_t c = d->n - i < CHUNK / 4 ? d->n - i : CHUNK / 4;
                for (size_t j = 0; j < c; j++) put_f32(b + 4 * j, dev_array(d, a)[i + j]);
                bad = fwrite(b, 1, 4 * c, f) != 4 * c;
                i += c;
            }
    }
    free(tiles);
    if (bad) return -1;
    put_u64(b, 0); /* the network's length, patched below */
    if (fwrite(b, 1, 8, f) != 8) return -1;
    *net_at = (uint64_t)ftello(f);
    if (xbar_net_save(net, f) != XBAR_OK) return *why = xbar_last_error(), -1;
    return 0;
}

/*
 * Make prev a copy of path's current file without ever leaving path missing:
 * hard-link it as PREV.tmp and rename that over prev. Where the file system
 * has no hard links, path is renamed to prev (path is then missing until the
 * new file is renamed in; ckpt_load_latest falls back to prev). No path yet
 * is not an error. @return 0 or -1 (errno set).
 */
static int keep_as_prev(const char *path, const char *prev)
{
    char lnk[OUT_PATH_MAX + 48];
    snprintf(lnk, sizeof lnk, "%s.tmp", prev);
    unlink(lnk);
    if (!link(path, lnk)) {
        if (!rename(lnk, prev)) return 0;
        const int e = errno;
        unlink(lnk);
        return errno = e, -1;
    }
    if (errno == ENOENT) return 0;
    return rename(path, prev) && errno != ENOENT ? -1 : 0;
}

int ckpt_write(const char *path, const char *prev, const ckpt_meta *m, const train_history *h, xbar_net *net,
               uint32_t *state_crc, char *err, size_t n)
{
    char tmp[OUT_PATH_MAX + 16];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    const char *why = NULL;
    uint64_t net_at = 0, end = 0;
    uint32_t crc = 0, part = 0;
    unsigned char b[8];
    FILE *f = fopen(tmp, "w+b");
    int bad = !f || write_body(f, m, h, net, &net_at, &why) || fflush(f);
    if (!bad) {
        end = (uint64_t)ftello(f);
        put_u64(b, end + 4);
        bad = fseeko(f, 16, SEEK_SET) || fwrite(b, 1, 8, f) != 8;
        put_u64(b, end - net_at);
        bad = bad || fseeko(f, (off_t)net_at - 8, SEEK_SET) || fwrite(b, 1, 8, f) != 8 || fflush(f);
    }
    bad = bad || crc_file(f, 0, end, net_at, &crc, &part);
    if (!bad) {
        put_u32(b, crc);
        bad = fseeko(f, (off_t)end, SEEK_SET) || fwrite(b, 1, 4, f) != 4 || fflush(f) || fsync(fileno(f));
    }
    const int e = errno;
    if (f && fclose(f)) bad = 1;
    if (bad) {
        snprintf(err, n, "cannot write %s: %s", tmp, why ? why : strerror(e ? e : EIO));
        unlink(tmp);
        return -1;
    }
    if (state_crc) *state_crc = part;
    if ((prev && keep_as_prev(path, prev)) || rename(tmp, path)) {
        snprintf(err, n, "checkpoint %s: cannot rename %s: %s", path, tmp, strerror(errno));
        unlink(tmp);
        return -1;
    }
    out_fsync_dir(path);
    return 0;
}

/* ---- reading ------------------------------------------------------------------- */

/* err = "checkpoint PATH: <fmt ...>"; returns -1. */
static int bad(char *err, size_t n, const char *path, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int bad(char *err, size_t n, const char *path, const char *fmt, ...)
{
    int k = snprintf(err, n, "checkpoint %s: ", path);
    va_list ap;
    va_start(ap, fmt);
    if (k >= 0 && (size_t)k < n) vsnprintf(err + k, n - (size_t)k, fmt, ap);
    va_end(ap);
    return -1;
}
#define BAD(...) bad(err, n, path, __VA_ARGS__)

/* Magic, version, length and CRC of the len-byte file f; hdr = its first HEADER bytes
 * (fewer if the file is shorter). @return 0 or -1 (err). */
static int check_frame(const char *path, FILE *f, const unsigned char *hdr, uint64_t len, char *err, size_t n)
{
    if (len < 8 && !memcmp(hdr, MAGIC, (size_t)len)) return BAD("truncated (%llu bytes)", (unsigned long long)len);
    if (len < 8 || memcmp(hdr, MAGIC, 8)) return BAD("not an xbar training checkpoint");
    if (len < 16) return BAD("truncated (%llu bytes)", (unsigned long long)len);
    unsigned char tail[4];
    uint32_t crc = 0;
    if (fseeko(f, (off_t)len - 4, SEEK_SET) || fread(tail, 1, 4, f) != 4 || crc_file(f, 0, len - 4, len, &crc, NULL))
        return BAD("read error: %s", strerror(errno));
    const int crc_ok = get_u32(tail) == crc;
    const uint32_t ver = get_u32(hdr + 8);
    if (ver != CKPT_VERSION && ver != 2 && ver != 3) {
        if (crc_ok) return BAD("format version %u, this xbar reads 2 to %u", ver, CKPT_VERSION);
        return BAD("format version %u (or a corrupt file: CRC mismatch), this xbar reads 2 to %u", ver, CKPT_VERSION);
    }
    if (len < HEADER + 4 + 8 + 4)
        return BAD("truncated (%llu bytes, the header alone has %d)", (unsigned long long)len, HEADER);
    const uint64_t want = get_u64(hdr + 16);
    if (len < want) return BAD("truncated (%llu of %llu bytes)", (unsigned long long)len, (unsigned long long)want);
    if (len > want)
        return BAD("corrupt (%llu bytes, its header says %llu)", (unsigned long long)len, (unsigned long long)want);
    if (!crc_ok)
        return BAD("corrupt (CRC mismatch: stored %08x, computed %08x)", (unsigned)get_u32(tail), (unsigned)crc);
    return 0;
}

/* The device records at f's position against the network's tiles; end = where the
 * network's length field must start at the latest. @return 0 or -1 (err). */
static int check_devices(const char *path, FILE *f, uint64_t end, xbar_net *net, const char *xbar, char *err, size_t n)
{
    unsigned char b[CHUNK], mine[CHUNK];
    if (fread(b, 1, 4, f) != 4) return BAD("corrupt (sizes do not add up)");
    const size_t nt = list_tiles(net, NULL, 0), got = get_u32(b);
    if (got != nt) return BAD("%zu analog tiles, this network has %zu", got, nt);
    tile_ref *tiles = malloc((nt ? nt : 1) * sizeof *tiles);
    if (!tiles) return BAD("out of memory");
    list_tiles(net, tiles, nt);
    int rc = 0;
    for (size_t t = 0; t < nt && !rc; t++) {
        const xbar_devices *d = tiles[t].d;
        const uint64_t at = (uint64_t)ftello(f);
        if (at + 24 > end || fread(b, 1, 24, f) != 24 || get_u64(b + 8) != d->n ||
            (end - at - 24) / (NARR * 4) < d->n) {
            rc = BAD("corrupt (sizes do not add up)");
            break;
        }
        if (get_u32(b) != tiles[t].layer || get_u32(b + 4) != tiles[t].which) {
            rc = BAD("device record %zu is of layer %u tile %u, expected layer %u tile %u", t, (unsigned)get_u32(b),
                     (unsigned)get_u32(b + 4), (unsigned)tiles[t].layer, (unsigned)tiles[t].which);
            break;
        }
        put_f32(mine + 16, d->ref), put_f32(mine + 20, d->granularity);
        int same = !memcmp(mine + 16, b + 16, 8);
        for (int a = 0; a < NARR && same; a++)
            for (size_t i = 0; i < d->n && same;) {
                const size_t c = d->n - i < CHUNK / 4 ? d->n - i : CHUNK / 4;
                if (fread(b, 1, 4 * c, f) != 4 * c) {
                    rc = BAD("read error: %s", strerror(errno));
                    break;
                }
                for (size_t j = 0; j < c; j++) put_f32(mine + 4 * j, dev_array(d, a)[i + j]);
                same = !memcmp(mine, b, 4 * c);
                i += c;
            }
        if (!rc && !same)
            rc = BAD("device parameters of layer %u tile %s differ from those this xbar draws from the configuration "
                     "(written by xbar %s)", (unsigned)tiles[t].layer, tiles[t].which ? "C" : "A", xbar);
    }
    free(tiles);
    return rc;
}

/* Most epochs a checkpoint holds: train.epochs' upper bound. */
static uint32_t max_epochs(void)
{
    const cfg_key *k = cfg_get_key(train_keys(), "train", "epochs");
    return k && (k->flags & CFG_MAX) ? (uint32_t)k->max : 1000000u;
}

/* The largest checkpoint of net: max_epochs() of history, its device records and its
 * xbar_net_save bytes (measured by saving it into memory once). 0 if that fails. */
static uint64_t max_size(xbar_net *net)
{
    char *state = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&state, &len);
    const int bad = !m || xbar_net_save(net, m) != XBAR_OK;
    if (m && fclose(m) && !bad) len = 0;
    free(state);
    if (bad || !len) return 0;
    uint64_t need = HEADER + (uint64_t)max_epochs() * NREC * 8 + 4 + 8 + len + 4;
    const size_t nt = list_tiles(net, NULL, 0);
    tile_ref *tiles = malloc((nt ? nt : 1) * sizeof *tiles);
    if (!tiles) return 0;
    list_tiles(net, tiles, nt);
    for (size_t t = 0; t < nt; t++) need += 24 + (uint64_t)NARR * 4 * tiles[t].d->n;
    free(tiles);
    return need;
}

int ckpt_read(const char *path, uint64_t config_hash, train_history *h, xbar_net *net, ckpt_meta *m, char *err,
              size_t n)
{
    char why[XBAR_FILE_WHY_MAX];
    uint64_t len;
    const int fd = xbar_file_open_regular(path, &len, why, sizeof why);
    if (fd < 0) return snprintf(err, n, "cannot read %s: %s", path, why), -1;
    FILE *f = fdopen(fd, "rb");
    if (!f) return close(fd), snprintf(err, n, "cannot read %s: %s", path, strerror(errno)), -1;
    unsigned char hdr[HEADER];
    memset(hdr, 0, sizeof hdr);
    int rc = -1;
    const size_t hn = len < HEADER ? (size_t)len : HEADER;
    if (fread(hdr, 1, hn, f) != hn) {
        BAD("read error: %s", feof(f) ? "unexpected end of file" : strerror(errno));
        goto done;
    }
    /* bounded before the CRC reads the whole file: no more than this network can need */
    const uint64_t most = len >= 8 && !memcmp(hdr, MAGIC, 8) ? max_size(net) : UINT64_MAX;
    if (!most) {
        BAD("out of memory");
        goto done;
    }
    if (len > most) {
        BAD("corrupt (%llu bytes, more than the %llu of a checkpoint of this network with %u epochs)",
            (unsigned long long)len, (unsigned long long)most, (unsigned)max_epochs());
        goto done;
    }
    if (check_frame(path, f, hdr, len, err, n)) goto done;
    ckpt_meta got;
    got.config_hash = get_u64(hdr + 24);
    got.steps = get_u64(hdr + 56);
    memcpy(got.xbar, hdr + 32, 16);
    got.xbar[15] = 0;
    if (config_hash && got.config_hash != config_hash) {
        BAD("written for another configuration (config hash %016llx, this run's %016llx; by xbar %s)",
            (unsigned long long)got.config_hash, (unsigned long long)config_hash, got.xbar);
        goto done;
    }
    const uint64_t end = len - 4;
    const uint32_t epochs = get_u32(hdr + 48);
    const uint32_t ver = get_u32(hdr + 8); /* check_frame passed: 2, 3 or CKPT_VERSION */
    const int nrec = ver == 2 ? NREC_V2 : ver == 3 ? NREC_V3 : NREC;
    if (epochs > max_epochs() || HEADER + (uint64_t)epochs * (uint64_t)nrec * 8 + 4 + 8 > end) {
        BAD("corrupt (sizes do not add up)");
        goto done;
    }
    if (history_reserve(h, (int)epochs)) {
        BAD("out of memory");
        goto done;
    }
    h->epochs = (int)epochs;
    double *fl[NREC];
    fields(h, fl);
    unsigned char b[8];
    if (fseeko(f, HEADER, SEEK_SET)) goto io;
    for (uint32_t e = 0; e < epochs; e++)
        for (int k = 0; k < nrec; k++) { /* formats 2, 3: the records they lack stay 0 */
            if (fread(b, 1, 8, f) != 8) goto io;
            uint64_t bits = get_u64(b);
            memcpy(&fl[k][e], &bits, 8);
        }
    if (check_devices(path, f, end - 8, net, got.xbar, err, n)) goto done;
    const uint64_t at = (uint64_t)ftello(f);
    if (fread(b, 1, 8, f) != 8) goto io;
    if (at + 8 > end || get_u64(b) != end - at - 8 || get_u64(b) == 0) {
        BAD("corrupt (sizes do not add up)");
        goto done;
    }
    if (xbar_net_load(net, f) != XBAR_OK) {
        BAD("%s", xbar_last_error());
        goto done;
    }
    if ((uint64_t)ftello(f) != end) {
        BAD("corrupt (the network state is %llu bytes, its record %llu)",
            (unsigned long long)((uint64_t)ftello(f) - at - 8), (unsigned long long)(end - at - 8));
        goto done;
    }
    if (m) *m = got;
    rc = 0;
    goto done;
io:
    BAD("read error: %s", feof(f) ? "unexpected end of file" : strerror(errno));
done:
    fclose(f);
    return rc;
}

/* ---- resuming ------------------------------------------------------------------ */

int ckpt_load_latest(const char *run, uint64_t config_hash, train_history *h, xbar_net *net, ckpt_meta *m, char *err,
                     size_t n)
{
    char latest[OUT_PATH_MAX + 32], prev[OUT_PATH_MAX + 32], why[1024] = "";
    snprintf(latest, sizeof latest, "%s/" TRAIN_CKPT, run);
    snprintf(prev, sizeof prev, "%s/" TRAIN_CKPT_PREV, run);
    const int have_latest = access(latest, F_OK) == 0, have_prev = access(prev, F_OK) == 0;
    if (have_latest) {
        if (!ckpt_read(latest, config_hash, h, net, m, err, n)) return 0;
        snprintf(why, sizeof why, "%s", err);
        history_free(h);
        fprintf(stderr, "xbar train: %s\n", why);
    }
    if (!have_prev) {
        if (!have_latest) return 1;
        snprintf(err, n, "no usable checkpoint to resume from: %s; no %s; start over with --force", why, prev);
        return -1;
    }
    if (ckpt_read(prev, config_hash, h, net, m, err, n)) {
        char why2[1024];
        snprintf(why2, sizeof why2, "%s", err);
        history_free(h);
        snprintf(err, n, "no usable checkpoint to resume from: %s%s%s; start over with --force",
                 have_latest ? why : "", have_latest ? "; " : "", why2);
        return -1;
    }
    if (have_latest) {
        char rejected[OUT_PATH_MAX + 32];
        snprintf(rejected, sizeof rejected, "%s/" TRAIN_CKPT_REJECTED, run);
        rename(latest, rejected);
        fprintf(stderr, "xbar train: kept the rejected file as %s; resuming from the previous checkpoint %s "
                        "(epoch %d)\n", rejected, prev, h->epochs);
    } else {
        fprintf(stderr, "xbar train: %s missing (interrupted while it was replaced); resuming from the previous "
                        "checkpoint %s (epoch %d)\n", latest, prev, h->epochs);
    }
    return 0;
}
