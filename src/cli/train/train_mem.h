/*
 * train_mem.h - the memory `xbar train` needs, estimated from the
 * configuration and the IDX headers before anything large is allocated, and
 * the budget it must fit (train.memory_budget_mib; 0 = MemAvailable).
 *
 * The estimate counts, per LINEAR / CONV2D layer of rows x cols weights, the
 * optimizer object as the library sizes it (xbar_aw_memory_bytes: for
 * today's optimizers digital 4 bytes per weight, analog_sgd 28 (one tile:
 * weight + 6 per-device parameters) +4 with a dense update scheme (expected,
 * count: the increment buffer), tiki_taka 56 (tiles A and C) +4 per tile
 * written by a dense scheme), plus the gradient of float weights (4 bytes per
 * weight) and 4 bytes per weight of the largest layer while it is initialised; the
 * work space (src/nn/nn.c `ensure`): the forward buffers (every layer's output,
 * im2col rows, tile products, the analog reads' IO buffers) of
 * max(train.batch, train.eval_batch) samples and the backward ones
 * (gradients, backward reads) of train.batch samples; the data (raw
 * bytes and float pixels of both splits, the permutation); and 16 MiB for the
 * program and its libraries. Work space proportional to rows + cols per
 * sample (bit streams) is left out: it is small next to the weights.
 * Checkpoints are streamed to and from their files: they add no copy of the
 * state. Measured against peak RSS (docs/reliability.md): 2-10 % above it for
 * models of 200 MiB and more, up to 45 % above it for small runs.
 */
#ifndef XBAR_CLI_TRAIN_MEM_H
#define XBAR_CLI_TRAIN_MEM_H

#include <stddef.h>

#include "train_cfg.h"

/** Sample counts (after train_limit / test_limit) and image size. */
typedef struct {
    size_t n_train, n_test, rows, cols;
} train_data_shape;

/**
 * The shape of the data set in dir from its IDX headers (the same files
 * train_data_load reads; no pixel is read). @return 0, or -1 when a file is
 * missing, its header is malformed or announces more images than the file
 * can hold (train_idx_header; train_data_load then says which, naming the
 * data file, so that a lying header is never blamed on the model's memory).
 */
int train_data_peek(const char *dir, int train_limit, int test_limit, train_data_shape *s);

/** Bytes as "7.3 TiB", "512 B" (binary units, one decimal) into buf. */
const char *train_mem_human(double bytes, char *buf, size_t cap);

/**
 * Estimated peak bytes of training c (layers `specs`, nl of them) on data d.
 * *big receives the index of the layer with the most weight memory (-1 if
 * none) and desc its line, e.g. "layer 1: linear 1000000 x 1000000,
 * tiki_taka (2 tiles), 50.9 TiB". Layers whose shape does not fit end the
 * count (xbar_net_new reports them).
 */
double train_mem_estimate(const train_cfg *c, const xbar_layer_spec *specs, int nl, const train_data_shape *d,
                          int *big, char *desc, size_t cap);

/**
 * The budget in bytes: train.memory_budget_mib MiB, or when it is 0 the
 * machine's MemAvailable (/proc/meminfo; else free physical pages); 0 if
 * neither is known (then nothing is refused). *source names it.
 */
double train_mem_budget(const train_cfg *c, const char **source);

/**
 * Refuse c when its estimate exceeds the budget. *need and *budget (bytes)
 * and *source (may all be NULL) receive the figures. @return 0, or -1 with
 * err = "model.layers = '...': needs about 54.6 TiB (layer 1: linear 1000000
 * x 1000000, ...), budget 20.1 GiB (MemAvailable); set
 * train.memory_budget_mib to change it".
 */
int train_mem_check(const train_cfg *c, const xbar_layer_spec *specs, int nl, const train_data_shape *d,
                    double *need, double *budget, const char **source, char *err, size_t n);

#endif
