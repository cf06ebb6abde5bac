#include "storage/mapped_file.h"

#include <sys/mman.h>
#include <unistd.h>

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

void prefault(const uint8_t* data, size_t size) noexcept {
  if (size == 0) return;
  const uintptr_t page = uintptr_t(::sysconf(_SC_PAGESIZE));
  const uintptr_t begin = uintptr_t(data) / page * page;
  const uintptr_t end = uintptr_t(data) + size;
  void* p = reinterpret_cast<void*>(begin);
#ifdef MADV_POPULATE_READ
  if (::madvise(p, end - begin, MADV_POPULATE_READ) == 0) return;
#endif
  (void)::madvise(p, end - begin, MADV_WILLNEED);  // older kernels: read ahead at least
}

}  // namespace quiver::storage
