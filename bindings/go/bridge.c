/* bridge.c - trampolines from the C API's callbacks into the Go binding. */
#include "bridge.h"

#include <stddef.h>

#include "_cgo_export.h"

static int qvgo_filter_trampoline(uint64_t key, void* user) {
  return qvgoFilter((uintptr_t)user, key);
}

void qvgo_search_params(qv_search_params* p, uint32_t ef, uint32_t threads, uintptr_t filter) {
  qv_search_params_init(p);
  p->ef = ef;
  p->threads = threads;
  if (filter) {
    p->filter = qvgo_filter_trampoline;
    p->filter_user = (void*)filter;
  }
}

static int qvgo_embed_trampoline(void* user, size_t n, const char* const* texts,
                                 const size_t* lengths, float* out, char* err, size_t err_len) {
  return qvgoEmbed((uintptr_t)user, n, (char**)texts, (size_t*)lengths, out, err, err_len);
}

qv_status qvgo_embedder_create_callback(uint32_t dim, uintptr_t fn, qv_embedder** out) {
  return qv_embedder_create_callback(dim, qvgo_embed_trampoline, (void*)fn, out);
}
