/* outlock.c - output folders checked, locked and cleared before computing (see outlock.h). POSIX + flock. */
#define _DEFAULT_SOURCE
#include "args.h"
#include "outlock.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pathname.h"

#define NAME_LIMIT 255


/* ---------------------------------------------------------------- checks */

/* The nearest existing ancestor of dir must be a writable folder, and no
 * component on the way may exist as anything else. */
static int check_parent(const char *dir, char *err, size_t n)
{
    char p[OUT_PATH_MAX];
    path_parent(dir, p, sizeof p);
    for (;;) {
        struct stat st;
        if (!stat(p, &st)) {
            if (!S_ISDIR(st.st_mode))
                return cli_errf(err, n, "--out %s: %s is not a folder", path_show(dir), path_show(p));
            if (access(p, W_OK | X_OK))
                return cli_errf(err, n, "--out %s: cannot write in %s: %s", path_show(dir), path_show(p), strerror(errno));
            return 0;
        }
        if (errno != ENOENT)
            return cli_errf(err, n, "--out %s: cannot use %s: %s", path_show(dir), path_show(p), strerror(errno));
        if (!strcmp(p, ".") || !strcmp(p, "/")) return cli_errf(err, n, "--out %s: %s does not exist", path_show(dir), p);
        char up[OUT_PATH_MAX];
        path_parent(p, up, sizeof up);
        memcpy(p, up, sizeof p);
    }
}

int out_check(const char *dir, int flags, char *err, size_t n)
{
    if (!dir || !dir[0]) return cli_errf(err, n, "--out: an empty folder name");
    const size_t len = strlen(dir);
    if (len + 32 >= OUT_PATH_MAX)
        return cli_errf(err, n, "--out %s: a path of %zu bytes; the system's limit is %d", path_show(dir), len,
                    OUT_PATH_MAX - 1);
    char d[OUT_PATH_MAX];
    memcpy(d, dir, len + 1);
    for (size_t k = len; k > 1 && d[k - 1] == '/'; k--) d[k - 1] = 0;
    const char *base = path_base(d);
    if (!strcmp(d, "/") || !strcmp(base, ".") || !strcmp(base, ".."))
        return cli_errf(err, n, "--out %s: name a new or an xbar output folder (., .. and / are never written or "
                            "replaced)", path_show(dir));
    for (const char *c = d; *c;) { /* every component within NAME_MAX */
        size_t cl = strcspn(c, "/");
        if (cl > NAME_LIMIT)
            return cli_errf(err, n, "--out %s: a name of %zu bytes; the system's limit is %d", path_show(dir), cl,
                        NAME_LIMIT);
        c += cl + (c[cl] == '/');
    }
    struct stat st;
    if (lstat(d, &st)) {
        if (errno != ENOENT && errno != ENOTDIR)
            return cli_errf(err, n, "--out %s: %s", path_show(dir), strerror(errno));
        return check_parent(d, err, n);
    }
    if (S_ISLNK(st.st_mode)) {
        char to[OUT_PATH_MAX];
        ssize_t k = readlink(d, to, sizeof to - 1);
        to[k < 0 ? 0 : k] = 0;
        return cli_errf(err, n, "--out %s is a symbolic link (to %s%s); xbar writes a new folder in its place: name the "
                            "folder itself", path_show(dir), path_show(to), access(d, F_OK) ? ", which does not exist" : "");
    }
    if (!S_ISDIR(st.st_mode)) return cli_errf(err, n, "--out %s exists and is not a folder", path_show(dir));
    if (!(flags & OUT_MAY_EXIST)) {
        if (!(flags & OUT_FORCE))
            return cli_errf(err, n, "output directory %s exists (use --force to overwrite)", path_show(dir));
        if (!out_replaceable(d))
            return cli_errf(err, n, "output directory %s exists and is not an xbar output directory (no %s file); not "
                                "replacing it", path_show(dir), OUT_MARKER);
    }
    return check_parent(d, err, n);
}

/* ------------------------------------------------------------------ lock */

/* mkdir -p of dir's parents. @return 0 or -1 (errno). */
static int make_parents(const char *dir)
{
    char parent[OUT_PATH_MAX];
    path_parent(dir, parent, sizeof parent);
    return path_mkdirs(parent);
}

/* 1 if every byte of s is a digit (and there is one). */
static int all_digits(const char *s)
{
    if (!*s) return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9') return 0;
    return 1;
}

/* Remove the leftovers of dead runs beside dir (see outlock.h). */
static void remove_leftovers(const char *dir)
{
    char parent[OUT_PATH_MAX], path[2 * OUT_PATH_MAX];
    path_parent(dir, parent, sizeof parent);
    DIR *d = opendir(parent);
    if (!d) return;
    static const char *const numbered[] = {".tmp-", ".old-", ".run.new-"};
    for (struct dirent *e; (e = readdir(d));) {
        const char *rest = path_sibling_rest(dir, e->d_name, ".run.done");
        int stale = rest && !*rest;
        for (int k = 0; k < 3 && !stale; k++) {
            rest = path_sibling_rest(dir, e->d_name, numbered[k]);
            stale = rest && all_digits(rest);
        }
        if (!stale) continue;
        snprintf(path, sizeof path, "%s/%s", parent, e->d_name);
        out_remove_tree(path);
    }
    closedir(d);
}

int out_lock_take(const char *dir, out_lock *lk, char *err, size_t n)
{
    lk->fd = -1;
    if (path_sibling(dir, ".lock", lk->path, sizeof lk->path))
        return cli_errf(err, n, "--out %s: the path is too long", path_show(dir));
    if (make_parents(dir)) return cli_errf(err, n, "--out %s: cannot create its parent folders: %s", path_show(dir), strerror(errno));
    for (int tries = 0; tries < 100; tries++) {
        int fd = open(lk->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0666);
        if (fd < 0) return cli_errf(err, n, "cannot create the lock file %s: %s", path_show(lk->path), strerror(errno));
        if (flock(fd, LOCK_EX | LOCK_NB)) {
            int e = errno;
            char pid[24] = "";
            ssize_t k = e == EWOULDBLOCK ? pread(fd, pid, sizeof pid - 1, 0) : -1;
            close(fd);
            pid[k > 0 ? k : 0] = 0;
            pid[strcspn(pid, "\n")] = 0;
            if (e != EWOULDBLOCK) return cli_errf(err, n, "cannot lock %s: %s", path_show(lk->path), strerror(e));
            return cli_errf(err, n, "%s is in use by %s%s (lock %s): wait for it to finish or stop it", path_show(dir),
                        all_digits(pid) ? "process " : "another process", all_digits(pid) ? pid : "",
                        path_show(lk->path));
        }
        /* the file may have been removed by its last holder after we opened it: lock the one at the path */
        struct stat a, b;
        if (fstat(fd, &a) || stat(lk->path, &b) || a.st_dev != b.st_dev || a.st_ino != b.st_ino) {
            close(fd);
            continue;
        }
        char pid[24];
        int len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
        if (ftruncate(fd, 0) || pwrite(fd, pid, (size_t)len, 0) != len) {
            int e = errno;
            close(fd);
            unlink(lk->path);
            return cli_errf(err, n, "cannot write the lock file %s: %s", path_show(lk->path), strerror(e));
        }
        lk->fd = fd;
        remove_leftovers(dir);
        return 0;
    }
    return cli_errf(err, n, "cannot lock %s: its lock file keeps being replaced", path_show(lk->path));
}

void out_lock_release(out_lock *lk)
{
    if (lk->fd < 0) return;
    unlink(lk->path);
    close(lk->fd);
    lk->fd = -1;
}
