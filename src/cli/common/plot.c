/* plot.c - PNG line plots through gnuplot (see plot.h). POSIX only. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include "plot.h"

#include "pathname.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#define NOT_FOUND "gnuplot not found: install gnuplot-nox (scripts/setup.sh)"

/* Distinct line colours (then repeating). */
static const char *const colours[] = { "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                       "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf" };

/* Dash patterns (gnuplot dt), then repeating; point types (filled circle, square, triangle, inverted
 * triangle, diamond) by the same index. */
static const char *const dashes[] = { "solid", "(12,6)", "(3,4)", "(14,5,3,5)", "(6,3)", "(14,4,3,4,3,4)" };
static const int ptypes[] = { 7, 5, 9, 11, 13, 15 };
#define NPAT 6

char *plot_setting_label(const char *key, const char *value, char *buf, size_t cap)
{
    const char *dot = key ? strrchr(key, '.') : NULL, *k = dot ? dot + 1 : (key ? key : "");
    if (!value) value = "";
    if (!cap) return buf;
    if (!strcmp(k, "noise") && (!key || !dot || !strcmp(key, "lsq.noise"))) {
        char *end;
        double v = strtod(value, &end);
        if (end != value && !*end && isfinite(v)) snprintf(buf, cap, "σ² = %.2g", v * v);
        else snprintf(buf, cap, "σ = %s", value);
    } else if (!strcmp(k, "lr")) {
        snprintf(buf, cap, "α = %s", value);
    } else if (!strcmp(k, "tau")) {
        snprintf(buf, cap, "τ = %s", value);
    } else if (!strcmp(k, "kind")) {
        snprintf(buf, cap, "%s", value);
    } else {
        snprintf(buf, cap, "%s = %s", k, value);
    }
    return buf;
}

char *plot_axis_label(const char *key, char *buf, size_t cap)
{
    const char *dot = key ? strrchr(key, '.') : NULL, *k = dot ? dot + 1 : (key ? key : "");
    const char *sym = !strcmp(k, "lr") ? "α" : !strcmp(k, "tau") ? "τ" : !strcmp(k, "noise") ? "σ" : NULL;
    if (cap) snprintf(buf, cap, sym ? "%s (%s)" : "%s", sym ? sym : (key ? key : ""), key ? key : "");
    return buf;
}

int plot_available(void)
{
    const char *path = getenv("PATH");
    if (!path) path = "/usr/bin:/bin";
    char buf[4096];
    while (*path) {
        size_t len = strcspn(path, ":");
        snprintf(buf, sizeof buf, "%.*s/gnuplot", len ? (int)len : 1, len ? path : ".");
        if (!access(buf, X_OK)) return 1;
        path += len + (path[len] == ':');
    }
    return 0;
}

/* s as a gnuplot single-quoted string ('' stands for '). */
static void put_quoted(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; s && *s; s++) {
        if (*s == '\'') fputc('\'', f);
        if (*s != '\n') fputc(*s, f);
    }
    fputc('\'', f);
}

static int write_data(const char *path, const plot_spec *sp)
{
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    for (int s = 0; s < sp->nseries; s++) {
        const plot_series *ser = &sp->series[s];
        if (s) fputs("\n\n", f); /* a new gnuplot "index" */
        fprintf(f, "# %d\n", s);
        if (ser->n == 0) fputs("NaN NaN\n", f);
        for (size_t i = 0; i < ser->n; i++) {
            double x = ser->x ? ser->x[i] : (double)i, y = ser->y[i];
            int ok = isfinite(x) && isfinite(y) && !(sp->logx && x <= 0) && !(sp->logy && y <= 0);
            if (ok) fprintf(f, "%.9g %.9g\n", x, y);
            else fputs("NaN NaN\n", f);
        }
    }
    int rc = ferror(f) ? -1 : 0;
    return fclose(f) || rc ? -1 : 0;
}

/* The x tics of a linear axis: a step of 1, 2 or 5 times a power of ten that cuts the range of the
 * plotted x into at most 6 intervals, so that long tic labels (20000) do not run into each other (at
 * least 1 where every x is an integer); a single x value v (a run of one epoch) is shown on
 * [v - 1, v + 1] instead of gnuplot's [0.99 v, 1.01 v]. */
static void x_tics(FILE *f, const plot_spec *sp)
{
    double lo = INFINITY, hi = -INFINITY;
    int whole = 1; /* every x an integer (epochs): no tics between them */
    for (int s = 0; s < sp->nseries; s++)
        for (size_t i = 0; i < sp->series[s].n; i++) {
            double x = sp->series[s].x ? sp->series[s].x[i] : (double)i, y = sp->series[s].y[i];
            if (isfinite(x) && isfinite(y) && !(sp->logy && y <= 0))
                lo = fmin(lo, x), hi = fmax(hi, x), whole &= x == floor(x);
        }
    if (lo == hi) {
        fprintf(f, "set xrange [%.9g:%.9g]\n%s", lo - 1, hi + 1, lo == floor(lo) ? "set xtics 1\n" : "");
    } else if (hi > lo) {
        double raw = (hi - lo) / 6, p = pow(10, floor(log10(raw))), step = 10 * p;
        if (raw <= p) step = p;
        else if (raw <= 2 * p) step = 2 * p;
        else if (raw <= 5 * p) step = 5 * p;
        fprintf(f, "set xtics %.9g\n", whole && step < 1 ? 1 : step);
    }
}

static int write_script(const char *path, const char *png, const char *dat, const plot_spec *sp)
{
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    int named = 0;
    size_t longest = 0;
    for (int s = 0; s < sp->nseries; s++) {
        const char *name = sp->series[s].name;
        named += name && name[0];
        if (name && strlen(name) > longest) longest = strlen(name);
    }
    const int outside = sp->key_outside || named > PLOT_KEY_INSIDE_MAX;
    const int below = outside && longest > PLOT_KEY_LONG && named <= 2 * PLOT_KEY_INSIDE_MAX;
    const int width = outside && !below ? 1000 : 800;
    fprintf(f, "if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {\n"
               "  set terminal pngcairo size %d,600 enhanced font ',12'\n"
               "} else {\n"
               "  set terminal png size %d,600 enhanced\n"
               "}\n", width, width);
    fputs("set encoding utf8\nset output ", f), put_quoted(f, png), fputc('\n', f);
    if (sp->title) fputs("set title ", f), put_quoted(f, sp->title), fputs(" noenhanced\n", f);
    if (sp->xlabel) fputs("set xlabel ", f), put_quoted(f, sp->xlabel), fputs(" noenhanced\n", f);
    if (sp->ylabel) fputs("set ylabel ", f), put_quoted(f, sp->ylabel), fputs(" noenhanced\n", f);
    fputs("set grid xtics ytics lt 1 lc rgb '#e3e3e3' lw 1\nset border lw 1.2\nset tics nomirror out\n", f);
    fputs(below     ? "set key below center maxrows 4 samplen 5\n"
          : outside ? "set key outside right top samplen 5\n"
                    : "set key inside right top samplen 5 opaque box lc rgb '#bbbbbb'\n",
          f);
    if (sp->logx) fputs("set logscale x 10\nset format x '10^{%L}'\n", f);
    else x_tics(f, sp);
    if (sp->logy) fputs("set logscale y 10\nset format y '10^{%L}'\n", f);
    if (sp->ymin < sp->ymax) fprintf(f, "set yrange [%.9g:%.9g]\n", sp->ymin, sp->ymax);
    int nc = (int)(sizeof colours / sizeof *colours);
    for (int i = 0; i < nc; i++) fprintf(f, "set linetype %d lc rgb '%s' lw 2 dt solid\n", i + 1, colours[i]);
    fprintf(f, "set linetype cycle %d\n", nc);
    fputs("plot", f);
    for (int s = 0; s < sp->nseries; s++) {
        const char *name = sp->series[s].name;
        fputs(s ? ", \\\n     " : " ", f);
        put_quoted(f, s ? "" : dat);
        const plot_series *ser = &sp->series[s];
        int c = (ser->colour > 0 ? ser->colour - 1 : s) % nc, d = ser->dash > 0 ? 1 + (ser->dash - 1) % (NPAT - 1) : 0;
        int marks = ser->points > 0 || (ser->points == 0 && ser->n <= PLOT_POINTS_MAX);
        fprintf(f, " index %d using 1:2 with %s lc rgb '%s' lw 2 dt %s", s, marks ? "linespoints" : "lines", colours[c],
                dashes[d]);
        if (marks) fprintf(f, " pt %d ps 1.2 pi %d", ptypes[d], ser->n > PLOT_POINTS_MAX ? (int)(ser->n / 20) : 1);
        fputc(' ', f);
        if (name && name[0]) fputs("title ", f), put_quoted(f, name), fputs(" noenhanced", f);
        else fputs("notitle", f);
    }
    fputs("\nset output\n", f);
    int rc = ferror(f) ? -1 : 0;
    return fclose(f) || rc ? -1 : 0;
}

/* Last non-empty line of the file at path, into buf. */
static void last_line(const char *path, char *buf, size_t n)
{
    buf[0] = 0;
    FILE *f = fopen(path, "r");
    if (!f) return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        if (line[strspn(line, " \t^")] && snprintf(buf, n, "%s", line) >= (int)n) buf[n - 1] = 0;
    }
    fclose(f);
}

/* Run gnuplot in folder dir on script (a name in dir) with stdout and stderr into log. Returns its exit
 * status, -1, or 127. On Linux gnuplot is killed with its parent, so that a killed xbar leaves no plot
 * being written into its temporary directory. */
static int run_gnuplot(const char *dir, const char *script, const char *log)
{
    const pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
#ifdef __linux__
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) _exit(127); /* the parent died before prctl */
#else
        (void)parent;
#endif
        if (chdir(dir)) _exit(126);
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0666);
        int null = open("/dev/null", O_RDONLY);
        if (fd >= 0) dup2(fd, 1), dup2(fd, 2);
        if (null >= 0) dup2(null, 0);
        execlp("gnuplot", "gnuplot", script, (char *)NULL);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* 1 if the file system holding dir has no space left for an unprivileged writer. */
static int disk_full(const char *dir)
{
    struct statvfs v;
    return !statvfs(dir, &v) && v.f_bavail == 0;
}

/* gnuplot sees only names of its own inside the PNG's folder (it runs there), so a path of any bytes
 * (a newline, quotes) plots; the image is renamed to png at the end. */
int plot_lines(const char *png, const plot_spec *sp, char *err, size_t n)
{
    if (!plot_available()) return snprintf(err, n, NOT_FOUND), -1;
    if (sp->nseries < 1) return snprintf(err, n, "plot %s: no series", path_show(png)), -1;
    char names[4][40];
    static const char *const ext[4] = {"dat", "gp", "log", "png"};
    for (int k = 0; k < 4; k++) snprintf(names[k], sizeof names[k], ".plot-%ld.%s", (long)getpid(), ext[k]);
    size_t len = strlen(png) + 48;
    char *dir = malloc(5 * len);
    if (!dir) return snprintf(err, n, "plot %s: out of memory", path_show(png)), -1;
    path_parent(png, dir, len);
    char *full[4];
    for (int k = 0; k < 4; k++) {
        full[k] = dir + (size_t)(k + 1) * len;
        snprintf(full[k], len, "%s/%s", dir, names[k]);
    }
    int rc = -1;
    if (write_data(full[0], sp)) {
        snprintf(err, n, "cannot write %s: %s", path_show(full[0]), strerror(errno));
    } else if (write_script(full[1], names[3], names[0], sp)) {
        snprintf(err, n, "cannot write %s: %s", path_show(full[1]), strerror(errno));
    } else {
        int st = run_gnuplot(dir, names[1], names[2]);
        struct stat sb;
        if (st == 127) {
            snprintf(err, n, NOT_FOUND);
        } else if (st != 0 || stat(full[3], &sb) || sb.st_size == 0) {
            char why[400];
            last_line(full[2], why, sizeof why);
            if (disk_full(dir)) snprintf(why, sizeof why, "%s", strerror(ENOSPC));
            else if (st == 126) snprintf(why, sizeof why, "cannot enter %s", path_show(dir));
            snprintf(err, n, "gnuplot failed on %s: %s", path_show(png), why[0] ? why : "no output");
        } else if (rename(full[3], png)) {
            snprintf(err, n, "cannot write %s: %s", path_show(png), strerror(errno));
        } else {
            rc = 0;
        }
    }
    for (int k = 0; k < 4; k++) remove(full[k]);
    free(dir);
    return rc;
}
