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

#include "exp_lsq.h"
#include "internal.h"

static const char *const kind_names[] = {"digital", "analog_dynamic", "analog_pulse", "tt_dynamic", "tt_pulse"};

const char *lsq_kind_name(lsq_kind k) { return (unsigned)k < LSQ_KIND_COUNT_ ? kind_names[k] : "?"; }

int lsq_kind_from_name(const char *name)
{
    return xbar_name_index(kind_names, LSQ_KIND_COUNT_, name);
}

lsq_setup lsq_setup_defaults(void)
{
    lsq_setup s = {.problem = LSQ_PROBLEM_LSQ,
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
    switch (d->model) {
    case XBAR_DEV_ALD: case XBAR_DEV_POW_ZS: case XBAR_DEV_EXP_ZS: return d->tau;
    default: return 0.5 * ((double)d->w_max - d->w_min);
    }
}

const char *lsq_setup_check(const lsq_setup *s, lsq_kind kind)
{
    if ((unsigned)kind >= LSQ_KIND_COUNT_) return xbar_msg("curve kind %d: unknown", (int)kind);
    if (s->dim < 1 || s->dim > 1000000) return xbar_msg("lsq.dim = %d: must be in [1, 1e6]", s->dim);
    if (s->rows < 1 || s->rows > 1000000) return xbar_msg("lsq.rows = %d: must be in [1, 1e6]", s->rows);
    if (s->iterations < 1) return xbar_msg("lsq.iterations = %d: must be >= 1", s->iterations);
    if (!(s->noise >= 0) || !isfinite(s->noise)) return xbar_msg("lsq.noise = %g: must be >= 0", s->noise);
    if (!(s->lr >= 0) || !isfinite(s->lr)) return xbar_msg("lsq.lr = %g: must be >= 0", s->lr);
    if (!(s->L > 0) || !isfinite(s->L)) return xbar_msg("lsq.L = %g: must be > 0", s->L);
    if (s->states < 0) return xbar_msg("lsq.states = %d: must be >= 0", s->states);
    double v;
    int gd;
    if (parse_init(s->init, &v, &gd)) return xbar_msg("lsq.init = %s: expected zero, const:X or gd:N", s->init);
    if (s->problem == LSQ_PROBLEM_THM3 && kind != LSQ_ANALOG_DYNAMIC && kind != LSQ_DIGITAL)
        return xbar_msg("lsq.kinds = %s: the thm3 problem runs digital or analog_dynamic only", lsq_kind_name(kind));
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
    const lsq_setup *s;
    int n_par;       /* parameters held by the optimizer (dim, +1 when the bias is analog) */
    float *A, *b, *wstar, *res;
} problem;

/* Loss (training loss / D) and exact gradient at (w[0..dim), bias c). */
static double lsq_eval(const problem *p, const float *w, double c, double *g)
{
    const lsq_setup *s = p->s;
    const int D = s->dim, R = s->rows;
    const double h = s->half ? 0.5 : 1.0;
    if (s->problem == LSQ_PROBLEM_THM3) {
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

static int is_tt(lsq_kind k) { return k == LSQ_TT_DYNAMIC || k == LSQ_TT_PULSE; }
static int is_pulse(lsq_kind k) { return k == LSQ_ANALOG_PULSE || k == LSQ_TT_PULSE; }

xbar_status lsq_run(const lsq_setup *s, lsq_kind kind, lsq_result *r)
{
    memset(r, 0, sizeof *r);
    const char *why = lsq_setup_check(s, kind);
    if (why) return xbar_fail(XBAR_EINVAL, "%s", why);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    const int D = s->dim, R = s->rows, K = s->iterations, thm3 = s->problem == LSQ_PROBLEM_THM3;
    const int bias_analog = !thm3 && !is_pulse(kind);
    problem p = {.s = s, .n_par = D + (bias_analog ? 1 : 0)};
    xbar_device_params dev = s->device;
    if (s->states > 0) dev.dw_min = (float)(tau_of(&dev) / s->states);
    const double tau = tau_of(&dev);

    size_t nA = thm3 ? 0 : (size_t)R * D;
    float *mem = calloc(nA + (size_t)R * 4 + (size_t)D * 2 + 4 + (size_t)K * 4, sizeof(float));
    double *g = calloc((size_t)D + 2, sizeof(double));
    float *gf = calloc((size_t)D + 2, sizeof(float));
    if (!mem || !g || !gf) {
        free(mem); free(g); free(gf);
        return xbar_fail(XBAR_ENOMEM, "lsq: out of memory");
    }
    p.A = mem;
    p.b = p.A + nA;
    p.res = p.b + R;
    float *y = p.res + R, *d = y + R;
    p.wstar = d + R;
    float *w = p.wstar + D + 1;
    r->n = K;
    r->loss = w + D + 2;
    r->grad2 = r->loss + K;
    r->winf = r->grad2 + K;
    r->pinf = r->winf + K;

    /* problem data (same for every curve: data_seed) */
    if (thm3) {
        for (int j = 0; j < D; j++) p.wstar[j] = (float)s->w_star_scale;
    } else {
        xbar_rng_normal_fill(p.A, nA, s->data_seed, xbar_stream(XBAR_RNG_USER, 1, 0), 0);
        for (size_t k = 0; k < nA; k++) p.A[k] *= (float)s->a_scale;
        xbar_rng_normal_fill(p.wstar, (size_t)D, s->data_seed, xbar_stream(XBAR_RNG_USER, 2, 0), 0);
        for (int j = 0; j < D; j++) p.wstar[j] *= (float)s->w_star_scale;
        for (int i = 0; i < R; i++) {
            double v = s->bias_true;
            for (int j = 0; j < D; j++) v += (double)p.A[i * D + j] * p.wstar[j];
            p.b[i] = (float)v;
        }
    }

    /* the optimizer */
    xbar_opt_params o = s->opt;
    o.kind = kind == LSQ_DIGITAL ? XBAR_OPT_DIGITAL : is_tt(kind) ? XBAR_OPT_TIKI_TAKA : XBAR_OPT_ANALOG_SGD;
    if (kind == LSQ_TT_DYNAMIC) { /* the paper's analysed TT: whole P every step, same scheme */
        o.transfer_columns = 0;
        o.transfer_every = 1;
        o.transfer_update = s->update;
    }
    xbar_tile_config tc = xbar_tile_config_defaults(1, (size_t)p.n_par);
    tc.device = dev;
    tc.update = s->update;
    tc.seed = s->seed;
    tc.forward = tc.backward = xbar_io_plain(); /* exact reads; only w_noise below */
    double sA = 1.0;
    if (is_pulse(kind)) {
        if (s->noise_correction) sA = mean_singular_value(p.A, R, D);
        r->w_noise = s->noise / sA;
        tc.forward.w_noise = tc.backward.w_noise = (float)r->w_noise;
    }
    xbar_aw *aw = xbar_aw_new(&o, &tc);
    if (!aw) {
        free(mem); free(g); free(gf);
        return XBAR_EINVAL;
    }

    /* initial point */
    double c = 0, iv;
    int gd;
    parse_init(s->init, &iv, &gd);
    for (int j = 0; j <= D; j++) w[j] = (float)iv;
    c = iv;
    if (thm3) for (int j = 0; j < D; j++) w[j] = p.wstar[j]; /* W_0 = W* */
    for (int k = 0; k < gd; k++) {                          /* noise-free digital GD */
        lsq_eval(&p, w, c, g);
        for (int j = 0; j < D; j++) w[j] -= (float)(s->lr * g[j]);
        c -= s->lr * g[D];
    }
    if (bias_analog) w[D] = (float)c;
    xbar_status st = xbar_aw_set_weights(aw, w); /* refused if the initial point is not finite */
    if (st) {
        xbar_aw_free(aw);
        free(mem); free(g); free(gf);
        return xbar_fail(st, "lsq.init = %s: %s", s->init, xbar_msg("%s", xbar_last_error()));
    }

    /* gradient-noise variance E||eps||^2 */
    const double h = s->half ? 0.5 : 1.0;
    if (thm3) r->sigma2 = s->noise * s->noise;
    else if (!is_pulse(kind)) r->sigma2 = s->noise * s->noise * p.n_par;
    else {
        double acc = 0, kk = 2 * h / R * r->w_noise;
        for (int i = 0; i < R; i++) {
            double a2 = 0;
            for (int j = 0; j < D; j++) a2 += (double)p.A[i * D + j] * p.A[i * D + j];
            acc += a2 * a2 + a2;
        }
        r->sigma2 = kk * kk * acc;
    }

    const uint64_t nstream = xbar_stream(XBAR_RNG_USER + 3, 0, 0);
    const int burn = K / 5, tail = K - K / 10;
    double sum_err = 0, sum_sk = 0, sum_g2 = 0;
    for (int k = 0; k < K && st == XBAR_OK; k++) {
        xbar_aw_get_weights(aw, w);
        if (bias_analog) c = w[D];
        double loss = lsq_eval(&p, w, c, g), g2 = 0, wi = 0;
        for (int j = 0; j < (thm3 ? D : D + 1); j++) g2 += g[j] * g[j];
        for (int j = 0; j < p.n_par; j++) wi = fmax(wi, fabs((double)w[j]));
        wi /= tau;
        double pi = 0;
        if (is_tt(kind)) {
            const float *wa = xbar_tile_weights(xbar_aw_fast_tile(aw));
            for (int j = 0; j < p.n_par; j++) pi = fmax(pi, fabs((double)wa[j]));
            pi /= tau;
        }
        r->loss[k] = (float)loss;
        r->grad2[k] = (float)g2;
        r->winf[k] = (float)wi;
        r->pinf[k] = (float)pi;
        r->winf_max = fmax(r->winf_max, wi);
        if (k >= tail) sum_err += loss;
        if (k >= burn) {
            double q = wi * wi;
            sum_sk += q < 1 ? q / (1 - q) : INFINITY;
            sum_g2 += g2;
        }
        /* one step */
        if (!is_pulse(kind)) {
            if (thm3) {
                /* two-point state-dependent noise, p_k = (1 - w_k/tau)/2 */
                float u[4];
                xbar_rng_uniform4(u, s->seed, nstream, (uint64_t)k);
                double pk = 0.5 * (1 - w[0] / tau), sd = s->noise / sqrt((double)D);
                double xi = u[0] < pk ? sd * sqrt((1 - pk) / pk) : -sd * sqrt(pk / (1 - pk));
                for (int j = 0; j < D; j++) gf[j] = (float)(g[j] + xi);
            } else {
                float z[4];
                for (int j = 0; j < p.n_par; j++) {
                    if ((j & 3) == 0) xbar_rng_normal4(z, s->seed, nstream, ((uint64_t)k << 20) + (uint64_t)(j >> 2));
                    gf[j] = (float)(g[j] + s->noise * z[j & 3]);
                }
            }
            st = xbar_aw_step_dense_unchecked(aw, gf, (float)s->lr); /* own gradient: a divergence is the curve's */
        } else {
            st = xbar_aw_forward(aw, y, p.A, (size_t)R);
            double sd = 0;
            for (int i = 0; i < R && st == XBAR_OK; i++) {
                d[i] = (float)(2 * h / R * (y[i] + c - p.b[i]));
                sd += d[i];
            }
            if (st == XBAR_OK) st = xbar_aw_update_unchecked(aw, p.A, d, (size_t)R, (float)s->lr);
            c -= s->lr * sd;
        }
    }
    r->final_error = sum_err / (K - tail);
    r->S_K = sum_sk / (K - burn);
    r->grad2_mean = sum_g2 / (K - burn);
    r->bound_4sigma2_SK = 4 * r->sigma2 * r->S_K;
    r->ratio = r->sigma2 * r->S_K > 0 ? r->grad2_mean / (r->sigma2 * r->S_K) : 0;
    r->ratio_paper = r->ratio / 4;
    r->pulses = xbar_aw_pulse_count(aw);
    xbar_aw_free(aw);
    free(g);
    free(gf);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    r->seconds = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    /* the arrays live in `mem`: keep it, free the rest */
    r->loss = memmove(mem, r->loss, (size_t)K * 4 * sizeof(float));
    r->grad2 = r->loss + K;
    r->winf = r->grad2 + K;
    r->pinf = r->winf + K;
    return st;
}

void lsq_result_free(lsq_result *r)
{
    if (!r) return;
    free(r->loss);
    memset(r, 0, sizeof *r);
}
