/*
 * train_ckpt.h - the checkpoint files of `xbar train`: OUT.run/checkpoint.xbc
 * (the latest, rewritten at the start of a run and at every epoch end),
 * OUT.run/checkpoint.prev.xbc (the one before it) and the final
 * OUT/checkpoint.xbc.
 *
 * Format version 4, little-endian:
 *   offset  bytes
 *        0      8  magic "XBARCKP1" (the same in every format version)
 *        8      4  u32 format version (4; formats 2 and 3 are read too: their history
 *                  has 8 and 12 records per epoch, the last six and two below missing,
 *                  read as 0)
 *       12      4  u32 reserved (0)
 *       16      8  u64 length of the whole file (tells a truncated file apart)
 *       24      8  u64 config hash (ckpt_config_hash)
 *       32     16  xbar version that wrote it, "MAJOR.MINOR.PATCH", NUL-padded
 *       48      4  u32 epochs finished E
 *       52      4  u32 reserved (0)
 *       56      8  u64 optimizer steps (mini-batches) done
 *       64  E*112  history: per epoch 14 f64 (train_loss, train_acc, test_loss,
 *                  test_acc, lr, seconds, samples_per_s, pulses, grad_pulses,
 *                  transfer_pulses, reads, writes, calib_pulses, prog_events:
 *                  xbar_pulse_counts)
 *               4  u32 T, the analog tiles; then T device records:
 *                  u32 layer, u32 tile (0: A or the only tile, 1: C), u64 n
 *                  devices, f32 ref, f32 granularity, 6 x n f32 (b_max, b_min,
 *                  s_up, s_dn, a_up, a_dn: xbar_devices)
 *               8  u64 L, then L bytes of xbar_net_save: every layer's digital
 *                  weights, biases and output scales; every tile's weights and
 *                  counters (updates, reads, pulses: the indices of its
 *                  counter-based RNG streams); every optimizer's update count
 *                  and next transfer column
 *               4  u32 CRC-32 (zlib) of every byte before it
 * The shuffling is a pure function of (seed, epoch), fixed by the config and E.
 * xbar redraws the device parameters from the configuration; a load checks
 * that the stored ones match bit for bit, so a build that draws other devices
 * is refused instead of continuing differently.
 *
 * Writing: the bytes go to PATH.tmp, which is fsynced; then (when rotating)
 * PATH is hard-linked as PREV.tmp and that renamed over PREV, PATH.tmp is
 * renamed over PATH, and the directory is fsynced. A kill at any moment leaves
 * a complete PATH (the latest or the one before it) and PREV. On a file system
 * without hard links PATH is renamed to PREV instead, and a kill between the
 * two renames leaves only PREV (a resume falls back to it).
 */
#ifndef XBAR_CLI_TRAIN_CKPT_H
#define XBAR_CLI_TRAIN_CKPT_H

#include <stddef.h>
#include <stdint.h>

#include "train_exec.h"
#include "xbar.h"

#define CKPT_VERSION 4u
#define TRAIN_CKPT_PREV "checkpoint.prev.xbc"
#define TRAIN_CKPT_REJECTED "checkpoint.rejected.xbc"

/** What a checkpoint says about its run besides the history and the network. */
typedef struct {
    uint64_t config_hash; /* ckpt_config_hash of the run's configuration */
    uint64_t steps;       /* optimizer steps (mini-batches) done */
    char xbar[16];        /* xbar version that wrote it (read only) */
} ckpt_meta;

/** Grow h to hold `epochs` records (zero-filled). @return 0 or -1. */
int history_reserve(train_history *h, int epochs);
void history_free(train_history *h);

/**
 * FNV-1a 64 of the resolved configuration: one "section.key=value\n" line per
 * key of train_keys in table order (values as config.ini writes them) whose value
 * is not its default, except train.memory_budget_mib and train.epochs, which do
 * not change the state reached after a given epoch (so `reproduce --full
 * --epochs` may extend an interrupted run). Keys at their defaults are left out
 * so that a key added by a later xbar (with a default that keeps the old
 * behaviour) does not orphan a run's checkpoints; the price: a later change of
 * a default is not detected. Never 0.
 */
uint64_t ckpt_config_hash(const train_cfg *c);

/**
 * Write a checkpoint of h and net to path; with prev (may be NULL), the old
 * path is kept as prev (see above). *state_crc (may be NULL) receives the
 * CRC-32 of the xbar_net_save bytes. @return 0 or -1 (err).
 */
int ckpt_write(const char *path, const char *prev, const ckpt_meta *m, const train_history *h, xbar_net *net,
               uint32_t *state_crc, char *err, size_t n);

/**
 * Read a checkpoint into h (grown as needed), net (built from the same
 * configuration) and *m (may be NULL). config_hash 0 accepts any
 * configuration. Errors name the file and the reason: "not an xbar training
 * checkpoint", "truncated (N of M bytes)", "corrupt (CRC mismatch)", "format
 * version 1, this xbar reads 2", "written for another configuration", device
 * parameters or a network that do not match. @return 0 or -1; on -1, h and
 * net may hold part of the file.
 */
int ckpt_read(const char *path, uint64_t config_hash, train_history *h, xbar_net *net, ckpt_meta *m, char *err,
              size_t n);

/**
 * Load the newest usable checkpoint of run directory `run`: RUN/checkpoint.xbc,
 * else RUN/checkpoint.prev.xbc. Each rejection and the fallback are reported
 * on stderr, one line each ("xbar train: ..."); a rejected latest file is
 * renamed to RUN/checkpoint.rejected.xbc so that the next rotation keeps the
 * good one. @return 0 (loaded), 1 (no checkpoint yet: start from the
 * beginning) or -1 (none usable; err names both files and reasons, nothing
 * renamed).
 */
int ckpt_load_latest(const char *run, uint64_t config_hash, train_history *h, xbar_net *net, ckpt_meta *m, char *err,
                     size_t n);

#endif
