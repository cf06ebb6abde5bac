// NumPy arrays in (zero-copy when they are already what the C API takes) and
// the checks Python users expect: TypeError for a wrong type or dtype,
// ValueError for a wrong shape or value.
#include <cstring>
#include <string>

#include "common.h"

namespace qvpy {
namespace {

nb::object g_as_float32;  // quiver_vec._arrays.as_float32(obj, what)
nb::object g_as_keys;     // quiver_vec._arrays.as_keys(obj, what)

void load_converters() {
  if (g_as_float32.is_valid()) return;
  nb::module_ arrays = nb::module_::import_("quiver_vec._arrays");
  g_as_float32 = arrays.attr("as_float32");
  g_as_keys = arrays.attr("as_keys");
  g_as_float32.inc_ref();  // kept until exit, never released after finalisation
  g_as_keys.inc_ref();
}

bool is_integer_scalar(nb::handle obj) {
  return PyLong_Check(obj.ptr()) || (PyIndex_Check(obj.ptr()) && !PySequence_Check(obj.ptr()));
}

}  // namespace

Rows as_rows(nb::handle obj, uint32_t dim, const char* what) {
  Rows rows;
  if (!nb::try_cast(obj, rows.array, false)) {
    load_converters();
    nb::object converted = g_as_float32(obj, what);
    if (!nb::try_cast(converted, rows.array, false))
      throw nb::type_error((std::string(what) + " could not be read as a float32 array").c_str());
  }
  const size_t nd = rows.array.ndim();
  if (nd == 1) {
    rows.n = 1;
    rows.one_d = true;
    if (rows.array.shape(0) != dim)
      raise_dimension_mismatch(std::string(what) + " has " + std::to_string(rows.array.shape(0)) +
                               " values, the index has dim " + std::to_string(dim));
  } else if (nd == 2) {
    rows.n = rows.array.shape(0);
    if (rows.array.shape(1) != dim)
      raise_dimension_mismatch(std::string(what) + " has shape (" +
                               std::to_string(rows.array.shape(0)) + ", " +
                               std::to_string(rows.array.shape(1)) + "), the index has dim " +
                               std::to_string(dim) + ": expected (n, " + std::to_string(dim) + ")");
  } else {
    throw nb::value_error((std::string(what) + " must be 1-D (one vector) or 2-D (n, " +
                           std::to_string(dim) + "), not " + std::to_string(nd) + "-D")
                              .c_str());
  }
  rows.data = rows.array.data();
  return rows;
}

uint64_t as_key(nb::handle obj, const char* what) {
  if (!is_integer_scalar(obj) || PyBool_Check(obj.ptr()))
    throw nb::type_error((std::string(what) + " must be an int in 0 .. 2**64-1, not " +
                          nb::type_name(obj.type()).c_str())
                             .c_str());
  nb::object index = nb::steal(PyNumber_Index(obj.ptr()));
  if (!index.is_valid()) throw nb::python_error();
  const unsigned long long value = PyLong_AsUnsignedLongLong(index.ptr());
  if (value == static_cast<unsigned long long>(-1) && PyErr_Occurred()) {
    PyErr_Clear();
    throw nb::value_error(
        (std::string(what) + " must be in 0 .. 2**64-1, got " + nb::str(index).c_str()).c_str());
  }
  return value;
}

Keys as_keys(nb::handle obj, const char* what) {
  Keys keys;
  if (is_integer_scalar(obj)) {
    keys.one = as_key(obj, what);
    keys.data = &keys.one;
    keys.n = 1;
    keys.scalar = true;
    return keys;
  }
  if (!nb::try_cast(obj, keys.array, false) || keys.array.ndim() != 1) {
    load_converters();
    nb::object converted = g_as_keys(obj, what);
    if (!nb::try_cast(converted, keys.array, false) || keys.array.ndim() != 1)
      throw nb::type_error((std::string(what) + " could not be read as uint64 keys").c_str());
  }
  keys.n = keys.array.shape(0);
  keys.data = keys.array.data();
  return keys;
}

uint32_t as_u32(nb::handle obj, const char* what, uint32_t if_none, uint32_t max) {
  if (obj.is_none()) return if_none;
  if (!is_integer_scalar(obj) || PyBool_Check(obj.ptr()))
    throw nb::type_error(
        (std::string(what) + " must be an int or None, not " + nb::type_name(obj.type()).c_str())
            .c_str());
  nb::object index = nb::steal(PyNumber_Index(obj.ptr()));
  if (!index.is_valid()) throw nb::python_error();
  const long long value = PyLong_AsLongLong(index.ptr());
  if ((value == -1 && PyErr_Occurred()) || value < 0 ||
      static_cast<unsigned long long>(value) > max) {
    PyErr_Clear();
    throw nb::value_error((std::string(what) + " must be in 0 .. " + std::to_string(max) +
                           ", got " + nb::str(index).c_str())
                              .c_str());
  }
  return static_cast<uint32_t>(value);
}

size_t checked_product(size_t rows, size_t cols, const char* what) {
  if (cols != 0 && rows > SIZE_MAX / cols)
    throw nb::value_error((std::string(what) + " is too large to allocate").c_str());
  return rows * cols;
}

std::string as_text(nb::handle obj, const char* what) {
  const char* data = nullptr;
  Py_ssize_t size = 0;
  if (PyUnicode_Check(obj.ptr())) {
    data = PyUnicode_AsUTF8AndSize(obj.ptr(), &size);
    if (!data) throw nb::python_error();
  } else if (PyBytes_Check(obj.ptr())) {
    data = PyBytes_AS_STRING(obj.ptr());
    size = PyBytes_GET_SIZE(obj.ptr());
  } else {
    throw nb::type_error(
        (std::string(what) + " must be str or bytes, not " + nb::type_name(obj.type()).c_str())
            .c_str());
  }
  if (std::memchr(data, '\0', static_cast<size_t>(size)))
    throw nb::value_error((std::string(what) + " must not contain a NUL character").c_str());
  return std::string(data, static_cast<size_t>(size));
}

}  // namespace qvpy
