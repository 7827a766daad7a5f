#include "ckindred_blas.h"

#if defined(__APPLE__)
#define ACCELERATE_NEW_LAPACK 1
#include <Accelerate/Accelerate.h>
#else
#include <cblas.h>
extern void openblas_set_num_threads(int);
extern int openblas_get_num_threads(void);
extern char *openblas_get_config(void);
extern char *openblas_get_corename(void);
#endif
#include <stdio.h>

void kd_sgemm(int transA, int transB, int m, int n, int k, float alpha,
              const float *a, int lda, const float *b, int ldb, float beta,
              float *c, int ldc) {
  cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans,
              transB ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b,
              ldb, beta, c, ldc);
}

void kd_dgemm(int transA, int transB, int m, int n, int k, double alpha,
              const double *a, int lda, const double *b, int ldb, double beta,
              double *c, int ldc) {
  cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans,
              transB ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b,
              ldb, beta, c, ldc);
}

void kd_blas_set_threads(int n) {
#if !defined(__APPLE__)
  openblas_set_num_threads(n);
#else
  (void)n;
#endif
}

int kd_blas_get_threads(void) {
#if !defined(__APPLE__)
  return openblas_get_num_threads();
#else
  return 1;
#endif
}

const char *kd_blas_config(void) {
#if !defined(__APPLE__)
  static char buf[256];
  snprintf(buf, sizeof buf, "OpenBLAS %s (kernel %s)", openblas_get_config(),
           openblas_get_corename());
  return buf;
#else
  return "Accelerate";
#endif
}
