// HashingEmbedder: normalisation, tokenisation and signed feature hashing.
// See hashing_embedder.h for the algorithm and what it can and cannot do.
#include "embedding/hashing_embedder.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <iterator>
#include <limits>
#include <optional>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "core/error.h"
#include "embedding/feature_counts.h"
#include "embedding/utf8.h"

namespace quiver {
namespace {

// U+00C0 .. U+04FF: nullptr = separator, "" = dropped, else the replacement.
constexpr char32_t kFoldFirst = 0xC0;
constexpr char32_t kFoldLast = 0x4FF;
constexpr const char* kFoldTable[] = {
#include "embedding/fold_table.inc"
};
static_assert(std::size(kFoldTable) == kFoldLast - kFoldFirst + 1);

// Seeds that keep words and n-grams apart in hash space.
constexpr uint64_t kWordSeed = 0x9E3779B97F4A7C15ull;
constexpr uint64_t kGramSeed = 0xC2B2AE3D27D4EB4Full;

// English stop words after normalisation (no apostrophes), sorted.
// clang-format off
constexpr std::string_view kStopWords[] = {
    "a",       "about",      "above",    "after",   "again", "against", "all",    "am",
    "an",      "and",        "any",      "are",     "as",    "at",      "be",     "because",
    "been",    "before",     "being",    "below",   "between", "both",  "but",    "by",
    "can",     "could",      "did",      "do",      "does",  "doing",   "down",   "during",
    "each",    "few",        "for",      "from",    "further", "had",   "has",    "have",
    "having",  "he",         "her",      "here",    "hers",  "herself", "him",    "himself",
    "his",     "how",        "i",        "if",      "in",    "into",    "is",     "it",
    "its",     "itself",     "just",     "me",      "more",  "most",    "my",     "myself",
    "no",      "nor",        "not",      "now",     "of",    "off",     "on",     "once",
    "only",    "or",         "other",    "our",     "ours",  "ourselves", "out",  "over",
    "own",     "s",          "same",     "she",     "should", "so",     "some",   "such",
    "t",       "than",       "that",     "the",     "their", "theirs",  "them",   "themselves",
    "then",    "there",      "these",    "they",    "this",  "those",   "through", "to",
    "too",     "under",      "until",    "up",      "very",  "was",     "we",     "were",
    "what",    "when",       "where",    "which",   "while", "who",     "whom",   "why",
    "will",    "with",       "would",    "you",     "your",  "yours",   "yourself"};
// clang-format on
static_assert(std::is_sorted(std::begin(kStopWords), std::end(kStopWords)));

bool is_stop_word(std::string_view word) {
  return std::binary_search(std::begin(kStopWords), std::end(kStopWords), word);
}

enum class Kind { Separator, Drop, Append };

// How code point cp takes part in a word; for Append, `piece` is what to add
// (in buf or in a static table).
Kind classify(char32_t cp, char (&buf)[4], std::string_view& piece) {
  if (cp < 0x80) {
    if (cp >= 'A' && cp <= 'Z') cp += 'a' - 'A';
    if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')) {
      buf[0] = static_cast<char>(cp);
      piece = std::string_view(buf, 1);
      return Kind::Append;
    }
    return cp == '\'' ? Kind::Drop : Kind::Separator;
  }
  if (cp < kFoldFirst) return Kind::Separator;  // C1 controls, NBSP, Latin-1 punctuation
  if (cp <= kFoldLast) {
    const char* f = kFoldTable[cp - kFoldFirst];
    if (!f) return Kind::Separator;
    if (!*f) return Kind::Drop;
    piece = f;
    return Kind::Append;
  }
  if (cp == 0x2019 || cp == 0x02BC) return Kind::Drop;  // right single quote as apostrophe
  if ((cp >= 0x1AB0 && cp <= 0x1AFF) || (cp >= 0x1DC0 && cp <= 0x1DFF) ||
      (cp >= 0x20D0 && cp <= 0x20FF) || (cp >= 0xFE20 && cp <= 0xFE2F) ||
      (cp >= 0xFE00 && cp <= 0xFE0F))
    return Kind::Drop;                 // combining marks, variation selectors
  if (cp >= 0xFF01 && cp <= 0xFF5E) {  // full-width ASCII
    return classify(cp - 0xFF01 + 0x21, buf, piece);
  }
  if ((cp >= 0x2000 && cp <= 0x2BFF) ||  // punctuation, currency, arrows, maths, symbols
      (cp >= 0x2E00 && cp <= 0x2E7F) ||  // supplemental punctuation
      (cp >= 0x3000 && cp <= 0x303F) ||  // CJK symbols and punctuation
      (cp >= 0xFE10 && cp <= 0xFE1F) || (cp >= 0xFE30 && cp <= 0xFE6F) ||
      (cp >= 0xFF00 && cp <= 0xFF65) ||    // half-width punctuation
      (cp >= 0xFFF0 && cp <= 0xFFFF) ||    // specials, U+FFFD for invalid bytes
      (cp >= 0x1F000 && cp <= 0x1FAFF) ||  // emoji, playing cards, pictographs
      utf8::is_space(cp))
    return Kind::Separator;
  piece = std::string_view(buf, utf8::encode(cp, buf));
  return Kind::Append;
}

// How a text is cut into words (step 2 of the algorithm).
enum class Mode {
  Words,  // maximal runs of letters and digits, normalised
  Runs,   // a text without any: maximal runs of non-space code points, ASCII lower-cased
};

Kind unit_kind(Mode mode, char32_t cp, char (&buf)[4], std::string_view& piece) {
  if (mode == Mode::Words) return classify(cp, buf, piece);
  if (utf8::is_space(cp)) return Kind::Separator;
  piece = std::string_view(buf, utf8::encode(cp >= 'A' && cp <= 'Z' ? cp + ('a' - 'A') : cp, buf));
  return Kind::Append;
}

// Words when the text has a letter or digit, Runs when it has other
// non-space characters only, nothing when it is blank. Reads up to the
// first letter or digit.
std::optional<Mode> mode_of(std::string_view text) {
  char buf[4];
  std::string_view piece;
  bool visible = false;
  for (size_t pos = 0; pos < text.size();) {
    const utf8::Decoded d = utf8::decode(text, pos);
    if (classify(d.cp, buf, piece) == Kind::Append) return Mode::Words;
    visible = visible || !utf8::is_space(d.cp);
    pos += d.length;
  }
  if (visible) return Mode::Runs;
  return std::nullopt;
}

// Walks the words of text in order, holding none of them: on_piece(piece)
// for each normalised piece of a word (UTF-8, whole code points), then
// on_end(begin, end) with the word's byte range in text. A word of Mode::Words
// may have no piece at all (only dropped characters: "'").
template <typename OnPiece, typename OnEnd>
void walk_words(std::string_view text, Mode mode, OnPiece&& on_piece, OnEnd&& on_end) {
  char buf[4];
  std::string_view piece;
  bool in_word = false;
  size_t begin = 0;
  for (size_t pos = 0; pos < text.size();) {
    const utf8::Decoded d = utf8::decode(text, pos);
    const Kind kind = unit_kind(mode, d.cp, buf, piece);
    if (kind == Kind::Separator) {
      if (in_word) on_end(begin, pos);
      in_word = false;
    } else {
      if (!in_word) begin = pos;
      in_word = true;
      if (kind == Kind::Append) on_piece(piece);
    }
    pos += d.length;
  }
  if (in_word) on_end(begin, text.size());
}

// Counts the character n-grams of one padded word, fed one code point at a
// time: keeps only the last ngram_max code points, so a word of any length
// takes constant memory. Every n-gram gets the same weight.
class NGrams {
 public:
  NGrams(const HashingOptions& o, double weight, FeatureCounts& counts)
      : min_(o.ngram_min),
        max_(o.ngram_max),
        seed_(o.seed ^ kGramSeed),
        weight_(weight),
        counts_(counts) {}

  // One code point, its UTF-8 bytes (1..4).
  void push(const char* bytes, size_t length) {
    if (end_ + length > sizeof bytes_) {  // keep only the last held_ code points
      const size_t from = starts_[0];
      std::memmove(bytes_, bytes_ + from, end_ - from);
      for (size_t k = 0; k < held_; ++k) starts_[k] -= from;
      end_ -= from;
    }
    if (held_ == max_) {  // forget the oldest
      for (size_t k = 1; k < held_; ++k) starts_[k - 1] = starts_[k];
      --held_;
    }
    starts_[held_++] = end_;
    for (size_t k = 0; k < length; ++k) bytes_[end_++] = bytes[k];
    // The n-grams that end here.
    for (size_t n = min_; n <= held_; ++n) {
      const size_t begin = starts_[held_ - n];
      counts_.add(XXH64(bytes_ + begin, end_ - begin, seed_), weight_);
    }
  }

  // Every code point of a piece of valid UTF-8.
  void push_all(std::string_view piece) {
    for (size_t i = 0; i < piece.size();) {
      const size_t length = utf8::sequence_length(static_cast<unsigned char>(piece[i]));
      push(piece.data() + i, length);
      i += length;
    }
  }

 private:
  size_t min_, max_;
  uint64_t seed_;
  double weight_;
  FeatureCounts& counts_;
  char bytes_[256];   // the code points pushed since the last move to the front
  size_t starts_[8];  // where the last held_ of them start (ngram_max <= 8)
  size_t held_ = 0, end_ = 0;
};

// Turns the pieces of each word, as walk_words gives them, into features
// (step 3): the word itself, then the n-grams of "<word>". A word is kept
// whole when short; a longer one is hashed as it streams past and re-read
// from the text for its n-grams, so memory does not grow with it.
class WordFeatures {
 public:
  WordFeatures(const HashingOptions& o, std::string_view text, Mode mode, FeatureCounts& counts)
      : o_(o), text_(text), mode_(mode), counts_(counts) {}

  void piece(std::string_view p) {
    for (char c : p) code_points_ += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    if (streaming_) {
      XXH64_update(&state_, p.data(), p.size());
    } else if (word_.size() + p.size() <= kKeptBytes) {
      word_.append(p);
    } else {
      streaming_ = true;
      XXH64_reset(&state_, o_.seed ^ kWordSeed);
      XXH64_update(&state_, word_.data(), word_.size());
      XXH64_update(&state_, p.data(), p.size());
    }
  }

  void end(size_t begin, size_t end) {
    if (code_points_ > 0) emit(begin, end);
    word_.clear();
    streaming_ = false;
    code_points_ = 0;
  }

 private:
  static constexpr size_t kKeptBytes = 256;  // longer than any stop word

  void emit(size_t begin, size_t end) {
    const double w = !streaming_ && is_stop_word(word_) ? o_.stopword_weight : 1.0;
    if (w <= 0.0) return;
    counts_.add(
        streaming_ ? XXH64_digest(&state_) : XXH64(word_.data(), word_.size(), o_.seed ^ kWordSeed),
        w);
    if (o_.ngram_max == 0 || o_.ngram_weight <= 0.0) return;

    const uint64_t cps = code_points_ + 2;  // with the boundary marks
    uint64_t count = 0;
    for (uint64_t n = o_.ngram_min; n <= o_.ngram_max && n <= cps; ++n) count += cps - n + 1;
    if (count == 0) return;
    NGrams grams(o_, w * o_.ngram_weight / std::sqrt(static_cast<double>(count)), counts_);
    grams.push("<", 1);
    if (!streaming_) {
      grams.push_all(word_);
    } else {
      walk_words(
          text_.substr(begin, end - begin), mode_, [&](std::string_view p) { grams.push_all(p); },
          [](size_t, size_t) {});
    }
    grams.push(">", 1);
  }

  const HashingOptions& o_;
  std::string_view text_;
  Mode mode_;
  FeatureCounts& counts_;
  std::string word_;
  bool streaming_ = false;
  uint64_t code_points_ = 0;
  XXH64_state_t state_;
};

// Counts every feature of text into acc (step 4), which it clears first;
// returns whether there was any.
bool accumulate(std::string_view text, Mode mode, const HashingOptions& o, bool signed_features,
                std::vector<double>& acc) {
  std::fill(acc.begin(), acc.end(), 0.0);
  FeatureCounts counts(acc.data(), o.dim, signed_features);
  WordFeatures words(o, text, mode, counts);
  walk_words(
      text, mode, [&](std::string_view p) { words.piece(p); },
      [&](size_t begin, size_t end) { words.end(begin, end); });
  counts.flush();
  return counts.any();
}

double squared_norm(const std::vector<double>& acc) {
  double norm2 = 0.0;
  for (double v : acc) norm2 += v * v;
  return norm2;
}

}  // namespace

HashingEmbedder::HashingEmbedder(const HashingOptions& options) : options_(options) {
  const auto& o = options_;
  if (o.dim == 0 || o.dim > kMaxEmbeddingDim)
    fail(Status::InvalidArgument,
         "hashing embedder dim is " + std::to_string(o.dim) + "; it must be between 1 and " +
             std::to_string(kMaxEmbeddingDim) + " (256 to 1024 works well)");
  if (o.ngram_max != 0 && (o.ngram_min < 1 || o.ngram_min > o.ngram_max || o.ngram_max > 8))
    fail(Status::InvalidArgument,
         "hashing embedder n-gram lengths must satisfy 1 <= min <= max <= 8 (or max = 0)");
  // Bounded so that sums of weights stay far from overflow.
  if (!(o.ngram_weight >= 0.0 && o.ngram_weight <= kMaxWeight) ||
      !(o.stopword_weight >= 0.0 && o.stopword_weight <= kMaxWeight))
    fail(Status::InvalidArgument, "hashing embedder weights must be between 0 and 1e6");
}

// Shortest round-trip form, independent of the C locale (the description is
// stored with indexes).
static std::string number(double x) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, r.ptr);
}

std::string HashingEmbedder::description() const {
  const auto& o = options_;
  return "hashing-v" + std::to_string(kVersion) + " dim=" + std::to_string(o.dim) +
         " ngrams=" + std::to_string(o.ngram_min) + "-" + std::to_string(o.ngram_max) +
         " ngram_weight=" + number(o.ngram_weight) +
         " stopword_weight=" + number(o.stopword_weight) + " seed=" + std::to_string(o.seed);
}

std::vector<std::string> HashingEmbedder::tokenize(std::string_view text) {
  std::vector<std::string> words;
  const std::optional<Mode> mode = mode_of(text);
  if (!mode) return words;
  std::string word;
  walk_words(
      text, *mode, [&](std::string_view p) { word.append(p); },
      [&](size_t, size_t) {
        if (!word.empty()) words.push_back(std::move(word));
        word.clear();
      });
  return words;
}

void HashingEmbedder::embed_into(std::span<const std::string_view> texts, EmbedTask /*task*/,
                                 float* out) {
  std::vector<double> acc(options_.dim);
  for (size_t i = 0; i < texts.size(); ++i)
    embed_one(texts[i], acc, out + i * size_t{options_.dim});
}

void HashingEmbedder::embed_one(std::string_view text, std::vector<double>& acc, float* out) const {
  const uint64_t dim = options_.dim;
  const std::optional<Mode> mode = mode_of(text);
  if (!mode) {  // blank
    std::fill(out, out + dim, 0.0f);
    return;
  }
  HashingOptions o = options_;
  // Only stop words, and they weigh nothing: count them after all, since a
  // text that is not blank gets a vector of length 1.
  if (!accumulate(text, *mode, o, /*signed_features=*/true, acc)) {
    o.stopword_weight = 1.0;
    accumulate(text, *mode, o, true, acc);
  }
  double norm2 = squared_norm(acc);
  // At small dims signed features can cancel exactly. A zero vector is
  // useless (a cosine index rejects it), so such a text keeps its features
  // unsigned instead: still deterministic, and only ever taken at a norm of 0.
  if (norm2 == 0.0) {
    accumulate(text, *mode, o, false, acc);
    norm2 = squared_norm(acc);
  }
  // Tiny weights can underflow when squared: scale by the largest value
  // first (never the case at the default weights).
  if (!(norm2 >= std::numeric_limits<double>::min())) {
    double largest = 0.0;
    for (double v : acc) largest = std::max(largest, std::fabs(v));
    if (largest > 0.0) {
      for (double& v : acc) v /= largest;
      norm2 = squared_norm(acc);
    }
  }
  const double scale = norm2 > 0.0 ? 1.0 / std::sqrt(norm2) : 0.0;
  for (uint64_t j = 0; j < dim; ++j) out[j] = static_cast<float>(acc[j] * scale);
}

}  // namespace quiver
