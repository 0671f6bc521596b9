/* compose.h - n same-direction pulses of a linear device in closed form
 * (docs/model.md §j), for rows of slots at a time.
 *
 * Linear models (constant step, linear step, soft bounds, soft bounds
 * reference, ALD) step g = w + ref by sg (s + a g) per pulse (sg = +1 up,
 * -1 down), with c2c noise either multiplicative, (s + a g)(1 + sigma xi), or
 * additive, + s sigma xi. With e = g + s/a (the distance to the fixed point
 * -s/a) and c = sg a, f = 1 + c, one pulse is
 *   multiplicative  e' = (1 + c (1 + sigma xi)) e
 *   additive        e' = f e + sg s sigma xi
 *   a = 0           g' = g + sg s (1 + sigma xi)      (constant step)
 * so n pulses are an affine map of g plus a sum of n independent terms:
 *   E[e_n] = f^n e;  Var: multiplicative f^2n e^2 ((1 + rho)^n - 1), rho = (c sigma / f)^2,
 *   additive (s sigma)^2 (1 - f^2n) / (1 - f^2); a = 0: mean g + sg s n, Var n (s sigma)^2.
 * The composed step is mean + sd xi: exact in distribution for additive noise
 * (a sum of Gaussians), exact in mean and variance for multiplicative noise.
 * Without noise (sigma = 0) it is the exact noise-free closed form of
 * xbar_device_pulses. Clipping after every pulse cannot act when every
 * intermediate state stays inside the bounds: they lie between g and the mean
 * up to noise of sd at most sqrt(n) sigma |step at g|, so the form applies only
 * when that band, widened 6 times, is strictly inside (lo, hi).
 *
 * The kernels work on structure-of-arrays rows so that the compiler
 * vectorises them (compose.c builds an AVX2 clone where the CPU has it; plain
 * IEEE double operations, no FMA contraction, so every clone gives the same
 * bits). One-slot callers use the same kernels with q = 1. */
#ifndef XBAR_COMPOSE_H
#define XBAR_COMPOSE_H

#include <stddef.h>

#include "xbar.h"

/* Inputs and outputs of a row of q slots (arrays of length >= q). */
typedef struct {
    double *g, *s, *a, *sg, *lo, *hi, *n; /* state g = w + ref, step s + a g, direction, bounds, count */
    double *mean, *var;                    /* out: moments of g after the n pulses */
    double *ok;                            /* out: 1 where the composed form applies, else 0 */
} xbar_compose_rows;

/* Noise-free step s + a g of device i in direction up; 0 if the model is not linear. */
static inline int xbar_linear_step(const xbar_devices *d, size_t i, int up, double *s, double *a)
{
    *s = up ? d->s_up[i] : d->s_dn[i];
    switch (d->p.model) {
    case XBAR_DEV_CONSTANT_STEP: *a = 0.0; return 1;
    case XBAR_DEV_LINEAR_STEP:
    case XBAR_DEV_SOFT_BOUNDS: *a = up ? d->a_up[i] : d->a_dn[i]; return 1;
    case XBAR_DEV_ALD:
    case XBAR_DEV_SOFT_BOUNDS_REF: *a = -*s / (up ? d->b_max[i] : d->b_min[i]); return 1;
    default: return 0;
    }
}

/* The per-direction device arrays, indexed by up (0 down, 1 up): built once per row so
 * that a slot picks its arrays by index, without a branch on a random direction. */
typedef struct {
    const float *s[2], *a[2], *b[2];
} xbar_dirs;

static inline xbar_dirs xbar_dirs_of(const xbar_devices *d)
{
    const xbar_dirs r = {{d->s_dn, d->s_up}, {d->a_dn, d->a_up}, {d->b_min, d->b_max}};
    return r;
}

/* Fill slot o of rows from device i at weight w, direction up (0/1), n pulses; 0 if the
 * model is not linear. */
static inline int xbar_compose_load(const xbar_devices *d, const xbar_dirs *dir, const xbar_compose_rows *r, size_t o,
                                    size_t i, float w, int up, unsigned n)
{
    const double s = dir->s[up][i];
    switch (d->p.model) {
    case XBAR_DEV_CONSTANT_STEP: r->a[o] = 0.0; break;
    case XBAR_DEV_LINEAR_STEP:
    case XBAR_DEV_SOFT_BOUNDS: r->a[o] = dir->a[up][i]; break;
    case XBAR_DEV_ALD:
    case XBAR_DEV_SOFT_BOUNDS_REF: r->a[o] = -s / dir->b[up][i]; break; /* as xbar_linear_step */
    default: return 0;
    }
    r->s[o] = s;
    r->g[o] = (double)w + d->ref;
    r->sg[o] = (double)(2 * up - 1);
    r->lo[o] = d->b_min[i];
    r->hi[o] = d->b_max[i];
    r->n[o] = (double)n;
    return 1;
}

/* q^n (n < 64 as a double) by six fixed binary-powering steps. */
double xbar_powu(double q, unsigned n);

/* Moments and applicability of q slots: sigma = dw_min_std, mult = mult_noise. */
void xbar_compose_moments(const xbar_compose_rows *r, size_t q, double sigma, int mult);

/* w[o] = clip(mean + sqrt(var) xi[o], lo, hi) - ref for the q slots (every ok[o] must be 1);
 * xi = NULL: clip(mean, lo, hi) - ref (noise-free, the bits of xbar_device_pulses). */
void xbar_compose_draw(const xbar_compose_rows *r, size_t q, const float *xi, double ref, float *w);

#endif
