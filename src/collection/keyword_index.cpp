#include "collection/keyword_index.h"

#include <algorithm>
#include <cmath>
#include <mutex>

#include "embedding/hashing_embedder.h"

namespace quiver {

void KeywordIndex::set(uint64_t key, std::string_view text) {
  const std::vector<std::string> words = HashingEmbedder::tokenize(text);
  std::unordered_map<std::string, uint32_t> counts;
  for (const std::string& w : words) ++counts[w];
  std::unique_lock lock(mutex_);
  erase_locked(key);
  if (words.empty()) return;
  Text& t = texts_[key];
  t.length = uint32_t(std::min<size_t>(words.size(), UINT32_MAX));
  t.terms.reserve(counts.size());
  for (const auto& [term, count] : counts) {
    postings_[term][key] = count;
    t.terms.push_back(term);
  }
  total_length_ += t.length;
}

void KeywordIndex::erase(uint64_t key) {
  std::unique_lock lock(mutex_);
  erase_locked(key);
}

void KeywordIndex::erase_locked(uint64_t key) {
  auto it = texts_.find(key);
  if (it == texts_.end()) return;
  for (const std::string& term : it->second.terms) {
    auto p = postings_.find(term);
    if (p == postings_.end()) continue;
    p->second.erase(key);
    if (p->second.empty()) postings_.erase(p);
  }
  total_length_ -= it->second.length;
  texts_.erase(it);
}

size_t KeywordIndex::size() const {
  std::shared_lock lock(mutex_);
  return texts_.size();
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
    auto p = postings_.find(term);
    if (p == postings_.end()) continue;
    const double df = double(p->second.size());
    const double idf = std::log(1.0 + (n - df + 0.5) / (df + 0.5));
    for (const auto& [key, tf] : p->second) {
      const double length = texts_.at(key).length;
      const double f = double(tf);
      scores[key] += idf * f * (kK1 + 1.0) / (f + kK1 * (1.0 - kB + kB * length / average));
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
