#include "storage/mapped_file.h"

#include <sys/mman.h>

#include <cerrno>

namespace quiver::storage {

MappedFile::MappedFile(const File& file, size_t size, bool populate) {
  int flags = MAP_SHARED;
#ifdef MAP_POPULATE
  if (populate) flags |= MAP_POPULATE;
#else
  (void)populate;
#endif
  void* p = ::mmap(nullptr, size, PROT_READ, flags, file.fd(), 0);
  if (p == MAP_FAILED) fail_errno(errno, "cannot map into memory", file.path());
  data_ = static_cast<const uint8_t*>(p);
  size_ = size;
}

MappedFile::~MappedFile() {
  if (data_) ::munmap(const_cast<uint8_t*>(data_), size_);
}

}  // namespace quiver::storage
