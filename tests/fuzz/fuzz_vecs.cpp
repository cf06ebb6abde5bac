// Fuzzes the texmex readers (.fvecs, .ivecs, .bvecs) on arbitrary bytes.
// A success must account for every byte (rows x (4 + cols x element) ==
// size); a failure must be Error(Corrupt).
//
// Input: one byte choosing the parser (0 fvecs, 1 ivecs, 2 bvecs, by value
// modulo 3), then the file. Seeds: small files of each kind from gen_seeds.
#include <cstring>
#include <new>

#include "core/error.h"
#include "fuzz_util.h"
#include "io/vecs_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const int which = data[0] % 3;
  const uint8_t* bytes = data + 1;
  const size_t n = size - 1;
  static const size_t element[3] = {4, 4, 1};
  try {
    size_t rows = 0, cols = 0, values = 0;
    if (which == 1) {
      quiver::io::IntMatrix m = quiver::io::parse_ivecs(bytes, n, "fuzz.ivecs");
      rows = m.rows, cols = m.cols, values = m.data.size();
    } else {
      quiver::io::FloatMatrix m = which == 0 ? quiver::io::parse_fvecs(bytes, n, "fuzz.fvecs")
                                             : quiver::io::parse_bvecs(bytes, n, "fuzz.bvecs");
      rows = m.rows, cols = m.cols, values = m.data.size();
    }
    QVF_CHECK(values == rows * cols);
    QVF_CHECK(rows * (4 + cols * element[which]) == n);
    QVF_CHECK(rows == 0 || cols >= 1);
  } catch (const quiver::Error& e) {
    QVF_CHECK(e.status() == quiver::Status::Corrupt);
    QVF_CHECK(std::strlen(e.what()) > 0);
  } catch (const std::bad_alloc&) {
  }
  return 0;
}
