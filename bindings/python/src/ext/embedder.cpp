// Embedder: hashing, Gemini and Python-function embedders over qv_embedder.
#include "embedder.h"

#include <cstdio>
#include <cstring>
#include <vector>

namespace qvpy {

thread_local int t_callback_depth = 0;

void refuse_inside_callback(const char* what) {
  if (t_callback_depth > 0)
    throw std::runtime_error(std::string(what) +
                             " cannot run inside a filter or embedding function called by Quiver");
}

namespace {

struct CallbackScope {
  CallbackScope() { ++t_callback_depth; }
  ~CallbackScope() { --t_callback_depth; }
};

[[noreturn]] void raise_value_error(const std::string& message) {
  PyErr_SetString(PyExc_ValueError, message.c_str());
  throw nb::python_error();
}

// qv_embed_fn over a Python callable: list[str] -> array (n, dim).
int call_python_embedder(void* user, size_t n, const char* const* texts, const size_t* lengths,
                         float* out, char* err, size_t err_len) {
  auto* function = static_cast<PythonEmbedFunction*>(user);
  nb::gil_scoped_acquire gil;
  CallbackScope scope;
  try {
    nb::list batch;
    for (size_t i = 0; i < n; ++i) {
      PyObject* text =
          PyUnicode_DecodeUTF8(texts[i], static_cast<Py_ssize_t>(lengths[i]), "replace");
      if (!text) throw nb::python_error();
      batch.append(nb::steal(text));
    }
    nb::object result = function->fn(batch);
    nb::module_ arrays = nb::module_::import_("quiver_vec._arrays");
    nb::object converted = arrays.attr("as_float32")(result, "the embedding function's result");
    FloatArray array;
    if (!nb::try_cast(converted, array, false))
      raise_value_error("the embedding function's result is not an array of floats");
    const bool one_row = array.ndim() == 1 && n == 1 && array.shape(0) == function->dim;
    const bool rows = array.ndim() == 2 && array.shape(0) == n && array.shape(1) == function->dim;
    if (!one_row && !rows) {
      std::string shape = "(";
      for (size_t d = 0; d < array.ndim(); ++d)
        shape += (d ? ", " : "") + std::to_string(array.shape(d));
      shape += array.ndim() == 1 ? ",)" : ")";
      raise_value_error("the embedding function returned an array of shape " + shape + " for " +
                        std::to_string(n) + " texts; expected (" + std::to_string(n) + ", " +
                        std::to_string(function->dim) + ")");
    }
    std::memcpy(out, array.data(), n * function->dim * sizeof(float));
    return 0;
  } catch (nb::python_error& error) {
    nb::object exception = take_exception(error);
    std::string what = nb::type_name(exception.type()).c_str();
    nb::object text = nb::steal(PyObject_Str(exception.ptr()));
    if (text.is_valid()) {
      what += std::string(": ") + nb::str(text).c_str();
    } else {
      PyErr_Clear();
    }
    std::snprintf(err, err_len, "the Python embedding function raised %s", what.c_str());
    function->last_error = exception;
    return 1;
  } catch (const std::exception& error) {
    std::snprintf(err, err_len, "the Python embedding function failed: %s", error.what());
    return 1;
  }
}

std::string optional_string(nb::handle obj, const char* what) {
  return obj.is_none() ? std::string() : as_text(obj, what);
}

}  // namespace

Embedder::Embedder(qv_embedder* handle, std::string kind,
                   std::unique_ptr<PythonEmbedFunction> function)
    : handle_(handle), kind_(std::move(kind)), function_(std::move(function)) {
  qv_embedder_dim(handle_, &dim_);
}

Embedder::~Embedder() { qv_embedder_free(handle_); }

void Embedder::close() {
  refuse_inside_callback("Embedder.close()");
  ExclusiveUse lock(guard_);
  qv_embedder_free(handle_);
  handle_ = nullptr;
}

nb::object Embedder::take_error() {
  if (!function_ || !function_->last_error.is_valid()) return nb::none();
  nb::object error = function_->last_error;
  function_->last_error = nb::object();
  return error;
}

void bind_embedder(nb::module_& m) {
  nb::class_<Embedder>(m, "Embedder",
                       "Turns text into vectors: offline hashing, Gemini, or a Python function.\n\n"
                       "Create with Embedder.hashing, Embedder.gemini or Embedder.from_function;\n"
                       "attach to an index with Index.set_embedder. Thread-safe.")
      .def_static(
          "hashing",
          [](uint32_t dim) {
            qv_embedder* handle = nullptr;
            check(qv_embedder_create_hashing(dim, &handle));
            return new Embedder(handle, "hashing", nullptr);
          },
          nb::arg("dim") = 512,
          "The offline embedder: feature hashing of words and character n-grams into\n"
          "`dim` buckets, L2-normalised. Deterministic, no model, no network; matches\n"
          "shared words and spellings, not meaning. 256 to 1024 dims work well.")
      .def_static(
          "gemini",
          [](nb::handle api_key, nb::handle model, uint32_t output_dim, nb::handle base_url,
             uint32_t batch_size, uint32_t requests_per_minute, uint32_t max_retries,
             uint32_t timeout_ms, uint32_t connect_timeout_ms, uint32_t initial_backoff_ms,
             uint32_t max_backoff_ms, uint32_t max_retry_delay_ms,
             uint32_t max_concurrent_requests) {
            const std::string key = optional_string(api_key, "api_key");
            const std::string model_name = optional_string(model, "model");
            const std::string url = optional_string(base_url, "base_url");
            qv_gemini_options opts;
            qv_gemini_options_init(&opts);
            opts.api_key = api_key.is_none() ? nullptr : key.c_str();
            opts.model = model.is_none() ? nullptr : model_name.c_str();
            opts.base_url = base_url.is_none() ? nullptr : url.c_str();
            opts.output_dim = output_dim;
            opts.batch_size = batch_size;
            opts.requests_per_minute = requests_per_minute;
            opts.max_retries = max_retries;
            opts.timeout_ms = timeout_ms;
            opts.connect_timeout_ms = connect_timeout_ms;
            opts.initial_backoff_ms = initial_backoff_ms;
            opts.max_backoff_ms = max_backoff_ms;
            opts.max_retry_delay_ms = max_retry_delay_ms;
            opts.max_concurrent_requests = max_concurrent_requests;
            qv_embedder* handle = nullptr;
            check(qv_embedder_create_gemini(&opts, &handle));
            return new Embedder(handle, "gemini", nullptr);
          },
          nb::arg("api_key").none() = nb::none(), nb::kw_only(),
          nb::arg("model").none() = nb::none(), nb::arg("output_dim") = 768,
          nb::arg("base_url").none() = nb::none(), nb::arg("batch_size") = 100,
          nb::arg("requests_per_minute") = 100, nb::arg("max_retries") = 5,
          nb::arg("timeout_ms") = 60000, nb::arg("connect_timeout_ms") = 10000,
          nb::arg("initial_backoff_ms") = 1000, nb::arg("max_backoff_ms") = 30000,
          nb::arg("max_retry_delay_ms") = 120000, nb::arg("max_concurrent_requests") = 4,
          "An embedder over Google's Gemini embedding API (HTTPS). api_key None reads\n"
          "GEMINI_API_KEY; model None is gemini-embedding-001. Makes no network call\n"
          "until the first embedding. Retries 408/429/5xx with back-off. Raises\n"
          "UnsupportedError when libquiver was built without Gemini.")
      .def_static(
          "from_function",
          [](nb::object fn, uint32_t dim) {
            if (!PyCallable_Check(fn.ptr())) throw nb::type_error("fn must be callable");
            auto function = std::make_unique<PythonEmbedFunction>();
            function->fn = fn;
            function->dim = dim;
            qv_embedder* handle = nullptr;
            check(qv_embedder_create_callback(dim, call_python_embedder, function.get(), &handle));
            return new Embedder(handle, "function", std::move(function));
          },
          nb::arg("fn"), nb::arg("dim"),
          "An embedder over a Python function: fn(texts: list[str]) returns an array of\n"
          "shape (len(texts), dim), e.g. SentenceTransformer(...).encode. Quiver calls it\n"
          "with the GIL held, never from two threads at once, for documents and queries.\n"
          "An exception it raises fails the Quiver call with EmbeddingError, chained.")
      .def_prop_ro("dim", &Embedder::dim, "The dimension of the vectors it makes.")
      .def_prop_ro("kind", &Embedder::kind, "'hashing', 'gemini' or 'function'.")
      .def_prop_ro(
          "closed", [](const Embedder& e) { return e.handle() == nullptr; }, "True after close().")
      .def(
          "embed",
          [](Embedder& self, nb::handle texts, const std::string& task) {
            qv_embed_task kind;
            if (task == "document") {
              kind = QV_EMBED_DOCUMENT;
            } else if (task == "query") {
              kind = QV_EMBED_QUERY;
            } else {
              throw nb::value_error("task must be 'document' or 'query'");
            }
            const bool one = PyUnicode_Check(texts.ptr()) || PyBytes_Check(texts.ptr());
            std::vector<std::string> owned;
            if (one) {
              owned.push_back(as_text(texts, "text"));
            } else {
              for (nb::handle t : texts) owned.push_back(as_text(t, "each text"));
            }
            std::vector<const char*> pointers;
            std::vector<size_t> lengths;
            for (const std::string& s : owned) {
              pointers.push_back(s.c_str());
              lengths.push_back(s.size());
            }
            SharedUse use(self.guard(), self.handle(), "the embedder is closed");
            Output<float> out(checked_product(owned.size(), self.dim(), "the embedding"));
            qv_status status;
            {
              nb::gil_scoped_release nogil;
              status = qv_embedder_embed_ex(self.handle(), kind, owned.size(), pointers.data(),
                                            lengths.data(), out.data());
            }
            if (status != QV_OK) raise_status(status, self.take_error());
            return one ? out.vector(self.dim()) : out.matrix(owned.size(), self.dim());
          },
          nb::arg("texts"), nb::arg("task") = "document",
          "Embeds one text (str or bytes; returns shape (dim,)) or a sequence of texts\n"
          "(returns (n, dim)), float32. task: 'document' or 'query' (Gemini embeds them\n"
          "differently). Releases the GIL.")
      .def("close", &Embedder::close,
           "Releases this handle now (an index it is attached to keeps its own).")
      .def("__enter__", [](nb::handle self) { return nb::borrow(self); })
      .def(
          "__exit__", [](Embedder& self, nb::args) { self.close(); }, "Closes the embedder.")
      .def("__reduce__",
           [](const Embedder&) -> nb::object {
             throw nb::type_error(
                 "a quiver_vec.Embedder cannot be pickled: create it again in the other process");
           })
      .def("__repr__", [](const Embedder& e) {
        return "<quiver_vec.Embedder kind='" + e.kind() + "' dim=" + std::to_string(e.dim()) +
               (e.handle() ? "" : " closed") + ">";
      });
}

}  // namespace qvpy
