"""The text layer: embedders (hashing, a Python function, Gemini's refusals),
documents in chunks, text search, and a Python embedder's errors."""

from __future__ import annotations

import re
import zlib

import numpy as np
import pytest

import quiver_vec as qv

DOCS = {
    1: "Honeybees make honey from the nectar of flowers inside the hive.",
    2: "Steam locomotives pulled the first trains across the country.",
    3: "The violin and the cello are string instruments played with a bow.",
    4: "Volcanoes erupt molten rock called lava from deep under the crust.",
}


def bag_of_words(texts, dim=64):
    """A deterministic toy model: words hashed into dim buckets, L2-normalised."""
    out = np.zeros((len(texts), dim), np.float32)
    for i, text in enumerate(texts):
        for word in re.findall(r"[a-z]+", text.lower()):
            out[i, zlib.crc32(word.encode()) % dim] += 1.0
        out[i] /= max(np.linalg.norm(out[i]), 1e-9)
    return out


@pytest.fixture
def text_index():
    ix = qv.Index(64, "cosine", "flat")
    ix.set_embedder(qv.Embedder.from_function(bag_of_words, 64))
    ix.add_texts(list(DOCS), list(DOCS.values()))
    return ix


def test_python_embedder_search(text_index):
    ix = text_index
    keys, dist = ix.search_text("how do bees make honey", k=2)
    assert keys[0] == 1 and keys.shape == (2,) and dist[0] < dist[1]
    keys, dist = ix.search_text(["lava and volcanoes", "string instruments"], k=1)
    assert keys.shape == (2, 1) and keys[:, 0].tolist() == [4, 3]
    docs, chunks, dist = ix.search_text_ex("steam trains", k=4)
    assert docs[0] == 2 and qv.doc_key(int(chunks[0])) == 2 and qv.chunk_number(int(chunks[0])) == 0
    assert ix.get_metadata_str(int(chunks[0])) == DOCS[2]
    chunk_keys, _ = ix.search_text_chunks("steam trains", k=1)
    assert chunk_keys[0] == qv.chunk_key(2, 0)
    keys, dist = ix.search_text("cello", k=10)
    assert sorted(keys[:4].tolist()) == [1, 2, 3, 4] and (keys[4:] == qv.MISSING).all()
    keys, _ = ix.search_text("bees", k=4, filter=lambda chunk: qv.doc_key(chunk) != 1)
    assert 1 not in keys.tolist()


def test_documents_are_chunked_and_removed(text_index):
    ix = text_index
    ix.set_text_options(unit="tokens", chunk_size=5, chunk_overlap=1)
    long_text = " ".join(f"word{i}" for i in range(40)) + " glaciers"
    ix.add_text(9, long_text)
    chunks = [qv.chunk_key(9, n) for n in range(20) if qv.chunk_key(9, n) in ix]
    assert len(chunks) >= 8
    assert ix.get_metadata_str(chunks[0]).startswith("word0 word1")
    assert ix.search_text("glaciers", k=1)[0][0] == 9
    ix.remove_text(9)
    assert qv.chunk_key(9, 0) not in ix
    with pytest.raises(qv.NotFoundError):
        ix.remove_text(9)
    with pytest.raises(qv.DuplicateKeyError):
        ix.add_text(1, "again")
    with pytest.raises(ValueError):
        ix.set_text_options(chunk_size=5, chunk_overlap=5)
    with pytest.raises(ValueError):
        ix.set_text_options(unit="lines")


def test_embedder_exception_is_chained(text_index):
    class ModelDown(RuntimeError):
        pass

    def broken(texts):
        raise ModelDown("the model is not loaded")

    ix = qv.Index(64, "cosine", "flat")
    ix.set_embedder(qv.Embedder.from_function(broken, 64))
    with pytest.raises(qv.EmbeddingError) as e:
        ix.add_texts([1, 2], ["one text", "another"])
    assert isinstance(e.value.__cause__, ModelDown)
    assert "the model is not loaded" in str(e.value) and "ModelDown" in str(e.value)
    assert len(ix) == 0  # all or nothing
    with pytest.raises(qv.EmbeddingError) as e:
        ix.search_text("a question")
    assert isinstance(e.value.__cause__, ModelDown)


@pytest.mark.parametrize(
    "result, message",
    [
        (lambda texts: np.zeros((len(texts), 3)), "shape"),
        (lambda texts: np.full((len(texts), 64), np.nan), "NaN|finite|non-finite"),
        (lambda texts: "not numbers", "float"),
    ],
)
def test_embedder_with_a_wrong_result(result, message):
    ix = qv.Index(64, "cosine", "flat")
    ix.set_embedder(qv.Embedder.from_function(result, 64))
    with pytest.raises(qv.EmbeddingError, match=message):
        ix.add_text(1, "some text")


def test_embedder_calls():
    emb = qv.Embedder.from_function(bag_of_words, 64)
    assert emb.dim == 64 and emb.kind == "function"
    one = emb.embed("bees and honey")
    many = emb.embed(["bees and honey", "lava"], task="query")
    assert one.shape == (64,) and many.shape == (2, 64)
    np.testing.assert_allclose(one, many[0])
    with pytest.raises(ValueError):
        emb.embed("x", task="summary")
    with pytest.raises(ValueError, match="NUL"):
        emb.embed("a\0b")
    with pytest.raises(TypeError):
        emb.embed([1, 2])
    with pytest.raises(TypeError):
        qv.Embedder.from_function("not callable", 4)
    with emb:
        pass
    assert emb.closed and "closed" in repr(emb)
    with pytest.raises(ValueError, match="closed"):
        emb.embed("x")


def test_hashing_embedder_and_reopening(tmp_path):
    emb = qv.Embedder.hashing(256)
    assert emb.kind == "hashing" and emb.dim == 256
    v = emb.embed("honeybees make honey")
    assert v.dtype == np.float32 and abs(np.linalg.norm(v) - 1) < 1e-5
    ix = qv.Index(256)
    ix.set_embedder(emb)
    assert ix.embedder is emb
    emb.close()  # the index keeps its own reference
    ix.add_texts([1, 2], [DOCS[1], DOCS[2]])
    assert ix.search_text("honey", k=1)[0][0] == 1
    ix.save(tmp_path / "t.qv")
    again = qv.Index.open(tmp_path / "t.qv")
    with pytest.raises(qv.InvalidArgumentError, match="embedder"):
        again.search_text("honey")
    again.set_embedder(qv.Embedder.hashing(256))
    assert again.search_text("honey", k=1)[0][0] == 1
    with pytest.raises(qv.DimensionMismatchError):
        again.set_embedder(qv.Embedder.hashing(128))
    again.set_embedder(None)
    assert again.embedder is None


def test_text_argument_errors(text_index):
    ix = text_index
    with pytest.raises(TypeError):
        ix.add_texts([7], "one string, not a list")
    with pytest.raises(ValueError, match="doc_keys"):
        ix.add_texts([7, 8], ["only one"])
    with pytest.raises(qv.InvalidArgumentError):
        ix.add_text(qv.MAX_DOC_KEY + 1, "too big a key")
    with pytest.raises(qv.InvalidArgumentError):
        ix.add_text(7, "   ")
    with pytest.raises(ValueError):
        ix.search_text("bees", k=0)
    assert qv.chunk_key(3, 2) == (3 << 16) | 2
    with pytest.raises(ValueError):
        qv.chunk_key(qv.MAX_DOC_KEY + 1, 0)


def test_gemini_embedder_without_a_server():
    try:
        emb = qv.Embedder.gemini("test-key", base_url="http://127.0.0.1:9", max_retries=0,
                                 connect_timeout_ms=2000, timeout_ms=2000, output_dim=128)
    except qv.UnsupportedError:
        pytest.skip("libquiver built without Gemini")
    assert emb.kind == "gemini" and emb.dim == 128
    with pytest.raises(qv.EmbeddingError):
        emb.embed("hello")
    with pytest.raises(qv.InvalidArgumentError):
        qv.Embedder.gemini("k", base_url="ftp://example")
