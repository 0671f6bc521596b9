/* nn_internal.h - the layer object shared by nn.c (model, sequencing, loss,
 * step, checkpoints) and nn_layers.c (per-layer forward / backward kernels).
 * Not part of the public API. Buffers are batch-major; per sample a tensor is
 * (C, H, W) row-major. Weight products run on "rows" of the im2col matrix:
 * n = batch*P rows of `cols` inputs (P = output pixels, 1 for LINEAR), and
 * the product matrices (prod, d) are pixel-major: [batch*P][out]. */
#ifndef XBAR_NN_INTERNAL_H
#define XBAR_NN_INTERNAL_H

#include "internal.h"

typedef struct {
    xbar_layer_spec s;
    size_t ic, ih, iw, in_size;  /* input shape */
    size_t oc, oh, ow, out_size; /* output shape */
    /* LINEAR / CONV2D */
    int has_w, analog, has_scale;
    size_t rows, cols, P;        /* out, fan_in, output pixels per sample */
    xbar_aw *aw;
    float *gw;                   /* digital: dL/dW (rows x cols); NULL for analog */
    float *b, *gb;               /* bias and its gradient (rows); NULL without bias */
    float scale, gscale;         /* analog output scale (1 and 0 when off) */
    double *acc;                 /* 2*rows: per-output sums of the bias / scale gradients */
    /* work space for `cap` samples, grown by nn.c */
    float *xc, *dxc;             /* CONV2D: im2col rows and W^T d (batch*P x cols) */
    float *prod, *d;             /* W x as read, and the tile gradient scale*dy (batch*P x rows) */
    int32_t *arg;                /* MAXPOOL: input offset (within the sample) of each output */
    float *out, *g;              /* output and dL/d(output): batch x out_size */
} nn_layer;

/* L->out from the layer input `in` (batch x in_size). */
xbar_status nn_layer_forward(nn_layer *L, const float *in, size_t batch);
/* From L->g: parameter gradients (gw, gb, gscale), the tile gradient d, and
 * din = dL/d(in) unless din is NULL. `in` is the input of the last forward. */
xbar_status nn_layer_backward(nn_layer *L, const float *in, float *din, size_t batch);

#endif
