/* Every error path of the index API: each check asserts the status, that the
 * call wrote its own message to qv_last_error() (a different message is
 * primed first), and that the message names what was wrong. Mutations that
 * fail must leave the index unchanged. */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <quiver/quiver.h>

#include "qv_test_support.h"

#define DIM 8

static const qv_index_kind kKinds[] = {QV_INDEX_FLAT, QV_INDEX_HNSW};
#define NKINDS (sizeof kKinds / sizeof kKinds[0])

/* ---- helpers ------------------------------------------------------------ */

static char primed[1024];

/* Makes the last error a known message that no check below expects, so a
 * check can tell that the call under test replaced it. */
static void prime_error(void) {
  qv_index* index = qvt_create_index(2, QV_METRIC_L2, QV_INDEX_FLAT);
  qv_status s;
  if (!index) abort();
  s = qv_index_remove(index, 987654321987ULL);
  if (s != QV_ERR_NOT_FOUND) abort();
  snprintf(primed, sizeof primed, "%s", qv_last_error());
  qv_index_free(index);
}

/* Is `word` in `text` as a whole word (not inside a longer identifier)? */
static int mentions_word(const char* text, const char* word) {
  size_t n = strlen(word);
  const char* p = text;
  while ((p = strstr(p, word)) != NULL) {
    int before = p == text || !(isalnum((unsigned char)p[-1]) || p[-1] == '_');
    int after = !(isalnum((unsigned char)p[n]) || p[n] == '_');
    if (before && after) return 1;
    p += 1;
  }
  return 0;
}

static void check_error(qv_status got, qv_status want, const char* needle1, const char* needle2,
                        const char* call, const char* file, int line) {
  const char* msg = qv_last_error();
  if (got != want) {
    print_error("%s\n  returned %s, expected %s (message: \"%s\")\n", call, qv_status_string(got),
                qv_status_string(want), msg ? msg : "(null)");
    _fail(file, line);
  }
  if (msg == NULL || msg[0] == '\0') {
    print_error("%s\n  returned %s but qv_last_error() is empty\n", call, qv_status_string(got));
    _fail(file, line);
  }
  if (strcmp(msg, primed) == 0) {
    print_error("%s\n  did not set its own message (still \"%s\")\n", call, msg);
    _fail(file, line);
  }
  if ((needle1 && !qvt_contains_nocase(msg, needle1)) ||
      (needle2 && !qvt_contains_nocase(msg, needle2))) {
    print_error("%s\n  message \"%s\" should mention \"%s\"%s%s%s\n", call, msg, needle1,
                needle2 ? " and \"" : "", needle2 ? needle2 : "", needle2 ? "\"" : "");
    _fail(file, line);
  }
}

/* EXPECT_ERROR(status, "needle" or NULL, "needle2" or NULL, call) */
#define EXPECT_ERROR(want, needle1, needle2, call)                            \
  do {                                                                        \
    qv_status s_;                                                             \
    prime_error();                                                            \
    s_ = (call);                                                              \
    check_error(s_, (want), (needle1), (needle2), #call, __FILE__, __LINE__); \
  } while (0)

static qv_index_options options(uint32_t dim, qv_metric metric, qv_index_kind kind) {
  qv_index_options o;
  qv_index_options_init(&o);
  o.dim = dim;
  o.metric = metric;
  o.kind = kind;
  return o;
}

static qv_index* make(qv_metric metric, qv_index_kind kind) {
  qv_index* index = qvt_create_index(DIM, metric, kind);
  assert_non_null(index);
  return index;
}

static void vec(float* v, float base) {
  int i;
  for (i = 0; i < DIM; ++i) v[i] = base + 0.25f * (float)i;
}

static size_t count_of(const qv_index* index) {
  size_t n = (size_t)-1;
  assert_int_equal(qv_index_count(index, &n), QV_OK);
  return n;
}

static void expect_create_fails(const qv_index_options* o, const char* needle1, const char* needle2,
                                int line) {
  qv_index* sentinel = (qv_index*)(uintptr_t)0x1234;
  qv_index* out = sentinel;
  qv_status s;
  prime_error();
  s = qv_index_create(o, &out);
  check_error(s, QV_ERR_INVALID_ARGUMENT, needle1, needle2, "qv_index_create", __FILE__, line);
  /* On failure the out-parameter is left untouched. */
  if (out != sentinel) {
    print_error("qv_index_create changed *out on failure\n");
    _fail(__FILE__, line);
  }
}

static void expect_create_ok(const qv_index_options* o, int line) {
  qv_index* out = NULL;
  qv_status s = qv_index_create(o, &out);
  if (s != QV_OK || out == NULL) {
    print_error("qv_index_create returned %s (%s), expected QV_OK\n", qv_status_string(s),
                qv_last_error());
    _fail(__FILE__, line);
  }
  qv_index_free(out);
}

/* ---- create ------------------------------------------------------------- */

static void test_create_rejects_null_arguments(void** state) {
  qv_index_options o = options(DIM, QV_METRIC_L2, QV_INDEX_HNSW);
  qv_index *sentinel = (qv_index*)(uintptr_t)0x5678, *out = sentinel;
  (void)state;
  EXPECT_ERROR(QV_ERR_INVALID_ARGUMENT, "out", NULL, qv_index_create(&o, NULL));
  EXPECT_ERROR(QV_ERR_INVALID_ARGUMENT, "options", NULL, qv_index_create(NULL, &out));
  assert_ptr_equal(out, sentinel);
}

static void test_create_rejects_dim_zero_and_above_max(void** state) {
  size_t i;
  (void)state;
  for (i = 0; i < NKINDS; ++i) {
    qv_index_options o = options(0, QV_METRIC_L2, kKinds[i]);
    expect_create_fails(&o, "dim", NULL, __LINE__);
    o.dim = QV_MAX_DIM + 1;
    expect_create_fails(&o, "dim", "65537", __LINE__);
    o.dim = UINT32_MAX;
    expect_create_fails(&o, "dim", NULL, __LINE__);
    /* The bounds themselves are fine. */
    o.dim = 1;
    expect_create_ok(&o, __LINE__);
    o.dim = QV_MAX_DIM;
    expect_create_ok(&o, __LINE__);
  }
}

static void test_create_rejects_unknown_metric_and_kind(void** state) {
  qv_index_options o = options(DIM, QV_METRIC_L2, QV_INDEX_HNSW);
  (void)state;
  /* Unknown values inside the enums' value range (0 .. 3). */
  o.metric = (qv_metric)0;
  expect_create_fails(&o, "metric", NULL, __LINE__);
  o = options(DIM, QV_METRIC_L2, (qv_index_kind)0);
  expect_create_fails(&o, "kind", NULL, __LINE__);
  o.kind = (qv_index_kind)3;
  expect_create_fails(&o, "kind", NULL, __LINE__);
}

/* A C caller may store any int in an enum field (in C an enum object is just
 * an integer). The library must reject such values, not misbehave on them.
 * Kept last in this program: UBSan aborts the process if the library loads
 * such a field as its C++ enum type. */
static void test_create_rejects_metric_and_kind_beyond_the_enum_range(void** state) {
  static const int bad[] = {4, 5, 100, -1, 0x7fffffff};
  size_t i;
  (void)state;
  for (i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
    qv_index_options o = options(DIM, QV_METRIC_L2, QV_INDEX_HNSW);
    int v = bad[i];
    memcpy(&o.metric, &v, sizeof v < sizeof o.metric ? sizeof v : sizeof o.metric);
    expect_create_fails(&o, "metric", NULL, __LINE__);
    o = options(DIM, QV_METRIC_L2, QV_INDEX_HNSW);
    memcpy(&o.kind, &v, sizeof v < sizeof o.kind ? sizeof v : sizeof o.kind);
    expect_create_fails(&o, "kind", NULL, __LINE__);
  }
}

static void test_create_rejects_hnsw_m_out_of_range(void** state) {
  qv_index_options o = options(DIM, QV_METRIC_L2, QV_INDEX_HNSW);
  (void)state;
  o.hnsw_m = 1;
  expect_create_fails(&o, "hnsw_m", NULL, __LINE__);
  o.hnsw_m = 300;
  expect_create_fails(&o, "hnsw_m", "300", __LINE__);
  o.hnsw_m = 0;
  expect_create_fails(&o, "hnsw_m", NULL, __LINE__);
  o.hnsw_m = 257;
  expect_create_fails(&o, "hnsw_m", NULL, __LINE__);
  o.hnsw_m = 2;
  expect_create_ok(&o, __LINE__);
  o.hnsw_m = 256;
  expect_create_ok(&o, __LINE__);
}

static void test_create_rejects_zero_ef(void** state) {
  qv_index_options o = options(DIM, QV_METRIC_L2, QV_INDEX_HNSW);
  (void)state;
  o.hnsw_ef_construction = 0;
  expect_create_fails(&o, "ef_construction", NULL, __LINE__);
  o = options(DIM, QV_METRIC_L2, QV_INDEX_HNSW);
  o.hnsw_ef_search = 0;
  expect_create_fails(&o, "ef_search", NULL, __LINE__);
  o = options(DIM, QV_METRIC_L2, QV_INDEX_HNSW);
  o.hnsw_ef_construction = 1;
  o.hnsw_ef_search = 1;
  expect_create_ok(&o, __LINE__);
}

static void test_create_rejects_unknown_options_struct_size(void** state) {
  size_t i;
  (void)state;
  for (i = 0; i < NKINDS; ++i) {
    qv_index_options o = options(DIM, QV_METRIC_L2, kKinds[i]);
    o.struct_size = 0;
    expect_create_fails(&o, "struct_size", NULL, __LINE__);
    o.struct_size = (uint32_t)sizeof(qv_index_options) - 4;
    expect_create_fails(&o, "struct_size", NULL, __LINE__);
    o.struct_size = (uint32_t)sizeof(qv_index_options) + 8;
    expect_create_fails(&o, "struct_size", NULL, __LINE__);
  }
}

/* ---- NULL handles and pointers ------------------------------------------ */

static void test_every_call_rejects_a_null_index(void** state) {
  float v[DIM], out[DIM];
  uint64_t keys[4];
  size_t found, n;
  uint32_t dim;
  (void)state;
  vec(v, 1.0f);
  EXPECT_ERROR(QV_ERR_INVALID_ARGUMENT, "index", NULL, qv_index_add(NULL, 1, v));
  EXPECT_ERROR(QV_ERR_INVALID_ARGUMENT, "index", NULL, qv_index_add_batch(NULL, 1, keys, v));
  EXPECT_ERROR(QV_ERR_INVALID_ARGUMENT, "index", NULL, qv_index_remove(NULL, 1));
  EXPECT_ERROR(QV_ERR_INVALID_ARGUMENT, "index", NULL, qv_index_count(NULL, &n));
  EXPECT_ERROR(QV_ERR_INVALID_ARGUMENT, "index", NULL, qv_index_dim(NULL, &dim));
  EXPECT_ERROR(QV_ERR_INVALID_ARGUMENT, "index", NULL, qv_index_get(NULL, 1, out));
  EXPECT_ERROR(QV_ERR_INVALID_ARGUMENT, "index", NULL,
               qv_index_search(NULL, v, 4, NULL, keys, NULL, &found));
  EXPECT_ERROR(QV_ERR_INVALID_ARGUMENT, "index", NULL,
               qv_index_search_batch(NULL, 1, v, 4, NULL, keys, NULL, &found));
}

static void test_calls_reject_null_pointers(void** state) {
  size_t i;
  (void)state;
  for (i = 0; i < NKINDS; ++i) {
    qv_index* index = make(QV_METRIC_L2, kKinds[i]);
    float v[DIM];
    uint64_t keys[4] = {1, 2, 3, 4};
    float dists[4];
    size_t found = 0;
    vec(v, 1.0f);
    assert_int_equal(qv_index_add(index, 1, v), QV_OK);

    EXPECT_ERROR(QV_ERR_INVALID_ARGUMENT, "vector", NULL, qv_index_add(index, 2, NULL));
    EXPECT_ERROR(QV_ERR_INVALID_ARGUMENT, "keys", NULL, qv_index_add_batch(index, 1, NULL, v));
    EXPECT_ERROR(QV_ERR_INVALID_ARGUMENT, "vectors", NULL,
                 qv_index_add_batch(index, 1, keys + 1, NULL));
    EXPECT_ERROR(QV_ERR_INVALID_ARGUMENT, "out", NULL, qv_index_count(index, NULL));
    EXPECT_ERROR(QV_ERR_INVALID_ARGUMENT, "out", NULL, qv_index_dim(index, NULL));
    EXPECT_ERROR(QV_ERR_INVALID_ARGUMENT, "vector_out", NULL, qv_index_get(index, 1, NULL));
    EXPECT_ERROR(QV_ERR_INVALID_ARGUMENT, "query", NULL,
                 qv_index_search(index, NULL, 1, NULL, keys, dists, &found));
    EXPECT_ERROR(QV_ERR_INVALID_ARGUMENT, "keys_out", NULL,
                 qv_index_search(index, v, 1, NULL, NULL, dists, &found));
    EXPECT_ERROR(QV_ERR_INVALID_ARGUMENT, "found_out", NULL,
                 qv_index_search(index, v, 1, NULL, keys, dists, NULL));
    EXPECT_ERROR(QV_ERR_INVALID_ARGUMENT, "queries", NULL,
                 qv_index_search_batch(index, 1, NULL, 1, NULL, keys, dists, &found));
    EXPECT_ERROR(QV_ERR_INVALID_ARGUMENT, "keys_out", NULL,
                 qv_index_search_batch(index, 1, v, 1, NULL, NULL, dists, &found));
    EXPECT_ERROR(QV_ERR_INVALID_ARGUMENT, "found_out", NULL,
                 qv_index_search_batch(index, 1, v, 1, NULL, keys, dists, NULL));

    /* None of that changed the index, and the optional outputs really are optional. */
    assert_int_equal(count_of(index), 1);
    assert_int_equal(qv_index_search(index, v, 1, NULL, keys, NULL, &found), QV_OK);
    assert_int_equal(found, 1);
    assert_int_equal(keys[0], 1);
    assert_int_equal(qv_index_search_batch(index, 1, v, 1, NULL, keys, NULL, &found), QV_OK);
    assert_int_equal(found, 1);
    assert_int_equal(keys[0], 1);
    qv_index_free(index);
  }
}

static void test_empty_batches_succeed_without_pointers(void** state) {
  size_t i;
  (void)state;
  for (i = 0; i < NKINDS; ++i) {
    qv_index* index = make(QV_METRIC_L2, kKinds[i]);
    assert_int_equal(qv_index_add_batch(index, 0, NULL, NULL), QV_OK);
    assert_int_equal(qv_index_search_batch(index, 0, NULL, 5, NULL, NULL, NULL, NULL), QV_OK);
    assert_int_equal(count_of(index), 0);
    qv_index_free(index);
  }
}

static void test_free_accepts_null(void** state) {
  (void)state;
  qv_index_free(NULL);
  /* Still alive and the error state is untouched by it. */
  prime_error();
  qv_index_free(NULL);
  assert_string_equal(qv_last_error(), primed);
}

/* ---- search arguments --------------------------------------------------- */

static void test_search_rejects_k_zero(void** state) {
  size_t i;
  (void)state;
  for (i = 0; i < NKINDS; ++i) {
    qv_index* index = make(QV_METRIC_L2, kKinds[i]);
    float v[DIM];
    uint64_t keys[2];
    size_t found = 77;
    vec(v, 0.5f);
    assert_int_equal(qv_index_add(index, 3, v), QV_OK);
    prime_error();
    check_error(qv_index_search(index, v, 0, NULL, keys, NULL, &found), QV_ERR_INVALID_ARGUMENT,
                NULL, NULL, "qv_index_search(k = 0)", __FILE__, __LINE__);
    assert_true(mentions_word(qv_last_error(), "k"));
    prime_error();
    check_error(qv_index_search_batch(index, 1, v, 0, NULL, keys, NULL, &found),
                QV_ERR_INVALID_ARGUMENT, NULL, NULL, "qv_index_search_batch(k = 0)", __FILE__,
                __LINE__);
    assert_true(mentions_word(qv_last_error(), "k"));
    qv_index_free(index);
  }
}

static void test_search_rejects_unknown_params_struct_size(void** state) {
  size_t i;
  (void)state;
  for (i = 0; i < NKINDS; ++i) {
    qv_index* index = make(QV_METRIC_L2, kKinds[i]);
    float v[DIM];
    uint64_t keys[2];
    size_t found;
    qv_search_params p;
    vec(v, 0.5f);
    assert_int_equal(qv_index_add(index, 3, v), QV_OK);
    qv_search_params_init(&p);
    p.struct_size = 0;
    EXPECT_ERROR(QV_ERR_INVALID_ARGUMENT, "struct_size", NULL,
                 qv_index_search(index, v, 1, &p, keys, NULL, &found));
    EXPECT_ERROR(QV_ERR_INVALID_ARGUMENT, "struct_size", NULL,
                 qv_index_search_batch(index, 1, v, 1, &p, keys, NULL, &found));
    p.struct_size = (uint32_t)sizeof(qv_search_params) + 16;
    EXPECT_ERROR(QV_ERR_INVALID_ARGUMENT, "struct_size", NULL,
                 qv_index_search(index, v, 1, &p, keys, NULL, &found));
    EXPECT_ERROR(QV_ERR_INVALID_ARGUMENT, "struct_size", NULL,
                 qv_index_search_batch(index, 1, v, 1, &p, keys, NULL, &found));
    qv_search_params_init(&p);
    assert_int_equal(qv_index_search(index, v, 1, &p, keys, NULL, &found), QV_OK);
    assert_int_equal(found, 1);
    qv_index_free(index);
  }
}

/* ---- non-finite and zero vectors ---------------------------------------- */

static void test_add_rejects_nan_and_inf_and_keeps_the_key_free(void** state) {
  size_t i;
  (void)state;
  for (i = 0; i < NKINDS; ++i) {
    qv_index* index = make(QV_METRIC_L2, kKinds[i]);
    float v[DIM], got[DIM];
    vec(v, 1.0f);
    v[3] = NAN;
    EXPECT_ERROR(QV_ERR_INVALID_ARGUMENT, "NaN", "4242", qv_index_add(index, 4242, v));
    v[3] = INFINITY;
    EXPECT_ERROR(QV_ERR_INVALID_ARGUMENT, "inf", "4242", qv_index_add(index, 4242, v));
    v[3] = 1.0f;
    v[DIM - 1] = -INFINITY;
    EXPECT_ERROR(QV_ERR_INVALID_ARGUMENT, "inf", "4242", qv_index_add(index, 4242, v));
    assert_int_equal(count_of(index), 0);
    assert_int_equal(qv_index_get(index, 4242, got), QV_ERR_NOT_FOUND);
    /* The rejected adds did not claim the key. */
    vec(v, 1.0f);
    assert_int_equal(qv_index_add(index, 4242, v), QV_OK);
    assert_int_equal(count_of(index), 1);
    qv_index_free(index);
  }
}

static void test_add_batch_rejects_nan_and_inf_and_adds_nothing(void** state) {
  size_t i, j;
  (void)state;
  for (i = 0; i < NKINDS; ++i) {
    enum { N = 50 };
    qv_index* index = make(QV_METRIC_L2, kKinds[i]);
    float* v = qvt_gaussian_vectors(N, DIM, 11);
    uint64_t keys[N];
    float got[DIM];
    for (j = 0; j < N; ++j) keys[j] = 1000 + j;
    v[37 * DIM + 5] = NAN; /* key 1037 */
    EXPECT_ERROR(QV_ERR_INVALID_ARGUMENT, "NaN", "1037", qv_index_add_batch(index, N, keys, v));
    v[37 * DIM + 5] = 0.0f;
    v[49 * DIM + 0] = INFINITY; /* key 1049: the last row */
    EXPECT_ERROR(QV_ERR_INVALID_ARGUMENT, "inf", "1049", qv_index_add_batch(index, N, keys, v));
    assert_int_equal(count_of(index), 0);
    for (j = 0; j < N; ++j) assert_int_equal(qv_index_get(index, keys[j], got), QV_ERR_NOT_FOUND);
    /* The same keys are still free. */
    v[49 * DIM + 0] = 1.0f;
    assert_int_equal(qv_index_add_batch(index, N, keys, v), QV_OK);
    assert_int_equal(count_of(index), N);
    free(v);
    qv_index_free(index);
  }
}

static void test_search_rejects_nan_and_inf_queries(void** state) {
  size_t i;
  (void)state;
  for (i = 0; i < NKINDS; ++i) {
    enum { NQ = 5 };
    qv_index* index = make(QV_METRIC_L2, kKinds[i]);
    float* q = qvt_gaussian_vectors(NQ, DIM, 12);
    uint64_t keys[NQ * 2];
    size_t found[NQ];
    assert_int_equal(qv_index_add(index, 1, q), QV_OK);
    q[2] = NAN; /* query 0 */
    EXPECT_ERROR(QV_ERR_INVALID_ARGUMENT, "NaN", "query",
                 qv_index_search(index, q, 2, NULL, keys, NULL, found));
    q[2] = INFINITY;
    EXPECT_ERROR(QV_ERR_INVALID_ARGUMENT, "inf", "query",
                 qv_index_search(index, q, 2, NULL, keys, NULL, found));
    q[2] = 0.0f;
    q[3 * DIM + 7] = NAN; /* query 3 of the batch */
    EXPECT_ERROR(QV_ERR_INVALID_ARGUMENT, "NaN", "3",
                 qv_index_search_batch(index, NQ, q, 2, NULL, keys, NULL, found));
    q[3 * DIM + 7] = -INFINITY;
    EXPECT_ERROR(QV_ERR_INVALID_ARGUMENT, "inf", "3",
                 qv_index_search_batch(index, NQ, q, 2, NULL, keys, NULL, found));
    free(q);
    qv_index_free(index);
  }
}

static void test_cosine_rejects_zero_vectors(void** state) {
  size_t i;
  (void)state;
  for (i = 0; i < NKINDS; ++i) {
    qv_index* index = make(QV_METRIC_COSINE, kKinds[i]);
    float zero[DIM] = {0}, v[DIM], batch[3 * DIM], got[DIM];
    uint64_t keys[3] = {7, 8, 9};
    size_t found[3];
    uint64_t out[6];
    vec(v, 1.0f);
    EXPECT_ERROR(QV_ERR_INVALID_ARGUMENT, "zero", "55", qv_index_add(index, 55, zero));
    memcpy(batch, v, sizeof v);
    memset(batch + DIM, 0, sizeof v); /* key 8 is the zero vector */
    memcpy(batch + 2 * DIM, v, sizeof v);
    EXPECT_ERROR(QV_ERR_INVALID_ARGUMENT, "zero", "8", qv_index_add_batch(index, 3, keys, batch));
    assert_int_equal(count_of(index), 0);
    assert_int_equal(qv_index_get(index, 7, got), QV_ERR_NOT_FOUND);
    assert_int_equal(qv_index_add(index, 1, v), QV_OK);
    EXPECT_ERROR(QV_ERR_INVALID_ARGUMENT, "zero", NULL,
                 qv_index_search(index, zero, 2, NULL, out, NULL, found));
    EXPECT_ERROR(QV_ERR_INVALID_ARGUMENT, "zero", NULL,
                 qv_index_search_batch(index, 3, batch, 2, NULL, out, NULL, found));
    qv_index_free(index);
  }
}

static void test_zero_vectors_are_fine_under_l2_and_ip(void** state) {
  static const qv_metric metrics[] = {QV_METRIC_L2, QV_METRIC_IP};
  size_t i, m;
  (void)state;
  for (m = 0; m < 2; ++m) {
    for (i = 0; i < NKINDS; ++i) {
      qv_index* index = make(metrics[m], kKinds[i]);
      float zero[DIM] = {0};
      uint64_t key = 0;
      size_t found = 0;
      assert_int_equal(qv_index_add(index, 5, zero), QV_OK);
      assert_int_equal(qv_index_search(index, zero, 1, NULL, &key, NULL, &found), QV_OK);
      assert_int_equal(found, 1);
      assert_int_equal(key, 5);
      qv_index_free(index);
    }
  }
}

/* ---- keys --------------------------------------------------------------- */

static void test_add_rejects_a_duplicate_key_and_keeps_the_first_vector(void** state) {
  size_t i;
  (void)state;
  for (i = 0; i < NKINDS; ++i) {
    qv_index* index = make(QV_METRIC_L2, kKinds[i]);
    float a[DIM], b[DIM], got[DIM];
    vec(a, 1.0f);
    vec(b, -3.0f);
    assert_int_equal(qv_index_add(index, 123456789012ULL, a), QV_OK);
    EXPECT_ERROR(QV_ERR_DUPLICATE_KEY, "123456789012", NULL,
                 qv_index_add(index, 123456789012ULL, b));
    assert_int_equal(count_of(index), 1);
    assert_int_equal(qv_index_get(index, 123456789012ULL, got), QV_OK);
    assert_memory_equal(got, a, sizeof a);
    qv_index_free(index);
  }
}

static void test_add_batch_with_duplicate_keys_within_the_batch_adds_nothing(void** state) {
  size_t i, j;
  (void)state;
  for (i = 0; i < NKINDS; ++i) {
    enum { N = 40 };
    qv_index* index = make(QV_METRIC_L2, kKinds[i]);
    float* v = qvt_gaussian_vectors(N, DIM, 13);
    uint64_t keys[N];
    float got[DIM];
    for (j = 0; j < N; ++j) keys[j] = 500 + j;
    keys[31] = 512; /* 512 appears twice */
    EXPECT_ERROR(QV_ERR_DUPLICATE_KEY, "512", NULL, qv_index_add_batch(index, N, keys, v));
    assert_int_equal(count_of(index), 0);
    for (j = 0; j < N; ++j) assert_int_equal(qv_index_get(index, keys[j], got), QV_ERR_NOT_FOUND);
    /* Fix the batch: every key is still free. */
    keys[31] = 531;
    assert_int_equal(qv_index_add_batch(index, N, keys, v), QV_OK);
    assert_int_equal(count_of(index), N);
    free(v);
    qv_index_free(index);
  }
}

static void test_add_batch_with_a_key_already_in_the_index_adds_nothing(void** state) {
  size_t i, j;
  (void)state;
  for (i = 0; i < NKINDS; ++i) {
    enum { N = 40 };
    qv_index* index = make(QV_METRIC_L2, kKinds[i]);
    float* v = qvt_gaussian_vectors(N, DIM, 14);
    uint64_t keys[N];
    float got[DIM];
    for (j = 0; j < N; ++j) keys[j] = 9000 + j;
    assert_int_equal(qv_index_add(index, 9033, v), QV_OK);
    EXPECT_ERROR(QV_ERR_DUPLICATE_KEY, "9033", NULL, qv_index_add_batch(index, N, keys, v));
    assert_int_equal(count_of(index), 1);
    for (j = 0; j < N; ++j) {
      if (keys[j] == 9033) continue;
      assert_int_equal(qv_index_get(index, keys[j], got), QV_ERR_NOT_FOUND);
    }
    /* The keys the failed batch held before it hit 9033 were released. */
    keys[33] = 9999;
    assert_int_equal(qv_index_add_batch(index, N, keys, v), QV_OK);
    assert_int_equal(count_of(index), N + 1);
    free(v);
    qv_index_free(index);
  }
}

static void test_remove_and_get_of_unknown_key_are_not_found(void** state) {
  size_t i;
  (void)state;
  for (i = 0; i < NKINDS; ++i) {
    qv_index* index = make(QV_METRIC_L2, kKinds[i]);
    float v[DIM], got[DIM];
    vec(v, 2.0f);
    EXPECT_ERROR(QV_ERR_NOT_FOUND, "31337", NULL, qv_index_remove(index, 31337));
    EXPECT_ERROR(QV_ERR_NOT_FOUND, "31337", NULL, qv_index_get(index, 31337, got));
    assert_int_equal(qv_index_add(index, 1, v), QV_OK);
    EXPECT_ERROR(QV_ERR_NOT_FOUND, "18446744073709551615", NULL,
                 qv_index_remove(index, UINT64_MAX));
    EXPECT_ERROR(QV_ERR_NOT_FOUND, "2", NULL, qv_index_get(index, 2, got));
    assert_int_equal(count_of(index), 1);
    qv_index_free(index);
  }
}

static void test_remove_twice_is_not_found_the_second_time(void** state) {
  size_t i;
  (void)state;
  for (i = 0; i < NKINDS; ++i) {
    qv_index* index = make(QV_METRIC_L2, kKinds[i]);
    float v[DIM], got[DIM];
    vec(v, 2.0f);
    assert_int_equal(qv_index_add(index, 77, v), QV_OK);
    vec(v, 3.0f);
    assert_int_equal(qv_index_add(index, 78, v), QV_OK);
    assert_int_equal(qv_index_remove(index, 77), QV_OK);
    EXPECT_ERROR(QV_ERR_NOT_FOUND, "77", NULL, qv_index_remove(index, 77));
    EXPECT_ERROR(QV_ERR_NOT_FOUND, "77", NULL, qv_index_get(index, 77, got));
    assert_int_equal(count_of(index), 1);
    qv_index_free(index);
  }
}

/* ---- persistence: argument checks only (storage is not implemented yet) -- */

static void test_persistence_calls_reject_null_arguments(void** state) {
  qv_index* index = make(QV_METRIC_L2, QV_INDEX_HNSW);
  qv_index *sentinel = (qv_index*)(uintptr_t)0x9abc, *out = sentinel;
  (void)state;
  EXPECT_ERROR(QV_ERR_INVALID_ARGUMENT, "index", NULL, qv_index_save(NULL, "/tmp/x.qv"));
  EXPECT_ERROR(QV_ERR_INVALID_ARGUMENT, "path", NULL, qv_index_save(index, NULL));
  EXPECT_ERROR(QV_ERR_INVALID_ARGUMENT, "path", NULL, qv_index_open(NULL, QV_OPEN_LOAD, &out));
  assert_ptr_equal(out, sentinel);
  EXPECT_ERROR(QV_ERR_INVALID_ARGUMENT, "out", NULL,
               qv_index_open("/tmp/x.qv", QV_OPEN_LOAD, NULL));
  EXPECT_ERROR(QV_ERR_INVALID_ARGUMENT, "index", NULL,
               qv_index_export_npy(NULL, "/tmp/v.npy", "/tmp/k.npy"));
  EXPECT_ERROR(QV_ERR_INVALID_ARGUMENT, "path", NULL,
               qv_index_export_npy(index, NULL, "/tmp/k.npy"));
  EXPECT_ERROR(QV_ERR_INVALID_ARGUMENT, "path", NULL,
               qv_index_export_npy(index, "/tmp/v.npy", NULL));
  EXPECT_ERROR(QV_ERR_INVALID_ARGUMENT, "index", NULL,
               qv_index_import_npy(NULL, "/tmp/v.npy", NULL));
  EXPECT_ERROR(QV_ERR_INVALID_ARGUMENT, "path", NULL, qv_index_import_npy(index, NULL, NULL));
  qv_index_free(index);
}

/* ---- the error state itself --------------------------------------------- */

static void test_success_leaves_the_previous_message_in_place(void** state) {
  qv_index* index = make(QV_METRIC_L2, QV_INDEX_FLAT);
  float v[DIM];
  size_t n;
  (void)state;
  vec(v, 1.0f);
  assert_int_equal(qv_index_remove(index, 424242), QV_ERR_NOT_FOUND);
  snprintf(primed, sizeof primed, "%s", qv_last_error());
  assert_true(qvt_contains(primed, "424242"));
  assert_int_equal(qv_index_add(index, 1, v), QV_OK);
  assert_int_equal(qv_index_count(index, &n), QV_OK);
  assert_string_equal(qv_last_error(), primed);
  qv_index_free(index);
}

struct thread_error {
  char message[512];
  qv_status status;
};

static void* fail_on_other_thread(void* arg) {
  struct thread_error* te = (struct thread_error*)arg;
  qv_index_options o = options(0, QV_METRIC_L2, QV_INDEX_FLAT);
  qv_index* out = NULL;
  te->status = qv_index_create(&o, &out);
  snprintf(te->message, sizeof te->message, "%s", qv_last_error());
  return NULL;
}

static void test_last_error_is_per_thread(void** state) {
  pthread_t t;
  struct thread_error te;
  char mine[1024];
  (void)state;
  prime_error();
  snprintf(mine, sizeof mine, "%s", qv_last_error());
  assert_int_equal(pthread_create(&t, NULL, fail_on_other_thread, &te), 0);
  assert_int_equal(pthread_join(t, NULL), 0);
  assert_int_equal(te.status, QV_ERR_INVALID_ARGUMENT);
  assert_true(qvt_contains(te.message, "dim"));
  /* The other thread's failure did not touch this thread's message. */
  assert_string_equal(qv_last_error(), mine);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      QVT_TIMED(test_create_rejects_null_arguments),
      QVT_TIMED(test_create_rejects_dim_zero_and_above_max),
      QVT_TIMED(test_create_rejects_unknown_metric_and_kind),
      QVT_TIMED(test_create_rejects_hnsw_m_out_of_range),
      QVT_TIMED(test_create_rejects_zero_ef),
      QVT_TIMED(test_create_rejects_unknown_options_struct_size),
      QVT_TIMED(test_every_call_rejects_a_null_index),
      QVT_TIMED(test_calls_reject_null_pointers),
      QVT_TIMED(test_empty_batches_succeed_without_pointers),
      QVT_TIMED(test_free_accepts_null),
      QVT_TIMED(test_search_rejects_k_zero),
      QVT_TIMED(test_search_rejects_unknown_params_struct_size),
      QVT_TIMED(test_add_rejects_nan_and_inf_and_keeps_the_key_free),
      QVT_TIMED(test_add_batch_rejects_nan_and_inf_and_adds_nothing),
      QVT_TIMED(test_search_rejects_nan_and_inf_queries),
      QVT_TIMED(test_cosine_rejects_zero_vectors),
      QVT_TIMED(test_zero_vectors_are_fine_under_l2_and_ip),
      QVT_TIMED(test_add_rejects_a_duplicate_key_and_keeps_the_first_vector),
      QVT_TIMED(test_add_batch_with_duplicate_keys_within_the_batch_adds_nothing),
      QVT_TIMED(test_add_batch_with_a_key_already_in_the_index_adds_nothing),
      QVT_TIMED(test_remove_and_get_of_unknown_key_are_not_found),
      QVT_TIMED(test_remove_twice_is_not_found_the_second_time),
      QVT_TIMED(test_persistence_calls_reject_null_arguments),
      QVT_TIMED(test_success_leaves_the_previous_message_in_place),
      QVT_TIMED(test_last_error_is_per_thread),
      QVT_TIMED(test_create_rejects_metric_and_kind_beyond_the_enum_range), /* keep last */
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
