/* What the fuzzers found, as behaviour the public API keeps. Each test
 * names the finding; the input that found it is in regressions/ and is
 * replayed by fuzz_<target>_replay as well. See README.md. */
#define _DEFAULT_SOURCE

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <quiver/quiver.h>

#include "qv_test_support.h"

/* A fresh directory (malloc'd path). */
static char* scratch(const char* name) {
  const char* tmp = getenv("TMPDIR");
  char* dir = malloc(512);
  assert_non_null(dir);
  snprintf(dir, 512, "%s/qv-findings-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", name);
  assert_non_null(mkdtemp(dir));
  return dir;
}

/* fuzz_capi, create-enum-value-out-of-range: enum arguments were compared
 * through the C++ enum type, which is undefined for values outside the
 * enumerators' range (clang's UBSan: "load of value 2147483648, which is
 * not a valid value for type 'qv_index_kind'"). */
static void test_enum_arguments_outside_the_enum_range_are_rejected(void** state) {
  static const int bad[] = {0, 3, 4, -1, 255, INT_MIN, INT_MAX};
  qv_index_options o;
  qv_index* index = NULL;
  qv_embedder* emb = NULL;
  const char* text = "words";
  float out[8];
  size_t i;
  (void)state;
  for (i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
    qv_index_options_init(&o);
    o.dim = 4;
    o.kind = (qv_index_kind)bad[i];
    assert_int_equal(qv_index_create(&o, &index), QV_ERR_INVALID_ARGUMENT);
    if (bad[i] == QV_METRIC_COSINE) continue; /* 3 is a metric, not a kind */
    qv_index_options_init(&o);
    o.dim = 4;
    o.metric = (qv_metric)bad[i];
    assert_int_equal(qv_index_create(&o, &index), QV_ERR_INVALID_ARGUMENT);
    assert_null(index);
  }
  assert_string_equal(qv_status_string((qv_status)1000), "QV_UNKNOWN_STATUS");
  assert_string_equal(qv_status_string((qv_status)-1), "QV_UNKNOWN_STATUS");
  assert_string_equal(qv_status_string(QV_ERR_INTERNAL), "QV_ERR_INTERNAL");
  assert_int_equal(qv_embedder_create_hashing(8, &emb), QV_OK);
  assert_int_equal(qv_embedder_embed_ex(emb, (qv_embed_task)7, 1, &text, NULL, out),
                   QV_ERR_INVALID_ARGUMENT);
  assert_int_equal(qv_embedder_embed_ex(emb, (qv_embed_task)INT_MIN, 1, &text, NULL, out),
                   QV_ERR_INVALID_ARGUMENT);
  qv_embedder_free(emb);
}

/* fuzz_capi, hnsw-dim3-record-too-short: an HNSW record was sized as
 * links + vector rounded up together, but the vector starts after the
 * links rounded up on their own, so for a dim that is not a multiple of 4
 * each vector overwrote the next node's link header -- its tombstone bit
 * included: added vectors vanished from saves and exports, and files saved
 * did not reopen. */
static void test_hnsw_keeps_every_vector_when_dim_is_not_a_multiple_of_4(void** state) {
  static const uint32_t ms[] = {2, 16, 5};
  const size_t n = 200; /* past the first 64-record chunk: ASan sees its end */
  char* dir = scratch("dims");
  char* path;
  uint32_t dim;
  size_t mi, i;
  (void)state;
  path = qvt_path_join(dir, "index.qv");
  for (dim = 1; dim <= 9; ++dim)
    for (mi = 0; mi < 3; ++mi) {
      float* data = qvt_gaussian_vectors(n, dim, dim * 10 + mi);
      qv_index_options o;
      qv_index *index = NULL, *back = NULL;
      size_t count = 0, found = 0, self = 0;
      float got[16];
      qv_index_options_init(&o);
      o.dim = dim;
      o.hnsw_m = ms[mi];
      o.threads = 1;
      assert_int_equal(qv_index_create(&o, &index), QV_OK);
      for (i = 0; i < n; ++i) assert_int_equal(qv_index_add(index, i, data + i * dim), QV_OK);
      assert_int_equal(qv_index_save(index, path), QV_OK);
      if (qv_index_open(path, QV_OPEN_LOAD, &back) != QV_OK)
        fail_msg("dim %u M %u: the saved index does not reopen: %s", dim, ms[mi], qv_last_error());
      assert_int_equal(qv_index_count(back, &count), QV_OK);
      assert_int_equal(count, n);
      for (i = 0; i < n; ++i) {
        uint64_t key = UINT64_MAX;
        assert_int_equal(qv_index_get(back, i, got), QV_OK);
        assert_memory_equal(got, data + i * dim, dim * sizeof(float));
        assert_int_equal(qv_index_search(back, data + i * dim, 1, NULL, &key, NULL, &found), QV_OK);
        self += key == i;
      }
      /* Tiny dims hold duplicates and ties: most, not all, find themselves. */
      assert_true(self >= n * 8 / 10);
      qv_index_free(back);
      qv_index_free(index);
      free(data);
    }
  unlink(path);
  rmdir(dir);
  free(path);
  free(dir);
}

/* fuzz_capi, cosine-subnormal-vector-normalises-to-inf: under cosine a
 * vector of tiny (subnormal) floats has a norm whose float inverse
 * overflows; the "normalised" vector was infinite, searches returned inf or
 * NaN distances and a saved file did not reopen (its vectors non-finite). */
static void test_cosine_accepts_tiny_vectors_and_keeps_them_finite(void** state) {
  static const qv_index_kind kinds[] = {QV_INDEX_HNSW, QV_INDEX_FLAT};
  char* dir = scratch("tiny");
  char* path;
  size_t k;
  (void)state;
  path = qvt_path_join(dir, "index.qv");
  for (k = 0; k < 2; ++k) {
    qv_index_options o;
    qv_index *index = NULL, *back = NULL;
    const float tiny[3] = {2.5e-44f, -1e-45f, 0.0f};
    const float other[3] = {0.0f, 1.0f, 0.0f};
    const float query[3] = {-1.0f, 0.0f, 0.0f};
    float got[3], dist[2];
    uint64_t keys[2];
    size_t found = 0, i;
    qv_index_options_init(&o);
    o.dim = 3;
    o.kind = kinds[k];
    o.metric = QV_METRIC_COSINE;
    assert_int_equal(qv_index_create(&o, &index), QV_OK);
    assert_int_equal(qv_index_add(index, 1, tiny), QV_OK);
    assert_int_equal(qv_index_add(index, 2, other), QV_OK);
    assert_int_equal(qv_index_search(index, query, 2, NULL, keys, dist, &found), QV_OK);
    assert_int_equal(found, 2);
    for (i = 0; i < found; ++i)
      assert_true(isfinite(dist[i]) && dist[i] >= -1e-6f && dist[i] <= 2.000001f);
    assert_int_equal(keys[1], 1); /* opposite direction: distance near 2 */
    assert_int_equal(qv_index_get(index, 1, got), QV_OK);
    assert_true(isfinite(got[0]) && fabsf(got[0] - tiny[0]) <= 1e-45f);
    assert_int_equal(qv_index_save(index, path), QV_OK);
    if (qv_index_open(path, QV_OPEN_LOAD, &back) != QV_OK)
      fail_msg("the saved index does not reopen: %s", qv_last_error());
    qv_index_free(back);
    qv_index_free(index);
  }
  unlink(path);
  rmdir(dir);
  free(path);
  free(dir);
}

/* fuzz_capi, open-empty-flat-index-memcpy-null and import-empty-npy-memcpy-null:
 * an empty FLAT index file and a (0, dim) .npy passed empty vectors' null
 * data to memcpy (undefined, flagged by UBSan). Both must work. */
static void test_empty_flat_index_and_empty_npy_round_trip(void** state) {
  char* dir = scratch("empty");
  char *path, *vectors, *keys;
  qv_index_options o;
  qv_index *index = NULL, *back = NULL;
  size_t count = 1;
  int mode;
  (void)state;
  path = qvt_path_join(dir, "index.qv");
  vectors = qvt_path_join(dir, "v.npy");
  keys = qvt_path_join(dir, "k.npy");
  qv_index_options_init(&o);
  o.dim = 5;
  o.kind = QV_INDEX_FLAT;
  assert_int_equal(qv_index_create(&o, &index), QV_OK);
  assert_int_equal(qv_index_save(index, path), QV_OK);
  for (mode = QV_OPEN_LOAD; mode <= QV_OPEN_MMAP; ++mode) {
    assert_int_equal(qv_index_open(path, (qv_open_mode)mode, &back), QV_OK);
    assert_int_equal(qv_index_count(back, &count), QV_OK);
    assert_int_equal(count, 0);
    qv_index_free(back);
  }
  assert_int_equal(qv_index_export_npy(index, vectors, keys), QV_OK);
  assert_int_equal(qv_index_import_npy(index, vectors, keys), QV_OK);
  assert_int_equal(qv_index_import_npy(index, vectors, NULL), QV_OK);
  assert_int_equal(qv_index_count(index, &count), QV_OK);
  assert_int_equal(count, 0);
  qv_index_free(index);
  unlink(path);
  unlink(vectors);
  unlink(keys);
  rmdir(dir);
  free(path);
  free(vectors);
  free(keys);
  free(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      QVT_TIMED(test_enum_arguments_outside_the_enum_range_are_rejected),
      QVT_TIMED(test_hnsw_keeps_every_vector_when_dim_is_not_a_multiple_of_4),
      QVT_TIMED(test_cosine_accepts_tiny_vectors_and_keeps_them_finite),
      QVT_TIMED(test_empty_flat_index_and_empty_npy_round_trip),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
