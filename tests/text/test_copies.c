/* qv_index_copy_metadata and qv_index_copy_document: copies made under the
 * index's locks, sized by a first call with capacity 0, truncated to the
 * capacity, errors; and (TSan) whole copies while another thread keeps
 * replacing the metadata and the document: a copy is always one version,
 * never a torn or freed one. */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka.h needs the four headers above first. */
#include <cmocka.h>
#include <pthread.h>
#include <quiver/quiver.h>
#include <stdlib.h>
#include <string.h>

#include "qv_test_support.h"

#define DIM 64

static qv_index* text_index(void) {
  qv_index_options o;
  qv_index* index = NULL;
  qv_embedder* e = NULL;
  qv_index_options_init(&o);
  o.dim = DIM;
  o.metric = QV_METRIC_COSINE;
  o.kind = QV_INDEX_FLAT;
  assert_int_equal(qv_index_create(&o, &index), QV_OK);
  assert_int_equal(qv_embedder_create_hashing(DIM, &e), QV_OK);
  assert_int_equal(qv_index_set_embedder(index, e), QV_OK);
  qv_embedder_free(e);
  return index;
}

static void test_copy_metadata(void** state) {
  qv_index* index = text_index();
  float v[DIM] = {1.0f};
  char buf[16];
  size_t len = 0;
  (void)state;
  assert_int_equal(qv_index_add(index, 7, v), QV_OK);
  assert_int_equal(qv_index_copy_metadata(index, 7, NULL, 0, &len), QV_ERR_NOT_FOUND);
  assert_int_equal(qv_index_set_metadata(index, 7, "hello, world", 12), QV_OK);
  assert_int_equal(qv_index_copy_metadata(index, 7, NULL, 0, &len), QV_OK);
  assert_int_equal(len, 12);
  memset(buf, '#', sizeof buf);
  assert_int_equal(qv_index_copy_metadata(index, 7, buf, 5, &len), QV_OK);
  assert_int_equal(len, 12);
  assert_memory_equal(buf, "hello#", 6); /* at most the capacity */
  assert_int_equal(qv_index_copy_metadata(index, 7, buf, sizeof buf, &len), QV_OK);
  assert_memory_equal(buf, "hello, world", 12);
  assert_int_equal(qv_index_copy_metadata(index, 8, buf, sizeof buf, &len), QV_ERR_NOT_FOUND);
  assert_int_equal(qv_index_copy_metadata(index, 7, NULL, 4, &len), QV_ERR_INVALID_ARGUMENT);
  assert_int_equal(qv_index_copy_metadata(index, 7, buf, 4, NULL), QV_ERR_INVALID_ARGUMENT);
  assert_int_equal(qv_index_copy_metadata(NULL, 7, buf, 4, &len), QV_ERR_INVALID_ARGUMENT);
  qv_index_free(index);
}

static void test_copy_document(void** state) {
  qv_index* index = text_index();
  char source[8], fields[64];
  size_t sl = 99, fl = 99;
  (void)state;
  assert_int_equal(
      qv_index_upsert_text(index, 1, "bees and honey", "notes/bees.md", "{\"lang\":\"en\"}"),
      QV_OK);
  assert_int_equal(qv_index_copy_document(index, 1, NULL, 0, &sl, NULL, 0, &fl), QV_OK);
  assert_int_equal(sl, 13);
  assert_int_equal(fl, 13);
  memset(source, '#', sizeof source);
  assert_int_equal(
      qv_index_copy_document(index, 1, source, sizeof source, &sl, fields, sizeof fields, &fl),
      QV_OK);
  assert_memory_equal(source, "notes/be", 8); /* cut at the capacity */
  assert_memory_equal(fields, "{\"lang\":\"en\"}", 13);
  /* A document added before documents had entries: no source, no fields. */
  assert_int_equal(qv_index_add_text(index, 2, "rivers flood valleys"), QV_OK);
  assert_int_equal(
      qv_index_copy_document(index, 2, source, sizeof source, &sl, fields, sizeof fields, &fl),
      QV_OK);
  assert_int_equal(sl, 0);
  assert_int_equal(fl, 0);
  assert_int_equal(qv_index_copy_document(index, 3, source, 8, &sl, fields, 8, &fl),
                   QV_ERR_NOT_FOUND);
  assert_int_equal(
      qv_index_copy_document(index, QV_MAX_DOC_KEY + 1, source, 8, &sl, fields, 8, &fl),
      QV_ERR_INVALID_ARGUMENT);
  assert_int_equal(qv_index_copy_document(index, 1, NULL, 8, &sl, fields, 8, &fl),
                   QV_ERR_INVALID_ARGUMENT);
  assert_int_equal(qv_index_copy_document(index, 1, source, 8, NULL, fields, 8, &fl),
                   QV_ERR_INVALID_ARGUMENT);
  assert_int_equal(qv_index_remove_text(index, 1), QV_OK);
  assert_int_equal(qv_index_copy_document(index, 1, source, 8, &sl, fields, 8, &fl),
                   QV_ERR_NOT_FOUND);
  qv_index_free(index);
}

/* Two versions of everything, told apart by length and letter. */
#define SHORT_LEN 100
#define LONG_LEN 3000
typedef struct shared {
  qv_index* index;
  int stop;
  int bad;
  char short_blob[SHORT_LEN + 1], long_blob[LONG_LEN + 1];
} shared;

static int is_one_version(const char* p, size_t len) {
  size_t i;
  const char c = len == SHORT_LEN ? 'a' : len == LONG_LEN ? 'b' : 0;
  if (!c) return 0;
  for (i = 0; i < len; ++i)
    if (p[i] != c) return 0;
  return 1;
}

static void* copier(void* arg) {
  shared* s = arg;
  char* a = malloc(LONG_LEN);
  char* b = malloc(LONG_LEN);
  while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
    size_t la = 0, lb = 0;
    if (qv_index_copy_metadata(s->index, 5, a, LONG_LEN, &la) != QV_OK || !is_one_version(a, la))
      __atomic_store_n(&s->bad, 1, __ATOMIC_RELEASE);
    if (qv_index_copy_document(s->index, 1, a, LONG_LEN, &la, b, LONG_LEN, &lb) != QV_OK ||
        !is_one_version(a, la) || !is_one_version(b, lb))
      __atomic_store_n(&s->bad, 2, __ATOMIC_RELEASE);
  }
  free(a);
  free(b);
  return NULL;
}

static void test_copies_while_changing(void** state) {
  shared s;
  pthread_t readers[2];
  float v[DIM] = {0.5f};
  int round, i;
  (void)state;
  memset(&s, 0, sizeof s);
  memset(s.short_blob, 'a', SHORT_LEN);
  memset(s.long_blob, 'b', LONG_LEN);
  s.index = text_index();
  assert_int_equal(qv_index_add(s.index, 5, v), QV_OK);
  assert_int_equal(qv_index_set_metadata(s.index, 5, s.short_blob, SHORT_LEN), QV_OK);
  assert_int_equal(qv_index_upsert_text(s.index, 1, "first version", s.short_blob, s.short_blob),
                   QV_OK);
  for (i = 0; i < 2; ++i) assert_int_equal(pthread_create(&readers[i], NULL, copier, &s), 0);
  for (round = 0; round < (int)qvt_scaled(300); ++round) {
    const char* blob = round % 2 ? s.short_blob : s.long_blob;
    const size_t len = round % 2 ? SHORT_LEN : LONG_LEN;
    assert_int_equal(qv_index_set_metadata(s.index, 5, blob, len), QV_OK);
    assert_int_equal(
        qv_index_upsert_text(s.index, 1, round % 2 ? "odd version" : "even version", blob, blob),
        QV_OK);
  }
  __atomic_store_n(&s.stop, 1, __ATOMIC_RELEASE);
  for (i = 0; i < 2; ++i) pthread_join(readers[i], NULL);
  if (s.bad) fail_msg("a copy was torn or failed (%s)", s.bad == 1 ? "metadata" : "document");
  qv_index_free(s.index);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_copy_metadata),
      cmocka_unit_test(test_copy_document),
      cmocka_unit_test(test_copies_while_changing),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
