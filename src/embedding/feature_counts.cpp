// FeatureCounts: pairs kept raw, then counted through an open-addressing
// index (linear probing, load at most 1/2) into a dense array; both summed
// in sorted order. See feature_counts.h.
#include "embedding/feature_counts.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace quiver {
namespace {

// By hash, then weight: the order in which the sums add them fixes every
// rounding.
template <typename T>
bool before(const T& a, const T& b) {
  return a.hash != b.hash ? a.hash < b.hash : a.weight < b.weight;
}

}  // namespace

FeatureCounts::FeatureCounts(double* acc, uint32_t dim, bool signed_features)
    : acc_(acc), dim_(dim), signed_(signed_features) {}

void FeatureCounts::add(uint64_t hash, double weight) {
  any_ = true;
  if (!counting_) {
    raw_.push_back(Pair{hash, weight});
    if (raw_.size() == kRawLimit) start_counting();
    return;
  }
  size_t mask = slots_.size() - 1;
  size_t i = slot_of(hash, weight);
  for (; slots_[i] != 0; i = (i + 1) & mask) {
    Entry& e = entries_[slots_[i] - 1];
    if (e.hash == hash && e.weight == weight) {
      if (++e.count == UINT32_MAX) {  // the count would overflow: a block ends
        sum_entries();
        reindex();
      }
      return;
    }
  }
  // A new pair: make room first (which moves the slots), then insert.
  if (entries_.size() == kMaxDistinct) make_room();
  if (2 * (entries_.size() + 1) > slots_.size()) {
    slots_.resize(slots_.size() * 2);
    reindex();
  }
  mask = slots_.size() - 1;
  for (i = slot_of(hash, weight); slots_[i] != 0; i = (i + 1) & mask) {
  }
  entries_.push_back(Entry{hash, weight, 1});
  slots_[i] = static_cast<uint32_t>(entries_.size());
}

void FeatureCounts::start_counting() {
  std::sort(raw_.begin(), raw_.end(), before<Pair>);
  for (const Pair& p : raw_) {
    if (!entries_.empty() && entries_.back().hash == p.hash && entries_.back().weight == p.weight)
      ++entries_.back().count;
    else
      entries_.push_back(Entry{p.hash, p.weight, 1});
  }
  std::vector<Pair>().swap(raw_);
  slots_.resize(std::bit_ceil(4 * entries_.size()));
  counting_ = true;
  reindex();
}

size_t FeatureCounts::slot_of(uint64_t hash, double weight) const noexcept {
  // The hash is already uniform; the weight only separates pairs that share it.
  const uint64_t mix = hash ^ (std::bit_cast<uint64_t>(weight) * 0x9E3779B97F4A7C15ull);
  return static_cast<size_t>(mix ^ (mix >> 29)) & (slots_.size() - 1);
}

void FeatureCounts::reindex() {
  std::fill(slots_.begin(), slots_.end(), 0u);
  const size_t mask = slots_.size() - 1;
  for (size_t k = 0; k < entries_.size(); ++k) {
    size_t i = slot_of(entries_[k].hash, entries_[k].weight);
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = static_cast<uint32_t>(k + 1);
  }
}

void FeatureCounts::add_value(uint64_t hash, double tf) {
  const double value = tf > 1.0 ? 1.0 + std::log(tf) : tf;
  const uint64_t bucket = ((hash >> 32) * dim_) >> 32;
  acc_[bucket] += (signed_ && (hash & 1)) ? -value : value;
}

void FeatureCounts::make_room() {
  std::sort(entries_.begin(), entries_.end(), before<Entry>);
  // Hashes whose tf is at most 1 so far leave (see the header); the others
  // move to the front and keep counting.
  size_t kept = 0;
  for (size_t i = 0, n = entries_.size(); i < n;) {
    size_t end = i;
    double estimate = 0.0;  // for the choice only: the sum below is the exact one
    for (; end < n && entries_[end].hash == entries_[i].hash; ++end)
      estimate += entries_[end].weight * entries_[end].count;
    if (estimate <= 1.0) {
      double tf = 0.0;
      for (size_t j = i; j < end; ++j)
        for (uint32_t c = 0; c < entries_[j].count; ++c) tf += entries_[j].weight;
      add_value(entries_[i].hash, tf);
    } else {
      for (size_t j = i; j < end; ++j) entries_[kept++] = entries_[j];
    }
    i = end;
  }
  entries_.resize(kept);
  if (kept > kMaxDistinct / 2) sum_entries();  // frequent ones fill it: a block ends
  reindex();
}

void FeatureCounts::sum_entries() {
  std::sort(entries_.begin(), entries_.end(), before<Entry>);
  for (size_t i = 0, n = entries_.size(); i < n;) {
    const uint64_t h = entries_[i].hash;
    double tf = 0.0;
    for (; i < n && entries_[i].hash == h; ++i)
      for (uint32_t c = 0; c < entries_[i].count; ++c) tf += entries_[i].weight;  // one at a time
    add_value(h, tf);
  }
  entries_.clear();
}

void FeatureCounts::flush() {
  if (counting_) return sum_entries();
  std::sort(raw_.begin(), raw_.end(), before<Pair>);
  for (size_t i = 0, n = raw_.size(); i < n;) {
    const uint64_t h = raw_[i].hash;
    double tf = 0.0;
    for (; i < n && raw_[i].hash == h; ++i) tf += raw_[i].weight;
    add_value(h, tf);
  }
  raw_.clear();
}

}  // namespace quiver
