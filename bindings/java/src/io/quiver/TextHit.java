package io.quiver;

/**
 * One text search result: the document, the chunk of it that matched (its key is {@link
 * Index#chunkKey}(docKey, n)), the chunk's distance to the query, the chunk's text (null if the
 * chunk was removed while the search ran) and the document's source ({@link Document#source()}: ""
 * when it has none; null when the document has no entry in the document table: added by an older
 * version of the library and not upserted since, or removed while the search ran).
 */
public record TextHit(long docKey, long chunkKey, float distance, String passage, String source) {}
