/* nn_layers.c - forward / backward kernels of the network layers: LINEAR and
 * CONV2D (im2col rows through the optimizer's weight: one product per layer
 * and batch), MAXPOOL, SIGMOID, TANH, RELU. Parallel loops only split
 * independent outputs (samples, planes, elements); every sum runs in a fixed
 * order, so results do not depend on the thread count. */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "nn_internal.h"

#define PAR_MIN 4096 /* elements below which loops stay serial */

/* ---- im2col / col2im ------------------------------------------------------ */

/* dst[0..k) = src[0..k) (add: +=), with the common kernel sizes as constants, so that the
 * copy is a few moves instead of a library call. */
static inline __attribute__((always_inline)) void span_k(float *dst, const float *src, size_t k, int add)
{
    if (add)
        for (size_t i = 0; i < k; i++) dst[i] += src[i];
    else
        for (size_t i = 0; i < k; i++) dst[i] = src[i];
}
static inline void span(float *dst, const float *src, size_t k, int add)
{
    switch (k) {
    case 3: span_k(dst, src, 3, add); break;
    case 5: span_k(dst, src, 5, add); break;
    default: span_k(dst, src, k, add); break;
    }
}

/* Row (b*P + oy*ow + ox) of xc: input patch in (c, ky, kx) order, zero padded. */
static void im2col(const nn_layer *L, float *xc, const float *in, size_t batch)
{
    const size_t k = L->s.kernel, st = L->s.stride, C = L->ic, OW = L->ow, cols = L->cols;
    const ptrdiff_t pad = (ptrdiff_t)L->s.padding, H = (ptrdiff_t)L->ih, W = (ptrdiff_t)L->iw;
    const size_t nr = batch * L->oh;
    XBAR_PAR_FOR(
        batch * L->P * cols > PAR_MIN, schedule(static), for (size_t r = 0; r < nr; r++) {
            const size_t b = r / L->oh, oy = r % L->oh;
            const float *x = in + b * L->in_size;
            float *row = xc + r * OW * cols;
            if (!pad) { /* every patch inside the input: k contiguous floats per (c, ky) */
                for (size_t ox = 0; ox < OW; ox++)
                    for (size_t c = 0; c < C; c++)
                        for (size_t ky = 0; ky < k; ky++, row += k)
                            span(row, x + (c * (size_t)H + oy * st + ky) * (size_t)W + ox * st, k, 0);
                continue;
            }
            for (size_t ox = 0; ox < OW; ox++)
                for (size_t c = 0; c < C; c++)
                    for (size_t ky = 0; ky < k; ky++) {
                        const ptrdiff_t y = (ptrdiff_t)(oy * st + ky) - pad;
                        for (size_t kx = 0; kx < k; kx++) {
                            const ptrdiff_t xx = (ptrdiff_t)(ox * st + kx) - pad;
                            *row++ = (y >= 0 && y < H && xx >= 0 && xx < W) ? x[((ptrdiff_t)c * H + y) * W + xx] : 0.0f;
                        }
                    }
        });
}

/* din = sum of the patches of dxc back onto the input, per sample in order. */
static void col2im(const nn_layer *L, float *din, const float *dxc, size_t batch)
{
    const size_t k = L->s.kernel, st = L->s.stride, C = L->ic, P = L->P, cols = L->cols;
    const ptrdiff_t pad = (ptrdiff_t)L->s.padding, H = (ptrdiff_t)L->ih, W = (ptrdiff_t)L->iw;
    XBAR_PAR_FOR(
        batch * P * cols > PAR_MIN, schedule(static), for (size_t b = 0; b < batch; b++) {
            float *x = din + b * L->in_size;
            memset(x, 0, L->in_size * sizeof(float));
            const float *row = dxc + b * P * cols;
            if (!pad) { /* the same sums in the same order, without the bounds tests */
                for (size_t oy = 0; oy < L->oh; oy++)
                    for (size_t ox = 0; ox < L->ow; ox++)
                        for (size_t c = 0; c < C; c++)
                            for (size_t ky = 0; ky < k; ky++, row += k)
                                span(x + (c * (size_t)H + oy * st + ky) * (size_t)W + ox * st, row, k, 1);
                continue;
            }
            for (size_t oy = 0; oy < L->oh; oy++)
                for (size_t ox = 0; ox < L->ow; ox++)
                    for (size_t c = 0; c < C; c++)
                        for (size_t ky = 0; ky < k; ky++) {
                            const ptrdiff_t y = (ptrdiff_t)(oy * st + ky) - pad;
                            for (size_t kx = 0; kx < k; kx++, row++) {
                                const ptrdiff_t xx = (ptrdiff_t)(ox * st + kx) - pad;
                                if (y >= 0 && y < H && xx >= 0 && xx < W) x[((ptrdiff_t)c * H + y) * W + xx] += *row;
                            }
                        }
        });
}

/* ---- LINEAR / CONV2D ------------------------------------------------------ */

static xbar_status weight_forward(nn_layer *L, const float *in, size_t batch)
{
    const size_t P = L->P, m = L->rows, n = batch * P;
    const float *xc = in;
    if (L->s.kind == XBAR_LAYER_CONV2D) {
        im2col(L, L->xc, in, batch);
        xc = L->xc;
    }
    xbar_status s = xbar_aw_forward(L->aw, L->prod, xc, n);
    if (s) return s;
    const float sc = L->scale;
    /* out[b][o][p] = scale * prod[b*P + p][o] + bias[o] */
    if (P == 1) { /* LINEAR: out and prod share the layout [b][o] */
        XBAR_PAR_FOR(
            n * m > PAR_MIN, schedule(static), for (size_t b = 0; b < batch; b++) {
                float *y = L->out + b * m;
                const float *pr = L->prod + b * m;
                if (L->b)
                    for (size_t o = 0; o < m; o++) y[o] = sc * pr[o] + L->b[o];
                else
                    for (size_t o = 0; o < m; o++) y[o] = sc * pr[o] + 0.0f;
            });
        return XBAR_OK;
    }
    XBAR_PAR_FOR(
        n * m > PAR_MIN, schedule(static), for (size_t bo = 0; bo < batch * m; bo++) {
            const size_t b = bo / m, o = bo % m;
            const float bias = L->b ? L->b[o] : 0.0f;
            float *y = L->out + bo * P;
            const float *pr = L->prod + b * P * m + o;
            for (size_t p = 0; p < P; p++) y[p] = sc * pr[p * m] + bias;
        });
    return XBAR_OK;
}

static xbar_status weight_backward(nn_layer *L, const float *in, float *din, size_t batch)
{
    const size_t P = L->P, m = L->rows, n = batch * P;
    const float sc = L->scale;
    /* d[b*P + p][o] = scale * g[b][o][p]; per output o: bias and scale sums in a fixed order
     * (b, then p); LINEAR (P = 1) walks b outside so the loops over o are contiguous */
    if (P == 1) {
        double *sb = L->acc, *ss = L->acc + m;
        for (size_t o = 0; o < m; o++) sb[o] = 0.0, ss[o] = 0.0;
        for (size_t b = 0; b < batch; b++) {
            const float *g = L->g + b * m, *pr = L->prod + b * m;
            float *d = L->d + b * m;
            for (size_t o = 0; o < m; o++) {
                d[o] = sc * g[o];
                sb[o] += g[o];
                ss[o] += (double)g[o] * pr[o];
            }
        }
    } else
        XBAR_PAR_FOR(
            n * m > PAR_MIN, schedule(static), for (size_t o = 0; o < m; o++) {
                double sb = 0.0, ss = 0.0;
                for (size_t b = 0; b < batch; b++) {
                    const float *g = L->g + (b * m + o) * P;
                    const size_t r0 = b * P * m + o;
                    for (size_t p = 0; p < P; p++) {
                        L->d[r0 + p * m] = sc * g[p];
                        sb += g[p];
                        ss += (double)g[p] * L->prod[r0 + p * m];
                    }
                }
                L->acc[o] = sb;
                L->acc[m + o] = ss;
            });
    if (L->gb)
        for (size_t o = 0; o < m; o++) L->gb[o] = (float)L->acc[o];
    if (L->has_scale) {
        double ss = 0.0;
        for (size_t o = 0; o < m; o++) ss += L->acc[m + o];
        L->gscale = (float)ss;
    }
    const int conv = L->s.kind == XBAR_LAYER_CONV2D;
    const float *xc = conv ? L->xc : in;
    if (L->gw) xbar_sgemm(1, 0, m, L->cols, n, 1.0f, L->d, m, xc, L->cols, 0.0f, L->gw, L->cols);
    if (!din) return XBAR_OK;
    xbar_status s = xbar_aw_backward(L->aw, conv ? L->dxc : din, L->d, n);
    if (s) return s;
    if (conv) col2im(L, din, L->dxc, batch);
    return XBAR_OK;
}

/* ---- MAXPOOL -------------------------------------------------------------- */

static void pool_forward(nn_layer *L, const float *in, size_t batch)
{
    const size_t k = L->s.kernel, OH = L->oh, OW = L->ow, W = L->iw, C = L->ic;
    XBAR_PAR_FOR(
        batch * L->in_size > PAR_MIN, schedule(static), for (size_t bc = 0; bc < batch * C; bc++) {
            const size_t b = bc / C, c = bc % C;
            const float *x = in + b * L->in_size;
            for (size_t oy = 0; oy < OH; oy++)
                for (size_t ox = 0; ox < OW; ox++) {
                    size_t best = (c * L->ih + oy * k) * W + ox * k;
                    for (size_t ky = 0; ky < k; ky++)
                        for (size_t kx = 0; kx < k; kx++) {
                            size_t i = (c * L->ih + oy * k + ky) * W + ox * k + kx;
                            if (x[i] > x[best]) best = i;
                        }
                    size_t o = bc * OH * OW + oy * OW + ox;
                    L->out[o] = x[best];
                    L->arg[o] = (int32_t)best;
                }
        });
}

static void pool_backward(nn_layer *L, float *din, size_t batch)
{
    const size_t per = L->out_size;
    XBAR_PAR_FOR(
        batch * L->in_size > PAR_MIN, schedule(static), for (size_t b = 0; b < batch; b++) {
            float *x = din + b * L->in_size;
            memset(x, 0, L->in_size * sizeof(float));
            for (size_t o = 0; o < per; o++) x[L->arg[b * per + o]] += L->g[b * per + o];
        });
}

/* ---- activations ---------------------------------------------------------- */

static void act_forward(nn_layer *L, const float *in, size_t batch)
{
    const size_t n = batch * L->out_size;
    float *y = L->out;
    switch (L->s.kind) {
    case XBAR_LAYER_SIGMOID:
        XBAR_PAR_FOR(n > PAR_MIN, schedule(static),
                     for (size_t i = 0; i < n; i++) y[i] = 1.0f / (1.0f + expf(-in[i])););
        break;
    case XBAR_LAYER_TANH: { /* the library's tanh (xmath.c): vectorised, the same bits everywhere */
        const size_t nt = (size_t)xbar_get_threads(), per = (n + nt - 1) / nt;
        XBAR_PAR_FOR(n > PAR_MIN, schedule(static),
                     for (size_t t = 0; t < nt; t++) if (t * per < n)
                         xbar_tanh_fill(y + t * per, in + t * per, n - t * per < per ? n - t * per : per););
        break;
    }
    default:
        XBAR_PAR_FOR(n > PAR_MIN, schedule(static), for (size_t i = 0; i < n; i++) y[i] = in[i] > 0.0f ? in[i] : 0.0f;);
        break;
    }
}

/* Derivatives from the output: sigmoid y(1-y), tanh 1-y^2, relu [y > 0]. */
static void act_backward(nn_layer *L, float *din, size_t batch)
{
    const size_t n = batch * L->out_size;
    const float *y = L->out, *g = L->g;
    switch (L->s.kind) {
    case XBAR_LAYER_SIGMOID:
        XBAR_PAR_FOR(n > PAR_MIN, schedule(static),
                     for (size_t i = 0; i < n; i++) din[i] = g[i] * (y[i] * (1.0f - y[i])););
        break;
    case XBAR_LAYER_TANH:
        XBAR_PAR_FOR(n > PAR_MIN, schedule(static),
                     for (size_t i = 0; i < n; i++) din[i] = g[i] * (1.0f - y[i] * y[i]););
        break;
    default:
        XBAR_PAR_FOR(n > PAR_MIN, schedule(static), for (size_t i = 0; i < n; i++) din[i] = y[i] > 0.0f ? g[i] : 0.0f;);
        break;
    }
}

/* ---- dispatch ------------------------------------------------------------- */

xbar_status nn_layer_forward(nn_layer *L, const float *in, size_t batch)
{
    switch (L->s.kind) {
    case XBAR_LAYER_LINEAR:
    case XBAR_LAYER_CONV2D: return weight_forward(L, in, batch);
    case XBAR_LAYER_MAXPOOL: pool_forward(L, in, batch); return XBAR_OK;
    default: act_forward(L, in, batch); return XBAR_OK;
    }
}

xbar_status nn_layer_backward(nn_layer *L, const float *in, float *din, size_t batch)
{
    switch (L->s.kind) {
    case XBAR_LAYER_LINEAR:
    case XBAR_LAYER_CONV2D: return weight_backward(L, in, din, batch);
    case XBAR_LAYER_MAXPOOL:
        if (din) pool_backward(L, din, batch);
        return XBAR_OK;
    default:
        if (din) act_backward(L, din, batch);
        return XBAR_OK;
    }
}
