/* Keyword (BM25) and hybrid search (issue 15): scores against a reference
 * BM25 computed here, the index kept in step with metadata changes, Unicode
 * folding, save / LOAD / MMAP, the rank fusion of qv_index_search_hybrid,
 * errors, and keyword searches while metadata changes (TSan). */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka.h needs the four headers above first. */
#include <cmocka.h>
#include <math.h>
#include <pthread.h>
#include <quiver/quiver.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qv_test_support.h"

#define DIM 8

/* Plain lower-case ASCII texts, so that splitting on spaces is the
 * tokeniser's answer too. */
static const char* const kTexts[] = {
    "apple banana apple",
    "banana cherry",
    "cherry cherry cherry date",
    "apple",
    "elderberry fig grape apple banana cherry date",
};
enum { kCount = sizeof kTexts / sizeof kTexts[0] };

static qv_index* index_with_texts(void) {
  qv_index_options o;
  qv_index* index = NULL;
  float v[DIM] = {0};
  size_t i;
  qv_index_options_init(&o);
  o.dim = DIM;
  o.kind = QV_INDEX_FLAT;
  assert_int_equal(qv_index_create(&o, &index), QV_OK);
  for (i = 0; i < kCount; ++i) {
    v[i % DIM] = 1.0f + (float)i;
    assert_int_equal(qv_index_add(index, 10 + i, v), QV_OK);
    assert_int_equal(qv_index_set_metadata(index, 10 + i, kTexts[i], strlen(kTexts[i])), QV_OK);
  }
  return index;
}

static size_t count_word(const char* text, const char* word) {
  size_t n = 0, len = strlen(word);
  const char* p = text;
  while (*p) {
    const char* end = strchr(p, ' ');
    const size_t wl = end ? (size_t)(end - p) : strlen(p);
    n += wl == len && strncmp(p, word, len) == 0;
    if (!end) break;
    p = end + 1;
  }
  return n;
}

static size_t words_in(const char* text) {
  size_t n = 1;
  for (; *text; ++text) n += *text == ' ';
  return n;
}

/* BM25 of every text for the query's distinct words (space-separated). */
static void reference_bm25(const char* const* words, size_t n_words, const char* const* texts,
                           size_t n, double* scores) {
  double average = 0.0;
  size_t i, w;
  for (i = 0; i < n; ++i) average += (double)words_in(texts[i]);
  average /= (double)n;
  for (i = 0; i < n; ++i) scores[i] = 0.0;
  for (w = 0; w < n_words; ++w) {
    double df = 0.0;
    for (i = 0; i < n; ++i) df += count_word(texts[i], words[w]) > 0;
    if (df == 0.0) continue;
    {
      const double idf = log(1.0 + ((double)n - df + 0.5) / (df + 0.5));
      for (i = 0; i < n; ++i) {
        const double f = (double)count_word(texts[i], words[w]);
        const double len = (double)words_in(texts[i]);
        scores[i] += idf * f * 2.2 / (f + 1.2 * (0.25 + 0.75 * len / average));
      }
    }
  }
}

static void check_against_reference(const qv_index* index, const char* query,
                                    const char* const* words, size_t n_words) {
  uint64_t keys[kCount];
  float scores[kCount];
  double want[kCount];
  size_t found = 0, i, expected = 0;
  reference_bm25(words, n_words, kTexts, kCount, want);
  for (i = 0; i < kCount; ++i) expected += want[i] > 0.0;
  assert_int_equal(qv_index_search_keywords(index, query, kCount, NULL, keys, scores, &found),
                   QV_OK);
  assert_int_equal(found, expected);
  for (i = 0; i < found; ++i) {
    const double w = want[keys[i] - 10];
    if (fabs(w - scores[i]) > 1e-4 * (1.0 + w))
      fail_msg("%s: key %llu scored %.6f, BM25 says %.6f", query, (unsigned long long)keys[i],
               scores[i], w);
    if (i > 0) assert_true(scores[i - 1] >= scores[i]);
  }
}

static void test_scores_are_bm25(void** state) {
  static const char* const q1[] = {"apple"};
  static const char* const q2[] = {"apple", "banana"};
  static const char* const q3[] = {"cherry", "date", "kiwi"};
  qv_index* index = index_with_texts();
  (void)state;
  check_against_reference(index, "apple", q1, 1);
  check_against_reference(index, "Apple, BANANA!", q2, 2);
  check_against_reference(index, "cherry date kiwi cherry", q3, 3);
  qv_index_free(index);
}

static void test_index_follows_metadata(void** state) {
  qv_index* index = index_with_texts();
  uint64_t keys[kCount];
  size_t found = 0;
  (void)state;
  assert_int_equal(qv_index_search_keywords(index, "kiwi", kCount, NULL, keys, NULL, &found),
                   QV_OK);
  assert_int_equal(found, 0);
  assert_int_equal(qv_index_set_metadata(index, 11, "kiwi kiwi", 9), QV_OK);
  assert_int_equal(qv_index_search_keywords(index, "kiwi", kCount, NULL, keys, NULL, &found),
                   QV_OK);
  assert_int_equal(found, 1);
  assert_int_equal(keys[0], 11);
  /* The old text of 11 is gone: "banana" no longer finds it. */
  assert_int_equal(qv_index_search_keywords(index, "banana", kCount, NULL, keys, NULL, &found),
                   QV_OK);
  for (size_t i = 0; i < found; ++i) assert_true(keys[i] != 11);
  assert_int_equal(qv_index_remove(index, 10), QV_OK);
  assert_int_equal(qv_index_set_metadata(index, 13, NULL, 0), QV_OK);
  assert_int_equal(qv_index_search_keywords(index, "apple", kCount, NULL, keys, NULL, &found),
                   QV_OK);
  assert_int_equal(found, 1);
  assert_int_equal(keys[0], 14);
  /* Unicode: case and accents fold. */
  assert_int_equal(qv_index_set_metadata(index, 12,
                                         "\xc3\x89"
                                         "cole MOSCOW",
                                         13),
                   QV_OK);
  assert_int_equal(qv_index_search_keywords(index, "ecole", kCount, NULL, keys, NULL, &found),
                   QV_OK);
  assert_int_equal(found, 1);
  assert_int_equal(keys[0], 12);
  /* No words: nothing. */
  assert_int_equal(qv_index_search_keywords(index, "  ?! ", kCount, NULL, keys, NULL, &found),
                   QV_OK);
  assert_int_equal(found, 0);
  qv_index_free(index);
}

static int odd_keys_only(uint64_t key, void* user) {
  (void)user;
  return (int)(key & 1);
}

static void test_filter_save_and_reopen(void** state) {
  qv_index* index = index_with_texts();
  char dir[] = "/tmp/qv_keywords_XXXXXX";
  char* path;
  uint64_t a[kCount], b[kCount];
  float sa[kCount], sb[kCount];
  size_t fa = 0, fb = 0, i;
  int mode;
  qv_search_params p;
  (void)state;
  qv_search_params_init(&p);
  p.filter = odd_keys_only;
  assert_int_equal(qv_index_search_keywords(index, "cherry", kCount, &p, a, sa, &fa), QV_OK);
  assert_true(fa > 0);
  for (i = 0; i < fa; ++i) assert_true(a[i] & 1);
  assert_non_null(mkdtemp(dir));
  path = qvt_path_join(dir, "k.qv");
  assert_int_equal(qv_index_save(index, path), QV_OK);
  assert_int_equal(qv_index_search_keywords(index, "apple cherry", kCount, NULL, a, sa, &fa),
                   QV_OK);
  for (mode = 0; mode < 2; ++mode) {
    qv_index* reopened = NULL;
    assert_int_equal(qv_index_open(path, mode ? QV_OPEN_MMAP : QV_OPEN_LOAD, &reopened), QV_OK);
    assert_int_equal(qv_index_search_keywords(reopened, "apple cherry", kCount, NULL, b, sb, &fb),
                     QV_OK);
    assert_int_equal(fa, fb);
    assert_memory_equal(a, b, fa * sizeof a[0]);
    assert_memory_equal(sa, sb, fa * sizeof sa[0]);
    qv_index_free(reopened);
  }
  unlink(path);
  rmdir(dir);
  free(path);
  qv_index_free(index);
}

/* The same keys in the same order with the same scores, for `query`. */
static void expect_same_ranking(const qv_index* a, const qv_index* b, const char* query) {
  uint64_t ka[kCount + 1], kb[kCount + 1];
  float sa[kCount + 1], sb[kCount + 1];
  size_t fa = 0, fb = 0, i;
  assert_int_equal(qv_index_search_keywords(a, query, kCount + 1, NULL, ka, sa, &fa), QV_OK);
  assert_int_equal(qv_index_search_keywords(b, query, kCount + 1, NULL, kb, sb, &fb), QV_OK);
  if (fa != fb) fail_msg("%s: %zu hits against %zu", query, fa, fb);
  for (i = 0; i < fa; ++i)
    if (ka[i] != kb[i] || fabsf(sa[i] - sb[i]) > 1e-5f * (1.0f + sa[i]))
      fail_msg("%s: hit %zu is key %llu (%.6f) against key %llu (%.6f)", query, i,
               (unsigned long long)ka[i], sa[i], (unsigned long long)kb[i], sb[i]);
}

/* The changes applied to a saved index in test_saved_keyword_index. */
static void change_texts(qv_index* index) {
  float v[DIM] = {0.5f};
  assert_int_equal(qv_index_set_metadata(index, 11, "kiwi kiwi apple", 15), QV_OK);
  assert_int_equal(qv_index_remove(index, 10), QV_OK);
  assert_int_equal(qv_index_set_metadata(index, 13, NULL, 0), QV_OK);
  assert_int_equal(qv_index_add(index, 15, v), QV_OK);
  assert_int_equal(qv_index_set_metadata(index, 15, "fig fig cherry kiwi", 19), QV_OK);
}

static size_t memory_of(const qv_index* index) {
  size_t bytes = 0;
  assert_int_equal(qv_index_memory_bytes(index, &bytes), QV_OK);
  return bytes;
}

/* A save writes the keyword index once built; an open takes it from the
 * file (no rebuild: a mapped index's heap does not grow on the first
 * keyword search), and changes after a LOAD, saved again, rank exactly as
 * an index that never saw a file. */
static void test_saved_keyword_index(void** state) {
  static const char* const q1[] = {"apple", "banana"};
  static const char* const queries[] = {"apple", "kiwi", "cherry fig", "banana date apple"};
  qv_index* index = index_with_texts();
  qv_index* fresh = index_with_texts();
  qv_index* never_built = index_with_texts();
  qv_index *loaded = NULL, *mapped = NULL;
  char dir[] = "/tmp/qv_keywords_XXXXXX";
  char *path, *plain, *again;
  uint64_t key;
  size_t found = 0, before, i;
  (void)state;
  assert_non_null(mkdtemp(dir));
  path = qvt_path_join(dir, "k.qv");
  plain = qvt_path_join(dir, "plain.qv");
  again = qvt_path_join(dir, "again.qv");
  assert_int_equal(qv_index_search_keywords(index, "apple", 1, NULL, &key, NULL, &found), QV_OK);
  assert_int_equal(qv_index_save(index, path), QV_OK);
  assert_int_equal(qv_index_save(never_built, plain), QV_OK);

  /* Mapped: read in place. Scores are still BM25. */
  assert_int_equal(qv_index_open(path, QV_OPEN_MMAP, &mapped), QV_OK);
  before = memory_of(mapped);
  check_against_reference(mapped, "Apple, BANANA!", q1, 2);
  assert_int_equal(memory_of(mapped), before);
  qv_index_free(mapped);
  /* Without the section the first search builds it: the heap grows. */
  assert_int_equal(qv_index_open(plain, QV_OPEN_MMAP, &mapped), QV_OK);
  before = memory_of(mapped);
  check_against_reference(mapped, "Apple, BANANA!", q1, 2);
  assert_true(memory_of(mapped) > before);
  qv_index_free(mapped);

  /* Loaded, changed (base texts replaced and erased, a new text), saved
   * again: the same ranking as the same changes on an index never saved. */
  assert_int_equal(qv_index_open(path, QV_OPEN_LOAD, &loaded), QV_OK);
  change_texts(loaded);
  assert_int_equal(qv_index_search_keywords(fresh, "apple", 1, NULL, &key, NULL, &found), QV_OK);
  change_texts(fresh);
  for (i = 0; i < sizeof queries / sizeof queries[0]; ++i)
    expect_same_ranking(loaded, fresh, queries[i]);
  assert_int_equal(qv_index_save(loaded, again), QV_OK);
  assert_int_equal(qv_index_open(again, QV_OPEN_MMAP, &mapped), QV_OK);
  for (i = 0; i < sizeof queries / sizeof queries[0]; ++i)
    expect_same_ranking(mapped, fresh, queries[i]);
  qv_index_free(mapped);
  qv_index_free(loaded);
  unlink(path);
  unlink(plain);
  unlink(again);
  rmdir(dir);
  free(path);
  free(plain);
  free(again);
  qv_index_free(fresh);
  qv_index_free(never_built);
  qv_index_free(index);
}

/* Documents about one subject each; one holds a rare code. Hybrid ranks
 * each document by 1/(60 + rank) summed over the two rankings. */
static void test_hybrid_fuses_the_two_rankings(void** state) {
  static const char* const docs[] = {
      "the pump failed with error code ZX4711 after the night shift restart",
      "bees make honey from the nectar of flowers in the hive",
      "the river floods the valley every spring after the snow melts",
      "a pump moves water from the well to the tank on the hill",
      "error handling in the scheduler retries a failed job three times",
      "honey bees dance to show the hive where the flowers are",
  };
  const size_t n = sizeof docs / sizeof docs[0];
  qv_index_options o;
  qv_index* index = NULL;
  qv_embedder* e = NULL;
  uint64_t keys[6], chunks[6], by_meaning[50], by_words[50];
  float scores[6];
  size_t found = 0, fm = 0, fw = 0, i, j, w;
  (void)state;
  qv_index_options_init(&o);
  o.dim = 256;
  o.metric = QV_METRIC_COSINE;
  o.kind = QV_INDEX_FLAT;
  assert_int_equal(qv_index_create(&o, &index), QV_OK);
  assert_int_equal(qv_embedder_create_hashing(256, &e), QV_OK);
  assert_int_equal(qv_index_set_embedder(index, e), QV_OK);
  for (i = 0; i < n; ++i) assert_int_equal(qv_index_add_text(index, i + 1, docs[i]), QV_OK);
  assert_int_equal(
      qv_index_search_text(index, "ZX4711 pump failure", 50, NULL, by_meaning, NULL, &fm), QV_OK);
  assert_int_equal(
      qv_index_search_keywords(index, "ZX4711 pump failure", 50, NULL, by_words, NULL, &fw), QV_OK);
  /* Every score is the fusion of the two rankings, computed here, for the
   * default (equal) weights and for a keyword ranking weighted up and down. */
  for (w = 0; w < 3; ++w) {
    static const float weights[] = {0.0f, 2.5f, 0.25f};
    const double weight = w == 0 ? 1.0 : (double)weights[w];
    qv_search_params p;
    qv_search_params_init(&p);
    p.keyword_weight = weights[w];
    assert_int_equal(
        qv_index_search_hybrid(index, "ZX4711 pump failure", 6, &p, keys, chunks, scores, &found),
        QV_OK);
    assert_int_equal(found, n);
    assert_int_equal(keys[0], 1); /* both rankings agree */
    for (i = 0; i < found; ++i) {
      double want = 0.0;
      size_t rank = 0;
      for (j = 0; j < fm; ++j)
        if (by_meaning[j] == keys[i]) want += 1.0 / (60.0 + (double)(j + 1));
      /* Keyword hits are chunks; documents rank by their first chunk. */
      for (j = 0; j < fw; ++j) {
        size_t k2;
        int earlier = 0;
        for (k2 = 0; k2 < j; ++k2) earlier |= QV_DOC_KEY(by_words[k2]) == QV_DOC_KEY(by_words[j]);
        if (earlier) continue;
        ++rank;
        if (QV_DOC_KEY(by_words[j]) == keys[i]) want += weight / (60.0 + (double)rank);
      }
      if (fabs(want - scores[i]) > 1e-6)
        fail_msg("weight %g, document %llu: score %.8f, RRF %.8f", weight,
                 (unsigned long long)keys[i], scores[i], want);
      if (i > 0) assert_true(scores[i - 1] >= scores[i]);
      assert_int_equal(QV_DOC_KEY(chunks[i]), keys[i]);
    }
  }
  /* A weight out of range is refused, naming the field. */
  for (w = 0; w < 3; ++w) {
    qv_search_params p;
    qv_search_params_init(&p);
    p.keyword_weight = w == 0 ? -1.0f : w == 1 ? 1001.0f : NAN;
    assert_int_equal(qv_index_search_hybrid(index, "pump", 3, &p, keys, NULL, scores, &found),
                     QV_ERR_INVALID_ARGUMENT);
    assert_true(qvt_contains(qv_last_error(), "keyword_weight"));
  }
  /* Errors: no embedder for hybrid; keywords need none. */
  qv_index_set_embedder(index, NULL);
  assert_int_equal(qv_index_search_hybrid(index, "pump", 3, NULL, keys, NULL, scores, &found),
                   QV_ERR_INVALID_ARGUMENT);
  assert_int_equal(qv_index_search_keywords(index, "pump", 3, NULL, keys, NULL, &found), QV_OK);
  assert_int_equal(found, 2);
  assert_int_equal(qv_index_search_keywords(index, NULL, 3, NULL, keys, NULL, &found),
                   QV_ERR_INVALID_ARGUMENT);
  assert_int_equal(qv_index_search_keywords(index, "pump", 0, NULL, keys, NULL, &found),
                   QV_ERR_INVALID_ARGUMENT);
  assert_int_equal(qv_index_search_keywords(NULL, "pump", 3, NULL, keys, NULL, &found),
                   QV_ERR_INVALID_ARGUMENT);
  qv_embedder_free(e);
  qv_index_free(index);
}

/* Keyword searches while another thread rewrites metadata (TSan). */
typedef struct shared {
  qv_index* index;
  int done;
  int bad;
} shared;

static void* searcher(void* arg) {
  shared* s = arg;
  uint64_t keys[kCount];
  size_t found;
  while (!__atomic_load_n(&s->done, __ATOMIC_ACQUIRE))
    if (qv_index_search_keywords(s->index, "apple kiwi", kCount, NULL, keys, NULL, &found) != QV_OK)
      __atomic_store_n(&s->bad, 1, __ATOMIC_RELEASE);
  return NULL;
}

static void test_searches_while_metadata_changes(void** state) {
  shared s = {index_with_texts(), 0, 0};
  pthread_t threads[2];
  size_t i;
  (void)state;
  for (i = 0; i < 2; ++i) assert_int_equal(pthread_create(&threads[i], NULL, searcher, &s), 0);
  for (i = 0; i < qvt_scaled(2000); ++i) {
    const char* text = i % 2 ? "kiwi apple" : "plum";
    assert_int_equal(qv_index_set_metadata(s.index, 10 + i % kCount, text, strlen(text)), QV_OK);
  }
  __atomic_store_n(&s.done, 1, __ATOMIC_RELEASE);
  for (i = 0; i < 2; ++i) pthread_join(threads[i], NULL);
  assert_int_equal(s.bad, 0);
  qv_index_free(s.index);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_scores_are_bm25),
      cmocka_unit_test(test_index_follows_metadata),
      cmocka_unit_test(test_filter_save_and_reopen),
      cmocka_unit_test(test_saved_keyword_index),
      cmocka_unit_test(test_hybrid_fuses_the_two_rankings),
      cmocka_unit_test(test_searches_while_metadata_changes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
