// qv_index_*_text and the text options: argument checks and translation to
// quiver::TextLayer (src/collection/text_layer.h).
#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "capi/embedder_handle.h"
#include "capi/error_state.h"
#include "capi/handle_checks.h"
#include "capi/index_handle.h"
#include "capi/search_params.h"

using quiver::capi::check_index;
using quiver::capi::check_writable;
using quiver::capi::guard;
using quiver::capi::invalid;
using quiver::capi::raw_enum;

static_assert(QV_CHUNK_BITS == quiver::kChunkBits, "chunk key layout");
static_assert(QV_MAX_CHUNKS_PER_DOC == quiver::kMaxChunksPerDocument, "chunk key layout");
static_assert(QV_MAX_DOC_KEY == quiver::kMaxDocumentKey, "chunk key layout");
static_assert(QV_CHUNK_KEY(5, 3) == quiver::chunk_key(5, 3), "chunk key layout");

namespace {

qv_status read_text_options(const qv_text_options* o, quiver::ChunkOptions& out) {
  if (!o) {
    out = quiver::TextLayer::default_chunk_options();
    return QV_OK;
  }
  if (o->struct_size != sizeof(qv_text_options))
    return invalid("opts.struct_size is " + std::to_string(o->struct_size) + ", expected " +
                   std::to_string(sizeof(qv_text_options)) +
                   "; initialise the struct with qv_text_options_init");
  const int unit = raw_enum(o->unit);
  if (unit != QV_CHUNK_CHARACTERS && unit != QV_CHUNK_TOKENS)
    return invalid("chunk unit " + std::to_string(unit) + " is unknown; use CHARACTERS or TOKENS");
  if (o->chunk_size == 0) return invalid("chunk_size is 0; it must be at least 1");
  if (o->chunk_overlap >= o->chunk_size)
    return invalid("chunk_overlap (" + std::to_string(o->chunk_overlap) +
                   ") must be smaller than chunk_size (" + std::to_string(o->chunk_size) + ")");
  out.unit = unit == QV_CHUNK_TOKENS ? quiver::ChunkUnit::Tokens : quiver::ChunkUnit::Characters;
  out.size = o->chunk_size;
  out.overlap = o->chunk_overlap;
  return QV_OK;
}

// Checks shared by the three searches; fills options.
qv_status check_search(const qv_index* index, const char* query, size_t k,
                       const qv_search_params* params, const void* keys_out,
                       const size_t* found_out, quiver::SearchOptions& options) {
  if (qv_status s = check_index(index)) return s;
  if (!query) return invalid("query is NULL; pass the text to search for");
  if (!keys_out) return invalid("keys_out is NULL; pass room for k keys");
  if (!found_out) return invalid("found_out is NULL; pass the address of a size_t");
  unsigned threads_unused = 0;  // one query: no batch threads
  return quiver::capi::read_search_params(params, k, options, threads_unused);
}

// Checked before the query's own checks so that a missing embedder is the
// error reported; the words are the layer's own (a detach racing the call
// gets the same error from the layer).
qv_status check_embedder(const qv_index* index) {
  if (index->text.embedder()) return QV_OK;
  return guard([] { quiver::fail_no_embedder(); });
}

qv_status search_documents(const qv_index* index, const char* query, size_t k,
                           const qv_search_params* params, uint64_t* doc_keys_out,
                           uint64_t* chunk_keys_out, float* distances_out, size_t* found_out) {
  quiver::SearchOptions options;
  if (qv_status s = check_search(index, query, k, params, doc_keys_out, found_out, options))
    return s;
  if (qv_status s = check_embedder(index)) return s;
  return guard([&] {
    // Not thread_local: a filter may search the same or another index
    // from inside this call.
    std::vector<quiver::DocumentHit> hits;
    index->text.search_documents(*index->collection, query, options, hits);
    for (size_t i = 0; i < hits.size(); ++i) {
      doc_keys_out[i] = hits[i].document;
      if (chunk_keys_out) chunk_keys_out[i] = hits[i].chunk;
      if (distances_out) distances_out[i] = hits[i].distance;
    }
    *found_out = hits.size();
  });
}

qv_status not_found_document(uint64_t doc_key) {
  return quiver::capi::set_error(
      QV_ERR_NOT_FOUND, "no document with key " + std::to_string(doc_key) + " in the index");
}

}  // namespace

extern "C" {

QV_API void qv_text_options_init(qv_text_options* opts) {
  if (!opts) return;
  const quiver::ChunkOptions d = quiver::TextLayer::default_chunk_options();
  *opts = qv_text_options{};
  opts->struct_size = sizeof(qv_text_options);
  opts->unit = d.unit == quiver::ChunkUnit::Tokens ? QV_CHUNK_TOKENS : QV_CHUNK_CHARACTERS;
  opts->chunk_size = uint32_t(d.size);
  opts->chunk_overlap = uint32_t(d.overlap);
}

QV_API qv_status qv_index_set_text_options(qv_index* index, const qv_text_options* opts) {
  if (qv_status s = check_index(index)) return s;
  quiver::ChunkOptions options;
  if (qv_status s = read_text_options(opts, options)) return s;
  return guard([&] { index->text.set_chunk_options(options); });
}

QV_API qv_status qv_index_set_embedder(qv_index* index, qv_embedder* emb) {
  if (qv_status s = check_index(index)) return s;
  return guard([&] { index->text.set_embedder(*index->collection, emb ? emb->impl : nullptr); });
}

QV_API qv_status qv_index_add_texts(qv_index* index, size_t n, const uint64_t* doc_keys,
                                    const char* const* texts) {
  if (qv_status s = check_writable(index)) return s;
  if (n == 0) return QV_OK;
  if (!doc_keys) return invalid("doc_keys is NULL; pass n document keys");
  if (!texts) return invalid("texts is NULL; pass n NUL-terminated UTF-8 strings");
  for (size_t i = 0; i < n; ++i)
    if (!texts[i]) return invalid("texts[" + std::to_string(i) + "] is NULL");
  if (qv_status s = check_embedder(index)) return s;
  return guard([&] {
    std::vector<std::string_view> views(texts, texts + n);
    index->text.add_texts(*index->collection, std::span(doc_keys, n), views,
                          index->options.threads);
  });
}

QV_API qv_status qv_index_add_text(qv_index* index, uint64_t doc_key, const char* text) {
  if (qv_status s = check_writable(index)) return s;
  if (!text) return invalid("text is NULL; pass a NUL-terminated UTF-8 string");
  return qv_index_add_texts(index, 1, &doc_key, &text);
}

QV_API qv_status qv_index_remove_text(qv_index* index, uint64_t doc_key) {
  if (qv_status s = check_writable(index)) return s;
  return guard([&] { index->text.remove_text(*index->collection, doc_key); });
}

QV_API qv_status qv_index_upsert_text(qv_index* index, uint64_t doc_key, const char* text,
                                      const char* source, const char* fields) {
  if (qv_status s = check_writable(index)) return s;
  if (!text) return invalid("text is NULL; pass a NUL-terminated UTF-8 string");
  if (qv_status s = check_embedder(index)) return s;
  return guard([&] {
    index->text.upsert_text(*index->collection, doc_key, text, source ? source : "",
                            fields ? fields : "", index->options.threads);
  });
}

QV_API qv_status qv_index_document_chunks(const qv_index* index, uint64_t doc_key,
                                          uint64_t* keys_out, size_t capacity, size_t* count_out) {
  if (qv_status s = check_index(index)) return s;
  if (!count_out) return invalid("count_out is NULL; pass the address of a size_t");
  if (!keys_out && capacity > 0)
    return invalid("keys_out is NULL but capacity is " + std::to_string(capacity) +
                   "; pass room for capacity keys, or capacity 0 to ask for the count");
  return guard([&]() -> qv_status {
    const auto document = index->text.document(*index->collection, doc_key);
    if (!document) return not_found_document(doc_key);
    const quiver::ChunkRange chunks = document->chunks;
    for (size_t i = 0; i < chunks.count && i < capacity; ++i) keys_out[i] = chunks.key(doc_key, i);
    *count_out = chunks.count;
    return QV_OK;
  });
}

QV_API qv_status qv_index_get_document(const qv_index* index, uint64_t doc_key, const char** source,
                                       size_t* source_len, const char** fields,
                                       size_t* fields_len) {
  if (qv_status s = check_index(index)) return s;
  return guard([&]() -> qv_status {
    const auto document = index->text.document(*index->collection, doc_key);
    if (!document) return not_found_document(doc_key);
    // An empty view may hold no pointer: hand out "" instead.
    if (source) *source = document->source.empty() ? "" : document->source.data();
    if (source_len) *source_len = document->source.size();
    if (fields) *fields = document->fields.empty() ? "" : document->fields.data();
    if (fields_len) *fields_len = document->fields.size();
    return QV_OK;
  });
}

QV_API qv_status qv_index_copy_document(const qv_index* index, uint64_t doc_key, char* source,
                                        size_t source_capacity, size_t* source_len, char* fields,
                                        size_t fields_capacity, size_t* fields_len) {
  if (qv_status s = check_index(index)) return s;
  if (!source_len || !fields_len)
    return invalid("source_len or fields_len is NULL; pass the addresses of two size_t");
  if ((!source && source_capacity > 0) || (!fields && fields_capacity > 0))
    return invalid("a buffer is NULL but its capacity is not 0");
  return guard([&]() -> qv_status {
    // A copy made under the table's lock: an upsert running meanwhile
    // cannot free what is being copied.
    auto record = index->collection->documents().copy_of(doc_key);
    if (!record || record->chunks.count == 0) {
      // No entry: a document from before the table has chunks and nothing else.
      if (!index->text.document(*index->collection, doc_key)) return not_found_document(doc_key);
      record = quiver::DocumentRecord{};
    }
    if (const size_t n = std::min(record->source.size(), source_capacity))
      std::memcpy(source, record->source.data(), n);
    if (const size_t n = std::min(record->fields.size(), fields_capacity))
      std::memcpy(fields, record->fields.data(), n);
    *source_len = record->source.size();
    *fields_len = record->fields.size();
    return QV_OK;
  });
}

QV_API qv_status qv_index_list_documents(const qv_index* index, uint64_t first_key,
                                         uint64_t* keys_out, size_t capacity, size_t* count_out) {
  if (qv_status s = check_index(index)) return s;
  if (!keys_out) return invalid("keys_out is NULL; pass room for capacity keys");
  if (!count_out) return invalid("count_out is NULL; pass the address of a size_t");
  if (capacity == 0) return invalid("capacity is 0; pass room for at least one key");
  return guard([&] {
    const std::vector<uint64_t> keys =
        index->collection->documents().live_keys(first_key, capacity);
    std::copy(keys.begin(), keys.end(), keys_out);
    *count_out = keys.size();
  });
}

QV_API qv_status qv_index_document_count(const qv_index* index, uint64_t* count_out) {
  if (qv_status s = check_index(index)) return s;
  if (!count_out) return invalid("count_out is NULL; pass the address of a uint64_t");
  *count_out = index->collection->documents().live_count();
  return QV_OK;
}

QV_API qv_status qv_index_search_text(const qv_index* index, const char* query, size_t k,
                                      const qv_search_params* params, uint64_t* keys_out,
                                      float* distances_out, size_t* found_out) {
  return search_documents(index, query, k, params, keys_out, nullptr, distances_out, found_out);
}

QV_API qv_status qv_index_search_text_ex(const qv_index* index, const char* query, size_t k,
                                         const qv_search_params* params, uint64_t* doc_keys_out,
                                         uint64_t* chunk_keys_out, float* distances_out,
                                         size_t* found_out) {
  return search_documents(index, query, k, params, doc_keys_out, chunk_keys_out, distances_out,
                          found_out);
}

QV_API qv_status qv_index_search_keywords(const qv_index* index, const char* query, size_t k,
                                          const qv_search_params* params, uint64_t* keys_out,
                                          float* scores_out, size_t* found_out) {
  quiver::SearchOptions options;
  if (qv_status s = check_search(index, query, k, params, keys_out, found_out, options)) return s;
  return guard([&] {
    std::vector<quiver::KeywordHit> hits;
    index->text.search_keywords(*index->collection, query, k, options.filter, hits);
    for (size_t i = 0; i < hits.size(); ++i) {
      keys_out[i] = hits[i].key;
      if (scores_out) scores_out[i] = hits[i].score;
    }
    *found_out = hits.size();
  });
}

QV_API qv_status qv_index_search_hybrid(const qv_index* index, const char* query, size_t k,
                                        const qv_search_params* params, uint64_t* doc_keys_out,
                                        uint64_t* chunk_keys_out, float* scores_out,
                                        size_t* found_out) {
  quiver::SearchOptions options;
  if (qv_status s = check_search(index, query, k, params, doc_keys_out, found_out, options))
    return s;
  if (qv_status s = check_embedder(index)) return s;
  return guard([&] {
    std::vector<quiver::HybridHit> hits;
    index->text.search_hybrid(*index->collection, query, options, hits);
    for (size_t i = 0; i < hits.size(); ++i) {
      doc_keys_out[i] = hits[i].document;
      if (chunk_keys_out) chunk_keys_out[i] = hits[i].chunk;
      if (scores_out) scores_out[i] = float(hits[i].score);
    }
    *found_out = hits.size();
  });
}

QV_API qv_status qv_index_search_text_chunks(const qv_index* index, const char* query, size_t k,
                                             const qv_search_params* params, uint64_t* keys_out,
                                             float* distances_out, size_t* found_out) {
  quiver::SearchOptions options;
  if (qv_status s = check_search(index, query, k, params, keys_out, found_out, options)) return s;
  if (qv_status s = check_embedder(index)) return s;
  return guard([&] {
    std::vector<quiver::Hit> hits;
    index->text.search_chunks(*index->collection, query, options, hits);
    for (size_t i = 0; i < hits.size(); ++i) {
      keys_out[i] = hits[i].key;
      if (distances_out) distances_out[i] = hits[i].distance;
    }
    *found_out = hits.size();
  });
}

}  // extern "C"
