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

void KeywordIndex::erase_locked(uint64_t key) {
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
  return texts_.size();
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
  return bytes;
}

void KeywordIndex::search(std::string_view query, size_t k, const KeyFilter& filter,
                          std::vector<KeywordHit>& out) const {
  out.clear();
  std::vector<std::string> terms = HashingEmbedder::tokenize(query);
  std::sort(terms.begin(), terms.end());
  terms.erase(std::unique(terms.begin(), terms.end()), terms.end());
  std::shared_lock lock(mutex_);
  if (texts_.empty() || k == 0) return;
  const double n = double(texts_.size());
  const double average = double(total_length_) / n;
  std::unordered_map<uint64_t, double> scores;
  for (const std::string& term : terms) {
    auto t = term_ids_.find(term);
    if (t == term_ids_.end() || live_[t->second] == 0) continue;
    const double df = double(live_[t->second]);
    const double idf = std::log(1.0 + (n - df + 0.5) / (df + 0.5));
    for (const Posting& p : postings_[t->second]) {
      auto text = texts_.find(p.key);
      if (text == texts_.end() || text->second.version != p.version) continue;  // stale
      const double f = double(p.tf);
      scores[p.key] += idf * f * (kK1 + 1.0) /
                       (f + kK1 * (1.0 - kB + kB * double(text->second.length) / average));
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
