// An index image read from one file: the sections' bytes either point into
// a read-only mapping of the file (uncompressed sections, mapped opens) or
// into buffers holding the decompressed payloads (compressed sections). An
// image opened to be loaded reads its uncompressed sections only when asked,
// straight into the index's memory (copy_section), checksum and all.
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
  ByteSpan data;  // decompressed payload, never a null pointer once read
  // Loaded images: the payload is still in the file, its checksum not yet
  // verified (data is empty until section() reads it).
  bool unread = false;
  bool verified = false;  // its checksum has been verified
};

// A mapped section read in place, with what it takes to check it later.
struct InPlaceSection {
  ByteSpan stored;
  const MappedFile* map = nullptr;  // the mapping `stored` points into
  uint64_t checksum = 0;
  std::string where;  // "/data/a.qv (section 2 of 6, at byte 4096): flat vectors"
};

// Not thread-safe while it has unread sections (those of a loaded image,
// which lives only while the index is read from it).
class FileImageSource final : public ImageSource {
 public:
  // `file` (open while sections are unread) and `threads` read the unread
  // sections.
  FileImageSource(std::string path, bool mapped, uint32_t section_count,
                  std::vector<ImageSection> sections, std::shared_ptr<ImageMemory> memory,
                  File file, unsigned threads);

  ByteSpan section(SectionKind kind) const override;
  size_t section_size(SectionKind kind) const override;
  void copy_section(SectionKind kind, const std::vector<MutableSpan>& parts,
                    unsigned threads) const override;
  bool has_section(SectionKind kind) const override;
  bool mapped() const override { return mapped_; }
  std::string describe(SectionKind kind) const override;
  std::shared_ptr<const void> keepalive() const override { return memory_; }

  const std::string& path() const { return path_; }
  // The sections a mapped image is read from in place (empty when loaded).
  std::vector<InPlaceSection> in_place() const;
  // Verifies the checksums of the sections nobody read (a loaded image
  // whose index did not need them): every byte is checked at open.
  void verify_unread(unsigned threads) const;

 private:
  ImageSection* find(SectionKind kind) const;
  ImageSection& require(SectionKind kind) const;
  std::string where(const ImageSection& s) const;
  void check_checksum(ImageSection& s, uint64_t computed) const;

  std::string path_;
  bool mapped_;
  uint32_t section_count_;
  mutable std::vector<ImageSection> sections_;  // unread ones are read on demand
  std::shared_ptr<ImageMemory> memory_;
  File file_;
  unsigned threads_;
};

// "/data/a.qv (section 3 of 6, at byte 8064)": how messages name a section.
std::string describe_section(const std::string& path, uint32_t position, uint32_t count,
                             uint64_t header_offset);

}  // namespace quiver::storage
