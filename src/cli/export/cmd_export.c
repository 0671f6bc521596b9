/* cmd_export.c - `xbar export CHECKPOINT`: a training checkpoint's weights and optimizer state as
 * float32 .npy arrays, in one .npz or a folder (docs/export.md). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "args.h"
#include "commands.h"
#include "export_run.h"
#include "outdir.h"
#include "pathname.h"

static const char summary[] =
    "xbar export CHECKPOINT [--out FILE.npz | --out DIR] [--force]: every layer's parameters (layerL.KIND.weight (out x fan_in), .bias, .scale) and every analog layer's\n"
    "optimizer arrays (layerL.opt.weights, layerL.opt.fast_tile_A, ...) of a checkpoint of xbar train\n"
    "(OUT/checkpoint.xbc or OUT.run/checkpoint.xbc, read with the config.ini beside it), as float32 .npy\n"
    "arrays: --out X.npz writes one uncompressed .npz (numpy.load reads it), any other --out a folder of\n"
    "NAME.npy files plus index.json (name, file, shape, dtype, source). Default: export.npz beside the\n"
    "checkpoint. An existing output is replaced only with --force. docs/export.md.";

/* Flags of args.h that take a value (their next argument is not CHECKPOINT). */
static int takes_value(const char *s)
{
    static const char *const v[] = {"--config", "--set", "--seed", "--out", "--threads"};
    for (size_t i = 0; i < sizeof v / sizeof *v; i++)
        if (!strcmp(s, v[i])) return 1;
    return 0;
}

int cmd_export(int argc, char **argv)
{
    char err[2048];
    char *rest[ARGS_SET_MAX * 2 + 64];
    const char *ckpt = NULL;
    int nr = 0;
    if (argc > (int)(sizeof rest / sizeof *rest)) return cli_error("export", "too many arguments"), EXIT_USAGE;
    rest[nr++] = argv[0];
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-' && argv[i][1]) {
            rest[nr++] = argv[i];
            if (takes_value(argv[i]) && i + 1 < argc) rest[nr++] = argv[++i];
        } else if (!ckpt) {
            ckpt = argv[i];
        } else {
            return cli_error("export", "unexpected argument '%s' (one CHECKPOINT; see xbar export --help)", argv[i]),
                   EXIT_USAGE;
        }
    }
    cli_args a;
    if (args_parse(&a, "export", nr, rest, NULL, err, sizeof err)) return cli_error("export", "%s", err), EXIT_USAGE;
    if (a.help) return args_usage(stdout, "export", summary, NULL, NULL, NULL), EXIT_OK;
    if (a.config || a.nsets || a.seed_set)
        return cli_error("export", "--config, --set and --seed do not apply: the checkpoint's config.ini is used"),
               EXIT_USAGE;
    if (!ckpt) return cli_error("export", "missing CHECKPOINT (see xbar export --help)"), EXIT_USAGE;
    if (a.threads > 0) xbar_set_threads(a.threads);

    char out[OUT_PATH_MAX];
    if (a.out) {
        if (!*a.out) return cli_error("export", "--out: empty path"), EXIT_USAGE;
        if (snprintf(out, sizeof out, "%s", a.out) >= (int)sizeof out)
            return cli_error("export", "--out %s: path too long", path_show(a.out)), EXIT_USAGE;
        for (size_t len = strlen(out); len > 1 && out[len - 1] == '/'; len--) out[len - 1] = 0;
    } else {
        char dir[OUT_PATH_MAX];
        path_parent(ckpt, dir, sizeof dir);
        if (snprintf(out, sizeof out, "%s/export.npz", dir) >= (int)sizeof out)
            return cli_error("export", "%s: path too long", path_show(ckpt)), EXIT_USAGE;
    }
    const size_t len = strlen(out);
    const int npz = len > 4 && !strcmp(out + len - 4, ".npz");
    struct stat st;
    if (npz && lstat(out, &st) == 0) { /* the folder case: out_begin checks */
        if (!S_ISREG(st.st_mode))
            return cli_error("export", "--out %s exists and is not a regular file; not replacing it", path_show(out)),
                   EXIT_USAGE;
        if (!a.force) return cli_error("export", "--out %s exists (use --force to overwrite)", path_show(out)), EXIT_USAGE;
    }
    if (!npz && !a.force && lstat(out, &st) == 0)
        return cli_error("export", "output directory %s exists (use --force to overwrite)", path_show(out)), EXIT_USAGE;

    export_state s;
    int rc = export_load(ckpt, &s, err, sizeof err);
    if (rc) return cli_error("export", "%s", err), rc;
    size_t floats = 0;
    for (size_t i = 0; i < s.count; i++) floats += s.arr[i].a.n;
    rc = npz ? export_write_npz(&s, out, err, sizeof err) : export_write_dir(&s, out, ckpt, a.force, err, sizeof err);
    if (!rc)
        printf("%zu arrays (%zu float32 values) of %s (epoch %d, %llu steps)\nwrote %s\n", s.count, floats,
               path_show(ckpt), s.epochs, (unsigned long long)s.steps, path_show(out));
    export_state_free(&s);
    if (rc) return cli_error("export", "%s", err), rc;
    return EXIT_OK;
}
