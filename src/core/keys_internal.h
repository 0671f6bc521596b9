/* keys_internal.h - assignments "section.key=value" over a struct described by parts:
 * each section is a library key table at a byte offset of the struct (keys.c). */
#ifndef XBAR_KEYS_INTERNAL_H
#define XBAR_KEYS_INTERNAL_H

#include "xbar.h"

/** One section of a struct: rows[0..count) (count 0: up to the end row) of a key
 *  table, their offsets taken from byte `base` of the struct. */
typedef struct {
    const char *section;
    const xbar_key *rows;
    size_t count;
    size_t base;
} xbar_key_part;

/**
 * Apply "section.key=value" (blanks around the names and the value ignored) to obj.
 * XBAR_EINVAL with xbar_last_error():
 *   "'devicetau=1': expected section.key=value"
 *   "device.tau = -1: must be > 0"
 *   "device.foo = 1: unknown key (keys of [device]: model, tau, ...)"
 *   "devic.tau = 1: unknown key (sections: device, update, ...)"
 */
xbar_status xbar_key_assign(const xbar_key_part *parts, size_t np, void *obj, const char *assignment);

/** The value of "section.key" of obj as config.ini holds it, into buf (truncated to cap).
 *  XBAR_EINVAL "WHO: section.key: unknown key" when no part has it. */
xbar_status xbar_key_lookup(const xbar_key_part *parts, size_t np, const void *obj, const char *key, char *buf,
                            size_t cap, const char *who);

#define XBAR_TILE_KEY_PARTS 5
/** The sections of an xbar_tile_config at byte `base` of a struct: device, update,
 *  forward, backward and tile (seed, id); XBAR_TILE_KEY_PARTS of them (tile_keys.c). */
size_t xbar_tile_key_parts(xbar_key_part *out, size_t base);

#endif
