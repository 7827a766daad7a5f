#ifndef CKINDRED_FAISS_H
#define CKINDRED_FAISS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// An opaque FAISS index (a faiss::Index owned by the wrapper).
typedef struct kd_faiss_index kd_faiss_index;

/// Every function that can fail returns 0 on success and -1 on failure; on failure it writes a
/// NUL-terminated message (FAISS's exception text, or why the call was refused) into `error`,
/// which holds `error_size` bytes. C++ exceptions never cross this boundary.

/// Whether this build was linked against FAISS (0: every call below fails with a message saying so).
int kd_faiss_available(void);

/// Creates an empty index from a FAISS index_factory description ("Flat", "IVF100,Flat", "HNSW32")
/// for `dim`-dimensional vectors; `metric` 0 = inner product, 1 = squared L2.
int kd_faiss_create(const char *description, int dim, int metric, kd_faiss_index **out, char *error, size_t error_size);

/// Frees an index (NULL is ignored).
void kd_faiss_free(kd_faiss_index *index);

/// Trains the index on `n` row-major vectors (a no-op for indexes that need no training).
int kd_faiss_train(kd_faiss_index *index, int64_t n, const float *x, char *error, size_t error_size);

/// Adds `n` row-major vectors; they get the ids `count … count + n − 1`.
int kd_faiss_add(kd_faiss_index *index, int64_t n, const float *x, char *error, size_t error_size);

/// The `k` nearest stored vectors of each of `n` queries: `distances` and `labels` hold `n × k`
/// entries (inner products or squared L2 distances; label −1 pads rows with fewer results).
int kd_faiss_search(const kd_faiss_index *index, int64_t n, const float *x, int64_t k, float *distances, int64_t *labels,
                    char *error, size_t error_size);

/// Writes the index to `path` atomically (a temporary file in the same folder, then a rename).
int kd_faiss_write(const kd_faiss_index *index, const char *path, char *error, size_t error_size);

/// Reads an index written by kd_faiss_write (or by FAISS's write_index).
int kd_faiss_read(const char *path, kd_faiss_index **out, char *error, size_t error_size);

/// Vector dimension, stored vectors, whether trained, metric (0 inner product, 1 L2, −1 other).
int kd_faiss_dim(const kd_faiss_index *index);
int64_t kd_faiss_count(const kd_faiss_index *index);
int kd_faiss_is_trained(const kd_faiss_index *index);
int kd_faiss_metric(const kd_faiss_index *index);

/// Search-time parameters: IVF lists probed (IVF indexes) and HNSW's efSearch (HNSW indexes);
/// HNSW's efConstruction before adding. Returns -1 with a message when the index has no such parameter.
int kd_faiss_set_probes(kd_faiss_index *index, int probes, char *error, size_t error_size);
int kd_faiss_set_ef_search(kd_faiss_index *index, int ef, char *error, size_t error_size);
int kd_faiss_set_ef_construction(kd_faiss_index *index, int ef, char *error, size_t error_size);

/// Sets the number of OpenMP threads FAISS uses.
void kd_faiss_set_threads(int n);

#ifdef __cplusplus
}
#endif

#endif
