/* sweep_cluster.c - see sweep_cluster.h: the launch detection and the registered implementation. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include "sweep_cluster.h"

sweep_cluster_start_fn sweep_cluster_start = NULL;

long sweep_env_count(const char *name)
{
    const char *v = getenv(name);
    if (!v || !*v) return -2;
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    return *end || errno || x < 0 ? -1 : x;
}

/* sweep_env_count within [0, INT_MAX], else -1. */
static int env_nat(const char *name)
{
    const long x = sweep_env_count(name);
    return x < 0 || x > INT_MAX ? -1 : (int)x;
}

int sweep_mpi_launched(int *rank, int *size)
{
    static const char *const vars[][2] = {
        {"OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"}, {"PMI_RANK", "PMI_SIZE"}, {"PMIX_RANK", NULL}};
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++) {
        const int r = env_nat(vars[i][0]), s = vars[i][1] ? env_nat(vars[i][1]) : 0;
        if (r >= 0 && s >= 0 && (s == 0 || r < s)) {
            *rank = r, *size = s;
            return 1;
        }
    }
    return 0;
}
