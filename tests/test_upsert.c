/* qv_index_upsert: adds an absent key, replaces a present one (metadata
 * kept, count unchanged), checks like add, on both index kinds and every
 * storage type; and a search running alongside a stream of upserts finds
 * the key exactly once (issue 15). */
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

#define DIM 16
#define N 400
#define K 5

static qv_index* create(qv_index_kind kind, qv_storage storage) {
  qv_index_options o;
  qv_index* index = NULL;
  qv_index_options_init(&o);
  o.dim = DIM;
  o.kind = kind;
  o.metric = QV_METRIC_COSINE;
  o.storage = storage;
  o.hnsw_m = 8;
  o.hnsw_ef_construction = 64;
  assert_int_equal(qv_index_create(&o, &index), QV_OK);
  return index;
}

static void check_replace(qv_index_kind kind, qv_storage storage) {
  float* base = qvt_gaussian_mixture(N + 1, DIM, 8, 0.3, 5);
  const float* fresh = base + N * DIM;
  uint64_t keys[N], got[K];
  float v[DIM], dist[K];
  size_t i, count = 0, found = 0;
  const void* meta = NULL;
  size_t meta_len = 0;
  qv_index* index = create(kind, storage);
  for (i = 0; i < N; ++i) keys[i] = 100 + i;
  assert_int_equal(qv_index_add_batch(index, N, keys, base), QV_OK);
  assert_int_equal(qv_index_set_metadata(index, 107, "seven", 5), QV_OK);
  /* Replace key 107 by a vector not in the index. */
  assert_int_equal(qv_index_upsert(index, 107, fresh), QV_OK);
  assert_int_equal(qv_index_count(index, &count), QV_OK);
  assert_int_equal(count, N);
  assert_int_equal(qv_index_get(index, 107, v), QV_OK);
  for (i = 0; i < DIM; ++i) assert_true(fabs(v[i] - fresh[i]) <= 1e-2 * (1 + fabs(fresh[i])));
  assert_int_equal(qv_index_search(index, fresh, K, NULL, got, dist, &found), QV_OK);
  assert_int_equal(found, K);
  assert_int_equal(got[0], 107);
  for (i = 1; i < K; ++i) assert_true(got[i] != 107);
  /* Searching for the old vector no longer finds 107 there. */
  assert_int_equal(qv_index_search(index, base + 7 * DIM, 1, NULL, got, dist, &found), QV_OK);
  assert_true(got[0] != 107 || dist[0] > 1e-3);
  assert_int_equal(qv_index_get_metadata(index, 107, &meta, &meta_len), QV_OK);
  assert_int_equal(meta_len, 5);
  /* An absent key is added. */
  assert_int_equal(qv_index_upsert(index, 9999, base), QV_OK);
  assert_int_equal(qv_index_count(index, &count), QV_OK);
  assert_int_equal(count, N + 1);
  /* Checks as add: NaN, NULL; nothing changes. */
  v[3] = NAN;
  assert_int_equal(qv_index_upsert(index, 107, v), QV_ERR_INVALID_ARGUMENT);
  assert_int_equal(qv_index_upsert(index, 107, NULL), QV_ERR_INVALID_ARGUMENT);
  assert_int_equal(qv_index_search(index, fresh, 1, NULL, got, dist, &found), QV_OK);
  assert_int_equal(got[0], 107);
  /* Compact keeps the replacement. */
  assert_int_equal(qv_index_compact(index), QV_OK);
  assert_int_equal(qv_index_search(index, fresh, 1, NULL, got, dist, &found), QV_OK);
  assert_int_equal(got[0], 107);
  qv_index_free(index);
  free(base);
}

static void test_upsert_replaces_and_adds(void** state) {
  static const qv_storage types[] = {QV_STORAGE_F32, QV_STORAGE_F16, QV_STORAGE_I8, QV_STORAGE_B1};
  size_t t;
  (void)state;
  for (t = 0; t < 4; ++t) {
    check_replace(QV_INDEX_HNSW, types[t]);
    check_replace(QV_INDEX_FLAT, types[t]);
  }
}

static void test_upsert_on_read_only_index(void** state) {
  qv_index* index = create(QV_INDEX_HNSW, QV_STORAGE_F32);
  float v[DIM] = {1};
  char dir[] = "/tmp/qv_upsert_XXXXXX";
  char* path;
  qv_index* mapped = NULL;
  (void)state;
  assert_non_null(mkdtemp(dir));
  path = qvt_path_join(dir, "i.qv");
  assert_int_equal(qv_index_add(index, 1, v), QV_OK);
  assert_int_equal(qv_index_save(index, path), QV_OK);
  assert_int_equal(qv_index_open(path, QV_OPEN_MMAP, &mapped), QV_OK);
  assert_int_equal(qv_index_upsert(mapped, 1, v), QV_ERR_UNSUPPORTED);
  assert_int_equal(qv_index_upsert(NULL, 1, v), QV_ERR_INVALID_ARGUMENT);
  qv_index_free(mapped);
  qv_index_free(index);
  remove(path);
  rmdir(dir);
  free(path);
}

/* One thread moves key 0 back and forth between two vectors A and B (both
 * nearer the query than anything else) while others search: every search
 * finds key 0 exactly once among its K hits. */
typedef struct shared {
  qv_index* index;
  const float* query;
  int done;
  qvt_failures failures;
} shared;

static void* searcher(void* arg) {
  shared* s = arg;
  uint64_t keys[K];
  float dist[K];
  size_t found, j, hits;
  while (!__atomic_load_n(&s->done, __ATOMIC_ACQUIRE)) {
    if (qv_index_search(s->index, s->query, K, NULL, keys, dist, &found) != QV_OK) {
      qvt_failf(&s->failures, "search: %s", qv_last_error());
      continue;
    }
    if (found != K) qvt_failf(&s->failures, "found %zu of %d", found, K);
    for (j = 0, hits = 0; j < found; ++j) hits += keys[j] == 0;
    if (hits != 1) qvt_failf(&s->failures, "key 0 found %zu times", hits);
  }
  return NULL;
}

static void check_concurrent(qv_index_kind kind) {
  const size_t rounds = qvt_scaled(400);
  float* base = qvt_gaussian_mixture(N, DIM, 8, 0.3, 9);
  float a[DIM], b[DIM];
  uint64_t keys[N];
  pthread_t threads[2];
  shared s;
  size_t i;
  memset(&s, 0, sizeof s);
  qvt_failures_init(&s.failures);
  s.index = create(kind, QV_STORAGE_F32);
  for (i = 0; i < N; ++i) keys[i] = 1000 + i;
  assert_int_equal(qv_index_add_batch(s.index, N, keys, base), QV_OK);
  /* A and B: two directions far from the data's clusters, near each other. */
  for (i = 0; i < DIM; ++i) {
    a[i] = i == 0 ? 10.0f : 0.0f;
    b[i] = i == 0 ? 10.0f : (i == 1 ? 0.5f : 0.0f);
  }
  s.query = a;
  assert_int_equal(qv_index_add(s.index, 0, a), QV_OK);
  for (i = 0; i < 2; ++i) assert_int_equal(pthread_create(&threads[i], NULL, searcher, &s), 0);
  for (i = 0; i < rounds; ++i) assert_int_equal(qv_index_upsert(s.index, 0, i % 2 ? a : b), QV_OK);
  __atomic_store_n(&s.done, 1, __ATOMIC_RELEASE);
  for (i = 0; i < 2; ++i) pthread_join(threads[i], NULL);
  {
    /* Quiescent: the key is found (graph recall, not atomicity). */
    uint64_t got[K];
    size_t found = 0, hits = 0, j;
    assert_int_equal(qv_index_search(s.index, a, K, NULL, got, NULL, &found), QV_OK);
    for (j = 0; j < found; ++j) hits += got[j] == 0;
    if (hits != 1) fail_msg("kind %d: after the upserts key 0 found %zu times", (int)kind, hits);
  }
  if (qvt_failures_count(&s.failures) != 0)
    fail_msg("kind %d: %lu searches saw a mix, first: %s", (int)kind,
             qvt_failures_count(&s.failures), s.failures.first);
  qvt_failures_destroy(&s.failures);
  qv_index_free(s.index);
  free(base);
}

static void test_upsert_while_searching_finds_the_key_once(void** state) {
  (void)state;
  check_concurrent(QV_INDEX_HNSW);
  check_concurrent(QV_INDEX_FLAT);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_upsert_replaces_and_adds),
      cmocka_unit_test(test_upsert_on_read_only_index),
      cmocka_unit_test(test_upsert_while_searching_finds_the_key_once),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
