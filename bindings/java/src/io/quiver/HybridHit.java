package io.quiver;

/**
 * One hybrid search result: the document, its best chunk (its key is {@link Index#chunkKey}(docKey,
 * n)), the fused score (higher is better), the chunk's text (null if the chunk was removed while
 * the search ran) and the document's source (as {@link TextHit#source()}).
 */
public record HybridHit(long docKey, long chunkKey, float score, String passage, String source) {}
