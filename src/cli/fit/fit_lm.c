/* fit_lm.c - least squares of the fit models with MINPACK's Levenberg-Marquardt (see fit_lm.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cminpack.h>

#include "fit_lm.h"

typedef struct {
    const fit_model *m;
    const fit_data *d;
    const double *wt; /* weight of each residual: 1/sd of its step (step_weights) */
} lm_ctx;

#define WT_BINS 20 /* most state bins per direction of the variance estimate */

/* The weight of each step, 1/sqrt(v_i), from a variance estimate that does not depend on the
 * model: per direction the states are cut into up to WT_BINS bins of equal width, a line
 * fitted to the per-pulse steps of each bin, v = the variance of its residuals (n - 2), times
 * |n_i| for a run of n_i pulses; a bin of fewer than 8 steps takes its nearest neighbour's; v is
 * floored at 1e-4 of the largest (weights differ by at most 100) and normalised so that the
 * mean weight is 1. Multiplicative c2c noise makes the variance grow with the step size; these
 * weights keep the large steps from swamping the fit and the criteria. */
static void step_weights(const fit_data *d, double *wt)
{
    const double R = d->whi - d->wlo;
    double var[2][WT_BINS];
    int nb[2];
    for (int up = 0; up < 2; up++) {
        const size_t nd = up ? d->steps_up : d->steps_dn;
        nb[up] = (int)(nd / 40 > WT_BINS ? WT_BINS : nd / 40 < 1 ? 1 : nd / 40);
        double n[WT_BINS] = {0}, sx[WT_BINS] = {0}, sy[WT_BINS] = {0}, sxx[WT_BINS] = {0}, sxy[WT_BINS] = {0},
               syy[WT_BINS] = {0};
        for (size_t i = 1; i < d->n; i++) {
            if (!d->cnt[i] || (d->cnt[i] > 0) != up) continue;
            int b = (int)((d->w[i - 1] - d->wlo) / R * nb[up]);
            b = b < 0 ? 0 : b >= nb[up] ? nb[up] - 1 : b;
            const double x = d->w[i - 1], y = (d->w[i] - d->w[i - 1]) / d->cnt[i];
            n[b]++, sx[b] += x, sy[b] += y, sxx[b] += x * x, sxy[b] += x * y, syy[b] += y * y;
        }
        for (int b = 0; b < nb[up]; b++) {
            var[up][b] = NAN;
            if (n[b] < 8) continue;
            const double cxx = sxx[b] - sx[b] * sx[b] / n[b], cxy = sxy[b] - sx[b] * sy[b] / n[b],
                         cyy = syy[b] - sy[b] * sy[b] / n[b];
            var[up][b] = fmax(cyy - (cxx > 0 ? cxy * cxy / cxx : 0), 0) / (n[b] - 2);
        }
        for (int b = 0; b < nb[up]; b++) /* empty bins: the nearest filled one */
            for (int dist = 1; isnan(var[up][b]) && dist < nb[up]; dist++) {
                if (b - dist >= 0 && !isnan(var[up][b - dist])) var[up][b] = var[up][b - dist];
                else if (b + dist < nb[up] && !isnan(var[up][b + dist])) var[up][b] = var[up][b + dist];
            }
    }
    double vmax = 0;
    for (int up = 0; up < 2; up++)
        for (int b = 0; b < nb[up]; b++)
            if (isfinite(var[up][b])) vmax = fmax(vmax, var[up][b]);
    double sum = 0;
    size_t j = 0;
    for (size_t i = 1; i < d->n; i++) {
        if (!d->cnt[i]) continue;
        const int up = d->cnt[i] > 0;
        int b = (int)((d->w[i - 1] - d->wlo) / R * nb[up]);
        b = b < 0 ? 0 : b >= nb[up] ? nb[up] - 1 : b;
        double v = var[up][b];
        if (!isfinite(v)) v = vmax;
        v = fmax(v, 1e-4 * vmax) * abs(d->cnt[i]);
        wt[j] = v > 0 ? 1 / sqrt(v) : 1;
        sum += wt[j++];
    }
    for (size_t i = 0; i < j; i++) wt[i] *= (double)j / sum;
}

/* internal variables -> parameters */
static void to_theta(const fit_model *m, const double *x, double *th)
{
    for (int k = 0; k < m->np; k++) th[k] = fit_param_log(m, k) ? exp(x[k]) : x[k];
}

static void residuals(const fit_model *m, const fit_data *d, const double *th, double *r)
{
    const double big = 1e3 * (d->whi - d->wlo);
    size_t j = 0;
    for (size_t i = 1; i < d->n; i++) {
        if (!d->cnt[i]) continue;
        const double v = d->w[i] - fit_predict(m, th, d->w[i - 1], d->cnt[i]);
        r[j++] = isfinite(v) ? v : big; /* a non-finite prediction: far off, so the search leaves it */
    }
}

static int lm_fcn(void *p, int mm, int n, const double *x, double *fvec, int iflag)
{
    (void)n, (void)iflag;
    const lm_ctx *c = p;
    double th[FIT_MAX_P];
    to_theta(c->m, x, th);
    residuals(c->m, c->d, th, fvec);
    for (int i = 0; i < mm; i++) fvec[i] *= c->wt[i];
    return 0;
}

static double sumsq(const double *r, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) s += r[i] * r[i];
    return s;
}

/* c2c_std of fit_lm.h: sigma^2 = sum r^2 / sum scale^2 over single pulses, scale = the predicted
 * step (multiplicative noise) or the nominal step (additive), which weights the large steps most,
 * where a small error of the fitted step is a small part of the residual */
static double c2c_estimate(const fit_model *m, const fit_data *d, const double *th)
{
    xbar_device_params p;
    const int mult = (fit_to_device(m, th, &p), p.mult_noise);
    double nominal[2] = {1, 1};
    if (!mult) {
        xbar_devices dv;
        if (xbar_devices_init(&dv, &p, 1, 0) != XBAR_OK) return NAN;
        nominal[0] = dv.s_dn[0], nominal[1] = dv.s_up[0];
        xbar_devices_free(&dv);
    }
    double lo, hi, rr = 0, ss = 0;
    fit_bounds(m, th, &lo, &hi);
    for (size_t i = 1; i < d->n; i++) {
        if (abs(d->cnt[i]) != 1) continue;
        const int up = d->cnt[i] > 0;
        const double w0 = d->w[i - 1], s = fit_step(m, th, w0, up), pred = up ? w0 + s : w0 - s;
        if (!(s > 0) || pred >= hi || pred <= lo) continue; /* a clipped pulse: its noise is cut */
        const double r = d->w[i] - pred, sc = mult ? s : nominal[up];
        rr += r * r, ss += sc * sc;
    }
    return ss > 0 ? sqrt(rr / ss) : NAN;
}

int fit_run(const fit_model *m, const fit_data *d, fit_result *r, char *err, size_t n)
{
    memset(r, 0, sizeof *r);
    r->m = *m;
    const int np = m->np;
    size_t steps = 0;
    for (size_t i = 1; i < d->n; i++) steps += d->cnt[i] != 0;
    r->steps = steps;
    if (steps <= (size_t)np) return snprintf(err, n, "%zu steps for %d parameters", steps, np), -1;
    const int mm = (int)steps;
    double *starts = malloc(sizeof(double) * FIT_MAX_P * FIT_MAX_STARTS);
    double *fvec = malloc(sizeof(double) * steps), *fjac = malloc(sizeof(double) * steps * (size_t)np);
    double *best_fjac = malloc(sizeof(double) * steps * (size_t)np);
    double *wa4 = malloc(sizeof(double) * steps), *wt = malloc(sizeof(double) * steps);
    if (!starts || !fvec || !fjac || !best_fjac || !wa4 || !wt) {
        free(starts), free(fvec), free(fjac), free(best_fjac), free(wa4), free(wt);
        return snprintf(err, n, "out of memory (%zu steps)", steps), -1;
    }
    const int ns = fit_starts(m, d, starts);
    step_weights(d, wt);
    lm_ctx ctx = {m, d, wt};
    double best = INFINITY, bx[FIT_MAX_P];
    int bipvt[FIT_MAX_P];
    for (int s = 0; s < ns; s++) {
        double x[FIT_MAX_P], diag[FIT_MAX_P], qtf[FIT_MAX_P], wa1[FIT_MAX_P], wa2[FIT_MAX_P], wa3[FIT_MAX_P];
        int ipvt[FIT_MAX_P], nfev = 0, ok = 1;
        const double *t0 = starts + (size_t)s * FIT_MAX_P;
        for (int k = 0; k < np; k++) {
            x[k] = fit_param_log(m, k) ? log(t0[k]) : t0[k];
            ok &= isfinite(x[k]);
        }
        if (!ok) continue;
        const int info = lmdif(lm_fcn, &ctx, mm, np, x, fvec, 1e-12, 1e-12, 0.0, 400 * (np + 1), 0.0, diag, 1, 100.0,
                               0, &nfev, fjac, mm, ipvt, qtf, wa1, wa2, wa3, wa4);
        r->nfev += nfev;
        double th[FIT_MAX_P];
        to_theta(m, x, th);
        lm_fcn(&ctx, mm, np, x, fvec, 1);
        const double rss = sumsq(fvec, steps);
        if (info >= 1 && rss < best) {
            best = rss;
            r->info = info;
            memcpy(bx, x, sizeof(double) * (size_t)np);
            memcpy(bipvt, ipvt, sizeof(int) * (size_t)np);
            memcpy(best_fjac, fjac, sizeof(double) * steps * (size_t)np);
        }
    }
    int rc = 0;
    if (!isfinite(best)) {
        snprintf(err, n, "no starting point converged");
        rc = -1;
    } else {
        to_theta(m, bx, r->th);
        /* piecewise_step: node steps are sizes, >= 0 as the library takes them */
        if (m->kind == FIT_PIECEWISE)
            for (int k = 0; k < np; k++) r->th[k] = fmax(r->th[k], 0.0);
        residuals(m, d, r->th, fvec);
        r->rss = sumsq(fvec, steps);
        for (size_t i = 0; i < steps; i++) fvec[i] *= wt[i];
        r->wrss = sumsq(fvec, steps);
        /* covariance of the internal variables (R of the QR factorisation in fjac, weighted) */
        double wa[FIT_MAX_P];
        covar1(mm, np, r->wrss, best_fjac, mm, bipvt, 1e-12, wa);
        for (int k = 0; k < np; k++) {
            const double v = best_fjac[(size_t)k * (size_t)mm + (size_t)k];
            const double se = v >= 0 ? sqrt(v) : NAN;
            r->se[k] = fit_param_log(m, k) ? r->th[k] * se : se;
        }
        const double mf = (double)steps;
        r->rmse = sqrt(r->rss / mf);
        double mean[2] = {0, 0}, cnt[2] = {0, 0}, tss = 0;
        for (size_t i = 1; i < d->n; i++)
            if (d->cnt[i]) mean[d->cnt[i] > 0] += d->w[i] - d->w[i - 1], cnt[d->cnt[i] > 0] += 1;
        for (int k = 0; k < 2; k++) mean[k] /= cnt[k];
        for (size_t i = 1; i < d->n; i++)
            if (d->cnt[i]) {
                const double e = d->w[i] - d->w[i - 1] - mean[d->cnt[i] > 0];
                tss += e * e;
            }
        r->r2 = tss > 0 ? 1 - r->rss / tss : NAN;
        const double ll = mf * log(fmax(r->wrss / mf, 1e-300));
        r->aic = ll + 2.0 * np;
        r->bic = ll + np * log(mf);
        r->c2c_std = c2c_estimate(m, d, r->th);
    }
    free(starts), free(fvec), free(fjac), free(best_fjac), free(wa4), free(wt);
    return rc;
}

double fit_library_rmse(const xbar_device_params *p, const fit_data *d)
{
    xbar_devices dv;
    if (xbar_devices_init(&dv, p, 1, 0) != XBAR_OK) return NAN;
    double s = 0;
    size_t m = 0;
    for (size_t i = 1; i < d->n; i++) {
        if (!d->cnt[i]) continue;
        float w = (float)d->w[i - 1];
        for (int k = abs(d->cnt[i]); k > 0; k--) w = xbar_device_pulse(&dv, 0, w, d->cnt[i] > 0, 0.0f);
        const double e = d->w[i] - (double)w;
        s += e * e, m++;
    }
    xbar_devices_free(&dv);
    return sqrt(s / (double)m);
}
