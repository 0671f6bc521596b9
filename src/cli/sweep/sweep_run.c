/* sweep_run.c - see sweep_run.h. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* realpath */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "jsonout.h"
#include "outdir.h"
#include "outlock.h"
#include "pathname.h"
#include "sweep_cluster.h"
#include "sweep_run.h"

#define SWEEP_LOCK ".xbar-sweep.lock"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static uint64_t fnv1a(const char *p, size_t len)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)p[i]) * 1099511628211ull;
    return h;
}

int sweep_check_all(const sweep_spec *s, char *err, size_t n)
{
    for (size_t i = 0; i < s->npoints; i++) {
        sweep_point p;
        int rc = sweep_resolve(s, i, &p, err, n);
        sweep_point_free(&p);
        if (rc) return -1;
    }
    return 0;
}

/* ------------------------------------------------------------- the folder */

typedef struct {
    const sweep_spec *s;
    const sweep_opts *o;
    char dir[OUT_PATH_MAX];
    uint64_t *hash;  /* per point: FNV-1a of its config.ini */
    char **name;     /* per point: folder name */
    int lock_fd;
    char tag[32];    /* " (rank R)" in an MPI launch, else "" */
} run_ctx;

static int point_path(const run_ctx *r, size_t i, const char *suffix, char *buf, size_t cap)
{
    return snprintf(buf, cap, "%s/points/%s%s", r->dir, r->name[i], suffix) >= (int)cap ? -1 : 0;
}

/* 1 done, 0 not run, -1 a folder of another configuration (err). */
static int point_done(const run_ctx *r, size_t i, char *err, size_t n)
{
    char path[OUT_PATH_MAX + 200];
    struct stat st;
    point_path(r, i, "", path, sizeof path);
    if (lstat(path, &st)) return 0;
    char ini[OUT_PATH_MAX + 220], sum[OUT_PATH_MAX + 220];
    snprintf(ini, sizeof ini, "%s/config.ini", path);
    snprintf(sum, sizeof sum, "%s/summary.json", path);
    char *text = NULL, why[256];
    size_t len = 0;
    if (!S_ISDIR(st.st_mode) || stat(sum, &st) || out_read_file(ini, &text, &len, why, sizeof why) ||
        fnv1a(text, len) != r->hash[i]) {
        free(text);
        snprintf(err, n, "%s holds a run of another configuration than point %zu of %s (the sweep file changed?): "
                 "use another --out, or --force to start over", path_show(path), i, path_show(r->s->path));
        return -1;
    }
    free(text);
    return 1;
}

/* The first line of points/NAME.failed into msg, or "" if there is none. */
static int point_failed(const run_ctx *r, size_t i, char *msg, size_t cap)
{
    char path[OUT_PATH_MAX + 200], *text = NULL, why[256];
    size_t len;
    msg[0] = 0;
    point_path(r, i, ".failed", path, sizeof path);
    if (access(path, F_OK) || out_read_file(path, &text, &len, why, sizeof why)) return 0;
    char *nl = strchr(text, '\n');
    if (nl) *nl = 0;
    snprintf(msg, cap, "%s", text);
    free(text);
    return 1;
}

static int lock_sweep(run_ctx *r)
{
    char path[OUT_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/" SWEEP_LOCK, r->dir);
    r->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (r->lock_fd < 0) return -1;
    while (flock(r->lock_fd, LOCK_EX) && errno == EINTR) {}
    return 0;
}

static void unlock_sweep(run_ctx *r)
{
    if (r->lock_fd >= 0) close(r->lock_fd);
    r->lock_fd = -1;
}

/* sweep.json from what is on disk (call with the lock held). */
static int write_sweep_json(const run_ctx *r, char *err, size_t n)
{
    const sweep_spec *s = r->s;
    cJSON *j = json_summary_new("sweep");
    if (!j) return snprintf(err, n, "out of memory"), -1;
    cJSON_AddStringToObject(j, "sweep_command", sweep_command_name(s));
    cJSON_AddStringToObject(j, "file", s->path);
    char num[32];
    snprintf(num, sizeof num, "%llu", (unsigned long long)s->seed);
    cJSON_AddStringToObject(j, "seed", num); /* a string: 64-bit seeds do not fit a double */
    cJSON_AddBoolToObject(j, "seed_swept", s->seed_swept);
    cJSON_AddBoolToObject(j, "timings", s->timings);
    cJSON *keys = cJSON_AddArrayToObject(j, "keys");
    for (int k = 0; k < s->nkeys; k++) cJSON_AddItemToArray(keys, cJSON_CreateString(s->key[k].key));
    cJSON_AddNumberToObject(j, "n_points", (double)s->npoints);
    cJSON *pts = cJSON_AddArrayToObject(j, "points");
    size_t done = 0, failed = 0;
    for (size_t i = 0; i < s->npoints; i++) {
        cJSON *p = cJSON_CreateObject();
        cJSON_AddNumberToObject(p, "index", (double)i);
        char folder[300], msg[1024], e2[16];
        snprintf(folder, sizeof folder, "points/%s", r->name[i]);
        cJSON_AddStringToObject(p, "folder", folder);
        cJSON *par = cJSON_AddObjectToObject(p, "params");
        for (int k = 0; k < s->nkeys; k++)
            cJSON_AddStringToObject(par, s->key[k].key, s->key[k].val[sweep_value_index(s, k, i)]);
        const char *status = "pending";
        if (point_done(r, i, e2, sizeof e2) == 1) status = "done", done++;
        else if (point_failed(r, i, msg, sizeof msg)) status = "failed", failed++;
        cJSON_AddStringToObject(p, "status", status);
        if (!strcmp(status, "failed")) cJSON_AddStringToObject(p, "message", msg);
        cJSON_AddItemToArray(pts, p);
    }
    cJSON_AddNumberToObject(j, "n_done", (double)done);
    cJSON_AddNumberToObject(j, "n_failed", (double)failed);
    cJSON_AddNumberToObject(j, "n_pending", (double)(s->npoints - done - failed));
    char path[OUT_PATH_MAX + 16], tmp[OUT_PATH_MAX + 48];
    snprintf(path, sizeof path, "%s/sweep.json", r->dir);
    snprintf(tmp, sizeof tmp, "%s/.sweep.json.tmp-%ld", r->dir, (long)getpid());
    int rc = json_write_file(j, tmp, err, n);
    if (!rc && rename(tmp, path)) rc = -1, snprintf(err, n, "cannot write %s: %s", path_show(path), strerror(errno));
    if (rc) unlink(tmp);
    cJSON_Delete(j);
    return rc;
}

/* An existing DIR/sweep.json must list the same points. */
static int check_sweep_json(const run_ctx *r, char *err, size_t n)
{
    char path[OUT_PATH_MAX + 16], *text = NULL, why[512];
    size_t len;
    snprintf(path, sizeof path, "%s/sweep.json", r->dir);
    if (access(path, F_OK)) return 0;
    if (out_read_file(path, &text, &len, why, sizeof why)) return snprintf(err, n, "%s", why), -1;
    cJSON *j = cJSON_Parse(text);
    free(text);
    const cJSON *pts = cJSON_GetObjectItemCaseSensitive(j, "points");
    const cJSON *cmd = cJSON_GetObjectItemCaseSensitive(j, "sweep_command");
    int same = cJSON_IsArray(pts) && cJSON_IsString(cmd) && !strcmp(cmd->valuestring, sweep_command_name(r->s)) &&
               (size_t)cJSON_GetArraySize(pts) == r->s->npoints;
    size_t i = 0;
    for (const cJSON *p = same ? pts->child : NULL; p && same; p = p->next, i++) {
        const cJSON *f = cJSON_GetObjectItemCaseSensitive(p, "folder");
        same = cJSON_IsString(f) && !strncmp(f->valuestring, "points/", 7) && !strcmp(f->valuestring + 7, r->name[i]);
    }
    cJSON_Delete(j);
    if (!same)
        return snprintf(err, n, "--out %s holds another sweep (its sweep.json lists other points than the %zu of %s): "
                        "use another --out, or --force to start over", path_show(r->dir), r->s->npoints,
                        path_show(r->s->path)), -1;
    return 0;
}

/* Whether DIR holds anything but a sweep's files (a sweep folder is recognised by its lock or sweep.json). */
static int foreign_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return 0;
    int any = 0, sweep = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        any = 1;
        sweep |= !strcmp(e->d_name, SWEEP_LOCK) || !strcmp(e->d_name, "sweep.json");
    }
    closedir(d);
    return any && !sweep;
}

/* Check DIR, create it (and its parents), lock it, check what is there. @return 0, 1 or 2 (err). */
static int open_dir(run_ctx *r, char *err, size_t n)
{
    const sweep_opts *o = r->o;
    if (out_check(r->dir, OUT_MAY_EXIST, err, n)) return 2;
    struct stat st;
    if (!lstat(r->dir, &st)) {
        if (o->force) {
            if (!out_replaceable(r->dir) && foreign_dir(r->dir))
                return snprintf(err, n, "--out %s exists and is not an xbar output folder; not replacing it",
                                path_show(r->dir)), 2;
            if (out_remove_tree(r->dir))
                return snprintf(err, n, "cannot remove %s: %s", path_show(r->dir), strerror(errno)), 1;
        } else if (foreign_dir(r->dir)) {
            return snprintf(err, n, "--out %s exists and is not a sweep folder (no sweep.json): use another --out, or "
                            "--force to replace an xbar output", path_show(r->dir)), 2;
        }
    }
    char sub[OUT_PATH_MAX + 16];
    snprintf(sub, sizeof sub, "%s/points", r->dir);
    if (path_mkdirs(sub)) return snprintf(err, n, "cannot create %s: %s", path_show(sub), strerror(errno)), 1;
    if (lock_sweep(r)) return snprintf(err, n, "cannot create %s/%s: %s", path_show(r->dir), SWEEP_LOCK, strerror(errno)), 1;
    snprintf(sub, sizeof sub, "%s/" OUT_MARKER, r->dir);
    int fd = open(sub, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
    if (fd >= 0) close(fd);
    if (check_sweep_json(r, err, n)) return 2;
    for (size_t i = 0; i < r->s->npoints; i++)
        if (point_done(r, i, err, n) < 0) return 2;
    return write_sweep_json(r, err, n) ? 1 : 0;
}

/* ------------------------------------------------------------- the points */

/* Run point i; print a line; record a failure. @return 0 done, else its exit code. */
static int run_one(run_ctx *r, size_t i, size_t k, size_t total)
{
    const sweep_spec *s = r->s;
    char out[OUT_PATH_MAX + 200], failed[OUT_PATH_MAX + 220], err[2048];
    point_path(r, i, "", out, sizeof out);
    point_path(r, i, ".failed", failed, sizeof failed);
    sweep_point p;
    const double t0 = now();
    int rc = sweep_resolve(s, i, &p, err, sizeof err) ? 2 : sweep_run_point(s, &p, out, err, sizeof err);
    sweep_point_free(&p);
    if (rc) {
        char line[2200];
        const int len = snprintf(line, sizeof line, "exit %d: %s\n", rc, err);
        char why[512];
        if (out_write_atomic(failed, line, (size_t)len < sizeof line ? (size_t)len : sizeof line - 1, why, sizeof why))
            fprintf(stderr, "xbar sweep: %s\n", why);
    } else {
        unlink(failed);
    }
    if (!r->o->quiet) {
        if (rc) fprintf(stderr, "xbar sweep: [%zu/%zu] point %zu %s: failed (exit %d)%s: %s\n", k + 1, total, i,
                        r->name[i], rc, r->tag, err);
        else fprintf(stderr, "xbar sweep: [%zu/%zu] point %zu %s: done (%.1f s)%s\n", k + 1, total, i, r->name[i],
                     now() - t0, r->tag);
    }
    return rc;
}

static int run_handed(void *ctx, size_t i, size_t k, size_t m)
{
    return run_one(ctx, i, k, m);
}

/* Points list[0..m) by `jobs` worker processes (worker w: list[k], k % jobs == w). @return 1 if one failed. */
static int run_list(run_ctx *r, const size_t *list, size_t m)
{
    const int jobs = r->o->jobs > 1 && m > 1 ? (int)(m < (size_t)r->o->jobs ? m : (size_t)r->o->jobs) : 1;
    if (jobs == 1) {
        int bad = 0;
        for (size_t k = 0; k < m; k++) bad |= run_one(r, list[k], k, m) != 0;
        return bad;
    }
    const int threads = xbar_get_threads() / jobs > 0 ? xbar_get_threads() / jobs : 1;
    pid_t pid[64];
    int started = 0, bad = 0;
    fflush(NULL);
    for (int w = 0; w < jobs && w < 64; w++) {
        pid[w] = fork();
        if (pid[w] == 0) {
            xbar_set_threads(threads);
            int b = 0;
            for (size_t k = (size_t)w; k < m; k += (size_t)jobs) b |= run_one(r, list[k], k, m) != 0;
            fflush(NULL);
            _exit(b);
        }
        if (pid[w] < 0) {
            fprintf(stderr, "xbar sweep: cannot start worker %d: %s\n", w, strerror(errno));
            bad = 1;
            break;
        }
        started++;
    }
    for (int w = 0; w < started; w++) {
        int st;
        while (waitpid(pid[w], &st, 0) < 0 && errno == EINTR) {}
        bad |= !WIFEXITED(st) || WEXITSTATUS(st) != 0;
    }
    return bad;
}

int sweep_execute(const sweep_spec *s, const sweep_opts *o, char *err, size_t n)
{
    run_ctx r = {.s = s, .o = o, .lock_fd = -1};
    snprintf(r.dir, sizeof r.dir, "%s", o->out);
    for (size_t len = strlen(r.dir); len > 1 && r.dir[len - 1] == '/'; len--) r.dir[len - 1] = 0;
    r.hash = calloc(s->npoints, sizeof *r.hash);
    r.name = calloc(s->npoints, sizeof *r.name);
    size_t *list = calloc(s->npoints, sizeof *list);
    int rc = r.hash && r.name && list ? 0 : (snprintf(err, n, "out of memory"), 1);
    /* every point resolved and checked before anything is created */
    for (size_t i = 0; i < s->npoints && !rc; i++) {
        sweep_point p;
        char name[160];
        if (sweep_resolve(s, i, &p, err, n)) rc = 2;
        else r.hash[i] = fnv1a(p.ini, p.ini_len);
        sweep_point_free(&p);
        sweep_point_name(s, i, name, sizeof name);
        if (!rc && !(r.name[i] = strdup(name))) rc = 1, snprintf(err, n, "out of memory");
    }
    sweep_cluster *cl = o->cluster;
    const int lead = !cl || cl->rank == 0; /* opens DIR, lists the points, writes sweep.json */
    if (cl) snprintf(r.tag, sizeof r.tag, " (rank %d)", cl->rank);
    if (!rc && lead) rc = open_dir(&r, err, n);
    unlock_sweep(&r);
    if (cl) cl->share(cl, &rc, err, n); /* rank 0's outcome: every rank goes on, or stops, with it */
    size_t mine = 0, skipped = 0, m = 0;
    for (size_t i = 0; i < s->npoints && !rc && lead; i++) {
        if ((int)(i % (size_t)o->shard_n) != o->shard_i) continue;
        mine++;
        char e2[16];
        if (point_done(&r, i, e2, sizeof e2) == 1) skipped++;
        else if (!o->stop_after || m < (size_t)o->stop_after) list[m++] = i;
    }
    int bad = 0;
    if (!rc && !lead) {
        cl->farm(cl, NULL, 0, run_handed, &r);
    } else if (!rc) {
        if (!o->quiet)
            fprintf(stderr, "xbar sweep: %s, %zu points (shard %d/%d: %zu; %zu finished before, %zu to run)\n",
                    sweep_command_name(s), s->npoints, o->shard_i, o->shard_n, mine, skipped, mine - skipped);
        if (cl && !o->quiet)
            fprintf(stderr, "xbar sweep: MPI, %d ranks: points handed out one at a time as ranks ask\n", cl->size);
        bad = cl ? cl->farm(cl, list, m, run_handed, &r) : run_list(&r, list, m);
        if (lock_sweep(&r)) rc = 1, snprintf(err, n, "cannot lock %s/%s: %s", path_show(r.dir), SWEEP_LOCK, strerror(errno));
        else if (write_sweep_json(&r, err, n)) rc = 1;
        unlock_sweep(&r);
    }
    if (!rc && lead) {
        size_t left = mine - skipped - m;
        printf("%zu points; this run (shard %d/%d): %zu ran, %zu finished before%s", s->npoints, o->shard_i,
               o->shard_n, m, skipped, bad ? ", some failed (sweep.json names them)" : "");
        if (left) printf(", %zu left (stopped after %d as asked; rerun to continue)", left, o->stop_after);
        printf("\nwrote %s/sweep.json\n", path_show(r.dir));
        if (bad) snprintf(err, n, "some points failed: see %s/sweep.json", path_show(r.dir)), rc = 1;
    }
    for (size_t i = 0; r.name && i < s->npoints; i++) free(r.name[i]);
    free(r.name);
    free(r.hash);
    free(list);
    return rc;
}

/* ------------------------------------------------------------------ Slurm */

/* 'text' for bash, single-quoted. */
static void sh_quote(FILE *f, const char *t)
{
    fputc('\'', f);
    for (; *t; t++)
        if (*t == '\'') fputs("'\\''", f);
        else fputc(*t, f);
    fputc('\'', f);
}

/* An absolute form of path (which may not exist yet) into buf. */
static int absolute(const char *path, char *buf, size_t cap)
{
    char cwd[PATH_MAX];
    if (path[0] == '/') return snprintf(buf, cap, "%s", path) >= (int)cap ? -1 : 0;
    if (!getcwd(cwd, sizeof cwd)) return -1;
    return snprintf(buf, cap, "%s/%s", cwd, path) >= (int)cap ? -1 : 0;
}

int sweep_emit_slurm(const sweep_spec *s, const char *file, int tasks, const char *out, const char *const *sets,
                     int nsets, const uint64_t *seed, char *err, size_t n)
{
    if (sweep_check_all(s, err, n)) return 2;
    char exe[PATH_MAX], cfg[PATH_MAX], dir[OUT_PATH_MAX], abs_file[OUT_PATH_MAX], parent[OUT_PATH_MAX];
    ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (k <= 0) return snprintf(err, n, "cannot find the xbar program (/proc/self/exe): %s", strerror(errno)), 1;
    exe[k] = 0;
    if (!realpath(s->path, cfg)) return snprintf(err, n, "%s: %s", path_show(s->path), strerror(errno)), 2;
    if (absolute(out, dir, sizeof dir) || absolute(file, abs_file, sizeof abs_file))
        return snprintf(err, n, "--out %s: the path is too long", path_show(out)), 2;
    path_parent(abs_file, parent, sizeof parent);
    if (path_mkdirs(parent)) return snprintf(err, n, "--emit-slurm %s: cannot create %s: %s", path_show(file),
                                         path_show(parent), strerror(errno)), 2;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f) return snprintf(err, n, "out of memory"), 1;
    fprintf(f, "#!/bin/bash\n"
               "# xbar sweep %s (%zu points) as a Slurm job array of %d tasks, written by `xbar sweep "
               "--emit-slurm`.\n"
               "# Task I runs the points whose index %% %d == I (xbar sweep reads SLURM_ARRAY_TASK_ID and\n"
               "# SLURM_ARRAY_TASK_COUNT); finished points are skipped, so resubmitting completes a sweep.\n"
               "# Submit: sbatch %s   then: xbar collect %s\n",
            s->path, s->npoints, tasks, tasks, abs_file, dir);
    fprintf(f, "#SBATCH --job-name=xbar-sweep\n#SBATCH --array=0-%d\n#SBATCH --ntasks=1\n", tasks - 1);
    fprintf(f, "#SBATCH --output=%s/xbar-sweep-%%A_%%a.out\n", parent);
    fprintf(f, "set -eu\nexec ");
    sh_quote(f, exe);
    fprintf(f, " sweep --quiet --config ");
    sh_quote(f, cfg);
    fprintf(f, " --out ");
    sh_quote(f, dir);
    for (int i = 0; i < nsets; i++) {
        fprintf(f, " --set ");
        sh_quote(f, sets[i]);
    }
    if (seed) fprintf(f, " --seed %llu", (unsigned long long)*seed);
    fprintf(f, "\n");
    if (fclose(f)) return free(text), snprintf(err, n, "out of memory"), 1;
    int rc = out_write_atomic(abs_file, text, len, err, n) ? 1 : 0;
    free(text);
    if (!rc) chmod(abs_file, 0755);
    return rc;
}
