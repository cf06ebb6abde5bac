"""Property tests (hypothesis): random add / remove / search sequences on an
exact index agree with a NumPy model of the same operations."""

from __future__ import annotations

import numpy as np
import pytest

import quiver_vec as qv

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

DIM = 4
vector = st.lists(st.integers(-8, 8), min_size=DIM, max_size=DIM).filter(lambda v: any(v))
operation = st.one_of(
    st.tuples(st.just("add"), st.integers(0, 30), vector),
    st.tuples(st.just("remove"), st.integers(0, 30), st.none()),
    st.tuples(st.just("search"), st.integers(1, 8), vector),
)


@settings(max_examples=60, deadline=None)
@given(ops=st.lists(operation, max_size=40), metric=st.sampled_from(["l2", "ip", "cosine"]))
def test_flat_index_matches_a_numpy_model(ops, metric):
    ix = qv.Index(DIM, metric, "flat")
    model: dict[int, np.ndarray] = {}
    for op, arg, vec in ops:
        if op == "add":
            v = np.array(vec, np.float32)
            if arg in model:
                with pytest.raises(qv.DuplicateKeyError):
                    ix.add(arg, v)
            else:
                ix.add(arg, v)
                model[arg] = v
        elif op == "remove":
            if arg in model:
                ix.remove(arg)
                del model[arg]
            else:
                with pytest.raises(qv.NotFoundError):
                    ix.remove(arg)
        else:
            q = np.array(vec, np.float64)
            keys, dist = ix.search(q, arg)
            expected = sorted(distance(metric, q, v) for v in model.values())[:arg]
            found = keys != qv.MISSING
            assert found.sum() == len(expected)
            np.testing.assert_allclose(dist[found], expected, rtol=1e-4, atol=1e-4)
            for key, d in zip(keys[found].tolist(), dist[found]):
                assert abs(distance(metric, q, model[key]) - d) <= 1e-4 + 1e-4 * abs(d)
        assert len(ix) == len(model)
        for key in list(model)[:3]:
            assert key in ix


def distance(metric, q, v):
    v = v.astype(np.float64)
    if metric == "l2":
        return float(((q - v) ** 2).sum())
    if metric == "ip":
        return float(1 - q @ v)
    return float(1 - q @ v / (np.linalg.norm(q) * np.linalg.norm(v)))


@settings(max_examples=25, deadline=None)
@given(keys=st.lists(st.integers(0, 2**64 - 2), min_size=1, max_size=20, unique=True))
def test_any_key_round_trips(keys):
    ix = qv.Index(2, "l2", "flat")
    vectors = np.arange(2 * len(keys), dtype=np.float32).reshape(-1, 2) + 1
    ix.add(keys, vectors)
    for i, key in enumerate(keys):
        assert key in ix
        np.testing.assert_array_equal(ix.get(key), vectors[i])
