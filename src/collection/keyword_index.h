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
// Layout: terms get dense ids; each term has a posting list of (key, term
// frequency, version). Replacing or erasing a text does not touch the
// posting lists: the text's version moves on and its old postings become
// stale, skipped by searches and dropped when a list holds more stale
// postings than live ones. So a change costs its own words, not the length
// of the lists it touches.
//
// Thread-safe: searches share a lock, changes take it alone.
#pragma once

#include <cstddef>
#include <cstdint>
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

  // Sets (replacing) the text of `key`; a text without words erases it.
  void set(uint64_t key, std::string_view text);
  void erase(uint64_t key);
  size_t size() const;
  size_t heap_bytes() const;

  // The k best keys for the query's words, best first (ties by key); keys
  // the filter rejects are left out. A query without words finds nothing.
  void search(std::string_view query, size_t k, const KeyFilter& filter,
              std::vector<KeywordHit>& out) const;

 private:
  struct Posting {
    uint64_t key;
    uint32_t tf;
    uint32_t version;  // the text's version when posted
  };
  struct Text {
    std::vector<uint32_t> terms;  // distinct term ids
    uint32_t length = 0;          // words
    uint32_t version = 0;
  };
  void erase_locked(uint64_t key);
  bool is_live(const Posting& p) const;

  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, uint32_t> term_ids_;
  std::vector<std::vector<Posting>> postings_;  // by term id
  std::vector<uint32_t> live_;                  // live postings by term id (document frequency)
  std::unordered_map<uint64_t, Text> texts_;
  uint64_t total_length_ = 0;
  uint32_t next_version_ = 0;
};

}  // namespace quiver
