/*
 * cfg.h - table-driven configuration for the xbar command-line program.
 *
 * A command keeps its settings in a plain C struct and describes every field
 * in a table of cfg_key entries (one per INI key). The table drives:
 *   - loading an INI file          cfg_load_file()   (unknown keys are errors)
 *   - `--set section.key=value`    cfg_set()
 *   - writing the resolved config  cfg_write_ini()   (re-runnable with --config;
 *                                  cfg_write_ini_if() comments out unused keys)
 *   - usage text with defaults     cfg_print_help()
 * Range checks run when a value is set; a value outside its range is rejected
 * with a message that names the key, the value and the rule. Checks that
 * involve several fields are the command's job, after loading.
 *
 * Not thread-safe (no globals of its own, but inih is called underneath).
 *
 * Example
 *   typedef struct { float dw_min; int steps; int kind; cfg_list lrs; } my_cfg;
 *   static const char *const kinds[] = { "softbounds", "linear", NULL };
 *   static const cfg_key my_keys[] = {
 *     { "device", "dw_min", CFG_FLOAT, offsetof(my_cfg, dw_min), .flags = CFG_POS,
 *       .doc = "pulse granularity (conductance units)" },
 *     { "train", "steps", CFG_INT, offsetof(my_cfg, steps), .min = 1, .flags = CFG_MIN,
 *       .doc = "number of SGD steps" },
 *     { "device", "kind", CFG_ENUM, offsetof(my_cfg, kind), .choices = kinds },
 *     { "train", "lr", CFG_FLOAT_LIST, offsetof(my_cfg, lrs), .flags = CFG_POS, .list_max = 8 },
 *     CFG_END
 *   };
 */
#ifndef XBAR_CLI_CFG_H
#define XBAR_CLI_CFG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "xbar.h"

/** Rows, types and flags are the library's (xbar.h, "Parameter keys"); the
 *  CFG_ names are kept for the program's tables. */
typedef xbar_key_type cfg_type;
#define CFG_FLOAT XBAR_KEY_FLOAT           /* float; written with the shortest exact %g form (<= 9 digits)  */
#define CFG_DOUBLE XBAR_KEY_DOUBLE         /* double; shortest exact %g form (<= 17 digits)                 */
#define CFG_INT XBAR_KEY_INT               /* int; decimal integer                                          */
#define CFG_U64 XBAR_KEY_U64               /* uint64_t; non-negative decimal integer                        */
#define CFG_BOOL XBAR_KEY_BOOL             /* int 0/1; accepts true/false, yes/no, on/off, 1/0              */
#define CFG_STRING XBAR_KEY_STRING         /* char[CFG_STR_MAX]; copied, at most CFG_STR_MAX-1 bytes        */
#define CFG_ENUM XBAR_KEY_ENUM             /* int, the index of the value in `choices` (exact match)        */
#define CFG_FLOAT_LIST XBAR_KEY_FLOAT_LIST /* cfg_list; comma- or space-separated numbers                   */

/** Flags: which bounds apply (each number, or each list element). */
#define CFG_MIN XBAR_KEY_MIN           /* value >= min                        */
#define CFG_MIN_EXCL XBAR_KEY_MIN_EXCL /* value >  min                        */
#define CFG_MAX XBAR_KEY_MAX           /* value <= max                        */
#define CFG_MAX_EXCL XBAR_KEY_MAX_EXCL /* value <  max                        */
#define CFG_NONNEG XBAR_KEY_NONNEG     /* value >= 0 (min is ignored)         */
#define CFG_POS XBAR_KEY_POS           /* value >  0 (min is ignored)         */
#define CFG_NONEMPTY XBAR_KEY_NONEMPTY /* CFG_STRING / CFG_FLOAT_LIST: not empty */

#define CFG_STR_MAX XBAR_KEY_STR_MAX   /* size of a CFG_STRING field, terminator included */
#define CFG_LIST_MAX XBAR_KEY_LIST_MAX /* capacity of a cfg_list                          */

/** Storage of a CFG_FLOAT_LIST field (n values in use, kept as doubles). */
typedef xbar_key_list cfg_list;

/** One key of a configuration table (xbar_key). Tables end with CFG_END. */
typedef xbar_key cfg_key;

#define CFG_END { NULL, NULL, CFG_INT, 0, 0, 0, 0, NULL, 0, NULL }

/** The key `section`.`key` of `tab`, or NULL. */
const cfg_key *cfg_get_key(const cfg_key *tab, const char *section, const char *key);

/** Same, from a dotted name "section.key". */
const cfg_key *cfg_find(const cfg_key *tab, const char *dotted);

/**
 * Parse `value` for key `k` and store it into `obj` (xbar_key_set). A value that cfg_write_ini()
 * could not write re-readably is refused too ("too long for a line of a config
 * file (at most N characters)", "';' first or after a blank starts a comment ...").
 * @return 0, or -1 with err = "must be > 0" style reason (no key, no value).
 */
int cfg_set_value(const cfg_key *k, void *obj, const char *value, char *err, size_t errlen);

/**
 * Apply one override "section.key=value" (spaces around '=' allowed).
 * @return 0, or -1 with err, e.g.
 *   "--set device.dw_min=-1: must be > 0"
 *   "--set device.foo=1: unknown key device.foo (keys of [device]: dw_min, kind)"
 */
int cfg_set(const cfg_key *tab, void *obj, const char *assignment, char *err, size_t errlen);

#define CFG_FILE_MAX ((size_t)1 << 20) /* most bytes of a config file (config.ini of train: 8 KB) */

/**
 * Read an INI file into `obj` (fields not in the file keep their values).
 * The file must be a regular file (or a symlink to one) of at most
 * CFG_FILE_MAX bytes holding UTF-8 text without NUL or control bytes other
 * than tab, CR and LF (file_read.h); it is read whole before parsing, so a
 * FIFO or a device (/dev/zero) is refused at once instead of blocking or
 * being read without end. Unknown sections or keys, duplicate keys, syntax
 * errors and bad values are errors; the first one is reported and nothing
 * after it is applied:
 *   "cannot read config FILE: No such file or directory"
 *   "cannot read config FILE: not a regular file (a character device)"
 *   "FILE: 1073741824 bytes, over the 1 MiB limit of a config file"
 *   "FILE:3: a NUL byte at column 5 (a config file is UTF-8 text)"
 *   "FILE:LINE: unknown key section.key"
 *   "FILE:LINE: [section] key = VALUE: must be > 0"
 *   "FILE:LINE: syntax error (expected [section] or key = value)"
 * Lines are limited to inih's buffer (about 200 characters), except comment
 * lines (";" or "#" first), which may be longer (the doc comments of
 * cfg_write_ini are).
 * @return 0 or -1.
 */
int cfg_load_file(const cfg_key *tab, void *obj, const char *path, char *err, size_t errlen);

/**
 * Which keys of `tab` the INI file `path` sets: seen[i] = 1 for tab[i], else 0
 * (seen holds one byte per row of tab). The file is read as cfg_load_file
 * reads it (the same reader: comment lines, ';' first, of any length; the
 * same errors except bad values, which are not parsed), so that it finds
 * exactly the keys cfg_load_file applied. @return 0, or -1 with err.
 */
int cfg_file_keys(const cfg_key *tab, const char *path, unsigned char *seen, char *err, size_t errlen);

/**
 * Format the value of `k` in `obj` as written to INI files (numbers in the
 * shortest form that reads back bit-identical; xbar_key_format). Truncates to buflen.
 */
void cfg_format_value(const cfg_key *k, const void *obj, char *buf, size_t buflen);

/**
 * Write every key of `tab` as INI, grouped by section in table order, each
 * preceded by a "; doc (rule)" comment line. Loading the output with
 * cfg_load_file() reproduces `obj` exactly: cfg_set_value() accepts only
 * values that can be written so (strings without leading or trailing blanks,
 * without a ';' first or after a blank, which inih reads as a comment; each line
 * "key = value" within the line limit of cfg_load_file()).
 * @return 0, or -1 if a write failed.
 */
int cfg_write_ini(const cfg_key *tab, const void *obj, FILE *f);

/**
 * Whether the configuration `obj` reads key `k`: 1, or 0 with the reason in
 * why (at most n bytes, e.g. "not used by the soft_bounds model").
 */
typedef int cfg_used_fn(const cfg_key *k, const void *obj, char *why, size_t n);

/**
 * cfg_write_ini, but a key for which used() returns 0 is written as comment
 * lines, after its doc comment:
 *   ; [not used by the soft_bounds model: giving it is refused]
 *   ; tau = 1
 * cfg_load_file skips them, so the key keeps the value it had before (its
 * default) when the file is loaded; removing the "; " of the second line gives the key again. Commands
 * that refuse keys their configuration does not use (hw_keys.h) write their
 * resolved config.ini so, and it re-runs as it is. used NULL: cfg_write_ini.
 * @return 0, or -1 if a write failed.
 */
int cfg_write_ini_if(const cfg_key *tab, const void *obj, FILE *f, cfg_used_fn *used);

/** Usage text: one line "  section.key = value   doc (rule)" per key. */
void cfg_print_help(const cfg_key *tab, const void *obj, FILE *f);

/** The same as man(7) list entries (the manual page, `xbar help --man`): tag
 *  "section.key = value", body "doc (rule)"; an empty value shows as "". */
void cfg_print_roff(const cfg_key *tab, const void *obj, FILE *f);

/** Human-readable rule of `k`, e.g. "> 0", "in [0, 1]", "one of: a, b" ("" if none; xbar_key_rule). */
void cfg_describe_rule(const cfg_key *k, char *buf, size_t buflen);

#endif
