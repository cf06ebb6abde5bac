#include "storage/segment_reader.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/limits.h"
#include "storage/atomic_file.h"
#include "storage/checksum.h"
#include "storage/mapped_file.h"
#include "storage/posix_file.h"
#include "storage/zstd_codec.h"

namespace quiver::storage {

namespace {

const char* const kDamaged =
    "; the file is damaged: restore it from a backup or save the index again";
const char* const kTruncated =
    "; the file is truncated (an interrupted copy or a full disk?): restore it from a backup or "
    "save the index again";

std::string hex(uint64_t v) {
  char buf[19];
  std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(v));
  return buf;
}

bool all_zero(const uint8_t* p, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (p[i]) return false;
  return true;
}

// Sections a load reads only when the index asks, straight into its memory
// (FileImageSource::copy_section), checksum and all: stored uncompressed,
// other than the tiny index header that decides everything else.
bool read_on_demand(const SectionHeader& h) {
  SectionTraits traits;
  section_traits(h.kind, traits);
  return !(h.flags & kSectionCompressed) && traits.role != SectionRole::Header;
}

// Reads and checks the file; builds the source at the end.
class Reader {
 public:
  Reader(const std::string& path, const OpenOptions& options)
      : path_(path),
        mode_(options.mode),
        threads_(options.threads),
        defer_(options.mode == OpenMode::Map && options.defer_in_place_checks) {}

  std::unique_ptr<FileImageSource> run() {
    File file = File::open_read(path_);
    size_ = file.size();
    if (size_ == 0) corrupt_head("the file is empty, not a Quiver index" + std::string(kTruncated));
    memory_ = std::make_shared<ImageMemory>();
    // Pre-fault the pages when everything is about to be read through the
    // mapping anyway; a load reads the large sections with read() instead
    // (no page to map) and through the mapping only the head, the headers
    // and the small compressed sections.
    memory_->map =
        std::make_unique<MappedFile>(file, size_t(size_), mode_ == OpenMode::Map && !defer_);
    base_ = memory_->map->data();
    read_head();
    read_sections();
    verify_checksums();
    return build(std::move(file));
  }

 private:
  [[noreturn]] void corrupt_head(const std::string& what) {
    fail(Status::Corrupt, path_ + ": file header: " + what);
  }
  std::string where(uint32_t position) const {
    return describe_section(path_, position, head_.section_count,
                            directory_[position].header_offset) +
           ": " + section_label(directory_[position].kind);
  }
  [[noreturn]] void corrupt(uint32_t position, const std::string& what) {
    fail(Status::Corrupt, where(position) + ": " + what);
  }

  void read_head() {
    // A file shorter than the magic that starts like it is a truncated index.
    const size_t magic_bytes = size_t(std::min<uint64_t>(size_, sizeof kFileMagic));
    if (std::memcmp(base_, kFileMagic, magic_bytes) != 0)
      corrupt_head(
          "bad magic: this is not a Quiver index file (or its first bytes are "
          "damaged)");
    // The version comes before the checksum: a newer version may lay out
    // (and checksum) its header differently.
    if (size_ >= kVersionOffset + 4) {
      uint32_t version;
      std::memcpy(&version, base_ + kVersionOffset, 4);
      if (version > kFormatVersion)
        fail(Status::Unsupported,
             path_ + ": file header: format version " + std::to_string(version) +
                 " is newer than this version of Quiver reads (up to " +
                 std::to_string(kFormatVersion) + "); open it with a newer Quiver");
      if (version == 0) corrupt_head("format version 0 does not exist" + std::string(kDamaged));
    }
    if (size_ < kHeadSize)
      corrupt_head("the file holds " + std::to_string(size_) + " bytes, fewer than its " +
                   std::to_string(kHeadSize) + "-byte head" + kTruncated);
    std::memcpy(&head_, base_, sizeof head_);
    uint64_t sum = xxh64(base_, offsetof(FileHeader, head_checksum), base_ + sizeof(FileHeader),
                         kHeadSize - sizeof(FileHeader));
    if (sum != head_.head_checksum)
      corrupt_head("checksum mismatch (stored " + hex(head_.head_checksum) + ", computed " +
                   hex(sum) + ")" + kDamaged);
    if (head_.incompatible_flags & ~kKnownIncompatibleFlags)
      fail(Status::Unsupported, path_ + ": file header: the file uses features (flags " +
                                    hex(head_.incompatible_flags) +
                                    ") this version of Quiver does not know; open it with a "
                                    "newer Quiver");
    if (head_.header_bytes != sizeof(FileHeader) || head_.head_bytes != kHeadSize ||
        head_.page_align != kPageAlign || head_.checksum_block != kChecksumBlock)
      corrupt_head("header geometry is not that of format version 1" + std::string(kDamaged));
    if (head_.section_count == 0 || head_.section_count > kMaxSections)
      corrupt_head("section count " + std::to_string(head_.section_count) + " is out of range" +
                   kDamaged);
    if (head_.dim == 0 || head_.dim > kMaxDim)
      corrupt_head("dimension " + std::to_string(head_.dim) + " is out of range" + kDamaged);
    directory_.resize(head_.section_count);
    std::memcpy(directory_.data(), base_ + sizeof(FileHeader),
                directory_.size() * sizeof(DirectoryEntry));
    if (!all_zero(base_ + sizeof(FileHeader) + directory_.size() * sizeof(DirectoryEntry),
                  (kMaxSections - directory_.size()) * sizeof(DirectoryEntry)))
      corrupt_head("unused directory entries are not zero" + std::string(kDamaged));
    if (size_ < head_.file_size) {
      for (uint32_t i = 0; i < head_.section_count; ++i)
        if (directory_[i].end_offset > size_)
          fail(Status::Corrupt,
               where(i) + ": the section runs to byte " + std::to_string(directory_[i].end_offset) +
                   " but the file ends at byte " + std::to_string(size_) + kTruncated);
      corrupt_head("the file holds " + std::to_string(size_) + " bytes, its header says " +
                   std::to_string(head_.file_size) + kTruncated);
    }
    if (size_ > head_.file_size)
      corrupt_head("the file holds " + std::to_string(size_ - head_.file_size) +
                   " bytes more than its header says (" + std::to_string(head_.file_size) + ")" +
                   kDamaged);
  }

  void read_sections() {
    uint64_t end = kHeadSize;
    for (uint32_t i = 0; i < head_.section_count; ++i) {
      const DirectoryEntry& e = directory_[i];
      if (e.header_offset < end || e.header_offset % kSmallAlign != 0 ||
          e.header_offset > size_ - sizeof(SectionHeader) || e.end_offset > size_ ||
          e.end_offset < e.header_offset + sizeof(SectionHeader))
        corrupt(i, "the directory places the section out of order or outside the file" +
                       std::string(kDamaged));
      if (!all_zero(base_ + end, size_t(e.header_offset - end)))
        corrupt(i, "the gap before the section is not zero" + std::string(kDamaged));
      SectionHeader h;
      std::memcpy(&h, base_ + e.header_offset, sizeof h);
      if (h.magic != kSectionMagic) corrupt(i, "bad section magic" + std::string(kDamaged));
      uint64_t sum = xxh64(&h, offsetof(SectionHeader, header_checksum));
      if (sum != h.header_checksum)
        corrupt(i, "section header checksum mismatch (stored " + hex(h.header_checksum) +
                       ", computed " + hex(sum) + ")" + kDamaged);
      if (h.format_version != head_.format_version || h.kind != e.kind || h.flags != e.flags)
        corrupt(i, "the section header disagrees with the file directory" + std::string(kDamaged));
      if (h.flags & ~kKnownSectionFlags)
        fail(Status::Unsupported, where(i) + ": the section uses features (flags " + hex(h.flags) +
                                      ") this version of Quiver does not know; open the file "
                                      "with a newer Quiver");
      const bool compressed = h.flags & kSectionCompressed;
      if (h.payload_offset != e.header_offset + sizeof(SectionHeader) ||
          h.stored_size != e.end_offset - h.payload_offset ||
          (!compressed && h.payload_offset % kPageAlign != 0))
        corrupt(i, "the payload is not where the format puts it" + std::string(kDamaged));
      SectionTraits traits;
      const bool known = section_traits(h.kind, traits);
      if (!known && !(h.flags & kSectionOptional))
        fail(Status::Unsupported, where(i) +
                                      ": this version of Quiver does not know the section "
                                      "and the file says it is required; open the file "
                                      "with a newer Quiver");
      for (uint32_t j = 0; j < i; ++j)
        if (directory_[j].kind == h.kind)
          corrupt(i, "the section appears twice" + std::string(kDamaged));
      if (known && h.element_type != static_cast<uint32_t>(traits.type))
        corrupt(i, std::string("holds ") + element_type_name(h.element_type) +
                       " elements where the format has " +
                       element_type_name(static_cast<uint32_t>(traits.type)) + kDamaged);
      if (h.dim != head_.dim)
        corrupt(i, "the section is for dimension " + std::to_string(h.dim) +
                       " but the file header says " + std::to_string(head_.dim) +
                       " (the sections disagree)" + kDamaged);
      if (h.element_size != 0 && h.count > UINT64_MAX / h.element_size)
        corrupt(i, "the element count overflows" + std::string(kDamaged));
      if (h.raw_size != h.element_size * h.count || (!compressed && h.stored_size != h.raw_size))
        corrupt(i, "the sizes in the section header disagree (" + std::to_string(h.count) + " x " +
                       std::to_string(h.element_size) + " bytes, " + std::to_string(h.raw_size) +
                       " raw, " + std::to_string(h.stored_size) + " stored)" + kDamaged);
      if (known) {
        ImageSection s;
        s.position = i;
        s.header_offset = e.header_offset;
        s.header = h;
        sections_.push_back(s);
      }
      end = e.end_offset;
    }
    if (end != size_)
      corrupt_head("the file does not end where its last section ends" + std::string(kDamaged));
  }

  void verify_checksums() {
    std::vector<ByteSpan> stored;
    std::vector<const ImageSection*> checked;
    for (const ImageSection& s : sections_) {
      // Deferred: the large sections the index reads in place are left to
      // verify_in_place(); compressed ones are decoded now, so checked now,
      // and the index header is tiny and decides everything else. Loaded:
      // the same sections are checked as they are read.
      if ((defer_ || mode_ == OpenMode::Load) && read_on_demand(s.header)) continue;
      stored.push_back(ByteSpan{base_ + s.header.payload_offset, size_t(s.header.stored_size)});
      checked.push_back(&s);
    }
    std::vector<uint64_t> sums = block_checksums(stored, threads_);
    for (size_t i = 0; i < checked.size(); ++i)
      if (sums[i] != checked[i]->header.payload_checksum)
        corrupt(checked[i]->position,
                checksum_mismatch_message(checked[i]->header.payload_checksum, sums[i]));
  }

  std::unique_ptr<FileImageSource> build(File file) {
    for (ImageSection& s : sections_) {
      const uint8_t* stored = base_ + s.header.payload_offset;
      if (mode_ == OpenMode::Load && read_on_demand(s.header)) {
        s.unread = true;
      } else if (s.header.flags & kSectionCompressed) {
        // The frame first: a damaged raw size is Corrupt, not a huge allocation.
        zstd_check_frame(stored, size_t(s.header.stored_size), size_t(s.header.raw_size),
                         where(s.position));
        ImageMemory::Buffer buffer = ImageMemory::allocate(size_t(s.header.raw_size));
        zstd_decompress_exact(stored, size_t(s.header.stored_size), buffer.get(),
                              size_t(s.header.raw_size), where(s.position));
        s.data = ByteSpan{buffer.get(), size_t(s.header.raw_size)};
        memory_->buffers.push_back(std::move(buffer));
      } else {
        s.data = ByteSpan{stored, size_t(s.header.stored_size)};
      }
    }
    check_index_header();
    // A mapped image keeps no descriptor: the mapping holds the file.
    if (mode_ == OpenMode::Map) file = File();
    return std::make_unique<FileImageSource>(path_, mode_ == OpenMode::Map, head_.section_count,
                                             std::move(sections_), std::move(memory_),
                                             std::move(file), threads_);
  }

  // The file head repeats the index header's kind and dimension; a mismatch
  // means sections from different indexes, or a damaged header.
  void check_index_header() {
    for (const ImageSection& s : sections_) {
      if (s.header.kind != static_cast<uint32_t>(SectionKind::IndexHeader)) continue;
      if (s.data.size != sizeof(IndexHeader)) return;  // the index reports the size
      IndexHeader ih;
      std::memcpy(&ih, s.data.data, sizeof ih);
      if (ih.dim != head_.dim || ih.kind != head_.index_kind)
        corrupt(s.position, "the index header says kind " + std::to_string(ih.kind) +
                                " and dimension " + std::to_string(ih.dim) +
                                ", the file header kind " + std::to_string(head_.index_kind) +
                                " and dimension " + std::to_string(head_.dim) +
                                " (the sections disagree)" + kDamaged);
    }
  }

  const std::string& path_;
  OpenMode mode_;
  unsigned threads_;
  bool defer_;
  uint64_t size_ = 0;
  std::shared_ptr<ImageMemory> memory_;
  const uint8_t* base_ = nullptr;
  FileHeader head_{};
  std::vector<DirectoryEntry> directory_;
  std::vector<ImageSection> sections_;
};

}  // namespace

std::unique_ptr<FileImageSource> open_index_file(const std::string& path,
                                                 const OpenOptions& options) {
  auto source = Reader(path, options).run();
  // A program restarted after a crash may only ever open its index: the
  // temporary of a save it was killed in would stay (as large as the index).
  remove_stale_temporaries(path);
  return source;
}

void verify_in_place(const std::vector<InPlaceSection>& sections, unsigned threads) {
  // A file cut short under the mapping would make the reads below (and the
  // caller's value checks after them) die of SIGBUS: report it instead.
  const MappedFile* checked = nullptr;
  for (const InPlaceSection& s : sections)
    if (s.map && s.map != checked) {
      s.map->check_backed();
      checked = s.map;
    }
  std::vector<ByteSpan> stored;
  for (const InPlaceSection& s : sections) {
    prefault(s.stored.data, s.stored.size);
    stored.push_back(s.stored);
  }
  std::vector<uint64_t> sums = block_checksums(stored, threads);
  for (size_t i = 0; i < sections.size(); ++i)
    if (sums[i] != sections[i].checksum)
      fail(Status::Corrupt,
           sections[i].where + ": " + checksum_mismatch_message(sections[i].checksum, sums[i]));
}

}  // namespace quiver::storage
