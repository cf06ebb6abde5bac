// The saved form of a keyword index (file section "keyword index"): a
// read-only image that keyword search uses in place, mapped with the file
// or copied into memory once, so opening a saved index costs no
// re-tokenising of its texts. docs/format.md describes the bytes.
//
// Layout (little-endian; every array element 16 bytes, so everything after
// the 64-byte head stays 8-byte aligned):
//   head      magic "QKWD", layout version, text / term / posting counts,
//             total words, term bytes
//   texts     text_count   x {key u64, words u32, 0 u32}, keys ascending
//   terms     term_count   x {end of its postings u64, end of its bytes u64}
//   postings  posting_count x {key u64, term frequency u32, words u32},
//             each term's run ascending by key
//   bytes     the terms' UTF-8, ascending bytewise, no separators
// A posting repeats its text's word count so that scoring needs no lookup.
//
// Checks at open cover what an access relies on (sizes, bounds, the order
// of texts and terms, which binary searches need) in time linear in the
// texts and terms, not the postings, so a mapped open stays cheap; the
// section's checksum covers the rest (posting order, postings agreeing
// with texts), whose damage could skew scores but never reach outside the
// image. Knows nothing of C.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "index/index_image.h"

namespace quiver {

class KeywordImage {
 public:
  struct Posting {
    uint64_t key;
    uint32_t tf;
    uint32_t words;  // the text's length in words
  };
  struct Text {
    uint64_t key;
    uint32_t words;
  };
  struct Term {
    std::string_view term;
    std::vector<Posting> postings;  // ascending by key
  };

  // An image of nothing.
  KeywordImage() = default;
  // Reads a section in place; `owner` keeps its bytes alive. Throws
  // Error(Corrupt) naming `where` when the bytes are not a valid image.
  static KeywordImage view(ByteSpan bytes, std::shared_ptr<const void> owner,
                           const std::string& where);
  // The same over a private copy of the bytes.
  static KeywordImage copy(ByteSpan bytes, const std::string& where);
  // The section bytes for texts (ascending by key) and terms (ascending).
  static std::vector<uint8_t> encode(uint64_t total_words, const std::vector<Text>& texts,
                                     const std::vector<Term>& terms);

  uint64_t text_count() const { return text_count_; }
  uint64_t total_words() const { return total_words_; }
  // The word count of `key`'s text, if the image holds it.
  std::optional<uint32_t> words_of(uint64_t key) const;
  Text text(uint64_t i) const;

  // The postings of a term: [begin, end) indexes for posting().
  struct Range {
    uint64_t begin = 0, end = 0;
  };
  Range find(std::string_view term) const;
  Posting posting(uint64_t i) const;
  uint64_t term_count() const { return term_count_; }
  std::string_view term(uint64_t i) const;
  Range postings_of(uint64_t term_index) const;

  // Heap bytes held (0 for a view of a mapped file).
  size_t heap_bytes() const { return copy_ ? copy_->capacity() : 0; }

 private:
  void check(const std::string& where);

  ByteSpan bytes_;
  std::shared_ptr<const void> owner_;
  std::shared_ptr<std::vector<uint8_t>> copy_;
  uint64_t text_count_ = 0, term_count_ = 0, posting_count_ = 0, term_bytes_ = 0;
  uint64_t total_words_ = 0;
  const uint8_t* texts_ = nullptr;
  const uint8_t* terms_ = nullptr;
  const uint8_t* postings_ = nullptr;
  const char* term_text_ = nullptr;
};

}  // namespace quiver
