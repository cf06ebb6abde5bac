/* Calls the fuzz targets make the way a C program makes them: in C, any int
 * converts to an enum type, while in C++ an out-of-range value read through
 * the enum type is undefined (UBSan flags the harness, not the library). */
#include <quiver/quiver.h>

const char* qvf_status_string_of_int(int value) { return qv_status_string((qv_status)value); }

qv_status qvf_embed_ex_with_int_task(qv_embedder* emb, int task, size_t n, const char* const* texts,
                                     float* out) {
  return qv_embedder_embed_ex(emb, (qv_embed_task)task, n, texts, NULL, out);
}
