/* Version macros and functions, status names, and the initial error state. */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <quiver/quiver.h>

#include "qv_test_support.h"

/* Runs first: nothing has failed on this thread yet. */
static void test_last_error_is_empty_before_any_failure(void** state) {
  const char* e;
  (void)state;
  e = qv_last_error();
  assert_non_null(e);
  assert_string_equal(e, "");
}

static void* fresh_thread_last_error(void* arg) {
  const char* e = qv_last_error();
  int* ok = (int*)arg;
  *ok = (e != NULL && e[0] == '\0') ? 1 : 0;
  return NULL;
}

static void test_last_error_is_empty_on_a_fresh_thread_after_a_failure_elsewhere(void** state) {
  pthread_t t;
  int ok = -1;
  (void)state;
  /* Fail on this thread, then look from a new one: the message is per thread. */
  assert_int_equal(qv_index_count(NULL, NULL), QV_ERR_INVALID_ARGUMENT);
  assert_true(strlen(qv_last_error()) > 0);
  assert_int_equal(pthread_create(&t, NULL, fresh_thread_last_error, &ok), 0);
  assert_int_equal(pthread_join(t, NULL), 0);
  assert_int_equal(ok, 1);
}

static void test_version_string_matches_macros(void** state) {
  char expected[64];
  (void)state;
  assert_non_null(qv_version());
  assert_string_equal(qv_version(), QV_VERSION_STRING);
  snprintf(expected, sizeof expected, "%d.%d.%d", QV_VERSION_MAJOR, QV_VERSION_MINOR,
           QV_VERSION_PATCH);
  assert_string_equal(QV_VERSION_STRING, expected);
}

static void test_version_number_matches_macros(void** state) {
  (void)state;
  assert_int_equal(QV_VERSION_NUMBER,
                   QV_VERSION_MAJOR * 10000 + QV_VERSION_MINOR * 100 + QV_VERSION_PATCH);
  assert_int_equal(qv_version_number(), QV_VERSION_NUMBER);
}

static void test_version_number_agrees_with_version_string(void** state) {
  unsigned major = 0, minor = 0, patch = 0;
  (void)state;
  assert_int_equal(sscanf(qv_version(), "%u.%u.%u", &major, &minor, &patch), 3);
  assert_int_equal(qv_version_number(), major * 10000 + minor * 100 + patch);
}

static void test_status_string_names_every_status(void** state) {
  static const struct {
    qv_status status;
    int value;
    const char* name;
  } cases[] = {
      {QV_OK, 0, "QV_OK"},
      {QV_ERR_INVALID_ARGUMENT, 1, "QV_ERR_INVALID_ARGUMENT"},
      {QV_ERR_DIMENSION_MISMATCH, 2, "QV_ERR_DIMENSION_MISMATCH"},
      {QV_ERR_NOT_FOUND, 3, "QV_ERR_NOT_FOUND"},
      {QV_ERR_DUPLICATE_KEY, 4, "QV_ERR_DUPLICATE_KEY"},
      {QV_ERR_IO, 5, "QV_ERR_IO"},
      {QV_ERR_CORRUPT, 6, "QV_ERR_CORRUPT"},
      {QV_ERR_UNSUPPORTED, 7, "QV_ERR_UNSUPPORTED"},
      {QV_ERR_OUT_OF_MEMORY, 8, "QV_ERR_OUT_OF_MEMORY"},
      {QV_ERR_EMBEDDING, 9, "QV_ERR_EMBEDDING"},
      {QV_ERR_INTERNAL, 10, "QV_ERR_INTERNAL"},
  };
  size_t i;
  (void)state;
  for (i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
    /* The values are part of the ABI: fixed, and only ever grow. */
    assert_int_equal((int)cases[i].status, cases[i].value);
    assert_non_null(qv_status_string(cases[i].status));
    assert_string_equal(qv_status_string(cases[i].status), cases[i].name);
  }
}

static void test_status_string_of_unknown_value_is_unknown_status(void** state) {
  (void)state;
  assert_string_equal(qv_status_string((qv_status)11), "QV_UNKNOWN_STATUS");
  assert_string_equal(qv_status_string((qv_status)-1), "QV_UNKNOWN_STATUS");
  assert_string_equal(qv_status_string((qv_status)12345), "QV_UNKNOWN_STATUS");
}

static void test_last_error_is_never_null_after_failures(void** state) {
  (void)state;
  assert_int_equal(qv_index_create(NULL, NULL), QV_ERR_INVALID_ARGUMENT);
  assert_non_null(qv_last_error());
  assert_true(strlen(qv_last_error()) > 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      /* Must stay first: it checks the state before anything has failed. */
      QVT_TIMED(test_last_error_is_empty_before_any_failure),
      QVT_TIMED(test_last_error_is_empty_on_a_fresh_thread_after_a_failure_elsewhere),
      QVT_TIMED(test_version_string_matches_macros),
      QVT_TIMED(test_version_number_matches_macros),
      QVT_TIMED(test_version_number_agrees_with_version_string),
      QVT_TIMED(test_status_string_names_every_status),
      QVT_TIMED(test_status_string_of_unknown_value_is_unknown_status),
      QVT_TIMED(test_last_error_is_never_null_after_failures),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
