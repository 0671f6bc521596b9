/*
 * sweep_mpi.c - the MPI implementation of sweep_cluster.h, compiled into the `xbar` program
 * only when CMake finds MPI (XBAR_MPI; Debian: libopenmpi-dev). main() registers
 * sweep_mpi_start as sweep_cluster_start.
 *
 * Protocol (tags on MPI_COMM_WORLD): a rank > 0 sends rank 0 a request, one long long: the exit
 * code of the point it just ran (-1: none yet); rank 0 answers three long longs: the position k
 * in its list, the point index and the list's length m, or k = -1 when the list is used up. Rank
 * 0's main thread is the only one that calls MPI (MPI_THREAD_FUNNELED); its own points run in a
 * second thread that takes positions from the same counter under a mutex. Waits poll with
 * MPI_Test and sleep 1 ms between polls (an MPI library's blocking calls spin a core).
 */
#define _POSIX_C_SOURCE 200809L
#include <mpi.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sweep_cluster.h"

enum { TAG_ASK = 7301, TAG_WORK = 7302 };

/* MPI_THREAD_FUNNELED granted: rank 0 may run its own points in a second thread (one that never
 * calls MPI). Without it rank 0 only hands points out, then runs what is left. */
static int funneled;

static void nap(void)
{
    struct timespec t = {0, 1000000};
    nanosleep(&t, NULL);
}

/* Wait for r without spinning. */
static void lazy_wait(MPI_Request *r, MPI_Status *st)
{
    int flag = 0;
    for (MPI_Test(r, &flag, st); !flag; MPI_Test(r, &flag, st)) nap();
}

static void mpi_share(sweep_cluster *c, int *rc, char *msg, size_t n)
{
    int v[2] = {*rc, 0};
    char buf[2048] = {0};
    if (c->rank == 0) snprintf(buf, sizeof buf, "%s", msg);
    MPI_Request r;
    MPI_Ibcast(v, 2, MPI_INT, 0, MPI_COMM_WORLD, &r);
    lazy_wait(&r, MPI_STATUS_IGNORE);
    MPI_Ibcast(buf, (int)sizeof buf, MPI_CHAR, 0, MPI_COMM_WORLD, &r);
    lazy_wait(&r, MPI_STATUS_IGNORE);
    *rc = v[0];
    if (n) snprintf(msg, n, "%s", buf);
}

/* Rank 0's list, taken by its own worker thread and handed to the other ranks. */
typedef struct {
    pthread_mutex_t mu;
    const size_t *list;
    size_t m, next;
    sweep_point_fn run;
    void *ctx;
    int bad; /* a point failed on this rank */
} pool;

static int take(pool *p, size_t *k)
{
    pthread_mutex_lock(&p->mu);
    int got = p->next < p->m;
    if (got) *k = p->next++;
    pthread_mutex_unlock(&p->mu);
    return got;
}

static void *local_worker(void *arg)
{
    pool *p = arg;
    for (size_t k; take(p, &k);)
        if (p->run(p->ctx, p->list[k], k, p->m)) p->bad = 1;
    return NULL;
}

static int farm_master(sweep_cluster *c, const size_t *list, size_t m, sweep_point_fn run, void *ctx)
{
    pool p = {.list = list, .m = m, .run = run, .ctx = ctx};
    pthread_mutex_init(&p.mu, NULL);
    pthread_t th;
    int threaded = funneled && !pthread_create(&th, NULL, local_worker, &p);
    int remote = c->size - 1, bad = 0;
    long long ask = 0;
    MPI_Request r;
    MPI_Status st;
    while (remote > 0) {
        MPI_Irecv(&ask, 1, MPI_LONG_LONG, MPI_ANY_SOURCE, TAG_ASK, MPI_COMM_WORLD, &r);
        lazy_wait(&r, &st);
        if (ask > 0) bad = 1;
        size_t k;
        long long work[3] = {-1, -1, (long long)m};
        if (take(&p, &k)) work[0] = (long long)k, work[1] = (long long)list[k];
        else remote--;
        MPI_Send(work, 3, MPI_LONG_LONG, st.MPI_SOURCE, TAG_WORK, MPI_COMM_WORLD);
    }
    if (threaded) pthread_join(th, NULL);
    else local_worker(&p); /* no thread: rank 0 runs what is left once the others are done */
    pthread_mutex_destroy(&p.mu);
    return bad || p.bad;
}

static int farm_worker(sweep_cluster *c, sweep_point_fn run, void *ctx)
{
    (void)c;
    long long last = -1, work[3];
    int bad = 0;
    for (;;) {
        MPI_Request r;
        MPI_Send(&last, 1, MPI_LONG_LONG, 0, TAG_ASK, MPI_COMM_WORLD);
        MPI_Irecv(work, 3, MPI_LONG_LONG, 0, TAG_WORK, MPI_COMM_WORLD, &r);
        lazy_wait(&r, MPI_STATUS_IGNORE);
        if (work[0] < 0) break;
        last = run(ctx, (size_t)work[1], (size_t)work[0], (size_t)work[2]);
        bad |= last != 0;
    }
    return bad;
}

static int mpi_farm(sweep_cluster *c, const size_t *list, size_t m, sweep_point_fn run, void *ctx)
{
    int bad = c->rank == 0 ? farm_master(c, list, m, run, ctx) : farm_worker(c, run, ctx);
    MPI_Request r; /* ranks that are done wait here, asleep, not in MPI_Finalize */
    MPI_Ibarrier(MPI_COMM_WORLD, &r);
    lazy_wait(&r, MPI_STATUS_IGNORE);
    return bad;
}

static void mpi_finish(sweep_cluster *c)
{
    MPI_Finalize();
    free(c);
}

sweep_cluster *sweep_mpi_start(char *err, size_t n);

sweep_cluster *sweep_mpi_start(char *err, size_t n)
{
    int provided = 0, rank = 0, size = 1;
    err[0] = 0;
    if (MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
        return snprintf(err, n, "MPI_Init_thread failed"), NULL;
    funneled = provided >= MPI_THREAD_FUNNELED;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    sweep_cluster *c = size > 1 ? malloc(sizeof *c) : NULL;
    if (!c) {
        MPI_Finalize();
        if (size > 1) snprintf(err, n, "out of memory");
        return NULL;
    }
    *c = (sweep_cluster){.rank = rank, .size = size, .share = mpi_share, .farm = mpi_farm, .finish = mpi_finish};
    return c;
}
