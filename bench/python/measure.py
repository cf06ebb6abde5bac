"""Timings, recall and memory, as bench/ measures them (see bench/README.md)."""
import ctypes
import gc
import os
import time

import numpy as np

_libc = ctypes.CDLL("libc.so.6")
_PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_bytes():
    """Resident set size, after giving freed heap back to the system."""
    gc.collect()
    _libc.malloc_trim(0)
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * _PAGE


def timed(fn):
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def best_rate(pass_fn, items_per_pass, min_time, trials):
    """Best of `trials` rates (items/s); each timing repeats whole passes until
    it lasts at least min_time seconds."""
    best = 0.0
    for _ in range(trials):
        passes, start = 0, time.perf_counter()
        while True:
            pass_fn()
            passes += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_time:
                break
        best = max(best, passes * items_per_pass / elapsed)
    return best


def one_query_pass(fn, queries):
    """A pass of one-query calls: what a Python loop over requests costs."""
    def run():
        for q in queries:
            fn(q)
    return run


def one_query_results(fn, queries, k):
    out = np.full((len(queries), k), -1, dtype=np.int64)
    for i, q in enumerate(queries):
        r = np.asarray(fn(q)).reshape(-1)[:k].astype(np.int64)
        out[i, :len(r)] = r
    return out


class Recall:
    """Tie-aware recall@k: a returned key counts when its true distance to the
    query is <= the k-th true distance (x (1 + 1e-6) for rounding), so that
    any one of exact copies is a right answer. Distances in float64."""

    def __init__(self, ds, k):
        self.k = k
        self.metric = ds.metric
        self.base = ds.base.astype(np.float64)
        self.queries = ds.queries.astype(np.float64)
        if self.metric == "cosine":
            self.base /= np.linalg.norm(self.base, axis=1, keepdims=True)
            self.queries /= np.linalg.norm(self.queries, axis=1, keepdims=True)
        kth = self._dist(ds.gt[:, k - 1:k])[:, 0]
        self.limit = kth + np.abs(kth) * 1e-6 + 1e-12

    def _dist(self, ids):
        rows = self.base[ids]                       # (nq, m, d)
        q = self.queries[:, None, :]
        if self.metric == "l2":
            return ((rows - q) ** 2).sum(-1)
        return 1.0 - (rows * q).sum(-1)

    def __call__(self, ids):
        ids = np.asarray(ids, dtype=np.int64)[:, :self.k]
        valid = (ids >= 0) & (ids < len(self.base))
        hit = valid & (self._dist(np.where(valid, ids, 0)) <= self.limit[:, None])
        order = np.argsort(ids, axis=1, kind="stable")
        srt, hit = np.take_along_axis(ids, order, 1), np.take_along_axis(hit, order, 1)
        first = np.ones_like(hit)
        first[:, 1:] = srt[:, 1:] != srt[:, :-1]  # a key returned twice counts once
        hits = (hit & first).sum()
        return float(hits) / ids.size


def qps_at_recall(points, target):
    """points: [(recall, qps)] in ef order. Linear in recall, log in QPS between
    the first point at or above target and the one before it, as bench/ does.
    Returns (qps, kind): kind "" (interpolated), ">=" (the smallest ef already
    beats it) or "not reached" (qps None)."""
    for i, (r, q) in enumerate(points):
        if r < target:
            continue
        if i == 0:
            return q, ">="
        ra, qa = points[i - 1]
        f = (target - ra) / (r - ra) if r > ra else 1.0
        return float(np.exp(np.log(qa) + f * (np.log(q) - np.log(qa)))), ""
    return None, "not reached"
