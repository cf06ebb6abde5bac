"""save / open (mmap and load) round trips, verify, compact, .npy export and import."""

from __future__ import annotations

import os

import numpy as np
import pytest

import quiver_vec as qv
from conftest import clustered


@pytest.fixture(params=["flat", "hnsw"])
def built(request, rng):
    data = clustered(rng, 2000, 16)
    ix = qv.Index(16, "cosine", request.param, threads=1)
    keys = np.arange(2000, dtype=np.uint64) * 3
    ix.add(keys, data)
    ix.remove(keys[:10])
    ix.set_metadata(30, "thirty")
    return ix, data, keys


@pytest.mark.parametrize("mmap", [True, False])
@pytest.mark.parametrize("compress", [False, True])
def test_round_trip_gives_the_same_answers(tmp_path, built, mmap, compress):
    ix, data, _ = built
    path = tmp_path / "index.qv"
    ix.save(path, compress_vectors=compress, compress_graph=compress, zstd_level=1 if compress else 0)
    again = qv.Index.open(path, mmap=mmap)
    assert again.read_only == mmap and len(again) == len(ix) == 1990
    assert again.info().kind == ix.kind and again.metric == "cosine" and again.dim == 16
    queries = data[100:150]
    k1, d1 = ix.search(queries, 10)
    k2, d2 = again.search(queries, 10)
    np.testing.assert_array_equal(k1, k2)
    np.testing.assert_allclose(d1, d2, rtol=1e-6)
    assert again.get_metadata_str(30) == "thirty"
    assert 0 not in again and 30 in again
    if not mmap:
        again.add(1, data[0])
        assert 1 in again


def test_open_accepts_str_bytes_and_pathlike(tmp_path, built):
    ix, _, _ = built
    path = tmp_path / "p.qv"
    ix.save(str(path))
    for p in (path, str(path), os.fsencode(path)):
        with qv.Index.open(p, verify=False) as again:
            again.verify()
            assert len(again) == 1990
    with qv.Index.open(path, verify="deferred") as again:
        again.verify()
    with pytest.raises(ValueError):
        qv.Index.open(path, verify="sometimes")


def test_verify_notices_a_changed_file(tmp_path, built):
    ix, _, _ = built
    path = tmp_path / "v.qv"
    ix.save(path)
    mapped = qv.Index.open(path, mmap=True, verify=False)
    with open(path, "r+b") as f:  # truncating a mapped file: verify says so instead of crashing
        f.truncate(os.path.getsize(path) // 2)
    with pytest.raises(qv.CorruptError, match="size"):
        mapped.verify()
    mapped.close()


def test_compact_gives_tombstones_back(built):
    ix, data, keys = built
    before = ix.info().deleted
    ix.compact()
    info = ix.info()
    assert info.deleted == 0 and info.count == 1990
    if ix.kind == "hnsw":
        assert before == 10
    assert ix.search(data[500], 1)[0][0] == keys[500]
    assert ix.get_metadata_str(30) == "thirty"


def test_export_and_import_npy(tmp_path, built):
    ix, data, keys = built
    vec_path, key_path = tmp_path / "v.npy", tmp_path / "k.npy"
    ix.export_npy(vec_path, key_path)
    vectors, exported = np.load(vec_path), np.load(key_path)
    assert vectors.dtype == np.float32 and vectors.shape == (1990, 16)
    assert exported.dtype == np.uint64 and sorted(exported.tolist()) == sorted(keys[10:].tolist())
    position = {int(k): i for i, k in enumerate(keys)}
    rows = [position[int(k)] for k in exported]
    np.testing.assert_allclose(vectors, data[rows], rtol=1e-5)
    other = qv.Index(16, "cosine", "flat")
    other.import_npy(vec_path, key_path)
    assert len(other) == 1990 and keys[500] in other
    third = qv.Index(16, "l2", "flat")
    np.save(tmp_path / "f64.npy", data[:7].astype(np.float64))
    third.import_npy(tmp_path / "f64.npy")  # keys 0..n-1
    assert len(third) == 7 and 6 in third
    with pytest.raises(qv.DimensionMismatchError):
        qv.Index(8).import_npy(vec_path)
    with pytest.raises(FileNotFoundError):
        other.import_npy(tmp_path / "none.npy")
    with pytest.raises(qv.DuplicateKeyError):
        other.import_npy(vec_path, key_path)
