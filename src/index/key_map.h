// Concurrent map from external 64-bit keys to internal node ids.
//
// Sharded by key hash so parallel inserts rarely contend; never touched by
// searches (they carry keys inside the nodes), so it is not on the search path.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <unordered_map>

namespace quiver {

class KeyMap {
 public:
  static constexpr uint32_t kPending = UINT32_MAX;  // reserved, node not ready yet

  // Claims `key` with a pending id; false if the key is already present.
  bool reserve(uint64_t key) {
    Shard& s = shard(key);
    std::lock_guard<std::mutex> lock(s.mutex);
    return s.map.emplace(key, kPending).second;
  }
  void publish(uint64_t key, uint32_t id) {
    Shard& s = shard(key);
    std::lock_guard<std::mutex> lock(s.mutex);
    s.map[key] = id;
  }
  // Drops a reservation or entry whatever its state.
  void release(uint64_t key) {
    Shard& s = shard(key);
    std::lock_guard<std::mutex> lock(s.mutex);
    s.map.erase(key);
  }
  // The id of a published key.
  std::optional<uint32_t> find(uint64_t key) const {
    const Shard& s = shard(key);
    std::lock_guard<std::mutex> lock(s.mutex);
    auto it = s.map.find(key);
    if (it == s.map.end() || it->second == kPending) return std::nullopt;
    return it->second;
  }
  // Removes a published key and returns its id.
  std::optional<uint32_t> take(uint64_t key) {
    Shard& s = shard(key);
    std::lock_guard<std::mutex> lock(s.mutex);
    auto it = s.map.find(key);
    if (it == s.map.end() || it->second == kPending) return std::nullopt;
    uint32_t id = it->second;
    s.map.erase(it);
    return id;
  }

 private:
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<uint64_t, uint32_t> map;
  };
  static constexpr size_t kShards = 64;
  static size_t shard_of(uint64_t key) {
    key ^= key >> 33;
    key *= 0xff51afd7ed558ccdULL;
    key ^= key >> 33;
    return key % kShards;
  }
  Shard& shard(uint64_t key) { return shards_[shard_of(key)]; }
  const Shard& shard(uint64_t key) const { return shards_[shard_of(key)]; }

  Shard shards_[kShards];
};

}  // namespace quiver
