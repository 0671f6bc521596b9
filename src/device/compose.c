/* compose.c - the kernels of compose.h: the closed form of n same-direction
 * pulses of a linear device, over structure-of-arrays rows of slots.
 * Straight-line IEEE single-precision arithmetic with selects, so gcc
 * vectorises the loops; target_clones adds an AVX2 version picked at load time. No FMA is
 * enabled in any clone and C11 mode forbids contraction, so every clone gives
 * the bits of the scalar code. */
#include <math.h>
#include <stddef.h>

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
 * bounds), or -s/b of the approached bound (ALD, soft-bounds reference); the record's slope
 * source less one (XBAR_SLOPE_ZERO, _ARRAY, _BOUND), as xbar_linear_step. */
enum { A_ZERO = XBAR_SLOPE_ZERO - 1, A_ARRAY = XBAR_SLOPE_ARRAY - 1, A_BOUND = XBAR_SLOPE_BOUND - 1 };

/* xbar_clampf's value for lo <= hi (every device's b_min <= 0 <= b_max), in the min-then-max
 * form that compiles to one vminps and one vmaxps (NaN stays NaN, as there). */
static inline float clamp_min_max(float x, float lo, float hi)
{
    const float t = hi < x ? hi : x;
    return lo > t ? lo : t;
}

/* Slot o: device col[o] of the row (pointers already at the row; contig: device o, col
 * unused, so plain vector loads replace the gathers), direction up[o] (0/1),
 * cnt[o] pulses (0 allowed: the result is then unused), normal xi[o] (noisy only).
 * Single precision throughout (the precision of the float32 device step it replaces; eight
 * lanes per AVX2 vector), straight-line code with selects and gathers, restrict parameters
 * (gcc ignores restrict on locals), so the loop vectorises. */
/* always inlined: each instance below must get its own constant-folded copy */
__attribute__((always_inline)) static inline int32_t
slots_body(size_t q, int contig, int uni, int noisy, int amode, int mult, int nb, float sigma, float ref,
           const int32_t *restrict col, const int32_t *restrict up, const int32_t *restrict cnt,
           const float *restrict xi, const float *restrict W, const float *restrict SUP, const float *restrict SDN,
           const float *restrict AUP, const float *restrict ADN, const float *restrict BMAX,
           const float *restrict BMIN, float *restrict OUT, float *restrict OK)
{
    const float s2 = sigma * sigma;
    int32_t taken = 0; /* the slots with OK[o] = 1 (an integer sum: the loop still vectorises) */
    for (size_t o = 0; o < q; o++) {
        const ptrdiff_t j = contig ? (ptrdiff_t)o : (ptrdiff_t)col[o];
        const int32_t u = up[o];
        const float lo = BMIN[j], hi = BMAX[j], g = W[j] + ref, dn = nb == 1 ? 1.0f : (float)cnt[o];
        /* every array is read unconditionally (all exist), then selected: no control flow */
        const float sup = SUP[j], sdn = uni ? sup : SDN[j], aup = AUP[j], adn = uni ? aup : ADN[j];
        const float s = u ? sup : sdn, sg = u ? 1.0f : -1.0f, bd = u ? hi : lo;
        /* one pulse: the arithmetic of xbar_device_pulse (device.c), so a single pulse is the
         * device step itself: no closed form, no division (but A_BOUND's g / bd), no root */
        const float nz = noisy ? sigma * xi[o] : 0.0f;
        float st;
        if (amode == A_ZERO)
            st = s * (1.0f + nz);
        else if (amode == A_ARRAY)
            st = mult ? ((u ? aup : adn) * g + s) * (1.0f + nz) : (u ? aup : adn) * g + s * (1.0f + nz);
        else {
            const float q1 = 1.0f - g / bd;
            st = mult ? (s * q1) * (1.0f + nz) : s * (q1 + nz);
        }
        const float g1 = u ? g + st : g - st;
        if (nb == 1) { /* every count 0 or 1 */
            const float take = cnt[o] != 0 ? 1.0f : 0.0f, gc = clamp_min_max(g1, lo, hi);
            OK[o] = take;
            OUT[o] = take != 0.0f ? gc - ref : W[j];
            taken += (int32_t)take;
            continue;
        }
        /* n >= 2 pulses scale the distance e to the fixed point by f = 1 + c each, so the n-pulse step
         * is (f^n - 1) e. f^n - 1 = A and, for additive noise, S = sum_{k<n} f^2k come from
         * binary powering over the nb (4 or 6) bits of n < 2^nb, carried as differences from 1 so that
         * c keeps its low bits (1 + c in single precision would lose them): block b holds
         * xb = f^(2^b) - 1 and Sb = sum_{k<2^b} f^2k; a set bit appends the block,
         * A' = A + xb + A xb and S' = S + (1 + A)^2 Sb. No cancellation, no division. */
        const float a = amode == A_ARRAY ? (u ? aup : adn) : (amode == A_BOUND ? -s / bd : 0.0f);
        const float fp = amode == A_BOUND ? bd : -s / a;
        const float c = sg * a;
        float A = 0.0f, S = 0.0f, xb = c, Sb = 1.0f;
        for (int b = 0; b < nb; b++) { /* the bits of n < 2^nb (bits above add exactly nothing) */
            /* bit b as the sign of cnt << (31 - b): the select is one blend on that sign */
            const int set = (int32_t)((uint32_t)cnt[o] << (31 - b)) < 0;
            if (noisy && !mult) {
                const float bit = set ? 1.0f : 0.0f;
                S += bit * ((1.0f + A) * (1.0f + A)) * Sb, Sb *= 2.0f + xb * (2.0f + xb);
            }
            /* A + (xb + A xb) where the bit is set: the bits of A + bit (xb + A xb) for finite
             * xb (the first block, A = 0, is c itself) */
            A = set ? (b == 0 ? c : A + (xb + A * xb)) : A;
            xb *= 2.0f + xb;
        }
        /* the slope is known to be 0 only for the constant step (amode, a compile-time constant);
         * a slot whose slope from the arrays happens to be 0 is left to the one-by-one path */
        float mean, var = 0.0f, step0, valid;
        if (amode != A_ZERO) {
            const float e = g - fp;
            mean = g + A * e;
            if (mult) {
                const float r = c * sigma / (1.0f + c), rho = r * r, pe = (1.0f + A) * e;
                var = pe * pe * dn * rho * (1.0f + 0.5f * (dn - 1.0f) * rho);
                step0 = a * e;
            } else {
                if (noisy) var = s * s * s2 * S;
                step0 = s;
            }
            valid = (c > -1.0f ? 1.0f : 0.0f) * (a != 0.0f ? 1.0f : 0.0f);
        } else {
            mean = g + sg * s * dn;
            var = s * s * s2 * dn;
            step0 = s;
            valid = 1.0f;
        }
        const float lim = 36.0f * dn * s2 * step0 * step0;
        const float below = (g < mean ? g : mean) - lo, above = hi - (g > mean ? g : mean);
        /* every condition as a 0/1 float, so the loop has one data type */
        const float room = below < above ? below : above, room2 = room * room;
        /* taken: a slot of one pulse, or of n >= 2 where the form applies; every other slot keeps
         * its weight */
        const float one = cnt[o] == 1 ? 1.0f : 0.0f;
        const float take = valid * (room > 0.0f ? 1.0f : 0.0f) * (room2 >= lim ? 1.0f : 0.0f) *
                           (nb < 6 || dn < 64.0f ? 1.0f : 0.0f) * (cnt[o] != 0 ? 1.0f : 0.0f);
        /* noise-free: the mean itself (mean + 0 * 0 would turn -0 into +0) */
        float gn = noisy ? mean + sqrtf(var) * xi[o] : mean;
        gn = one != 0.0f ? g1 : gn;
        gn = clamp_min_max(gn, lo, hi);
        const float tk = one != 0.0f ? 1.0f : take;
        OK[o] = tk;
        OUT[o] = tk != 0.0f ? gn - ref : W[j];
        taken += (int32_t)tk;
    }
    return taken;
}

/* One function per (noise, slope source, noise kind), each with its clones: inside, those
 * choices are constants, so no loop-invariant branch stops the vectoriser. */
#define SLOTS_ARGS                                                                                                 \
    size_t q, float sigma, float ref, const int32_t *restrict col, const int32_t *restrict up,                 \
        const int32_t *restrict cnt, const float *restrict xi, const float *restrict W, const float *restrict SUP, \
        const float *restrict SDN, const float *restrict AUP, const float *restrict ADN, const float *restrict BMAX, \
        const float *restrict BMIN, float *restrict OUT, float *restrict OK
#define SLOTS_FN(name, contig, uni, noisy, amode, mult, nb)                                                        \
    XBAR_CLONES static int32_t name(SLOTS_ARGS)                                                                    \
    {                                                                                                              \
        return slots_body(q, contig, uni, noisy, amode, mult, nb, sigma, ref, col, up, cnt, xi, W, SUP, SDN, AUP,   \
                          ADN, BMAX, BMIN, OUT, OK);                                                               \
    }
#define SLOTS_FNS(kind, contig, uni, noisy, mult)                                                                  \
    SLOTS_FN(kind##_zero1, contig, uni, noisy, A_ZERO, mult, 1)                                                    \
    SLOTS_FN(kind##_array1, contig, uni, noisy, A_ARRAY, mult, 1)                                                  \
    SLOTS_FN(kind##_bound1, contig, uni, noisy, A_BOUND, mult, 1)                                                  \
    SLOTS_FN(kind##_zero4, contig, uni, noisy, A_ZERO, mult, 4)                                                    \
    SLOTS_FN(kind##_array4, contig, uni, noisy, A_ARRAY, mult, 4)                                                  \
    SLOTS_FN(kind##_bound4, contig, uni, noisy, A_BOUND, mult, 4)                                                  \
    SLOTS_FN(kind##_zero, contig, uni, noisy, A_ZERO, mult, 6)                                                     \
    SLOTS_FN(kind##_array, contig, uni, noisy, A_ARRAY, mult, 6)                                                   \
    SLOTS_FN(kind##_bound, contig, uni, noisy, A_BOUND, mult, 6)
#define SLOTS_ROW(kind)                                                                                            \
    {{kind##_zero1, kind##_array1, kind##_bound1}, {kind##_zero4, kind##_array4, kind##_bound4},                   \
     {kind##_zero, kind##_array, kind##_bound}}
SLOTS_FNS(quiet, 0, 0, 0, 0)
SLOTS_FNS(add, 0, 0, 1, 0)
SLOTS_FNS(mult, 0, 0, 1, 1)
SLOTS_FNS(uquiet, 0, 1, 0, 0)
SLOTS_FNS(uadd, 0, 1, 1, 0)
SLOTS_FNS(umult, 0, 1, 1, 1)
SLOTS_FNS(cquiet, 1, 0, 0, 0)
SLOTS_FNS(cadd, 1, 0, 1, 0)
SLOTS_FNS(cmult, 1, 0, 1, 1)

/* [indexed, indexed with one direction, contiguous][noise: none, additive, multiplicative]
 * [largest count: 1, below 16, below 64][slope source]. One direction: the caller passes that
 * direction's step and slope arrays as both, and the kernel gathers each once (five gathers
 * instead of seven; the contiguous rows read plain vectors, so they have no such instance).
 * Counts below 16 take four powering steps instead of six. */
typedef int32_t (*slots_fn)(SLOTS_ARGS);
static const slots_fn slots_table[3][3][3][3] = {
    {SLOTS_ROW(quiet), SLOTS_ROW(add), SLOTS_ROW(mult)},
    {SLOTS_ROW(uquiet), SLOTS_ROW(uadd), SLOTS_ROW(umult)},
    {SLOTS_ROW(cquiet), SLOTS_ROW(cadd), SLOTS_ROW(cmult)}};

/* A set with per-device references (d->ref_dev: device.ref_std where device.c could not fold
 * them into the arrays). The kernels take one scalar ref, so each chunk of slots is gathered in
 * g coordinates, w + r_k, with the device's arrays, into contiguous copies for the contiguous
 * instance with ref 0; a taken slot's result g' becomes g' - r_k, an untaken one keeps w. That is
 * xbar_device_pulse_with's arithmetic with r = r_k (g = w + r, step, clip, g - r), so a slot gets
 * the bits a set with the scalar ref = r_k would give it. */
enum { GATHER = 128 };
static int32_t slots_ref_dev(slots_fn fn, const xbar_devices *d, size_t base, const float *w, size_t q,
                             const int32_t *col, const int32_t *up, const int32_t *cnt, const float *xi, float *out,
                             float *ok, float sigma)
{
    float W[GATHER], SU[GATHER], SD[GATHER], AU[GATHER], AD[GATHER], BX[GATHER], BN[GATHER];
    const float *r = d->ref_dev + base;
    int32_t taken = 0;
    for (size_t o0 = 0; o0 < q; o0 += GATHER) {
        const size_t m = q - o0 < GATHER ? q - o0 : GATHER;
        for (size_t t = 0; t < m; t++) {
            const size_t j = col ? (size_t)col[o0 + t] : o0 + t, k = base + j;
            W[t] = w[j] + r[j];
            SU[t] = d->s_up[k], SD[t] = d->s_dn[k], AU[t] = d->a_up[k], AD[t] = d->a_dn[k];
            BX[t] = d->b_max[k], BN[t] = d->b_min[k];
        }
        taken += fn(m, sigma, 0.0f, NULL, up + o0, cnt + o0, xi ? xi + o0 : NULL, W, SU, SD, AU, AD, BX, BN, out + o0,
                    ok + o0);
        for (size_t t = 0; t < m; t++) {
            const size_t j = col ? (size_t)col[o0 + t] : o0 + t;
            out[o0 + t] = ok[o0 + t] != 0.0f ? out[o0 + t] - r[j] : w[j];
        }
    }
    return taken;
}

int xbar_compose_slots(const xbar_devices *d, size_t base, const float *w, size_t q, const int32_t *col,
                       const int32_t *up, const int32_t *cnt, const float *xi, float *out, float *ok, int32_t most,
                       int dir)
{
    const xbar_slope slope = xbar_device_ops_of(d->p.model)->slope;
    if (slope == XBAR_SLOPE_NONE) return -1;
    const int amode = (int)slope - 1;
    const int kind = !xi ? 0 : (d->p.mult_noise ? 2 : 1);
    /* what the caller did not say is scanned (32-bit or / and reductions: the loops vectorise) */
    int32_t many = most > 1, more = most > 15, any_up = dir == 1, all_up = dir == 1;
    if (most <= 0) {
        many = 0, more = 0;
        for (size_t o = 0; o < q; o++) many |= -(int32_t)(cnt[o] > 1), more |= -(int32_t)(cnt[o] > 15);
    }
    if (dir < 0) {
        any_up = 0, all_up = 1;
        for (size_t o = 0; o < q; o++) any_up |= up[o], all_up &= up[o];
    }
    const int counts = !many ? 0 : (!more ? 1 : 2);
    if (d->ref_dev)
        return slots_ref_dev(slots_table[2][kind][counts][amode], d, base, w, q, col, up, cnt, xi, out, ok,
                             xi ? d->p.dw_min_std : 0.0f);
    const float *sup = d->s_up + base, *sdn = d->s_dn + base, *aup = d->a_up + base, *adn = d->a_dn + base;
    int shape = col == NULL ? 2 : 0;
    if (!shape && (all_up || !any_up)) { /* one direction (up[o] is 0 or 1) */
        shape = 1;
        if (!all_up) sup = sdn, aup = adn;
    }
    return slots_table[shape][kind][counts][amode](q, xi ? d->p.dw_min_std : 0.0f, (float)d->ref, col, up, cnt, xi, w,
                                                 sup, sdn, aup, adn, d->b_max + base, d->b_min + base, out, ok);
}
