#ifndef CKINDRED_BLAS_H
#define CKINDRED_BLAS_H

/// Row-major single-precision GEMM: C = alpha * op(A) * op(B) + beta * C.
void kd_sgemm(int transA, int transB, int m, int n, int k, float alpha,
              const float *a, int lda, const float *b, int ldb, float beta,
              float *c, int ldc);

/// Row-major double-precision GEMM: C = alpha * op(A) * op(B) + beta * C.
void kd_dgemm(int transA, int transB, int m, int n, int k, double alpha,
              const double *a, int lda, const double *b, int ldb, double beta,
              double *c, int ldc);

/// Sets the number of threads the BLAS library uses (no-op where unsupported).
void kd_blas_set_threads(int n);

/// The number of threads the BLAS library uses (1 where unknown).
int kd_blas_get_threads(void);

/// A short description of the BLAS library and the kernel it selected.
const char *kd_blas_config(void);

/// Eigen-decomposition of a symmetric n x n matrix (LAPACK dsyevd, divide and conquer).
/// On entry `a` holds the matrix (either triangle; it is symmetric, so row- and column-major agree);
/// on return row i of `a` (row-major) is the unit eigenvector of eigenvalue w[i], ascending.
/// Returns LAPACK's info: 0 on success, < 0 for a bad argument, > 0 when it failed to converge;
/// -1000 when workspace could not be allocated.
int kd_dsyevd(int n, double *a, double *w);

#endif
