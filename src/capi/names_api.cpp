// qv_metric_name, qv_index_kind_name, qv_storage_name: the core's names of
// its enums, for a value the core knows.
#include "capi/handle_checks.h"
#include "core/metric.h"
#include "index/index_kind.h"
#include "index/vector_storage.h"
#include "quiver/quiver.h"

using quiver::capi::raw_enum;

extern "C" {

QV_API const char* qv_metric_name(qv_metric metric) {
  const int raw = raw_enum(metric);  // any int a C caller may pass
  return quiver::is_metric(uint32_t(raw)) && raw > 0 ? quiver::metric_name(quiver::Metric(raw))
                                                     : nullptr;
}

QV_API const char* qv_index_kind_name(qv_index_kind kind) {
  const int raw = raw_enum(kind);
  if (raw != int(quiver::IndexKind::Flat) && raw != int(quiver::IndexKind::Hnsw)) return nullptr;
  return quiver::index_kind_name(quiver::IndexKind(raw));
}

QV_API const char* qv_storage_name(qv_storage storage) {
  const int raw = raw_enum(storage);
  return raw > 0 && quiver::is_storage(uint32_t(raw)) ? quiver::storage_name(quiver::Storage(raw))
                                                      : nullptr;
}

}  // extern "C"
