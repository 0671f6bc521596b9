/*
 * commands.h - the subcommands of the xbar program.
 *
 * Each command is `int cmd_NAME(int argc, char **argv)`, called with argv[0]
 * = the command name and the remaining arguments after it. It parses its
 * flags with args_parse (args.h), prints errors as one line
 * "xbar NAME: message" on stderr (cli_error), and returns the exit code:
 *   0  success
 *   1  runtime failure (a computation or file write failed)
 *   2  bad input (flags, config, data, a model over the memory budget, no
 *      usable checkpoint to resume from)
 *   3  training diverged (`xbar train`, `xbar reproduce --full`: a NaN or Inf
 *      in the loss, an activation or a weight; the last good checkpoint stays)
 * To add a command: declare it here and add a row to the table in main.c (its
 * --help, printed with args_usage, then appears in the manual page too).
 */
#ifndef XBAR_CLI_COMMANDS_H
#define XBAR_CLI_COMMANDS_H

enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2, EXIT_DIVERGED = 3 };

/** A row of the command table (main.c): the name, one line of help, the entry point. */
typedef struct {
    const char *name;
    const char *help;
    int (*run)(int argc, char **argv);
} cli_command;

/** The paper's least-squares experiments (cmd_lsq.c). */
int cmd_lsq(int argc, char **argv);
/** Train a network on MNIST / Fashion-MNIST (cmd_train.c). */
int cmd_train(int argc, char **argv);
/** Throughput against the machine's limits (cmd_bench.c). */
int cmd_bench(int argc, char **argv);
/** The paper's figures and tables, quick or full (cmd_reproduce.c). */
int cmd_reproduce(int argc, char **argv);
/** Data set preparation: `data mnist-json PACKAGE_DIR OUT_DIR` (cmd_data.c). */
int cmd_data(int argc, char **argv);
/** Zero-shifting calibration of one tile against the pulse count (cmd_calibrate.c). */
int cmd_calibrate(int argc, char **argv);
/** A configuration over grids of its keys, resumable, in shards (cmd_sweep.c, docs/sweep.md). */
int cmd_sweep(int argc, char **argv);
/** The tables and plots of a sweep folder (cmd_collect.c). */
int cmd_collect(int argc, char **argv);
/** A device's response curves, q+-, F, G and symmetric point (cmd_device.c, docs/device-tools.md). */
int cmd_device(int argc, char **argv);
/** Fit device models to measured conductance-vs-pulse data (cmd_fit.c, docs/device-tools.md). */
int cmd_fit(int argc, char **argv);
/** A training checkpoint's weights and optimizer state as .npy / .npz (cmd_export.c, docs/export.md). */
int cmd_export(int argc, char **argv);

#endif
