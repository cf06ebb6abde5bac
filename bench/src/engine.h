// The one interface every library is measured through. An adapter owns one
// index; build() may be called once. Ids are base row numbers (0..n-1), -1
// for "no result".
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace qvb {

struct EngineConfig {
  size_t dim = 0;
  size_t M = 16;                 // HNSW links per node (2*M on layer 0)
  size_t ef_construction = 200;  // HNSW build candidate list
  uint64_t seed = 42;
  size_t rerank = 0;       // Quiver I8/B1: candidates re-ranked on the originals (0 = ef)
  bool unit_rows = false;  // the data set's rows have length 1 (Dataset::unit_rows)
};

class Engine {
 public:
  virtual ~Engine() = default;

  // "quiver", "quiver-f16", ..., "hnswlib", "faiss", "faiss-sq8".
  virtual std::string name() const = 0;
  // Library version and build details worth printing next to the figures.
  virtual std::string version() const = 0;

  // Inserts the n x dim row-major vectors under ids 0..n-1 using `threads`
  // threads (the library's own parallel build where it has one).
  virtual void build(size_t n, const float* data, unsigned threads) = 0;

  // One query on the calling thread; writes k ids to ids_out. `ef` is the
  // search candidate list (ignored by flat indexes).
  virtual void search(const float* query, size_t k, size_t ef, int64_t* ids_out) = 0;

  // nq queries on `threads` threads, the library's own way (Quiver's batch
  // call, FAISS' OpenMP search, a thread pool for hnswlib); ids_out is nq x k.
  virtual void search_batch(size_t nq, const float* queries, size_t k, size_t ef, unsigned threads,
                            int64_t* ids_out) = 0;

  // The index's own idea of its size in bytes; 0 if it has none. Quiver:
  // qv_index_memory_bytes (heap bytes, originals included when kept).
  virtual size_t self_reported_bytes() const { return 0; }

  // Of self_reported_bytes, the float32 originals a lossy index keeps on the
  // heap only for re-ranking (after a QV_OPEN_MMAP open they are mapped file
  // pages instead); 0 when it keeps none.
  virtual size_t originals_bytes() const { return 0; }

  // Size of the index saved as a file (written to a temporary file, then
  // removed); 0 when the adapter does not save.
  virtual size_t file_bytes() const { return 0; }
};

// The engine name of a Quiver storage type (--storage f32, f16, i8, b1):
// "quiver" for f32, else "quiver-<storage>".
std::string quiver_engine_name(const std::string& storage);

// nullptr when the bench was built without Quiver (no `quiver` target).
// `storage`: f32 (default), f16, i8 or b1 (qv_index_options.storage).
std::unique_ptr<Engine> make_quiver_hnsw(const EngineConfig& cfg,
                                         const std::string& storage = "f32");
std::unique_ptr<Engine> make_quiver_flat(const EngineConfig& cfg);
bool quiver_available();

std::unique_ptr<Engine> make_hnswlib_hnsw(const EngineConfig& cfg);

std::unique_ptr<Engine> make_faiss_hnsw(const EngineConfig& cfg);      // IndexHNSWFlat
std::unique_ptr<Engine> make_faiss_hnsw_sq8(const EngineConfig& cfg);  // IndexHNSWSQ, QT_8bit
std::unique_ptr<Engine> make_faiss_flat(const EngineConfig& cfg);      // IndexFlatL2

}  // namespace qvb
