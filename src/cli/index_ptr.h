// Owning pointer for a qv_index in the tool.
#pragma once

#include <memory>
#include <string>

#include "quiver/quiver.h"

namespace quiver::cli {

struct IndexDeleter {
  void operator()(qv_index* index) const { qv_index_free(index); }
};
using IndexPtr = std::unique_ptr<qv_index, IndexDeleter>;

// Opens an index saved by `quiver build`; throws CliError naming the path.
IndexPtr open_index(const std::string& path, bool mmap);

}  // namespace quiver::cli
