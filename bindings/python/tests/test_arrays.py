"""Vectors and keys in any dtype and layout NumPy users have; wrong ones refused
with the exceptions Python users expect."""

from __future__ import annotations

import numpy as np
import pytest

import quiver_vec as qv


def exact_index(data, metric="l2"):
    ix = qv.Index(data.shape[1], metric, "flat")
    ix.add(np.arange(len(data)), np.ascontiguousarray(data, dtype=np.float32))
    return ix


@pytest.fixture
def data(rng):
    return rng.random((64, 16)).astype(np.float32)


def same_answers(ix, queries_a, queries_b, k=5):
    ka, da = ix.search(queries_a, k)
    kb, db = ix.search(queries_b, k)
    np.testing.assert_array_equal(ka, kb)
    np.testing.assert_allclose(da, db, rtol=1e-5)


@pytest.mark.parametrize("dtype", [np.float64, np.float16, np.int32, np.int64, np.uint8])
def test_other_dtypes_are_converted(data, dtype):
    ix = exact_index(data)
    converted = data.astype(dtype) if dtype != np.uint8 else (data * 100).astype(np.uint8)
    same_answers(ix, converted, converted.astype(np.float32))
    other = qv.Index(16, "l2", "flat")
    other.add(np.arange(64), converted)
    np.testing.assert_array_equal(other.get(3), converted[3].astype(np.float32))


def test_fortran_order_strided_and_byteswapped(data):
    ix = exact_index(data)
    fortran = np.asfortranarray(data[:10])
    assert not fortran.flags.c_contiguous
    same_answers(ix, fortran, data[:10])
    wide = np.repeat(data, 2, axis=1)  # columns 0, 2, 4 ... are data
    strided = wide[:, ::2]
    assert not strided.flags.c_contiguous
    same_answers(ix, strided, data)
    every_other_row = data[::2]
    same_answers(ix, every_other_row, np.ascontiguousarray(every_other_row))
    reversed_rows = data[::-1]
    same_answers(ix, reversed_rows, np.ascontiguousarray(reversed_rows))
    swapped = data.astype(data.dtype.newbyteorder(">"))
    same_answers(ix, swapped, data)
    # Adding a strided view stores the right rows.
    other = qv.Index(16, "l2", "flat")
    other.add(np.arange(32), every_other_row)
    np.testing.assert_array_equal(other.get(5), data[10])
    other.add(np.arange(100, 164), np.asfortranarray(data))
    np.testing.assert_array_equal(other.get(163), data[63])


def test_lists_read_only_and_scalar_keys(data):
    ix = qv.Index(3, "l2", "flat")
    ix.add(1, [1, 0, 0])
    ix.add([2, 3], [[0, 1, 0], [0, 0, 1]])
    ix.add(np.uint64(4), np.array([1, 1, 0], np.float32))
    ix.add(np.array([5], np.int64), np.array([[1, 1, 1]], np.float64))
    frozen = np.array([[2.0, 0, 0]], np.float32)
    frozen.setflags(write=False)
    ix.add([6], frozen)
    assert len(ix) == 6
    assert ix.search(frozen[0], 1)[0][0] == 6
    assert ix.search((0.0, 0.9, 0.1), 1)[0][0] == 2


def test_big_keys_round_trip():
    ix = qv.Index(2, "l2", "flat")
    big = [2**64 - 2, 2**63, 2**63 + 1]
    ix.add(big, [[1, 0], [0, 1], [1, 1]])
    keys, _ = ix.search([[1, 0]], 3)
    assert sorted(keys[0].tolist()) == sorted(big)
    assert 2**64 - 2 in ix


@pytest.mark.parametrize(
    "bad, error",
    [
        (np.zeros((2, 2, 16), np.float32), ValueError),  # 3-D
        (np.zeros((4, 15), np.float32), qv.DimensionMismatchError),
        (np.zeros(17, np.float32), qv.DimensionMismatchError),
        (np.zeros(()), ValueError),  # 0-D
        (np.array([["a"] * 16]), TypeError),
        (np.zeros((1, 16), np.complex64), TypeError),
        (np.zeros((1, 16), bool), TypeError),
        (np.array([[object()] * 16]), TypeError),
        ("not a vector", TypeError),
    ],
)
def test_wrong_vectors_are_refused(data, bad, error):
    ix = exact_index(data)
    with pytest.raises(error):
        ix.search(bad, 3)
    with pytest.raises(error):
        ix.add(np.arange(1000, 1000 + max(1, len(np.atleast_1d(bad)))), bad)
    assert len(ix) == 64


def test_dimension_mismatch_is_a_value_error(data):
    ix = exact_index(data)
    with pytest.raises(ValueError, match="dim 16"):
        ix.search(np.zeros(8), 1)
    assert issubclass(qv.DimensionMismatchError, ValueError)


def test_ragged_lists_are_refused(data):
    ix = exact_index(data)
    with pytest.raises(ValueError):
        ix.add([1000, 1001], [[0.0] * 16, [0.0] * 15])


@pytest.mark.parametrize(
    "keys, error",
    [
        ([-1], ValueError),
        (-5, ValueError),
        ([1.5], TypeError),
        (1.0, TypeError),
        (np.array([1.0]), TypeError),
        ("7", TypeError),
        ([[1], [2]], ValueError),
        (2**64, ValueError),
        (True, TypeError),
    ],
)
def test_wrong_keys_are_refused(keys, error):
    ix = qv.Index(2, "l2", "flat")
    with pytest.raises(error):
        ix.add(keys, [1.0, 2.0])
    assert len(ix) == 0


def test_key_count_must_match_vectors(data):
    ix = qv.Index(16, "l2")
    with pytest.raises(ValueError, match="3 keys for 2 vectors"):
        ix.add([1, 2, 3], data[:2])
    with pytest.raises(ValueError):
        ix.add(1, data[:2])


def test_outputs_are_fresh_numpy_arrays(data):
    ix = exact_index(data)
    keys, dist = ix.search(data[:3], 4)
    assert keys.flags.c_contiguous and keys.flags.writeable and keys.flags.owndata is not None
    keys[:] = 0  # ours to change; the next search is unaffected
    again, _ = ix.search(data[:3], 4)
    assert again[0, 0] == 0 and again[1, 0] == 1


def test_k_must_be_positive(data):
    ix = exact_index(data)
    with pytest.raises(ValueError, match="k"):
        ix.search(data[0], 0)
    with pytest.raises(ValueError):
        ix.search(data[0], -3)
