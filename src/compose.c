/* compose.c - the kernels of compose.h: the closed form of n same-direction
 * pulses of a linear device, over structure-of-arrays rows of slots.
 * Straight-line IEEE double arithmetic with selects, so gcc vectorises the
 * loops; target_clones adds an AVX2 version picked at load time. No FMA is
 * enabled in any clone and C11 mode forbids contraction, so every clone gives
 * the bits of the scalar code. */
#include <math.h>

#include "compose.h"

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define XBAR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define XBAR_CLONES
#endif

/* Counts of 64 or more (BL >= 64) take the loop; below, six fixed steps where the
 * factor 1 + bit (q - 1) is q or exactly 1 (q - 1 is exact for q >= 1/2). */
double xbar_powu(double q, unsigned n)
{
    double p = 1.0;
    if (n >= 64u) {
        for (; n; n >>= 1, q *= q) p *= (n & 1u) ? q : 1.0;
        return p;
    }
    for (int b = 0; b < 6; b++) {
        p *= 1.0 + (double)((n >> b) & 1u) * (q - 1.0);
        q *= q;
    }
    return p;
}

/* restrict parameters (gcc ignores restrict on locals): no run-time alias checks */
XBAR_CLONES
static void moments(size_t q, double sigma, int mult, const double *restrict G, const double *restrict S,
                    const double *restrict A, const double *restrict SG, const double *restrict LO,
                    const double *restrict HI, const double *restrict N, double *restrict MEAN,
                    double *restrict VAR, double *restrict OK)
{
    const double s2 = sigma * sigma, multd = mult ? 1.0 : 0.0;
    for (size_t o = 0; o < q; o++) {
        const double g = G[o], s = S[o], a = A[o], dn = N[o], c = SG[o] * a, f = 1.0 + c;
        /* f^n for n < 64: the six steps of xbar_powu; bit b of n from the double count */
        double P = 1.0, fq = f, rest = dn;
        for (int b = 0; b < 6; b++) {
            const double half = rest * 0.5, hi = (double)(int)half; /* n >> (b+1) */
            const double bit = rest - 2.0 * hi;                          /* (n >> b) & 1 */
            P *= 1.0 + bit * (fq - 1.0);
            fq *= fq;
            rest = hi;
        }
        const double lin = a != 0.0 ? 1.0 : 0.0, ainv = a != 0.0 ? a : 1.0;
        const double e = g + s / ainv, rho = (c * sigma / f) * (c * sigma / f);
        const double cc = (c > 1e-7 || c < -1e-7) ? c : 1.0;
        const double geo = (c > 1e-7 || c < -1e-7) ? (1.0 - P * P) / (-cc * (2.0 + cc)) : dn;
        const double mean_lin = -s / ainv + P * e, mean_const = g + SG[o] * s * dn;
        const double var_mult = P * P * e * e * dn * rho * (1.0 + 0.5 * (dn - 1.0) * rho);
        const double var_add = s * s * s2 * geo, var_const = s * s * s2 * dn;
        const double mean = lin != 0.0 ? mean_lin : mean_const;
        const double var = lin != 0.0 ? (multd != 0.0 ? var_mult : var_add) : var_const;
        const double step0 = (lin != 0.0) & (multd != 0.0) ? a * e : s;
        const double lim = 36.0 * dn * s2 * step0 * step0;
        const double below = (g < mean ? g : mean) - LO[o], above = HI[o] - (g > mean ? g : mean);
        MEAN[o] = mean;
        VAR[o] = var;
        /* every condition as a 0/1 double, so the loop has one data type and vectorises */
        const double nb = below < above ? below : above, nb2 = nb * nb;
        OK[o] = ((f > 0.0 ? 1.0 : 0.0) + (lin == 0.0 ? 1.0 : 0.0) > 0.0 ? 1.0 : 0.0) * (nb > 0.0 ? 1.0 : 0.0) *
                (nb2 >= lim ? 1.0 : 0.0) * (dn < 64.0 ? 1.0 : 0.0);
    }
}

void xbar_compose_moments(const xbar_compose_rows *r, size_t q, double sigma, int mult)
{
    moments(q, sigma, mult, r->g, r->s, r->a, r->sg, r->lo, r->hi, r->n, r->mean, r->var, r->ok);
}

XBAR_CLONES
void xbar_compose_draw(const xbar_compose_rows *r, size_t q, const float *xi, double ref, float *w)
{
    if (!xi) { /* noise-free: the mean itself (no + 0 * 0, which would turn -0 into +0) */
        for (size_t o = 0; o < q; o++) {
            const double lo = r->lo[o], hi = r->hi[o], g = r->mean[o];
            w[o] = (float)((g < lo ? lo : (g > hi ? hi : g)) - ref);
        }
        return;
    }
    for (size_t o = 0; o < q; o++) {
        const double lo = r->lo[o], hi = r->hi[o];
        double gn = r->mean[o] + sqrt(r->var[o]) * (double)xi[o];
        gn = gn < lo ? lo : (gn > hi ? hi : gn);
        w[o] = (float)(gn - ref);
    }
}
