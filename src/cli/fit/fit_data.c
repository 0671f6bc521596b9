/* fit_data.c - the CSV reader of `xbar fit` (see fit_data.h). */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file_read.h"
#include "fit_data.h"
#include "pathname.h"

void fit_data_free(fit_data *d)
{
    if (!d) return;
    free(d->idx);
    free(d->w);
    free(d->cnt);
    memset(d, 0, sizeof *d);
}

/* Field [s, e) as a number into *v: 1 a finite number, 0 not a number, -1 not finite. */
static int parse_num(const char *s, const char *e, double *v)
{
    while (s < e && (*s == ' ' || *s == '\t')) s++;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r')) e--;
    if (s == e || e - s > 63) return 0;
    char buf[64], *end;
    memcpy(buf, s, (size_t)(e - s));
    buf[e - s] = 0;
    errno = 0;
    *v = strtod(buf, &end);
    if (*end) return 0;
    return isfinite(*v) && fabs(*v) <= DBL_MAX ? 1 : -1;
}

static const char *const field_name[3] = {"pulse index", "pulses", "value"};

int fit_data_read(const char *path, double offset, double scale, fit_data *d, char *err, size_t n)
{
    memset(d, 0, sizeof *d);
    char *text = NULL, why[XBAR_FILE_WHY_MAX];
    size_t len = 0, line = 0;
    if (xbar_file_read_all(path, FIT_MAX_BYTES, "a data file of xbar fit", &text, &len, why, sizeof why))
        return snprintf(err, n, "%s: cannot read: %s", path_show(path), why), -1;
    if (xbar_text_check(text, len, &line, why, sizeof why)) {
        free(text);
        return snprintf(err, n, "%s:%zu: %s (a CSV file is text)", path_show(path), line, why), -1;
    }
    size_t cap = 1024;
    d->idx = malloc(cap * sizeof(double));
    d->w = malloc(cap * sizeof(double));
    d->cnt = malloc(cap * sizeof(int));
    int rc = d->idx && d->w && d->cnt ? 0 : -1;
    if (rc) snprintf(err, n, "out of memory");
    line = 0;
    int content = 0; /* lines with content so far (the first may be a header) */
    for (char *at = text; !rc && *at;) {
        char *end = strchr(at, '\n');
        if (!end) end = at + strlen(at);
        line++;
        char *s = at;
        at = *end ? end + 1 : end;
        while (s < end && (*s == ' ' || *s == '\t' || *s == '\r')) s++;
        if (s == end || *s == '#') continue;
        const char *f[4] = {s, NULL, NULL, NULL};
        int nf = 1;
        for (char *p = s; p < end; p++)
            if (*p == ',') {
                if (nf < 3) f[nf] = p + 1;
                nf++;
            }
        double v[3];
        int ok[3] = {0, 0, 0};
        for (int k = 0; k < 3 && k < nf; k++) {
            const char *fe = k + 1 < nf ? (k + 1 < 3 ? f[k + 1] - 1 : strchr(f[k], ',')) : end;
            ok[k] = parse_num(f[k], fe, &v[k]);
        }
        if (!content++ && ok[0] == 0) continue; /* a header line */
        if (nf != 3) {
            snprintf(err, n, "%s:%zu: %d field%s, expected 3 (pulse index, pulses, value)", path_show(path), line, nf,
                     nf == 1 ? "" : "s");
            rc = -1;
            break;
        }
        for (int k = 0; k < 3 && !rc; k++)
            if (ok[k] != 1) {
                const char *fe = k < 2 ? f[k + 1] - 1 : end;
                snprintf(err, n, "%s:%zu: %s = \"%.*s\": %s", path_show(path), line, field_name[k],
                         (int)(fe - f[k] > 40 ? 40 : fe - f[k]), f[k],
                         ok[k] ? "must be a finite number" : "not a number");
                rc = -1;
            }
        if (rc) break;
        if (v[1] != floor(v[1]) || fabs(v[1]) > FIT_MAX_RUN) {
            snprintf(err, n, "%s:%zu: pulses = %g: must be an integer in [-%d, %d] (+1 / -1: one up / down pulse)",
                     path_show(path), line, v[1], FIT_MAX_RUN, FIT_MAX_RUN);
            rc = -1;
            break;
        }
        const double w = (v[2] - offset) * scale;
        if (!(fabs(w) <= FLT_MAX)) {
            snprintf(err, n, "%s:%zu: value = %g: weight (value - fit.offset) * fit.scale = %g is outside the float32 "
                     "range", path_show(path), line, v[2], w);
            rc = -1;
            break;
        }
        if (d->n == FIT_MAX_ROWS) {
            snprintf(err, n, "%s:%zu: more than %d readings", path_show(path), line, FIT_MAX_ROWS);
            rc = -1;
            break;
        }
        if (d->n == cap) {
            cap *= 2;
            double *a = realloc(d->idx, cap * sizeof(double)), *b = a ? realloc(d->w, cap * sizeof(double)) : NULL;
            if (a) d->idx = a;
            if (b) d->w = b;
            int *c = b ? realloc(d->cnt, cap * sizeof(int)) : NULL;
            if (!c) {
                snprintf(err, n, "out of memory (%zu readings)", cap);
                rc = -1;
                break;
            }
            d->cnt = c;
        }
        const int cn = d->n ? (int)v[1] : 0;
        d->idx[d->n] = v[0];
        d->w[d->n] = w;
        d->cnt[d->n] = cn;
        if (cn > 0) d->steps_up++, d->pulses_up += (size_t)cn;
        if (cn < 0) d->steps_dn++, d->pulses_dn += (size_t)-cn;
        d->wlo = d->n ? fmin(d->wlo, w) : w;
        d->whi = d->n ? fmax(d->whi, w) : w;
        d->n++;
    }
    free(text);
    if (!rc && d->n == 0) {
        snprintf(err, n, "%s:%zu: no readings (%s)", path_show(path), line, line ? "only a header, blank or comment lines"
                                                                               : "an empty file");
        rc = -1;
    } else if (!rc && (d->steps_up < FIT_MIN_STEPS || d->steps_dn < FIT_MIN_STEPS)) {
        snprintf(err, n, "%s:%zu: %zu up and %zu down steps at the end of the file: at least %d in each direction "
                 "are needed (a reading with a non-zero pulses field is a step)", path_show(path), line, d->steps_up,
                 d->steps_dn, FIT_MIN_STEPS);
        rc = -1;
    } else if (!rc && !(d->whi > d->wlo)) {
        snprintf(err, n, "%s:%zu: every weight is %g: the pulses changed nothing", path_show(path), line, d->wlo);
        rc = -1;
    }
    if (rc) fit_data_free(d);
    return rc;
}
