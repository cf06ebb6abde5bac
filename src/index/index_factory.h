// Rebuilds an index from its image (see index_image.h).
#pragma once

#include <memory>

#include "index/hnsw_index.h"
#include "index/index_image.h"
#include "index/index_kind.h"
#include "index/vector_index.h"

namespace quiver {

// Reads the header and the sections of the index kind it names, checking
// every size and bound so that no later search can read out of range, then
// every value (VectorIndex::validate_image). A mapped source yields a
// read-only index that references the image in place; otherwise the data
// are copied. `defer_value_checks` (mapped sources only; a loaded image is
// always checked) skips validate_image, the one pass over the vectors, for
// the caller to run later; `threads` run it (0 = all cores). Throws
// Error(Corrupt) naming the section at fault, Error(Unsupported) for an
// unknown kind or metric.
std::unique_ptr<VectorIndex> import_index(const ImageSource& source,
                                          bool defer_value_checks = false, unsigned threads = 0);

// A new, empty index of `kind`; `hnsw` applies to IndexKind::Hnsw only.
// The arguments are already checked (the C API validates them; B1 storage
// is not for L2).
std::unique_ptr<VectorIndex> create_index(IndexKind kind, uint32_t dim, Metric metric,
                                          const StorageOptions& storage, const HnswParams& hnsw);

// Reads and checks just the header.
IndexHeader read_index_header(const ImageSource& source);

}  // namespace quiver
