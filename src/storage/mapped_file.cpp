#include "storage/mapped_file.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>

#include "core/error.h"

namespace quiver::storage {

namespace {

uintptr_t page_size() { return uintptr_t(::sysconf(_SC_PAGESIZE)); }

// Whether the byte at `p`, in a file mapping, is backed by the file: false
// when reading it would raise SIGBUS (its page lies past the end of the
// file). Asked of the kernel, which answers EFAULT instead of faulting.
bool readable_without_fault(const uint8_t* p) {
  const uintptr_t page = page_size();
#ifdef MADV_POPULATE_READ
  // Linux 5.14 and later: EFAULT exactly where an access would raise SIGBUS.
  if (::madvise(reinterpret_cast<void*>(uintptr_t(p) / page * page), page, MADV_POPULATE_READ) == 0)
    return true;
  if (errno == EFAULT) return false;
#endif
  // Older kernels (EINVAL above): the kernel copies the byte for us.
  uint8_t byte;
  struct iovec local {
    &byte, 1
  };
  struct iovec remote {
    const_cast<uint8_t*>(p), 1
  };
  if (::process_vm_readv(::getpid(), &local, 1, &remote, 1, 0) == 1) return true;
  // EFAULT: not backed. Anything else (a sandbox refusing the call): no way
  // to tell without touching the page; say yes, as before this check.
  return errno != EFAULT;
}

}  // namespace

MappedFile::MappedFile(const File& file, size_t size, bool populate) : path_(file.path()) {
  struct stat st;
  if (::fstat(file.fd(), &st) != 0) fail_errno(errno, "cannot stat", file.path());
  device_ = st.st_dev;
  inode_ = st.st_ino;
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

void MappedFile::check_backed() const {
  const std::string advice =
      ": a file must not be truncated or rewritten while an index has it open mapped (searches "
      "would crash reading the lost pages); free the index and open the file again, or restore "
      "it from a backup";
  const std::string mapped = std::to_string(size_) + " bytes when opened";
  // The path may name another file by now (a newer save renamed over it):
  // only the mapped inode's size means anything.
  struct stat st;
  if (::stat(path_.c_str(), &st) == 0 && st.st_dev == device_ && st.st_ino == inode_ &&
      uint64_t(st.st_size) != uint64_t(size_))
    fail(Status::Corrupt, path_ + ": the file changed size after it was opened mapped (" + mapped +
                              ", " + std::to_string(static_cast<long long>(st.st_size)) + " now)" +
                              advice);
  // Truncation only ever takes the end: if the last page is there, all are.
  if (!readable_without_fault(data_ + size_ - 1))
    fail(Status::Corrupt, path_ + ": the file changed size after it was opened mapped (" + mapped +
                              ", fewer now: it was cut short, perhaps under another name)" +
                              advice);
}

void prefault(const uint8_t* data, size_t size) noexcept {
  if (size == 0) return;
  const uintptr_t page = page_size();
  const uintptr_t begin = uintptr_t(data) / page * page;
  const uintptr_t end = uintptr_t(data) + size;
  void* p = reinterpret_cast<void*>(begin);
#ifdef MADV_POPULATE_READ
  if (::madvise(p, end - begin, MADV_POPULATE_READ) == 0) return;
#endif
  (void)::madvise(p, end - begin, MADV_WILLNEED);  // older kernels: read ahead at least
}

}  // namespace quiver::storage
