/*
 * collect.h - `xbar collect DIR`: the results of a sweep folder (sweep_run.h) as tables and
 * plots (docs/sweep.md).
 *
 *   results.csv  one row per point: index, folder, status (done, failed, pending), the swept
 *                keys' values as written, then the metrics (empty unless done):
 *                  train  final_test_acc, last5_test_acc, final_train_loss, pulses, wall_s
 *                  lsq    final_error.CURVE for each curve (blanks as '_'), pulses, seconds
 *                (wall_s / seconds only when sweep.timings is true: then reruns give the same bytes)
 *   summary.csv  one row per setting of the swept keys other than the seed, in order of first
 *                appearance: those keys, n (points done), then per metric MEAN, STD (sample
 *                standard deviation, n - 1; empty for n < 2) and N (points with the metric);
 *                train adds the paper's statistic (that of `xbar reproduce --full`): per epoch
 *                the mean and the sample std of test accuracy (%) over the setting's done points
 *                (summary.json test_acc; the epochs all of them have), then
 *                  paper_acc_mean  the mean of the per-epoch means over the last 5 epochs
 *                  paper_acc_std   the mean of the per-epoch stds over those epochs (empty for
 *                                  n < 2)
 *                (paper_acc_mean is last5_test_acc_mean when the points have the same epochs;
 *                paper_acc_std is the paper's ±, not the std of the seeds' last-5 means)
 *   plot-METRIC-vs-KEY.png  the main metric (train: last5_test_acc; lsq: final_error, log y) against
 *                each swept numeric key, mean over seeds: one line per setting of the other keys
 *                (lsq: and per curve), legend outside the data
 *   --target-loss L  train: results.csv / summary.csv gain epochs_to_target (the first epoch whose
 *                metrics.csv train_loss is <= L) and pulses_to_target (the pulses of the epochs up
 *                to it); empty when never reached
 *   curves.png   with --curves I,J,...: the learning curves of those points overlaid (train: test
 *                accuracy per epoch; lsq: the loss of every curve per iteration)
 * Files are written as PATH.tmp-PID and renamed, so a reader sees a whole table.
 */
#ifndef XBAR_CLI_COLLECT_H
#define XBAR_CLI_COLLECT_H

#include <stddef.h>

#define COLLECT_MAX_CURVES 64 /* points in --curves */

typedef struct {
    const char *dir;    /* the sweep folder */
    const char *out;    /* where the files go (dir if NULL; created with its parents) */
    int ncurves;
    long curves[COLLECT_MAX_CURVES]; /* point indices of --curves */
    double target_loss; /* train: > 0 adds epochs_to_target and pulses_to_target (--target-loss) */
    int quiet;
} collect_opts;

/** @return 0, 1 (a write failed) or 2 (bad input: err names DIR, the file or the --curves value). */
int collect_run(const collect_opts *o, char *err, size_t n);

#endif
