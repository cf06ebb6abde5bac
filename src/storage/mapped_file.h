// A read-only memory mapping of a whole file, unmapped on destruction.
//
// Saved files are never modified in place (saves replace them by rename),
// so a mapping keeps seeing the version it was opened on even after a
// newer save. Truncating the file behind Quiver's back makes reads of the
// lost pages fault (SIGBUS), as with any mapped file: check_backed() lets
// a caller find that out before it reads (qv_index_verify does).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "storage/posix_file.h"

namespace quiver::storage {

class MappedFile {
 public:
  // Maps the first `size` bytes of `file` (size > 0). `populate` pre-faults
  // the pages, for callers that are about to read everything.
  MappedFile(const File& file, size_t size, bool populate);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }

  // Throws Error(Corrupt), naming the file, when it no longer has the size
  // it was mapped at: the file at the path is still the mapped one and its
  // size changed, or (whatever the path now names) the mapping's last page
  // lies past the end of the file. Reads no mapped page itself: the kernel
  // is asked, so the answer is an error, never a SIGBUS. A file cut short
  // after this returns can still fault the reads that follow.
  void check_backed() const;

 private:
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  std::string path_;
  dev_t device_ = 0;
  ino_t inode_ = 0;
};

// Asks the kernel to map the pages of [data, data + size) of a mapping in
// one go (MADV_POPULATE_READ), before a pass that reads them all: page by
// page faults cost far more, above all in virtual machines. Best effort.
void prefault(const uint8_t* data, size_t size) noexcept;

}  // namespace quiver::storage
