/* cmd_lsq.c - `xbar lsq`: the paper's least-squares experiments (Fig. 1, 3,
 * 4 and the Theorem 3 instance) and Analog SGD vs Tiki-Taka. */
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "lsq_exec.h"
#include "pathname.h"

static const char summary[] =
    "Run the paper's least-squares experiments. Presets: fig1 (alpha sweep, tau = 3), fig3 (tau sweep:\n"
    "digital dynamic, analog dynamic, pulse level), fig4-tau, fig4-sigma, fig4-init, thm3 (Theorem 3\n"
    "lower-bound instance), tt (Analog SGD vs Tiki-Taka at pulse level). Order of precedence: defaults,\n"
    "--preset, --config, --set (in order), --seed. Writes DIR/config.ini, metrics.csv, summary.json and\n"
    "a PNG; DIR must not exist unless --force (default out/lsq-PRESET).";

int cmd_lsq(int argc, char **argv)
{
    const char *preset = NULL;
    const arg_extra extra[] = {{"preset", ARG_STRING, &preset, "NAME", "start from a preset (see above)"},
                               {NULL, 0, NULL, NULL, NULL}};
    cli_args a;
    char err[1024];
    lsq_cfg c = lsq_cfg_defaults();
    if (args_parse(&a, "lsq", argc, argv, extra, err, sizeof err)) return cli_error("lsq", "%s", err), EXIT_USAGE;
    if (a.help) return args_usage(stdout, "lsq", summary, extra, lsq_keys(), &c), EXIT_OK;
    if (preset && lsq_cfg_preset(&c, preset, err, sizeof err)) return cli_error("lsq", "--preset %s", err), EXIT_USAGE;
    if (args_apply_config(&a, lsq_keys(), &c, err, sizeof err)) return cli_error("lsq", "%s", err), EXIT_USAGE;
    if (lsq_cfg_check_given(&c, a.config, a.sets, a.nsets, err, sizeof err)) return cli_error("lsq", "%s", err), EXIT_USAGE;
    if (a.seed_set) c.s.seed = a.seed;
    if (a.threads > 0) xbar_set_threads(a.threads);
    char dflt[CFG_STR_MAX + 16];
    snprintf(dflt, sizeof dflt, "out/lsq-%s", c.preset[0] ? c.preset : "custom");
    const char *out = a.out ? a.out : dflt;
    lsq_outcome o;
    int rc = lsq_execute(&c, out, a.force, a.quiet, &o, err, sizeof err);
    if (rc) return cli_error("lsq", "%s", err), rc;
    printf("%-34s %12s %12s %10s %10s %10s\n", "curve", "final_error", "4sigma2*S_K", "ratio", "seconds", "w_err");
    for (int i = 0; i < o.n; i++)
        printf("%-34s %12.4g %12.4g %10.4g %10.2f %10.4g\n", o.curve[i].name, o.res[i].final_error,
               o.res[i].bound_4sigma2_SK, o.res[i].ratio, o.res[i].seconds, o.res[i].w_err);
    printf("wrote %s\n", path_show(out));
    lsq_outcome_free(&o);
    return EXIT_OK;
}
