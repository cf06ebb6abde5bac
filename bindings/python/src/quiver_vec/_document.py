"""What Index.get_document() returns."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Document:
    """A document's entry in the index's document table (``qv_index_get_document``)."""

    source: str  #: a path or URI, as given to Index.upsert_text ("" when none)
    fields: str  #: any text of yours, e.g. JSON ("" when none)
