/* Extreme finite values: what an index accepts and that every distance it
 * returns for what it accepted is finite and sorted (issue 11, defects 5 and
 * 7). Under L2 and IP a vector (added or a query) may be up to 2^62 long,
 * about 4.6e18, the length within which no float32 distance overflows;
 * longer ones are refused with their length. Under cosine any finite
 * non-zero query is fine, and a stored vector up to FLT_MAX long. */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <quiver/quiver.h>

#include "qv_test_support.h"

static const qv_index_kind kKinds[] = {QV_INDEX_FLAT, QV_INDEX_HNSW};
#define NKINDS (sizeof kKinds / sizeof kKinds[0])
static const char* const kKindNames[] = {"FLAT", "HNSW"};

#define BOUND 0x1p62 /* the longest L2 / IP vector */

static const char* metric_name(qv_metric m) {
  return m == QV_METRIC_L2 ? "L2" : m == QV_METRIC_IP ? "IP" : "cosine";
}

static double length_of(const float* v, size_t dim) {
  double s = 0.0;
  size_t i;
  for (i = 0; i < dim; ++i) s += (double)v[i] * v[i];
  return sqrt(s);
}

/* The call failed with INVALID_ARGUMENT and a message naming the length and
 * `needle` (the key or the query). */
static void expect_length_refusal(qv_status s, const char* needle, const char* call, int line) {
  const char* msg = qv_last_error();
  if (s != QV_ERR_INVALID_ARGUMENT)
    fail_msg("line %d: %s returned %s, expected INVALID_ARGUMENT (message: \"%s\")", line, call,
             qv_status_string(s), msg);
  if (!qvt_contains_nocase(msg, "length") || !qvt_contains_nocase(msg, "scale") ||
      (needle && !qvt_contains(msg, needle)) || qvt_contains_nocase(msg, "zero"))
    fail_msg(
        "line %d: %s: the message \"%s\" should give the length, say to scale the data "
        "and name \"%s\" (and not call the vector zero)",
        line, call, msg, needle ? needle : "");
}
#define EXPECT_LENGTH_REFUSAL(needle, call) expect_length_refusal((call), (needle), #call, __LINE__)

/* Every distance finite and sorted ascending, and close to the double
 * precision distance of the key's vector. */
static void check_hits(qv_metric metric, const float* query, const float* base, size_t dim,
                       const uint64_t* keys, const float* dist, size_t found, const char* what) {
  size_t i;
  for (i = 0; i < found; ++i) {
    const float* v = base + keys[i] * dim;
    const double want = qvt_distance(metric, query, v, dim);
    const double scale = metric == QV_METRIC_COSINE
                             ? 2.0
                             : (length_of(query, dim) + length_of(v, dim)) *
                                   (length_of(query, dim) + length_of(v, dim));
    if (!isfinite(dist[i]))
      fail_msg("%s: hit %zu (key %llu) has distance %g", what, i, (unsigned long long)keys[i],
               (double)dist[i]);
    if (i && !(dist[i - 1] <= dist[i]))
      fail_msg("%s: distances not sorted ascending: %g then %g", what, (double)dist[i - 1],
               (double)dist[i]);
    if (!(fabs(dist[i] - want) <= 1e-5 * scale + 1e-5))
      fail_msg("%s: key %llu at distance %.9g, want %.9g", what, (unsigned long long)keys[i],
               (double)dist[i], want);
  }
}

/* ---- the probe: large values of mixed sign ------------------------ */

/* Gaussian vectors scaled by 10^0 .. 10^30 (the longer ones past the bound):
 * every search result of what was accepted is finite and sorted, FLAT finds
 * k of them, and an exact-match query finds its vector at distance 0 (L2).
 * Before the limit IP gave NaN distances and broken order on HNSW, and FLAT
 * silently dropped the NaN and infinite ones. */
static void test_large_mixed_sign_values_give_finite_sorted_distances(void** state) {
  static const qv_metric metrics[] = {QV_METRIC_IP, QV_METRIC_L2};
  enum { N = 400, DIM = 16, NQ = 60, K = 10 };
  size_t m, kind;
  (void)state;
  for (m = 0; m < 2; ++m)
    for (kind = 0; kind < NKINDS; ++kind) {
      qv_index* index = qvt_create_index(DIM, metrics[m], kKinds[kind]);
      float* base = qvt_gaussian_vectors(N, DIM, 501);
      float* queries = qvt_gaussian_vectors(NQ, DIM, 502);
      qvt_rng rng;
      size_t i, j, accepted = 0, refused = 0, searched = 0, self_found = 0;
      char what[96];
      qv_search_params params;
      qv_search_params_init(&params);
      params.ef = 200;
      qvt_rng_seed(&rng, 503);
      for (i = 0; i < N; ++i) {
        const float scale = (float)pow(10.0, 30.0 * qvt_rng_uniform(&rng));
        char key[32];
        qv_status s;
        for (j = 0; j < DIM; ++j) base[i * DIM + j] *= scale;
        s = qv_index_add(index, i, base + i * DIM);
        snprintf(key, sizeof key, "%zu", i);
        if (s == QV_OK) {
          ++accepted;
        } else {
          EXPECT_LENGTH_REFUSAL(key, s);
          assert_true(length_of(base + i * DIM, DIM) > BOUND);
          ++refused;
        }
      }
      assert_true(accepted >= N / 3);
      for (i = 0; i < NQ + N; ++i) {
        /* NQ scaled queries, then every vector as its own query. */
        float* q = i < NQ ? queries + i * DIM : base + (i - NQ) * DIM;
        uint64_t keys[K];
        float dist[K];
        size_t found = 0;
        qv_status s;
        if (i < NQ) {
          const float scale = (float)pow(10.0, 30.0 * qvt_rng_uniform(&rng));
          for (j = 0; j < DIM; ++j) q[j] *= scale;
        }
        s = qv_index_search(index, q, K, &params, keys, dist, &found);
        if (s != QV_OK) {
          EXPECT_LENGTH_REFUSAL("query", s);
          continue;
        }
        ++searched;
        snprintf(what, sizeof what, "%s %s query %zu", metric_name(metrics[m]), kKindNames[kind],
                 i);
        assert_int_equal(found, K);
        check_hits(metrics[m], q, base, DIM, keys, dist, found, what);
        if (i >= NQ && metrics[m] == QV_METRIC_L2 && dist[0] == 0.0f) ++self_found;
      }
      assert_true(searched >= accepted);
      if (metrics[m] == QV_METRIC_L2) {
        /* FLAT is exact; HNSW at ef 200 over a few hundred vectors nearly so. */
        if (kKinds[kind] == QV_INDEX_FLAT)
          assert_int_equal(self_found, accepted);
        else
          assert_true(self_found * 100 >= accepted * 95);
      }
      (void)refused;
      free(base);
      free(queries);
      qv_index_free(index);
    }
}

/* ---- L2 and IP: the length bound ------------------------------------------ */

/* The L2 case: +-1e38 values made infinite distances and HNSW missed
 * an exact match FLAT found. Such vectors are refused, as adds, batch rows
 * and queries, with their length; nothing is added. */
static void test_values_of_1e38_are_refused_with_their_length(void** state) {
  static const qv_metric metrics[] = {QV_METRIC_L2, QV_METRIC_IP};
  enum { DIM = 8 };
  size_t m, kind, j;
  (void)state;
  for (m = 0; m < 2; ++m)
    for (kind = 0; kind < NKINDS; ++kind) {
      qv_index* index = qvt_create_index(DIM, metrics[m], kKinds[kind]);
      float huge[DIM], ok[DIM], batch[3 * DIM], queries[3 * DIM], dist[2];
      uint64_t keys[3] = {11, 12, 13}, out[6];
      size_t found[3], count = 99;
      for (j = 0; j < DIM; ++j) {
        huge[j] = j % 2 ? -1e38f : 1e38f;
        ok[j] = (float)j - 3.0f;
      }
      EXPECT_LENGTH_REFUSAL("7", qv_index_add(index, 7, huge));
      memcpy(batch, ok, sizeof ok);
      memcpy(batch + DIM, huge, sizeof huge); /* key 12 */
      memcpy(batch + 2 * DIM, ok, sizeof ok);
      EXPECT_LENGTH_REFUSAL("12", qv_index_add_batch(index, 3, keys, batch));
      assert_int_equal(qv_index_count(index, &count), QV_OK);
      assert_int_equal(count, 0);
      assert_int_equal(qv_index_add(index, 1, ok), QV_OK);
      EXPECT_LENGTH_REFUSAL("query", qv_index_search(index, huge, 2, NULL, out, dist, found));
      memcpy(queries, ok, sizeof ok);
      memcpy(queries + DIM, ok, sizeof ok);
      memcpy(queries + 2 * DIM, huge, sizeof huge); /* query 2 */
      EXPECT_LENGTH_REFUSAL("query 2",
                            qv_index_search_batch(index, 3, queries, 2, NULL, out, NULL, found));
      qv_index_free(index);
    }
}

/* Exactly 2^62 long is accepted (one element, or four of 2^61), one float
 * step more is refused; vectors at the bound of opposite signs give the
 * largest distances, still finite and sorted, and an exact match is found
 * at distance 0 under L2. */
static void test_the_bound_is_2_pow_62_inclusive(void** state) {
  static const qv_metric metrics[] = {QV_METRIC_L2, QV_METRIC_IP};
  enum { DIM = 4 };
  size_t m, kind;
  (void)state;
  for (m = 0; m < 2; ++m)
    for (kind = 0; kind < NKINDS; ++kind) {
      const float big = 0x1p62f, half = 0x1p61f;
      qv_index* index = qvt_create_index(DIM, metrics[m], kKinds[kind]);
      float base[4 * DIM] = {0};
      float over1[DIM] = {0}, over4[DIM];
      uint64_t keys[4];
      float dist[4];
      size_t found = 0;
      char what[64];
      base[0] = big;                            /* key 0: +2^62 e0 */
      base[DIM] = -big;                         /* key 1: -2^62 e0 */
      base[2 * DIM] = base[2 * DIM + 1] = half; /* key 2: four of 2^61 */
      base[2 * DIM + 2] = base[2 * DIM + 3] = half;
      base[3 * DIM + 1] = base[3 * DIM + 3] = -half; /* key 3: mixed signs */
      base[3 * DIM] = base[3 * DIM + 2] = half;
      over1[0] = nextafterf(big, INFINITY);
      over4[0] = over4[1] = over4[2] = half;
      over4[3] = -nextafterf(half, INFINITY);
      assert_int_equal(qv_index_add(index, 0, base), QV_OK);
      assert_int_equal(qv_index_add(index, 1, base + DIM), QV_OK);
      assert_int_equal(qv_index_add(index, 2, base + 2 * DIM), QV_OK);
      assert_int_equal(qv_index_add(index, 3, base + 3 * DIM), QV_OK);
      EXPECT_LENGTH_REFUSAL("8", qv_index_add(index, 8, over1));
      EXPECT_LENGTH_REFUSAL("9", qv_index_add(index, 9, over4));
      EXPECT_LENGTH_REFUSAL("query", qv_index_search(index, over1, 4, NULL, keys, dist, &found));
      EXPECT_LENGTH_REFUSAL("query", qv_index_search(index, over4, 4, NULL, keys, dist, &found));
      for (size_t q = 0; q < 4; ++q) {
        snprintf(what, sizeof what, "%s %s query key %zu", metric_name(metrics[m]),
                 kKindNames[kind], q);
        assert_int_equal(qv_index_search(index, base + q * DIM, 4, NULL, keys, dist, &found),
                         QV_OK);
        assert_int_equal(found, 4);
        check_hits(metrics[m], base + q * DIM, base, DIM, keys, dist, found, what);
        if (metrics[m] == QV_METRIC_L2) {
          assert_int_equal(keys[0], q);
          assert_true(dist[0] == 0.0f);
        }
      }
      /* The extremes, exactly: L2 (2^63)^2 = 2^126; IP 1 -+ 2^124. */
      assert_int_equal(qv_index_search(index, base, 4, NULL, keys, dist, &found), QV_OK);
      if (metrics[m] == QV_METRIC_L2) {
        assert_int_equal(keys[3], 1);
        assert_true(dist[3] == 0x1p126f);
      } else {
        assert_int_equal(keys[0], 0);
        assert_true(dist[0] == 1.0f - 0x1p124f);
        assert_int_equal(keys[3], 1);
        assert_true(dist[3] == 1.0f + 0x1p124f);
      }
      qv_index_free(index);
    }
}

/* Subnormal values are ordinary values: accepted by every metric, distances
 * finite, and an exact match found first. */
static void test_subnormal_vectors_are_accepted_and_found(void** state) {
  static const qv_metric metrics[] = {QV_METRIC_L2, QV_METRIC_IP, QV_METRIC_COSINE};
  enum { DIM = 8, N = 6 };
  size_t m, kind, i, j;
  (void)state;
  for (m = 0; m < 3; ++m)
    for (kind = 0; kind < NKINDS; ++kind) {
      qv_index* index = qvt_create_index(DIM, metrics[m], kKinds[kind]);
      float base[N * DIM];
      char what[64];
      for (i = 0; i < N; ++i)
        for (j = 0; j < DIM; ++j) {
          /* 1e-45 (the smallest) to 1e-39, mixed signs; row 5 is normal. */
          const float tiny =
              (float)(0x1p-149 * (double)(1 + (i * 7 + j * 3) % 11) * pow(10.0, (double)i));
          base[i * DIM + j] = i == N - 1 ? (float)j + 1.0f : (j % 3 == i % 3 ? -tiny : tiny);
        }
      for (i = 0; i < N; ++i) assert_int_equal(qv_index_add(index, i, base + i * DIM), QV_OK);
      for (i = 0; i < N; ++i) {
        uint64_t keys[N];
        float dist[N], got[DIM];
        size_t found = 0;
        snprintf(what, sizeof what, "%s %s query key %zu", metric_name(metrics[m]),
                 kKindNames[kind], i);
        assert_int_equal(qv_index_search(index, base + i * DIM, N, NULL, keys, dist, &found),
                         QV_OK);
        assert_int_equal(found, N);
        check_hits(metrics[m], base + i * DIM, base, DIM, keys, dist, found, what);
        if (metrics[m] == QV_METRIC_COSINE) {
          assert_int_equal(keys[0], i);
          assert_true(fabsf(dist[0]) <= 1e-6f);
        } else if (metrics[m] == QV_METRIC_L2) {
          /* Squares of subnormal differences underflow to 0: ties with i. */
          size_t at = 0;
          while (at < found && keys[at] != i && dist[at] == 0.0f) ++at;
          assert_true(at < found && keys[at] == i && dist[at] == 0.0f);
        }
        assert_int_equal(qv_index_get(index, i, got), QV_OK);
        for (j = 0; j < DIM; ++j) assert_true(isfinite(got[j]));
      }
      qv_index_free(index);
    }
}

/* ---- cosine --------------------------------------------------------------- */

/* Under cosine only the direction matters: a query of 1e38 values (length
 * above FLT_MAX) is accepted and finds the vector of the same direction at
 * distance ~0 (it was refused as "zero length"); stored vectors of 1e38 and
 * 8e37 values up to FLT_MAX long are kept, found, given back and saved; a
 * longer stored one is refused with its length, not called zero. */
static void test_cosine_takes_huge_values(void** state) {
  enum { DIM = 16 };
  char dir_template[] = "/tmp/qv_extreme_XXXXXX";
  char* dir = mkdtemp(dir_template);
  char* path;
  size_t kind, i, j;
  (void)state;
  assert_non_null(dir);
  path = qvt_path_join(dir, "cosine.qv");
  for (kind = 0; kind < NKINDS; ++kind) {
    qv_index* index = qvt_create_index(DIM, QV_METRIC_COSINE, kKinds[kind]);
    qv_index* back = NULL;
    float base[3 * DIM], query[DIM], huge[DIM], got[DIM], dist[3];
    uint64_t keys[3];
    size_t found = 0;
    for (j = 0; j < DIM; ++j) {
      const float sign = j % 3 ? 1.0f : -1.0f;
      base[j] = sign * 1e-3f * (float)(j + 1);      /* key 0: small */
      base[DIM + j] = j < 8 ? sign * 1e38f : 0.0f;  /* key 1: 2.8e38 long */
      base[2 * DIM + j] = (j % 2 ? -8e37f : 8e37f); /* key 2: 3.2e38 long */
      huge[j] = j % 2 ? -1e38f : 1e38f;             /* 4e38: past FLT_MAX */
    }
    for (i = 0; i < 3; ++i) {
      assert_true(length_of(base + i * DIM, DIM) <= FLT_MAX);
      assert_int_equal(qv_index_add(index, i, base + i * DIM), QV_OK);
    }
    EXPECT_LENGTH_REFUSAL("5", qv_index_add(index, 5, huge));
    /* The direction of key 0, at a length past FLT_MAX. */
    for (j = 0; j < DIM; ++j) query[j] = (float)((double)base[j] * 1.5e40);
    assert_true(length_of(query, DIM) > FLT_MAX);
    if (qv_index_search(index, query, 3, NULL, keys, dist, &found) != QV_OK)
      fail_msg("%s: a query of length %g was refused: %s", kKindNames[kind], length_of(query, DIM),
               qv_last_error());
    assert_int_equal(found, 3);
    assert_int_equal(keys[0], 0);
    assert_true(fabsf(dist[0]) <= 1e-6f);
    check_hits(QV_METRIC_COSINE, query, base, DIM, keys, dist, found, "cosine huge query");
    /* The 2^62-bound of L2 / IP does not apply; huge is the direction of key 2. */
    assert_int_equal(qv_index_search_batch(index, 1, huge, 3, NULL, keys, dist, &found), QV_OK);
    assert_int_equal(keys[0], 2);
    assert_true(fabsf(dist[0]) <= 1e-6f);
    for (i = 0; i < 3; ++i) {
      assert_int_equal(qv_index_search(index, base + i * DIM, 1, NULL, keys, dist, &found), QV_OK);
      assert_int_equal(keys[0], i);
      assert_true(fabsf(dist[0]) <= 1e-6f);
      assert_int_equal(qv_index_get(index, i, got), QV_OK);
      for (j = 0; j < DIM; ++j)
        assert_true(isfinite(got[j]) &&
                    fabs((double)got[j] - base[i * DIM + j]) <=
                        1e-6 * fabs(base[i * DIM + j]) + 1e-6 * length_of(base + i * DIM, DIM));
    }
    assert_int_equal(qv_index_save(index, path), QV_OK);
    if (qv_index_open(path, QV_OPEN_LOAD, &back) != QV_OK)
      fail_msg("the saved index does not reopen: %s", qv_last_error());
    assert_int_equal(qv_index_get(back, 1, got), QV_OK);
    assert_true(fabsf(got[0] / base[DIM] - 1.0f) <= 1e-6f);
    qv_index_free(back);
    qv_index_free(index);
    unlink(path);
  }
  rmdir(dir);
  free(path);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      QVT_TIMED(test_large_mixed_sign_values_give_finite_sorted_distances),
      QVT_TIMED(test_values_of_1e38_are_refused_with_their_length),
      QVT_TIMED(test_the_bound_is_2_pow_62_inclusive),
      QVT_TIMED(test_subnormal_vectors_are_accepted_and_found),
      QVT_TIMED(test_cosine_takes_huge_values),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
