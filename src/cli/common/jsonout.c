/* jsonout.c - summary.json helpers over cJSON (see jsonout.h). */
#include "jsonout.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outdir.h"
#include "xbar.h"

cJSON *json_summary_new(const char *command)
{
    cJSON *o = cJSON_CreateObject();
    char ver[32];
    snprintf(ver, sizeof ver, "%d.%d.%d", XBAR_VERSION_MAJOR, XBAR_VERSION_MINOR, XBAR_VERSION_PATCH);
    if (!o || !cJSON_AddStringToObject(o, "command", command) || !cJSON_AddStringToObject(o, "xbar_version", ver)) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* The value of key k in cfg as a new cJSON item. */
static cJSON *key_value(const cfg_key *k, const void *cfg)
{
    const void *p = (const char *)cfg + k->offset;
    char buf[1024];
    switch (k->type) {
    case CFG_FLOAT: return cJSON_CreateNumber((double)*(const float *)p);
    case CFG_DOUBLE: return cJSON_CreateNumber(*(const double *)p);
    case CFG_INT: return cJSON_CreateNumber((double)*(const int *)p);
    case CFG_U64: /* exact only up to 2^53: larger values as strings */
        if (*(const uint64_t *)p <= (UINT64_C(1) << 53)) return cJSON_CreateNumber((double)*(const uint64_t *)p);
        break;
    case CFG_BOOL: return cJSON_CreateBool(*(const int *)p);
    case CFG_FLOAT_LIST: {
        const cfg_list *l = p;
        return cJSON_CreateDoubleArray(l->v, l->n);
    }
    default: break;
    }
    cfg_format_value(k, cfg, buf, sizeof buf);
    return cJSON_CreateString(buf);
}

cJSON *json_add_config(cJSON *obj, const char *name, const cfg_key *tab, const void *cfg)
{
    cJSON *c = cJSON_AddObjectToObject(obj, name);
    if (!c) return NULL;
    for (const cfg_key *k = tab; k->section; k++) {
        cJSON *sec = cJSON_GetObjectItemCaseSensitive(c, k->section);
        if (!sec && !(sec = cJSON_AddObjectToObject(c, k->section))) return NULL;
        cJSON *v = key_value(k, cfg);
        if (!v || !cJSON_AddItemToObject(sec, k->key, v)) {
            cJSON_Delete(v);
            return NULL;
        }
    }
    return c;
}

cJSON *json_add_array(cJSON *obj, const char *name, const double *v, size_t n)
{
    cJSON *a = cJSON_AddArrayToObject(obj, name);
    for (size_t i = 0; a && i < n; i++) {
        cJSON *x = cJSON_CreateNumber(v[i]);
        if (!x || !cJSON_AddItemToArray(a, x)) {
            cJSON_Delete(x);
            return NULL;
        }
    }
    return a;
}

int json_write_file(const cJSON *root, const char *path, char *err, size_t n)
{
    char *text = cJSON_Print(root);
    if (!text) {
        if (n) snprintf(err, n, "cannot write %s: out of memory", path);
        return -1;
    }
    size_t len = strlen(text);
    char *buf = malloc(len + 2);
    if (buf) memcpy(buf, text, len);
    cJSON_free(text);
    if (!buf) {
        if (n) snprintf(err, n, "cannot write %s: out of memory", path);
        return -1;
    }
    buf[len] = '\n';
    buf[len + 1] = 0;
    int rc = out_write_atomic(path, buf, len + 1, err, n);
    free(buf);
    return rc;
}

cJSON *json_read_summary(const char *dir, char *err, size_t n)
{
    char path[OUT_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    char *text;
    size_t len;
    if (out_read_file(path, &text, &len, err, n)) return NULL;
    cJSON *j = cJSON_Parse(text);
    free(text);
    if (!j) snprintf(err, n, "%.900s: not JSON", path);
    return j;
}
