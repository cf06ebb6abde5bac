/*
 * Text calls that must fail, and fail cleanly: argument checks, no
 * embedder, dimension mismatch, empty text, too many chunks, duplicates,
 * read-only indexes, and embedders that fail: every failed add leaves the
 * index exactly as it was (no vector, no metadata).
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

#include <math.h>
#include <quiver/quiver.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qv_test_support.h"

#define DIM 64

#define ASSERT_OK(call)                                                                    \
  do {                                                                                     \
    qv_status s_ = (call);                                                                 \
    if (s_ != QV_OK) fail_msg("%s: %s: %s", #call, qv_status_string(s_), qv_last_error()); \
  } while (0)

/* Expects `status` and a message that contains `needle`. */
#define ASSERT_FAILS(call, status, needle)                                                    \
  do {                                                                                        \
    qv_status s_ = (call);                                                                    \
    if (s_ != (status))                                                                       \
      fail_msg("%s: expected %s, got %s: %s", #call, qv_status_string(status),                \
               qv_status_string(s_), qv_last_error());                                        \
    if (!qvt_contains_nocase(qv_last_error(), (needle)))                                      \
      fail_msg("%s: message \"%s\" does not mention \"%s\"", #call, qv_last_error(), needle); \
  } while (0)

static qv_index* hashing_index(uint32_t dim) {
  qv_index* index = qvt_create_index(dim, QV_METRIC_COSINE, QV_INDEX_HNSW);
  qv_embedder* emb = NULL;
  assert_non_null(index);
  ASSERT_OK(qv_embedder_create_hashing(dim, &emb));
  ASSERT_OK(qv_index_set_embedder(index, emb));
  qv_embedder_free(emb);
  return index;
}

static size_t count_of(const qv_index* index) {
  size_t n = 0;
  ASSERT_OK(qv_index_count(index, &n));
  return n;
}

static size_t metadata_count(const qv_index* index) {
  qv_index_info info;
  memset(&info, 0, sizeof info);
  info.struct_size = sizeof info;
  ASSERT_OK(qv_index_get_info(index, &info));
  return (size_t)info.metadata_count;
}

static int has_key(const qv_index* index, uint64_t key) {
  const void* data;
  size_t len;
  return qv_index_get_metadata(index, key, &data, &len) == QV_OK;
}

/* ---- argument checks ----------------------------------------------------- */

static void test_null_arguments_are_rejected(void** state) {
  qv_index* index = hashing_index(DIM);
  uint64_t keys[2] = {1, 2}, out[4];
  const char* texts[2] = {"one", NULL};
  float dist[4];
  size_t found;
  qv_text_options o;
  (void)state;
  qv_text_options_init(&o);
  ASSERT_FAILS(qv_index_set_embedder(NULL, NULL), QV_ERR_INVALID_ARGUMENT, "index is NULL");
  ASSERT_FAILS(qv_index_set_text_options(NULL, &o), QV_ERR_INVALID_ARGUMENT, "index is NULL");
  ASSERT_FAILS(qv_index_add_text(NULL, 1, "x"), QV_ERR_INVALID_ARGUMENT, "index is NULL");
  ASSERT_FAILS(qv_index_add_text(index, 1, NULL), QV_ERR_INVALID_ARGUMENT, "text is NULL");
  ASSERT_FAILS(qv_index_add_texts(NULL, 1, keys, texts), QV_ERR_INVALID_ARGUMENT, "index is NULL");
  ASSERT_FAILS(qv_index_add_texts(index, 2, NULL, texts), QV_ERR_INVALID_ARGUMENT, "doc_keys");
  ASSERT_FAILS(qv_index_add_texts(index, 2, keys, NULL), QV_ERR_INVALID_ARGUMENT, "texts");
  ASSERT_FAILS(qv_index_add_texts(index, 2, keys, texts), QV_ERR_INVALID_ARGUMENT, "texts[1]");
  ASSERT_OK(qv_index_add_texts(index, 0, NULL, NULL)); /* n == 0: nothing to do */
  ASSERT_FAILS(qv_index_remove_text(NULL, 1), QV_ERR_INVALID_ARGUMENT, "index is NULL");
  ASSERT_FAILS(qv_index_search_text(NULL, "q", 4, NULL, out, dist, &found), QV_ERR_INVALID_ARGUMENT,
               "index is NULL");
  ASSERT_FAILS(qv_index_search_text(index, NULL, 4, NULL, out, dist, &found),
               QV_ERR_INVALID_ARGUMENT, "query is NULL");
  ASSERT_FAILS(qv_index_search_text(index, "q", 4, NULL, NULL, dist, &found),
               QV_ERR_INVALID_ARGUMENT, "keys_out");
  ASSERT_FAILS(qv_index_search_text(index, "q", 4, NULL, out, dist, NULL), QV_ERR_INVALID_ARGUMENT,
               "found_out");
  ASSERT_FAILS(qv_index_search_text(index, "q", 0, NULL, out, dist, &found),
               QV_ERR_INVALID_ARGUMENT, "k is 0");
  ASSERT_FAILS(qv_index_search_text_chunks(index, NULL, 4, NULL, out, dist, &found),
               QV_ERR_INVALID_ARGUMENT, "query is NULL");
  ASSERT_FAILS(qv_index_search_text_chunks(index, "q", 0, NULL, out, dist, &found),
               QV_ERR_INVALID_ARGUMENT, "k is 0");
  ASSERT_FAILS(qv_index_search_text_ex(index, "q", 4, NULL, NULL, out, dist, &found),
               QV_ERR_INVALID_ARGUMENT, "keys_out");
  {
    qv_search_params p;
    qv_search_params_init(&p);
    p.struct_size = 3;
    ASSERT_FAILS(qv_index_search_text(index, "q", 4, &p, out, dist, &found),
                 QV_ERR_INVALID_ARGUMENT, "struct_size");
  }
  assert_int_equal(count_of(index), 0);
  qv_index_free(index);
}

static void test_bad_text_options_are_rejected_and_null_restores_defaults(void** state) {
  qv_index* index = hashing_index(DIM);
  qv_text_options o;
  int unit = 7;
  char text[2000];
  (void)state;
  qv_text_options_init(&o);
  o.struct_size = 4;
  ASSERT_FAILS(qv_index_set_text_options(index, &o), QV_ERR_INVALID_ARGUMENT, "struct_size");
  qv_text_options_init(&o);
  memcpy(&o.unit, &unit, sizeof unit);
  ASSERT_FAILS(qv_index_set_text_options(index, &o), QV_ERR_INVALID_ARGUMENT, "unit");
  qv_text_options_init(&o);
  o.chunk_size = 0;
  ASSERT_FAILS(qv_index_set_text_options(index, &o), QV_ERR_INVALID_ARGUMENT, "chunk_size");
  qv_text_options_init(&o);
  o.chunk_size = 10;
  o.chunk_overlap = 10;
  ASSERT_FAILS(qv_index_set_text_options(index, &o), QV_ERR_INVALID_ARGUMENT, "overlap");
  /* A valid change, then NULL back to the defaults (one chunk of 800). */
  o.chunk_overlap = 0;
  ASSERT_OK(qv_index_set_text_options(index, &o));
  memset(text, 'a', 700);
  text[700] = '\0';
  ASSERT_OK(qv_index_add_text(index, 1, text));
  assert_int_equal(count_of(index), 70);
  ASSERT_OK(qv_index_set_text_options(index, NULL));
  ASSERT_OK(qv_index_add_text(index, 2, text));
  assert_int_equal(count_of(index), 71);
  qv_index_free(index);
}

static void test_text_calls_without_an_embedder_say_how_to_attach_one(void** state) {
  qv_index* index = qvt_create_index(DIM, QV_METRIC_COSINE, QV_INDEX_FLAT);
  qv_embedder* emb = NULL;
  uint64_t out[2];
  size_t found;
  (void)state;
  assert_non_null(index);
  ASSERT_FAILS(qv_index_add_text(index, 1, "hello"), QV_ERR_INVALID_ARGUMENT,
               "no embedder is attached to this index");
  ASSERT_FAILS(qv_index_search_text(index, "hello", 2, NULL, out, NULL, &found),
               QV_ERR_INVALID_ARGUMENT, "no embedder is attached to this index");
  ASSERT_FAILS(qv_index_search_text_chunks(index, "hello", 2, NULL, out, NULL, &found),
               QV_ERR_INVALID_ARGUMENT, "no embedder is attached to this index");
  /* Attach, use, detach. */
  ASSERT_OK(qv_embedder_create_hashing(DIM, &emb));
  ASSERT_OK(qv_index_set_embedder(index, emb));
  ASSERT_OK(qv_index_add_text(index, 1, "hello"));
  ASSERT_OK(qv_index_set_embedder(index, NULL));
  ASSERT_FAILS(qv_index_add_text(index, 2, "world"), QV_ERR_INVALID_ARGUMENT,
               "no embedder is attached to this index");
  /* remove_text needs no embedder. */
  ASSERT_OK(qv_index_remove_text(index, 1));
  assert_int_equal(count_of(index), 0);
  qv_embedder_free(emb);
  qv_index_free(index);
}

static void test_embedder_of_another_dimension_is_rejected(void** state) {
  qv_index* index = hashing_index(DIM);
  qv_embedder* other = NULL;
  (void)state;
  ASSERT_OK(qv_embedder_create_hashing(DIM * 2, &other));
  ASSERT_FAILS(qv_index_set_embedder(index, other), QV_ERR_DIMENSION_MISMATCH, "dimension");
  /* The previous embedder is still attached. */
  ASSERT_OK(qv_index_add_text(index, 1, "still works"));
  qv_embedder_free(other);
  qv_index_free(index);
}

static void test_empty_and_blank_texts_and_queries_are_rejected(void** state) {
  qv_index* index = hashing_index(DIM);
  uint64_t keys[3] = {1, 2, 3}, out[2];
  const char* texts[3] = {"fine", "  \t\n ", "also fine"};
  size_t found;
  (void)state;
  ASSERT_FAILS(qv_index_add_text(index, 1, ""), QV_ERR_INVALID_ARGUMENT, "empty");
  ASSERT_FAILS(qv_index_add_text(index, 1, " \n\t\xe3\x80\x80"), QV_ERR_INVALID_ARGUMENT,
               "whitespace"); /* U+3000 ideographic space */
  ASSERT_FAILS(qv_index_add_texts(index, 3, keys, texts), QV_ERR_INVALID_ARGUMENT, "document 2");
  assert_int_equal(count_of(index), 0);
  ASSERT_OK(qv_index_add_text(index, 1, "fine"));
  ASSERT_FAILS(qv_index_search_text(index, "", 2, NULL, out, NULL, &found), QV_ERR_INVALID_ARGUMENT,
               "empty");
  ASSERT_FAILS(qv_index_search_text_chunks(index, "   ", 2, NULL, out, NULL, &found),
               QV_ERR_INVALID_ARGUMENT, "whitespace");
  qv_index_free(index);
}

static void test_document_keys_above_48_bits_are_rejected(void** state) {
  qv_index* index = hashing_index(DIM);
  (void)state;
  ASSERT_OK(qv_index_add_text(index, QV_MAX_DOC_KEY, "the largest key"));
  assert_true(has_key(index, QV_CHUNK_KEY(QV_MAX_DOC_KEY, 0)));
  ASSERT_FAILS(qv_index_add_text(index, QV_MAX_DOC_KEY + 1, "one too far"), QV_ERR_INVALID_ARGUMENT,
               "2^48");
  ASSERT_FAILS(qv_index_remove_text(index, UINT64_MAX), QV_ERR_INVALID_ARGUMENT, "2^48");
  ASSERT_OK(qv_index_remove_text(index, QV_MAX_DOC_KEY));
  ASSERT_FAILS(qv_index_remove_text(index, 5), QV_ERR_NOT_FOUND, "no document");
  qv_index_free(index);
}

static void test_at_most_65536_chunks_per_document(void** state) {
  /* A flat index of dim 8 keeps 65536 chunks cheap. L2, because at dim 8
   * the hashing embedder maps some one-letter texts to the zero vector (the
   * word and its one n-gram cancel), which cosine rejects. */
  qv_index* index = qvt_create_index(8, QV_METRIC_L2, QV_INDEX_FLAT);
  qv_embedder* emb = NULL;
  qv_text_options o;
  const size_t n = QV_MAX_CHUNKS_PER_DOC;
  char* text = malloc(n + 2);
  size_t i;
  (void)state;
  assert_non_null(index);
  assert_non_null(text);
  ASSERT_OK(qv_embedder_create_hashing(8, &emb));
  ASSERT_OK(qv_index_set_embedder(index, emb));
  qv_embedder_free(emb);
  qv_text_options_init(&o);
  o.chunk_size = 1;
  o.chunk_overlap = 0;
  ASSERT_OK(qv_index_set_text_options(index, &o));
  for (i = 0; i < n + 1; ++i) text[i] = (char)('a' + i % 26);
  text[n + 1] = '\0';
  /* 65537 one-character chunks: too many, and the message says what to do. */
  ASSERT_FAILS(qv_index_add_text(index, 3, text), QV_ERR_INVALID_ARGUMENT, "chunk size");
  assert_true(qvt_contains(qv_last_error(), "65536"));
  assert_int_equal(count_of(index), 0);
  /* 65536 is fine; the last chunk key is chunk 65535. */
  text[n] = '\0';
  ASSERT_OK(qv_index_add_text(index, 3, text));
  assert_int_equal(count_of(index), n);
  assert_true(has_key(index, QV_CHUNK_KEY(3, 65535)));
  assert_false(has_key(index, QV_CHUNK_KEY(4, 0))); /* no spill into the next document */
  ASSERT_OK(qv_index_remove_text(index, 3));
  assert_int_equal(count_of(index), 0);
  free(text);
  qv_index_free(index);
}

static void test_duplicate_documents_add_nothing(void** state) {
  qv_index* index = hashing_index(DIM);
  uint64_t keys[3] = {10, 11, 10};
  const char* texts[3] = {"ten", "eleven", "ten again"};
  (void)state;
  ASSERT_FAILS(qv_index_add_texts(index, 3, keys, texts), QV_ERR_DUPLICATE_KEY, "more than once");
  assert_int_equal(count_of(index), 0);
  ASSERT_OK(qv_index_add_text(index, 11, "eleven"));
  keys[2] = 12;
  ASSERT_FAILS(qv_index_add_texts(index, 3, keys, texts), QV_ERR_DUPLICATE_KEY,
               "remove the document first");
  assert_true(qvt_contains(qv_last_error(), "11"));
  assert_int_equal(count_of(index), 1);
  assert_false(has_key(index, QV_CHUNK_KEY(10, 0)));
  assert_false(has_key(index, QV_CHUNK_KEY(12, 0)));
  /* A plain vector under a chunk key also counts (the index is the guard). */
  {
    float v[DIM];
    size_t i;
    for (i = 0; i < DIM; ++i) v[i] = 1.0f;
    ASSERT_OK(qv_index_add(index, QV_CHUNK_KEY(20, 0), v));
    ASSERT_FAILS(qv_index_add_text(index, 20, "twenty"), QV_ERR_DUPLICATE_KEY, "document 20");
    assert_int_equal(count_of(index), 2);
  }
  qv_index_free(index);
}

static void test_read_only_index_refuses_text_changes_but_searches(void** state) {
  qv_index *index = hashing_index(DIM), *mapped = NULL;
  qv_embedder* emb = NULL;
  char path[] = "/tmp/qvt_text_ro_XXXXXX";
  int fd = mkstemp(path);
  uint64_t out[2];
  size_t found = 0;
  (void)state;
  assert_true(fd >= 0);
  close(fd);
  ASSERT_OK(qv_index_add_text(index, 1, "a passage about honeybees and their hive"));
  ASSERT_OK(qv_index_add_text(index, 2, "a passage about steam locomotives"));
  ASSERT_OK(qv_index_save(index, path));
  ASSERT_OK(qv_index_open(path, QV_OPEN_MMAP, &mapped));
  ASSERT_FAILS(qv_index_add_text(mapped, 3, "more"), QV_ERR_UNSUPPORTED, "open it by loading");
  ASSERT_FAILS(qv_index_remove_text(mapped, 1), QV_ERR_UNSUPPORTED, "open it by loading");
  ASSERT_OK(qv_embedder_create_hashing(DIM, &emb));
  ASSERT_OK(qv_index_set_embedder(mapped, emb));
  qv_embedder_free(emb);
  ASSERT_FAILS(qv_index_add_text(mapped, 3, "more"), QV_ERR_UNSUPPORTED, "read-only");
  ASSERT_OK(qv_index_search_text(mapped, "bees in a hive", 2, NULL, out, NULL, &found));
  assert_int_equal(found, 2);
  assert_true(out[0] == 1);
  qv_index_free(mapped);
  qv_index_free(index);
  unlink(path);
}

/* ---- failing embedders --------------------------------------------------- */

typedef struct fake_embedder {
  int calls;
  size_t texts_seen;
  int fail_on_call; /* 1-based; 0 = never */
  int write_nan;    /* on the failing call, write NaN and return 0 instead */
  int write_zero;   /* on the failing call, write a zero row and return 0 instead */
} fake_embedder;

static int fake_embed(void* user, size_t n, const char* const* texts, const size_t* lengths,
                      float* out, char* err, size_t err_len) {
  fake_embedder* f = user;
  size_t i, j;
  f->calls++;
  f->texts_seen += n;
  for (i = 0; i < n; ++i)
    for (j = 0; j < DIM; ++j)
      out[i * DIM + j] = (float)((lengths[i] + j + (unsigned char)texts[i][0]) % 7) + 1.0f;
  if (f->calls == f->fail_on_call) {
    if (f->write_nan) {
      out[(n / 2) * DIM] = NAN;
      return 0;
    }
    if (f->write_zero) {
      for (j = 0; j < DIM; ++j) out[(n / 2) * DIM + j] = 0.0f;
      return 0;
    }
    snprintf(err, err_len, "model server went away after %zu of %zu texts", n / 2, n);
    return 1;
  }
  return 0;
}

static qv_index* fake_index(fake_embedder* f, qv_index_kind kind) {
  qv_index* index = qvt_create_index(DIM, QV_METRIC_COSINE, kind);
  qv_embedder* emb = NULL;
  qv_text_options o;
  assert_non_null(index);
  ASSERT_OK(qv_embedder_create_callback(DIM, fake_embed, f, &emb));
  ASSERT_OK(qv_index_set_embedder(index, emb));
  qv_embedder_free(emb);
  qv_text_options_init(&o);
  o.chunk_size = 20;
  o.chunk_overlap = 5;
  ASSERT_OK(qv_index_set_text_options(index, &o));
  return index;
}

static void test_a_failing_embedder_adds_nothing(void** state) {
  int kinds[2] = {QV_INDEX_FLAT, QV_INDEX_HNSW}, t, nan;
  (void)state;
  for (t = 0; t < 2; ++t) {
    for (nan = 0; nan < 2; ++nan) {
      fake_embedder f = {0, 0, 2, 0, 0};
      qv_index* index;
      uint64_t keys[3] = {1, 2, 3};
      const char* texts[3] = {"a first document that is long enough for several chunks",
                              "a second one, also split into a few chunks of twenty", "third"};
      size_t before, meta_before;
      f.write_nan = nan;
      index = fake_index(&f, (qv_index_kind)kinds[t]);
      /* One embedder call per batch, with every chunk of every text. */
      ASSERT_OK(qv_index_add_text(index, 100, "the document that is already there"));
      assert_int_equal(f.calls, 1);
      before = count_of(index);
      meta_before = metadata_count(index);
      assert_true(before > 1);
      assert_int_equal(f.texts_seen, before);
      if (nan)
        ASSERT_FAILS(qv_index_add_texts(index, 3, keys, texts), QV_ERR_EMBEDDING, "NaN");
      else
        ASSERT_FAILS(qv_index_add_texts(index, 3, keys, texts), QV_ERR_EMBEDDING,
                     "model server went away");
      assert_int_equal(f.calls, 2); /* the whole batch in one call */
      assert_true(f.texts_seen > before + 3);
      assert_int_equal(count_of(index), before);
      assert_int_equal(metadata_count(index), meta_before);
      assert_false(has_key(index, QV_CHUNK_KEY(1, 0)));
      assert_false(has_key(index, QV_CHUNK_KEY(2, 0)));
      assert_false(has_key(index, QV_CHUNK_KEY(3, 0)));
      /* The same batch goes in once the embedder works again. */
      ASSERT_OK(qv_index_add_texts(index, 3, keys, texts));
      assert_true(has_key(index, QV_CHUNK_KEY(3, 0)));
      qv_index_free(index);
    }
  }
}

static void test_a_duplicate_is_found_before_anything_is_embedded(void** state) {
  fake_embedder f = {0, 0, 0, 0, 0};
  qv_index* index = fake_index(&f, QV_INDEX_FLAT);
  uint64_t keys[2] = {5, 6};
  const char* texts[2] = {"five", "six"};
  (void)state;
  ASSERT_OK(qv_index_add_text(index, 6, "six"));
  assert_int_equal(f.calls, 1);
  ASSERT_FAILS(qv_index_add_texts(index, 2, keys, texts), QV_ERR_DUPLICATE_KEY, "document 6");
  assert_int_equal(f.calls, 1); /* no embedding spent on a batch that cannot go in */
  assert_int_equal(count_of(index), 1);
  qv_index_free(index);
}

static void test_a_zero_vector_under_cosine_adds_nothing(void** state) {
  fake_embedder f = {0, 0, 2, 0, 1};
  qv_index* index = fake_index(&f, QV_INDEX_HNSW);
  uint64_t keys[2] = {1, 2};
  const char* texts[2] = {"a document of a few chunks of twenty characters", "another"};
  (void)state;
  ASSERT_OK(qv_index_add_text(index, 9, "already here"));
  ASSERT_FAILS(qv_index_add_texts(index, 2, keys, texts), QV_ERR_INVALID_ARGUMENT, "zero");
  assert_int_equal(count_of(index), 1);
  assert_int_equal(metadata_count(index), 1);
  assert_false(has_key(index, QV_CHUNK_KEY(1, 0)));
  qv_index_free(index);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_null_arguments_are_rejected),
      cmocka_unit_test(test_bad_text_options_are_rejected_and_null_restores_defaults),
      cmocka_unit_test(test_text_calls_without_an_embedder_say_how_to_attach_one),
      cmocka_unit_test(test_embedder_of_another_dimension_is_rejected),
      cmocka_unit_test(test_empty_and_blank_texts_and_queries_are_rejected),
      cmocka_unit_test(test_document_keys_above_48_bits_are_rejected),
      QVT_TIMED(test_at_most_65536_chunks_per_document),
      cmocka_unit_test(test_duplicate_documents_add_nothing),
      cmocka_unit_test(test_read_only_index_refuses_text_changes_but_searches),
      cmocka_unit_test(test_a_failing_embedder_adds_nothing),
      cmocka_unit_test(test_a_duplicate_is_found_before_anything_is_embedded),
      cmocka_unit_test(test_a_zero_vector_under_cosine_adds_nothing),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
