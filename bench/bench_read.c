/* bench_read.c - part (2) of `xbar bench`: forward + backward of an N x N
 * tile through the default IO (xbar_io_defaults(): 7-bit DAC, 9-bit ADC,
 * output noise 0.06, noise and bound management) at batch B, against the
 * plain sgemm pair of the same shape (Y = X W^T and Z = D W, 4 N^2 B flops).
 * Weights ~ U(-1/sqrt(N), 1/sqrt(N)) (PyTorch's initialisation), inputs
 * ~ U(-1, 1). Sizes 256, 512, 1024, 4096 at batch 1, 16, 64 (quick: 256 and
 * 512 at batch 64). Reported: time, GFLOP/s (4 N^2 B / time), % of the sgemm
 * pair's speed, the 1 -> N thread speedup, and with --aihwkit, where the file
 * has the case "read fwd+bwd NxN bB", the speedup over aihwkit's time. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>

#include "bench_parts.h"
#include "xbar.h"

typedef struct {
    xbar_tile *t;
    int N, B;
    const float *W, *X;
    float *Y, *Z;
} read_arg;

static bench_time tile_call(void *p)
{
    read_arg *a = p;
    double t0 = bench_now();
    xbar_tile_forward(a->t, a->Y, a->X, (size_t)a->B);
    xbar_tile_backward(a->t, a->Z, a->X, (size_t)a->B);
    return (bench_time){.s = bench_now() - t0, .pulses = 0};
}

static bench_time sgemm_call(void *p)
{
    read_arg *a = p;
    openblas_set_num_threads(xbar_get_threads()); /* the machine's BLAS at full width; xbar keeps it at 1 */
    double t0 = bench_now();
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, a->B, a->N, a->N, 1, a->X, a->N, a->W, a->N, 0, a->Y, a->N);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, a->B, a->N, a->N, 1, a->X, a->N, a->W, a->N, 0, a->Z,
                a->N);
    const double dt = bench_now() - t0;
    openblas_set_num_threads(1);
    return (bench_time){.s = dt, .pulses = 0};
}

/* One row: tile and sgemm pair at each thread setting. */
static void read_case(bench_ctx *b, read_arg *a, cJSON *rows)
{
    double t[2], s[2], gf[2], pct[2];
    bench_time bt[2], bs[2];
    char tb[16], name[64], what[80];
    bench_note(b, "(2) read %dx%d, batch %d", a->N, a->N, a->B);
    for (int k = 0; k < b->nth; k++) { /* warm-up: work buffers, BLAS threads */
        xbar_set_threads(b->threads[k]);
        tile_call(a), sgemm_call(a);
    }
    bench_best_each(b, tile_call, a, bt);
    bench_best_each(b, sgemm_call, a, bs);
    for (int k = 0; k < b->nth; k++) {
        t[k] = bt[k].s, s[k] = bs[k].s;
        gf[k] = 4.0 * a->N * (double)a->N * a->B / t[k] / 1e9;
        pct[k] = 100 * s[k] / t[k];
    }
    snprintf(name, sizeof name, "read fwd+bwd %dx%d b%d", a->N, a->N, a->B);
    const bench_ref_case *ref = bench_aihwkit_find(b, name);
    bench_out(b, "  %5d %5d |", a->N, a->B);
    for (int k = 0; k < b->nth; k++) bench_out(b, " %9s %7.1f %5.0f%% |", bench_fmt_time(t[k], tb), gf[k], pct[k]);
    bench_out(b, " %6.2f", t[0] / t[b->nth - 1]);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "size", a->N);
    cJSON_AddNumberToObject(o, "batch", a->B);
    bench_json_pair(b, o, "seconds", t);
    bench_json_pair(b, o, "gflops", gf);
    bench_json_pair(b, o, "sgemm_seconds", s);
    bench_json_pair(b, o, "pct_of_sgemm", pct);
    cJSON_AddNumberToObject(o, "thread_speedup", t[0] / t[b->nth - 1]);
    if (ref) {
        snprintf(what, sizeof what, "forward+backward, default IO, %dx%d, batch %d", a->N, a->N, a->B);
        bench_aihwkit_row(b, o, ref, t, what, a->N == 512 && a->B == 64 ? ">= 2x, and >= 50% of sgemm" : "-");
    }
    bench_out(b, "\n");
    cJSON_AddItemToArray(rows, o);
}

int bench_reads(bench_ctx *b)
{
    static const int sizes[] = {256, 512, 1024, 4096}, batches[] = {1, 16, 64};
    const int nsizes = b->quick ? 2 : 4, nb = b->quick ? 1 : 3, b0 = b->quick ? 2 : 0;
    cJSON *rows = cJSON_AddArrayToObject(b->json, "read");
    bench_out(b, "(2) forward + backward, default IO (time, GFLOP/s, %% of the sgemm pair)\n");
    bench_out(b, "   size batch |");
    for (int k = 0; k < b->nth; k++) bench_out(b, " %9d thread%s         |", b->threads[k], b->threads[k] > 1 ? "s" : " ");
    bench_out(b, " speedup\n");
    for (int si = 0; si < nsizes; si++) {
        const int N = sizes[si];
        xbar_tile_config c = xbar_tile_config_defaults((size_t)N, (size_t)N);
        c.forward = c.backward = xbar_io_defaults();
        float r = 1.0f / sqrtf((float)N);
        read_arg a = {.t = xbar_tile_new(&c), .N = N};
        float *W = bench_uniform((size_t)N * N, 3, -r, r);
        a.W = W, a.X = bench_uniform((size_t)64 * N, 4, -1, 1);
        a.Y = malloc((size_t)64 * N * sizeof(float)), a.Z = malloc((size_t)64 * N * sizeof(float));
        int ok = a.t && W && a.X && a.Y && a.Z;
        if (ok) xbar_tile_set_weights(a.t, W, (size_t)N);
        for (int bi = b0; ok && bi < b0 + nb; bi++) {
            a.B = batches[bi];
            read_case(b, &a, rows);
        }
        xbar_tile_free(a.t), free(W), free((float *)a.X), free(a.Y), free(a.Z);
        if (!ok) return -1;
    }
    bench_out(b, "\n");
    return 0;
}
