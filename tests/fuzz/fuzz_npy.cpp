// Fuzzes the .npy reader: the header parser on the bytes as they are, the
// vector and key readers on the bytes as a file, and qv_index_import_npy of
// that file into a small index. Every failure must be a quiver::Error (or
// bad_alloc) with a status the header documents; a success must describe
// exactly the bytes it read.
//
// Input: the .npy file. Seeds: files written by qv_index_export_npy and
// hand-made headers (float16/64, big-endian, Fortran order, versions 2 and
// 3) from gen_seeds.
#include <cstring>
#include <new>
#include <string>

#include <quiver/quiver.h>

#include "core/error.h"
#include "fuzz_util.h"
#include "storage/npy_format.h"
#include "storage/npy_reader.h"

using quiver::Error;
using quiver::Status;

namespace {

void check_error(const Error& e, bool keys) {
  const Status s = e.status();
  // InvalidArgument: a negative int64 key.
  QVF_CHECK(s == Status::Corrupt || s == Status::Unsupported ||
            (keys && s == Status::InvalidArgument));
  QVF_CHECK(std::strlen(e.what()) > 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace st = quiver::storage;
  try {
    st::NpyHeader h = st::parse_npy_header(data, size, "fuzz.npy");
    QVF_CHECK(h.data_offset <= size);
    QVF_CHECK(h.major >= 1 && h.major <= 3);
  } catch (const Error& e) {
    check_error(e, false);
  }

  static const std::string path = qvfuzz::scratch_path("input.npy");
  qvfuzz::write_file(path, data, size);
  try {
    quiver::FloatMatrix rows = st::read_npy_vectors(path);
    QVF_CHECK(rows.data.size() == rows.rows * rows.cols);
    QVF_CHECK(rows.rows * rows.cols * 2 <= size);  // float16 is the densest input
  } catch (const Error& e) {
    check_error(e, false);
  } catch (const std::bad_alloc&) {
  }
  try {
    std::vector<uint64_t> keys = st::read_npy_keys(path);
    QVF_CHECK(keys.size() * 8 <= size);
  } catch (const Error& e) {
    check_error(e, true);
  } catch (const std::bad_alloc&) {
  }

  // Through the C API, as vectors (and as keys for the 1-D case).
  qv_index_options o;
  qv_index_options_init(&o);
  o.dim = 4;
  o.kind = QV_INDEX_FLAT;
  o.threads = 1;
  qv_index* index = nullptr;
  QVF_CHECK(qv_index_create(&o, &index) == QV_OK);
  for (const char* keys : {static_cast<const char*>(nullptr), path.c_str()}) {
    qv_status s = qv_index_import_npy(index, path.c_str(), keys);
    QVF_CHECK(s == QV_OK || s == QV_ERR_CORRUPT || s == QV_ERR_UNSUPPORTED ||
              s == QV_ERR_DIMENSION_MISMATCH || s == QV_ERR_INVALID_ARGUMENT ||
              s == QV_ERR_DUPLICATE_KEY || s == QV_ERR_OUT_OF_MEMORY);
  }
  qv_index_free(index);
  return 0;
}
