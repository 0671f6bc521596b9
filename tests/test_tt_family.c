/* test_tt_family.c - the Tiki-Taka successors ttv2, c_ttv2 and agad (src/optim/transfer_family.c)
 * against the closed forms and invariants of spec successors.md §10 and the schedule of §1:
 *   T1  ttv2 buffer conservation: H_T + theta*sum(n) = |lr_t|*sum(y) per element (forget_buffer 0,
 *       momentum 0), |H| < theta after every transfer when BL_t is large, |H| < theta +
 *       |lr_t|*max|y| when BL_t = 1 (and |lr_t|*max|y| <= theta: else H grows without bound);
 *   T2  ttv2 pulse timing for a constant read: floor(T*l*a/theta) pulses (subtract),
 *       floor(T/ceil(theta/(l*a))) (forget), H = momentum*omega after a write (bit for bit),
 *       one soft-bounds pulse per write;
 *   T3  c_ttv2 sign bookkeeping: (a) a constant offset cancels in H over 2*N_s reads of a column
 *       (exactly); (b) without choppers it grows H linearly and C drifts one pulse per
 *       ceil(bg/(|lr_t|*o)) reads; (c) A's pulse counts are the plain counts times sigma of the
 *       vector update, with the choppers that transfers flip between the pieces of one batch;
 *       (d) random flips at frequency in_chop_prob per read (binomial), out choppers only after
 *       a sweep's last column;
 *   T4  agad: the reference recursion (H, M, R, choppers, switched, writes) bit for bit against
 *       a float32 re-statement of §4.2 in regular and random mode; H constant after a switch
 *       when q = 1; no write while sweeps <= N_s; M's closed form;
 *   T5  auto_scale: the EMAs and lr_A = fast_lr*desired_bl*dw_min(A)/(m_x*m_d) bit for bit, and
 *       A updated with that lr;
 * plus: the schedule (a batch of B vector updates makes B transfers with units_in_mbatch 0,
 * one with units_in_mbatch 1), set_weights (C = W, A = 0, counters reset, buffers and
 * choppers kept), the visible weight with gamma, defaults and refusals, and a checkpoint
 * resume of each kind bit-identical to the uninterrupted run. The digital state is read from
 * the checkpoint (tests/parity/tf_parity.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "parity/tf_parity.h"
#include "util.h"
#include "xbar.h"

enum { SEED = 7, ID = 11 };

static xbar_device_params cstep(float dw, float bound)
{
    xbar_device_params p = xbar_device_ideal(XBAR_DEV_CONSTANT_STEP);
    p.dw_min = dw, p.w_min = -bound, p.w_max = bound;
    return p;
}

static xbar_tile_config tcfg(size_t m, size_t n, xbar_device_params dev)
{
    xbar_tile_config c = xbar_tile_config_defaults(m, n);
    c.device = dev;
    c.update.scheme = XBAR_SCHEME_IMPLICIT;
    c.forward = c.backward = xbar_io_plain();
    c.seed = SEED, c.id = ID;
    return c;
}

/* The kind's defaults with one transfer per vector update and aihwkit's single-pulse write. */
static xbar_opt_params ocfg(xbar_opt_kind k)
{
    xbar_opt_params o = xbar_opt_defaults(k);
    o.units_in_mbatch = 0, o.transfer_every = 1, o.fast_lr = 0.1f, o.transfer_lr = 1.0f;
    o.transfer_update.scheme = XBAR_SCHEME_IMPLICIT;
    o.transfer_update.desired_bl = 1;
    o.transfer_update.update_management = o.transfer_update.update_bl_management = 0;
    return o;
}

static xbar_aw *make(const xbar_opt_params *o, const xbar_tile_config *c)
{
    xbar_aw *a = xbar_aw_new(o, c);
    CHECK(a != NULL, "new %s: %s", xbar_opt_kind_name(o->kind), xbar_last_error());
    return a;
}

/* One update with x = d = 0 (A keeps its weights): with one transfer per vector update, exactly
 * one column read. */
static int read_step(xbar_aw *a, size_t m, size_t n, float lr)
{
    float z[64] = {0};
    return m + n <= 64 && xbar_aw_update(a, z, z + n, 1, lr) == XBAR_OK;
}

static float *fast_w(xbar_aw *a) { return xbar_tile_weights(xbar_aw_fast_tile(a)); }
static float *slow_w(xbar_aw *a) { return xbar_tile_weights(xbar_aw_slow_tile(a)); }

static float unif(uint64_t stream, uint64_t k, float lo, float hi)
{
    float u[4];
    xbar_rng_uniform4(u, 99, stream, k / 4);
    return lo + (hi - lo) * u[k % 4];
}

/* ---- T1: ttv2 buffer conservation ---------------------------------------------------------- */

static void t1_conservation(int bl)
{
    enum { M = 3, N = 2, T = 200 };
    /* BL_t = 1 moves H by at most one theta per read: its bound needs |lr_t| max|y| <= theta */
    const float theta = 0.01f, ymax = bl > 1 ? 0.05f : 0.009f;
    xbar_opt_params o = ocfg(XBAR_OPT_TTV2);
    o.forget_buffer = 0, o.momentum = 0.0f, o.thres_scale = 1.0f;
    o.slow_device_own = 1, o.slow_device = cstep(theta, 100.0f);
    o.write_bl = bl;
    const xbar_tile_config c = tcfg(M, N, cstep(0.01f, 10.0f));
    xbar_aw *a = make(&o, &c);
    if (!a) return;
    float y[M * N], c0[M * N];
    double sum[M * N] = {0};
    memset(c0, 0, sizeof c0);
    xbar_aw_set_weights(a, c0);
    int bound_ok = 1;
    for (int t = 0; t < T; t++) {
        for (int q = 0; q < M * N; q++) y[q] = unif(1, (uint64_t)(t * M * N + q), -ymax, ymax);
        xbar_tile_set_weights(xbar_aw_fast_tile(a), y, N);
        const int r = t % N;
        for (int i = 0; i < M; i++) sum[i * N + r] += y[i * N + r];
        CHECK(read_step(a, M, N, 1.0f), "T1: update: %s", xbar_last_error());
        tf_view v;
        if (!tf_view_get(a, M, N, &v)) break;
        /* BL_t >= |omega|/theta: |H| < theta; BL_t = 1: |H| < theta + |lr_t| max|y| */
        for (int i = 0; i < M; i++) bound_ok &= fabsf(v.H[i * N + r]) < (bl > 100 ? theta : theta + ymax);
        if (t + 1 == T) {
            double worst = 0;
            for (int q = 0; q < M * N; q++) {
                const double npulses = rint((double)(slow_w(a)[q] - c0[q]) / theta);
                worst = fmax(worst, fabs((double)v.H[q] + theta * npulses - sum[q]));
            }
            CHECK(worst <= 2e-6, "T1 (BL_t %d): max |H + theta*sum(n) - |lr_t|*sum(y)| = %.3g", bl, worst);
        }
        tf_view_free(&v);
    }
    CHECK(bound_ok, "T1 (BL_t %d): |H| above its bound after a transfer", bl);
    xbar_aw_free(a);
}

/* ---- T2: ttv2 pulse timing ------------------------------------------------------------------- */

static void t2_timing(void)
{
    enum { M = 2, N = 1, T = 100 };
    const float a0 = 0.00373f, theta = 0.01f; /* l*a = 0.373 theta: never near a whole multiple for T <= 100 */
    for (int forget = 0; forget < 2; forget++) {
        xbar_opt_params o = ocfg(XBAR_OPT_TTV2);
        o.forget_buffer = forget, o.momentum = 0.0f;
        o.slow_device_own = 1, o.slow_device = cstep(theta, 10.0f);
        const xbar_tile_config c = tcfg(M, N, cstep(0.01f, 10.0f));
        xbar_aw *a = make(&o, &c);
        if (!a) return;
        const float y[M] = {a0, a0}, zero[M] = {0, 0};
        xbar_aw_set_weights(a, zero);
        xbar_tile_set_weights(xbar_aw_fast_tile(a), y, N);
        int ok = 1;
        for (int t = 1; t <= T; t++) {
            read_step(a, M, N, 1.0f);
            const uint64_t want = forget ? (uint64_t)(t / 3) : (uint64_t)floor(t * 0.373);
            xbar_pulse_counts pc;
            xbar_aw_pulse_counts(a, &pc);
            if (pc.transfer_pulses != M * want) {
                if (ok)
                    fprintf(stderr, "T2 forget %d: after %d reads %llu pulses, want %llu\n", forget, t,
                            (unsigned long long)pc.transfer_pulses, (unsigned long long)(M * want));
                ok = 0;
            }
        }
        CHECK(ok, "T2: pulse count of a constant read (forget_buffer %d) is not %s", forget,
              forget ? "floor(T/ceil(theta/(l a)))" : "floor(T l a/theta)");
        xbar_aw_free(a);
    }
    /* momentum m, forget: H = m*omega after a write, bit for bit; C moves by one soft-bounds pulse */
    xbar_opt_params o = ocfg(XBAR_OPT_TTV2);
    o.forget_buffer = 1, o.momentum = 0.25f;
    o.slow_device_own = 1, o.slow_device = xbar_device_ideal(XBAR_DEV_SOFT_BOUNDS);
    o.slow_device.dw_min = theta, o.slow_device.w_min = -1.0f, o.slow_device.w_max = 1.0f;
    const xbar_tile_config c = tcfg(M, N, cstep(0.01f, 10.0f));
    xbar_aw *a = make(&o, &c);
    if (!a) return;
    const float y[M] = {a0, 2.5f * a0}, w0[M] = {0.3f, -0.2f};
    xbar_aw_set_weights(a, w0);
    xbar_tile_set_weights(xbar_aw_fast_tile(a), y, N);
    float h[M] = {0, 0};
    double cw[M] = {w0[0], w0[1]}, cdev = 0;
    int hbits = 1;
    for (int t = 0; t < T; t++) {
        read_step(a, M, N, 1.0f);
        tf_view v;
        if (!tf_view_get(a, M, N, &v)) break;
        for (int i = 0; i < M; i++) {
            const float omega = h[i] + y[i] * 1.0f, st = truncf(omega / theta);
            h[i] = st != 0.0f ? omega * 0.25f : omega;
            hbits &= !memcmp(&h[i], &v.H[i], sizeof h[i]);
            if (st != 0.0f) cw[i] += theta * (1.0 - cw[i] / 1.0); /* soft bounds: dw_min (1 - C/w_max) */
            cdev = fmax(cdev, fabs((double)slow_w(a)[i] - cw[i]));
        }
        tf_view_free(&v);
    }
    CHECK(hbits, "T2: H after a write is not momentum*omega (bit for bit)");
    CHECK(cdev <= 1e-6, "T2: C is not moved by one soft-bounds pulse per write (max dev %.3g)", cdev);
    xbar_aw_free(a);
}

/* ---- T3: c_ttv2 sign bookkeeping --------------------------------------------------------------- */

/* (a) offset cancels with regular choppers; (b) grows without. */
static void t3_offset(void)
{
    enum { M = 2, N = 3, Ns = 2, T = 24 * N * Ns };
    for (int chop = 1; chop >= 0; chop--) {
        xbar_opt_params o = ocfg(XBAR_OPT_C_TTV2);
        o.in_chop_prob = chop ? 0.5f : 0.0f, o.in_chop_random = 0;
        o.buffer_granularity = 64.0f; /* bg = 64*(1/16) = 4, s = |lr_t|/bg = 1/8 */
        o.slow_device_own = 1, o.slow_device = cstep(0.01f, 10.0f);
        const xbar_tile_config c = tcfg(M, N, cstep(0.0625f, 10.0f));
        xbar_aw *a = make(&o, &c);
        if (!a) return;
        float w[M * N], zero[M * N] = {0};
        for (int q = 0; q < M * N; q++) w[q] = 0.25f; /* the read: every increment is 1/32 */
        xbar_aw_set_weights(a, zero);
        xbar_tile_set_weights(xbar_aw_fast_tile(a), w, N);
        static float hist[T][M * N];
        int sched = 1;
        for (int t = 0; t < T; t++) {
            read_step(a, M, N, 0.5f);
            tf_view v;
            if (!tf_view_get(a, M, N, &v)) return;
            memcpy(hist[t], v.H, sizeof hist[t]);
            /* regular: every column flips after its read in sweeps s with s mod N_s = N_s - 1 */
            for (int j = 0; chop && j < N; j++) {
                int flips = 0;
                for (int u = 0; u <= t; u++) flips += u % N == j && (u / N) % Ns == Ns - 1;
                sched &= v.cin[j] == (flips % 2 ? -1.0f : 1.0f);
            }
            tf_view_free(&v);
        }
        if (chop) {
            int same = 1, small = 1;
            for (int t = 0; t + 2 * Ns * N < T; t++)
                for (int i = 0; i < M; i++) {
                    const int q = i * N + t % N; /* the column read at update t */
                    same &= hist[t][q] == hist[t + 2 * Ns * N][q];
                    small &= fabsf(hist[t][q]) <= Ns / 32.0f;
                }
            xbar_pulse_counts pc;
            xbar_aw_pulse_counts(a, &pc);
            CHECK(same && small && pc.transfer_pulses == 0,
                  "T3a: a constant offset does not cancel over 2 N_s reads (same %d, |H| <= N_s/32 %d, writes %llu)",
                  same, small, (unsigned long long)pc.transfer_pulses);
            CHECK(sched, "T3d: regular choppers do not flip together every N_s sweeps");
        } else {
            /* H grows by 1/32 per read; one pulse (forget: H = 0) every 32 reads of a column */
            const int reads = T / N;
            double dev = 0;
            for (int q = 0; q < M * N; q++) dev = fmax(dev, fabs(slow_w(a)[q] - 0.01 * (reads / 32)));
            int grows = 1;
            for (int t = 0; t < T; t++)
                for (int i = 0; i < M; i++) grows &= hist[t][i * N + t % N] == (float)((t / N + 1) % 32) / 32.0f;
            CHECK(grows && dev <= 1e-6,
                  "T3b: without choppers H does not grow linearly (%d) or C drifts wrongly (%.3g)", grows, dev);
        }
        xbar_aw_free(a);
    }
}

/* (c) A's counts are the plain counts times sigma of each vector update, choppers flipping
 * between the pieces of a batch; out choppers flip after every sweep (out_chop_prob 1). */
static void t3_sigma_counts(void)
{
    enum { M = 3, N = 4, B = 10, CALLS = 3, Ns = 2 };
    const float dw = 0.01f;
    xbar_opt_params o = ocfg(XBAR_OPT_C_TTV2);
    o.in_chop_prob = 0.5f, o.in_chop_random = 0, o.out_chop_prob = 1.0f;
    const xbar_tile_config c = tcfg(M, N, cstep(dw, 100.0f));
    xbar_aw *a = make(&o, &c);
    xbar_opt_params op = xbar_opt_defaults(XBAR_OPT_ANALOG_SGD);
    xbar_aw *p = xbar_aw_new(&op, &c);
    if (!a || !p) return;
    float X[B * N], D[B * M], zero[M * N] = {0};
    xbar_aw_set_weights(a, zero);
    long want[M * N] = {0};
    int t = 0;
    for (int call = 0; call < CALLS; call++) {
        for (int b = 0; b < B; b++) {
            for (int j = 0; j < N; j++) X[b * N + j] = unif(2, (uint64_t)((call * B + b) * N + j), -1, 1);
            for (int i = 0; i < M; i++) D[b * M + i] = unif(3, (uint64_t)((call * B + b) * M + i), -1, 1);
        }
        for (int b = 0; b < B; b++, t++) {
            /* the plain counts of vector t, and the choppers at vector update t */
            xbar_aw_set_weights(p, zero);
            xbar_aw_update(p, X + b * N, D + b * M, 1, o.fast_lr);
            const float *wp = xbar_tile_weights(xbar_aw_fast_tile(p));
            const float cout = (t / N) % 2 ? -1.0f : 1.0f;
            for (int j = 0; j < N; j++) {
                int flips = 0;
                for (int u = 0; u < t; u++) flips += u % N == j && (u / N) % Ns == Ns - 1;
                const float cin = flips % 2 ? -1.0f : 1.0f;
                for (int i = 0; i < M; i++) want[i * N + j] += (long)(cin * cout) * lrint(wp[i * N + j] / dw);
            }
        }
        CHECK(xbar_aw_update(a, X, D, B, 0.01f) == XBAR_OK, "T3c: update: %s", xbar_last_error());
    }
    int ok = 1;
    for (int q = 0; q < M * N; q++) ok &= lrint(fast_w(a)[q] / dw) == want[q];
    tf_view v;
    if (tf_view_get(a, M, N, &v)) {
        ok &= v.cout[0] == ((CALLS * B / N) % 2 ? -1.0f : 1.0f) && v.reads == (uint64_t)(CALLS * B);
        tf_view_free(&v);
    }
    CHECK(ok, "T3c: A's pulse counts are not sigma times the plain counts of each vector update");
    xbar_aw_free(a), xbar_aw_free(p);
}

/* (d) random flips: frequency in_chop_prob per read; out choppers only after a last column. */
static void t3_random_flips(void)
{
    enum { M = 2, N = 3, T = 6000 };
    xbar_opt_params o = ocfg(XBAR_OPT_C_TTV2);
    o.in_chop_prob = 0.3f, o.in_chop_random = 1, o.out_chop_prob = 0.2f;
    const xbar_tile_config c = tcfg(M, N, cstep(0.01f, 10.0f));
    xbar_aw *a = make(&o, &c);
    if (!a) return;
    float cin[N], cout[M];
    for (int j = 0; j < N; j++) cin[j] = 1.0f;
    for (int i = 0; i < M; i++) cout[i] = 1.0f;
    long in_flips = 0, out_flips = 0, wrong = 0;
    for (int t = 0; t < T; t++) {
        read_step(a, M, N, 0.1f);
        tf_view v;
        if (!tf_view_get(a, M, N, &v)) return;
        const int r = t % N;
        for (int j = 0; j < N; j++) {
            if (v.cin[j] == cin[j]) continue;
            if (j == r)
                in_flips++;
            else
                wrong++; /* only the column read may flip */
        }
        for (int i = 0; i < M; i++) {
            if (v.cout[i] == cout[i]) continue;
            if (r == N - 1)
                out_flips++;
            else
                wrong++;
        }
        memcpy(cin, v.cin, sizeof cin), memcpy(cout, v.cout, sizeof cout);
        tf_view_free(&v);
    }
    const double pin = (double)in_flips / T, pout = (double)out_flips / (M * (T / N));
    const double sin_ = sqrt(0.3 * 0.7 / T), sout = sqrt(0.2 * 0.8 / (M * (T / N)));
    CHECK(wrong == 0, "T3d: %ld chopper flips outside their read", wrong);
    CHECK(fabs(pin - 0.3) <= 4 * sin_, "T3d: in-chopper flip frequency %.4f, want 0.3 +- %.4f", pin, 4 * sin_);
    CHECK(fabs(pout - 0.2) <= 4 * sout, "T3d: out-chopper flip frequency per sweep %.4f, want 0.2 +- %.4f", pout,
          4 * sout);
    xbar_aw_free(a);
}

/* ---- T4: agad -------------------------------------------------------------------------------- */

/* §4.2 restated in float32 for reads y (A frozen between reads), cout = +1. */
typedef struct {
    float H[64], M[64], R[64], cin[8], sw[8];
    uint64_t sweeps, reads, writes;
    size_t r;
} agad_ref;

static void agad_ref_read(agad_ref *g, const xbar_opt_params *o, float gA, const float *A, size_t m, size_t n, float lr)
{
    const float p = o->in_chop_prob, lr_t = o->transfer_lr * lr;
    int ns = (int)ceilf(1.0f / p);
    ns = ns > 2 ? ns : 2;
    const float q = fminf(o->tail_weightening / (float)ns, 1.0f), s = fabsf(lr_t) / (o->buffer_granularity * gA);
    const float bl = (float)o->write_bl, cap = bl * o->buffer_cap, mom = o->momentum;
    const size_t r = g->r;
    g->r = (r + 1) % n;
    const int sw = g->sw[r] != 0.0f;
    g->sw[r] = 0.0f;
    int nz = 0;
    for (size_t i = 0; i < m; i++) {
        const size_t k = i * n + r;
        const float y = A[k];
        if (sw) g->R[k] = g->M[k];
        float dwv = y - g->R[k];
        if (g->cin[r] < 0.0f) dwv = -dwv;
        float omega = g->H[k] + dwv * s;
        if (fabsf(omega) >= 1.0f) {
            const float st = fmaxf(fminf(truncf(omega), bl), -bl);
            if (o->forget_buffer)
                omega *= mom;
            else {
                omega -= (1.0f - mom) * st;
                if (cap > 0.0f) omega = fmaxf(fminf(omega, cap), -cap);
            }
            nz++;
        }
        g->H[k] = omega;
        g->M[k] = g->M[k] * (1.0f - q) + y * q;
    }
    if (nz && g->sweeps > (uint64_t)ns) g->writes++;
    int flip = g->sweeps % (uint64_t)ns + 1 == (uint64_t)ns;
    if (o->in_chop_random) {
        float u[4];
        xbar_rng_uniform4(u, SEED, xbar_stream(XBAR_RNG_CHOP, ID, 0), g->reads);
        flip |= u[0] < p;
    }
    if (flip) g->cin[r] = -g->cin[r], g->sw[r] = 1.0f;
    g->reads++;
    if (r + 1 == n) g->sweeps++;
}

static void t4_recursion(int random)
{
    enum { M = 2, N = 3, T = 90 };
    xbar_opt_params o = ocfg(XBAR_OPT_AGAD);
    o.in_chop_prob = 0.34f, o.in_chop_random = random, o.tail_weightening = 1.5f;
    o.forget_buffer = 0, o.momentum = 0.2f, o.buffer_cap = 0.5f, o.buffer_granularity = 1.0f;
    const xbar_tile_config c = tcfg(M, N, cstep(0.01f, 10.0f));
    xbar_aw *a = make(&o, &c);
    if (!a) return;
    agad_ref g;
    memset(&g, 0, sizeof g);
    for (int j = 0; j < N; j++) g.cin[j] = 1.0f;
    float zero[M * N] = {0}, y[M * N];
    xbar_aw_set_weights(a, zero);
    int ok = 1;
    for (int t = 0; t < T && ok; t++) {
        for (int q = 0; q < M * N; q++) y[q] = unif(4, (uint64_t)(t * M * N + q), -0.3f, 0.3f);
        xbar_tile_set_weights(xbar_aw_fast_tile(a), y, N);
        read_step(a, M, N, 0.05f);
        agad_ref_read(&g, &o, 0.01f, y, M, N, 0.05f);
        tf_view v;
        if (!tf_view_get(a, M, N, &v)) return;
        ok = !memcmp(v.H, g.H, sizeof(float) * M * N) && !memcmp(v.M, g.M, sizeof(float) * M * N) &&
             !memcmp(v.R, g.R, sizeof(float) * M * N) && !memcmp(v.cin, g.cin, sizeof(float) * N) &&
             !memcmp(v.sw, g.sw, sizeof(float) * N) && v.sweeps == g.sweeps && v.writes == g.writes;
        if (!ok) fprintf(stderr, "T4 (random %d): state differs from the recursion after read %d\n", random, t);
        tf_view_free(&v);
    }
    CHECK(ok && g.writes > 0, "T4: agad's H, M, R, choppers or writes differ from the §4.2 recursion (random %d)",
          random);
    xbar_aw_free(a);
}

/* q = 1 (tail_weightening >= N_s): after a switch the reference is the read, H stays put. q = 0:
 * every read crosses, but C is written only while sweeps > N_s. M's closed form. */
static void t4_reference(void)
{
    enum { M = 2, N = 2, T = 40, Ns = 3 };
    for (int mode = 0; mode < 3; mode++) {
        xbar_opt_params o = ocfg(XBAR_OPT_AGAD);
        o.in_chop_prob = 0.34f, o.in_chop_random = 0;
        o.tail_weightening = mode == 0 ? 3.0f : mode == 1 ? 0.0f : 0.9f; /* q = 1, 0, 0.3 */
        const xbar_tile_config c = tcfg(M, N, cstep(0.01f, 10.0f));
        xbar_aw *a = make(&o, &c);
        if (!a) return;
        float zero[M * N] = {0}, y[M * N];
        xbar_aw_set_weights(a, zero);
        /* s = |lr_t|/dw_min(A) = 10: |y| s < 1 (q = 1: no crossing needed), >= 1 (q = 0: every read crosses) */
        for (int q = 0; q < M * N; q++) y[q] = mode == 1 ? (q % 2 ? 0.17f : -0.15f) : (q % 2 ? 0.07f : -0.05f);
        xbar_tile_set_weights(xbar_aw_fast_tile(a), y, N);
        float hsw[M * N];
        int have[N] = {0}, ok = 1;
        double mref[M * N] = {0}, mdev = 0;
        uint64_t before = 0;
        for (int t = 0; t < T; t++) {
            if (mode == 2) { /* varying reads for the closed form of M */
                for (int q = 0; q < M * N; q++) y[q] = unif(5, (uint64_t)(t * M * N + q), -0.3f, 0.3f);
                xbar_tile_set_weights(xbar_aw_fast_tile(a), y, N);
            }
            tf_view v0;
            if (!tf_view_get(a, M, N, &v0)) return;
            const uint64_t sweeps0 = v0.sweeps;
            const int switched = v0.sw[t % N] != 0.0f;
            tf_view_free(&v0);
            read_step(a, M, N, 0.1f);
            tf_view v;
            if (!tf_view_get(a, M, N, &v)) return;
            const int r = t % N;
            const uint64_t pulses = xbar_aw_pulse_count(a) - before;
            before = xbar_aw_pulse_count(a);
            if (mode == 0) { /* after the first switch of column r, H[:, r] stays what it was */
                if (switched && !have[r]) {
                    have[r] = 1;
                    for (int i = 0; i < M; i++) hsw[i * N + r] = v.H[i * N + r];
                }
                for (int i = 0; have[r] && i < M; i++) ok &= v.H[i * N + r] == hsw[i * N + r];
            } else if (mode == 1) { /* every read crosses; writes only after the warm-up */
                ok &= pulses == (sweeps0 > Ns ? (uint64_t)M : 0u);
            } else { /* M_n = (1-q)^n M_0 + q sum (1-q)^(n-1-j) y_j, M_0 = 0 */
                for (int i = 0; i < M; i++) {
                    mref[i * N + r] = 0.7 * mref[i * N + r] + 0.3 * (double)y[i * N + r];
                    mdev = fmax(mdev, fabs((double)v.M[i * N + r] - mref[i * N + r]));
                }
            }
            tf_view_free(&v);
        }
        if (mode == 0) CHECK(ok && have[0] && have[1], "T4: with q = 1, H moves after a chopper switch");
        if (mode == 1) CHECK(ok, "T4: a write to C while sweeps <= N_s, or none after");
        if (mode == 2) CHECK(mdev <= 1e-6, "T4: M differs from its closed form by %.3g", mdev);
        xbar_aw_free(a);
    }
}

/* ---- T5: auto_scale ---------------------------------------------------------------------------- */

static void ema_ref(float *m, float v, float batch)
{
    if (*m <= 0.0f) {
        *m = v;
        return;
    }
    if (v <= 0.0f) return;
    const float tau = (1.0f - 0.99f) / batch;
    *m = (1.0f - tau) * *m + tau * v;
}

static void t5_auto_scale(void)
{
    enum { M = 3, N = 4, B = 4 };
    xbar_opt_params o = ocfg(XBAR_OPT_C_TTV2);
    o.auto_scale = 1, o.fast_lr = 0.5f, o.in_chop_prob = 0.0f, o.transfer_lr = 0.0f; /* no reads */
    const xbar_tile_config c = tcfg(M, N, cstep(0.01f, 100.0f));
    xbar_aw *a = make(&o, &c);
    xbar_opt_params op = xbar_opt_defaults(XBAR_OPT_ANALOG_SGD);
    xbar_aw *p = xbar_aw_new(&op, &c);
    if (!a || !p) return;
    float X[B * N], D[B * M], zero[M * N] = {0};
    xbar_aw_set_weights(a, zero);
    float mx = 0, md = 0, lr_a = 0;
    int ok = 1;
    for (int call = 0; call < 3; call++) {
        for (int b = 0; b < B; b++) {
            for (int j = 0; j < N; j++) X[b * N + j] = unif(6, (uint64_t)((call * B + b) * N + j), -1, 1);
            for (int i = 0; i < M; i++) D[b * M + i] = unif(7, (uint64_t)((call * B + b) * M + i), -1, 1);
        }
        for (int j = 0; call == 0 && j < N; j++) X[j] = 0.0f; /* a zero max: m_x stays 0, the next sets it */
        for (int b = 0; b < B; b++) {
            float xm = 0, dm = 0;
            for (int j = 0; j < N; j++) xm = fmaxf(xm, fabsf(X[b * N + j]));
            for (int i = 0; i < M; i++) dm = fmaxf(dm, fabsf(D[b * M + i]));
            ema_ref(&mx, xm, (float)B);
            ema_ref(&md, dm, (float)B);
        }
        float g = 31.0f * 0.01f;
        lr_a = o.fast_lr * g;
        if (mx > 0.0f && md > 0.0f) lr_a /= mx * md;
        xbar_aw_update(a, X, D, B, 0.1f);
        tf_view v;
        if (!tf_view_get(a, M, N, &v)) return;
        ok &= v.m_x == mx && v.m_d == md && v.lr_a == lr_a;
        tf_view_free(&v);
    }
    CHECK(ok, "T5: m_x, m_d or lr_A differ from the EMA / closed form (bit for bit)");
    /* the next single vector update uses lr_A of its own EMAs: A moves as a plain tile at that lr */
    float x1[N] = {0.3f, -0.8f, 0.5f, 0.1f}, d1[M] = {-0.6f, 0.2f, 0.9f};
    ema_ref(&mx, 0.8f, 1.0f);
    ema_ref(&md, 0.9f, 1.0f);
    lr_a = o.fast_lr * (31.0f * 0.01f) / (mx * md);
    float before[M * N];
    memcpy(before, fast_w(a), sizeof before);
    xbar_aw_update(a, x1, d1, 1, 0.1f);
    xbar_aw_set_weights(p, zero);
    xbar_aw_update(p, x1, d1, 1, lr_a);
    int same = 1;
    for (int q = 0; q < M * N; q++)
        same &= lrint((fast_w(a)[q] - before[q]) / 0.01f) == lrint(xbar_tile_weights(xbar_aw_fast_tile(p))[q] / 0.01f);
    CHECK(same, "T5: A is not updated with lr_A = fast_lr*desired_bl*dw_min(A)/(m_x*m_d)");
    xbar_aw_free(a), xbar_aw_free(p);
}

/* ---- schedule, set_weights, gamma, defaults ------------------------------------------------------ */

static void schedule(void)
{
    enum { M = 2, N = 3, B = 7 };
    float X[B * N], D[B * M];
    for (int k = 0; k < B * N; k++) X[k] = unif(8, (uint64_t)k, -1, 1);
    for (int k = 0; k < B * M; k++) D[k] = unif(9, (uint64_t)k, -1, 1);
    const xbar_tile_config c = tcfg(M, N, cstep(0.01f, 10.0f));
    const struct {
        xbar_opt_kind kind;
        int units, every;
        uint64_t reads; /* after two batches of B */
    } cases[] = {{XBAR_OPT_C_TTV2, 0, 1, 2 * B},  {XBAR_OPT_AGAD, 0, 1, 2 * B}, {XBAR_OPT_TTV2, 0, 1, 2 * B},
                 {XBAR_OPT_C_TTV2, 0, 3, 4},      {XBAR_OPT_TTV2, 1, 1, 2},     {XBAR_OPT_TTV2, -1, 1, 2},
                 {XBAR_OPT_C_TTV2, -1, 1, 2 * B}, {XBAR_OPT_AGAD, 1, 2, 1}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        xbar_opt_params o = ocfg(cases[k].kind);
        o.units_in_mbatch = cases[k].units, o.transfer_every = cases[k].every;
        xbar_aw *a = make(&o, &c);
        if (!a) return;
        xbar_aw_update(a, X, D, B, 0.1f);
        xbar_aw_update(a, X, D, B, 0.1f);
        xbar_pulse_counts pc;
        xbar_aw_pulse_counts(a, &pc);
        tf_view v;
        const int got = tf_view_get(a, M, N, &v);
        CHECK(got && pc.reads == cases[k].reads && v.k == 2 * B && v.next_col == cases[k].reads % N &&
                  pc.grad_pulses + pc.transfer_pulses == xbar_aw_pulse_count(a) && pc.writes <= pc.reads,
              "schedule %s units_in_mbatch %d every %d: %llu reads (want %llu), k %llu, column %llu",
              xbar_opt_kind_name(cases[k].kind), cases[k].units, cases[k].every, (unsigned long long)pc.reads,
              (unsigned long long)cases[k].reads, (unsigned long long)v.k, (unsigned long long)v.next_col);
        if (got) tf_view_free(&v);
        xbar_aw_free(a);
    }
}

static void set_weights_keeps(void)
{
    enum { M = 3, N = 4, B = 5 };
    xbar_opt_params o = ocfg(XBAR_OPT_AGAD);
    o.in_chop_random = 1, o.in_chop_prob = 0.5f;
    const xbar_tile_config c = tcfg(M, N, cstep(0.01f, 10.0f));
    xbar_aw *a = make(&o, &c);
    if (!a) return;
    float X[B * N], D[B * M], W[M * N], got[M * N];
    for (int k = 0; k < B * N; k++) X[k] = unif(10, (uint64_t)k, -1, 1);
    for (int k = 0; k < B * M; k++) D[k] = unif(11, (uint64_t)k, -1, 1);
    for (int k = 0; k < M * N; k++) W[k] = unif(12, (uint64_t)k, -0.5f, 0.5f);
    for (int s = 0; s < 6; s++) xbar_aw_update(a, X, D, B, 0.1f);
    tf_view v0, v1;
    if (!tf_view_get(a, M, N, &v0)) return;
    xbar_aw_set_weights(a, W);
    if (!tf_view_get(a, M, N, &v1)) return;
    xbar_aw_get_weights(a, got);
    int a_zero = 1;
    for (int q = 0; q < M * N; q++) a_zero &= fast_w(a)[q] == 0.0f;
    const size_t nf = 2 * N + M + 3 * M * N; /* c_in, c_out, switched, H, M, R */
    CHECK(!memcmp(got, W, sizeof W) && a_zero && v1.k == 0 && v1.next_col == 0 && v0.k == 6 * B,
          "set_weights: C = W, A = 0 and the counters reset (k %llu, column %llu)", (unsigned long long)v1.k,
          (unsigned long long)v1.next_col);
    CHECK(!memcmp(v0.vals, v1.vals, nf * sizeof(float)) && v0.sweeps == v1.sweeps && v0.sweeps > 0,
          "set_weights: H, M, R, the choppers or the sweep counter changed (aihwkit keeps them)");
    tf_view_free(&v0), tf_view_free(&v1);
    xbar_aw_free(a);
}

static void gamma_weights(void)
{
    enum { M = 3, N = 4, B = 5 };
    float X[B * N], D[B * M], W[M * N], Y[B * M], Z[B * N];
    for (int k = 0; k < B * N; k++) X[k] = unif(13, (uint64_t)k, -1, 1);
    for (int k = 0; k < B * M; k++) D[k] = unif(14, (uint64_t)k, -1, 1);
    for (int kind = 0; kind < 2; kind++) {
        xbar_opt_params o = ocfg(kind ? XBAR_OPT_C_TTV2 : XBAR_OPT_TTV2);
        o.gamma = 0.3f, o.in_chop_prob = 0.5f, o.in_chop_random = 1, o.out_chop_prob = 0.5f;
        const xbar_tile_config c = tcfg(M, N, cstep(0.01f, 10.0f));
        xbar_aw *a = make(&o, &c);
        if (!a) return;
        for (int s = 0; s < 5; s++) xbar_aw_update(a, X, D, B, 0.1f);
        tf_view v;
        if (!tf_view_get(a, M, N, &v)) return;
        xbar_aw_get_weights(a, W);
        int exact = 1, neg = 0;
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++) {
                const float sg = v.cout[i] * v.cin[j], want = slow_w(a)[i * N + j] + 0.3f * (fast_w(a)[i * N + j] * sg);
                exact &= W[i * N + j] == want;
                neg += sg < 0.0f;
            }
        double fdev = 0, bdev = 0;
        xbar_aw_forward(a, Y, X, B);
        xbar_aw_backward(a, Z, D, B);
        for (int b = 0; b < B; b++) {
            for (int i = 0; i < M; i++) {
                double s = 0;
                for (int j = 0; j < N; j++) s += (double)W[i * N + j] * X[b * N + j];
                fdev = fmax(fdev, fabs(s - Y[b * M + i]));
            }
            for (int j = 0; j < N; j++) {
                double s = 0;
                for (int i = 0; i < M; i++) s += (double)W[i * N + j] * D[b * M + i];
                bdev = fmax(bdev, fabs(s - Z[b * N + j]));
            }
        }
        CHECK(exact && (kind == 0 || neg > 0), "gamma (%s): W != C + gamma*(sigma o A) (%d negative sigma)",
              xbar_opt_kind_name(o.kind), neg);
        CHECK(fdev <= 1e-5 && bdev <= 1e-5, "gamma (%s): reads differ from W: forward %.3g, backward %.3g",
              xbar_opt_kind_name(o.kind), fdev, bdev);
        tf_view_free(&v);
        xbar_aw_free(a);
    }
    /* ttv2: the buffer integrates gamma*transfer_lr*lr*y (aihwkit's gamma_vec ratio) */
    xbar_opt_params o = ocfg(XBAR_OPT_TTV2);
    o.gamma = 0.5f, o.transfer_lr = 0.75f, o.thres_scale = 1000.0f; /* no write */
    const xbar_tile_config c = tcfg(2, 1, cstep(0.01f, 10.0f));
    xbar_aw *a = make(&o, &c);
    const float y[2] = {0.02f, -0.03f};
    xbar_tile_set_weights(xbar_aw_fast_tile(a), y, 1);
    read_step(a, 2, 1, 0.1f);
    tf_view v;
    if (tf_view_get(a, 2, 1, &v)) {
        const float lt = o.transfer_lr * 0.1f * 0.5f;
        CHECK(v.H[0] == y[0] * lt && v.H[1] == y[1] * lt, "gamma: ttv2's transfer lr is not gamma*transfer_lr*lr");
        tf_view_free(&v);
    }
    xbar_aw_free(a);
}

static void defaults_refusals(void)
{
    for (int k = XBAR_OPT_TTV2; k <= XBAR_OPT_AGAD; k++) {
        const xbar_opt_params o = xbar_opt_defaults((xbar_opt_kind)k);
        CHECK(o.units_in_mbatch == -1 && o.momentum == -1.0f && o.in_chop_random == -1 && o.in_chop_prob == 0.1f &&
                  o.tail_weightening == 5.0f && o.buffer_cap == 0.0f && o.auto_momentum == 0.99f && !o.auto_scale &&
                  o.forget_buffer == 1 && !o.slow_device_own && !xbar_opt_check(&o),
              "defaults of %s", xbar_opt_kind_name((xbar_opt_kind)k));
    }
    const struct {
        xbar_opt_kind kind;
        void (*set)(xbar_opt_params *);
        const char *key;
    } bad[] = {
        {XBAR_OPT_AGAD, NULL, "optimizer.in_chop_prob = 0"},    {XBAR_OPT_C_TTV2, NULL, "optimizer.momentum = 2"},
        {XBAR_OPT_TTV2, NULL, "optimizer.units_in_mbatch = 2"}, {XBAR_OPT_C_TTV2, NULL, "optimizer.in_chop_prob = 1.5"},
        {XBAR_OPT_TTV2, NULL, "optimizer.slow_device: "},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        xbar_opt_params o = xbar_opt_defaults(bad[k].kind);
        if (k == 0) o.in_chop_prob = 0.0f;
        if (k == 1) o.momentum = 2.0f;
        if (k == 2) o.units_in_mbatch = 2;
        if (k == 3) o.in_chop_prob = 1.5f;
        if (k == 4) o.slow_device_own = 1, o.slow_device.dw_min = -1.0f;
        const char *why = xbar_opt_check(&o);
        CHECK(why && strstr(why, bad[k].key), "refusal %s: got %s", bad[k].key, why ? why : "none");
    }
    /* c_ttv2 with in_chop_prob 0 is valid (aihwkit's build_config("ttv2")) and has no choppers */
    xbar_opt_params o = xbar_opt_defaults(XBAR_OPT_C_TTV2);
    o.in_chop_prob = 0.0f;
    CHECK(!xbar_opt_check(&o), "c_ttv2 with in_chop_prob 0 refused: %s", xbar_opt_check(&o));
}

/* ---- checkpoint resume ---------------------------------------------------------------------------- */

static void steps(xbar_aw *a, size_t m, size_t n, int from, int to)
{
    enum { B = 5 };
    float X[B * 16], D[B * 16], G[16 * 16];
    for (int s = from; s < to; s++) {
        for (size_t k = 0; k < B * n; k++) X[k] = unif(20 + (uint64_t)s, k, -1, 1);
        for (size_t k = 0; k < B * m; k++) D[k] = unif(40 + (uint64_t)s, k, -0.5f, 0.5f);
        CHECK(xbar_aw_update(a, X, D, B, 0.1f) == XBAR_OK, "resume: update: %s", xbar_last_error());
        if (s % 4 == 3) {
            for (size_t k = 0; k < m * n; k++) G[k] = unif(60 + (uint64_t)s, k, -0.2f, 0.2f);
            CHECK(xbar_aw_step_dense(a, G, 0.05f) == XBAR_OK, "resume: dense step: %s", xbar_last_error());
        }
    }
}

static unsigned char *bytes_of(const xbar_aw *a, size_t *n)
{
    FILE *f = tmpfile();
    if (!f || xbar_aw_save(a, f)) return NULL;
    fflush(f);
    const long end = ftell(f);
    unsigned char *b = malloc((size_t)end);
    rewind(f);
    *n = b ? fread(b, 1, (size_t)end, f) : 0;
    fclose(f);
    return b;
}

static void resume(xbar_opt_kind kind)
{
    enum { M = 6, N = 5 };
    xbar_opt_params o = xbar_opt_defaults(kind);
    o.in_chop_random = 1, o.in_chop_prob = 0.3f, o.out_chop_prob = 0.2f, o.auto_scale = kind != XBAR_OPT_TTV2;
    o.gamma = 0.1f, o.transfer_lr = 2.0f;
    o.transfer_io = xbar_io_defaults(); /* a noisy column read */
    o.transfer_io.noise_management = XBAR_NM_NONE, o.transfer_io.bound_management = XBAR_BM_NONE;
    xbar_tile_config c = xbar_tile_config_defaults(M, N);
    c.device = xbar_device_defaults(XBAR_DEV_SOFT_BOUNDS_REF); /* dtod and c2c noise */
    c.seed = 21, c.id = 4;
    o.slow_device_own = 1, o.slow_device = xbar_device_defaults(XBAR_DEV_SOFT_BOUNDS);
    xbar_aw *a = make(&o, &c), *b = make(&o, &c);
    if (!a || !b) return;
    float w0[M * N];
    for (int q = 0; q < M * N; q++) w0[q] = unif(80, (uint64_t)q, -0.2f, 0.2f);
    xbar_aw_set_weights(a, w0);
    steps(a, M, N, 0, 7);
    FILE *f = tmpfile();
    CHECK(f && !xbar_aw_save(a, f), "resume %s: save: %s", xbar_opt_kind_name(kind), xbar_last_error());
    if (!f) return;
    rewind(f);
    CHECK(!xbar_aw_load(b, f), "resume %s: load: %s", xbar_opt_kind_name(kind), xbar_last_error());
    fclose(f);
    steps(a, M, N, 7, 16);
    steps(b, M, N, 7, 16);
    size_t na = 0, nb = 0;
    unsigned char *ba = bytes_of(a, &na), *bb = bytes_of(b, &nb);
    float wa[M * N], wb[M * N];
    xbar_aw_get_weights(a, wa), xbar_aw_get_weights(b, wb);
    xbar_pulse_counts pa, pb;
    xbar_aw_pulse_counts(a, &pa), xbar_aw_pulse_counts(b, &pb);
    tf_view v;
    const int got = tf_view_get(a, M, N, &v);
    int flipped = 0;
    for (int j = 0; got && j < N; j++) flipped += v.cin[j] < 0.0f;
    CHECK(ba && bb && na == nb && !memcmp(ba, bb, na) && !memcmp(wa, wb, sizeof wa) && !memcmp(&pa, &pb, sizeof pa),
          "resume %s: the resumed run differs from the uninterrupted one", xbar_opt_kind_name(kind));
    CHECK(got && v.reads > 0 && (kind == XBAR_OPT_TTV2 || v.sweeps > 0), "resume %s: the run made no transfer",
          xbar_opt_kind_name(kind));
    if (got) tf_view_free(&v);
    free(ba), free(bb);
    xbar_aw_free(a), xbar_aw_free(b);
}

int main(void)
{
    t1_conservation(10000);
    t1_conservation(1);
    t2_timing();
    t3_offset();
    t3_sigma_counts();
    t3_random_flips();
    t4_recursion(0);
    t4_recursion(1);
    t4_reference();
    t5_auto_scale();
    schedule();
    set_weights_keeps();
    gamma_weights();
    defaults_refusals();
    resume(XBAR_OPT_TTV2);
    resume(XBAR_OPT_C_TTV2);
    resume(XBAR_OPT_AGAD);
    return xt_done("test_tt_family");
}
