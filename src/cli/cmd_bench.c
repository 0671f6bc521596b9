/* cmd_bench.c - `xbar bench`: throughput against this machine's own limits,
 * measured in one run (ratios, not absolute times, are what to compare across
 * machines). Parts: (1) ceilings: sgemm GFLOP/s through the linked BLAS,
 * memory-copy bandwidth, xbar's normal-variate rate; (2) tile forward +
 * backward with the default (aihwkit 0.9.0) IO as % of the plain sgemm pair;
 * (3) one stochastic pulsed update (BL 31, update management) in the dense and
 * the MNIST-like regime of docs/performance.md, pulses per second. Threads:
 * 1 and --threads N (default 2). Writes DIR/bench.json (default out/bench). */
#define _POSIX_C_SOURCE 200809L
#include <cblas.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "args.h"
#include "commands.h"
#include "jsonout.h"
#include "outdir.h"
#include "xbar.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static float *uniform(size_t n, uint64_t stream, float lo, float hi)
{
    float *v = malloc(n * sizeof(float));
    if (v) xbar_rng_uniform_fill(v, n, 7, stream, 0);
    for (size_t k = 0; v && k < n; k++) v[k] = lo + (hi - lo) * v[k];
    return v;
}

/* Seconds per call of the sgemm pair forward (B x N x N) + backward. */
static double sgemm_pair(size_t N, size_t B, int reps)
{
    float *W = uniform(N * N, 1, -0.1f, 0.1f), *X = uniform(B * N, 2, -1, 1), *Y = malloc(B * N * sizeof(float));
    double t0 = now();
    for (int r = 0; r < reps; r++) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)B, (int)N, (int)N, 1, X, (int)N, W, (int)N, 0, Y, (int)N);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)B, (int)N, (int)N, 1, X, (int)N, W, (int)N, 0, Y, (int)N);
    }
    double dt = (now() - t0) / reps;
    free(W), free(X), free(Y);
    return dt;
}

static double copy_bandwidth(void)
{
    size_t n = (size_t)64 << 20;
    char *a = malloc(n), *b = malloc(n);
    memset(a, 1, n), memset(b, 2, n);
    double t0 = now();
    for (int r = 0; r < 5; r++) memcpy(b, a, n), a[r] = b[n - 1 - r];
    double gbs = 5.0 * 2.0 * (double)n / (now() - t0) / 1e9; /* read + write */
    free(a), free(b);
    return gbs;
}

static double normal_rate(void)
{
    size_t n = 1 << 22;
    float *z = malloc(n * sizeof(float));
    double t0 = now();
    xbar_rng_normal_fill(z, n, 1, 2, 0);
    double rate = (double)n / (now() - t0);
    free(z);
    return rate;
}

static xbar_tile *bench_tile(size_t N, int soft)
{
    xbar_tile_config c = xbar_tile_config_defaults(N, N);
    c.device = soft ? xbar_device_defaults(XBAR_DEV_SOFT_BOUNDS) : xbar_device_ideal(XBAR_DEV_CONSTANT_STEP);
    if (!soft) c.device.w_max = 1, c.device.w_min = -1;
    return xbar_tile_new(&c);
}

static double read_pair(size_t N, size_t B, int reps)
{
    xbar_tile *t = bench_tile(N, 0);
    float *W = uniform(N * N, 1, -0.1f, 0.1f), *X = uniform(B * N, 2, -1, 1), *Y = malloc(B * N * sizeof(float));
    xbar_tile_set_weights(t, W, N);
    double t0 = now();
    for (int r = 0; r < reps; r++) xbar_tile_forward(t, Y, X, B), xbar_tile_backward(t, Y, X, B);
    double dt = (now() - t0) / reps;
    xbar_tile_free(t), free(W), free(X), free(Y);
    return dt;
}

/* One update: seconds and pulses. dense: lr 0.1, x, d ~ U(-1,1); else lr 0.01, x ~ U(0,1), d ~ U(+-0.01). */
static double update_once(size_t N, size_t B, int dense, int soft, double *pulses)
{
    xbar_tile *t = bench_tile(N, soft);
    float *X = dense ? uniform(B * N, 3, -1, 1) : uniform(B * N, 3, 0, 1);
    float *D = dense ? uniform(B * N, 4, -1, 1) : uniform(B * N, 4, -0.01f, 0.01f);
    float lr = dense ? 0.1f : 0.01f;
    uint64_t p0 = xbar_tile_pulse_count(t);
    double t0 = now();
    xbar_tile_update(t, X, D, B, lr);
    double dt = now() - t0;
    *pulses = (double)(xbar_tile_pulse_count(t) - p0);
    xbar_tile_free(t), free(X), free(D);
    return dt;
}

int cmd_bench(int argc, char **argv)
{
    int quick = 0;
    const arg_extra extra[] = {{"quick", ARG_FLAG, &quick, NULL, "256 and 512 only, MNIST-like regime and constant step only"},
                               {NULL, 0, NULL, NULL, NULL}};
    cli_args a;
    char err[1024];
    if (args_parse(&a, "bench", argc, argv, extra, err, sizeof err)) return cli_error("bench", "%s", err), EXIT_USAGE;
    if (a.help)
        return args_usage(stdout, "bench", "Measure xbar against this machine's limits (docs/performance.md).", extra,
                          NULL, NULL),
               EXIT_OK;
    int nt = a.threads > 0 ? a.threads : 2;
    const char *dir = a.out ? a.out : "out/bench";
    mkdir("out", 0777);
    out_ctx od;
    if (out_begin(dir, a.force, &od, err, sizeof err)) return cli_error("bench", "%s", err), EXIT_USAGE;
    cJSON *js = json_summary_new("bench");
    static const size_t sizes[] = {256, 512, 1024};
    const int nsizes = quick ? 2 : 3;
    xbar_set_threads(1);
    double bw = copy_bandwidth(), nr = normal_rate();
    printf("memory copy %.1f GB/s; xbar normals %.3g /s (1 thread)\n", bw, nr);
    cJSON_AddNumberToObject(js, "copy_GBps", bw);
    cJSON_AddNumberToObject(js, "normals_per_s", nr);
    cJSON *rows = cJSON_AddArrayToObject(js, "cases");
    printf("%-8s %-7s %-40s %12s %12s %10s\n", "threads", "size", "case", "time", "rate", "ratio");
    for (int th = 1; th <= nt; th += nt > 1 ? nt - 1 : 1) {
        xbar_set_threads(th);
        for (int si = 0; si < nsizes; si++) {
            size_t N = sizes[si], B = 64;
            double s = sgemm_pair(N, B, 20), r = read_pair(N, B, 20);
            double gf = 2.0 * 2.0 * (double)N * (double)N * (double)B / s / 1e9;
            printf("%-8d %-7zu %-40s %10.2f ms %8.1f GF/s %9.0f%%\n", th, N, "forward+backward, default IO, B 64",
                   r * 1e3, gf * s / r, 100 * s / r);
            cJSON *o = cJSON_CreateObject();
            cJSON_AddNumberToObject(o, "threads", th), cJSON_AddNumberToObject(o, "size", (double)N);
            cJSON_AddStringToObject(o, "case", "read_default_io_b64");
            cJSON_AddNumberToObject(o, "seconds", r), cJSON_AddNumberToObject(o, "sgemm_seconds", s);
            cJSON_AddItemToArray(rows, o);
            for (int dense = quick ? 0 : 1; dense >= 0; dense--)
                for (int soft = 0; soft <= (quick ? 0 : 1); soft++) {
                    double p, u = update_once(N, B, dense, soft, &p);
                    char name[64];
                    snprintf(name, sizeof name, "update %s, %s, B 64", dense ? "dense" : "mnist-like",
                             soft ? "soft bounds c2c" : "constant step");
                    printf("%-8d %-7zu %-40s %10.1f ms %8.3g p/s %9.1f ns/p\n", th, N, name, u * 1e3, p / u,
                           p > 0 ? u / p * 1e9 : 0.0);
                    o = cJSON_CreateObject();
                    cJSON_AddNumberToObject(o, "threads", th), cJSON_AddNumberToObject(o, "size", (double)N);
                    cJSON_AddStringToObject(o, "case", name);
                    cJSON_AddNumberToObject(o, "seconds", u), cJSON_AddNumberToObject(o, "pulses", p);
                    cJSON_AddItemToArray(rows, o);
                }
        }
        if (nt == 1) break;
    }
    int rc = json_write_file(js, out_path(&od, "bench.json"), err, sizeof err);
    cJSON_Delete(js);
    if (rc || out_commit(&od, err, sizeof err)) {
        out_abort(&od);
        return cli_error("bench", "%s", err), EXIT_RUNTIME;
    }
    printf("wrote %s/bench.json\n", dir);
    return EXIT_OK;
}
