/*
 * export_run.h - `xbar export`: the network of a training checkpoint as named
 * float32 arrays, written as one .npz or a folder of .npy files (docs/export.md).
 *
 * The checkpoint (OUT/checkpoint.xbc or OUT.run/checkpoint.xbc) is read with the
 * functions of `xbar train`: the configuration is the config.ini beside it, the
 * network is rebuilt from it (train_cfg_layers, xbar_net_new on the image size of
 * the configured data set, 28x28 when its files are not there) and loaded with
 * ckpt_read, which checks the file's frame, CRC, format version, configuration hash
 * and devices.
 */
#ifndef XBAR_CLI_EXPORT_RUN_H
#define XBAR_CLI_EXPORT_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "export_npy.h"
#include "xbar.h"

/** One exported array. */
typedef struct {
    char name[96];    /* "layer3.linear.weight", "layer3.opt.fast_tile_A" */
    char source[128]; /* what it is, e.g. "analog weight (visible: xbar_aw_get_weights)" */
    npy_array a;      /* data: into the network, or into `owned` */
    float *owned;     /* malloc'd copy (an analog layer's visible weights), else NULL */
} export_array;

/** A loaded checkpoint and its arrays. */
typedef struct {
    xbar_net *net;
    int epochs;       /* epochs finished */
    uint64_t steps;   /* optimizer steps */
    char xbar[16];    /* version that wrote it */
    export_array *arr;
    size_t count;
} export_state;

/**
 * Load the checkpoint at path into s and list its arrays. Errors (returns 2, err
 * one line naming the file; nothing allocated remains): not a regular file, no
 * config.ini beside it or a bad one, and everything ckpt_read refuses. 1: out of
 * memory. @return 0 on success (free with export_state_free).
 */
int export_load(const char *path, export_state *s, char *err, size_t n);
void export_state_free(export_state *s);

/** Write s as the .npz `out` (atomically: OUT.tmp, renamed). @return 0, or 1 / 2 with err. */
int export_write_npz(const export_state *s, const char *out, char *err, size_t n);
/** Write s as the folder `dir` of NAME.npy files plus index.json (outdir.h: all or nothing);
 *  ckpt is named in index.json. @return 0, or 1 / 2 with err. */
int export_write_dir(const export_state *s, const char *dir, const char *ckpt, int force, char *err, size_t n);

#endif
