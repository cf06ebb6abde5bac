// qv_index_save/open and .npy interop: arrive with the storage work (issue 3).
// Until then they answer QV_ERR_UNSUPPORTED with a message, after checking
// their arguments like every other call.
#include "capi/error_state.h"
#include "capi/index_handle.h"

using quiver::capi::invalid;
using quiver::capi::set_error;

namespace {
qv_status not_yet(const char* what) {
  return set_error(QV_ERR_UNSUPPORTED,
                   std::string(what) + " is not available in Quiver " QV_VERSION_STRING
                                       "; persistence arrives in a later release");
}
}  // namespace

extern "C" {

QV_API qv_status qv_index_save(const qv_index* index, const char* path) {
  if (!index) return invalid("index is NULL");
  if (!path) return invalid("path is NULL");
  return not_yet("qv_index_save");
}

QV_API qv_status qv_index_open(const char* path, qv_open_mode mode, qv_index** out) {
  if (!path) return invalid("path is NULL");
  if (!out) return invalid("out is NULL");
  if (mode != QV_OPEN_LOAD && mode != QV_OPEN_MMAP)
    return invalid("mode must be QV_OPEN_LOAD or QV_OPEN_MMAP");
  return not_yet("qv_index_open");
}

QV_API qv_status qv_index_export_npy(const qv_index* index, const char* vectors_path,
                                     const char* keys_path) {
  if (!index) return invalid("index is NULL");
  if (!vectors_path || !keys_path) return invalid("vectors_path and keys_path must not be NULL");
  return not_yet("qv_index_export_npy");
}

QV_API qv_status qv_index_import_npy(qv_index* index, const char* vectors_path,
                                     const char* keys_path) {
  if (!index) return invalid("index is NULL");
  if (!vectors_path) return invalid("vectors_path is NULL");
  (void)keys_path;
  return not_yet("qv_index_import_npy");
}

}  // extern "C"
