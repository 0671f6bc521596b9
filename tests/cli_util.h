/* cli_util.h - helpers for tests that run the xbar program: run a command
 * line with its output captured, read files, and check the "bad input" rule
 * (exit code 2, one line naming what is wrong, nothing left behind). */
#ifndef XBAR_TEST_CLI_UTIL_H
#define XBAR_TEST_CLI_UTIL_H

#include <stddef.h>

/** Program path and scratch folder (created); stdout / stderr go to tmp/out.txt, tmp/err.txt. */
void xt_cli_init(const char *xbar, const char *tmp);
/** A CLI test's start: the program is argv[1], else build/xbar beside build/tests/ (the
 *  test's own folder); the scratch folder /tmp/xbar-test-NAME-PID into tmp (cap bytes);
 *  then xt_cli_init. Returns the program's path (static storage). */
const char *xt_cli_start(int argc, char **argv, const char *name, char *tmp, size_t cap);
/** Run "xbar ARGS"; returns its exit code (-1 if it did not exit). */
int xt_run(const char *args);
/** Whole file, NUL-terminated (free it); NULL if unreadable. *n = length if n. */
char *xt_slurp(const char *path, size_t *n);
/** Write text to path (created or truncated); a failure counts as a failed check. */
void xt_write_text(const char *path, const char *text);
int xt_exists(const char *path);
/** Both files readable, non-empty and byte-identical. */
int xt_same_file(const char *a, const char *b);
/** Expect exit code 2 and one stderr line containing n1 and n2 (if not NULL); dir (if not NULL) must not exist. */
void xt_bad(const char *args, const char *n1, const char *n2, const char *dir);
/** Write DIR/PREFIX-{images-idx3,labels-idx1}-ubyte.gz: n synthetic 28x28 images of
 *  10 classes (image i has label i % 10: noise below 40 plus a 6x5 block at 230 placed by
 *  the class; salt varies the noise). truncate: the image file stops after n/2 images. */
void xt_write_idx_set(const char *dir, const char *prefix, unsigned n, unsigned salt, int truncate);
/** Remove the scratch folder. */
void xt_cli_done(void);

#endif
