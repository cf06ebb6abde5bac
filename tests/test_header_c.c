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
  qv_index_options_init(&o);
  qv_search_params_init(&p);
  return (int)(o.struct_size == sizeof o) + (int)(p.struct_size == sizeof p) + (int)(s == QV_OK) +
         (int)(m == 3) + (int)(k == 1) + (int)(mode == 2) + (int)(index == 0) +
         (int)(status_string != 0) + (int)(QV_MAX_DIM == 65536u);
}
