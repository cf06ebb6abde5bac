// What a save may trade: compression of the large sections against the
// ability to map them in place.
#pragma once

namespace quiver::storage {

struct SaveOptions {
  bool compress_vectors = false;  // flat rows and norms, HNSW records
  bool compress_graph = false;    // HNSW records, node table and upper links
  int zstd_level = 0;             // 0 = zstd's default (3)
  unsigned threads = 0;           // for compression; 0 = all cores
};

}  // namespace quiver::storage
