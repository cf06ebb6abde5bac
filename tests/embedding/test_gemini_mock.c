/*
 * The Gemini embedder through the C API, over real HTTP (libcurl) against
 * the mock server in support/ on 127.0.0.1: request shape and header,
 * batching, and every failure scenario (429 with retryDelay, 5xx, 400 with a
 * message, malformed JSON, wrong count, wrong dimension, a slow answer past
 * the timeout, a dropped connection). No test touches the internet. Retry
 * delays are milliseconds here; back-off arithmetic and rate limiting are
 * tested with a fake clock in test_gemini_internals.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mock_gemini.h"
#include "qv_test_support.h"

#define KEY "AIzaSyMOCK-0123456789-secret"
#define MODEL "gemini-embedding-001"
#define DIM 128

static qvt_mock_gemini* mock;

static int start_mock(void** state) {
  (void)state;
  mock = qvt_mock_gemini_start(KEY, MODEL);
  return mock ? 0 : -1;
}

static int stop_mock(void** state) {
  (void)state;
  qvt_mock_gemini_stop(mock);
  mock = NULL;
  return 0;
}

/* Options for fast tests: the mock's URL, tiny back-off, no rate limit. */
static void fast_options(qv_gemini_options* o) {
  qv_gemini_options_init(o);
  o->api_key = KEY;
  o->base_url = qvt_mock_gemini_url(mock);
  o->output_dim = DIM;
  o->requests_per_minute = 0;
  o->initial_backoff_ms = 5;
  o->max_backoff_ms = 20;
  o->timeout_ms = 10000;
  o->max_concurrent_requests = 1;
}

static qv_embedder* make(const qv_gemini_options* o) {
  qv_embedder* e = NULL;
  qv_status s = qv_embedder_create_gemini(o, &e);
  if (s != QV_OK) fail_msg("create_gemini: %s %s", qv_status_string(s), qv_last_error());
  return e;
}

static qv_embedder* make_fast(void) {
  qv_gemini_options o;
  fast_options(&o);
  return make(&o);
}

/* got (n x dim) must be the mock's vectors for texts, L2-normalised. */
static void expect_vectors(const char* const* texts, size_t n, uint32_t dim, const float* got) {
  float* v = malloc(dim * sizeof(float));
  for (size_t i = 0; i < n; ++i) {
    qvt_mock_gemini_expected_vector(texts[i], strlen(texts[i]), dim, v);
    double n2 = 0;
    for (uint32_t j = 0; j < dim; ++j) n2 += (double)v[j] * v[j];
    for (uint32_t j = 0; j < dim; ++j) {
      const double want = v[j] / sqrt(n2);
      if (fabs(got[i * dim + j] - want) > 1e-5)
        fail_msg("text %zu component %u: got %g, want %g", i, j, (double)got[i * dim + j], want);
    }
  }
  free(v);
}

static void expect_no_violation(void) {
  const char* v = qvt_mock_gemini_violation(mock);
  if (v[0]) fail_msg("request shape: %s", v);
}

static const char* kTexts[3] = {"The cat sat on the mat.", "Vector search with \"quotes\"\n",
                                "caf\xc3\xa9 \xe2\x98\x95"};

static void test_success_sends_the_documented_request(void** state) {
  (void)state;
  qv_embedder* e = make_fast();
  float out[3 * DIM];
  assert_int_equal(qv_embedder_embed(e, 3, kTexts, out), QV_OK);
  expect_no_violation();
  assert_int_equal(qvt_mock_gemini_requests(mock), 1);
  assert_int_equal(qvt_mock_gemini_request_texts(mock, 0), 3);
  assert_int_equal(qvt_mock_gemini_request_dim(mock, 0), DIM);
  assert_false(qvt_mock_gemini_request_is_query(mock, 0));
  for (size_t j = 0; j < 3; ++j) {
    char* t = qvt_mock_gemini_request_text(mock, 0, j);
    assert_string_equal(t, kTexts[j]);
    free(t);
  }
  expect_vectors(kTexts, 3, DIM, out);

  /* Queries: RETRIEVAL_QUERY. */
  assert_int_equal(qv_embedder_embed_ex(e, QV_EMBED_QUERY, 1, kTexts, NULL, out), QV_OK);
  assert_int_equal(qvt_mock_gemini_requests(mock), 2);
  assert_true(qvt_mock_gemini_request_is_query(mock, 1));
  expect_no_violation();
  uint32_t dim = 0;
  assert_int_equal(qv_embedder_dim(e, &dim), QV_OK);
  assert_int_equal(dim, DIM);
  qv_embedder_free(e);
}

static void test_250_texts_go_out_in_3_requests_of_at_most_100(void** state) {
  (void)state;
  enum { N = 250 };
  static char storage[N][32];
  static const char* texts[N];
  for (int i = 0; i < N; ++i) {
    snprintf(storage[i], sizeof storage[i], "passage number %d", i);
    texts[i] = storage[i];
  }
  for (unsigned concurrency = 1; concurrency <= 4; concurrency += 3) {
    qvt_mock_gemini_reset(mock);
    qv_gemini_options o;
    fast_options(&o);
    o.max_concurrent_requests = concurrency;
    qv_embedder* e = make(&o);
    float* out = malloc((size_t)N * DIM * sizeof(float));
    assert_int_equal(qv_embedder_embed(e, N, texts, out), QV_OK);
    expect_no_violation();
    assert_int_equal(qvt_mock_gemini_requests(mock), 3);
    size_t total = 0;
    for (size_t r = 0; r < 3; ++r) {
      const size_t k = qvt_mock_gemini_request_texts(mock, r);
      assert_true(k >= 1 && k <= 100);
      total += k;
    }
    assert_int_equal(total, N);
    expect_vectors(texts, N, DIM, out); /* in the order of the texts */
    free(out);
    qv_embedder_free(e);
  }
}

static void test_batch_size_option_splits_requests(void** state) {
  (void)state;
  qv_gemini_options o;
  fast_options(&o);
  o.batch_size = 2;
  qv_embedder* e = make(&o);
  float out[3 * DIM];
  assert_int_equal(qv_embedder_embed(e, 3, kTexts, out), QV_OK);
  assert_int_equal(qvt_mock_gemini_requests(mock), 2);
  assert_int_equal(qvt_mock_gemini_request_texts(mock, 0), 2);
  assert_int_equal(qvt_mock_gemini_request_texts(mock, 1), 1);
  expect_vectors(kTexts, 3, DIM, out);
  qv_embedder_free(e);
}

static void test_429_with_retry_delay_is_retried_after_the_delay(void** state) {
  (void)state;
  qvt_mock_gemini_push(mock, QVT_MOCK_HTTP_ERROR, 429,
                       "{\"error\":{\"code\":429,\"message\":\"Resource has been exhausted\","
                       "\"status\":\"RESOURCE_EXHAUSTED\",\"details\":[{\"@type\":"
                       "\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"0.3s\"}]}}",
                       0, 0);
  qv_embedder* e = make_fast();
  float out[3 * DIM];
  const double t0 = qvt_now();
  assert_int_equal(qv_embedder_embed(e, 3, kTexts, out), QV_OK);
  const double elapsed = qvt_now() - t0;
  assert_int_equal(qvt_mock_gemini_requests(mock), 2);
  /* The back-off alone would be <= 20 ms; the server asked for 300 ms. */
  if (elapsed < 0.3) fail_msg("retried after %.3f s, before the 0.3 s retryDelay", elapsed);
  expect_vectors(kTexts, 3, DIM, out);
  qv_embedder_free(e);
}

static void test_500_then_success(void** state) {
  (void)state;
  qvt_mock_gemini_push(
      mock, QVT_MOCK_HTTP_ERROR, 500,
      "{\"error\":{\"code\":500,\"message\":\"Internal error\",\"status\":\"INTERNAL\"}}", 0, 0);
  qvt_mock_gemini_push(mock, QVT_MOCK_HTTP_ERROR, 503, "upstream connect error", 0, 0);
  qv_embedder* e = make_fast();
  float out[3 * DIM];
  assert_int_equal(qv_embedder_embed(e, 3, kTexts, out), QV_OK);
  assert_int_equal(qvt_mock_gemini_requests(mock), 3);
  expect_vectors(kTexts, 3, DIM, out);
  qv_embedder_free(e);
}

static void test_400_fails_at_once_with_the_server_message(void** state) {
  (void)state;
  qvt_mock_gemini_push(mock, QVT_MOCK_HTTP_ERROR, 400,
                       "{\"error\":{\"code\":400,\"message\":\"Request payload size exceeds the "
                       "limit: 10000 bytes.\",\"status\":\"INVALID_ARGUMENT\"}}",
                       0, 0);
  qv_embedder* e = make_fast();
  float out[3 * DIM];
  for (size_t i = 0; i < 3 * DIM; ++i) out[i] = 42.0f;
  assert_int_equal(qv_embedder_embed(e, 3, kTexts, out), QV_ERR_EMBEDDING);
  const char* msg = qv_last_error();
  assert_true(qvt_contains(msg, "Request payload size exceeds the limit: 10000 bytes."));
  assert_true(qvt_contains(msg, "400"));
  assert_false(qvt_contains(msg, KEY));
  assert_int_equal(qvt_mock_gemini_requests(mock), 1);
  for (size_t i = 0; i < 3 * DIM; ++i) assert_true(out[i] == 42.0f); /* untouched */
  qv_embedder_free(e);
}

static void test_auth_and_not_found_fail_at_once_without_leaking_the_key(void** state) {
  (void)state;
  const int statuses[3] = {401, 403, 404};
  qv_embedder* e = make_fast();
  float out[DIM];
  for (int i = 0; i < 3; ++i) {
    qvt_mock_gemini_reset(mock);
    char body[512];
    /* A server that echoes the key must not get it into our message. */
    snprintf(body, sizeof body,
             "{\"error\":{\"code\":%d,\"message\":\"API key not valid: %s. Please pass a valid "
             "API key.\",\"status\":\"PERMISSION_DENIED\"}}",
             statuses[i], KEY);
    qvt_mock_gemini_push(mock, QVT_MOCK_HTTP_ERROR, statuses[i], body, 0, 0);
    assert_int_equal(qv_embedder_embed(e, 1, kTexts, out), QV_ERR_EMBEDDING);
    const char* msg = qv_last_error();
    assert_true(qvt_contains(msg, "API key not valid"));
    assert_false(qvt_contains(msg, KEY));
    assert_false(qvt_contains(msg, "0123456789-secret"));
    assert_int_equal(qvt_mock_gemini_requests(mock), 1);
  }
  qv_embedder_free(e);
}

static void expect_malformed(qvt_mock_reply reply, const char* needle) {
  qvt_mock_gemini_reset(mock);
  qvt_mock_gemini_push(mock, reply, 200, NULL, 0, 0);
  qv_embedder* e = make_fast();
  float out[3 * DIM];
  for (size_t i = 0; i < 3 * DIM; ++i) out[i] = 42.0f;
  assert_int_equal(qv_embedder_embed(e, 3, kTexts, out), QV_ERR_EMBEDDING);
  if (!qvt_contains(qv_last_error(), needle))
    fail_msg("message \"%s\" does not mention \"%s\"", qv_last_error(), needle);
  assert_int_equal(qvt_mock_gemini_requests(mock), 1); /* a bad answer is not retried */
  for (size_t i = 0; i < 3 * DIM; ++i) assert_true(out[i] == 42.0f);
  qv_embedder_free(e);
}

static void test_malformed_json_is_an_embedding_error(void** state) {
  (void)state;
  expect_malformed(QVT_MOCK_MALFORMED, "not valid JSON");
}

static void test_wrong_count_is_an_embedding_error(void** state) {
  (void)state;
  expect_malformed(QVT_MOCK_WRONG_COUNT, "2 embeddings for 3 texts");
}

static void test_wrong_dimension_is_an_embedding_error(void** state) {
  (void)state;
  expect_malformed(QVT_MOCK_WRONG_DIM, "127 values, expected 128");
}

static void test_non_number_is_an_embedding_error(void** state) {
  (void)state;
  expect_malformed(QVT_MOCK_NON_NUMBER, "not a number");
}

static void test_slow_answer_past_the_timeout_fails(void** state) {
  (void)state;
  qvt_mock_gemini_push(mock, QVT_MOCK_SLOW, 200, NULL, 5000, 0);
  qv_gemini_options o;
  fast_options(&o);
  o.timeout_ms = 300;
  o.max_retries = 0;
  qv_embedder* e = make(&o);
  float out[DIM];
  const double t0 = qvt_now();
  assert_int_equal(qv_embedder_embed(e, 1, kTexts, out), QV_ERR_EMBEDDING);
  const double elapsed = qvt_now() - t0;
  assert_true(qvt_contains_nocase(qv_last_error(), "timeout") ||
              qvt_contains_nocase(qv_last_error(), "timed out"));
  if (elapsed > 3.0) fail_msg("the 300 ms timeout took %.2f s", elapsed);
  qv_embedder_free(e);
}

static void test_slow_answer_then_retry_succeeds(void** state) {
  (void)state;
  qvt_mock_gemini_push(mock, QVT_MOCK_SLOW, 200, NULL, 5000, 0);
  qv_gemini_options o;
  fast_options(&o);
  o.timeout_ms = 300;
  o.max_retries = 2;
  qv_embedder* e = make(&o);
  float out[3 * DIM];
  assert_int_equal(qv_embedder_embed(e, 3, kTexts, out), QV_OK);
  assert_int_equal(qvt_mock_gemini_requests(mock), 2);
  expect_vectors(kTexts, 3, DIM, out);
  qv_embedder_free(e);
}

static void test_dropped_connection_is_retried(void** state) {
  (void)state;
  qvt_mock_gemini_push(mock, QVT_MOCK_HANG_UP, 0, NULL, 0, 0);
  qv_embedder* e = make_fast();
  float out[3 * DIM];
  assert_int_equal(qv_embedder_embed(e, 3, kTexts, out), QV_OK);
  assert_int_equal(qvt_mock_gemini_requests(mock), 2);
  qv_embedder_free(e);
}

static void test_retries_give_up_after_max_retries(void** state) {
  (void)state;
  for (int i = 0; i < 3; ++i)
    qvt_mock_gemini_push(mock, QVT_MOCK_HTTP_ERROR, 503,
                         "{\"error\":{\"code\":503,\"message\":\"The model is overloaded.\","
                         "\"status\":\"UNAVAILABLE\"}}",
                         0, 0);
  qv_gemini_options o;
  fast_options(&o);
  o.max_retries = 2;
  qv_embedder* e = make(&o);
  float out[DIM];
  assert_int_equal(qv_embedder_embed(e, 1, kTexts, out), QV_ERR_EMBEDDING);
  assert_true(qvt_contains(qv_last_error(), "The model is overloaded."));
  assert_true(qvt_contains(qv_last_error(), "3 attempts"));
  assert_int_equal(qvt_mock_gemini_requests(mock), 3);
  qv_embedder_free(e);
}

static void test_retry_delay_beyond_the_limit_fails_at_once(void** state) {
  (void)state;
  qvt_mock_gemini_push(mock, QVT_MOCK_HTTP_ERROR, 429,
                       "{\"error\":{\"code\":429,\"message\":\"Quota exceeded for metric "
                       "embed_content_requests per day\",\"status\":\"RESOURCE_EXHAUSTED\","
                       "\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\","
                       "\"retryDelay\":\"53s\"}]}}",
                       0, 0);
  qv_gemini_options o;
  fast_options(&o);
  o.max_retry_delay_ms = 1000;
  qv_embedder* e = make(&o);
  float out[DIM];
  const double t0 = qvt_now();
  assert_int_equal(qv_embedder_embed(e, 1, kTexts, out), QV_ERR_EMBEDDING);
  assert_true(qvt_now() - t0 < 5.0);
  assert_true(qvt_contains(qv_last_error(), "Quota exceeded"));
  assert_true(qvt_contains(qv_last_error(), "53s"));
  assert_int_equal(qvt_mock_gemini_requests(mock), 1);
  qv_embedder_free(e);
}

static void test_connection_refused_is_an_embedding_error(void** state) {
  (void)state;
  /* A port that was just released: nothing listens there. */
  qvt_mock_gemini* gone = qvt_mock_gemini_start(KEY, MODEL);
  assert_non_null(gone);
  char url[64];
  snprintf(url, sizeof url, "%s", qvt_mock_gemini_url(gone));
  qvt_mock_gemini_stop(gone);
  qv_gemini_options o;
  fast_options(&o);
  o.base_url = url;
  o.max_retries = 1;
  qv_embedder* e = make(&o);
  float out[DIM];
  assert_int_equal(qv_embedder_embed(e, 1, kTexts, out), QV_ERR_EMBEDDING);
  assert_true(qvt_contains(qv_last_error(), url));
  qv_embedder_free(e);
}

static void test_invalid_utf8_text_still_sends_valid_json(void** state) {
  (void)state;
  qv_embedder* e = make_fast();
  const char* texts[1] = {"bad \xff\xfe bytes \xe2\x82"};
  float out[DIM];
  assert_int_equal(qv_embedder_embed(e, 1, texts, out), QV_OK);
  expect_no_violation();
  char* sent = qvt_mock_gemini_request_text(mock, 0, 0);
  assert_string_equal(sent, "bad \xef\xbf\xbd\xef\xbf\xbd bytes \xef\xbf\xbd");
  free(sent);
  qv_embedder_free(e);
}

static void test_empty_text_is_rejected_without_a_request(void** state) {
  (void)state;
  qv_embedder* e = make_fast();
  const char* texts[2] = {"fine", ""};
  float out[2 * DIM];
  assert_int_equal(qv_embedder_embed(e, 2, texts, out), QV_ERR_INVALID_ARGUMENT);
  assert_true(qvt_contains(qv_last_error(), "empty"));
  assert_int_equal(qvt_mock_gemini_requests(mock), 0);
  qv_embedder_free(e);
}

/* Saves and restores an environment variable around a test. */
typedef struct saved_env {
  const char* name;
  char* value;
} saved_env;

static saved_env save_env(const char* name) {
  const char* v = getenv(name);
  saved_env s = {name, v ? strdup(v) : NULL};
  return s;
}

static void restore_env(saved_env s) {
  if (s.value)
    setenv(s.name, s.value, 1);
  else
    unsetenv(s.name);
  free(s.value);
}

static void test_key_and_base_url_come_from_the_environment(void** state) {
  (void)state;
  saved_env k = save_env("GEMINI_API_KEY"), u = save_env("QUIVER_GEMINI_BASE_URL");
  setenv("GEMINI_API_KEY", KEY, 1);
  setenv("QUIVER_GEMINI_BASE_URL", qvt_mock_gemini_url(mock), 1);
  qv_gemini_options o;
  fast_options(&o);
  o.api_key = NULL;
  o.base_url = NULL;
  qv_embedder* e = make(&o);
  float out[DIM];
  assert_int_equal(qv_embedder_embed(e, 1, kTexts, out), QV_OK);
  expect_no_violation(); /* the mock checked the key header */
  assert_int_equal(qvt_mock_gemini_requests(mock), 1);
  qv_embedder_free(e);

  /* The option wins over the environment. */
  setenv("QUIVER_GEMINI_BASE_URL", "http://127.0.0.1:1", 1);
  o.base_url = qvt_mock_gemini_url(mock);
  e = make(&o);
  assert_int_equal(qv_embedder_embed(e, 1, kTexts, out), QV_OK);
  assert_int_equal(qvt_mock_gemini_requests(mock), 2);
  qv_embedder_free(e);

  /* No key anywhere: a clear error at creation. */
  unsetenv("GEMINI_API_KEY");
  qv_embedder* none = NULL;
  assert_int_equal(qv_embedder_create_gemini(&o, &none), QV_ERR_INVALID_ARGUMENT);
  assert_true(qvt_contains(qv_last_error(), "GEMINI_API_KEY"));
  assert_null(none);
  restore_env(k);
  restore_env(u);
}

static void test_options_are_checked(void** state) {
  (void)state;
  qv_gemini_options o;
  qv_embedder* e = NULL;
  fast_options(&o);
  o.struct_size = 8;
  assert_int_equal(qv_embedder_create_gemini(&o, &e), QV_ERR_INVALID_ARGUMENT);
  assert_true(qvt_contains(qv_last_error(), "struct_size"));
  fast_options(&o);
  o.output_dim = 64; /* gemini-embedding-001 offers 128..3072 */
  assert_int_equal(qv_embedder_create_gemini(&o, &e), QV_ERR_INVALID_ARGUMENT);
  fast_options(&o);
  o.batch_size = 101;
  assert_int_equal(qv_embedder_create_gemini(&o, &e), QV_ERR_INVALID_ARGUMENT);
  assert_true(qvt_contains(qv_last_error(), "batch_size"));
  fast_options(&o);
  o.base_url = "file:///etc/passwd";
  assert_int_equal(qv_embedder_create_gemini(&o, &e), QV_ERR_INVALID_ARGUMENT);
  fast_options(&o);
  assert_int_equal(qv_embedder_create_gemini(&o, NULL), QV_ERR_INVALID_ARGUMENT);
  assert_null(e);

  /* Defaults as documented. */
  qv_gemini_options_init(&o);
  assert_int_equal(o.struct_size, sizeof o);
  assert_null(o.api_key);
  assert_null(o.base_url);
  assert_null(o.model);
  assert_int_equal(o.output_dim, 768);
  assert_int_equal(o.batch_size, 100);
  assert_int_equal(o.requests_per_minute, 100);
  assert_int_equal(o.max_retries, 5);
  qv_gemini_options_init(NULL);
}

int main(void) {
#define T(name) cmocka_unit_test_setup_teardown(name, start_mock, stop_mock)
  const struct CMUnitTest tests[] = {
      T(test_success_sends_the_documented_request),
      T(test_250_texts_go_out_in_3_requests_of_at_most_100),
      T(test_batch_size_option_splits_requests),
      T(test_429_with_retry_delay_is_retried_after_the_delay),
      T(test_500_then_success),
      T(test_400_fails_at_once_with_the_server_message),
      T(test_auth_and_not_found_fail_at_once_without_leaking_the_key),
      T(test_malformed_json_is_an_embedding_error),
      T(test_wrong_count_is_an_embedding_error),
      T(test_wrong_dimension_is_an_embedding_error),
      T(test_non_number_is_an_embedding_error),
      T(test_slow_answer_past_the_timeout_fails),
      T(test_slow_answer_then_retry_succeeds),
      T(test_dropped_connection_is_retried),
      T(test_retries_give_up_after_max_retries),
      T(test_retry_delay_beyond_the_limit_fails_at_once),
      T(test_connection_refused_is_an_embedding_error),
      T(test_invalid_utf8_text_still_sends_valid_json),
      T(test_empty_text_is_rejected_without_a_request),
      T(test_key_and_base_url_come_from_the_environment),
      T(test_options_are_checked),
  };
#undef T
  return cmocka_run_group_tests(tests, NULL, NULL);
}
