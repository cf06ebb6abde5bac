#include "index/hnsw_index.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <new>
#include <string>
#include <thread>
#include <unordered_set>

#include "core/error.h"
#include "core/limits.h"
#include "core/parallel.h"
#include "index/batch_checks.h"
#include "index/candidate_pool.h"
#include "index/hnsw_layout.h"
#include "index/hnsw_readers.h"
#include "index/index_kind.h"
#include "index/key_once_set.h"
#include "index/scratch_pool.h"
#include "index/vector_checks.h"
#include "index/visited_set.h"

namespace quiver {

namespace {

constexpr int kMaxLevel = 31;

template <typename T>
T load_acquire(const T& x) {
  return std::atomic_ref<T>(const_cast<T&>(x)).load(std::memory_order_acquire);
}
template <typename T>
void store_release(T& x, T v) {
  std::atomic_ref<T>(x).store(v, std::memory_order_release);
}

uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

uint64_t pack_entry(uint32_t id, int level) { return (uint64_t(id) << 32) | uint32_t(level); }
uint32_t entry_id(uint64_t e) { return uint32_t(e >> 32); }
int entry_level(uint64_t e) { return int(uint32_t(e)); }

// Heaps over (distance, id): std::push_heap is a max-heap on distance; the
// candidate queue stores negated distances to pop the nearest first.
using Pair = std::pair<float, uint32_t>;
void heap_push(std::vector<Pair>& h, float d, uint32_t id) {
  h.emplace_back(d, id);
  std::push_heap(h.begin(), h.end());
}
void heap_pop(std::vector<Pair>& h) {
  std::pop_heap(h.begin(), h.end());
  h.pop_back();
}

}  // namespace

// Per-thread working memory for searches and inserts, fetched once per call:
// thread_local lookups in a shared library go through __tls_get_addr, which
// is too slow for the inner loop. Leased from a per-thread stack so that a
// filter callback may itself search (another index) on the same thread.
struct HnswIndex::Scratch {
  VisitedSet visited;
  std::vector<Candidate> candidates;                         // heap on -distance: nearest on top
  std::vector<Candidate> top;                                // heap on distance: worst kept on top
  std::vector<Candidate> pool;                               // pruning a full neighbour list
  std::vector<uint32_t> fresh = std::vector<uint32_t>(513);  // <= 2 * max m + 1 links
  CandidatePool pool_list;                                   // unfiltered searches

  std::vector<std::vector<Candidate>> per_level;  // insert: chosen neighbours by layer
  std::vector<uint32_t> extra;                    // insert: links of a copy
  // Prepared queries (VectorCodes::query_bytes, as floats for alignment):
  // the search's, the node being linked, a candidate being compared, and
  // the node whose links are being pruned.
  std::vector<float> query, node_query, select_query, prune_query;
};

// A Scratch for one call, taken re-entrantly from this thread's stack; the
// buffers outlive the short-lived threads of batch calls (scratch_pool.h).
class HnswIndex::ScratchLease : public ScratchPool<HnswIndex::Scratch>::Lease {};

HnswIndex::HnswIndex(uint32_t dim, Metric metric, const HnswParams& params,
                     const StorageOptions& storage)
    : VectorIndex(dim, metric),
      params_(params),
      storage_(storage),
      codes_(storage.type, metric, dim),
      exact_(metric),
      max_links0_(size_t(params.m) * 2),
      record_bytes_(0),
      vector_offset_(((1 + size_t(params.m) * 2) * sizeof(uint32_t) + 15) & ~size_t(15)),
      vector_bytes_(codes_.code_bytes()),
      level_mult_(1.0 / std::log(double(std::max<uint32_t>(params.m, 2)))),
      // The vector starts at vector_offset_ (the links rounded up to 16
      // bytes), so the record must hold vector_offset_ + the vector, rounded
      // up: rounding links + vector together made it up to 12 bytes short
      // when dim is not a multiple of 4, and each vector overwrote the next
      // record's link header (its tombstone bit among them).
      records_(vector_offset_ + ((vector_bytes_ + 15) & ~size_t(15))),
      metas_(sizeof(NodeMeta)),
      upper_links_((1 + size_t(params.m)) * sizeof(uint32_t)),
      originals_(size_t(dim) * sizeof(float)) {
  record_bytes_ = records_.record_bytes();
}

HnswIndex::~HnswIndex() = default;

size_t HnswIndex::memory_bytes() const {
  const uint64_t nodes = next_id_.load(std::memory_order_acquire);
  const uint64_t blocks = next_upper_.load(std::memory_order_acquire);
  const uint64_t originals = storage_.keeps_originals() ? originals_.heap_bytes(nodes) : 0;
  return records_.heap_bytes(nodes) + metas_.heap_bytes(nodes) + upper_links_.heap_bytes(blocks) +
         originals + keys_.heap_bytes();
}

char* HnswIndex::code_of(uint32_t id) const { return records_.record(id) + vector_offset_; }

const float* HnswIndex::original_of(uint32_t id) const {
  return reinterpret_cast<const float*>(originals_.record(id));
}

void HnswIndex::copy_out(uint32_t id, float* out) const {
  if (storage_.keeps_originals())
    std::memcpy(out, original_of(id), size_t(dim()) * sizeof(float));
  else
    codes_.decode(code_of(id), out);
  const float norm = meta(id).norm;
  if (norm != 1.0f)
    for (size_t i = 0; i < dim(); ++i) out[i] *= norm;
}

namespace {
// A scratch buffer of at least `bytes`, 4-byte aligned.
char* query_buffer(std::vector<float>& buffer, size_t bytes) {
  if (buffer.size() * sizeof(float) < bytes) buffer.resize((bytes + 3) / 4);
  return reinterpret_cast<char*>(buffer.data());
}
}  // namespace

uint32_t* HnswIndex::links_of(uint32_t id, int level) const {
  if (level == 0) return reinterpret_cast<uint32_t*>(records_.record(id));
  return reinterpret_cast<uint32_t*>(upper_links_.record(meta(id).upper_first + (level - 1)));
}

HnswIndex::NodeMeta& HnswIndex::meta(uint32_t id) const {
  return *reinterpret_cast<NodeMeta*>(metas_.record(id));
}

bool HnswIndex::is_deleted(uint32_t id) const {
  return (load_acquire(links_of(id, 0)[0]) & kHnswDeletedBit) != 0;
}

void HnswIndex::mark_deleted(uint32_t id) {
  uint32_t* header = links_of(id, 0);
  lock_node(id);
  bool was_deleted = (header[0] & kHnswDeletedBit) != 0;
  store_release(header[0], header[0] | kHnswDeletedBit);
  unlock_node(id);
  if (!was_deleted) tombstones_.fetch_add(1, std::memory_order_release);
}

void HnswIndex::write_links(uint32_t* links, const Candidate* neighbors, size_t n) {
  for (size_t j = 0; j < n; ++j) store_release(links[1 + j], neighbors[j].second);
  store_release(links[0], (links[0] & ~kHnswCountMask) | uint32_t(n));
}

int HnswIndex::level_for(uint32_t id) const {
  // Levels come from the seed and the node's position in insertion order, so
  // the same inserts in the same order give the same levels, also when a
  // batch is linked in parallel.
  uint64_t r = splitmix64(params_.seed ^ splitmix64(id));
  double u = (double(r >> 11) + 1.0) * (1.0 / 9007199254740993.0);  // (0, 1]
  int level = int(-std::log(u) * level_mult_);
  return std::min(level, kMaxLevel);
}

void HnswIndex::lock_node(uint32_t id) const {
  std::atomic_ref<uint8_t> lock(meta(id).lock);
  for (int spins = 0; lock.exchange(1, std::memory_order_acquire) != 0; ++spins) {
    if (spins > 64) std::this_thread::yield();
  }
}

void HnswIndex::unlock_node(uint32_t id) const {
  std::atomic_ref<uint8_t>(meta(id).lock).store(0, std::memory_order_release);
}

uint32_t HnswIndex::reserve_ids(size_t n) {
  uint32_t first = next_id_.load(std::memory_order_relaxed);
  do {
    if (uint64_t(first) + n >= uint64_t(UINT32_MAX))
      fail(Status::OutOfMemory, "an HNSW index holds at most 4294967294 vectors");
    // Memory first, ids second: once an id is taken it is below next_id_,
    // where saves, compaction and for_each_live read its record and node
    // table entry; an allocation failure (bad_alloc) must come before that.
    // Chunks are never freed, so what is ensured here is still there when
    // the exchange succeeds (with this `first` or a later one, ensured in
    // the next round).
    for (size_t i = 0; i < n; ++i) {
      records_.ensure(uint32_t(first + i));
      metas_.ensure(uint32_t(first + i));
      if (storage_.keeps_originals()) originals_.ensure(uint32_t(first + i));
    }
  } while (!next_id_.compare_exchange_weak(first, uint32_t(first + n)));
  return first;
}

void HnswIndex::init_node(uint32_t id, uint64_t key, const float* vector) {
  records_.ensure(id);
  metas_.ensure(id);
  NodeMeta& m = meta(id);
  int level = level_for(id);
  if (level > 0) {
    // As in reserve_ids: the blocks exist before next_upper_ covers them.
    uint32_t first = next_upper_.load(std::memory_order_relaxed);
    do {
      if (uint64_t(first) + uint64_t(level) >= uint64_t(UINT32_MAX))
        fail(Status::OutOfMemory, "the HNSW upper layers are full");
      for (int l = 0; l < level; ++l) upper_links_.ensure(first + l);
    } while (!next_upper_.compare_exchange_weak(first, first + uint32_t(level),
                                                std::memory_order_relaxed));
    m.upper_first = first;
  }
  m.key = key;
  // Checked by the caller (check_batch, VectorCodes::check_storable), so none of this
  // can fail.
  if (storage_.type == Storage::F32) {
    m.norm =
        prepare_vector(vector, dim(), metric(), reinterpret_cast<float*>(code_of(id)), "vector");
  } else if (storage_.keeps_originals()) {
    float* original = reinterpret_cast<float*>(originals_.record(id));
    m.norm = prepare_vector(vector, dim(), metric(), original, "vector");
    codes_.encode(original, code_of(id));
  } else {
    std::vector<float> prepared(dim());
    m.norm = prepare_vector(vector, dim(), metric(), prepared.data(), "vector");
    codes_.encode(prepared.data(), code_of(id));
  }
  m.level = uint8_t(level);
}

void HnswIndex::check_writable() const {
  if (image_) fail_read_only();
}

void HnswIndex::add(uint64_t key, const float* vector) {
  check_writable();
  std::shared_lock writing(writer_gate_);
  add_node(key, vector);
}

void HnswIndex::add_node(uint64_t key, const float* vector) {
  check_batch(1, &key, vector, dim(), metric());
  codes_.check_storable(1, vector);
  if (!keys_.reserve(key)) fail_duplicate_key(key, false);
  uint32_t id = UINT32_MAX;
  try {
    id = reserve_ids(1);
    init_node(id, key, vector);
    link_node(id);
    keys_.publish(key, id);
  } catch (...) {
    // A node that failed half-way may already be reachable, and once its id
    // is taken it is part of the index (saves list it): bury it. Its record
    // exists (reserve_ids allocates before it hands out an id).
    if (id != UINT32_MAX) mark_deleted(id);
    keys_.release(key);
    throw;
  }
  live_.fetch_add(1, std::memory_order_release);
}

void HnswIndex::add_batch(size_t n, const uint64_t* keys, const float* vectors, unsigned threads) {
  check_writable();
  if (n == 0) return;
  uint32_t first = 0;
  {
    std::shared_lock writing(writer_gate_);
    add_batch_nodes(n, keys, vectors, threads, first);
  }
  // A bulk load (the batch at least doubled the index) ends with the graph
  // renumbered for locality, as compact does: searches of an index larger
  // than the caches read fewer scattered pages (bench/README.md). Doubling
  // keeps the cost proportional to what the batches added.
  const uint32_t nodes = next_id_.load(std::memory_order_acquire);
  const size_t bytes =
      size_t(nodes) * (record_bytes_ + (storage_.keeps_originals() ? dim() * 4 : 0));
  if (n < first || bytes < kRenumberMinBytes) return;
  try {
    renumber_after_bulk_add(threads);
  } catch (const std::bad_alloc&) {
    // The batch is in; only the order is lost (nothing moved yet).
  }
}

void HnswIndex::add_batch_nodes(size_t n, const uint64_t* keys, const float* vectors,
                                unsigned threads, uint32_t& first) {
  check_batch(n, keys, vectors, dim(), metric());
  codes_.check_storable(n, vectors);
  for (size_t i = 0; i < n; ++i) {
    if (!keys_.reserve(keys[i])) {
      for (size_t j = 0; j < i; ++j) keys_.release(keys[j]);
      fail_duplicate_key(keys[i], true);
    }
  }
  // Allocated before any id is taken, so that a failure further down can
  // still bury every node of the batch.
  std::vector<uint8_t> linked;
  try {
    linked.assign(n, 0);
  } catch (...) {
    for (size_t j = 0; j < n; ++j) keys_.release(keys[j]);
    throw;
  }
  bool reserved = false;
  try {
    first = reserve_ids(n);
    reserved = true;
    for (size_t i = 0; i < n; ++i) init_node(uint32_t(first + i), keys[i], vectors + i * dim());
  } catch (...) {
    // Ids taken are part of the index from now on (saves list them): the
    // batch's nodes become tombstones, none of them linked yet.
    if (reserved)
      for (size_t i = 0; i < n; ++i) mark_deleted(uint32_t(first + i));
    for (size_t j = 0; j < n; ++j) keys_.release(keys[j]);
    throw;
  }
  // Linking is the expensive part; nodes are linked in id order within each
  // thread's stride so early nodes exist when later ones look for neighbours.
  try {
    parallel_for(n, threads, 64, [&](size_t begin, size_t end) {
      for (size_t i = begin; i < end; ++i) {
        link_node(uint32_t(first + i));
        keys_.publish(keys[i], uint32_t(first + i));
        live_.fetch_add(1, std::memory_order_release);
        linked[i] = 1;
      }
    });
  } catch (...) {
    // Out of memory part-way: what was linked stays, the rest is buried.
    for (size_t i = 0; i < n; ++i) {
      if (linked[i]) continue;
      mark_deleted(uint32_t(first + i));
      keys_.release(keys[i]);
    }
    throw;
  }
}

void HnswIndex::upsert(uint64_t key, const float* vector) {
  check_writable();
  check_batch(1, &key, vector, dim(), metric());
  codes_.check_storable(1, vector);
  std::optional<uint32_t> old;
  // Absent: an add. (A plain add of the key racing this one may win the
  // reservation; then the key is there, or about to be: replace it.)
  std::shared_lock writing(writer_gate_);
  while (!(old = keys_.find(key))) {
    try {
      return add_node(key, vector);
    } catch (const Error& e) {
      if (e.status() != Status::DuplicateKey) throw;
    }
    std::this_thread::yield();
  }
  // Present: a new node, linked (and so found) before the old one is
  // hidden. A search that meets the old node after it is hidden expands it
  // all the same and finds the new one among its links, so every search
  // finds one or both; one that may have found both drops the second
  // (search_prepared). (Hiding the new node while it is linked, then
  // showing it, is not enough: a search could meet it hidden and the old
  // one hidden too.)
  upserts_in_flight_.fetch_add(1, std::memory_order_acq_rel);
  // The first upsert of the index: a search that began before it may have
  // decided not to look out for a key found twice (search_prepared), so
  // those searches end before any key has two nodes; every later search
  // sees the flag. Other upserts wait here until that is done.
  std::call_once(first_upsert_, [this] {
    ever_upserted_.store(true, std::memory_order_seq_cst);
    wait_for_earlier_searches();
  });
  struct InFlight {
    std::atomic<uint32_t>& n;
    ~InFlight() { n.fetch_sub(1, std::memory_order_acq_rel); }
  } in_flight{upserts_in_flight_};
  uint32_t id = UINT32_MAX;
  try {
    id = reserve_ids(1);
    init_node(id, key, vector);
    link_node(id);
  } catch (...) {
    if (id != UINT32_MAX) mark_deleted(id);  // buried, as in add; the old vector stays
    throw;
  }
  keys_.publish(key, id);
  // A search that began before the new node was linked may not reach it:
  // the old node stays visible until every such search has ended.
  wait_for_earlier_searches();
  mark_deleted(*old);
}

void HnswIndex::remove(uint64_t key) {
  check_writable();
  std::shared_lock writing(writer_gate_);
  auto id = keys_.take(key);
  if (!id) fail(Status::NotFound, "no vector with key " + std::to_string(key) + " in the index");
  mark_deleted(*id);
  live_.fetch_sub(1, std::memory_order_release);
}

void HnswIndex::get(uint64_t key, float* out) const {
  ReaderRegistration reading(*this);
  auto id = key_map().find(key);
  if (!id) fail(Status::NotFound, "no vector with key " + std::to_string(key) + " in the index");
  copy_out(*id, out);
}

namespace {

// Starts loading a vector of `bytes` at `p` into cache: its first
// kPrefetchBytes only. The hardware's stream prefetcher follows a vector
// read from its start, and a software prefetch of every line of 32 large
// vectors stalls once the core's miss buffers are full (on 50k x 768
// float32, 1 thread: builds took 15 s with 256-512 bytes, 16-18 s with whole
// vectors or none, 16 s with 128; searches ran 10-20% faster than with
// whole vectors).
constexpr size_t kPrefetchBytes = 512;

inline void prefetch_start(const void* p, size_t bytes) {
  const char* c = static_cast<const char*>(p);
  const size_t ahead = std::min(bytes, kPrefetchBytes);
  for (size_t off = 0; off < ahead; off += 64) __builtin_prefetch(c + off);
}

}  // namespace

// Gathers the unvisited neighbours of `node` on `level` (marking them
// visited) and prefetches their vectors (prefetch_start), so that the
// distances computed next find them in cache: the loads of several vectors
// overlap instead of waiting one by one.
uint32_t HnswIndex::gather_unvisited(uint32_t node, int level, uint32_t limit, VisitedSet& visited,
                                     uint32_t* fresh) const {
  const uint32_t capacity = level == 0 ? uint32_t(max_links0_) : params_.m;
  const uint32_t* links = links_of(node, level);
  const uint32_t count = std::min(load_acquire(links[0]) & kHnswCountMask, capacity);
  for (uint32_t j = 1; j <= count; ++j) visited.prefetch(load_acquire(links[j]));
  uint32_t n_fresh = 0;
  for (uint32_t j = 1; j <= count; ++j) {
    uint32_t neighbor = load_acquire(links[j]);
    // Links to nodes allocated after the search began are skipped (they may
    // not be initialised yet, or, in a damaged mapped file, not exist).
    if (neighbor >= limit) [[unlikely]]
      continue;
    if (visited.test_and_set(neighbor)) continue;
    prefetch_start(code_of(neighbor), vector_bytes_);
    fresh[n_fresh++] = neighbor;
  }
  return n_fresh;
}

// Calls fn(id, distance to query) for each of ids[0..n), computing the
// distances four at a time.
template <typename Fn>
void HnswIndex::for_each_distance(const char* query, const uint32_t* ids, uint32_t n,
                                  Fn&& fn) const {
  for (uint32_t j = 0; j < n; j += 4) {
    const char* rows[4];
    const uint32_t in_group = std::min<uint32_t>(4, n - j);
    for (uint32_t r = 0; r < 4; ++r) rows[r] = code_of(ids[j + std::min(r, in_group - 1)]);
    float d4[4];
    codes_.four(query, rows, d4);
    for (uint32_t r = 0; r < in_group; ++r) fn(ids[j + r], d4[r]);
  }
}

// Copies of one vector all sit at the same distance from a query. A search
// whose candidate list fills up with them has, in effect, a beam of one
// point and stops at the first local minimum, so a copy of the node being
// expanded is skipped once k results are at least as near as it.
bool HnswIndex::is_spare_copy(uint32_t neighbor, uint32_t current, float d, size_t k,
                              const std::vector<Candidate>& top) const {
  size_t within = 0;
  for (const Candidate& c : top) within += c.first <= d;
  return within >= k && same_vector(neighbor, current);
}

template <typename Accept>
void HnswIndex::search_layer(const char* query, uint32_t entry, float entry_distance, size_t ef,
                             size_t k, int level, const Accept& accept, Scratch& scratch,
                             std::vector<Candidate>& top) const {
  std::vector<Candidate>& candidates = scratch.candidates;
  VisitedSet& visited = scratch.visited;
  visited.begin(next_id_.load(std::memory_order_acquire));
  candidates.clear();
  top.clear();

  visited.test_and_set(entry);
  float bound = std::numeric_limits<float>::infinity();
  if (accept(entry)) {
    heap_push(top, entry_distance, entry);
    bound = entry_distance;
  }
  heap_push(candidates, -entry_distance, entry);

  // Links to nodes allocated after this point are skipped (they may not be
  // initialised yet, or, in a damaged mapped file, not exist at all).
  const uint32_t limit = next_id_.load(std::memory_order_acquire);
  uint32_t* fresh = scratch.fresh.data();  // unvisited neighbours of the current node
  while (!candidates.empty()) {
    // Plain variables, not a structured binding: clang 14 cannot capture
    // those in the lambda below.
    const float neg_distance = candidates.front().first;
    const uint32_t current = candidates.front().second;
    if (-neg_distance > bound && top.size() >= ef) break;
    heap_pop(candidates);
    // The next node to expand is likely the new front: fetch its links now.
    if (!candidates.empty()) __builtin_prefetch(links_of(candidates.front().second, level));

    const float current_distance = -neg_distance;
    const uint32_t n_fresh = gather_unvisited(current, level, limit, visited, fresh);
    for_each_distance(query, fresh, n_fresh, [&](uint32_t neighbor, float d) {
      if (d == current_distance && is_spare_copy(neighbor, current, d, k, top)) return;
      if (top.size() < ef || d < bound) {
        heap_push(candidates, -d, neighbor);
        if (accept(neighbor)) {
          heap_push(top, d, neighbor);
          if (top.size() > ef) heap_pop(top);
          bound = top.front().first;
        }
      }
    });
  }
}

void HnswIndex::search_layer_all(const char* query, uint32_t entry, float entry_distance, size_t ef,
                                 size_t k, int level, Scratch& scratch) const {
  CandidatePool& pool = scratch.pool_list;
  VisitedSet& visited = scratch.visited;
  visited.begin(next_id_.load(std::memory_order_acquire));
  // The pool never holds more entries than there are nodes: a huge ef (or
  // k, which raises it; both are valid requests for "everything") must not
  // allocate room for entries that cannot exist.
  pool.reset(std::min<size_t>(ef, size_t(next_id_.load(std::memory_order_acquire)) + 1));
  visited.test_and_set(entry);
  pool.insert(entry_distance, entry);

  const uint32_t limit = next_id_.load(std::memory_order_acquire);
  uint32_t* fresh = scratch.fresh.data();
  while (pool.has_unexpanded()) {
    const float current_distance = pool.next_distance();
    const uint32_t current = pool.expand_next();
    if (pool.has_unexpanded()) __builtin_prefetch(links_of(pool.peek_next(), level));

    const uint32_t n_fresh = gather_unvisited(current, level, limit, visited, fresh);
    for_each_distance(query, fresh, n_fresh, [&](uint32_t neighbor, float d) {
      // A copy of the node just expanded is at the same distance; once k
      // entries are that near, more copies only crowd distinct nodes out.
      if (d == current_distance && pool.count_within(d) >= k && same_vector(neighbor, current))
        return;
      pool.insert(d, neighbor);
    });
  }
}

uint32_t HnswIndex::greedy_descend(const char* query, uint32_t entry, int from_level, int to_level,
                                   float& distance) const {
  uint32_t current = entry;
  const uint32_t limit = next_id_.load(std::memory_order_acquire);
  const uint64_t upper_limit = next_upper_.load(std::memory_order_acquire);
  for (int level = from_level; level > to_level; --level) {
    bool changed = true;
    while (changed) {
      changed = false;
      const uint32_t* links = links_of(current, level);
      uint32_t count = std::min(load_acquire(links[0]) & kHnswCountMask, params_.m);
      for (uint32_t j = 1; j <= count; ++j) {
        uint32_t neighbor = load_acquire(links[j]);
        // A node on this layer has a level at least this high; anything else
        // is a node still being linked or a damaged image: step over it.
        if (neighbor >= limit) [[unlikely]]
          continue;
        const NodeMeta& m = meta(neighbor);
        if (m.level < level || uint64_t(m.upper_first) + m.level > upper_limit) [[unlikely]]
          continue;
        float d = codes_.distance(query, code_of(neighbor));
        if (d < distance) {
          distance = d;
          current = neighbor;
          changed = true;
        }
      }
    }
  }
  return current;
}

bool HnswIndex::same_vector(uint32_t a, uint32_t b) const {
  // Codes of distinct vectors can be equal (B1 at a small dimension often
  // is): copies are judged on the originals where they are kept.
  if (storage_.keeps_originals())
    return std::memcmp(original_of(a), original_of(b), size_t(dim()) * sizeof(float)) == 0;
  return std::memcmp(code_of(a), code_of(b), vector_bytes_) == 0;
}

void HnswIndex::select_neighbors(uint32_t base, std::vector<Candidate>& candidates, size_t m,
                                 Scratch& scratch) const {
  if (candidates.size() <= m) return;
  // Ties (copies of one vector are all at the same distance) are broken by a
  // hash of the base and the candidate, not by id: otherwise every copy
  // would link to the same few oldest copies and the rest would have no way
  // in.
  auto tie_rank = [base](uint32_t id) { return splitmix64((uint64_t(base) << 32) | id); };
  std::sort(candidates.begin(), candidates.end(), [&](const Candidate& a, const Candidate& b) {
    if (a.first != b.first) return a.first < b.first;
    return tie_rank(a.second) < tie_rank(b.second);
  });
  // Keep a candidate only if it is nearer to the base point than to every
  // neighbour already kept: spreads links across directions, which is what
  // keeps the graph navigable (the paper's heuristic, without extension).
  //
  // Exact copies of the base slip through that rule (their distance to a
  // kept copy equals their distance to the base), so a node with many
  // copies would link only to copies, and a cluster of copies would capture
  // every search that enters it. At most kCopyLinks copies are kept; the
  // other links go to distinct vectors.
  size_t kept = 0, copies = 0;
  for (size_t i = 0; i < candidates.size() && kept < m; ++i) {
    const uint32_t id = candidates[i].second;
    if (same_vector(id, base)) {
      if (copies == kCopyLinks) continue;
      ++copies;
      candidates[kept++] = candidates[i];
      continue;
    }
    const char* v =
        codes_.query_of_code(code_of(id), query_buffer(scratch.select_query, codes_.query_bytes()));
    bool good = true;
    for (size_t j = 0; j < kept; ++j) {
      if (codes_.distance(v, code_of(candidates[j].second)) < candidates[i].first) {
        good = false;
        break;
      }
    }
    if (good) candidates[kept++] = candidates[i];
  }
  candidates.resize(kept);
}

void HnswIndex::add_reverse_link(uint32_t neighbor, uint32_t id, int level, Scratch& scratch) {
  const size_t capacity = level == 0 ? max_links0_ : params_.m;
  uint32_t* links = links_of(neighbor, level);
  lock_node(neighbor);
  uint32_t count = links[0] & kHnswCountMask;  // only writers change it; we hold its lock
  bool present = false;
  for (uint32_t j = 1; j <= count && !present; ++j) present = links[j] == id;
  if (!present) {
    if (count < capacity) {
      store_release(links[1 + count], id);
      store_release(links[0], links[0] + 1);
    } else {
      // Full: choose the best `capacity` among the old links and the new one.
      std::vector<Candidate>& pool = scratch.pool;
      pool.clear();
      const char* base = codes_.query_of_code(
          code_of(neighbor), query_buffer(scratch.prune_query, codes_.query_bytes()));
      pool.emplace_back(codes_.distance(base, code_of(id)), id);
      for (uint32_t j = 1; j <= count; ++j)
        pool.emplace_back(codes_.distance(base, code_of(links[j])), links[j]);
      select_neighbors(neighbor, pool, capacity, scratch);
      write_links(links, pool.data(), pool.size());
    }
  }
  unlock_node(neighbor);
}

// A copy of an existing vector: when copies are many, the candidates a
// search finds are all copies, and the new node would get no link out of
// them. The copy's own neighbours are the right neighbours for the same
// point, so they join the candidates.
void HnswIndex::add_links_of_copy(const char* query, uint32_t id, uint32_t copy, int level,
                                  Scratch& scratch, std::vector<Candidate>& found) const {
  const uint32_t capacity = level == 0 ? uint32_t(max_links0_) : params_.m;
  const uint32_t limit = next_id_.load(std::memory_order_acquire);
  std::vector<uint32_t>& extra = scratch.extra;
  extra.clear();
  lock_node(copy);
  const uint32_t* links = links_of(copy, level);
  const uint32_t count = std::min(links[0] & kHnswCountMask, capacity);
  for (uint32_t j = 1; j <= count; ++j)
    if (links[j] < limit && links[j] != id) extra.push_back(links[j]);
  unlock_node(copy);
  for (uint32_t neighbor : extra) {
    bool known = false;
    for (const Candidate& c : found) known = known || c.second == neighbor;
    if (!known) found.emplace_back(codes_.distance(query, code_of(neighbor)), neighbor);
  }
}

void HnswIndex::link_node(uint32_t id) {
  const int level = meta(id).level;
  uint64_t entry = entry_.load(std::memory_order_acquire);
  if (entry == kNoEntry) {
    std::lock_guard<std::mutex> lock(entry_mutex_);
    entry = entry_.load(std::memory_order_acquire);
    if (entry == kNoEntry) {
      entry_.store(pack_entry(id, level), std::memory_order_release);
      return;
    }
  }
  ScratchLease lease;
  Scratch& scratch = lease.get();
  const char* query =
      codes_.query_of_code(code_of(id), query_buffer(scratch.node_query, codes_.query_bytes()));
  const int top_level = entry_level(entry);
  uint32_t current = entry_id(entry);
  float distance = codes_.distance(query, code_of(current));
  current = greedy_descend(query, current, top_level, level, distance);

  const int linked_top = std::min(level, top_level);
  if (scratch.per_level.size() < size_t(linked_top) + 1) scratch.per_level.resize(linked_top + 1);
  // Choose the neighbours on every layer first and write this node's own
  // links; only then link back to it. Until the first back link, no search
  // can reach the node, so none ever finds it with a layer still unlinked.
  for (int l = linked_top; l >= 0; --l) {
    search_layer_all(query, current, distance, params_.ef_construction, params_.m, l, scratch);
    const CandidatePool& pool = scratch.pool_list;
    std::vector<Candidate>& found = scratch.per_level[l];
    found.clear();
    for (size_t i = 0; i < pool.size(); ++i) found.emplace_back(pool[i].distance, pool[i].id);
    // The nearest candidate is where the next layer starts.
    current = found.front().second;
    distance = found.front().first;
    if (same_vector(current, id)) add_links_of_copy(query, id, current, l, scratch, found);
    select_neighbors(id, found, params_.m, scratch);
    uint32_t* links = links_of(id, l);
    lock_node(id);
    write_links(links, found.data(), found.size());
    unlock_node(id);
  }
  for (int l = linked_top; l >= 0; --l)
    for (const auto& [d, neighbor] : scratch.per_level[l])
      add_reverse_link(neighbor, id, l, scratch);

  if (level > top_level) {
    std::lock_guard<std::mutex> lock(entry_mutex_);
    if (level > entry_level(entry_.load(std::memory_order_relaxed)))
      entry_.store(pack_entry(id, level), std::memory_order_release);
  }
}

void HnswIndex::rerank(const float* query, size_t rerank,
                       std::vector<Candidate>& candidates) const {
  const size_t n = rerank == 0 ? candidates.size() : std::min(rerank, candidates.size());
  // The originals sit wherever their nodes do: start the next group's loads
  // while this one is computed.
  auto prefetch_group = [&](size_t first) {
    for (size_t r = first; r < std::min(first + 4, n); ++r)
      prefetch_start(original_of(candidates[r].second), dim() * sizeof(float));
  };
  prefetch_group(0);
  for (size_t i = 0; i < n; i += 4) {
    prefetch_group(i + 4);
    const float* rows[4];
    const size_t in_group = std::min<size_t>(4, n - i);
    for (size_t r = 0; r < 4; ++r)
      rows[r] = original_of(candidates[i + std::min(r, in_group - 1)].second);
    float d4[4];
    exact_.four(query, rows, dim(), d4);
    for (size_t r = 0; r < in_group; ++r) candidates[i + r].first = d4[r];
  }
  candidates.resize(n);
  std::sort(candidates.begin(), candidates.end());
}

void HnswIndex::search_prepared(const float* query, const SearchOptions& options,
                                std::vector<Hit>& out) const {
  ReaderRegistration registration(*this);
  if (!ever_upserted_.load(std::memory_order_seq_cst)) return search_hits(query, options, out);
  // An upsert shows its new node before it hides the old one: a search
  // overlapping that moment may find the key twice. Keep its nearer hit; if
  // that leaves fewer than k where more may exist, search again for more
  // (one spare hit per upsert running covers the usual case at once).
  SearchOptions wider = options;
  wider.k += 1 + upserts_in_flight_.load(std::memory_order_acquire);
  for (;;) {
    search_hits(query, wider, out);
    const size_t found = out.size();
    size_t kept = 0;
    if (found <= 64) {
      for (size_t i = 0; i < found; ++i) {
        bool seen = false;
        for (size_t j = 0; j < kept && !seen; ++j) seen = out[j].key == out[i].key;
        if (!seen) out[kept++] = out[i];
      }
    } else {
      std::unordered_set<uint64_t> seen;
      for (size_t i = 0; i < found; ++i)
        if (seen.insert(out[i].key).second) out[kept++] = out[i];
    }
    out.resize(std::min(kept, options.k));
    if (kept >= options.k || found < wider.k) return;
    wider.k *= 2;
  }
}

void HnswIndex::search_hits(const float* query, const SearchOptions& options,
                            std::vector<Hit>& out) const {
  uint64_t entry = entry_.load(std::memory_order_acquire);
  if (entry == kNoEntry) return;
  uint32_t ef = options.ef ? options.ef : params_.ef_search;
  size_t ef_used = std::max<size_t>(ef, options.k);

  ScratchLease lease;
  Scratch& scratch = lease.get();
  // F32 codes are the prepared vector itself.
  const char* code_query = reinterpret_cast<const char*>(query);
  if (storage_.type != Storage::F32) {
    char* buffer = query_buffer(scratch.query, codes_.query_bytes());
    codes_.prepare_query(query, buffer);
    code_query = buffer;
  }
  uint32_t start = entry_id(entry);
  float distance = codes_.distance(code_query, code_of(start));
  start = greedy_descend(code_query, start, entry_level(entry), 0, distance);

  std::vector<Candidate>& top = scratch.top;
  if (options.filter.active()) {
    auto accept = [&](uint32_t id) {
      return !is_deleted(id) && options.filter.keeps(meta(id).key);
    };
    search_layer(code_query, start, distance, ef_used, options.k, 0, accept, scratch, top);
    std::sort_heap(top.begin(), top.end());
  } else if (tombstones_.load(std::memory_order_acquire) != 0) {
    auto accept = [&](uint32_t id) { return !is_deleted(id); };
    search_layer(code_query, start, distance, ef_used, options.k, 0, accept, scratch, top);
    std::sort_heap(top.begin(), top.end());
  } else {
    // Nothing was ever removed and no filter: every visited node may be a
    // result, so the single sorted pool replaces the two heaps.
    search_layer_all(code_query, start, distance, ef_used, options.k, 0, scratch);
    const CandidatePool& pool = scratch.pool_list;
    if (!storage_.keeps_originals()) {
      size_t found = std::min(pool.size(), options.k);
      out.reserve(found);
      for (size_t i = 0; i < found; ++i) out.push_back(Hit{pool[i].distance, meta(pool[i].id).key});
      return;
    }
    top.clear();
    for (size_t i = 0; i < pool.size(); ++i) top.emplace_back(pool[i].distance, pool[i].id);
  }
  if (storage_.keeps_originals())
    rerank(query, options.rerank == 0 ? 0 : std::max(options.rerank, options.k), top);
  size_t found = std::min(top.size(), options.k);
  out.reserve(found);
  for (size_t i = 0; i < found; ++i) out.push_back(Hit{top[i].first, meta(top[i].second).key});
}

}  // namespace quiver

namespace quiver {

const KeyMap& HnswIndex::key_map() const {
  if (image_)
    std::call_once(key_map_once_,
                   [this] { const_cast<HnswIndex*>(this)->rebuild_key_map(image_threads_); });
  return keys_;
}

void HnswIndex::rebuild_key_map(unsigned threads) {
  const uint32_t n = next_id_.load(std::memory_order_acquire);
  // Empty again on failure: a mapped index builds the map on first use and
  // tries again on the next, which must report the same key.
  const std::optional<uint32_t> twice = keys_.build(
      n, [this](uint32_t id) { return meta(id).key; },
      [this](uint32_t id) { return !is_deleted(id); }, threads);
  if (twice)
    fail(Status::Corrupt, std::string(section_name(SectionKind::HnswMetas)) + ": node " +
                              std::to_string(*twice) + " holds key " +
                              std::to_string(meta(*twice).key) +
                              ", which another live node holds too" + kBadValue);
}

void HnswIndex::for_each_live(const std::function<void(uint64_t, const float*)>& fn) const {
  const uint32_t n = next_id_.load(std::memory_order_acquire);
  std::vector<float> original(dim());
  for (uint32_t id = 0; id < n; ++id) {
    if (is_deleted(id)) continue;
    copy_out(id, original.data());
    fn(meta(id).key, original.data());
  }
}

void HnswIndex::export_image(ImageSink& sink) const {
  IndexHeader h{};
  h.kind = uint32_t(IndexKind::Hnsw);
  h.dim = dim();
  h.metric = uint32_t(metric());
  h.hnsw_m = params_.m;
  h.hnsw_ef_construction = params_.ef_construction;
  h.hnsw_ef_search = params_.ef_search;
  h.seed = params_.seed;
  h.node_count = next_id_.load(std::memory_order_acquire);
  h.live_count = live_.load(std::memory_order_acquire);
  h.upper_blocks = next_upper_.load(std::memory_order_acquire);
  h.entry = entry_.load(std::memory_order_acquire);
  h.record_bytes = record_bytes_;
  h.storage = uint32_t(storage_.type);
  h.flags = storage_.keeps_originals() ? kHeaderKeepsOriginals : 0;
  sink.section(SectionKind::IndexHeader, sizeof h, 1,
               {ByteSpan{reinterpret_cast<const uint8_t*>(&h), sizeof h}});

  auto pieces = [](const SegmentedStore& store, uint64_t count) {
    std::vector<ByteSpan> parts;
    store.for_each_piece(count, [&](const char* data, size_t bytes) {
      parts.push_back(ByteSpan{reinterpret_cast<const uint8_t*>(data), bytes});
    });
    return parts;
  };
  sink.section(SectionKind::HnswRecords, record_bytes_, h.node_count,
               pieces(records_, h.node_count));
  sink.section(SectionKind::HnswMetas, sizeof(NodeMeta), h.node_count,
               pieces(metas_, h.node_count));
  sink.section(SectionKind::HnswUpperLinks, upper_links_.record_bytes(), h.upper_blocks,
               pieces(upper_links_, h.upper_blocks));
  if (storage_.keeps_originals())
    sink.section(SectionKind::HnswOriginals, originals_.record_bytes(), h.node_count,
                 pieces(originals_, h.node_count));
}

namespace {

void expect_size(const ImageSource& source, SectionKind kind, uint64_t elements,
                 uint64_t element_size) {
  if (element_size != 0 && elements > UINT64_MAX / element_size)
    fail(Status::Corrupt,
         source.describe(kind) + ": " + section_name(kind) + " declares an impossible size");
  const size_t size = source.section_size(kind);
  if (size != elements * element_size)
    fail(Status::Corrupt,
         source.describe(kind) + ": " + section_name(kind) + " holds " + std::to_string(size) +
             " bytes, expected " + std::to_string(elements * element_size) + " (" +
             std::to_string(elements) + " x " + std::to_string(element_size) + ")");
}

// Reads a section into the store's records [0, count), straight from the file.
void copy_into(const ImageSource& source, SectionKind kind, SegmentedStore& store, uint64_t count,
               unsigned threads) {
  std::vector<MutableSpan> parts;
  store.for_each_piece_to_fill(count, [&](char* data, size_t bytes) {
    parts.push_back(MutableSpan{reinterpret_cast<uint8_t*>(data), bytes});
  });
  source.copy_section(kind, parts, threads);
}

}  // namespace

std::unique_ptr<HnswIndex> HnswIndex::import_image(const IndexHeader& h, const ImageSource& source,
                                                   bool defer_value_checks, unsigned threads) {
  auto corrupt = [&](SectionKind kind, const std::string& what) -> void {
    fail(Status::Corrupt, source.describe(kind) + ": " + section_name(kind) + ": " + what);
  };
  if (h.hnsw_m < kMinHnswM || h.hnsw_m > kMaxHnswM || h.hnsw_ef_construction == 0 ||
      h.hnsw_ef_search == 0)
    corrupt(SectionKind::IndexHeader, "HNSW parameters out of range");
  if (h.node_count >= UINT32_MAX || h.upper_blocks >= UINT32_MAX || h.live_count > h.node_count)
    corrupt(SectionKind::IndexHeader, "node counts out of range");

  HnswParams p;
  p.m = h.hnsw_m;
  p.ef_construction = h.hnsw_ef_construction;
  p.ef_search = h.hnsw_ef_search;
  p.seed = h.seed;
  const StorageOptions storage = read_storage(source, h);
  auto index = std::make_unique<HnswIndex>(h.dim, Metric(h.metric), p, storage);
  if (h.record_bytes != index->record_bytes_)
    corrupt(SectionKind::IndexHeader, "record size " + std::to_string(h.record_bytes) +
                                          " does not match dimension and M (expected " +
                                          std::to_string(index->record_bytes_) + ")");
  expect_size(source, SectionKind::HnswRecords, h.node_count, index->record_bytes_);
  expect_size(source, SectionKind::HnswMetas, h.node_count, sizeof(NodeMeta));
  expect_size(source, SectionKind::HnswUpperLinks, h.upper_blocks,
              index->upper_links_.record_bytes());
  const bool originals = storage.keeps_originals();
  if (originals)
    expect_size(source, SectionKind::HnswOriginals, h.node_count, index->originals_.record_bytes());
  if (h.node_count == 0 ? h.entry != kNoEntry : h.entry == kNoEntry)
    corrupt(SectionKind::IndexHeader, "entry point does not match the node count");

  if (source.mapped()) {
    auto bytes = [&](SectionKind kind) {
      return reinterpret_cast<const char*>(source.section(kind).data);
    };
    index->image_ = source.keepalive();
    index->image_threads_ = threads;
    index->records_.attach(bytes(SectionKind::HnswRecords), h.node_count);
    index->metas_.attach(bytes(SectionKind::HnswMetas), h.node_count);
    index->upper_links_.attach(bytes(SectionKind::HnswUpperLinks), h.upper_blocks);
    if (originals) index->originals_.attach(bytes(SectionKind::HnswOriginals), h.node_count);
  } else {
    // Straight into the stores: one pass over the bytes, checksums included.
    copy_into(source, SectionKind::HnswRecords, index->records_, h.node_count, threads);
    copy_into(source, SectionKind::HnswMetas, index->metas_, h.node_count, threads);
    copy_into(source, SectionKind::HnswUpperLinks, index->upper_links_, h.upper_blocks, threads);
    if (originals)
      copy_into(source, SectionKind::HnswOriginals, index->originals_, h.node_count, threads);
  }
  index->next_id_.store(uint32_t(h.node_count));
  index->next_upper_.store(uint32_t(h.upper_blocks));
  index->live_.store(h.live_count);
  index->tombstones_.store(uint32_t(h.node_count - h.live_count));

  if (h.entry != kNoEntry) {
    uint32_t e = entry_id(h.entry);
    int level = entry_level(h.entry);
    if (e >= h.node_count || level > kMaxLevel || index->meta(e).level != level)
      corrupt(SectionKind::IndexHeader, "entry point is not a node of the graph");
    const NodeMeta& m = index->meta(e);
    if (uint64_t(m.upper_first) + m.level > h.upper_blocks)
      corrupt(SectionKind::HnswMetas, "entry point's links are out of range");
  }
  index->entry_.store(h.entry);
  if (!source.mapped()) {
    index->validate_image(source, threads);
    for (uint32_t id = 0; id < h.node_count; ++id) index->meta(id).lock = 0;
    index->rebuild_key_map(threads);
  } else if (!defer_value_checks) {
    index->validate_image(source, threads);
  }
  return index;
}

struct HnswIndex::NodeProblem {
  uint32_t id = UINT32_MAX;  // none
  SectionKind kind = SectionKind::HnswRecords;
  std::string what;
};

bool HnswIndex::check_node(uint32_t id, uint32_t n, uint64_t blocks, NodeProblem& problem) const {
  auto bad = [&](SectionKind kind, std::string what) {
    problem.id = id;
    problem.kind = kind;
    problem.what = std::move(what);
    return false;
  };
  const NodeMeta& m = meta(id);
  if (m.level > kMaxLevel) return bad(SectionKind::HnswMetas, "has an impossible level");
  if (m.level > 0 && uint64_t(m.upper_first) + m.level > blocks)
    return bad(SectionKind::HnswMetas, "points past the upper-layer links");
  // A node buried by a failed add may never have had its norm written.
  if (!is_deleted(id) && (!(m.norm > 0.0f) || !std::isfinite(m.norm)))
    return bad(SectionKind::HnswMetas,
               "has norm " + std::to_string(m.norm) + ", not a positive finite number");
  for (int level = 0; level <= m.level; ++level) {
    const uint32_t* links = links_of(id, level);
    const uint32_t count = links[0] & kHnswCountMask;
    const uint32_t capacity = level == 0 ? uint32_t(max_links0_) : params_.m;
    const SectionKind kind = level == 0 ? SectionKind::HnswRecords : SectionKind::HnswUpperLinks;
    if (count > capacity) return bad(kind, "has too many links");
    uint32_t highest = 0;
    for (uint32_t j = 1; j <= count; ++j) highest = std::max(highest, links[j]);
    if (count > 0 && highest >= n) return bad(kind, "links to a node that does not exist");
  }
  std::string what;
  if (!codes_.valid(code_of(id), what))
    return bad(SectionKind::HnswRecords, "has " + what + " of its vector");
  if (storage_.keeps_originals()) {
    const float* v = original_of(id);
    const size_t at = find_non_finite(v, dim());
    if (at != dim())
      return bad(SectionKind::HnswOriginals,
                 std::string("has ") + (std::isnan(v[at]) ? "a NaN" : "an infinite") +
                     " value at element " + std::to_string(at) + " of its original vector");
  }
  return true;
}

void HnswIndex::validate_image(const ImageSource& source, unsigned threads) const {
  const uint32_t n = next_id_.load();
  const uint64_t blocks = next_upper_.load();
  auto corrupt = [&](SectionKind kind, uint32_t id, const std::string& what) {
    fail(Status::Corrupt, source.describe(kind) + ": " + section_name(kind) + ": node " +
                              std::to_string(id) + " " + what + kBadValue);
  };
  // Nodes in parts, on all threads; each part stops at its first problem
  // and the lowest one found is reported, so the message does not depend on
  // the threads' timing.
  constexpr uint32_t kPart = 8192;
  constexpr uint32_t kAhead = 16;  // nodes: how far ahead key slots are prefetched
  const size_t parts = (size_t(n) + kPart - 1) / kPart;
  std::vector<NodeProblem> problems(parts);
  std::vector<size_t> live(parts, 0);
  // Keys held twice: not through the key map (a mapped index builds that on
  // first use only, and building it costs more than all the rest here).
  KeyOnceSet keys(n);
  auto key_of = [this](uint32_t id) { return meta(id).key; };
  std::atomic<bool> twice{false};
  parallel_for(parts, threads, 1, [&](size_t begin, size_t end) {
    for (size_t part = begin; part < end; ++part) {
      const uint32_t last = uint32_t(std::min<uint64_t>(n, (part + 1) * uint64_t(kPart)));
      size_t live_here = 0;  // a local: live[] entries share cache lines
      for (uint32_t id = uint32_t(part * kPart); id < last; ++id) {
        if (id + kAhead < n) keys.prefetch(meta(id + kAhead).key);
        if (!check_node(id, n, blocks, problems[part])) break;
        if (is_deleted(id)) continue;
        ++live_here;
        if (keys.insert(meta(id).key, id, key_of) != KeyOnceSet::kNone)
          twice.store(true, std::memory_order_relaxed);
      }
      live[part] = live_here;
    }
  });
  for (const NodeProblem& p : problems)
    if (p.id != UINT32_MAX) corrupt(p.kind, p.id, p.what);
  size_t live_nodes = 0;
  for (size_t count : live) live_nodes += count;
  if (live_nodes != live_.load())
    fail(Status::Corrupt, source.describe(SectionKind::IndexHeader) + ": " +
                              section_name(SectionKind::IndexHeader) + ": live count " +
                              std::to_string(live_.load()) + " does not match the " +
                              std::to_string(live_nodes) + " live nodes" + kBadValue);
  if (twice.load()) {
    // Again in id order, to name the first node whose key an earlier one holds.
    KeyOnceSet again(live_nodes);
    for (uint32_t id = 0; id < n; ++id)
      if (!is_deleted(id) && again.insert(meta(id).key, id, key_of) != KeyOnceSet::kNone)
        corrupt(
            SectionKind::HnswMetas, id,
            "holds key " + std::to_string(meta(id).key) + ", which another live node holds too");
  }
}

}  // namespace quiver
