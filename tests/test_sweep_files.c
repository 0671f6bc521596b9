/* test_sweep_files.c - the sweep files of configs/sweeps/ and `xbar reproduce --full --parts
 * frontier-mnist` (argv[1] = the program's path; without it, the xbar beside this test's folder).
 * No long training: at most a few seconds of 60-image runs.
 *   check     every *.ini under configs/sweeps/ (any depth: files added later included) loads and
 *             every one of its points checks: `xbar sweep --emit-slurm` resolves and checks each
 *             point without running it (train sweeps against synthetic IDX data: --set data.dir)
 *             and creates no sweep folder;
 *   bases     every configs/sweeps/frontier/ file names its configuration (`; base: PATH`) and its
 *             keys equal that file's key = value set, except the keys it sweeps and those its
 *             `; base-override: KEY = VALUE` lines declare (the settings docs/results.md ran with);
 *             each sweeps seed: 1..3; the experiments X2, X3, X4, X5, X8, X9 each have a file;
 *   refusals  `xbar reproduce --full --parts frontier-mnist` with --epochs 0, --epochs x or any --set
 *             exits 2 naming it and creates no folder; from a folder whose sweep file has a bad
 *             value from its point 3 on (device.dw_min = 5 on a range of 2; points 0-2 good), exit 2
 *             naming the file, point, key and value, and no folder;
 *   run       from a folder holding one real sweep file (the digital FCN, 3 seeds) and synthetic
 *             data, --epochs 1: exit 0, the sweep folder and its summary.csv, table.md has the row
 *             with n = 3; a second run runs no point and writes the same table.md byte for byte. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_util.h"
#include "util.h"

static char tmp[256], root[512];

#define MAX_KEYS 512

typedef struct {
    int n;
    char key[MAX_KEYS][200], val[MAX_KEYS][256]; /* "section.key", value (trimmed, comment cut) */
} kv_set;

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n')) s[--n] = 0;
    return s;
}

/* Cut a " ;" comment (a ';' after a blank, as the config reader does). */
static void cut_comment(char *s)
{
    for (char *p = s; *p; p++)
        if (*p == ';' && p > s && (p[-1] == ' ' || p[-1] == '\t')) {
            *p = 0;
            return;
        }
}

static const char *kv_get(const kv_set *s, const char *key)
{
    for (int i = 0; i < s->n; i++)
        if (!strcmp(s->key[i], key)) return s->val[i];
    return NULL;
}

static void kv_add(kv_set *s, const char *key, const char *val)
{
    if (s->n == MAX_KEYS) return;
    snprintf(s->key[s->n], sizeof s->key[0], "%s", key);
    snprintf(s->val[s->n++], sizeof s->val[0], "%s", val);
}

/* The key = value lines of an INI file outside [sweep] into base; the swept keys of its grid / zip lines
 * into swept ("seed" as train.seed); its `; base:` and `; base-override:` header lines. */
static int read_ini(const char *path, kv_set *base, kv_set *swept, char *base_path, size_t cap, kv_set *over)
{
    FILE *f = fopen(path, "r");
    CHECK(f != NULL, "cannot read %s", path);
    if (!f) return -1;
    char line[2048], sec[96] = "";
    base->n = 0;
    if (swept) swept->n = 0;
    if (over) over->n = 0;
    if (base_path) base_path[0] = 0;
    while (fgets(line, sizeof line, f)) {
        char *t = trim(line);
        if (base_path && !strncmp(t, "; base: ", 8)) snprintf(base_path, cap, "%s", trim(t + 8));
        if (over && !strncmp(t, "; base-override: ", 17)) {
            char *eq = strchr(t + 17, '=');
            CHECK(eq != NULL, "%s: base-override without '=': %s", path, t);
            if (eq) *eq = 0, kv_add(over, trim(t + 17), trim(eq + 1));
        }
        if (!*t || *t == ';' || *t == '#') continue;
        if (*t == '[') {
            char *e = strchr(t, ']');
            if (e) *e = 0;
            snprintf(sec, sizeof sec, "%s", trim(t + 1));
            continue;
        }
        char *eq = strchr(t, '=');
        if (!eq) continue;
        *eq = 0;
        char *k = trim(t), *v = eq + 1;
        if (!strcmp(sec, "sweep")) {
            if (!swept || (strcmp(k, "grid") && strcmp(k, "zip"))) continue;
            for (char *item = strtok(v, ";"); item; item = strtok(NULL, ";")) { /* KEY: values ; KEY: values */
                char *colon = strchr(item, ':');
                if (!colon) continue;
                *colon = 0;
                char *key = trim(item);
                kv_add(swept, strcmp(key, "seed") ? key : "train.seed", trim(colon + 1));
            }
            continue;
        }
        cut_comment(v);
        char full[200];
        snprintf(full, sizeof full, "%s.%s", sec, k);
        kv_add(base, full, trim(v));
    }
    fclose(f);
    return 0;
}

/* The value of [sweep] command in path ("" if none). */
static void sweep_command(const char *path, char *out, size_t cap)
{
    out[0] = 0;
    FILE *f = fopen(path, "r");
    char line[2048], sec[96] = "";
    while (f && fgets(line, sizeof line, f)) {
        char *t = trim(line);
        if (*t == '[') snprintf(sec, sizeof sec, "%s", t);
        else if (!strcmp(sec, "[sweep]") && !strncmp(t, "command", 7) && strchr(t, '=')) {
            char *v = strchr(t, '=') + 1;
            cut_comment(v);
            snprintf(out, cap, "%s", trim(v));
        }
    }
    if (f) fclose(f);
}

/* Every *.ini under dir (recursively) into list[0..*n). */
static void find_ini(const char *dir, char (*list)[512], int *n, int max)
{
    DIR *d = opendir(dir);
    CHECK(d != NULL, "cannot open %s", dir);
    if (!d) return;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.') continue;
        char p[512];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(p, &st)) continue;
        size_t len = strlen(e->d_name);
        if (S_ISDIR(st.st_mode)) find_ini(p, list, n, max);
        else if (len > 4 && !strcmp(e->d_name + len - 4, ".ini") && *n < max) snprintf(list[(*n)++], 512, "%s", p);
    }
    closedir(d);
}

static int has_override(const kv_set *over, const char *key) { return kv_get(over, key) != NULL; }

/* (b): the file's base equals its configuration's keys, swept and overridden keys excepted. */
static void check_base(const char *file)
{
    kv_set *sw = malloc(sizeof *sw), *base = malloc(sizeof *base), *over = malloc(sizeof *over),
           *cfg = malloc(sizeof *cfg);
    char bpath[512], cpath[1100];
    if (read_ini(file, base, sw, bpath, sizeof bpath, over)) goto out;
    CHECK(bpath[0], "%s: no '; base: configs/...' line naming its configuration", file);
    if (!bpath[0]) goto out;
    snprintf(cpath, sizeof cpath, "%s/%s", root, bpath);
    if (read_ini(cpath, cfg, NULL, NULL, 0, NULL)) goto out;
    const char *seeds = kv_get(sw, "train.seed");
    CHECK(seeds && !strcmp(seeds, "1..3"), "%s: does not sweep seed: 1..3 (%s)", file, seeds ? seeds : "no seed axis");
    for (int i = 0; i < base->n; i++) {
        const char *k = base->key[i], *v = base->val[i], *c = kv_get(cfg, k), *o = kv_get(over, k);
        if (kv_get(sw, k)) continue;
        if (o) CHECK(!strcmp(v, o), "%s: %s = %s, its base-override line says %s", file, k, v, o);
        else CHECK(c && !strcmp(c, v), "%s: %s = %s, %s has %s", file, k, v, bpath, c ? c : "no such key");
    }
    for (int i = 0; i < cfg->n; i++) {
        const char *k = cfg->key[i];
        if (kv_get(sw, k) || has_override(over, k)) continue;
        CHECK(kv_get(base, k) != NULL, "%s: lacks %s = %s of %s", file, k, cfg->val[i], bpath);
    }
    for (int i = 0; i < over->n; i++)
        CHECK(kv_get(base, over->key[i]) != NULL, "%s: base-override %s is not among its keys", file, over->key[i]);
out:
    free(sw), free(base), free(over), free(cfg);
}

static void test_files(const char *data)
{
    static char list[512][512];
    int n = 0;
    char dir[600], a[3000], out[400], cmd[64];
    snprintf(dir, sizeof dir, "%s/configs/sweeps", root);
    find_ini(dir, list, &n, 512);
    CHECK(n >= 2, "%s: %d sweep files", dir, n);
    snprintf(out, sizeof out, "%s/sweep-out", tmp);
    int exp_seen[10] = {0};
    for (int i = 0; i < n; i++) {
        sweep_command(list[i], cmd, sizeof cmd);
        char setd[400] = "";
        if (!strcmp(cmd, "train")) snprintf(setd, sizeof setd, "--set data.dir=%s", data);
        snprintf(a, sizeof a, "sweep --quiet --config %s %s --out %s --emit-slurm %s/slurm.sh", list[i], setd, out, tmp);
        int rc = xt_run(a);
        CHECK(rc == 0, "xbar %s: exit %d (a point does not check)", a, rc);
        CHECK(!xt_exists(out), "xbar %s: created %s", a, out);
        const char *fr = strstr(list[i], "/configs/sweeps/frontier/");
        if (!fr) continue;
        check_base(list[i]);
        const char *stem = fr + strlen("/configs/sweeps/frontier/");
        CHECK(!strcmp(cmd, "train"), "%s: command = %s, expected train", list[i], cmd);
        if (stem[0] == 'x' && stem[1] >= '0' && stem[1] <= '9' && stem[2] == '-') exp_seen[stem[1] - '0'] = 1;
    }
    static const int need[] = {2, 3, 4, 5, 8, 9};
    for (int i = 0; i < 6; i++) CHECK(exp_seen[need[i]], "no configs/sweeps/frontier/x%d-*.ini", need[i]);
}

static void copy_file(const char *from, const char *to, const char *find, const char *repl)
{
    char *t = xt_slurp(from, NULL);
    CHECK(t != NULL, "cannot read %s", from);
    if (!t) return;
    FILE *f = fopen(to, "w");
    CHECK(f != NULL, "cannot write %s", to);
    char *at = find ? strstr(t, find) : NULL;
    if (find) CHECK(at != NULL, "%s: no '%s'", from, find);
    if (f && at) fprintf(f, "%.*s%s%s", (int)(at - t), t, repl, at + strlen(find));
    else if (f) fputs(t, f);
    if (f) fclose(f);
    free(t);
}

/* A working folder wd with data/mnist (synthetic) and configs/sweeps/frontier/ holding one file. */
static void make_wd(const char *wd)
{
    char p[600];
    snprintf(p, sizeof p, "mkdir -p %s/data/mnist %s/configs/sweeps/frontier", wd, wd);
    CHECK(system(p) == 0, "%s failed", p);
    snprintf(p, sizeof p, "%s/data/mnist", wd);
    xt_write_idx_set(p, "train", 60, 0, 0);
    xt_write_idx_set(p, "t10k", 20, 1, 0);
}

static void test_reproduce(void)
{
    char a[3000], r[500], wd[400], f[800], g[800];
    snprintf(r, sizeof r, "%s/repro", tmp);
    snprintf(a, sizeof a, "reproduce --full --parts frontier-mnist --epochs 0 --out %s", r);
    xt_bad(a, "--epochs 0", NULL, r);
    snprintf(a, sizeof a, "reproduce --full --parts frontier-mnist --epochs x --out %s", r);
    xt_bad(a, "--epochs x", NULL, r);
    snprintf(a, sizeof a, "reproduce --full --parts frontier-mnist --set train.epochs=2 --out %s", r);
    xt_bad(a, "--set", NULL, r);
    snprintf(a, sizeof a, "reproduce --full --parts frontier-mnis --out %s", r);
    xt_bad(a, "--parts frontier-mnis", "frontier-mnist", r);

    /* a bad value in the last point of a real file, found before anything is created */
    snprintf(wd, sizeof wd, "%s/wd-bad", tmp);
    make_wd(wd);
    snprintf(f, sizeof f, "%s/configs/sweeps/frontier/x5-cnn-mt3.ini", root);
    snprintf(g, sizeof g, "%s/configs/sweeps/frontier/x5-cnn-mt3.ini", wd);
    copy_file(f, g, "grid = seed: 1..3", "grid = device.dw_min: 0.2, 5\ngrid = seed: 1..3");
    snprintf(r, sizeof r, "%s/out", wd);
    char here[1024];
    CHECK(getcwd(here, sizeof here) != NULL, "getcwd");
    CHECK(chdir(wd) == 0, "cannot enter %s", wd);
    snprintf(a, sizeof a, "reproduce --full --parts frontier-mnist --epochs 1 --quiet --out %s", r);
    xt_bad(a, "x5-cnn-mt3.ini: point 3 (0003-dw_min=5_seed=1)", "device.dw_min = 5", r);
    CHECK(chdir(here) == 0, "cannot return to %s", here);

    /* one real file run end to end (60 images, 1 epoch), then resumed: nothing runs, the same table */
    snprintf(wd, sizeof wd, "%s/wd-run", tmp);
    make_wd(wd);
    snprintf(f, sizeof f, "%s/configs/sweeps/frontier/x2-fcn-digital.ini", root);
    snprintf(g, sizeof g, "%s/configs/sweeps/frontier/x2-fcn-digital.ini", wd);
    copy_file(f, g, NULL, NULL);
    snprintf(r, sizeof r, "%s/out", wd);
    CHECK(chdir(wd) == 0, "cannot enter %s", wd);
    snprintf(a, sizeof a, "reproduce --full --parts frontier-mnist --epochs 1 --quiet --jobs 2 --out %s", r);
    int rc = xt_run(a);
    CHECK(rc == 0, "xbar %s: exit %d", a, rc);
    snprintf(f, sizeof f, "%s/frontier-mnist/x2-fcn-digital/summary.csv", r);
    CHECK(xt_exists(f), "no %s", f);
    snprintf(f, sizeof f, "%s/table.md", r);
    char *t1 = xt_slurp(f, NULL);
    CHECK(t1 && strstr(t1, "\n### x2\n") && strstr(t1, "| x2-fcn-digital | – | ") && strstr(t1, " | 3 |\n"),
          "%s: no x2 table with the row of n = 3: %s", f, t1 ? t1 : "");
    snprintf(a, sizeof a, "reproduce --full --parts frontier-mnist --epochs 1 --out %s", r);
    rc = xt_run(a);
    CHECK(rc == 0, "xbar %s (resumed): exit %d", a, rc);
    snprintf(g, sizeof g, "%s/out.txt", tmp);
    char *o = xt_slurp(g, NULL);
    CHECK(o && strstr(o, "0 ran, 3 finished before"), "the resumed run ran points: %s", o ? o : "");
    char *t2 = xt_slurp(f, NULL);
    CHECK(t1 && t2 && !strcmp(t1, t2), "the resumed run wrote another table.md");
    free(o), free(t1), free(t2);
    CHECK(chdir(here) == 0, "cannot return to %s", here);
}

int main(int argc, char **argv)
{
    xt_cli_start(argc, argv, "sweep_files", tmp, sizeof tmp);
    unsetenv("SLURM_ARRAY_TASK_ID");
    unsetenv("SLURM_ARRAY_TASK_COUNT");
    const char *src = __FILE__, *slash = strrchr(src, '/');
    snprintf(root, sizeof root, "%.*s/..", slash ? (int)(slash - src) : 1, slash ? src : ".");
    char data[400];
    snprintf(data, sizeof data, "%s/data", tmp);
    mkdir(data, 0700);
    xt_write_idx_set(data, "train", 60, 0, 0);
    xt_write_idx_set(data, "t10k", 20, 1, 0);
    test_files(data);
    test_reproduce();
    xt_cli_done();
    return xt_done("test_sweep_files");
}
