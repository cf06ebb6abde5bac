// quiver_vec.Index: creation, adding, reading, removing, metadata, info.
#include "index.h"

#include <string>
#include <vector>

#include "copies.h"
#include "embedder.h"

namespace qvpy {

thread_local const Index* t_filtering = nullptr;

namespace {

const char* const kClosed = "the index is closed";

qv_metric parse_metric(const std::string& name) {
  if (name == "cosine") return QV_METRIC_COSINE;
  if (name == "l2") return QV_METRIC_L2;
  if (name == "ip") return QV_METRIC_IP;
  throw nb::value_error(("metric must be 'cosine', 'l2' or 'ip', not '" + name + "'").c_str());
}

qv_index_kind parse_kind(const std::string& name) {
  if (name == "hnsw") return QV_INDEX_HNSW;
  if (name == "flat") return QV_INDEX_FLAT;
  throw nb::value_error(("kind must be 'hnsw' or 'flat', not '" + name + "'").c_str());
}

qv_storage parse_storage(const std::string& name) {
  if (name == "f32") return QV_STORAGE_F32;
  if (name == "f16") return QV_STORAGE_F16;
  if (name == "i8") return QV_STORAGE_I8;
  if (name == "b1") return QV_STORAGE_B1;
  throw nb::value_error(("storage must be 'f32', 'f16', 'i8' or 'b1', not '" + name + "'").c_str());
}

qv_index_info get_info(const Index& self) {
  qv_index_info info;
  qv_index_info_init(&info);
  check(qv_index_get_info(self.handle(), &info));
  return info;
}

void create(Index* self, uint32_t dim, const std::string& metric, const std::string& kind,
            const std::string& storage, bool keep_originals, uint32_t m, uint32_t ef_construction,
            uint32_t ef_search, uint64_t seed, uint32_t threads) {
  qv_index_options opts;
  qv_index_options_init(&opts);
  opts.dim = dim;
  opts.metric = parse_metric(metric);
  opts.kind = parse_kind(kind);
  // Checked here so that the message names the arguments as Python does (the
  // library checks them too, naming the C fields hnsw_m ...).
  if (opts.kind == QV_INDEX_HNSW) {
    if (m < 2 || m > 256)
      raise_invalid_argument("m is " + std::to_string(m) +
                             "; it must be between 2 and 256 (16 is a good default)");
    if (ef_construction == 0)
      raise_invalid_argument("ef_construction is 0; it must be at least 1 (200 is a good default)");
    if (ef_search == 0)
      raise_invalid_argument("ef_search is 0; it must be at least 1 (64 is a good default)");
  }
  opts.hnsw_m = m;
  opts.hnsw_ef_construction = ef_construction;
  opts.hnsw_ef_search = ef_search;
  opts.seed = seed;
  opts.threads = threads;
  opts.storage = parse_storage(storage);
  opts.keep_originals = keep_originals ? 1 : 0;
  qv_index* handle = nullptr;
  check(qv_index_create(&opts, &handle));
  new (self) Index(handle);
}

void add(Index& self, nb::handle keys_obj, nb::handle vectors_obj) {
  Keys keys = as_keys(keys_obj, "keys");
  Rows rows = as_rows(vectors_obj, self.dim(), "vectors");
  if (keys.n != rows.n)
    throw nb::value_error(
        ("got " + std::to_string(keys.n) + " keys for " + std::to_string(rows.n) + " vectors")
            .c_str());
  SharedUse use = self.use();
  qv_status status;
  {
    nb::gil_scoped_release nogil;
    status = rows.n == 1 ? qv_index_add(self.handle(), keys.data[0], rows.data)
                         : qv_index_add_batch(self.handle(), rows.n, keys.data, rows.data);
  }
  check(status);
}

// One qv_index_upsert per key, in order: upserts have no batch call, and
// each one is atomic for searches on its own.
void upsert(Index& self, nb::handle keys_obj, nb::handle vectors_obj) {
  Keys keys = as_keys(keys_obj, "keys");
  Rows rows = as_rows(vectors_obj, self.dim(), "vectors");
  if (keys.n != rows.n)
    throw nb::value_error(
        ("got " + std::to_string(keys.n) + " keys for " + std::to_string(rows.n) + " vectors")
            .c_str());
  SharedUse use = self.use();
  const uint32_t dim = self.dim();
  qv_status status = QV_OK;
  {
    nb::gil_scoped_release nogil;
    for (size_t i = 0; i < keys.n && status == QV_OK; ++i)
      status = qv_index_upsert(self.handle(), keys.data[i], rows.data + i * dim);
  }
  check(status);
}

nb::object get(const Index& self, nb::handle keys_obj) {
  Keys keys = as_keys(keys_obj, "keys");
  SharedUse use = self.use();
  const uint32_t dim = self.dim();
  Output<float> out(checked_product(keys.n, dim, "the vectors"));
  qv_status status = QV_OK;
  {
    nb::gil_scoped_release nogil;
    for (size_t i = 0; i < keys.n && status == QV_OK; ++i)
      status = qv_index_get(self.handle(), keys.data[i], out.data() + i * dim);
  }
  check(status);
  return keys.scalar ? out.vector(dim) : out.matrix(keys.n, dim);
}

void remove(Index& self, nb::handle keys_obj) {
  Keys keys = as_keys(keys_obj, "keys");
  SharedUse use = self.use();
  qv_status status = QV_OK;
  {
    nb::gil_scoped_release nogil;
    for (size_t i = 0; i < keys.n && status == QV_OK; ++i)
      status = qv_index_remove(self.handle(), keys.data[i]);
  }
  check(status);
}

bool contains(const Index& self, nb::handle key) {
  if (!PyLong_Check(key.ptr()) && !(PyIndex_Check(key.ptr()) && !PySequence_Check(key.ptr())))
    return false;
  uint64_t k;
  try {
    k = as_key(key, "key");
  } catch (const nb::builtin_exception&) {
    return false;  // a negative or too large int is in no index
  }
  SharedUse use = self.use();
  std::vector<float> scratch(self.dim());
  const qv_status status = qv_index_get(self.handle(), k, scratch.data());
  if (status == QV_ERR_NOT_FOUND) return false;
  check(status);
  return true;
}

void set_metadata(Index& self, nb::handle key_obj, nb::handle value) {
  const uint64_t key = as_key(key_obj, "key");
  std::string bytes;
  if (value.is_none()) {
  } else if (PyUnicode_Check(value.ptr())) {
    Py_ssize_t size = 0;
    const char* data = PyUnicode_AsUTF8AndSize(value.ptr(), &size);
    if (!data) throw nb::python_error();
    bytes.assign(data, static_cast<size_t>(size));
  } else if (PyObject_CheckBuffer(value.ptr())) {
    Py_buffer view;
    if (PyObject_GetBuffer(value.ptr(), &view, PyBUF_CONTIG_RO) != 0) throw nb::python_error();
    bytes.assign(static_cast<const char*>(view.buf), static_cast<size_t>(view.len));
    PyBuffer_Release(&view);
  } else {
    throw nb::type_error(("metadata must be bytes, str or None, not " +
                          std::string(nb::type_name(value.type()).c_str()))
                             .c_str());
  }
  SharedUse use = self.use();
  qv_status status;
  {
    nb::gil_scoped_release nogil;
    status = qv_index_set_metadata(self.handle(), key, bytes.data(), bytes.size());
  }
  check(status);
}

nb::bytes get_metadata(const Index& self, nb::handle key_obj) {
  const uint64_t key = as_key(key_obj, "key");
  SharedUse use = self.use();
  std::string bytes;
  qv_status status;
  {
    nb::gil_scoped_release nogil;
    status = copy_metadata(self.handle(), key, bytes);
  }
  check(status);
  return nb::bytes(bytes.data(), bytes.size());
}

nb::object info(const Index& self) {
  SharedUse use = self.use();
  const qv_index_info i = get_info(self);
  nb::object cls = nb::module_::import_("quiver_vec._info").attr("IndexInfo");
  return cls(nb::arg("kind") = kind_name(i.kind), nb::arg("metric") = metric_name(i.metric),
             nb::arg("dim") = i.dim, nb::arg("count") = i.count, nb::arg("deleted") = i.deleted,
             nb::arg("metadata_count") = i.metadata_count, nb::arg("m") = i.hnsw_m,
             nb::arg("ef_construction") = i.hnsw_ef_construction,
             nb::arg("ef_search") = i.hnsw_ef_search, nb::arg("seed") = i.seed,
             nb::arg("read_only") = i.read_only != 0, nb::arg("storage") = storage_name(i.storage),
             nb::arg("keeps_originals") = i.keeps_originals != 0);
}

size_t count(const Index& self) {
  SharedUse use = self.use();
  size_t n = 0;
  check(qv_index_count(self.handle(), &n));
  return n;
}

std::string repr(const Index& self) {
  if (!self.handle()) return "<quiver_vec.Index closed>";
  SharedUse use = self.use();
  const qv_index_info i = get_info(self);
  return std::string("<quiver_vec.Index kind='") + kind_name(i.kind) + "' metric='" +
         metric_name(i.metric) + "' dim=" + std::to_string(i.dim) +
         " count=" + std::to_string(i.count) + (i.read_only ? " read_only" : "") + ">";
}

}  // namespace

// The library's own names for its enums ("unknown" for a value it does not
// know): one list, the one the CLI and the other bindings print.
const char* metric_name(qv_metric metric) {
  const char* name = qv_metric_name(metric);
  return name ? name : "unknown";
}

const char* storage_name(qv_storage storage) {
  const char* name = qv_storage_name(storage);
  return name ? name : "unknown";
}

const char* kind_name(qv_index_kind kind) {
  const char* name = qv_index_kind_name(kind);
  return name ? name : "unknown";
}

Index::Index(qv_index* handle) : handle_(handle) { qv_index_dim(handle_, &dim_); }

Index::~Index() { qv_index_free(handle_); }

SharedUse Index::use() const {
  if (t_filtering == this)
    throw std::runtime_error("a search filter must not call back into the index it filters");
  return SharedUse(guard_, handle_, kClosed);
}

ExclusiveUse Index::use_alone() const {
  if (t_filtering == this)
    throw std::runtime_error("a search filter must not call back into the index it filters");
  refuse_inside_callback("closing or compacting an index");
  return ExclusiveUse(guard_);
}

void Index::close() {
  {
    ExclusiveUse alone = use_alone();
    qv_index_free(handle_);
    handle_ = nullptr;
  }
  embedder = nb::none();
}

nb::object Index::embedder_error() {
  if (!embedder.is_valid() || embedder.is_none()) return nb::none();
  return nb::cast<Embedder&>(embedder).take_error();
}

void bind_index(nb::module_& m) {
  nb::class_<Index> cls(m, "Index",
                        "A collection of vectors under 64-bit keys with a search structure.\n\n"
                        "Index(dim, metric='cosine', kind='hnsw', ...) creates an empty index;\n"
                        "Index.open(path) opens a saved one. Any number of Python threads may\n"
                        "search while others add or remove; long calls release the GIL. Use it as\n"
                        "a context manager, or close() it, to free its memory at a known point.\n"
                        "Pickling is refused: save() it and Index.open() the file instead.");
  cls.def(
         "__init__",
         [](Index* self, uint32_t dim, const std::string& metric, const std::string& kind,
            const std::string& storage, bool keep_originals, uint32_t m, uint32_t ef_construction,
            uint32_t ef_search, uint64_t seed, uint32_t threads) {
           create(self, dim, metric, kind, storage, keep_originals, m, ef_construction, ef_search,
                  seed, threads);
         },
         nb::arg("dim"), nb::arg("metric") = "cosine", nb::arg("kind") = "hnsw", nb::kw_only(),
         nb::arg("storage") = "f32", nb::arg("keep_originals") = true, nb::arg("m") = 16,
         nb::arg("ef_construction") = 200, nb::arg("ef_search") = 64, nb::arg("seed") = 42,
         nb::arg("threads") = 0,
         "Creates an empty index of `dim`-dimensional vectors.\n\n"
         "metric: 'cosine' (1 - cos, vectors normalised on insert), 'l2' (squared\n"
         "euclidean) or 'ip' (1 - dot). kind: 'hnsw' (approximate, fast) or 'flat'\n"
         "(exact scan). storage: how vectors are held -- 'f32' (exact, default), 'f16'\n"
         "(half: 2 bytes a value), 'i8' (int8 codes: 1 byte + 8) or 'b1' (sign bits;\n"
         "cosine and ip only); i8 and b1 walk the graph on codes and re-rank on the\n"
         "float32 originals they keep (keep_originals=True; False keeps only codes,\n"
         "smaller but distances are estimates). Other storage than f32 needs\n"
         "kind='hnsw' in this version. m, ef_construction, ef_search: HNSW parameters (ef_search "
         "is\n"
         "the default search candidate list; raise it for recall). seed: HNSW level\n"
         "generator. threads: threads for batch calls, 0 = all cores.")
      .def("add", &add, nb::arg("keys"), nb::arg("vectors"),
           "Adds vectors under keys: one int key and a 1-D vector, or n keys (array-like\n"
           "of non-negative ints) and an (n, dim) array. A C-contiguous float32 array is\n"
           "read in place; float16/float64/integer, Fortran-order or strided arrays are\n"
           "converted once. A batch is all-or-nothing for bad input (NaN, duplicate key)\n"
           "and is built on all cores with the GIL released.\n"
           "Raises DuplicateKeyError, InvalidArgumentError, DimensionMismatchError.")
      .def("upsert", &upsert, nb::arg("keys"), nb::arg("vectors"),
           "Adds or replaces: one int key and a 1-D vector, or n keys and an (n, dim)\n"
           "array (arrays as add takes them). A key already live gets the new vector and\n"
           "keeps its metadata; a search running alongside finds it with its old vector\n"
           "or its new one, never both. A batch is upserted one key at a time, in order\n"
           "(a key given twice ends with its last vector), and stops at the first bad\n"
           "vector: the keys before it are upserted, the rest untouched.\n"
           "Raises InvalidArgumentError, DimensionMismatchError, UnsupportedError\n"
           "(read-only index).")
      .def("get", &get, nb::arg("keys"),
           "The vector stored under an int key (shape (dim,)), or under each of an array\n"
           "of keys (shape (n, dim)), float32. Raises NotFoundError (a KeyError).")
      .def("remove", &remove, nb::arg("keys"),
           "Removes one key, or each key of an array in order (stops at the first that\n"
           "is missing, raising NotFoundError; the ones before it are removed).")
      .def("__contains__", &contains, nb::arg("key").none(),
           "True when the key holds a live vector.")
      .def("__len__", &count, "The number of live vectors.")
      .def("set_metadata", &set_metadata, nb::arg("key"), nb::arg("value").none(),
           "Attaches bytes (or a str, stored as UTF-8) to a live key, replacing what was\n"
           "there; None or b'' removes it. Saved with the index. Raises NotFoundError.")
      .def("get_metadata", &get_metadata, nb::arg("key"),
           "The metadata bytes of a key. Raises NotFoundError when it has none.")
      .def(
          "get_metadata_str",
          [](const Index& self, nb::handle key) {
            nb::bytes b = get_metadata(self, key);
            return nb::steal<nb::str>(PyUnicode_DecodeUTF8(b.c_str(), b.size(), "replace"));
          },
          nb::arg("key"),
          "The metadata of a key decoded as UTF-8 (invalid bytes replaced), e.g. the\n"
          "text of a chunk. Raises NotFoundError when it has none.")
      .def("info", &info, "An IndexInfo: kind, metric, dim, counts, HNSW parameters, read_only.")
      .def(
          "memory_bytes",
          [](const Index& self) {
            SharedUse use = self.use();
            size_t bytes = 0;
            check(qv_index_memory_bytes(self.handle(), &bytes));
            return bytes;
          },
          "The heap bytes the index holds (codes, originals in memory, graph, key map,\n"
          "metadata); pages of an mmap-opened file are not counted.")
      .def_prop_ro(
          "storage",
          [](const Index& self) {
            SharedUse use = self.use();
            return storage_name(get_info(self).storage);
          },
          "'f32', 'f16', 'i8' or 'b1'.")
      .def_prop_ro("dim", &Index::dim, "The vector dimension.")
      .def_prop_ro(
          "metric",
          [](const Index& self) {
            SharedUse use = self.use();
            return metric_name(get_info(self).metric);
          },
          "'cosine', 'l2' or 'ip'.")
      .def_prop_ro(
          "kind",
          [](const Index& self) {
            SharedUse use = self.use();
            return kind_name(get_info(self).kind);
          },
          "'hnsw' or 'flat'.")
      .def_prop_ro(
          "read_only",
          [](const Index& self) {
            SharedUse use = self.use();
            return get_info(self).read_only != 0;
          },
          "True for an index opened with mmap=True (changes raise UnsupportedError).")
      .def_prop_ro(
          "closed", [](const Index& self) { return self.handle() == nullptr; },
          "True after close().")
      .def("close", &Index::close,
           "Frees the index now (waits for calls running in other threads). Every later\n"
           "call raises ValueError. Closing twice is fine.")
      .def("__enter__", [](nb::handle self) { return nb::borrow(self); })
      .def(
          "__exit__", [](Index& self, nb::args) { self.close(); }, "Closes the index.")
      .def("__reduce__",
           [](const Index&) -> nb::object {
             throw nb::type_error(
                 "a quiver_vec.Index cannot be pickled: save it with index.save(path) and "
                 "open it with quiver_vec.Index.open(path) in the other process");
           })
      .def("__repr__", &repr);
  bind_index_search(cls);
  bind_index_persistence(cls);
  bind_index_text(cls);
  bind_index_documents(cls);
}

}  // namespace qvpy
