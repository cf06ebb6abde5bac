/*
 * The text calls under concurrency, as quiver.h promises: text searches on
 * several threads while another thread adds and removes documents and a
 * third swaps the embedder (an equal one) and the text options. Run under
 * ThreadSanitizer by the concurrency job.
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

#include <pthread.h>
#include <quiver/quiver.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qv_test_support.h"
#include "text_corpus.h"

#define DIM 256
#define SEARCHERS 4

int qvt_text_header_check(void);

typedef struct shared {
  qv_index* index;
  qvt_tsv passages, queries;
  qvt_failures failures;
  int stop; /* guarded by stop_mutex */
  pthread_mutex_t stop_mutex;
  size_t searches;
} shared;

static int stopped(shared* s) {
  int v;
  pthread_mutex_lock(&s->stop_mutex);
  v = s->stop;
  pthread_mutex_unlock(&s->stop_mutex);
  return v;
}

static void* searcher(void* p) {
  shared* s = p;
  size_t q = 0, n = 0;
  while (!stopped(s)) {
    uint64_t keys[8], chunks[8];
    float dist[8];
    size_t found = 0, i;
    qv_status st = qv_index_search_text_ex(s->index, s->queries.text[q % s->queries.n], 8, NULL,
                                           keys, chunks, dist, &found);
    if (st != QV_OK) {
      qvt_failf(&s->failures, "search_text: %s: %s", qv_status_string(st), qv_last_error());
      break;
    }
    for (i = 0; i < found; ++i)
      if (QV_DOC_KEY(chunks[i]) != keys[i] || (i > 0 && dist[i - 1] > dist[i]))
        qvt_failf(&s->failures, "inconsistent result %zu for query %zu", i, q);
    ++q;
    ++n;
  }
  pthread_mutex_lock(&s->stop_mutex);
  s->searches += n;
  pthread_mutex_unlock(&s->stop_mutex);
  return NULL;
}

static void* swapper(void* p) {
  shared* s = p;
  unsigned i = 0;
  while (!stopped(s)) {
    qv_embedder* emb = NULL;
    qv_text_options o;
    qv_status st = qv_embedder_create_hashing(DIM, &emb);
    if (st == QV_OK) st = qv_index_set_embedder(s->index, emb);
    qv_embedder_free(emb);
    qv_text_options_init(&o);
    o.chunk_size = 600 + (i++ % 3) * 100;
    if (st == QV_OK) st = qv_index_set_text_options(s->index, &o);
    if (st != QV_OK) {
      qvt_failf(&s->failures, "swap: %s: %s", qv_status_string(st), qv_last_error());
      break;
    }
  }
  return NULL;
}

static void check_concurrent(qv_index_kind kind) {
  shared s;
  pthread_t threads[SEARCHERS + 1];
  qv_embedder* emb = NULL;
  size_t i, batch = 20, added = 0;
  memset(&s, 0, sizeof s);
  pthread_mutex_init(&s.stop_mutex, NULL);
  qvt_failures_init(&s.failures);
  assert_int_equal(qvt_tsv_read(qvt_text_data_dir(), "passages.tsv", &s.passages), 0);
  assert_int_equal(qvt_tsv_read(qvt_text_data_dir(), "queries.tsv", &s.queries), 0);
  s.index = qvt_create_index(DIM, QV_METRIC_COSINE, kind);
  assert_non_null(s.index);
  assert_int_equal(qv_embedder_create_hashing(DIM, &emb), QV_OK);
  assert_int_equal(qv_index_set_embedder(s.index, emb), QV_OK);
  qv_embedder_free(emb);
  /* A first batch so that searches find something from the start. */
  {
    uint64_t keys[20];
    for (i = 0; i < batch; ++i) keys[i] = i;
    assert_int_equal(qv_index_add_texts(s.index, batch, keys, (const char* const*)s.passages.text),
                     QV_OK);
    added = batch;
  }
  for (i = 0; i < SEARCHERS; ++i)
    assert_int_equal(pthread_create(&threads[i], NULL, searcher, &s), 0);
  assert_int_equal(pthread_create(&threads[SEARCHERS], NULL, swapper, &s), 0);
  /* This thread writes: the rest of the corpus in batches, removing every
   * third document again. */
  while (added < s.passages.n) {
    uint64_t keys[20];
    size_t n = s.passages.n - added < batch ? s.passages.n - added : batch;
    qv_status st;
    for (i = 0; i < n; ++i) keys[i] = added + i;
    st = qv_index_add_texts(s.index, n, keys, (const char* const*)s.passages.text + added);
    if (st != QV_OK)
      qvt_failf(&s.failures, "add_texts: %s: %s", qv_status_string(st), qv_last_error());
    for (i = 0; i < n; ++i)
      if ((added + i) % 3 == 0 && qv_index_remove_text(s.index, added + i) != QV_OK)
        qvt_failf(&s.failures, "remove_text %zu: %s", added + i, qv_last_error());
    added += n;
  }
  pthread_mutex_lock(&s.stop_mutex);
  s.stop = 1;
  pthread_mutex_unlock(&s.stop_mutex);
  for (i = 0; i < SEARCHERS + 1; ++i) pthread_join(threads[i], NULL);
  if (qvt_failures_count(&s.failures))
    fail_msg("%lu failures, first: %s", qvt_failures_count(&s.failures), s.failures.first);
  {
    size_t count = 0, expected = 0;
    assert_int_equal(qv_index_count(s.index, &count), QV_OK);
    for (i = batch; i < s.passages.n; ++i) expected += i % 3 != 0;
    /* every passage is one chunk at chunk sizes >= 600 */
    assert_int_equal(count, expected + batch);
  }
  print_message("%zu text searches ran alongside the writes\n", s.searches);
  assert_true(qvt_text_header_check() == 8);
  qv_index_free(s.index);
  qvt_tsv_free(&s.passages);
  qvt_tsv_free(&s.queries);
  qvt_failures_destroy(&s.failures);
  pthread_mutex_destroy(&s.stop_mutex);
}

static void test_text_searches_run_alongside_adds_removes_and_embedder_swaps_flat(void** state) {
  (void)state;
  check_concurrent(QV_INDEX_FLAT);
}

static void test_text_searches_run_alongside_adds_removes_and_embedder_swaps_hnsw(void** state) {
  (void)state;
  check_concurrent(QV_INDEX_HNSW);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      QVT_TIMED(test_text_searches_run_alongside_adds_removes_and_embedder_swaps_flat),
      QVT_TIMED(test_text_searches_run_alongside_adds_removes_and_embedder_swaps_hnsw),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
