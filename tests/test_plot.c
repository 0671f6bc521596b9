/* test_plot.c - the style of xbar's PNG plots (src/cli/common/plot.h): colours, dash patterns, point
 * markers on short series, the key's place, the axis ranges and the paper's symbols in labels.
 *
 * The gnuplot commands are read back through a stand-in `gnuplot` put first on PATH: a shell script
 * that copies the script and data plot_lines wrote and leaves a PNG signature as the image. A real
 * gnuplot, if installed, then draws a one-point plot. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../src/cli/common/plot.h"
#include "util.h"

static char base[512], cap_gp[600], cap_dat[600], png[600];

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    return buf;
}

/* The plot command of series s (the line after "plot" or a continuation), into line. */
static int series_line(const char *gp, int s, char *line, size_t cap)
{
    const char *p = strstr(gp, "\nplot ");
    for (int k = 0; p && k < s; k++) p = strstr(p + 1, "\n     ");
    if (!p) return 0;
    p++;
    size_t len = strcspn(p, "\n");
    snprintf(line, cap, "%.*s", (int)len, p);
    return 1;
}

/* Draw spec through the stand-in; the script it saw, or NULL. */
static const char *script_of(const plot_spec *sp)
{
    char err[512];
    remove(cap_gp);
    if (plot_lines(png, sp, err, sizeof err)) {
        CHECK(0, "plot_lines: %s", err);
        return NULL;
    }
    return slurp(cap_gp);
}

static void test_labels(void)
{
    char b[64];
    CHECK(!strcmp(plot_setting_label("lsq.noise", "0.031622777", b, sizeof b), "σ² = 0.001"), "noise: %s", b);
    CHECK(!strcmp(plot_setting_label("lsq.noise", "0.31622777", b, sizeof b), "σ² = 0.1"), "noise: %s", b);
    CHECK(!strcmp(plot_setting_label("lsq.noise", "0.028284271", b, sizeof b), "σ² = 0.0008"), "noise: %s", b);
    CHECK(!strcmp(plot_axis_label("device.tau", b, sizeof b), "τ (device.tau)"), "axis: %s", b);
    CHECK(!strcmp(plot_axis_label("lsq.noise", b, sizeof b), "σ (lsq.noise)"), "axis: %s", b);
    CHECK(!strcmp(plot_axis_label("device.dw_min", b, sizeof b), "device.dw_min"), "axis: %s", b);
    CHECK(!strcmp(plot_setting_label("noise", "1", b, sizeof b), "σ² = 1"), "noise: %s", b);
    CHECK(!strcmp(plot_setting_label("lsq.noise", "0.123", b, sizeof b), "σ² = 0.015"), "2 digits: %s", b);
    CHECK(!strcmp(plot_setting_label("lsq.noise", "abc", b, sizeof b), "σ = abc"), "noise: %s", b);
    CHECK(!strcmp(plot_setting_label("lsq.lr", "0.1", b, sizeof b), "α = 0.1"), "lr: %s", b);
    CHECK(!strcmp(plot_setting_label("optimizer.fast_lr", "0.1", b, sizeof b), "fast_lr = 0.1"), "fast_lr: %s", b);
    CHECK(!strcmp(plot_setting_label("device.tau", "2", b, sizeof b), "τ = 2"), "tau: %s", b);
    CHECK(!strcmp(plot_setting_label("device.dw_min", "1e-4", b, sizeof b), "dw_min = 1e-4"), "dw_min: %s", b);
    CHECK(!strcmp(plot_setting_label("optimizer.kind", "tiki_taka", b, sizeof b), "tiki_taka"), "kind: %s", b);
    CHECK(!strcmp(plot_setting_label("seed", "3", b, sizeof b), "seed = 3"), "seed: %s", b);
    CHECK(!strcmp(plot_setting_label("device.dw_min", "1e-4", b, 5), "dw_m"), "truncated: %s", b);
}

static void test_style(void)
{
    static double x[50], y[50], big[3] = {0, 10000, 20000};
    for (int i = 0; i < 50; i++) x[i] = i, y[i] = 1.0 + i;
    static double one_x = 1, one_y = 42;
    char line[512];

    /* colours, dashes and markers per series */
    plot_series s[] = {
        {.name = "one point", .x = &one_x, .y = &one_y, .n = 1},                 /* auto: markers */
        {.name = "long", .x = x, .y = y, .n = 50},                                /* auto: line only */
        {.name = "chosen", .x = x, .y = y, .n = 50, .colour = 3, .dash = 1, .points = 1},
        {.name = "", .x = x, .y = y, .n = 2, .colour = 13, .dash = 6, .points = -1}, /* both repeat */
    };
    plot_spec sp = {.title = "t", .series = s, .nseries = 4, .ymin = 0, .ymax = 100};
    const char *gp = script_of(&sp);
    if (!gp) return;
    CHECK(series_line(gp, 0, line, sizeof line) && strstr(line, "with linespoints") &&
              strstr(line, "lc rgb '#1f77b4'") && strstr(line, "dt solid") && strstr(line, "pt 7"),
          "one-point series drawn with a marker in colour 1: %s", line);
    CHECK(series_line(gp, 1, line, sizeof line) && strstr(line, "with lines ") && strstr(line, "#d62728") &&
              !strstr(line, " pt "),
          "50-point series: a line in colour 2, no markers: %s", line);
    CHECK(series_line(gp, 2, line, sizeof line) && strstr(line, "with linespoints") && strstr(line, "#2ca02c") &&
              strstr(line, "dt (12,6)") && strstr(line, "pt 5") && strstr(line, "pi 2 "),
          "colour 3, dash 1, a marker every 50/20 points: %s", line);
    CHECK(series_line(gp, 3, line, sizeof line) && strstr(line, "with lines ") && strstr(line, "#2ca02c") &&
              strstr(line, "dt (12,6)") && strstr(line, "notitle"),
          "colour 13 = 3, dash 6 = 1, points -1, no name: %s", line);
    CHECK(strstr(gp, "set yrange [0:100]\n") != NULL, "y range 0..100:\n%s", gp);
    CHECK(strstr(gp, "set key inside") != NULL && strstr(gp, "size 800,600"), "3 names: key inside:\n%s", gp);
    CHECK(strstr(gp, "set encoding utf8\n") != NULL, "utf8:\n%s", gp);
    CHECK(strstr(gp, "set xtics 10\n") != NULL, "x 0..49: tics every 10:\n%s", gp);
    const char *dat = slurp(cap_dat);
    CHECK(dat && strstr(dat, "# 0\n1 42\n\n\n# 1\n0 1\n"), "data of the one-point series:\n%s", dat ? dat : "");

    /* a single x value (a one-epoch run): x from v - 1 to v + 1, whole tics */
    sp.nseries = 1;
    gp = script_of(&sp);
    CHECK(gp && strstr(gp, "set xrange [0:2]\nset xtics 1\n"), "single x:\n%s", gp ? gp : "");

    /* more than PLOT_KEY_INSIDE_MAX names: key outside on the right, wider image */
    plot_series m[PLOT_KEY_INSIDE_MAX + 1];
    for (int k = 0; k <= PLOT_KEY_INSIDE_MAX; k++) m[k] = (plot_series){.name = "short", .x = x, .y = y, .n = 50};
    plot_spec sm = {.series = m, .nseries = PLOT_KEY_INSIDE_MAX};
    gp = script_of(&sm);
    CHECK(gp && strstr(gp, "set key inside"), "%d names: inside:\n%s", PLOT_KEY_INSIDE_MAX, gp ? gp : "");
    sm.nseries = PLOT_KEY_INSIDE_MAX + 1;
    gp = script_of(&sm);
    CHECK(gp && strstr(gp, "set key outside right") && strstr(gp, "size 1000,600"), "%d names: outside:\n%s",
          PLOT_KEY_INSIDE_MAX + 1, gp ? gp : "");
    m[0].name = "a legend entry longer than thirty bytes";
    gp = script_of(&sm);
    CHECK(gp && strstr(gp, "set key below") && strstr(gp, "size 800,600"), "long name: below:\n%s", gp ? gp : "");

    /* long integer x: at most 6 intervals of 1, 2 or 5 x 10^k */
    plot_series b1 = {.name = "b", .x = big, .y = big + 0, .n = 3};
    big[0] = 1; /* y > 0 for the log axis below */
    plot_spec sb = {.series = &b1, .nseries = 1};
    gp = script_of(&sb);
    CHECK(gp && strstr(gp, "set xtics 5000\n"), "x 1..20000: tics every 5000:\n%s", gp ? gp : "");
    sb.logx = 1;
    gp = script_of(&sb);
    CHECK(gp && !strstr(gp, "set xtics") && strstr(gp, "set logscale x"), "log x: gnuplot's tics:\n%s", gp ? gp : "");
}

/* A real gnuplot draws a one-point series into a PNG and leaves no temporary file. */
static void test_real(const char *path_env)
{
    setenv("PATH", path_env, 1);
    if (!plot_available()) {
        printf("test_plot: gnuplot not installed, drawing skipped\n");
        return;
    }
    static double xx = 1, yy = 42;
    plot_series s = {.name = "test", .x = &xx, .y = &yy, .n = 1};
    plot_spec sp = {.title = "σ² = 0.001, α = 0.1", .xlabel = "epoch", .ylabel = "accuracy (%)", .ymin = 0,
                    .ymax = 100, .series = &s, .nseries = 1};
    char err[512], real[600];
    snprintf(real, sizeof real, "%s/real.png", base);
    CHECK(plot_lines(real, &sp, err, sizeof err) == 0, "gnuplot: %s", err);
    const char *img = slurp(real);
    CHECK(img && !memcmp(img, "\x89PNG", 4), "real.png is a PNG");
    char tmp[700];
    snprintf(tmp, sizeof tmp, "%s/.plot-%ld.gp", base, (long)getpid());
    CHECK(access(tmp, F_OK) != 0, "temporary script left");
}

int main(void)
{
    snprintf(base, sizeof base, "%s/xbar_test_plot.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(base)) return perror("mkdtemp"), 1;
    snprintf(cap_gp, sizeof cap_gp, "%s/seen.gp", base);
    snprintf(cap_dat, sizeof cap_dat, "%s/seen.dat", base);
    snprintf(png, sizeof png, "%s/p.png", base);
    char bin[600], fake[700];
    snprintf(bin, sizeof bin, "%s/bin", base);
    mkdir(bin, 0755);
    snprintf(fake, sizeof fake, "%s/gnuplot", bin);
    FILE *f = fopen(fake, "w");
    if (!f) return perror(fake), 1;
    /* gnuplot SCRIPT, run in the image's folder: keep the script and data, write a PNG signature */
    fprintf(f, "#!/bin/sh\ncp \"$1\" '%s'\ncp \"${1%%.gp}.dat\" '%s'\nprintf '\\211PNG' > \"${1%%.gp}.png\"\n", cap_gp,
            cap_dat);
    fclose(f);
    chmod(fake, 0755);
    const char *old = getenv("PATH");
    char *saved = strdup(old ? old : "/usr/bin:/bin"), *path = malloc(strlen(saved) + 700);
    sprintf(path, "%s:%s", bin, saved);
    setenv("PATH", path, 1);
    test_labels();
    test_style();
    test_real(saved);
    free(path);
    free(saved);
    if (!xt_failures) {
        remove(cap_gp), remove(cap_dat), remove(png), remove(fake), rmdir(bin);
        snprintf(fake, sizeof fake, "%s/real.png", base);
        remove(fake);
        rmdir(base);
    } else {
        fprintf(stderr, "test_plot: files kept in %s\n", base);
    }
    return xt_done("test_plot");
}
