/* train_data.h - the image data sets of `xbar train`, as float pixels in [0, 1]
 * (value/255, no normalisation, as torchvision's ToTensor). */
#ifndef XBAR_CLI_TRAIN_DATA_H
#define XBAR_CLI_TRAIN_DATA_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    size_t n, rows, cols; /* samples, image height and width (1 channel) */
    float *x;             /* n*rows*cols pixels in [0, 1] */
    uint8_t *y;           /* n labels < 10 */
} train_split;

/**
 * Load DIR/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz (or the same names
 * without .gz), keeping the first train_limit / test_limit samples (0 = all).
 * Errors (returns -1, err set, nothing allocated): a missing file names the
 * path and the command that installs the data (`bash scripts/data.sh`); a
 * header announcing more (or fewer) items than the file holds is refused
 * before anything is allocated (train_idx_header); other malformed files
 * carry the IDX reader's message; train and test images of different sizes
 * are refused.
 */
int train_data_load(train_split *train, train_split *test, const char *dir, int train_limit, int test_limit,
                    char *err, size_t n);
void train_split_free(train_split *s);

#define TRAIN_DEFLATE_MAX_RATIO 1032 /* deflate's largest expansion: output bytes per compressed byte */

/**
 * The header of the IDX file `path` (ndim = 3: images, magic 0x803; 1:
 * labels, 0x801), checked against the file's size before anything is
 * allocated: a plain file must hold exactly the header and the announced
 * bytes (n*rows*cols, or n); a gzip file (bytes 1f 8b) at most
 * TRAIN_DEFLATE_MAX_RATIO bytes per byte of the file. dims receives the
 * announced dimensions (n, rows, cols). Returns 0 (plausible), 1 when the
 * file is not a regular file, its header cannot be read, or it has another
 * magic or a dimension of 0 (no err:
 * xbar_idx_load says why), or -1 with err naming the file, e.g.
 * "DIR/train-images-idx3-ubyte: header announces 4294967295 images of 28x28
 * (3371549327160 bytes) but the file holds 78400 bytes after its 16-byte
 * header (100 images)".
 */
int train_idx_header(const char *path, int ndim, uint32_t dims[3], char *err, size_t n);

#endif
