/*
 * The callback embedder through the C API: what the callback receives
 * (texts, lengths, user pointer), its errors becoming QV_ERR_EMBEDDING with
 * its message, NaN/Inf rejected, the caller's buffer untouched on failure,
 * argument checks, and calls serialised across threads.
 */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "qv_test_support.h"

#define DIM 4

typedef struct recorder {
  int calls;
  size_t last_n;
  char last_text[64];
  size_t last_length;
  int last_text_nul_terminated;
  size_t last_err_len;
  int mode;    /* 0 ok, 1 fail with message, 2 fail silently, 3 NaN, 4 Inf, 5 long message */
  int in_call; /* for the concurrency test */
  int max_in_call;
  pthread_mutex_t mutex;
} recorder;

/* out[i] = (i, len(text_i), 1, 2) */
static int embed_fn(void* user, size_t n, const char* const* texts, const size_t* lengths,
                    float* out, char* err, size_t err_len) {
  recorder* r = user;
  r->calls++;
  r->last_n = n;
  if (n > 0) {
    snprintf(r->last_text, sizeof r->last_text, "%s", texts[n - 1]);
    r->last_length = lengths[n - 1];
    r->last_text_nul_terminated = texts[n - 1][lengths[n - 1]] == '\0';
  }
  r->last_err_len = err_len; /* no cmocka assertions in here: C++ frames are below */
  switch (r->mode) {
    case 1:
      snprintf(err, err_len, "model not loaded: call load() first");
      return 7;
    case 2:
      return -1;
    case 5:
      memset(err, 'x', err_len);
      return 1; /* no terminating NUL */
    default:
      break;
  }
  for (size_t i = 0; i < n; ++i) {
    out[i * DIM + 0] = (float)i;
    out[i * DIM + 1] = (float)lengths[i];
    out[i * DIM + 2] = 1.0f;
    out[i * DIM + 3] = 2.0f;
  }
  if (r->mode == 3) out[(n - 1) * DIM + 2] = NAN;
  if (r->mode == 4) out[DIM - 1] = -INFINITY;
  return 0;
}

static qv_embedder* make(recorder* r) {
  memset(r, 0, sizeof *r);
  qv_embedder* e = NULL;
  assert_int_equal(qv_embedder_create_callback(DIM, embed_fn, r, &e), QV_OK);
  assert_non_null(e);
  return e;
}

static void test_callback_receives_texts_and_fills_vectors(void** state) {
  (void)state;
  recorder r;
  qv_embedder* e = make(&r);
  const char* texts[3] = {"one", "three", "caf\xc3\xa9"};
  float out[3 * DIM];
  assert_int_equal(qv_embedder_embed(e, 3, texts, out), QV_OK);
  assert_int_equal(r.calls, 1); /* one call per batch */
  assert_int_equal(r.last_n, 3);
  assert_string_equal(r.last_text, "caf\xc3\xa9");
  assert_int_equal(r.last_length, 5);
  assert_true(r.last_text_nul_terminated);
  assert_true(r.last_err_len >= 256); /* as the header promises */
  for (int i = 0; i < 3; ++i) {
    assert_true(out[i * DIM] == (float)i);
    assert_true(out[i * DIM + 1] == (float)strlen(texts[i]));
  }
  uint32_t dim = 0;
  assert_int_equal(qv_embedder_dim(e, &dim), QV_OK);
  assert_int_equal(dim, DIM);
  /* Queries go through the same function. */
  assert_int_equal(qv_embedder_embed_ex(e, QV_EMBED_QUERY, 1, texts, NULL, out), QV_OK);
  assert_int_equal(r.calls, 2);
  /* n == 0 does not call it. */
  assert_int_equal(qv_embedder_embed(e, 0, texts, out), QV_OK);
  assert_int_equal(r.calls, 2);
  qv_embedder_free(e);
}

static void test_explicit_lengths_arrive_nul_terminated(void** state) {
  (void)state;
  recorder r;
  qv_embedder* e = make(&r);
  const char buffer[] = "abcdef"; /* pass "abc" only: not NUL-terminated at 3 */
  const char* texts[1] = {buffer};
  size_t len = 3;
  float out[DIM];
  assert_int_equal(qv_embedder_embed_ex(e, QV_EMBED_DOCUMENT, 1, texts, &len, out), QV_OK);
  assert_int_equal(r.last_length, 3);
  assert_string_equal(r.last_text, "abc");
  assert_true(r.last_text_nul_terminated);
  assert_true(out[1] == 3.0f);
  qv_embedder_free(e);
}

static void test_callback_error_becomes_embedding_error_with_its_message(void** state) {
  (void)state;
  recorder r;
  qv_embedder* e = make(&r);
  const char* texts[2] = {"a", "b"};
  float out[2 * DIM];
  for (int i = 0; i < 2 * DIM; ++i) out[i] = 42.0f;

  r.mode = 1;
  assert_int_equal(qv_embedder_embed(e, 2, texts, out), QV_ERR_EMBEDDING);
  assert_true(qvt_contains(qv_last_error(), "model not loaded: call load() first"));
  for (int i = 0; i < 2 * DIM; ++i) assert_true(out[i] == 42.0f);

  r.mode = 2;
  assert_int_equal(qv_embedder_embed(e, 2, texts, out), QV_ERR_EMBEDDING);
  assert_true(qvt_contains(qv_last_error(), "-1"));
  assert_true(qvt_contains(qv_last_error(), "without a message"));

  r.mode = 5; /* an unterminated message is cut, never overread */
  assert_int_equal(qv_embedder_embed(e, 2, texts, out), QV_ERR_EMBEDDING);
  assert_true(qvt_contains(qv_last_error(), "xxxxxxxx"));
  assert_true(strlen(qv_last_error()) < 2048);

  r.mode = 0;
  assert_int_equal(qv_embedder_embed(e, 2, texts, out), QV_OK);
  qv_embedder_free(e);
}

static void test_nan_and_inf_from_callback_are_rejected(void** state) {
  (void)state;
  recorder r;
  qv_embedder* e = make(&r);
  const char* texts[2] = {"a", "b"};
  float out[2 * DIM];
  for (int i = 0; i < 2 * DIM; ++i) out[i] = 42.0f;
  r.mode = 3;
  assert_int_equal(qv_embedder_embed(e, 2, texts, out), QV_ERR_EMBEDDING);
  assert_true(qvt_contains(qv_last_error(), "NaN"));
  assert_true(qvt_contains(qv_last_error(), "text 1"));
  r.mode = 4;
  assert_int_equal(qv_embedder_embed(e, 2, texts, out), QV_ERR_EMBEDDING);
  assert_true(qvt_contains(qv_last_error(), "infinity"));
  for (int i = 0; i < 2 * DIM; ++i) assert_true(out[i] == 42.0f);
  qv_embedder_free(e);
}

static void test_create_checks_arguments(void** state) {
  (void)state;
  recorder r;
  qv_embedder* e = NULL;
  assert_int_equal(qv_embedder_create_callback(DIM, NULL, &r, &e), QV_ERR_INVALID_ARGUMENT);
  assert_true(qvt_contains(qv_last_error(), "fn"));
  assert_int_equal(qv_embedder_create_callback(0, embed_fn, &r, &e), QV_ERR_INVALID_ARGUMENT);
  assert_int_equal(qv_embedder_create_callback(QV_MAX_DIM + 1, embed_fn, &r, &e),
                   QV_ERR_INVALID_ARGUMENT);
  assert_int_equal(qv_embedder_create_callback(DIM, embed_fn, &r, NULL), QV_ERR_INVALID_ARGUMENT);
  assert_null(e);
  /* user may be NULL: it is passed through untouched. */
}

/* Counts how many threads are inside the function at once. */
static int counting_fn(void* user, size_t n, const char* const* texts, const size_t* lengths,
                       float* out, char* err, size_t err_len) {
  (void)texts, (void)lengths, (void)err, (void)err_len;
  recorder* r = user;
  pthread_mutex_lock(&r->mutex);
  r->in_call++;
  if (r->in_call > r->max_in_call) r->max_in_call = r->in_call;
  pthread_mutex_unlock(&r->mutex);
  for (volatile int spin = 0; spin < 20000; ++spin) {
  }
  for (size_t i = 0; i < n * DIM; ++i) out[i] = 0.5f;
  pthread_mutex_lock(&r->mutex);
  r->in_call--;
  r->calls++;
  pthread_mutex_unlock(&r->mutex);
  return 0;
}

static void* embed_many(void* p) {
  qv_embedder* e = p;
  const char* texts[2] = {"x", "y"};
  float out[2 * DIM];
  for (int i = 0; i < 200; ++i)
    if (qv_embedder_embed(e, 2, texts, out) != QV_OK) return (void*)1;
  return NULL;
}

static void test_calls_are_serialised_across_threads(void** state) {
  (void)state;
  recorder r;
  memset(&r, 0, sizeof r);
  pthread_mutex_init(&r.mutex, NULL);
  qv_embedder* e = NULL;
  assert_int_equal(qv_embedder_create_callback(DIM, counting_fn, &r, &e), QV_OK);
  pthread_t t[4];
  for (int i = 0; i < 4; ++i) pthread_create(&t[i], NULL, embed_many, e);
  for (int i = 0; i < 4; ++i) {
    void* rc;
    pthread_join(t[i], &rc);
    assert_null(rc);
  }
  assert_int_equal(r.calls, 800);
  assert_int_equal(r.max_in_call, 1);
  qv_embedder_free(e);
  pthread_mutex_destroy(&r.mutex);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_callback_receives_texts_and_fills_vectors),
      cmocka_unit_test(test_explicit_lengths_arrive_nul_terminated),
      cmocka_unit_test(test_callback_error_becomes_embedding_error_with_its_message),
      cmocka_unit_test(test_nan_and_inf_from_callback_are_rejected),
      cmocka_unit_test(test_create_checks_arguments),
      cmocka_unit_test(test_calls_are_serialised_across_threads),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
