// HashingEmbedder: normalisation, tokenisation and signed feature hashing.
// See hashing_embedder.h for the algorithm and what it can and cannot do.
#include "embedding/hashing_embedder.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <iterator>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "core/error.h"
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

// How code point cp takes part in a word; for Append, `text` is what to add.
Kind classify(char32_t cp, std::string& scratch, std::string_view& text) {
  if (cp < 0x80) {
    if (cp >= 'A' && cp <= 'Z') cp += 'a' - 'A';
    if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')) {
      scratch.assign(1, static_cast<char>(cp));
      text = scratch;
      return Kind::Append;
    }
    return cp == '\'' ? Kind::Drop : Kind::Separator;
  }
  if (cp < kFoldFirst) return Kind::Separator;  // C1 controls, NBSP, Latin-1 punctuation
  if (cp <= kFoldLast) {
    const char* f = kFoldTable[cp - kFoldFirst];
    if (!f) return Kind::Separator;
    if (!*f) return Kind::Drop;
    text = f;
    return Kind::Append;
  }
  if (cp == 0x2019 || cp == 0x02BC) return Kind::Drop;  // right single quote as apostrophe
  if ((cp >= 0x1AB0 && cp <= 0x1AFF) || (cp >= 0x1DC0 && cp <= 0x1DFF) ||
      (cp >= 0x20D0 && cp <= 0x20FF) || (cp >= 0xFE20 && cp <= 0xFE2F) ||
      (cp >= 0xFE00 && cp <= 0xFE0F))
    return Kind::Drop;                 // combining marks, variation selectors
  if (cp >= 0xFF01 && cp <= 0xFF5E) {  // full-width ASCII
    return classify(cp - 0xFF01 + 0x21, scratch, text);
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
  scratch.clear();
  utf8::append(scratch, cp);
  text = scratch;
  return Kind::Append;
}

// Normalised words; when there are none, the runs of non-space characters.
void tokenize_into(std::string_view text, std::vector<std::string>& words) {
  words.clear();
  std::string word, scratch;
  std::string_view piece;
  bool any_visible = false;
  for (size_t pos = 0; pos < text.size();) {
    utf8::Decoded d = utf8::decode(text, pos);
    pos += d.length;
    switch (classify(d.cp, scratch, piece)) {
      case Kind::Append:
        word.append(piece);
        break;
      case Kind::Drop:
        break;
      case Kind::Separator:
        if (!word.empty()) words.push_back(std::move(word)), word.clear();
        if (!utf8::is_space(d.cp)) any_visible = true;
        break;
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  if (!words.empty() || !any_visible) return;

  // Fallback: only symbols. Runs of non-space code points, ASCII lower-cased.
  for (size_t pos = 0; pos < text.size();) {
    utf8::Decoded d = utf8::decode(text, pos);
    pos += d.length;
    if (utf8::is_space(d.cp)) {
      if (!word.empty()) words.push_back(std::move(word)), word.clear();
    } else {
      utf8::append(word, d.cp >= 'A' && d.cp <= 'Z' ? d.cp + ('a' - 'A') : d.cp);
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
}

struct Feature {
  uint64_t hash;
  double weight;
  bool operator<(const Feature& o) const {
    return hash != o.hash ? hash < o.hash : weight < o.weight;
  }
};

// Appends the features of one word: the word itself, then the n-grams of
// "<word>" (by code points).
void word_features(const std::string& word, const HashingOptions& o, std::vector<Feature>& out,
                   std::string& padded, std::vector<size_t>& starts) {
  const double w = is_stop_word(word) ? o.stopword_weight : 1.0;
  if (w <= 0.0) return;
  out.push_back({XXH64(word.data(), word.size(), o.seed ^ kWordSeed), w});
  if (o.ngram_max == 0 || o.ngram_weight <= 0.0) return;

  padded.assign(1, '<');
  padded += word;
  padded += '>';
  starts.clear();
  for (size_t pos = 0; pos < padded.size();) {
    starts.push_back(pos);
    pos += utf8::decode(padded, pos).length;
  }
  const size_t cps = starts.size();
  starts.push_back(padded.size());
  size_t count = 0;
  for (size_t n = o.ngram_min; n <= o.ngram_max && n <= cps; ++n) count += cps - n + 1;
  if (count == 0) return;
  const double gw = w * o.ngram_weight / std::sqrt(static_cast<double>(count));
  for (size_t n = o.ngram_min; n <= o.ngram_max && n <= cps; ++n) {
    for (size_t i = 0; i + n <= cps; ++i) {
      const size_t b = starts[i], e = starts[i + n];
      out.push_back({XXH64(padded.data() + b, e - b, o.seed ^ kGramSeed), gw});
    }
  }
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
  if (!(o.ngram_weight >= 0.0) || !(o.stopword_weight >= 0.0) || !std::isfinite(o.ngram_weight) ||
      !std::isfinite(o.stopword_weight))
    fail(Status::InvalidArgument, "hashing embedder weights must be finite and >= 0");
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
  tokenize_into(text, words);
  return words;
}

void HashingEmbedder::embed_into(std::span<const std::string_view> texts, EmbedTask /*task*/,
                                 float* out) {
  std::vector<double> acc(options_.dim);
  for (size_t i = 0; i < texts.size(); ++i)
    embed_one(texts[i], acc, out + i * size_t{options_.dim});
}

// Sums the (sorted) features into acc, one bucket per hash; returns the
// squared norm.
static double accumulate(const std::vector<Feature>& features, bool signed_features,
                         std::vector<double>& acc) {
  std::fill(acc.begin(), acc.end(), 0.0);
  const uint64_t dim = acc.size();
  for (size_t i = 0; i < features.size();) {
    const uint64_t h = features[i].hash;
    double tf = 0.0;
    for (; i < features.size() && features[i].hash == h; ++i) tf += features[i].weight;
    const double value = tf > 1.0 ? 1.0 + std::log(tf) : tf;
    const uint64_t bucket = ((h >> 32) * dim) >> 32;
    acc[bucket] += (signed_features && (h & 1)) ? -value : value;
  }
  double norm2 = 0.0;
  for (double v : acc) norm2 += v * v;
  return norm2;
}

void HashingEmbedder::embed_one(std::string_view text, std::vector<double>& acc, float* out) const {
  std::vector<std::string> words;
  tokenize_into(text, words);
  std::vector<Feature> features;
  std::string padded;
  std::vector<size_t> starts;
  for (const std::string& w : words) word_features(w, options_, features, padded, starts);

  // Sorting fixes the summation order, so the result does not depend on the
  // order of words (beyond what the features say) or on the platform.
  std::sort(features.begin(), features.end());
  double norm2 = accumulate(features, /*signed_features=*/true, acc);
  // At small dims signed features can cancel exactly. A zero vector is
  // useless (a cosine index rejects it), so such a text keeps its features
  // unsigned instead: still deterministic, and only ever taken at a norm of 0.
  if (norm2 == 0.0 && !features.empty()) norm2 = accumulate(features, false, acc);
  const uint64_t dim = options_.dim;
  const double scale = norm2 > 0.0 ? 1.0 / std::sqrt(norm2) : 0.0;
  for (uint64_t j = 0; j < dim; ++j) out[j] = static_cast<float>(acc[j] * scale);
}

}  // namespace quiver
