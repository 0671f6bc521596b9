/* io.c - the analog read (IO) pipeline of a tile, aihwkit's IOParameters
 * (spec/aihwkit.md §1d): noise management, DAC quantisation and clipping of
 * the inputs, the MVM (one sgemm per batch), weight and output noise, ADC
 * quantisation and clipping, iterative bound management. Parameters:
 * xbar_io_params in include/xbar.h; the model: docs/model.md, section (h).
 *
 * Randomness: every normal is drawn from the read's stream at the counter
 * (kind << 56) | (pass << 48) | (flat >> 2), lane flat & 3, where flat =
 * sample * n + element (n = outputs for weight / output noise, inputs for
 * input noise). Kind KIND_W at pass 0 is the layout of the former w_noise-only
 * read path, so plain reads are bit-identical to it. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io_internal.h"

enum { IO_DONE = 0, IO_RERUN = 1, IO_ZERO = 2 }; /* per-sample state */
enum { KIND_W = 0, KIND_OUT = 1, KIND_IN = 2 };  /* draw kinds (counter top byte) */

#define IO_MAX_BM_FACTOR 2147483648.0f /* 2^31: aihwkit's max_bm_factor is an int */
#define IO_PAR_MIN 65536               /* elements below which loops stay serial (and with
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
    const int m = (int)r->rows, n = (int)r->cols;
    if (onehot_ok(r, in, batch)) {
        for (size_t i = 0; i < r->rows; i++) out[i] = r->w[i * r->cols + r->onehot] * in[r->onehot];
        return;
    }
    if (!r->backward)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)batch, m, n, 1.0f, in, n, r->w, n, 0.0f, out, m);
    else
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)batch, n, m, 1.0f, in, m, r->w, n, 0.0f, out, n);
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

/* a[i] += sd*ξ for i < n: the normals of (kind, pass) of sample b. */
static void add_normals(const io_ctx *c, float *a, size_t n, size_t b, float sd, unsigned kind, unsigned pass)
{
    const uint64_t base = ((uint64_t)kind << 56) | ((uint64_t)pass << 48);
    float z[4];
    for (size_t i = 0; i < n; i++) {
        const uint64_t k = (uint64_t)b * n + i;
        if ((k & 3) == 0 || i == 0) xbar_rng_normal4(z, c->r->seed, c->r->stream, base | (k >> 2));
        a[i] += sd * z[k & 3];
    }
}

static float abs_max(const float *x, size_t n)
{
    float m = 0.0f;
    for (size_t j = 0; j < n; j++) m = fabsf(x[j]) > m ? fabsf(x[j]) : m;
    return m;
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

/* DAC of sample b at BM factor f: v = clip(rint(x scale / q_in) q_in, ±inp_bound) + inp_noise ξ. */
static void dac(const io_ctx *c, float *v, const float *x, size_t b, float nm, float f, unsigned pass)
{
    float s;
    const int scaling = in_scale(c, nm, f, &s);
    const float q = c->q_in, lim = c->in_bound;
    for (size_t j = 0; j < c->n_in; j++) {
        float u = scaling ? x[j] * s : x[j];
        if (q > 0.0f) u = rintf(u / q) * q;
        v[j] = u > lim ? lim : (u < -lim ? -lim : u);
    }
    if (c->io->inp_noise > 0.0f) add_normals(c, v, c->n_in, b, c->io->inp_noise, KIND_IN, pass);
}

/* Weight noise (w_noise ||v||_2 ξ), output noise, ADC, clip. 1 if an output clipped. */
static int adc(const io_ctx *c, float *y, const float *v, size_t b, unsigned pass)
{
    const xbar_io_params *io = c->io;
    if (io->w_noise > 0.0f) {
        double s2 = 0;
        for (size_t j = 0; j < c->n_in; j++) s2 += (double)v[j] * v[j];
        const float sd = io->w_noise * (float)sqrt(s2);
        if (sd > 0.0f) add_normals(c, y, c->n_out, b, sd, KIND_W, pass);
    }
    if (io->out_noise > 0.0f) add_normals(c, y, c->n_out, b, io->out_noise, KIND_OUT, pass);
    const float q = c->q_out, lim = c->out_bound;
    if (q == 0.0f && isinf(lim)) return 0;
    int clipped = 0;
    for (size_t i = 0; i < c->n_out; i++) {
        float u = y[i];
        if (q > 0.0f) u = rintf(u / q) * q;
        if (u > lim || u < -lim) {
            u = u > lim ? lim : -lim;
            clipped = 1;
        }
        y[i] = u;
    }
    return clipped;
}

/* aihwkit's stop rule: another pass only while f <= max_bm_factor and f <= max_bm_res/q_in. */
static int may_double(const io_ctx *c, float f)
{
    return c->bm && !(f > c->io->max_bm_factor) && !(f > c->bm_res_limit);
}

/* ---- the batch stages ------------------------------------------------------ */

static xbar_status work_grow(xbar_io_work *ws, size_t batch, size_t n_v)
{
    if (n_v > ws->v_cap) {
        float *v = realloc(ws->v, n_v * sizeof *v);
        if (!v) return XBAR_ENOMEM;
        ws->v = v;
        ws->v_cap = n_v;
    }
    if (batch > ws->b_cap) {
        float *nm = realloc(ws->nm, batch * sizeof *nm);
        if (nm) ws->nm = nm;
        float *f = realloc(ws->f, batch * sizeof *f);
        if (f) ws->f = f;
        unsigned char *st = realloc(ws->state, batch);
        if (st) ws->state = st;
        if (!nm || !f || !st) return XBAR_ENOMEM;
        ws->b_cap = batch;
    }
    return XBAR_OK;
}

void xbar_io_work_free(xbar_io_work *ws)
{
    free(ws->v);
    free(ws->nm);
    free(ws->f);
    free(ws->state);
    memset(ws, 0, sizeof *ws);
}

/* (a) per sample: NM value, zero short cut, DAC at f = 1. Returns the MVM input. */
static const float *input_stage(const io_ctx *c, xbar_io_work *ws, const float *in, size_t batch)
{
    const size_t n = c->n_in;
    const int back = c->r->backward, in_noise = c->io->inp_noise > 0.0f, nt = xbar_get_threads();
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1 && batch * n > IO_PAR_MIN)
    for (size_t b = 0; b < batch; b++) {
        const float *x = in + b * n;
        ws->f[b] = 1.0f;
        ws->nm[b] = c->nm ? abs_max(x, n) : 0.0f;
        /* aihwkit: max|x| = 0 gives an exact 0 (forward: unless there is input noise) */
        ws->state[b] = c->nm && !(ws->nm[b] > 0.0f) && (back || !in_noise) ? IO_ZERO : IO_DONE;
        if (c->identity_in) continue;
        if (ws->state[b] == IO_ZERO) memset(ws->v + b * n, 0, n * sizeof(float));
        else dac(c, ws->v + b * n, x, b, ws->nm[b], 1.0f, 0);
    }
    return c->identity_in ? in : ws->v;
}

/* (c) per sample: noise, ADC, clip detection of the first pass. */
static void output_stage(const io_ctx *c, xbar_io_work *ws, float *out, const float *V, size_t batch)
{
    const int nt = xbar_get_threads();
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1 && batch * c->n_out > IO_PAR_MIN)
    for (size_t b = 0; b < batch; b++) {
        if (ws->state[b] == IO_ZERO) continue;
        const int clipped = adc(c, out + b * c->n_out, V + b * c->n_in, b, 0);
        ws->state[b] = clipped && may_double(c, 1.0f) ? IO_RERUN : IO_DONE;
    }
}

/* (d) bound management: re-run only the samples that clipped, f *= 2 per pass. */
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
            dac(c, v, in + b * c->n_in, b, ws->nm[b], f, pass);
            gemv(c->r, y, v);
            clipped = adc(c, y, v, b, pass);
        } while (clipped && may_double(c, f));
        ws->f[b] = f;
        ws->state[b] = IO_DONE;
    }
}

/* (e) back to input units: y nm f (forward) / y nm (backward); exact 0 for zero inputs. */
static void rescale_stage(const io_ctx *c, const xbar_io_work *ws, float *out, size_t batch)
{
    if (!c->nm && !c->bm) return;
    const int nt = xbar_get_threads();
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1 && batch * c->n_out > IO_PAR_MIN)
    for (size_t b = 0; b < batch; b++) {
        float *y = out + b * c->n_out;
        if (ws->state[b] == IO_ZERO) {
            memset(y, 0, c->n_out * sizeof(float));
            continue;
        }
        const float g = out_factor(c, ws->nm[b], ws->f[b]);
        if (g != 1.0f)
            for (size_t i = 0; i < c->n_out; i++) y[i] *= g;
    }
}

xbar_status xbar_io_mvm(xbar_io_work *ws, const xbar_io_read *r, const xbar_io_params *io, float *out,
                        const float *in, size_t batch)
{
    if (batch == 0) return XBAR_OK;
    if (io->perfect) {
        gemm(r, out, in, batch);
        return XBAR_OK;
    }
    io_ctx c;
    ctx_init(&c, io, r);
    if (work_grow(ws, batch, c.identity_in ? 0 : batch * c.n_in) != XBAR_OK)
        return xbar_fail(XBAR_ENOMEM, "read: out of memory (batch %zu)", batch);
    const float *V = input_stage(&c, ws, in, batch);
    gemm(r, out, V, batch);
    output_stage(&c, ws, out, V, batch);
    rerun_stage(&c, ws, out, in, batch);
    rescale_stage(&c, ws, out, batch);
    return XBAR_OK;
}
