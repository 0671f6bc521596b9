/* blas.c - matrix products whose bits do not depend on the thread count.
 *
 * OpenBLAS's sgemm gives different bits at 1 and 2 threads, and also when the
 * same product is split differently (measured with OpenBLAS 0.3.21: a 64x256x784
 * product differs in its last bits at 2 threads, and when its columns are
 * computed in blocks). xbar therefore keeps OpenBLAS single-threaded
 * (threads.c) and splits every product into a FIXED partition of column blocks
 * of C, XBAR_GEMM_NB wide, computed by single-threaded calls spread over xbar's
 * OpenMP threads. The partition depends only on the shape, so the result is the
 * same for every thread count. */
#include <cblas.h>

#include "internal.h"

#define XBAR_GEMM_NB 128 /* columns of C per block */

void xbar_sgemm(int trans_a, int trans_b, size_t M, size_t N, size_t K, float alpha, const float *A, size_t lda,
                const float *B, size_t ldb, float beta, float *C, size_t ldc)
{
    const size_t blocks = (N + XBAR_GEMM_NB - 1) / XBAR_GEMM_NB;
    const CBLAS_TRANSPOSE ta = trans_a ? CblasTrans : CblasNoTrans, tb = trans_b ? CblasTrans : CblasNoTrans;
    XBAR_PAR_FOR(
        blocks > 1 && M * N * K >= (1u << 18), schedule(static), for (size_t b = 0; b < blocks; b++) {
            const size_t j0 = b * XBAR_GEMM_NB, w = N - j0 < XBAR_GEMM_NB ? N - j0 : XBAR_GEMM_NB;
            const float *Bb = trans_b ? B + j0 * ldb : B + j0; /* columns j0.. of op(B) */
            cblas_sgemm(CblasRowMajor, ta, tb, (int)M, (int)w, (int)K, alpha, A, (int)lda, Bb, (int)ldb, beta, C + j0,
                        (int)ldc);
        });
}
