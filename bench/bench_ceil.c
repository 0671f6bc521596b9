/* bench_ceil.c - part (1) of `xbar bench`: this machine's own ceilings, at
 * each thread setting: sgemm GFLOP/s through the BLAS xbar links (one
 * 256 x 1024 by 1024 x 1024 product, 2*256*1024^2 flops), memory-copy
 * bandwidth (memcpy of a 64 MiB buffer split over the threads, read + write
 * bytes counted, as STREAM's copy), and normal variates per second of xbar's
 * fast generator xbar_rng_znormal_fill (the one the hot loops use) and of
 * the Box-Muller xbar_rng_normal_fill (2^22 normals split over the threads).
 * Parts (3) use the copy bandwidth and the fast normal rate for the time a
 * perfect implementation would need. */
#include <cblas.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h" /* xbar_rng_znormal_fill: the bench target sees src/core */
#include "bench_parts.h"

typedef struct {
    int nt;
    size_t n;           /* bytes (copy) or normals (fill) */
    char *src, *dst;
    float *z;
    int fast;           /* fill: 1 znormal, 0 Box-Muller */
    const float *W, *X; /* sgemm */
    float *Y;
} ceil_arg;

static void copy_part(void *p, int k, int nt)
{
    ceil_arg *a = p;
    size_t lo = a->n * (size_t)k / (size_t)nt, hi = a->n * (size_t)(k + 1) / (size_t)nt;
    memcpy(a->dst + lo, a->src + lo, hi - lo);
}

static bench_time copy_call(void *p)
{
    ceil_arg *a = p;
    double t0 = bench_now();
    bench_parallel(a->nt, copy_part, a);
    return (bench_time){.s = bench_now() - t0, .pulses = 0};
}

static void fill_part(void *p, int k, int nt)
{
    ceil_arg *a = p;
    size_t blocks = a->n / 4, lo = blocks * (size_t)k / (size_t)nt, hi = blocks * (size_t)(k + 1) / (size_t)nt;
    if (a->fast) xbar_rng_znormal_fill(a->z + 4 * lo, 4 * (hi - lo), 1, 2, lo);
    else xbar_rng_normal_fill(a->z + 4 * lo, 4 * (hi - lo), 1, 2, lo);
}

static bench_time fill_call(void *p)
{
    ceil_arg *a = p;
    double t0 = bench_now();
    bench_parallel(a->nt, fill_part, a);
    return (bench_time){.s = bench_now() - t0, .pulses = 0};
}

enum { GEMM_N = 1024, GEMM_B = 256 };

static bench_time sgemm_call(void *p)
{
    ceil_arg *a = p;
    openblas_set_num_threads(xbar_get_threads()); /* the machine's BLAS at full width; xbar keeps it at 1 */
    double t0 = bench_now();
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, GEMM_B, GEMM_N, GEMM_N, 1, a->X, GEMM_N, a->W, GEMM_N, 0,
                a->Y, GEMM_N);
    const double dt = bench_now() - t0;
    openblas_set_num_threads(1);
    return (bench_time){.s = dt, .pulses = 0};
}

int bench_ceilings(bench_ctx *b)
{
    ceil_arg a = {.n = (size_t)64 << 20};
    a.src = malloc(a.n), a.dst = malloc(a.n);
    a.z = malloc(((size_t)1 << 22) * sizeof(float));
    a.W = bench_uniform((size_t)GEMM_N * GEMM_N, 1, -1, 1), a.X = bench_uniform((size_t)GEMM_B * GEMM_N, 2, -1, 1);
    a.Y = malloc((size_t)GEMM_B * GEMM_N * sizeof(float));
    int ok = a.src && a.dst && a.z && a.W && a.X && a.Y;
    if (ok) memset(a.src, 1, a.n), memset(a.dst, 2, a.n); /* page faults out of the timing */
    for (int k = 0; ok && k < b->nth; k++) {
        a.nt = b->threads[k];
        xbar_set_threads(a.nt);
        bench_note(b, "(1) ceilings, %d thread(s)", a.nt);
        a.n = (size_t)64 << 20;
        b->copy_GBps[k] = 2.0 * (double)a.n / bench_best(b, copy_call, &a).s / 1e9;
        a.n = (size_t)1 << 22;
        a.fast = 1;
        b->znormals_per_s[k] = (double)a.n / bench_best(b, fill_call, &a).s;
        a.fast = 0;
        b->normals_per_s[k] = (double)a.n / bench_best(b, fill_call, &a).s;
        sgemm_call(&a); /* warm-up: BLAS threads and buffers */
        b->sgemm_gflops[k] = 2.0 * GEMM_B * GEMM_N * (double)GEMM_N / bench_best(b, sgemm_call, &a).s / 1e9;
    }
    free(a.src), free(a.dst), free(a.z), free((float *)a.W), free((float *)a.X), free(a.Y);
    if (!ok) return -1;

    bench_out(b, "(1) ceilings of this machine            ");
    for (int k = 0; k < b->nth; k++) bench_out(b, "  %9d thread%s", b->threads[k], b->threads[k] > 1 ? "s" : " ");
    bench_out(b, "\n");
    const char *names[4] = {"sgemm 1024x1024, batch 256, GFLOP/s", "memory copy (read + write), GB/s",
                            "normals/s, xbar_rng_znormal_fill (fast)", "normals/s, xbar_rng_normal_fill"};
    const double *vals[4] = {b->sgemm_gflops, b->copy_GBps, b->znormals_per_s, b->normals_per_s};
    cJSON *o = cJSON_AddObjectToObject(b->json, "ceilings");
    const char *keys[4] = {"sgemm_gflops", "copy_GBps", "znormals_per_s", "normals_per_s"};
    for (int r = 0; r < 4; r++) {
        bench_out(b, "  %-38s", names[r]);
        for (int k = 0; k < b->nth; k++) bench_out(b, "  %16.4g", vals[r][k]);
        bench_out(b, "\n");
        bench_json_pair(b, o, keys[r], vals[r]);
    }
    bench_out(b, "\n");
    return 0;
}
