#include "storage/file_image_source.h"

#include <new>

#include "core/error.h"

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
                                 std::shared_ptr<ImageMemory> memory)
    : path_(std::move(path)),
      mapped_(mapped),
      section_count_(section_count),
      sections_(std::move(sections)),
      memory_(std::move(memory)) {}

const ImageSection* FileImageSource::find(SectionKind kind) const {
  for (const ImageSection& s : sections_)
    if (s.header.kind == static_cast<uint32_t>(kind)) return &s;
  return nullptr;
}

ByteSpan FileImageSource::section(SectionKind kind) const {
  const ImageSection* s = find(kind);
  if (!s)
    fail(Status::Corrupt, path_ + ": " + section_name(kind) +
                              ": the section is missing; the file is incomplete or was not "
                              "written for this kind of index");
  return s->data;
}

std::vector<InPlaceSection> FileImageSource::in_place() const {
  std::vector<InPlaceSection> out;
  if (!mapped_) return out;
  for (const ImageSection& s : sections_) {
    if (s.header.flags & kSectionCompressed) continue;
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
