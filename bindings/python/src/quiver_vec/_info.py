"""What Index.info() returns."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class IndexInfo:
    """A description of an index (``qv_index_info``), with names, not numbers."""

    kind: str  #: "hnsw" or "flat"
    metric: str  #: "l2", "ip" or "cosine"
    dim: int
    count: int  #: live vectors, as len(index)
    deleted: int  #: removed vectors still held as HNSW tombstones (0 for flat, after compact)
    metadata_count: int  #: keys that carry metadata
    m: int  #: HNSW links per node (0 for flat)
    ef_construction: int  #: HNSW build candidate list (0 for flat)
    ef_search: int  #: HNSW default search candidate list (0 for flat)
    seed: int
    read_only: bool  #: opened with mmap=True
    storage: str = "f32"  #: "f32", "f16", "i8" or "b1"
    keeps_originals: bool = False  #: i8 / b1 storage keeps the float32 originals
