/* train_data.c - find and load the IDX files of a data set. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "train_data.h"
#include "xbar.h"

/* DIR/stem.gz if it exists, else DIR/stem if it exists, else "" (missing). */
static void find_file(char *path, size_t cap, const char *dir, const char *stem)
{
    snprintf(path, cap, "%s/%s.gz", dir, stem);
    if (access(path, F_OK) == 0) return;
    snprintf(path, cap, "%s/%s", dir, stem);
    if (access(path, F_OK) == 0) return;
    path[0] = 0;
}

static int load_split(train_split *s, const char *dir, const char *prefix, int limit, char *err, size_t n)
{
    char img[4096], lab[4096], stem[64];
    snprintf(stem, sizeof stem, "%s-images-idx3-ubyte", prefix);
    find_file(img, sizeof img, dir, stem);
    if (!img[0]) {
        snprintf(err, n, "data: %s/%s.gz not found (install the data sets with: bash scripts/data.sh)", dir, stem);
        return -1;
    }
    snprintf(stem, sizeof stem, "%s-labels-idx1-ubyte", prefix);
    find_file(lab, sizeof lab, dir, stem);
    if (!lab[0]) {
        snprintf(err, n, "data: %s/%s.gz not found (install the data sets with: bash scripts/data.sh)", dir, stem);
        return -1;
    }
    xbar_idx_set raw;
    if (xbar_idx_load(&raw, img, lab, 10) != XBAR_OK) {
        snprintf(err, n, "data: %s", xbar_last_error());
        return -1;
    }
    size_t count = limit > 0 && (size_t)limit < raw.n ? (size_t)limit : raw.n, pix = raw.rows * raw.cols;
    s->n = count;
    s->rows = raw.rows;
    s->cols = raw.cols;
    s->x = malloc(count * pix * sizeof(float));
    s->y = malloc(count ? count : 1);
    if (!s->x || !s->y) {
        xbar_idx_free(&raw);
        train_split_free(s);
        snprintf(err, n, "data: out of memory for %zu images", count);
        return -1;
    }
    for (size_t k = 0; k < count * pix; k++) s->x[k] = raw.images[k] / 255.0f;
    memcpy(s->y, raw.labels, count);
    xbar_idx_free(&raw);
    return 0;
}

int train_data_load(train_split *train, train_split *test, const char *dir, int train_limit, int test_limit,
                    char *err, size_t n)
{
    memset(train, 0, sizeof *train);
    memset(test, 0, sizeof *test);
    if (load_split(train, dir, "train", train_limit, err, n)) return -1;
    if (load_split(test, dir, "t10k", test_limit, err, n)) {
        train_split_free(train);
        return -1;
    }
    if (train->rows != test->rows || train->cols != test->cols || train->n == 0 || test->n == 0) {
        snprintf(err, n, "data: %s: training images are %zux%zu (%zu), test images %zux%zu (%zu)", dir, train->rows,
                 train->cols, train->n, test->rows, test->cols, test->n);
        train_split_free(train);
        train_split_free(test);
        return -1;
    }
    return 0;
}

void train_split_free(train_split *s)
{
    free(s->x);
    free(s->y);
    memset(s, 0, sizeof *s);
}
