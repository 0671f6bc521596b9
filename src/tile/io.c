/* io.c - the analog read (IO) pipeline of a tile, aihwkit's IOParameters
 * (spec/aihwkit.md §1d): noise management, DAC quantisation and clipping of
 * the inputs, the MVM (one sgemm per batch), weight and output noise, ADC
 * quantisation and clipping, iterative bound management. Parameters:
 * xbar_io_params in include/xbar.h; the model: docs/model.md, section (h).
 *
 * Randomness: every normal is drawn from the read's stream with the fast
 * generator xbar_rng_znormal4 (src/core/internal.h): element e of sample b in pass
 * p is lane flat & 3 of the block at counter (kind << 56) | (p << 48) |
 * (flat >> 2), flat = b * n + e (n = outputs for weight / output noise,
 * inputs for input noise; kind KIND_W, KIND_OUT, KIND_IN below). A sample's
 * normals of one kind and pass are thus one xbar_rng_znormal_fill of the
 * blocks it touches, made into a scratch buffer and added by a plain loop.
 * A draw is a pure function of (seed, stream, kind, pass, sample, element):
 * the thread count and the other samples of the batch do not matter. Draws
 * whose std is 0 are not made.
 *
 * Speed: per sample and pass there are three loops, abs-max, DAC (+ input
 * noise) and ADC (+ output noise, + the rescale when it is known to be the
 * last pass), besides the normals' fill. They have no calls and no branches
 * inside (rint_nb, clip), so gcc -O3 vectorises them with plain SSE2. The DAC
 * and ADC keep aihwkit's division rint(u / q) * q: a multiply by 1/q rounds
 * some half steps the other way (docs/model.md (h), "float32 matters";
 * parity case 4). The per-sample stages split the batch into one contiguous
 * chunk per thread, each chunk with its own scratch; the chunks run in
 * parallel (XBAR_PAR) for large batches (OpenBLAS itself stays single-threaded,
 * threads.c, so no second thread pool competes for the cores). The re-runs of bound management are one GEMV per sample
 * and pass, serial. */
#include <cblas.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io_internal.h"
#ifdef XBAR_HAVE_OPENMP
#include <omp.h>
#endif

enum { IO_DONE = 0, IO_RERUN = 1, IO_ZERO = 2 }; /* per-sample state */
enum { KIND_W = 0, KIND_OUT = 1, KIND_IN = 2 };  /* draw kinds (counter top byte) */

#define IO_MAX_BM_FACTOR 2147483648.0f /* 2^31: aihwkit's max_bm_factor is an int */
#define IO_PAR_MIN                                                                                                     \
    8192 /* elements below which loops stay serial (and with
                                          xbar_get_threads() = 1: no OpenMP region at all) */

/* ---- parameters ------------------------------------------------------------ */

xbar_io_params xbar_io_defaults(void)
{
    xbar_io_params io = {.perfect = 0,
                         .inp_bound = 1.0f,
                         .inp_res = (float)(1.0 / 126.0),
                         .inp_noise = 0.0f,
                         .out_bound = 12.0f,
                         .out_res = (float)(1.0 / 510.0),
                         .out_noise = 0.06f,
                         .w_noise = 0.0f,
                         .noise_management = XBAR_NM_ABS_MAX,
                         .bound_management = XBAR_BM_ITERATIVE,
                         .max_bm_factor = 1000.0f,
                         .max_bm_res = 0.25f};
    return io;
}

xbar_io_params xbar_io_plain(void)
{
    xbar_io_params io = xbar_io_defaults();
    io.inp_bound = io.inp_res = io.out_bound = io.out_res = io.out_noise = 0.0f;
    io.noise_management = XBAR_NM_NONE;
    io.bound_management = XBAR_BM_NONE;
    return io;
}

const char *xbar_io_check(const xbar_io_params *io, const char *prefix)
{
    const char *p = prefix ? prefix : "", *dot = *p ? "." : "";
    if (!io) return xbar_msg("%s%sIO parameters: NULL", p, *p ? ": " : "");
    if (io->perfect != 0 && io->perfect != 1) return xbar_msg("%s%sperfect = %d: must be 0 or 1", p, dot, io->perfect);
    const struct {
        const char *key;
        float v, hi;
    } f[] = {{"inp_bound", io->inp_bound, INFINITY}, {"inp_res", io->inp_res, 1.0f},
             {"inp_noise", io->inp_noise, INFINITY}, {"out_bound", io->out_bound, INFINITY},
             {"out_res", io->out_res, 1.0f},         {"out_noise", io->out_noise, INFINITY},
             {"w_noise", io->w_noise, INFINITY},     {"max_bm_res", io->max_bm_res, INFINITY}};
    for (size_t k = 0; k < sizeof f / sizeof f[0]; k++) {
        if (!(f[k].v >= 0.0f)) return xbar_msg("%s%s%s = %g: must be >= 0", p, dot, f[k].key, (double)f[k].v);
        if (!isfinite(f[k].v)) return xbar_msg("%s%s%s = %g: must be finite", p, dot, f[k].key, (double)f[k].v);
        if (f[k].v > f[k].hi)
            return xbar_msg("%s%s%s = %g: must be in [0, %g]", p, dot, f[k].key, (double)f[k].v, (double)f[k].hi);
    }
    if ((unsigned)io->noise_management > XBAR_NM_ABS_MAX)
        return xbar_msg("%s%snoise_management = %d: unknown (0 none, 1 abs_max)", p, dot, (int)io->noise_management);
    if ((unsigned)io->bound_management > XBAR_BM_ITERATIVE)
        return xbar_msg("%s%sbound_management = %d: unknown (0 none, 1 iterative)", p, dot, (int)io->bound_management);
    if (!(io->max_bm_factor >= 1.0f && io->max_bm_factor <= IO_MAX_BM_FACTOR))
        return xbar_msg("%s%smax_bm_factor = %g: must be in [1, 2^31]", p, dot, (double)io->max_bm_factor);
    return NULL;
}

/* ---- one read ------------------------------------------------------------- */

typedef struct {
    const xbar_io_params *io;
    const xbar_io_read *r;
    size_t n_in, n_out;
    float q_in, q_out;         /* DAC / ADC steps (0 = no quantisation), float32 as aihwkit */
    float in_bound, out_bound; /* clip ranges (INFINITY = unbounded) */
    float bm_res_limit;        /* max_bm_res / q_in (INFINITY when q_in = 0) */
    int nm, bm;                /* noise management on; bound management on (never backward) */
    int identity_in;           /* the DAC passes x unchanged: read the caller's input directly */
    size_t nt;                 /* the library's thread count: chunks of the per-sample stages */
} io_ctx;

static void ctx_init(io_ctx *c, const xbar_io_params *io, const xbar_io_read *r)
{
    c->io = io;
    c->r = r;
    c->n_in = r->backward ? r->rows : r->cols;
    c->n_out = r->backward ? r->cols : r->rows;
    c->q_in = io->inp_res * (2.0f * io->inp_bound);
    c->q_out = io->out_res * (2.0f * io->out_bound);
    c->in_bound = io->inp_bound > 0.0f ? io->inp_bound : INFINITY;
    c->out_bound = io->out_bound > 0.0f ? io->out_bound : INFINITY;
    c->bm_res_limit = c->q_in > 0.0f ? io->max_bm_res / c->q_in : INFINITY;
    c->nm = io->noise_management == XBAR_NM_ABS_MAX;
    c->bm = !r->backward && io->bound_management == XBAR_BM_ITERATIVE;
    c->identity_in = !c->nm && !c->bm && c->q_in == 0.0f && isinf(c->in_bound) && io->inp_noise == 0.0f;
    c->nt = (size_t)xbar_get_threads();
}

/* A column read whose DAC output is zero but at the column (no input noise):
 * W v is that column times v[j], exactly what the sgemm sums to. */
static int onehot_ok(const xbar_io_read *r, const float *v, size_t batch)
{
    if (r->onehot == SIZE_MAX || r->backward || batch != 1 || r->onehot >= r->cols) return 0;
    for (size_t k = 0; k < r->cols; k++)
        if (v[k] != 0.0f && k != r->onehot) return 0;
    return 1;
}

/* out[b] = W in[b] (forward) or W^T in[b] (backward) for the whole batch. */
static void gemm(const xbar_io_read *r, float *out, const float *in, size_t batch)
{
    if (onehot_ok(r, in, batch)) {
        for (size_t i = 0; i < r->rows; i++) out[i] = r->w[i * r->cols + r->onehot] * in[r->onehot];
        return;
    }
    if (!r->backward)
        xbar_sgemm(0, 1, batch, r->rows, r->cols, 1.0f, in, r->cols, r->w, r->cols, 0.0f, out, r->rows);
    else
        xbar_sgemm(0, 0, batch, r->cols, r->rows, 1.0f, in, r->rows, r->w, r->cols, 0.0f, out, r->cols);
}

/* One sample: y = W v (forward) or W^T v (backward). */
static void gemv(const xbar_io_read *r, float *y, const float *v)
{
    if (onehot_ok(r, v, 1)) {
        gemm(r, y, v, 1);
        return;
    }
    cblas_sgemv(CblasRowMajor, r->backward ? CblasTrans : CblasNoTrans, (int)r->rows, (int)r->cols, 1.0f, r->w,
                (int)r->cols, v, 1, 0.0f, y, 1);
}

/* ---- per-sample kernels (vectorisable loops) ------------------------------- */

/* Bits of a float and back (memcpy: no aliasing questions; compiles to nothing). */
static inline uint32_t f2u(float x)
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}
static inline float u2f(uint32_t u)
{
    float x;
    memcpy(&x, &u, sizeof x);
    return x;
}

/* rintf without a call or a branch (SSE2 has no rounding instruction): for
 * |u| < 2^23, (|u| + 2^23) - 2^23 rounds |u| to an integer in the current
 * rounding mode, nearest-even as rintf; larger |u| (and inf, NaN) are integers
 * already and kept. The choice is a bit mask, not `?:`, because gcc does not
 * if-convert a select whose arm holds a float add (-ftrapping-math), and then
 * the loop does not vectorise. The sign is put back: -0.3 gives -0 as rintf. */
static inline float rint_nb(float u)
{
    const float big = 8388608.0f; /* 2^23, bits 0x4b000000 */
    const float a = fabsf(u), r = (a + big) - big;
    const uint32_t small = 0u - (uint32_t)(f2u(a) < 0x4b000000u); /* all ones iff a < 2^23 */
    return copysignf(u2f((f2u(r) & small) | (f2u(a) & ~small)), u);
}

/* The n normals of (kind, pass) of sample b, drawn into z (n + 3 floats); returns where
 * they start. Element i is flat k = b n + i: lane k & 3 of block base | (k >> 2). The
 * fill starts at the block of k = b n, whose first (b n) & 3 lanes belong to the sample
 * before (drawn there too, never used twice). */
static const float *normals(const io_ctx *c, float *z, size_t n, size_t b, unsigned kind, unsigned pass)
{
    const uint64_t k0 = (uint64_t)b * n, base = ((uint64_t)kind << 56) | ((uint64_t)pass << 48);
    xbar_rng_znormal_fill(z, (size_t)(k0 & 3) + n, c->r->seed, c->r->stream, base | (k0 >> 2));
    return z + (k0 & 3);
}

/* The normals of (kind, pass) of samples [b0, b1), n each, in one fill into z ((b1 - b0) n + 3
 * floats): the same numbers as normals() per sample, as element k = b n + i of the span is lane
 * k & 3 of block base | (k >> 2) either way. Returns where sample b0's start. */
static const float *normals_span(const io_ctx *c, float *z, size_t n, size_t b0, size_t b1, unsigned kind,
                                 unsigned pass)
{
    const uint64_t k0 = (uint64_t)b0 * n, base = ((uint64_t)kind << 56) | ((uint64_t)pass << 48);
    xbar_rng_znormal_fill(z, (size_t)(k0 & 3) + (b1 - b0) * n, c->r->seed, c->r->stream, base | (k0 >> 2));
    return z + (k0 & 3);
}

/* clip(u, ±lim), written as min then max so that it compiles to minps / maxps
 * (same result as xbar_clampf, NaN kept). */
static inline float clip(float u, float lim)
{
    const float t = u > lim ? lim : u;
    return t < -lim ? -lim : t;
}

/* aihwkit's input scale: 1/nm (noise management, nm > 0), then /f (bound
 * management). Returns 0 when the input is not scaled at all. */
static int in_scale(const io_ctx *c, float nm, float f, float *scale)
{
    float s = 1.0f;
    int scaling = 0;
    if (c->nm && nm > 0.0f) {
        s /= nm;
        scaling = 1;
    }
    if (c->bm) {
        s /= f;
        scaling = 1;
    }
    *scale = s;
    return scaling;
}

/* The factor back to input units: forward 1/scale (= nm f), backward nm (as aihwkit). */
static float out_factor(const io_ctx *c, float nm, float f)
{
    float s;
    if (!in_scale(c, nm, f, &s)) return 1.0f;
    return c->r->backward ? nm : 1.0f / s;
}

/* The DAC loop, v = clip(rint(x s / q) q, ±lim) + sd xi. `quant` and `noisy` are
 * constants at each call (dac below), so every variant is its own branch-free,
 * vectorised loop. */
static inline void dac_loop(float *restrict v, const float *restrict x, float s, size_t n, float q, float lim,
                            const float *restrict xi, float sd, int quant, int noisy)
{
    for (size_t j = 0; j < n; j++) {
        float u = x[j] * s;
        if (quant) u = rint_nb(u / q) * q;
        u = clip(u, lim);
        if (noisy) u += sd * xi[j];
        v[j] = u;
    }
}

/* DAC of sample b at BM factor f: v = clip(rint(x scale / q_in) q_in, ±inp_bound) + inp_noise ξ
 * (x * 1 is x: an unscaled input needs no variant of its own). */
static void dac(const io_ctx *c, float *v, const float *x, size_t b, float nm, float f, unsigned pass, float *z)
{
    float s;
    in_scale(c, nm, f, &s);
    const float q = c->q_in, lim = c->in_bound, sd = c->io->inp_noise;
    const size_t n = c->n_in;
    const float *xi = sd > 0.0f ? normals(c, z, n, b, KIND_IN, pass) : NULL;
    if (q > 0.0f && xi)
        dac_loop(v, x, s, n, q, lim, xi, sd, 1, 1);
    else if (q > 0.0f)
        dac_loop(v, x, s, n, q, lim, xi, sd, 1, 0);
    else if (xi)
        dac_loop(v, x, s, n, q, lim, xi, sd, 0, 1);
    else
        dac_loop(v, x, s, n, q, lim, xi, sd, 0, 0);
}

/* The ADC loop, y = clip(rint((y + sd xi) / q) q, ±lim) g; 1 if some value was beyond
 * ±lim before the clip. `noisy` and `quant` are constants at each call (adc below). */
static inline int adc_loop(float *restrict y, const float *restrict xi, float sd, size_t n, float q, float lim, float g,
                           int noisy, int quant)
{
    int clipped = 0;
    for (size_t i = 0; i < n; i++) {
        float u = y[i];
        if (noisy) u += sd * xi[i];
        if (quant) u = rint_nb(u / q) * q;
        clipped |= fabsf(u) > lim;
        y[i] = clip(u, lim) * g;
    }
    return clipped;
}

/* Array noise and ADC of one pass of sample b: y += w_noise ||v||_2 ξ (weight
 * noise), then the output noise (xo: its normals drawn already, or NULL), ADC and
 * rescale by g (1: rescaled later) in one loop. Returns 1 if some output was beyond
 * ±out_bound before the clip. */
static int adc(const io_ctx *c, float *y, const float *v, size_t b, unsigned pass, float g, float *z, const float *xo)
{
    const xbar_io_params *io = c->io;
    const size_t n = c->n_out;
    if (io->w_noise > 0.0f) {
        double s2 = 0;
        for (size_t j = 0; j < c->n_in; j++) s2 += (double)v[j] * v[j];
        const float sd = io->w_noise * (float)sqrt(s2);
        if (sd > 0.0f) {
            const float *xi = normals(c, z, n, b, KIND_W, pass);
            for (size_t i = 0; i < n; i++) y[i] += sd * xi[i];
        }
    }
    const float q = c->q_out, lim = c->out_bound, sd = io->out_noise;
    const float *xi = sd > 0.0f ? (xo ? xo : normals(c, z, n, b, KIND_OUT, pass)) : NULL;
    if (q > 0.0f && xi) return adc_loop(y, xi, sd, n, q, lim, g, 1, 1);
    if (q > 0.0f) return adc_loop(y, xi, sd, n, q, lim, g, 0, 1);
    if (xi) return adc_loop(y, xi, sd, n, q, lim, g, 1, 0);
    return adc_loop(y, xi, sd, n, q, lim, g, 0, 0);
}

/* Back to input units: y *= nm f (forward) / nm (backward). */
static void rescale(const io_ctx *c, float *y, float nm, float f)
{
    const float g = out_factor(c, nm, f);
    if (g != 1.0f)
        for (size_t i = 0; i < c->n_out; i++) y[i] *= g;
}

/* aihwkit's stop rule: another pass only while f <= max_bm_factor and f <= max_bm_res/q_in. */
static int may_double(const io_ctx *c, float f)
{
    return c->bm && !(f > c->io->max_bm_factor) && !(f > c->bm_res_limit);
}

/* ---- the batch stages ------------------------------------------------------ */

/* Floats of scratch per thread: one sample's normals (n + 3) and 64-byte padding. */
static size_t z_stride(const io_ctx *c)
{
    const size_t n = c->n_in > c->n_out ? c->n_in : c->n_out;
    return (n + 3 + 15) / 16 * 16;
}

static xbar_status work_grow(xbar_io_work *ws, size_t batch, size_t n_v, size_t n_z, size_t n_zo)
{
    if (n_zo > ws->zo_cap) {
        float *zo = realloc(ws->zo, n_zo * sizeof *zo);
        if (!zo) return XBAR_ENOMEM;
        ws->zo = zo;
        ws->zo_cap = n_zo;
    }
    if (n_v > ws->v_cap) {
        float *v = realloc(ws->v, n_v * sizeof *v);
        if (!v) return XBAR_ENOMEM;
        ws->v = v;
        ws->v_cap = n_v;
    }
    if (n_z > ws->z_cap) {
        float *z = realloc(ws->z, n_z * sizeof *z);
        if (!z) return XBAR_ENOMEM;
        ws->z = z;
        ws->z_cap = n_z;
    }
    if (batch > ws->b_cap) {
        float *nm = realloc(ws->nm, batch * sizeof *nm);
        if (nm) ws->nm = nm;
        unsigned char *st = realloc(ws->state, batch);
        if (st) ws->state = st;
        if (!nm || !st) return XBAR_ENOMEM;
        ws->b_cap = batch;
    }
    return XBAR_OK;
}

void xbar_io_work_free(xbar_io_work *ws)
{
    free(ws->v);
    free(ws->z);
    free(ws->zo);
    free(ws->nm);
    free(ws->state);
    memset(ws, 0, sizeof *ws);
}

/* Samples [lo, hi) of chunk t of nt: contiguous, in order, sizes differing by at most 1. */
#define CHUNK_LO(t, nt, batch) ((batch) * (t) / (nt))

/* (a) per sample: NM value, zero short cut, DAC at f = 1. Returns the MVM input. */
static const float *input_stage(const io_ctx *c, xbar_io_work *ws, const float *in, size_t batch)
{
    const size_t n = c->n_in, zs = z_stride(c), nt = c->nt;
    const int back = c->r->backward, in_noise = c->io->inp_noise > 0.0f;
    XBAR_PAR_FOR(
        batch * n > IO_PAR_MIN, schedule(static), for (size_t t = 0; t < nt; t++) {
            float *z = ws->z + t * zs;
            for (size_t b = CHUNK_LO(t, nt, batch); b < CHUNK_LO(t + 1, nt, batch); b++) {
                const float *x = in + b * n;
                ws->nm[b] = c->nm ? xbar_abs_max(x, n) : 0.0f;
                /* a max whose reciprocal overflows (below 1/FLT_MAX: subnormal) scales to inf and
                 * 0 * inf = NaN; such an input is 0 to the DAC, and to aihwkit's float path too */
                if (!(1.0f / ws->nm[b] <= FLT_MAX)) ws->nm[b] = 0.0f;
                /* aihwkit: max|x| = 0 gives an exact 0 (forward: unless there is input noise) */
                ws->state[b] = c->nm && !(ws->nm[b] > 0.0f) && (back || !in_noise) ? IO_ZERO : IO_DONE;
                if (c->identity_in) continue;
                if (ws->state[b] == IO_ZERO)
                    memset(ws->v + b * n, 0, n * sizeof(float));
                else
                    dac(c, ws->v + b * n, x, b, ws->nm[b], 1.0f, 0, z);
            }
        });
    return c->identity_in ? in : ws->v;
}

/* (c) per sample: noise and ADC of the first pass. Without bound management the
 * rescale is part of the ADC loop; with it, a sample that clipped (and may double)
 * is left for (d) and every other one is rescaled here. */
static void output_stage(const io_ctx *c, xbar_io_work *ws, float *out, const float *V, size_t batch)
{
    const size_t zs = z_stride(c), nt = c->nt, n = c->n_out;
    const int noisy = c->io->out_noise > 0.0f;
    XBAR_PAR_FOR(
        batch * c->n_out > IO_PAR_MIN, schedule(static), for (size_t t = 0; t < nt; t++) {
            float *z = ws->z + t * zs;
            const size_t lo = CHUNK_LO(t, nt, batch), hi = CHUNK_LO(t + 1, nt, batch);
            /* the chunk's output normals in one fill (those of zero samples too: cheaper than gaps) */
            const float *xo =
                noisy && hi > lo ? normals_span(c, ws->zo + lo * n + 4 * t, n, lo, hi, KIND_OUT, 0) : NULL;
            for (size_t b = lo; b < hi; b++) {
                float *y = out + b * n;
                if (ws->state[b] == IO_ZERO) {
                    memset(y, 0, n * sizeof(float));
                    continue;
                }
                const float g = c->bm ? 1.0f : out_factor(c, ws->nm[b], 1.0f);
                const int clipped = adc(c, y, V + b * c->n_in, b, 0, g, z, xo ? xo + (b - lo) * n : NULL);
                ws->state[b] = clipped && may_double(c, 1.0f) ? IO_RERUN : IO_DONE;
                if (c->bm && ws->state[b] == IO_DONE) rescale(c, y, ws->nm[b], 1.0f);
            }
        });
}

/* (d) bound management: re-run only the samples that clipped, f *= 2 per pass,
 * one GEMV each (so a sample's passes do not depend on the other samples). */
static void rerun_stage(const io_ctx *c, xbar_io_work *ws, float *out, const float *in, size_t batch)
{
    for (size_t b = 0; b < batch; b++) {
        if (ws->state[b] != IO_RERUN) continue;
        float *v = ws->v + b * c->n_in, *y = out + b * c->n_out, f = 1.0f;
        unsigned pass = 0;
        int clipped;
        do {
            f *= 2.0f;
            pass++;
            dac(c, v, in + b * c->n_in, b, ws->nm[b], f, pass, ws->z);
            gemv(c->r, y, v);
            clipped = adc(c, y, v, b, pass, 1.0f, ws->z, NULL);
        } while (clipped && may_double(c, f));
        rescale(c, y, ws->nm[b], f);
        ws->state[b] = IO_DONE;
    }
}

xbar_status xbar_io_mvm(xbar_io_work *ws, const xbar_io_read *r, const xbar_io_params *io, float *out, const float *in,
                        size_t batch)
{
    if (batch == 0) return XBAR_OK;
    if (io->perfect) {
        gemm(r, out, in, batch);
        return XBAR_OK;
    }
    io_ctx c;
    ctx_init(&c, io, r);
    if (work_grow(ws, batch, c.identity_in ? 0 : batch * c.n_in, c.nt * z_stride(&c),
                  io->out_noise > 0.0f ? batch * c.n_out + 4 * c.nt : 0) != XBAR_OK)
        return xbar_fail(XBAR_ENOMEM, "read: out of memory (batch %zu)", batch);
    const float *V = input_stage(&c, ws, in, batch);
    gemm(r, out, V, batch);
    output_stage(&c, ws, out, V, batch);
    rerun_stage(&c, ws, out, in, batch);
    return XBAR_OK;
}
