// Documents on an Index (quiver.h, "Documents"): upsert_text, their chunks,
// source and fields, listing and counting.
#include <string>
#include <unordered_map>
#include <vector>

#include "copies.h"
#include "embedder.h"
#include "index.h"

namespace qvpy {
namespace {

// Source or fields given as str, bytes or None (none: NULL for the C call).
struct OptionalText {
  std::string bytes;
  bool given = false;
  const char* c_str() const { return given ? bytes.c_str() : nullptr; }
};

OptionalText as_optional_text(nb::handle obj, const char* what) {
  OptionalText out;
  if (obj.is_none()) return out;
  out.bytes = as_text(obj, what);
  out.given = true;
  return out;
}

nb::str decode(const char* data, size_t len) {
  PyObject* s = PyUnicode_DecodeUTF8(data, static_cast<Py_ssize_t>(len), "replace");
  if (!s) throw nb::python_error();
  return nb::steal<nb::str>(s);
}

void upsert_text(Index& self, nb::handle doc_key, nb::handle text, nb::handle source,
                 nb::handle fields) {
  const uint64_t key = as_key(doc_key, "doc_key");
  const std::string owned = as_text(text, "text");
  const OptionalText src = as_optional_text(source, "source");
  const OptionalText fld = as_optional_text(fields, "fields");
  SharedUse use = self.use();
  qv_status status;
  {
    nb::gil_scoped_release nogil;
    status = qv_index_upsert_text(self.handle(), key, owned.c_str(), src.c_str(), fld.c_str());
  }
  if (status != QV_OK) raise_status(status, self.embedder_error());
}

nb::list document_chunks(const Index& self, nb::handle doc_key) {
  const uint64_t key = as_key(doc_key, "doc_key");
  SharedUse use = self.use();
  std::vector<uint64_t> keys(16);
  size_t count = 0;
  for (;;) {
    check(qv_index_document_chunks(self.handle(), key, keys.data(), keys.size(), &count));
    if (count <= keys.size()) break;
    keys.resize(count);  // an upsert alongside made it longer: ask again with room
  }
  nb::list out;
  for (size_t i = 0; i < count; ++i) out.append(keys[i]);
  return out;
}

nb::object get_document(const Index& self, nb::handle doc_key) {
  const uint64_t key = as_key(doc_key, "doc_key");
  SharedUse use = self.use();
  std::string source, fields;
  qv_status status;
  {
    nb::gil_scoped_release nogil;
    status = copy_document(self.handle(), key, &source, &fields);
  }
  check(status);
  nb::object cls = nb::module_::import_("quiver_vec._document").attr("Document");
  return cls(decode(source.data(), source.size()), decode(fields.data(), fields.size()));
}

nb::list document_sources(const Index& self, nb::handle doc_keys) {
  Keys keys = as_keys(doc_keys, "doc_keys");
  SharedUse use = self.use();
  nb::list out;
  std::unordered_map<uint64_t, nb::object> seen;
  std::string src;
  for (size_t i = 0; i < keys.n; ++i) {
    const uint64_t key = keys.data[i];
    auto known = seen.find(key);
    if (known != seen.end()) {
      out.append(known->second);
      continue;
    }
    nb::object source = nb::none();
    if (key <= QV_MAX_DOC_KEY) {  // MISSING and other non-document keys: None
      qv_status status;
      {
        nb::gil_scoped_release nogil;
        status = copy_document(self.handle(), key, &src, nullptr);
      }
      if (status == QV_OK) {
        source = decode(src.data(), src.size());
      } else if (status != QV_ERR_NOT_FOUND) {
        raise_status(status);
      }
    }
    seen.emplace(key, source);
    out.append(source);
  }
  return out;
}

nb::list list_documents(const Index& self) {
  SharedUse use = self.use();
  constexpr size_t kPage = 1024;
  std::vector<uint64_t> page(kPage);
  nb::list out;
  uint64_t next = 0;
  for (;;) {
    size_t found = 0;
    check(qv_index_list_documents(self.handle(), next, page.data(), kPage, &found));
    for (size_t i = 0; i < found; ++i) out.append(page[i]);
    if (found < kPage) return out;
    next = page[found - 1] + 1;
  }
}

uint64_t document_count(const Index& self) {
  SharedUse use = self.use();
  uint64_t n = 0;
  check(qv_index_document_count(self.handle(), &n));
  return n;
}

}  // namespace

void bind_index_documents(nb::class_<Index>& cls) {
  cls.def("upsert_text", &upsert_text, nb::arg("doc_key"), nb::arg("text"),
          nb::arg("source").none() = nb::none(), nb::arg("fields").none() = nb::none(),
          "Adds the document, or replaces it if it is already in the index: chunks and\n"
          "embeds text as add_text does and records source (a path or URI, at most 8192\n"
          "bytes of UTF-8) and fields (any text of yours, e.g. JSON, at most 1 MiB) in\n"
          "the document's entry; None means none (''). Atomic for text searches: one\n"
          "that overlaps it finds the old version or the new one, never a mix and never\n"
          "neither. After an upsert the chunk numbers no longer start at 0: see\n"
          "document_chunks. On failure the document is as it was.\n"
          "Raises InvalidArgumentError (no embedder, an empty or whitespace-only text,\n"
          "source or fields too long, doc_key above MAX_DOC_KEY, old + new version above\n"
          "MAX_CHUNKS_PER_DOC chunks), ValueError (a NUL character), UnsupportedError\n"
          "(read-only index), EmbeddingError. get_metadata and get_document alongside\n"
          "it read the old version or the new one, whole. Releases the GIL.")
      .def("document_chunks", &document_chunks, nb::arg("doc_key"),
           "The chunk keys of a document's current version, in text order (a list of\n"
           "int); get_metadata_str(key) is a chunk's text. Raises NotFoundError (no such\n"
           "document), InvalidArgumentError (doc_key above MAX_DOC_KEY).")
      .def("get_document", &get_document, nb::arg("doc_key"),
           "A Document(source, fields) of str (copies; '' when the document has none,\n"
           "as for documents added with add_text). Raises NotFoundError (no such\n"
           "document, or one from an older file not upserted since),\n"
           "InvalidArgumentError (doc_key above MAX_DOC_KEY).")
      .def("document_sources", &document_sources, nb::arg("doc_keys"),
           "The source of each document key (an int or an array, e.g. the doc_keys of\n"
           "search_text or search_hybrid) as a list: a str ('' when the document has\n"
           "none), or None where the key is MISSING or no document of the table\n"
           "(one from an older file not upserted since, or removed).")
      .def("list_documents", &list_documents,
           "The keys of every document in the document table, ascending (a list of int,\n"
           "read in pages of 1024: a document added or removed meanwhile may or may not\n"
           "be listed). Documents of an older file are listed once upserted.")
      .def("document_count", &document_count,
           "The number of documents in the document table (those list_documents lists).");
}

}  // namespace qvpy
