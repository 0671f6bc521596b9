/* tile_keys.c - the key tables of the update and IO structs (xbar.h, "Key/value
 * configuration") and the names of their enums. */
#include <stddef.h>

#include "internal.h"
#include "keys_internal.h"

static const char *const schemes[] = {"expected", "count", "stochastic", "implicit", NULL};
static const char *const nm_names[] = {"none", "abs_max", NULL};
static const char *const bm_names[] = {"none", "iterative", NULL};

const char *const *xbar_scheme_names(void) { return schemes; }
const char *const *xbar_nm_names(void) { return nm_names; }
const char *const *xbar_bm_names(void) { return bm_names; }

#define UP(f) offsetof(xbar_update_params, f)
static const xbar_key update_keys[] = {
    {"update", "scheme", XBAR_KEY_ENUM, UP(scheme), .choices = schemes,
     .doc = "pulse scheme of the weight updates: expected (eq. 7), count, stochastic (aihwkit), implicit"},
    {"update", "desired_bl", XBAR_KEY_INT, UP(desired_bl), .min = 1, .max = 1 << 20,
     .flags = XBAR_KEY_MIN | XBAR_KEY_MAX, .doc = "maximal bit length BL of a pulse train of the weight updates"},
    {"update", "bl_management", XBAR_KEY_BOOL, UP(update_bl_management),
     .doc = "update BL management of the weight updates"},
    {"update", "update_management", XBAR_KEY_BOOL, UP(update_management),
     .doc = "update management (x/d balancing) of the weight updates"},
    {"update", "compose_pulses", XBAR_KEY_BOOL, UP(compose_pulses),
     .doc = "draw a weight's n noisy pulses of one sample as one composed step (linear devices) of the weight "
            "updates"},
    {"update", "count_cap", XBAR_KEY_INT, UP(count_cap), .flags = XBAR_KEY_NONNEG,
     .doc = "count scheme: max pulses per element and update (0 none)"},
    {"update", "stochastic_round", XBAR_KEY_BOOL, UP(count_stochastic_round),
     .doc = "count scheme: stochastic rounding of |dW|/dw_min"},
    {NULL, NULL, XBAR_KEY_INT, 0, 0, 0, 0, NULL, 0, NULL}};

#define IO(f) offsetof(xbar_io_params, f)
static const xbar_key io_keys[] = {
    {"forward", "perfect", XBAR_KEY_BOOL, IO(perfect), .doc = "exact W x, every setting below ignored"},
    {"forward", "inp_bound", XBAR_KEY_FLOAT, IO(inp_bound), .flags = XBAR_KEY_NONNEG,
     .doc = "DAC range +-inp_bound (0 unbounded)"},
    {"forward", "inp_res", XBAR_KEY_FLOAT, IO(inp_res), .flags = XBAR_KEY_NONNEG,
     .doc = "DAC step relative to 2*inp_bound (0 no quantisation; 1/126 = 7 bit)"},
    {"forward", "inp_noise", XBAR_KEY_FLOAT, IO(inp_noise), .flags = XBAR_KEY_NONNEG,
     .doc = "input noise std (input units)"},
    {"forward", "out_bound", XBAR_KEY_FLOAT, IO(out_bound), .flags = XBAR_KEY_NONNEG,
     .doc = "ADC range +-out_bound (0 unbounded)"},
    {"forward", "out_res", XBAR_KEY_FLOAT, IO(out_res), .flags = XBAR_KEY_NONNEG,
     .doc = "ADC step relative to 2*out_bound (0 none; 1/510 = 9 bit)"},
    {"forward", "out_noise", XBAR_KEY_FLOAT, IO(out_noise), .flags = XBAR_KEY_NONNEG,
     .doc = "output noise std (output units)"},
    {"forward", "w_noise", XBAR_KEY_FLOAT, IO(w_noise), .flags = XBAR_KEY_NONNEG,
     .doc = "additive weight-read noise: output += w_noise*||x||*N(0,1)"},
    {"forward", "noise_management", XBAR_KEY_ENUM, IO(noise_management), .choices = nm_names,
     .doc = "input scaling before the DAC: none or abs_max (x / max|x|)"},
    {"forward", "bound_management", XBAR_KEY_ENUM, IO(bound_management), .choices = bm_names,
     .doc = "on ADC saturation: none (clip) or iterative (halve the input, redo; forward only)"},
    {"forward", "max_bm_factor", XBAR_KEY_FLOAT, IO(max_bm_factor), .flags = XBAR_KEY_POS,
     .doc = "largest bound-management factor"},
    {"forward", "max_bm_res", XBAR_KEY_FLOAT, IO(max_bm_res), .flags = XBAR_KEY_POS,
     .doc = "bound management stops when the factor exceeds max_bm_res / DAC step"},
    {NULL, NULL, XBAR_KEY_INT, 0, 0, 0, 0, NULL, 0, NULL}};

const xbar_key *xbar_update_keys(void) { return update_keys; }
const xbar_key *xbar_io_keys(void) { return io_keys; }

/* ---- tile configurations by key ---------------------------------------------------- */

#define TC(f) offsetof(xbar_tile_config, f)
static const xbar_key tile_keys[] = {
    {"tile", "seed", XBAR_KEY_U64, TC(seed), .doc = "seed of the cycle-to-cycle, read and bit-stream draws"},
    {"tile", "id", XBAR_KEY_INT, TC(id), .flags = XBAR_KEY_NONNEG,
     .doc = "stream object id: distinguishes tiles sharing a seed"},
    {NULL, NULL, XBAR_KEY_INT, 0, 0, 0, 0, NULL, 0, NULL}};

size_t xbar_tile_key_parts(xbar_key_part *out, size_t base)
{
    out[0] = (xbar_key_part){"device", xbar_device_keys(), 0, base + TC(device)};
    out[1] = (xbar_key_part){"update", update_keys, 0, base + TC(update)};
    out[2] = (xbar_key_part){"forward", io_keys, 0, base + TC(forward)};
    out[3] = (xbar_key_part){"backward", io_keys, 0, base + TC(backward)};
    out[4] = (xbar_key_part){"tile", tile_keys, 0, base};
    return XBAR_TILE_KEY_PARTS;
}

xbar_status xbar_device_params_set(xbar_device_params *p, const char *assignment)
{
    XBAR_NONNULL(p);
    XBAR_NONNULL(assignment);
    const xbar_key_part part = {"device", xbar_device_keys(), 0, 0};
    return xbar_key_assign(&part, 1, p, assignment);
}

xbar_status xbar_tile_config_set(xbar_tile_config *c, const char *assignment)
{
    XBAR_NONNULL(c);
    XBAR_NONNULL(assignment);
    xbar_key_part parts[XBAR_TILE_KEY_PARTS];
    return xbar_key_assign(parts, xbar_tile_key_parts(parts, 0), c, assignment);
}

xbar_tile *xbar_tile_new_kv(size_t rows, size_t cols, const char *const *assignments, size_t n)
{
    XBAR_NONNULL_OR(NULL, assignments);
    xbar_tile_config c = xbar_tile_config_defaults(rows, cols);
    for (size_t i = 0; i < n; i++) {
        if (!assignments[i]) return xbar_fail_null(XBAR_EINVAL, "xbar_tile_new_kv: assignments[%zu] is NULL", i);
        if (xbar_tile_config_set(&c, assignments[i])) return NULL;
    }
    if (xbar_device_load_nodes(&c.device)) return NULL;
    return xbar_tile_new(&c);
}
