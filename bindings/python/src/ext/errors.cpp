// Quiver statuses as the exception classes of quiver_vec._errors.
#include "common.h"

namespace qvpy {
namespace {

nb::object g_base;            // QuiverError
nb::object g_classes;         // ERROR_CLASSES: Status -> class
nb::object g_status;          // Status
nb::object g_file_not_found;  // QuiverFileNotFoundError
nb::object g_dimension;       // DimensionMismatchError

}  // namespace

void init_errors() {
  nb::module_ errors = nb::module_::import_("quiver_vec._errors");
  g_base = errors.attr("QuiverError");
  g_classes = errors.attr("ERROR_CLASSES");
  g_status = errors.attr("Status");
  g_file_not_found = errors.attr("QuiverFileNotFoundError");
  g_dimension = errors.attr("DimensionMismatchError");
  // Interpreter shutdown must not decref these after Python is gone.
  for (nb::object* o : {&g_base, &g_classes, &g_status, &g_file_not_found, &g_dimension})
    o->inc_ref();
}

nb::object take_exception(nb::python_error& error) {
  error.restore();
#if PY_VERSION_HEX >= 0x030C0000
  return nb::steal(PyErr_GetRaisedException());
#else
  PyObject *type = nullptr, *value = nullptr, *trace = nullptr;
  PyErr_Fetch(&type, &value, &trace);
  PyErr_NormalizeException(&type, &value, &trace);
  if (trace) PyException_SetTraceback(value, trace);
  Py_XDECREF(type);
  Py_XDECREF(trace);
  return nb::steal(value);
#endif
}

void reraise(nb::object exception) {
  PyObject* trace = PyException_GetTraceback(exception.ptr());
  PyObject* type = reinterpret_cast<PyObject*>(Py_TYPE(exception.ptr()));
  Py_INCREF(type);
  PyErr_Restore(type, exception.release().ptr(), trace);
  throw nb::python_error();
}

void raise_status(qv_status status, nb::handle cause, bool about_files) {
  const std::string message = qv_last_error();  // copied before any other call
  nb::object cls;
  nb::object code;
  try {
    code = g_status(static_cast<int>(status));
  } catch (nb::python_error&) {  // a status newer than this binding: a plain int
    code = nb::int_(static_cast<int>(status));
  }
  if (about_files && status == QV_ERR_NOT_FOUND) {
    cls = g_file_not_found;
  } else {
    PyObject* found = PyDict_GetItemWithError(g_classes.ptr(), code.ptr());  // borrowed
    if (found) cls = nb::borrow(found);
    PyErr_Clear();
  }
  nb::object error = cls.is_valid() ? cls(message) : g_base(message, code);
  if (cause.is_valid() && !cause.is_none()) {
    PyException_SetCause(error.ptr(), cause.inc_ref().ptr());
    PyException_SetContext(error.ptr(), cause.inc_ref().ptr());
  }
  PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(error.ptr())), error.ptr());
  throw nb::python_error();
}

void raise_invalid_argument(const std::string& message) {
  nb::object cls = g_classes[g_status(static_cast<int>(QV_ERR_INVALID_ARGUMENT))];
  nb::object error = cls(message);
  PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(error.ptr())), error.ptr());
  throw nb::python_error();
}

void raise_dimension_mismatch(const std::string& message) {
  nb::object error = g_dimension(message);
  PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(error.ptr())), error.ptr());
  throw nb::python_error();
}

}  // namespace qvpy
