// Shared declarations of the quiver_vec._core extension: error raising, array
// conversion and output buffers. Only the public C API (quiver.h) is used.
#pragma once

#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/string.h>
#include <quiver/quiver.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace nb = nanobind;

namespace qvpy {

// ---- errors.cpp ----

// Imports quiver_vec._errors and keeps its exception classes.
void init_errors();

// Raises the exception class of `status` with qv_last_error() as its message.
// `cause` (an exception instance, may be null) becomes its __cause__; a
// NOT_FOUND from a call taking paths raises QuiverFileNotFoundError.
[[noreturn]] void raise_status(qv_status status, nb::handle cause = nb::handle(),
                               bool about_files = false);
inline void check(qv_status status) {
  if (status != QV_OK) raise_status(status);
}
inline void check_files(qv_status status) {
  if (status != QV_OK) raise_status(status, nb::handle(), true);
}
[[noreturn]] void raise_dimension_mismatch(const std::string& message);
// InvalidArgumentError with the binding's own message (one that names an
// argument as Python spells it).
[[noreturn]] void raise_invalid_argument(const std::string& message);

// The exception being handled in a catch block of nb::python_error, as an
// instance with its traceback; the error indicator is left clear.
nb::object take_exception(nb::python_error& error);
// Raises `exception` (an instance) again, with its own traceback.
[[noreturn]] void reraise(nb::object exception);

// ---- arrays.cpp ----

using FloatArray = nb::ndarray<const float, nb::c_contig, nb::device::cpu>;
using KeyArray = nb::ndarray<const uint64_t, nb::c_contig, nb::device::cpu>;

// Vectors as n rows of dim float32: a C-contiguous float32 array as it is
// (zero-copy), anything else converted once. A 1-D array is one row.
struct Rows {
  FloatArray array;
  const float* data = nullptr;
  size_t n = 0;
  bool one_d = false;
};
Rows as_rows(nb::handle obj, uint32_t dim, const char* what);

// Keys as a uint64 array: an int is one key (scalar = true).
struct Keys {
  KeyArray array;
  const uint64_t* data = nullptr;
  size_t n = 0;
  bool scalar = false;
  uint64_t one = 0;
};
Keys as_keys(nb::handle obj, const char* what);

// One key: a non-negative Python int below 2**64 (TypeError / ValueError).
uint64_t as_key(nb::handle obj, const char* what);
// An optional count: None gives `if_none`; else a non-negative int <= max.
uint32_t as_u32(nb::handle obj, const char* what, uint32_t if_none, uint32_t max = UINT32_MAX);

// A new NumPy array of T that Quiver writes into (no copy on return).
template <class T>
class Output {
 public:
  explicit Output(size_t count)
      : data_(new T[count ? count : 1]),
        owner_(data_, [](void* p) noexcept { delete[] static_cast<T*>(p); }) {}
  T* data() { return data_; }
  nb::object vector(size_t n) {
    return nb::cast(nb::ndarray<nb::numpy, T, nb::ndim<1>>(data_, {n}, owner_));
  }
  nb::object matrix(size_t rows, size_t cols) {
    return nb::cast(nb::ndarray<nb::numpy, T, nb::ndim<2>>(data_, {rows, cols}, owner_));
  }

 private:
  T* data_;
  nb::capsule owner_;
};

// rows * cols, or a ValueError when it overflows.
size_t checked_product(size_t rows, size_t cols, const char* what);

// ---- text encoding (arrays.cpp) ----

// A str (UTF-8) or bytes as bytes without NUL (ValueError), for the C calls.
std::string as_text(nb::handle obj, const char* what);

// ---- binding registration ----
void bind_embedder(nb::module_& m);
void bind_index(nb::module_& m);

}  // namespace qvpy
