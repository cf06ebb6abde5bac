// A dense row-major matrix: what the vector file readers (.fvecs, .bvecs,
// .ivecs, .npy) return and what an index takes in batches.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace quiver {

template <typename T>
struct RowMatrix {
  size_t rows = 0;
  size_t cols = 0;
  std::vector<T> data;  // rows x cols, row-major

  // Keeps the first `n` rows (no-op when there are fewer).
  void truncate(size_t n) {
    if (n >= rows) return;
    rows = n;
    data.resize(rows * cols);
  }
};

using FloatMatrix = RowMatrix<float>;
using IntMatrix = RowMatrix<int32_t>;

}  // namespace quiver
