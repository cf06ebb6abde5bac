// The model fuzz_capi checks the C API against: what each index slot holds
// (live keys and their vectors, metadata, whether it is read-only, which
// embedder is attached), and the checks that compare an answer with it.
// Shared by the vector operations (fuzz_capi.cpp) and the text operations
// (capi_text_ops.cpp).
#pragma once

#include <quiver/quiver.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace qvfuzz::capi {

// What one program may build: keeps each input fast.
constexpr size_t kMaxFloatsPerIndex = size_t(1) << 17;
constexpr size_t kMaxLive = 300;

struct Entry {
  std::vector<float> vector;  // as added
  bool approx = false;        // came back through .npy or get (rounded under cosine)
};

// A document's entry in the document table (quiver.h, "Documents"): the
// chunk numbers of its current version, [first, first + count) mod 65536.
struct DocModel {
  uint32_t first = 0, count = 0;
  std::string source, fields;
  bool holds(uint64_t chunk_key) const {
    return ((uint32_t(chunk_key & 0xFFFF) - first) & 0xFFFF) < count;
  }
};

struct Model {
  uint32_t dim = 0;
  int metric = 0;
  int kind = 0;
  bool read_only = false;
  bool wild = false;  // some stored value is huge: float distances far from the model's
  int storage = QV_STORAGE_F32;
  bool keeps_originals = false;  // I8 / B1 with float32 originals
  // F16, or I8 / B1 without originals: distances and get() are the codes'
  // approximations, not the model's floats.
  bool codes_estimate = false;
  std::map<uint64_t, Entry> live;
  std::map<uint64_t, std::string> meta;
  uint32_t embedder_dim = 0;          // of the attached hashing embedder; 0 = none (not saved)
  std::map<uint64_t, DocModel> docs;  // the document table, by document key (saved)
};

struct Slot {
  qv_index* index = nullptr;
  Model m;
};

// QVF_TRACE=1 prints every call and its status (for reading a crash input).
extern const bool tracing;
void trace(const char* what, uint64_t a, uint64_t b, qv_status s);

bool finite(const float* v, size_t n);
bool tame(const float* v, size_t n);
// Euclidean length in double, summed exactly as the library sums it
// (vector_length in src/index/vector_checks.cpp), so the model agrees with
// it at the very edge of a limit.
double length(const float* v, size_t n);
// What the library accepts under cosine as a query: a non-zero vector.
bool cosine_ok(const float* v, size_t n);
// What the library accepts: finite; under L2 and IP at most 2^62 long;
// under cosine non-zero and, stored (not a query), at most FLT_MAX long.
bool acceptable_vector(const Model& m, const float* v, bool query = false);
double model_distance(const Model& m, const float* a, const float* b);
double tolerance(const Model& m, const float* a, const float* b);

void check_failure_message(qv_status s);
// qv_index_count agrees with the model.
void check_count(const Slot& slot);
// Room for n more vectors within the limits above.
bool room(const Slot& slot, size_t n);

// A key filter over the low six bits of a key.
struct FilterState {
  uint64_t mask;
};
int mask_filter(uint64_t key, void* user);
bool passes(const qv_search_params* p, uint64_t key);

// Checks one result row of a search for `query` against the model: live,
// unique, filtered keys, sorted distances that match the model, and for
// FLAT exactly the nearest.
void check_results(const Slot& slot, const float* query, size_t k, const qv_search_params* p,
                   const uint64_t* keys, const float* dist, size_t found);

}  // namespace qvfuzz::capi
