#!/usr/bin/env python3
"""Sharded Quiver on Ray: build time, batch QPS, recall and memory for 1, 2, 4, 8 shards.

    python bench/distributed/run.py --n 1000000 --dim 32 --out /tmp/qv-dist

Vectors are generated (clustered Gaussian, seeded), keys 0..n-1. For each
shard count the index is built with quiver_vec.distributed.build into a fresh
directory, served with ShardedIndex.open, and searched in batches; one index
holding every vector (built and searched in this process, with the same
options) is the baseline. Ground truth is an exact FLAT search. Results go to
OUT/results.json and OUT/results.md (outside the repository).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import time

import numpy as np
import ray

import quiver_vec as qv
from quiver_vec import distributed as qd


def generated(n, dim, seed, latent=12, clusters=100):
    """Clustered points on a 12-dimensional subspace plus a little noise: embeddings have a
    low intrinsic dimension, which is what makes graph search work on them."""
    basis = np.random.default_rng(0).normal(size=(latent, dim)).astype(np.float32)
    centres = np.random.default_rng(1).normal(size=(clusters, latent)).astype(np.float32) * 2
    rng = np.random.default_rng(seed)
    out = np.empty((n, dim), dtype=np.float32)
    for start in range(0, n, 100_000):  # in slices, to keep the float64 temporaries small
        stop = min(n, start + 100_000)
        labels = rng.integers(0, clusters, size=stop - start)
        z = centres[labels] + rng.normal(size=(stop - start, latent)).astype(np.float32)
        out[start:stop] = z @ basis + 0.05 * rng.normal(size=(stop - start, dim))
    return out


def recall(found, truth):
    hits = sum(len(np.intersect1d(f, t)) for f, t in zip(found, truth))
    return hits / truth.size


def batched_search(search, queries, batch, k):
    keys, seconds = [], []
    for i in range(0, len(queries), batch):
        start = time.perf_counter()
        keys.append(search(queries[i : i + batch], k))
        seconds.append(time.perf_counter() - start)
    return np.concatenate(keys), seconds


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--n", type=int, default=1_000_000)
    p.add_argument("--dim", type=int, default=32)
    p.add_argument("--kind", default="hnsw", choices=["hnsw", "flat"])
    p.add_argument("--metric", default="l2")
    p.add_argument("--m", type=int, default=16)
    p.add_argument("--ef-construction", type=int, default=100)
    p.add_argument("--ef", type=int, default=64)
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--queries", type=int, default=1000)
    p.add_argument("--batch", type=int, default=100)
    p.add_argument("--shards", default="1,2,4,8")
    p.add_argument("--cpus", type=int, default=os.cpu_count())
    p.add_argument("--out", default="/tmp/quiver-bench-distributed")
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    options = dict(kind=a.kind, metric=a.metric, m=a.m, ef_construction=a.ef_construction)

    t = time.perf_counter()
    data = generated(a.n, a.dim, seed=10)
    queries = generated(a.queries, a.dim, seed=20)
    keys = np.arange(a.n, dtype=np.uint64)
    print(f"generated {a.n} x {a.dim} in {time.perf_counter() - t:.1f} s", flush=True)

    with qv.Index(a.dim, "l2", "flat") as exact:
        exact.add(keys, data)
        truth = exact.search(queries, a.k)[0]

    # The baseline: one index holding every vector, in this process, all cores.
    t = time.perf_counter()
    one = qv.Index(a.dim, threads=a.cpus, **options)
    one.add(keys, data)
    one_build = time.perf_counter() - t
    found, seconds = batched_search(lambda q, k: one.search(q, k, ef=a.ef, threads=a.cpus)[0],
                                    queries, a.batch, a.k)
    baseline = dict(shards=0, build_s=one_build, qps=a.queries / sum(seconds),
                    batch_ms=1000 * float(np.median(seconds)), recall=recall(found, truth),
                    memory_bytes=one.memory_bytes())
    one.close()
    print("one index:", json.dumps(baseline), flush=True)

    ray.init(num_cpus=a.cpus, include_dashboard=False, logging_level="ERROR",
             log_to_driver=False, object_store_memory=max(a.n * a.dim * 4 * 2, 200 * 2**20))
    rows = [baseline]
    for shards in map(int, a.shards.split(",")):
        directory = os.path.join(a.out, f"index-{shards}")
        shutil.rmtree(directory, ignore_errors=True)
        batches = ((keys[i : i + 100_000], data[i : i + 100_000]) for i in range(0, a.n, 100_000))
        t = time.perf_counter()
        manifest = qd.build(batches, directory, num_shards=shards, threads=1, **options)
        build = time.perf_counter() - t
        with qd.ShardedIndex.open(directory) as ix:  # each shard searches on every core
            ix.search(queries[: a.batch], a.k, ef=a.ef)  # warm: pages mapped, workers up
            overhead, slowest = [], []

            def search(q, k):
                start = time.perf_counter()
                out = ix.search(q, k, ef=a.ef)[0]
                slowest.append(max(ix.last_search_seconds))
                overhead.append(time.perf_counter() - start - slowest[-1])
                return out

            found, seconds = batched_search(search, queries, a.batch, a.k)
            described = [row[0] for row in ix.describe()]
        row = dict(shards=shards, build_s=build, qps=a.queries / sum(seconds),
                   batch_ms=1000 * float(np.median(seconds)), recall=recall(found, truth),
                   overhead_ms=1000 * float(np.median(overhead)),
                   slowest_shard_ms=1000 * float(np.median(slowest)),
                   shard_memory_bytes=max(d["memory_bytes"] for d in described),
                   shard_file_bytes=max(s.bytes for s in manifest.shards),
                   shard_count=max(s.count for s in manifest.shards))
        rows.append(row)
        print(json.dumps(row), flush=True)
        shutil.rmtree(directory, ignore_errors=True)
    ray.shutdown()

    meta = dict(date=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), machine=platform.node(),
                cpus=os.cpu_count(), loadavg=os.getloadavg(), args=vars(a),
                quiver=qv.version(), ray=ray.__version__)
    with open(os.path.join(a.out, "results.json"), "w") as f:
        json.dump(dict(meta=meta, rows=rows), f, indent=1)
    lines = ["| shards | build s | QPS (batches of %d) | median batch ms | recall@%d | "
             "fan-out + merge ms/batch | largest shard: vectors, heap MB, file MB |" % (a.batch, a.k),
             "|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        name = "one index" if r["shards"] == 0 else str(r["shards"])
        extra = (f"{r['overhead_ms']:.1f}", f"{r['shard_count']}, {r['shard_memory_bytes'] / 2**20:.1f}, "
                 f"{r['shard_file_bytes'] / 2**20:.1f}") if r["shards"] else ("-", f"{a.n}, "
                 f"{r['memory_bytes'] / 2**20:.1f}, -")
        lines.append(f"| {name} | {r['build_s']:.1f} | {r['qps']:.0f} | {r['batch_ms']:.1f} | "
                     f"{r['recall']:.4f} | {extra[0]} | {extra[1]} |")
    with open(os.path.join(a.out, "results.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print(json.dumps(meta))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
