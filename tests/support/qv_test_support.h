/*
 * Helpers shared by the test programs: a seeded RNG, synthetic data, readers
 * for the texmex .fvecs/.ivecs formats, an exact (double precision) brute
 * force, recall, and thread-safe failure recording for worker threads.
 * Plain C99 over the public API only; nothing here knows Quiver's internals.
 */
#ifndef QV_TEST_SUPPORT_H
#define QV_TEST_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

#include <quiver/quiver.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- random numbers (splitmix64: fixed, portable sequences) ---------- */

typedef struct qvt_rng {
  uint64_t state;
  int has_spare;
  double spare;
} qvt_rng;

void qvt_rng_seed(qvt_rng* rng, uint64_t seed);
uint64_t qvt_rng_next(qvt_rng* rng);
double qvt_rng_uniform(qvt_rng* rng);         /* [0, 1) */
double qvt_rng_gaussian(qvt_rng* rng);        /* N(0, 1), Box-Muller */
size_t qvt_rng_below(qvt_rng* rng, size_t n); /* [0, n) */

/* n x dim floats drawn from N(0, 1). Caller frees. Never NULL (aborts on OOM). */
float* qvt_gaussian_vectors(size_t n, size_t dim, uint64_t seed);

/* n x dim floats from a mixture of `clusters` Gaussians: centres uniform in
 * [-1, 1]^dim, points = centre + sigma * N(0, 1). Points pick their cluster
 * at random. Caller frees. */
float* qvt_gaussian_mixture(size_t n, size_t dim, size_t clusters, double sigma, uint64_t seed);

/* One mixture draw of n + nq points split into *base (n x dim) and *queries
 * (nq x dim): queries from the same distribution, not in the base. Caller
 * frees both. */
void qvt_mixture_split(size_t n, size_t nq, size_t dim, size_t clusters, double sigma,
                       uint64_t seed, float** base, float** queries);

/* ---- datasets --------------------------------------------------------- */

/* The directory of the shared real datasets (env QV_DATA_DIR, set by CTest),
 * or NULL when unset. */
const char* qvt_data_dir(void);

/* Joins dir and name into a malloc'd path. */
char* qvt_path_join(const char* dir, const char* name);

/* Reads a whole .fvecs (or .ivecs) file: per row an int32 d, then d float32
 * (int32). Returns a malloc'd n x d array, or NULL when the file cannot be
 * opened or is malformed (rows of different d, truncated row); *n and *dim
 * are set on success. */
float* qvt_read_fvecs(const char* path, size_t* n, size_t* dim);
int32_t* qvt_read_ivecs(const char* path, size_t* n, size_t* dim);

/* Writes n x dim floats as .fvecs / int32 as .ivecs. Returns 0 on success. */
int qvt_write_fvecs(const char* path, const float* data, size_t n, size_t dim);
int qvt_write_ivecs(const char* path, const int32_t* data, size_t n, size_t dim);

/* 1 when the file exists and is readable. */
int qvt_file_readable(const char* path);

/* The whole file, malloc'd (works for /proc files too); NULL when it cannot
 * be read. */
unsigned char* qvt_read_file(const char* path, size_t* size);

/* The keys of an index in storage order, as qv_index_export_npy writes them
 * (into a temporary folder, removed after), malloc'd; NULL on any failure. */
uint64_t* qvt_keys_in_storage_order(const qv_index* index, size_t* n);

/* Entries in a directory other than . and ..; -1 when it cannot be read. */
int qvt_count_entries(const char* dir);

/* ---- exact search ----------------------------------------------------- */

/* The metric's distance as documented in quiver.h, in double precision:
 * L2 = squared euclidean, IP = 1 - dot, COSINE = 1 - cos. */
double qvt_distance(qv_metric metric, const float* a, const float* b, size_t dim);

typedef int (*qvt_filter_fn)(uint64_t key, void* user);

/* Exact k nearest rows of base (n x dim) to `query`, sorted by distance then
 * key. Row i has key keys[i] (keys NULL: key i). Rows with live[i] == 0 are
 * skipped (live NULL: all live); rows whose key the filter rejects are
 * skipped (filter NULL: none). Writes found keys (and distances, if
 * dist_out) and returns found = min(k, eligible rows). */
size_t qvt_brute_force(qv_metric metric, const float* base, const uint64_t* keys,
                       const unsigned char* live, size_t n, size_t dim, const float* query,
                       size_t k, qvt_filter_fn filter, void* filter_user, uint64_t* keys_out,
                       double* dist_out);

/* The same for nq queries: keys_out is nq x k, found_out has nq entries
 * (found_out may be NULL), dist_out nq x k or NULL. */
void qvt_brute_force_batch(qv_metric metric, const float* base, const uint64_t* keys,
                           const unsigned char* live, size_t n, size_t dim, const float* queries,
                           size_t nq, size_t k, qvt_filter_fn filter, void* filter_user,
                           uint64_t* keys_out, double* dist_out, size_t* found_out);

/* Recall: the fraction of the true neighbours that were returned.
 * got is nq rows of got_stride keys with got_found[i] valid entries (NULL:
 * all got_stride); truth is nq rows of truth_stride keys of which the first
 * min(k, truth_found[i]) count (truth_found NULL: k). */
double qvt_recall(size_t nq, size_t k, const uint64_t* got, size_t got_stride,
                  const size_t* got_found, const uint64_t* truth, size_t truth_stride,
                  const size_t* truth_found);

/* ---- misc ------------------------------------------------------------- */

/* Monotonic seconds. */
double qvt_now(void);

/* cmocka per-test setup/teardown pair that prints each test's wall time
 * ("[ time     ] 1.234 s"). They leave the test state untouched, so they
 * also work inside a group whose setup provides the state. */
int qvt_timer_setup(void** state);
int qvt_timer_teardown(void** state);
#ifdef cmocka_unit_test /* cmocka.h included first: a timed test entry */
#define QVT_TIMED(test) cmocka_unit_test_setup_teardown(test, qvt_timer_setup, qvt_timer_teardown)
#endif

/* 1 when the suite was built with sanitizers (QV_SANITIZE): tests that build
 * large indexes may say so in their output. */
int qvt_sanitized(void);

/* n, or n / 4 (at least 1) in sanitizer builds, which run 5 to 20 times
 * slower: tests that build large indexes size their data with this. */
size_t qvt_scaled(size_t n);

/* Case-sensitive substring test that tolerates NULL (returns 0). */
int qvt_contains(const char* haystack, const char* needle);

/* Case-insensitive substring test. */
int qvt_contains_nocase(const char* haystack, const char* needle);

/* Creates an index with default options but dim, metric and kind; on
 * failure prints the status and message and returns NULL (callers
 * assert_non_null). */
qv_index* qvt_create_index(uint32_t dim, qv_metric metric, qv_index_kind kind);

/* Thread-safe failure log for worker threads, where cmocka's assertions
 * must not be used: record the first message and count all failures; the
 * main thread asserts on the count after joining. */
typedef struct qvt_failures {
  void* mutex; /* pthread_mutex_t*, opaque to keep this header pthread-free */
  unsigned long count;
  char first[512];
} qvt_failures;

void qvt_failures_init(qvt_failures* f);
void qvt_failures_destroy(qvt_failures* f);
void qvt_failf(qvt_failures* f, const char* fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
unsigned long qvt_failures_count(qvt_failures* f);

#ifdef __cplusplus
}
#endif

#endif /* QV_TEST_SUPPORT_H */
