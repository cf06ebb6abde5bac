// HashingEmbedder: Quiver's offline default. Turns text into a vector with
// no model and no network, by feature hashing ("the hashing trick",
// Weinberger et al. 2009):
//
//  1. Normalise: decode UTF-8 (invalid bytes become separators), lower-case
//     and strip accents for Latin, Greek and Cyrillic (U+00C0..U+04FF, from a
//     generated table, so "École" == "ecole" and "МОСКВА" == "москва"),
//     fold full-width ASCII, drop combining marks and apostrophes inside
//     words ("don't" == "dont").
//  2. Tokenise into words: maximal runs of letters and digits; everything
//     else (punctuation, symbols, emoji, spaces) separates. A text with no
//     word at all ("!!!", an emoji, "'", a lone combining accent or
//     variation selector) falls back to its runs of non-space characters
//     (code points as they are, ASCII lower-cased), so it still gets a
//     vector.
//  3. Features: every word, plus the character n-grams (3..5 code points) of
//     the word padded with boundary marks, "<word>". A word's n-grams share
//     the word's weight (1/sqrt(count) each), so long words do not dominate.
//     English stop words ("the", "of", ...) are down-weighted.
//  4. Each feature is hashed with XXH64 (words and n-grams under different
//     seeds) to a bucket in [0, dim) and a sign; the value is the sublinear
//     term frequency 1 + ln(tf) (tf <= 1 stays linear); values are summed per
//     bucket and the vector is L2-normalised. Should the signed values
//     cancel to exactly zero (tiny dims), they are summed unsigned instead.
//
// Memory does not grow with the text (a call holds at most ~11 MiB besides
// its output): words stream past (a long word is hashed as it goes and
// re-read from the text for its n-grams) and features are counted in a
// bounded table (FeatureCounts). Up to FeatureCounts::kMaxDistinct distinct
// features (several megabytes of ordinary prose) the vector is exactly the
// one of listing, sorting and summing every feature; a text with more gets
// approximate term frequencies for its rare features (feature_counts.h).
//
// What it can do: texts sharing words (or word stems and spellings close
// enough to share n-grams: "embedding" / "embeddings" / "embeded") get high
// cosine similarity, independent of case, accents and punctuation; it is
// fast (microseconds per sentence), deterministic (the same text gives the
// same vector on every platform: integer hashing, a fixed summation order,
// double arithmetic), private and free.
// What it cannot do: it knows no meaning. Synonyms ("car" / "automobile"),
// paraphrases, translations and word order are invisible to it; there is no
// IDF, so frequent non-stop words weigh as much as rare ones; languages
// written without spaces (Chinese, Japanese, Thai) are matched through
// character n-grams only. Use a model (Gemini, or your own through a
// callback) when meaning matters.
//
// Blank text - empty, or nothing but Unicode White_Space (utf8::is_blank) -
// embeds to the zero vector; every other text (invalid UTF-8, controls,
// punctuation or marks alone included) to a vector of length 1 at every dim.
//
// Changing anything above changes every vector: kVersion records the
// algorithm, and description() carries it so a stored index can tell.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "embedding/embedder.h"

namespace quiver {

struct HashingOptions {
  uint32_t dim = 512;            // 1 .. kMaxEmbeddingDim; 256..1024 works well
  uint32_t ngram_min = 3;        // character n-gram lengths in code points,
  uint32_t ngram_max = 5;        //   1 <= min <= max <= 8; max = 0 disables them
  double ngram_weight = 1.0;     // n-gram energy relative to the word's own, 0 .. 1e6
  double stopword_weight = 0.2;  // weight of English stop words, 0 .. 1e6; 1 = no special
                                 //   case, 0 = ignored (unless the text has nothing else)
  uint64_t seed = 0;             // different seeds give unrelated vectors
};

class HashingEmbedder final : public Embedder {
 public:
  static constexpr int kVersion = 1;
  static constexpr double kMaxWeight = 1e6;

  // Throws Error(InvalidArgument) for out-of-range options.
  explicit HashingEmbedder(const HashingOptions& options);

  uint32_t dim() const noexcept override { return options_.dim; }
  std::string description() const override;

  // Pure function of the text; the task is ignored (the model is symmetric).
  void embed_into(std::span<const std::string_view> texts, EmbedTask task, float* out) override;

  // Step 1 and 2 above, exposed for tests and for keyword highlighting:
  // the normalised words of a text, in order.
  static std::vector<std::string> tokenize(std::string_view text);

 private:
  void embed_one(std::string_view text, std::vector<double>& acc, float* out) const;

  HashingOptions options_;
};

}  // namespace quiver
