/* Damage that keeps valid checksums (a buggy or foreign writer, a crafted
 * file, not a bad disk): values no index writes, re-sealed so that only the
 * index's own checks can see them. NaN and infinite vectors, norms that are
 * not positive, links to nodes that do not exist, impossible levels, a live
 * count that does not match, a key held by two live nodes.
 *
 * The contract (quiver.h, qv_verify_mode): QV_OPEN_LOAD and QV_OPEN_MMAP
 * with QV_VERIFY_ALL run the same checks and refuse such a file with the
 * same status and the same message (naming the file, the section and what
 * is wrong); QV_OPEN_MMAP with QV_VERIFY_DEFERRED opens it, and
 * qv_index_verify reports that same message (every time it is asked), and
 * saving or exporting the index refuses to copy it. */
#define _DEFAULT_SOURCE

/* cmocka needs these four first, in this order. */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
/* clang-format on */

#include <math.h>
#include <quiver/quiver.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qv_test_support.h"
#include "storage_test_util.h"

#define DIM 8
#define N 300

typedef struct fixture {
  char* dir;
  char* bad;
  unsigned char* bytes; /* the valid file */
  size_t size;
  qvs_section sections[QVS_MAX_SECTIONS];
  int count;
} fixture;

/* N vectors, every 4th removed (HNSW keeps tombstones), saved raw. */
static void make_fixture(fixture* f, qv_index_kind kind) {
  qv_index* index = qvs_build_index(kind, QV_METRIC_L2, DIM, N, 5, 4, NULL);
  char* good;
  f->dir = qvs_temp_dir("resealed");
  good = qvs_path(f->dir, "good.qv");
  f->bad = qvs_path(f->dir, "bad.qv");
  assert_int_equal(qv_index_save(index, good), QV_OK);
  qv_index_free(index);
  f->bytes = qvt_read_file(good, &f->size);
  assert_non_null(f->bytes);
  free(good);
  f->count = qvs_sections(f->bytes, f->size, f->sections, QVS_MAX_SECTIONS);
  assert_true(f->count >= 4);
}

static void free_fixture(fixture* f) {
  free(f->bytes);
  free(f->bad);
  qvs_remove_tree(f->dir);
}

static const qvs_section* section_of(const fixture* f, uint32_t kind) {
  int i;
  for (i = 0; i < f->count; ++i)
    if (f->sections[i].kind == kind) {
      assert_int_equal(f->sections[i].flags & 1u, 0); /* raw: patchable in place */
      return &f->sections[i];
    }
  fail_msg("no section of kind %u", kind);
  return NULL;
}

static unsigned char* copy_of(const fixture* f) {
  unsigned char* c = malloc(f->size);
  assert_non_null(c);
  memcpy(c, f->bytes, f->size);
  return c;
}

static void put_float(unsigned char* p, float v) {
  uint32_t bits;
  memcpy(&bits, &v, sizeof bits);
  qvs_put_u32(p, bits);
}

/* Writes the patched copy as the bad file, re-sealing `s`'s payload. */
static void write_resealed(fixture* f, unsigned char* c, const qvs_section* s) {
  qvs_fix_payload_checksum(c, s);
  assert_int_equal(qvs_write_file(f->bad, c, f->size), 0);
  free(c);
}

/* Every way of opening agrees: refused with the same message, or (deferred)
 * opened and refused by qv_index_verify with that message. */
static void expect_refused_alike(const fixture* f, const char* section, const char* what) {
  char loaded[2048];
  qv_index* index = (qv_index*)0x1;
  qv_open_options opts;
  qv_status s;

  s = qv_index_open(f->bad, QV_OPEN_LOAD, &index);
  if (s != QV_ERR_CORRUPT)
    fail_msg("%s: QV_OPEN_LOAD: %s, expected QV_ERR_CORRUPT: %s", what, qv_status_string(s),
             qv_last_error());
  assert_ptr_equal(index, (qv_index*)0x1);
  snprintf(loaded, sizeof loaded, "%s", qv_last_error());
  printf("[ info     ] %s: %s\n", what, loaded);
  if (!qvt_contains(loaded, f->bad) || !qvt_contains(loaded, section))
    fail_msg("%s: the message does not name the file and '%s': %s", what, section, loaded);

  s = qv_index_open(f->bad, QV_OPEN_MMAP, &index);
  if (s != QV_ERR_CORRUPT)
    fail_msg("%s: QV_OPEN_MMAP: %s, expected QV_ERR_CORRUPT (what QV_OPEN_LOAD says: %s)", what,
             qv_status_string(s), loaded);
  assert_ptr_equal(index, (qv_index*)0x1);
  if (strcmp(qv_last_error(), loaded) != 0)
    fail_msg("%s: QV_OPEN_MMAP says\n  %s\nQV_OPEN_LOAD says\n  %s", what, qv_last_error(), loaded);

  qv_open_options_init(&opts);
  opts.mode = QV_OPEN_MMAP;
  opts.verify = QV_VERIFY_DEFERRED;
  index = NULL;
  s = qv_index_open_with_options(f->bad, &opts, &index);
  if (s != QV_OK)
    fail_msg("%s: a deferred open checks the values later, yet: %s: %s", what, qv_status_string(s),
             qv_last_error());
  {
    int round;
    for (round = 0; round < 2; ++round) {
      assert_int_equal(qv_index_verify(index), QV_ERR_CORRUPT);
      if (strcmp(qv_last_error(), loaded) != 0)
        fail_msg("%s: qv_index_verify (call %d) says\n  %s\nQV_OPEN_LOAD says\n  %s", what,
                 round + 1, qv_last_error(), loaded);
    }
    if (!qvs_copies_refused(index, f->dir))
      fail_msg("%s: a copy of the damaged index was made", what);
  }
  qv_index_free(index);
}

/* ---- flat ------------------------------------------------------------- */

static void test_flat_non_finite_vectors_are_refused_by_every_open(void** state) {
  fixture f;
  const qvs_section* rows;
  unsigned char* c;
  (void)state;
  make_fixture(&f, QV_INDEX_FLAT);
  rows = section_of(&f, QVS_FLAT_ROWS);
  assert_int_equal(rows->element_size, DIM * sizeof(float));

  c = copy_of(&f);
  put_float(c + rows->payload_offset + (7 * DIM + 3) * sizeof(float), NAN);
  write_resealed(&f, c, rows);
  expect_refused_alike(&f, "flat vectors", "flat NaN");
  assert_true(qvt_contains(qv_last_error(), "row 7") && qvt_contains(qv_last_error(), "NaN"));

  c = copy_of(&f);
  put_float(c + rows->payload_offset + rows->stored_size - sizeof(float), -INFINITY);
  write_resealed(&f, c, rows);
  expect_refused_alike(&f, "flat vectors", "flat -Inf in the last element");
  assert_true(qvt_contains(qv_last_error(), "infinite"));
  free_fixture(&f);
}

static void test_flat_norm_that_is_not_positive_is_refused_by_every_open(void** state) {
  fixture f;
  const qvs_section* norms;
  unsigned char* c;
  (void)state;
  make_fixture(&f, QV_INDEX_FLAT);
  norms = section_of(&f, QVS_FLAT_NORMS);
  c = copy_of(&f);
  put_float(c + norms->payload_offset + 2 * sizeof(float), 0.0f);
  write_resealed(&f, c, norms);
  expect_refused_alike(&f, "flat norms", "flat zero norm");
  free_fixture(&f);
}

/* ---- HNSW ------------------------------------------------------------- */

/* The documented record layout (docs/format.md): u32 link count (bit 31 =
 * tombstone), 2M u32 links, padding to 16 bytes, then the vector. */
typedef struct hnsw_layout {
  const qvs_section *header, *records, *metas;
  uint32_t m;
  uint64_t record_bytes, vector_offset, entry_node;
} hnsw_layout;

static hnsw_layout layout_of_n(const fixture* f, uint64_t nodes) {
  hnsw_layout l;
  const unsigned char* h;
  l.header = section_of(f, QVS_INDEX_HEADER);
  l.records = section_of(f, QVS_HNSW_RECORDS);
  l.metas = section_of(f, QVS_HNSW_METAS);
  h = f->bytes + l.header->payload_offset;
  l.m = qvs_get_u32(h + 12);
  l.entry_node = qvs_get_u64(h + 56) >> 32;
  l.record_bytes = qvs_get_u64(h + 64);
  l.vector_offset = (4u * (1u + 2u * l.m) + 15u) & ~(uint64_t)15u;
  assert_int_equal(l.record_bytes, l.records->element_size);
  assert_int_equal(l.records->count, nodes);
  assert_true(l.metas->element_size >= 20);
  return l;
}

static hnsw_layout layout_of(const fixture* f) { return layout_of_n(f, N); }

static unsigned char* record(unsigned char* file, const hnsw_layout* l, uint64_t node) {
  return file + l->records->payload_offset + node * l->record_bytes;
}

static unsigned char* meta(unsigned char* file, const hnsw_layout* l, uint64_t node) {
  return file + l->metas->payload_offset + node * l->metas->element_size;
}

/* A live node other than the entry point, with at least one layer-0 link. */
static uint64_t plain_live_node(const fixture* f, const hnsw_layout* l, uint64_t after) {
  uint64_t node;
  for (node = after; node < N; ++node) {
    uint32_t links = qvs_get_u32(record(f->bytes, l, node));
    if (node != l->entry_node && !(links & 0x80000000u) && (links & 0xFFFFu) > 0) return node;
  }
  fail_msg("no live node after %llu", (unsigned long long)after);
  return 0;
}

static void test_hnsw_non_finite_vector_is_refused_by_every_open(void** state) {
  fixture f;
  hnsw_layout l;
  unsigned char* c;
  uint64_t node;
  (void)state;
  make_fixture(&f, QV_INDEX_HNSW);
  l = layout_of(&f);
  node = plain_live_node(&f, &l, 5);
  c = copy_of(&f);
  put_float(record(c, &l, node) + l.vector_offset + 2 * sizeof(float), NAN);
  write_resealed(&f, c, l.records);
  expect_refused_alike(&f, "HNSW vectors and layer-0 links", "HNSW NaN");
  assert_true(qvt_contains(qv_last_error(), "NaN"));

  /* A tombstone's vector is still part of the graph's search. */
  c = copy_of(&f);
  assert_true(qvs_get_u32(record(c, &l, 0)) & 0x80000000u);
  put_float(record(c, &l, 0) + l.vector_offset, INFINITY);
  write_resealed(&f, c, l.records);
  expect_refused_alike(&f, "HNSW vectors and layer-0 links", "HNSW +Inf in a tombstone");
  free_fixture(&f);
}

static void test_hnsw_link_out_of_range_is_refused_by_every_open(void** state) {
  fixture f;
  hnsw_layout l;
  unsigned char* c;
  (void)state;
  make_fixture(&f, QV_INDEX_HNSW);
  l = layout_of(&f);
  c = copy_of(&f);
  qvs_put_u32(record(c, &l, plain_live_node(&f, &l, 1)) + 4, 1000000);
  write_resealed(&f, c, l.records);
  expect_refused_alike(&f, "HNSW vectors and layer-0 links", "HNSW link to node 1000000");
  assert_true(qvt_contains(qv_last_error(), "does not exist"));

  /* More links than a node has room for. */
  c = copy_of(&f);
  {
    unsigned char* r = record(c, &l, plain_live_node(&f, &l, 1));
    qvs_put_u32(r, (qvs_get_u32(r) & 0xFFFF0000u) | (2u * l.m + 1u));
  }
  write_resealed(&f, c, l.records);
  expect_refused_alike(&f, "HNSW vectors and layer-0 links", "HNSW link count above 2M");
  free_fixture(&f);
}

static void test_hnsw_bad_node_table_entries_are_refused_by_every_open(void** state) {
  fixture f;
  hnsw_layout l;
  unsigned char* c;
  uint64_t a, b;
  (void)state;
  make_fixture(&f, QV_INDEX_HNSW);
  l = layout_of(&f);
  a = plain_live_node(&f, &l, 1);
  b = plain_live_node(&f, &l, a + 1);

  /* Node table entry: u64 key, u32 first upper block, f32 norm, u8 level. */
  c = copy_of(&f);
  meta(c, &l, a)[16] = 40; /* levels stop at 31 */
  write_resealed(&f, c, l.metas);
  expect_refused_alike(&f, "HNSW node table", "HNSW level 40");
  assert_true(qvt_contains(qv_last_error(), "level"));

  c = copy_of(&f);
  put_float(meta(c, &l, a) + 12, NAN);
  write_resealed(&f, c, l.metas);
  expect_refused_alike(&f, "HNSW node table", "HNSW NaN norm");
  assert_true(qvt_contains(qv_last_error(), "norm"));

  c = copy_of(&f);
  qvs_put_u64(meta(c, &l, b), qvs_get_u64(meta(c, &l, a)));
  write_resealed(&f, c, l.metas);
  expect_refused_alike(&f, "HNSW node table", "HNSW key held by two live nodes");
  assert_true(qvt_contains(qv_last_error(), "key"));
  free_fixture(&f);
}

static void test_hnsw_live_count_that_does_not_match_is_refused_by_every_open(void** state) {
  fixture f;
  hnsw_layout l;
  unsigned char* c;
  unsigned char* live;
  (void)state;
  make_fixture(&f, QV_INDEX_HNSW);
  l = layout_of(&f);
  c = copy_of(&f);
  live = c + l.header->payload_offset + 40;
  qvs_put_u64(live, qvs_get_u64(live) - 1);
  write_resealed(&f, c, l.header);
  expect_refused_alike(&f, "index header", "HNSW live count one short");
  assert_true(qvt_contains(qv_last_error(), "live count"));
  free_fixture(&f);
}

/* A large index is checked in parts on several threads: damage in two
 * parts is reported by the lowest node or row, the same on 1, 2 or 4
 * threads and in every mode. */
static void expect_same_on_any_threads(const fixture* f, const char* want, const char* what) {
  static const uint32_t threads[] = {1, 2, 4};
  char first[2048] = "";
  size_t t;
  int mode;
  for (t = 0; t < 3; ++t)
    for (mode = QV_OPEN_LOAD; mode <= QV_OPEN_MMAP; ++mode) {
      qv_open_options opts;
      qv_index* index = NULL;
      qv_open_options_init(&opts);
      opts.mode = (qv_open_mode)mode;
      opts.threads = threads[t];
      assert_int_equal(qv_index_open_with_options(f->bad, &opts, &index), QV_ERR_CORRUPT);
      if (!qvt_contains(qv_last_error(), want))
        fail_msg("%s (%u threads, mode %d): does not name '%s': %s", what, threads[t], mode, want,
                 qv_last_error());
      if (!first[0]) snprintf(first, sizeof first, "%s", qv_last_error());
      if (strcmp(first, qv_last_error()) != 0)
        fail_msg("%s: %u threads, mode %d say\n  %s\nnot\n  %s", what, threads[t], mode,
                 qv_last_error(), first);
    }
  printf("[ info     ] %s: %s\n", what, first);
}

static void test_damage_in_several_parts_is_reported_by_the_lowest(void** state) {
  const size_t n = 20000, flat_n = 40000;
  fixture f;
  qv_index_options o;
  qv_index* index = NULL;
  float* v = qvt_gaussian_vectors(flat_n, 16, 9);
  uint64_t* keys = malloc(flat_n * sizeof *keys);
  char* good;
  size_t i;
  (void)state;
  for (i = 0; i < flat_n; ++i) keys[i] = i + 1;
  f.dir = qvs_temp_dir("resealed-parts");
  good = qvs_path(f.dir, "good.qv");
  f.bad = qvs_path(f.dir, "bad.qv");

  /* HNSW: parts of 8192 nodes. */
  qv_index_options_init(&o);
  o.dim = 4;
  o.hnsw_m = 4;
  o.hnsw_ef_construction = 16;
  assert_int_equal(qv_index_create(&o, &index), QV_OK);
  assert_int_equal(qv_index_add_batch(index, n, keys, v), QV_OK);
  assert_int_equal(qv_index_save(index, good), QV_OK);
  qv_index_free(index);
  f.bytes = qvt_read_file(good, &f.size);
  assert_non_null(f.bytes);
  f.count = qvs_sections(f.bytes, f.size, f.sections, QVS_MAX_SECTIONS);
  {
    hnsw_layout l = layout_of_n(&f, n);
    unsigned char* c = copy_of(&f);
    put_float(record(c, &l, 19000) + l.vector_offset, NAN);
    put_float(record(c, &l, 9000) + l.vector_offset + sizeof(float), INFINITY);
    write_resealed(&f, c, l.records);
    expect_same_on_any_threads(&f, "node 9000 ", "HNSW, NaN at node 19000 and +Inf at 9000");
    c = copy_of(&f);
    qvs_put_u64(meta(c, &l, 18000), qvs_get_u64(meta(c, &l, 100)));
    qvs_put_u64(meta(c, &l, 17000), qvs_get_u64(meta(c, &l, 16999)));
    write_resealed(&f, c, l.metas);
    expect_same_on_any_threads(&f, "node 17000 ", "HNSW, keys held twice in two parts");
  }
  free(f.bytes);

  /* FLAT: parts of 2^18 floats, 16384 rows of 16. */
  qv_index_options_init(&o);
  o.dim = 16;
  o.kind = QV_INDEX_FLAT;
  assert_int_equal(qv_index_create(&o, &index), QV_OK);
  assert_int_equal(qv_index_add_batch(index, flat_n, keys, v), QV_OK);
  assert_int_equal(qv_index_save(index, good), QV_OK);
  qv_index_free(index);
  f.bytes = qvt_read_file(good, &f.size);
  assert_non_null(f.bytes);
  f.count = qvs_sections(f.bytes, f.size, f.sections, QVS_MAX_SECTIONS);
  {
    const qvs_section* rows = section_of(&f, QVS_FLAT_ROWS);
    unsigned char* c = copy_of(&f);
    put_float(c + rows->payload_offset + (35000 * 16 + 2) * sizeof(float), NAN);
    put_float(c + rows->payload_offset + (20000 * 16 + 5) * sizeof(float), NAN);
    write_resealed(&f, c, rows);
    expect_same_on_any_threads(&f, "row 20000 ", "FLAT, NaN in rows 20000 and 35000");
  }
  free(good);
  free(keys);
  free(v);
  free_fixture(&f);
}

/* The checks refuse only what is wrong: the untouched file opens every way
 * and verifies. */
static void test_valid_files_pass_every_check(void** state) {
  qv_index_kind kinds[2] = {QV_INDEX_FLAT, QV_INDEX_HNSW};
  size_t k;
  (void)state;
  for (k = 0; k < 2; ++k) {
    fixture f;
    qv_open_options opts;
    qv_index* index = NULL;
    int how;
    make_fixture(&f, kinds[k]);
    assert_int_equal(qvs_write_file(f.bad, f.bytes, f.size), 0);
    for (how = 0; how < 3; ++how) {
      qv_open_options_init(&opts);
      opts.mode = how == 0 ? QV_OPEN_LOAD : QV_OPEN_MMAP;
      opts.verify = how == 2 ? QV_VERIFY_DEFERRED : QV_VERIFY_ALL;
      if (qv_index_open_with_options(f.bad, &opts, &index) != QV_OK)
        fail_msg("kind %d, open %d: %s", kinds[k], how, qv_last_error());
      if (qv_index_verify(index) != QV_OK)
        fail_msg("kind %d, open %d: verify: %s", kinds[k], how, qv_last_error());
      qv_index_free(index);
    }
    free_fixture(&f);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_flat_non_finite_vectors_are_refused_by_every_open),
      cmocka_unit_test(test_flat_norm_that_is_not_positive_is_refused_by_every_open),
      cmocka_unit_test(test_hnsw_non_finite_vector_is_refused_by_every_open),
      cmocka_unit_test(test_hnsw_link_out_of_range_is_refused_by_every_open),
      cmocka_unit_test(test_hnsw_bad_node_table_entries_are_refused_by_every_open),
      cmocka_unit_test(test_hnsw_live_count_that_does_not_match_is_refused_by_every_open),
      cmocka_unit_test(test_damage_in_several_parts_is_reported_by_the_lowest),
      cmocka_unit_test(test_valid_files_pass_every_check),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
