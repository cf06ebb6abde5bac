/* HNSW index: recall against exact answers on a Gaussian mixture and on the
 * real siftsmall set, filtered search, removal, determinism, ef, and edge
 * cases. Recall figures are printed for the record. */
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

#define K 10

/* The shared mixture: 20k x 64 from 50 Gaussians (a quarter of the points
 * and half the queries in sanitizer builds; see qvt_scaled). */
#define MIX_N mix_n
#define MIX_DIM 64
#define MIX_CLUSTERS 50
#define MIX_SIGMA 0.25
#define MIX_NQ mix_nq
#define MIX_NQ_MAX 200
static size_t mix_n = 20000, mix_nq = MIX_NQ_MAX;

typedef struct mixture {
  float *base, *queries;
  qv_index* index; /* HNSW, built with qv_index_add_batch on all cores */
  uint64_t* truth; /* MIX_NQ x K exact neighbours */
  double build_seconds;
} mixture;

static qv_index* hnsw(uint32_t dim, qv_metric metric, uint64_t seed, uint32_t threads) {
  qv_index_options o;
  qv_index* index = NULL;
  qv_index_options_init(&o);
  o.dim = dim;
  o.metric = metric;
  o.kind = QV_INDEX_HNSW;
  o.seed = seed;
  o.threads = threads;
  if (qv_index_create(&o, &index) != QV_OK) fail_msg("create: %s", qv_last_error());
  return index;
}

static void add_batch_keys_0_to_n(qv_index* index, const float* data, size_t n) {
  uint64_t* keys = malloc(n * sizeof *keys);
  size_t i;
  for (i = 0; i < n; ++i) keys[i] = i;
  assert_int_equal(qv_index_add_batch(index, n, keys, data), QV_OK);
  free(keys);
}

/* Searches every query at `ef` (filter optional) and returns recall@K. */
static double recall_at(const qv_index* index, const float* queries, size_t nq, size_t dim,
                        uint32_t ef, qvt_filter_fn filter, void* user, const uint64_t* truth,
                        size_t truth_stride, const size_t* truth_found, size_t* found_out) {
  uint64_t* got = malloc(nq * K * sizeof *got);
  size_t *found = malloc(nq * sizeof *found), q;
  qv_search_params p;
  double r;
  qv_search_params_init(&p);
  p.ef = ef;
  p.filter = filter;
  p.filter_user = user;
  for (q = 0; q < nq; ++q)
    assert_int_equal(qv_index_search(index, queries + q * dim, K, &p, got + q * K, NULL, found + q),
                     QV_OK);
  r = qvt_recall(nq, K, got, K, found, truth, truth_stride, truth_found);
  if (found_out) memcpy(found_out, found, nq * sizeof *found);
  free(got);
  free(found);
  return r;
}

static int setup_mixture(void** state) {
  mixture* m = calloc(1, sizeof *m);
  double t0;
  qvt_mixture_split(MIX_N, MIX_NQ, MIX_DIM, MIX_CLUSTERS, MIX_SIGMA, 1, &m->base, &m->queries);
  m->index = hnsw(MIX_DIM, QV_METRIC_L2, 42, 0);
  t0 = qvt_now();
  {
    uint64_t* keys = malloc(MIX_N * sizeof *keys);
    size_t i;
    for (i = 0; i < MIX_N; ++i) keys[i] = i;
    if (qv_index_add_batch(m->index, MIX_N, keys, m->base) != QV_OK) {
      fprintf(stderr, "add_batch failed: %s\n", qv_last_error());
      free(keys);
      return -1;
    }
    free(keys);
  }
  m->build_seconds = qvt_now() - t0;
  m->truth = malloc((size_t)MIX_NQ * K * sizeof *m->truth);
  qvt_brute_force_batch(QV_METRIC_L2, m->base, NULL, NULL, MIX_N, MIX_DIM, m->queries, MIX_NQ, K,
                        NULL, NULL, m->truth, NULL, NULL);
  printf("[ info     ] mixture %zu x %d (%d clusters, sigma %.2f): HNSW add_batch %.2f s\n", MIX_N,
         MIX_DIM, MIX_CLUSTERS, MIX_SIGMA, m->build_seconds);
  *state = m;
  return 0;
}

static int teardown_mixture(void** state) {
  mixture* m = (mixture*)*state;
  if (!m) return 0;
  qv_index_free(m->index);
  free(m->base), free(m->queries), free(m->truth), free(m);
  return 0;
}

/* ---- recall on the mixture -------------------------------------------------- */

static void test_hnsw_recall_at_10_on_gaussian_mixture_is_at_least_0_95(void** state) {
  mixture* m = (mixture*)*state;
  size_t n;
  double r =
      recall_at(m->index, m->queries, MIX_NQ, MIX_DIM, 128, NULL, NULL, m->truth, K, NULL, NULL);
  printf("[ info     ] mixture recall@10 at ef 128: %.4f\n", r);
  assert_int_equal(qv_index_count(m->index, &n), QV_OK);
  assert_int_equal(n, MIX_N);
  assert_true(r >= 0.95);
}

static void test_hnsw_larger_ef_does_not_lower_recall(void** state) {
  static const uint32_t efs[] = {10, 16, 32, 64, 128, 256};
  mixture* m = (mixture*)*state;
  double r[6];
  size_t i;
  for (i = 0; i < 6; ++i) {
    r[i] = recall_at(m->index, m->queries, MIX_NQ, MIX_DIM, efs[i], NULL, NULL, m->truth, K, NULL,
                     NULL);
    printf("[ info     ] mixture recall@10 at ef %u: %.4f\n", efs[i], r[i]);
  }
  for (i = 1; i < 6; ++i) assert_true(r[i] >= r[i - 1] - 0.01); /* roughly monotone */
  assert_true(r[5] >= r[0]);
  assert_true(r[5] > 0.97);
  /* A quality bar below the default ef: a graph with poor links (bad
   * neighbour selection, lost back links) falls under it first. */
  assert_true(r[2] >= 0.95); /* ef 32 */
}

static void test_hnsw_default_ef_comes_from_the_options(void** state) {
  /* ef = 0 means the index's hnsw_ef_search (64): same results as ef = 64. */
  mixture* m = (mixture*)*state;
  qv_search_params p0, p64;
  size_t q;
  qv_search_params_init(&p0);
  qv_search_params_init(&p64);
  p64.ef = 64;
  for (q = 0; q < 50; ++q) {
    uint64_t a[K], b[K], c[K];
    float da[K], db[K];
    size_t fa, fb, fc;
    const float* query = m->queries + q * MIX_DIM;
    assert_int_equal(qv_index_search(m->index, query, K, &p0, a, da, &fa), QV_OK);
    assert_int_equal(qv_index_search(m->index, query, K, &p64, b, db, &fb), QV_OK);
    assert_int_equal(qv_index_search(m->index, query, K, NULL, c, NULL, &fc), QV_OK);
    assert_int_equal(fa, fb);
    assert_int_equal(fa, fc);
    assert_memory_equal(a, b, fa * sizeof a[0]);
    assert_memory_equal(a, c, fa * sizeof a[0]);
    assert_memory_equal(da, db, fa * sizeof da[0]);
  }
}

static void test_hnsw_ef_below_k_is_raised_to_k(void** state) {
  mixture* m = (mixture*)*state;
  enum { BIGK = 50 };
  uint64_t* truth = malloc((size_t)MIX_NQ * BIGK * sizeof *truth);
  uint64_t* got = malloc((size_t)MIX_NQ * BIGK * sizeof *got);
  size_t *found = malloc(MIX_NQ * sizeof *found), q;
  qv_search_params p;
  double r;
  qvt_brute_force_batch(QV_METRIC_L2, m->base, NULL, NULL, MIX_N, MIX_DIM, m->queries, MIX_NQ, BIGK,
                        NULL, NULL, truth, NULL, NULL);
  qv_search_params_init(&p);
  p.ef = 1;
  for (q = 0; q < MIX_NQ; ++q) {
    assert_int_equal(qv_index_search(m->index, m->queries + q * MIX_DIM, BIGK, &p, got + q * BIGK,
                                     NULL, found + q),
                     QV_OK);
    assert_int_equal(found[q], BIGK);
  }
  r = qvt_recall(MIX_NQ, BIGK, got, BIGK, found, truth, BIGK, NULL);
  printf("[ info     ] mixture recall@50 at ef 1 (raised to 50): %.4f\n", r);
  assert_true(r >= 0.9);
  free(truth), free(got), free(found);
}

static void test_hnsw_results_are_sorted_and_distances_are_true(void** state) {
  mixture* m = (mixture*)*state;
  size_t q, i;
  for (q = 0; q < MIX_NQ; ++q) {
    uint64_t keys[K];
    float d[K];
    size_t found;
    const float* query = m->queries + q * MIX_DIM;
    assert_int_equal(qv_index_search(m->index, query, K, NULL, keys, d, &found), QV_OK);
    assert_int_equal(found, K);
    for (i = 0; i < found; ++i) {
      double truth = qvt_distance(QV_METRIC_L2, query, m->base + keys[i] * MIX_DIM, MIX_DIM);
      assert_true(keys[i] < MIX_N);
      assert_true(fabs(d[i] - truth) <= 1e-4 * (1 + truth));
      if (i) assert_true(d[i] >= d[i - 1]);
    }
  }
}

static void test_hnsw_search_batch_equals_per_query_search(void** state) {
  mixture* m = (mixture*)*state;
  uint64_t* bk = malloc((size_t)MIX_NQ * K * sizeof *bk);
  float* bd = malloc((size_t)MIX_NQ * K * sizeof *bd);
  size_t *bf = malloc(MIX_NQ * sizeof *bf), q, i;
  qv_search_params p;
  uint32_t threads;
  for (threads = 0; threads <= 2; threads += 2) {
    qv_search_params_init(&p);
    p.ef = 96;
    p.threads = threads;
    assert_int_equal(qv_index_search_batch(m->index, MIX_NQ, m->queries, K, &p, bk, bd, bf), QV_OK);
    for (q = 0; q < MIX_NQ; ++q) {
      uint64_t keys[K];
      float d[K];
      size_t found;
      assert_int_equal(qv_index_search(m->index, m->queries + q * MIX_DIM, K, &p, keys, d, &found),
                       QV_OK);
      assert_int_equal(bf[q], found);
      for (i = 0; i < found; ++i) {
        assert_int_equal(bk[q * K + i], keys[i]);
        assert_true(bd[q * K + i] == d[i]);
      }
    }
  }
  free(bk), free(bd), free(bf);
}

/* ---- filtered search ------------------------------------------------------------ */

struct mod_filter {
  uint64_t mod;
  int keep_zero; /* 1: keep key % mod == 0; 0: keep key % mod != 0 */
};

static int mod_filter_fn(uint64_t key, void* user) {
  const struct mod_filter* f = (const struct mod_filter*)user;
  return f->keep_zero ? key % f->mod == 0 : key % f->mod != 0;
}

static void test_hnsw_filtered_search_returns_only_allowed_keys_with_high_recall(void** state) {
  /* 90%, 50% and 1% of the keys pass. The 1% filter makes the graph search
   * visit most of the index, so it runs on fewer queries. */
  static const struct mod_filter filters[] = {{10, 0}, {2, 1}, {100, 1}};
  static const char* const names[] = {"key % 10 != 0", "key % 2 == 0", "key % 100 == 0"};
  mixture* m = (mixture*)*state;
  uint64_t* truth = malloc((size_t)MIX_NQ * K * sizeof *truth);
  uint64_t got[K];
  size_t truth_found[MIX_NQ_MAX], found[MIX_NQ_MAX];
  size_t f, q, i;
  for (f = 0; f < 3; ++f) {
    struct mod_filter filter = filters[f];
    size_t nq = f == 2 ? MIX_NQ / 4 : MIX_NQ;
    qv_search_params p;
    double r;
    qvt_brute_force_batch(QV_METRIC_L2, m->base, NULL, NULL, MIX_N, MIX_DIM, m->queries, nq, K,
                          mod_filter_fn, &filter, truth, NULL, truth_found);
    r = recall_at(m->index, m->queries, nq, MIX_DIM, 128, mod_filter_fn, &filter, truth, K,
                  truth_found, found);
    printf("[ info     ] filtered (%s) recall@10 at ef 128: %.4f (%zu queries)\n", names[f], r, nq);
    assert_true(r >= 0.9);
    /* Every returned key passes the filter, and there are always K of them. */
    qv_search_params_init(&p);
    p.ef = 128;
    p.filter = mod_filter_fn;
    p.filter_user = &filter;
    for (q = 0; q < nq; ++q) {
      size_t n;
      assert_int_equal(qv_index_search(m->index, m->queries + q * MIX_DIM, K, &p, got, NULL, &n),
                       QV_OK);
      assert_int_equal(n, K);
      for (i = 0; i < n; ++i)
        if (!mod_filter_fn(got[i], &filter))
          fail_msg("filter %s: key %llu returned", names[f], (unsigned long long)got[i]);
    }
  }
  free(truth);
}

/* ---- removal ---------------------------------------------------------------------- */

static void test_hnsw_removed_keys_never_come_back_and_recall_stays_high(void** state) {
  enum { DIM = 32 };
  const size_t N = qvt_scaled(10000), NQ = qvt_scaled(300);
  float *base, *queries;
  unsigned char* live = malloc(N);
  uint64_t* truth = malloc((size_t)NQ * K * sizeof *truth);
  qv_index* index = hnsw(DIM, QV_METRIC_L2, 42, 0);
  qv_search_params p;
  size_t i, q, n, removed = 0;
  double r, r_before;
  (void)state;
  qvt_mixture_split(N, NQ, DIM, 20, 0.3, 7, &base, &queries);
  add_batch_keys_0_to_n(index, base, N);
  memset(live, 1, N);
  qvt_brute_force_batch(QV_METRIC_L2, base, NULL, NULL, N, DIM, queries, NQ, K, NULL, NULL, truth,
                        NULL, NULL);
  r_before = recall_at(index, queries, NQ, DIM, 128, NULL, NULL, truth, K, NULL, NULL);
  for (i = 0; i < N; ++i) {
    if (i % 10 == 3) {
      assert_int_equal(qv_index_remove(index, i), QV_OK);
      live[i] = 0;
      removed++;
    }
  }
  assert_int_equal(qv_index_count(index, &n), QV_OK);
  assert_int_equal(n, N - removed);
  qv_search_params_init(&p);
  p.ef = 128;
  /* Query with the removed vectors themselves (the hardest case: each is its
   * own nearest neighbour) and with fresh queries, at several k. */
  for (i = 0; i < N; i += 10) {
    uint64_t keys[50];
    size_t found, j;
    assert_int_equal(qv_index_search(index, base + (i + 3) * DIM, 50, &p, keys, NULL, &found),
                     QV_OK);
    assert_int_equal(found, 50);
    for (j = 0; j < found; ++j)
      if (!live[keys[j]]) fail_msg("removed key %llu came back", (unsigned long long)keys[j]);
  }
  qvt_brute_force_batch(QV_METRIC_L2, base, NULL, live, N, DIM, queries, NQ, K, NULL, NULL, truth,
                        NULL, NULL);
  for (q = 0; q < NQ; ++q) {
    uint64_t keys[K];
    size_t found, j;
    assert_int_equal(qv_index_search(index, queries + q * DIM, K, &p, keys, NULL, &found), QV_OK);
    for (j = 0; j < found; ++j) assert_true(live[keys[j]]);
  }
  r = recall_at(index, queries, NQ, DIM, 128, NULL, NULL, truth, K, NULL, NULL);
  printf("[ info     ] recall@10 at ef 128: %.4f before, %.4f after removing 10%% of keys\n",
         r_before, r);
  assert_true(r >= 0.9);
  assert_true(r >= r_before - 0.03);
  /* Removed keys cannot be fetched; the rest can. */
  for (i = 0; i < N; ++i) {
    float got[DIM];
    assert_int_equal(qv_index_get(index, i, got), live[i] ? QV_OK : QV_ERR_NOT_FOUND);
  }
  free(base), free(queries), free(live), free(truth);
  qv_index_free(index);
}

static void test_hnsw_re_add_after_remove_finds_the_new_vector(void** state) {
  enum { DIM = 16 };
  const size_t N = qvt_scaled(2000);
  float* base = qvt_gaussian_vectors(N, DIM, 9);
  float fresh[DIM], got[DIM];
  qv_index* index = hnsw(DIM, QV_METRIC_L2, 42, 0);
  uint64_t keys[K];
  float d[K];
  size_t found, i, n;
  (void)state;
  add_batch_keys_0_to_n(index, base, N);
  for (i = 0; i < DIM; ++i) fresh[i] = 50.0f + (float)i;
  assert_int_equal(qv_index_remove(index, 123), QV_OK);
  assert_int_equal(qv_index_add(index, 123, fresh), QV_OK);
  assert_int_equal(qv_index_count(index, &n), QV_OK);
  assert_int_equal(n, N);
  assert_int_equal(qv_index_get(index, 123, got), QV_OK);
  assert_memory_equal(got, fresh, sizeof got);
  assert_int_equal(qv_index_search(index, fresh, 1, NULL, keys, d, &found), QV_OK);
  assert_int_equal(found, 1);
  assert_int_equal(keys[0], 123);
  assert_true(d[0] == 0.0f);
  /* Searching at the old place does not bring back key 123. */
  assert_int_equal(qv_index_search(index, base + 123 * DIM, K, NULL, keys, d, &found), QV_OK);
  for (i = 0; i < found; ++i) assert_true(keys[i] != 123);
  free(base);
  qv_index_free(index);
}

static void test_hnsw_removing_everything_leaves_searches_empty(void** state) {
  enum { N = 300, DIM = 8 };
  float* base = qvt_gaussian_vectors(N, DIM, 10);
  qv_index* index = hnsw(DIM, QV_METRIC_L2, 42, 0);
  uint64_t keys[K];
  size_t found = 99, i, n;
  (void)state;
  add_batch_keys_0_to_n(index, base, N);
  for (i = 0; i < N; ++i) assert_int_equal(qv_index_remove(index, i), QV_OK);
  assert_int_equal(qv_index_count(index, &n), QV_OK);
  assert_int_equal(n, 0);
  assert_int_equal(qv_index_search(index, base, K, NULL, keys, NULL, &found), QV_OK);
  assert_int_equal(found, 0);
  free(base);
  qv_index_free(index);
}

/* ---- determinism -------------------------------------------------------------------- */

static void assert_same_results(const qv_index* a, const qv_index* b, const float* queries,
                                size_t nq, size_t dim, const char* what) {
  size_t q;
  for (q = 0; q < nq; ++q) {
    uint64_t ka[K], kb[K];
    float da[K], db[K];
    size_t fa, fb;
    assert_int_equal(qv_index_search(a, queries + q * dim, K, NULL, ka, da, &fa), QV_OK);
    assert_int_equal(qv_index_search(b, queries + q * dim, K, NULL, kb, db, &fb), QV_OK);
    if (fa != fb || memcmp(ka, kb, fa * sizeof ka[0]) != 0 ||
        memcmp(da, db, fa * sizeof da[0]) != 0)
      fail_msg("%s: query %zu differs (found %zu vs %zu, first keys %llu vs %llu)", what, q, fa, fb,
               (unsigned long long)ka[0], (unsigned long long)kb[0]);
  }
}

static void test_hnsw_same_seed_and_adds_give_identical_results(void** state) {
  enum { DIM = 32 };
  const size_t N = qvt_scaled(3000), NQ = qvt_scaled(300);
  float* base = qvt_gaussian_mixture(N, DIM, 10, 0.4, 11);
  float* queries = qvt_gaussian_vectors(NQ, DIM, 12);
  qv_index *a = hnsw(DIM, QV_METRIC_L2, 1234, 0), *b = hnsw(DIM, QV_METRIC_L2, 1234, 0);
  size_t i;
  (void)state;
  for (i = 0; i < N; ++i) {
    assert_int_equal(qv_index_add(a, i * 7 + 1, base + i * DIM), QV_OK);
    assert_int_equal(qv_index_add(b, i * 7 + 1, base + i * DIM), QV_OK);
  }
  assert_same_results(a, b, queries, NQ, DIM, "same seed");
  /* A different seed builds a different graph; results may differ, and must
   * still be good, but nothing is asserted about the difference. */
  qv_index_free(a);
  qv_index_free(b);
  free(base), free(queries);
}

static void test_hnsw_batch_on_one_thread_equals_single_adds(void** state) {
  enum { DIM = 32 };
  const size_t N = qvt_scaled(3000), NQ = qvt_scaled(300);
  float* base = qvt_gaussian_mixture(N, DIM, 10, 0.4, 13);
  float* queries = qvt_gaussian_vectors(NQ, DIM, 14);
  qv_index *single = hnsw(DIM, QV_METRIC_L2, 5, 1), *batch = hnsw(DIM, QV_METRIC_L2, 5, 1);
  size_t i;
  (void)state;
  for (i = 0; i < N; ++i) assert_int_equal(qv_index_add(single, i, base + i * DIM), QV_OK);
  add_batch_keys_0_to_n(batch, base, N);
  assert_same_results(single, batch, queries, NQ, DIM, "batch (threads = 1) vs single adds");
  qv_index_free(single);
  qv_index_free(batch);
  free(base), free(queries);
}

static void test_hnsw_parallel_batch_recall_matches_single_adds(void** state) {
  enum { DIM = 32 };
  const size_t N = qvt_scaled(5000), NQ = qvt_scaled(200);
  float *base, *queries;
  uint64_t* truth = malloc((size_t)NQ * K * sizeof *truth);
  qv_index *single = hnsw(DIM, QV_METRIC_L2, 5, 1), *parallel = hnsw(DIM, QV_METRIC_L2, 5, 4);
  double rs, rp;
  size_t i, n;
  (void)state;
  qvt_mixture_split(N, NQ, DIM, 10, 0.4, 15, &base, &queries);
  for (i = 0; i < N; ++i) assert_int_equal(qv_index_add(single, i, base + i * DIM), QV_OK);
  add_batch_keys_0_to_n(parallel, base, N);
  assert_int_equal(qv_index_count(parallel, &n), QV_OK);
  assert_int_equal(n, N);
  qvt_brute_force_batch(QV_METRIC_L2, base, NULL, NULL, N, DIM, queries, NQ, K, NULL, NULL, truth,
                        NULL, NULL);
  rs = recall_at(single, queries, NQ, DIM, 128, NULL, NULL, truth, K, NULL, NULL);
  rp = recall_at(parallel, queries, NQ, DIM, 128, NULL, NULL, truth, K, NULL, NULL);
  printf("[ info     ] recall@10 at ef 128: single adds %.4f, add_batch on 4 threads %.4f\n", rs,
         rp);
  assert_true(rs >= 0.95);
  assert_true(rp >= 0.95);
  assert_true(fabs(rs - rp) <= 0.03);
  qv_index_free(single);
  qv_index_free(parallel);
  free(base), free(queries), free(truth);
}

/* ---- other metrics ------------------------------------------------------------------ */

static void test_hnsw_cosine_and_ip_recall_is_high_and_get_round_trips(void** state) {
  static const qv_metric metrics[] = {QV_METRIC_COSINE, QV_METRIC_IP};
  static const char* const names[] = {"COSINE", "IP"};
  enum { DIM = 32 };
  const size_t N = qvt_scaled(5000), NQ = qvt_scaled(200);
  size_t mi;
  (void)state;
  for (mi = 0; mi < 2; ++mi) {
    float *base, *queries;
    uint64_t* truth = malloc((size_t)NQ * K * sizeof *truth);
    qv_index* index = hnsw(DIM, metrics[mi], 42, 0);
    double r;
    size_t i, j;
    qvt_mixture_split(N, NQ, DIM, 10, 0.4, 17, &base, &queries);
    if (metrics[mi] == QV_METRIC_IP) /* unit vectors, where 1 - dot is a proper dissimilarity */
      for (i = 0; i < N; ++i) {
        double s = 0;
        for (j = 0; j < DIM; ++j) s += (double)base[i * DIM + j] * base[i * DIM + j];
        for (j = 0; j < DIM; ++j) base[i * DIM + j] = (float)(base[i * DIM + j] / sqrt(s));
      }
    add_batch_keys_0_to_n(index, base, N);
    qvt_brute_force_batch(metrics[mi], base, NULL, NULL, N, DIM, queries, NQ, K, NULL, NULL, truth,
                          NULL, NULL);
    r = recall_at(index, queries, NQ, DIM, 128, NULL, NULL, truth, K, NULL, NULL);
    printf("[ info     ] %s recall@10 at ef 128: %.4f\n", names[mi], r);
    assert_true(r >= 0.95);
    for (i = 0; i < N; i += 97) {
      float got[DIM];
      assert_int_equal(qv_index_get(index, i, got), QV_OK);
      for (j = 0; j < DIM; ++j)
        assert_true(fabsf(got[j] - base[i * DIM + j]) <= 1e-5f * fabsf(base[i * DIM + j]) + 1e-6f);
    }
    qv_index_free(index);
    free(base), free(queries), free(truth);
  }
}

/* ---- edge cases -------------------------------------------------------------------- */

static void test_hnsw_empty_index_search_finds_nothing(void** state) {
  qv_index* index = hnsw(8, QV_METRIC_L2, 42, 0);
  float q[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  uint64_t keys[K * 2];
  size_t found = 99, founds[2] = {99, 99}, i;
  (void)state;
  assert_int_equal(qv_index_search(index, q, K, NULL, keys, NULL, &found), QV_OK);
  assert_int_equal(found, 0);
  {
    float qs[16];
    float d[K * 2];
    memcpy(qs, q, sizeof q);
    memcpy(qs + 8, q, sizeof q);
    assert_int_equal(qv_index_search_batch(index, 2, qs, K, NULL, keys, d, founds), QV_OK);
    assert_int_equal(founds[0], 0);
    assert_int_equal(founds[1], 0);
    for (i = 0; i < 2 * K; ++i) {
      assert_true(keys[i] == UINT64_MAX);
      assert_true(isinf(d[i]) && d[i] > 0);
    }
  }
  qv_index_free(index);
}

static void test_hnsw_k_larger_than_count_returns_every_vector(void** state) {
  enum { N = 37, DIM = 8 };
  float* base = qvt_gaussian_vectors(N, DIM, 19);
  qv_index* index = hnsw(DIM, QV_METRIC_L2, 42, 0);
  uint64_t keys[100], want[100];
  float d[100];
  size_t found, i;
  (void)state;
  add_batch_keys_0_to_n(index, base, N);
  assert_int_equal(qv_index_search(index, base + 5 * DIM, 100, NULL, keys, d, &found), QV_OK);
  assert_int_equal(found, N);
  qvt_brute_force(QV_METRIC_L2, base, NULL, NULL, N, DIM, base + 5 * DIM, 100, NULL, NULL, want,
                  NULL);
  for (i = 0; i < N; ++i) {
    assert_int_equal(keys[i], want[i]);
    if (i) assert_true(d[i] >= d[i - 1]);
  }
  /* A single vector. */
  {
    qv_index* one = hnsw(DIM, QV_METRIC_L2, 42, 0);
    assert_int_equal(qv_index_add(one, 99, base), QV_OK);
    assert_int_equal(qv_index_search(one, base + DIM, 5, NULL, keys, d, &found), QV_OK);
    assert_int_equal(found, 1);
    assert_int_equal(keys[0], 99);
    qv_index_free(one);
  }
  free(base);
  qv_index_free(index);
}

/* ---- real data: siftsmall ------------------------------------------------------------ */

static void test_hnsw_recall_on_siftsmall_is_at_least_0_95(void** state) {
  const char* dir = qvt_data_dir();
  char *pb, *pq, *pg;
  float *base = NULL, *queries = NULL;
  int32_t* gt = NULL;
  size_t nb, db, nq, dq, ng, dg, i;
  uint64_t* truth;
  qv_index* index;
  double r, t0;
  (void)state;
  if (!dir) {
    printf("[ SKIPPED  ] QV_DATA_DIR is not set: siftsmall recall not measured\n");
    skip();
  }
  pb = qvt_path_join(dir, "siftsmall/siftsmall_base.fvecs");
  pq = qvt_path_join(dir, "siftsmall/siftsmall_query.fvecs");
  pg = qvt_path_join(dir, "siftsmall/siftsmall_groundtruth.ivecs");
  if (!qvt_file_readable(pb) || !qvt_file_readable(pq) || !qvt_file_readable(pg)) {
    printf("[ SKIPPED  ] siftsmall not found under %s/siftsmall: real-data recall not measured\n",
           dir);
    free(pb), free(pq), free(pg);
    skip();
  }
  base = qvt_read_fvecs(pb, &nb, &db);
  queries = qvt_read_fvecs(pq, &nq, &dq);
  gt = qvt_read_ivecs(pg, &ng, &dg);
  free(pb), free(pq), free(pg);
  assert_non_null(base);
  assert_non_null(queries);
  assert_non_null(gt);
  assert_int_equal(db, dq);
  assert_int_equal(nq, ng);
  assert_true(dg >= K);
  truth = malloc(ng * dg * sizeof *truth);
  for (i = 0; i < ng * dg; ++i) {
    assert_true(gt[i] >= 0 && (size_t)gt[i] < nb);
    truth[i] = (uint64_t)gt[i];
  }
  if (qvt_sanitized()) {
    /* A quarter of the base and half the queries; the file's ground truth
     * then no longer applies, so recompute it exactly for the subset. */
    nb = qvt_scaled(nb);
    nq /= 2;
    dg = K;
    qvt_brute_force_batch(QV_METRIC_L2, base, NULL, NULL, nb, db, queries, nq, K, NULL, NULL, truth,
                          NULL, NULL);
  } else {
    /* The file is the exact answer (ties aside): check it against our
     * brute force on a few queries, so the readers are known good. */
    uint64_t bf[K];
    size_t q, same = 0;
    for (q = 0; q < 5; ++q) {
      qvt_brute_force(QV_METRIC_L2, base, NULL, NULL, nb, db, queries + q * db, K, NULL, NULL, bf,
                      NULL);
      for (i = 0; i < K; ++i) same += bf[i] == truth[q * dg + i];
    }
    assert_true(same >= 5 * K - 2);
  }
  index = hnsw((uint32_t)db, QV_METRIC_L2, 42, 0);
  t0 = qvt_now();
  add_batch_keys_0_to_n(index, base, nb);
  r = recall_at(index, queries, nq, db, 128, NULL, NULL, truth, dg, NULL, NULL);
  printf(
      "[ info     ] siftsmall %zu x %zu, %zu queries: build+search %.2f s, recall@10 at ef "
      "128: %.4f\n",
      nb, db, nq, qvt_now() - t0, r);
  assert_true(r >= 0.95);
  qv_index_free(index);
  free(base), free(queries), free(gt), free(truth);
}

static void test_vecs_readers_round_trip_and_reject_truncated_files(void** state) {
  /* The dataset readers themselves, so a skipped siftsmall run does not hide
   * a broken reader. */
  char path[] = "/tmp/qv_test_vecsXXXXXX";
  float data[6] = {1, 2, 3, 4, 5, 6}, *back;
  int32_t idata[6] = {7, 8, 9, 10, 11, 12}, *iback;
  size_t n = 0, d = 0;
  int fd;
  FILE* f;
  (void)state;
  fd = mkstemp(path);
  assert_true(fd >= 0);
  assert_int_equal(qvt_write_fvecs(path, data, 2, 3), 0);
  back = qvt_read_fvecs(path, &n, &d);
  assert_non_null(back);
  assert_int_equal(n, 2);
  assert_int_equal(d, 3);
  assert_memory_equal(back, data, sizeof data);
  free(back);
  assert_int_equal(qvt_write_ivecs(path, idata, 3, 2), 0);
  iback = qvt_read_ivecs(path, &n, &d);
  assert_non_null(iback);
  assert_int_equal(n, 3);
  assert_int_equal(d, 2);
  assert_memory_equal(iback, idata, sizeof idata);
  free(iback);
  f = fopen(path, "ab"); /* a truncated extra row */
  assert_non_null(f);
  fputc(1, f);
  fclose(f);
  assert_null(qvt_read_ivecs(path, &n, &d));
  close(fd);
  unlink(path);
}

int main(void) {
  const struct CMUnitTest mixture_tests[] = {
      QVT_TIMED(test_hnsw_recall_at_10_on_gaussian_mixture_is_at_least_0_95),
      QVT_TIMED(test_hnsw_larger_ef_does_not_lower_recall),
      QVT_TIMED(test_hnsw_default_ef_comes_from_the_options),
      QVT_TIMED(test_hnsw_ef_below_k_is_raised_to_k),
      QVT_TIMED(test_hnsw_results_are_sorted_and_distances_are_true),
      QVT_TIMED(test_hnsw_search_batch_equals_per_query_search),
      QVT_TIMED(test_hnsw_filtered_search_returns_only_allowed_keys_with_high_recall),
  };
  const struct CMUnitTest tests[] = {
      QVT_TIMED(test_vecs_readers_round_trip_and_reject_truncated_files),
      QVT_TIMED(test_hnsw_recall_on_siftsmall_is_at_least_0_95),
      QVT_TIMED(test_hnsw_removed_keys_never_come_back_and_recall_stays_high),
      QVT_TIMED(test_hnsw_re_add_after_remove_finds_the_new_vector),
      QVT_TIMED(test_hnsw_removing_everything_leaves_searches_empty),
      QVT_TIMED(test_hnsw_same_seed_and_adds_give_identical_results),
      QVT_TIMED(test_hnsw_batch_on_one_thread_equals_single_adds),
      QVT_TIMED(test_hnsw_parallel_batch_recall_matches_single_adds),
      QVT_TIMED(test_hnsw_cosine_and_ip_recall_is_high_and_get_round_trips),
      QVT_TIMED(test_hnsw_empty_index_search_finds_nothing),
      QVT_TIMED(test_hnsw_k_larger_than_count_returns_every_vector),
  };
  int failed;
  if (qvt_sanitized()) {
    mix_n = qvt_scaled(mix_n);
    mix_nq = MIX_NQ_MAX / 2;
    printf("[ info     ] sanitizer build: data sets scaled down 4x\n");
  }
  failed = cmocka_run_group_tests_name("hnsw_mixture_20k", mixture_tests, setup_mixture,
                                       teardown_mixture);
  failed += cmocka_run_group_tests_name("hnsw", tests, NULL, NULL);
  return failed;
}
