/*
 * train_ckpt.h - the checkpoint file of `xbar train` (OUT.run/checkpoint.xbc).
 *
 * Layout (little-endian): "XBARCKP1", u32 format version (1), u32 epochs E,
 * E records of 8 float64 (train_loss, train_acc, test_loss, test_acc, lr,
 * seconds, samples_per_s, pulses), u64 length L, L bytes of xbar_net_save,
 * u32 CRC-32 (zlib) of everything before it. Written to a temporary name,
 * fsynced and renamed, so a crash leaves the previous checkpoint intact.
 */
#ifndef XBAR_CLI_TRAIN_CKPT_H
#define XBAR_CLI_TRAIN_CKPT_H

#include <stddef.h>
#include <stdint.h>

#include "train_exec.h"
#include "xbar.h"

/** Grow h to hold `epochs` records (zero-filled). @return 0 or -1. */
int history_reserve(train_history *h, int epochs);
void history_free(train_history *h);

/** Write the checkpoint; *state_crc receives the CRC-32 of the network bytes. @return 0 or -1 (err). */
int ckpt_write(const char *path, const train_history *h, const xbar_net *net, uint32_t *state_crc, char *err,
               size_t n);
/** Read a checkpoint into h (grown as needed) and net (built from the same
 *  config). Errors name the file: unreadable, not a checkpoint, corrupt
 *  (CRC), or a network that does not match. @return 0 or -1. */
int ckpt_read(const char *path, train_history *h, xbar_net *net, char *err, size_t n);

#endif
