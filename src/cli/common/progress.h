/*
 * progress.h - a one-line progress display for long runs, on stderr.
 *
 *   progress p;
 *   progress_start(&p, steps, "lsq", a.quiet);
 *   for (i = 0; i < steps; i++) { ...; progress_update(&p, i + 1, "loss 1.2e-3"); }
 *   progress_end(&p);
 *
 * Draws "\r lsq  42%  1234 it/s  ETA 0:12  loss 1.2e-3" at most 4 times a
 * second, and only when stderr is a terminal and quiet is 0; otherwise every
 * call is a no-op (so logs and pipes stay clean). The state is the struct
 * (no globals); one progress line per terminal at a time.
 */
#ifndef XBAR_CLI_PROGRESS_H
#define XBAR_CLI_PROGRESS_H

#include <stdint.h>

typedef struct {
    uint64_t total;  /* items to do (0: unknown, no percentage or ETA) */
    uint64_t done;
    const char *label;
    const char *unit;  /* rate unit, "it" unless set after progress_start (e.g. "samples") */
    int enabled;     /* drawing (stderr is a tty and not quiet)       */
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
