// A file descriptor that closes itself, and errno turned into quiver::Error
// with the path in the message. Storage code does its own I/O through this
// (not iostreams) because it needs fsync, pwrite, flock and mmap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

namespace quiver::storage {

// Throws Error: NotFound for ENOENT/ENOTDIR, OutOfMemory for ENOMEM, Io
// otherwise. `what` says what was being done ("cannot open", "cannot write");
// `aside` follows the quoted path; the message ends with what to do where
// there is something (errno_advice.h).
[[noreturn]] void fail_errno(int err, const std::string& what, const std::string& path,
                             const std::string& aside = "");

class File {
 public:
  File() = default;
  File(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~File();
  File(File&& other) noexcept;
  File& operator=(File&& other) noexcept;
  File(const File&) = delete;
  File& operator=(const File&) = delete;

  // Opens an existing regular file read-only. NotFound when it is missing,
  // Io when it is not a regular file or cannot be read.
  static File open_read(const std::string& path);

  int fd() const { return fd_; }
  const std::string& path() const { return path_; }

  // This file is the temporary that will replace `target` (AtomicFile): its
  // errors name `target`, the file the caller asked for, with this one
  // mentioned as its temporary ("" to stop).
  void set_temporary_of(std::string target) { temporary_of_ = std::move(target); }
  bool is_open() const { return fd_ >= 0; }

  uint64_t size() const;
  void pwrite_all(const void* data, size_t size, uint64_t offset);
  void sync();
  // Closes and reports a failed close (which can hide a failed write on NFS).
  void close();

 private:
  [[noreturn]] void fail_io(int err, const std::string& what) const;

  int fd_ = -1;
  std::string path_;
  std::string temporary_of_;
};

// "/a/b/c" -> "/a/b"; "c" -> "."
std::string parent_directory(const std::string& path);
// "/a/b/c" -> "c"
std::string base_name(const std::string& path);

// fsyncs a directory so that a rename inside it is durable.
void sync_directory(const std::string& dir);

}  // namespace quiver::storage
