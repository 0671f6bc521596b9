/* case4.c - aihwkit parity case 4: the forward pass of an 8 x 16 tile through
 * IOParameters (noise management, DAC, ADC, output noise, iterative bound
 * management) for three inputs (ordinary, large_max, saturating).
 * Deterministic entries (is_perfect, out_noise_0): every output within the
 * fixture's absolute tolerance (1e-5), including the float32 DAC rounding tie
 * of the saturating input at bound-management factor 2. Statistical entry
 * (default_io): per output, mean and std within k combined standard errors,
 * from as many forwards per input as the fixture (n_tiles fresh tiles x
 * reps_per_tile rows of one batch), xbar's Philox draws. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parity.h"
#include "util.h"

#define CASE4_SEED 20240612u

typedef struct {
    size_t m, n;             /* out_size, in_size */
    float *W;                /* m x n */
    float X[3][64];          /* inputs in input_order */
    const char *names[3];
    xbar_device_params dev;
} case4_in;

/* aihwkit enum string of key, "" if absent. */
static const char *str_of(const cJSON *o, const char *key)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
    return s ? s : "";
}

/* xbar IO parameters of an aihwkit IOParameters object; 0 (with a reason in
 * *why) if a field asks for something xbar does not model. */
static int io_of(const cJSON *j, xbar_io_params *io, const char **why)
{
    static const char *const zero[] = {"inp_asymmetry", "out_asymmetry", "out_noise_std", "ir_drop",
                                       "out_nonlinearity", "out_nonlinearity_std", "slope_calibration",
                                       "v_offset_std", "r_series", "w_read_asymmetry_dtod", "nm_thres"};
    *why = NULL;
    for (size_t k = 0; k < sizeof zero / sizeof zero[0]; k++)
        if (parity_num(j, zero[k], 0) != 0) *why = "an IO non-ideality xbar does not model is on";
    if (parity_num(j, "inp_sto_round", 0) != 0 || parity_num(j, "out_sto_round", 0) != 0)
        *why = "stochastic rounding not modelled";
    if (parity_num(j, "out_scale", 1) != 1) *why = "out_scale != 1 not modelled";
    if (parity_num(j, "bm_test_negative_bound", 1) != 1) *why = "bm_test_negative_bound = False not modelled";
    if (strcmp(str_of(j, "mv_type"), "OnePass") != 0) *why = "mv_type other than OnePass not modelled";
    const char *nm = str_of(j, "noise_management"), *bm = str_of(j, "bound_management");
    const char *wt = str_of(j, "w_noise_type");
    if (strcmp(nm, "AbsMax") != 0 && strcmp(nm, "None") != 0) *why = "noise_management not modelled";
    if (strcmp(bm, "Iterative") != 0 && strcmp(bm, "None") != 0) *why = "bound_management not modelled";
    if (strcmp(wt, "None") != 0 && strcmp(wt, "AdditiveConstant") != 0) *why = "w_noise_type not modelled";
    if (*why) return 0;
    *io = xbar_io_defaults();
    io->perfect = parity_num(j, "is_perfect", 0) != 0;
    io->inp_bound = (float)parity_num(j, "inp_bound", io->inp_bound);
    io->inp_res = (float)parity_num(j, "inp_res", io->inp_res);
    io->inp_noise = (float)parity_num(j, "inp_noise", io->inp_noise);
    io->out_bound = (float)parity_num(j, "out_bound", io->out_bound);
    io->out_res = (float)parity_num(j, "out_res", io->out_res);
    io->out_noise = (float)parity_num(j, "out_noise", io->out_noise);
    io->w_noise = strcmp(wt, "None") == 0 ? 0.0f : (float)parity_num(j, "w_noise", 0);
    io->noise_management = strcmp(nm, "AbsMax") == 0 ? XBAR_NM_ABS_MAX : XBAR_NM_NONE;
    io->bound_management = strcmp(bm, "Iterative") == 0 ? XBAR_BM_ITERATIVE : XBAR_BM_NONE;
    io->max_bm_factor = (float)parity_num(j, "max_bm_factor", io->max_bm_factor);
    io->max_bm_res = (float)parity_num(j, "max_bm_res", io->max_bm_res);
    return 1;
}

static xbar_tile *tile_of(const case4_in *in, const xbar_io_params *io, uint64_t seed)
{
    xbar_tile_config c = xbar_tile_config_defaults(in->m, in->n);
    c.device = in->dev;
    c.forward = *io;
    c.backward = xbar_io_plain();
    c.seed = seed;
    xbar_tile *t = xbar_tile_new(&c);
    if (t) xbar_tile_set_weights(t, in->W, in->n);
    return t;
}

static void run_exact(const char *name, const cJSON *e, const case4_in *in, double tol)
{
    xbar_io_params io;
    const char *why;
    if (!io_of(cJSON_GetObjectItemCaseSensitive(e, "io"), &io, &why)) {
        CHECK(0, "case4 %s: %s", name, why);
        return;
    }
    xbar_tile *t = tile_of(in, &io, CASE4_SEED);
    float X[3 * 64], Y[3 * 64];
    for (int r = 0; r < 3; r++) memcpy(X + r * in->n, in->X[r], in->n * sizeof(float));
    if (!t || xbar_tile_forward(t, Y, X, 3) != XBAR_OK) {
        CHECK(0, "case4 %s: %s", name, xbar_last_error());
        xbar_tile_free(t);
        return;
    }
    const cJSON *jy = cJSON_GetObjectItemCaseSensitive(e, "y");
    for (int r = 0; r < 3; r++) {
        double dev = 0;
        for (size_t i = 0; i < in->m; i++) {
            const int idx[2] = {r, (int)i};
            const double d = fabs(Y[r * in->m + i] - parity_at(jy, 2, idx));
            dev = isnan(d) ? INFINITY : fmax(dev, d);
            if (!(d <= tol))
                fprintf(stderr, "case4 %s %s: y[%zu] = %.9g, aihwkit %.9g\n", name, in->names[r], i,
                        (double)Y[r * in->m + i], parity_at(jy, 2, idx));
        }
        printf("case4 %-12s %-11s max |y - aihwkit| %.3g\n", name, in->names[r], dev);
        CHECK(dev <= tol, "case4 %s %s: max |y - aihwkit| %.3g > %.3g", name, in->names[r], dev, tol);
    }
    xbar_tile_free(t);
}

/* Per output of input r: n_tiles fresh tiles, one forward of reps identical rows each. */
static void run_stats(const cJSON *e, const case4_in *in, double k_se, double floor)
{
    xbar_io_params io;
    const char *why;
    const int n_tiles = (int)parity_num(e, "n_tiles", 40), reps = (int)parity_num(e, "reps_per_tile", 1000);
    const size_t N = (size_t)n_tiles * (size_t)reps, m = in->m, n = in->n;
    if (!io_of(cJSON_GetObjectItemCaseSensitive(e, "io"), &io, &why) || N < 4) {
        CHECK(0, "case4 default_io: %s", why ? why : "no repetitions");
        return;
    }
    double *smp = malloc(m * N * sizeof(double));
    float *X = malloc((size_t)reps * n * sizeof(float)), *Y = malloc((size_t)reps * m * sizeof(float));
    const cJSON *stats = cJSON_GetObjectItemCaseSensitive(e, "stats");
    for (int r = 0; r < 3 && smp && X && Y; r++) {
        for (int q = 0; q < reps; q++) memcpy(X + (size_t)q * n, in->X[r], n * sizeof(float));
        for (int k = 0; k < n_tiles; k++) {
            xbar_tile *t = tile_of(in, &io, CASE4_SEED + 1 + (uint64_t)k * 3 + (uint64_t)r);
            if (!t || xbar_tile_forward(t, Y, X, (size_t)reps) != XBAR_OK) {
                CHECK(0, "case4 default_io: %s", xbar_last_error());
                xbar_tile_free(t);
                goto done;
            }
            for (int q = 0; q < reps; q++)
                for (size_t i = 0; i < m; i++) smp[i * N + (size_t)k * reps + q] = Y[(size_t)q * m + i];
            xbar_tile_free(t);
        }
        const cJSON *ref_r = cJSON_GetObjectItemCaseSensitive(stats, in->names[r]);
        double zmax = 0;
        for (size_t i = 0; i < m; i++) {
            const int idx[1] = {(int)i};
            const parity_stat mine = parity_stat_of(smp + i * N, N), ref = parity_stat_json_at(ref_r, 1, idx);
            double z = 0;
            const int ok = parity_stat_ok(&mine, &ref, k_se, floor, &z);
            CHECK(ok, "case4 default_io %s y[%zu]: mean %.8g (aihwkit %.8g), std %.8g (aihwkit %.8g), z %.2f > %g",
                  in->names[r], i, mine.mean, ref.mean, mine.std, ref.std, z, k_se);
            zmax = fmax(zmax, z);
        }
        printf("case4 default_io   %-11s max z %.2f over %zu forwards\n", in->names[r], zmax, N);
    }
    if (!smp || !X || !Y) CHECK(0, "case4 default_io: out of memory");
done:
    free(smp);
    free(X);
    free(Y);
}

/* W, inputs and device of the fixture; 0 if malformed. */
static int inputs_of(const cJSON *root, case4_in *in)
{
    const cJSON *inputs = cJSON_GetObjectItemCaseSensitive(root, "inputs");
    const cJSON *order = cJSON_GetObjectItemCaseSensitive(root, "input_order");
    in->W = parity_matrix(cJSON_GetObjectItemCaseSensitive(root, "W"), &in->m, &in->n);
    if (!in->W || in->n > 64 || cJSON_GetArraySize(order) != 3) return 0;
    for (int r = 0; r < 3; r++) {
        in->names[r] = cJSON_GetStringValue(cJSON_GetArrayItem(order, r));
        if (!in->names[r] ||
            parity_floats(cJSON_GetObjectItemCaseSensitive(inputs, in->names[r]), in->X[r], 64) != (int)in->n)
            return 0;
    }
    return parity_device(cJSON_GetObjectItemCaseSensitive(root, "device"),
                         cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "device_class")), &in->dev);
}

int parity_case4(const char *dir)
{
    cJSON *root;
    int rc = parity_load(dir, "case4_forward.json", &root);
    if (rc != PARITY_PASS) return rc;
    const int fails0 = xt_failures;
    case4_in in = {0};
    const cJSON *tol = cJSON_GetObjectItemCaseSensitive(root, "tolerance");
    const cJSON *results = cJSON_GetObjectItemCaseSensitive(root, "results");
    const double abs_tol = parity_num(cJSON_GetObjectItemCaseSensitive(tol, "deterministic"), "abs", 1e-5);
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(tol, "stochastic");
    if (!inputs_of(root, &in)) {
        CHECK(0, "case4: W, inputs or device malformed");
    } else {
        run_exact("is_perfect", cJSON_GetObjectItemCaseSensitive(results, "is_perfect"), &in, abs_tol);
        run_exact("out_noise_0", cJSON_GetObjectItemCaseSensitive(results, "out_noise_0"), &in, abs_tol);
        run_stats(cJSON_GetObjectItemCaseSensitive(results, "default_io"), &in, parity_num(st, "n_se", 4),
                  parity_num(st, "abs_floor", 1e-6));
    }
    free(in.W);
    cJSON_Delete(root);
    return xt_failures > fails0 ? PARITY_FAIL : PARITY_PASS;
}
