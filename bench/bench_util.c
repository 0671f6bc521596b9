/* bench_util.c - timing, data, threads and output shared by the parts of
 * `xbar bench` (see bench_parts.h). */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdlib.h>
#include <threads.h>
#include <time.h>
#include <unistd.h>

#include "bench_parts.h"
#include "xbar.h"

double bench_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int by_value(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Whether case k (calls so far, fastest call, seconds spent) takes another call. */
static int more_calls(const bench_ctx *b, int k, double best, double spent)
{
    return k < BENCH_KMAX &&
           ((k < BENCH_KMIN && best < BENCH_KMIN_S) || (best < b->budget / 2 && spent + best <= b->budget));
}

/* The fastest of the k calls in s[] (already in best), with their median and count. */
static bench_time finish(bench_time best, double *s, int k)
{
    qsort(s, (size_t)k, sizeof *s, by_value);
    best.med = k % 2 ? s[k / 2] : 0.5 * (s[k / 2 - 1] + s[k / 2]);
    best.calls = k;
    return best;
}

bench_time bench_best(const bench_ctx *b, bench_call f, void *arg)
{
    double s[BENCH_KMAX];
    bench_time best = f(arg);
    double spent = best.s;
    int k = 1;
    s[0] = best.s;
    for (; more_calls(b, k, best.s, spent); k++) {
        bench_time t = f(arg);
        spent += t.s;
        s[k] = t.s;
        if (t.s < best.s) best = t;
    }
    return finish(best, s, k);
}

void bench_best_each(const bench_ctx *b, bench_call f, void *arg, bench_time out[2])
{
    double s[2][BENCH_KMAX], spent[2] = {0, 0};
    int k[2] = {0, 0}, going = 1;
    while (going) { /* one round: one call per thread setting still taking calls */
        going = 0;
        for (int t = 0; t < b->nth; t++) {
            if (k[t] && !more_calls(b, k[t], out[t].s, spent[t])) continue;
            xbar_set_threads(b->threads[t]);
            const bench_time c = f(arg);
            spent[t] += c.s;
            s[t][k[t]] = c.s;
            if (!k[t] || c.s < out[t].s) out[t] = c;
            k[t]++;
            going = 1;
        }
    }
    for (int t = 0; t < b->nth; t++) out[t] = finish(out[t], s[t], k[t]);
}

float *bench_uniform(size_t n, unsigned stream, float lo, float hi)
{
    float *v = malloc((n ? n : 1) * sizeof *v);
    if (!v) return NULL;
    xbar_rng_uniform_fill(v, n, 7, xbar_stream(XBAR_RNG_USER, stream, 0), 0);
    for (size_t k = 0; k < n; k++) v[k] = lo + (hi - lo) * v[k];
    return v;
}

typedef struct {
    void (*job)(void *arg, int k, int nt);
    void *arg;
    int k, nt;
} worker;

static int run_worker(void *p)
{
    worker *w = p;
    w->job(w->arg, w->k, w->nt);
    return 0;
}

void bench_parallel(int nt, void (*job)(void *arg, int k, int nt), void *arg)
{
    enum { MAXT = 64 };
    thrd_t th[MAXT];
    worker w[MAXT];
    int started[MAXT] = {0};
    if (nt > MAXT) nt = MAXT;
    for (int k = 0; k < nt; k++) {
        w[k] = (worker){job, arg, k, nt};
        if (k > 0) started[k] = thrd_create(&th[k], run_worker, &w[k]) == thrd_success;
    }
    run_worker(&w[0]);
    for (int k = 1; k < nt; k++) {
        if (started[k]) thrd_join(th[k], NULL);
        else run_worker(&w[k]); /* no thread: do its share here */
    }
}

static void clear_note(bench_ctx *b)
{
    if (b->note_shown) fputs("\r\033[K", stderr);
    b->note_shown = 0;
}

void bench_out(bench_ctx *b, const char *fmt, ...)
{
    va_list ap;
    clear_note(b);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    fflush(stdout);
    if (b->copy) {
        va_start(ap, fmt);
        vfprintf(b->copy, fmt, ap);
        va_end(ap);
    }
}

void bench_note(bench_ctx *b, const char *fmt, ...)
{
    if (b->quiet) return;
    int tty = isatty(fileno(stderr));
    va_list ap;
    clear_note(b);
    fputs("bench: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    if (tty) b->note_shown = 1;
    else fputc('\n', stderr);
    fflush(stderr);
}

const char *bench_fmt_time(double s, char buf[16])
{
    if (s >= 1) snprintf(buf, 16, "%.2f s", s);
    else if (s >= 1e-3) snprintf(buf, 16, "%.3g ms", s * 1e3);
    else snprintf(buf, 16, "%.3g us", s * 1e6);
    return buf;
}

void bench_json_pair(const bench_ctx *b, cJSON *obj, const char *name, const double *v)
{
    cJSON_AddItemToObject(obj, name, cJSON_CreateDoubleArray(v, b->nth));
}
