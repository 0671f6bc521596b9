/* opt_rider.c - RIDER and E-RIDER ([SP26] Alg. 2-3, spec successors §7.2-7.3, the "paper"
 * reading: a direct analog write of W). State: the residual tile A = P (learns at fast_lr), the
 * weight tile C = W, a digital tracker Q (rows x cols) of P's symmetric point and, for e_rider,
 * a chopper c = +-1 and Q~, the copy of Q programmed at each chopper flip (rider: c = 1, Q~ is
 * Q itself). The weight read, forward, backward and xbar_aw_get_weights alike, is
 *     W̄ = C + gamma c (A - Q~)                       (A and C through their IO, Q~ digital)
 * One update (mini-batch or vector update):
 *   0. on the first update after set_weights, when zs_pulses > 0: zero-shifting calibration of
 *      A (xbar_tile_zero_shift, zs_pulses pulses per device, zs_cyclic), then Q = Q~ = A (the
 *      estimate of each device's symmetric point; rider_eta = 0 keeps it: [SP26] Alg. 4);
 *   1. A takes the gradient times c at fast_lr: P <- P - fast_lr c g (.) F - fast_lr |g| (.) G;
 *   2. every transfer_every updates, transfer_columns columns j (cyclic, 0 = all) are read,
 *      y = A[:,j] (the transfer's IO), then
 *          d = c (y - Q~[:,j])   (Q~ before this read's EMA: Q_k in eq. 11b)
 *          Q[:,j] = (1 - eta) Q[:,j] + eta y           (eq. 12, eta = rider_eta)
 *          C[:,j] += beta d       (the transfer's pulsed update, beta = transfer_lr*lr; eq. 11b/18b)
 *      (all columns with an expected or count transfer scheme: one dense step of C);
 *   3. e_rider, after a transfer that completed a sweep (every column read once since the last
 *      one; with transfer_columns 0 every transfer): the chopper for what follows. With
 *      in_chop_random, it flips with probability in_chop_prob (uniform u of XBAR_RNG_CHOP stream
 *      (A's id, 2), lane k%4 of block k/4, k the sweep index); else every max(ceil(1/in_chop_prob),
 *      2) sweeps. At a flip Q~ = Q: a programming event (xbar_pulse_counts.prog_events), taken as
 *      exact. [SP26] draws c_k per iteration with every column transferred (transfer_columns 0:
 *      the same); with column-cyclic transfers a per-update chopper would flip many times between
 *      two reads of a column, whose Q[:,j] then no longer follows the phase.
 * Calibration pulses are counted apart (calib_pulses; in xbar_aw_pulse_count too).
 * set_weights: C = W, A = Q = Q~ = 0, c = 1, the schedule restarts and the next update
 * calibrates again; the counters of pulses and events keep counting.
 * The aihwkit reading of E-RIDER ([SP26]'s own runs: a DynamicTransferCompound with gamma != 0,
 * a buffered thresholded write) is `agad` with optimizer.gamma > 0 (docs/algorithms/rider.md).
 * Checkpoint: header counters (updates, next column); payload: the "XBTL" records of A and C,
 * Q, e_rider's Q~, then u64 flags (bit 0: c = -1, bit 1: calibrated), u64 flips, u64 calibration
 * pulses, u64 sweeps. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "ckpt.h"
#include "optim_ops.h"
#include "transfer_family.h"

typedef struct {
    xbar_tile *A, *C;
    float *Q, *Qt;        /* rows*cols; Qt: e_rider's programmed copy (rider: Qt == Q) */
    float *col;           /* rows + cols: a column read, then the one-hot input */
    float *dense;         /* rows*cols: a dense step's or a whole transfer's increment (on first use) */
    float *work;          /* chopped D, a second read (grown on demand) */
    size_t work_cap;
    uint64_t n_updates;   /* updates of A so far (transfer and chopper schedule) */
    size_t next_col;
    float chop;           /* +1 or -1 (rider: +1) */
    int calibrated;       /* the zero-shifting calibration of this start is done */
    uint64_t flips;       /* programming events Q~ <- Q */
    uint64_t calib;       /* calibration pulses */
    uint64_t sweeps;      /* sweeps of the transfer completed (e_rider's chopper clock) */
    uint64_t seed;        /* the tile's seed and A's id: the chopper's stream */
    uint32_t id;
} rider;

#define ST(a) ((rider *)(a)->st)
#define OFF(f) offsetof(xbar_opt_params, f)
#define IS_E(a) ((a)->o.kind == XBAR_OPT_E_RIDER)

#define RIDER_KEYS                                                                                                     \
    XBAR_TF_KEY_FAST_LR, XBAR_TF_KEY_TRANSFER_LR, XBAR_TF_KEY_TRANSFER_EVERY, XBAR_TF_KEY_TRANSFER_COLUMNS,           \
        XBAR_TF_KEY_TRANSFER_READ_NOISE, XBAR_TF_KEY_GAMMA, XBAR_TF_KEY_SLOW_DEVICE_OWN,                              \
        {"optimizer", "rider_eta", XBAR_KEY_FLOAT, OFF(rider_eta), .min = 0, .max = 1,                                \
         .flags = XBAR_KEY_MIN | XBAR_KEY_MAX,                                                                        \
         .doc = "rider / e_rider: EMA rate of the symmetric-point tracker Q per column read, in [0, 1] (0: Q keeps "  \
                "the zero-shifting estimate). Default 0.1"},                                                          \
        XBAR_TF_KEY_ZS_PULSES, XBAR_TF_KEY_ZS_CYCLIC
static const xbar_key rider_keys[] = {RIDER_KEYS, XBAR_TF_KEY_END};
static const xbar_key e_rider_keys[] = {RIDER_KEYS, XBAR_TF_KEY_IN_CHOP_PROB, XBAR_TF_KEY_IN_CHOP_RANDOM,
                                        XBAR_TF_KEY_END};

static void defaults(xbar_opt_params *o)
{
    o->rider_eta = 0.1f;
    o->zs_pulses = 0;
    o->zs_cyclic = 1;
}

static const char *check(const xbar_opt_params *o)
{
    if (!(o->rider_eta >= 0.0f && o->rider_eta <= 1.0f))
        return xbar_msg("optimizer.rider_eta = %g: must be in [0, 1]", (double)o->rider_eta);
    if (o->zs_pulses < 0) return xbar_msg("optimizer.zs_pulses = %d: must be >= 0", o->zs_pulses);
    if (o->zs_cyclic != 0 && o->zs_cyclic != 1) return xbar_msg("optimizer.zs_cyclic = %d: must be 0 or 1", o->zs_cyclic);
    return NULL;
}

static xbar_status create(xbar_aw *a, const xbar_tile_config *tc)
{
    rider *s = calloc(1, sizeof *s);
    if (!s) return xbar_fail(XBAR_ENOMEM, "optimizer: out of memory");
    a->st = s;
    const size_t mn = a->rows * a->cols;
    s->chop = 1.0f;
    s->seed = tc->seed;
    s->id = tc->id;
    s->col = calloc(a->rows + a->cols, sizeof(float));
    s->Q = calloc(mn, sizeof(float));
    s->Qt = IS_E(a) ? calloc(mn, sizeof(float)) : s->Q;
    if (!s->col || !s->Q || !s->Qt) return xbar_fail(XBAR_ENOMEM, "optimizer: out of memory");
    if (!(s->A = xbar_tile_new(tc))) return XBAR_EINVAL;
    const xbar_tile_config cc = xbar_opt_slow_config(&a->o, tc);
    return (s->C = xbar_tile_new(&cc)) ? XBAR_OK : XBAR_EINVAL;
}

static void destroy(void *st)
{
    rider *s = st;
    if (!s) return;
    xbar_tile_free(s->A);
    xbar_tile_free(s->C);
    if (s->Qt != s->Q) free(s->Qt);
    free(s->Q), free(s->col), free(s->dense), free(s->work);
    free(s);
}

static size_t memory(const xbar_opt_params *o, const xbar_tile_config *tc)
{
    const xbar_tile_config cc = xbar_opt_slow_config(o, tc);
    const size_t mn = tc->rows * tc->cols;
    return sizeof(rider) + xbar_tile_memory_bytes(tc) + xbar_tile_memory_bytes(&cc) +
           (tc->rows + tc->cols + mn * (o->kind == XBAR_OPT_E_RIDER ? 2 : 1)) * sizeof(float);
}

static float *work(rider *s, size_t n) { return xbar_opt_grow(&s->work, &s->work_cap, n); }

/* Step 0: zero-shifting of A, then Q = Q~ = A. */
static xbar_status calibrate(xbar_aw *a)
{
    rider *s = ST(a);
    s->calibrated = 1;
    if (a->o.zs_pulses == 0) return XBAR_OK;
    uint64_t p = 0;
    xbar_status st = xbar_tile_zero_shift(s->A, (uint64_t)a->o.zs_pulses, a->o.zs_cyclic, &p);
    if (st) return st;
    s->calib += p;
    xbar_tile_get_weights(s->A, s->Q, a->cols);
    if (s->Qt != s->Q) memcpy(s->Qt, s->Q, a->rows * a->cols * sizeof(float));
    return XBAR_OK;
}

/* Column j's read y becomes the write d = c (y - Q~[:,j]); Q[:,j] moves towards y. */
static void track(xbar_aw *a, float *y, size_t j)
{
    rider *s = ST(a);
    const size_t m = a->rows, n = a->cols;
    const float eta = a->o.rider_eta, c = s->chop;
    for (size_t i = 0; i < m; i++) {
        const size_t k = i * n + j;
        const float d = c * (y[i] - s->Qt[k]);
        s->Q[k] = (1.0f - eta) * s->Q[k] + eta * y[i];
        y[i] = d;
    }
}

static xbar_status transfer(xbar_aw *a, float lr)
{
    rider *s = ST(a);
    const size_t m = a->rows, n = a->cols;
    const float beta = a->o.transfer_lr * lr;
    if (!(beta <= FLT_MAX)) return xbar_fail(XBAR_EINVAL, "learning rate %g: must be >= 0", (double)beta);
    if (xbar_opt_whole_transfer(&a->o, n)) {
        float *col = s->col, *buf = xbar_opt_buffer(&s->dense, m * n, "a whole-matrix transfer");
        if (!buf) return XBAR_ENOMEM;
        for (size_t j = 0; j < n; j++) {
            xbar_status st = xbar_opt_read_col(&a->o, s->A, col, j);
            if (st) return st;
            track(a, col, j);
            for (size_t i = 0; i < m; i++) buf[i * n + j] = beta * col[i];
        }
        s->next_col = 0;
        return xbar_tile_apply_delta_unchecked(s->C, buf);
    }
    const size_t k = xbar_opt_transfer_k(&a->o, n);
    float *y = s->col, *e = y + m;
    for (size_t c = 0; c < k; c++) {
        const size_t j = s->next_col;
        s->next_col = (j + 1) % n;
        xbar_status st = xbar_opt_read_col(&a->o, s->A, y, j);
        if (st) return st;
        track(a, y, j);
        if ((st = xbar_opt_write_col(s->C, y, e, m, n, j, beta))) return st;
    }
    return XBAR_OK;
}

/* Step 3: the chopper after sweep k = sweeps - 1 (e_rider). */
static void chopper(xbar_aw *a)
{
    rider *s = ST(a);
    const uint64_t k = s->sweeps - 1;
    const float p = a->o.in_chop_prob;
    int flip;
    if (!(p > 0.0f)) return;
    if (a->o.in_chop_random != 0) { /* -1: the kind's default, random ([SP26] eq. 17) */
        float u[4];
        xbar_rng_uniform4(u, s->seed, xbar_stream(XBAR_RNG_CHOP, s->id, 2), k >> 2);
        flip = u[k & 3] < p;
    } else {
        const float per = ceilf(1.0f / p);
        const uint64_t period = per < 2.0f ? 2 : (uint64_t)per;
        flip = (k + 1) % period == 0;
    }
    if (!flip) return;
    s->chop = -s->chop;
    memcpy(s->Qt, s->Q, a->rows * a->cols * sizeof(float));
    s->flips++;
}

static xbar_status after_fast_update(xbar_aw *a, float lr)
{
    rider *s = ST(a);
    s->n_updates++;
    if (s->n_updates % (uint64_t)a->o.transfer_every) return XBAR_OK;
    const size_t before = s->next_col, k = xbar_opt_transfer_k(&a->o, a->cols);
    xbar_status st = transfer(a, lr);
    if (st) return st;
    if (xbar_opt_whole_transfer(&a->o, a->cols) || before + k >= a->cols) { /* the sweep's last column read */
        s->sweeps++;
        if (IS_E(a)) chopper(a);
    }
    return XBAR_OK;
}

static xbar_status update(xbar_aw *a, const float *X, const float *D, size_t batch, float lr)
{
    rider *s = ST(a);
    xbar_status st = s->calibrated ? XBAR_OK : calibrate(a);
    if (st) return st;
    if (s->chop < 0.0f) {
        const size_t nd = batch * a->rows;
        float *dc = work(s, nd);
        if (!dc) return XBAR_ENOMEM;
        for (size_t k = 0; k < nd; k++) dc[k] = -D[k];
        D = dc;
    }
    st = xbar_tile_update_unchecked(s->A, X, D, batch, a->o.fast_lr);
    return st ? st : after_fast_update(a, lr);
}

static xbar_status step_dense(xbar_aw *a, const float *G, float lr)
{
    rider *s = ST(a);
    xbar_status st = s->calibrated ? XBAR_OK : calibrate(a);
    if (st) return st;
    const size_t n = a->rows * a->cols;
    float *buf = xbar_opt_buffer(&s->dense, n, "a dense step");
    if (!buf) return XBAR_ENOMEM;
    const float step = -a->o.fast_lr * s->chop;
    for (size_t k = 0; k < n; k++) buf[k] = step * G[k];
    st = xbar_tile_apply_delta_unchecked(s->A, buf);
    return st ? st : after_fast_update(a, lr);
}

static void get_weights(const xbar_aw *a, float *W)
{
    const rider *s = ST(a);
    xbar_tile_get_weights(s->C, W, a->cols);
    if (a->o.gamma == 0.0f) return;
    const float *wa = xbar_tile_weights(s->A), g = a->o.gamma * s->chop;
    const size_t n = a->rows * a->cols;
    for (size_t k = 0; k < n; k++) W[k] += g * (wa[k] - s->Qt[k]);
}

static void set_weights(xbar_aw *a, const float *W)
{
    rider *s = ST(a);
    const size_t mn = a->rows * a->cols;
    xbar_tile_set_weights_unchecked(s->C, W, a->cols);
    float *zero = s->col + a->rows;
    memset(zero, 0, a->cols * sizeof(float));
    xbar_tile_set_weights_unchecked(s->A, zero, 0); /* leading dimension 0: the zero row for every row */
    memset(s->Q, 0, mn * sizeof(float));
    if (s->Qt != s->Q) memset(s->Qt, 0, mn * sizeof(float));
    s->next_col = 0;
    s->n_updates = 0;
    s->chop = 1.0f;
    s->calibrated = 0;
    s->sweeps = 0;
}

/* W̄ x = C x + gamma c (A x - Q~ x): a read of each tile, Q~'s product digital. */
static xbar_status mvm(xbar_aw *a, float *out, const float *in, size_t batch, int back)
{
    rider *s = ST(a);
    const size_t n_out = back ? a->cols : a->rows, n_in = back ? a->rows : a->cols;
    xbar_status st = back ? xbar_tile_backward(s->C, out, in, batch) : xbar_tile_forward(s->C, out, in, batch);
    if (st != XBAR_OK || a->o.gamma == 0.0f) return st;
    float *mix = work(s, batch * n_out);
    if (!mix) return XBAR_ENOMEM;
    st = back ? xbar_tile_backward(s->A, mix, in, batch) : xbar_tile_forward(s->A, mix, in, batch);
    if (st) return st;
    const float g = a->o.gamma * s->chop;
    for (size_t k = 0; k < batch * n_out; k++) out[k] += g * mix[k];
    xbar_sgemm(0, !back, batch, n_out, n_in, -g, in, n_in, s->Qt, a->cols, 1.0f, out, n_out);
    return XBAR_OK;
}

static xbar_tile *fast_tile(const xbar_aw *a) { return ST(a)->A; }
static xbar_tile *slow_tile(const xbar_aw *a) { return ST(a)->C; }

static uint64_t pulse_count(const xbar_aw *a)
{
    return xbar_tile_pulse_count(ST(a)->A) + xbar_tile_pulse_count(ST(a)->C) + ST(a)->calib;
}

static void pulse_counts(const xbar_aw *a, xbar_pulse_counts *pc)
{
    const size_t k = xbar_opt_whole_transfer(&a->o, a->cols) ? a->cols : xbar_opt_transfer_k(&a->o, a->cols);
    pc->grad_pulses = xbar_tile_pulse_count(ST(a)->A);
    pc->transfer_pulses = xbar_tile_pulse_count(ST(a)->C);
    pc->reads = pc->writes = ST(a)->n_updates / (uint64_t)a->o.transfer_every * k;
    pc->calib_pulses = ST(a)->calib;
    pc->prog_events = ST(a)->flips;
}

static const float *array(const xbar_aw *a, size_t k, const char **what, size_t *n)
{
    *n = a->rows * a->cols;
    switch (k) {
    case 0: return *what = "weights", xbar_tile_weights(ST(a)->C);
    case 1: return *what = "fast tile A", xbar_tile_weights(ST(a)->A);
    case 2: return *what = "tracker Q", ST(a)->Q;
    case 3: return IS_E(a) ? (*what = "programmed copy Q~", ST(a)->Qt) : NULL;
    default: return NULL;
    }
}

static void counters(const xbar_aw *a, uint64_t c[2])
{
    c[0] = ST(a)->n_updates;
    c[1] = ST(a)->next_col;
}

static xbar_status save(const xbar_aw *a, FILE *f)
{
    const rider *s = ST(a);
    const size_t mn = a->rows * a->cols;
    XBAR_CK_TRY(xbar_tile_save(s->A, f));
    XBAR_CK_TRY(xbar_tile_save(s->C, f));
    XBAR_CK_TRY(xbar_ck_put_f32s(f, s->Q, mn));
    if (s->Qt != s->Q) XBAR_CK_TRY(xbar_ck_put_f32s(f, s->Qt, mn));
    XBAR_CK_TRY(xbar_ck_put_u64(f, (uint64_t)(s->chop < 0.0f) | (uint64_t)s->calibrated << 1));
    XBAR_CK_TRY(xbar_ck_put_u64(f, s->flips));
    XBAR_CK_TRY(xbar_ck_put_u64(f, s->calib));
    return xbar_ck_put_u64(f, s->sweeps);
}

static xbar_status load(xbar_aw *a, FILE *f, const uint64_t c[2])
{
    rider *s = ST(a);
    const size_t mn = a->rows * a->cols;
    const char *name = a->ops->name;
    if (c[1] >= a->cols)
        return xbar_fail(XBAR_EFORMAT, "checkpoint: %s column pointer %llu >= %zu", name, (unsigned long long)c[1],
                         a->cols);
    XBAR_CK_TRY(xbar_tile_load(s->A, f));
    XBAR_CK_TRY(xbar_tile_load(s->C, f));
    XBAR_CK_TRY(xbar_ck_get_f32s(f, s->Q, mn));
    if (s->Qt != s->Q) XBAR_CK_TRY(xbar_ck_get_f32s(f, s->Qt, mn));
    if (xbar_first_nonfinite(s->Q, mn) < mn || xbar_first_nonfinite(s->Qt, mn) < mn)
        return xbar_fail(XBAR_EFORMAT, "checkpoint: %s tracker: a value is not finite", name);
    uint64_t flags, flips, calib, sweeps;
    XBAR_CK_TRY(xbar_ck_get_u64(f, &flags));
    XBAR_CK_TRY(xbar_ck_get_u64(f, &flips));
    XBAR_CK_TRY(xbar_ck_get_u64(f, &calib));
    XBAR_CK_TRY(xbar_ck_get_u64(f, &sweeps));
    if (flags > 3 || (!IS_E(a) && (flags & 1)) || (!IS_E(a) && flips))
        return xbar_fail(XBAR_EFORMAT, "checkpoint: %s state flags %llu, flips %llu: not a state of this kind", name,
                         (unsigned long long)flags, (unsigned long long)flips);
    s->chop = flags & 1 ? -1.0f : 1.0f;
    s->calibrated = (int)(flags >> 1);
    s->flips = flips;
    s->calib = calib;
    s->sweeps = sweeps;
    s->n_updates = c[0];
    s->next_col = (size_t)c[1];
    return XBAR_OK;
}

#define RIDER_OPS(NAME, SUMMARY, KEYS, DEFAULTS)                                                                       \
    {                                                                                                                  \
        .name = NAME, .summary = SUMMARY, .tiles = 2, .keys = KEYS, .defaults = DEFAULTS, .check = check,              \
        .create = create, .free = destroy, .memory = memory, .update = update, .step_dense = step_dense,               \
        .get_weights = get_weights, .set_weights = set_weights, .mvm = mvm, .fast_tile = fast_tile,                    \
        .slow_tile = slow_tile, .pulse_count = pulse_count, .pulse_counts = pulse_counts, .array = array,              \
        .counters = counters, .save = save, .load = load,                                                              \
    }

const xbar_opt_ops xbar_opt_rider_ops =
    RIDER_OPS("rider", "RIDER: residual A read against a digital EMA Q of its own reads, W = C + gamma*(A - Q), C += "
                       "beta*(A - Q) per column transfer (optionally zero-shifting calibration first)",
              rider_keys, defaults);

const xbar_opt_ops xbar_opt_e_rider_ops =
    RIDER_OPS("e_rider", "E-RIDER: rider with a chopper c (flip probability in_chop_prob per transfer sweep) on A's gradient "
                         "and reads, W = C + gamma*c*(A - Q~), Q~ = Q programmed at each flip",
              e_rider_keys, NULL);
