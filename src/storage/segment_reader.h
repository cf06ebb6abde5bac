// Opens a saved index file and checks it completely before any index code
// sees a byte of it: head, directory, every section header, every payload
// checksum, the zero gaps, and that all sections agree on the dimension.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "storage/file_image_source.h"

namespace quiver::storage {

enum class OpenMode {
  Load,  // the index will copy the sections; the mapping is dropped afterwards
  Map,   // the index references uncompressed sections in place, read-only
};

struct OpenOptions {
  OpenMode mode = OpenMode::Load;
  // Map only: skip the payload checksums of the sections the index will
  // read in place (listed by FileImageSource::in_place()), so opening costs
  // no pass over the vectors. Everything else is still checked. The caller
  // defers the index's value checks of those sections too (import_index)
  // and runs both later (verify_in_place, VectorIndex::validate_image).
  bool defer_in_place_checks = false;
  unsigned threads = 0;  // for checksums; 0 = all cores
};

// Throws Error: NotFound (no such file), Io (unreadable, not a regular
// file), Corrupt (truncated, bad magic, checksum mismatch, inconsistent
// sections), Unsupported (a newer format version or feature). Messages name
// the file and the section. Once the file is open, removes the temporaries
// that saves to `path` killed midway left behind (atomic_file.h).
std::unique_ptr<FileImageSource> open_index_file(const std::string& path,
                                                 const OpenOptions& options);

// Verifies the checksums of sections read in place (see InPlaceSection).
// Throws Error(Corrupt) naming the file and the first bad section, or the
// file when it changed size since it was mapped (MappedFile::check_backed:
// checked first, so that a truncated file is reported, not a SIGBUS).
void verify_in_place(const std::vector<InPlaceSection>& sections, unsigned threads);

}  // namespace quiver::storage
