/* util.c - see util.h. */
#include "util.h"

int xt_failures = 0;
int xt_checks = 0;

void xt_stat_add(xt_stat *s, double x)
{
    s->n += 1;
    double d = x - s->mean;
    s->mean += d / s->n;
    s->m2 += d * (x - s->mean);
}

double xt_stat_var(const xt_stat *s) { return s->n > 1 ? s->m2 / (s->n - 1) : 0.0; }
double xt_stat_se(const xt_stat *s) { return s->n > 0 ? sqrt(xt_stat_var(s) / s->n) : 0.0; }

int xt_done(const char *name)
{
    printf("%s: %d checks, %d failed\n", name, xt_checks, xt_failures);
    return xt_failures ? 1 : 0;
}
