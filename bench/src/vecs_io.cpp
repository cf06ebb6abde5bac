#include "vecs_io.h"

#include <cstring>
#include <fstream>
#include <stdexcept>

namespace qvb {

namespace {

std::vector<char> slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::streamsize size = in.tellg();
  in.seekg(0);
  std::vector<char> bytes(static_cast<size_t>(size));
  if (size > 0 && !in.read(bytes.data(), size)) throw std::runtime_error("cannot read " + path);
  return bytes;
}

// Calls row(i, pointer to the d components) for each row; returns (rows, d).
template <typename Component, typename RowFn>
std::pair<size_t, size_t> for_each_row(const std::string& path, size_t max_rows, RowFn&& row) {
  std::vector<char> bytes = slurp(path);
  if (bytes.size() < 4) throw std::runtime_error(path + ": empty or truncated");
  int32_t d = 0;
  std::memcpy(&d, bytes.data(), 4);
  if (d <= 0 || d > (1 << 20)) throw std::runtime_error(path + ": bad dimension in first row");
  const size_t row_bytes = 4 + static_cast<size_t>(d) * sizeof(Component);
  if (bytes.size() % row_bytes != 0)
    throw std::runtime_error(path + ": size is not a whole number of rows of dimension " +
                             std::to_string(d));
  size_t rows = std::min(bytes.size() / row_bytes, max_rows);
  for (size_t i = 0; i < rows; ++i) {
    const char* p = bytes.data() + i * row_bytes;
    int32_t di = 0;
    std::memcpy(&di, p, 4);
    if (di != d)
      throw std::runtime_error(path + ": row " + std::to_string(i) + " has another dimension");
    row(i, p + 4, static_cast<size_t>(d), rows);
  }
  return {rows, static_cast<size_t>(d)};
}

}  // namespace

Matrix read_fvecs(const std::string& path, size_t max_rows) {
  Matrix m;
  auto [rows, d] =
      for_each_row<float>(path, max_rows, [&](size_t i, const char* p, size_t dim, size_t total) {
        if (i == 0) m.data.resize(total * dim);
        std::memcpy(m.data.data() + i * dim, p, dim * sizeof(float));
      });
  m.n = rows;
  m.d = d;
  return m;
}

Matrix read_bvecs(const std::string& path, size_t max_rows) {
  Matrix m;
  auto [rows, d] =
      for_each_row<uint8_t>(path, max_rows, [&](size_t i, const char* p, size_t dim, size_t total) {
        if (i == 0) m.data.resize(total * dim);
        const auto* u = reinterpret_cast<const uint8_t*>(p);
        float* out = m.data.data() + i * dim;
        for (size_t j = 0; j < dim; ++j) out[j] = static_cast<float>(u[j]);
      });
  m.n = rows;
  m.d = d;
  return m;
}

std::vector<uint32_t> read_ivecs(const std::string& path, size_t* k_out, size_t max_rows) {
  std::vector<uint32_t> ids;
  auto [rows, d] =
      for_each_row<int32_t>(path, max_rows, [&](size_t i, const char* p, size_t dim, size_t total) {
        if (i == 0) ids.resize(total * dim);
        for (size_t j = 0; j < dim; ++j) {
          int32_t v = 0;
          std::memcpy(&v, p + 4 * j, 4);
          if (v < 0) throw std::runtime_error(path + ": negative id");
          ids[i * dim + j] = static_cast<uint32_t>(v);
        }
      });
  (void)rows;
  if (k_out) *k_out = d;
  return ids;
}

}  // namespace qvb
