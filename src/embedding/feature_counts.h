// FeatureCounts: the hashing embedder's term frequencies in bounded memory.
//
// A text's features are (hash, weight) pairs, many of them repeated. The sum
// is fixed: sort the pairs by hash, then weight; per hash, tf = its weights
// added one at a time in that order, and bucket(hash) gets
// +-(tf > 1 ? 1 + ln tf : tf), hash by hash in ascending order.
//
// A short text's pairs are kept as they come and sorted at the end. Past
// kRawLimit pairs they are counted instead: each distinct pair once, with
// its count, in a table of at most kMaxDistinct entries (8 MiB with its
// index, 11 MiB at the peak of its last growth, whatever the text's
// length). Adding a weight `count` times one by
// one keeps every rounding, so up to kMaxDistinct distinct pairs (several
// megabytes of ordinary prose) the vector is bit for bit the one of sorting
// every pair.
//
// A text with more distinct pairs cannot be summed exactly in bounded memory
// (that needs every pair's count). When the table is full, the hashes whose
// tf is still at most 1 are summed into the vector and leave it: below 1 the
// value is tf itself, so a later occurrence still adds on exactly as long as
// the total stays at most 1 (beyond, it weighs a little more than a repeat
// counted together would). Frequent hashes keep counting. Should frequent
// hashes alone fill half the table, everything is summed and counting starts
// over (a block). Deterministic either way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace quiver {

class FeatureCounts {
 public:
  static constexpr size_t kRawLimit = 4096;
  static constexpr size_t kMaxSlots = size_t{1} << 19;
  static constexpr size_t kMaxDistinct = kMaxSlots / 2;

  // Sums go to acc[0, dim) (not cleared here); signed_features: the hash's
  // lowest bit gives the sign, else every value counts positively.
  FeatureCounts(double* acc, uint32_t dim, bool signed_features);

  // One feature; weight > 0 and finite.
  void add(uint64_t hash, double weight);

  // Sums everything still held into acc. Call once, after the last add.
  void flush();

  // Whether add was ever called.
  bool any() const noexcept { return any_; }

 private:
  struct Pair {
    uint64_t hash;
    double weight;
  };
  struct Entry {
    uint64_t hash;
    double weight;
    uint32_t count;
  };

  void start_counting();
  size_t slot_of(uint64_t hash, double weight) const noexcept;
  void reindex();
  void make_room();
  void sum_entries();
  void add_value(uint64_t hash, double tf);

  double* acc_;
  uint32_t dim_;
  bool signed_;
  bool any_ = false;
  bool counting_ = false;
  std::vector<Pair> raw_;        // before counting: every pair, as it came
  std::vector<Entry> entries_;   // counting: the distinct pairs held
  std::vector<uint32_t> slots_;  // their index: 1 + a position in entries_, 0 = empty
};

}  // namespace quiver
