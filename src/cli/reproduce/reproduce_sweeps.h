/*
 * reproduce_sweeps.h - `xbar reproduce --full --parts frontier-mnist`: the MNIST experiments of the
 * residual-learning and symmetric-point papers (X2, X3, X4, X5, X8, X9 of docs/results.md) as the
 * sweep files of configs/sweeps/frontier/ (docs/sweep.md): every *.ini there, in name order, one per
 * experiment and algorithm, named xN-NET-ALGO[-VARIANT].ini (xN: the experiment), each an `xbar
 * train` sweep over the grid docs/results.md reports with seeds 1..3.
 *
 *   check  every file is read (with train.epochs = epochs applied to its base when epochs > 0) and
 *          every point resolved and checked (sweep_check_all: keys, layers, device, optimizer, the
 *          data's headers) before any folder is created.
 *   run    each file as `xbar sweep` runs it into DIR/frontier-mnist/STEM/ (resumable: finished
 *          points are skipped, a failed point is recorded and the rest go on), `xbar collect` on that
 *          folder (results.csv, summary.csv, plots), then one markdown table per experiment into md:
 *          per file and setting of its swept keys (the seed excepted), the last-5-epoch test accuracy
 *          (%), mean ± sample std over the seeds, and n (points done).
 * Paths are relative to the working directory (run from the source tree, as the other parts).
 */
#ifndef XBAR_CLI_REPRODUCE_SWEEPS_H
#define XBAR_CLI_REPRODUCE_SWEEPS_H

#include <stddef.h>
#include <stdio.h>

#define REPRO_SWEEPS_DIR "configs/sweeps/frontier" /* the sweep files */
#define REPRO_SWEEPS_MAX_FILES 256
#define REPRO_SWEEPS_MAX_JOBS 64 /* worker processes of one sweep (as `xbar sweep --jobs`); more are capped */

/** Read and check every point of every sweep file (epochs > 0: train.epochs = epochs on each base).
 *  @return 0, or -1 with err naming the file, point, key and value (or the folder without files). */
int repro_sweeps_check(int epochs, char *err, size_t n);

/** Run every sweep into dir/frontier-mnist/STEM/ with jobs worker processes, collect each, and write the
 *  tables into md. Progress on stderr unless quiet. A failed point is recorded in its sweep's folder,
 *  said on stderr and sets *failed; the other points still run and are tabulated.
 *  @return 0, 1 (a run or write failed otherwise) or 2 (bad input) with err. */
int repro_sweeps_run(const char *dir, int epochs, int jobs, int quiet, FILE *md, int *failed, char *err, size_t n);

#endif
