/*
 * reproduce_lsq.h - the least-squares experiments of `xbar reproduce --full --parts tt-family`
 * (the network runs of the part are reproduce_full.c's):
 *   offset sweep  configs/tt-family/lsq-ref-offset-KIND.ini, KIND = tiki_taka, ttv2, c_ttv2,
 *                 agad: the final error f(W) - f* per spread sigma_r of the fast tile's
 *                 references (one `xbar lsq` run each, its own seed);
 *   weight        configs/tt-family/wp/wp-KIND.ini, KIND = analog_sgd, ttv2, c_ttv2, agad, over
 *   programming   n_states (dw_min = 2/n_states, on [device] and [slow_device]) x lr x seed
 *                 (device construction and pulses): w_err, the std of W - W*, per sigma_r; per
 *                 optimizer and n_states the lr with the lowest mean w_err at sigma_r = 0 is
 *                 reported for every sigma_r (tuned without offsets).
 * Each run goes into DIR/tt-family/lsq-offset/KIND or DIR/tt-family/wp/KIND-nN-lrLR-sS and is
 * skipped when its summary.json exists, so an interrupted reproduction resumes. The tables go
 * to md (markdown); the plots (w_err against n_states, a line per sigma_r, one per optimizer)
 * to DIR/tt-family-wp-KIND.png.
 */
#ifndef XBAR_CLI_REPRODUCE_LSQ_H
#define XBAR_CLI_REPRODUCE_LSQ_H

#include <stdio.h>

#include "lsq_cfg.h"

/* ---- shared by the least-squares experiments of the reproduction (here and reproduce_frontier.c) */

#define REPRO_LSQ_MAX_CURVES 8 /* curves read back from one run */

/* One curve of a finished run: its sweep value ("" for none) and two metrics. */
typedef struct {
    char value[32];
    double final_error, w_err;
} curve_res;

/** The configuration of ini with sets applied, checked as `xbar lsq --config INI --set ...` checks
 *  it. @return 0, or -1 with err naming the file, key and value. */
int repro_lsq_load(const char *ini, const char *const *sets, int nsets, lsq_cfg *c, char *err, size_t n);
/** Run ini (with sets) into out unless out/summary.json exists (a folder left by an interrupted run
 *  is replaced). @return 0, 1 (the run failed) or 2 (bad input), err set. */
int repro_lsq_run_one(const char *ini, const char *const *sets, int nsets, const char *out, char *err, size_t n);
/** The curves of a finished run, at most REPRO_LSQ_MAX_CURVES. @return their number, or -1 (err). */
int repro_lsq_read_curves(const char *out, curve_res *r, char *err, size_t n);
/** Mean and sample standard deviation (0 for k = 1) of v[0..k). */
void repro_mean_sd(const double *v, int k, double *m, double *sd);

/** Every configuration loads and expands into curves as its runs will use it (before any
 *  folder is made). @return 0, or -1 with err naming the file, key and value. */
int repro_lsq_check(char *err, size_t n);

/** The runs (seeds 1..seeds of the grid), then the tables into md and the plots into dir.
 *  Progress on stderr unless quiet. @return 0, 1 (a run failed: err) or 2 (bad input: err). */
int repro_lsq_run(const char *dir, int seeds, int quiet, FILE *md, char *err, size_t n);

#endif
