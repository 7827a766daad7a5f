/* FAISS's headers include <omp.h>, which Swift's clang does not ship. This forwards to the OpenMP
 * header of the system's GCC (whose libgomp the FAISS library was built against), and declares the
 * few functions the wrapper calls if no GCC header is found. */
#ifndef CKINDRED_OMP_SHIM_H
#define CKINDRED_OMP_SHIM_H

#if __has_include("/usr/lib/gcc/x86_64-linux-gnu/14/include/omp.h")
#include "/usr/lib/gcc/x86_64-linux-gnu/14/include/omp.h"
#elif __has_include("/usr/lib/gcc/x86_64-linux-gnu/13/include/omp.h")
#include "/usr/lib/gcc/x86_64-linux-gnu/13/include/omp.h"
#elif __has_include("/usr/lib/gcc/x86_64-linux-gnu/12/include/omp.h")
#include "/usr/lib/gcc/x86_64-linux-gnu/12/include/omp.h"
#elif __has_include("/usr/lib/gcc/x86_64-linux-gnu/11/include/omp.h")
#include "/usr/lib/gcc/x86_64-linux-gnu/11/include/omp.h"
#elif __has_include("/usr/lib/gcc/x86_64-linux-gnu/10/include/omp.h")
#include "/usr/lib/gcc/x86_64-linux-gnu/10/include/omp.h"
#elif __has_include("/usr/lib/gcc/aarch64-linux-gnu/14/include/omp.h")
#include "/usr/lib/gcc/aarch64-linux-gnu/14/include/omp.h"
#elif __has_include("/usr/lib/gcc/aarch64-linux-gnu/13/include/omp.h")
#include "/usr/lib/gcc/aarch64-linux-gnu/13/include/omp.h"
#elif __has_include("/usr/lib/gcc/aarch64-linux-gnu/12/include/omp.h")
#include "/usr/lib/gcc/aarch64-linux-gnu/12/include/omp.h"
#else
/* libgomp's ABI on 64-bit Linux: a lock is 4 bytes, a nested lock 16. */
#ifdef __cplusplus
extern "C" {
#endif
typedef struct { unsigned char _x[4] __attribute__((__aligned__(4))); } omp_lock_t;
typedef struct { unsigned char _x[16] __attribute__((__aligned__(8))); } omp_nest_lock_t;
void omp_set_num_threads(int);
int omp_get_max_threads(void);
int omp_get_num_threads(void);
int omp_get_thread_num(void);
int omp_in_parallel(void);
void omp_init_lock(omp_lock_t *);
void omp_destroy_lock(omp_lock_t *);
void omp_set_lock(omp_lock_t *);
void omp_unset_lock(omp_lock_t *);
#ifdef __cplusplus
}
#endif
#endif

#endif
