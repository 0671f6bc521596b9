/* cmd_sweep.c - `xbar sweep`: run an `xbar lsq` or `xbar train` configuration over grids and
 * zips of its keys, resumably, in shards (Slurm job arrays) or with several worker processes
 * (docs/sweep.md). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "sweep_cluster.h"
#include "sweep_run.h"

static const char summary[] =
    "Run an `xbar lsq` or `xbar train` configuration over a grid of its keys. SWEEP.ini (--config) is the\n"
    "command's configuration plus a [sweep] section:\n"
    "  command = lsq                                     lsq or train\n"
    "  seed = 1                                          per-point seeds derive from it and the point index\n"
    "  timings = false                                   collect leaves wall times out (byte-identical reruns)\n"
    "  grid = device.tau: 2, 3, 5 ; lsq.lr: 0.1, 0.05     every combination; repeat grid lines for more\n"
    "  grid = seed: 1..3                                 integer range; seed = the command's seed key\n"
    "  zip = lsq.iterations: 100, 200 ; lsq.noise: 0.1, 0.2   lists varied together (one line a group)\n"
    "Values are comma lists (\"a,b\" quoted keeps a comma); ';' separates axes. Every point is resolved and\n"
    "checked before the first runs. Point i runs into DIR/points/NNNN-NAME/ (the command's own files);\n"
    "DIR/sweep.json lists every point and its status. A rerun skips finished points; a failed point is\n"
    "recorded and the sweep goes on (exit 1). --set applies to the base configuration. Shards: --shard I/N\n"
    "runs the points with index % N == I; without it, SLURM_ARRAY_TASK_ID / SLURM_ARRAY_TASK_COUNT give\n"
    "I/N. Under mpirun (a build with MPI: `xbar --version` says so) the ranks share the points, each handed out\n"
    "when a rank asks. `xbar collect DIR` tabulates and plots the results. docs/sweep.md.";

/* "I/N" with 0 <= I < N. */
static int parse_shard(const char *s, int *i, int *n)
{
    char *end;
    errno = 0;
    long a = strtol(s, &end, 10);
    if (end == s || *end != '/' || errno) return -1;
    const char *p = end + 1;
    long b = strtol(p, &end, 10);
    if (end == p || *end || errno || a < 0 || b < 1 || a >= b || b > INT_MAX) return -1;
    *i = (int)a, *n = (int)b;
    return 0;
}

/* In an MPI launch, ranks other than 0 stay silent about what every rank finds alike (the
 * command line, the sweep file, DIR): rank 0 says it once. */
static int mute;
#define SAY(...) (mute ? (void)0 : cli_error("sweep", __VA_ARGS__))

static int sweep_main(int argc, char **argv, sweep_cluster *cl, int rank, int size);

int cmd_sweep(int argc, char **argv)
{
    int rank = 0, size = 0;
    sweep_cluster *cl = NULL;
    if (sweep_mpi_launched(&rank, &size) && sweep_cluster_start) {
        char err[512];
        cl = sweep_cluster_start(err, sizeof err);
        if (!cl && err[0]) return cli_error("sweep", "MPI: %s", err), EXIT_RUNTIME;
    }
    mute = cl && cl->rank != 0;
    const int rc = sweep_main(argc, argv, cl, rank, size);
    if (cl) cl->finish(cl);
    return rc;
}

/* cl: an MPI launch in an MPI build; else rank / size of a launch (size > 1) without MPI, run as
 * static shards unless --shard or a Slurm array gives the shard. */
static int sweep_main(int argc, char **argv, sweep_cluster *cl, int rank, int size)
{
    const char *shard = NULL, *slurm = NULL;
    int jobs = 1, stop_after = 0;
    const arg_extra extra[] = {
        {"shard", ARG_STRING, &shard, "I/N", "run the points with index % N == I (0 <= I < N)"},
        {"jobs", ARG_INT, &jobs, "J", "points at once (worker processes; with --emit-slurm: array tasks)"},
        {"emit-slurm", ARG_STRING, &slurm, "FILE", "write an sbatch job-array script that runs the shards, then stop"},
        {"stop-after-points", ARG_INT, &stop_after, "K", "stop after running K points, as if interrupted (testing)"},
        {NULL, 0, NULL, NULL, NULL}};
    cli_args a;
    char err[2048];
    if (args_parse(&a, "sweep", argc, argv, extra, err, sizeof err)) return SAY("%s", err), EXIT_USAGE;
    if (a.help) return mute ? EXIT_OK : (args_usage(stdout, "sweep", summary, extra, NULL, NULL), EXIT_OK);
    if (!a.config) return SAY("--config SWEEP.ini is required (the sweep file)"), EXIT_USAGE;
    if (jobs < 1) return SAY("--jobs %d: must be >= 1", jobs), EXIT_USAGE;
    if (jobs > 64 && !slurm) return SAY("--jobs %d: at most 64 worker processes", jobs), EXIT_USAGE;
    if (stop_after < 0) return SAY("--stop-after-points %d: must be >= 1", stop_after), EXIT_USAGE;
    if (cl && slurm) return SAY("--emit-slurm writes a script: run it without mpirun"), EXIT_USAGE;
    if (cl && jobs > 1)
        return SAY("--jobs %d under mpirun: each rank runs one point at a time; start more ranks (mpirun -np)", jobs),
               EXIT_USAGE;
    int si = 0, sn = 1;
    if (shard && parse_shard(shard, &si, &sn))
        return SAY("--shard %s: expected I/N with integers 0 <= I < N", shard), EXIT_USAGE;
    if (!shard && !slurm) {
        const long id = sweep_env_count("SLURM_ARRAY_TASK_ID"), cnt = sweep_env_count("SLURM_ARRAY_TASK_COUNT");
        const long lo = sweep_env_count("SLURM_ARRAY_TASK_MIN");
        if (id != -2 && cnt != -2) {
            if (id < 0 || cnt < 1 || lo == -1 || id - (lo > 0 ? lo : 0) >= cnt || cnt > INT_MAX)
                return SAY("SLURM_ARRAY_TASK_ID = %s, SLURM_ARRAY_TASK_COUNT = %s: not a task of an "
                                 "array 0..N-1", getenv("SLURM_ARRAY_TASK_ID"), getenv("SLURM_ARRAY_TASK_COUNT")),
                       EXIT_USAGE;
            si = (int)(id - (lo > 0 ? lo : 0)), sn = (int)cnt;
        } else if (!cl && size > 1) {
            if (a.force) return SAY("--force in an MPI launch of %d ranks without MPI: every rank would remove "
                                    "the others' points; remove --out's folder first", size), EXIT_USAGE;
            si = rank, sn = size;
            fprintf(stderr, "xbar sweep: rank %d of an MPI launch of %d ranks, in a build without MPI: running the "
                    "static shard %d/%d (docs/sweep.md, \"MPI\")\n", rank, size, si, sn);
        }
    }
    sweep_spec *s = malloc(sizeof *s);
    if (!s) return SAY("out of memory"), EXIT_RUNTIME;
    if (sweep_spec_read(s, a.config, a.sets, a.nsets, a.seed_set ? &a.seed : NULL, err, sizeof err)) {
        free(s);
        return SAY("%s", err), EXIT_USAGE;
    }
    if (a.threads > 0) xbar_set_threads(a.threads);
    const char *out = a.out ? a.out : "out/sweep";
    int rc;
    if (slurm) {
        const int tasks = jobs > 1 ? jobs : (s->npoints < 1000 ? (int)s->npoints : 1000);
        rc = sweep_emit_slurm(s, slurm, tasks, out, a.sets, a.nsets, a.seed_set ? &a.seed : NULL, err, sizeof err);
        if (!rc) printf("%zu points in %d array tasks: wrote %s (submit with sbatch)\n", s->npoints, tasks, slurm);
    } else {
        sweep_opts o = {.out = out, .shard_i = si, .shard_n = sn, .jobs = jobs, .stop_after = stop_after,
                        .force = a.force, .quiet = a.quiet, .cluster = cl};
        rc = sweep_execute(s, &o, err, sizeof err);
    }
    sweep_spec_free(s);
    free(s);
    if (rc) SAY("%s", err);
    return rc;
}
