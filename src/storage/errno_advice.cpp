#include "storage/errno_advice.h"

#include <sys/resource.h>

#include <cerrno>
#include <fstream>

namespace quiver::storage {

namespace {

std::string soft_limit(int resource) {
  struct rlimit limit;
  if (::getrlimit(resource, &limit) != 0) return "unknown";
  if (limit.rlim_cur == RLIM_INFINITY) return "unlimited";
  return std::to_string(static_cast<unsigned long long>(limit.rlim_cur));
}

// As `ulimit -v` shows it: KiB.
std::string address_space_limit() {
  struct rlimit limit;
  if (::getrlimit(RLIMIT_AS, &limit) != 0) return "unknown";
  if (limit.rlim_cur == RLIM_INFINITY) return "unlimited";
  return std::to_string(static_cast<unsigned long long>(limit.rlim_cur / 1024)) + " KiB";
}

std::string max_map_count() {
  std::ifstream in("/proc/sys/vm/max_map_count");
  unsigned long long n = 0;
  if (!(in >> n)) return "";
  return " (vm.max_map_count: " + std::to_string(n) + ")";
}

}  // namespace

std::string errno_advice(int err) {
  switch (err) {
    case ENOSPC:
    case EDQUOT:
      return "; free some disk space and try again";
    case EACCES:
    case EPERM:
    case EROFS:
      return "; check the permissions of the file and its directory";
    case EMFILE:
      // Quiver holds no descriptor once an open or save returns: the
      // descriptors are the application's.
      return "; the process has reached its limit of open files (" + soft_limit(RLIMIT_NOFILE) +
             ", see ulimit -n): close files and connections it no longer needs (an open Quiver "
             "index holds none), or raise the limit (ulimit -n, LimitNOFILE= for a systemd "
             "service)";
    case ENFILE:
      return "; the whole system has run out of open files (see /proc/sys/fs/file-max): close "
             "programs or files that are no longer needed, or raise fs.file-max";
    case ENOMEM:
      return "; the process has run out of memory, of address space (ulimit -v: " +
             address_space_limit() + ") or of memory mappings" + max_map_count() +
             ": free indexes it no longer needs (each mapped index is one mapping), or raise "
             "the limit";
    default:
      return "";
  }
}

}  // namespace quiver::storage
