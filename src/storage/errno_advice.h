// What to do about a failed system call, for the errors a user can act on:
// a full disk, permissions, and the limits of the process or the system
// (open files, address space, mappings). Appended to messages by
// fail_errno (posix_file.h).
#pragma once

#include <string>

namespace quiver::storage {

// "; <advice>" for `err`, or "" when there is nothing to add. Reads the
// current limits (getrlimit, /proc/sys/vm/max_map_count) so that the
// message says what they are.
std::string errno_advice(int err);

}  // namespace quiver::storage
