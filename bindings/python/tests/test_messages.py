"""Error messages speak Python: a read-only index, a text call without an
embedder and bad option values give messages that name no C identifier (no
qv_ call, no QV_ constant, no NULL) and name arguments as Python spells them."""

from __future__ import annotations

import numpy as np
import pytest

import quiver_vec as qv

C_NAMES = ("qv_", "QV_", "NULL")


def message_of(error_class, call) -> str:
    with pytest.raises(error_class) as e:
        call()
    message = str(e.value)
    assert message, "empty message"
    for c in C_NAMES:
        assert c not in message, f"the message names C ({c}): {message}"
    return message


def test_read_only_index_says_how_to_open_it_for_changes(tmp_path):
    ix = qv.Index(4, "l2", kind="flat")
    ix.add(np.arange(3), np.eye(3, 4))
    ix.save(tmp_path / "ix.qv")
    ro = qv.Index.open(tmp_path / "ix.qv", mmap=True)
    message = message_of(qv.UnsupportedError, lambda: ro.add(9, [1, 2, 3, 4]))
    assert "read-only" in message and "loading" in message
    assert "read-only" in message_of(qv.UnsupportedError, lambda: ro.remove(1))


def test_text_call_without_embedder_says_to_attach_one():
    ix = qv.Index(8, "cosine", kind="flat")
    assert "no embedder is attached" in message_of(
        qv.InvalidArgumentError, lambda: ix.add_text(1, "hello"))
    assert "no embedder is attached" in message_of(
        qv.InvalidArgumentError, lambda: ix.search_text("hello", 2))


def test_bad_option_values_are_named_as_python_spells_them():
    message = message_of(qv.InvalidArgumentError, lambda: qv.Index(8, m=1))
    assert message.startswith("m is 1") and "between 2 and 256" in message
    assert "hnsw_m" not in message
    message = message_of(qv.InvalidArgumentError, lambda: qv.Index(8, ef_search=0))
    assert message.startswith("ef_search is 0")
    assert message_of(qv.InvalidArgumentError, lambda: qv.Index(0)).startswith("dim is 0")
    message = message_of(ValueError, lambda: qv.Index(8, metric="manhattan"))
    assert "'l2'" in message
