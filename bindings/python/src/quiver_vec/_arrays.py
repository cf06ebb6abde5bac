"""The slow path of array conversion (the extension takes C-contiguous float32
and uint64 arrays as they are and hands everything else to these)."""

from __future__ import annotations

import operator

import numpy as np


def as_float32(obj, what: str) -> np.ndarray:
    """``obj`` as a C-contiguous float32 array: one conversion of a float16,
    float64, integer, strided, Fortran-order or byte-swapped array, or of a
    sequence. TypeError for a dtype that is not a number."""
    arr = np.asarray(obj)
    if arr.dtype.kind not in "fiu":
        raise TypeError(
            f"{what} must be an array of floats (float16, float32 or float64; integers are "
            f"converted), not of dtype {arr.dtype}"
        )
    return np.ascontiguousarray(arr, dtype=np.float32)


def as_keys(obj, what: str) -> np.ndarray:
    """``obj`` (an int or a sequence or array of them) as a 1-D C-contiguous
    uint64 array. TypeError for non-integers, ValueError for keys out of
    0 .. 2**64-1 or a shape that is not 1-D."""
    if not isinstance(obj, np.ndarray):
        shape = np.shape(obj)
        if shape == ():
            raise TypeError(f"{what} must be an int or a sequence of ints, not {type(obj).__name__}")
        if len(shape) != 1:
            raise ValueError(f"{what} must be one key or a 1-D sequence of keys, got shape {shape}")
        try:
            items = [operator.index(k) for k in obj]
        except TypeError as e:
            raise TypeError(f"{what} must be integers in 0 .. 2**64-1, got {obj!r:.80}") from e
        bad = [k for k in items if not 0 <= k < 2**64]
        if bad:
            raise ValueError(f"{what} must be in 0 .. 2**64-1, got {bad[0]}")
        return np.array(items, dtype=np.uint64)
    if obj.dtype.kind not in "iu":
        raise TypeError(f"{what} must be integers in 0 .. 2**64-1, not of dtype {obj.dtype}")
    if obj.ndim != 1:
        raise ValueError(f"{what} must be one key or a 1-D array of keys, got shape {obj.shape}")
    if obj.dtype.kind == "i" and obj.size and int(obj.min()) < 0:
        raise ValueError(f"{what} must be in 0 .. 2**64-1, got {int(obj.min())}")
    return np.ascontiguousarray(obj, dtype=np.uint64)
