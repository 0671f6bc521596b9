/* opt_analog_sgd.c - ANALOG_SGD: one tile holds W and is updated through
 * device pulses (paper eq. 3 at the chosen pulse fidelity). Checkpoint
 * payload: the tile's "XBTL" record; it keeps no header counters (no counters op: 0, 0). */
#include "ckpt.h"
#include "optim_ops.h"

typedef struct {
    xbar_tile *A;
    float *dense; /* rows*cols: -lr*G of a dense step, allocated on the first one */
} analog_sgd;

#define ST(a) ((analog_sgd *)(a)->st)

static xbar_status create(xbar_aw *a, const xbar_tile_config *tc)
{
    analog_sgd *s = calloc(1, sizeof *s);
    if (!s) return xbar_fail(XBAR_ENOMEM, "optimizer: out of memory");
    a->st = s;
    s->A = xbar_tile_new(tc);
    return s->A ? XBAR_OK : XBAR_EINVAL;
}

static void destroy(void *st)
{
    analog_sgd *s = st;
    if (s) xbar_tile_free(s->A), free(s->dense);
    free(s);
}

static size_t memory(const xbar_opt_params *o, const xbar_tile_config *tc)
{
    (void)o;
    return sizeof(analog_sgd) + xbar_tile_memory_bytes(tc);
}

static xbar_status update(xbar_aw *a, const float *X, const float *D, size_t batch, float lr)
{
    return xbar_tile_update_unchecked(ST(a)->A, X, D, batch, lr);
}

static xbar_status step_dense(xbar_aw *a, const float *G, float lr)
{
    const size_t n = a->rows * a->cols;
    float *buf = xbar_opt_buffer(&ST(a)->dense, n, "a dense step");
    if (!buf) return XBAR_ENOMEM;
    for (size_t k = 0; k < n; k++) buf[k] = -lr * G[k];
    return xbar_tile_apply_delta_unchecked(ST(a)->A, buf);
}

static void get_weights(const xbar_aw *a, float *W) { xbar_tile_get_weights(ST(a)->A, W, a->cols); }
static void set_weights(xbar_aw *a, const float *W) { xbar_tile_set_weights_unchecked(ST(a)->A, W, a->cols); }

static xbar_status mvm(xbar_aw *a, float *out, const float *in, size_t batch, int back)
{
    return back ? xbar_tile_backward(ST(a)->A, out, in, batch) : xbar_tile_forward(ST(a)->A, out, in, batch);
}

static xbar_tile *tile(const xbar_aw *a) { return ST(a)->A; }
static uint64_t pulse_count(const xbar_aw *a) { return xbar_tile_pulse_count(ST(a)->A); }

static const float *array(const xbar_aw *a, size_t k, const char **what, size_t *n)
{
    if (k) return NULL;
    *what = "weights", *n = a->rows * a->cols;
    return xbar_tile_weights(ST(a)->A);
}

static xbar_status save(const xbar_aw *a, FILE *f) { return xbar_tile_save(ST(a)->A, f); }

static xbar_status load(xbar_aw *a, FILE *f, const uint64_t c[2])
{
    (void)c;
    return xbar_tile_load(ST(a)->A, f);
}

const xbar_opt_ops xbar_opt_analog_sgd_ops = {
    .name = "analog_sgd",
    .summary = "one tile, W updated through device pulses (Analog SGD)",
    .tiles = 1,
    .keys = NULL,
    .create = create,
    .free = destroy,
    .memory = memory,
    .update = update,
    .step_dense = step_dense,
    .get_weights = get_weights,
    .set_weights = set_weights,
    .mvm = mvm,
    .fast_tile = tile,
    .slow_tile = tile,
    .pulse_count = pulse_count,
    .array = array,
    .save = save,
    .load = load,
};
