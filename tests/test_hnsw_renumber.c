/* qv_index_compact renumbers HNSW nodes in breadth-first graph order for
 * memory locality (issue 12): every answer stays exactly the same (keys and
 * distances, for every storage type), the key map follows the new numbers
 * (get, add, remove, upsert), the renumbered graph passes every check of a
 * LOAD open, and the file really changes. With tombstones it rebuilds
 * first, as before. A batch that at least doubles an index of 8 MiB or more
 * renumbers it too, with the same guarantees; smaller batches do not. */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka.h needs the four headers above first. */
#include <cmocka.h>
#include <quiver/quiver.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qv_test_support.h"

#define DIM 24
#define N 3000
#define NQ 40
#define K 10

typedef struct answers {
  uint64_t keys[NQ * K];
  float distances[NQ * K];
  size_t found[NQ];
} answers;

static qv_index* build(qv_storage storage, qv_metric metric, const float* base) {
  qv_index_options o;
  qv_index* index = NULL;
  uint64_t* keys = malloc(N * sizeof *keys);
  size_t i;
  qv_index_options_init(&o);
  o.dim = DIM;
  o.metric = metric;
  o.kind = QV_INDEX_HNSW;
  o.storage = storage;
  o.hnsw_m = 8;
  o.hnsw_ef_construction = 64;
  o.threads = 2;
  assert_int_equal(qv_index_create(&o, &index), QV_OK);
  for (i = 0; i < N; ++i) keys[i] = 1000 + 7 * i;
  assert_int_equal(qv_index_add_batch(index, N, keys, base), QV_OK);
  free(keys);
  return index;
}

static void search_all(const qv_index* index, const float* queries, answers* out) {
  qv_search_params p;
  size_t q;
  qv_search_params_init(&p);
  p.ef = 48;
  memset(out, 0, sizeof *out);
  for (q = 0; q < NQ; ++q)
    assert_int_equal(qv_index_search(index, queries + q * DIM, K, &p, out->keys + q * K,
                                     out->distances + q * K, &out->found[q]),
                     QV_OK);
}

static void expect_same_answers(const answers* a, const answers* b, const char* what) {
  size_t q, i;
  for (q = 0; q < NQ; ++q) {
    if (a->found[q] != b->found[q])
      fail_msg("%s: query %zu found %zu, then %zu", what, q, a->found[q], b->found[q]);
    for (i = 0; i < a->found[q]; ++i)
      if (a->keys[q * K + i] != b->keys[q * K + i] ||
          a->distances[q * K + i] != b->distances[q * K + i])
        fail_msg("%s: query %zu hit %zu: key %llu (%.9g), then key %llu (%.9g)", what, q, i,
                 (unsigned long long)a->keys[q * K + i], a->distances[q * K + i],
                 (unsigned long long)b->keys[q * K + i], b->distances[q * K + i]);
  }
}

static void check_storage(qv_storage storage, qv_metric metric) {
  float* base = qvt_gaussian_mixture(N + NQ, DIM, 20, 0.4, 11 + storage);
  const float* queries = base + (size_t)N * DIM;
  qv_index *index = build(storage, metric, base), *reopened = NULL;
  answers before, after;
  char dir[] = "/tmp/qv_renumber_XXXXXX";
  char *a_path, *b_path;
  unsigned char *a_bytes, *b_bytes;
  size_t a_size = 0, b_size = 0, i;
  float got[DIM], want[(N / 97 + 1) * DIM];
  char what[64];
  snprintf(what, sizeof what, "storage %s, metric %s", qv_storage_name(storage),
           qv_metric_name(metric));
  assert_non_null(mkdtemp(dir));
  a_path = qvt_path_join(dir, "a.qv");
  b_path = qvt_path_join(dir, "b.qv");
  search_all(index, queries, &before);
  assert_int_equal(qv_index_save(index, a_path), QV_OK);
  for (i = 0; i < N; i += 97)
    assert_int_equal(qv_index_get(index, 1000 + 7 * i, want + i / 97 * DIM), QV_OK);

  assert_int_equal(qv_index_compact(index), QV_OK);
  search_all(index, queries, &after);
  expect_same_answers(&before, &after, what);
  /* The key map follows the new numbers. */
  for (i = 0; i < N; i += 97) {
    assert_int_equal(qv_index_get(index, 1000 + 7 * i, got), QV_OK);
    assert_memory_equal(got, want + i / 97 * DIM, sizeof got);
  }
  /* Saved again: another file (the records moved), which a LOAD open checks
   * in full, and which answers the same. */
  assert_int_equal(qv_index_save(index, b_path), QV_OK);
  a_bytes = qvt_read_file(a_path, &a_size);
  b_bytes = qvt_read_file(b_path, &b_size);
  assert_int_equal(a_size, b_size);
  if (memcmp(a_bytes, b_bytes, a_size) == 0) fail_msg("%s: compact did not renumber", what);
  assert_int_equal(qv_index_open(b_path, QV_OPEN_LOAD, &reopened), QV_OK);
  assert_int_equal(qv_index_verify(reopened), QV_OK);
  search_all(reopened, queries, &after);
  expect_same_answers(&before, &after, what);
  /* Writes work on the new numbers. */
  assert_int_equal(qv_index_remove(reopened, 1000), QV_OK);
  assert_int_equal(qv_index_get(reopened, 1000, got), QV_ERR_NOT_FOUND);
  assert_int_equal(qv_index_add(reopened, 5, queries), QV_OK);
  assert_int_equal(qv_index_upsert(reopened, 1007, queries + DIM), QV_OK);
  assert_int_equal(qv_index_get(reopened, 5, got), QV_OK);
  if (metric != QV_METRIC_IP) { /* under IP another vector may beat a query's own */
    uint64_t key = 0;
    size_t found = 0;
    assert_int_equal(qv_index_search(reopened, queries, 1, NULL, &key, NULL, &found), QV_OK);
    assert_int_equal(found, 1);
    assert_int_equal(key, 5);
  }
  qv_index_free(reopened);
  free(a_bytes);
  free(b_bytes);
  unlink(a_path);
  unlink(b_path);
  rmdir(dir);
  free(a_path);
  free(b_path);
  qv_index_free(index);
  free(base);
}

static void test_answers_do_not_change(void** state) {
  (void)state;
  check_storage(QV_STORAGE_F32, QV_METRIC_L2);
  check_storage(QV_STORAGE_F16, QV_METRIC_IP);
  check_storage(QV_STORAGE_I8, QV_METRIC_L2);
  check_storage(QV_STORAGE_B1, QV_METRIC_COSINE);
}

/* With tombstones compact rebuilds, then renumbers: removed keys stay gone
 * and recall holds against brute force. */
static void test_compact_with_tombstones(void** state) {
  float* base = qvt_gaussian_mixture(N + NQ, DIM, 20, 0.4, 5);
  const float* queries = base + (size_t)N * DIM;
  qv_index* index = build(QV_STORAGE_F32, QV_METRIC_L2, base);
  uint64_t* keys = malloc(N * sizeof *keys);
  unsigned char* live = malloc(N);
  uint64_t got[NQ * K], want[NQ * K];
  size_t i, q, found = 0;
  qv_index_info info;
  (void)state;
  for (i = 0; i < N; ++i) {
    keys[i] = 1000 + 7 * i;
    live[i] = i % 4 != 0;
  }
  for (i = 0; i < N; i += 4) assert_int_equal(qv_index_remove(index, keys[i]), QV_OK);
  assert_int_equal(qv_index_compact(index), QV_OK);
  qv_index_info_init(&info);
  assert_int_equal(qv_index_get_info(index, &info), QV_OK);
  assert_int_equal(info.count, N - (N + 3) / 4);
  for (q = 0; q < NQ; ++q) {
    qv_search_params p;
    qv_search_params_init(&p);
    p.ef = 64;
    assert_int_equal(qv_index_search(index, queries + q * DIM, K, &p, got + q * K, NULL, &found),
                     QV_OK);
    assert_int_equal(found, K);
    for (i = 0; i < K; ++i) assert_true((got[q * K + i] - 1000) / 7 % 4 != 0);
  }
  qvt_brute_force_batch(QV_METRIC_L2, base, keys, live, N, DIM, queries, NQ, K, NULL, NULL, want,
                        NULL, NULL);
  assert_true(qvt_recall(NQ, K, got, K, NULL, want, K, NULL) >= 0.95);
  free(live);
  free(keys);
  free(base);
  qv_index_free(index);
}

static uint64_t* keys_in_storage_order(const qv_index* index, size_t* n) {
  uint64_t* keys = qvt_keys_in_storage_order(index, n);
  assert_non_null(keys);
  return keys;
}

#define BULK_DIM 128
#define BULK_N 14000 /* 14000 records of 644 bytes: 8.6 MiB, past the 8 MiB */
#define BULK_MORE 500

static qv_index* bulk_index(void) {
  qv_index_options o;
  qv_index* index = NULL;
  qv_index_options_init(&o);
  o.dim = BULK_DIM;
  o.hnsw_m = 16;
  o.hnsw_ef_construction = 24;
  o.threads = 1; /* so that adds one by one build the same graph */
  assert_int_equal(qv_index_create(&o, &index), QV_OK);
  return index;
}

/* One batch into an empty index is renumbered; the same adds one by one are
 * not (qv_index_add never renumbers), build the same graph and so must give
 * the same answers, bit for bit. A later batch smaller than the index is
 * appended in its own order. */
static void test_bulk_add_renumbers(void** state) {
  float* base = qvt_gaussian_mixture(BULK_N + BULK_MORE + NQ, BULK_DIM, 30, 0.4, 21);
  const float* more = base + (size_t)BULK_N * BULK_DIM;
  const float* queries = more + (size_t)BULK_MORE * BULK_DIM;
  uint64_t* keys = malloc((BULK_N + BULK_MORE) * sizeof *keys);
  qv_index *bulk = bulk_index(), *one_by_one = bulk_index();
  uint64_t *bulk_order, *plain_order;
  size_t i, n = 0, in_order = 0;
  float got[BULK_DIM];
  answers a, b;
  qv_search_params p;
  (void)state;
  for (i = 0; i < BULK_N + BULK_MORE; ++i) keys[i] = 5 + 3 * i;
  assert_int_equal(qv_index_add_batch(bulk, BULK_N, keys, base), QV_OK);
  for (i = 0; i < BULK_N; ++i)
    assert_int_equal(qv_index_add(one_by_one, keys[i], base + i * BULK_DIM), QV_OK);

  bulk_order = keys_in_storage_order(bulk, &n);
  assert_int_equal(n, BULK_N);
  for (i = 0; i < n; ++i) in_order += bulk_order[i] == keys[i];
  if (in_order > BULK_N / 10)
    fail_msg("the batch kept insertion order for %zu of %d nodes", in_order, BULK_N);
  plain_order = keys_in_storage_order(one_by_one, &n);
  assert_memory_equal(plain_order, keys, BULK_N * sizeof *keys);
  free(plain_order);

  qv_search_params_init(&p);
  p.ef = 48;
  memset(&a, 0, sizeof a);
  memset(&b, 0, sizeof b);
  for (i = 0; i < NQ; ++i) {
    const float* q = queries + i * BULK_DIM;
    assert_int_equal(
        qv_index_search(bulk, q, K, &p, a.keys + i * K, a.distances + i * K, &a.found[i]), QV_OK);
    assert_int_equal(
        qv_index_search(one_by_one, q, K, &p, b.keys + i * K, b.distances + i * K, &b.found[i]),
        QV_OK);
  }
  expect_same_answers(&a, &b, "one batch against the same adds one by one");
  for (i = 0; i < BULK_N; i += 7) {
    assert_int_equal(qv_index_get(bulk, keys[i], got), QV_OK);
    assert_memory_equal(got, base + i * BULK_DIM, sizeof got);
  }

  /* A batch smaller than the index: appended as it came. */
  assert_int_equal(qv_index_add_batch(bulk, BULK_MORE, keys + BULK_N, more), QV_OK);
  free(bulk_order);
  bulk_order = keys_in_storage_order(bulk, &n);
  assert_int_equal(n, BULK_N + BULK_MORE);
  assert_memory_equal(bulk_order + BULK_N, keys + BULK_N, BULK_MORE * sizeof *keys);
  /* Writes after the renumbering find their nodes. */
  assert_int_equal(qv_index_remove(bulk, keys[0]), QV_OK);
  assert_int_equal(qv_index_get(bulk, keys[0], got), QV_ERR_NOT_FOUND);
  assert_int_equal(qv_index_upsert(bulk, keys[1], queries), QV_OK);
  assert_int_equal(qv_index_get(bulk, keys[1], got), QV_OK);
  assert_memory_equal(got, queries, sizeof got);
  assert_int_equal(qv_index_verify(bulk), QV_OK);
  free(bulk_order);
  free(keys);
  free(base);
  qv_index_free(bulk);
  qv_index_free(one_by_one);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_answers_do_not_change),
      cmocka_unit_test(test_compact_with_tombstones),
      cmocka_unit_test(test_bulk_add_renumbers),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
