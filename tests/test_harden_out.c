/* test_harden_out.c - the output folder of `xbar train`, `lsq` and `reproduce --full`
 * (argv[1] = the xbar program), on small synthetic IDX files made here:
 *   (1) --force onto a folder that is not an xbar output, a file, a symlink to a
 *       folder, ".", "..", "/", a parent that is a file: exit 2 before anything is
 *       created (no OUT.run, no lock file, the folder untouched);
 *   (2) --out a dangling symlink: exit 2 up front, nothing left;
 *   (3) a newline, quotes, spaces or a non-UTF-8 byte in --out: the run lands whole
 *       (plot included); a failing gnuplot is a warning and the data files land;
 *   (5) a folder in use (its lock held by another process, or a running xbar)
 *       refuses a second run at once, naming the holder's pid;
 *   (7) a refused reproduce --full creates nothing (no DIR, no ./out);
 *   (8) leftovers of dead runs (OUT.run.done, OUT.tmp-PID of a zombie, OUT.old-PID)
 *       are removed by the next command on OUT, even a refused --resume;
 *   (9) a 100,000-byte path keeps the reason in a short message; a folder name of
 *       255 bytes works; a full disk says "No space left on device"; --resume with
 *       both checkpoints deleted is exit 2.
 * Each program is run without a shell (argv as given), so every byte reaches it. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli_util.h"
#include "util.h"

#define MAXARG 40

static char tmp[256], data[320], prog[1024], errtxt[8192];

/* ---- running xbar without a shell -------------------------------------------- */

/* Start "xbar ARGS..." (NULL-terminated list) with stdout/stderr into tmp/o.txt, tmp/e.txt
 * and extra environment entries env (NULL-terminated, may be NULL). @return the pid. */
static pid_t start(char *const *args, char *const *env)
{
    char *av[MAXARG + 2];
    int k = 0;
    av[k++] = prog;
    for (int i = 0; args[i] && k < MAXARG; i++) av[k++] = args[i];
    av[k] = NULL;
    char o[300], e[300];
    snprintf(o, sizeof o, "%s/o.txt", tmp);
    snprintf(e, sizeof e, "%s/e.txt", tmp);
    pid_t pid = fork();
    if (pid == 0) {
        int fo = open(o, O_WRONLY | O_CREAT | O_TRUNC, 0666), fe = open(e, O_WRONLY | O_CREAT | O_TRUNC, 0666);
        dup2(fo, 1), dup2(fe, 2);
        for (int i = 0; env && env[i]; i++) putenv(env[i]);
        execv(prog, av);
        _exit(127);
    }
    return pid;
}

static int finish(pid_t pid)
{
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) return -1;
    char e[300];
    snprintf(e, sizeof e, "%s/e.txt", tmp);
    char *t = xt_slurp(e, NULL);
    snprintf(errtxt, sizeof errtxt, "%s", t ? t : "");
    free(t);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int run_env(char *const *env, char *const *args) { return finish(start(args, env)); }
static int run(char *const *args) { return run_env(NULL, args); }

/* Run the command `common` (nc words), then the extra args (ap, NULL-terminated), then --out OUT. */
static int run_with(const char *const *common, size_t nc, const char *out, va_list ap)
{
    char *av[MAXARG];
    int k = 0;
    for (size_t i = 0; i < nc; i++) av[k++] = (char *)common[i];
    for (char *s; (s = va_arg(ap, char *)) && k < MAXARG - 3;) av[k++] = s;
    av[k++] = "--out";
    av[k++] = (char *)out;
    av[k] = NULL;
    return run(av);
}

/* "train" with the small run's settings and the given extra args (NULL-terminated). */
static int train(const char *out, ...)
{
    static char dset[400];
    snprintf(dset, sizeof dset, "data.dir=%s", data);
    const char *common[] = {"train", "--quiet", "--threads", "1", "--set", dset, "--set", "data.train_limit=100",
                            "--set", "data.test_limit=50", "--set", "train.epochs=1", "--set", "model.layers=linear:10"};
    va_list ap;
    va_start(ap, out);
    int rc = run_with(common, sizeof common / sizeof *common, out, ap);
    va_end(ap);
    return rc;
}

/* "lsq --preset thm3" (short) into out, extra args NULL-terminated. */
static int lsq(const char *out, ...)
{
    const char *common[] = {"lsq", "--quiet", "--preset", "thm3", "--set", "lsq.iterations=200"};
    va_list ap;
    va_start(ap, out);
    int rc = run_with(common, sizeof common / sizeof *common, out, ap);
    va_end(ap);
    return rc;
}

static const char *p(const char *fmt, ...) /* a path in a ring of 8 buffers */
{
    static char ring[8][1024];
    static int next;
    char *b = ring[next];
    next = (next + 1) % 8;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b, sizeof ring[0], fmt, ap);
    va_end(ap);
    return b;
}

static int lexists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* Entries of folder dir whose names start with prefix, other than `except` (may be NULL), into buf. */
static int entries_with(const char *dir, const char *prefix, const char *except, char *buf, size_t cap)
{
    DIR *d = opendir(dir);
    int n = 0;
    buf[0] = 0;
    for (struct dirent *e; d && (e = readdir(d));) {
        if (strncmp(e->d_name, prefix, strlen(prefix)) || (except && !strcmp(e->d_name, except))) continue;
        n++;
        snprintf(buf + strlen(buf), cap - strlen(buf), "%s ", e->d_name);
    }
    if (d) closedir(d);
    return n;
}

#define REFUSED(rc, what, needle)                                                                                  \
    CHECK((rc) == 2 && strstr(errtxt, needle) && strchr(errtxt, '\n') == strrchr(errtxt, '\n'),                 \
          "%s: exit %d, expected 2 and one line with '%s': %s", what, rc, needle, errtxt)

/* ---- the items ---------------------------------------------------------------- */

static void foreign_targets(void)
{
    char left[2048];
    mkdir(p("%s/u", tmp), 0777);
    FILE *f = fopen(p("%s/u/keep", tmp), "w");
    fputs("mine\n", f), fclose(f);
    int rc = train(p("%s/u", tmp), "--force", NULL);
    REFUSED(rc, "train --force onto a foreign folder", "not an xbar output");
    CHECK(xt_exists(p("%s/u/keep", tmp)) && !lexists(p("%s/u.run", tmp)) && !lexists(p("%s/u.lock", tmp)),
          "foreign folder: u.run or u.lock created, or u/keep gone");
    rc = lsq(p("%s/u", tmp), "--force", NULL);
    REFUSED(rc, "lsq --force onto a foreign folder", "not an xbar output");

    f = fopen(p("%s/file", tmp), "w");
    fputs("x\n", f), fclose(f);
    rc = train(p("%s/file", tmp), "--force", NULL);
    REFUSED(rc, "train --out FILE --force", "not a folder");
    CHECK(!lexists(p("%s/file.run", tmp)), "--out FILE: FILE.run created");
    rc = train(p("%s/file/sub", tmp), NULL);
    REFUSED(rc, "train --out FILE/sub", "is not a folder");

    mkdir(p("%s/real", tmp), 0777);
    CHECK(!symlink(p("%s/real", tmp), p("%s/link", tmp)), "symlink");
    rc = train(p("%s/link", tmp), "--force", NULL);
    REFUSED(rc, "train --out SYMLINK-TO-FOLDER --force", "symbolic link");

    /* ".", ".." and "/" from inside tmp/w: nothing created there, in tmp or at the root */
    mkdir(p("%s/w", tmp), 0777);
    char cwd[1024];
    CHECK(getcwd(cwd, sizeof cwd) && !chdir(p("%s/w", tmp)), "chdir");
    const char *bad[] = {".", "..", "/", "./", "sub/..", "sub/."};
    for (int i = 0; i < 6; i++) {
        rc = train(bad[i], "--force", NULL);
        REFUSED(rc, bad[i], "never written or replaced");
    }
    rc = lsq("/", "--force", NULL);
    REFUSED(rc, "lsq --out /", "never written or replaced");
    CHECK(!chdir(cwd), "chdir back");
    CHECK(entries_with(p("%s/w", tmp), "", NULL, left, sizeof left) == 2, "left in w: %s", left); /* . and .. */
    CHECK(entries_with(tmp, ".", NULL, left, sizeof left) == 2, "left in tmp: %s", left);
    CHECK(!lexists("/.run") && !lexists("/.lock") && !lexists("/.tmp-1"), "something created at /");
}

static void dangling(void)
{
    CHECK(!symlink("/nonexistent-xbar/t", p("%s/dang", tmp)), "symlink");
    int rc = train(p("%s/dang", tmp), NULL);
    REFUSED(rc, "train --out DANGLING", "does not exist");
    rc = lsq(p("%s/dang", tmp), NULL);
    REFUSED(rc, "lsq --out DANGLING", "does not exist");
    char left[1024];
    CHECK(entries_with(tmp, "dang", "dang", left, sizeof left) == 0, "left beside dang: %s", left);
}

static void odd_names(void)
{
    const char *names[] = {"a\nb", "q'u o\"te$x", "\xff\xfe-latin"};
    for (int i = 0; i < 3; i++) {
        const char *o = p("%s/%s", tmp, names[i]);
        int rc = train(o, NULL);
        CHECK(rc == 0, "train --out '%s': exit %d: %s", names[i], rc, errtxt);
        CHECK(xt_exists(p("%s/summary.json", o)) && xt_exists(p("%s/accuracy.png", o)), "train '%s': files", names[i]);
        o = p("%s/l-%s", tmp, names[i]);
        rc = lsq(o, NULL);
        CHECK(rc == 0, "lsq --out '%s': exit %d: %s", names[i], rc, errtxt);
        CHECK(xt_exists(p("%s/metrics.csv", o)) && xt_exists(p("%s/thm3.png", o)), "lsq '%s': files", names[i]);
    }
    /* a gnuplot that fails: a warning, and every data file lands */
    const char *bin = p("%s/bin", tmp);
    mkdir(bin, 0777);
    FILE *f = fopen(p("%s/gnuplot", bin), "w");
    fputs("#!/bin/sh\necho 'simulated gnuplot failure' >&2\nexit 1\n", f), fclose(f);
    chmod(p("%s/gnuplot", bin), 0755);
    static char path_env[2048];
    snprintf(path_env, sizeof path_env, "PATH=%s:%s", bin, getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
    char *env[] = {path_env, NULL};
    char *av[] = {"lsq", "--quiet", "--preset", "thm3", "--set", "lsq.iterations=200", "--out", (char *)p("%s/np", tmp), NULL};
    int rc = run_env(env, av);
    CHECK(rc == 0 && strstr(errtxt, "warning") && strstr(errtxt, "simulated gnuplot failure"),
          "lsq with a failing gnuplot: exit %d: %s", rc, errtxt);
    CHECK(xt_exists(p("%s/np/metrics.csv", tmp)) && xt_exists(p("%s/np/summary.json", tmp)) &&
              !xt_exists(p("%s/np/thm3.png", tmp)), "lsq with a failing gnuplot: files");
}

/* Wait (up to 60 s) until path holds a pid; returns it, or 0. */
static long wait_for_lock(const char *path)
{
    for (int i = 0; i < 6000; i++) {
        char *t = xt_slurp(path, NULL);
        long pid = t ? atol(t) : 0;
        free(t);
        if (pid > 0) return pid;
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
    }
    return 0;
}

static void locking(void)
{
    /* a lock held here */
    char o[400], lk[400];
    snprintf(o, sizeof o, "%s/locked", tmp);
    snprintf(lk, sizeof lk, "%s/locked.lock", tmp);
    int fd = open(lk, O_RDWR | O_CREAT, 0666);
    CHECK(fd >= 0 && !flock(fd, LOCK_EX), "lock");
    CHECK(write(fd, "4242\n", 5) == 5, "write");
    int rc = train(o, NULL);
    REFUSED(rc, "train on a locked folder", "in use by process 4242");
    rc = lsq(o, NULL);
    REFUSED(rc, "lsq on a locked folder", "in use by process 4242");
    CHECK(!lexists(p("%s/locked.run", tmp)) && !lexists(o), "locked: something created");
    close(fd);
    rc = lsq(o, NULL);
    CHECK(rc == 0 && !lexists(lk), "lsq after the lock was dropped: exit %d, lock file left: %d", rc, lexists(lk));

    /* a running xbar: a second run and a second --resume are refused at once, naming it */
    static char dset[400];
    snprintf(dset, sizeof dset, "data.dir=%s", data);
    char r[400];
    snprintf(r, sizeof r, "%s/busy", tmp);
    char *av[] = {"train", "--quiet", "--threads", "1", "--set", dset, "--set", "data.train_limit=300", "--set",
                  "train.epochs=1000", "--set", "model.layers=linear:10", "--out", r, NULL};
    pid_t first = start(av, NULL);
    long holder = wait_for_lock(p("%s/busy.lock", tmp));
    CHECK(holder == (long)first, "lock holder %ld, expected %ld", holder, (long)first);
    /* wait for OUT.run (the first checkpoint is written right after the lock is taken) */
    char ck[400];
    snprintf(ck, sizeof ck, "%s/busy.run/checkpoint.xbc", tmp);
    for (int i = 0; i < 6000 && !xt_exists(ck); i++) {
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
    }
    char pid[32];
    snprintf(pid, sizeof pid, "process %ld", (long)first);
    rc = train(r, "--force", NULL);
    REFUSED(rc, "train --force on a running run's folder", pid);
    char *res[] = {"train", "--resume", "--quiet", "--out", r, NULL};
    rc = run(res);
    REFUSED(rc, "train --resume on a running run's folder", pid);
    kill(first, SIGKILL);
    int st;
    waitpid(first, &st, 0);
    /* the killed run resumes (its lock is gone with it); stop it at once by its own limit */
    CHECK(xt_exists(p("%s/busy.run/checkpoint.xbc", tmp)), "killed run: no checkpoint");
}

static void refused_reproduce(void)
{
    char cwd[1024];
    mkdir(p("%s/rw", tmp), 0777);
    CHECK(getcwd(cwd, sizeof cwd) && !chdir(p("%s/rw", tmp)), "chdir");
    char *av[] = {"reproduce", "--full", "--quiet", "--parts", "mnist-fcn", "--configs", "no-such-configs", "--out",
                  "R", NULL};
    int rc = run(av);
    REFUSED(rc, "reproduce --full without configs", "no-such-configs");
    CHECK(!lexists("R") && !lexists("out"), "refused reproduce --full created R or ./out");
    char *fam[] = {"reproduce", "--full", "--quiet", "--parts", "tt-family", "--out", "R", NULL};
    rc = run(fam);
    REFUSED(rc, "reproduce --full --parts tt-family without its least-squares configs", "lsq-ref-offset-tiki_taka.ini");
    CHECK(!lexists("R") && !lexists("out"), "refused reproduce --full --parts tt-family created R or ./out");
    fam[4] = "frontier";
    rc = run(fam);
    REFUSED(rc, "reproduce --full --parts frontier without its configs", "x1-analog_sgd.ini");
    CHECK(!lexists("R") && !lexists("out"), "refused reproduce --full --parts frontier created R or ./out");
    char *res[] = {"train", "--resume", "--quiet", "--out", "deep/x", NULL};
    rc = run(res);
    REFUSED(rc, "--resume into missing folders", "no interrupted run");
    CHECK(!lexists("deep"), "a refused --resume created its parent folders");
    CHECK(!chdir(cwd), "chdir back");
}

static void leftovers(void)
{
    char o[400];
    snprintf(o, sizeof o, "%s/lo", tmp);
    pid_t z = fork(); /* a zombie: exited, not waited for */
    if (z == 0) _exit(0);
    struct timespec ts = {0, 50000000};
    nanosleep(&ts, NULL);
    mkdir(p("%s/lo.run.done", tmp), 0777);
    FILE *f = fopen(p("%s/lo.run.done/checkpoint.xbc", tmp), "w");
    fputs("old", f), fclose(f);
    mkdir(p("%s/lo.tmp-%ld", tmp, (long)z), 0777);
    mkdir(p("%s/lo.old-77", tmp), 0777);
    mkdir(p("%s/lo.run.new-78", tmp), 0777);
    mkdir(p("%s/lo.keep-me", tmp), 0777);
    /* a refused --resume (no OUT.run) still clears them */
    char *res[] = {"train", "--resume", "--quiet", "--out", o, NULL};
    int rc = run(res);
    REFUSED(rc, "--resume without OUT.run", "no interrupted run");
    char left[1024];
    CHECK(entries_with(tmp, "lo.", "lo.keep-me", left, sizeof left) == 0, "leftovers not removed: %s", left);
    CHECK(lexists(p("%s/lo.keep-me", tmp)), "a folder that is not a leftover was removed");
    mkdir(p("%s/lo.tmp-%ld", tmp, (long)z), 0777);
    rc = lsq(o, NULL);
    CHECK(rc == 0 && entries_with(tmp, "lo.", "lo.keep-me", left, sizeof left) == 0, "lsq: exit %d, left %s: %s", rc, left, errtxt);
    waitpid(z, NULL, 0);
}

static void messages(void)
{
    /* a path of 100,000 bytes: refused with its reason, in a short line */
    size_t n = 100000;
    char *lp = malloc(n + 1);
    for (size_t i = 0; i < n; i++) lp[i] = i % 100 == 99 ? '/' : 'x';
    lp[n] = 0;
    int rc = lsq(lp, NULL);
    REFUSED(rc, "lsq --out 100k", "limit");
    CHECK(strlen(errtxt) < 400, "100k path: message of %zu bytes", strlen(errtxt));
    rc = train(lp, NULL);
    REFUSED(rc, "train --out 100k", "limit");
    free(lp);

    /* a folder name of 255 bytes works (its working siblings get short names) */
    char name[256];
    memset(name, 'n', 255);
    name[255] = 0;
    char o[800];
    snprintf(o, sizeof o, "%s/%s", tmp, name);
    rc = train(o, NULL);
    CHECK(rc == 0 && xt_exists(p("%s/summary.json", o)), "train --out NAME255: exit %d: %s", rc, errtxt);
    rc = lsq(o, "--force", NULL);
    CHECK(rc == 0 && xt_exists(p("%s/thm3.png", o)), "lsq --out NAME255 --force: exit %d: %s", rc, errtxt);
    char left[1024];
    CHECK(entries_with(tmp, ".xbar-", NULL, left, sizeof left) == 0, "left beside NAME255: %s", left);

    /* --resume with both checkpoints deleted */
    char r[400];
    snprintf(r, sizeof r, "%s/nock", tmp);
    char *av[] = {"--set", "train.epochs=2", "--stop-after", "1", NULL};
    rc = train(r, av[0], av[1], av[2], av[3], NULL);
    CHECK(rc == 0 && xt_exists(p("%s.run/checkpoint.xbc", r)), "--stop-after 1: exit %d: %s", rc, errtxt);
    unlink(p("%s.run/checkpoint.xbc", r));
    unlink(p("%s.run/checkpoint.prev.xbc", r));
    char *res[] = {"train", "--resume", "--quiet", "--out", r, NULL};
    rc = run(res);
    REFUSED(rc, "--resume with no checkpoint", "holds no checkpoint");

    /* a full disk: the reason is "No space left on device" (needs a tmpfs: root only) */
    char mnt[400];
    snprintf(mnt, sizeof mnt, "%s/full", tmp);
    mkdir(mnt, 0777);
    if (mount("tmpfs", mnt, "tmpfs", 0, "size=256k")) {
        printf("test_harden_out: no tmpfs mount (%s): the full-disk check is skipped\n", strerror(errno));
        return;
    }
    char *fill = calloc(1, 4096);
    FILE *f = fopen(p("%s/fill", mnt), "w");
    while (f && fwrite(fill, 1, 4096, f) == 4096 && !fflush(f)) {}
    if (f) fclose(f);
    free(fill);
    rc = lsq(p("%s/o", mnt), NULL);
    CHECK(rc != 0 && strstr(errtxt, "No space left on device") && !strstr(errtxt, "no output"),
          "lsq onto a full disk: exit %d: %s", rc, errtxt);
    unlink(p("%s/fill", mnt)); /* space again: only the plot fails for want of it? no: all lands */
    rc = lsq(p("%s/o", mnt), NULL);
    CHECK(rc == 0 && xt_exists(p("%s/o/summary.json", mnt)), "lsq after freeing the disk: exit %d: %s", rc, errtxt);
    umount2(mnt, MNT_DETACH);
}

int main(int argc, char **argv)
{
    snprintf(tmp, sizeof tmp, "/tmp/xbar-test-harden-out-%d", (int)getpid());
    snprintf(prog, sizeof prog, "%s", argc > 1 ? argv[1] : "./xbar");
    if (prog[0] != '/') { /* the program is run from other folders */
        char cwd[512];
        if (getcwd(cwd, sizeof cwd)) snprintf(prog, sizeof prog, "%s/%s", cwd, argc > 1 ? argv[1] : "./xbar");
    }
    xt_cli_init(prog, tmp);
    snprintf(data, sizeof data, "%s/data", tmp);
    mkdir(data, 0700);
    xt_write_idx_set(data, "train", 300, 0, 0);
    xt_write_idx_set(data, "t10k", 50, 1, 0);

    foreign_targets();
    dangling();
    odd_names();
    locking();
    refused_reproduce();
    leftovers();
    messages();

    xt_cli_done();
    return xt_done("test_harden_out");
}
