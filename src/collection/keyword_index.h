// Keyword search over the text of a collection's metadata: BM25 (Robertson
// et al.; k1 = 1.2, b = 0.75) on the words HashingEmbedder::tokenize finds
// (Unicode-aware, case- and accent-folded: the same words the hashing
// embedder sees).
//
// Every key's metadata blob counts as a text (the text layer stores each
// chunk's text there). The index is derived, not saved: the metadata is
// the saved truth, and the collection builds this from it on first use and
// keeps it in step with set_metadata and remove after that.
//
// Thread-safe: searches share a lock, changes take it alone.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "index/vector_index.h"

namespace quiver {

struct KeywordHit {
  float score;  // BM25: higher is better
  uint64_t key;
};

class KeywordIndex {
 public:
  static constexpr double kK1 = 1.2;
  static constexpr double kB = 0.75;

  // Sets (replacing) the text of `key`; an empty text erases it.
  void set(uint64_t key, std::string_view text);
  void erase(uint64_t key);
  size_t size() const;

  // The k best keys for the query's words, best first (ties by key); keys
  // the filter rejects are left out. A query without words finds nothing.
  void search(std::string_view query, size_t k, const KeyFilter& filter,
              std::vector<KeywordHit>& out) const;

 private:
  void erase_locked(uint64_t key);

  mutable std::shared_mutex mutex_;
  // term -> (key -> term frequency)
  std::unordered_map<std::string, std::unordered_map<uint64_t, uint32_t>> postings_;
  // key -> its distinct terms and its length in words
  struct Text {
    std::vector<std::string> terms;
    uint32_t length = 0;
  };
  std::unordered_map<uint64_t, Text> texts_;
  uint64_t total_length_ = 0;
};

}  // namespace quiver
