/*
 * Helpers for the storage tests: temporary directories, whole-file reads and
 * writes, and a reader of the saved-index layout as docs/format.md documents
 * it, so corruption tests can damage exactly one field of one section (and,
 * where a test needs a file that is consistent but wrong, recompute the
 * checksums the way the format defines them). Public API and the documented
 * format only: nothing here includes Quiver's internals.
 */
#ifndef QV_STORAGE_TEST_UTIL_H
#define QV_STORAGE_TEST_UTIL_H

#include <quiver/quiver.h>
#include <stddef.h>
#include <stdint.h>

/* ---- files ------------------------------------------------------------ */

/* Creates a fresh directory under $TMPDIR (or /tmp). Never NULL (aborts). */
char* qvs_temp_dir(const char* tag);
/* Removes a directory tree (best effort) and frees `dir`. */
void qvs_remove_tree(char* dir);
/* dir + "/" + name, malloc'd. */
char* qvs_path(const char* dir, const char* name);
/* Writes (replaces) a whole file; 0 on success. */
int qvs_write_file(const char* path, const void* data, size_t size);

/* 1 when a damaged index refuses to be copied: qv_index_save to
 * dir/copy.qv and qv_index_export_npy to dir/v.npy, dir/k.npy both fail with
 * QV_ERR_CORRUPT and write nothing (instead of sealing the damage into new
 * files with fresh checksums). Otherwise prints what went wrong, returns 0. */
int qvs_copies_refused(const qv_index* index, const char* dir);

/* ---- the saved-index layout (docs/format.md) ------------------------- */

#define QVS_HEAD_SIZE 2176u
#define QVS_FILE_HEADER_SIZE 128u
#define QVS_SECTION_HEADER_SIZE 128u
#define QVS_MAX_SECTIONS 64u

/* The version this Quiver writes; version 1 (Quiver 0.1) has the same
 * layout, without storage types. */
#define QVS_FORMAT_VERSION 2u

/* File header field offsets. */
#define QVS_OFF_VERSION 8u
#define QVS_OFF_SECTION_COUNT 20u
#define QVS_OFF_INCOMPATIBLE 24u
#define QVS_OFF_FILE_SIZE 40u
#define QVS_OFF_INDEX_KIND 48u
#define QVS_OFF_DIM 52u
#define QVS_OFF_HEAD_CHECKSUM 120u
/* Section header field offsets (from the section header's start). */
#define QVS_SOFF_KIND 8u
#define QVS_SOFF_FLAGS 12u
#define QVS_SOFF_DIM 20u
#define QVS_SOFF_ELEMENT_SIZE 24u
#define QVS_SOFF_COUNT 32u
#define QVS_SOFF_PAYLOAD_CHECKSUM 64u
#define QVS_SOFF_HEADER_CHECKSUM 120u

/* Section kinds. */
enum {
  QVS_INDEX_HEADER = 1,
  QVS_HNSW_RECORDS = 2,
  QVS_HNSW_METAS = 3,
  QVS_HNSW_UPPER = 4,
  QVS_FLAT_ROWS = 5,
  QVS_FLAT_NORMS = 6,
  QVS_FLAT_KEYS = 7,
  QVS_METADATA = 8,
  QVS_KEYWORD_INDEX = 11
};

typedef struct qvs_section {
  uint32_t kind;
  uint32_t flags;
  uint32_t dim;
  uint64_t element_size;
  uint64_t count;
  uint64_t header_offset;
  uint64_t payload_offset;
  uint64_t stored_size;
  uint64_t end_offset;
} qvs_section;

/* Parses the directory of a saved file; returns the section count, or -1
 * if the head is not a head of version 1 .. QVS_FORMAT_VERSION. */
int qvs_sections(const unsigned char* file, size_t size, qvs_section* out, int max);
/* The name Quiver's messages give a section kind ("flat keys" ...). */
const char* qvs_section_name(uint32_t kind);

uint32_t qvs_get_u32(const unsigned char* p);
uint64_t qvs_get_u64(const unsigned char* p);
void qvs_put_u32(unsigned char* p, uint32_t v);
void qvs_put_u64(unsigned char* p, uint64_t v);

/* Recompute the checksums the format defines after a deliberate patch. */
void qvs_fix_head_checksum(unsigned char* file);
void qvs_fix_section_header_checksum(unsigned char* file, const qvs_section* s);
void qvs_fix_payload_checksum(unsigned char* file, const qvs_section* s);

/* ---- indexes ---------------------------------------------------------- */

/* A test index: n vectors of dim floats with keys 1000 + 3i (so keys are
 * not row numbers), every `remove_every`-th key removed (0 = none), and
 * metadata "key=<k>" on every 5th key, set before removal so removal must
 * drop it. HNSW uses M=8, ef_construction=64 and one thread, so builds are
 * reproducible. The vectors are returned in *vectors_out (malloc'd) when it
 * is not NULL. */
qv_index* qvs_build_index(qv_index_kind kind, qv_metric metric, uint32_t dim, size_t n,
                          uint64_t seed, size_t remove_every, float** vectors_out);
uint64_t qvs_key(size_t i);

/* Compares two indexes through the public API: info (kind, metric, dim,
 * count, deleted, HNSW parameters), batch search results of nq queries
 * (keys and distances bit for bit), qv_index_get of every key the first
 * reports live (bit for bit), and the metadata of keys 1000 + 3i for
 * i < probe_n. Returns 0 when identical, else writes why into `why`. */
int qvs_compare_indexes(const qv_index* a, const qv_index* b, const float* queries, size_t nq,
                        size_t k, size_t probe_n, char* why, size_t why_size);

#endif /* QV_STORAGE_TEST_UTIL_H */
