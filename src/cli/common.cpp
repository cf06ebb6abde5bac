#include <sys/stat.h>

#include <cstdlib>

#include "cli/commands.h"

namespace quiver::cli {

void check(qv_status status, const std::string& what) {
  if (status != QV_OK)
    throw CliError{what + ": " + qv_last_error() + " [" + qv_status_string(status) + "]"};
}

static bool is_dir(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string find_data_dir() {
  if (const char* env = std::getenv("QUIVER_DATA_DIR"); env && is_dir(env)) return env;
  if (is_dir("../shared/data")) return "../shared/data";
#ifdef QV_DEFAULT_DATA_DIR
  if (is_dir(QV_DEFAULT_DATA_DIR)) return QV_DEFAULT_DATA_DIR;
#endif
  return "";
}

}  // namespace quiver::cli

#include "cli/index_ptr.h"

namespace quiver::cli {

IndexPtr open_index(const std::string& path, bool mmap) {
  qv_index* raw = nullptr;
  check(qv_index_open(path.c_str(), mmap ? QV_OPEN_MMAP : QV_OPEN_LOAD, &raw), "opening " + path);
  return IndexPtr(raw);
}

}  // namespace quiver::cli
