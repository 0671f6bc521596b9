/* csvout.c - a small CSV writer (see csvout.h). */
#include "csvout.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct csv_writer {
    FILE *f;
    int ncols;
    int nfields; /* fields in the current row */
    long rows;
    char err[512]; /* first error ("" if none) */
    char path[];
};

static void fail_io(csv_writer *w)
{
    if (!w->err[0]) snprintf(w->err, sizeof w->err, "cannot write %s: %s", w->path, strerror(errno));
}

static int begin_field(csv_writer *w)
{
    if (w->err[0]) return -1;
    if (w->nfields++ && fputc(',', w->f) == EOF) return fail_io(w), -1;
    return 0;
}

static void put_str(csv_writer *w, const char *s)
{
    if (s[strcspn(s, ",\"\r\n")] == 0) {
        if (fputs(s, w->f) == EOF) fail_io(w);
        return;
    }
    fputc('"', w->f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', w->f);
        fputc(*s, w->f);
    }
    if (fputc('"', w->f) == EOF) fail_io(w);
}

csv_writer *csv_open(const char *path, const char *const *cols, char *err, size_t n)
{
    size_t len = strlen(path);
    csv_writer *w = calloc(1, sizeof *w + len + 1);
    if (!w) {
        if (n) snprintf(err, n, "out of memory");
        return NULL;
    }
    memcpy(w->path, path, len + 1);
    w->f = fopen(path, "w");
    if (!w->f) {
        if (n) snprintf(err, n, "cannot write %s: %s", path, strerror(errno));
        free(w);
        return NULL;
    }
    for (int i = 0; cols[i]; i++) {
        begin_field(w);
        put_str(w, cols[i]);
    }
    w->ncols = w->nfields;
    w->nfields = 0;
    if (fputc('\n', w->f) == EOF) fail_io(w);
    return w;
}

void csv_num(csv_writer *w, double v)
{
    if (!begin_field(w) && fprintf(w->f, "%.9g", v) < 0) fail_io(w);
}

void csv_i64(csv_writer *w, int64_t v)
{
    if (!begin_field(w) && fprintf(w->f, "%lld", (long long)v) < 0) fail_io(w);
}

void csv_str(csv_writer *w, const char *s)
{
    if (!begin_field(w)) put_str(w, s ? s : "");
}

void csv_end_row(csv_writer *w)
{
    if (w->err[0]) return;
    if (w->nfields != w->ncols) {
        snprintf(w->err, sizeof w->err, "%.300s: row %ld has %d fields, the header has %d", w->path,
                 w->rows + 1, w->nfields, w->ncols);
        return;
    }
    if (fputc('\n', w->f) == EOF) fail_io(w);
    w->nfields = 0;
    w->rows++;
}

void csv_row(csv_writer *w, const double *v)
{
    for (int i = 0; i < w->ncols; i++) csv_num(w, v[i]);
    csv_end_row(w);
}

int csv_flush(csv_writer *w)
{
    if (fflush(w->f)) return fail_io(w), -1;
    return w->err[0] ? -1 : 0;
}

long csv_rows(const csv_writer *w) { return w->rows; }

int csv_close(csv_writer *w, char *err, size_t n)
{
    if (!w) return 0;
    if (!w->err[0] && w->nfields)
        snprintf(w->err, sizeof w->err, "%.300s: last row not ended (%d fields)", w->path, w->nfields);
    if (fflush(w->f) || ferror(w->f)) fail_io(w);
    if (fclose(w->f)) fail_io(w);
    int rc = w->err[0] ? -1 : 0;
    if (rc && n) snprintf(err, n, "%s", w->err);
    free(w);
    return rc;
}

void csv_next_field(const char **p, char *buf, size_t cap)
{
    const char *s = *p;
    size_t k = 0;
    int q = *s == '"';
    if (q) s++;
    for (; *s && (q || (*s != ',' && *s != '\n')); s++) {
        if (q && *s == '"') {
            if (s[1] == '"') s++;
            else {
                q = 0;
                continue;
            }
        }
        if (k + 1 < cap) buf[k++] = *s;
    }
    buf[k] = 0;
    if (*s == ',') s++;
    *p = s;
}
