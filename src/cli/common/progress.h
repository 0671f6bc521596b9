/*
 * progress.h - a one-line progress display for long runs, on stderr.
 *
 *   progress p;
 *   progress_start(&p, steps, "lsq", a.quiet);
 *   for (i = 0; i < steps; i++) { ...; progress_update(&p, i + 1, "loss 1.2e-3"); }
 *   progress_end(&p);
 *
 * On a terminal, draws "\r lsq  42%  1234 it/s  ETA 0:12  loss 1.2e-3" at most 4
 * times a second. When stderr is not a terminal (a batch job's log), writes the
 * same text as a line of its own each time another tenth of a known total is
 * done (nothing for an unknown total), so a log shows progress without filling
 * up. quiet = 1: nothing either way. The state is the struct (no globals); one
 * progress line per terminal at a time.
 */
#ifndef XBAR_CLI_PROGRESS_H
#define XBAR_CLI_PROGRESS_H

#include <stdint.h>

typedef struct {
    uint64_t total;  /* items to do (0: unknown, no percentage or ETA) */
    uint64_t done;
    const char *label;
    const char *unit;  /* rate unit, "it" unless set after progress_start (e.g. "samples") */
    int enabled;     /* reporting (not quiet)                         */
    int tty;         /* stderr is a terminal: redraw one line         */
    int tenths;      /* not a terminal: tenths of total reported      */
    int drawn;       /* a line is on screen                           */
    int width;       /* length of the last line drawn                 */
    double t0, last; /* start and last draw, seconds (monotonic)      */
} progress;

/** Begin; `label` must stay valid until progress_end. */
void progress_start(progress *p, uint64_t total, const char *label, int quiet);

/** Report `done` items finished; `extra` (may be NULL) is appended. */
void progress_update(progress *p, uint64_t done, const char *extra);

/** Erase the progress line (if any was drawn). */
void progress_end(progress *p);

#endif
