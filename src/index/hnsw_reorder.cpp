// Renumbering an HNSW graph for locality: nodes in breadth-first order of the
// layer-0 graph, so that the nodes a search reads next (neighbours of the
// ones it just read) tend to sit on nearby pages and cache lines. Coleman et
// al. ("Graph Reordering for Cache-Efficient Near Neighbor Search", 2022)
// measure BFS-like orders among the cheap ones that pay; the search itself
// is unchanged: same graph, same link order, new numbers.
//
// The records move in place, cycle by cycle, so a renumbering needs no
// second copy of the index: only two ids and a bit per node.
#include <algorithm>
#include <cstring>
#include <mutex>
#include <shared_mutex>
#include <vector>

#include "core/parallel.h"
#include "index/hnsw_index.h"
#include "index/hnsw_layout.h"
#include "index/hnsw_readers.h"

namespace quiver {
namespace {

constexpr uint32_t kUnnumbered = UINT32_MAX;

// Moves record order[j] of `store` to record j, for every j, following each
// cycle of the permutation with one spare record (`spare`, at least a
// record). `placed` (one flag per record, all false) is left so. Allocates
// nothing, so it cannot fail half-way.
void permute_in_place(SegmentedStore& store, const std::vector<uint32_t>& order,
                      std::vector<bool>& placed, std::vector<char>& spare) {
  const size_t bytes = store.record_bytes();
  for (uint32_t start = 0; start < order.size(); ++start) {
    if (placed[start]) continue;
    placed[start] = true;
    if (order[start] == start) continue;
    std::memcpy(spare.data(), store.record(start), bytes);
    uint32_t to = start;
    for (uint32_t from = order[to]; from != start; to = from, from = order[to]) {
      std::memcpy(store.record(to), store.record(from), bytes);
      placed[from] = true;
    }
    std::memcpy(store.record(to), spare.data(), bytes);
  }
  placed.assign(placed.size(), false);
}

}  // namespace

void HnswIndex::renumber_for_locality(unsigned threads) {
  check_writable();
  renumber_nodes(threads);
}

bool HnswIndex::renumber_after_bulk_add(unsigned threads) {
  // Another writer at work holds ids it is about to link: leave the order as
  // it is rather than wait (compact renumbers later if asked).
  std::unique_lock writing(writer_gate_, std::try_to_lock);
  if (!writing.owns_lock() || ReaderRegistration::held_on_this_thread(*this)) return false;
  struct Resume {
    const HnswIndex& index;
    ~Resume() { index.resume_readers(); }
  } resume{*this};
  // Searches take milliseconds; one still running after a second is waiting
  // on something else (perhaps this very writer): renumbering is only worth
  // so much.
  if (!pause_readers(std::chrono::seconds(1))) return false;
  renumber_nodes(threads);
  return true;
}

void HnswIndex::renumber_nodes(unsigned threads) {
  const uint32_t n = next_id_.load(std::memory_order_acquire);
  const uint64_t entry = entry_.load(std::memory_order_acquire);
  if (n < 2 || entry == kNoEntry) return;
  // order[new id] = old id; new_id[old id] = new id. Breadth-first from the
  // entry point, neighbours in link order; nodes it cannot reach (only
  // tombstones can be cut off) follow in id order. Everything is allocated
  // before anything moves: a failure leaves the index as it was.
  std::vector<uint32_t> order, new_id(n, kUnnumbered);
  std::vector<bool> placed(n, false);
  std::vector<char> spare(
      std::max({records_.record_bytes(), metas_.record_bytes(), originals_.record_bytes()}));
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

  // Links and keys first, in one parallel pass (which throws, if at all,
  // before its first item), then the records, which cannot fail. Each live
  // key is published under its node's new id: the key is in the map
  // already, so this overwrites a value, allocates nothing and never leaves
  // the key missing (contains() reads the map without waiting).
  auto renumber_links = [&](uint32_t* links, uint32_t capacity) {
    const uint32_t count = std::min(links[0] & kHnswCountMask, capacity);
    for (uint32_t i = 1; i <= count; ++i) links[i] = new_id[links[i]];
  };
  const uint32_t blocks = next_upper_.load(std::memory_order_acquire);
  parallel_for(size_t(n) + blocks, threads, 4096, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      if (i >= n) {
        renumber_links(reinterpret_cast<uint32_t*>(upper_links_.record(uint32_t(i - n))),
                       params_.m);
        continue;
      }
      renumber_links(links_of(uint32_t(i), 0), uint32_t(max_links0_));
      if (!is_deleted(uint32_t(i))) keys_.publish(meta(uint32_t(i)).key, new_id[i]);
    }
  });
  permute_in_place(records_, order, placed, spare);
  permute_in_place(metas_, order, placed, spare);
  if (storage_.keeps_originals()) permute_in_place(originals_, order, placed, spare);
  entry_.store((uint64_t(new_id[uint32_t(entry >> 32)]) << 32) | (entry & 0xFFFFFFFFu),
               std::memory_order_release);
}

}  // namespace quiver
