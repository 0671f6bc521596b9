/* optim_table.c - the optimizer table, generated from XBAR_OPTIMIZERS
 * (include/xbar.h): the ops records in enum order, the kind names, and the
 * [optimizer] config keys of every optimizer. Nothing here names an
 * optimizer: adding one is a line in XBAR_OPTIMIZERS and its file. */
#include <pthread.h>
#include <stddef.h>
#include <string.h>

#include "optim_ops.h"

#define XBAR_OPT_ENTRY_(E, name) &xbar_opt_##name##_ops,
const xbar_opt_ops *const xbar_opt_table[XBAR_OPT_COUNT_] = {XBAR_OPTIMIZERS(XBAR_OPT_ENTRY_)};
#undef XBAR_OPT_ENTRY_

#define XBAR_OPT_NAME_(E, name) #name,
static const char *const kind_names[XBAR_OPT_COUNT_ + 1] = {XBAR_OPTIMIZERS(XBAR_OPT_NAME_) NULL};
#undef XBAR_OPT_NAME_

const char *const *xbar_opt_kind_names(void) { return kind_names; }

const char *xbar_opt_kind_name(xbar_opt_kind k) { return (unsigned)k < XBAR_OPT_COUNT_ ? kind_names[k] : "?"; }

int xbar_opt_kind_from_name(const char *name) { return xbar_name_index(kind_names, XBAR_OPT_COUNT_, name); }

const char *xbar_opt_kind_summary(xbar_opt_kind k)
{
    return (unsigned)k < XBAR_OPT_COUNT_ ? xbar_opt_table[k]->summary : NULL;
}

/* ---- keys ---------------------------------------------------------------------- */

#define MAX_KEYS 64 /* rows of xbar_opt_keys(), "kind" and the end row included */

static xbar_key all_keys[MAX_KEYS] = {
    {"optimizer", "kind", XBAR_KEY_ENUM, offsetof(xbar_opt_params, kind), .choices = kind_names,
     .doc = "how the weights are stored and learned (the optimizers are listed at the end of --help)"}};
static pthread_once_t keys_once = PTHREAD_ONCE_INIT;

static const xbar_key *find(const xbar_key *tab, const char *key)
{
    for (; tab && tab->section; tab++)
        if (!strcmp(tab->key, key)) return tab;
    return NULL;
}

/* "kind", then each optimizer's rows in table order, a key shared by two optimizers once. */
static void build_keys(void)
{
    size_t n = 1;
    for (int k = 0; k < XBAR_OPT_COUNT_; k++)
        for (const xbar_key *r = xbar_opt_table[k]->keys; r && r->section; r++)
            if (!find(all_keys, r->key) && n + 1 < MAX_KEYS) all_keys[n++] = *r;
}

const xbar_key *xbar_opt_keys(void)
{
    pthread_once(&keys_once, build_keys);
    return all_keys;
}

int xbar_opt_uses_key(xbar_opt_kind k, const char *key)
{
    if ((unsigned)k >= XBAR_OPT_COUNT_ || !key) return 0;
    return !strcmp(key, "kind") || find(xbar_opt_table[k]->keys, key) != NULL;
}

size_t xbar_opt_tiles(const xbar_opt_params *o)
{
    XBAR_NONNULL_OR(0, o);
    if ((unsigned)o->kind >= XBAR_OPT_COUNT_) {
        xbar_fail(XBAR_EINVAL, "%s: optimizer.kind = %d: unknown", __func__, (int)o->kind);
        return 0;
    }
    const xbar_opt_ops *op = xbar_opt_table[o->kind];
    return op->tiles_of ? op->tiles_of(o) : (size_t)op->tiles;
}
