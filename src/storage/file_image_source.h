// An index image read from one file: the sections' bytes either point into
// a read-only mapping of the file (uncompressed sections) or into buffers
// holding the decompressed payloads (compressed sections).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "index/index_image.h"
#include "storage/mapped_file.h"
#include "storage/segment_format.h"

namespace quiver::storage {

// What the spans of a FileImageSource point into; indexes that read the
// image in place hold it through keepalive().
struct ImageMemory {
  struct FreeAligned {
    void operator()(uint8_t* p) const;
  };
  using Buffer = std::unique_ptr<uint8_t, FreeAligned>;
  static Buffer allocate(size_t size);  // 64-byte aligned; throws bad_alloc

  std::unique_ptr<MappedFile> map;
  std::vector<Buffer> buffers;
};

struct ImageSection {
  uint32_t position = 0;  // 0-based place in the directory
  uint64_t header_offset = 0;
  SectionHeader header{};
  ByteSpan data;  // decompressed payload, never a null pointer
};

// A mapped section read in place, with what it takes to check it later.
struct InPlaceSection {
  ByteSpan stored;
  const MappedFile* map = nullptr;  // the mapping `stored` points into
  uint64_t checksum = 0;
  std::string where;  // "/data/a.qv (section 2 of 6, at byte 4096): flat vectors"
};

class FileImageSource final : public ImageSource {
 public:
  FileImageSource(std::string path, bool mapped, uint32_t section_count,
                  std::vector<ImageSection> sections, std::shared_ptr<ImageMemory> memory);

  ByteSpan section(SectionKind kind) const override;
  bool has_section(SectionKind kind) const override;
  bool mapped() const override { return mapped_; }
  std::string describe(SectionKind kind) const override;
  std::shared_ptr<const void> keepalive() const override { return memory_; }

  const std::string& path() const { return path_; }
  // The sections a mapped image is read from in place (empty when loaded).
  std::vector<InPlaceSection> in_place() const;

 private:
  const ImageSection* find(SectionKind kind) const;

  std::string path_;
  bool mapped_;
  uint32_t section_count_;
  std::vector<ImageSection> sections_;
  std::shared_ptr<ImageMemory> memory_;
};

// "/data/a.qv (section 3 of 6, at byte 8064)": how messages name a section.
std::string describe_section(const std::string& path, uint32_t position, uint32_t count,
                             uint64_t header_offset);

}  // namespace quiver::storage
