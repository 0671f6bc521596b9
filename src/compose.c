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

/* How a slot's slope a is found: 0 (constant step), the per-device arrays (linear step, soft
 * bounds), or -s/b of the approached bound (ALD, soft-bounds reference); as xbar_linear_step. */
enum { A_ZERO = 0, A_ARRAY = 1, A_BOUND = 2 };

/* Slot o: device col[o] of the row (pointers already at the row), direction up[o] (0/1),
 * cnt[o] pulses (0 allowed: the result is then unused), normal xi[o] (noisy only).
 * restrict parameters (gcc ignores restrict on locals), straight-line code with selects
 * and gathers, so the loop vectorises. */
static inline void slots_body(size_t q, int noisy, int amode, int mult, int ones, double sigma, double ref,
                              const int32_t *restrict col, const int32_t *restrict up, const int32_t *restrict cnt,
                              const float *restrict xi, const float *restrict W, const float *restrict SUP,
                              const float *restrict SDN, const float *restrict AUP, const float *restrict ADN,
                              const float *restrict BMAX, const float *restrict BMIN, float *restrict OUT,
                              double *restrict OK)
{
    const double s2 = sigma * sigma;
    for (size_t o = 0; o < q; o++) {
        const int32_t j = col[o], u = up[o];
        const double lo = BMIN[j], hi = BMAX[j], g = (double)W[j] + ref, dn = ones ? 1.0 : (double)cnt[o];
        /* every array is read unconditionally (all exist), then selected: no control flow */
        const double sup = SUP[j], sdn = SDN[j], aup = AUP[j], adn = ADN[j];
        const double s = u ? sup : sdn, sg = u ? 1.0 : -1.0, ad = u ? aup : adn, bd = u ? hi : lo;
        const double a = amode == A_ARRAY ? ad : (amode == A_BOUND ? -s / bd : 0.0);
        const double c = sg * a, f = 1.0 + c;
        /* f^n for n < 64: the six steps of xbar_powu */
        double P = 1.0, fq = f;
        if (ones) { /* n = 1: the same value as the six steps (the other five multiply by 1) */
            P = 1.0 + (fq - 1.0);
        } else {
            for (int b = 0; b < 6; b++) {
                P *= 1.0 + (double)((cnt[o] >> b) & 1) * (fq - 1.0);
                fq *= fq;
            }
        }
        /* the slope is known to be 0 only for the constant step (amode, a compile-time constant);
         * a slot whose slope from the arrays happens to be 0 is left to the one-by-one path */
        const int lin = amode != A_ZERO;
        double mean, var, step0, valid;
        if (lin) {
            const double e = g + s / a, mean_lin = -s / a + P * e;
            mean = mean_lin;
            if (mult) {
                const double rho = (c * sigma / f) * (c * sigma / f);
                var = P * P * e * e * dn * rho * (1.0 + 0.5 * (dn - 1.0) * rho);
                step0 = a * e;
            } else {
                const double cc = (c > 1e-7 || c < -1e-7) ? c : 1.0;
                const double geo = (c > 1e-7 || c < -1e-7) ? (1.0 - P * P) / (-cc * (2.0 + cc)) : dn;
                var = s * s * s2 * geo;
                step0 = s;
            }
            valid = (f > 0.0 ? 1.0 : 0.0) * (a != 0.0 ? 1.0 : 0.0);
        } else {
            mean = g + sg * s * dn;
            var = s * s * s2 * dn;
            step0 = s;
            valid = 1.0;
        }
        const double lim = 36.0 * dn * s2 * step0 * step0;
        const double below = (g < mean ? g : mean) - lo, above = hi - (g > mean ? g : mean);
        /* every condition as a 0/1 double, so the loop has one data type */
        const double nb = below < above ? below : above, nb2 = nb * nb;
        /* taken: a pulsed slot where the form applies; every other slot keeps its weight */
        const double take = valid * (nb > 0.0 ? 1.0 : 0.0) * (nb2 >= lim ? 1.0 : 0.0) * (dn < 64.0 ? 1.0 : 0.0) *
                            (cnt[o] != 0 ? 1.0 : 0.0);
        /* noise-free: the mean itself (mean + 0 * 0 would turn -0 into +0) */
        double gn = noisy ? mean + sqrt(var) * (double)xi[o] : mean;
        gn = gn < lo ? lo : (gn > hi ? hi : gn);
        OK[o] = take;
        OUT[o] = take != 0.0 ? (float)(gn - ref) : W[j];
    }
}

/* One function per (noise, slope source, noise kind), each with its clones: inside, those
 * choices are constants, so no loop-invariant branch stops the vectoriser. */
#define SLOTS_ARGS                                                                                                 \
    size_t q, double sigma, double ref, const int32_t *restrict col, const int32_t *restrict up,                 \
        const int32_t *restrict cnt, const float *restrict xi, const float *restrict W, const float *restrict SUP, \
        const float *restrict SDN, const float *restrict AUP, const float *restrict ADN, const float *restrict BMAX, \
        const float *restrict BMIN, float *restrict OUT, double *restrict OK
#define SLOTS_FN(name, noisy, amode, mult, ones)                                                                   \
    XBAR_CLONES static void name(SLOTS_ARGS)                                                                       \
    {                                                                                                              \
        slots_body(q, noisy, amode, mult, ones, sigma, ref, col, up, cnt, xi, W, SUP, SDN, AUP, ADN, BMAX, BMIN, OUT, \
                   OK);                                                                                            \
    }
#define SLOTS_FNS(kind, noisy, mult)                                                                               \
    SLOTS_FN(kind##_zero, noisy, A_ZERO, mult, 0)                                                                  \
    SLOTS_FN(kind##_array, noisy, A_ARRAY, mult, 0)                                                                \
    SLOTS_FN(kind##_bound, noisy, A_BOUND, mult, 0)                                                                \
    SLOTS_FN(kind##_zero1, noisy, A_ZERO, mult, 1)                                                                 \
    SLOTS_FN(kind##_array1, noisy, A_ARRAY, mult, 1)                                                               \
    SLOTS_FN(kind##_bound1, noisy, A_BOUND, mult, 1)
SLOTS_FNS(quiet, 0, 0)
SLOTS_FNS(add, 1, 0)
SLOTS_FNS(mult, 1, 1)

/* [noise: none, additive, multiplicative][every count <= 1][slope source] */
typedef void (*slots_fn)(SLOTS_ARGS);
static const slots_fn slots_table[3][2][3] = {
    {{quiet_zero, quiet_array, quiet_bound}, {quiet_zero1, quiet_array1, quiet_bound1}},
    {{add_zero, add_array, add_bound}, {add_zero1, add_array1, add_bound1}},
    {{mult_zero, mult_array, mult_bound}, {mult_zero1, mult_array1, mult_bound1}}};

int xbar_compose_slots(const xbar_devices *d, size_t base, const float *w, size_t q, const int32_t *col,
                       const int32_t *up, const int32_t *cnt, const float *xi, float *out, double *ok)
{
    int amode;
    switch (d->p.model) {
    case XBAR_DEV_CONSTANT_STEP: amode = A_ZERO; break;
    case XBAR_DEV_LINEAR_STEP:
    case XBAR_DEV_SOFT_BOUNDS: amode = A_ARRAY; break;
    case XBAR_DEV_ALD:
    case XBAR_DEV_SOFT_BOUNDS_REF: amode = A_BOUND; break;
    default: return 0;
    }
    const int kind = !xi ? 0 : (d->p.mult_noise ? 2 : 1);
    int ones = 1;
    for (size_t o = 0; o < q; o++) ones &= cnt[o] <= 1;
    slots_table[kind][ones][amode](q, xi ? d->p.dw_min_std : 0.0, d->ref, col, up, cnt, xi, w, d->s_up + base, d->s_dn + base,
                             d->a_up + base, d->a_dn + base, d->b_max + base, d->b_min + base, out, ok);
    return 1;
}
