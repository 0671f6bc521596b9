/* threads.c - the library-wide thread count: OpenMP loops (XBAR_PAR in
 * internal.h) follow it. OpenBLAS stays single-threaded: its threaded sgemm
 * gives thread-dependent bits, so products are split over xbar's own threads
 * in a fixed partition instead (blas.c). */
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
