/*
 * Text search through the public API: the hashing embedder over the corpus
 * of examples/data/text (260 passages on 26 subjects), documents and chunks,
 * chunking and chunk keys, remove_text, filters, save and open. FLAT and
 * HNSW.
 */
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
#include <unistd.h>

#include "qv_test_support.h"
#include "text_corpus.h"

#define DIM 512

static qvt_tsv g_passages, g_queries;

static int load_corpus(void** state) {
  (void)state;
  if (qvt_tsv_read(qvt_text_data_dir(), "passages.tsv", &g_passages) != 0 ||
      qvt_tsv_read(qvt_text_data_dir(), "queries.tsv", &g_queries) != 0) {
    fprintf(stderr, "cannot read the corpus in %s\n", qvt_text_data_dir());
    return -1;
  }
  return 0;
}

static int free_corpus(void** state) {
  (void)state;
  qvt_tsv_free(&g_passages);
  qvt_tsv_free(&g_queries);
  return 0;
}

#define ASSERT_OK(call)                                                                    \
  do {                                                                                     \
    qv_status s_ = (call);                                                                 \
    if (s_ != QV_OK) fail_msg("%s: %s: %s", #call, qv_status_string(s_), qv_last_error()); \
  } while (0)

/* An index with the hashing embedder attached; the test's own embedder
 * handle is freed at once, so every test also checks that the index keeps
 * its own reference. */
static qv_index* text_index(qv_index_kind kind, uint32_t dim) {
  qv_index* index = qvt_create_index(dim, QV_METRIC_COSINE, kind);
  qv_embedder* emb = NULL;
  assert_non_null(index);
  ASSERT_OK(qv_embedder_create_hashing(dim, &emb));
  ASSERT_OK(qv_index_set_embedder(index, emb));
  qv_embedder_free(emb);
  return index;
}

/* The corpus passages as documents 0..n-1. */
static void add_corpus(qv_index* index) {
  uint64_t* keys = malloc(g_passages.n * sizeof *keys);
  size_t i;
  assert_non_null(keys);
  for (i = 0; i < g_passages.n; ++i) keys[i] = i;
  ASSERT_OK(qv_index_add_texts(index, g_passages.n, keys, (const char* const*)g_passages.text));
  free(keys);
}

static size_t count_of(const qv_index* index) {
  size_t n = 0;
  ASSERT_OK(qv_index_count(index, &n));
  return n;
}

/* The metadata of key as a malloc'd string, or NULL when it has none. */
static char* metadata_of(const qv_index* index, uint64_t key) {
  const void* data = NULL;
  size_t len = 0;
  char* s;
  if (qv_index_get_metadata(index, key, &data, &len) != QV_OK) return NULL;
  s = malloc(len + 1);
  assert_non_null(s);
  memcpy(s, data, len);
  s[len] = '\0';
  return s;
}

/* ---- the corpus ---------------------------------------------------------- */

static void check_known_queries(qv_index_kind kind) {
  qv_index* index = text_index(kind, DIM);
  size_t q, misses = 0;
  add_corpus(index);
  assert_int_equal(count_of(index), g_passages.n); /* short passages: one chunk each */
  assert_true(g_queries.n >= 50);
  for (q = 0; q < g_queries.n; ++q) {
    uint64_t keys[5];
    float dist[5];
    size_t found = 0, i;
    ASSERT_OK(qv_index_search_text(index, g_queries.text[q], 5, NULL, keys, dist, &found));
    assert_int_equal(found, 5);
    for (i = 0; i < found; ++i) assert_true(keys[i] < g_passages.n);
    for (i = 1; i < found; ++i) assert_true(dist[i - 1] <= dist[i]);
    if (strcmp(g_passages.subject[keys[0]], g_queries.subject[q]) != 0) {
      ++misses;
      print_message("query \"%s\" (%s): first passage is about %s: \"%s\"\n", g_queries.text[q],
                    g_queries.subject[q], g_passages.subject[keys[0]], g_passages.text[keys[0]]);
    }
  }
  print_message("%zu known queries, %zu answered by another subject first\n", g_queries.n, misses);
  assert_int_equal(misses, 0);
  qv_index_free(index);
}

static void test_known_queries_find_their_subject_first_flat(void** state) {
  (void)state;
  check_known_queries(QV_INDEX_FLAT);
}

static void test_known_queries_find_their_subject_first_hnsw(void** state) {
  (void)state;
  check_known_queries(QV_INDEX_HNSW);
}

/* ---- documents and chunks ------------------------------------------------ */

/* Per subject, one long document: all its passages joined by spaces
 * (~1800 characters: several chunks at the default 800/100). */
static char* subject_document(const char* subject) {
  size_t i, len = 0;
  char* doc;
  for (i = 0; i < g_passages.n; ++i)
    if (strcmp(g_passages.subject[i], subject) == 0) len += strlen(g_passages.text[i]) + 1;
  doc = calloc(len + 1, 1);
  assert_non_null(doc);
  for (i = 0; i < g_passages.n; ++i)
    if (strcmp(g_passages.subject[i], subject) == 0) {
      if (doc[0]) strcat(doc, " ");
      strcat(doc, g_passages.text[i]);
    }
  return doc;
}

#define NSUBJ 6
static const char* const kSubjects[NSUBJ] = {"astronomy", "volcanoes", "coffee",
                                             "chess",     "sharks",    "railways"};

/* Six long documents under keys 100..105. */
static qv_index* long_documents_index(qv_index_kind kind, char** docs) {
  qv_index* index = text_index(kind, DIM);
  uint64_t keys[NSUBJ];
  size_t i;
  for (i = 0; i < NSUBJ; ++i) {
    docs[i] = subject_document(kSubjects[i]);
    keys[i] = 100 + i;
  }
  ASSERT_OK(qv_index_add_texts(index, NSUBJ, keys, (const char* const*)docs));
  return index;
}

static void test_documents_mode_returns_distinct_documents_with_best_chunk_distance(void** state) {
  int kinds[2] = {QV_INDEX_FLAT, QV_INDEX_HNSW}, t;
  (void)state;
  for (t = 0; t < 2; ++t) {
    char* docs[NSUBJ];
    qv_index* index = long_documents_index((qv_index_kind)kinds[t], docs);
    const size_t chunks = count_of(index);
    uint64_t doc_keys[NSUBJ + 2], best_chunk[NSUBJ + 2], all[256];
    float doc_dist[NSUBJ + 2], all_dist[256];
    size_t found = 0, nall = 0, i, j;
    assert_true(chunks >= 2 * NSUBJ); /* every document was split */
    assert_true(chunks <= 256);

    /* Ask for more documents than there are: all six, each once. */
    ASSERT_OK(qv_index_search_text_ex(index, "Which volcano buried Pompeii under ash?", NSUBJ + 2,
                                      NULL, doc_keys, best_chunk, doc_dist, &found));
    assert_int_equal(found, NSUBJ);
    assert_int_equal(doc_keys[0], 101); /* volcanoes */
    for (i = 0; i < found; ++i) {
      assert_true(doc_keys[i] >= 100 && doc_keys[i] < 100 + NSUBJ);
      for (j = 0; j < i; ++j) assert_true(doc_keys[i] != doc_keys[j]);
      if (i > 0) assert_true(doc_dist[i - 1] <= doc_dist[i]);
      assert_true(QV_DOC_KEY(best_chunk[i]) == doc_keys[i]);
    }
    /* Each document's distance is that of its nearest chunk: check against
     * every chunk (an exhaustive chunk search). */
    ASSERT_OK(qv_index_search_text_chunks(index, "Which volcano buried Pompeii under ash?", chunks,
                                          NULL, all, all_dist, &nall));
    if (kinds[t] == QV_INDEX_FLAT) assert_int_equal(nall, chunks);
    for (i = 0; i < found; ++i) {
      float best = 1e30f;
      uint64_t best_key = 0;
      for (j = 0; j < nall; ++j)
        if (QV_DOC_KEY(all[j]) == doc_keys[i] && all_dist[j] < best) {
          best = all_dist[j];
          best_key = all[j];
        }
      assert_float_equal(doc_dist[i], best, 1e-6);
      assert_true(best_chunk[i] == best_key);
    }
    /* The plain call gives the same documents. */
    {
      uint64_t again[NSUBJ + 2];
      size_t found2 = 0;
      ASSERT_OK(qv_index_search_text(index, "Which volcano buried Pompeii under ash?", NSUBJ + 2,
                                     NULL, again, NULL, &found2));
      assert_int_equal(found2, found);
      assert_memory_equal(again, doc_keys, found * sizeof *again);
    }
    qv_index_free(index);
    for (i = 0; i < NSUBJ; ++i) free(docs[i]);
  }
}

static void test_chunk_mode_returns_chunk_keys_whose_metadata_is_the_chunk_text(void** state) {
  char* docs[NSUBJ];
  qv_index* index;
  uint64_t keys[20];
  float dist[20];
  size_t found = 0, i, same_doc = 0;
  (void)state;
  index = long_documents_index(QV_INDEX_FLAT, docs);
  assert_true(count_of(index) >= 12);
  ASSERT_OK(
      qv_index_search_text_chunks(index, "shark teeth and gills", 12, NULL, keys, dist, &found));
  assert_int_equal(found, 12);
  assert_int_equal(QV_DOC_KEY(keys[0]), 104); /* sharks */
  for (i = 0; i < found; ++i) {
    const uint64_t doc = QV_DOC_KEY(keys[i]);
    char* text = metadata_of(index, keys[i]);
    assert_true(doc >= 100 && doc < 100 + NSUBJ);
    assert_non_null(text);
    assert_true(strlen(text) > 0 && strlen(text) <= 800 * 4);
    assert_non_null(strstr(docs[doc - 100], text)); /* a piece of its document */
    if (i > 0 && QV_DOC_KEY(keys[i]) == QV_DOC_KEY(keys[0])) ++same_doc;
    free(text);
  }
  assert_true(same_doc > 0); /* chunk mode does not fold documents */
  qv_index_free(index);
  for (i = 0; i < NSUBJ; ++i) free(docs[i]);
}

/* ---- chunking, keys, remove_text ----------------------------------------- */

static void test_chunk_key_macros_and_option_defaults(void** state) {
  qv_text_options o;
  (void)state;
  assert_true(QV_CHUNK_KEY(7, 3) == ((uint64_t)7 << 16 | 3));
  assert_true(QV_DOC_KEY(QV_CHUNK_KEY(123456789, 65535)) == 123456789);
  assert_true(QV_CHUNK_NUMBER(QV_CHUNK_KEY(123456789, 65535)) == 65535);
  assert_true(QV_CHUNK_KEY(QV_MAX_DOC_KEY, QV_MAX_CHUNKS_PER_DOC - 1) == UINT64_MAX);
  assert_true(QV_MAX_DOC_KEY == 281474976710655ull);
  qv_text_options_init(&o);
  assert_int_equal(o.struct_size, sizeof o);
  assert_int_equal(o.unit, QV_CHUNK_CHARACTERS);
  assert_int_equal(o.chunk_size, 800);
  assert_int_equal(o.chunk_overlap, 100);
  qv_text_options_init(NULL); /* ignored */
}

/* 3000 ASCII characters: sentences about glaciers, numbered. */
static char* long_text(size_t target) {
  char* s = malloc(target + 200);
  size_t len = 0;
  int n = 0;
  assert_non_null(s);
  s[0] = '\0';
  while (len < target) {
    len += (size_t)sprintf(s + len, "Sentence %d: the glacier moved down the valley. ", n++);
  }
  s[len - 1] = '\0'; /* no trailing space */
  return s;
}

static void test_long_document_is_split_into_numbered_chunks_and_remove_text_removes_all(
    void** state) {
  qv_index* index = text_index(QV_INDEX_HNSW, 128);
  qv_text_options o;
  char* text = long_text(3000);
  const size_t len = strlen(text);
  /* 300 characters, 50 shared: chunks start every 250 characters. */
  const size_t expected = (len - 300 + 249) / 250 + 1;
  size_t c;
  (void)state;
  qv_text_options_init(&o);
  o.chunk_size = 300;
  o.chunk_overlap = 50;
  ASSERT_OK(qv_index_set_text_options(index, &o));
  ASSERT_OK(qv_index_add_text(index, 42, text));
  ASSERT_OK(qv_index_add_text(index, 43, "A short neighbour that must survive."));
  assert_int_equal(count_of(index), expected + 1);
  for (c = 0; c < expected; ++c) {
    char* chunk = metadata_of(index, QV_CHUNK_KEY(42, c));
    const size_t begin = c * 250;
    const size_t n = begin + 300 < len ? 300 : len - begin;
    assert_non_null(chunk);
    assert_int_equal(strlen(chunk), n);
    assert_memory_equal(chunk, text + begin, n);
    free(chunk);
  }
  assert_null(metadata_of(index, QV_CHUNK_KEY(42, expected)));

  ASSERT_OK(qv_index_remove_text(index, 42));
  assert_int_equal(count_of(index), 1);
  for (c = 0; c <= expected; ++c) assert_null(metadata_of(index, QV_CHUNK_KEY(42, c)));
  assert_int_equal(qv_index_remove_text(index, 42), QV_ERR_NOT_FOUND);
  assert_true(qvt_contains(qv_last_error(), "42"));
  {
    uint64_t keys[4];
    size_t found = 0;
    ASSERT_OK(qv_index_search_text(index, "glacier valley", 4, NULL, keys, NULL, &found));
    assert_int_equal(found, 1);
    assert_true(keys[0] == 43);
  }
  /* The key is free again. */
  ASSERT_OK(qv_index_add_text(index, 42, text));
  assert_int_equal(count_of(index), expected + 1);
  free(text);
  qv_index_free(index);
}

/* A long run of spaces inside a document: the character windows that hold
 * only spaces are left out (they would embed to the zero vector, which a
 * cosine index refuses), the two ends are kept as chunks 0 and 1. */
static void test_whitespace_only_windows_are_not_chunks(void** state) {
  qv_index* index = text_index(QV_INDEX_FLAT, 256);
  char* text = malloc(3003);
  char* first;
  char* second;
  (void)state;
  assert_non_null(text);
  text[0] = 'a';
  memset(text + 1, ' ', 3000);
  text[3001] = 'b';
  text[3002] = '\0';
  ASSERT_OK(qv_index_add_text(index, 9, text));
  assert_int_equal(count_of(index), 2);
  first = metadata_of(index, QV_CHUNK_KEY(9, 0));
  second = metadata_of(index, QV_CHUNK_KEY(9, 1));
  assert_non_null(first);
  assert_non_null(second);
  assert_int_equal(first[0], 'a');
  assert_int_equal(second[strlen(second) - 1], 'b');
  free(first);
  free(second);
  free(text);
  qv_index_free(index);
}

static void test_token_chunks_never_cut_words(void** state) {
  qv_index* index = text_index(QV_INDEX_FLAT, 128);
  qv_text_options o;
  char* text = long_text(1000);
  size_t c;
  (void)state;
  qv_text_options_init(&o);
  o.unit = QV_CHUNK_TOKENS;
  o.chunk_size = 12;
  o.chunk_overlap = 3;
  ASSERT_OK(qv_index_set_text_options(index, &o));
  ASSERT_OK(qv_index_add_text(index, 1, text));
  assert_true(count_of(index) > 5);
  for (c = 0; c < count_of(index); ++c) {
    char* chunk = metadata_of(index, QV_CHUNK_KEY(1, c));
    const char* at;
    size_t n, words = 1, i;
    assert_non_null(chunk);
    n = strlen(chunk);
    assert_true(chunk[0] != ' ' && chunk[n - 1] != ' ');
    at = strstr(text, chunk);
    assert_non_null(at);
    assert_true(at == text || at[-1] == ' ');   /* starts at a word */
    assert_true(at[n] == '\0' || at[n] == ' '); /* ends at a word */
    for (i = 0; i < n; ++i) words += chunk[i] == ' ';
    assert_true(words <= 12);
    free(chunk);
  }
  free(text);
  qv_index_free(index);
}

/* Widening: one document whose many chunks all sit closest to the query
 * must not hide the other documents. */
static void test_documents_search_widens_past_one_documents_chunks(void** state) {
  int kinds[2] = {QV_INDEX_FLAT, QV_INDEX_HNSW}, t;
  (void)state;
  for (t = 0; t < 2; ++t) {
    qv_index* index = text_index((qv_index_kind)kinds[t], 256);
    qv_text_options o;
    char* big = malloc(40000);
    uint64_t keys[5];
    size_t found = 0, i, j;
    static const char* const others[] = {
        "Lava flows from a volcano after an eruption of magma.",
        "Magma rises under the volcano before it erupts.",
        "The chess player castled early in the game.",
        "Coffee beans are roasted before they are ground.",
    };
    assert_non_null(big);
    big[0] = '\0';
    for (i = 0; i < 500; ++i) strcat(big, "volcano lava magma eruption. ");
    qv_text_options_init(&o);
    o.chunk_size = 60;
    o.chunk_overlap = 0;
    ASSERT_OK(qv_index_set_text_options(index, &o));
    ASSERT_OK(qv_index_add_text(index, 1, big));
    for (i = 0; i < 4; ++i) ASSERT_OK(qv_index_add_text(index, 10 + i, others[i]));
    assert_true(count_of(index) > 200);
    ASSERT_OK(
        qv_index_search_text(index, "volcano lava magma eruption", 5, NULL, keys, NULL, &found));
    assert_int_equal(found, 5);
    assert_true(keys[0] == 1);
    for (i = 0; i < found; ++i)
      for (j = 0; j < i; ++j) assert_true(keys[i] != keys[j]);
    free(big);
    qv_index_free(index);
  }
}

static int keep_even_documents(uint64_t key, void* user) {
  size_t* calls = user;
  ++*calls;
  return QV_DOC_KEY(key) % 2 == 0;
}

static void test_filter_sees_chunk_keys(void** state) {
  qv_index* index = text_index(QV_INDEX_FLAT, DIM);
  qv_search_params p;
  uint64_t keys[10];
  size_t found = 0, calls = 0, i;
  (void)state;
  /* Keys far above 2^16 so that a chunk key is not a document key. */
  for (i = 0; i < 40; ++i) ASSERT_OK(qv_index_add_text(index, 1000000 + i, g_passages.text[i]));
  qv_search_params_init(&p);
  p.filter = keep_even_documents;
  p.filter_user = &calls;
  ASSERT_OK(qv_index_search_text(index, "stars and galaxies", 10, &p, keys, NULL, &found));
  assert_int_equal(found, 10);
  assert_true(calls > 0);
  for (i = 0; i < found; ++i) {
    assert_true(keys[i] >= 1000000 && keys[i] < 1000040);
    assert_true(keys[i] % 2 == 0);
  }
  ASSERT_OK(qv_index_search_text_chunks(index, "stars and galaxies", 10, &p, keys, NULL, &found));
  assert_int_equal(found, 10);
  for (i = 0; i < found; ++i) {
    assert_true(QV_CHUNK_NUMBER(keys[i]) == 0);
    assert_true(QV_DOC_KEY(keys[i]) % 2 == 0);
  }
  qv_index_free(index);
}

/* ---- persistence --------------------------------------------------------- */

static void check_save_open(qv_index_kind kind) {
  qv_index* index = text_index(kind, DIM);
  char path[] = "/tmp/qvt_text_XXXXXX";
  int fd = mkstemp(path);
  size_t q, m;
  uint64_t(*before)[3] = malloc(g_queries.n * sizeof *before);
  float(*before_d)[3] = malloc(g_queries.n * sizeof *before_d);
  qv_open_mode modes[2] = {QV_OPEN_LOAD, QV_OPEN_MMAP};
  assert_true(fd >= 0);
  close(fd);
  assert_non_null(before);
  assert_non_null(before_d);
  add_corpus(index);
  for (q = 0; q < g_queries.n; ++q) {
    size_t found = 0;
    ASSERT_OK(
        qv_index_search_text(index, g_queries.text[q], 3, NULL, before[q], before_d[q], &found));
    assert_int_equal(found, 3);
  }
  ASSERT_OK(qv_index_save(index, path));
  qv_index_free(index);

  for (m = 0; m < 2; ++m) {
    qv_index* opened = NULL;
    qv_embedder* emb = NULL;
    uint64_t keys[3];
    float dist[3];
    size_t found = 0;
    ASSERT_OK(qv_index_open(path, modes[m], &opened));
    /* The embedder is not saved: searching needs it attached again. */
    assert_int_equal(qv_index_search_text(opened, "stars", 3, NULL, keys, dist, &found),
                     QV_ERR_INVALID_ARGUMENT);
    assert_true(qvt_contains(qv_last_error(), "attach one again after opening"));
    ASSERT_OK(qv_embedder_create_hashing(DIM, &emb));
    ASSERT_OK(qv_index_set_embedder(opened, emb));
    qv_embedder_free(emb);
    for (q = 0; q < g_queries.n; ++q) {
      ASSERT_OK(qv_index_search_text(opened, g_queries.text[q], 3, NULL, keys, dist, &found));
      assert_int_equal(found, 3);
      assert_memory_equal(keys, before[q], sizeof keys);
      assert_memory_equal(dist, before_d[q], sizeof dist);
    }
    {
      char* text = metadata_of(opened, QV_CHUNK_KEY(7, 0));
      assert_non_null(text);
      assert_string_equal(text, g_passages.text[7]);
      free(text);
    }
    if (modes[m] == QV_OPEN_MMAP) {
      assert_int_equal(qv_index_add_text(opened, 999, "more text"), QV_ERR_UNSUPPORTED);
      assert_int_equal(qv_index_remove_text(opened, 7), QV_ERR_UNSUPPORTED);
    } else {
      ASSERT_OK(qv_index_remove_text(opened, 7));
      ASSERT_OK(qv_index_add_text(opened, 7, g_passages.text[7]));
    }
    qv_index_free(opened);
  }
  free(before);
  free(before_d);
  unlink(path);
}

static void test_save_open_and_reattach_gives_the_same_answers_flat(void** state) {
  (void)state;
  check_save_open(QV_INDEX_FLAT);
}

static void test_save_open_and_reattach_gives_the_same_answers_hnsw(void** state) {
  (void)state;
  check_save_open(QV_INDEX_HNSW);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      QVT_TIMED(test_known_queries_find_their_subject_first_flat),
      QVT_TIMED(test_whitespace_only_windows_are_not_chunks),
      QVT_TIMED(test_known_queries_find_their_subject_first_hnsw),
      QVT_TIMED(test_documents_mode_returns_distinct_documents_with_best_chunk_distance),
      QVT_TIMED(test_chunk_mode_returns_chunk_keys_whose_metadata_is_the_chunk_text),
      QVT_TIMED(test_chunk_key_macros_and_option_defaults),
      QVT_TIMED(test_long_document_is_split_into_numbered_chunks_and_remove_text_removes_all),
      QVT_TIMED(test_token_chunks_never_cut_words),
      QVT_TIMED(test_documents_search_widens_past_one_documents_chunks),
      QVT_TIMED(test_filter_sees_chunk_keys),
      QVT_TIMED(test_save_open_and_reattach_gives_the_same_answers_flat),
      QVT_TIMED(test_save_open_and_reattach_gives_the_same_answers_hnsw),
  };
  return cmocka_run_group_tests(tests, load_corpus, free_corpus);
}
