/*
 * A libquiver built with QV_WITH_GEMINI=OFF (registered only then): the
 * Gemini entry points are still exported, qv_gemini_options_init still
 * fills the defaults, and qv_embedder_create_gemini answers
 * QV_ERR_UNSUPPORTED with a message that says what to do.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "qv_test_support.h"

static void create_is_unsupported(void** state) {
  (void)state;
  qv_gemini_options o;
  qv_gemini_options_init(&o);
  o.api_key = "a-key-that-is-never-used";
  qv_embedder* e = (qv_embedder*)&o; /* must not be touched */
  assert_int_equal(qv_embedder_create_gemini(&o, &e), QV_ERR_UNSUPPORTED);
  assert_ptr_equal(e, (qv_embedder*)&o);
  const char* msg = qv_last_error();
  assert_non_null(strstr(msg, "built without the Gemini embedder"));
  assert_non_null(strstr(msg, "QV_WITH_GEMINI=OFF"));
  assert_non_null(strstr(msg, "callback embedder"));
  assert_null(strstr(msg, o.api_key));
}

static void create_with_defaults_is_unsupported(void** state) {
  (void)state;
  qv_embedder* e = NULL;
  assert_int_equal(qv_embedder_create_gemini(NULL, &e), QV_ERR_UNSUPPORTED);
  assert_null(e);
  assert_non_null(strstr(qv_last_error(), "QV_WITH_GEMINI=OFF"));
}

static void null_out_is_still_invalid(void** state) {
  (void)state;
  assert_int_equal(qv_embedder_create_gemini(NULL, NULL), QV_ERR_INVALID_ARGUMENT);
}

static void options_init_still_fills_the_defaults(void** state) {
  (void)state;
  qv_gemini_options macro = QV_GEMINI_OPTIONS_INIT, fn;
  memset(&fn, 0xAB, sizeof fn);
  qv_gemini_options_init(&fn);
  assert_int_equal(fn.struct_size, sizeof(qv_gemini_options));
  assert_int_equal(fn.output_dim, macro.output_dim);
  assert_int_equal(fn.batch_size, macro.batch_size);
  assert_int_equal(fn.max_concurrent_requests, macro.max_concurrent_requests);
  assert_null(fn.api_key);
}

static void other_embedders_still_work(void** state) {
  (void)state;
  qv_embedder* e = NULL;
  assert_int_equal(qv_embedder_create_hashing(64, &e), QV_OK);
  const char* text = "bees make honey";
  float v[64];
  assert_int_equal(qv_embedder_embed(e, 1, &text, v), QV_OK);
  qv_embedder_free(e);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(create_is_unsupported),
      cmocka_unit_test(create_with_defaults_is_unsupported),
      cmocka_unit_test(null_out_is_still_invalid),
      cmocka_unit_test(options_init_still_fills_the_defaults),
      cmocka_unit_test(other_embedders_still_work),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
