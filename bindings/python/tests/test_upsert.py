"""Index.upsert: add or replace, metadata kept, its errors (qv_index_upsert)."""

from __future__ import annotations

import numpy as np
import pytest

import quiver_vec as qv

from conftest import clustered


@pytest.mark.parametrize("kind", ["hnsw", "flat"])
def test_upsert_adds_a_new_key_and_replaces_a_live_one(kind, rng):
    data = clustered(rng, 200, 16)
    ix = qv.Index(16, "l2", kind)
    ix.add(np.arange(200), data)
    ix.set_metadata(7, "seven")

    fresh = rng.normal(size=16).astype(np.float32) * 10
    ix.upsert(500, fresh)  # a new key: added
    assert len(ix) == 201 and 500 in ix
    np.testing.assert_array_equal(ix.get(500), fresh)

    moved = (data[7] + 50).astype(np.float32)  # far from every other vector
    ix.upsert(7, moved)  # a live key: replaced
    assert len(ix) == 201
    np.testing.assert_array_equal(ix.get(7), moved)
    keys, dist = ix.search(moved, k=3)
    assert keys[0] == 7 and dist[0] == 0
    assert ix.get_metadata_str(7) == "seven"
    old_keys, _ = ix.search(data[7], k=5)
    assert 7 not in old_keys.tolist()


def test_upsert_of_arrays_goes_key_by_key_in_order(rng):
    ix = qv.Index(4, "l2")
    ix.add(np.arange(3), rng.random((3, 4)))
    new = rng.random((4, 4)).astype(np.float32)
    ix.upsert(np.array([1, 10, 11, 1]), new)  # key 1 twice: its last vector stays
    assert len(ix) == 5
    np.testing.assert_array_equal(ix.get([10, 11]), new[1:3])
    np.testing.assert_array_equal(ix.get(1), new[3])
    with pytest.raises(ValueError, match="keys for"):
        ix.upsert([1, 2], new[:1])


def test_upsert_refuses_bad_vectors_and_changes_nothing_for_them(rng):
    ix = qv.Index(4, "l2")
    before = rng.random((3, 4)).astype(np.float32)
    ix.add(np.arange(3), before)
    with pytest.raises(qv.InvalidArgumentError):
        ix.upsert(1, [1.0, np.nan, 0.0, 0.0])
    with pytest.raises(qv.InvalidArgumentError):
        ix.upsert(9, [np.inf, 0.0, 0.0, 0.0])
    with pytest.raises(qv.DimensionMismatchError):
        ix.upsert(1, [1.0, 2.0, 3.0])
    with pytest.raises(qv.InvalidArgumentError):
        qv.Index(4, "cosine").upsert(1, np.zeros(4))
    assert len(ix) == 3 and 9 not in ix
    np.testing.assert_array_equal(ix.get(1), before[1])
    # A batch stops at its first bad row: the rows before it are upserted.
    rows = np.ones((3, 4), dtype=np.float32)
    rows[1, 2] = np.nan
    with pytest.raises(qv.InvalidArgumentError):
        ix.upsert([20, 21, 22], rows)
    assert 20 in ix and 21 not in ix and 22 not in ix


def test_upsert_on_a_read_only_index_is_unsupported(tmp_path, rng):
    ix = qv.Index(4, "l2")
    ix.add(np.arange(10), rng.random((10, 4)))
    ix.save(tmp_path / "ix.qv")
    ro = qv.Index.open(tmp_path / "ix.qv", mmap=True)
    before = ro.get(1)
    for key in (1, 99):
        with pytest.raises(qv.UnsupportedError):
            ro.upsert(key, [1.0, 2.0, 3.0, 4.0])
    assert len(ro) == 10
    np.testing.assert_array_equal(ro.get(1), before)
    loaded = qv.Index.open(tmp_path / "ix.qv", mmap=False)
    loaded.upsert(1, [1.0, 2.0, 3.0, 4.0])
    np.testing.assert_array_equal(loaded.get(1), [1.0, 2.0, 3.0, 4.0])


def test_upsert_on_a_closed_index_raises_value_error():
    ix = qv.Index(2)
    ix.close()
    with pytest.raises(ValueError, match="closed"):
        ix.upsert(1, [1.0, 0.0])
