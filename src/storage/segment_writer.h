// Writes an index image (index_image.h) as the sections of one file, laid
// out as segment_format.h says. The caller owns the file (normally an
// AtomicFile's temporary) and commits it after finish().
#pragma once

#include <vector>

#include "index/index_image.h"
#include "storage/posix_file.h"
#include "storage/save_options.h"
#include "storage/segment_format.h"

namespace quiver::storage {

class SegmentWriter final : public ImageSink {
 public:
  SegmentWriter(File& file, const SaveOptions& options);

  // The index header must come first (the file head repeats its kind and
  // dimension). Throws Io on a failed write, Internal on a misuse.
  void section(SectionKind kind, uint64_t element_size, uint64_t count,
               const std::vector<ByteSpan>& parts) override;

  // Writes the file head. Nothing is valid before this returns.
  void finish();

 private:
  bool compressed(SectionRole role) const;
  // Checks that the section may come now (remembering the index header's
  // kind and dimension); throws Internal when not.
  void accept(SectionKind kind, uint64_t raw_size, const std::vector<ByteSpan>& parts);
  // Adds the written section to the directory and moves the end past it.
  void record(const SectionHeader& header);

  File& file_;
  SaveOptions options_;
  uint64_t end_ = kHeadSize;  // end of what has been written so far
  uint32_t dim_ = 0;
  uint32_t index_kind_ = 0;
  bool have_index_header_ = false;
  std::vector<DirectoryEntry> directory_;
};

}  // namespace quiver::storage
