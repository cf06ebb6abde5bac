/* Filter callbacks. quiver.h: the filter "must be thread-safe and must not
 * call back into the same index" -- so it MAY use another index, e.g. to
 * look something up in a second collection. A search whose filter searches
 * another index must give the same answer as one whose filter does not.
 * (Kept in its own program: if nested searches corrupt per-thread state the
 * damage is confined here.) */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <quiver/quiver.h>

#include "qv_test_support.h"

#define DIM 16
#define OUTER_N 2000
#define INNER_N 100
#define NQ 20
#define K 10
#define SLACK 64 /* output rows far larger than k: a misbehaving search cannot smash the stack */

struct nested {
  const qv_index* other; /* searched from inside the filter; NULL: plain filter */
  const float* other_query;
  uint32_t other_dim;
  unsigned long calls, nested_failures;
};

static int even_keys(uint64_t key, void* user) {
  struct nested* n = (struct nested*)user;
  n->calls++;
  if (n->other) {
    uint64_t keys[5];
    float dist[5];
    size_t found = 0;
    if (qv_index_search(n->other, n->other_query, 5, NULL, keys, dist, &found) != QV_OK ||
        found != 5)
      n->nested_failures++;
  }
  return key % 2 == 0;
}

static void run_nested(qv_index_kind kind, uint32_t inner_dim, int batch) {
  float* base = qvt_gaussian_vectors(OUTER_N, DIM, 201);
  float* queries = qvt_gaussian_vectors(NQ, DIM, 202);
  float* inner_base = qvt_gaussian_vectors(INNER_N, inner_dim, 203);
  float* inner_query = qvt_gaussian_vectors(1, inner_dim, 204);
  qv_index* outer = qvt_create_index(DIM, QV_METRIC_L2, kind);
  qv_index* inner = qvt_create_index(inner_dim, QV_METRIC_L2, kind);
  struct nested plain = {NULL, NULL, 0, 0, 0};
  struct nested nested;
  qv_search_params p;
  size_t q, i;
  assert_non_null(outer);
  assert_non_null(inner);
  nested.other = inner;
  nested.other_query = inner_query;
  nested.other_dim = inner_dim;
  nested.calls = 0;
  nested.nested_failures = 0;
  for (i = 0; i < OUTER_N; ++i) assert_int_equal(qv_index_add(outer, i, base + i * DIM), QV_OK);
  for (i = 0; i < INNER_N; ++i)
    assert_int_equal(qv_index_add(inner, i, inner_base + i * inner_dim), QV_OK);
  qv_search_params_init(&p);
  p.threads = 1;
  p.filter = even_keys;

  for (q = 0; q < NQ; ++q) {
    uint64_t want[K * SLACK], got[K * SLACK];
    float want_d[K * SLACK], got_d[K * SLACK];
    size_t want_found = 0, got_found = 0;
    const float* query = queries + q * DIM;
    p.filter_user = &plain;
    if (batch)
      assert_int_equal(qv_index_search_batch(outer, 1, query, K, &p, want, want_d, &want_found),
                       QV_OK);
    else
      assert_int_equal(qv_index_search(outer, query, K, &p, want, want_d, &want_found), QV_OK);
    assert_int_equal(want_found, K);
    p.filter_user = &nested;
    if (batch)
      assert_int_equal(qv_index_search_batch(outer, 1, query, K, &p, got, got_d, &got_found),
                       QV_OK);
    else
      assert_int_equal(qv_index_search(outer, query, K, &p, got, got_d, &got_found), QV_OK);
    if (got_found != want_found)
      fail_msg("query %zu: a filter that searches another index changed found from %zu to %zu", q,
               want_found, got_found);
    for (i = 0; i < got_found; ++i) {
      if (got[i] != want[i] || got_d[i] != want_d[i])
        fail_msg(
            "query %zu rank %zu: key %llu (%.6g) instead of %llu (%.6g) when the filter "
            "searches another index",
            q, i, (unsigned long long)got[i], (double)got_d[i], (unsigned long long)want[i],
            (double)want_d[i]);
    }
  }
  assert_true(nested.calls > 0);
  assert_int_equal(nested.nested_failures, 0);
  free(base), free(queries), free(inner_base), free(inner_query);
  qv_index_free(outer);
  qv_index_free(inner);
}

static void test_flat_filter_may_search_another_index(void** state) {
  (void)state;
  run_nested(QV_INDEX_FLAT, DIM, 0);
}

static void test_hnsw_filter_may_search_another_index(void** state) {
  (void)state;
  run_nested(QV_INDEX_HNSW, DIM, 0);
}

static void test_hnsw_batch_filter_may_search_another_index(void** state) {
  (void)state;
  run_nested(QV_INDEX_HNSW, DIM, 1);
}

static void test_flat_filter_may_search_another_index_of_another_dim(void** state) {
  (void)state;
  run_nested(QV_INDEX_FLAT, 4 * DIM + 3, 0);
}

/* Batch searches call the filter from several threads: each call must get
 * the user pointer unchanged, and every key it is asked about is a real key. */
struct counting {
  unsigned long calls; /* updated atomically */
  unsigned long bad_keys;
};

static int counting_filter(uint64_t key, void* user) {
  struct counting* c = (struct counting*)user;
  __atomic_fetch_add(&c->calls, 1, __ATOMIC_RELAXED);
  if (key >= OUTER_N) __atomic_fetch_add(&c->bad_keys, 1, __ATOMIC_RELAXED);
  return key % 3 == 1;
}

static void test_batch_filter_sees_user_pointer_and_real_keys_from_every_thread(void** state) {
  static const qv_index_kind kinds[] = {QV_INDEX_FLAT, QV_INDEX_HNSW};
  size_t kk;
  (void)state;
  for (kk = 0; kk < 2; ++kk) {
    float* base = qvt_gaussian_vectors(OUTER_N, DIM, 205);
    float* queries = qvt_gaussian_vectors(64, DIM, 206);
    qv_index* index = qvt_create_index(DIM, QV_METRIC_L2, kinds[kk]);
    uint64_t keys[64 * K];
    size_t found[64], i;
    struct counting c = {0, 0};
    qv_search_params p;
    assert_non_null(index);
    for (i = 0; i < OUTER_N; ++i) assert_int_equal(qv_index_add(index, i, base + i * DIM), QV_OK);
    qv_search_params_init(&p);
    p.filter = counting_filter;
    p.filter_user = &c;
    p.threads = 4;
    assert_int_equal(qv_index_search_batch(index, 64, queries, K, &p, keys, NULL, found), QV_OK);
    assert_true(c.calls >= 64);
    assert_int_equal(c.bad_keys, 0);
    for (i = 0; i < 64; ++i) {
      size_t j;
      assert_int_equal(found[i], K);
      for (j = 0; j < K; ++j) assert_int_equal(keys[i * K + j] % 3, 1);
    }
    free(base), free(queries);
    qv_index_free(index);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      QVT_TIMED(test_batch_filter_sees_user_pointer_and_real_keys_from_every_thread),
      QVT_TIMED(test_flat_filter_may_search_another_index),
      QVT_TIMED(test_hnsw_filter_may_search_another_index),
      QVT_TIMED(test_hnsw_batch_filter_may_search_another_index),
      /* Last: with a larger inner dimension the nested call may reallocate
       * per-thread buffers the outer search still points into. */
      QVT_TIMED(test_flat_filter_may_search_another_index_of_another_dim),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
