// The documents of a collection's text: for each document key, the chunk
// range of its current version (chunk_keys.h), its source (a path or URI)
// and its fields (the caller's own text, e.g. JSON). Saved as the
// Documents section of the index file (encode / load); small, so always
// held on the heap, also for a mapped index.
//
// A document without an entry is what every document was before the table
// existed: chunks 0, 1, 2 ... without gaps, all of them current. An entry
// with no chunks (count 0) is a document with no current version: being
// added, or being removed; none of its chunks is visible.
//
// Versions and searches: a Reader is what one text search sees: each
// document as it was when the reader was made. Every change of an entry
// (set) is numbered and keeps the range it replaced, so a reader made
// before the change keeps to the old range, one made after it to the new
// one. A writer that replaces or removes a version switches the entry
// first (set), then calls wait_for_readers before it removes the old
// chunks, and holds the document (the text layer's claim) until then: so
// while a reader lives, each document changes at most once after it was
// made, and the version it keeps to is whole in the index, every chunk of
// it added before the reader was made and none removed before it is gone.
//
// Thread-safe: lookups share a lock, changes take it alone; none of it is
// held while a caller works with what it got.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "collection/chunk_keys.h"
#include "collection/reader_epochs.h"
#include "index/index_image.h"

namespace quiver {

// Longest source and fields a document may have, in bytes (quiver.h).
inline constexpr size_t kMaxSourceBytes = 8192;
inline constexpr size_t kMaxFieldsBytes = size_t{1} << 20;

struct DocumentRecord {
  ChunkRange chunks;  // count 0: no current version
  std::string source;
  std::string fields;
};

// A document's entry as a lookup returns it: the views point into the
// table and stay valid until that document's entry is set or erased.
struct DocumentView {
  ChunkRange chunks;
  std::string_view source;
  std::string_view fields;
};

class DocumentTable {
 public:
  // One search's view of the documents (see the top). Not copyable; may
  // be asked from several threads at once.
  class Reader {
   public:
    explicit Reader(const DocumentTable& table)
        : table_(table), slot_(table.epochs_.enter()), made_(table.changes()) {}
    ~Reader() { table_.epochs_.leave(slot_); }
    Reader(const Reader&) = delete;
    Reader& operator=(const Reader&) = delete;

    // Whether the chunk key belongs to its document's version current when
    // this reader was made. Keys of documents without an entry are all
    // current.
    bool visible(uint64_t chunk_key);

   private:
    const DocumentTable& table_;
    const unsigned slot_;
    const uint64_t made_;  // changes() when made
    std::mutex mutex_;     // guards seen_
    std::unordered_map<uint64_t, ChunkRange> seen_;
  };

  // The entry of `document`, or nothing when it has none.
  std::optional<DocumentView> find(uint64_t document) const;
  // The same as a copy, made under the table's lock: what a reader that may
  // overlap a change of the document must use.
  std::optional<DocumentRecord> copy_of(uint64_t document) const;
  // Adds or replaces the entry: one atomic step for readers. A new entry
  // replaces "no entry" as if that had been `record.chunks` (what a
  // document without an entry has when the caller makes one: its chunks
  // from before the table, or none).
  void set(uint64_t document, DocumentRecord record);
  void erase(uint64_t document);
  // Returns once every Reader made before the call is gone.
  void wait_for_readers() const { epochs_.wait_for_earlier(); }

  // Documents with a current version.
  size_t live_count() const;
  // Up to `max` keys of documents with a current version, from `from` on,
  // ascending.
  std::vector<uint64_t> live_keys(uint64_t from, size_t max) const;
  // Every entry's key and range (for the checks after a load).
  std::vector<std::pair<uint64_t, ChunkRange>> ranges() const;
  bool empty() const;
  size_t heap_bytes() const;

  // The section payload (docs/format.md, "Documents"): a header, one
  // fixed-size entry per document in key order, then the sources and
  // fields.
  std::vector<uint8_t> encode() const;
  // Replaces the contents with a copy of an encoded section. Throws
  // Error(Corrupt) naming `where` on a malformed one, Error(Unsupported)
  // for a layout version from a newer Quiver.
  void load(ByteSpan encoded, const std::string& where);

 private:
  struct Entry {
    DocumentRecord record;
    ChunkRange previous;   // the range before the last change
    uint64_t changed = 0;  // changes_ after the last change
  };
  uint64_t changes() const;

  mutable std::shared_mutex mutex_;  // guards entries_, live_ and changes_
  std::map<uint64_t, Entry> entries_;
  size_t live_ = 0;
  uint64_t changes_ = 0;  // sets so far
  ReaderEpochs epochs_;
};

}  // namespace quiver
