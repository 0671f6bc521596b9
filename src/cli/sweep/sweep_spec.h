/*
 * sweep_spec.h - the sweep file of `xbar sweep`: a normal `xbar lsq` or `xbar train`
 * configuration plus a [sweep] section of grids and zips over any of its keys, expanded into
 * points, each a fully resolved and checked configuration of that command (docs/sweep.md).
 *
 *   [sweep]
 *   command = lsq                                  ; lsq or train (required)
 *   seed = 1                                       ; the sweep seed (default 1)
 *   timings = false                                ; collect leaves wall times out (default true)
 *   grid = device.tau: 2, 3, 5 ; lsq.lr: 0.1, 0.05 ; every combination (repeat `grid` for more)
 *   grid = seed: 1..3                              ; integer range, inclusive
 *   zip = lsq.iterations: 100, 200 ; lsq.noise: 0.1, 0.2   ; varied together (one line a group)
 *
 * Axes are the keys of the grid lines and the zip groups, in file order; the first axis varies
 * slowest, so point index = mixed-radix number of the axes' value positions. `seed` is the
 * command's seed key (lsq.seed, train.seed). A value is a token of a comma list: trimmed, or
 * in double quotes (then it may hold commas and ';'), or A..B (the integers A to B). A grid axis
 * lists each value once; a zip's lists may repeat a value, but no two positions of a zip may be
 * equal in every key. In [sweep], ';' separates axes, so a comment there takes a line of its own.
 *
 * Seeds: unless the command's seed is swept, point i runs with seed sweep_point_seed(sweep.seed,
 * i) (splitmix64 of sweep.seed + (i + 1) * 0x9E3779B97F4A7C15), and the base configuration may
 * not give it (it would be replaced).
 *
 * The other sections are read as `--config` reads them (unknown keys and bad values refused,
 * naming FILE:LINE, key and value); --set assignments apply after them, to the base.
 */
#ifndef XBAR_CLI_SWEEP_SPEC_H
#define XBAR_CLI_SWEEP_SPEC_H

#include <stddef.h>
#include <stdint.h>

#include "cfg.h"

#define SWEEP_MAX_AXES 32        /* axes (grid keys plus zip groups) */
#define SWEEP_MAX_KEYS 48        /* swept keys in all */
#define SWEEP_MAX_VALUES 10000   /* values of one axis */
#define SWEEP_MAX_POINTS 100000  /* points of a sweep */
#define SWEEP_MAX_BASE 512       /* keys given by the base configuration and --set */

/** The command a sweep runs: its key table and how to check and run one configuration. */
typedef struct sweep_target sweep_target;

/** One swept key and its values (strings as written; ranges expanded). */
typedef struct {
    char key[96];       /* "section.key" as written ("seed" for the command's seed key) */
    const cfg_key *row; /* its row in the command's table */
    int axis;           /* the axis it belongs to */
    int nval;
    char **val;         /* nval values */
} sweep_key;

typedef struct {
    const sweep_target *target;
    char path[4096];          /* the sweep file */
    uint64_t seed;            /* sweep.seed */
    int timings;              /* sweep.timings */
    int seed_swept;           /* the command's seed key is a swept key */
    int naxes, nkeys;
    int axis_len[SWEEP_MAX_AXES];
    sweep_key key[SWEEP_MAX_KEYS];
    size_t npoints;
    int width;                /* digits of the point numbers in folder names (at least 4) */
    /* the base: "section.key=value" assignments in order (file, then --set), for sweep_resolve */
    int nbase;
    char *base[SWEEP_MAX_BASE];
    int base_line[SWEEP_MAX_BASE]; /* its line in the file, 0 for --set */
} sweep_spec;

/**
 * Read the sweep file `path` and the --set assignments sets[0..nsets) (applied to the base),
 * expand the axes. seed_flag (NULL: none) overrides sweep.seed. Nothing is resolved yet.
 * @return 0, or -1 with err (one line naming the file, line, key and value).
 */
int sweep_spec_read(sweep_spec *s, const char *path, const char *const *sets, int nsets, const uint64_t *seed_flag,
                    char *err, size_t n);
void sweep_spec_free(sweep_spec *s);

/** "lsq" or "train". */
const char *sweep_command_name(const sweep_spec *s);

/** The seed of point i when the seed is not swept (see above). */
uint64_t sweep_point_seed(uint64_t sweep_seed, size_t i);

/** The value position of swept key k in point i. */
int sweep_value_index(const sweep_spec *s, int k, size_t i);

/** Folder name of point i, "NNNN-tau=2_lr=0.1" (sanitised, at most about 120 bytes) into buf. */
void sweep_point_name(const sweep_spec *s, size_t i, char *buf, size_t cap);

/** A resolved point: the command's configuration object and its config.ini text. */
typedef struct {
    void *cfg;     /* the command's configuration (lsq_cfg or train_cfg) */
    char *ini;     /* config.ini as the command writes it (malloc'd) */
    size_t ini_len;
    uint64_t seed; /* the seed it runs with */
} sweep_point;

/**
 * Resolve point i: defaults, the base, the point's values, the seed; then every check the
 * command runs before computing (keys the device does not read, the curves of lsq, the layers,
 * device, optimizer, IO and data headers of train). @return 0, or -1 with err naming the
 * point, key and value ("point 37 (0036-tau=0.5): device.tau = 0.5: ...").
 */
int sweep_resolve(const sweep_spec *s, size_t i, sweep_point *p, char *err, size_t n);
void sweep_point_free(sweep_point *p);

/**
 * Run a resolved point into folder out (created whole or not at all, as the command creates
 * it; a train point whose out.run/ holds an interrupted run continues it). @return 0, or the
 * command's exit code (1 runtime, 2 bad input, 3 diverged) with err.
 */
int sweep_run_point(const sweep_spec *s, const sweep_point *p, const char *out, char *err, size_t n);

#endif
