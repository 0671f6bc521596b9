/* opt_tiki_taka.c - TIKI_TAKA and RL: fast tile A = -P learns at fast_lr, its
 * columns are transferred to the slow tile C (C[:,j] += transfer_lr*lr*A[:,j],
 * cyclic, every transfer_every updates); the visible weight is W = C + γA
 * (paper §3.3–3.4, aihwkit TransferCompound). In the paper's symbols
 * β = fast_lr, α = transfer_lr·lr. RL (residual learning v1, F25) is the same
 * compound under its own name (below). Checkpoint: header counters n_updates and
 * next_col (the transfer position); payload: the "XBTL" records of A, then C (rlv2:
 * then its buffer H; with zs_pulses > 0: then the "XBZS" record of zs_ref.h).
 *
 * Zero-shifting calibration (optimizer.zs_pulses > 0, zs_ref.h): before the first update
 * after set_weights, A gets zs_pulses pulses per device and its weights become the
 * reference Z; A is then read as A - Z everywhere: in transfers (y - Z[:,j], before rlv2's
 * buffer) and in the visible weight W = C + γ(A - Z) (reads: C x + γ(A x - Z x), the
 * last a digital product). */
#include <float.h>
#include <math.h>
#include <string.h>

#include "ckpt.h"
#include "optim_ops.h"
#include "transfer_family.h"
#include "zs_ref.h"

typedef struct {
    xbar_tile *A, *C;
    float *col;         /* rows + cols: a column read of A, then a one-hot input */
    float *dense;       /* rows*cols: a dense step's or a whole-matrix transfer's increment, allocated on first use */
    uint64_t n_updates; /* updates of A so far (transfer schedule) */
    size_t next_col;    /* next column to transfer */
    float *mix;         /* gamma != 0: second read of A, grown on demand */
    size_t mix_cap;
    float *H;           /* rlv2: rows*cols, the EMA of A's reads (weight units); NULL otherwise */
    xbar_zs_ref zs;     /* A's zero-shifting reference (zs_pulses > 0) */
} tiki_taka;

#define ST(a) ((tiki_taka *)(a)->st)

#define OFF(f) offsetof(xbar_opt_params, f)
static const xbar_key keys[] = {
    XBAR_TF_KEY_FAST_LR,
    XBAR_TF_KEY_TRANSFER_LR,
    XBAR_TF_KEY_TRANSFER_EVERY,
    XBAR_TF_KEY_TRANSFER_COLUMNS,
    XBAR_TF_KEY_TRANSFER_READ_NOISE,
    XBAR_TF_KEY_GAMMA,
    XBAR_TF_KEY_ZS_PULSES,
    XBAR_TF_KEY_ZS_CYCLIC,
    {"optimizer", "rlv2_pulse", XBAR_KEY_BOOL, OFF(rlv2_pulse),
     .doc = "rlv2: 0 = C's column moves by beta*H where |H| >= dw_min(C), H kept (the literal reading); 1 = one "
            "pulse of sign(H) into C there and H -= sign(H)*dw_min(C) (aihwkit's buffered write). Default 0"},
    {"optimizer", "slow_device_own", XBAR_KEY_BOOL, OFF(slow_device_own),
     .doc = "two-tile optimizers: 1 = the slow tile C has its own device ([slow_device], optimizer.slow_device "
            "in the library), 0 = A's device"},
    {NULL, NULL, XBAR_KEY_FLOAT, 0, 0, 0, 0, NULL, 0, NULL}};

static void defaults(xbar_opt_params *o)
{
    o->fast_lr = 0.01f;
    o->transfer_lr = 1.0f;
    o->transfer_every = 1;
    o->transfer_columns = 1;
    o->transfer_read_noise = 0.0f;
    o->transfer_io = xbar_io_plain();
    o->transfer_io.perfect = 1;
    o->gamma = 0.0f;
    o->transfer_update = xbar_update_defaults();
    o->zs_pulses = 0;
    o->zs_cyclic = 1;
    o->rlv2_pulse = 0;
}

static const char *check(const xbar_opt_params *o)
{
    if (!(o->fast_lr >= 0.0f) || !isfinite(o->fast_lr)) return xbar_msg("optimizer.fast_lr = %g: must be >= 0", (double)o->fast_lr);
    if (!(o->transfer_lr >= 0.0f) || !isfinite(o->transfer_lr))
        return xbar_msg("optimizer.transfer_lr = %g: must be >= 0", (double)o->transfer_lr);
    if (o->transfer_every < 1) return xbar_msg("optimizer.transfer_every = %d: must be >= 1", o->transfer_every);
    if (o->transfer_columns < 0) return xbar_msg("optimizer.transfer_columns = %d: must be >= 0", o->transfer_columns);
    if (!(o->transfer_read_noise >= 0.0f) || !isfinite(o->transfer_read_noise))
        return xbar_msg("optimizer.transfer_read_noise = %g: must be >= 0", (double)o->transfer_read_noise);
    const char *io = xbar_io_check(&o->transfer_io, "transfer_io");
    if (io) return io;
    if (!o->transfer_io.perfect && o->transfer_read_noise > 0.0f)
        return xbar_msg("optimizer.transfer_read_noise = %g: only with a perfect transfer_io (use its out_noise)",
                        (double)o->transfer_read_noise);
    if (!isfinite(o->gamma)) return xbar_msg("optimizer.gamma = %g: must be finite", (double)o->gamma);
    if (o->zs_pulses < 0) return xbar_msg("optimizer.zs_pulses = %d: must be >= 0", o->zs_pulses);
    if (o->zs_cyclic != 0 && o->zs_cyclic != 1) return xbar_msg("optimizer.zs_cyclic = %d: must be 0 or 1", o->zs_cyclic);
    if (o->rlv2_pulse != 0 && o->rlv2_pulse != 1) return xbar_msg("optimizer.rlv2_pulse = %d: must be 0 or 1", o->rlv2_pulse);
    if (o->transfer_update.desired_bl < 1)
        return xbar_msg("transfer.desired_bl = %d: must be >= 1", o->transfer_update.desired_bl);
    return NULL;
}

static xbar_status create(xbar_aw *a, const xbar_tile_config *tc)
{
    tiki_taka *s = calloc(1, sizeof *s);
    if (!s) return xbar_fail(XBAR_ENOMEM, "optimizer: out of memory");
    a->st = s;
    s->col = calloc(a->rows + a->cols, sizeof(float));
    if (a->o.kind == XBAR_OPT_RLV2) s->H = calloc(a->rows * a->cols, sizeof(float));
    if (!s->col || (a->o.kind == XBAR_OPT_RLV2 && !s->H)) return xbar_fail(XBAR_ENOMEM, "optimizer: out of memory");
    XBAR_CK_TRY(xbar_zs_init(&s->zs, &a->o, a->rows * a->cols));
    if (!(s->A = xbar_tile_new(tc))) return XBAR_EINVAL;
    const xbar_tile_config cc = xbar_opt_slow_config(&a->o, tc);
    return (s->C = xbar_tile_new(&cc)) ? XBAR_OK : XBAR_EINVAL;
}

static void destroy(void *st)
{
    tiki_taka *s = st;
    if (!s) return;
    xbar_tile_free(s->A);
    xbar_tile_free(s->C);
    free(s->col);
    free(s->dense);
    free(s->mix);
    free(s->H);
    xbar_zs_free(&s->zs);
    free(s);
}

static size_t memory(const xbar_opt_params *o, const xbar_tile_config *tc)
{
    /* a whole-matrix transfer writes C by apply_delta: its buffer stands in for C's dense scratch */
    const xbar_tile_config cc = xbar_opt_slow_config(o, tc);
    return sizeof(tiki_taka) + xbar_tile_memory_bytes(tc) + xbar_tile_memory_bytes(&cc) +
           (tc->rows + tc->cols + (o->kind == XBAR_OPT_RLV2 ? tc->rows * tc->cols : 0) +
            (o->zs_pulses > 0 ? tc->rows * tc->cols : 0)) * sizeof(float);
}

/* rlv2: column j's read y into the buffer, H = (1 - beta) H + beta y, and y = H where |H| >= the
 * granularity g of C, else 0 (the write's dead zone; H is kept either way). The pulse reading
 * (rlv2_pulse): y = sign(H) where |H| >= g, and H -= sign(H) g there. */
static void rlv2_filter(xbar_aw *a, float *y, size_t j, float beta)
{
    tiki_taka *st = ST(a);
    const size_t m = a->rows, n = a->cols;
    const float g = xbar_tile_devices(st->C)->granularity;
    for (size_t i = 0; i < m; i++) {
        float *h = &st->H[i * n + j];
        *h = (1.0f - beta) * *h + beta * y[i];
        const int fire = fabsf(*h) >= g;
        if (!a->o.rlv2_pulse) {
            y[i] = fire ? *h : 0.0f;
        } else {
            y[i] = !fire ? 0.0f : *h > 0.0f ? 1.0f : -1.0f;
            *h -= y[i] * g;
        }
    }
}

/* rlv2 with rlv2_pulse: the signs y into C's column j, one pulse each. */
static int pulse_write(const xbar_aw *a) { return ST(a)->H && a->o.rlv2_pulse; }

/* Transfer: read k columns of A (noisy) and write C[:,j] += transfer_lr*lr*A[:,j] (rlv2: the
 * buffer's column instead of A's, where it passes the dead zone). */
static xbar_status transfer(xbar_aw *a, float lr)
{
    tiki_taka *st = ST(a);
    const size_t m = a->rows, n = a->cols;
    const float tlr = a->o.transfer_lr * lr;
    if (!(tlr <= FLT_MAX)) return xbar_fail(XBAR_EINVAL, "learning rate %g: must be >= 0", (double)tlr);
    if (st->H && tlr > 1.0f)
        return xbar_fail(XBAR_EINVAL, "rlv2: transfer_lr*lr = %g: the buffer's EMA rate must be <= 1", (double)tlr);
    const size_t k = xbar_opt_transfer_k(&a->o, n);
    if (xbar_opt_whole_transfer(&a->o, n)) {
        /* whole P at once (the paper's analysed Tiki-Taka): ΔC = tlr * A */
        float *col = st->col, *buf = NULL; /* the pulse reading writes column by column, without it */
        if (!pulse_write(a) && !(buf = xbar_opt_buffer(&st->dense, m * n, "a whole-matrix transfer")))
            return XBAR_ENOMEM;
        for (size_t j = 0; j < n; j++) {
            xbar_status s = xbar_opt_read_col(&a->o, st->A, col, j);
            if (s) return s;
            xbar_zs_sub_col(&st->zs, col, m, n, j);
            if (st->H) rlv2_filter(a, col, j, tlr);
            if (pulse_write(a)) {
                if ((s = xbar_tile_pulse_col_unchecked(st->C, j, col))) return s;
                continue;
            }
            for (size_t i = 0; i < m; i++) buf[i * n + j] = tlr * col[i];
        }
        st->next_col = 0;
        if (pulse_write(a)) return XBAR_OK;
        return xbar_tile_apply_delta_unchecked(st->C, buf);
    }
    float *y = st->col, *e = y + m;
    for (size_t c = 0; c < k; c++) {
        size_t j = st->next_col;
        st->next_col = (st->next_col + 1) % n;
        xbar_status s = xbar_opt_read_col(&a->o, st->A, y, j);
        if (s) return s;
        xbar_zs_sub_col(&st->zs, y, m, n, j);
        if (st->H) rlv2_filter(a, y, j, tlr);
        s = pulse_write(a) ? xbar_tile_pulse_col_unchecked(st->C, j, y) : xbar_opt_write_col(st->C, y, e, m, n, j, tlr);
        if (s) return s;
    }
    return XBAR_OK;
}

static xbar_status after_fast_update(xbar_aw *a, float lr)
{
    ST(a)->n_updates++;
    if (ST(a)->n_updates % (uint64_t)a->o.transfer_every) return XBAR_OK;
    return transfer(a, lr);
}

static xbar_status update(xbar_aw *a, const float *X, const float *D, size_t batch, float lr)
{
    xbar_status s = xbar_zs_ensure(&ST(a)->zs, ST(a)->A, &a->o, a->cols);
    if (!s) s = xbar_tile_update_unchecked(ST(a)->A, X, D, batch, a->o.fast_lr);
    return s ? s : after_fast_update(a, lr);
}

static xbar_status step_dense(xbar_aw *a, const float *G, float lr)
{
    const size_t n = a->rows * a->cols;
    float *buf = xbar_opt_buffer(&ST(a)->dense, n, "a dense step");
    if (!buf) return XBAR_ENOMEM;
    const float step = a->o.fast_lr;
    for (size_t k = 0; k < n; k++) buf[k] = -step * G[k];
    xbar_status s = xbar_zs_ensure(&ST(a)->zs, ST(a)->A, &a->o, a->cols);
    if (!s) s = xbar_tile_apply_delta_unchecked(ST(a)->A, buf);
    return s ? s : after_fast_update(a, lr);
}

static void get_weights(const xbar_aw *a, float *W)
{
    xbar_tile_get_weights(ST(a)->C, W, a->cols);
    if (a->o.gamma != 0.0f) {
        const float *wa = xbar_tile_weights(ST(a)->A), *z = ST(a)->zs.Z;
        const size_t n = a->rows * a->cols;
        for (size_t k = 0; k < n; k++) W[k] += a->o.gamma * (z ? wa[k] - z[k] : wa[k]);
    }
}

/* C = W, A = 0 and the transfer restarts (as aihwkit). */
static void set_weights(xbar_aw *a, const float *W)
{
    tiki_taka *s = ST(a);
    xbar_tile_set_weights_unchecked(s->C, W, a->cols);
    float *zero = s->col + a->rows;
    memset(zero, 0, a->cols * sizeof(float));
    xbar_tile_set_weights_unchecked(s->A, zero, 0); /* leading dimension 0: the zero row for every row */
    s->next_col = 0;
    s->n_updates = 0;
    if (s->H) memset(s->H, 0, a->rows * a->cols * sizeof(float));
    xbar_zs_restart(&s->zs);
}

/* Forward / backward through W̄ = C + γ(A - Z): one read of each tile, Z's product digital. */
static xbar_status mvm(xbar_aw *a, float *out, const float *in, size_t batch, int back)
{
    tiki_taka *st = ST(a);
    const size_t n_out = back ? a->cols : a->rows;
    xbar_status s = back ? xbar_tile_backward(st->C, out, in, batch) : xbar_tile_forward(st->C, out, in, batch);
    if (s != XBAR_OK || a->o.gamma == 0.0f) return s;
    if (!xbar_opt_grow(&st->mix, &st->mix_cap, batch * n_out)) return XBAR_ENOMEM;
    s = back ? xbar_tile_backward(st->A, st->mix, in, batch) : xbar_tile_forward(st->A, st->mix, in, batch);
    for (size_t k = 0; k < batch * n_out; k++) out[k] += a->o.gamma * st->mix[k];
    if (st->zs.Z) {
        const size_t n_in = back ? a->rows : a->cols;
        xbar_sgemm(0, !back, batch, n_out, n_in, -a->o.gamma, in, n_in, st->zs.Z, a->cols, 1.0f, out, n_out);
    }
    return s;
}

static xbar_tile *fast_tile(const xbar_aw *a) { return ST(a)->A; }
static xbar_tile *slow_tile(const xbar_aw *a) { return ST(a)->C; }

static uint64_t pulse_count(const xbar_aw *a)
{
    return xbar_tile_pulse_count(ST(a)->A) + xbar_tile_pulse_count(ST(a)->C) + ST(a)->zs.pulses;
}

/* Reads and writes follow from the schedule: k columns (whole transfer: all) per transfer. */
static void pulse_counts(const xbar_aw *a, xbar_pulse_counts *pc)
{
    const size_t k = xbar_opt_whole_transfer(&a->o, a->cols) ? a->cols : xbar_opt_transfer_k(&a->o, a->cols);
    pc->grad_pulses = xbar_tile_pulse_count(ST(a)->A);
    pc->transfer_pulses = xbar_tile_pulse_count(ST(a)->C);
    pc->calib_pulses = ST(a)->zs.pulses;
    pc->reads = pc->writes = ST(a)->n_updates / (uint64_t)a->o.transfer_every * k;
}

static const float *array(const xbar_aw *a, size_t k, const char **what, size_t *n)
{
    const size_t own = ST(a)->H ? 3 : 2; /* weights, A, (H) */
    if (k == 2 && ST(a)->H) return *what = "buffer H", *n = a->rows * a->cols, ST(a)->H;
    if (k == own && ST(a)->zs.Z) return *what = "zero-shifting reference Z", *n = a->rows * a->cols, ST(a)->zs.Z;
    if (k > 1) return NULL;
    *what = k ? "fast tile A" : "weights", *n = a->rows * a->cols;
    return xbar_tile_weights(k ? ST(a)->A : ST(a)->C);
}

static void counters(const xbar_aw *a, uint64_t c[2])
{
    c[0] = ST(a)->n_updates;
    c[1] = ST(a)->next_col;
}

static xbar_status save(const xbar_aw *a, FILE *f)
{
    XBAR_CK_TRY(xbar_tile_save(ST(a)->A, f));
    XBAR_CK_TRY(xbar_tile_save(ST(a)->C, f));
    if (ST(a)->H) XBAR_CK_TRY(xbar_ck_put_f32s(f, ST(a)->H, a->rows * a->cols)); /* rlv2: the buffer */
    return xbar_zs_save(&ST(a)->zs, f);
}

static xbar_status load(xbar_aw *a, FILE *f, const uint64_t c[2])
{
    XBAR_CK_TRY(xbar_tile_load(ST(a)->A, f));
    XBAR_CK_TRY(xbar_tile_load(ST(a)->C, f));
    if (ST(a)->H) {
        const size_t nh = a->rows * a->cols;
        XBAR_CK_TRY(xbar_ck_get_f32s(f, ST(a)->H, nh));
        if (xbar_first_nonfinite(ST(a)->H, nh) < nh)
            return xbar_fail(XBAR_EFORMAT, "checkpoint: rlv2 buffer: a value is not finite");
    }
    XBAR_CK_TRY(xbar_zs_load(&ST(a)->zs, f));
    ST(a)->n_updates = c[0];
    ST(a)->next_col = (size_t)c[1];
    return XBAR_OK;
}

/* RL, residual learning v1 (F25 §4, spec successors §5.3): the same compound read at the mix
 * W̄ = C + γA, where A is F25's residual P (it accumulates -fast_lr*gradient) and C its W; the
 * transfer writes the new A into C. Its keys are Tiki-Taka's, with their defaults (a key has one
 * default whatever the kind): optimizer.gamma is 0 unless set (F25 uses 0.4; 0 is Tiki-Taka). */
#define TT_OPS(NAME, SUMMARY, DEFAULTS)                                                                                \
    {                                                                                                                  \
        .name = NAME, .summary = SUMMARY, .tiles = 2, .keys = keys, .defaults = DEFAULTS, .check = check,              \
        .create = create, .free = destroy, .memory = memory, .update = update, .step_dense = step_dense,               \
        .get_weights = get_weights, .set_weights = set_weights, .mvm = mvm, .fast_tile = fast_tile,                    \
        .slow_tile = slow_tile, .pulse_count = pulse_count, .pulse_counts = pulse_counts, .array = array,              \
        .counters = counters, .save = save, .load = load,                                                              \
    }

const xbar_opt_ops xbar_opt_tiki_taka_ops =
    TT_OPS("tiki_taka", "fast tile A + slow tile C, column transfer A -> C, visible W = C + gamma*A (Tiki-Taka)",
           defaults);

/* RLv2 (F25 §5, spec successors §5.4, the recommended reading): RL with a digital buffer H, the
 * EMA of A's column reads at rate beta = transfer_lr*lr; C's column moves by beta*H where |H|
 * reaches C's granularity, H unchanged. */
const xbar_opt_ops xbar_opt_rlv2_ops =
    TT_OPS("rlv2", "residual learning v2: rl whose transfer writes beta*H, H the EMA (rate beta = transfer_lr*lr) of "
                   "A's column reads, where |H| >= dw_min(C)",
           NULL);

const xbar_opt_ops xbar_opt_rl_ops =
    TT_OPS("rl", "residual learning v1: Tiki-Taka read at the mix W = C + gamma*A (set optimizer.gamma: F25 uses "
                 "0.4; 0 is Tiki-Taka)",
           NULL);
