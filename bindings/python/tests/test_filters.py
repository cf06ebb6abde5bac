"""Search filters: Python callables (with the GIL), key collections (without),
and a callable's exception surfacing as itself."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import quiver_vec as qv
from conftest import brute_force, clustered


@pytest.fixture(params=["flat", "hnsw"])
def index_and_data(request, rng):
    data = clustered(rng, 1500, 12)
    ix = qv.Index(12, "l2", request.param)
    ix.add(np.arange(1500), data)
    return ix, data


def test_callable_filter_matches_numpy(index_and_data):
    ix, data = index_and_data
    keep = np.arange(1500) % 3 == 0
    queries = data[:20] + 0.01
    truth, _ = brute_force("l2", queries, data[keep], np.arange(1500)[keep], 5)
    keys, _ = ix.search(queries, 5, ef=200, filter=lambda key: key % 3 == 0)
    assert (keys % 3 == 0).all()
    assert np.mean([len(set(a) & set(b)) / 5 for a, b in zip(keys.tolist(), truth.tolist())]) >= 0.95
    one, _ = ix.search(queries[0], 5, ef=200, filter=lambda key: key % 3 == 0)
    assert (one % 3 == 0).all()


@pytest.mark.parametrize("kind_of_collection", ["set", "list", "array", "frozenset", "dict"])
def test_collection_filter(index_and_data, kind_of_collection):
    ix, data = index_and_data
    allowed = [5, 77, 1000, 1499]
    filt = {"set": set(allowed), "list": allowed, "array": np.array(allowed, np.uint64),
            "frozenset": frozenset(allowed), "dict": dict.fromkeys(allowed)}[kind_of_collection]
    keys, dist = ix.search(data[77], 10, filter=filt)
    assert keys[0] == 77 and set(keys[:4].tolist()) == set(allowed)
    assert (keys[4:] == qv.MISSING).all() and np.isinf(dist[4:]).all()


def test_filter_keeping_nothing(index_and_data):
    ix, data = index_and_data
    keys, _ = ix.search(data[:3], 4, filter=lambda key: False)
    assert (keys == qv.MISSING).all()
    keys, _ = ix.search(data[:3], 4, filter=[])
    assert (keys == qv.MISSING).all()


def test_filter_exception_surfaces_as_itself(index_and_data):
    ix, data = index_and_data

    class Boom(Exception):
        pass

    def bad(key):
        raise Boom(f"no {key}")

    with pytest.raises(Boom, match="no"):
        ix.search(data[0], 5, filter=bad)
    with pytest.raises(Boom) as e:
        ix.search(data[:50], 5, filter=bad, threads=2)
    assert any(frame.name == "bad" for frame in e.traceback)  # its own traceback
    with pytest.raises(ValueError, match="truth value"):  # bool() of the answer failed
        ix.search(data[0], 5, filter=lambda key: np.array([1, 2]))
    # the index is fine afterwards
    assert ix.search(data[0], 1)[0][0] == 0


def test_filter_may_not_call_back_into_its_index(index_and_data):
    ix, data = index_and_data
    with pytest.raises(RuntimeError, match="filter"):
        ix.search(data[0], 5, filter=lambda key: len(ix) > 0)
    with pytest.raises(RuntimeError):
        ix.search(data[0], 5, filter=lambda key: ix.close())
    assert not ix.closed and len(ix) == 1500


def test_batch_filter_runs_on_several_threads(index_and_data):
    ix, data = index_and_data
    seen = set()

    def filt(key):
        seen.add(threading.get_ident())
        return True

    keys, _ = ix.search(data[:200], 3, filter=filt, threads=2)
    assert (keys[:, 0] == np.arange(200)).mean() > 0.95
    assert len(seen) >= 1
