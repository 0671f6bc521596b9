/* cmd_reproduce.c - `xbar reproduce --quick`: run the paper's least-squares
 * presets, check each claim against what xbar measures, print the table
 * (claim, paper, xbar, holds?) and write DIR/report.md beside the plots. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "args.h"
#include "commands.h"
#include "lsq_exec.h"
#include "outdir.h"
#include "outlock.h"
#include "pathname.h"
#include "reproduce_full.h"

typedef struct {
    char claim[160], paper[160], xbar[256];
    int holds;
} row;

static double fe(const lsq_outcome *o, int i) { return o->res[i].final_error; }

/* Index of the curve with this kind and sweep value ("" = any value), or -1. */
static int find(const lsq_outcome *o, xbar_lsq_kind k, const char *value)
{
    for (int i = 0; i < o->n; i++)
        if (o->curve[i].kind == k && (!value[0] || !strcmp(o->curve[i].value, value))) return i;
    return -1;
}

static void check_fig1(const lsq_outcome *o, row *r)
{
    int d0 = find(o, XBAR_LSQ_DIGITAL, "0.2"), d1 = find(o, XBAR_LSQ_DIGITAL, "0.03");
    int a0 = find(o, XBAR_LSQ_ANALOG_PULSE, "0.2"), a1 = find(o, XBAR_LSQ_ANALOG_PULSE, "0.03");
    double dr = fe(o, d0) / fe(o, d1), ar = fe(o, a0) / fe(o, a1);
    snprintf(r->claim, sizeof r->claim, "Fig. 1: digital error falls with alpha, Analog SGD floor does not");
    snprintf(r->paper, sizeof r->paper, "digital ~ alpha; analog flat, far above");
    snprintf(r->xbar, sizeof r->xbar, "alpha 0.2->0.03: digital %.2g->%.2g (x%.1f), analog %.2g->%.2g (x%.2f)",
             fe(o, d0), fe(o, d1), dr, fe(o, a0), fe(o, a1), ar);
    r->holds = dr > 3 && ar > 0.5 && ar < 2 && fe(o, a1) > 10 * fe(o, d0);
}

static void check_fig3(const lsq_outcome *o, row *r)
{
    static const char *const taus[] = {"1", "1.5", "2", "2.5"};
    int dg = find(o, XBAR_LSQ_DIGITAL, ""), ok = 1;
    double worst = 1, prev_gap = INFINITY;
    for (int t = 0; t < 4; t++) {
        double dy = fe(o, find(o, XBAR_LSQ_ANALOG_DYNAMIC, taus[t]));
        double pu = fe(o, find(o, XBAR_LSQ_ANALOG_PULSE, taus[t]));
        double q = dy > pu ? dy / pu : pu / dy, gap = dy / fe(o, dg);
        worst = fmax(worst, q);
        ok = ok && q < 3.5 && fe(o, dg) < fmin(dy, pu) && gap < prev_gap;
        prev_gap = gap;
    }
    snprintf(r->claim, sizeof r->claim, "Fig. 3: eq. (3) tracks the pulse-level run; digital lower; gap grows as tau falls");
    snprintf(r->paper, sizeof r->paper, "(3) overlays the simulation, (2) lower");
    snprintf(r->xbar, sizeof r->xbar, "dynamic/pulse floors within x%.2f; tau=1: dyn %.2g, pulse %.2g, digital %.2g",
             worst, fe(o, find(o, XBAR_LSQ_ANALOG_DYNAMIC, "1")), fe(o, find(o, XBAR_LSQ_ANALOG_PULSE, "1")),
             fe(o, dg));
    r->holds = ok;
}

/* Analog floors in sweep order; monotone direction dir (+1 rising, -1 falling). */
static int monotone(const lsq_outcome *o, xbar_lsq_kind k, int dir, char *buf, size_t n)
{
    int ok = 1;
    double prev = dir > 0 ? -INFINITY : INFINITY;
    buf[0] = 0;
    for (int i = 0; i < o->n; i++) {
        if (o->curve[i].kind != k) continue;
        double v = fe(o, i);
        ok = ok && (dir > 0 ? v > prev : v < prev);
        prev = v;
        size_t l = strlen(buf);
        snprintf(buf + l, n - l, "%s%.2g", l ? " " : "", v);
    }
    return ok;
}

static void check_fig4(const lsq_outcome *o, const char *name, row *r)
{
    char seq[200];
    if (!strcmp(name, "fig4-tau")) {
        int ok = monotone(o, XBAR_LSQ_ANALOG_PULSE, -1, seq, sizeof seq);
        double last = fe(o, o->n - 1), dg = fe(o, find(o, XBAR_LSQ_DIGITAL, ""));
        snprintf(r->claim, sizeof r->claim, "Fig. 4 left: floor falls monotonically with tau toward digital");
        snprintf(r->paper, sizeof r->paper, "tau 2..50: monotone, approaches SGD");
        snprintf(r->xbar, sizeof r->xbar, "tau 2,3,5,10,20,50: %s; digital %.2g", seq, dg);
        r->holds = ok && last < 3 * dg;
    } else if (!strcmp(name, "fig4-sigma")) {
        int ok = monotone(o, XBAR_LSQ_ANALOG_PULSE, +1, seq, sizeof seq);
        snprintf(r->claim, sizeof r->claim, "Fig. 4 middle: floor rises monotonically with sigma^2");
        snprintf(r->paper, sizeof r->paper, "sigma^2 1e-3..1: monotone");
        snprintf(r->xbar, sizeof r->xbar, "sigma^2 1e-3,1e-2,1e-1,1: %s", seq);
        r->holds = ok;
    } else {
        double lo = INFINITY, hi = 0;
        for (int i = 0; i < o->n; i++) lo = fmin(lo, fe(o, i)), hi = fmax(hi, fe(o, i));
        snprintf(r->claim, sizeof r->claim, "Fig. 4 right: every initialisation ends at the same floor");
        snprintf(r->paper, sizeof r->paper, "8 inits (const 1e3..1e-2, GD 10/20/30) -> same level");
        snprintf(r->xbar, sizeof r->xbar, "final errors %.3g .. %.3g (max/min %.2f)", lo, hi, hi / lo);
        r->holds = hi / lo < 1.5;
    }
}

static void check_thm3(const lsq_outcome *o, row *r)
{
    int a = find(o, XBAR_LSQ_ANALOG_DYNAMIC, "0.02"), b = find(o, XBAR_LSQ_ANALOG_DYNAMIC, "0.005");
    double ra = o->res[a].ratio, rb = o->res[b].ratio, wmax = 0;
    for (int i = 0; i < o->n; i++) wmax = fmax(wmax, o->res[i].winf_max);
    snprintf(r->claim, sizeof r->claim, "Thm 3: mean ||grad f||^2 = sigma^2 S_K + O(alpha) (paper: 4 sigma^2 S_K)");
    snprintf(r->paper, sizeof r->paper, "ratio to 4 sigma^2 S_K -> 1");
    snprintf(r->xbar, sizeof r->xbar,
             "ratio to sigma^2 S_K: %.3f (alpha 0.02), %.3f (0.005); to 4 sigma^2 S_K: %.3f; max ||W||inf/tau %.3f",
             ra, rb, o->res[b].ratio_paper, wmax);
    r->holds = rb >= 0.85 && rb <= 1.15 && fabs(rb - 1) < fabs(ra - 1) && wmax <= 0.5;
}

static void check_tt(const lsq_outcome *o, row *r)
{
    int a0 = find(o, XBAR_LSQ_ANALOG_PULSE, "0.1"), a1 = find(o, XBAR_LSQ_ANALOG_PULSE, "0.01");
    int t0 = find(o, XBAR_LSQ_TT_PULSE, "0.1"), t1 = find(o, XBAR_LSQ_TT_PULSE, "0.01");
    double ar = fe(o, a0) / fe(o, a1), tr = fe(o, t0) / fe(o, t1);
    snprintf(r->claim, sizeof r->claim, "Thm 4 / Table 1: Tiki-Taka converges exactly, Analog SGD keeps a floor");
    snprintf(r->paper, sizeof r->paper, "TT: no asymptotic error; ASGD: O(sigma^2 S_K)");
    snprintf(r->xbar, sizeof r->xbar, "alpha 0.1->0.01: TT %.2g->%.2g (x%.1f), Analog SGD %.2g->%.2g (x%.2f)",
             fe(o, t0), fe(o, t1), tr, fe(o, a0), fe(o, a1), ar);
    r->holds = tr > 3 && ar < 1.5 && fe(o, t0) < fe(o, a0) && fe(o, t1) < fe(o, a1);
}

static void check(const char *name, const lsq_outcome *o, row *r)
{
    if (!strcmp(name, "fig1")) check_fig1(o, r);
    else if (!strcmp(name, "fig3")) check_fig3(o, r);
    else if (!strncmp(name, "fig4", 4)) check_fig4(o, name, r);
    else if (!strcmp(name, "thm3")) check_thm3(o, r);
    else check_tt(o, r);
}

static const char summary[] =
    "Reproduce the paper's least-squares results (Fig. 1, 3, 4, Theorem 3, Tiki-Taka vs Analog SGD) in about a\n"
    "minute on 2 cores, check each claim, print the table and write DIR/report.md with the plots and every\n"
    "run's outputs in DIR/PRESET/ (default DIR: out/reproduce-quick).\n"
    "--full: the Figure 5 table (FCN and CNN on MNIST, FCN on Fashion-MNIST; digital SGD, Analog SGD and\n"
    "Tiki-Taka at three tau each; 3 seeds) into DIR/table.md (default DIR: out/reproduce-full). Finished runs\n"
    "are kept, so starting it again resumes. Needs the data: bash scripts/data.sh.";

/* An integer flag in [lo, hi]; NULL (not given) leaves *out. @return 0, or -1 after printing the error. */
static int int_flag(const char *name, const char *s, int lo, int hi, int *out)
{
    if (!s) return 0;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end || errno == ERANGE || v < lo || v > hi)
        return cli_error("reproduce", "--%s %s: must be an integer in [%d, %d]", name, s, lo, hi), -1;
    *out = (int)v;
    return 0;
}

int cmd_reproduce(int argc, char **argv)
{
    int quick = 0, full = 0;
    const char *epochs = NULL, *seeds = NULL, *jobs = NULL, *parts = NULL, *configs = NULL, *budget = NULL; /* NULL: not given */
    full_opts fo = {.epochs = 0, .seeds = 3, .jobs = 1, .parts = "mnist-fcn,mnist-cnn,fashion-fcn", .configs = "configs/paper",
                   .out = "out/reproduce-full"};
    const arg_extra extra[] = {
        {"quick", ARG_FLAG, &quick, NULL, "the least-squares presets (the default)"},
        {"full", ARG_FLAG, &full, NULL, "the Figure 5 table: networks on MNIST / Fashion-MNIST (hours)"},
        {"epochs", ARG_STRING, &epochs, "N", "--full: epochs per run, 1..1000 (default: the configs' own, 80)"},
        {"seeds", ARG_STRING, &seeds, "N", "--full: runs per configuration, 1..10 (default 3)"},
        {"jobs", ARG_STRING, &jobs, "N", "--full: runs at a time, one process each, 1..256 (default 1)"},
        {"parts", ARG_STRING, &parts, "LIST", "--full: mnist-fcn,mnist-cnn,fashion-fcn (the default: all three), tt-family (the Tiki-Taka successors: the MNIST FCN of configs/tt-family/x10, then the least-squares offset sweep and weight-programming grid of configs/tt-family), frontier (residual learning, RIDER and zero-shifting: the least-squares and calibration runs of configs/frontier), frontier-mnist (their MNIST experiments: every sweep file of configs/sweeps/frontier, seeds 1..3 each, into DIR/frontier-mnist/FILE/; --epochs applies, --seeds does not; hours)"},
        {"configs", ARG_STRING, &configs, "DIR", "--full: folder of the Figure 5 parts' configs (default configs/paper; tt-family reads configs/tt-family)"},
        {"budget", ARG_STRING, &budget, "B", "--full: epochs (80 passes over each set: the default) or paper (the paper's "
                                             "updates: epochs of 60,000 samples, configs/paper-budget)"},
        {NULL, 0, NULL, NULL, NULL}};
    cli_args a;
    char err[1024];
    if (args_parse(&a, "reproduce", argc, argv, extra, err, sizeof err))
        return cli_error("reproduce", "%s", err), EXIT_USAGE;
    if (a.help) return args_usage(stdout, "reproduce", summary, extra, NULL, NULL), EXIT_OK;
    if (a.config || a.nsets) return cli_error("reproduce", "--config and --set do not apply (presets are fixed)"), EXIT_USAGE;
    if (quick && full) return cli_error("reproduce", "--quick and --full: choose one"), EXIT_USAGE;
    const char *full_only = epochs  ? "epochs"
                            : seeds ? "seeds"
                            : jobs  ? "jobs"
                            : parts ? "parts"
                            : configs ? "configs"
                            : budget  ? "budget" : NULL;
    if (!full && full_only) return cli_error("reproduce", "--%s applies to --full only", full_only), EXIT_USAGE;
    if (int_flag("epochs", epochs, 1, REPRO_MAX_EPOCHS, &fo.epochs) ||
        int_flag("seeds", seeds, 1, REPRO_MAX_SEEDS, &fo.seeds) || int_flag("jobs", jobs, 1, REPRO_MAX_JOBS, &fo.jobs))
        return EXIT_USAGE;
    if (parts) fo.parts = parts;
    if (budget && strcmp(budget, "epochs") && strcmp(budget, "paper"))
        return cli_error("reproduce", "--budget %s: must be epochs or paper", budget), EXIT_USAGE;
    if (budget && configs) return cli_error("reproduce", "--budget and --configs: choose one"), EXIT_USAGE;
    if (budget && !strcmp(budget, "paper")) fo.configs = "configs/paper-budget", fo.out = "out/reproduce-paper-budget";
    if (configs) fo.configs = configs;
    if (a.threads > 0) xbar_set_threads(a.threads);
    if (full) return reproduce_full(&a, &fo);
    const char *dir = a.out ? a.out : "out/reproduce-quick";
    out_ctx top;
    out_lock lk;
    if (out_check(dir, a.force ? OUT_FORCE : 0, err, sizeof err) || out_lock_take(dir, &lk, err, sizeof err))
        return cli_error("reproduce", "%s", err), EXIT_USAGE;
    if (out_begin(dir, a.force, &top, err, sizeof err))
        return out_lock_release(&lk), cli_error("reproduce", "%s", err), EXIT_USAGE;
    enum { NP = 7 };
    row rows[NP];
    int rc = 0;
    for (int p = 0; p < NP && !rc; p++) {
        const char *name = lsq_preset_names[p];
        lsq_cfg c;
        lsq_outcome o;
        if (lsq_cfg_preset(&c, name, err, sizeof err)) {
            rc = EXIT_RUNTIME;
            break;
        }
        if (a.seed_set) c.s.seed = a.seed;
        if (!a.quiet) fprintf(stderr, "[%d/%d] %s\n", p + 1, NP, name);
        rc = lsq_execute(&c, out_path(&top, name), 0, a.quiet, &o, err, sizeof err);
        if (rc) break;
        check(name, &o, &rows[p]);
        lsq_outcome_free(&o);
    }
    FILE *f = rc ? NULL : out_fopen(&top, "report.md", err, sizeof err);
    if (!f) {
        out_abort(&top);
        out_lock_release(&lk);
        return cli_error("reproduce", "%s", err), rc ? rc : EXIT_RUNTIME;
    }
    int held = 0;
    fprintf(f, "# xbar reproduce --quick\n\nxbar %d.%d.%d, seed %s. Each row: the paper's claim, what the paper "
               "shows, what xbar measured (final error = mean f(W_k) - f* over the last 10%% of iterations), and "
               "whether it holds.\n\n| claim | paper | xbar | holds? |\n|---|---|---|---|\n",
            XBAR_VERSION_MAJOR, XBAR_VERSION_MINOR, XBAR_VERSION_PATCH, a.seed_set ? "from --seed" : "618 (default)");
    printf("%-4s %-86s %s\n", "", "claim", "holds?");
    for (int p = 0; p < NP; p++) {
        held += rows[p].holds;
        fprintf(f, "| %s | %s | %s | %s |\n", rows[p].claim, rows[p].paper, rows[p].xbar, rows[p].holds ? "yes" : "NO");
        printf("%-4d %-86s %s\n     paper: %s\n     xbar:  %s\n", p + 1, rows[p].claim, rows[p].holds ? "yes" : "NO",
               rows[p].paper, rows[p].xbar);
    }
    fprintf(f, "\n%d of %d claims hold.\n\n## Plots\n\n", held, NP);
    for (int p = 0; p < NP; p++)
        fprintf(f, "### %s\n\n![%s](%s/%s.png)\n\nOutputs: `%s/` (config.ini, metrics.csv, summary.json).\n\n",
                lsq_preset_names[p], lsq_preset_names[p], lsq_preset_names[p], lsq_preset_names[p], lsq_preset_names[p]);
    int bad = fclose(f) || out_commit(&top, err, sizeof err);
    if (bad) out_abort(&top);
    out_lock_release(&lk);
    if (bad) return cli_error("reproduce", "cannot write the report: %s", err), EXIT_RUNTIME;
    printf("%d of %d claims hold. Report: %s/report.md\n", held, NP, path_show(dir));
    return held == NP ? EXIT_OK : EXIT_RUNTIME;
}
