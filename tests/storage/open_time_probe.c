/* Open-time probe (built, not a test): builds a random HNSW index, saves it,
 * and reports how long qv_index_open takes with QV_OPEN_LOAD and with
 * QV_OPEN_MMAP, and how long the first search after each takes.
 *
 *   open_time_probe [n [dim [M [ef_construction [dir]]]]]
 *   defaults:        1000000 128 16 200 $TMPDIR (or /tmp)
 *   open_time_probe --file saved.qv      (measure an existing index file)
 *   open_time_probe --load saved.qv [repeat]
 *                                        (LOAD against reading the file once)
 * Set QV_PROBE_KEEP=1 to keep the file it built (its path is printed).
 *
 * Each mode is measured twice: warm (the file is in the page cache, as right
 * after a save or for a restarted service) and cold (the file's pages are
 * evicted with posix_fadvise before each open, so the open or the first
 * search reads from the disk). QV_OPEN_MMAP verifies every checksum before
 * it returns (a full read); with QV_VERIFY_DEFERRED it reads no vector and
 * qv_index_verify does that pass later, timed separately.
 *
 * --load compares, warm and on 1 and 2 threads (qv_open_options.threads),
 * a QV_OPEN_LOAD open with reading the file once: into a reused 1 MiB
 * buffer (what `cat file > /dev/null` costs) and into a fresh buffer of the
 * file's size (what any copy into memory costs: the new pages too; with
 * 4 KiB pages from malloc and with transparent huge pages), and with a
 * QV_OPEN_MMAP open; medians of `repeat` (default 5) runs, with the load
 * average before and after. */
#define _DEFAULT_SOURCE

#include <fcntl.h>
#include <quiver/quiver.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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

static double median(double* v, int n) {
  qsort(v, (size_t)n, sizeof(double), compare_double);
  return v[n / 2];
}

static void print_load_average(const char* when) {
  char line[128] = "?";
  FILE* f = fopen("/proc/loadavg", "r");
  if (f) {
    if (!fgets(line, sizeof line, f)) line[0] = 0;
    fclose(f);
  }
  printf("load average %s: %s", when, line);
}

/* Reads the whole file once: into a reused 1 MiB buffer (how = 0), into a
 * new buffer of the file's size from malloc (how = 1, 4 KiB pages), or
 * into a new mapping advised to use transparent huge pages (how = 2, as
 * the index's large chunks are); milliseconds, allocation included. */
static double read_once(const char* path, size_t size, int how) {
  static char small[1 << 20];
  char* buffer = small;
  size_t done = 0;
  double t0 = qvt_now(), ms;
  int fd = open(path, O_RDONLY);
  if (how == 1) buffer = malloc(size);
  if (how == 2) {
    buffer = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buffer == MAP_FAILED) buffer = NULL;
#ifdef MADV_HUGEPAGE
    if (buffer) madvise(buffer, size, MADV_HUGEPAGE);
#endif
  }
  if (fd < 0 || !buffer) {
    perror(path);
    exit(1);
  }
  while (done < size) {
    size_t want = size - done < sizeof small ? size - done : sizeof small;
    ssize_t got = read(fd, how ? buffer + done : small, want);
    if (got <= 0) {
      perror("read");
      exit(1);
    }
    done += (size_t)got;
  }
  close(fd);
  ms = (qvt_now() - t0) * 1e3;
  if (how == 1) free(buffer);
  if (how == 2) munmap(buffer, size);
  return ms;
}

/* Median open time (ms) of `repeat` opens on `threads` threads; also the
 * median time to free the index. */
static double open_median(const char* path, qv_open_mode mode, uint32_t threads, int repeat,
                          double* free_ms) {
  double opens[64], frees[64];
  int r;
  for (r = 0; r < repeat; ++r) {
    qv_index* index = NULL;
    qv_open_options opts;
    double t0, t1;
    qv_open_options_init(&opts);
    opts.mode = mode;
    opts.threads = threads;
    t0 = qvt_now();
    check(qv_index_open_with_options(path, &opts, &index), "qv_index_open");
    t1 = qvt_now();
    qv_index_free(index);
    opens[r] = (t1 - t0) * 1e3;
    frees[r] = (qvt_now() - t1) * 1e3;
  }
  *free_ms = median(frees, repeat);
  return median(opens, repeat);
}

static int compare_load(const char* path, int repeat) {
  struct stat st;
  double reads[64], fresh[64], huge[64], free_ms;
  uint32_t threads;
  int r;
  if (repeat < 1 || repeat > 64) repeat = 5;
  if (stat(path, &st) != 0) {
    perror(path);
    return 1;
  }
  print_load_average("before");
  read_once(path, (size_t)st.st_size, 0); /* warm the page cache */
  for (r = 0; r < repeat; ++r) {
    reads[r] = read_once(path, (size_t)st.st_size, 0);
    fresh[r] = read_once(path, (size_t)st.st_size, 1);
    huge[r] = read_once(path, (size_t)st.st_size, 2);
  }
  printf("%s: %.1f MiB, %d cores online, warm page cache, medians of %d\n", path,
         (double)st.st_size / (1 << 20), (int)sysconf(_SC_NPROCESSORS_ONLN), repeat);
  printf("  read once, 1 MiB buffer (cat):  %8.1f ms\n", median(reads, repeat));
  printf("  read once, into a fresh buffer: %8.1f ms (malloc), %.1f ms (huge pages)\n",
         median(fresh, repeat), median(huge, repeat));
  for (threads = 1; threads <= 2; ++threads) {
    double load = open_median(path, QV_OPEN_LOAD, threads, repeat, &free_ms);
    printf("  %u thread%s: QV_OPEN_LOAD %8.1f ms (free %.1f ms)", threads, threads > 1 ? "s" : "",
           load, free_ms);
    printf(", QV_OPEN_MMAP %6.1f ms\n", open_median(path, QV_OPEN_MMAP, threads, repeat, &free_ms));
  }
  print_load_average("after");
  return 0;
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
  if (argc > 2 && strcmp(argv[1], "--load") == 0)
    return compare_load(argv[2], argc > 3 ? atoi(argv[3]) : 5);
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
