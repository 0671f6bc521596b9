/*
 * sweep_cluster.h - how the processes of one MPI launch (`mpirun -np N xbar sweep ...`) share a
 * sweep: rank 0 opens the sweep folder and hands out the points one at a time, to whichever
 * rank asks first (its own points run in a thread beside the hand-out loop), so a rank that
 * draws short points runs more of them (dynamic load balancing; docs/sweep.md, "MPI").
 *
 * The program's library (xbar_cli) holds only this interface and the launch detection; the
 * implementation (src/cli/sweep/mpi/sweep_mpi.c, Open MPI or any MPI-3 library) is compiled
 * into the `xbar` program when CMake finds MPI (option XBAR_MPI), and main() registers it by
 * setting sweep_cluster_start. Without it, a launch of N > 1 ranks falls back to static shards
 * (rank R runs --shard R/N), which needs no communication.
 *
 * Nothing waits by spinning a core: the hand-out loop of rank 0 polls every millisecond and
 * sleeps between polls, and ranks that are done wait for the others the same way.
 */
#ifndef XBAR_CLI_SWEEP_CLUSTER_H
#define XBAR_CLI_SWEEP_CLUSTER_H

#include <stddef.h>

/** Run point `index`, the k-th of m handed out; @return its exit code (0 done). */
typedef int (*sweep_point_fn)(void *ctx, size_t index, size_t k, size_t m);

typedef struct sweep_cluster sweep_cluster;
struct sweep_cluster {
    int rank, size; /* this process's rank, and the number of ranks (>= 2) */
    /** Every rank gets rank 0's *rc and msg (msg: at most n - 1 bytes, NUL-terminated). Collective. */
    void (*share)(sweep_cluster *c, int *rc, char *msg, size_t n);
    /**
     * Run the points list[0..m) (given on rank 0; other ranks pass NULL, 0) over all ranks, one at a
     * time to whichever rank asks. Collective; returns when every rank is done.
     * @return 1 if a point failed (rank 0: on any rank; other ranks: on this one), else 0.
     */
    int (*farm)(sweep_cluster *c, const size_t *list, size_t m, sweep_point_fn run, void *ctx);
    /** Leave MPI (MPI_Finalize) and free c. */
    void (*finish)(sweep_cluster *c);
};

/**
 * Start MPI in this process (the program was launched by an MPI launcher: sweep_mpi_launched).
 * @return a cluster of >= 2 ranks; NULL with err empty when the launch has one rank (MPI is
 * finalised again: the sweep runs as without MPI); NULL with err set on failure.
 */
typedef sweep_cluster *(*sweep_cluster_start_fn)(char *err, size_t n);

/** The MPI implementation, set by an MPI build's main(); NULL in a build without MPI. */
extern sweep_cluster_start_fn sweep_cluster_start;

/**
 * Whether this process was started by an MPI launcher: Open MPI's mpirun (OMPI_COMM_WORLD_RANK /
 * OMPI_COMM_WORLD_SIZE), MPICH's Hydra or Slurm's PMI (PMI_RANK / PMI_SIZE), or a PMIx launcher
 * (PMIX_RANK; size unknown: 0). @return 1 with *rank and *size (from the environment), else 0.
 */
int sweep_mpi_launched(int *rank, int *size);

/** A decimal integer >= 0 from the environment variable name (a launcher's rank or size, a Slurm
 *  array index): the value, -2 when unset or empty, -1 when anything else. */
long sweep_env_count(const char *name);

#endif
