#include "collection/text_layer.h"

#include <algorithm>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "core/error.h"
#include "embedding/utf8.h"

namespace quiver {
namespace {

void check_document_key(uint64_t key) {
  if (key > kMaxDocumentKey)
    fail(Status::InvalidArgument,
         "document key " + std::to_string(key) +
             " is above the largest one, 2^48 - 1 = " + std::to_string(kMaxDocumentKey) +
             " (the low 16 bits of a key number the document's chunks)");
}

std::shared_ptr<Embedder> require(const std::shared_ptr<Embedder>& embedder) {
  if (!embedder) fail_no_embedder();
  return embedder;
}

bool has_vector(const Collection& collection, uint64_t key, std::vector<float>& scratch) {
  scratch.resize(collection.index().dim());
  try {
    collection.index().get(key, scratch.data());
    return true;
  } catch (const Error& e) {
    if (e.status() == Status::NotFound) return false;
    throw;
  }
}

// Refuses a batch that cannot go in whole, before anything is embedded: a
// key out of range or twice in the batch, an empty or blank text, a
// document already in the collection.
void check_new_documents(const Collection& collection, std::span<const uint64_t> document_keys,
                         std::span<const std::string_view> texts) {
  std::unordered_set<uint64_t> seen;
  seen.reserve(document_keys.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    const uint64_t doc = document_keys[i];
    check_document_key(doc);
    if (!seen.insert(doc).second)
      fail(Status::DuplicateKey, "document key " + std::to_string(doc) +
                                     " appears more than once in the batch; nothing was added");
    if (texts[i].empty() || utf8::is_blank(texts[i]))
      fail(Status::InvalidArgument, "the text of document " + std::to_string(doc) + " is " +
                                        (texts[i].empty() ? "empty" : "only whitespace") +
                                        "; there is nothing to embed (nothing was added)");
    // Every chunk added here carries metadata, so this lookup is a cheap
    // early answer for the usual case; add_batch remains the guard.
    if (collection.get_metadata(chunk_key(doc, 0)))
      fail(Status::DuplicateKey, "document " + std::to_string(doc) +
                                     " is already in the index; remove the document first "
                                     "to replace it (nothing was added)");
  }
}

// Every chunk of a batch of documents: its key and its text (a view into
// the document's text).
struct ChunkBatch {
  std::vector<uint64_t> keys;
  std::vector<std::string_view> texts;
};

ChunkBatch chunk_documents(std::span<const uint64_t> document_keys,
                           std::span<const std::string_view> texts, const ChunkOptions& chunking) {
  ChunkBatch batch;
  for (size_t i = 0; i < texts.size(); ++i) {
    const std::vector<Chunk> pieces = chunk_text(texts[i], chunking);
    if (pieces.size() > kMaxChunksPerDocument)
      fail(Status::InvalidArgument,
           "document " + std::to_string(document_keys[i]) + " splits into " +
               std::to_string(pieces.size()) + " chunks but a document may have at most " +
               std::to_string(kMaxChunksPerDocument) +
               "; use a larger chunk size (text options) or split the document "
               "(nothing was added)");
    for (size_t c = 0; c < pieces.size(); ++c) {
      batch.keys.push_back(chunk_key(document_keys[i], c));
      batch.texts.push_back(pieces[c].text(texts[i]));
    }
  }
  return batch;
}

// add_batch, with a duplicate named as the document and chunk it is.
void add_chunk_vectors(Collection& collection, const std::vector<uint64_t>& keys,
                       const std::vector<float>& vectors, unsigned threads) {
  try {
    collection.add_batch(keys.size(), keys.data(), vectors.data(), threads);
  } catch (const Error& e) {
    if (e.status() != Status::DuplicateKey) throw;
    std::vector<float> scratch;
    for (uint64_t key : keys)
      if (has_vector(collection, key, scratch))
        fail(Status::DuplicateKey,
             "key " + std::to_string(key) + " (document " + std::to_string(document_of(key)) +
                 ", chunk " + std::to_string(chunk_number_of(key)) +
                 ") is already in the index; remove the document first, or use another "
                 "document key (nothing was added)");
    throw;
  }
}

void remove_chunks(Collection& collection, const std::vector<uint64_t>& keys) {
  for (uint64_t key : keys) {
    try {
      collection.remove(key);
    } catch (const Error&) {
      // Already gone (removed concurrently): nothing to undo.
    }
  }
}

// Each chunk's text as its metadata. Only an allocation failure (or a
// concurrent remove of a chunk key just added) can stop this; then the
// vectors come out again so that add_texts still adds nothing.
void set_chunk_texts(Collection& collection, const ChunkBatch& batch) {
  collection.build_keywords();  // so that an index of texts keeps (and saves) one
  try {
    for (size_t i = 0; i < batch.keys.size(); ++i)
      collection.set_metadata(batch.keys[i], batch.texts[i].data(), batch.texts[i].size());
  } catch (...) {
    remove_chunks(collection, batch.keys);
    throw;
  }
}

}  // namespace

ChunkOptions TextLayer::default_chunk_options() {
  ChunkOptions o;
  o.unit = ChunkUnit::Characters;
  o.size = 800;
  o.overlap = 100;
  return o;
}

TextLayer::TextLayer() : chunking_(default_chunk_options()) {}

void TextLayer::set_embedder(const Collection& collection, std::shared_ptr<Embedder> embedder) {
  if (embedder && embedder->dim() != collection.index().dim())
    fail(Status::DimensionMismatch,
         "the embedder makes vectors of dimension " + std::to_string(embedder->dim()) +
             " but the index has dimension " + std::to_string(collection.index().dim()) +
             "; create the embedder (or the index) with the same dimension");
  std::lock_guard lock(mutex_);
  embedder_ = std::move(embedder);
}

std::shared_ptr<Embedder> TextLayer::embedder() const {
  std::lock_guard lock(mutex_);
  return embedder_;
}

void TextLayer::set_chunk_options(const ChunkOptions& options) {
  validate(options);
  std::lock_guard lock(mutex_);
  chunking_ = options;
}

ChunkOptions TextLayer::chunk_options() const {
  std::lock_guard lock(mutex_);
  return chunking_;
}

TextLayer::Snapshot TextLayer::snapshot() const {
  std::lock_guard lock(mutex_);
  return {embedder_, chunking_};
}

void TextLayer::add_texts(Collection& collection, std::span<const uint64_t> document_keys,
                          std::span<const std::string_view> texts, unsigned threads) const {
  if (document_keys.size() != texts.size())
    fail(Status::InvalidArgument, "add_texts: as many document keys as texts are needed");
  if (texts.empty()) return;
  // Everything that can be checked without the embedder is checked first:
  // an embedding may cost money and minutes (Gemini).
  if (collection.read_only()) fail_read_only();
  const Snapshot s = snapshot();
  require(s.embedder);
  check_new_documents(collection, document_keys, texts);
  const ChunkBatch batch = chunk_documents(document_keys, texts, s.chunking);

  // One embedder call for the whole batch (an embedder batches requests
  // itself), then one add_batch: both all-or-nothing.
  const std::vector<float> vectors = s.embedder->embed(batch.texts, EmbedTask::Document);
  // From here to the last metadata no remove_text of these documents runs
  // (not during the embedding, which may take long).
  const KeyClaims::Claim claim = documents_.claim(document_keys);
  add_chunk_vectors(collection, batch.keys, vectors, threads);
  set_chunk_texts(collection, batch);
}

size_t TextLayer::remove_text(Collection& collection, uint64_t document_key) const {
  check_document_key(document_key);
  if (collection.read_only()) fail_read_only();
  const KeyClaims::Claim claim = documents_.claim(std::span(&document_key, 1));
  size_t removed = 0;
  for (; removed < kMaxChunksPerDocument; ++removed) {
    try {
      collection.remove(chunk_key(document_key, removed));
    } catch (const Error& e) {
      if (e.status() != Status::NotFound) throw;
      break;
    }
  }
  if (removed == 0)
    fail(Status::NotFound, "no document with key " + std::to_string(document_key) +
                               " in the index (its chunk 0, key " +
                               std::to_string(chunk_key(document_key, 0)) + ", is absent)");
  return removed;
}

std::vector<float> TextLayer::embed_query(const Collection& collection,
                                          std::string_view query) const {
  if (query.empty() || utf8::is_blank(query))
    fail(Status::InvalidArgument, std::string("the query is ") +
                                      (query.empty() ? "empty" : "only whitespace") +
                                      "; pass the text to search for");
  const std::shared_ptr<Embedder> embedder = require(snapshot().embedder);
  if (embedder->dim() != collection.index().dim())  // set_embedder checked; be sure
    fail(Status::DimensionMismatch, "the embedder's dimension differs from the index's");
  const std::string_view one[1] = {query};
  return embedder->embed(one, EmbedTask::Query);
}

void TextLayer::search_chunks(const Collection& collection, std::string_view query,
                              const SearchOptions& options, std::vector<Hit>& out) const {
  const std::vector<float> q = embed_query(collection, query);
  collection.index().search(q.data(), options, out);
}

void TextLayer::search_documents(const Collection& collection, std::string_view query,
                                 const SearchOptions& options,
                                 std::vector<DocumentHit>& out) const {
  out.clear();
  if (options.k == 0) fail(Status::InvalidArgument, "k must be at least 1");
  const std::vector<float> q = embed_query(collection, query);
  const VectorIndex& index = collection.index();
  // Most documents are short, so 2k chunks usually hold k documents; when
  // they do not, ask for four times as many, up to every chunk there is.
  SearchOptions wide = options;
  const size_t k = options.k;
  wide.k = k > SIZE_MAX / 2 ? k : 2 * k;
  std::vector<Hit> hits;
  std::unordered_set<uint64_t> seen;
  for (;;) {
    const size_t live = index.size();  // may change under concurrent adds
    wide.k = std::max<size_t>(1, std::min(wide.k, std::max(live, k)));
    index.search(q.data(), wide, hits);
    out.clear();
    seen.clear();
    for (const Hit& h : hits) {
      if (!seen.insert(document_of(h.key)).second) continue;
      out.push_back({h.distance, document_of(h.key), h.key});
      if (out.size() == k) return;
    }
    // Fewer hits than asked: the index (or what passes the filter) is
    // exhausted. Asked for every live chunk: nothing more to find.
    if (hits.size() < wide.k || wide.k >= live) return;
    wide.k = wide.k > SIZE_MAX / 4 ? SIZE_MAX : wide.k * 4;
  }
}

void TextLayer::search_hybrid(const Collection& collection, std::string_view query,
                              const SearchOptions& options, std::vector<HybridHit>& out) const {
  out.clear();
  if (options.k == 0) fail(Status::InvalidArgument, "k must be at least 1");
  SearchOptions deep = options;
  deep.k = std::max(options.k, kHybridDepth);
  std::vector<DocumentHit> by_meaning;
  search_documents(collection, query, deep, by_meaning);
  // Keyword hits are chunks: a document ranks where its best chunk does.
  std::vector<KeywordHit> chunks;
  std::vector<DocumentHit> by_words;
  std::unordered_set<uint64_t> seen;
  for (size_t want = deep.k * 4;; want *= 4) {
    collection.search_keywords(query, want, options.filter, chunks);
    by_words.clear();
    seen.clear();
    for (const KeywordHit& h : chunks)
      if (seen.insert(document_of(h.key)).second && by_words.size() < deep.k)
        by_words.push_back({0.0f, document_of(h.key), h.key});
    if (by_words.size() == deep.k || chunks.size() < want) break;
  }
  std::unordered_map<uint64_t, HybridHit> fused;
  auto add_ranking = [&](const std::vector<DocumentHit>& ranking) {
    for (size_t r = 0; r < ranking.size(); ++r) {
      auto it = fused
                    .try_emplace(ranking[r].document,
                                 HybridHit{0.0, ranking[r].document, ranking[r].chunk})
                    .first;
      it->second.score += 1.0 / (kRrfK + double(r + 1));
    }
  };
  add_ranking(by_meaning);  // first: its best chunk is the one a document keeps
  add_ranking(by_words);
  out.reserve(fused.size());
  for (const auto& entry : fused) out.push_back(entry.second);
  std::sort(out.begin(), out.end(), [](const HybridHit& a, const HybridHit& b) {
    return a.score != b.score ? a.score > b.score : a.document < b.document;
  });
  if (out.size() > options.k) out.resize(options.k);
}

}  // namespace quiver
