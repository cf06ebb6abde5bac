"""Shared helpers: random data and exact answers computed with NumPy."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def clustered(rng, n, dim, clusters=20):
    """Data with structure, as real embeddings have (HNSW's home ground)."""
    centres = rng.normal(size=(clusters, dim)).astype(np.float32) * 4
    labels = rng.integers(0, clusters, size=n)
    return (centres[labels] + rng.normal(size=(n, dim)).astype(np.float32)).astype(np.float32)


def distances(metric, queries, data):
    """Quiver's distances (see qv_metric) between each query and each row, float64."""
    q = np.asarray(queries, dtype=np.float64)
    d = np.asarray(data, dtype=np.float64)
    if metric == "l2":
        return ((q[:, None, :] - d[None, :, :]) ** 2).sum(-1)
    if metric == "ip":
        return 1.0 - q @ d.T
    qn = q / np.linalg.norm(q, axis=1, keepdims=True)
    dn = d / np.linalg.norm(d, axis=1, keepdims=True)
    return 1.0 - qn @ dn.T


def brute_force(metric, queries, data, keys, k):
    """The exact k nearest keys and distances of each query."""
    dist = distances(metric, queries, data)
    order = np.argsort(dist, axis=1, kind="stable")[:, :k]
    return keys[order], np.take_along_axis(dist, order, axis=1)


def recall(found, truth):
    hits = sum(len(set(f.tolist()) & set(t.tolist())) for f, t in zip(found, truth))
    return hits / truth.size
