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
};

class Engine {
 public:
  virtual ~Engine() = default;

  // "quiver", "hnswlib", "faiss".
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

  // The index's own idea of its size in bytes; 0 if it has none.
  virtual size_t self_reported_bytes() const { return 0; }
};

// nullptr when the bench was built without Quiver (no `quiver` target).
std::unique_ptr<Engine> make_quiver_hnsw(const EngineConfig& cfg);
std::unique_ptr<Engine> make_quiver_flat(const EngineConfig& cfg);
bool quiver_available();

std::unique_ptr<Engine> make_hnswlib_hnsw(const EngineConfig& cfg);

std::unique_ptr<Engine> make_faiss_hnsw(const EngineConfig& cfg);  // IndexHNSWFlat
std::unique_ptr<Engine> make_faiss_flat(const EngineConfig& cfg);  // IndexFlatL2

}  // namespace qvb
