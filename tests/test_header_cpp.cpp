// Compiled as C++ with -Wall -Wextra -pedantic -Werror (C++11 in
// test_header, C++20 in test_header_cpp20): any warning the public header
// raises in strict C++ fails the build. Included twice for the include guard.
#include <quiver/quiver.h>

#include <type_traits>

#include "test_header.h"

#ifndef QVT_HEADER_CPP_CHECK
#define QVT_HEADER_CPP_CHECK qvt_header_cpp_check
#endif

// The handle is opaque (incomplete) and the options are plain C structs.
static_assert(std::is_standard_layout<qv_index_options>::value, "C layout");
static_assert(std::is_trivially_copyable<qv_search_params>::value, "C layout");
static_assert(QV_OK == 0 && QV_ERR_INTERNAL == 10, "status values are fixed");

extern "C" int QVT_HEADER_CPP_CHECK(void) {
  qv_index_options o;
  qv_search_params p;
  qv_index_options_init(&o);
  qv_search_params_init(&p);
  qv_index* index = nullptr;
  // Every static initialiser compiles without a warning in C++ too.
  qv_index_options mo = QV_INDEX_OPTIONS_INIT;
  qv_search_params mp = QV_SEARCH_PARAMS_INIT;
  qv_save_options ms = QV_SAVE_OPTIONS_INIT;
  qv_open_options mop = QV_OPEN_OPTIONS_INIT;
  qv_text_options mt = QV_TEXT_OPTIONS_INIT;
  qv_gemini_options mg = QV_GEMINI_OPTIONS_INIT;
  qv_index_info mi = QV_INDEX_INFO_INIT;
  const bool macros = mo.struct_size == sizeof mo && mp.struct_size == sizeof mp &&
                      ms.struct_size == sizeof ms && mop.struct_size == sizeof mop &&
                      mt.struct_size == sizeof mt && mg.struct_size == sizeof mg &&
                      mi.struct_size == sizeof mi;
  // extern "C" linkage: the functions are callable through C function pointers.
  const char* (*status_string)(qv_status) = &qv_status_string;
  qv_status (*create)(const qv_index_options*, qv_index**) = &qv_index_create;
  return int(o.struct_size == sizeof o) + int(p.struct_size == sizeof p) + int(index == nullptr) +
         int(status_string != nullptr) + int(create != nullptr) + int(macros) +
         int(QV_VERSION_NUMBER ==
             100 * QV_VERSION_MINOR + 10000 * QV_VERSION_MAJOR + QV_VERSION_PATCH);
}
