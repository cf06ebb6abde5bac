/* The thread-safety contract of quiver.h, for HNSW and FLAT: searches run
 * while other threads add and remove. A search never returns a key removed
 * before it started, only keys that were (being) added, sorted and with
 * their true distances; afterwards the index is consistent. Sized to run in
 * seconds, also under ThreadSanitizer and AddressSanitizer.
 *
 * Worker threads must not use cmocka assertions (they longjmp): they record
 * failures in a qvt_failures log the main thread checks after joining. */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <quiver/quiver.h>

#include "qv_test_support.h"

#define DIM 32
#define PRELOAD 2000 /* keys 0 .. PRELOAD-1, added before the threads start */
#define ADDS 2000    /* keys PRELOAD .. TOTAL-1 may be added by the adder thread */
#define TOTAL (PRELOAD + ADDS)
#define SEARCHERS 4
#define K 10

#define LOAD(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)

/* Which keys the remover takes out: a quarter of the preloaded keys, and a
 * fifth of the keys the adder adds, each once its add has returned. */
static int removed_preload(uint64_t key) { return key < PRELOAD && key % 4 == 1; }
static int removed_added(uint64_t key) { return key >= PRELOAD && key % 5 == 2; }
static int to_remove(uint64_t key) { return removed_preload(key) || removed_added(key); }

typedef struct shared {
  qv_index* index;
  qv_index_kind kind;
  const float* data;               /* TOTAL x DIM: the vector of key i is row i */
  unsigned char started[TOTAL];    /* 1 once an add of the key has begun */
  uint64_t removed_at[TOTAL];      /* logical time the remove returned; 0 = live */
  uint64_t clock;                  /* logical time, bumped after every remove returns */
  uint64_t added_done;             /* adds by the adder that have returned, in key order */
  uint64_t adds_planned;           /* the adder adds keys PRELOAD .. PRELOAD+adds_planned-1 */
  uint64_t adding;                 /* key whose add is in progress (searchers aim at it) */
  long search_pause_ns;            /* searchers rest this long between searches */
  long write_pause_ns;             /* and writers between writes */
  double write_max_s, write_sum_s; /* latency of single adds/removes (own thread only) */
  double remove_max_s, remove_sum_s;
  int writers_running;
  unsigned long searches, removes, adds;
  qvt_failures failures;      /* removed or unknown keys, wrong distances, order, errors */
  qvt_failures short_results; /* searches that found fewer than k */
} shared;

static void pause_ns(long ns) {
  struct timespec ts;
  if (ns <= 0) return;
  ts.tv_sec = 0;
  ts.tv_nsec = ns;
  nanosleep(&ts, NULL);
}

static void* adder(void* arg) {
  shared* s = (shared*)arg;
  uint64_t i;
  for (i = 0; i < s->adds_planned; ++i) {
    uint64_t key = PRELOAD + i;
    qv_status st;
    double t0, dt;
    STORE(&s->started[key], 1);
    STORE(&s->adding, key);
    t0 = qvt_now();
    st = qv_index_add(s->index, key, s->data + key * DIM);
    dt = qvt_now() - t0;
    s->write_sum_s += dt;
    if (dt > s->write_max_s) s->write_max_s = dt;
    if (st != QV_OK)
      qvt_failf(&s->failures, "add of key %llu: %s (%s)", (unsigned long long)key,
                qv_status_string(st), qv_last_error());
    STORE(&s->added_done, i + 1);
    __atomic_fetch_add(&s->adds, 1, __ATOMIC_RELAXED);
    pause_ns(s->write_pause_ns);
  }
  __atomic_fetch_sub(&s->writers_running, 1, __ATOMIC_ACQ_REL);
  return NULL;
}

static void remove_one(shared* s, uint64_t key) {
  double t0 = qvt_now(), dt;
  qv_status st = qv_index_remove(s->index, key);
  dt = qvt_now() - t0;
  s->remove_sum_s += dt;
  if (dt > s->remove_max_s) s->remove_max_s = dt;
  if (st != QV_OK) {
    qvt_failf(&s->failures, "remove of live key %llu: %s (%s)", (unsigned long long)key,
              qv_status_string(st), qv_last_error());
    return;
  }
  /* Publish "removed before time t" only after the call returned. */
  STORE(&s->removed_at[key], __atomic_add_fetch(&s->clock, 1, __ATOMIC_SEQ_CST));
  __atomic_fetch_add(&s->removes, 1, __ATOMIC_RELAXED);
  pause_ns(s->write_pause_ns);
}

static void* remover(void* arg) {
  shared* s = (shared*)arg;
  uint64_t next_pre = 0, next_new = PRELOAD, end_new = PRELOAD + s->adds_planned;
  while (next_pre < PRELOAD || next_new < end_new) {
    uint64_t done = PRELOAD + LOAD(&s->added_done);
    int progressed = 0;
    /* Alternate: one preloaded key, then any added keys that are due. */
    while (next_pre < PRELOAD && !removed_preload(next_pre)) ++next_pre;
    if (next_pre < PRELOAD) {
      remove_one(s, next_pre++);
      progressed = 1;
    }
    while (next_new < done) {
      if (removed_added(next_new)) remove_one(s, next_new);
      ++next_new;
      progressed = 1;
    }
    if (!progressed) sched_yield();
  }
  __atomic_fetch_sub(&s->writers_running, 1, __ATOMIC_ACQ_REL);
  return NULL;
}

static void check_results(shared* s, const float* query, uint64_t t_start, const uint64_t* keys,
                          const float* dists, size_t found, int searcher) {
  size_t i;
  if (found != K)
    qvt_failf(&s->short_results,
              "searcher %d: found %zu, expected %d (the index holds >= %d live vectors); first "
              "key returned %llu, key being added %llu",
              searcher, found, K, PRELOAD / 2, found ? (unsigned long long)keys[0] : 0ULL,
              (unsigned long long)LOAD(&s->adding));
  for (i = 0; i < found && i < K; ++i) {
    uint64_t key = keys[i];
    uint64_t removed;
    double truth;
    if (key >= TOTAL || !LOAD(&s->started[key])) {
      qvt_failf(&s->failures, "searcher %d: key %llu was never added", searcher,
                (unsigned long long)key);
      continue;
    }
    removed = LOAD(&s->removed_at[key]);
    if (removed != 0 && removed <= t_start)
      qvt_failf(&s->failures,
                "searcher %d: key %llu returned by a search that started after its removal "
                "(removed at %llu, search started at %llu)",
                searcher, (unsigned long long)key, (unsigned long long)removed,
                (unsigned long long)t_start);
    truth = qvt_distance(QV_METRIC_L2, query, s->data + key * DIM, DIM);
    if (fabs(dists[i] - truth) > 1e-4 * (1.0 + truth))
      qvt_failf(&s->failures, "searcher %d: key %llu distance %.7g, true %.7g", searcher,
                (unsigned long long)key, (double)dists[i], truth);
    if (i > 0 && dists[i] < dists[i - 1])
      qvt_failf(&s->failures, "searcher %d: results not sorted at rank %zu", searcher, i);
  }
}

typedef struct searcher_arg {
  shared* s;
  int id;
} searcher_arg;

static void* searcher(void* arg) {
  searcher_arg* a = (searcher_arg*)arg;
  shared* s = a->s;
  qvt_rng rng;
  float queries[4 * DIM];
  qv_search_params p;
  unsigned long n = 0;
  qvt_rng_seed(&rng, 1000 + (uint64_t)a->id);
  qv_search_params_init(&p);
  p.ef = 64;
  p.threads = 1;
  while (LOAD(&s->writers_running) > 0 || n < 20) {
    uint64_t keys[4 * K];
    float dists[4 * K];
    size_t found[4], j, q;
    uint64_t t_start;
    qv_status st;
    /* Queries near random stored vectors, so removed keys are likely hits,
     * and, every other time, right at the vector being added, so the
     * search meets nodes that are half linked. */
    for (q = 0; q < 4; ++q) {
      const float* v = s->data + (n % 2 ? LOAD(&s->adding) : qvt_rng_below(&rng, TOTAL)) * DIM;
      for (j = 0; j < DIM; ++j) queries[q * DIM + j] = v[j] + 0.05f * (float)qvt_rng_gaussian(&rng);
    }
    t_start = __atomic_load_n(&s->clock, __ATOMIC_SEQ_CST);
    if (n % 4 == 3) {
      st = qv_index_search_batch(s->index, 4, queries, K, &p, keys, dists, found);
      if (st != QV_OK)
        qvt_failf(&s->failures, "search_batch: %s", qv_last_error());
      else
        for (q = 0; q < 4; ++q)
          check_results(s, queries + q * DIM, t_start, keys + q * K, dists + q * K, found[q],
                        a->id);
    } else {
      st = qv_index_search(s->index, queries, K, &p, keys, dists, found);
      if (st != QV_OK)
        qvt_failf(&s->failures, "search: %s", qv_last_error());
      else
        check_results(s, queries, t_start, keys, dists, found[0], a->id);
    }
    /* get and count run alongside too. */
    if (n % 8 == 0) {
      uint64_t key = qvt_rng_below(&rng, PRELOAD);
      float got[DIM];
      size_t count = 0;
      if (!removed_preload(key)) {
        st = qv_index_get(s->index, key, got);
        if (st != QV_OK || memcmp(got, s->data + key * DIM, sizeof got) != 0)
          qvt_failf(&s->failures, "get of live key %llu: %s", (unsigned long long)key,
                    qv_status_string(st));
      }
      st = qv_index_count(s->index, &count);
      if (st != QV_OK || count > TOTAL || count < PRELOAD / 2)
        qvt_failf(&s->failures, "count %zu out of range during writes", count);
    }
    ++n;
    pause_ns(s->search_pause_ns);
  }
  __atomic_fetch_add(&s->searches, n, __ATOMIC_RELAXED);
  return NULL;
}

static qv_index* make_index(qv_index_kind kind) {
  qv_index_options o;
  qv_index* index = NULL;
  qv_index_options_init(&o);
  o.dim = DIM;
  o.kind = kind;
  o.hnsw_ef_construction = 100;
  o.threads = 2;
  assert_int_equal(qv_index_create(&o, &index), QV_OK);
  return index;
}

static void run_search_while_adding_and_removing(qv_index_kind kind, const char* name,
                                                 uint64_t adds, long search_pause_ns,
                                                 long write_pause_ns) {
  shared* s = calloc(1, sizeof *s);
  float* data = qvt_gaussian_mixture(TOTAL, DIM, 20, 0.3, 77);
  pthread_t writers[2], readers[SEARCHERS];
  searcher_arg args[SEARCHERS];
  uint64_t* pre_keys = malloc(PRELOAD * sizeof *pre_keys);
  unsigned char* live = malloc(TOTAL);
  size_t i, count, expected_removed = 0;
  double t0 = qvt_now();
  s->kind = kind;
  s->data = data;
  s->adds_planned = adds;
  s->search_pause_ns = search_pause_ns;
  s->write_pause_ns = write_pause_ns;
  s->adding = PRELOAD;
  s->index = make_index(kind);
  qvt_failures_init(&s->failures);
  qvt_failures_init(&s->short_results);
  for (i = 0; i < PRELOAD; ++i) {
    pre_keys[i] = i;
    s->started[i] = 1;
  }
  assert_int_equal(qv_index_add_batch(s->index, PRELOAD, pre_keys, data), QV_OK);

  s->writers_running = 2;
  for (i = 0; i < SEARCHERS; ++i) {
    args[i].s = s;
    args[i].id = (int)i;
    assert_int_equal(pthread_create(&readers[i], NULL, searcher, &args[i]), 0);
  }
  assert_int_equal(pthread_create(&writers[0], NULL, adder, s), 0);
  assert_int_equal(pthread_create(&writers[1], NULL, remover, s), 0);
  for (i = 0; i < 2; ++i) assert_int_equal(pthread_join(writers[i], NULL), 0);
  for (i = 0; i < SEARCHERS; ++i) assert_int_equal(pthread_join(readers[i], NULL), 0);

  printf("[ info     ] %s: %lu searches during %lu adds and %lu removes, %.2f s\n", name,
         s->searches, s->adds, s->removes, qvt_now() - t0);
  printf(
      "[ info     ] %s: add latency mean %.3f ms max %.3f ms, remove mean %.3f ms max %.3f "
      "ms\n",
      name, 1e3 * s->write_sum_s / (double)(s->adds ? s->adds : 1), 1e3 * s->write_max_s,
      1e3 * s->remove_sum_s / (double)(s->removes ? s->removes : 1), 1e3 * s->remove_max_s);
  if (s->failures.count)
    fail_msg("%s: %lu failures in worker threads; first: %s", name, s->failures.count,
             s->failures.first);
  /* Checked second, so that a removed key showing up is reported first. */
  if (s->short_results.count)
    fail_msg("%s: %lu of %lu searches found fewer than k results; first: %s", name,
             s->short_results.count, s->searches, s->short_results.first);

  /* Afterwards: consistent count, get, and search quality. */
  for (i = 0; i < TOTAL; ++i) {
    int present = i < PRELOAD + adds;
    live[i] = present && !to_remove(i);
    expected_removed += present && !live[i];
  }
  assert_int_equal(s->removes, expected_removed);
  assert_int_equal(qv_index_count(s->index, &count), QV_OK);
  assert_int_equal(count, PRELOAD + adds - expected_removed);
  for (i = 0; i < TOTAL; ++i) {
    float got[DIM];
    qv_status st = qv_index_get(s->index, i, got);
    assert_int_equal(st, live[i] ? QV_OK : QV_ERR_NOT_FOUND);
    if (live[i]) assert_memory_equal(got, data + i * DIM, sizeof got);
  }
  {
    enum { NQ = 200 };
    /* Same centres as the data (same seed), points past the ones indexed. */
    float* all = qvt_gaussian_mixture(TOTAL + NQ, DIM, 20, 0.3, 77);
    float* queries = all + (size_t)TOTAL * DIM;
    uint64_t *truth = malloc(NQ * K * sizeof *truth), got[NQ * K];
    size_t found[NQ], q, j;
    qv_search_params p;
    double r;
    qvt_brute_force_batch(QV_METRIC_L2, data, NULL, live, TOTAL, DIM, queries, NQ, K, NULL, NULL,
                          truth, NULL, NULL);
    qv_search_params_init(&p);
    p.ef = 128;
    for (q = 0; q < NQ; ++q) {
      assert_int_equal(
          qv_index_search(s->index, queries + q * DIM, K, &p, got + q * K, NULL, found + q), QV_OK);
      for (j = 0; j < found[q]; ++j) assert_true(live[got[q * K + j]]);
    }
    r = qvt_recall(NQ, K, got, K, found, truth, K, NULL);
    printf("[ info     ] %s: recall@10 at ef 128 after concurrent writes: %.4f\n", name, r);
    if (kind == QV_INDEX_FLAT)
      assert_true(r == 1.0);
    else
      assert_true(r >= 0.95);
    free(all), free(truth);
  }
  qvt_failures_destroy(&s->failures);
  qvt_failures_destroy(&s->short_results);
  qv_index_free(s->index);
  free(pre_keys), free(live), free(data), free(s);
}

static void test_hnsw_search_never_sees_removed_keys_while_adding_and_removing(void** state) {
  (void)state;
  run_search_while_adding_and_removing(QV_INDEX_HNSW, "HNSW", qvt_scaled(ADDS), 0, 0);
}

static void test_flat_search_never_sees_removed_keys_while_adding_and_removing(void** state) {
  (void)state;
  /* Short rests between writes spread them over many searches (a FLAT
   * write is microseconds: unpaced, they would all land in a handful). */
  run_search_while_adding_and_removing(QV_INDEX_FLAT, "FLAT", qvt_scaled(ADDS), 0, 50000);
}

/* ---- liveness: writers make progress under continuous searching ------------ */

#define STARVE_N 5000
#define STARVE_OPS 200

typedef struct starve_shared {
  qv_index* index;
  const float* data; /* STARVE_N + STARVE_OPS rows */
  int writer_running;
  double deadline; /* searchers stop here even if the writer is still blocked */
  double max_s, sum_s;
  unsigned long ops;
  qvt_failures failures;
} starve_shared;

static void* starve_searcher(void* arg) {
  starve_shared* s = (starve_shared*)arg;
  qvt_rng rng;
  qvt_rng_seed(&rng, (uint64_t)(uintptr_t)&rng);
  while (LOAD(&s->writer_running) && qvt_now() < s->deadline) {
    uint64_t keys[K];
    size_t found;
    const float* q = s->data + qvt_rng_below(&rng, STARVE_N) * DIM;
    if (qv_index_search(s->index, q, K, NULL, keys, NULL, &found) != QV_OK)
      qvt_failf(&s->failures, "search: %s", qv_last_error());
  }
  return NULL;
}

static void* starve_writer(void* arg) {
  starve_shared* s = (starve_shared*)arg;
  size_t i;
  for (i = 0; i < STARVE_OPS; ++i) {
    uint64_t key = STARVE_N + i;
    double t0 = qvt_now(), dt;
    qv_status st = i % 2 == 0 ? qv_index_add(s->index, key, s->data + key * DIM)
                              : qv_index_remove(s->index, key - 1);
    dt = qvt_now() - t0;
    if (st != QV_OK) qvt_failf(&s->failures, "write %zu: %s", i, qv_last_error());
    s->sum_s += dt;
    if (dt > s->max_s) s->max_s = dt;
    s->ops++;
  }
  STORE(&s->writer_running, 0);
  return NULL;
}

static void test_writes_are_not_starved_by_continuous_searches(void** state) {
  static const qv_index_kind kinds[] = {QV_INDEX_HNSW, QV_INDEX_FLAT};
  static const char* const names[] = {"HNSW", "FLAT"};
  /* An add or remove is microseconds of work; waiting for the searches in
   * flight is fine, waiting seconds is starvation. */
  const double limit_s = qvt_sanitized() ? 2.5 : 1.0;
  size_t kk, i;
  int starved = 0;
  (void)state;
  for (kk = 0; kk < 2; ++kk) {
    starve_shared s;
    pthread_t readers[SEARCHERS], writer;
    uint64_t* keys = malloc(STARVE_N * sizeof *keys);
    float* data = qvt_gaussian_mixture(STARVE_N + STARVE_OPS, DIM, 20, 0.3, 81);
    memset(&s, 0, sizeof s);
    s.index = make_index(kinds[kk]);
    s.data = data;
    s.writer_running = 1;
    qvt_failures_init(&s.failures);
    for (i = 0; i < STARVE_N; ++i) keys[i] = i;
    assert_int_equal(qv_index_add_batch(s.index, STARVE_N, keys, data), QV_OK);
    /* Without starvation the writes take milliseconds in all; the deadline
     * only bounds the test when a writer cannot get in at all. */
    s.deadline = qvt_now() + 2 * limit_s;
    for (i = 0; i < SEARCHERS; ++i)
      assert_int_equal(pthread_create(&readers[i], NULL, starve_searcher, &s), 0);
    assert_int_equal(pthread_create(&writer, NULL, starve_writer, &s), 0);
    assert_int_equal(pthread_join(writer, NULL), 0);
    for (i = 0; i < SEARCHERS; ++i) assert_int_equal(pthread_join(readers[i], NULL), 0);
    printf(
        "[ info     ] %s: %lu writes under %d continuous searchers: mean %.3f ms, max %.3f "
        "ms\n",
        names[kk], s.ops, SEARCHERS, 1e3 * s.sum_s / (double)(s.ops ? s.ops : 1), 1e3 * s.max_s);
    if (s.failures.count) fail_msg("%s: %s", names[kk], s.failures.first);
    if (s.max_s > limit_s) {
      printf(
          "[ info     ] %s: writes starved by searches: slowest %.3f s (limit %.1f s; "
          "searchers stopped after %.1f s)\n",
          names[kk], s.max_s, limit_s, 2 * limit_s);
      starved = 1;
    }
    qvt_failures_destroy(&s.failures);
    qv_index_free(s.index);
    free(keys), free(data);
  }
  assert_false(starved);
}

/* ---- concurrent batches ---------------------------------------------------- */

#define BATCH_THREADS 2
#define BATCHES 4
#define BATCH_MAX 500
#define BATCH batch_rows
static size_t batch_rows = BATCH_MAX; /* a quarter in sanitizer builds */

typedef struct batch_arg {
  qv_index* index;
  const float* data; /* BATCH_THREADS * BATCHES * BATCH rows */
  int thread;
  qvt_failures* failures;
} batch_arg;

static uint64_t batch_key(int thread, size_t row) { return (uint64_t)thread * 1000000 + row; }

static void* batch_adder(void* arg) {
  batch_arg* a = (batch_arg*)arg;
  uint64_t keys[BATCH_MAX];
  size_t b, i;
  for (b = 0; b < BATCHES; ++b) {
    size_t first = (size_t)a->thread * BATCHES * BATCH + b * BATCH;
    qv_status st;
    for (i = 0; i < BATCH; ++i) keys[i] = batch_key(a->thread, first + i);
    st = qv_index_add_batch(a->index, BATCH, keys, a->data + first * DIM);
    if (st != QV_OK) qvt_failf(a->failures, "add_batch: %s", qv_last_error());
  }
  return NULL;
}

static void run_concurrent_batches(qv_index_kind kind, const char* name) {
  const size_t ROWS = BATCH_THREADS * BATCHES * BATCH;
  float* data = qvt_gaussian_mixture(ROWS, DIM, 20, 0.3, 79);
  qv_index* index = make_index(kind);
  pthread_t t[BATCH_THREADS];
  batch_arg args[BATCH_THREADS];
  qvt_failures failures;
  qv_search_params p;
  size_t i, count, self_found = 0;
  qvt_failures_init(&failures);
  for (i = 0; i < BATCH_THREADS; ++i) {
    args[i].index = index;
    args[i].data = data;
    args[i].thread = (int)i;
    args[i].failures = &failures;
    assert_int_equal(pthread_create(&t[i], NULL, batch_adder, &args[i]), 0);
  }
  for (i = 0; i < BATCH_THREADS; ++i) assert_int_equal(pthread_join(t[i], NULL), 0);
  if (failures.count) fail_msg("%s: %s", name, failures.first);
  qvt_failures_destroy(&failures);
  assert_int_equal(qv_index_count(index, &count), QV_OK);
  assert_int_equal(count, ROWS);
  qv_search_params_init(&p);
  p.ef = 64;
  for (i = 0; i < ROWS; ++i) {
    int thread = (int)(i / (BATCHES * BATCH));
    uint64_t want = batch_key(thread, i), key = 0;
    float got[DIM];
    size_t found = 0;
    assert_int_equal(qv_index_get(index, want, got), QV_OK);
    assert_memory_equal(got, data + i * DIM, sizeof got);
    assert_int_equal(qv_index_search(index, data + i * DIM, 1, &p, &key, NULL, &found), QV_OK);
    assert_int_equal(found, 1);
    self_found += key == want;
  }
  printf("[ info     ] %s: %d concurrent add_batch threads, self-recall@1 %.4f\n", name,
         BATCH_THREADS, (double)self_found / ROWS);
  if (kind == QV_INDEX_FLAT)
    assert_int_equal(self_found, ROWS);
  else
    assert_true(self_found >= ROWS * 99 / 100);
  qv_index_free(index);
  free(data);
}

static void test_concurrent_add_batch_with_disjoint_keys_adds_everything(void** state) {
  (void)state;
  batch_rows = qvt_scaled(BATCH_MAX);
  run_concurrent_batches(QV_INDEX_HNSW, "HNSW");
  run_concurrent_batches(QV_INDEX_FLAT, "FLAT");
}

/* ---- racing on the same key ------------------------------------------------ */

#define RACE_N 1000

typedef struct race_arg {
  qv_index* index;
  const float* data;
  int op; /* 0 add, 1 remove */
  unsigned long ok, expected_failures;
  qv_status expected;
  qvt_failures* failures;
} race_arg;

static void* racer(void* arg) {
  race_arg* a = (race_arg*)arg;
  size_t i;
  for (i = 0; i < RACE_N; ++i) {
    qv_status st =
        a->op == 0 ? qv_index_add(a->index, i, a->data + i * DIM) : qv_index_remove(a->index, i);
    if (st == QV_OK)
      a->ok++;
    else if (st == a->expected)
      a->expected_failures++;
    else
      qvt_failf(a->failures, "key %zu: unexpected %s", i, qv_status_string(st));
  }
  return NULL;
}

static void test_racing_adds_and_removes_of_one_key_succeed_exactly_once(void** state) {
  static const qv_index_kind kinds[] = {QV_INDEX_HNSW, QV_INDEX_FLAT};
  size_t kk, i, count;
  (void)state;
  for (kk = 0; kk < 2; ++kk) {
    float* data = qvt_gaussian_vectors(RACE_N, DIM, 80);
    qv_index* index = make_index(kinds[kk]);
    qvt_failures failures;
    pthread_t t[2];
    race_arg a[2];
    int op;
    qvt_failures_init(&failures);
    for (op = 0; op < 2; ++op) {
      /* Two threads add the same keys, then two threads remove them. */
      for (i = 0; i < 2; ++i) {
        a[i].index = index;
        a[i].data = data;
        a[i].op = op;
        a[i].ok = a[i].expected_failures = 0;
        a[i].expected = op == 0 ? QV_ERR_DUPLICATE_KEY : QV_ERR_NOT_FOUND;
        a[i].failures = &failures;
        assert_int_equal(pthread_create(&t[i], NULL, racer, &a[i]), 0);
      }
      for (i = 0; i < 2; ++i) assert_int_equal(pthread_join(t[i], NULL), 0);
      if (failures.count) fail_msg("%s", failures.first);
      assert_int_equal(a[0].ok + a[1].ok, RACE_N);
      assert_int_equal(a[0].expected_failures + a[1].expected_failures, RACE_N);
      assert_int_equal(qv_index_count(index, &count), QV_OK);
      assert_int_equal(count, op == 0 ? RACE_N : 0);
      if (op == 0)
        for (i = 0; i < RACE_N; ++i) {
          float got[DIM];
          assert_int_equal(qv_index_get(index, i, got), QV_OK);
          assert_memory_equal(got, data + i * DIM, sizeof got);
        }
    }
    qvt_failures_destroy(&failures);
    qv_index_free(index);
    free(data);
  }
}

/* ---- a remove racing a re-add of the same key keeps the new metadata ----- */

/* One thread removes a key (or a document) over and over while another adds
 * it back as soon as it is gone and sets its metadata. Only the adder adds,
 * so once its add and set_metadata returned QV_OK the key can lose that
 * metadata only by being removed: whenever the adder then finds no metadata
 * but the key still live, a remove erased the metadata of a key added after
 * it took the key out of the index (issue 11, defect 2: it did, hundreds of
 * times a second on an idle machine, FLAT and HNSW alike).
 *
 * For text, the adder alternates a short and a long document. remove_text
 * goes chunk 0, 1, 2 ... so a document being removed has lost a prefix of
 * its chunks; after the adder's add_text returned, a live chunk without
 * metadata, a live chunk below a missing one (a remove_text that went on
 * into the new document), or a live chunk past the new document's end (a
 * remove_text that had not finished the old one) is a document the two
 * calls mixed up; so is an add_text that fails with NOT_FOUND (a chunk
 * removed under it). The scan runs from the last chunk down, so a
 * remove_text running during it cannot make a whole document look torn.
 *
 * The race needs both threads on a CPU at once: on a busy machine it shows
 * less often. With the fix no timing can make this test fail. */

#define META_KEY 7
#define META_SECONDS 1.0     /* at least, and on until META_REMOVES removes */
#define META_MAX_SECONDS 2.0 /* at most (a busy machine races less) */
#define META_REMOVES 3000
#define META_SPINS 64 /* fruitless calls before a thread yields its CPU */
#define META_MAX_CHUNKS 16

typedef struct meta_race {
  qv_index* index;
  const float* vector;
  int texts;           /* 0: add + set_metadata / remove; 1: add_text / remove_text */
  const char* text[2]; /* the texts the document alternates between */
  size_t chunks[2];    /* how many chunks each makes */
  int stop;
  unsigned long adds, removes, checks, broken;
  qvt_failures failures;
} meta_race;

static void* meta_remover(void* arg) {
  meta_race* m = (meta_race*)arg;
  unsigned long idle = 0;
  while (!LOAD(&m->stop)) {
    qv_status st =
        m->texts ? qv_index_remove_text(m->index, META_KEY) : qv_index_remove(m->index, META_KEY);
    if (st == QV_OK) {
      __atomic_fetch_add(&m->removes, 1, __ATOMIC_RELAXED);
    } else if (st == QV_ERR_NOT_FOUND) {
      if (++idle % META_SPINS == 0) sched_yield(); /* let the adder run */
    } else {
      qvt_failf(&m->failures, "remove: %s (%s)", qv_status_string(st), qv_last_error());
    }
  }
  return NULL;
}

static int meta_live(qv_index* index, uint64_t key) {
  float v[DIM];
  return qv_index_get(index, key, v) == QV_OK;
}

static int meta_has_metadata(qv_index* index, uint64_t key) {
  const void* data = NULL;
  size_t len = 0;
  return qv_index_get_metadata(index, key, &data, &len) == QV_OK && len > 0;
}

static void meta_broken(meta_race* m, const char* what) {
  m->broken++;
  qvt_failf(&m->failures, "%s", what);
  if (!m->texts) {
    qv_index_set_metadata(m->index, META_KEY, "again", 5); /* one loss counts once */
  } else {
    size_t c;
    for (c = 0; c < META_MAX_CHUNKS; ++c) qv_index_remove(m->index, QV_CHUNK_KEY(META_KEY, c));
  }
}

/* Key mode: the adder added the key last, and its set_metadata returned
 * QV_OK. */
static void meta_check_key(meta_race* m) {
  m->checks++;
  if (!meta_has_metadata(m->index, META_KEY) && meta_live(m->index, META_KEY))
    meta_broken(m, "a live key lost the metadata set after its add");
}

/* Text mode: the adder added the document last, with text t. */
/* A remove_text that overlaps the check removes the chunks last first, so
 * the live chunks are always 0 .. r-1 for some r: never one above a gap. */
static void meta_check_document(meta_race* m, int t) {
  const size_t n = m->chunks[t];
  size_t c;
  int gone_below = 0;
  m->checks++;
  if (meta_live(m->index, QV_CHUNK_KEY(META_KEY, n))) {
    meta_broken(m, "after add_text, a chunk past the document's end is live");
    return;
  }
  for (c = 0; c < n; ++c) {
    const uint64_t key = QV_CHUNK_KEY(META_KEY, c);
    if (!meta_live(m->index, key)) {
      gone_below = 1;
    } else if (gone_below) {
      meta_broken(m, "after add_text, a chunk is live above a missing one");
      return;
    } else if (!meta_has_metadata(m->index, key) && meta_live(m->index, key)) {
      meta_broken(m, "after add_text, a live chunk has no metadata");
      return;
    }
  }
}

static void meta_adder(meta_race* m) {
  const double start = qvt_now();
  int t = 1;       /* the text of the document's last add */
  int checked = 0; /* checked again since the last add */
  unsigned long idle = 0;
  for (;;) {
    const double elapsed = qvt_now() - start;
    qv_status st;
    if (elapsed > META_MAX_SECONDS || (elapsed > META_SECONDS && LOAD(&m->removes) >= META_REMOVES))
      break;
    if (m->texts) {
      st = qv_index_add_text(m->index, META_KEY, m->text[1 - t]);
      if (st == QV_OK) t = 1 - t;
    } else {
      st = qv_index_add(m->index, META_KEY, m->vector);
      /* NOT_FOUND: removed between the two calls, which is allowed. */
      if (st == QV_OK && qv_index_set_metadata(m->index, META_KEY, "set", 3) != QV_OK) continue;
    }
    if (st == QV_OK) {
      m->adds++;
      checked = 0;
    } else if (st == QV_ERR_DUPLICATE_KEY) {
      /* Still live from the last add: check once more, then wait for the
       * remover (on a busy machine the two may share a CPU). */
      if (checked) {
        if (++idle % META_SPINS == 0) sched_yield();
        continue;
      }
      checked = 1;
    } else if (st == QV_ERR_NOT_FOUND && m->texts) {
      meta_broken(m, "add_text failed with NOT_FOUND: a remove_text ran inside it");
      continue;
    } else {
      qvt_failf(&m->failures, "add: %s (%s)", qv_status_string(st), qv_last_error());
      continue;
    }
    if (m->texts)
      meta_check_document(m, t);
    else
      meta_check_key(m);
  }
  STORE(&m->stop, 1);
}

/* Returns the number of failures (printed). */
static unsigned long run_remove_against_readd(qv_index_kind kind, const char* name, int texts) {
  float* vector = qvt_gaussian_vectors(1, DIM, 81);
  qv_index* index = make_index(kind);
  const char* what = texts ? "add_text / remove_text" : "add + set_metadata / remove";
  meta_race m;
  pthread_t remover;
  unsigned long failures;
  double t0;
  memset(&m, 0, sizeof m);
  m.index = index;
  m.vector = vector;
  m.texts = texts;
  m.text[0] = "quiet rivers carry stones";
  m.text[1] = "quiet rivers carry stones down to the sea where gulls wait for bread";
  qvt_failures_init(&m.failures);
  if (texts) {
    qv_embedder* emb = NULL;
    qv_text_options o;
    int t;
    assert_int_equal(qv_embedder_create_hashing(DIM, &emb), QV_OK);
    assert_int_equal(qv_index_set_embedder(index, emb), QV_OK);
    qv_embedder_free(emb);
    qv_text_options_init(&o);
    o.chunk_size = 10;
    o.chunk_overlap = 0;
    assert_int_equal(qv_index_set_text_options(index, &o), QV_OK);
    for (t = 0; t < 2; ++t) { /* each text's chunk count */
      assert_int_equal(qv_index_add_text(index, META_KEY, m.text[t]), QV_OK);
      assert_int_equal(qv_index_count(index, &m.chunks[t]), QV_OK);
      assert_int_equal(qv_index_remove_text(index, META_KEY), QV_OK);
      assert_true(m.chunks[t] < META_MAX_CHUNKS);
    }
    assert_true(m.chunks[0] < m.chunks[1]);
  }
  t0 = qvt_now();
  assert_int_equal(pthread_create(&remover, NULL, meta_remover, &m), 0);
  meta_adder(&m);
  assert_int_equal(pthread_join(remover, NULL), 0);
  /* Quiet now: every live key has metadata. */
  if (!texts) {
    if (meta_live(index, META_KEY) && !meta_has_metadata(index, META_KEY))
      meta_broken(&m, "at the end, the live key has no metadata");
  } else {
    size_t c;
    for (c = 0; c <= META_MAX_CHUNKS; ++c)
      if (meta_live(index, QV_CHUNK_KEY(META_KEY, c)) &&
          !meta_has_metadata(index, QV_CHUNK_KEY(META_KEY, c)))
        meta_broken(&m, "at the end, a live chunk has no metadata");
  }
  printf("[ info     ] %s %s: %lu adds, %lu removes, %lu checks in %.1f s; %lu broken\n", name,
         what, m.adds, m.removes, m.checks, qvt_now() - t0, m.broken);
  failures = m.failures.count;
  if (failures)
    printf("[ info     ] %s %s: %lu failures, first: %s\n", name, what, failures, m.failures.first);
  qvt_failures_destroy(&m.failures);
  qv_index_free(index);
  free(vector);
  return failures;
}

static void test_remove_racing_a_readd_never_wipes_its_new_metadata(void** state) {
  unsigned long failures;
  (void)state;
  failures = run_remove_against_readd(QV_INDEX_FLAT, "FLAT", 0);
  failures += run_remove_against_readd(QV_INDEX_HNSW, "HNSW", 0);
  assert_int_equal(failures, 0);
}

static void test_remove_text_racing_a_readd_leaves_the_new_document_whole(void** state) {
  unsigned long failures;
  (void)state;
  failures = run_remove_against_readd(QV_INDEX_FLAT, "FLAT", 1);
  failures += run_remove_against_readd(QV_INDEX_HNSW, "HNSW", 1);
  assert_int_equal(failures, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      QVT_TIMED(test_hnsw_search_never_sees_removed_keys_while_adding_and_removing),
      QVT_TIMED(test_flat_search_never_sees_removed_keys_while_adding_and_removing),
      QVT_TIMED(test_concurrent_add_batch_with_disjoint_keys_adds_everything),
      QVT_TIMED(test_writes_are_not_starved_by_continuous_searches),
      QVT_TIMED(test_racing_adds_and_removes_of_one_key_succeed_exactly_once),
      QVT_TIMED(test_remove_racing_a_readd_never_wipes_its_new_metadata),
      QVT_TIMED(test_remove_text_racing_a_readd_leaves_the_new_document_whole),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
