/*
 * hw_keys.h - the command's key tables built from the library's rows (xbar.h,
 * "Key/value configuration"), shared by every command that builds tiles
 * (`lsq`, `train`), and the checks of explicitly given device keys.
 *
 * A command fills its table once, its own rows first, then the library's
 * tables at the byte offsets of the structs in its config:
 *   static hw_table t;
 *   hw_keys_own(&t, my_rows);                           // {"train", "epochs", ...}, CFG_END
 *   hw_keys_add(&t, xbar_device_keys(), 0, HW_ALL, "device", offsetof(my_cfg, device));
 *   hw_keys_add(&t, xbar_update_keys(), 0, HW_ALL, "update", offsetof(my_cfg, update));
 *   hw_keys_add(&t, xbar_io_keys(), 0, HW_ALL, "forward", offsetof(my_cfg, forward));
 *   return t.k;
 * Units: weights and bounds in weight units; dw_min in weight units per pulse;
 * IO inputs / outputs in the units of x and W x.
 *
 * Device keys and models. Each device model reads only some [device] keys
 * (xbar_device_uses_key); a key given explicitly (--config, --set, an lsq
 * preset on its own) that the chosen model does not read is refused, naming
 * what the model uses instead (hw_device_unused), and dw_min must be below
 * the model's range (hw_device_check). Commands call them before computing
 * anything.
 */
#ifndef XBAR_CLI_HW_KEYS_H
#define XBAR_CLI_HW_KEYS_H

#include <stddef.h>

#include "cfg.h"
#include "xbar.h"

#define HW_MAX_KEYS 256 /* most rows of a key table (train, lsq) */
#define HW_ALL ((size_t)-1) /* hw_keys_add: every row */

/** A key table under construction: rows k[0..n), then the CFG_END row. */
typedef struct {
    cfg_key k[HW_MAX_KEYS + 1];
    size_t n;
} hw_table;

/** Append the rows of `rows` (a CFG_END-terminated table) to t as they are. */
void hw_keys_own(hw_table *t, const cfg_key *rows);

/**
 * Append rows [first, first + count) of the library table `rows` (count
 * HW_ALL: up to its end) to t, in section `section`, their offsets shifted
 * by `base` (the byte offset of the struct in the command's config). In
 * section "transfer" (Tiki-Taka's transfer_update) a doc's "of the weight
 * updates" reads "when writing C". More than HW_MAX_KEYS rows abort (a
 * program error).
 */
void hw_keys_add(hw_table *t, const xbar_key *rows, size_t first, size_t count, const char *section, size_t base);

/* ---- explicitly given keys, and the device keys each model reads ---------- */

/** Which rows of a key table were given explicitly: set[i] for tab[i]. */
typedef struct {
    unsigned char set[HW_MAX_KEYS];
} hw_key_marks;

/**
 * Mark the keys of tab given explicitly: those in the INI file `config` (NULL:
 * none; call it after cfg_load_file accepted the file) and in the --set
 * assignments sets[0..nsets) ("section.key=value"; unknown keys are skipped,
 * cfg_set refused them before). Every key the file sets counts, whatever the
 * file: xbar's own DIR/config.ini lists the keys its model does not use as
 * comments (cfg_write_ini_if with hw_device_key_used), so it passes as it is.
 * @return 0, or -1 with err ("cannot read config FILE: ...", a table of more
 * than HW_MAX_KEYS rows).
 */
int hw_keys_mark(const cfg_key *tab, hw_key_marks *m, const char *config, const char *const *sets, int nsets,
                 char *err, size_t n);

/** Mark the key of one "section.key=value" assignment (or a plain "section.key"). */
void hw_keys_mark_one(const cfg_key *tab, hw_key_marks *m, const char *assignment);

/**
 * The cfg_used_fn test of one row under device model `model`: 1 if k is not
 * in [device] or the model reads it, else 0 with why = "not used by the
 * soft_bounds model" (the rows hw_device_unused refuses when given).
 */
int hw_device_key_used(const cfg_key *k, xbar_device_model model, char *why, size_t n);

/**
 * Refuse a [device] key marked in m that the device's model does not read;
 * the device is the xbar_device_params at byte offset `dev` of obj. @return 0,
 * or -1 with err, e.g. "device.tau = 0.5: the soft_bounds model does not use
 * tau (only ald, pow_zs and exp_zs use it); its range is set by
 * device.w_max / device.w_min".
 */
int hw_device_unused(const cfg_key *tab, const void *obj, size_t dev, const hw_key_marks *m, char *err, size_t n);
/** hw_device_key_used and hw_device_unused for the device keys of another section (e.g.
 *  "slow_device": the slow tile's own device); the messages name that section. */
int hw_device_key_used_in(const cfg_key *k, const char *section, xbar_device_model model, char *why, size_t n);
int hw_device_unused_in(const cfg_key *tab, const void *obj, size_t dev, const char *section, const hw_key_marks *m,
                        char *err, size_t n);

/**
 * The [slow_device] section (the slow tile's own device, xbar_opt_params.slow_device) at byte
 * offset `dev` of obj, used only when `own` (optimizer.slow_device_own). hw_slow_device_given
 * refuses a marked slow_device key while !own ("slow_device.dw_min = 0.1: optimizer.slow_device_own
 * is false, so the slow tile C uses [device] (...)") and one its model does not read;
 * hw_slow_device_key_used is the cfg_used_fn test of its rows (1 for rows of other sections).
 */
int hw_slow_device_given(const cfg_key *tab, const void *obj, size_t dev, int own, const hw_key_marks *m, char *err,
                         size_t n);
int hw_slow_device_key_used(const cfg_key *k, int own, xbar_device_model model, char *why, size_t n);

/** The "does not use" message of hw_device_unused for key = value under model d->model:
 *  "device.KEY = VALUE: the MODEL model does not use KEY " and xbar_device_key_unused. */
void hw_device_unused_msg(const xbar_device_params *d, const char *key, const char *value, char *err, size_t n);

/**
 * xbar_device_check, after refusing one pulse as large as the model's range:
 * dw_min must be < w_max - w_min, and < tau for ald / pow_zs / exp_zs (the
 * distance from the symmetric point to either bound; weights lie in
 * [sym_point - tau, sym_point + tau]). @return 0, or -1 with err, e.g.
 * "device.dw_min = 5: must be < 1.56, the range w_max - w_min of the
 * soft_bounds_ref model (device.w_min = -0.78, device.w_max = 0.78): one
 * pulse may not cross it".
 */
int hw_device_check(const xbar_device_params *d, char *err, size_t n);

#endif
