/*
 * parity.h - shared helpers of the aihwkit parity cases.
 *
 * Each case lives in tests/parity/caseN.c and exposes
 *     int parity_caseN(const char *dir);
 * returning PARITY_PASS, PARITY_FAIL or PARITY_SKIP (its JSON file is absent).
 * test_parity.c declares and registers the cases in one table. Fixture conventions and
 * tolerance rules: shared/fixtures/aihwkit/README.md.
 */
#ifndef XBAR_PARITY_H
#define XBAR_PARITY_H
#include <stddef.h>
#include <cjson/cJSON.h>
#include "xbar.h"

enum { PARITY_PASS = 0, PARITY_FAIL = 1, PARITY_SKIP = 77 };

/* ---- JSON ---- */

/* Load dir/file into *root: PARITY_PASS, PARITY_SKIP (file absent, a line is
 * printed) or PARITY_FAIL (unreadable or malformed). Free with cJSON_Delete. */
int parity_load(const char *dir, const char *file, cJSON **root);
/* Number at key (def if absent or not a number). */
double parity_num(const cJSON *obj, const char *key, double def);
/* Floats of a numeric array (at most max); the count read, -1 if not an array. */
int parity_floats(const cJSON *arr, float *out, int max);
/* A matrix given as a list of rows (or one flat list = one row) as malloc'd
 * row-major float32; NULL if ragged or not numeric. */
float *parity_matrix(const cJSON *m, size_t *rows, size_t *cols);
/* Element [idx[0]][idx[1]]...[idx[nidx-1]] of nested arrays; NAN if absent. */
double parity_at(const cJSON *arr, int nidx, const int *idx);
/* aihwkit UpdateParameters (JSON) -> xbar update parameters: pulse_type
 * StochasticCompressed -> XBAR_SCHEME_STOCHASTIC, DeterministicImplicit ->
 * XBAR_SCHEME_IMPLICIT; desired_bl, update_bl_management, update_management.
 * 0 (with a message in *why) if a field asks for something xbar does not model
 * (another pulse type, fixed_bl off, res, sto_round, d_sparsity, um_grad_scale != 1). */
int parity_update(const cJSON *u, xbar_update_params *out, const char **why);

/* The tolerances of a case's JSON root: tolerance.stochastic.n_se (k, default 4) and
 * .abs_floor (default 1e-6), tolerance.deterministic.abs (default 1e-6). */
void parity_tolerances(const cJSON *root, double *k_se, double *floor, double *tol_det);

/* ---- Devices ---- */

/* Device parameters from an aihwkit device class name and its JSON fields
 * (unnamed fields keep xbar's defaults of that model). 0 if the class is unknown. */
int parity_device(const cJSON *dev, const char *device_class, xbar_device_params *p);
/* Overwrite the per-device arrays with aihwkit's `hidden_parameters`
 * (per-weight lists, or one number for all). Returns the number of fields set. */
int parity_set_hidden(xbar_devices *d, const cJSON *hidden);

/* ---- Statistics (README "Statistics" and "Statistical tolerance") ---- */

typedef struct {
    double n, mean, std, se_mean, se_std;
} parity_stat;

/* Summary of n samples: std with n-1, se_std from the fourth central moment. */
parity_stat parity_stat_of(const double *x, size_t n);
/* Summary stored in the JSON (n, mean, std, se_mean, se_std). */
parity_stat parity_stat_json(const cJSON *o);
/* One statistic of a JSON summary whose fields are nested arrays (e.g.
 * mean[t][i][j]): the element at idx of n, mean, std, se_mean, se_std
 * (n may also be one number for all). */
parity_stat parity_stat_json_at(const cJSON *o, int nidx, const int *idx);
/* |m_impl - m_ref| <= k sqrt(se_impl^2 + se_ref^2) + floor for the mean and
 * for the std. Raises *zmax to the larger z = |diff| / combined SE. 1 if both pass. */
int parity_stat_ok(const parity_stat *impl, const parity_stat *ref, double k, double floor, double *zmax);

#endif
