"""Type stubs of quiver_vec._core (the extension; import from quiver_vec)."""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Literal, Union, overload

import numpy as np
import numpy.typing as npt

from ._document import Document
from ._info import IndexInfo

_Path = Union[str, bytes, os.PathLike[str], os.PathLike[bytes]]
_Vectors = npt.ArrayLike
_Keys = Union[int, npt.ArrayLike]
_Filter = Union[None, Callable[[int], bool], Collection[int], npt.NDArray[np.integer]]
_Text = Union[str, bytes]
_KeysOut = npt.NDArray[np.uint64]
_DistOut = npt.NDArray[np.float32]

MISSING: int
"""The key of a missing result (2**64 - 1); its distance is inf."""
MAX_DIM: int
CHUNK_BITS: int
MAX_CHUNKS_PER_DOC: int
MAX_DOC_KEY: int

def version() -> str:
    """The version of libquiver in use, e.g. '0.1.0'."""

def version_number() -> int:
    """The same as a number: major*10000 + minor*100 + patch."""

def status_name(status: int) -> str:
    """The C name of a status, e.g. 'QV_ERR_IO'."""

class Embedder:
    """Turns text into vectors: offline hashing, Gemini, or a Python function."""

    @staticmethod
    def hashing(dim: int = 512) -> Embedder:
        """The offline feature-hashing embedder (no model, no network)."""

    @staticmethod
    def gemini(
        api_key: str | None = None,
        *,
        model: str | None = None,
        output_dim: int = 768,
        base_url: str | None = None,
        batch_size: int = 100,
        requests_per_minute: int = 100,
        max_retries: int = 5,
        timeout_ms: int = 60000,
        connect_timeout_ms: int = 10000,
        initial_backoff_ms: int = 1000,
        max_backoff_ms: int = 30000,
        max_retry_delay_ms: int = 120000,
        max_concurrent_requests: int = 4,
    ) -> Embedder:
        """An embedder over the Gemini API; api_key None reads GEMINI_API_KEY."""

    @staticmethod
    def from_function(fn: Callable[[list[str]], npt.ArrayLike], dim: int) -> Embedder:
        """An embedder over fn(texts) -> array (len(texts), dim), e.g. a
        SentenceTransformer's encode. Its exceptions fail the call with an
        EmbeddingError whose __cause__ they are."""

    @property
    def dim(self) -> int:
        """The dimension of the vectors it makes."""

    @property
    def kind(self) -> Literal["hashing", "gemini", "function"]: ...
    @property
    def closed(self) -> bool: ...
    @overload
    def embed(
        self, texts: _Text, task: Literal["document", "query"] = "document"
    ) -> npt.NDArray[np.float32]: ...
    @overload
    def embed(
        self, texts: Iterable[_Text], task: Literal["document", "query"] = "document"
    ) -> npt.NDArray[np.float32]:
        """One text -> (dim,); a sequence -> (n, dim). Releases the GIL."""

    def close(self) -> None:
        """Releases this handle (an index it is attached to keeps its own)."""

    def __enter__(self) -> Embedder: ...
    def __exit__(self, *args: object) -> None: ...

class Index:
    """A collection of vectors under 64-bit keys with a search structure."""

    def __init__(
        self,
        dim: int,
        metric: Literal["cosine", "l2", "ip"] = "cosine",
        kind: Literal["hnsw", "flat"] = "hnsw",
        *,
        storage: Literal["f32", "f16", "i8", "b1"] = "f32",
        keep_originals: bool = True,
        m: int = 16,
        ef_construction: int = 200,
        ef_search: int = 64,
        seed: int = 42,
        threads: int = 0,
    ) -> None:
        """Creates an empty index of dim-dimensional vectors."""

    @staticmethod
    def open(
        path: _Path,
        *,
        mmap: bool = True,
        verify: bool | Literal["all", "deferred"] = True,
        threads: int = 0,
    ) -> Index:
        """Opens a saved index: mapped read-only (mmap=True) or loaded (mutable)."""

    # Vectors
    def add(self, keys: _Keys, vectors: _Vectors) -> None:
        """Adds one key + 1-D vector, or n keys + an (n, dim) array. An HNSW
        batch that at least doubles an index of 8 MiB or more ends by
        renumbering the graph for memory locality (docs/storage.md)."""

    def upsert(self, keys: _Keys, vectors: _Vectors) -> None:
        """Adds or replaces (metadata kept): one key + 1-D vector, or n keys +
        an (n, dim) array, upserted one at a time in order."""

    @overload
    def get(self, keys: int) -> npt.NDArray[np.float32]: ...
    @overload
    def get(self, keys: npt.ArrayLike) -> npt.NDArray[np.float32]:
        """The vector of a key (dim,), or of each key (n, dim). NotFoundError."""

    def remove(self, keys: _Keys) -> None:
        """Removes a key, or each key of an array in order. NotFoundError."""

    def __contains__(self, key: object) -> bool: ...
    def __len__(self) -> int: ...
    def search(
        self,
        queries: _Vectors,
        k: int = 10,
        *,
        ef: int | None = None,
        filter: _Filter = None,
        threads: int = 0,
        rerank: int | None = None,
    ) -> tuple[_KeysOut, _DistOut]:
        """(keys, distances) of the k nearest: shape (k,) for one 1-D query,
        (nq, k) for a batch; missing results are MISSING / inf."""

    # Metadata
    def set_metadata(self, key: int, value: bytes | bytearray | memoryview | str | None) -> None:
        """Attaches bytes (str as UTF-8) to a live key; None or b'' removes it."""

    def get_metadata(self, key: int) -> bytes:
        """The metadata bytes of a key. NotFoundError when it has none."""

    def get_metadata_str(self, key: int) -> str:
        """The metadata decoded as UTF-8 (invalid bytes replaced)."""

    # Introspection and life cycle
    def info(self) -> IndexInfo: ...
    @property
    def dim(self) -> int: ...
    @property
    def metric(self) -> Literal["cosine", "l2", "ip"]: ...
    @property
    def kind(self) -> Literal["hnsw", "flat"]: ...
    @property
    def storage(self) -> Literal["f32", "f16", "i8", "b1"]: ...
    @property
    def read_only(self) -> bool: ...
    def memory_bytes(self) -> int:
        """Heap bytes held by the index (mmap'd file pages not counted)."""

    @property
    def closed(self) -> bool: ...
    def close(self) -> None:
        """Frees the index now; later calls raise ValueError."""

    def __enter__(self) -> Index: ...
    def __exit__(self, *args: object) -> None: ...

    # Persistence and maintenance
    def save(
        self,
        path: _Path,
        *,
        compress_vectors: bool = False,
        compress_graph: bool = False,
        zstd_level: int = 0,
    ) -> None:
        """Writes the index crash-safely to path."""

    def verify(self) -> None:
        """Re-checks the mapped sections; CorruptError when damaged."""

    def compact(self) -> None:
        """Rebuilds without removed vectors and renumbers an HNSW graph for
        memory locality (no result changes); runs alone."""

    def export_npy(self, vectors_path: _Path, keys_path: _Path) -> None:
        """Writes float32 (n, dim) vectors and uint64 (n,) keys as .npy files."""

    def import_npy(self, vectors_path: _Path, keys_path: _Path | None = None) -> None:
        """Adds the vectors of a .npy file under the keys of another (or 0..n-1)."""

    # Text
    def set_embedder(self, embedder: Embedder | None) -> None:
        """Attaches (or detaches, None) the embedder for text calls."""

    @property
    def embedder(self) -> Embedder | None: ...
    def set_text_options(
        self,
        *,
        unit: Literal["characters", "tokens"] = "characters",
        chunk_size: int = 800,
        chunk_overlap: int = 100,
    ) -> None:
        """How later add_text(s) calls split documents into chunks."""

    def add_text(self, doc_key: int, text: _Text) -> None:
        """Adds one document as chunks chunk_key(doc_key, n) with their text."""

    def add_texts(self, doc_keys: _Keys, texts: Sequence[_Text]) -> None:
        """Adds documents with one embedder call, all or nothing."""

    def remove_text(self, doc_key: int) -> None:
        """Removes every chunk of a document."""

    # Documents
    def upsert_text(
        self, doc_key: int, text: _Text, source: _Text | None = None, fields: _Text | None = None
    ) -> None:
        """Adds or replaces a document (atomic for text searches) with its source and fields."""

    def document_chunks(self, doc_key: int) -> list[int]:
        """The chunk keys of a document's current version, in text order. NotFoundError."""

    def get_document(self, doc_key: int) -> Document:
        """The document's source and fields ('' when none). NotFoundError."""

    def document_sources(self, doc_keys: _Keys) -> list[str | None]:
        """Each key's document source; None for MISSING or a key without a document entry."""

    def list_documents(self) -> list[int]:
        """Every document key of the document table, ascending."""

    def document_count(self) -> int:
        """The number of documents in the document table."""

    def search_text(
        self, query: _Text | Sequence[_Text], k: int = 10, *, ef: int | None = None,
        filter: _Filter = None, rerank: int | None = None,
    ) -> tuple[_KeysOut, _DistOut]:
        """(doc_keys, distances): documents nearest to the query text."""

    def search_text_chunks(
        self, query: _Text | Sequence[_Text], k: int = 10, *, ef: int | None = None,
        filter: _Filter = None, rerank: int | None = None,
    ) -> tuple[_KeysOut, _DistOut]:
        """(chunk_keys, distances): chunks nearest to the query text."""

    def search_text_ex(
        self, query: _Text | Sequence[_Text], k: int = 10, *, ef: int | None = None,
        filter: _Filter = None, rerank: int | None = None,
    ) -> tuple[_KeysOut, _KeysOut, _DistOut]:
        """(doc_keys, chunk_keys, distances): documents with their best chunk."""

    def search_keywords(
        self, query: _Text | Sequence[_Text], k: int = 10, *, filter: _Filter = None,
    ) -> tuple[_KeysOut, _DistOut]:
        """(keys, scores): BM25 over every key's metadata text, highest score first."""

    def search_hybrid(
        self, query: _Text | Sequence[_Text], k: int = 10, *, ef: int | None = None,
        filter: _Filter = None, keyword_weight: float | None = None,
    ) -> tuple[_KeysOut, _KeysOut, _DistOut]:
        """(doc_keys, chunk_keys, scores): documents by meaning and exact words (RRF);
        keyword_weight weighs the keyword ranking (None = equal weights, 0 to 1000)."""
