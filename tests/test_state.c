/* test_state.c - checkpoints: tiles, optimizers and networks continue
 * bit-identically after save / load; truncated files and mismatched shapes
 * or kinds fail with XBAR_EFORMAT and a message naming what differs. */
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "xbar.h"

static xbar_tile_config tile_cfg(size_t rows, size_t cols)
{
    xbar_tile_config c = xbar_tile_config_defaults(rows, cols);
    c.device = xbar_device_defaults(XBAR_DEV_SOFT_BOUNDS_REF); /* dtod + c2c noise */
    c.forward.w_noise = 0.02f;                                  /* reads consume RNG too */
    c.seed = 42;
    c.id = 3;
    return c;
}

static void fill(float *v, size_t n, uint32_t stream, float amp)
{
    xbar_rng_normal_fill(v, n, 5, stream, 0);
    for (size_t k = 0; k < n; k++) v[k] *= amp;
}

/* Bytes of a stream from its start. */
static unsigned char *slurp(FILE *f, size_t *n)
{
    fflush(f);
    long end = ftell(f);
    unsigned char *b = malloc((size_t)end + 1);
    rewind(f);
    *n = fread(b, 1, (size_t)end, f);
    return b;
}

static FILE *from_bytes(const unsigned char *b, size_t n)
{
    FILE *f = tmpfile();
    fwrite(b, 1, n, f);
    rewind(f);
    return f;
}

/* ---- tiles ------------------------------------------------------------------ */

enum { R = 5, C = 7, B = 4 };

static void tile_steps(xbar_tile *t, int from, int to, float *y)
{
    float x[B * C], d[B * R];
    for (int k = from; k < to; k++) {
        fill(x, B * C, 100 + (uint32_t)k, 0.5f);
        fill(d, B * R, 200 + (uint32_t)k, 0.3f);
        xbar_tile_forward(t, y, x, B);
        xbar_tile_update(t, x, d, B, 0.05f);
    }
}

static void test_tile(void)
{
    xbar_tile_config c = tile_cfg(R, C);
    xbar_tile *a = xbar_tile_new(&c), *b = xbar_tile_new(&c);
    float w0[R * C], ya[B * R], yb[B * R], wa[R * C], wb[R * C];
    fill(w0, R * C, 1, 0.2f);
    xbar_tile_set_weights(a, w0, C);
    tile_steps(a, 0, 6, ya);
    FILE *f = tmpfile();
    CHECK(!xbar_tile_save(a, f), "tile save: %s", xbar_last_error());
    size_t n;
    unsigned char *bytes = slurp(f, &n);
    CHECK(n > 8 && !memcmp(bytes, "XBTL\1\0\0\0", 8), "tile record header");
    rewind(f);
    CHECK(!xbar_tile_load(b, f), "tile load: %s", xbar_last_error());
    tile_steps(a, 6, 12, ya);
    tile_steps(b, 6, 12, yb);
    xbar_tile_get_weights(a, wa, C);
    xbar_tile_get_weights(b, wb, C);
    CHECK(!memcmp(wa, wb, sizeof wa) && !memcmp(ya, yb, sizeof ya), "tile: continuation differs after load");
    CHECK(xbar_tile_update_count(a) == xbar_tile_update_count(b) && xbar_tile_pulse_count(a) == xbar_tile_pulse_count(b),
          "tile: counters differ");
    /* truncated */
    FILE *g = from_bytes(bytes, n - 3);
    xbar_status s = xbar_tile_load(b, g);
    CHECK(s == XBAR_EFORMAT && strstr(xbar_last_error(), "truncated"), "tile truncated: %d %s", s, xbar_last_error());
    fclose(g);
    /* a NaN weight (the third; weights start after 28 header bytes): refused, b untouched */
    unsigned char *nan_bytes = malloc(n);
    memcpy(nan_bytes, bytes, n);
    memcpy(nan_bytes + 28 + 8, "\x00\x00\xc0\x7f", 4);
    g = from_bytes(nan_bytes, n);
    s = xbar_tile_load(b, g);
    CHECK(s == XBAR_EFORMAT && strstr(xbar_last_error(), "weight 2 is nan (not finite)"), "tile NaN weight: %d %s", s,
          xbar_last_error());
    xbar_tile_get_weights(b, wb, C);
    CHECK(!memcmp(wa, wb, sizeof wa), "tile NaN weight: the tile changed");
    fclose(g);
    free(nan_bytes);
    /* mismatched shape and device */
    xbar_tile_config c2 = tile_cfg(C, R);
    xbar_tile *t2 = xbar_tile_new(&c2);
    rewind(f);
    s = xbar_tile_load(t2, f);
    CHECK(s == XBAR_EFORMAT && strstr(xbar_last_error(), "tile 3: size 5x7, expected 7x5"), "tile shape: %s",
          xbar_last_error());
    xbar_tile_free(t2);
    c2 = tile_cfg(R, C);
    c2.device = xbar_device_defaults(XBAR_DEV_CONSTANT_STEP);
    t2 = xbar_tile_new(&c2);
    rewind(f);
    s = xbar_tile_load(t2, f);
    CHECK(s == XBAR_EFORMAT && strstr(xbar_last_error(), "device soft_bounds_ref, expected constant_step"), "tile device: %s",
          xbar_last_error());
    xbar_tile_free(t2);
    free(bytes);
    fclose(f);
    xbar_tile_free(a), xbar_tile_free(b);
}

/* ---- optimizers ------------------------------------------------------------- */

static void aw_steps(xbar_aw *a, int from, int to)
{
    float x[B * C], d[B * R], y[B * R];
    for (int k = from; k < to; k++) {
        fill(x, B * C, 300 + (uint32_t)k, 0.5f);
        fill(d, B * R, 400 + (uint32_t)k, 0.3f);
        xbar_aw_forward(a, y, x, B);
        xbar_aw_update(a, x, d, B, 0.1f);
    }
}

static void test_aw(xbar_opt_kind kind)
{
    const char *name = xbar_opt_kind_name(kind);
    xbar_opt_params o = xbar_opt_defaults(kind);
    o.transfer_every = 2, o.transfer_columns = 3, o.fast_lr = 0.05f; /* mid-cycle transfer position */
    xbar_tile_config c = tile_cfg(R, C);
    xbar_aw *a = xbar_aw_new(&o, &c), *b = xbar_aw_new(&o, &c);
    float w0[R * C], wa[R * C], wb[R * C];
    fill(w0, R * C, 2, 0.2f);
    xbar_aw_set_weights(a, w0);
    aw_steps(a, 0, 5);
    FILE *f = tmpfile();
    CHECK(!xbar_aw_save(a, f), "%s save: %s", name, xbar_last_error());
    rewind(f);
    CHECK(!xbar_aw_load(b, f), "%s load: %s", name, xbar_last_error());
    aw_steps(a, 5, 11);
    aw_steps(b, 5, 11);
    xbar_aw_get_weights(a, wa);
    xbar_aw_get_weights(b, wb);
    CHECK(!memcmp(wa, wb, sizeof wa), "%s: continuation differs after load", name);
    CHECK(xbar_aw_pulse_count(a) == xbar_aw_pulse_count(b), "%s: pulse counts differ", name);
    if (kind == XBAR_OPT_TIKI_TAKA) {
        float fa[R * C], fb[R * C];
        xbar_tile_get_weights(xbar_aw_fast_tile(a), fa, C);
        xbar_tile_get_weights(xbar_aw_fast_tile(b), fb, C);
        CHECK(!memcmp(fa, fb, sizeof fa), "%s: fast tile differs", name);
    }
    /* truncated */
    size_t n;
    unsigned char *bytes = slurp(f, &n);
    FILE *g = from_bytes(bytes, n / 2);
    xbar_status s = xbar_aw_load(b, g);
    CHECK(s == XBAR_EFORMAT && strstr(xbar_last_error(), "truncated"), "%s truncated: %s", name, xbar_last_error());
    fclose(g);
    /* other kind, other size */
    xbar_opt_params o2 = xbar_opt_defaults(kind == XBAR_OPT_DIGITAL ? XBAR_OPT_ANALOG_SGD : XBAR_OPT_DIGITAL);
    xbar_aw *x = xbar_aw_new(&o2, &c);
    rewind(f);
    s = xbar_aw_load(x, f);
    CHECK(s == XBAR_EFORMAT && strstr(xbar_last_error(), name), "%s kind mismatch: %s", name, xbar_last_error());
    xbar_aw_free(x);
    xbar_tile_config c2 = tile_cfg(R + 1, C);
    x = xbar_aw_new(&o, &c2);
    rewind(f);
    s = xbar_aw_load(x, f);
    CHECK(s == XBAR_EFORMAT && strstr(xbar_last_error(), "size 5x7, expected 6x7"), "%s size mismatch: %s", name,
          xbar_last_error());
    xbar_aw_free(x);
    free(bytes);
    fclose(f);
    xbar_aw_free(a), xbar_aw_free(b);
}

/* ---- networks --------------------------------------------------------------- */

static xbar_net *make_net(size_t hidden)
{
    xbar_layer_spec s[6];
    for (int l = 0; l < 6; l++) s[l] = xbar_layer_defaults(XBAR_LAYER_RELU);
    s[0] = xbar_layer_defaults(XBAR_LAYER_CONV2D), s[0].out = 3, s[0].kernel = 3;
    s[0].opt = xbar_opt_defaults(XBAR_OPT_TIKI_TAKA);
    s[1].kind = XBAR_LAYER_TANH;
    s[2] = xbar_layer_defaults(XBAR_LAYER_MAXPOOL);
    s[3] = xbar_layer_defaults(XBAR_LAYER_LINEAR), s[3].out = hidden;
    s[3].opt = xbar_opt_defaults(XBAR_OPT_ANALOG_SGD);
    s[4].kind = XBAR_LAYER_SIGMOID;
    s[5] = xbar_layer_defaults(XBAR_LAYER_LINEAR), s[5].out = 4;
    for (int l = 0; l < 6; l += 3) s[l].tile = tile_cfg(1, 1), s[l].tile.forward = xbar_io_defaults();
    return xbar_net_new(s, 6, 2, 8, 8, 9);
}

static void net_steps(xbar_net *net, int from, int to, double *loss)
{
    float X[6 * 128];
    uint8_t y[6];
    for (int k = from; k < to; k++) {
        fill(X, 6 * 128, 500 + (uint32_t)k, 1.0f);
        for (int b = 0; b < 6; b++) y[b] = (uint8_t)((b + k) % 4);
        CHECK(!xbar_net_train_batch(net, X, y, 6, 0.1f, loss, NULL), "net step: %s", xbar_last_error());
    }
}

static size_t net_state(xbar_net *net, float *out)
{
    size_t m = 0, n;
    float *v;
    for (size_t l = 0; l < xbar_net_n_layers(net); l++) {
        if (xbar_net_layer_aw(net, l)) {
            xbar_aw_get_weights(xbar_net_layer_aw(net, l), out + m);
            xbar_net_param(net, l, XBAR_PARAM_WEIGHT, NULL, NULL, &n), m += n;
        } else if (!xbar_net_param(net, l, XBAR_PARAM_WEIGHT, &v, NULL, &n)) {
            memcpy(out + m, v, n * sizeof(float)), m += n;
        }
        if (!xbar_net_param(net, l, XBAR_PARAM_BIAS, &v, NULL, &n)) memcpy(out + m, v, n * sizeof(float)), m += n;
        if (!xbar_net_param(net, l, XBAR_PARAM_SCALE, &v, NULL, &n)) memcpy(out + m, v, n * sizeof(float)), m += n;
    }
    return m;
}

static void test_net(void)
{
    xbar_net *a = make_net(5), *b = make_net(5);
    CHECK(a && b, "net: %s", xbar_last_error());
    if (!a || !b) return;
    double la = 0, lb = 1;
    net_steps(a, 0, 3, &la);
    FILE *f = tmpfile();
    CHECK(!xbar_net_save(a, f), "net save: %s", xbar_last_error());
    rewind(f);
    CHECK(!xbar_net_load(b, f), "net load: %s", xbar_last_error());
    net_steps(a, 3, 6, &la);
    net_steps(b, 3, 6, &lb);
    static float sa[4096], sb[4096];
    size_t na = net_state(a, sa), nb = net_state(b, sb);
    CHECK(na == nb && !memcmp(sa, sb, na * sizeof(float)) && la == lb, "net: continuation differs after load");
    CHECK(xbar_net_pulse_count(a) == xbar_net_pulse_count(b), "net: pulse counts differ");
    size_t n;
    unsigned char *bytes = slurp(f, &n);
    FILE *g = from_bytes(bytes, n - 10);
    xbar_status s = xbar_net_load(b, g);
    CHECK(s == XBAR_EFORMAT && strstr(xbar_last_error(), "layer 5 (linear)") && strstr(xbar_last_error(), "truncated"),
          "net truncated: %s", xbar_last_error());
    fclose(g);
    xbar_net *c = make_net(6);
    rewind(f);
    s = xbar_net_load(c, f);
    CHECK(s == XBAR_EFORMAT && strstr(xbar_last_error(), "layer 3 (linear): output 5x1x1, expected 6x1x1"),
          "net shape: %s", xbar_last_error());
    xbar_net_free(c);
    free(bytes);
    fclose(f);
    xbar_net_free(a), xbar_net_free(b);
}

int main(void)
{
    test_tile();
    test_aw(XBAR_OPT_DIGITAL);
    test_aw(XBAR_OPT_ANALOG_SGD);
    test_aw(XBAR_OPT_TIKI_TAKA);
    test_net();
    return xt_done("test_state");
}
