#include "storage/file_image_source.h"

#include <cstring>
#include <new>

#include "core/error.h"
#include "storage/checksum.h"
#include "storage/checksummed_read.h"

namespace quiver::storage {

void ImageMemory::FreeAligned::operator()(uint8_t* p) const {
  ::operator delete(p, std::align_val_t(64));
}

ImageMemory::Buffer ImageMemory::allocate(size_t size) {
  return Buffer(static_cast<uint8_t*>(::operator new(size ? size : 1, std::align_val_t(64))));
}

std::string describe_section(const std::string& path, uint32_t position, uint32_t count,
                             uint64_t header_offset) {
  return path + " (section " + std::to_string(position + 1) + " of " + std::to_string(count) +
         ", at byte " + std::to_string(header_offset) + ")";
}

FileImageSource::FileImageSource(std::string path, bool mapped, uint32_t section_count,
                                 std::vector<ImageSection> sections,
                                 std::shared_ptr<ImageMemory> memory, File file, unsigned threads)
    : path_(std::move(path)),
      mapped_(mapped),
      section_count_(section_count),
      sections_(std::move(sections)),
      memory_(std::move(memory)),
      file_(std::move(file)),
      threads_(threads) {}

ImageSection* FileImageSource::find(SectionKind kind) const {
  for (ImageSection& s : sections_)
    if (s.header.kind == static_cast<uint32_t>(kind)) return &s;
  return nullptr;
}

ImageSection& FileImageSource::require(SectionKind kind) const {
  ImageSection* s = find(kind);
  if (!s)
    fail(Status::Corrupt, path_ + ": " + section_name(kind) +
                              ": the section is missing; the file is incomplete or was not "
                              "written for this kind of index");
  return *s;
}

std::string FileImageSource::where(const ImageSection& s) const {
  return describe_section(path_, s.position, section_count_, s.header_offset) + ": " +
         section_label(s.header.kind);
}

void FileImageSource::check_checksum(ImageSection& s, uint64_t computed) const {
  if (computed != s.header.payload_checksum)
    fail(Status::Corrupt,
         where(s) + ": " + checksum_mismatch_message(s.header.payload_checksum, computed));
  s.verified = true;
}

ByteSpan FileImageSource::section(SectionKind kind) const {
  ImageSection& s = require(kind);
  if (s.unread) {
    const size_t size = size_t(s.header.raw_size);
    ImageMemory::Buffer buffer = ImageMemory::allocate(size);
    const uint64_t sum = read_checksummed(file_, s.header.payload_offset,
                                          {MutableSpan{buffer.get(), size}}, threads_, where(s));
    check_checksum(s, sum);
    s.data = ByteSpan{buffer.get(), size};
    memory_->buffers.push_back(std::move(buffer));
    s.unread = false;
  }
  return s.data;
}

size_t FileImageSource::section_size(SectionKind kind) const {
  return size_t(require(kind).header.raw_size);
}

void FileImageSource::copy_section(SectionKind kind, const std::vector<MutableSpan>& parts,
                                   unsigned threads) const {
  ImageSection& s = require(kind);
  uint64_t total = 0;
  for (const MutableSpan& p : parts) total += p.size;
  if (total != s.header.raw_size)
    fail(Status::Internal, where(s) + ": asked to copy " + std::to_string(total) +
                               " bytes of a section of " + std::to_string(s.header.raw_size));
  if (s.unread) {
    // Straight from the file into the parts; the section stays unread for
    // section(), which nobody calls on a loaded image's large sections.
    check_checksum(s, read_checksummed(file_, s.header.payload_offset, parts, threads, where(s)));
    return;
  }
  const uint8_t* from = s.data.data;
  for (const MutableSpan& p : parts) {
    if (p.size) std::memcpy(p.data, from, p.size);
    from += p.size;
  }
}

void FileImageSource::verify_unread(unsigned threads) const {
  for (ImageSection& s : sections_) {
    if (!s.unread || s.verified) continue;
    // Hashed through the mapping: nobody needs these bytes in memory.
    const uint8_t* stored = memory_->map->data() + s.header.payload_offset;
    check_checksum(s,
                   block_checksums({ByteSpan{stored, size_t(s.header.stored_size)}}, threads)[0]);
  }
}

std::vector<InPlaceSection> FileImageSource::in_place() const {
  std::vector<InPlaceSection> out;
  if (!mapped_) return out;
  for (const ImageSection& s : sections_) {
    if (s.header.flags & kSectionCompressed) continue;  // decoded at open, so checked
    out.push_back(
        InPlaceSection{s.data, memory_->map.get(), s.header.payload_checksum,
                       describe_section(path_, s.position, section_count_, s.header_offset) + ": " +
                           section_label(s.header.kind)});
  }
  return out;
}

bool FileImageSource::has_section(SectionKind kind) const { return find(kind) != nullptr; }

std::string FileImageSource::describe(SectionKind kind) const {
  const ImageSection* s = find(kind);
  if (!s) return path_;
  return describe_section(path_, s->position, section_count_, s->header_offset);
}

}  // namespace quiver::storage
