// Approximate nearest-neighbour search on a Hierarchical Navigable Small
// World graph (Malkov & Yashunin, 2016), with the paper's neighbour-selection
// heuristic.
//
// Memory layout, as in hnswlib: each node's layer-0 record holds its layer-0
// links (header with count and tombstone bit) then its vector, so visiting a node touches one
// place. Records live in a SegmentedStore (stable addresses, grows without moving), so searches
// never wait for growth.
//
// Concurrency: searches take no lock. Every node has a tiny spin lock that
// writers hold while they rewrite that node's links; readers load link counts
// and entries with acquire atomics (plain loads on x86), so a search
// overlapping an insert sees either the old or the new neighbour, both valid
// nodes whose vectors are already published. The entry point (node and
// level) is one 64-bit atomic. The key map is sharded and is only used by
// add/remove/get.
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <shared_mutex>
#include <vector>

#include "index/key_map.h"
#include "index/metric_distance.h"
#include "index/segmented_store.h"
#include "index/vector_codes.h"
#include "index/vector_index.h"
#include "index/visited_set.h"

namespace quiver {

struct HnswParams {
  uint32_t m = 16;                 // links per node on layers >= 1; 2*m on layer 0
  uint32_t ef_construction = 200;  // candidate list size while inserting
  uint32_t ef_search = 64;         // default candidate list size for searches
  uint64_t seed = 42;              // level generator seed
};

class HnswIndex final : public VectorIndex {
 public:
  HnswIndex(uint32_t dim, Metric metric, const HnswParams& params,
            const StorageOptions& storage = {});
  ~HnswIndex() override;

  void add(uint64_t key, const float* vector) override;
  void add_batch(size_t n, const uint64_t* keys, const float* vectors, unsigned threads) override;
  void remove(uint64_t key) override;
  void upsert(uint64_t key, const float* vector) override;
  size_t size() const override { return live_.load(std::memory_order_acquire); }
  void get(uint64_t key, float* out) const override;

  void for_each_live(const std::function<void(uint64_t, const float*)>& fn) const override;
  void export_image(ImageSink& sink) const override;
  void validate_image(const ImageSource& source, unsigned threads) const override;
  // Rebuilds from an image whose header says HNSW (see import_index in
  // index_factory.h); `defer_value_checks` leaves validate_image to the
  // caller (mapped sources only).
  static std::unique_ptr<HnswIndex> import_image(const IndexHeader& header,
                                                 const ImageSource& source, bool defer_value_checks,
                                                 unsigned threads);

  const HnswParams& params() const { return params_; }
  StorageOptions storage() const override { return storage_; }
  size_t memory_bytes() const override;
  // Renumbers the nodes in breadth-first order of the layer-0 graph from the
  // entry point (hnsw_reorder.cpp), so that a search's next nodes tend to
  // sit near the ones it just read. Results do not change. Moves the
  // records in place (about 9 bytes a node besides); nothing else may use
  // the index meanwhile.
  void renumber_for_locality(unsigned threads);
  // add_batch renumbers when a batch at least doubled an index of this many
  // bytes of records or more (smaller ones stay in cache anyway).
  static constexpr size_t kRenumberMinBytes = size_t(8) << 20;
  // Nodes ever allocated, tombstones included.
  uint32_t node_count() const { return next_id_.load(std::memory_order_acquire); }

 protected:
  void search_prepared(const float* query, const SearchOptions& options,
                       std::vector<Hit>& out) const override;

 private:
  struct NodeMeta;                               // key, level, lock, upper links
  struct Scratch;                                // per-thread working memory
  class ScratchLease;                            // takes a Scratch for one call, re-entrantly
  using Candidate = std::pair<float, uint32_t>;  // (distance, node id)

  char* code_of(uint32_t id) const;             // the stored vector, as storage_ codes it
  const float* original_of(uint32_t id) const;  // keeps_originals() only
  // The vector as added (original, or decoded code) times its norm.
  void copy_out(uint32_t id, float* out) const;
  uint32_t* links_of(uint32_t id, int level) const;  // [count, link...]
  NodeMeta& meta(uint32_t id) const;
  bool is_deleted(uint32_t id) const;
  void mark_deleted(uint32_t id);
  // Rewrites a link list (caller holds the node's lock), keeping header flags.
  static void write_links(uint32_t* links, const Candidate* neighbors, size_t n);
  int level_for(uint32_t id) const;

  // Writes the vector (prepared for the metric), key and level of node
  // `id` (not yet reachable). The vector must have passed check_batch.
  void init_node(uint32_t id, uint64_t key, const float* vector);
  // Links node `id` into the graph.
  void link_node(uint32_t id);
  uint32_t reserve_ids(size_t n);

  template <typename Accept>
  void search_layer(const char* query, uint32_t entry, float entry_distance, size_t ef, size_t k,
                    int level, const Accept& accept, Scratch& scratch,
                    std::vector<Candidate>& top) const;
  uint32_t gather_unvisited(uint32_t node, int level, uint32_t limit, VisitedSet& visited,
                            uint32_t* fresh) const;
  template <typename Fn>
  void for_each_distance(const char* query, const uint32_t* ids, uint32_t n, Fn&& fn) const;
  // search_layer for when every node may be a result (no filter, no
  // tombstones); leaves the ef best in scratch.pool_list, nearest first.
  void search_layer_all(const char* query, uint32_t entry, float entry_distance, size_t ef,
                        size_t k, int level, Scratch& scratch) const;
  // True when `neighbor`, at distance d, copies `current` and k results in
  // `top` are already that near: it would only take a distinct node's place.
  bool is_spare_copy(uint32_t neighbor, uint32_t current, float d, size_t k,
                     const std::vector<Candidate>& top) const;
  uint32_t greedy_descend(const char* query, uint32_t entry, int from_level, int to_level,
                          float& distance) const;
  // Keeps at most m of `candidates`, neighbours of node `base`, by the
  // heuristic.
  void select_neighbors(uint32_t base, std::vector<Candidate>& candidates, size_t m,
                        Scratch& scratch) const;
  bool same_vector(uint32_t a, uint32_t b) const;  // bitwise equal stored vectors
  void add_links_of_copy(const char* query, uint32_t id, uint32_t copy, int level, Scratch& scratch,
                         std::vector<Candidate>& found) const;
  // Exact distances from the originals for the first `rerank` (0 = all) of
  // `candidates`, which it sorts by them.
  void rerank(const float* query, size_t rerank, std::vector<Candidate>& candidates) const;
  // search_prepared without the upsert guards.
  void search_hits(const float* query, const SearchOptions& options, std::vector<Hit>& out) const;
  void add_reverse_link(uint32_t neighbor, uint32_t id, int level, Scratch& scratch);
  // add and add_batch's work, the writer gate held.
  void add_node(uint64_t key, const float* vector);
  void add_batch_nodes(size_t n, const uint64_t* keys, const float* vectors, unsigned threads,
                       uint32_t& first);
  // The renumbering itself (hnsw_reorder.cpp), key map included; the caller
  // excludes every other use of the index.
  void renumber_nodes(unsigned threads);
  // After a batch that at least doubled the index: renumbers for locality
  // with readers paused, unless another writer is at work (then nothing
  // changes). True when it renumbered.
  bool renumber_after_bulk_add(unsigned threads);

  void lock_node(uint32_t id) const;
  void unlock_node(uint32_t id) const;
  struct NodeProblem;  // what validate_image found wrong with a node
  // Checks one node of an image of n nodes and `blocks` upper-link blocks;
  // false, with the problem, when it holds a value no index writes.
  bool check_node(uint32_t id, uint32_t n, uint64_t blocks, NodeProblem& problem) const;
  // Fills the key map from the node table on `threads` threads; throws
  // Corrupt (and leaves the map empty) when a key is live twice
  // (validate_image, which runs first where it can, names the file too).
  void rebuild_key_map(unsigned threads);
  void check_writable() const;    // throws Unsupported on a mapped image
  const KeyMap& key_map() const;  // built on first use for mapped images

  HnswParams params_;
  StorageOptions storage_;
  VectorCodes codes_;
  MetricDistance exact_;  // float32 distances, for re-ranking on the originals
  size_t max_links0_;     // 2 * m
  size_t record_bytes_;   // vector + layer-0 links
  size_t vector_offset_;
  size_t vector_bytes_;  // bytes of the stored code
  double level_mult_;    // 1 / ln(m)

  SegmentedStore records_;
  SegmentedStore metas_;
  SegmentedStore upper_links_;
  SegmentedStore originals_;  // dim float32 per node, prepared; keeps_originals() only  // blocks
                              // of [count, m links], one per node and layer >= 1
  std::atomic<uint32_t> next_upper_{0};
  KeyMap keys_;
  std::atomic<uint32_t> next_id_{0};
  std::atomic<size_t> live_{0};
  std::atomic<uint32_t> tombstones_{0};  // removed nodes still in the graph
  // Upserts between linking the new node and hiding the old one; a search
  // that may have seen both drops the second hit of a key.
  std::atomic<uint32_t> upserts_in_flight_{0};
  std::atomic<bool> ever_upserted_{false};
  std::once_flag first_upsert_;  // sets ever_upserted_ and waits out earlier searches
  // Searches in progress, counted under the epoch they began in, so that an
  // upsert can wait for every search that began before its new node was
  // linked (such a search may skip the new node: see search_layer's limit)
  // before it hides the old one. Two counters on their own cache lines.
  struct alignas(64) SearchCount {
    std::atomic<uint32_t> n{0};
  };
  mutable SearchCount searches_[2];
  std::atomic<uint64_t> search_epoch_{0};
  std::mutex grace_mutex_;   // one epoch change at a time
  class ReaderRegistration;  // hnsw_readers.h
  void wait_for_earlier_searches();
  // Readers that register while paused wait. pause_readers returns true
  // once every registered reader has ended, false when some still run after
  // `patience` (say a filter callback that waits for a writer): the caller
  // then gives up and resumes them.
  bool pause_readers(std::chrono::milliseconds patience) const;
  void resume_readers() const;
  mutable std::atomic<bool> readers_paused_{false};
  // Writers (add, add_batch, remove, upsert) hold it shared; a renumbering
  // takes it exclusively, and only when it is free.
  std::shared_mutex writer_gate_;
  // (entry node << 32) | top level, or kNoEntry while the graph is empty.
  std::atomic<uint64_t> entry_{kNoEntry};
  std::mutex entry_mutex_;  // serialises changes of the entry point only
  // A mapped image: the stores point into it, it must outlive them, and the
  // key map is built on first use (searches do not need it).
  std::shared_ptr<const void> image_;
  unsigned image_threads_ = 0;  // the open's threads, for that key map
  mutable std::once_flag key_map_once_;
  static constexpr uint64_t kNoEntry = UINT64_MAX;
  // Links a node keeps to exact copies of its own vector (see select_neighbors).
  static constexpr size_t kCopyLinks = 2;
};

}  // namespace quiver
