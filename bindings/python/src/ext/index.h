// quiver_vec.Index: a qv_index handle shared safely by Python threads.
#pragma once

#include <atomic>
#include <vector>

#include "common.h"
#include "handle_guard.h"

namespace qvpy {

class Index {
 public:
  explicit Index(qv_index* handle);
  ~Index();
  Index(const Index&) = delete;
  Index& operator=(const Index&) = delete;

  qv_index* handle() const { return handle_; }
  uint32_t dim() const { return dim_; }
  // Shared use for one call; ValueError when closed, RuntimeError from a
  // filter of this index calling back into it.
  SharedUse use() const;
  // Exclusive use (close, compact): no other call runs meanwhile.
  ExclusiveUse use_alone() const;
  void close();

  // The attached quiver_vec.Embedder (None when none): kept alive here
  // because the C index calls it, and asked for its Python exception when
  // a text call fails with QV_ERR_EMBEDDING.
  nb::object embedder;
  nb::object embedder_error();

 private:
  qv_index* handle_;
  uint32_t dim_ = 0;
  HandleGuard guard_;
};

// The index whose filter this thread is running (calls back into it refused).
extern thread_local const Index* t_filtering;

// The search parameters of one call, with its filter: None, a Python
// callable key -> bool (called with the GIL), or a collection of allowed keys
// (checked without the GIL).
class SearchParams {
 public:
  SearchParams(const Index& index, nb::handle ef, nb::handle filter, nb::handle threads,
               nb::handle rerank);
  const qv_search_params* get() const { return &params_; }
  // search_hybrid's keyword_weight: None (equal weights) or a number from 0
  // to 1000 (InvalidArgumentError otherwise).
  void set_keyword_weight(nb::handle weight);
  // After the call, with the GIL: raises the filter's exception, if any.
  void raise_if_filter_failed();

 private:
  static int call_python(uint64_t key, void* user);
  static int in_allowed(uint64_t key, void* user);

  const Index& index_;
  qv_search_params params_;
  nb::object fn_;
  KeyArray allowed_array_;
  std::vector<uint64_t> allowed_;
  std::atomic<bool> failed_{false};
  nb::object error_;  // set with the GIL held
};

const char* metric_name(qv_metric metric);
const char* kind_name(qv_index_kind kind);
const char* storage_name(qv_storage storage);

void bind_index_search(nb::class_<Index>& cls);
void bind_index_persistence(nb::class_<Index>& cls);
void bind_index_text(nb::class_<Index>& cls);
void bind_index_documents(nb::class_<Index>& cls);

}  // namespace qvpy
