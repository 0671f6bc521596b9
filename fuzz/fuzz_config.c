/*
 * fuzz_config.c - fuzz target: the configuration of `xbar train` and `xbar lsq` as
 * the program reads it (src/cli/common/cfg.c, args_apply_config, the key tables of
 * train_cfg.c / lsq_cfg.c / hw_keys.h, the layer list parser and the lsq curve
 * expansion).
 *
 * Input: byte 0 picks the command (bit 0: 0 train, 1 lsq) and, for lsq, a preset
 * applied first (bits 1-3: 0 none, k = the k-th of lsq_preset_names); the bytes up
 * to the first NUL are the INI file given to --config; the bytes after it are --set
 * assignments, one per line.
 * Properties checked beyond memory safety: a configuration that loads is written
 * by cfg_write_ini (config.ini) and loads back to the same value of every key
 * (the promise of cfg.h that --resume and `--config OUT/config.ini` rely on); when
 * the keys given pass the model check, the same holds for the live lines of the
 * config.ini xbar really writes (unused device keys as comments, cfg_write_ini_if).
 * Run: scripts/fuzz.sh, or ./build-fuzz/fuzz/fuzz_config fuzz/corpus/fuzz_config
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "harness.h"
#include "lsq_cfg.h"
#include "lsq_exec.h"
#include "train_cfg.h"

typedef union {
    train_cfg train;
    lsq_cfg lsq;
} any_cfg;

static void defaults(int lsq, any_cfg *c)
{
    if (lsq) c->lsq = lsq_cfg_defaults();
    else c->train = train_cfg_defaults();
}

/* config.ini text of c (malloc'ed), keys `used` rejects as comments (used NULL: every key live). */
static char *ini_text(const cfg_key *tab, const any_cfg *c, cfg_used_fn *used, size_t *len)
{
    char *text = NULL;
    FILE *m = open_memstream(&text, len);
    if (!m || cfg_write_ini_if(tab, c, m, used) | fclose(m)) fuzz_fail("cfg_write_ini failed");
    return text;
}

/* text without its comment lines, in place; *len updated. */
static void drop_comments(char *text, size_t *len)
{
    size_t o = 0;
    for (size_t i = 0; i < *len;) {
        size_t e = i;
        while (e < *len && text[e] != '\n') e++;
        if (text[i] != ';') {
            memmove(text + o, text + i, e - i + (e < *len));
            o += e - i + (e < *len);
        }
        i = e + 1;
    }
    *len = o;
}

/* Write c as config.ini, load it onto the defaults and write that again: the same text (with used:
 * the same live lines; a commented key is one the run does not read, so its value may differ). */
static void check_round_trip(const cfg_key *tab, int lsq, const any_cfg *c, cfg_used_fn *used)
{
    char err[1024];
    size_t len, len2;
    char *text = ini_text(tab, c, used, &len);
    any_cfg *back = malloc(sizeof *back);
    if (!back) fuzz_fail("out of memory");
    defaults(lsq, back);
    if (cfg_load_file(tab, back, fuzz_file(1, text, len), err, sizeof err))
        fuzz_fail("config.ini written by cfg_write_ini does not load: %s\n%s", err, text);
    char *text2 = ini_text(tab, back, used, &len2);
    if (used) drop_comments(text, &len), drop_comments(text2, &len2);
    if (len != len2 || memcmp(text, text2, len)) fuzz_fail("config.ini reads back as another config:\n%s\n----\n%s", text, text2);
    free(text2);
    free(back);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    int lsq = data[0] & 1, preset = (data[0] >> 1) & 7;
    const uint8_t *ini = data + 1, *nul = memchr(ini, 0, size - 1);
    size_t ini_len = nul ? (size_t)(nul - ini) : size - 1;
    /* the --set lines, NUL-terminated in one copy */
    size_t sets_len = nul ? size - 1 - ini_len - 1 : 0;
    char *sets = malloc(sets_len + 1);
    if (!sets) return 0;
    if (sets_len) memcpy(sets, nul + 1, sets_len);
    sets[sets_len] = 0;
    cli_args a;
    memset(&a, 0, sizeof a);
    a.config = fuzz_file(0, ini, ini_len);
    for (char *line = sets_len ? sets : NULL; line && a.nsets < ARGS_SET_MAX;) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = 0;
        a.sets[a.nsets++] = line;
        line = nl ? nl + 1 : NULL;
    }

    const cfg_key *tab = lsq ? lsq_keys() : train_keys();
    any_cfg *c = malloc(sizeof *c);
    char err[1024];
    if (!c) return free(sets), 0;
    defaults(lsq, c);
    int ok = 1;
    if (lsq && preset) {
        int np = 0;
        while (lsq_preset_names[np]) np++;
        ok = !lsq_cfg_preset(&c->lsq, lsq_preset_names[(preset - 1) % np], err, sizeof err);
    }
    if (ok && !args_apply_config(&a, tab, c, err, sizeof err)) {
        check_round_trip(tab, lsq, c, NULL);
        /* what xbar writes as config.ini (unused device keys as comments) re-runs, when the given keys pass */
        if (lsq ? !lsq_cfg_check_given(&c->lsq, a.config, a.sets, a.nsets, err, sizeof err)
                : !train_cfg_check_given(&c->train, a.config, a.sets, a.nsets, err, sizeof err))
            check_round_trip(tab, lsq, c, lsq ? lsq_cfg_uses : train_cfg_uses);
        if (lsq) {
            lsq_curve *cv = malloc(LSQ_MAX_CURVES * sizeof *cv);
            if (cv) lsq_cfg_curves(&c->lsq, cv, LSQ_MAX_CURVES, err, sizeof err);
            free(cv);
        } else {
            xbar_layer_spec specs[TRAIN_MAX_LAYERS];
            train_cfg_layers(&c->train, specs, TRAIN_MAX_LAYERS, err, sizeof err);
        }
    }
    free(c);
    free(sets);
    return 0;
}
