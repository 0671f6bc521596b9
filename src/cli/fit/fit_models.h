/* fit_models.h - the device models `xbar fit` fits: each one a step function of the weight per
 * direction, in double precision, with its free parameters, starting points, and the library
 * device (xbar_device_params) it stands for. The formulas are the library's (docs/model.md (c));
 * tests/test_fit_cli.c checks them against the library's own pulses. With s_up, s_dn the nominal
 * steps, u = w - w_sp, R = b_max - b_min, one up / down pulse moves w by +step_up(w) / -step_dn(w),
 * then clips w to the model's bounds:
 *
 *   soft_bounds     s_up (1 - w/b_max), s_dn (1 - w/b_min)                      s_up s_dn b_max b_min
 *   ald             delta (1 - u/tau), delta (1 + u/tau)                        delta tau sym_point
 *   pow_step        s_up ((b_max - w)/R)^g_up, s_dn ((w - b_min)/R)^g_dn       s_up s_dn gamma_up gamma_down b_max b_min
 *   exp_paper       s_up (1 - e^(-g_up (b_max - w)/R)), s_dn (1 - e^(-g_dn (w - b_min)/R))   (the same six)
 *   exp_step        z = 2a w/R + b: s_up max(1 - A_up e^(g_up z), 0), s_dn max(1 - A_dn e^(-g_dn z), 0);
 *                   a, b the library's defaults (0.244, 0.2425), bounds the data's range
 *                                                                               s_up s_dn A_up A_down gamma_up gamma_down
 *   pow_zs          delta (1 - u/tau)^gamma, delta (1 + u/tau)^gamma            delta tau sym_point gamma_res
 *   exp_zs          delta (e^(gamma(1 -+ u/tau)) - 1)/(e^gamma - 1)             delta tau sym_point gamma_res
 *   piecewise_step  linear interpolation of N node steps per direction, nodes evenly over the
 *                   data's range                                                up_0..up_N-1 down_0..down_N-1
 *
 * (distances below a bound count as 0: a step is never negative where a power or an exponent
 * needs a positive base). The fit runs on internal variables: the logarithm of the parameters
 * that must be positive (steps, tau, exponents, amplitudes), the others as they are.
 */
#ifndef XBAR_CLI_FIT_MODELS_H
#define XBAR_CLI_FIT_MODELS_H

#include <stddef.h>

#include "fit_data.h"
#include "xbar.h"

enum { FIT_SOFT_BOUNDS, FIT_ALD, FIT_POW_STEP, FIT_EXP_PAPER, FIT_EXP_STEP, FIT_POW_ZS, FIT_EXP_ZS, FIT_PIECEWISE,
       FIT_NMODELS };

#define FIT_MAX_P (2 * XBAR_PIECEWISE_MAX) /* most parameters of a model */
#define FIT_MAX_STARTS 16                  /* most starting points */

/** One model with the data-derived constants it needs. */
typedef struct {
    int kind;       /* FIT_* */
    int np;         /* free parameters */
    int nodes;      /* piecewise_step: nodes */
    double lo, hi;  /* the data's weight range (bounds of exp_step and piecewise_step) */
} fit_model;

/** Model name (the library's device.model value), or "?". */
const char *fit_model_name(int kind);
/** The kind named by s[0..len), or -1. */
int fit_model_from_name(const char *s, size_t len);

/** The model `kind` for data d (nodes: piecewise_step's). */
fit_model fit_model_make(int kind, int nodes, const fit_data *d);

/** Name of parameter k into buf ("s_up", "up_3", ...); returns buf. */
const char *fit_param_name(const fit_model *m, int k, char *buf, size_t cap);
/** 1 if parameter k is fitted as its logarithm (it must be > 0). */
int fit_param_log(const fit_model *m, int k);

/** The step magnitude (>= 0 where the model is valid) of one up (up != 0) or down pulse at w. */
double fit_step(const fit_model *m, const double *th, double w, int up);
/** The model's bounds: where each pulse clips w. */
void fit_bounds(const fit_model *m, const double *th, double *lo, double *hi);

/** w after `count` pulses (sign = direction) from w0, each step clipped to the bounds. */
double fit_predict(const fit_model *m, const double *th, double w0, int count);

/**
 * Starting points for data d into th[k * FIT_MAX_P ...], at most FIT_MAX_STARTS. @return how many.
 */
int fit_starts(const fit_model *m, const fit_data *d, double *th);

/**
 * The library device of parameters th: xbar_device_ideal(model) (no variation) with the fitted
 * values; piecewise_step's node tables in p->piecewise_n / _up / _down (the caller sets
 * piecewise_file). @return NULL, or why the parameters are not a valid library device (the
 * library's own message).
 */
const char *fit_to_device(const fit_model *m, const double *th, xbar_device_params *p);

#endif
