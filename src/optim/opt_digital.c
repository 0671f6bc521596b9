/* opt_digital.c - DIGITAL: float weights learned by plain SGD, W -= lr * grad
 * (the reference every analog optimizer is compared with). Checkpoint
 * payload: f32 w[rows*cols]; it keeps no header counters (no counters op: 0, 0). */
#include <string.h>

#include "ckpt.h"
#include "optim_ops.h"

typedef struct {
    float *w; /* rows*cols, row-major */
} digital;

#define ST(a) ((digital *)(a)->st)

static xbar_status create(xbar_aw *a, const xbar_tile_config *tc)
{
    (void)tc;
    digital *d = calloc(1, sizeof *d);
    if (!d || !(d->w = calloc(a->rows * a->cols, sizeof(float)))) {
        free(d);
        return xbar_fail(XBAR_ENOMEM, "optimizer: out of memory");
    }
    a->st = d;
    return XBAR_OK;
}

static void destroy(void *st)
{
    digital *d = st;
    if (d) free(d->w);
    free(d);
}

static size_t memory(const xbar_opt_params *o, const xbar_tile_config *tc)
{
    (void)o;
    return sizeof(digital) + tc->rows * tc->cols * sizeof(float);
}

static xbar_status update(xbar_aw *a, const float *X, const float *D, size_t batch, float lr)
{
    xbar_sgemm(1, 0, a->rows, a->cols, batch, -lr, D, a->rows, X, a->cols, 1.0f, ST(a)->w, a->cols);
    return XBAR_OK;
}

static xbar_status step_dense(xbar_aw *a, const float *G, float lr)
{
    float *w = ST(a)->w;
    const size_t n = a->rows * a->cols;
    for (size_t k = 0; k < n; k++) w[k] -= lr * G[k];
    return XBAR_OK;
}

static void get_weights(const xbar_aw *a, float *W) { memcpy(W, ST(a)->w, a->rows * a->cols * sizeof(float)); }
static void set_weights(xbar_aw *a, const float *W) { memcpy(ST(a)->w, W, a->rows * a->cols * sizeof(float)); }

static xbar_status mvm(xbar_aw *a, float *out, const float *in, size_t batch, int back)
{
    const size_t n_out = back ? a->cols : a->rows, n_in = back ? a->rows : a->cols;
    xbar_sgemm(0, !back, batch, n_out, n_in, 1.0f, in, n_in, ST(a)->w, a->cols, 0.0f, out, n_out);
    return XBAR_OK;
}

static float *float_weights(xbar_aw *a) { return ST(a)->w; }

static const float *array(const xbar_aw *a, size_t k, const char **what, size_t *n)
{
    if (k) return NULL;
    *what = "weights", *n = a->rows * a->cols;
    return ST(a)->w;
}

static xbar_status save(const xbar_aw *a, FILE *f) { return xbar_ck_put_f32s(f, ST(a)->w, a->rows * a->cols); }

static xbar_status load(xbar_aw *a, FILE *f, const uint64_t c[2])
{
    (void)c;
    const size_t n = a->rows * a->cols;
    float *w = malloc(n * sizeof(float));
    if (!w) return xbar_fail(XBAR_ENOMEM, "checkpoint: optimizer: out of memory");
    xbar_status s = xbar_ck_get_f32s(f, w, n);
    const size_t bad = s ? n : xbar_first_nonfinite(w, n); /* as a tile's: finite weights only */
    if (bad < n)
        s = xbar_fail(XBAR_EFORMAT, "checkpoint: optimizer: weight %zu is %g (not finite)", bad, (double)w[bad]);
    if (!s) memcpy(ST(a)->w, w, n * sizeof(float));
    free(w);
    return s;
}

const xbar_opt_ops xbar_opt_digital_ops = {
    .name = "digital",
    .summary = "float weights, plain SGD: W -= lr * grad",
    .tiles = 0,
    .keys = NULL,
    .create = create,
    .free = destroy,
    .memory = memory,
    .update = update,
    .step_dense = step_dense,
    .get_weights = get_weights,
    .set_weights = set_weights,
    .mvm = mvm,
    .float_weights = float_weights,
    .array = array,
    .save = save,
    .load = load,
};
