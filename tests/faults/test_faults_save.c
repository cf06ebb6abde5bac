/* Faults during qv_index_save: every system call a save makes (open,
 * pwrite, fsync, rename, close) is failed in turn, one call per save, with
 * the errno a full disk or a failing device gives; then a real EFBIG from
 * RLIMIT_FSIZE (a file-size quota the kernel enforces mid-write).
 *
 * After every failed save: the status is an error with a message that
 * names the path the caller passed (not only the temporary file), the file
 * at the path holds exactly the previously committed version -- or, only
 * when the failure came after the rename (flushing the directory, closing),
 * exactly the new one -- never anything else; no temporary is left next to
 * it; no descriptor leaks; and the index in memory answers exactly as
 * before. A later save without faults succeeds. */
#define _GNU_SOURCE

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <unistd.h>

#include <quiver/quiver.h>

#include "fault_inject.h"
#include "faults_util.h"
#include "qv_test_support.h"

#define DIM 16

typedef struct fixture {
  char* dir; /* holds only index.qv between saves */
  char* ref_dir;
  char* path;
  qv_index* index;        /* the state the failing saves try to write (v2) */
  unsigned char *v1, *v2; /* committed bytes, and what a successful save of `index` writes */
  size_t v1_size, v2_size;
  qvx_fingerprint before;
} fixture;

/* v1 = n vectors saved; then the index changes (adds, a removal, metadata)
 * into v2, which is what the faulty saves try to write. */
static void setup(fixture* f, qv_index_kind kind, const qv_save_options* opts) {
  float* more = qvt_gaussian_vectors(50, DIM, 99);
  char* ref;
  size_t i;
  memset(f, 0, sizeof *f);
  f->dir = qvx_temp_dir("save");
  f->ref_dir = qvx_temp_dir("save-ref");
  f->path = qvx_path(f->dir, "index.qv");
  f->index = qvx_build(kind, DIM, 300, 7);
  assert_int_equal(qv_index_save_with_options(f->index, f->path, opts), QV_OK);
  f->v1 = qvt_read_file(f->path, &f->v1_size);
  assert_non_null(f->v1);
  for (i = 0; i < 50; ++i)
    assert_int_equal(qv_index_add(f->index, 1000 + i, more + i * DIM), QV_OK);
  assert_int_equal(qv_index_remove(f->index, 5), QV_OK);
  assert_int_equal(qv_index_set_metadata(f->index, 1001, "new", 3), QV_OK);
  ref = qvx_path(f->ref_dir, "index.qv");
  assert_int_equal(qv_index_save_with_options(f->index, ref, opts), QV_OK);
  f->v2 = qvt_read_file(ref, &f->v2_size);
  assert_non_null(f->v2);
  assert_false(f->v1_size == f->v2_size && memcmp(f->v1, f->v2, f->v1_size) == 0);
  free(ref);
  assert_int_equal(qvx_fingerprint_of(f->index, &f->before), QV_OK);
  free(more);
}

static void teardown(fixture* f) {
  qv_index_free(f->index);
  free(f->v1);
  free(f->v2);
  free(f->path);
  qvx_remove_tree(f->dir);
  qvx_remove_tree(f->ref_dir);
}

/* What is at the path: 1 = v1, 2 = v2, 0 = anything else. */
static int version_at(const fixture* f) {
  if (qvx_file_equals(f->path, f->v1, f->v1_size)) return 1;
  if (qvx_file_equals(f->path, f->v2, f->v2_size)) return 2;
  return 0;
}

/* Puts v1 back at the path (after a fault that committed v2). */
static void restore_v1(const fixture* f) {
  FILE* out = fopen(f->path, "wb");
  assert_non_null(out);
  assert_int_equal(fwrite(f->v1, 1, f->v1_size, out), f->v1_size);
  assert_int_equal(fclose(out), 0);
}

/* One save with the nth call of op failing with err; checks everything the
 * header comment promises. Returns the status of the save. */
static qv_status save_with_fault(fixture* f, const qv_save_options* opts, qvf_op op, int nth,
                                 int err, int* committed_new) {
  qvx_fingerprint after;
  int fds = qvx_open_fds(), version;
  qv_status s;
  qvf_reset();
  qvf_watch("index.qv");
  qvf_fail(op, nth, err);
  s = qv_index_save_with_options(f->index, f->path, opts);
  qvf_reset();
  version = version_at(f);
  *committed_new = 0;
  if (s == QV_OK) {
    if (version != 2)
      fail_msg("%s #%d: the save succeeded but did not write v2", qvf_op_name(op), nth);
  } else {
    if (strlen(qv_last_error()) == 0)
      fail_msg("%s #%d: %s without a message", qvf_op_name(op), nth, qv_status_string(s));
    if (!qvt_contains(qv_last_error(), f->path))
      fail_msg("%s #%d (%s): the message does not name %s: %s", qvf_op_name(op), nth, strerror(err),
               f->path, qv_last_error());
    if (version == 0)
      fail_msg("%s #%d failed (%s: %s) and left a file that is neither version", qvf_op_name(op),
               nth, qv_status_string(s), qv_last_error());
    *committed_new = version == 2;
  }
  if (qvt_count_entries(f->dir) != 1)
    fail_msg("%s #%d: %d entries next to the index (a temporary left behind?)", qvf_op_name(op),
             nth, qvt_count_entries(f->dir));
  if (qvx_open_fds() != fds)
    fail_msg("%s #%d: %d descriptors open before the save, %d after", qvf_op_name(op), nth, fds,
             qvx_open_fds());
  assert_int_equal(qvx_fingerprint_of(f->index, &after), QV_OK);
  if (!qvx_fingerprint_equal(&f->before, &after))
    fail_msg("%s #%d: the index answers differently after the failed save", qvf_op_name(op), nth);
  if (version == 2) restore_v1(f);
  return s;
}

/* Fails each call of each kind a save makes, one per save. */
static void sweep(qv_index_kind kind, const qv_save_options* opts, const char* name) {
  static const struct {
    qvf_op op;
    int err;
  } faults[] = {
      {QVF_OPEN, ENOSPC},   {QVF_OPEN, EMFILE}, {QVF_PWRITE, ENOSPC}, {QVF_PWRITE, EIO},
      {QVF_PWRITE, EDQUOT}, {QVF_FSYNC, EIO},   {QVF_FSYNC, ENOSPC},  {QVF_RENAME, EIO},
      {QVF_RENAME, ENOSPC}, {QVF_CLOSE, EIO},
  };
  fixture f;
  size_t i;
  int calls[QVF_OP_COUNT];
  setup(&f, kind, opts);
  /* How many calls of each kind one successful save makes. */
  qvf_reset();
  qvf_watch("index.qv");
  assert_int_equal(qv_index_save_with_options(f.index, f.path, opts), QV_OK);
  for (i = 0; i < QVF_OP_COUNT; ++i) calls[i] = qvf_calls((qvf_op)i);
  qvf_reset();
  assert_int_equal(version_at(&f), 2);
  restore_v1(&f);
  printf("[ info     ] %s: a save makes %d open, %d pwrite, %d fsync, %d rename, %d close\n", name,
         calls[QVF_OPEN], calls[QVF_PWRITE], calls[QVF_FSYNC], calls[QVF_RENAME], calls[QVF_CLOSE]);
  assert_true(calls[QVF_PWRITE] >= 1 && calls[QVF_FSYNC] >= 1 && calls[QVF_RENAME] == 1);

  for (i = 0; i < sizeof faults / sizeof faults[0]; ++i) {
    const qvf_op op = faults[i].op;
    int nth, failed = 0, after_commit = 0;
    for (nth = 1; nth <= calls[op]; ++nth) {
      int committed_new;
      qv_status s = save_with_fault(&f, opts, op, nth, faults[i].err, &committed_new);
      if (s == QV_OK) continue;
      ++failed;
      after_commit += committed_new;
      /* Before the rename nothing is committed; a full disk says so. */
      if (!committed_new && s != QV_ERR_IO)
        fail_msg("%s #%d (%s): %s, expected QV_ERR_IO: %s", qvf_op_name(op), nth,
                 strerror(faults[i].err), qv_status_string(s), qv_last_error());
      if (faults[i].err == ENOSPC && op == QVF_PWRITE &&
          !qvt_contains(qv_last_error(), "disk space"))
        fail_msg("pwrite ENOSPC: the message does not say to free disk space: %s", qv_last_error());
    }
    printf(
        "[ info     ] %s: %-6s %-6s: %d of %d failing calls fail the save (%d after the "
        "new file was committed)\n",
        name, qvf_op_name(op), faults[i].err == ENOSPC ? "ENOSPC" : strerror(faults[i].err), failed,
        calls[op], after_commit);
    /* The write, flush and rename of the new file can never fail silently. */
    if (op == QVF_PWRITE || op == QVF_RENAME) assert_int_equal(failed, calls[op]);
    if (op == QVF_FSYNC) assert_true(failed >= 1);
  }
  /* And the next save without faults works. */
  assert_int_equal(qv_index_save_with_options(f.index, f.path, opts), QV_OK);
  assert_int_equal(version_at(&f), 2);
  teardown(&f);
}

static void test_failed_save_keeps_previous_version_hnsw(void** state) {
  (void)state;
  sweep(QV_INDEX_HNSW, NULL, "HNSW");
}

static void test_failed_save_keeps_previous_version_flat(void** state) {
  (void)state;
  sweep(QV_INDEX_FLAT, NULL, "FLAT");
}

static void test_failed_compressed_save_keeps_previous_version(void** state) {
  qv_save_options o;
  (void)state;
  qv_save_options_init(&o);
  o.compress_vectors = 1;
  o.compress_graph = 1;
  sweep(QV_INDEX_HNSW, &o, "HNSW zstd");
}

/* A real EFBIG: the kernel stops the write at the file-size limit midway
 * through the new file (SIGXFSZ ignored, as a server would). */
static void test_file_size_limit_mid_write_keeps_previous_version(void** state) {
  static const qv_index_kind kinds[] = {QV_INDEX_HNSW, QV_INDEX_FLAT};
  size_t k;
  (void)state;
  for (k = 0; k < 2; ++k) {
    fixture f;
    struct rlimit old, small;
    void (*old_handler)(int);
    qv_status s;
    qvx_fingerprint after;
    char message[1024];
    setup(&f, kinds[k], NULL);
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    old_handler = signal(SIGXFSZ, SIG_IGN);
    small = old;
    small.rlim_cur = (rlim_t)(f.v2_size / 2);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    s = qv_index_save(f.index, f.path);
    snprintf(message, sizeof message, "%s", qv_last_error());
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, old_handler);
    printf("[ info     ] %s, limit %zu of %zu bytes: %s: %s\n", k ? "FLAT" : "HNSW", f.v2_size / 2,
           f.v2_size, qv_status_string(s), message);
    assert_int_equal(s, QV_ERR_IO);
    assert_true(qvt_contains_nocase(message, "large") || qvt_contains_nocase(message, "write"));
    assert_true(qvt_contains(message, f.path));
    assert_int_equal(version_at(&f), 1);
    assert_int_equal(qvt_count_entries(f.dir), 1);
    assert_int_equal(qvx_fingerprint_of(f.index, &after), QV_OK);
    assert_true(qvx_fingerprint_equal(&f.before, &after));
    assert_int_equal(qv_index_save(f.index, f.path), QV_OK);
    assert_int_equal(version_at(&f), 2);
    teardown(&f);
  }
}

/* A save that fails leaves the index writable and consistent: later
 * mutations and saves work, and the file reopens with the same answers. */
static void test_index_keeps_working_after_failed_saves(void** state) {
  fixture f;
  qv_index* reopened = NULL;
  qvx_fingerprint mem, disk;
  float* v = qvt_gaussian_vectors(1, DIM, 1234);
  int round;
  (void)state;
  setup(&f, QV_INDEX_HNSW, NULL);
  for (round = 0; round < 5; ++round) {
    qvf_reset();
    qvf_fail_all(QVF_PWRITE, ENOSPC);
    assert_int_equal(qv_index_save(f.index, f.path), QV_ERR_IO);
    qvf_reset();
    assert_int_equal(qv_index_add(f.index, 5000 + (uint64_t)round, v), QV_OK);
    assert_int_equal(qv_index_remove(f.index, 10 + (uint64_t)round), QV_OK);
  }
  assert_int_equal(version_at(&f), 1);
  assert_int_equal(qv_index_save(f.index, f.path), QV_OK);
  assert_int_equal(qv_index_open(f.path, QV_OPEN_LOAD, &reopened), QV_OK);
  assert_int_equal(qvx_fingerprint_of(f.index, &mem), QV_OK);
  assert_int_equal(qvx_fingerprint_of(reopened, &disk), QV_OK);
  assert_true(qvx_fingerprint_equal(&mem, &disk));
  qv_index_free(reopened);
  free(v);
  teardown(&f);
}

/* A full disk, with the temporary of a save that was killed midway taking
 * space next to the index: the next save removes it before writing (even
 * though that save fails too), and says which file it could not write, in
 * the caller's terms. Only temporaries no live writer holds locked go. */
static void test_failed_save_first_removes_dead_writers_temporaries(void** state) {
  static const int errs[] = {ENOSPC, EDQUOT};
  fixture f;
  size_t i;
  (void)state;
  setup(&f, QV_INDEX_HNSW, NULL);
  for (i = 0; i < 2; ++i) {
    char* dead = qvx_path(f.dir, ".index.qv.tmp-00000000000dead1");
    char* live = qvx_path(f.dir, ".index.qv.tmp-000000000000a11e");
    unsigned char* junk = calloc(1, 1 << 20);
    FILE* out;
    int fd;
    qv_status s;
    out = fopen(dead, "wb");
    assert_non_null(out);
    assert_int_equal(fwrite(junk, 1, 1 << 20, out), 1 << 20);
    assert_int_equal(fclose(out), 0);
    out = fopen(live, "wb");
    assert_non_null(out);
    assert_int_equal(fclose(out), 0);
    fd = open(live, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(flock(fd, LOCK_EX), 0); /* as a thread saving meanwhile holds it */
    qvf_reset();
    qvf_fail_all(QVF_PWRITE, errs[i]);
    s = qv_index_save(f.index, f.path);
    qvf_reset();
    printf("[ info     ] %s: %s: %s\n", strerror(errs[i]), qv_status_string(s), qv_last_error());
    assert_int_equal(s, QV_ERR_IO);
    assert_true(qvt_contains(qv_last_error(), f.path));
    assert_true(qvt_contains(qv_last_error(), "disk space"));
    assert_false(qvt_file_readable(dead));
    assert_true(qvt_file_readable(live));
    assert_int_equal(version_at(&f), 1);
    close(fd);
    assert_int_equal(unlink(live), 0);
    assert_int_equal(qvt_count_entries(f.dir), 1);
    free(junk);
    free(dead);
    free(live);
  }
  teardown(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      QVT_TIMED(test_failed_save_keeps_previous_version_hnsw),
      QVT_TIMED(test_failed_save_keeps_previous_version_flat),
      QVT_TIMED(test_failed_compressed_save_keeps_previous_version),
      QVT_TIMED(test_file_size_limit_mid_write_keeps_previous_version),
      QVT_TIMED(test_index_keeps_working_after_failed_saves),
      QVT_TIMED(test_failed_save_first_removes_dead_writers_temporaries),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
