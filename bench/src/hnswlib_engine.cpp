// hnswlib (header-only, Debian libhnswlib-dev). This file alone includes
// hnswlib (its headers define non-inline functions) and is compiled with
// -O3 -march=native, like hnswlib's Python package, so that hnswlib's
// compile-time SIMD selection gets the widest instructions of this CPU.
#include <hnswlib/hnswlib.h>

#include <memory>
#include <queue>
#include <vector>

#include "engine.h"
#include "thread_pool.h"

#ifndef QVB_HNSWLIB_VERSION
#define QVB_HNSWLIB_VERSION "?"
#endif

namespace qvb {

namespace {

const char* hnswlib_simd() {
#if defined(USE_AVX512)
  return "AVX-512";
#elif defined(USE_AVX)
  return "AVX";
#elif defined(USE_SSE)
  return "SSE";
#else
  return "scalar";
#endif
}

class HnswlibEngine final : public Engine {
 public:
  explicit HnswlibEngine(const EngineConfig& cfg) : cfg_(cfg), space_(cfg.dim) {}

  std::string name() const override { return "hnswlib"; }
  std::string version() const override {
    return std::string("hnswlib ") + QVB_HNSWLIB_VERSION + " (-O3 -march=native, " +
           hnswlib_simd() + " distance)";
  }

  void build(size_t n, const float* data, unsigned threads) override {
    index_ = std::make_unique<hnswlib::HierarchicalNSW<float>>(
        &space_, n, cfg_.M, cfg_.ef_construction, static_cast<size_t>(cfg_.seed));
    auto add = [&](size_t b, size_t e) {
      for (size_t i = b; i < e; ++i)
        index_->addPoint(data + i * cfg_.dim, static_cast<hnswlib::labeltype>(i));
    };
    if (threads <= 1) {
      add(0, n);
    } else {
      // As hnswlib's Python addItems does: all threads insert concurrently.
      ThreadPool pool(threads);
      pool.run(n, 1, add);
    }
  }

  void search(const float* query, size_t k, size_t ef, int64_t* ids_out) override {
    index_->setEf(ef);
    write(index_->searchKnn(query, k), k, ids_out);
  }

  void search_batch(size_t nq, const float* queries, size_t k, size_t ef, unsigned threads,
                    int64_t* ids_out) override {
    index_->setEf(ef);
    if (!pool_ || pool_->size() != threads) pool_ = std::make_unique<ThreadPool>(threads);
    pool_->run(nq, 1, [&](size_t b, size_t e) {
      for (size_t i = b; i < e; ++i)
        write(index_->searchKnn(queries + i * cfg_.dim, k), k, ids_out + i * k);
    });
  }

  // Level-0 block (vectors, links, labels) + upper-layer link lists + per-node
  // levels and locks. Leaves out the label hash map and visited lists.
  size_t self_reported_bytes() const override {
    if (!index_) return 0;
    const auto& h = *index_;
    size_t bytes = h.max_elements_ * h.size_data_per_element_;
    for (size_t i = 0; i < h.cur_element_count; ++i)
      bytes += static_cast<size_t>(h.element_levels_[i]) * h.size_links_per_element_;
    bytes += h.element_levels_.size() * sizeof(int);
    bytes += h.link_list_locks_.size() * sizeof(std::mutex);
    return bytes;
  }

 private:
  static void write(std::priority_queue<std::pair<float, hnswlib::labeltype>> top, size_t k,
                    int64_t* out) {
    for (size_t j = top.size(); j < k; ++j) out[j] = -1;
    for (size_t j = top.size(); j-- > 0;) {
      out[j] = static_cast<int64_t>(top.top().second);
      top.pop();
    }
  }

  EngineConfig cfg_;
  hnswlib::L2Space space_;
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> index_;
  std::unique_ptr<ThreadPool> pool_;
};

}  // namespace

std::unique_ptr<Engine> make_hnswlib_hnsw(const EngineConfig& cfg) {
  return std::make_unique<HnswlibEngine>(cfg);
}

}  // namespace qvb
