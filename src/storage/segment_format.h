// The bytes of a saved index file (docs/format.md is the prose version).
//
//   [file head: FileHeader + section directory, kHeadSize bytes]
//   [section: SectionHeader (128 bytes) immediately followed by its payload] ...
//
// Uncompressed payloads start on a kPageAlign boundary so they can be
// mapped and read in place; compressed payloads only need kSmallAlign. Gaps
// between sections are zero. Every byte of the file is covered: checksums
// cover the head, each section header and each payload, and the reader
// checks that the gaps are zero.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <string>

#include "index/index_image.h"

namespace quiver::storage {

static_assert(std::endian::native == std::endian::little,
              "the file format is little-endian and is read in place");

// "\x89QVR\r\n\x1a\n": a high byte first (catches 7-bit transfers), then the
// name, then CR LF / ^Z / LF (catch line-ending conversion), as PNG does.
inline constexpr uint8_t kFileMagic[8] = {0x89, 'Q', 'V', 'R', '\r', '\n', 0x1a, '\n'};
inline constexpr uint32_t kSectionMagic = 0x43455351;  // "QSEC" on disk

// Version 1 is this layout. A reader opens every version up to its own and
// answers Unsupported for a newer one (see "Versioning" in docs/format.md).
// Version 2 (Quiver 0.2) adds compact storage: the index header's storage
// field and the sections that hold codes and originals. Every file is
// written as version 2, so a 0.1 reader refuses it rather than read codes
// as float32; version 1 files open as float32 storage.
inline constexpr uint32_t kFormatVersion = 2;
// Where the version lives in every version, so any reader can tell a newer
// file from a damaged one before it knows the layout.
inline constexpr size_t kVersionOffset = 8;

inline constexpr uint64_t kPageAlign = 4096;
inline constexpr uint64_t kSmallAlign = 64;
inline constexpr uint32_t kMaxSections = 64;
// Checksums hash the payload in blocks of this size (see checksum.h).
inline constexpr uint64_t kChecksumBlock = uint64_t(1) << 20;

// FileHeader.incompatible_flags: features a reader must understand. None yet.
inline constexpr uint32_t kKnownIncompatibleFlags = 0;

// SectionHeader.flags
inline constexpr uint32_t kSectionCompressed = 1u << 0;  // payload is one zstd frame
inline constexpr uint32_t kSectionOptional = 1u << 1;    // a reader may skip an unknown kind
inline constexpr uint32_t kKnownSectionFlags = kSectionCompressed | kSectionOptional;

struct FileHeader {
  uint8_t magic[8];
  uint32_t format_version;
  uint32_t header_bytes;        // sizeof(FileHeader) = 128
  uint32_t head_bytes;          // kHeadSize: header + directory area
  uint32_t section_count;       // entries used in the directory
  uint32_t incompatible_flags;  // unknown bit => Unsupported
  uint32_t compatible_flags;    // unknown bits are ignored
  uint32_t page_align;          // kPageAlign
  uint32_t checksum_block;      // kChecksumBlock
  uint64_t file_size;           // exact size of the file in bytes
  uint32_t index_kind;          // copied from the index header
  uint32_t dim;                 // copied from the index header; every section repeats it
  uint64_t reserved[8];         // written as zero, ignored by readers of version 1
  uint64_t head_checksum;       // XXH64 of head bytes [0, 120) then [128, kHeadSize)
};
static_assert(sizeof(FileHeader) == 128, "FileHeader is part of the file format");

struct DirectoryEntry {
  uint32_t kind;           // SectionKind
  uint32_t flags;          // copy of the section header's flags
  uint64_t header_offset;  // where the SectionHeader starts
  uint64_t end_offset;     // one past the last payload byte
  uint64_t reserved;
};
static_assert(sizeof(DirectoryEntry) == 32, "DirectoryEntry is part of the file format");

inline constexpr uint64_t kHeadSize = sizeof(FileHeader) + kMaxSections * sizeof(DirectoryEntry);
static_assert(kHeadSize == 2176, "the head size is part of the file format");

struct SectionHeader {
  uint32_t magic;             // kSectionMagic
  uint32_t format_version;    // same as the file's
  uint32_t kind;              // SectionKind
  uint32_t flags;             // kSection* bits
  uint32_t element_type;      // ElementType
  uint32_t dim;               // the index dimension (all sections agree)
  uint64_t element_size;      // bytes per element (a row, a record, a byte)
  uint64_t count;             // elements
  uint64_t raw_size;          // element_size * count: bytes after decompression
  uint64_t payload_offset;    // where the payload starts (this header's offset + 128)
  uint64_t stored_size;       // bytes on disk (compressed size when compressed)
  uint64_t payload_checksum;  // block XXH64 of the stored bytes (checksum.h)
  uint64_t reserved[6];       // written as zero, ignored by readers of version 1
  uint64_t header_checksum;   // XXH64 of the 120 bytes above
};
static_assert(sizeof(SectionHeader) == 128, "SectionHeader is part of the file format");

// What an element of a section is made of. Part of the format.
enum class ElementType : uint32_t {
  Bytes = 1,    // opaque bytes (metadata table)
  Float32 = 2,  // rows of float32
  Uint64 = 3,   // uint64 values
  Uint32 = 4,   // blocks of uint32
  Record = 5,   // fixed-size records whose layout the index defines
};

// Which save option governs a section's compression.
enum class SectionRole {
  Header,           // never compressed: tiny, read first
  Vectors,          // compressed with compress_vectors
  Graph,            // compressed with compress_graph
  VectorsAndGraph,  // HNSW records hold both: compressed when either option is on
  Keys,             // always compressed: copied into memory on every open anyway
  Metadata,         // always compressed
};

struct SectionTraits {
  ElementType type;
  SectionRole role;
  bool optional = false;  // written with kSectionOptional: derived data a reader may skip
};

// The traits of a kind this version knows; false for an unknown kind.
bool section_traits(uint32_t kind, SectionTraits& out);

// "flat keys", or "section kind 42" for a kind this version does not know.
std::string section_label(uint32_t kind);

const char* element_type_name(uint32_t type);

inline uint64_t align_up(uint64_t x, uint64_t a) { return (x + a - 1) / a * a; }

}  // namespace quiver::storage
