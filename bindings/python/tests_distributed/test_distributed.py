"""quiver_vec.distributed on a simulated 3-node Ray cluster: 20k vectors in 4 shards.

Build, exact equality with one FLAT index (ties by key), HNSW recall against
one HNSW index, text search, write routing, checkpoint + reopen, a killed
actor and a killed node during searches, a build that dies half-way, and no
process left behind.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import quiver_vec as qv
from conftest import clustered, recall

ray = pytest.importorskip("ray")
from quiver_vec import distributed as qd  # noqa: E402

N, DIM, SHARDS, K = 20_000, 32, 4, 10
BATCH = 2_500


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(16)
    keys = rng.choice(10**12, N, replace=False).astype(np.uint64)
    vectors = clustered(rng, N, DIM)
    vectors[-200:] = vectors[:200]  # 200 vectors held twice, under two keys: ties in distance
    queries = np.concatenate([clustered(rng, 150, DIM), vectors[:50]])  # 50 queries hit a tie
    return keys, vectors, queries


def batches(keys, vectors):
    return ((keys[i : i + BATCH], vectors[i : i + BATCH]) for i in range(0, len(keys), BATCH))


def single(keys, vectors, **options):
    """One index holding every vector, added in key order (a FLAT index breaks ties by row)."""
    order = np.argsort(keys)
    index = qv.Index(DIM, **options)
    index.add(keys[order], vectors[order])
    return index


@pytest.fixture(scope="module")
def flat(cluster, data, tmp_path_factory):
    keys, vectors, _ = data
    seen = []
    directory = tmp_path_factory.mktemp("flat")
    manifest = qd.build(batches(keys, vectors), directory, num_shards=SHARDS, kind="flat",
                        metric="l2", progress=seen.append)
    return directory, manifest, seen


@pytest.fixture(scope="module")
def flat_single(data):
    keys, vectors, _ = data
    return single(keys, vectors, kind="flat", metric="l2")


@pytest.fixture(scope="module")
def flat_index(flat):
    with qd.ShardedIndex.open(flat[0]) as index:
        yield index


def copy_of(directory, tmp_path, name="copy"):
    return shutil.copytree(directory, tmp_path / name)


# -- partitioning and manifest -----------------------------------------------------------------
def test_shard_of_is_a_fixed_function_of_the_key():
    # splitmix64(k) % S, as any process on any machine computes it (not Python's hash()).
    def splitmix64(z):
        m = 2**64 - 1
        z = (z + 0x9E3779B97F4A7C15) & m
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & m
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & m
        return z ^ (z >> 31)

    some = [0, 1, 2, 3, 10**12, 2**63, 2**64 - 2]
    for shards in (3, 4, 7):
        assert qd.shard_of(some, shards).tolist() == [splitmix64(k) % shards for k in some]
    assert qd.shard_of([0, 1, 2, 3, 2**64 - 2], 4).tolist() == [3, 1, 2, 1, 1]
    assert qd.shard_of(12345, 1).tolist() == [0]
    counts = np.bincount(qd.shard_of(np.arange(100_000), 8), minlength=8)
    assert counts.min() > 0.95 * 100_000 / 8
    with pytest.raises(ValueError, match="num_shards"):
        qd.shard_of([1], 0)
    with pytest.raises(ValueError, match="negative"):
        qd.shard_of([-1], 4)


def test_importing_quiver_vec_does_not_import_ray():
    code = "import sys, quiver_vec, quiver_vec.distributed; print('ray' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_build_writes_shards_and_manifest(flat, data):
    directory, manifest, seen = flat
    keys, _, _ = data
    assert manifest.version == 1 and manifest.num_shards == SHARDS and manifest.count == N
    assert qd.versions(directory) == [1]
    expected = np.bincount(qd.shard_of(keys, SHARDS), minlength=SHARDS)
    assert [s.count for s in manifest.shards] == expected.tolist()
    body = json.loads((directory / "manifest-000001.json").read_text())
    assert body["format_version"] == qd.FORMAT_VERSION and body["partition"] == "splitmix64-mod"
    assert body["options"]["kind"] == "flat" and body["options"]["metric"] == "l2"
    for shard in manifest.shards:
        assert shard.sha256 == qd._manifest.file_sha256(directory / shard.file)
        assert shard.bytes == os.path.getsize(directory / shard.file)
    assert qd.read_manifest(directory) == manifest
    # Progress: rows per shard while routing, then each shard as it is built.
    assert seen[0].phase == "routing" and seen[-1].phase == "done"
    assert seen[-1].rows == N and list(seen[-1].rows_per_shard) == expected.tolist()
    assert [p.shards_built for p in seen if p.phase == "building"] == [1, 2, 3, 4]


def test_build_from_a_ray_dataset_with_metadata(cluster, tmp_path):
    pytest.importorskip("ray.data")  # ray[data]: pandas and pyarrow
    rng = np.random.default_rng(5)
    vectors = rng.normal(size=(3000, 8)).astype(np.float32)
    rows = [{"id": k, "vec": v, "text": f"row {k}"} for k, v in enumerate(vectors)]
    dataset = ray.data.from_items(rows)
    manifest = qd.build(dataset, tmp_path, num_shards=2, kind="flat", metric="l2",
                        key_column="id", vector_column="vec", metadata_column="text")
    assert manifest.count == 3000
    with qd.ShardedIndex.open(tmp_path) as index:
        assert index.search(vectors[1234], 1)[0].tolist() == [1234]
        assert index.get_metadata(1234) == b"row 1234"


# -- search ------------------------------------------------------------------------------------
def test_flat_shards_answer_exactly_as_one_flat_index(flat_index, flat_single, data):
    _, _, queries = data
    keys, dists = flat_index.search(queries, K)
    want_keys, want_dists = flat_single.search(queries, K)
    assert np.array_equal(keys, want_keys) and np.array_equal(dists, want_dists)
    one_keys, one_dists = flat_index.search(queries[7], K)
    assert one_keys.shape == (K,) and np.array_equal(one_keys, want_keys[7])
    # More than the index holds: the rest is MISSING / inf, as for one index.
    many = flat_index.search(queries[:3], 30)[0]
    assert np.array_equal(many, flat_single.search(queries[:3], 30)[0])


def test_ties_go_to_the_lower_key_across_shards(flat_index, flat_single, data):
    keys, vectors, queries = data
    tied = queries[150:]  # each equals two rows, under two keys, usually on two shards
    found, dists = flat_index.search(tied, K)
    assert (dists[:, 0] == 0).all() and (dists[:, 1] == 0).all()
    pairs = np.stack([keys[:50], keys[-200:-150]], axis=1)
    assert np.array_equal(found[:, :2], np.sort(pairs, axis=1))
    assert np.array_equal(found, flat_single.search(tied, K)[0])


def test_filters_reach_each_shard(flat_index, flat_single, data):
    keys, _, queries = data
    allowed = set(keys[::7].tolist())
    got = flat_index.search(queries[:20], K, filter=allowed)
    want = flat_single.search(queries[:20], K, filter=allowed)
    assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])
    odd = lambda key: key % 2 == 1  # noqa: E731 (a callable travels pickled to every shard)
    assert np.array_equal(flat_index.search(queries[:5], K, filter=odd)[0],
                          flat_single.search(queries[:5], K, filter=odd)[0])


def test_hnsw_recall_within_001_of_one_index(cluster, data, flat_single, tmp_path):
    keys, vectors, queries = data
    options = dict(kind="hnsw", metric="l2", m=12, ef_construction=80)
    qd.build(batches(keys, vectors), tmp_path, num_shards=SHARDS, **options)
    truth = flat_single.search(queries, K)[0]
    with single(keys, vectors, **options) as one, qd.ShardedIndex.open(tmp_path) as sharded:
        for ef in (16, 64):
            alone = recall(one.search(queries, K, ef=ef)[0], truth)
            spread = recall(sharded.search(queries, K, ef=ef)[0], truth)
            assert spread >= alone - 0.01, (ef, spread, alone)


def test_search_text_embeds_once_on_the_callers_side(flat, data):
    calls = []

    def embed(texts):
        calls.append(list(texts))
        rows = [np.random.default_rng(sum(map(ord, t))).normal(size=DIM) for t in texts]
        return np.array(rows, dtype=np.float32)

    embedder = qv.Embedder.from_function(embed, DIM)
    with qd.ShardedIndex.open(flat[0], embedder=embedder) as index:
        texts = ["bread", "graphs", "rivers"]
        keys, dists = index.search_text(texts, K)
        assert len(calls) == 1 and calls[0] == texts
        assert np.array_equal(keys, index.search(embed(texts), K)[0])


def test_wrong_queries_are_the_callers_errors(flat_index):
    with pytest.raises(qv.DimensionMismatchError, match="3 dimensions, the index 32"):
        flat_index.search(np.ones((2, 3)), K)
    with pytest.raises(ValueError, match="k must be"):
        flat_index.search(np.ones(DIM), 0)
    with pytest.raises(ValueError, match="embedder"):
        flat_index.search_text("no embedder", K)


# -- writes and checkpoints --------------------------------------------------------------------
def test_writes_route_by_key_and_checkpoint_publishes_a_new_version(flat, data, tmp_path):
    keys, vectors, queries = data
    directory = copy_of(flat[0], tmp_path)
    rng = np.random.default_rng(3)
    new_keys = np.arange(10**13, 10**13 + 60, dtype=np.uint64)
    new_vectors = clustered(rng, 60, DIM)
    gone, moved = keys[1000:1040], keys[2000:2020]
    moved_to = clustered(rng, 20, DIM)
    reference = single(keys, vectors, kind="flat", metric="l2")
    reader = qd.ShardedIndex.open(directory)  # opened on version 1, before any write
    before = reader.search(queries, K)
    with qd.ShardedIndex.open(directory) as writer:
        writer.add(new_keys, new_vectors, metadata=[f"new {i}" for i in range(60)])
        writer.remove(gone)
        writer.upsert(moved, moved_to)
        reference.add(new_keys, new_vectors)
        reference.remove(gone)
        reference.upsert(moved, moved_to)
        # Each write went to the shard that owns its key.
        counts = [row[0]["count"] for row in writer.describe()]
        owner = lambda ks: np.bincount(qd.shard_of(ks, SHARDS), minlength=SHARDS)  # noqa: E731
        assert counts == (owner(keys) + owner(new_keys) - owner(gone)).tolist()
        assert len(writer) == N + 60 - 40
        assert writer.contains(new_keys).all() and not writer.contains(gone).any()
        assert np.array_equal(writer.get(moved), moved_to)
        assert writer.get_metadata(int(new_keys[7])) == b"new 7"
        with pytest.raises(qv.DuplicateKeyError, match=str(int(keys[5]))):
            writer.add(np.array([10**14, keys[5]], dtype=np.uint64), np.ones((2, DIM)))
        assert 10**14 not in writer  # all or nothing
        with pytest.raises(qv.NotFoundError, match=str(int(gone[0]))):
            writer.remove(np.array([keys[0], gone[0]]))
        assert keys[0] in writer
        assert np.array_equal(writer.search(queries, K)[0], reference.search(queries, K)[0])
        changed = set(qd.shard_of(np.concatenate([new_keys, gone, moved]), SHARDS).tolist())

        manifest = writer.checkpoint()
        assert manifest.version == 2 and qd.versions(directory) == [1, 2]
        assert manifest.count == N + 20 and writer.pending_writes == 0
        for s in range(SHARDS):
            assert (manifest.shards[s].file != flat[1].shards[s].file) == (s in changed)
        after = writer.search(queries, K)
    # The reader of version 1 still answers from version 1's files.
    assert np.array_equal(reader.search(queries, K)[0], before[0])
    reader.close()
    with qd.ShardedIndex.open(directory) as reopened:
        assert reopened.manifest.version == 2
        assert np.array_equal(reopened.search(queries, K)[0], after[0])
    with qd.ShardedIndex.open(directory / "manifest-000001.json") as old:
        assert np.array_equal(old.search(queries, K)[0], before[0])


def test_a_second_writer_cannot_overwrite_a_newer_manifest(flat, tmp_path):
    directory = copy_of(flat[0], tmp_path)
    with qd.ShardedIndex.open(directory) as first, qd.ShardedIndex.open(directory) as second:
        first.add(np.array([1]), np.ones((1, DIM)))
        first.checkpoint()
        second.add(np.array([2]), np.ones((1, DIM)))
        with pytest.raises(qd.ConcurrentWriterError, match="version 2"):
            second.checkpoint()
    assert qd.versions(directory) == [1, 2]


# -- faults --------------------------------------------------------------------------------------
def searching(index, queries, expected, seconds):
    """Searches in a thread for `seconds`; returns (thread, outcomes: 'ok' | 'wrong' | error)."""
    outcomes = []

    def run():
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                keys, dists = index.search(queries, K)
                outcomes.append("ok" if np.array_equal(keys, expected) else "wrong")
            except Exception as e:  # noqa: BLE001 (recorded, then asserted on)
                outcomes.append(e)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcomes


def kill(info):
    os.kill(info["pid"], signal.SIGKILL)


def test_killed_actor_mid_search_restarts_and_keeps_unsaved_writes(flat, data, tmp_path):
    keys, vectors, queries = data
    directory = copy_of(flat[0], tmp_path)
    with qd.ShardedIndex.open(directory, max_restarts=2) as index:
        index.add(np.array([7]), queries[:1])  # not checkpointed: replayed on the restarted actor
        expected = index.search(queries, K)[0]
        assert expected[0, 0] == 7
        victim = index.describe()[qd.shard_of(7, SHARDS)[0]][0]
        thread, outcomes = searching(index, queries, expected, 4.0)
        time.sleep(0.5)
        kill(victim)
        thread.join()
        assert outcomes and all(o == "ok" for o in outcomes), outcomes[:3]
        now = index.describe()[qd.shard_of(7, SHARDS)[0]][0]
        assert now["pid"] != victim["pid"] and 7 in index


def test_dead_shard_is_named_or_reported_with_allow_partial(flat, data, flat_single):
    keys, _, queries = data
    with qd.ShardedIndex.open(flat[0], max_restarts=0) as index:
        kill(index.describe()[2][0])
        with pytest.raises(qd.ShardsUnavailableError, match="shard 2 of 4 did not answer") as e:
            index.search(queries, K)
        assert e.value.shards == [2] and "allow_partial" in str(e.value)
        result = index.search(queries, K, allow_partial=True)
        assert result.missing_shards == [2]
        others = set(keys[qd.shard_of(keys, SHARDS) != 2].tolist())
        want = flat_single.search(queries, K, filter=others)
        assert np.array_equal(result.keys, want[0]) and np.array_equal(result.distances, want[1])
        with pytest.raises(qd.ShardsUnavailableError, match="shard 2"):
            index.upsert(keys[qd.shard_of(keys, SHARDS) == 2][:1], queries[:1])


def test_a_replica_answers_for_a_dead_one(flat, data, flat_single):
    _, _, queries = data
    with qd.ShardedIndex.open(flat[0], replicas=2, max_restarts=0) as index:
        expected = flat_single.search(queries, K)[0]
        thread, outcomes = searching(index, queries, expected, 2.0)
        time.sleep(0.3)
        kill(index.describe()[1][0])
        thread.join()
        assert outcomes and all(o == "ok" for o in outcomes), outcomes[:3]


def test_killed_node_mid_search(cluster, flat, data, flat_single):
    _, _, queries = data
    with qd.ShardedIndex.open(flat[0], max_restarts=3) as index:
        placed = [row[0]["node_id"] for row in index.describe()]  # spread over the nodes
        victim = next(n for n in cluster.worker_nodes if n.node_id in placed)
        lost = [s for s, node in enumerate(placed) if node == victim.node_id]
        expected = flat_single.search(queries, K)[0]
        thread, outcomes = searching(index, queries, expected, 5.0)
        time.sleep(0.5)
        cluster.remove_node(victim)
        thread.join()
        assert outcomes and all(o == "ok" for o in outcomes), outcomes[:3]
        moved = [row[0]["node_id"] for row in index.describe()]
        assert all(moved[s] != victim.node_id for s in lost)
    cluster.add_node(num_cpus=1, object_store_memory=128 * 2**20)  # back to three nodes
    cluster.wait_for_nodes()


# -- builds that die -------------------------------------------------------------------------------
def test_a_build_that_fails_half_way_leaves_the_previous_manifest(flat, data, tmp_path):
    keys, vectors, queries = data
    directory = copy_of(flat[0], tmp_path)

    def failing():
        yield keys[:5000], vectors[:5000]
        raise OSError("the input went away")

    with pytest.raises(OSError, match="went away"):
        qd.build(failing(), directory, num_shards=SHARDS, kind="flat", metric="l2")
    with pytest.raises(qv.DuplicateKeyError, match="more than once"):
        qd.build([(keys[:10], vectors[:10]), (keys[:1], vectors[:1])], directory, num_shards=2)
    with pytest.raises(qv.InvalidArgumentError, match="m is 1"):
        qd.build(batches(keys, vectors), directory, num_shards=2, m=1)  # before any routing
    assert qd.versions(directory) == [1]
    with qd.ShardedIndex.open(directory) as index:
        assert index.manifest.version == 1


DRIVER = """
import sys, time, numpy as np, ray
from quiver_vec import distributed as qd
ray.init(address=sys.argv[1], logging_level="ERROR", log_to_driver=False)
def slow():
    for i in range(100):
        print("batch", i, flush=True)
        yield np.arange(i * 100, i * 100 + 100), np.ones((100, 8), np.float32) + i
        time.sleep(0.1)
qd.build(slow(), sys.argv[2], num_shards=4, kind="flat")
"""


def test_a_build_killed_half_way_leaves_the_previous_manifest(cluster, flat, data, flat_single,
                                                               tmp_path):
    _, _, queries = data
    directory = copy_of(flat[0], tmp_path)
    driver = subprocess.Popen([sys.executable, "-c", DRIVER, cluster.address, str(directory)],
                              stdout=subprocess.PIPE, text=True)
    for line in driver.stdout:
        if line.startswith("batch 5"):
            break
    driver.kill()
    driver.wait()
    # A crash while publishing leaves at most a temporary file, which readers ignore.
    (directory / ".manifest-000002.json.999.tmp").write_text('{"version": 2')
    assert qd.versions(directory) == [1]
    with qd.ShardedIndex.open(directory) as index:
        assert np.array_equal(index.search(queries, K)[0], flat_single.search(queries, K)[0])
        assert index.manifest.version == 1 and len(index) == N


def test_manifest_and_file_errors(flat, tmp_path):
    with pytest.raises(qd.ManifestNotFoundError, match="no manifest"):
        qd.read_manifest(tmp_path)
    directory = copy_of(flat[0], tmp_path)
    body = json.loads((directory / "manifest-000001.json").read_text())
    (directory / "manifest-000002.json").write_text(json.dumps(dict(body, format_version=99)))
    with pytest.raises(qd.ManifestError, match="format version 99.*upgrade"):
        qd.read_manifest(directory)
    (directory / "manifest-000002.json").unlink()
    shard = directory / body["shards"][3]["file"]
    shard.write_bytes(shard.read_bytes()[:-1] + b"\x00")
    with pytest.raises(qv.CorruptError, match="shard 3: .*SHA-256 differs"):
        qd.ShardedIndex.open(directory)


# -- last: nothing left running ----------------------------------------------------------------
def test_zz_clean_shutdown(cluster):
    import psutil

    cluster.note_processes()
    assert cluster.started
    ray.shutdown()
    cluster.shutdown()
    deadline = time.monotonic() + 20
    alive = cluster.started
    while alive and time.monotonic() < deadline:
        alive = {p for p in alive if psutil.pid_exists(p)
                 and psutil.Process(p).status() != psutil.STATUS_ZOMBIE}
        time.sleep(0.2)
    assert not alive, f"processes still running after shutdown: {sorted(alive)}"
