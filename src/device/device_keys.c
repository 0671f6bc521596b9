/* device_keys.c - the [device] key rows, assembled from the rows every model shares
 * and the ops records' own (xbar_device_keys), and which model reads which key
 * (xbar_device_uses_key, xbar_device_key_unused). */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "device_ops.h"

#define DV(f) offsetof(xbar_device_params, f)

/* Rows every model has, before the models' own rows. tau / sym_point, w_max / w_min and
 * mult_noise are read by some models only (see uses() below); the rest by all. */
static const xbar_key head[] = {
    {"device", "model", XBAR_KEY_ENUM, DV(model), .doc = "device model (listed at the end of --help; keys it ignores are refused)"},
    {"device", "tau", XBAR_KEY_FLOAT, DV(tau), .flags = XBAR_KEY_POS,
     .doc = "ald / pow_zs / exp_zs only: asymmetry tau, weights in [sym_point - tau, sym_point + tau] (weight units)"},
    {"device", "sym_point", XBAR_KEY_FLOAT, DV(sym_point),
     .doc = "ald / pow_zs / exp_zs only: symmetric point (weight units)"},
    {"device", "dw_min", XBAR_KEY_FLOAT, DV(dw_min), .flags = XBAR_KEY_POS,
     .doc = "response granularity dw_min (weight units per pulse); below the model's range: w_max - w_min, "
            "ald / pow_zs / exp_zs: tau"},
    {"device", "w_max", XBAR_KEY_FLOAT, DV(w_max), .doc = "upper bound (all but ald / pow_zs / exp_zs, weight units)"},
    {"device", "w_min", XBAR_KEY_FLOAT, DV(w_min), .doc = "lower bound (all but ald / pow_zs / exp_zs, weight units)"},
    {"device", "up_down", XBAR_KEY_FLOAT, DV(up_down), .doc = "systematic up/down step asymmetry"},
    {"device", "dw_min_dtod", XBAR_KEY_FLOAT, DV(dw_min_dtod), .flags = XBAR_KEY_NONNEG,
     .doc = "device-to-device step spread (relative)"},
    {"device", "up_down_dtod", XBAR_KEY_FLOAT, DV(up_down_dtod), .flags = XBAR_KEY_NONNEG,
     .doc = "device-to-device asymmetry spread"},
    {"device", "w_max_dtod", XBAR_KEY_FLOAT, DV(w_max_dtod), .flags = XBAR_KEY_NONNEG,
     .doc = "device-to-device upper-bound spread"},
    {"device", "w_min_dtod", XBAR_KEY_FLOAT, DV(w_min_dtod), .flags = XBAR_KEY_NONNEG,
     .doc = "device-to-device lower-bound spread"},
    {"device", "dw_min_std", XBAR_KEY_FLOAT, DV(dw_min_std), .flags = XBAR_KEY_NONNEG,
     .doc = "cycle-to-cycle step noise (relative std)"},
    {"device", "mult_noise", XBAR_KEY_BOOL, DV(mult_noise),
     .doc = "c2c noise multiplicative (1) or additive (0); not constant_step / pow_step / exp_step / piecewise_step "
            "(always multiplicative)"},
};
#define NHEAD (sizeof head / sizeof head[0])
/* Rows every model could have, added since the models' own rows: they follow those (the
 * order of xbar_device_keys' list). ref_std: the models with a reference offset (ref_sign). */
static const xbar_key tail[] = {
    {"device", "ref_std", XBAR_KEY_FLOAT, DV(ref_std), .flags = XBAR_KEY_NONNEG,
     .doc = "soft_bounds_ref / ald only: device-to-device std of the reference offset (weight units): device i "
            "has reference reference_mean + ref_std*xi_i (soft_bounds_ref, aihwkit reference_std), symmetric point "
            "sym_point + ref_std*xi_i (ald)"},
};
#define NTAIL (sizeof tail / sizeof tail[0])
static const xbar_key seed_row = {"device", "construction_seed", XBAR_KEY_U64, DV(construction_seed),
                                  .doc = "seed of device-to-device draws"};

/* The models' rows that came before construction_seed when the models had no table of
 * their own: they keep that order (the rows of `xbar train --help`). Frozen: the rows of
 * a new model follow construction_seed, in model order. */
static const char *const first_rows[] = {"gamma_up",    "gamma_down", "pow_gamma",
                                         "pow_up_down", "gamma_res",  "reference_mean"};
#define NFIRST (sizeof first_rows / sizeof first_rows[0])

#define MAX_ROWS 96
static xbar_key rows[MAX_ROWS + 1];
static atomic_int rows_state; /* 0 not built, 1 being built, 2 built */

/* The model row named key, the first in model order, or NULL. */
static const xbar_key *model_row(const char *key)
{
    for (int m = 0; m < XBAR_DEV_COUNT_; m++)
        for (const xbar_key *const *k = xbar_device_table[m]->keys; k && *k; k++)
            if (!strcmp((*k)->key, key)) return *k;
    return NULL;
}

static int have(size_t n, const char *key)
{
    for (size_t j = 0; j < n; j++)
        if (!strcmp(rows[j].key, key)) return 1;
    return 0;
}

static void build(void)
{
    size_t n = 0;
    for (size_t j = 0; j < NHEAD; j++) rows[n++] = head[j];
    rows[0].choices = xbar_device_model_names();
    for (size_t j = 0; j < NFIRST; j++) {
        const xbar_key *k = model_row(first_rows[j]);
        if (k && !have(n, k->key)) rows[n++] = *k;
    }
    rows[n++] = seed_row;
    for (int m = 0; m < XBAR_DEV_COUNT_; m++)
        for (const xbar_key *const *k = xbar_device_table[m]->keys; k && *k; k++)
            if (!have(n, (*k)->key) && n < MAX_ROWS) rows[n++] = **k;
    for (size_t j = 0; j < NTAIL && n < MAX_ROWS; j++) rows[n++] = tail[j];
    memset(&rows[n], 0, sizeof rows[n]); /* the end row */
}

const xbar_key *xbar_device_keys(void)
{
    int s = atomic_load_explicit(&rows_state, memory_order_acquire);
    if (s == 2) return rows;
    int expect = 0;
    if (atomic_compare_exchange_strong(&rows_state, &expect, 1)) {
        build();
        atomic_store_explicit(&rows_state, 2, memory_order_release);
    } else {
        while (atomic_load_explicit(&rows_state, memory_order_acquire) != 2) {
        } /* another thread builds the rows: a few microseconds, once */
    }
    return rows;
}

/* ---- which model reads which key ----------------------------------------------- */

static int listed(const xbar_device_ops *o, const char *key)
{
    for (const xbar_key *const *k = o->keys; k && *k; k++)
        if (!strcmp((*k)->key, key)) return 1;
    return 0;
}

static int is_range_key(const char *key)
{
    return !strcmp(key, "tau") || !strcmp(key, "sym_point") || !strcmp(key, "w_max") || !strcmp(key, "w_min");
}

/* 1 / 0 for valid m and a [device] key; -1 for a key that no row has. */
static int uses(xbar_device_model m, const char *key)
{
    const xbar_device_ops *o = xbar_device_ops_of(m);
    const int tau = (o->flags & XBAR_DEVF_TAU) != 0;
    if (!strcmp(key, "tau") || !strcmp(key, "sym_point")) return tau;
    if (!strcmp(key, "w_max") || !strcmp(key, "w_min")) return !tau;
    if (!strcmp(key, "mult_noise")) return !(o->flags & XBAR_DEVF_MULT_ONLY);
    if (!strcmp(key, "ref_std")) return o->ref_sign != 0;
    for (size_t j = 0; j < NHEAD; j++)
        if (!strcmp(head[j].key, key)) return 1;
    if (!strcmp(seed_row.key, key)) return 1;
    if (model_row(key)) return listed(o, key);
    return -1;
}

int xbar_device_uses_key(xbar_device_model m, const char *key)
{
    if ((unsigned)m >= XBAR_DEV_COUNT_) return 0;
    return key ? uses(m, key) != 0 : 1;
}

/* Append s to buf[0..cap) at *len. */
static void put(char *buf, size_t cap, size_t *len, const char *s)
{
    const int k = snprintf(buf + *len, cap - *len, "%s", s);
    if (k > 0) *len = *len + (size_t)k < cap ? *len + (size_t)k : cap - 1;
}

const char *xbar_device_key_unused(xbar_device_model m, const char *key)
{
    if (!key) return NULL;
    if ((unsigned)m >= XBAR_DEV_COUNT_) return xbar_msg("(%d is not a device model); see device.model", (int)m);
    if (uses(m, key)) return NULL;
    const xbar_device_ops *o = xbar_device_ops_of(m);
    /* who reads it: "only a, b and c use it" or "every model but a, b and c uses it" */
    char who[512];
    size_t len = 0;
    if (!strcmp(key, "mult_noise")) {
        put(who, sizeof who, &len, "it has no additive noise form");
    } else {
        int nuse = 0;
        for (int j = 0; j < XBAR_DEV_COUNT_; j++) nuse += uses((xbar_device_model)j, key) == 1;
        const int list_users = nuse <= XBAR_DEV_COUNT_ - nuse, nlist = list_users ? nuse : XBAR_DEV_COUNT_ - nuse;
        put(who, sizeof who, &len, list_users ? "only " : "every model but ");
        for (int j = 0, k = 0; j < XBAR_DEV_COUNT_; j++) {
            if ((uses((xbar_device_model)j, key) == 1) != list_users) continue;
            if (k) put(who, sizeof who, &len, k == nlist - 1 ? " and " : ", ");
            put(who, sizeof who, &len, xbar_device_table[j]->name);
            k++;
        }
        put(who, sizeof who, &len, !list_users || nlist == 1 ? " uses it" : " use it");
    }
    /* what m reads instead */
    const char *instead = o->shape;
    if (is_range_key(key))
        instead = (o->flags & XBAR_DEVF_TAU)
                      ? "its range is set by device.tau and device.sym_point: [sym_point - tau, sym_point + tau]"
                      : "its range is set by device.w_max / device.w_min";
    else if (!strcmp(key, "mult_noise"))
        instead = "its cycle-to-cycle noise is always multiplicative, step*(1 + dw_min_std*xi): set its size with "
                  "device.dw_min_std";
    else if (!strcmp(key, "ref_std"))
        instead = "its response has no reference offset to spread";
    else
        for (const char *const *p = o->instead; p && p[0]; p += 2)
            if (!strcmp(p[0], key)) instead = p[1];
    return xbar_msg("(%s); %s", who, instead);
}
