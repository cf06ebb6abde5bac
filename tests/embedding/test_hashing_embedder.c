/*
 * The offline hashing embedder through the C API: deterministic (pinned
 * golden values), unit length, lexical similarity (similar texts closer
 * than unrelated ones, a small retrieval check through an index), case and
 * accent folding, robustness to invalid UTF-8 and odd input, argument
 * checks and concurrent use.
 */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "qv_test_support.h"

#define DIM 512

static qv_embedder *make(uint32_t dim) {
  qv_embedder *e = NULL;
  qv_status s = qv_embedder_create_hashing(dim, &e);
  if (s != QV_OK) fail_msg("create_hashing(%u): %s %s", dim, qv_status_string(s), qv_last_error());
  return e;
}

static void embed1(qv_embedder *e, const char *text, float *out) {
  qv_status s = qv_embedder_embed(e, 1, &text, out);
  if (s != QV_OK) fail_msg("embed(\"%s\"): %s %s", text, qv_status_string(s), qv_last_error());
}

static double dot(const float *a, const float *b, size_t n) {
  double d = 0;
  for (size_t i = 0; i < n; ++i) d += (double)a[i] * b[i];
  return d;
}

static double cosine_of(qv_embedder *e, const char *a, const char *b) {
  static float va[DIM], vb[DIM];
  embed1(e, a, va);
  embed1(e, b, vb);
  return dot(va, vb, DIM);
}

static void test_same_text_gives_identical_vectors(void **state) {
  (void)state;
  qv_embedder *a = make(DIM), *b = make(DIM);
  float x[DIM], y[DIM], z[DIM];
  const char *t = "Quiver turns text into vectors, deterministically.";
  embed1(a, t, x);
  embed1(a, t, y);
  embed1(b, t, z);
  assert_memory_equal(x, y, sizeof x);
  assert_memory_equal(x, z, sizeof x);
  /* The task does not matter to a symmetric model. */
  const char *texts[1] = {t};
  assert_int_equal(qv_embedder_embed_ex(a, QV_EMBED_QUERY, 1, texts, NULL, y), QV_OK);
  assert_memory_equal(x, y, sizeof x);
  qv_embedder_free(a);
  qv_embedder_free(b);
}

/* Pinned output: any change to normalisation, tokenisation, hashing or
 * weighting changes these and must bump HashingEmbedder::kVersion (indexes
 * built with the old vectors would silently stop matching). */
static void test_golden_vector_is_stable_across_versions_and_platforms(void **state) {
  (void)state;
  static const float golden[16] = {
      0.141229749f, -0.0125529906f, -0.106249794f, -0.170710772f,
      -0.0271625109f, -0.0749574378f, 0.404087961f, 0.62698549f,
      0.100063421f, -0.0187393595f, 0.0662723035f, -0.0811438113f,
      0.0336108655f, 0.588737607f, 0.00163107272f, -0.0873301774f};
  qv_embedder *e = make(16);
  float v[16];
  embed1(e, "The quick brown fox jumps over the lazy dog", v);
  for (int i = 0; i < 16; ++i) {
    if (fabsf(v[i] - golden[i]) > 1e-6f)
      fail_msg("component %d is %.9g, pinned %.9g", i, (double)v[i], (double)golden[i]);
  }
  qv_embedder_free(e);
}

static void test_vectors_have_unit_length(void **state) {
  (void)state;
  qv_embedder *e = make(DIM);
  const char *texts[] = {"a", "Hello, world!", "x y z x y z x y z", "!!!", "\xf0\x9f\x8d\x95",
                         "Tr\xc3\xa8s longue phrase en fran\xc3\xa7" "ais avec beaucoup de mots",
                         "\xe4\xb8\xad\xe6\x96\x87\xe6\x96\x87\xe6\x9c\xac", "12345 67890"};
  const size_t n = sizeof texts / sizeof texts[0];
  float *out = malloc(n * DIM * sizeof(float));
  assert_int_equal(qv_embedder_embed(e, n, texts, out), QV_OK);
  for (size_t i = 0; i < n; ++i) {
    const double norm = sqrt(dot(out + i * DIM, out + i * DIM, DIM));
    if (fabs(norm - 1.0) > 1e-5) fail_msg("text %zu has norm %g", i, norm);
  }
  free(out);
  qv_embedder_free(e);
}

static void test_similar_texts_are_closer_than_unrelated_ones(void **state) {
  (void)state;
  static const char *triples[][3] = {
      {"How do I reset my router password?",
       "Steps to reset the password on a wireless router",
       "The recipe calls for two cups of flour and a pinch of salt"},
      {"Vector databases store embeddings for similarity search",
       "Similarity search over embeddings with a vector index",
       "The football match ended in a draw after extra time"},
      {"Photosynthesis converts sunlight into chemical energy in plants",
       "Plants use sunlight to make chemical energy through photosynthesis",
       "The stock market fell sharply on Tuesday afternoon"},
      {"running shoes for marathons", "marathon runner shoe reviews",
       "quantum computers manipulate qubits"},
      {"Embeddings", "embedding", "embargo"},
  };
  qv_embedder *e = make(DIM);
  for (size_t i = 0; i < sizeof triples / sizeof triples[0]; ++i) {
    const double near = cosine_of(e, triples[i][0], triples[i][1]);
    const double far = cosine_of(e, triples[i][0], triples[i][2]);
    if (!(near > far + 0.1))
      fail_msg("triple %zu: similar %.3f is not clearly above unrelated %.3f", i, near, far);
    assert_true(near > 0.2);
  }
  /* A text is most similar to itself. */
  assert_true(fabs(cosine_of(e, triples[0][0], triples[0][0]) - 1.0) < 1e-5);
  qv_embedder_free(e);
}

static void test_case_accents_and_punctuation_are_folded(void **state) {
  (void)state;
  static const char *same[][2] = {
      {"HELLO World", "hello world"},
      {"\xc3\x89" "cole normale sup\xc3\xa9rieure", "ecole normale superieure"},
      {"\xd0\x9c\xd0\x9e\xd0\xa1\xd0\x9a\xd0\x92\xd0\x90", "\xd0\xbc\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0"},
      {"\xce\x91\xce\x98\xce\x97\xce\x9d\xce\x91", "\xce\xb1\xce\xb8\xce\xb7\xce\xbd\xce\xb1"},
      {"\xef\xbc\xa8\xef\xbd\x85\xef\xbd\x8c\xef\xbd\x8c\xef\xbd\x8f", "hello"}, /* full-width */
      {"Stra\xc3\x9f" "e", "strasse"},
      {"e\xcc\x81t\xc3\xa9", "\xc3\xa9t\xc3\xa9"}, /* NFD and NFC */
      {"don't stop", "dont stop"},
      {"well-known, (tested) facts!", "well known tested facts"},
  };
  qv_embedder *e = make(DIM);
  float a[DIM], b[DIM];
  for (size_t i = 0; i < sizeof same / sizeof same[0]; ++i) {
    embed1(e, same[i][0], a);
    embed1(e, same[i][1], b);
    if (memcmp(a, b, sizeof a) != 0) fail_msg("pair %zu differs: \"%s\" / \"%s\"", i, same[i][0], same[i][1]);
  }
  qv_embedder_free(e);
}

static void test_invalid_utf8_and_odd_input_never_fail(void **state) {
  (void)state;
  qv_embedder *e = make(64);
  static const char *odd[] = {
      "\xff\xfe\xfd", "abc\x80" "def", "\xe2\x82", "\xf0\x9f\x98", "\xc0\xaf overlong",
      "\xed\xa0\x80 surrogate", "\xf4\x90\x80\x80 beyond U+10FFFF", "tab\tnew\nline\r\n",
      "\x01\x02\x03 controls", "a\xcc\x81\xcc\x81\xcc\x81\xcc\x81 combining pile-up",
  };
  float v[64];
  for (size_t i = 0; i < sizeof odd / sizeof odd[0]; ++i) {
    embed1(e, odd[i], v);
    for (int j = 0; j < 64; ++j) assert_true(isfinite(v[j]));
  }
  /* Random bytes, random lengths (lengths given: NUL bytes inside). */
  qvt_rng rng;
  qvt_rng_seed(&rng, 99);
  char buf[300];
  for (int iter = 0; iter < 2000; ++iter) {
    size_t len = qvt_rng_below(&rng, sizeof buf);
    for (size_t i = 0; i < len; ++i) buf[i] = (char)(qvt_rng_next(&rng) & 0xFF);
    const char *texts[1] = {buf};
    assert_int_equal(qv_embedder_embed_ex(e, QV_EMBED_DOCUMENT, 1, texts, &len, v), QV_OK);
    double n2 = dot(v, v, 64);
    assert_true(n2 == 0.0 || fabs(n2 - 1.0) < 1e-5);
  }
  /* A very long word and a long text. */
  size_t big = 200000;
  char *long_text = malloc(big + 1);
  for (size_t i = 0; i < big; ++i) long_text[i] = (char)('a' + (i * 7) % 26);
  long_text[big] = 0;
  embed1(e, long_text, v);
  assert_true(fabs(dot(v, v, 64) - 1.0) < 1e-5);
  free(long_text);
  qv_embedder_free(e);
}

static void test_empty_and_blank_text_embed_to_zero(void **state) {
  (void)state;
  qv_embedder *e = make(32);
  float v[32];
  const char *blank[] = {"", "   ", " \t\r\n", "\xc2\xa0\xe3\x80\x80"};
  for (size_t i = 0; i < sizeof blank / sizeof blank[0]; ++i) {
    embed1(e, blank[i], v);
    for (int j = 0; j < 32; ++j) assert_true(v[j] == 0.0f);
  }
  /* Only symbols: still a real vector. */
  embed1(e, "?!", v);
  assert_true(fabs(dot(v, v, 32) - 1.0) < 1e-5);
  qv_embedder_free(e);
}

/* At tiny dims signed features can cancel exactly; a text with any feature
 * must still embed to a unit vector (a zero vector is useless: a cosine
 * index rejects it). Every one- and two-letter word at dims 1 to 3. */
static void test_texts_with_features_never_embed_to_zero_at_tiny_dims(void **state) {
  (void)state;
  for (uint32_t dim = 1; dim <= 3; ++dim) {
    qv_embedder *e = make(dim);
    float v[3];
    char word[3] = {0};
    for (int a = 'a'; a <= 'z'; ++a) {
      for (int b = 0; b <= 'z'; b = b ? b + 1 : 'a') {
        word[0] = (char)a;
        word[1] = (char)b;
        embed1(e, word, v);
        const double norm = sqrt(dot(v, v, dim));
        if (fabs(norm - 1.0) > 1e-5) fail_msg("\"%s\" at dim %u has norm %g", word, dim, norm);
      }
    }
    qv_embedder_free(e);
  }
}

static void test_lengths_allow_embedded_nul_bytes(void **state) {
  (void)state;
  qv_embedder *e = make(DIM);
  float a[DIM], b[DIM], c[DIM];
  const char *t1[1] = {"alpha\0beta"};
  size_t len = 10;
  assert_int_equal(qv_embedder_embed_ex(e, QV_EMBED_DOCUMENT, 1, t1, &len, a), QV_OK);
  embed1(e, "alpha beta", b); /* NUL separates words like a space */
  embed1(e, "alpha", c);
  assert_memory_equal(a, b, sizeof a);
  assert_true(memcmp(a, c, sizeof a) != 0);
  qv_embedder_free(e);
}

/* A preview of text search: passages in an index, queries by keywords. */
static void test_queries_find_the_passage_about_their_subject(void **state) {
  (void)state;
  static const char *passages[] = {
      "The Amazon rainforest is the largest tropical rainforest, home to millions of species.",
      "Espresso is brewed by forcing hot water through finely ground coffee beans.",
      "The Great Wall of China stretches thousands of kilometres across northern China.",
      "Photosynthesis lets plants turn sunlight, water and carbon dioxide into glucose.",
      "A black hole is a region of spacetime where gravity prevents light from escaping.",
      "The violin is a string instrument played with a bow in orchestras.",
      "Marathon runners train for months to complete the 42 kilometre race.",
      "Volcanoes erupt when magma from the mantle rises through the crust.",
  };
  static const struct { const char *query; size_t expected; } queries[] = {
      {"tropical rainforest species", 0}, {"how is espresso coffee brewed", 1},
      {"great wall china", 2},            {"plants sunlight glucose", 3},
      {"black holes and gravity", 4},     {"violins in the orchestra", 5},
      {"marathon race training", 6},      {"volcano eruption magma", 7},
  };
  const size_t n = sizeof passages / sizeof passages[0];
  qv_embedder *e = make(DIM);
  qv_index *index = qvt_create_index(DIM, QV_METRIC_COSINE, QV_INDEX_FLAT);
  assert_non_null(index);
  float *vectors = malloc(n * DIM * sizeof(float));
  uint64_t keys[8];
  for (size_t i = 0; i < n; ++i) keys[i] = 100 + i;
  assert_int_equal(qv_embedder_embed(e, n, passages, vectors), QV_OK);
  assert_int_equal(qv_index_add_batch(index, n, keys, vectors), QV_OK);
  for (size_t q = 0; q < sizeof queries / sizeof queries[0]; ++q) {
    float qv[DIM];
    const char *texts[1] = {queries[q].query};
    assert_int_equal(qv_embedder_embed_ex(e, QV_EMBED_QUERY, 1, texts, NULL, qv), QV_OK);
    uint64_t found_keys[3];
    size_t found = 0;
    assert_int_equal(qv_index_search(index, qv, 3, NULL, found_keys, NULL, &found), QV_OK);
    assert_true(found >= 1);
    if (found_keys[0] != 100 + queries[q].expected)
      fail_msg("query \"%s\" found passage %d first, expected %zu", queries[q].query,
               (int)(found_keys[0] - 100), queries[q].expected);
  }
  free(vectors);
  qv_index_free(index);
  qv_embedder_free(e);
}

static void test_arguments_are_checked(void **state) {
  (void)state;
  qv_embedder *e = NULL;
  assert_int_equal(qv_embedder_create_hashing(0, &e), QV_ERR_INVALID_ARGUMENT);
  assert_true(qvt_contains(qv_last_error(), "dim"));
  assert_int_equal(qv_embedder_create_hashing(QV_MAX_DIM + 1, &e), QV_ERR_INVALID_ARGUMENT);
  assert_int_equal(qv_embedder_create_hashing(8, NULL), QV_ERR_INVALID_ARGUMENT);
  assert_null(e);

  e = make(1); /* the smallest dimension: a sign */
  float v[1];
  embed1(e, "anything", v);
  assert_true(v[0] == 1.0f || v[0] == -1.0f);
  uint32_t dim = 0;
  assert_int_equal(qv_embedder_dim(e, &dim), QV_OK);
  assert_int_equal(dim, 1);
  assert_int_equal(qv_embedder_dim(NULL, &dim), QV_ERR_INVALID_ARGUMENT);
  assert_int_equal(qv_embedder_dim(e, NULL), QV_ERR_INVALID_ARGUMENT);

  const char *texts[2] = {"ok", NULL};
  float out[2] = {7.0f, 7.0f};
  assert_int_equal(qv_embedder_embed(NULL, 1, texts, out), QV_ERR_INVALID_ARGUMENT);
  assert_int_equal(qv_embedder_embed(e, 1, NULL, out), QV_ERR_INVALID_ARGUMENT);
  assert_int_equal(qv_embedder_embed(e, 1, texts, NULL), QV_ERR_INVALID_ARGUMENT);
  assert_int_equal(qv_embedder_embed(e, 2, texts, out), QV_ERR_INVALID_ARGUMENT);
  assert_true(qvt_contains(qv_last_error(), "texts[1]"));
  assert_true(out[0] == 7.0f && out[1] == 7.0f); /* untouched on failure */
  assert_int_equal(qv_embedder_embed(e, 0, NULL, NULL), QV_OK);
  assert_int_equal(qv_embedder_embed_ex(e, (qv_embed_task)9, 1, texts, NULL, out),
                   QV_ERR_INVALID_ARGUMENT);
  qv_embedder_free(e);
  qv_embedder_free(NULL);
}

struct worker_arg {
  qv_embedder *e;
  const char **texts;
  size_t n;
  const float *expected;
  int mismatches;
};

static void *worker(void *p) {
  struct worker_arg *a = p;
  float *out = malloc(a->n * 64 * sizeof(float));
  for (int round = 0; round < 20; ++round) {
    if (qv_embedder_embed(a->e, a->n, a->texts, out) != QV_OK ||
        memcmp(out, a->expected, a->n * 64 * sizeof(float)) != 0)
      a->mismatches++;
  }
  free(out);
  return NULL;
}

static void test_concurrent_embeds_agree_with_serial(void **state) {
  (void)state;
  enum { N = 40, T = 4 };
  char storage[N][64];
  const char *texts[N];
  for (int i = 0; i < N; ++i) {
    snprintf(storage[i], sizeof storage[i], "document %d about topic %d and more", i, i % 7);
    texts[i] = storage[i];
  }
  qv_embedder *e = make(64);
  float *expected = malloc(N * 64 * sizeof(float));
  assert_int_equal(qv_embedder_embed(e, N, texts, expected), QV_OK);
  pthread_t threads[T];
  struct worker_arg args[T];
  for (int t = 0; t < T; ++t) {
    args[t] = (struct worker_arg){e, texts, N, expected, 0};
    pthread_create(&threads[t], NULL, worker, &args[t]);
  }
  for (int t = 0; t < T; ++t) {
    pthread_join(threads[t], NULL);
    assert_int_equal(args[t].mismatches, 0);
  }
  free(expected);
  qv_embedder_free(e);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_same_text_gives_identical_vectors),
      cmocka_unit_test(test_golden_vector_is_stable_across_versions_and_platforms),
      cmocka_unit_test(test_vectors_have_unit_length),
      cmocka_unit_test(test_similar_texts_are_closer_than_unrelated_ones),
      cmocka_unit_test(test_case_accents_and_punctuation_are_folded),
      cmocka_unit_test(test_invalid_utf8_and_odd_input_never_fail),
      cmocka_unit_test(test_empty_and_blank_text_embed_to_zero),
      cmocka_unit_test(test_texts_with_features_never_embed_to_zero_at_tiny_dims),
      cmocka_unit_test(test_lengths_allow_embedded_nul_bytes),
      cmocka_unit_test(test_queries_find_the_passage_about_their_subject),
      cmocka_unit_test(test_arguments_are_checked),
      cmocka_unit_test(test_concurrent_embeds_agree_with_serial),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
