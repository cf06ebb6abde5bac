/* Batch builds and batch searches on all cores (threads = 0), and while
 * other threads search and save: the calls the contract in quiver.h says
 * may overlap, run so that ThreadSanitizer (.ci/test, `ctest -L
 * concurrency`) sees the library's own worker threads race with callers.
 *
 * Checks: a parallel build holds every vector (get returns it bit for bit)
 * and finds itself; a parallel batch search equals the same searches run
 * one at a time; searches and saves that overlap a parallel build see a
 * consistent index and the saved files reopen. Sized for seconds, also
 * under TSan. Worker threads record failures in a qvt_failures log. */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <quiver/quiver.h>

#include "qv_test_support.h"

#define DIM 24
#define N 3000
#define NQ 64
#define K 10

static const qv_index_kind kinds[] = {QV_INDEX_HNSW, QV_INDEX_FLAT};
static const char* const names[] = {"HNSW", "FLAT"};

static qv_index* make(qv_index_kind kind, qv_metric metric) {
  qv_index_options o;
  qv_index* index = NULL;
  qv_index_options_init(&o);
  o.dim = DIM;
  o.kind = kind;
  o.metric = metric;
  o.hnsw_m = 12;
  o.hnsw_ef_construction = 80;
  o.threads = 0; /* every core */
  assert_int_equal(qv_index_create(&o, &index), QV_OK);
  return index;
}

static void test_batch_build_on_all_threads_holds_every_vector(void** state) {
  static const qv_metric metrics[] = {QV_METRIC_L2, QV_METRIC_COSINE};
  float* data = qvt_gaussian_mixture(N, DIM, 16, 0.3, 301);
  uint64_t* keys = malloc(N * sizeof *keys);
  size_t k, m, i;
  (void)state;
  for (i = 0; i < N; ++i) keys[i] = 7 * i + 3;
  for (k = 0; k < 2; ++k)
    for (m = 0; m < 2; ++m) {
      qv_index* index = make(kinds[k], metrics[m]);
      qv_search_params p;
      uint64_t* got = malloc(N * sizeof *got);
      size_t* found = malloc(N * sizeof *found);
      size_t count = 0, self = 0;
      float v[DIM];
      /* Two batches: the second links into a graph built in parallel. */
      assert_int_equal(qv_index_add_batch(index, N / 2, keys, data), QV_OK);
      assert_int_equal(qv_index_add_batch(index, N - N / 2, keys + N / 2, data + (N / 2) * DIM),
                       QV_OK);
      assert_int_equal(qv_index_count(index, &count), QV_OK);
      assert_int_equal(count, N);
      for (i = 0; i < N; ++i) {
        assert_int_equal(qv_index_get(index, keys[i], v), QV_OK);
        if (metrics[m] == QV_METRIC_L2) assert_memory_equal(v, data + i * DIM, sizeof v);
      }
      qv_search_params_init(&p);
      p.threads = 0;
      p.ef = 64;
      assert_int_equal(qv_index_search_batch(index, N, data, 1, &p, got, NULL, found), QV_OK);
      for (i = 0; i < N; ++i) self += found[i] == 1 && got[i] == keys[i];
      printf("[ info     ] %s %s: %d-vector parallel build, self-recall@1 %.4f\n", names[k],
             metrics[m] == QV_METRIC_L2 ? "L2" : "cosine", N, (double)self / N);
      if (kinds[k] == QV_INDEX_FLAT)
        assert_int_equal(self, N);
      else
        assert_true(self >= N * 98 / 100);
      free(got);
      free(found);
      qv_index_free(index);
    }
  free(keys);
  free(data);
}

static void test_parallel_batch_search_equals_sequential_searches(void** state) {
  float* data = qvt_gaussian_mixture(N + NQ, DIM, 16, 0.3, 302);
  uint64_t* keys = malloc(N * sizeof *keys);
  size_t k, i;
  (void)state;
  for (i = 0; i < N; ++i) keys[i] = i;
  for (k = 0; k < 2; ++k) {
    qv_index* index = make(kinds[k], QV_METRIC_L2);
    qv_search_params p;
    uint64_t batch_keys[NQ * K], one_keys[K];
    float batch_dist[NQ * K], one_dist[K];
    size_t batch_found[NQ], one_found;
    assert_int_equal(qv_index_add_batch(index, N, keys, data), QV_OK);
    qv_search_params_init(&p);
    p.threads = 0;
    assert_int_equal(qv_index_search_batch(index, NQ, data + N * DIM, K, &p, batch_keys, batch_dist,
                                           batch_found),
                     QV_OK);
    for (i = 0; i < NQ; ++i) {
      assert_int_equal(
          qv_index_search(index, data + (N + i) * DIM, K, &p, one_keys, one_dist, &one_found),
          QV_OK);
      assert_int_equal(one_found, batch_found[i]);
      assert_memory_equal(one_keys, batch_keys + i * K, one_found * sizeof(uint64_t));
      assert_memory_equal(one_dist, batch_dist + i * K, one_found * sizeof(float));
    }
    qv_index_free(index);
  }
  free(keys);
  free(data);
}

/* ---- a parallel build overlapped by searches and saves ---------------------- */

typedef struct overlap {
  qv_index* index;
  const float* data;
  const char* path;
  volatile int done;
  unsigned long searches, saves;
  qvt_failures failures;
} overlap;

static void* searcher(void* arg) {
  overlap* o = arg;
  uint64_t keys[K];
  float dist[K];
  size_t found, i = 0;
  while (!__atomic_load_n(&o->done, __ATOMIC_ACQUIRE)) {
    qv_status s = qv_index_search(o->index, o->data + (i++ % N) * DIM, K, NULL, keys, dist, &found);
    if (s != QV_OK)
      qvt_failf(&o->failures, "search: %s", qv_last_error());
    else
      for (size_t j = 1; j < found; ++j)
        if (dist[j - 1] > dist[j]) qvt_failf(&o->failures, "search results out of order");
    __atomic_add_fetch(&o->searches, 1, __ATOMIC_RELAXED);
  }
  return NULL;
}

static void* saver(void* arg) {
  overlap* o = arg;
  while (!__atomic_load_n(&o->done, __ATOMIC_ACQUIRE)) {
    qv_index* back = NULL;
    size_t saved_count = 0;
    if (qv_index_save(o->index, o->path) != QV_OK) {
      qvt_failf(&o->failures, "save: %s", qv_last_error());
      break;
    }
    if (qv_index_open(o->path, QV_OPEN_MMAP, &back) != QV_OK) {
      qvt_failf(&o->failures, "reopen: %s", qv_last_error());
      break;
    }
    if (qv_index_count(back, &saved_count) != QV_OK || saved_count > N + 1)
      qvt_failf(&o->failures, "a saved snapshot holds %zu vectors", saved_count);
    qv_index_free(back);
    __atomic_add_fetch(&o->saves, 1, __ATOMIC_RELAXED);
  }
  return NULL;
}

static void test_parallel_build_overlapped_by_searches_and_saves(void** state) {
  float* data = qvt_gaussian_mixture(N, DIM, 16, 0.3, 303);
  uint64_t* keys = malloc(N * sizeof *keys);
  char* dir = qvt_path_join(getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", "qv-parallel-XXXXXX");
  char* path;
  size_t k, i;
  (void)state;
  assert_non_null(mkdtemp(dir));
  path = qvt_path_join(dir, "index.qv");
  for (i = 0; i < N; ++i) keys[i] = 1000 + i;
  for (k = 0; k < 2; ++k) {
    overlap o;
    pthread_t t[3];
    qv_index* final = NULL;
    size_t count = 0;
    memset(&o, 0, sizeof o);
    o.index = make(kinds[k], QV_METRIC_L2);
    o.data = data;
    o.path = path;
    qvt_failures_init(&o.failures);
    /* A first vector, so searches have something to find from the start. */
    assert_int_equal(qv_index_add(o.index, 1, data), QV_OK);
    assert_int_equal(pthread_create(&t[0], NULL, searcher, &o), 0);
    assert_int_equal(pthread_create(&t[1], NULL, searcher, &o), 0);
    assert_int_equal(pthread_create(&t[2], NULL, saver, &o), 0);
    for (i = 0; i < 4; ++i)
      assert_int_equal(
          qv_index_add_batch(o.index, N / 4, keys + i * (N / 4), data + i * (N / 4) * DIM), QV_OK);
    __atomic_store_n(&o.done, 1, __ATOMIC_RELEASE);
    for (i = 0; i < 3; ++i) assert_int_equal(pthread_join(t[i], NULL), 0);
    if (qvt_failures_count(&o.failures)) fail_msg("%s: %s", names[k], o.failures.first);
    qvt_failures_destroy(&o.failures);
    printf("[ info     ] %s: 4 parallel batches overlapped by %lu searches and %lu saves\n",
           names[k], o.searches, o.saves);
    assert_int_equal(qv_index_save(o.index, path), QV_OK);
    assert_int_equal(qv_index_open(path, QV_OPEN_LOAD, &final), QV_OK);
    assert_int_equal(qv_index_count(final, &count), QV_OK);
    assert_int_equal(count, N + 1);
    qv_index_free(final);
    qv_index_free(o.index);
  }
  unlink(path);
  rmdir(dir);
  free(path);
  free(dir);
  free(keys);
  free(data);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      QVT_TIMED(test_batch_build_on_all_threads_holds_every_vector),
      QVT_TIMED(test_parallel_batch_search_equals_sequential_searches),
      QVT_TIMED(test_parallel_build_overlapped_by_searches_and_saves),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
