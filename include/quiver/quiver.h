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
 *    function (or, for the index options and search parameters, the
 *    QV_INDEX_OPTIONS_INIT / QV_SEARCH_PARAMS_INIT macros) and then change the fields you
 *    need. A struct grows only at its end: the library takes the struct_size
 *    of every earlier release of a struct (the fields added since get their
 *    defaults), so a program built against an older header keeps working
 *    with a newer library; it rejects a struct_size it does not know.
 *    A struct that has grown has an `_init_sized(ptr, struct_size)` call that
 *    writes no more than struct_size bytes, and its `_init(ptr)` is a macro
 *    passing sizeof of this header's struct; a binding that lays a struct out
 *    itself calls `_init_sized` with its own size. (The 0.1 `_init(ptr)`
 *    symbols stay exported for 0.1 programs and write 0.1's layout.)
 *  - Names. A call's short form covers the common case; its general form is
 *    `<call>_with_options` when it takes a growing options struct (save,
 *    open) and `<call>_ex` when it takes one more argument or gives one more
 *    output (qv_embedder_embed_ex: the task; qv_index_search_text_ex: each
 *    document's best chunk). New general forms take a growing struct and
 *    use `_with_options`; no new `_ex` calls will be added.
 *  - Stability. Everything below is stable (kept, with its meaning, across
 *    0.x releases; structs only grow) EXCEPT the parts marked EXPERIMENTAL:
 *    the Embedding and Text sections (embedders, chunking, text and
 *    document calls, keyword and hybrid search) and deferred verification
 *    (QV_VERIFY_DEFERRED, qv_index_verify). Their shape may still change
 *    in a minor release, with a note in the release's changes; the file
 *    sections they write stay readable by later releases either way.
 *  - Memory the caller passes in stays owned by the caller; the library copies
 *    what it keeps. Strings the library returns stay valid until the next call
 *    on the same handle (or, for qv_last_error, the next failing call on the
 *    same thread).
 *
 * Thread-safety (the contract, tested under ThreadSanitizer):
 *  - A qv_index may be searched from any number of threads at once
 *    (qv_index_search, qv_index_search_batch, qv_index_search_text and its
 *    variants, qv_index_get, qv_index_count).
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
#if defined(QV_BUILDING_LIBRARY)
#define QV_API __declspec(dllexport)
#else
#define QV_API __declspec(dllimport)
#endif
#elif defined(__GNUC__) || defined(__clang__)
#define QV_API __attribute__((visibility("default")))
#else
#define QV_API
#endif

#define QV_VERSION_MAJOR 0
#define QV_VERSION_MINOR 1
#define QV_VERSION_PATCH 0
#define QV_VERSION_STRING "0.1.0"
#define QV_VERSION_NUMBER (QV_VERSION_MAJOR * 10000 + QV_VERSION_MINOR * 100 + QV_VERSION_PATCH)

/* The version of the library actually linked, e.g. "0.1.0". Compare with
 * QV_VERSION_STRING to check that header and library agree. Static string,
 * never NULL. Thread-safe. */
QV_API const char* qv_version(void);

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
QV_API const char* qv_status_string(qv_status s);

/* A sentence describing the last failure on the calling thread, saying what
 * went wrong and what to do about it; "" if no call on this thread has failed.
 * Never NULL. The string is owned by the library and stays valid until the
 * next failing call on the same thread. Every language binding passes these
 * messages on, so they name options and values as all of them do (hnsw_m, L2,
 * HNSW, MMAP), never a C identifier; only mistakes no binding can make (a NULL
 * pointer, a wrong struct_size) name the C call or field. Branch on the status,
 * not on the wording. */
QV_API const char* qv_last_error(void);

/* ---------------------------------------------------------------------- */
/* Index                                                                  */
/* ---------------------------------------------------------------------- */

/* A collection of vectors with 64-bit keys and a search structure. Opaque. */
typedef struct qv_index qv_index;

/* How distance is measured. Distances returned by searches are:
 *  QV_METRIC_L2:     squared euclidean distance, sum((a_i - b_i)^2)
 *  QV_METRIC_IP:     1 - dot(a, b)            (vectors used as given)
 *  QV_METRIC_COSINE: 1 - cos(a, b), in [0, 2] (vectors normalised on insert;
 *                    a zero vector is rejected with QV_ERR_INVALID_ARGUMENT)
 * Every distance returned is finite. The values a vector (added or a query)
 * may hold, else QV_ERR_INVALID_ARGUMENT with its length in the message:
 *  - every element finite (no NaN or Inf); subnormal values are fine;
 *  - L2 and IP: a Euclidean length up to 2^62 (about 4.6e18), within which
 *    no float32 distance overflows. Scale longer data down: one factor for
 *    every vector and query keeps the order of results;
 *  - COSINE: any non-zero length for a query; up to FLT_MAX (about 3.4e38)
 *    for an added vector, whose length is kept as a float to give it back
 *    (qv_index_get). Scaling does not change cosine distances. */
typedef enum qv_metric { QV_METRIC_L2 = 1, QV_METRIC_IP = 2, QV_METRIC_COSINE = 3 } qv_metric;

/* The search structure.
 *  QV_INDEX_FLAT: exact search by scanning every vector (SIMD, all cores for
 *                 batches). Best below ~50k vectors or when recall must be 1.
 *  QV_INDEX_HNSW: approximate search on a Hierarchical Navigable Small World
 *                 graph (Malkov & Yashunin); logarithmic search time.
 *                 Identical vectors under different keys are fine, in any
 *                 number: each key is its own node, a node links to at most
 *                 two exact copies of itself and otherwise to distinct
 *                 vectors, so copies never cut the rest of the graph off.
 *                 Searching for a vector that has many copies returns k of
 *                 them (equal distances; which ones is unspecified). */
typedef enum qv_index_kind { QV_INDEX_FLAT = 1, QV_INDEX_HNSW = 2 } qv_index_kind;

/* How an index stores its vectors (qv_index_options.storage). A lossy type
 * stores compact codes, walks the graph on them, then re-ranks the best
 * candidates on the float32 originals it keeps (qv_search_params.rerank),
 * so the distances returned are exact; docs/storage.md has the measurements.
 *  QV_STORAGE_F32  float32, exact (the default): 4 bytes per dimension.
 *  QV_STORAGE_F16  IEEE half: 2 bytes per dimension, about 3 significant
 *                  digits. Distances are computed against the half values
 *                  (float32 query) and qv_index_get returns them. Under L2
 *                  and IP every element must be within +-65504.
 *  QV_STORAGE_I8   int8 scalar quantization, one scale per vector
 *                  (max |x_i| / 127: no training, any batch order, no value
 *                  is ever out of range): 1 byte per dimension + 8.
 *  QV_STORAGE_B1   one sign bit per dimension (+ 8 bytes), distances
 *                  estimated from the bits that differ. COSINE and IP only.
 * I8 and B1 keep the float32 originals too (keep_originals = 1, the
 * default): in memory for an index built or loaded, in the file's mapped
 * pages after QV_OPEN_MMAP. With keep_originals = 0 only the codes are
 * kept: smaller, but distances are the codes' estimates and qv_index_get
 * returns the decoded codes.
 * Both kinds take every type: HNSW walks its graph on the codes, FLAT
 * scans the codes and keeps the best candidates for re-ranking. */
typedef enum qv_storage {
  QV_STORAGE_F32 = 1,
  QV_STORAGE_F16 = 2,
  QV_STORAGE_I8 = 3,
  QV_STORAGE_B1 = 4
} qv_storage;

/* The short names of the enums above, as the CLI and the bindings write
 * them: "l2" / "ip" / "cosine", "flat" / "hnsw", "f32" / "f16" / "i8" /
 * "b1". NULL for a value this library does not know. Static strings.
 * Thread-safe. */
QV_API const char* qv_metric_name(qv_metric metric);
QV_API const char* qv_index_kind_name(qv_index_kind kind);
QV_API const char* qv_storage_name(qv_storage storage);

/* Options for qv_index_create. Initialise with qv_index_options_init(), then
 * set `dim` (required) and whatever else you need. */
typedef struct qv_index_options {
  uint32_t struct_size;          /* set by qv_index_options_init; lets the struct grow */
  uint32_t dim;                  /* vector dimension, 1 .. QV_MAX_DIM; no default */
  qv_metric metric;              /* default QV_METRIC_L2 */
  qv_index_kind kind;            /* default QV_INDEX_HNSW */
  uint32_t hnsw_m;               /* links per node on upper layers (2*M on layer 0);
                                    QV_MIN_HNSW_M .. QV_MAX_HNSW_M (2 .. 256), default 16 */
  uint32_t hnsw_ef_construction; /* candidate list size while building, >= 1, default 200 */
  uint32_t hnsw_ef_search;       /* default candidate list size for searches, >= 1, default 64:
                                    recall@10 >= 0.99 on clustered data such as real
                                    embeddings. Data without structure (uniform random)
                                    needs far more: there a stored vector comes back first
                                    when searched for only 80% of the time at ef 64, 95% at
                                    ef ~384 (docs/duplicates-and-ef.md) */
  uint64_t seed;                 /* level generator seed, default 42. With the same seed,
                                    the same adds in the same order on one thread (or
                                    threads = 1 for batches) build the same graph and
                                    so give the same results. */
  uint32_t threads;              /* threads for batch calls; 0 = all cores (default) */
  /* Added in 0.2 (a 0.1 struct_size gives these their defaults): */
  qv_storage storage;      /* default QV_STORAGE_F32 (0 means the same); see qv_storage */
  uint32_t keep_originals; /* I8 and B1: 1 (default) keeps the float32 originals for
                              exact re-ranking, distances and qv_index_get; 0 keeps
                              only the codes. Ignored by F32 and F16. */
} qv_index_options;

/* The limits of qv_index_options: the largest dimension an index accepts,
 * and the range of hnsw_m. (Every other limit of this header is a named
 * macro beside the call it limits; all are fixed at compile time, so there
 * is no call to query them.) */
#define QV_MAX_DIM 65536u
#define QV_MIN_HNSW_M 2u
#define QV_MAX_HNSW_M 256u

/* Fills `opts` with the defaults above (dim = 0, which the caller must set).
 * NULL is ignored. Thread-safe. qv_index_options_init_sized writes at most
 * struct_size bytes: the fields of the release whose struct has that size,
 * and struct_size (an unknown size is stored as given, for qv_index_create
 * to refuse). */
QV_API void qv_index_options_init_sized(qv_index_options* opts, size_t struct_size);
#define qv_index_options_init(opts) qv_index_options_init_sized((opts), sizeof(qv_index_options))

/* The same defaults as a static initialiser:
 *   qv_index_options opts = QV_INDEX_OPTIONS_INIT;  opts.dim = 128; */
#define QV_INDEX_OPTIONS_INIT                                                               \
  {                                                                                         \
    (uint32_t)sizeof(qv_index_options), 0, QV_METRIC_L2, QV_INDEX_HNSW, 16, 200, 64, 42, 0, \
        QV_STORAGE_F32, 1                                                                   \
  }

/* Parameters for one search call. Initialise with qv_search_params_init(). */
typedef struct qv_search_params {
  uint32_t struct_size;                    /* set by qv_search_params_init */
  uint32_t ef;                             /* HNSW candidate list size; 0 = index default.
                                              Raised to k when smaller. Ignored by FLAT. */
  int (*filter)(uint64_t key, void* user); /* NULL = none; nonzero keeps the key. Called
                                              from the searching thread(s), possibly
                                              concurrently for batches: it must be
                                              thread-safe and must not call back into
                                              the same index. */
  void* filter_user;                       /* passed to filter unchanged */
  uint32_t threads;                        /* for batch search; 0 = all cores */
  /* Added in 0.2 (a 0.1 struct_size gives it its default): */
  size_t rerank;        /* I8 and B1 with originals: how many of the best candidates on
                           the codes are re-ranked on the float32 originals. 0 (default):
                           HNSW all the graph search found (ef); FLAT 4 k (at least 40)
                           for I8, 20 k (at least 200) for B1. Raised to k when smaller.
                           Ignored by other storage types. */
  float keyword_weight; /* qv_index_search_hybrid: the weight of the keyword ranking
                           against the meaning ranking's 1 in the fused score. 0
                           (default) = 1, equal weights (plain reciprocal rank fusion);
                           2 counts exact words twice as much, 0.5 half. Finite, >= 0,
                           at most 1000. Ignored by other calls. */
} qv_search_params;

/* Fills `params` with the defaults (ef = 0, no filter, threads = 0,
 * rerank = 0, keyword_weight = 0). NULL is ignored. Thread-safe. _sized: as
 * qv_index_options_init_sized. */
QV_API void qv_search_params_init_sized(qv_search_params* params, size_t struct_size);
#define qv_search_params_init(params) \
  qv_search_params_init_sized((params), sizeof(qv_search_params))

/* The same defaults as a static initialiser. */
#define QV_SEARCH_PARAMS_INIT \
  { (uint32_t)sizeof(qv_search_params), 0, NULL, NULL, 0, 0, 0.0f }

/* Creates an empty index. The index grows as vectors arrive: there is no
 * capacity to reserve.
 * Ownership: *out belongs to the caller, release it with qv_index_free.
 * Errors: QV_ERR_INVALID_ARGUMENT (NULL opts/out, unknown struct_size,
 * dim 0 or > QV_MAX_DIM, unknown metric, kind or storage, hnsw_m out of
 * range, ef 0, QV_STORAGE_B1 under QV_METRIC_L2), QV_ERR_OUT_OF_MEMORY.
 * Thread-safe. */
QV_API qv_status qv_index_create(const qv_index_options* opts, qv_index** out);

/* Releases the index and everything it owns. NULL is fine. Must not run
 * concurrently with any other call on the same index. */
QV_API void qv_index_free(qv_index* index);

/* Adds one vector of `dim` floats under `key`. The vector is copied.
 * Errors: QV_ERR_INVALID_ARGUMENT (NULL pointer, NaN or Inf in the vector,
 * zero vector under COSINE, longer than the metric takes: see qv_metric),
 * QV_ERR_DUPLICATE_KEY (the key is live in the index; a removed key may be
 * added again), QV_ERR_UNSUPPORTED (read-only index), QV_ERR_OUT_OF_MEMORY.
 * Thread-safety: may run alongside searches, adds and removes (see top). */
QV_API qv_status qv_index_add(qv_index* index, uint64_t key, const float* vector);

/* Adds n vectors (row-major n x dim) under n keys, building in parallel on
 * opts.threads threads. All-or-nothing for argument errors: every vector and
 * key is checked (values as in qv_metric, duplicates within the batch and
 * against the index) before anything is inserted, so a rejected batch adds
 * nothing.
 * QV_INDEX_HNSW: a batch at least as large as the index it joins (a bulk
 * load), leaving 8 MiB of nodes or more, ends by renumbering the graph as
 * qv_index_compact does (no result changes; searches of an index larger
 * than the CPU caches get faster: docs/storage.md). Searches and gets that
 * start meanwhile wait for it (about a tenth of a second per 100,000
 * 768-d vectors); if another add, remove or upsert is running then, the
 * renumbering is skipped.
 * n == 0 is a no-op that succeeds.
 * Errors: as qv_index_add. Thread-safety: as qv_index_add. */
QV_API qv_status qv_index_add_batch(qv_index* index, size_t n, const uint64_t* keys,
                                    const float* vectors);

/* Adds `vector` under `key`, or replaces the vector `key` already has
 * (its metadata stays). One step for searches: a search running alongside
 * finds the key with its old vector or its new one, never both and never
 * neither; qv_index_get returns one or the other. HNSW keeps the replaced
 * node as a tombstone (as qv_index_remove does; qv_index_compact frees it).
 * Errors: as qv_index_add, except that a live key is no error.
 * Thread-safety: as qv_index_add; upserts and removes of one key are
 * applied one at a time. */
QV_API qv_status qv_index_upsert(qv_index* index, uint64_t key, const float* vector);

/* Removes the vector under `key`. It is never returned by a search that
 * starts after this call returns. For HNSW the node stays in the graph as a
 * tombstone so the graph remains navigable: searches keep their recall
 * after removals without qv_index_compact, which only gives the memory
 * back.
 * Errors: QV_ERR_NOT_FOUND (no live vector under key), QV_ERR_INVALID_ARGUMENT
 * (NULL index), QV_ERR_UNSUPPORTED (read-only index).
 * Thread-safety: as qv_index_add. */
QV_API qv_status qv_index_remove(qv_index* index, uint64_t key);

/* Stores the number of live (not removed) vectors in *out.
 * Errors: QV_ERR_INVALID_ARGUMENT (NULL pointer). Thread-safe. */
QV_API qv_status qv_index_count(const qv_index* index, size_t* out);

/* Stores the dimension of the index in *out. Thread-safe. */
QV_API qv_status qv_index_dim(const qv_index* index, uint32_t* out);

/* Copies the vector stored under `key` into vector_out (dim floats). Under
 * COSINE the vector is returned as given to add, up to float rounding.
 * F16 storage returns the half values; I8 and B1 the originals, or the
 * decoded codes when keep_originals was 0 (see qv_storage).
 * Errors: QV_ERR_INVALID_ARGUMENT (NULL pointer), QV_ERR_NOT_FOUND.
 * Thread-safe. */
QV_API qv_status qv_index_get(const qv_index* index, uint64_t key, float* vector_out);

/* Finds the k nearest live vectors to `query` (dim floats).
 * Writes up to k keys and distances (the metric's distance, see qv_metric),
 * sorted ascending, and their number in *found_out (found <= k; smaller when
 * the index, or the set passing the filter, holds fewer than k vectors).
 * params may be NULL for defaults. keys_out and distances_out must hold k
 * entries; distances_out may be NULL if distances are not wanted.
 * Errors: QV_ERR_INVALID_ARGUMENT (NULL pointer, k == 0, NaN/Inf in query,
 * a query longer than 2^62 under L2 / IP or zero under COSINE: see
 * qv_metric; unknown params->struct_size). Thread-safe. */
QV_API qv_status qv_index_search(const qv_index* index, const float* query, size_t k,
                                 const qv_search_params* params, uint64_t* keys_out,
                                 float* distances_out, size_t* found_out);

/* Searches nq queries (row-major nq x dim) in parallel on params->threads
 * threads. Outputs are nq x k (row i at offset i*k; entries past found_out[i]
 * are set to key UINT64_MAX and distance +inf); found_out holds nq entries.
 * distances_out may be NULL. nq == 0 is a no-op that succeeds.
 * Errors: as qv_index_search, and QV_ERR_OUT_OF_MEMORY when nq x k or
 * nq x dim is past what memory can address (nothing is read or written);
 * no output is meaningful on failure.
 * Thread-safe. */
QV_API qv_status qv_index_search_batch(const qv_index* index, size_t nq, const float* queries,
                                       size_t k, const qv_search_params* params, uint64_t* keys_out,
                                       float* distances_out, size_t* found_out);

/* ---------------------------------------------------------------------- */
/* Persistence                                                            */
/* ---------------------------------------------------------------------- */

/* How qv_index_open maps an index into memory. */
typedef enum qv_open_mode {
  QV_OPEN_LOAD = 1, /* read everything into memory; the index is mutable */
  QV_OPEN_MMAP = 2  /* map the file; read-only, mutations answer QV_ERR_UNSUPPORTED */
} qv_open_mode;

/* Options for qv_index_save_with_options. Initialise with
 * qv_save_options_init(). Metadata and flat keys are always zstd-compressed;
 * the vectors and the graph are stored raw by default so that QV_OPEN_MMAP
 * can search them in place without reading them. */
typedef struct qv_save_options {
  uint32_t struct_size; /* set by qv_save_options_init; lets the struct grow */
  int compress_vectors; /* nonzero: zstd-compress the vectors (flat rows and norms,
                           HNSW records). Smaller file, but QV_OPEN_MMAP then has to
                           decompress them into memory. Default 0. */
  int compress_graph;   /* nonzero: zstd-compress the HNSW graph (node table and links;
                           layer-0 links share their records with the vectors, which are
                           then compressed too). Default 0. */
  int zstd_level;       /* 0 = zstd's default (3); 1..22 trade speed for size;
                           negative values are zstd's fast modes. */
} qv_save_options;

/* Fills `opts` with the defaults above. NULL is ignored. Thread-safe. */
QV_API void qv_save_options_init(qv_save_options* opts);

/* The same defaults as a static initialiser. */
#define QV_SAVE_OPTIONS_INIT \
  { (uint32_t)sizeof(qv_save_options), 0, 0, 0 }

/* Writes the index, its deletions and its metadata to the file `path`,
 * crash-safely: the bytes go to a temporary file in the same directory,
 * which is flushed to disk (fsync), renamed over `path` and the directory
 * flushed. A save interrupted at any moment (kill -9, power loss) leaves the
 * previous file at `path` complete and readable. The temporary of a save
 * that was interrupted (as large as the index) stays behind until the next
 * save to the same path, which removes it before writing (so that a full
 * disk gets the space back) and again once done, or the next qv_index_open
 * of `path`. Only the temporaries of dead writers are removed: the temporary
 * of a save still running, in another process or another thread, is locked
 * by it and left alone. The format is described in docs/format.md. Same as
 * qv_index_save_with_options with default options.
 * Errors: QV_ERR_INVALID_ARGUMENT (NULL pointer), QV_ERR_NOT_FOUND (the
 * directory does not exist), QV_ERR_IO (cannot write, disk full ...: the
 * message names `path`, then the temporary it was writing; `path`
 * is left as it was -- except when only what follows the rename fails,
 * flushing the directory or closing the file: `path` then holds the new,
 * complete file, which may not survive a power loss; save again),
 * QV_ERR_CORRUPT (a QV_OPEN_MMAP index re-checks the file it copies, as
 * qv_index_verify does, and found it damaged or changed in size; nothing is
 * written), QV_ERR_OUT_OF_MEMORY.
 * Thread-safety: may run alongside searches (also on an index opened from
 * `path` itself) and alongside other saves; adds, removes and metadata
 * changes on the same index wait until it is done. */
QV_API qv_status qv_index_save(const qv_index* index, const char* path);

/* qv_index_save with options (NULL = defaults).
 * Errors: as qv_index_save, and QV_ERR_INVALID_ARGUMENT for an unknown
 * opts->struct_size or a zstd_level out of range. Thread-safety: as
 * qv_index_save. */
QV_API qv_status qv_index_save_with_options(const qv_index* index, const char* path,
                                            const qv_save_options* opts);

/* Opens an index written by qv_index_save. Every checksum is verified
 * before the call returns, and so is every value (vectors and norms finite,
 * graph links and levels in range, counts and keys consistent: what no
 * index writes, even in a file whose checksums are valid), by the same
 * checks whatever the mode; so a damaged file is reported here and never
 * gives a wrong answer later (qv_index_open_with_options can defer the
 * checks of the mapped vectors and graph, for a faster open).
 *  QV_OPEN_LOAD copies the index into memory; it is mutable like a new one.
 *  QV_OPEN_MMAP maps the file read-only and searches it in place: opening
 *   reads no vector into the process's own memory (only the page cache
 *   holds them), searches give exactly the results QV_OPEN_LOAD gives, and
 *   every mutation (add, remove, metadata, compact, import) answers
 *   QV_ERR_UNSUPPORTED. Later saves to the same path do not disturb it
 *   (they replace the file by a rename; the index keeps reading the old
 *   one), nor does removing the file.
 *   Never truncate the file, or rewrite it in place, while an index has it
 *   open mapped (a copy tool writing over it, `> index.qv`, a truncating
 *   open): a search that then reads a page the file no longer has kills the
 *   process with SIGBUS, as with any memory-mapped file, and Quiver cannot
 *   prevent that. qv_index_verify reports such a change (QV_ERR_CORRUPT,
 *   "changed size") without crashing; free the index and open the file
 *   again. To update an index others have open, save it (or rename a
 *   complete copy over the path).
 * Opening also removes the temporary files left next to `path` by saves
 * that were killed midway (see qv_index_save).
 * Ownership: *out belongs to the caller, release it with qv_index_free.
 * Errors: QV_ERR_INVALID_ARGUMENT (NULL pointer, unknown mode),
 * QV_ERR_NOT_FOUND (no file at path), QV_ERR_CORRUPT (not an index file,
 * truncated, checksum mismatch, inconsistent sections, a value no index
 * writes: the message names the file and the section; QV_OPEN_LOAD and
 * QV_OPEN_MMAP give the same message), QV_ERR_UNSUPPORTED (written by a
 * newer format version), QV_ERR_IO (also at the process's limit of open
 * files: the message gives the limit), QV_ERR_OUT_OF_MEMORY (also when a
 * mapping fails for want of address space or mappings: the message says
 * which limits apply). Thread-safe. */
QV_API qv_status qv_index_open(const char* path, qv_open_mode mode, qv_index** out);

/* When qv_index_open checks the vectors and the graph: their checksums, and
 * their values (finite vectors, positive norms, links and levels in range,
 * live count and keys consistent: the checks QV_OPEN_LOAD always runs). */
typedef enum qv_verify_mode {
  QV_VERIFY_ALL = 1,     /* before the open returns (default): a damaged file never opens,
                            with QV_OPEN_MMAP as with QV_OPEN_LOAD (one pass over the
                            vectors for the checksums, one for the values) */
  QV_VERIFY_DEFERRED = 2 /* EXPERIMENTAL. QV_OPEN_MMAP only: skip both checks of the sections that
                            are searched in place (everything else is still checked), so the open
                            reads no vector at all. Damage in those sections then goes unnoticed
                            until qv_index_verify: searches may return wrong results (NaN distances)
                            or, if the graph itself is damaged, crash. Use it only for files you
                            trust (just written by you, or on a file system that checksums its
                            blocks), and run qv_index_verify (e.g. on a background thread) when you
                            can. Same as QV_VERIFY_ALL for QV_OPEN_LOAD. */
} qv_verify_mode;

/* Options for qv_index_open_with_options. Initialise with
 * qv_open_options_init(). */
typedef struct qv_open_options {
  uint32_t struct_size;  /* set by qv_open_options_init; lets the struct grow */
  qv_open_mode mode;     /* default QV_OPEN_LOAD */
  qv_verify_mode verify; /* default QV_VERIFY_ALL */
  uint32_t threads;      /* threads for checksums, and for the index's batch calls
                            afterwards; 0 = all cores (default) */
} qv_open_options;

/* Fills `opts` with the defaults above. NULL is ignored. Thread-safe. */
QV_API void qv_open_options_init(qv_open_options* opts);

/* The same defaults as a static initialiser. */
#define QV_OPEN_OPTIONS_INIT \
  { (uint32_t)sizeof(qv_open_options), QV_OPEN_LOAD, QV_VERIFY_ALL, 0 }

/* qv_index_open with options (NULL = the defaults, the same as
 * qv_index_open). Errors: as qv_index_open, and
 * QV_ERR_INVALID_ARGUMENT for an unknown opts->struct_size, mode or verify.
 * Thread-safe. */
QV_API qv_status qv_index_open_with_options(const char* path, const qv_open_options* opts,
                                            qv_index** out);

/* Checks again the file sections a QV_OPEN_MMAP index searches in place
 * (the whole point after QV_VERIFY_DEFERRED): their checksums, then their
 * values, with the checks (and the messages) of a QV_VERIFY_ALL open. For
 * an index held in memory there is nothing to check and the call succeeds.
 * For a QV_OPEN_MMAP index it first asks the system whether the file still
 * has the size it was opened at (reading nothing from the mapping): if it
 * was truncated or changed size since, the call answers QV_ERR_CORRUPT with
 * a message naming the file and saying it changed size, instead of dying of
 * SIGBUS; searches of that index would crash, so free it. (A truncation
 * during the call itself, after that check, can still crash it.)
 * Errors: QV_ERR_INVALID_ARGUMENT (NULL index), QV_ERR_CORRUPT (the message
 * names the file and the section, or the file and its change of size; the
 * same message on every call).
 * Thread-safe: may run alongside searches. */
QV_API qv_status qv_index_verify(const qv_index* index);

/* Writes the live vectors as a float32 (n, dim) .npy file and their keys as a
 * uint64 (n,) .npy file, in the same order (NumPy format 1.0, C order,
 * little-endian: numpy.load reads them as they are). Each file is replaced
 * crash-safely as by qv_index_save. Vectors are returned as they were added
 * (up to float rounding under COSINE).
 * Errors: QV_ERR_INVALID_ARGUMENT (NULL pointer), QV_ERR_NOT_FOUND (the
 * directory does not exist), QV_ERR_IO, QV_ERR_CORRUPT (as qv_index_save),
 * QV_ERR_OUT_OF_MEMORY.
 * Thread-safety: as qv_index_save. */
QV_API qv_status qv_index_export_npy(const qv_index* index, const char* vectors_path,
                                     const char* keys_path);

/* Adds the vectors of a .npy file: a 2-D (n, dim) array of float16, float32
 * or float64, C or Fortran order, either byte order, format version 1.0, 2.0
 * or 3.0. Keys come from a 1-D uint64 .npy file of n keys (int64 is taken
 * when no key is negative), or are 0..n-1 when keys_path is NULL. Goes
 * through qv_index_add_batch, so it is all-or-nothing for argument errors.
 * Errors: QV_ERR_INVALID_ARGUMENT (NULL pointer, key count differs from the
 * vector count, NaN/Inf), QV_ERR_NOT_FOUND (missing file), QV_ERR_CORRUPT
 * (not a .npy file, malformed header, truncated data),
 * QV_ERR_DIMENSION_MISMATCH (dim differs from the index), QV_ERR_UNSUPPORTED
 * (another dtype such as int32, not 2-D, unknown .npy version, read-only
 * index), QV_ERR_DUPLICATE_KEY, QV_ERR_IO, QV_ERR_OUT_OF_MEMORY.
 * Thread-safety: as qv_index_add_batch. */
QV_API qv_status qv_index_import_npy(qv_index* index, const char* vectors_path,
                                     const char* keys_path);

/* ---------------------------------------------------------------------- */
/* Metadata                                                               */
/* ---------------------------------------------------------------------- */

/* Attaches `len` bytes of metadata (UTF-8 text such as JSON or the source
 * text, or any bytes) to the live vector under `key`, replacing what was
 * there. len == 0 removes the metadata (data may then be NULL). The bytes
 * are copied. Metadata is saved (zstd-compressed) with the index, readable
 * from a QV_OPEN_MMAP index, and removed with its key by qv_index_remove.
 * Errors: QV_ERR_INVALID_ARGUMENT (NULL index, NULL data with len > 0),
 * QV_ERR_NOT_FOUND (no live vector under key), QV_ERR_UNSUPPORTED (read-only
 * index), QV_ERR_OUT_OF_MEMORY.
 * Thread-safety: as qv_index_add. A qv_index_remove of the same key that
 * overlaps this call takes effect wholly before it (the metadata goes with
 * the key, or this call fails with QV_ERR_NOT_FOUND) or wholly after it:
 * metadata set after an add returned stays until the key is removed again. */
QV_API qv_status qv_index_set_metadata(qv_index* index, uint64_t key, const void* data, size_t len);

/* Points *data at the metadata of `key` and stores its length in *len. The
 * bytes are owned by the index, are not NUL-terminated, and stay valid until
 * the next call on the same index that changes them (qv_index_set_metadata
 * or qv_index_remove of that key, qv_index_compact, qv_index_free); copy
 * them to keep them longer.
 * Errors: QV_ERR_INVALID_ARGUMENT (NULL pointer), QV_ERR_NOT_FOUND (the key
 * has no metadata, or is not in the index). Thread-safe. */
QV_API qv_status qv_index_get_metadata(const qv_index* index, uint64_t key, const void** data,
                                       size_t* len);

/* Copies the metadata of `key` into buf: the first min(length, capacity)
 * bytes, and its full length to *len_out. The copy is made under the
 * index's metadata lock, so it is whole and safe even while another thread
 * changes or removes the key (which qv_index_get_metadata's pointer is not:
 * bindings and other multi-threaded callers use this call). Call with
 * capacity 0 (buf may then be NULL) to learn the length; if *len_out comes
 * back larger than capacity (the metadata grew meanwhile), call again with
 * more room.
 * Errors: QV_ERR_INVALID_ARGUMENT (NULL index or len_out, NULL buf with
 * capacity > 0), QV_ERR_NOT_FOUND (the key has no metadata, or is not in
 * the index). Thread-safe. */
QV_API qv_status qv_index_copy_metadata(const qv_index* index, uint64_t key, void* buf,
                                        size_t capacity, size_t* len_out);

/* ---------------------------------------------------------------------- */
/* Maintenance and introspection                                          */
/* ---------------------------------------------------------------------- */

/* Rewrites the index without its removed vectors, in the order that reads
 * memory best. QV_INDEX_HNSW keeps a removed vector as a tombstone (it still
 * costs memory and search time, but recall does not depend on compacting:
 * tombstones keep the graph navigable); compact rebuilds the graph from the
 * live vectors with the same parameters (using opts.threads threads), so
 * approximate results may differ slightly from before. Then (with or
 * without tombstones) it renumbers the nodes in breadth-first order of the
 * graph, so that the nodes a search reads one after another sit near each
 * other in memory, which pays when the index outgrows the CPU caches
 * (bench/README.md); renumbering alone changes no result. A save keeps the
 * order. Metadata is kept. QV_INDEX_FLAT holds no tombstones and gives a
 * removed row's memory back at once: a no-op.
 * Errors: QV_ERR_INVALID_ARGUMENT (NULL index), QV_ERR_UNSUPPORTED
 * (read-only index), QV_ERR_OUT_OF_MEMORY (a rebuild needs a second copy of
 * the index, a renumbering 9 bytes per node; the index is unchanged on
 * failure).
 * Thread-safety: must not run concurrently with any other call on the same
 * index (it replaces the index, as qv_index_free does). */
QV_API qv_status qv_index_compact(qv_index* index);

/* What qv_index_get_info reports. Set struct_size before the call, with
 * qv_index_info_init() or QV_INDEX_INFO_INIT. */
typedef struct qv_index_info {
  uint32_t struct_size; /* set by qv_index_info_init: sizeof(qv_index_info) */
  qv_index_kind kind;
  qv_metric metric;
  uint32_t dim;
  uint64_t count;          /* live vectors, as qv_index_count */
  uint64_t deleted;        /* removed vectors still held as HNSW tombstones
                              (0 for FLAT and after qv_index_compact) */
  uint64_t metadata_count; /* keys that carry metadata */
  uint32_t hnsw_m;         /* HNSW parameters (0 for FLAT) */
  uint32_t hnsw_ef_construction;
  uint32_t hnsw_ef_search;
  uint64_t seed;
  int read_only; /* 1 when opened with QV_OPEN_MMAP */
  /* Added in 0.2 (left as they are for a 0.1 struct_size): */
  qv_storage storage;
  int keeps_originals; /* 1 when I8 or B1 storage keeps the float32 originals */
} qv_index_info;

/* Zeroes *info and sets its struct_size. NULL is ignored. Thread-safe.
 * _sized: zeroes at most struct_size bytes (as qv_index_options_init_sized). */
QV_API void qv_index_info_init_sized(qv_index_info* info, size_t struct_size);
#define qv_index_info_init(info) qv_index_info_init_sized((info), sizeof(qv_index_info))

/* The same as a static initialiser. */
#define QV_INDEX_INFO_INIT                                                                      \
  {                                                                                             \
    (uint32_t)sizeof(qv_index_info), (qv_index_kind)0, (qv_metric)0, 0, 0, 0, 0, 0, 0, 0, 0, 0, \
        (qv_storage)0, 0                                                                        \
  }

/* Fills *info with a description of the index.
 * Errors: QV_ERR_INVALID_ARGUMENT (NULL pointer, unknown info->struct_size).
 * Thread-safe. */
QV_API qv_status qv_index_get_info(const qv_index* index, qv_index_info* info);

/* Stores in *out the heap bytes the index holds: vector codes, originals
 * held in memory, graph links, the key map and metadata. Pages of a file
 * opened with QV_OPEN_MMAP are not counted (they are page cache, shared and
 * reclaimable); what an mmap-opened index builds in memory (its key map,
 * once used) is. A snapshot when writers run alongside.
 * Errors: QV_ERR_INVALID_ARGUMENT (NULL pointer). Thread-safe. */
QV_API qv_status qv_index_memory_bytes(const qv_index* index, size_t* out);

/* ---------------------------------------------------------------------- */
/* Embedding (EXPERIMENTAL: see "Stability" at the top)                 */
/* ---------------------------------------------------------------------- */

/* Turns text into vectors. Three kinds, one interface:
 *  - hashing: offline, deterministic, no model (qv_embedder_create_hashing);
 *  - callback: your own function, e.g. a local model (qv_embedder_create_callback);
 *  - Gemini: Google's embedding API over HTTPS (qv_embedder_create_gemini).
 * Opaque; every vector an embedder produces has qv_embedder_dim floats.
 *
 * Thread-safety: qv_embedder_embed, qv_embedder_embed_ex and
 * qv_embedder_dim may be called from any number of threads at once on one
 * embedder (a callback embedder serialises calls to its function, see
 * qv_embed_fn). qv_embedder_free must not run concurrently with any other
 * call on the same embedder. */
typedef struct qv_embedder qv_embedder;

/* What a text is for. Asymmetric models (Gemini) embed a question and the
 * passages that answer it differently; the hashing embedder and callbacks
 * ignore it. */
typedef enum qv_embed_task {
  QV_EMBED_DOCUMENT = 1, /* text to be stored and found (Gemini: RETRIEVAL_DOCUMENT) */
  QV_EMBED_QUERY = 2     /* a search query (Gemini: RETRIEVAL_QUERY) */
} qv_embed_task;

/* A user-supplied embedding function: embeds n texts into `out`, n x dim
 * floats, row-major, where dim is the one given to
 * qv_embedder_create_callback. texts[i] is UTF-8 (as given to Quiver: it may
 * be invalid), NUL-terminated, and lengths[i] its length in bytes without
 * the NUL. The arrays are valid only during the call.
 * Return 0 on success. On failure return nonzero and, optionally, write a
 * NUL-terminated reason into err (err_len >= 256 bytes); the call fails with
 * QV_ERR_EMBEDDING and that reason in qv_last_error(). Every value written
 * must be finite: a NaN or infinity fails the call with QV_ERR_EMBEDDING.
 * Quiver never calls the function from two threads at once for the same
 * embedder (it may call it from different threads over time), and calls it
 * for both documents and queries. It must not call back into the same
 * embedder. */
typedef int (*qv_embed_fn)(void* user, size_t n, const char* const* texts, const size_t* lengths,
                           float* out, char* err, size_t err_len);

/* Creates an embedder that calls `fn` with `user` unchanged.
 * dim: 1 .. QV_MAX_DIM. Ownership: *out belongs to the caller, release it
 * with qv_embedder_free; `user` stays the caller's and must outlive the
 * embedder.
 * Errors: QV_ERR_INVALID_ARGUMENT (NULL fn/out, dim out of range),
 * QV_ERR_OUT_OF_MEMORY. Thread-safe. */
QV_API qv_status qv_embedder_create_callback(uint32_t dim, qv_embed_fn fn, void* user,
                                             qv_embedder** out);

/* Creates the offline default embedder: feature hashing of normalised words
 * and their character 3-5-grams into `dim` signed buckets, sublinear term
 * frequency, L2-normalised (cosine-ready).
 * It can: rank texts that share words, word forms ("embedding",
 * "embeddings") or near spellings, independent of case, accents and
 * punctuation; it is fast, needs no model and no network, and is
 * deterministic (the same text gives the same vector on every platform and
 * version of this algorithm).
 * It cannot: see meaning. Synonyms ("car"/"automobile"), paraphrases,
 * translations and word order are invisible to it, and frequent words weigh
 * as much as rare ones (no IDF; common English stop words are
 * down-weighted). Languages written without spaces are matched by character
 * n-grams only. Use Gemini or a callback over a model when meaning matters.
 * Invalid UTF-8 is tolerated (invalid bytes separate words). A blank text
 * -- empty, or nothing but Unicode White_Space: ASCII whitespace, U+0085,
 * U+00A0, U+1680, U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000 --
 * embeds to the zero vector (rejected by QV_METRIC_COSINE indexes); any
 * other text to a vector of length 1, at every dim, also when it holds no
 * letter or digit (punctuation, apostrophes, a lone combining mark or
 * variation selector, emoji, control characters, invalid bytes).
 * Memory: at most a few MiB per call besides the output, however long the
 * text. A text with more than about 260,000 distinct features (megabytes
 * with little repetition) has its rare features summed before the end, so
 * their term frequencies are approximate; every shorter text gets the
 * exact vector.
 * dim: 1 .. QV_MAX_DIM; 256 to 1024 works well (fewer collisions as it grows).
 * Ownership: release *out with qv_embedder_free.
 * Errors: QV_ERR_INVALID_ARGUMENT (NULL out, dim out of range),
 * QV_ERR_OUT_OF_MEMORY. Thread-safe. */
QV_API qv_status qv_embedder_create_hashing(uint32_t dim, qv_embedder** out);

/* Options for qv_embedder_create_gemini. Initialise with
 * qv_gemini_options_init(), then change what you need. Strings are copied
 * at creation; NULL means the default. */
typedef struct qv_gemini_options {
  uint32_t struct_size;             /* set by qv_gemini_options_init; lets the struct grow */
  const char* api_key;              /* NULL: env GEMINI_API_KEY. Sent only in the
                                       x-goog-api-key header; never logged, never
                                       in an error message */
  const char* base_url;             /* NULL: env QUIVER_GEMINI_BASE_URL, else
                                       "https://generativelanguage.googleapis.com" */
  const char* model;                /* NULL: "gemini-embedding-001" */
  uint32_t output_dim;              /* outputDimensionality, default 768; 128..3072 for
                                       gemini-embedding-001. Vectors are L2-normalised */
  uint32_t batch_size;              /* texts per request, 1..100, default 100 */
  uint32_t requests_per_minute;     /* client-side limit shared by all threads using the
                                       embedder, retries included; default 100 (the free
                                       tier); 0 = none. Raise it to your quota */
  uint32_t max_retries;             /* retries of a failed request, 0..100, default 5 */
  uint32_t timeout_ms;              /* per request, default 60000; 0 = none */
  uint32_t connect_timeout_ms;      /* default 10000 */
  uint32_t initial_backoff_ms;      /* first retry delay (doubling, with jitter), default 1000 */
  uint32_t max_backoff_ms;          /* cap of the retry delay, default 30000 */
  uint32_t max_retry_delay_ms;      /* longest server-requested delay (RetryInfo, Retry-After)
                                       honoured; longer fails at once. Default 120000 */
  uint32_t max_concurrent_requests; /* requests in flight for one embed call, 1..64,
                                       default 4 */
} qv_gemini_options;

/* Fills `opts` with the defaults above. NULL is ignored. Thread-safe. */
QV_API void qv_gemini_options_init(qv_gemini_options* opts);

/* The same defaults as a static initialiser. */
#define QV_GEMINI_OPTIONS_INIT                                                                   \
  {                                                                                              \
    (uint32_t)sizeof(qv_gemini_options), NULL, NULL, NULL, 768, 100, 100, 5, 60000, 10000, 1000, \
        30000, 120000, 4                                                                         \
  }

/* Creates an embedder over the Gemini API (POST
 * {base_url}/v1beta/models/{model}:batchEmbedContents). Makes no network
 * call: a wrong key shows on the first embed.
 * Requests: batches of batch_size texts, up to max_concurrent_requests at
 * once, paced by requests_per_minute. HTTP 408, 429, 5xx and network errors
 * are retried with exponential back-off and jitter, honouring the server's
 * RetryInfo.retryDelay / Retry-After; other 4xx (400 bad request, 401/403
 * key, 404 model) fail at once with the server's message.
 * opts may be NULL for all defaults (then GEMINI_API_KEY must be set).
 * Ownership: release *out with qv_embedder_free.
 * Errors: QV_ERR_INVALID_ARGUMENT (NULL out, unknown struct_size, no API key,
 * option out of range, base URL not http(s)://), QV_ERR_OUT_OF_MEMORY,
 * QV_ERR_UNSUPPORTED when this libquiver was built without Gemini
 * (CMake option QV_WITH_GEMINI=OFF; the function is still exported and
 * qv_gemini_options_init still works). Thread-safe. */
QV_API qv_status qv_embedder_create_gemini(const qv_gemini_options* opts, qv_embedder** out);

/* Embeds n documents: texts[i] is a NUL-terminated UTF-8 string; writes
 * n x dim floats, row-major, to out (every value finite). Task
 * QV_EMBED_DOCUMENT; use qv_embedder_embed_ex for queries. All or nothing:
 * on failure out is left untouched. n == 0 is a no-op that succeeds.
 * Errors: QV_ERR_INVALID_ARGUMENT (NULL embedder/texts/out, a NULL text, an
 * empty text for Gemini), QV_ERR_EMBEDDING (the callback failed or wrote
 * NaN/Inf; Gemini: network, HTTP status, malformed response; the message
 * says which and what to do), QV_ERR_OUT_OF_MEMORY.
 * Thread-safety: see qv_embedder. May block for network I/O and rate
 * limiting (Gemini). */
QV_API qv_status qv_embedder_embed(qv_embedder* emb, size_t n, const char* const* texts,
                                   float* out);

/* The general form: `task` says what the texts are for; lengths[i] is the
 * byte length of texts[i] (which then need not be NUL-terminated and may hold
 * NUL bytes), or lengths == NULL when every text is NUL-terminated.
 * Errors: as qv_embedder_embed, plus QV_ERR_INVALID_ARGUMENT for an unknown
 * task. Thread-safety: as qv_embedder_embed. */
QV_API qv_status qv_embedder_embed_ex(qv_embedder* emb, qv_embed_task task, size_t n,
                                      const char* const* texts, const size_t* lengths, float* out);

/* Stores the embedder's vector dimension in *out.
 * Errors: QV_ERR_INVALID_ARGUMENT (NULL pointer). Thread-safe. */
QV_API qv_status qv_embedder_dim(const qv_embedder* emb, uint32_t* out);

/* Releases the embedder. NULL is fine. Must not run concurrently with any
 * other call on the same embedder. */
QV_API void qv_embedder_free(qv_embedder* emb);

/* ---------------------------------------------------------------------- */
/* Text (EXPERIMENTAL: see "Stability" at the top)                      */
/* ---------------------------------------------------------------------- */

/* Text search on an index: attach an embedder (qv_index_set_embedder), add
 * documents as text (qv_index_add_text), search with text
 * (qv_index_search_text). Any index works; QV_METRIC_COSINE reads best
 * (distances in [0, 2]; every embedder of this library L2-normalises).
 *
 * Chunks and keys. A document has a key of at most 48 bits (QV_MAX_DOC_KEY).
 * Its text is split into chunks (see qv_text_options) and each chunk is
 * stored as its own vector under a chunk key QV_CHUNK_KEY(doc, n) =
 * (doc << 16) | n; the chunk's text (the exact bytes of the document it
 * spans) is that key's metadata. qv_index_add_text numbers a document's
 * chunks n = 0, 1, 2 ... in text order. qv_index_upsert_text adds the new
 * version's chunks after the current ones (numbers counting on from the
 * last, wrapping from 65535 to 0) and then removes the old ones, so after
 * an upsert a document's chunks no longer start at 0: list them with
 * qv_index_document_chunks (in text order). A document has at most
 * QV_MAX_CHUNKS_PER_DOC (65536) chunks, and while an upsert replaces it
 * both versions are held, so the old and the new version together have at
 * most 65536. The vector and metadata calls work on chunks: e.g.
 * qv_index_get_metadata(index, chunk_key, ...) reads a chunk's text, and
 * qv_index_count counts chunks. Keep keys you add with qv_index_add clear
 * of the chunk keys of your documents (or use one index per purpose): a
 * key is a key.
 *
 * Documents. Each document added or upserted with this version of the
 * library has an entry in the index's document table: its current chunks,
 * a source (a path or URI, as given to qv_index_upsert_text) and fields
 * (any UTF-8 text of yours, e.g. JSON). The table is saved with the index
 * (the file's document table section) and read back by both open modes.
 * Text searches (qv_index_search_text and its variants,
 * qv_index_search_keywords, qv_index_search_hybrid) see each document's
 * current version only, one version per search, whole: a search that
 * overlaps qv_index_upsert_text of a document finds its old version or its
 * new one, never chunks of both and never neither; one that overlaps
 * qv_index_remove_text finds all of the document or none of it. (The raw
 * vector calls, qv_index_search and qv_index_count, see every chunk there
 * is, the other version's too while an upsert runs.) A document added by
 * an older version of the library (a file without a document table) has
 * chunks 0, 1, 2 ... without gaps, no source and no fields; the text
 * searches, qv_index_get_document, qv_index_document_chunks and the writes
 * work on it as before, but it is listed and counted by
 * qv_index_list_documents and qv_index_document_count only once it has
 * been upserted (or removed and added again).
 *
 * What a save keeps: the chunk vectors and their texts. What it does not:
 * the embedder and the text options. After qv_index_open, attach the same
 * embedder again (same kind, model and dimension; the hashing embedder of
 * the same dim gives the same vectors) before adding or searching text; an
 * index opened with QV_OPEN_MMAP can be searched by text too. */

/* Chunk keys and document limits, see above. QV_MAX_DOC_SOURCE and
 * QV_MAX_DOC_FIELDS are the most bytes a document's source and fields may
 * have. */
#define QV_MAX_DOC_SOURCE 8192u
#define QV_MAX_DOC_FIELDS 1048576u
#define QV_CHUNK_BITS 16
#define QV_MAX_CHUNKS_PER_DOC 65536u
#define QV_MAX_DOC_KEY ((((uint64_t)1) << 48) - 1)
#define QV_CHUNK_KEY(doc, chunk) \
  ((((uint64_t)(doc)) << QV_CHUNK_BITS) | (((uint64_t)(chunk)) & 0xFFFFu))
#define QV_DOC_KEY(chunk_key) (((uint64_t)(chunk_key)) >> QV_CHUNK_BITS)
#define QV_CHUNK_NUMBER(chunk_key) ((uint32_t)(((uint64_t)(chunk_key)) & 0xFFFFu))

/* What chunk_size and chunk_overlap count. */
typedef enum qv_chunk_unit {
  QV_CHUNK_CHARACTERS = 1, /* Unicode code points (an invalid byte counts as one). Exact and
                              predictable, works for every language; a chunk may start or
                              end inside a word. A window of nothing but whitespace (in a
                              long run of it) is not a chunk. */
  QV_CHUNK_TOKENS = 2      /* whitespace-separated tokens: a chunk never cuts a word and never
                              starts or ends with whitespace. */
} qv_chunk_unit;

/* How qv_index_add_text splits a document. Initialise with
 * qv_text_options_init(). Chunks advance by chunk_size - chunk_overlap
 * units; no chunk splits a UTF-8 sequence; a text no longer than
 * chunk_size is one chunk.
 * The defaults (800 characters, 100 of overlap) suit the hashing embedder:
 * it sums its features over the chunk, so a query's few words weigh less
 * the longer the chunk is. 800 characters is a paragraph (about 130 English
 * words): long enough to hold what a question asks about together, short
 * enough for those words to stand out. 100 characters (a clause) of overlap
 * keep a phrase cut by one boundary whole in the next chunk. For a model
 * embedder (Gemini) larger chunks work too: up to a few thousand
 * characters. */
typedef struct qv_text_options {
  uint32_t struct_size;   /* set by qv_text_options_init; lets the struct grow */
  qv_chunk_unit unit;     /* default QV_CHUNK_CHARACTERS */
  uint32_t chunk_size;    /* units per chunk, >= 1; default 800 */
  uint32_t chunk_overlap; /* units shared by neighbouring chunks, < chunk_size; default 100 */
} qv_text_options;

/* Fills `opts` with the defaults above. NULL is ignored. Thread-safe. */
QV_API void qv_text_options_init(qv_text_options* opts);

/* The same defaults as a static initialiser. */
#define QV_TEXT_OPTIONS_INIT \
  { (uint32_t)sizeof(qv_text_options), QV_CHUNK_CHARACTERS, 800, 100 }

/* Sets how later qv_index_add_text calls chunk text (NULL = the defaults).
 * Chunks already in the index are not touched. Not saved with the index.
 * Errors: QV_ERR_INVALID_ARGUMENT (NULL index, unknown struct_size or unit,
 * chunk_size 0, chunk_overlap >= chunk_size).
 * Thread-safety: may run alongside any call but qv_index_free; a text call
 * already running keeps the options it started with. */
QV_API qv_status qv_index_set_text_options(qv_index* index, const qv_text_options* opts);

/* Attaches the embedder that turns text into vectors for this index, or
 * detaches it (emb = NULL). The index keeps its own reference: the caller
 * may qv_embedder_free its handle right after this call. Not saved with the
 * index: attach it again after qv_index_open. Allowed on a read-only
 * (QV_OPEN_MMAP) index, for searches.
 * Errors: QV_ERR_INVALID_ARGUMENT (NULL index), QV_ERR_DIMENSION_MISMATCH
 * (qv_embedder_dim differs from the index's dim; nothing changes).
 * Thread-safety: as qv_index_set_text_options. */
QV_API qv_status qv_index_set_embedder(qv_index* index, qv_embedder* emb);

/* Adds a document: splits `text` (NUL-terminated UTF-8; invalid bytes are
 * kept as they are) into chunks, embeds them (task QV_EMBED_DOCUMENT) and
 * adds each under QV_CHUNK_KEY(doc_key, n) with its text as metadata.
 * Same as qv_index_add_texts with n = 1.
 * Errors: as qv_index_add_texts. */
QV_API qv_status qv_index_add_text(qv_index* index, uint64_t doc_key, const char* text);

/* Adds n documents: texts[i] under doc_keys[i]. All chunks of all texts are
 * embedded in one embedder call (the embedder splits it into requests as it
 * needs) and added with one qv_index_add_batch. All or nothing: on any
 * failure, an embedding error included, the index is left as it was (no
 * vector, no metadata). n == 0 is a no-op that succeeds.
 * Errors: QV_ERR_INVALID_ARGUMENT (NULL pointer, no embedder attached, a
 * doc key above QV_MAX_DOC_KEY, an empty or whitespace-only text, a text
 * of more than QV_MAX_CHUNKS_PER_DOC chunks: use a larger chunk_size; also
 * a callback vector the metric refuses: see qv_metric),
 * QV_ERR_DUPLICATE_KEY (a document already in the index: replace it with
 * qv_index_upsert_text, or remove it first with qv_index_remove_text; or a
 * key twice in doc_keys), QV_ERR_UNSUPPORTED
 * (read-only index), QV_ERR_EMBEDDING (the embedder failed; see
 * qv_embedder_embed), QV_ERR_OUT_OF_MEMORY.
 * Thread-safety: as qv_index_add_batch; may block on the embedder (network,
 * rate limits). A document added here has no source and no fields; it is
 * visible to text searches once all of its chunks are in. Writes of one
 * document (add, upsert, remove) wait for each other: they never mix
 * chunks of two versions of a document. Removing single chunk keys of
 * these documents with
 * qv_index_remove while this call runs is not supported (it may fail with
 * QV_ERR_NOT_FOUND). */
QV_API qv_status qv_index_add_texts(qv_index* index, size_t n, const uint64_t* doc_keys,
                                    const char* const* texts);

/* Removes a document: its entry in the document table and every chunk of
 * its current version (for a document from an older file without a table:
 * chunks 0, 1, 2 ... up to the first number missing).
 * Errors: QV_ERR_INVALID_ARGUMENT (NULL index, doc key above
 * QV_MAX_DOC_KEY), QV_ERR_NOT_FOUND (no such document),
 * QV_ERR_UNSUPPORTED (read-only index).
 * Thread-safety: as qv_index_remove. Atomic for text searches: the
 * document leaves them in one step, before its chunks go, and the chunks
 * go only once the searches that began before that step are done (so this
 * call waits for them; never call it from a search filter). Writes of the
 * same document wait for each other (see qv_index_add_texts). */
QV_API qv_status qv_index_remove_text(qv_index* index, uint64_t doc_key);

/* Adds the document, or replaces it if it is already in the index:
 * chunks and embeds `text` as qv_index_add_text does, records `source` (a
 * path or URI, NUL-terminated UTF-8, at most QV_MAX_DOC_SOURCE bytes) and
 * `fields` (any NUL-terminated UTF-8 text of yours, e.g. JSON, at most
 * QV_MAX_DOC_FIELDS bytes) in the document's entry; NULL means none ("").
 * Invalid UTF-8 bytes are kept as they are. The new chunks go in first,
 * unseen by searches, then the document's entry switches to them in one
 * step, then the old chunks go once the searches that began before the
 * switch are done; the old version's source and fields are replaced too.
 * On failure the document is as it was (an embedding error included).
 * Errors: QV_ERR_INVALID_ARGUMENT (NULL index or text, no embedder
 * attached, doc key above QV_MAX_DOC_KEY, an empty or whitespace-only
 * text, a source or fields too long, a text of more chunks than the old
 * version leaves room for: old + new <= QV_MAX_CHUNKS_PER_DOC; also a
 * callback vector the metric refuses), QV_ERR_UNSUPPORTED (read-only
 * index), QV_ERR_EMBEDDING, QV_ERR_OUT_OF_MEMORY.
 * Thread-safety: as qv_index_add_texts, and atomic for text searches (see
 * "Documents" above): it waits for the searches that overlap its switch to
 * end, so never call it from a search filter. */
QV_API qv_status qv_index_upsert_text(qv_index* index, uint64_t doc_key, const char* text,
                                      const char* source, const char* fields);

/* The chunk keys of a document's current version, in text order. Writes
 * the first min(count, capacity) keys to keys_out (which may be NULL when
 * capacity is 0) and the document's chunk count to *count_out, whatever
 * the capacity: call with capacity 0 to size the buffer, or pass room for
 * QV_MAX_CHUNKS_PER_DOC keys. The chunk keys' metadata are the texts.
 * Errors: QV_ERR_INVALID_ARGUMENT (NULL index or count_out, NULL keys_out
 * with capacity > 0, doc key above QV_MAX_DOC_KEY), QV_ERR_NOT_FOUND (no
 * such document). Thread-safe; overlapping an upsert of the document, it
 * answers for the old or the new version. */
QV_API qv_status qv_index_document_chunks(const qv_index* index, uint64_t doc_key,
                                          uint64_t* keys_out, size_t capacity, size_t* count_out);

/* Points *source and *fields at the document's source and fields and
 * stores their lengths in *source_len and *fields_len ("" and 0 when the
 * document has none). Any of the four pointers may be NULL when you do not
 * want that value. The bytes are owned by the index, are not
 * NUL-terminated, and stay valid until the next call that changes this
 * document (upsert, remove, qv_index_free); copy them to keep them longer.
 * A search hit's source is one call away: pass its document key.
 * Errors: QV_ERR_INVALID_ARGUMENT (NULL index, doc key above
 * QV_MAX_DOC_KEY), QV_ERR_NOT_FOUND (no such document). Thread-safe. */
QV_API qv_status qv_index_get_document(const qv_index* index, uint64_t doc_key, const char** source,
                                       size_t* source_len, const char** fields, size_t* fields_len);

/* Copies the document's source and fields into the caller's buffers (the
 * first min(length, capacity) bytes of each; not NUL-terminated) and their
 * full lengths to *source_len and *fields_len, under the document table's
 * lock: whole and safe even while another thread upserts or removes the
 * document (which qv_index_get_document's pointers are not: bindings and
 * other multi-threaded callers use this call). Pass capacity 0 (and a NULL
 * buffer) to learn a length; a length above the capacity means "call again
 * with more room" (at most QV_MAX_DOC_SOURCE and QV_MAX_DOC_FIELDS).
 * Errors: QV_ERR_INVALID_ARGUMENT (NULL index, source_len or fields_len, a
 * NULL buffer with capacity > 0, doc key above QV_MAX_DOC_KEY),
 * QV_ERR_NOT_FOUND (no such document). Thread-safe. */
QV_API qv_status qv_index_copy_document(const qv_index* index, uint64_t doc_key, char* source,
                                        size_t source_capacity, size_t* source_len, char* fields,
                                        size_t fields_capacity, size_t* fields_len);

/* Lists documents in pages, by ascending key: writes up to `capacity` keys
 * of documents in the table that are >= first_key to keys_out and their
 * number to *count_out. A page shorter than capacity is the last; for the
 * next page pass the last key written + 1. Documents from an older file
 * are listed once upserted (see "Documents" above).
 * Errors: QV_ERR_INVALID_ARGUMENT (NULL index, keys_out or count_out,
 * capacity 0). Thread-safe; a document added or removed while you page
 * may or may not be listed. */
QV_API qv_status qv_index_list_documents(const qv_index* index, uint64_t first_key,
                                         uint64_t* keys_out, size_t capacity, size_t* count_out);

/* Stores the number of documents in the table (see qv_index_list_documents)
 * in *count_out. Errors: QV_ERR_INVALID_ARGUMENT (NULL pointer).
 * Thread-safe. */
QV_API qv_status qv_index_document_count(const qv_index* index, uint64_t* count_out);

/* Searches by text for documents: embeds `query` (NUL-terminated UTF-8,
 * task QV_EMBED_QUERY) and writes up to k distinct DOCUMENT keys, each with
 * the distance of its nearest chunk, nearest first, and their number in
 * *found_out (< k only when the index holds fewer documents, or fewer pass
 * the filter). It searches more chunks than k and widens the search until
 * it has k distinct documents or has seen every chunk.
 * params may be NULL; params->ef applies to each chunk search, and
 * params->filter is called with CHUNK keys (QV_DOC_KEY gives the document).
 * keys_out must hold k entries; distances_out may be NULL.
 * Errors: QV_ERR_INVALID_ARGUMENT (NULL pointer, k == 0, an empty or
 * whitespace-only query, no embedder attached, unknown
 * params->struct_size), QV_ERR_EMBEDDING, QV_ERR_OUT_OF_MEMORY.
 * Thread-safety: as qv_index_search; calls the embedder. */
QV_API qv_status qv_index_search_text(const qv_index* index, const char* query, size_t k,
                                      const qv_search_params* params, uint64_t* keys_out,
                                      float* distances_out, size_t* found_out);

/* The same, returning the k nearest CHUNK keys (several may belong to one
 * document) with their distances. The text of a chunk is its metadata.
 * Errors and thread-safety: as qv_index_search_text. */
QV_API qv_status qv_index_search_text_chunks(const qv_index* index, const char* query, size_t k,
                                             const qv_search_params* params, uint64_t* keys_out,
                                             float* distances_out, size_t* found_out);

/* The general form of qv_index_search_text: also writes, for each document,
 * the key of its nearest chunk to chunk_keys_out (k entries), whose
 * metadata is the passage that matched. chunk_keys_out and distances_out
 * may be NULL. Errors and thread-safety: as qv_index_search_text. */
QV_API qv_status qv_index_search_text_ex(const qv_index* index, const char* query, size_t k,
                                         const qv_search_params* params, uint64_t* doc_keys_out,
                                         uint64_t* chunk_keys_out, float* distances_out,
                                         size_t* found_out);

/* Keyword search (BM25, k1 = 1.2, b = 0.75) over every key's metadata read
 * as text: with the text calls, the chunks' texts. Words are found as the
 * hashing embedder finds them: Unicode letters and digits, case and accents
 * folded ("Ecole" matches "école"). Writes up to k keys (CHUNK keys for text
 * added with qv_index_add_text) with their scores, HIGHEST first (ties by
 * key), and their number in *found_out; a query without words finds
 * nothing. params->filter applies (ef, rerank and threads do not).
 * Chunks of a document version that is not current (see "Documents")
 * are left out. No embedder is needed.
 * The keyword index is built from the metadata on
 * the first keyword or hybrid search (or when text is first added with the
 * text calls), kept in step with every later change, and saved with the
 * index once built: an open reads it from the file instead. keys_out must
 * hold k entries; scores_out may be NULL.
 * Errors: QV_ERR_INVALID_ARGUMENT (NULL index, query, keys_out or
 * found_out, k == 0, unknown params->struct_size), QV_ERR_OUT_OF_MEMORY.
 * Thread-safety: as qv_index_search. */
QV_API qv_status qv_index_search_keywords(const qv_index* index, const char* query, size_t k,
                                          const qv_search_params* params, uint64_t* keys_out,
                                          float* scores_out, size_t* found_out);

/* Hybrid search for documents: fuses the ranking of qv_index_search_text
 * (meaning, through the embedder) with the ranking of documents by their
 * best chunk in qv_index_search_keywords (exact words: names, codes,
 * identifiers), by reciprocal rank fusion: score = sum over the two
 * rankings of 1 / (60 + rank), rank from 1, each ranking looking at 50
 * documents (or k, if larger). Writes up to k DOCUMENT keys, their best
 * chunk (the nearest by meaning when the vector search found the document,
 * else the best by keywords; chunk_keys_out may be NULL) and scores
 * (HIGHEST first, ties by key; scores_out may be NULL).
 * params: ef as for qv_index_search_text; filter sees CHUNK keys, in both
 * rankings; keyword_weight weighs the keyword ranking's term (score = 1 /
 * (60 + meaning rank) + keyword_weight / (60 + keyword rank)): equal by
 * default, which bench/retrieval measured best overall with a model
 * embedder; raise it for queries of names and codes, or when the embedder
 * is weak (the hashing embedder).
 * Errors: as qv_index_search_text, and QV_ERR_INVALID_ARGUMENT for a
 * keyword_weight that is negative, not finite or above 1000.
 * Thread-safety: as qv_index_search_text. */
QV_API qv_status qv_index_search_hybrid(const qv_index* index, const char* query, size_t k,
                                        const qv_search_params* params, uint64_t* doc_keys_out,
                                        uint64_t* chunk_keys_out, float* scores_out,
                                        size_t* found_out);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* QUIVER_H */
