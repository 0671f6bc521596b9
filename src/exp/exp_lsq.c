#define _POSIX_C_SOURCE 200809L
/* exp_lsq.c - one curve of the paper's least-squares experiments (§5.0-5.3)
 * or of the Theorem 3 lower-bound instance (§4.2). Digital SGD, Analog SGD and
 * Tiki-Taka, at the dynamic level (dense gradient + Gaussian noise) or at the
 * pulse level (noisy tile reads, per-sample pulsed rank-1 updates). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xbar.h"
#include "internal.h"

static const char *const kind_names[] = {"digital", "analog_dynamic", "analog_pulse", "tt_dynamic", "tt_pulse"};

const char *xbar_lsq_kind_name(xbar_lsq_kind k) { return (unsigned)k < XBAR_LSQ_KIND_COUNT_ ? kind_names[k] : "?"; }

int xbar_lsq_kind_from_name(const char *name)
{
    return xbar_name_index(kind_names, XBAR_LSQ_KIND_COUNT_, name);
}

xbar_lsq_setup xbar_lsq_setup_defaults(void)
{
    xbar_lsq_setup s = {.problem = XBAR_LSQ_PROBLEM_LSQ,
                        .dim = 40,
                        .rows = 100,
                        .w_star_scale = 0.45,
                        .a_scale = 1.0,
                        .bias_true = 0.0,
                        .half = 0,
                        .iterations = 2500,
                        .init = "zero",
                        .noise = 0.01 / sqrt(40.0),
                        .noise_correction = 0,
                        .lr = 0.1,
                        .L = 1.0,
                        .states = 0,
                        .data_seed = 42,
                        .seed = 618,
                        .device = xbar_device_ideal(XBAR_DEV_ALD),
                        .update = xbar_update_defaults(),
                        .opt = xbar_opt_defaults(XBAR_OPT_TIKI_TAKA)};
    s.device.tau = 3.0f;
    s.device.dw_min = 1e-4f;
    s.update.desired_bl = 800;
    return s;
}

static int parse_init(const char *init, double *value, int *gd)
{
    char *end;
    *value = 0;
    *gd = 0;
    if (!strcmp(init, "zero")) return 0;
    if (!strncmp(init, "const:", 6)) {
        *value = strtod(init + 6, &end);
        return (*end || end == init + 6 || !isfinite(*value)) ? -1 : 0;
    }
    if (!strncmp(init, "gd:", 3)) {
        long n = strtol(init + 3, &end, 10);
        if (*end || end == init + 3 || n < 0 || n > 1000000) return -1;
        *gd = (int)n;
        return 0;
    }
    return -1;
}

static double tau_of(const xbar_device_params *d)
{
    /* the models whose range is [sym_point - tau, sym_point + tau] read device.tau */
    return xbar_device_uses_key(d->model, "tau") ? d->tau : 0.5 * ((double)d->w_max - d->w_min);
}

const char *xbar_lsq_setup_check(const xbar_lsq_setup *s, xbar_lsq_kind kind)
{
    if (!s) return "lsq: NULL set-up";
    if ((unsigned)kind >= XBAR_LSQ_KIND_COUNT_) return xbar_msg("curve kind %d: unknown", (int)kind);
    if ((unsigned)s->problem > XBAR_LSQ_PROBLEM_THM3) return xbar_msg("lsq.problem = %d: unknown", s->problem);
    if (s->dim < 1 || s->dim > 1000000) return xbar_msg("lsq.dim = %d: must be in [1, 1e6]", s->dim);
    if (s->rows < 1 || s->rows > 1000000) return xbar_msg("lsq.rows = %d: must be in [1, 1e6]", s->rows);
    if (s->iterations < 1) return xbar_msg("lsq.iterations = %d: must be >= 1", s->iterations);
    if (!(s->noise >= 0) || !isfinite(s->noise)) return xbar_msg("lsq.noise = %g: must be >= 0", s->noise);
    if (!(s->lr >= 0) || !isfinite((float)s->lr)) return xbar_msg("lsq.lr = %g: must be >= 0", s->lr); /* a float lr */
    if (!(s->L > 0) || !isfinite(s->L)) return xbar_msg("lsq.L = %g: must be > 0", s->L);
    if (s->states < 0) return xbar_msg("lsq.states = %d: must be >= 0", s->states);
    double v;
    int gd;
    if (!memchr(s->init, 0, sizeof s->init)) return xbar_msg("lsq.init: not NUL-terminated");
    if (parse_init(s->init, &v, &gd)) return xbar_msg("lsq.init = %s: expected zero, const:X or gd:N", s->init);
    if (s->problem == XBAR_LSQ_PROBLEM_THM3 && kind != XBAR_LSQ_ANALOG_DYNAMIC && kind != XBAR_LSQ_DIGITAL)
        return xbar_msg("lsq.kinds = %s: the thm3 problem runs digital or analog_dynamic only",
                        xbar_lsq_kind_name(kind));
    xbar_device_params d = s->device;
    if (s->states > 0) d.dw_min = (float)(tau_of(&d) / s->states);
    const char *why = xbar_device_check(&d);
    if (why) return why;
    return xbar_opt_check(&s->opt);
}

/* Mean singular value of A (rows x dim) by cyclic Jacobi on A^T A. */
static double mean_singular_value(const float *A, int rows, int dim)
{
    double *M = calloc((size_t)dim * dim, sizeof(double));
    if (!M) return 1.0;
    for (int i = 0; i < dim; i++)
        for (int j = 0; j < dim; j++) {
            double s = 0;
            for (int r = 0; r < rows; r++) s += (double)A[r * dim + i] * A[r * dim + j];
            M[i * dim + j] = s;
        }
    for (int sweep = 0; sweep < 60; sweep++) {
        double off = 0;
        for (int p = 0; p < dim; p++)
            for (int q = p + 1; q < dim; q++) off += M[p * dim + q] * M[p * dim + q];
        if (off < 1e-22) break;
        for (int p = 0; p < dim; p++)
            for (int q = p + 1; q < dim; q++) {
                double apq = M[p * dim + q];
                if (fabs(apq) < 1e-300) continue;
                double th = (M[q * dim + q] - M[p * dim + p]) / (2 * apq);
                double t = (th >= 0 ? 1 : -1) / (fabs(th) + sqrt(th * th + 1)), c = 1 / sqrt(t * t + 1), sn = t * c;
                for (int k = 0; k < dim; k++) { /* rotate columns p, q */
                    double mkp = M[k * dim + p], mkq = M[k * dim + q];
                    M[k * dim + p] = c * mkp - sn * mkq;
                    M[k * dim + q] = sn * mkp + c * mkq;
                }
                for (int k = 0; k < dim; k++) { /* rotate rows p, q */
                    double mpk = M[p * dim + k], mqk = M[q * dim + k];
                    M[p * dim + k] = c * mpk - sn * mqk;
                    M[q * dim + k] = sn * mpk + c * mqk;
                }
            }
    }
    double s = 0;
    for (int i = 0; i < dim; i++) s += sqrt(fmax(M[i * dim + i], 0));
    free(M);
    return s / dim;
}

typedef struct {
    const xbar_lsq_setup *s;
    int n_par;       /* parameters held by the optimizer (dim, +1 when the bias is analog) */
    float *A, *b, *wstar, *res;
} problem;

/* Loss (training loss / D) and exact gradient at (w[0..dim), bias c). */
static double lsq_eval(const problem *p, const float *w, double c, double *g)
{
    const xbar_lsq_setup *s = p->s;
    const int D = s->dim, R = s->rows;
    const double h = s->half ? 0.5 : 1.0;
    if (s->problem == XBAR_LSQ_PROBLEM_THM3) {
        double f = 0;
        for (int j = 0; j < D; j++) {
            double e = (double)w[j] - p->wstar[j];
            f += 0.5 * s->L * e * e;
            g[j] = s->L * e;
        }
        return f;
    }
    double loss = 0;
    for (int j = 0; j <= D; j++) g[j] = 0;
    for (int r = 0; r < R; r++) {
        double y = c;
        for (int j = 0; j < D; j++) y += (double)p->A[r * D + j] * w[j];
        double e = y - p->b[r];
        p->res[r] = (float)e;
        loss += e * e;
        double k = 2 * h / R * e;
        for (int j = 0; j < D; j++) g[j] += k * p->A[r * D + j];
        g[D] += k;
    }
    return h * loss / R / D;
}

static int is_tt(xbar_lsq_kind k) { return k == XBAR_LSQ_TT_DYNAMIC || k == XBAR_LSQ_TT_PULSE; }
static int is_pulse(xbar_lsq_kind k) { return k == XBAR_LSQ_ANALOG_PULSE || k == XBAR_LSQ_TT_PULSE; }

/* One curve in progress: the problem, the optimizer and the buffers of the run. */
typedef struct {
    problem p;
    xbar_lsq_kind kind;
    int thm3, bias_analog;
    double tau, h;
    xbar_aw *aw;
    float *mem;       /* A, b, res, y, d, w*, w and the result's arrays, one allocation */
    float *y, *d, *w; /* tile outputs (pulse), output errors (pulse), weights (+ bias) */
    double *g;        /* exact gradient (dim + 1) */
    float *gf;        /* noisy gradient given to the optimizer */
    double c;         /* the bias */
    uint64_t nstream; /* stream of the gradient noise */
} lsq_state;

static void state_free(lsq_state *q)
{
    xbar_aw_free(q->aw);
    free(q->mem);
    free(q->g);
    free(q->gf);
}

/* The buffers and the problem data (the same for every curve: data_seed). */
static xbar_status setup_problem(lsq_state *q, const xbar_lsq_setup *s, xbar_lsq_result *r)
{
    const int D = s->dim, R = s->rows, K = s->iterations;
    problem *p = &q->p;
    size_t nA = q->thm3 ? 0 : (size_t)R * D;
    q->mem = calloc(nA + (size_t)R * 4 + (size_t)D * 2 + 4 + (size_t)K * 4, sizeof(float));
    q->g = calloc((size_t)D + 2, sizeof(double));
    q->gf = calloc((size_t)D + 2, sizeof(float));
    if (!q->mem || !q->g || !q->gf) return xbar_fail(XBAR_ENOMEM, "lsq: out of memory");
    p->A = q->mem;
    p->b = p->A + nA;
    p->res = p->b + R;
    q->y = p->res + R;
    q->d = q->y + R;
    p->wstar = q->d + R;
    q->w = p->wstar + D + 1;
    r->n = K;
    r->loss = q->w + D + 2;
    r->grad2 = r->loss + K;
    r->winf = r->grad2 + K;
    r->pinf = r->winf + K;

    if (q->thm3) {
        for (int j = 0; j < D; j++) p->wstar[j] = (float)s->w_star_scale;
        return XBAR_OK;
    }
    xbar_rng_normal_fill(p->A, nA, s->data_seed, xbar_stream(XBAR_RNG_USER, 1, 0), 0);
    for (size_t k = 0; k < nA; k++) p->A[k] *= (float)s->a_scale;
    xbar_rng_normal_fill(p->wstar, (size_t)D, s->data_seed, xbar_stream(XBAR_RNG_USER, 2, 0), 0);
    for (int j = 0; j < D; j++) p->wstar[j] *= (float)s->w_star_scale;
    for (int i = 0; i < R; i++) {
        double v = s->bias_true;
        for (int j = 0; j < D; j++) v += (double)p->A[i * D + j] * p->wstar[j];
        p->b[i] = (float)v;
    }
    return XBAR_OK;
}

/* The optimizer of the curve's kind on one 1 x n_par tile (read noise w_noise for the pulse kinds). */
static xbar_status setup_optimizer(lsq_state *q, const xbar_lsq_setup *s, const xbar_device_params *dev,
                                   xbar_lsq_result *r)
{
    const xbar_lsq_kind kind = q->kind;
    xbar_opt_params o = s->opt;
    o.kind = kind == XBAR_LSQ_DIGITAL ? XBAR_OPT_DIGITAL : is_tt(kind) ? XBAR_OPT_TIKI_TAKA : XBAR_OPT_ANALOG_SGD;
    /* tt_pulse runs optimizer.kind when that names a transfer optimizer (a successor of
     * Tiki-Taka: anything but digital and analog_sgd), else Tiki-Taka */
    if (kind == XBAR_LSQ_TT_PULSE && s->opt.kind != XBAR_OPT_DIGITAL && s->opt.kind != XBAR_OPT_ANALOG_SGD)
        o.kind = s->opt.kind;
    if (kind == XBAR_LSQ_TT_DYNAMIC) { /* the paper's analysed TT: whole P every step, same scheme */
        o.transfer_columns = 0;
        o.transfer_every = 1;
        o.transfer_update = s->update;
    }
    xbar_tile_config tc = xbar_tile_config_defaults(1, (size_t)q->p.n_par);
    tc.device = *dev;
    tc.update = s->update;
    tc.seed = s->seed;
    tc.forward = tc.backward = xbar_io_plain(); /* exact reads; only w_noise below */
    double sA = 1.0;
    if (is_pulse(kind)) {
        if (s->noise_correction) sA = mean_singular_value(q->p.A, s->rows, s->dim);
        r->w_noise = s->noise / sA;
        tc.forward.w_noise = tc.backward.w_noise = (float)r->w_noise;
    }
    q->aw = xbar_aw_new(&o, &tc);
    return q->aw ? XBAR_OK : XBAR_EINVAL;
}

/* The initial point (lsq.init; thm3: W_0 = W*), given to the optimizer. */
static xbar_status set_initial(lsq_state *q, const xbar_lsq_setup *s)
{
    const int D = s->dim;
    float *w = q->w;
    double iv;
    int gd;
    parse_init(s->init, &iv, &gd);
    for (int j = 0; j <= D; j++) w[j] = (float)iv;
    q->c = iv;
    if (q->thm3) for (int j = 0; j < D; j++) w[j] = q->p.wstar[j]; /* W_0 = W* */
    for (int k = 0; k < gd; k++) {                                 /* noise-free digital GD */
        lsq_eval(&q->p, w, q->c, q->g);
        for (int j = 0; j < D; j++) w[j] -= (float)(s->lr * q->g[j]);
        q->c -= s->lr * q->g[D];
    }
    if (q->bias_analog) w[D] = (float)q->c;
    xbar_status st = xbar_aw_set_weights(q->aw, w); /* refused if the initial point is not finite */
    if (st) return xbar_fail(st, "lsq.init = %s: %s", s->init, xbar_msg("%s", xbar_last_error()));
    return XBAR_OK;
}

/* Gradient-noise variance E||eps||^2. */
static double noise_variance(const lsq_state *q, const xbar_lsq_setup *s, double w_noise)
{
    const int D = s->dim, R = s->rows;
    if (q->thm3) return s->noise * s->noise;
    if (!is_pulse(q->kind)) return s->noise * s->noise * q->p.n_par;
    double acc = 0, kk = 2 * q->h / R * w_noise;
    for (int i = 0; i < R; i++) {
        double a2 = 0;
        for (int j = 0; j < D; j++) a2 += (double)q->p.A[i * D + j] * q->p.A[i * D + j];
        acc += a2 * a2 + a2;
    }
    return kk * kk * acc;
}

/* Sums of the summary metrics over the iterations. */
typedef struct {
    double err, sk, g2, werr;
} lsq_sums;

/* std over j < D of w[j] - wstar[j] */
static double weight_error(const float *w, const float *wstar, int D)
{
    double m = 0, v = 0;
    for (int j = 0; j < D; j++) m += (double)w[j] - wstar[j];
    m /= D;
    for (int j = 0; j < D; j++) {
        double e = (double)w[j] - wstar[j] - m;
        v += e * e;
    }
    return sqrt(v / D);
}

/* Iteration k's metrics at the current weights (left in q->w, q->c, q->g for the step). */
static void record(lsq_state *q, const xbar_lsq_setup *s, int k, xbar_lsq_result *r, lsq_sums *sum)
{
    const int D = s->dim, K = s->iterations, burn = K / 5, tail = K - K / 10;
    const problem *p = &q->p;
    float *w = q->w;
    const double *g = q->g;
    xbar_aw_get_weights(q->aw, w);
    if (q->bias_analog) q->c = w[D];
    double loss = lsq_eval(p, w, q->c, q->g), g2 = 0, wi = 0;
    for (int j = 0; j < (q->thm3 ? D : D + 1); j++) g2 += g[j] * g[j];
    for (int j = 0; j < p->n_par; j++) wi = fmax(wi, fabs((double)w[j]));
    wi /= q->tau;
    double pi = 0;
    if (is_tt(q->kind) && xbar_aw_fast_tile(q->aw) != xbar_aw_slow_tile(q->aw)) { /* a fast tile of its own */
        const float *wa = xbar_tile_weights(xbar_aw_fast_tile(q->aw));
        for (int j = 0; j < p->n_par; j++) pi = fmax(pi, fabs((double)wa[j]));
        pi /= q->tau;
    }
    r->loss[k] = (float)loss;
    r->grad2[k] = (float)g2;
    r->winf[k] = (float)wi;
    r->pinf[k] = (float)pi;
    r->winf_max = fmax(r->winf_max, wi);
    if (k >= tail) {
        sum->err += loss;
        sum->werr += weight_error(w, p->wstar, D);
    }
    if (k >= burn) {
        double qq = wi * wi;
        sum->sk += qq < 1 ? qq / (1 - qq) : INFINITY;
        sum->g2 += g2;
    }
}

/* One step of iteration k: a noisy dense gradient step (dynamic) or a noisy read and a
 * pulsed rank-1 update per sample with a digital bias (pulse). */
static xbar_status step(lsq_state *q, const xbar_lsq_setup *s, int k)
{
    const int D = s->dim, R = s->rows;
    const problem *p = &q->p;
    const double *g = q->g;
    float *gf = q->gf;
    if (!is_pulse(q->kind)) {
        if (q->thm3) {
            /* two-point state-dependent noise, p_k = (1 - w_k/tau)/2 */
            float u[4];
            xbar_rng_uniform4(u, s->seed, q->nstream, (uint64_t)k);
            double pk = 0.5 * (1 - q->w[0] / q->tau), sd = s->noise / sqrt((double)D);
            double xi = u[0] < pk ? sd * sqrt((1 - pk) / pk) : -sd * sqrt(pk / (1 - pk));
            for (int j = 0; j < D; j++) gf[j] = (float)(g[j] + xi);
        } else {
            float z[4];
            for (int j = 0; j < p->n_par; j++) {
                if ((j & 3) == 0) xbar_rng_normal4(z, s->seed, q->nstream, ((uint64_t)k << 20) + (uint64_t)(j >> 2));
                gf[j] = (float)(g[j] + s->noise * z[j & 3]);
            }
        }
        return xbar_aw_step_dense_unchecked(q->aw, gf, (float)s->lr); /* own gradient: a divergence is the curve's */
    }
    float *y = q->y, *d = q->d;
    xbar_status st = xbar_aw_forward(q->aw, y, p->A, (size_t)R);
    double sd = 0;
    for (int i = 0; i < R && st == XBAR_OK; i++) {
        d[i] = (float)(2 * q->h / R * (y[i] + q->c - p->b[i]));
        sd += d[i];
    }
    if (st == XBAR_OK) st = xbar_aw_update_unchecked(q->aw, p->A, d, (size_t)R, (float)s->lr);
    q->c -= s->lr * sd;
    return st;
}

xbar_status xbar_lsq_run(const xbar_lsq_setup *s, xbar_lsq_kind kind, xbar_lsq_result *r)
{
    XBAR_NONNULL(r);
    memset(r, 0, sizeof *r);
    XBAR_NONNULL(s);
    const char *why = xbar_lsq_setup_check(s, kind);
    if (why) return xbar_fail(XBAR_EINVAL, "%s", why);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    const int K = s->iterations, thm3 = s->problem == XBAR_LSQ_PROBLEM_THM3;
    lsq_state q = {.kind = kind, .thm3 = thm3, .bias_analog = !thm3 && !is_pulse(kind), .h = s->half ? 0.5 : 1.0};
    q.p = (problem){.s = s, .n_par = s->dim + (q.bias_analog ? 1 : 0)};
    xbar_device_params dev = s->device;
    if (s->states > 0) dev.dw_min = (float)(tau_of(&dev) / s->states);
    q.tau = tau_of(&dev);

    xbar_status st = setup_problem(&q, s, r);
    if (st == XBAR_OK) st = setup_optimizer(&q, s, &dev, r);
    if (st == XBAR_OK) st = set_initial(&q, s);
    if (st != XBAR_OK) { /* nothing to keep: r is zeroed */
        state_free(&q);
        memset(r, 0, sizeof *r);
        return st;
    }
    r->sigma2 = noise_variance(&q, s, r->w_noise);

    q.nstream = xbar_stream(XBAR_RNG_USER + 3, 0, 0);
    const int burn = K / 5, tail = K - K / 10;
    lsq_sums sum = {0, 0, 0, 0};
    for (int k = 0; k < K && st == XBAR_OK; k++) {
        record(&q, s, k, r, &sum);
        st = step(&q, s, k);
    }
    r->final_error = sum.err / (K - tail);
    r->w_err = sum.werr / (K - tail);
    r->S_K = sum.sk / (K - burn);
    r->grad2_mean = sum.g2 / (K - burn);
    r->bound_4sigma2_SK = 4 * r->sigma2 * r->S_K;
    r->ratio = r->sigma2 * r->S_K > 0 ? r->grad2_mean / (r->sigma2 * r->S_K) : 0;
    r->ratio_paper = r->ratio / 4;
    r->pulses = xbar_aw_pulse_count(q.aw);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    r->seconds = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    /* the arrays live in `mem`: keep it, free the rest */
    r->loss = memmove(q.mem, r->loss, (size_t)K * 4 * sizeof(float));
    r->grad2 = r->loss + K;
    r->winf = r->grad2 + K;
    r->pinf = r->winf + K;
    q.mem = NULL;
    state_free(&q);
    return st;
}

void xbar_lsq_result_free(xbar_lsq_result *r)
{
    if (!r) return;
    free(r->loss);
    memset(r, 0, sizeof *r);
}
