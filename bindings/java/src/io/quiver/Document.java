package io.quiver;

/**
 * A document's entry in the index's document table ({@link Index#getDocument}): its source (a path
 * or URI, as given to {@link Index#upsertText(long, String, String, String)}) and its fields (any
 * text of yours, e.g. JSON); each is "" when the document has none.
 */
public record Document(String source, String fields) {}
