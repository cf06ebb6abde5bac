// TextLayer: text in, chunks out, over a Collection. A document is split
// into chunks (embedding/chunker.h), every chunk is embedded and stored as
// its own vector under a chunk key, with the chunk's text as its metadata;
// searches embed the query and map chunk hits back to documents.
//
// Chunk keys: (document key << 16) | chunk number, so a document key has 48
// bits and a document at most 65536 chunks. Chunk numbers are 0, 1, 2 ...
// without gaps, which is how remove_text finds them all without an index of
// its own (the metadata store is a hash map: no range query).
//
// The layer holds only what a handle needs between calls: the embedder
// (shared, so the caller may release its own reference) and the chunking
// options. Neither is saved with the collection: the stored vectors and
// metadata are all that persists, and a reopened collection needs its
// embedder attached again.
//
// Concurrency: set_embedder / set_chunk_options may run alongside
// everything (each operation takes a snapshot of both under a mutex, then
// works without it). add_texts, remove_text and the searches run alongside
// each other as the Collection allows; remove_text removes chunk by chunk,
// so a search that overlaps it may see part of the document. add_texts
// (from its add_batch to its last set_metadata) and remove_text claim their
// documents (`documents_`; searches claim nothing), so they never
// interleave on one document: a remove_text removes one whole version of it
// and never chunks of a version added meanwhile, and an add_texts never
// lands between a remove_text's chunks nor loses a chunk to one before its
// metadata is set. Claims come before the Collection's locks. Knows nothing
// of C.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string_view>
#include <vector>

#include "collection/collection.h"
#include "collection/key_claims.h"
#include "embedding/chunker.h"
#include "embedding/embedder.h"
#include "index/vector_index.h"

namespace quiver {

inline constexpr unsigned kChunkBits = 16;
inline constexpr uint64_t kMaxChunksPerDocument = uint64_t{1} << kChunkBits;
inline constexpr uint64_t kMaxDocumentKey = (uint64_t{1} << (64 - kChunkBits)) - 1;

constexpr uint64_t chunk_key(uint64_t document, uint64_t chunk) {
  return (document << kChunkBits) | (chunk & (kMaxChunksPerDocument - 1));
}
constexpr uint64_t document_of(uint64_t chunk_key) { return chunk_key >> kChunkBits; }
constexpr uint64_t chunk_number_of(uint64_t chunk_key) {
  return chunk_key & (kMaxChunksPerDocument - 1);
}

// One document of a document search: its key, the key of its best chunk and
// that chunk's distance.
struct DocumentHit {
  float distance;
  uint64_t document;
  uint64_t chunk;
};

// One document of a hybrid search: its fused score (higher is better) and
// its best chunk (by the vector search where it found the document, else by
// keywords).
struct HybridHit {
  double score;
  uint64_t document;
  uint64_t chunk;
};

class TextLayer {
 public:
  // Default chunking for the hashing embedder: see qv_text_options_init.
  static ChunkOptions default_chunk_options();

  TextLayer();

  // Attaches (or, with nullptr, detaches) the embedder. Throws
  // DimensionMismatch when its dim differs from the collection's.
  void set_embedder(const Collection& collection, std::shared_ptr<Embedder> embedder);
  std::shared_ptr<Embedder> embedder() const;

  // Throws InvalidArgument for a size of 0 or an overlap >= size.
  void set_chunk_options(const ChunkOptions& options);
  ChunkOptions chunk_options() const;

  // Adds documents[i] under document_keys[i]: every chunk of every text is
  // embedded in one embedder call (task Document), all vectors go in with
  // one add_batch, then each chunk's text becomes its key's metadata.
  // All or nothing: a failure anywhere (a bad key or text, no embedder, an
  // embedding error, a duplicate, out of memory) leaves the collection as
  // it was. Throws InvalidArgument (no embedder, key above kMaxDocumentKey,
  // empty or blank text, more than kMaxChunksPerDocument chunks),
  // DuplicateKey (a key twice in the batch, or already in the collection),
  // Unsupported (read-only collection), Embedding, OutOfMemory.
  void add_texts(Collection& collection, std::span<const uint64_t> document_keys,
                 std::span<const std::string_view> texts, unsigned threads) const;

  // Removes every chunk of the document: chunk numbers 0, 1, 2 ... up to the
  // first one missing. Returns how many. Throws NotFound when it has none,
  // InvalidArgument for a key above kMaxDocumentKey, Unsupported.
  size_t remove_text(Collection& collection, uint64_t document_key) const;

  // The options.k nearest chunks to the query (embedded with task Query),
  // nearest first. options.filter sees chunk keys.
  void search_chunks(const Collection& collection, std::string_view query,
                     const SearchOptions& options, std::vector<Hit>& out) const;

  // The options.k nearest documents, each with the distance of its best
  // chunk, nearest first (ties in the order the index returned them).
  // Searches more chunks than k and widens the search until k distinct
  // documents are found or the index has no more chunks to give.
  void search_documents(const Collection& collection, std::string_view query,
                        const SearchOptions& options, std::vector<DocumentHit>& out) const;

  // The options.k best documents by reciprocal rank fusion (Cormack et al.,
  // 2009) of two rankings of documents: search_documents (meaning) and the
  // collection's BM25 keyword search over chunk texts, each document ranked
  // by its best chunk (exact terms). score = sum over the rankings that hold
  // the document of 1 / (kRrfK + rank), rank from 1. Each ranking looks at
  // kHybridDepth documents at least (or options.k, if larger). Best first,
  // ties by document key. options.filter sees chunk keys in both.
  static constexpr double kRrfK = 60.0;
  static constexpr size_t kHybridDepth = 50;
  void search_hybrid(const Collection& collection, std::string_view query,
                     const SearchOptions& options, std::vector<HybridHit>& out) const;

 private:
  struct Snapshot {
    std::shared_ptr<Embedder> embedder;
    ChunkOptions chunking;
  };
  Snapshot snapshot() const;
  // The query vector, checked against the collection's dim.
  std::vector<float> embed_query(const Collection& collection, std::string_view query) const;

  mutable std::mutex mutex_;     // guards embedder_ and chunking_
  mutable KeyClaims documents_;  // by document key: see the top
  std::shared_ptr<Embedder> embedder_;
  ChunkOptions chunking_;
};

}  // namespace quiver
