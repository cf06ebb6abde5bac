"""Sharded Quiver indexes, built and served on Ray: past one machine.

    import ray
    from quiver_vec import distributed as qd

    ray.init()                                       # or ray.init(address="auto")
    qd.build(batches, "/shared/vectors", num_shards=8, dim=768, kind="hnsw")
    with qd.ShardedIndex.open("/shared/vectors", replicas=2) as ix:
        keys, dists = ix.search(queries, k=10)       # every shard once, merged by distance

Keys go to shards by a stable hash (:func:`shard_of`); each shard is an
ordinary Quiver index file that an actor opens by mmap; a numbered manifest,
written last and atomically, says which files make up the index. Ray is an
optional dependency (``pip install 'quiver-vec[ray]'``): importing this module
does not import it; calling :func:`build` or
:meth:`ShardedIndex.open` does (after the caller's ``ray.init()``).
"""

from __future__ import annotations

from ._errors import (
    ConcurrentWriterError,
    ManifestError,
    ManifestNotFoundError,
    ShardsUnavailableError,
)
from ._build import BuildProgress, build
from ._manifest import FORMAT_VERSION, Manifest, ShardFile, read_manifest, versions
from ._partition import shard_of
from ._sharded import SearchResult, ShardedIndex


__all__ = [
    "FORMAT_VERSION",
    "BuildProgress",
    "ConcurrentWriterError",
    "Manifest",
    "ManifestError",
    "ManifestNotFoundError",
    "SearchResult",
    "ShardFile",
    "ShardedIndex",
    "ShardsUnavailableError",
    "build",
    "read_manifest",
    "shard_of",
    "versions",
]
