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
  assert_int_equal(qvt_header_c_check(), 9);
  assert_int_equal(qvt_header_c_version_number(), qv_version_number());
  assert_int_equal(qvt_header_cpp_check(), 6);
  assert_int_equal(qvt_header_cpp20_check(), 6);
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

int main(void) {
  const struct CMUnitTest tests[] = {
      QVT_TIMED(test_init_functions_ignore_null),
      QVT_TIMED(test_header_compiles_as_strict_c99_and_cpp),
      QVT_TIMED(test_index_options_init_sets_struct_size_and_documented_defaults),
      QVT_TIMED(test_search_params_init_sets_struct_size_and_documented_defaults),
      QVT_TIMED(test_initialised_options_create_an_index_once_dim_is_set),
      QVT_TIMED(test_init_macros_match_init_functions),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
