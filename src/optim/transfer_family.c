/* transfer_family.c - the Tiki-Taka successors TTV2, C_TTV2 and AGAD (aihwkit 1.0.0's
 * BufferedTransferCompound, ChoppedTransferCompound and DynamicTransferCompound; spec
 * successors.md §2-§4). One core, branching on the kind; opt_ttv2.c, opt_c_ttv2.c and
 * opt_agad.c hold the key rows and the ops records.
 *
 * State: the analog fast tile A (receives the gradient pulses) and slow tile C (the visible
 * weight; A's tile config, with its own device when slow_device_own, update =
 * transfer_update, id + 1); the digital buffer H (rows x cols; ttv2 in weight units, c_ttv2 /
 * agad in pulse units); the choppers c_in (per column) and c_out (per row), +1 or -1 (all +1
 * for ttv2; agad never flips c_out), sigma(i,j) = c_out[i]*c_in[j]; agad's running mean M,
 * phase reference R (rows x cols) and switched flags (per column); the auto_scale EMAs m_x,
 * m_d; the counters k (vector updates since set_weights), the column pointer r, sweeps (full
 * passes over the columns: aihwkit's transfer_counter), reads and writes.
 *
 * One update (X batch x cols, D batch x rows, scheduled lr lambda) is `batch` vector updates
 * (a sample; for a conv layer a sample x output pixel), each in aihwkit's order:
 *   1. auto_scale (c_ttv2 / agad): m_x <- (1-tau) m_x + tau max|x|, likewise m_d, tau =
 *      (1 - auto_momentum)/batch (the first value initialises; a zero max is skipped).
 *   2. A's lr: fast_lr*(desired_bl*dw_min(A))/(m_x*m_d) with auto_scale and fast_lr > 0 (the
 *      division only when both EMAs are > 0; desired_bl of A's update); else fast_lr if > 0,
 *      else lambda (aihwkit 1.0.0: fast_lr replaces the tile lr, no scale_fast_lr).
 *   3. Pulses onto A with the chopper sign: A is updated with x' = c_in x, d' = c_out d (the
 *      same |x|, |d|, so the same probabilities and counts, each count times sigma(i,j): what
 *      aihwkit's chopped doSparseUpdate / doDenseUpdate do). Update management uses the
 *      compound's granularity, float32((dw_min(A) + dw_min(C))/2) (xbar_tile_set_um_granularity).
 *   4. k += 1; if k mod every == 0, a transfer, every = transfer_every*batch when
 *      units_in_mbatch, else transfer_every.
 * Consecutive vector updates without a transfer (or auto_scale's lr change) between them
 * go to A in one xbar_tile_update call on their rows of X and D (the same pulses per weight,
 * in sample order), so a batch is applied in pieces split at the transfer points, and the
 * choppers a transfer flips hold from the next piece on.
 *
 * A transfer reads column r = the pointer (which then advances cyclically), with
 * lr_t = transfer_lr*lambda (times gamma when gamma > 0: aihwkit's gamma_vec ratio). lr_t = 0
 * reads nothing (only the pointer moves), as aihwkit.
 *   y = A e_r (scale +1): exact plus transfer_read_noise, or through transfer_io.
 *   ttv2:   theta = thres_scale*dw_min(C); omega = H + y*|lr_t|; n = clip(trunc(omega/theta),
 *           +-BL_t); n != 0: H = momentum*omega (forget_buffer) or omega - ((1-m)*n)*theta,
 *           m = momentum clamped to [0, 1]; else H = omega.
 *   c_ttv2: bg = buffer_granularity*dw_min(A) (times auto_granularity/(cols*transfer_every)
 *           when auto_granularity > 0), s = |lr_t|/bg; omega = (no_buffer ? 0 : H) +
 *           sigma*(y*s); |omega| >= 1: n = clip(trunc(omega), +-BL_t), omega = momentum*omega
 *           or omega - (1-m)*n; H = omega.
 *   agad:   N_s = max(ceil(1/in_chop_prob), 2), q = min(tail_weightening/N_s, 1); if
 *           switched[r] (cleared): R[:,r] = M[:,r]; omega = H + sigma*(y - R)*s; threshold as
 *           c_ttv2 (forget_buffer 0: then |omega| <= buffer_cap*BL_t when buffer_cap > 0);
 *           M = M*(1-q) + y*q (the raw read).
 *   BL_t = write_bl. If some n_i != 0 (agad: and sweeps > N_s, the
 *   warm-up discards the crossings), C is written with x = e_r, d = -n, lr =
 *   write_step*dw_min(C), transfer_update's scheme with bit length write_bl and no update
 *   management: one pulse of sign n_i per row at the aihwkit defaults (write_bl 1, write_step 1).
 *   Choppers, after the write (c_ttv2 with in_chop_prob > 0): random: c_in[r] flips with
 *   probability in_chop_prob; regular: it flips when sweeps mod N_s = N_s - 1 (all columns
 *   in the same sweep). agad: c_in[r] flips and switched[r] is set when sweeps mod N_s =
 *   N_s - 1, and in random mode also with probability in_chop_prob. After the last column:
 *   c_ttv2 flips each c_out[i] with probability out_chop_prob; then sweeps += 1.
 *   The random flips use the counter-based RNG: stream xbar_stream(XBAR_RNG_CHOP, A's id, 0),
 *   counter = the read's index (reads before it), lane 0, for c_in; stream index 1, counter
 *   read*ceil(rows/4) + i/4, lane i%4, for c_out[i].
 *
 * Zero-shifting calibration (zs_pulses > 0; spec successors §7.1, [SP26] Alg. 4's first stage):
 * before the first vector update after set_weights, A gets zs_pulses pulses per device
 * (xbar_tile_zero_shift: alternating when zs_cyclic, else random directions), and its weights
 * then are the reference Z: every transfer read becomes y - Z[:,r] (exact digital subtraction,
 * as a programmed reference device read differentially). Calibration pulses are counted apart
 * (calib_pulses). Needs gamma = 0 (refused otherwise: the visible weight would read A without
 * its reference).
 *
 * Visible weight: C + gamma*A (ttv2), C + gamma*(sigma o A) (c_ttv2 / agad; aihwkit after
 * PR #764; 1.0.0 requires gamma = 0); reads go through C (and A, mixed, when gamma != 0).
 * set_weights: C = W (clipped), A = 0, k = 0, r = 0; H, M, R, the choppers, the EMAs and the
 * sweep counter are kept (as aihwkit). A dense step G is one vector update: A += -lr_A*(sigma o
 * G) by A's dense path (lr_A of step 2 without an EMA update), then step 4 with batch 1.
 *
 * Checkpoint: header counters k and r; payload: the record "XBTF" (u32 version 1, u32 kind,
 * u64 sweeps, u64 reads, u64 writes, f32 m_x, m_d, lr_A of the last vector update, f32
 * c_in[cols], c_out[rows] (+-1), switched[cols] (0/1), H[rows*cols], agad: M, R), then the
 * "XBTL" records of A and C. The record comes first, at a fixed offset, so that tests read it.
 * With zs_pulses > 0 (only then: a checkpoint without calibration keeps its layout) the record
 * "XBZS" follows the buffers: u64 calibrated (0/1), u64 calibration pulses, f32 Z[rows*cols]. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "ckpt.h"
#include "transfer_family.h"
#include "zs_ref.h"

enum { TF_TTV2, TF_CTTV2, TF_AGAD };

typedef struct {
    int v; /* TF_TTV2, TF_CTTV2, TF_AGAD */
    xbar_tile *A, *C;
    int units_in_mbatch; /* resolved "kind default" fields */
    int in_chop_random;
    float momentum;
    float gA, gC;  /* weight granularities dw_min(A), dw_min(C) */
    uint64_t seed; /* RNG of the random choppers: seed and A's id */
    uint32_t id;
    float *H, *M, *R;       /* rows*cols each (M, R: agad, else NULL), one block */
    float *cin, *cout, *sw; /* cols, rows, cols: choppers +-1, switched 0/1 */
    float *y, *nv, *e;      /* rows, rows, cols: a column read, the write's d, the one-hot x */
    float m_x, m_d, lr_a;   /* auto_scale EMAs, A's lr of the last vector update */
    uint64_t k;             /* vector updates since set_weights */
    size_t next_col;        /* the column pointer */
    uint64_t sweeps;        /* full passes over the columns (aihwkit transfer_counter) */
    uint64_t reads, writes;
    float *work; /* chopped pieces of X and D, mvm mixes: grown on demand */
    size_t work_cap;
    float *dense; /* rows*cols: a dense step's increment, allocated on first use */
    xbar_zs_ref zs; /* the zero-shifting reference Z of A (zs_ref.h) */
} tf_state;

#define ST(a) ((tf_state *)(a)->st)

static int variant_of(xbar_opt_kind k)
{
    return k == XBAR_OPT_TTV2 ? TF_TTV2 : k == XBAR_OPT_AGAD ? TF_AGAD : TF_CTTV2;
}

/* ---- defaults and checks ---------------------------------------------------------------- */

void xbar_tf_defaults(xbar_opt_params *o)
{
    o->slow_device_own = 0;
    o->slow_device = xbar_device_defaults(XBAR_DEV_ALD);
    o->units_in_mbatch = -1;
    o->thres_scale = 1.0f;
    o->write_step = 1.0f;
    o->write_bl = 1;
    o->momentum = -1.0f;
    o->forget_buffer = 1;
    o->buffer_granularity = 1.0f;
    o->auto_granularity = 0.0f;
    o->auto_scale = 0;
    o->auto_momentum = 0.99f;
    o->no_buffer = 0;
    o->in_chop_prob = 0.1f;
    o->in_chop_random = -1;
    o->out_chop_prob = 0.0f;
    o->tail_weightening = 5.0f;
    o->buffer_cap = 0.0f;
}

static int bad_bool(int b) { return b != 0 && b != 1; }
static int in01(float x) { return x >= 0.0f && x <= 1.0f; }

const char *xbar_tf_check(const xbar_opt_params *o)
{
    if (bad_bool(o->slow_device_own))
        return xbar_msg("optimizer.slow_device_own = %d: must be 0 or 1", o->slow_device_own);
    if (o->slow_device_own) {
        const char *why = xbar_device_check(&o->slow_device);
        if (why) return xbar_msg("optimizer.slow_device: %s", why);
    }
    if (o->units_in_mbatch < -1 || o->units_in_mbatch > 1)
        return xbar_msg("optimizer.units_in_mbatch = %d: must be -1 (kind default), 0 or 1", o->units_in_mbatch);
    if (!(o->thres_scale > 0.0f) || !isfinite(o->thres_scale))
        return xbar_msg("optimizer.thres_scale = %g: must be > 0", (double)o->thres_scale);
    if (o->write_bl < 1) return xbar_msg("optimizer.write_bl = %d: must be >= 1", o->write_bl);
    if (!(o->write_step > 0.0f) || !isfinite(o->write_step))
        return xbar_msg("optimizer.write_step = %g: must be > 0", (double)o->write_step);
    if (o->momentum != -1.0f && !in01(o->momentum))
        return xbar_msg("optimizer.momentum = %g: must be in [0, 1] (or -1: kind default)", (double)o->momentum);
    if (bad_bool(o->forget_buffer)) return xbar_msg("optimizer.forget_buffer = %d: must be 0 or 1", o->forget_buffer);
    if (!(o->buffer_granularity > 0.0f) || !isfinite(o->buffer_granularity))
        return xbar_msg("optimizer.buffer_granularity = %g: must be > 0", (double)o->buffer_granularity);
    if (!(o->auto_granularity >= 0.0f) || !isfinite(o->auto_granularity))
        return xbar_msg("optimizer.auto_granularity = %g: must be >= 0", (double)o->auto_granularity);
    if (bad_bool(o->auto_scale)) return xbar_msg("optimizer.auto_scale = %d: must be 0 or 1", o->auto_scale);
    if (!(o->auto_momentum >= 0.0f && o->auto_momentum < 1.0f))
        return xbar_msg("optimizer.auto_momentum = %g: must be in [0, 1)", (double)o->auto_momentum);
    if (bad_bool(o->no_buffer)) return xbar_msg("optimizer.no_buffer = %d: must be 0 or 1", o->no_buffer);
    if (!in01(o->in_chop_prob))
        return xbar_msg("optimizer.in_chop_prob = %g: must be in [0, 1]", (double)o->in_chop_prob);
    if (o->in_chop_random < -1 || o->in_chop_random > 1)
        return xbar_msg("optimizer.in_chop_random = %d: must be -1 (kind default), 0 or 1", o->in_chop_random);
    if (!in01(o->out_chop_prob))
        return xbar_msg("optimizer.out_chop_prob = %g: must be in [0, 1]", (double)o->out_chop_prob);
    if (!(o->tail_weightening >= 0.0f) || !isfinite(o->tail_weightening))
        return xbar_msg("optimizer.tail_weightening = %g: must be >= 0", (double)o->tail_weightening);
    if (!(o->buffer_cap >= 0.0f) || !isfinite(o->buffer_cap))
        return xbar_msg("optimizer.buffer_cap = %g: must be >= 0", (double)o->buffer_cap);
    if (o->zs_pulses < 0) return xbar_msg("optimizer.zs_pulses = %d: must be >= 0", o->zs_pulses);
    if (bad_bool(o->zs_cyclic)) return xbar_msg("optimizer.zs_cyclic = %d: must be 0 or 1", o->zs_cyclic);
    const int family = o->kind == XBAR_OPT_TTV2 || o->kind == XBAR_OPT_C_TTV2 || o->kind == XBAR_OPT_AGAD;
    if (family && o->zs_pulses > 0 && o->gamma != 0.0f) /* rider / e_rider share these checks */
        return xbar_msg("optimizer.zs_pulses = %d with optimizer.gamma = %g: the zero-shifting reference applies to "
                        "the transfer reads of A only, so it needs gamma = 0 (rider / e_rider read W + gamma*(A - Q))",
                        o->zs_pulses, (double)o->gamma);
    if (o->kind == XBAR_OPT_AGAD) {
        if (!(o->in_chop_prob > 0.0f))
            return xbar_msg("optimizer.in_chop_prob = %g: agad needs > 0 (its chopper period is "
                            "max(ceil(1/in_chop_prob), 2) sweeps)",
                            (double)o->in_chop_prob);
        if (!(o->auto_momentum > 0.0f))
            return xbar_msg("optimizer.auto_momentum = %g: agad needs it in (0, 1) (as aihwkit)",
                            (double)o->auto_momentum);
    }
    return NULL;
}

/* ---- creation ---------------------------------------------------------------------------- */

/* The tile config of C: A's with its own device (slow_device_own), the transfer's update
 * scheme and the next id. */
static xbar_tile_config slow_config(const xbar_opt_params *o, const xbar_tile_config *tc)
{
    xbar_tile_config cc = xbar_opt_slow_config(o, tc);
    cc.update.desired_bl = o->write_bl; /* fixed bit length write_bl, no management (aihwkit) */
    cc.update.update_management = cc.update.update_bl_management = 0;
    return cc;
}

static size_t n_buffers(int v) { return v == TF_AGAD ? 3 : 1; }

/* Floats of the vector block: c_in, c_out, switched, y, d, one-hot. */
static size_t vec_floats(size_t m, size_t n) { return 3 * m + 3 * n; }

xbar_status xbar_tf_create(xbar_aw *a, const xbar_tile_config *tc)
{
    tf_state *s = calloc(1, sizeof *s);
    if (!s) return xbar_fail(XBAR_ENOMEM, "optimizer: out of memory");
    a->st = s;
    const xbar_opt_params *o = &a->o;
    const size_t m = a->rows, n = a->cols;
    s->v = variant_of(o->kind);
    s->units_in_mbatch = o->units_in_mbatch >= 0 ? o->units_in_mbatch : s->v == TF_TTV2;
    s->in_chop_random = o->in_chop_random >= 0 ? o->in_chop_random : s->v == TF_CTTV2;
    s->momentum = o->momentum >= 0.0f ? o->momentum : (s->v == TF_TTV2 ? 0.1f : 0.0f);
    s->seed = tc->seed;
    s->id = tc->id;
    s->H = calloc(m * n * n_buffers(s->v), sizeof(float));
    s->cin = calloc(vec_floats(m, n), sizeof(float));
    if (!s->H || !s->cin) return xbar_fail(XBAR_ENOMEM, "optimizer: out of memory");
    XBAR_CK_TRY(xbar_zs_init(&s->zs, o, m * n));
    if (s->v == TF_AGAD) s->M = s->H + m * n, s->R = s->M + m * n;
    s->cout = s->cin + n;
    s->sw = s->cout + m;
    s->y = s->sw + n;
    s->nv = s->y + m;
    s->e = s->nv + m;
    for (size_t j = 0; j < n; j++) s->cin[j] = 1.0f;
    for (size_t i = 0; i < m; i++) s->cout[i] = 1.0f;
    if (!(s->A = xbar_tile_new(tc))) return XBAR_EINVAL;
    const xbar_tile_config cc = slow_config(o, tc);
    if (!(s->C = xbar_tile_new(&cc))) return XBAR_EINVAL;
    s->gA = xbar_tile_devices(s->A)->granularity;
    s->gC = xbar_tile_devices(s->C)->granularity;
    /* aihwkit: A's update management uses the compound's granularity, the mean of its devices' */
    xbar_tile_set_um_granularity(s->A, (s->gA + s->gC) / 2.0f);
    return XBAR_OK;
}

void xbar_tf_free(void *st)
{
    tf_state *s = st;
    if (!s) return;
    xbar_tile_free(s->A);
    xbar_tile_free(s->C);
    free(s->H);
    free(s->cin);
    free(s->work);
    free(s->dense);
    xbar_zs_free(&s->zs);
    free(s);
}

size_t xbar_tf_memory(const xbar_opt_params *o, const xbar_tile_config *tc)
{
    const xbar_tile_config cc = slow_config(o, tc);
    const size_t m = tc->rows, n = tc->cols;
    return sizeof(tf_state) + xbar_tile_memory_bytes(tc) + xbar_tile_memory_bytes(&cc) +
           (m * n * (n_buffers(variant_of(o->kind)) + (o->zs_pulses > 0)) + vec_floats(m, n)) * sizeof(float);
}

/* ---- the fast update ----------------------------------------------------------------------- */

/* The work space with room for n floats (NULL and an error when out of memory). */
static float *work(tf_state *s, size_t n) { return xbar_opt_grow(&s->work, &s->work_cap, n); }

static int chopped(const tf_state *s, size_t m, size_t n)
{
    if (s->v == TF_TTV2) return 0;
    for (size_t j = 0; j < n; j++)
        if (s->cin[j] < 0.0f) return 1;
    for (size_t i = 0; i < m; i++)
        if (s->cout[i] < 0.0f) return 1;
    return 0;
}

/* aihwkit's updateAutoScale: the first value initialises, a zero maximum is skipped. */
static void ema(float *m, float v, float momentum, size_t batch)
{
    if (*m <= 0.0f) {
        *m = v;
        return;
    }
    if (v <= 0.0f) return;
    const float tau = (1.0f - momentum) / (float)batch;
    *m = (1.0f - tau) * *m + tau * v;
}

/* A's pulse-count lr (step 2). */
static float fast_lr(const xbar_aw *a, float lr)
{
    const tf_state *s = ST(a);
    const float f = a->o.fast_lr;
    if (s->v != TF_TTV2 && a->o.auto_scale && f > 0.0f) {
        const float g = (float)xbar_tile_get_config(s->A)->update.desired_bl * s->gA;
        float c = f * g;
        if (s->m_x > 0.0f && s->m_d > 0.0f) c /= s->m_x * s->m_d;
        return c;
    }
    return f > 0.0f ? f : lr;
}

/* Vector updates X, D (len of them) onto A with the current choppers (steps 2-3, lr_A given). */
static xbar_status fast_piece(xbar_aw *a, const float *X, const float *D, size_t len, float lr_a)
{
    tf_state *s = ST(a);
    const size_t m = a->rows, n = a->cols;
    s->lr_a = lr_a;
    if (!chopped(s, m, n)) return xbar_tile_update_unchecked(s->A, X, D, len, lr_a);
    float *w = work(s, len * (m + n));
    if (!w) return XBAR_ENOMEM;
    float *xc = w, *dc = w + len * n;
    for (size_t b = 0; b < len; b++) {
        for (size_t j = 0; j < n; j++) xc[b * n + j] = X[b * n + j] * s->cin[j];
        for (size_t i = 0; i < m; i++) dc[b * m + i] = D[b * m + i] * s->cout[i];
    }
    return xbar_tile_update_unchecked(s->A, xc, dc, len, lr_a);
}

/* ---- the transfer ---------------------------------------------------------------------------- */

/* Chopper period N_s in sweeps (in_chop_prob > 0). */
static uint64_t chop_period(float p)
{
    const float f = ceilf(1.0f / p); /* aihwkit: max((int)ceilf(1/p), 2); here also for 1/p past INT_MAX */
    return f >= 2147483648.0f ? (uint64_t)2147483647 : (uint64_t)((int)f > 2 ? (int)f : 2);
}

static float uniform(const tf_state *s, uint32_t index, uint64_t counter, unsigned lane)
{
    float u[4];
    xbar_rng_uniform4(u, s->seed, xbar_stream(XBAR_RNG_CHOP, s->id, index), counter);
    return u[lane & 3];
}

static float clampf_sym(float x, float c) { return x > c ? c : (x < -c ? -c : x); }

/* H update of column r from the read y (ttv2); returns the rows with n != 0. */
static size_t buffer_ttv2(xbar_aw *a, size_t r, float lr_t)
{
    tf_state *s = ST(a);
    const size_t m = a->rows, n = a->cols;
    const float theta = a->o.thres_scale * s->gC, lr_abs = fabsf(lr_t);
    const float bl = (float)a->o.write_bl, mom = s->momentum;
    const float sub = 1.0f - (mom > 1.0f ? 1.0f : (mom < 0.0f ? 0.0f : mom));
    size_t nz = 0;
    for (size_t i = 0; i < m; i++) {
        float *h = &s->H[i * n + r];
        const float omega = *h + s->y[i] * lr_abs;
        const float st = clampf_sym(truncf(omega / theta), bl);
        if (a->o.forget_buffer)
            *h = st != 0.0f ? omega * mom : omega;
        else
            *h = st != 0.0f ? omega - sub * st * theta : omega;
        nz += (int)st != 0;
        s->nv[i] = -st;
    }
    return nz;
}

/* The c_ttv2 / agad buffer scale s = |lr_t|/bg. */
static float pulse_scale(const xbar_aw *a, float lr_t)
{
    const tf_state *s = ST(a);
    float bg = a->o.buffer_granularity > 0.0f ? a->o.buffer_granularity : 1.0f;
    if (a->o.auto_granularity > 0.0f) {
        const float period = (float)a->cols * fabsf((float)a->o.transfer_every);
        bg *= s->gA * a->o.auto_granularity / period;
    } else {
        bg *= s->gA;
    }
    return fabsf(lr_t) / bg;
}

static size_t buffer_cttv2(xbar_aw *a, size_t r, float lr_t)
{
    tf_state *s = ST(a);
    const size_t m = a->rows, n = a->cols;
    const float scale = pulse_scale(a, lr_t), bl = (float)a->o.write_bl, mom = s->momentum;
    const float sub = 1.0f - (mom > 1.0f ? 1.0f : (mom < 0.0f ? 0.0f : mom));
    size_t nz = 0;
    for (size_t i = 0; i < m; i++) {
        float *h = &s->H[i * n + r];
        float omega = a->o.no_buffer ? 0.0f : *h;
        const float val = s->y[i] * scale;
        omega += s->cin[r] != s->cout[i] ? -val : val;
        float st = 0.0f;
        if (fabsf(omega) >= 1.0f) {
            st = clampf_sym(truncf(omega), bl);
            if (a->o.forget_buffer)
                omega *= mom;
            else
                omega -= sub * st;
            nz++;
        }
        *h = omega;
        s->nv[i] = -st;
    }
    return nz;
}

static size_t buffer_agad(xbar_aw *a, size_t r, float lr_t)
{
    tf_state *s = ST(a);
    const size_t m = a->rows, n = a->cols;
    const uint64_t ns = chop_period(a->o.in_chop_prob);
    const float q = fminf(a->o.tail_weightening / (float)ns, 1.0f);
    const int switched = s->sw[r] != 0.0f;
    s->sw[r] = 0.0f;
    const float scale = pulse_scale(a, fabsf(lr_t)), bl = (float)a->o.write_bl;
    const float cap = bl * a->o.buffer_cap, mom = s->momentum;
    size_t nz = 0;
    for (size_t i = 0; i < m; i++) {
        const size_t k = i * n + r;
        const float val = s->y[i];
        float omega = s->H[k], mu = s->R[k];
        if (switched) s->R[k] = mu = s->M[k]; /* a new chopper phase: the reference is the running mean */
        float dw = val - mu;
        dw = s->cin[r] != s->cout[i] ? -dw : dw;
        omega += dw * scale;
        float st = 0.0f;
        if (fabsf(omega) >= 1.0f) {
            st = clampf_sym(truncf(omega), bl);
            if (a->o.forget_buffer) {
                omega *= mom;
            } else {
                omega -= (1.0f - mom) * st;
                if (cap > 0.0f) omega = clampf_sym(omega, cap);
            }
            nz++;
        }
        s->H[k] = omega;
        s->nv[i] = -st;
        s->M[k] = s->M[k] * (1.0f - q) + val * q;
    }
    return nz;
}

/* The chopper updates after the read (and write) of column r (agad's switch is here too). */
static void choppers(xbar_aw *a, size_t r, uint64_t read)
{
    tf_state *s = ST(a);
    const float p = a->o.in_chop_prob;
    if (s->v == TF_AGAD) {
        const uint64_t ns = chop_period(p);
        int flip = s->sweeps % ns + 1 == ns;
        if (s->in_chop_random && uniform(s, 0, read, 0) < p) flip = 1;
        if (flip) s->cin[r] = -s->cin[r], s->sw[r] = 1.0f;
        return;
    }
    if (s->v == TF_TTV2) return;
    if (p > 0.0f) {
        if (s->in_chop_random ? uniform(s, 0, read, 0) < p : s->sweeps % chop_period(p) + 1 == chop_period(p))
            s->cin[r] = -s->cin[r];
    }
    if (r + 1 == a->cols && a->o.out_chop_prob > 0.0f) {
        const uint64_t per = (a->rows + 3) / 4;
        for (size_t i = 0; i < a->rows; i++)
            if (uniform(s, 1, read * per + i / 4, (unsigned)i) < a->o.out_chop_prob) s->cout[i] = -s->cout[i];
    }
}

/* One transfer: column r = the pointer (step 4's transfer). */
static xbar_status transfer(xbar_aw *a, float lr)
{
    tf_state *s = ST(a);
    const size_t n = a->cols, r = s->next_col;
    s->next_col = (r + 1) % n;
    float lr_t = a->o.transfer_lr * lr;
    if (a->o.gamma > 0.0f) lr_t *= a->o.gamma;
    if (!(lr_t <= FLT_MAX)) return xbar_fail(XBAR_EINVAL, "learning rate %g: must be >= 0", (double)lr_t);
    if (lr_t == 0.0f) return XBAR_OK;
    xbar_status st = xbar_opt_read_col(&a->o, s->A, s->y, r);
    if (st) return st;
    xbar_zs_sub_col(&s->zs, s->y, a->rows, n, r);
    const uint64_t read = s->reads++;
    const size_t nz = s->v == TF_TTV2   ? buffer_ttv2(a, r, lr_t)
                      : s->v == TF_AGAD ? buffer_agad(a, r, lr_t)
                                        : buffer_cttv2(a, r, lr_t);
    if (nz && (s->v != TF_AGAD || s->sweeps > chop_period(a->o.in_chop_prob))) {
        const uint64_t before = xbar_tile_pulse_count(s->C);
        memset(s->e, 0, n * sizeof *s->e);
        s->e[r] = 1.0f;
        st = xbar_tile_update_unchecked(s->C, s->e, s->nv, 1, a->o.write_step * s->gC);
        if (st) return st;
        s->writes += xbar_tile_pulse_count(s->C) != before;
    }
    choppers(a, r, read);
    if (r + 1 == n) s->sweeps++;
    return XBAR_OK;
}

/* ---- update ---------------------------------------------------------------------------------- */

xbar_status xbar_tf_update(xbar_aw *a, const float *X, const float *D, size_t batch, float lr)
{
    tf_state *s = ST(a);
    const size_t m = a->rows, n = a->cols;
    const uint64_t every = (uint64_t)a->o.transfer_every * (s->units_in_mbatch ? (uint64_t)batch : 1u);
    const int auto_scale = s->v != TF_TTV2 && a->o.auto_scale;
    xbar_status st0 = xbar_zs_ensure(&s->zs, s->A, &a->o, n);
    if (st0) return st0;
    size_t s0 = 0;
    while (s0 < batch) {
        /* the vector updates up to the next transfer (one at a time with auto_scale: its lr moves) */
        const uint64_t to_next = every - s->k % every;
        size_t len = batch - s0 < to_next ? batch - s0 : (size_t)to_next;
        if (auto_scale) {
            len = 1;
            ema(&s->m_x, xbar_abs_max(X + s0 * n, n), a->o.auto_momentum, batch);
            ema(&s->m_d, xbar_abs_max(D + s0 * m, m), a->o.auto_momentum, batch);
        }
        xbar_status st = fast_piece(a, X + s0 * n, D + s0 * m, len, fast_lr(a, lr));
        if (st) return st;
        s->k += len;
        s0 += len;
        if (s->k % every == 0 && (st = transfer(a, lr))) return st;
    }
    return XBAR_OK;
}

xbar_status xbar_tf_step_dense(xbar_aw *a, const float *G, float lr)
{
    tf_state *s = ST(a);
    const size_t m = a->rows, n = a->cols;
    xbar_status st = xbar_zs_ensure(&s->zs, s->A, &a->o, n);
    if (st) return st;
    float *buf = xbar_opt_buffer(&s->dense, m * n, "a dense step");
    if (!buf) return XBAR_ENOMEM;
    const float lr_a = fast_lr(a, lr);
    s->lr_a = lr_a;
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) buf[i * n + j] = -lr_a * (G[i * n + j] * (s->cout[i] * s->cin[j]));
    st = xbar_tile_apply_delta_unchecked(s->A, buf);
    if (st) return st;
    s->k++;
    return s->k % (uint64_t)a->o.transfer_every == 0 ? transfer(a, lr) : XBAR_OK;
}

/* ---- weights and reads ------------------------------------------------------------------------ */

void xbar_tf_get_weights(const xbar_aw *a, float *W)
{
    const tf_state *s = ST(a);
    const size_t m = a->rows, n = a->cols;
    xbar_tile_get_weights(s->C, W, n);
    if (a->o.gamma == 0.0f) return;
    const float *wa = xbar_tile_weights(s->A), g = a->o.gamma;
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) W[i * n + j] += g * (wa[i * n + j] * (s->cout[i] * s->cin[j]));
}

void xbar_tf_set_weights(xbar_aw *a, const float *W)
{
    tf_state *s = ST(a);
    xbar_tile_set_weights_unchecked(s->C, W, a->cols);
    float *zero = s->e;
    memset(zero, 0, a->cols * sizeof *zero);
    xbar_tile_set_weights_unchecked(s->A, zero, 0); /* leading dimension 0: the zero row for every row */
    s->k = 0;
    s->next_col = 0;
    xbar_zs_restart(&s->zs);
}

/* Reads through W = C + gamma*(sigma o A): one read of each tile; A's with the choppers on its
 * input and output (sigma = +1 for ttv2). */
xbar_status xbar_tf_mvm(xbar_aw *a, float *out, const float *in, size_t batch, int back)
{
    tf_state *s = ST(a);
    const size_t n_in = back ? a->rows : a->cols, n_out = back ? a->cols : a->rows;
    xbar_status st = back ? xbar_tile_backward(s->C, out, in, batch) : xbar_tile_forward(s->C, out, in, batch);
    if (st != XBAR_OK || a->o.gamma == 0.0f) return st;
    const float *c_in = back ? s->cout : s->cin, *c_out = back ? s->cin : s->cout;
    const int chop = chopped(s, a->rows, a->cols);
    float *w = work(s, batch * (n_out + (chop ? n_in : 0)));
    if (!w) return XBAR_ENOMEM;
    float *mix = w, *xin = w + batch * n_out;
    if (chop)
        for (size_t b = 0; b < batch; b++)
            for (size_t j = 0; j < n_in; j++) xin[b * n_in + j] = in[b * n_in + j] * c_in[j];
    const float *src = chop ? xin : in;
    st = back ? xbar_tile_backward(s->A, mix, src, batch) : xbar_tile_forward(s->A, mix, src, batch);
    for (size_t b = 0; b < batch; b++)
        for (size_t i = 0; i < n_out; i++) out[b * n_out + i] += a->o.gamma * (mix[b * n_out + i] * c_out[i]);
    return st;
}

xbar_tile *xbar_tf_fast_tile(const xbar_aw *a) { return ST(a)->A; }
xbar_tile *xbar_tf_slow_tile(const xbar_aw *a) { return ST(a)->C; }

uint64_t xbar_tf_pulse_count(const xbar_aw *a)
{
    return xbar_tile_pulse_count(ST(a)->A) + xbar_tile_pulse_count(ST(a)->C) + ST(a)->zs.pulses;
}

void xbar_tf_pulse_counts(const xbar_aw *a, xbar_pulse_counts *pc)
{
    pc->grad_pulses = xbar_tile_pulse_count(ST(a)->A);
    pc->transfer_pulses = xbar_tile_pulse_count(ST(a)->C);
    pc->reads = ST(a)->reads;
    pc->writes = ST(a)->writes;
    pc->calib_pulses = ST(a)->zs.pulses;
}

const float *xbar_tf_array(const xbar_aw *a, size_t k, const char **what, size_t *n)
{
    const tf_state *s = ST(a);
    static const char *const names[] = {"weights", "fast tile A", "buffer H", "running mean M", "phase reference R"};
    const size_t own = s->v == TF_AGAD ? 5u : 3u;
    if (k >= own + (s->zs.Z != NULL)) return NULL;
    *what = k == own ? "zero-shifting reference Z" : names[k], *n = a->rows * a->cols;
    return k == own ? s->zs.Z
           : k == 0 ? xbar_tile_weights(s->C)
           : k == 1 ? xbar_tile_weights(s->A)
           : k == 2 ? s->H
           : k == 3 ? s->M
                    : s->R;
}

/* ---- checkpoints --------------------------------------------------------------------------------- */

void xbar_tf_counters(const xbar_aw *a, uint64_t c[2])
{
    c[0] = ST(a)->k;
    c[1] = ST(a)->next_col;
}

xbar_status xbar_tf_save(const xbar_aw *a, FILE *f)
{
    const tf_state *s = ST(a);
    const size_t m = a->rows, n = a->cols;
    const float ema3[3] = {s->m_x, s->m_d, s->lr_a};
    XBAR_CK_TRY(xbar_ck_put_tag(f, "XBTF"));
    XBAR_CK_TRY(xbar_ck_put_u32(f, (uint32_t)a->o.kind));
    XBAR_CK_TRY(xbar_ck_put_u64(f, s->sweeps));
    XBAR_CK_TRY(xbar_ck_put_u64(f, s->reads));
    XBAR_CK_TRY(xbar_ck_put_u64(f, s->writes));
    XBAR_CK_TRY(xbar_ck_put_f32s(f, ema3, 3));
    XBAR_CK_TRY(xbar_ck_put_f32s(f, s->cin, n + m + n)); /* c_in, c_out, switched: one block */
    XBAR_CK_TRY(xbar_ck_put_f32s(f, s->H, m * n * n_buffers(s->v)));
    XBAR_CK_TRY(xbar_zs_save(&s->zs, f));
    XBAR_CK_TRY(xbar_tile_save(s->A, f));
    return xbar_tile_save(s->C, f);
}

xbar_status xbar_tf_load(xbar_aw *a, FILE *f, const uint64_t c[2])
{
    tf_state *s = ST(a);
    const size_t m = a->rows, n = a->cols, nb = m * n * n_buffers(s->v);
    uint32_t kind;
    uint64_t cnt[3];
    float ema3[3];
    XBAR_CK_TRY(xbar_ck_get_tag(f, "XBTF", "transfer-family state"));
    XBAR_CK_TRY(xbar_ck_get_u32(f, &kind));
    if (kind != (uint32_t)a->o.kind)
        return xbar_fail(XBAR_EFORMAT, "checkpoint: transfer-family state of kind %u, expected %s", kind,
                         xbar_opt_kind_name(a->o.kind));
    for (int k = 0; k < 3; k++) XBAR_CK_TRY(xbar_ck_get_u64(f, &cnt[k]));
    XBAR_CK_TRY(xbar_ck_get_f32s(f, ema3, 3));
    float *vec = malloc((2 * n + m + nb) * sizeof(float));
    if (!vec) return xbar_fail(XBAR_ENOMEM, "checkpoint: out of memory");
    xbar_status st = xbar_ck_get_f32s(f, vec, 2 * n + m + nb);
    const char *bad = NULL;
    for (size_t k = 0; !st && !bad && k < 2 * n + m; k++) {
        const float v = vec[k];
        if (k < n + m ? v != 1.0f && v != -1.0f : v != 0.0f && v != 1.0f)
            bad = k < n + m ? "a chopper is not +-1" : "a switched flag is not 0 or 1";
    }
    if (!st && !bad && xbar_first_nonfinite(vec + 2 * n + m, nb) < nb) bad = "a buffer value is not finite";
    for (int k = 0; !st && !bad && k < 3; k++)
        if (!isfinite(ema3[k]) || ema3[k] < 0.0f) bad = "an auto_scale value is not finite and >= 0";
    if (!st && bad) st = xbar_fail(XBAR_EFORMAT, "checkpoint: transfer-family state: %s", bad);
    if (!st) {
        memcpy(s->cin, vec, (2 * n + m) * sizeof(float));
        memcpy(s->H, vec + 2 * n + m, nb * sizeof(float));
        s->sweeps = cnt[0], s->reads = cnt[1], s->writes = cnt[2];
        s->m_x = ema3[0], s->m_d = ema3[1], s->lr_a = ema3[2];
        s->k = c[0];
        s->next_col = (size_t)c[1];
    }
    free(vec);
    if (st) return st;
    XBAR_CK_TRY(xbar_zs_load(&s->zs, f));
    XBAR_CK_TRY(xbar_tile_load(s->A, f));
    return xbar_tile_load(s->C, f);
}
