/* test_mixed_precision.c - the mixed_precision optimizer (src/optim/opt_mixed_precision.c; spec
 * successors §8, §10 T14, T15). Fixed seeds throughout.
 *
 * An exact setting makes every pulse observable: a ConstantStep device without variation or
 * noise, dw_min = eps = 2^-7, bounds +-8 and weights that are multiples of 2^-7, so that W
 * moves by exactly -eps*transfer_lr*n (IMPLICIT writes transfer_lr*|n_j| pulses while
 * transfer_lr*max|n| <= desired_bl = 31, checked; EXPECTED moves by the same amount) and
 * every float operation on W is exact.
 *
 *   test_conservation   T14: chi_T + eps*sum(n) = sum fl(lr*d) x^T element-wise, with eps*sum(n)
 *                       = W_0 - W_T observed on the tile; |chi| < eps after every full transfer.
 *   test_reference      the whole algorithm against a plain re-implementation written here
 *                       (scenarios: batch 1 and 4, transfer_every 1-3, 2 / 3 / 7 / all rows,
 *                       transfer_lr 0, 1, 2, IMPLICIT and EXPECTED, dense steps, 1 and 2
 *                       threads, 40 and 150 columns so the vectorised FMA path runs): chi and W
 *                       bit for bit after every call, the update index and row pointer (read
 *                       from the checkpoint), the pulse counts (T15).
 *   test_schedule       closed forms of the schedule: the first transfer in call transfer_every
 *                       (0-based), then every transfer_every calls; with batch B at the first
 *                       sample of every transfer_every-th call.
 *   test_set_weights    W = the weights, chi = 0, index and row pointer 0, the schedule restarts.
 *   test_granularity    mp_granularity = 0 takes the device's weight granularity (PowStep, where
 *                       it is not dw_min): the same bits as giving that value.
 *   test_checkpoint     save after 7 calls, load into a fresh object, 9 more calls: bit-identical
 *                       (noisy device, stochastic scheme, batch 3); corrupt records refused.
 *   test_config         defaults, key rows, refusals naming key and value. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parity/mp_parity.h"
#include "util.h"
#include "xbar.h"

#define EPS 0.0078125f /* 2^-7 */

static void fill(float *v, size_t n, uint32_t stream, float amp)
{
    xbar_rng_normal_fill(v, n, 11, stream, 0);
    for (size_t k = 0; k < n; k++) v[k] *= amp;
}

/* Multiples of 2^-7 in [-20, 20] * 2^-7. */
static void fill_grid(float *v, size_t n, uint32_t stream)
{
    xbar_rng_uniform_fill(v, n, 11, stream, 0);
    for (size_t k = 0; k < n; k++) v[k] = (floorf(v[k] * 41.0f) - 20.0f) * EPS;
}

/* The exact tile: ConstantStep, no variation or noise, dw_min 2^-7, bounds +-8. */
static xbar_tile_config exact_tile(size_t m, size_t n, xbar_scheme scheme)
{
    xbar_tile_config c = xbar_tile_config_defaults(m, n);
    c.device = xbar_device_ideal(XBAR_DEV_CONSTANT_STEP);
    c.device.dw_min = EPS;
    c.device.w_min = -8.0f;
    c.device.w_max = 8.0f;
    c.update.scheme = scheme;
    c.seed = 5;
    return c;
}

static xbar_opt_params mp_opt(int every, int rows, float tlr)
{
    xbar_opt_params o = xbar_opt_defaults(XBAR_OPT_MIXED_PRECISION);
    o.transfer_every = every;
    o.mp_rows = rows;
    o.transfer_lr = tlr;
    return o;
}


static const float *chi_of(const xbar_aw *a)
{
    const char *what = NULL;
    const float *c = xbar_aw_array(a, 1, &what, NULL);
    return c && what && strstr(what, "chi") ? c : NULL;
}

/* ---- the reference: the algorithm as the spec states it ------------------------------------ */

typedef struct {
    size_t m, n;
    int every, rows;
    float eps, tlr;
    float *chi, *W;
    uint64_t k, row, writes, pulses;
    float maxn; /* largest |n| written */
} model;

static void model_transfer(model *r)
{
    if (r->tlr == 0.0f) return;
    const size_t nr = r->rows < 0 || (size_t)r->rows > r->m ? r->m : (size_t)r->rows;
    for (size_t c = 0; c < nr; c++) {
        const size_t i = (size_t)r->row;
        r->row = (r->row + 1) % r->m;
        int any = 0;
        for (size_t j = 0; j < r->n; j++) {
            float *x = &r->chi[i * r->n + j];
            const float v = *x, q = truncf(v / r->eps);
            *x = v - q * r->eps;
            r->W[i * r->n + j] -= q * r->tlr * r->eps; /* exact here */
            r->pulses += (uint64_t)(fabsf(q) * r->tlr);
            r->maxn = fmaxf(r->maxn, fabsf(q));
            any |= q != 0.0f;
        }
        r->writes += (uint64_t)any;
    }
}

/* One vector update (G NULL: chi += fl(lr*d_i) x_j fused; else chi += lr*G fused) of a call of
 * m_batch vector updates. */
static void model_vec(model *r, const float *x, const float *d, const float *G, float lr, size_t m_batch)
{
    for (size_t i = 0; i < r->m; i++)
        for (size_t j = 0; j < r->n; j++) {
            float *c = &r->chi[i * r->n + j];
            *c = G ? fmaf(lr, G[i * r->n + j], *c) : fmaf(lr * d[i], x[j], *c);
        }
    const uint64_t period = (uint64_t)r->every * m_batch;
    if (r->k > 0 && r->k % period == 0) model_transfer(r);
    r->k++;
}

typedef struct {
    const char *name;
    size_t m, n, batch, calls;
    int every, rows;
    float lr, tlr;
    xbar_scheme scheme;
    int dense_every; /* every dense_every-th call is a dense step (0: none) */
    int threads;
} scenario;

static void run_scenario(const scenario *s)
{
    const size_t m = s->m, n = s->n, B = s->batch;
    xbar_set_threads(s->threads);
    const xbar_opt_params o = mp_opt(s->every, s->rows, s->tlr);
    const xbar_tile_config tc = exact_tile(m, n, s->scheme);
    xbar_aw *a = xbar_aw_new(&o, &tc);
    model r = {.m = m, .n = n, .every = s->every, .rows = s->rows, .eps = EPS, .tlr = s->tlr};
    r.chi = calloc(m * n, sizeof(float));
    r.W = malloc(m * n * sizeof(float));
    float *x = malloc(B * n * sizeof(float)), *d = malloc(B * m * sizeof(float)), *G = malloc(m * n * sizeof(float));
    float *W = malloc(m * n * sizeof(float));
    if (!a || !r.chi || !r.W || !x || !d || !G || !W) {
        CHECK(0, "%s: setup: %s", s->name, xbar_last_error());
        goto out;
    }
    fill_grid(r.W, m * n, 1);
    CHECK(!xbar_aw_set_weights(a, r.W), "%s: set_weights", s->name);
    int chi_bad = 0, w_bad = 0, state_bad = 0;
    for (size_t t = 0; t < s->calls; t++) {
        int ok;
        if (s->dense_every && t % (size_t)s->dense_every == (size_t)s->dense_every - 1) {
            fill(G, m * n, 300 + (uint32_t)t, 0.5f);
            ok = !xbar_aw_step_dense(a, G, s->lr);
            model_vec(&r, NULL, NULL, G, s->lr, 1);
        } else {
            fill(x, B * n, 100 + (uint32_t)t, 0.5f);
            fill(d, B * m, 200 + (uint32_t)t, 0.5f);
            ok = !xbar_aw_update(a, x, d, B, s->lr);
            for (size_t b = 0; b < B; b++) model_vec(&r, x + b * n, d + b * m, NULL, s->lr, B);
        }
        CHECK(ok, "%s: call %zu: %s", s->name, t, xbar_last_error());
        const float *chi = chi_of(a);
        uint64_t k = 0, row = 0;
        xbar_aw_get_weights(a, W);
        chi_bad += !chi || memcmp(chi, r.chi, m * n * sizeof(float));
        w_bad += memcmp(W, r.W, m * n * sizeof(float)) != 0;
        state_bad += !mp_state(a, &k, &row) || k != r.k || row != r.row;
    }
    xbar_pulse_counts pc;
    CHECK(!xbar_aw_pulse_counts(a, &pc), "%s: pulse_counts", s->name);
    CHECK(r.maxn * s->tlr <= 31.0f, "%s: precondition: transfer_lr*max|n| = %g > desired_bl 31", s->name,
          (double)(r.maxn * s->tlr));
    CHECK(!chi_bad, "%s: chi differs from the reference after %d of %zu calls", s->name, chi_bad, s->calls);
    CHECK(!w_bad, "%s: W differs from the reference after %d of %zu calls", s->name, w_bad, s->calls);
    CHECK(!state_bad, "%s: update index / row pointer differ from the reference after %d calls", s->name, state_bad);
    /* T15: the gradient is digital; pulses are the transfers', writes the row writes with a pulse */
    const uint64_t want_pulses = s->scheme == XBAR_SCHEME_EXPECTED ? 0 : r.pulses;
    CHECK(pc.grad_pulses == 0 && pc.reads == 0 && pc.calib_pulses == 0 && pc.transfer_pulses == want_pulses &&
              pc.transfer_pulses == xbar_aw_pulse_count(a) && pc.writes == r.writes,
          "%s: pulse counts grad %llu transfer %llu (want %llu) reads %llu writes %llu (want %llu)", s->name,
          (unsigned long long)pc.grad_pulses, (unsigned long long)pc.transfer_pulses, (unsigned long long)want_pulses,
          (unsigned long long)pc.reads, (unsigned long long)pc.writes, (unsigned long long)r.writes);
    if (s->tlr > 0.0f) CHECK(r.writes > 0, "%s: no row was written (the scenario tests nothing)", s->name);
    printf("%-28s %zux%zu batch %zu, %zu calls: chi, W, schedule equal; %llu row writes, %llu pulses, max|n| %g\n",
           s->name, m, n, B, s->calls, (unsigned long long)r.writes, (unsigned long long)pc.transfer_pulses,
           (double)r.maxn);
out:
    xbar_set_threads(1);
    xbar_aw_free(a);
    free(r.chi), free(r.W), free(x), free(d), free(G), free(W);
}

static void test_reference(void)
{
    static const scenario sc[] = {
        {"batch 1, every 3, 2 rows", 5, 40, 1, 30, 3, 2, 0.03f, 1.0f, XBAR_SCHEME_IMPLICIT, 0, 1},
        {"batch 4, every 2, all, tlr 2", 6, 20, 4, 15, 2, -1, 0.01f, 2.0f, XBAR_SCHEME_IMPLICIT, 4, 1},
        {"150x150, 2 threads, 7 rows", 150, 150, 4, 6, 1, 7, 0.02f, 1.0f, XBAR_SCHEME_IMPLICIT, 3, 2},
        {"expected scheme, 3 rows", 5, 24, 2, 12, 2, 3, 0.03f, 1.0f, XBAR_SCHEME_EXPECTED, 5, 1},
        {"transfer_lr 0: no transfer", 4, 6, 1, 10, 1, -1, 0.01f, 0.0f, XBAR_SCHEME_IMPLICIT, 0, 1},
    };
    for (size_t k = 0; k < sizeof sc / sizeof sc[0]; k++) run_scenario(&sc[k]);
}

/* ---- T14 ----------------------------------------------------------------------------------- */

/* Spec §10 T14 on the exact tile, transfer_every 3, every row per transfer, 300 single-sample
 * calls. eps*sum(n) is observed as W_0 - W_T (exact: multiples of 2^-7). The right side is summed
 * in double from fl(lr*d_i)*x_j (exact products; the float lr*d_i is what is fused, as aihwkit's
 * ger alpha*y[i]). Tolerance: chi -= n*eps is exact (n*eps exact, and Sterbenz: n*eps and chi
 * are within a factor 2 when n != 0), so the only rounding is the fused add, at most half an
 * ulp of its result per call, |result| <= V = eps + lr*max|d x|: |dev| <= T * 2^-23 * V. */
static void test_conservation(void)
{
    enum { M = 4, N = 9, T = 300, EVERY = 3 };
    const float lr = 0.03f;
    const xbar_opt_params o = mp_opt(EVERY, -1, 1.0f);
    const xbar_tile_config tc = exact_tile(M, N, XBAR_SCHEME_IMPLICIT);
    xbar_aw *a = xbar_aw_new(&o, &tc);
    CHECK(a != NULL, "T14: new: %s", xbar_last_error());
    if (!a) return;
    float W0[M * N], W[M * N], x[N], d[M];
    double sum[M * N] = {0}, maxdx = 0, maxchi_after = 0;
    fill_grid(W0, M * N, 2);
    xbar_aw_set_weights(a, W0);
    int full = 0, bad = 0;
    for (int t = 0; t < T; t++) {
        fill(x, N, 1000 + (uint32_t)t, 0.5f);
        fill(d, M, 2000 + (uint32_t)t, 0.5f);
        CHECK(!xbar_aw_update(a, x, d, 1, lr), "T14: update %d", t);
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++) {
                const float ld = lr * d[i];
                sum[i * N + j] += (double)ld * (double)x[j];
                maxdx = fmax(maxdx, fabs((double)ld * (double)x[j]));
            }
        if (t > 0 && t % EVERY == 0) { /* a full transfer ran in this call */
            full++;
            const float *chi = chi_of(a);
            for (int q = 0; chi && q < M * N; q++) {
                bad += !(fabsf(chi[q]) < EPS);
                maxchi_after = fmax(maxchi_after, fabs(chi[q]));
            }
        }
    }
    xbar_aw_get_weights(a, W);
    const float *chi = chi_of(a);
    const double V = EPS + maxdx, tol = T * ldexp(V, -23);
    double dev = 0, moved = 0;
    for (int q = 0; chi && q < M * N; q++) {
        const double eps_sum_n = (double)W0[q] - (double)W[q];
        moved = fmax(moved, fabs(eps_sum_n));
        dev = fmax(dev, fabs((double)chi[q] + eps_sum_n - sum[q]));
        CHECK(fabsf(W[q]) < 7.0f, "T14: W[%d] = %g near the bound: the setting is no longer exact", q, (double)W[q]);
    }
    CHECK(chi && dev <= tol, "T14: max |chi_T + eps sum n - lr sum d x^T| = %.3g > %.3g", dev, tol);
    CHECK(moved >= 10 * EPS, "T14: W moved by at most %g: too few pulses to test anything", moved);
    CHECK(full == (T - 1) / EVERY && bad == 0, "T14: %d of %d full transfers left |chi| >= eps", bad, full);
    printf("T14 conservation: max dev %.3g (tolerance %.3g), W moved up to %g; |chi| <= %.4g < eps = %g after all "
           "%d full transfers\n",
           dev, tol, moved, maxchi_after, (double)EPS, full);
    xbar_aw_free(a);
}

/* ---- schedule ------------------------------------------------------------------------------ */

/* Closed forms: with batch B and transfer_every e, the transfer follows vector update index k
 * (before counting) when k > 0 and k mod (e*B) == 0, i.e. the first sample of calls e, 2e, ...
 * (0-based). Observed: the row pointer (mp_rows = 1 of 3 rows) after every call, and chi after
 * call e: the transferred row's residual plus the accumulation of samples 1..B-1 of that call. */
static void test_schedule(void)
{
    enum { M = 3, N = 5 };
    for (size_t B = 1; B <= 3; B += 2)
        for (int e = 1; e <= 3; e++) {
            const xbar_opt_params o = mp_opt(e, 1, 1.0f);
            const xbar_tile_config tc = exact_tile(M, N, XBAR_SCHEME_IMPLICIT);
            xbar_aw *a = xbar_aw_new(&o, &tc);
            float x[3 * N], d[3 * M], before[M * N];
            int bad = 0;
            for (int t = 0; a && t < 4 * e + 1; t++) {
                fill(x, B * N, 50 + (uint32_t)t, 1.0f);
                fill(d, B * M, 60 + (uint32_t)t, 1.0f);
                memcpy(before, chi_of(a), sizeof before);
                xbar_aw_update(a, x, d, B, 0.03f);
                uint64_t k = 0, row = 0;
                mp_state(a, &k, &row);
                const uint64_t transfers = (uint64_t)(t / e); /* calls e, 2e, ..., t */
                bad += k != (uint64_t)(t + 1) * B || row != transfers % M;
                if (t == e) { /* row 0 was transferred after sample 0 of this call */
                    const float *chi = chi_of(a);
                    for (int j = 0; j < N; j++) {
                        float c = fmaf(0.03f * d[0], x[j], before[j]);
                        c = c - truncf(c / EPS) * EPS;
                        for (size_t b = 1; b < B; b++) c = fmaf(0.03f * d[b * M], x[b * N + j], c);
                        bad += c != chi[j];
                    }
                }
            }
            CHECK(a && !bad, "schedule batch %zu, transfer_every %d: %d mismatches", B, e, bad);
            xbar_aw_free(a);
        }
}

/* ---- set_weights ---------------------------------------------------------------------------- */

static void test_set_weights(void)
{
    enum { M = 4, N = 6 };
    const xbar_opt_params o = mp_opt(2, 3, 1.0f);
    const xbar_tile_config tc = exact_tile(M, N, XBAR_SCHEME_IMPLICIT);
    xbar_aw *a = xbar_aw_new(&o, &tc);
    float W0[M * N], W[M * N], x[N], d[M];
    fill_grid(W0, M * N, 3);
    for (int t = 0; a && t < 5; t++) {
        fill(x, N, 70 + (uint32_t)t, 1.0f);
        fill(d, M, 80 + (uint32_t)t, 1.0f);
        xbar_aw_update(a, x, d, 1, 0.05f);
    }
    uint64_t k = 0, row = 0;
    CHECK(a && mp_state(a, &k, &row) && k == 5 && row == 2, "set_weights: before: index %llu row %llu (want 5, 2)",
          (unsigned long long)k, (unsigned long long)row);
    CHECK(a && !xbar_aw_set_weights(a, W0) && !xbar_aw_get_weights(a, W) && !memcmp(W, W0, sizeof W),
          "set_weights: W != the weights set");
    const float *chi = a ? chi_of(a) : NULL;
    int nz = 0;
    for (int q = 0; chi && q < M * N; q++) nz += chi[q] != 0.0f;
    CHECK(chi && nz == 0 && mp_state(a, &k, &row) && k == 0 && row == 0,
          "set_weights: %d chi values left, index %llu, row %llu (want 0, 0, 0)", nz, (unsigned long long)k,
          (unsigned long long)row);
    /* the schedule restarts: the next transfer is in call 2 again, from row 0 */
    for (int t = 0; a && t < 3; t++) {
        fill(x, N, 90 + (uint32_t)t, 1.0f);
        fill(d, M, 95 + (uint32_t)t, 1.0f);
        xbar_aw_update(a, x, d, 1, 0.05f);
        mp_state(a, &k, &row);
        CHECK(row == (t == 2 ? 3u : 0u), "set_weights: call %d after it: row pointer %llu", t, (unsigned long long)row);
    }
    xbar_aw_free(a);
}

/* ---- granularity ---------------------------------------------------------------------------- */

static void test_granularity(void)
{
    enum { M = 4, N = 6 };
    xbar_tile_config tc = xbar_tile_config_defaults(M, N);
    tc.device = xbar_device_ideal(XBAR_DEV_POW_STEP);
    tc.device.pow_gamma = 2.0f;
    tc.seed = 8;
    xbar_opt_params o = mp_opt(1, -1, 1.0f);
    xbar_aw *a = xbar_aw_new(&o, &tc);
    const float g = a ? xbar_tile_devices(xbar_aw_slow_tile(a))->granularity : 0.0f;
    o.mp_granularity = g;
    xbar_aw *b = xbar_aw_new(&o, &tc);
    CHECK(a && b && g > 0.0f && fabsf(g - tc.device.dw_min) > 1e-3f * tc.device.dw_min,
          "granularity: the PowStep granularity %g should differ from dw_min %g", (double)g, (double)tc.device.dw_min);
    float x[N], d[M], Wa[M * N], Wb[M * N];
    for (int t = 0; a && b && t < 20; t++) {
        fill(x, N, 110 + (uint32_t)t, 1.0f);
        fill(d, M, 120 + (uint32_t)t, 1.0f);
        xbar_aw_update(a, x, d, 1, 0.02f);
        xbar_aw_update(b, x, d, 1, 0.02f);
    }
    int same = a && b && !xbar_aw_get_weights(a, Wa) && !xbar_aw_get_weights(b, Wb) && !memcmp(Wa, Wb, sizeof Wa) &&
               !memcmp(chi_of(a), chi_of(b), sizeof Wa) && xbar_aw_pulse_count(a) == xbar_aw_pulse_count(b) &&
               xbar_aw_pulse_count(a) > 0;
    CHECK(same, "granularity: mp_granularity = 0 and = the device's granularity %g differ", (double)g);
    xbar_aw_free(a), xbar_aw_free(b);
}

/* ---- checkpoint ------------------------------------------------------------------------------ */

static unsigned char *save_bytes(const xbar_aw *a, size_t *n)
{
    FILE *f = tmpfile();
    unsigned char *b = NULL;
    *n = 0;
    if (f && !xbar_aw_save(a, f)) {
        long end = ftell(f);
        b = malloc((size_t)end);
        rewind(f);
        *n = b ? fread(b, 1, (size_t)end, f) : 0;
    }
    if (f) fclose(f);
    return b;
}

static xbar_status load_bytes(xbar_aw *a, const unsigned char *b, size_t n)
{
    FILE *f = tmpfile();
    if (!f) return XBAR_EIO;
    fwrite(b, 1, n, f);
    rewind(f);
    xbar_status s = xbar_aw_load(a, f);
    fclose(f);
    return s;
}

static void steps(xbar_aw *a, int from, int to)
{
    enum { M = 7, N = 9, B = 3 };
    float x[B * N], d[B * M], y[B * M], G[M * N];
    for (int t = from; t < to; t++) {
        fill(x, B * N, 400 + (uint32_t)t, 0.5f);
        fill(d, B * M, 500 + (uint32_t)t, 0.5f);
        xbar_aw_forward(a, y, x, B);
        xbar_aw_update(a, x, d, B, 0.1f);
        if (t % 4 == 3) {
            fill(G, M * N, 600 + (uint32_t)t, 0.3f);
            xbar_aw_step_dense(a, G, 0.1f);
        }
    }
}

static void test_checkpoint(void)
{
    enum { M = 7, N = 9 };
    xbar_tile_config tc = xbar_tile_config_defaults(M, N);
    tc.device = xbar_device_defaults(XBAR_DEV_SOFT_BOUNDS); /* dtod and c2c noise */
    tc.forward.w_noise = 0.02f;
    tc.seed = 31;
    const xbar_opt_params o = mp_opt(2, 3, 1.0f);
    xbar_aw *a = xbar_aw_new(&o, &tc), *b = xbar_aw_new(&o, &tc), *c = xbar_aw_new(&o, &tc);
    if (!a || !b || !c) {
        CHECK(0, "checkpoint: new: %s", xbar_last_error());
        xbar_aw_free(a), xbar_aw_free(b), xbar_aw_free(c);
        return;
    }
    float W0[M * N];
    fill(W0, M * N, 7, 0.1f);
    xbar_aw_set_weights(a, W0);
    steps(a, 0, 7);
    size_t n1, n2, n3;
    unsigned char *s1 = save_bytes(a, &n1);
    CHECK(s1 && !load_bytes(b, s1, n1), "checkpoint: load: %s", xbar_last_error());
    steps(a, 7, 16);
    steps(b, 7, 16);
    unsigned char *s2 = save_bytes(a, &n2), *s3 = save_bytes(b, &n3);
    xbar_pulse_counts pa, pb;
    xbar_aw_pulse_counts(a, &pa), xbar_aw_pulse_counts(b, &pb);
    CHECK(s2 && s3 && n2 == n3 && !memcmp(s2, s3, n2) && !memcmp(chi_of(a), chi_of(b), M * N * sizeof(float)) &&
              !memcmp(&pa, &pb, sizeof pa) && pa.transfer_pulses > 0 && pa.writes > 0,
          "checkpoint: the resumed run differs from the uninterrupted one");
    /* refused: a row pointer >= rows (payload byte 44), a nonzero next_col (header byte 36), a
     * non-finite chi (payload byte 60); the object keeps its state */
    unsigned char *bad = s1 ? malloc(n1) : NULL;
    static const struct {
        size_t at;
        unsigned char v;
        const char *what;
    } corrupt[] = {{44, M, "row pointer = rows"}, {36, 1, "next_col = 1"}, {63, 0x7f, "chi[0] NaN"}};
    for (size_t k = 0; bad && k < sizeof corrupt / sizeof corrupt[0]; k++) {
        memcpy(bad, s1, n1);
        bad[corrupt[k].at] = corrupt[k].v;
        if (corrupt[k].at == 63) bad[62] = 0xc0;
        size_t n4;
        unsigned char *before = save_bytes(c, &n4);
        CHECK(load_bytes(c, bad, n1) == XBAR_EFORMAT, "checkpoint: %s accepted", corrupt[k].what);
        unsigned char *after = save_bytes(c, &n4);
        CHECK(before && after && !memcmp(before, after, n4), "checkpoint: a refused load (%s) changed the object",
              corrupt[k].what);
        free(before), free(after);
    }
    free(bad), free(s1), free(s2), free(s3);
    xbar_aw_free(a), xbar_aw_free(b), xbar_aw_free(c);
}

/* ---- configuration ---------------------------------------------------------------------------- */

static void test_config(void)
{
    xbar_opt_params o = xbar_opt_defaults(XBAR_OPT_MIXED_PRECISION);
    /* aihwkit's Python defaults (spec §8): transfer_every 1, n_rows_per_transfer -1, granularity 0,
     * transfer_lr 1 */
    CHECK(o.mp_rows == -1 && o.mp_granularity == 0.0f && o.transfer_every == 1 && o.transfer_lr == 1.0f &&
              !xbar_opt_check(&o) && xbar_opt_tiles(&o) == 1,
          "config: defaults");
    static const char *const used[] = {"transfer_lr", "transfer_every", "mp_rows", "mp_granularity"};
    for (size_t k = 0; k < 4; k++)
        CHECK(xbar_opt_uses_key(XBAR_OPT_MIXED_PRECISION, used[k]) &&
                  xbar_key_find(xbar_opt_keys(), "optimizer", used[k]),
              "config: key %s", used[k]);
    CHECK(!xbar_opt_uses_key(XBAR_OPT_MIXED_PRECISION, "fast_lr") &&
              !xbar_opt_uses_key(XBAR_OPT_MIXED_PRECISION, "transfer_columns"),
          "config: reads keys it does not use");
    static const struct {
        int rows;
        float g;
        const char *msg;
    } refused[] = {{0, 0.0f, "optimizer.mp_rows = 0"},
                   {-2, 0.0f, "optimizer.mp_rows = -2"},
                   {-1, -0.5f, "optimizer.mp_granularity = -0.5"},
                   {-1, NAN, "optimizer.mp_granularity = nan"}};
    for (size_t k = 0; k < sizeof refused / sizeof refused[0]; k++) {
        xbar_opt_params p = o;
        p.mp_rows = refused[k].rows, p.mp_granularity = refused[k].g;
        const char *why = xbar_opt_check(&p);
        CHECK(why && strstr(why, refused[k].msg), "config: want '%s...', got '%s'", refused[k].msg,
              why ? why : "(accepted)");
    }
    const xbar_tile_config tc = exact_tile(3, 4, XBAR_SCHEME_STOCHASTIC);
    xbar_aw *a = xbar_aw_new(&o, &tc);
    /* W's tile writes with update management and BL management on whatever the given config */
    xbar_tile_config off = tc;
    off.update.update_management = off.update.update_bl_management = 0;
    xbar_aw *b = xbar_aw_new(&o, &off);
    const xbar_tile_config *cb = b ? xbar_tile_get_config(xbar_aw_slow_tile(b)) : NULL;
    CHECK(a && cb && cb->update.update_management && cb->update.update_bl_management &&
              xbar_aw_fast_tile(a) == xbar_aw_slow_tile(a),
          "config: W's tile must have UM and UBLM on (aihwkit forces them for the transfer)");
    xbar_aw_free(a), xbar_aw_free(b);
}

int main(void)
{
    test_config();
    test_conservation();
    test_reference();
    test_schedule();
    test_set_weights();
    test_granularity();
    test_checkpoint();
    return xt_done("test_mixed_precision");
}
