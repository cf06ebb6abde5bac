#include "collection/keyword_index.h"

#include <algorithm>
#include <cmath>
#include <mutex>

#include "embedding/hashing_embedder.h"

namespace quiver {

bool KeywordIndex::is_live(const Posting& p) const {
  auto it = texts_.find(p.key);
  return it != texts_.end() && it->second.version == p.version;
}

void KeywordIndex::set(uint64_t key, std::string_view text) {
  // Tokenise and count outside the lock: words sorted, runs counted.
  std::vector<std::string> words = HashingEmbedder::tokenize(text);
  std::sort(words.begin(), words.end());
  std::unique_lock lock(mutex_);
  erase_locked(key);
  if (words.empty()) return;
  Text t;
  t.length = uint32_t(std::min<size_t>(words.size(), UINT32_MAX));
  t.version = next_version_++;
  for (size_t i = 0; i < words.size();) {
    size_t j = i + 1;
    while (j < words.size() && words[j] == words[i]) ++j;
    auto [it, fresh] = term_ids_.try_emplace(std::move(words[i]), uint32_t(postings_.size()));
    if (fresh) {
      postings_.emplace_back();
      live_.push_back(0);
    }
    const uint32_t id = it->second;
    postings_[id].push_back(Posting{key, uint32_t(j - i), t.version});
    ++live_[id];
    t.terms.push_back(id);
    i = j;
  }
  total_length_ += t.length;
  texts_.emplace(key, std::move(t));
}

void KeywordIndex::erase(uint64_t key) {
  std::unique_lock lock(mutex_);
  erase_locked(key);
}

void KeywordIndex::attach(KeywordImage base) {
  std::unique_lock lock(mutex_);
  base_ = std::move(base);
}

void KeywordIndex::erase_locked(uint64_t key) {
  if (base_.text_count() != 0 && !gone_from_base_.count(key))
    if (auto words = base_.words_of(key)) {
      gone_from_base_.insert(key);
      gone_words_ += *words;
    }
  auto it = texts_.find(key);
  if (it == texts_.end()) return;
  const Text old = std::move(it->second);
  texts_.erase(it);
  total_length_ -= old.length;
  for (uint32_t id : old.terms) {
    --live_[id];
    std::vector<Posting>& list = postings_[id];
    // Drop the stale postings once they outnumber the live ones.
    if (list.size() > 2 * size_t(live_[id]) + 16)
      list.erase(std::remove_if(list.begin(), list.end(),
                                [this](const Posting& p) { return !is_live(p); }),
                 list.end());
  }
}

size_t KeywordIndex::size() const {
  std::shared_lock lock(mutex_);
  return size_t(base_.text_count()) - gone_from_base_.size() + texts_.size();
}

size_t KeywordIndex::heap_bytes() const {
  std::shared_lock lock(mutex_);
  size_t bytes =
      postings_.capacity() * sizeof(std::vector<Posting>) + live_.capacity() * sizeof(uint32_t);
  for (const auto& list : postings_) bytes += list.capacity() * sizeof(Posting);
  // Hash nodes: a pointer, the key and value, and a bucket each.
  for (const auto& [term, id] : term_ids_)
    bytes += 3 * sizeof(void*) + sizeof(std::string) + (term.size() > 15 ? term.capacity() : 0);
  for (const auto& [key, text] : texts_)
    bytes += 3 * sizeof(void*) + sizeof(Text) + text.terms.capacity() * sizeof(uint32_t);
  bytes += gone_from_base_.size() * (2 * sizeof(void*) + sizeof(uint64_t));
  return bytes + base_.heap_bytes();
}

void KeywordIndex::live_postings(std::string_view term,
                                 std::vector<KeywordImage::Posting>& out) const {
  const KeywordImage::Range range = base_.find(term);
  for (uint64_t i = range.begin; i < range.end; ++i) {
    const KeywordImage::Posting p = base_.posting(i);
    if (gone_from_base_.empty() || !gone_from_base_.count(p.key)) out.push_back(p);
  }
  auto t = term_ids_.find(std::string(term));
  if (t == term_ids_.end() || live_[t->second] == 0) return;
  for (const Posting& p : postings_[t->second]) {
    auto text = texts_.find(p.key);
    if (text == texts_.end() || text->second.version != p.version) continue;  // stale
    out.push_back(KeywordImage::Posting{p.key, p.tf, text->second.length});
  }
}

void KeywordIndex::search(std::string_view query, size_t k, const KeyFilter& filter,
                          std::vector<KeywordHit>& out) const {
  out.clear();
  std::vector<std::string> terms = HashingEmbedder::tokenize(query);
  std::sort(terms.begin(), terms.end());
  terms.erase(std::unique(terms.begin(), terms.end()), terms.end());
  std::shared_lock lock(mutex_);
  const uint64_t texts = base_.text_count() - gone_from_base_.size() + texts_.size();
  if (texts == 0 || k == 0) return;
  const double n = double(texts);
  const double average = double(base_.total_words() - gone_words_ + total_length_) / n;
  std::unordered_map<uint64_t, double> scores;
  std::vector<KeywordImage::Posting> postings;
  for (const std::string& term : terms) {
    postings.clear();
    live_postings(term, postings);
    if (postings.empty()) continue;
    const double df = double(postings.size());
    const double idf = std::log(1.0 + (n - df + 0.5) / (df + 0.5));
    for (const KeywordImage::Posting& p : postings) {
      const double f = double(p.tf);
      scores[p.key] +=
          idf * f * (kK1 + 1.0) / (f + kK1 * (1.0 - kB + kB * double(p.words) / average));
    }
  }
  out.reserve(scores.size());
  for (const auto& [key, score] : scores)
    if (filter.keeps(key)) out.push_back(KeywordHit{float(score), key});
  auto better = [](const KeywordHit& a, const KeywordHit& b) {
    return a.score != b.score ? a.score > b.score : a.key < b.key;
  };
  if (out.size() > k) {
    std::partial_sort(out.begin(), out.begin() + k, out.end(), better);
    out.resize(k);
  } else {
    std::sort(out.begin(), out.end(), better);
  }
}

}  // namespace quiver

namespace quiver {

std::vector<KeywordImage::Term> KeywordIndex::merged_terms() const {
  // Every term of the base and of the changes, ascending; a term's postings
  // are its live ones, ascending by key.
  std::vector<std::string_view> changed;
  changed.reserve(term_ids_.size());
  for (const auto& [term, id] : term_ids_)
    if (live_[id] != 0) changed.push_back(term);
  std::sort(changed.begin(), changed.end());
  std::vector<KeywordImage::Term> merged;
  uint64_t b = 0;
  size_t c = 0;
  while (b < base_.term_count() || c < changed.size()) {
    std::string_view term;
    if (c == changed.size() || (b < base_.term_count() && base_.term(b) <= changed[c]))
      term = base_.term(b);
    else
      term = changed[c];
    if (b < base_.term_count() && base_.term(b) == term) ++b;
    if (c < changed.size() && changed[c] == term) ++c;
    KeywordImage::Term t{term, {}};
    live_postings(term, t.postings);
    if (t.postings.empty()) continue;
    std::sort(t.postings.begin(), t.postings.end(),
              [](const auto& x, const auto& y) { return x.key < y.key; });
    merged.push_back(std::move(t));
  }
  return merged;
}

std::vector<uint8_t> KeywordIndex::encode() const {
  std::shared_lock lock(mutex_);
  std::vector<KeywordImage::Text> texts;
  texts.reserve(base_.text_count() - gone_from_base_.size() + texts_.size());
  for (uint64_t i = 0; i < base_.text_count(); ++i) {
    const KeywordImage::Text t = base_.text(i);
    if (!gone_from_base_.count(t.key)) texts.push_back(t);
  }
  for (const auto& [key, text] : texts_) texts.push_back(KeywordImage::Text{key, text.length});
  std::sort(texts.begin(), texts.end(), [](const auto& x, const auto& y) { return x.key < y.key; });
  const uint64_t words = base_.total_words() - gone_words_ + total_length_;
  return KeywordImage::encode(words, texts, merged_terms());
}

}  // namespace quiver
