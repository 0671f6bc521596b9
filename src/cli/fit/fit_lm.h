/* fit_lm.h - least squares of one model on the data, and its goodness of fit.
 *
 * Residuals: one per step i (a reading with pulses n_i != 0): r_i = w_i - P^(n_i)(w_{i-1}), the
 * measured weight minus the model's prediction from the previous reading (n_i pulses of the
 * model, each clipped to its bounds); for single pulses this is the measured step minus the
 * model's step at that state, per direction. Each residual is weighted by 1/sd of its step, from
 * a variance estimate of the data that is the same for every model (fit_lm.c, step_weights:
 * per direction and state bin, the scatter of the steps about a line), so that multiplicative
 * noise, larger where the steps are large, does not let a few large steps decide the fit or the
 * criterion. The weighted sum WRSS is minimised by MINPACK's Levenberg-Marquardt
 * (cminpack lmdif: forward-difference Jacobian, automatic variable scaling), from every
 * starting point of fit_starts, the smallest sum kept.
 * Reported, with m steps and k parameters:
 *   rmse     sqrt(RSS/m)
 *   r2       1 - RSS/TSS, TSS = sum over steps of (w_i - w_{i-1} - mean of that direction)^2:
 *            the share of the state dependence of the steps that the model explains
 *   aic, bic m ln(WRSS/m) + 2k, m ln(WRSS/m) + k ln m (Gaussian errors of the weighted
 *            residuals; WRSS/m floored at 1e-300)
 *   se       standard errors of the parameters: sqrt(diag(WRSS/(m - k) (J^T J)^-1)) (J weighted) on the
 *            internal variables (cminpack covar1), through d theta = theta d(log theta) for the
 *            logarithmic ones; NaN where J^T J is singular
 *   c2c_std  the cycle-to-cycle noise the residuals of single pulses imply, in the library's form
 *            for the model (mult_noise of xbar_device_ideal): sigma^2 = sum r^2 / sum c^2 with c the
 *            predicted step (multiplicative noise) or the nominal step of the direction (additive),
 *            over the pulses whose prediction is not clipped at a bound
 */
#ifndef XBAR_CLI_FIT_LM_H
#define XBAR_CLI_FIT_LM_H

#include "fit_models.h"

typedef struct {
    fit_model m;
    double th[FIT_MAX_P], se[FIT_MAX_P];
    size_t steps;     /* m */
    double rss, wrss; /* sum of squared residuals, unweighted and weighted */
    double rmse, r2, aic, bic, c2c_std;
    int nfev;         /* function evaluations over all starts */
    int info;         /* lmdif's info of the kept start */
} fit_result;

/** Fit model m to d. @return 0, or -1 with err (out of memory; fewer steps than parameters). */
int fit_run(const fit_model *m, const fit_data *d, fit_result *r, char *err, size_t n);

/** RMSE of the steps of d predicted pulse by pulse by the library device p (xbar_device_pulse,
 *  noise-free, float32): the same residuals as fit_run's, through the library. NaN on error. */
double fit_library_rmse(const xbar_device_params *p, const fit_data *d);

#endif
