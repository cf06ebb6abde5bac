/* Crash safety: a child process saves two different indexes to the same
 * path in a loop and is killed with SIGKILL at random moments, at least 50
 * times. After every kill, what opens at the path (by loading and by
 * mapping) must be a complete, checksum-valid index equal to one of the two
 * versions. Finally a save removes what the killed writers left behind. */
#define _DEFAULT_SOURCE

/* cmocka needs these four first, in this order. */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
/* clang-format on */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <quiver/quiver.h>

#include "qv_test_support.h"
#include "storage_test_util.h"

#define DIM 32
#define NQ 8
#define K 5
#define KILLS 60

static void sleep_us(long us) {
  struct timespec ts;
  ts.tv_sec = us / 1000000;
  ts.tv_nsec = (us % 1000000) * 1000;
  nanosleep(&ts, NULL);
}

/* Which of the two versions `opened` is: 0 or 1, or -1 for neither. */
static int which_version(const qv_index* opened, qv_index* const versions[2], const float* queries,
                         char* why, size_t why_size) {
  int v;
  char other[256];
  for (v = 0; v < 2; ++v)
    if (qvs_compare_indexes(opened, versions[v], queries, NQ, K, 64, v ? other : why,
                            v ? sizeof other : why_size) == 0)
      return v;
  return -1;
}

static void test_kill_during_save_leaves_a_complete_version(void** state) {
  char* dir = qvs_temp_dir("crash");
  char* path = qvs_path(dir, "index.qv");
  qv_index* versions[2];
  float* queries = qvt_gaussian_vectors(NQ, DIM, 5);
  qvt_rng rng;
  double t0, save_seconds;
  int kill_no, seen[2] = {0, 0}, mid_save = 0, i;
  (void)state;
  /* Two versions that differ in kind of content: size, keys, deletions,
   * metadata. HNSW so the graph sections are exercised; compression on one
   * so both save paths are. */
  versions[0] = qvs_build_index(QV_INDEX_HNSW, QV_METRIC_L2, DIM, 3000, 1, 0, NULL);
  versions[1] = qvs_build_index(QV_INDEX_HNSW, QV_METRIC_L2, DIM, 4000, 2, 3, NULL);
  assert_int_equal(qv_index_save(versions[0], path), QV_OK);

  /* How long one save takes here, to aim the kills across whole saves. */
  t0 = qvt_now();
  for (i = 0; i < 4; ++i) assert_int_equal(qv_index_save(versions[i & 1], path), QV_OK);
  save_seconds = (qvt_now() - t0) / 4;
  assert_int_equal(qv_index_save(versions[0], path), QV_OK);
  print_message("one save takes %.2f ms; killing the saver %d times\n", save_seconds * 1e3, KILLS);

  qvt_rng_seed(&rng, 12345);
  for (kill_no = 0; kill_no < KILLS; ++kill_no) {
    int status, v, mode, entries_before = qvt_count_entries(dir), pipe_fd[2], done;
    long delay_us;
    pid_t child;
    assert_int_equal(pipe(pipe_fd), 0);
    child = fork();
    assert_true(child >= 0);
    if (child == 0) {
      qv_save_options opts;
      unsigned long round;
      close(pipe_fd[0]);
      qv_save_options_init(&opts);
      opts.compress_graph = 1;
      /* Odd kills start with the other version, so both get committed. */
      for (round = (unsigned long)kill_no & 1;; ++round) {
        int which = (int)(round & 1);
        if (qv_index_save_with_options(versions[which], path, which ? &opts : NULL) != QV_OK) {
          fprintf(stderr, "child: save failed: %s\n", qv_last_error());
          _exit(3);
        }
        if (write(pipe_fd[1], "s", 1) != 1) _exit(4); /* one byte per completed save */
      }
    }
    close(pipe_fd[1]);
    /* Let 0, 1 or 2 saves complete (so kills land in the first save, and
     * after either version was committed), then kill at a random moment of
     * the next save or two: however busy the machine, the kill falls
     * somewhere in a save the child has started. */
    for (done = (int)qvt_rng_below(&rng, 3); done > 0; --done) {
      char c;
      if (read(pipe_fd[0], &c, 1) != 1) fail_msg("kill %d: the saver died early", kill_no);
    }
    delay_us = (long)(qvt_rng_uniform(&rng) * 1.5 * save_seconds * 1e6);
    sleep_us(delay_us);
    assert_int_equal(kill(child, SIGKILL), 0);
    assert_int_equal(waitpid(child, &status, 0), child);
    close(pipe_fd[0]);
    if (!(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL))
      fail_msg("kill %d: the saver ended on its own (status %d)", kill_no, status);
    /* A new temporary left behind: this kill interrupted a save. */
    if (qvt_count_entries(dir) > entries_before) ++mid_save;
    for (mode = QV_OPEN_LOAD; mode <= QV_OPEN_MMAP; ++mode) {
      qv_index* opened = NULL;
      char why[256];
      qv_status s = qv_index_open(path, (qv_open_mode)mode, &opened);
      if (s != QV_OK)
        fail_msg("kill %d after %ld us (mode %d): %s: %s", kill_no, delay_us, mode,
                 qv_status_string(s), qv_last_error());
      v = which_version(opened, versions, queries, why, sizeof why);
      if (v < 0) fail_msg("kill %d: the file holds neither version (%s)", kill_no, why);
      if (mode == QV_OPEN_LOAD) ++seen[v];
      qv_index_free(opened);
    }
  }
  print_message(
      "after %d kills the file held version 0 %d times, version 1 %d times; "
      "%d kills left a temporary (interrupted a save)\n",
      KILLS, seen[0], seen[1], mid_save);
  assert_true(mid_save > 0);
  /* Both versions showed up, so kills landed between saves of both kinds. */
  assert_true(seen[0] > 0);
  assert_true(seen[1] > 0);
  /* The killed savers' temporaries go with the next save. */
  print_message("%d entries in the directory before the final save\n", qvt_count_entries(dir));
  assert_int_equal(qv_index_save(versions[1], path), QV_OK);
  assert_int_equal(qvt_count_entries(dir), 1);
  qv_index_free(versions[0]);
  qv_index_free(versions[1]);
  free(queries);
  free(path);
  qvs_remove_tree(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_kill_during_save_leaves_a_complete_version),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
