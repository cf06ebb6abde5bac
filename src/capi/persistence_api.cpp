// qv_index_save/open and .npy interop: argument checks and translation to
// quiver::Collection (src/collection) and storage (src/storage).
#include <cstring>
#include <string>

#include "capi/error_state.h"
#include "capi/handle_checks.h"
#include "capi/index_handle.h"
#include "storage/zstd_codec.h"

using quiver::capi::check_index;
using quiver::capi::check_writable;
using quiver::capi::guard;
using quiver::capi::invalid;
using quiver::capi::raw_enum;

namespace {

qv_status read_save_options(const qv_save_options* opts, unsigned threads,
                            quiver::storage::SaveOptions& out) {
  out.threads = threads;
  if (!opts) return QV_OK;
  if (opts->struct_size != sizeof(qv_save_options))
    return invalid("opts.struct_size is " + std::to_string(opts->struct_size) + ", expected " +
                   std::to_string(sizeof(qv_save_options)) +
                   "; initialise the struct with qv_save_options_init");
  const int lo = quiver::storage::zstd_min_level(), hi = quiver::storage::zstd_max_level();
  if (opts->zstd_level != 0 && (opts->zstd_level < lo || opts->zstd_level > hi))
    return invalid("zstd_level is " + std::to_string(opts->zstd_level) +
                   "; use 0 for the default or a level between " + std::to_string(lo) + " and " +
                   std::to_string(hi));
  out.compress_vectors = opts->compress_vectors != 0;
  out.compress_graph = opts->compress_graph != 0;
  out.zstd_level = opts->zstd_level;
  return QV_OK;
}

// The options a handle reports for an index read from disk.
qv_index_options options_of(const quiver::CollectionInfo& info) {
  qv_index_options o;
  qv_index_options_init(&o);
  o.dim = info.dim;
  o.metric = static_cast<qv_metric>(info.metric);
  o.kind = static_cast<qv_index_kind>(info.kind);
  if (info.kind == quiver::IndexKind::Hnsw) {
    o.hnsw_m = info.hnsw.m;
    o.hnsw_ef_construction = info.hnsw.ef_construction;
    o.hnsw_ef_search = info.hnsw.ef_search;
    o.seed = info.hnsw.seed;
  }
  o.storage = static_cast<qv_storage>(info.storage.type);
  o.keep_originals = info.storage.keep_originals ? 1 : 0;
  return o;
}

}  // namespace

extern "C" {

QV_API void qv_save_options_init(qv_save_options* opts) {
  if (!opts) return;
  *opts = qv_save_options{};
  opts->struct_size = sizeof(qv_save_options);
}

QV_API qv_status qv_index_save_with_options(const qv_index* index, const char* path,
                                            const qv_save_options* opts) {
  if (qv_status s = check_index(index)) return s;
  if (!path) return invalid("path is NULL; pass the file to write, e.g. \"index.qv\"");
  quiver::storage::SaveOptions options;
  if (qv_status s = read_save_options(opts, index->options.threads, options)) return s;
  return guard([&] { index->collection->save(path, options); });
}

QV_API qv_status qv_index_save(const qv_index* index, const char* path) {
  return qv_index_save_with_options(index, path, nullptr);
}

QV_API void qv_open_options_init(qv_open_options* opts) {
  if (!opts) return;
  *opts = qv_open_options{};
  opts->struct_size = sizeof(qv_open_options);
  opts->mode = QV_OPEN_LOAD;
  opts->verify = QV_VERIFY_ALL;
  opts->threads = 0;
}

QV_API qv_status qv_index_open_with_options(const char* path, const qv_open_options* opts,
                                            qv_index** out) {
  if (!path) return invalid("path is NULL; pass the file written by qv_index_save");
  if (!out) return invalid("out is NULL; pass the address of a qv_index* to receive the index");
  qv_open_options defaults;
  if (!opts) {  // as for saves and text options: NULL means the defaults
    qv_open_options_init(&defaults);
    opts = &defaults;
  }
  if (opts->struct_size != sizeof(qv_open_options))
    return invalid("opts.struct_size is " + std::to_string(opts->struct_size) + ", expected " +
                   std::to_string(sizeof(qv_open_options)) +
                   "; initialise the struct with qv_open_options_init");
  const int mode = raw_enum(opts->mode), verify = raw_enum(opts->verify);
  if (mode != QV_OPEN_LOAD && mode != QV_OPEN_MMAP)
    return invalid("open mode " + std::to_string(mode) + " is unknown; use LOAD or MMAP");
  if (verify != QV_VERIFY_ALL && verify != QV_VERIFY_DEFERRED)
    return invalid("verify mode " + std::to_string(verify) + " is unknown; use ALL or DEFERRED");
  quiver::storage::OpenOptions options;
  options.mode =
      mode == QV_OPEN_MMAP ? quiver::storage::OpenMode::Map : quiver::storage::OpenMode::Load;
  options.defer_in_place_checks = verify == QV_VERIFY_DEFERRED;
  options.threads = opts->threads;
  return guard([&] {
    auto handle = std::make_unique<qv_index>();
    handle->collection = quiver::Collection::open(path, options);
    handle->options = options_of(handle->collection->info());
    handle->options.threads = opts->threads;
    *out = handle.release();
  });
}

QV_API qv_status qv_index_open(const char* path, qv_open_mode mode, qv_index** out) {
  qv_open_options opts;
  qv_open_options_init(&opts);
  std::memcpy(&opts.mode, &mode, sizeof mode);  // unchecked yet: see raw_enum
  return qv_index_open_with_options(path, &opts, out);
}

QV_API qv_status qv_index_verify(const qv_index* index) {
  if (qv_status s = check_index(index)) return s;
  return guard([&] { index->collection->verify(index->options.threads); });
}

QV_API qv_status qv_index_export_npy(const qv_index* index, const char* vectors_path,
                                     const char* keys_path) {
  if (qv_status s = check_index(index)) return s;
  if (!vectors_path) return invalid("vectors_path is NULL; pass the .npy file for the vectors");
  if (!keys_path) return invalid("keys_path is NULL; pass the .npy file for the keys");
  return guard([&] { index->collection->export_npy(vectors_path, keys_path); });
}

QV_API qv_status qv_index_import_npy(qv_index* index, const char* vectors_path,
                                     const char* keys_path) {
  if (qv_status s = check_writable(index)) return s;
  if (!vectors_path) return invalid("vectors_path is NULL; pass a .npy file of shape (n, dim)");
  return guard([&] {
    index->collection->import_npy(vectors_path, keys_path ? keys_path : "", index->options.threads);
  });
}

}  // extern "C"
