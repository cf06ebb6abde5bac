"""Quiver's errors as Python exceptions.

Every failure of the C library becomes a :class:`QuiverError` whose ``status``
is a :class:`Status` (the C library's ``qv_status``) and whose message is the
library's own sentence (``qv_last_error``). Each status has a subclass to
catch, which also derives from the built-in exception Python users expect:
an invalid argument is a ``ValueError``, an unknown key a ``KeyError``, a
missing file a ``FileNotFoundError``, a failed read or write an ``OSError``.
"""

from __future__ import annotations

import enum


class Status(enum.IntEnum):
    """The C library's ``qv_status`` codes (``QV_OK``, ``QV_ERR_...``)."""

    OK = 0
    INVALID_ARGUMENT = 1
    DIMENSION_MISMATCH = 2
    NOT_FOUND = 3
    DUPLICATE_KEY = 4
    IO = 5
    CORRUPT = 6
    UNSUPPORTED = 7
    OUT_OF_MEMORY = 8
    EMBEDDING = 9
    INTERNAL = 10


class QuiverError(Exception):
    """A failed Quiver call: ``status`` says which kind, ``message`` what to do.

    ``str(error)`` is the message. A Python callback's exception (a filter, an
    embedding function) that made the call fail is chained as ``__cause__``.
    """

    status: Status = Status.INTERNAL

    def __init__(self, message: str = "", status: Status | int | None = None) -> None:
        super().__init__(message)
        if status is not None:
            try:
                self.status = Status(status)
            except ValueError:  # a status newer than this binding stays a plain int
                self.status = status  # type: ignore[assignment]

    @property
    def message(self) -> str:
        """The library's description of the failure."""
        return str(self.args[0]) if self.args else ""

    def __str__(self) -> str:
        return self.message

    def __reduce__(self):  # picklable although some bases take other arguments
        return (_rebuild, (type(self), self.message, int(self.status)))


def _rebuild(cls, message, status):
    error = cls(message)
    try:
        error.status = Status(status)
    except ValueError:
        error.status = status
    return error


class InvalidArgumentError(QuiverError, ValueError):
    """A bad argument: a NaN in a vector, k == 0, an option out of range ..."""

    status = Status.INVALID_ARGUMENT


class DimensionMismatchError(QuiverError, ValueError):
    """A vector, array or file of another dimension than the index."""

    status = Status.DIMENSION_MISMATCH


class NotFoundError(QuiverError, KeyError):
    """An unknown key (or a missing file: then it is a FileNotFoundError too)."""

    status = Status.NOT_FOUND


class QuiverFileNotFoundError(NotFoundError, FileNotFoundError):
    """No file, or no directory, at the path given to open, save or a .npy call."""


class DuplicateKeyError(QuiverError, ValueError):
    """The key (or document) is already in the index."""

    status = Status.DUPLICATE_KEY


class QuiverIOError(QuiverError, OSError):
    """The operating system refused a read or write (disk full, permissions ...)."""

    status = Status.IO


class CorruptError(QuiverError):
    """Not an index file, truncated, checksum mismatch, inconsistent sections."""

    status = Status.CORRUPT


class UnsupportedError(QuiverError):
    """Not possible here: a change to a read-only (mmap) index, a newer format ..."""

    status = Status.UNSUPPORTED


class OutOfMemoryError(QuiverError, MemoryError):
    """An allocation failed or the request is too large to serve."""

    status = Status.OUT_OF_MEMORY


class EmbeddingError(QuiverError):
    """The embedder failed (network, HTTP status, a Python embedding function)."""

    status = Status.EMBEDDING


class InternalError(QuiverError):
    """A bug in Quiver: please report it with the message."""

    status = Status.INTERNAL


#: The exception class raised for each status (the extension reads this table).
ERROR_CLASSES = {
    Status.INVALID_ARGUMENT: InvalidArgumentError,
    Status.DIMENSION_MISMATCH: DimensionMismatchError,
    Status.NOT_FOUND: NotFoundError,
    Status.DUPLICATE_KEY: DuplicateKeyError,
    Status.IO: QuiverIOError,
    Status.CORRUPT: CorruptError,
    Status.UNSUPPORTED: UnsupportedError,
    Status.OUT_OF_MEMORY: OutOfMemoryError,
    Status.EMBEDDING: EmbeddingError,
    Status.INTERNAL: InternalError,
}

for _cls in (QuiverError, *ERROR_CLASSES.values(), QuiverFileNotFoundError, Status):
    _cls.__module__ = "quiver_vec"
del _cls
