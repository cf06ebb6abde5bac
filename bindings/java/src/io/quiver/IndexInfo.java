package io.quiver;

/** A description of an index ({@code qv_index_get_info}). */
public record IndexInfo(
    IndexKind kind,
    Metric metric,
    int dim,
    long count,
    long deleted,
    long metadataCount,
    int hnswM,
    int hnswEfConstruction,
    int hnswEfSearch,
    long seed,
    boolean readOnly,
    Storage storage,
    boolean keepsOriginals) {}
