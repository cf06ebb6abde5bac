// A collection: one vector index plus the metadata blobs of its keys, and
// what turns them into a file and back. This is what a qv_index handle
// holds; it knows nothing of C.
//
// Concurrency (the contract quiver.h documents):
//  - searches go straight to index() and take no lock here;
//  - add/add_batch/remove/set_metadata/import_npy take `writers_` shared, so
//    they run alongside each other as the index allows;
//  - remove and set_metadata also take the lock of their key (`key_locks_`),
//    so that a key's metadata never outlives it nor dies with an older
//    version of it (see remove in collection.cpp);
//  - get_metadata takes only `metadata_mutex_`, shared;
//  - save/export_npy take `writers_` exclusively: they see no mutation half
//    done (VectorIndex::export_image and for_each_live require that) and
//    may run alongside searches;
//  - compact replaces the index and must run alone (no other call at all).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "collection/document_table.h"
#include "collection/key_locks.h"
#include "collection/keyword_index.h"
#include "index/hnsw_index.h"
#include "index/index_kind.h"
#include "index/vector_index.h"
#include "storage/metadata_store.h"
#include "storage/save_options.h"
#include "storage/segment_reader.h"

namespace quiver {

struct CollectionInfo {
  IndexKind kind = IndexKind::Flat;
  Metric metric = Metric::L2;
  uint32_t dim = 0;
  uint64_t count = 0;           // live vectors
  uint64_t deleted = 0;         // removed vectors still held as HNSW tombstones
  uint64_t metadata_count = 0;  // keys with a metadata blob
  HnswParams hnsw;              // meaningful for Hnsw
  StorageOptions storage;
  bool read_only = false;
};

class Collection {
 public:
  explicit Collection(std::unique_ptr<VectorIndex> index);

  // Opens a file written by save(). Map: the index reads the file in place
  // and is read-only. Throws what storage::open_index_file and
  // import_index throw.
  static std::unique_ptr<Collection> open(const std::string& path,
                                          const storage::OpenOptions& options);

  // Re-checks what a mapped index reads in place: the checksums of those
  // file sections, then every value in them (VectorIndex::validate_image:
  // the checks a load runs, and a mapped open unless it deferred them).
  // Nothing to do for an index in memory. Throws Corrupt. May run
  // alongside searches.
  void verify(unsigned threads) const;

  // Writes the index and its metadata to `path`, replacing it crash-safely.
  // A mapped collection first re-verifies the file sections it copies
  // (Corrupt rather than a damaged copy with fresh checksums); so does
  // export_npy.
  void save(const std::string& path, const storage::SaveOptions& options) const;

  VectorIndex& index() { return *index_; }
  const VectorIndex& index() const { return *index_; }
  bool read_only() const { return read_only_; }
  CollectionInfo info() const;
  // Heap bytes of the index and the metadata (qv_index_memory_bytes).
  size_t memory_bytes() const;

  void add(uint64_t key, const float* vector);
  // VectorIndex::upsert under the key's lock; the key's metadata stays.
  void upsert(uint64_t key, const float* vector);
  void add_batch(size_t n, const uint64_t* keys, const float* vectors, unsigned threads);
  // Removes the vector and its metadata, as one step for set_metadata: a
  // set_metadata of the same key runs wholly before it (its blob goes too)
  // or wholly after it (it finds the key gone, or re-added and keeps its
  // blob). Throws NotFound.
  void remove(uint64_t key);

  // Sets (size > 0) or clears (size == 0) the metadata of a live key.
  // Throws NotFound when the key is not live.
  void set_metadata(uint64_t key, const void* data, size_t size);
  // The metadata of `key`, valid until it is set again or the key removed.
  // Overlapping a remove of the key, it may still return the removed
  // key's metadata; never does a live key miss the metadata last set on it.
  std::optional<ByteSpan> get_metadata(uint64_t key) const;
  // Copies the first min(length, capacity) bytes of the metadata of `key`
  // to `out` under the metadata lock, so a concurrent change cannot pull
  // them away; returns the full length, or nothing when there is none.
  std::optional<size_t> copy_metadata(uint64_t key, void* out, size_t capacity) const;
  // BM25 over every key's metadata as text (keyword_index.h), best first.
  // The keyword index is taken from the file when it holds one, else built
  // from the metadata on the first call (or by build_keywords), and kept in
  // step with set_metadata and remove from then on; saves write it.
  void search_keywords(std::string_view query, size_t k, const KeyFilter& filter,
                       std::vector<KeywordHit>& out) const;
  // Builds the keyword index now if it is not yet there: the text layer
  // calls it before adding text, so an index of texts always keeps (and
  // saves) its keyword index.
  void build_keywords() const;

  // The text layer's documents (document_table.h): saved with the index,
  // read from its file on open. The table locks itself.
  DocumentTable& documents() { return documents_; }
  const DocumentTable& documents() const { return documents_; }

  // Rebuilds the index from its live vectors, dropping HNSW tombstones.
  void compact(unsigned threads);

  // Writes the live vectors (float32, n x dim) and keys (uint64) as .npy.
  void export_npy(const std::string& vectors_path, const std::string& keys_path) const;
  // Adds the vectors of a .npy file under the keys of another (empty
  // keys_path: 0..n-1), all-or-nothing for argument errors.
  void import_npy(const std::string& vectors_path, const std::string& keys_path, unsigned threads);

 private:
  void check_writable() const;
  bool contains(uint64_t key) const;
  // After a load: removes the chunks a save caught between two versions of
  // a document (collection_documents.cpp): for each document, those next to
  // its current range on the chunk ring that are not in it.
  void remove_stale_chunks();
  size_t remove_chunks_around(uint64_t document, ChunkRange current);

  std::unique_ptr<VectorIndex> index_;
  storage::MetadataStore metadata_;
  mutable std::shared_mutex metadata_mutex_;  // guards metadata_
  mutable std::shared_mutex writers_;         // see the header comment
  // remove against set_metadata of one key; taken inside writers_ and
  // outside metadata_mutex_.
  KeyLocks key_locks_;
  // Derived from metadata_; saved once built. Read from the file at open,
  // or built by the first keyword search (or build_keywords) under
  // metadata_mutex_ (shared); once built, changes to metadata_ update it
  // under metadata_mutex_ (exclusive), so it never misses one.
  mutable KeywordIndex keywords_;
  mutable std::atomic<bool> keywords_built_{false};
  mutable std::mutex keywords_build_mutex_;
  DocumentTable documents_;
  bool read_only_ = false;
  // Mapped: the image the index reads in place (which holds the memory
  // behind it), for verify().
  std::unique_ptr<storage::FileImageSource> source_;
};

}  // namespace quiver
