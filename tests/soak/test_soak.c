/* Soak: for a bounded time (QV_SOAK_SECONDS, default 120; or argv[1]),
 * insert, remove, annotate, search, save, reopen, compact and round-trip
 * through .npy in a random loop, checking after every step what must hold
 * forever:
 *  - count equals the model's live set, for the HNSW index and the exact
 *    FLAT reference that mirrors it;
 *  - no search ever returns a removed or unknown key;
 *  - HNSW recall@10 against the FLAT reference stays >= 0.90 (ef 128);
 *  - metadata reads back exactly and disappears with its key;
 *  - every save reopens (loaded or mapped) answering exactly like the index
 *    in memory, and a reopened index carries on as the working one;
 *  - compact keeps the live set and the answers' quality;
 *  - no leak: built with ASan, LeakSanitizer fails the run at exit.
 *
 * Not part of the default suite (it runs for minutes): configure with
 * -DQV_SOAK=ON and run `ctest -L soak`, or run the binary directly:
 *   QV_SOAK_SECONDS=600 QV_SOAK_SEED=7 ./tests/soak/test_soak
 * It prints its seed; the same seed replays the same operations. */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <quiver/quiver.h>

#include "qv_test_support.h"

#define DIM 32
#define KEYSPACE 40000 /* keys 0 .. KEYSPACE-1; vector of key k is row k */
#define MAX_LIVE 15000
#define NQ 32
#define K 10
#define MIN_RECALL 0.90

static double soak_seconds = 120;
static uint64_t soak_seed;

typedef struct soak {
  qv_index *hnsw, *flat;
  float* vectors; /* KEYSPACE x DIM */
  unsigned char live[KEYSPACE];
  unsigned char has_meta[KEYSPACE];
  size_t live_count;
  qvt_rng rng;
  char *dir, *path, *npy_vectors, *npy_keys;
  unsigned long rounds, adds, removes, saves, reopens, compacts, npy_trips, searches;
  double min_recall;
} soak;

static qv_index* make(qv_index_kind kind) {
  qv_index_options o;
  qv_index* index = NULL;
  qv_index_options_init(&o);
  o.dim = DIM;
  o.kind = kind;
  o.hnsw_m = 12;
  o.hnsw_ef_construction = 100;
  o.threads = 2;
  assert_int_equal(qv_index_create(&o, &index), QV_OK);
  return index;
}

static void meta_of(uint64_t key, char* buf, size_t size, size_t* len) {
  int n = snprintf(buf, size, "{\"key\": %llu, \"tag\": \"soak\"}", (unsigned long long)key);
  *len = (size_t)n;
}

static void check_counts(soak* s) {
  size_t a = 0, b = 0;
  assert_int_equal(qv_index_count(s->hnsw, &a), QV_OK);
  assert_int_equal(qv_index_count(s->flat, &b), QV_OK);
  if (a != s->live_count || b != s->live_count)
    fail_msg("round %lu: counts hnsw %zu flat %zu, model %zu", s->rounds, a, b, s->live_count);
}

static void insert_some(soak* s) {
  size_t want = 1 + qvt_rng_below(&s->rng, 400), n = 0, tries = 0, i;
  uint64_t keys[400];
  float* rows = malloc(400 * DIM * sizeof(float));
  while (n < want && tries++ < want * 4) {
    uint64_t key = qvt_rng_below(&s->rng, KEYSPACE);
    int dup = 0;
    if (s->live[key] || s->live_count + n >= MAX_LIVE) continue;
    for (i = 0; i < n; ++i) dup |= keys[i] == key;
    if (dup) continue;
    keys[n] = key;
    memcpy(rows + n * DIM, s->vectors + key * DIM, DIM * sizeof(float));
    ++n;
  }
  if (n == 0) {
    free(rows);
    return;
  }
  if (qvt_rng_below(&s->rng, 4) == 0) {
    for (i = 0; i < n; ++i) {
      assert_int_equal(qv_index_add(s->hnsw, keys[i], rows + i * DIM), QV_OK);
      assert_int_equal(qv_index_add(s->flat, keys[i], rows + i * DIM), QV_OK);
    }
  } else {
    assert_int_equal(qv_index_add_batch(s->hnsw, n, keys, rows), QV_OK);
    assert_int_equal(qv_index_add_batch(s->flat, n, keys, rows), QV_OK);
  }
  /* A key already live is refused, and changes nothing. */
  assert_int_equal(qv_index_add(s->hnsw, keys[0], rows), QV_ERR_DUPLICATE_KEY);
  for (i = 0; i < n; ++i) {
    s->live[keys[i]] = 1;
    if (qvt_rng_below(&s->rng, 3) == 0) {
      char meta[64];
      size_t len;
      meta_of(keys[i], meta, sizeof meta, &len);
      assert_int_equal(qv_index_set_metadata(s->hnsw, keys[i], meta, len), QV_OK);
      s->has_meta[keys[i]] = 1;
    }
  }
  s->live_count += n;
  s->adds += n;
  free(rows);
}

static void remove_some(soak* s, size_t want) {
  size_t done = 0, tries = 0;
  while (done < want && tries++ < want * 50 && s->live_count > 0) {
    uint64_t key = qvt_rng_below(&s->rng, KEYSPACE);
    if (!s->live[key]) {
      assert_int_equal(qv_index_remove(s->hnsw, key), QV_ERR_NOT_FOUND);
      continue;
    }
    assert_int_equal(qv_index_remove(s->hnsw, key), QV_OK);
    assert_int_equal(qv_index_remove(s->flat, key), QV_OK);
    s->live[key] = 0;
    s->has_meta[key] = 0;
    --s->live_count;
    ++done;
  }
  s->removes += done;
}

static void check_metadata(soak* s, const qv_index* index) {
  int i;
  for (i = 0; i < 50; ++i) {
    uint64_t key = qvt_rng_below(&s->rng, KEYSPACE);
    const void* data = NULL;
    size_t len = 0, want_len;
    char want[64];
    qv_status st = qv_index_get_metadata(index, key, &data, &len);
    if (!s->has_meta[key]) {
      if (st != QV_ERR_NOT_FOUND)
        fail_msg("key %llu: metadata that should be gone", (unsigned long long)key);
      continue;
    }
    meta_of(key, want, sizeof want, &want_len);
    assert_int_equal(st, QV_OK);
    assert_int_equal(len, want_len);
    assert_memory_equal(data, want, len);
  }
}

/* Searches both indexes; checks keys are live and HNSW recall. */
static void check_search(soak* s, const qv_index* index) {
  float* queries = malloc(NQ * DIM * sizeof(float));
  uint64_t got[NQ * K], truth[NQ * K];
  size_t got_found[NQ], truth_found[NQ], q, i;
  qv_search_params p;
  double recall;
  for (q = 0; q < NQ; ++q) {
    /* Near a random key's vector, so queries land where the data is. */
    uint64_t near = qvt_rng_below(&s->rng, KEYSPACE);
    for (i = 0; i < DIM; ++i)
      queries[q * DIM + i] = s->vectors[near * DIM + i] + 0.05f * (float)qvt_rng_gaussian(&s->rng);
  }
  qv_search_params_init(&p);
  p.ef = 128;
  assert_int_equal(qv_index_search_batch(index, NQ, queries, K, &p, got, NULL, got_found), QV_OK);
  assert_int_equal(qv_index_search_batch(s->flat, NQ, queries, K, &p, truth, NULL, truth_found),
                   QV_OK);
  for (q = 0; q < NQ; ++q) {
    size_t expect = s->live_count < K ? s->live_count : K;
    if (truth_found[q] != expect) fail_msg("flat found %zu of %zu", truth_found[q], expect);
    for (i = 0; i < got_found[q]; ++i) {
      uint64_t key = got[q * K + i];
      if (key >= KEYSPACE || !s->live[key])
        fail_msg("round %lu: search returned key %llu, which is not live", s->rounds,
                 (unsigned long long)key);
    }
  }
  if (s->live_count >= K) {
    recall = qvt_recall(NQ, K, got, K, got_found, truth, K, truth_found);
    if (recall < s->min_recall) s->min_recall = recall;
    if (recall < MIN_RECALL)
      fail_msg("round %lu: recall@%d %.3f < %.2f (live %zu)", s->rounds, K, recall, MIN_RECALL,
               s->live_count);
  }
  s->searches += 2 * NQ;
  free(queries);
}

/* Same answers, bit for bit, from two indexes (saved and in memory). */
static void check_same_answers(soak* s, const qv_index* a, const qv_index* b) {
  float* queries = qvt_gaussian_vectors(NQ, DIM, s->rounds + 1);
  uint64_t ka[NQ * K], kb[NQ * K];
  float da[NQ * K], db[NQ * K];
  size_t fa[NQ], fb[NQ];
  qv_search_params p;
  qv_search_params_init(&p);
  assert_int_equal(qv_index_search_batch(a, NQ, queries, K, &p, ka, da, fa), QV_OK);
  assert_int_equal(qv_index_search_batch(b, NQ, queries, K, &p, kb, db, fb), QV_OK);
  if (memcmp(fa, fb, sizeof fa) || memcmp(ka, kb, sizeof ka) || memcmp(da, db, sizeof da))
    fail_msg("round %lu: a reopened index answers differently from the one saved", s->rounds);
  free(queries);
}

static void save_and_reopen(soak* s) {
  qv_save_options so;
  qv_index* back = NULL;
  const int mapped = (int)qvt_rng_below(&s->rng, 2);
  size_t count = 0;
  qv_save_options_init(&so);
  so.compress_vectors = (int)qvt_rng_below(&s->rng, 2);
  so.compress_graph = (int)qvt_rng_below(&s->rng, 2);
  assert_int_equal(qv_index_save_with_options(s->hnsw, s->path, &so), QV_OK);
  ++s->saves;
  assert_int_equal(qv_index_open(s->path, mapped ? QV_OPEN_MMAP : QV_OPEN_LOAD, &back), QV_OK);
  assert_int_equal(qv_index_count(back, &count), QV_OK);
  assert_int_equal(count, s->live_count);
  check_same_answers(s, s->hnsw, back);
  check_metadata(s, back);
  if (!mapped && qvt_rng_below(&s->rng, 2) == 0) {
    /* Carry on with the reopened index. */
    qv_index_free(s->hnsw);
    s->hnsw = back;
    ++s->reopens;
  } else {
    qv_index_free(back);
  }
}

static void compact(soak* s) {
  assert_int_equal(qv_index_compact(s->hnsw), QV_OK);
  ++s->compacts;
  check_counts(s);
}

static void npy_round_trip(soak* s) {
  qv_index* copy = make(QV_INDEX_FLAT);
  size_t count = 0;
  int i;
  assert_int_equal(qv_index_export_npy(s->hnsw, s->npy_vectors, s->npy_keys), QV_OK);
  assert_int_equal(qv_index_import_npy(copy, s->npy_vectors, s->npy_keys), QV_OK);
  assert_int_equal(qv_index_count(copy, &count), QV_OK);
  assert_int_equal(count, s->live_count);
  for (i = 0; i < 200; ++i) {
    uint64_t key = qvt_rng_below(&s->rng, KEYSPACE);
    float v[DIM];
    qv_status st = qv_index_get(copy, key, v);
    if (!s->live[key]) {
      assert_int_equal(st, QV_ERR_NOT_FOUND);
      continue;
    }
    assert_int_equal(st, QV_OK);
    assert_memory_equal(v, s->vectors + key * DIM, sizeof v);
  }
  qv_index_free(copy);
  ++s->npy_trips;
}

static void test_soak(void** state) {
  soak* s = calloc(1, sizeof *s);
  double start = qvt_now(), last_report = start;
  const char* tmp = getenv("TMPDIR");
  (void)state;
  qvt_rng_seed(&s->rng, soak_seed);
  s->vectors = qvt_gaussian_mixture(KEYSPACE, DIM, 50, 0.25, soak_seed ^ 0x5eed);
  s->hnsw = make(QV_INDEX_HNSW);
  s->flat = make(QV_INDEX_FLAT);
  s->min_recall = 1.0;
  s->dir = qvt_path_join(tmp && *tmp ? tmp : "/tmp", "qv-soak-XXXXXX");
  assert_non_null(mkdtemp(s->dir));
  s->path = qvt_path_join(s->dir, "soak.qv");
  s->npy_vectors = qvt_path_join(s->dir, "vectors.npy");
  s->npy_keys = qvt_path_join(s->dir, "keys.npy");
  printf("[ info     ] soak: %.0f s, seed %llu\n", soak_seconds, (unsigned long long)soak_seed);

  while (qvt_now() - start < soak_seconds) {
    const size_t op = qvt_rng_below(&s->rng, 100);
    ++s->rounds;
    insert_some(s);
    remove_some(s, qvt_rng_below(&s->rng, 150));
    if (s->live_count > MAX_LIVE * 9 / 10) remove_some(s, s->live_count / 3);
    check_counts(s);
    check_search(s, s->hnsw);
    check_metadata(s, s->hnsw);
    if (op < 15)
      save_and_reopen(s);
    else if (op < 20)
      compact(s);
    else if (op < 23)
      npy_round_trip(s);
    if (qvt_now() - last_report >= 10) {
      last_report = qvt_now();
      printf(
          "[ info     ] %5.0f s: %lu rounds, %zu live, %lu adds, %lu removes, %lu saves, "
          "%lu reopened, %lu compacts, %lu npy, min recall %.3f\n",
          last_report - start, s->rounds, s->live_count, s->adds, s->removes, s->saves, s->reopens,
          s->compacts, s->npy_trips, s->min_recall);
      fflush(stdout);
    }
  }
  printf(
      "[ info     ] done: %lu rounds, %lu adds, %lu removes, %lu searches, %lu saves, %lu "
      "compacts, min recall@%d %.3f\n",
      s->rounds, s->adds, s->removes, s->searches, s->saves, s->compacts, K, s->min_recall);
  qv_index_free(s->hnsw);
  qv_index_free(s->flat);
  unlink(s->path);
  unlink(s->npy_vectors);
  unlink(s->npy_keys);
  rmdir(s->dir);
  free(s->path);
  free(s->npy_vectors);
  free(s->npy_keys);
  free(s->dir);
  free(s->vectors);
  free(s);
}

int main(int argc, char** argv) {
  const struct CMUnitTest tests[] = {QVT_TIMED(test_soak)};
  const char* env = getenv("QV_SOAK_SECONDS");
  const char* seed = getenv("QV_SOAK_SEED");
  if (argc > 1)
    soak_seconds = atof(argv[1]);
  else if (env && *env)
    soak_seconds = atof(env);
  soak_seed = seed && *seed ? strtoull(seed, NULL, 10) : (uint64_t)time(NULL);
  return cmocka_run_group_tests(tests, NULL, NULL);
}
