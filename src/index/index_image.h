// The byte image of an index: named sections of plain data that storage
// writes to disk and hands back, either copied into memory or mapped.
//
// Indexes know their own sections and how to check them; storage knows
// files, checksums and compression. Neither knows the other's business.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "index/vector_storage.h"

namespace quiver {

// Values are part of the file format: never renumber, only add.
enum class SectionKind : uint32_t {
  IndexHeader = 1,     // IndexHeader struct below
  HnswRecords = 2,     // node_count records: layer-0 links header, links, vector
  HnswMetas = 3,       // node_count NodeMeta: key, upper block, norm, level
  HnswUpperLinks = 4,  // upper_blocks blocks of (1 + m) uint32
  FlatRows = 5,        // count x dim float32, prepared (unit length under cosine)
  FlatNorms = 6,       // count float32 original norms
  FlatKeys = 7,        // count uint64
  Metadata = 8,        // metadata blobs, see storage
  // Format version 2: storage other than float32 (header.storage).
  HnswOriginals = 9,  // node_count x dim float32, prepared: lossy storage keeping originals
  FlatCodes = 10,     // count codes (VectorCodes layout): FLAT storage other than float32
  // Optional sections: a reader that does not know one skips it.
  KeywordIndex = 11,  // the keyword index of the metadata (collection/keyword_image.h)
  Documents = 12,     // the text layer's documents (collection/document_table.h)
};

const char* section_name(SectionKind kind);

// Fixed-layout header of every index image (little-endian on disk).
struct IndexHeader {
  uint32_t kind;  // 1 flat, 2 hnsw (qv_index_kind values)
  uint32_t dim;
  uint32_t metric;  // qv_metric values
  uint32_t hnsw_m;
  uint32_t hnsw_ef_construction;
  uint32_t hnsw_ef_search;
  uint64_t seed;
  uint64_t node_count;    // HNSW: nodes incl. tombstones; flat: rows
  uint64_t live_count;    // vectors not removed
  uint64_t upper_blocks;  // HNSW: blocks in HnswUpperLinks
  uint64_t entry;         // HNSW: (entry node << 32) | top level, or UINT64_MAX
  uint64_t record_bytes;  // HNSW: bytes per record in HnswRecords
  uint32_t storage;       // Storage value; 0 (format version 1) = float32
  uint32_t flags;         // bit 0: lossy storage keeps its float32 originals
  uint64_t reserved[3];
};
static_assert(sizeof(IndexHeader) == 104, "IndexHeader is part of the file format");

inline constexpr uint32_t kHeaderKeepsOriginals = 1;

class ImageSource;
// The header's storage, checked: throws Error(Unsupported) for a storage
// type this version does not know, Error(Corrupt) for one the metric
// cannot have (B1 under L2).
StorageOptions read_storage(const ImageSource& source, const IndexHeader& header);

struct ByteSpan {
  const uint8_t* data = nullptr;
  size_t size = 0;
};

// Memory an index owns, for a section to be copied into.
struct MutableSpan {
  uint8_t* data = nullptr;
  size_t size = 0;
};

// Receives sections in order; `parts` are concatenated into one section.
class ImageSink {
 public:
  virtual ~ImageSink() = default;
  virtual void section(SectionKind kind, uint64_t element_size, uint64_t count,
                       const std::vector<ByteSpan>& parts) = 0;
};

// Hands sections back. Spans stay valid as long as `keepalive` lives; a
// mapped image's spans point into read-only file mappings.
class ImageSource {
 public:
  virtual ~ImageSource() = default;
  // Throws Error(Corrupt) naming the section when it is missing.
  virtual ByteSpan section(SectionKind kind) const = 0;
  // The section's size in bytes (decompressed), without reading it. Throws
  // like section().
  virtual size_t section_size(SectionKind kind) const = 0;
  // Copies the section into memory the index owns: `parts`, laid end to end,
  // must add up to section_size(kind). What an index loaded into memory
  // calls instead of section() and a copy: a file reads the section straight
  // into the parts (verifying its checksum as it goes, on `threads` threads,
  // 0 = all cores), the one pass over its bytes. Throws like section().
  virtual void copy_section(SectionKind kind, const std::vector<MutableSpan>& parts,
                            unsigned threads) const = 0;
  virtual bool has_section(SectionKind kind) const = 0;
  virtual bool mapped() const = 0;
  // Where the image came from, for error messages ("idx.qv/vectors.seg").
  virtual std::string describe(SectionKind kind) const = 0;
  // Owner of the memory behind the spans; indexes that reference the image
  // in place (mapped) keep a copy of this.
  virtual std::shared_ptr<const void> keepalive() const = 0;
};

}  // namespace quiver
