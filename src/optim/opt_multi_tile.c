/* opt_multi_tile.c - MULTI_TILE_RL: multi-tile residual learning ([MT25], spec successors §6).
 * Tiles W(0) .. W(N) (N + 1 = mt_tiles), all on the tile configuration given (ids id .. id + N);
 * the weight read is W̄ = sum_n gamma^n W(n) (gamma = mt_gamma), forward and backward alike.
 * Per update: W(N), the finest tile, takes the gradient at fast_lr (its own update settings);
 * then for n = N-1 down to 0, every transfer_every * mt_growth^(N-1-n) updates, transfer_columns
 * columns of W(n+1) (cyclic per pair, 0 = all) are read (the transfer's IO) and written into
 * W(n) at rate beta_n = transfer_lr*lr*mt_lr_growth^(N-1-n) (the transfer's update settings):
 * W(n)[:,j] += beta_n W(n+1)[:,j] ([MT25]'s per-tile rates 0.1*1.2^k: mt_lr_growth 1.2).
 * set_weights puts W in W(0) and zeros the others.
 *
 * Warm start (mt_warm_start, [MT25] Alg. 1 lines 1-18): after set_weights the cascade waits; W(N)
 * is transferred straight into tile k (k = 0 first; pair k's column pointer and rate, every
 * transfer_every updates) until the loss the caller reports (observe_loss, each epoch in `xbar
 * train`) plateaus, then k moves on; when k reaches N the cascade runs. Plateau: for the first 4
 * moves, the newest loss is above the one before it; afterwards, at least 2 rises among the last
 * 5 differences of at least 6 losses. The history starts empty after each move (the text leaves
 * it open; a move then needs new evidence). Losses are kept as float32 (as the checkpoint keeps
 * them, so a resumed run decides alike). mt_warm_rule 1 follows [MT25]'s published code instead
 * (xbar.h): other plateau thresholds, W(N) into tile k every transfer_every*mt_growth updates at
 * the finest pair's rate, and after tile N-1 an idle phase (k = N: no transfer) before the
 * cascade (k = N + 1).
 *
 * Checkpoint: header counters (updates, 0); payload: u32 tiles, the N next-column pointers (u64
 * each), the "XBTL" record of every tile; with mt_warm_start (only then, so other checkpoints
 * keep their layout) the record "XBWS": u64 k, u64 moves, u64 losses held, u64 column reads,
 * f32 losses[6]. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "ckpt.h"
#include "optim_ops.h"
#include "transfer_family.h"

typedef struct {
    int nt;                              /* tiles, N + 1 */
    xbar_tile *t[XBAR_MT_MAX_TILES];     /* t[nt-1] the gradient tile */
    size_t next_col[XBAR_MT_MAX_TILES];  /* pair n+1 -> n: next column */
    uint64_t n_updates;
    float *col;                          /* rows + cols: a column read, then the one-hot input */
    float *dense, *mix;                  /* rows*cols (dense step); a second read (grown) */
    size_t mix_cap;
    int warm;       /* warm start: the tile W(N) goes into; last_phase() when the cascade runs */
    int moves;      /* warm start: moves of k so far */
    int nhist;      /* warm start: losses held (at most MT_HIST) */
    float hist[6];  /* warm start: the newest losses, oldest first */
    uint64_t reads; /* column reads since set_weights (counted; with the warm start in its record) */
} multi_tile;

#define MT_HIST 6

#define ST(a) ((multi_tile *)(a)->st)
#define OFF(f) offsetof(xbar_opt_params, f)

/* The warm start's phase in which the cascade runs: N (nt - 1), or N + 1 under mt_warm_rule 1
 * (its phase N is the idle one). */
static int last_phase(const xbar_aw *a) { return a->o.mt_tiles - 1 + a->o.mt_warm_rule; }

static const xbar_key keys[] = {
    XBAR_TF_KEY_FAST_LR,
    XBAR_TF_KEY_TRANSFER_LR,
    XBAR_TF_KEY_TRANSFER_EVERY,
    XBAR_TF_KEY_TRANSFER_COLUMNS,
    {"optimizer", "mt_tiles", XBAR_KEY_INT, OFF(mt_tiles), .min = 2, .max = XBAR_MT_MAX_TILES,
     .flags = XBAR_KEY_MIN | XBAR_KEY_MAX, .doc = "multi_tile_rl: tiles N + 1 (the gradient tile included)"},
    {"optimizer", "mt_gamma", XBAR_KEY_FLOAT, OFF(mt_gamma), .flags = XBAR_KEY_POS,
     .doc = "multi_tile_rl: scale ratio gamma of consecutive tiles, read W = sum_n gamma^n W(n) (in (0, 1))"},
    {"optimizer", "mt_growth", XBAR_KEY_INT, OFF(mt_growth), .min = 1, .flags = XBAR_KEY_MIN,
     .doc = "multi_tile_rl: the transfer into tile n comes every transfer_every*mt_growth^(N-1-n) updates"},
    {"optimizer", "mt_warm_start", XBAR_KEY_BOOL, OFF(mt_warm_start),
     .doc = "multi_tile_rl: 1 = MT25's warm start: the gradient tile goes straight into tile 0, 1, ... in turn, "
            "moving on when the epoch's training loss plateaus, then the cascade; 0 = the cascade from the start"},
    {"optimizer", "mt_warm_rule", XBAR_KEY_INT, OFF(mt_warm_rule), .min = 0, .max = 1,
     .flags = XBAR_KEY_MIN | XBAR_KEY_MAX,
     .doc = "multi_tile_rl warm start: 0 = the spec's reading of MT25 Alg. 1 (a plateau is a rise; W(N) into tile k "
            "every transfer_every updates at pair k's rate); 1 = MT25's published code (a rise of > 1e-4, then 2 of "
            "5 differences above -0.01; every transfer_every*mt_growth updates at the finest pair's rate; an idle "
            "phase after tile N-1)"},
    {"optimizer", "mt_lr_growth", XBAR_KEY_FLOAT, OFF(mt_lr_growth), .flags = XBAR_KEY_POS,
     .doc = "multi_tile_rl: the transfer into tile n is at rate transfer_lr*lr*mt_lr_growth^(N-1-n) (the spec's "
            "reading of MT25: 1.2; MT25's published code: 1/1.2 with transfer_lr*lr = 0.1*1.2^N; 1 = one rate for "
            "every pair)"},
    {NULL, NULL, XBAR_KEY_FLOAT, 0, 0, 0, 0, NULL, 0, NULL}};

static void defaults(xbar_opt_params *o)
{
    o->mt_tiles = 3;
    o->mt_gamma = 0.1f;
    o->mt_growth = 2;
    o->mt_lr_growth = 1.0f;
    o->mt_warm_start = 0;
    o->mt_warm_rule = 0;
}

static const char *check(const xbar_opt_params *o)
{
    if (o->mt_tiles < 2 || o->mt_tiles > XBAR_MT_MAX_TILES)
        return xbar_msg("optimizer.mt_tiles = %d: must be in [2, %d]", o->mt_tiles, XBAR_MT_MAX_TILES);
    if (!(o->mt_gamma > 0.0f && o->mt_gamma < 1.0f))
        return xbar_msg("optimizer.mt_gamma = %g: must be in (0, 1)", (double)o->mt_gamma);
    if (o->mt_growth < 1) return xbar_msg("optimizer.mt_growth = %d: must be >= 1", o->mt_growth);
    if (!(o->mt_lr_growth > 0.0f) || !isfinite(o->mt_lr_growth))
        return xbar_msg("optimizer.mt_lr_growth = %g: must be > 0 and finite", (double)o->mt_lr_growth);
    if (o->mt_warm_start != 0 && o->mt_warm_start != 1)
        return xbar_msg("optimizer.mt_warm_start = %d: must be 0 or 1", o->mt_warm_start);
    if (o->mt_warm_rule != 0 && o->mt_warm_rule != 1)
        return xbar_msg("optimizer.mt_warm_rule = %d: must be 0 or 1", o->mt_warm_rule);
    return NULL;
}

/* Tile n's configuration: the given one with id + n; the coarse tiles with the transfer's update. */
static xbar_tile_config tile_config(const xbar_opt_params *o, const xbar_tile_config *tc, int n)
{
    xbar_tile_config c = *tc;
    c.id = tc->id + (uint32_t)n;
    if (n < o->mt_tiles - 1) c.update = o->transfer_update;
    return c;
}

static xbar_status create(xbar_aw *a, const xbar_tile_config *tc)
{
    multi_tile *s = calloc(1, sizeof *s);
    if (!s) return xbar_fail(XBAR_ENOMEM, "optimizer: out of memory");
    a->st = s;
    s->nt = a->o.mt_tiles;
    s->col = calloc(a->rows + a->cols, sizeof(float));
    if (!s->col) return xbar_fail(XBAR_ENOMEM, "optimizer: out of memory");
    for (int n = 0; n < s->nt; n++) {
        const xbar_tile_config c = tile_config(&a->o, tc, n);
        if (!(s->t[n] = xbar_tile_new(&c))) return XBAR_EINVAL;
    }
    s->warm = a->o.mt_warm_start ? 0 : last_phase(a);
    return XBAR_OK;
}

static void destroy(void *st)
{
    multi_tile *s = st;
    if (!s) return;
    for (int n = 0; n < s->nt; n++) xbar_tile_free(s->t[n]);
    free(s->col), free(s->dense), free(s->mix);
    free(s);
}

static size_t memory(const xbar_opt_params *o, const xbar_tile_config *tc)
{
    size_t b = sizeof(multi_tile) + (tc->rows + tc->cols + tc->rows * tc->cols) * sizeof(float);
    for (int n = 0; n < o->mt_tiles; n++) {
        const xbar_tile_config c = tile_config(o, tc, n);
        b += xbar_tile_memory_bytes(&c);
    }
    return b;
}

/* W(n)[:,j] += beta W(src)[:,j] for pair n's next transfer_columns columns (src = n + 1, or the
 * gradient tile in the warm start). */
static xbar_status transfer(xbar_aw *a, int n, int src, float beta)
{
    multi_tile *s = ST(a);
    const size_t m = a->rows, nc = a->cols;
    const size_t k = xbar_opt_transfer_k(&a->o, nc);
    float *y = s->col, *e = y + m;
    for (size_t c = 0; c < k; c++) {
        const size_t j = s->next_col[n];
        s->next_col[n] = (j + 1) % nc;
        s->reads++;
        xbar_status st = xbar_opt_read_col(&a->o, s->t[src], y, j);
        if (st || (st = xbar_opt_write_col(s->t[n], y, e, m, nc, j, beta))) return st;
    }
    return XBAR_OK;
}

/* After an update of the gradient tile: the cascade, finest pair first. */
static xbar_status cascade(xbar_aw *a, float lr)
{
    multi_tile *s = ST(a);
    float beta = a->o.transfer_lr * lr; /* the finest pair's; times mt_lr_growth per coarser pair */
    if (!(beta <= FLT_MAX)) return xbar_fail(XBAR_EINVAL, "learning rate %g: must be >= 0", (double)beta);
    s->n_updates++;
    uint64_t period = (uint64_t)a->o.transfer_every;
    if (s->warm < last_phase(a)) { /* warm start: W(N) straight into W(warm) */
        if (s->warm == s->nt - 1) return XBAR_OK; /* mt_warm_rule 1's idle phase */
        if (a->o.mt_warm_rule) /* the second pair's period, the finest pair's rate */
            period = period > UINT64_MAX / (uint64_t)a->o.mt_growth ? UINT64_MAX : period * (uint64_t)a->o.mt_growth;
        else /* pair warm's rate */
            for (int n = s->nt - 2; n > s->warm; n--) beta *= a->o.mt_lr_growth;
        if (!(beta <= FLT_MAX)) return xbar_fail(XBAR_EINVAL, "multi_tile_rl: transfer rate %g into tile %d",
                                                 (double)beta, s->warm);
        return s->n_updates % period ? XBAR_OK : transfer(a, s->warm, s->nt - 1, beta);
    }
    for (int n = s->nt - 2; n >= 0; n--, beta *= a->o.mt_lr_growth) {
        if (s->n_updates % period == 0) {
            if (!(beta <= FLT_MAX)) return xbar_fail(XBAR_EINVAL, "multi_tile_rl: transfer rate %g into tile %d",
                                                     (double)beta, n);
            xbar_status st = transfer(a, n, n + 1, beta);
            if (st) return st;
        }
        if (period > UINT64_MAX / (uint64_t)a->o.mt_growth) break; /* coarser pairs: never within 2^64 */
        period *= (uint64_t)a->o.mt_growth;
    }
    return XBAR_OK;
}

static xbar_status update(xbar_aw *a, const float *X, const float *D, size_t batch, float lr)
{
    xbar_status s = xbar_tile_update_unchecked(ST(a)->t[ST(a)->nt - 1], X, D, batch, a->o.fast_lr);
    return s ? s : cascade(a, lr);
}

static xbar_status step_dense(xbar_aw *a, const float *G, float lr)
{
    const size_t n = a->rows * a->cols;
    float *buf = xbar_opt_buffer(&ST(a)->dense, n, "a dense step");
    if (!buf) return XBAR_ENOMEM;
    for (size_t k = 0; k < n; k++) buf[k] = -a->o.fast_lr * G[k];
    xbar_status s = xbar_tile_apply_delta_unchecked(ST(a)->t[ST(a)->nt - 1], buf);
    return s ? s : cascade(a, lr);
}

static void get_weights(const xbar_aw *a, float *W)
{
    const multi_tile *s = ST(a);
    const size_t n = a->rows * a->cols;
    xbar_tile_get_weights(s->t[0], W, a->cols);
    float g = 1.0f;
    for (int t = 1; t < s->nt; t++) {
        g *= a->o.mt_gamma;
        const float *w = xbar_tile_weights(s->t[t]);
        for (size_t k = 0; k < n; k++) W[k] += g * w[k];
    }
}

static void set_weights(xbar_aw *a, const float *W)
{
    multi_tile *s = ST(a);
    xbar_tile_set_weights_unchecked(s->t[0], W, a->cols);
    float *zero = s->col + a->rows;
    memset(zero, 0, a->cols * sizeof(float));
    for (int t = 1; t < s->nt; t++) xbar_tile_set_weights_unchecked(s->t[t], zero, 0);
    memset(s->next_col, 0, sizeof s->next_col);
    s->n_updates = 0;
    s->warm = a->o.mt_warm_start ? 0 : last_phase(a);
    s->moves = s->nhist = 0;
    s->reads = 0;
    memset(s->hist, 0, sizeof s->hist);
}

/* The warm start's plateau test on the losses held (see the top of this file): a difference
 * counts when it is above `rise` (first 4 moves) or `level` (afterwards): 0 and 0 by the spec's
 * reading, 1e-4 and -0.01 by [MT25]'s code (mt_warm_rule 1). */
static int plateau(const multi_tile *s, int rule)
{
    const int h = s->nhist;
    const float rise = rule ? 1e-4f : 0.0f, level = rule ? -0.01f : 0.0f;
    if (s->moves < 4) return h >= 2 && s->hist[h - 1] - s->hist[h - 2] > rise;
    int count = 0;
    for (int i = h - 5; h >= MT_HIST && i < h; i++) count += rule ? s->hist[i] - s->hist[i - 1] >= level
                                                                  : s->hist[i] > s->hist[i - 1];
    return h >= MT_HIST && count >= 2;
}

static void observe_loss(xbar_aw *a, double loss)
{
    multi_tile *s = ST(a);
    if (s->warm >= last_phase(a)) return;
    if (s->nhist == MT_HIST) memmove(s->hist, s->hist + 1, (MT_HIST - 1) * sizeof *s->hist), s->nhist--;
    s->hist[s->nhist++] = (float)loss;
    if (plateau(s, a->o.mt_warm_rule)) s->warm++, s->moves++, s->nhist = 0;
}

static xbar_status mvm(xbar_aw *a, float *out, const float *in, size_t batch, int back)
{
    multi_tile *s = ST(a);
    const size_t n_out = (back ? a->cols : a->rows) * batch;
    xbar_status st = back ? xbar_tile_backward(s->t[0], out, in, batch) : xbar_tile_forward(s->t[0], out, in, batch);
    if (st) return st;
    if (!xbar_opt_grow(&s->mix, &s->mix_cap, n_out)) return XBAR_ENOMEM;
    float g = 1.0f;
    for (int t = 1; t < s->nt; t++) {
        g *= a->o.mt_gamma;
        st = back ? xbar_tile_backward(s->t[t], s->mix, in, batch) : xbar_tile_forward(s->t[t], s->mix, in, batch);
        if (st) return st;
        for (size_t k = 0; k < n_out; k++) out[k] += g * s->mix[k];
    }
    return XBAR_OK;
}

static size_t tiles_of(const xbar_opt_params *o) { return (size_t)o->mt_tiles; }

static xbar_tile *fast_tile(const xbar_aw *a) { return ST(a)->t[ST(a)->nt - 1]; }
static xbar_tile *slow_tile(const xbar_aw *a) { return ST(a)->t[0]; }

static uint64_t pulse_count(const xbar_aw *a)
{
    uint64_t p = 0;
    for (int t = 0; t < ST(a)->nt; t++) p += xbar_tile_pulse_count(ST(a)->t[t]);
    return p;
}

/* Reads and writes follow from the schedule: k columns per transfer of each pair. */
static void pulse_counts(const xbar_aw *a, xbar_pulse_counts *pc)
{
    const multi_tile *s = ST(a);
    const size_t k = xbar_opt_transfer_k(&a->o, a->cols);
    pc->grad_pulses = xbar_tile_pulse_count(s->t[s->nt - 1]);
    for (int n = 0; n < s->nt - 1; n++) pc->transfer_pulses += xbar_tile_pulse_count(s->t[n]);
    uint64_t period = (uint64_t)a->o.transfer_every;
    for (int n = s->nt - 2; n >= 0 && !a->o.mt_warm_start; n--) {
        pc->reads += s->n_updates / period * k;
        if (period > UINT64_MAX / (uint64_t)a->o.mt_growth) break;
        period *= (uint64_t)a->o.mt_growth;
    }
    if (a->o.mt_warm_start) pc->reads = s->reads; /* the schedule changes at the moves: counted */
    pc->writes = pc->reads;
}

static const float *array(const xbar_aw *a, size_t k, const char **what, size_t *n)
{
    static const char *const names[XBAR_MT_MAX_TILES] = {"weights", "tile 1", "tile 2", "tile 3",
                                                         "tile 4", "tile 5", "tile 6", "tile 7"};
    if (k >= (size_t)ST(a)->nt) return NULL;
    *what = names[k], *n = a->rows * a->cols;
    return xbar_tile_weights(ST(a)->t[k]);
}

static void counters(const xbar_aw *a, uint64_t c[2])
{
    c[0] = ST(a)->n_updates;
    c[1] = 0;
}

static xbar_status save(const xbar_aw *a, FILE *f)
{
    const multi_tile *s = ST(a);
    XBAR_CK_TRY(xbar_ck_put_u32(f, (uint32_t)s->nt));
    for (int n = 0; n < s->nt - 1; n++) XBAR_CK_TRY(xbar_ck_put_u64(f, (uint64_t)s->next_col[n]));
    for (int n = 0; n < s->nt; n++) XBAR_CK_TRY(xbar_tile_save(s->t[n], f));
    if (!a->o.mt_warm_start) return XBAR_OK;
    XBAR_CK_TRY(xbar_ck_put_tag(f, "XBWS"));
    XBAR_CK_TRY(xbar_ck_put_u64(f, (uint64_t)s->warm));
    XBAR_CK_TRY(xbar_ck_put_u64(f, (uint64_t)s->moves));
    XBAR_CK_TRY(xbar_ck_put_u64(f, (uint64_t)s->nhist));
    XBAR_CK_TRY(xbar_ck_put_u64(f, s->reads));
    return xbar_ck_put_f32s(f, s->hist, MT_HIST);
}

static xbar_status load(xbar_aw *a, FILE *f, const uint64_t c[2])
{
    multi_tile *s = ST(a);
    uint32_t nt;
    XBAR_CK_TRY(xbar_ck_get_u32(f, &nt));
    if (nt != (uint32_t)s->nt)
        return xbar_fail(XBAR_EFORMAT, "checkpoint: multi_tile_rl state of %u tiles, expected %d", nt, s->nt);
    for (int n = 0; n < s->nt - 1; n++) {
        uint64_t v;
        XBAR_CK_TRY(xbar_ck_get_u64(f, &v));
        if (v >= a->cols)
            return xbar_fail(XBAR_EFORMAT, "checkpoint: multi_tile_rl column pointer %llu >= %zu",
                             (unsigned long long)v, a->cols);
        s->next_col[n] = (size_t)v;
    }
    for (int n = 0; n < s->nt; n++) XBAR_CK_TRY(xbar_tile_load(s->t[n], f));
    s->n_updates = c[0];
    if (!a->o.mt_warm_start) return XBAR_OK;
    uint64_t w, mv, nh;
    XBAR_CK_TRY(xbar_ck_get_tag(f, "XBWS", "multi_tile_rl warm start"));
    XBAR_CK_TRY(xbar_ck_get_u64(f, &w));
    XBAR_CK_TRY(xbar_ck_get_u64(f, &mv));
    XBAR_CK_TRY(xbar_ck_get_u64(f, &nh));
    XBAR_CK_TRY(xbar_ck_get_u64(f, &s->reads));
    XBAR_CK_TRY(xbar_ck_get_f32s(f, s->hist, MT_HIST));
    const int last = last_phase(a);
    if (w > (uint64_t)last || mv > (uint64_t)last || nh > MT_HIST || xbar_first_nonfinite(s->hist, MT_HIST) < MT_HIST)
        return xbar_fail(XBAR_EFORMAT, "checkpoint: multi_tile_rl warm start: tile %llu, %llu moves, %llu losses "
                         "(at most %d, %d, %d, all finite)", (unsigned long long)w, (unsigned long long)mv,
                         (unsigned long long)nh, last, last, MT_HIST);
    s->warm = (int)w, s->moves = (int)mv, s->nhist = (int)nh;
    return XBAR_OK;
}

const xbar_opt_ops xbar_opt_multi_tile_rl_ops = {
    .name = "multi_tile_rl",
    .summary = "multi-tile residual learning: tiles W(0..N) read as sum gamma^n W(n), the finest learns, a cascade "
               "of column transfers W(n+1) -> W(n)",
    .tiles = 2, /* at least */
    .tiles_of = tiles_of,
    .keys = keys,
    .defaults = defaults,
    .check = check,
    .create = create,
    .free = destroy,
    .memory = memory,
    .update = update,
    .step_dense = step_dense,
    .get_weights = get_weights,
    .set_weights = set_weights,
    .mvm = mvm,
    .fast_tile = fast_tile,
    .slow_tile = slow_tile,
    .pulse_count = pulse_count,
    .pulse_counts = pulse_counts,
    .observe_loss = observe_loss,
    .array = array,
    .counters = counters,
    .save = save,
    .load = load,
};
