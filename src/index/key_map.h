// Concurrent map from external 64-bit keys to internal node ids.
//
// Sharded by key hash so parallel inserts rarely contend; never touched by
// searches (they carry keys inside the nodes), so it is not on the search path.
// Each shard is an open-addressing table (linear probing, 16-byte slots, at
// most 3/4 full, erased slots closed up by shifting back), not a node per
// key: filling it for a million keys at open costs milliseconds, where a
// node-based map took a large share of a load (allocations, rehashes, and
// as many frees again when the index is freed).
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

#include "core/parallel.h"

namespace quiver {

class KeyMap {
 public:
  static constexpr uint32_t kPending = UINT32_MAX;  // reserved, node not ready yet

  // Claims `key` with a pending id; false if the key is already present.
  // Forgets every key. Not thread-safe against any other call.
  void clear() {
    for (Shard& s : shards_) {
      std::lock_guard<std::mutex> lock(s.mutex);
      s.table = Table();
    }
  }

  bool reserve(uint64_t key) {
    const uint64_t h = mix(key);
    Shard& s = shard(h);
    std::lock_guard<std::mutex> lock(s.mutex);
    return s.table.insert(key, kPending, h);
  }
  void publish(uint64_t key, uint32_t id) {
    const uint64_t h = mix(key);
    Shard& s = shard(h);
    std::lock_guard<std::mutex> lock(s.mutex);
    if (uint32_t* value = s.table.find(key, h))
      *value = id;
    else
      s.table.insert(key, id, h);
  }
  // Drops a reservation or entry whatever its state.
  void release(uint64_t key) {
    const uint64_t h = mix(key);
    Shard& s = shard(h);
    std::lock_guard<std::mutex> lock(s.mutex);
    s.table.erase(key, h);
  }
  // The id of a published key.
  std::optional<uint32_t> find(uint64_t key) const {
    const uint64_t h = mix(key);
    const Shard& s = shard(h);
    std::lock_guard<std::mutex> lock(s.mutex);
    const uint32_t* value = s.table.find(key, h);
    if (!value || *value == kPending) return std::nullopt;
    return *value;
  }
  // Removes a published key and returns its id.
  std::optional<uint32_t> take(uint64_t key) {
    const uint64_t h = mix(key);
    Shard& s = shard(h);
    std::lock_guard<std::mutex> lock(s.mutex);
    const uint32_t* value = s.table.find(key, h);
    if (!value || *value == kPending) return std::nullopt;
    const uint32_t id = *value;
    s.table.erase(key, h);
    return id;
  }

  // Fills an empty map with (key_of(id), id) for the ids in [0, n) that
  // live(id) accepts, on `threads` threads (0 = all cores): the ids are
  // sorted by shard, then each shard's table is sized once and filled by
  // one thread, in id order. Returns the lowest id whose key a lower id
  // already holds, leaving the map empty, or nullopt. Nothing else may use
  // the map meanwhile. Throws std::bad_alloc.
  template <typename KeyOf, typename Live>
  std::optional<uint32_t> build(uint32_t n, const KeyOf& key_of, const Live& live,
                                unsigned threads) {
    constexpr uint32_t kRange = uint32_t(1) << 16;
    constexpr uint8_t kDead = 0xFF;
    const size_t ranges = (size_t(n) + kRange - 1) / kRange;
    auto range_end = [&](size_t r) { return uint32_t(std::min<uint64_t>(n, (r + 1) * kRange)); };
    // 1. Each live id's shard, and how many ids each range gives each shard.
    std::vector<uint8_t> shard_of_id(n);
    std::vector<size_t> at(ranges * kShards, 0);
    parallel_for(ranges, threads, 1, [&](size_t begin, size_t end) {
      for (size_t r = begin; r < end; ++r)
        for (uint32_t id = uint32_t(r * kRange); id < range_end(r); ++id) {
          if (!live(id)) {
            shard_of_id[id] = kDead;
            continue;
          }
          const uint8_t s = uint8_t(mix(key_of(id)) % kShards);
          shard_of_id[id] = s;
          ++at[r * kShards + s];
        }
    });
    // 2. (key, id) pairs grouped by shard, each group in id order.
    size_t shard_first[kShards + 1];
    size_t total = 0;
    for (size_t s = 0; s < kShards; ++s) {
      shard_first[s] = total;
      for (size_t r = 0; r < ranges; ++r) {
        const size_t count = at[r * kShards + s];
        at[r * kShards + s] = total;
        total += count;
      }
    }
    shard_first[kShards] = total;
    struct Pair {
      uint64_t key;
      uint32_t id;
    };
    std::vector<Pair> pairs(total);
    parallel_for(ranges, threads, 1, [&](size_t begin, size_t end) {
      for (size_t r = begin; r < end; ++r)
        for (uint32_t id = uint32_t(r * kRange); id < range_end(r); ++id)
          if (shard_of_id[id] != kDead)
            pairs[at[r * kShards + shard_of_id[id]]++] = {key_of(id), id};
    });
    // 3. Each shard's table, sized once (it fits in a core's cache for a
    // million keys), filled by one thread.
    uint32_t first_twice[kShards];
    std::fill(first_twice, first_twice + kShards, UINT32_MAX);
    parallel_for(kShards, threads, 1, [&](size_t begin, size_t end) {
      for (size_t s = begin; s < end; ++s) {
        std::lock_guard<std::mutex> lock(shards_[s].mutex);
        Table& table = shards_[s].table;
        table.reserve(shard_first[s + 1] - shard_first[s]);
        for (size_t i = shard_first[s]; i < shard_first[s + 1]; ++i)
          if (!table.insert(pairs[i].key, pairs[i].id, mix(pairs[i].key))) {
            first_twice[s] = pairs[i].id;
            break;
          }
      }
    });
    const uint32_t twice = *std::min_element(first_twice, first_twice + kShards);
    if (twice == UINT32_MAX) return std::nullopt;
    for (Shard& s : shards_) {
      std::lock_guard<std::mutex> lock(s.mutex);
      s.table = Table();
    }
    return twice;
  }

 private:
  // Open addressing with linear probing; a slot's home is given by the hash
  // bits above those that chose the shard.
  class Table {
   public:
    uint32_t* find(uint64_t key, uint64_t h) {
      if (slots_.empty()) return nullptr;
      for (size_t i = home(h);; i = next(i)) {
        if (!slots_[i].full) return nullptr;
        if (slots_[i].key == key) return &slots_[i].value;
      }
    }
    const uint32_t* find(uint64_t key, uint64_t h) const {
      return const_cast<Table*>(this)->find(key, h);
    }
    // False (and nothing changes) if the key is there already.
    bool insert(uint64_t key, uint32_t value, uint64_t h) {
      if (find(key, h)) return false;
      if ((size_ + 1) * 4 > slots_.size() * 3) grow(std::max<size_t>(16, slots_.size() * 2));
      size_t i = home(h);
      while (slots_[i].full) i = next(i);
      slots_[i] = Slot{key, value, 1};
      ++size_;
      return true;
    }
    void erase(uint64_t key, uint64_t h) {
      if (slots_.empty()) return;
      size_t i = home(h);
      for (;; i = next(i)) {
        if (!slots_[i].full) return;
        if (slots_[i].key == key) break;
      }
      // Close the gap: move back every later slot of the run that may live
      // at i (its home is not cyclically within (i, j]).
      for (size_t j = next(i); slots_[j].full; j = next(j)) {
        const size_t k = home(mix(slots_[j].key));
        const bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
        if (stays) continue;
        slots_[i] = slots_[j];
        i = j;
      }
      slots_[i].full = 0;
      --size_;
    }
    // Room for `n` keys without growing.
    void reserve(size_t n) {
      const size_t want = std::bit_ceil(std::max<size_t>(16, n + n / 3 + 1));
      if (want > slots_.size()) grow(want);
    }

    size_t heap_bytes() const { return slots_.capacity() * sizeof(Slot); }

   private:
    struct Slot {
      uint64_t key;
      uint32_t value;
      uint32_t full;
    };
    size_t home(uint64_t h) const { return size_t(h / kShards) & (slots_.size() - 1); }
    size_t next(size_t i) const { return (i + 1) & (slots_.size() - 1); }
    void grow(size_t capacity) {
      std::vector<Slot> old(capacity, Slot{0, 0, 0});
      old.swap(slots_);
      for (const Slot& s : old) {
        if (!s.full) continue;
        size_t i = home(mix(s.key));
        while (slots_[i].full) i = next(i);
        slots_[i] = s;
      }
    }

    std::vector<Slot> slots_;  // a power of two, or empty
    size_t size_ = 0;
  };

  struct Shard {
    mutable std::mutex mutex;
    Table table;
  };
  static constexpr size_t kShards = 64;
  // MurmurHash3's finaliser: every key bit moves every hash bit.
  static uint64_t mix(uint64_t key) {
    key ^= key >> 33;
    key *= 0xff51afd7ed558ccdULL;
    key ^= key >> 33;
    key *= 0xc4ceb9fe1a85ec53ULL;
    key ^= key >> 33;
    return key;
  }
  Shard& shard(uint64_t h) { return shards_[h % kShards]; }
  const Shard& shard(uint64_t h) const { return shards_[h % kShards]; }

 public:
  // Bytes of the slot tables (taken shard by shard; a snapshot while
  // writers run).
  size_t heap_bytes() const {
    size_t bytes = 0;
    for (const Shard& s : shards_) {
      std::lock_guard<std::mutex> lock(s.mutex);
      bytes += s.table.heap_bytes();
    }
    return bytes;
  }

 private:
  Shard shards_[kShards];
};

}  // namespace quiver
