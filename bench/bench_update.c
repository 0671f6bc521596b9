/* bench_update.c - part (3) of `xbar bench`: one stochastic pulsed update
 * (xbar_update_defaults(): StochasticCompressed, BL 31, update management
 * on) of an N x N weight at batch B, in the two regimes of issue 4:
 *   dense       lr 0.1,  x, d ~ U(-1, 1)               (BL = 31)
 *   MNIST-like  lr 0.01, x ~ U(0, 1), d ~ U(-0.01, 0.01) (BL = 1)
 * for three devices: the ALD without noise (xbar_device_ideal(ALD)), soft
 * bounds with aihwkit's defaults (c2c 0.3), and a Tiki-Taka pair (xbar_aw over
 * those soft bounds, one column of A read through aihwkit's transfer IO and
 * written to C per batch; the fast tile's lr is 0.1 in the dense regime and
 * aihwkit's fast_lr 1.0 in the MNIST-like one). Sizes 256, 512, 1024, 4096 at
 * batch 1, 16, 64; 4096 x 4096 in the dense regime at batch 1 only (quick:
 * 512 x 512 at batch 64). Reported per thread setting:
 *   slots/s    N^2 B / time (weight-sample slots)
 *   pulses/s   device pulses fired (tile counters) / time
 *   perfect    pulses / (fast normals per s) + bytes / copy bandwidth, with the
 *              ceilings of part (1) at the same thread count, and bytes =
 *              2 (read + write) * bench_update_bytes_per_device() * (N^2, +N
 *              for the column of C) + 4 * B * 2N (the inputs)
 *   x perfect  time / perfect
 * and with --aihwkit, where the file has the case "update REGIME DEVICE NxN bB"
 * (REGIME dense or mnist; DEVICE ald_ideal, softbounds, tikitaka), the speedup
 * over aihwkit's time.
 * A case whose time, estimated from the last case of its (regime, device)
 * (or from one batch-1 call), exceeds b->cap (4096: b->cap_4096) is skipped
 * and listed as such. */
#include <stdint.h>
#include <stdlib.h>

#include "bench_parts.h"
#include "xbar.h"

enum { DEV_ALD, DEV_SOFT, DEV_TT, NDEV };
static const char *const dev_names[NDEV] = {"ald_ideal", "soft_bounds", "tiki_taka"};
static const char *const aihwkit_dev[NDEV] = {"ald_ideal", "softbounds", "tikitaka"}; /* bench_pair.py's */

typedef struct {
    xbar_tile *t;
    xbar_aw *aw;
    const float *X, *D;
    size_t B;
    float lr;
} upd_arg;

static uint64_t pulses_of(const upd_arg *u) { return u->aw ? xbar_aw_pulse_count(u->aw) : xbar_tile_pulse_count(u->t); }

static bench_time update_call(void *p)
{
    upd_arg *u = p;
    uint64_t p0 = pulses_of(u);
    double t0 = bench_now();
    if (u->aw) xbar_aw_update(u->aw, u->X, u->D, u->B, u->lr);
    else xbar_tile_update(u->t, u->X, u->D, u->B, u->lr);
    return (bench_time){.s = bench_now() - t0, .pulses = (double)(pulses_of(u) - p0)};
}

static int build(upd_arg *u, int dev, int dense, size_t N)
{
    xbar_tile_config c = xbar_tile_config_defaults(N, N);
    c.device = dev == DEV_ALD ? xbar_device_ideal(XBAR_DEV_ALD) : xbar_device_defaults(XBAR_DEV_SOFT_BOUNDS);
    c.update = xbar_update_defaults();
    c.update.scheme = XBAR_SCHEME_STOCHASTIC, c.update.desired_bl = 31, c.update.update_management = 1;
    if (dev != DEV_TT) return (u->t = xbar_tile_new(&c)) ? 0 : -1;
    xbar_opt_params o = xbar_opt_defaults(XBAR_OPT_TIKI_TAKA);
    o.fast_lr = dense ? 0.1f : 1.0f;
    o.transfer_columns = 1, o.transfer_every = 1;
    o.transfer_io = xbar_io_defaults(); /* aihwkit's transfer_forward */
    o.transfer_io.noise_management = XBAR_NM_NONE, o.transfer_io.bound_management = XBAR_BM_NONE;
    return (u->aw = xbar_aw_new(&o, &c)) ? 0 : -1;
}

/* Issue 4's target for a case ("-": none). */
static const char *target_of(int dense, int dev, size_t N, size_t B)
{
    static const char *const targets[2][NDEV] = {{"-", ">= 3x (2 threads)", ">= 10x (2 threads)"},
                                                 {"-", ">= 15x (1 thread), >= 25x (2)", ">= 15x (2 threads)"}};
    return N == 512 && B == 64 ? targets[dense][dev] : "-";
}

static void report(bench_ctx *b, cJSON *rows, int dense, int dev, size_t N, size_t B, const bench_time *m)
{
    const double slots = (double)N * N * B;
    const double bytes = 2.0 * (double)bench_update_bytes_per_device() * ((double)N * N + (dev == DEV_TT ? N : 0)) +
                         4.0 * B * 2.0 * N;
    double t[2], sps[2], pps[2], perfect[2], ratio[2], pulses[2], med[2], calls[2];
    char tb[16], pb[16], name[96], what[96];
    bench_out(b, "  %-6s %-11s %5zu %5zu |", dense ? "dense" : "mnist", dev_names[dev], N, B);
    for (int k = 0; k < b->nth; k++) {
        t[k] = m[k].s, pulses[k] = m[k].pulses, med[k] = m[k].med, calls[k] = m[k].calls;
        sps[k] = slots / t[k], pps[k] = pulses[k] / t[k];
        perfect[k] = pulses[k] / b->znormals_per_s[k] + bytes / (b->copy_GBps[k] * 1e9);
        ratio[k] = t[k] / perfect[k];
        bench_out(b, " %9s %8.3g %8.3g %9s %6.2f |", bench_fmt_time(t[k], tb), sps[k], pps[k],
                  bench_fmt_time(perfect[k], pb), ratio[k]);
    }
    bench_out(b, " %6.2f", t[0] / t[b->nth - 1]);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "regime", dense ? "dense" : "mnist_like");
    cJSON_AddStringToObject(o, "device", dev_names[dev]);
    cJSON_AddNumberToObject(o, "size", (double)N);
    cJSON_AddNumberToObject(o, "batch", (double)B);
    bench_json_pair(b, o, "seconds", t);
    bench_json_pair(b, o, "median_seconds", med);
    bench_json_pair(b, o, "calls", calls);
    bench_json_pair(b, o, "pulses", pulses);
    bench_json_pair(b, o, "slots_per_s", sps);
    bench_json_pair(b, o, "pulses_per_s", pps);
    bench_json_pair(b, o, "perfect_seconds", perfect);
    bench_json_pair(b, o, "vs_perfect", ratio);
    cJSON_AddNumberToObject(o, "bytes_touched", bytes);
    cJSON_AddNumberToObject(o, "thread_speedup", t[0] / t[b->nth - 1]);
    snprintf(name, sizeof name, "update %s %s %zux%zu b%zu", dense ? "dense" : "mnist", aihwkit_dev[dev], N, N, B);
    const bench_ref_case *ref = bench_aihwkit_find(b, name);
    if (ref) {
        snprintf(what, sizeof what, "update %s, %s, %zux%zu, b %zu", dense ? "dense" : "MNIST-like", dev_names[dev], N,
                 N, B);
        bench_aihwkit_row(b, o, ref, t, what, target_of(dense, dev, N, B));
    }
    bench_out(b, "\n");
    cJSON_AddItemToArray(rows, o);
}

static void report_skip(bench_ctx *b, cJSON *rows, int dense, int dev, size_t N, size_t B, double est, double cap)
{
    bench_out(b, "  %-6s %-11s %5zu %5zu | skipped: estimated %.0f s > %.0f s\n", dense ? "dense" : "mnist",
              dev_names[dev], N, B, est, cap);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "regime", dense ? "dense" : "mnist_like");
    cJSON_AddStringToObject(o, "device", dev_names[dev]);
    cJSON_AddNumberToObject(o, "size", (double)N);
    cJSON_AddNumberToObject(o, "batch", (double)B);
    cJSON_AddBoolToObject(o, "skipped", 1);
    cJSON_AddNumberToObject(o, "estimated_seconds", est);
    cJSON_AddItemToArray(rows, o);
}

/* Every size and batch of one (regime, device). */
static int sweep(bench_ctx *b, cJSON *rows, int dense, int dev)
{
    static const size_t sizes[] = {256, 512, 1024, 4096}, batches[] = {1, 16, 64};
    const int s0 = b->quick ? 1 : 0, s1 = b->quick ? 2 : 4, b0 = b->quick ? 2 : 0;
    double rate = 0; /* slots/s of the last case at 1 thread */
    for (int si = s0; si < s1; si++) {
        const size_t N = sizes[si];
        upd_arg u = {.lr = dense ? 0.1f : 0.01f};
        float *X = NULL, *D = NULL;
        int fail = 0;
        for (int bi = b0; bi < 3 && !fail; bi++) {
            const size_t B = batches[bi];
            const double cap = N >= 4096 ? b->cap_4096 : b->cap;
            if (dense && N >= 4096 && B > 1) continue;
            if (!u.t && !u.aw && rate > 0 && (double)N * N * B / rate > cap) {
                report_skip(b, rows, dense, dev, N, B, (double)N * N * B / rate, cap);
                continue;
            }
            if (!u.t && !u.aw) {
                bench_note(b, "(3) building %s %zux%zu", dev_names[dev], N, N);
                X = bench_uniform(64 * N, 5, dense ? -1 : 0, 1);
                D = dense ? bench_uniform(64 * N, 6, -1, 1) : bench_uniform(64 * N, 6, -0.01f, 0.01f);
                if (!X || !D || build(&u, dev, dense, N)) { fail = 1; break; }
                u.X = X, u.D = D;
            }
            if (rate == 0) { /* pilot: one batch-1 call */
                xbar_set_threads(1);
                u.B = 1;
                rate = (double)N * N / update_call(&u).s;
            }
            double est = (double)N * N * B / rate;
            if (est > cap) {
                report_skip(b, rows, dense, dev, N, B, est, cap);
                continue;
            }
            bench_time m[2];
            u.B = B;
            bench_note(b, "(3) %s, %s, %zux%zu, batch %zu (about %.2g s a call at 1 thread)",
                       dense ? "dense" : "mnist-like", dev_names[dev], N, N, B, est);
            bench_best_each(b, update_call, &u, m);
            rate = (double)N * N * B / m[0].s;
            report(b, rows, dense, dev, N, B, m);
        }
        xbar_tile_free(u.t), xbar_aw_free(u.aw), free(X), free(D);
        if (fail) return -1;
    }
    return 0;
}

int bench_updates(bench_ctx *b)
{
    cJSON *rows = cJSON_AddArrayToObject(b->json, "update");
    bench_out(b, "(3) pulsed update, BL 31, update management (time, slots/s, pulses/s, perfect time, x perfect)\n");
    bench_out(b, "  regime device       size batch |");
    for (int k = 0; k < b->nth; k++)
        bench_out(b, " %9d thread%s                             |", b->threads[k], b->threads[k] > 1 ? "s" : " ");
    bench_out(b, " speedup\n");
    for (int dense = 1; dense >= 0; dense--)
        for (int dev = 0; dev < NDEV; dev++)
            if (sweep(b, rows, dense, dev)) return -1;
    bench_out(b, "\n");
    return 0;
}
