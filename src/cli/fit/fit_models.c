/* fit_models.c - the step functions, parameters, starting points and library devices of the
 * models `xbar fit` fits (see fit_models.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fit_models.h"

#define EXP_A 0.244  /* exp_step's a and b: the library's defaults */
#define EXP_B 0.2425

static const char *const names[FIT_NMODELS] = {"soft_bounds", "ald",    "pow_step", "exp_paper",
                                               "exp_step",    "pow_zs", "exp_zs",   "piecewise_step"};
static const xbar_device_model dev_of[FIT_NMODELS] = {XBAR_DEV_SOFT_BOUNDS, XBAR_DEV_ALD,       XBAR_DEV_POW_STEP,
                                                      XBAR_DEV_EXP_PAPER,   XBAR_DEV_EXP_STEP,  XBAR_DEV_POW_ZS,
                                                      XBAR_DEV_EXP_ZS,      XBAR_DEV_PIECEWISE_STEP};
static const int nparams[FIT_NMODELS] = {4, 3, 6, 6, 6, 4, 4, 0};
static const char *const pnames[FIT_NMODELS][6] = {
    {"s_up", "s_dn", "b_max", "b_min"},
    {"delta", "tau", "sym_point"},
    {"s_up", "s_dn", "gamma_up", "gamma_down", "b_max", "b_min"},
    {"s_up", "s_dn", "gamma_up", "gamma_down", "b_max", "b_min"},
    {"s_up", "s_dn", "A_up", "A_down", "gamma_up", "gamma_down"},
    {"delta", "tau", "sym_point", "gamma_res"},
    {"delta", "tau", "sym_point", "gamma_res"},
    {NULL}};
/* parameters fitted as logarithms, one bit each */
static const unsigned logmask[FIT_NMODELS] = {0x3, 0x3, 0xf, 0xf, 0x3f, 0xb, 0xb, 0};

const char *fit_model_name(int kind) { return kind >= 0 && kind < FIT_NMODELS ? names[kind] : "?"; }

int fit_model_from_name(const char *s, size_t len)
{
    for (int k = 0; k < FIT_NMODELS; k++)
        if (strlen(names[k]) == len && !strncmp(names[k], s, len)) return k;
    return -1;
}

fit_model fit_model_make(int kind, int nodes, const fit_data *d)
{
    fit_model m = {.kind = kind, .np = kind == FIT_PIECEWISE ? 2 * nodes : nparams[kind], .nodes = nodes,
                   .lo = d->wlo, .hi = d->whi};
    return m;
}

const char *fit_param_name(const fit_model *m, int k, char *buf, size_t cap)
{
    if (m->kind == FIT_PIECEWISE) snprintf(buf, cap, "%s_%d", k < m->nodes ? "up" : "down", k % m->nodes);
    else snprintf(buf, cap, "%s", pnames[m->kind][k]);
    return buf;
}

int fit_param_log(const fit_model *m, int k) { return m->kind != FIT_PIECEWISE && (logmask[m->kind] >> k & 1); }

/* ------------------------------------------------------------------ steps */

double fit_step(const fit_model *m, const double *th, double w, int up)
{
    switch (m->kind) {
    case FIT_SOFT_BOUNDS: return up ? th[0] * (1 - w / th[2]) : th[1] * (1 - w / th[3]);
    case FIT_ALD: return th[0] * (up ? 1 - (w - th[2]) / th[1] : 1 + (w - th[2]) / th[1]);
    case FIT_POW_STEP:
    case FIT_EXP_PAPER: {
        const double R = th[4] - th[5], dist = fmax(up ? th[4] - w : w - th[5], 0.0), g = up ? th[2] : th[3];
        const double q = m->kind == FIT_POW_STEP ? pow(dist / R, g) : -expm1(-g * dist / R);
        return (up ? th[0] : th[1]) * q;
    }
    case FIT_EXP_STEP: {
        const double z = 2 * EXP_A * w / (m->hi - m->lo) + EXP_B;
        return up ? th[0] * fmax(1 - th[2] * exp(th[4] * z), 0.0) : th[1] * fmax(1 - th[3] * exp(-th[5] * z), 0.0);
    }
    case FIT_POW_ZS:
    case FIT_EXP_ZS: {
        const double x = fmax(up ? 1 - (w - th[2]) / th[1] : 1 + (w - th[2]) / th[1], 0.0);
        return th[0] * (m->kind == FIT_POW_ZS ? pow(x, th[3]) : expm1(th[3] * x) / expm1(th[3]));
    }
    case FIT_PIECEWISE: {
        const int N = m->nodes;
        double t = (w - m->lo) / (m->hi - m->lo) * (N - 1);
        t = fmin(fmax(t, 0.0), (double)(N - 1));
        int k = (int)floor(t);
        if (k > N - 2) k = N - 2;
        const double f = t - k, *v = th + (up ? 0 : N);
        return (1 - f) * v[k] + f * v[k + 1];
    }
    }
    return NAN;
}

void fit_bounds(const fit_model *m, const double *th, double *lo, double *hi)
{
    switch (m->kind) {
    case FIT_SOFT_BOUNDS: *lo = th[3], *hi = th[2]; return;
    case FIT_POW_STEP:
    case FIT_EXP_PAPER: *lo = th[5], *hi = th[4]; return;
    case FIT_ALD:
    case FIT_POW_ZS:
    case FIT_EXP_ZS: *lo = th[2] - th[1], *hi = th[2] + th[1]; return;
    default: *lo = m->lo, *hi = m->hi;
    }
}

double fit_predict(const fit_model *m, const double *th, double w, int count)
{
    double lo, hi;
    fit_bounds(m, th, &lo, &hi);
    const int up = count > 0;
    for (int k = count > 0 ? count : -count; k > 0; k--) {
        const double s = fit_step(m, th, w, up);
        w = fmin(fmax(up ? w + s : w - s, lo), hi);
    }
    return w;
}

/* --------------------------------------------------------- starting points */

/* Per direction: the pulses' states and step sizes (a run of n pulses counts as n steps of its
 * mean size at its start state: for starting points only). */
typedef struct {
    double sw, sd, sww, swd, n; /* sums for the line d = a + c w */
    double a, c, mean;
} line_fit;

static void lines(const fit_data *d, line_fit L[2])
{
    memset(L, 0, 2 * sizeof *L);
    for (size_t i = 1; i < d->n; i++) {
        if (!d->cnt[i]) continue;
        line_fit *l = &L[d->cnt[i] > 0];
        const double w = d->w[i - 1], s = (d->w[i] - d->w[i - 1]) / d->cnt[i];
        l->sw += w, l->sd += s, l->sww += w * w, l->swd += w * s, l->n += 1;
    }
    for (int k = 0; k < 2; k++) {
        line_fit *l = &L[k];
        l->mean = l->sd / l->n;
        const double var = l->sww - l->sw * l->sw / l->n;
        l->c = var > 0 ? (l->swd - l->sw * l->sd / l->n) / var : 0;
        l->a = l->mean - l->c * l->sw / l->n;
        if (!(l->mean > 0)) l->mean = (d->whi - d->wlo) / 100;
    }
}

/* The least-squares scale of a shape: s minimising sum (step_i - s f(w_i))^2 with th[si] = 1. */
static double ls_scale(const fit_model *m, const fit_data *d, double *th, int si, int up)
{
    const double keep = th[si];
    th[si] = 1;
    double num = 0, den = 0;
    for (size_t i = 1; i < d->n; i++) {
        if (!d->cnt[i] || (d->cnt[i] > 0) != up) continue;
        const double f = fit_step(m, th, d->w[i - 1], up), s = (d->w[i] - d->w[i - 1]) / d->cnt[i] * (up ? 1 : -1);
        if (isfinite(f)) num += s * f, den += f * f;
    }
    th[si] = keep;
    return den > 0 && num > 0 ? num / den : keep;
}

/* exp_step, one direction: the best (s, A, gamma) over a grid of gamma, s and s A by linear least squares. */
static void exp_step_start(const fit_model *m, const fit_data *d, int up, double *s, double *A, double *g)
{
    static const double grid[] = {0.5, 1, 2, 4, 8, 16, 32};
    double best = INFINITY;
    *s = NAN;
    for (size_t k = 0; k < sizeof grid / sizeof *grid; k++) {
        double n = 0, se = 0, see = 0, sd = 0, sde = 0;
        for (size_t i = 1; i < d->n; i++) {
            if (!d->cnt[i] || (d->cnt[i] > 0) != up) continue;
            const double z = 2 * EXP_A * d->w[i - 1] / (m->hi - m->lo) + EXP_B, e = exp((up ? 1 : -1) * grid[k] * z);
            const double st = fabs(d->w[i] - d->w[i - 1]) / abs(d->cnt[i]);
            n++, se += e, see += e * e, sd += st, sde += st * e;
        }
        const double det = n * see - se * se; /* st = S - T e */
        if (!(det > 0)) continue;
        const double S = (sd * see - se * sde) / det, T = (sd * se - n * sde) / det;
        if (!(S > 0 && T > 0)) continue;
        double sse = 0;
        for (size_t i = 1; i < d->n; i++) {
            if (!d->cnt[i] || (d->cnt[i] > 0) != up) continue;
            const double z = 2 * EXP_A * d->w[i - 1] / (m->hi - m->lo) + EXP_B;
            const double r = fabs(d->w[i] - d->w[i - 1]) / abs(d->cnt[i]) - fmax(S - T * exp((up ? 1 : -1) * grid[k] * z), 0);
            sse += r * r;
        }
        if (sse < best) best = sse, *s = S, *A = T / S, *g = grid[k];
    }
    if (!isfinite(*s)) *s = 1.2 * (d->whi - d->wlo) / 100, *A = 0.01, *g = 1; /* no line fits: a plain guess */
}

int fit_starts(const fit_model *m, const fit_data *d, double *th)
{
    line_fit L[2];
    lines(d, L);
    const line_fit *U = &L[1], *D = &L[0]; /* D: signed steps of down pulses, per pulse: positive size */
    const double R = d->whi - d->wlo;
    /* down: size = -(signed step per pulse) = -a_d - c_d w (the regression was on cnt-divided steps: positive) */
    const double au = U->a, cu = U->c, ad = D->a, cd = D->c; /* size_up = au + cu w, size_dn = ad + cd w */
    int ns = 0;
    double *t = th;
    switch (m->kind) {
    case FIT_SOFT_BOUNDS: {
        const double su = au > 0 ? au : U->mean, sd = ad > 0 ? ad : D->mean;
        t[0] = su, t[1] = sd;
        t[2] = cu < 0 && au > 0 ? -au / cu : d->whi + 10 * R;
        t[3] = cd > 0 && ad > 0 ? -ad / cd : d->wlo - 10 * R;
        if (!(t[2] > 0)) t[2] = fmax(d->whi, 0) + R;
        if (!(t[3] < 0)) t[3] = fmin(d->wlo, 0) - R;
        ns = 1;
        t = th + FIT_MAX_P;
        t[0] = U->mean, t[1] = D->mean, t[2] = fmax(d->whi, 0) + R, t[3] = fmin(d->wlo, 0) - R;
        ns = 2;
        break;
    }
    case FIT_ALD:
    case FIT_POW_ZS:
    case FIT_EXP_ZS: {
        /* ALD: size_up = delta (1 + sp/tau) - (delta/tau) w, size_dn = delta (1 - sp/tau) + (delta/tau) w */
        double delta = 0.5 * (au + ad), k = 0.5 * (cd - cu);
        if (!(delta > 0)) delta = 0.5 * (U->mean + D->mean);
        double tau = k > 0 ? delta / k : R, sp = tau * (au - ad) / (2 * delta);
        if (!isfinite(sp) || fabs(sp) > 10 * (R + fabs(d->whi) + fabs(d->wlo))) sp = 0.5 * (d->whi + d->wlo);
        tau = fmax(tau, 1.01 * fmax(d->whi - sp, sp - d->wlo));
        static const double gp[] = {1, 2, 0.5, 4}, ge[] = {1, 0.25, 2, 4};
        const int ng = m->kind == FIT_ALD ? 1 : 4;
        for (int j = 0; j < ng; j++, t += FIT_MAX_P) {
            t[0] = delta, t[1] = tau, t[2] = sp;
            if (m->kind == FIT_ALD) continue;
            t[3] = m->kind == FIT_POW_ZS ? gp[j] : ge[j];
            t[0] = 0.5 * (ls_scale(m, d, t, 0, 1) + ls_scale(m, d, t, 0, 0));
        }
        ns = ng;
        break;
    }
    case FIT_POW_STEP:
    case FIT_EXP_PAPER: {
        double bh[2] = {d->whi + 0.1 * R, 0}, bl[2] = {d->wlo - 0.1 * R, 0};
        int nb = 1;
        if (cu < 0 && au > 0 && cd > 0 && ad > 0) { /* the soft-bounds estimate, when outside the data */
            bh[1] = fmax(-au / cu, d->whi + 0.01 * R), bl[1] = fmin(-ad / cd, d->wlo - 0.01 * R);
            if (bh[1] - bl[1] < 50 * R) nb = 2;
        }
        static const double gp[] = {0.5, 1, 2, 4}, ge[] = {0.5, 1, 2, 4, 8};
        const int ng = m->kind == FIT_POW_STEP ? 4 : 5;
        for (int b = 0; b < nb; b++)
            for (int j = 0; j < ng; j++, t += FIT_MAX_P, ns++) {
                t[2] = t[3] = m->kind == FIT_POW_STEP ? gp[j] : ge[j];
                t[4] = bh[b], t[5] = bl[b];
                t[0] = t[1] = 1;
                t[0] = ls_scale(m, d, t, 0, 1);
                t[1] = ls_scale(m, d, t, 1, 0);
            }
        break;
    }
    case FIT_EXP_STEP:
        exp_step_start(m, d, 1, &t[0], &t[2], &t[4]);
        exp_step_start(m, d, 0, &t[1], &t[3], &t[5]);
        ns = 1;
        break;
    case FIT_PIECEWISE: {
        const int N = m->nodes;
        double sum[2 * XBAR_PIECEWISE_MAX] = {0}, cnt[2 * XBAR_PIECEWISE_MAX] = {0};
        for (size_t i = 1; i < d->n; i++) {
            if (!d->cnt[i]) continue;
            const int up = d->cnt[i] > 0;
            const int k = (int)lround((d->w[i - 1] - d->wlo) / R * (N - 1));
            sum[(up ? 0 : N) + k] += fabs(d->w[i] - d->w[i - 1]) / abs(d->cnt[i]);
            cnt[(up ? 0 : N) + k] += 1;
        }
        for (int k = 0; k < 2 * N; k++) t[k] = cnt[k] ? sum[k] / cnt[k] : (k < N ? U->mean : D->mean);
        ns = 1;
        break;
    }
    }
    return ns;
}

/* ------------------------------------------------------- library devices */

/* nominal steps -> dw_min, up_down (aihwkit's s_up = (1 + min(u, 0)) dw_min, s_dn = (1 - max(u, 0)) dw_min);
 * the same map takes exponents to pow_gamma, pow_up_down */
static void split(double up, double dn, float *base, float *skew)
{
    if (up >= dn) *base = (float)up, *skew = (float)(1 - dn / up);
    else *base = (float)dn, *skew = (float)(up / dn - 1);
}

const char *fit_to_device(const fit_model *m, const double *th, xbar_device_params *p)
{
    *p = xbar_device_ideal(dev_of[m->kind]);
    for (int k = 0; k < m->np; k++)
        if (!isfinite(th[k])) return "a parameter is not finite";
    switch (m->kind) {
    case FIT_SOFT_BOUNDS:
        split(th[0], th[1], &p->dw_min, &p->up_down);
        p->w_max = (float)th[2], p->w_min = (float)th[3];
        break;
    case FIT_ALD:
    case FIT_POW_ZS:
    case FIT_EXP_ZS:
        p->dw_min = (float)th[0], p->tau = (float)th[1], p->sym_point = (float)th[2];
        p->w_max = p->sym_point + p->tau, p->w_min = p->sym_point - p->tau;
        if (m->kind != FIT_ALD) p->gamma_res = (float)th[3];
        break;
    case FIT_POW_STEP:
    case FIT_EXP_PAPER:
        split(th[0], th[1], &p->dw_min, &p->up_down);
        split(th[2], th[3], &p->pow_gamma, &p->pow_up_down);
        p->w_max = (float)th[4], p->w_min = (float)th[5];
        break;
    case FIT_EXP_STEP: {
        split(th[0], th[1], &p->dw_min, &p->up_down);
        const double R = m->hi - m->lo;
        /* the library's z = 2a w/R + b over the bounds [lo, hi]: A and gamma as fitted */
        p->exp_a = (float)EXP_A, p->exp_b = (float)EXP_B;
        p->exp_A_up = (float)th[2], p->exp_A_down = (float)th[3];
        p->gamma_up = (float)th[4], p->gamma_down = (float)th[5];
        p->w_max = (float)m->hi, p->w_min = (float)m->lo;
        (void)R;
        break;
    }
    case FIT_PIECEWISE: {
        const int N = m->nodes;
        double mean = 0;
        for (int k = 0; k < 2 * N; k++) mean += fmax(th[k], 0.0) / (2 * N);
        if (!(mean > 0)) return "every node step is 0";
        p->dw_min = (float)mean;
        p->piecewise_n = N;
        for (int k = 0; k < N; k++) {
            p->piecewise_up[k] = (float)(fmax(th[k], 0.0) / mean);
            p->piecewise_down[k] = (float)(fmax(th[N + k], 0.0) / mean);
        }
        p->w_max = (float)m->hi, p->w_min = (float)m->lo;
        break;
    }
    }
    return xbar_device_check(p);
}
