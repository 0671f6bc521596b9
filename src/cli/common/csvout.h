/*
 * csvout.h - a small CSV writer (RFC 4180 quoting, '\n' line ends), and a field reader.
 *
 *   static const char *const cols[] = { "step", "loss", "device", NULL };
 *   csv_writer *w = csv_open(out_path(&o, "metrics.csv"), cols, err, sizeof err);
 *   csv_i64(w, step); csv_num(w, loss); csv_str(w, "softbounds"); csv_end_row(w);
 *   ...
 *   if (csv_close(w, err, sizeof err)) ...   // reports any write or shape error
 *
 * Numbers are printed with %.9g (exact for float32 values; "nan", "inf" for
 * non-finite ones), integers in full. A row must have exactly as many fields
 * as the header; the first mistake or I/O error is kept and reported by
 * csv_close (later calls do nothing). Not thread-safe per writer.
 */
#ifndef XBAR_CLI_CSVOUT_H
#define XBAR_CLI_CSVOUT_H

#include <stddef.h>
#include <stdint.h>

typedef struct csv_writer csv_writer;

/**
 * Create `path` and write the header row. `cols` is NULL-terminated.
 * @return the writer (owned by the caller, released by csv_close), or NULL
 * with "cannot write PATH: <strerror>" in err.
 */
csv_writer *csv_open(const char *path, const char *const *cols, char *err, size_t errlen);

void csv_num(csv_writer *w, double v);      /* one numeric field (%.9g)           */
void csv_i64(csv_writer *w, int64_t v);     /* one integer field                  */
void csv_str(csv_writer *w, const char *s); /* one text field, quoted if needed   */
void csv_end_row(csv_writer *w);            /* end the row; checks the field count */

/** A whole numeric row: v[0..ncols-1], then csv_end_row. */
void csv_row(csv_writer *w, const double *v);

/** fflush the file (e.g. so that a long run can be watched). @return 0 or -1. */
int csv_flush(csv_writer *w);

/** Rows written so far (header excluded). */
long csv_rows(const csv_writer *w);

/**
 * Close and free `w` (NULL is fine). @return 0, or -1 with the first error,
 * e.g. "PATH: row 3 has 2 fields, the header has 3" or "cannot write PATH: ...".
 */
int csv_close(csv_writer *w, char *err, size_t errlen);

/**
 * Reading: one field of the CSV line at *p into buf (cap bytes, truncated; RFC 4180 quotes
 * removed, "" inside quotes as one "), then *p past the field's comma (or at the line's end).
 */
void csv_next_field(const char **p, char *buf, size_t cap);

#endif
