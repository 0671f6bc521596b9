/* pulse.c - the pulse schemes: how a desired update becomes device pulses.
 *   EXPECTED    W += ΔW⊙F(W) − |ΔW|⊙G(W)               (paper eq. 7)
 *   COUNT       n = round_sto(|ΔW|/g) pulses per element (optional cap)
 *   STOCHASTIC  aihwkit StochasticCompressed rank-1 bit streams per sample
 *   IMPLICIT    aihwkit DeterministicImplicit counts rint(BL·dh·xh)
 * Per-sample schemes run element-outer, sample-inner: all bit streams of the
 * batch are drawn first, then every row (in parallel) walks the samples in
 * order, so each weight sees its pulses in aihwkit's order and the result does
 * not depend on the thread count (all draws are counter-based). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tile_internal.h"

/* Counter layout of per-(sample, element) draws: element index << 20 | block. */
#define SLOT_SHIFT 20

xbar_um xbar_update_management(const xbar_update_params *u, double lr, double xmax, double dmax,
                               double granularity)
{
    xbar_um r = {0, 0.0, 0.0};
    if (!(xmax > 0.0) || !(dmax > 0.0) || !(lr > 0.0)) return r;
    double k = lr * xmax * dmax / granularity;
    int bl = u->desired_bl;
    if (u->update_bl_management) {
        double c = ceil(k);
        bl = c < (double)u->desired_bl ? (int)c : u->desired_bl;
        if (bl < 1) bl = 1;
    }
    r.bl = bl;
    r.A = r.B = sqrt(lr / (granularity * bl));
    if (u->update_management || u->update_bl_management) {
        double dv = dmax * (k > u->desired_bl ? u->desired_bl / k : 1.0);
        r.A *= sqrt(xmax / dv);
        r.B *= sqrt(dv / xmax);
    }
    return r;
}

float xbar_tile_pulse_n(const struct xbar_tile *t, size_t idx, float w, int up, unsigned n, uint64_t stream,
                        uint64_t counter0)
{
    const xbar_devices *d = &t->dev;
    if (d->p.dw_min_std == 0.0f) return xbar_device_pulses(d, idx, w, up, n);
    if (n == 1) return xbar_device_pulse(d, idx, w, up, xbar_rng_normal_first(t->c.seed, stream, counter0));
    float z[4];
    for (unsigned k = 0; k < n; k++) {
        if ((k & 3) == 0) xbar_rng_normal4(z, t->c.seed, stream, counter0 + (k >> 2));
        w = xbar_device_pulse(d, idx, w, up, z[k & 3]);
    }
    return w;
}

/* ---- dense schemes -------------------------------------------------------- */

xbar_status xbar_pulse_dense(struct xbar_tile *t, const float *dW, xbar_scheme scheme)
{
    const size_t n = t->c.rows * t->c.cols;
    const xbar_devices *d = &t->dev;
    const uint32_t step = (uint32_t)t->n_updates;
    uint64_t pulses = 0;
    if (scheme == XBAR_SCHEME_EXPECTED) {
        /* U(w, Δ) = w + Δ q_s(w) = w + Δ F(w) − |Δ| G(w) */
        for (size_t k = 0; k < n; k++) {
            if (dW[k] == 0.0f) continue;
            double qu, qd;
            xbar_device_q(d, k, t->w[k], &qu, &qd);
            double w = t->w[k] + (double)dW[k] * (dW[k] > 0.0f ? qu : qd);
            t->w[k] = xbar_device_clip(d, k, (float)w);
        }
    } else {
        const double g = d->granularity;
        const int cap = t->c.update.count_cap, sto = t->c.update.count_stochastic_round;
        const uint64_t rs = xbar_stream(XBAR_RNG_ROUND, t->c.id, step);
        const uint64_t cs = xbar_stream(XBAR_RNG_C2C, t->c.id, step);
#pragma omp parallel for schedule(static) reduction(+ : pulses) XBAR_PAR(n > 4096)
        for (size_t k = 0; k < n; k++) {
            if (dW[k] == 0.0f) continue;
            double x = fabs((double)dW[k]) / g, fl = floor(x);
            unsigned cnt;
            if (sto) {
                float u[4];
                xbar_rng_uniform4(u, t->c.seed, rs, k >> 2);
                cnt = (unsigned)fl + ((double)u[k & 3] < x - fl ? 1u : 0u);
            } else {
                cnt = (unsigned)nearbyint(x);
            }
            if (cap > 0 && cnt > (unsigned)cap) cnt = (unsigned)cap;
            if (!cnt) continue;
            t->w[k] = xbar_tile_pulse_n(t, k, t->w[k], dW[k] > 0.0f, cnt, cs, (uint64_t)k << SLOT_SHIFT);
            pulses += cnt;
        }
    }
    t->n_pulses += pulses;
    t->n_updates++;
    return XBAR_OK;
}

/* ---- per-sample (rank-1) schemes ----------------------------------------- */

/* Bits set in v (SWAR; the portable x86-64 baseline has no popcnt instruction). */
static inline int popcount64(uint64_t v)
{
    v = v - ((v >> 1) & 0x5555555555555555ull);
    v = (v & 0x3333333333333333ull) + ((v >> 2) & 0x3333333333333333ull);
    v = (v + (v >> 4)) & 0x0f0f0f0f0f0f0f0full;
    return (int)((v * 0x0101010101010101ull) >> 56);
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return 0;
    void *q = realloc(*p, need * elem);
    if (!q) return -1;
    *p = q;
    *cap = need;
    return 0;
}

static double absmax(const float *v, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++) m = fmax(m, fabs((double)v[i]));
    return m;
}

/* Bit stream of one line: bit b set when p > u_b (p >= 1 fires in every slot). */
static void make_bits(uint64_t *bits, size_t words, int bl, float p, uint64_t seed, uint64_t stream,
                      uint64_t counter0)
{
    memset(bits, 0, words * sizeof(uint64_t));
    if (p <= 0.0f) return;
    if (p >= 1.0f) {
        for (int b = 0; b < bl; b++) bits[b >> 6] |= 1ull << (b & 63);
        return;
    }
    float u[4];
    for (int b = 0; b < bl; b++) {
        if ((b & 3) == 0) xbar_rng_uniform4(u, seed, stream, counter0 + (uint64_t)(b >> 2));
        if (p > u[b & 3]) bits[b >> 6] |= 1ull << (b & 63);
    }
}

xbar_status xbar_pulse_rank1(struct xbar_tile *t, const float *X, const float *D, size_t batch, float lr)
{
    const size_t m = t->c.rows, n = t->c.cols;
    const xbar_update_params *u = &t->c.update;
    const int implicit = u->scheme == XBAR_SCHEME_IMPLICIT;
    const size_t words = implicit ? 0 : ((size_t)u->desired_bl + 63) / 64;
    const uint32_t step = (uint32_t)t->n_updates;
    const uint64_t seed = t->c.seed;
    if (grow((void **)&t->px, &t->p_cap, batch * (m + n), sizeof(float)) ||
        grow((void **)&t->bl, &t->bl_cap, batch, sizeof(int)) ||
        (!implicit && grow((void **)&t->bits, &t->bits_cap, batch * (m + n) * words, sizeof(uint64_t))) ||
        (!implicit && grow((void **)&t->act, &t->act_cap, batch * n, sizeof(uint32_t))) ||
        (!implicit && grow((void **)&t->nact, &t->nact_cap, batch, sizeof(size_t))))
        return xbar_fail(XBAR_ENOMEM, "tile update: out of memory (batch %zu)", batch);
    t->pd = t->px + batch * n;

    /* 1. per sample: update management and line probabilities (signed) */
    for (size_t s = 0; s < batch; s++) {
        const float *x = X + s * n, *dd = D + s * m;
        xbar_um um = xbar_update_management(u, lr, absmax(x, n), absmax(dd, m), t->dev.granularity);
        t->bl[s] = um.bl;
        float A = (float)um.A, B = (float)um.B;
        for (size_t j = 0; j < n; j++) t->px[s * n + j] = B * x[j];
        for (size_t i = 0; i < m; i++) t->pd[s * m + i] = A * dd[i];
    }
    /* 2. bit streams of every line of every sample */
    if (!implicit) {
        const uint64_t xs = xbar_stream(XBAR_RNG_BITS_X, t->c.id, step);
        const uint64_t ds = xbar_stream(XBAR_RNG_BITS_D, t->c.id, step);
        uint64_t *xb = t->bits, *db = t->bits + batch * n * words;
#pragma omp parallel for schedule(static) XBAR_PAR(batch > 1)
        for (size_t s = 0; s < batch; s++) {
            for (size_t j = 0; j < n; j++)
                make_bits(xb + (s * n + j) * words, words, t->bl[s], fabsf(t->px[s * n + j]), seed, xs,
                          (uint64_t)(s * n + j) << SLOT_SHIFT);
            for (size_t i = 0; i < m; i++)
                make_bits(db + (s * m + i) * words, words, t->bl[s], fabsf(t->pd[s * m + i]), seed, ds,
                          (uint64_t)(s * m + i) << SLOT_SHIFT);
        }
    }
    /* 3. element-outer, sample-inner: rows in parallel */
    const uint64_t cs = xbar_stream(XBAR_RNG_C2C, t->c.id, step);
    uint64_t pulses = 0;
    if (implicit) {
#pragma omp parallel for schedule(static) reduction(+ : pulses) XBAR_PAR(m * n * batch > 65536)
        for (size_t i = 0; i < m; i++) {
            for (size_t s = 0; s < batch; s++) {
                const int bl = t->bl[s];
                const float pd = t->pd[s * m + i];
                if (!bl || pd == 0.0f) continue;
                const float dh = fminf(fabsf(pd), 1.0f);
                for (size_t j = 0; j < n; j++) {
                    const float px = t->px[s * n + j];
                    if (px == 0.0f) continue;
                    int cnt = (int)rintf((dh * (float)bl) * fminf(fabsf(px), 1.0f));
                    if (!cnt) continue;
                    size_t k = i * n + j;
                    t->w[k] = xbar_tile_pulse_n(t, k, t->w[k], (px < 0.0f) != (pd < 0.0f), (unsigned)cnt, cs,
                                                ((uint64_t)(s * m * n + k)) << SLOT_SHIFT);
                    pulses += (uint64_t)cnt;
                }
            }
        }
    } else {
        /* only lines that fired can coincide: visit the active columns of each sample */
        for (size_t s = 0; s < batch; s++) {
            size_t c = 0;
            for (size_t j = 0; j < n; j++) {
                const uint64_t *xbits = t->bits + (s * n + j) * words;
                uint64_t any = 0;
                for (size_t w = 0; w < words; w++) any |= xbits[w];
                if (any) t->act[s * n + c++] = (uint32_t)j;
            }
            t->nact[s] = c;
        }
#pragma omp parallel for schedule(static) reduction(+ : pulses) XBAR_PAR(m * n * batch > 65536)
        for (size_t i = 0; i < m; i++) {
            for (size_t s = 0; s < batch; s++) {
                const uint64_t *dbits = t->bits + (batch * n + s * m + i) * words;
                uint64_t any = 0;
                for (size_t w = 0; w < words; w++) any |= dbits[w];
                if (!any) continue;
                const int dneg = t->pd[s * m + i] < 0.0f;
                const uint32_t *act = t->act + s * n;
                for (size_t c = 0; c < t->nact[s]; c++) {
                    const size_t j = act[c];
                    const uint64_t *xbits = t->bits + (s * n + j) * words;
                    int cnt = 0;
                    for (size_t w = 0; w < words; w++) cnt += popcount64(xbits[w] & dbits[w]);
                    if (!cnt) continue;
                    size_t k = i * n + j;
                    int up = (t->px[s * n + j] < 0.0f) != dneg; /* x*d < 0 -> up pulse */
                    t->w[k] = xbar_tile_pulse_n(t, k, t->w[k], up, (unsigned)cnt, cs,
                                                ((uint64_t)(s * m * n + k)) << SLOT_SHIFT);
                    pulses += (uint64_t)cnt;
                }
            }
        }
    }
    t->n_pulses += pulses;
    t->n_updates++;
    return XBAR_OK;
}
