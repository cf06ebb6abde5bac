/* HNSW under concurrent inserts of many exact copies (the copy-link code of
 * issue 11, defect 1, is the part of insertion that reads another node's
 * links): a parallel batch of copies while other threads search, then every
 * distinct vector is still found by its own vector. Sized for ThreadSanitizer. */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka.h needs the four headers above first. */
#include <cmocka.h>
#include <pthread.h>
#include <quiver/quiver.h>
#include <stdlib.h>
#include <string.h>

#include "qv_test_support.h"

#define DIM 16
#define DISTINCT 300
#define SOURCES 5
#define SEARCHERS 2
#define K 10

typedef struct shared {
  qv_index* index;
  const float* base; /* DISTINCT rows */
  int done;
  qvt_failures failures;
} shared;

static void* searcher(void* arg) {
  shared* s = arg;
  uint64_t keys[K];
  float dist[K];
  size_t i = 0, j, found;
  while (!__atomic_load_n(&s->done, __ATOMIC_ACQUIRE)) {
    const float* q = s->base + (i++ % DISTINCT) * DIM;
    if (qv_index_search(s->index, q, K, NULL, keys, dist, &found) != QV_OK) {
      qvt_failf(&s->failures, "search: %s", qv_last_error());
      continue;
    }
    if (found != K) qvt_failf(&s->failures, "search found %zu of %d", found, K);
    for (j = 1; j < found; ++j)
      if (dist[j - 1] > dist[j]) qvt_failf(&s->failures, "results out of order");
  }
  return NULL;
}

static void test_parallel_copies_while_searching_keep_every_vector_findable(void** state) {
  const size_t copies = qvt_scaled(3000);
  float* base = qvt_gaussian_vectors(DISTINCT, DIM, 3);
  float* rows = malloc(copies * DIM * sizeof *rows);
  uint64_t* keys = malloc(copies * sizeof *keys);
  pthread_t threads[SEARCHERS];
  qv_index_options o;
  shared s;
  size_t i;
  (void)state;

  qv_index_options_init(&o);
  o.dim = DIM;
  o.kind = QV_INDEX_HNSW;
  o.threads = 2;
  memset(&s, 0, sizeof s);
  qvt_failures_init(&s.failures);
  s.base = base;
  assert_int_equal(qv_index_create(&o, &s.index), QV_OK);
  for (i = 0; i < DISTINCT; ++i) assert_int_equal(qv_index_add(s.index, i, base + i * DIM), QV_OK);
  for (i = 0; i < copies; ++i) {
    keys[i] = DISTINCT + i;
    memcpy(rows + i * DIM, base + (i % SOURCES) * DIM, DIM * sizeof *rows);
  }

  for (i = 0; i < SEARCHERS; ++i)
    assert_int_equal(pthread_create(&threads[i], NULL, searcher, &s), 0);
  /* Two batches on two threads each, so copies link beside each other. */
  assert_int_equal(qv_index_add_batch(s.index, copies / 2, keys, rows), QV_OK);
  assert_int_equal(
      qv_index_add_batch(s.index, copies - copies / 2, keys + copies / 2, rows + copies / 2 * DIM),
      QV_OK);
  __atomic_store_n(&s.done, 1, __ATOMIC_RELEASE);
  for (i = 0; i < SEARCHERS; ++i) pthread_join(threads[i], NULL);
  assert_int_equal(qvt_failures_count(&s.failures), 0);

  /* Every distinct vector is found at distance 0 (itself, or one of its copies). */
  for (i = 0; i < DISTINCT; ++i) {
    uint64_t key;
    float dist;
    size_t found;
    qv_search_params p;
    qv_search_params_init(&p);
    p.ef = 128;
    assert_int_equal(qv_index_search(s.index, base + i * DIM, 1, &p, &key, &dist, &found), QV_OK);
    assert_int_equal(found, 1);
    assert_true(dist == 0.0f);
  }
  qv_index_free(s.index);
  qvt_failures_destroy(&s.failures);
  free(keys);
  free(rows);
  free(base);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parallel_copies_while_searching_keep_every_vector_findable),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
