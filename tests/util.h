/* util.h - tiny assertion and statistics helpers for the test programs. */
#ifndef XBAR_TEST_UTIL_H
#define XBAR_TEST_UTIL_H
#include <stdio.h>
#include <math.h>

extern int xt_failures;
extern int xt_checks;

/* CHECK(cond, fmt, ...): count a failure (and print) when cond is false. */
#define CHECK(cond, ...)                                                          \
    do {                                                                          \
        xt_checks++;                                                              \
        if (!(cond)) {                                                            \
            xt_failures++;                                                        \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                  \
            fprintf(stderr, __VA_ARGS__);                                         \
            fprintf(stderr, "\n");                                                \
        }                                                                         \
    } while (0)

#define CHECK_NEAR(a, b, tol, what)                                               \
    CHECK(fabs((double)(a) - (double)(b)) <= (tol), "%s: %.9g vs %.9g (tol %.3g)", \
          what, (double)(a), (double)(b), (double)(tol))

/* Running mean / variance (Welford). */
typedef struct { double n, mean, m2; } xt_stat;
void xt_stat_add(xt_stat *s, double x);
double xt_stat_var(const xt_stat *s);  /* unbiased */
double xt_stat_se(const xt_stat *s);   /* standard error of the mean */

/* Print the summary and return the process exit code (0 if no failure). */
int xt_done(const char *name);

#endif
