/*
 * export_npy.h - float32 arrays as NumPy .npy files, and many of them as one
 * uncompressed .npz (a zip archive of NAME.npy members, what numpy.savez writes
 * and numpy.load reads).
 *
 * .npy (format 1.0): "\x93NUMPY", 1, 0, u16 header length, then the header
 *   "{'descr': '<f4', 'fortran_order': False, 'shape': (R, C), }" padded with
 *   spaces and ended by '\n' so that the data starts at a multiple of 64; then
 *   the float32 values, little-endian, row-major (C order).
 * .npz: per member a local file header (method 0 = stored, CRC-32 of zlib, the
 *   fixed DOS time 1980-01-01 00:00 so that reruns are byte-identical), the name
 *   and the .npy bytes; then the central directory and the end record. No ZIP64:
 *   the archive and every member stay under 4 GiB, or writing is refused.
 *
 * Buffers are growable byte strings owned by the caller (npy_buf_free).
 */
#ifndef XBAR_CLI_EXPORT_NPY_H
#define XBAR_CLI_EXPORT_NPY_H

#include <stddef.h>
#include <stdint.h>

#define NPY_MAX_DIMS 2

/** One float32 array: ndim 1 or 2, shape[0..ndim), n = product of the shape. */
typedef struct {
    const float *data;
    size_t n;
    int ndim;
    size_t shape[NPY_MAX_DIMS];
} npy_array;

/** A growable byte string (zero-initialise it; free with npy_buf_free). */
typedef struct {
    unsigned char *p;
    size_t len, cap;
    int oom; /* set when a growth failed; later appends do nothing */
} npy_buf;

void npy_buf_free(npy_buf *b);

/** Append the .npy bytes of a to b. @return 0 or -1 (out of memory). */
int npy_append(npy_buf *b, const npy_array *a);

/** Bytes of the .npy header of a (the data follow at that offset; a multiple of 64). */
size_t npy_header_len(const npy_array *a);

/**
 * The .npz of count arrays, member names[i] + ".npy", into b (appended).
 * @return 0, -1 (out of memory) or -2 (over the 4 GiB of a zip without ZIP64).
 */
int npz_build(npy_buf *b, const char *const *names, const npy_array *arrays, size_t count);

#endif
