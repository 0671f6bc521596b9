/* exp_lsq_kv.c - the least-squares set-up of the xbar program's `lsq` command by key
 * (xbar.h, "Run configurations by key"): its [lsq] rows over xbar_lsq_setup and the
 * library's device, update and optimizer rows, with the program's defaults. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "keys_internal.h"

#define S(f) offsetof(xbar_lsq_setup, f)

static const char *const problems[] = {"lsq", "thm3", NULL};

/* The rows of the program's [lsq] section that live in xbar_lsq_setup (its own rows
 * lsq.kinds, sweep_key, sweep_values, ema and preset choose curves and plots). */
static const xbar_key lsq_rows[] = {
    {"lsq", "problem", XBAR_KEY_ENUM, S(problem), .choices = problems,
     .doc = "lsq: f = MSE(A w + c, b); thm3: Theorem 3 instance f = L/2 ||W - W*||^2 with two-point noise"},
    {"lsq", "dim", XBAR_KEY_INT, S(dim), .min = 1, .max = 1000000, .flags = XBAR_KEY_MIN | XBAR_KEY_MAX,
     .doc = "D: number of weights"},
    {"lsq", "rows", XBAR_KEY_INT, S(rows), .min = 1, .max = 1000000, .flags = XBAR_KEY_MIN | XBAR_KEY_MAX,
     .doc = "D_out: rows of A"},
    {"lsq", "w_star_scale", XBAR_KEY_DOUBLE, S(w_star_scale), .doc = "W* = w_star_scale*N(0,1) (thm3: the value w*)"},
    {"lsq", "a_scale", XBAR_KEY_DOUBLE, S(a_scale), .flags = XBAR_KEY_POS, .doc = "A = a_scale*N(0,1)"},
    {"lsq", "bias_true", XBAR_KEY_DOUBLE, S(bias_true), .doc = "b = A W* + bias_true"},
    {"lsq", "half", XBAR_KEY_BOOL, S(half), .doc = "training loss MSE/2 (1) or MSE (0); plotted f = loss/D"},
    {"lsq", "iterations", XBAR_KEY_INT, S(iterations), .min = 1, .max = 100000000,
     .flags = XBAR_KEY_MIN | XBAR_KEY_MAX, .doc = "K: gradient steps (full batch)"},
    {"lsq", "init", XBAR_KEY_STRING, S(init), .flags = XBAR_KEY_NONEMPTY,
     .doc = "initial point: zero, const:X (weights and bias = X, tile clips), gd:N (N noise-free GD steps)"},
    {"lsq", "noise", XBAR_KEY_DOUBLE, S(noise), .flags = XBAR_KEY_NONNEG,
     .doc = "noise std: gradient noise per parameter (dynamic), weight-read noise w_noise (pulse), sigma (thm3)"},
    {"lsq", "noise_correction", XBAR_KEY_BOOL, S(noise_correction),
     .doc = "pulse: w_noise = noise / mean singular value of A"},
    {"lsq", "lr", XBAR_KEY_DOUBLE, S(lr), .flags = XBAR_KEY_NONNEG,
     .doc = "alpha: learning rate (Tiki-Taka: transfer rate scale)"},
    {"lsq", "L", XBAR_KEY_DOUBLE, S(L), .flags = XBAR_KEY_POS, .doc = "thm3: smoothness constant L"},
    {"lsq", "states", XBAR_KEY_INT, S(states), .flags = XBAR_KEY_NONNEG,
     .doc = "> 0: dw_min = tau/states (bounded models: tau = (w_max - w_min)/2)"},
    {"lsq", "data_seed", XBAR_KEY_U64, S(data_seed), .doc = "seed of A and W*"},
    {"lsq", "seed", XBAR_KEY_U64, S(seed), .doc = "seed of gradient noise, reads and pulses"},
    {NULL, NULL, XBAR_KEY_INT, 0, 0, 0, 0, NULL, 0, NULL}};

#define LSQ_PARTS 6
static size_t lsq_parts(xbar_key_part *p)
{
    p[0] = (xbar_key_part){"lsq", lsq_rows, 0, 0};
    p[1] = (xbar_key_part){"device", xbar_device_keys(), 0, S(device)};
    p[2] = (xbar_key_part){"update", xbar_update_keys(), 0, S(update)};
    p[3] = (xbar_key_part){"optimizer", xbar_opt_keys(), 0, S(opt)};
    p[4] = (xbar_key_part){"transfer", xbar_update_keys(), 5, S(opt.transfer_update)};
    p[5] = (xbar_key_part){"slow_device", xbar_device_keys(), 0, S(opt.slow_device)};
    return LSQ_PARTS;
}

xbar_lsq_setup *xbar_lsq_setup_new(void)
{
    xbar_lsq_setup *s = malloc(sizeof *s);
    if (!s) return xbar_fail_null(XBAR_ENOMEM, "xbar_lsq_setup_new: out of memory");
    *s = xbar_lsq_setup_defaults();
    s->opt.slow_device = s->device; /* [slow_device] starts as [device]'s defaults, as in `xbar lsq` */
    return s;
}

void xbar_lsq_setup_free(xbar_lsq_setup *s) { free(s); }

xbar_status xbar_lsq_setup_set(xbar_lsq_setup *s, const char *assignment)
{
    XBAR_NONNULL(s);
    XBAR_NONNULL(assignment);
    xbar_key_part parts[LSQ_PARTS];
    return xbar_key_assign(parts, lsq_parts(parts), s, assignment);
}

xbar_status xbar_lsq_setup_get(const xbar_lsq_setup *s, const char *key, char *buf, size_t cap)
{
    XBAR_NONNULL(s);
    xbar_key_part parts[LSQ_PARTS];
    return xbar_key_lookup(parts, lsq_parts(parts), s, key, buf, cap, "xbar_lsq_setup_get");
}

xbar_status xbar_lsq_setup_load_nodes(xbar_lsq_setup *s)
{
    XBAR_NONNULL(s);
    return xbar_device_load_nodes(&s->device);
}
