/* Faults while opening, and files that change under an open index.
 *
 * What Quiver guarantees (quiver.h, src/storage/mapped_file.h), and what
 * these tests hold it to:
 *  - open fails cleanly when the system refuses: no descriptor to open
 *    (EMFILE, EIO) is QV_ERR_IO, no address space for the mapping (ENOMEM)
 *    is QV_ERR_OUT_OF_MEMORY; nothing leaks, *out is untouched, and the same
 *    file opens afterwards.
 *  - saves replace files by rename, so an index opened with QV_OPEN_MMAP
 *    keeps the inode it mapped: a newer save to the same path, another file
 *    renamed over it, or an unlink, do not change what it answers.
 *  - a QV_OPEN_LOAD index holds its own copy: nothing done to the file
 *    afterwards (even truncation) affects it.
 *  - a file rewritten *in place* under a mapped index (not something Quiver
 *    does) shows through the shared mapping; qv_index_verify detects it and
 *    names the section.
 *  - truncating a file under a mapped index is NOT supported: searches
 *    reading the lost pages raise SIGBUS, as for any mapped file. The test
 *    documents this in a child process. But qv_index_verify (and a save or
 *    export of the index, which verify first) detects it, in this process:
 *    QV_ERR_CORRUPT saying the file changed size, never a crash, whether
 *    the path still names the file or a newer one. */
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
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <quiver/quiver.h>

#include "fault_inject.h"
#include "faults_util.h"
#include "qv_test_support.h"

#define DIM 16
#define N 400

static const qv_index_kind kinds[] = {QV_INDEX_HNSW, QV_INDEX_FLAT};
static const char* const kind_names[] = {"HNSW", "FLAT"};

/* Saves an index of the kind at dir/name; returns its fingerprint. */
static void save_index(qv_index_kind kind, const char* path, uint64_t seed, qvx_fingerprint* fp) {
  qv_index* index = qvx_build(kind, DIM, N, seed);
  assert_int_equal(qv_index_save(index, path), QV_OK);
  if (fp) assert_int_equal(qvx_fingerprint_of(index, fp), QV_OK);
  qv_index_free(index);
}

static void expect_open_fails(const char* path, qv_open_mode mode, qvf_op op, int err,
                              qv_status want) {
  qv_index* index = (qv_index*)0x1;
  int fds = qvx_open_fds();
  qv_status s;
  qvf_reset();
  qvf_fail(op, 1, err);
  s = qv_index_open(path, mode, &index);
  qvf_reset();
  if (s != want)
    fail_msg("open (%s) with %s failing (%s): %s, expected %s: %s",
             mode == QV_OPEN_MMAP ? "mmap" : "load", qvf_op_name(op), strerror(err),
             qv_status_string(s), qv_status_string(want), qv_last_error());
  assert_ptr_equal(index, (qv_index*)0x1);
  assert_true(strlen(qv_last_error()) > 0);
  assert_int_equal(qvx_open_fds(), fds);
}

static void test_open_reports_system_failures_and_leaks_nothing(void** state) {
  char* dir = qvx_temp_dir("open");
  char* path = qvx_path(dir, "index.qv");
  size_t k;
  int m;
  (void)state;
  for (k = 0; k < 2; ++k) {
    save_index(kinds[k], path, 11, NULL);
    for (m = 0; m < 2; ++m) {
      const qv_open_mode mode = m ? QV_OPEN_MMAP : QV_OPEN_LOAD;
      qv_index* index = NULL;
      expect_open_fails(path, mode, QVF_OPEN, EMFILE, QV_ERR_IO);
      expect_open_fails(path, mode, QVF_OPEN, EIO, QV_ERR_IO);
      expect_open_fails(path, mode, QVF_MMAP, ENOMEM, QV_ERR_OUT_OF_MEMORY);
      expect_open_fails(path, mode, QVF_MMAP, ENODEV, QV_ERR_IO);
      assert_int_equal(qv_index_open(path, mode, &index), QV_OK);
      qv_index_free(index);
    }
    printf("[ info     ] %s: open failures reported, no descriptor leaked\n", kind_names[k]);
  }
  free(path);
  qvx_remove_tree(dir);
}

/* A real EMFILE: the descriptor limit is reached. */
static void test_open_at_the_descriptor_limit_is_an_io_error(void** state) {
  char* dir = qvx_temp_dir("emfile");
  char* path = qvx_path(dir, "index.qv");
  struct rlimit old, low;
  qv_index* index = NULL;
  qv_status s;
  char message[1024];
  (void)state;
  save_index(QV_INDEX_FLAT, path, 12, NULL);
  assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
  low = old;
  {
    /* The lowest free descriptor number becomes the limit: every number
     * below it is taken, so the next open has none left. */
    int lowest = dup(0);
    assert_true(lowest >= 0);
    close(lowest);
    low.rlim_cur = (rlim_t)lowest;
  }
  assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
  s = qv_index_open(path, QV_OPEN_MMAP, &index);
  snprintf(message, sizeof message, "%s", qv_last_error());
  assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
  printf("[ info     ] %s: %s\n", qv_status_string(s), message);
  assert_int_equal(s, QV_ERR_IO);
  assert_null(index);
  assert_true(qvt_contains(message, "index.qv"));
  assert_int_equal(qv_index_open(path, QV_OPEN_MMAP, &index), QV_OK);
  qv_index_free(index);
  free(path);
  qvx_remove_tree(dir);
}

/* A failure at a limit of the process or the system says which limit, its
 * value, and what to do: a real EMFILE (the descriptor limit lowered to the
 * descriptors in use) for an open and a save, then an injected ENFILE (the
 * system's table) and ENOMEM from mmap (address space or mappings). */
static void test_failures_at_system_limits_say_what_to_do(void** state) {
  char* dir = qvx_temp_dir("limits");
  char* path = qvx_path(dir, "index.qv");
  char* other = qvx_path(dir, "other.qv");
  struct rlimit old, low;
  qv_index *index = qvx_build(QV_INDEX_FLAT, DIM, N, 13), *opened = (qv_index*)0x1;
  qv_status open_status, save_status;
  char open_message[1024], save_message[1024], limit[64];
  int lowest;
  (void)state;
  assert_int_equal(qv_index_save(index, path), QV_OK);
  assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
  lowest = dup(0);
  assert_true(lowest >= 0);
  close(lowest);
  low = old;
  low.rlim_cur = (rlim_t)lowest;
  assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
  open_status = qv_index_open(path, QV_OPEN_MMAP, &opened);
  snprintf(open_message, sizeof open_message, "%s", qv_last_error());
  save_status = qv_index_save(index, other);
  snprintf(save_message, sizeof save_message, "%s", qv_last_error());
  assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
  printf("[ info     ] open: %s\n[ info     ] save: %s\n", open_message, save_message);
  assert_int_equal(open_status, QV_ERR_IO);
  assert_ptr_equal(opened, (qv_index*)0x1);
  assert_int_equal(save_status, QV_ERR_IO);
  snprintf(limit, sizeof limit, "limit of open files (%d, see ulimit -n)", lowest);
  if (!qvt_contains(open_message, limit) || !qvt_contains(save_message, limit))
    fail_msg("the messages do not say '%s'", limit);
  assert_true(qvt_contains(open_message, "close files"));
  assert_true(qvt_contains(open_message, "raise the limit"));

  qvf_reset();
  qvf_fail(QVF_OPEN, 1, ENFILE);
  open_status = qv_index_open(path, QV_OPEN_LOAD, &opened);
  qvf_reset();
  printf("[ info     ] ENFILE: %s\n", qv_last_error());
  assert_int_equal(open_status, QV_ERR_IO);
  assert_true(qvt_contains(qv_last_error(), "whole system"));
  assert_true(qvt_contains(qv_last_error(), "fs.file-max"));

  qvf_fail(QVF_MMAP, 1, ENOMEM);
  open_status = qv_index_open(path, QV_OPEN_MMAP, &opened);
  qvf_reset();
  printf("[ info     ] ENOMEM: %s\n", qv_last_error());
  assert_int_equal(open_status, QV_ERR_OUT_OF_MEMORY);
  assert_true(qvt_contains(qv_last_error(), "index.qv"));
  assert_true(qvt_contains(qv_last_error(), "ulimit -v"));
  assert_true(qvt_contains(qv_last_error(), "memory mappings"));
  assert_true(qvt_contains(qv_last_error(), "free indexes"));
  assert_ptr_equal(opened, (qv_index*)0x1);

  assert_int_equal(qv_index_open(path, QV_OPEN_MMAP, &opened), QV_OK);
  qv_index_free(opened);
  qv_index_free(index);
  free(path);
  free(other);
  qvx_remove_tree(dir);
}

/* Another save, a rename over the path and an unlink leave a mapped index
 * answering from the inode it opened. */
static void test_mapped_index_keeps_its_inode_when_the_path_changes(void** state) {
  size_t k;
  (void)state;
  for (k = 0; k < 2; ++k) {
    char* dir = qvx_temp_dir("inode");
    char* path = qvx_path(dir, "index.qv");
    char* other = qvx_path(dir, "other.qv");
    qvx_fingerprint v1, v2, got;
    qv_index *mapped = NULL, *loaded = NULL;
    save_index(kinds[k], path, 21, &v1);
    assert_int_equal(qv_index_open(path, QV_OPEN_MMAP, &mapped), QV_OK);
    assert_int_equal(qv_index_open(path, QV_OPEN_LOAD, &loaded), QV_OK);

    save_index(kinds[k], path, 22, &v2); /* a new save to the same path */
    assert_false(qvx_fingerprint_equal(&v1, &v2));
    assert_int_equal(qvx_fingerprint_of(mapped, &got), QV_OK);
    assert_true(qvx_fingerprint_equal(&v1, &got));
    assert_int_equal(qv_index_verify(mapped), QV_OK);

    save_index(kinds[k], other, 23, NULL); /* a foreign rename over the path */
    assert_int_equal(rename(other, path), 0);
    assert_int_equal(qvx_fingerprint_of(mapped, &got), QV_OK);
    assert_true(qvx_fingerprint_equal(&v1, &got));

    assert_int_equal(unlink(path), 0); /* and gone altogether */
    assert_int_equal(qvx_fingerprint_of(mapped, &got), QV_OK);
    assert_true(qvx_fingerprint_equal(&v1, &got));
    assert_int_equal(qv_index_verify(mapped), QV_OK);
    assert_int_equal(qvx_fingerprint_of(loaded, &got), QV_OK);
    assert_true(qvx_fingerprint_equal(&v1, &got));
    printf("[ info     ] %s: mapped index unchanged by save, rename over and unlink\n",
           kind_names[k]);
    qv_index_free(mapped);
    qv_index_free(loaded);
    free(path);
    free(other);
    qvx_remove_tree(dir);
  }
}

/* A loaded index does not read its file after open returns. */
static void test_loaded_index_survives_truncation_of_its_file(void** state) {
  size_t k;
  (void)state;
  for (k = 0; k < 2; ++k) {
    char* dir = qvx_temp_dir("trunc-load");
    char* path = qvx_path(dir, "index.qv");
    qvx_fingerprint v1, got;
    qv_index *loaded = NULL, *again = NULL;
    save_index(kinds[k], path, 31, &v1);
    assert_int_equal(qv_index_open(path, QV_OPEN_LOAD, &loaded), QV_OK);
    assert_int_equal(truncate(path, 100), 0);
    assert_int_equal(qvx_fingerprint_of(loaded, &got), QV_OK);
    assert_true(qvx_fingerprint_equal(&v1, &got));
    assert_int_equal(qv_index_open(path, QV_OPEN_LOAD, &again), QV_ERR_CORRUPT);
    assert_int_equal(qv_index_open(path, QV_OPEN_MMAP, &again), QV_ERR_CORRUPT);
    /* Saving it back repairs the file. */
    assert_int_equal(qv_index_save(loaded, path), QV_OK);
    assert_int_equal(qv_index_open(path, QV_OPEN_MMAP, &again), QV_OK);
    assert_int_equal(qvx_fingerprint_of(again, &got), QV_OK);
    assert_true(qvx_fingerprint_equal(&v1, &got));
    qv_index_free(again);
    qv_index_free(loaded);
    free(path);
    qvx_remove_tree(dir);
  }
}

/* Overwrites `len` bytes at `offset` in place (what Quiver never does). */
static void scribble(const char* path, long offset, size_t len) {
  int fd = open(path, O_WRONLY);
  unsigned char* junk = malloc(len);
  size_t i;
  assert_true(fd >= 0);
  for (i = 0; i < len; ++i) junk[i] = (unsigned char)(0x3f ^ i); /* finite floats */
  assert_int_equal(pwrite(fd, junk, len, offset), (ssize_t)len);
  assert_int_equal(close(fd), 0);
  free(junk);
}

/* Where the section of `kind` ends, from the file's directory
 * (docs/format.md: section count at byte 20, 32-byte entries from byte 128:
 * kind u32, flags u32, header offset u64, end offset u64). 0 if absent. */
static size_t section_end(const unsigned char* file, size_t size, uint32_t kind) {
  uint32_t count, i;
  if (size < 2176) return 0;
  memcpy(&count, file + 20, 4);
  for (i = 0; i < count && i < 64; ++i) {
    const unsigned char* e = file + 128 + 32 * i;
    uint32_t k;
    uint64_t end;
    memcpy(&k, e, 4);
    memcpy(&end, e + 16, 8);
    if (k == kind) return (size_t)end;
  }
  return 0;
}

static void test_verify_detects_a_file_rewritten_in_place_under_a_mapping(void** state) {
  size_t k;
  (void)state;
  for (k = 0; k < 2; ++k) {
    char* dir = qvx_temp_dir("inplace");
    char* path = qvx_path(dir, "index.qv");
    qv_index* mapped = NULL;
    qvx_fingerprint got;
    size_t size = 0, end;
    unsigned char* bytes;
    save_index(kinds[k], path, 41, NULL);
    bytes = qvt_read_file(path, &size);
    assert_non_null(bytes);
    /* The end of the vectors section (FLAT rows; HNSW records, whose
     * last bytes are the tail of the last vector), read in place. */
    end = section_end(bytes, size, kinds[k] == QV_INDEX_FLAT ? 5u : 2u);
    free(bytes);
    assert_true(end > 2176 + 128 && end <= size);
    assert_int_equal(qv_index_open(path, QV_OPEN_MMAP, &mapped), QV_OK);
    assert_int_equal(qv_index_verify(mapped), QV_OK);
    scribble(path, (long)end - 8, 8);
    assert_int_equal(qv_index_verify(mapped), QV_ERR_CORRUPT);
    printf("[ info     ] %s: %s\n", kind_names[k], qv_last_error());
    assert_true(qvt_contains(qv_last_error(), "index.qv"));
    assert_true(qvt_contains(qv_last_error(), "checksum"));
    /* Searches still answer (finite values changed: results may differ). */
    assert_int_equal(qvx_fingerprint_of(mapped, &got), QV_OK);
    qv_index_free(mapped);
    free(path);
    qvx_remove_tree(dir);
  }
}

/* How a file gets cut short under a mapped index of it. */
typedef enum cut_kind {
  CUT_TO_ONE_PAGE,    /* ftruncate to 4096 bytes: the path still names it */
  CUT_A_FEW_BYTES,    /* 100 bytes off the end: no page is lost, the size changed */
  CUT_AFTER_REPLACED, /* a newer file renamed over the path, then the old one cut */
  CUT_AFTER_UNLINKED, /* the path removed, then the file cut through a descriptor */
  CUT_KINDS
} cut_kind;

static const char* const cut_names[] = {"cut to one page", "cut by 100 bytes",
                                        "cut after a rename over its path",
                                        "cut after an unlink of its path"};

static void expect_changed_size(const qv_index* mapped, const char* path, const char* what) {
  char first[2048];
  if (qv_index_verify(mapped) != QV_ERR_CORRUPT)
    fail_msg("%s: verify did not report the truncation: %s", what, qv_last_error());
  snprintf(first, sizeof first, "%s", qv_last_error());
  if (!qvt_contains(first, path) || !qvt_contains(first, "changed size"))
    fail_msg("%s: the message does not name %s and say it changed size: %s", what, path, first);
  /* The same answer every time. */
  assert_int_equal(qv_index_verify(mapped), QV_ERR_CORRUPT);
  assert_string_equal(qv_last_error(), first);
}

/* qv_index_verify on a mapped index whose file was cut short after the open
 * reports it instead of dying of SIGBUS; so do the calls that verify first
 * (save, export), which then write nothing. Run in this very process; no
 * signal handler is involved (the SIGBUS disposition is left as it was). */
static void test_verify_reports_a_mapped_file_cut_short(void** state) {
  size_t k;
  int cut;
  (void)state;
  for (k = 0; k < 2; ++k)
    for (cut = 0; cut < CUT_KINDS; ++cut) {
      char* dir = qvx_temp_dir("trunc-verify");
      char* path = qvx_path(dir, "index.qv");
      char* newer = qvx_path(dir, "newer.qv");
      char* copy = qvx_path(dir, "copy.qv");
      char* vectors = qvx_path(dir, "v.npy");
      char* keys = qvx_path(dir, "k.npy");
      qv_index* mapped = NULL;
      qv_open_options opts;
      struct sigaction before, after;
      off_t size;
      int fd;
      save_index(kinds[k], path, 61, NULL);
      fd = open(path, O_RDWR);
      assert_true(fd >= 0);
      size = lseek(fd, 0, SEEK_END);
      assert_true(size > 3 * 4096);
      /* Deferred (HNSW): verify is the first to read the vectors at all. */
      qv_open_options_init(&opts);
      opts.mode = QV_OPEN_MMAP;
      opts.verify = k == 0 ? QV_VERIFY_DEFERRED : QV_VERIFY_ALL;
      assert_int_equal(qv_index_open_with_options(path, &opts, &mapped), QV_OK);
      assert_int_equal(qv_index_verify(mapped), QV_OK);
      if (cut == CUT_AFTER_REPLACED) {
        save_index(kinds[k], newer, 62, NULL);
        assert_int_equal(rename(newer, path), 0);
      }
      if (cut == CUT_AFTER_UNLINKED) assert_int_equal(unlink(path), 0);
      assert_int_equal(sigaction(SIGBUS, NULL, &before), 0);
      assert_int_equal(ftruncate(fd, cut == CUT_A_FEW_BYTES ? size - 100 : 4096), 0);
      expect_changed_size(mapped, path, cut_names[cut]);
      printf("[ info     ] %s, %s: %s\n", kind_names[k], cut_names[cut], qv_last_error());
      assert_int_equal(qv_index_save(mapped, copy), QV_ERR_CORRUPT);
      assert_true(qvt_contains(qv_last_error(), "changed size"));
      assert_int_equal(qv_index_export_npy(mapped, vectors, keys), QV_ERR_CORRUPT);
      assert_int_equal(qvt_count_entries(dir), cut == CUT_AFTER_UNLINKED ? 0 : 1);
      assert_int_equal(sigaction(SIGBUS, NULL, &after), 0);
      assert_ptr_equal((void*)before.sa_handler, (void*)after.sa_handler);
      qv_index_free(mapped);
      close(fd);
      free(path);
      free(newer);
      free(copy);
      free(vectors);
      free(keys);
      qvx_remove_tree(dir);
    }
}

/* Documents the one thing a mapped index cannot survive: its file cut
 * short. The child maps, the file is truncated, the child searches. */
static void test_truncating_a_mapped_file_is_not_survivable_by_design(void** state) {
  char* dir = qvx_temp_dir("trunc-map");
  char* path = qvx_path(dir, "index.qv");
  qv_index* mapped = NULL;
  pid_t child;
  int status = 0;
  (void)state;
  save_index(QV_INDEX_FLAT, path, 51, NULL);
  assert_int_equal(qv_index_open(path, QV_OPEN_MMAP, &mapped), QV_OK);
  fflush(NULL);
  child = fork();
  assert_true(child >= 0);
  if (child == 0) {
    qvx_fingerprint got;
    /* Not cmocka's handler (it would carry on with the other tests in the
     * child): the plain death a program without handlers gets. */
    signal(SIGBUS, SIG_DFL);
    signal(SIGSEGV, SIG_DFL);
    if (truncate(path, 4096) != 0) _exit(3);
    (void)qvx_fingerprint_of(mapped, &got);
    _exit(0); /* survived: the documentation would be wrong */
  }
  assert_int_equal(waitpid(child, &status, 0), child);
  if (WIFSIGNALED(status))
    printf("[ info     ] search after truncation: killed by signal %d (%s), as documented\n",
           WTERMSIG(status), strsignal(WTERMSIG(status)));
  else
    printf(
        "[ info     ] search after truncation: exit status %d (a sanitizer report of the "
        "SIGBUS), as documented\n",
        WEXITSTATUS(status));
  assert_false(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  assert_false(WIFEXITED(status) && WEXITSTATUS(status) == 3);
  qv_index_free(mapped);
  free(path);
  qvx_remove_tree(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      QVT_TIMED(test_open_reports_system_failures_and_leaks_nothing),
      QVT_TIMED(test_open_at_the_descriptor_limit_is_an_io_error),
      QVT_TIMED(test_failures_at_system_limits_say_what_to_do),
      QVT_TIMED(test_mapped_index_keeps_its_inode_when_the_path_changes),
      QVT_TIMED(test_loaded_index_survives_truncation_of_its_file),
      QVT_TIMED(test_verify_detects_a_file_rewritten_in_place_under_a_mapping),
      QVT_TIMED(test_verify_reports_a_mapped_file_cut_short),
      QVT_TIMED(test_truncating_a_mapped_file_is_not_survivable_by_design),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
