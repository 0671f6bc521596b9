/* threads.c - the library-wide thread count (OpenMP when available). */
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
}

int xbar_get_threads(void) { return n_threads; }
