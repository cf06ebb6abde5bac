"""Which shard owns a key: a stable hash of the key, the same in every process.

Python's ``hash()`` is salted per process for strings and is not part of any
format, so it cannot place keys that several machines (and later versions)
must agree on. The shard of key ``k`` among ``S`` is ``splitmix64(k) % S``,
splitmix64 being the 64-bit finalizer of Steele, Lea and Flood's SplitMix
(the mixer the engine uses for HNSW levels): consecutive keys spread evenly.
The manifest records the scheme's name, so a reader never guesses it.
"""

from __future__ import annotations

import numpy as np

from .._core import MISSING

#: The name of this scheme, as manifests record it.
SCHEME = "splitmix64-mod"

_C1 = np.uint64(0x9E3779B97F4A7C15)
_C2 = np.uint64(0xBF58476D1CE4E5B9)
_C3 = np.uint64(0x94D049BB133111EB)


def as_keys(keys) -> np.ndarray:
    """Keys as a 1-D uint64 array: one int or any integer array-like, each in 0 .. 2**64-2."""
    if isinstance(keys, (bool, np.bool_)):
        raise TypeError("a key must be an int, not a bool")
    if isinstance(keys, (int, np.integer)):
        if not 0 <= int(keys) < MISSING:
            raise ValueError(f"key {keys} is outside 0 .. 2**64-2")
        return np.array([int(keys)], dtype=np.uint64)
    if isinstance(keys, (list, tuple)):  # Python ints: NumPy would turn 2**64-2 into a float
        if not all(isinstance(k, (int, np.integer)) and not isinstance(k, bool) for k in keys):
            raise TypeError("keys must be ints")
        for k in keys:
            if not 0 <= int(k) < MISSING:
                raise ValueError(f"key {k} is outside 0 .. 2**64-2" if k >= 0 else
                                 f"key {k} is negative; keys are 0 .. 2**64-2")
        return np.array([int(k) for k in keys], dtype=np.uint64)
    array = np.asarray(keys)
    if array.size == 0:
        return np.zeros(0, dtype=np.uint64)
    if array.ndim != 1:
        raise ValueError(f"keys must be one int or a 1-D array, got shape {array.shape}")
    if array.dtype == object:  # Python ints beyond int64
        try:
            array = np.array([int(k) for k in array], dtype=np.uint64)
        except (OverflowError, TypeError, ValueError):
            raise ValueError("keys must be ints in 0 .. 2**64-2") from None
    if array.dtype.kind not in "iu":
        raise TypeError(f"keys must be integers, got an array of {array.dtype}")
    if array.dtype.kind == "i" and array.min() < 0:
        raise ValueError(f"key {int(array.min())} is negative; keys are 0 .. 2**64-2")
    array = array.astype(np.uint64, copy=False)
    if (array == np.uint64(MISSING)).any():
        raise ValueError("key 2**64-1 is reserved for missing results")
    return array


def mix(keys: np.ndarray) -> np.ndarray:
    """splitmix64 of each uint64 key (wrapping arithmetic, as in C)."""
    with np.errstate(over="ignore"):
        z = keys.astype(np.uint64) + _C1
        z = (z ^ (z >> np.uint64(30))) * _C2
        z = (z ^ (z >> np.uint64(27))) * _C3
        return z ^ (z >> np.uint64(31))


def shard_of(keys, num_shards: int) -> np.ndarray:
    """The shard (0 .. num_shards-1) that owns each key, as an int64 array."""
    if not isinstance(num_shards, (int, np.integer)) or num_shards < 1:
        raise ValueError(f"num_shards must be an int >= 1, got {num_shards!r}")
    return (mix(as_keys(keys)) % np.uint64(num_shards)).astype(np.int64)


def split(keys: np.ndarray, num_shards: int) -> list[np.ndarray]:
    """For each shard, the positions in ``keys`` of the keys it owns (in their order)."""
    owner = shard_of(keys, num_shards)
    order = np.argsort(owner, kind="stable")
    bounds = np.searchsorted(owner[order], np.arange(num_shards + 1))
    return [order[bounds[s] : bounds[s + 1]] for s in range(num_shards)]
