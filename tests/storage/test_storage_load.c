/* QV_OPEN_LOAD on indexes whose sections span several 1 MiB checksum
 * blocks and several of the index's memory chunks, whose boundaries do not
 * line up with the blocks'. A load reads each large section straight from
 * the file into the index's memory, hashing each block as it arrives, on
 * the open's threads, and fills the HNSW key map in parallel: the loaded
 * index must equal the saved one on any thread count, damage deep inside a
 * section must be reported naming the file, the section and the checksum,
 * and keys must behave when removed and added again after the load. */
#define _DEFAULT_SOURCE

/* cmocka needs these four first, in this order. */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
/* clang-format on */

#include <quiver/quiver.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qv_test_support.h"
#include "storage_test_util.h"

#define DIM 64
#define NQ 20
#define K 10

/* HNSW: 324-byte records, 12,000 nodes = 3.7 MiB over 8 store chunks.
 * FLAT: 20,000 rows of 256 bytes = 4.9 MiB over 2 chunks of 16,384 rows. */
static size_t rows_for(qv_index_kind kind) { return kind == QV_INDEX_HNSW ? 12000 : 20000; }

static const qv_index_kind kKinds[] = {QV_INDEX_FLAT, QV_INDEX_HNSW};

static qv_status open_load(const char* path, uint32_t threads, qv_index** out) {
  qv_open_options opts;
  qv_open_options_init(&opts);
  opts.mode = QV_OPEN_LOAD;
  opts.threads = threads;
  return qv_index_open_with_options(path, &opts, out);
}

static void test_large_indexes_load_identically_on_any_threads(void** state) {
  size_t k;
  (void)state;
  for (k = 0; k < 2; ++k) {
    const size_t n = rows_for(kKinds[k]);
    char* dir = qvs_temp_dir("load");
    char* path = qvs_path(dir, "index.qv");
    qv_index* original = qvs_build_index(kKinds[k], QV_METRIC_COSINE, DIM, n, 3, 7, NULL);
    float* queries = qvt_gaussian_vectors(NQ, DIM, 77);
    uint32_t threads;
    assert_int_equal(qv_index_save(original, path), QV_OK);
    for (threads = 0; threads <= 3; ++threads) {
      qv_index* loaded = NULL;
      char why[256];
      qv_status s = open_load(path, threads, &loaded);
      if (s != QV_OK)
        fail_msg("kind %d, %u threads: %s: %s", kKinds[k], threads, qv_status_string(s),
                 qv_last_error());
      if (qvs_compare_indexes(original, loaded, queries, NQ, K, n, why, sizeof why) != 0)
        fail_msg("kind %d, %u threads: %s", kKinds[k], threads, why);
      qv_index_free(loaded);
    }
    free(queries);
    qv_index_free(original);
    free(path);
    qvs_remove_tree(dir);
  }
}

static void test_damage_deep_in_a_large_section_is_reported(void** state) {
  size_t k;
  (void)state;
  for (k = 0; k < 2; ++k) {
    char* dir = qvs_temp_dir("loaddamage");
    char *good = qvs_path(dir, "good.qv"), *bad = qvs_path(dir, "bad.qv");
    qv_index* original =
        qvs_build_index(kKinds[k], QV_METRIC_L2, DIM, rows_for(kKinds[k]), 5, 0, NULL);
    qvs_section sections[QVS_MAX_SECTIONS];
    unsigned char* bytes;
    size_t size;
    int count, i, large = 0;
    assert_int_equal(qv_index_save(original, good), QV_OK);
    qv_index_free(original);
    bytes = qvt_read_file(good, &size);
    assert_non_null(bytes);
    count = qvs_sections(bytes, size, sections, QVS_MAX_SECTIONS);
    for (i = 0; i < count; ++i) {
      const qvs_section* s = &sections[i];
      /* In the second and in the last checksum block. */
      uint64_t spots[2];
      int p;
      if (s->stored_size <= (2u << 20)) continue;
      ++large;
      spots[0] = s->payload_offset + (1u << 20) + 4099;
      spots[1] = s->end_offset - 1;
      for (p = 0; p < 2; ++p) {
        uint32_t threads;
        bytes[spots[p]] ^= 0x20;
        assert_int_equal(qvs_write_file(bad, bytes, size), 0);
        bytes[spots[p]] ^= 0x20;
        for (threads = 1; threads <= 2; ++threads) {
          qv_index* index = NULL;
          qv_status st = open_load(bad, threads, &index);
          if (st != QV_ERR_CORRUPT) {
            qv_index_free(index);
            fail_msg("%s, byte %llu, %u threads: got %s", qvs_section_name(s->kind),
                     (unsigned long long)spots[p], threads, qv_status_string(st));
          }
          if (!qvt_contains(qv_last_error(), bad) ||
              !qvt_contains(qv_last_error(), qvs_section_name(s->kind)) ||
              !qvt_contains(qv_last_error(), "checksum"))
            fail_msg("%s: the message does not name the file, the section and the checksum: %s",
                     qvs_section_name(s->kind), qv_last_error());
        }
      }
    }
    assert_true(large >= 1);
    free(bytes);
    free(good);
    free(bad);
    qvs_remove_tree(dir);
  }
}

static void test_keys_removed_and_added_again_after_a_load(void** state) {
  const size_t n = rows_for(QV_INDEX_HNSW);
  char* dir = qvs_temp_dir("loadkeys");
  char* path = qvs_path(dir, "index.qv");
  qv_index* original = qvs_build_index(QV_INDEX_HNSW, QV_METRIC_L2, DIM, n, 9, 0, NULL);
  float* fresh = qvt_gaussian_vectors(1, DIM, 123);
  float got[DIM];
  qv_index* loaded = NULL;
  size_t i, count = 0;
  (void)state;
  assert_int_equal(qv_index_save(original, path), QV_OK);
  qv_index_free(original);
  assert_int_equal(open_load(path, 2, &loaded), QV_OK);
  /* Every third key out, every sixth back: long probe runs in the key map
   * get holes closed behind them and filled again. */
  for (i = 0; i < n; i += 3) assert_int_equal(qv_index_remove(loaded, qvs_key(i)), QV_OK);
  for (i = 0; i < n; i += 6) assert_int_equal(qv_index_add(loaded, qvs_key(i), fresh), QV_OK);
  for (i = 0; i < n; ++i) {
    const qv_status want = (i % 3 == 0 && i % 6 != 0) ? QV_ERR_NOT_FOUND : QV_OK;
    qv_status s = qv_index_get(loaded, qvs_key(i), got);
    if (s != want)
      fail_msg("key %llu: got %s, expected %s", (unsigned long long)qvs_key(i), qv_status_string(s),
               qv_status_string(want));
    count += s == QV_OK;
  }
  assert_int_equal(qv_index_add(loaded, qvs_key(1), fresh), QV_ERR_DUPLICATE_KEY);
  assert_int_equal(qv_index_get(loaded, 5, got), QV_ERR_NOT_FOUND); /* never a key */
  {
    size_t live = 0;
    assert_int_equal(qv_index_count(loaded, &live), QV_OK);
    assert_int_equal(live, count);
  }
  qv_index_free(loaded);
  free(fresh);
  free(path);
  qvs_remove_tree(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      QVT_TIMED(test_large_indexes_load_identically_on_any_threads),
      QVT_TIMED(test_damage_deep_in_a_large_section_is_reported),
      QVT_TIMED(test_keys_removed_and_added_again_after_a_load),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
