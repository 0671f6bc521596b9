/* bench_mem.c - part (6) of `xbar bench`: memory.
 *
 * Bytes per device (what a tile stores per weight, src/tile/tile.c and
 * src/device/device.c):
 *   tile  = sizeof(float) * (1 weight + P parameters)
 *   where P = the per-device arrays of xbar_devices (b_max, b_min, s_up, s_dn,
 *   a_up, a_dn), counted from a tile's xbar_tile_devices(). The increment
 *   buffer of the dense schemes (tile_internal.h `scratch`, 4 bytes per device)
 *   is allocated only when a dense scheme runs, and xbar_aw's dense-transfer
 *   buffer (4 bytes per device) is calloc'd and touched only by a dense
 *   transfer: neither counts for the stochastic scheme.
 *   An update reads and writes the weight and reads the P parameters:
 *   bench_update_bytes_per_device() = sizeof(float) * (1 + P).
 *   Tiki-Taka pair = 2 tiles.
 * Per optimizer of the table (xbar_opt_kind 0 .. XBAR_OPT_COUNT_-1): the
 * library's estimate xbar_aw_memory_bytes of a 4096 x 4096 weight on that
 * device with the stochastic scheme, divided by the weights.
 * Work space proportional to rows + cols (bit streams, line probabilities,
 * per batch) is not counted.
 *
 * Peak RSS (full mode only): a forked child (a fresh high-water mark) builds
 * a 4096 x 4096 Tiki-Taka pair on aihwkit's soft bounds, does one update at
 * batch 16 (MNIST-like regime: lr 0.01, fast_lr 1.0) with its one-column
 * transfer, and reports getrusage's ru_maxrss; issue 4's target: <= 1 GiB. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_parts.h"
#include "xbar.h"

static size_t device_arrays(void)
{
    xbar_tile_config c = xbar_tile_config_defaults(1, 1);
    c.device = xbar_device_defaults(XBAR_DEV_SOFT_BOUNDS);
    xbar_tile *t = xbar_tile_new(&c);
    if (!t) return 6;
    const xbar_devices *d = xbar_tile_devices(t);
    const float *arrays[] = {d->b_max, d->b_min, d->s_up, d->s_dn, d->a_up, d->a_dn};
    size_t n = 0;
    for (size_t k = 0; k < sizeof arrays / sizeof *arrays; k++) n += arrays[k] != NULL;
    xbar_tile_free(t);
    return n;
}

size_t bench_update_bytes_per_device(void) { return sizeof(float) * (1 + device_arrays()); }
size_t bench_tile_bytes_per_device(void) { return bench_update_bytes_per_device(); }

/* In the child: ru_maxrss (bytes) at start and after the update; seconds of the update. */
static void child(int fd)
{
    enum { N = 4096, B = 16 };
    struct rusage r;
    double out[3] = {0, 0, 0};
    getrusage(RUSAGE_SELF, &r);
    out[0] = 1024.0 * (double)r.ru_maxrss;
    xbar_set_threads(1);
    xbar_tile_config c = xbar_tile_config_defaults(N, N);
    c.device = xbar_device_defaults(XBAR_DEV_SOFT_BOUNDS);
    xbar_opt_params o = xbar_opt_defaults(XBAR_OPT_TIKI_TAKA);
    o.fast_lr = 1.0f;
    o.transfer_io = xbar_io_defaults();
    o.transfer_io.noise_management = XBAR_NM_NONE, o.transfer_io.bound_management = XBAR_BM_NONE;
    xbar_aw *aw = xbar_aw_new(&o, &c);
    float *X = bench_uniform((size_t)B * N, 5, 0, 1), *D = bench_uniform((size_t)B * N, 6, -0.01f, 0.01f);
    double t0 = bench_now();
    if (aw && X && D && xbar_aw_update(aw, X, D, B, 0.01f) == XBAR_OK) {
        out[2] = bench_now() - t0;
        getrusage(RUSAGE_SELF, &r);
        out[1] = 1024.0 * (double)r.ru_maxrss;
    }
    ssize_t w = write(fd, out, sizeof out);
    _exit(w == (ssize_t)sizeof out && out[1] > 0 ? 0 : 1);
}

/* Peak RSS of the child into out[0..2] (see child). @return 0 or -1. */
static int peak_rss(double out[3])
{
    int fd[2];
    if (pipe(fd)) return -1;
    fflush(stdout), fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) return close(fd[0]), close(fd[1]), -1;
    if (pid == 0) close(fd[0]), child(fd[1]);
    close(fd[1]);
    ssize_t got = 0, r;
    while (got < (ssize_t)(3 * sizeof(double)) && (r = read(fd[0], (char *)out + got, 3 * sizeof(double) - (size_t)got)) > 0)
        got += r;
    close(fd[0]);
    int st;
    waitpid(pid, &st, 0);
    return got == (ssize_t)(3 * sizeof(double)) && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

int bench_memory(bench_ctx *b)
{
    const size_t P = device_arrays(), tile = bench_tile_bytes_per_device(), pair = 2 * tile;
    cJSON *o = cJSON_AddObjectToObject(b->json, "memory");
    bench_out(b, "(6) memory\n");
    bench_out(b, "  bytes per device: tile %zu (weight 4 + %zu parameters x 4), Tiki-Taka pair %zu (2 tiles); "
                 "dense schemes add a 4-byte increment buffer when they run\n", tile, P, pair);
    cJSON_AddNumberToObject(o, "tile_bytes_per_device", (double)tile);
    cJSON_AddNumberToObject(o, "tiki_taka_bytes_per_device", (double)pair);
    cJSON_AddNumberToObject(o, "device_parameter_arrays", (double)P);
    cJSON_AddStringToObject(o, "formula", "tile = 4 * (1 weight + P device parameters); Tiki-Taka pair = 2 tiles; "
                                          "+4 per device (increment buffer) only while a dense scheme runs");
    cJSON *per = cJSON_AddObjectToObject(o, "optimizer_bytes_per_weight");
    bench_out(b, "  bytes per weight (xbar_aw_memory_bytes, 4096 x 4096, stochastic scheme):");
    for (int k = 0; k < XBAR_OPT_COUNT_; k++) {
        xbar_tile_config c = xbar_tile_config_defaults(4096, 4096);
        c.device = xbar_device_defaults(XBAR_DEV_SOFT_BOUNDS);
        const xbar_opt_params op = xbar_opt_defaults((xbar_opt_kind)k);
        const double bpw = (double)xbar_aw_memory_bytes(&op, &c) / (4096.0 * 4096.0);
        bench_out(b, " %s %.2f", xbar_opt_kind_name((xbar_opt_kind)k), bpw);
        cJSON_AddNumberToObject(per, xbar_opt_kind_name((xbar_opt_kind)k), bpw);
    }
    bench_out(b, "\n");
    if (b->quick) {
        bench_out(b, "\n");
        return 0;
    }
    double r[3];
    bench_note(b, "(6) peak RSS of a 4096x4096 Tiki-Taka pair (forked child)");
    if (peak_rss(r)) {
        bench_out(b, "  peak RSS: the child failed\n\n");
        return -1;
    }
    const double GiB = 1024.0 * 1024.0 * 1024.0;
    bench_out(b, "  4096x4096 Tiki-Taka pair, one update at batch 16 + one transfer (%.2f s): peak RSS %.2f GiB "
                 "(child at start %.1f MiB; %.2f GiB stored by formula); <= 1 GiB: %s\n\n", r[2], r[1] / GiB,
              r[0] / 1048576.0, (double)pair * 4096 * 4096 / GiB, r[1] <= GiB ? "yes" : "no");
    cJSON_AddNumberToObject(o, "tiki_taka_4096_peak_rss_bytes", r[1]);
    cJSON_AddNumberToObject(o, "child_start_rss_bytes", r[0]);
    cJSON_AddNumberToObject(o, "tiki_taka_4096_update_seconds", r[2]);
    return 0;
}
