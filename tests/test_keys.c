/* test_keys.c - the key tables and key/value constructors (xbar.h, "Key/value
 * configuration" and "Key/value constructors"): every row of every library table
 * round-trips through its text, refusals name the key and value, and objects built
 * from assignments equal the ones built from structs. */
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "xbar.h"

/* Every row of tab: format, set from that text, format again: same text, same bytes. */
static void round_trip(const char *what, const xbar_key *tab, const void *obj, size_t size)
{
    unsigned char *copy = malloc(size);
    int rows = 0;
    for (const xbar_key *k = tab; k->section; k++, rows++) {
        char a[1024], b[1024];
        memcpy(copy, obj, size);
        xbar_key_format(k, obj, a, sizeof a);
        xbar_status st = xbar_key_set(k, copy, a);
        CHECK(st == XBAR_OK, "%s: %s.%s = %s refused: %s", what, k->section, k->key, a, xbar_last_error());
        xbar_key_format(k, copy, b, sizeof b);
        CHECK(!strcmp(a, b), "%s: %s.%s formats %s, then %s", what, k->section, k->key, a, b);
        CHECK(!memcmp(copy, obj, size), "%s: %s.%s = %s changed the struct", what, k->section, k->key, a);
        CHECK(k->doc && k->doc[0], "%s: %s.%s has no doc", what, k->section, k->key);
    }
    CHECK(rows > 0, "%s: empty table", what);
    free(copy);
}

static void test_round_trips(void)
{
    for (int m = 0; m < XBAR_DEV_COUNT_; m++) {
        xbar_device_params d = xbar_device_defaults((xbar_device_model)m);
        round_trip(xbar_device_model_name((xbar_device_model)m), xbar_device_keys(), &d, sizeof d);
    }
    xbar_device_params d = xbar_device_defaults(XBAR_DEV_SOFT_BOUNDS);
    d.dw_min = 0.1f / 3.0f, d.w_max = 0.78f, d.up_down = -1e-7f, d.construction_seed = UINT64_MAX;
    round_trip("device (odd values)", xbar_device_keys(), &d, sizeof d);
    xbar_update_params u = xbar_update_defaults();
    round_trip("update", xbar_update_keys(), &u, sizeof u);
    u.scheme = XBAR_SCHEME_IMPLICIT, u.desired_bl = 1 << 20, u.count_cap = 7, u.compose_pulses = 0;
    round_trip("update (other values)", xbar_update_keys(), &u, sizeof u);
    xbar_io_params io = xbar_io_defaults();
    round_trip("io", xbar_io_keys(), &io, sizeof io);
    io = xbar_io_plain();
    io.w_noise = 1.0f / 7.0f;
    round_trip("io plain", xbar_io_keys(), &io, sizeof io);
    for (int k = 0; k < XBAR_OPT_COUNT_; k++) {
        xbar_opt_params o = xbar_opt_defaults((xbar_opt_kind)k);
        o.fast_lr = 0.3f;
        round_trip(xbar_opt_kind_name((xbar_opt_kind)k), xbar_opt_keys(), &o, sizeof o);
    }
    xbar_net_config nc = xbar_net_config_defaults();
    strcpy(nc.layers, "linear:5 relu linear:3");
    strcpy(nc.digital_layers, "0");
    round_trip("model", xbar_net_keys(), &nc, sizeof nc);
    CHECK(xbar_key_find(xbar_update_keys(), "update", "count_cap") == &xbar_update_keys()[5] &&
              !xbar_key_find(xbar_update_keys(), "update", "nope") &&
              !xbar_key_find(xbar_update_keys(), "forward", "scheme"),
          "xbar_key_find");
    CHECK(!strcmp(xbar_opt_keys()[0].key, "kind"), "xbar_opt_keys: kind first (%s)", xbar_opt_keys()[0].key);
}

/* The engine: parsing, refusals and rules as the config files read them. */
static void test_engine(void)
{
    xbar_update_params u = xbar_update_defaults(), u0 = u;
    const xbar_key *bl = xbar_key_find(xbar_update_keys(), "update", "desired_bl");
    CHECK(xbar_key_set(bl, &u, " 64 ") == XBAR_OK && u.desired_bl == 64, "desired_bl = ' 64 '");
    u = u0;
    CHECK(xbar_key_set(bl, &u, "0") == XBAR_EINVAL && !strcmp(xbar_last_error(), "must be in [1, 1048576]") &&
              !memcmp(&u, &u0, sizeof u),
          "desired_bl = 0: %s", xbar_last_error());
    CHECK(xbar_key_set(bl, &u, "1.5") == XBAR_EINVAL && !strcmp(xbar_last_error(), "not an integer"), "1.5: %s",
          xbar_last_error());
    const xbar_key *sch = xbar_key_find(xbar_update_keys(), "update", "scheme");
    CHECK(xbar_key_set(sch, &u, "pulsed") == XBAR_EINVAL &&
              !strcmp(xbar_last_error(), "must be one of: expected, count, stochastic, implicit"),
          "scheme = pulsed: %s", xbar_last_error());
    char rule[128];
    xbar_key_rule(bl, rule, sizeof rule);
    CHECK(!strcmp(rule, "in [1, 1048576]"), "rule %s", rule);
    xbar_io_params io = xbar_io_defaults();
    const xbar_key *ib = xbar_key_find(xbar_io_keys(), "forward", "inp_bound");
    CHECK(xbar_key_set(ib, &io, "nan") == XBAR_EINVAL && !strcmp(xbar_last_error(), "must be a finite number"),
          "nan: %s", xbar_last_error());
    CHECK(xbar_key_set(ib, &io, "1e39") == XBAR_EINVAL && !strcmp(xbar_last_error(), "out of float range"),
          "1e39: %s", xbar_last_error());
    CHECK(xbar_key_set(ib, &io, "-1") == XBAR_EINVAL && !strcmp(xbar_last_error(), "must be >= 0"), "-1: %s",
          xbar_last_error());
    /* a list (the xbar program's type) */
    struct {
        xbar_key_list l;
    } s = {{0}};
    const xbar_key lk = {"train", "lr", XBAR_KEY_FLOAT_LIST, 0, .flags = XBAR_KEY_POS, .list_max = 3, .doc = "x"};
    char buf[256];
    CHECK(xbar_key_set(&lk, &s, "0.1, 0.2 0.3") == XBAR_OK && s.l.n == 3 && s.l.v[1] == 0.2, "list");
    xbar_key_format(&lk, &s, buf, sizeof buf);
    CHECK(!strcmp(buf, "0.1, 0.2, 0.3"), "list formats %s", buf);
    CHECK(xbar_key_set(&lk, &s, "1,2,3,4") == XBAR_EINVAL && !strcmp(xbar_last_error(), "at most 3 values"),
          "list of 4: %s", xbar_last_error());
    CHECK(xbar_key_set(&lk, &s, "1,-2") == XBAR_EINVAL &&
              !strcmp(xbar_last_error(), "each value must be > 0 (-2 is not)"),
          "list -2: %s", xbar_last_error());
}

static void expect_err(xbar_status st, const char *want, const char *what)
{
    CHECK(st == XBAR_EINVAL && !strcmp(xbar_last_error(), want), "%s: got %d '%s', want '%s'", what, (int)st,
          xbar_last_error(), want);
}

static void expect_prefix(xbar_status st, const char *want, const char *what)
{
    CHECK(st == XBAR_EINVAL && !strncmp(xbar_last_error(), want, strlen(want)), "%s: got %d '%s', want '%s...'", what,
          (int)st, xbar_last_error(), want);
}

/* Every key of tab has the same value in a and b (struct padding aside). */
static int same_keys(const xbar_key *tab, const void *a, const void *b)
{
    for (const xbar_key *k = tab; k->section; k++) {
        char va[1024], vb[1024];
        xbar_key_format(k, a, va, sizeof va), xbar_key_format(k, b, vb, sizeof vb);
        if (strcmp(va, vb)) return fprintf(stderr, "%s.%s: %s vs %s\n", k->section, k->key, va, vb), 0;
    }
    return 1;
}

static int same_tile(const xbar_tile_config *a, const xbar_tile_config *b)
{
    return same_keys(xbar_device_keys(), &a->device, &b->device) &&
           same_keys(xbar_update_keys(), &a->update, &b->update) &&
           same_keys(xbar_io_keys(), &a->forward, &b->forward) &&
           same_keys(xbar_io_keys(), &a->backward, &b->backward) &&
           a->seed == b->seed && a->id == b->id && a->rows == b->rows && a->cols == b->cols;
}

/* Assignments: values, refusals naming assignment, key and value, unknown keys listing the section's keys. */
static void test_assignments(void)
{
    xbar_device_params dp = xbar_device_defaults(XBAR_DEV_ALD);
    CHECK(xbar_device_params_set(&dp, "device.model=exp_zs") == XBAR_OK && dp.model == XBAR_DEV_EXP_ZS &&
              xbar_device_params_set(&dp, "device.gamma_res = 3") == XBAR_OK && dp.gamma_res == 3.0f,
          "device params: %s", xbar_last_error());
    expect_err(xbar_device_params_set(&dp, "device.gamma_res=0"), "device.gamma_res = 0: must be > 0", "gamma_res 0");
    CHECK(xbar_device_params_set(&dp, "update.scheme=count") == XBAR_EINVAL && dp.gamma_res == 3.0f,
          "device params: another section is refused: %s", xbar_last_error());

    xbar_tile_config c = xbar_tile_config_defaults(2, 3), c0 = c;
    CHECK(xbar_tile_config_set(&c, " device.tau = 0.5 ") == XBAR_OK && c.device.tau == 0.5f, "device.tau: %s",
          xbar_last_error());
    CHECK(xbar_tile_config_set(&c, "backward.out_noise=0.25") == XBAR_OK && c.backward.out_noise == 0.25f &&
              c.forward.out_noise == c0.forward.out_noise,
          "backward.out_noise");
    CHECK(xbar_tile_config_set(&c, "tile.seed=18446744073709551615") == XBAR_OK && c.seed == UINT64_MAX, "seed");
    CHECK(xbar_tile_config_set(&c, "tile.id=5") == XBAR_OK && c.id == 5, "id");
    xbar_tile_config c1 = c;
    expect_err(xbar_tile_config_set(&c, "device.tau=-1"), "device.tau = -1: must be > 0", "tau -1");
    expect_err(xbar_tile_config_set(&c, "update.scheme = pulsed"),
               "update.scheme = pulsed: must be one of: expected, count, stochastic, implicit", "scheme");
    expect_err(xbar_tile_config_set(&c, "tile.id=-1"), "tile.id = -1: must be >= 0", "id -1");
    expect_prefix(xbar_tile_config_set(&c, "device.taux=1"), "device.taux = 1: unknown key (keys of [device]: model, ",
                  "unknown key");
    CHECK(strstr(xbar_last_error(), "construction_seed") != NULL, "unknown key lists every key: %s",
          xbar_last_error());
    expect_err(xbar_tile_config_set(&c, "devic.tau=1"),
               "devic.tau = 1: unknown key (sections: device, update, forward, backward, tile)", "unknown section");
    expect_err(xbar_tile_config_set(&c, "optimizer.gamma=1"),
               "optimizer.gamma = 1: unknown key (sections: device, update, forward, backward, tile)",
               "optimizer key on a tile");
    expect_err(xbar_tile_config_set(&c, "device.tau"), "'device.tau': expected section.key=value", "no value");
    expect_err(xbar_tile_config_set(&c, "tau=1"), "'tau=1': expected section.key=value", "no section");
    CHECK(same_tile(&c, &c1), "refused assignments changed the config");

    xbar_opt_params o = xbar_opt_defaults(XBAR_OPT_ANALOG_SGD);
    CHECK(xbar_opt_params_set(&o, "optimizer.kind=tiki_taka") == XBAR_OK && o.kind == XBAR_OPT_TIKI_TAKA, "kind");
    CHECK(xbar_opt_params_set(&o, "transfer.scheme=expected") == XBAR_OK &&
              o.transfer_update.scheme == XBAR_SCHEME_EXPECTED,
          "transfer.scheme");
    CHECK(xbar_opt_params_set(&o, "transfer_io.perfect=false") == XBAR_OK && o.transfer_io.perfect == 0,
          "transfer_io.perfect");
    expect_err(xbar_opt_params_set(&o, "optimizer.transfer_every=0"), "optimizer.transfer_every = 0: must be >= 1",
               "transfer_every");
    expect_err(xbar_opt_params_set(&o, "transfer.count_cap=1"),
               "transfer.count_cap = 1: unknown key (keys of [transfer]: scheme, desired_bl, bl_management, "
               "update_management, compose_pulses)",
               "transfer.count_cap");
    char want[512] = "optimizer.kind = adam: must be one of: "; /* the table's names, in order */
    for (const char *const *k = xbar_opt_kind_names(); *k; k++)
        strcat(strcat(want, *k), k[1] ? ", " : "");
    expect_err(xbar_opt_params_set(&o, "optimizer.kind=adam"), want, "kind adam");

    xbar_net_config nc = xbar_net_config_defaults();
    CHECK(xbar_net_config_set(&nc, "model.layers=fcn") == XBAR_OK && !strcmp(nc.layers, "fcn"), "model.layers");
    CHECK(xbar_net_config_set(&nc, "device.model=pow_step") == XBAR_OK && nc.tile.device.model == XBAR_DEV_POW_STEP,
          "net device.model");
    CHECK(xbar_net_config_set(&nc, "optimizer.gamma=0.5") == XBAR_OK && nc.opt.gamma == 0.5f, "net gamma");
    expect_err(xbar_net_config_set(&nc, "model.layers="), "model.layers = : must not be empty", "empty layers");
    expect_prefix(xbar_net_config_set(&nc, "x.y=1"),
                  "x.y = 1: unknown key (sections: model, device, update, forward, backward, tile, optimizer, "
                  "transfer, transfer_io)",
                  "net sections");
}

static void test_layers(void)
{
    xbar_layer_spec L[16];
    size_t n = 0;
    CHECK(xbar_layers_parse(L, 16, &n, "conv:4:3:2:1, tanh maxpool:2 relu linear:10") == XBAR_OK && n == 5 &&
              L[0].kind == XBAR_LAYER_CONV2D && L[0].out == 4 && L[0].kernel == 3 && L[0].stride == 2 &&
              L[0].padding == 1 && L[2].kind == XBAR_LAYER_MAXPOOL && L[2].kernel == 2 && L[4].out == 10,
          "parse: %s", xbar_last_error());
    CHECK(xbar_layers_parse(L, 16, &n, "cnn") == XBAR_OK && n == 10, "cnn preset");
    expect_err(xbar_layers_parse(L, 16, &n, "conv:16"), "model.layers: 'conv:16': expected conv:OUT:K[:STRIDE[:PAD]]",
               "conv:16");
    expect_err(xbar_layers_parse(L, 16, &n, "linear:4 softmax"),
               "model.layers: 'softmax': expected one of linear:OUT, conv:OUT:K[:STRIDE[:PAD]], maxpool:K, sigmoid, "
               "tanh, relu",
               "softmax");
    expect_err(xbar_layers_parse(L, 16, &n, "tanh:2"), "model.layers: 'tanh:2': expected no parameters", "tanh:2");
    expect_err(xbar_layers_parse(L, 2, &n, "fcn"), "model.layers: more than 2 layers", "cap");
    expect_err(xbar_layers_parse(L, 16, &n, " , "), "model.layers = ' , ': no layers", "empty");
    xbar_net_config nc = xbar_net_config_defaults();
    strcpy(nc.layers, "linear:4 tanh linear:3");
    strcpy(nc.digital_layers, "1");
    expect_err(xbar_net_config_layers(&nc, L, 16, &n),
               "model.digital_layers = '1': '1' is not the index of a linear or conv layer (0..2)", "digital 1");
    strcpy(nc.digital_layers, "2");
    CHECK(xbar_net_config_layers(&nc, L, 16, &n) == XBAR_OK && n == 3 && L[0].opt.kind == XBAR_OPT_ANALOG_SGD &&
              L[2].opt.kind == XBAR_OPT_DIGITAL,
          "digital 2: %s", xbar_last_error());
}

/* ---- objects from assignments equal objects from structs ---------------------------- */

static const char *const tile_kv[] = {
    "device.model=soft_bounds_ref", "device.w_max=0.78",       "device.w_min=-0.78",    "device.dw_min=0.01",
    "device.construction_seed=10",  "device.dw_min_std=0.3",   "update.scheme=stochastic", "update.desired_bl=15",
    "forward.w_noise=0.02",         "backward.out_noise=0.01", "tile.seed=42",           "tile.id=3"};
#define N_TILE_KV (sizeof tile_kv / sizeof tile_kv[0])

static xbar_tile_config tile_struct(size_t rows, size_t cols)
{
    xbar_tile_config c = xbar_tile_config_defaults(rows, cols);
    c.device.model = XBAR_DEV_SOFT_BOUNDS_REF; /* a field set: the other device fields keep ALD's defaults */
    c.device.w_max = 0.78f, c.device.w_min = -0.78f, c.device.dw_min = 0.01f;
    c.device.construction_seed = 10, c.device.dw_min_std = 0.3f;
    c.update.scheme = XBAR_SCHEME_STOCHASTIC, c.update.desired_bl = 15;
    c.forward.w_noise = 0.02f, c.backward.out_noise = 0.01f;
    c.seed = 42, c.id = 3;
    return c;
}

static void data(float *v, size_t n, uint32_t stream, float amp)
{
    xbar_rng_normal_fill(v, n, 9, stream, 0);
    for (size_t k = 0; k < n; k++) v[k] *= amp;
}

static void test_tile_kv(void)
{
    enum { R = 6, C = 5, B = 4 };
    xbar_tile_config sc = tile_struct(R, C);
    xbar_tile *a = xbar_tile_new(&sc), *b = xbar_tile_new_kv(R, C, tile_kv, N_TILE_KV);
    CHECK(a && b, "tiles: %s", xbar_last_error());
    if (!a || !b) return;
    CHECK(same_tile(xbar_tile_get_config(a), xbar_tile_get_config(b)), "tile configs differ");
    float W[R * C], X[B * C], D[B * R], Y1[B * R], Y2[B * R], W1[R * C], W2[R * C];
    data(W, R * C, 1, 0.2f), data(X, B * C, 2, 1.0f), data(D, B * R, 3, 1.0f);
    xbar_tile_set_weights(a, W, C), xbar_tile_set_weights(b, W, C);
    for (int s = 0; s < 3; s++) {
        xbar_tile_update(a, X, D, B, 0.1f), xbar_tile_update(b, X, D, B, 0.1f);
        xbar_tile_forward(a, Y1, X, B), xbar_tile_forward(b, Y2, X, B);
    }
    xbar_tile_get_weights(a, W1, C), xbar_tile_get_weights(b, W2, C);
    CHECK(!memcmp(W1, W2, sizeof W1) && !memcmp(Y1, Y2, sizeof Y1), "tile: weights or reads differ");
    CHECK(xbar_tile_pulse_count(a) == xbar_tile_pulse_count(b) && xbar_tile_pulse_count(a) > 0, "tile pulses");
    xbar_tile_free(a), xbar_tile_free(b);

    const char *bad[] = {"device.model=ald", "device.tau=-1"};
    CHECK(!xbar_tile_new_kv(R, C, bad, 2) && !strcmp(xbar_last_error(), "device.tau = -1: must be > 0"),
          "tile_new_kv refusal: %s", xbar_last_error());
    const char *nul[] = {"device.tau=1", NULL};
    CHECK(!xbar_tile_new_kv(R, C, nul, 2) && strstr(xbar_last_error(), "assignments[1] is NULL"), "NULL assignment: %s",
          xbar_last_error());
    CHECK(!xbar_tile_new_kv(0, C, tile_kv, 0), "0 rows accepted");
}

static void test_aw_kv(void)
{
    enum { R = 4, C = 6, B = 3 };
    const char *kv[N_TILE_KV + 5];
    memcpy(kv, tile_kv, sizeof tile_kv);
    kv[N_TILE_KV] = "optimizer.kind=tiki_taka";
    kv[N_TILE_KV + 1] = "optimizer.fast_lr=0.5";
    kv[N_TILE_KV + 2] = "optimizer.transfer_columns=2";
    kv[N_TILE_KV + 3] = "transfer.desired_bl=7";
    kv[N_TILE_KV + 4] = "transfer_io.w_noise=0.01";
    xbar_tile_config sc = tile_struct(R, C);
    xbar_opt_params o = xbar_opt_defaults(XBAR_OPT_ANALOG_SGD);
    o.kind = XBAR_OPT_TIKI_TAKA, o.fast_lr = 0.5f, o.transfer_columns = 2, o.transfer_update.desired_bl = 7;
    o.transfer_io.w_noise = 0.01f;
    xbar_aw *a = xbar_aw_new(&o, &sc), *b = xbar_aw_new_kv(R, C, kv, N_TILE_KV + 5);
    CHECK(a && b, "aw: %s", xbar_last_error());
    if (!a || !b) return;
    float W[R * C], X[B * C], D[B * R], W1[R * C], W2[R * C];
    data(W, R * C, 4, 0.2f), data(X, B * C, 5, 1.0f), data(D, B * R, 6, 1.0f);
    xbar_aw_set_weights(a, W), xbar_aw_set_weights(b, W);
    for (int s = 0; s < 4; s++) xbar_aw_update(a, X, D, B, 0.1f), xbar_aw_update(b, X, D, B, 0.1f);
    xbar_aw_get_weights(a, W1), xbar_aw_get_weights(b, W2);
    CHECK(!memcmp(W1, W2, sizeof W1), "aw: weights differ");
    CHECK(xbar_aw_pulse_count(a) == xbar_aw_pulse_count(b) && xbar_aw_pulse_count(a) > 0, "aw pulses");
    xbar_aw_free(a), xbar_aw_free(b);
    const char *bad[] = {"optimizer.kind=tiki_taka", "transfer.desired_bl=0"};
    CHECK(!xbar_aw_new_kv(R, C, bad, 2) &&
              !strcmp(xbar_last_error(), "transfer.desired_bl = 0: must be in [1, 1048576]"),
          "aw_new_kv refusal: %s", xbar_last_error());
}

/* The whole saved state of a network. */
static unsigned char *net_bytes(const xbar_net *net, size_t *n)
{
    FILE *f = tmpfile();
    xbar_net_save(net, f);
    long end = ftell(f);
    unsigned char *b = malloc((size_t)end + 1);
    rewind(f);
    *n = fread(b, 1, (size_t)end, f);
    fclose(f);
    return b;
}

static void test_net_kv(void)
{
    enum { B = 4, IN = 28 * 28 };
    const uint64_t seed = 5;
    /* the struct route: the FCN preset written out by hand */
    xbar_layer_spec L[5];
    const xbar_layer_kind kinds[5] = {XBAR_LAYER_LINEAR, XBAR_LAYER_SIGMOID, XBAR_LAYER_LINEAR, XBAR_LAYER_SIGMOID,
                                      XBAR_LAYER_LINEAR};
    const size_t outs[5] = {256, 0, 128, 0, 10};
    for (int l = 0; l < 5; l++) {
        L[l] = xbar_layer_defaults(kinds[l]);
        if (kinds[l] != XBAR_LAYER_LINEAR) continue;
        L[l].out = outs[l];
        L[l].opt = xbar_opt_defaults(XBAR_OPT_ANALOG_SGD);
        L[l].tile = tile_struct(1, 1);
        L[l].tile.seed = seed; /* tile.seed defaults to the seed argument */
        L[l].tile.id = 0;
        L[l].out_scaling = 0;
    }
    L[4].opt.kind = XBAR_OPT_DIGITAL;
    const char *kv[N_TILE_KV + 3];
    size_t nkv = 0;
    kv[nkv++] = "model.layers=fcn";
    kv[nkv++] = "model.out_scaling=false";
    kv[nkv++] = "model.digital_layers=4";
    for (size_t i = 0; i < N_TILE_KV; i++)
        if (strncmp(tile_kv[i], "tile.", 5)) kv[nkv++] = tile_kv[i];
    xbar_net *a = xbar_net_new(L, 5, 1, 28, 28, seed), *b = xbar_net_new_kv(1, 28, 28, kv, nkv, seed);
    CHECK(a && b, "nets: %s", xbar_last_error());
    if (!a || !b) return;
    float *X = malloc(B * IN * sizeof *X);
    uint8_t y[B] = {1, 7, 3, 0};
    data(X, B * IN, 7, 0.5f);
    for (int s = 0; s < 2; s++) {
        CHECK(xbar_net_train_batch(a, X, y, B, 0.05f, NULL, NULL) == XBAR_OK, "train a: %s", xbar_last_error());
        CHECK(xbar_net_train_batch(b, X, y, B, 0.05f, NULL, NULL) == XBAR_OK, "train b: %s", xbar_last_error());
    }
    size_t na, nb;
    unsigned char *sa = net_bytes(a, &na), *sb = net_bytes(b, &nb);
    CHECK(na == nb && na > 0 && !memcmp(sa, sb, na), "net_new_kv(fcn) differs from the struct-built net");
    char da[2048], db[2048];
    xbar_net_describe(a, da, sizeof da), xbar_net_describe(b, db, sizeof db);
    CHECK(!strcmp(da, db), "describe:\n%s\nvs\n%s", da, db);
    CHECK(xbar_net_pulse_count(a) == xbar_net_pulse_count(b) && xbar_net_pulse_count(a) > 0, "net pulses");
    free(sa), free(sb), free(X);
    xbar_net_free(a), xbar_net_free(b);

    const char *none[] = {"device.tau=1"};
    CHECK(!xbar_net_new_kv(1, 28, 28, none, 1, 0) && !strcmp(xbar_last_error(), "model.layers = '': no layers"),
          "no layers: %s", xbar_last_error());
    const char *bad[] = {"model.layers=linear:4 linear:2", "model.bias=maybe"};
    CHECK(!xbar_net_new_kv(1, 28, 28, bad, 2, 0) &&
              !strcmp(xbar_last_error(), "model.bias = maybe: must be true or false"),
          "bias maybe: %s", xbar_last_error());
}

int main(void)
{
    test_round_trips();
    test_engine();
    test_assignments();
    test_layers();
    test_tile_kv();
    test_aw_kv();
    test_net_kv();
    return xt_done("test_keys");
}
