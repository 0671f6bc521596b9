/* bench_aihwkit.c - the aihwkit side of `xbar bench --aihwkit FILE` (see
 * bench_parts.h): reading the file, finding a case, reporting one comparison. */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench_parts.h"
#include "file_read.h"

#define AIHWKIT_FILE_MAX ((size_t)4 << 20) /* bytes */

static int fail(char *err, size_t errlen, const char *path, const char *what, const char *detail)
{
    snprintf(err, errlen, "--aihwkit %s: %s%s", path, what, detail ? detail : "");
    return -1;
}

/* Check one results entry k and fill c; 0 or -1 with err. */
static int load_case(const cJSON *e, int k, bench_ref_case *c, const char *path, char *err, size_t errlen)
{
    char at[64];
    snprintf(at, sizeof at, "results[%d]", k);
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(e, "case"), *s = cJSON_GetObjectItemCaseSensitive(e, "s"), *x;
    if (!cJSON_IsString(name) || !name->valuestring[0])
        return fail(err, errlen, path, at, " has no \"case\" name");
    snprintf(at, sizeof at, "case \"%.40s\"", name->valuestring);
    if (!cJSON_IsArray(s) || cJSON_GetArraySize(s) == 0)
        return fail(err, errlen, path, at, " has no times (\"s\": a non-empty array of seconds)");
    c->min_s = INFINITY, c->calls = 0;
    cJSON_ArrayForEach(x, s)
    {
        if (!cJSON_IsNumber(x) || !(x->valuedouble > 0) || !isfinite(x->valuedouble))
            return fail(err, errlen, path, at, ": a time in \"s\" is not a positive number of seconds");
        if (x->valuedouble < c->min_s) c->min_s = x->valuedouble;
        c->calls++;
    }
    c->name = strdup(name->valuestring);
    return c->name ? 0 : fail(err, errlen, path, "out of memory", NULL);
}

int bench_aihwkit_load(bench_ref *r, const char *path, char *err, size_t errlen)
{
    char why[XBAR_FILE_WHY_MAX], *text = NULL;
    size_t len = 0;
    *r = (bench_ref){.path = path};
    if (xbar_file_read_all(path, AIHWKIT_FILE_MAX, "an aihwkit timing file", &text, &len, why, sizeof why))
        return fail(err, errlen, path, "cannot read: ", why);
    cJSON *root = cJSON_ParseWithLength(text, len);
    free(text);
    if (!root) return fail(err, errlen, path, "not JSON", NULL);
    const cJSON *th = cJSON_GetObjectItemCaseSensitive(root, "threads");
    const cJSON *res = cJSON_GetObjectItemCaseSensitive(root, "results"), *e;
    int rc = 0;
    if (!cJSON_IsNumber(th) || !(th->valuedouble >= 1) || th->valuedouble != floor(th->valuedouble))
        rc = fail(err, errlen, path, "no \"threads\" (a positive integer: aihwkit's thread count)", NULL);
    else if (!cJSON_IsArray(res) || cJSON_GetArraySize(res) == 0)
        rc = fail(err, errlen, path, "no \"results\" (a non-empty array of {\"case\", \"s\"})", NULL);
    else if (!(r->cases = calloc((size_t)cJSON_GetArraySize(res), sizeof *r->cases)))
        rc = fail(err, errlen, path, "out of memory", NULL);
    if (!rc) r->threads = (int)th->valuedouble;
    const cJSON *list = rc ? NULL : res;
    cJSON_ArrayForEach(e, list)
    {
        if ((rc = load_case(e, r->n, &r->cases[r->n], path, err, errlen))) break;
        r->n++;
        for (int k = 0; k < r->n - 1 && !rc; k++)
            if (!strcmp(r->cases[k].name, r->cases[r->n - 1].name))
                rc = fail(err, errlen, path, "a case is listed twice: ", r->cases[k].name);
        if (rc) break;
    }
    cJSON_Delete(root);
    if (rc) bench_aihwkit_free(r);
    return rc;
}

void bench_aihwkit_free(bench_ref *r)
{
    for (int k = 0; r->cases && k < r->n; k++) free(r->cases[k].name);
    free(r->cases);
    r->cases = NULL, r->n = 0;
}

const bench_ref_case *bench_aihwkit_find(const bench_ctx *b, const char *name)
{
    for (int k = 0; b->aihwkit && k < b->aihwkit->n; k++)
        if (!strcmp(b->aihwkit->cases[k].name, name)) {
            b->aihwkit->cases[k].used = 1;
            return &b->aihwkit->cases[k];
        }
    return NULL;
}

void bench_aihwkit_row(bench_ctx *b, cJSON *o, const bench_ref_case *c, const double *xbar_s, const char *what,
                       const char *target)
{
    char tb[16], source[1200];
    double vs[2];
    snprintf(source, sizeof source, "%s (min of %d call%s)", b->aihwkit->path, c->calls, c->calls > 1 ? "s" : "");
    bench_out(b, " | aihwkit %s (min of %d):", bench_fmt_time(c->min_s, tb), c->calls);
    for (int k = 0; k < b->nth; k++) bench_out(b, " %.2fx", vs[k] = c->min_s / xbar_s[k]);
    cJSON_AddNumberToObject(o, "aihwkit_seconds", c->min_s);
    cJSON_AddStringToObject(o, "aihwkit_source", source);
    bench_json_pair(b, o, "vs_aihwkit", vs);
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "case", what);
    cJSON_AddStringToObject(r, "aihwkit_case", c->name);
    cJSON_AddNumberToObject(r, "aihwkit_seconds", c->min_s);
    cJSON_AddStringToObject(r, "aihwkit_source", source);
    bench_json_pair(b, r, "seconds", xbar_s);
    bench_json_pair(b, r, "speedup", vs);
    cJSON_AddStringToObject(r, "target", target);
    cJSON_AddItemToArray(b->summary, r);
}
