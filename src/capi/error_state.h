// The C boundary's error handling: the thread-local message behind
// qv_last_error() and the guard that turns every C++ exception into a
// qv_status. Nothing thrown inside ever crosses into the caller.
#pragma once

#include <new>
#include <string>

#include "core/error.h"
#include "quiver/quiver.h"

namespace quiver::capi {

qv_status set_error(qv_status status, const std::string& message);

inline qv_status to_c(Status s) { return static_cast<qv_status>(static_cast<int>(s)); }

// Runs body() (which returns qv_status or void) and converts exceptions.
template <typename Body>
qv_status guard(Body&& body) noexcept {
  try {
    if constexpr (std::is_void_v<decltype(body())>) {
      body();
      return QV_OK;
    } else {
      return body();
    }
  } catch (const Error& e) {
    return set_error(to_c(e.status()), e.what());
  } catch (const std::bad_alloc&) {
    return set_error(QV_ERR_OUT_OF_MEMORY,
                     "out of memory: the request needs more memory than is available");
  } catch (const std::length_error& e) {
    return set_error(QV_ERR_OUT_OF_MEMORY, std::string("request too large: ") + e.what());
  } catch (const std::exception& e) {
    return set_error(QV_ERR_INTERNAL,
                     std::string("internal error (please report it): ") + e.what());
  } catch (...) {
    return set_error(QV_ERR_INTERNAL, "internal error (please report it): unknown exception");
  }
}

// Argument check helper: `if (!p) return invalid("index is NULL");`
inline qv_status invalid(const std::string& message) {
  return set_error(QV_ERR_INVALID_ARGUMENT, message);
}

}  // namespace quiver::capi
