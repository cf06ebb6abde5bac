// The text layer of Index: embedder, chunking options, documents, text search.
#include <algorithm>
#include <limits>
#include <string>
#include <vector>

#include "embedder.h"
#include "index.h"

namespace qvpy {
namespace {

void check_text(Index& self, qv_status status) {
  if (status != QV_OK) raise_status(status, self.embedder_error());
}

void set_embedder(Index& self, nb::handle embedder) {
  SharedUse use = self.use();
  if (embedder.is_none()) {
    check(qv_index_set_embedder(self.handle(), nullptr));
    self.embedder = nb::none();
    return;
  }
  Embedder& emb = nb::cast<Embedder&>(embedder);
  SharedUse use_embedder(emb.guard(), emb.handle(), "the embedder is closed");
  check(qv_index_set_embedder(self.handle(), emb.handle()));
  self.embedder = nb::borrow(embedder);
}

void set_text_options(Index& self, const std::string& unit, uint32_t chunk_size,
                      uint32_t chunk_overlap) {
  qv_text_options opts;
  qv_text_options_init(&opts);
  if (unit == "characters") {
    opts.unit = QV_CHUNK_CHARACTERS;
  } else if (unit == "tokens") {
    opts.unit = QV_CHUNK_TOKENS;
  } else {
    throw nb::value_error("unit must be 'characters' or 'tokens'");
  }
  opts.chunk_size = chunk_size;
  opts.chunk_overlap = chunk_overlap;
  SharedUse use = self.use();
  check(qv_index_set_text_options(self.handle(), &opts));
}

void add_texts(Index& self, nb::handle doc_keys, nb::handle texts) {
  Keys keys = as_keys(doc_keys, "doc_keys");
  std::vector<std::string> owned;
  if (PyUnicode_Check(texts.ptr()) || PyBytes_Check(texts.ptr()))
    throw nb::type_error("texts must be a sequence of str; use add_text for one document");
  for (nb::handle t : texts) owned.push_back(as_text(t, "each text"));
  if (owned.size() != keys.n)
    throw nb::value_error(("got " + std::to_string(keys.n) + " doc_keys for " +
                           std::to_string(owned.size()) + " texts")
                              .c_str());
  std::vector<const char*> pointers;
  for (const std::string& s : owned) pointers.push_back(s.c_str());
  SharedUse use = self.use();
  qv_status status;
  {
    nb::gil_scoped_release nogil;
    status = qv_index_add_texts(self.handle(), keys.n, keys.data, pointers.data());
  }
  check_text(self, status);
}

void add_text(Index& self, nb::handle doc_key, nb::handle text) {
  const uint64_t key = as_key(doc_key, "doc_key");
  const std::string owned = as_text(text, "text");
  SharedUse use = self.use();
  qv_status status;
  {
    nb::gil_scoped_release nogil;
    status = qv_index_add_text(self.handle(), key, owned.c_str());
  }
  check_text(self, status);
}

void remove_text(Index& self, nb::handle doc_key) {
  const uint64_t key = as_key(doc_key, "doc_key");
  SharedUse use = self.use();
  qv_status status;
  {
    nb::gil_scoped_release nogil;
    status = qv_index_remove_text(self.handle(), key);
  }
  check(status);
}

enum class TextResult { Documents, Chunks, Both, Keywords, Hybrid };

// Keyword and hybrid results are scores, highest first: a missing one is 0.
bool is_scored(TextResult what) {
  return what == TextResult::Keywords || what == TextResult::Hybrid;
}

nb::tuple search_text(Index& self, nb::handle query, nb::handle k_obj, nb::handle ef,
                      nb::handle filter, nb::handle rerank, TextResult what,
                      nb::handle keyword_weight = nb::none()) {
  const bool one = PyUnicode_Check(query.ptr()) || PyBytes_Check(query.ptr());
  std::vector<std::string> queries;
  if (one) {
    queries.push_back(as_text(query, "query"));
  } else {
    for (nb::handle q : query) queries.push_back(as_text(q, "each query"));
  }
  const size_t k = as_u32(k_obj, "k", 0);
  if (k == 0) throw nb::value_error("k must be at least 1");
  SearchParams params(self, ef, filter, nb::int_(0), rerank);
  params.set_keyword_weight(keyword_weight);
  SharedUse use = self.use();
  const size_t total = checked_product(queries.size(), k, "the results");
  Output<uint64_t> keys(total);
  const bool with_chunks = what == TextResult::Both || what == TextResult::Hybrid;
  Output<uint64_t> chunks(with_chunks ? total : 1);
  Output<float> distances(total);
  qv_status status = QV_OK;
  {
    nb::gil_scoped_release nogil;
    for (size_t i = 0; i < queries.size() && status == QV_OK; ++i) {
      uint64_t* row_keys = keys.data() + i * k;
      float* row_distances = distances.data() + i * k;
      size_t found = 0;
      switch (what) {
        case TextResult::Documents:
          status = qv_index_search_text(self.handle(), queries[i].c_str(), k, params.get(),
                                        row_keys, row_distances, &found);
          break;
        case TextResult::Chunks:
          status = qv_index_search_text_chunks(self.handle(), queries[i].c_str(), k, params.get(),
                                               row_keys, row_distances, &found);
          break;
        case TextResult::Both:
          status = qv_index_search_text_ex(self.handle(), queries[i].c_str(), k, params.get(),
                                           row_keys, chunks.data() + i * k, row_distances, &found);
          break;
        case TextResult::Keywords:
          status = qv_index_search_keywords(self.handle(), queries[i].c_str(), k, params.get(),
                                            row_keys, row_distances, &found);
          break;
        case TextResult::Hybrid:
          status = qv_index_search_hybrid(self.handle(), queries[i].c_str(), k, params.get(),
                                          row_keys, chunks.data() + i * k, row_distances, &found);
          break;
      }
      if (status != QV_OK) break;
      std::fill(row_keys + found, row_keys + k, std::numeric_limits<uint64_t>::max());
      std::fill(row_distances + found, row_distances + k,
                is_scored(what) ? 0.0f : std::numeric_limits<float>::infinity());
      if (with_chunks)
        std::fill(chunks.data() + i * k + found, chunks.data() + (i + 1) * k,
                  std::numeric_limits<uint64_t>::max());
    }
  }
  params.raise_if_filter_failed();
  check_text(self, status);
  auto shape = [&](auto& out) { return one ? out.vector(k) : out.matrix(queries.size(), k); };
  if (with_chunks) return nb::make_tuple(shape(keys), shape(chunks), shape(distances));
  return nb::make_tuple(shape(keys), shape(distances));
}

const char* const kSearchTextDoc =
    "query: a str (results of shape (k,)) or a sequence of str (shape (nq, k)).\n"
    "ef: HNSW candidate list per chunk search (None = index default). filter: as\n"
    "in search(), called with CHUNK keys (doc_key(chunk) gives the document).\n"
    "rerank: as in search().\n"
    "Missing results are key MISSING and distance inf. Releases the GIL.";

const char* const kSearchScoredDoc =
    "query: a str (results of shape (k,)) or a sequence of str (shape (nq, k)).\n"
    "Scores are highest first; missing results are key MISSING and score 0.\n"
    "Releases the GIL.";

}  // namespace

void bind_index_text(nb::class_<Index>& cls) {
  cls.def("set_embedder", &set_embedder, nb::arg("embedder").none(),
          "Attaches the Embedder that turns text into vectors (its dim must equal the\n"
          "index's: DimensionMismatchError), or detaches it (None). Not saved with the\n"
          "index: attach it again after Index.open.")
      .def_prop_ro(
          "embedder",
          [](const Index& self) { return self.embedder.is_valid() ? self.embedder : nb::none(); },
          "The attached Embedder, or None.")
      .def("set_text_options", &set_text_options, nb::kw_only(), nb::arg("unit") = "characters",
           nb::arg("chunk_size") = 800, nb::arg("chunk_overlap") = 100,
           "How later add_text(s) calls split documents into chunks: unit 'characters'\n"
           "(code points) or 'tokens' (whitespace-separated words), chunk_size units per\n"
           "chunk, chunk_overlap units shared by neighbours (< chunk_size).")
      .def("add_text", &add_text, nb::arg("doc_key"), nb::arg("text"),
           "Adds one document (doc_key <= MAX_DOC_KEY): chunks it, embeds the chunks and\n"
           "stores each under chunk_key(doc_key, n) with its text as metadata.")
      .def("add_texts", &add_texts, nb::arg("doc_keys"), nb::arg("texts"),
           "Adds documents texts[i] under doc_keys[i] with one embedder call, all or\n"
           "nothing. Raises DuplicateKeyError for a document already present,\n"
           "EmbeddingError when the embedder fails (a Python function's exception is\n"
           "its __cause__). Releases the GIL.")
      .def("remove_text", &remove_text, nb::arg("doc_key"),
           "Removes every chunk of a document. Raises NotFoundError.")
      .def(
          "search_text",
          [](Index& self, nb::handle query, nb::handle k, nb::handle ef, nb::handle filter,
             nb::handle rerank) {
            return search_text(self, query, k, ef, filter, rerank, TextResult::Documents);
          },
          nb::arg("query"), nb::arg("k") = 10, nb::kw_only(), nb::arg("ef").none() = nb::none(),
          nb::arg("filter").none() = nb::none(), nb::arg("rerank").none() = nb::none(),
          (std::string("Searches by text for documents: (doc_keys, distances), each\n"
                       "document once with the distance of its nearest chunk;\n"
                       "document_sources(doc_keys) gives their sources.\n") +
           kSearchTextDoc)
              .c_str())
      .def(
          "search_text_chunks",
          [](Index& self, nb::handle query, nb::handle k, nb::handle ef, nb::handle filter,
             nb::handle rerank) {
            return search_text(self, query, k, ef, filter, rerank, TextResult::Chunks);
          },
          nb::arg("query"), nb::arg("k") = 10, nb::kw_only(), nb::arg("ef").none() = nb::none(),
          nb::arg("filter").none() = nb::none(), nb::arg("rerank").none() = nb::none(),
          (std::string("Searches by text for chunks: (chunk_keys, distances); several may\n"
                       "belong to one document. get_metadata_str(chunk) is the text.\n") +
           kSearchTextDoc)
              .c_str())
      .def(
          "search_text_ex",
          [](Index& self, nb::handle query, nb::handle k, nb::handle ef, nb::handle filter,
             nb::handle rerank) {
            return search_text(self, query, k, ef, filter, rerank, TextResult::Both);
          },
          nb::arg("query"), nb::arg("k") = 10, nb::kw_only(), nb::arg("ef").none() = nb::none(),
          nb::arg("filter").none() = nb::none(), nb::arg("rerank").none() = nb::none(),
          (std::string("Searches by text for documents with their best chunk:\n"
                       "(doc_keys, chunk_keys, distances); the chunk's metadata is the\n"
                       "passage that matched, document_sources(doc_keys) the sources.\n") +
           kSearchTextDoc)
              .c_str())
      .def(
          "search_keywords",
          [](Index& self, nb::handle query, nb::handle k, nb::handle filter) {
            return search_text(self, query, k, nb::none(), filter, nb::none(),
                               TextResult::Keywords);
          },
          nb::arg("query"), nb::arg("k") = 10, nb::kw_only(), nb::arg("filter").none() = nb::none(),
          (std::string("Keyword search (BM25) over every key's metadata read as text: (keys,\n"
                       "scores). Keys are CHUNK keys for documents added with add_text(s). Words\n"
                       "are Unicode letters and digits, case and accents folded; a query without\n"
                       "words finds nothing. No embedder is needed. filter: as in search().\n") +
           kSearchScoredDoc)
              .c_str())
      .def(
          "search_hybrid",
          [](Index& self, nb::handle query, nb::handle k, nb::handle ef, nb::handle filter,
             nb::handle keyword_weight) {
            return search_text(self, query, k, ef, filter, nb::none(), TextResult::Hybrid,
                               keyword_weight);
          },
          nb::arg("query"), nb::arg("k") = 10, nb::kw_only(), nb::arg("ef").none() = nb::none(),
          nb::arg("filter").none() = nb::none(), nb::arg("keyword_weight").none() = nb::none(),
          (std::string("Hybrid search for documents: (doc_keys, chunk_keys, scores), fusing\n"
                       "search_text (meaning, through the embedder) with search_keywords (exact\n"
                       "words) by reciprocal rank fusion. Each document's chunk is its best one;\n"
                       "document_sources(doc_keys) gives the documents' sources.\n"
                       "Needs an embedder (InvalidArgumentError without). ef: as in search_text;\n"
                       "filter: called with CHUNK keys, in both rankings.\n"
                       "keyword_weight: the keyword ranking's weight against the meaning\n"
                       "ranking's 1: score = 1 / (60 + meaning rank) + keyword_weight / (60 +\n"
                       "keyword rank). None (or 0) = equal weights; raise it for names and\n"
                       "codes or a weak embedder. From 0 to 1000 (InvalidArgumentError).\n") +
           kSearchScoredDoc)
              .c_str());
}

}  // namespace qvpy
