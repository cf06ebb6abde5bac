/* Helpers shared by the test programs; see qv_test_support.h. */
#define _POSIX_C_SOURCE 200809L

#include "qv_test_support.h"

#include <ctype.h>
#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void* xmalloc(size_t bytes) {
  void* p = malloc(bytes ? bytes : 1);
  if (!p) {
    fprintf(stderr, "test support: out of memory (%zu bytes)\n", bytes);
    abort();
  }
  return p;
}

/* ---- random numbers --------------------------------------------------- */

void qvt_rng_seed(qvt_rng* rng, uint64_t seed) {
  rng->state = seed;
  rng->has_spare = 0;
  rng->spare = 0.0;
}

uint64_t qvt_rng_next(qvt_rng* rng) {
  uint64_t z = (rng->state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

double qvt_rng_uniform(qvt_rng* rng) {
  return (double)(qvt_rng_next(rng) >> 11) * (1.0 / 9007199254740992.0);
}

size_t qvt_rng_below(qvt_rng* rng, size_t n) {
  return n ? (size_t)(qvt_rng_next(rng) % (uint64_t)n) : 0;
}

double qvt_rng_gaussian(qvt_rng* rng) {
  double u1, u2, r;
  if (rng->has_spare) {
    rng->has_spare = 0;
    return rng->spare;
  }
  do {
    u1 = qvt_rng_uniform(rng);
  } while (u1 <= 0.0);
  u2 = qvt_rng_uniform(rng);
  r = sqrt(-2.0 * log(u1));
  rng->spare = r * sin(6.283185307179586 * u2);
  rng->has_spare = 1;
  return r * cos(6.283185307179586 * u2);
}

float* qvt_gaussian_vectors(size_t n, size_t dim, uint64_t seed) {
  qvt_rng rng;
  float* v = (float*)xmalloc(n * dim * sizeof(float));
  size_t i;
  qvt_rng_seed(&rng, seed);
  for (i = 0; i < n * dim; ++i) v[i] = (float)qvt_rng_gaussian(&rng);
  return v;
}

float* qvt_gaussian_mixture(size_t n, size_t dim, size_t clusters, double sigma, uint64_t seed) {
  qvt_rng rng;
  float *centres, *v;
  size_t i, j;
  if (clusters == 0) clusters = 1;
  qvt_rng_seed(&rng, seed);
  centres = (float*)xmalloc(clusters * dim * sizeof(float));
  for (i = 0; i < clusters * dim; ++i) centres[i] = (float)(2.0 * qvt_rng_uniform(&rng) - 1.0);
  v = (float*)xmalloc(n * dim * sizeof(float));
  for (i = 0; i < n; ++i) {
    const float* c = centres + qvt_rng_below(&rng, clusters) * dim;
    for (j = 0; j < dim; ++j) v[i * dim + j] = (float)(c[j] + sigma * qvt_rng_gaussian(&rng));
  }
  free(centres);
  return v;
}

void qvt_mixture_split(size_t n, size_t nq, size_t dim, size_t clusters, double sigma,
                       uint64_t seed, float** base, float** queries) {
  float* all = qvt_gaussian_mixture(n + nq, dim, clusters, sigma, seed);
  *queries = (float*)xmalloc(nq * dim * sizeof(float));
  memcpy(*queries, all + n * dim, nq * dim * sizeof(float));
  *base = all; /* the tail stays allocated unused: simpler than a realloc */
}

/* ---- datasets --------------------------------------------------------- */

const char* qvt_data_dir(void) {
  const char* d = getenv("QV_DATA_DIR");
  return (d && *d) ? d : NULL;
}

char* qvt_path_join(const char* dir, const char* name) {
  size_t a = strlen(dir), b = strlen(name);
  char* p = (char*)xmalloc(a + b + 2);
  memcpy(p, dir, a);
  p[a] = '/';
  memcpy(p + a + 1, name, b + 1);
  return p;
}

int qvt_file_readable(const char* path) { return path && access(path, R_OK) == 0; }

unsigned char* qvt_read_file(const char* path, size_t* size) {
  FILE* f = fopen(path, "rb");
  unsigned char* buf = NULL;
  size_t cap = 0, len = 0, got;
  if (!f) return NULL;
  for (;;) {
    if (len == cap) {
      cap = cap ? cap * 2 : 65536;
      buf = (unsigned char*)realloc(buf, cap);
      if (!buf) abort();
    }
    got = fread(buf + len, 1, cap - len, f);
    if (got == 0) break;
    len += got;
  }
  if (ferror(f)) {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  *size = len;
  return buf;
}

uint64_t* qvt_keys_in_storage_order(const qv_index* index, size_t* n) {
  char dir[] = "/tmp/qvt_storage_order_XXXXXX";
  char *vectors_path, *keys_path;
  unsigned char* bytes = NULL;
  size_t size = 0, header = 0;
  uint64_t* keys = NULL;
  if (!mkdtemp(dir)) return NULL;
  vectors_path = qvt_path_join(dir, "v.npy");
  keys_path = qvt_path_join(dir, "k.npy");
  /* NumPy format 1.0: 10 bytes, the header (its length at bytes 8-9), data. */
  if (qv_index_export_npy(index, vectors_path, keys_path) == QV_OK)
    bytes = qvt_read_file(keys_path, &size);
  if (bytes && size >= 10) header = 10 + (size_t)bytes[8] + ((size_t)bytes[9] << 8);
  if (bytes && size >= header && header >= 10 && (size - header) % 8 == 0) {
    *n = (size - header) / 8;
    keys = (uint64_t*)malloc(size - header + 8);
    if (keys) memcpy(keys, bytes + header, size - header);
  }
  free(bytes);
  unlink(vectors_path);
  unlink(keys_path);
  rmdir(dir);
  free(vectors_path);
  free(keys_path);
  return keys;
}

int qvt_count_entries(const char* dir) {
  DIR* d = opendir(dir);
  struct dirent* e;
  int n = 0;
  if (!d) return -1;
  while ((e = readdir(d)) != NULL)
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) ++n;
  closedir(d);
  return n;
}

/* Shared reader: both formats are int32 d then d 4-byte values per row. */
static void* read_vecs(const char* path, size_t* n_out, size_t* dim_out) {
  FILE* f = fopen(path, "rb");
  long bytes;
  int32_t d;
  size_t row_bytes, n, i;
  unsigned char* out;
  if (!f) return NULL;
  if (fseek(f, 0, SEEK_END) != 0 || (bytes = ftell(f)) < 4 || fseek(f, 0, SEEK_SET) != 0 ||
      fread(&d, sizeof d, 1, f) != 1 || d <= 0) {
    fclose(f);
    return NULL;
  }
  row_bytes = 4 + (size_t)d * 4;
  if ((size_t)bytes % row_bytes != 0) {
    fclose(f);
    return NULL;
  }
  n = (size_t)bytes / row_bytes;
  out = (unsigned char*)xmalloc(n * (size_t)d * 4);
  fseek(f, 0, SEEK_SET);
  for (i = 0; i < n; ++i) {
    int32_t row_d;
    if (fread(&row_d, sizeof row_d, 1, f) != 1 || row_d != d ||
        fread(out + i * (size_t)d * 4, 4, (size_t)d, f) != (size_t)d) {
      free(out);
      fclose(f);
      return NULL;
    }
  }
  fclose(f);
  *n_out = n;
  *dim_out = (size_t)d;
  return out;
}

float* qvt_read_fvecs(const char* path, size_t* n, size_t* dim) {
  return (float*)read_vecs(path, n, dim);
}

int32_t* qvt_read_ivecs(const char* path, size_t* n, size_t* dim) {
  return (int32_t*)read_vecs(path, n, dim);
}

static int write_vecs(const char* path, const void* data, size_t n, size_t dim) {
  FILE* f = fopen(path, "wb");
  int32_t d = (int32_t)dim;
  size_t i;
  if (!f) return -1;
  for (i = 0; i < n; ++i) {
    if (fwrite(&d, sizeof d, 1, f) != 1 ||
        fwrite((const unsigned char*)data + i * dim * 4, 4, dim, f) != dim) {
      fclose(f);
      return -1;
    }
  }
  return fclose(f) == 0 ? 0 : -1;
}

int qvt_write_fvecs(const char* path, const float* data, size_t n, size_t dim) {
  return write_vecs(path, data, n, dim);
}

int qvt_write_ivecs(const char* path, const int32_t* data, size_t n, size_t dim) {
  return write_vecs(path, data, n, dim);
}

/* ---- exact search ----------------------------------------------------- */

double qvt_distance(qv_metric metric, const float* a, const float* b, size_t dim) {
  size_t i;
  if (metric == QV_METRIC_L2) {
    double s = 0.0;
    for (i = 0; i < dim; ++i) {
      double t = (double)a[i] - (double)b[i];
      s += t * t;
    }
    return s;
  } else {
    double dot = 0.0, na = 0.0, nb = 0.0;
    for (i = 0; i < dim; ++i) {
      dot += (double)a[i] * b[i];
      na += (double)a[i] * a[i];
      nb += (double)b[i] * b[i];
    }
    if (metric == QV_METRIC_IP) return 1.0 - dot;
    return 1.0 - dot / (sqrt(na) * sqrt(nb));
  }
}

size_t qvt_brute_force(qv_metric metric, const float* base, const uint64_t* keys,
                       const unsigned char* live, size_t n, size_t dim, const float* query,
                       size_t k, qvt_filter_fn filter, void* filter_user, uint64_t* keys_out,
                       double* dist_out) {
  /* Insertion into a sorted array of at most k: O(n k) worst case, cheap
   * for the k the tests use. */
  double* best_d = (double*)xmalloc((k ? k : 1) * sizeof(double));
  uint64_t* best_k = (uint64_t*)xmalloc((k ? k : 1) * sizeof(uint64_t));
  size_t found = 0, i, j;
  for (i = 0; i < n; ++i) {
    uint64_t key = keys ? keys[i] : (uint64_t)i;
    double d;
    if (live && !live[i]) continue;
    if (filter && !filter(key, filter_user)) continue;
    d = qvt_distance(metric, query, base + i * dim, dim);
    if (found == k && (d > best_d[k - 1] || (d == best_d[k - 1] && key > best_k[k - 1]))) continue;
    j = found < k ? found++ : k - 1;
    while (j > 0 && (best_d[j - 1] > d || (best_d[j - 1] == d && best_k[j - 1] > key))) {
      best_d[j] = best_d[j - 1];
      best_k[j] = best_k[j - 1];
      --j;
    }
    best_d[j] = d;
    best_k[j] = key;
  }
  for (i = 0; i < found; ++i) {
    keys_out[i] = best_k[i];
    if (dist_out) dist_out[i] = best_d[i];
  }
  free(best_d);
  free(best_k);
  return found;
}

void qvt_brute_force_batch(qv_metric metric, const float* base, const uint64_t* keys,
                           const unsigned char* live, size_t n, size_t dim, const float* queries,
                           size_t nq, size_t k, qvt_filter_fn filter, void* filter_user,
                           uint64_t* keys_out, double* dist_out, size_t* found_out) {
  size_t q;
  for (q = 0; q < nq; ++q) {
    size_t found =
        qvt_brute_force(metric, base, keys, live, n, dim, queries + q * dim, k, filter, filter_user,
                        keys_out + q * k, dist_out ? dist_out + q * k : NULL);
    size_t i;
    for (i = found; i < k; ++i) {
      keys_out[q * k + i] = UINT64_MAX;
      if (dist_out) dist_out[q * k + i] = INFINITY;
    }
    if (found_out) found_out[q] = found;
  }
}

double qvt_recall(size_t nq, size_t k, const uint64_t* got, size_t got_stride,
                  const size_t* got_found, const uint64_t* truth, size_t truth_stride,
                  const size_t* truth_found) {
  size_t q, i, j, hits = 0, total = 0;
  for (q = 0; q < nq; ++q) {
    size_t nt = k, ng = got_stride;
    if (truth_found && truth_found[q] < nt) nt = truth_found[q];
    if (got_found && got_found[q] < ng) ng = got_found[q];
    for (i = 0; i < nt; ++i) {
      uint64_t want = truth[q * truth_stride + i];
      for (j = 0; j < ng; ++j) {
        if (got[q * got_stride + j] == want) {
          ++hits;
          break;
        }
      }
    }
    total += nt;
  }
  return total ? (double)hits / (double)total : 1.0;
}

/* ---- misc ------------------------------------------------------------- */

double qvt_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double timer_start;

int qvt_timer_setup(void** state) {
  (void)state;
  timer_start = qvt_now();
  return 0;
}

int qvt_timer_teardown(void** state) {
  (void)state;
  printf("[ time     ] %.3f s\n", qvt_now() - timer_start);
  fflush(stdout);
  return 0;
}

int qvt_sanitized(void) {
#ifdef QV_TEST_SANITIZED
  return 1;
#else
  return 0;
#endif
}

size_t qvt_scaled(size_t n) {
  if (!qvt_sanitized()) return n;
  return n / 4 ? n / 4 : 1;
}

int qvt_contains(const char* haystack, const char* needle) {
  return haystack && needle && strstr(haystack, needle) != NULL;
}

int qvt_contains_nocase(const char* haystack, const char* needle) {
  size_t i, j, hl, nl;
  if (!haystack || !needle) return 0;
  hl = strlen(haystack);
  nl = strlen(needle);
  if (nl == 0) return 1;
  for (i = 0; i + nl <= hl; ++i) {
    for (j = 0; j < nl; ++j)
      if (tolower((unsigned char)haystack[i + j]) != tolower((unsigned char)needle[j])) break;
    if (j == nl) return 1;
  }
  return 0;
}

qv_index* qvt_create_index(uint32_t dim, qv_metric metric, qv_index_kind kind) {
  qv_index_options o;
  qv_index* index = NULL;
  qv_status s;
  qv_index_options_init(&o);
  o.dim = dim;
  o.metric = metric;
  o.kind = kind;
  s = qv_index_create(&o, &index);
  if (s != QV_OK) {
    fprintf(stderr, "qv_index_create failed: %s: %s\n", qv_status_string(s), qv_last_error());
    return NULL;
  }
  return index;
}

void qvt_failures_init(qvt_failures* f) {
  pthread_mutex_t* m = (pthread_mutex_t*)xmalloc(sizeof *m);
  pthread_mutex_init(m, NULL);
  f->mutex = m;
  f->count = 0;
  f->first[0] = '\0';
}

void qvt_failures_destroy(qvt_failures* f) {
  pthread_mutex_destroy((pthread_mutex_t*)f->mutex);
  free(f->mutex);
  f->mutex = NULL;
}

void qvt_failf(qvt_failures* f, const char* fmt, ...) {
  pthread_mutex_lock((pthread_mutex_t*)f->mutex);
  if (f->count++ == 0) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->first, sizeof f->first, fmt, ap);
    va_end(ap);
  }
  pthread_mutex_unlock((pthread_mutex_t*)f->mutex);
}

unsigned long qvt_failures_count(qvt_failures* f) {
  unsigned long c;
  pthread_mutex_lock((pthread_mutex_t*)f->mutex);
  c = f->count;
  pthread_mutex_unlock((pthread_mutex_t*)f->mutex);
  return c;
}
