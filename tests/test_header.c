/* The public header compiles as strict C99 and C++ (see test_header_c.c and
 * test_header_cpp.cpp, built with -pedantic -Werror), and the _init functions
 * fill in struct_size and the documented defaults. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include <quiver/quiver.h>

#include "qv_test_support.h"

#include "test_header.h"

static void test_header_compiles_as_strict_c99_and_cpp(void** state) {
  (void)state;
  assert_int_equal(qvt_header_c_check(), 10);
  assert_int_equal(qvt_header_c_version_number(), qv_version_number());
  assert_int_equal(qvt_header_cpp_check(), 7);
  assert_int_equal(qvt_header_cpp20_check(), 7);
}

static void test_index_options_init_sets_struct_size_and_documented_defaults(void** state) {
  qv_index_options o;
  (void)state;
  memset(&o, 0xAB, sizeof o); /* garbage everywhere: init must write every field */
  qv_index_options_init(&o);
  assert_int_equal(o.struct_size, sizeof(qv_index_options));
  assert_int_equal(o.dim, 0);
  assert_int_equal(o.metric, QV_METRIC_L2);
  assert_int_equal(o.kind, QV_INDEX_HNSW);
  assert_int_equal(o.hnsw_m, 16);
  assert_int_equal(o.hnsw_ef_construction, 200);
  assert_int_equal(o.hnsw_ef_search, 64);
  assert_int_equal(o.seed, 42);
  assert_int_equal(o.threads, 0);
}

static void test_search_params_init_sets_struct_size_and_documented_defaults(void** state) {
  qv_search_params p;
  (void)state;
  memset(&p, 0xAB, sizeof p);
  qv_search_params_init(&p);
  assert_int_equal(p.struct_size, sizeof(qv_search_params));
  assert_int_equal(p.ef, 0);
  assert_null(p.filter);
  assert_null(p.filter_user);
  assert_int_equal(p.threads, 0);
}

static void test_init_functions_ignore_null(void** state) {
  (void)state;
  /* Documented: NULL is ignored (must not crash). */
  qv_index_options_init(NULL);
  qv_search_params_init(NULL);
  assert_string_equal(qv_last_error(), ""); /* and is not an error */
}

static void test_initialised_options_create_an_index_once_dim_is_set(void** state) {
  qv_index_options o;
  qv_index* index = NULL;
  uint32_t dim = 0;
  (void)state;
  qv_index_options_init(&o);
  assert_int_equal(qv_index_create(&o, &index), QV_ERR_INVALID_ARGUMENT); /* dim 0 */
  assert_null(index);
  o.dim = 7;
  assert_int_equal(qv_index_create(&o, &index), QV_OK);
  assert_non_null(index);
  assert_int_equal(qv_index_dim(index, &dim), QV_OK);
  assert_int_equal(dim, 7);
  qv_index_free(index);
}

/* The static initialisers give the same structs as the _init functions
 * (compared field by field: padding bytes are not part of the contract). */
static void test_init_macros_match_init_functions(void** state) {
  qv_index_options from_macro = QV_INDEX_OPTIONS_INIT, from_fn;
  qv_search_params params_macro = QV_SEARCH_PARAMS_INIT, params_fn;
  (void)state;
  memset(&from_fn, 0xAB, sizeof from_fn);
  qv_index_options_init(&from_fn);
  assert_int_equal(from_macro.struct_size, from_fn.struct_size);
  assert_int_equal(from_macro.dim, from_fn.dim);
  assert_int_equal(from_macro.metric, from_fn.metric);
  assert_int_equal(from_macro.kind, from_fn.kind);
  assert_int_equal(from_macro.hnsw_m, from_fn.hnsw_m);
  assert_int_equal(from_macro.hnsw_ef_construction, from_fn.hnsw_ef_construction);
  assert_int_equal(from_macro.hnsw_ef_search, from_fn.hnsw_ef_search);
  assert_true(from_macro.seed == from_fn.seed);
  assert_int_equal(from_macro.threads, from_fn.threads);
  memset(&params_fn, 0xAB, sizeof params_fn);
  qv_search_params_init(&params_fn);
  assert_int_equal(params_macro.struct_size, params_fn.struct_size);
  assert_int_equal(params_macro.ef, params_fn.ef);
  assert_true(params_macro.filter == params_fn.filter);
  assert_true(params_macro.filter_user == params_fn.filter_user);
  assert_int_equal(params_macro.threads, params_fn.threads);
}

/* The other options structs: every macro equals its _init function. */
static void test_every_options_struct_has_a_matching_init_macro(void** state) {
  qv_save_options save_macro = QV_SAVE_OPTIONS_INIT, save_fn;
  qv_open_options open_macro = QV_OPEN_OPTIONS_INIT, open_fn;
  qv_text_options text_macro = QV_TEXT_OPTIONS_INIT, text_fn;
  qv_gemini_options gemini_macro = QV_GEMINI_OPTIONS_INIT, gemini_fn;
  qv_index_info info_macro = QV_INDEX_INFO_INIT, info_fn;
  (void)state;
  memset(&save_fn, 0xAB, sizeof save_fn);
  qv_save_options_init(&save_fn);
  assert_int_equal(save_macro.struct_size, save_fn.struct_size);
  assert_int_equal(save_macro.compress_vectors, save_fn.compress_vectors);
  assert_int_equal(save_macro.compress_graph, save_fn.compress_graph);
  assert_int_equal(save_macro.zstd_level, save_fn.zstd_level);

  memset(&open_fn, 0xAB, sizeof open_fn);
  qv_open_options_init(&open_fn);
  assert_int_equal(open_macro.struct_size, open_fn.struct_size);
  assert_int_equal(open_macro.mode, open_fn.mode);
  assert_int_equal(open_macro.verify, open_fn.verify);
  assert_int_equal(open_macro.threads, open_fn.threads);

  memset(&text_fn, 0xAB, sizeof text_fn);
  qv_text_options_init(&text_fn);
  assert_int_equal(text_macro.struct_size, text_fn.struct_size);
  assert_int_equal(text_macro.unit, text_fn.unit);
  assert_int_equal(text_macro.chunk_size, text_fn.chunk_size);
  assert_int_equal(text_macro.chunk_overlap, text_fn.chunk_overlap);

  memset(&gemini_fn, 0xAB, sizeof gemini_fn);
  qv_gemini_options_init(&gemini_fn);
  assert_int_equal(gemini_macro.struct_size, gemini_fn.struct_size);
  assert_true(gemini_macro.api_key == gemini_fn.api_key);
  assert_true(gemini_macro.base_url == gemini_fn.base_url);
  assert_true(gemini_macro.model == gemini_fn.model);
  assert_int_equal(gemini_macro.output_dim, gemini_fn.output_dim);
  assert_int_equal(gemini_macro.batch_size, gemini_fn.batch_size);
  assert_int_equal(gemini_macro.requests_per_minute, gemini_fn.requests_per_minute);
  assert_int_equal(gemini_macro.max_retries, gemini_fn.max_retries);
  assert_int_equal(gemini_macro.timeout_ms, gemini_fn.timeout_ms);
  assert_int_equal(gemini_macro.connect_timeout_ms, gemini_fn.connect_timeout_ms);
  assert_int_equal(gemini_macro.initial_backoff_ms, gemini_fn.initial_backoff_ms);
  assert_int_equal(gemini_macro.max_backoff_ms, gemini_fn.max_backoff_ms);
  assert_int_equal(gemini_macro.max_retry_delay_ms, gemini_fn.max_retry_delay_ms);
  assert_int_equal(gemini_macro.max_concurrent_requests, gemini_fn.max_concurrent_requests);

  memset(&info_fn, 0xAB, sizeof info_fn);
  qv_index_info_init(&info_fn);
  assert_int_equal(info_macro.struct_size, info_fn.struct_size);
  assert_int_equal(info_fn.struct_size, sizeof(qv_index_info));
  assert_int_equal(info_fn.dim, 0);
  assert_true(info_fn.count == 0);
  qv_index_info_init(NULL); /* ignored */
}

/* An info struct set up by qv_index_info_init is accepted by get_info. */
static void test_index_info_init_prepares_get_info(void** state) {
  qv_index* index = qvt_create_index(8, QV_METRIC_L2, QV_INDEX_FLAT);
  qv_index_info info;
  (void)state;
  qv_index_info_init(&info);
  assert_int_equal(qv_index_get_info(index, &info), QV_OK);
  assert_int_equal(info.dim, 8);
  assert_int_equal(info.kind, QV_INDEX_FLAT);
  qv_index_free(index);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      QVT_TIMED(test_init_functions_ignore_null),
      QVT_TIMED(test_header_compiles_as_strict_c99_and_cpp),
      QVT_TIMED(test_index_options_init_sets_struct_size_and_documented_defaults),
      QVT_TIMED(test_search_params_init_sets_struct_size_and_documented_defaults),
      QVT_TIMED(test_initialised_options_create_an_index_once_dim_is_set),
      QVT_TIMED(test_init_macros_match_init_functions),
      QVT_TIMED(test_every_options_struct_has_a_matching_init_macro),
      QVT_TIMED(test_index_info_init_prepares_get_info),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
