// Index.search: one query or a batch, with an optional filter.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "embedder.h"
#include "index.h"

namespace qvpy {

SearchParams::SearchParams(const Index& index, nb::handle ef, nb::handle filter, nb::handle threads,
                           nb::handle rerank)
    : index_(index) {
  qv_search_params_init(&params_);
  params_.rerank = as_u32(rerank, "rerank", 0);
  params_.ef = as_u32(ef, "ef", 0);
  params_.threads = as_u32(threads, "threads", 0);
  if (filter.is_none()) return;
  params_.filter_user = this;
  if (PyCallable_Check(filter.ptr())) {
    fn_ = nb::borrow(filter);
    params_.filter = &SearchParams::call_python;
    return;
  }
  // A collection of allowed keys: sorted once, looked up without the GIL.
  nb::object keys = nb::borrow(filter);
  if (PyAnySet_Check(filter.ptr()) || PyDict_Check(filter.ptr()))
    keys = nb::steal(PySequence_List(filter.ptr()));
  if (!keys.is_valid()) throw nb::python_error();
  Keys allowed = as_keys(keys, "filter keys");
  allowed_.assign(allowed.data, allowed.data + allowed.n);
  std::sort(allowed_.begin(), allowed_.end());
  params_.filter = &SearchParams::in_allowed;
}

void SearchParams::set_keyword_weight(nb::handle weight) {
  if (weight.is_none()) return;
  const double w = PyFloat_AsDouble(weight.ptr());
  if (w == -1.0 && PyErr_Occurred()) throw nb::python_error();  // TypeError: not a number
  // The library checks the range (InvalidArgumentError naming keyword_weight);
  // a double beyond float's range goes on as an infinity, which it refuses.
  constexpr float kInf = std::numeric_limits<float>::infinity();
  params_.keyword_weight = std::fabs(w) > std::numeric_limits<float>::max() ? (w > 0 ? kInf : -kInf)
                                                                            : static_cast<float>(w);
}

int SearchParams::in_allowed(uint64_t key, void* user) {
  const auto* self = static_cast<const SearchParams*>(user);
  return std::binary_search(self->allowed_.begin(), self->allowed_.end(), key) ? 1 : 0;
}

int SearchParams::call_python(uint64_t key, void* user) {
  auto* self = static_cast<SearchParams*>(user);
  if (self->failed_.load(std::memory_order_relaxed)) return 0;
  nb::gil_scoped_acquire gil;
  if (self->failed_.load(std::memory_order_relaxed)) return 0;
  const Index* outer = t_filtering;
  t_filtering = &self->index_;
  ++t_callback_depth;
  int keep = 0;
  try {
    nb::object result = self->fn_(key);
    const int truth = PyObject_IsTrue(result.ptr());
    if (truth < 0) throw nb::python_error();
    keep = truth;
  } catch (nb::python_error& error) {
    self->error_ = take_exception(error);
    self->failed_.store(true, std::memory_order_relaxed);
  } catch (const std::exception& error) {
    PyErr_SetString(PyExc_RuntimeError, error.what());
    nb::python_error wrapped;
    self->error_ = take_exception(wrapped);
    self->failed_.store(true, std::memory_order_relaxed);
  }
  --t_callback_depth;
  t_filtering = outer;
  return keep;
}

void SearchParams::raise_if_filter_failed() {
  if (failed_.load()) reraise(error_);
}

namespace {

nb::tuple search(const Index& self, nb::handle queries, nb::handle k_obj, nb::handle ef,
                 nb::handle filter, nb::handle threads, nb::handle rerank) {
  Rows rows = as_rows(queries, self.dim(), "queries");
  const size_t k = as_u32(k_obj, "k", 0);
  if (k == 0) throw nb::value_error("k must be at least 1");
  SearchParams params(self, ef, filter, threads, rerank);
  SharedUse use = self.use();
  const size_t total = checked_product(rows.n, k, "the results");
  Output<uint64_t> keys(total);
  Output<float> distances(total);
  qv_status status;
  if (rows.one_d) {
    size_t found = 0;
    {
      nb::gil_scoped_release nogil;
      status = qv_index_search(self.handle(), rows.data, k, params.get(), keys.data(),
                               distances.data(), &found);
    }
    if (status == QV_OK) {
      std::fill(keys.data() + found, keys.data() + k, std::numeric_limits<uint64_t>::max());
      std::fill(distances.data() + found, distances.data() + k,
                std::numeric_limits<float>::infinity());
    }
  } else {
    std::vector<size_t> found(rows.n);
    nb::gil_scoped_release nogil;
    status = qv_index_search_batch(self.handle(), rows.n, rows.data, k, params.get(), keys.data(),
                                   distances.data(), found.data());
  }
  params.raise_if_filter_failed();
  check(status);
  if (rows.one_d) return nb::make_tuple(keys.vector(k), distances.vector(k));
  return nb::make_tuple(keys.matrix(rows.n, k), distances.matrix(rows.n, k));
}

}  // namespace

void bind_index_search(nb::class_<Index>& cls) {
  cls.def("search", &search, nb::arg("queries"), nb::arg("k") = 10, nb::kw_only(),
          nb::arg("ef").none() = nb::none(), nb::arg("filter").none() = nb::none(),
          nb::arg("threads") = 0, nb::arg("rerank").none() = nb::none(),
          "The k nearest live vectors of each query.\n\n"
          "queries: one vector (1-D, dim values) or an (nq, dim) array (any float dtype\n"
          "or layout; float32 C-contiguous is read in place). Returns (keys, distances):\n"
          "uint64 and float32 arrays of shape (k,) for one query, (nq, k) for a batch,\n"
          "nearest first. Where fewer than k vectors match, the rest of a row is key\n"
          "MISSING (2**64 - 1) and distance inf.\n"
          "ef: HNSW candidate list for this call (None = the index's ef_search; raised\n"
          "to k). filter: None, a callable key -> bool (called with the GIL, from the\n"
          "searching threads; an exception it raises is raised by search), or a\n"
          "collection of allowed keys (set, list or array; checked without the GIL).\n"
          "threads: threads for a batch, 0 = all cores. rerank: for i8/b1 storage with\n"
          "originals, how many of the best candidates are re-ranked on float32 (None =\n"
          "all ef of them; raised to k). Releases the GIL.");
}

}  // namespace qvpy
