"""Keyword search (BM25 over metadata text) and hybrid search (meaning and
exact words by reciprocal rank fusion)."""

from __future__ import annotations

import numpy as np
import pytest

import quiver_vec as qv

TEXTS = {
    1: "red apples and green pears",
    2: "the quick brown fox",
    3: "apples apples apples everywhere",
    4: "nothing to see here",
}

DOCS = {
    1: "Honeybees make honey from the nectar of flowers inside the hive.",
    2: "Steam locomotives pulled the first trains across the country.",
    3: "The violin and the cello are string instruments. Part number ZX4711.",
    4: "Volcanoes erupt molten rock called lava from deep under the crust.",
    5: "Glaciers carve valleys as the ice slowly moves downhill.",
}


@pytest.fixture
def plain_index():
    ix = qv.Index(4, "l2", "flat")
    rng = np.random.default_rng(7)
    ix.add(np.array(list(TEXTS), np.uint64), rng.random((len(TEXTS), 4), np.float32))
    for key, text in TEXTS.items():
        ix.set_metadata(key, text)
    return ix


def test_keywords_find_the_words(plain_index):
    ix = plain_index
    keys, scores = ix.search_keywords("apples", k=10)
    assert keys.dtype == np.uint64 and scores.dtype == np.float32 and keys.shape == (10,)
    assert keys[:2].tolist() == [3, 1]  # three apples outrank one
    assert (scores[:2] > 0).all() and scores[0] >= scores[1]
    assert (keys[2:] == qv.MISSING).all() and (scores[2:] == 0).all()
    keys, _ = ix.search_keywords("FOX", k=1)  # case folded
    assert keys.tolist() == [2]
    keys, scores = ix.search_keywords(["apples", "quick fox"], k=2)
    assert keys.shape == (2, 2) and keys[1, 0] == 2
    keys, _ = ix.search_keywords("apples", k=4, filter=lambda key: key != 3)
    assert keys[0] == 1 and 3 not in keys.tolist()


def test_keywords_follow_metadata_changes(plain_index):
    ix = plain_index
    ix.search_keywords("fox", k=1)  # builds the keyword index first
    ix.set_metadata(2, "a lazy dog sleeps")
    keys, _ = ix.search_keywords("fox", k=4)
    assert 2 not in keys.tolist()
    keys, scores = ix.search_keywords("lazy dog", k=4)
    assert keys[0] == 2 and scores[0] > 0
    ix.set_metadata(2, None)
    assert 2 not in ix.search_keywords("lazy dog", k=4)[0].tolist()


def test_keywords_blank_and_bad_arguments(plain_index):
    ix = plain_index
    keys, scores = ix.search_keywords("   ", k=3)
    assert (keys == qv.MISSING).all() and (scores == 0).all()
    with pytest.raises(ValueError):
        ix.search_keywords("apples", k=0)
    with pytest.raises(TypeError):
        ix.search_keywords(None, k=3)


@pytest.fixture
def doc_index():
    ix = qv.Index(256, "cosine", "flat")
    ix.set_embedder(qv.Embedder.hashing(256))
    ix.add_texts(list(DOCS), list(DOCS.values()))
    return ix


def test_hybrid_puts_the_exact_token_first(doc_index):
    ix = doc_index
    docs, chunks, scores = ix.search_hybrid("ZX4711", k=5)
    assert docs[0] == 3 and qv.doc_key(int(chunks[0])) == 3
    assert ix.get_metadata_str(int(chunks[0])) == DOCS[3]
    found = [d for d in docs.tolist() if d != qv.MISSING]
    assert len(found) == len(set(found)) and found
    real = scores[: len(found)]
    assert (real > 0).all() and (np.diff(real) <= 0).all()
    keys, _ = ix.search_keywords("zx4711", k=1)
    assert keys[0] == qv.chunk_key(3, 0)
    docs, _, _ = ix.search_hybrid(["ZX4711", "lava volcanoes"], k=2)
    assert docs.shape == (2, 2) and docs[1, 0] == 4


def test_hybrid_needs_an_embedder(doc_index):
    ix = doc_index
    ix.set_embedder(None)
    with pytest.raises(qv.InvalidArgumentError):
        ix.search_hybrid("ZX4711", k=3)
    keys, _ = ix.search_keywords("ZX4711", k=1)  # keywords need none
    assert keys[0] == qv.chunk_key(3, 0)


def fused_scores(ix, query, weight):
    """Each document's score by the formula of quiver.h: 1 / (60 + meaning rank)
    + weight / (60 + keyword rank), ranks from 1 (a document ranks by its
    first chunk among the keyword hits)."""
    fused = {}
    meaning, _ = ix.search_text(query, k=50)
    for rank, doc in enumerate(d for d in meaning.tolist() if d != qv.MISSING):
        fused[doc] = 1 / (60 + rank + 1)
    chunks, _ = ix.search_keywords(query, k=50)
    words = list(dict.fromkeys(qv.doc_key(int(c)) for c in chunks if c != qv.MISSING))
    for rank, doc in enumerate(words):
        fused[doc] = fused.get(doc, 0.0) + weight / (60 + rank + 1)
    return fused


def test_hybrid_keyword_weight_follows_the_formula(doc_index):
    ix = doc_index
    query = "the lava of ZX4711"
    by_meaning = int(ix.search_text(query, k=1)[0][0])
    by_words = qv.doc_key(int(ix.search_keywords(query, k=1)[0][0]))
    assert by_meaning != by_words, "the rankings agree: pick another query"
    for weight in (None, 0, 3, 0.25, 1000):
        want = fused_scores(ix, query, 1.0 if not weight else weight)
        docs, chunks, scores = ix.search_hybrid(query, k=5, keyword_weight=weight)
        found = [int(d) for d in docs if d != qv.MISSING]
        assert sorted(found) == sorted(want), (weight, found, want)
        for doc, score in zip(found, scores):
            assert score == pytest.approx(want[doc], abs=1e-6), (weight, doc)
        assert (np.diff(scores[: len(found)]) <= 0).all()
    # A heavy keyword ranking puts its first document first, a light one the meaning's.
    assert ix.search_hybrid(query, k=1, keyword_weight=1000)[0][0] == by_words
    assert ix.search_hybrid(query, k=1, keyword_weight=0.001)[0][0] == by_meaning
    for bad in (-1, 1000.5, float("nan"), float("inf"), 1e300):
        with pytest.raises(qv.InvalidArgumentError, match="keyword_weight"):
            ix.search_hybrid(query, k=3, keyword_weight=bad)
    with pytest.raises(TypeError):
        ix.search_hybrid(query, k=3, keyword_weight="heavy")
