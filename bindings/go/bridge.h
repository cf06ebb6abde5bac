/* bridge.h - the C side of the Go binding: what cgo cannot write in Go.
 * Go funcs reach C as callbacks (search filters, callback embedders) through
 * these trampolines; the Go value travels as a runtime/cgo.Handle in the
 * `user` pointer, so no Go pointer is ever stored in C memory. */
#ifndef QUIVER_GO_BRIDGE_H
#define QUIVER_GO_BRIDGE_H

#include <quiver/quiver.h>
#include <stdint.h>

/* Fills *p with the defaults, ef, threads, and the Go filter whose handle is
 * `filter` (0: no filter). */
void qvgo_search_params(qv_search_params* p, uint32_t ef, uint32_t threads, uintptr_t filter);

/* qv_embedder_create_callback over the Go EmbedFunc whose handle is `fn`. */
qv_status qvgo_embedder_create_callback(uint32_t dim, uintptr_t fn, qv_embedder** out);

#endif
