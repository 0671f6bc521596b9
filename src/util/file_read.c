/* file_read.c - opening and reading input files without hanging or reading
 * without end (file_read.h). POSIX; no library state. */
#define _POSIX_C_SOURCE 200809L
#include "file_read.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void say(char *why, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *why, size_t n, const char *fmt, ...)
{
    if (!why || !n) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, n, fmt, ap);
    va_end(ap);
}

/* ------------------------------------------------------------------- open */

static const char *kind(mode_t m)
{
    if (S_ISDIR(m)) return "a directory";
    if (S_ISCHR(m)) return "a character device";
    if (S_ISBLK(m)) return "a block device";
    if (S_ISFIFO(m)) return "a FIFO";
    if (S_ISSOCK(m)) return "a socket";
    if (S_ISLNK(m)) return "a symbolic link";
    return "of an unknown kind";
}

int xbar_file_open_regular(const char *path, uint64_t *size, char *why, size_t whyn)
{
    struct stat sb;
    if (stat(path, &sb)) return say(why, whyn, "%s", strerror(errno)), -1;
    if (!S_ISREG(sb.st_mode)) return say(why, whyn, "not a regular file (%s)", kind(sb.st_mode)), -1;
    /* O_NONBLOCK: a FIFO put in its place since the stat must not block the open */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return say(why, whyn, "%s", strerror(errno)), -1;
    int fl;
    if (fstat(fd, &sb) || !S_ISREG(sb.st_mode) || (fl = fcntl(fd, F_GETFL)) == -1 ||
        fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == -1) {
        const int e = errno;
        if (S_ISREG(sb.st_mode)) say(why, whyn, "%s", strerror(e));
        else say(why, whyn, "not a regular file (%s)", kind(sb.st_mode));
        close(fd);
        return -1;
    }
    if (size) *size = (uint64_t)sb.st_size;
    return fd;
}

/* ------------------------------------------------------------------- read */

const char *xbar_file_size_words(size_t n, char *buf, size_t cap)
{
    if (n && n % ((size_t)1 << 20) == 0) snprintf(buf, cap, "%zu MiB", n >> 20);
    else if (n && n % 1024 == 0) snprintf(buf, cap, "%zu KiB", n >> 10);
    else snprintf(buf, cap, "%zu bytes", n);
    return buf;
}

xbar_status xbar_file_read_all(const char *path, size_t max_bytes, const char *what, char **buf, size_t *len,
                               char *why, size_t whyn)
{
    *buf = NULL;
    *len = 0;
    uint64_t size;
    char lim[32];
    int fd = xbar_file_open_regular(path, &size, why, whyn);
    if (fd < 0) return XBAR_EIO;
    if (size > max_bytes) {
        close(fd);
        say(why, whyn, "%llu bytes, over the %s limit of %s", (unsigned long long)size,
            xbar_file_size_words(max_bytes, lim, sizeof lim), what);
        return XBAR_EFORMAT;
    }
    /* room for the reported size, one byte to see the end and the NUL; grown (up to the
     * limit) only for a file longer than reported (one that grows, or a /proc file) */
    size_t cap = (size_t)size + 2, used = 0;
    char *b = malloc(cap);
    xbar_status st = b ? XBAR_OK : XBAR_ENOMEM;
    while (!st) {
        if (used + 1 == cap) {
            size_t want = cap - 1 > max_bytes / 2 ? max_bytes + 2 : 2 * cap;
            char *q = want > cap ? realloc(b, want) : NULL;
            if (!q) {
                st = want > cap ? XBAR_ENOMEM : XBAR_EFORMAT;
                break;
            }
            b = q;
            cap = want;
        }
        ssize_t r = read(fd, b + used, cap - 1 - used);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            say(why, whyn, "read error: %s", strerror(errno));
            st = XBAR_EIO;
        } else if (r == 0) {
            break;
        } else {
            used += (size_t)r;
            if (used > max_bytes) st = XBAR_EFORMAT;
        }
    }
    close(fd);
    if (st == XBAR_EFORMAT)
        say(why, whyn, "more than %zu bytes (it grew while being read), over the %s limit of %s", max_bytes,
            xbar_file_size_words(max_bytes, lim, sizeof lim), what);
    if (st == XBAR_ENOMEM) say(why, whyn, "out of memory (%zu bytes)", cap);
    if (st) {
        free(b);
        return st;
    }
    b[used] = 0;
    *buf = b;
    *len = used;
    return XBAR_OK;
}

/* ------------------------------------------------------------------- text */

int xbar_text_check(const char *text, size_t len, size_t *line, char *why, size_t whyn)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t ln = 1, start = 0;
    for (size_t i = 0; i < len;) {
        const unsigned char c = s[i];
        if (c == '\n') {
            ln++, start = ++i;
            continue;
        }
        const size_t col = i - start + 1;
        *line = ln;
        if (c == 0) return say(why, whyn, "a NUL byte at column %zu", col), -1;
        if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f)
            return say(why, whyn, "control byte 0x%02x at column %zu", c, col), -1;
        if (c < 0x80) {
            i++;
            continue;
        }
        /* lead byte: n continuation bytes, the smallest code point of that length */
        size_t n = c >= 0xC2 && c <= 0xDF ? 1 : (c & 0xF0) == 0xE0 ? 2 : c >= 0xF0 && c <= 0xF4 ? 3 : 0;
        uint32_t cp = c & (n == 1 ? 0x1Fu : n == 2 ? 0x0Fu : 0x07u);
        const uint32_t min = n == 1 ? 0x80u : n == 2 ? 0x800u : 0x10000u;
        size_t k = 1;
        for (; n && k <= n && i + k < len && (s[i + k] & 0xC0) == 0x80; k++) cp = cp << 6 | (s[i + k] & 0x3Fu);
        if (!n || k <= n || cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return say(why, whyn, "invalid UTF-8 at column %zu (byte 0x%02x)", col, c), -1;
        i += n + 1;
    }
    return 0;
}
