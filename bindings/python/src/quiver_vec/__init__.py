"""Quiver for Python: an embeddable vector search engine, NumPy in and out.

    import numpy as np
    import quiver_vec as qv

    ix = qv.Index(dim=128, metric="cosine")          # HNSW by default; kind="flat" is exact
    ix.add(np.arange(1000), np.random.rand(1000, 128).astype(np.float32))
    keys, dists = ix.search(np.random.rand(5, 128), k=10)   # (5, 10) uint64 and float32

Missing results (fewer than k vectors, or fewer passing the filter) have the
key :data:`MISSING` (2**64 - 1) and the distance ``inf``. Errors are
:class:`QuiverError` subclasses. Long calls release the GIL.
"""

from __future__ import annotations

from ._errors import (
    CorruptError,
    DimensionMismatchError,
    DuplicateKeyError,
    EmbeddingError,
    InternalError,
    InvalidArgumentError,
    NotFoundError,
    OutOfMemoryError,
    QuiverError,
    QuiverFileNotFoundError,
    QuiverIOError,
    Status,
    UnsupportedError,
)
from ._document import Document
from ._info import IndexInfo
from ._core import (
    CHUNK_BITS,
    MAX_CHUNKS_PER_DOC,
    MAX_DIM,
    MAX_DOC_KEY,
    MISSING,
    Embedder,
    Index,
    status_name,
    version,
    version_number,
)

__version__ = "0.1.0"


def chunk_key(doc_key: int, chunk: int) -> int:
    """The key of chunk ``chunk`` of document ``doc_key``: ``(doc_key << 16) | chunk``."""
    if not 0 <= doc_key <= MAX_DOC_KEY:
        raise ValueError(f"doc_key must be in 0 .. {MAX_DOC_KEY}, got {doc_key}")
    if not 0 <= chunk < MAX_CHUNKS_PER_DOC:
        raise ValueError(f"chunk must be in 0 .. {MAX_CHUNKS_PER_DOC - 1}, got {chunk}")
    return (doc_key << CHUNK_BITS) | chunk


def doc_key(chunk_key: int) -> int:
    """The document a chunk key belongs to: ``chunk_key >> 16``."""
    return chunk_key >> CHUNK_BITS


def chunk_number(chunk_key: int) -> int:
    """The chunk's number within its document: ``chunk_key & 0xFFFF``."""
    return chunk_key & (MAX_CHUNKS_PER_DOC - 1)


__all__ = [
    "CHUNK_BITS",
    "MAX_CHUNKS_PER_DOC",
    "MAX_DIM",
    "MAX_DOC_KEY",
    "MISSING",
    "CorruptError",
    "DimensionMismatchError",
    "Document",
    "DuplicateKeyError",
    "Embedder",
    "EmbeddingError",
    "Index",
    "IndexInfo",
    "InternalError",
    "InvalidArgumentError",
    "NotFoundError",
    "OutOfMemoryError",
    "QuiverError",
    "QuiverFileNotFoundError",
    "QuiverIOError",
    "Status",
    "UnsupportedError",
    "chunk_key",
    "chunk_number",
    "doc_key",
    "status_name",
    "version",
    "version_number",
]
