// Argument checks for a batch of keys, shared by every index kind.
#pragma once

#include <cstddef>
#include <cstdint>

namespace quiver {

// Throws Error(DuplicateKey) naming the key if one appears twice in `keys`.
void check_unique_keys(size_t n, const uint64_t* keys);

}  // namespace quiver
