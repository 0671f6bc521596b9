/* cmd_collect.c - `xbar collect DIR`: the results of an `xbar sweep` folder as tables and plots
 * (collect.h, docs/sweep.md). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "collect.h"
#include "commands.h"

static const char summary[] =
    "xbar collect DIR [--out ODIR] [--curves I,J,...] [--quiet]:\n"
    "Tabulate and plot the sweep folder DIR (written by xbar sweep): ODIR/results.csv (a row per point: its\n"
    "swept values, status and metrics: train final and last-5 test accuracy, final train loss, pulses, wall\n"
    "time; lsq each curve's final error, pulses, seconds; wall times only with sweep.timings = true),\n"
    "ODIR/summary.csv (mean, sample std and n over the seeds of each setting), plot-METRIC-vs-KEY.png for\n"
    "each swept numeric key and, with --curves, curves.png: the learning curves of those points. ODIR\n"
    "defaults to DIR; missing parents are created. Points still running or failed are listed with their\n"
    "status. docs/sweep.md.";

/* "I,J,..." into o->curves. */
static int parse_curves(const char *s, collect_opts *o)
{
    for (const char *p = s;;) {
        char *end;
        errno = 0;
        const long v = strtol(p, &end, 10);
        if (end == p || errno || v < 0 || (*end && *end != ',') || o->ncurves == COLLECT_MAX_CURVES) return -1;
        o->curves[o->ncurves++] = v;
        if (!*end) return 0;
        p = end + 1;
    }
}

int cmd_collect(int argc, char **argv)
{
    const char *curves = NULL, *target = NULL;
    const arg_extra extra[] = {
        {"curves", ARG_STRING, &curves, "I,J,...", "overlay the learning curves of these points (curves.png)"},
        {"target-loss", ARG_STRING, &target, "L", "train sweeps: add epochs_to_target and pulses_to_target, the "
                                                  "first epoch with train loss <= L and the pulses up to its end"},
        {NULL, 0, NULL, NULL, NULL}};
    collect_opts o;
    memset(&o, 0, sizeof o);
    char err[2048], *sub[256];
    int ns = 0;
    /* DIR: the one argument that is not a flag (args_parse takes flags only) */
    for (int i = 0; i < argc && ns < 255; i++) {
        const int flag_value = i > 1 && argv[i - 1][0] == '-' && argv[i - 1][1] == '-' && !strchr(argv[i - 1], '=') &&
                               strcmp(argv[i - 1], "--quiet") && strcmp(argv[i - 1], "--force") &&
                               strcmp(argv[i - 1], "--help");
        if (i > 0 && argv[i][0] != '-' && !flag_value && !o.dir) o.dir = argv[i];
        else sub[ns++] = argv[i];
    }
    sub[ns] = NULL;
    cli_args a;
    if (args_parse(&a, "collect", ns, sub, extra, err, sizeof err)) return cli_error("collect", "%s", err), EXIT_USAGE;
    if (a.help) return args_usage(stdout, "collect", summary, extra, NULL, NULL), EXIT_OK;
    if (a.config || a.nsets || a.seed_set || a.force)
        return cli_error("collect", "--config, --set, --seed and --force are not flags of collect (see xbar collect "
                         "--help)"), EXIT_USAGE;
    if (!o.dir) return cli_error("collect", "missing DIR: the folder of an xbar sweep (xbar collect DIR)"), EXIT_USAGE;
    if (curves && parse_curves(curves, &o))
        return cli_error("collect", "--curves %s: expected point indices I,J,... (integers >= 0, at most %d)", curves,
                         COLLECT_MAX_CURVES), EXIT_USAGE;
    if (target) {
        char *end;
        errno = 0;
        o.target_loss = strtod(target, &end);
        if (end == target || *end || errno || !(o.target_loss > 0) || !isfinite(o.target_loss))
            return cli_error("collect", "--target-loss %s: expected a training loss > 0", target), EXIT_USAGE;
    }
    o.out = a.out;
    o.quiet = a.quiet;
    err[0] = 0;
    const int rc = collect_run(&o, err, sizeof err);
    if (rc) cli_error("collect", "%s", err);
    return rc;
}
