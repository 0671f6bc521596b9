/* hw_keys.c - the command's key tables from the library's rows, and the checks of
 * explicitly given device keys (which model reads which key: the library's device table). */
#include "hw_keys.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

/* ---- tables ----------------------------------------------------------------------- */

static void put(hw_table *t, const cfg_key *k)
{
    if (t->n >= HW_MAX_KEYS) {
        fprintf(stderr, "xbar: key table of more than %d rows\n", HW_MAX_KEYS);
        abort();
    }
    t->k[t->n++] = *k;
    t->k[t->n] = (cfg_key)CFG_END;
}

void hw_keys_own(hw_table *t, const cfg_key *rows)
{
    for (; rows->section; rows++) put(t, rows);
}

/* The doc of a "transfer" row: "of the weight updates" reads "when writing C" (kept once
 * per doc text for the life of the program: the tables are built once). */
static const char *transfer_doc(const char *doc)
{
    static const char from[] = "of the weight updates", to[] = "when writing C";
    static struct {
        const char *doc;
        char text[256];
    } memo[16];
    const char *at = doc ? strstr(doc, from) : NULL;
    if (!at) return doc;
    for (size_t i = 0; i < sizeof memo / sizeof memo[0]; i++) {
        if (memo[i].doc == doc) return memo[i].text;
        if (memo[i].doc) continue;
        snprintf(memo[i].text, sizeof memo[i].text, "%.*s%s%s", (int)(at - doc), doc, to, at + strlen(from));
        memo[i].doc = doc;
        return memo[i].text;
    }
    return doc;
}

void hw_keys_add(hw_table *t, const xbar_key *rows, size_t first, size_t count, const char *section, size_t base)
{
    for (size_t i = first; rows[i].section && (count == HW_ALL || i < first + count); i++) {
        cfg_key k = rows[i];
        k.section = section;
        k.offset += base;
        if (!strcmp(section, "transfer")) k.doc = transfer_doc(k.doc);
        put(t, &k);
    }
}

static const char *model_name(xbar_device_model m) { return xbar_device_model_name(m); }

static int is_tau_model(xbar_device_model m)
{
    return (unsigned)m < XBAR_DEV_COUNT_ && xbar_device_uses_key(m, "tau");
}

static void unused_msg_in(const char *section, const xbar_device_params *d, const char *key, const char *value,
                          char *err, size_t n)
{
    const char *tail = xbar_device_key_unused(d->model, key);
    snprintf(err, n, "%s.%s = %s: the %s model does not use %s %s", section, key, value, model_name(d->model), key,
             tail ? tail : "");
}

void hw_device_unused_msg(const xbar_device_params *d, const char *key, const char *value, char *err, size_t n)
{
    unused_msg_in("device", d, key, value, err, n);
}

/* ---- explicitly given keys ------------------------------------------------------ */

static size_t count_keys(const cfg_key *tab)
{
    size_t k = 0;
    while (tab[k].section) k++;
    return k;
}


void hw_keys_mark_one(const cfg_key *tab, hw_key_marks *m, const char *as)
{
    const char *eq = strchr(as, '='), *end = eq ? eq : as + strlen(as);
    const char *dot = memchr(as, '.', (size_t)(end - as));
    if (!dot) return;
    char sec[128], key[128];
    xbar_text_trim(sec, sizeof sec, as, (size_t)(dot - as));
    xbar_text_trim(key, sizeof key, dot + 1, (size_t)(end - dot - 1));
    const cfg_key *k = cfg_get_key(tab, sec, key);
    if (k && (size_t)(k - tab) < HW_MAX_KEYS) m->set[k - tab] = 1;
}

int hw_keys_mark(const cfg_key *tab, hw_key_marks *m, const char *config, const char *const *sets, int nsets,
                 char *err, size_t n)
{
    memset(m, 0, sizeof *m);
    const size_t nk = count_keys(tab);
    if (nk > HW_MAX_KEYS) return snprintf(err, n, "key table of %zu rows: more than %d", nk, HW_MAX_KEYS), -1;
    /* the reader of cfg_load_file, which accepted the file: the same keys */
    if (config && cfg_file_keys(tab, config, m->set, err, n)) return -1;
    for (int i = 0; i < nsets; i++) hw_keys_mark_one(tab, m, sets[i]);
    return 0;
}

int hw_device_key_used_in(const cfg_key *k, const char *section, xbar_device_model model, char *why, size_t n)
{
    if (strcmp(k->section, section) || xbar_device_uses_key(model, k->key)) return 1;
    snprintf(why, n, "not used by the %s model", model_name(model));
    return 0;
}

int hw_device_key_used(const cfg_key *k, xbar_device_model model, char *why, size_t n)
{
    return hw_device_key_used_in(k, "device", model, why, n);
}

int hw_device_unused_in(const cfg_key *tab, const void *obj, size_t dev, const char *section, const hw_key_marks *m,
                        char *err, size_t n)
{
    const xbar_device_params *d = (const xbar_device_params *)((const char *)obj + dev);
    for (size_t i = 0; tab[i].section && i < HW_MAX_KEYS; i++) {
        if (!m->set[i] || strcmp(tab[i].section, section) || xbar_device_uses_key(d->model, tab[i].key)) continue;
        char val[256];
        cfg_format_value(&tab[i], obj, val, sizeof val);
        unused_msg_in(section, d, tab[i].key, val, err, n);
        return -1;
    }
    return 0;
}

int hw_device_unused(const cfg_key *tab, const void *obj, size_t dev, const hw_key_marks *m, char *err, size_t n)
{
    return hw_device_unused_in(tab, obj, dev, "device", m, err, n);
}

int hw_slow_device_given(const cfg_key *tab, const void *obj, size_t dev, int own, const hw_key_marks *m, char *err,
                         size_t n)
{
    for (size_t i = 0; !own && tab[i].section && i < HW_MAX_KEYS; i++) {
        if (!m->set[i] || strcmp(tab[i].section, "slow_device")) continue;
        char val[256];
        cfg_format_value(&tab[i], obj, val, sizeof val);
        snprintf(err, n, "slow_device.%s = %s: optimizer.slow_device_own is false, so the slow tile C uses [device] "
                 "(set optimizer.slow_device_own = true to give C this device)", tab[i].key, val);
        return -1;
    }
    return hw_device_unused_in(tab, obj, dev, "slow_device", m, err, n);
}

int hw_slow_device_key_used(const cfg_key *k, int own, xbar_device_model model, char *why, size_t n)
{
    if (strcmp(k->section, "slow_device")) return 1;
    if (!own) return snprintf(why, n, "optimizer.slow_device_own is false"), 0;
    return hw_device_key_used_in(k, "slow_device", model, why, n);
}

/* ---- one pulse against the range -------------------------------------------------- */

int hw_device_check(const xbar_device_params *d, char *err, size_t n)
{
    const float dw = d->dw_min;
    if ((unsigned)d->model < XBAR_DEV_COUNT_ && isfinite(dw) && dw > 0) {
        if (is_tau_model(d->model)) {
            if (isfinite(d->tau) && d->tau > 0 && dw >= d->tau) {
                snprintf(err, n, "device.dw_min = %g: must be < device.tau = %g, the distance from the %s model's "
                         "symmetric point to either bound (weights in [sym_point - tau, sym_point + tau]): one pulse "
                         "may not cross it", (double)dw, (double)d->tau, model_name(d->model));
                return -1;
            }
        } else if (isfinite(d->w_max) && isfinite(d->w_min) && d->w_max > d->w_min) {
            const double range = (double)d->w_max - (double)d->w_min;
            if ((double)dw >= range) {
                snprintf(err, n, "device.dw_min = %g: must be < %g, the range w_max - w_min of the %s model "
                         "(device.w_min = %g, device.w_max = %g): one pulse may not cross it", (double)dw, range,
                         model_name(d->model), (double)d->w_min, (double)d->w_max);
                return -1;
            }
        }
    }
    const char *why = xbar_device_check(d);
    if (why) return snprintf(err, n, "%s", why), -1;
    return 0;
}
