"""quiver_vec.distributed without Ray installed: it imports, and says how to get Ray.

The main suite's venv has no Ray (tests_distributed/ runs with it, as its own CTest test).
"""

from __future__ import annotations

import importlib.util
import sys

import numpy as np
import pytest

from quiver_vec import distributed as qd

no_ray = pytest.mark.skipif(importlib.util.find_spec("ray") is not None, reason="Ray is installed")


def test_importing_it_does_not_import_ray():
    assert "ray" not in sys.modules


@no_ray
def test_build_and_open_say_how_to_install_ray(tmp_path):
    with pytest.raises(ImportError, match=r"pip install 'quiver-vec\[ray\]'"):
        qd.build([(np.arange(3), np.ones((3, 4)))], tmp_path, num_shards=2)
    with pytest.raises(ImportError, match="quiver-vec"):
        qd.ShardedIndex.open(tmp_path)


def test_partitioning_and_manifests_need_no_ray(tmp_path):
    assert qd.shard_of([0, 1, 2, 3], 4).tolist() == [3, 1, 2, 1]
    with pytest.raises(qd.ManifestNotFoundError, match="build the index first"):
        qd.read_manifest(tmp_path)
