// extern "C" wrapper over the parts of FAISS Kindred uses. Debian's libfaiss-dev ships only the
// C++ library (no C API), so this file is the boundary: every C++ exception is caught here and
// turned into an error message.
#include "ckindred_faiss.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

#if __has_include(<faiss/index_factory.h>) && defined(KINDRED_HAVE_FAISS)
#define KD_FAISS 1
#include <faiss/Index.h>
#include <faiss/IndexHNSW.h>
#include <faiss/IndexIVF.h>
#include <faiss/index_factory.h>
#include <faiss/index_io.h>
#include <omp.h>
#include <unistd.h>
#else
#define KD_FAISS 0
#endif

namespace {

void set_error(char *error, size_t size, const std::string &message) {
  if (error == nullptr || size == 0) return;
  std::snprintf(error, size, "%s", message.c_str());
}

#if KD_FAISS
faiss::Index *unwrap(kd_faiss_index *index) { return reinterpret_cast<faiss::Index *>(index); }
const faiss::Index *unwrap(const kd_faiss_index *index) { return reinterpret_cast<const faiss::Index *>(index); }

// Runs `body`, turning any exception into -1 and a message.
template <typename Body>
int guarded(char *error, size_t size, Body body) {
  try {
    body();
    return 0;
  } catch (const std::exception &e) {
    set_error(error, size, e.what());
  } catch (...) {
    set_error(error, size, "unknown C++ exception");
  }
  return -1;
}
#else
int unavailable(char *error, size_t size) {
  set_error(error, size, "this build of Kindred has no FAISS (install libfaiss-dev and rebuild)");
  return -1;
}
#endif

}  // namespace

extern "C" {

int kd_faiss_available(void) { return KD_FAISS; }

#if KD_FAISS

int kd_faiss_create(const char *description, int dim, int metric, kd_faiss_index **out, char *error, size_t error_size) {
  return guarded(error, error_size, [&] {
    faiss::MetricType m = metric == 0 ? faiss::METRIC_INNER_PRODUCT : faiss::METRIC_L2;
    *out = reinterpret_cast<kd_faiss_index *>(faiss::index_factory(dim, description, m));
  });
}

void kd_faiss_free(kd_faiss_index *index) { delete unwrap(index); }

int kd_faiss_train(kd_faiss_index *index, int64_t n, const float *x, char *error, size_t error_size) {
  return guarded(error, error_size, [&] { unwrap(index)->train(n, x); });
}

int kd_faiss_add(kd_faiss_index *index, int64_t n, const float *x, char *error, size_t error_size) {
  return guarded(error, error_size, [&] { unwrap(index)->add(n, x); });
}

int kd_faiss_search(const kd_faiss_index *index, int64_t n, const float *x, int64_t k, float *distances, int64_t *labels,
                    char *error, size_t error_size) {
  return guarded(error, error_size, [&] { unwrap(index)->search(n, x, k, distances, labels); });
}

int kd_faiss_write(const kd_faiss_index *index, const char *path, char *error, size_t error_size) {
  std::string temporary = std::string(path) + ".tmp-" + std::to_string(static_cast<long>(getpid()));
  int rc = guarded(error, error_size, [&] { faiss::write_index(unwrap(index), temporary.c_str()); });
  if (rc != 0) {
    std::remove(temporary.c_str());
    return rc;
  }
  if (std::rename(temporary.c_str(), path) != 0) {
    set_error(error, error_size, std::string("cannot rename the written index to its destination: ") + std::strerror(errno));
    std::remove(temporary.c_str());
    return -1;
  }
  return 0;
}

int kd_faiss_read(const char *path, kd_faiss_index **out, char *error, size_t error_size) {
  return guarded(error, error_size, [&] { *out = reinterpret_cast<kd_faiss_index *>(faiss::read_index(path)); });
}

int kd_faiss_dim(const kd_faiss_index *index) { return static_cast<int>(unwrap(index)->d); }
int64_t kd_faiss_count(const kd_faiss_index *index) { return static_cast<int64_t>(unwrap(index)->ntotal); }
int kd_faiss_is_trained(const kd_faiss_index *index) { return unwrap(index)->is_trained ? 1 : 0; }
int kd_faiss_metric(const kd_faiss_index *index) {
  switch (unwrap(index)->metric_type) {
    case faiss::METRIC_INNER_PRODUCT: return 0;
    case faiss::METRIC_L2: return 1;
    default: return -1;
  }
}

int kd_faiss_set_probes(kd_faiss_index *index, int probes, char *error, size_t error_size) {
  auto *ivf = dynamic_cast<faiss::IndexIVF *>(unwrap(index));
  if (ivf == nullptr) {
    set_error(error, error_size, "the index is not an IVF index, so it has no probe count");
    return -1;
  }
  ivf->nprobe = probes;
  return 0;
}

int kd_faiss_set_ef_search(kd_faiss_index *index, int ef, char *error, size_t error_size) {
  auto *hnsw = dynamic_cast<faiss::IndexHNSW *>(unwrap(index));
  if (hnsw == nullptr) {
    set_error(error, error_size, "the index is not an HNSW index, so it has no efSearch");
    return -1;
  }
  hnsw->hnsw.efSearch = ef;
  return 0;
}

int kd_faiss_set_ef_construction(kd_faiss_index *index, int ef, char *error, size_t error_size) {
  auto *hnsw = dynamic_cast<faiss::IndexHNSW *>(unwrap(index));
  if (hnsw == nullptr) {
    set_error(error, error_size, "the index is not an HNSW index, so it has no efConstruction");
    return -1;
  }
  hnsw->hnsw.efConstruction = ef;
  return 0;
}

void kd_faiss_set_threads(int n) { omp_set_num_threads(n); }

#else

int kd_faiss_create(const char *, int, int, kd_faiss_index **, char *error, size_t error_size) { return unavailable(error, error_size); }
void kd_faiss_free(kd_faiss_index *) {}
int kd_faiss_train(kd_faiss_index *, int64_t, const float *, char *error, size_t error_size) { return unavailable(error, error_size); }
int kd_faiss_add(kd_faiss_index *, int64_t, const float *, char *error, size_t error_size) { return unavailable(error, error_size); }
int kd_faiss_search(const kd_faiss_index *, int64_t, const float *, int64_t, float *, int64_t *, char *error, size_t error_size) {
  return unavailable(error, error_size);
}
int kd_faiss_write(const kd_faiss_index *, const char *, char *error, size_t error_size) { return unavailable(error, error_size); }
int kd_faiss_read(const char *, kd_faiss_index **, char *error, size_t error_size) { return unavailable(error, error_size); }
int kd_faiss_dim(const kd_faiss_index *) { return 0; }
int64_t kd_faiss_count(const kd_faiss_index *) { return 0; }
int kd_faiss_is_trained(const kd_faiss_index *) { return 0; }
int kd_faiss_metric(const kd_faiss_index *) { return -1; }
int kd_faiss_set_probes(kd_faiss_index *, int, char *error, size_t error_size) { return unavailable(error, error_size); }
int kd_faiss_set_ef_search(kd_faiss_index *, int, char *error, size_t error_size) { return unavailable(error, error_size); }
int kd_faiss_set_ef_construction(kd_faiss_index *, int, char *error, size_t error_size) { return unavailable(error, error_size); }
void kd_faiss_set_threads(int) {}

#endif

}  // extern "C"
