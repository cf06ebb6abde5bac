/*
 * quiver.h - the public C API of Quiver, an embeddable vector search engine.
 *
 * One header, C99 and C++ compatible. Every exported symbol starts with `qv_`,
 * every macro with `QV_`.
 *
 * Conventions (read once, they hold for every call below):
 *  - Every call that can fail returns a `qv_status`. On failure it sets a
 *    thread-local message readable with qv_last_error(); a successful call
 *    leaves the previous message in place. No call throws, aborts or exits on
 *    bad input: argument checks stay in release builds.
 *  - Objects are opaque handles created through an out-parameter (always the
 *    last parameter) and released by exactly one `_free` call, which accepts
 *    NULL. On failure the out-parameter is left untouched.
 *  - Options structs start with `struct_size`; fill them with their `_init()`
 *    function (or the matching `_INIT` macro) and then change the fields you
 *    need. The library rejects a struct_size it does not know, so a program
 *    built against an older header keeps working with a newer library.
 *  - Memory the caller passes in stays owned by the caller; the library copies
 *    what it keeps. Strings the library returns stay valid until the next call
 *    on the same handle (or, for qv_last_error, the next failing call on the
 *    same thread).
 *
 * Thread-safety (the contract, tested under ThreadSanitizer):
 *  - A qv_index may be searched from any number of threads at once
 *    (qv_index_search, qv_index_search_batch, qv_index_get, qv_index_count).
 *  - For QV_INDEX_HNSW and QV_INDEX_FLAT, qv_index_add, qv_index_add_batch and
 *    qv_index_remove may run on any thread *while* other threads search, add
 *    or remove: the index uses fine-grained internal locking (per node for
 *    HNSW, no global lock on the search path). A search that overlaps an add
 *    may or may not see the new vector; it never sees a removed key after
 *    qv_index_remove has returned.
 *  - qv_index_free must not run concurrently with any other call on the
 *    same index (as with free()).
 *  - Different indexes are fully independent.
 */
#ifndef QUIVER_H
#define QUIVER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------- */
/* Export and version                                                     */
/* ---------------------------------------------------------------------- */

#if defined(_WIN32)
#  if defined(QV_BUILDING_LIBRARY)
#    define QV_API __declspec(dllexport)
#  else
#    define QV_API __declspec(dllimport)
#  endif
#elif defined(__GNUC__) || defined(__clang__)
#  define QV_API __attribute__((visibility("default")))
#else
#  define QV_API
#endif

#define QV_VERSION_MAJOR 0
#define QV_VERSION_MINOR 1
#define QV_VERSION_PATCH 0
#define QV_VERSION_STRING "0.1.0"
#define QV_VERSION_NUMBER \
  (QV_VERSION_MAJOR * 10000 + QV_VERSION_MINOR * 100 + QV_VERSION_PATCH)

/* The version of the library actually linked, e.g. "0.1.0". Compare with
 * QV_VERSION_STRING to check that header and library agree. Static string,
 * never NULL. Thread-safe. */
QV_API const char *qv_version(void);

/* The same as a number: major*10000 + minor*100 + patch. Thread-safe. */
QV_API unsigned qv_version_number(void);

/* ---------------------------------------------------------------------- */
/* Errors                                                                 */
/* ---------------------------------------------------------------------- */

/* Result codes. The values are fixed and only ever grow. */
typedef enum qv_status {
  QV_OK = 0,
  QV_ERR_INVALID_ARGUMENT,   /* null pointer, k == 0, bad option value, NaN in a vector ... */
  QV_ERR_DIMENSION_MISMATCH, /* a vector or file of another dimension than the index */
  QV_ERR_NOT_FOUND,          /* unknown key, missing file */
  QV_ERR_DUPLICATE_KEY,      /* the key is already in the index */
  QV_ERR_IO,                 /* the operating system refused a read or write */
  QV_ERR_CORRUPT,            /* bad magic, checksum, truncated file */
  QV_ERR_UNSUPPORTED,        /* e.g. format version from the future, op on a read-only view */
  QV_ERR_OUT_OF_MEMORY,      /* an allocation failed or a request is too large to serve */
  QV_ERR_EMBEDDING,          /* embedder failed: network, HTTP status, bad response */
  QV_ERR_INTERNAL            /* a bug in Quiver: please report it with the message */
} qv_status;

/* The name of a status, e.g. "QV_ERR_IO"; "QV_UNKNOWN_STATUS" for a value
 * this library does not know. Static string, never NULL. Thread-safe. */
QV_API const char *qv_status_string(qv_status s);

/* A sentence describing the last failure on the calling thread, saying what
 * went wrong and what to do about it; "" if no call on this thread has failed.
 * Never NULL. The string is owned by the library and stays valid until the
 * next failing call on the same thread. */
QV_API const char *qv_last_error(void);

/* ---------------------------------------------------------------------- */
/* Index                                                                  */
/* ---------------------------------------------------------------------- */

/* A collection of vectors with 64-bit keys and a search structure. Opaque. */
typedef struct qv_index qv_index;

/* How distance is measured. Distances returned by searches are:
 *  QV_METRIC_L2:     squared euclidean distance, sum((a_i - b_i)^2)
 *  QV_METRIC_IP:     1 - dot(a, b)            (vectors used as given)
 *  QV_METRIC_COSINE: 1 - cos(a, b), in [0, 2] (vectors normalised on insert;
 *                    a zero vector is rejected with QV_ERR_INVALID_ARGUMENT) */
typedef enum qv_metric {
  QV_METRIC_L2 = 1,
  QV_METRIC_IP = 2,
  QV_METRIC_COSINE = 3
} qv_metric;

/* The search structure.
 *  QV_INDEX_FLAT: exact search by scanning every vector (SIMD, all cores for
 *                 batches). Best below ~50k vectors or when recall must be 1.
 *  QV_INDEX_HNSW: approximate search on a Hierarchical Navigable Small World
 *                 graph (Malkov & Yashunin); logarithmic search time. */
typedef enum qv_index_kind {
  QV_INDEX_FLAT = 1,
  QV_INDEX_HNSW = 2
} qv_index_kind;

/* Options for qv_index_create. Initialise with qv_index_options_init(), then
 * set `dim` (required) and whatever else you need. */
typedef struct qv_index_options {
  uint32_t struct_size;          /* set by qv_index_options_init; lets the struct grow */
  uint32_t dim;                  /* vector dimension, 1 .. QV_MAX_DIM; no default */
  qv_metric metric;              /* default QV_METRIC_L2 */
  qv_index_kind kind;            /* default QV_INDEX_HNSW */
  uint32_t hnsw_m;               /* links per node on upper layers (2*M on layer 0);
                                    2 .. 256, default 16 */
  uint32_t hnsw_ef_construction; /* candidate list size while building, >= 1, default 200 */
  uint32_t hnsw_ef_search;       /* default candidate list size for searches, >= 1, default 64 */
  uint64_t seed;                 /* level generator seed, default 42. With the same seed,
                                    the same adds in the same order on one thread (or
                                    threads = 1 for batches) build the same graph and
                                    so give the same results. */
  uint32_t threads;              /* threads for batch calls; 0 = all cores (default) */
} qv_index_options;

/* The largest dimension an index accepts. */
#define QV_MAX_DIM 65536u

/* Fills `opts` with the defaults above (dim = 0, which the caller must set).
 * NULL is ignored. Thread-safe. */
QV_API void qv_index_options_init(qv_index_options *opts);

/* Parameters for one search call. Initialise with qv_search_params_init(). */
typedef struct qv_search_params {
  uint32_t struct_size;                    /* set by qv_search_params_init */
  uint32_t ef;                             /* HNSW candidate list size; 0 = index default.
                                              Raised to k when smaller. Ignored by FLAT. */
  int (*filter)(uint64_t key, void *user); /* NULL = none; nonzero keeps the key. Called
                                              from the searching thread(s), possibly
                                              concurrently for batches: it must be
                                              thread-safe and must not call back into
                                              the same index. */
  void *filter_user;                       /* passed to filter unchanged */
  uint32_t threads;                        /* for batch search; 0 = all cores */
} qv_search_params;

/* Fills `params` with the defaults (ef = 0, no filter, threads = 0). NULL is
 * ignored. Thread-safe. */
QV_API void qv_search_params_init(qv_search_params *params);

/* Creates an empty index. The index grows as vectors arrive: there is no
 * capacity to reserve.
 * Ownership: *out belongs to the caller, release it with qv_index_free.
 * Errors: QV_ERR_INVALID_ARGUMENT (NULL opts/out, unknown struct_size,
 * dim 0 or > QV_MAX_DIM, unknown metric or kind, hnsw_m out of range, ef 0),
 * QV_ERR_OUT_OF_MEMORY. Thread-safe. */
QV_API qv_status qv_index_create(const qv_index_options *opts, qv_index **out);

/* Releases the index and everything it owns. NULL is fine. Must not run
 * concurrently with any other call on the same index. */
QV_API void qv_index_free(qv_index *index);

/* Adds one vector of `dim` floats under `key`. The vector is copied.
 * Errors: QV_ERR_INVALID_ARGUMENT (NULL pointer, NaN or Inf in the vector,
 * zero vector under COSINE), QV_ERR_DUPLICATE_KEY (the key is live in the
 * index; a removed key may be added again), QV_ERR_UNSUPPORTED (read-only
 * index), QV_ERR_OUT_OF_MEMORY.
 * Thread-safety: may run alongside searches, adds and removes (see top). */
QV_API qv_status qv_index_add(qv_index *index, uint64_t key, const float *vector);

/* Adds n vectors (row-major n x dim) under n keys, building in parallel on
 * opts.threads threads. All-or-nothing for argument errors: every vector and
 * key is checked (NaN/Inf, duplicates within the batch and against the index)
 * before anything is inserted, so a rejected batch adds nothing.
 * n == 0 is a no-op that succeeds.
 * Errors: as qv_index_add. Thread-safety: as qv_index_add. */
QV_API qv_status qv_index_add_batch(qv_index *index, size_t n, const uint64_t *keys,
                                    const float *vectors);

/* Removes the vector under `key`. It is never returned by a search that
 * starts after this call returns. For HNSW the node stays in the graph as a
 * tombstone so the graph remains navigable.
 * Errors: QV_ERR_NOT_FOUND (no live vector under key), QV_ERR_INVALID_ARGUMENT
 * (NULL index), QV_ERR_UNSUPPORTED (read-only index).
 * Thread-safety: as qv_index_add. */
QV_API qv_status qv_index_remove(qv_index *index, uint64_t key);

/* Stores the number of live (not removed) vectors in *out.
 * Errors: QV_ERR_INVALID_ARGUMENT (NULL pointer). Thread-safe. */
QV_API qv_status qv_index_count(const qv_index *index, size_t *out);

/* Stores the dimension of the index in *out. Thread-safe. */
QV_API qv_status qv_index_dim(const qv_index *index, uint32_t *out);

/* Copies the vector stored under `key` into vector_out (dim floats). Under
 * COSINE the vector is returned as given to add, up to float rounding.
 * Errors: QV_ERR_INVALID_ARGUMENT (NULL pointer), QV_ERR_NOT_FOUND.
 * Thread-safe. */
QV_API qv_status qv_index_get(const qv_index *index, uint64_t key, float *vector_out);

/* Finds the k nearest live vectors to `query` (dim floats).
 * Writes up to k keys and distances (the metric's distance, see qv_metric),
 * sorted ascending, and their number in *found_out (found <= k; smaller when
 * the index, or the set passing the filter, holds fewer than k vectors).
 * params may be NULL for defaults. keys_out and distances_out must hold k
 * entries; distances_out may be NULL if distances are not wanted.
 * Errors: QV_ERR_INVALID_ARGUMENT (NULL pointer, k == 0, NaN/Inf in query,
 * unknown params->struct_size). Thread-safe. */
QV_API qv_status qv_index_search(const qv_index *index, const float *query, size_t k,
                                 const qv_search_params *params, uint64_t *keys_out,
                                 float *distances_out, size_t *found_out);

/* Searches nq queries (row-major nq x dim) in parallel on params->threads
 * threads. Outputs are nq x k (row i at offset i*k; entries past found_out[i]
 * are set to key UINT64_MAX and distance +inf); found_out holds nq entries.
 * distances_out may be NULL. nq == 0 is a no-op that succeeds.
 * Errors: as qv_index_search; no output is meaningful on failure.
 * Thread-safe. */
QV_API qv_status qv_index_search_batch(const qv_index *index, size_t nq,
                                       const float *queries, size_t k,
                                       const qv_search_params *params,
                                       uint64_t *keys_out, float *distances_out,
                                       size_t *found_out);

/* ---------------------------------------------------------------------- */
/* Persistence                                                            */
/* ---------------------------------------------------------------------- */

/* How qv_index_open maps an index into memory. */
typedef enum qv_open_mode {
  QV_OPEN_LOAD = 1, /* read everything into memory; the index is mutable */
  QV_OPEN_MMAP = 2  /* map the files; read-only, mutations answer QV_ERR_UNSUPPORTED */
} qv_open_mode;

/* Writes the index to `path` crash-safely (write, fsync, rename): an
 * interrupted save leaves the previous version intact.
 * Errors: QV_ERR_INVALID_ARGUMENT, QV_ERR_IO, QV_ERR_UNSUPPORTED (not yet
 * available in this version). Thread-safety: may run alongside searches. */
QV_API qv_status qv_index_save(const qv_index *index, const char *path);

/* Opens an index written by qv_index_save.
 * Errors: QV_ERR_NOT_FOUND, QV_ERR_CORRUPT, QV_ERR_IO, QV_ERR_UNSUPPORTED. */
QV_API qv_status qv_index_open(const char *path, qv_open_mode mode, qv_index **out);

/* Writes the live vectors as a float32 (n, dim) .npy file and their keys as a
 * uint64 (n,) .npy file, in the same order.
 * Errors: QV_ERR_INVALID_ARGUMENT, QV_ERR_IO, QV_ERR_UNSUPPORTED. */
QV_API qv_status qv_index_export_npy(const qv_index *index, const char *vectors_path,
                                     const char *keys_path);

/* Adds the vectors of a .npy file; keys from a uint64 .npy file, or 0..n-1
 * when keys_path is NULL.
 * Errors: QV_ERR_INVALID_ARGUMENT, QV_ERR_NOT_FOUND, QV_ERR_CORRUPT,
 * QV_ERR_DIMENSION_MISMATCH, QV_ERR_DUPLICATE_KEY, QV_ERR_IO, QV_ERR_UNSUPPORTED. */
QV_API qv_status qv_index_import_npy(qv_index *index, const char *vectors_path,
                                     const char *keys_path);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* QUIVER_H */
