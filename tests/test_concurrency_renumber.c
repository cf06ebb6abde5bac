/* A batch that at least doubles an HNSW index of 8 MiB or more renumbers its
 * nodes at the end (issue 12), moving every record while other threads may
 * search and get: those wait for the move, and nothing they return is ever
 * torn. Searchers check every hit against the data (a key of the batch, its
 * true distance, in order), getters that a vector found is exactly the one
 * added; one searcher's filter callback searches the same index again
 * (quiver.h forbids it, but it must not hang: the nested search may not wait
 * for the renumbering its outer search holds up). With a
 * second writer at work the renumbering may be skipped, never half done.
 * Sized for ThreadSanitizer.
 *
 * Worker threads must not use cmocka assertions (they longjmp): they record
 * failures in a qvt_failures log the main thread checks after joining. */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include <quiver/quiver.h>

#include "qv_test_support.h"

#define DIM 512
#define N 4200 /* records of 2084 bytes (M = 4): 8.3 MiB, past the 8 MiB */
#define EXTRA 64
#define K 5

#define LOAD(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)

typedef struct shared {
  qv_index* index;
  const float* base;  /* N rows, key i + 1 */
  const float* extra; /* EXTRA rows for the second writer, key 100000 + i */
  int done;
  int searches, gets_found, nested_searches;
  qvt_failures failures;
} shared;

static const float* vector_of(const shared* s, uint64_t key) {
  if (key >= 1 && key <= N) return s->base + (key - 1) * DIM;
  if (key >= 100000 && key < 100000 + EXTRA) return s->extra + (key - 100000) * DIM;
  return NULL;
}

static void check_hits(shared* s, const float* query, const uint64_t* keys, const float* d,
                       size_t found, const char* who) {
  size_t i;
  if (found > K) qvt_failf(&s->failures, "%s: found %zu > k", who, found);
  for (i = 0; i < found && i < K; ++i) {
    const float* v = vector_of(s, keys[i]);
    double want;
    if (!v) {
      qvt_failf(&s->failures, "%s: unknown key %llu", who, (unsigned long long)keys[i]);
      return;
    }
    want = qvt_distance(QV_METRIC_L2, query, v, DIM);
    if (fabs(want - d[i]) > 1e-3 * (1 + want))
      qvt_failf(&s->failures, "%s: key %llu at %g, true distance %g", who,
                (unsigned long long)keys[i], d[i], want);
    if (i > 0 && d[i] < d[i - 1]) qvt_failf(&s->failures, "%s: hits out of order", who);
  }
}

/* Searches again from inside the filter: the outer search is registered,
 * so the inner one must not wait for a pause that waits for the outer. */
static int nested_filter(uint64_t key, void* user) {
  shared* s = user;
  if (key % 64 == 0) {
    uint64_t keys[K];
    float d[K];
    size_t found = 0;
    const float* q = vector_of(s, key);
    if (qv_index_search(s->index, q, K, NULL, keys, d, &found) != QV_OK)
      qvt_failf(&s->failures, "nested search: %s", qv_last_error());
    else
      check_hits(s, q, keys, d, found, "nested search");
    __atomic_fetch_add(&s->nested_searches, 1, __ATOMIC_RELAXED);
  }
  return 1;
}

static void* searcher(void* arg) {
  shared* s = arg;
  qvt_rng rng;
  qvt_rng_seed(&rng, (uint64_t)(uintptr_t)arg);
  while (!LOAD(&s->done)) {
    const float* q = s->base + qvt_rng_below(&rng, N) * DIM;
    uint64_t keys[K];
    float d[K];
    size_t found = 0;
    if (qv_index_search(s->index, q, K, NULL, keys, d, &found) != QV_OK)
      qvt_failf(&s->failures, "search: %s", qv_last_error());
    else
      check_hits(s, q, keys, d, found, "search");
    __atomic_fetch_add(&s->searches, 1, __ATOMIC_RELAXED);
  }
  return NULL;
}

static void* filtered_searcher(void* arg) {
  shared* s = arg;
  size_t i = 0;
  while (!LOAD(&s->done)) {
    const float* q = s->base + (i++ * 37 % N) * DIM;
    uint64_t keys[K];
    float d[K];
    size_t found = 0;
    qv_search_params p;
    qv_search_params_init(&p);
    p.filter = nested_filter;
    p.filter_user = s;
    if (qv_index_search(s->index, q, K, &p, keys, d, &found) != QV_OK)
      qvt_failf(&s->failures, "filtered search: %s", qv_last_error());
    else
      check_hits(s, q, keys, d, found, "filtered search");
  }
  return NULL;
}

static void* getter(void* arg) {
  shared* s = arg;
  float got[DIM];
  uint64_t key = 1;
  while (!LOAD(&s->done)) {
    const qv_status status = qv_index_get(s->index, key, got);
    if (status == QV_OK) {
      if (memcmp(got, vector_of(s, key), sizeof got) != 0)
        qvt_failf(&s->failures, "get %llu: another vector", (unsigned long long)key);
      __atomic_fetch_add(&s->gets_found, 1, __ATOMIC_RELAXED);
    } else if (status != QV_ERR_NOT_FOUND) {
      qvt_failf(&s->failures, "get: %s", qv_last_error());
    }
    key = key % N + 1;
  }
  return NULL;
}

/* Adds and removes its own keys while the batch runs. */
static void* second_writer(void* arg) {
  shared* s = arg;
  size_t i;
  for (i = 0; i < EXTRA && !LOAD(&s->done); ++i) {
    if (qv_index_add(s->index, 100000 + i, s->extra + i * DIM) != QV_OK)
      qvt_failf(&s->failures, "add: %s", qv_last_error());
    if (i % 3 == 0 && qv_index_remove(s->index, 100000 + i) != QV_OK)
      qvt_failf(&s->failures, "remove: %s", qv_last_error());
  }
  return NULL;
}

/* Nine in ten neighbours in storage order have ascending keys: the order
 * of insertion (key i + 1 is row i), not a renumbered one. */
static int storage_is_in_key_order(const qv_index* index) {
  size_t n = 0, i, in_order = 0;
  uint64_t* keys = qvt_keys_in_storage_order(index, &n);
  assert_non_null(keys);
  for (i = 0; i + 1 < n; ++i) in_order += keys[i] < keys[i + 1];
  free(keys);
  return in_order * 10 > n * 9;
}

static void run(int with_second_writer) {
  float* data = qvt_gaussian_mixture(N + EXTRA, DIM, 20, 0.4, 31 + with_second_writer);
  uint64_t* keys = malloc(N * sizeof *keys);
  qv_index_options o;
  shared s;
  pthread_t threads[5];
  size_t i, started = 0;
  float got[DIM];
  memset(&s, 0, sizeof s);
  qvt_failures_init(&s.failures);
  s.base = data;
  s.extra = data + (size_t)N * DIM;
  qv_index_options_init(&o);
  o.dim = DIM;
  o.hnsw_m = 4;
  o.hnsw_ef_construction = 16;
  o.threads = 2;
  assert_int_equal(qv_index_create(&o, &s.index), QV_OK);
  for (i = 0; i < N; ++i) keys[i] = i + 1;

  assert_int_equal(pthread_create(&threads[started++], NULL, searcher, &s), 0);
  assert_int_equal(pthread_create(&threads[started++], NULL, filtered_searcher, &s), 0);
  assert_int_equal(pthread_create(&threads[started++], NULL, getter, &s), 0);
  if (with_second_writer)
    assert_int_equal(pthread_create(&threads[started++], NULL, second_writer, &s), 0);
  assert_int_equal(qv_index_add_batch(s.index, N, keys, data), QV_OK);
  /* A little longer, so that readers also run on the renumbered graph (and
   * the filter has searched from inside a search). */
  while (LOAD(&s.searches) < 50 || LOAD(&s.nested_searches) == 0) sched_yield();
  STORE(&s.done, 1);
  for (i = 0; i < started; ++i) pthread_join(threads[i], NULL);

  if (qvt_failures_count(&s.failures))
    fail_msg("%lu failures, first: %s", qvt_failures_count(&s.failures), s.failures.first);
  assert_true(LOAD(&s.gets_found) > 0);
  if (!with_second_writer) /* nothing else wrote: the batch renumbered */
    assert_false(storage_is_in_key_order(s.index));
  for (i = 0; i < N; ++i) {
    assert_int_equal(qv_index_get(s.index, keys[i], got), QV_OK);
    assert_memory_equal(got, data + i * DIM, sizeof got);
  }
  assert_int_equal(qv_index_verify(s.index), QV_OK);
  qv_index_free(s.index);
  qvt_failures_destroy(&s.failures);
  free(keys);
  free(data);
}

static void test_readers_wait_for_the_renumbering(void** state) {
  (void)state;
  run(0);
}

static void test_another_writer_leaves_the_graph_whole(void** state) {
  (void)state;
  run(1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_readers_wait_for_the_renumbering),
      cmocka_unit_test(test_another_writer_leaves_the_graph_whole),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
