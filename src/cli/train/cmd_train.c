/* cmd_train.c - `xbar train`: a network on MNIST or Fashion-MNIST with digital
 * SGD, Analog SGD or Tiki-Taka on simulated crossbar tiles. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "outlock.h"
#include "train_exec.h"

static const char summary[] =
    "Train a network (default: the paper's FCN 784-256-128-10 on MNIST with Tiki-Taka on a soft-bounds\n"
    "device, tau = 0.78, aihwkit 0.9.0 IO and update defaults). Order of precedence: defaults, --config,\n"
    "--set (in order), --seed. Writes DIR/config.ini, metrics.csv (per epoch), summary.json, accuracy.png\n"
    "and checkpoint.xbc (default DIR: out/train). While running, DIR.run/ holds a checkpoint written at\n"
    "every epoch end (and the one before it); --resume continues an interrupted run from the newest one\n"
    "that is intact, bit-identically. A model whose estimated memory exceeds train.memory_budget_mib is\n"
    "refused before anything is allocated. The paper's runs are in configs/paper/. Data: bash scripts/data.sh.\n"
    "Exit codes: 0 done, 1 runtime failure (a write or an allocation failed), 2 bad input (flags, config,\n"
    "data, over the memory budget, no usable checkpoint to resume), 3 diverged (a NaN or Inf in the loss,\n"
    "an activation, a gradient or a weight: the message names the epoch, step and layer; DIR.run/ keeps\n"
    "the last good checkpoint and the metrics of the finished epochs).";

/* --stop-after N: an integer in [1, train.epochs - 1] (an epoch before the last). */
static int stop_after_value(const char *s, int epochs, int *out)
{
    if (!s) return *out = 0, 0; /* not given */
    char *end;
    errno = 0;
    const long v = strtol(s, &end, 10);
    if (end == s || *end || errno == ERANGE)
        return cli_error("train", "--stop-after %s: not an integer (must be in [1, train.epochs - 1])", s), -1;
    if (epochs < 2)
        return cli_error("train", "--stop-after %s: must be in [1, train.epochs - 1], and train.epochs = %d leaves no "
                         "epoch to stop after", s, epochs), -1;
    if (v < 1 || v >= epochs)
        return cli_error("train", "--stop-after %s: must be in [1, %d] (an epoch before the last of train.epochs = %d)",
                         s, epochs - 1, epochs), -1;
    *out = (int)v;
    return 0;
}

int cmd_train(int argc, char **argv)
{
    int resume = 0, stop_after = 0;
    const char *stop_arg = NULL; /* NULL: --stop-after not given */
    const arg_extra extra[] = {
        {"resume", ARG_FLAG, &resume, NULL, "continue the interrupted run in DIR.run (no --config / --set)"},
        {"stop-after", ARG_STRING, &stop_arg, "N",
         "stop after epoch N, 1 <= N < train.epochs, as if interrupted (for testing --resume)"},
        {NULL, 0, NULL, NULL, NULL}};
    cli_args a;
    char err[1024];
    train_cfg c = train_cfg_defaults();
    if (args_parse(&a, "train", argc, argv, extra, err, sizeof err)) return cli_error("train", "%s", err), EXIT_USAGE;
    if (a.help) return args_usage(stdout, "train", summary, extra, train_keys(), &c), EXIT_OK;
    if (a.out && out_check(a.out, OUT_MAY_EXIST, err, sizeof err)) return cli_error("train", "%s", err), EXIT_USAGE;
    char outbuf[OUT_PATH_MAX];
    snprintf(outbuf, sizeof outbuf, "%s", a.out ? a.out : "out/train");
    for (size_t len = strlen(outbuf); len > 1 && outbuf[len - 1] == '/'; len--) outbuf[len - 1] = 0;
    const char *out = outbuf;
    char resumed[4096 + 32];
    if (resume) {
        if (a.config || a.nsets || a.seed_set || a.force) {
            cli_error("train", "--resume takes the configuration of the interrupted run: drop --config, --set, --seed and --force");
            return EXIT_USAGE;
        }
        if (train_run_config_path(out, resumed, sizeof resumed, err, sizeof err)) return cli_error("train", "%s", err), EXIT_USAGE;
        a.config = resumed;
    }
    if (args_apply_config(&a, train_keys(), &c, err, sizeof err)) return cli_error("train", "%s", err), EXIT_USAGE;
    /* resumed: the run's own resolved configuration, checked when it started */
    if (!resume && train_cfg_check_given(&c, a.config, a.sets, a.nsets, err, sizeof err))
        return cli_error("train", "%s", err), EXIT_USAGE;
    if (stop_after_value(stop_arg, c.epochs, &stop_after)) return EXIT_USAGE;
    if (a.seed_set) c.seed = a.seed;
    if (a.threads > 0) xbar_set_threads(a.threads);
    train_opts opt = {.force = a.force, .quiet = a.quiet, .resume = resume, .stop_after = stop_after};
    train_outcome o;
    int rc = train_execute(&c, out, &opt, &o, err, sizeof err);
    if (rc) train_outcome_free(&o);
    if (rc == TRAIN_STOPPED) {
        if (!a.quiet) fprintf(stderr, "xbar train: %s\n", err);
        return EXIT_OK;
    }
    if (rc) return cli_error("train", "%s", err), rc;
    const train_history *h = &o.h;
    printf("test accuracy %.2f%% (last 5 epochs %.2f%%), %d epochs, %.1f s, %.0f samples/s\nwrote %s\n",
           h->test_acc[h->epochs - 1], train_tail_mean(h->test_acc, h->epochs, 5), h->epochs, o.wall_s, o.samples_per_s, out);
    train_outcome_free(&o);
    return EXIT_OK;
}
