#include <sys/stat.h>

#include <cstdlib>

#include "cli/commands.h"

namespace quiver::cli {

void check(qv_status status, const std::string& what) {
  if (status != QV_OK)
    throw CliError{what + ": " + qv_last_error() + " [" + qv_status_string(status) + "]"};
}

static bool is_dir(const char* path) {
  struct stat st;
  return path && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

std::string find_dir(const char* env_var, const char* relative, const char* built_in) {
  for (const char* dir : {static_cast<const char*>(std::getenv(env_var)), relative, built_in})
    if (is_dir(dir)) return dir;
  return "";
}

std::string find_data_dir() {
#ifdef QV_DEFAULT_DATA_DIR
  return find_dir("QUIVER_DATA_DIR", "../shared/data", QV_DEFAULT_DATA_DIR);
#else
  return find_dir("QUIVER_DATA_DIR", "../shared/data", nullptr);
#endif
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
