/*
 * reproduce_frontier.h - `xbar reproduce --full --parts frontier`: the offline experiments of the
 * residual-learning and symmetric-point papers that run as least-squares problems (spec
 * successors.md §11):
 *   X1  configs/frontier/x1/x1-KIND.ini, KIND = analog_sgd, tiki_taka, rl, rlv2, rider: least
 *       squares with the perturbed linear response, one curve per asymmetry c = device.resp_c;
 *       the final error f(W) - f* per c, mean ± std over seeds 1..S (lsq.seed: pulses and
 *       reads; the problem is fixed), and a plot of it against c. Then the same with the P tile's
 *       symmetric point c*tau shifted back to 0 (device.sym_point = -c*tau; W on an unshifted tile
 *       of its own with the same response; Analog SGD: its one tile shifted), one run per c, into
 *       DIR/frontier/x1-zs/KIND-cC-sS: its table and DIR/frontier-x1-zs.png.
 *   X6  in memory, seconds: 256 scalar problems (w - b)^2 on a 4-state soft-bounds device, Analog SGD
 *       and multi_tile_rl with 2, 3, 4, 6 tiles under two schedules (the spec's reading of [MT25]
 *       Fig. 7: gamma 0.1, transfers every 2*2^n, rate 0.01; [MT25] Table 1's LeNet schedule: gamma
 *       0.5, every 2*5^n, rate 0.001), seeds 1..S: the loss after 20,000 updates and its curves.
 *   X7  `xbar calibrate` runs (src/cli/calibrate): configs/frontier/x7/x7a.ini (zero-shifting on
 *       512 x 512 soft-bounds devices, error against N) and x7b.ini for dw_min = 1e-3 / 2^k, k =
 *       0..4 (the smallest N with a 1 % error of the mean), into DIR/frontier/x7/ (recomputed).
 * Each X1 run goes into DIR/frontier/x1/KIND-sS and is skipped when its summary.json exists, so an
 * interrupted reproduction resumes (X6 is recomputed). The tables go to md (markdown), the plots to
 * DIR/frontier-x1.png, DIR/frontier-x6.png (the spec's schedule) and DIR/frontier-x6-lenet.png.
 */
#ifndef XBAR_CLI_REPRODUCE_FRONTIER_H
#define XBAR_CLI_REPRODUCE_FRONTIER_H

#include <stdio.h>

/** Every configuration loads and expands into curves as its runs will use it (before any folder
 *  is made). @return 0, or -1 with err naming the file, key and value. */
int repro_frontier_check(char *err, size_t n);

/** The runs (seeds 1..seeds), then the table into md and the plot into dir. Progress on stderr
 *  unless quiet. @return 0, 1 (a run failed: err) or 2 (bad input: err). */
int repro_frontier_run(const char *dir, int seeds, int quiet, FILE *md, char *err, size_t n);

#endif
