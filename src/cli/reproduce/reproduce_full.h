/*
 * reproduce_full.h - `xbar reproduce --full`: the paper's Figure 5 table.
 * Runs every configs/paper/ configuration for `seeds` seeds (1..seeds): the
 * FCN and CNN on MNIST (8k/2k) and the FCN on Fashion-MNIST (60k/10k), each
 * run into DIR/<set>/<config>-s<seed>/ (a finished run is kept and skipped
 * when the command is started again, so an interrupted reproduction resumes).
 * Then it writes DIR/table.md and prints the table: per configuration the
 * mean over the last 5 epochs of the per-epoch mean test accuracy over seeds,
 * ± the mean over those epochs of the per-epoch std over seeds (the paper's
 * statistic), wall time and samples/s, and checks the paper's claims.
 * With jobs > 1, that many runs go at once, each in a child process (each
 * run is serial unless --threads is given). The part tt-family also runs its
 * least-squares experiments (reproduce_lsq.h) after its network runs; frontier
 * runs reproduce_frontier.h's, frontier-mnist the sweep files of
 * configs/sweeps/frontier (reproduce_sweeps.h: jobs = each sweep's workers).
 */
#ifndef XBAR_CLI_REPRODUCE_FULL_H
#define XBAR_CLI_REPRODUCE_FULL_H

#include "args.h"

#define REPRO_MAX_EPOCHS 1000 /* --epochs in [1, REPRO_MAX_EPOCHS] */
#define REPRO_MAX_SEEDS 10    /* --seeds in [1, REPRO_MAX_SEEDS] */
#define REPRO_MAX_JOBS 256    /* --jobs in [1, REPRO_MAX_JOBS] */

typedef struct {
    int epochs;          /* epochs per run, 1..REPRO_MAX_EPOCHS (0: the configs' own, 80) */
    int seeds;           /* runs per configuration */
    int jobs;            /* runs at a time, each in its own process (results do not depend on it) */
    const char *parts;   /* comma list of mnist-fcn, mnist-cnn, fashion-fcn, tt-family, frontier, frontier-mnist */
    const char *configs; /* folder of the paper's configs */
    const char *out;     /* the output folder without --out */
} full_opts;

/** Returns the exit code (0 all claims hold, 1 a run failed or a claim fails, 2 bad input: the options, or a
 *  configuration file that does not load or check (every one is checked before the first run), 3 a run diverged). */
int reproduce_full(const cli_args *a, const full_opts *f);

#endif
