// qv_index_compact and qv_index_get_info.
#include "capi/error_state.h"
#include "capi/handle_checks.h"
#include "capi/index_handle.h"

using quiver::capi::check_index;
using quiver::capi::check_writable;
using quiver::capi::guard;
using quiver::capi::invalid;

extern "C" {

QV_API qv_status qv_index_compact(qv_index* index) {
  if (qv_status s = check_writable(index)) return s;
  return guard([&] { index->collection->compact(index->options.threads); });
}

QV_API void qv_index_info_init(qv_index_info* info) {
  if (!info) return;
  *info = qv_index_info{};
  info->struct_size = sizeof(qv_index_info);
}

QV_API qv_status qv_index_get_info(const qv_index* index, qv_index_info* info) {
  if (qv_status s = check_index(index)) return s;
  if (!info) return invalid("info is NULL; pass the address of a qv_index_info");
  if (info->struct_size != sizeof(qv_index_info))
    return invalid("info.struct_size is " + std::to_string(info->struct_size) + ", expected " +
                   std::to_string(sizeof(qv_index_info)) +
                   "; set it with qv_index_info_init before the call");
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
    *info = out;
  });
}

}  // extern "C"
