/*
 * Helpers of the fault tests: scratch directories, whole files, descriptor
 * counts, an index with a known state, and a fingerprint of what an index
 * answers (so "unchanged" can be checked bit for bit after a fault).
 * Public API only.
 */
#ifndef QV_FAULTS_UTIL_H
#define QV_FAULTS_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include <quiver/quiver.h>

/* A fresh directory under $TMPDIR (or /tmp); aborts on failure. */
char* qvx_temp_dir(const char* tag);
/* Removes the directory tree (best effort) and frees `dir`. */
void qvx_remove_tree(char* dir);
/* dir + "/" + name, malloc'd. */
char* qvx_path(const char* dir, const char* name);
/* 1 when the file holds exactly these bytes. */
int qvx_file_equals(const char* path, const unsigned char* bytes, size_t size);
/* Open file descriptors of this process. */
int qvx_open_fds(void);

/* An index of n vectors (dim floats, keys 1..n, seed-determined values)
 * with metadata on every 4th key, built on one thread. */
qv_index* qvx_build(qv_index_kind kind, uint32_t dim, size_t n, uint64_t seed);

/* What an index answers: count, and the keys and distances of NQ fixed
 * queries (k = 10). Two fingerprints are equal iff those answers are equal
 * bit for bit. */
#define QVX_NQ 8
#define QVX_K 10
typedef struct qvx_fingerprint {
  size_t count;
  uint64_t keys[QVX_NQ * QVX_K];
  float distances[QVX_NQ * QVX_K];
  size_t found[QVX_NQ];
} qvx_fingerprint;
/* Returns the status of the searches (QV_OK expected). */
qv_status qvx_fingerprint_of(const qv_index* index, qvx_fingerprint* out);
int qvx_fingerprint_equal(const qvx_fingerprint* a, const qvx_fingerprint* b);

#endif /* QV_FAULTS_UTIL_H */
