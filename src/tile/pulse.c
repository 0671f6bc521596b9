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

#include "device_ops.h"
#include "row_pass.h"
#include "tile_internal.h"
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#ifdef XBAR_HAVE_OPENMP
#include <omp.h>
#endif

xbar_um xbar_update_management(const xbar_update_params *u, double lr, double xmax, double dmax, double granularity)
{
    const xbar_um skip = {0, 0.0, 0.0};
    XBAR_NONNULL_OR(skip, u);
    if (u->desired_bl < 1) {
        xbar_fail(XBAR_EINVAL, "%s: u->desired_bl = %d: must be >= 1", __func__, u->desired_bl);
        return skip;
    }
    if (!(granularity > 0.0) || !isfinite(granularity) || isinf(lr) || isinf(xmax) || isinf(dmax)) {
        xbar_fail(XBAR_EINVAL, "%s: lr %g, xmax %g, dmax %g, granularity %g: must be finite, granularity > 0", __func__,
                  lr, xmax, dmax, granularity);
        return skip;
    }
    return xbar_update_management_unchecked(u, lr, xmax, dmax, granularity);
}

xbar_um xbar_update_management_unchecked(const xbar_update_params *u, double lr, double xmax, double dmax,
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

float xbar_tile_slot_pulses(const struct xbar_tile *t, size_t k, float w, int up, unsigned n, float xi,
                            uint64_t each_stream, uint64_t each_counter)
{
    const xbar_devices *d = &t->dev;
    float out, z[4];
    if (d->p.dw_min_std == 0.0f) return xbar_device_pulses_unchecked(d, k, w, up, n);
    if (t->c.update.compose_pulses && xbar_device_pulses_composed_unchecked(d, k, w, up, n, xi, &out)) return out;
    const xbar_device_step_fn step = xbar_device_ops_of(d->p.model)->step; /* once, not per pulse */
    w = xbar_device_pulse_with(step, d, k, w, up, xi);
    for (unsigned p = 0; p + 1 < n; p++) {
        if ((p & 3) == 0) xbar_rng_znormal4(z, t->c.seed, each_stream, each_counter + (p >> 2));
        w = xbar_device_pulse_with(step, d, k, w, up, z[p & 3]);
    }
    return w;
}

/* Pulse count of element k of a dense increment (0: none). */
static unsigned dense_count(const struct xbar_tile *t, float dw, size_t k, uint64_t rs)
{
    if (dw == 0.0f) return 0;
    const int cap = t->c.update.count_cap;
    double x = fabs((double)dw) / t->dev.granularity, fl = floor(x);
    unsigned cnt;
    if (t->c.update.count_stochastic_round) {
        float u[4];
        xbar_rng_uniform4(u, t->c.seed, rs, k >> 2);
        cnt = (unsigned)fl + ((double)u[k & 3] < x - fl ? 1u : 0u);
    } else {
        cnt = (unsigned)nearbyint(x);
    }
    return cap > 0 && cnt > (unsigned)cap ? (unsigned)cap : cnt;
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
            xbar_device_q_unchecked(d, k, t->w[k], &qu, &qd);
            double w = t->w[k] + (double)dW[k] * (dW[k] > 0.0f ? qu : qd);
            t->w[k] = xbar_device_clip_unchecked(d, k, (float)w);
        }
    } else {
        /* element k: count from lane k%4 of uniform block k/4, c2c normal xi from lane k%4 of
         * normal block k/4, pulses 2.. from counter k << SLOT_SHIFT of the per-pulse stream */
        const uint64_t rs = xbar_stream(XBAR_RNG_ROUND, t->c.id, step);
        const uint64_t cs = xbar_stream(XBAR_RNG_C2C, t->c.id, step);
        const uint64_t es = xbar_stream(XBAR_RNG_C2C_EACH, t->c.id, step);
        const int noisy = d->p.dw_min_std != 0.0f;
        const size_t blocks = (n + 3) / 4;
        XBAR_PAR_FOR(n > 4096, schedule(static) reduction(+ : pulses),
for (size_t b = 0; b < blocks; b++) {
            float z[4] = {0, 0, 0, 0};
            int drawn = 0;
            for (size_t k = 4 * b; k < 4 * b + 4 && k < n; k++) {
                const unsigned cnt = dense_count(t, dW[k], k, rs);
                if (!cnt) continue;
                if (noisy && !drawn) {
                    xbar_rng_znormal4(z, t->c.seed, cs, b);
                    drawn = 1;
                }
                t->w[k] = xbar_tile_slot_pulses(t, k, t->w[k], dW[k] > 0.0f, cnt, z[k & 3], es,
                                                (uint64_t)k << XBAR_SLOT_SHIFT);
                pulses += cnt;
            }
        });
    }
    t->n_pulses += pulses;
    t->n_updates++;
    return XBAR_OK;
}

void xbar_tile_set_um_granularity(xbar_tile *t, float g) { t->um_granularity = g > 0.0f ? g : 0.0f; }

/* ---- per-sample (rank-1) schemes ----------------------------------------- */

/* Index of the lowest set bit of v != 0. */
static inline int lowest_bit(uint64_t v)
{
#if defined(__GNUC__)
    return __builtin_ctzll(v);
#else
    int b = 0;
    while (!(v & 1u)) v >>= 1, b++;
    return b;
#endif
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

/* Bits b < e (e <= 64) of one line of probability p: bit b set when p > v[b]. v is readable
 * up to e rounded up to a multiple of 4 (bits past e are cleared). Four compares per SSE2
 * instruction (the x86-64 baseline) where available; the same bits either way. */
static inline uint64_t line_word(float p, const float *v, size_t e)
{
    uint64_t word = 0;
#if defined(__SSE2__)
    const __m128 pp = _mm_set1_ps(p);
    for (size_t b = 0; b < e; b += 4)
        word |= (uint64_t)(unsigned)_mm_movemask_ps(_mm_cmpgt_ps(pp, _mm_loadu_ps(v + b))) << b;
    return e < 64 ? word & ((1ull << e) - 1) : word;
#else
    for (size_t b = 0; b < e; b++) word |= (uint64_t)(p > v[b]) << b;
    return word;
#endif
}

/* Bit streams of the `lines` lines of sample s, probabilities |p[l]| (bit b set when
 * |p| > u; |p| >= 1 fires in every slot, 0 never). The uniforms of a sample's lines are
 * one run of its stream: bit b of line l is uniform l*bl + b, lane u%4 of block
 * XBAR_BITS_COUNTER(s, first uniform). Lines go in chunks of up to RUN bits with one
 * batched fill each; as the uniforms lie in (0, 1), the plain compare gives the bits of the
 * lines at 0 or at 1 and above too, so only a chunk with no line between 0 and 1 skips its
 * fill. A line longer than RUN bits goes in pieces of RUN bits. */
static void sample_bits(uint64_t *bits, size_t words, int bl, const float *p, size_t lines, uint64_t seed,
                        uint64_t stream, size_t s)
{
    enum { RUN = 512 }; /* a multiple of 64: pieces of a long line are whole words */
    float u[RUN + 8];   /* 3 of alignment offset, 4 read past the last line by line_word */
    if (bl <= 0) {      /* a sample that does not update (all-zero x or d): no bits */
        memset(bits, 0, lines * words * sizeof *bits);
        return;
    }
    const size_t per = (size_t)bl, chunk = per <= RUN ? RUN / per : 1;
    if ((per + 63) / 64 < words) memset(bits, 0, lines * words * sizeof *bits); /* words past the bit length */
    for (size_t l = 0; l < lines; l += chunk) {
        const size_t c = lines - l < chunk ? lines - l : chunk;
        uint32_t draw = 0; /* some line with 0 < |p| < 1 (|p| as bits: integer compares vectorise) */
        for (size_t r = 0; r < c; r++) {
            uint32_t a;
            memcpy(&a, &p[l + r], sizeof a);
            draw |= (a & 0x7fffffffu) - 1u < 0x3f7fffffu;
        }
        uint64_t *w = bits + l * words; /* every word of the chunk's lines is written once */
        if (!draw) {                    /* every line at 0 (no bits) or at 1 and above (every bit) */
            for (size_t r = 0; r < c; r++)
                for (size_t b0w = 0; b0w < per; b0w += 64) {
                    const size_t e = per - b0w < 64 ? per - b0w : 64;
                    w[r * words + (b0w >> 6)] = fabsf(p[l + r]) >= 1.0f ? (e < 64 ? (1ull << e) - 1 : ~0ull) : 0;
                }
            continue;
        }
        for (size_t b0 = 0; b0 < c * per; b0 += RUN) { /* one piece unless the line is longer than RUN */
            const size_t len = c * per - b0 < RUN ? c * per - b0 : RUN;
            const uint64_t first = (uint64_t)l * per + b0;
            const size_t off = (size_t)(first & 3u);
            xbar_rng_uniform_fill(u, off + len, seed, stream, XBAR_BITS_COUNTER(s, first));
            memset(u + off + len, 0, 4 * sizeof *u);
            const float *v = u + off;
            if (per > RUN) { /* bits b0 .. b0+len-1 of line l (c = 1) */
                for (size_t k = 0; k < len; k += 64)
                    w[(b0 + k) >> 6] = line_word(fabsf(p[l]), v + k, len - k < 64 ? len - k : 64);
            } else if (per == 1 && words == 1) { /* one bit per line */
                for (size_t r = 0; r < c; r++) w[r] = fabsf(p[l + r]) > v[r];
            } else {
                for (size_t r = 0; r < c; r++, v += per) /* c lines of per <= RUN bits, b0 = 0 */
                    for (size_t b0w = 0; b0w < per; b0w += 64)
                        w[r * words + (b0w >> 6)] =
                            line_word(fabsf(p[l + r]), v + b0w, per - b0w < 64 ? per - b0w : 64);
            }
        }
    }
}

/* sample_bits for one bit per line (bl = 1, one word per line), the most common case of small
 * updates under update management, with `mask` as fired_lines would make it: the same bits
 * from the same uniforms, the mask taken from the compares (four lines per SSE2 movemask). */
static void sample_bits1(uint64_t *bits, uint64_t *mask, const float *p, size_t lines, uint64_t seed, uint64_t stream,
                         size_t s)
{
    enum { RUN = 512 }; /* a multiple of 64: a chunk's mask is whole words */
    float u[RUN + 8];
    for (size_t l = 0; l < lines; l += RUN) {
        const size_t c = lines - l < RUN ? lines - l : RUN;
        uint32_t draw = 0; /* some line with 0 < |p| < 1 (as in sample_bits) */
        for (size_t r = 0; r < c; r++) {
            uint32_t a;
            memcpy(&a, &p[l + r], sizeof a);
            draw |= (a & 0x7fffffffu) - 1u < 0x3f7fffffu;
        }
        const float *v = u;
        if (draw) {
            const size_t off = (size_t)(l & 3u);
            xbar_rng_uniform_fill(u, off + c, seed, stream, XBAR_BITS_COUNTER(s, (uint64_t)l));
            v = u + off;
        } else { /* |p| > 0.5 is |p| >= 1 here: every line is at 0, at 1 and above, or NaN */
            for (size_t r = 0; r < c; r++) u[r] = 0.5f;
        }
        for (size_t r0 = 0; r0 < c; r0 += 64) {
            const size_t e = c - r0 < 64 ? c - r0 : 64;
            uint64_t mk = 0;
            size_t r = 0;
#if defined(__SSE2__)
            const __m128 sgn = _mm_set1_ps(-0.0f);
            for (; r + 4 <= e; r += 4) {
                const __m128 a = _mm_andnot_ps(sgn, _mm_loadu_ps(p + l + r0 + r));
                mk |= (uint64_t)(unsigned)_mm_movemask_ps(_mm_cmpgt_ps(a, _mm_loadu_ps(v + r0 + r))) << r;
            }
#endif
            for (; r < e; r++) mk |= (uint64_t)(fabsf(p[l + r0 + r]) > v[r0 + r]) << r;
            mask[(l + r0) >> 6] = mk;
            uint64_t *w = bits + l + r0;
            for (r = 0; r < e; r++) w[r] = (mk >> r) & 1u;
        }
    }
}

/* Rows walk every column (no list) when at least 7/8 of them are active. */
static inline int most_active(size_t na, size_t n) { return na * 8 >= n * 7; }

/* Bit l%64 of mask[l/64]: line l (of `lines`, `words` words each) has some bit set. One word
 * per line: two lines per SSE2 compare where available (the same bits either way). */
static void fired_lines(uint64_t *mask, const uint64_t *bits, size_t lines, size_t words)
{
    for (size_t l0 = 0; l0 < lines; l0 += 64) {
        const size_t e = lines - l0 < 64 ? lines - l0 : 64;
        const uint64_t *b = bits + l0 * words;
        uint64_t mk = 0;
        size_t k = 0;
        if (words == 1) {
#if defined(__SSE2__)
            const __m128i zero = _mm_setzero_si128();
            for (; k + 2 <= e; k += 2) {
                __m128i z = _mm_cmpeq_epi32(_mm_loadu_si128((const __m128i *)(b + k)), zero);
                z = _mm_and_si128(z, _mm_shuffle_epi32(z, _MM_SHUFFLE(2, 3, 0, 1))); /* both halves 0 */
                mk |= (uint64_t)(~(unsigned)_mm_movemask_pd(_mm_castsi128_pd(z)) & 3u) << k;
            }
#endif
            for (; k < e; k++) mk |= (uint64_t)(b[k] != 0) << k;
        } else
            for (; k < e; k++) {
                uint64_t any = 0;
                for (size_t v = 0; v < words; v++) any |= b[k * words + v];
                mk |= (uint64_t)(any != 0) << k;
            }
        mask[l0 / 64] = mk;
    }
}

/* The number of lines set in mask (of `lines`) and, unless most are set (most_active), their
 * list in act, in order. */
static size_t active_columns(uint32_t *act, const uint64_t *mask, size_t lines)
{
    const size_t nw = (lines + 63) / 64;
    size_t c = 0;
    for (size_t w = 0; w < nw; w++) c += (size_t)xbar_popcount64(mask[w]);
    if (most_active(c, lines)) return c;
    size_t k = 0;
    for (size_t w = 0; w < nw; w++)
        for (uint64_t mk = mask[w]; mk; mk &= mk - 1) act[k++] = (uint32_t)(w * 64 + (size_t)lowest_bit(mk));
    return c;
}

/* 0 if no p[l] < 0, 1 if every p[l] < 0, else -1. */
static int line_sign(const float *p, size_t lines)
{
    uint32_t neg = 0;
    for (size_t l = 0; l < lines; l++) neg += p[l] < 0.0f;
    return neg == 0 ? 0 : (neg == lines ? 1 : -1);
}

/* Bit l%64 of mask[l/64]: p[l] < 0. */
static void negative_lines(uint64_t *mask, const float *p, size_t lines)
{
    for (size_t l0 = 0; l0 < lines; l0 += 64) {
        const size_t e = lines - l0 < 64 ? lines - l0 : 64;
        uint64_t mk = 0;
        for (size_t k = 0; k < e; k++) mk |= (uint64_t)(p[l0 + k] < 0.0f) << k;
        mask[l0 / 64] = mk;
    }
}

/* Transpose of a 64 x 64 bit matrix in place: bit j of a[i] <-> bit i of a[j] (swaps of
 * ever smaller blocks: 32 x 32, then 16 x 16, ..., 1 x 1). */
static void transpose64(uint64_t a[64])
{
    uint64_t m = 0x00000000ffffffffull;
    for (unsigned j = 32; j; j >>= 1, m ^= m << j)
        for (unsigned k = 0; k < 64; k = ((k | j) + 1) & ~j) {
            const uint64_t x = ((a[k] >> j) ^ a[k | j]) & m;
            a[k] ^= x << j;
            a[k | j] ^= x;
        }
}

/* The row masks rm (per row: mw words of fired samples, then mw of samples with d < 0; bit
 * s%64 of word s/64) from the sample masks sm (per sample, `stride` words apart: mr words of
 * fired rows, then mr of negative d; bit i%64 of word i/64): one 64 x 64 bit transpose per
 * block of 64 rows and 64 samples and per mask kind. */
static void row_masks(uint64_t *rm, const uint64_t *sm, size_t stride, size_t m, size_t batch)
{
    const size_t mw = (batch + 63) / 64, mr = (m + 63) / 64;
    if (batch == 1) { /* one sample (a transfer's column write): bit i of its mask is row i's word */
        for (size_t kind = 0; kind < 2; kind++)
            for (size_t i = 0; i < m; i++) rm[i * 2 + kind] = (sm[kind * mr + i / 64] >> (i % 64)) & 1u;
        return;
    }
    uint64_t a[64];
    for (size_t kind = 0; kind < 2; kind++)
        for (size_t r = 0; r < mr; r++)
            for (size_t w = 0; w < mw; w++) {
                for (size_t k = 0; k < 64; k++) {
                    const size_t s = w * 64 + k;
                    a[k] = s < batch ? sm[s * stride + kind * mr + r] : 0;
                }
                transpose64(a);
                const size_t e = m - r * 64 < 64 ? m - r * 64 : 64;
                for (size_t k = 0; k < e; k++) rm[(r * 64 + k) * 2 * mw + kind * mw + w] = a[k];
            }
}

static int thread_index(void)
{
#ifdef XBAR_HAVE_OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

/* One row work space per thread, for rows of n columns. */
static int row_work(struct xbar_tile *t, int threads, size_t n)
{
    if (t->rw && t->rw_threads >= threads && t->rw_cols >= n) return 0;
    const size_t len = n + 8, per = len * (4 * sizeof(int32_t) + 4 * sizeof(float));
    xbar_row_work *rw = calloc((size_t)threads, sizeof *rw);
    char *mem = malloc((size_t)threads * per);
    if (!rw || !mem) {
        free(rw);
        free(mem);
        return -1;
    }
    free(t->rw);
    free(t->rw_mem);
    t->rw = rw;
    t->rw_mem = mem;
    t->rw_cols = n;
    t->rw_threads = threads;
    for (int k = 0; k < threads; k++) {
        char *p = mem + (size_t)k * per;
        rw[k].ok = (float *)p;
        p += len * sizeof(float);
        rw[k].cnt = (int32_t *)p;
        rw[k].up = (int32_t *)p + len;
        int32_t *ones = (int32_t *)p + 2 * len, *zeros = (int32_t *)p + 3 * len;
        for (size_t c = 0; c < len; c++) ones[c] = 1, zeros[c] = 0;
        rw[k].ones = ones, rw[k].zeros = zeros;
        p += 4 * len * sizeof(int32_t);
        rw[k].z = (float *)p;
        rw[k].zc = (float *)p + len;
        rw[k].wc = (float *)p + 2 * len;
    }
    return 0;
}

/* Row i of sample s of the stochastic scheme, whose d line fired (dneg: d < 0). Every pass
 * runs over the sample's active columns (or every column, when most are active) without
 * branches on the data: coincidence counts (0 where none), the row's c2c normals in one fill
 * (the o-th pulsed slot in column order takes normal o, the layout of xbar_row_noise), the
 * closed form of every slot in one vectorised kernel, a select that keeps the weights of
 * unpulsed slots; only pulsed slots where the closed form does not apply (near a bound, or no
 * closed form at all) are stepped one by one. Returns the pulses. */
static uint64_t stochastic_row(struct xbar_tile *t, xbar_row_work *rw, size_t s, size_t i, size_t batch, size_t words,
                               int dneg, uint64_t cs, uint64_t es)
{
    const size_t m = t->c.rows, n = t->c.cols;
    const uint64_t *dbits = t->bits + (batch * n + s * m + i) * words;
    /* most columns active: walk every column (inactive ones count 0 and keep their weight), so
     * the passes read the row contiguously and the write-back is one copy */
    const int every = most_active(t->nact[s], n);
    const size_t na = every ? n : t->nact[s];
    const uint32_t *act = every ? NULL : t->act + s * n;
    const uint64_t *xb = t->bits + s * n * words;
    int32_t *Cw = rw->cnt, most = 0; /* most: the largest count */
    const int32_t *C = Cw;
    size_t q = 0;
    uint64_t pulses = 0;
    if (act && t->bl[s] == 1) { /* one bit per line: every active column meets the fired row once */
        C = rw->ones;
        q = na, pulses = na, most = 1;
    } else if (words == 1) {
        most = xbar_row_counts(Cw, xb, act, na, dbits[0], &q, &pulses);
    } else {
        uint32_t nq = 0; /* na < 2^31 columns */
        for (size_t c = 0; c < na; c++) {
            int cnt = 0;
            const size_t j = act ? act[c] : c;
            for (size_t w = 0; w < words; w++) cnt += xbar_popcount64(xb[j * words + w] & dbits[w]);
            Cw[c] = cnt;
            nq += cnt != 0, pulses += (uint64_t)cnt, most = cnt > most ? cnt : most;
        }
        q = nq;
    }
    if (!q) return 0;
    const xbar_devices *d = &t->dev;
    const int noisy = d->p.dw_min_std != 0.0f;
    float *z = rw->z, *wrow = t->w + i * n;
    if (noisy) xbar_rng_znormal_fill(z, q, t->c.seed, cs, (uint64_t)(s * m + i) << XBAR_SLOT_SHIFT);
    const float *px = t->px + s * n;
    /* x*d < 0 -> up pulse; dir: the direction of every slot when every x of the sample lies on
     * one side of 0 (xsign >= 0), else -1 */
    const int xsign = t->xsign[s], dir = xsign >= 0 ? xsign != dneg : -1;
    const int32_t *up = rw->up;
    if (dir >= 0)
        up = dir ? rw->ones : rw->zeros;
    else if (act)
        for (size_t c = 0; c < na; c++) rw->up[c] = (px[act[c]] < 0.0f) != dneg;
    else
        for (size_t c = 0; c < na; c++) rw->up[c] = (px[c] < 0.0f) != dneg;
    size_t left = q;     /* pulsed slots still to step */
    int taken = -1;      /* slots the kernel stepped (ok[c] = 1); -1: it did not run */
    const float *xi = z; /* the normal of each slot: z itself when every slot is pulsed */
    if (!noisy || t->c.update.compose_pulses) {
        if (noisy && q < na) { /* z has room for eight past the last pulsed slot, which expand reads */
            memset(z + q, 0, 8 * sizeof *z);
            xi = rw->zc;
            xbar_row_expand(rw->zc, z, C, na);
        }
        taken = xbar_compose_slots(d, i * n, wrow, na, (const int32_t *)act, up, C, noisy ? xi : NULL, rw->wc, rw->ok,
                                   most, dir);
    }
    const int closed = taken >= 0;
    if (closed) { /* wc holds every active column's weight, new or kept */
        if (act)
#pragma GCC unroll 4
            for (size_t c = 0; c < na; c++) wrow[act[c]] = rw->wc[c];
        else
            memcpy(wrow, rw->wc, n * sizeof *wrow);
        left = q - (size_t)taken;
    }
    if (left) { /* one by one: the normal of pulsed slot o is z[o] */
        size_t o = 0;
        for (size_t c = 0; c < na; c++) {
            if (!C[c]) continue;
            const size_t j = act ? act[c] : c, k = i * n + j;
            if (!closed || rw->ok[c] == 0.0f)
                wrow[j] = xbar_tile_slot_pulses(t, k, wrow[j], up[c], (unsigned)C[c], noisy ? z[o] : 0.0f, es,
                                                XBAR_EACH_COUNTER(s, m * n, k));
            o++;
        }
    }
    return pulses;
}

/* The update of one sample whose only active column is j, with one bit per line (bl = 1): the
 * write of a transfer (x one-hot). The same bits as stochastic_row on every fired row, with
 * the rows of the column as the slots of one call: their c2c normals from one vectorised draw
 * (row i: the first normal at its row counter), their composed steps from one kernel call
 * (slot o is device i n + j). sm: the sample's masks (fired rows, then negative rows). rw's
 * arrays hold m + 8 entries (row_work for max(m, n)). Returns the pulses. */
static uint64_t column_write(struct xbar_tile *t, xbar_row_work *rw, size_t j, const uint64_t *sm, uint64_t cs,
                             uint64_t es)
{
    const size_t m = t->c.rows, n = t->c.cols, mr = (m + 63) / 64;
    int32_t *off = rw->cnt, *up = rw->up;
    const float px = t->px[j];
    const int xsign = t->xsign[0];
    size_t q = 0;
    for (size_t w = 0; w < mr; w++)
        for (uint64_t f = sm[w]; f; f &= f - 1) {
            const size_t i = w * 64 + (size_t)lowest_bit(f);
            const int dneg = (int)((sm[mr + w] >> (i & 63)) & 1);
            const int dir = xsign >= 0 ? xsign != dneg : -1;
            off[q] = (int32_t)(i * n);
            up[q++] = dir >= 0 ? dir : (px < 0.0f) != dneg;
        }
    if (!q) return 0;
    const xbar_devices *d = &t->dev;
    const int noisy = d->p.dw_min_std != 0.0f;
    float *z = rw->z, *wcol = t->w + j;
    if (noisy) {
        uint64_t ctr[64];
        for (size_t o0 = 0; o0 < q; o0 += 64) {
            const size_t e = q - o0 < 64 ? q - o0 : 64;
            for (size_t o = 0; o < e; o++) ctr[o] = (uint64_t)((size_t)off[o0 + o] / n) << XBAR_SLOT_SHIFT;
            xbar_rng_znormal_first(z + o0, ctr, e, t->c.seed, cs);
        }
        memset(z + q, 0, 8 * sizeof *z);
    }
    int taken = -1;
    if (!noisy || t->c.update.compose_pulses)
        taken = xbar_compose_slots(d, j, wcol, q, off, up, rw->ones, noisy ? z : NULL, rw->wc, rw->ok, 1, -1);
    if (taken >= 0)
        for (size_t o = 0; o < q; o++) wcol[off[o]] = rw->wc[o];
    if (taken < (int)q)
        for (size_t o = 0; o < q; o++) {
            if (taken >= 0 && rw->ok[o] != 0.0f) continue;
            const size_t k = (size_t)off[o] + j;
            t->w[k] = xbar_tile_slot_pulses(t, k, t->w[k], up[o], 1u, noisy ? z[o] : 0.0f, es,
                                            XBAR_EACH_COUNTER(0, m * n, k));
        }
    return q;
}

xbar_status xbar_pulse_rank1(struct xbar_tile *t, const float *X, const float *D, size_t batch, float lr)
{
    const size_t m = t->c.rows, n = t->c.cols;
    const xbar_update_params *u = &t->c.update;
    const int implicit = u->scheme == XBAR_SCHEME_IMPLICIT;
    const size_t words = implicit ? 0 : ((size_t)u->desired_bl + 63) / 64;
    const uint32_t step = (uint32_t)t->n_updates;
    const uint64_t seed = t->c.seed;
    const size_t mr = (m + 63) / 64, sstride = 2 * mr + (n + 63) / 64; /* sample masks (smask) */
    if (grow((void **)&t->px, &t->p_cap, batch * (m + n), sizeof(float)) ||
        grow((void **)&t->bl, &t->bl_cap, batch, sizeof(int)) ||
        (!implicit && grow((void **)&t->bits, &t->bits_cap, batch * (m + n) * words, sizeof(uint64_t))) ||
        (!implicit && grow((void **)&t->act, &t->act_cap, batch * n, sizeof(uint32_t))) ||
        (!implicit && grow((void **)&t->nact, &t->nact_cap, batch, sizeof(size_t))) ||
        (!implicit && grow((void **)&t->xsign, &t->xsign_cap, batch, sizeof(int))) ||
        (!implicit && grow((void **)&t->rmask, &t->rmask_cap, m * 2 * ((batch + 63) / 64), sizeof(uint64_t))) ||
        (!implicit && grow((void **)&t->smask, &t->smask_cap, batch * sstride, sizeof(uint64_t))))
        return xbar_fail(XBAR_ENOMEM, "tile update: out of memory (batch %zu)", batch);
    t->pd = t->px + batch * n;

    /* update management's granularity: the device's, or the override (xbar_tile_set_um_granularity) */
    const double um_g = t->um_granularity > 0.0f ? t->um_granularity : t->dev.granularity;
    /* 1.-2. per sample (samples in parallel): update management, line probabilities (signed),
     * the bit streams of every line, and the active columns (x lines that fired) */
    const uint64_t xs = xbar_stream(XBAR_RNG_BITS_X, t->c.id, step);
    const uint64_t ds = xbar_stream(XBAR_RNG_BITS_D, t->c.id, step);
    XBAR_PAR_FOR(
        batch > 1 && batch * (m + n) > 4096, schedule(static), for (size_t s = 0; s < batch; s++) {
            const float *x = X + s * n, *dd = D + s * m;
            xbar_um um = xbar_update_management_unchecked(u, lr, xbar_abs_max(x, n), xbar_abs_max(dd, m), um_g);
            t->bl[s] = um.bl;
            const float A = (float)um.A, B = (float)um.B;
            float *px = t->px + s * n, *pd = t->pd + s * m;
            for (size_t j = 0; j < n; j++) px[j] = B * x[j];
            for (size_t i = 0; i < m; i++) pd[i] = A * dd[i];
            if (implicit) continue;
            uint64_t *xbits = t->bits + s * n * words;
            uint64_t *dbits = t->bits + (batch * n + s * m) * words, *sm = t->smask + s * sstride;
            if (um.bl == 1 && words == 1) {
                sample_bits1(xbits, sm + 2 * mr, px, n, seed, xs, s);
                sample_bits1(dbits, sm, pd, m, seed, ds, s);
            } else {
                sample_bits(xbits, words, um.bl, px, n, seed, xs, s);
                sample_bits(dbits, words, um.bl, pd, m, seed, ds, s);
                fired_lines(sm, dbits, m, words);
                fired_lines(sm + 2 * mr, xbits, n, words);
            }
            negative_lines(sm + mr, pd, m);
            t->nact[s] = active_columns(t->act + s * n, sm + 2 * mr, n);
            t->xsign[s] = line_sign(px, n);
        });
    /* 3. element-outer, sample-inner: rows in parallel */
    const uint64_t cs = xbar_stream(XBAR_RNG_C2C, t->c.id, step);
    const uint64_t es = xbar_stream(XBAR_RNG_C2C_EACH, t->c.id, step);
    const int noisy = t->dev.p.dw_min_std != 0.0f;
    uint64_t pulses = 0;
    if (implicit) {
        XBAR_PAR_FOR(m * n * batch > 65536, schedule(static) reduction(+ : pulses),
for (size_t i = 0; i < m; i++) {
            for (size_t s = 0; s < batch; s++) {
                const int bl = t->bl[s];
                const float pd = t->pd[s * m + i];
                if (!bl || pd == 0.0f) continue;
                const float dh = fminf(fabsf(pd), 1.0f);
                xbar_row_noise rn = xbar_row_noise_at(seed, cs, m, s, i, noisy);
                for (size_t j = 0; j < n; j++) {
                    const float px = t->px[s * n + j];
                    if (px == 0.0f) continue;
                    int cnt = (int)rintf((dh * (float)bl) * fminf(fabsf(px), 1.0f));
                    if (!cnt) continue;
                    size_t k = i * n + j;
                    t->w[k] = xbar_tile_slot_pulses(t, k, t->w[k], (px < 0.0f) != (pd < 0.0f), (unsigned)cnt,
                                                    xbar_row_noise_next(&rn), es, XBAR_EACH_COUNTER(s, m * n, k));
                    pulses += (uint64_t)cnt;
                }
            }
        });
    } else {
        /* one sample, one active column, one bit per line: the column's rows in one pass */
        const int column = batch == 1 && words == 1 && t->bl[0] == 1 && t->nact[0] == 1 && !most_active(1, n) &&
                           m * n <= (size_t)INT32_MAX;
        if (row_work(t, xbar_get_threads(), column && m > n ? m : n))
            return xbar_fail(XBAR_ENOMEM, "tile update: out of memory (%zu columns)", n);
        if (column) {
            t->n_pulses += column_write(t, t->rw, t->act[0], t->smask, cs, es);
            t->n_updates++;
            return XBAR_OK;
        }
        /* per row, the samples whose d line fired and those with d < 0, as bit masks transposed
         * from the per-sample masks of step 2 (a row's lines lie m lines apart from one sample
         * to the next, a page or more), so the row loop reads one mask per row */
        const size_t mw = (batch + 63) / 64;
        uint64_t *rm = t->rmask;
        row_masks(rm, t->smask, sstride, m, batch);
        XBAR_PAR_FOR(m * n * batch > 65536, schedule(static) reduction(+ : pulses),
for (size_t i = 0; i < m; i++) {
            xbar_row_work *rw = t->rw + thread_index();
            const uint64_t *fired = rm + i * 2 * mw, *neg = fired + mw;
            for (size_t w = 0; w < mw; w++)
                for (uint64_t f = fired[w]; f; f &= f - 1) { /* the fired samples, in order */
                    const int b = lowest_bit(f);
                    pulses += stochastic_row(t, rw, w * 64 + (size_t)b, i, batch, words, (int)((neg[w] >> b) & 1), cs,
                                             es);
                }
        });
    }
    t->n_pulses += pulses;
    t->n_updates++;
    return XBAR_OK;
}
