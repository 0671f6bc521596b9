/*
 * file_read.h - how xbar opens and reads every file it takes as input
 * (configs, IDX data, checkpoints, MNIST JSON, test fixtures), so that no
 * path can hang the program or make it read without end. Internal to xbar
 * (not installed): the small library xbar_util (src/util), linked into
 * libxbar (its symbols hidden there) and into the program, so that both read
 * files the same way without the program seeing the library's module folders.
 *
 * The rules (issue 13):
 *   - only a regular file is read (a symlink to one is fine). The path is
 *     stat()ed first, so a FIFO, a device (/dev/zero), a socket or a
 *     directory is refused before any open that could block or have side
 *     effects; it is then opened O_RDONLY | O_NONBLOCK | O_CLOEXEC and the
 *     open descriptor fstat()ed again, so a FIFO swapped in between is refused
 *     too, without blocking. The descriptor returned is in blocking mode.
 *   - every read is bounded: by a size limit of the kind of file (checked on
 *     the size fstat reports before anything is allocated, and again while
 *     reading, for files whose size grows or is not reported), or by the size
 *     the file's own header announces (IDX, checkpoints: their readers).
 *   - text that cannot be valid (a NUL byte, a control byte, invalid UTF-8)
 *     is refused naming the line: xbar_text_check.
 *
 * Messages are the reason only, without the path ("not a regular file (a
 * FIFO)"), so that each caller writes them in its own form ("cannot read
 * config PATH: REASON", "PATH: cannot read: REASON", ...). No globals; thread-safe.
 */
#ifndef XBAR_FILE_READ_H
#define XBAR_FILE_READ_H

#include <stddef.h>
#include <stdint.h>

#include "xbar.h"

/** A why buffer of this size holds every reason these functions give. */
#define XBAR_FILE_WHY_MAX 160

/**
 * Open `path` for reading if it is a regular file (see above).
 * @param size may be NULL; receives the file's size (fstat of the open descriptor)
 * @param why  receives the reason on failure (why may be NULL when whyn is 0):
 *   strerror of stat / open, e.g. "No such file or directory", "Permission denied";
 *   "not a regular file (a directory)", "... (a character device)", "... (a block
 *   device)", "... (a FIFO)", "... (a socket)"
 * @return a descriptor (O_RDONLY, close-on-exec, blocking; the caller closes it) or -1.
 */
int xbar_file_open_regular(const char *path, uint64_t *size, char *why, size_t whyn);

/**
 * Read the whole regular file `path`, at most max_bytes bytes, into *buf
 * (malloc'ed, the caller frees it; NUL-terminated, the NUL not counted in
 * *len). A file whose reported size is over the limit is refused before any
 * allocation; one that grows past it while being read is refused too.
 * @param what the kind of file, for the limit message, e.g. "a config file"
 * @return XBAR_OK;
 *   XBAR_EIO     not readable: the reasons of xbar_file_open_regular, "read error: ..."
 *   XBAR_EFORMAT over the limit: "1073741824 bytes, over the 1 MiB limit of a config file"
 *   XBAR_ENOMEM  "out of memory (N bytes)"
 * On failure *buf = NULL, *len = 0 and why holds the reason.
 */
xbar_status xbar_file_read_all(const char *path, size_t max_bytes, const char *what, char **buf, size_t *len,
                               char *why, size_t whyn);

/** n bytes in words for messages: "1 MiB", "64 KiB" or "1000 bytes" (into buf; returns buf). */
const char *xbar_file_size_words(size_t n, char *buf, size_t cap);

/**
 * Check that text[0..len) is text: UTF-8 (no overlong forms, surrogates or
 * code points over U+10FFFF) without a NUL byte or any other control byte
 * than tab, CR and LF (DEL is refused too).
 * @param line receives the 1-based line of the first bad byte (lines end at LF)
 * @param why  receives e.g. "a NUL byte at column 5", "control byte 0x1b at
 *             column 1", "invalid UTF-8 at column 9 (byte 0xff)"
 * @return 0 if it is text, -1 otherwise.
 */
int xbar_text_check(const char *text, size_t len, size_t *line, char *why, size_t whyn);

#endif
