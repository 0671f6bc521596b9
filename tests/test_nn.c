/* test_nn.c - networks: finite-difference gradient checks of every digital
 * layer kind and the loss, the expected pulsed update of an analog layer,
 * a tiny end-to-end fit, shape errors, evaluation and thread determinism. */
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "xbar.h"

static xbar_layer_spec lin(size_t out) { xbar_layer_spec s = xbar_layer_defaults(XBAR_LAYER_LINEAR); s.out = out; return s; }
static xbar_layer_spec act(xbar_layer_kind k) { return xbar_layer_defaults(k); }
static xbar_layer_spec pool(size_t k) { xbar_layer_spec s = xbar_layer_defaults(XBAR_LAYER_MAXPOOL); s.kernel = k; return s; }
static xbar_layer_spec conv(size_t out, size_t k, size_t stride, size_t pad)
{
    xbar_layer_spec s = xbar_layer_defaults(XBAR_LAYER_CONV2D);
    s.out = out, s.kernel = k, s.stride = stride, s.padding = pad;
    return s;
}

static double loss_of(xbar_net *net, const float *X, const uint8_t *y, size_t B)
{
    double L = 0;
    if (xbar_net_forward(net, NULL, X, B) || xbar_net_loss(net, y, B, &L, NULL)) fprintf(stderr, "%s\n", xbar_last_error());
    return L;
}

/* ||g - fd|| / ||fd|| over v[0..n), fd: the fourth-order central difference
 * (L(-2h) - 8L(-h) + 8L(h) - L(2h)) / 12h of the mean loss (float32 forward,
 * so a fairly large h keeps rounding noise small; O(h^4) truncation). */
static double fd_error(xbar_net *net, float *v, const float *g, size_t n, float eps, const float *X, const uint8_t *y,
                       size_t B)
{
    double e2 = 0, f2 = 0;
    const double h = (double)eps;
    for (size_t k = 0; k < n; k++) {
        const float v0 = v[k];
        double l[4];
        static const double off[4] = {-2, -1, 1, 2};
        for (int i = 0; i < 4; i++) {
            v[k] = (float)(v0 + off[i] * h);
            l[i] = loss_of(net, X, y, B);
        }
        v[k] = v0;
        double fd = (l[0] - 8 * l[1] + 8 * l[2] - l[3]) / (12 * h);
        e2 += (g[k] - fd) * (g[k] - fd);
        f2 += fd * fd;
    }
    return f2 > 0 ? sqrt(e2 / f2) : sqrt(e2);
}

/* Analytic dX and parameter gradients of a digital net vs finite differences. */
static void gradcheck(const char *name, const xbar_layer_spec *sp, size_t nl, size_t c, size_t h, size_t w, float *X,
                      size_t B, float eps)
{
    xbar_net *net = xbar_net_new(sp, nl, c, h, w, 7);
    CHECK(net, "%s: %s", name, xbar_last_error());
    if (!net) return;
    const size_t in = c * h * w, K = xbar_net_out_size(net);
    uint8_t y[8];
    for (size_t b = 0; b < B; b++) y[b] = (uint8_t)((b * 2 + 1) % K);
    float *dX = malloc(B * in * sizeof(float));
    double L;
    CHECK(!xbar_net_forward(net, NULL, X, B) && !xbar_net_loss(net, y, B, &L, NULL) && !xbar_net_backward(net, dX),
          "%s: %s", name, xbar_last_error());
    /* snapshot the analytic parameter gradients before finite differences overwrite them */
    static const char *const pname[3] = {"weight", "bias", "scale"};
    float *grads[16][3] = {{0}};
    size_t cnt[16][3] = {{0}};
    for (size_t l = 0; l < nl && l < 16; l++)
        for (int p = 0; p < 3; p++) {
            float *v, *gr;
            if (xbar_net_param(net, l, (xbar_param_kind)p, &v, &gr, &cnt[l][p]) || !gr) continue;
            grads[l][p] = malloc(cnt[l][p] * sizeof(float));
            memcpy(grads[l][p], gr, cnt[l][p] * sizeof(float));
        }
    double e = fd_error(net, X, dX, B * in, eps, X, y, B);
    CHECK(e < 1e-3, "%s: dX relative error %.3g", name, e);
    if (getenv("XT_VERBOSE")) printf("%s dX %.3g\n", name, e);
    for (size_t l = 0; l < nl && l < 16; l++)
        for (int p = 0; p < 3; p++) {
            if (!grads[l][p]) continue;
            float *v;
            xbar_net_param(net, l, (xbar_param_kind)p, &v, NULL, NULL);
            e = fd_error(net, v, grads[l][p], cnt[l][p], eps, X, y, B);
            CHECK(e < 1e-3, "%s: layer %zu %s gradient relative error %.3g", name, l, pname[p], e);
            if (getenv("XT_VERBOSE")) printf("%s l%zu %s %.3g\n", name, l, pname[p], e);
            free(grads[l][p]);
        }
    free(dX);
    xbar_net_free(net);
}

/* Distinct inputs 0.05 apart, none within 0.025 of 0: no relu / maxpool kink within eps. */
static void spaced(float *X, size_t n)
{
    for (size_t k = 0; k < n; k++) X[k] = 0.05f * (float)((k * 37) % n) - 0.05f * (float)(n / 2) + 0.025f;
}

static void smooth(float *X, size_t n, uint32_t s)
{
    xbar_rng_uniform_fill(X, n, 3, s, 0);
    for (size_t k = 0; k < n; k++) X[k] = 2.0f * X[k] - 1.0f;
}

static void test_gradients(void)
{
    float X[3 * 2 * 7 * 7];
    xbar_layer_spec s[8];
    smooth(X, 3 * 6, 1);
    s[0] = lin(4);
    gradcheck("linear", s, 1, 6, 1, 1, X, 3, 5e-2f);
    smooth(X, 3 * 2 * 7 * 7, 2);
    s[0] = conv(3, 3, 2, 1), s[1] = lin(3), s[1].bias = 0;
    gradcheck("conv2d s2 p1", s, 2, 2, 7, 7, X, 3, 5e-2f);
    smooth(X, 3 * 2 * 4 * 4, 3);
    s[0] = conv(3, 4, 1, 0);
    gradcheck("conv2d last", s, 1, 2, 4, 4, X, 3, 5e-2f);
    spaced(X, 3 * 2 * 5 * 5);
    s[0] = pool(2), s[1] = lin(3);
    gradcheck("maxpool", s, 2, 2, 5, 5, X, 3, 5e-3f);
    const xbar_layer_kind acts[3] = {XBAR_LAYER_SIGMOID, XBAR_LAYER_TANH, XBAR_LAYER_RELU};
    for (int a = 0; a < 3; a++) {
        a == 2 ? spaced(X, 3 * 5) : smooth(X, 3 * 5, 4);
        s[0] = act(acts[a]), s[1] = lin(3);
        gradcheck(xbar_layer_kind_name(acts[a]), s, 2, 5, 1, 1, X, 3, a == 2 ? 5e-3f : 5e-2f);
    }
    smooth(X, 3 * 36, 5);
    s[0] = conv(4, 3, 1, 1), s[1] = act(XBAR_LAYER_TANH), s[2] = conv(2, 2, 2, 0), s[3] = act(XBAR_LAYER_SIGMOID);
    s[4] = lin(5), s[5] = act(XBAR_LAYER_TANH), s[6] = lin(3);
    gradcheck("chain", s, 7, 1, 6, 6, X, 3, 5e-2f);
    /* analog layers with exact reads: dX, digital bias and output scale */
    smooth(X, 3 * 6, 6);
    s[0] = lin(5), s[1] = act(XBAR_LAYER_TANH), s[2] = lin(3);
    for (int l = 0; l < 3; l += 2) {
        s[l].opt = xbar_opt_defaults(l ? XBAR_OPT_TIKI_TAKA : XBAR_OPT_ANALOG_SGD);
        s[l].tile = xbar_tile_config_defaults(1, 1);
        s[l].tile.device = xbar_device_ideal(XBAR_DEV_CONSTANT_STEP);
        s[l].tile.forward.perfect = s[l].tile.backward.perfect = 1;
    }
    gradcheck("analog", s, 3, 6, 1, 1, X, 3, 5e-2f);
}

/* Mean change of one pulsed step of a 1-layer analog net vs -lr d x^T q(w).
 * lr keeps lr max|x| max|d| / dw_min below BL = 31 (unclipped probabilities)
 * and, for state-dependent q, the drift of q within the step negligible. */
static void test_pulsed_update(xbar_device_model model, float lr)
{
    enum { IN = 4, OUT = 3, B = 2, REPS = 4000 };
    const float scale = 1.7f;
    xbar_layer_spec s = lin(OUT);
    s.opt = xbar_opt_defaults(XBAR_OPT_ANALOG_SGD);
    s.tile = xbar_tile_config_defaults(OUT, IN);
    s.tile.device = xbar_device_ideal(model);
    s.tile.forward.perfect = s.tile.backward.perfect = 1;
    s.tile.seed = 11;
    xbar_net *net = xbar_net_new(&s, 1, IN, 1, 1, 5);
    CHECK(net, "pulsed: %s", xbar_last_error());
    if (!net) return;
    xbar_aw *aw = xbar_net_layer_aw(net, 0);
    const xbar_devices *dev = xbar_tile_devices(xbar_aw_fast_tile(aw));
    float W0[OUT * IN], W[OUT * IN], b0[OUT], *b, *sc;
    const float X[B * IN] = {0.9f, -0.4f, 0.25f, -1.0f, -0.3f, 0.8f, 0.6f, 0.15f};
    const uint8_t y[B] = {1, 2};
    xbar_aw_get_weights(aw, W0);
    xbar_net_param(net, 0, XBAR_PARAM_BIAS, &b, NULL, NULL);
    xbar_net_param(net, 0, XBAR_PARAM_SCALE, &sc, NULL, NULL);
    memcpy(b0, b, sizeof b0);
    /* expectation by hand: d = scale * (softmax - onehot)/B */
    double expect[OUT * IN] = {0};
    for (int n = 0; n < B; n++) {
        double z[OUT], m = -1e300, se = 0;
        for (int i = 0; i < OUT; i++) {
            z[i] = b0[i];
            for (int j = 0; j < IN; j++) z[i] += (double)scale * W0[i * IN + j] * X[n * IN + j];
            m = fmax(m, z[i]);
        }
        for (int i = 0; i < OUT; i++) se += exp(z[i] - m);
        for (int i = 0; i < OUT; i++) {
            double d = scale * (exp(z[i] - m) / se - (i == y[n])) / B;
            for (int j = 0; j < IN; j++) {
                double qu, qd, want = -lr * d * X[n * IN + j];
                xbar_device_q(dev, (size_t)(i * IN + j), W0[i * IN + j], &qu, &qd);
                expect[i * IN + j] += want * (want > 0 ? qu : qd);
            }
        }
    }
    xt_stat st[OUT * IN] = {{0}};
    for (int r = 0; r < REPS; r++) {
        xbar_aw_set_weights(aw, W0);
        memcpy(b, b0, sizeof b0);
        *sc = scale;
        if (xbar_net_train_batch(net, X, y, B, lr, NULL, NULL)) {
            CHECK(0, "pulsed: %s", xbar_last_error());
            break;
        }
        xbar_aw_get_weights(aw, W);
        for (int k = 0; k < OUT * IN; k++) xt_stat_add(&st[k], (double)W[k] - W0[k]);
    }
    for (int k = 0; k < OUT * IN; k++) {
        if (getenv("XT_VERBOSE"))
            printf("pulsed %s w%d: %.5g vs %.5g (%.1f se)\n", xbar_device_model_name(model), k, st[k].mean, expect[k],
                   (st[k].mean - expect[k]) / xt_stat_se(&st[k]));
        CHECK(fabs(st[k].mean - expect[k]) <= 4 * xt_stat_se(&st[k]) + 1e-9, "pulsed %s: w%d mean %.6g expected %.6g (se %.2g)",
              xbar_device_model_name(model), k, st[k].mean, expect[k], xt_stat_se(&st[k]));
    }
    xbar_net_free(net);
}

/* Two Gaussian blobs in 8 dimensions, a 2-layer digital net. */
static void test_end_to_end(void)
{
    enum { N = 400, D = 8 };
    static float X[2 * N * D];
    static uint8_t y[2 * N];
    float z[4];
    for (size_t k = 0; k < 2 * N; k++) {
        y[k] = (uint8_t)(k & 1);
        for (int j = 0; j < D; j++) {
            if ((j & 3) == 0) xbar_rng_normal4(z, 9, 1, k * 2 + (size_t)(j >> 2));
            X[k * D + j] = 0.7f * z[j & 3] + (y[k] ? 0.8f : -0.8f) * (j < 4 ? 1.0f : -0.5f);
        }
    }
    xbar_layer_spec s[3] = {lin(16), act(XBAR_LAYER_TANH), lin(2)};
    xbar_net *net = xbar_net_new(s, 3, D, 1, 1, 1);
    CHECK(net, "e2e: %s", xbar_last_error());
    if (!net) return;
    double l0 = 0, l1 = 0;
    size_t c = 0;
    xbar_net_evaluate(net, X + N * D, y + N, N, 32, &l0, NULL);
    for (int ep = 0; ep < 3; ep++)
        for (size_t i = 0; i < N; i += 10) CHECK(!xbar_net_train_batch(net, X + i * D, y + i, 10, 0.1f, NULL, NULL), "e2e train");
    CHECK(!xbar_net_evaluate(net, X + N * D, y + N, N, 32, &l1, &c), "e2e eval: %s", xbar_last_error());
    CHECK(l1 < 0.5 * l0, "e2e: test loss %.4g -> %.4g", l0 / N, l1 / N);
    CHECK(c > 0.9 * N, "e2e: accuracy %zu / %d", c, N);
    /* evaluate in batches == per-sample losses summed */
    double one = 0, tot = 0;
    for (size_t i = 0; i < 7; i++) tot += loss_of(net, X + i * D, y + i, 1);
    xbar_net_evaluate(net, X, y, 7, 3, &one, NULL);
    CHECK_NEAR(one, tot, 1e-5, "evaluate partial batches");
    xbar_net_free(net);
}

static void expect_fail(const xbar_layer_spec *s, size_t n, size_t c, size_t h, size_t w, const char *needle)
{
    xbar_net *net = xbar_net_new(s, n, c, h, w, 0);
    CHECK(!net && strstr(xbar_last_error(), needle), "shape error: want '%s', got '%s'", needle, xbar_last_error());
    xbar_net_free(net);
}

static void test_shapes(void)
{
    xbar_layer_spec s[3] = {lin(8), conv(4, 5, 1, 0), lin(2)};
    expect_fail(s, 3, 9, 1, 1, "layer 1 (conv2d): kernel 5 larger than input 8x1x1");
    s[0] = pool(3), s[1] = lin(3);
    expect_fail(s, 2, 1, 2, 2, "layer 0 (maxpool)");
    s[0] = lin(4), s[1] = act(XBAR_LAYER_SIGMOID);
    expect_fail(s, 2, 3, 1, 1, "layer 1 (sigmoid): the last layer");
    s[1] = lin(1);
    expect_fail(s, 2, 3, 1, 1, "layer 1 (linear)");
    s[0] = lin(0);
    expect_fail(s, 2, 3, 1, 1, "layer 0 (linear): out = 0");
    s[0] = conv(2, 3, 1, 0), s[1] = lin(3);
    expect_fail(s, 1, 1, 5, 5, "layer 0 (conv2d): the last layer");
    s[0] = lin(4), s[0].opt = xbar_opt_defaults(XBAR_OPT_ANALOG_SGD);
    s[0].tile = xbar_tile_config_defaults(1, 1);
    s[0].tile.device.dw_min = -1.0f;
    expect_fail(s, 2, 3, 1, 1, "layer 0 (linear): ");
    s[0].opt.kind = XBAR_OPT_DIGITAL; /* digital layers ignore the tile config */
    xbar_net *net = xbar_net_new(s, 2, 3, 1, 1, 0);
    CHECK(net, "digital layer with a bad tile config: %s", xbar_last_error());
    xbar_net_free(net);
}

/* Train a mixed analog / digital CNN; outputs weights and losses. */
static void run_mixed(int threads, float *out, size_t *n_out, double *losses)
{
    xbar_set_threads(threads);
    xbar_layer_spec s[6] = {conv(8, 3, 1, 0), act(XBAR_LAYER_TANH), pool(2), lin(6), act(XBAR_LAYER_SIGMOID), lin(3)};
    s[0].opt = xbar_opt_defaults(XBAR_OPT_TIKI_TAKA);
    s[3].opt = xbar_opt_defaults(XBAR_OPT_ANALOG_SGD);
    for (int l = 0; l < 6; l += 3) {
        s[l].tile = xbar_tile_config_defaults(1, 1);
        s[l].tile.device = xbar_device_defaults(XBAR_DEV_SOFT_BOUNDS_REF);
        s[l].tile.seed = 4;
    }
    xbar_net *net = xbar_net_new(s, 6, 1, 20, 20, 3);
    enum { B = 8 };
    static float X[B * 400];
    uint8_t y[B];
    *n_out = 0;
    if (!net) return;
    for (int it = 0; it < 3; it++) {
        smooth(X, B * 400, 20 + (uint32_t)it);
        for (int b = 0; b < B; b++) y[b] = (uint8_t)((b + it) % 3);
        if (xbar_net_train_batch(net, X, y, B, 0.05f, &losses[it], NULL)) CHECK(0, "mixed: %s", xbar_last_error());
    }
    for (size_t l = 0; l < 6; l++) {
        float *v;
        size_t n;
        if (xbar_net_layer_aw(net, l)) {
            xbar_aw_get_weights(xbar_net_layer_aw(net, l), out + *n_out);
            xbar_net_param(net, l, XBAR_PARAM_WEIGHT, NULL, NULL, &n);
            *n_out += n;
        } else if (!xbar_net_param(net, l, XBAR_PARAM_WEIGHT, &v, NULL, &n)) {
            memcpy(out + *n_out, v, n * sizeof(float)), *n_out += n;
        }
        if (!xbar_net_param(net, l, XBAR_PARAM_BIAS, &v, NULL, &n)) memcpy(out + *n_out, v, n * sizeof(float)), *n_out += n;
        if (!xbar_net_param(net, l, XBAR_PARAM_SCALE, &v, NULL, &n)) memcpy(out + *n_out, v, n * sizeof(float)), *n_out += n;
    }
    char buf[1024];
    xbar_net_describe(net, buf, sizeof buf);
    CHECK(strstr(buf, "0 conv2d 1x20x20 -> 8x18x18") && strstr(buf, "analog tiki_taka") && strstr(buf, "5 linear 6x1x1 -> 3x1x1  digital"),
          "describe:\n%s", buf);
    CHECK(xbar_net_pulse_count(net) > 0, "mixed: no pulses");
    xbar_net_free(net);
    xbar_set_threads(1);
}

static void test_threads(void)
{
    static float a[8192], b[8192];
    size_t na, nb;
    double la[3], lb[3];
    run_mixed(1, a, &na, la);
    run_mixed(2, b, &nb, lb);
    CHECK(na == nb && na > 0 && !memcmp(a, b, na * sizeof(float)), "threads: weights differ (1 vs 2 threads)");
    CHECK(!memcmp(la, lb, sizeof la), "threads: losses differ %.17g vs %.17g", la[2], lb[2]);
}

int main(void)
{
    test_gradients();
    test_pulsed_update(XBAR_DEV_CONSTANT_STEP, 0.01f);
    test_pulsed_update(XBAR_DEV_SOFT_BOUNDS, 0.004f);
    test_end_to_end();
    test_shapes();
    test_threads();
    return xt_done("test_nn");
}
