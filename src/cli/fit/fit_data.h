/* fit_data.h - the measured pulse data `xbar fit` reads (docs/device-tools.md, "Input format").
 *
 * CSV text, one reading per line, three fields separated by commas (blanks around them allowed):
 *   pulse index   a number (used for plots only; e.g. the cumulative pulse count)
 *   pulses        the signed number of pulses applied just before this reading: +1 / -1 for one
 *                 up / down pulse (a direction column), +n / -n for n pulses of one sign, 0 for a
 *                 re-reading; an integer, |n| <= FIT_MAX_RUN. The first reading is the start
 *                 state: its pulses field is not used
 *   value         the conductance or weight after those pulses; weight = (value - fit.offset) *
 *                 fit.scale
 * An optional header line (a first line whose first field is not a number, e.g.
 * "pulse,direction,weight"), blank lines and lines starting with '#' are skipped. Every step
 * (a reading with pulses != 0, and the one before it) is a data point of the fit. Refused, each
 * with "FILE:LINE: reason": an unreadable file or one that is not text, a line without three
 * fields, a field that is not a number, a non-finite number (nan, inf), a pulses field that is
 * not an integer or over FIT_MAX_RUN, fewer than FIT_MIN_STEPS steps in either direction (the
 * line is the file's last: "one direction only" is this case), over FIT_MAX_ROWS readings.
 */
#ifndef XBAR_CLI_FIT_DATA_H
#define XBAR_CLI_FIT_DATA_H

#include <stddef.h>

#define FIT_MIN_STEPS 10          /* fewest steps per direction */
#define FIT_MAX_RUN 1000000       /* most pulses between two readings */
#define FIT_MAX_ROWS 2000000      /* most readings */
#define FIT_MAX_BYTES ((size_t)256 << 20) /* largest file */

typedef struct {
    size_t n;                   /* readings */
    double *idx, *w;            /* pulse index, weight (after offset and scale) */
    int *cnt;                   /* signed pulses before reading i (cnt[0] = 0) */
    size_t steps_up, steps_dn;  /* readings with cnt > 0, cnt < 0 */
    size_t pulses_up, pulses_dn;
    double wlo, whi;            /* smallest and largest weight */
} fit_data;

/** Read `path` (weight = (value - offset) * scale). @return 0, or -1 with err "PATH:LINE: reason". */
int fit_data_read(const char *path, double offset, double scale, fit_data *d, char *err, size_t n);

/** Release the arrays; NULL-safe. */
void fit_data_free(fit_data *d);

#endif
