// FAISS (Debian libfaiss-dev, static): IndexHNSWFlat, IndexHNSWSQ (8-bit
// scalar quantizer, trained on the base vectors) and IndexFlatL2.
// Thread counts are set per call: OpenMP for FAISS' own loops, OpenBLAS for
// the GEMM that IndexFlatL2 uses on batches of 20 queries or more.
#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <faiss/IndexScalarQuantizer.h>
#include <faiss/utils/utils.h>
#include <omp.h>

#include <memory>
#include <vector>

#include "engine.h"

extern "C" void openblas_set_num_threads(int num_threads);  // libopenblas

namespace qvb {

namespace {

void use_threads(unsigned threads) {
  omp_set_num_threads(static_cast<int>(threads));
  openblas_set_num_threads(static_cast<int>(threads));
}

std::string faiss_version() {
  return "FAISS " + std::to_string(FAISS_VERSION_MAJOR) + "." +
         std::to_string(FAISS_VERSION_MINOR) + "." + std::to_string(FAISS_VERSION_PATCH) +
         " (Debian static lib, compile options: " + faiss::get_compile_options() + ")";
}

enum class FaissKind { Flat, HnswFlat, HnswSq8 };

class FaissEngine final : public Engine {
 public:
  FaissEngine(const EngineConfig& cfg, FaissKind kind)
      : cfg_(cfg), kind_(kind), flat_(kind == FaissKind::Flat) {}

  std::string name() const override { return kind_ == FaissKind::HnswSq8 ? "faiss-sq8" : "faiss"; }
  std::string version() const override {
    switch (kind_) {
      case FaissKind::Flat:
        return faiss_version() + " IndexFlatL2";
      case FaissKind::HnswFlat:
        return faiss_version() + " IndexHNSWFlat";
      case FaissKind::HnswSq8:
        return faiss_version() +
               " IndexHNSWSQ (QT_8bit, per-dimension ranges trained on the base vectors, "
               "training timed as part of the build; no re-ranking)";
    }
    return faiss_version();
  }

  void build(size_t n, const float* data, unsigned threads) override {
    use_threads(threads);
    const auto count = static_cast<faiss::Index::idx_t>(n);
    if (flat_) {
      index_ = std::make_unique<faiss::IndexFlatL2>(static_cast<int>(cfg_.dim));
    } else if (kind_ == FaissKind::HnswSq8) {
      auto hnsw = std::make_unique<faiss::IndexHNSWSQ>(
          static_cast<int>(cfg_.dim), faiss::ScalarQuantizer::QT_8bit, static_cast<int>(cfg_.M));
      hnsw->hnsw.efConstruction = static_cast<int>(cfg_.ef_construction);
      hnsw->train(count, data);  // learns each dimension's range
      index_ = std::move(hnsw);
    } else {
      auto hnsw = std::make_unique<faiss::IndexHNSWFlat>(static_cast<int>(cfg_.dim),
                                                         static_cast<int>(cfg_.M));
      hnsw->hnsw.efConstruction = static_cast<int>(cfg_.ef_construction);
      index_ = std::move(hnsw);
    }
    index_->add(count, data);
  }

  void search(const float* query, size_t k, size_t ef, int64_t* ids_out) override {
    use_threads(1);
    run(1, query, k, ef, ids_out);
  }

  void search_batch(size_t nq, const float* queries, size_t k, size_t ef, unsigned threads,
                    int64_t* ids_out) override {
    use_threads(threads);
    run(nq, queries, k, ef, ids_out);
  }

  // Stored vectors (codes), plus for HNSW the neighbour table, offsets and
  // levels.
  size_t self_reported_bytes() const override {
    if (!index_) return 0;
    if (flat_) return static_cast<const faiss::IndexFlat&>(*index_).codes.size();
    const auto& h = static_cast<const faiss::IndexHNSW&>(*index_);
    size_t bytes = static_cast<const faiss::IndexFlatCodes*>(h.storage)->codes.size();
    bytes += h.hnsw.neighbors.size() * sizeof(faiss::HNSW::storage_idx_t);
    bytes += h.hnsw.offsets.size() * sizeof(size_t);
    bytes += h.hnsw.levels.size() * sizeof(int);
    return bytes;
  }

 private:
  void run(size_t nq, const float* queries, size_t k, size_t ef, int64_t* ids_out) {
    if (distances_.size() < nq * k) distances_.resize(nq * k);
    // FAISS 1.7.3 does not honour SearchParametersHNSW::efSearch on every
    // path (the sweep came out flat at the default 16), so the index field is
    // set too. Safe here: the harness never searches one index concurrently
    // with different ef.
    faiss::SearchParametersHNSW params;
    params.efSearch = static_cast<int>(ef);
    if (!flat_) static_cast<faiss::IndexHNSW&>(*index_).hnsw.efSearch = static_cast<int>(ef);
    index_->search(static_cast<faiss::Index::idx_t>(nq), queries,
                   static_cast<faiss::Index::idx_t>(k), distances_.data(),
                   reinterpret_cast<faiss::Index::idx_t*>(ids_out), flat_ ? nullptr : &params);
  }

  EngineConfig cfg_;
  FaissKind kind_;
  bool flat_;
  std::unique_ptr<faiss::Index> index_;
  std::vector<float> distances_;
};

}  // namespace

std::unique_ptr<Engine> make_faiss_hnsw(const EngineConfig& cfg) {
  return std::make_unique<FaissEngine>(cfg, FaissKind::HnswFlat);
}
std::unique_ptr<Engine> make_faiss_hnsw_sq8(const EngineConfig& cfg) {
  return std::make_unique<FaissEngine>(cfg, FaissKind::HnswSq8);
}
std::unique_ptr<Engine> make_faiss_flat(const EngineConfig& cfg) {
  return std::make_unique<FaissEngine>(cfg, FaissKind::Flat);
}

}  // namespace qvb
