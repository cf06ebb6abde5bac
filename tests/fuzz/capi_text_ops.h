// The text operations of fuzz_capi: attach or detach a hashing embedder
// (of the index's dimension or another), set text options (any values),
// add documents as text (one or a batch, NULL pointers sometimes), remove
// them, search by text for documents or chunks, and touch single chunk
// keys. Texts are arbitrary: empty, whitespace only (ASCII and Unicode),
// invalid UTF-8, emoji, raw bytes; document keys up to and past
// QV_MAX_DOC_KEY, and colliding with the plain keys the vector operations
// use (document 0's chunk keys are keys 0, 1, 2 ...).
//
// Each answer is checked against the model (capi_model.h): the status the
// arguments call for (with the few cases the model cannot predict, such as
// a text of Unicode spaces or a chunk embedding to a zero vector under
// cosine, told apart by the message), all-or-nothing adds, chunks numbered
// from 0 without gaps whose metadata is a piece of their text, removals of
// chunk 0, 1, ... up to the first gap, chunk searches like vector searches
// (the query embedded by a second hashing embedder of the same dimension),
// and document searches that return distinct documents by their nearest
// chunk (exactly the nearest for FLAT). Documents: the model keeps the
// document table (capi_model.h); text searches see only the keys of each
// document's current range (or every key of a document without an entry),
// upserts put the new chunks after the current ones and drop the old.
#pragma once

#include "capi_model.h"
#include "fuzz_util.h"

namespace qvfuzz::capi {

constexpr int kTextOps = 9;

// Runs text operation `which` (0 .. kTextOps - 1) on the slot's index (not
// NULL), reading its arguments from `in`, and updates the model. The last
// one also runs the document operations: upsert_text, the document calls
// and hybrid search.
void text_op(int which, Slot& slot, Input& in);

// What an open by LOAD does to a model: removes the keys next to each
// document's current range that are not in it (stale chunks).
void forget_stale_chunks(Model& m);

}  // namespace qvfuzz::capi
