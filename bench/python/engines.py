"""One adapter per engine, each driven the way its Python users call it.

Every engine builds an HNSW index with M = 16 and ef_construction = 200 and
answers three kinds of search: a batch on one thread, a batch on T threads,
and one query per call (a Python loop over the query rows, the way a web
handler searches). Result keys come back as int64 with -1 for a missing one.
"""
import sys

import numpy as np

MISSING = -1


class Engine:
    name = "?"

    def build(self, base, threads):
        raise NotImplementedError

    def set_ef(self, ef):
        raise NotImplementedError

    def search_batch(self, queries, k, threads):
        raise NotImplementedError

    def one_query_fn(self, k):
        """A callable q -> keys for one query row (the loop calls it per query)."""
        raise NotImplementedError

    def own_bytes(self):
        """The engine's own memory figure (see own_note)."""
        raise NotImplementedError

    own_note = ""

    def free(self):
        self.index = None


class Quiver(Engine):
    own_note = "memory_bytes()"

    def __init__(self, dim, metric, storage, m, ef_construction, seed):
        import quiver_vec as qv
        self.qv, self.dim, self.metric, self.storage = qv, dim, metric, storage
        self.m, self.efc, self.seed = m, ef_construction, seed
        self.name = "quiver" if storage == "f32" else "quiver-" + storage
        self.ef, self.index = None, None

    def build(self, base, threads):
        self.index = self.qv.Index(self.dim, metric=self.metric, kind="hnsw", storage=self.storage,
                                   m=self.m, ef_construction=self.efc, seed=self.seed,
                                   threads=threads)
        self.index.add(np.arange(len(base), dtype=np.uint64), base)

    def set_ef(self, ef):
        self.ef = ef

    def search_batch(self, queries, k, threads):
        keys, _ = self.index.search(queries, k=k, ef=self.ef, threads=threads)
        return keys.astype(np.int64)  # qv.MISSING (2**64 - 1) wraps to -1

    def one_query_fn(self, k):
        search, ef = self.index.search, self.ef
        return lambda q: search(q, k=k, ef=ef)[0]

    def own_bytes(self):
        return self.index.memory_bytes()

    def version(self):
        return self.qv.__version__


class Hnswlib(Engine):
    name = "hnswlib"
    own_note = "level-0 block + upper links + levels + locks, from its saved parameters"

    def __init__(self, dim, metric, m, ef_construction, seed):
        import hnswlib
        self.lib, self.dim, self.m, self.efc, self.seed = hnswlib, dim, m, ef_construction, seed
        self.space = {"l2": "l2", "cosine": "cosine"}[metric]
        self.index = None

    def build(self, base, threads):
        self.index = self.lib.Index(space=self.space, dim=self.dim)
        self.index.init_index(max_elements=len(base), M=self.m, ef_construction=self.efc,
                              random_seed=self.seed)
        self.index.add_items(base, np.arange(len(base)), num_threads=threads)

    def set_ef(self, ef):
        self.index.set_ef(ef)

    def search_batch(self, queries, k, threads):
        return self.index.knn_query(queries, k=k, num_threads=threads)[0].astype(np.int64)

    def one_query_fn(self, k):
        knn = self.index.knn_query
        return lambda q: knn(q, k=k, num_threads=1)[0]

    def own_bytes(self):
        s = self.index.__getstate__()[0]  # a copy of the index: called outside every timing
        levels = np.asarray(s["element_levels"], dtype=np.int64)
        return int(s["max_elements"] * s["size_data_per_element"]
                   + levels.sum() * s["size_links_per_element"] + levels.size * 4
                   + s["max_elements"] * 40)  # one std::mutex per element

    def version(self):
        return getattr(self.lib, "__version__", "0.8.0 (pip)")


class Faiss(Engine):
    name = "faiss"
    own_note = "codes + neighbours + offsets + levels"

    def __init__(self, dim, metric, m, ef_construction):
        import faiss
        self.faiss, self.dim, self.m, self.efc = faiss, dim, m, ef_construction
        # Cosine: inner product on unit vectors (the text set's rows are unit vectors; a FAISS
        # user normalises with faiss.normalize_L2 first).
        self.metric = faiss.METRIC_L2 if metric == "l2" else faiss.METRIC_INNER_PRODUCT
        self.index = None

    def build(self, base, threads):
        self.faiss.omp_set_num_threads(threads)
        self.index = self.faiss.IndexHNSWFlat(self.dim, self.m, self.metric)
        self.index.hnsw.efConstruction = self.efc
        self.index.add(base)

    def set_ef(self, ef):
        self.index.hnsw.efSearch = ef

    def search_batch(self, queries, k, threads):
        self.faiss.omp_set_num_threads(threads)
        return self.index.search(queries, k)[1]

    def one_query_fn(self, k):
        self.faiss.omp_set_num_threads(1)
        search = self.index.search
        return lambda q: search(q.reshape(1, -1), k)[1][0]

    def own_bytes(self):
        h = self.index
        return int(self.faiss.downcast_index(h.storage).codes.size() + h.hnsw.neighbors.size() * 4
                   + h.hnsw.offsets.size() * 8 + h.hnsw.levels.size() * 4)

    def version(self):
        return self.faiss.__version__ + " (" + self.faiss.get_compile_options().strip() + ")"


class USearch(Engine):
    own_note = "memory_usage"

    def __init__(self, dim, metric, dtype, m, ef_construction):
        import usearch
        from usearch.index import Index
        self.usearch, self.Index, self.dim, self.dtype = usearch, Index, dim, dtype
        self.metric = {"l2": "l2sq", "cosine": "cos"}[metric]
        self.m, self.efc = m, ef_construction
        self.name = "usearch" if dtype == "f32" else "usearch-" + dtype
        self.index = None

    def build(self, base, threads):
        self.index = self.Index(ndim=self.dim, metric=self.metric, dtype=self.dtype,
                                connectivity=self.m, expansion_add=self.efc)
        self.index.add(np.arange(len(base), dtype=np.uint64), base, threads=threads)

    def set_ef(self, ef):
        self.index.expansion_search = ef

    def search_batch(self, queries, k, threads):
        m = self.index.search(queries, k, threads=threads)
        keys = m.keys.astype(np.int64)
        keys[np.arange(k)[None, :] >= m.counts[:, None]] = MISSING
        return keys

    def one_query_fn(self, k):
        search = self.index.search  # threads=1: its default (0, all cores) costs ~15 us a call more
        return lambda q: search(q, k, threads=1).keys

    def own_bytes(self):
        return int(self.index.memory_usage)

    def version(self):
        return self.usearch.__version__


def make_engines(names, storages, usearch_dtypes, dim, metric, args):
    """Engines in the order their timings go round: Quiver's storage types first."""
    out = []
    for name in names:
        if name == "quiver":
            for st in storages:
                if st == "b1" and metric == "l2":
                    print("quiver-b1 skipped: 1-bit codes are for cosine/ip, this set is l2",
                          file=sys.stderr)
                    continue
                out.append(Quiver(dim, metric, st, args.M, args.ef_construction, args.seed))
        elif name == "hnswlib":
            out.append(Hnswlib(dim, metric, args.M, args.ef_construction, args.seed))
        elif name == "faiss":
            out.append(Faiss(dim, metric, args.M, args.ef_construction))
        elif name == "usearch":
            for dt in usearch_dtypes:
                out.append(USearch(dim, metric, dt, args.M, args.ef_construction))
        else:
            raise SystemExit("unknown engine %r (quiver, hnswlib, faiss, usearch)" % name)
    return out
