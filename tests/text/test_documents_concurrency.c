/*
 * qv_index_upsert_text is atomic for text searches (quiver.h, "Documents"):
 * searcher threads run qv_index_search_text_chunks, qv_index_search_text,
 * qv_index_search_keywords and qv_index_search_hybrid for words of one
 * document while a writer upserts it again and again, each version with a
 * different number of chunks. Every search must find the document, and the
 * chunks it returns must all belong to one version, all of it. Run under
 * ThreadSanitizer by the concurrency job.
 *
 * A chunk's version is told by its number alone: the writer's versions
 * follow each other on the chunk ring (version v has chunk numbers
 * [first[v], first[v] + count[v]), first[v + 1] = first[v] + count[v]),
 * and the test stays clear of wrapping, so no two versions share a number.
 */
#define _POSIX_C_SOURCE 200809L
/* cmocka.h needs these four first. */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
/* clang-format on */

#include <pthread.h>
#include <quiver/quiver.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qv_test_support.h"

#define DIM 128
#define SEARCHERS 4
#define DOC 1
#define MAX_VERSIONS 4000 /* chunk numbers stay below 65536: no wrapping */
#define SECONDS 3.0

typedef struct shared {
  qv_index* index;
  uint32_t first[MAX_VERSIONS + 1];
  uint32_t count[MAX_VERSIONS + 1];
  qvt_failures failures;
  int stop; /* guarded by mutex */
  size_t searches, versions;
  pthread_mutex_t mutex;
} shared;

static unsigned chunks_of(unsigned v) { return 1 + v % 4; }

static const char* version_text(char* buf, size_t size, unsigned v) {
  size_t at = 0;
  unsigned i;
  for (i = 0; i < chunks_of(v); ++i)
    at += (size_t)snprintf(buf + at, size - at, "%sver%u kiwi mango papaya%u", i ? " " : "", v, i);
  return buf;
}

static int stopped(shared* s) {
  int v;
  pthread_mutex_lock(&s->mutex);
  v = s->stop;
  pthread_mutex_unlock(&s->mutex);
  return v;
}

/* The version that chunk number `n` belongs to (0 if none). */
static unsigned version_of(const shared* s, uint32_t n) {
  unsigned v;
  for (v = 1; v <= MAX_VERSIONS; ++v)
    if (n >= s->first[v] && n < s->first[v] + s->count[v]) return v;
  return 0;
}

/* The chunks of DOC among keys: one version, whole. */
static void check_chunks(shared* s, const char* call, const uint64_t* keys, size_t found) {
  unsigned version = 0;
  size_t mine = 0, i;
  for (i = 0; i < found; ++i) {
    unsigned v;
    if (QV_DOC_KEY(keys[i]) != DOC) continue;
    ++mine;
    v = version_of(s, QV_CHUNK_NUMBER(keys[i]));
    if (v == 0 || (version && v != version)) {
      qvt_failf(&s->failures, "%s: chunks of versions %u and %u in one result", call, version, v);
      return;
    }
    version = v;
  }
  if (mine == 0)
    qvt_failf(&s->failures, "%s: the document is missing (neither version)", call);
  else if (mine != s->count[version])
    qvt_failf(&s->failures, "%s: %zu chunks of version %u, which has %u", call, mine, version,
              s->count[version]);
}

static void* searcher(void* p) {
  shared* s = p;
  size_t n = 0;
  /* HNSW: a candidate list that holds the whole small graph, tombstones of
   * earlier versions included, so that a miss can only be the upsert's. */
  qv_search_params params = QV_SEARCH_PARAMS_INIT;
  const qv_search_params* sp = &params;
  params.ef = 1024;
  while (!stopped(s)) {
    uint64_t keys[16], docs[4], chunks[4];
    float dist[16];
    size_t found = 0, i;
    int seen = 0;
    qv_status st;
    st = qv_index_search_text_chunks(s->index, "kiwi mango", 8, sp, keys, dist, &found);
    if (st == QV_OK) check_chunks(s, "search_text_chunks", keys, found);
    if (st == QV_OK) st = qv_index_search_keywords(s->index, "kiwi", 16, sp, keys, NULL, &found);
    if (st == QV_OK) check_chunks(s, "search_keywords", keys, found);
    if (st == QV_OK) st = qv_index_search_text(s->index, "kiwi mango", 3, sp, docs, dist, &found);
    for (i = 0; st == QV_OK && i < found; ++i) seen |= docs[i] == DOC;
    if (st == QV_OK && !seen) qvt_failf(&s->failures, "search_text: the document is missing");
    if (st == QV_OK)
      st = qv_index_search_hybrid(s->index, "kiwi mango", 3, sp, docs, chunks, NULL, &found);
    for (i = 0, seen = 0; st == QV_OK && i < found; ++i)
      if (docs[i] == DOC) {
        seen = 1;
        if (version_of(s, QV_CHUNK_NUMBER(chunks[i])) == 0)
          qvt_failf(&s->failures, "search_hybrid: chunk %u of no version",
                    QV_CHUNK_NUMBER(chunks[i]));
      }
    if (st == QV_OK && !seen) qvt_failf(&s->failures, "search_hybrid: the document is missing");
    if (st != QV_OK) {
      qvt_failf(&s->failures, "search: %s: %s", qv_status_string(st), qv_last_error());
      break;
    }
    ++n;
  }
  pthread_mutex_lock(&s->mutex);
  s->searches += n;
  pthread_mutex_unlock(&s->mutex);
  return NULL;
}

static void check_upserts_are_atomic(qv_index_kind kind) {
  static const char* const others[] = {"lemon pear plum grape",     "river stone bridge tower",
                                       "violin cello drum flute",   "granite basalt marble slate",
                                       "comet orbit planet nebula", "tulip rose daisy lily"};
  shared* s = calloc(1, sizeof *s);
  pthread_t threads[SEARCHERS];
  qv_embedder* emb = NULL;
  qv_text_options o;
  char text[1024];
  unsigned v;
  size_t i;
  double start;
  assert_non_null(s);
  pthread_mutex_init(&s->mutex, NULL);
  qvt_failures_init(&s->failures);
  s->index = qvt_create_index(DIM, QV_METRIC_COSINE, kind);
  assert_non_null(s->index);
  assert_int_equal(qv_embedder_create_hashing(DIM, &emb), QV_OK);
  assert_int_equal(qv_index_set_embedder(s->index, emb), QV_OK);
  qv_embedder_free(emb);
  qv_text_options_init(&o);
  o.unit = QV_CHUNK_TOKENS;
  o.chunk_size = 4;
  o.chunk_overlap = 0;
  assert_int_equal(qv_index_set_text_options(s->index, &o), QV_OK);
  for (i = 0; i < sizeof others / sizeof others[0]; ++i)
    assert_int_equal(qv_index_add_text(s->index, 100 + i, others[i]), QV_OK);
  /* Every version's chunk numbers, known before any search runs. */
  s->first[1] = 0;
  for (v = 1; v <= MAX_VERSIONS; ++v) {
    s->count[v] = chunks_of(v);
    if (v < MAX_VERSIONS) s->first[v + 1] = s->first[v] + s->count[v];
  }
  assert_true(s->first[MAX_VERSIONS] + s->count[MAX_VERSIONS] < 65536);
  assert_int_equal(
      qv_index_upsert_text(s->index, DOC, version_text(text, sizeof text, 1), "v1", NULL), QV_OK);
  for (i = 0; i < SEARCHERS; ++i)
    assert_int_equal(pthread_create(&threads[i], NULL, searcher, s), 0);
  start = qvt_now();
  for (v = 2; v <= MAX_VERSIONS && qvt_now() - start < SECONDS; ++v) {
    char source[16];
    qv_status st;
    snprintf(source, sizeof source, "v%u", v);
    st = qv_index_upsert_text(s->index, DOC, version_text(text, sizeof text, v), source, NULL);
    if (st != QV_OK) {
      qvt_failf(&s->failures, "upsert %u: %s: %s", v, qv_status_string(st), qv_last_error());
      break;
    }
    s->versions = v;
  }
  pthread_mutex_lock(&s->mutex);
  s->stop = 1;
  pthread_mutex_unlock(&s->mutex);
  for (i = 0; i < SEARCHERS; ++i) pthread_join(threads[i], NULL);
  printf("%s: %zu versions, %zu searches (4 calls each)\n", kind == QV_INDEX_FLAT ? "FLAT" : "HNSW",
         s->versions, s->searches);
  if (qvt_failures_count(&s->failures))
    fail_msg("%lu failures, first: %s", qvt_failures_count(&s->failures), s->failures.first);
  assert_true(s->versions >= 10 && s->searches >= 10);
  {
    uint64_t count = 0;
    assert_int_equal(qv_index_count(s->index, &count), QV_OK);
    assert_int_equal(count, chunks_of((unsigned)s->versions) + sizeof others / sizeof others[0]);
  }
  qv_index_free(s->index);
  qvt_failures_destroy(&s->failures);
  pthread_mutex_destroy(&s->mutex);
  free(s);
}

static void test_upserts_flat(void** state) {
  (void)state;
  check_upserts_are_atomic(QV_INDEX_FLAT);
}

static void test_upserts_hnsw(void** state) {
  (void)state;
  check_upserts_are_atomic(QV_INDEX_HNSW);
}

int main(void) {
  const struct CMUnitTest tests[] = {QVT_TIMED(test_upserts_flat), QVT_TIMED(test_upserts_hnsw)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
