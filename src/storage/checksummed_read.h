// Reads a section's payload from the file straight into the memory that
// will hold it, hashing each checksum block as it arrives (while it is
// still in the core's cache), on several threads: one pass over the bytes,
// where mapping the file, copying from the mapping and a checksum pass over
// the mapping made three.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "index/index_image.h"
#include "storage/posix_file.h"

namespace quiver::storage {

// Reads the bytes [offset, offset + total) of `file` into `parts` (laid end
// to end; `total` is what they add up to) on `threads` threads (0 = all
// cores) and returns their block checksum (checksum.h). Throws Error(Io)
// when a read fails, Error(Corrupt) with `where` in the message when the
// file ends early (it was cut short after it was opened).
uint64_t read_checksummed(const File& file, uint64_t offset, const std::vector<MutableSpan>& parts,
                          unsigned threads, const std::string& where);

}  // namespace quiver::storage
