/* Compact storage under concurrency (issue 12): for each of F16, I8 and B1,
 * in HNSW and FLAT indexes,
 * one thread adds batches and single vectors while others search; every
 * search succeeds with sorted results, and with I8 / B1 (originals kept)
 * every distance is the exact float32 one of the key it comes with. Then
 * every vector added is found by its own vector. Sized for
 * ThreadSanitizer. */
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
#include <stdlib.h>
#include <string.h>

#include "qv_test_support.h"

#define DIM 24
#define SEARCHERS 2
#define K 5

typedef struct shared {
  qv_index* index;
  const float* base;
  size_t n;
  int lossy;
  int done;
  qvt_failures failures;
} shared;

static void* searcher(void* arg) {
  shared* s = arg;
  uint64_t keys[K];
  float dist[K];
  size_t i = 0, j, found;
  while (!__atomic_load_n(&s->done, __ATOMIC_ACQUIRE)) {
    const float* q = s->base + ((i++ * 7) % s->n) * DIM;
    if (qv_index_search(s->index, q, K, NULL, keys, dist, &found) != QV_OK) {
      qvt_failf(&s->failures, "search: %s", qv_last_error());
      continue;
    }
    for (j = 0; j < found; ++j) {
      if (j > 0 && dist[j - 1] > dist[j]) qvt_failf(&s->failures, "results out of order");
      if (s->lossy) {
        const double want = qvt_distance(QV_METRIC_COSINE, q, s->base + (size_t)keys[j] * DIM, DIM);
        if (fabs(want - dist[j]) > 1e-4) qvt_failf(&s->failures, "distance is not exact");
      }
    }
  }
  return NULL;
}

static void run(qv_index_kind kind, qv_storage storage) {
  const size_t n = qvt_scaled(2000);
  float* base = qvt_gaussian_mixture(n, DIM, 10, 0.3, 21);
  uint64_t* keys = malloc(n * sizeof *keys);
  pthread_t threads[SEARCHERS];
  qv_index_options o;
  shared s;
  size_t i, first = 0, missing = 0;
  for (i = 0; i < n; ++i) keys[i] = i;
  qv_index_options_init(&o);
  o.dim = DIM;
  o.metric = QV_METRIC_COSINE;
  o.storage = storage;
  o.kind = kind;
  o.hnsw_m = 8;
  o.hnsw_ef_construction = 64;
  o.threads = 2;
  memset(&s, 0, sizeof s);
  s.base = base;
  s.lossy = storage != QV_STORAGE_F16;
  qvt_failures_init(&s.failures);
  assert_int_equal(qv_index_create(&o, &s.index), QV_OK);
  assert_int_equal(qv_index_add_batch(s.index, 50, keys, base), QV_OK);
  s.n = 50; /* searchers query rows already added */
  for (i = 0; i < SEARCHERS; ++i)
    assert_int_equal(pthread_create(&threads[i], NULL, searcher, &s), 0);
  for (first = 50; first < n; first += 150) {
    const size_t count = first + 150 <= n ? 150 : n - first;
    if (count > 1) {
      assert_int_equal(qv_index_add_batch(s.index, count - 1, keys + first, base + first * DIM),
                       QV_OK);
    }
    assert_int_equal(
        qv_index_add(s.index, keys[first + count - 1], base + (first + count - 1) * DIM), QV_OK);
  }
  __atomic_store_n(&s.done, 1, __ATOMIC_RELEASE);
  for (i = 0; i < SEARCHERS; ++i) pthread_join(threads[i], NULL);
  if (qvt_failures_count(&s.failures) != 0) fail_msg("storage %d: searches failed", (int)storage);
  for (i = 0; i < n; ++i) {
    uint64_t key = UINT64_MAX;
    size_t found = 0;
    qv_search_params p;
    qv_search_params_init(&p);
    p.ef = 64;
    assert_int_equal(qv_index_search(s.index, base + i * DIM, 1, &p, &key, NULL, &found), QV_OK);
    missing += found != 1 || key != i;
  }
  if (missing > n / 100)
    fail_msg("storage %d: %zu of %zu vectors not found first", (int)storage, missing, n);
  qvt_failures_destroy(&s.failures);
  qv_index_free(s.index);
  free(base);
  free(keys);
}

static void test_f16_adds_while_searching(void** state) {
  (void)state;
  run(QV_INDEX_HNSW, QV_STORAGE_F16);
  run(QV_INDEX_FLAT, QV_STORAGE_F16);
}

static void test_i8_adds_while_searching(void** state) {
  (void)state;
  run(QV_INDEX_HNSW, QV_STORAGE_I8);
  run(QV_INDEX_FLAT, QV_STORAGE_I8);
}

static void test_b1_adds_while_searching(void** state) {
  (void)state;
  run(QV_INDEX_HNSW, QV_STORAGE_B1);
  run(QV_INDEX_FLAT, QV_STORAGE_B1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_f16_adds_while_searching),
      cmocka_unit_test(test_i8_adds_while_searching),
      cmocka_unit_test(test_b1_adds_while_searching),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
