// Index.save / Index.open / verify / compact / export_npy / import_npy.
#include <string>

#include "index.h"

namespace qvpy {
namespace {

// A str, bytes or os.PathLike as the bytes of a file system path.
std::string as_path(nb::handle obj, const char* what) {
  nb::object path = nb::steal(PyOS_FSPath(obj.ptr()));
  if (!path.is_valid()) throw nb::python_error();
  nb::object bytes = path;
  if (PyUnicode_Check(path.ptr())) bytes = nb::steal(PyUnicode_EncodeFSDefault(path.ptr()));
  if (!bytes.is_valid()) throw nb::python_error();
  std::string out(PyBytes_AS_STRING(bytes.ptr()),
                  static_cast<size_t>(PyBytes_GET_SIZE(bytes.ptr())));
  if (out.find('\0') != std::string::npos)
    throw nb::value_error((std::string(what) + " must not contain a NUL character").c_str());
  return out;
}

void save(const Index& self, nb::handle path_obj, bool compress_vectors, bool compress_graph,
          int zstd_level) {
  const std::string path = as_path(path_obj, "path");
  qv_save_options opts;
  qv_save_options_init(&opts);
  opts.compress_vectors = compress_vectors ? 1 : 0;
  opts.compress_graph = compress_graph ? 1 : 0;
  opts.zstd_level = zstd_level;
  SharedUse use = self.use();
  qv_status status;
  {
    nb::gil_scoped_release nogil;
    status = qv_index_save_with_options(self.handle(), path.c_str(), &opts);
  }
  check_files(status);
}

qv_verify_mode parse_verify(nb::handle verify) {
  if (PyBool_Check(verify.ptr()))
    return verify.ptr() == Py_True ? QV_VERIFY_ALL : QV_VERIFY_DEFERRED;
  if (PyUnicode_Check(verify.ptr())) {
    const std::string name = nb::cast<std::string>(verify);
    if (name == "all") return QV_VERIFY_ALL;
    if (name == "deferred") return QV_VERIFY_DEFERRED;
  }
  throw nb::value_error("verify must be True ('all') or False ('deferred')");
}

Index* open(nb::handle path_obj, bool mmap, nb::handle verify, uint32_t threads) {
  const std::string path = as_path(path_obj, "path");
  qv_open_options opts;
  qv_open_options_init(&opts);
  opts.mode = mmap ? QV_OPEN_MMAP : QV_OPEN_LOAD;
  opts.verify = parse_verify(verify);
  opts.threads = threads;
  qv_index* handle = nullptr;
  qv_status status;
  {
    nb::gil_scoped_release nogil;
    status = qv_index_open_with_options(path.c_str(), &opts, &handle);
  }
  check_files(status);
  return new Index(handle);
}

void verify(const Index& self) {
  SharedUse use = self.use();
  qv_status status;
  {
    nb::gil_scoped_release nogil;
    status = qv_index_verify(self.handle());
  }
  check(status);
}

void compact(Index& self) {
  ExclusiveUse alone = self.use_alone();
  if (!self.handle()) throw nb::value_error("the index is closed");
  qv_status status;
  {
    nb::gil_scoped_release nogil;
    status = qv_index_compact(self.handle());
  }
  check(status);
}

void export_npy(const Index& self, nb::handle vectors_path, nb::handle keys_path) {
  const std::string vectors = as_path(vectors_path, "vectors_path");
  const std::string keys = as_path(keys_path, "keys_path");
  SharedUse use = self.use();
  qv_status status;
  {
    nb::gil_scoped_release nogil;
    status = qv_index_export_npy(self.handle(), vectors.c_str(), keys.c_str());
  }
  check_files(status);
}

void import_npy(Index& self, nb::handle vectors_path, nb::handle keys_path) {
  const std::string vectors = as_path(vectors_path, "vectors_path");
  const bool has_keys = !keys_path.is_none();
  const std::string keys = has_keys ? as_path(keys_path, "keys_path") : std::string();
  SharedUse use = self.use();
  qv_status status;
  {
    nb::gil_scoped_release nogil;
    status = qv_index_import_npy(self.handle(), vectors.c_str(), has_keys ? keys.c_str() : nullptr);
  }
  check_files(status);
}

}  // namespace

void bind_index_persistence(nb::class_<Index>& cls) {
  cls.def("save", &save, nb::arg("path"), nb::kw_only(), nb::arg("compress_vectors") = false,
          nb::arg("compress_graph") = false, nb::arg("zstd_level") = 0,
          "Writes the index, its removals and metadata to `path` (str or PathLike),\n"
          "crash-safely (temporary file, fsync, rename). compress_vectors /\n"
          "compress_graph: zstd-compress them (smaller file; an mmap open then has to\n"
          "decompress). zstd_level: 0 = default (3), 1..22, negative = fast modes.\n"
          "May run while other threads search. Releases the GIL.")
      .def_static("open", &open, nb::arg("path"), nb::kw_only(), nb::arg("mmap") = true,
                  nb::arg("verify") = true, nb::arg("threads") = 0,
                  "Opens an index written by save().\n\n"
                  "mmap=True maps the file read-only and searches it in place (fast open,\n"
                  "memory shared through the page cache; changes raise UnsupportedError);\n"
                  "mmap=False reads it into memory (mutable). verify=True checks every\n"
                  "checksum and value before returning; verify=False (or 'deferred') skips\n"
                  "the mapped vectors and graph: call verify() later. Raises\n"
                  "QuiverFileNotFoundError, CorruptError, UnsupportedError. Releases the GIL.",
                  nb::rv_policy::take_ownership)
      .def("verify", &verify,
           "Checks again the file sections an mmap index searches in place (after\n"
           "verify=False); raises CorruptError if damaged or if the file changed size.\n"
           "Nothing to check for an index in memory. Releases the GIL.")
      .def("compact", &compact,
           "Rebuilds the index without its removed vectors (HNSW tombstones) and gives\n"
           "their memory back; waits for calls in other threads and runs alone.\n"
           "Raises UnsupportedError on a read-only index. Releases the GIL.")
      .def("export_npy", &export_npy, nb::arg("vectors_path"), nb::arg("keys_path"),
           "Writes the live vectors as a float32 (n, dim) .npy file and their keys as a\n"
           "uint64 (n,) .npy file, in the same order (numpy.load reads them).")
      .def("import_npy", &import_npy, nb::arg("vectors_path"),
           nb::arg("keys_path").none() = nb::none(),
           "Adds the vectors of a 2-D float16/32/64 .npy file under the keys of a 1-D\n"
           "uint64 (or non-negative int64) .npy file, or 0..n-1 when keys_path is None.\n"
           "All-or-nothing for bad input. Releases the GIL.");
}

}  // namespace qvpy
