/* reproduce_full.c - `xbar reproduce --full` (see reproduce_full.h). */
#define _POSIX_C_SOURCE 200809L
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <errno.h>

#include "commands.h"
#include "jsonout.h"
#include "outdir.h"
#include "outlock.h"
#include "pathname.h"
#include "plot.h"
#include "reproduce_full.h"
#include "reproduce_frontier.h"
#include "reproduce_lsq.h"
#include "reproduce_sweeps.h"
#include "train_ckpt.h"
#include "train_data.h"
#include "train_mem.h"
#include "train_exec.h"

#define MAX_SEEDS REPRO_MAX_SEEDS
#define MAX_EPOCHS REPRO_MAX_EPOCHS

typedef struct {
    const char *part, *set, *net; /* "mnist-fcn", "mnist", "fcn" */
    const char *taus[3];
    /* a part of its own configurations instead of the Figure 5 layout (digital, Analog SGD and
     * Tiki-Taka at three tau, from --configs): n files DIR/STEM.ini, each titled, no checks */
    const char *dir;
    int n;
    const char *const *stems, *const *titles;
} part_def;

static const char *const family_stems[] = {"fcn-analog_sgd", "fcn-ttv2", "fcn-c_ttv2", "fcn-agad"};
static const char *const family_titles[] = {"Analog SGD", "TTv2 (c_ttv2, in_chop_prob 0)", "c-TTv2", "AGAD"};

static const part_def parts[] = {
    {"mnist-fcn", "mnist", "fcn", {"0.70", "0.78", "0.80"}, NULL, 0, NULL, NULL},
    {"mnist-cnn", "mnist", "cnn", {"0.6", "0.7", "0.8"}, NULL, 0, NULL, NULL},
    {"fashion-fcn", "fashion", "fcn", {"0.70", "0.78", "0.80"}, NULL, 0, NULL, NULL},
    /* spec successors X10, MNIST part: 20 states, reference spread 0.5 (docs/results.md) */
    {"tt-family", "mnist", "fcn", {"", "", ""}, "configs/tt-family/x10", 4, family_stems, family_titles},
};
#define NPARTS 4
#define MAX_CONFIGS 7 /* configurations of a part */

/* Configurations of part p, and the folder of their files. */
static int n_configs(const part_def *p) { return p->n ? p->n : 7; }
static const char *config_dir(const full_opts *fo, const part_def *p) { return p->dir ? p->dir : fo->configs; }

typedef struct {
    char name[64];       /* config file stem */
    int algo;            /* 0 digital, 1 analog SGD, 2 Tiki-Taka; -1 a part's own configuration */
    const char *title;   /* its name in the table and the plot */
    int tau;             /* index into taus (-1 digital) */
    int epochs;
    double acc[MAX_EPOCHS], sd[MAX_EPOCHS]; /* per-epoch mean and std over seeds */
    double mean, pm, wall, sps;
    double fin, fin_sd; /* final epoch: mean and std over seeds */
    double score;       /* what the checks compare: mean (>= 10 epochs) or fin */
} result;

static const char *const algo_names[] = {"digital", "analog-sgd", "tiki-taka"};
static const char *const algo_titles[] = {"Digital SGD", "Analog SGD", "Tiki-Taka"};

static int in_list(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; (p = strstr(p, name)); p += n)
        if ((p == list || p[-1] == ',') && (p[n] == 0 || p[n] == ',')) return 1;
    return 0;
}

/* Read test_acc[], wall_s and samples_per_s of a finished run. */
static int read_summary(const char *dir, double *acc, int *epochs, double *wall, double *sps, char *err, size_t n)
{
    cJSON *j = json_read_summary(dir, err, n);
    if (!j) return -1;
    cJSON *a = cJSON_GetObjectItem(j, "test_acc");
    int ne = cJSON_GetArraySize(a);
    if (!j || !cJSON_IsArray(a) || ne < 1 || ne > MAX_EPOCHS) {
        cJSON_Delete(j);
        return snprintf(err, n, "%.900s/summary.json: no test_acc array", dir), -1;
    }
    for (int e = 0; e < ne; e++) acc[e] = cJSON_GetArrayItem(a, e)->valuedouble;
    *epochs = ne;
    *wall = cJSON_GetNumberValue(cJSON_GetObjectItem(j, "wall_s"));
    *sps = cJSON_GetNumberValue(cJSON_GetObjectItem(j, "samples_per_s"));
    cJSON_Delete(j);
    return 0;
}

/* One run (skipped if finished before, resumed if interrupted). */
static int run_one(const full_opts *fo, const part_def *p, const char *stem, int seed,
                   const char *out, char *err, size_t n)
{
    char path[OUT_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/summary.json", out);
    if (access(path, F_OK) == 0) return 0;
    train_cfg c = train_cfg_defaults();
    snprintf(path, sizeof path, "%s/%s.ini", config_dir(fo, p), stem);
    if (cfg_load_file(train_keys(), &c, path, err, n)) return 2;
    c.set = strcmp(p->set, "mnist") ? 1 : 0;
    c.seed = (uint64_t)seed;
    if (fo->epochs > 0) c.epochs = fo->epochs;
    char run[OUT_PATH_MAX];
    if (train_run_dir(out, run, sizeof run)) return snprintf(err, n, "%s: path too long", path_show(out)), 2;
    snprintf(path, sizeof path, "%s/" TRAIN_CKPT, run);
    int resume = access(path, F_OK) == 0;
    snprintf(path, sizeof path, "%s/" TRAIN_CKPT_PREV, run);
    resume |= access(path, F_OK) == 0;
    train_opts opt = {.force = 0, .quiet = 1, .resume = resume, .stop_after = 0};
    if (!opt.resume) out_remove_tree(run);
    return train_execute(&c, out, &opt, NULL, err, n);
}

typedef struct {
    const part_def *p;
    char stem[64], out[OUT_PATH_MAX];
    int seed;
    pid_t pid;
} job;

/* Configuration i (0 digital, 1-3 Analog SGD, 4-6 Tiki-Taka; or the part's own i-th) of a part: its
 * algorithm, tau index, file stem and title. */
static void config_of(const part_def *p, int i, result *r)
{
    if (p->n) {
        r->algo = -1, r->tau = -1, r->title = p->titles[i];
        snprintf(r->name, sizeof r->name, "%s", p->stems[i]);
        return;
    }
    r->title = NULL;
    r->algo = i == 0 ? 0 : (i <= 3 ? 1 : 2);
    r->tau = i == 0 ? -1 : (i - 1) % 3;
    if (i == 0) snprintf(r->name, sizeof r->name, "%s-digital", p->net);
    else snprintf(r->name, sizeof r->name, "%s-%s-tau%s", p->net, algo_names[r->algo], p->taus[r->tau]);
}

/* Run every job, `par` at a time in child processes (par 1: in this process). */
static int run_jobs(const cli_args *a, const full_opts *fo, job *jobs, int nj, char *err, size_t n)
{
    int running = 0, next = 0, failed = 0;
    while ((next < nj && !failed) || running) {
        if (next < nj && !failed && running < fo->jobs) {
            job *j = &jobs[next++];
            if (!a->quiet) fprintf(stderr, "  [%d/%d] %s/%s seed %d\n", next, nj, j->p->part, j->stem, j->seed);
            if (fo->jobs == 1) {
                int rc = run_one(fo, j->p, j->stem, j->seed, j->out, err, n);
                if (rc) return rc;
                continue;
            }
            fflush(NULL);
            j->pid = fork();
            if (j->pid == 0) {
                char e[1024];
                int rc = run_one(fo, j->p, j->stem, j->seed, j->out, e, sizeof e);
                if (rc) fprintf(stderr, "xbar reproduce: %s\n", e);
                fflush(NULL);
                _exit(rc);
            }
            if (j->pid < 0) return snprintf(err, n, "cannot start a run: %s", strerror(errno)), 1;
            running++;
            continue;
        }
        int st;
        pid_t w = wait(&st);
        if (w < 0) break;
        running--;
        for (int k = 0; k < next; k++)
            if (jobs[k].pid == w && (!WIFEXITED(st) || WEXITSTATUS(st))) {
                snprintf(err, n, "run %s failed (see the message above); start the command again to resume", jobs[k].out);
                failed = WIFEXITED(st) && WEXITSTATUS(st) == EXIT_DIVERGED ? EXIT_DIVERGED : 1;
            }
    }
    return failed;
}

/* Per-epoch mean and std over seeds of one configuration's finished runs. */
static int collect_config(const full_opts *fo, const char *dir, const part_def *p, result *r, char *err, size_t n)
{
    double acc[MAX_SEEDS][MAX_EPOCHS];
    r->epochs = MAX_EPOCHS;
    r->wall = r->sps = 0;
    for (int s = 1; s <= fo->seeds; s++) {
        char out[OUT_PATH_MAX];
        snprintf(out, sizeof out, "%s/%s/%s-s%d", dir, p->part, r->name, s);
        double wall, sps;
        int ne;
        if (read_summary(out, acc[s - 1], &ne, &wall, &sps, err, n)) return 1;
        if (ne < r->epochs) r->epochs = ne;
        r->wall += wall / fo->seeds;
        r->sps += sps / fo->seeds;
    }
    for (int e = 0; e < r->epochs; e++) {
        double m = 0, v = 0;
        for (int s = 0; s < fo->seeds; s++) m += acc[s][e] / fo->seeds;
        for (int s = 0; s < fo->seeds; s++) v += (acc[s][e] - m) * (acc[s][e] - m);
        r->acc[e] = m;
        r->sd[e] = fo->seeds > 1 ? sqrt(v / (fo->seeds - 1)) : 0;
    }
    r->mean = train_tail_mean(r->acc, r->epochs, 5);
    r->pm = train_tail_mean(r->sd, r->epochs, 5);
    r->fin = r->acc[r->epochs - 1];
    r->fin_sd = r->sd[r->epochs - 1];
    r->score = r->epochs >= 10 ? r->mean : r->fin;
    return 0;
}

/* The checks on one part: digital level, TT near digital, SGD below TT with the largest gap at the smallest tau. */
static int write_part(FILE *f, const part_def *p, const result *r, int nr, int epochs)
{
    if (p->n) { /* a part of its own configurations: the table, no checks */
        fprintf(f, "\n## %s (%s, %d epochs; configurations: %s/)\n\n| configuration | test accuracy, last 5 epochs "
                   "(%%) | final epoch (%%) | wall time per run (s) | samples/s |\n|---|---|---|---|---|\n",
                p->part, p->net, epochs, p->dir);
        for (int i = 0; i < nr; i++)
            fprintf(f, "| %s | %.2f ± %.2f | %.2f ± %.2f | %.0f | %.0f |\n", r[i].title, r[i].mean, r[i].pm, r[i].fin,
                    r[i].fin_sd, r[i].wall, r[i].sps);
        return 1;
    }
    const result *dig = &r[0];
    fprintf(f, "\n## %s (%s, %d epochs)\n\n| algorithm | tau | test accuracy, last 5 epochs (%%) | final epoch (%%) "
               "| wall time per run (s) | samples/s |\n|---|---|---|---|---|---|\n", p->part, p->net, epochs);
    for (int i = 0; i < nr; i++)
        fprintf(f, "| %s | %s | %.2f ± %.2f | %.2f ± %.2f | %.0f | %.0f |\n", algo_titles[r[i].algo],
                r[i].tau < 0 ? "-" : p->taus[r[i].tau], r[i].mean, r[i].pm, r[i].fin, r[i].fin_sd, r[i].wall, r[i].sps);
    int tt_ok = 1, sgd_below = 1;
    /* gap = TT - SGD per tau, with the spread of both (the ± of the table) */
    double gap[3], spread[3];
    for (int t = 0; t < 3; t++) {
        const result *sgd = &r[1 + t], *tt = &r[4 + t];
        tt_ok &= dig->score - tt->score <= 1.5;
        sgd_below &= sgd->score < tt->score;
        gap[t] = tt->score - sgd->score;
        spread[t] = epochs >= 10 ? tt->pm + sgd->pm : tt->fin_sd + sgd->fin_sd;
    }
    /* "largest at the smallest tau": yes if strictly, a tie if no other gap exceeds it by more than the spreads */
    int strict = 1, tie = 1;
    for (int t = 1; t < 3; t++) {
        strict &= gap[0] > gap[t];
        tie &= gap[t] - gap[0] <= spread[0] + spread[t];
    }
    const char *gap_verdict = strict ? "yes" : (tie ? "tie within the seeds' spread" : "NO");
    int gap_ok = strict || tie;
    fprintf(f, "\nChecks (on the %s): digital %.2f%%%s; Tiki-Taka within 1.5 points of digital at every tau: %s; "
               "Analog SGD below Tiki-Taka at every tau: %s; gap (TT - SGD: %.2f, %.2f, %.2f) largest at the "
               "smallest tau: %s.\n",
            epochs >= 10 ? "last-5-epoch means" : "final epoch: the last 5 of so few epochs include the start",
            dig->score, strcmp(p->part, "mnist-fcn") ? "" : (dig->score >= 93 ? " (>= 93: yes)" : " (>= 93: NO)"),
            tt_ok ? "yes" : "NO", sgd_below ? "yes" : "NO", gap[0], gap[1], gap[2], gap_verdict);
    return tt_ok && sgd_below && gap_ok && (strcmp(p->part, "mnist-fcn") || dig->score >= 93);
}

/* DIR/PART.png: mean test accuracy over seeds per epoch, one curve per configuration (Fig. 5 style): colour
 * by tau (digital its own), dash by algorithm; y from 0 to 100 %. */
static void plot_part(const char *dir, const part_def *p, const result *r, int nr, FILE *md)
{
    char names[MAX_CONFIGS][64], path[OUT_PATH_MAX + 64], title[128], err[512];
    plot_series s[MAX_CONFIGS];
    static double epoch[MAX_EPOCHS];
    for (int e = 0; e < MAX_EPOCHS; e++) epoch[e] = e + 1;
    for (int i = 0; i < nr && i < MAX_CONFIGS; i++) {
        if (r[i].title) snprintf(names[i], sizeof names[i], "%s", r[i].title);
        else if (r[i].tau < 0) snprintf(names[i], sizeof names[i], "%s", algo_titles[r[i].algo]);
        else snprintf(names[i], sizeof names[i], "%s, τ = %s", algo_titles[r[i].algo], p->taus[r[i].tau]);
        s[i] = (plot_series){.name = names[i], .x = epoch, .y = r[i].acc, .n = (size_t)r[i].epochs};
        if (r[i].algo >= 0) s[i].colour = r[i].tau < 0 ? 4 : 1 + r[i].tau, s[i].dash = r[i].algo;
    }
    snprintf(path, sizeof path, "%.3000s/%s.png", dir, p->part);
    snprintf(title, sizeof title, "%s: test accuracy, mean over seeds", p->part);
    plot_spec ps = {.title = title, .xlabel = "epoch", .ylabel = "test accuracy (%)", .key_outside = 1,
                    .ymin = 0, .ymax = 100, .series = s, .nseries = nr < MAX_CONFIGS ? nr : MAX_CONFIGS};
    if (!plot_available() || plot_lines(path, &ps, err, sizeof err)) return;
    fprintf(md, "\n![%s](%s.png)\n", p->part, p->part);
}

/* Every configuration of the selected parts loads and checks as its runs will use it, and its data can be
 * read: checked before any folder is created or any run started. @return 0 or -1 (err). */
static int check_configs(const full_opts *fo, char *err, size_t n)
{
    if (in_list(fo->parts, "tt-family") && repro_lsq_check(err, n)) return -1;
    if (in_list(fo->parts, "frontier") && repro_frontier_check(err, n)) return -1;
    if (in_list(fo->parts, "frontier-mnist") && repro_sweeps_check(fo->epochs, err, n)) return -1;
    for (int p = 0; p < NPARTS; p++) {
        if (!in_list(fo->parts, parts[p].part)) continue;
        for (int i = 0; i < n_configs(&parts[p]); i++) {
            result r;
            config_of(&parts[p], i, &r);
            train_cfg c = train_cfg_defaults();
            char path[OUT_PATH_MAX + 80];
            snprintf(path, sizeof path, "%s/%s.ini", config_dir(fo, &parts[p]), r.name);
            if (cfg_load_file(train_keys(), &c, path, err, n)) return -1;
            c.set = strcmp(parts[p].set, "mnist") ? 1 : 0;
            if (fo->epochs > 0) c.epochs = fo->epochs;
            /* as its runs will use it: keys its device model does not use, dw_min against the range, layers, ... */
            char why[768];
            xbar_layer_spec specs[TRAIN_MAX_LAYERS];
            if (train_cfg_check_given(&c, path, NULL, 0, why, sizeof why) ||
                train_cfg_layers(&c, specs, TRAIN_MAX_LAYERS, why, sizeof why) < 0)
                return snprintf(err, n, "%s: %s", path_show(path), why), -1;
            if (c.epochs > MAX_EPOCHS)
                return snprintf(err, n, "%s: train.epochs = %d: --full takes at most %d epochs per run (see --epochs)",
                                path_show(path), c.epochs, MAX_EPOCHS), -1;
            train_data_shape d;
            if (train_data_peek(train_data_dir(&c), c.train_limit, c.test_limit, &d))
                return snprintf(err, n, "%s: the %s data cannot be read from %s (bash scripts/data.sh installs it)",
                                path_show(path), parts[p].set, path_show(train_data_dir(&c))), -1;
        }
    }
    return 0;
}

/* The runs, the table and the plots of reproduce_full, into dir. @return the exit code. */
static int run_all(const cli_args *a, const full_opts *fo, const char *dir)
{
    char err[1024];
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f) return cli_error("reproduce", "out of memory"), EXIT_RUNTIME;
    fprintf(f, "# xbar reproduce --full: the paper's Figure 5 table\n\nTest accuracy (%%): mean over the last 5 epochs "
               "of the per-epoch mean over %d seeds, ± the mean over those epochs of the per-epoch std over seeds "
               "(the paper's statistic). Configurations: %s/.\n", fo->seeds, fo->configs);
    int all_ok = 1, rc = 0, nj = 0;
    job *jobs = calloc((size_t)NPARTS * MAX_CONFIGS * (size_t)fo->seeds, sizeof *jobs);
    if (!jobs) return cli_error("reproduce", "out of memory"), EXIT_RUNTIME;
    for (int p = 0; p < NPARTS; p++) {
        if (!in_list(fo->parts, parts[p].part)) continue;
        char sub[OUT_PATH_MAX + 32];
        snprintf(sub, sizeof sub, "%s/%s", dir, parts[p].part);
        mkdir(sub, 0777);
        for (int i = 0; i < n_configs(&parts[p]); i++)
            for (int s = 1; s <= fo->seeds; s++) {
                result r;
                config_of(&parts[p], i, &r);
                job *j = &jobs[nj++];
                j->p = &parts[p];
                j->seed = s;
                snprintf(j->stem, sizeof j->stem, "%s", r.name);
                snprintf(j->out, sizeof j->out, "%.3000s/%s-s%d", sub, r.name, s);
            }
    }
    rc = run_jobs(a, fo, jobs, nj, err, sizeof err);
    free(jobs);
    for (int p = 0; p < NPARTS && !rc; p++) {
        if (!in_list(fo->parts, parts[p].part)) continue;
        const int nc = n_configs(&parts[p]);
        result *r = calloc((size_t)nc, sizeof *r);
        if (!r) return cli_error("reproduce", "out of memory"), EXIT_RUNTIME;
        for (int i = 0; i < nc && !rc; i++) {
            config_of(&parts[p], i, &r[i]);
            rc = collect_config(fo, dir, &parts[p], &r[i], err, sizeof err);
        }
        if (!rc) all_ok &= write_part(f, &parts[p], r, nc, r[0].epochs);
        if (!rc) plot_part(dir, &parts[p], r, nc, f);
        free(r);
    }
    /* the part's least-squares experiments: in this process, each run a second or two */
    if (!rc && in_list(fo->parts, "tt-family")) rc = repro_lsq_run(dir, fo->seeds, a->quiet, f, err, sizeof err);
    if (!rc && in_list(fo->parts, "frontier")) rc = repro_frontier_run(dir, fo->seeds, a->quiet, f, err, sizeof err);
    if (!rc && in_list(fo->parts, "frontier-mnist")) { /* the MNIST experiments: sweeps (reproduce_sweeps.c) */
        int failed = 0;
        rc = repro_sweeps_run(dir, fo->epochs, fo->jobs, a->quiet, f, &failed, err, sizeof err);
        all_ok &= !failed;
    }
    fclose(f);
    if (rc) {
        free(text);
        return cli_error("reproduce", "%s", err), rc;
    }
    char path[OUT_PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/table.md", dir);
    if (out_write_atomic(path, text, len, err, sizeof err)) {
        free(text);
        return cli_error("reproduce", "%s", err), EXIT_RUNTIME;
    }
    fputs(text, stdout);
    printf("\nwrote %s\n", path);
    free(text);
    return all_ok ? EXIT_OK : EXIT_RUNTIME;
}

int reproduce_full(const cli_args *a, const full_opts *fo)
{
    char err[1024];
    if (fo->seeds < 1 || fo->seeds > MAX_SEEDS) return cli_error("reproduce", "--seeds %d: must be in [1, %d]", fo->seeds, MAX_SEEDS), EXIT_USAGE;
    if (fo->jobs < 1 || fo->jobs > REPRO_MAX_JOBS)
        return cli_error("reproduce", "--jobs %d: must be in [1, %d]", fo->jobs, REPRO_MAX_JOBS), EXIT_USAGE;
    /* epochs 0: --epochs not given (cmd_reproduce refuses an explicit 0), the configs' own */
    if (fo->epochs < 0 || fo->epochs > MAX_EPOCHS) return cli_error("reproduce", "--epochs %d: must be in [1, %d]", fo->epochs, MAX_EPOCHS), EXIT_USAGE;
    for (const char *s = fo->parts; *s;) {
        size_t len = strcspn(s, ",");
        int ok = 0;
        for (int p = 0; p < NPARTS; p++) ok |= strlen(parts[p].part) == len && !strncmp(s, parts[p].part, len);
        ok |= len == 8 && !strncmp(s, "frontier", 8); /* least squares only (reproduce_frontier.c) */
        ok |= len == 14 && !strncmp(s, "frontier-mnist", 14); /* sweeps (reproduce_sweeps.c) */
        if (!ok)
            return cli_error("reproduce", "--parts %s: expected a comma list of mnist-fcn, mnist-cnn, fashion-fcn, tt-family, frontier, frontier-mnist",
                             fo->parts), EXIT_USAGE;
        s += len + (s[len] == ',');
    }
    const char *dir = a->out ? a->out : fo->out;
    out_lock lk;
    if (out_check(dir, OUT_MAY_EXIST, err, sizeof err) || check_configs(fo, err, sizeof err) ||
        out_lock_take(dir, &lk, err, sizeof err))
        return cli_error("reproduce", "%s", err), EXIT_USAGE;
    int rc = mkdir(dir, 0777) && errno != EEXIST ? -1 : 0;
    if (rc) cli_error("reproduce", "cannot create %s: %s", path_show(dir), strerror(errno));
    else rc = run_all(a, fo, dir);
    out_lock_release(&lk);
    return rc ? rc : EXIT_OK;
}
