/*
 * sweep_run.h - run the points of a sweep (sweep_spec.h) into its folder, resumably and in
 * shards, and write a Slurm job-array script that runs the shards.
 *
 * DIR (--out) holds:
 *   sweep.json             every point: index, folder, params (swept key -> value as written),
 *                          seed, status ("done", "failed" with "message", "pending"); and the
 *                          sweep: command, file, seed, timings, keys (rewritten at the start and
 *                          the end of every run, from what is on disk, under a lock)
 *   points/NNNN-NAME/      a finished point: the command's own output folder (config.ini, ...)
 *   points/NNNN-NAME.failed  a failed point: "exit CODE: message" (removed when it succeeds)
 *   .xbar-sweep.lock       the lock of sweep.json; .xbar-out marks DIR as xbar's
 * A point is finished when its folder holds summary.json and a config.ini equal to the point's
 * resolved configuration; a rerun skips it. A point folder of another configuration (the sweep
 * file changed) or a DIR/sweep.json of another list of points is refused before anything runs.
 * Concurrent shards on one DIR are safe: each runs other points, and sweep.json is written
 * under the lock.
 */
#ifndef XBAR_CLI_SWEEP_RUN_H
#define XBAR_CLI_SWEEP_RUN_H

#include "sweep_cluster.h"
#include "sweep_spec.h"

typedef struct {
    const char *out;  /* DIR */
    int shard_i, shard_n; /* run the points with index % shard_n == shard_i */
    int jobs;         /* points at once (worker processes), >= 1 */
    int stop_after;   /* > 0: stop after running this many points, as if interrupted (testing) */
    int force;        /* start over: remove DIR (an xbar output or an empty folder) first */
    int quiet;        /* no line per point on stderr */
    sweep_cluster *cluster; /* an MPI launch of >= 2 ranks (sweep_cluster.h), or NULL; then jobs is 1 */
} sweep_opts;

/**
 * Resolve and check every point (sweep_resolve), check DIR, then run this shard's unfinished
 * points. With a cluster, every rank calls it: rank 0 checks and opens DIR and hands the points
 * out, every rank runs what it is handed, rank 0 writes sweep.json and the closing lines (other
 * ranks print only their points' lines and return 0 unless DIR could not be opened). @return 0 (all of this shard's points done, or stopped by stop_after), 1 (some point
 * failed, or a write failed), 2 (bad input: err names the point, key and value, or DIR).
 */
int sweep_execute(const sweep_spec *s, const sweep_opts *o, char *err, size_t n);

/**
 * Check every point, then write the bash script `file` (its folder created) that runs the
 * sweep as `sbatch --array=0-(tasks-1)`: each task runs `xbar sweep` with argv_tail (the
 * command line's --config, --out, --set and --seed, paths made absolute), taking its shard from
 * SLURM_ARRAY_TASK_ID / SLURM_ARRAY_TASK_COUNT; logs go beside the script. Nothing is submitted.
 * @return 0, 1 (a write failed) or 2 (bad input) with err.
 */
int sweep_emit_slurm(const sweep_spec *s, const char *file, int tasks, const char *out, const char *const *sets,
                     int nsets, const uint64_t *seed, char *err, size_t n);

/** Resolve every point of s (the checks alone). @return 0, or -1 with err. */
int sweep_check_all(const sweep_spec *s, char *err, size_t n);

#endif
