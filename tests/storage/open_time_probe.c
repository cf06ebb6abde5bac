/* Open-time probe (built, not a test): builds a random HNSW index, saves it,
 * and reports how long qv_index_open takes with QV_OPEN_LOAD and with
 * QV_OPEN_MMAP, and how long the first search after each takes.
 *
 *   open_time_probe [n [dim [M [ef_construction [dir]]]]]
 *   defaults:        1000000 128 16 200 $TMPDIR (or /tmp)
 *   open_time_probe --file saved.qv      (measure an existing index file)
 * Set QV_PROBE_KEEP=1 to keep the file it built (its path is printed).
 *
 * Each mode is measured twice: warm (the file is in the page cache, as right
 * after a save or for a restarted service) and cold (the file's pages are
 * evicted with posix_fadvise before each open, so the open or the first
 * search reads from the disk). QV_OPEN_MMAP verifies every checksum before
 * it returns (a full read); with QV_VERIFY_DEFERRED it reads no vector and
 * qv_index_verify does that pass later, timed separately. */
#define _DEFAULT_SOURCE

#include <fcntl.h>
#include <quiver/quiver.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qv_test_support.h"

#define REPEAT 5

static void check(qv_status s, const char* what) {
  if (s != QV_OK) {
    fprintf(stderr, "%s: %s: %s\n", what, qv_status_string(s), qv_last_error());
    exit(1);
  }
}

/* Drops the file's pages from the page cache (they are clean after the
 * save's fsync), so the next open reads from the disk. */
static void evict(const char* path) {
  int fd = open(path, O_RDONLY);
  if (fd >= 0) {
    posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    close(fd);
  }
}

static int compare_double(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return (x > y) - (x < y);
}

/* Median over REPEAT opens of: open time, first-search time. */
static void measure(const char* path, qv_open_mode mode, qv_verify_mode verify, int cold,
                    const float* query, uint32_t dim, double* open_ms, double* first_ms,
                    double* next_ms) {
  double opens[REPEAT], firsts[REPEAT], nexts[REPEAT];
  int r;
  (void)dim;
  for (r = 0; r < REPEAT; ++r) {
    qv_index* index = NULL;
    uint64_t keys[10];
    float dist[10];
    size_t found;
    qv_open_options opts;
    double t0, t1, t2, t3;
    qv_open_options_init(&opts);
    opts.mode = mode;
    opts.verify = verify;
    if (cold) evict(path);
    t0 = qvt_now();
    check(qv_index_open_with_options(path, &opts, &index), "qv_index_open");
    t1 = qvt_now();
    check(qv_index_search(index, query, 10, NULL, keys, dist, &found), "first search");
    t2 = qvt_now();
    check(qv_index_search(index, query + dim, 10, NULL, keys, dist, &found), "second search");
    t3 = qvt_now();
    opens[r] = (t1 - t0) * 1e3;
    firsts[r] = (t2 - t1) * 1e3;
    nexts[r] = (t3 - t2) * 1e3;
    qv_index_free(index);
  }
  qsort(opens, REPEAT, sizeof(double), compare_double);
  qsort(firsts, REPEAT, sizeof(double), compare_double);
  qsort(nexts, REPEAT, sizeof(double), compare_double);
  *open_ms = opens[REPEAT / 2];
  *first_ms = firsts[REPEAT / 2];
  *next_ms = nexts[REPEAT / 2];
}

int main(int argc, char** argv) {
  size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
  uint32_t dim = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 10) : 128;
  uint32_t m = argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 10) : 16;
  uint32_t efc = argc > 4 ? (uint32_t)strtoul(argv[4], NULL, 10) : 200;
  const char* dir = argc > 5 ? argv[5] : (getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  char path[4096];
  qv_index_options o;
  qv_index* index = NULL;
  float *vectors, *queries;
  uint64_t* keys = NULL;
  size_t i, batch = 100000;
  double t0, build_s, save_s, verify_ms[2];
  double r[2][3][3]; /* [cold][mode][open, first search, next search] */
  static const char* const names[3] = {"QV_OPEN_LOAD", "QV_OPEN_MMAP",
                                       "QV_OPEN_MMAP + VERIFY_DEFERRED"};
  int cold, mode;
  struct stat st;

  int existing = argc > 2 && strcmp(argv[1], "--file") == 0;
  if (existing) {
    qv_index_info info;
    snprintf(path, sizeof path, "%s", argv[2]);
    check(qv_index_open(path, QV_OPEN_MMAP, &index), "qv_index_open");
    info.struct_size = sizeof info;
    check(qv_index_get_info(index, &info), "qv_index_get_info");
    n = info.count;
    dim = info.dim;
    m = info.hnsw_m;
    efc = info.hnsw_ef_construction;
    qv_index_free(index);
    build_s = save_s = 0;
  } else {
    snprintf(path, sizeof path, "%s/qv-open-time-probe-%ld.qv", dir, (long)getpid());
    qv_index_options_init(&o);
    o.dim = dim;
    o.kind = QV_INDEX_HNSW;
    o.hnsw_m = m;
    o.hnsw_ef_construction = efc;
    check(qv_index_create(&o, &index), "qv_index_create");
    printf("building HNSW n=%zu dim=%u M=%u ef_construction=%u ...\n", n, dim, m, efc);
    fflush(stdout);
    keys = malloc(batch * sizeof *keys);
    t0 = qvt_now();
    for (i = 0; i < n; i += batch) {
      size_t b = n - i < batch ? n - i : batch, j;
      vectors = qvt_gaussian_vectors(b, dim, 1000 + i);
      for (j = 0; j < b; ++j) keys[j] = i + j;
      check(qv_index_add_batch(index, b, keys, vectors), "qv_index_add_batch");
      free(vectors);
    }
    free(keys);
    build_s = qvt_now() - t0;
    t0 = qvt_now();
    check(qv_index_save(index, path), "qv_index_save");
    save_s = qvt_now() - t0;
    qv_index_free(index);
  }
  if (stat(path, &st) != 0) {
    perror("stat");
    return 1;
  }
  queries = qvt_gaussian_vectors(2, dim, 7);
  for (cold = 0; cold < 2; ++cold) {
    measure(path, QV_OPEN_LOAD, QV_VERIFY_ALL, cold, queries, dim, &r[cold][0][0], &r[cold][0][1],
            &r[cold][0][2]);
    measure(path, QV_OPEN_MMAP, QV_VERIFY_ALL, cold, queries, dim, &r[cold][1][0], &r[cold][1][1],
            &r[cold][1][2]);
    measure(path, QV_OPEN_MMAP, QV_VERIFY_DEFERRED, cold, queries, dim, &r[cold][2][0],
            &r[cold][2][1], &r[cold][2][2]);
  }
  for (cold = 0; cold < 2; ++cold) {
    qv_open_options opts;
    qv_open_options_init(&opts);
    opts.mode = QV_OPEN_MMAP;
    check(qv_index_open_with_options(path, &opts, &index), "warm-up"); /* reads the file */
    qv_index_free(index);
    if (cold) evict(path);
    opts.mode = QV_OPEN_MMAP;
    opts.verify = QV_VERIFY_DEFERRED;
    check(qv_index_open_with_options(path, &opts, &index), "qv_index_open");
    t0 = qvt_now();
    check(qv_index_verify(index), "qv_index_verify");
    verify_ms[cold] = (qvt_now() - t0) * 1e3;
    qv_index_free(index);
  }
  printf("n=%zu dim=%u M=%u ef_construction=%u: build %.1f s, save %.2f s, file %.1f MiB\n", n, dim,
         m, efc, build_s, save_s, (double)st.st_size / (1 << 20));
  fflush(stdout);
  printf("%d cores online\n", (int)sysconf(_SC_NPROCESSORS_ONLN));
  for (cold = 0; cold < 2; ++cold) {
    printf("%s page cache:\n", cold ? "cold (file evicted before each open)" : "warm");
    printf("  %-30s %10s %18s %17s\n", "mode", "open (ms)", "first search (ms)",
           "next search (ms)");
    for (mode = 0; mode < 3; ++mode)
      printf("  %-30s %10.2f %18.3f %17.3f\n", names[mode], r[cold][mode][0], r[cold][mode][1],
             r[cold][mode][2]);
  }
  printf("qv_index_verify after a deferred open: %.2f ms warm, %.2f ms cold\n", verify_ms[0],
         verify_ms[1]);
  printf("(medians of %d opens; k = 10, default ef)\n", REPEAT);
  if (!existing) {
    if (getenv("QV_PROBE_KEEP"))
      printf("kept %s\n", path);
    else
      unlink(path);
  }
  free(queries);
  return 0;
}
