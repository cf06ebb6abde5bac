// qv_index_set_metadata / qv_index_get_metadata.
#include "capi/error_state.h"
#include "capi/handle_checks.h"
#include "capi/index_handle.h"

using quiver::capi::check_index;
using quiver::capi::check_writable;
using quiver::capi::guard;
using quiver::capi::invalid;
using quiver::capi::set_error;

extern "C" {

QV_API qv_status qv_index_set_metadata(qv_index* index, uint64_t key, const void* data,
                                       size_t len) {
  if (qv_status s = check_writable(index)) return s;
  if (!data && len > 0) return invalid("data is NULL but len is " + std::to_string(len));
  return guard([&] { index->collection->set_metadata(key, data, len); });
}

QV_API qv_status qv_index_get_metadata(const qv_index* index, uint64_t key, const void** data,
                                       size_t* len) {
  if (qv_status s = check_index(index)) return s;
  if (!data) return invalid("data is NULL; pass the address of a const void*");
  if (!len) return invalid("len is NULL; pass the address of a size_t");
  return guard([&]() -> qv_status {
    auto blob = index->collection->get_metadata(key);
    if (!blob)
      return set_error(QV_ERR_NOT_FOUND,
                       "key " + std::to_string(key) + " has no metadata (or is not in the index)");
    *data = blob->data;
    *len = blob->size;
    return QV_OK;
  });
}

QV_API qv_status qv_index_copy_metadata(const qv_index* index, uint64_t key, void* buf,
                                        size_t capacity, size_t* len_out) {
  if (qv_status s = check_index(index)) return s;
  if (!len_out) return invalid("len_out is NULL; pass the address of a size_t");
  if (!buf && capacity > 0)
    return invalid("buf is NULL but capacity is " + std::to_string(capacity));
  return guard([&]() -> qv_status {
    const std::optional<size_t> length = index->collection->copy_metadata(key, buf, capacity);
    if (!length)
      return set_error(QV_ERR_NOT_FOUND,
                       "key " + std::to_string(key) + " has no metadata (or is not in the index)");
    *len_out = *length;
    return QV_OK;
  });
}

}  // extern "C"
