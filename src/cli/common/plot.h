/*
 * plot.h - line plots as PNG files, drawn by the gnuplot program.
 *
 *   double steps[100], loss_a[100], loss_b[100];
 *   plot_series s[] = { { "Analog SGD", steps, loss_a, 100 },
 *                       { "Tiki-Taka",  steps, loss_b, 100 } };
 *   plot_spec p = { .title = "LSQ loss", .xlabel = "step", .ylabel = "f(W) - f*",
 *                   .logy = 1, .series = s, .nseries = 2 };
 *   if (plot_lines(out_path(&o, "loss.png"), &p, err, sizeof err)) warn(err);
 *
 * Style: 800x600 pngcairo (png if cairo is missing), lines 2 px wide in ten
 * distinct colours (then repeating), light grid, key at the top right (or
 * outside on the right), log axes labelled 10^k. Text is printed verbatim
 * (no gnuplot markup: "dw_min" stays "dw_min").
 * Data, script, log and image go to ".plot-PID.*" files in the image's
 * folder, where gnuplot runs (so that it never sees the path, which may hold
 * any bytes, newlines and quotes included); the image is renamed to PNG and
 * the rest removed. A failure names the reason (gnuplot's last message, or
 * "No space left on device"); callers treat it as a warning, never losing
 * the data files of a run. Points that are not finite, or not > 0 on a log axis,
 * are left out (the line breaks there). Runs one gnuplot process per call.
 */
#ifndef XBAR_CLI_PLOT_H
#define XBAR_CLI_PLOT_H

#include <stddef.h>

typedef struct {
    const char *name; /* legend entry ("" or NULL: none)            */
    const double *x;  /* n values, or NULL for 0, 1, ..., n-1        */
    const double *y;  /* n values                                    */
    size_t n;
} plot_series;

typedef struct {
    const char *title, *xlabel, *ylabel; /* NULL: none                   */
    int logx, logy;                      /* nonzero: log-10 axis        */
    int key_outside;                     /* nonzero: key right of plot  */
    double ymin, ymax;                   /* y range if ymin < ymax      */
    const plot_series *series;
    int nseries;
} plot_spec;

/**
 * Draw the series of `spec` into `png_path`.
 * @return 0, or -1 with a message in err:
 *   "gnuplot not found: install gnuplot-nox (scripts/setup.sh)"
 *   "gnuplot failed on PNG: <its last error line>"
 *   "cannot write PNG.dat: <strerror>"
 */
int plot_lines(const char *png_path, const plot_spec *spec, char *err, size_t errlen);

/** 1 if a `gnuplot` executable is on PATH, else 0. */
int plot_available(void);

#endif
