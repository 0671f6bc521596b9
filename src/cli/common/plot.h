/*
 * plot.h - line plots as PNG files, drawn by the gnuplot program.
 *
 *   double steps[100], loss_a[100], loss_b[100];
 *   plot_series s[] = { { .name = "Analog SGD", .x = steps, .y = loss_a, .n = 100 },
 *                       { .name = "Tiki-Taka",  .x = steps, .y = loss_b, .n = 100 } };
 *   plot_spec p = { .title = "LSQ loss", .xlabel = "step", .ylabel = "f(W) - f*",
 *                   .logy = 1, .series = s, .nseries = 2 };
 *   if (plot_lines(out_path(&o, "loss.png"), &p, err, sizeof err)) warn(err);
 *
 * Style: 800x600 pngcairo (1000x600 with the key on the right outside; png
 * if cairo is missing), lines 2 px wide, light grid, log axes labelled 10^k,
 * at most 7 tics on a linear x axis (steps of 1, 2 or 5 x 10^k, whole steps
 * where every x is an integer; a single x value v on [v - 1, v + 1]). Text
 * is printed verbatim (no gnuplot markup: "dw_min" stays "dw_min"; UTF-8
 * such as "σ²" is drawn as such).
 * A series' colour is one of ten distinct colours: by its position (series s
 * gets colour s + 1) or chosen (.colour = k, k > 10 repeats); its line is
 * solid or one of five dash patterns (.dash = k, k > 5 repeats), its point
 * markers (a filled circle, square, triangle, ... by dash) are drawn on
 * series of at most PLOT_POINTS_MAX points (so a series of one point shows)
 * or as .points says; on a long series every n/20-th point is marked. A paper
 * figure draws settings in colours and algorithms in dashes:
 *
 *   plot_series s = { .name = "Analog SGD, τ = 2", .x = x, .y = y, .n = n,
 *                     .colour = 2, .dash = 1 };
 *
 * The key is inside at the top right, or outside (so that a legend never
 * covers data) when spec.key_outside is set or more than PLOT_KEY_INSIDE_MAX
 * series have a name: on the right of the plot, or below it (in columns of
 * at most 4 rows) when a name is longer than PLOT_KEY_LONG bytes and there
 * are at most 2 * PLOT_KEY_INSIDE_MAX names, so that long names do not
 * squeeze the plot.
 * A horizontal reference line y = v is a series of two points
 * { x_first, x_last } x { v, v } (.points = -1 keeps markers off it).
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

#define PLOT_POINTS_MAX 30     /* series of at most this many points get markers */
#define PLOT_KEY_INSIDE_MAX 4  /* more named series than this: key outside */
#define PLOT_KEY_LONG 30       /* an outside key with a longer name (bytes) and at
                                  most 2 * PLOT_KEY_INSIDE_MAX entries goes below */

typedef struct {
    const char *name; /* legend entry ("" or NULL: none)            */
    const double *x;  /* n values, or NULL for 0, 1, ..., n-1        */
    const double *y;  /* n values                                    */
    size_t n;
    int colour;       /* 0: by position; k >= 1: palette colour k    */
    int dash;         /* 0: solid; k >= 1: dash pattern k            */
    int points;       /* 0: markers if n <= PLOT_POINTS_MAX; 1: markers
                         (every n/20-th point of a long series); -1: none */
} plot_series;

typedef struct {
    const char *title, *xlabel, *ylabel; /* NULL: none                   */
    int logx, logy;                      /* nonzero: log-10 axis        */
    int key_outside;                     /* nonzero: key right of plot
                                            (also when > PLOT_KEY_INSIDE_MAX
                                            named series)               */
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

/**
 * A swept setting as a paper writes it, into buf (cap bytes, truncated):
 * key "section.key" or "key" with its value as given:
 *   lsq.noise  0.031622777 -> "σ² = 0.001"  (the square, 2 significant digits)
 *   *.lr       0.1         -> "α = 0.1"
 *   *.tau      2           -> "τ = 2"
 *   *.kind     tiki_taka   -> "tiki_taka" (the algorithm alone)
 *   any other  device.dw_min 1e-4 -> "dw_min = 1e-4" (the part after the dot)
 * A noise value that is not a number is shown as given ("σ = abc").
 * @return buf.
 */
char *plot_setting_label(const char *key, const char *value, char *buf, size_t cap);

/** An axis of swept key values: "τ (device.tau)", "α (lsq.lr)", "σ (lsq.noise)" (the axis holds
 *  the values as given: σ, not σ²), else the key itself. @return buf. */
char *plot_axis_label(const char *key, char *buf, size_t cap);

/** 1 if a `gnuplot` executable is on PATH, else 0. */
int plot_available(void);

#endif
