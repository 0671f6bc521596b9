/* compose.h - n same-direction pulses of a linear device in closed form
 * (docs/model.md §j), for rows of slots at a time.
 *
 * Linear models (those whose ops record has a slope source: constant step,
 * linear step, soft bounds, soft bounds reference, ALD) step g = w + ref by sg (s + a g) per pulse (sg = +1 up,
 * -1 down), with c2c noise either multiplicative, (s + a g)(1 + sigma xi), or
 * additive, + s sigma xi. With e = g + s/a (the distance to the fixed point
 * -s/a) and c = sg a, f = 1 + c, one pulse is
 *   multiplicative  e' = (1 + c (1 + sigma xi)) e
 *   additive        e' = f e + sg s sigma xi
 *   a = 0           g' = g + sg s (1 + sigma xi)      (constant step)
 * so n pulses are an affine map of g plus a sum of n independent terms:
 *   E[e_n] = f^n e;  Var: multiplicative f^2n e^2 ((1 + rho)^n - 1), rho = (c sigma / f)^2,
 *   additive (s sigma)^2 (1 - f^2n) / (1 - f^2); a = 0: mean g + sg s n, Var n (s sigma)^2.
 * A single pulse (n = 1) is computed as the device step itself (xbar_device_pulse's
 * float32 order and clip), so it is exact at any distance from the bounds.
 * The composed step is mean + sd xi: exact in distribution for additive noise
 * (a sum of Gaussians), exact in mean and variance for multiplicative noise.
 * Without noise (sigma = 0) it is the exact noise-free closed form of
 * xbar_device_pulses. Clipping after every pulse cannot act when every
 * intermediate state stays inside the bounds: they lie between g and the mean
 * up to noise of sd at most sqrt(n) sigma |step at g|, so the form applies only
 * when that band, widened 6 times, is strictly inside (lo, hi).
 *
 * The kernel works on the slots of one row at a time, reading the device
 * arrays by index (or contiguously, col NULL), so that the compiler
 * vectorises it (compose.c builds an AVX2 clone where the CPU has it; plain
 * IEEE single-precision operations, no FMA contraction, so every clone gives
 * the same bits). One-slot callers use the same kernel with q = 1. */
#ifndef XBAR_COMPOSE_H
#define XBAR_COMPOSE_H

#include <stddef.h>
#include <stdint.h>

#include "device_ops.h"
#include "xbar.h"

/* Noise-free step s + a g of device i in direction up, the slope from the model's record
 * (device_ops.h); 0 if the model has no closed form (XBAR_SLOPE_NONE). */
static inline int xbar_linear_step(const xbar_devices *d, size_t i, int up, double *s, double *a)
{
    *s = up ? d->s_up[i] : d->s_dn[i];
    switch (xbar_device_ops_of(d->p.model)->slope) {
    case XBAR_SLOPE_ZERO: *a = 0.0; return 1;
    case XBAR_SLOPE_ARRAY: *a = up ? d->a_up[i] : d->a_dn[i]; return 1;
    case XBAR_SLOPE_BOUND: *a = -*s / (up ? d->b_max[i] : d->b_min[i]); return 1;
    default: return 0;
    }
}

/* q^n by binary powering (the kernels' six fixed steps for n < 64, a loop above). */
double xbar_powu(double q, unsigned n);

/* The composed step of q slots of one row. Slot o is device base + col[o] with weight
 * w[col[o]] (col NULL: device base + o, weight w[o]), direction up[o] (1 up, 0 down),
 * cnt[o] >= 0 pulses and c2c normal xi[o] (xi = NULL: noise-free, the bits of
 * xbar_device_pulses). What the caller knows picks the kernel instance without a scan:
 * most >= every cnt[o] (0: unknown), dir = the direction of every slot (-1: unknown or mixed);
 * any choice gives the same bits. Writes ok[o] = 1 where a pulsed slot (cnt[o] > 0) took the
 * composed form, and out[o]: its new weight there, the current weight w[col[o]] everywhere
 * else. Returns the number of slots with ok[o] = 1, or -1, writing nothing, if the model is
 * not linear. A set with per-device references (d->ref_dev) is run through gathered copies
 * in g = w + r coordinates, with the bits of a scalar ref = r per slot. */
int xbar_compose_slots(const xbar_devices *d, size_t base, const float *w, size_t q, const int32_t *col,
                       const int32_t *up, const int32_t *cnt, const float *xi, float *out, float *ok, int32_t most,
                       int dir);

#endif
