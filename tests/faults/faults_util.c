#define _DEFAULT_SOURCE

#include "faults_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qv_test_support.h"

char* qvx_temp_dir(const char* tag) {
  const char* base = getenv("TMPDIR");
  char* dir = malloc(4096);
  if (!dir) abort();
  snprintf(dir, 4096, "%s/qv-faults-%s-XXXXXX", base && *base ? base : "/tmp", tag);
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    abort();
  }
  return dir;
}

void qvx_remove_tree(char* dir) {
  char cmd[4200];
  if (!dir) return;
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
  free(dir);
}

char* qvx_path(const char* dir, const char* name) { return qvt_path_join(dir, name); }

int qvx_file_equals(const char* path, const unsigned char* bytes, size_t size) {
  size_t got_size = 0;
  unsigned char* got = qvt_read_file(path, &got_size);
  int same = got && got_size == size && memcmp(got, bytes, size) == 0;
  free(got);
  return same;
}

int qvx_open_fds(void) {
  /* The directory stream's own descriptor is counted too: subtract it. */
  return qvt_count_entries("/proc/self/fd") - 1;
}

qv_index* qvx_build(qv_index_kind kind, uint32_t dim, size_t n, uint64_t seed) {
  qv_index_options o;
  qv_index* index = NULL;
  float* data = qvt_gaussian_vectors(n, dim, seed);
  size_t i;
  qv_index_options_init(&o);
  o.dim = dim;
  o.kind = kind;
  o.hnsw_m = 8;
  o.hnsw_ef_construction = 64;
  o.threads = 1;
  if (qv_index_create(&o, &index) != QV_OK) abort();
  for (i = 0; i < n; ++i) {
    if (qv_index_add(index, i + 1, data + i * dim) != QV_OK) abort();
    if (i % 4 == 0) {
      char meta[32];
      int len = snprintf(meta, sizeof meta, "meta-%zu", i + 1);
      if (qv_index_set_metadata(index, i + 1, meta, (size_t)len) != QV_OK) abort();
    }
  }
  free(data);
  return index;
}

qv_status qvx_fingerprint_of(const qv_index* index, qvx_fingerprint* out) {
  uint32_t dim = 0;
  float* queries;
  qv_search_params p;
  qv_status s;
  memset(out, 0, sizeof *out);
  if ((s = qv_index_count(index, &out->count)) != QV_OK) return s;
  if ((s = qv_index_dim(index, &dim)) != QV_OK) return s;
  queries = qvt_gaussian_vectors(QVX_NQ, dim, 4242);
  qv_search_params_init(&p);
  p.threads = 1;
  s = qv_index_search_batch(index, QVX_NQ, queries, QVX_K, &p, out->keys, out->distances,
                            out->found);
  free(queries);
  return s;
}

int qvx_fingerprint_equal(const qvx_fingerprint* a, const qvx_fingerprint* b) {
  return a->count == b->count && memcmp(a->keys, b->keys, sizeof a->keys) == 0 &&
         memcmp(a->distances, b->distances, sizeof a->distances) == 0 &&
         memcmp(a->found, b->found, sizeof a->found) == 0;
}
