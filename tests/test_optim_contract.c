/* test_optim_contract.c - the contract every optimizer of the table
 * (xbar_opt_kind 0 .. XBAR_OPT_COUNT_-1, include/xbar.h XBAR_OPTIMIZERS)
 * keeps, so that a new entry is tested the moment it is added. On a small
 * tile with noisy devices (dtod and c2c), noisy reads and the default
 * stochastic scheme:
 *   (a) save after k steps, load into a fresh object of the same
 *       configuration, m more steps on both: bit-identical weights, stored
 *       arrays and pulse counts, and a second save byte-identical;
 *   (b) two objects of the same configuration and seed give the same bits,
 *       and so do 1 and 2 threads (xbar_set_threads);
 *   (c) set_weights / get_weights round trip;
 *   (d) xbar_aw_memory_bytes within [0.9, 1.1] of the bytes allocated
 *       (mallinfo2, glibc; not under AddressSanitizer) and >= rows*cols*4;
 *   (e) the kind's name round-trips, it has a summary, and the keys it reads
 *       are rows of xbar_opt_keys().
 * Each step is a read, an update from per-sample factors and, every third
 * step, a dense step, so that every path that changes the state runs. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "xbar.h"

#if defined(__SANITIZE_ADDRESS__)
#define XT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define XT_ASAN 1
#endif
#endif
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33)) && !defined(XT_ASAN)
#include <malloc.h>
#define XT_MALLINFO 1
#endif

enum { R = 12, C = 10, B = 4 };

static xbar_tile_config tile_cfg(size_t rows, size_t cols)
{
    xbar_tile_config c = xbar_tile_config_defaults(rows, cols);
    c.device = xbar_device_defaults(XBAR_DEV_SOFT_BOUNDS_REF); /* dtod + c2c noise */
    c.forward.w_noise = 0.02f;                                  /* reads consume RNG too */
    c.seed = 17;
    c.id = 5;
    return c;
}

/* The kind's defaults, with a mid-cycle transfer position and a visible mix of tiles
 * where the optimizer has them (fields an optimizer does not read change nothing). */
static xbar_opt_params opt_cfg(xbar_opt_kind k)
{
    xbar_opt_params o = xbar_opt_defaults(k);
    o.transfer_every = 2, o.transfer_columns = 3, o.fast_lr = 0.05f, o.gamma = 0.1f;
    return o;
}

static void fill(float *v, size_t n, uint32_t stream, float amp)
{
    xbar_rng_normal_fill(v, n, 9, stream, 0);
    for (size_t k = 0; k < n; k++) v[k] *= amp;
}

/* Steps from .. to of the fixed sequence (inputs depend on the step index only). */
static int steps(xbar_aw *a, size_t rows, size_t cols, int from, int to)
{
    float *x = malloc(B * cols * sizeof(float)), *d = malloc(B * rows * sizeof(float)),
          *y = malloc(B * rows * sizeof(float)), *g = malloc(rows * cols * sizeof(float));
    int ok = x && d && y && g;
    for (int k = from; ok && k < to; k++) {
        fill(x, B * cols, 100 + (uint32_t)k, 0.5f);
        fill(d, B * rows, 200 + (uint32_t)k, 0.3f);
        ok = xbar_aw_forward(a, y, x, B) == XBAR_OK && xbar_aw_update(a, x, d, B, 0.1f) == XBAR_OK;
        if (ok && k % 3 == 2) {
            fill(g, rows * cols, 300 + (uint32_t)k, 0.2f);
            ok = xbar_aw_step_dense(a, g, 0.05f) == XBAR_OK;
        }
    }
    free(x), free(d), free(y), free(g);
    return ok;
}

/* The bytes of xbar_aw_save(a) (malloc'd; *n its length), NULL on failure. */
static unsigned char *saved(const xbar_aw *a, size_t *n)
{
    FILE *f = tmpfile();
    if (!f || xbar_aw_save(a, f) != XBAR_OK) {
        if (f) fclose(f);
        return NULL;
    }
    fflush(f);
    long end = ftell(f);
    unsigned char *b = malloc((size_t)end + 1);
    rewind(f);
    *n = b ? fread(b, 1, (size_t)end, f) : 0;
    fclose(f);
    return b;
}

/* 1 if a and b hold the same bits: visible weights, every stored array, pulse counts and checkpoint. */
static int same(const xbar_aw *a, const xbar_aw *b, size_t rows, size_t cols)
{
    float *wa = malloc(rows * cols * sizeof(float)), *wb = malloc(rows * cols * sizeof(float));
    int eq = wa && wb && !xbar_aw_get_weights(a, wa) && !xbar_aw_get_weights(b, wb) &&
             !memcmp(wa, wb, rows * cols * sizeof(float)) && xbar_aw_pulse_count(a) == xbar_aw_pulse_count(b) &&
             xbar_aw_n_arrays(a) == xbar_aw_n_arrays(b);
    for (size_t k = 0; eq && k < xbar_aw_n_arrays(a); k++) {
        size_t na, nb;
        const float *va = xbar_aw_array(a, k, NULL, &na), *vb = xbar_aw_array(b, k, NULL, &nb);
        eq = va && vb && na == nb && !memcmp(va, vb, na * sizeof(float));
    }
    size_t sa = 0, sb = 0;
    unsigned char *ba = eq ? saved(a, &sa) : NULL, *bb = eq ? saved(b, &sb) : NULL;
    eq = eq && ba && bb && sa == sb && !memcmp(ba, bb, sa);
    free(wa), free(wb), free(ba), free(bb);
    return eq;
}

/* ---- (a) checkpoint round trip --------------------------------------------------------- */

static void test_save_load(xbar_opt_kind k)
{
    const char *name = xbar_opt_kind_name(k);
    const xbar_opt_params o = opt_cfg(k);
    const xbar_tile_config c = tile_cfg(R, C);
    xbar_aw *a = xbar_aw_new(&o, &c), *b = xbar_aw_new(&o, &c);
    CHECK(a && b, "%s: new: %s", name, xbar_last_error());
    if (!a || !b) return;
    float w0[R * C];
    fill(w0, R * C, 1, 0.2f);
    CHECK(!xbar_aw_set_weights(a, w0) && steps(a, R, C, 0, 5), "%s: steps: %s", name, xbar_last_error());
    FILE *f = tmpfile();
    CHECK(f && !xbar_aw_save(a, f), "%s: save: %s", name, xbar_last_error());
    if (f) rewind(f);
    CHECK(f && !xbar_aw_load(b, f), "%s: load: %s", name, xbar_last_error());
    CHECK(f && fgetc(f) == EOF, "%s: load left bytes of its record unread", name);
    if (f) fclose(f);
    CHECK(same(a, b, R, C), "%s: state differs right after load", name);
    CHECK(steps(a, R, C, 5, 12) && steps(b, R, C, 5, 12), "%s: steps after load: %s", name, xbar_last_error());
    CHECK(same(a, b, R, C), "%s: continuation after load differs (weights, arrays, pulses or checkpoint)", name);
    xbar_aw_free(a), xbar_aw_free(b);
}

/* ---- (b) determinism ------------------------------------------------------------------- */

static xbar_aw *run(xbar_opt_kind k, size_t rows, size_t cols, int threads)
{
    xbar_set_threads(threads);
    const xbar_opt_params o = opt_cfg(k);
    const xbar_tile_config c = tile_cfg(rows, cols);
    xbar_aw *a = xbar_aw_new(&o, &c);
    float *w0 = malloc(rows * cols * sizeof(float));
    int ok = a && w0;
    if (ok) fill(w0, rows * cols, 2, 0.2f);
    ok = ok && !xbar_aw_set_weights(a, w0) && steps(a, rows, cols, 0, 7);
    free(w0);
    xbar_set_threads(1);
    if (!ok) xbar_aw_free(a);
    return ok ? a : NULL;
}

static void test_determinism(xbar_opt_kind k)
{
    const char *name = xbar_opt_kind_name(k);
    xbar_aw *a = run(k, R, C, 1), *b = run(k, R, C, 1);
    CHECK(a && b && same(a, b, R, C), "%s: two objects of one configuration differ: %s", name, xbar_last_error());
    xbar_aw_free(a), xbar_aw_free(b);
    /* large enough for the parallel loops (more than 4096 weights) */
    const size_t r = 96, c = 80;
    a = run(k, r, c, 1), b = run(k, r, c, 2);
    CHECK(a && b && same(a, b, r, c), "%s: 1 and 2 threads differ: %s", name, xbar_last_error());
    xbar_aw_free(a), xbar_aw_free(b);
}

/* ---- (c) weights round trip ------------------------------------------------------------- */

static void test_weights(xbar_opt_kind k)
{
    const char *name = xbar_opt_kind_name(k);
    const xbar_opt_params o = opt_cfg(k);
    const xbar_tile_config c = tile_cfg(R, C);
    xbar_aw *a = xbar_aw_new(&o, &c);
    CHECK(a != NULL, "%s: new: %s", name, xbar_last_error());
    if (!a) return;
    float w[R * C], got[R * C], again[R * C];
    fill(w, R * C, 3, 0.05f); /* well inside every device's bounds */
    CHECK(!xbar_aw_set_weights(a, w) && !xbar_aw_get_weights(a, got) && !memcmp(w, got, sizeof w),
          "%s: get_weights(set_weights(W)) != W", name);
    CHECK(steps(a, R, C, 0, 4) && !xbar_aw_get_weights(a, got), "%s: steps: %s", name, xbar_last_error());
    CHECK(!xbar_aw_set_weights(a, got) && !xbar_aw_get_weights(a, again) && !memcmp(got, again, sizeof got),
          "%s: set_weights(get_weights()) changes the visible weights", name);
    size_t n = 0;
    const char *what = NULL;
    const float *v = xbar_aw_array(a, 0, &what, &n);
    CHECK(v && what && !strcmp(what, "weights") && n == (size_t)R * C, "%s: array 0 is not the weights", name);
    CHECK(!xbar_aw_array(a, xbar_aw_n_arrays(a), &what, &n), "%s: array past the last", name);
    /* the optimizer's storage agrees with its tile count */
    const size_t tiles = xbar_opt_tiles(&o);
    const xbar_tile *fast = xbar_aw_fast_tile(a), *slow = xbar_aw_slow_tile(a);
    CHECK(tiles == 0 ? xbar_aw_digital_weights(a) && !fast && !slow
                     : !xbar_aw_digital_weights(a) && fast && slow && (tiles == 1) == (fast == slow),
          "%s: %zu tiles, but digital weights %p, fast tile %p, slow tile %p", name, tiles,
          (void *)xbar_aw_digital_weights(a), (const void *)fast, (const void *)slow);
    xbar_aw_free(a);
}

/* ---- (d) memory estimate ----------------------------------------------------------------- */

#ifdef XT_MALLINFO
static size_t heap_bytes(void)
{
    struct mallinfo2 m = mallinfo2();
    return m.uordblks + m.hblkhd;
}
#endif

/* Bytes allocated by xbar_aw_new(o, c) and `updates` updates of batch 1, against the estimate. */
static void check_memory(const char *name, const xbar_opt_params *o, const xbar_tile_config *c, int updates)
{
    const size_t est = xbar_aw_memory_bytes(o, c), n = c->rows * c->cols;
    CHECK(est >= n * sizeof(float) && est != SIZE_MAX, "%s: estimate %zu bytes < %zu weights x 4", name, est, n);
#ifdef XT_MALLINFO
    float *x = calloc(c->cols, sizeof(float)), *d = calloc(c->rows, sizeof(float));
    for (size_t j = 0; x && j < c->cols; j++) x[j] = 0.5f;
    for (size_t i = 0; d && i < c->rows; i++) d[i] = i % 2 ? 0.3f : -0.3f;
    const size_t before = heap_bytes();
    xbar_aw *a = xbar_aw_new(o, c);
    for (int u = 0; a && x && d && u < updates; u++) CHECK(!xbar_aw_update(a, x, d, 1, 0.1f), "%s: update", name);
    const size_t used = heap_bytes() - before;
    const double r = (double)est / (double)used;
    CHECK(a && r >= 0.9 && r <= 1.1, "%s %zux%zu: estimate %zu bytes, allocated %zu (ratio %.3f)", name, c->rows,
          c->cols, est, used, r);
    printf("(d) %-10s %zux%zu, %d update(s): estimate %zu bytes, allocated %zu (ratio %.3f)\n", name, c->rows,
           c->cols, updates, est, used, r);
    xbar_aw_free(a);
    free(x), free(d);
#else
    (void)updates;
#endif
}

static void test_memory(xbar_opt_kind k)
{
    const char *name = xbar_opt_kind_name(k);
    xbar_opt_params o = opt_cfg(k);
    xbar_tile_config c = tile_cfg(48, 40);
    check_memory(name, &o, &c, 0);
    /* dense schemes: the increment buffers of the first update (every column transferred at once) */
    c.update.scheme = o.transfer_update.scheme = XBAR_SCHEME_COUNT;
    o.transfer_columns = 0, o.transfer_every = 1;
    check_memory(name, &o, &c, 1);
}

/* ---- (e) names, summaries and keys ------------------------------------------------------ */

static void test_names_keys(void)
{
    const char *const *names = xbar_opt_kind_names();
    const xbar_key *keys = xbar_opt_keys();
    CHECK(names && !names[XBAR_OPT_COUNT_], "kind names: not NULL-terminated after %d names", (int)XBAR_OPT_COUNT_);
    CHECK(keys && keys[0].section && !strcmp(keys[0].section, "optimizer") && !strcmp(keys[0].key, "kind") &&
              keys[0].type == XBAR_KEY_ENUM && keys[0].choices == names &&
              keys[0].offset == offsetof(xbar_opt_params, kind),
          "xbar_opt_keys: the first row is not optimizer.kind");
    size_t nk = 0;
    for (; keys && keys[nk].section; nk++) {
        const xbar_key *r = &keys[nk];
        int users = 0;
        for (int k = 0; k < XBAR_OPT_COUNT_; k++) users += xbar_opt_uses_key((xbar_opt_kind)k, r->key);
        CHECK(!strcmp(r->section, "optimizer") && r->doc && r->doc[0] && r->offset < sizeof(xbar_opt_params) && users,
              "xbar_opt_keys row %zu (%s.%s): section, doc, offset or no optimizer reading it", nk, r->section, r->key);
        for (size_t j = 0; j < nk; j++) CHECK(strcmp(keys[j].key, r->key), "key %s listed twice", r->key);
    }
    for (int k = 0; k < XBAR_OPT_COUNT_; k++) {
        const xbar_opt_kind kind = (xbar_opt_kind)k;
        const char *name = xbar_opt_kind_name(kind), *sum = xbar_opt_kind_summary(kind);
        CHECK(names && names[k] && !strcmp(names[k], name) && xbar_opt_kind_from_name(name) == k,
              "kind %d: name '%s' does not round-trip", k, name);
        CHECK(sum && sum[0], "%s: no summary", name);
        const xbar_opt_params o = xbar_opt_defaults(kind);
        CHECK(o.kind == kind && !xbar_opt_check(&o), "%s: defaults invalid: %s", name, xbar_opt_check(&o));
        CHECK(xbar_opt_uses_key(kind, "kind") && !xbar_opt_uses_key(kind, "no_such_key"), "%s: uses_key", name);
    }
    CHECK(!xbar_opt_kind_summary(XBAR_OPT_COUNT_) && !xbar_opt_uses_key(XBAR_OPT_COUNT_, "kind") &&
              !strcmp(xbar_opt_kind_name(XBAR_OPT_COUNT_), "?") && xbar_opt_kind_from_name("no_such") == -1,
          "out-of-range kinds");
    /* today's [optimizer] rows, in their order */
    static const char *const today[] = {"kind", "fast_lr", "transfer_lr", "transfer_every", "transfer_columns",
                                        "transfer_read_noise", "gamma"};
    for (size_t j = 0; j < sizeof today / sizeof *today; j++)
        CHECK(j < nk && !strcmp(keys[j].key, today[j]), "xbar_opt_keys row %zu: want %s", j, today[j]);
}

int main(void)
{
    test_names_keys();
    /* a first object and update, so that one-time allocations (thread runtime, BLAS) precede (d) */
    xbar_aw *warm = run(XBAR_OPT_TIKI_TAKA, R, C, 2);
    xbar_aw_free(warm);
    for (int k = 0; k < XBAR_OPT_COUNT_; k++) {
        test_save_load((xbar_opt_kind)k);
        test_determinism((xbar_opt_kind)k);
        test_weights((xbar_opt_kind)k);
        test_memory((xbar_opt_kind)k);
    }
    return xt_done("test_optim_contract");
}
