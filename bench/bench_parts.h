/*
 * bench_parts.h - the parts of `xbar bench` (cmd_bench.c runs them in order)
 * and what they share: the run's settings, the machine ceilings measured by
 * part 1, min-of-k timing, output to the table and to bench.json.
 *
 * Every timed case is measured at each thread setting of the run
 * (threads[0] = 1 and threads[1] = N) and reported as an array of nth values
 * in bench.json, in that order. Times are the fastest of k calls (min-of-k):
 * calls repeat while their total stays within `budget` seconds (at most
 * BENCH_KMAX calls), and at least BENCH_KMIN times when a call takes under
 * BENCH_KMIN_S (so no case under half a second rests on one call). The
 * read and update cases alternate the calls of their thread settings
 * (bench_best_each), so that the thread speedup compares calls made under the
 * same load of the host.
 *
 * aihwkit figures come only from a file of times measured alongside on the
 * same machine (--aihwkit FILE, see cmd_bench.c): a part that has a case of
 * the same name there (bench_aihwkit_find) prints and records the ratio
 * (bench_aihwkit_row), which also adds a row to the summary (7).
 *
 *   bench_ref r; bench_aihwkit_load(&r, path, err, n);  // optional, before any timing
 *   bench_ctx b = {..., .aihwkit = &r};   // settings, json root, table copy
 *   bench_ceilings(&b);                // (1) fills b.sgemm_gflops, ...
 *   bench_reads(&b); bench_updates(&b); bench_train(&b); bench_memory(&b);
 */
#ifndef XBAR_CLI_BENCH_PARTS_H
#define XBAR_CLI_BENCH_PARTS_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdio.h>

#define BENCH_KMAX 64    /* most calls per timed case */
#define BENCH_KMIN 3     /* fewest calls of a case whose call takes under BENCH_KMIN_S */
#define BENCH_KMIN_S 0.5 /* seconds */

/* One aihwkit case of the --aihwkit file: its name, the fastest of its calls. */
typedef struct {
    char *name;   /* e.g. "update dense softbounds 512x512 b64" */
    double min_s; /* min of its "s" */
    int calls;    /* number of times in "s" */
    int used;     /* matched by a case of this run */
} bench_ref_case;

/* The --aihwkit file. */
typedef struct {
    const char *path;
    int threads; /* aihwkit's thread count ("threads") */
    int n;
    bench_ref_case *cases;
} bench_ref;

typedef struct {
    int quick, quiet;
    int nth;          /* thread settings measured: 1 (--threads 1) or 2 */
    int threads[2];   /* 1 and N */
    double budget;    /* seconds of repeated calls per timed case */
    double train_budget; /* seconds of timed batches per training case */
    double cap;       /* an update case estimated longer than this is skipped (s) */
    double cap_4096;  /* the same for 4096x4096 */
    /* (1) ceilings, per thread setting */
    double sgemm_gflops[2], copy_GBps[2], znormals_per_s[2], normals_per_s[2];
    cJSON *json;      /* bench.json root */
    cJSON *summary;   /* array: one object per row of the aihwkit comparison */
    bench_ref *aihwkit; /* times measured alongside (--aihwkit), or NULL: no aihwkit figure */
    FILE *copy;       /* copy of stdout (bench.txt), may be NULL */
    int note_shown;   /* a progress line is on a terminal's stderr */
} bench_ctx;

/* One timed call: seconds of its timed section and the pulses it fired; from bench_best,
 * the fastest call, with the median seconds and the number of calls. */
typedef struct {
    double s, pulses;
    double med;
    int calls;
} bench_time;
typedef bench_time (*bench_call)(void *arg);

/* ---------------------------------------------------- bench_util.c */
double bench_now(void);
/** Fastest of k calls of f(arg) (see the top of this file), with their median. */
bench_time bench_best(const bench_ctx *b, bench_call f, void *arg);
/** bench_best at every thread setting of the run, the settings' calls interleaved (1, N, 1,
 *  N, ...) so that both meet the same phases of the host's load and their ratio, the thread
 *  speedup, is not one phase against another; out[t] for threads[t]. Leaves the thread count
 *  at the last setting called. */
void bench_best_each(const bench_ctx *b, bench_call f, void *arg, bench_time out[2]);
/** n uniforms in [lo, hi) from stream `stream` (NULL if out of memory). */
float *bench_uniform(size_t n, unsigned stream, float lo, float hi);
/** Run job(arg, k, nt) on nt threads, k = 0..nt-1, and wait (nt = 1: inline). */
void bench_parallel(int nt, void (*job)(void *arg, int k, int nt), void *arg);
/** printf to stdout and to b->copy. */
void bench_out(bench_ctx *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** One progress line on stderr (unless quiet); a terminal shows only the latest. */
void bench_note(bench_ctx *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** "11.5 s", "230 ms", "4.10 ms", "45.0 us" into buf (16 bytes). */
const char *bench_fmt_time(double s, char buf[16]);
/** obj[name] = [v[0], ..., v[b->nth - 1]]. */
void bench_json_pair(const bench_ctx *b, cJSON *obj, const char *name, const double *v);

/* --------------------------------------------------- bench_aihwkit.c */
/** Read the --aihwkit file (src/util's regular-file reader, cJSON): {"threads": T, "results":
 *  [{"case": NAME, "s": [seconds, ...]}, ...]}. Refused (-1, err "--aihwkit PATH: WHAT"): an
 *  unreadable file, not JSON, no positive integer "threads", no non-empty "results", an entry
 *  without a "case" name, without times or with a time that is not a positive number, a case
 *  listed twice. r->path points to path. */
int bench_aihwkit_load(bench_ref *r, const char *path, char *err, size_t errlen);
void bench_aihwkit_free(bench_ref *r);
/** The file's case called name (and marks it used), or NULL (no file, no such case). Names:
 *  "read fwd+bwd NxN bB", "update REGIME DEVICE NxN bB" (REGIME dense or mnist; DEVICE
 *  ald_ideal, softbounds, tikitaka), "fcn epoch OPTIMIZER" (digital, analog_sgd, tiki_taka). */
const bench_ref_case *bench_aihwkit_find(const bench_ctx *b, const char *name);
/** Print " | aihwkit TIME (min of N): R1x R2x" (R = c's min / xbar_s[k]), add aihwkit_seconds,
 *  aihwkit_source ("PATH (min of N calls)") and vs_aihwkit to the part's row o, and a row
 *  (what, target: the target as text) to the summary (7). */
void bench_aihwkit_row(bench_ctx *b, cJSON *o, const bench_ref_case *c, const double *xbar_s, const char *what,
                       const char *target);

/* ------------------------------------------------------ the parts */
/** (1) sgemm, copy bandwidth, normals per second, at each thread setting. */
int bench_ceilings(bench_ctx *b);
/** (2) tile forward + backward with the default IO against the sgemm pair. */
int bench_reads(bench_ctx *b);
/** (3) the stochastic pulsed update in the dense and MNIST-like regimes. */
int bench_updates(bench_ctx *b);
/** (5) end-to-end training samples/s of the paper's FCN and CNN. */
int bench_train(bench_ctx *b);
/** (6) bytes per device and the peak RSS of a 4096x4096 Tiki-Taka pair. */
int bench_memory(bench_ctx *b);
/** Bytes a tile stores per weight (see bench_mem.c for the formula). */
size_t bench_tile_bytes_per_device(void);
/** Of those, the ones an update must read and write (weight + device parameters). */
size_t bench_update_bytes_per_device(void);

#endif
