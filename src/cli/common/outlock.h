/*
 * outlock.h - an output folder claimed before any computing: checked, locked
 * for the whole run, and cleared of a dead run's leftovers.
 *
 * Every command that writes a folder DIR (--out) does, in this order:
 *
 *   if (out_check(dir, force ? OUT_FORCE : 0, err, sizeof err)) ...exit 2: nothing created
 *   ... read and check the configuration and the data ...
 *   out_lock lk;
 *   if (out_lock_take(dir, &lk, err, sizeof err)) ...exit 2 (held by another process)...
 *   ... compute, write through outdir.h (out_begin ... out_commit) ...
 *   out_lock_release(&lk);
 *
 * out_check refuses, before anything is created: an empty name, ".", "..",
 * "/" or a name ending in "/." or "/.."; a path over PATH_MAX or a component
 * over NAME_MAX bytes; DIR as a symbolic link (dangling or not: xbar writes a
 * new folder in its place, so name the folder itself); DIR as anything but a
 * folder; DIR existing without OUT_FORCE (unless OUT_MAY_EXIST); DIR with
 * OUT_FORCE that is neither empty nor an xbar output (it lacks OUT_MARKER);
 * a parent that is not a writable folder (the nearest existing ancestor when
 * parents are missing: they are created by out_lock_take).
 *
 * out_lock_take creates DIR's missing parents, then takes an advisory lock
 * (flock) on the sibling file "DIR.lock" (pathname.h names it when DIR's name
 * is long), holding this process's pid. A second process on the same DIR is
 * refused at once: "DIR is in use by process PID (DIR.lock): wait for it or
 * stop it". Holding the lock, it removes what dead runs left beside DIR:
 * "DIR.tmp-PID", "DIR.old-PID", "DIR.run.new-PID" (PID digits) and
 * "DIR.run.done" (a lock holder is the only live process writing there, so
 * every such file is a dead run's, a zombie's included), silently.
 * out_lock_release removes DIR.lock and drops the lock; a killed process's
 * lock is dropped by the system and its file reused by the next command.
 */
#ifndef XBAR_CLI_OUTLOCK_H
#define XBAR_CLI_OUTLOCK_H

#include <stddef.h>

#include "outdir.h"

enum {
    OUT_FORCE = 1,     /* an existing xbar output (or empty folder) may be replaced */
    OUT_MAY_EXIST = 2, /* an existing folder is accepted as it is (train --resume)  */
};

typedef struct {
    int fd; /* the locked file, -1 when none */
    char path[OUT_PATH_MAX + 32];
} out_lock;

/** The checks above. @return 0, or -1 with err set (one line; the path shown by path_show). */
int out_check(const char *dir, int flags, char *err, size_t n);

/** Create DIR's parents, lock DIR, remove leftovers. @return 0, or -1 with err set (lk->fd = -1). */
int out_lock_take(const char *dir, out_lock *lk, char *err, size_t n);

/** Remove DIR.lock and drop the lock. Safe on a lock not taken (fd -1) and twice. */
void out_lock_release(out_lock *lk);

#endif
