/*
 * args.h - the flags shared by every xbar subcommand, plus per-command extras.
 *
 * Common flags (each also accepted as --flag=value):
 *   --config FILE          INI file, read first
 *   --set section.key=V    override, repeatable, applied in order after --config
 *   --seed N               random seed (unsigned 64-bit)
 *   --out DIR              output directory
 *   --force                replace an existing output directory
 *   --threads N            worker threads (>= 1; default, set by main.c: the CPUs
 *                          this process may use, cpus.h)
 *   --quiet                no progress line or chatter on stderr
 *   --help, -h             usage
 *
 * Typical command:
 *   int cmd_lsq(int argc, char **argv) {
 *       int quick = 0;
 *       const arg_extra extra[] = { { "quick", ARG_FLAG, &quick, NULL, "small problem" }, { NULL } };
 *       cli_args a; char err[1024];
 *       if (args_parse(&a, "lsq", argc, argv, extra, err, sizeof err)) return cli_error("lsq", "%s", err), 2;
 *       if (a.help) return usage(stdout), 0;
 *       lsq_cfg c = lsq_cfg_default();
 *       if (args_apply_config(&a, lsq_keys(), &c, err, sizeof err)) return cli_error("lsq", "%s", err), 2;
 *       if (a.seed_set) c.seed = a.seed; ...
 *   }
 */
#ifndef XBAR_CLI_ARGS_H
#define XBAR_CLI_ARGS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cfg.h"

#define ARGS_SET_MAX 128 /* most --set flags per run */

/** Kinds of command-specific flags and the type `ptr` points to. */
typedef enum {
    ARG_FLAG,   /* int*: set to 1; takes no value          */
    ARG_STRING, /* const char**: points into argv          */
    ARG_INT,    /* int*: any decimal integer               */
    ARG_U64,    /* uint64_t*: non-negative integer         */
    ARG_DOUBLE  /* double*: finite number                  */
} arg_kind;

/** One command-specific flag. Arrays end with an entry whose name is NULL. */
typedef struct {
    const char *name;    /* without the dashes, e.g. "quick"   */
    arg_kind kind;
    void *ptr;           /* where the value goes (see arg_kind) */
    const char *metavar; /* value name in usage, e.g. "N"      */
    const char *help;    /* one line                            */
} arg_extra;

/** The parsed common flags. Strings point into argv. */
typedef struct {
    const char *config;            /* --config, or NULL                     */
    const char *sets[ARGS_SET_MAX]; /* --set values in command-line order    */
    int nsets;
    uint64_t seed;                 /* --seed, valid if seed_set             */
    int seed_set;
    const char *out;               /* --out, or NULL                        */
    int force;                     /* --force                               */
    int threads;                   /* --threads, 0 if not given (keep the default) */
    int quiet;                     /* --quiet                               */
    int help;                      /* --help or -h (parsing stopped there)  */
} cli_args;

/**
 * Parse argv[1..argc-1] (argv[0] is the command name) into `a` and the
 * `extra` flags (may be NULL). Stops at --help. Errors (returns -1):
 *   "unknown flag --foo (see xbar CMD --help)"
 *   "--seed abc: not a non-negative integer"
 *   "--out: missing value"
 *   "unexpected argument 'x' (see xbar CMD --help)"
 * @return 0 or -1.
 */
int args_parse(cli_args *a, const char *cmd, int argc, char **argv, const arg_extra *extra, char *err,
               size_t errlen);

/** Load a->config (if any) into obj, then apply each --set in order. @return 0 or -1. */
int args_apply_config(const cli_args *a, const cfg_key *tab, void *obj, char *err, size_t errlen);

/**
 * Usage text: "usage: xbar CMD [flags]", the summary, the extra flags, the
 * common flags (--threads with its default: xbar_get_threads(), which main.c sets
 * to the CPUs this process may use before the command runs), and (if tab is not
 * NULL) every config key with its value in `defaults` (see cfg_print_help).
 * In the roff style (args_usage_style) the same, as the subsection "xbar CMD" of
 * the manual page, less the common flags (the page lists them once).
 */
void args_usage(FILE *f, const char *cmd, const char *summary, const arg_extra *extra, const cfg_key *tab,
                const void *defaults);

/** How args_usage and args_usage_text write: plain text for --help (the default), or man(7)
 *  roff, a subsection per command, for the manual page (`xbar help --man`, manpage.h). */
typedef enum { USAGE_TEXT = 0, USAGE_ROFF } usage_style;

/** The style of every later usage text of this process (set once, by `xbar help --man`). */
void args_usage_style(usage_style s);

/** A command's own usage text, for a command that parses its arguments itself (data): written
 *  as it is, or in the roff style unfilled under the subsection "xbar CMD". */
void args_usage_text(FILE *f, const char *cmd, const char *text);

/** The common flags as man(7) list entries (the manual page's COMMON FLAGS section). */
void args_common_roff(FILE *f);

/** Print "xbar CMD: message" (one line) to stderr. */
/** Format a message into err (n bytes; nothing when err is NULL or n 0) and return -1: the
 *  "fill the caller's message and fail" of the program's checks. */
int cli_errf(char *err, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void cli_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#endif
