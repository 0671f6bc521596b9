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
 * path and the command that installs the data (`bash scripts/data.sh`);
 * malformed files carry the IDX reader's message; train and test images of
 * different sizes are refused.
 */
int train_data_load(train_split *train, train_split *test, const char *dir, int train_limit, int test_limit,
                    char *err, size_t n);
void train_split_free(train_split *s);

#endif
