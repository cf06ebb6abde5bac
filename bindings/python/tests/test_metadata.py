"""Metadata as bytes and str, through saves and mmap opens."""

from __future__ import annotations

import numpy as np
import pytest

import quiver_vec as qv


def test_bytes_and_str(tmp_path, rng):
    ix = qv.Index(4, "l2")
    ix.add(np.arange(5), rng.random((5, 4)))
    ix.set_metadata(0, b"\x00binary\xff")
    ix.set_metadata(1, "héllo wörld ✓")
    ix.set_metadata(2, bytearray(b"ba"))
    ix.set_metadata(3, memoryview(b"mv"))
    assert ix.get_metadata(0) == b"\x00binary\xff"
    assert ix.get_metadata(1) == "héllo wörld ✓".encode()
    assert ix.get_metadata_str(1) == "héllo wörld ✓"
    assert ix.get_metadata_str(0) == "\x00binary\ufffd"
    assert ix.get_metadata(2) == b"ba" and ix.get_metadata(3) == b"mv"
    assert ix.info().metadata_count == 4
    ix.set_metadata(2, None)
    ix.set_metadata(3, b"")
    with pytest.raises(qv.NotFoundError):
        ix.get_metadata(2)
    with pytest.raises(qv.NotFoundError):
        ix.get_metadata(3)
    with pytest.raises(TypeError):
        ix.set_metadata(4, 12)
    ix.remove(1)
    with pytest.raises(qv.NotFoundError):
        ix.get_metadata(1)
    ix.save(tmp_path / "m.qv")
    for mmap in (True, False):
        again = qv.Index.open(tmp_path / "m.qv", mmap=mmap)
        assert again.get_metadata(0) == b"\x00binary\xff"
        assert again.info().metadata_count == 1


def test_large_metadata(rng):
    ix = qv.Index(2, "l2", "flat")
    ix.add(1, [1, 2])
    blob = rng.bytes(1 << 20)
    ix.set_metadata(1, blob)
    assert ix.get_metadata(1) == blob
