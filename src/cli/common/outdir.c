/* outdir.c - all-or-nothing output directories (see outdir.h). POSIX only. */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700
#endif
#include "outdir.h"

#include "file_read.h"
#include "pathname.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void out_err(char *err, size_t n, const char *fmt, ...)
{
    if (!err || !n) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, n, fmt, ap);
    va_end(ap);
}

/* -------------------------------------------------------------- removal */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)ftw;
    return flag == FTW_DP ? rmdir(path) : unlink(path);
}

int out_remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st)) return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(st.st_mode)) return unlink(path);
    return nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* ------------------------------------------------------------- helpers */

int out_replaceable(const char *dir)
{
    char marker[OUT_PATH_MAX + 16];
    snprintf(marker, sizeof marker, "%s/%s", dir, OUT_MARKER);
    if (!access(marker, F_OK)) return 1;
    DIR *d = opendir(dir);
    if (!d) return 0;
    struct dirent *e;
    int empty = 1;
    while (empty && (e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) empty = 0;
    closedir(d);
    return empty;
}

static int fsync_path(const char *path, int dir)
{
    int fd = open(path, dir ? O_RDONLY | O_DIRECTORY : O_RDONLY);
    if (fd < 0) return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* Directory containing path ("." if none), into buf. */
static void parent_of(const char *path, char *buf, size_t n)
{
    const char *slash = strrchr(path, '/');
    if (!slash) snprintf(buf, n, ".");
    else if (slash == path) snprintf(buf, n, "/");
    else snprintf(buf, n, "%.*s", (int)(slash - path), path);
}

/* fsync every regular file directly inside dir, then dir itself. */
static int sync_dir_files(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return -1;
    struct dirent *e;
    char p[OUT_PATH_MAX + 256];
    int rc = 0;
    while ((e = readdir(d))) {
        struct stat st;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        if (!lstat(p, &st) && S_ISREG(st.st_mode) && fsync_path(p, 0)) rc = -1;
    }
    closedir(d);
    return fsync_path(dir, 1) ? -1 : rc;
}

/* ----------------------------------------------------------- lifecycle */

int out_begin(const char *dir, int force, out_ctx *o, char *err, size_t n)
{
    memset(o, 0, sizeof *o);
    size_t len = strlen(dir);
    while (len > 1 && dir[len - 1] == '/') len--;
    if (len == 0) return out_err(err, n, "empty output directory name"), -1;
    if (len + 32 >= OUT_PATH_MAX) return out_err(err, n, "output directory name too long"), -1;
    memcpy(o->dir, dir, len);
    o->dir[len] = 0;
    o->force = force;
    struct stat st;
    if (!stat(o->dir, &st)) {
        if (!force) return out_err(err, n, "output directory %s exists (use --force to overwrite)", path_show(o->dir)), -1;
        if (!S_ISDIR(st.st_mode)) return out_err(err, n, "%s exists and is not a directory", path_show(o->dir)), -1;
        if (!out_replaceable(o->dir))
            return out_err(err, n, "output directory %s exists and is not an xbar output directory "
                                  "(no %s file); not replacing it", path_show(o->dir), OUT_MARKER), -1;
    }
    char suffix[32];
    snprintf(suffix, sizeof suffix, ".tmp-%ld", (long)getpid());
    if (path_sibling(o->dir, suffix, o->tmp, sizeof o->tmp)) return out_err(err, n, "output directory name too long"), -1;
    out_remove_tree(o->tmp); /* a leftover of an earlier process with our pid */
    if (mkdir(o->tmp, 0777))
        return out_err(err, n, "cannot create %s: %s", path_show(o->tmp), strerror(errno)), -1;
    o->active = 1;
    return 0;
}

const char *out_path(out_ctx *o, const char *name)
{
    char *p = o->path[o->next];
    o->next = (o->next + 1) % 4;
    if (snprintf(p, OUT_PATH_MAX, "%s/%s", o->tmp, name) >= OUT_PATH_MAX) p[0] = 0; /* fopen fails */
    return p;
}

FILE *out_fopen(out_ctx *o, const char *name, char *err, size_t n)
{
    const char *p = out_path(o, name);
    FILE *f = fopen(p, "w");
    if (!f) out_err(err, n, "cannot write %s: %s", path_show(p), strerror(errno));
    return f;
}

int out_commit(out_ctx *o, char *err, size_t n)
{
    if (!o->active) return out_err(err, n, "no output directory in progress"), -1;
    char marker[OUT_PATH_MAX + 16], old[OUT_PATH_MAX + 32], parent[OUT_PATH_MAX];
    snprintf(marker, sizeof marker, "%s/%s", o->tmp, OUT_MARKER);
    FILE *m = fopen(marker, "w");
    if (!m || fclose(m)) goto fail;
    if (sync_dir_files(o->tmp)) goto fail;
    struct stat st;
    int replace = !stat(o->dir, &st);
    if (replace) {
        if (!o->force) {
            errno = EEXIST;
            goto fail;
        }
        char suffix[32];
        snprintf(suffix, sizeof suffix, ".old-%ld", (long)getpid());
        if (path_sibling(o->dir, suffix, old, sizeof old)) goto fail;
        out_remove_tree(old);
        if (rename(o->dir, old)) goto fail;
    }
    if (rename(o->tmp, o->dir)) {
        int e = errno;
        if (replace) rename(old, o->dir);
        errno = e;
        goto fail;
    }
    o->active = 0;
    parent_of(o->dir, parent, sizeof parent);
    fsync_path(parent, 1);
    if (replace && out_remove_tree(old))
        return out_err(err, n, "results in %s, but could not remove the old copy %s: %s", path_show(o->dir),
                      path_show(old), strerror(errno)), -1;
    return 0;
fail:
    out_err(err, n, "cannot move results to %s: %s (they are in %s)", path_show(o->dir), strerror(errno),
            path_show(o->tmp));
    return -1;
}

void out_abort(out_ctx *o)
{
    if (!o->active) return;
    out_remove_tree(o->tmp);
    o->active = 0;
}

/* ---------------------------------------------------------- single file */

int out_write_synced(const char *path, const void *data, size_t len, char *err, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (fd < 0) goto fail;
    const char *p = data;
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w < 0) {
            if (errno == EINTR) continue;
            goto fail_fd;
        }
        p += w, len -= (size_t)w;
    }
    if (fsync(fd)) goto fail_fd;
    if (close(fd)) {
        fd = -1;
        goto fail_fd;
    }
    return 0;
fail_fd: {
    int e = errno;
    if (fd >= 0) close(fd);
    errno = e;
}
fail: {
    int e = errno;
    unlink(path);
    out_err(err, n, "cannot write %s: %s", path_show(path), strerror(e));
    errno = e;
}
    return -1;
}

int out_fsync_dir(const char *path)
{
    char parent[OUT_PATH_MAX];
    parent_of(path, parent, sizeof parent);
    return fsync_path(parent, 1);
}

int out_write_atomic(const char *path, const void *data, size_t len, char *err, size_t n)
{
    char tmp[OUT_PATH_MAX + 8];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    if (out_write_synced(tmp, data, len, NULL, 0)) goto fail;
    if (rename(tmp, path)) goto fail;
    out_fsync_dir(path);
    return 0;
fail: {
    int e = errno;
    unlink(tmp);
    out_err(err, n, "cannot write %s: %s", path_show(path), strerror(e));
}
    return -1;
}

int out_read_file(const char *path, char **buf, size_t *len, char *err, size_t errlen)
{
    char why[XBAR_FILE_WHY_MAX];
    xbar_status st = xbar_file_read_all(path, OUT_READ_MAX, "a file of an output folder", buf, len, why, sizeof why);
    if (st == XBAR_EIO) return snprintf(err, errlen, "cannot read %s: %s", path_show(path), why), -1;
    if (st) return snprintf(err, errlen, "%s: %s", path_show(path), why), -1;
    return 0;
}
