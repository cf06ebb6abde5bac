// Quiver through its public C API only (include/quiver/quiver.h).
#include <unistd.h>

#include <filesystem>
#include <stdexcept>
#include <system_error>
#include <vector>

#include "engine.h"

#if defined(QVB_HAVE_QUIVER)
#include <quiver/quiver.h>
#endif

namespace qvb {

// "f32", "i8+bfs": a storage type, and "+bfs" for an index renumbered by
// qv_index_compact after the build.
std::string quiver_engine_name(const std::string& storage) {
  const bool bfs = storage.ends_with("+bfs");
  const std::string type = bfs ? storage.substr(0, storage.size() - 4) : storage;
  return (type == "f32" ? std::string("quiver") : "quiver-" + type) + (bfs ? "-bfs" : "");
}

#if defined(QVB_HAVE_QUIVER)

namespace {

qv_storage to_qv_storage(const std::string& storage) {
  if (storage.starts_with("f16")) return QV_STORAGE_F16;
  if (storage.starts_with("i8")) return QV_STORAGE_I8;
  if (storage.starts_with("b1")) return QV_STORAGE_B1;
  return QV_STORAGE_F32;
}

bool is_lossy(qv_storage s) { return s == QV_STORAGE_I8 || s == QV_STORAGE_B1; }

void check(qv_status s, const char* what) {
  if (s != QV_OK)
    throw std::runtime_error(std::string("quiver: ") + what + ": " + qv_status_string(s) + ": " +
                             qv_last_error());
}

class QuiverEngine final : public Engine {
 public:
  QuiverEngine(const EngineConfig& cfg, qv_index_kind kind, const std::string& storage)
      : cfg_(cfg), kind_(kind), storage_name_(storage), storage_(to_qv_storage(storage)) {}
  ~QuiverEngine() override { qv_index_free(index_); }

  std::string name() const override { return quiver_engine_name(storage_name_); }
  std::string version() const override {
    std::string v = std::string("Quiver ") + qv_version() +
                    (kind_ == QV_INDEX_FLAT ? " (QV_INDEX_FLAT" : " (QV_INDEX_HNSW");
    if (kind_ == QV_INDEX_HNSW) v += ", storage " + storage_name_;
    if (metric() == QV_METRIC_COSINE) v += ", cosine";
    if (reorder()) v += ", renumbered by qv_index_compact";
    if (is_lossy(storage_))
      v += ", float32 originals kept, rerank " +
           (cfg_.rerank ? std::to_string(cfg_.rerank) : std::string("= ef"));
    return v + ")";
  }

  // b1 needs cosine; on rows of length 1 it ranks as L2 does.
  qv_metric metric() const {
    return storage_ == QV_STORAGE_B1 && cfg_.unit_rows ? QV_METRIC_COSINE : QV_METRIC_L2;
  }

  void build(size_t n, const float* data, unsigned threads) override {
    qv_index_options opts;
    qv_index_options_init(&opts);
    opts.dim = static_cast<uint32_t>(cfg_.dim);
    opts.metric = metric();
    opts.kind = kind_;
    opts.hnsw_m = static_cast<uint32_t>(cfg_.M);
    opts.hnsw_ef_construction = static_cast<uint32_t>(cfg_.ef_construction);
    opts.seed = cfg_.seed;
    opts.threads = threads;
    opts.storage = storage_;
    check(qv_index_create(&opts, &index_), "qv_index_create");
    std::vector<uint64_t> keys(n);
    for (size_t i = 0; i < n; ++i) keys[i] = i;
    check(qv_index_add_batch(index_, n, keys.data(), data), "qv_index_add_batch");
    if (reorder()) check(qv_index_compact(index_), "qv_index_compact");
  }

  void search(const float* query, size_t k, size_t ef, int64_t* ids_out) override {
    qv_search_params params;
    qv_search_params_init(&params);
    params.ef = static_cast<uint32_t>(ef);
    params.rerank = cfg_.rerank;
    if (keys_.size() < k) keys_.resize(k);
    size_t found = 0;
    check(qv_index_search(index_, query, k, &params, keys_.data(), nullptr, &found),
          "qv_index_search");
    for (size_t j = 0; j < k; ++j) ids_out[j] = j < found ? static_cast<int64_t>(keys_[j]) : -1;
  }

  void search_batch(size_t nq, const float* queries, size_t k, size_t ef, unsigned threads,
                    int64_t* ids_out) override {
    qv_search_params params;
    qv_search_params_init(&params);
    params.ef = static_cast<uint32_t>(ef);
    params.threads = threads;
    params.rerank = cfg_.rerank;
    if (keys_.size() < nq * k) keys_.resize(nq * k);
    if (found_.size() < nq) found_.resize(nq);
    check(qv_index_search_batch(index_, nq, queries, k, &params, keys_.data(), nullptr,
                                found_.data()),
          "qv_index_search_batch");
    for (size_t i = 0; i < nq; ++i)
      for (size_t j = 0; j < k; ++j)
        ids_out[i * k + j] = j < found_[i] ? static_cast<int64_t>(keys_[i * k + j]) : -1;
  }

  size_t self_reported_bytes() const override {
    size_t bytes = 0;
    if (!index_ || qv_index_memory_bytes(index_, &bytes) != QV_OK) return 0;
    return bytes;
  }

  size_t originals_bytes() const override {
    if (!index_ || !is_lossy(storage_)) return 0;
    qv_index_info info;
    qv_index_info_init(&info);
    if (qv_index_get_info(index_, &info) != QV_OK || !info.keeps_originals) return 0;
    return static_cast<size_t>(info.count) * info.dim * sizeof(float);
  }

  size_t file_bytes() const override {
    if (!index_) return 0;
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::path path =
        fs::temp_directory_path(ec) /
        ("quiver_bench_" + std::to_string(getpid()) + "_" + storage_name_ + ".qv");
    if (ec) return 0;
    size_t bytes = 0;
    if (qv_index_save(index_, path.c_str()) == QV_OK) {
      auto size = fs::file_size(path, ec);
      if (!ec) bytes = static_cast<size_t>(size);
    }
    fs::remove(path, ec);
    return bytes;
  }

 private:
  EngineConfig cfg_;
  qv_index_kind kind_;
  bool reorder() const { return storage_name_.ends_with("+bfs"); }
  std::string storage_name_;
  qv_storage storage_;
  qv_index* index_ = nullptr;
  std::vector<uint64_t> keys_;
  std::vector<size_t> found_;
};

}  // namespace

bool quiver_available() { return true; }
std::unique_ptr<Engine> make_quiver_hnsw(const EngineConfig& cfg, const std::string& storage) {
  return std::make_unique<QuiverEngine>(cfg, QV_INDEX_HNSW, storage);
}
std::unique_ptr<Engine> make_quiver_flat(const EngineConfig& cfg) {
  return std::make_unique<QuiverEngine>(cfg, QV_INDEX_FLAT, "f32");
}

#else  // built without the library

bool quiver_available() { return false; }
std::unique_ptr<Engine> make_quiver_hnsw(const EngineConfig&, const std::string&) {
  return nullptr;
}
std::unique_ptr<Engine> make_quiver_flat(const EngineConfig&) { return nullptr; }

#endif

}  // namespace qvb
