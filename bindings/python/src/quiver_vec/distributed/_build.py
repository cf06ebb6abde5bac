"""Building a sharded index: route each batch by key hash, build each shard in a Ray task.

The caller's process reads the batches (a Ray Dataset or any iterable),
splits each by owning shard and puts the parts in Ray's object store; one
Ray task per shard then sorts its rows by key, builds the index, saves it
crash-safely and returns its count and SHA-256. The manifest is written only
after every shard file is saved, so a build that dies half-way leaves the
previous manifest in force. Sorting by key makes a shard file independent of
the order the batches came in, and makes ties at equal distance go to the
lower key inside a shard, as they do across shards.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass

import numpy as np

from .. import DuplicateKeyError, Index
from . import _partition
from ._errors import ConcurrentWriterError
from ._manifest import Manifest, ShardFile, file_sha256, shard_file_name, versions, write_manifest
from ._ray import cause_of, import_ray

_INDEX_OPTIONS = ("kind", "metric", "storage", "keep_originals", "m", "ef_construction",
                  "ef_search", "seed")


@dataclass(frozen=True)
class BuildProgress:
    """Where a build is: passed to the ``progress`` callback after each batch and each shard."""

    phase: str  #: "routing" (reading batches) or "building" (shard tasks running), then "done"
    rows: int  #: rows read so far
    rows_per_shard: tuple  #: rows routed to each shard so far
    shards_built: int
    num_shards: int


class _PrintProgress:
    """progress=True: a line on stderr per second of routing, per shard built, and at the end."""

    def __init__(self) -> None:
        self.last = 0.0

    def __call__(self, p: BuildProgress) -> None:
        now = time.monotonic()
        if p.phase == "routing" and now - self.last < 1.0:
            return
        self.last = now
        print(f"quiver build: {p.phase}: {p.rows} rows read, {p.shards_built}/{p.num_shards} "
              "shards built", file=sys.stderr, flush=True)


def _rows(source, columns):
    """(keys, vectors, metadata or None) from each batch of a Ray Dataset or an iterable."""
    key_col, vector_col, metadata_col = columns
    if hasattr(source, "iter_batches"):  # a Ray Dataset
        source = source.iter_batches(batch_format="numpy")
    for batch in source:
        if isinstance(batch, dict):
            metadata = batch.get(metadata_col) if metadata_col else None
            yield batch[key_col], batch[vector_col], metadata
        elif isinstance(batch, (tuple, list)) and len(batch) in (2, 3):
            yield batch[0], batch[1], (batch[2] if len(batch) == 3 else None)
        else:
            raise TypeError("each batch must be (keys, vectors), (keys, vectors, metadata) or a "
                            f"dict with {key_col!r} and {vector_col!r}, got {type(batch).__name__}")


def _checked(keys, vectors, metadata, dim):
    keys = _partition.as_keys(keys)
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if vectors.ndim != 2 or vectors.shape[0] != len(keys):
        raise ValueError(f"a batch of {len(keys)} keys needs a ({len(keys)}, dim) array of "
                         f"vectors, got shape {vectors.shape}")
    if dim is not None and vectors.shape[1] != dim:
        raise ValueError(f"vectors have {vectors.shape[1]} dimensions, the index {dim}")
    if metadata is not None:
        metadata = list(metadata)
        if len(metadata) != len(keys):
            raise ValueError(f"{len(metadata)} metadata values for {len(keys)} keys")
    return keys, vectors, metadata


def build_shard(shard, path, dim, options, threads, *parts):
    """The Ray task: one shard's rows, sorted by key, into an index file at ``path``."""
    keys = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, np.uint64)
    vectors = np.concatenate([p[1] for p in parts]) if parts else np.zeros((0, dim), np.float32)
    metadata = [m for p in parts for m in (p[2] if p[2] is not None else [None] * len(p[0]))]
    order = np.argsort(keys, kind="stable")
    keys, vectors = keys[order], vectors[order]
    repeated = keys[1:][keys[1:] == keys[:-1]]
    if len(repeated):
        raise DuplicateKeyError(f"key {int(repeated[0])} appears more than once in the input")
    with Index(dim, threads=threads, **options) as index:
        index.add(keys, vectors)
        if any(value is not None for value in metadata):
            for key, i in zip(keys.tolist(), order.tolist()):
                if metadata[i] is not None:
                    index.set_metadata(key, metadata[i])
        index.compact()  # an HNSW graph numbered for memory locality (a no-op for FLAT)
        index.save(path)
        count = len(index)
    return count, os.path.getsize(path), file_sha256(path)


def build(source, directory, *, num_shards: int, dim: int | None = None, metric: str = "cosine",
          kind: str = "hnsw", storage: str = "f32", keep_originals: bool = True, m: int = 16,
          ef_construction: int = 200, ef_search: int = 64, seed: int = 42, threads: int = 0,
          num_cpus: float = 1, key_column: str = "key", vector_column: str = "vector",
          metadata_column: str | None = None, progress=None) -> Manifest:
    """Builds a sharded index in ``directory`` and publishes its manifest; returns it.

    ``source``: a Ray Dataset (columns ``key_column``, ``vector_column`` and
    optionally ``metadata_column``) or any iterable of ``(keys, vectors)`` /
    ``(keys, vectors, metadata)`` batches or dicts. ``directory`` must be
    readable by every node that will serve a shard (a shared file system on a
    real cluster). The index options are :class:`quiver_vec.Index`'s.
    ``threads``: build threads per shard task (0: every core of its node);
    ``num_cpus``: what Ray reserves for each task. ``progress``: a callable
    taking a :class:`BuildProgress`, or True to print one line to stderr.
    """
    ray = import_ray()
    if not isinstance(num_shards, int) or num_shards < 1:
        raise ValueError(f"num_shards must be an int >= 1, got {num_shards!r}")
    options = dict(kind=kind, metric=metric, storage=storage, keep_originals=keep_originals, m=m,
                   ef_construction=ef_construction, ef_search=ef_search, seed=seed)
    if progress is True:
        progress = _PrintProgress()
    directory = os.path.abspath(os.fspath(directory))
    os.makedirs(directory, exist_ok=True)
    existing = versions(directory)
    version = (existing[-1] if existing else 0) + 1

    parts: list[list] = [[] for _ in range(num_shards)]
    per_shard = [0] * num_shards
    rows = 0
    for keys, vectors, metadata in _rows(source, (key_column, vector_column, metadata_column)):
        keys, vectors, metadata = _checked(keys, vectors, metadata, dim)
        if dim is None:
            dim = vectors.shape[1]
        if not rows:  # a bad option fails here, with the library's message, before any work
            Index(dim, **options).close()
        for shard, at in enumerate(_partition.split(keys, num_shards)):
            if len(at):
                part = (keys[at], vectors[at], [metadata[i] for i in at] if metadata else None)
                parts[shard].append(ray.put(part))
                per_shard[shard] += len(at)
        rows += len(keys)
        if progress:
            progress(BuildProgress("routing", rows, tuple(per_shard), 0, num_shards))
    if dim is None:
        raise ValueError("the input had no rows and no dim was given: pass dim=")

    task = ray.remote(build_shard).options(num_cpus=num_cpus, max_retries=2,
                                           scheduling_strategy="SPREAD")
    files = [shard_file_name(s, version) for s in range(num_shards)]
    refs = {task.remote(s, os.path.join(directory, files[s]), dim, options, threads, *parts[s]): s
            for s in range(num_shards)}
    results: dict[int, tuple] = {}
    try:
        pending = list(refs)
        while pending:
            ready, pending = ray.wait(pending, num_returns=1)
            results[refs[ready[0]]] = ray.get(ready[0])
            if progress:
                progress(BuildProgress("building", rows, tuple(per_shard), len(results),
                                       num_shards))
    except Exception as e:
        for ref in refs:
            ray.cancel(ref, force=True)
        raise cause_of(e) from None
    shards = tuple(ShardFile(files[s], *results[s]) for s in range(num_shards))
    manifest = Manifest(version=version, dim=dim, options=options, shards=shards,
                        directory=directory)
    try:
        write_manifest(manifest)
    except FileExistsError:
        raise ConcurrentWriterError(
            f"another build or checkpoint published manifest version {version} in "
            f"{directory!r} while this build ran; its shard files are left unnamed") from None
    if progress:
        progress(BuildProgress("done", rows, tuple(per_shard), num_shards, num_shards))
    return manifest
