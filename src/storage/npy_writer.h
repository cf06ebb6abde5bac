// Writes a .npy file (version 1.0, C order, little-endian) crash-safely:
// the data go to a temporary next to the target, which replaces it only once
// complete (see atomic_file.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "storage/atomic_file.h"

namespace quiver::storage {

class NpyWriter {
 public:
  // `descr` e.g. "<f4"; the array holds product(shape) elements of
  // `item_size` bytes, appended in C order.
  NpyWriter(const std::string& path, const std::string& descr, const std::vector<uint64_t>& shape,
            size_t item_size);

  void append(const void* data, size_t bytes);
  // Throws Internal if fewer or more bytes than the shape needs were appended.
  void commit();

 private:
  void flush();

  AtomicFile file_;
  uint64_t offset_ = 0;
  uint64_t data_start_ = 0;
  uint64_t expected_ = 0;
  std::vector<uint8_t> buffer_;
};

}  // namespace quiver::storage
