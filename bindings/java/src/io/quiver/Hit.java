package io.quiver;

/** One search result: the key and its distance to the query (the metric's distance). */
public record Hit(long key, float distance) {}
