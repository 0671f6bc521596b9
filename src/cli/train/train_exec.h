/*
 * train_exec.h - run `xbar train`: the epoch loop, per-epoch checkpoints,
 * resumption, and the output directory. Shared by `xbar train` and
 * `xbar reproduce --full`.
 *
 * Files. While a run is going, OUT.run/ holds config.ini (written first),
 * checkpoint.xbc (written before the first epoch and rewritten at every epoch
 * end; the one before it is kept as checkpoint.prev.xbc, train_ckpt.h) and
 * metrics.csv (the finished epochs, replaced atomically after each
 * checkpoint). When the run finishes, OUT/ receives config.ini, metrics.csv
 * (one row per epoch), summary.json, accuracy.png and the final
 * checkpoint.xbc, all at once (see outdir.h), and OUT.run/ is removed.
 * `--resume` reloads OUT.run/config.ini and the newest usable checkpoint and
 * continues; the result is bit-identical to an uninterrupted run (same
 * metrics except timings, same final state_crc32; with train.timings = false
 * the same bytes in every file).
 *
 * Before anything is allocated, the memory of the run is estimated
 * (train_mem.h) and a run over train.memory_budget_mib is refused (2).
 *
 * Divergence. Every mini-batch, the loss and every layer's activations are
 * checked after the forward pass, and the gradients after the backward pass
 * (before the step); at every epoch end the test loss and every weight. A NaN
 * or Inf stops the run with EXIT_DIVERGED and err = "diverged at epoch E,
 * step S (batch B): loss is nan; first non-finite: layer 2 (linear 10x128)
 * activations; last good checkpoint: OUT.run/checkpoint.xbc (epoch 4)": the
 * epoch being trained is not recorded, and OUT.run/ keeps the last good
 * checkpoint and the metrics.csv of the finished epochs.
 *
 * Epoch e (0-based) uses lr * lr_gamma^floor(e / lr_step) (PyTorch StepLR)
 * and visits the training set in a permutation drawn from (seed, e), in
 * batches of `batch` (the last one may be smaller). The test set is evaluated
 * after every epoch through the analog forward (with its IO noise).
 */
#ifndef XBAR_CLI_TRAIN_EXEC_H
#define XBAR_CLI_TRAIN_EXEC_H

#include <stdint.h>

#include "train_cfg.h"

#define TRAIN_RUN_SUFFIX ".run"
#define TRAIN_CKPT "checkpoint.xbc"

/** Per-epoch history, in epoch order. */
typedef struct {
    int epochs; /* epochs recorded */
    double *train_loss, *train_acc, *test_loss, *test_acc; /* acc in percent */
    double *lr, *seconds, *samples_per_s, *pulses;
    /* pulses and events by phase (xbar_pulse_counts): 0 in the epochs of a checkpoint of
       format 2, which did not record them */
    double *grad_pulses, *transfer_pulses, *reads, *writes, *calib_pulses, *prog_events;
} train_history;

typedef struct {
    train_history h;
    double wall_s;            /* training + evaluation time of all epochs (this and earlier sessions) */
    double samples_per_s;     /* training samples per second of training time, over all epochs */
    uint32_t state_crc32;     /* crc32 of the final network state (xbar_net_save bytes) */
    char model[2048];         /* xbar_net_describe */
    size_t n_train, n_test;
} train_outcome;

typedef struct {
    int force;      /* replace an existing OUT */
    int quiet;      /* no progress line, no per-epoch lines */
    int resume;     /* continue from OUT.run/checkpoint.xbc */
    int stop_after; /* > 0: stop after this many epochs, as if interrupted (testing) */
} train_opts;

#define TRAIN_STOPPED 4 /* train_execute: stopped by stop_after (not an exit code) */

/**
 * Run c into directory out. Returns 0 (done), TRAIN_STOPPED (stopped by
 * stop_after; the checkpoint is kept), 2 for bad input (err names the key,
 * value or file; also a run over the memory budget, or --resume without a
 * usable checkpoint), 3 = EXIT_DIVERGED (err as above) or 1 for a runtime
 * failure (an allocation or a write failed). o (may be NULL) receives the
 * results; free with train_outcome_free.
 */
int train_execute(const train_cfg *c, const char *out, const train_opts *opt, train_outcome *o, char *err, size_t n);
void train_outcome_free(train_outcome *o);
/** OUT.run of out (pathname.h's path_sibling) into buf. @return 0 or -1 (too long). */
int train_run_dir(const char *out, char *buf, size_t cap);
/** Mean of the last k of n values (k > n: all); the paper reports the last 5 epochs. */
double train_tail_mean(const double *v, int n, int k);

/** OUT.run/config.ini of an interrupted run into buf (out already checked: out_check). With none, the
 *  leftovers of dead runs beside out are removed (outlock.h) when its folder exists. @return 0 or -1 (err). */
int train_run_config_path(const char *out, char *buf, size_t cap, char *err, size_t n);

#endif
