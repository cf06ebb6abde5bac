#include "cli/document_keys.h"

#include <cstdio>

namespace quiver::cli {

uint64_t fnv1a64(std::string_view bytes) {
  uint64_t h = 14695981039346656037ull;
  for (const char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

uint64_t path_document_key(std::string_view relative_path) { return fnv1a64(relative_path) >> 16; }

std::string content_fields(std::string_view content) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "{\"content_fnv1a64\":\"%016llx\",\"bytes\":%llu}",
                static_cast<unsigned long long>(fnv1a64(content)),
                static_cast<unsigned long long>(content.size()));
  return buf;
}

}  // namespace quiver::cli
