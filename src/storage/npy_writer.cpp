#include "storage/npy_writer.h"

#include "core/error.h"
#include "storage/npy_format.h"

namespace quiver::storage {

namespace {
constexpr size_t kBufferBytes = size_t(1) << 20;
}

NpyWriter::NpyWriter(const std::string& path, const std::string& descr,
                     const std::vector<uint64_t>& shape, size_t item_size)
    : file_(path) {
  std::string header = format_npy_header(descr, shape);
  file_.file().pwrite_all(header.data(), header.size(), 0);
  offset_ = data_start_ = header.size();
  expected_ = item_size;
  for (uint64_t d : shape) expected_ *= d;
  buffer_.reserve(kBufferBytes);
}

void NpyWriter::append(const void* data, size_t bytes) {
  const auto* p = static_cast<const uint8_t*>(data);
  if (buffer_.size() + bytes > kBufferBytes) flush();
  if (bytes >= kBufferBytes) {
    file_.file().pwrite_all(p, bytes, offset_);
    offset_ += bytes;
  } else {
    buffer_.insert(buffer_.end(), p, p + bytes);
  }
}

void NpyWriter::flush() {
  if (buffer_.empty()) return;
  file_.file().pwrite_all(buffer_.data(), buffer_.size(), offset_);
  offset_ += buffer_.size();
  buffer_.clear();
}

void NpyWriter::commit() {
  flush();
  if (offset_ - data_start_ != expected_)
    fail(Status::Internal, file_.target() + ": wrote " + std::to_string(offset_ - data_start_) +
                               " bytes of array data, the shape needs " +
                               std::to_string(expected_));
  file_.commit();
}

}  // namespace quiver::storage
