#include "storage/segment_writer.h"

#include <cstring>
#include <string>

#include "core/error.h"
#include "storage/checksum.h"
#include "storage/zstd_codec.h"

namespace quiver::storage {

namespace {

// Collects small writes into large ones.
class BufferedOutput {
 public:
  BufferedOutput(File& file, uint64_t offset) : file_(file), offset_(offset) {
    buffer_.reserve(kCapacity);
  }
  void write(const uint8_t* data, size_t size) {
    if (buffer_.size() + size > kCapacity) flush();
    if (size >= kCapacity) {
      file_.pwrite_all(data, size, offset_);
      offset_ += size;
    } else {
      buffer_.insert(buffer_.end(), data, data + size);
    }
  }
  void flush() {
    if (buffer_.empty()) return;
    file_.pwrite_all(buffer_.data(), buffer_.size(), offset_);
    offset_ += buffer_.size();
    buffer_.clear();
  }

 private:
  static constexpr size_t kCapacity = size_t(1) << 20;
  File& file_;
  uint64_t offset_;
  std::vector<uint8_t> buffer_;
};

SectionTraits traits_of(uint32_t kind) {
  SectionTraits traits;
  if (!section_traits(kind, traits))
    fail(Status::Internal, "storage has no layout for " + section_label(kind) +
                               "; add it to section_traits() in segment_format.cpp");
  return traits;
}

// The bytes the parts hold, which must be count elements of element_size.
uint64_t checked_raw_size(uint32_t kind, uint64_t element_size, uint64_t count,
                          const std::vector<ByteSpan>& parts) {
  uint64_t raw_size = 0;
  for (const ByteSpan& p : parts) raw_size += p.size;
  if (element_size != 0 && count > UINT64_MAX / element_size)
    fail(Status::Internal, section_label(kind) + ": element count overflows");
  if (raw_size != element_size * count)
    fail(Status::Internal, section_label(kind) + ": the parts hold " + std::to_string(raw_size) +
                               " bytes, not " + std::to_string(count) + " x " +
                               std::to_string(element_size));
  return raw_size;
}

// The parts of the index header section, joined (their sizes add up to one).
IndexHeader join_index_header(const std::vector<ByteSpan>& parts) {
  IndexHeader h;
  uint8_t* dst = reinterpret_cast<uint8_t*>(&h);
  for (const ByteSpan& p : parts) {
    std::memcpy(dst, p.data, p.size);
    dst += p.size;
  }
  return h;
}

// Where a section's payload starts. The header sits right before it;
// uncompressed payloads start on a page boundary so they can be mapped in
// place.
uint64_t payload_offset_after(uint64_t end, bool compress) {
  return compress ? align_up(end, kSmallAlign) + sizeof(SectionHeader)
                  : align_up(end + sizeof(SectionHeader), kPageAlign);
}

// What write_payload put on disk.
struct StoredPayload {
  uint64_t size;
  uint64_t checksum;
};

// Writes the parts at `offset`, through zstd when `compress`.
StoredPayload write_payload(File& file, const SaveOptions& options, uint64_t offset,
                            const std::vector<ByteSpan>& parts, uint64_t raw_size, bool compress) {
  BlockChecksum checksum;
  BufferedOutput out(file, offset);
  uint64_t stored = 0;
  auto emit = [&](const uint8_t* data, size_t size) {
    checksum.update(data, size);
    out.write(data, size);
    stored += size;
  };
  if (compress) {
    ZstdCompressor zstd(options.zstd_level, raw_size, options.threads);
    for (const ByteSpan& p : parts) zstd.update(p.data, p.size, emit);
    zstd.finish(emit);
  } else {
    for (const ByteSpan& p : parts) emit(p.data, p.size);
  }
  out.flush();
  return {stored, checksum.finish()};
}

}  // namespace

SegmentWriter::SegmentWriter(File& file, const SaveOptions& options)
    : file_(file), options_(options) {}

bool SegmentWriter::compressed(SectionRole role) const {
  switch (role) {
    case SectionRole::Header:
      return false;
    case SectionRole::Vectors:
      return options_.compress_vectors;
    case SectionRole::Graph:
      return options_.compress_graph;
    case SectionRole::VectorsAndGraph:
      return options_.compress_vectors || options_.compress_graph;
    case SectionRole::Keys:
    case SectionRole::Metadata:
      return true;
  }
  return false;
}

void SegmentWriter::section(SectionKind kind, uint64_t element_size, uint64_t count,
                            const std::vector<ByteSpan>& parts) {
  const uint32_t k = static_cast<uint32_t>(kind);
  const SectionTraits traits = traits_of(k);
  const uint64_t raw_size = checked_raw_size(k, element_size, count, parts);
  accept(kind, raw_size, parts);

  const bool compress = compressed(traits.role);
  const uint64_t payload_offset = payload_offset_after(end_, compress);
  const StoredPayload stored =
      write_payload(file_, options_, payload_offset, parts, raw_size, compress);

  SectionHeader sh{};
  sh.magic = kSectionMagic;
  sh.format_version = kFormatVersion;
  sh.kind = k;
  sh.flags = (compress ? kSectionCompressed : 0) | (traits.optional ? kSectionOptional : 0);
  sh.element_type = static_cast<uint32_t>(traits.type);
  sh.dim = dim_;
  sh.element_size = element_size;
  sh.count = count;
  sh.raw_size = raw_size;
  sh.payload_offset = payload_offset;
  sh.stored_size = stored.size;
  sh.payload_checksum = stored.checksum;
  sh.header_checksum = xxh64(&sh, offsetof(SectionHeader, header_checksum));
  file_.pwrite_all(&sh, sizeof sh, payload_offset - sizeof(SectionHeader));
  record(sh);
}

void SegmentWriter::accept(SectionKind kind, uint64_t raw_size,
                           const std::vector<ByteSpan>& parts) {
  const uint32_t k = static_cast<uint32_t>(kind);
  if (kind == SectionKind::IndexHeader) {
    if (have_index_header_ || raw_size != sizeof(IndexHeader))
      fail(Status::Internal, "the index header must be written once, as one IndexHeader");
    const IndexHeader h = join_index_header(parts);
    dim_ = h.dim;
    index_kind_ = h.kind;
    have_index_header_ = true;
  } else if (!have_index_header_) {
    fail(Status::Internal, "the index header must be the first section");
  }
  if (directory_.size() == kMaxSections)
    fail(Status::Internal,
         "an index file holds at most " + std::to_string(kMaxSections) + " sections");
  for (const DirectoryEntry& e : directory_)
    if (e.kind == k) fail(Status::Internal, section_label(k) + " written twice");
}

void SegmentWriter::record(const SectionHeader& sh) {
  DirectoryEntry e{};
  e.kind = sh.kind;
  e.flags = sh.flags;
  e.header_offset = sh.payload_offset - sizeof(SectionHeader);
  e.end_offset = sh.payload_offset + sh.stored_size;
  directory_.push_back(e);
  end_ = e.end_offset;
}

void SegmentWriter::finish() {
  if (!have_index_header_) fail(Status::Internal, "no index header was written");
  std::vector<uint8_t> head(kHeadSize, 0);
  FileHeader h{};
  std::memcpy(h.magic, kFileMagic, sizeof h.magic);
  h.format_version = kFormatVersion;
  h.header_bytes = sizeof(FileHeader);
  h.head_bytes = uint32_t(kHeadSize);
  h.section_count = uint32_t(directory_.size());
  h.page_align = uint32_t(kPageAlign);
  h.checksum_block = uint32_t(kChecksumBlock);
  h.file_size = end_;
  h.index_kind = index_kind_;
  h.dim = dim_;
  std::memcpy(head.data() + sizeof(FileHeader), directory_.data(),
              directory_.size() * sizeof(DirectoryEntry));
  std::memcpy(head.data(), &h, sizeof h);
  const size_t sum_at = offsetof(FileHeader, head_checksum);
  h.head_checksum =
      xxh64(head.data(), sum_at, head.data() + sizeof(FileHeader), kHeadSize - sizeof(FileHeader));
  std::memcpy(head.data(), &h, sizeof h);
  file_.pwrite_all(head.data(), head.size(), 0);
}

}  // namespace quiver::storage
