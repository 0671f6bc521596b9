/*
 * outdir.h - all-or-nothing output directories, and atomic single files.
 *
 * A run writes every result file into a fresh temporary sibling directory
 * "DIR.tmp-PID" and renames it to DIR only when the run succeeds, so DIR
 * either holds a complete result or is untouched:
 *
 *   out_ctx o;
 *   if (out_begin(dir, force, &o, err, sizeof err)) { ...report err, exit 2... }
 *   FILE *f = out_fopen(&o, "metrics.csv", err, sizeof err);
 *   ... write, fclose ...
 *   if (failed) out_abort(&o);                         // DIR untouched
 *   else if (out_commit(&o, err, sizeof err)) ...;     // DIR replaced as a whole
 *
 * With force, an existing DIR is replaced at commit time (renamed aside, the
 * new one renamed in, then the old one removed). To protect against a typo
 * such as `--out ~ --force`, only an empty directory or one created by
 * out_commit (it holds the marker file OUT_MARKER) is ever replaced.
 * A run that is killed leaves "DIR.tmp-PID" behind, never a partial DIR
 * (outlock.h: the next command on DIR removes it). Sibling names are
 * pathname.h's path_sibling, so a DIR name of up to NAME_MAX bytes works.
 * Messages show paths through path_show (shortened, control bytes escaped).
 */
#ifndef XBAR_CLI_OUTDIR_H
#define XBAR_CLI_OUTDIR_H

#include <stddef.h>
#include <stdio.h>

#define OUT_MARKER ".xbar-out" /* empty file marking a directory written by xbar */
#define OUT_PATH_MAX 4096

typedef struct {
    char dir[OUT_PATH_MAX]; /* final directory                          */
    char tmp[OUT_PATH_MAX]; /* temporary directory being written         */
    int force;
    int active;             /* between out_begin and out_commit/out_abort */
    char path[4][OUT_PATH_MAX]; /* out_path results (a ring of 4)        */
    int next;
} out_ctx;

/**
 * Start writing into DIR. Errors (returns -1, err set, nothing created):
 *   "output directory DIR exists (use --force to overwrite)"
 *   "output directory DIR exists and is not an xbar output directory; not replacing it"
 *   "cannot create DIR.tmp-PID: <strerror>"
 * A trailing '/' on dir is ignored. @return 0 or -1.
 */
int out_begin(const char *dir, int force, out_ctx *o, char *err, size_t errlen);

/**
 * Path of `name` inside the temporary directory. Returns a view into `o`,
 * valid for the next 3 calls of out_path (a ring of 4 buffers).
 */
const char *out_path(out_ctx *o, const char *name);

/** fopen(out_path(o, name), "w"), with "cannot write PATH: <strerror>" on failure. */
FILE *out_fopen(out_ctx *o, const char *name, char *err, size_t errlen);

/**
 * Make the result permanent: fsync the files, write OUT_MARKER, rename the
 * temporary directory to DIR (replacing an old DIR when force was given).
 * On failure the temporary directory is kept and its path named in err.
 * @return 0 or -1.
 */
int out_commit(out_ctx *o, char *err, size_t errlen);

/** Remove the temporary directory and everything in it. Safe to call twice. */
void out_abort(out_ctx *o);

/**
 * Write `len` bytes to `path` atomically: write "PATH.tmp", fsync, rename,
 * fsync the directory.
 * @return 0, or -1 with "cannot write PATH: <strerror>" (PATH.tmp removed).
 */
int out_write_atomic(const char *path, const void *data, size_t len, char *err, size_t errlen);

/**
 * Write `len` bytes to exactly `path` (created or truncated) and fsync it; no
 * rename (callers that rotate files rename it themselves, then call
 * out_fsync_dir). @return 0, or -1 with "cannot write PATH: <strerror>" (PATH removed).
 */
int out_write_synced(const char *path, const void *data, size_t len, char *err, size_t errlen);

/** fsync the directory holding `path`, making renames in it durable. @return 0 or -1 (errno). */
int out_fsync_dir(const char *path);

#define OUT_READ_MAX ((size_t)16 << 20) /* summary.json: two per-epoch arrays, ~5 MB at 100000 epochs */

/**
 * Read the whole file `path` into a malloc'd buffer, NUL-terminated (the NUL
 * is not counted in *len). Only a regular file is read (a FIFO or a device is
 * refused before it is opened), of at most OUT_READ_MAX bytes.
 * @return 0, or -1 with "cannot read PATH: <reason>" or "PATH: <reason>".
 */
int out_read_file(const char *path, char **buf, size_t *len, char *err, size_t errlen);

/** 1 if dir is an empty folder or holds OUT_MARKER (out_commit wrote it), else 0. */
int out_replaceable(const char *dir);

/** Remove a file or a directory tree (no symlinks followed). @return 0 or -1 (errno). */
int out_remove_tree(const char *path);

#endif
