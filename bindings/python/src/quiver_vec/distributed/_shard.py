"""The body of a shard actor: one Quiver index file, served; no Ray in here.

An actor opens its shard file by mmap (read-only: pages shared with every
other process on the node, nothing loaded) and answers searches. The first
write reloads the file into memory (an mmap-opened index is read-only).

Every reply carries the actor's ``incarnation``, a random id drawn when the
actor starts: when Ray restarts a dead actor, the new one has a new id, and
the caller (ShardedIndex) sees that it must bring it up to date -- the newest
checkpointed file plus the writes since -- before trusting its answers.
"""

from __future__ import annotations

import os
import time
import uuid

import numpy as np

from .. import CorruptError, Index
from ._manifest import file_sha256


def apply_write(index: Index, op: tuple) -> None:
    """Applies one logged write ``(name, keys, vectors, metadata)`` to an index."""
    name, keys, vectors, metadata = op
    if name == "add":
        index.add(keys, vectors)
    elif name == "upsert":
        index.upsert(keys, vectors)
    elif name == "remove":
        index.remove(keys)
    if metadata is not None:
        for key, value in zip(keys.tolist(), metadata):
            if value is not None:
                index.set_metadata(key, value)


class Shard:
    """One shard: its file opened by mmap, and the writes made since that file."""

    def __init__(self, shard: int, path: str, sha256: str | None, threads: int = 0) -> None:
        self.shard = shard
        self.threads = threads
        self.incarnation = uuid.uuid4().hex
        self.index: Index | None = None
        self.path = path
        try:
            self._open(path, sha256)
        except Exception as e:  # raised by each call, rather than as Ray's "actor died"
            self.error = e

    def _index(self) -> Index:
        if self.index is None:
            raise self.error
        return self.index

    def _open(self, path: str, sha256: str | None, mutable: bool = False) -> None:
        try:
            self._reopen(path, sha256, mutable)
        except Exception as e:
            self.error = e
            raise

    def _reopen(self, path: str, sha256: str | None, mutable: bool) -> None:
        if sha256 is not None and file_sha256(path) != sha256:
            raise CorruptError(
                f"shard {self.shard}: {path} is not the file its manifest names "
                f"(SHA-256 differs): it was changed or replaced after the manifest was written"
            )
        old, self.index = self.index, None
        if old is not None:
            old.close()
        self.index = Index.open(path, mmap=not mutable, threads=self.threads)
        self.path = path

    def describe(self) -> dict:
        """Who and where this actor is, and what it holds."""
        import ray  # only ever called inside a Ray actor

        return {
            "shard": self.shard,
            "incarnation": self.incarnation,
            "pid": os.getpid(),
            "node_id": ray.get_runtime_context().get_node_id(),
            "path": self.path,
            "count": len(self._index()),
            "memory_bytes": self._index().memory_bytes(),
            "read_only": self._index().read_only,
        }

    def restore(self, path: str, sha256: str | None, log: list) -> str:
        """Reopens ``path`` and replays ``log`` (the writes since that file was saved)."""
        self._open(path, sha256, mutable=bool(log))
        for op in log:
            apply_write(self.index, op)
        return self.incarnation

    def search(self, queries: np.ndarray, k: int, ef, filter, threads: int):
        start = time.perf_counter()
        keys, dists = self._index().search(queries, k, ef=ef, filter=filter, threads=threads)
        return self.incarnation, keys, dists, time.perf_counter() - start

    def write(self, op: tuple) -> str:
        if self._index().read_only:
            self._open(self.path, None, mutable=True)
        apply_write(self.index, op)
        return self.incarnation

    def get(self, keys: np.ndarray):
        return self.incarnation, self._index().get(keys)

    def get_metadata(self, key: int):
        return self.incarnation, self._index().get_metadata(key)

    def contains(self, keys: np.ndarray):
        return self.incarnation, np.array([int(k) in self._index() for k in keys], dtype=bool)

    def save(self, path: str) -> tuple:
        """Saves crash-safely to ``path`` (a new name) and serves that file from now on."""
        self._index().save(path)
        self.path = path
        return self.incarnation, len(self._index())

    def adopt(self, path: str) -> str:
        """Another replica saved this state as ``path``: a restart reopens that."""
        self.path = path
        return self.incarnation

    def count(self):
        return self.incarnation, len(self._index())
