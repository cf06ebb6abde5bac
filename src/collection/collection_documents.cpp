// Collection::remove_stale_chunks: what a save caught halfway through a
// change of a document leaves in the file, cleaned up after a load.
//
// A save runs between the steps of an upsert or a removal (text_layer.cpp),
// so a file may hold, next to a document's current version, chunks of a
// version being added (right after the current range on the ring: the
// upsert adds them before it switches the entry) or of the version it
// replaced (right before it: removed after the switch). Searches never see
// them (document_table.h); this gives their memory back and keeps
// qv_index_count honest. The text layer removes a version being added from
// its last chunk back and a replaced version from its first chunk on, so
// what is left of either touches the current range and is found by
// walking away from it until a chunk is missing.
#include "collection/collection.h"
#include "core/error.h"

namespace quiver {

size_t Collection::remove_chunks_around(uint64_t document, ChunkRange current) {
  auto remove_if_present = [&](uint32_t number) {
    const uint64_t key = chunk_key(document, number & kChunkNumberMask);
    if (!contains(key)) return false;
    remove(key);
    return true;
  };
  size_t removed = 0;
  const uint64_t room = kMaxChunksPerDocument - current.count;
  // After the current version (or, without one, from where it started),
  // then before it; never into it.
  uint32_t number = current.end();
  while (removed < room && remove_if_present(number++)) ++removed;
  number = current.first;
  while (removed < room && remove_if_present(--number)) ++removed;
  return removed;
}

void Collection::remove_stale_chunks() {
  for (const auto& [document, range] : documents_.ranges()) {
    remove_chunks_around(document, range);
    if (range.count == 0) documents_.erase(document);
  }
}

}  // namespace quiver
