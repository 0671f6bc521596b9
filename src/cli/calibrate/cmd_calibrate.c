/* cmd_calibrate.c - `xbar calibrate`: zero-shifting calibration of one tile alone, and how close
 * it comes to each device's symmetric point against the number of pulses (successors.md §7.1,
 * experiment X7; docs/calibrate.md). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "calibrate_exec.h"
#include "commands.h"
#include "pathname.h"

static const char summary[] =
    "Zero-shifting (ZS) calibration of a crossbar tile ([SP26] Alg. 1): for each N of calibrate.pulses, a\n"
    "fresh tile of the same devices, every weight at calibrate.init, gets N single pulses per device\n"
    "(alternating up / down, or random); the weights are then the estimates W_N of the devices' symmetric\n"
    "points w_sp, which the library knows exactly. Reports, per N, over the devices e = w_sp - W_N: mean,\n"
    "sample std, rms, and |mean(W_N) - mean(w_sp)| / |mean(w_sp)|. Default device: soft_bounds (aihwkit\n"
    "defaults, with device-to-device variation). Order of precedence: defaults, --config, --set (in order),\n"
    "--seed (= calibrate.seed). Writes DIR/config.ini, results.csv, summary.json and calibrate.png; DIR\n"
    "must not exist unless --force (default out/calibrate). docs/calibrate.md.";

int cmd_calibrate(int argc, char **argv)
{
    cli_args a;
    char err[1024];
    calibrate_cfg c = calibrate_cfg_defaults();
    if (args_parse(&a, "calibrate", argc, argv, NULL, err, sizeof err))
        return cli_error("calibrate", "%s", err), EXIT_USAGE;
    if (a.help) return args_usage(stdout, "calibrate", summary, NULL, calibrate_keys(), &c), EXIT_OK;
    if (args_apply_config(&a, calibrate_keys(), &c, err, sizeof err))
        return cli_error("calibrate", "%s", err), EXIT_USAGE;
    if (a.seed_set) c.seed = a.seed;
    calibrate_plan p;
    if (calibrate_cfg_check(&c, a.config, a.sets, a.nsets, &p, err, sizeof err))
        return cli_error("calibrate", "%s", err), EXIT_USAGE;
    if (a.threads > 0) xbar_set_threads(a.threads);
    const char *out = a.out ? a.out : "out/calibrate";
    calibrate_result r;
    int rc = calibrate_execute(&c, &p, out, a.force, a.quiet, &r, err, sizeof err);
    if (rc) return cli_error("calibrate", "%s", err), rc;
    printf("%zu devices (%s, dw_min %g, %s pulses): mean_sp %.6g, sp_std %.6g\n", r.devices,
           xbar_device_model_name(c.device.model), (double)c.device.dw_min, c.cyclic ? "alternating" : "random",
           r.mean_sp, r.sp_std);
    printf("%12s %14s %12s %12s %12s %12s %9s\n", "pulses", "total_pulses", "mean_err", "std_err", "rms_err",
           "rel_mean_err", "seconds");
    for (int i = 0; i < r.n; i++) {
        const calibrate_row *w = &r.row[i];
        char rel[32];
        if (isnan(w->rel_mean_err)) snprintf(rel, sizeof rel, "-");
        else snprintf(rel, sizeof rel, "%.4g", w->rel_mean_err);
        printf("%12llu %14llu %12.4g %12.4g %12.4g %12s %9.2f\n", (unsigned long long)w->pulses,
               (unsigned long long)w->total_pulses, w->mean_err, w->std_err, w->rms_err, rel, w->seconds);
    }
    const uint64_t nmin = calibrate_smallest_n(&r);
    if (nmin) printf("smallest N with rel_mean_err <= 1%%: %llu\n", (unsigned long long)nmin);
    else printf("smallest N with rel_mean_err <= 1%%: none of calibrate.pulses\n");
    printf("wrote %s\n", path_show(out));
    return EXIT_OK;
}
