/* threads.c - the library-wide thread count: OpenMP loops (XBAR_PAR in
 * internal.h) follow it. OpenBLAS stays single-threaded: its threaded sgemm
 * gives thread-dependent bits, so products are split over xbar's own threads
 * in a fixed partition instead (blas.c); its OpenMP build then starts no thread
 * of its own. How idle OpenMP threads wait (spin or sleep) is the runtime's
 * setting, read from the environment when it loads, before any call here: the
 * xbar program makes it passive (src/cli/main.c), an embedding program sets
 * OMP_WAIT_POLICY itself. Neither the count nor the policy changes a result. */
#include <cblas.h>

#include "internal.h"
#ifdef XBAR_HAVE_OPENMP
#include <omp.h>
#endif

static int n_threads = 1;

void xbar_set_threads(int n)
{
    n_threads = n < 1 ? 1 : n;
#ifdef XBAR_HAVE_OPENMP
    omp_set_num_threads(n_threads);
#endif
    openblas_set_num_threads(1);
}

int xbar_get_threads(void) { return n_threads; }
