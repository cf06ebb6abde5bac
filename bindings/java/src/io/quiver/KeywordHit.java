package io.quiver;

/**
 * One keyword search result: a key (a chunk key for text added with {@link Index#addText}) and its
 * BM25 score; higher is better.
 */
public record KeywordHit(long key, float score) {}
