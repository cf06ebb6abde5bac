/* The Text section of quiver.h in strict C99 (-pedantic -Werror, set in
 * CMakeLists.txt): every macro and type is used so that it is compiled,
 * not just declared. Linked into test_text_concurrency, which calls it. */
#include <quiver/quiver.h>

int qvt_text_header_check(void);

int qvt_text_header_check(void) {
  qv_text_options o;
  qv_chunk_unit u = QV_CHUNK_TOKENS;
  uint64_t key = QV_CHUNK_KEY(QV_MAX_DOC_KEY, QV_MAX_CHUNKS_PER_DOC - 1);
  qv_status (*search)(const qv_index*, const char*, size_t, const qv_search_params*, uint64_t*,
                      uint64_t*, float*, size_t*) = qv_index_search_text_ex;
  qv_text_options_init(&o);
  return (int)(o.struct_size == sizeof o) + (int)(u == 2) + (int)(key == UINT64_MAX) +
         (int)(QV_DOC_KEY(key) == QV_MAX_DOC_KEY) + (int)(QV_CHUNK_NUMBER(key) == 65535u) +
         (int)(QV_CHUNK_BITS == 16) + (int)(search != 0) + (int)(o.unit == QV_CHUNK_CHARACTERS);
}
