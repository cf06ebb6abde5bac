"""Search answers against NumPy brute force, for every metric and index kind."""

from __future__ import annotations

import numpy as np
import pytest

import quiver_vec as qv
from conftest import brute_force, clustered, distances, recall

METRICS = ["l2", "ip", "cosine"]
KINDS = ["flat", "hnsw"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("metric", METRICS)
def test_recall_against_numpy(rng, metric, kind):
    n, dim, nq, k = 3000, 24, 50, 10
    data = clustered(rng, n, dim)
    if metric == "ip":
        data /= np.linalg.norm(data, axis=1, keepdims=True)  # IP as used: unit vectors
    keys = rng.permutation(10 * n)[:n].astype(np.uint64) + 5
    queries = clustered(rng, nq, dim)
    ix = qv.Index(dim, metric=metric, kind=kind)
    ix.add(keys, data)
    assert len(ix) == n
    found, dist = ix.search(queries, k, ef=128)
    assert found.shape == (nq, k) and found.dtype == np.uint64
    assert dist.shape == (nq, k) and dist.dtype == np.float32
    truth, truth_dist = brute_force(metric, queries, data, keys, k)
    r = recall(found, truth)
    if kind == "flat":
        # Exact: the same distances (keys may differ only between equal distances).
        np.testing.assert_allclose(dist, truth_dist, rtol=1e-4, atol=1e-4)
        assert r >= 0.99
    else:
        assert r >= 0.95, f"recall@{k} {r}"
    # Every distance returned is the metric's distance to the returned key.
    position = {int(key): i for i, key in enumerate(keys)}
    rows = np.array([[position[int(x)] for x in row] for row in found])
    exact = distances(metric, queries, data)
    np.testing.assert_allclose(dist, np.take_along_axis(exact, rows, axis=1), rtol=1e-3, atol=1e-3)
    # Sorted nearest first.
    assert np.all(np.diff(dist, axis=1) >= -1e-6)


@pytest.mark.parametrize("kind", KINDS)
def test_one_query_gives_one_row_of_the_batch(rng, kind):
    data = clustered(rng, 500, 8)
    ix = qv.Index(8, "l2", kind, threads=1)
    ix.add(np.arange(500), data)
    batch_keys, batch_dist = ix.search(data[:5], 7)
    for i in range(5):
        keys, dist = ix.search(data[i], 7)
        assert keys.shape == (7,) and dist.shape == (7,)
        np.testing.assert_array_equal(keys, batch_keys[i])
        np.testing.assert_allclose(dist, batch_dist[i])
    assert ix.search(data[3], 1)[0][0] == 3


def test_missing_results_are_marked(rng):
    ix = qv.Index(4, "l2", "flat")
    ix.add([10, 11, 12], rng.random((3, 4)))
    keys, dist = ix.search(rng.random(4), 5)
    assert sorted(keys[:3].tolist()) == [10, 11, 12]
    assert keys[3] == qv.MISSING == 2**64 - 1 and keys[4] == qv.MISSING
    assert np.isinf(dist[3:]).all() and np.isfinite(dist[:3]).all()
    keys, dist = ix.search(rng.random((2, 4)), 4)
    assert (keys[:, 3] == qv.MISSING).all() and np.isinf(dist[:, 3]).all()


def test_empty_index_and_empty_batch():
    ix = qv.Index(3)
    keys, dist = ix.search([1.0, 2.0, 3.0], 2)
    assert (keys == qv.MISSING).all() and np.isinf(dist).all()
    keys, dist = ix.search(np.zeros((0, 3), np.float32), 4)
    assert keys.shape == (0, 4) and dist.shape == (0, 4)
    ix.add(np.zeros(0, np.uint64), np.zeros((0, 3), np.float32))  # a no-op
    assert len(ix) == 0


def test_ef_and_threads_arguments(rng):
    data = clustered(rng, 2000, 16)
    ix = qv.Index(16, "l2", ef_search=16)
    ix.add(np.arange(2000), data)
    truth, _ = brute_force("l2", data[:40], data, np.arange(2000), 10)
    low = recall(ix.search(data[:40], 10, ef=10)[0], truth)
    high = recall(ix.search(data[:40], 10, ef=400, threads=1)[0], truth)
    assert high >= low and high >= 0.98
    with pytest.raises(ValueError):
        ix.search(data[0], 10, ef=-1)
    with pytest.raises(TypeError):
        ix.search(data[0], 10, ef=1.5)


def test_get_remove_contains_len(rng):
    data = rng.random((20, 6)).astype(np.float32)
    ix = qv.Index(6, "l2", "hnsw")
    ix.add(np.arange(100, 120), data)
    np.testing.assert_array_equal(ix.get(105), data[5])
    np.testing.assert_array_equal(ix.get([100, 119]), data[[0, 19]])
    assert 105 in ix and 99 not in ix and -1 not in ix and "x" not in ix and 2**70 not in ix
    assert np.uint64(105) in ix
    ix.remove(105)
    assert 105 not in ix and len(ix) == 19
    assert 105 not in ix.search(data[5], 19)[0]
    ix.remove(np.array([100, 101]))
    assert len(ix) == 17
    ix.add(105, data[5])  # a removed key may come back
    assert ix.search(data[5], 1)[0][0] == 105


def test_cosine_get_gives_the_vector_back(rng):
    v = (rng.random(5) * 7).astype(np.float32)
    ix = qv.Index(5)  # cosine, hnsw by default
    assert ix.metric == "cosine" and ix.kind == "hnsw" and ix.dim == 5
    ix.add(1, v)
    np.testing.assert_allclose(ix.get(1), v, rtol=1e-5)


def test_info_uses_names(rng):
    ix = qv.Index(8, "ip", "hnsw", m=8, ef_construction=50, ef_search=20, seed=7)
    ix.add(np.arange(10), rng.random((10, 8)))
    ix.remove(3)
    info = ix.info()
    assert info == qv.IndexInfo(kind="hnsw", metric="ip", dim=8, count=9, deleted=1,
                                metadata_count=0, m=8, ef_construction=50, ef_search=20,
                                seed=7, read_only=False, storage="f32",
                                keeps_originals=False)
    flat = qv.Index(8, "l2", "flat").info()
    assert flat.kind == "flat" and flat.metric == "l2" and flat.m == 0
    assert "hnsw" in repr(ix) and "count=9" in repr(ix)


def test_context_manager_and_close(rng):
    with qv.Index(4, "l2") as ix:
        ix.add(1, [1, 2, 3, 4])
        assert not ix.closed
    assert ix.closed and "closed" in repr(ix)
    for call in (lambda: len(ix), lambda: ix.search([1, 2, 3, 4], 1), lambda: ix.add(2, [0, 0, 0, 1]),
                 lambda: ix.save("x.qv"), ix.info, ix.compact):
        with pytest.raises(ValueError, match="closed"):
            call()
    ix.close()  # twice is fine


def test_version():
    assert qv.version() == qv.__version__
    major, minor, patch = (int(x) for x in qv.version().split("."))
    assert qv.version_number() == major * 10000 + minor * 100 + patch


@pytest.mark.parametrize(
    "storage, metric",
    [("f16", "l2"), ("f16", "cosine"), ("i8", "l2"), ("i8", "ip"), ("b1", "cosine"), ("b1", "ip")],
)
def test_compact_storage_types_keep_recall(rng, storage, metric):
    n, dim = 3000, 32
    data = clustered(rng, n, dim)
    if metric == "ip":
        data /= np.linalg.norm(data, axis=1, keepdims=True)
    queries = clustered(rng, 40, dim)
    ix = qv.Index(dim, metric, "hnsw", storage=storage)
    ix.add(np.arange(n), data)
    info = ix.info()
    assert info.storage == storage == ix.storage
    assert info.keeps_originals == (storage in ("i8", "b1"))
    truth, truth_dist = brute_force(metric, queries, data, np.arange(n), 10)
    keys, dist = ix.search(queries, 10, ef=200)
    # One sign bit per dimension walks the graph coarsely (docs/storage.md): a low bar.
    assert recall(keys, truth) >= (0.3 if storage == "b1" else 0.95)
    if storage != "f16":  # re-ranked on the float32 originals: exact distances
        exact = np.take_along_axis(distances(metric, queries, data), keys.astype(np.int64), axis=1)
        np.testing.assert_allclose(dist, exact, rtol=1e-4, atol=1e-4)
    fewer, _ = ix.search(queries, 10, ef=200, rerank=10)
    assert recall(fewer, truth) <= recall(keys, truth) + 1e-9
    assert ix.search(queries[0], 10, rerank=None)[0].shape == (10,)


def test_storage_choices_and_memory(rng):
    data = clustered(rng, 2000, 64)
    sizes = {}
    for storage, keep in [("f32", True), ("f16", True), ("i8", False), ("i8", True)]:
        ix = qv.Index(64, "l2", "hnsw", storage=storage, keep_originals=keep)
        ix.add(np.arange(2000), data)
        sizes[(storage, keep)] = ix.memory_bytes()
    assert sizes[("f16", True)] < sizes[("f32", True)]
    assert sizes[("i8", False)] < sizes[("f16", True)] < sizes[("i8", True)]
    with pytest.raises(ValueError, match="storage"):
        qv.Index(4, storage="f64")
    flat = qv.Index(4, kind="flat", storage="f16")
    flat.add(1, np.ones(4, np.float32))
    keys, _ = flat.search(np.ones(4, np.float32), 1)
    assert keys[0] == 1
    with pytest.raises(qv.InvalidArgumentError):
        qv.Index(4, metric="l2", storage="b1")


def test_compact_storage_round_trips(tmp_path, rng):
    data = clustered(rng, 1000, 16)
    ix = qv.Index(16, "cosine", storage="i8")
    ix.add(np.arange(1000), data)
    ix.save(tmp_path / "i8.qv")
    for mmap in (True, False):
        again = qv.Index.open(tmp_path / "i8.qv", mmap=mmap)
        assert again.storage == "i8" and again.info().keeps_originals
        np.testing.assert_array_equal(again.search(data[:20], 5)[0], ix.search(data[:20], 5)[0])
