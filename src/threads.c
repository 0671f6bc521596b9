/* threads.c - the library-wide thread count: OpenMP loops (XBAR_PAR in
 * internal.h) and OpenBLAS's own threads follow it. */
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
    openblas_set_num_threads(n_threads);
}

int xbar_get_threads(void) { return n_threads; }
