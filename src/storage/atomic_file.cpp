#include "storage/atomic_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <random>

#include "core/error.h"

namespace quiver::storage {

namespace {

std::string temp_prefix(const std::string& target) {
  // Built by appending: GCC 12 warns falsely (-Wrestrict) on "." + string.
  std::string prefix(1, '.');
  prefix += base_name(target);
  prefix += ".tmp-";
  return prefix;
}

uint64_t random_suffix() {
  // getpid() is mixed in on every call: a forked child inherits the
  // generator's state and must not pick its parent's names. O_EXCL below
  // catches whatever still collides.
  static thread_local std::mt19937_64 rng{
      std::random_device{}() ^
      uint64_t(std::chrono::steady_clock::now().time_since_epoch().count())};
  return rng() ^ (uint64_t(::getpid()) << 32);
}

}  // namespace

AtomicFile::AtomicFile(const std::string& target) : target_(target) {
  if (target.empty() || target.back() == '/')
    fail(Status::InvalidArgument, "'" + target +
                                      "' is not a file path; pass the path of the "
                                      "file to write, e.g. \"data/index.qv\"");
  const std::string dir = parent_directory(target);
  remove_stale_temporaries(target);
  for (int attempt = 0;; ++attempt) {
    char suffix[17];
    std::snprintf(suffix, sizeof suffix, "%016llx",
                  static_cast<unsigned long long>(random_suffix()));
    temp_ = (dir == "." && target.find('/') == std::string::npos ? std::string() : dir + "/") +
            temp_prefix(target) + suffix;
    int fd = ::open(temp_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0) {
      if (errno == EEXIST && attempt < 100) continue;
      int err = errno;
      temp_.clear();
      if (err == ENOENT || err == ENOTDIR)
        fail(Status::NotFound, "cannot save to '" + target + "': the directory '" + dir +
                                   "' does not exist; create it first");
      fail_errno(err, "cannot create a temporary file next to", target);
    }
    file_ = File(fd, temp_);
    file_.set_temporary_of(target);
    if (::flock(fd, LOCK_EX) != 0) {
      int err = errno;
      ::unlink(temp_.c_str());
      fail_errno(err, "cannot lock the temporary file next to", target, " ('" + temp_ + "')");
    }
    // A concurrent cleaner may have taken the name between open and flock
    // (it saw an unlocked leftover); if so, start again with a new name.
    struct stat by_fd, by_name;
    if (::fstat(fd, &by_fd) == 0 && ::stat(temp_.c_str(), &by_name) == 0 &&
        by_fd.st_ino == by_name.st_ino && by_fd.st_dev == by_name.st_dev)
      return;
    file_ = File();
    if (attempt >= 100) fail(Status::Io, "cannot keep a temporary file next to '" + target + "'");
  }
}

AtomicFile::~AtomicFile() {
  if (!committed_ && !temp_.empty()) ::unlink(temp_.c_str());
}

void AtomicFile::commit() {
  file_.sync();
  if (::rename(temp_.c_str(), target_.c_str()) != 0)
    fail_errno(errno, "cannot rename the new file over", target_);
  committed_ = true;
  try {
    sync_directory(parent_directory(target_));
    file_.close();  // releases the lock
  } catch (const Error& e) {
    fail(e.status(), "'" + target_ + "' holds the new file, but " + e.what() +
                         "; the new file may not survive a power loss: save again");
  }
  remove_stale_temporaries(target_);
}

void remove_stale_temporaries(const std::string& target) noexcept {
  try {
    const std::string dir = parent_directory(target);
    const std::string prefix = temp_prefix(target);
    DIR* d = ::opendir(dir.c_str());
    if (!d) return;
    while (struct dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name.compare(0, prefix.size(), prefix) != 0) continue;
      std::string path = dir + "/" + name;
      int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0) continue;
      // Locked means a live writer: leave it. Unlocked means its writer died.
      if (::flock(fd, LOCK_EX | LOCK_NB) == 0) ::unlink(path.c_str());
      ::close(fd);
    }
    ::closedir(d);
  } catch (...) {
  }
}

}  // namespace quiver::storage
