"""The benchmark's data sets: the same real vectors as bench/ plus the
real-text set that make_text_data.py caches. Nothing is copied into the
repository; a set whose files are missing is skipped with a message."""
import gzip
import os
from dataclasses import dataclass

import numpy as np

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEFAULT_DATA = os.path.join(REPO, "..", "shared", "data")
DEFAULT_TEXT_CACHE = "/work/cache/quiver-bench/apt-minilm"


class Missing(Exception):
    """A data set's files are not there: the set is skipped, saying why."""


@dataclass
class Dataset:
    name: str
    base: np.ndarray      # (n, d) float32, C-contiguous
    queries: np.ndarray   # (nq, d) float32
    gt: np.ndarray        # (nq, >= k) int64: exact nearest base rows, nearest first
    metric: str           # "l2" or "cosine"
    note: str


def _read_vecs(path, dtype):
    if not os.path.exists(path):
        raise Missing("%s not found" % path)
    raw = np.fromfile(path, dtype=np.int32)
    d = int(raw[0])
    rows = raw.reshape(-1, d + 1)
    return rows[:, 1:].view(dtype).copy() if dtype == np.float32 else rows[:, 1:].copy()


def _exact_l2(base, queries, k):
    """Exact L2 top-k in float64 (pixel data are integers: no rounding ties)."""
    b = base.astype(np.float64)
    bn = (b * b).sum(1)
    out = np.empty((len(queries), k), dtype=np.int64)
    for s in range(0, len(queries), 200):
        q = queries[s:s + 200].astype(np.float64)
        d = bn[None, :] - 2.0 * q @ b.T + (q * q).sum(1)[:, None]
        part = np.argpartition(d, k - 1, axis=1)[:, :k]
        order = np.argsort(np.take_along_axis(d, part, axis=1), axis=1, kind="stable")
        out[s:s + 200] = np.take_along_axis(part, order, axis=1)
    return out


def siftsmall(data_dir):
    d = os.path.join(data_dir, "siftsmall")
    return Dataset(
        "siftsmall",
        _read_vecs(os.path.join(d, "siftsmall_base.fvecs"), np.float32),
        _read_vecs(os.path.join(d, "siftsmall_query.fvecs"), np.float32),
        _read_vecs(os.path.join(d, "siftsmall_groundtruth.ivecs"), np.int32).astype(np.int64),
        "l2", "ANN_SIFT10K (texmex), ground truth from its file")


def mnist(data_dir, n_base=9000):
    path = os.path.join(data_dir, "mnist", "t10k-images-idx3-ubyte.gz")
    if not os.path.exists(path):
        raise Missing("%s not found" % path)
    with gzip.open(path, "rb") as f:
        raw = f.read()
    count = int.from_bytes(raw[4:8], "big")
    images = np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(count, 784).astype(np.float32)
    base, queries = np.ascontiguousarray(images[:n_base]), np.ascontiguousarray(images[n_base:])
    return Dataset("mnist", base, queries, _exact_l2(base, queries, 100), "l2",
                   "MNIST test images 0..%d as base, the other %d as queries, brute-force ground truth"
                   % (n_base - 1, count - n_base))


def apt_minilm(cache_dir):
    files = [os.path.join(cache_dir, f) for f in ("base.npy", "queries.npy", "gt.npy")]
    for f in files:
        if not os.path.exists(f):
            raise Missing("%s not found: run bench/python/make_text_data.py first" % f)
    base, queries, gt = (np.load(f) for f in files)
    return Dataset("apt-minilm", np.ascontiguousarray(base, dtype=np.float32),
                   np.ascontiguousarray(queries, dtype=np.float32), gt.astype(np.int64), "cosine",
                   "Debian package descriptions embedded with all-MiniLM-L6-v2 (unit vectors), "
                   "exact cosine ground truth")


LOADERS = {
    "siftsmall": lambda a: siftsmall(a.data),
    "mnist": lambda a: mnist(a.data),
    "apt-minilm": lambda a: apt_minilm(a.text_cache),
}
