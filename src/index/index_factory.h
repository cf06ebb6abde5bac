// Rebuilds an index from its image (see index_image.h).
#pragma once

#include <memory>

#include "index/index_image.h"
#include "index/vector_index.h"

namespace quiver {

// Reads the header and the sections of the index kind it names, checking
// every size and bound so that no later search can read out of range.
// A mapped source yields a read-only index that references the image in
// place; otherwise the data are copied. Throws Error(Corrupt) naming the
// section at fault, Error(Unsupported) for an unknown kind or metric.
std::unique_ptr<VectorIndex> import_index(const ImageSource& source);

// Reads and checks just the header.
IndexHeader read_index_header(const ImageSource& source);

}  // namespace quiver
