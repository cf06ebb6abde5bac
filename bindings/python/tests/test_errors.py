"""Every error path: the status enum stays the C header's, each status raises its
own class (with the built-in base Python users catch) and the library's message."""

from __future__ import annotations

import pathlib
import pickle
import re

import numpy as np
import pytest

import quiver_vec as qv

HEADER = pathlib.Path(__file__).resolve().parents[3] / "include" / "quiver" / "quiver.h"


def header_statuses():
    text = HEADER.read_text()
    body = re.search(r"typedef enum qv_status \{(.*?)\} qv_status;", text, re.S).group(1)
    body = re.sub(r"/\*.*?\*/", "", body, flags=re.S)
    names, value = [], -1
    for item in filter(None, (x.strip() for x in body.split(","))):
        name, _, explicit = (s.strip() for s in item.partition("="))
        value = int(explicit) if explicit else value + 1
        names.append((name, value))
    return names


def test_status_enum_matches_quiver_h():
    statuses = header_statuses()
    assert statuses[0] == ("QV_OK", 0) and len(statuses) >= 11
    python = [("QV_" + ("" if s.name == "OK" else "ERR_") + s.name, s.value) for s in qv.Status]
    assert python == statuses, "quiver_vec.Status drifted from qv_status in quiver.h"
    for name, value in statuses:
        assert qv.status_name(value) == name
    # Every error status has its own exception class.
    for status in list(qv.Status)[1:]:
        cls = qv._errors.ERROR_CLASSES[status]
        assert issubclass(cls, qv.QuiverError) and cls.status == status


def test_builtin_bases():
    assert issubclass(qv.InvalidArgumentError, ValueError)
    assert issubclass(qv.DuplicateKeyError, ValueError)
    assert issubclass(qv.NotFoundError, KeyError)
    assert issubclass(qv.QuiverFileNotFoundError, FileNotFoundError)
    assert issubclass(qv.QuiverIOError, OSError)
    assert issubclass(qv.OutOfMemoryError, MemoryError)


def test_invalid_arguments():
    with pytest.raises(qv.InvalidArgumentError) as e:
        qv.Index(0)
    assert e.value.status == qv.Status.INVALID_ARGUMENT and "dim" in str(e.value)
    with pytest.raises(qv.InvalidArgumentError):
        qv.Index(4, m=1)
    with pytest.raises(ValueError, match="metric"):
        qv.Index(4, metric="manhattan")
    with pytest.raises(ValueError, match="kind"):
        qv.Index(4, kind="ivf")
    ix = qv.Index(3, "cosine")
    with pytest.raises(qv.InvalidArgumentError, match="zero|length"):
        ix.add(1, [0, 0, 0])
    with pytest.raises(qv.InvalidArgumentError) as e:
        ix.add([1, 2], [[1, 0, 0], [np.nan, 0, 0]])
    assert isinstance(e.value, ValueError) and e.value.message == str(e.value)
    assert len(ix) == 0  # all or nothing
    with pytest.raises(qv.InvalidArgumentError):
        ix.search([np.inf, 0, 0], 1)


def test_duplicates_and_missing_keys():
    ix = qv.Index(2, "l2")
    ix.add(1, [0, 1])
    with pytest.raises(qv.DuplicateKeyError, match="1"):
        ix.add(1, [1, 0])
    with pytest.raises(qv.DuplicateKeyError):
        ix.add([5, 5], [[1, 0], [0, 1]])
    with pytest.raises(qv.NotFoundError):
        ix.get(2)
    with pytest.raises(KeyError):
        ix.remove(2)
    with pytest.raises(qv.NotFoundError):
        ix.get_metadata(1)
    with pytest.raises(qv.NotFoundError):
        ix.set_metadata(2, b"x")


def test_files(tmp_path):
    with pytest.raises(FileNotFoundError) as e:
        qv.Index.open(tmp_path / "missing.qv")
    assert isinstance(e.value, qv.NotFoundError) and "missing.qv" in str(e.value)
    with pytest.raises(qv.NotFoundError):
        qv.Index(2).save(tmp_path / "no" / "such" / "dir.qv")
    garbage = tmp_path / "garbage.qv"
    garbage.write_bytes(b"this is not an index" * 100)
    for mmap in (True, False):
        with pytest.raises(qv.CorruptError) as e:
            qv.Index.open(garbage, mmap=mmap)
        assert "garbage.qv" in str(e.value)
    with pytest.raises(qv.QuiverError) as e:  # a directory where the file should go
        qv.Index(2).save(tmp_path)
    assert e.value.status in (qv.Status.IO, qv.Status.INVALID_ARGUMENT, qv.Status.NOT_FOUND)
    with pytest.raises(ValueError, match="NUL"):
        qv.Index(2).save("bad\0name.qv")
    with pytest.raises(TypeError):
        qv.Index(2).save(42)


def test_truncated_file_is_corrupt(tmp_path, rng):
    ix = qv.Index(8, "l2")
    ix.add(np.arange(100), rng.random((100, 8)))
    path = tmp_path / "ix.qv"
    ix.save(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(qv.CorruptError):
        qv.Index.open(path)


def test_read_only_index_refuses_changes(tmp_path, rng):
    ix = qv.Index(4, "l2")
    ix.add(np.arange(10), rng.random((10, 4)))
    ix.save(tmp_path / "ix.qv")
    ro = qv.Index.open(tmp_path / "ix.qv", mmap=True)
    assert ro.read_only
    for call in (lambda: ro.add(99, [1, 2, 3, 4]), lambda: ro.remove(1),
                 lambda: ro.set_metadata(1, "x"), ro.compact):
        with pytest.raises(qv.UnsupportedError):
            call()


def test_unknown_status_from_the_future_still_raises_quiver_error():
    error = qv.QuiverError("message", 99)
    assert error.status == 99 and str(error) == "message"
    error = qv.QuiverError("message", qv.Status.IO)
    assert error.status == qv.Status.IO


def test_exceptions_pickle():
    error = qv.QuiverIOError("disk full")
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is qv.QuiverIOError and str(again) == "disk full"
    assert again.status == qv.Status.IO


def test_index_and_embedder_refuse_pickling():
    with pytest.raises(TypeError, match="save"):
        pickle.dumps(qv.Index(2))
    with pytest.raises(TypeError, match="pickle"):
        pickle.dumps(qv.Embedder.hashing(16))


def test_error_message_is_the_librarys():
    ix = qv.Index(2, "l2")
    ix.add(7, [1, 1])
    with pytest.raises(qv.DuplicateKeyError) as e:
        ix.add(7, [1, 1])
    assert str(e.value) == e.value.message and len(e.value.message) > 10
    assert repr(e.value).startswith("DuplicateKeyError(")
