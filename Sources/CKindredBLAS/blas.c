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
#include <stdlib.h>

#if !defined(__APPLE__)
/* LAPACK (shipped inside OpenBLAS); Accelerate declares the same symbol in its headers. */
extern void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a,
                    const int *lda, double *w, double *work, const int *lwork,
                    int *iwork, const int *liwork, int *info);
#endif

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

int kd_dsyevd(int n, double *a, double *w) {
  if (n <= 0) return 0;
  const char jobz = 'V', uplo = 'L';
  int lda = n, lwork = -1, liwork = -1, info = 0, iwork_query = 0;
  double work_query = 0;
  dsyevd_(&jobz, &uplo, &n, a, &lda, w, &work_query, &lwork, &iwork_query,
          &liwork, &info);
  if (info != 0) return info;
  lwork = (int)work_query;
  liwork = iwork_query;
  double *work = malloc(sizeof(double) * (size_t)(lwork > 1 ? lwork : 1));
  int *iwork = malloc(sizeof(int) * (size_t)(liwork > 1 ? liwork : 1));
  if (work == NULL || iwork == NULL) {
    free(work);
    free(iwork);
    return -1000;
  }
  dsyevd_(&jobz, &uplo, &n, a, &lda, w, work, &lwork, iwork, &liwork, &info);
  free(work);
  free(iwork);
  return info;
}
