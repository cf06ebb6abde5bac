/* FLAT index: exact results against a double-precision brute force for every
 * metric, filters, removal, get, and batch search; growth by one-row batches
 * and removal across storage chunks, and the memory they hold (RSS). */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <quiver/quiver.h>

#include "qv_test_support.h"

#ifdef __GLIBC__
#include <malloc.h>
/* Hands freed heap pages back, so that an RSS delta is this index's. */
#define TRIM_HEAP() ((void)malloc_trim(0))
#else
#define TRIM_HEAP() ((void)0)
#endif

#define DIM 24
#define N 1000
#define NQ 40
#define K 10

static const qv_metric kMetrics[] = {QV_METRIC_L2, QV_METRIC_IP, QV_METRIC_COSINE};
static const char* const kMetricNames[] = {"L2", "IP", "COSINE"};

/* Float sums of DIM terms against a double reference. */
static double tolerance(double d) { return 1e-4 * (1.0 + fabs(d)); }

static qv_index* flat(qv_metric metric, uint32_t dim) {
  qv_index* index = qvt_create_index(dim, metric, QV_INDEX_FLAT);
  assert_non_null(index);
  return index;
}

static void add_all(qv_index* index, const float* data, const uint64_t* keys, size_t n,
                    size_t dim) {
  size_t i;
  for (i = 0; i < n; ++i)
    assert_int_equal(qv_index_add(index, keys ? keys[i] : i, data + i * dim), QV_OK);
}

/* The result is an exact top-k: rank by rank the distances match the brute
 * force, every returned key's true distance is what the index reported, keys
 * are distinct, and distances are ascending. Ties (equal distances) may swap
 * keys, so keys are compared through distances. */
static void assert_exact(qv_metric metric, const float* base, size_t dim, const float* query,
                         const uint64_t* got_keys, const float* got_dist, size_t found,
                         const uint64_t* want_keys, const double* want_dist, size_t want_found,
                         const char* what) {
  size_t i, j;
  (void)want_keys;
  if (found != want_found) fail_msg("%s: found %zu, expected %zu", what, found, want_found);
  for (i = 0; i < found; ++i) {
    double truth = qvt_distance(metric, query, base + got_keys[i] * dim, dim);
    if (fabs((double)got_dist[i] - want_dist[i]) > tolerance(want_dist[i]))
      fail_msg("%s: rank %zu distance %.7g, brute force %.7g", what, i, (double)got_dist[i],
               want_dist[i]);
    if (fabs((double)got_dist[i] - truth) > tolerance(truth))
      fail_msg("%s: rank %zu key %llu reported %.7g, true distance %.7g", what, i,
               (unsigned long long)got_keys[i], (double)got_dist[i], truth);
    if (i > 0 && got_dist[i] < got_dist[i - 1])
      fail_msg("%s: not sorted at rank %zu (%.7g < %.7g)", what, i, (double)got_dist[i],
               (double)got_dist[i - 1]);
    for (j = 0; j < i; ++j)
      if (got_keys[j] == got_keys[i])
        fail_msg("%s: key %llu returned twice", what, (unsigned long long)got_keys[i]);
  }
}

/* ---- exactness ------------------------------------------------------------ */

static void run_exactness(qv_metric metric, const char* name, size_t k) {
  float* base = qvt_gaussian_vectors(N, DIM, 101);
  float* queries = qvt_gaussian_vectors(NQ, DIM, 102);
  qv_index* index = flat(metric, DIM);
  uint64_t *keys = malloc(k * sizeof *keys), *want = malloc(k * sizeof *want);
  float* dist = malloc(k * sizeof *dist);
  double* want_dist = malloc(k * sizeof *want_dist);
  size_t q, found, want_found, same = 0, total = 0;
  char what[64];
  add_all(index, base, NULL, N, DIM);
  for (q = 0; q < NQ; ++q) {
    const float* query = queries + q * DIM;
    size_t i;
    assert_int_equal(qv_index_search(index, query, k, NULL, keys, dist, &found), QV_OK);
    want_found =
        qvt_brute_force(metric, base, NULL, NULL, N, DIM, query, k, NULL, NULL, want, want_dist);
    snprintf(what, sizeof what, "%s k=%zu query %zu", name, k, q);
    assert_exact(metric, base, DIM, query, keys, dist, found, want, want_dist, want_found, what);
    for (i = 0; i < found; ++i) same += keys[i] == want[i];
    total += found;
  }
  /* With random data ties are rare: nearly every key matches exactly too. */
  assert_true(same * 100 >= total * 99);
  free(base), free(queries), free(keys), free(want), free(dist), free(want_dist);
  qv_index_free(index);
}

static void test_flat_l2_search_is_exact(void** state) {
  (void)state;
  run_exactness(QV_METRIC_L2, "L2", K);
  run_exactness(QV_METRIC_L2, "L2", 1);
  run_exactness(QV_METRIC_L2, "L2", 300); /* more than one scan block */
}

static void test_flat_ip_search_is_exact_with_one_minus_dot(void** state) {
  (void)state;
  run_exactness(QV_METRIC_IP, "IP", K);
  run_exactness(QV_METRIC_IP, "IP", 1);
}

static void test_flat_cosine_search_is_exact_with_one_minus_cos(void** state) {
  (void)state;
  run_exactness(QV_METRIC_COSINE, "COSINE", K);
  run_exactness(QV_METRIC_COSINE, "COSINE", 1);
}

static void test_flat_distances_match_hand_computed_values(void** state) {
  /* Tiny, hand-checkable: a = (1, 0), b = (0, 2), query = (1, 1). */
  float a[2] = {1, 0}, b[2] = {0, 2}, q[2] = {1, 1};
  uint64_t keys[2];
  float d[2];
  size_t found, m;
  (void)state;
  for (m = 0; m < 3; ++m) {
    qv_index* index = flat(kMetrics[m], 2);
    assert_int_equal(qv_index_add(index, 10, a), QV_OK);
    assert_int_equal(qv_index_add(index, 20, b), QV_OK);
    assert_int_equal(qv_index_search(index, q, 2, NULL, keys, d, &found), QV_OK);
    assert_int_equal(found, 2);
    if (kMetrics[m] == QV_METRIC_L2) {
      /* |q-a|^2 = 1, |q-b|^2 = 1 + 1 = 2 */
      assert_int_equal(keys[0], 10);
      assert_true(fabsf(d[0] - 1.0f) < 1e-6f && fabsf(d[1] - 2.0f) < 1e-6f);
    } else if (kMetrics[m] == QV_METRIC_IP) {
      /* 1 - q.a = 0, 1 - q.b = -1: b first */
      assert_int_equal(keys[0], 20);
      assert_true(fabsf(d[0] + 1.0f) < 1e-6f && fabsf(d[1] - 0.0f) < 1e-6f);
    } else {
      /* cos(q, a) = cos(q, b) = 1/sqrt(2): both 1 - 0.70710678 */
      assert_true(fabsf(d[0] - 0.29289322f) < 1e-5f && fabsf(d[1] - 0.29289322f) < 1e-5f);
    }
    qv_index_free(index);
  }
}

static void test_flat_k_larger_than_count_returns_every_vector_sorted(void** state) {
  size_t m;
  (void)state;
  for (m = 0; m < 3; ++m) {
    enum { SMALL = 7 };
    float *base = qvt_gaussian_vectors(SMALL, DIM, 103), *q = qvt_gaussian_vectors(1, DIM, 104);
    qv_index* index = flat(kMetrics[m], DIM);
    uint64_t keys[50], want[50];
    float dist[50];
    double want_dist[50];
    size_t found = 0, want_found;
    add_all(index, base, NULL, SMALL, DIM);
    assert_int_equal(qv_index_search(index, q, 50, NULL, keys, dist, &found), QV_OK);
    assert_int_equal(found, SMALL);
    want_found = qvt_brute_force(kMetrics[m], base, NULL, NULL, SMALL, DIM, q, 50, NULL, NULL, want,
                                 want_dist);
    assert_exact(kMetrics[m], base, DIM, q, keys, dist, found, want, want_dist, want_found,
                 kMetricNames[m]);
    free(base), free(q);
    qv_index_free(index);
  }
}

static void test_flat_empty_index_search_finds_nothing(void** state) {
  qv_index* index = flat(QV_METRIC_L2, DIM);
  float q[DIM] = {1};
  uint64_t keys[3] = {5, 5, 5};
  size_t found = 99;
  (void)state;
  assert_int_equal(qv_index_search(index, q, 3, NULL, keys, NULL, &found), QV_OK);
  assert_int_equal(found, 0);
  qv_index_free(index);
}

/* ---- filters -------------------------------------------------------------- */

struct mod_filter {
  uint64_t mod, rem;
  int keep_equal; /* 1: keep key % mod == rem, 0: keep key % mod != rem */
  size_t calls;   /* only touched by single-threaded searches */
};

static int mod_filter_fn(uint64_t key, void* user) {
  struct mod_filter* f = (struct mod_filter*)user;
  f->calls++;
  return f->keep_equal ? key % f->mod == f->rem : key % f->mod != f->rem;
}

static void test_flat_filter_keeps_only_allowed_keys_and_is_exact(void** state) {
  static const struct mod_filter filters[] = {{3, 0, 1, 0}, {10, 0, 0, 0}, {97, 5, 1, 0}};
  size_t m, f;
  (void)state;
  for (m = 0; m < 3; ++m) {
    float *base = qvt_gaussian_vectors(N, DIM, 105), *queries = qvt_gaussian_vectors(NQ, DIM, 106);
    qv_index* index = flat(kMetrics[m], DIM);
    add_all(index, base, NULL, N, DIM);
    for (f = 0; f < sizeof filters / sizeof filters[0]; ++f) {
      struct mod_filter filter = filters[f];
      qv_search_params p;
      size_t q;
      qv_search_params_init(&p);
      p.filter = mod_filter_fn;
      p.filter_user = &filter;
      for (q = 0; q < NQ; ++q) {
        uint64_t keys[K], want[K];
        float dist[K];
        double want_dist[K];
        size_t found, want_found, i;
        char what[80];
        filter.calls = 0;
        assert_int_equal(qv_index_search(index, queries + q * DIM, K, &p, keys, dist, &found),
                         QV_OK);
        /* The callback really ran, with our user pointer. */
        assert_true(filter.calls > 0);
        for (i = 0; i < found; ++i) {
          filter.calls = 0;
          assert_true(mod_filter_fn(keys[i], &filter));
        }
        want_found = qvt_brute_force(kMetrics[m], base, NULL, NULL, N, DIM, queries + q * DIM, K,
                                     mod_filter_fn, &filter, want, want_dist);
        snprintf(what, sizeof what, "%s filter %zu query %zu", kMetricNames[m], f, q);
        assert_exact(kMetrics[m], base, DIM, queries + q * DIM, keys, dist, found, want, want_dist,
                     want_found, what);
      }
    }
    free(base), free(queries);
    qv_index_free(index);
  }
}

static int reject_all(uint64_t key, void* user) {
  (void)key;
  (void)user;
  return 0;
}

static void test_flat_filter_rejecting_everything_finds_nothing(void** state) {
  float* base = qvt_gaussian_vectors(100, DIM, 107);
  qv_index* index = flat(QV_METRIC_L2, DIM);
  qv_search_params p;
  uint64_t keys[K];
  size_t found = 99;
  (void)state;
  add_all(index, base, NULL, 100, DIM);
  qv_search_params_init(&p);
  p.filter = reject_all;
  assert_int_equal(qv_index_search(index, base, K, &p, keys, NULL, &found), QV_OK);
  assert_int_equal(found, 0);
  free(base);
  qv_index_free(index);
}

/* ---- remove, re-add, get --------------------------------------------------- */

static int contains_key(const uint64_t* keys, size_t n, uint64_t key) {
  size_t i;
  for (i = 0; i < n; ++i)
    if (keys[i] == key) return 1;
  return 0;
}

static void test_flat_remove_hides_key_from_search(void** state) {
  float* base = qvt_gaussian_vectors(200, DIM, 108);
  qv_index* index = flat(QV_METRIC_L2, DIM);
  uint64_t keys[200];
  float dist[200];
  size_t found, n;
  (void)state;
  add_all(index, base, NULL, 200, DIM);
  assert_int_equal(qv_index_search(index, base + 42 * DIM, 1, NULL, keys, dist, &found), QV_OK);
  assert_int_equal(keys[0], 42);
  assert_int_equal(qv_index_remove(index, 42), QV_OK);
  assert_int_equal(qv_index_count(index, &n), QV_OK);
  assert_int_equal(n, 199);
  assert_int_equal(qv_index_search(index, base + 42 * DIM, 200, NULL, keys, dist, &found), QV_OK);
  assert_int_equal(found, 199);
  assert_false(contains_key(keys, found, 42));
  free(base);
  qv_index_free(index);
}

static void test_flat_remove_keeps_every_other_vector_intact(void** state) {
  /* Removing from the middle, the front and the back must not disturb the
   * key -> vector association of the rest (nor exactness). */
  enum { M = 300 };
  float *base = qvt_gaussian_vectors(M, DIM, 109), *queries = qvt_gaussian_vectors(NQ, DIM, 110);
  unsigned char live[M];
  qv_index* index = flat(QV_METRIC_L2, DIM);
  float got[DIM];
  size_t i, q;
  (void)state;
  add_all(index, base, NULL, M, DIM);
  memset(live, 1, sizeof live);
  for (i = 0; i < M; i += 3) {
    assert_int_equal(qv_index_remove(index, i), QV_OK);
    live[i] = 0;
  }
  assert_int_equal(qv_index_remove(index, M - 1), QV_OK);
  live[M - 1] = 0;
  for (i = 0; i < M; ++i) {
    if (!live[i]) {
      assert_int_equal(qv_index_get(index, i, got), QV_ERR_NOT_FOUND);
      continue;
    }
    assert_int_equal(qv_index_get(index, i, got), QV_OK);
    assert_memory_equal(got, base + i * DIM, sizeof got);
  }
  for (q = 0; q < NQ; ++q) {
    uint64_t keys[K], want[K];
    float dist[K];
    double want_dist[K];
    size_t found, want_found;
    assert_int_equal(qv_index_search(index, queries + q * DIM, K, NULL, keys, dist, &found), QV_OK);
    want_found = qvt_brute_force(QV_METRIC_L2, base, NULL, live, M, DIM, queries + q * DIM, K, NULL,
                                 NULL, want, want_dist);
    assert_exact(QV_METRIC_L2, base, DIM, queries + q * DIM, keys, dist, found, want, want_dist,
                 want_found, "after removes");
  }
  free(base), free(queries);
  qv_index_free(index);
}

static void test_flat_re_add_after_remove_uses_the_new_vector(void** state) {
  float* base = qvt_gaussian_vectors(50, DIM, 111);
  float fresh[DIM], got[DIM];
  qv_index* index = flat(QV_METRIC_L2, DIM);
  uint64_t key;
  float dist;
  size_t found, n, i;
  (void)state;
  add_all(index, base, NULL, 50, DIM);
  for (i = 0; i < DIM; ++i) fresh[i] = 100.0f + (float)i; /* far from everything */
  assert_int_equal(qv_index_remove(index, 7), QV_OK);
  assert_int_equal(qv_index_add(index, 7, fresh), QV_OK);
  assert_int_equal(qv_index_count(index, &n), QV_OK);
  assert_int_equal(n, 50);
  assert_int_equal(qv_index_get(index, 7, got), QV_OK);
  assert_memory_equal(got, fresh, sizeof got);
  assert_int_equal(qv_index_search(index, fresh, 1, NULL, &key, &dist, &found), QV_OK);
  assert_int_equal(key, 7);
  assert_true(dist == 0.0f);
  /* The old vector no longer answers to key 7. */
  assert_int_equal(qv_index_search(index, base + 7 * DIM, 1, NULL, &key, &dist, &found), QV_OK);
  assert_true(key != 7);
  free(base);
  qv_index_free(index);
}

static void test_flat_get_returns_the_added_vector(void** state) {
  size_t m, i, j;
  (void)state;
  for (m = 0; m < 3; ++m) {
    float* base = qvt_gaussian_vectors(100, DIM, 112);
    qv_index* index = flat(kMetrics[m], DIM);
    float got[DIM];
    for (i = 0; i < 100; ++i) { /* varied lengths, to see cosine undo its normalisation */
      for (j = 0; j < DIM; ++j) base[i * DIM + j] *= (float)(1 + i);
    }
    add_all(index, base, NULL, 100, DIM);
    for (i = 0; i < 100; ++i) {
      assert_int_equal(qv_index_get(index, i, got), QV_OK);
      for (j = 0; j < DIM; ++j) {
        float want = base[i * DIM + j];
        if (kMetrics[m] == QV_METRIC_COSINE) {
          if (fabsf(got[j] - want) > 1e-5f * fabsf(want) + 1e-6f * (float)(1 + i))
            fail_msg("cosine get key %zu element %zu: %.9g vs %.9g", i, j, (double)got[j],
                     (double)want);
        } else if (got[j] != want) {
          fail_msg("%s get key %zu element %zu: %.9g vs %.9g", kMetricNames[m], i, j,
                   (double)got[j], (double)want);
        }
      }
    }
    free(base);
    qv_index_free(index);
  }
}

static void test_flat_add_batch_equals_single_adds(void** state) {
  float *base = qvt_gaussian_vectors(N, DIM, 113), *queries = qvt_gaussian_vectors(NQ, DIM, 114);
  qv_index *a = flat(QV_METRIC_L2, DIM), *b = flat(QV_METRIC_L2, DIM);
  uint64_t* keys = malloc(N * sizeof *keys);
  size_t i, q, n;
  (void)state;
  for (i = 0; i < N; ++i) keys[i] = 1000000 + 3 * i;
  add_all(a, base, keys, N, DIM);
  assert_int_equal(qv_index_add_batch(b, N, keys, base), QV_OK);
  assert_int_equal(qv_index_count(b, &n), QV_OK);
  assert_int_equal(n, N);
  for (q = 0; q < NQ; ++q) {
    uint64_t ka[K], kb[K];
    float da[K], db[K];
    size_t fa, fb;
    assert_int_equal(qv_index_search(a, queries + q * DIM, K, NULL, ka, da, &fa), QV_OK);
    assert_int_equal(qv_index_search(b, queries + q * DIM, K, NULL, kb, db, &fb), QV_OK);
    assert_int_equal(fa, fb);
    assert_memory_equal(ka, kb, fa * sizeof ka[0]);
    assert_memory_equal(da, db, fa * sizeof da[0]);
  }
  free(base), free(queries), free(keys);
  qv_index_free(a);
  qv_index_free(b);
}

/* ---- batch search ------------------------------------------------------------ */

static void check_batch_equals_single(qv_index* index, const float* queries, size_t nq, size_t k,
                                      uint32_t threads, int with_distances) {
  uint64_t *bk = malloc(nq * k * sizeof *bk), *sk = malloc(k * sizeof *sk);
  float *bd = malloc(nq * k * sizeof *bd), *sd = malloc(k * sizeof *sd);
  size_t *bf = malloc(nq * sizeof *bf), q, i, sf;
  qv_search_params p;
  qv_search_params_init(&p);
  p.threads = threads;
  for (i = 0; i < nq * k; ++i) bd[i] = 12345.0f;
  assert_int_equal(
      qv_index_search_batch(index, nq, queries, k, &p, bk, with_distances ? bd : NULL, bf), QV_OK);
  for (q = 0; q < nq; ++q) {
    assert_int_equal(qv_index_search(index, queries + q * (size_t)DIM, k, &p, sk, sd, &sf), QV_OK);
    assert_int_equal(bf[q], sf);
    for (i = 0; i < sf; ++i) {
      assert_int_equal(bk[q * k + i], sk[i]);
      if (with_distances) assert_true(bd[q * k + i] == sd[i]);
    }
    /* Entries past found: key UINT64_MAX and distance +inf. */
    for (i = sf; i < k; ++i) {
      assert_true(bk[q * k + i] == UINT64_MAX);
      if (with_distances) assert_true(isinf(bd[q * k + i]) && bd[q * k + i] > 0);
    }
  }
  if (!with_distances)
    for (i = 0; i < nq * k; ++i) assert_true(bd[i] == 12345.0f); /* NULL: untouched */
  free(bk), free(sk), free(bd), free(sd), free(bf);
}

static void test_flat_search_batch_equals_per_query_search(void** state) {
  size_t m;
  (void)state;
  for (m = 0; m < 3; ++m) {
    float *base = qvt_gaussian_vectors(N, DIM, 115), *queries = qvt_gaussian_vectors(NQ, DIM, 116);
    qv_index* index = flat(kMetrics[m], DIM);
    add_all(index, base, NULL, N, DIM);
    check_batch_equals_single(index, queries, NQ, K, 0, 1);
    check_batch_equals_single(index, queries, NQ, K, 1, 1);
    check_batch_equals_single(index, queries, NQ, K, 3, 0);
    free(base), free(queries);
    qv_index_free(index);
  }
}

static void test_flat_search_batch_pads_rows_past_found(void** state) {
  float *base = qvt_gaussian_vectors(5, DIM, 117), *queries = qvt_gaussian_vectors(NQ, DIM, 118);
  qv_index* index = flat(QV_METRIC_L2, DIM);
  (void)state;
  add_all(index, base, NULL, 5, DIM);
  check_batch_equals_single(index, queries, NQ, 8, 0, 1); /* k = 8 > count = 5 */
  check_batch_equals_single(index, queries, NQ, 8, 2, 0);
  free(base), free(queries);
  qv_index_free(index);
}

static void test_flat_ignores_ef(void** state) {
  float *base = qvt_gaussian_vectors(N, DIM, 119), *q = qvt_gaussian_vectors(1, DIM, 120);
  qv_index* index = flat(QV_METRIC_L2, DIM);
  qv_search_params p;
  uint64_t a[K], b[K];
  size_t fa, fb;
  (void)state;
  add_all(index, base, NULL, N, DIM);
  qv_search_params_init(&p);
  p.ef = 1; /* would cripple an HNSW search; FLAT stays exact */
  assert_int_equal(qv_index_search(index, q, K, &p, a, NULL, &fa), QV_OK);
  assert_int_equal(qv_index_search(index, q, K, NULL, b, NULL, &fb), QV_OK);
  assert_int_equal(fa, K);
  assert_int_equal(fb, K);
  assert_memory_equal(a, b, sizeof a);
  free(base), free(q);
  qv_index_free(index);
}

/* ---- growth, removal and memory (issue 11) --------------------------------- */

/* Rows of 128 floats: about 8192 rows to a 4 MiB chunk of the FLAT store, so
 * the sizes below span several chunks. */
#define GDIM 128

static void assert_same_results(qv_index* a, qv_index* b, const float* queries, size_t nq,
                                size_t dim) {
  size_t q;
  for (q = 0; q < nq; ++q) {
    uint64_t ka[K], kb[K];
    float da[K], db[K];
    size_t fa, fb;
    assert_int_equal(qv_index_search(a, queries + q * dim, K, NULL, ka, da, &fa), QV_OK);
    assert_int_equal(qv_index_search(b, queries + q * dim, K, NULL, kb, db, &fb), QV_OK);
    assert_int_equal(fa, fb);
    assert_memory_equal(ka, kb, fa * sizeof ka[0]);
    assert_memory_equal(da, db, fa * sizeof da[0]);
  }
}

/* Every add_text into a FLAT index is a one-row batch: 20000 of them (each
 * once copied the whole index) build the index qv_index_add builds. */
static void test_flat_single_row_batches_equal_single_adds(void** state) {
  const size_t n = qvt_scaled(20000);
  float *base = qvt_gaussian_vectors(n, GDIM, 131), *queries = qvt_gaussian_vectors(NQ, GDIM, 132);
  float *a_row = malloc(GDIM * sizeof *a_row), *b_row = malloc(GDIM * sizeof *b_row);
  qv_index *a = flat(QV_METRIC_COSINE, GDIM), *b = flat(QV_METRIC_COSINE, GDIM);
  size_t i, count;
  (void)state;
  for (i = 0; i < n; ++i) {
    uint64_t key = 7 * i + 1;
    assert_int_equal(qv_index_add(a, key, base + i * GDIM), QV_OK);
    assert_int_equal(qv_index_add_batch(b, 1, &key, base + i * GDIM), QV_OK);
  }
  assert_int_equal(qv_index_count(b, &count), QV_OK);
  assert_int_equal(count, n);
  for (i = 0; i < n; ++i) {
    assert_int_equal(qv_index_get(a, 7 * i + 1, a_row), QV_OK);
    assert_int_equal(qv_index_get(b, 7 * i + 1, b_row), QV_OK);
    assert_memory_equal(a_row, b_row, GDIM * sizeof *a_row);
  }
  assert_same_results(a, b, queries, NQ, GDIM);
  free(base), free(queries), free(a_row), free(b_row);
  qv_index_free(a);
  qv_index_free(b);
}

/* Removing most rows (chunks are given back as they empty), then adding
 * again, keeps every live row intact and searches exact; a save of the
 * result opens (LOAD and MMAP) to the same index. */
static void test_flat_removes_across_chunks_keep_rows_and_save_round_trips(void** state) {
  const size_t n = qvt_scaled(30000), batch = 1000;
  float *base = qvt_gaussian_vectors(n, GDIM, 133), *queries = qvt_gaussian_vectors(NQ, GDIM, 134);
  float* row = malloc(GDIM * sizeof *row);
  unsigned char* live = calloc(n, 1);
  uint64_t* keys = malloc(n * sizeof *keys);
  qv_index *index = flat(QV_METRIC_L2, GDIM), *opened;
  qvt_rng rng;
  size_t i, q, count, expected = 0;
  char dir[] = "/tmp/qv_test_flatXXXXXX", *path;
  const qv_open_mode modes[] = {QV_OPEN_LOAD, QV_OPEN_MMAP};
  (void)state;
  for (i = 0; i < n; ++i) keys[i] = i;
  /* The first half, then every row but one in four of it removed (the last
   * rows too), then the second half. */
  for (i = 0; i < n / 2; i += batch)
    assert_int_equal(
        qv_index_add_batch(index, batch < n / 2 - i ? batch : n / 2 - i, keys + i, base + i * GDIM),
        QV_OK);
  for (i = 0; i < n / 2; ++i) live[i] = 1;
  qvt_rng_seed(&rng, 135);
  for (i = 0; i < n / 2; ++i)
    if (qvt_rng_below(&rng, 4) != 0 || i >= n / 2 - 100) {
      assert_int_equal(qv_index_remove(index, keys[i]), QV_OK);
      live[i] = 0;
    }
  for (i = n / 2; i < n; ++i) {
    assert_int_equal(qv_index_add_batch(index, 1, keys + i, base + i * GDIM), QV_OK);
    live[i] = 1;
  }
  for (i = 0; i < n; ++i) expected += live[i];
  assert_int_equal(qv_index_count(index, &count), QV_OK);
  assert_int_equal(count, expected);
  for (i = 0; i < n; ++i) {
    if (live[i]) {
      assert_int_equal(qv_index_get(index, keys[i], row), QV_OK);
      assert_memory_equal(row, base + i * GDIM, GDIM * sizeof *row);
    } else {
      assert_int_equal(qv_index_get(index, keys[i], row), QV_ERR_NOT_FOUND);
    }
  }
  for (q = 0; q < NQ; ++q) {
    uint64_t got[K], want[K];
    float dist[K];
    double want_dist[K];
    size_t found, want_found;
    assert_int_equal(qv_index_search(index, queries + q * GDIM, K, NULL, got, dist, &found), QV_OK);
    want_found = qvt_brute_force(QV_METRIC_L2, base, keys, live, n, GDIM, queries + q * GDIM, K,
                                 NULL, NULL, want, want_dist);
    assert_exact(QV_METRIC_L2, base, GDIM, queries + q * GDIM, got, dist, found, want, want_dist,
                 want_found, "after removals");
  }
  assert_non_null(mkdtemp(dir));
  path = qvt_path_join(dir, "flat.qv");
  assert_int_equal(qv_index_save(index, path), QV_OK);
  for (i = 0; i < 2; ++i) {
    assert_int_equal(qv_index_open(path, modes[i], &opened), QV_OK);
    assert_int_equal(qv_index_count(opened, &count), QV_OK);
    assert_int_equal(count, expected);
    assert_same_results(index, opened, queries, NQ, GDIM);
    assert_int_equal(qv_index_get(opened, keys[n - 1], row), QV_OK);
    assert_memory_equal(row, base + (n - 1) * GDIM, GDIM * sizeof *row);
    qv_index_free(opened);
  }
  remove(path);
  rmdir(dir);
  free(path), free(base), free(queries), free(row), free(live), free(keys);
  qv_index_free(index);
}

/* ---- memory, read from /proc (Linux; skipped elsewhere and under
 * sanitizers, whose allocators keep freed memory) ---------------------------- */

/* Resident bytes now (statm), or 0 when unreadable. */
static size_t resident_bytes(void) {
  size_t size;
  unsigned char* text = qvt_read_file("/proc/self/statm", &size);
  unsigned long pages = 0, resident = 0;
  int got = text ? sscanf((const char*)text, "%lu %lu", &pages, &resident) : 0;
  free(text);
  return got == 2 ? (size_t)resident * (size_t)sysconf(_SC_PAGESIZE) : 0;
}

/* Peak resident bytes since reset_peak() (VmHWM), or 0 when unreadable. */
static size_t peak_resident_bytes(void) {
  size_t size, kib = 0;
  unsigned char* text = qvt_read_file("/proc/self/status", &size);
  const char* at = text ? strstr((const char*)text, "VmHWM:") : NULL;
  if (!at || sscanf(at, "VmHWM: %zu kB", &kib) != 1) kib = 0;
  free(text);
  return kib * 1024;
}

/* Writing 5 to clear_refs resets VmHWM to the current RSS (Linux 4.0+). */
static int reset_peak(void) {
  FILE* f = fopen("/proc/self/clear_refs", "w");
  int ok;
  if (!f) return 0;
  ok = fputs("5", f) >= 0;
  return fclose(f) == 0 && ok;
}

static int memory_unmeasurable(const char* test) {
  if (qvt_sanitized()) {
    printf("[ skipped  ] %s: sanitizer allocators keep freed memory\n", test);
    return 1;
  }
  if (resident_bytes() == 0) {
    printf("[ skipped  ] %s: /proc/self/statm is not readable here\n", test);
    return 1;
  }
  return 0;
}

/* Growing by one-row batches never holds two copies of the rows: the peak
 * RSS while building stays near the vector bytes (each batch used to
 * reallocate the whole index, holding old and new at once). */
static void test_flat_growth_never_holds_two_copies_of_its_rows(void** state) {
  const size_t n = 16384;
  const double raw = (double)n * GDIM * sizeof(float);
  float* base;
  qv_index* index;
  size_t i, before, peak;
  (void)state;
  if (memory_unmeasurable("growth peak")) skip();
  base = qvt_gaussian_vectors(n, GDIM, 136);
  index = flat(QV_METRIC_L2, GDIM);
  TRIM_HEAP();
  before = resident_bytes();
  if (!reset_peak() || peak_resident_bytes() == 0) {
    printf("[ skipped  ] growth peak: VmHWM cannot be reset here\n");
    free(base);
    qv_index_free(index);
    skip();
  }
  for (i = 0; i < n; ++i) {
    uint64_t key = i;
    assert_int_equal(qv_index_add_batch(index, 1, &key, base + i * GDIM), QV_OK);
  }
  peak = peak_resident_bytes();
  printf("[ info     ] peak RSS growth %.2f x the %.1f MiB of vectors\n",
         ((double)peak - (double)before) / raw, raw / (1 << 20));
  assert_true((double)peak - (double)before < 1.5 * raw);
  free(base);
  qv_index_free(index);
}

/* Removing most of an index gives its memory back at once (no compact
 * needed; compact then changes nothing). */
static void test_flat_remove_gives_memory_back(void** state) {
  const size_t n = 65536, batch = 1024, kept = n / 4;
  const double raw = (double)n * GDIM * sizeof(float), removed = raw - raw / 4;
  float* base;
  uint64_t* keys;
  qv_index* index;
  size_t i, before, built, after, count;
  (void)state;
  if (memory_unmeasurable("remove gives memory back")) skip();
  base = qvt_gaussian_vectors(n, GDIM, 137);
  keys = malloc(n * sizeof *keys);
  for (i = 0; i < n; ++i) keys[i] = i;
  index = flat(QV_METRIC_L2, GDIM);
  TRIM_HEAP();
  before = resident_bytes();
  for (i = 0; i < n; i += batch)
    assert_int_equal(qv_index_add_batch(index, batch, keys + i, base + i * GDIM), QV_OK);
  TRIM_HEAP();
  built = resident_bytes();
  for (i = kept; i < n; ++i) assert_int_equal(qv_index_remove(index, keys[i]), QV_OK);
  TRIM_HEAP();
  after = resident_bytes();
  printf("[ info     ] RSS growth %.2f x the vectors; removing 3/4 gave back %.2f x theirs\n",
         ((double)built - (double)before) / raw, ((double)built - (double)after) / removed);
  assert_true((double)built - (double)before < 1.5 * raw);
  assert_true((double)built - (double)after > 0.5 * removed);
  assert_int_equal(qv_index_compact(index), QV_OK);
  assert_int_equal(qv_index_count(index, &count), QV_OK);
  assert_int_equal(count, kept);
  free(base), free(keys);
  qv_index_free(index);
}

/* ---- batch search as blocks of queries (issue 12) ----------------------------- */

/* Keeps odd keys; no state, so batches may call it from several threads. */
static int keep_odd(uint64_t key, void* user) {
  (void)user;
  return (int)(key & 1);
}

/* One batch (on p->threads threads) answers exactly what the same queries
 * searched one by one answer: found, keys rank by rank, distances bit for
 * bit, and the padding past found. */
static void assert_batch_equals_single(qv_index* index, const float* queries, size_t nq, size_t dim,
                                       size_t k, const qv_search_params* p, const char* what) {
  uint64_t *bk = malloc(nq * k * sizeof *bk), *sk = malloc(k * sizeof *sk);
  float *bd = malloc(nq * k * sizeof *bd), *sd = malloc(k * sizeof *sd);
  size_t *bf = malloc(nq * sizeof *bf), q, i, sf;
  assert_int_equal(qv_index_search_batch(index, nq, queries, k, p, bk, bd, bf), QV_OK);
  for (q = 0; q < nq; ++q) {
    assert_int_equal(qv_index_search(index, queries + q * dim, k, p, sk, sd, &sf), QV_OK);
    if (bf[q] != sf) fail_msg("%s query %zu: batch found %zu, single %zu", what, q, bf[q], sf);
    for (i = 0; i < sf; ++i)
      if (bk[q * k + i] != sk[i] || memcmp(&bd[q * k + i], &sd[i], sizeof sd[i]) != 0)
        fail_msg("%s query %zu rank %zu: batch key %llu at %.9g, single key %llu at %.9g", what, q,
                 i, (unsigned long long)bk[q * k + i], (double)bd[q * k + i],
                 (unsigned long long)sk[i], (double)sd[i]);
    for (i = sf; i < k; ++i)
      assert_true(bk[q * k + i] == UINT64_MAX && isinf(bd[q * k + i]) && bd[q * k + i] > 0);
  }
  free(bk), free(sk), free(bd), free(sd), free(bf);
}

/* Base rows with exact copies (ties) and removed rows (holes filled by
 * moving the last row), and queries of which some equal base rows. */
static qv_index* index_with_ties_and_holes(qv_metric metric, size_t dim, size_t n, float** base_out,
                                           uint64_t seed) {
  float* base = qvt_gaussian_vectors(n, dim, seed);
  qv_index* index = flat(metric, dim);
  size_t i;
  for (i = 0; i < n / 10; ++i) /* the last tenth copies the first */
    memcpy(base + (n - 1 - i) * dim, base + i * dim, dim * sizeof *base);
  for (i = 0; i < n; ++i)
    assert_int_equal(qv_index_add(index, 1000 + 7 * i, base + i * dim), QV_OK);
  for (i = 3; i < n; i += n / 4) assert_int_equal(qv_index_remove(index, 1000 + 7 * i), QV_OK);
  *base_out = base;
  return index;
}

static float* queries_with_copies(const float* base, size_t n, size_t nq, size_t dim,
                                  uint64_t seed) {
  float* queries = qvt_gaussian_vectors(nq, dim, seed);
  size_t q;
  for (q = 0; q < nq; q += 4) /* every fourth query is a base row (some have copies) */
    memcpy(queries + q * dim, base + (q * 37 % n) * dim, dim * sizeof *queries);
  return queries;
}

static void test_flat_batch_equals_single_for_every_metric_and_dim(void** state) {
  static const uint32_t threads[] = {1, 2, 3};
  const size_t n = 150, nq = 13;
  size_t m, dim, t, f, k;
  char what[96];
  (void)state;
  for (m = 0; m < 3; ++m) {
    for (dim = 1; dim <= 67; ++dim) {
      float *base, *queries;
      qv_index* index = index_with_ties_and_holes(kMetrics[m], dim, n, &base, 140 + dim);
      queries = queries_with_copies(base, n, nq, dim, 141 + dim);
      for (t = 0; t < 3; ++t) {
        for (f = 0; f < 2; ++f) {
          for (k = 7; k <= 200; k += 193) { /* k = 200 is more than the rows */
            qv_search_params p;
            qv_search_params_init(&p);
            p.threads = threads[t];
            p.filter = f ? keep_odd : NULL;
            snprintf(what, sizeof what, "%s dim %zu threads %u filter %zu k %zu", kMetricNames[m],
                     dim, threads[t], f, k);
            assert_batch_equals_single(index, queries, nq, dim, k, &p, what);
          }
        }
      }
      free(base), free(queries);
      qv_index_free(index);
    }
  }
}

/* Large vectors (blocks of few queries), and rows split across threads for
 * few queries: a tie between rows of different parts goes to the lower row,
 * as in one scan. */
static void test_flat_batch_equals_single_for_large_dims_and_split_rows(void** state) {
  static const size_t dims[] = {768, 1536, 3072};
  static const uint32_t threads[] = {0, 3};
  static const size_t counts[] = {1, 14, 40};
  size_t m, d, t, c;
  char what[96];
  (void)state;
  for (m = 0; m < 3; ++m) {
    for (d = 0; d < 3; ++d) {
      const size_t dim = dims[d], n = 400;
      float *base, *queries;
      qv_index* index = index_with_ties_and_holes(kMetrics[m], dim, n, &base, 150 + d);
      queries = queries_with_copies(base, n, 40, dim, 151 + d);
      for (t = 0; t < 2; ++t) {
        for (c = 0; c < 3; ++c) {
          const size_t nq = counts[c];
          qv_search_params p;
          qv_search_params_init(&p);
          p.threads = threads[t];
          snprintf(what, sizeof what, "%s dim %zu threads %u nq %zu", kMetricNames[m], dim,
                   threads[t], nq);
          assert_batch_equals_single(index, queries, nq, dim, 3, &p, what);
          p.filter = keep_odd;
          assert_batch_equals_single(index, queries, nq, dim, 1, &p, what);
        }
      }
      free(base), free(queries);
      qv_index_free(index);
    }
  }
}

/* Several storage chunks (8192 rows of 128 floats each), many queries
 * (more than a block) and few (rows split), copies of one vector in three
 * chunks. */
static void test_flat_batch_equals_single_across_chunks(void** state) {
  static const struct {
    uint32_t threads;
    size_t nq, k;
    int filter;
  } runs[] = {{2, 1, 2, 0}, {4, 3, 10, 1}, {0, 3, 2, 0}, {3, 260, 10, 0}, {1, 260, 10, 1}};
  const size_t n = 20000;
  float *base, *queries;
  qv_index* index;
  size_t r, i;
  char what[96];
  (void)state;
  base = qvt_gaussian_vectors(n, GDIM, 160);
  queries = qvt_gaussian_vectors(260, GDIM, 161);
  memcpy(base + 9000 * GDIM, base + 5 * GDIM, GDIM * sizeof *base);
  memcpy(base + 19000 * GDIM, base + 5 * GDIM, GDIM * sizeof *base);
  for (i = 0; i < 260; i += 2) memcpy(queries + i * GDIM, base + 5 * GDIM, GDIM * sizeof *base);
  index = flat(QV_METRIC_L2, GDIM);
  add_all(index, base, NULL, n, GDIM);
  for (i = 100; i < n; i += 997) assert_int_equal(qv_index_remove(index, i), QV_OK);
  for (r = 0; r < sizeof runs / sizeof runs[0]; ++r) {
    qv_search_params p;
    qv_search_params_init(&p);
    p.threads = runs[r].threads;
    p.filter = runs[r].filter ? keep_odd : NULL;
    snprintf(what, sizeof what, "threads %u nq %zu k %zu filter %d", runs[r].threads, runs[r].nq,
             runs[r].k, runs[r].filter);
    assert_batch_equals_single(index, queries, runs[r].nq, GDIM, runs[r].k, &p, what);
  }
  free(base), free(queries);
  qv_index_free(index);
}

/* Near-copies of a long vector, 2e-3 apart per step: distances of 4e-6 j^2
 * next to |v|^2 = 6400, where |q|^2 + |x|^2 - 2 q.x loses them (its float
 * error is about 6400 x 2^-24 = 4e-4). The batch ranks them by exact
 * distance, nearest copy first, as a single search does. */
static void test_flat_batch_orders_near_copies_exactly(void** state) {
  enum { NDIM = 64, COPIES = 9, NQ_NEAR = 5 };
  float base[COPIES * NDIM], queries[NQ_NEAR * NDIM], dist[NQ_NEAR * COPIES];
  uint64_t keys[NQ_NEAR * COPIES];
  size_t found[NQ_NEAR], i, j, q;
  qv_search_params p;
  qv_index* index = flat(QV_METRIC_L2, NDIM);
  (void)state;
  for (j = 0; j < COPIES; ++j)
    for (i = 0; i < NDIM; ++i) base[j * NDIM + i] = 10.0f + (float)(i % 3);
  for (j = 0; j < COPIES; ++j) base[j * NDIM + 7] += 2e-3f * (float)j;
  for (q = 0; q < NQ_NEAR; ++q) memcpy(queries + q * NDIM, base, sizeof base[0] * NDIM);
  for (j = COPIES; j-- > 0;) /* added farthest first: row order is not the answer */
    assert_int_equal(qv_index_add(index, 100 + j, base + j * NDIM), QV_OK);
  qv_search_params_init(&p);
  for (p.threads = 1; p.threads <= 2; ++p.threads) {
    assert_int_equal(qv_index_search_batch(index, NQ_NEAR, queries, COPIES, &p, keys, dist, found),
                     QV_OK);
    for (q = 0; q < NQ_NEAR; ++q) {
      assert_int_equal(found[q], COPIES);
      for (j = 0; j < COPIES; ++j) {
        const double want = qvt_distance(QV_METRIC_L2, queries, base + j * NDIM, NDIM);
        assert_int_equal(keys[q * COPIES + j], 100 + j);
        assert_true(fabs(dist[q * COPIES + j] - want) <= 1e-6 * (1.0 + want) + 1e-9);
        if (j > 0) assert_true(dist[q * COPIES + j] > dist[q * COPIES + j - 1]);
      }
    }
    assert_batch_equals_single(index, queries, NQ_NEAR, NDIM, COPIES, &p, "near copies");
  }
  qv_index_free(index);
}

static void test_flat_batch_on_an_empty_index_finds_nothing(void** state) {
  qv_index* index = flat(QV_METRIC_COSINE, DIM);
  float* queries = qvt_gaussian_vectors(3, DIM, 170);
  qv_search_params p;
  (void)state;
  qv_search_params_init(&p);
  for (p.threads = 0; p.threads <= 2; ++p.threads)
    assert_batch_equals_single(index, queries, 3, DIM, 4, &p, "empty");
  free(queries);
  qv_index_free(index);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      QVT_TIMED(test_flat_l2_search_is_exact),
      QVT_TIMED(test_flat_ip_search_is_exact_with_one_minus_dot),
      QVT_TIMED(test_flat_cosine_search_is_exact_with_one_minus_cos),
      QVT_TIMED(test_flat_distances_match_hand_computed_values),
      QVT_TIMED(test_flat_k_larger_than_count_returns_every_vector_sorted),
      QVT_TIMED(test_flat_empty_index_search_finds_nothing),
      QVT_TIMED(test_flat_filter_keeps_only_allowed_keys_and_is_exact),
      QVT_TIMED(test_flat_filter_rejecting_everything_finds_nothing),
      QVT_TIMED(test_flat_remove_hides_key_from_search),
      QVT_TIMED(test_flat_remove_keeps_every_other_vector_intact),
      QVT_TIMED(test_flat_re_add_after_remove_uses_the_new_vector),
      QVT_TIMED(test_flat_get_returns_the_added_vector),
      QVT_TIMED(test_flat_add_batch_equals_single_adds),
      QVT_TIMED(test_flat_search_batch_equals_per_query_search),
      QVT_TIMED(test_flat_search_batch_pads_rows_past_found),
      QVT_TIMED(test_flat_ignores_ef),
      QVT_TIMED(test_flat_single_row_batches_equal_single_adds),
      QVT_TIMED(test_flat_removes_across_chunks_keep_rows_and_save_round_trips),
      QVT_TIMED(test_flat_growth_never_holds_two_copies_of_its_rows),
      QVT_TIMED(test_flat_remove_gives_memory_back),
      QVT_TIMED(test_flat_batch_equals_single_for_every_metric_and_dim),
      QVT_TIMED(test_flat_batch_equals_single_for_large_dims_and_split_rows),
      QVT_TIMED(test_flat_batch_equals_single_across_chunks),
      QVT_TIMED(test_flat_batch_orders_near_copies_exactly),
      QVT_TIMED(test_flat_batch_on_an_empty_index_finds_nothing),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
