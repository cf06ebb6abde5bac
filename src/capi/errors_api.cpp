// qv_status_string, qv_last_error and the thread-local message behind them.
#include <cstring>
#include <string>

#include "capi/error_state.h"

static_assert(static_cast<int>(quiver::Status::Internal) == QV_ERR_INTERNAL,
              "quiver::Status must mirror qv_status");
static_assert(static_cast<int>(quiver::Status::Embedding) == QV_ERR_EMBEDDING,
              "quiver::Status must mirror qv_status");

namespace quiver::capi {

static thread_local std::string last_error;

qv_status set_error(qv_status status, const std::string& message) {
  try {
    last_error = message;
  } catch (...) {
    last_error.clear();  // no memory for the message: the status still tells
  }
  return status;
}

}  // namespace quiver::capi

extern "C" {

QV_API const char* qv_status_string(qv_status s) {
  // Switch on the int: a caller may pass a value no enumerator has, and
  // reading that through the enum type is undefined in C++.
  int raw;
  std::memcpy(&raw, &s, sizeof raw);
  switch (raw) {
    case QV_OK:
      return "QV_OK";
    case QV_ERR_INVALID_ARGUMENT:
      return "QV_ERR_INVALID_ARGUMENT";
    case QV_ERR_DIMENSION_MISMATCH:
      return "QV_ERR_DIMENSION_MISMATCH";
    case QV_ERR_NOT_FOUND:
      return "QV_ERR_NOT_FOUND";
    case QV_ERR_DUPLICATE_KEY:
      return "QV_ERR_DUPLICATE_KEY";
    case QV_ERR_IO:
      return "QV_ERR_IO";
    case QV_ERR_CORRUPT:
      return "QV_ERR_CORRUPT";
    case QV_ERR_UNSUPPORTED:
      return "QV_ERR_UNSUPPORTED";
    case QV_ERR_OUT_OF_MEMORY:
      return "QV_ERR_OUT_OF_MEMORY";
    case QV_ERR_EMBEDDING:
      return "QV_ERR_EMBEDDING";
    case QV_ERR_INTERNAL:
      return "QV_ERR_INTERNAL";
  }
  return "QV_UNKNOWN_STATUS";
}

QV_API const char* qv_last_error(void) { return quiver::capi::last_error.c_str(); }

}  // extern "C"
