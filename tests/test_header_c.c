/* Compiled with -std=c99 -Wall -Wextra -pedantic -Werror: any warning the
 * public header raises in strict C99 fails the build. Included twice to
 * check the include guard. */
#include <quiver/quiver.h>

#include "test_header.h"

/* Uses every type and macro the header defines so that they are compiled,
 * not just declared. */
unsigned qvt_header_c_version_number(void) { return QV_VERSION_NUMBER; }

int qvt_header_c_check(void) {
  qv_index_options o;
  qv_search_params p;
  qv_status s = QV_OK;
  qv_metric m = QV_METRIC_COSINE;
  qv_index_kind k = QV_INDEX_FLAT;
  qv_open_mode mode = QV_OPEN_MMAP;
  qv_index* index = 0;
  const char* (*status_string)(qv_status) = qv_status_string;
  /* Every static initialiser compiles without a warning. */
  qv_index_options mo = QV_INDEX_OPTIONS_INIT;
  qv_search_params mp = QV_SEARCH_PARAMS_INIT;
  qv_save_options ms = QV_SAVE_OPTIONS_INIT;
  qv_open_options mop = QV_OPEN_OPTIONS_INIT;
  qv_text_options mt = QV_TEXT_OPTIONS_INIT;
  qv_gemini_options mg = QV_GEMINI_OPTIONS_INIT;
  qv_index_info mi = QV_INDEX_INFO_INIT;
  const int macros = mo.struct_size == sizeof mo && mp.struct_size == sizeof mp &&
                     ms.struct_size == sizeof ms && mop.struct_size == sizeof mop &&
                     mt.struct_size == sizeof mt && mg.struct_size == sizeof mg &&
                     mi.struct_size == sizeof mi;
  qv_index_options_init(&o);
  qv_search_params_init(&p);
  return (int)(o.struct_size == sizeof o) + (int)(p.struct_size == sizeof p) + (int)(s == QV_OK) +
         (int)(m == 3) + (int)(k == 1) + (int)(mode == 2) + (int)(index == 0) +
         (int)(status_string != 0) + (int)(QV_MAX_DIM == 65536u) + macros;
}
