/* HNSW on data full of exact and near duplicates: copies must not capture
 * the graph (issue 11, defect 1). Real corpora hold boilerplate, copied
 * paragraphs and identical embeddings of empty pages.
 *
 * Recall here counts ties: among copies at the same distance any one is a
 * right answer, so a returned key counts when its true distance is within
 * the k-th true distance (the tie-aware recall of ann-benchmarks). */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka.h needs the four headers above first. */
#include <cmocka.h>
#include <math.h>
#include <quiver/quiver.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qv_test_support.h"

#define K 10

static qv_index* hnsw(uint32_t dim, qv_metric metric) {
  qv_index_options o;
  qv_index* index = NULL;
  qv_index_options_init(&o);
  o.dim = dim;
  o.metric = metric;
  o.kind = QV_INDEX_HNSW;
  o.threads = 1; /* the same graph on every machine */
  if (qv_index_create(&o, &index) != QV_OK) fail_msg("create: %s", qv_last_error());
  return index;
}

static void add_rows(qv_index* index, const float* rows, size_t first, size_t n, size_t dim) {
  uint64_t* keys = malloc(n * sizeof *keys);
  size_t i;
  for (i = 0; i < n; ++i) keys[i] = first + i;
  assert_int_equal(qv_index_add_batch(index, n, keys, rows + first * dim), QV_OK);
  free(keys);
}

/* Tie-aware recall@k of `index` over `nq` queries against the live rows of
 * base (key = row). */
static double tie_aware_recall(const qv_index* index, qv_metric metric, const float* base,
                               const unsigned char* live, size_t n, size_t dim,
                               const float* queries, size_t nq, uint32_t ef, size_t* empty) {
  uint64_t truth[K], got[K];
  double truth_dist[K];
  float dist[K];
  size_t q, j, hits = 0, wanted = 0;
  qv_search_params p;
  qv_search_params_init(&p);
  p.ef = ef;
  *empty = 0;
  for (q = 0; q < nq; ++q) {
    const float* query = queries + q * dim;
    size_t found = 0;
    size_t true_found =
        qvt_brute_force(metric, base, NULL, live, n, dim, query, K, NULL, NULL, truth, truth_dist);
    assert_int_equal(qv_index_search(index, query, K, &p, got, dist, &found), QV_OK);
    if (found == 0 && true_found > 0) ++*empty;
    wanted += true_found;
    for (j = 0; j < found; ++j) {
      double d;
      assert_true(got[j] < n);
      assert_true(live == NULL || live[got[j]]);
      d = qvt_distance(metric, base + got[j] * dim, query, dim);
      if (d <= truth_dist[true_found - 1] + 1e-5 * (1.0 + fabs(truth_dist[true_found - 1]))) ++hits;
    }
  }
  return wanted ? (double)hits / (double)wanted : 1.0;
}

/* The probe of the issue: 500 distinct vectors, then 15,000 copies of 13 of
 * them. Every original must still be found by its own vector, and after the
 * copies are removed (no compact) every search must still find it. */
static void originals_survive_a_flood_of_copies(qv_metric metric) {
  const size_t dim = 32, distinct = 500, copies = qvt_scaled(15000), sources = 13;
  const size_t n = distinct + copies;
  float* base = malloc(n * dim * sizeof *base);
  float* gauss = qvt_gaussian_vectors(distinct, dim, 7);
  unsigned char* live = malloc(n);
  qv_index* index = hnsw((uint32_t)dim, metric);
  size_t i, empty = 0, self_found = 0;
  uint64_t key;
  float dist;
  qv_search_params p;
  double before, after;

  memcpy(base, gauss, distinct * dim * sizeof *base);
  for (i = 0; i < copies; ++i)
    memcpy(base + (distinct + i) * dim, gauss + (i % sources) * 37 % distinct * dim,
           dim * sizeof *base);
  memset(live, 1, n);
  add_rows(index, base, 0, distinct, dim);
  add_rows(index, base, distinct, copies, dim);

  qv_search_params_init(&p);
  p.ef = 200;
  for (i = 0; i < distinct; ++i) {
    size_t found = 0;
    assert_int_equal(qv_index_search(index, base + i * dim, 1, &p, &key, &dist, &found), QV_OK);
    if (found == 1 && dist <= 1e-4f) ++self_found;
  }
  before = tie_aware_recall(index, metric, base, live, n, dim, base, distinct, 128, &empty);
  printf(
      "  metric %d, %zu copies of %zu vectors: %zu of %zu originals found at distance 0, "
      "recall@10 %.4f\n",
      (int)metric, copies, sources, self_found, distinct, before);
  assert_int_equal(self_found, distinct);
  assert_true(before >= 0.95);

  for (i = distinct; i < n; ++i) {
    assert_int_equal(qv_index_remove(index, i), QV_OK);
    live[i] = 0;
  }
  after = tie_aware_recall(index, metric, base, live, n, dim, base, distinct, 128, &empty);
  printf("  after removing the copies: recall@10 %.4f, %zu empty searches\n", after, empty);
  assert_int_equal(empty, 0);
  assert_true(after >= 0.95);

  qv_index_free(index);
  free(live);
  free(gauss);
  free(base);
}

static void test_l2_originals_survive_a_flood_of_copies(void** state) {
  (void)state;
  originals_survive_a_flood_of_copies(QV_METRIC_L2);
}

static void test_cosine_originals_survive_a_flood_of_copies(void** state) {
  (void)state;
  originals_survive_a_flood_of_copies(QV_METRIC_COSINE);
}

/* 30% of the vectors are copies (exact, or within `noise`) of 1% of them,
 * added in random order. Recall@10 at ef 128 stays >= 0.95 before and after
 * removing a third of all keys (copies and originals alike), without compact. */
static void heavy_duplication_keeps_recall(qv_metric metric, double noise) {
  const size_t dim = 48, n = qvt_scaled(12000), nq = 300;
  const size_t unique = n * 7 / 10, sources = n / 100;
  float* mix = qvt_gaussian_mixture(unique + nq, dim, 40, 0.3, 11);
  float* base = malloc(n * dim * sizeof *base);
  float* queries = malloc(2 * nq * dim * sizeof *queries);
  unsigned char* live = malloc(n);
  size_t* order = malloc(n * sizeof *order);
  qv_index* index = hnsw((uint32_t)dim, metric);
  qvt_rng rng;
  size_t i, j, empty = 0;
  double before, after;

  qvt_rng_seed(&rng, 5);
  /* Rows 0..unique are distinct; the rest copy one of the first `sources`. */
  memcpy(base, mix, unique * dim * sizeof *base);
  for (i = unique; i < n; ++i) {
    const float* src = base + qvt_rng_below(&rng, sources) * dim;
    for (j = 0; j < dim; ++j) base[i * dim + j] = src[j] + (float)(noise * qvt_rng_gaussian(&rng));
  }
  /* Held-out queries, and queries that are the duplicated vectors themselves. */
  memcpy(queries, mix + unique * dim, nq * dim * sizeof *queries);
  for (i = 0; i < nq; ++i)
    memcpy(queries + (nq + i) * dim, base + (i % sources) * dim, dim * sizeof *queries);

  for (i = 0; i < n; ++i) order[i] = i;
  for (i = n - 1; i > 0; --i) {
    size_t r = qvt_rng_below(&rng, i + 1), t = order[i];
    order[i] = order[r];
    order[r] = t;
  }
  for (i = 0; i < n; ++i) {
    assert_int_equal(qv_index_add(index, order[i], base + order[i] * dim), QV_OK);
    live[i] = 1;
  }
  before = tie_aware_recall(index, metric, base, live, n, dim, queries, 2 * nq, 128, &empty);
  assert_int_equal(empty, 0);

  for (i = 0; i < n; ++i) {
    if (qvt_rng_below(&rng, 3) != 0) continue;
    assert_int_equal(qv_index_remove(index, i), QV_OK);
    live[i] = 0;
  }
  after = tie_aware_recall(index, metric, base, live, n, dim, queries, 2 * nq, 128, &empty);
  printf("  metric %d, noise %g: recall@10 at ef 128 %.4f, after removing a third %.4f\n",
         (int)metric, noise, before, after);
  assert_int_equal(empty, 0);
  assert_true(before >= 0.95);
  assert_true(after >= 0.95);

  qv_index_free(index);
  free(order);
  free(live);
  free(queries);
  free(base);
  free(mix);
}

static void test_l2_exact_copies_keep_recall(void** state) {
  (void)state;
  heavy_duplication_keeps_recall(QV_METRIC_L2, 0.0);
}

static void test_cosine_exact_copies_keep_recall(void** state) {
  (void)state;
  heavy_duplication_keeps_recall(QV_METRIC_COSINE, 0.0);
}

static void test_l2_near_copies_keep_recall(void** state) {
  (void)state;
  heavy_duplication_keeps_recall(QV_METRIC_L2, 1e-4);
}

/* Every vector the same: a search still returns k of them, and removing all
 * but a few leaves those few findable. */
static void test_all_identical_vectors_stay_searchable(void** state) {
  const size_t dim = 8, n = qvt_scaled(3000);
  float v[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  uint64_t keys[K];
  float dist[K];
  size_t i, found = 0;
  qv_index* index = hnsw((uint32_t)dim, QV_METRIC_L2);
  (void)state;
  for (i = 0; i < n; ++i) assert_int_equal(qv_index_add(index, i, v), QV_OK);
  assert_int_equal(qv_index_search(index, v, K, NULL, keys, dist, &found), QV_OK);
  assert_int_equal(found, K);
  for (i = 0; i < K; ++i) assert_true(dist[i] == 0.0f);
  /* Keep every 500th key. */
  for (i = 0; i < n; ++i)
    if (i % 500 != 0) assert_int_equal(qv_index_remove(index, i), QV_OK);
  assert_int_equal(qv_index_search(index, v, K, NULL, keys, dist, &found), QV_OK);
  assert_int_equal(found, (n + 499) / 500);
  for (i = 0; i < found; ++i) assert_int_equal(keys[i] % 500, 0);
  qv_index_free(index);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_l2_originals_survive_a_flood_of_copies),
      cmocka_unit_test(test_cosine_originals_survive_a_flood_of_copies),
      cmocka_unit_test(test_l2_exact_copies_keep_recall),
      cmocka_unit_test(test_cosine_exact_copies_keep_recall),
      cmocka_unit_test(test_l2_near_copies_keep_recall),
      cmocka_unit_test(test_all_identical_vectors_stay_searchable),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
