/* Save and open: every kind and metric comes back identical (search keys and
 * distances bit for bit, vectors, deletions, metadata) whether opened by
 * loading or by mapping, with or without compression; a mapped index is
 * read-only; compaction drops tombstones and keeps results; saves replace
 * files crash-safely and clean up after themselves. */
#define _DEFAULT_SOURCE

/* cmocka needs these four first, in this order. */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
/* clang-format on */

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <quiver/quiver.h>

#include "qv_test_support.h"
#include "storage_test_util.h"

#define DIM 16
#define N 600
#define NQ 30
#define K 10

static const qv_metric kMetrics[] = {QV_METRIC_L2, QV_METRIC_IP, QV_METRIC_COSINE};
static const qv_index_kind kKinds[] = {QV_INDEX_FLAT, QV_INDEX_HNSW};

static qv_index* open_ok(const char* path, qv_open_mode mode) {
  qv_index* index = NULL;
  qv_status s = qv_index_open(path, mode, &index);
  if (s != QV_OK) fail_msg("open %s: %s: %s", path, qv_status_string(s), qv_last_error());
  return index;
}

static void assert_same(const qv_index* a, const qv_index* b, const char* what) {
  float* queries = qvt_gaussian_vectors(NQ, DIM, 77);
  char why[256];
  if (qvs_compare_indexes(a, b, queries, NQ, K, N, why, sizeof why) != 0)
    fail_msg("%s: %s", what, why);
  free(queries);
}

static void run_round_trip(qv_index_kind kind, qv_metric metric, const qv_save_options* opts) {
  char* dir = qvs_temp_dir("roundtrip");
  char* path = qvs_path(dir, "index.qv");
  qv_index* original = qvs_build_index(kind, metric, DIM, N, 11 + (uint64_t)metric, 7, NULL);
  qv_index *loaded, *mapped;
  qv_index_info info;
  char what[128];
  assert_int_equal(qv_index_save_with_options(original, path, opts), QV_OK);
  loaded = open_ok(path, QV_OPEN_LOAD);
  mapped = open_ok(path, QV_OPEN_MMAP);
  snprintf(what, sizeof what, "kind %d metric %d %s load", kind, metric,
           opts ? "compressed" : "raw");
  assert_same(original, loaded, what);
  what[strlen(what) - 4] = '\0';
  strcat(what, "mmap");
  assert_same(original, mapped, what);
  info.struct_size = sizeof info;
  assert_int_equal(qv_index_get_info(mapped, &info), QV_OK);
  assert_int_equal(info.read_only, 1);
  assert_int_equal(info.kind, kind);
  assert_int_equal(info.metric, metric);
  assert_int_equal(info.count, N - (N + 6) / 7);
  if (kind == QV_INDEX_HNSW) assert_true(info.deleted > 0);
  assert_int_equal(qv_index_get_info(loaded, &info), QV_OK);
  assert_int_equal(info.read_only, 0);
  qv_index_free(loaded);
  qv_index_free(mapped);
  qv_index_free(original);
  free(path);
  qvs_remove_tree(dir);
}

static void test_round_trip_every_kind_and_metric(void** state) {
  size_t k, m;
  (void)state;
  for (k = 0; k < 2; ++k)
    for (m = 0; m < 3; ++m) run_round_trip(kKinds[k], kMetrics[m], NULL);
}

static void test_round_trip_compressed_vectors_and_graph(void** state) {
  qv_save_options opts;
  size_t k, m;
  (void)state;
  qv_save_options_init(&opts);
  opts.compress_vectors = 1;
  opts.compress_graph = 1;
  opts.zstd_level = 5;
  for (k = 0; k < 2; ++k)
    for (m = 0; m < 3; ++m) run_round_trip(kKinds[k], kMetrics[m], &opts);
  qv_save_options_init(&opts);
  opts.compress_graph = 1; /* graph only: HNSW records go compressed too */
  run_round_trip(QV_INDEX_HNSW, QV_METRIC_L2, &opts);
}

static void test_compression_makes_files_smaller(void** state) {
  char* dir = qvs_temp_dir("compress");
  char *raw = qvs_path(dir, "raw.qv"), *small = qvs_path(dir, "small.qv");
  qv_index* index = qvt_create_index(DIM, QV_METRIC_L2, QV_INDEX_FLAT);
  float row[DIM] = {1.0f};
  qv_save_options opts;
  size_t raw_size, small_size, i;
  unsigned char *a, *b;
  (void)state;
  for (i = 0; i < 2000; ++i) assert_int_equal(qv_index_add(index, i, row), QV_OK);
  qv_save_options_init(&opts);
  opts.compress_vectors = 1;
  assert_int_equal(qv_index_save(index, raw), QV_OK);
  assert_int_equal(qv_index_save_with_options(index, small, &opts), QV_OK);
  a = qvt_read_file(raw, &raw_size);
  b = qvt_read_file(small, &small_size);
  assert_non_null(a);
  assert_non_null(b);
  assert_true(small_size * 4 < raw_size);
  free(a);
  free(b);
  qv_index_free(index);
  free(raw);
  free(small);
  qvs_remove_tree(dir);
}

static void test_mapped_index_rejects_mutations(void** state) {
  char* dir = qvs_temp_dir("readonly");
  char* path = qvs_path(dir, "index.qv");
  char *npy = qvs_path(dir, "v.npy"), *npk = qvs_path(dir, "k.npy");
  size_t k;
  (void)state;
  for (k = 0; k < 2; ++k) {
    qv_index* original = qvs_build_index(kKinds[k], QV_METRIC_L2, DIM, 200, 3, 0, NULL);
    qv_index* mapped;
    float v[DIM] = {1.0f};
    uint64_t key = 5, keys[10];
    float dist[10];
    size_t found, count;
    assert_int_equal(qv_index_save(original, path), QV_OK);
    assert_int_equal(qv_index_export_npy(original, npy, npk), QV_OK);
    mapped = open_ok(path, QV_OPEN_MMAP);
    assert_int_equal(qv_index_add(mapped, 1, v), QV_ERR_UNSUPPORTED);
    assert_true(qvt_contains(qv_last_error(), "read-only"));
    assert_int_equal(qv_index_add_batch(mapped, 1, &key, v), QV_ERR_UNSUPPORTED);
    assert_int_equal(qv_index_remove(mapped, qvs_key(1)), QV_ERR_UNSUPPORTED);
    assert_int_equal(qv_index_set_metadata(mapped, qvs_key(1), "x", 1), QV_ERR_UNSUPPORTED);
    assert_int_equal(qv_index_compact(mapped), QV_ERR_UNSUPPORTED);
    assert_int_equal(qv_index_import_npy(mapped, npy, npk), QV_ERR_UNSUPPORTED);
    /* Nothing changed, reads work. */
    assert_int_equal(qv_index_count(mapped, &count), QV_OK);
    assert_int_equal(count, 200);
    assert_int_equal(qv_index_search(mapped, v, 10, NULL, keys, dist, &found), QV_OK);
    assert_int_equal(found, 10);
    assert_int_equal(qv_index_get(mapped, qvs_key(1), v), QV_OK);
    /* A mapped index can be saved elsewhere (and over its own file). */
    assert_int_equal(qv_index_export_npy(mapped, npy, npk), QV_OK);
    assert_int_equal(qv_index_save(mapped, path), QV_OK);
    {
      qv_index* again = open_ok(path, QV_OPEN_LOAD);
      assert_same(original, again, "re-saved mapped index");
      qv_index_free(again);
    }
    assert_same(original, mapped, "mapped index after its file was replaced");
    qv_index_free(mapped);
    qv_index_free(original);
  }
  free(npy);
  free(npk);
  free(path);
  qvs_remove_tree(dir);
}

static void test_deletions_survive_and_keys_can_return(void** state) {
  char* dir = qvs_temp_dir("deletions");
  char* path = qvs_path(dir, "index.qv");
  size_t k;
  (void)state;
  for (k = 0; k < 2; ++k) {
    float* vectors;
    qv_index* original = qvs_build_index(kKinds[k], QV_METRIC_L2, DIM, 300, 9, 3, &vectors);
    qv_index* loaded;
    float out[DIM];
    size_t i, count;
    assert_int_equal(qv_index_save(original, path), QV_OK);
    loaded = open_ok(path, QV_OPEN_LOAD);
    for (i = 0; i < 300; ++i) {
      qv_status s = qv_index_get(loaded, qvs_key(i), out);
      assert_int_equal(s, i % 3 == 0 ? QV_ERR_NOT_FOUND : QV_OK);
    }
    /* A loaded index is mutable: removed keys can come back. */
    assert_int_equal(qv_index_add(loaded, qvs_key(0), vectors), QV_OK);
    assert_int_equal(qv_index_remove(loaded, qvs_key(1)), QV_OK);
    assert_int_equal(qv_index_count(loaded, &count), QV_OK);
    assert_int_equal(count, 200);
    assert_int_equal(qv_index_save(loaded, path), QV_OK);
    qv_index_free(loaded);
    loaded = open_ok(path, QV_OPEN_MMAP);
    assert_int_equal(qv_index_get(loaded, qvs_key(0), out), QV_OK);
    assert_memory_equal(out, vectors, sizeof out);
    assert_int_equal(qv_index_get(loaded, qvs_key(1), out), QV_ERR_NOT_FOUND);
    qv_index_free(loaded);
    qv_index_free(original);
    free(vectors);
  }
  free(path);
  qvs_remove_tree(dir);
}

static void test_metadata_set_get_remove_and_persist(void** state) {
  char* dir = qvs_temp_dir("metadata");
  char* path = qvs_path(dir, "index.qv");
  qv_index* index = qvs_build_index(QV_INDEX_HNSW, QV_METRIC_COSINE, DIM, 100, 4, 0, NULL);
  const unsigned char binary[] = {0, 1, 2, 0, 255, 0};
  size_t big_len = (size_t)1 << 20, i;
  unsigned char* big = malloc(big_len);
  const void* data;
  size_t len;
  qv_index *mapped, *loaded;
  qv_index_info info;
  (void)state;
  for (i = 0; i < big_len; ++i) big[i] = (unsigned char)(i * 31 + (i >> 9));
  /* Set, replace, binary bytes, a large blob. */
  assert_int_equal(qv_index_set_metadata(index, qvs_key(1), "{\"a\": 1}", 8), QV_OK);
  assert_int_equal(qv_index_set_metadata(index, qvs_key(1), "{\"a\": 2}", 8), QV_OK);
  assert_int_equal(qv_index_get_metadata(index, qvs_key(1), &data, &len), QV_OK);
  assert_int_equal(len, 8);
  assert_memory_equal(data, "{\"a\": 2}", 8);
  assert_int_equal(qv_index_set_metadata(index, qvs_key(2), binary, sizeof binary), QV_OK);
  assert_int_equal(qv_index_set_metadata(index, qvs_key(3), big, big_len), QV_OK);
  /* Errors. */
  assert_int_equal(qv_index_set_metadata(index, 7, "x", 1), QV_ERR_NOT_FOUND);
  assert_int_equal(qv_index_set_metadata(index, qvs_key(1), NULL, 3), QV_ERR_INVALID_ARGUMENT);
  assert_int_equal(qv_index_set_metadata(NULL, qvs_key(1), "x", 1), QV_ERR_INVALID_ARGUMENT);
  assert_int_equal(qv_index_get_metadata(index, qvs_key(4), &data, &len), QV_ERR_NOT_FOUND);
  assert_int_equal(qv_index_get_metadata(index, qvs_key(1), NULL, &len), QV_ERR_INVALID_ARGUMENT);
  assert_int_equal(qv_index_get_metadata(index, qvs_key(1), &data, NULL), QV_ERR_INVALID_ARGUMENT);
  /* len 0 clears; remove drops. */
  assert_int_equal(qv_index_set_metadata(index, qvs_key(5), NULL, 0), QV_OK);
  assert_int_equal(qv_index_get_metadata(index, qvs_key(5), &data, &len), QV_ERR_NOT_FOUND);
  assert_int_equal(qv_index_remove(index, qvs_key(10)), QV_OK);
  assert_int_equal(qv_index_get_metadata(index, qvs_key(10), &data, &len), QV_ERR_NOT_FOUND);
  {
    float v[DIM] = {1.0f};
    assert_int_equal(qv_index_add(index, qvs_key(10), v), QV_OK);
    assert_int_equal(qv_index_get_metadata(index, qvs_key(10), &data, &len), QV_ERR_NOT_FOUND);
  }
  info.struct_size = sizeof info;
  assert_int_equal(qv_index_get_info(index, &info), QV_OK);
  /* 20 from the builder (keys of i = 0, 5, ... 95), less i = 5 (cleared) and i = 10
   (removed), plus i = 1, 2, 3 */
  assert_int_equal(info.metadata_count, 20 - 2 + 3);

  assert_int_equal(qv_index_save(index, path), QV_OK);
  mapped = open_ok(path, QV_OPEN_MMAP);
  loaded = open_ok(path, QV_OPEN_LOAD);
  {
    const qv_index* views[2];
    size_t v;
    views[0] = mapped;
    views[1] = loaded;
    for (v = 0; v < 2; ++v) {
      assert_int_equal(qv_index_get_metadata(views[v], qvs_key(1), &data, &len), QV_OK);
      assert_int_equal(len, 8);
      assert_memory_equal(data, "{\"a\": 2}", 8);
      assert_int_equal(qv_index_get_metadata(views[v], qvs_key(2), &data, &len), QV_OK);
      assert_int_equal(len, sizeof binary);
      assert_memory_equal(data, binary, sizeof binary);
      assert_int_equal(qv_index_get_metadata(views[v], qvs_key(3), &data, &len), QV_OK);
      assert_int_equal(len, big_len);
      assert_memory_equal(data, big, big_len);
      assert_int_equal(qv_index_get_metadata(views[v], qvs_key(0), &data, &len), QV_OK);
      assert_int_equal(len, 8);
      assert_memory_equal(data, "key=1000", 8);
      assert_int_equal(qv_index_get_metadata(views[v], qvs_key(10), &data, &len), QV_ERR_NOT_FOUND);
      assert_int_equal(qv_index_get_metadata(views[v], qvs_key(4), &data, &len), QV_ERR_NOT_FOUND);
    }
  }
  assert_same(index, mapped, "metadata index mapped");
  /* A loaded index's metadata is editable again. */
  assert_int_equal(qv_index_set_metadata(loaded, qvs_key(1), "new", 3), QV_OK);
  assert_int_equal(qv_index_get_metadata(loaded, qvs_key(1), &data, &len), QV_OK);
  assert_int_equal(len, 3);
  qv_index_free(mapped);
  qv_index_free(loaded);
  qv_index_free(index);
  free(big);
  free(path);
  qvs_remove_tree(dir);
}

/* Exact search with ef >= n on a small HNSW: compaction must keep the
 * results (the graph is rebuilt, so only an exhaustive search is stable). */
static void test_compact_removes_tombstones_and_keeps_results(void** state) {
  char* dir = qvs_temp_dir("compact");
  char* path = qvs_path(dir, "index.qv");
  qv_index* index = qvs_build_index(QV_INDEX_HNSW, QV_METRIC_L2, DIM, 400, 21, 3, NULL);
  qv_index* flat = qvs_build_index(QV_INDEX_FLAT, QV_METRIC_L2, DIM, 400, 21, 3, NULL);
  qv_index* reopened;
  qv_index_info before, after;
  qv_search_params params;
  float* queries = qvt_gaussian_vectors(NQ, DIM, 99);
  uint64_t got[NQ * K], want[NQ * K];
  size_t fg[NQ], fw[NQ];
  const void* data;
  size_t len;
  (void)state;
  qv_search_params_init(&params);
  params.ef = 400;
  before.struct_size = after.struct_size = sizeof before;
  assert_int_equal(qv_index_get_info(index, &before), QV_OK);
  assert_int_equal(before.deleted, 134);
  assert_int_equal(qv_index_compact(index), QV_OK);
  assert_int_equal(qv_index_get_info(index, &after), QV_OK);
  assert_int_equal(after.deleted, 0);
  assert_int_equal(after.count, before.count);
  assert_int_equal(after.metadata_count, before.metadata_count);
  assert_int_equal(after.hnsw_m, before.hnsw_m);
  assert_int_equal(after.seed, before.seed);
  assert_int_equal(qv_index_get_metadata(index, qvs_key(5), &data, &len), QV_OK);
  assert_int_equal(qv_index_search_batch(index, NQ, queries, K, &params, got, NULL, fg), QV_OK);
  assert_int_equal(qv_index_search_batch(flat, NQ, queries, K, NULL, want, NULL, fw), QV_OK);
  assert_memory_equal(got, want, sizeof got);
  /* Tombstone-free after a save too; compact on FLAT is a no-op. */
  assert_int_equal(qv_index_save(index, path), QV_OK);
  reopened = open_ok(path, QV_OPEN_MMAP);
  assert_int_equal(qv_index_get_info(reopened, &after), QV_OK);
  assert_int_equal(after.deleted, 0);
  assert_same(index, reopened, "compacted index");
  assert_int_equal(qv_index_compact(flat), QV_OK);
  assert_int_equal(qv_index_compact(NULL), QV_ERR_INVALID_ARGUMENT);
  qv_index_free(reopened);
  qv_index_free(index);
  qv_index_free(flat);
  free(queries);
  free(path);
  qvs_remove_tree(dir);
}

static void test_empty_index_round_trips(void** state) {
  char* dir = qvs_temp_dir("empty");
  char* path = qvs_path(dir, "index.qv");
  size_t k, m;
  (void)state;
  for (k = 0; k < 2; ++k) {
    qv_index* empty = qvs_build_index(kKinds[k], QV_METRIC_L2, DIM, 0, 1, 0, NULL);
    assert_int_equal(qv_index_save(empty, path), QV_OK);
    for (m = 1; m <= 2; ++m) {
      qv_index* opened = open_ok(path, (qv_open_mode)m);
      float q[DIM] = {1.0f};
      uint64_t keys[3];
      size_t found = 9, count = 9;
      assert_int_equal(qv_index_count(opened, &count), QV_OK);
      assert_int_equal(count, 0);
      assert_int_equal(qv_index_search(opened, q, 3, NULL, keys, NULL, &found), QV_OK);
      assert_int_equal(found, 0);
      if (m == QV_OPEN_LOAD) assert_int_equal(qv_index_add(opened, 1, q), QV_OK);
      if (m == QV_OPEN_MMAP) assert_int_equal(qv_index_add(opened, 1, q), QV_ERR_UNSUPPORTED);
      qv_index_free(opened);
    }
    qv_index_free(empty);
  }
  free(path);
  qvs_remove_tree(dir);
}

static void test_save_and_open_argument_errors(void** state) {
  char* dir = qvs_temp_dir("args");
  char* path = qvs_path(dir, "index.qv");
  char* missing_dir = qvs_path(dir, "no/such/dir/index.qv");
  qv_index* index = qvs_build_index(QV_INDEX_FLAT, QV_METRIC_L2, DIM, 10, 1, 0, NULL);
  qv_index* out = NULL;
  qv_save_options opts;
  qv_index_info info;
  (void)state;
  assert_int_equal(qv_index_save(NULL, path), QV_ERR_INVALID_ARGUMENT);
  assert_int_equal(qv_index_save(index, NULL), QV_ERR_INVALID_ARGUMENT);
  assert_int_equal(qv_index_save(index, missing_dir), QV_ERR_NOT_FOUND);
  assert_true(qvt_contains(qv_last_error(), "does not exist"));
  assert_int_equal(qv_index_save(index, dir), QV_ERR_IO); /* a directory is in the way */
  assert_true(qvt_contains(qv_last_error(), dir));
  qv_save_options_init(&opts);
  opts.struct_size = 3;
  assert_int_equal(qv_index_save_with_options(index, path, &opts), QV_ERR_INVALID_ARGUMENT);
  qv_save_options_init(&opts);
  opts.zstd_level = 1000;
  assert_int_equal(qv_index_save_with_options(index, path, &opts), QV_ERR_INVALID_ARGUMENT);
  assert_true(qvt_contains(qv_last_error(), "zstd_level"));
  assert_int_equal(qv_index_open(NULL, QV_OPEN_LOAD, &out), QV_ERR_INVALID_ARGUMENT);
  assert_int_equal(qv_index_open(path, QV_OPEN_LOAD, NULL), QV_ERR_INVALID_ARGUMENT);
  assert_int_equal(qv_index_open(path, (qv_open_mode)7, &out), QV_ERR_INVALID_ARGUMENT);
  assert_int_equal(qv_index_open(path, QV_OPEN_LOAD, &out), QV_ERR_NOT_FOUND);
  assert_true(qvt_contains(qv_last_error(), path));
  assert_null(out);
  info.struct_size = 1;
  assert_int_equal(qv_index_get_info(index, &info), QV_ERR_INVALID_ARGUMENT);
  assert_int_equal(qv_index_get_info(index, NULL), QV_ERR_INVALID_ARGUMENT);
  assert_int_equal(qvt_count_entries(dir), 0); /* failed saves leave nothing behind */
  qv_index_free(index);
  free(missing_dir);
  free(path);
  qvs_remove_tree(dir);
}

/* A save replaces the file and removes the temporaries of dead writers,
 * but never those a live writer holds locked. */
static void test_save_cleans_stale_temporaries_only(void** state) {
  char* dir = qvs_temp_dir("stale");
  char* path = qvs_path(dir, "index.qv");
  char* dead = qvs_path(dir, ".index.qv.tmp-00000000deadbeef");
  char* live = qvs_path(dir, ".index.qv.tmp-00000000feedface");
  char* other = qvs_path(dir, ".other.qv.tmp-00000000deadbeef");
  qv_index* index = qvs_build_index(QV_INDEX_FLAT, QV_METRIC_L2, DIM, 10, 1, 0, NULL);
  int fd;
  (void)state;
  assert_int_equal(qvs_write_file(dead, "partial", 7), 0);
  assert_int_equal(qvs_write_file(live, "partial", 7), 0);
  assert_int_equal(qvs_write_file(other, "partial", 7), 0);
  fd = open(live, O_RDONLY);
  assert_true(fd >= 0);
  assert_int_equal(flock(fd, LOCK_EX), 0);
  assert_int_equal(qv_index_save(index, path), QV_OK);
  assert_false(qvt_file_readable(dead));
  assert_true(qvt_file_readable(live));
  assert_true(qvt_file_readable(other)); /* another target's temporaries are not ours */
  close(fd);
  assert_int_equal(qv_index_save(index, path), QV_OK);
  assert_false(qvt_file_readable(live));
  assert_int_equal(qvt_count_entries(dir), 2);
  qv_index_free(index);
  free(dead);
  free(live);
  free(other);
  free(path);
  qvs_remove_tree(dir);
}

/* A temporary as a writer makes it: created and locked by a child process
 * that writes a little, then either exits at once (a save killed midway:
 * the kernel drops its lock) or, with `hold`, keeps the lock until a byte
 * arrives on (or the write end closes) the pipe it is given. Returns the
 * child's pid once the lock is taken; *release gets the pipe's write end. */
static pid_t writer_child(const char* temp, int hold, int* release) {
  int ready[2], wait_for[2];
  pid_t child;
  char c;
  assert_int_equal(pipe(ready), 0);
  assert_int_equal(pipe(wait_for), 0);
  child = fork();
  assert_true(child >= 0);
  if (child == 0) {
    int fd = open(temp, O_RDWR | O_CREAT | O_EXCL, 0666);
    close(ready[0]);
    close(wait_for[1]); /* or the read below would never see the end */
    alarm(60);          /* never outlives a failed test */
    if (fd < 0 || flock(fd, LOCK_EX) != 0 || write(fd, "partial", 7) != 7) _exit(2);
    if (write(ready[1], "r", 1) != 1) _exit(3);
    if (hold) (void)!read(wait_for[0], &c, 1);
    _exit(0);
  }
  close(ready[1]);
  close(wait_for[0]);
  assert_int_equal(read(ready[0], &c, 1), 1);
  close(ready[0]);
  *release = wait_for[1];
  return child;
}

static void reap(pid_t child) {
  int status = 0;
  assert_int_equal(waitpid(child, &status, 0), child);
  assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* Opening an index also removes the temporaries of saves to its path whose
 * writers are dead (a program restarted after a crash may only ever open
 * it), and keeps those a live writer holds: another process, or another
 * thread of this one (its own open file, locked). */
static void test_open_removes_dead_writers_temporaries_only(void** state) {
  char* dir = qvs_temp_dir("stale-open");
  char* path = qvs_path(dir, "index.qv");
  char* killed = qvs_path(dir, ".index.qv.tmp-00000000000dead1");
  char* unlocked = qvs_path(dir, ".index.qv.tmp-00000000000dead2");
  char* other_process = qvs_path(dir, ".index.qv.tmp-000000000000a11e");
  char* this_process = qvs_path(dir, ".index.qv.tmp-000000000000a11f");
  qv_index* index = qvs_build_index(QV_INDEX_HNSW, QV_METRIC_L2, DIM, 50, 3, 0, NULL);
  qv_index* opened = NULL;
  pid_t live;
  int release, own_fd;
  (void)state;
  assert_int_equal(qv_index_save(index, path), QV_OK);
  /* A writer that has died (exited and reaped: its pid may even be reused). */
  reap(writer_child(killed, 0, &release));
  close(release);
  assert_int_equal(qvs_write_file(unlocked, "partial", 7), 0);
  live = writer_child(other_process, 1, &release);
  assert_int_equal(qvs_write_file(this_process, "partial", 7), 0);
  own_fd = open(this_process, O_RDONLY);
  assert_true(own_fd >= 0);
  assert_int_equal(flock(own_fd, LOCK_EX), 0);
  assert_int_equal(qvt_count_entries(dir), 5);

  assert_int_equal(qv_index_open(path, QV_OPEN_LOAD, &opened), QV_OK);
  qv_index_free(opened);
  assert_false(qvt_file_readable(killed));
  assert_false(qvt_file_readable(unlocked));
  assert_true(qvt_file_readable(other_process));
  assert_true(qvt_file_readable(this_process));

  /* The other writer dies: the next open (mapped too) removes its temporary. */
  close(release);
  reap(live);
  assert_int_equal(qv_index_open(path, QV_OPEN_MMAP, &opened), QV_OK);
  assert_false(qvt_file_readable(other_process));
  assert_true(qvt_file_readable(this_process));
  close(own_fd);
  assert_int_equal(qv_index_verify(opened), QV_OK);
  qv_index_free(opened);
  assert_int_equal(qvt_count_entries(dir), 2);
  qv_index_free(index);
  free(killed);
  free(unlocked);
  free(other_process);
  free(this_process);
  free(path);
  qvs_remove_tree(dir);
}

typedef struct saver {
  qv_index* index;
  const char* path;
  int failures;
  char message[512];
} saver;

static void* save_repeatedly(void* arg) {
  saver* s = arg;
  int i;
  for (i = 0; i < 25; ++i) {
    qv_status status = qv_index_save(s->index, s->path);
    if (status != QV_OK && s->failures++ == 0)
      snprintf(s->message, sizeof s->message, "%s: %s", qv_status_string(status), qv_last_error());
  }
  return NULL;
}

/* Saves to one path from several threads at once (each its own index: the
 * saves of one index take turns): each save removes the unlocked
 * temporaries it finds when it starts, and none may take the temporary
 * another thread is writing. Every save succeeds and leaves only the file. */
static void test_concurrent_saves_keep_each_others_temporaries(void** state) {
  enum { THREADS = 4 };
  char* dir = qvs_temp_dir("stale-threads");
  char* path = qvs_path(dir, "index.qv");
  pthread_t threads[THREADS];
  saver savers[THREADS];
  int t;
  (void)state;
  for (t = 0; t < THREADS; ++t) {
    memset(&savers[t], 0, sizeof savers[t]);
    savers[t].index = qvs_build_index(QV_INDEX_FLAT, QV_METRIC_L2, DIM, 200, 5, 0, NULL);
    savers[t].path = path;
  }
  for (t = 0; t < THREADS; ++t)
    assert_int_equal(pthread_create(&threads[t], NULL, save_repeatedly, &savers[t]), 0);
  for (t = 0; t < THREADS; ++t) {
    assert_int_equal(pthread_join(threads[t], NULL), 0);
    if (savers[t].failures) fail_msg("%d saves failed: %s", savers[t].failures, savers[t].message);
    qv_index_free(savers[t].index);
  }
  assert_int_equal(qvt_count_entries(dir), 1);
  qv_index_free(open_ok(path, QV_OPEN_LOAD));
  free(path);
  qvs_remove_tree(dir);
}

/* QV_VERIFY_DEFERRED opens the same index (it only skips checks), and
 * qv_index_verify passes on a sound file; the options are validated. */
static void test_open_options_and_verify(void** state) {
  char* dir = qvs_temp_dir("openopts");
  char* path = qvs_path(dir, "index.qv");
  qv_open_options opts;
  size_t k;
  (void)state;
  for (k = 0; k < 2; ++k) {
    qv_index* original = qvs_build_index(kKinds[k], QV_METRIC_COSINE, DIM, N, 31, 5, NULL);
    qv_index *deferred = NULL, *loaded = NULL;
    qv_index_info info;
    assert_int_equal(qv_index_save(original, path), QV_OK);
    qv_open_options_init(&opts);
    opts.mode = QV_OPEN_MMAP;
    opts.verify = QV_VERIFY_DEFERRED;
    opts.threads = 1;
    assert_int_equal(qv_index_open_with_options(path, &opts, &deferred), QV_OK);
    assert_same(original, deferred, "deferred verification");
    assert_int_equal(qv_index_verify(deferred), QV_OK);
    info.struct_size = sizeof info;
    assert_int_equal(qv_index_get_info(deferred, &info), QV_OK);
    assert_int_equal(info.read_only, 1);
    opts.mode = QV_OPEN_LOAD;
    assert_int_equal(qv_index_open_with_options(path, &opts, &loaded), QV_OK);
    assert_same(original, loaded, "load with deferred (= all) verification");
    assert_int_equal(qv_index_verify(loaded), QV_OK); /* nothing mapped: nothing to do */
    assert_int_equal(qv_index_verify(original), QV_OK);
    qv_index_free(deferred);
    qv_index_free(loaded);
    qv_index_free(original);
  }
  qv_open_options_init(&opts);
  {
    qv_index* out = NULL;
    opts.struct_size = 0;
    assert_int_equal(qv_index_open_with_options(path, &opts, &out), QV_ERR_INVALID_ARGUMENT);
    qv_open_options_init(&opts);
    opts.verify = (qv_verify_mode)9;
    assert_int_equal(qv_index_open_with_options(path, &opts, &out), QV_ERR_INVALID_ARGUMENT);
    qv_open_options_init(&opts);
    opts.mode = (qv_open_mode)0;
    assert_int_equal(qv_index_open_with_options(path, &opts, &out), QV_ERR_INVALID_ARGUMENT);
    assert_null(out);
    /* NULL options are the defaults, as for saves: a loaded, writable index. */
    {
      qv_index_info info;
      qv_index_info_init(&info);
      assert_int_equal(qv_index_open_with_options(path, NULL, &out), QV_OK);
      assert_non_null(out);
      assert_int_equal(qv_index_get_info(out, &info), QV_OK);
      assert_int_equal(info.read_only, 0);
      qv_index_free(out);
    }
    assert_int_equal(qv_index_verify(NULL), QV_ERR_INVALID_ARGUMENT);
  }
  free(path);
  qvs_remove_tree(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trip_every_kind_and_metric),
      cmocka_unit_test(test_round_trip_compressed_vectors_and_graph),
      cmocka_unit_test(test_compression_makes_files_smaller),
      cmocka_unit_test(test_mapped_index_rejects_mutations),
      cmocka_unit_test(test_deletions_survive_and_keys_can_return),
      cmocka_unit_test(test_metadata_set_get_remove_and_persist),
      cmocka_unit_test(test_compact_removes_tombstones_and_keeps_results),
      cmocka_unit_test(test_empty_index_round_trips),
      cmocka_unit_test(test_save_and_open_argument_errors),
      cmocka_unit_test(test_save_cleans_stale_temporaries_only),
      cmocka_unit_test(test_open_removes_dead_writers_temporaries_only),
      cmocka_unit_test(test_concurrent_saves_keep_each_others_temporaries),
      cmocka_unit_test(test_open_options_and_verify),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
