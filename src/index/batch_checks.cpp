#include "index/batch_checks.h"

#include <algorithm>
#include <string>
#include <vector>

#include "core/error.h"

namespace quiver {

void check_unique_keys(size_t n, const uint64_t* keys) {
  std::vector<uint64_t> sorted(keys, keys + n);
  std::sort(sorted.begin(), sorted.end());
  auto dup = std::adjacent_find(sorted.begin(), sorted.end());
  if (dup != sorted.end())
    fail(Status::DuplicateKey,
         "key " + std::to_string(*dup) + " appears more than once in the batch; nothing was added");
}

}  // namespace quiver
