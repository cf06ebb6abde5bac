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

void check_text(uint64_t document, std::string_view text, const char* nothing_done) {
  if (text.empty() || utf8::is_blank(text))
    fail(Status::InvalidArgument, "the text of document " + std::to_string(document) + " is " +
                                      (text.empty() ? "empty" : "only whitespace") +
                                      "; there is nothing to embed (" + nothing_done + ")");
}

// The chunks of a document added before the document table existed: 0, 1,
// 2 ... up to the first one missing. Nothing when it has none.
std::optional<ChunkRange> untabled_chunks(const Collection& collection, uint64_t document) {
  std::vector<float> scratch;
  uint32_t n = 0;
  while (n < kMaxChunksPerDocument && has_vector(collection, chunk_key(document, n), scratch)) ++n;
  if (n == 0) return std::nullopt;
  return ChunkRange{0, n};
}

// Whether the document has a current version.
bool has_document(const Collection& collection, uint64_t document) {
  if (auto entry = collection.documents().find(document)) return entry->chunks.count > 0;
  std::vector<float> scratch;
  return has_vector(collection, chunk_key(document, 0), scratch);
}

[[noreturn]] void fail_duplicate(uint64_t document) {
  fail(Status::DuplicateKey, "document " + std::to_string(document) +
                                 " is already in the index; remove the document first or "
                                 "upsert it to replace it (nothing was added)");
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
    check_text(doc, texts[i], "nothing was added");
    if (has_document(collection, doc)) fail_duplicate(doc);
  }
}

// The chunk texts of a batch of documents, in order (views into the
// texts), and how many each document has.
struct ChunkedTexts {
  std::vector<std::string_view> texts;
  std::vector<uint32_t> counts;
};

ChunkedTexts chunk_documents(std::span<const uint64_t> document_keys,
                             std::span<const std::string_view> texts, const ChunkOptions& chunking,
                             const char* nothing_done) {
  ChunkedTexts out;
  for (size_t i = 0; i < texts.size(); ++i) {
    const std::vector<Chunk> pieces = chunk_text(texts[i], chunking);
    if (pieces.size() > kMaxChunksPerDocument)
      fail(Status::InvalidArgument,
           "document " + std::to_string(document_keys[i]) + " splits into " +
               std::to_string(pieces.size()) + " chunks but a document may have at most " +
               std::to_string(kMaxChunksPerDocument) +
               "; use a larger chunk size (text options) or split the document (" + nothing_done +
               ")");
    for (const Chunk& piece : pieces) out.texts.push_back(piece.text(texts[i]));
    out.counts.push_back(uint32_t(pieces.size()));
  }
  return out;
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

// Removes the chunks, last first: what a save in between catches of a
// version is then always its first few chunks (collection_documents.cpp).
size_t remove_chunks_backward(Collection& collection, const std::vector<uint64_t>& keys) {
  size_t removed = 0;
  for (auto it = keys.rbegin(); it != keys.rend(); ++it) {
    try {
      collection.remove(*it);
      ++removed;
    } catch (...) {
      // Already gone (removed on its own with qv_index_remove), or out of
      // memory: the chunk stays, unseen by text searches, until a load.
    }
  }
  return removed;
}

// Removes a replaced version, first chunk first: what a save in between
// catches is then its last few chunks, next to the version that replaced it.
void remove_chunks_forward(Collection& collection, uint64_t document, ChunkRange range) {
  for (uint64_t i = 0; i < range.count; ++i) {
    try {
      collection.remove(range.key(document, i));
    } catch (...) {  // as above: the new version is current whatever happens here
    }
  }
}

std::vector<uint64_t> keys_of(uint64_t document, ChunkRange range) {
  std::vector<uint64_t> keys(range.count);
  for (uint64_t i = 0; i < range.count; ++i) keys[i] = range.key(document, i);
  return keys;
}

// Each chunk's text as its metadata. Only an allocation failure (or a
// concurrent remove of a chunk key just added) can stop this; then the
// vectors come out again so that the caller still adds nothing.
void set_chunk_texts(Collection& collection, const std::vector<uint64_t>& keys,
                     std::span<const std::string_view> texts) {
  collection.build_keywords();  // so that an index of texts keeps (and saves) one
  try {
    for (size_t i = 0; i < keys.size(); ++i)
      collection.set_metadata(keys[i], texts[i].data(), texts[i].size());
  } catch (...) {
    remove_chunks_backward(collection, keys);
    throw;
  }
}

// A search's filter: the chunks of the versions its reader keeps to, and
// of those the ones the caller's filter keeps.
struct VersionFilter {
  DocumentTable::Reader reader;
  KeyFilter user;

  VersionFilter(const Collection& collection, const KeyFilter& caller)
      : reader(collection.documents()), user(caller) {}
  static int keeps(uint64_t key, void* self) {
    auto* f = static_cast<VersionFilter*>(self);
    return f->reader.visible(key) && f->user.keeps(key);
  }
  KeyFilter filter() { return KeyFilter{&keeps, this}; }
};

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
  const ChunkedTexts chunks =
      chunk_documents(document_keys, texts, s.chunking, "nothing was added");

  // One embedder call for the whole batch (an embedder batches requests
  // itself), then one add_batch: both all-or-nothing.
  const std::vector<float> vectors = s.embedder->embed(chunks.texts, EmbedTask::Document);
  // From here to the switch no other write of these documents runs (not
  // during the embedding, which may take long).
  const KeyClaims::Claim claim = documents_.claim(document_keys);
  DocumentTable& table = collection.documents();
  std::vector<uint64_t> keys;
  keys.reserve(chunks.texts.size());
  for (size_t i = 0; i < document_keys.size(); ++i) {
    const uint64_t doc = document_keys[i];
    if (has_document(collection, doc)) fail_duplicate(doc);  // added meanwhile
    for (uint32_t c = 0; c < chunks.counts[i]; ++c) keys.push_back(chunk_key(doc, c));
  }
  // Entries without a version first, so that no search sees a document
  // before all of it is in.
  for (const uint64_t doc : document_keys) table.set(doc, DocumentRecord{});
  try {
    add_chunk_vectors(collection, keys, vectors, threads);
    set_chunk_texts(collection, keys, chunks.texts);
  } catch (...) {
    for (const uint64_t doc : document_keys) table.erase(doc);
    throw;
  }
  for (size_t i = 0; i < document_keys.size(); ++i)
    table.set(document_keys[i], DocumentRecord{ChunkRange{0, chunks.counts[i]}, {}, {}});
}

void TextLayer::upsert_text(Collection& collection, uint64_t document_key, std::string_view text,
                            std::string_view source, std::string_view fields,
                            unsigned threads) const {
  check_document_key(document_key);
  if (collection.read_only()) fail_read_only();
  check_text(document_key, text, "the document is unchanged");
  if (source.size() > kMaxSourceBytes)
    fail(Status::InvalidArgument, "the source of document " + std::to_string(document_key) +
                                      " is " + std::to_string(source.size()) +
                                      " bytes long; at most " + std::to_string(kMaxSourceBytes) +
                                      " are kept (the document is unchanged)");
  if (fields.size() > kMaxFieldsBytes)
    fail(Status::InvalidArgument, "the fields of document " + std::to_string(document_key) +
                                      " are " + std::to_string(fields.size()) +
                                      " bytes long; at most " + std::to_string(kMaxFieldsBytes) +
                                      " are kept (the document is unchanged)");
  const Snapshot s = snapshot();
  require(s.embedder);
  const std::string_view one[1] = {text};
  const ChunkedTexts chunks =
      chunk_documents(std::span(&document_key, 1), one, s.chunking, "the document is unchanged");
  const std::vector<float> vectors = s.embedder->embed(chunks.texts, EmbedTask::Document);

  const KeyClaims::Claim claim = documents_.claim(std::span(&document_key, 1));
  DocumentTable& table = collection.documents();
  // The current version. A document from before the table gets an entry
  // that says what it has (nothing changes for searches), so that a save
  // from here on records which chunks are current; a new one an entry
  // without a version, so that no search sees it before all of it is in.
  ChunkRange old;
  bool created = false;
  if (auto entry = table.find(document_key)) {
    old = entry->chunks;
  } else if (auto untabled = untabled_chunks(collection, document_key)) {
    old = *untabled;
    table.set(document_key, DocumentRecord{old, {}, {}});
  } else {
    table.set(document_key, DocumentRecord{});
    created = true;
  }
  const uint32_t count = chunks.counts[0];
  if (uint64_t(old.count) + count > kMaxChunksPerDocument)
    fail(Status::InvalidArgument,
         "document " + std::to_string(document_key) + " has " + std::to_string(old.count) +
             " chunks and its new text " + std::to_string(count) +
             "; both versions are held while one replaces the other, and together they may "
             "have at most " +
             std::to_string(kMaxChunksPerDocument) +
             "; remove the document and add it again, or use a larger chunk size (the document "
             "is unchanged)");
  const ChunkRange fresh{old.end(), count};
  const std::vector<uint64_t> keys = keys_of(document_key, fresh);
  try {
    add_chunk_vectors(collection, keys, vectors, threads);
    set_chunk_texts(collection, keys, chunks.texts);
  } catch (...) {
    if (created) table.erase(document_key);
    throw;
  }
  // The switch: searches from here on see the new version.
  table.set(document_key, DocumentRecord{fresh, std::string(source), std::string(fields)});
  if (old.count == 0) return;
  // A search that chose the old version before the switch finds all of it.
  table.wait_for_readers();
  remove_chunks_forward(collection, document_key, old);
}

size_t TextLayer::remove_text(Collection& collection, uint64_t document_key) const {
  check_document_key(document_key);
  if (collection.read_only()) fail_read_only();
  const KeyClaims::Claim claim = documents_.claim(std::span(&document_key, 1));
  DocumentTable& table = collection.documents();
  ChunkRange current;
  if (auto entry = table.find(document_key))
    current = entry->chunks;
  else if (auto untabled = untabled_chunks(collection, document_key))
    current = *untabled;
  if (current.count == 0)
    fail(Status::NotFound,
         "no document with key " + std::to_string(document_key) + " in the index");
  // The switch: searches from here on see no version.
  table.set(document_key, DocumentRecord{ChunkRange{current.first, 0}, {}, {}});
  table.wait_for_readers();
  const size_t removed = remove_chunks_backward(collection, keys_of(document_key, current));
  table.erase(document_key);
  return removed;
}

std::optional<TextLayer::Document> TextLayer::document(const Collection& collection,
                                                       uint64_t document_key) const {
  check_document_key(document_key);
  if (auto entry = collection.documents().find(document_key)) {
    if (entry->chunks.count == 0) return std::nullopt;
    return Document{entry->chunks, entry->source, entry->fields};
  }
  if (auto untabled = untabled_chunks(collection, document_key)) return Document{*untabled, {}, {}};
  return std::nullopt;
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
  VersionFilter versions(collection, options.filter);
  SearchOptions o = options;
  o.filter = versions.filter();
  collection.index().search(q.data(), o, out);
}

void TextLayer::nearest_documents(const Collection& collection, const float* q,
                                  const SearchOptions& options, std::vector<DocumentHit>& out) {
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
    index.search(q, wide, hits);
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

void TextLayer::search_documents(const Collection& collection, std::string_view query,
                                 const SearchOptions& options,
                                 std::vector<DocumentHit>& out) const {
  out.clear();
  if (options.k == 0) fail(Status::InvalidArgument, "k must be at least 1");
  const std::vector<float> q = embed_query(collection, query);
  VersionFilter versions(collection, options.filter);
  SearchOptions o = options;
  o.filter = versions.filter();
  nearest_documents(collection, q.data(), o, out);
}

void TextLayer::best_chunks_by_words(const Collection& collection, std::string_view query,
                                     size_t documents, const KeyFilter& filter,
                                     std::vector<DocumentHit>& out) {
  // Keyword hits are chunks: a document ranks where its best chunk does.
  std::vector<KeywordHit> chunks;
  std::unordered_set<uint64_t> seen;
  for (size_t want = documents * 4;; want *= 4) {
    collection.search_keywords(query, want, filter, chunks);
    out.clear();
    seen.clear();
    for (const KeywordHit& h : chunks)
      if (seen.insert(document_of(h.key)).second && out.size() < documents)
        out.push_back({0.0f, document_of(h.key), h.key});
    if (out.size() == documents || chunks.size() < want) break;
  }
}

void TextLayer::search_hybrid(const Collection& collection, std::string_view query,
                              const SearchOptions& options, std::vector<HybridHit>& out) const {
  out.clear();
  if (options.k == 0) fail(Status::InvalidArgument, "k must be at least 1");
  const std::vector<float> q = embed_query(collection, query);
  // One reader for both rankings: they see the same version of a document.
  VersionFilter versions(collection, options.filter);
  SearchOptions deep = options;
  deep.k = std::max(options.k, kHybridDepth);
  deep.filter = versions.filter();
  std::vector<DocumentHit> by_meaning;
  nearest_documents(collection, q.data(), deep, by_meaning);
  std::vector<DocumentHit> by_words;
  best_chunks_by_words(collection, query, deep.k, deep.filter, by_words);
  std::unordered_map<uint64_t, HybridHit> fused;
  auto add_ranking = [&](const std::vector<DocumentHit>& ranking, double weight) {
    for (size_t r = 0; r < ranking.size(); ++r) {
      auto it = fused
                    .try_emplace(ranking[r].document,
                                 HybridHit{0.0, ranking[r].document, ranking[r].chunk})
                    .first;
      it->second.score += weight / (kRrfK + double(r + 1));
    }
  };
  add_ranking(by_meaning, 1.0);  // first: its best chunk is the one a document keeps
  add_ranking(by_words, options.keyword_weight);
  out.reserve(fused.size());
  for (const auto& entry : fused) out.push_back(entry.second);
  std::sort(out.begin(), out.end(), [](const HybridHit& a, const HybridHit& b) {
    return a.score != b.score ? a.score > b.score : a.document < b.document;
  });
  if (out.size() > options.k) out.resize(options.k);
}

void TextLayer::search_keywords(const Collection& collection, std::string_view query, size_t k,
                                const KeyFilter& filter, std::vector<KeywordHit>& out) const {
  VersionFilter versions(collection, filter);
  collection.search_keywords(query, k, versions.filter(), out);
}

}  // namespace quiver
