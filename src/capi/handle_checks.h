// Argument checks on qv_index handles shared by the capi files.
#pragma once

#include <cstring>

#include "capi/error_state.h"
#include "capi/index_handle.h"

namespace quiver::capi {

inline qv_status check_index(const qv_index* index) {
  if (!index) return invalid("index is NULL; create one with qv_index_create or qv_index_open");
  return QV_OK;
}

inline qv_status check_writable(const qv_index* index) {
  if (qv_status s = check_index(index)) return s;
  if (index->collection->read_only()) return guard([] { fail_read_only(); });
  return QV_OK;
}

// The integer a C caller put in an enum-typed argument or field. Reading it
// through the C++ enum type would be undefined for a value outside the
// enumerators' range (UBSan flags it), and such values are exactly what
// argument checks must be able to look at.
template <typename Enum>
int raw_enum(const Enum& e) {
  static_assert(sizeof(Enum) == sizeof(int), "C enums are int-sized");
  int v;
  std::memcpy(&v, &e, sizeof v);
  return v;
}

}  // namespace quiver::capi
