"""The errors of sharded indexes, in the caller's terms."""

from __future__ import annotations


class ShardsUnavailableError(RuntimeError):
    """Some shards did not answer (their actors died and no restart or replica served them).

    ``shards`` lists their numbers; ``num_shards`` is how many there are. A
    search raises this rather than answer from the other shards, unless it was
    called with ``allow_partial=True``.
    """

    def __init__(self, shards, num_shards: int, what: str = "search", cause: str = "") -> None:
        self.shards = sorted(int(s) for s in shards)
        self.num_shards = int(num_shards)
        names = ", ".join(str(s) for s in self.shards)
        plural = "shard" if len(self.shards) == 1 else "shards"
        message = f"{plural} {names} of {self.num_shards} did not answer the {what}"
        if cause:
            message += f" ({cause})"
        if what == "search":
            message += "; pass allow_partial=True to accept the other shards' answers"
        super().__init__(message)

    def __reduce__(self):
        return (ShardsUnavailableError, (self.shards, self.num_shards))


class ManifestError(ValueError):
    """A manifest that cannot be used: not JSON, fields missing, a newer format."""


class ManifestNotFoundError(ManifestError, FileNotFoundError):
    """No manifest at the path given, or none in the directory given."""


class ConcurrentWriterError(RuntimeError):
    """Another writer published a manifest version this index did not start from."""
