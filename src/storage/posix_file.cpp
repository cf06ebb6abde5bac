#include "storage/posix_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.h"
#include "storage/errno_advice.h"

namespace quiver::storage {

void fail_errno(int err, const std::string& what, const std::string& path,
                const std::string& aside) {
  Status status = Status::Io;
  if (err == ENOENT || err == ENOTDIR) status = Status::NotFound;
  if (err == ENOMEM) status = Status::OutOfMemory;
  fail(status, what + " '" + path + "'" + aside + ": " + std::strerror(err) + errno_advice(err));
}

void File::fail_io(int err, const std::string& what) const {
  if (temporary_of_.empty()) fail_errno(err, what, path_);
  fail_errno(err, what, temporary_of_, " (writing its temporary '" + path_ + "')");
}

File::~File() {
  if (fd_ >= 0) ::close(fd_);
}

File::File(File&& other) noexcept
    : fd_(other.fd_), path_(std::move(other.path_)), temporary_of_(std::move(other.temporary_of_)) {
  other.fd_ = -1;
}

File& File::operator=(File&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    path_ = std::move(other.path_);
    temporary_of_ = std::move(other.temporary_of_);
    other.fd_ = -1;
  }
  return *this;
}

File File::open_read(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail_errno(errno, "cannot open", path);
  File file(fd, path);
  struct stat st;
  if (::fstat(fd, &st) != 0) fail_errno(errno, "cannot stat", path);
  if (!S_ISREG(st.st_mode))
    fail(Status::Io, "'" + path +
                         "' is not a regular file (a directory or device?); pass the "
                         "path of a file written by Quiver");
  return file;
}

uint64_t File::size() const {
  struct stat st;
  if (::fstat(fd_, &st) != 0) fail_io(errno, "cannot stat");
  return uint64_t(st.st_size);
}

void File::pwrite_all(const void* data, size_t size, uint64_t offset) {
  const auto* p = static_cast<const char*>(data);
  while (size > 0) {
    // Large writes are split: Linux writes at most ~2 GiB per call anyway.
    size_t chunk = size < (size_t(1) << 30) ? size : (size_t(1) << 30);
    ssize_t n = ::pwrite(fd_, p, chunk, off_t(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      fail_io(errno, "cannot write");
    }
    p += n;
    size -= size_t(n);
    offset += uint64_t(n);
  }
}

void File::sync() {
  if (::fsync(fd_) != 0) fail_io(errno, "cannot flush to disk (fsync)");
}

void File::close() {
  if (fd_ < 0) return;
  int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0 && errno != EINTR) fail_io(errno, "cannot close");
}

std::string parent_directory(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string base_name(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

void sync_directory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fail_errno(errno, "cannot open directory", dir);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  // Some file systems cannot fsync a directory (EINVAL): nothing more to do there.
  if (rc != 0 && err != EINVAL) fail_errno(err, "cannot flush directory to disk (fsync)", dir);
}

}  // namespace quiver::storage
