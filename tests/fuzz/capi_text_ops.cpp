#include "capi_text_ops.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "capi_pickers.h"

namespace qvfuzz::capi {
namespace {

// Pieces of text for the corners of the chunker, the UTF-8 decoder and the
// hashing embedder: ASCII and Unicode spaces (NBSP, ideographic, em space),
// words, accents, other scripts, invalid UTF-8 (a lone byte, a surrogate,
// above U+10FFFF, overlong, truncated), punctuation only, emoji, a zero
// width space (not a space), a control byte, a combining mark, full-width
// ASCII; and what the tokeniser drops or finds no word in: apostrophes
// (ASCII, U+2019, U+02BC), a lone combining accent, variation selectors
// (U+FE0F, U+E0100), a zero width joiner.
const char* const kPieces[] = {"",
                               " ",
                               "\t\n \r\v\f",
                               "\xc2\xa0",
                               "\xe3\x80\x80",
                               "\xe2\x80\x83",
                               "bees make honey",
                               "Honeybees, nectar; the hive.",
                               "\xc3\x89"
                               "cole",
                               "\xd0\x9c\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0",
                               "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
                               "\xff",
                               "\xfe\xff",
                               "\xed\xa0\x80",
                               "\xf4\x90\x80\x80",
                               "\xc0\xaf",
                               "\xe2\x82",
                               "!!!",
                               "\xf0\x9f\x98\x80",
                               "don't",
                               "a",
                               "42",
                               "the of and",
                               "x y z",
                               "\xe2\x80\x8b",
                               "\x01",
                               "e\xcc\x81",
                               "\xef\xbc\xa1",
                               "'",
                               "''''",
                               "\xe2\x80\x99",
                               "\xca\xbc",
                               "\xcc\x81",
                               "\xef\xb8\x8f",
                               "\xf3\xa0\x84\x80",
                               "\xe2\x80\x8d"};

// Texts stay short: a chunk holds at least one byte of its text, so a text
// of b bytes adds at most b vectors, and room() bounds them.
constexpr size_t kMaxTextBytes = 64;

std::string pick_text(Input& in) {
  std::string t;
  const size_t pieces = in.u8() % 5;
  for (size_t i = 0; i < pieces && t.size() < kMaxTextBytes; ++i) {
    const uint8_t how = in.u8();
    if (how < 200)
      t += kPieces[how % std::size(kPieces)];
    else
      t += in.bytes(in.u8() % 16);  // raw bytes; a NUL ends the C string there
  }
  if (t.size() > kMaxTextBytes) t.resize(kMaxTextBytes);
  return t;
}

uint64_t pick_doc(Input& in) {
  const uint8_t how = in.u8();
  if (how < 170) return how % 4;
  if (how < 200) return in.u8();
  if (how < 215) return QV_MAX_DOC_KEY;
  if (how < 230) return QV_MAX_DOC_KEY + 1;
  if (how < 240) return UINT64_MAX;
  return in.u64();
}

// Long queries (a query adds no vector, so room() does not bound it): a
// short text repeated up to 4096 times, with a new word after each copy when
// asked, so that the embedder counts tens of thousands of distinct features
// instead of listing them (src/embedding/feature_counts.h).
std::string pick_query(Input& in) {
  const uint8_t how = in.u8();
  if (how < 240) return pick_text(in);
  const std::string piece = pick_text(in);
  const size_t copies = 1 + in.u16() % 4096;
  const bool new_words = how & 1;
  std::string t;
  for (size_t i = 0; i < copies; ++i) {
    t += piece;
    if (new_words) t += " w" + std::to_string(i) + " ";
  }
  return t;
}

// The length in bytes of the Unicode White_Space character (ASCII
// whitespace, U+0085, U+00A0, U+1680, U+2000..U+200A, U+2028, U+2029,
// U+202F, U+205F, U+3000) that t starts with, as valid UTF-8; 0 if none.
size_t space_at(std::string_view t) {
  static const char* const kSpaces[] = {"\xc2\x85",     "\xc2\xa0",     "\xe1\x9a\x80",
                                        "\xe2\x80\xa8", "\xe2\x80\xa9", "\xe2\x80\xaf",
                                        "\xe2\x81\x9f", "\xe3\x80\x80"};
  const unsigned char c = t[0];
  if (c == ' ' || (c >= 0x09 && c <= 0x0D)) return 1;
  if (t.size() >= 3 && c == 0xE2 && static_cast<unsigned char>(t[1]) == 0x80 &&
      static_cast<unsigned char>(t[2]) >= 0x80 && static_cast<unsigned char>(t[2]) <= 0x8A)
    return 3;  // U+2000 .. U+200A
  for (const char* s : kSpaces)
    if (t.starts_with(s)) return std::strlen(s);
  return 0;
}

// Whether the library finds a text (as a C string) blank: nothing but
// White_Space. Every other text embeds to a vector of length 1 (quiver.h).
bool is_blank(std::string_view t) {
  while (!t.empty()) {
    const size_t n = space_at(t);
    if (n == 0) return false;
    t.remove_prefix(n);
  }
  return true;
}

// Whether some chunk of the text could be blank (a window of characters
// that falls on spaces only): it holds a space at all.
bool has_space(std::string_view t) {
  for (; !t.empty(); t.remove_prefix(1))
    if (space_at(t) != 0) return true;
  return false;
}

// The hashing embedder's promise: the zero vector for a blank text, else
// length 1, at every dim (`tolerance` wider for a vector that came back
// through lossy storage: f16 or codes only).
void check_embedding(const std::string& text, const float* v, size_t dim, double tolerance = 1e-4) {
  QVF_CHECK(finite(v, dim));
  const double len = length(v, dim);
  QVF_CHECK(is_blank(text) ? len == 0.0 : std::fabs(len - 1.0) <= tolerance);
}

bool says(const char* what) { return std::strstr(qv_last_error(), what) != nullptr; }

// The query vector of the attached embedder: a second hashing embedder of
// the same dimension gives the same vectors (quiver.h).
std::vector<float> embed_query(uint32_t dim, const std::string& text) {
  qv_embedder* emb = nullptr;
  QVF_CHECK(qv_embedder_create_hashing(dim, &emb) == QV_OK);
  std::vector<float> v(dim);
  const char* p = text.c_str();
  QVF_CHECK(qv_embedder_embed_ex(emb, QV_EMBED_QUERY, 1, &p, nullptr, v.data()) == QV_OK);
  qv_embedder_free(emb);
  check_embedding(text, v.data(), dim);
  return v;
}

void attach(Slot& slot, Input& in) {
  Model& m = slot.m;
  const uint8_t how = in.u8();
  if (how < 24) {
    const qv_status s = qv_index_set_embedder(slot.index, nullptr);
    trace("set_embedder", 0, 0, s);
    QVF_CHECK(s == QV_OK);
    m.embedder_dim = 0;
    return;
  }
  static const uint32_t others[] = {0, 1, 2, 5, QV_MAX_DIM, QV_MAX_DIM + 1, UINT32_MAX};
  const uint32_t dim = how < 200 ? m.dim : others[in.u8() % std::size(others)];
  if (how == 255)
    return QVF_CHECK(qv_embedder_create_hashing(dim, nullptr) == QV_ERR_INVALID_ARGUMENT);
  qv_embedder* emb = nullptr;
  qv_status s = qv_embedder_create_hashing(dim, &emb);
  trace("create_hashing", dim, 0, s);
  check_failure_message(s);
  if (dim == 0 || dim > QV_MAX_DIM) return QVF_CHECK(s == QV_ERR_INVALID_ARGUMENT);
  QVF_CHECK(s == QV_OK && emb != nullptr);
  uint32_t got = 0;
  QVF_CHECK(qv_embedder_dim(emb, &got) == QV_OK && got == dim);
  s = qv_index_set_embedder(slot.index, emb);
  qv_embedder_free(emb);  // the index keeps its own reference
  trace("set_embedder", dim, m.dim, s);
  check_failure_message(s);
  if (dim != m.dim) return QVF_CHECK(s == QV_ERR_DIMENSION_MISMATCH);  // nothing changes
  QVF_CHECK(s == QV_OK);
  m.embedder_dim = dim;
}

void set_options(Slot& slot, Input& in) {
  qv_text_options o;
  qv_text_options_init(&o);
  const uint8_t how = in.u8();
  static const int units[] = {QV_CHUNK_CHARACTERS, QV_CHUNK_TOKENS, 0, 3, -1, INT_MAX};
  const uint8_t ub = in.u8();
  const int unit = units[ub < 240 ? ub % 2 : ub % 6];
  std::memcpy(&o.unit, &unit, sizeof unit);
  static const uint32_t sizes[] = {1, 2, 3, 4, 5, 8, 16, 64, 800, 0, UINT32_MAX};
  const uint8_t sb = in.u8();
  o.chunk_size = sizes[sb < 240 ? sb % 9 : sb % 11];
  const uint32_t size = o.chunk_size;
  const uint32_t overlaps[] = {0, 1, 2, size - 1, size, size + 1, UINT32_MAX};
  const uint8_t ob = in.u8();
  o.chunk_overlap = overlaps[ob < 240 ? ob % 4 : ob % 7];
  if (how > 250) o.struct_size = in.u32();
  const bool defaults = how < 16;  // NULL: back to the defaults
  const qv_status s = qv_index_set_text_options(slot.index, defaults ? nullptr : &o);
  trace("text_options", o.chunk_size, o.chunk_overlap, s);
  check_failure_message(s);
  if (defaults) return QVF_CHECK(s == QV_OK);
  const bool valid = o.struct_size == sizeof o &&
                     (unit == QV_CHUNK_CHARACTERS || unit == QV_CHUNK_TOKENS) &&
                     o.chunk_size >= 1 && o.chunk_overlap < o.chunk_size;
  QVF_CHECK(s == (valid ? QV_OK : QV_ERR_INVALID_ARGUMENT));  // read-only indexes too
}

// Learns a chunk the library just added: its vector (as embedded: under
// cosine normalised again, under lossy storage as its codes) and its text,
// a piece of `text`. False when the key is not in the index.
bool learn_chunk(Slot& slot, uint64_t key, const std::string& text) {
  Model& m = slot.m;
  std::vector<float> v(m.dim);
  const qv_status g = qv_index_get(slot.index, key, v.data());
  if (g == QV_ERR_NOT_FOUND) return false;
  QVF_CHECK(g == QV_OK && finite(v.data(), m.dim));
  const void* data = nullptr;
  size_t len = 0;
  QVF_CHECK(qv_index_get_metadata(slot.index, key, &data, &len) == QV_OK && len > 0);
  std::string chunk(static_cast<const char*>(data), len);
  QVF_CHECK(text.find(chunk) != std::string::npos);
  check_embedding(chunk, v.data(), m.dim, m.codes_estimate ? 2e-2 : 1e-4);
  // The vector as get gives it back: under cosine its distances are the
  // stored unit vector's up to rounding, within tolerance().
  m.live[key] = Entry{std::move(v), false};
  m.meta[key] = std::move(chunk);
  return true;
}

// The current chunks of a document as the model knows them: its entry's,
// or for a document without one chunks 0, 1, 2 ... up to the first missing.
DocModel current(const Model& m, uint64_t doc) {
  auto it = m.docs.find(doc);
  if (it != m.docs.end()) return it->second;
  DocModel d;
  while (d.count < QV_MAX_CHUNKS_PER_DOC && m.live.count(QV_CHUNK_KEY(doc, d.count))) ++d.count;
  return d;
}

// qv_index_document_chunks and qv_index_get_document agree with the model.
void check_document(const Slot& slot, uint64_t doc) {
  const DocModel d = current(slot.m, doc);
  std::vector<uint64_t> keys(d.count + 1);
  size_t n = SIZE_MAX;
  const qv_status s = qv_index_document_chunks(slot.index, doc, keys.data(), keys.size(), &n);
  const char *source = nullptr, *fields = nullptr;
  size_t source_len = SIZE_MAX, fields_len = SIZE_MAX;
  const qv_status g =
      qv_index_get_document(slot.index, doc, &source, &source_len, &fields, &fields_len);
  if (doc > QV_MAX_DOC_KEY)
    return QVF_CHECK(s == QV_ERR_INVALID_ARGUMENT && g == QV_ERR_INVALID_ARGUMENT);
  if (d.count == 0) return QVF_CHECK(s == QV_ERR_NOT_FOUND && g == QV_ERR_NOT_FOUND);
  QVF_CHECK(s == QV_OK && g == QV_OK && n == d.count);
  for (uint32_t i = 0; i < d.count; ++i) QVF_CHECK(keys[i] == QV_CHUNK_KEY(doc, d.first + i));
  QVF_CHECK(source_len == d.source.size() && fields_len == d.fields.size());
  QVF_CHECK(std::memcmp(source, d.source.data(), source_len) == 0);
  QVF_CHECK(std::memcmp(fields, d.fields.data(), fields_len) == 0);
}

void add_texts(Slot& slot, Input& in, bool single) {
  Model& m = slot.m;
  const size_t n = single ? 1 : in.u8() % 5;
  std::vector<uint64_t> docs(std::max<size_t>(n, 1));
  std::vector<std::string> texts(std::max<size_t>(n, 1));
  size_t bytes = 0;
  for (size_t i = 0; i < n; ++i) {
    docs[i] = pick_doc(in);
    texts[i] = pick_text(in);
    bytes += std::strlen(texts[i].c_str());
  }
  if (!room(slot, bytes)) return;
  const uint8_t nulls = in.u8();
  const bool null_keys = !single && nulls == 255, null_texts = !single && nulls == 254;
  const bool null_text = nulls == 253 && n > 0;
  std::vector<const char*> pointers(std::max<size_t>(n, 1));
  for (size_t i = 0; i < n; ++i) pointers[i] = texts[i].c_str();
  if (null_text) pointers[n - 1] = nullptr;
  const qv_status s = single ? qv_index_add_text(slot.index, docs[0], pointers[0])
                             : qv_index_add_texts(slot.index, n, null_keys ? nullptr : docs.data(),
                                                  null_texts ? nullptr : pointers.data());
  trace(single ? "add_text" : "add_texts", n, n ? docs[0] : 0, s);
  if (tracing)
    for (size_t i = 0; i < n; ++i)
      std::fprintf(stderr, "    doc %llu: \"%s\"\n", (unsigned long long)docs[i], texts[i].c_str());
  check_failure_message(s);

  if (m.read_only) return QVF_CHECK(s == QV_ERR_UNSUPPORTED);
  if (n == 0) return QVF_CHECK(s == QV_OK);
  if (null_keys || null_texts || null_text) return QVF_CHECK(s == QV_ERR_INVALID_ARGUMENT);
  if (m.embedder_dim == 0) return QVF_CHECK(s == QV_ERR_INVALID_ARGUMENT);
  // The checks the library makes per document, in order, before embedding.
  std::set<uint64_t> batch;
  bool spaces = false;
  for (size_t i = 0; i < n; ++i) {
    if (docs[i] > QV_MAX_DOC_KEY) return QVF_CHECK(s == QV_ERR_INVALID_ARGUMENT);
    if (!batch.insert(docs[i]).second) return QVF_CHECK(s == QV_ERR_DUPLICATE_KEY);
    const std::string text = texts[i].c_str();
    if (is_blank(text)) return QVF_CHECK(s == QV_ERR_INVALID_ARGUMENT);
    spaces = spaces || has_space(text);
    // In the document table, or (a document from before the table) its
    // chunk 0 in the index.
    if (m.docs.count(docs[i]) || m.live.count(QV_CHUNK_KEY(docs[i], 0)))
      return QVF_CHECK(s == QV_ERR_DUPLICATE_KEY);
  }
  if (s != QV_OK) {
    // What the model cannot predict without the chunks: a chunk key some
    // earlier add took, a chunk of spaces only (the zero vector, refused by
    // cosine). Any other chunk embeds to a vector of length 1.
    bool may_collide = false;
    for (const auto& [key, e] : m.live) may_collide = may_collide || batch.count(QV_DOC_KEY(key));
    QVF_CHECK((may_collide && s == QV_ERR_DUPLICATE_KEY) ||
              (spaces && m.metric == QV_METRIC_COSINE && s == QV_ERR_INVALID_ARGUMENT &&
               says("zero length")));
    return;  // all or nothing: the caller's check_count sees nothing added
  }
  // Learn the chunks: numbered from 0 without gaps, each a vector whose
  // metadata is the bytes of its text it spans; and the document's entry
  // (no source, no fields), which qv_index_document_chunks agrees with.
  for (size_t i = 0; i < n; ++i) {
    const std::string text = texts[i].c_str();
    uint32_t chunks = 0;
    for (; chunks < QV_MAX_CHUNKS_PER_DOC; ++chunks) {
      const uint64_t key = QV_CHUNK_KEY(docs[i], chunks);
      if (m.live.count(key)) break;  // there before the call: not one of its chunks
      if (!learn_chunk(slot, key, text)) break;
    }
    QVF_CHECK(chunks >= 1);
    m.docs[docs[i]] = DocModel{0, chunks, "", ""};
    check_document(slot, docs[i]);
  }
}

void remove_text(Slot& slot, Input& in) {
  Model& m = slot.m;
  const uint64_t doc = pick_doc(in);
  const qv_status s = qv_index_remove_text(slot.index, doc);
  trace("remove_text", doc, 0, s);
  check_failure_message(s);
  if (m.read_only) return QVF_CHECK(s == QV_ERR_UNSUPPORTED);
  if (doc > QV_MAX_DOC_KEY) return QVF_CHECK(s == QV_ERR_INVALID_ARGUMENT);
  // Its entry's range (whichever of its keys are still there), or without
  // an entry chunks 0, 1, 2 ... up to the first one missing, whoever added
  // them.
  const DocModel d = current(m, doc);
  for (uint32_t i = 0; i < d.count; ++i) {
    m.live.erase(QV_CHUNK_KEY(doc, d.first + i));
    m.meta.erase(QV_CHUNK_KEY(doc, d.first + i));
  }
  m.docs.erase(doc);
  QVF_CHECK(s == (d.count ? QV_OK : QV_ERR_NOT_FOUND));
  check_document(slot, doc);
}

// The slot as text searches see it: without the keys of documents in the
// table that are outside their current range.
Slot visible(const Slot& slot) {
  Slot seen;
  seen.index = slot.index;
  seen.m = slot.m;
  for (auto it = seen.m.live.begin(); it != seen.m.live.end();) {
    auto d = seen.m.docs.find(QV_DOC_KEY(it->first));
    if (d != seen.m.docs.end() && !d->second.holds(it->first)) {
      seen.m.meta.erase(it->first);
      it = seen.m.live.erase(it);
    } else {
      ++it;
    }
  }
  return seen;
}

// Checks a document search for the query vector q against the model:
// distinct documents that have an eligible live chunk, and (when given)
// their best chunk; sorted distances that match the model; for FLAT the
// nearest documents by their nearest chunk.
void check_documents(const Slot& slot, const std::vector<float>& q, size_t k,
                     const qv_search_params* p, const uint64_t* docs, const uint64_t* chunks,
                     const float* dist, size_t found) {
  const Model& m = slot.m;
  struct Best {
    double distance;
    const Entry* entry;
  };
  std::map<uint64_t, Best> best;  // document -> its nearest eligible chunk
  for (const auto& [key, e] : m.live) {
    if (!passes(p, key)) continue;
    const double d = model_distance(m, q.data(), e.vector.data());
    auto it = best.find(QV_DOC_KEY(key));
    if (it == best.end() || d < it->second.distance) best[QV_DOC_KEY(key)] = Best{d, &e};
  }
  QVF_CHECK(found <= k && found <= best.size());
  std::set<uint64_t> unique;
  for (size_t i = 0; i < found; ++i) {
    QVF_CHECK(best.count(docs[i]) == 1);
    QVF_CHECK(unique.insert(docs[i]).second);
    if (chunks)
      QVF_CHECK(m.live.count(chunks[i]) == 1 && passes(p, chunks[i]) &&
                QV_DOC_KEY(chunks[i]) == docs[i]);
  }
  if (m.wild || !tame(q.data(), m.dim) || !dist) return;
  for (size_t i = 0; i < found; ++i) {
    QVF_CHECK(!std::isnan(dist[i]));
    if (i) QVF_CHECK(dist[i - 1] <= dist[i]);
    if (chunks) {
      const Entry& e = m.live.at(chunks[i]);
      QVF_CHECK(std::fabs(dist[i] - model_distance(m, q.data(), e.vector.data())) <=
                tolerance(m, q.data(), e.vector.data()));
    }
  }
  if (m.kind != QV_INDEX_FLAT) return;
  QVF_CHECK(found == std::min(k, best.size()));
  for (size_t i = 0; i < found; ++i) {
    const Best& b = best.at(docs[i]);
    QVF_CHECK(std::fabs(dist[i] - b.distance) <= tolerance(m, q.data(), b.entry->vector.data()));
  }
  if (found == 0) return;
  for (const auto& [doc, b] : best)
    if (!unique.count(doc))
      QVF_CHECK(b.distance + tolerance(m, q.data(), b.entry->vector.data()) >= dist[found - 1]);
}

// What a search by text reads from the fuzz input before its call (query,
// k, params, a byte of flags), and room for its results: k of them, or one
// more than the live vectors when k is larger, so that ASan catches a write
// past either. Not copyable: `use` may point at `params`, and `params` at
// `filter`.
struct TextQuery {
  std::string query;
  size_t k;
  qv_search_params params;
  FilterState filter;
  qv_search_params* use;
  bool params_ok;
  uint8_t flags;
  std::vector<uint64_t> keys, chunks;  // keys: document (or chunk) keys
  std::vector<float> values;           // distances or scores
  size_t found = SIZE_MAX;

  TextQuery(const Model& m, Input& in) {
    query = pick_query(in);
    k = pick_k(in);
    params_ok = pick_params(in, params, filter, &use);
    flags = in.u8();
    const size_t room = std::max<size_t>(1, std::min(k, m.live.size() + 1));
    keys.resize(room);
    chunks.resize(room);
    values.resize(room);
  }
  TextQuery(const TextQuery&) = delete;
  TextQuery& operator=(const TextQuery&) = delete;
};

enum class TextSearch { Documents, Chunks, DocumentsWithChunks };

void search(Slot& slot, Input& in, TextSearch what) {
  const Model& m = slot.m;
  TextQuery t(m, in);
  const bool null_query = t.flags == 255, null_keys = t.flags == 254, null_found = t.flags == 253;
  const bool want_distances = t.flags & 1, want_chunks = t.flags & 2;
  const char* q = null_query ? nullptr : t.query.c_str();
  uint64_t* keys_out = null_keys ? nullptr : t.keys.data();
  float* dist_out = want_distances ? t.values.data() : nullptr;
  size_t* found_out = null_found ? nullptr : &t.found;
  qv_status s;
  switch (what) {
    case TextSearch::Documents:
      s = qv_index_search_text(slot.index, q, t.k, t.use, keys_out, dist_out, found_out);
      break;
    case TextSearch::Chunks:
      s = qv_index_search_text_chunks(slot.index, q, t.k, t.use, keys_out, dist_out, found_out);
      break;
    default:
      s = qv_index_search_text_ex(slot.index, q, t.k, t.use, keys_out,
                                  want_chunks ? t.chunks.data() : nullptr, dist_out, found_out);
      break;
  }
  trace("search_text", int(what), t.k, s);
  if (tracing) std::fprintf(stderr, "    query \"%s\"\n", t.query.c_str());
  check_failure_message(s);
  if (null_query || null_keys || null_found || t.k == 0 || !t.params_ok)
    return QVF_CHECK(s == QV_ERR_INVALID_ARGUMENT);
  const std::string text = t.query.c_str();
  if (is_blank(text)) return QVF_CHECK(s == QV_ERR_INVALID_ARGUMENT);
  if (m.embedder_dim == 0) return QVF_CHECK(s == QV_ERR_INVALID_ARGUMENT);
  const std::vector<float> vector = embed_query(m.embedder_dim, text);  // length 1
  QVF_CHECK(s == QV_OK);
  const Slot seen = visible(slot);
  if (what == TextSearch::Chunks)
    return check_results(seen, vector.data(), t.k, t.use, t.keys.data(), dist_out, t.found);
  const bool with_chunks = what == TextSearch::DocumentsWithChunks && want_chunks;
  check_documents(seen, vector, t.k, t.use, t.keys.data(), with_chunks ? t.chunks.data() : nullptr,
                  dist_out, t.found);
}

// Hybrid search: distinct documents, each with a chunk that text searches
// see and the filter passes, scores positive and sorted, at most k; with
// FLAT every document the vector ranking puts first is there.
void search_hybrid(Slot& slot, Input& in) {
  const Model& m = slot.m;
  TextQuery t(m, in);
  const bool want_chunks = t.flags & 1, want_scores = t.flags & 2;
  const std::vector<uint64_t>& docs = t.keys;
  const qv_status s = qv_index_search_hybrid(
      slot.index, t.flags == 255 ? nullptr : t.query.c_str(), t.k, t.use, t.keys.data(),
      want_chunks ? t.chunks.data() : nullptr, want_scores ? t.values.data() : nullptr, &t.found);
  trace("search_hybrid", t.k, t.found, s);
  check_failure_message(s);
  if (t.flags == 255 || t.k == 0 || !t.params_ok) return QVF_CHECK(s == QV_ERR_INVALID_ARGUMENT);
  const std::string text = t.query.c_str();
  if (is_blank(text) || m.embedder_dim == 0) return QVF_CHECK(s == QV_ERR_INVALID_ARGUMENT);
  QVF_CHECK(s == QV_OK);
  const Slot seen = visible(slot);
  std::set<uint64_t> with_chunk, unique;
  for (const auto& [key, e] : seen.m.live)
    if (passes(t.use, key)) with_chunk.insert(QV_DOC_KEY(key));
  QVF_CHECK(t.found <= t.k && t.found <= with_chunk.size());
  for (size_t i = 0; i < t.found; ++i) {
    QVF_CHECK(with_chunk.count(docs[i]) == 1 && unique.insert(docs[i]).second);
    if (want_chunks)
      QVF_CHECK(seen.m.live.count(t.chunks[i]) == 1 && QV_DOC_KEY(t.chunks[i]) == docs[i] &&
                passes(t.use, t.chunks[i]));
    if (want_scores) QVF_CHECK(t.values[i] > 0 && (i == 0 || t.values[i - 1] >= t.values[i]));
  }
}

// qv_index_upsert_text: as add_text where the document is new; else the new
// chunks go right after the current ones, the old ones go, and the entry
// holds the new source and fields. On a failure the document is as it was.
void upsert_text(Slot& slot, Input& in) {
  Model& m = slot.m;
  const uint64_t doc = pick_doc(in);
  const std::string text = pick_text(in);
  const uint8_t how = in.u8();
  std::string source = how & 1 ? pick_text(in) : std::string();
  std::string fields = how & 2 ? pick_text(in) : std::string();
  if (how >= 250) source.assign(QV_MAX_DOC_SOURCE + (how & 1), 's');  // at and past the limit
  if (!room(slot, std::strlen(text.c_str()))) return;
  const bool null_text = how == 249, null_source = how & 4, null_fields = how & 8;
  const qv_status s = qv_index_upsert_text(slot.index, doc, null_text ? nullptr : text.c_str(),
                                           null_source ? nullptr : source.c_str(),
                                           null_fields ? nullptr : fields.c_str());
  trace("upsert_text", doc, how, s);
  if (tracing) std::fprintf(stderr, "    \"%s\"\n", text.c_str());
  check_failure_message(s);
  if (m.read_only) return QVF_CHECK(s == QV_ERR_UNSUPPORTED);
  if (null_text || m.embedder_dim == 0 || doc > QV_MAX_DOC_KEY)
    return QVF_CHECK(s == QV_ERR_INVALID_ARGUMENT);
  const std::string t = text.c_str();
  const std::string src = null_source ? "" : source.c_str();
  const std::string fld = null_fields ? "" : fields.c_str();
  if (is_blank(t) || src.size() > QV_MAX_DOC_SOURCE) return QVF_CHECK(s == QV_ERR_INVALID_ARGUMENT);
  // A document from before the table gets an entry for what it has, even
  // when the upsert fails after that.
  const DocModel old = current(m, doc);
  if (old.count && !m.docs.count(doc)) m.docs[doc] = old;
  if (s != QV_OK) {
    // What the model cannot predict without the chunks: a key of the new
    // range some plain add took, a chunk of spaces (cosine's zero vector).
    QVF_CHECK(s == QV_ERR_DUPLICATE_KEY || (has_space(t) && m.metric == QV_METRIC_COSINE &&
                                            s == QV_ERR_INVALID_ARGUMENT && says("zero length")));
    return check_document(slot, doc);
  }
  for (uint32_t i = 0; i < old.count; ++i) {
    m.live.erase(QV_CHUNK_KEY(doc, old.first + i));
    m.meta.erase(QV_CHUNK_KEY(doc, old.first + i));
  }
  // How many chunks the library says, each learnt from the index.
  size_t n = 0;
  QVF_CHECK(qv_index_document_chunks(slot.index, doc, nullptr, 0, &n) == QV_OK && n >= 1);
  DocModel fresh{(old.first + old.count) & 0xFFFF, uint32_t(n), src, fld};
  for (uint32_t i = 0; i < fresh.count; ++i)
    QVF_CHECK(!m.live.count(QV_CHUNK_KEY(doc, fresh.first + i)) &&
              learn_chunk(slot, QV_CHUNK_KEY(doc, fresh.first + i), t));
  m.docs[doc] = std::move(fresh);
  check_document(slot, doc);
}

// The document calls that read: chunks and get of one document (against
// the model), a page of the list and the count, and their bad arguments.
void documents(Slot& slot, Input& in) {
  const Model& m = slot.m;
  const uint8_t how = in.u8();
  if (how < 128) return check_document(slot, pick_doc(in));
  if (how < 200) {
    const uint64_t from = pick_doc(in);
    const size_t capacity = 1 + in.u8() % 8;
    std::vector<uint64_t> keys(capacity);
    size_t n = SIZE_MAX;
    const qv_status s = qv_index_list_documents(slot.index, from, keys.data(), capacity, &n);
    trace("list_documents", from, capacity, s);
    QVF_CHECK(s == QV_OK);
    std::vector<uint64_t> want;
    for (auto it = m.docs.lower_bound(from); it != m.docs.end() && want.size() < capacity; ++it)
      want.push_back(it->first);
    QVF_CHECK(n == want.size() && std::equal(want.begin(), want.end(), keys.begin()));
    uint64_t count = UINT64_MAX;
    QVF_CHECK(qv_index_document_count(slot.index, &count) == QV_OK && count == m.docs.size());
    return;
  }
  size_t n = 0;
  uint64_t key = 0;
  QVF_CHECK(qv_index_document_chunks(slot.index, 0, nullptr, 1, &n) == QV_ERR_INVALID_ARGUMENT);
  QVF_CHECK(qv_index_document_chunks(slot.index, 0, &key, 1, nullptr) == QV_ERR_INVALID_ARGUMENT);
  QVF_CHECK(qv_index_list_documents(slot.index, 0, &key, 0, &n) == QV_ERR_INVALID_ARGUMENT);
  QVF_CHECK(qv_index_list_documents(slot.index, 0, nullptr, 1, &n) == QV_ERR_INVALID_ARGUMENT);
  QVF_CHECK(qv_index_document_count(slot.index, nullptr) == QV_ERR_INVALID_ARGUMENT);
  check_failure_message(QV_ERR_INVALID_ARGUMENT);
}

// One chunk key: removing it leaves a gap that remove_text stops at; its
// metadata is its text.
void chunk_key(Slot& slot, Input& in, uint8_t first) {
  Model& m = slot.m;
  const uint64_t key = QV_CHUNK_KEY(first % 4, in.u8() % 8);
  if (in.flag()) {
    const qv_status s = qv_index_remove(slot.index, key);
    trace("remove_chunk", key, 0, s);
    check_failure_message(s);
    if (m.read_only) return QVF_CHECK(s == QV_ERR_UNSUPPORTED);
    if (!m.live.erase(key)) return QVF_CHECK(s == QV_ERR_NOT_FOUND);
    QVF_CHECK(s == QV_OK);
    m.meta.erase(key);
    return;
  }
  const void* data = nullptr;
  size_t len = 0;
  const qv_status s = qv_index_get_metadata(slot.index, key, &data, &len);
  auto it = m.meta.find(key);
  if (it == m.meta.end()) return QVF_CHECK(s == QV_ERR_NOT_FOUND);
  QVF_CHECK(s == QV_OK && len == it->second.size() &&
            std::memcmp(data, it->second.data(), len) == 0);
}

}  // namespace

void text_op(int which, Slot& slot, Input& in) {
  switch (which) {
    case 0:
      return attach(slot, in);
    case 1:
      return set_options(slot, in);
    case 2:
      return add_texts(slot, in, true);
    case 3:
      return add_texts(slot, in, false);
    case 4:
      return remove_text(slot, in);
    case 5:
      return search(slot, in, TextSearch::Documents);
    case 6:
      return search(slot, in, TextSearch::Chunks);
    case 7:
      return search(slot, in, TextSearch::DocumentsWithChunks);
    default: {
      // The document operations came later: a first byte below 192 keeps
      // the meaning it had (a chunk key), so past inputs still replay.
      const uint8_t first = in.u8();
      if (first < 192) return chunk_key(slot, in, first);
      switch (first % 4) {
        case 0:
          return upsert_text(slot, in);
        case 1:
          return documents(slot, in);
        case 2:
          return search_hybrid(slot, in);
        default:
          return upsert_text(slot, in);
      }
    }
  }
}

void forget_stale_chunks(Model& m) {
  for (const auto& [doc, d] : m.docs) {
    // collection_documents.cpp: after the range, then before it.
    uint64_t removed = 0;
    const uint64_t room = QV_MAX_CHUNKS_PER_DOC - d.count;
    for (uint32_t n = d.first + d.count; removed < room; ++n, ++removed)
      if (!m.live.erase(QV_CHUNK_KEY(doc, n))) break;
    for (uint32_t n = d.first - 1; removed < room; --n, ++removed)
      if (!m.live.erase(QV_CHUNK_KEY(doc, n))) break;
  }
  for (auto it = m.meta.begin(); it != m.meta.end();)
    it = m.live.count(it->first) ? std::next(it) : m.meta.erase(it);
}

}  // namespace qvfuzz::capi
