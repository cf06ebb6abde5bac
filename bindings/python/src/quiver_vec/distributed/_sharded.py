"""ShardedIndex: one Ray actor per shard and replica, searched as one index.

A search sends the query batch (put once in Ray's object store) to one
replica of every shard and merges the per-shard top-k by (distance, key).
A shard whose actor dies during the call is asked again -- on the restarted
actor (Ray restarts it up to ``max_restarts`` times; it reopens its file) or
on another replica -- until ``retries`` tries are spent; then the search
raises :class:`ShardsUnavailableError` naming the shards that did not
answer, or with ``allow_partial=True`` returns the others' answers and names
the missing shards.

Writes go to every replica of the owning shard (the same key hash as the
build). This process keeps each shard's writes since its last checkpoint: a
restarted actor (it comes back with its last checkpointed file) gets them
replayed before it answers again, so an actor's death loses nothing;
``checkpoint()`` saves the changed shards to new files and publishes a new
manifest version, after which those writes survive this process too.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Set
from typing import NamedTuple

import numpy as np

from .. import MISSING, DimensionMismatchError, DuplicateKeyError, NotFoundError
from . import _partition
from ._errors import ConcurrentWriterError, ShardsUnavailableError
from ._manifest import Manifest, ShardFile, read_manifest, shard_file_name, versions, write_manifest
from ._ray import cause_of, import_ray, short
from ._shard import Shard


class SearchResult(NamedTuple):
    """What ``search(..., allow_partial=True)`` returns."""

    keys: np.ndarray
    distances: np.ndarray
    missing_shards: list  #: shards that did not answer (their keys are absent)


class ShardedIndex:
    """A sharded index served by Ray actors. Make one with :meth:`open`."""

    def __init__(self, manifest: Manifest, *, replicas: int, max_restarts: int, threads: int,
                 num_cpus: float, verify: bool, embedder, timeout: float, retries: int) -> None:
        ray = import_ray()
        self._ray = ray
        self.manifest = manifest
        self.embedder = embedder
        self.timeout = timeout
        self.retries = retries
        self._verify = verify
        self._closed = False
        self._files = [manifest.shard_path(s) for s in range(manifest.num_shards)]
        self._sha = [s.sha256 if verify else None for s in manifest.shards]
        self._log: list[list] = [[] for _ in range(manifest.num_shards)]
        self._next = [0] * manifest.num_shards
        self.last_search_seconds: list = []  #: per-shard search time of the last search
        actor = ray.remote(Shard).options(max_restarts=max_restarts, max_task_retries=0,
                                          num_cpus=num_cpus, scheduling_strategy="SPREAD")
        self._actors = [[actor.remote(s, self._files[s], self._sha[s], threads)
                         for _ in range(replicas)] for s in range(manifest.num_shards)]
        # Wait for every actor to open its file; an error there (a changed file) is the caller's.
        self._incarnation = [[None] * replicas for _ in range(manifest.num_shards)]
        try:
            for s, row in enumerate(self.describe()):
                for r, info in enumerate(row):
                    self._incarnation[s][r] = info["incarnation"]
        except BaseException:
            self.close()
            raise

    @classmethod
    def open(cls, manifest, *, replicas: int = 1, max_restarts: int = 3, threads: int = 0,
             num_cpus: float = 0, verify: bool = True, embedder=None, timeout: float = 60.0,
             retries: int = 3) -> "ShardedIndex":
        """Serves the sharded index of ``manifest`` (a Manifest, a manifest file, or a
        directory: its newest manifest) with ``replicas`` actors per shard.

        Each actor opens its shard file by mmap on whichever node Ray places it
        (spread over the nodes), so the directory must be readable there.
        ``max_restarts``: how often Ray restarts a dead actor; ``threads``:
        search threads per shard (0: every core of its node); ``num_cpus``:
        what Ray reserves per actor; ``verify``: check each file's SHA-256
        against the manifest when an actor opens it; ``embedder``: a
        ``quiver_vec.Embedder`` for :meth:`search_text`; ``timeout``: seconds a
        call waits for the shards; ``retries``: tries per shard after a failure.
        """
        import_ray()  # first: without Ray, say how to get it
        if not isinstance(manifest, Manifest):
            manifest = read_manifest(manifest)
        if not isinstance(replicas, int) or replicas < 1:
            raise ValueError(f"replicas must be an int >= 1, got {replicas!r}")
        return cls(manifest, replicas=replicas, max_restarts=max_restarts, threads=threads,
                   num_cpus=num_cpus, verify=verify, embedder=embedder, timeout=timeout,
                   retries=retries)

    # -- properties -------------------------------------------------------------------------
    @property
    def num_shards(self) -> int:
        return self.manifest.num_shards

    @property
    def replicas(self) -> int:
        return len(self._actors[0])

    @property
    def dim(self) -> int:
        return self.manifest.dim

    @property
    def closed(self) -> bool:
        return self._closed

    def actors(self, shard: int) -> list:
        """The Ray actor handles of a shard's replicas (for monitoring and fault tests)."""
        return list(self._actors[shard])

    def __enter__(self) -> "ShardedIndex":
        return self

    def __exit__(self, *args) -> None:
        self.close()

    def close(self) -> None:
        """Stops every actor (writes since the last checkpoint are dropped). Idempotent."""
        if self._closed:
            return
        self._closed = True
        if not self._ray.is_initialized():  # Ray already shut down, actors with it
            return
        for row in self._actors:
            for actor in row:
                self._ray.kill(actor, no_restart=True)

    def _check_open(self) -> None:
        if self._closed:
            raise ValueError("the sharded index is closed")

    # -- calling the shards -----------------------------------------------------------------
    def _stale(self, shard: int, replica: int, incarnation: str) -> bool:
        """True when a reply came from a restarted actor that lacks the newest state."""
        if incarnation == self._incarnation[shard][replica]:
            return False
        self._restore(shard, replica)
        return True

    def _restore(self, shard: int, replica: int) -> None:
        """Brings an actor to the shard's state: its newest file plus the writes since."""
        actor = self._actors[shard][replica]
        ref = actor.restore.remote(self._files[shard], self._sha[shard], self._log[shard])
        self._incarnation[shard][replica] = self._ray.get(ref, timeout=self.timeout)

    def _call(self, shards, method: str, args_of, what: str, allow_partial: bool = False):
        """Calls ``method(*args_of(shard))`` on one replica of each shard; {shard: reply}.

        Replies are (incarnation, ...) tuples; the incarnation is dropped. A
        dead actor is retried (on the next replica, or the same one once Ray
        restarted it), a restarted one is restored first.
        """
        ray = self._ray
        deadline = time.monotonic() + self.timeout
        replies, failures, causes, missing = {}, dict.fromkeys(shards, 0), {}, set()
        inflight = {}

        def submit(s: int) -> None:
            r = self._next[s] % self.replicas
            self._next[s] += 1
            inflight[getattr(self._actors[s][r], method).remote(*args_of(s))] = (s, r)

        def failed(s: int, error: BaseException) -> None:
            failures[s] += 1
            causes[s] = short(error)
            if failures[s] > self.retries or time.monotonic() > deadline:
                missing.add(s)
            else:
                time.sleep(min(0.05 * 2 ** failures[s], 1.0))
                submit(s)

        for s in shards:
            submit(s)
        while inflight:
            remaining = deadline - time.monotonic()
            ready, _ = ray.wait(list(inflight), num_returns=1, timeout=max(remaining, 0))
            if not ready:
                for s, _ in inflight.values():
                    causes[s] = f"no answer within {self.timeout} s"
                    missing.add(s)
                break
            s, r = inflight.pop(ready[0])
            try:
                reply = ray.get(ready[0])
                if self._stale(s, r, reply[0]):
                    submit(s)
                    continue
            except ray.exceptions.RayActorError as e:
                failed(s, e)
                continue
            except ray.exceptions.RayTaskError as e:
                raise cause_of(e) from None
            replies[s] = reply[1:]
        if missing and not allow_partial:
            cause = "; ".join(f"shard {s}: {causes[s]}" for s in sorted(missing) if s in causes)
            raise ShardsUnavailableError(missing, self.num_shards, what, cause)
        return replies, sorted(missing)

    # -- search -----------------------------------------------------------------------------
    def _filters(self, filter):
        """The filter each shard gets: a collection of keys is cut down to the shard's own."""
        if filter is None or callable(filter):
            return [filter] * self.num_shards
        if isinstance(filter, Mapping):
            filter = list(filter)
        if isinstance(filter, (Set, list, tuple, np.ndarray)):
            keys = _partition.as_keys(list(filter) if isinstance(filter, Set) else filter)
            return [keys[at] for at in _partition.split(keys, self.num_shards)]
        return [filter] * self.num_shards

    def search(self, queries, k: int = 10, *, ef: int | None = None, filter=None,
               threads: int = 0, allow_partial: bool = False):
        """The k nearest keys and distances over every shard: ``(keys, distances)``,
        ``(k,)`` for one 1-D query, ``(nq, k)`` for a batch, nearest first; ties
        in distance go to the lower key. Missing results are ``MISSING``/``inf``.

        ``filter``: as :meth:`quiver_vec.Index.search` (a collection of keys is
        split so each shard gets only its own; a callable must pickle).
        ``allow_partial=True`` returns a :class:`SearchResult` whose
        ``missing_shards`` names the shards that did not answer.
        """
        self._check_open()
        q = np.ascontiguousarray(queries, dtype=np.float32)
        one = q.ndim == 1
        if one:
            q = q[None, :]
        if q.ndim != 2:
            raise ValueError(f"queries must be one vector or an (n, dim) array, got {q.shape}")
        if q.shape[1] != self.dim:
            raise DimensionMismatchError(
                f"queries have {q.shape[1]} dimensions, the index {self.dim}")
        if not isinstance(k, (int, np.integer)) or k < 1:
            raise ValueError(f"k must be an int >= 1, got {k!r}")
        filters = self._filters(filter)
        ref = self._ray.put(q)
        replies, missing = self._call(range(self.num_shards), "search",
                                      lambda s: (ref, k, ef, filters[s], threads), "search",
                                      allow_partial)
        self.last_search_seconds = [replies[s][2] if s in replies else None
                                    for s in range(self.num_shards)]
        keys, dists = merge([replies[s][:2] for s in sorted(replies)], len(q), k)
        if one:
            keys, dists = keys[0], dists[0]
        return SearchResult(keys, dists, missing) if allow_partial else (keys, dists)

    def search_text(self, texts, k: int = 10, **kwargs):
        """Embeds the query text(s) once, here, with the ``embedder`` given to open,
        and searches with the vectors; the keys are whatever was indexed (chunk
        keys for documents: ``quiver_vec.doc_key`` gives their documents)."""
        self._check_open()
        if self.embedder is None:
            raise ValueError("search_text needs an embedder: ShardedIndex.open(..., embedder=...)")
        return self.search(self.embedder.embed(texts, task="query"), k, **kwargs)

    # -- writes -----------------------------------------------------------------------------
    def _parts(self, keys):
        return [(s, at) for s, at in enumerate(_partition.split(keys, self.num_shards)) if len(at)]

    def _vectors(self, vectors, n: int) -> np.ndarray:
        v = np.ascontiguousarray(vectors, dtype=np.float32)
        if v.ndim == 1 and n == 1:
            v = v[None, :]
        if v.ndim != 2 or v.shape[0] != n:
            raise ValueError(f"{n} keys need an ({n}, dim) array of vectors, got shape {v.shape}")
        if v.shape[1] != self.dim:
            raise DimensionMismatchError(
                f"vectors have {v.shape[1]} dimensions, the index {self.dim}")
        return v

    def contains(self, keys) -> np.ndarray:
        """Whether each key is live, as a bool array (one bool for one int key)."""
        self._check_open()
        one = isinstance(keys, (int, np.integer))
        keys = _partition.as_keys(keys)
        found = np.zeros(len(keys), dtype=bool)
        parts = self._parts(keys)
        replies, _ = self._call([s for s, _ in parts], "contains",
                                lambda s: (keys[dict(parts)[s]],), "lookup")
        for s, at in parts:
            found[at] = replies[s][0]
        return bool(found[0]) if one else found

    def __contains__(self, key) -> bool:
        return bool(self.contains(int(key)))

    def get(self, keys) -> np.ndarray:
        """The vector of a key ``(dim,)``, or of each key ``(n, dim)``; NotFoundError."""
        self._check_open()
        one = isinstance(keys, (int, np.integer))
        keys = _partition.as_keys(keys)
        out = np.empty((len(keys), self.dim), dtype=np.float32)
        parts = self._parts(keys)
        replies, _ = self._call([s for s, _ in parts], "get", lambda s: (keys[dict(parts)[s]],),
                                "lookup")
        for s, at in parts:
            out[at] = replies[s][0]
        return out[0] if one else out

    def get_metadata(self, key: int) -> bytes:
        """The metadata bytes of a key (from its shard). NotFoundError when it has none."""
        self._check_open()
        key = int(_partition.as_keys(key)[0])
        shard = int(_partition.shard_of(key, self.num_shards)[0])
        replies, _ = self._call([shard], "get_metadata", lambda s: (key,), "lookup")
        return replies[shard][0]

    def _write(self, name: str, keys, vectors=None, metadata=None) -> None:
        parts = self._parts(keys)
        for s, at in parts:
            self._log[s].append((name, keys[at], None if vectors is None else vectors[at],
                                 None if metadata is None else [metadata[i] for i in at]))
        refs = {}
        for s, _ in parts:
            for r, actor in enumerate(self._actors[s]):
                refs[actor.write.remote(self._log[s][-1])] = (s, r)
        unavailable, errors = {}, {}
        for ref, (s, r) in refs.items():
            try:
                self._stale(s, r, self._ray.get(ref, timeout=self.timeout))
            except self._ray.exceptions.RayTaskError as e:
                errors[s] = cause_of(e)
            except (self._ray.exceptions.RayActorError, self._ray.exceptions.GetTimeoutError) as e:
                try:  # a restarted actor gets the log, this write included
                    self._restore(s, r)
                except Exception as again:
                    unavailable.setdefault(s, []).append(short(again))
        for s in set(unavailable) | set(errors):
            if s in unavailable and len(unavailable[s]) < self.replicas and s not in errors:
                continue  # another replica has it; the dead one is restored when it returns
            self._log[s].pop()  # the write did not happen: undo it where it partly did
            for r in range(self.replicas):
                try:
                    self._restore(s, r)
                except Exception:
                    pass
        if errors:
            raise next(iter(errors.values()))
        lost = [s for s in unavailable if len(unavailable[s]) == self.replicas]
        if lost:
            raise ShardsUnavailableError(lost, self.num_shards, name,
                                         "; ".join(unavailable[lost[0]]))

    def add(self, keys, vectors, metadata=None) -> None:
        """Adds n keys with an (n, dim) array (and optionally n metadata values, bytes or str).

        All or nothing: a key that is already live raises DuplicateKeyError and nothing is added.
        """
        self._check_open()
        keys = _partition.as_keys(keys)
        vectors = self._vectors(vectors, len(keys))
        if metadata is not None and len(metadata) != len(keys):
            raise ValueError(f"{len(metadata)} metadata values for {len(keys)} keys")
        uniq, counts = np.unique(keys, return_counts=True)
        if (counts > 1).any():
            raise DuplicateKeyError(f"key {int(uniq[counts > 1][0])} appears twice in the batch")
        live = self.contains(keys)
        if live.any():
            raise DuplicateKeyError(f"key {int(keys[live][0])} is already in the index")
        self._write("add", keys, vectors, metadata)

    def upsert(self, keys, vectors) -> None:
        """Adds each key, or replaces the vector of a live key (its metadata stays)."""
        self._check_open()
        keys = _partition.as_keys(keys)
        self._write("upsert", keys, self._vectors(vectors, len(keys)))

    def remove(self, keys) -> None:
        """Removes keys. All or nothing: an unknown key raises NotFoundError, nothing is removed."""
        self._check_open()
        keys = _partition.as_keys(keys)
        live = self.contains(keys)
        if not live.all():
            raise NotFoundError(f"key {int(keys[~live][0])} is not in the index")
        self._write("remove", keys)

    # -- durability -------------------------------------------------------------------------
    @property
    def pending_writes(self) -> int:
        """Write calls (per shard) since the last checkpoint."""
        return sum(len(log) for log in self._log)

    def checkpoint(self) -> Manifest:
        """Saves the shards changed since the last checkpoint to new files, then
        publishes a new manifest version naming them (and the unchanged files);
        returns it. Once it returns, those writes survive any crash. Readers of
        an older manifest keep their files. ConcurrentWriterError when another
        writer published a version since this index opened its manifest.
        """
        self._check_open()
        changed = [s for s in range(self.num_shards) if self._log[s]]
        if not changed:
            return self.manifest
        directory = self.manifest.directory
        newest = versions(directory)[-1]
        if newest != self.manifest.version:
            raise ConcurrentWriterError(
                f"manifest version {newest} was published in {directory!r} after this index "
                f"opened version {self.manifest.version}: open the newest one to write")
        version = newest + 1
        files = {s: shard_file_name(s, version) for s in changed}
        replies, _ = self._call(changed, "save", lambda s: (os.path.join(directory, files[s]),),
                                "checkpoint")
        shards = list(self.manifest.shards)
        for s in changed:
            shards[s] = ShardFile.of(directory, files[s], replies[s][0])
        manifest = Manifest(version=version, dim=self.dim, options=self.manifest.options,
                            shards=tuple(shards), directory=directory)
        try:
            write_manifest(manifest)
        except FileExistsError:
            raise ConcurrentWriterError(
                f"another writer published manifest version {version} in {directory!r}") from None
        for s in changed:
            self._files[s] = manifest.shard_path(s)
            self._sha[s] = shards[s].sha256 if self._verify else None
            self._log[s] = []
            for actor in self._actors[s]:
                actor.adopt.remote(self._files[s])
        self.manifest = manifest
        return manifest

    # -- introspection ----------------------------------------------------------------------
    def describe(self) -> list:
        """Per shard, per replica: a dict with pid, node_id, path, count, memory_bytes."""
        self._check_open()
        ray = self._ray
        refs = [[a.describe.remote() for a in row] for row in self._actors]
        try:
            return [ray.get(row, timeout=self.timeout) for row in refs]
        except ray.exceptions.RayTaskError as e:
            raise cause_of(e) from None

    def __len__(self) -> int:
        replies, _ = self._call(range(self.num_shards), "count", lambda s: (), "count")
        return sum(replies[s][0] for s in replies)


def merge(parts, nq: int, k: int):
    """The k nearest of per-shard ``(keys, distances)`` (nq, k) arrays, by (distance, key)."""
    if not parts:
        return (np.full((nq, k), MISSING, dtype=np.uint64),
                np.full((nq, k), np.inf, dtype=np.float32))
    keys = np.concatenate([p[0].reshape(nq, -1) for p in parts], axis=1)
    dists = np.concatenate([p[1].reshape(nq, -1) for p in parts], axis=1)
    order = np.lexsort((keys, dists), axis=-1)[:, :k]
    keys, dists = np.take_along_axis(keys, order, 1), np.take_along_axis(dists, order, 1)
    if keys.shape[1] < k:  # fewer shards answered than k needs
        pad = k - keys.shape[1]
        keys = np.pad(keys, ((0, 0), (0, pad)), constant_values=MISSING)
        dists = np.pad(dists, ((0, 0), (0, pad)), constant_values=np.inf)
    return keys, dists
