// TextLayer: text in, chunks out, over a Collection. A document is split
// into chunks (embedding/chunker.h), every chunk is embedded and stored as
// its own vector under a chunk key (chunk_keys.h), with the chunk's text as
// its metadata; searches embed the query and map chunk hits back to
// documents. The collection's DocumentTable records each document's
// current chunk range, source and fields.
//
// Versions: upsert_text adds the new version's chunks after the current
// ones on the chunk ring, unseen by searches (they keep to the range in
// the table), then switches the document's entry to them in one step, then
// waits until no search that may have chosen the old version runs, then
// removes the old chunks. remove_text switches the entry to "no version"
// first the same way. So a search sees a document's old version or its
// new one, whole, never a mix and never neither (document_table.h).
//
// The layer holds only what a handle needs between calls: the embedder
// (shared, so the caller may release its own reference) and the chunking
// options. Neither is saved with the collection: the stored vectors,
// metadata and document table are all that persists, and a reopened
// collection needs its embedder attached again.
//
// Concurrency: set_embedder / set_chunk_options may run alongside
// everything (each operation takes a snapshot of both under a mutex, then
// works without it). Writes and searches run alongside each other as the
// Collection allows. Writes of a document (add_texts from its add_batch to
// its switch, upsert_text and remove_text from their first look at the
// entry to their last removal) claim it (`documents_`; searches claim
// nothing), so they never interleave on one document. Claims come before
// the Collection's locks. Knows nothing of C.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "collection/chunk_keys.h"
#include "collection/collection.h"
#include "collection/key_claims.h"
#include "embedding/chunker.h"
#include "embedding/embedder.h"
#include "index/vector_index.h"

namespace quiver {

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
  // one add_batch, then each chunk's text becomes its key's metadata, then
  // each document's entry (chunks from number 0, no source, no fields).
  // All or nothing: a failure anywhere (a bad key or text, no embedder, an
  // embedding error, a duplicate, out of memory) leaves the collection as
  // it was. Throws InvalidArgument (no embedder, key above kMaxDocumentKey,
  // empty or blank text, more than kMaxChunksPerDocument chunks),
  // DuplicateKey (a key twice in the batch, or already in the collection),
  // Unsupported (read-only collection), Embedding, OutOfMemory.
  void add_texts(Collection& collection, std::span<const uint64_t> document_keys,
                 std::span<const std::string_view> texts, unsigned threads) const;

  // Adds the document, or replaces its current version, with `text`,
  // `source` and `fields` (see the top). On failure the document is as it
  // was. Throws as add_texts (but never DuplicateKey), and InvalidArgument
  // for a source or fields above kMaxSourceBytes / kMaxFieldsBytes, or when
  // the old and new versions together have more than
  // kMaxChunksPerDocument chunks.
  void upsert_text(Collection& collection, uint64_t document_key, std::string_view text,
                   std::string_view source, std::string_view fields, unsigned threads) const;

  // Removes the document's current version (and any chunks of another
  // version a save left behind). Returns how many chunks. Throws NotFound
  // when there is no such document, InvalidArgument for a key above
  // kMaxDocumentKey, Unsupported.
  size_t remove_text(Collection& collection, uint64_t document_key) const;

  // A document as the caller sees it: its current chunks and the entry's
  // source and fields (views valid until the document changes). A document
  // added before the table existed has chunks 0, 1, 2 ... up to the first
  // one missing, and no source or fields. Nothing when there is no such
  // document (or it has no current version). Throws InvalidArgument for a
  // key above kMaxDocumentKey.
  struct Document {
    ChunkRange chunks;
    std::string_view source;
    std::string_view fields;
  };
  std::optional<Document> document(const Collection& collection, uint64_t document_key) const;

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
  // the document of weight / (kRrfK + rank), rank from 1; the weight is 1
  // for meaning and options.keyword_weight for words. Each ranking looks at
  // kHybridDepth documents at least (or options.k, if larger). Best first,
  // ties by document key. options.filter sees chunk keys in both.
  static constexpr double kRrfK = 60.0;
  static constexpr size_t kHybridDepth = 50;
  void search_hybrid(const Collection& collection, std::string_view query,
                     const SearchOptions& options, std::vector<HybridHit>& out) const;

  // Collection::search_keywords, without the chunks of versions that are
  // not current (as the other searches).
  void search_keywords(const Collection& collection, std::string_view query, size_t k,
                       const KeyFilter& filter, std::vector<KeywordHit>& out) const;

 private:
  struct Snapshot {
    std::shared_ptr<Embedder> embedder;
    ChunkOptions chunking;
  };
  Snapshot snapshot() const;
  // The query vector, checked against the collection's dim.
  std::vector<float> embed_query(const Collection& collection, std::string_view query) const;
  // The searches' work, under a filter that already keeps to one version
  // of each document.
  static void nearest_documents(const Collection& collection, const float* query,
                                const SearchOptions& options, std::vector<DocumentHit>& out);
  static void best_chunks_by_words(const Collection& collection, std::string_view query,
                                   size_t documents, const KeyFilter& filter,
                                   std::vector<DocumentHit>& out);

  mutable std::mutex mutex_;     // guards embedder_ and chunking_
  mutable KeyClaims documents_;  // by document key: see the top
  std::shared_ptr<Embedder> embedder_;
  ChunkOptions chunking_;
};

}  // namespace quiver
