/*
 * jsonout.h - building summary.json with cJSON, and writing it atomically.
 *
 *   cJSON *s = json_summary_new("lsq");            // {"command":"lsq","xbar_version":"0.1.0"}
 *   json_add_config(s, "config", lsq_keys(), &cfg); // {"config":{"device":{"dw_min":0.001,...}}}
 *   cJSON_AddNumberToObject(s, "final_loss", loss);
 *   json_add_array(s, "loss_per_lr", v, n);
 *   if (json_write_file(s, out_path(&o, "summary.json"), err, sizeof err)) ...
 *   cJSON_Delete(s);
 *
 * Use cJSON's own functions for everything else. Non-finite numbers are
 * written as null (cJSON's rule). All functions return NULL / -1 on failure.
 */
#ifndef XBAR_CLI_JSONOUT_H
#define XBAR_CLI_JSONOUT_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "cfg.h"

/** New object {"command": command, "xbar_version": "M.m.p"}; free with cJSON_Delete. */
cJSON *json_summary_new(const char *command);

/**
 * Add obj[name] = { section: { key: value, ... }, ... } for every key of tab
 * (numbers as numbers, bools as bools, enums and strings as strings, lists
 * as arrays). @return the added object (owned by obj), or NULL.
 */
cJSON *json_add_config(cJSON *obj, const char *name, const cfg_key *tab, const void *cfg);

/** Add obj[name] = [v0, v1, ...]. @return the array (owned by obj), or NULL. */
cJSON *json_add_array(cJSON *obj, const char *name, const double *v, size_t n);

/**
 * Write `root` pretty-printed with a final newline to `path`, atomically
 * (out_write_atomic). @return 0, or -1 with "cannot write PATH: ..." in err.
 */
int json_write_file(const cJSON *root, const char *path, char *err, size_t errlen);

/**
 * Parse DIR/summary.json of a finished run. @return the document (free with cJSON_Delete), or
 * NULL with err ("cannot read DIR/summary.json: ...", "DIR/summary.json: not JSON").
 */
cJSON *json_read_summary(const char *dir, char *err, size_t errlen);

#endif
