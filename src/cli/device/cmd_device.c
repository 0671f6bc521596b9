/* cmd_device.c - `xbar device`: the response of a configured device, pulse by pulse (response
 * curves, noise-free and with cycle-to-cycle noise), its response factors q+- and F, G over its
 * range and its symmetric point (the paper's device figure; docs/device-tools.md). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "device_exec.h"
#include "pathname.h"

static const char summary[] =
    "The response of a device of the [device] section (any model of docs/model.md): for each of the first\n"
    "device_tool.devices devices of the drawn array and each start weight of device_tool.start, device_tool.pulses\n"
    "up pulses then as many down pulses, one at a time through the library's device (xbar_device_pulse), noise-free\n"
    "and with the device's cycle-to-cycle noise; q+(w), q-(w), F = (q- + q+)/2, G = (q- - q+)/2 on a grid over each\n"
    "device's range, and each device's symmetric point (G = 0). Default device: soft_bounds (aihwkit defaults, with\n"
    "device-to-device and cycle-to-cycle variation). Order of precedence: defaults, --config, --set (in order),\n"
    "--seed (= device_tool.seed). Writes DIR/config.ini, response.csv, qf.csv, summary.json, response.png and\n"
    "qf.png; DIR must not exist unless --force (default out/device). docs/device-tools.md.";

int cmd_device(int argc, char **argv)
{
    cli_args a;
    char err[1024];
    device_tool_cfg c = device_tool_defaults();
    if (args_parse(&a, "device", argc, argv, NULL, err, sizeof err)) return cli_error("device", "%s", err), EXIT_USAGE;
    if (a.help) return args_usage(stdout, "device", summary, NULL, device_tool_keys(), &c), EXIT_OK;
    if (args_apply_config(&a, device_tool_keys(), &c, err, sizeof err))
        return cli_error("device", "%s", err), EXIT_USAGE;
    if (a.seed_set) c.seed = a.seed;
    xbar_device_params dev;
    if (device_tool_check(&c, a.config, a.sets, a.nsets, &dev, err, sizeof err))
        return cli_error("device", "%s", err), EXIT_USAGE;
    if (a.threads > 0) xbar_set_threads(a.threads);
    const char *out = a.out ? a.out : "out/device";
    static device_tool_result r;
    int rc = device_tool_execute(&c, &dev, out, a.force, &r, err, sizeof err);
    if (rc) return cli_error("device", "%s", err), rc;
    printf("%s, granularity %g, %d up then %d down pulses\n", xbar_device_model_name(c.device.model),
           (double)r.granularity, c.pulses, c.pulses);
    printf("%7s %12s %12s %16s %12s %12s %12s\n", "device", "w_min", "w_max", "symmetric_point", "start",
           "after_up", "after_down");
    for (int i = 0; i < r.devices; i++)
        for (int j = 0; j < r.starts; j++) {
            char sp[32];
            if (isfinite(r.sp[i])) snprintf(sp, sizeof sp, "%.6g", r.sp[i]);
            else snprintf(sp, sizeof sp, "none");
            printf("%7d %12.6g %12.6g %16s %12.6g %12.6g %12.6g\n", i, r.lo[i], r.hi[i], j ? "" : sp, c.start.v[j],
                   r.after_up[i][j], r.after_down[i][j]);
        }
    printf("wrote %s\n", path_show(out));
    return EXIT_OK;
}
