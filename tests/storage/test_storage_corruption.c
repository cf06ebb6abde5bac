/* Damaged files: a missing file, a truncated file, a flipped byte anywhere,
 * a wrong magic, a future version or feature, sections that disagree on the
 * dimension. Each open answers the right status with a message naming the
 * file and the section, for QV_OPEN_LOAD and QV_OPEN_MMAP alike, and never
 * crashes or opens a wrong index. */
#define _DEFAULT_SOURCE

/* cmocka needs these four first, in this order. */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
/* clang-format on */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <quiver/quiver.h>

#include "qv_test_support.h"
#include "storage_test_util.h"

#define DIM 8

typedef struct fixture {
  char* dir;
  char* good; /* a valid saved index */
  char* bad;  /* where damaged copies go */
  unsigned char* bytes;
  size_t size;
  qvs_section sections[QVS_MAX_SECTIONS];
  int count;
} fixture;

static void make_fixture(fixture* f, qv_index_kind kind, const qv_save_options* opts) {
  qv_index* index = qvs_build_index(kind, QV_METRIC_L2, DIM, 300, 3, 4, NULL);
  uint64_t hit;
  size_t found = 0;
  /* A keyword search builds the keyword index, which the save then writes. */
  assert_int_equal(qv_index_search_keywords(index, "key", 1, NULL, &hit, NULL, &found), QV_OK);
  f->dir = qvs_temp_dir("corrupt");
  f->good = qvs_path(f->dir, "good.qv");
  f->bad = qvs_path(f->dir, "bad.qv");
  assert_int_equal(qv_index_save_with_options(index, f->good, opts), QV_OK);
  qv_index_free(index);
  f->bytes = qvt_read_file(f->good, &f->size);
  assert_non_null(f->bytes);
  f->count = qvs_sections(f->bytes, f->size, f->sections, QVS_MAX_SECTIONS);
  assert_true(f->count >= 4);
}

static void free_fixture(fixture* f) {
  free(f->bytes);
  free(f->good);
  free(f->bad);
  qvs_remove_tree(f->dir);
}

/* Opens `path` both ways; both must fail with `want` and a message holding
 * the path and `section` (NULL: the path only). */
static void expect_open_fails(const char* path, qv_status want, const char* section,
                              const char* what) {
  int mode;
  for (mode = QV_OPEN_LOAD; mode <= QV_OPEN_MMAP; ++mode) {
    qv_index* index = NULL;
    qv_status s = qv_index_open(path, (qv_open_mode)mode, &index);
    if (s != want) {
      qv_index_free(index);
      fail_msg("%s (mode %d): got %s, expected %s: %s", what, mode, qv_status_string(s),
               qv_status_string(want), qv_last_error());
    }
    assert_null(index);
    if (!qvt_contains(qv_last_error(), path))
      fail_msg("%s: the message does not name the file: %s", what, qv_last_error());
    if (section && !qvt_contains(qv_last_error(), section))
      fail_msg("%s: the message does not name the section '%s': %s", what, section,
               qv_last_error());
  }
}

/* Writes bytes[0, size) with `patch` applied as the damaged file. */
static void write_bad(fixture* f, const unsigned char* bytes, size_t size) {
  assert_int_equal(qvs_write_file(f->bad, bytes, size), 0);
}

static unsigned char* copy_of(const fixture* f) {
  unsigned char* c = malloc(f->size);
  memcpy(c, f->bytes, f->size);
  return c;
}

static void test_missing_file_is_not_found(void** state) {
  char* dir = qvs_temp_dir("missing");
  char* path = qvs_path(dir, "nothing.qv");
  (void)state;
  expect_open_fails(path, QV_ERR_NOT_FOUND, NULL, "missing file");
  expect_open_fails(dir, QV_ERR_IO, NULL, "a directory");
  free(path);
  qvs_remove_tree(dir);
}

static void test_empty_and_foreign_files_are_corrupt(void** state) {
  fixture f;
  unsigned char* c;
  (void)state;
  make_fixture(&f, QV_INDEX_FLAT, NULL);
  write_bad(&f, f.bytes, 0);
  expect_open_fails(f.bad, QV_ERR_CORRUPT, "file header", "empty file");
  write_bad(&f, (const unsigned char*)"hello, world\n", 13);
  expect_open_fails(f.bad, QV_ERR_CORRUPT, "magic", "text file");
  c = copy_of(&f);
  c[1] ^= 0x20; /* "QVR" -> "qVR" */
  write_bad(&f, c, f.size);
  expect_open_fails(f.bad, QV_ERR_CORRUPT, "magic", "wrong magic");
  free(c);
  free_fixture(&f);
}

/* A file of format version 1 (Quiver 0.1: no storage field, zero there)
 * opens, both ways, as the float32 index it is. */
static void test_version_1_file_opens_as_float32(void** state) {
  fixture f;
  unsigned char* c;
  int i, m;
  (void)state;
  make_fixture(&f, QV_INDEX_HNSW, NULL);
  c = copy_of(&f);
  qvs_put_u32(c + QVS_OFF_VERSION, 1);
  for (i = 0; i < f.count; ++i) {
    const qvs_section* s = &f.sections[i];
    qvs_put_u32(c + s->header_offset + 4, 1); /* the section header's format_version */
    if (s->kind == 1) {                       /* index header: storage and flags */
      qvs_put_u32(c + s->payload_offset + 88, 0);
      qvs_put_u32(c + s->payload_offset + 92, 0);
      qvs_fix_payload_checksum(c, s);
    }
    qvs_fix_section_header_checksum(c, s);
  }
  qvs_fix_head_checksum(c);
  write_bad(&f, c, f.size);
  for (m = 0; m < 2; ++m) {
    qv_index *old = NULL, *now = NULL;
    qv_index_info info;
    char why[256];
    float queries[3 * DIM];
    for (i = 0; i < 3 * DIM; ++i) queries[i] = (float)((i * 7) % 11) - 5.0f;
    if (qv_index_open(f.bad, m ? QV_OPEN_MMAP : QV_OPEN_LOAD, &old) != QV_OK)
      fail_msg("a version 1 file does not open: %s", qv_last_error());
    assert_int_equal(qv_index_open(f.good, QV_OPEN_LOAD, &now), QV_OK);
    qv_index_info_init(&info);
    assert_int_equal(qv_index_get_info(old, &info), QV_OK);
    assert_int_equal(info.storage, QV_STORAGE_F32);
    if (qvs_compare_indexes(old, now, queries, 3, 5, 50, why, sizeof why) != 0)
      fail_msg("version 1 file differs: %s", why);
    qv_index_free(old);
    qv_index_free(now);
  }
  free(c);
  free_fixture(&f);
}

static void test_future_version_and_feature_are_unsupported(void** state) {
  fixture f;
  unsigned char* c;
  (void)state;
  make_fixture(&f, QV_INDEX_HNSW, NULL);
  c = copy_of(&f);
  qvs_put_u32(c + QVS_OFF_VERSION, QVS_FORMAT_VERSION + 1);
  write_bad(&f, c, f.size);
  expect_open_fails(f.bad, QV_ERR_UNSUPPORTED, "format version 3", "future version");
  /* Even a future version too short to hold a version-1 head. */
  write_bad(&f, c, 64);
  expect_open_fails(f.bad, QV_ERR_UNSUPPORTED, "format version 3", "short future file");
  memcpy(c, f.bytes, f.size);
  qvs_put_u32(c + QVS_OFF_INCOMPATIBLE, 1u << 7);
  qvs_fix_head_checksum(c);
  write_bad(&f, c, f.size);
  expect_open_fails(f.bad, QV_ERR_UNSUPPORTED, "file header", "unknown required feature");
  free(c);
  free_fixture(&f);
}

/* Cut the file inside every section (its header, its payload, its last
 * byte) and inside the head. */
static void check_truncations(qv_index_kind kind, const qv_save_options* opts) {
  fixture f;
  int i;
  make_fixture(&f, kind, opts);
  write_bad(&f, f.bytes, 100);
  expect_open_fails(f.bad, QV_ERR_CORRUPT, "file header", "cut in the head");
  write_bad(&f, f.bytes, QVS_HEAD_SIZE - 1);
  expect_open_fails(f.bad, QV_ERR_CORRUPT, "file header", "cut at the end of the head");
  for (i = 0; i < f.count; ++i) {
    const qvs_section* s = &f.sections[i];
    const char* name = qvs_section_name(s->kind);
    size_t cuts[3];
    int c;
    cuts[0] = (size_t)s->header_offset + 1;
    cuts[1] = (size_t)(s->payload_offset + s->stored_size / 2);
    cuts[2] = (size_t)s->end_offset - 1;
    for (c = 0; c < 3; ++c) {
      char what[128];
      if (cuts[c] >= s->end_offset) continue; /* an empty payload has no middle */
      snprintf(what, sizeof what, "kind %d: %s cut at byte %zu", kind, name, cuts[c]);
      write_bad(&f, f.bytes, cuts[c]);
      expect_open_fails(f.bad, QV_ERR_CORRUPT, name, what);
      if (!qvt_contains(qv_last_error(), "truncated"))
        fail_msg("%s: the message does not say truncated: %s", what, qv_last_error());
    }
  }
  /* A byte too many is damage too. */
  {
    unsigned char* longer = malloc(f.size + 1);
    memcpy(longer, f.bytes, f.size);
    longer[f.size] = 0;
    write_bad(&f, longer, f.size + 1);
    expect_open_fails(f.bad, QV_ERR_CORRUPT, "file header", "one byte appended");
    free(longer);
  }
  free_fixture(&f);
}

static void test_truncation_names_the_cut_section(void** state) {
  qv_save_options opts;
  (void)state;
  check_truncations(QV_INDEX_FLAT, NULL);
  check_truncations(QV_INDEX_HNSW, NULL);
  qv_save_options_init(&opts);
  opts.compress_vectors = opts.compress_graph = 1;
  check_truncations(QV_INDEX_HNSW, &opts);
}

/* A flipped byte in each section's header and at the start, middle and end
 * of each payload. */
static void check_flips_in_every_section(qv_index_kind kind, const qv_save_options* opts) {
  fixture f;
  int i;
  make_fixture(&f, kind, opts);
  for (i = 0; i < f.count; ++i) {
    const qvs_section* s = &f.sections[i];
    const char* name = qvs_section_name(s->kind);
    uint64_t spots[6];
    int p;
    spots[0] = s->header_offset + QVS_SOFF_KIND;
    spots[1] = s->header_offset + QVS_SOFF_COUNT;
    spots[2] = s->header_offset + QVS_SOFF_PAYLOAD_CHECKSUM + 3;
    spots[3] = s->payload_offset;
    spots[4] = s->payload_offset + s->stored_size / 2;
    spots[5] = s->end_offset - 1;
    for (p = 0; p < 6; ++p) {
      unsigned char* c;
      char what[128];
      if (p >= 3 && spots[p] >= s->end_offset) continue;
      c = copy_of(&f);
      c[spots[p]] ^= 0x10;
      snprintf(what, sizeof what, "kind %d: %s, byte %llu flipped", kind, name,
               (unsigned long long)spots[p]);
      write_bad(&f, c, f.size);
      expect_open_fails(f.bad, QV_ERR_CORRUPT, name, what);
      if (!qvt_contains(qv_last_error(), "checksum"))
        fail_msg("%s: the message does not mention the checksum: %s", what, qv_last_error());
      free(c);
    }
  }
  free_fixture(&f);
}

static void test_flipped_byte_in_each_section_is_corrupt(void** state) {
  qv_save_options opts;
  (void)state;
  check_flips_in_every_section(QV_INDEX_FLAT, NULL);
  check_flips_in_every_section(QV_INDEX_HNSW, NULL);
  qv_save_options_init(&opts);
  opts.compress_vectors = opts.compress_graph = 1;
  check_flips_in_every_section(QV_INDEX_FLAT, &opts);
  check_flips_in_every_section(QV_INDEX_HNSW, &opts);
}

/* Exhaustive: flip every byte of a small file that carries information
 * (the head, every section header and payload) and a sample of the zero
 * padding between sections (its first and last byte and every 97th). No
 * flip may open. */
static int is_padding(const qvs_section* sections, int count, size_t at) {
  int i;
  if (at < QVS_HEAD_SIZE) return 0;
  for (i = 0; i < count; ++i)
    if (at >= sections[i].header_offset && at < sections[i].end_offset) return 0;
  return 1;
}

static void test_every_byte_flip_is_detected(void** state) {
  qv_index* index = qvs_build_index(QV_INDEX_FLAT, QV_METRIC_COSINE, 4, 12, 8, 5, NULL);
  char* dir = qvs_temp_dir("everybyte");
  char *good = qvs_path(dir, "good.qv"), *bad = qvs_path(dir, "bad.qv");
  qvs_section sections[QVS_MAX_SECTIONS];
  unsigned char* bytes;
  size_t size, i, tried = 0, corrupt = 0, unsupported = 0;
  int count;
  (void)state;
  assert_int_equal(qv_index_save(index, good), QV_OK);
  bytes = qvt_read_file(good, &size);
  assert_non_null(bytes);
  count = qvs_sections(bytes, size, sections, QVS_MAX_SECTIONS);
  assert_true(count > 0);
  for (i = 0; i < size; ++i) {
    qv_index* opened = NULL;
    qv_status s;
    if (is_padding(sections, count, i) && i % 97 != 0 && is_padding(sections, count, i - 1) &&
        i + 1 < size && is_padding(sections, count, i + 1))
      continue; /* inside a run of padding: sampled */
    ++tried;
    bytes[i] ^= 0xFF;
    assert_int_equal(qvs_write_file(bad, bytes, size), 0);
    bytes[i] ^= 0xFF;
    s = qv_index_open(bad, (i & 1) ? QV_OPEN_MMAP : QV_OPEN_LOAD, &opened);
    if (s == QV_ERR_CORRUPT) {
      ++corrupt;
    } else if (s == QV_ERR_UNSUPPORTED && i >= QVS_OFF_VERSION && i < QVS_OFF_VERSION + 4) {
      ++unsupported; /* the version field now reads as a future version */
    } else {
      qv_index_free(opened);
      fail_msg("byte %zu of %zu flipped: %s: %s", i, size, qv_status_string(s), qv_last_error());
    }
    if (!qvt_contains(qv_last_error(), bad))
      fail_msg("byte %zu: the message does not name the file: %s", i, qv_last_error());
  }
  print_message("flipped %zu of the file's %zu bytes: %zu corrupt, %zu future version\n", tried,
                size, corrupt, unsupported);
  free(bytes);
  qv_index_free(index);
  free(good);
  free(bad);
  qvs_remove_tree(dir);
}

/* Sections that disagree on the dimension, each re-sealed with valid
 * checksums, so only the cross-checks can catch them. */
static void test_dimension_mismatch_between_sections_is_corrupt(void** state) {
  fixture f;
  unsigned char* c;
  int i;
  (void)state;
  make_fixture(&f, QV_INDEX_HNSW, NULL);
  /* One section header claims another dimension. */
  for (i = 1; i < f.count; ++i) {
    char what[96];
    c = copy_of(&f);
    qvs_put_u32(c + f.sections[i].header_offset + QVS_SOFF_DIM, DIM + 1);
    qvs_fix_section_header_checksum(c, &f.sections[i]);
    write_bad(&f, c, f.size);
    snprintf(what, sizeof what, "%s with dimension %d", qvs_section_name(f.sections[i].kind),
             DIM + 1);
    expect_open_fails(f.bad, QV_ERR_CORRUPT, qvs_section_name(f.sections[i].kind), what);
    assert_true(qvt_contains(qv_last_error(), "dimension"));
    free(c);
  }
  /* The index header's own dimension differs from the file's. */
  c = copy_of(&f);
  assert_int_equal(f.sections[0].kind, QVS_INDEX_HEADER);
  qvs_put_u32(c + f.sections[0].payload_offset + 4, DIM * 2);
  qvs_fix_payload_checksum(c, &f.sections[0]);
  write_bad(&f, c, f.size);
  expect_open_fails(f.bad, QV_ERR_CORRUPT, "index header", "index header dimension");
  assert_true(qvt_contains(qv_last_error(), "dimension"));
  /* Everything says 2*DIM except the records' size: the index catches it. */
  qvs_put_u32(c + QVS_OFF_DIM, DIM * 2);
  for (i = 0; i < f.count; ++i) {
    qvs_put_u32(c + f.sections[i].header_offset + QVS_SOFF_DIM, DIM * 2);
    qvs_fix_section_header_checksum(c, &f.sections[i]);
  }
  qvs_fix_head_checksum(c);
  write_bad(&f, c, f.size);
  expect_open_fails(f.bad, QV_ERR_CORRUPT, "index header", "consistent wrong dimension");
  free(c);
  free_fixture(&f);
}

/* Damage that keeps valid checksums (a buggy writer, not a bad disk): the
 * index's own checks still refuse it when loading. */
static void test_resealed_bad_graph_is_refused_on_load(void** state) {
  fixture f;
  unsigned char* c;
  int i;
  qv_index* index = NULL;
  (void)state;
  make_fixture(&f, QV_INDEX_HNSW, NULL);
  c = copy_of(&f);
  for (i = 0; i < f.count; ++i) {
    if (f.sections[i].kind != QVS_HNSW_RECORDS) continue;
    /* Node 0's first layer-0 link (after its count word) -> a node that does not exist. */
    qvs_put_u32(c + f.sections[i].payload_offset + 4, 1000000);
    qvs_fix_payload_checksum(c, &f.sections[i]);
  }
  write_bad(&f, c, f.size);
  assert_int_equal(qv_index_open(f.bad, QV_OPEN_LOAD, &index), QV_ERR_CORRUPT);
  assert_true(qvt_contains(qv_last_error(), f.bad));
  assert_true(qvt_contains(qv_last_error(), "HNSW vectors and layer-0 links"));
  free(c);
  free_fixture(&f);
}

/* A compressed payload that is not a valid zstd frame, with a valid
 * checksum over it. */
static void test_resealed_bad_compressed_data_is_corrupt(void** state) {
  fixture f;
  qv_save_options opts;
  unsigned char* c;
  int i, found = 0;
  (void)state;
  qv_save_options_init(&opts);
  opts.compress_vectors = 1;
  make_fixture(&f, QV_INDEX_FLAT, &opts);
  for (i = 0; i < f.count; ++i) {
    const qvs_section* s = &f.sections[i];
    if (s->kind != QVS_FLAT_ROWS) continue;
    c = copy_of(&f);
    memset(c + s->payload_offset + s->stored_size / 2, 0xAB, 16);
    qvs_fix_payload_checksum(c, s);
    write_bad(&f, c, f.size);
    expect_open_fails(f.bad, QV_ERR_CORRUPT, "flat vectors", "bad zstd frame");
    free(c);
    found = 1;
  }
  assert_true(found);
  free_fixture(&f);
}

/* Versioning rule: an unknown section kind fails unless marked optional. */
static void test_unknown_sections_follow_the_versioning_rules(void** state) {
  fixture f;
  unsigned char* c;
  int i, meta = -1;
  qv_index* index = NULL;
  const void* data;
  size_t len;
  (void)state;
  make_fixture(&f, QV_INDEX_FLAT, NULL);
  for (i = 0; i < f.count; ++i)
    if (f.sections[i].kind == QVS_METADATA) meta = i;
  assert_true(meta >= 0);
  c = copy_of(&f);
  qvs_put_u32(c + QVS_FILE_HEADER_SIZE + 32u * (unsigned)meta, 99);
  qvs_put_u32(c + f.sections[meta].header_offset + QVS_SOFF_KIND, 99);
  qvs_fix_section_header_checksum(c, &f.sections[meta]);
  qvs_fix_head_checksum(c);
  write_bad(&f, c, f.size);
  expect_open_fails(f.bad, QV_ERR_UNSUPPORTED, "section kind 99", "unknown required section");
  /* Marked optional (flag bit 1, in the directory and the header): skipped. */
  {
    uint32_t flags = qvs_get_u32(c + f.sections[meta].header_offset + QVS_SOFF_FLAGS) | 2u;
    qvs_put_u32(c + QVS_FILE_HEADER_SIZE + 32u * (unsigned)meta + 4, flags);
    qvs_put_u32(c + f.sections[meta].header_offset + QVS_SOFF_FLAGS, flags);
    qvs_fix_section_header_checksum(c, &f.sections[meta]);
    qvs_fix_head_checksum(c);
  }
  write_bad(&f, c, f.size);
  assert_int_equal(qv_index_open(f.bad, QV_OPEN_MMAP, &index), QV_OK);
  assert_int_equal(qv_index_get_metadata(index, qvs_key(5), &data, &len), QV_ERR_NOT_FOUND);
  qv_index_free(index);
  free(c);
  free_fixture(&f);
}

/* QV_VERIFY_DEFERRED skips only the payloads searched in place: damage
 * there opens (as documented) and qv_index_verify reports it, naming the
 * file and section; damage anywhere else still fails the open. */
static void test_deferred_verification_catches_damage_on_verify(void** state) {
  qv_index_kind kinds[2] = {QV_INDEX_FLAT, QV_INDEX_HNSW};
  size_t k;
  (void)state;
  for (k = 0; k < 2; ++k) {
    fixture f;
    int i;
    make_fixture(&f, kinds[k], NULL);
    for (i = 0; i < f.count; ++i) {
      const qvs_section* s = &f.sections[i];
      const char* name = qvs_section_name(s->kind);
      /* Raw sections other than the index header are the deferred ones. */
      int deferred = !(s->flags & 1u) && s->kind != QVS_INDEX_HEADER;
      qv_open_options opts;
      qv_index* index = NULL;
      unsigned char* c;
      qv_status st;
      if (s->stored_size == 0) continue;
      c = copy_of(&f);
      c[s->payload_offset + s->stored_size - 1] ^= 0x01;
      write_bad(&f, c, f.size);
      free(c);
      qv_open_options_init(&opts);
      opts.mode = QV_OPEN_MMAP;
      opts.verify = QV_VERIFY_DEFERRED;
      st = qv_index_open_with_options(f.bad, &opts, &index);
      if (!deferred) {
        if (st != QV_ERR_CORRUPT)
          fail_msg("%s: damage not deferred, got %s", name, qv_status_string(st));
        assert_true(qvt_contains(qv_last_error(), name));
        continue;
      }
      if (st != QV_OK) fail_msg("%s: %s: %s", name, qv_status_string(st), qv_last_error());
      assert_int_equal(qv_index_verify(index), QV_ERR_CORRUPT);
      assert_true(qvt_contains(qv_last_error(), f.bad));
      if (!qvt_contains(qv_last_error(), name))
        fail_msg("verify: the message does not name '%s': %s", name, qv_last_error());
      /* Copying the damaged index elsewhere reports the damage instead of
       * sealing it into a new file with fresh checksums. */
      assert_true(qvs_copies_refused(index, f.dir));
      qv_index_free(index);
      /* Loading ignores the deferral: everything is read, so checked. */
      opts.mode = QV_OPEN_LOAD;
      assert_int_equal(qv_index_open_with_options(f.bad, &opts, &index), QV_ERR_CORRUPT);
    }
    free_fixture(&f);
  }
}

/* The keyword index's own structure is checked on every open, so a section
 * whose checksum was made to match its damage is still refused. */
static void test_resealed_keyword_index_is_corrupt(void** state) {
  fixture f;
  const qvs_section* s = NULL;
  int i, damage;
  (void)state;
  make_fixture(&f, QV_INDEX_HNSW, NULL);
  for (i = 0; i < f.count; ++i)
    if (f.sections[i].kind == QVS_KEYWORD_INDEX) s = &f.sections[i];
  assert_non_null(s);
  assert_int_equal(s->flags & 1u, 0); /* raw: patchable in place */
  for (damage = 0; damage < 3; ++damage) {
    unsigned char* c = copy_of(&f);
    unsigned char* payload = c + s->payload_offset;
    static const char* const what[] = {"bad magic", "text count one too many",
                                       "first text key above the second"};
    if (damage == 0) payload[0] ^= 1;
    if (damage == 1) qvs_put_u64(payload + 8, qvs_get_u64(payload + 8) + 1);
    if (damage == 2) qvs_put_u64(payload + 64, qvs_get_u64(payload + 64 + 16) + 1);
    qvs_fix_payload_checksum(c, s);
    write_bad(&f, c, f.size);
    expect_open_fails(f.bad, QV_ERR_CORRUPT, "keyword index", what[damage]);
    free(c);
  }
  free_fixture(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_missing_file_is_not_found),
      cmocka_unit_test(test_empty_and_foreign_files_are_corrupt),
      cmocka_unit_test(test_version_1_file_opens_as_float32),
      cmocka_unit_test(test_future_version_and_feature_are_unsupported),
      cmocka_unit_test(test_truncation_names_the_cut_section),
      cmocka_unit_test(test_flipped_byte_in_each_section_is_corrupt),
      cmocka_unit_test(test_every_byte_flip_is_detected),
      cmocka_unit_test(test_dimension_mismatch_between_sections_is_corrupt),
      cmocka_unit_test(test_resealed_bad_graph_is_refused_on_load),
      cmocka_unit_test(test_resealed_bad_compressed_data_is_corrupt),
      cmocka_unit_test(test_unknown_sections_follow_the_versioning_rules),
      cmocka_unit_test(test_resealed_keyword_index_is_corrupt),
      cmocka_unit_test(test_deferred_verification_catches_damage_on_verify),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
