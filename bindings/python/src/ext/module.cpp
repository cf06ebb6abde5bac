// quiver_vec._core: the extension module.
#include <limits>

#include "common.h"

NB_MODULE(_core, m) {
  m.doc() = "Quiver's C API for Python (use the quiver_vec package, not this module).";
  qvpy::init_errors();
  qvpy::bind_embedder(m);
  qvpy::bind_index(m);
  m.def(
      "version", [] { return qv_version(); }, "The version of libquiver in use, e.g. '0.1.0'.");
  m.def(
      "version_number", [] { return qv_version_number(); },
      "The same as a number: major*10000 + minor*100 + patch.");
  m.def(
      "status_name", [](int status) { return qv_status_string(static_cast<qv_status>(status)); },
      nb::arg("status"), "The C name of a status, e.g. 'QV_ERR_IO'.");
  m.attr("MISSING") = std::numeric_limits<uint64_t>::max();
  m.attr("MAX_DIM") = QV_MAX_DIM;
  m.attr("CHUNK_BITS") = QV_CHUNK_BITS;
  m.attr("MAX_CHUNKS_PER_DOC") = QV_MAX_CHUNKS_PER_DOC;
  m.attr("MAX_DOC_KEY") = QV_MAX_DOC_KEY;
}
