/*
 * pathname.h - path names as the program shows and derives them.
 *
 * path_show: a path as it appears in a one-line message. A message must keep
 * its reason, so a long path is shortened in the middle and control bytes are
 * escaped (a newline in a folder name must not split the line):
 *
 *   cli_error("train", "cannot create %s: %s", path_show(p), strerror(errno));
 *   -> "cannot create /very/long/...(98304 bytes)...tail/x.tmp-41: No space left on device"
 *
 * path_sibling: the name of a working file or folder beside DIR, such as
 * "DIR.tmp-PID" or "DIR.run". When DIR's last component plus the longest
 * suffix xbar uses (24 bytes) would pass the file system's limit of NAME_MAX
 * (255) bytes a component, every sibling is named ".xbar-HHHHHHHHHHHHHHHH" +
 * suffix instead (H: the FNV-1a hash of the last component), so that any
 * folder name the system accepts works as --out. path_is_sibling tells whether a directory entry is a
 * sibling of DIR with a suffix starting with a given prefix.
 */
#ifndef XBAR_CLI_PATHNAME_H
#define XBAR_CLI_PATHNAME_H

#include <stddef.h>

/** Longest path shown whole by path_show (longer ones keep head and tail). */
#define PATH_SHOW_MAX 160

/**
 * `path` for a message: control bytes as \n, \t, \xHH; over PATH_SHOW_MAX
 * bytes, the first and last 64 bytes around "...(N bytes)...". Returns one of
 * 4 rotating thread-local buffers (valid for the next 3 calls).
 */
const char *path_show(const char *path);

/**
 * Into buf: the sibling of dir (no trailing '/') named by suffix, see above.
 * @return 0, or -1 when it does not fit cap.
 */
int path_sibling(const char *dir, const char *suffix, char *buf, size_t cap);

/**
 * If `name` (a directory entry of dir's parent) is a sibling of dir whose
 * suffix starts with `prefix`, return a pointer to the rest of the suffix
 * after the prefix; else NULL. Example: dir "out/a", name "a.tmp-41",
 * prefix ".tmp-" -> "41".
 */
const char *path_sibling_rest(const char *dir, const char *name, const char *prefix);

/** The folder holding path ("." if none, "/" for "/x") into buf. */
void path_parent(const char *path, char *buf, size_t cap);

/** The last component of path (a view into path). */
const char *path_base(const char *path);

/** mkdir -p: path and every missing folder above it. @return 0, or -1 with errno
 *  (ENAMETOOLONG, ENOTDIR when path exists and is not a folder, or mkdir's). */
int path_mkdirs(const char *path);

#endif
