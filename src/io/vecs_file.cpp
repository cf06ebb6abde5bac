#include "io/vecs_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "core/error.h"

namespace quiver::io {
namespace {

// The row layout shared by the three formats: int32 d, then d elements.
template <typename Element, typename Out>
void parse_rows(const uint8_t* bytes, size_t size, const std::string& name, size_t& rows,
                size_t& cols, std::vector<Out>& data) {
  rows = cols = 0;
  data.clear();
  if (size == 0) return;
  if (size < 4) fail(Status::Corrupt, name + ": file is shorter than one row header");
  int32_t d;
  std::memcpy(&d, bytes, 4);
  if (d <= 0 || d > (1 << 20))
    fail(Status::Corrupt, name + ": first row declares dimension " + std::to_string(d) +
                              "; expected 1..1048576 (is this the right format?)");
  const size_t row_bytes = 4 + size_t(d) * sizeof(Element);
  if (size % row_bytes != 0)
    fail(Status::Corrupt, name + ": size " + std::to_string(size) +
                              " bytes is not a whole number of rows of dimension " +
                              std::to_string(d) + " (truncated file?)");
  rows = size / row_bytes;
  cols = size_t(d);
  data.resize(rows * cols);
  for (size_t r = 0; r < rows; ++r) {
    const uint8_t* row = bytes + r * row_bytes;
    int32_t rd;
    std::memcpy(&rd, row, 4);
    if (rd != d)
      fail(Status::Corrupt, name + ": row " + std::to_string(r) + " has dimension " +
                                std::to_string(rd) + ", but the first row has " +
                                std::to_string(d));
    for (size_t c = 0; c < cols; ++c) {
      Element e;
      std::memcpy(&e, row + 4 + c * sizeof(Element), sizeof(Element));
      data[r * cols + c] = static_cast<Out>(e);
    }
  }
}

bool ends_with(const std::string& s, const char* suffix) {
  size_t n = std::strlen(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

}  // namespace

FloatMatrix parse_fvecs(const uint8_t* bytes, size_t size, const std::string& name) {
  FloatMatrix m;
  parse_rows<float>(bytes, size, name, m.rows, m.cols, m.data);
  return m;
}

FloatMatrix parse_bvecs(const uint8_t* bytes, size_t size, const std::string& name) {
  FloatMatrix m;
  parse_rows<uint8_t>(bytes, size, name, m.rows, m.cols, m.data);
  return m;
}

IntMatrix parse_ivecs(const uint8_t* bytes, size_t size, const std::string& name) {
  IntMatrix m;
  parse_rows<int32_t>(bytes, size, name, m.rows, m.cols, m.data);
  return m;
}

std::vector<uint8_t> read_file(const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) {
    int err = errno;
    fail(err == ENOENT ? Status::NotFound : Status::Io,
         path + ": cannot open (" + std::strerror(err) + ")");
  }
  std::vector<uint8_t> bytes;
  uint8_t buffer[1 << 16];
  size_t got;
  while ((got = std::fread(buffer, 1, sizeof buffer, f.get())) > 0)
    bytes.insert(bytes.end(), buffer, buffer + got);
  if (std::ferror(f.get())) fail(Status::Io, path + ": read error");
  return bytes;
}

FloatMatrix read_vectors(const std::string& path, size_t max_rows) {
  std::vector<uint8_t> bytes = read_file(path);
  FloatMatrix m;
  if (ends_with(path, ".fvecs"))
    m = parse_fvecs(bytes.data(), bytes.size(), path);
  else if (ends_with(path, ".bvecs"))
    m = parse_bvecs(bytes.data(), bytes.size(), path);
  else
    fail(Status::Unsupported, path + ": unknown vector file type; use .fvecs or .bvecs");
  if (max_rows && m.rows > max_rows) {
    m.rows = max_rows;
    m.data.resize(m.rows * m.cols);
  }
  return m;
}

IntMatrix read_ivecs(const std::string& path) {
  std::vector<uint8_t> bytes = read_file(path);
  return parse_ivecs(bytes.data(), bytes.size(), path);
}

}  // namespace quiver::io
