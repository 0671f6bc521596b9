/* case7.c - aihwkit parity case 7: c-TTv2 (ChoppedTransferCompound) on a 4 x 6 tile, A and C
 * SoftBounds devices of different granularity, 60 single-sample updates from C = C0, A = 0.
 * Deterministic entries (DeterministicImplicit, regular choppers, with and without
 * auto_scale): every recorded A, C, H, W after every update within 1e-6, and the choppers,
 * counters, column pointer, EMAs and A's lr equal to aihwkit's. Stochastic entry (random
 * in and out choppers): final A, C, H, W mean and std within 4 combined standard errors over
 * the fixture's 3000 runs, and the fraction of runs with each in-chopper flipped.
 *
 * This file also holds the runner of the whole family (tf_parity_case, tf_parity.h), which
 * case6.c (ttv2) and case8.c (agad) call with their fixture. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parity.h"
#include "tf_parity.h"
#include "util.h"

#ifndef TF_PARITY_SEED
#define TF_PARITY_SEED 20260623u
#endif

typedef struct {
    size_t m, n, T; /* rows (out), cols (in), updates */
    float lr;
    float *C0, *X, *D; /* m x n, T x n, T x m */
    xbar_opt_kind kind;
    const char *tag; /* "case6" ... */
} tf_in;

/* xbar configuration of an entry; 0 with a reason if it asks for something xbar does not model. */
static int config_of(const cJSON *e, const tf_in *in, xbar_opt_params *o, xbar_tile_config *tc, const char **why)
{
    const cJSON *rpu = cJSON_GetObjectItemCaseSensitive(e, "rpu_config");
    const cJSON *devs = cJSON_GetObjectItemCaseSensitive(rpu, "unit_cell_devices");
    const cJSON *da = cJSON_GetArrayItem(devs, 0), *dc = cJSON_GetArrayItem(devs, 1);
    *why = NULL;
    *o = xbar_opt_defaults(in->kind);
    *tc = xbar_tile_config_defaults(in->m, in->n);
    tc->forward = tc->backward = xbar_io_plain();
    if (cJSON_GetArraySize(devs) != 2) {
        *why = "unit_cell_devices: need exactly two (A and C)";
        return 0;
    }
    static const char *const zero[] = {
        "dw_min_std",      "dw_min_dtod", "up_down_dtod", "w_max_dtod",           "w_min_dtod",
        "write_noise_std", "lifetime",    "diffusion",    "corrupt_devices_prob", "reset"};
    for (size_t k = 0; k < sizeof zero / sizeof zero[0]; k++)
        if (parity_num(da, zero[k], 0) != 0 || parity_num(dc, zero[k], 0) != 0)
            *why = "device variation / noise not modelled here";
    if (parity_num(rpu, "n_reads_per_transfer", 1) != 1 || parity_num(rpu, "transfer_columns", 1) != 1 ||
        parity_num(rpu, "with_reset_prob", 0) != 0 || parity_num(rpu, "random_selection", 0) != 0 ||
        parity_num(rpu, "scale_transfer_lr", 1) != 1 || parity_num(rpu, "correct_gradient_magnitudes", 0) != 0 ||
        parity_num(rpu, "experimental_correct_accumulation", 0) != 0 ||
        cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(rpu, "transfer_lr_vec")) > 0 ||
        cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(rpu, "transfer_every_vec")) > 0 ||
        cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(rpu, "gamma_vec")) > 0)
        *why = "compound option not modelled";
    const double every = parity_num(rpu, "transfer_every", 1);
    if (every != floor(every) || every < 1) *why = "transfer_every must be a positive integer";
    if (parity_num(cJSON_GetObjectItemCaseSensitive(rpu, "transfer_forward"), "is_perfect", 0) != 1)
        *why = "transfer_forward must be perfect";
    if (*why) return 0;
    if (!parity_update(cJSON_GetObjectItemCaseSensitive(e, "update"), &tc->update, why) ||
        !parity_update(cJSON_GetObjectItemCaseSensitive(rpu, "transfer_update"), &o->transfer_update, why))
        return 0;
    o->write_bl = o->transfer_update.desired_bl; /* the family writes with write_bl, no management */
    if (o->transfer_update.update_management || o->transfer_update.update_bl_management)
        *why = "transfer_update with update management (the family writes without)";
    if (*why) return 0;
    if (!parity_device(da, "SoftBoundsDevice", &tc->device) ||
        !parity_device(dc, "SoftBoundsDevice", &o->slow_device)) {
        *why = "device fields";
        return 0;
    }
    o->slow_device_own = 1;
    o->fast_lr = (float)parity_num(rpu, "fast_lr", 0);
    o->transfer_lr = (float)parity_num(rpu, "transfer_lr", 1);
    o->transfer_every = (int)every;
    o->units_in_mbatch = (int)parity_num(rpu, "units_in_mbatch", 0);
    o->gamma = (float)parity_num(rpu, "gamma", 0);
    o->transfer_io = xbar_io_plain();
    o->transfer_io.perfect = 1;
    o->transfer_read_noise = 0.0f;
    o->write_step = (float)parity_num(rpu, "step", 1);
    o->momentum = (float)parity_num(rpu, "momentum", 0);
    o->forget_buffer = (int)parity_num(rpu, "forget_buffer", 1);
    o->thres_scale = (float)parity_num(rpu, "thres_scale", 1);
    o->buffer_granularity = (float)parity_num(rpu, "buffer_granularity", 1);
    o->auto_granularity = (float)parity_num(rpu, "auto_granularity", 0);
    o->auto_scale = (int)parity_num(rpu, "auto_scale", 0);
    o->auto_momentum = (float)parity_num(rpu, "auto_momentum", 0.99);
    o->no_buffer = (int)parity_num(rpu, "no_buffer", 0);
    o->in_chop_prob = (float)parity_num(rpu, "in_chop_prob", 0);
    o->in_chop_random = (int)parity_num(rpu, "in_chop_random", 0);
    o->out_chop_prob = (float)parity_num(rpu, "out_chop_prob", 0);
    o->tail_weightening = (float)parity_num(rpu, "tail_weightening", 5);
    o->buffer_cap = (float)parity_num(rpu, "buffer_cap", 0);
    if (in->kind != XBAR_OPT_TTV2 && parity_num(rpu, "thres_scale", 1) != 1) *why = "thres_scale (ttv2 only)";
    const char *bad = xbar_opt_check(o);
    if (bad) *why = bad;
    return *why == NULL;
}

/* xbar's per-device parameters against aihwkit's (hidden_device_parameters, suffix _0 = A,
 * _1 = C): the largest |difference|. Then aihwkit's values are set (the same numbers, unless
 * the construction differs). */
static double hidden_params(xbar_aw *aw, const cJSON *hp)
{
    double dev = 0;
    for (int t = 0; t < 2; t++) {
        xbar_devices *d = (xbar_devices *)xbar_tile_devices(t ? xbar_aw_slow_tile(aw) : xbar_aw_fast_tile(aw));
        const struct {
            const char *key;
            float *a;
        } map[] = {{"max_bound", d->b_max}, {"min_bound", d->b_min}, {"dwmin_up", d->s_up},
                   {"dwmin_down", d->s_dn}, {"slope_up", d->a_up},   {"slope_down", d->a_dn}};
        for (size_t k = 0; k < sizeof map / sizeof map[0]; k++) {
            char key[64];
            snprintf(key, sizeof key, "%s_%d", map[k].key, t);
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(hp, key);
            if (!cJSON_IsNumber(v)) continue;
            for (size_t i = 0; i < d->n; i++) {
                dev = fmax(dev, fabs((double)map[k].a[i] - (double)(float)v->valuedouble));
                map[k].a[i] = (float)v->valuedouble;
            }
        }
    }
    return dev;
}

static double maxdev(double m, double d) { return isnan(d) ? INFINITY : fmax(m, d); }

static void run_deterministic(const char *name, const cJSON *e, const xbar_opt_params *o, xbar_tile_config tc,
                              const tf_in *in, double tol)
{
    const size_t m = in->m, n = in->n, nw = m * n;
    const int agad = in->kind == XBAR_OPT_AGAD;
    const char *arr_name[6] = {"A", "C", "H", "W", "M", "R"};
    const cJSON *jarr[6];
    for (int k = 0; k < 6; k++) jarr[k] = cJSON_GetObjectItemCaseSensitive(e, arr_name[k]);
    const cJSON *ex = cJSON_GetObjectItemCaseSensitive(e, "extra_state");
    tc.seed = TF_PARITY_SEED;
    xbar_aw *aw = xbar_aw_new(o, &tc);
    int ok = aw != NULL;
    for (int k = 0; k < (agad ? 6 : 4); k++) ok = ok && cJSON_GetArraySize(jarr[k]) == (int)in->T;
    if (!ok) {
        CHECK(0, "%s %s: %s", in->tag, name, aw ? "trajectories have the wrong length" : xbar_last_error());
        xbar_aw_free(aw);
        return;
    }
    const double hdev = hidden_params(aw, cJSON_GetObjectItemCaseSensitive(e, "hidden_device_parameters"));
    CHECK(hdev == 0, "%s %s: xbar's device parameters differ from aihwkit's by %g", in->tag, name, hdev);
    xbar_aw_set_weights(aw, in->C0);
    double dev[6] = {0, 0, 0, 0, 0, 0}, dev_ema = 0;
    int state_bad = 0;
    size_t first_bad = in->T;
    float *W = malloc(nw * sizeof(float));
    for (size_t t = 0; W && t < in->T; t++) {
        CHECK(xbar_aw_update(aw, in->X + t * n, in->D + t * m, 1, in->lr) == XBAR_OK, "%s %s: %s", in->tag, name,
              xbar_last_error());
        tf_view v;
        if (!tf_view_get(aw, m, n, &v)) {
            CHECK(0, "%s %s: cannot read the optimizer's state from its checkpoint", in->tag, name);
            break;
        }
        xbar_aw_get_weights(aw, W);
        const float *mine[6] = {
            xbar_tile_weights(xbar_aw_fast_tile(aw)), xbar_tile_weights(xbar_aw_slow_tile(aw)), v.H, W, v.M, v.R};
        for (int k = 0; k < (agad ? 6 : 4); k++)
            for (size_t q = 0; q < nw; q++) {
                const int idx[3] = {(int)t, (int)(q / n), (int)(q % n)};
                const double ref = parity_at(jarr[k], 3, idx), d = fabs((double)mine[k][q] - (double)(float)ref);
                if (!(d <= tol) && first_bad == in->T) {
                    first_bad = t;
                    fprintf(stderr, "%s %s: first deviation at update %zu, %s[%d][%d] = %.9g (aihwkit %.9g)\n", in->tag,
                            name, t, arr_name[k], idx[1], idx[2], (double)mine[k][q], ref);
                }
                dev[k] = maxdev(dev[k], d);
            }
        /* extra_state: counters, pointer, choppers, EMAs, A's lr */
        const int it = (int)t;
        int bad = parity_at(cJSON_GetObjectItemCaseSensitive(ex, "current_update_idx"), 1, &it) != (double)v.k;
        const int ic[2] = {it, 0};
        bad |= parity_at(cJSON_GetObjectItemCaseSensitive(ex, "current_slice_indices"), 2, ic) != (double)v.next_col;
        const cJSON *tcnt = cJSON_GetObjectItemCaseSensitive(ex, "transfer_counter");
        if (tcnt) bad |= parity_at(tcnt, 1, &it) != (double)v.sweeps;
        const struct {
            const char *key;
            const float *x;
            size_t len;
            int flag; /* 1: chopper (+-1 vs true = flipped), 0: 0/1 flag */
        } vecs[] = {{"in_chopper", v.cin, n, 1}, {"out_chopper", v.cout, m, 1}, {"in_chopper_switched", v.sw, n, 0}};
        for (size_t k = 0; k < 3; k++) {
            const cJSON *j = cJSON_GetObjectItemCaseSensitive(ex, vecs[k].key);
            for (size_t l = 0; j && l < vecs[k].len; l++) {
                const int il[2] = {it, (int)l};
                const double want = parity_at(j, 2, il);
                const double got = vecs[k].flag ? (vecs[k].x[l] < 0 ? 1.0 : 0.0) : (double)vecs[k].x[l];
                bad |= want != got;
            }
        }
        const struct {
            const char *key;
            float x;
        } sc[] = {{"m_x", v.m_x}, {"m_d", v.m_d}, {"tmp_count_lr", v.lr_a}};
        for (size_t k = 0; k < 3; k++) {
            const cJSON *j = cJSON_GetObjectItemCaseSensitive(ex, sc[k].key);
            if (j) dev_ema = maxdev(dev_ema, fabs((double)sc[k].x - parity_at(j, 1, &it)));
        }
        if (bad && !state_bad)
            fprintf(stderr, "%s %s: counters / pointer / choppers differ from aihwkit's at update %zu\n", in->tag, name,
                    t);
        state_bad |= bad;
        if (t + 1 == in->T) {
            const double nw_ref = parity_num(e, "n_column_writes", -1);
            CHECK(nw_ref < 0 || nw_ref == (double)v.writes, "%s %s: %llu column writes, aihwkit %g", in->tag, name,
                  (unsigned long long)v.writes, nw_ref);
        }
        tf_view_free(&v);
    }
    double worst = 0;
    for (int k = 0; k < 6; k++) worst = fmax(worst, dev[k]);
    CHECK(worst <= tol && dev_ema <= tol,
          "%s %s: max |dev| A %.3g C %.3g H %.3g W %.3g M %.3g R %.3g, EMAs %.3g > %.3g", in->tag, name, dev[0], dev[1],
          dev[2], dev[3], dev[4], dev[5], dev_ema, tol);
    CHECK(!state_bad, "%s %s: counters, column pointer or choppers differ from aihwkit's", in->tag, name);
    char mr[64] = "";
    if (agad) snprintf(mr, sizeof mr, " M %.3g R %.3g", dev[4], dev[5]);
    printf("%s %-27s max |dev| A %.3g C %.3g H %.3g W %.3g%s, EMAs/lr %.3g; counters and choppers %s (%zu updates)\n",
           in->tag, name, dev[0], dev[1], dev[2], dev[3], mr, dev_ema, state_bad ? "DIFFER" : "equal", in->T);
    free(W);
    xbar_aw_free(aw);
}

static void run_stochastic(const char *name, const cJSON *e, const xbar_opt_params *o, xbar_tile_config tc,
                           const tf_in *in, double k_se, double floor)
{
    const size_t m = in->m, n = in->n, nw = m * n;
    const int agad = in->kind == XBAR_OPT_AGAD, na = agad ? 6 : 4;
    const size_t N = (size_t)parity_num(e, "n_runs", 0);
    const cJSON *fin = cJSON_GetObjectItemCaseSensitive(e, "final");
    const char *arr_name[6] = {"A", "C", "H", "W", "M", "R"};
    /* smp[(arr*nw + q)*N + run]; chop[j*N + run] */
    double *smp = N >= 4 ? malloc((size_t)na * nw * N * sizeof(double)) : NULL;
    double *chop = smp ? malloc(n * N * sizeof(double)) : NULL;
    float *W = malloc(nw * sizeof(float));
    if (!smp || !chop || !W) {
        CHECK(0, "%s %s: no runs or out of memory", in->tag, name);
        free(smp), free(chop), free(W);
        return;
    }
    int ok = 1;
    for (size_t r = 0; ok && r < N; r++) {
        tc.seed = TF_PARITY_SEED + 1 + (uint64_t)r;
        xbar_aw *aw = xbar_aw_new(o, &tc);
        ok = aw && xbar_aw_set_weights(aw, in->C0) == XBAR_OK;
        for (size_t t = 0; ok && t < in->T; t++)
            ok = xbar_aw_update(aw, in->X + t * n, in->D + t * m, 1, in->lr) == XBAR_OK;
        tf_view v;
        ok = ok && tf_view_get(aw, m, n, &v);
        if (!ok) {
            CHECK(0, "%s %s: run %zu: %s", in->tag, name, r, xbar_last_error());
            xbar_aw_free(aw);
            break;
        }
        xbar_aw_get_weights(aw, W);
        const float *mine[6] = {
            xbar_tile_weights(xbar_aw_fast_tile(aw)), xbar_tile_weights(xbar_aw_slow_tile(aw)), v.H, W, v.M, v.R};
        for (int k = 0; k < na; k++)
            for (size_t q = 0; q < nw; q++) smp[((size_t)k * nw + q) * N + r] = mine[k][q];
        for (size_t j = 0; j < n; j++) chop[j * N + r] = v.cin[j] < 0 ? 1.0 : 0.0;
        tf_view_free(&v);
        xbar_aw_free(aw);
    }
    for (int k = 0; ok && k < na; k++) {
        const cJSON *js = cJSON_GetObjectItemCaseSensitive(fin, arr_name[k]);
        CHECK(parity_num(js, "n", 0) == (double)N, "%s %s: aihwkit n %g, mine %zu", in->tag, name,
              parity_num(js, "n", 0), N);
        double zmax = 0;
        int bad = 0;
        for (size_t q = 0; q < nw; q++) {
            const int idx[2] = {(int)(q / n), (int)(q % n)};
            const parity_stat mine = parity_stat_of(smp + ((size_t)k * nw + q) * N, N);
            const parity_stat ref = parity_stat_json_at(js, 2, idx);
            double z = 0;
            if (!parity_stat_ok(&mine, &ref, k_se, floor, &z)) {
                bad++;
                fprintf(stderr, "%s %s: final %s[%d][%d]: mean %.8g (aihwkit %.8g) std %.8g (aihwkit %.8g) z %.2f\n",
                        in->tag, name, arr_name[k], idx[0], idx[1], mine.mean, ref.mean, mine.std, ref.std, z);
            }
            zmax = isnan(z) ? INFINITY : fmax(zmax, z);
        }
        CHECK(bad == 0, "%s %s: %d final statistics of %s beyond %g standard errors", in->tag, name, bad, arr_name[k],
              k_se);
        printf("%s %-27s final %s: max |z| %.2f (k = %g), n = %zu\n", in->tag, name, arr_name[k], zmax, k_se, N);
    }
    const cJSON *ff = cJSON_GetObjectItemCaseSensitive(e, "final_in_chopper_fraction_flipped");
    if (ok && ff) {
        double zmax = 0;
        int bad = 0;
        for (size_t j = 0; j < n; j++) {
            const int idx = (int)j;
            const parity_stat mine = parity_stat_of(chop + j * N, N);
            const parity_stat ref = parity_stat_json_at(ff, 1, &idx);
            const double se = sqrt(mine.se_mean * mine.se_mean + ref.se_mean * ref.se_mean);
            const double d = fabs(mine.mean - ref.mean), z = se > 0 ? d / se : (d > floor ? INFINITY : 0);
            bad += !(d <= k_se * se + floor);
            zmax = fmax(zmax, z);
        }
        CHECK(bad == 0, "%s %s: fraction of flipped in-choppers of %d columns beyond %g standard errors", in->tag, name,
              bad, k_se);
        printf("%s %-27s final in-chopper flipped fraction: max |z| %.2f (k = %g)\n", in->tag, name, zmax, k_se);
    }
    free(smp), free(chop), free(W);
}

int tf_parity_case(const char *dir, const char *file, xbar_opt_kind kind)
{
    cJSON *root;
    int rc = parity_load(dir, file, &root);
    if (rc != PARITY_PASS) return rc;
    const int fails0 = xt_failures;
    double k_se, floor, tol_det;
    parity_tolerances(root, &k_se, &floor, &tol_det);
    const cJSON *tile = cJSON_GetObjectItemCaseSensitive(root, "tile");
    static char tag[8];
    snprintf(tag, sizeof tag, "%.5s", file);
    tf_in in = {.m = (size_t)parity_num(tile, "out_size", 0),
                .n = (size_t)parity_num(tile, "in_size", 0),
                .T = (size_t)parity_num(root, "n_updates", 0),
                .lr = (float)parity_num(root, "lr", NAN),
                .kind = kind,
                .tag = tag};
    size_t r0, c0, rx, cx, rd, cd;
    in.C0 = parity_matrix(cJSON_GetObjectItemCaseSensitive(root, "C0"), &r0, &c0);
    in.X = parity_matrix(cJSON_GetObjectItemCaseSensitive(root, "x"), &rx, &cx);
    in.D = parity_matrix(cJSON_GetObjectItemCaseSensitive(root, "d"), &rd, &cd);
    if (!in.C0 || !in.X || !in.D || r0 != in.m || c0 != in.n || rx != in.T || cx != in.n || rd != in.T || cd != in.m ||
        in.T == 0 || !(in.lr > 0)) {
        CHECK(0, "%s: malformed tile / C0 / x / d / lr", tag);
    } else {
        const cJSON *e;
        cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(root, "entries"))
        {
            const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "name"));
            xbar_opt_params o;
            xbar_tile_config tc;
            const char *why = NULL;
            if (!name || !config_of(e, &in, &o, &tc, &why)) {
                CHECK(0, "%s: entry %s: %s", tag, name ? name : "?", why ? why : "no name");
                continue;
            }
            if (parity_num(e, "deterministic", 0))
                run_deterministic(name, e, &o, tc, &in, tol_det);
            else
                run_stochastic(name, e, &o, tc, &in, k_se, floor);
        }
    }
    free(in.C0);
    free(in.X);
    free(in.D);
    cJSON_Delete(root);
    return xt_failures > fails0 ? PARITY_FAIL : PARITY_PASS;
}

int parity_case7(const char *dir) { return tf_parity_case(dir, "case7_chopped_transfer.json", XBAR_OPT_C_TTV2); }
