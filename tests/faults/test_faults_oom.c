/* Out of memory and impossible sizes. Requests no machine can serve (n near
 * SIZE_MAX, nq x k past SIZE_MAX) are answered QV_ERR_OUT_OF_MEMORY or
 * QV_ERR_INVALID_ARGUMENT before anything is read or written; huge k or ef
 * are valid ("everything") and cost no more memory than the index holds;
 * and real allocation failures -- an address-space limit (RLIMIT_AS) under
 * a batch at QV_MAX_DIM, under one add after another, under metadata, under
 * compact, under open -- come back as QV_ERR_OUT_OF_MEMORY, never an abort.
 * After each: the index in memory answers exactly as before (or, for adds
 * that succeeded before memory ran out, holds exactly those), stays usable,
 * and the previously saved file is untouched and reopens.
 *
 * The RLIMIT_AS tests skip in sanitizer builds: ASan and TSan reserve
 * terabytes of shadow address space and cannot run under such a limit. */
#define _GNU_SOURCE

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <quiver/quiver.h>

#include "faults_util.h"
#include "qv_test_support.h"

static const qv_index_kind kinds[] = {QV_INDEX_HNSW, QV_INDEX_FLAT};
static const char* const kind_names[] = {"HNSW", "FLAT"};

/* ---- address-space limits ------------------------------------------------ */

static size_t vm_bytes(void) {
  FILE* f = fopen("/proc/self/statm", "r");
  unsigned long pages = 0;
  if (!f) return 0;
  if (fscanf(f, "%lu", &pages) != 1) pages = 0;
  fclose(f);
  return (size_t)pages * (size_t)sysconf(_SC_PAGESIZE);
}

static struct rlimit saved_as;

/* Allows `headroom` bytes of address space beyond what is mapped now. */
static void limit_address_space(size_t headroom) {
  struct rlimit r;
  assert_int_equal(getrlimit(RLIMIT_AS, &saved_as), 0);
  r = saved_as;
  r.rlim_cur = (rlim_t)(vm_bytes() + headroom);
  assert_int_equal(setrlimit(RLIMIT_AS, &r), 0);
}

static void unlimit_address_space(void) { assert_int_equal(setrlimit(RLIMIT_AS, &saved_as), 0); }

static int skip_if_sanitized(const char* test) {
  if (!qvt_sanitized()) return 0;
  printf("[ skipped  ] %s: address-space limits do not work under sanitizers\n", test);
  return 1;
}

/* A saved index and its file, to check that nothing committed changes. */
typedef struct saved {
  char *dir, *path;
  unsigned char* bytes;
  size_t size;
} saved;

static void save_now(const qv_index* index, saved* s) {
  s->dir = qvx_temp_dir("oom");
  s->path = qvx_path(s->dir, "index.qv");
  assert_int_equal(qv_index_save(index, s->path), QV_OK);
  s->bytes = qvt_read_file(s->path, &s->size);
  assert_non_null(s->bytes);
}

/* The file is as saved and opens; the index can be saved again and reopens
 * with the same answers. */
static void check_saved_and_resave(const qv_index* index, saved* s) {
  qv_index* reopened = NULL;
  qvx_fingerprint mem, disk;
  assert_true(qvx_file_equals(s->path, s->bytes, s->size));
  assert_int_equal(qv_index_open(s->path, QV_OPEN_MMAP, &reopened), QV_OK);
  qv_index_free(reopened);
  reopened = NULL;
  assert_int_equal(qv_index_save(index, s->path), QV_OK);
  if (qv_index_open(s->path, QV_OPEN_LOAD, &reopened) != QV_OK)
    fail_msg("the index saved after the failure does not reopen: %s", qv_last_error());
  assert_int_equal(qvx_fingerprint_of(index, &mem), QV_OK);
  assert_int_equal(qvx_fingerprint_of(reopened, &disk), QV_OK);
  assert_true(qvx_fingerprint_equal(&mem, &disk));
  qv_index_free(reopened);
  free(s->bytes);
  free(s->path);
  qvx_remove_tree(s->dir);
}

/* ---- impossible sizes ----------------------------------------------------- */

static void test_add_batch_with_impossible_n_reads_nothing(void** state) {
  static const uint32_t dims[] = {1, 16, QV_MAX_DIM};
  size_t k, d, i;
  (void)state;
  for (k = 0; k < 2; ++k)
    for (d = 0; d < 3; ++d) {
      qv_index* index = qvx_build(kinds[k], dims[d], 3, 1);
      const size_t ns[] = {SIZE_MAX, SIZE_MAX / 2, SIZE_MAX / sizeof(float) / dims[d] + 1};
      uint64_t keys[1] = {77};
      float* vector = calloc(dims[d], sizeof(float));
      qvx_fingerprint before, after;
      assert_int_equal(qvx_fingerprint_of(index, &before), QV_OK);
      for (i = 0; i < 3; ++i) {
        qv_status s = qv_index_add_batch(index, ns[i], keys, vector);
        if (s != QV_ERR_OUT_OF_MEMORY && s != QV_ERR_INVALID_ARGUMENT)
          fail_msg("%s dim %u n %zu: %s", kind_names[k], dims[d], ns[i], qv_status_string(s));
        assert_true(strlen(qv_last_error()) > 0);
      }
      assert_int_equal(qvx_fingerprint_of(index, &after), QV_OK);
      assert_true(qvx_fingerprint_equal(&before, &after));
      assert_int_equal(qv_index_add(index, 77, vector), QV_OK);
      free(vector);
      qv_index_free(index);
    }
}

static void test_search_batch_with_impossible_sizes_writes_nothing(void** state) {
  size_t k;
  (void)state;
  for (k = 0; k < 2; ++k) {
    qv_index* index = qvx_build(kinds[k], 8, 20, 2);
    float queries[2 * 8] = {0};
    uint64_t keys[4] = {1, 2, 3, 4};
    size_t found[2] = {5, 6};
    const struct {
      size_t nq, k;
    } cases[] = {{SIZE_MAX, 1}, {SIZE_MAX / 8 + 1, 1}, {2, SIZE_MAX / 2 + 1}, {3, SIZE_MAX / 3}};
    size_t c;
    for (c = 0; c < sizeof cases / sizeof cases[0]; ++c) {
      qv_status s =
          qv_index_search_batch(index, cases[c].nq, queries, cases[c].k, NULL, keys, NULL, found);
      if (s != QV_ERR_OUT_OF_MEMORY && s != QV_ERR_INVALID_ARGUMENT)
        fail_msg("%s nq %zu k %zu: %s", kind_names[k], cases[c].nq, cases[c].k,
                 qv_status_string(s));
      assert_int_equal(keys[0], 1);
      assert_int_equal(found[0], 5);
    }
    qv_index_free(index);
  }
}

/* k and ef larger than the index are valid: they ask for everything. */
static void test_huge_k_and_ef_return_everything_without_huge_allocations(void** state) {
  size_t k;
  (void)state;
  for (k = 0; k < 2; ++k) {
    const size_t n = 50;
    qv_index* index = qvx_build(kinds[k], 8, n, 3);
    float query[8] = {0.5f, 0, 0, 0, 0, 0, 0, 0};
    uint64_t keys[64];
    float dist[64];
    size_t found = 0, c, e;
    qv_search_params p;
    const size_t ks[] = {SIZE_MAX, SIZE_MAX / 16, (size_t)1 << 40, (size_t)UINT32_MAX + 1, 1000};
    const uint32_t efs[] = {0, UINT32_MAX, 1u << 30};
    int limited = !qvt_sanitized();
    assert_int_equal(qv_index_remove(index, 4), QV_OK);
    qv_search_params_init(&p);
    /* Not even a gigabyte of address space is needed to answer. */
    if (limited) limit_address_space((size_t)1 << 30);
    for (c = 0; c < sizeof ks / sizeof ks[0]; ++c)
      for (e = 0; e < 3; ++e) {
        qv_status s;
        p.ef = efs[e];
        found = 0;
        s = qv_index_search(index, query, ks[c], &p, keys, dist, &found);
        if (s != QV_OK || found != n - 1) {
          if (limited) unlimit_address_space();
          fail_msg("%s k %zu ef %u: %s, found %zu of %zu: %s", kind_names[k], ks[c], efs[e],
                   qv_status_string(s), found, n - 1, qv_last_error());
        }
      }
    if (limited) unlimit_address_space();
    qv_index_free(index);
  }
}

/* ---- real allocation failures (RLIMIT_AS) ------------------------------------ */

/* A batch of 16384 vectors at QV_MAX_DIM is 4 GiB; the process may map only
 * 512 MiB more. The caller's batch is real memory (zero pages, never
 * written), so the library reads what it is given. */
static void test_batch_at_max_dim_beyond_memory_is_out_of_memory(void** state) {
  const size_t n = 16384, dim = QV_MAX_DIM;
  const size_t bytes = n * dim * sizeof(float);
  size_t k, i;
  (void)state;
  if (skip_if_sanitized("batch at max dim")) return;
  for (k = 0; k < 2; ++k) {
    qv_index* index = qvx_build(kinds[k], QV_MAX_DIM, 4, 4);
    float* vectors =
        mmap(NULL, bytes, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    uint64_t* keys = malloc(n * sizeof *keys);
    qvx_fingerprint before, after;
    saved file;
    qv_status s;
    char message[1024];
    size_t count = 0;
    assert_true(vectors != MAP_FAILED);
    assert_non_null(keys);
    for (i = 0; i < n; ++i) keys[i] = 100000 + i;
    save_now(index, &file);
    assert_int_equal(qvx_fingerprint_of(index, &before), QV_OK);
    limit_address_space((size_t)512 << 20);
    s = qv_index_add_batch(index, n, keys, vectors);
    snprintf(message, sizeof message, "%s", qv_last_error());
    unlimit_address_space();
    printf("[ info     ] %s: %zu x %zu batch (%zu MiB) with 512 MiB free: %s: %s\n", kind_names[k],
           n, dim, bytes >> 20, qv_status_string(s), message);
    assert_int_equal(s, QV_ERR_OUT_OF_MEMORY);
    assert_int_equal(qv_index_count(index, &count), QV_OK);
    assert_int_equal(count, 4);
    assert_int_equal(qvx_fingerprint_of(index, &after), QV_OK);
    assert_true(qvx_fingerprint_equal(&before, &after));
    /* The batch's keys were not taken. */
    assert_int_equal(qv_index_add_batch(index, 2, keys, vectors), QV_OK);
    check_saved_and_resave(index, &file);
    munmap(vectors, bytes);
    free(keys);
    qv_index_free(index);
  }
}

/* Adds one vector after another until the address space runs out, at
 * several limits so the failure lands in different allocations (vector
 * storage, graph links, the key map, the upper layers). Every add that
 * succeeded is there, the one that failed is not, and the index saves and
 * reopens with the same answers. */
static void test_adds_until_memory_runs_out_leave_a_consistent_index(void** state) {
  const uint32_t dim = 512;
  const size_t headrooms[] = {(size_t)6 << 20, (size_t)13 << 20, (size_t)29 << 20};
  size_t k, h;
  (void)state;
  if (skip_if_sanitized("adds until memory runs out")) return;
  for (k = 0; k < 2; ++k)
    for (h = 0; h < 3; ++h) {
      qv_index* index = qvx_build(kinds[k], dim, 10, 5);
      float* pool = qvt_gaussian_vectors(256, dim, 6);
      saved file;
      size_t added = 0, count = 0, i;
      qv_status s = QV_OK;
      char message[1024];
      float* got = malloc(dim * sizeof(float));
      save_now(index, &file);
      limit_address_space(headrooms[h]);
      while (added < 1000000) {
        s = qv_index_add(index, 1000 + added, pool + (added % 256) * dim);
        if (s != QV_OK) break;
        ++added;
      }
      snprintf(message, sizeof message, "%s", qv_last_error());
      unlimit_address_space();
      printf("[ info     ] %s, %zu MiB headroom: %zu adds, then %s: %s\n", kind_names[k],
             headrooms[h] >> 20, added, qv_status_string(s), message);
      assert_int_equal(s, QV_ERR_OUT_OF_MEMORY);
      assert_int_equal(qv_index_count(index, &count), QV_OK);
      assert_int_equal(count, 10 + added);
      for (i = 0; i < added; i += 1 + added / 64) {
        assert_int_equal(qv_index_get(index, 1000 + i, got), QV_OK);
        assert_memory_equal(got, pool + (i % 256) * dim, dim * sizeof(float));
      }
      assert_int_equal(qv_index_get(index, 1000 + added, got), QV_ERR_NOT_FOUND);
      assert_int_equal(qv_index_add(index, 1000 + added, pool), QV_OK);
      assert_int_equal(qv_index_remove(index, 1000), QV_OK);
      check_saved_and_resave(index, &file);
      free(got);
      free(pool);
      qv_index_free(index);
    }
}

/* Batches of 256 the same way: a batch that fails adds nothing. */
static void test_batches_until_memory_runs_out_are_all_or_nothing(void** state) {
  const uint32_t dim = 512;
  const size_t batch = 256;
  const size_t headrooms[] = {(size_t)9 << 20, (size_t)23 << 20};
  size_t k, h;
  (void)state;
  if (skip_if_sanitized("batches until memory runs out")) return;
  for (k = 0; k < 2; ++k)
    for (h = 0; h < 2; ++h) {
      qv_index* index = qvx_build(kinds[k], dim, 10, 7);
      float* pool = qvt_gaussian_vectors(batch, dim, 8);
      uint64_t* keys = malloc(batch * sizeof *keys);
      saved file;
      size_t batches = 0, count = 0, i;
      qv_status s = QV_OK;
      char message[1024];
      save_now(index, &file);
      limit_address_space(headrooms[h]);
      while (batches < 10000) {
        for (i = 0; i < batch; ++i) keys[i] = 1000 + batches * batch + i;
        s = qv_index_add_batch(index, batch, keys, pool);
        if (s != QV_OK) break;
        ++batches;
      }
      snprintf(message, sizeof message, "%s", qv_last_error());
      unlimit_address_space();
      printf("[ info     ] %s, %zu MiB headroom: %zu batches, then %s: %s\n", kind_names[k],
             headrooms[h] >> 20, batches, qv_status_string(s), message);
      assert_int_equal(s, QV_ERR_OUT_OF_MEMORY);
      assert_int_equal(qv_index_count(index, &count), QV_OK);
      /* HNSW may keep what it linked before memory ran out (documented:
       * "what was linked stays"); it never counts what it did not keep. */
      if (kinds[k] == QV_INDEX_FLAT) assert_int_equal(count, 10 + batches * batch);
      assert_true(count >= 10 + batches * batch && count < 10 + (batches + 1) * batch);
      check_saved_and_resave(index, &file);
      free(keys);
      free(pool);
      qv_index_free(index);
    }
}

static void test_metadata_larger_than_memory_is_out_of_memory(void** state) {
  const size_t len = (size_t)1 << 30;
  const void* data = NULL;
  size_t got = 0;
  unsigned char* blob;
  qv_index* index;
  saved file;
  qv_status s;
  (void)state;
  if (skip_if_sanitized("metadata larger than memory")) return;
  index = qvx_build(QV_INDEX_HNSW, 8, 20, 9);
  blob = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  assert_true(blob != MAP_FAILED);
  save_now(index, &file);
  limit_address_space((size_t)256 << 20);
  s = qv_index_set_metadata(index, 1, blob, len);
  unlimit_address_space();
  assert_int_equal(s, QV_ERR_OUT_OF_MEMORY);
  /* Key 1 keeps its old metadata. */
  assert_int_equal(qv_index_get_metadata(index, 1, &data, &got), QV_OK);
  assert_int_equal(got, 6);
  assert_memory_equal(data, "meta-1", 6);
  check_saved_and_resave(index, &file);
  munmap(blob, len);
  qv_index_free(index);
}

/* Ballast: under an address-space limit, takes every byte malloc can still
 * hand out (free lists included), so the next allocation fails for sure. */
typedef struct ballast_block {
  struct ballast_block* next;
  size_t size;
} ballast_block;
static ballast_block* ballast;

static void eat_free_memory(void) {
  size_t size;
  for (size = (size_t)1 << 20; size >= 64; size /= 2) {
    ballast_block* b;
    while ((b = malloc(size)) != NULL) {
      b->next = ballast;
      b->size = size;
      ballast = b;
    }
  }
}

/* Frees about `bytes` of ballast (all of it for SIZE_MAX). */
static void release_ballast(size_t bytes) {
  while (ballast && bytes > 0) {
    ballast_block* next = ballast->next;
    bytes = bytes > ballast->size ? bytes - ballast->size : 0;
    free(ballast);
    ballast = next;
  }
}

/* compact rebuilds the graph in a second copy; memory for it runs out at
 * several points. The index must answer exactly as before. */
static void test_compact_out_of_memory_leaves_the_index_unchanged(void** state) {
  const size_t spare[] = {64 << 10, 1 << 20, 3 << 20};
  size_t h, i;
  int failures = 0;
  (void)state;
  if (skip_if_sanitized("compact out of memory")) return;
  for (h = 0; h < 3; ++h) {
    qv_index* index = qvx_build(QV_INDEX_HNSW, 256, 3000, 10);
    qvx_fingerprint before, after;
    qv_index_info info;
    saved file;
    qv_status s;
    for (i = 1; i <= 3000; i += 3) assert_int_equal(qv_index_remove(index, i), QV_OK);
    save_now(index, &file);
    assert_int_equal(qvx_fingerprint_of(index, &before), QV_OK);
    limit_address_space(0);
    eat_free_memory();
    release_ballast(spare[h]);
    s = qv_index_compact(index);
    release_ballast(SIZE_MAX);
    unlimit_address_space();
    printf("[ info     ] compact with %zu KiB to spare: %s\n", spare[h] >> 10, qv_status_string(s));
    info.struct_size = sizeof info;
    assert_int_equal(qv_index_get_info(index, &info), QV_OK);
    if (s == QV_OK) {
      assert_int_equal(info.deleted, 0);
    } else {
      ++failures;
      assert_int_equal(s, QV_ERR_OUT_OF_MEMORY);
      assert_int_equal(info.deleted, 1000);
      assert_int_equal(qvx_fingerprint_of(index, &after), QV_OK);
      assert_true(qvx_fingerprint_equal(&before, &after));
      /* And it can still be compacted once memory is back. */
      assert_int_equal(qv_index_compact(index), QV_OK);
    }
    assert_int_equal(qv_index_get_info(index, &info), QV_OK);
    assert_int_equal(info.count, 2000);
    check_saved_and_resave(index, &file);
    qv_index_free(index);
  }
  assert_true(failures >= 1); /* the rebuild needs more than 64 KiB */
}

static void test_open_out_of_memory_is_reported(void** state) {
  size_t k;
  (void)state;
  if (skip_if_sanitized("open out of memory")) return;
  for (k = 0; k < 2; ++k) {
    qv_index* index = qvx_build(kinds[k], 64, 2000, 11);
    qv_index* opened = NULL;
    saved file;
    qv_status load, map;
    save_now(index, &file);
    limit_address_space(0);
    load = qv_index_open(file.path, QV_OPEN_LOAD, &opened);
    map = qv_index_open(file.path, QV_OPEN_MMAP, &opened);
    unlimit_address_space();
    printf("[ info     ] %s open with no address space left: load %s, mmap %s\n", kind_names[k],
           qv_status_string(load), qv_status_string(map));
    assert_int_equal(load, QV_ERR_OUT_OF_MEMORY);
    assert_int_equal(map, QV_ERR_OUT_OF_MEMORY);
    assert_null(opened);
    check_saved_and_resave(index, &file);
    qv_index_free(index);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      QVT_TIMED(test_add_batch_with_impossible_n_reads_nothing),
      QVT_TIMED(test_search_batch_with_impossible_sizes_writes_nothing),
      QVT_TIMED(test_huge_k_and_ef_return_everything_without_huge_allocations),
      QVT_TIMED(test_batch_at_max_dim_beyond_memory_is_out_of_memory),
      QVT_TIMED(test_adds_until_memory_runs_out_leave_a_consistent_index),
      QVT_TIMED(test_batches_until_memory_runs_out_are_all_or_nothing),
      QVT_TIMED(test_metadata_larger_than_memory_is_out_of_memory),
      QVT_TIMED(test_compact_out_of_memory_leaves_the_index_unchanged),
      QVT_TIMED(test_open_out_of_memory_is_reported),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
