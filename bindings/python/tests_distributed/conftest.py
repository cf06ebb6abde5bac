"""One simulated Ray cluster (a head and two worker nodes on this machine) per test module."""

from __future__ import annotations

import numpy as np
import pytest

ray = pytest.importorskip("ray")
psutil = pytest.importorskip("psutil")
from ray.cluster_utils import Cluster  # noqa: E402

# Small nodes: the test machine may have 2 cores; actors reserve no CPU, build tasks one.
NODE = dict(num_cpus=1, object_store_memory=128 * 2**20)


@pytest.fixture(scope="module")
def cluster():
    """A 3-node cluster; yields it and every process it started (to check that none outlive it)."""
    cluster = Cluster(initialize_head=True, head_node_args=dict(NODE, include_dashboard=False))
    for _ in range(2):
        cluster.add_node(**NODE)
    cluster.wait_for_nodes()
    ray.init(address=cluster.address, logging_level="ERROR", log_to_driver=False)
    cluster.started = set()  # pids of the cluster's processes, added to as tests start actors
    cluster.note_processes = lambda: cluster.started.update(
        p.pid for p in psutil.Process().children(recursive=True))
    cluster.note_processes()
    yield cluster
    if ray.is_initialized():
        ray.shutdown()
    cluster.shutdown()


def clustered(rng, n, dim, clusters=20):
    centres = rng.normal(size=(clusters, dim)).astype(np.float32) * 4
    labels = rng.integers(0, clusters, size=n)
    return (centres[labels] + rng.normal(size=(n, dim)).astype(np.float32)).astype(np.float32)


def recall(found, truth):
    hits = sum(len(set(f.tolist()) & set(t.tolist())) for f, t in zip(found, truth))
    return hits / truth.size
