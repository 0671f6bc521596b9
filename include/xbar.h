/*
 * xbar.h - the public API of libxbar: simulated training on analog in-memory
 * computing (AIMC) crossbar tiles.
 *
 * This header is the manual. Every parameter is documented with its unit and
 * default. Symbols follow docs/model.md and the paper "Towards Exact
 * Gradient-based Training on Analog In-memory Computing" (Wu, Gokmen, Rasch,
 * Chen, NeurIPS 2024).
 *
 * Conventions
 *   - Matrices are row-major. A tile has `rows` outputs and `cols` inputs;
 *     W[i*cols + j] is row i (output / d index), column j (input / x index).
 *   - Outputs first, then inputs, then sizes (as in BLAS).
 *   - Functions return xbar_status (or NULL); they never print or exit.
 *     xbar_last_error() gives a one-line message naming the offending
 *     parameter and value (thread-local; not cleared by a call that
 *     succeeds). See "Argument contract" below.
 *   - Sign convention (as aihwkit): xbar_tile_update(x, d, lr) moves W in
 *     expectation by -lr * d x^T. A pulse is "up" when it increases w.
 *   - All randomness is counter-based (Philox4x32-10): every draw is a pure
 *     function of (seed, stream, counter). Results are bit-identical for any
 *     thread count. No global RNG state.
 *   - Ownership: _new() returns an object owned by the caller, released with
 *     _free() (which accepts NULL). Pointers returned by accessors are views
 *     into object-owned memory, valid until the object is freed.
 *
 * Argument contract (every function below; exceptions are named)
 *   - Pointers: every pointer argument must be non-NULL, even where a count
 *     is 0, unless its documentation says "may be NULL". Handles must come
 *     from the matching _new() (an xbar_devices from xbar_devices_init).
 *   - Sizes and indices are checked against the object: a layer, column or
 *     device index out of range, a leading dimension below the row length or
 *     a count whose byte size overflows size_t is an error, never clamped.
 *   - Failure: a function returning xbar_status returns XBAR_EINVAL, one
 *     returning a handle or view returns NULL; either way xbar_last_error()
 *     names the function or object and the argument, e.g.
 *     "xbar_tile_forward: X is NULL" or "xbar_tile_set_weights: W row 0
 *     column 3 = nan: must be finite". Arguments are checked before any
 *     work, so a call refused with XBAR_EINVAL leaves every object as it
 *     was (weights, counters, RNG positions, training state).
 *   - Value-returning functions document their result for a bad argument
 *     and set the error too: counts and sizes of a NULL handle are 0; the
 *     per-device functions (xbar_device_pulse, ...) return NaN for a NULL
 *     or uninitialised set or an index >= n. Checkers (*_check) return a
 *     message for a NULL argument; *_name(unknown) returns "unknown" (or
 *     "?"), *_from_name(NULL or unknown) returns -1.
 *   - _free(NULL) and xbar_devices_free(NULL) are no-ops.
 *   - Non-finite values: float data given to the library to store or apply
 *     must be finite: weights (xbar_tile_set_weights, xbar_aw_set_weights),
 *     update inputs X and D (xbar_tile_update, xbar_aw_update), increments
 *     and gradients (xbar_tile_apply_delta, xbar_aw_step_dense), network
 *     inputs (xbar_net_forward, and so _train_batch and _evaluate: X is kept
 *     for the step), learning rates and read noise. A NaN or +-Inf is
 *     refused with XBAR_EINVAL naming the array and the first bad index,
 *     and nothing is stored. The check is one pass over the array (integer
 *     bit tests), small beside the work of the call. Not checked: inputs of
 *     the reads (xbar_tile_forward / _backward, xbar_aw_forward / _backward),
 *     which give non-finite outputs, and the values a network computes
 *     itself (activations, gradients, transfers): a diverging run is not
 *     refused but reported by xbar_net_find_nonfinite. Checkpoint loads
 *     refuse non-finite weights, biases and scales with XBAR_EFORMAT.
 *   - Exceptions: the random-number generators (xbar_philox4x32_10,
 *     xbar_rng_*) return void: a NULL output is not written and sets the
 *     error. xbar_stream,
 *     xbar_version, xbar_strerror, xbar_*_defaults, xbar_io_plain,
 *     xbar_device_ideal and the thread functions take no pointer and cannot
 *     fail (xbar_set_threads takes n < 1 as 1).
 */
#ifndef XBAR_H
#define XBAR_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

/* Exported symbols. libxbar is built with hidden visibility (-fvisibility=hidden):
 * a symbol is exported only if declared here. Everything between XBAR_API_BEGIN
 * (after the standard includes, so their declarations keep their own visibility)
 * and XBAR_API_END is exported, with a GCC/Clang visibility pragma, so a new
 * prototype anywhere in this header is public without a mark of its own; XBAR_API
 * marks a single declaration elsewhere. Empty for other compilers. tests/exports.sh
 * checks that libxbar.so exports exactly the functions declared here. */
#if defined(__GNUC__) || defined(__clang__)
#define XBAR_API __attribute__((visibility("default")))
#define XBAR_API_BEGIN _Pragma("GCC visibility push(default)")
#define XBAR_API_END _Pragma("GCC visibility pop")
#else
#define XBAR_API
#define XBAR_API_BEGIN
#define XBAR_API_END
#endif

XBAR_API_BEGIN
#ifdef __cplusplus
extern "C" {
#endif

#define XBAR_VERSION_MAJOR 0
#define XBAR_VERSION_MINOR 1
#define XBAR_VERSION_PATCH 0
/** Runtime version as MAJOR*10000 + MINOR*100 + PATCH. */
int xbar_version(void);

/* ------------------------------------------------------------------------ */
/* Errors                                                                   */
/* ------------------------------------------------------------------------ */

typedef enum {
    XBAR_OK = 0,
    XBAR_EINVAL = 1, /* a parameter is out of range; see xbar_last_error() */
    XBAR_ENOMEM = 2, /* allocation failed */
    XBAR_EIO = 3,    /* a file could not be read or written */
    XBAR_EFORMAT = 4 /* a file's content is malformed */
} xbar_status;

/** Message of the last failing call on this thread ("" if none). */
const char *xbar_last_error(void);
/** Short name of a status code ("ok", "invalid argument", ...). */
const char *xbar_strerror(xbar_status s);

/* ------------------------------------------------------------------------ */
/* Counter-based random numbers (Philox4x32-10, Salmon et al. SC'11)        */
/* ------------------------------------------------------------------------ */

/*
 * The generators return void (they are used through function pointers of one
 * signature): a NULL pointer argument writes nothing and sets xbar_last_error().
 */

/** The raw bijection: out = Philox4x32-10(ctr, key). Matches Random123. */
void xbar_philox4x32_10(uint32_t out[4], const uint32_t ctr[4], const uint32_t key[2]);

/**
 * Four uniforms in (0, 1) (never 0, never 1) as a pure function of
 * (seed, stream, counter): key = seed, ctr = {counter lo, counter hi,
 * stream lo, stream hi}. Each uniform has 24 random bits (float32 exact).
 */
void xbar_rng_uniform4(float u[4], uint64_t seed, uint64_t stream, uint64_t counter);
/** Four standard normals (Box-Muller on the same block as uniform4). */
void xbar_rng_normal4(float z[4], uint64_t seed, uint64_t stream, uint64_t counter);
/** Double-precision normal pair from one block (two 53-bit uniforms). */
void xbar_rng_normal2d(double z[2], uint64_t seed, uint64_t stream, uint64_t counter);
/** Fill n uniforms / normals, block k of 4 using counter = counter0 + k (n = 0: nothing). */
void xbar_rng_uniform_fill(float *u, size_t n, uint64_t seed, uint64_t stream, uint64_t counter0);
void xbar_rng_normal_fill(float *z, size_t n, uint64_t seed, uint64_t stream, uint64_t counter0);

/**
 * Stream ids: a purpose tag (high 8 bits), an object id (next 24 bits) and
 * an index (low 32 bits, e.g. an update step). Use this so that draws made
 * for different purposes never collide.
 */
static inline uint64_t xbar_stream(uint32_t purpose, uint32_t object, uint32_t index)
{
    return ((uint64_t)(purpose & 0xffu) << 56) | ((uint64_t)(object & 0xffffffu) << 32) | index;
}
/** Purpose tags used by the library (callers may use 128..255). */
enum {
    XBAR_RNG_DTOD = 1,      /* device-to-device draws at construction */
    XBAR_RNG_C2C = 2,       /* cycle-to-cycle noise of pulses */
    XBAR_RNG_BITS_X = 3,    /* stochastic bit streams of x lines */
    XBAR_RNG_BITS_D = 4,    /* stochastic bit streams of d lines */
    XBAR_RNG_ROUND = 5,     /* stochastic rounding of pulse counts */
    XBAR_RNG_READ = 6,      /* read noise in forward / backward / transfer */
    XBAR_RNG_C2C_EACH = 7,  /* c2c noise of pulses 2..n of a slot applied one by one */
    XBAR_RNG_CHOP = 8,      /* random chopper flips of c_ttv2 / agad (object: the fast tile's id) */
    XBAR_RNG_ZS = 9,        /* zero-shifting calibration: directions (index 2k) and c2c noise (2k + 1) */
    XBAR_RNG_SINGLE = 10,   /* single pulses an optimizer fires into a column (rlv2_pulse): c2c noise */
    XBAR_RNG_USER = 128
};

/* ------------------------------------------------------------------------ */
/* Parameter keys: the fields of the parameter structs by name              */
/* ------------------------------------------------------------------------ */

/*
 * Every field of the parameter structs below (xbar_device_params,
 * xbar_update_params, xbar_io_params, xbar_opt_params) has a key, the name the
 * config files and `xbar --set section.key=value` use (e.g. device.tau). A key
 * is described by one xbar_key row: its section, name, type, byte offset in its
 * struct, range and meaning. The library owns the rows (each device model and
 * each optimizer lists its own beside its code) and the reading and writing
 * of values; the command-line program and the bindings use the same rows.
 */

/** Value types; the C type stored at the row's offset is given for each. */
typedef enum {
    XBAR_KEY_FLOAT = 0, /* float; written in the shortest form that reads back exactly */
    XBAR_KEY_DOUBLE,    /* double; the same */
    XBAR_KEY_INT,       /* int */
    XBAR_KEY_U64,       /* uint64_t */
    XBAR_KEY_BOOL,      /* int 0 / 1; reads true/false, yes/no, on/off, 1/0 */
    XBAR_KEY_STRING,    /* char[XBAR_KEY_STR_MAX] */
    XBAR_KEY_ENUM,      /* int: the index of the value in `choices` */
    XBAR_KEY_FLOAT_LIST /* the command-line program's lists (not used by the library's structs) */
} xbar_key_type;

/** Range flags of a row (each applies to a number, or to each number of a list). */
enum {
    XBAR_KEY_MIN = 1 << 0,      /* value >= min */
    XBAR_KEY_MIN_EXCL = 1 << 1, /* value > min */
    XBAR_KEY_MAX = 1 << 2,      /* value <= max */
    XBAR_KEY_MAX_EXCL = 1 << 3, /* value < max */
    XBAR_KEY_NONNEG = 1 << 4,   /* value >= 0 */
    XBAR_KEY_POS = 1 << 5,      /* value > 0 */
    XBAR_KEY_NONEMPTY = 1 << 6  /* strings and lists: not empty */
};

#define XBAR_KEY_STR_MAX 256 /* size of an XBAR_KEY_STRING field, terminator included */

/** One key. Tables of rows end with a row whose section is NULL. */
typedef struct {
    const char *section;        /* e.g. "device" (NULL ends a table) */
    const char *key;            /* e.g. "tau" */
    xbar_key_type type;
    size_t offset;              /* byte offset of the field in its struct */
    double min, max;            /* bounds, active with the flags above */
    unsigned flags;
    const char *const *choices; /* XBAR_KEY_ENUM: the value names, NULL-terminated */
    int list_max;               /* XBAR_KEY_FLOAT_LIST: most values */
    const char *doc;            /* meaning and unit */
} xbar_key;

/* ------------------------------------------------------------------------ */
/* Key/value configuration: parameter values as text                        */
/* ------------------------------------------------------------------------ */

/*
 * Values are read and written as text, one key at a time, exactly as the
 * config files of the xbar program hold them: numbers in the shortest form
 * that reads back bit-identical, booleans as true/false, enums by name. A
 * value a config file could not hold (a line "key = value" longer than
 * XBAR_KEY_LINE_MAX, control bytes, a string with ';' first or after a blank)
 * is refused, so every value set can be written and read back.
 *
 * Tables (each ends with a row whose section is NULL; offsets into the struct
 * named): xbar_device_keys() (xbar_device_params, section "device"),
 * xbar_update_keys() (xbar_update_params, "update"), xbar_io_keys()
 * (xbar_io_params, "forward"; the same rows serve "backward" and
 * "transfer_io"), xbar_opt_keys() (xbar_opt_params, "optimizer"). The
 * constructors of "Key/value constructors" below take whole assignments
 * "section.key=value", as `xbar --set` does.
 */

#define XBAR_KEY_LIST_MAX 32  /* capacity of an xbar_key_list */
#define XBAR_KEY_LINE_MAX 197 /* longest line "key = value" of a config file */

/** Storage of an XBAR_KEY_FLOAT_LIST field (the xbar program's lists of numbers). */
typedef struct {
    int n;                       /* values in use */
    double v[XBAR_KEY_LIST_MAX];
} xbar_key_list;

/**
 * Parse `value` (blanks around it ignored) for row k and store it at
 * k->offset of obj. Lists are comma- or blank-separated numbers, at most
 * k->list_max (0: XBAR_KEY_LIST_MAX), each within the row's range.
 * XBAR_EINVAL, obj unchanged, with xbar_last_error() the reason alone (no key,
 * no value): "must be > 0", "not a number", "must be one of: a, b",
 * "integer out of range", "too long for a line of a config file (at most N
 * characters)", ...
 */
xbar_status xbar_key_set(const xbar_key *k, void *obj, const char *value);
/** The value of row k in obj as text (the form xbar_key_set reads back to the
 *  same bits; an enum out of range gives "?"), truncated to cap bytes. */
void xbar_key_format(const xbar_key *k, const void *obj, char *buf, size_t cap);
/** The range of row k as text: "> 0", ">= 1", "in [0, 1)", "one of: a, b",
 *  "not empty" or "" (none), truncated to cap bytes. */
void xbar_key_rule(const xbar_key *k, char *buf, size_t cap);
/** The row section.key of table tab, or NULL (without error) if it has none. */
const xbar_key *xbar_key_find(const xbar_key *tab, const char *section, const char *key);

/** Rows of xbar_update_params, section "update": scheme, desired_bl,
 *  bl_management, update_management, compose_pulses (the five that also
 *  configure Tiki-Taka's transfer, section "transfer"), count_cap,
 *  stochastic_round. */
const xbar_key *xbar_update_keys(void);
/** Rows of xbar_io_params, section "forward": perfect, inp_bound, inp_res,
 *  inp_noise, out_bound, out_res, out_noise, w_noise, noise_management,
 *  bound_management, max_bm_factor, max_bm_res. */
const xbar_key *xbar_io_keys(void);
/** Value names of the enums (NULL-terminated, in enum order): "expected",
 *  "count", "stochastic", "implicit"; "none", "abs_max"; "none", "iterative". */
const char *const *xbar_scheme_names(void);
const char *const *xbar_nm_names(void);
const char *const *xbar_bm_names(void);

/* ------------------------------------------------------------------------ */
/* Devices: the response of one resistive element to one pulse              */
/* ------------------------------------------------------------------------ */

/**
 * Device models: one line X(UPPER, lower) each, in enum order (append new models at the end;
 * the values never change). XBAR_DEVICE_MODELS generates the enum xbar_device_model
 * (XBAR_DEV_UPPER), the names ("lower": the value of device.model,
 * xbar_device_model_name) and, in the library, the table of the models' ops records
 * (src/device/device_table.c: xbar_device_ops_lower, defined in src/device/dev_*.c).
 * The response factors q+(w), q-(w) are the step of one up / down pulse divided by the
 * device's weight granularity g (= dw_min for every model but POW_STEP, EXP_STEP and
 * PIECEWISE_STEP; see xbar_devices), so that the expected scheme and the pulse schemes
 * (|Δ|/g pulses) agree (spec: paper.md §2). F = (q- + q+)/2, G = (q- - q+)/2.
 */
#define XBAR_DEVICE_MODELS(X)                                                                                  \
    /** Asymmetric linear device of the paper: q± = 1 ∓ (w - sym_point)/tau,                                  \
     *  bounds [sym_point - tau, sym_point + tau]. No variation by default. */                                \
    X(ALD, ald)                                                                                                \
    /** aihwkit ConstantStepDevice: steps s_up, s_dn, hard bounds. */                                          \
    X(CONSTANT_STEP, constant_step)                                                                            \
    /** aihwkit LinearStepDevice: step_up = s_up(1 - gamma_up w/w_max),                                       \
     *  step_dn = s_dn(1 - gamma_down w/w_min); multiplicative c2c. */                                         \
    X(LINEAR_STEP, linear_step)                                                                                \
    /** aihwkit SoftBoundsDevice = the paper's soft-bounds / linear-step                                      \
     *  device (App. C): q+ = 1 - w/tau_max, q- = 1 - w/tau_min. */                                            \
    X(SOFT_BOUNDS, soft_bounds)                                                                                \
    /** aihwkit SoftBoundsReferenceDevice: soft bounds on g = w + reference,                                  \
     *  additive c2c by default (mult_noise = 0). The paper's toy device. */                                  \
    X(SOFT_BOUNDS_REF, soft_bounds_ref)                                                                        \
    /** aihwkit PowStepDevice = the paper's power step (App. C):                                              \
     *  q+ = ((b_max - w)/R)^gamma_up, q- = ((w - b_min)/R)^gamma_down. */                                     \
    X(POW_STEP, pow_step)                                                                                      \
    /** aihwkit ExpStepDevice (A_up, A_down, gamma_up, gamma_down, a, b). */                                   \
    X(EXP_STEP, exp_step)                                                                                      \
    /** aihwkit PiecewiseStepDevice: linear interpolation of node tables                                      \
     *  (piecewise_up / piecewise_down, or a file: device.piecewise_file). */                                 \
    X(PIECEWISE_STEP, piecewise_step)                                                                          \
    /** The paper's exponential step (App. C, Fig. 6):                                                        \
     *  q+ = 1 - exp(-gamma_up (b_max - w)/R), q- = 1 - exp(-gamma_down (w - b_min)/R). */                    \
    X(EXP_PAPER, exp_paper)                                                                                    \
    /** Zero-shifted power response of the 2025 follow-up (F25 K.1):                                          \
     *  q± = (1 ∓ w/tau)^gamma_res. */                                                                         \
    X(POW_ZS, pow_zs)                                                                                          \
    /** Zero-shifted exponential response (F25 K.1):                                                          \
     *  q± = (exp(gamma_res (1 ∓ w/tau)) - 1)/(exp(gamma_res) - 1). */                                        \
    X(EXP_ZS, exp_zs)

#define XBAR_DEV_ENUM_(upper, lower) XBAR_DEV_##upper,
typedef enum {
    XBAR_DEVICE_MODELS(XBAR_DEV_ENUM_) /* XBAR_DEV_ALD = 0, XBAR_DEV_CONSTANT_STEP, ... */
    XBAR_DEV_COUNT_                    /* number of models */
} xbar_device_model;
#undef XBAR_DEV_ENUM_

#define XBAR_PIECEWISE_MAX 32

/** Device configuration (plain struct; see xbar_device_defaults()). */
typedef struct {
    xbar_device_model model;
    float dw_min;       /* nominal step per pulse, weight units. Default 0.001 (ALD: 0.001) */
    float w_max, w_min; /* bounds, weight units. Default 0.6 / -0.6. ALD, POW_ZS, EXP_ZS:
                           derived from tau and sym_point (w_max = sym_point + tau, ...) */
    float tau;          /* ALD / zero-shifted models: asymmetry = half dynamic range. Default 1 */
    float sym_point;    /* ALD: symmetric point w⋄. Default 0 */
    float up_down;      /* systematic up/down step asymmetry (aihwkit). Default 0 */
    /* device-to-device variation (relative std of a Gaussian draw per device) */
    float dw_min_dtod;  /* step gain spread. Default 0.3 (ALD and paper forms: 0) */
    float up_down_dtod; /* asymmetry spread. Default 0.01 (ALD and paper forms: 0) */
    float w_max_dtod;   /* upper-bound spread. Default 0.3 (ALD and paper forms: 0) */
    float w_min_dtod;   /* lower-bound spread. Default 0.3 (ALD and paper forms: 0) */
    /* cycle-to-cycle noise */
    float dw_min_std;   /* relative std of each pulse's step. Default 0.3 (ALD and paper forms: 0) */
    int mult_noise;     /* 1: step*(1 + std*xi); 0: step + s*std*xi (additive).
                           Default 1, SOFT_BOUNDS_REF and ALD 0 (as aihwkit) */
    /* model-specific */
    float gamma_up, gamma_down;     /* LINEAR_STEP slopes (default 0/0); POW_STEP and EXP_PAPER
                                       exponents are derived from pow_gamma / pow_up_down;
                                       EXP_STEP: its own gammas (default 12.44625 / 12.78785) */
    int mean_bound_reference;       /* LINEAR_STEP: use configured w_max/w_min. Default 1 */
    float pow_gamma, pow_up_down;   /* POW_STEP / EXP_PAPER: exponent and its up/down skew.
                                       Default 1 / 0 */
    float exp_A_up, exp_A_down, exp_a, exp_b; /* EXP_STEP (dimensionless): z = 2 exp_a g/R + exp_b,
                                       step_up = s_up max(1 - exp_A_up e^(gamma_up z), 0), step_dn =
                                       s_dn max(1 - exp_A_down e^(-gamma_down z), 0). Default 0.00081,
                                       0.36833, 0.244, 0.2425 */
    float reference_mean;           /* SOFT_BOUNDS_REF: reference offset. Default 0 */
    float gamma_res;                /* POW_ZS / EXP_ZS exponent. Default 2 */
    int piecewise_n;                /* PIECEWISE_STEP: number of nodes (>= 2). Default 2 */
    float piecewise_up[XBAR_PIECEWISE_MAX], piecewise_down[XBAR_PIECEWISE_MAX]; /* default 1 */
    char piecewise_file[XBAR_KEY_STR_MAX]; /* PIECEWISE_STEP: CSV file of the node tables, read into
                                       piecewise_n / _up / _down by xbar_device_load_nodes.
                                       Default "" (the tables above) */
    uint64_t construction_seed;     /* seed of the device-to-device draws. Default 0 */
    float ref_std;                  /* SOFT_BOUNDS_REF, ALD: device-to-device std of the reference offset,
                                       weight units (aihwkit reference_std): device i works on
                                       g = w + r_i, r_i = reference_mean + ref_std ξ_i (ALD: symmetric
                                       point sym_point + ref_std ξ_i, r_i = -that); see xbar_devices.
                                       >= 0. Default 0 (every device at the mean) */
    float resp_c;                   /* ALD: asymmetry c of the perturbed linear response (F25 §1.1),
                                       q+ = (1 + c)(1 - u/tau), q- = (1 - c)(1 + u/tau), u = w -
                                       sym_point: symmetric point sym_point + c tau. |c| < 1.
                                       Default 0 (the ALD) */
} xbar_device_params;

/** Defaults of a model: aihwkit 0.9.0's for the aihwkit models (variation on),
 *  no variation for the paper's ideal devices (ALD, EXP_PAPER, POW_ZS, EXP_ZS).
 *  An unknown model gives parameters that xbar_device_check refuses. */
xbar_device_params xbar_device_defaults(xbar_device_model model);
/** Same with every variation and noise switched off (dtod and c2c = 0). */
xbar_device_params xbar_device_ideal(xbar_device_model model);
/** NULL if the parameters are valid, else a message naming key and value
 *  (also for p = NULL). */
const char *xbar_device_check(const xbar_device_params *p);
/** Model name ("ald", "constant_step", ...; "unknown" out of range) and the
 *  inverse (-1 if unknown or NULL). */
const char *xbar_device_model_name(xbar_device_model m);
int xbar_device_model_from_name(const char *name);
/** Every model name in enum order, NULL-terminated (the values of device.model). */
const char *const *xbar_device_model_names(void);
/** One line describing model m (for --help); NULL if m is not a model. */
const char *xbar_device_model_summary(xbar_device_model m);

/**
 * The [device] keys (section "device", offsets into xbar_device_params), each once,
 * ending with a row whose section is NULL: first the keys every model shares (model,
 * tau, sym_point, dw_min, w_max, w_min, up_down, the four dtod spreads, dw_min_std,
 * mult_noise), then the models' own keys (gamma_up, gamma_down, pow_gamma, pow_up_down,
 * gamma_res, reference_mean), construction_seed, then the keys added since, in model
 * order (mean_bound_reference, exp_A_up, exp_A_down, exp_a, exp_b, piecewise_file),
 * then the shared keys added since (ref_std).
 * device.model is XBAR_KEY_ENUM with choices xbar_device_model_names(). Each model
 * reads only some keys (xbar_device_uses_key).
 */
const xbar_key *xbar_device_keys(void);
/** 1 if model m reads the [device] key `key` (e.g. "tau"); 1 for a key that is not a
 *  [device] key, 0 if m is not a model. tau / sym_point: the models whose bounds come
 *  from them (ald, pow_zs, exp_zs); w_max / w_min: every other; mult_noise: the models
 *  with an additive noise form; a model key: the models that list it. */
int xbar_device_uses_key(xbar_device_model m, const char *key);
/** NULL if model m reads `key`, else why not and what m reads instead, e.g. for
 *  soft_bounds and tau: "(only ald, pow_zs and exp_zs use it); its range is set by
 *  device.w_max / device.w_min" (the message "device.tau = 0.5: the soft_bounds model
 *  does not use tau " + this). A thread-local buffer, valid until the next call. */
const char *xbar_device_key_unused(xbar_device_model m, const char *key);

/**
 * Read the node tables of the piecewise model from the file p->piecewise_file into
 * p->piecewise_n, p->piecewise_up and p->piecewise_down (nothing to do, XBAR_OK, when
 * the name is empty). The file is CSV text: an optional header line (a first line
 * whose first field is not a number, e.g. "up,down"), then one node per line, "up,down":
 * the relative up and down step at that node (finite, >= 0; the step is s_up * up),
 * nodes equally spaced over [b_min, b_max] from the lower bound up; 2 to
 * XBAR_PIECEWISE_MAX nodes. Blank lines are skipped; blanks around values are allowed.
 * Example, three nodes: lines "up,down", "1.5,0.5", "1,1", "0.5,1.5". On error p is
 * unchanged: XBAR_EINVAL (p NULL, the name not terminated), XBAR_EIO (cannot read:
 * "device.piecewise_file = nodes.csv: cannot read: No such file or directory") or
 * XBAR_EFORMAT (over 64 KiB, not text, or a bad line, naming file, line and value, e.g.
 * "device.piecewise_file = nodes.csv, line 3: down = \"-1\": must be a finite number >= 0").
 * The file is read with the library's reader of input files (regular files only).
 * xbar_devices_init does not read the file: call this after setting piecewise_file.
 */
xbar_status xbar_device_load_nodes(xbar_device_params *p);

/**
 * Per-device parameters of n devices, struct of arrays (drawn at
 * construction, aihwkit's construction formulas):
 *   b_max = w_max(1 + w_max_dtod ξ), b_min = w_min(1 + w_min_dtod ξ),
 *   gain = 1 + dw_min_dtod ξ, r = up_down_dtod ξ,
 *   s_up = (min(up_down,0) + gain + r) dw_min, s_dn = (-max(up_down,0) + gain - r) dw_min.
 * A per-device reference (device.ref_std > 0; SOFT_BOUNDS_REF and ALD): device i works
 * on g = w + r_i, r_i = ref + δ_i, δ_i = ref_std ξ_i (ALD: -ref_std ξ_i, so that its
 * symmetric point is sym_point + ref_std ξ_i), ξ_i lane i%4 of block i/4 of
 * xbar_rng_normal4(construction_seed, xbar_stream(XBAR_RNG_DTOD, object, 1)) (the
 * draws above are index 0: they do not change). Where that is exact and well
 * conditioned (noise-free or multiplicative c2c noise, and every |δ_i| at most half
 * the bound it moves towards) δ_i is folded into the arrays, which then bound and step
 * g = w + ref: b -> b - δ_i, s -> s (1 - δ_i/b) (the step s (1 - g/b) at g = w + ref + δ_i);
 * otherwise (additive c2c noise, whose size s σ the fold would scale by 1 - δ_i/b, or
 * a large δ_i) the arrays stay as drawn and ref_dev holds every r_i.
 * docs/algorithms/reference_offsets.md.
 */
typedef struct {
    xbar_device_params p; /* the configuration they were drawn from */
    size_t n;
    float *b_max, *b_min; /* per-device bounds */
    float *s_up, *s_dn;   /* per-device nominal up / down step (> 0) */
    float *a_up, *a_dn;   /* model-specific: slopes (LINEAR_STEP, SOFT_BOUNDS), exponents
                             (POW_STEP, EXP_PAPER); unused otherwise */
    float ref;            /* g = w + ref for every device: SOFT_BOUNDS_REF reference_mean,
                             ALD -sym_point, else 0 (ref_dev NULL) */
    float granularity;    /* weight granularity used by update management */
    float *ref_dev;       /* NULL, or per-device references r_i (g = w + r_i) replacing ref:
                             a per-device reference not folded into the arrays (above) */
} xbar_devices;

/** Draw n devices (n > 0) from p with stream `object` of seed p->construction_seed.
 *  *d is zeroed first, so it is zeroed on error (XBAR_EINVAL: d or p NULL, p
 *  invalid, n = 0 or too large; XBAR_ENOMEM). */
xbar_status xbar_devices_init(xbar_devices *d, const xbar_device_params *p, size_t n, uint32_t object);
/** Release the arrays and zero *d; NULL is a no-op. */
void xbar_devices_free(xbar_devices *d);

/* The per-device functions below take an initialised set d and a device index
 * i < d->n; otherwise they return NaN (xbar_device_pulses_composed: 0; the
 * status functions: XBAR_EINVAL) with the error set. */

/** One pulse on device i at weight w: up (up != 0) or down, with c2c normal
 *  xi (ignored when dw_min_std = 0). Returns the new weight, clipped to the
 *  device bounds. Float32 arithmetic in aihwkit's order. */
float xbar_device_pulse(const xbar_devices *d, size_t i, float w, int up, float xi);
/** n noise-free pulses in one direction (exact closed form where one exists). */
float xbar_device_pulses(const xbar_devices *d, size_t i, float w, int up, unsigned n);
/** n noisy pulses in one direction composed into one step driven by one standard
 *  normal xi (docs/model.md §j). For the linear models (constant step, linear step,
 *  soft bounds, soft bounds reference, ALD) n pulses with c2c noise move g = w + ref
 *  by an affine map plus a sum of n independent noise terms; the result is drawn as
 *  the exact mean plus sd·xi with the exact variance: exact in distribution for
 *  additive noise, exact in mean and variance for multiplicative noise (the
 *  product of n factors 1 + c(1 + σξ_k), |c| << 1). Applies only when the whole
 *  trajectory stays 6 noise standard deviations inside the bounds, where clipping
 *  after each pulse has no effect. Returns 1 and sets *out (clipped), or 0 when it
 *  does not apply (other models, steps reversing sign, near a bound): then pulse one
 *  by one. */
int xbar_device_pulses_composed(const xbar_devices *d, size_t i, float w, int up, unsigned n, float xi,
                                float *out);
/** Response factors q+(w), q-(w) of device i (step / granularity, noise-free).
 *  Either output may be NULL. @return XBAR_OK or XBAR_EINVAL. */
xbar_status xbar_device_q(const xbar_devices *d, size_t i, double w, double *q_up, double *q_dn);
/** F(w) = (q- + q+)/2 and G(w) = (q- - q+)/2 of device i. Either output may be
 *  NULL. @return XBAR_OK or XBAR_EINVAL. */
xbar_status xbar_device_FG(const xbar_devices *d, size_t i, double w, double *F, double *G);
/** The noise-free response of a device at w, in double precision. */
typedef struct {
    double q_up, q_dn; /* response factors q+(w), q-(w) (step / granularity) */
    double F, G;       /* (q- + q+)/2, (q- - q+)/2 */
    double dF, dG;     /* dF/dw, dG/dw */
} xbar_response;
/** The response of device i at w in double precision: the steps of the linear models (ald,
 *  constant_step, linear_step, soft_bounds, soft_bounds_ref), pow_zs and exp_zs in closed form
 *  (the other models' float32 step), slopes by central differences with h = 1e-6 of the range
 *  (relative error ~1e-9 on the closed forms). Inside the bounds; at a bound the difference
 *  straddles it. @return XBAR_OK, or XBAR_EINVAL (d, i or w). */
xbar_status xbar_device_response(const xbar_devices *d, size_t i, double w, xbar_response *r);
/** Symmetric point of device i (G = 0), by closed form or bisection; with a per-device
 *  reference r_i (device.ref_std) that of device i's own reference. */
double xbar_device_symmetric_point(const xbar_devices *d, size_t i);
/** Clip w to the bounds of device i. */
float xbar_device_clip(const xbar_devices *d, size_t i, float w);

/* ------------------------------------------------------------------------ */
/* Tiles: a crossbar of rows x cols devices                                 */
/* ------------------------------------------------------------------------ */

/** How a desired update is turned into pulses (DESIGN.md, "three schemes"). */
typedef enum {
    /** The paper's discrete-time model (eq. 7): W += ΔW⊙F(W) - |ΔW|⊙G(W). */
    XBAR_SCHEME_EXPECTED = 0,
    /** Per element n = |ΔW|/g pulses (g = granularity; stochastic rounding, optional cap),
     *  applied one by one through the device response. */
    XBAR_SCHEME_COUNT,
    /** aihwkit StochasticCompressed: per sample rank-1 bit streams of length
     *  BL, update and BL management; samples applied in order. */
    XBAR_SCHEME_STOCHASTIC,
    /** aihwkit DeterministicImplicit: pulse count rint(BL*dh*xh) per weight. */
    XBAR_SCHEME_IMPLICIT
} xbar_scheme;

typedef struct {
    xbar_scheme scheme;       /* default XBAR_SCHEME_STOCHASTIC */
    int desired_bl;           /* max bit length BL of the pulse trains. Default 31 */
    int update_bl_management; /* BL = min(ceil(lr xmax dmax / g), desired_bl). Default 1 */
    int update_management;    /* balance x and d probabilities. Default 1 (forced on by UBLM) */
    int count_cap;            /* COUNT: max pulses per element per update (0 = none). Default 0 */
    int count_stochastic_round; /* COUNT: 1 stochastic rounding, 0 round to nearest. Default 1 */
    int compose_pulses;       /* 1: the n >= 1 same-direction noisy pulses a weight gets from one
                                 sample (or one COUNT update) of a linear device are drawn as one
                                 composed step (xbar_device_pulses_composed: one normal instead of
                                 n, evaluated in double; n = 1 is then exact too); 0: pulse by
                                 pulse in float32, one normal each (aihwkit's way). Default 1 */
} xbar_update_params;

xbar_update_params xbar_update_defaults(void);

/** Noise management: how an input vector is scaled before the DAC. */
typedef enum {
    XBAR_NM_NONE = 0,   /* no scaling */
    XBAR_NM_ABS_MAX = 1 /* divide x by s = max|x| before the DAC, multiply the output by s.
                           max|x| = 0: the output is exactly 0, no noise drawn (aihwkit's short
                           cut); forward reads with inp_noise > 0 proceed with s = 1 instead */
} xbar_noise_management;

/** Bound management: what happens when an output saturates the ADC. */
typedef enum {
    XBAR_BM_NONE = 0,     /* clip to ±out_bound */
    XBAR_BM_ITERATIVE = 1 /* a sample whose output clipped (either sign) is read again with its
                             input halved (f *= 2) until nothing clips or f hits the limits
                             below. Forward only: backward reads ignore it (aihwkit forces it
                             off silently) */
} xbar_bound_management;

/**
 * Read (MVM) non-idealities: aihwkit's IOParameters (spec/aihwkit.md §1d,
 * docs/model.md (h)). Per input vector x (backward: d, with W^T), float32:
 *   s = max|x| (ABS_MAX; NONE: no scaling); f = 1
 *   repeat: scale = (1/s)/f
 *           v = clip(rint(x scale / q_in) q_in, ±inp_bound) + inp_noise ξ    (DAC)
 *           y = W v + w_noise ||v||_2 ξ + out_noise ξ
 *           y = clip(rint(y / q_out) q_out, ±out_bound)                      (ADC)
 *           if BM is on and an output clipped and f <= max_bm_factor and
 *              f <= max_bm_res/q_in: f = 2f, redo
 *   out = y (1/scale)          (backward: out = y s; it never redoes)
 * q_in = inp_res*(2*inp_bound) and q_out = out_res*(2*out_bound) in float32
 * (step 0 = no quantisation); rint rounds half to even. Every ξ is a fresh
 * N(0,1) per element and pass. Inputs and outputs are in the units of x and
 * W x (weight units times input units). Defaults (xbar_io_defaults) are
 * aihwkit 0.9.0's; with them the forward f is at most 16 (0.25/(2/126) = 15.75).
 */
typedef struct {
    int perfect;        /* 1: exact y = W x (sgemm), everything below ignored. Default 0 */
    float inp_bound;    /* DAC range ±inp_bound, input units after NM (0 = unbounded, and then
                           no quantisation). Default 1 */
    float inp_res;      /* DAC step relative to 2*inp_bound, in [0, 1] (0 = no quantisation).
                           Default 1/126 (7 bit) */
    float inp_noise;    /* std of additive Gaussian noise on each DAC output, input units
                           after NM. Default 0 */
    float out_bound;    /* ADC range ±out_bound, output units before rescaling (0 = unbounded,
                           and then no quantisation). Default 12 */
    float out_res;      /* ADC step relative to 2*out_bound, in [0, 1] (0 = none). Default 1/510 (9 bit) */
    float out_noise;    /* std of additive Gaussian output noise per output and pass, output
                           units before rescaling (so NM scales it by max|x|). Default 0.06 */
    float w_noise;      /* additive weight-read noise: each output gets w_noise*||v||_2*ξ, v the
                           DAC output (aihwkit ADDITIVE_CONSTANT). Default 0 */
    xbar_noise_management noise_management; /* Default XBAR_NM_ABS_MAX */
    xbar_bound_management bound_management; /* Default XBAR_BM_ITERATIVE */
    float max_bm_factor; /* BM doubles f only while f <= max_bm_factor, in [1, 2^31]. Default 1000 */
    float max_bm_res;    /* ... and while f <= max_bm_res/q_in (no limit when q_in = 0), >= 0.
                            Default 0.25 */
} xbar_io_params;

/** aihwkit 0.9.0 defaults (listed above). */
xbar_io_params xbar_io_defaults(void);
/** A plain read: no quantisation, no bounds, no noise, no management, so
 *  y = W x exactly (w_noise, 0 here, may be set afterwards; max_bm_* keep their
 *  defaults). The least-squares experiments use it. */
xbar_io_params xbar_io_plain(void);
/** NULL if valid, else a message naming `prefix`.key and the value (also for
 *  io = NULL). prefix may be NULL (no prefix). */
const char *xbar_io_check(const xbar_io_params *io, const char *prefix);

typedef struct {
    size_t rows, cols;          /* outputs, inputs (> 0) */
    xbar_device_params device;
    xbar_update_params update;
    xbar_io_params forward;     /* forward reads */
    xbar_io_params backward;    /* backward reads */
    uint64_t seed;              /* seed of all cycle-to-cycle / read / bit-stream draws */
    uint32_t id;                /* distinguishes tiles sharing a seed (stream object id) */
} xbar_tile_config;

/** Defaults: ALD device (xbar_device_defaults), xbar_update_defaults(), forward and
 *  backward IO = xbar_io_defaults() (aihwkit's: quantised, noisy, managed; use
 *  xbar_io_plain() for exact reads), seed 0, id 0. */
xbar_tile_config xbar_tile_config_defaults(size_t rows, size_t cols);
/** NULL if valid, else a message naming the key and value (also for c = NULL). */
const char *xbar_tile_config_check(const xbar_tile_config *c);

typedef struct xbar_tile xbar_tile;

/** Create a tile; weights start at 0 clipped to the device bounds. NULL on error
 *  (c NULL or invalid: the message of xbar_tile_config_check). */
xbar_tile *xbar_tile_new(const xbar_tile_config *c);
void xbar_tile_free(xbar_tile *t);
/** The configuration / device arrays of t (views); NULL if t is NULL. */
const xbar_tile_config *xbar_tile_get_config(const xbar_tile *t);
const xbar_devices *xbar_tile_devices(const xbar_tile *t);

/** Set W (rows x cols, leading dimension ldw >= cols), clipped to the device
 *  bounds. XBAR_EINVAL (weights unchanged) if an entry is NaN or +-Inf. */
xbar_status xbar_tile_set_weights(xbar_tile *t, const float *W, size_t ldw);
/** Copy the weights into W (rows x cols, leading dimension ldw >= cols). */
xbar_status xbar_tile_get_weights(const xbar_tile *t, float *W, size_t ldw);
/** View of the weights (rows*cols, row-major); NULL if t is NULL. Writes bypass
 *  the device and every check (a non-finite value written here is the caller's). */
float *xbar_tile_weights(xbar_tile *t);

/** Y[b][rows] = IO(W X[b][cols]) through the forward IO (c.forward), b < batch.
 *  Each call is one read: its draws use stream xbar_stream(XBAR_RNG_READ, id,
 *  read index) and depend only on (seed, id, read index, sample, pass, element).
 *  batch = 0 reads nothing (but counts the read). X is not checked for NaN / Inf. */
xbar_status xbar_tile_forward(xbar_tile *t, float *Y, const float *X, size_t batch);
/** Z[b][cols] = IO(W^T D[b][rows]) through the backward IO (c.backward, bound
 *  management ignored), b < batch. One read, as xbar_tile_forward. */
xbar_status xbar_tile_backward(xbar_tile *t, float *Z, const float *D, size_t batch);

/**
 * Pulsed update with a mini-batch: desired ΔW = -lr Σ_b D[b] X[b]^T.
 * STOCHASTIC / IMPLICIT: one rank-1 pulsed update per sample, in order.
 * EXPECTED / COUNT: the summed ΔW applied at once.
 * lr >= 0 and finite (weight units per gradient unit); X (batch x cols) and
 * D (batch x rows) finite, else XBAR_EINVAL and no update (and no count).
 * batch = 0 or lr = 0 only counts the update.
 */
xbar_status xbar_tile_update(xbar_tile *t, const float *X, const float *D, size_t batch, float lr);
/** Apply a desired dense increment dW (rows x cols, finite) with the EXPECTED or
 *  COUNT scheme (STOCHASTIC tiles use COUNT here). */
xbar_status xbar_tile_apply_delta(xbar_tile *t, const float *dW);
/** Read column j < cols through the forward read path: y = W e_j (+ noise of std
 *  read_noise per output, finite and >= 0; 0 = exact). y has rows entries. */
xbar_status xbar_tile_read_col(xbar_tile *t, float *y, size_t j, float read_noise);
/** Read column j as the forward pass of the one-hot e_j through `io` (aihwkit's
 *  transfer read): y = IO(W e_j), bound management as configured in `io`. y has
 *  rows entries. One read. XBAR_EINVAL if j >= cols or `io` is NULL or invalid. */
xbar_status xbar_tile_read_col_io(xbar_tile *t, float *y, size_t j, const xbar_io_params *io);
/** Total device pulses fired on this tile so far (0 if t is NULL). */
uint64_t xbar_tile_pulse_count(const xbar_tile *t);
/** Zero-shifting calibration ([SP26] Alg. 1): n pulses on every device of t, each one pulse of
 *  the device up or down (its cycle-to-cycle noise included): uniformly at random (cyclic = 0,
 *  the analysed version) or alternating, up first (cyclic = 1, Kim et al.'s). Afterwards the
 *  weights are the symmetric-point estimates W_N (each device's error e_n = w - w⋄ on the ALD
 *  follows e_{n+1} = (1 - dw_min/tau) e_n +- dw_min). The draws come from the XBAR_RNG_ZS
 *  streams of the tile's seed and id at the tile's update index, which the call advances;
 *  devices in parallel, the same bits at any thread count. *pulses (may be NULL) receives
 *  n * rows * cols; these pulses are not added to xbar_tile_pulse_count (the caller books them
 *  as calibration). n in [0, 2^32]. @return XBAR_OK or XBAR_EINVAL. */
xbar_status xbar_tile_zero_shift(xbar_tile *t, uint64_t n, int cyclic, uint64_t *pulses);
/** Number of update calls made so far (the step index of RNG streams; 0 if t is NULL). */
uint64_t xbar_tile_update_count(const xbar_tile *t);

/** Update-management quantities of one sample (aihwkit formulas). */
typedef struct {
    int bl;             /* bit length BL; 0 means skip (max|x| or max|d| = 0) */
    double A, B;        /* probability scales of d and x lines */
} xbar_um;
/** bl = 0 (skip) when lr, xmax or dmax is not > 0; also bl = 0, with the error
 *  set, when u is NULL, u->desired_bl < 1, granularity is not > 0 or an argument
 *  is infinite. */
xbar_um xbar_update_management(const xbar_update_params *u, double lr, double xmax, double dmax,
                               double granularity);

/* ------------------------------------------------------------------------ */
/* Optimizers ("analog weights"): how a logical weight matrix is learned    */
/* ------------------------------------------------------------------------ */

/**
 * The optimizer table: one X(ENUM, name) line per optimizer, in enum order
 * (append new ones: the values are stored in checkpoints). It generates the
 * enum, the names, the ops table of the library (src/optim/optim_table.c, an
 * optimizer per file src/optim/opt_<name>.c) and the config keys.
 */
#define XBAR_OPTIMIZERS(X)                                                                                       \
    X(DIGITAL, digital)       /* float weights, W -= lr * grad */                                                \
    X(ANALOG_SGD, analog_sgd) /* one tile, W updated through pulses */                                           \
    X(TIKI_TAKA, tiki_taka)   /* fast tile A + slow tile C, transfer A -> C */                                   \
    X(TTV2, ttv2)             /* Tiki-Taka v2: A, digital buffer H, thresholded writes to C */                   \
    X(C_TTV2, c_ttv2)         /* chopped TTv2: TTv2 with sign choppers (in_chop_prob 0: aihwkit's "ttv2") */     \
    X(AGAD, agad)             /* c-TTv2 with a dynamic digital reference (running mean M, phase mean R) */       \
    X(MIXED_PRECISION, mixed_precision) /* digital accumulator chi, thresholded row writes to one tile */     \
    X(RL, rl)                 /* residual learning v1: Tiki-Taka read at W = C + gamma*A (set gamma) */           \
    X(RLV2, rlv2)             /* residual learning v2: rl with a digital EMA buffer and a dead-zone write */     \
    X(MULTI_TILE_RL, multi_tile_rl) /* N + 1 tiles of geometric scales, a cascade of transfers */          \
    X(RIDER, rider)           /* rl whose residual is read against a digital symmetric-point tracker Q */        \
    X(E_RIDER, e_rider)       /* rider with a chopper and a programmed copy of Q taken at each flip */

typedef enum {
#define XBAR_OPT_ENUM_(E, name) XBAR_OPT_##E,
    XBAR_OPTIMIZERS(XBAR_OPT_ENUM_)
#undef XBAR_OPT_ENUM_
    XBAR_OPT_COUNT_ /* number of optimizers */
} xbar_opt_kind;

typedef struct {
    xbar_opt_kind kind;        /* default XBAR_OPT_ANALOG_SGD */
    /* Tiki-Taka (paper §3.3 / §3.4). In the paper's symbols beta = fast_lr
     * (rate of P = -A) and alpha = lr * transfer_lr (rate of W = C). */
    float fast_lr;             /* lr of the fast tile A; replaces the step's lr (aihwkit 1.0). Default 0.01 */
    float transfer_lr;         /* transfer rate multiplier: C += transfer_lr*lr*A[:,j]. Default 1 */
    int transfer_every;        /* transfer after every n updates. Default 1 */
    int transfer_columns;      /* columns per transfer, cyclic; 0 = all (the paper's analysis). Default 1 */
    float transfer_read_noise; /* std of the noisy read of A's columns (weight units). Default 0 */
    xbar_io_params transfer_io; /* IO of the column read of A (aihwkit transfer_forward);
                                  transfer_read_noise is added after it. Default xbar_io_plain()
                                  (exact); aihwkit's: xbar_io_defaults() with NM and BM off */
    float gamma;               /* visible weight W = C + gamma*A. Default 0 */
    xbar_update_params transfer_update; /* how C is written. Default xbar_update_defaults() */
    /* The Tiki-Taka successors (ttv2, c_ttv2, agad: aihwkit's Buffered, Chopped and
     * DynamicTransferCompound; docs/algorithms.md). They read fast_lr, transfer_lr,
     * transfer_every, transfer_io, gamma and transfer_update above. A value of -1 in a
     * field marked "kind default" takes the aihwkit default of the optimizer's kind. */
    int slow_device_own;       /* 1: the slow tile C has the device slow_device; 0: A's device. Default 0 */
    xbar_device_params slow_device; /* C's device when slow_device_own. Default: A's defaults */
    int units_in_mbatch;       /* transfer_every counts mini-batches (1) or vector updates (0: samples,
                                  for a conv layer samples x output pixels). Kind default: ttv2 1,
                                  c_ttv2 / agad 0 */
    float thres_scale;         /* ttv2: write threshold in units of dw_min(C). Default 1 */
    float write_step;          /* transfer write lr = write_step * dw_min(C) (aihwkit `step`). Default 1 */
    int write_bl;              /* most pulses per row and column write, |n| <= write_bl (aihwkit's
                                  transfer_update.desired_bl of these compounds); the write runs with
                                  that fixed bit length and no update management, the pulse scheme of
                                  transfer_update. Default 1 */
    float momentum;            /* buffer fraction kept after a write. Kind default: ttv2 0.1, else 0 */
    int forget_buffer;         /* 1: H = momentum*omega after a write; 0: H -= (1-momentum)*n*threshold.
                                  Default 1 */
    float buffer_granularity;  /* c_ttv2 / agad: threshold in units of dw_min(A). Default 1 */
    float auto_granularity;    /* c_ttv2 / agad: > 0 scales the threshold by
                                  auto_granularity / (cols * transfer_every). Default 0 (off) */
    int auto_scale;            /* c_ttv2 / agad: A's lr = fast_lr * BL * dw_min(A) / (m_x m_d), EMAs of
                                  max|x|, max|d|. Default 0 */
    float auto_momentum;       /* EMA momentum of auto_scale (tau = (1 - m) / batch). Default 0.99 */
    int no_buffer;             /* c_ttv2 / agad: 1 = no buffer (TT-v1 with thresholded writes). Default 0 */
    float in_chop_prob;        /* c_ttv2 / agad: column chopper flip probability per read (random) or
                                  1 / period in sweeps (regular); e_rider: its one chopper's flip
                                  probability per transfer sweep (or 1 / period in sweeps). Default 0.1 */
    int in_chop_random;        /* 1 random flips, 0 regular period. Kind default: c_ttv2 1, agad 0,
                                  e_rider 1 */
    float out_chop_prob;       /* c_ttv2: row chopper flip probability per sweep. Default 0 */
    float tail_weightening;    /* agad: running-mean weight q = min(tail_weightening / N_s, 1). Default 5 */
    float buffer_cap;          /* agad: |H| <= buffer_cap * write_bl when forget_buffer = 0 (0 = none).
                                  Default 0 */
    /* mixed_precision (aihwkit MixedPrecisionCompound): chi += lr d x^T per sample; every
     * transfer_every mini-batches (transfer_every*batch vector updates), mp_rows rows:
     * n = trunc(chi/eps), chi -= n eps, pulse -eps*transfer_lr*n into the row.
     * It reads transfer_lr and transfer_every above. */
    int mp_rows;               /* rows per transfer, cyclic (-1 = all; 0 is refused). Default -1 */
    float mp_granularity;      /* eps (weight units); 0 = the device's weight granularity
                                  (xbar_devices.granularity: dw_min for most models). Default 0 */
    /* multi_tile_rl ([MT25], spec successors §6): tiles W(0..N), N + 1 = mt_tiles, read as
     * sum_n mt_gamma^n W(n); W(N) learns at fast_lr; W(n+1) is transferred into W(n)
     * (transfer_columns columns, rate transfer_lr*lr*mt_lr_growth^(N-1-n), mt_lr_growth at the
     * end of this struct) every transfer_every * mt_growth^(N-1-n) updates. It reads fast_lr, transfer_lr, transfer_every, transfer_columns, the transfer's
     * read and update settings above. */
    int mt_tiles;              /* tiles N + 1 (2 .. XBAR_MT_MAX_TILES). Default 3 */
    float mt_gamma;            /* scale ratio gamma of consecutive tiles, in (0, 1). Default 0.1 */
    int mt_growth;             /* each coarser transfer is this many times rarer (>= 1). Default 2 */
    /* rider / e_rider ([SP26], spec successors §7.2-7.3): A = P, C = W, digital Q (rows x cols)
     * tracking P's symmetric point; read W + gamma c (P - Q~) (rider: c = 1, Q~ = Q). It reads
     * fast_lr, transfer_lr, transfer_every, transfer_columns, the transfer's read and update
     * settings, gamma, and (e_rider) in_chop_prob / in_chop_random for its one chopper c. */
    float rider_eta;           /* EMA rate eta of Q at each column read, in [0, 1] (0: Q stays at its
                                  start, the zero-shifting estimate: [SP26] Alg. 4). Default 0.1 */
    int zs_pulses;             /* rider / e_rider / ttv2 / c_ttv2 / agad / tiki_taka / rl / rlv2:
                                  zero-shifting pulses per device of the fast tile (P, A) before the
                                  first update after set_weights; rider: Q and Q~ then set to P; the
                                  others: A's weights then are the reference Z subtracted from its
                                  reads (ttv2 / c_ttv2 / agad: needs gamma = 0; tiki_taka / rl /
                                  rlv2 read W = C + gamma (A - Z)). 0 = none. Default 0 */
    int zs_cyclic;             /* 1: alternating up / down ZS pulses (Kim et al.), 0: random. Default 1 */
    float mt_lr_growth;        /* multi_tile_rl: the transfer into tile n is at rate
                                  transfer_lr*lr*mt_lr_growth^(N-1-n) (the spec's reading of
                                  [MT25]'s 0.1*1.2^k: 1.2; [MT25]'s published code, the finest
                                  pair's rate the largest: 1/1.2 with transfer_lr*lr = 0.1*1.2^N),
                                  > 0. Default 1 (one rate). (Last, to keep the layout above.) */
    int rlv2_pulse;            /* rlv2: 0 = the literal reading (C's column moves by beta*H where
                                  |H| >= dw_min(C), H kept), 1 = the "pulse" reading (spec
                                  successors §5.4): one pulse of sign(H) into C where |H| >=
                                  dw_min(C), and H -= sign(H)*dw_min(C) there. Default 0 */
    int mt_warm_start;         /* multi_tile_rl: 1 = [MT25] Alg. 1's warm start: the gradient tile
                                  W(N) is transferred straight into tile k = 0, 1, ..., one at a
                                  time, k moving on when the loss the caller reports
                                  (xbar_aw_observe_loss) plateaus; at k = N the cascade starts.
                                  0 = the cascade from the start. Default 0 */
    int mt_warm_rule;          /* multi_tile_rl's warm start: 0 = spec successors §6's reading of
                                  [MT25] Alg. 1 (a plateau is a rise: the newest loss above the one
                                  before for the first 4 moves, then >= 2 rises among the last 5
                                  differences; W(N) into tile k every transfer_every updates at
                                  pair k's rate); 1 = [MT25]'s published code: a rise of more than
                                  1e-4 for the first 4 moves, then >= 2 of the last 5 differences
                                  above -0.01 (a fall of less than 0.01 counts); W(N) into tile k
                                  every transfer_every*mt_growth updates at the finest pair's rate;
                                  after tile N-1 one more phase without transfers (W(N) alone)
                                  until the next plateau, then the cascade. Default 0 */
} xbar_opt_params;
#define XBAR_MT_MAX_TILES 8

xbar_opt_params xbar_opt_defaults(xbar_opt_kind kind);
/** NULL if valid, else a message naming the key and value (also for o = NULL). */
const char *xbar_opt_check(const xbar_opt_params *o);
/** "digital", "analog_sgd", "tiki_taka" ("?" out of range); the inverse (-1 if
 *  unknown or NULL). */
const char *xbar_opt_kind_name(xbar_opt_kind k);
int xbar_opt_kind_from_name(const char *name);
/** Every kind name in enum order, NULL-terminated (the choices of optimizer.kind). */
const char *const *xbar_opt_kind_names(void);
/** One line describing kind k (for --help); NULL out of range. */
const char *xbar_opt_kind_summary(xbar_opt_kind k);
/** The [optimizer] keys (section "optimizer", offsets into xbar_opt_params),
 *  ended by a row whose section is NULL: "kind" first (XBAR_KEY_ENUM, choices
 *  xbar_opt_kind_names()), then each optimizer's keys in table order (a key
 *  shared by two optimizers once). The nested transfer_update / transfer_io
 *  structs are not in it (their keys are those of xbar_update_params and
 *  xbar_io_params). */
const xbar_key *xbar_opt_keys(void);
/** 1 if an optimizer of kind k reads [optimizer] key `key` ("kind": every kind),
 *  else 0 (also for an unknown kind or a NULL key). */
int xbar_opt_uses_key(xbar_opt_kind k, const char *key);
/** Analog tiles an optimizer of o->kind holds (0 digital, 1 analog SGD, 2
 *  Tiki-Taka); 0 with the error set for o NULL or an unknown kind. */
size_t xbar_opt_tiles(const xbar_opt_params *o);

typedef struct xbar_aw xbar_aw;

/** A learned rows x cols weight. `tile` configures the analog tile(s) (A and C
 *  share it, with ids tile->id and tile->id + 1); ignored for DIGITAL except sizes.
 *  NULL on error (o or tile NULL or invalid). */
xbar_aw *xbar_aw_new(const xbar_opt_params *o, const xbar_tile_config *tile);
void xbar_aw_free(xbar_aw *a);
/** Visible weights W (rows x cols) into W. */
xbar_status xbar_aw_get_weights(const xbar_aw *a, float *W);
/** Set the visible weights from W (rows x cols, finite; else XBAR_EINVAL and
 *  nothing changes). Digital: stored as is; analog: clipped to the device bounds;
 *  Tiki-Taka: C = W, A = 0 and the transfer restarts (as aihwkit). */
xbar_status xbar_aw_set_weights(xbar_aw *a, const float *W);
/** Forward / backward through the visible weight (tile read path for analog).
 *  Inputs are not checked for NaN / Inf (see the argument contract). */
xbar_status xbar_aw_forward(xbar_aw *a, float *Y, const float *X, size_t batch);
xbar_status xbar_aw_backward(xbar_aw *a, float *Z, const float *D, size_t batch);
/** One optimizer step from per-sample factors: gradient = Σ_b D[b] X[b]^T.
 *  X (batch x cols), D (batch x rows) and lr >= 0 must be finite. */
xbar_status xbar_aw_update(xbar_aw *a, const float *X, const float *D, size_t batch, float lr);
/** One optimizer step from a dense gradient G (rows x cols, finite): desired
 *  ΔW = -lr*G, lr >= 0 and finite. */
xbar_status xbar_aw_step_dense(xbar_aw *a, const float *G, float lr);
/** The fast tile A (Tiki-Taka) or the only tile (Analog SGD); NULL if none
 *  (DIGITAL) or if a is NULL (then with the error set). */
xbar_tile *xbar_aw_fast_tile(xbar_aw *a);
/** The tile holding the visible weight (C for Tiki-Taka); NULL for DIGITAL or
 *  if a is NULL (then with the error set). */
xbar_tile *xbar_aw_slow_tile(xbar_aw *a);
/** Device pulses fired on every tile of a (0 for DIGITAL or a NULL). */
uint64_t xbar_aw_pulse_count(const xbar_aw *a);
/** Pulses and events by phase (spec successors §10 T15). */
typedef struct {
    uint64_t grad_pulses;     /* pulses of gradient updates: on A (transfer family), on the only tile
                                 (analog_sgd), 0 for mixed_precision (its gradient is digital) */
    uint64_t transfer_pulses; /* pulses writing transfers: on C, or mixed_precision's row writes */
    uint64_t reads;           /* column / row reads of a transfer */
    uint64_t writes;          /* transfer writes (column or row updates) that fired at least one pulse */
    uint64_t calib_pulses;    /* zero-shifting calibration pulses (optimizer.zs_pulses) */
    uint64_t prog_events;     /* programming events: e_rider's copies Q~ <- Q at chopper flips
                                 (events, not pulses: not in xbar_aw_pulse_count) */
} xbar_pulse_counts;
/** The counts of a (all 0 for DIGITAL); XBAR_EINVAL if a or pc is NULL. The sum of the
 *  pulse fields is xbar_aw_pulse_count(a). */
xbar_status xbar_aw_pulse_counts(const xbar_aw *a, xbar_pulse_counts *pc);
/** The training loss of a finished epoch (or of any regular interval the caller keeps), for
 *  optimizers that schedule on it (multi_tile_rl with mt_warm_start); the others ignore it.
 *  XBAR_EINVAL if a is NULL or loss is not finite. */
xbar_status xbar_aw_observe_loss(xbar_aw *a, double loss);
/** The stored float weights (rows x cols, row-major) of a DIGITAL optimizer, to
 *  read and write in place; NULL for an analog one (weights live on tiles) or a NULL a. */
float *xbar_aw_digital_weights(xbar_aw *a);
/** The arrays a stores, for a scan for non-finite values: k < xbar_aw_n_arrays(a),
 *  the visible weights first. *what names it ("weights", "fast tile A"), *n its
 *  length (what, n may be NULL). NULL with the error set for k out of range;
 *  xbar_aw_n_arrays(NULL) is 0. */
size_t xbar_aw_n_arrays(const xbar_aw *a);
const float *xbar_aw_array(const xbar_aw *a, size_t k, const char **what, size_t *n);

/**
 * Memory estimates, from the same sizes as the allocations (for a budget check
 * before anything large is allocated). xbar_tile_memory_bytes: the bytes of a
 * tile of c->rows x c->cols (the object, weights, per-device parameters and,
 * for a dense scheme (EXPECTED, COUNT), the increment buffer of its first
 * update). xbar_aw_memory_bytes: those of the optimizer object xbar_aw_new(o,
 * tc) builds, its tiles included, plus what xbar_aw_update grows in
 * proportion to rows*cols. Not counted: work space proportional to the batch
 * (bit streams, IO buffers, the gamma mix), and the rows*cols floats of the
 * first xbar_aw_step_dense of an analog optimizer. 0 with the error set for a
 * NULL argument, an invalid o or an empty size; SIZE_MAX when rows*cols is not
 * addressable (nothing of that size can be allocated).
 */
size_t xbar_tile_memory_bytes(const xbar_tile_config *c);
size_t xbar_aw_memory_bytes(const xbar_opt_params *o, const xbar_tile_config *tc);

/**
 * Checkpoints. Save writes the mutable state (weights of every tile, digital
 * weights, update / read / pulse counters, transfer position) in a portable
 * little-endian binary form; the device-to-device draws are not stored because
 * they are a pure function of the configuration. Load restores that state into
 * an object created with the same configuration, after which it continues
 * bit-identically. Load checks sizes and kinds and fails with XBAR_EFORMAT
 * (naming what differs) on a mismatch or a short read ("truncated"); a failed
 * tile load leaves the tile unchanged, a failed optimizer or network load may
 * leave it partly loaded. Non-finite weights, biases or scales in a file are
 * refused (XBAR_EFORMAT). Records: "XBTL" / "XBAW" / "XBNT" tag, u32 version,
 * then sizes and values (see src/tile/tile_state.c, src/optim/optim.c and
 * src/optim/opt_*.c, src/nn/nn.c). The object and f must be non-NULL.
 */
xbar_status xbar_tile_save(const xbar_tile *t, FILE *f);
xbar_status xbar_tile_load(xbar_tile *t, FILE *f);
xbar_status xbar_aw_save(const xbar_aw *a, FILE *f);
xbar_status xbar_aw_load(xbar_aw *a, FILE *f);

/* ------------------------------------------------------------------------ */
/* Networks: sequential models of digital and analog layers                 */
/* ------------------------------------------------------------------------ */

/** Layer kinds. Activations are element-wise; the loss (log-softmax + NLL)
 *  is not a layer, it follows the last layer. Tensors are (channels, height,
 *  width) per sample, row-major; a vector is (n, 1, 1). */
typedef enum {
    XBAR_LAYER_LINEAR = 0, /* y = scale * W x + b, W out x in_size (the whole input is flattened) */
    XBAR_LAYER_CONV2D,     /* im2col: every output pixel is one row X of W x (and one update
                              sample of the tile, as aihwkit); W is out x (in_c*k*k) */
    XBAR_LAYER_MAXPOOL,    /* kernel x kernel window, stride = kernel, no padding */
    XBAR_LAYER_SIGMOID,
    XBAR_LAYER_TANH,
    XBAR_LAYER_RELU,
    XBAR_LAYER_KIND_COUNT_
} xbar_layer_kind;

typedef struct {
    xbar_layer_kind kind;
    size_t out;          /* LINEAR: output features; CONV2D: output channels */
    size_t kernel;       /* CONV2D: square kernel size; MAXPOOL: window. Default 2 */
    size_t stride;       /* CONV2D stride. Default 1 */
    size_t padding;      /* CONV2D zero padding. Default 0 */
    int bias;            /* LINEAR/CONV2D: digital bias, trained by SGD. Default 1 */
    int out_scaling;     /* analog LINEAR/CONV2D: one learnable digital output scale,
                            initialised to 1 and trained by SGD (aihwkit learn_out_scaling).
                            Default 1 */
    xbar_opt_params opt; /* how W is learned; kind DIGITAL = plain float layer.
                            Default xbar_opt_defaults(XBAR_OPT_DIGITAL) */
    xbar_tile_config tile; /* analog: device, update, forward / backward IO and seed;
                              rows, cols and id are set by the network */
} xbar_layer_spec;

/** Defaults of a layer kind (see the fields). */
xbar_layer_spec xbar_layer_defaults(xbar_layer_kind kind);
/** "linear", "conv2d", ... ("unknown" out of range); the inverse (-1 if unknown
 *  or NULL). */
const char *xbar_layer_kind_name(xbar_layer_kind k);
int xbar_layer_kind_from_name(const char *name);

typedef struct xbar_net xbar_net;

/**
 * Build a sequential network for samples of shape (in_c, in_h, in_w).
 * Weights and biases get PyTorch's default initialisation,
 * U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = W's columns, as
 * (2u - 1)/sqrt(fan_in) of xbar_rng_uniform_fill(seed, xbar_stream(XBAR_RNG_USER,
 * l, 0)) for W and (..., l, 1) for b, then written to the tiles (clipped to
 * the device bounds). Analog layer l gets tile id 16*l (Tiki-Taka uses 16*l
 * and 16*l+1); its seed is spec.tile.seed. Only analog layers' tile configs
 * are checked. NULL on error; the message ("layer 2 (conv2d): kernel 5 larger
 * than input ...") names the layer index, its kind and the shape that does
 * not fit. The last layer must be LINEAR or CONV2D with output (n,1,1), n >= 2.
 * layers NULL or n_layers = 0: NULL ("network: no layers").
 */
xbar_net *xbar_net_new(const xbar_layer_spec *layers, size_t n_layers, size_t in_c, size_t in_h, size_t in_w,
                       uint64_t seed);
void xbar_net_free(xbar_net *net);
/** Sizes; 0 for a NULL net. */
size_t xbar_net_n_layers(const xbar_net *net);
size_t xbar_net_in_size(const xbar_net *net);  /* in_c*in_h*in_w */
size_t xbar_net_out_size(const xbar_net *net); /* classes */
/** Shape of layer l's output (l < n_layers, else XBAR_EINVAL); c, h, w may be NULL. */
xbar_status xbar_net_layer_shape(const xbar_net *net, size_t l, size_t *c, size_t *h, size_t *w);
/** One line per layer into buf (truncated to cap, NUL-terminated; cap = 0 writes
 *  nothing), e.g.
 *  "0 conv2d 1x28x28 -> 16x24x24  k5 s1 p0  analog tiki_taka  16x25 tiles",
 *  "3 linear 512x1x1 -> 128x1x1  digital  128x512", "1 tanh 16x24x24 -> 16x24x24". */
xbar_status xbar_net_describe(const xbar_net *net, char *buf, size_t cap);

/**
 * Forward a batch X[batch][in_size] (batch >= 1, finite: X is kept for the
 * step) through every layer; Y[batch][out_size] (may be NULL) receives the
 * last layer's output (the logits). X is copied; activations are kept for
 * xbar_net_backward. Analog layers read their tiles through the forward IO.
 * Work buffers grow to the largest batch seen. Training order: forward, loss,
 * backward, step; a forward (or evaluate) discards the gradients of an earlier
 * backward (a refused one does not).
 */
xbar_status xbar_net_forward(xbar_net *net, float *Y, const float *X, size_t batch);
/**
 * Log-softmax + NLL of the last forward: returns the mean loss over the
 * batch in *loss, the number of correct arg-max predictions in *correct
 * (either may be NULL), and seeds the output gradient (of the mean loss).
 * Labels (batch of them, batch = that of the last forward) must be < out_size.
 */
xbar_status xbar_net_loss(xbar_net *net, const uint8_t *labels, size_t batch, double *loss, size_t *correct);
/** Back-propagate the seeded gradient. Gradients of digital parameters are
 *  stored (see xbar_net_param); analog layers read W^T through the backward
 *  IO and keep (x, d) of each update sample for the step, d = scale * dL/dy.
 *  dX (batch x in_size) receives the gradient with respect to the input; when
 *  dX is NULL layer 0 skips it (and its backward read). */
xbar_status xbar_net_backward(xbar_net *net, float *dX);
/** Apply one optimizer step with learning rate lr to every layer: digital
 *  weights, biases and scales by SGD; analog weights through xbar_aw_update
 *  with all (x, d) samples of the batch (Tiki-Taka's fast tile uses fast_lr).
 *  XBAR_EINVAL if there was no backward since the last forward or step. */
xbar_status xbar_net_step(xbar_net *net, float lr);
/** forward + loss + backward + step on one batch. X, labels and lr are checked
 *  first, so a refused call changes nothing; loss and correct may be NULL. */
xbar_status xbar_net_train_batch(xbar_net *net, const float *X, const uint8_t *labels, size_t batch, float lr,
                                 double *loss, size_t *correct);
/** Forward-only evaluation of n samples in batches of `batch` (>= 1): summed loss
 *  and correct count (loss_sum and correct may be NULL). X (n x in_size, finite)
 *  and labels are checked before the first batch. Analog reads advance the tiles'
 *  read counters (deterministic). */
xbar_status xbar_net_evaluate(xbar_net *net, const float *X, const uint8_t *labels, size_t n, size_t batch,
                              double *loss_sum, size_t *correct);

typedef enum { XBAR_PARAM_WEIGHT = 0, XBAR_PARAM_BIAS, XBAR_PARAM_SCALE } xbar_param_kind;
/**
 * Parameter `which` of layer l: *value (NULL for an analog weight, whose
 * values live in tiles: use xbar_net_layer_aw) and *grad (gradient of the last
 * backward; NULL for an analog weight), *n entries. Values are writable (a
 * digital weight is the optimizer's storage). BIAS exists when spec.bias is
 * set, SCALE for analog layers with out_scaling. Any output pointer may be
 * NULL. Returns XBAR_EINVAL if l >= n_layers or the layer has no such parameter.
 * Values written here are the caller's: they are not checked.
 */
xbar_status xbar_net_param(xbar_net *net, size_t l, xbar_param_kind which, float **value, float **grad, size_t *n);
/** The analog weight of layer l: NULL if the layer has none or is digital, and
 *  NULL with the error set if net is NULL or l >= n_layers. */
xbar_aw *xbar_net_layer_aw(xbar_net *net, size_t l);
/** Device pulses of every analog layer (0 for a NULL net). */
uint64_t xbar_net_pulse_count(const xbar_net *net);
/** Pulses and events of every analog layer by phase (xbar_aw_pulse_counts, summed);
 *  XBAR_EINVAL if net or pc is NULL. */
xbar_status xbar_net_pulse_counts(const xbar_net *net, xbar_pulse_counts *pc);
/** xbar_aw_observe_loss on every analog layer (`xbar train` calls it after each epoch with the
 *  epoch's mean training loss). XBAR_EINVAL if net is NULL or loss is not finite. */
xbar_status xbar_net_observe_loss(xbar_net *net, double loss);

/** Where a network holds a non-finite value (see xbar_net_find_nonfinite). */
typedef struct {
    size_t layer;         /* layer index */
    xbar_layer_kind kind; /* its kind */
    size_t rows, cols;    /* its weight matrix (out x fan_in); 0 x 0 for a layer without weights */
    const char *what;     /* static text: "weights" (digital storage, the only tile, or Tiki-Taka's
                             slow tile C), "fast tile A" (Tiki-Taka), "bias", "output scale",
                             "activations" (the layer's output of the last forward) or "gradients"
                             (dL/d(output) and the tile gradient of the last backward) */
    size_t index;         /* element index within `what` */
    float value;          /* the value found: NaN, +Inf or -Inf */
} xbar_nonfinite;

/** What xbar_net_find_nonfinite scans (or-ed). */
enum {
    XBAR_FIND_PARAMS = 1,      /* weights (every tile), biases, output scales: one pass over the parameters */
    XBAR_FIND_ACTIVATIONS = 2, /* every layer's output of the last forward / evaluate batch: batch x outputs */
    XBAR_FIND_GRADIENTS = 4    /* after xbar_net_backward (before the step): dL/d(output) of every layer and
                                  the analog layers' tile gradients; skipped at other times */
};

/**
 * The first NaN or +-Inf in the network, in layer order; within a layer in
 * the order of xbar_nonfinite.what above, limited to the quantities in
 * `which`. Activations and gradients cost O(batch x outputs), far less than a
 * forward pass, so a training loop can check them every batch; parameters
 * cost one pass over the weights. No allocation.
 * @return 1 with *where filled (where may be NULL), or 0 if every value scanned is
 * finite (and 0 with the error set if net is NULL).
 */
int xbar_net_find_nonfinite(const xbar_net *net, unsigned which, xbar_nonfinite *where);

/** Save / load the whole mutable state of the network (every layer's
 *  parameters and tile state) in the format of xbar_aw_save. Load requires a
 *  network built from the same specs and fails with XBAR_EFORMAT otherwise. */
xbar_status xbar_net_save(const xbar_net *net, FILE *f);
xbar_status xbar_net_load(xbar_net *net, FILE *f);

/* ------------------------------------------------------------------------ */
/* Key/value constructors: objects from "section.key=value" assignments     */
/* ------------------------------------------------------------------------ */

/*
 * The keys of the config files (section "Key/value configuration"), so that
 * a binding in another language builds tiles, optimizers and networks from
 * strings instead of mirroring the C structs. An assignment is
 * "section.key=value" exactly as `xbar --set` takes it (blanks around the
 * names and the value are ignored). Assignments apply in order, each one
 * field: device.model=M changes the model only (the other device fields keep
 * their values), so give the model's parameters too. A refused assignment
 * returns XBAR_EINVAL (constructors: NULL) and leaves the struct as it was;
 * xbar_last_error() names the assignment, key and value:
 *   "device.tau = -1: must be > 0"
 *   "device.taux = 1: unknown key (keys of [device]: model, tau, ...)"
 *   "devic.tau = 1: unknown key (sections: device, update, forward, ...)"
 *   "'device.tau': expected section.key=value"
 * Sections:
 *   device, update, forward, backward   the tile's xbar_device_params,
 *                                       xbar_update_params and the two
 *                                       xbar_io_params (keys of
 *                                       xbar_device_keys, xbar_update_keys,
 *                                       xbar_io_keys)
 *   tile.seed, tile.id                  xbar_tile_config.seed and .id (id
 *                                       in [0, 2^31) by key)
 *   optimizer                           xbar_opt_params (xbar_opt_keys)
 *   transfer                            its transfer_update: scheme, desired_bl,
 *                                       bl_management, update_management,
 *                                       compose_pulses
 *   transfer_io                         its transfer_io (xbar_io_keys)
 *   model                               networks: layers, digital_layers,
 *                                       bias, out_scaling (xbar_net_keys)
 */

/** Apply one assignment of the section device ("device.tau=0.5") to p. */
xbar_status xbar_device_params_set(xbar_device_params *p, const char *assignment);
/** Apply one assignment of the sections device, update, forward, backward or tile. */
xbar_status xbar_tile_config_set(xbar_tile_config *c, const char *assignment);
/** Apply one assignment of the sections optimizer, transfer or transfer_io. */
xbar_status xbar_opt_params_set(xbar_opt_params *o, const char *assignment);

/**
 * A tile from xbar_tile_config_defaults(rows, cols) (ALD device, aihwkit's
 * update and IO defaults, seed 0, id 0) and the assignments[0..n) (tile
 * sections); then a piecewise device's node tables are read from
 * device.piecewise_file (xbar_device_load_nodes) and the tile is built as
 * xbar_tile_new. NULL on error.
 */
xbar_tile *xbar_tile_new_kv(size_t rows, size_t cols, const char *const *assignments, size_t n);
/**
 * An optimizer from xbar_tile_config_defaults(rows, cols) and
 * xbar_opt_defaults(XBAR_OPT_ANALOG_SGD), then the assignments (tile and
 * optimizer sections), the node tables as xbar_tile_new_kv, built as
 * xbar_aw_new. NULL on error.
 */
xbar_aw *xbar_aw_new_kv(size_t rows, size_t cols, const char *const *assignments, size_t n);

/** Layer list presets of the paper (spec §5.4): "fcn" = "linear:256 sigmoid
 *  linear:128 sigmoid linear:10", "cnn" = "conv:16:5 tanh maxpool:2 conv:32:5
 *  tanh maxpool:2 tanh linear:128 tanh linear:10"; NULL for another name. */
const char *xbar_layers_preset(const char *name);
/**
 * Parse a layer list (model.layers): tokens separated by blanks or commas,
 * "linear:OUT", "conv:OUT:K[:STRIDE[:PAD]]", "maxpool:K", "sigmoid", "tanh",
 * "relu" (numbers in [0, 10^6]), or a preset name. out[0..*n) get
 * xbar_layer_defaults of their kind with the sizes given. XBAR_EINVAL:
 * "model.layers: 'conv:16': expected conv:OUT:K[:STRIDE[:PAD]]",
 * "model.layers: more than CAP layers", "model.layers = '': no layers".
 */
xbar_status xbar_layers_parse(xbar_layer_spec *out, size_t cap, size_t *n, const char *text);

/** A network as the config files describe it: [model] and the tile and
 *  optimizer sections shared by every analog layer. */
typedef struct {
    char layers[XBAR_KEY_STR_MAX];         /* model.layers: a layer list or preset. Default "" */
    char digital_layers[XBAR_KEY_STR_MAX]; /* model.digital_layers: comma list of linear / conv layer
                                              indices kept digital. Default "" */
    int bias, out_scaling;                 /* model.bias, model.out_scaling. Default 1, 1 */
    xbar_opt_params opt;                   /* optimizer, transfer, transfer_io of every weight layer.
                                              Default xbar_opt_defaults(XBAR_OPT_ANALOG_SGD) */
    xbar_tile_config tile;                 /* device, update, forward, backward, tile.seed of the analog
                                              layers (rows, cols, id: set by the network). Default
                                              xbar_tile_config_defaults(1, 1) */
} xbar_net_config;

/** Rows of the [model] section (offsets into xbar_net_config). */
const xbar_key *xbar_net_keys(void);
/** The defaults above. */
xbar_net_config xbar_net_config_defaults(void);
/** Apply one assignment of any section above (model, tile and optimizer sections). */
xbar_status xbar_net_config_set(xbar_net_config *c, const char *assignment);
/**
 * The layer specs of c (at most cap): xbar_layers_parse of c->layers, then
 * every linear / conv layer gets bias, out_scaling, opt and tile from c, and
 * the layers of model.digital_layers opt.kind DIGITAL ("model.digital_layers
 * = '7': '7' is not the index of a linear or conv layer (0..4)"). If a layer
 * is analog, the node tables of c->tile.device are read as xbar_tile_new_kv.
 * The xbar program's `train` builds its network so.
 */
xbar_status xbar_net_config_layers(const xbar_net_config *c, xbar_layer_spec *out, size_t cap, size_t *n);
/**
 * A network for samples of shape (in_c, in_h, in_w) from
 * xbar_net_config_defaults() with tile.seed = seed, then the assignments
 * (model.layers is required), built as xbar_net_new(layers,
 * xbar_net_config_layers, in_c, in_h, in_w, seed). NULL on error.
 */
xbar_net *xbar_net_new_kv(size_t in_c, size_t in_h, size_t in_w, const char *const *assignments, size_t n,
                          uint64_t seed);

/* ------------------------------------------------------------------------ */
/* Data: IDX files (MNIST / Fashion-MNIST format), gzip-compressed or plain  */
/* ------------------------------------------------------------------------ */

/** An image set: n images of rows x cols unsigned bytes and n labels. */
typedef struct {
    size_t n, rows, cols;
    uint8_t *images; /* n*rows*cols pixel values 0..255, row-major per image */
    uint8_t *labels; /* n labels, each < n_classes */
} xbar_idx_set;

/**
 * Load an IDX image file (magic 0x00000803, 3 dimensions) and its IDX label
 * file (magic 0x00000801, 1 dimension), each gzip-compressed (one or more
 * members, nothing after them) or plain. Only regular files are read (a FIFO
 * or a device is refused before it is opened), and never more than the
 * header announces: a plain file of another size is refused before anything
 * is allocated. Checks the magic numbers, dimensions, that both files hold
 * the same count, that the data is complete (no truncation, no trailing
 * bytes) and that every label is < n_classes. Errors name the file and what
 * is wrong (XBAR_EIO: unreadable or not a regular file; XBAR_EFORMAT:
 * malformed, a corrupt gzip stream included; XBAR_EINVAL: a NULL argument).
 * s is zeroed on error (when not NULL).
 */
xbar_status xbar_idx_load(xbar_idx_set *s, const char *images_path, const char *labels_path, int n_classes);
void xbar_idx_free(xbar_idx_set *s);

/* ------------------------------------------------------------------------ */
/* Least-squares experiments: the paper's curves as one call               */
/* ------------------------------------------------------------------------ */

/* The paper's least-squares experiments (§5.0-5.3) and the Theorem 3
 * lower-bound instance (§4.2) as a library routine: one call runs one curve
 * (docs/model.md); the xbar program's `lsq` and `reproduce` commands expand
 * presets and sweeps into calls of xbar_lsq_run. */

/** The problem: least squares (loss = MSE of A W + bias against b, over D;
 *  halved with `half`), or the Theorem 3 instance f(w) = L/2 ||w - w*||^2 with
 *  Gaussian gradient noise of std `noise`. */
typedef enum { XBAR_LSQ_PROBLEM_LSQ = 0, XBAR_LSQ_PROBLEM_THM3 = 1 } xbar_lsq_problem;

/** Curve kinds: the algorithm and the fidelity level.
 *  dynamic = dense gradient + Gaussian gradient noise (std `noise` per
 *            parameter), analog update through the tile's dense scheme
 *            (expected = eq. 3 / count), bias analog too (as the authors' code);
 *  pulse   = aihwkit-like: forward through the tile with weight-read noise
 *            (w_noise = noise, or noise/s_A with noise_correction), per-sample
 *            rank-1 pulsed updates, digital bias. */
typedef enum {
    XBAR_LSQ_DIGITAL = 0,
    XBAR_LSQ_ANALOG_DYNAMIC,
    XBAR_LSQ_ANALOG_PULSE,
    XBAR_LSQ_TT_DYNAMIC,
    XBAR_LSQ_TT_PULSE,
    XBAR_LSQ_KIND_COUNT_
} xbar_lsq_kind;

/** Kind name ("digital", "analog_dynamic", "analog_pulse", "tt_dynamic",
 *  "tt_pulse"; "?" out of range) and its inverse (-1 for NULL or unknown). */
const char *xbar_lsq_kind_name(xbar_lsq_kind k);
int xbar_lsq_kind_from_name(const char *name);

/** One curve's set-up (plain struct; see xbar_lsq_setup_defaults()). */
typedef struct {
    int problem;           /* xbar_lsq_problem */
    int dim;               /* D: number of weights (lsq: inputs; thm3: coordinates) */
    int rows;              /* D_out: rows of A (lsq) */
    double w_star_scale;   /* W* = w_star_scale * N(0,1) (lsq); thm3: w* value */
    double a_scale;        /* A = a_scale * N(0,1) */
    double bias_true;      /* b = A W* + bias_true */
    int half;              /* 1: training loss = MSE/2, 0: MSE */
    int iterations;        /* K */
    char init[256];        /* "zero", "const:X" (weights and bias = X), "gd:N" (N noise-free GD steps) */
    double noise;          /* gradient-noise std per parameter (dynamic) / w_noise (pulse) / sigma (thm3) */
    int noise_correction;  /* pulse: w_noise = noise / s_A (mean singular value of A) */
    double lr;             /* alpha; Tiki-Taka: SGD lr that scales the transfer */
    double L;              /* thm3: smoothness constant */
    int states;            /* > 0: dw_min = tau / states (ALD) */
    uint64_t data_seed;    /* seed of A and W* */
    uint64_t seed;         /* seed of noise, pulses and reads */
    xbar_device_params device;
    xbar_update_params update;
    xbar_opt_params opt;   /* Tiki-Taka parameters (kind is set by the curve) */
} xbar_lsq_setup;

/** Defaults: lsq problem, D = 40, 100 rows, 2500 iterations, lr 0.1, ideal
 *  ALD device (tau = 3, dw_min = 1e-4), desired_bl = 800, Tiki-Taka defaults. */
xbar_lsq_setup xbar_lsq_setup_defaults(void);
/** NULL if consistent (for curve kind `kind`), else a message naming the key
 *  and value (also for s = NULL). */
const char *xbar_lsq_setup_check(const xbar_lsq_setup *s, xbar_lsq_kind kind);

/** One curve's result; the four arrays are one allocation owned by the result. */
typedef struct {
    int n;                 /* iterations recorded (= iterations) */
    float *loss;           /* f(W_k) - f*: training loss / D (lsq) or f (thm3) */
    float *grad2;          /* ||grad f(W_k)||^2 (noise-free) */
    float *winf;           /* ||W_k||_inf / tau over the analog weights (0 digital) */
    float *pinf;           /* Tiki-Taka: ||P_k||_inf / tau (0 otherwise) */
    double final_error;    /* mean loss over the last 10% of iterations */
    double w_err;          /* std over the D weights of W - W* (the weight-programming error),
                              mean over the last 10% of iterations */
    double S_K;            /* mean of (||W||^2/tau^2)/(1 - ||W||^2/tau^2) (thm3: after burn-in) */
    double sigma2;         /* E||eps||^2 of the gradient noise */
    double bound_4sigma2_SK;
    double grad2_mean;     /* mean ||grad f||^2 after burn-in (first 20%) */
    double ratio;          /* grad2_mean / (sigma2 S_K) */
    double ratio_paper;    /* grad2_mean / (4 sigma2 S_K) */
    double winf_max;       /* max_k ||W_k||_inf / tau */
    double w_noise;        /* read noise actually used (pulse kinds) */
    uint64_t pulses;       /* device pulses fired */
    double seconds;        /* wall time of the run */
} xbar_lsq_result;

/** Run one curve. r is zeroed, then filled, and owns its arrays
 *  (xbar_lsq_result_free). Deterministic: the numbers depend on s and kind
 *  only, not on the thread count. XBAR_EINVAL for a set-up refused by
 *  xbar_lsq_setup_check, by the optimizer or tile, or a non-finite initial
 *  point; XBAR_ENOMEM. r stays zeroed on an error before the first iteration;
 *  an error during the run returns what was recorded (r owns it). */
xbar_status xbar_lsq_run(const xbar_lsq_setup *s, xbar_lsq_kind kind, xbar_lsq_result *r);
/** Release r's arrays and zero *r; NULL is a no-op. */
void xbar_lsq_result_free(xbar_lsq_result *r);

/* ------------------------------------------------------------------------ */
/* Threads                                                                  */
/* ------------------------------------------------------------------------ */

/** Threads used by the library's parallel loops (default 1; the library never
 *  starts threads the caller did not ask for). Results do not depend on it.
 *  It also keeps OpenBLAS single-threaded (products are split over these
 *  threads in a fixed partition).
 *  Waiting: the loops are OpenMP. libgomp's idle threads spin for about 3 ms
 *  (GOMP_SPINCOUNT 300000) before they sleep, so when other processes use the
 *  cores, n > 1 runs many times slower than n = 1 (docs/performance.md,
 *  "Threads on a shared machine"). The xbar program waits passively; a program
 *  that embeds the library should start with OMP_WAIT_POLICY=passive in its
 *  environment (libgomp reads it when it is loaded, before main, so setenv()
 *  in main is too late), e.g. `OMP_WAIT_POLICY=passive ./myprog`, or keep
 *  n = 1 on a shared machine. The xbar program's default n is the CPUs the
 *  process may use (affinity mask capped by the cgroup CPU quota). */
void xbar_set_threads(int n);
int xbar_get_threads(void);

/* ------------------------------------------------------------------------ */
/* Run configurations by key: the settings of `xbar lsq` and `xbar train`   */
/* ------------------------------------------------------------------------ */

/*
 * For bindings in other languages: the settings of the xbar program's `lsq` and
 * `train` commands, with the program's defaults, built from the same
 * "section.key=value" assignments as its config files and --set (see "Key/value
 * constructors": same syntax, same messages), so that a binding runs the same
 * experiment bit for bit without mirroring the C structs. Values read back as
 * text in the form config.ini holds them.
 */

/** A heap copy of the `xbar lsq` defaults: xbar_lsq_setup_defaults() with
 *  opt.slow_device = device. Free with xbar_lsq_setup_free. NULL: out of memory. */
xbar_lsq_setup *xbar_lsq_setup_new(void);
void xbar_lsq_setup_free(xbar_lsq_setup *s);
/** Apply one assignment to s. Sections: lsq (problem, dim, rows, w_star_scale, a_scale,
 *  bias_true, half, iterations, init, noise, noise_correction, lr, L, states, data_seed,
 *  seed: the fields of xbar_lsq_setup), device, update, optimizer, transfer (the first
 *  five update keys, into opt.transfer_update) and slow_device (opt.slow_device). The
 *  program's other [lsq] keys (kinds, sweep_key, sweep_values, ema, preset) choose
 *  curves and plots and are not here. */
xbar_status xbar_lsq_setup_set(xbar_lsq_setup *s, const char *assignment);
/** The value of "section.key" of s as text into buf (truncated to cap).
 *  XBAR_EINVAL for an unknown key. */
xbar_status xbar_lsq_setup_get(const xbar_lsq_setup *s, const char *key, char *buf, size_t cap);
/** Read the node tables of s->device.piecewise_file (xbar_device_load_nodes), as the
 *  program does for each curve before running it. */
xbar_status xbar_lsq_setup_load_nodes(xbar_lsq_setup *s);

/** The network part of the `xbar train` defaults ([model] fcn with bias and output
 *  scales, Tiki-Taka, the soft-bounds reference device below, aihwkit's update and IO
 *  defaults, transfer reads without noise or bound management): the one source of the
 *  program's defaults and of xbar_train_config_new's. */
xbar_net_config xbar_train_net_defaults(void);
/** The configuration of a training run of `xbar train` (opaque). */
typedef struct xbar_train_config xbar_train_config;
/** The `xbar train` defaults (the paper's MNIST FCN with Tiki-Taka on a soft-bounds
 *  reference device, w_max = -w_min = 0.78, dw_min = 0.001, construction_seed 10;
 *  80 epochs, batch 10, lr 0.05, StepLR 35 / 0.1, seed 0). NULL: out of memory. */
xbar_train_config *xbar_train_config_new(void);
void xbar_train_config_free(xbar_train_config *c);
/** Apply one assignment. Sections: data (set, dir, train_limit, test_limit), model,
 *  train (epochs, batch, epoch_samples, eval_batch, lr, lr_step, lr_gamma, seed,
 *  memory_budget_mib, timings), optimizer, device, update, transfer, forward,
 *  backward, transfer_io and slow_device. */
xbar_status xbar_train_config_set(xbar_train_config *c, const char *assignment);
/** The value of "section.key" of c as text into buf (truncated to cap).
 *  XBAR_EINVAL for an unknown key. */
xbar_status xbar_train_config_get(const xbar_train_config *c, const char *key, char *buf, size_t cap);
/**
 * The network of c for samples of shape (in_c, in_h, in_w), built as `xbar train`
 * builds it: xbar_net_config_layers of c's [model], tile and optimizer sections with
 * tile.seed = train.seed (at most 32 layers), the program's checks (the learning-rate
 * schedule within float32 range; with an analog layer: dw_min below the device's
 * range, the devices, the optimizer and the IO), then xbar_net_new(..., train.seed).
 * NULL on error. [data] and the [train] schedule are the caller's (the epoch loop).
 */
xbar_net *xbar_train_config_net(const xbar_train_config *c, size_t in_c, size_t in_h, size_t in_w);

#ifdef __cplusplus
}
#endif
XBAR_API_END
#endif /* XBAR_H */
