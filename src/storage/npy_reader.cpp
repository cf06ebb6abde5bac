#include "storage/npy_reader.h"

#include <cstring>
#include <memory>

#include "core/error.h"
#include "kernels/half.h"
#include "storage/mapped_file.h"
#include "storage/npy_format.h"
#include "storage/posix_file.h"

namespace quiver::storage {

namespace {

struct NpyFile {
  NpyHeader header;
  const uint8_t* data = nullptr;  // header.data_offset bytes in
  uint64_t elements = 0;
  std::unique_ptr<MappedFile> map;
};

NpyFile open_npy(const std::string& path) {
  File file = File::open_read(path);
  uint64_t size = file.size();
  if (size == 0) fail(Status::Corrupt, path + ": the file is empty, not a .npy file");
  NpyFile f;
  f.map = std::make_unique<MappedFile>(file, size_t(size), true);
  f.header = parse_npy_header(f.map->data(), f.map->size(), path);
  uint64_t elements = 1;
  for (uint64_t d : f.header.shape) {
    if (d != 0 && elements > UINT64_MAX / d)
      fail(Status::Corrupt, path + ": the .npy shape is impossibly large");
    elements *= d;
  }
  f.elements = elements;
  const uint64_t available = size - f.header.data_offset;
  const uint64_t item = f.header.item_size;
  if (item != 0 && elements > UINT64_MAX / item)
    fail(Status::Corrupt, path + ": the .npy shape is impossibly large");
  if (elements * item > available)
    fail(Status::Corrupt, path + ": the data are truncated: the shape needs " +
                              std::to_string(elements * item) + " bytes, the file holds " +
                              std::to_string(available));
  if (elements * item < available)
    fail(Status::Corrupt, path + ": the file holds " + std::to_string(available - elements * item) +
                              " bytes after the array; it is not a .npy file numpy wrote");
  f.data = f.map->data() + f.header.data_offset;
  return f;
}

std::string shape_text(const std::vector<uint64_t>& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    s += std::to_string(shape[i]);
    if (i + 1 < shape.size() || shape.size() == 1) s += ',';
    if (i + 1 < shape.size()) s += ' ';
  }
  return s + ")";
}

template <typename T>
T load(const uint8_t* p, bool swap) {
  T v;
  std::memcpy(&v, p, sizeof v);
  if (swap) {
    uint8_t b[sizeof(T)];
    std::memcpy(b, &v, sizeof v);
    for (size_t i = 0; i < sizeof(T) / 2; ++i) std::swap(b[i], b[sizeof(T) - 1 - i]);
    std::memcpy(&v, b, sizeof v);
  }
  return v;
}

float element(const NpyHeader& h, const uint8_t* p, bool swap) {
  switch (h.item_size) {
    case 2:
      return kernels::f16_to_f32(load<uint16_t>(p, swap));
    case 4:
      return load<float>(p, swap);
    default:
      return float(load<double>(p, swap));
  }
}

}  // namespace

FloatMatrix read_npy_vectors(const std::string& path) {
  NpyFile f = open_npy(path);
  const NpyHeader& h = f.header;
  if (h.type != 'f' || (h.item_size != 2 && h.item_size != 4 && h.item_size != 8))
    fail(Status::Unsupported, path + ": the array holds " + npy_type_name(h) + " (dtype '" +
                                  h.descr +
                                  "'); Quiver reads float16, float32 or float64 vectors: convert "
                                  "with array.astype(numpy.float32)");
  if (h.shape.size() != 2)
    fail(Status::Unsupported, path + ": the array has shape " + shape_text(h.shape) + " (" +
                                  std::to_string(h.shape.size()) +
                                  "-D); Quiver reads a 2-D array of shape (n, dim)");
  FloatMatrix out;
  out.rows = h.shape[0];
  out.cols = h.shape[1];
  out.data.resize(size_t(f.elements));
  const bool swap = h.byte_order == '>';
  const size_t item = h.item_size;
  if (f.elements == 0) {
    // (0, dim) or (n, 0): nothing to copy (and memcpy must not see the
    // empty vector's null data).
  } else if (!h.fortran_order && item == 4 && !swap) {
    std::memcpy(out.data.data(), f.data, size_t(f.elements) * 4);
  } else {
    for (uint64_t r = 0; r < out.rows; ++r)
      for (uint64_t c = 0; c < out.cols; ++c) {
        uint64_t at = h.fortran_order ? c * out.rows + r : r * out.cols + c;
        out.data[size_t(r * out.cols + c)] = element(h, f.data + at * item, swap);
      }
  }
  return out;
}

std::vector<uint64_t> read_npy_keys(const std::string& path) {
  NpyFile f = open_npy(path);
  const NpyHeader& h = f.header;
  const bool is_u64 = h.type == 'u' && h.item_size == 8;
  const bool is_i64 = h.type == 'i' && h.item_size == 8;
  if (!is_u64 && !is_i64)
    fail(Status::Unsupported, path + ": the keys are " + npy_type_name(h) + " (dtype '" + h.descr +
                                  "'); Quiver reads uint64 keys: convert with "
                                  "array.astype(numpy.uint64)");
  if (h.shape.size() != 1)
    fail(Status::Unsupported, path + ": the keys have shape " + shape_text(h.shape) +
                                  "; Quiver reads a 1-D array of shape (n,)");
  std::vector<uint64_t> keys(size_t(f.elements));
  const bool swap = h.byte_order == '>';
  for (uint64_t i = 0; i < f.elements; ++i) {
    uint64_t v = load<uint64_t>(f.data + i * 8, swap);
    if (is_i64 && int64_t(v) < 0)
      fail(Status::InvalidArgument, path + ": key " + std::to_string(i) + " is negative (" +
                                        std::to_string(int64_t(v)) + "); keys are uint64");
    keys[size_t(i)] = v;
  }
  return keys;
}

}  // namespace quiver::storage
