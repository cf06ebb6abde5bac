// HnswIndex::renumber_for_locality: nodes renumbered in breadth-first order
// of the layer-0 graph, so that the nodes a search reads next (neighbours of
// the ones it just read) tend to sit on nearby pages and cache lines.
// Coleman et al. ("Graph Reordering for Cache-Efficient Near Neighbor
// Search", 2022) measure BFS-like orders among the cheap ones that pay; the
// search itself is unchanged: same graph, same link order, new numbers.
#include <cstring>
#include <vector>

#include "core/parallel.h"
#include "index/hnsw_index.h"
#include "index/hnsw_layout.h"

namespace quiver {
namespace {

constexpr uint32_t kUnnumbered = UINT32_MAX;

// Copies record order[j] of `store` to record j of a new store, lets `fix`
// rewrite it there, and swaps the new store in.
template <typename Fix>
void permute(SegmentedStore& store, const std::vector<uint32_t>& order, unsigned threads,
             const Fix& fix) {
  const size_t bytes = store.record_bytes();
  SegmentedStore out(bytes);
  for (uint32_t j = 0; j < order.size(); ++j) out.ensure(j);
  parallel_for(order.size(), threads, 4096, [&](size_t begin, size_t end) {
    for (size_t j = begin; j < end; ++j) {
      std::memcpy(out.record(uint32_t(j)), store.record(order[j]), bytes);
      fix(out.record(uint32_t(j)));
    }
  });
  store.swap_contents(out);
}

}  // namespace

void HnswIndex::renumber_for_locality(unsigned threads) {
  check_writable();
  const uint32_t n = next_id_.load(std::memory_order_acquire);
  const uint64_t entry = entry_.load(std::memory_order_acquire);
  if (n < 2 || entry == kNoEntry) return;
  // order[new id] = old id; new_id[old id] = new id. Breadth-first from the
  // entry point, neighbours in link order; nodes it cannot reach (only
  // tombstones can be cut off) follow in id order.
  std::vector<uint32_t> order, new_id(n, kUnnumbered);
  order.reserve(n);
  auto visit_from = [&](uint32_t start) {
    size_t head = order.size();
    new_id[start] = uint32_t(order.size());
    order.push_back(start);
    for (; head < order.size(); ++head) {
      const uint32_t* links = links_of(order[head], 0);
      const uint32_t count = std::min<uint32_t>(links[0] & kHnswCountMask, uint32_t(max_links0_));
      for (uint32_t i = 1; i <= count; ++i)
        if (links[i] < n && new_id[links[i]] == kUnnumbered) {
          new_id[links[i]] = uint32_t(order.size());
          order.push_back(links[i]);
        }
    }
  };
  visit_from(uint32_t(entry >> 32));
  for (uint32_t id = 0; id < n; ++id)
    if (new_id[id] == kUnnumbered) visit_from(id);

  auto renumber_links = [&](uint32_t* links, uint32_t capacity) {
    const uint32_t count = std::min(links[0] & kHnswCountMask, capacity);
    for (uint32_t i = 1; i <= count; ++i) links[i] = new_id[links[i]];
  };
  permute(records_, order, threads, [&](char* record) {
    renumber_links(reinterpret_cast<uint32_t*>(record), uint32_t(max_links0_));
  });
  permute(metas_, order, threads, [](char*) {});
  if (storage_.keeps_originals()) permute(originals_, order, threads, [](char*) {});
  const uint32_t blocks = next_upper_.load(std::memory_order_acquire);
  parallel_for(blocks, threads, 4096, [&](size_t begin, size_t end) {
    for (size_t b = begin; b < end; ++b)
      renumber_links(reinterpret_cast<uint32_t*>(upper_links_.record(uint32_t(b))), params_.m);
  });
  entry_.store((uint64_t(new_id[uint32_t(entry >> 32)]) << 32) | (entry & 0xFFFFFFFFu),
               std::memory_order_release);
  keys_.clear();
  rebuild_key_map(threads);
}

}  // namespace quiver
