/* Documents as objects (issue 15): qv_index_upsert_text replaces a
 * document (chunk count up and down, source and fields, old chunks gone
 * from vector, keyword and hybrid search), the document calls (chunks,
 * get, list, count), errors, the document table through save and open by
 * LOAD and MMAP, files without the table, chunks a save caught between two
 * versions, and a damaged table refused as QV_ERR_CORRUPT. */
#define _POSIX_C_SOURCE 200809L
/* cmocka.h needs these four first. */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
/* clang-format on */

#include <quiver/quiver.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "qv_test_support.h"
#include "storage_test_util.h"

#define DIM 64
#define DOCUMENTS_SECTION 12u

/* Token chunks of 4 words: a text of 4n words is n chunks. */
static qv_index* text_index(void) {
  qv_index* index = qvt_create_index(DIM, QV_METRIC_COSINE, QV_INDEX_FLAT);
  qv_embedder* emb = NULL;
  qv_text_options o;
  assert_non_null(index);
  assert_int_equal(qv_embedder_create_hashing(DIM, &emb), QV_OK);
  assert_int_equal(qv_index_set_embedder(index, emb), QV_OK);
  qv_embedder_free(emb);
  qv_text_options_init(&o);
  o.unit = QV_CHUNK_TOKENS;
  o.chunk_size = 4;
  o.chunk_overlap = 0;
  assert_int_equal(qv_index_set_text_options(index, &o), QV_OK);
  return index;
}

/* Version `v` of a document: `chunks` chunks "verV kiwi mango fillI". */
static const char* version_text(unsigned v, unsigned chunks) {
  static char buf[4096];
  size_t at = 0;
  unsigned i;
  buf[0] = '\0';
  for (i = 0; i < chunks; ++i)
    at += (size_t)snprintf(buf + at, sizeof buf - at, "%sver%u kiwi mango fill%u", i ? " " : "", v,
                           i);
  return buf;
}

static size_t chunk_count(const qv_index* index, uint64_t doc) {
  size_t n = 999;
  assert_int_equal(qv_index_document_chunks(index, doc, NULL, 0, &n), QV_OK);
  return n;
}

static void assert_source(const qv_index* index, uint64_t doc, const char* source,
                          const char* fields) {
  const char *s = NULL, *f = NULL;
  size_t sl = 99, fl = 99;
  assert_int_equal(qv_index_get_document(index, doc, &s, &sl, &f, &fl), QV_OK);
  assert_int_equal(sl, strlen(source));
  assert_memory_equal(s, source, sl);
  assert_int_equal(fl, strlen(fields));
  assert_memory_equal(f, fields, fl);
}

static size_t keyword_hits(const qv_index* index, const char* query, uint64_t* keys) {
  size_t found = 0;
  assert_int_equal(qv_index_search_keywords(index, query, 32, NULL, keys, NULL, &found), QV_OK);
  return found;
}

static void test_upsert_replaces(void** state) {
  (void)state;
  qv_index* index = text_index();
  uint64_t keys[64], docs[8], chunks[8];
  float dist[64];
  size_t found = 0, i, n;
  uint64_t count = 0;

  assert_int_equal(qv_index_add_text(index, 2, "lemon pear plum grape"), QV_OK);
  assert_int_equal(qv_index_upsert_text(index, 1, version_text(1, 3), "a.txt", "{\"v\":1}"), QV_OK);
  assert_int_equal(chunk_count(index, 1), 3);
  assert_source(index, 1, "a.txt", "{\"v\":1}");
  assert_int_equal(qv_index_document_chunks(index, 1, keys, 64, &n), QV_OK);
  for (i = 0; i < 3; ++i) assert_true(keys[i] == QV_CHUNK_KEY(1, i));

  /* Grows: 5 chunks after the 3 old ones; fields NULL = none. */
  assert_int_equal(qv_index_upsert_text(index, 1, version_text(2, 5), "b.txt", NULL), QV_OK);
  assert_int_equal(chunk_count(index, 1), 5);
  assert_source(index, 1, "b.txt", "");
  assert_int_equal(qv_index_document_chunks(index, 1, keys, 2, &n), QV_OK);
  assert_int_equal(n, 5); /* capacity 2: the count still says 5 */
  assert_true(keys[0] == QV_CHUNK_KEY(1, 3) && keys[1] == QV_CHUNK_KEY(1, 4));
  assert_int_equal(qv_index_count(index, &count), QV_OK);
  assert_int_equal(count, 5 + 1);
  assert_int_equal(keyword_hits(index, "ver1", keys), 0);
  assert_int_equal(keyword_hits(index, "ver2", keys), 5);
  for (i = 0; i < 5; ++i) assert_true(QV_DOC_KEY(keys[i]) == 1);
  {
    const void* data;
    size_t len;
    assert_int_equal(qv_index_get_metadata(index, QV_CHUNK_KEY(1, 0), &data, &len),
                     QV_ERR_NOT_FOUND);
    assert_int_equal(qv_index_get_metadata(index, QV_CHUNK_KEY(1, 3), &data, &len), QV_OK);
    assert_memory_equal(data, "ver2 kiwi mango fill0", len);
  }
  assert_int_equal(qv_index_search_text_chunks(index, "ver2 kiwi", 64, NULL, keys, dist, &found),
                   QV_OK);
  assert_int_equal(found, 6);
  for (i = 0; i < found; ++i)
    if (QV_DOC_KEY(keys[i]) == 1)
      assert_true(QV_CHUNK_NUMBER(keys[i]) >= 3 && QV_CHUNK_NUMBER(keys[i]) < 8);
  assert_int_equal(qv_index_search_hybrid(index, "ver2", 8, NULL, docs, chunks, NULL, &found),
                   QV_OK);
  assert_true(found >= 1 && docs[0] == 1);
  assert_true(QV_CHUNK_NUMBER(chunks[0]) >= 3 && QV_CHUNK_NUMBER(chunks[0]) < 8);

  /* Shrinks to one chunk; source and fields replaced again. */
  assert_int_equal(qv_index_upsert_text(index, 1, version_text(3, 1), "c.md", "x"), QV_OK);
  assert_int_equal(chunk_count(index, 1), 1);
  assert_source(index, 1, "c.md", "x");
  assert_int_equal(qv_index_document_chunks(index, 1, keys, 64, &n), QV_OK);
  assert_true(keys[0] == QV_CHUNK_KEY(1, 8));
  assert_int_equal(qv_index_count(index, &count), QV_OK);
  assert_int_equal(count, 1 + 1);
  assert_int_equal(keyword_hits(index, "ver2", keys), 0);
  assert_int_equal(qv_index_search_text(index, "ver3 kiwi mango", 8, NULL, docs, dist, &found),
                   QV_OK);
  assert_int_equal(found, 2);
  assert_true(docs[0] == 1);
  /* A new document through upsert starts at chunk 0. */
  assert_int_equal(qv_index_upsert_text(index, 3, version_text(4, 2), NULL, NULL), QV_OK);
  assert_int_equal(qv_index_document_chunks(index, 3, keys, 64, &n), QV_OK);
  assert_true(n == 2 && keys[0] == QV_CHUNK_KEY(3, 0));
  assert_source(index, 3, "", "");
  qv_index_free(index);
}

static void test_list_get_count(void** state) {
  (void)state;
  qv_index* index = text_index();
  const uint64_t added[] = {5, 3, 9, 1};
  uint64_t keys[8], count = 0;
  size_t n = 0, i;
  char source[16];
  for (i = 0; i < 4; ++i) {
    snprintf(source, sizeof source, "doc%u.txt", (unsigned)added[i]);
    assert_int_equal(qv_index_upsert_text(index, added[i], version_text(1, 1), source, NULL),
                     QV_OK);
  }
  assert_int_equal(qv_index_document_count(index, &count), QV_OK);
  assert_int_equal(count, 4);
  assert_int_equal(qv_index_list_documents(index, 0, keys, 3, &n), QV_OK);
  assert_int_equal(n, 3);
  assert_true(keys[0] == 1 && keys[1] == 3 && keys[2] == 5);
  assert_int_equal(qv_index_list_documents(index, keys[2] + 1, keys, 3, &n), QV_OK);
  assert_true(n == 1 && keys[0] == 9);
  assert_int_equal(qv_index_list_documents(index, 10, keys, 3, &n), QV_OK);
  assert_int_equal(n, 0);
  assert_source(index, 9, "doc9.txt", "");

  assert_int_equal(qv_index_remove_text(index, 3), QV_OK);
  assert_int_equal(qv_index_remove_text(index, 3), QV_ERR_NOT_FOUND);
  assert_int_equal(qv_index_document_count(index, &count), QV_OK);
  assert_int_equal(count, 3);
  assert_int_equal(qv_index_get_document(index, 3, NULL, NULL, NULL, NULL), QV_ERR_NOT_FOUND);
  assert_true(qvt_contains(qv_last_error(), "no document with key 3"));
  assert_int_equal(qv_index_document_chunks(index, 3, NULL, 0, &n), QV_ERR_NOT_FOUND);
  /* add_text keeps refusing an existing document, and takes a removed one. */
  assert_int_equal(qv_index_add_text(index, 5, "lemon"), QV_ERR_DUPLICATE_KEY);
  assert_int_equal(qv_index_add_text(index, 3, "lemon"), QV_OK);
  assert_int_equal(qv_index_document_count(index, &count), QV_OK);
  assert_int_equal(count, 4);
  assert_source(index, 3, "", "");
  assert_int_equal(qv_index_upsert_text(index, 3, "lime", "three", "{}"), QV_OK);
  assert_source(index, 3, "three", "{}");
  assert_int_equal(qv_index_document_count(index, &count), QV_OK);
  assert_int_equal(count, 4);
  qv_index_free(index);
}

static void test_errors(void** state) {
  (void)state;
  qv_index* index = text_index();
  qv_index* bare = qvt_create_index(DIM, QV_METRIC_COSINE, QV_INDEX_FLAT);
  char* long_source = malloc(QV_MAX_DOC_SOURCE + 2);
  uint64_t keys[4], count;
  size_t n;
  const char* s;
  size_t sl;
  memset(long_source, 'a', QV_MAX_DOC_SOURCE + 1);
  long_source[QV_MAX_DOC_SOURCE + 1] = '\0';

  assert_int_equal(qv_index_upsert_text(NULL, 1, "x", NULL, NULL), QV_ERR_INVALID_ARGUMENT);
  assert_int_equal(qv_index_upsert_text(index, 1, NULL, NULL, NULL), QV_ERR_INVALID_ARGUMENT);
  assert_int_equal(qv_index_upsert_text(index, 1, "  ", NULL, NULL), QV_ERR_INVALID_ARGUMENT);
  assert_int_equal(qv_index_upsert_text(index, QV_MAX_DOC_KEY + 1, "x", NULL, NULL),
                   QV_ERR_INVALID_ARGUMENT);
  assert_int_equal(qv_index_upsert_text(bare, 1, "x", NULL, NULL), QV_ERR_INVALID_ARGUMENT);
  assert_true(qvt_contains(qv_last_error(), "embedder"));
  assert_int_equal(qv_index_upsert_text(index, 1, "kiwi", "first", NULL), QV_OK);
  /* Too long a source: refused, the document unchanged. */
  assert_int_equal(qv_index_upsert_text(index, 1, "mango", long_source, NULL),
                   QV_ERR_INVALID_ARGUMENT);
  assert_true(qvt_contains(qv_last_error(), "8192"));
  assert_source(index, 1, "first", "");
  long_source[QV_MAX_DOC_SOURCE] = '\0'; /* exactly the limit is fine */
  assert_int_equal(qv_index_upsert_text(index, 1, "mango", long_source, NULL), QV_OK);
  assert_int_equal(qv_index_get_document(index, 1, &s, &sl, NULL, NULL), QV_OK);
  assert_int_equal(sl, QV_MAX_DOC_SOURCE);
  /* Invalid UTF-8 is kept as bytes. */
  assert_int_equal(qv_index_upsert_text(index, 1, "kiwi", "\xff\xfe/a", "\xc3"), QV_OK);
  assert_source(index, 1, "\xff\xfe/a", "\xc3");

  assert_int_equal(qv_index_document_chunks(NULL, 1, keys, 4, &n), QV_ERR_INVALID_ARGUMENT);
  assert_int_equal(qv_index_document_chunks(index, 1, keys, 4, NULL), QV_ERR_INVALID_ARGUMENT);
  assert_int_equal(qv_index_document_chunks(index, 1, NULL, 4, &n), QV_ERR_INVALID_ARGUMENT);
  assert_int_equal(qv_index_document_chunks(index, QV_MAX_DOC_KEY + 1, keys, 4, &n),
                   QV_ERR_INVALID_ARGUMENT);
  assert_int_equal(qv_index_get_document(NULL, 1, NULL, NULL, NULL, NULL), QV_ERR_INVALID_ARGUMENT);
  assert_int_equal(qv_index_get_document(index, QV_MAX_DOC_KEY + 1, NULL, NULL, NULL, NULL),
                   QV_ERR_INVALID_ARGUMENT);
  assert_int_equal(qv_index_list_documents(index, 0, NULL, 4, &n), QV_ERR_INVALID_ARGUMENT);
  assert_int_equal(qv_index_list_documents(index, 0, keys, 0, &n), QV_ERR_INVALID_ARGUMENT);
  assert_int_equal(qv_index_list_documents(index, 0, keys, 4, NULL), QV_ERR_INVALID_ARGUMENT);
  assert_int_equal(qv_index_document_count(NULL, &count), QV_ERR_INVALID_ARGUMENT);
  assert_int_equal(qv_index_document_count(index, NULL), QV_ERR_INVALID_ARGUMENT);
  free(long_source);
  qv_index_free(bare);
  qv_index_free(index);
}

static qv_index* open_with_embedder(const char* path, qv_open_mode mode) {
  qv_index* index = NULL;
  qv_embedder* emb = NULL;
  assert_int_equal(qv_index_open(path, mode, &index), QV_OK);
  assert_int_equal(qv_embedder_create_hashing(DIM, &emb), QV_OK);
  assert_int_equal(qv_index_set_embedder(index, emb), QV_OK);
  qv_embedder_free(emb);
  return index;
}

static void check_reopened(const qv_index* index) {
  uint64_t keys[8], count = 0;
  size_t n = 0, found = 0;
  float dist[8];
  assert_int_equal(qv_index_document_count(index, &count), QV_OK);
  assert_int_equal(count, 2);
  assert_int_equal(qv_index_list_documents(index, 0, keys, 8, &n), QV_OK);
  assert_true(n == 2 && keys[0] == 1 && keys[1] == 2);
  assert_source(index, 1, "notes/one.md", "{\"sha\":\"abc\"}");
  assert_source(index, 2, "", "");
  assert_int_equal(qv_index_document_chunks(index, 1, keys, 8, &n), QV_OK);
  assert_true(n == 2 && keys[0] == QV_CHUNK_KEY(1, 3) && keys[1] == QV_CHUNK_KEY(1, 4));
  assert_int_equal(keyword_hits(index, "ver1", keys), 0);
  assert_int_equal(keyword_hits(index, "ver2", keys), 2);
  assert_int_equal(qv_index_search_text(index, "ver2 kiwi", 2, NULL, keys, dist, &found), QV_OK);
  assert_true(found == 2 && keys[0] == 1);
}

static void test_save_open_round_trip(void** state) {
  (void)state;
  char* dir = qvs_temp_dir("documents");
  char* path = qvs_path(dir, "docs.qv");
  qv_index* index = text_index();
  qv_index *loaded, *mapped;
  assert_int_equal(qv_index_upsert_text(index, 1, version_text(1, 3), "old", NULL), QV_OK);
  assert_int_equal(
      qv_index_upsert_text(index, 1, version_text(2, 2), "notes/one.md", "{\"sha\":\"abc\"}"),
      QV_OK);
  assert_int_equal(qv_index_add_text(index, 2, "lemon pear plum grape"), QV_OK);
  assert_int_equal(qv_index_save(index, path), QV_OK);
  qv_index_free(index);

  loaded = open_with_embedder(path, QV_OPEN_LOAD);
  check_reopened(loaded);
  /* Still writable: the next version goes after the loaded one. */
  assert_int_equal(qv_index_upsert_text(loaded, 1, version_text(3, 1), "x", NULL), QV_OK);
  assert_int_equal(chunk_count(loaded, 1), 1);
  qv_index_free(loaded);

  mapped = open_with_embedder(path, QV_OPEN_MMAP);
  check_reopened(mapped);
  assert_int_equal(qv_index_upsert_text(mapped, 1, "kiwi", NULL, NULL), QV_ERR_UNSUPPORTED);
  assert_int_equal(qv_index_remove_text(mapped, 1), QV_ERR_UNSUPPORTED);
  qv_index_free(mapped);
  qvs_remove_tree(dir);
  free(path);
}

/* Every section kind of a saved file. */
static int has_section(const char* path, uint32_t kind) {
  size_t size = 0;
  unsigned char* file = qvt_read_file(path, &size);
  qvs_section sections[QVS_MAX_SECTIONS];
  int n, i, found = 0;
  assert_non_null(file);
  n = qvs_sections(file, size, sections, QVS_MAX_SECTIONS);
  assert_true(n > 0);
  for (i = 0; i < n; ++i) found |= sections[i].kind == kind;
  free(file);
  return found;
}

/* What Quiver wrote before the document table: chunks 0, 1, 2 ... with
 * their texts as metadata, and no table. */
static void add_untabled_document(qv_index* index, uint64_t doc, const char* const* texts,
                                  size_t n) {
  qv_embedder* emb = NULL;
  float v[DIM];
  size_t i;
  assert_int_equal(qv_embedder_create_hashing(DIM, &emb), QV_OK);
  for (i = 0; i < n; ++i) {
    assert_int_equal(qv_embedder_embed(emb, 1, &texts[i], v), QV_OK);
    assert_int_equal(qv_index_add(index, QV_CHUNK_KEY(doc, i), v), QV_OK);
    assert_int_equal(qv_index_set_metadata(index, QV_CHUNK_KEY(doc, i), texts[i], strlen(texts[i])),
                     QV_OK);
  }
  qv_embedder_free(emb);
}

static void test_file_without_table(void** state) {
  (void)state;
  static const char* const texts[] = {"old kiwi one", "old kiwi two", "old kiwi three"};
  char* dir = qvs_temp_dir("documents");
  char* path = qvs_path(dir, "old.qv");
  qv_index* index = qvt_create_index(DIM, QV_METRIC_COSINE, QV_INDEX_FLAT);
  uint64_t keys[8], count = 9;
  size_t n = 0, found = 0;
  float dist[8];
  add_untabled_document(index, 4, texts, 3);
  assert_int_equal(qv_index_save(index, path), QV_OK);
  qv_index_free(index);
  assert_false(has_section(path, DOCUMENTS_SECTION));

  index = open_with_embedder(path, QV_OPEN_LOAD);
  assert_int_equal(qv_index_document_chunks(index, 4, keys, 8, &n), QV_OK);
  assert_true(n == 3 && keys[2] == QV_CHUNK_KEY(4, 2));
  assert_source(index, 4, "", "");
  assert_int_equal(qv_index_document_count(index, &count), QV_OK);
  assert_int_equal(count, 0); /* listed once upserted */
  assert_int_equal(qv_index_search_text(index, "old kiwi", 4, NULL, keys, dist, &found), QV_OK);
  assert_true(found == 1 && keys[0] == 4);
  assert_int_equal(qv_index_add_text(index, 4, "again"), QV_ERR_DUPLICATE_KEY);
  assert_int_equal(qv_index_upsert_text(index, 4, "new lemon", "four", NULL), QV_OK);
  assert_int_equal(qv_index_document_chunks(index, 4, keys, 8, &n), QV_OK);
  assert_true(n == 1 && keys[0] == QV_CHUNK_KEY(4, 3));
  assert_int_equal(qv_index_count(index, &count), QV_OK);
  assert_int_equal(count, 1);
  assert_int_equal(qv_index_save(index, path), QV_OK);
  assert_true(has_section(path, DOCUMENTS_SECTION));
  qv_index_free(index);

  /* remove_text of an untabled document removes chunks 0, 1, 2. */
  index = qvt_create_index(DIM, QV_METRIC_COSINE, QV_INDEX_FLAT);
  add_untabled_document(index, 6, texts, 3);
  assert_int_equal(qv_index_remove_text(index, 6), QV_OK);
  assert_int_equal(qv_index_count(index, &count), QV_OK);
  assert_int_equal(count, 0);
  assert_int_equal(qv_index_remove_text(index, 6), QV_ERR_NOT_FOUND);
  qv_index_free(index);
  qvs_remove_tree(dir);
  free(path);
}

/* Chunks of another version than the current one (as a save between the
 * steps of an upsert leaves them; made here with qv_index_add) are unseen
 * by text searches, and a LOAD removes them. */
static void test_stale_chunks(void** state) {
  (void)state;
  static const char* const stale[] = {"stale kiwi", "stale kiwi", "stale kiwi"};
  char* dir = qvs_temp_dir("documents");
  char* path = qvs_path(dir, "stale.qv");
  qv_index* index = text_index();
  uint64_t keys[16], count = 0, docs[4];
  size_t found = 0;
  float dist[16];
  qv_embedder* emb = NULL;
  float v[DIM];
  const uint64_t stale_keys[] = {QV_CHUNK_KEY(7, 2), QV_CHUNK_KEY(7, 3), QV_CHUNK_KEY(7, 65535)};
  size_t i;
  assert_int_equal(qv_index_upsert_text(index, 7, version_text(1, 2), "seven", NULL), QV_OK);
  assert_int_equal(qv_embedder_create_hashing(DIM, &emb), QV_OK);
  for (i = 0; i < 3; ++i) {
    assert_int_equal(qv_embedder_embed(emb, 1, &stale[i], v), QV_OK);
    assert_int_equal(qv_index_add(index, stale_keys[i], v), QV_OK);
    assert_int_equal(qv_index_set_metadata(index, stale_keys[i], stale[i], strlen(stale[i])),
                     QV_OK);
  }
  qv_embedder_free(emb);
  assert_int_equal(keyword_hits(index, "stale", keys), 0);
  assert_int_equal(qv_index_search_text_chunks(index, "stale kiwi", 16, NULL, keys, dist, &found),
                   QV_OK);
  assert_int_equal(found, 2);
  for (i = 0; i < found; ++i) assert_true(QV_CHUNK_NUMBER(keys[i]) < 2);
  assert_int_equal(qv_index_search_hybrid(index, "stale", 4, NULL, docs, keys, NULL, &found),
                   QV_OK);
  for (i = 0; i < found; ++i) assert_true(QV_CHUNK_NUMBER(keys[i]) < 2);
  assert_int_equal(qv_index_save(index, path), QV_OK);
  qv_index_free(index);

  index = open_with_embedder(path, QV_OPEN_MMAP);
  assert_int_equal(qv_index_count(index, &count), QV_OK);
  assert_int_equal(count, 5);
  assert_int_equal(keyword_hits(index, "stale", keys), 0);
  qv_index_free(index);
  index = open_with_embedder(path, QV_OPEN_LOAD);
  assert_int_equal(qv_index_count(index, &count), QV_OK);
  assert_int_equal(count, 2);
  assert_int_equal(chunk_count(index, 7), 2);
  qv_index_free(index);
  qvs_remove_tree(dir);
  free(path);
}

/* ---- a damaged table ---------------------------------------------------- */

typedef void (*patch_fn)(unsigned char* table, size_t* size);

/* Table layout (docs/format.md): 16-byte head (version, entry bytes,
 * count), 24-byte entries (key, first, count, source bytes, fields bytes),
 * then the sources and fields. */
static void patch_order(unsigned char* t, size_t* size) {
  (void)size;
  qvs_put_u64(t + 16 + 24, qvs_get_u64(t + 16)); /* entry 1's key = entry 0's */
}
static void patch_count(unsigned char* t, size_t* size) {
  (void)size;
  qvs_put_u64(t + 8, 1000000);
}
static void patch_range(unsigned char* t, size_t* size) {
  (void)size;
  qvs_put_u32(t + 16 + 12, 70000);
}
static void patch_source(unsigned char* t, size_t* size) {
  (void)size;
  qvs_put_u32(t + 16 + 16, qvs_get_u32(t + 16 + 16) + 1);
}
static void patch_tail(unsigned char* t, size_t* size) {
  t[*size] = 'x';
  *size += 1;
}
static void patch_none(unsigned char* t, size_t* size) {
  (void)t;
  (void)size;
}
static void patch_key(unsigned char* t, size_t* size) {
  (void)size;
  qvs_put_u64(t + 16 + 24, UINT64_MAX);
}

/* Rewrites the file's document table (its last section) through `patch`,
 * with every checksum made right again, so that only the table's own checks
 * can find the damage. */
static void damage_table(const char* good, const char* bad, patch_fn patch) {
  size_t size = 0, raw_size, table_size, bound;
  unsigned char* file = qvt_read_file(good, &size);
  qvs_section sections[QVS_MAX_SECTIONS];
  qvs_section* s;
  unsigned char *table, *out;
  int n, i, at = -1;
  assert_non_null(file);
  n = qvs_sections(file, size, sections, QVS_MAX_SECTIONS);
  for (i = 0; i < n; ++i)
    if (sections[i].kind == DOCUMENTS_SECTION) at = i;
  assert_int_equal(at, n - 1);
  s = &sections[at];
  raw_size = (size_t)s->count;
  table = malloc(raw_size + 16);
  assert_int_equal(ZSTD_decompress(table, raw_size, file + s->payload_offset, s->stored_size),
                   raw_size);
  table_size = raw_size;
  patch(table, &table_size);
  bound = ZSTD_compressBound(table_size);
  out = calloc(1, s->payload_offset + bound);
  memcpy(out, file, s->payload_offset);
  s->stored_size = ZSTD_compress(out + s->payload_offset, bound, table, table_size, 3);
  assert_false(ZSTD_isError(s->stored_size));
  s->count = table_size;
  s->end_offset = s->payload_offset + s->stored_size;
  qvs_put_u64(out + s->header_offset + QVS_SOFF_COUNT, table_size);
  qvs_put_u64(out + s->header_offset + 40, table_size);     /* raw_size */
  qvs_put_u64(out + s->header_offset + 56, s->stored_size); /* stored_size */
  qvs_put_u64(out + QVS_FILE_HEADER_SIZE + 32u * (unsigned)at + 16, s->end_offset);
  qvs_put_u64(out + QVS_OFF_FILE_SIZE, s->end_offset);
  qvs_fix_payload_checksum(out, s);
  qvs_fix_section_header_checksum(out, s);
  qvs_fix_head_checksum(out);
  assert_int_equal(qvs_write_file(bad, out, s->end_offset), 0);
  free(out);
  free(table);
  free(file);
}

static void test_damaged_table_is_corrupt(void** state) {
  (void)state;
  static const patch_fn patches[] = {patch_order,  patch_count, patch_range,
                                     patch_source, patch_tail,  patch_key};
  char* dir = qvs_temp_dir("documents");
  char* good = qvs_path(dir, "good.qv");
  char* bad = qvs_path(dir, "bad.qv");
  qv_index* index = text_index();
  qv_index* opened = NULL;
  size_t p;
  int m;
  assert_int_equal(qv_index_upsert_text(index, 1, "kiwi mango", "one.txt", "{}"), QV_OK);
  assert_int_equal(qv_index_upsert_text(index, 2, "lemon", "two.txt", NULL), QV_OK);
  assert_int_equal(qv_index_save(index, good), QV_OK);
  qv_index_free(index);
  /* The unpatched rewrite opens: the harness itself damages nothing. */
  for (p = 0; p <= sizeof patches / sizeof patches[0]; ++p) {
    const int patched = p < sizeof patches / sizeof patches[0];
    damage_table(good, bad, patched ? patches[p] : patch_none);
    for (m = 0; m < 2; ++m) {
      const qv_status st = qv_index_open(bad, m ? QV_OPEN_MMAP : QV_OPEN_LOAD, &opened);
      if (!patched) {
        assert_int_equal(st, QV_OK);
        qv_index_free(opened);
        opened = NULL;
        continue;
      }
      if (st != QV_ERR_CORRUPT) fail_msg("patch %zu, mode %d: %s", p, m, qv_status_string(st));
      assert_true(qvt_contains(qv_last_error(), "document table"));
    }
  }
  /* A flipped byte in the stored table: its checksum. */
  {
    size_t size = 0;
    unsigned char* file = qvt_read_file(good, &size);
    qvs_section sections[QVS_MAX_SECTIONS];
    const int n = qvs_sections(file, size, sections, QVS_MAX_SECTIONS);
    file[sections[n - 1].payload_offset + 3] ^= 0x40;
    assert_int_equal(qvs_write_file(bad, file, size), 0);
    assert_int_equal(qv_index_open(bad, QV_OPEN_LOAD, &opened), QV_ERR_CORRUPT);
    assert_true(qvt_contains(qv_last_error(), "document table"));
    free(file);
  }
  qvs_remove_tree(dir);
  free(good);
  free(bad);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      QVT_TIMED(test_upsert_replaces),
      QVT_TIMED(test_list_get_count),
      QVT_TIMED(test_errors),
      QVT_TIMED(test_save_open_round_trip),
      QVT_TIMED(test_file_without_table),
      QVT_TIMED(test_stale_chunks),
      QVT_TIMED(test_damaged_table_is_corrupt),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
