// Keyword search over the text of a collection's metadata: BM25 (Robertson
// et al.; k1 = 1.2, b = 0.75) on the words HashingEmbedder::tokenize finds
// (Unicode-aware, case- and accent-folded: the same words the hashing
// embedder sees).
//
// Every key's metadata blob counts as a text (the text layer stores each
// chunk's text there). The index is derived from the metadata: the
// collection builds it on first use (or when text is first added) and
// keeps it in step with set_metadata and remove after that; a save writes
// it as a section (keyword_image.h) and an open takes that section as the
// base, read in place, so no text is tokenised again.
//
// Base and changes: the saved image is read-only; texts set or erased
// after the open go into the editable part below, and the base keys they
// replace or erase are listed as gone. A search reads both; a save merges
// them into one new image.
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
#include <unordered_set>
#include <vector>

#include "collection/keyword_image.h"
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

  // Takes a saved image as the base. Only on an index that holds nothing.
  void attach(KeywordImage base);
  // The section bytes of everything the index holds (base and changes).
  std::vector<uint8_t> encode() const;

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
  // Appends the live postings of `term` (base and changes) to `out`.
  void live_postings(std::string_view term, std::vector<KeywordImage::Posting>& out) const;
  std::vector<KeywordImage::Term> merged_terms() const;

  KeywordImage base_;
  std::unordered_set<uint64_t> gone_from_base_;  // base keys erased or replaced since
  uint64_t gone_words_ = 0;                      // their word counts

  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, uint32_t> term_ids_;
  std::vector<std::vector<Posting>> postings_;  // by term id
  std::vector<uint32_t> live_;                  // live postings by term id (document frequency)
  std::unordered_map<uint64_t, Text> texts_;
  uint64_t total_length_ = 0;
  uint32_t next_version_ = 0;
};

}  // namespace quiver
