"""The manifest: which files make up a sharded index, written last and atomically.

A sharded index is a directory of shard files (each one an ordinary Quiver
index file) and numbered manifests, ``manifest-000001.json``,
``manifest-000002.json``, ...: JSON naming the format version, the index
options, the partition scheme and, per shard, its file, vector count, size
and SHA-256. Shard files carry the manifest version that first named them
(``shard-0003-v000002.qv``), so a new version never overwrites a file that
an older manifest names: a reader that opened version 1 keeps reading its
files while version 2 is written, until it reopens.

A manifest is written to a temporary file, fsynced, then linked to its final
name (a hard link fails if the name exists, so two writers cannot both
publish version N) and the directory fsynced. It appears whole or not at all;
a build or checkpoint that dies before that leaves the previous version in
force (its new shard files are then unnamed leftovers, never read).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
from dataclasses import dataclass, field

from . import _partition
from ._errors import ManifestError, ManifestNotFoundError

#: The manifest format this module writes; it reads this one and older.
FORMAT_VERSION = 1

_MANIFEST = re.compile(r"^manifest-(\d{6,})\.json$")


def manifest_name(version: int) -> str:
    return f"manifest-{version:06d}.json"


def shard_file_name(shard: int, version: int) -> str:
    return f"shard-{shard:04d}-v{version:06d}.qv"


def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class ShardFile:
    """One shard's file as a manifest names it (``file`` is relative to the directory)."""

    file: str
    count: int
    bytes: int
    sha256: str

    @staticmethod
    def of(directory: str, file: str, count: int) -> "ShardFile":
        path = os.path.join(directory, file)
        return ShardFile(file, int(count), os.path.getsize(path), file_sha256(path))


@dataclass(frozen=True)
class Manifest:
    """One version of a sharded index: its options and one :class:`ShardFile` per shard."""

    version: int
    dim: int
    options: dict  #: kind, metric, storage, m, ef_construction, ef_search, ...
    shards: tuple  #: ShardFile per shard, in shard order
    partition: str = _partition.SCHEME
    format_version: int = FORMAT_VERSION
    directory: str = field(default="", compare=False)  #: where it was read from (not stored)

    @property
    def num_shards(self) -> int:
        return len(self.shards)

    @property
    def count(self) -> int:
        """Vectors in all shards together."""
        return sum(s.count for s in self.shards)

    @property
    def path(self) -> str:
        return os.path.join(self.directory, manifest_name(self.version))

    def shard_path(self, shard: int) -> str:
        return os.path.join(self.directory, self.shards[shard].file)

    def to_json(self) -> str:
        body = {
            "format_version": self.format_version,
            "version": self.version,
            "dim": self.dim,
            "partition": self.partition,
            "num_shards": self.num_shards,
            "options": self.options,
            "shards": [dataclasses.asdict(s) for s in self.shards],
        }
        return json.dumps(body, indent=1, sort_keys=True) + "\n"

    @staticmethod
    def from_json(text: str, directory: str, where: str) -> "Manifest":
        try:
            body = json.loads(text)
            fmt = int(body["format_version"])
            if fmt > FORMAT_VERSION:
                raise ManifestError(
                    f"{where} has format version {fmt}; this quiver_vec reads up to "
                    f"{FORMAT_VERSION}: upgrade quiver_vec"
                )
            if body["partition"] != _partition.SCHEME:
                raise ManifestError(
                    f"{where} partitions keys by {body['partition']!r}, which this "
                    f"quiver_vec does not know (it knows {_partition.SCHEME!r})"
                )
            shards = tuple(ShardFile(**s) for s in body["shards"])
            if len(shards) != int(body["num_shards"]) or not shards:
                raise ManifestError(f"{where} lists {len(shards)} shard files for "
                                    f"{body['num_shards']} shards")
            return Manifest(
                version=int(body["version"]),
                dim=int(body["dim"]),
                options=dict(body["options"]),
                shards=shards,
                partition=body["partition"],
                format_version=fmt,
                directory=directory,
            )
        except ManifestError:
            raise
        except (ValueError, KeyError, TypeError) as e:
            raise ManifestError(f"{where} is not a Quiver manifest ({e})") from None


def versions(directory: str) -> list[int]:
    """The manifest versions published in a directory, oldest first."""
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        raise ManifestNotFoundError(f"no directory {directory!r}") from None
    return sorted(int(m.group(1)) for m in map(_MANIFEST.match, names) if m)


def read_manifest(path) -> Manifest:
    """A directory's newest manifest, or the manifest file named by ``path``."""
    path = os.fspath(path)
    if os.path.isdir(path):
        found = versions(path)
        if not found:
            raise ManifestNotFoundError(f"no manifest-*.json in {path!r}: build the index first")
        directory, path = path, os.path.join(path, manifest_name(found[-1]))
    else:
        directory = os.path.dirname(path) or "."
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        raise ManifestNotFoundError(f"no manifest at {path!r}") from None
    return Manifest.from_json(text, os.path.abspath(directory), repr(path))


def _fsync_directory(directory: str) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_manifest(manifest: Manifest) -> str:
    """Publishes ``manifest`` in its directory, atomically.

    FileExistsError when that version exists (another writer published it first).
    """
    directory = manifest.directory
    final = os.path.join(directory, manifest_name(manifest.version))
    temp = os.path.join(directory, f".{manifest_name(manifest.version)}.{os.getpid()}.tmp")
    with open(temp, "w", encoding="utf-8") as f:
        f.write(manifest.to_json())
        f.flush()
        os.fsync(f.fileno())
    try:
        os.link(temp, final)  # fails if another writer published this version first
    finally:
        os.unlink(temp)
    _fsync_directory(directory)
    return final
