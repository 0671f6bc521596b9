/* train_mem.c - memory estimate and budget of `xbar train` (see train_mem.h). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "train_data.h"
#include "train_mem.h"

/* ---- the data set's shape from its IDX headers ----------------------------- */

/* n, rows, cols of DIR/PREFIX-images-idx3-ubyte(.gz), announced counts checked against the file's size
 * (train_idx_header). @return 0 or -1 (unreadable, or implausible: train_data_load then says why). */
static int peek_images(const char *dir, const char *prefix, size_t *n, size_t *rows, size_t *cols)
{
    char path[4096], why[1024];
    snprintf(path, sizeof path, "%s/%s-images-idx3-ubyte.gz", dir, prefix);
    if (access(path, F_OK) != 0) snprintf(path, sizeof path, "%s/%s-images-idx3-ubyte", dir, prefix);
    uint32_t d[3];
    if (train_idx_header(path, 3, d, why, sizeof why)) return -1;
    *n = d[0], *rows = d[1], *cols = d[2];
    return 0;
}

int train_data_peek(const char *dir, int train_limit, int test_limit, train_data_shape *s)
{
    size_t r2, c2;
    memset(s, 0, sizeof *s);
    if (peek_images(dir, "train", &s->n_train, &s->rows, &s->cols) || peek_images(dir, "t10k", &s->n_test, &r2, &c2))
        return -1;
    if (train_limit > 0 && (size_t)train_limit < s->n_train) s->n_train = (size_t)train_limit;
    if (test_limit > 0 && (size_t)test_limit < s->n_test) s->n_test = (size_t)test_limit;
    return 0;
}

/* ---- the estimate ------------------------------------------------------------ */

const char *train_mem_human(double bytes, char *buf, size_t cap)
{
    static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    int u = 0;
    while (bytes >= 1024 && u < 6) bytes /= 1024, u++;
    if (u == 0) snprintf(buf, cap, "%.0f B", bytes);
    else snprintf(buf, cap, "%.1f %s", bytes, unit[u]);
    return buf;
}

#define PROGRAM_BYTES (16.0 * 1048576) /* the program and its libraries (measured: 12-14 MiB) */

/* Bytes of the weights of a rows x cols layer learned by s->opt: the optimizer object
 * (xbar_aw_memory_bytes), plus the gradient of float weights (train_mem.h). */
static double weight_bytes(const xbar_layer_spec *s, double rows, double cols, size_t *tiles)
{
    *tiles = xbar_opt_tiles(&s->opt);
    if (rows >= 0x1p62 || cols >= 0x1p62) return rows * cols * 64; /* beyond any allocation */
    xbar_tile_config tc = s->tile;
    tc.rows = (size_t)rows, tc.cols = (size_t)cols;
    const size_t b = xbar_aw_memory_bytes(&s->opt, &tc);
    if (b == SIZE_MAX) return rows * cols * 64;
    return (double)b + (*tiles ? 0 : rows * cols * 4);
}

double train_mem_estimate(const train_cfg *c, const xbar_layer_spec *specs, int nl, const train_data_shape *d,
                          int *big, char *desc, size_t cap)
{
    /* forward buffers hold max(batch, eval_batch) samples, backward ones are touched for batch only */
    const double Bt = c->batch, B = c->batch > c->eval_batch ? c->batch : c->eval_batch;
    const double pix = (double)d->rows * (double)d->cols;
    double C = 1, H = (double)d->rows, W = (double)d->cols, weights = 0, largest = 0, max_nw = 0;
    double work = B * pix * 4; /* the network's copy of the input batch */
    *big = -1;
    if (cap) desc[0] = 0;
    for (int l = 0; l < nl; l++) {
        const xbar_layer_spec *s = &specs[l];
        const double k = (double)s->kernel, p = (double)s->padding, st = (double)s->stride;
        double oc = C, oh = H, ow = W, rows = 0, cols = 0, P = 1;
        if (s->kind == XBAR_LAYER_LINEAR) {
            oc = (double)s->out, oh = ow = 1, rows = oc, cols = C * H * W;
        } else if (s->kind == XBAR_LAYER_CONV2D) {
            if (st < 1 || H + 2 * p < k || W + 2 * p < k) break;
            oc = (double)s->out, oh = (double)(size_t)((H + 2 * p - k) / st) + 1;
            ow = (double)(size_t)((W + 2 * p - k) / st) + 1;
            rows = oc, cols = C * k * k, P = oh * ow;
        } else if (s->kind == XBAR_LAYER_MAXPOOL) {
            if (k < 1 || H < k || W < k) break;
            oh = (double)(size_t)(H / k), ow = (double)(size_t)(W / k);
        }
        const double out = oc * oh * ow;
        work += B * out * (s->kind == XBAR_LAYER_MAXPOOL ? 8 : 4) + Bt * out * 4; /* output (, argmax); gradient */
        if (rows > 0) {
            size_t tiles;
            const double nw = rows * cols, lw = weight_bytes(s, rows, cols, &tiles) + rows * 16;
            work += (B + Bt) * P * rows * 4;                                  /* products; tile gradients */
            if (s->kind == XBAR_LAYER_CONV2D) work += (B + Bt) * P * cols * 4; /* im2col rows; W^T d */
            if (tiles) work += (B + Bt) * P * (rows + cols) * 4; /* the tile reads' IO work space (io.c) */
            weights += lw;
            if (nw > max_nw) max_nw = nw;
            if (lw > largest) {
                char h[32], tl[32] = "";
                if (tiles > 1) snprintf(tl, sizeof tl, " (%zu tiles)", tiles);
                largest = lw;
                *big = l;
                snprintf(desc, cap, "layer %d: %s %.0f x %.0f, %s%s, %s", l, xbar_layer_kind_name(s->kind), rows, cols,
                         xbar_opt_kind_name(s->opt.kind), tl, train_mem_human(lw, h, sizeof h));
            }
        }
        C = oc, H = oh, W = ow;
    }
    const double nmax = d->n_train > d->n_test ? (double)d->n_train : (double)d->n_test;
    const double data = ((double)d->n_train + (double)d->n_test) * (pix * 4 + 1) + nmax * pix /* raw bytes */ +
                        (double)d->n_train * 8 /* permutation */ + (double)c->batch * (pix * 4 + 1);
    return PROGRAM_BYTES + weights + 4 * max_nw + work + data;
}

/* ---- the budget -------------------------------------------------------------- */

double train_mem_budget(const train_cfg *c, const char **source)
{
    if (c->memory_budget_mib) {
        *source = "train.memory_budget_mib";
        return (double)c->memory_budget_mib * 1048576.0;
    }
    FILE *f = fopen("/proc/meminfo", "r");
    char line[256];
    unsigned long long kb = 0;
    int found = 0;
    while (f && !found && fgets(line, sizeof line, f)) found = sscanf(line, "MemAvailable: %llu kB", &kb) == 1;
    if (f) fclose(f);
    if (found) {
        *source = "MemAvailable";
        return (double)kb * 1024.0;
    }
    long pages = sysconf(_SC_AVPHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    *source = "free physical memory";
    return pages > 0 && size > 0 ? (double)pages * (double)size : 0;
}

int train_mem_check(const train_cfg *c, const xbar_layer_spec *specs, int nl, const train_data_shape *d,
                    double *need_out, double *budget_out, const char **source_out, char *err, size_t n)
{
    const char *source;
    const double budget = train_mem_budget(c, &source);
    int big;
    char desc[256], need[32], have[32];
    const double bytes = train_mem_estimate(c, specs, nl, d, &big, desc, sizeof desc);
    if (need_out) *need_out = bytes;
    if (budget_out) *budget_out = budget;
    if (source_out) *source_out = source;
    if (budget <= 0 || bytes <= budget) return 0;
    snprintf(err, n, "model.layers = '%s': needs about %s (%s), budget %s (%s); set train.memory_budget_mib to "
             "change it", c->layers, train_mem_human(bytes, need, sizeof need), big >= 0 ? desc : "mostly data",
             train_mem_human(budget, have, sizeof have), source);
    return -1;
}
