/* cmd_fit.c - `xbar fit CSV`: fit the library's device models to measured pulse data (step
 * against state, per direction), pick the best by an information criterion and write a ready
 * [device] section (docs/device-tools.md). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "fit_exec.h"
#include "pathname.h"

static const char summary[] =
    "usage: xbar fit CSV [flags]: fit device models to measured conductance-vs-pulse data. CSV: one reading per\n"
    "line, \"pulse index, pulses, value\" (pulses: +1 / -1 for one up / down pulse before the reading, or a signed\n"
    "number of pulses; value: conductance or weight, weight = (value - fit.offset) * fit.scale; an optional header\n"
    "line). Each model of fit.models is fitted by least squares on the steps (MINPACK's Levenberg-Marquardt, from\n"
    "several starting points): soft_bounds, ald, pow_step, exp_paper, exp_step, pow_zs, exp_zs and piecewise_step\n"
    "(fit.nodes nodes). Reports parameters with standard errors, RMSE, R^2, AIC and BIC, picks the best by\n"
    "fit.criterion and writes DIR/fit.ini, its [device] section, ready for `xbar train --config`; also\n"
    "fit_MODEL.ini per model, nodes.csv (piecewise_step), models.csv, params.csv, summary.json, config.ini,\n"
    "fit.png and fit_curve.png. DIR must not exist unless --force (default out/fit). docs/device-tools.md.";

int cmd_fit(int argc, char **argv)
{
    cli_args a;
    char err[1024];
    fit_cfg c = fit_cfg_defaults();
    const char *csv = argc > 1 && argv[1][0] != '-' ? argv[1] : NULL;
    /* the CSV comes first; args_parse takes argv[0] as the command's name, so it starts past the CSV */
    if (args_parse(&a, "fit", csv ? argc - 1 : argc, csv ? argv + 1 : argv, NULL, err, sizeof err))
        return cli_error("fit", "%s", err), EXIT_USAGE;
    if (a.help) return args_usage(stdout, "fit", summary, NULL, fit_keys(), &c), EXIT_OK;
    if (!csv) return cli_error("fit", "missing the data file: xbar fit CSV [flags] (see xbar fit --help)"), EXIT_USAGE;
    if (a.seed_set) return cli_error("fit", "--seed %llu: xbar fit draws no random numbers", (unsigned long long)a.seed),
                           EXIT_USAGE;
    if (args_apply_config(&a, fit_keys(), &c, err, sizeof err)) return cli_error("fit", "%s", err), EXIT_USAGE;
    int use[FIT_NMODELS];
    if (fit_cfg_check(&c, use, err, sizeof err)) return cli_error("fit", "%s", err), EXIT_USAGE;
    fit_data d;
    if (fit_data_read(csv, c.offset, c.scale, &d, err, sizeof err)) return cli_error("fit", "%s", err), EXIT_USAGE;
    const char *out = a.out ? a.out : "out/fit";
    static fit_outcome o;
    int rc = fit_execute(&c, use, csv, &d, out, a.force, &o, err, sizeof err);
    if (rc) {
        fit_data_free(&d);
        return cli_error("fit", "%s", err), rc;
    }
    const char *crit = c.criterion == FIT_BIC ? "bic" : "aic";
    printf("%s: %zu readings, %zu up and %zu down steps, weights in [%.6g, %.6g]\n", path_show(csv), d.n, d.steps_up,
           d.steps_dn, d.wlo, d.whi);
    printf("%-15s %3s %12s %10s %14s %10s %9s  %s\n", "model", "k", "rmse", "r2", crit, "delta", "c2c_std", "note");
    for (int k = 0; k < FIT_NMODELS; k++) {
        if (!o.used[k]) continue;
        const fit_result *r = &o.res[k];
        if (!o.ok[k]) {
            printf("%-15s %3d %12s %10s %14s %10s %9s  %s\n", fit_model_name(k), r->m.np, "-", "-", "-", "-", "-",
                   o.note[k]);
            continue;
        }
        printf("%-15s %3d %12.5g %10.6f %14.6g %10.4g %9.4g  %s\n", fit_model_name(k), r->m.np, r->rmse, r->r2,
               o.crit[k], o.crit[k] - o.crit[o.best], r->c2c_std, o.note[k]);
    }
    const fit_result *b = &o.res[o.best];
    printf("best: %s (%s);", fit_model_name(o.best), crit);
    for (int j = 0; j < b->m.np && j < 8; j++) {
        char name[32];
        printf(" %s %.6g", fit_param_name(&b->m, j, name, sizeof name), b->th[j]);
    }
    printf("%s\nwrote %s (fit.ini: its [device] section)\n", b->m.np > 8 ? " ..." : "", path_show(out));
    fit_data_free(&d);
    return EXIT_OK;
}
