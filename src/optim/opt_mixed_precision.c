/* opt_mixed_precision.c - MIXED_PRECISION: the gradient is accumulated digitally in a float
 * matrix chi (rows x cols) and written into one analog tile W row by row, in whole pulses of
 * the granularity eps (aihwkit MixedPrecisionCompound under DigitalRankUpdateRPUConfig; spec
 * successors §8, docs/algorithms/mixed_precision.md). The visible weight is W.
 *
 * State: the tile W (built from the tile config given to xbar_aw_new, with update management
 * and BL management forced on, see below), chi (zero at the start), the update index k
 * (vector updates so far), the row pointer r (next row to transfer) and the count of row
 * writes (rows with some n != 0).
 *
 * One call update(X, D, batch, lr): m_batch = batch vector updates (one per sample; a conv
 * layer passes batch x output pixels), period P = transfer_every * batch. For each vector
 * update b, in order:
 *   1. chi_ij = fmaf(lr*d_i, x_j, chi_ij) for every i, j: aihwkit's BLAS ger, whose kernels
 *      fuse the multiply-add (the stored chi of fixture case 9 matches only the fused form).
 *      lr*d_i is rounded to float first, as ger's alpha*y[i].
 *   2. if k > 0 and k mod P == 0 (k counted BEFORE this vector update): transfer (below).
 *      So the first transfer follows vector update P + 1, the next ones every P later; with
 *      a constant batch, the first sample of every transfer_every-th call.
 *   3. k += 1.
 * Transfer (skipped, the row pointer kept, when transfer_lr = 0, as aihwkit): the next
 * n_rows = mp_rows rows from r, cyclically (all rows when -1; at most rows). Per row i:
 *   n_j = truncf(chi_ij / eps);  chi_ij = chi_ij - n_j*eps  (float, unfused);
 *   a pulsed update of W with x = n, d = e_i and learning rate eps*transfer_lr, so that
 *   W[i,:] moves by -eps*transfer_lr*n in expectation (W follows -lr sum d x^T).
 *   eps = mp_granularity, or the weight granularity of W's devices when 0 (dw_min for most
 *   models; what aihwkit's getWeightGranularity gives).
 * The write goes through the library's tile update (xbar_tile_update_unchecked), so the
 * pulse scheme and the device model are the library's: up to MP_CHUNK (64) rows of one
 * transfer per call, as its samples (x = n, d = e_i). Each sample touches its own row, so
 * this is aihwkit's row-by-row write with other random draws (the same bits for IMPLICIT),
 * at a 64th of the calls. aihwkit writes with the main
 * update parameters with update management and BL management forced on (setUpPar); W is
 * written by nothing else, so its tile is simply built with those two switched on: BL =
 * min(ceil(transfer_lr * max|n|), desired_bl) (eps = granularity), p_d = 1 and p_x[j] =
 * |n_j|/max|n| when transfer_lr*max|n| <= desired_bl: IMPLICIT writes |n_j| pulses,
 * STOCHASTIC Binomial(max|n|, |n_j|/max|n|). A row with every n_j = 0 is not written (it
 * would fire nothing). With a dense scheme (EXPECTED, COUNT) the increments of all rows of
 * one transfer are applied at once (xbar_tile_apply_delta_unchecked), as the tile applies
 * a mini-batch: each weight is touched by one row only, so this equals row-by-row writes.
 * step_dense(G, lr): one vector update with the dense gradient G: chi_ij = fmaf(lr, G_ij,
 * chi_ij), then steps 2-3 with m_batch = 1.
 *
 * Not offered: aihwkit's n_x_bins / n_d_bins quantisation (its one-sided branch is wrong in
 * 1.0.0, fixture README case 9), random_row, and transfer_every below one mini-batch.
 *
 * Forward / backward: reads of W through the tile's IO. set_weights: W = the given weights
 * (clipped), chi = 0, k = 0, r = 0 (aihwkit onSetWeights); the write counter is kept (as the
 * tile's pulse count). Pulse counts: grad_pulses 0 (the gradient is digital),
 * transfer_pulses = W's pulses, reads 0, writes = row writes: the rows of a transfer with
 * some n_j != 0 (aihwkit writes those and only those).
 *
 * Checkpoint: header counters n_updates = k and next_col = 0 (a record with another value
 * is refused); payload u64 row pointer r (< rows), u64 writes, rows*cols f32 chi (finite),
 * then the "XBTL" record of W. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "ckpt.h"
#include "optim_ops.h"

typedef struct {
    xbar_tile *W;
    float *chi;      /* rows*cols digital accumulator */
    float *nrow;     /* MP_CHUNK x (cols + rows): rows of counts n, then their one-hot d = e_i */
    float *dense;    /* rows*cols: the transfer increment of a dense scheme (allocated at create) */
    float eps;       /* transfer granularity (weight units) */
    uint64_t k;      /* vector updates so far (the transfer schedule) */
    size_t next_row; /* next row to transfer */
    uint64_t writes; /* row writes (rows of a transfer with some n != 0) */
    int fma;         /* the CPU has FMA: the vectorised accumulation */
    int avx;         /* the CPU has AVX: the vectorised transfer counts */
} mixed_precision;

#define ST(a) ((mixed_precision *)(a)->st)
enum { MP_CHUNK = 64 }; /* rows of a transfer written by one pulsed update of W */

#define OFF(f) offsetof(xbar_opt_params, f)
static const xbar_key keys[] = {
    {"optimizer", "transfer_lr", XBAR_KEY_FLOAT, OFF(transfer_lr), .flags = XBAR_KEY_NONNEG,
     .doc = "Tiki-Taka: C += transfer_lr*lr*A[:,j]"},
    {"optimizer", "transfer_every", XBAR_KEY_INT, OFF(transfer_every), .min = 1, .flags = XBAR_KEY_MIN,
     .doc = "transfer after every n updates"},
    {"optimizer", "mp_rows", XBAR_KEY_INT, OFF(mp_rows), .min = -1, .flags = XBAR_KEY_MIN,
     .doc = "mixed_precision: rows per transfer, cyclic; -1 = all (0 is refused)"},
    {"optimizer", "mp_granularity", XBAR_KEY_FLOAT, OFF(mp_granularity), .flags = XBAR_KEY_NONNEG,
     .doc = "mixed_precision: transfer granularity eps, weight units; 0 = the device's weight granularity "
            "(dw_min for most models)"},
    {NULL, NULL, XBAR_KEY_FLOAT, 0, 0, 0, 0, NULL, 0, NULL}};

static void defaults(xbar_opt_params *o)
{
    o->mp_rows = -1;
    o->mp_granularity = 0.0f;
}

static const char *check(const xbar_opt_params *o)
{
    if (o->mp_rows == 0 || o->mp_rows < -1)
        return xbar_msg("optimizer.mp_rows = %d: must be -1 (all rows) or >= 1", o->mp_rows);
    if (!(o->mp_granularity >= 0.0f) || !isfinite(o->mp_granularity))
        return xbar_msg("optimizer.mp_granularity = %g: must be finite and >= 0", (double)o->mp_granularity);
    return NULL;
}

/* W's config: the given tile's, with update management and BL management on (aihwkit's
 * transfer updater, MixedPrecRPUDeviceBase::setUpPar). */
static xbar_tile_config w_config(const xbar_tile_config *tc)
{
    xbar_tile_config c = *tc;
    c.update.update_management = 1;
    c.update.update_bl_management = 1;
    return c;
}

static int dense_scheme(const xbar_aw *a)
{
    const xbar_scheme s = xbar_tile_get_config(ST(a)->W)->update.scheme;
    return s == XBAR_SCHEME_EXPECTED || s == XBAR_SCHEME_COUNT;
}

static xbar_status create(xbar_aw *a, const xbar_tile_config *tc)
{
    mixed_precision *s = calloc(1, sizeof *s);
    if (!s) return xbar_fail(XBAR_ENOMEM, "optimizer: out of memory");
    a->st = s;
    s->chi = calloc(a->rows * a->cols, sizeof(float));
    s->nrow = calloc((size_t)MP_CHUNK * (a->rows + a->cols), sizeof(float));
    if (!s->chi || !s->nrow) return xbar_fail(XBAR_ENOMEM, "optimizer: out of memory");
    const xbar_tile_config wc = w_config(tc);
    if (!(s->W = xbar_tile_new(&wc))) return XBAR_EINVAL;
    if (dense_scheme(a) && !xbar_opt_buffer(&s->dense, a->rows * a->cols, "a dense transfer")) return XBAR_ENOMEM;
    s->eps = a->o.mp_granularity > 0.0f ? a->o.mp_granularity : xbar_tile_devices(s->W)->granularity;
    if (!(s->eps > 0.0f) || !isfinite(s->eps))
        return xbar_fail(XBAR_EINVAL, "optimizer.mp_granularity = 0: the device's granularity %g is not > 0",
                         (double)s->eps);
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
    s->fma = __builtin_cpu_supports("fma");
#endif
#if defined(__GNUC__) && defined(__x86_64__)
    s->avx = __builtin_cpu_supports("avx");
#endif
    return XBAR_OK;
}

static void destroy(void *st)
{
    mixed_precision *s = st;
    if (!s) return;
    xbar_tile_free(s->W);
    free(s->chi);
    free(s->nrow);
    free(s->dense);
    free(s);
}

static size_t memory(const xbar_opt_params *o, const xbar_tile_config *tc)
{
    (void)o;
    /* a dense scheme's transfer buffer (allocated at create) stands in for W's dense scratch,
     * which the tile's bytes count and which is never allocated (W's update path is not taken) */
    const xbar_tile_config wc = w_config(tc);
    return sizeof(mixed_precision) + xbar_tile_memory_bytes(&wc) +
           (tc->rows * tc->cols + (size_t)MP_CHUNK * (tc->rows + tc->cols)) * sizeof(float);
}

/* ---- accumulation: c[j] = fmaf(s, x[j], c[j]) ---- */

/* Both give the correctly rounded fused result, so the same bits: libm's fmaf, or the FMA
 * instruction (vectorised: blocks of 16 have the constant trip count gcc's -O2 vectorises). */
static void axpy_libm(float *restrict c, float s, const float *restrict x, size_t n)
{
    for (size_t j = 0; j < n; j++) c[j] = fmaf(s, x[j], c[j]);
}

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
__attribute__((target("fma"))) static void axpy_fma(float *restrict c, float s, const float *restrict x, size_t n)
{
    size_t j = 0;
    for (; j + 16 <= n; j += 16)
        for (size_t l = 0; l < 16; l++) c[j + l] = __builtin_fmaf(s, x[j + l], c[j + l]);
    for (; j < n; j++) c[j] = __builtin_fmaf(s, x[j], c[j]);
}
#define AXPY(fma, c, s, x, n) ((fma) ? axpy_fma(c, s, x, n) : axpy_libm(c, s, x, n))
#else
#define AXPY(fma, c, s, x, n) ((void)(fma), axpy_libm(c, s, x, n))
#endif

/* Vector updates 0..nb-1 of (X, D) into chi, in order. Threads take blocks of rows; each
 * element sees the samples in order, so the bits do not depend on the thread count. */
static void accumulate(xbar_aw *a, const float *X, const float *D, size_t nb, float lr)
{
    mixed_precision *st = ST(a);
    const size_t m = a->rows, n = a->cols;
    const int fma = st->fma;
    const size_t nt = (size_t)xbar_get_threads(), per = (m + nt - 1) / nt, work = nb * m * n;
    XBAR_PAR_FOR(
        work > 65536 && m > 1, schedule(static), for (size_t t = 0; t < nt; t++) {
            const size_t i0 = t * per, i1 = i0 + per < m ? i0 + per : m;
            for (size_t i = i0; i < i1; i++) /* a row stays in cache while the samples pass */
                for (size_t b = 0; b < nb; b++) AXPY(fma, st->chi + i * n, lr * D[b * m + i], X + b * n, n);
        });
}

/* ---- transfer ---- */

static size_t rows_per_transfer(const xbar_aw *a)
{
    const size_t m = a->rows;
    return a->o.mp_rows < 0 || (size_t)a->o.mp_rows > m ? m : (size_t)a->o.mp_rows;
}

/* n[j] = trunc(c[j]/eps), c[j] -= n[j]*eps (a product, then a difference: no fused step) for
 * j < len; 1 if some n[j] != 0. */
static int counts_scalar(float *c, float *n, size_t len, float eps)
{
    int any = 0;
    for (size_t j = 0; j < len; j++) {
        const float v = c[j], q = truncf(v / eps);
        n[j] = q;
        c[j] = v - q * eps;
        any |= q != 0.0f;
    }
    return any;
}

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
/* counts_scalar eight at a time: the same IEEE division, truncation, product and difference
 * (AVX without FMA), so the same bits. */
__attribute__((target("avx"))) static int counts_avx(float *c, float *n, size_t len, float eps)
{
    const __m256 e = _mm256_set1_ps(eps), zero = _mm256_setzero_ps();
    __m256 nz = zero;
    size_t j = 0;
    for (; j + 8 <= len; j += 8) {
        const __m256 v = _mm256_loadu_ps(c + j);
        const __m256 q = _mm256_round_ps(_mm256_div_ps(v, e), _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
        _mm256_storeu_ps(n + j, q);
        _mm256_storeu_ps(c + j, _mm256_sub_ps(v, _mm256_mul_ps(q, e)));
        nz = _mm256_or_ps(nz, _mm256_cmp_ps(q, zero, _CMP_NEQ_UQ));
    }
    return (_mm256_movemask_ps(nz) != 0) | counts_scalar(c + j, n + j, len - j, eps);
}
#endif

/* n = trunc(chi[i,:]/eps) into n, chi[i,:] -= n*eps; 1 if some n_j != 0. */
static int take_counts(mixed_precision *st, size_t i, size_t ncol, float *n)
{
#if defined(__GNUC__) && defined(__x86_64__)
    if (st->avx) return counts_avx(st->chi + i * ncol, n, ncol, st->eps);
#endif
    return counts_scalar(st->chi + i * ncol, n, ncol, st->eps);
}

static xbar_status transfer(xbar_aw *a)
{
    mixed_precision *st = ST(a);
    const size_t m = a->rows, n = a->cols, k = rows_per_transfer(a);
    if (a->o.transfer_lr == 0.0f) return XBAR_OK; /* aihwkit: no transfer, the row pointer stays */
    const float wlr = st->eps * a->o.transfer_lr;
    if (!(wlr <= FLT_MAX))
        return xbar_fail(XBAR_EINVAL, "optimizer.transfer_lr = %g: eps*transfer_lr overflows",
                         (double)a->o.transfer_lr);
    float *cnt = st->nrow, *e = st->nrow + (size_t)MP_CHUNK * n;
    if (dense_scheme(a)) {
        float *buf = st->dense;
        memset(buf, 0, m * n * sizeof(float));
        for (size_t c = 0; c < k; c++) {
            const size_t i = st->next_row;
            st->next_row = (i + 1) % m;
            st->writes += (uint64_t)take_counts(st, i, n, buf + i * n);
            for (size_t j = 0; j < n; j++) buf[i * n + j] = -wlr * buf[i * n + j]; /* -lr d x^T, d = e_i */
        }
        return xbar_tile_apply_delta_unchecked(st->W, buf);
    }
    /* the rows with some n != 0, up to MP_CHUNK per pulsed update of W as its samples (x = n,
     * d = e_i): each sample touches its own row, so this is aihwkit's row-by-row write with
     * other random draws (the same bits for the deterministic schemes), at a fraction of the
     * calls */
    size_t q = 0;
    for (size_t c = 0; c < k; c++) {
        const size_t i = st->next_row;
        st->next_row = (i + 1) % m;
        if (!take_counts(st, i, n, cnt + q * n)) continue;
        memset(e + q * m, 0, m * sizeof(float));
        e[q * m + i] = 1.0f;
        st->writes++;
        if (++q == MP_CHUNK || c + 1 == k) {
            xbar_status s = xbar_tile_update_unchecked(st->W, cnt, e, q, wlr);
            if (s) return s;
            q = 0;
        }
    }
    if (q) return xbar_tile_update_unchecked(st->W, cnt, e, q, wlr);
    return XBAR_OK;
}

/* Vector updates of one call: accumulate (X, D) sample by sample, with the transfer after
 * the sample whose index k (before counting) is a positive multiple of period. */
static xbar_status run(xbar_aw *a, const float *X, const float *D, const float *G, size_t batch, float lr)
{
    mixed_precision *st = ST(a);
    const size_t m = a->rows, n = a->cols;
    const uint64_t period = (uint64_t)a->o.transfer_every * (uint64_t)batch;
    size_t b = 0;
    while (b < batch) {
        /* k: the index of vector update b; next: the index the next transfer follows */
        const uint64_t k = st->k, next = k == 0 ? period : (k + period - 1) / period * period;
        const int tr = next - k < batch - b;
        const size_t e = tr ? b + (size_t)(next - k) + 1 : batch; /* the segment [b, e) */
        if (G)
            AXPY(st->fma, st->chi, lr, G, m * n); /* chi = fmaf(lr, G, chi) */
        else
            accumulate(a, X + b * n, D + b * m, e - b, lr);
        if (tr) {
            xbar_status s = transfer(a);
            if (s) return s;
        }
        st->k += e - b;
        b = e;
    }
    return XBAR_OK;
}

static xbar_status update(xbar_aw *a, const float *X, const float *D, size_t batch, float lr)
{
    return run(a, X, D, NULL, batch, lr);
}

static xbar_status step_dense(xbar_aw *a, const float *G, float lr) { return run(a, NULL, NULL, G, 1, lr); }

static void get_weights(const xbar_aw *a, float *W) { xbar_tile_get_weights(ST(a)->W, W, a->cols); }

/* W = the weights (clipped), chi = 0, the schedule restarts (aihwkit onSetWeights). */
static void set_weights(xbar_aw *a, const float *W)
{
    mixed_precision *s = ST(a);
    xbar_tile_set_weights_unchecked(s->W, W, a->cols);
    memset(s->chi, 0, a->rows * a->cols * sizeof(float));
    s->k = 0;
    s->next_row = 0;
}

static xbar_status mvm(xbar_aw *a, float *out, const float *in, size_t batch, int back)
{
    return back ? xbar_tile_backward(ST(a)->W, out, in, batch) : xbar_tile_forward(ST(a)->W, out, in, batch);
}

static xbar_tile *tile(const xbar_aw *a) { return ST(a)->W; }
static uint64_t pulse_count(const xbar_aw *a) { return xbar_tile_pulse_count(ST(a)->W); }

static void pulse_counts(const xbar_aw *a, xbar_pulse_counts *pc)
{
    pc->grad_pulses = 0;
    pc->transfer_pulses = xbar_tile_pulse_count(ST(a)->W);
    pc->reads = 0;
    pc->writes = ST(a)->writes;
}

static const float *array(const xbar_aw *a, size_t k, const char **what, size_t *n)
{
    if (k > 1) return NULL;
    *what = k ? "digital accumulator chi" : "weights", *n = a->rows * a->cols;
    return k ? ST(a)->chi : xbar_tile_weights(ST(a)->W);
}

static void counters(const xbar_aw *a, uint64_t c[2])
{
    c[0] = ST(a)->k;
    c[1] = 0;
}

static xbar_status save(const xbar_aw *a, FILE *f)
{
    const mixed_precision *s = ST(a);
    XBAR_CK_TRY(xbar_ck_put_u64(f, s->next_row));
    XBAR_CK_TRY(xbar_ck_put_u64(f, s->writes));
    XBAR_CK_TRY(xbar_ck_put_f32s(f, s->chi, a->rows * a->cols));
    return xbar_tile_save(s->W, f);
}

static xbar_status load(xbar_aw *a, FILE *f, const uint64_t c[2])
{
    mixed_precision *st = ST(a);
    const size_t n = a->rows * a->cols;
    if (c[1] != 0)
        return xbar_fail(XBAR_EFORMAT, "checkpoint: optimizer mixed_precision: transfer column %llu, expected 0",
                         (unsigned long long)c[1]);
    uint64_t row, writes;
    XBAR_CK_TRY(xbar_ck_get_u64(f, &row));
    XBAR_CK_TRY(xbar_ck_get_u64(f, &writes));
    if (row >= a->rows)
        return xbar_fail(XBAR_EFORMAT, "checkpoint: optimizer mixed_precision: row pointer %llu >= %zu rows",
                         (unsigned long long)row, a->rows);
    float *chi = malloc(n * sizeof(float));
    if (!chi) return xbar_fail(XBAR_ENOMEM, "checkpoint: optimizer: out of memory");
    xbar_status s = xbar_ck_get_f32s(f, chi, n);
    const size_t bad = s ? n : xbar_first_nonfinite(chi, n);
    if (bad < n)
        s = xbar_fail(XBAR_EFORMAT, "checkpoint: optimizer mixed_precision: chi %zu is %g (not finite)", bad,
                      (double)chi[bad]);
    if (!s) s = xbar_tile_load(st->W, f);
    if (!s) {
        memcpy(st->chi, chi, n * sizeof(float));
        st->k = c[0];
        st->next_row = (size_t)row;
        st->writes = writes;
    }
    free(chi);
    return s;
}

const xbar_opt_ops xbar_opt_mixed_precision_ops = {
    .name = "mixed_precision",
    .summary = "digital accumulator chi += lr d x^T, whole-pulse row writes of trunc(chi/eps) into one tile "
               "(aihwkit MixedPrecisionCompound)",
    .tiles = 1,
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
    .fast_tile = tile,
    .slow_tile = tile,
    .pulse_count = pulse_count,
    .pulse_counts = pulse_counts,
    .array = array,
    .counters = counters,
    .save = save,
    .load = load,
};
