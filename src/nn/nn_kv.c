/* nn_kv.c - the layer-list parser, network configurations by key, and the key/value
 * constructors of optimizers and networks (xbar.h, "Key/value constructors"). */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "keys_internal.h"

/* ---- layer lists -------------------------------------------------------------------- */

static const char fcn[] = "linear:256 sigmoid linear:128 sigmoid linear:10";
static const char cnn[] = "conv:16:5 tanh maxpool:2 conv:32:5 tanh maxpool:2 tanh linear:128 tanh linear:10";

const char *xbar_layers_preset(const char *name)
{
    if (name && !strcmp(name, "fcn")) return fcn;
    if (name && !strcmp(name, "cnn")) return cnn;
    return NULL;
}

/* Parse "name[:a[:b[:c[:d]]]]" into up to 4 integers in [0, 10^6]; returns the count or -1. */
static int parse_token(const char *tok, char *name, size_t nlen, long v[4])
{
    const char *colon = strchr(tok, ':');
    size_t len = colon ? (size_t)(colon - tok) : strlen(tok);
    if (len == 0 || len >= nlen) return -1;
    memcpy(name, tok, len);
    name[len] = 0;
    int k = 0;
    while (colon) {
        if (k == 4) return -1;
        char *end;
        long x = strtol(colon + 1, &end, 10);
        if (end == colon + 1 || (*end && *end != ':') || x < 0 || x > 1000000) return -1;
        v[k++] = x;
        colon = *end ? end : NULL;
    }
    return k;
}

static xbar_status layer_from_token(const char *tok, xbar_layer_spec *s)
{
    char name[32];
    long v[4] = {0, 0, 0, 0};
    int k = parse_token(tok, name, sizeof name, v);
    const char *want = NULL;
    int kind = k < 0 ? -1 : (!strcmp(name, "conv") ? XBAR_LAYER_CONV2D : xbar_layer_kind_from_name(name));
    switch (kind) {
    case XBAR_LAYER_LINEAR: if (k != 1 || v[0] < 1) want = "linear:OUT"; break;
    case XBAR_LAYER_CONV2D:
        if (k < 2 || v[0] < 1 || v[1] < 1 || (k > 2 && v[2] < 1)) want = "conv:OUT:K[:STRIDE[:PAD]]";
        break;
    case XBAR_LAYER_MAXPOOL: if (k != 1 || v[0] < 1) want = "maxpool:K"; break;
    case XBAR_LAYER_SIGMOID: case XBAR_LAYER_TANH: case XBAR_LAYER_RELU: if (k != 0) want = "no parameters"; break;
    default: want = "one of linear:OUT, conv:OUT:K[:STRIDE[:PAD]], maxpool:K, sigmoid, tanh, relu";
    }
    if (want) return xbar_fail(XBAR_EINVAL, "model.layers: '%s': expected %s", tok, want);
    *s = xbar_layer_defaults((xbar_layer_kind)kind);
    if (kind == XBAR_LAYER_LINEAR || kind == XBAR_LAYER_CONV2D) {
        s->out = (size_t)v[0];
        if (kind == XBAR_LAYER_CONV2D) {
            s->kernel = (size_t)v[1];
            if (k > 2) s->stride = (size_t)v[2];
            if (k > 3) s->padding = (size_t)v[3];
        }
    } else if (kind == XBAR_LAYER_MAXPOOL) {
        s->kernel = (size_t)v[0];
    }
    return XBAR_OK;
}

xbar_status xbar_layers_parse(xbar_layer_spec *out, size_t cap, size_t *n, const char *text)
{
    XBAR_NONNULL(out);
    XBAR_NONNULL(n);
    XBAR_NONNULL(text);
    const char *list = xbar_layers_preset(text);
    char buf[XBAR_KEY_STR_MAX];
    snprintf(buf, sizeof buf, "%s", list ? list : text);
    size_t count = 0;
    for (char *save = NULL, *tok = strtok_r(buf, " ,\t", &save); tok; tok = strtok_r(NULL, " ,\t", &save)) {
        if (count == cap) return xbar_fail(XBAR_EINVAL, "model.layers: more than %zu layers", cap);
        xbar_status st = layer_from_token(tok, &out[count]);
        if (st) return st;
        count++;
    }
    if (count == 0) return xbar_fail(XBAR_EINVAL, "model.layers = '%s': no layers", text);
    *n = count;
    return XBAR_OK;
}

/* ---- network configurations ------------------------------------------------------- */

#define NC(f) offsetof(xbar_net_config, f)
static const xbar_key net_keys[] = {
    {"model", "layers", XBAR_KEY_STRING, NC(layers), .flags = XBAR_KEY_NONEMPTY,
     .doc = "layers in order: linear:OUT conv:OUT:K[:STRIDE[:PAD]] maxpool:K sigmoid tanh relu, or fcn / cnn"},
    {"model", "digital_layers", XBAR_KEY_STRING, NC(digital_layers),
     .doc = "comma list of linear / conv layer indices (0-based, in model.layers) kept digital; the others use "
            "optimizer.kind"},
    {"model", "bias", XBAR_KEY_BOOL, NC(bias), .doc = "digital bias on linear and conv layers"},
    {"model", "out_scaling", XBAR_KEY_BOOL, NC(out_scaling), .doc = "analog layers: learnable digital output scale"},
    {NULL, NULL, XBAR_KEY_INT, 0, 0, 0, 0, NULL, 0, NULL}};

const xbar_key *xbar_net_keys(void) { return net_keys; }

xbar_net_config xbar_net_config_defaults(void)
{
    xbar_net_config c;
    memset(&c, 0, sizeof c);
    c.bias = c.out_scaling = 1;
    c.opt = xbar_opt_defaults(XBAR_OPT_ANALOG_SGD);
    c.tile = xbar_tile_config_defaults(1, 1);
    return c;
}

#define OPT_KEY_PARTS 3
/* optimizer, transfer (the first five update rows), transfer_io of an xbar_opt_params at base. */
static size_t opt_key_parts(xbar_key_part *out, size_t base)
{
    out[0] = (xbar_key_part){"optimizer", xbar_opt_keys(), 0, base};
    out[1] = (xbar_key_part){"transfer", xbar_update_keys(), 5, base + offsetof(xbar_opt_params, transfer_update)};
    out[2] = (xbar_key_part){"transfer_io", xbar_io_keys(), 0, base + offsetof(xbar_opt_params, transfer_io)};
    return OPT_KEY_PARTS;
}

xbar_status xbar_opt_params_set(xbar_opt_params *o, const char *assignment)
{
    XBAR_NONNULL(o);
    XBAR_NONNULL(assignment);
    xbar_key_part parts[OPT_KEY_PARTS];
    return xbar_key_assign(parts, opt_key_parts(parts, 0), o, assignment);
}

xbar_status xbar_net_config_set(xbar_net_config *c, const char *assignment)
{
    XBAR_NONNULL(c);
    XBAR_NONNULL(assignment);
    xbar_key_part parts[1 + XBAR_TILE_KEY_PARTS + OPT_KEY_PARTS] = {{"model", net_keys, 0, 0}};
    size_t np = 1 + xbar_tile_key_parts(parts + 1, NC(tile));
    np += opt_key_parts(parts + np, NC(opt));
    return xbar_key_assign(parts, np, c, assignment);
}

/* model.digital_layers: those weight layers get the digital optimizer. */
static xbar_status digital_mask(const xbar_net_config *c, xbar_layer_spec *L, size_t count)
{
    char buf[XBAR_KEY_STR_MAX];
    snprintf(buf, sizeof buf, "%s", c->digital_layers);
    for (char *save = NULL, *tok = strtok_r(buf, " ,\t", &save); tok; tok = strtok_r(NULL, " ,\t", &save)) {
        char *end;
        long i = strtol(tok, &end, 10);
        if (*end || i < 0 || (size_t)i >= count || (L[i].kind != XBAR_LAYER_LINEAR && L[i].kind != XBAR_LAYER_CONV2D))
            return xbar_fail(XBAR_EINVAL,
                             "model.digital_layers = '%s': '%s' is not the index of a linear or conv layer (0..%d)",
                             c->digital_layers, tok, (int)count - 1);
        L[i].opt.kind = XBAR_OPT_DIGITAL;
    }
    return XBAR_OK;
}

xbar_status xbar_net_config_layers(const xbar_net_config *c, xbar_layer_spec *out, size_t cap, size_t *n)
{
    XBAR_NONNULL(c);
    XBAR_NONNULL(out);
    XBAR_NONNULL(n);
    size_t count;
    xbar_status st = xbar_layers_parse(out, cap, &count, c->layers);
    if (st) return st;
    for (size_t i = 0; i < count; i++) {
        xbar_layer_spec *s = &out[i];
        if (s->kind != XBAR_LAYER_LINEAR && s->kind != XBAR_LAYER_CONV2D) continue;
        s->bias = c->bias;
        s->out_scaling = c->out_scaling;
        s->opt = c->opt;
        s->tile = c->tile;
    }
    if ((st = digital_mask(c, out, count))) return st;
    int analog = 0;
    for (size_t i = 0; i < count; i++)
        analog |= (out[i].kind == XBAR_LAYER_LINEAR || out[i].kind == XBAR_LAYER_CONV2D) &&
                  out[i].opt.kind != XBAR_OPT_DIGITAL;
    if (analog) { /* the node tables of a piecewise device, read once for every layer */
        xbar_device_params d = c->tile.device;
        if ((st = xbar_device_load_nodes(&d))) return st;
        for (size_t i = 0; i < count; i++)
            if (out[i].kind == XBAR_LAYER_LINEAR || out[i].kind == XBAR_LAYER_CONV2D) out[i].tile.device = d;
        if (c->opt.slow_device_own) { /* the slow tile's own device (the Tiki-Taka successors) */
            xbar_device_params sd = c->opt.slow_device;
            if ((st = xbar_device_load_nodes(&sd))) return st;
            for (size_t i = 0; i < count; i++)
                if (out[i].kind == XBAR_LAYER_LINEAR || out[i].kind == XBAR_LAYER_CONV2D) out[i].opt.slow_device = sd;
        }
    }
    *n = count;
    return XBAR_OK;
}

/* ---- key/value constructors --------------------------------------------------------- */

typedef struct {
    xbar_tile_config t;
    xbar_opt_params o;
} aw_config;

xbar_aw *xbar_aw_new_kv(size_t rows, size_t cols, const char *const *assignments, size_t n)
{
    XBAR_NONNULL_OR(NULL, assignments);
    aw_config c = {xbar_tile_config_defaults(rows, cols), xbar_opt_defaults(XBAR_OPT_ANALOG_SGD)};
    xbar_key_part parts[XBAR_TILE_KEY_PARTS + OPT_KEY_PARTS];
    size_t np = xbar_tile_key_parts(parts, offsetof(aw_config, t));
    np += opt_key_parts(parts + np, offsetof(aw_config, o));
    for (size_t i = 0; i < n; i++) {
        if (!assignments[i]) return xbar_fail_null(XBAR_EINVAL, "xbar_aw_new_kv: assignments[%zu] is NULL", i);
        if (xbar_key_assign(parts, np, &c, assignments[i])) return NULL;
    }
    if (xbar_device_load_nodes(&c.t.device)) return NULL;
    return xbar_aw_new(&c.o, &c.t);
}

xbar_net *xbar_net_new_kv(size_t in_c, size_t in_h, size_t in_w, const char *const *assignments, size_t n,
                          uint64_t seed)
{
    XBAR_NONNULL_OR(NULL, assignments);
    xbar_net_config c = xbar_net_config_defaults();
    c.tile.seed = seed;
    for (size_t i = 0; i < n; i++) {
        if (!assignments[i]) return xbar_fail_null(XBAR_EINVAL, "xbar_net_new_kv: assignments[%zu] is NULL", i);
        if (xbar_net_config_set(&c, assignments[i])) return NULL;
    }
    const size_t cap = XBAR_KEY_STR_MAX / 2; /* a list of at most 255 characters has at most 128 tokens */
    xbar_layer_spec *L = malloc(cap * sizeof *L);
    if (!L) return xbar_fail_null(XBAR_ENOMEM, "xbar_net_new_kv: out of memory");
    size_t nl;
    xbar_net *net = xbar_net_config_layers(&c, L, cap, &nl) ? NULL : xbar_net_new(L, nl, in_c, in_h, in_w, seed);
    free(L);
    return net;
}
