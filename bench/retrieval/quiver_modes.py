"""Quiver through its Python binding: one text index per embedder, and the
three ways of ranking documents for a query (vector, keyword, hybrid)."""
import time

import numpy as np
import quiver_vec as qv

MODES = ("vector", "keyword", "hybrid")


def build(embedder, docs, kind, chunk_size, chunk_overlap):
    """An index holding every document (key = its row in docs) through the
    text layer; returns it and the seconds add_texts took."""
    ix = qv.Index(embedder.dim, metric="cosine", kind=kind)
    ix.set_embedder(embedder)
    ix.set_text_options(unit="characters", chunk_size=chunk_size, chunk_overlap=chunk_overlap)
    t = time.perf_counter()
    ix.add_texts(np.arange(len(docs), dtype=np.uint64), [d["text"] for d in docs])
    return ix, time.perf_counter() - t


def chunk_texts(ix, n_docs):
    """[(chunk key, text)] of every chunk, the texts the keyword index holds."""
    out = []
    for doc in range(n_docs):
        n = 0
        while qv.chunk_key(doc, n) in ix:
            key = qv.chunk_key(doc, n)
            out.append((key, ix.get_metadata_str(key)))
            n += 1
    return out


def keyword_docs(ix, query, k):
    """Documents in the order of their best chunk by BM25, as search_hybrid
    ranks them: 4k chunks are read, four times as many while that gives
    fewer than k documents and more chunks match."""
    want = 4 * k
    while True:
        keys, _ = ix.search_keywords(query, k=want)
        keys = keys[keys != qv.MISSING]
        docs = []
        for key in keys:
            d = qv.doc_key(int(key))
            if d not in docs:
                docs.append(d)
                if len(docs) == k:
                    return docs
        if len(keys) < want:
            return docs
        want *= 4


def vector_docs(ix, query, k):
    docs, _ = ix.search_text(query, k=k)
    return [int(d) for d in docs if d != qv.MISSING]


def rank(ix, mode, query, k):
    """The top k document keys for one query, best first."""
    if mode == "vector":
        return vector_docs(ix, query, k)
    if mode == "keyword":
        return keyword_docs(ix, query, k)
    docs, _, _ = ix.search_hybrid(query, k=k)
    return [int(d) for d in docs if d != qv.MISSING]
