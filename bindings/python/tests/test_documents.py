"""Documents (issue 15): upsert_text replaces a document's chunks, get_document
returns its source and fields, list_documents and document_count see the
document table, document_sources gives search hits their sources, a save keeps
it all for both open modes, and the errors are the C API's."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import quiver_vec as qv

DIM = 256


def words(stem, n):
    return " ".join(f"{stem}{i}" for i in range(n))


@pytest.fixture
def doc_index():
    """A cosine index with the hashing embedder, chunking by 4 tokens without overlap."""
    ix = qv.Index(DIM, "cosine", "flat")
    ix.set_embedder(qv.Embedder.hashing(DIM))
    ix.set_text_options(unit="tokens", chunk_size=4, chunk_overlap=0)
    return ix


def keyword_docs(ix, query):
    keys, _ = ix.search_keywords(query, k=50)
    return {qv.doc_key(int(k)) for k in keys if k != qv.MISSING}


def test_upsert_text_replaces_a_document(doc_index):
    ix = doc_index
    ix.add_text(1, "an unrelated neighbour document about glaciers")
    ix.upsert_text(7, "walrus " + words("old", 11))  # 12 tokens: 3 chunks
    first = ix.document_chunks(7)
    assert len(first) == 3 and all(qv.doc_key(c) == 7 for c in first)
    assert all(isinstance(c, int) for c in first)
    assert ix.get_metadata_str(first[0]).startswith("walrus")
    assert keyword_docs(ix, "walrus") == {7}
    assert len(ix) == 2 + 3

    ix.upsert_text(7, "narwhal " + words("new", 19))  # 20 tokens: 5 chunks, it grows
    second = ix.document_chunks(7)
    assert len(second) == 5 and not set(first) & set(second)
    for c in first:  # the old chunks are gone
        with pytest.raises(qv.NotFoundError):
            ix.get_metadata(c)
    assert ix.get_metadata_str(second[0]).startswith("narwhal")  # text order
    assert keyword_docs(ix, "walrus") == set()  # the old text is no longer found
    assert keyword_docs(ix, "narwhal") == {7}  # the new text is
    assert len(ix) == 2 + 5
    keys, _ = ix.search_text("narwhal new0 new1", k=2)
    assert keys[0] == 7

    ix.upsert_text(7, "dolphin")  # one chunk: it shrinks
    assert len(ix.document_chunks(7)) == 1
    assert keyword_docs(ix, "narwhal") == set() and keyword_docs(ix, "dolphin") == {7}
    assert len(ix) == 2 + 1
    assert ix.document_count() == 2


def test_source_and_fields_round_trip(doc_index):
    ix = doc_index
    source = "notes/café/Ünïcödé 日本語 📎.md"
    fields = '{"title": "Grüße aus Köln", "tags": ["日本", "🚀"]}'
    ix.upsert_text(3, "a document with a source", source, fields)
    doc = ix.get_document(3)
    assert doc == qv.Document(source, fields) and isinstance(doc, qv.Document)
    ix.upsert_text(3, "replaced, with no source and no fields")
    assert ix.get_document(3) == qv.Document("", "")
    ix.upsert_text(3, "replaced again", fields=b"only fields")  # bytes are UTF-8
    assert ix.get_document(3) == qv.Document("", "only fields")
    ix.add_text(4, "added, not upserted")
    assert ix.get_document(4) == qv.Document("", "")
    ix.upsert_text(5, "invalid UTF-8 is kept", source=b"bad \xff byte")
    assert ix.get_document(5).source == "bad \ufffd byte"  # read back as get_metadata_str does


def test_list_and_count_documents(doc_index):
    ix = doc_index
    assert ix.document_count() == 0 and ix.list_documents() == []
    # More than one page (1024) of documents, added in an order that is not the keys' order.
    n = 1500
    keys = [(i * 7919) % n * 3 + 1 for i in range(n)]
    ix.add_texts(np.array(keys, np.uint64), [f"document number {i}" for i in range(n)])
    ix.upsert_text(qv.MAX_DOC_KEY, "the largest key", "max")
    assert ix.list_documents() == sorted(keys) + [qv.MAX_DOC_KEY]
    assert ix.document_count() == n + 1
    ix.remove_text(keys[0])
    assert ix.document_count() == n and keys[0] not in ix.list_documents()


def test_search_hits_have_sources(doc_index):
    ix = doc_index
    ix.upsert_text(1, "honeybees make honey in the hive", "docs/bees.md", "{}")
    ix.upsert_text(2, "steam locomotives pull trains ZX4711", "https://example.org/trains")
    ix.add_text(3, "volcanoes erupt lava")  # an entry with no source
    want = {1: "docs/bees.md", 2: "https://example.org/trains", 3: ""}

    docs, _ = ix.search_text("honey bees trains lava", k=5)  # 3 documents: 2 MISSING
    assert ix.document_sources(docs) == [want.get(int(d)) for d in docs]
    assert ix.document_sources(docs)[3:] == [None, None]
    docs, chunks, _ = ix.search_hybrid("ZX4711", k=3)
    assert docs[0] == 2 and ix.document_sources(docs)[0] == "https://example.org/trains"
    assert ix.document_sources(2) == ["https://example.org/trains"]
    assert ix.document_sources([1, 1, 99, qv.MISSING]) == ["docs/bees.md", "docs/bees.md", None, None]


@pytest.mark.parametrize("mmap", [False, True])
def test_documents_survive_save_and_open(doc_index, tmp_path, mmap):
    ix = doc_index
    five_fields = '{"v": 2, "ü": "ß"}'
    ix.upsert_text(5, "first version of five", "five.txt", "v1")
    ix.upsert_text(5, words("grebe", 10), "five.md", five_fields)
    ix.upsert_text(9, "nine is here", "nine.txt")
    ix.add_text(11, "eleven was only added")
    chunks = ix.document_chunks(5)
    assert len(chunks) == 3 and chunks[0] != qv.chunk_key(5, 0)  # upserted: numbers go on
    ix.save(tmp_path / "docs.qv")

    again = qv.Index.open(tmp_path / "docs.qv", mmap=mmap)
    assert again.document_count() == 3 and again.list_documents() == [5, 9, 11]
    assert again.document_chunks(5) == chunks
    assert again.get_document(5) == qv.Document("five.md", five_fields)
    assert again.get_document(9) == qv.Document("nine.txt", "")
    assert again.get_document(11) == qv.Document("", "")
    assert keyword_docs(again, "grebe3") == {5}
    again.set_embedder(qv.Embedder.hashing(DIM))
    docs, _ = again.search_text("grebe0 grebe1 grebe2", k=1)
    assert docs[0] == 5 and again.document_sources(docs) == ["five.md"]
    if mmap:
        with pytest.raises(qv.UnsupportedError):
            again.upsert_text(5, "read-only", "x", "y")
        with pytest.raises(qv.UnsupportedError):
            again.upsert_text(12, "read-only")
        assert again.get_document(5).source == "five.md"
    else:
        again.upsert_text(9, "nine replaced after open", "nine-v2.txt")
        assert again.get_document(9).source == "nine-v2.txt"


def test_document_errors():
    ix = qv.Index(DIM, "cosine", "flat")
    with pytest.raises(qv.InvalidArgumentError):
        ix.upsert_text(1, "no embedder yet")
    ix.set_embedder(qv.Embedder.hashing(DIM))
    with pytest.raises(qv.NotFoundError):
        ix.get_document(42)
    with pytest.raises(qv.NotFoundError):
        ix.document_chunks(42)
    with pytest.raises(qv.InvalidArgumentError):
        ix.get_document(qv.MAX_DOC_KEY + 1)
    with pytest.raises(qv.InvalidArgumentError):
        ix.document_chunks(2**64 - 1)
    with pytest.raises(qv.InvalidArgumentError):
        ix.upsert_text(qv.MAX_DOC_KEY + 1, "too big")
    with pytest.raises(qv.InvalidArgumentError):
        ix.upsert_text(1, " \n ")
    with pytest.raises(qv.InvalidArgumentError):
        ix.upsert_text(1, "text", "s" * 8193)
    with pytest.raises(ValueError):
        ix.upsert_text(1, "text", "a\0b")
    with pytest.raises(ValueError):
        ix.upsert_text(1, "text", None, "a\0b")
    with pytest.raises(TypeError):
        ix.upsert_text(1, None)
    with pytest.raises(TypeError):
        ix.upsert_text(1, "text", 3)
    with pytest.raises(ValueError):
        ix.get_document(-1)
    assert ix.document_count() == 0 and len(ix) == 0  # nothing was added

    ix.upsert_text(1, "a document", "src")
    with pytest.raises(qv.InvalidArgumentError):
        ix.upsert_text(1, "", "other")
    assert ix.get_document(1).source == "src"  # a refused upsert changes nothing
    ix.remove_text(1)
    with pytest.raises(qv.NotFoundError):
        ix.get_document(1)
    with pytest.raises(qv.NotFoundError):
        ix.document_chunks(1)
    ix.close()
    with pytest.raises(ValueError):
        ix.get_document(1)
    with pytest.raises(ValueError):
        ix.document_count()


def test_embedding_function_may_read_the_index_during_upsert(doc_index):
    """Reads copy under the library's own locks, which an upsert does not hold
    while it embeds: an embedding function reading the document it embeds for
    sees the old version (it used to be refused, to not wait for itself)."""
    ix = doc_index
    ix.upsert_text(1, "first version", "one.txt", "f1")
    hashing = qv.Embedder.hashing(DIM)
    seen = []

    def embed(texts):
        seen.append(ix.get_document(1))
        seen.append(ix.document_sources(1))
        seen.append(ix.get_metadata_str(ix.document_chunks(1)[0]))
        return hashing.embed(texts)

    ix.set_embedder(qv.Embedder.from_function(embed, DIM))
    try:
        ix.upsert_text(1, "second version", "two.txt", "f2")
        assert seen == [qv.Document("one.txt", "f1"), ["one.txt"], "first version"]
        assert ix.get_document(1) == qv.Document("two.txt", "f2")
    finally:
        ix.set_embedder(None)  # embed refers to ix: a cycle the GC cannot see through


def run_while_changing(change, read, reads, min_changes):
    """Runs change() in a loop on another thread while read() runs `reads`
    times here; at least `min_changes` changes must overlap the reads."""
    stop = threading.Event()
    errors = []
    changes = [0]

    def changer():
        try:
            while not stop.is_set():
                change()
                changes[0] += 1
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    thread = threading.Thread(target=changer)
    thread.start()
    try:
        i = 0
        while (i < reads or changes[0] < min_changes) and not errors:
            read()
            i += 1
    finally:
        stop.set()
        thread.join()
    assert not errors, errors
    assert changes[0] >= min_changes, changes


def test_document_reads_alongside_upserts_are_whole_versions(doc_index):
    # Two versions told apart by source and fields; the long fields are beyond
    # the first guess of room, so reads of them take the "again with room" path.
    # (Large blobs and many changes: reads through the pointer getters without
    # a lock, the bug this guards against, were caught torn in most runs.)
    ix = doc_index
    versions = [("alpha.txt", "a" * 1_000_000), ("omega.txt", "o" * 40)]
    ix.upsert_text(1, "alpha version text", *versions[0])
    turn = [1]

    def change():
        source, fields = versions[turn[0]]
        ix.upsert_text(1, source.split(".")[0] + " version text", source, fields)
        turn[0] ^= 1

    def read():
        doc = ix.get_document(1)
        assert (doc.source, doc.fields) in versions, (doc.source[:40], len(doc.fields))
        assert ix.document_sources([1, 1])[0] in ("alpha.txt", "omega.txt")

    run_while_changing(change, read, reads=20_000, min_changes=3000)


def test_metadata_reads_alongside_sets_are_whole_values():
    ix = qv.Index(4, "l2", "flat")
    ix.add(1, np.ones(4, np.float32))
    values = [b"x" * 1_000_000, b"y" * 10]
    ix.set_metadata(1, values[0])
    turn = [1]

    def change():
        ix.set_metadata(1, values[turn[0]])
        turn[0] ^= 1

    def read():
        assert ix.get_metadata(1) in values

    run_while_changing(change, read, reads=20_000, min_changes=5000)


def test_searches_alongside_upserts_see_one_whole_version(doc_index):
    ix = doc_index

    def version(name, chunks):  # every 4-token chunk holds the version's name
        return " ".join(f"{name} {name[0]}{i} {name[0]}{i} {name[0]}{i}" for i in range(chunks))

    versions = [("alpha", version("alpha", 6)), ("omega", version("omega", 4))]
    ix.upsert_text(1, versions[0][1], "alpha.txt")
    upserts = [0]

    def upsert():
        name, text = versions[(upserts[0] + 1) % 2]
        ix.upsert_text(1, text, f"{name}.txt")
        upserts[0] += 1

    def search():
        keys, _ = ix.search_keywords("alpha omega", k=50)
        found = [int(k) for k in keys if k != qv.MISSING]
        assert len(found) in (6, 4), found  # one whole version: never a mix, never neither
        names = set()
        for k in found:
            try:
                names.add(ix.get_metadata_str(k).split()[0])
            except qv.NotFoundError:
                pass  # replaced since the search: its text is gone
        assert names <= {{6: "alpha", 4: "omega"}[len(found)]}, (found, names)
        assert ix.get_document(1).source in ("alpha.txt", "omega.txt")
        assert len(ix.document_chunks(1)) in (6, 4)

    # At least 300 searches, and on until 20 upserts overlapped them.
    run_while_changing(upsert, search, reads=300, min_changes=20)
