/* progress.c - progress line on a terminal, or a line per tenth in a log (see progress.h). */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include "progress.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* "1:02:03" or "2:03" */
static void fmt_time(char *b, size_t n, double s)
{
    long t = s < 0 ? 0 : s > 3.6e8 ? 360000000L : (long)(s + 0.5);
    if (t >= 3600) snprintf(b, n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else snprintf(b, n, "%ld:%02ld", t / 60, t % 60);
}

void progress_start(progress *p, uint64_t total, const char *label, int quiet)
{
    memset(p, 0, sizeof *p);
    p->total = total;
    p->label = label ? label : "";
    p->unit = "it";
    p->enabled = !quiet;
    p->tty = isatty(STDERR_FILENO);
    p->t0 = p->last = now();
}

void progress_update(progress *p, uint64_t done, const char *extra)
{
    p->done = done;
    if (!p->enabled) return;
    double t = now();
    int tenth = 0;
    if (!p->tty) { /* a log: one line per tenth of a known total */
        if (!p->total) return;
        tenth = (int)(10 * (done < p->total ? done : p->total) / p->total);
        if (tenth <= p->tenths) return;
        p->tenths = tenth;
    } else if (t - p->last < 0.25) {
        return; /* at most 4 draws a second, none in the first 0.25 s */
    }
    p->last = t;
    double el = t - p->t0, rate = el > 0 ? (double)done / el : 0;
    char line[256], eta[32] = "";
    int len;
    if (p->total) {
        if (rate > 0) fmt_time(eta, sizeof eta, (double)(p->total - (done < p->total ? done : p->total)) / rate);
        len = snprintf(line, sizeof line, " %s  %3.0f%%  %.0f %s/s  ETA %s  %s", p->label,
                       100.0 * (double)done / (double)p->total, rate, p->unit, eta[0] ? eta : "?", extra ? extra : "");
    } else {
        fmt_time(eta, sizeof eta, el);
        len = snprintf(line, sizeof line, " %s  %llu  %.0f %s/s  %s  %s", p->label, (unsigned long long)done,
                       rate, p->unit, eta, extra ? extra : "");
    }
    if (len >= (int)sizeof line) len = (int)sizeof line - 1;
    if (!p->tty) {
        fprintf(stderr, "%s\n", line);
        fflush(stderr);
        return;
    }
    /* pad with blanks to erase the rest of a longer previous line */
    fprintf(stderr, "\r%s%*s", line, p->width > len ? p->width - len : 0, "");
    fflush(stderr);
    p->width = len;
    p->drawn = 1;
}

void progress_end(progress *p)
{
    if (p->enabled && p->tty && p->drawn) {
        fprintf(stderr, "\r%*s\r", p->width, "");
        fflush(stderr);
    }
    p->drawn = 0;
    p->width = 0;
}
