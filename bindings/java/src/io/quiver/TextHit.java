package io.quiver;

/**
 * One text search result: the document, the chunk of it that matched (its key is {@link
 * Index#chunkKey}(docKey, n)), the chunk's distance to the query and the chunk's text (null if the
 * chunk was removed while the search ran).
 */
public record TextHit(long docKey, long chunkKey, float distance, String passage) {}
