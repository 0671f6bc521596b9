/* parity.c - shared helpers of the aihwkit parity cases (see parity.h). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file_read.h"
#include "parity.h"

/* ---- JSON ---- */

/* Most bytes of a fixture file (the largest, case7, is 189 KB). */
#define PARITY_JSON_MAX ((size_t)16 << 20)

int parity_load(const char *dir, const char *file, cJSON **root)
{
    char path[1024], why[XBAR_FILE_WHY_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    *root = NULL;
    if (access(path, F_OK)) {
        printf("SKIP: %s not found\n", path);
        return PARITY_SKIP;
    }
    char *buf;
    size_t len;
    if (xbar_file_read_all(path, PARITY_JSON_MAX, "a parity fixture", &buf, &len, why, sizeof why)) {
        printf("FAIL: %s: %s\n", path, why);
        return PARITY_FAIL;
    }
    *root = cJSON_ParseWithLength(buf, len);
    free(buf);
    if (!*root) {
        printf("FAIL: %s is not JSON\n", path);
        return PARITY_FAIL;
    }
    return PARITY_PASS;
}

double parity_num(const cJSON *obj, const char *key, double def)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsNumber(v) ? v->valuedouble : cJSON_IsBool(v) ? (double)cJSON_IsTrue(v) : def;
}

int parity_floats(const cJSON *arr, float *out, int max)
{
    if (!cJSON_IsArray(arr)) return -1;
    int n = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, arr) {
        if (!cJSON_IsNumber(v) || n >= max) break;
        out[n++] = (float)v->valuedouble;
    }
    return n;
}

float *parity_matrix(const cJSON *m, size_t *rows, size_t *cols)
{
    if (!cJSON_IsArray(m)) return NULL;
    const int flat = !cJSON_IsArray(cJSON_GetArrayItem(m, 0));
    size_t r = flat ? 1 : (size_t)cJSON_GetArraySize(m);
    size_t c = (size_t)cJSON_GetArraySize(flat ? m : cJSON_GetArrayItem(m, 0));
    float *out = malloc((r * c > 0 ? r * c : 1) * sizeof(float));
    for (size_t i = 0; out && i < r; i++) {
        const cJSON *row = flat ? m : cJSON_GetArrayItem(m, (int)i);
        if (parity_floats(row, out + i * c, (int)c) != (int)c || cJSON_GetArraySize(row) != (int)c) {
            free(out);
            return NULL;
        }
    }
    *rows = r;
    *cols = c;
    return out;
}

double parity_at(const cJSON *arr, int nidx, const int *idx)
{
    for (int k = 0; k < nidx && arr; k++) arr = cJSON_IsArray(arr) ? cJSON_GetArrayItem(arr, idx[k]) : NULL;
    return cJSON_IsNumber(arr) ? arr->valuedouble : NAN;
}

int parity_update(const cJSON *u, xbar_update_params *out, const char **why)
{
    static const struct {
        const char *name;
        xbar_scheme scheme;
    } types[] = {{"StochasticCompressed", XBAR_SCHEME_STOCHASTIC}, {"DeterministicImplicit", XBAR_SCHEME_IMPLICIT}};
    const char *pt = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(u, "pulse_type"));
    *out = xbar_update_defaults();
    *why = NULL;
    size_t t = 0;
    while (t < sizeof types / sizeof types[0] && (!pt || strcmp(pt, types[t].name))) t++;
    if (t == sizeof types / sizeof types[0]) *why = "pulse_type not modelled";
    else if (parity_num(u, "fixed_bl", 1) != 1) *why = "fixed_bl = False not modelled";
    else if (parity_num(u, "res", 0) != 0) *why = "res != 0 not modelled";
    else if (parity_num(u, "sto_round", 0) != 0) *why = "sto_round not modelled";
    else if (parity_num(u, "d_sparsity", 0) != 0) *why = "d_sparsity not modelled";
    else if (parity_num(u, "um_grad_scale", 1) != 1) *why = "um_grad_scale != 1 not modelled";
    else if (parity_num(u, "x_res_implicit", 0) != 0 || parity_num(u, "d_res_implicit", 0) != 0)
        *why = "x_res_implicit / d_res_implicit != 0 not modelled";
    if (*why) return 0;
    out->scheme = types[t].scheme;
    out->desired_bl = (int)parity_num(u, "desired_bl", out->desired_bl);
    out->update_bl_management = (int)parity_num(u, "update_bl_management", out->update_bl_management);
    out->update_management = (int)parity_num(u, "update_management", out->update_management);
    return 1;
}

/* ---- Devices ---- */

static const struct {
    const char *cls;
    xbar_device_model model;
} classes[] = {{"ConstantStepDevice", XBAR_DEV_CONSTANT_STEP}, {"LinearStepDevice", XBAR_DEV_LINEAR_STEP},
               {"SoftBoundsDevice", XBAR_DEV_SOFT_BOUNDS},     {"SoftBoundsReferenceDevice", XBAR_DEV_SOFT_BOUNDS_REF},
               {"ExpStepDevice", XBAR_DEV_EXP_STEP},           {"PowStepDevice", XBAR_DEV_POW_STEP},
               {"PiecewiseStepDevice", XBAR_DEV_PIECEWISE_STEP}};

int parity_device(const cJSON *dev, const char *device_class, xbar_device_params *p)
{
    size_t c = 0;
    while (c < sizeof classes / sizeof classes[0] && (!device_class || strcmp(classes[c].cls, device_class))) c++;
    if (c == sizeof classes / sizeof classes[0]) return 0;
    *p = xbar_device_defaults(classes[c].model);
    /* aihwkit field name -> xbar field */
    const struct {
        const char *key;
        float *f;
    } fields[] = {{"dw_min", &p->dw_min},           {"w_max", &p->w_max},
                  {"w_min", &p->w_min},             {"up_down", &p->up_down},
                  {"dw_min_dtod", &p->dw_min_dtod}, {"up_down_dtod", &p->up_down_dtod},
                  {"w_max_dtod", &p->w_max_dtod},   {"w_min_dtod", &p->w_min_dtod},
                  {"dw_min_std", &p->dw_min_std},   {"gamma_up", &p->gamma_up},
                  {"gamma_down", &p->gamma_down},   {"pow_gamma", &p->pow_gamma},
                  {"pow_up_down", &p->pow_up_down}, {"A_up", &p->exp_A_up},
                  {"A_down", &p->exp_A_down},       {"a", &p->exp_a},
                  {"b", &p->exp_b},                 {"reference_mean", &p->reference_mean}};
    for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++)
        *fields[k].f = (float)parity_num(dev, fields[k].key, *fields[k].f);
    p->mult_noise = (int)parity_num(dev, "mult_noise", p->mult_noise);
    p->mean_bound_reference = (int)parity_num(dev, "mean_bound_reference", p->mean_bound_reference);
    p->construction_seed = (uint64_t)parity_num(dev, "construction_seed", 0);
    int nu = parity_floats(cJSON_GetObjectItemCaseSensitive(dev, "piecewise_up"), p->piecewise_up, XBAR_PIECEWISE_MAX);
    int nd = parity_floats(cJSON_GetObjectItemCaseSensitive(dev, "piecewise_down"), p->piecewise_down,
                           XBAR_PIECEWISE_MAX);
    if (nu > 0) p->piecewise_n = nu;
    if (nu != nd) return 0;
    return 1;
}

int parity_set_hidden(xbar_devices *d, const cJSON *hidden)
{
    const struct {
        const char *key;
        float *a;
    } map[] = {{"max_bound", d->b_max}, {"min_bound", d->b_min}, {"dwmin_up", d->s_up},  {"dwmin_down", d->s_dn},
               {"slope_up", d->a_up},   {"slope_down", d->a_dn}, {"gamma_up", d->a_up},  {"gamma_down", d->a_dn}};
    int set = 0;
    /* xbar's reference is one value for every device (aihwkit's reference_std = 0) */
    const cJSON *ref = cJSON_GetObjectItemCaseSensitive(hidden, "reference");
    if (cJSON_IsNumber(ref)) {
        d->ref = (float)ref->valuedouble;
        set++;
    } else if (cJSON_IsArray(ref) && cJSON_GetArraySize(ref) > 0) {
        float r0 = (float)cJSON_GetArrayItem(ref, 0)->valuedouble;
        const cJSON *v;
        cJSON_ArrayForEach(v, ref) if ((float)v->valuedouble != r0) return -1;
        d->ref = r0;
        set++;
    }
    for (size_t k = 0; k < sizeof map / sizeof map[0]; k++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(hidden, map[k].key);
        if (cJSON_IsNumber(v))
            for (size_t i = 0; i < d->n; i++) map[k].a[i] = (float)v->valuedouble;
        else if (parity_floats(v, map[k].a, (int)d->n) != (int)d->n)
            continue;
        set++;
    }
    return set;
}

/* ---- Statistics ---- */

parity_stat parity_stat_of(const double *x, size_t n)
{
    parity_stat s = {(double)n, 0, 0, 0, 0};
    double m2 = 0, m4 = 0;
    if (n == 0) return s;
    /* mean about the first sample: exact (and std exactly 0) for constant data */
    for (size_t i = 0; i < n; i++) s.mean += (x[i] - x[0]) / (double)n;
    s.mean += x[0];
    for (size_t i = 0; i < n; i++) {
        const double e = (x[i] - s.mean) * (x[i] - s.mean);
        m2 += e;
        m4 += e * e / (double)n;
    }
    if (n < 4) return s;
    s.std = sqrt(m2 / (s.n - 1));
    s.se_mean = s.std / sqrt(s.n);
    const double v = m4 - pow(s.std, 4) * (s.n - 3) / (s.n - 1);
    s.se_std = s.std > 0 ? sqrt(fmax(v, 0.0) / s.n) / (2 * s.std) : 0.0;
    return s;
}

parity_stat parity_stat_json(const cJSON *o)
{
    parity_stat s = {parity_num(o, "n", 0), parity_num(o, "mean", NAN), parity_num(o, "std", NAN),
                     parity_num(o, "se_mean", NAN), parity_num(o, "se_std", NAN)};
    return s;
}

parity_stat parity_stat_json_at(const cJSON *o, int nidx, const int *idx)
{
    const char *keys[5] = {"n", "mean", "std", "se_mean", "se_std"};
    double v[5];
    for (int k = 0; k < 5; k++) {
        const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, keys[k]);
        v[k] = cJSON_IsNumber(f) ? f->valuedouble : parity_at(f, nidx, idx);
    }
    parity_stat s = {v[0], v[1], v[2], v[3], v[4]};
    return s;
}

static int within(double a, double sa, double b, double sb, double k, double floor, double *zmax)
{
    const double diff = fabs(a - b), se = sqrt(sa * sa + sb * sb);
    const double z = se > 0 ? diff / se : (diff > floor ? INFINITY : 0.0);
    if (!(z <= *zmax)) *zmax = z;
    return diff <= k * se + floor;
}

int parity_stat_ok(const parity_stat *impl, const parity_stat *ref, double k, double floor, double *zmax)
{
    const int m = within(impl->mean, impl->se_mean, ref->mean, ref->se_mean, k, floor, zmax);
    const int s = within(impl->std, impl->se_std, ref->std, ref->se_std, k, floor, zmax);
    return m && s;
}

void parity_tolerances(const cJSON *root, double *k_se, double *floor, double *tol_det)
{
    const cJSON *tol = cJSON_GetObjectItemCaseSensitive(root, "tolerance");
    const cJSON *tsto = cJSON_GetObjectItemCaseSensitive(tol, "stochastic");
    *k_se = parity_num(tsto, "n_se", 4);
    *floor = parity_num(tsto, "abs_floor", 1e-6);
    *tol_det = parity_num(cJSON_GetObjectItemCaseSensitive(tol, "deterministic"), "abs", 1e-6);
}
