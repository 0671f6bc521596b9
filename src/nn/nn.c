/* nn.c - sequential networks (xbar.h, "Networks"): construction and shape
 * checks, PyTorch-default initialisation, forward / loss / backward / step
 * sequencing, evaluation, parameter access and checkpoints. The per-layer
 * kernels are in nn_layers.c. Work buffers grow with the largest batch seen
 * and are kept, so steady-state training does not allocate. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt.h"
#include "nn_internal.h"

enum { ST_NONE = 0, ST_FORWARD, ST_LOSS, ST_BACKWARD };

struct xbar_net {
    size_t n;
    nn_layer *L;
    size_t in_c, in_h, in_w, in_size;
    float *x;     /* copy of the last input batch */
    size_t cap;   /* samples the work buffers hold */
    size_t batch; /* samples of the last forward */
    int state;
};

static const char *const layer_names[XBAR_LAYER_KIND_COUNT_] = {"linear", "conv2d", "maxpool",
                                                                "sigmoid", "tanh", "relu"};

const char *xbar_layer_kind_name(xbar_layer_kind k)
{
    return (unsigned)k < XBAR_LAYER_KIND_COUNT_ ? layer_names[k] : "unknown";
}

int xbar_layer_kind_from_name(const char *name)
{
    return xbar_name_index(layer_names, XBAR_LAYER_KIND_COUNT_, name);
}

xbar_layer_spec xbar_layer_defaults(xbar_layer_kind kind)
{
    xbar_layer_spec s = {.kind = kind,
                         .out = 0,
                         .kernel = 2,
                         .stride = 1,
                         .padding = 0,
                         .bias = 1,
                         .out_scaling = 1,
                         .opt = xbar_opt_defaults(XBAR_OPT_DIGITAL),
                         .tile = xbar_tile_config_defaults(1, 1)};
    return s;
}

/* ---- construction ---------------------------------------------------------- */

#define LFAIL(l, k, ...) layer_fail(l, k, xbar_msg(__VA_ARGS__))
static int layer_fail(size_t l, xbar_layer_kind k, const char *why)
{
    xbar_fail(XBAR_EINVAL, "layer %zu (%s): %s", l, xbar_layer_kind_name(k), why);
    return 0;
}

/* a*b, saturating at SIZE_MAX (every product is then refused as too large). */
static size_t mul_sat(size_t a, size_t b) { return b && a > SIZE_MAX / b ? SIZE_MAX : a * b; }

#define NN_MAX_SIZE ((size_t)1 << 31) /* most weights of a layer, most outputs per sample */

/* Output shape of layer l and its tile sizes; 0 (error set) on a misfit. */
static int layer_shape(nn_layer *L, size_t l, const xbar_layer_spec *s)
{
    const size_t C = L->ic, H = L->ih, W = L->iw, k = s->kernel;
    if (s->kind == XBAR_LAYER_CONV2D && (k > NN_MAX_SIZE || s->padding > NN_MAX_SIZE))
        return LFAIL(l, s->kind, "kernel %zu, padding %zu: too large", k, s->padding);
    L->oc = C, L->oh = H, L->ow = W, L->P = 1;
    switch (s->kind) {
    case XBAR_LAYER_LINEAR:
        if (!s->out) return LFAIL(l, s->kind, "out = 0: must be >= 1");
        L->oc = s->out, L->oh = L->ow = 1;
        L->rows = s->out, L->cols = L->in_size, L->P = 1;
        break;
    case XBAR_LAYER_CONV2D:
        if (!s->out) return LFAIL(l, s->kind, "out = 0: must be >= 1");
        if (!k || !s->stride) return LFAIL(l, s->kind, "kernel %zu, stride %zu: must be >= 1", k, s->stride);
        if (H + 2 * s->padding < k || W + 2 * s->padding < k)
            return LFAIL(l, s->kind, "kernel %zu larger than input %zux%zux%zu with padding %zu", k, C, H, W,
                          s->padding);
        L->oc = s->out;
        L->oh = (H + 2 * s->padding - k) / s->stride + 1;
        L->ow = (W + 2 * s->padding - k) / s->stride + 1;
        L->rows = s->out, L->cols = mul_sat(C, mul_sat(k, k)), L->P = L->oh * L->ow;
        break;
    case XBAR_LAYER_MAXPOOL:
        if (!k) return LFAIL(l, s->kind, "kernel = 0: must be >= 1");
        if (H < k || W < k) return LFAIL(l, s->kind, "window %zu larger than input %zux%zux%zu", k, C, H, W);
        L->oh = H / k, L->ow = W / k;
        break;
    case XBAR_LAYER_SIGMOID:
    case XBAR_LAYER_TANH:
    case XBAR_LAYER_RELU: break;
    default: return !xbar_fail(XBAR_EINVAL, "layer %zu: kind %d unknown", l, (int)s->kind);
    }
    L->out_size = mul_sat(L->oc, mul_sat(L->oh, L->ow));
    if (mul_sat(L->rows, L->cols) > NN_MAX_SIZE || L->out_size > NN_MAX_SIZE)
        return LFAIL(l, s->kind, "%zux%zu weights, %zu outputs: too large", L->rows, L->cols, L->out_size);
    return 1;
}

/* Parameters of a LINEAR / CONV2D layer, PyTorch default initialisation. */
static int layer_params(nn_layer *L, size_t l, uint64_t seed)
{
    const xbar_layer_spec *s = &L->s;
    xbar_tile_config tc = s->tile;
    tc.rows = L->rows, tc.cols = L->cols, tc.id = 16u * (uint32_t)l;
    L->aw = xbar_aw_new(&s->opt, &tc); /* checks s->opt and, for an analog optimizer, tc */
    if (!L->aw) return layer_fail(l, s->kind, xbar_msg("%s", xbar_last_error()));
    L->has_w = 1;
    L->analog = xbar_aw_digital_weights(L->aw) == NULL;
    L->has_scale = L->analog && s->out_scaling;
    L->scale = 1.0f;
    const size_t nw = L->rows * L->cols;
    float *w = malloc(nw * sizeof(float));
    L->acc = calloc(2 * L->rows, sizeof(double));
    if (!L->analog) L->gw = calloc(nw, sizeof(float));
    if (s->bias) {
        L->b = calloc(2 * L->rows, sizeof(float));
        if (L->b) L->gb = L->b + L->rows;
    }
    if (!w || !L->acc || (!L->analog && !L->gw) || (s->bias && !L->b)) {
        free(w);
        return !xbar_fail(XBAR_ENOMEM, "layer %zu: out of memory", l);
    }
    const float bound = 1.0f / sqrtf((float)L->cols);
    xbar_rng_uniform_fill(w, nw, seed, xbar_stream(XBAR_RNG_USER, (uint32_t)l, 0), 0);
    for (size_t k = 0; k < nw; k++) w[k] = (2.0f * w[k] - 1.0f) * bound;
    xbar_aw_set_weights(L->aw, w);
    free(w);
    if (L->b) {
        xbar_rng_uniform_fill(L->b, L->rows, seed, xbar_stream(XBAR_RNG_USER, (uint32_t)l, 1), 0);
        for (size_t k = 0; k < L->rows; k++) L->b[k] = (2.0f * L->b[k] - 1.0f) * bound;
    }
    return 1;
}

xbar_net *xbar_net_new(const xbar_layer_spec *layers, size_t n_layers, size_t in_c, size_t in_h, size_t in_w,
                       uint64_t seed)
{
    if (!layers || !n_layers) return xbar_fail_null(XBAR_EINVAL, "network: no layers");
    if (!in_c || !in_h || !in_w)
        return xbar_fail_null(XBAR_EINVAL, "network: input shape %zux%zux%zu: must be positive", in_c, in_h, in_w);
    xbar_net *net = calloc(1, sizeof *net);
    if (!net || !(net->L = calloc(n_layers, sizeof(nn_layer)))) {
        free(net);
        return xbar_fail_null(XBAR_ENOMEM, "network: out of memory");
    }
    net->n = n_layers;
    net->in_c = in_c, net->in_h = in_h, net->in_w = in_w, net->in_size = mul_sat(in_c, mul_sat(in_h, in_w));
    if (net->in_size > NN_MAX_SIZE) {
        xbar_fail(XBAR_EINVAL, "network: input shape %zux%zux%zu: too large", in_c, in_h, in_w);
        goto fail;
    }
    /* every shape first, so that a misfit or an absurd size is refused before any weight is allocated */
    size_t c = in_c, h = in_h, w = in_w;
    for (size_t l = 0; l < n_layers; l++) {
        nn_layer *L = &net->L[l];
        L->s = layers[l];
        L->ic = c, L->ih = h, L->iw = w, L->in_size = c * h * w;
        if (!layer_shape(L, l, &L->s)) goto fail;
        const int last = l + 1 == n_layers;
        const int weighted = L->s.kind == XBAR_LAYER_LINEAR || L->s.kind == XBAR_LAYER_CONV2D;
        if (last && (!weighted || L->oh != 1 || L->ow != 1 || L->oc < 2)) {
            LFAIL(l, L->s.kind, "the last layer must be linear or conv2d with output (n,1,1), n >= 2; got %zux%zux%zu",
                  L->oc, L->oh, L->ow);
            goto fail;
        }
        c = L->oc, h = L->oh, w = L->ow;
    }
    for (size_t l = 0; l < n_layers; l++) {
        nn_layer *L = &net->L[l];
        if ((L->s.kind == XBAR_LAYER_LINEAR || L->s.kind == XBAR_LAYER_CONV2D) && !layer_params(L, l, seed)) goto fail;
    }
    return net;
fail:
    xbar_net_free(net);
    return NULL;
}

static void free_work(nn_layer *L)
{
    free(L->xc), free(L->dxc), free(L->prod), free(L->d), free(L->arg), free(L->out), free(L->g);
    L->xc = L->dxc = L->prod = L->d = L->out = L->g = NULL;
    L->arg = NULL;
}

void xbar_net_free(xbar_net *net)
{
    if (!net) return;
    for (size_t l = 0; l < net->n; l++) {
        nn_layer *L = &net->L[l];
        free_work(L);
        xbar_aw_free(L->aw);
        free(L->gw), free(L->b), free(L->acc);
    }
    free(net->L);
    free(net->x);
    free(net);
}

/* XBAR_EINVAL if the work space of `batch` samples would be too large. */
static xbar_status check_batch(const xbar_net *net, size_t batch)
{
    for (size_t l = 0; l < net->n; l++)
        if (batch > ((size_t)1 << 30) / net->L[l].P)
            return xbar_fail(XBAR_EINVAL, "network: batch %zu too large for layer %zu", batch, l);
    return XBAR_OK;
}

/* XBAR_EINVAL unless labels[0..n) are < out_size. */
static xbar_status check_labels(const xbar_net *net, const uint8_t *labels, size_t n, const char *fn)
{
    const size_t K = net->L[net->n - 1].out_size;
    for (size_t b = 0; b < n; b++)
        if (labels[b] >= K)
            return xbar_fail(XBAR_EINVAL, "%s: label %u of sample %zu >= %zu classes", fn, labels[b], b, K);
    return XBAR_OK;
}

/* Work space for `batch` samples (grown, never shrunk). */
static xbar_status ensure(xbar_net *net, size_t batch)
{
    if (batch <= net->cap) return XBAR_OK;
    xbar_status s = check_batch(net, batch);
    if (s) return s;
    free(net->x);
    int ok = (net->x = malloc(batch * net->in_size * sizeof(float))) != NULL;
    for (size_t l = 0; ok && l < net->n; l++) {
        nn_layer *L = &net->L[l];
        free_work(L);
        const size_t n = batch * L->P;
        ok = (L->out = malloc(batch * L->out_size * sizeof(float))) && (L->g = malloc(batch * L->out_size * sizeof(float)));
        if (ok && L->has_w) ok = (L->prod = malloc(n * L->rows * sizeof(float))) && (L->d = malloc(n * L->rows * sizeof(float)));
        if (ok && L->s.kind == XBAR_LAYER_CONV2D)
            ok = (L->xc = malloc(n * L->cols * sizeof(float))) && (L->dxc = malloc(n * L->cols * sizeof(float)));
        if (ok && L->s.kind == XBAR_LAYER_MAXPOOL) ok = (L->arg = malloc(batch * L->out_size * sizeof(int32_t))) != NULL;
    }
    if (!ok) {
        net->cap = 0;
        net->state = ST_NONE;
        return xbar_fail(XBAR_ENOMEM, "network: out of memory for a batch of %zu", batch);
    }
    net->cap = batch;
    return XBAR_OK;
}

/* ---- queries --------------------------------------------------------------- */

size_t xbar_net_n_layers(const xbar_net *net) { return net ? net->n : 0; }
size_t xbar_net_in_size(const xbar_net *net) { return net ? net->in_size : 0; }
size_t xbar_net_out_size(const xbar_net *net) { return net ? net->L[net->n - 1].out_size : 0; }

/* XBAR_EINVAL unless l is a layer of net. */
static xbar_status check_layer(const xbar_net *net, size_t l, const char *fn)
{
    return l < net->n ? XBAR_OK : xbar_fail(XBAR_EINVAL, "%s: layer %zu >= %zu layers", fn, l, net->n);
}

xbar_status xbar_net_layer_shape(const xbar_net *net, size_t l, size_t *c, size_t *h, size_t *w)
{
    XBAR_NONNULL(net);
    xbar_status s = check_layer(net, l, __func__);
    if (s) return s;
    const nn_layer *L = &net->L[l];
    if (c) *c = L->oc;
    if (h) *h = L->oh;
    if (w) *w = L->ow;
    return XBAR_OK;
}

xbar_status xbar_net_describe(const xbar_net *net, char *buf, size_t cap)
{
    XBAR_NONNULL(net);
    XBAR_NONNULL(buf);
    size_t pos = 0;
    if (!cap) return XBAR_OK;
    buf[0] = 0;
    for (size_t l = 0; l < net->n && pos < cap; l++) {
        const nn_layer *L = &net->L[l];
        int k = snprintf(buf + pos, cap - pos, "%zu %s %zux%zux%zu -> %zux%zux%zu", l, xbar_layer_kind_name(L->s.kind),
                         L->ic, L->ih, L->iw, L->oc, L->oh, L->ow);
        if (k > 0) pos += (size_t)k;
        if (pos < cap && L->s.kind == XBAR_LAYER_CONV2D)
            k = snprintf(buf + pos, cap - pos, "  k%zu s%zu p%zu", L->s.kernel, L->s.stride, L->s.padding);
        else if (pos < cap && L->s.kind == XBAR_LAYER_MAXPOOL)
            k = snprintf(buf + pos, cap - pos, "  k%zu", L->s.kernel);
        else
            k = 0;
        if (k > 0) pos += (size_t)k;
        if (pos < cap && L->has_w) {
            if (L->analog)
                k = snprintf(buf + pos, cap - pos, "  analog %s  %zux%zu tile%s", xbar_opt_kind_name(L->s.opt.kind),
                             L->rows, L->cols, xbar_opt_tiles(&L->s.opt) > 1 ? "s" : "");
            else
                k = snprintf(buf + pos, cap - pos, "  digital  %zux%zu", L->rows, L->cols);
            if (k > 0) pos += (size_t)k;
        }
        if (pos < cap) {
            k = snprintf(buf + pos, cap - pos, "\n");
            if (k > 0) pos += (size_t)k;
        }
    }
    return XBAR_OK;
}

xbar_status xbar_net_param(xbar_net *net, size_t l, xbar_param_kind which, float **value, float **grad, size_t *n)
{
    XBAR_NONNULL(net);
    if (l >= net->n) return xbar_fail(XBAR_EINVAL, "param: layer %zu >= %zu layers", l, net->n);
    nn_layer *L = &net->L[l];
    float *v = NULL, *g = NULL;
    size_t cnt = 0;
    if (which == XBAR_PARAM_WEIGHT && L->has_w) {
        v = xbar_aw_digital_weights(L->aw), g = L->gw, cnt = L->rows * L->cols;
    } else if (which == XBAR_PARAM_BIAS && L->b) {
        v = L->b, g = L->gb, cnt = L->rows;
    } else if (which == XBAR_PARAM_SCALE && L->has_scale) {
        v = &L->scale, g = &L->gscale, cnt = 1;
    } else {
        return xbar_fail(XBAR_EINVAL, "param: layer %zu (%s) has no parameter %d", l, xbar_layer_kind_name(L->s.kind),
                         (int)which);
    }
    if (value) *value = v;
    if (grad) *grad = g;
    if (n) *n = cnt;
    return XBAR_OK;
}

xbar_aw *xbar_net_layer_aw(xbar_net *net, size_t l)
{
    XBAR_NONNULL_OR(NULL, net);
    if (check_layer(net, l, __func__)) return NULL;
    return net->L[l].analog ? net->L[l].aw : NULL;
}

uint64_t xbar_net_pulse_count(const xbar_net *net)
{
    if (!net) return 0;
    uint64_t p = 0;
    for (size_t l = 0; l < net->n; l++)
        if (net->L[l].analog) p += xbar_aw_pulse_count(net->L[l].aw);
    return p;
}

xbar_status xbar_net_pulse_counts(const xbar_net *net, xbar_pulse_counts *pc)
{
    XBAR_NONNULL(net);
    XBAR_NONNULL(pc);
    memset(pc, 0, sizeof *pc);
    for (size_t l = 0; l < net->n; l++) {
        xbar_pulse_counts c;
        if (!net->L[l].analog || xbar_aw_pulse_counts(net->L[l].aw, &c)) continue;
        pc->grad_pulses += c.grad_pulses, pc->transfer_pulses += c.transfer_pulses;
        pc->reads += c.reads, pc->writes += c.writes, pc->calib_pulses += c.calib_pulses;
        pc->prog_events += c.prog_events;
    }
    return XBAR_OK;
}

xbar_status xbar_net_observe_loss(xbar_net *net, double loss)
{
    XBAR_NONNULL(net);
    if (!isfinite(loss)) return xbar_fail(XBAR_EINVAL, "xbar_net_observe_loss: loss %g is not finite", loss);
    for (size_t l = 0; l < net->n; l++)
        if (net->L[l].analog) xbar_aw_observe_loss(net->L[l].aw, loss);
    return XBAR_OK;
}

int xbar_net_find_nonfinite(const xbar_net *net, unsigned which, xbar_nonfinite *where)
{
    XBAR_NONNULL_OR(0, net);
    enum { NQ = 16 }; /* the optimizer's arrays, then bias, output scale, activations, gradients (2) */
    const int params = (which & XBAR_FIND_PARAMS) != 0;
    const int acts = (which & XBAR_FIND_ACTIVATIONS) && net->batch && net->batch <= net->cap;
    const int grads = (which & XBAR_FIND_GRADIENTS) && net->state == ST_BACKWARD;
    for (size_t l = 0; l < net->n; l++) {
        const nn_layer *L = &net->L[l];
        const float *v[NQ] = {NULL};
        const char *what[NQ] = {NULL};
        size_t cnt[NQ] = {0}, q = 0;
        const size_t na = params && L->has_w ? xbar_aw_n_arrays(L->aw) : 0;
        for (size_t k = 0; k < na && q < NQ - 5; k++, q++) v[q] = xbar_aw_array(L->aw, k, &what[q], &cnt[q]);
        if (params && L->b) v[q] = L->b, what[q] = "bias", cnt[q++] = L->rows;
        if (params && L->has_scale) v[q] = &L->scale, what[q] = "output scale", cnt[q++] = 1;
        if (acts && L->out) v[q] = L->out, what[q] = "activations", cnt[q++] = net->batch * L->out_size;
        if (grads && L->g) v[q] = L->g, what[q] = "gradients", cnt[q++] = net->batch * L->out_size;
        if (grads && L->analog && L->d) v[q] = L->d, what[q] = "gradients", cnt[q++] = net->batch * L->P * L->rows;
        for (size_t i = 0; i < q; i++) {
            const size_t k = v[i] ? xbar_first_nonfinite(v[i], cnt[i]) : 0;
            if (!v[i] || k == cnt[i]) continue;
            if (where) {
                where->layer = l, where->kind = L->s.kind, where->what = what[i], where->index = k;
                where->value = v[i][k];
                where->rows = L->has_w ? L->rows : 0, where->cols = L->has_w ? L->cols : 0;
            }
            return 1;
        }
    }
    return 0;
}

/* ---- training -------------------------------------------------------------- */

static const float *layer_in(const xbar_net *net, size_t l) { return l ? net->L[l - 1].out : net->x; }

xbar_status xbar_net_forward(xbar_net *net, float *Y, const float *X, size_t batch)
{
    XBAR_NONNULL(net);
    XBAR_NONNULL(X);
    if (!batch) return xbar_fail(XBAR_EINVAL, "forward: empty batch");
    xbar_status s = check_batch(net, batch);
    if (!s) s = xbar_check_finite(__func__, "X", X, batch * net->in_size); /* kept for the step */
    if (!s) s = ensure(net, batch);
    if (s) return s;
    net->state = ST_NONE;
    memcpy(net->x, X, batch * net->in_size * sizeof(float));
    for (size_t l = 0; l < net->n; l++)
        if ((s = nn_layer_forward(&net->L[l], layer_in(net, l), batch)))
            return xbar_fail(s, "forward: layer %zu: %s", l, xbar_msg("%s", xbar_last_error()));
    net->batch = batch;
    net->state = ST_FORWARD;
    if (Y) memcpy(Y, net->L[net->n - 1].out, batch * xbar_net_out_size(net) * sizeof(float));
    return XBAR_OK;
}

/* Log-softmax + NLL of the last forward: summed loss; seeds dL/dlogits of the mean if `seed`. */
static xbar_status loss_sum(xbar_net *net, const uint8_t *labels, int seed, double *sum, size_t *correct)
{
    if (net->state < ST_FORWARD) return xbar_fail(XBAR_EINVAL, "loss: no forward pass to take the loss of");
    nn_layer *L = &net->L[net->n - 1];
    const size_t K = L->out_size, B = net->batch;
    for (size_t b = 0; b < B; b++)
        if (labels[b] >= K) return xbar_fail(XBAR_EINVAL, "loss: label %u of sample %zu >= %zu classes", labels[b], b, K);
    double tot = 0.0;
    size_t ok = 0;
    for (size_t b = 0; b < B; b++) {
        const float *z = L->out + b * K;
        size_t am = 0;
        for (size_t k = 1; k < K; k++)
            if (z[k] > z[am]) am = k;
        const double m = z[am];
        double se = 0.0;
        for (size_t k = 0; k < K; k++) se += exp((double)z[k] - m);
        tot += m + log(se) - z[labels[b]];
        ok += am == labels[b];
        if (seed)
            for (size_t k = 0; k < K; k++)
                L->g[b * K + k] = (float)((exp((double)z[k] - m) / se - (k == labels[b])) / (double)B);
    }
    if (sum) *sum = tot;
    if (correct) *correct = ok;
    return XBAR_OK;
}

xbar_status xbar_net_loss(xbar_net *net, const uint8_t *labels, size_t batch, double *loss, size_t *correct)
{
    XBAR_NONNULL(net);
    XBAR_NONNULL(labels);
    if (net->state >= ST_FORWARD && batch != net->batch)
        return xbar_fail(XBAR_EINVAL, "loss: batch %zu, the last forward had %zu", batch, net->batch);
    double s = 0.0;
    xbar_status st = loss_sum(net, labels, 1, &s, correct);
    if (st) return st;
    if (loss) *loss = s / (double)batch;
    net->state = ST_LOSS;
    return XBAR_OK;
}

xbar_status xbar_net_backward(xbar_net *net, float *dX)
{
    XBAR_NONNULL(net);
    if (net->state < ST_LOSS) return xbar_fail(XBAR_EINVAL, "backward: call xbar_net_loss after the forward first");
    for (size_t l = net->n; l-- > 0;) {
        float *din = l ? net->L[l - 1].g : dX;
        xbar_status s = nn_layer_backward(&net->L[l], layer_in(net, l), din, net->batch);
        if (s) return xbar_fail(s, "backward: layer %zu: %s", l, xbar_msg("%s", xbar_last_error()));
    }
    net->state = ST_BACKWARD;
    return XBAR_OK;
}

/* The step of xbar_net_step after its checks (lr >= 0 and finite, a backward pass done). */
static xbar_status step(xbar_net *net, float lr)
{
    for (size_t l = 0; l < net->n; l++) {
        nn_layer *L = &net->L[l];
        if (!L->has_w) continue;
        xbar_status s;
        if (L->analog) {
            const float *xc = L->s.kind == XBAR_LAYER_CONV2D ? L->xc : layer_in(net, l);
            s = xbar_aw_update_unchecked(L->aw, xc, L->d, net->batch * L->P, lr);
        } else {
            s = xbar_aw_step_dense_unchecked(L->aw, L->gw, lr);
        }
        if (s) return xbar_fail(s, "step: layer %zu: %s", l, xbar_msg("%s", xbar_last_error()));
        if (L->b)
            for (size_t o = 0; o < L->rows; o++) L->b[o] -= lr * L->gb[o];
        if (L->has_scale) L->scale -= lr * L->gscale;
    }
    net->state = ST_NONE;
    return XBAR_OK;
}

xbar_status xbar_net_step(xbar_net *net, float lr)
{
    XBAR_NONNULL(net);
    if (!(lr >= 0.0f) || !isfinite(lr)) return xbar_fail(XBAR_EINVAL, "step: learning rate %g: must be >= 0", (double)lr);
    if (net->state != ST_BACKWARD) return xbar_fail(XBAR_EINVAL, "step: no backward pass since the last forward / step");
    return step(net, lr);
}

xbar_status xbar_net_train_batch(xbar_net *net, const float *X, const uint8_t *labels, size_t batch, float lr,
                                 double *loss, size_t *correct)
{
    /* every argument first, so that a refused call changes nothing */
    XBAR_NONNULL(net);
    XBAR_NONNULL(X);
    XBAR_NONNULL(labels);
    if (!(lr >= 0.0f) || !isfinite(lr))
        return xbar_fail(XBAR_EINVAL, "train_batch: learning rate %g: must be >= 0", (double)lr);
    xbar_status s = check_batch(net, batch);
    if (!s) s = check_labels(net, labels, batch, __func__);
    if (!s) s = xbar_net_forward(net, NULL, X, batch);
    if (!s) s = xbar_net_loss(net, labels, batch, loss, correct);
    if (!s) s = xbar_net_backward(net, NULL);
    return s ? s : step(net, lr); /* lr checked above */
}

xbar_status xbar_net_evaluate(xbar_net *net, const float *X, const uint8_t *labels, size_t n, size_t batch,
                              double *loss_sum_out, size_t *correct)
{
    XBAR_NONNULL(net);
    XBAR_NONNULL(X);
    XBAR_NONNULL(labels);
    if (!batch) return xbar_fail(XBAR_EINVAL, "evaluate: batch = 0");
    xbar_status c0 = check_batch(net, batch < n ? batch : n);
    if (!c0 && n > SIZE_MAX / sizeof(float) / net->in_size)
        c0 = xbar_fail(XBAR_EINVAL, "evaluate: n = %zu: too large", n);
    if (!c0) c0 = xbar_check_finite(__func__, "X", X, n * net->in_size);
    if (!c0) c0 = check_labels(net, labels, n, __func__);
    if (c0) return c0;
    double tot = 0.0;
    size_t ok = 0;
    for (size_t i = 0; i < n; i += batch) {
        const size_t bs = n - i < batch ? n - i : batch;
        double s = 0.0;
        size_t c = 0;
        xbar_status st = xbar_net_forward(net, NULL, X + i * net->in_size, bs);
        if (!st) st = loss_sum(net, labels + i, 0, &s, &c);
        if (st) return st;
        tot += s, ok += c;
    }
    net->state = ST_NONE;
    if (loss_sum_out) *loss_sum_out = tot;
    if (correct) *correct = ok;
    return XBAR_OK;
}

/* ---- checkpoints ----------------------------------------------------------- */

#define NET_VERSION 1u
#define TRY XBAR_CK_TRY

xbar_status xbar_net_save(const xbar_net *net, FILE *f)
{
    XBAR_NONNULL(net);
    XBAR_NONNULL(f);
    if (fwrite("XBNT", 1, 4, f) != 4) return xbar_fail(XBAR_EIO, "checkpoint: write failed");
    TRY(xbar_ck_put_u32(f, NET_VERSION));
    TRY(xbar_ck_put_u32(f, (uint32_t)net->n));
    TRY(xbar_ck_put_u64(f, net->in_c));
    TRY(xbar_ck_put_u64(f, net->in_h));
    TRY(xbar_ck_put_u64(f, net->in_w));
    for (size_t l = 0; l < net->n; l++) {
        const nn_layer *L = &net->L[l];
        TRY(xbar_ck_put_u32(f, (uint32_t)L->s.kind));
        TRY(xbar_ck_put_u32(f, L->has_w ? (uint32_t)L->s.opt.kind : 0u));
        TRY(xbar_ck_put_u32(f, (L->b ? 1u : 0u) | (L->has_scale ? 2u : 0u)));
        TRY(xbar_ck_put_u64(f, L->oc));
        TRY(xbar_ck_put_u64(f, L->oh));
        TRY(xbar_ck_put_u64(f, L->ow));
    }
    for (size_t l = 0; l < net->n; l++) {
        const nn_layer *L = &net->L[l];
        if (!L->has_w) continue;
        if (L->b) TRY(xbar_ck_put_f32s(f, L->b, L->rows));
        if (L->has_scale) TRY(xbar_ck_put_f32s(f, &L->scale, 1));
        TRY(xbar_aw_save(L->aw, f));
    }
    return fflush(f) ? xbar_fail(XBAR_EIO, "checkpoint: write failed") : XBAR_OK;
}

/* Re-fail with the layer named: "checkpoint: layer l (kind): <rest>". */
static xbar_status layer_ctx(xbar_status s, size_t l, const nn_layer *L)
{
    char m[512];
    const char *e = xbar_last_error();
    snprintf(m, sizeof m, "%s", strncmp(e, "checkpoint: ", 12) ? e : e + 12);
    return xbar_fail(s, "checkpoint: layer %zu (%s): %s", l, xbar_layer_kind_name(L->s.kind), m);
}

xbar_status xbar_net_load(xbar_net *net, FILE *f)
{
    XBAR_NONNULL(net);
    XBAR_NONNULL(f);
    char tag[4];
    uint32_t ver, n, u[3];
    uint64_t d[3];
    if (fread(tag, 1, 4, f) != 4) return xbar_fail(XBAR_EFORMAT, "checkpoint: truncated");
    if (memcmp(tag, "XBNT", 4)) return xbar_fail(XBAR_EFORMAT, "checkpoint: not a network checkpoint");
    TRY(xbar_ck_get_u32(f, &ver));
    if (ver != NET_VERSION) return xbar_fail(XBAR_EFORMAT, "checkpoint: network version %u, expected %u", ver, NET_VERSION);
    TRY(xbar_ck_get_u32(f, &n));
    if (n != net->n) return xbar_fail(XBAR_EFORMAT, "checkpoint: %u layers, expected %zu", n, net->n);
    for (int k = 0; k < 3; k++) TRY(xbar_ck_get_u64(f, &d[k]));
    if (d[0] != net->in_c || d[1] != net->in_h || d[2] != net->in_w)
        return xbar_fail(XBAR_EFORMAT, "checkpoint: input %llux%llux%llu, expected %zux%zux%zu", (unsigned long long)d[0],
                         (unsigned long long)d[1], (unsigned long long)d[2], net->in_c, net->in_h, net->in_w);
    for (size_t l = 0; l < net->n; l++) {
        const nn_layer *L = &net->L[l];
        for (int k = 0; k < 3; k++) TRY(xbar_ck_get_u32(f, &u[k]));
        for (int k = 0; k < 3; k++) TRY(xbar_ck_get_u64(f, &d[k]));
        if (u[0] != (uint32_t)L->s.kind)
            return xbar_fail(XBAR_EFORMAT, "checkpoint: layer %zu: kind %s, expected %s", l,
                             xbar_layer_kind_name((xbar_layer_kind)u[0]), xbar_layer_kind_name(L->s.kind));
        if (d[0] != L->oc || d[1] != L->oh || d[2] != L->ow)
            return xbar_fail(XBAR_EFORMAT, "checkpoint: layer %zu (%s): output %llux%llux%llu, expected %zux%zux%zu", l,
                             xbar_layer_kind_name(L->s.kind), (unsigned long long)d[0], (unsigned long long)d[1],
                             (unsigned long long)d[2], L->oc, L->oh, L->ow);
        if (L->has_w && u[1] != (uint32_t)L->s.opt.kind)
            return xbar_fail(XBAR_EFORMAT, "checkpoint: layer %zu (%s): optimizer %s, expected %s", l,
                             xbar_layer_kind_name(L->s.kind), xbar_opt_kind_name((xbar_opt_kind)u[1]),
                             xbar_opt_kind_name(L->s.opt.kind));
        if (!L->has_w && u[1] != 0)
            return xbar_fail(XBAR_EFORMAT, "checkpoint: layer %zu (%s): optimizer field %u, expected 0 (no weights)", l,
                             xbar_layer_kind_name(L->s.kind), u[1]);
        if (u[2] != ((L->b ? 1u : 0u) | (L->has_scale ? 2u : 0u)))
            return xbar_fail(XBAR_EFORMAT, "checkpoint: layer %zu (%s): bias / out_scaling flags %u, expected %u", l,
                             xbar_layer_kind_name(L->s.kind), u[2], (L->b ? 1u : 0u) | (L->has_scale ? 2u : 0u));
    }
    for (size_t l = 0; l < net->n; l++) {
        nn_layer *L = &net->L[l];
        if (!L->has_w) continue;
        xbar_status s = L->b ? xbar_ck_get_f32s(f, L->b, L->rows) : XBAR_OK;
        if (!s && L->has_scale) s = xbar_ck_get_f32s(f, &L->scale, 1);
        if (!s && ((L->b && xbar_first_nonfinite(L->b, L->rows) < L->rows) || !isfinite(L->scale)))
            s = xbar_fail(XBAR_EFORMAT, "checkpoint: bias or output scale not finite");
        if (!s) s = xbar_aw_load(L->aw, f);
        if (s) return layer_ctx(s, l, L);
    }
    net->state = ST_NONE;
    return XBAR_OK;
}
