// qv_index_*: argument checks and translation to quiver::Collection.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "capi/error_state.h"
#include "capi/handle_checks.h"
#include "capi/index_handle.h"
#include "capi/search_params.h"
#include "capi/struct_sizes.h"
#include "core/limits.h"
#include "core/metric.h"
#include "index/index_factory.h"
#include "index/index_kind.h"

using quiver::capi::check_index;
using quiver::capi::check_writable;
using quiver::capi::guard;
using quiver::capi::invalid;
using quiver::capi::raw_enum;
using quiver::capi::read_search_params;
using quiver::capi::set_error;

// The C names and the core's values are one list: a mismatch fails the build.
static_assert(QV_MAX_DIM == quiver::kMaxDim);
static_assert(QV_MIN_HNSW_M == quiver::kMinHnswM && QV_MAX_HNSW_M == quiver::kMaxHnswM);
static_assert(QV_INDEX_FLAT == uint32_t(quiver::IndexKind::Flat) &&
              QV_INDEX_HNSW == uint32_t(quiver::IndexKind::Hnsw));
static_assert(QV_STORAGE_F32 == int(quiver::Storage::F32) &&
              QV_STORAGE_F16 == int(quiver::Storage::F16) &&
              QV_STORAGE_I8 == int(quiver::Storage::I8) &&
              QV_STORAGE_B1 == int(quiver::Storage::B1));
static_assert(QV_METRIC_L2 == int(quiver::Metric::L2) &&
              QV_METRIC_IP == int(quiver::Metric::InnerProduct) &&
              QV_METRIC_COSINE == int(quiver::Metric::Cosine));

namespace {

// Reads the caller's options (any released struct_size) into `full`, the
// current struct with defaults for what an older one lacks, and checks them.
qv_status read_options(const qv_index_options* in, qv_index_options& full) {
  if (!in) return invalid("options is NULL; fill a qv_index_options with qv_index_options_init");
  qv_index_options_init(&full);
  if (qv_status s = quiver::capi::read_versioned(in, quiver::capi::kIndexOptionsV1Size,
                                                 offsetof(qv_index_options, storage), "options",
                                                 "qv_index_options_init", full))
    return s;
  const qv_index_options* o = &full;
  if (o->dim == 0 || o->dim > QV_MAX_DIM)
    return invalid("dim is " + std::to_string(o->dim) + "; it must be between 1 and " +
                   std::to_string(QV_MAX_DIM));
  // Read as int: a value outside the enums' range is exactly what this
  // checks for (see raw_enum).
  const int metric = raw_enum(o->metric), kind = raw_enum(o->kind);
  if (metric != QV_METRIC_L2 && metric != QV_METRIC_IP && metric != QV_METRIC_COSINE)
    return invalid("metric " + std::to_string(metric) + " is unknown; use L2, IP or COSINE");
  if (kind != QV_INDEX_FLAT && kind != QV_INDEX_HNSW)
    return invalid("index kind " + std::to_string(kind) + " is unknown; use FLAT or HNSW");
  int storage = raw_enum(o->storage);
  if (storage == 0) {  // a zeroed struct: the default
    full.storage = QV_STORAGE_F32;
    storage = QV_STORAGE_F32;
  }
  if (storage < QV_STORAGE_F32 || storage > QV_STORAGE_B1)
    return invalid("storage " + std::to_string(storage) + " is unknown; use F32, F16, I8 or B1");
  if (storage == QV_STORAGE_B1 && metric == QV_METRIC_L2)
    return invalid(
        "B1 storage keeps only the signs of the elements, which say nothing of L2 "
        "distances; use it with the COSINE or IP metric, or use I8 storage for L2");
  if (o->keep_originals > 1)
    return invalid("keep_originals is " + std::to_string(o->keep_originals) +
                   "; use 1 (keep the float32 originals) or 0 (codes only)");
  if (kind == QV_INDEX_HNSW) {
    if (o->hnsw_m < quiver::kMinHnswM || o->hnsw_m > quiver::kMaxHnswM)
      return invalid("hnsw_m is " + std::to_string(o->hnsw_m) + "; it must be between " +
                     std::to_string(quiver::kMinHnswM) + " and " +
                     std::to_string(quiver::kMaxHnswM) + " (16 is a good default)");
    if (o->hnsw_ef_construction == 0)
      return invalid("hnsw_ef_construction must be at least 1 (200 is a good default)");
    if (o->hnsw_ef_search == 0)
      return invalid("hnsw_ef_search must be at least 1 (64 is a good default)");
  }
  return QV_OK;
}

}  // namespace

extern "C" {

QV_API void qv_index_options_init_sized(qv_index_options* opts, size_t struct_size) {
  qv_index_options o{};
  o.dim = 0;
  o.metric = QV_METRIC_L2;
  o.kind = QV_INDEX_HNSW;
  o.hnsw_m = 16;
  o.hnsw_ef_construction = 200;
  o.hnsw_ef_search = 64;
  o.seed = 42;
  o.threads = 0;
  o.storage = QV_STORAGE_F32;
  o.keep_originals = 1;
  quiver::capi::init_sized(opts, struct_size, o);
}

QV_API void qv_search_params_init_sized(qv_search_params* params, size_t struct_size) {
  quiver::capi::init_sized(params, struct_size, qv_search_params{});
}

// The 0.1 symbols, for programs built against the 0.1 header (whose
// structs are 0.1's size); the header makes these names macros.
#undef qv_index_options_init
#undef qv_search_params_init
QV_API void qv_index_options_init(qv_index_options* opts);
QV_API void qv_search_params_init(qv_search_params* params);
QV_API void qv_index_options_init(qv_index_options* opts) {
  qv_index_options_init_sized(opts, quiver::capi::kIndexOptionsV1Size);
}
QV_API void qv_search_params_init(qv_search_params* params) {
  qv_search_params_init_sized(params, quiver::capi::kSearchParamsV1Size);
}

QV_API qv_status qv_index_create(const qv_index_options* opts, qv_index** out) {
  if (!out) return invalid("out is NULL; pass the address of a qv_index* to receive the index");
  qv_index_options o;
  if (qv_status s = read_options(opts, o)) return s;
  return guard([&] {
    auto handle = std::make_unique<qv_index>();
    handle->options = o;
    quiver::HnswParams p;
    p.m = o.hnsw_m;
    p.ef_construction = o.hnsw_ef_construction;
    p.ef_search = o.hnsw_ef_search;
    p.seed = o.seed;
    quiver::StorageOptions storage;
    storage.type = static_cast<quiver::Storage>(o.storage);
    storage.keep_originals = o.keep_originals != 0;
    handle->collection = std::make_unique<quiver::Collection>(
        quiver::create_index(static_cast<quiver::IndexKind>(o.kind), o.dim,
                             static_cast<quiver::Metric>(o.metric), storage, p));
    *out = handle.release();
  });
}

QV_API void qv_index_free(qv_index* index) { delete index; }

QV_API qv_status qv_index_add(qv_index* index, uint64_t key, const float* vector) {
  if (qv_status s = check_writable(index)) return s;
  if (!vector) return invalid("vector is NULL; pass dim floats");
  return guard([&] { index->collection->add(key, vector); });
}

QV_API qv_status qv_index_add_batch(qv_index* index, size_t n, const uint64_t* keys,
                                    const float* vectors) {
  if (qv_status s = check_writable(index)) return s;
  if (n == 0) return QV_OK;
  if (!keys) return invalid("keys is NULL; pass n keys");
  if (!vectors) return invalid("vectors is NULL; pass n x dim floats, row-major");
  if (n > std::numeric_limits<size_t>::max() / sizeof(float) / index->collection->index().dim())
    return set_error(QV_ERR_OUT_OF_MEMORY, "n is too large for this dimension");
  return guard([&] { index->collection->add_batch(n, keys, vectors, index->options.threads); });
}

QV_API qv_status qv_index_upsert(qv_index* index, uint64_t key, const float* vector) {
  if (qv_status s = check_writable(index)) return s;
  if (!vector) return invalid("vector is NULL; pass dim floats");
  return guard([&] { index->collection->upsert(key, vector); });
}

QV_API qv_status qv_index_remove(qv_index* index, uint64_t key) {
  if (qv_status s = check_writable(index)) return s;
  return guard([&] { index->collection->remove(key); });
}

QV_API qv_status qv_index_count(const qv_index* index, size_t* out) {
  if (qv_status s = check_index(index)) return s;
  if (!out) return invalid("out is NULL; pass the address of a size_t");
  return guard([&] { *out = index->collection->index().size(); });
}

QV_API qv_status qv_index_dim(const qv_index* index, uint32_t* out) {
  if (qv_status s = check_index(index)) return s;
  if (!out) return invalid("out is NULL; pass the address of a uint32_t");
  *out = index->collection->index().dim();
  return QV_OK;
}

QV_API qv_status qv_index_get(const qv_index* index, uint64_t key, float* vector_out) {
  if (qv_status s = check_index(index)) return s;
  if (!vector_out) return invalid("vector_out is NULL; pass room for dim floats");
  return guard([&] { index->collection->index().get(key, vector_out); });
}

QV_API qv_status qv_index_search(const qv_index* index, const float* query, size_t k,
                                 const qv_search_params* params, uint64_t* keys_out,
                                 float* distances_out, size_t* found_out) {
  if (qv_status s = check_index(index)) return s;
  if (!query) return invalid("query is NULL; pass dim floats");
  if (!keys_out) return invalid("keys_out is NULL; pass room for k keys");
  if (!found_out) return invalid("found_out is NULL; pass the address of a size_t");
  quiver::SearchOptions options;
  unsigned threads = 0;
  if (qv_status s = read_search_params(params, k, options, threads)) return s;
  return guard([&] {
    // Not thread_local: a filter may search another index from inside this
    // call, and that inner search must not overwrite these results.
    std::vector<quiver::Hit> hits;
    // No more hits than live vectors: a huge k means "all of them", not a
    // huge allocation.
    hits.reserve(std::min(k, index->collection->index().size()));
    index->collection->index().search(query, options, hits);
    for (size_t i = 0; i < hits.size(); ++i) {
      keys_out[i] = hits[i].key;
      if (distances_out) distances_out[i] = hits[i].distance;
    }
    *found_out = hits.size();
  });
}

QV_API qv_status qv_index_search_batch(const qv_index* index, size_t nq, const float* queries,
                                       size_t k, const qv_search_params* params, uint64_t* keys_out,
                                       float* distances_out, size_t* found_out) {
  if (qv_status s = check_index(index)) return s;
  quiver::SearchOptions options;
  unsigned threads = 0;
  if (qv_status s = read_search_params(params, k, options, threads)) return s;
  if (nq == 0) return QV_OK;
  if (!queries) return invalid("queries is NULL; pass nq x dim floats, row-major");
  if (!keys_out) return invalid("keys_out is NULL; pass room for nq x k keys");
  if (!found_out) return invalid("found_out is NULL; pass room for nq counts");
  // The caller's arrays hold nq x dim floats and nq x k results: sizes past
  // SIZE_MAX cannot exist, and indexing them would wrap.
  const size_t dim = index->collection->index().dim();
  if (nq > std::numeric_limits<size_t>::max() / sizeof(float) / dim ||
      nq > std::numeric_limits<size_t>::max() / sizeof(uint64_t) / k)
    return set_error(QV_ERR_OUT_OF_MEMORY,
                     "nq x k (or nq x dim) is too large to address; "
                     "search in smaller batches");
  return guard([&] {
    index->collection->index().search_batch(nq, queries, options, threads, keys_out, distances_out,
                                            found_out);
  });
}

}  // extern "C"
