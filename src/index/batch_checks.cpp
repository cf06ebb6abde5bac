#include "index/batch_checks.h"

#include <algorithm>
#include <string>
#include <vector>

#include "core/error.h"
#include "index/vector_checks.h"

namespace quiver {

void check_unique_keys(size_t n, const uint64_t* keys) {
  std::vector<uint64_t> sorted(keys, keys + n);
  std::sort(sorted.begin(), sorted.end());
  auto dup = std::adjacent_find(sorted.begin(), sorted.end());
  if (dup != sorted.end())
    fail(Status::DuplicateKey,
         "key " + std::to_string(*dup) + " appears more than once in the batch; nothing was added");
}

void check_batch(size_t n, const uint64_t* keys, const float* vectors, size_t dim, Metric metric) {
  check_unique_keys(n, keys);
  for (size_t i = 0; i < n; ++i)
    check_vector(vectors + i * dim, dim, metric, VectorUse::Stored, key_label(keys[i]).c_str());
}

std::string key_label(uint64_t key) { return "vector for key " + std::to_string(key); }

void fail_duplicate_key(uint64_t key, bool in_batch) {
  fail(Status::DuplicateKey,
       "key " + std::to_string(key) + " is already in the index; " +
           (in_batch ? "nothing from the batch was added" : "remove it first to replace it"));
}

}  // namespace quiver
