// qv_index_compact and qv_index_get_info.
#include "capi/error_state.h"
#include "capi/handle_checks.h"
#include "capi/index_handle.h"
#include "capi/struct_sizes.h"

using quiver::capi::check_index;
using quiver::capi::check_writable;
using quiver::capi::guard;
using quiver::capi::invalid;

extern "C" {

QV_API qv_status qv_index_compact(qv_index* index) {
  if (qv_status s = check_writable(index)) return s;
  return guard([&] { index->collection->compact(index->options.threads); });
}

QV_API void qv_index_info_init_sized(qv_index_info* info, size_t struct_size) {
  quiver::capi::init_sized(info, struct_size, qv_index_info{});
}

// The 0.1 symbol (see qv_index_options_init in index_api.cpp).
#undef qv_index_info_init
QV_API void qv_index_info_init(qv_index_info* info);
QV_API void qv_index_info_init(qv_index_info* info) {
  qv_index_info_init_sized(info, quiver::capi::kIndexInfoV1Size);
}

QV_API qv_status qv_index_get_info(const qv_index* index, qv_index_info* info) {
  if (qv_status s = check_index(index)) return s;
  if (!info) return invalid("info is NULL; pass the address of a qv_index_info");
  const uint32_t size = info->struct_size;
  if (size != sizeof(qv_index_info) && size != quiver::capi::kIndexInfoV1Size)
    return invalid("info.struct_size is " + std::to_string(size) + ", expected " +
                   std::to_string(sizeof(qv_index_info)) + " (or " +
                   std::to_string(quiver::capi::kIndexInfoV1Size) +
                   " from a Quiver 0.1 header); set it with qv_index_info_init before the call");
  return guard([&] {
    quiver::CollectionInfo c = index->collection->info();
    qv_index_info out{};
    out.struct_size = sizeof(qv_index_info);
    out.kind = static_cast<qv_index_kind>(c.kind);
    out.metric = static_cast<qv_metric>(c.metric);
    out.dim = c.dim;
    out.count = c.count;
    out.deleted = c.deleted;
    out.metadata_count = c.metadata_count;
    if (c.kind == quiver::IndexKind::Hnsw) {
      out.hnsw_m = c.hnsw.m;
      out.hnsw_ef_construction = c.hnsw.ef_construction;
      out.hnsw_ef_search = c.hnsw.ef_search;
      out.seed = c.hnsw.seed;
    }
    out.read_only = c.read_only ? 1 : 0;
    out.storage = static_cast<qv_storage>(c.storage.type);
    out.keeps_originals = c.storage.keeps_originals() ? 1 : 0;
    // A 0.1 struct ends with read_only: write only what it holds.
    const size_t bytes = size == sizeof(qv_index_info)
                             ? sizeof(qv_index_info)
                             : offsetof(qv_index_info, read_only) + sizeof(int);
    out.struct_size = size;
    std::memcpy(static_cast<void*>(info), &out, bytes);
  });
}

QV_API qv_status qv_index_memory_bytes(const qv_index* index, size_t* out) {
  if (qv_status s = check_index(index)) return s;
  if (!out) return invalid("out is NULL; pass the address of a size_t");
  return guard([&] { *out = index->collection->memory_bytes(); });
}

}  // extern "C"
