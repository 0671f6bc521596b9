/* export_run.c - see export_run.h. */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "export_run.h"
#include "jsonout.h"
#include "outdir.h"
#include "pathname.h"
#include "train_cfg.h"
#include "train_ckpt.h"
#include "train_data.h"

/* ---- the network ---- */

/* Image size of the configured data set from its training images' IDX header; 28x28 (both
 * sets) when the files are not there. */
static void image_size(const train_cfg *c, size_t *rows, size_t *cols)
{
    static const char *const names[] = {"train-images-idx3-ubyte.gz", "train-images-idx3-ubyte"};
    *rows = *cols = 28;
    for (int i = 0; i < 2; i++) {
        char path[CFG_STR_MAX + 64], why[512];
        uint32_t d[3];
        snprintf(path, sizeof path, "%s/%s", train_data_dir(c), names[i]);
        if (access(path, F_OK) == 0 && train_idx_header(path, 3, d, why, sizeof why) == 0) {
            *rows = d[1], *cols = d[2];
            return;
        }
    }
}

/* "fast tile A" -> "fast_tile_A", "programmed copy Q~" -> "programmed_copy_Q". */
static void slug(char *out, size_t cap, const char *what)
{
    size_t k = 0;
    for (const char *p = what; *p && k + 1 < cap; p++) {
        if (isalnum((unsigned char)*p)) out[k++] = *p;
        else if (k && out[k - 1] != '_') out[k++] = '_';
    }
    while (k && out[k - 1] == '_') k--;
    out[k] = 0;
}

static export_array *add(export_state *s, size_t *cap)
{
    if (s->count == *cap) {
        size_t nc = *cap ? 2 * *cap : 16;
        export_array *a = realloc(s->arr, nc * sizeof *a);
        if (!a) return NULL;
        s->arr = a, *cap = nc;
    }
    export_array *e = &s->arr[s->count++];
    memset(e, 0, sizeof *e);
    return e;
}

/* (rows, cols) when n = rows * cols, else 1-D. */
static void shape(npy_array *a, size_t n, size_t rows, size_t cols)
{
    a->n = n;
    if (rows && cols && n == rows * cols) a->ndim = 2, a->shape[0] = rows, a->shape[1] = cols;
    else a->ndim = 1, a->shape[0] = n;
}

/* Every layer's parameters, then its optimizer's arrays. @return 0 or -1 (out of memory). */
static int list_arrays(export_state *s, const xbar_layer_spec *specs)
{
    static const char *const pname[] = {"weight", "bias", "scale"};
    size_t cap = 0;
    for (size_t l = 0; l < xbar_net_n_layers(s->net); l++) {
        const char *kind = xbar_layer_kind_name(specs[l].kind);
        xbar_aw *aw = xbar_net_layer_aw(s->net, l);
        size_t rows = 0, cols = 0; /* the weight matrix, out x fan_in */
        xbar_net_layer_shape(s->net, l, &rows, NULL, NULL);
        for (int p = 0; p < 3; p++) {
            float *v = NULL;
            size_t n = 0;
            if (xbar_net_param(s->net, l, (xbar_param_kind)p, &v, NULL, &n) != XBAR_OK) continue;
            export_array *e = add(s, &cap);
            if (!e) return -1;
            snprintf(e->name, sizeof e->name, "layer%zu.%s.%s", l, kind, pname[p]);
            if (p == XBAR_PARAM_WEIGHT && rows) cols = n / rows;
            shape(&e->a, n, p == XBAR_PARAM_WEIGHT ? rows : 0, cols);
            if (!v) { /* analog: the visible weights, read from the tiles */
                if (!(e->owned = malloc(n * sizeof(float))) || xbar_aw_get_weights(aw, e->owned) != XBAR_OK) return -1;
                v = e->owned;
                snprintf(e->source, sizeof e->source, "analog weight, out x fan_in (xbar_aw_get_weights)");
            } else {
                snprintf(e->source, sizeof e->source, "%s %s%s", p == XBAR_PARAM_WEIGHT ? "digital" : "layer",
                         p == XBAR_PARAM_SCALE ? "output scale" : pname[p],
                         p == XBAR_PARAM_WEIGHT ? ", out x fan_in" : "");
            }
            e->a.data = v;
        }
        const char *opt = xbar_opt_kind_name(specs[l].opt.kind);
        for (size_t k = 0; aw && k < xbar_aw_n_arrays(aw); k++) {
            const char *what = NULL;
            size_t n = 0;
            const float *v = xbar_aw_array(aw, k, &what, &n);
            if (!v || !n) continue;
            export_array *e = add(s, &cap);
            if (!e) return -1;
            char w[64];
            slug(w, sizeof w, what);
            snprintf(e->name, sizeof e->name, "layer%zu.opt.%s", l, w);
            snprintf(e->source, sizeof e->source, "optimizer %s: %s", opt, what);
            shape(&e->a, n, rows, cols);
            e->a.data = v;
        }
    }
    return 0;
}

int export_load(const char *path, export_state *s, char *err, size_t n)
{
    memset(s, 0, sizeof *s);
    struct stat st;
    if (stat(path, &st)) return snprintf(err, n, "checkpoint %s: no such file", path_show(path)), 2;
    if (!S_ISREG(st.st_mode)) return snprintf(err, n, "checkpoint %s: not a regular file", path_show(path)), 2;
    char dir[OUT_PATH_MAX], ini[OUT_PATH_MAX + 16];
    path_parent(path, dir, sizeof dir);
    snprintf(ini, sizeof ini, "%s/config.ini", dir);
    if (access(ini, F_OK))
        return snprintf(err, n, "checkpoint %s: no %s beside it (export reads checkpoints that xbar train wrote)",
                        path_show(path), path_show(ini)), 2;
    train_cfg c = train_cfg_defaults();
    char why[1024];
    if (cfg_load_file(train_keys(), &c, ini, why, sizeof why))
        return snprintf(err, n, "checkpoint %s: %s", path_show(path), why), 2;
    xbar_layer_spec specs[TRAIN_MAX_LAYERS];
    const int nl = train_cfg_layers(&c, specs, TRAIN_MAX_LAYERS, why, sizeof why);
    if (nl < 0) return snprintf(err, n, "%s: %s", path_show(ini), why), 2;
    size_t rows, cols;
    image_size(&c, &rows, &cols);
    s->net = xbar_net_new(specs, (size_t)nl, 1, rows, cols, c.seed);
    if (!s->net) return snprintf(err, n, "%s: model.layers = '%s': %s", path_show(ini), c.layers, xbar_last_error()), 2;
    train_history h = {0};
    ckpt_meta m;
    if (ckpt_read(path, ckpt_config_hash(&c), &h, s->net, &m, err, n)) {
        history_free(&h);
        export_state_free(s);
        return 2;
    }
    s->epochs = h.epochs;
    s->steps = m.steps;
    memcpy(s->xbar, m.xbar, sizeof s->xbar);
    s->xbar[sizeof s->xbar - 1] = 0;
    history_free(&h);
    if (list_arrays(s, specs)) {
        export_state_free(s);
        return snprintf(err, n, "out of memory"), 1;
    }
    return 0;
}

void export_state_free(export_state *s)
{
    for (size_t i = 0; i < s->count; i++) free(s->arr[i].owned);
    free(s->arr);
    xbar_net_free(s->net);
    memset(s, 0, sizeof *s);
}

/* ---- writing ---- */

int export_write_npz(const export_state *s, const char *out, char *err, size_t n)
{
    const char **names = malloc((s->count ? s->count : 1) * sizeof *names);
    npy_array *a = malloc((s->count ? s->count : 1) * sizeof *a);
    npy_buf b = {0};
    int rc = (!names || !a) ? -1 : 0;
    for (size_t i = 0; !rc && i < s->count; i++) names[i] = s->arr[i].name, a[i] = s->arr[i].a;
    if (!rc) rc = npz_build(&b, names, a, s->count);
    free(names);
    free(a);
    if (rc) {
        npy_buf_free(&b);
        if (rc == -2) return snprintf(err, n, "%s: over 4 GiB, the limit of a zip without ZIP64; use --out DIR", path_show(out)), 2;
        return snprintf(err, n, "out of memory"), 1;
    }
    rc = out_write_atomic(out, b.p, b.len, err, n) ? 1 : 0;
    npy_buf_free(&b);
    return rc;
}

int export_write_dir(const export_state *s, const char *dir, const char *ckpt, int force, char *err, size_t n)
{
    out_ctx od;
    if (out_begin(dir, force, &od, err, n)) return 2;
    cJSON *root = cJSON_CreateObject(), *list = NULL;
    int rc = root ? 0 : 1;
    if (!rc) {
        cJSON_AddStringToObject(root, "checkpoint", ckpt);
        cJSON_AddStringToObject(root, "written_by", s->xbar);
        cJSON_AddNumberToObject(root, "epochs", s->epochs);
        cJSON_AddNumberToObject(root, "steps", (double)s->steps);
        list = cJSON_AddArrayToObject(root, "arrays");
        if (!list) rc = 1;
    }
    npy_buf b = {0};
    for (size_t i = 0; !rc && i < s->count; i++) {
        const export_array *e = &s->arr[i];
        char file[128];
        snprintf(file, sizeof file, "%s.npy", e->name);
        b.len = 0;
        if (npy_append(&b, &e->a)) {
            rc = 1, snprintf(err, n, "out of memory");
            break;
        }
        FILE *f = out_fopen(&od, file, err, n);
        if (!f) {
            rc = 1;
            break;
        }
        if ((fwrite(b.p, 1, b.len, f) != b.len) | fclose(f)) {
            rc = 1, snprintf(err, n, "cannot write %s", path_show(out_path(&od, file)));
            break;
        }
        cJSON *o = cJSON_CreateObject();
        cJSON *sh = cJSON_CreateArray();
        if (!o || !sh) {
            cJSON_Delete(o), cJSON_Delete(sh);
            rc = 1, snprintf(err, n, "out of memory");
            break;
        }
        cJSON_AddItemToArray(list, o);
        cJSON_AddStringToObject(o, "name", e->name);
        cJSON_AddStringToObject(o, "file", file);
        for (int d = 0; d < e->a.ndim; d++) cJSON_AddItemToArray(sh, cJSON_CreateNumber((double)e->a.shape[d]));
        cJSON_AddItemToObject(o, "shape", sh);
        cJSON_AddStringToObject(o, "dtype", "float32");
        cJSON_AddStringToObject(o, "source", e->source);
    }
    npy_buf_free(&b);
    if (!rc && json_write_file(root, out_path(&od, "index.json"), err, n)) rc = 1;
    cJSON_Delete(root);
    if (!rc && out_commit(&od, err, n)) rc = 1;
    if (rc) out_abort(&od);
    return rc;
}
